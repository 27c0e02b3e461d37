//! `forecast.csv`: forecast volume, its band and handle time per queue and interval.

use super::{interval_table, Exporter, PlanOutput};
use crate::error::Result;
use crate::forecast::Forecast;
use crate::horizon::Horizon;
use crate::scenario::Scenario;

/// Columns: `queue, interval_start, date, local_time, volume, aht_seconds,
/// volume_p10, volume_p90, method`.
pub struct ForecastCsv;

/// The bytes of `forecast.csv` (also written by `rota forecast --out`).
pub fn forecast_csv(scenario: &Scenario, horizon: &Horizon, f: &Forecast) -> Result<Vec<u8>> {
    let headers = [
        "volume",
        "aht_seconds",
        "volume_p10",
        "volume_p90",
        "method",
    ];
    interval_table(scenario, horizon, &headers, |q, t| {
        let qf = &f.queues[q];
        vec![
            format!("{:.2}", qf.volume[t]),
            format!("{:.1}", qf.aht_seconds[t]),
            format!("{:.2}", qf.volume_p10[t]),
            format!("{:.2}", qf.volume_p90[t]),
            qf.method.name().to_string(),
        ]
    })
}

impl Exporter for ForecastCsv {
    fn file_name(&self) -> &'static str {
        "forecast.csv"
    }

    fn render(&self, p: &PlanOutput) -> Result<Vec<u8>> {
        forecast_csv(p.scenario, p.horizon, p.forecast)
    }
}
