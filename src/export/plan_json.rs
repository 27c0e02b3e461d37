//! `plan.json`: the whole plan for machines — summary, forecast,
//! requirements, coverage and roster — in one document whose schema is
//! documented in `docs/plan-json.md`.

use serde::Serialize;

use super::summary::Summary;
use super::{Exporter, PlanOutput};
use crate::error::{Error, Result};
use crate::roster::model::Roster;

/// Version tag of the document's schema.
pub const SCHEMA: &str = "rota.plan/1";

#[derive(Serialize)]
struct PlanDoc<'a> {
    schema: &'static str,
    summary: Summary,
    queues: Vec<QueueDoc>,
    roster: Vec<ShiftDoc<'a>>,
}

#[derive(Serialize)]
struct QueueDoc {
    queue: String,
    intervals: Vec<IntervalDoc>,
}

#[derive(Serialize)]
struct IntervalDoc {
    start: String,
    volume: f64,
    aht_seconds: f64,
    load_erlangs: f64,
    required_agents: u32,
    scheduled_agents: u32,
    staffed_agents: f64,
    predicted_service_level: f64,
    asa_seconds: Option<f64>,
    occupancy: f64,
}

/// A shift in JSON form (also used by `rota export --format json`).
#[derive(Serialize)]
pub struct ShiftDoc<'a> {
    pub agent_id: &'a str,
    pub agent_name: &'a str,
    pub date: String,
    pub start: String,
    pub end: String,
    pub paid_hours: f64,
    pub breaks: Vec<BreakDoc<'a>>,
    pub skills: &'a [String],
}

/// A break in JSON form.
#[derive(Serialize)]
pub struct BreakDoc<'a> {
    pub kind: &'a str,
    pub start: String,
    pub end: String,
}

fn r(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// The roster's shifts in JSON form, times RFC 3339 with the site's offset.
pub fn roster_doc(roster: &Roster) -> Vec<ShiftDoc<'_>> {
    roster
        .shifts
        .iter()
        .map(|s| ShiftDoc {
            agent_id: &s.agent_id,
            agent_name: &s.agent_name,
            date: s.date.to_string(),
            start: s.start.to_rfc3339(),
            end: s.end.to_rfc3339(),
            paid_hours: r(s.paid_hours, 2),
            breaks: s
                .breaks
                .iter()
                .map(|b| BreakDoc {
                    kind: &b.kind,
                    start: b.start.to_rfc3339(),
                    end: b.end.to_rfc3339(),
                })
                .collect(),
            skills: &s.skills,
        })
        .collect()
}

/// The plan document.
pub struct PlanJson;

impl Exporter for PlanJson {
    fn file_name(&self) -> &'static str {
        "plan.json"
    }

    fn render(&self, p: &PlanOutput) -> Result<Vec<u8>> {
        let queues = p
            .scenario
            .queues
            .iter()
            .enumerate()
            .map(|(qi, q)| QueueDoc {
                queue: q.id.clone(),
                intervals: p
                    .horizon
                    .intervals
                    .iter()
                    .enumerate()
                    .map(|(t, iv)| {
                        let f = &p.forecast.queues[qi];
                        let req = &p.requirements[qi].intervals[t];
                        let k = &p.evaluation.intervals[qi][t];
                        IntervalDoc {
                            start: iv.start.to_rfc3339(),
                            volume: r(f.volume[t], 2),
                            aht_seconds: r(f.aht_seconds[t], 1),
                            load_erlangs: r(req.load, 3),
                            required_agents: req.agents,
                            scheduled_agents: req.scheduled,
                            staffed_agents: r(k.staffed, 3),
                            predicted_service_level: r(k.service_level, 4),
                            asa_seconds: k.asa_seconds.map(|a| r(a, 1)),
                            occupancy: r(k.occupancy, 4),
                        }
                    })
                    .collect(),
            })
            .collect();
        let doc = PlanDoc {
            schema: SCHEMA,
            summary: Summary::new(p),
            queues,
            roster: roster_doc(p.roster),
        };
        let mut v =
            serde_json::to_vec_pretty(&doc).map_err(|e| Error::Solver(format!("json: {e}")))?;
        v.push(b'\n');
        Ok(v)
    }
}
