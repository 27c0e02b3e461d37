//! Each site's part of a pooled plan (`sites`, `docs/sites.md`): its
//! agents, shifts and paid hours, and its share of each queue's staffed
//! agent-hours and the service level of the intervals it staffs.
//!
//! The evaluation routes staff per queue, not per site. A site's part of a
//! queue's staff in an interval is the queue's staff there times the site's
//! share of the on-duty agents who serve the queue in that shift (presence
//! net of breaks, at their proficiency): exact when every agent serves one
//! queue, a proportional split of the pooled multi-skilled agents otherwise.

use serde::Serialize;

use super::Evaluation;
use crate::horizon::Horizon;
use crate::roster::model::Roster;
use crate::scenario::Scenario;
use crate::staffing::QueueRequirements;

/// One site's part of one queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteQueueKpi {
    pub queue: String,
    /// Agent-hours on the queue attributed to the site (net of breaks).
    pub staffed_agent_hours: f64,
    /// The site's share of the queue's staffed agent-hours.
    pub share: f64,
    /// Contact-weighted service level of the queue over the intervals the
    /// site has staff on it (`None` when it has none, or they have no contacts).
    pub service_level_while_staffed: Option<f64>,
}

/// One site of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteKpi {
    pub site: String,
    pub timezone: String,
    pub agents: usize,
    pub agents_rostered: usize,
    pub shifts: usize,
    pub paid_hours: f64,
    /// Paid hours × `hourly_cost` (with the site's `cost_factor`) × `weights.paid_hour`.
    pub paid_cost: f64,
    /// The site's share of all staffed agent-hours (every queue).
    pub share_of_work: f64,
    pub queues: Vec<SiteQueueKpi>,
}

/// Each site's part of `roster`, in the order of `scenario.sites`.
pub fn by_site(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    roster: &Roster,
    evaluation: &Evaluation,
) -> Vec<SiteKpi> {
    let ns = scenario.sites.len();
    let nq = scenario.queues.len();
    let nt = horizon.intervals.len();
    let dh = horizon.interval_hours();
    // able[site][queue][t]: on-duty agents of the site serving the queue.
    let mut able = vec![vec![vec![0.0; nt]; nq]; ns];
    let agent = |id: &str| scenario.agents.iter().find(|a| a.id == id);
    for s in &roster.shifts {
        let Some(a) = agent(&s.agent_id) else {
            continue;
        };
        let si = scenario.site_index(a);
        let queues: Vec<&String> = if s.skills.is_empty() {
            a.skills.iter().collect()
        } else {
            s.skills.iter().collect()
        };
        for (t, f) in s.presence(horizon) {
            for q in &queues {
                if let Some(qi) = scenario.queues.iter().position(|x| &&x.id == q) {
                    able[si][qi][t] += f * a.proficiency(q);
                }
            }
        }
    }
    let mut staffed = vec![vec![0.0; nq]; ns];
    let mut sl = vec![vec![(0.0, 0.0); nq]; ns];
    for qi in 0..nq {
        for (t, kpi) in evaluation.intervals[qi].iter().enumerate() {
            let all: f64 = (0..ns).map(|si| able[si][qi][t]).sum();
            if all <= 0.0 {
                continue;
            }
            for si in 0..ns {
                let part = able[si][qi][t] / all;
                staffed[si][qi] += kpi.staffed * part * dh;
                let volume = reqs[qi].intervals[t].volume;
                if part > 0.0 && volume > 0.0 {
                    sl[si][qi].0 += kpi.service_level * volume;
                    sl[si][qi].1 += volume;
                }
            }
        }
    }
    let total: f64 = staffed.iter().flatten().sum();
    scenario
        .sites
        .iter()
        .enumerate()
        .map(|(si, site)| {
            let mine = |id: &str| agent(id).is_some_and(|a| scenario.site_index(a) == si);
            let shifts: Vec<_> = roster.shifts.iter().filter(|s| mine(&s.agent_id)).collect();
            let mut rostered: Vec<&str> = shifts.iter().map(|s| s.agent_id.as_str()).collect();
            rostered.sort();
            rostered.dedup();
            let paid_hours: f64 = shifts.iter().map(|s| s.paid_hours).sum();
            let paid_cost: f64 = shifts
                .iter()
                .map(|s| {
                    s.paid_hours
                        * agent(&s.agent_id).map_or(1.0, |a| a.hourly_cost)
                        * scenario.weights.paid_hour
                })
                .sum();
            let queues = scenario
                .queues
                .iter()
                .enumerate()
                .map(|(qi, q)| {
                    let of_queue: f64 = (0..ns).map(|s| staffed[s][qi]).sum();
                    SiteQueueKpi {
                        queue: q.id.clone(),
                        staffed_agent_hours: staffed[si][qi],
                        share: if of_queue > 0.0 {
                            staffed[si][qi] / of_queue
                        } else {
                            0.0
                        },
                        service_level_while_staffed: (sl[si][qi].1 > 0.0)
                            .then(|| sl[si][qi].0 / sl[si][qi].1),
                    }
                })
                .collect();
            SiteKpi {
                site: site.name.clone(),
                timezone: site.timezone.name().to_string(),
                agents: scenario
                    .agents
                    .iter()
                    .filter(|a| scenario.site_index(a) == si)
                    .count(),
                agents_rostered: rostered.len(),
                shifts: shifts.len(),
                paid_hours,
                paid_cost,
                share_of_work: if total > 0.0 {
                    staffed[si].iter().sum::<f64>() / total
                } else {
                    0.0
                },
                queues,
            }
        })
        .collect()
}
