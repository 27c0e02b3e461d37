//! Soft rules in the objective: the agents' preferences, soft rotations,
//! and fair shares of weekend days and late shifts.
//!
//! A preference costs `weights.preference × weight` on every shift candidate
//! that misses it (a shift on a wished day off, a start before `start_after`
//! or after `start_before`, an end after `end_before`); with at most one
//! shift a day that is the cost per planned day the wish is not honoured, and
//! needs no variable of its own. A soft rotation likewise costs its
//! `weight` on every shift candidate off the week's pattern.
//!
//! Fairness (`rules.fairness`) counts over the whole plan, every week
//! together, and minimises the largest share of unpopular work
//! any agent gets: `z ≥ (H̄ / H_a) · n_a` for every agent `a` with a positive
//! contract, `n_a` the agent's weekend days (or late shifts), `H_a` the
//! agent's `max_hours` and `H̄` their mean, so a half-time agent counts double
//! and shares in proportion to contract; `z` costs `weights.weekend_fairness`
//! (or `weights.late_fairness`) per unit.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use good_lp::{variable, Expression, Variable};

use super::candidates::{on_pattern, Day};
use super::model::Model;
use crate::scenario::{Agent, Preference, Scenario};

/// A fairness bound: `z` at least each agent's scaled count of shifts.
pub(super) struct FairTerm {
    pub(super) z: Variable,
    /// (scale, the agent's shift variables that count).
    pub(super) rows: Vec<(f64, Vec<Variable>)>,
}

/// Minutes from local midnight of `date` to `t` on the wall clock (above
/// 1440 on the next day).
fn wall_minutes(date: NaiveDate, t: DateTime<Tz>) -> i64 {
    (t.naive_local() - date.and_hms_opt(0, 0, 0).expect("midnight")).num_minutes()
}

fn misses(p: &Preference, date: NaiveDate, start: DateTime<Tz>, end: DateTime<Tz>) -> bool {
    let (s, e) = (wall_minutes(date, start), wall_minutes(date, end));
    p.off
        || p.start_after.is_some_and(|t| s < t.minutes() as i64)
        || p.start_before.is_some_and(|t| s > t.minutes() as i64)
        || p.end_before.is_some_and(|t| e > t.minutes() as i64)
}

/// What agent `a` working day `day`'s shift candidate `k` costs in
/// preferences it misses (`weights.preference × weight` each).
fn preference_penalty(scenario: &Scenario, a: &Agent, day: &Day, k: usize) -> f64 {
    let s = &day.shifts[k];
    a.prefers
        .iter()
        .filter(|p| p.applies(day.date) && misses(p, day.date, s.start, s.end))
        .map(|p| scenario.weights.preference * p.weight)
        .filter(|&w| w > 0.0)
        .sum()
}

/// What agent `a` working day `day`'s shift candidate `k` costs in soft
/// terms of their own: the preferences it misses, and a soft rotation's
/// weight when it is off the week's pattern.
fn shift_penalty(scenario: &Scenario, a: &Agent, day: &Day, k: usize) -> f64 {
    let mut w = preference_penalty(scenario, a, day, k);
    if let Some((rw, pattern)) = scenario
        .rotation_on(a, day.date)
        .and_then(|(r, p)| Some((r.weight.filter(|&w| w > 0.0)?, p)))
    {
        if !on_pattern(a, pattern, day, &day.shifts[k]) {
            w += rw;
        }
    }
    w
}

/// The agents whose plan `picks` (`[agent][day]`, the shift candidate
/// worked) misses one of their preferences on some day.
pub(super) fn missing_wishes(
    scenario: &Scenario,
    days: &[Day],
    picks: &[Vec<Option<usize>>],
) -> Vec<usize> {
    scenario
        .agents
        .iter()
        .zip(picks)
        .enumerate()
        .filter(|(_, (a, row))| {
            days.iter()
                .zip(row.iter())
                .any(|(day, k)| k.is_some_and(|k| preference_penalty(scenario, a, day, k) > 0.0))
        })
        .map(|(ai, _)| ai)
        .collect()
}

