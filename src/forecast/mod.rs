//! Forecasting contact volume and handle time per queue and interval.
//!
//! Each queue's history is put on the plan's grid (one row of interval slots
//! per local date) and cleaned for learning, every correction reported as a
//! [`Finding`]:
//!
//! - history finer than the plan is summed into its intervals; a cell with
//!   fewer rows than expected (a gap) is scaled up, one with no row inside
//!   opening hours is imputed from the same weekday and slot of the
//!   neighbouring weeks; a day with no row at all is missing, not zero;
//! - DST days: the repeated hour of a 25-hour day is averaged, the skipped
//!   hour of a 23-hour day imputed (the plan's own DST days keep their 23 or
//!   25 hours of intervals);
//! - calendar events are divided out of the history days they cover;
//! - a day whose total is under half or over twice the median of the same
//!   weekday in the four weeks either side is set aside; a cell further than
//!   `forecast.outlier_threshold` robust standard deviations from its
//!   neighbours' median is damped to that bound.
//!
//! Methods (`methods.rs`): seasonal naive, multiplicative decomposition, and
//! Holt-Winters on daily totals spread by intraday shares. `auto` picks per
//! queue the lowest WAPE over the last `forecast.backtest_weeks` weeks held
//! out. The plan's event multipliers multiply the forecast; it is zero
//! outside opening hours. The band is the forecast times the quantiles of
//! actual/forecast seen in that backtest, never narrower than Poisson.
//! Handle time is a contact-weighted weekday × slot mean, shrunk towards the
//! slot's mean over all weekdays and smoothed across neighbouring slots.

pub mod backtest;
pub mod methods;

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, Offset, TimeZone, Timelike};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{Error, Result};
use crate::history::{Finding, History};
use crate::horizon::{local_midnight, Horizon};
use crate::scenario::{weekday_index, ForecastMethod, LoadedScenario, Queue, Scenario};

pub use backtest::Accuracy;
use methods::Grid;

/// Forecast of one queue over the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueForecast {
    pub queue: String,
    /// Contacts per interval, aligned with `Horizon::intervals`.
    pub volume: Vec<f64>,
    /// Mean handle time per interval, seconds.
    pub aht_seconds: Vec<f64>,
    /// History days used.
    pub days_used: usize,
    /// Forecast volume of the horizon relative to the weekday means of the
    /// last `history.weeks` weeks (events left out): the trend applied.
    pub level_factor: f64,
    /// Lower end of the band (quantile `forecast.band[0]`), per interval.
    pub volume_p10: Vec<f64>,
    /// Upper end of the band (quantile `forecast.band[1]`), per interval.
    pub volume_p90: Vec<f64>,
    /// The method used.
    pub method: ForecastMethod,
    /// Backtest accuracy of each method tried (for `auto`).
    pub backtest: Vec<(ForecastMethod, Accuracy)>,
}

/// Forecasts for every queue, in scenario order.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub queues: Vec<QueueForecast>,
    /// Data-hygiene findings of reading and cleaning the history.
    pub findings: Vec<Finding>,
}

/// Backtest of every method on every queue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Backtest {
    /// Weeks held out.
    pub weeks: u32,
    pub queues: Vec<QueueBacktest>,
    pub findings: Vec<Finding>,
}

/// Backtest of one queue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueueBacktest {
    pub queue: String,
    pub methods: Vec<MethodAccuracy>,
    /// The method `auto` would choose (lowest WAPE).
    pub best: ForecastMethod,
}

/// Accuracy of one method.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MethodAccuracy {
    pub method: ForecastMethod,
    #[serde(flatten)]
    pub accuracy: Accuracy,
}

const METHODS: [ForecastMethod; 3] = [
    ForecastMethod::SeasonalNaive,
    ForecastMethod::Decomposition,
    ForecastMethod::HoltWinters,
];

fn open_at(q: &Queue, minute_of_day: u32) -> bool {
    minute_of_day >= q.open.minutes() && minute_of_day < q.close.minutes()
}

/// A queue's history prepared for the methods.
struct Prepared {
    /// Date of day 0.
    start: NaiveDate,
    /// Cleaned grid for learning (events divided out).
    grid: Grid,
    /// Actuals as observed (coverage-adjusted), `None` for an unknown cell or day.
    actual: Vec<Option<Vec<Option<f64>>>>,
    /// Whether each slot is inside opening hours.
    open: Vec<bool>,
    days_present: usize,
    /// Multipliers learned for events given without one, by name.
    learned: BTreeMap<String, f64>,
}

/// The event multiplier of `date`: the given ones times the learned ones.
fn multiplier(sc: &Scenario, q: &Queue, learned: &BTreeMap<String, f64>, date: NaiveDate) -> f64 {
    let given = sc.event_multiplier(date, &q.id);
    let learned: f64 = sc
        .calendar
        .events
        .iter()
        .filter(|e| e.volume_multiplier.is_none() && e.applies(date, &q.id))
        .map(|e| learned.get(&e.name).copied().unwrap_or(1.0))
        .product();
    given * learned
}

