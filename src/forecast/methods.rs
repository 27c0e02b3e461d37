//! The forecast methods, on a queue's cleaned daily grid.
//!
//! Every method sees `days[..origin]` (one row of slot values per local date,
//! `None` for a missing day) and predicts the `horizon` days from `origin` on.
//! Weekdays are indexed Monday = 0 from `first_weekday`, the weekday of
//! `days[0]`, the local date `start`.

use chrono::{Datelike, Duration, NaiveDate};

/// A queue's history on the plan's grid, cleaned for learning.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Local date of `days[0]`.
    pub start: NaiveDate,
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

    fn date(&self, d: usize) -> NaiveDate {
        self.start + Duration::days(d as i64)
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

/// Where a date sits in its month: the day for the 1st to the 15th, and
/// from the 16th on 31 less the days left to the month's end (the last day
/// of every month is 31), so that month ends line up whatever the month's
/// length. In 1..=31.
pub fn month_key(date: NaiveDate) -> usize {
    let day = date.day() as usize;
    if day <= 15 {
        return day;
    }
    let next = if date.month() == 12 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
    }
    .expect("the first of a month exists");
    let left = (next - date).num_days() as usize - 1;
    31 - left
}

/// Prior weight of the day-of-month factors: each factor is shrunk towards 1
/// as if this many more days (in the smoothing kernel's units) had ratio 1.
const MONTH_PRIOR_DAYS: f64 = 3.0;

/// Day-of-month factors (index [`month_key`]) learned from `days[..origin]`:
/// each day's total over the median total of the same weekday in the four
/// weeks either side (before `origin`, at least two of them), ratios outside
/// 0.5 to 2 left out (holidays), averaged per key with weights 1-2-1 over
/// the neighbouring keys (circular), and shrunk towards 1 by
/// [`MONTH_PRIOR_DAYS`]. Index 0 is unused.
pub fn month_factors(g: &Grid, origin: usize) -> [f64; 32] {
    let totals: Vec<Option<f64>> = g.days[..origin]
        .iter()
        .map(|d| d.as_ref().map(|r| total(r)))
        .collect();
    let (mut sum, mut count) = ([0.0; 32], [0.0; 32]);
    for (d, t) in totals.iter().enumerate() {
        let Some(t) = t else { continue };
        let Some(m) = weekday_median(&totals, d).filter(|m| *m > 0.0) else {
            continue;
        };
        let r = t / m;
        if (0.5..=2.0).contains(&r) {
            let k = month_key(g.date(d));
            sum[k] += r;
            count[k] += 1.0;
        }
    }
    let mut f = [1.0; 32];
    for (k, fk) in f.iter_mut().enumerate().skip(1) {
        let (mut s, mut c) = (0.0, 0.0);
        for (dk, w) in [(-1isize, 1.0), (0, 2.0), (1, 1.0)] {
            let j = ((k as isize - 1 + dk).rem_euclid(31) + 1) as usize;
            s += w * sum[j];
            c += w * count[j];
        }
        let prior = 4.0 * MONTH_PRIOR_DAYS;
        *fk = (s + prior) / (c + prior);
    }
    f
}

/// The median of `values` on the same weekday as day `d` in the four weeks
/// either side (those known), when at least two are known.
pub(crate) fn weekday_median(values: &[Option<f64>], d: usize) -> Option<f64> {
    let mut refs: Vec<f64> = (1..=4)
        .flat_map(|k| [d as isize - 7 * k, d as isize + 7 * k])
        .filter(|&j| j >= 0 && (j as usize) < values.len())
        .filter_map(|j| values[j as usize])
        .collect();
    (refs.len() >= 2).then(|| median(&mut refs))
}

pub(crate) fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Mean of the middle values once the highest and lowest fifth (rounded)
/// are dropped; the plain mean of fewer than four values.
pub fn trimmed_mean(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    let cut = if n >= 4 {
        (0.2 * n as f64).round() as usize
    } else {
        0
    };
    let kept = &v[cut..n - cut];
    kept.iter().sum::<f64>() / kept.len() as f64
}

/// Intraday shares of weekday `w`: the summed rows of the last `weeks` days
/// of that weekday before `origin` with data, over their total. All zero
/// when there is no such day or no call in them.
pub fn recent_shares(g: &Grid, origin: usize, w: usize, weeks: usize) -> Vec<f64> {
    let mut share = vec![0.0; g.slots];
    for r in (0..origin)
        .rev()
        .filter(|&d| g.weekday(d) == w)
        .filter_map(|d| g.days[d].as_ref())
        .take(weeks.max(1))
    {
        for (s, v) in r.iter().enumerate() {
            share[s] += v;
        }
    }
    let sum: f64 = share.iter().sum();
    if sum > 0.0 {
        share.iter_mut().for_each(|x| *x /= sum);
    }
    share
}

