//! `requirements.csv`: required agents per queue and interval.

use super::{interval_table, Exporter, PlanOutput};
use crate::error::Result;

/// Columns: `queue, interval_start, date, local_time, volume, aht_seconds,
/// load_erlangs, agents` (Erlang requirement before shrinkage),
/// `scheduled_agents` (after shrinkage), and the `service_level`,
/// `asa_seconds` and `occupancy` that `agents` would deliver.
pub struct RequirementsCsv;

impl Exporter for RequirementsCsv {
    fn file_name(&self) -> &'static str {
        "requirements.csv"
    }

    fn render(&self, p: &PlanOutput) -> Result<Vec<u8>> {
        let headers = [
            "volume",
            "aht_seconds",
            "load_erlangs",
            "agents",
            "scheduled_agents",
            "service_level",
            "asa_seconds",
            "occupancy",
        ];
        interval_table(p.scenario, p.horizon, &headers, |q, t| {
            let r = &p.requirements[q].intervals[t];
            vec![
                format!("{:.2}", r.volume),
                format!("{:.1}", r.aht_seconds),
                format!("{:.3}", r.load),
                r.agents.to_string(),
                r.scheduled.to_string(),
                format!("{:.4}", r.service_level),
                format!("{:.1}", r.asa_seconds),
                format!("{:.4}", r.occupancy),
            ]
        })
    }
}
