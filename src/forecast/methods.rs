//! The forecast methods, on a queue's cleaned daily grid.
//!
//! Every method sees `days[..origin]` (one row of slot values per local date,
//! `None` for a missing day) and predicts the `horizon` days from `origin` on.
//! Weekdays are indexed Monday = 0 from `first_weekday`, the weekday of
//! `days[0]`.

/// A queue's history on the plan's grid, cleaned for learning.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Weekday (Monday = 0) of `days[0]`.
    pub first_weekday: usize,
    /// Slot values per local date; `None` when the day is missing or set aside.
    pub days: Vec<Option<Vec<f64>>>,
    /// Slots per day.
    pub slots: usize,
}

impl Grid {
    fn weekday(&self, d: usize) -> usize {
        (self.first_weekday + d) % 7
    }
}

fn total(v: &[f64]) -> f64 {
    v.iter().sum()
}

/// Same weekday and slot of the latest week before `origin` with data.
pub fn seasonal_naive(g: &Grid, origin: usize, horizon: usize) -> Vec<Vec<f64>> {
    (0..horizon)
        .map(|k| {
            let t = origin + k;
            let mut j = t as isize - 7 * (k / 7 + 1) as isize;
            while j >= 0 {
                if let Some(v) = &g.days[j as usize] {
                    return v.clone();
                }
                j -= 7;
            }
            vec![0.0; g.slots]
        })
        .collect()
}

/// Per weekday: mean daily total and intraday shares over `days[from..origin]`.
/// A weekday with no day in the window falls back to all days before `origin`.
fn weekday_shapes(g: &Grid, from: usize, origin: usize) -> ([f64; 7], Vec<Vec<f64>>) {
    let mut mean = [0.0; 7];
    let mut shares = vec![vec![0.0; g.slots]; 7];
    for (w, share) in shares.iter_mut().enumerate() {
        let pick = |lo: usize| -> Vec<&Vec<f64>> {
            (lo..origin)
                .filter(|&d| g.weekday(d) == w)
                .filter_map(|d| g.days[d].as_ref())
                .collect()
        };
        let mut rows = pick(from);
        if rows.is_empty() {
            rows = pick(0);
        }
        if rows.is_empty() {
            continue;
        }
        let sum: f64 = rows.iter().map(|r| total(r)).sum();
        mean[w] = sum / rows.len() as f64;
        if sum > 0.0 {
            for r in &rows {
                for (s, v) in r.iter().enumerate() {
                    share[s] += v / sum;
                }
            }
        }
    }
    (mean, shares)
}

/// Least-squares slope and intercept of `(x, y)` points.
pub fn linear_fit(pts: &[(f64, f64)]) -> (f64, f64) {
    let n = pts.len() as f64;
    if pts.is_empty() {
        return (0.0, 0.0);
    }
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (x, y) in pts {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (slope, my - slope * mx)
}

/// Multiplicative decomposition over the last `weeks` weeks: weekday mean
/// total × intraday share per weekday × a linear level trend fitted on the
/// days' ratios to their weekday mean, bounded to ±25 %.
pub fn decomposition(g: &Grid, origin: usize, horizon: usize, weeks: usize) -> Vec<Vec<f64>> {
    let from = origin.saturating_sub(7 * weeks);
    let (mean, shares) = weekday_shapes(g, from, origin);
    let pts: Vec<(f64, f64)> = (from..origin)
        .filter_map(|d| {
            let w = g.weekday(d);
            let row = g.days[d].as_ref()?;
            (mean[w] > 0.0).then(|| (d as f64, total(row) / mean[w]))
        })
        .collect();
    let (slope, intercept) = if pts.len() >= 14 {
        linear_fit(&pts)
    } else {
        (0.0, 1.0)
    };
    (0..horizon)
        .map(|k| {
            let t = origin + k;
            let w = g.weekday(t);
            let level = (intercept + slope * t as f64).clamp(0.75, 1.25);
            shares[w].iter().map(|s| mean[w] * level * s).collect()
        })
        .collect()
}

/// Smoothing parameters of Holt-Winters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HwParams {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub phi: f64,
}

struct HwState {
    level: f64,
    trend: f64,
    season: [f64; 7],
}

/// Runs Holt-Winters (multiplicative weekly seasonality, damped additive
/// trend) over daily totals; returns the state after each day, and the
/// state before day 0 (index 0 of the result is after day 0).
fn hw_run(totals: &[Option<f64>], first_weekday: usize, p: HwParams) -> Option<Vec<HwState>> {
    // Initialise on the first two weeks (or what there is).
    let init = totals.len().min(14);
    let mut sum = [0.0; 7];
    let mut n = [0usize; 7];
    for (d, t) in totals[..init].iter().enumerate() {
        if let Some(t) = t {
            let w = (first_weekday + d) % 7;
            sum[w] += t;
            n[w] += 1;
        }
    }
    let means: Vec<f64> = (0..7)
        .filter(|&w| n[w] > 0 && sum[w] > 0.0)
        .map(|w| sum[w] / n[w] as f64)
        .collect();
    if means.is_empty() {
        return None;
    }
    let level0 = means.iter().sum::<f64>() / means.len() as f64;
    let mut season = [0.0; 7];
    for w in 0..7 {
        season[w] = if n[w] > 0 {
            sum[w] / n[w] as f64 / level0
        } else {
            1.0
        };
    }
    let (mut l, mut b) = (level0, 0.0);
    let mut out = Vec::with_capacity(totals.len());
    for (d, t) in totals.iter().enumerate() {
        let w = (first_weekday + d) % 7;
        let prev = l + p.phi * b;
        match t {
            Some(y) if season[w] > 0.0 => {
                let nl = (p.alpha * y / season[w] + (1.0 - p.alpha) * prev).max(1e-9);
                b = p.beta * (nl - l) + (1.0 - p.beta) * p.phi * b;
                season[w] = p.gamma * y / nl + (1.0 - p.gamma) * season[w];
                l = nl;
            }
            Some(y) if *y > 0.0 => {
                season[w] = p.gamma * y / prev.max(1e-9);
                l = prev;
                b *= p.phi;
            }
            _ => {
                l = prev;
                b *= p.phi;
            }
        }
        out.push(HwState {
            level: l,
            trend: b,
            season,
        });
    }
    Some(out)
}

