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
//! Methods (`methods.rs`): seasonal naive, multiplicative decomposition,
//! Holt-Winters on daily totals, a weekday level (day_of_month) and a
//! smoothed level, the last three with day-of-month factors and spread by
//! intraday shares, and `combined`, the mean of day_of_month and
//! smoothed_level. `auto` backtests them per queue over the last
//! `forecast.backtest_weeks` weeks, each week forecast as many weeks ahead
//! as the plan needs, and keeps `combined` unless another method's WAPE is
//! lower by more than a quarter. The plan's event multipliers multiply the forecast; it is zero
//! outside opening hours. The band is the forecast times the quantiles of
//! actual/forecast seen in that backtest, never narrower than Poisson.
//! Handle time is a contact-weighted weekday × slot mean, shrunk towards the
//! slot's mean over all weekdays and smoothed across neighbouring slots.

pub mod backtest;
pub mod external;
pub mod methods;
mod prepare;

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, Timelike};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{Error, Result};
use crate::history::{Finding, History};
use crate::horizon::Horizon;
use crate::scenario::{weekday_index, ForecastMethod, LoadedScenario, Queue, Scenario};

pub use backtest::Accuracy;
use methods::{median, Grid};
use prepare::{Cleaned, Raw};

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
    /// Agents required per interval as given by `requirements.file`, when
    /// it lists the queue: staffing takes them instead of Erlang's.
    pub required_agents: Option<Vec<f64>>,
    /// With `forecast.calibration_weeks`: the errors of the chosen method
    /// on each calibration day, forecast from the days before its week
    /// (the drill draws from them); empty without calibration.
    pub residual_days: Vec<ResidualDay>,
}

/// How one past day's actuals fell against its forecast: the day's total
/// over its forecast (`factor`) and, per slot of the day, the actual's
/// distance from the forecast times `factor`, in Poisson standard
/// deviations of that ((actual − factor × forecast) / √(factor × forecast);
/// `None` where the actual is unknown, the queue closed or that is zero).
#[derive(Debug, Clone, PartialEq)]
pub struct ResidualDay {
    pub date: NaiveDate,
    pub factor: f64,
    pub slots: Vec<Option<f64>>,
}

/// Residual days a queue needs for the drill (and `objective.risk`) to
/// draw from them.
pub const MIN_RESIDUAL_DAYS: usize = 10;

/// Residual days with their factors divided by their median: the drill
/// (and `objective.risk`) keeps the spread of the past days' levels but not their bias. On the
/// bank series' weeks before the held-out ones (docs/risk.md), the median
/// day error of the 8 weeks before a week did not predict that week's
/// (correlation 0.19 and 0.03), and 1 was nearer to it.
pub fn centred(days: &[ResidualDay]) -> Vec<ResidualDay> {
    let mut f: Vec<f64> = days.iter().map(|d| d.factor).collect();
    f.sort_by(|a, b| a.total_cmp(b));
    let median = match f.len() {
        0 => return Vec::new(),
        n if n % 2 == 1 => f[n / 2],
        n => 0.5 * (f[n / 2 - 1] + f[n / 2]),
    };
    if median <= 0.0 {
        return days.to_vec();
    }
    days.iter()
        .map(|d| ResidualDay {
            factor: d.factor / median,
            ..d.clone()
        })
        .collect()
}

/// The residual days of backtest cells `(forecast, naive, actual)` at
/// `(day, slot)` `keys`, day 0 on `start` (`slots` slots a day): one per run of
/// cells of the same day (a day forecast from two origins gives two), days
/// whose forecast total is zero left out.
fn residual_days(
    start: NaiveDate,
    slots: usize,
    cells: &[(f64, f64, f64)],
    keys: &[(usize, usize)],
) -> Vec<ResidualDay> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        let d = keys[i].0;
        let mut j = i;
        while j < keys.len() && keys[j].0 == d && (j == i || keys[j].1 > keys[j - 1].1) {
            j += 1;
        }
        let day = &cells[i..j];
        let (f, a): (f64, f64) = day.iter().fold((0.0, 0.0), |(f, a), c| (f + c.0, a + c.2));
        if f > 0.0 {
            let factor = a / f;
            let mut r = vec![None; slots];
            for (c, &(_, s)) in day.iter().zip(&keys[i..j]) {
                let m = factor * c.0;
                if m > 0.0 && s < slots {
                    r[s] = Some((c.2 - m) / m.sqrt());
                }
            }
            out.push(ResidualDay {
                date: start + Duration::days(d as i64),
                factor,
                slots: r,
            });
        }
        i = j;
    }
    out
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

/// A backtest at several forecast origins (`rota forecast --origins`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OriginBacktest {
    pub origins: Vec<NaiveDate>,
    /// Weeks forecast from each origin, scored apart (lead week 1 is the
    /// week-ahead forecast, 2 the two-weeks-ahead one).
    pub lead_weeks: u32,
    /// The methods backtested, in the order of [`BacktestCell::forecasts`]
    /// (then `auto`).
    pub methods: Vec<ForecastMethod>,
    pub queues: Vec<QueueOrigins>,
    pub findings: Vec<Finding>,
}

/// One queue's backtest at several origins.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueueOrigins {
    pub queue: String,
    pub origins: Vec<OriginAccuracy>,
    /// Mean over origins, per method and lead week.
    pub mean: Vec<LeadAccuracy>,
    /// Every scored cell.
    #[serde(skip)]
    pub cells: Vec<BacktestCell>,
    /// The history on the grid, as observed: (date, minute of day, actual)
    /// of every open slot of every weekday the queue opens, `None` when
    /// unknown (a missing day or interval).
    #[serde(skip)]
    pub history: Vec<(NaiveDate, u32, Option<f64>)>,
}

/// Accuracy of every method at one origin.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OriginAccuracy {
    pub origin: NaiveDate,
    /// The method `auto` chose at this origin.
    pub auto_method: ForecastMethod,
    pub accuracy: Vec<LeadAccuracy>,
}

