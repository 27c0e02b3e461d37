//! Explaining a scenario that has no valid roster.

use super::candidates::Day;
use super::highs_run::run;
use super::model::build;
use super::value;
use crate::horizon::Horizon;
use crate::scenario::{Scenario, SolverConfig};
use crate::staffing::QueueRequirements;

/// Reasons an agent's contract cannot be met whatever the roster, in a planner's words.
pub fn precheck(scenario: &Scenario) -> Vec<String> {
    let r = &scenario.rules;
    let paid: Vec<f64> = r
        .all_lengths_hours()
        .into_iter()
        .map(|l| scenario.paid_hours(l))
        .collect();
    let max_paid = paid.iter().cloned().fold(0.0, f64::max);
    let min_paid = paid.iter().cloned().fold(f64::MAX, f64::min);
    let days = scenario.planning.days.min(r.max_working_days) as f64;
    let mut out = Vec::new();
    for a in &scenario.agents {
        if a.min_hours > days * max_paid + 1e-9 {
            out.push(format!(
                "agent {} ({}) must work at least {} h, but at most {} days × {} paid hours = {} h fit the rules (max_working_days {}, {} planned days, shift lengths {:?} h)",
                a.id, a.name, a.min_hours, days, max_paid, days * max_paid, r.max_working_days, scenario.planning.days, r.shift_lengths_hours
            ));
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

/// Explains an infeasible scenario by solving it again with the weekly
/// minimum hours relaxed and naming the agents whose minimum cannot be met.
pub(super) fn diagnose(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
) -> String {
    let built = build(scenario, horizon, reqs, days, true);
    let pos = built.model.positions();
    let slack = built.hours_slack.clone();
    let Ok(raw) = run(built.model, cfg, None) else {
        return "the rules conflict, and the solver could not say which".into();
    };
    if raw.values.is_empty() {
        return format!(
            "the shift rules leave no valid roster at all (shift start window {}-{}, lengths {:?} h, meal break window {} h to {} h, {} h rest)",
            scenario.rules.shift_start.earliest,
            scenario.rules.shift_start.latest,
            scenario.rules.shift_lengths_hours,
            scenario.rules.meal_break.earliest_start_hours,
            scenario.rules.meal_break.latest_end_hours,
            scenario.rules.min_rest_hours
        );
    }
    let mut lines = Vec::new();
    for (a, s) in scenario.agents.iter().zip(&slack) {
        if let Some(s) = s {
            let missing = value(&raw.values, s, &pos);
            if missing > 1e-6 {
                let r = &scenario.rules;
                let mut limits = vec![
                    format!("max_working_days {}", r.max_working_days),
                    format!("shift lengths {:?} h", r.shift_lengths_hours),
                    format!("{} h rest between shifts", r.min_rest_hours),
                ];
                if let Some(k) = r.max_consecutive_days {
                    limits.push(format!("at most {k} days in a row"));
                }
                if let Some(l) = r.consecutive_days_off {
                    limits.push(format!("{l} days off in a row"));
                }
                if !a.days_off.is_empty() {
                    limits.push(format!("{} fixed days off", a.days_off.len()));
                }
                if let Some(av) = &a.available {
                    limits.push(format!("available {}-{}", av.from, av.to));
                }
                if a.previous.is_some() {
                    limits.push("last week's shifts".to_string());
                }
                lines.push(format!(
                    "agent {} ({}) must work at least {} h but the rules allow only {:.1} h ({})",
                    a.id,
                    a.name,
                    a.min_hours,
                    a.min_hours - missing,
                    limits.join(", ")
                ));
            }
        }
    }
    if lines.is_empty() {
        "the rules conflict, but every agent's weekly minimum can be met on its own".into()
    } else {
        lines.join("\n")
    }
}