/// Learns the multiplier of each event given without one from its past
/// dates in history: the mean ratio of those days' totals to the median of
/// the same weekday, without events, in the four weeks either side.
fn learn_events(
    sc: &Scenario,
    q: &Queue,
    start: NaiveDate,
    actual: &[Option<Vec<Option<f64>>>],
    findings: &mut Vec<Finding>,
) -> BTreeMap<String, f64> {
    let date = |d: usize| start + Duration::days(d as i64);
    let n = actual.len();
    let has_event = |d: usize| sc.calendar.events.iter().any(|e| e.applies(date(d), &q.id));
    let total = |d: usize| -> Option<f64> { actual[d].as_ref().map(|r| r.iter().flatten().sum()) };
    let mut out = BTreeMap::new();
    let names: std::collections::BTreeSet<&str> = sc
        .calendar
        .events
        .iter()
        .filter(|e| e.volume_multiplier.is_none())
        .filter(|e| e.queues.as_ref().is_none_or(|qs| qs.contains(&q.id)))
        .map(|e| e.name.as_str())
        .collect();
    for name in names {
        let mut ratios = Vec::new();
        for d in 0..n {
            let on = sc
                .calendar
                .events
                .iter()
                .any(|e| e.name == name && e.applies(date(d), &q.id));
            let Some(t) = total(d).filter(|_| on) else {
                continue;
            };
            let mut refs: Vec<f64> = (1..=4)
                .flat_map(|k| [d as isize - 7 * k, d as isize + 7 * k])
                .filter(|&j| j >= 0 && (j as usize) < n && !has_event(j as usize))
                .filter_map(|j| total(j as usize))
                .collect();
            let m = median(&mut refs);
            if refs.len() >= 2 && m > 0.0 {
                ratios.push(t / m);
            }
        }
        let (value, message) = if ratios.is_empty() {
            (
                1.0,
                format!("event `{name}` has no volume_multiplier and no past date in history to learn it from: taken as 1"),
            )
        } else {
            let v = ratios.iter().sum::<f64>() / ratios.len() as f64;
            (
                v,
                format!(
                    "event `{name}`: multiplier {v:.2} learned from {} past days in history",
                    ratios.len()
                ),
            )
        };
        findings.push(Finding {
            kind: "event",
            queue: Some(q.id.clone()),
            count: ratios.len(),
            message,
        });
        out.insert(name.to_string(), value);
    }
    out
}

impl Prepared {
    fn origin(&self, date: NaiveDate) -> usize {
        (date - self.start).num_days().max(0) as usize
    }
}