/// Accuracy of one method (`auto` included) in one lead week.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LeadAccuracy {
    pub method: ForecastMethod,
    pub lead_week: u32,
    #[serde(flatten)]
    pub accuracy: Accuracy,
}

/// One scored cell of a backtest at several origins.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestCell {
    pub origin: NaiveDate,
    pub date: NaiveDate,
    /// Minute of the local day the interval starts.
    pub minute: u32,
    pub lead_week: u32,
    pub actual: f64,
    /// Forecasts of [`OriginBacktest::methods`], then of `auto`.
    pub forecasts: Vec<f64>,
}

const METHODS: [ForecastMethod; 6] = [
    ForecastMethod::SeasonalNaive,
    ForecastMethod::Decomposition,
    ForecastMethod::HoltWinters,
    ForecastMethod::DayOfMonth,
    ForecastMethod::SmoothedLevel,
    ForecastMethod::Combined,
];

/// The members of [`ForecastMethod::Combined`], averaged with equal weights.
pub const COMBINED: [ForecastMethod; 2] =
    [ForecastMethod::DayOfMonth, ForecastMethod::SmoothedLevel];

/// `auto` keeps [`ForecastMethod::Combined`] unless another method's
/// backtest WAPE is lower than its by more than this share.
pub const SWITCH_MARGIN: f64 = 0.25;

fn predict(
    method: ForecastMethod,
    g: &Grid,
    origin: usize,
    horizon: usize,
    weeks: usize,
) -> Vec<Vec<f64>> {
    predict_all(&[method], g, origin, horizon, weeks)
        .pop()
        .expect("one forecast")
}

/// The forecasts of `list`, each method computed once (`combined` reuses
/// its members').
fn predict_all(
    list: &[ForecastMethod],
    g: &Grid,
    origin: usize,
    horizon: usize,
    weeks: usize,
) -> Vec<Vec<Vec<f64>>> {
    let mut done: BTreeMap<ForecastMethod, Vec<Vec<f64>>> = BTreeMap::new();
    let needed = list.iter().flat_map(|&m| match m {
        ForecastMethod::Combined => COMBINED.to_vec(),
        m => vec![m],
    });
    for m in needed {
        done.entry(m).or_insert_with(|| match m {
            ForecastMethod::SeasonalNaive => methods::seasonal_naive(g, origin, horizon),
            ForecastMethod::HoltWinters => methods::holt_winters(g, origin, horizon, weeks),
            ForecastMethod::DayOfMonth => methods::day_of_month(g, origin, horizon, weeks),
            ForecastMethod::SmoothedLevel => methods::smoothed_level(g, origin, horizon, weeks),
            ForecastMethod::Decomposition
            | ForecastMethod::Combined
            | ForecastMethod::Auto
            | ForecastMethod::File => methods::decomposition(g, origin, horizon, weeks),
        });
    }
    list.iter()
        .map(|m| match m {
            ForecastMethod::Combined => {
                methods::mean_of(&COMBINED.iter().map(|c| &done[c]).collect::<Vec<_>>())
            }
            m => done[m].clone(),
        })
        .collect()
}

/// One queue's history on the grid, with its cleaning for the plan.
struct QueueHistory<'a> {
    sc: &'a Scenario,
    q: &'a Queue,
    raw: Raw,
    /// Cleaned with every day before the plan.
    full: Cleaned,
}

/// Auto's choice at an origin, from a backtest of the weeks before it.
struct Choice {
    /// Accuracy of each candidate with cells to score.
    tried: Vec<(ForecastMethod, Accuracy)>,
    /// The candidate with the lowest WAPE (the first on ties); `None` when
    /// no week could be held out.
    chosen: Option<ForecastMethod>,
    /// `(forecast, seasonal naive, actual)` cells of the chosen candidate.
    cells: Vec<(f64, f64, f64)>,
    /// The `(day, slot)` of each of `cells`.
    keys: Vec<(usize, usize)>,
}

