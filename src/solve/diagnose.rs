//! Explaining a scenario that has no valid roster.

use chrono::Datelike;
use rayon::prelude::*;

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

/// A penalised slack variable of one agent's rule (the diagnosis builds a
/// model of each agent alone).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleSlack {
    pub(crate) rule: SlackRule,
    pub(crate) var: good_lp::Variable,
}

/// Explains an infeasible scenario in two solves per agent, without
/// coverage. First the weekly minimum hours are relaxed, which names the
/// agents whose minimum cannot be met and how many hours fit. Then, for
/// those agents, the minimum is kept and their other rules are relaxed
/// instead (days off and availability per day, working days, rest per pair
/// of days, days in a row per run, the days-off block), each slack at the
/// same penalty: the fewest relaxations that make the minimum fit name the
/// rules, and the days, in conflict.
///
/// Without coverage the agents are independent, so each is solved alone
/// (in parallel): a small model HiGHS proves at once. One model of every
/// agent could end on its time limit with an incumbent short of hours that
/// fit, and blame agents who are fine (a 500-agent month named 194 agents,
/// "only 0.0 h fit", in a 5-second run). An agent whose model is not
/// proven in time is left unnamed, and said to be.
pub(super) fn diagnose(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
) -> String {
    explain_agents(scenario, horizon, reqs, days, cfg).unwrap_or_else(|| {
        "the rules conflict, but every agent's weekly minimum can be met on its own".into()
    })
}

/// The agents whose weekly minimum cannot be met, each alone under every
/// rule of theirs and without coverage (in parallel), one line each, with
/// the rules that would have to give way: the explanation of
/// [`diagnose`]. `None` when every agent's minimum is proven to fit.
pub(super) fn explain_agents(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
) -> Option<String> {
    let one_thread = SolverConfig {
        threads: 1,
        ..cfg.clone()
    };
    // The scenario without its agents, cloned once: each agent's own is
    // that and the agent.
    let base = Scenario {
        agents: Vec::new(),
        ..scenario.clone()
    };
    let alone = |ai: usize| -> Scenario {
        let mut one = base.clone();
        one.agents = vec![scenario.agents[ai].clone()];
        one
    };
    let per_agent: Vec<Alone> = (0..scenario.agents.len())
        .into_par_iter()
        .map(|ai| {
            let one = alone(ai);
            let built = build(&one, horizon, reqs, days, true, None);
            let pos = built.model.positions();
            let slack = built.hours_slack.clone();
            let Ok(raw) = run(built.model, &one_thread, None) else {
                return Alone::Undecided;
            };
            if raw.status != highs::HighsModelStatus::Optimal {
                return if matches!(
                    raw.status,
                    highs::HighsModelStatus::Infeasible
                        | highs::HighsModelStatus::UnboundedOrInfeasible
                ) {
                    Alone::NoRoster
                } else {
                    Alone::Undecided
                };
            }
            let missing = slack
                .first()
                .map(|per_week| {
                    per_week
                        .iter()
                        .enumerate()
                        .filter_map(|(wi, s)| Some((wi, value(&raw.values, s.as_ref()?, &pos))))
                        .filter(|&(_, m)| m > 1e-6)
                        .collect()
                })
                .unwrap_or_default();
            Alone::Short(missing)
        })
        .collect();
    if per_agent.iter().any(|r| matches!(r, Alone::NoRoster)) {
        return Some(format!(
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
        ));
    }
    // Agents short of a week's minimum (proven), and the hours that fit
    // that week.
    let weeks = scenario.weeks();
    let short: Vec<(usize, usize, f64)> = per_agent
        .iter()
        .enumerate()
        .filter_map(|(ai, r)| match r {
            Alone::Short(missing) => Some((ai, missing)),
            _ => None,
        })
        .flat_map(|(ai, missing)| {
            let weeks = &weeks;
            missing
                .iter()
                .map(move |&(wi, m)| (ai, wi, weeks[wi].min_hours(&scenario.agents[ai]) - m))
        })
        .collect();
    let undecided = per_agent
        .iter()
        .filter(|r| matches!(r, Alone::Undecided))
        .count();
    let undecided_note = (undecided > 0).then(|| {
        format!(
            "{undecided} agents' rules could not be checked within the {} s time limit",
            cfg.time_limit_seconds
        )
    });
    if short.is_empty() {
        return undecided_note;
    }
    let mut agents: Vec<usize> = short.iter().map(|&(ai, _, _)| ai).collect();
    agents.dedup();
    let fixes: Vec<Option<Vec<String>>> = agents
        .par_iter()
        .map(|&ai| relax_rules(scenario, &alone(ai), ai, horizon, reqs, days, &one_thread))
        .collect();
    let fix_of = |ai: usize| -> Option<&Vec<String>> {
        agents
            .iter()
            .position(|&x| x == ai)
            .and_then(|i| fixes[i].as_ref())
    };
    let mut lines: Vec<String> = short
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
            match fix_of(ai) {
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
        .collect();
    lines.extend(undecided_note);
    Some(lines.join("\n"))
}

/// One agent's rules without coverage, their weekly minimum relaxed.
enum Alone {
    /// No roster of the agent at all: the shift rules leave none.
    NoRoster,
    /// Not proven within the time limit.
    Undecided,
    /// Proven: the hours short of the minimum, per week (`(week, hours)`,
    /// only the weeks short).
    Short(Vec<(usize, f64)>),
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

/// The relaxations that let agent `ai` of `scenario` (`one`: the scenario
/// with that agent alone) meet their minimum hours; `None` when even that
/// fails, or is not proven in time.
fn relax_rules(
    scenario: &Scenario,
    one: &Scenario,
    ai: usize,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
) -> Option<Vec<String>> {
    let built = build_relaxed(one, horizon, reqs, days, Relax::Rules, None);
    let pos = built.model.positions();
    let slacks = built.slacks.clone();
    let raw = run(built.model, cfg, None).ok()?;
    if raw.values.is_empty() || raw.status != highs::HighsModelStatus::Optimal {
        return None;
    }
    // Each rule once, with the days it gives way on.
    let mut used: Vec<(String, Vec<String>)> = Vec::new();
    for s in slacks {
        let amount = value(&raw.values, &s.var, &pos);
        if amount > 1e-6 {
            let (rule, date) = describe(scenario, ai, days, s.rule, amount);
            match used.iter_mut().find(|(r, _)| *r == rule) {
                Some((_, ds)) => ds.extend(date.map(|d| d.to_string())),
                None => used.push((rule, date.map(|d| d.to_string()).into_iter().collect())),
            }
        }
    }
    Some(
        used.into_iter()
            .map(|(rule, ds)| {
                if ds.is_empty() {
                    rule
                } else {
                    format!("{rule} {}", and_list(&ds))
                }
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
