//! Accuracy measures of a forecast against held-out actuals.

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