impl<'a> QueueHistory<'a> {
    fn new(
        loaded: &'a LoadedScenario,
        q: &'a Queue,
        history: &History,
        step: u32,
        findings: &mut Vec<Finding>,
    ) -> Result<QueueHistory<'a>> {
        let sc = &loaded.scenario;
        let raw = prepare::read(sc, q, history, step, sc.planning.week_start, findings)
            .ok_or_else(|| no_history(loaded, q))?;
        let full = prepare::clean(sc, q, &raw, raw.days(), None, findings);
        full.report(q, step, sc.forecast.outlier_threshold, findings);
        Ok(QueueHistory { sc, q, raw, full })
    }

    /// The history before day `cutoff`, cleaned with those days only.
    fn cleaned(&self, cutoff: usize) -> Cow<'_, Cleaned> {
        if cutoff >= self.full.cutoff {
            Cow::Borrowed(&self.full)
        } else {
            Cow::Owned(prepare::clean(
                self.sc,
                self.q,
                &self.raw,
                cutoff,
                Some(&self.full),
                &mut Vec::new(),
            ))
        }
    }

    /// The `days` days from `c.cutoff` on by `method` (not `auto`), before
    /// event multipliers.
    fn predict(&self, c: &Cleaned, method: ForecastMethod, days: usize) -> Vec<Vec<f64>> {
        let weeks = self.sc.history.weeks as usize;
        predict(method, &c.grid, c.cutoff, days, weeks)
    }

    /// Event multiplier of day `d`, with the multipliers learned in `c`.
    fn multiplier(&self, c: &Cleaned, d: usize) -> f64 {
        prepare::multiplier(self.sc, self.q, &c.learned, self.raw.date(d))
    }

    /// Cells scored in the `days` days from `origin` on: `(day, slot,
    /// actual)` where the queue is open and the actual is known.
    fn scored(&self, origin: usize, days: usize) -> Vec<(usize, usize, f64)> {
        let mut out = Vec::new();
        for d in origin..(origin + days).min(self.raw.days()) {
            let Some(row) = &self.raw.actual[d] else {
                continue;
            };
            for (s, y) in row.iter().enumerate() {
                if let (Some(y), true) = (y, self.raw.open[s]) {
                    out.push((d, s, *y));
                }
            }
        }
        out
    }

    /// Backtests `candidates` on the `weeks` weeks before `origin`, each
    /// week forecast 1 to `leads` weeks ahead (from the days before it,
    /// cleaned with those days only), and picks one: the lowest WAPE over
    /// all those forecasts, but `combined`, when it is a candidate, unless
    /// that WAPE is lower than its by more than [`SWITCH_MARGIN`].
    fn choose(
        &self,
        origin: usize,
        candidates: &[ForecastMethod],
        weeks: u32,
        leads: u32,
    ) -> Choice {
        let (weeks, leads) = (weeks as usize, leads.max(1) as usize);
        let mut cells: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new(); candidates.len()];
        let mut keys = Vec::new();
        // From the origin j weeks back, lead week l forecasts the week
        // j + 1 - l weeks back: one of the `weeks` weeks when that is 1 to `weeks`.
        for j in (1..weeks + leads).rev() {
            let Some(o) = origin.checked_sub(7 * j) else {
                continue;
            };
            let (first, last) = ((j + 1).saturating_sub(weeks).max(1), leads.min(j));
            if o < 14 || first > last {
                continue;
            }
            let c = self.cleaned(o);
            let hist = self.sc.history.weeks as usize;
            let naive = methods::seasonal_naive(&c.grid, o, 7 * last);
            let forecasts = predict_all(candidates, &c.grid, o, 7 * last, hist);
            let scored = self.scored(o + 7 * (first - 1), 7 * (last + 1 - first));
            keys.extend(scored.iter().map(|&(d, s, _)| (d, s)));
            for (f, cells) in forecasts.iter().zip(cells.iter_mut()) {
                for &(d, s, y) in &scored {
                    let mult = self.multiplier(&c, d);
                    cells.push((f[d - o][s] * mult, naive[d - o][s] * mult, y));
                }
            }
        }
        let mut choice = Choice {
            tried: Vec::new(),
            chosen: None,
            cells: Vec::new(),
            keys: Vec::new(),
        };
        let mut best: Option<(f64, usize)> = None;
        let mut combined: Option<(f64, usize)> = None;
        for (i, (&m, cells)) in candidates.iter().zip(&cells).enumerate() {
            if cells.is_empty() {
                continue;
            }
            let acc = backtest::score(cells);
            if best.is_none_or(|(w, _)| acc.wape < w) {
                best = Some((acc.wape, i));
            }
            if m == ForecastMethod::Combined {
                combined = Some((acc.wape, i));
            }
            choice.tried.push((m, acc));
        }
        let pick = match (best, combined) {
            (Some((b, _)), Some((c, i))) if b >= (1.0 - SWITCH_MARGIN) * c => Some(i),
            (best, _) => best.map(|(_, i)| i),
        };
        if let Some(i) = pick {
            choice.chosen = Some(candidates[i]);
            choice.cells = std::mem::take(&mut cells[i]);
            choice.keys = keys;
        }
        choice
    }
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

/// A split-conformal band: quantiles of the calibration cells' errors in
/// Poisson standard deviations, (actual − forecast) / √forecast, per
/// weekday and hour of the day, per hour where a weekday's hour has too
/// few scores, and over all cells where an hour has too few. The band is
/// forecast + quantile × √forecast (at least 0).
struct Conformal {
    by_weekday_hour: BTreeMap<(usize, u32), (f64, f64)>,
    by_hour: BTreeMap<u32, (f64, f64)>,
    all: (f64, f64),
}

/// Scores a group needs for its own quantiles.
const CONFORMAL_MIN_SCORES: usize = 30;

impl Conformal {
    /// From the calibration cells `cells` at `(day, slot)` `keys` of the
    /// history `raw` (slots of `step` minutes); `None` without enough cells.
    fn new(
        raw: &Raw,
        step: u32,
        cells: &[(f64, f64, f64)],
        keys: &[(usize, usize)],
        band: [f64; 2],
    ) -> Option<Conformal> {
        let mut wh: BTreeMap<(usize, u32), Vec<f64>> = BTreeMap::new();
        let mut hr: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        let mut all = Vec::new();
        for (c, &(d, s)) in cells.iter().zip(keys) {
            if c.0 <= 0.0 {
                continue;
            }
            // The error in Poisson standard deviations of the forecast.
            let r = (c.2 - c.0) / c.0.sqrt();
            let hour = s as u32 * step / 60;
            wh.entry((weekday_index(raw.date(d)), hour))
                .or_default()
                .push(r);
            hr.entry(hour).or_default().push(r);
            all.push(r);
        }
        let q = |mut r: Vec<f64>| -> Option<(f64, f64)> {
            if r.len() < CONFORMAL_MIN_SCORES {
                return None;
            }
            r.sort_by(|a, b| a.total_cmp(b));
            // Split-conformal ranks: the ⌊(n + 1) p⌋-th smallest score for
            // the lower end, the ⌈(n + 1) p⌉-th for the upper.
            let n = r.len();
            let rank = |k: f64| r[(k as usize).clamp(1, n) - 1];
            Some((
                rank(((n + 1) as f64 * band[0]).floor()).min(0.0),
                rank(((n + 1) as f64 * band[1]).ceil()).max(0.0),
            ))
        };
        Some(Conformal {
            all: q(all)?,
            by_weekday_hour: wh
                .into_iter()
                .filter_map(|(k, r)| Some((k, q(r)?)))
                .collect(),
            by_hour: hr
                .into_iter()
                .filter_map(|(k, r)| Some((k, q(r)?)))
                .collect(),
        })
    }

