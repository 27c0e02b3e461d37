//! Explaining a scenario that has no valid roster.

use chrono::Datelike;

use super::candidates::Day;
use super::model::{build, build_relaxed, Relax};
use super::value;
use crate::horizon::Horizon;
use crate::lp::run;
use crate::scenario::{Scenario, SolverConfig};
use crate::staffing::QueueRequirements;

/// Reasons an agent's contract cannot be met whatever the roster, in a planner's words.
pub fn precheck(scenario: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for a in &scenario.agents {
        // The agent's site's working days, lengths and breaks.
        let own = scenario.rules_of(a);
        let r = &own;
        let paid: Vec<f64> = r
            .all_lengths_hours()
            .into_iter()
            .map(|l| r.paid_hours(l))
            .collect();
        let max_paid = paid.iter().cloned().fold(0.0, f64::max);
        let min_paid = paid.iter().cloned().fold(f64::MAX, f64::min);
        for (wi, week) in scenario.weeks().iter().enumerate() {
            let days = week.max_working_days(&own) as f64;
            let need = week.min_hours(a);
            if need > days * max_paid + 1e-9 {
                out.push(format!(
                    "agent {} ({}) must work at least {} h{}, but at most {} days × {} paid hours = {} h fit the rules (max_working_days {}, {} planned days, shift lengths {:?} h)",
                    a.id, a.name, round2(need), week_text(scenario, wi), days, max_paid, days * max_paid, own.max_working_days, week.len, r.shift_lengths_hours
                ));
            }
        }
        if a.max_hours + 1e-9 < min_paid && a.min_hours > 0.0 {
            out.push(format!(
                "agent {} ({}) may work at most {} h, less than the shortest shift ({} paid hours), but must work at least {} h",
                a.id, a.name, a.max_hours, min_paid, a.min_hours
            ));
        }
    }
    out
}

/// An agent rule that a diagnosis may relax, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlackRule {
    /// The minimum paid hours of week `week` (`Scenario::weeks`).
    MinHours { week: usize },
    /// `max_working_days` in week `week`.
    WorkingDays { week: usize },
    /// `min_rest_hours` between the shift of planned day `day` and a later one.
    Rest { day: usize },
    /// `max_consecutive_days` in the run ending on planned day `day`.
    Consecutive { day: usize },
    /// `consecutive_days_off` in week `week`.
    DaysOffBlock { week: usize },
    /// A shift the agent may not work on planned day `day` (fixed day off,
    /// availability, hard rotation, rest after last week's shift).
    Unavailable { day: usize },
}

/// A penalised slack variable of one agent's rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleSlack {
    pub(crate) agent: usize,
    pub(crate) rule: SlackRule,
    pub(crate) var: good_lp::Variable,
}

