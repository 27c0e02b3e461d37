//! Soft findings of a roster, read from the roster alone (never from the
//! optimizer's variables): which preferences of the agents it honours,
//! which shifts leave the pattern of a soft rotation, and how evenly it
//! shares weekend days and late shifts over the whole plan. Soft misses are not
//! rule violations: a roster with them is valid.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Timelike};
use serde::Serialize;

use crate::roster::model::{Roster, Shift};
use crate::roster::validate::off_rotation;
use crate::scenario::{Preference, Scenario};

/// A preference the roster does not honour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreferenceMiss {
    pub agent_id: String,
    pub agent_name: String,
    /// The preference in words, e.g. `day off on sat, sun`.
    pub preference: String,
    /// The preference's own weight (before `weights.preference`).
    pub weight: f64,
    /// Planned days on which it is not honoured.
    pub dates: Vec<NaiveDate>,
    /// `weights.preference × weight × days missed`.
    pub penalty: f64,
}

/// The shifts an agent works off the pattern of a soft rotation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RotationMiss {
    pub agent_id: String,
    pub agent_name: String,
    pub rotation: String,
    /// The rotation's weight: the cost of each shift off the pattern.
    pub weight: f64,
    /// Days of the shifts off the pattern.
    pub dates: Vec<NaiveDate>,
    /// `weight × shifts off the pattern`.
    pub penalty: f64,
}

/// How one kind of unpopular work is shared among the agents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    /// Fewest of any agent with a positive contract.
    pub min: u32,
    /// Most of any agent.
    pub max: u32,
    /// `max − min`.
    pub spread: u32,
    pub mean: f64,
    /// Largest count scaled by contract (`mean max_hours / agent's max_hours`),
    /// the quantity the optimizer minimises.
    pub max_scaled: f64,
    /// Count per agent id.
    pub per_agent: BTreeMap<String, u32>,
}

/// Fair shares of the roster (`rules.fairness`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fairness {
    /// Weekend days worked.
    pub weekend_days: Share,
    /// Shifts ending after `late_after` (or on a later day).
    pub late_shifts: Share,
}

/// The soft findings of a roster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SoftFindings {
    /// Preferences of all agents.
    pub preferences: usize,
    /// Preferences honoured on every planned day they concern.
    pub preferences_honoured: usize,
    /// Sum of the penalties of the misses.
    pub preference_penalty: f64,
    pub missed: Vec<PreferenceMiss>,
    /// Shifts off the pattern of soft rotations, per agent; absent when no
    /// agent follows a soft rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotations: Option<Vec<RotationMiss>>,
    /// Sum of the penalties of the shifts off a soft rotation's pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_penalty: Option<f64>,
    /// Absent without `rules.fairness`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fairness: Option<Fairness>,
}

/// Minutes from local midnight of `day` to the shift's start or end, on the
/// wall clock, counting whole days past `day`.
fn clock_minutes(day: NaiveDate, t: chrono::DateTime<chrono_tz::Tz>) -> i64 {
    (t.date_naive() - day).num_days() * 24 * 60 + (t.hour() * 60 + t.minute()) as i64
}

/// Whether the agent's `shifts` of `day` honour preference `p`.
fn honoured(p: &Preference, day: NaiveDate, shifts: &[&Shift]) -> bool {
    shifts.iter().all(|s| {
        if p.off {
            return false;
        }
        let start = clock_minutes(day, s.start);
        let end = clock_minutes(day, s.end);
        p.start_after.is_none_or(|t| start >= t.minutes() as i64)
            && p.start_before.is_none_or(|t| start <= t.minutes() as i64)
            && p.end_before.is_none_or(|t| end <= t.minutes() as i64)
    })
}

/// Whether `roster` honours preference `p` of `agent` on every planned
/// day it concerns.
pub fn honoured_on(p: &Preference, agent: &str, roster: &Roster, scenario: &Scenario) -> bool {
    scenario
        .dates()
        .into_iter()
        .filter(|&d| p.applies(d))
        .all(|d| {
            let shifts: Vec<&Shift> = roster
                .shifts
                .iter()
                .filter(|s| s.agent_id == agent && s.date == d)
                .collect();
            honoured(p, d, &shifts)
        })
}