    /// The band's error quantiles on `date` at local `minute`.
    fn at(&self, date: NaiveDate, minute: u32) -> (f64, f64) {
        let hour = minute / 60;
        self.by_weekday_hour
            .get(&(weekday_index(date), hour))
            .or_else(|| self.by_hour.get(&hour))
            .copied()
            .unwrap_or(self.all)
    }
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
    let step = horizon.interval_minutes;
    let method = method.unwrap_or(sc.forecast.method);
    let hw = sc.history.weeks as usize;
    let mut findings = history.findings.clone();
    let mut from_file = external::forecast_file(loaded, horizon, &mut findings)?;
    let mut required = external::requirements_file(loaded, horizon, &mut findings)?;
    let mut queues = Vec::new();
    for q in &sc.queues {
        let required_agents = required.remove(&q.id);
        if let Some(f) = from_file.remove(&q.id) {
            queues.push(file_forecast(sc, q, f, required_agents));
            continue;
        }
        if !sc.has_history() {
            return Err(Error::input(
                &loaded.path,
                None,
                Some("forecast.file"),
                format!(
                    "queue `{}` is not in forecast.file and the scenario has no history to forecast it from",
                    q.id
                ),
            ));
        }
        let h = QueueHistory::new(loaded, q, history, step, &mut findings)?;
        let candidates: &[ForecastMethod] = if method == ForecastMethod::Auto {
            &METHODS
        } else {
            std::slice::from_ref(&method)
        };
        let origin = h.raw.days();
        let ndays = horizon.dates.len();
        let leads = ndays.div_ceil(7) as u32;
        let choice = h.choose(origin, candidates, sc.forecast.backtest_weeks, leads);
        let chosen = choice.chosen.unwrap_or(if method == ForecastMethod::Auto {
            ForecastMethod::Decomposition
        } else {
            method
        });
        let (lo, hi) = band_ratios(&choice.cells, sc.forecast.band);
        let cal = sc
            .forecast
            .calibration_weeks
            .filter(|&w| w > 0)
            .map(|w| h.choose(origin, &[chosen], w, leads));
        let conformal = cal
            .as_ref()
            .and_then(|cal| Conformal::new(&h.raw, step, &cal.cells, &cal.keys, sc.forecast.band));
        let residual_days = cal.as_ref().map_or_else(Vec::new, |cal| {
            residual_days(h.raw.start, (1440 / step) as usize, &cal.cells, &cal.keys)
        });
        let z_lo = Normal::standard().inverse_cdf(sc.forecast.band[0]);
        let z_hi = Normal::standard().inverse_cdf(sc.forecast.band[1]);
        let pred = h.predict(&h.full, chosen, ndays);
        let base = methods::decomposition(&h.full.grid, origin, ndays, hw);
        let mut volume = Vec::with_capacity(horizon.intervals.len());
        let (mut p10, mut p90) = (Vec::new(), Vec::new());
        let (mut sum_pred, mut sum_base) = (0.0, 0.0);
        for iv in &horizon.intervals {
            let slot = (iv.minute_of_day / step) as usize;
            let v = if prepare::open_at(q, iv.minute_of_day) {
                sum_pred += pred[iv.day][slot];
                sum_base += base[iv.day][slot];
                pred[iv.day][slot] * h.multiplier(&h.full, origin + iv.day)
            } else {
                0.0
            };
            volume.push(v);
            if let Some(c) = &conformal {
                let (e_lo, e_hi) = c.at(iv.date, iv.minute_of_day);
                p10.push((v + e_lo * v.sqrt()).max(0.0));
                p90.push(v + e_hi * v.sqrt());
                continue;
            }
            p10.push((v * lo).min(v + z_lo * v.sqrt()).max(0.0));
            p90.push((v * hi).max(v + z_hi * v.sqrt()));
        }
        let aht_seconds = forecast_aht(loaded, q, history, horizon, &mut findings)?;
        queues.push(QueueForecast {
            queue: q.id.clone(),
            volume,
            aht_seconds,
            days_used: h.raw.days_present,
            level_factor: if sum_base > 0.0 {
                sum_pred / sum_base
            } else {
                1.0
            },
            volume_p10: p10,
            volume_p90: p90,
            method: chosen,
            backtest: choice.tried,
            required_agents,
            residual_days,
        });
    }
    Ok(Forecast { queues, findings })
}

/// What really arrived in the planned intervals, per queue (scenario
/// order) and interval: the history of the horizon's own days on the plan's
/// grid as observed (finer intervals summed, a partly covered interval
/// scaled up, nothing cleaned), `None` where unknown (a day or interval
/// with no row). Zero outside opening hours, where nothing is judged.
pub fn actuals(
    loaded: &LoadedScenario,
    history: &History,
    horizon: &Horizon,
) -> Vec<Vec<Option<f64>>> {
    let sc = &loaded.scenario;
    let step = horizon.interval_minutes;
    let Some(&last) = horizon.dates.last() else {
        return Vec::new();
    };
    let after = last + Duration::days(1);
    sc.queues
        .iter()
        .map(|q| {
            let raw = prepare::read(sc, q, history, step, after, &mut Vec::new());
            horizon
                .intervals
                .iter()
                .map(|iv| {
                    if !prepare::open_at(q, iv.minute_of_day) {
                        return Some(0.0);
                    }
                    let raw = raw.as_ref()?;
                    if iv.date < raw.start {
                        return None;
                    }
                    let row = raw.actual.get(raw.day(iv.date))?.as_ref()?;
                    *row.get((iv.minute_of_day / step) as usize)?
                })
                .collect()
        })
        .collect()
}

/// A queue's forecast as `forecast.file` gives it: its band where given,
/// else the Poisson band f ± z√f (quantiles `forecast.band`).
fn file_forecast(
    sc: &Scenario,
    q: &Queue,
    f: external::FileForecast,
    required_agents: Option<Vec<f64>>,
) -> QueueForecast {
    let z = sc.forecast.band.map(|p| Normal::standard().inverse_cdf(p));
    let poisson = |v: f64, z: f64| (v + z * v.sqrt()).max(0.0);
    QueueForecast {
        queue: q.id.clone(),
        volume_p10: (f.volume.iter().zip(&f.volume_p10))
            .map(|(&v, p)| p.unwrap_or_else(|| poisson(v, z[0])))
            .collect(),
        volume_p90: (f.volume.iter().zip(&f.volume_p90))
            .map(|(&v, p)| p.unwrap_or_else(|| poisson(v, z[1])))
            .collect(),
        volume: f.volume,
        aht_seconds: f.aht_seconds,
        days_used: 0,
        level_factor: 1.0,
        method: ForecastMethod::File,
        backtest: Vec::new(),
        required_agents,
        residual_days: Vec::new(),
    }
}