/// Explains an infeasible scenario in two solves without coverage. First
/// the weekly minimum hours are relaxed, which names the agents whose
/// minimum cannot be met and how many hours fit. Then, for those agents
/// alone, the minimum is kept and their other rules are relaxed instead
/// (days off and availability per day, working days, rest per pair of days,
/// days in a row per run, the days-off block), each slack at the same
/// penalty: the fewest relaxations that make the minimum fit name the rules,
/// and the days, in conflict.
pub(super) fn diagnose(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
) -> String {
    let built = build(scenario, horizon, reqs, days, true, None);
    let pos = built.model.positions();
    let slack = built.hours_slack.clone();
    let Ok(raw) = run(built.model, cfg, None) else {
        return "the rules conflict, and the solver could not say which".into();
    };
    if raw.values.is_empty() {
        return format!(
            "the shift rules leave no valid roster at all (shift start window {}-{}, lengths {:?} h, {}, {} h rest)",
            scenario.rules.shift_start.earliest,
            scenario.rules.shift_start.latest,
            scenario.rules.shift_lengths_hours,
            match &scenario.rules.meal_break {
                Some(m) => format!(
                    "meal break window {} h to {} h",
                    m.earliest_start_hours, m.latest_end_hours
                ),
                None => "no meal break".to_string(),
            },
            scenario.rules.min_rest_hours
        );
    }
    // Agents short of a week's minimum, and the hours that fit that week.
    let weeks = scenario.weeks();
    let short: Vec<(usize, usize, f64)> = slack
        .iter()
        .enumerate()
        .flat_map(|(ai, per_week)| {
            per_week
                .iter()
                .enumerate()
                .filter_map(move |(wi, s)| Some((ai, wi, s.as_ref()?)))
        })
        .filter_map(|(ai, wi, s)| {
            let missing = value(&raw.values, s, &pos);
            (missing > 1e-6).then(|| (ai, wi, weeks[wi].min_hours(&scenario.agents[ai]) - missing))
        })
        .collect();
    if short.is_empty() {
        return "the rules conflict, but every agent's weekly minimum can be met on its own".into();
    }
    let mut agents: Vec<usize> = short.iter().map(|&(ai, _, _)| ai).collect();
    agents.dedup();
    let fixes = relax_rules(scenario, horizon, reqs, days, cfg, &agents);
    short
        .iter()
        .map(|&(ai, wi, fit)| {
            let a = &scenario.agents[ai];
            let mut line = format!(
                "agent {} ({}) must work at least {} h{} but {} only {:.1} h fit",
                a.id,
                a.name,
                round2(weeks[wi].min_hours(a)),
                week_text(scenario, wi),
                rules_in_effect(scenario, ai),
                fit
            );
            match fixes.as_ref().map(|f| &f[ai]) {
                Some(f) if !f.is_empty() => {
                    line.push_str("; the minimum fits only by breaking: ");
                    line.push_str(&f.join("; "));
                }
                _ => line.push_str(
                    "; no other rule of the agent can give way (contract maximum or shift lengths)",
                ),
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Hours to two decimals, without trailing zeros.
fn round2(h: f64) -> f64 {
    (h * 100.0).round() / 100.0
}

/// ` in the week of DATE` for a plan of more than one week, else nothing.
fn week_text(scenario: &Scenario, wi: usize) -> String {
    let weeks = scenario.weeks();
    if weeks.len() <= 1 {
        return String::new();
    }
    let first = scenario.dates()[weeks[wi].first];
    if weeks[wi].share < 1.0 {
        format!(" in the short last week from {first} (pro rata)")
    } else {
        format!(" in the week of {first}")
    }
}

/// The rules that limit agent `ai`'s hours, in a planner's words.
fn rules_in_effect(scenario: &Scenario, ai: usize) -> String {
    let a = &scenario.agents[ai];
    let rules = scenario.rules_of(a);
    let r = &rules;
    let mut limits = Vec::new();
    if !a.days_off.is_empty() {
        let ds: Vec<String> = a.days_off.iter().map(|d| d.to_string()).collect();
        limits.push(format!("fixed days off on {}", and_list(&ds)));
    }
    if let Some(av) = &a.available {
        limits.push(format!("available only {}-{}", av.from, av.to));
    }
    if let Some(end) = a.previous.as_ref().and_then(|p| p.last_shift_end) {
        limits.push(format!(
            "{} h rest after last week's shift ending {}",
            r.min_rest_hours,
            end.format("%Y-%m-%d %H:%M")
        ));
    }
    limits.push(format!("at most {} working days", r.max_working_days));
    if let Some(k) = r.max_consecutive_days {
        let before = a.previous.as_ref().map_or(0, |p| p.consecutive_days);
        if before > 0 {
            limits.push(format!(
                "at most {k} days in a row (with {before} worked before the plan)"
            ));
        } else {
            limits.push(format!("at most {k} days in a row"));
        }
    }
    if let Some(l) = r.consecutive_days_off {
        limits.push(format!("{l} days off in a row"));
    }
    limits.push(format!(
        "shifts of {:?} h ({} h rest between them)",
        r.shift_lengths_hours, r.min_rest_hours
    ));
    format!("with {}", and_list(&limits))
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The relaxations, per agent (indexed like `scenario.agents`), that let the
/// `short` agents meet their minimum hours; `None` when even that fails.
fn relax_rules(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    short: &[usize],
) -> Option<Vec<Vec<String>>> {
    // The agents are independent without coverage: solve the short ones alone.
    let mut sub = scenario.clone();
    sub.agents = short
        .iter()
        .map(|&ai| scenario.agents[ai].clone())
        .collect();
    let built = build_relaxed(&sub, horizon, reqs, days, Relax::Rules, None);
    let pos = built.model.positions();
    let slacks = built.slacks.clone();
    let raw = run(built.model, cfg, None).ok()?;
    if raw.values.is_empty() {
        return None;
    }
    // Per agent, each rule once with the days it gives way on.
    let mut used: Vec<Vec<(String, Vec<String>)>> = vec![Vec::new(); scenario.agents.len()];
    for s in slacks {
        let amount = value(&raw.values, &s.var, &pos);
        if amount > 1e-6 {
            let ai = short[s.agent];
            let (rule, date) = describe(scenario, ai, days, s.rule, amount);
            let row = &mut used[ai];
            match row.iter_mut().find(|(r, _)| *r == rule) {
                Some((_, ds)) => ds.extend(date.map(|d| d.to_string())),
                None => row.push((rule, date.map(|d| d.to_string()).into_iter().collect())),
            }
        }
    }
    Some(
        used.into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|(rule, ds)| {
                        if ds.is_empty() {
                            rule
                        } else {
                            format!("{rule} {}", and_list(&ds))
                        }
                    })
                    .collect()
            })
            .collect(),
    )
}

/// A used slack in a planner's words, and the day it concerns.
fn describe(
    scenario: &Scenario,
    ai: usize,
    days: &[Day],
    rule: SlackRule,
    used: f64,
) -> (String, Option<chrono::NaiveDate>) {
    let a = &scenario.agents[ai];
    let rules = scenario.rules_of(a);
    let r = &rules;
    let n = used.round().max(1.0) as u32;
    match rule {
        SlackRule::MinHours { week } => (
            format!("the weekly minimum hours{}", week_text(scenario, week)),
            None,
        ),
        SlackRule::WorkingDays { week } => {
            let most = scenario.weeks()[week].max_working_days(r) as u32;
            (
                format!(
                    "max_working_days {most} (working {} days){}",
                    most + n,
                    week_text(scenario, week)
                ),
                None,
            )
        }
        SlackRule::Rest { day } => (
            format!("min_rest_hours {} after the shift of", r.min_rest_hours),
            Some(days[day].date),
        ),
        SlackRule::Consecutive { day } => (
            format!(
                "max_consecutive_days {} in the run of days ending",
                r.max_consecutive_days.unwrap_or(0)
            ),
            Some(days[day].date),
        ),
        SlackRule::DaysOffBlock { week } => {
            let l = r.consecutive_days_off.unwrap_or(0);
            (
                format!(
                    "consecutive_days_off {l} (no block of {l} days off in a row){}",
                    week_text(scenario, week)
                ),
                None,
            )
        }
        SlackRule::Unavailable { day } => {
            let date = days[day].date;
            let rule = if a.days_off.contains(&date) {
                "the fixed day off on".to_string()
            } else if let Some(end) = a
                .previous
                .as_ref()
                .and_then(|p| p.last_shift_end)
                .filter(|e| e.date() + chrono::Duration::days(1) >= date)
            {
                format!(
                    "the {} h rest after last week's shift ending {}, with a shift on",
                    r.min_rest_hours,
                    end.format("%Y-%m-%d %H:%M")
                )
            } else if let Some((rot, pattern)) = scenario.rotation_on(a, date).filter(|(r, p)| {
                // A hard rotation, named unless the agent's availability may be
                // the cause instead (the week keeps the day off: surely it).
                r.weight.is_none()
                    && (a.available.is_none() || p.days_off.contains(&date.weekday()))
            }) {
                format!("the rotation {} ({pattern} that week) on", rot.id)
            } else if let Some(av) = &a.available {
                format!("the availability {}-{} on", av.from, av.to)
            } else {
                "a shift the agent may not work on".to_string()
            };
            (rule, Some(date))
        }
    }
}