/// Adds the preferences' costs and the fairness bounds to the objective.
pub(super) fn add_soft(
    model: &mut Model,
    scenario: &Scenario,
    days: &[Day],
    x: &[Vec<Vec<Variable>>],
) -> Vec<FairTerm> {
    for (ai, a) in scenario.agents.iter().enumerate() {
        for (di, day) in days.iter().enumerate() {
            for (k, v) in x[ai][di].iter().enumerate() {
                let w = shift_penalty(scenario, a, day, k);
                if w > 0.0 {
                    model.objective.add_mul(w, *v);
                }
            }
        }
    }
    let mut terms = Vec::new();
    for fair in fairness(scenario, days) {
        let z = model.add(variable().min(0.0), false);
        model.objective.add_mul(fair.weight, z);
        let mut rows = Vec::new();
        for (ai, scale) in fair.scales.iter().enumerate() {
            let Some(scale) = *scale else {
                continue;
            };
            let mut vs = Vec::new();
            let mut e = Expression::default();
            for (di, counted) in fair.counted.iter().enumerate() {
                for (k, v) in x[ai][di].iter().enumerate() {
                    if counted[k] {
                        vs.push(*v);
                        e.add_mul(scale, *v);
                    }
                }
            }
            model.constraints.push(Expression::from(z).geq(e));
            rows.push((scale, vs));
        }
        terms.push(FairTerm { z, rows });
    }
    terms
}

/// One fairness term of `rules.fairness`: weekend days or late shifts.
pub(super) struct Fairness {
    /// `weights.weekend_fairness` or `weights.late_fairness`.
    pub(super) weight: f64,
    /// Whether each day's shift candidate counts, `[day][k]`.
    pub(super) counted: Vec<Vec<bool>>,
    /// Each agent's scale `H̄ / H_a`; `None` for an agent without a
    /// contract, who is not counted.
    pub(super) scales: Vec<Option<f64>>,
}

/// The fairness terms of the scenario with a positive weight (none without
/// `rules.fairness` or without a positive contract).
pub(super) fn fairness(scenario: &Scenario, days: &[Day]) -> Vec<Fairness> {
    let Some(f) = &scenario.rules.fairness else {
        return Vec::new();
    };
    let wts = &scenario.weights;
    let contracts: Vec<f64> = scenario
        .agents
        .iter()
        .map(|a| a.max_hours)
        .filter(|&h| h > 0.0)
        .collect();
    if contracts.is_empty() {
        return Vec::new();
    }
    let mean = contracts.iter().sum::<f64>() / contracts.len() as f64;
    let scales: Vec<Option<f64>> = scenario
        .agents
        .iter()
        .map(|a| (a.max_hours > 0.0).then(|| mean / a.max_hours))
        .collect();
    let weekend = |d: &Day, _k: usize| f.weekend.iter().any(|w| w.matches(d.date));
    let late =
        |d: &Day, k: usize| wall_minutes(d.date, d.shifts[k].end) > f.late_after.minutes() as i64;
    type Counts<'a> = &'a dyn Fn(&Day, usize) -> bool;
    let counts: [(f64, Counts); 2] = [(wts.weekend_fairness, &weekend), (wts.late_fairness, &late)];
    counts
        .into_iter()
        .filter(|(weight, _)| *weight > 0.0)
        .map(|(weight, counts)| Fairness {
            weight,
            counted: days
                .iter()
                .map(|d| (0..d.shifts.len()).map(|k| counts(d, k)).collect())
                .collect(),
            scales: scales.clone(),
        })
        .collect()
}

/// Sets the fairness bounds of a starting solution from its shifts.
pub(super) fn warm_fair(terms: &[FairTerm], pos: &HashMap<Variable, usize>, vals: &mut [f64]) {
    for t in terms {
        let z = t
            .rows
            .iter()
            .map(|(scale, vs)| scale * vs.iter().map(|v| vals[pos[v]]).sum::<f64>())
            .fold(0.0, f64::max);
        vals[pos[&t.z]] = z;
    }
}