/// Weekday level × day-of-month factor × intraday profile. For each
/// forecast day, the last `weeks` days of its weekday before `origin` with
/// data: their totals divided by their day-of-month factors give the level
/// (a trimmed mean, [`trimmed_mean`]); the day's forecast is level × its
/// day-of-month factor × the weekday's [`recent_shares`]. No trend.
pub fn day_of_month(g: &Grid, origin: usize, horizon: usize, weeks: usize) -> Vec<Vec<f64>> {
    let factors = month_factors(g, origin);
    let weeks = weeks.max(1);
    let shares: Vec<Vec<f64>> = (0..7).map(|w| recent_shares(g, origin, w, weeks)).collect();
    let mut out = Vec::with_capacity(horizon);
    for k in 0..horizon {
        let t = origin + k;
        let mut levels: Vec<f64> = (1..)
            .map(|i| t as isize - 7 * (k / 7 + i) as isize)
            .take_while(|&j| j >= 0)
            .filter_map(|j| g.days[j as usize].as_ref().map(|r| (j as usize, r)))
            .take(weeks)
            .map(|(j, r)| total(r) / factors[month_key(g.date(j))])
            .collect();
        let day = trimmed_mean(&mut levels) * factors[month_key(g.date(t))];
        out.push(shares[g.weekday(t)].iter().map(|s| day * s).collect());
    }
    out
}

/// Smoothing constants [`smoothed_level`] chooses from.
pub const LEVEL_ALPHAS: [f64; 7] = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5];

/// Simple exponential smoothing of `z`, days without a value skipped: the
/// level after each day, `None` before the first value (which starts it).
pub fn smooth(z: &[Option<f64>], alpha: f64) -> Vec<Option<f64>> {
    let mut level: Option<f64> = None;
    z.iter()
        .map(|z| {
            if let Some(z) = z {
                level = Some(level.map_or(*z, |l| l + alpha * (z - l)));
            }
            level
        })
        .collect()
}

/// The constant of [`LEVEL_ALPHAS`] whose smoothing of `z` has the least sum
/// of absolute one-day-ahead errors (the level after day d against the value
/// of day d + 1, from day 14 on); the first on ties.
pub fn fit_alpha(z: &[Option<f64>]) -> f64 {
    let mut best = (f64::INFINITY, LEVEL_ALPHAS[0]);
    for alpha in LEVEL_ALPHAS {
        let levels = smooth(z, alpha);
        let err: f64 = (14..z.len().saturating_sub(1))
            .filter_map(|d| Some((levels[d]? - z[d + 1]?).abs()))
            .sum();
        if err < best.0 {
            best = (err, alpha);
        }
    }
    best.1
}

/// A smoothed level × weekday factor × day-of-month factor × intraday
/// profile. Each day's total before `origin` is divided by its day-of-month
/// factor ([`month_factors`]); the weekday factors are the trimmed means of
/// those per weekday over the last `2 × weeks` weeks, over their mean across
/// open weekdays; the level is the exponential smoothing of each day's total
/// divided by both factors, its constant chosen by [`fit_alpha`]. The
/// forecast of a day is level × its weekday and day-of-month factors × the
/// weekday's [`recent_shares`]. No trend.
pub fn smoothed_level(g: &Grid, origin: usize, horizon: usize, weeks: usize) -> Vec<Vec<f64>> {
    let factors = month_factors(g, origin);
    let demonthed = |d: usize| -> Option<f64> {
        g.days[d]
            .as_ref()
            .map(|r| total(r) / factors[month_key(g.date(d))])
    };
    let mut weekday = [0.0; 7];
    for (w, level) in weekday.iter_mut().enumerate() {
        let of = |from: usize| -> Vec<f64> {
            (from..origin)
                .filter(|&d| g.weekday(d) == w)
                .filter_map(demonthed)
                .collect()
        };
        let mut v = of(origin.saturating_sub(14 * weeks.max(1)));
        if v.is_empty() {
            v = of(0);
        }
        *level = trimmed_mean(&mut v);
    }
    let open: Vec<f64> = weekday.iter().copied().filter(|l| *l > 0.0).collect();
    if open.is_empty() {
        return vec![vec![0.0; g.slots]; horizon];
    }
    let base = open.iter().sum::<f64>() / open.len() as f64;
    weekday.iter_mut().for_each(|l| *l /= base);
    let z: Vec<Option<f64>> = (0..origin)
        .map(|d| {
            let w = weekday[g.weekday(d)];
            demonthed(d).filter(|_| w > 0.0).map(|x| x / w)
        })
        .collect();
    let level = smooth(&z, fit_alpha(&z))
        .last()
        .copied()
        .flatten()
        .unwrap_or(base);
    let shares: Vec<Vec<f64>> = (0..7).map(|w| recent_shares(g, origin, w, weeks)).collect();
    (0..horizon)
        .map(|k| {
            let t = origin + k;
            let w = g.weekday(t);
            let day = level * weekday[w] * factors[month_key(g.date(t))];
            shares[w].iter().map(|s| day * s).collect()
        })
        .collect()
}