fn median(v: &mut [f64]) -> f64 {
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

fn dates_list(dates: &[NaiveDate]) -> String {
    let shown: Vec<String> = dates.iter().take(6).map(|d| d.to_string()).collect();
    if dates.len() > 6 {
        format!("{} and {} more", shown.join(", "), dates.len() - 6)
    } else {
        shown.join(", ")
    }
}

/// Puts a queue's history on the grid and cleans it.
fn prepare(
    sc: &Scenario,
    q: &Queue,
    history: &History,
    step: u32,
    plan_start: NaiveDate,
    findings: &mut Vec<Finding>,
) -> Option<Prepared> {
    let tz = sc.site.timezone;
    let slots = (24 * 60 / step) as usize;
    let oldest = plan_start - Duration::weeks(104);
    let mine = || history.records.iter().filter(|r| r.queue == q.id);
    let recs: Vec<_> = mine()
        .filter(|r| r.start.date_naive() < plan_start)
        .filter(|r| r.start.date_naive() >= oldest)
        .collect();
    // Rows the forecast cannot use are said, never dropped in silence.
    let later: Vec<NaiveDate> = mine()
        .map(|r| r.start.date_naive())
        .filter(|d| *d >= plan_start)
        .collect();
    if let Some(last) = later.iter().max() {
        findings.push(Finding {
            kind: "after_plan_start",
            queue: Some(q.id.clone()),
            count: later.len(),
            message: format!(
                "{} history rows dated on or after the plan's first day {plan_start} (up to {last}) not used: the forecast learns from history before the plan",
                later.len()
            ),
        });
    }
    let older = mine().filter(|r| r.start.date_naive() < oldest).count();
    if older > 0 {
        findings.push(Finding {
            kind: "too_old",
            queue: Some(q.id.clone()),
            count: older,
            message: format!(
                "{older} history rows older than two years before the plan (before {oldest}) not used"
            ),
        });
    }
    let start = recs.iter().map(|r| r.start.date_naive()).min()?;
    let n_days = (plan_start - start).num_days() as usize;
    // History resolution: the smallest gap between consecutive rows.
    let res = recs
        .windows(2)
        .map(|w| (w[1].start - w[0].start).num_minutes())
        .filter(|&m| m > 0)
        .min()
        .unwrap_or(step as i64)
        .min(step as i64);
    let expected = (step as i64 / res.max(1)).max(1) as f64;
    let mut sum = vec![vec![0.0; slots]; n_days];
    let mut rows = vec![vec![0u32; slots]; n_days];
    let mut present = vec![false; n_days];
    for r in &recs {
        let d = (r.start.date_naive() - start).num_days() as usize;
        let s = ((r.start.hour() * 60 + r.start.minute()) / step) as usize;
        sum[d][s] += r.offered;
        rows[d][s] += 1;
        present[d] = true;
    }
    let open: Vec<bool> = (0..slots).map(|s| open_at(q, s as u32 * step)).collect();
    let date = |d: usize| start + Duration::days(d as i64);
    let mut dst_days = Vec::new();
    let mut missing_cells = 0usize;
    let mut scaled_cells = 0usize;
    let mut actual: Vec<Option<Vec<Option<f64>>>> = vec![None; n_days];
    for d in 0..n_days {
        if !present[d] {
            continue;
        }
        let dt = date(d);
        let a = local_midnight(tz, dt).offset().fix();
        let b = local_midnight(tz, dt + Duration::days(1)).offset().fix();
        let is_dst = a != b;
        if is_dst {
            dst_days.push(dt);
        }
        let row: Vec<Option<f64>> = (0..slots)
            .map(|s| {
                let n = rows[d][s] as f64;
                if n == 0.0 {
                    let exists = dt
                        .and_hms_opt(0, 0, 0)
                        .and_then(|m| {
                            tz.from_local_datetime(
                                &(m + Duration::minutes((s as u32 * step) as i64)),
                            )
                            .earliest()
                        })
                        .is_some();
                    if open[s] && exists {
                        missing_cells += 1;
                    }
                    None
                } else {
                    if n != expected && !is_dst && open[s] {
                        scaled_cells += 1;
                    }
                    Some(sum[d][s] * expected / n)
                }
            })
            .collect();
        actual[d] = Some(row);
    }
    let qid = Some(q.id.clone());
    if !dst_days.is_empty() {
        findings.push(Finding {
            kind: "dst",
            queue: qid.clone(),
            count: dst_days.len(),
            message: format!(
                "{} history days have 23 or 25 local hours ({}): for learning, the repeated hour is averaged and the skipped hour imputed",
                dst_days.len(),
                dates_list(&dst_days)
            ),
        });
    }
    if missing_cells > 0 {
        findings.push(Finding {
            kind: "missing_interval",
            queue: qid.clone(),
            count: missing_cells,
            message: format!(
                "{missing_cells} {step}-minute intervals inside opening hours have no row on days that have rows: imputed from the same weekday and time of the neighbouring weeks, not taken as zero"
            ),
        });
    }
    if scaled_cells > 0 {
        findings.push(Finding {
            kind: "missing_interval",
            queue: qid.clone(),
            count: scaled_cells,
            message: format!(
                "{scaled_cells} {step}-minute intervals inside opening hours have some but not all of their {expected} history rows: scaled up to the full interval"
            ),
        });
    }
    // Missing days and weekdays never seen.
    let mut seen_wd = [false; 7];
    for d in 0..n_days {
        if present[d] {
            seen_wd[weekday_index(date(d))] = true;
        }
    }
    let missing: Vec<NaiveDate> = (0..n_days)
        .filter(|&d| !present[d] && seen_wd[weekday_index(date(d))])
        .map(date)
        .collect();
    if !missing.is_empty() {
        findings.push(Finding {
            kind: "missing_day",
            queue: qid.clone(),
            count: missing.len(),
            message: format!(
                "{} days have no row at all ({}): treated as missing, not as zero",
                missing.len(),
                dates_list(&missing)
            ),
        });
    }
    let closed: Vec<String> = (0..7)
        .filter(|&w| !seen_wd[w])
        .map(|w| format!("{:?}", crate::scenario::WEEKDAYS[w]))
        .collect();
    if !closed.is_empty() {
        findings.push(Finding {
            kind: "closed_weekday",
            queue: qid.clone(),
            count: closed.len(),
            message: format!(
                "no history on {}: the queue is taken as closed on those weekdays (forecast zero)",
                closed.join(", ")
            ),
        });
    }
    // Learning values: events divided out; a day with a zero multiplier is set aside.
    let learned = learn_events(sc, q, start, &actual, findings);
    let mut clean: Vec<Option<Vec<Option<f64>>>> = (0..n_days)
        .map(|d| {
            let m = multiplier(sc, q, &learned, date(d));
            let row = actual[d].as_ref()?;
            (m > 0.0).then(|| row.iter().map(|c| c.map(|v| v / m)).collect())
        })
        .collect();
    let day_total = |row: &Vec<Option<f64>>| -> f64 { row.iter().flatten().sum() };
    // Anomalous days.
    let totals: Vec<Option<f64>> = clean.iter().map(|r| r.as_ref().map(day_total)).collect();
    let mut anomalous = Vec::new();
    for d in 0..n_days {
        let Some(t) = totals[d] else { continue };
        let mut refs: Vec<f64> = (1..=4)
            .flat_map(|k| [d as isize - 7 * k, d as isize + 7 * k])
            .filter(|&j| j >= 0 && (j as usize) < n_days)
            .filter_map(|j| totals[j as usize])
            .collect();
        if refs.len() < 2 {
            continue;
        }
        let m = median(&mut refs);
        if m > 0.0 && (t < 0.5 * m || t > 2.0 * m) {
            anomalous.push(date(d));
            clean[d] = None;
        }
    }
    if !anomalous.is_empty() {
        findings.push(Finding {
            kind: "anomalous_day",
            queue: qid.clone(),
            count: anomalous.len(),
            message: format!(
                "{} days have under half or over twice the volume of the same weekday around them and no calendar event explains it ({}): set aside for learning (add a calendar event to use them)",
                anomalous.len(),
                dates_list(&anomalous)
            ),
        });
    }
    // Imputation and outliers, cell by cell against the neighbouring weeks.
    let k = sc.forecast.outlier_threshold;
    let mut outliers = 0usize;
    let mut worst: Option<(f64, NaiveDate, usize, f64, f64)> = None;
    let mut days: Vec<Option<Vec<f64>>> = vec![None; n_days];
    for d in 0..n_days {
        let Some(row) = &clean[d] else { continue };
        let mut out = vec![0.0; slots];
        for s in 0..slots {
            if !open[s] {
                continue;
            }
            let mut refs: Vec<f64> = (1..=4)
                .flat_map(|k| [d as isize - 7 * k, d as isize + 7 * k])
                .filter(|&j| j >= 0 && (j as usize) < n_days)
                .filter_map(|j| clean[j as usize].as_ref().and_then(|r| r[s]))
                .collect();
            let m = median(&mut refs);
            let mut dev: Vec<f64> = refs.iter().map(|x| (x - m).abs()).collect();
            let mad = median(&mut dev);
            out[s] = match row[s] {
                None => m,
                Some(x) => {
                    let sigma = (1.4826 * mad).max(m.max(1.0).sqrt());
                    if refs.len() >= 3 && (x - m).abs() > k * sigma {
                        outliers += 1;
                        let z = (x - m).abs() / sigma;
                        if worst.is_none_or(|w| z > w.0) {
                            worst = Some((z, date(d), s, x, m));
                        }
                        m + k * sigma * (x - m).signum()
                    } else {
                        x
                    }
                }
            };
        }
        days[d] = Some(out);
    }
    if let Some((_, wd, ws, x, m)) = worst {
        let t = ws as u32 * step;
        findings.push(Finding {
            kind: "outlier",
            queue: qid.clone(),
            count: outliers,
            message: format!(
                "{outliers} intervals lie more than {k} robust standard deviations from the same weekday and time of the neighbouring weeks: damped to that bound (largest: {wd} {:02}:{:02}, {x:.1} against a median of {m:.1})",
                t / 60,
                t % 60
            ),
        });
    }
    Some(Prepared {
        start,
        grid: Grid {
            first_weekday: weekday_index(start),
            days,
            slots,
        },
        actual,
        open,
        days_present: present.iter().filter(|p| **p).count(),
        learned,
    })
}

fn predict(
    method: ForecastMethod,
    g: &Grid,
    origin: usize,
    horizon: usize,
    weeks: usize,
) -> Vec<Vec<f64>> {
    match method {
        ForecastMethod::SeasonalNaive => methods::seasonal_naive(g, origin, horizon),
        ForecastMethod::HoltWinters => methods::holt_winters(g, origin, horizon, weeks),
        ForecastMethod::Decomposition | ForecastMethod::Auto => {
            methods::decomposition(g, origin, horizon, weeks)
        }
    }
}

/// Held-out `(forecast, seasonal naive, actual)` cells of `method` over the
/// `weeks` weeks before `plan_start`, each week forecast from the history
/// before it.
fn backtest_cells(
    sc: &Scenario,
    q: &Queue,
    p: &Prepared,
    method: ForecastMethod,
    plan_start: NaiveDate,
    weeks: u32,
) -> Vec<(f64, f64, f64)> {
    let hw = sc.history.weeks as usize;
    let end = p.origin(plan_start);
    let mut cells = Vec::new();
    for k in (1..=weeks as usize).rev() {
        let Some(origin) = end.checked_sub(7 * k) else {
            continue;
        };
        if origin < 14 {
            continue;
        }
        let f = predict(method, &p.grid, origin, 7, hw);
        let n = methods::seasonal_naive(&p.grid, origin, 7);
        for day in 0..7 {
            let d = origin + day;
            let Some(Some(row)) = p.actual.get(d) else {
                continue;
            };
            let m = multiplier(sc, q, &p.learned, p.start + Duration::days(d as i64));
            for (s, y) in row.iter().enumerate() {
                if let (Some(y), true) = (y, p.open[s]) {
                    cells.push((f[day][s] * m, n[day][s] * m, *y));
                }
            }
        }
    }
    cells
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    let x = p * (sorted.len() - 1) as f64;
    let (i, frac) = (x.floor() as usize, x.fract());
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] * (1.0 - frac) + sorted[j] * frac
}

