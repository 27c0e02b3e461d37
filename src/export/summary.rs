//! `summary.json`: the plan's status and KPIs, for machines and for the CLI.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Exporter, PlanOutput};
use crate::error::{Error, Result};
use crate::report::QueueKpi;
use crate::solve::SolveInfo;

/// The summary document. Field meanings are documented in `docs/outputs.md`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub site: String,
    pub timezone: String,
    pub week_start: String,
    pub days: u32,
    pub interval_minutes: u32,
    /// How the solve went (status, objective, bound, gap, times, model size).
    #[serde(flatten)]
    pub solve: SolveInfo,
    pub agents: usize,
    pub agents_rostered: usize,
    pub shifts: usize,
    pub scheduled_hours: f64,
    /// Paid hours times `hourly_cost` times `weights.paid_hour`.
    pub paid_cost: f64,
    /// `requirements` or `service_level` (`objective.mode`).
    pub objective_mode: crate::scenario::ObjectiveMode,
    pub required_agent_hours: f64,
    pub understaffed_agent_hours: f64,
    pub overstaffed_agent_hours: f64,
    pub rule_violations: usize,
    /// Queues that miss their goal ([`QueueKpi::unmet`]): the target over
    /// the week (or worst day), an interval below the minimum, or a
    /// `min_staff` floor. `rota plan`, `compare` and `sweep` exit 1 when
    /// any is listed.
    pub targets_missed: Vec<String>,
    pub queues: Vec<QueueKpi>,
    /// Preferences honoured and fair shares, evaluated from the roster
    /// (absent when the scenario has no preference and no fairness rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft: Option<crate::roster::soft::SoftFindings>,
    /// Each site's part of the plan, when the scenario lists `sites`
    /// (`docs/sites.md`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<crate::report::sites::SiteKpi>,
}

impl Summary {
    /// Builds the summary of a plan.
    pub fn new(p: &PlanOutput) -> Summary {
        let s = p.solve;
        let agents: BTreeSet<&str> = p
            .roster
            .shifts
            .iter()
            .map(|s| s.agent_id.as_str())
            .collect();
        Summary {
            scenario: p.scenario.name.clone(),
            site: p.scenario.site.name.clone(),
            timezone: p.scenario.site.timezone.name().to_string(),
            week_start: p.scenario.planning.week_start.to_string(),
            days: p.scenario.planning.days,
            interval_minutes: p.scenario.planning.interval_minutes,
            solve: SolveInfo {
                objective: round(s.objective, 4),
                best_bound: round(s.best_bound, 4),
                mip_gap: round(s.mip_gap, 6),
                solve_seconds: round(s.solve_seconds, 3),
                ..s.clone()
            },
            agents: p.scenario.agents.len(),
            agents_rostered: agents.len(),
            shifts: p.roster.shifts.len(),
            scheduled_hours: round(p.evaluation.scheduled_hours, 2),
            paid_cost: round(p.evaluation.paid_cost, 2),
            objective_mode: p.scenario.objective.mode,
            required_agent_hours: round(
                p.evaluation
                    .queues
                    .iter()
                    .map(|q| q.required_agent_hours)
                    .sum(),
                2,
            ),
            understaffed_agent_hours: round(p.evaluation.understaffed_agent_hours, 2),
            overstaffed_agent_hours: round(p.evaluation.overstaffed_agent_hours, 2),
            rule_violations: p.violations.len(),
            targets_missed: p
                .evaluation
                .queues
                .iter()
                .filter(|q| q.unmet())
                .map(|q| q.queue.clone())
                .collect(),
            queues: p
                .evaluation
                .queues
                .iter()
                .map(|q| QueueKpi {
                    forecast_volume: round(q.forecast_volume, 1),
                    service_level: round(q.service_level, 4),
                    worst_interval_service_level: round(q.worst_interval_service_level, 4),
                    worst_day_service_level: round(q.worst_day_service_level, 4),
                    abandonment: q.abandonment.map(|a| round(a, 4)),
                    asa_seconds: round(q.asa_seconds, 1),
                    occupancy: round(q.occupancy, 4),
                    required_agent_hours: round(q.required_agent_hours, 2),
                    staffed_agent_hours: round(q.staffed_agent_hours, 2),
                    understaffed_agent_hours: round(q.understaffed_agent_hours, 2),
                    overstaffed_agent_hours: round(q.overstaffed_agent_hours, 2),
                    ..q.clone()
                })
                .collect(),
            soft: crate::roster::soft::evaluate(p.scenario, p.roster).map(|mut f| {
                f.preference_penalty = round(f.preference_penalty, 4);
                f.rotation_penalty = f.rotation_penalty.map(|p| round(p, 4));
                f
            }),
            sites: if p.scenario.multi_site {
                crate::report::sites::by_site(
                    p.scenario,
                    p.horizon,
                    p.requirements,
                    p.roster,
                    p.evaluation,
                )
                .into_iter()
                .map(|mut k| {
                    k.paid_hours = round(k.paid_hours, 2);
                    k.paid_cost = round(k.paid_cost, 2);
                    k.share_of_work = round(k.share_of_work, 4);
                    for q in &mut k.queues {
                        q.staffed_agent_hours = round(q.staffed_agent_hours, 2);
                        q.share = round(q.share, 4);
                        q.service_level_while_staffed =
                            q.service_level_while_staffed.map(|v| round(v, 4));
                    }
                    k
                })
                .collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// Rounds for stable, readable JSON (non-finite values pass through).
fn round(v: f64, digits: i32) -> f64 {
    if !v.is_finite() {
        return v;
    }
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// The summary as JSON.
pub struct SummaryJson;

impl Exporter for SummaryJson {
    fn file_name(&self) -> &'static str {
        "summary.json"
    }

    fn render(&self, p: &PlanOutput) -> Result<Vec<u8>> {
        let mut v = serde_json::to_vec_pretty(&Summary::new(p))
            .map_err(|e| Error::Solver(format!("json: {e}")))?;
        v.push(b'\n');
        Ok(v)
    }
}