fn too_short(loaded: &LoadedScenario, q: &Queue, what: String) -> Error {
    Error::input(
        &loaded.history_path,
        None,
        Some("queue"),
        format!("queue `{}`: too little history {what}", q.id),
    )
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
    let mut findings = history.findings.clone();
    let mut queues = Vec::new();
    for q in &sc.queues {
        let h = QueueHistory::new(loaded, q, history, horizon.interval_minutes, &mut findings)?;
        let choice = h.choose(h.raw.days(), &METHODS, weeks, 1);
        if choice.tried.len() < METHODS.len() || h.raw.days() < 7 * weeks as usize + 14 {
            return Err(too_short(
                loaded,
                q,
                format!("to hold out {weeks} weeks (each held-out week needs two weeks before it)"),
            ));
        }
        queues.push(QueueBacktest {
            queue: q.id.clone(),
            methods: choice
                .tried
                .iter()
                .map(|&(method, accuracy)| MethodAccuracy { method, accuracy })
                .collect(),
            best: choice.chosen.unwrap_or(ForecastMethod::Decomposition),
        });
    }
    Ok(Backtest {
        weeks,
        queues,
        findings,
    })
}

/// The forecast origins of a backtest over the `weeks` weeks before
/// `plan_start`: `count` of them, the first `weeks` weeks before the plan,
/// the last `lead_weeks` weeks before it (so that every origin's
/// `lead_weeks` weeks are known), the others evenly between them, in whole
/// weeks. `None` when they would not be distinct weeks.
pub fn origins(
    plan_start: NaiveDate,
    weeks: u32,
    count: u32,
    lead_weeks: u32,
) -> Option<Vec<NaiveDate>> {
    if count == 0 || lead_weeks == 0 || weeks < lead_weeks + count - 1 {
        return None;
    }
    let first = plan_start - Duration::weeks(weeks as i64);
    let span = (weeks - lead_weeks) as f64;
    Some(
        (0..count)
            .map(|i| {
                let w = if count == 1 {
                    0.0
                } else {
                    (i as f64 * span / (count - 1) as f64).round()
                };
                first + Duration::weeks(w as i64)
            })
            .collect(),
    )
}

/// Backtests every method and `auto` at each of `origins`: each origin's
/// forecast of the `lead_weeks` weeks from it is made from the history
/// before it only (cleaned with those days; `auto` chooses by its own
/// backtest of the `forecast.backtest_weeks` weeks before the origin), and
/// scored per lead week on the cells where the queue is open and the actual
/// is known.
pub fn backtest_origins(
    loaded: &LoadedScenario,
    history: &History,
    horizon: &Horizon,
    origins: &[NaiveDate],
    lead_weeks: u32,
) -> Result<OriginBacktest> {
    let sc = &loaded.scenario;
    let step = horizon.interval_minutes;
    let days = 7 * lead_weeks as usize;
    let mut findings = history.findings.clone();
    let mut queues = Vec::new();
    for q in &sc.queues {
        let h = QueueHistory::new(loaded, q, history, step, &mut findings)?;
        let mut result = QueueOrigins {
            queue: q.id.clone(),
            origins: Vec::new(),
            mean: Vec::new(),
            cells: Vec::new(),
            history: Vec::new(),
        };
        for &date in origins {
            let o = h.raw.day(date);
            if date < h.raw.start + Duration::days(14) || o + days > h.raw.days() {
                return Err(too_short(
                    loaded,
                    q,
                    format!("for the origin {date}: it needs two weeks of history before it and {lead_weeks} weeks after it before {}", sc.planning.week_start),
                ));
            }
            let c = h.cleaned(o);
            let choice = h.choose(o, &METHODS, sc.forecast.backtest_weeks, lead_weeks);
            let auto = choice.chosen.unwrap_or(ForecastMethod::Decomposition);
            let naive = methods::seasonal_naive(&c.grid, o, days);
            let forecasts = predict_all(&METHODS, &c.grid, o, days, sc.history.weeks as usize);
            let auto_index = METHODS.iter().position(|&m| m == auto).expect("a method");
            let mut scored: Vec<Vec<Vec<(f64, f64, f64)>>> =
                vec![vec![Vec::new(); lead_weeks as usize]; METHODS.len() + 1];
            for (d, s, y) in h.scored(o, days) {
                let k = d - o;
                let mult = h.multiplier(&c, d);
                let n = naive[k][s] * mult;
                let mut values: Vec<f64> = forecasts.iter().map(|f| f[k][s] * mult).collect();
                values.push(values[auto_index]);
                for (i, &f) in values.iter().enumerate() {
                    scored[i][k / 7].push((f, n, y));
                }
                result.cells.push(BacktestCell {
                    origin: date,
                    date: h.raw.date(d),
                    minute: s as u32 * step,
                    lead_week: (k / 7 + 1) as u32,
                    actual: y,
                    forecasts: values,
                });
            }
            let mut accuracy = Vec::new();
            for (i, per_lead) in scored.iter().enumerate() {
                for (l, cells) in per_lead.iter().enumerate() {
                    accuracy.push(LeadAccuracy {
                        method: METHODS.get(i).copied().unwrap_or(ForecastMethod::Auto),
                        lead_week: l as u32 + 1,
                        accuracy: backtest::score(cells),
                    });
                }
            }
            result.origins.push(OriginAccuracy {
                origin: date,
                auto_method: auto,
                accuracy,
            });
        }
        result.mean = mean_over_origins(&result.origins);
        for d in 0..h.raw.days() {
            let date = h.raw.date(d);
            if !h.raw.open_weekdays[weekday_index(date)] {
                continue;
            }
            for s in (0..h.raw.open.len()).filter(|&s| h.raw.open[s]) {
                let actual = h.raw.actual[d].as_ref().and_then(|r| r[s]);
                result.history.push((date, s as u32 * step, actual));
            }
        }
        queues.push(result);
    }
    Ok(OriginBacktest {
        origins: origins.to_vec(),
        lead_weeks,
        methods: METHODS.to_vec(),
        queues,
        findings,
    })
}