/// Ratio quantiles of actual/forecast on the busier half of backtest cells;
/// `(1, 1)` when there are too few.
fn band_ratios(cells: &[(f64, f64, f64)], band: [f64; 2]) -> (f64, f64) {
    let mut fs: Vec<f64> = cells.iter().map(|c| c.0).filter(|f| *f > 0.0).collect();
    let cut = median(&mut fs);
    let mut r: Vec<f64> = cells
        .iter()
        .filter(|c| c.0 > 0.0 && c.0 >= cut)
        .map(|c| c.2 / c.0)
        .collect();
    if r.len() < 20 {
        return (1.0, 1.0);
    }
    r.sort_by(|a, b| a.total_cmp(b));
    (
        quantile(&r, band[0]).min(1.0),
        quantile(&r, band[1]).max(1.0),
    )
}

/// Forecasts every queue of the scenario over the horizon with the
/// scenario's method.
pub fn forecast(loaded: &LoadedScenario, history: &History, horizon: &Horizon) -> Result<Forecast> {
    forecast_with(loaded, history, horizon, None)
}

fn no_history(loaded: &LoadedScenario, q: &Queue) -> Error {
    Error::input(
        &loaded.history_path,
        None,
        Some("queue"),
        format!(
            "no history for queue `{}` before {}: the forecast needs at least one day",
            q.id, loaded.scenario.planning.week_start
        ),
    )
}