fn hw_predict(s: &HwState, h: usize, w: usize, phi: f64) -> f64 {
    let damp: f64 = (1..=h).map(|i| phi.powi(i as i32)).sum();
    ((s.level + damp * s.trend) * s.season[w]).max(0.0)
}

/// The grid of smoothing parameters searched.
pub fn hw_grid() -> Vec<HwParams> {
    let mut v = Vec::new();
    for alpha in [0.05, 0.1, 0.2, 0.3, 0.5] {
        for beta in [0.0, 0.02, 0.1] {
            for gamma in [0.02, 0.05, 0.1, 0.2, 0.3] {
                for phi in [0.8, 0.95] {
                    v.push(HwParams {
                        alpha,
                        beta,
                        gamma,
                        phi,
                    });
                }
            }
        }
    }
    v
}

/// Chooses Holt-Winters parameters by the smallest squared error of the
/// forecasts 1 to 7 days ahead over the days after the first two weeks.
pub fn hw_fit(totals: &[Option<f64>], first_weekday: usize) -> Option<HwParams> {
    let mut best: Option<(f64, HwParams)> = None;
    for p in hw_grid() {
        let states = hw_run(totals, first_weekday, p)?;
        let mut sse = 0.0;
        for (origin, s) in states.iter().enumerate().skip(13) {
            for h in 1..=7 {
                let t = origin + h;
                if let Some(Some(y)) = totals.get(t) {
                    let e = hw_predict(s, h, (first_weekday + t) % 7, p.phi) - y;
                    sse += e * e;
                }
            }
        }
        if best.as_ref().is_none_or(|(b, _)| sse < *b) {
            best = Some((sse, p));
        }
    }
    best.map(|(_, p)| p)
}

/// Holt-Winters on daily totals (weekly multiplicative seasonality, damped
/// trend, parameters by grid search on 1-7-day-ahead error over all history
/// before `origin`), spread over the day by the weekday's intraday shares of
/// the last `weeks` weeks.
pub fn holt_winters(g: &Grid, origin: usize, horizon: usize, weeks: usize) -> Vec<Vec<f64>> {
    let totals: Vec<Option<f64>> = g.days[..origin]
        .iter()
        .map(|d| d.as_ref().map(|r| total(r)))
        .collect();
    let (_, shares) = weekday_shapes(g, origin.saturating_sub(7 * weeks), origin);
    let fitted = hw_fit(&totals, g.first_weekday).and_then(|p| {
        let states = hw_run(&totals, g.first_weekday, p)?;
        Some((p, states))
    });
    let Some((p, states)) = fitted else {
        return decomposition(g, origin, horizon, weeks);
    };
    let last = states.last().expect("non-empty");
    (0..horizon)
        .map(|k| {
            let w = g.weekday(origin + k);
            let day = hw_predict(last, k + 1, w, p.phi);
            shares[w].iter().map(|s| day * s).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(days: Vec<Option<Vec<f64>>>) -> Grid {
        Grid {
            first_weekday: 0,
            slots: days.iter().flatten().next().map_or(1, |d| d.len()),
            days,
        }
    }

    #[test]
    fn linear_fit_recovers_a_line() {
        let (s, i) = linear_fit(&[(0.0, 3.0), (1.0, 5.0), (2.0, 7.0), (3.0, 9.0)]);
        assert!((s - 2.0).abs() < 1e-12 && (i - 3.0).abs() < 1e-12);
    }

    #[test]
    fn methods_repeat_a_pure_weekly_pattern() {
        // Four weeks of a weekly pattern, Sunday closed.
        let week = |d: usize| -> Option<Vec<f64>> {
            let w = d % 7;
            Some(if w == 6 {
                vec![0.0, 0.0]
            } else {
                vec![10.0 + w as f64, 20.0 + 2.0 * w as f64]
            })
        };
        let mut days: Vec<_> = (0..28).map(week).collect();
        days[15] = None; // a missing Tuesday
        let g = grid(days);
        let truth: Vec<Vec<f64>> = (28..35).map(|d| week(d).unwrap()).collect();
        for f in [
            seasonal_naive(&g, 28, 7),
            decomposition(&g, 28, 7, 4),
            holt_winters(&g, 28, 7, 4),
        ] {
            for (a, b) in f.iter().flatten().zip(truth.iter().flatten()) {
                assert!((a - b).abs() < 0.05 * b.max(1.0), "{f:?}");
            }
        }
    }
}