/// Mean over origins of each method's WAPE, MASE and bias per lead week
/// (cells and actuals summed).
fn mean_over_origins(origins: &[OriginAccuracy]) -> Vec<LeadAccuracy> {
    let Some(first) = origins.first() else {
        return Vec::new();
    };
    let n = origins.len() as f64;
    (0..first.accuracy.len())
        .map(|i| {
            let each = origins.iter().map(|o| o.accuracy[i].accuracy);
            let mean = |f: fn(&Accuracy) -> f64| each.clone().map(|a| f(&a)).sum::<f64>() / n;
            LeadAccuracy {
                method: first.accuracy[i].method,
                lead_week: first.accuracy[i].lead_week,
                accuracy: Accuracy {
                    wape: mean(|a| a.wape),
                    mase: mean(|a| a.mase),
                    bias: mean(|a| a.bias),
                    cells: each.clone().map(|a| a.cells).sum(),
                    actual_total: each.map(|a| a.actual_total).sum(),
                },
            }
        })
        .collect()
}

/// Handle time per interval: contact-weighted mean per weekday and slot over
/// the last `history.weeks` weeks, shrunk towards the slot's mean over all
/// weekdays (as if 30 more contacts had the slot mean), then smoothed with
/// the neighbouring slots (weights 1-2-1).
///
/// Calendar events multiply it on their dates by their `aht_multiplier`, or
/// by the one learned from past dates of events of the same name
/// ([`prepare::learn_event_aht`]), and are divided out of the history days
/// they cover before learning.
fn forecast_aht(
    loaded: &LoadedScenario,
    q: &Queue,
    history: &History,
    horizon: &Horizon,
    findings: &mut Vec<Finding>,
) -> Result<Vec<f64>> {
    let sc = &loaded.scenario;
    let learned = prepare::learn_event_aht(sc, q, history, &horizon.dates, findings);
    let mult = |date: NaiveDate| prepare::aht_multiplier(sc, q, &learned, date);
    let base = match q.aht_seconds {
        Some(fixed) => vec![fixed; horizon.intervals.len()],
        None => slot_aht(loaded, q, history, horizon, &mult)?,
    };
    Ok(base
        .iter()
        .zip(&horizon.intervals)
        .map(|(a, iv)| a * mult(iv.date))
        .collect())
}

