//! `coverage.csv`: staff the roster puts on each queue in each interval
//! against the requirement, and the service level Erlang C predicts.

use super::{interval_table, Exporter, PlanOutput};
use crate::error::Result;

/// Columns: `queue, interval_start, date, local_time, required_agents,
/// staffed_agents` (on the queue, net of breaks, before shrinkage),
/// `predicted_service_level`, `asa_seconds` (empty when the queue is
/// unstable), `occupancy`, `abandonment` (Erlang A queues; empty for
/// others), `min_staff` (the floor, 0 when none).
pub struct CoverageCsv;

impl Exporter for CoverageCsv {
    fn file_name(&self) -> &'static str {
        "coverage.csv"
    }

    fn render(&self, p: &PlanOutput) -> Result<Vec<u8>> {
        let headers = [
            "required_agents",
            "staffed_agents",
            "predicted_service_level",
            "asa_seconds",
            "occupancy",
            "abandonment",
            "min_staff",
        ];
        interval_table(p.scenario, p.horizon, &headers, |q, t| {
            let k = &p.evaluation.intervals[q][t];
            vec![
                k.required.to_string(),
                format!("{:.3}", k.staffed),
                format!("{:.4}", k.service_level),
                k.asa_seconds.map(|a| format!("{a:.1}")).unwrap_or_default(),
                format!("{:.4}", k.occupancy),
                k.abandonment.map(|a| format!("{a:.4}")).unwrap_or_default(),
                format!("{}", k.min_staff),
            ]
        })
    }
}
