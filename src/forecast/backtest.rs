//! Accuracy measures of a forecast against held-out actuals, and the files
//! a backtest at several origins writes for other forecasters to be scored
//! on the same cells (`scripts/forecast_peers.py`).

/// Accuracy of one method on held-out weeks.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Accuracy {
    /// Σ|forecast − actual| / Σ actual.
    pub wape: f64,
    /// Σ|forecast − actual| / Σ|seasonal naive − actual| on the same cells:
    /// below 1 beats seasonal naive.
    pub mase: f64,
    /// Σ(forecast − actual) / Σ actual: positive over-forecasts.
    pub bias: f64,
    /// Cells (queue open, actual known) scored.
    pub cells: usize,
    /// Σ actual over those cells.
    pub actual_total: f64,
}

/// Scores `(forecast, seasonal naive, actual)` triples.
pub fn score(cells: &[(f64, f64, f64)]) -> Accuracy {
    let (mut abs, mut naive_abs, mut err, mut act) = (0.0, 0.0, 0.0, 0.0);
    for &(f, n, y) in cells {
        abs += (f - y).abs();
        naive_abs += (n - y).abs();
        err += f - y;
        act += y;
    }
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    Accuracy {
        wape: ratio(abs, act),
        mase: ratio(abs, naive_abs),
        bias: ratio(err, act),
        cells: cells.len(),
        actual_total: act,
    }
}

fn hhmm(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn to_bytes(w: csv::Writer<Vec<u8>>) -> Vec<u8> {
    w.into_inner().expect("writing to memory cannot fail")
}

/// `backtest_cells.csv`: one row per scored cell and origin, with the
/// actual and each method's forecast (then `auto`'s and the method it chose).
pub fn cells_csv(b: &super::OriginBacktest) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "queue".to_string(),
        "origin".into(),
        "date".into(),
        "local_time".into(),
        "lead_week".into(),
        "actual".into(),
    ];
    header.extend(b.methods.iter().map(|m| m.name().to_string()));
    header.extend(["auto".to_string(), "auto_method".into()]);
    w.write_record(&header).expect("in memory");
    for q in &b.queues {
        for c in &q.cells {
            let chosen = q
                .origins
                .iter()
                .find(|o| o.origin == c.origin)
                .map_or("", |o| o.auto_method.name());
            let mut row = vec![
                q.queue.clone(),
                c.origin.to_string(),
                c.date.to_string(),
                hhmm(c.minute),
                c.lead_week.to_string(),
                c.actual.to_string(),
            ];
            row.extend(c.forecasts.iter().map(|f| format!("{f:.4}")));
            row.push(chosen.to_string());
            w.write_record(&row).expect("in memory");
        }
    }
    to_bytes(w)
}

/// `backtest_history.csv`: the history on the plan's grid as rota reads it
/// (finer intervals summed, partly covered intervals scaled up, nothing
/// cleaned): every open interval of every weekday the queue opens, the
/// actual empty when unknown (a missing day or interval).
pub fn history_csv(b: &super::OriginBacktest) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["queue", "date", "local_time", "actual"])
        .expect("in memory");
    for q in &b.queues {
        for (date, minute, actual) in &q.history {
            w.write_record([
                q.queue.clone(),
                date.to_string(),
                hhmm(*minute),
                actual.map_or(String::new(), |a| a.to_string()),
            ])
            .expect("in memory");
        }
    }
    to_bytes(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_computed_by_hand() {
        // actual 10, 20, 30, 40; forecast 12, 18, 33, 40; naive 8, 25, 30, 50.
        // |e| = 2 + 2 + 3 + 0 = 7; Σ actual = 100; Σ e = 2 − 2 + 3 + 0 = 3;
        // naive |e| = 2 + 5 + 0 + 10 = 17.
        let a = score(&[
            (12.0, 8.0, 10.0),
            (18.0, 25.0, 20.0),
            (33.0, 30.0, 30.0),
            (40.0, 50.0, 40.0),
        ]);
        assert!((a.wape - 0.07).abs() < 1e-12);
        assert!((a.mase - 7.0 / 17.0).abs() < 1e-12);
        assert!((a.bias - 0.03).abs() < 1e-12);
        assert_eq!(a.cells, 4);
    }
}