/// The mean of several forecasts of the same days and slots.
pub fn mean_of(forecasts: &[&Vec<Vec<f64>>]) -> Vec<Vec<f64>> {
    let n = forecasts.len() as f64;
    let mut out = forecasts[0].clone();
    for f in &forecasts[1..] {
        for (a, b) in out.iter_mut().flatten().zip(f.iter().flatten()) {
            *a += b;
        }
    }
    out.iter_mut().flatten().for_each(|a| *a /= n);
    out
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

/// Holt-Winters on daily totals divided by their day-of-month factors
/// ([`month_factors`]; weekly multiplicative seasonality, damped trend,
/// parameters by grid search on 1-7-day-ahead error over all history before
/// `origin`), times the forecast day's factor, spread over the day by the
/// weekday's [`recent_shares`].
pub fn holt_winters(g: &Grid, origin: usize, horizon: usize, weeks: usize) -> Vec<Vec<f64>> {
    let factors = month_factors(g, origin);
    let totals: Vec<Option<f64>> = g.days[..origin]
        .iter()
        .enumerate()
        .map(|(d, r)| r.as_ref().map(|r| total(r) / factors[month_key(g.date(d))]))
        .collect();
    let fitted = hw_fit(&totals, g.first_weekday).and_then(|p| {
        let states = hw_run(&totals, g.first_weekday, p)?;
        Some((p, states))
    });
    let Some((p, states)) = fitted else {
        return decomposition(g, origin, horizon, weeks);
    };
    let shares: Vec<Vec<f64>> = (0..7).map(|w| recent_shares(g, origin, w, weeks)).collect();
    let last = states.last().expect("non-empty");
    (0..horizon)
        .map(|k| {
            let t = origin + k;
            let w = g.weekday(t);
            let day = hw_predict(last, k + 1, w, p.phi) * factors[month_key(g.date(t))];
            shares[w].iter().map(|s| day * s).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(days: Vec<Option<Vec<f64>>>) -> Grid {
        Grid {
            start: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(), // a Monday
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
            day_of_month(&g, 28, 7, 4),
            smoothed_level(&g, 28, 7, 4),
        ] {
            for (a, b) in f.iter().flatten().zip(truth.iter().flatten()) {
                assert!((a - b).abs() < 0.05 * b.max(1.0), "{f:?}");
            }
        }
    }

    #[test]
    fn month_keys_line_up_month_ends() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(month_key(d("2026-01-01")), 1);
        assert_eq!(month_key(d("2026-01-15")), 15);
        // January has 31 days: the 16th is 15 days before its end.
        assert_eq!(month_key(d("2026-01-16")), 16);
        assert_eq!(month_key(d("2026-01-30")), 30);
        assert_eq!(month_key(d("2026-01-31")), 31);
        // February 2026 has 28: its last day is 31, the 16th 12 days before the end.
        assert_eq!(month_key(d("2026-02-28")), 31);
        assert_eq!(month_key(d("2026-02-16")), 19);
        assert_eq!(month_key(d("2026-12-31")), 31);
        assert_eq!(month_key(d("2024-02-29")), 31);
    }

    #[test]
    fn trimmed_mean_drops_a_fifth_each_side() {
        // Ten values: the two lowest and two highest dropped.
        let mut v = [100.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, -50.0];
        assert!((trimmed_mean(&mut v) - 4.5).abs() < 1e-12);
        // Fewer than four: the plain mean.
        assert!((trimmed_mean(&mut [1.0, 2.0, 6.0]) - 3.0).abs() < 1e-12);
    }

    #[test]
    fn methods_with_month_factors_learn_a_month_cycle_decomposition_misses() {
        // 300 days from a Monday: a weekly pattern times a smooth cycle over
        // the month (+30 % at the month's turn, -30 % mid-month), no noise.
        let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let truth = |d: usize| -> Vec<f64> {
            let date = start + Duration::days(d as i64);
            let k = month_key(date) as f64;
            let cycle = 1.0 + 0.3 * (2.0 * std::f64::consts::PI * k / 31.0).cos();
            let week = [1.2, 1.1, 1.0, 1.0, 0.9, 0.5, 0.3][d % 7];
            vec![100.0 * week * cycle, 300.0 * week * cycle]
        };
        let days: Vec<Option<Vec<f64>>> = (0..300).map(|d| Some(truth(d))).collect();
        let g = Grid {
            start,
            first_weekday: 0,
            slots: 2,
            days,
        };
        // Origin 2026-10-24: the 14 days ahead cross the turn of the month.
        let origin = 292;
        let error = |f: &[Vec<f64>]| -> f64 {
            f.iter()
                .enumerate()
                .map(|(k, row)| (total(row) - total(&truth(origin + k))).abs())
                .sum::<f64>()
                / (0..14).map(|k| total(&truth(origin + k))).sum::<f64>()
        };
        let dec = error(&decomposition(&g, origin, 14, 8));
        for (name, f) in [
            ("day_of_month", day_of_month(&g, origin, 14, 8)),
            ("smoothed_level", smoothed_level(&g, origin, 14, 8)),
            ("holt_winters", holt_winters(&g, origin, 14, 8)),
        ] {
            let e = error(&f);
            assert!(e < 0.08, "{name} WAPE {e}");
            assert!(e < 0.4 * dec, "{name} {e} against decomposition {dec}");
        }
    }

    #[test]
    fn smoothing_by_hand() {
        // alpha 0.5: starts at 10, holds over the gap, then halfway each day.
        let z = [Some(10.0), None, Some(20.0), Some(10.0)];
        assert_eq!(
            smooth(&z, 0.5),
            [Some(10.0), Some(10.0), Some(15.0), Some(12.5)]
        );
        assert_eq!(smooth(&[None, Some(4.0)], 0.3), [None, Some(4.0)]);
    }

    #[test]
    fn alpha_follows_a_step_and_ignores_alternation() {
        // A permanent step from 100 to 200 on day 20: after it, each
        // one-day-ahead error is 100 (1 - alpha)^k, least for the largest alpha.
        let step: Vec<Option<f64>> = (0..40)
            .map(|d| Some(if d < 20 { 100.0 } else { 200.0 }))
            .collect();
        assert_eq!(fit_alpha(&step), 0.5);
        // 90, 110, 90, ...: a pair of errors is 20 + alpha (110 - level),
        // least for the smallest alpha.
        let alternating: Vec<Option<f64>> = (0..40)
            .map(|d| Some(if d % 2 == 0 { 90.0 } else { 110.0 }))
            .collect();
        assert_eq!(fit_alpha(&alternating), 0.02);
    }

    #[test]
    fn shares_sum_the_latest_rows_of_the_weekday() {
        // Mondays (every 7th day): the last two with data are days 28 (90/10)
        // and 14 (day 21 is missing): (90 + 50) / 200 and (10 + 50) / 200.
        let days: Vec<Option<Vec<f64>>> = (0..35)
            .map(|d| match d {
                28 => Some(vec![90.0, 10.0]),
                21 => None,
                d if d % 7 == 0 => Some(vec![50.0, 50.0]),
                _ => Some(vec![1.0, 3.0]),
            })
            .collect();
        let g = grid(days);
        assert_eq!(recent_shares(&g, 35, 0, 2), [0.7, 0.3]);
        assert_eq!(recent_shares(&g, 35, 1, 2), [0.25, 0.75]);
        let closed = grid(vec![Some(vec![0.0, 0.0]); 7]);
        assert_eq!(recent_shares(&closed, 7, 0, 8), [0.0, 0.0]);
    }

    #[test]
    fn smoothed_level_by_hand() {
        // Five weeks of 40 + 60 calls every day, then 120 + 180 on the last
        // day (day 34, a Sunday). Its ratio 3 to the Sunday median is left
        // out of the day-of-month factors (all 1) and trimmed out of the
        // Sunday factor (all weekday factors 1). The de-seasonalised totals
        // are 100 then 300: every alpha has the same one-day-ahead errors
        // (only the last, 200), so the first, 0.02, is kept, and the level
        // is 100 + 0.02 * 200 = 104. Every weekday's shares are 0.4/0.6.
        let days: Vec<Option<Vec<f64>>> = (0..35)
            .map(|d| {
                Some(if d == 34 {
                    vec![120.0, 180.0]
                } else {
                    vec![40.0, 60.0]
                })
            })
            .collect();
        let g = grid(days);
        let f = smoothed_level(&g, 35, 7, 8);
        for row in &f {
            assert!(
                (row[0] - 41.6).abs() < 1e-9 && (row[1] - 62.4).abs() < 1e-9,
                "{f:?}"
            );
        }
    }

    #[test]
    fn mean_of_averages_cell_by_cell() {
        let a = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
        let b = vec![vec![3.0, 0.0], vec![5.0, 4.0]];
        assert_eq!(mean_of(&[&a, &b]), [vec![2.0, 1.0], vec![4.0, 4.0]]);
    }
}