/// Handle time per planned interval from history, events divided out by `mult`.
fn slot_aht(
    loaded: &LoadedScenario,
    q: &Queue,
    history: &History,
    horizon: &Horizon,
    mult: &dyn Fn(NaiveDate) -> f64,
) -> Result<Vec<f64>> {
    const PRIOR_CONTACTS: f64 = 30.0;
    let sc = &loaded.scenario;
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
        let m = mult(date);
        if let Some(aht) = r.aht_seconds.filter(|_| m > 0.0).map(|a| a / m) {
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

    #[test]
    fn residual_days_keep_each_days_level_and_its_intraday_errors() {
        let start = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        // Day 3 forecast 10, 20, 30 and 40 arrived 12, 18, 36 and 0 (66 of 60,
        // factor 1.1); day 4 forecast from two origins, 50 then 40 in slot 1
        // (two days); day 5 forecast zero (left out).
        let cells = [
            (10.0, 0.0, 12.0),
            (20.0, 0.0, 18.0),
            (30.0, 0.0, 36.0),
            (0.0, 0.0, 0.0),
            (50.0, 0.0, 45.0),
            (40.0, 0.0, 45.0),
            (0.0, 0.0, 3.0),
        ];
        let keys = [(3, 0), (3, 1), (3, 2), (3, 3), (4, 1), (4, 1), (5, 0)];
        let days = residual_days(start, 4, &cells, &keys);
        assert_eq!(days.len(), 3);
        let d = &days[0];
        assert_eq!(d.date, NaiveDate::from_ymd_opt(2026, 3, 5).unwrap());
        assert!((d.factor - 1.1).abs() < 1e-12);
        let want = [
            (12.0 - 11.0) / 11f64.sqrt(),
            (18.0 - 22.0) / 22f64.sqrt(),
            (36.0 - 33.0) / 33f64.sqrt(),
        ];
        for (s, w) in want.iter().enumerate() {
            assert!((d.slots[s].unwrap() - w).abs() < 1e-12, "slot {s}");
        }
        assert_eq!(d.slots[3], None);
        assert!((days[1].factor - 0.9).abs() < 1e-12);
        assert_eq!(days[1].slots, vec![None, Some(0.0), None, None]);
        assert!((days[2].factor - 45.0 / 40.0).abs() < 1e-12);
        assert_eq!(days[2].date, days[1].date);
    }
    use crate::history::generate::{generate, HistorySpec};
    use crate::history::Record;
    use crate::horizon::local_midnight;
    use std::path::{Path, PathBuf};

    fn loaded(tz: &str, week_start: &str, extra: &str, queue_extra: &str) -> LoadedScenario {
        loaded_with(
            tz,
            week_start,
            extra,
            &format!(", aht_seconds: 200{queue_extra}"),
        )
    }

    /// A one-queue scenario; `queue` adds to the queue's fields.
    fn loaded_with(tz: &str, week_start: &str, extra: &str, queue: &str) -> LoadedScenario {
        let y = format!(
            r#"
name: t
site: {{ name: s, timezone: {tz} }}
planning: {{ week_start: {week_start}, days: 7, interval_minutes: 30 }}
history: {{ file: h.csv, weeks: 4 }}
{extra}
queues:
  - {{ id: q, channel: voice, service_level: {{ target: 0.8, seconds: 20 }} {queue} }}
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
        history_csv(l, weeks, skip, extra, None)
    }

    /// Like [`flat_csv`], with a handle-time column from `aht` by date.
    fn history_csv(
        l: &LoadedScenario,
        weeks: i64,
        skip: &[&str],
        extra: &[&str],
        aht: Option<&dyn Fn(NaiveDate) -> f64>,
    ) -> History {
        let sc = &l.scenario;
        let tz = sc.site.timezone;
        let mut text = String::from("interval_start,queue,offered");
        text += if aht.is_some() {
            ",aht_seconds\n"
        } else {
            "\n"
        };
        let end = local_midnight(tz, sc.planning.week_start);
        let mut t = local_midnight(tz, sc.planning.week_start - Duration::weeks(weeks));
        while t < end {
            let s = t.to_rfc3339();
            if !skip.iter().any(|k| s.starts_with(k)) {
                text += &format!("{s},q,10");
                if let Some(aht) = aht {
                    text += &format!(",{}", aht(t.date_naive()));
                }
                text += "\n";
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
    fn a_conformal_band_is_as_wide_as_the_errors_it_was_calibrated_on() {
        // A flat 10 a half hour, 12 on the Mondays of even weeks: the
        // forecast misses by at most 2, on Mondays only.
        let cal = "forecast: { calibration_weeks: 8 }";
        let l = loaded("Asia/Shanghai", "2026-11-09", cal, "");
        let mut h = flat_csv(&l, 12, &[], &[]);
        for r in h.records.iter_mut() {
            use chrono::Datelike;
            let day = r.start.date_naive();
            if day.weekday() == chrono::Weekday::Mon && day.iso_week().week() % 2 == 0 {
                r.offered = 12.0;
            }
        }
        let horizon = Horizon::new(&l.scenario);
        let f = &forecast(&l, &h, &horizon).unwrap().queues[0];
        // Without calibration the band is never narrower than Poisson's.
        let plain = loaded("Asia/Shanghai", "2026-11-09", "", "");
        let g = &forecast(&plain, &h, &horizon).unwrap().queues[0];
        for t in 0..horizon.intervals.len() {
            let (v, lo, hi) = (f.volume[t], f.volume_p10[t], f.volume_p90[t]);
            assert!(lo <= v && v <= hi, "{lo} {v} {hi}");
            assert!(g.volume_p90[t] >= g.volume[t] + 1.28 * g.volume[t].sqrt() - 1e-9);
            // Errors of at most 2 contacts in 10 to 12: the calibrated band
            // is within 2 contacts of the forecast, narrower than Poisson's
            // ±1.28 √10 = ±4.05.
            assert!(
                hi - v <= 2.0 + 1e-9 && v - lo <= 2.0 + 1e-9,
                "{lo} {v} {hi}"
            );
        }
        assert!(f.volume_p90.iter().zip(&f.volume).any(|(p, v)| p > v));
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

    #[test]
    fn origins_are_spread_in_whole_weeks() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // 24 weeks, 6 origins, 2 weeks ahead: 22 weeks between the first and
        // the last, steps of 4.4 weeks rounded: 0, 4, 9, 13, 18, 22.
        let o = origins(d("2003-10-27"), 24, 6, 2).unwrap();
        let want: Vec<NaiveDate> = [
            "2003-05-12",
            "2003-06-09",
            "2003-07-14",
            "2003-08-11",
            "2003-09-15",
            "2003-10-13",
        ]
        .iter()
        .map(|s| d(s))
        .collect();
        assert_eq!(o, want);
        assert_eq!(
            origins(d("2003-10-27"), 4, 1, 2).unwrap(),
            [d("2003-09-29")]
        );
        // Five origins cannot be distinct weeks in 5 weeks with 2 ahead.
        assert!(origins(d("2003-10-27"), 5, 5, 2).is_none());
        assert!(origins(d("2003-10-27"), 6, 5, 2).is_some());
    }

    /// A generated Berlin queue open 08:00-20:00, 3000 calls a weekday
    /// (Saturdays half, Sundays 0.3), from `start` to 2026-05-03 with
    /// `fields` added to its spec, and a scenario planning the week after.
    fn berlin(seed: u64, start: &str, fields: &str) -> (HistorySpec, LoadedScenario) {
        let spec = HistorySpec::from_yaml_str(&format!(
            r#"
seed: {seed}
timezone: Europe/Berlin
interval_minutes: 30
start_date: {start}
end_date: 2026-05-03
queues:
  - {{ name: q, open: "08:00", close: "20:00", daily_volume: 3000, aht_seconds: 240, {fields},
       weekday_factors: {{ sat: 0.5, sun: 0.3 }},
       profile: {{ floor: 0.2, bumps: [ {{ center: "11:00", width_hours: 2.0, weight: 1.0 }} ] }} }}
"#
        ))
        .unwrap();
        let l = loaded(
            "Europe/Berlin",
            "2026-05-04",
            "",
            r#", open: "08:00", close: "20:00""#,
        );
        (spec, l)
    }

    #[test]
    fn a_backtest_never_sees_the_days_after_its_origin() {
        // Generated history with noise; then every day from the origin on is
        // multiplied by 5. Forecasts made at the origin must not change: the
        // cleaning (anomalous days, outliers) and the choice of `auto` only
        // look at the days before it.
        let (spec, l) = berlin(11, "2026-01-05", "day_noise_cv: 0.1");
        let tz = chrono_tz::Europe::Berlin;
        let horizon = Horizon::new(&l.scenario);
        let origin = NaiveDate::from_ymd_opt(2026, 3, 30).unwrap();
        let run = |factor: f64| {
            let records: Vec<Record> = generate(&spec)
                .unwrap()
                .iter()
                .map(|r| {
                    let mut r = r.to_record(tz);
                    if r.start.date_naive() >= origin {
                        r.offered *= factor;
                    }
                    r
                })
                .collect();
            let history = History {
                records,
                ..History::default()
            };
            backtest_origins(&l, &history, &horizon, &[origin], 2).unwrap()
        };
        let (a, b) = (run(1.0), run(5.0));
        let (ca, cb) = (&a.queues[0].cells, &b.queues[0].cells);
        assert_eq!(ca.len(), cb.len());
        assert!(!ca.is_empty());
        for (x, y) in ca.iter().zip(cb) {
            assert_eq!(x.forecasts, y.forecasts, "{} {}", x.date, x.minute);
            assert!((y.actual - 5.0 * x.actual).abs() < 1e-9);
        }
        assert_eq!(
            a.queues[0].origins[0].auto_method,
            b.queues[0].origins[0].auto_method
        );
    }

    /// `auto` on 16 weeks of generated history growing by `trend` a week.
    fn auto_on_trend(trend: f64) -> QueueForecast {
        let fields = format!("day_noise_cv: 0.05, trend_per_week: {trend}");
        let (spec, l) = berlin(5, "2026-01-12", &fields);
        let records = generate(&spec)
            .unwrap()
            .iter()
            .map(|r| r.to_record(chrono_tz::Europe::Berlin))
            .collect();
        let history = History {
            records,
            ..History::default()
        };
        let horizon = Horizon::new(&l.scenario);
        let mut f = forecast(&l, &history, &horizon).unwrap();
        f.queues.remove(0)
    }

    #[test]
    fn auto_keeps_the_combination_unless_another_method_is_far_better() {
        let wape = |q: &QueueForecast, m: ForecastMethod| {
            q.backtest.iter().find(|(x, _)| *x == m).unwrap().1.wape
        };
        // A steady queue: the combination, although another method's
        // backtest WAPE is a little lower.
        let q = auto_on_trend(1.0);
        assert_eq!(q.method, ForecastMethod::Combined);
        assert_eq!(q.backtest.len(), METHODS.len());
        let combined = wape(&q, ForecastMethod::Combined);
        assert!(q.backtest.iter().any(|(_, a)| a.wape < combined));
        // Growing 8 % a week: the combination (no trend) lags, and a method
        // with a trend beats it by more than a quarter.
        let q = auto_on_trend(1.08);
        assert_ne!(q.method, ForecastMethod::Combined);
        let best = q
            .backtest
            .iter()
            .min_by(|a, b| a.1.wape.total_cmp(&b.1.wape))
            .unwrap();
        assert_eq!(q.method, best.0);
        assert!(best.1.wape < 0.75 * wape(&q, ForecastMethod::Combined));
    }

    /// A scenario whose queue has no fixed handle time, with `events`, and
    /// four weeks of history: 10 contacts per half hour of 200 s, 300 s on
    /// 2026-10-28 (a Wednesday).
    fn aht_case(events: &str) -> (LoadedScenario, History, Horizon) {
        let calendar = format!("calendar: {{ events: [ {events} ] }}");
        let l = loaded_with("Asia/Shanghai", "2026-11-09", &calendar, "");
        let aht = |d: NaiveDate| {
            if d.to_string() == "2026-10-28" {
                300.0
            } else {
                200.0
            }
        };
        let h = history_csv(&l, 4, &[], &[], Some(&aht));
        let horizon = Horizon::new(&l.scenario);
        (l, h, horizon)
    }

    /// Handle time forecast per planned date (the same at every interval).
    fn aht_by_date(f: &Forecast, horizon: &Horizon) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for (iv, a) in horizon.intervals.iter().zip(&f.queues[0].aht_seconds) {
            let prev = out.insert(iv.date.to_string(), *a);
            assert!(prev.is_none_or(|p| (p - a).abs() < 1e-9), "{}", iv.date);
        }
        out
    }

    #[test]
    fn event_handle_time_is_learned_from_history() {
        // "sale" made calls 1.5 times longer on 2026-10-28 and comes back on
        // 2026-11-11 without multipliers: 1.5 is learned, and 2026-10-28 is
        // divided out of the Wednesday handle time (else 225 s, not 200).
        let (l, h, horizon) =
            aht_case("{ name: sale, date: 2026-10-28 }, { name: sale, date: 2026-11-11 }");
        let f = forecast(&l, &h, &horizon).unwrap();
        let e = f
            .findings
            .iter()
            .find(|x| x.kind == "event" && x.message.contains("handle-time"))
            .unwrap();
        assert!(e.message.contains("1.50") && e.count == 1, "{}", e.message);
        for (date, a) in aht_by_date(&f, &horizon) {
            let want = if date == "2026-11-11" { 300.0 } else { 200.0 };
            assert!((a - want).abs() < 1e-9, "{date}: {a}");
        }
    }

    #[test]
    fn a_given_event_handle_time_multiplies_the_plan_and_leaves_history() {
        // The sale of 2026-10-28 is said to have made calls 1.5 times longer,
        // and the planned one 1.2 times: history is divided by 1.5 there.
        let (l, h, horizon) = aht_case(
            "{ name: sale, date: 2026-10-28, aht_multiplier: 1.5 }, { name: sale, date: 2026-11-11, aht_multiplier: 1.2 }",
        );
        let f = forecast(&l, &h, &horizon).unwrap();
        assert!(!f.findings.iter().any(|x| x.message.contains("handle-time")));
        for (date, a) in aht_by_date(&f, &horizon) {
            let want = if date == "2026-11-11" { 240.0 } else { 200.0 };
            assert!((a - want).abs() < 1e-9, "{date}: {a}");
        }
        // Without events, the Wednesday mean takes the longer day in.
        let (l, h, horizon) = aht_case("");
        let f = forecast(&l, &h, &horizon).unwrap();
        let wednesday = aht_by_date(&f, &horizon)["2026-11-11"];
        assert!(wednesday > 210.0, "{wednesday}");
    }
}
