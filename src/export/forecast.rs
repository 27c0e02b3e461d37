//! `forecast.csv`: forecast volume and handle time per queue and interval.

use super::{interval_table, Exporter, PlanOutput};
use crate::error::Result;

/// Columns: `queue, interval_start, date, local_time, volume, aht_seconds`.
pub struct ForecastCsv;

impl Exporter for ForecastCsv {
    fn file_name(&self) -> &'static str {
        "forecast.csv"
    }

    fn render(&self, p: &PlanOutput) -> Result<Vec<u8>> {
        interval_table(p, &["volume", "aht_seconds"], |q, t| {
            let f = &p.forecast.queues[q];
            vec![
                format!("{:.2}", f.volume[t]),
                format!("{:.1}", f.aht_seconds[t]),
            ]
        })
    }
}