/// The roster's soft findings; `None` when the scenario has no preference,
/// no soft rotation and no fairness rule.
pub fn evaluate(scenario: &Scenario, roster: &Roster) -> Option<SoftFindings> {
    let any_pref = scenario.agents.iter().any(|a| !a.prefers.is_empty());
    let soft_rotation = |a: &crate::scenario::Agent| {
        scenario
            .rotations
            .iter()
            .any(|r| a.rotation.as_ref() == Some(&r.id) && r.weight.is_some())
    };
    let any_rotation = scenario.agents.iter().any(soft_rotation);
    if !any_pref && !any_rotation && scenario.rules.fairness.is_none() {
        return None;
    }
    let mut by_agent: BTreeMap<(&str, NaiveDate), Vec<&Shift>> = BTreeMap::new();
    for s in &roster.shifts {
        by_agent
            .entry((s.agent_id.as_str(), s.date))
            .or_default()
            .push(s);
    }
    let dates = scenario.dates();
    let mut out = SoftFindings {
        preferences: 0,
        preferences_honoured: 0,
        preference_penalty: 0.0,
        missed: Vec::new(),
        rotations: None,
        rotation_penalty: None,
        fairness: None,
    };
    for a in &scenario.agents {
        for p in &a.prefers {
            out.preferences += 1;
            let missed: Vec<NaiveDate> = dates
                .iter()
                .copied()
                .filter(|&d| p.applies(d))
                .filter(|&d| {
                    let shifts = by_agent
                        .get(&(a.id.as_str(), d))
                        .map_or(&[][..], |v| &v[..]);
                    !honoured(p, d, shifts)
                })
                .collect();
            if missed.is_empty() {
                out.preferences_honoured += 1;
                continue;
            }
            let penalty = scenario.weights.preference * p.weight * missed.len() as f64;
            out.preference_penalty += penalty;
            out.missed.push(PreferenceMiss {
                agent_id: a.id.clone(),
                agent_name: a.name.clone(),
                preference: p.to_string(),
                weight: p.weight,
                dates: missed,
                penalty,
            });
        }
    }
    if any_rotation {
        let mut misses = Vec::new();
        for a in scenario.agents.iter().filter(|a| soft_rotation(a)) {
            let mut dates = Vec::new();
            let mut weight = 0.0;
            let mut rotation = String::new();
            for s in roster.shifts.iter().filter(|s| s.agent_id == a.id) {
                if let Some((r, _)) = off_rotation(scenario, a, s, s.length_hours()) {
                    dates.push(s.date);
                    weight = r.weight.unwrap_or(0.0);
                    rotation = r.id.clone();
                }
            }
            if !dates.is_empty() {
                dates.sort();
                misses.push(RotationMiss {
                    agent_id: a.id.clone(),
                    agent_name: a.name.clone(),
                    rotation,
                    weight,
                    penalty: weight * dates.len() as f64,
                    dates,
                });
            }
        }
        out.rotation_penalty = Some(misses.iter().fold(0.0, |sum, m| sum + m.penalty));
        out.rotations = Some(misses);
    }
    if let Some(f) = &scenario.rules.fairness {
        let weekend = |s: &Shift| f.weekend.iter().any(|w| w.matches(s.date));
        let late = |s: &Shift| clock_minutes(s.date, s.end) > f.late_after.minutes() as i64;
        out.fairness = Some(Fairness {
            weekend_days: share(scenario, roster, &weekend),
            late_shifts: share(scenario, roster, &late),
        });
    }
    Some(out)
}

/// How many shifts satisfying `counts` each agent with a positive contract works.
fn share(scenario: &Scenario, roster: &Roster, counts: &dyn Fn(&Shift) -> bool) -> Share {
    let agents: Vec<_> = scenario
        .agents
        .iter()
        .filter(|a| a.max_hours > 0.0)
        .collect();
    let mut per_agent: BTreeMap<String, u32> = agents.iter().map(|a| (a.id.clone(), 0)).collect();
    for s in roster.shifts.iter().filter(|s| counts(s)) {
        if let Some(n) = per_agent.get_mut(&s.agent_id) {
            *n += 1;
        }
    }
    let n = agents.len().max(1) as f64;
    let mean_hours = agents.iter().map(|a| a.max_hours).sum::<f64>() / n;
    let min = per_agent.values().copied().min().unwrap_or(0);
    let max = per_agent.values().copied().max().unwrap_or(0);
    let max_scaled = agents
        .iter()
        .map(|a| per_agent[&a.id] as f64 * mean_hours / a.max_hours)
        .fold(0.0, f64::max);
    Share {
        min,
        max,
        spread: max - min,
        mean: per_agent.values().map(|&v| v as f64).sum::<f64>() / n,
        max_scaled,
        per_agent,
    }
}