/// Forecasts with an explicit method (`None`: the scenario's).
pub fn forecast_with(
    loaded: &LoadedScenario,
    history: &History,
    horizon: &Horizon,
    method: Option<ForecastMethod>,
) -> Result<Forecast> {
    let sc = &loaded.scenario;
    let plan_start = sc.planning.week_start;
    let step = horizon.interval_minutes;
    let method = method.unwrap_or(sc.forecast.method);
    let hw = sc.history.weeks as usize;
    let mut findings = history.findings.clone();
    let mut queues = Vec::new();
    for q in &sc.queues {
        let p = prepare(sc, q, history, step, plan_start, &mut findings)
            .ok_or_else(|| no_history(loaded, q))?;
        let bw = sc.forecast.backtest_weeks;
        let mut tried = Vec::new();
        let candidates: &[ForecastMethod] = if method == ForecastMethod::Auto {
            &METHODS
        } else {
            std::slice::from_ref(&method)
        };
        let mut chosen_cells = Vec::new();
        let mut chosen = if method == ForecastMethod::Auto {
            ForecastMethod::Decomposition
        } else {
            method
        };
        let mut best_wape = f64::INFINITY;
        for &m in candidates {
            let cells = backtest_cells(sc, q, &p, m, plan_start, bw);
            if cells.is_empty() {
                continue;
            }
            let acc = backtest::score(&cells);
            if acc.wape < best_wape {
                best_wape = acc.wape;
                chosen = m;
                chosen_cells = cells.clone();
            }
            tried.push((m, acc));
        }
        let (lo, hi) = band_ratios(&chosen_cells, sc.forecast.band);
        let z_lo = Normal::standard().inverse_cdf(sc.forecast.band[0]);
        let z_hi = Normal::standard().inverse_cdf(sc.forecast.band[1]);
        let origin = p.origin(plan_start);
        let ndays = horizon.dates.len();
        let pred = predict(chosen, &p.grid, origin, ndays, hw);
        let base = methods::decomposition(&p.grid, origin, ndays, hw);
        let mut volume = Vec::with_capacity(horizon.intervals.len());
        let (mut p10, mut p90) = (Vec::new(), Vec::new());
        let (mut sum_pred, mut sum_base) = (0.0, 0.0);
        for iv in &horizon.intervals {
            let slot = (iv.minute_of_day / step) as usize;
            let v = if open_at(q, iv.minute_of_day) {
                sum_pred += pred[iv.day][slot];
                sum_base += base[iv.day][slot];
                pred[iv.day][slot] * multiplier(sc, q, &p.learned, iv.date)
            } else {
                0.0
            };
            volume.push(v);
            p10.push((v * lo).min(v + z_lo * v.sqrt()).max(0.0));
            p90.push((v * hi).max(v + z_hi * v.sqrt()));
        }
        let aht_seconds = forecast_aht(loaded, q, history, horizon)?;
        queues.push(QueueForecast {
            queue: q.id.clone(),
            volume,
            aht_seconds,
            days_used: p.days_present,
            level_factor: if sum_base > 0.0 {
                sum_pred / sum_base
            } else {
                1.0
            },
            volume_p10: p10,
            volume_p90: p90,
            method: chosen,
            backtest: tried,
        });
    }
    Ok(Forecast { queues, findings })
}

/// Backtests every method on every queue over the `weeks` weeks before the
/// planning week.
pub fn backtest(
    loaded: &LoadedScenario,
    history: &History,
    horizon: &Horizon,
    weeks: u32,
) -> Result<Backtest> {
    let sc = &loaded.scenario;
    let plan_start = sc.planning.week_start;
    let mut findings = history.findings.clone();
    let mut queues = Vec::new();
    for q in &sc.queues {
        let p = prepare(
            sc,
            q,
            history,
            horizon.interval_minutes,
            plan_start,
            &mut findings,
        )
        .ok_or_else(|| no_history(loaded, q))?;
        let mut methods = Vec::new();
        for m in METHODS {
            let cells = backtest_cells(sc, q, &p, m, plan_start, weeks);
            if cells.is_empty() || p.origin(plan_start) < 7 * weeks as usize + 14 {
                return Err(Error::input(
                    &loaded.history_path,
                    None,
                    Some("queue"),
                    format!(
                        "queue `{}`: too little history to hold out {weeks} weeks (each held-out week needs two weeks before it)",
                        q.id
                    ),
                ));
            }
            methods.push(MethodAccuracy {
                method: m,
                accuracy: backtest::score(&cells),
            });
        }
        let best = methods
            .iter()
            .min_by(|a, b| a.accuracy.wape.total_cmp(&b.accuracy.wape))
            .map(|m| m.method)
            .unwrap_or(ForecastMethod::Decomposition);
        queues.push(QueueBacktest {
            queue: q.id.clone(),
            methods,
            best,
        });
    }
    Ok(Backtest {
        weeks,
        queues,
        findings,
    })
}

/// Handle time per interval: contact-weighted mean per weekday and slot over
/// the last `history.weeks` weeks, shrunk towards the slot's mean over all
/// weekdays (as if 30 more contacts had the slot mean), then smoothed with
/// the neighbouring slots (weights 1-2-1).
fn forecast_aht(
    loaded: &LoadedScenario,
    q: &Queue,
    history: &History,
    horizon: &Horizon,
) -> Result<Vec<f64>> {
    const PRIOR_CONTACTS: f64 = 30.0;
    let sc = &loaded.scenario;
    if let Some(fixed) = q.aht_seconds {
        return Ok(vec![fixed; horizon.intervals.len()]);
    }
    let plan_start = sc.planning.week_start;
    let window_start = plan_start - Duration::weeks(sc.history.weeks as i64);
    let step = horizon.interval_minutes;
    let slots = (24 * 60 / step) as usize;
    let mut num = vec![vec![0.0; slots]; 7];
    let mut den = vec![vec![0.0; slots]; 7];
    let mut cells: BTreeMap<(usize, usize), (f64, f64)> = BTreeMap::new();
    for r in history.records.iter().filter(|r| r.queue == q.id) {
        let date = r.start.date_naive();
        if date < window_start || date >= plan_start {
            continue;
        }
        if let Some(aht) = r.aht_seconds {
            let wd = weekday_index(date);
            let slot = ((r.start.hour() * 60 + r.start.minute()) / step) as usize;
            num[wd][slot] += aht * r.offered;
            den[wd][slot] += r.offered;
            let c = cells.entry((wd, slot)).or_default();
            c.0 += aht * r.offered;
            c.1 += r.offered;
        }
    }
    let total_num: f64 = num.iter().flatten().sum();
    let total_den: f64 = den.iter().flatten().sum();
    if total_den <= 0.0 {
        return Err(Error::input(
            &loaded.history_path,
            None,
            Some("aht_seconds"),
            format!(
                "history has no handle times for queue `{}` in the {} weeks before {plan_start}: add an aht_seconds column or set the queue's aht_seconds in the scenario",
                q.id, sc.history.weeks
            ),
        ));
    }
    let queue_mean = total_num / total_den;
    let slot_mean: Vec<f64> = (0..slots)
        .map(|s| {
            let n: f64 = (0..7).map(|w| num[w][s]).sum();
            let d: f64 = (0..7).map(|w| den[w][s]).sum();
            (n + PRIOR_CONTACTS * queue_mean) / (d + PRIOR_CONTACTS)
        })
        .collect();
    let shrunk: Vec<Vec<(f64, f64)>> = (0..7)
        .map(|w| {
            (0..slots)
                .map(|s| {
                    let v =
                        (num[w][s] + PRIOR_CONTACTS * slot_mean[s]) / (den[w][s] + PRIOR_CONTACTS);
                    (v, den[w][s])
                })
                .collect()
        })
        .collect();
    let smooth = |w: usize, s: usize| -> f64 {
        let (mut n, mut d) = (0.0, 0.0);
        for (ds, k) in [(-1isize, 1.0), (0, 2.0), (1, 1.0)] {
            let j = s as isize + ds;
            if j < 0 || j as usize >= slots {
                continue;
            }
            let (v, c) = shrunk[w][j as usize];
            if ds != 0 && c <= 0.0 {
                continue;
            }
            n += k * v;
            d += k;
        }
        n / d
    };
    Ok(horizon
        .intervals
        .iter()
        .map(|iv| smooth(weekday_index(iv.date), (iv.minute_of_day / step) as usize))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::generate::{generate, HistorySpec};
    use crate::history::Record;
    use std::path::{Path, PathBuf};

    fn loaded(tz: &str, week_start: &str, extra: &str, queue_extra: &str) -> LoadedScenario {
        let y = format!(
            r#"
name: t
site: {{ name: s, timezone: {tz} }}
planning: {{ week_start: {week_start}, days: 7, interval_minutes: 30 }}
history: {{ file: h.csv, weeks: 4 }}
{extra}
queues:
  - {{ id: q, channel: voice, aht_seconds: 200, service_level: {{ target: 0.8, seconds: 20 }} {queue_extra} }}
agents:
  - {{ id: A1, name: a, skills: [q], min_hours: 0, max_hours: 40 }}
rules:
  shift_start: {{ earliest: "08:00", latest: "12:00" }}
  shift_lengths_hours: [8]
  meal_break: {{ minutes: 30, earliest_start_hours: 3, latest_end_hours: 5 }}
"#
        );
        LoadedScenario {
            scenario: Scenario::from_yaml_str(&y, Path::new("t.yaml")).unwrap(),
            path: PathBuf::from("t.yaml"),
            history_path: PathBuf::from("h.csv"),
            origins: Default::default(),
        }
    }

    /// `weeks` weeks of a flat 10 contacts per 30 minutes before `week_start`,
    /// as local-time CSV rows (every existing local half hour).
    fn flat_csv(l: &LoadedScenario, weeks: i64, skip: &[&str], extra: &[&str]) -> History {
        let sc = &l.scenario;
        let tz = sc.site.timezone;
        let mut text = String::from("interval_start,queue,offered\n");
        let end = local_midnight(tz, sc.planning.week_start);
        let mut t = local_midnight(tz, sc.planning.week_start - Duration::weeks(weeks));
        while t < end {
            let s = t.to_rfc3339();
            if !skip.iter().any(|k| s.starts_with(k)) {
                text += &format!("{s},q,10\n");
            }
            t += Duration::minutes(30);
        }
        for e in extra {
            text += e;
            text += "\n";
        }
        History::from_reader(text.as_bytes(), Path::new("h.csv"), tz, &["q"]).unwrap()
    }

    fn kinds(f: &Forecast) -> Vec<&'static str> {
        f.findings.iter().map(|x| x.kind).collect()
    }

    #[test]
    fn recovers_a_known_seasonal_signal() {
        let spec = HistorySpec::from_yaml_str(
            r#"
seed: 7
timezone: Europe/Berlin
interval_minutes: 15
start_date: 2026-03-02
end_date: 2026-05-10
queues:
  - name: q
    open: "08:00"
    close: "20:00"
    daily_volume: 200000
    weekday_factors: { mon: 1.3, tue: 1.1, wed: 1.0, thu: 1.0, fri: 0.9, sat: 0.5, sun: 0.3 }
    profile:
      floor: 0.2
      bumps:
        - { center: "10:30", width_hours: 1.5, weight: 1.0 }
        - { center: "15:00", width_hours: 2.0, weight: 0.6 }
    aht_seconds: 240
"#,
        )
        .unwrap();
        let rows = generate(&spec).unwrap();
        let tz = chrono_tz::Europe::Berlin;
        let l = loaded(
            "Europe/Berlin",
            "2026-05-04",
            "",
            r#", open: "08:00", close: "20:00""#,
        );
        let records: Vec<Record> = rows.iter().map(|r| r.to_record(tz)).collect();
        let horizon = Horizon::new(&l.scenario);
        let mut truth = vec![0.0; horizon.intervals.len()];
        for r in &records {
            if let Some(i) = horizon.index_of(r.start) {
                truth[i] += r.offered;
            }
        }
        let history = History {
            records,
            ..History::default()
        };
        for m in METHODS {
            let f = forecast_with(&l, &history, &horizon, Some(m)).unwrap();
            let q = &f.queues[0];
            assert_eq!(q.method, m);
            for (i, (v, t)) in q.volume.iter().zip(&truth).enumerate() {
                // Within 3 % plus the Poisson noise of the truth itself.
                assert!(
                    (v - t).abs() < 0.03 * t + 4.0 * t.sqrt() + 1.0,
                    "{m:?} interval {i}: {v} vs {t}"
                );
                assert!(q.volume_p10[i] <= *v && *v <= q.volume_p90[i]);
            }
            let (sv, st) = (q.volume.iter().sum::<f64>(), truth.iter().sum::<f64>());
            assert!((sv - st).abs() < 0.02 * st, "{m:?}: {sv} vs {st}");
        }
    }

    #[test]
    fn closed_hours_and_events_shape_the_plan() {
        let l = loaded(
            "Asia/Shanghai",
            "2026-11-09",
            "calendar: { events: [ { name: sale, date: 2026-11-11, volume_multiplier: 2.0 }, { name: old sale, date: 2026-10-28, volume_multiplier: 3.0 } ] }",
            r#", open: "08:00", close: "22:00""#,
        );
        // The old sale tripled 2026-10-28 in history: divided out again.
        let mut h = flat_csv(&l, 4, &[], &[]);
        for r in h.records.iter_mut() {
            if r.start.date_naive().to_string() == "2026-10-28" {
                r.offered *= 3.0;
            }
        }
        let horizon = Horizon::new(&l.scenario);
        let f = forecast(&l, &h, &horizon).unwrap();
        let q = &f.queues[0];
        for (iv, v) in horizon.intervals.iter().zip(&q.volume) {
            let open = (480..1320).contains(&iv.minute_of_day);
            let want = match (open, iv.date.to_string().as_str()) {
                (false, _) => 0.0,
                (true, "2026-11-11") => 20.0,
                _ => 10.0,
            };
            assert!(
                (v - want).abs() < 1e-6,
                "{} {}: {v}",
                iv.date,
                iv.minute_of_day
            );
        }
        assert!(!kinds(&f).contains(&"anomalous_day"), "{:?}", f.findings);
    }

    #[test]
    fn event_effects_are_learned_from_history() {
        // "sale" tripled 2026-10-28 in history and is planned on 2026-11-11
        // without a multiplier: learned as 3.
        let l = loaded(
            "Asia/Shanghai",
            "2026-11-09",
            "calendar: { events: [ { name: sale, date: 2026-10-28 }, { name: sale, date: 2026-11-11 } ] }",
            "",
        );
        let mut h = flat_csv(&l, 4, &[], &[]);
        for r in h.records.iter_mut() {
            if r.start.date_naive().to_string() == "2026-10-28" {
                r.offered *= 3.0;
            }
        }
        let horizon = Horizon::new(&l.scenario);
        let f = forecast(&l, &h, &horizon).unwrap();
        let e = f.findings.iter().find(|x| x.kind == "event").unwrap();
        assert!(e.message.contains("3.00"), "{}", e.message);
        for (iv, v) in horizon.intervals.iter().zip(&f.queues[0].volume) {
            let want = if iv.date.to_string() == "2026-11-11" {
                30.0
            } else {
                10.0
            };
            assert!(
                (v - want).abs() < 1e-6,
                "{} {}: {v}",
                iv.date,
                iv.minute_of_day
            );
        }
    }

    #[test]
    fn missing_intervals_are_imputed_and_reported() {
        let l = loaded("Asia/Shanghai", "2026-11-09", "", "");
        let h = flat_csv(&l, 4, &["2026-11-03T10:00", "2026-11-03T10:30"], &[]);
        let horizon = Horizon::new(&l.scenario);
        let f = forecast_with(&l, &h, &horizon, Some(ForecastMethod::SeasonalNaive)).unwrap();
        // Tuesday 10:00 would be 0 had the gap been read as zero.
        assert!(f.queues[0].volume.iter().all(|v| (v - 10.0).abs() < 1e-6));
        let m = f
            .findings
            .iter()
            .find(|x| x.kind == "missing_interval")
            .unwrap();
        assert_eq!(m.count, 2);
        // A whole missing day is reported too.
        let h = flat_csv(&l, 4, &["2026-11-03"], &[]);
        let f = forecast(&l, &h, &horizon).unwrap();
        assert!(kinds(&f).contains(&"missing_day"), "{:?}", f.findings);
        assert!(f.queues[0].volume.iter().all(|v| (v - 10.0).abs() < 1e-6));
    }

    #[test]
    fn outliers_are_damped_and_reported() {
        let l = loaded("Asia/Shanghai", "2026-11-09", "", "");
        let mut h = flat_csv(&l, 4, &[], &[]);
        let i = h
            .records
            .iter()
            .position(|r| r.start.to_rfc3339().starts_with("2026-11-03T10:00"))
            .unwrap();
        h.records[i].offered = 200.0;
        let horizon = Horizon::new(&l.scenario);
        let f = forecast_with(&l, &h, &horizon, Some(ForecastMethod::SeasonalNaive)).unwrap();
        let o = f.findings.iter().find(|x| x.kind == "outlier").unwrap();
        assert_eq!(o.count, 1);
        assert!(o.message.contains("200.0"), "{}", o.message);
        // Damped to median + 5 sigma, sigma = sqrt(10) (Poisson floor): about 25.8, not 200.
        let max = f.queues[0].volume.iter().cloned().fold(0.0, f64::max);
        assert!(max < 30.0, "{max}");
    }

    #[test]
    fn dst_days_of_23_and_25_hours() {
        // Europe/London: clocks go back on 2026-10-25 (25 h) and forward on
        // 2026-03-29 (23 h). A flat 10 per half hour must stay 10.
        for week_start in ["2026-11-02", "2026-04-06"] {
            let l = loaded("Europe/London", week_start, "", "");
            let h = flat_csv(&l, 4, &[], &[]);
            let horizon = Horizon::new(&l.scenario);
            for m in METHODS {
                let f = forecast_with(&l, &h, &horizon, Some(m)).unwrap();
                let d = f.findings.iter().find(|x| x.kind == "dst").unwrap();
                assert_eq!(d.count, 1, "{:?}", d);
                for v in &f.queues[0].volume {
                    assert!((v - 10.0).abs() < 0.5, "{week_start} {m:?}: {v}");
                }
            }
        }
        // The plan's own 25-hour day keeps 50 half hours of volume.
        let l = loaded("Europe/London", "2026-10-19", "", "");
        let h = flat_csv(&l, 4, &[], &[]);
        let horizon = Horizon::new(&l.scenario);
        let f = forecast(&l, &h, &horizon).unwrap();
        let sunday: f64 = horizon
            .intervals
            .iter()
            .zip(&f.queues[0].volume)
            .filter(|(iv, _)| iv.date.to_string() == "2026-10-25")
            .map(|(_, v)| v)
            .sum();
        assert!((sunday - 500.0).abs() < 1.0, "{sunday}");
    }

    #[test]
    fn history_in_another_zone_is_converted() {
        // History written in UTC local times for a Shanghai site: 02:00 UTC is 10:00 there.
        let l = loaded("Asia/Shanghai", "2026-11-09", "", "");
        let mut text = String::from("interval_start,queue,offered\n");
        for d in 0..28 {
            let date = NaiveDate::from_ymd_opt(2026, 10, 12).unwrap() + Duration::days(d);
            text += &format!("{date} 02:00,q,40\n");
        }
        let opts = crate::history::ReadOptions {
            timezone: Some(chrono_tz::UTC),
            ..Default::default()
        };
        let h = History::from_reader_with(
            text.as_bytes(),
            Path::new("h.csv"),
            chrono_tz::Asia::Shanghai,
            &["q"],
            &opts,
        )
        .unwrap();
        let horizon = Horizon::new(&l.scenario);
        let f = forecast_with(&l, &h, &horizon, Some(ForecastMethod::Decomposition)).unwrap();
        assert!(kinds(&f).contains(&"timezone"), "{:?}", f.findings);
        for (iv, v) in horizon.intervals.iter().zip(&f.queues[0].volume) {
            let want = if iv.minute_of_day == 600 { 40.0 } else { 0.0 };
            assert!(
                (v - want).abs() < 1e-6,
                "{} {}: {v}",
                iv.date,
                iv.minute_of_day
            );
        }
    }

    #[test]
    fn duplicates_keep_the_first_row_and_are_reported() {
        let l = loaded("Asia/Shanghai", "2026-11-09", "", "");
        let h = flat_csv(&l, 4, &[], &["2026-11-03 10:00,q,99"]);
        let horizon = Horizon::new(&l.scenario);
        let f = forecast_with(&l, &h, &horizon, Some(ForecastMethod::SeasonalNaive)).unwrap();
        assert!(kinds(&f).contains(&"duplicate"));
        assert!(f.queues[0].volume.iter().all(|v| (v - 10.0).abs() < 1e-6));
    }
}
