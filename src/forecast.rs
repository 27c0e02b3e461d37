//! Forecasting contact volume and handle time per queue and interval.
//!
//! The method of this first path is a multiplicative weekday profile:
//!
//! 1. history in the `history.weeks` weeks before the plan is summed into the
//!    plan's intervals (history may be finer than the plan), and each day is
//!    divided by the multiplier of any calendar event on it, so a past
//!    promotion or holiday does not distort the usual week;
//! 2. the profile of a weekday and slot is the mean over that weekday's days
//!    present in history (a day with no row at all for the queue is missing,
//!    not zero);
//! 3. a level factor projects the weekly totals' least-squares trend to the
//!    planned week, relative to their mean, bounded to ±25 %;
//! 4. the forecast is profile × level × the plan's own event multipliers, and
//!    zero outside the queue's opening hours.
//!
//! Handle time is the contact-weighted mean per weekday and slot, falling back
//! to the slot across weekdays, then to the queue's mean.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate, Timelike};

use crate::error::{Error, Result};
use crate::history::History;
use crate::horizon::Horizon;
use crate::scenario::{weekday_index, LoadedScenario, Queue};

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
    /// Level factor applied for trend.
    pub level_factor: f64,
}

/// Forecasts for every queue, in scenario order.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub queues: Vec<QueueForecast>,
}

/// Least-squares slope and intercept of `ys` against 0, 1, 2, ...
fn linear_fit(ys: &[f64]) -> (f64, f64) {
    let n = ys.len() as f64;
    let mx = (n - 1.0) / 2.0;
    let my = ys.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in ys.iter().enumerate() {
        let dx = i as f64 - mx;
        sxy += dx * (y - my);
        sxx += dx * dx;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (slope, my - slope * mx)
}

fn open_at(q: &Queue, minute_of_day: u32) -> bool {
    minute_of_day >= q.open.minutes() && minute_of_day < q.close.minutes()
}

/// Forecasts every queue of the scenario over the horizon.
pub fn forecast(loaded: &LoadedScenario, history: &History, horizon: &Horizon) -> Result<Forecast> {
    let sc = &loaded.scenario;
    let weeks = sc.history.weeks as i64;
    let plan_start = sc.planning.week_start;
    let window_start = plan_start - Duration::days(7 * weeks);
    let step = horizon.interval_minutes;
    let slots = (24 * 60 / step) as usize;
    let mut queues = Vec::new();
    for q in &sc.queues {
        // (date, slot) -> (normalised volume, volume-weighted aht sum, volume with aht)
        let mut cells: BTreeMap<(NaiveDate, usize), (f64, f64, f64)> = BTreeMap::new();
        let mut days: BTreeSet<NaiveDate> = BTreeSet::new();
        for r in history.records.iter().filter(|r| r.queue == q.id) {
            let date = r.start.date_naive();
            if date < window_start || date >= plan_start {
                continue;
            }
            days.insert(date);
            let slot = ((r.start.hour() * 60 + r.start.minute()) / step) as usize;
            let m = sc.event_multiplier(date, &q.id);
            let v = if m > 0.0 { r.offered / m } else { 0.0 };
            let c = cells.entry((date, slot)).or_default();
            c.0 += v;
            if let Some(aht) = r.aht_seconds {
                c.1 += aht * r.offered;
                c.2 += r.offered;
            }
        }
        if days.is_empty() {
            return Err(Error::input(
                &loaded.history_path,
                None,
                Some("queue"),
                format!(
                    "no history for queue `{}` between {window_start} and {}: the forecast needs at least one day",
                    q.id,
                    plan_start - Duration::days(1)
                ),
            ));
        }
        // Weekday profile.
        let mut days_per_wd = [0usize; 7];
        for d in &days {
            days_per_wd[weekday_index(*d)] += 1;
        }
        let mut profile = vec![vec![0.0; slots]; 7];
        let mut aht_num = vec![vec![0.0; slots]; 7];
        let mut aht_den = vec![vec![0.0; slots]; 7];
        let mut week_totals = vec![0.0; weeks as usize];
        let mut week_days = vec![0usize; weeks as usize];
        for d in &days {
            let w = ((*d - window_start).num_days() / 7) as usize;
            week_days[w] += 1;
        }
        for (&(date, slot), &(v, a, n)) in &cells {
            let wd = weekday_index(date);
            profile[wd][slot] += v / days_per_wd[wd] as f64;
            aht_num[wd][slot] += a;
            aht_den[wd][slot] += n;
            let w = ((date - window_start).num_days() / 7) as usize;
            week_totals[w] += v;
        }
        // Trend over complete weeks only.
        let full: Vec<f64> = week_totals
            .iter()
            .zip(&week_days)
            .filter(|(_, &d)| d == 7)
            .map(|(t, _)| *t)
            .collect();
        let level_factor = if full.len() >= 3 {
            let (slope, intercept) = linear_fit(&full);
            let mean = full.iter().sum::<f64>() / full.len() as f64;
            let projected = intercept + slope * full.len() as f64;
            if mean > 0.0 {
                (projected / mean).clamp(0.75, 1.25)
            } else {
                1.0
            }
        } else {
            1.0
        };
        // Handle time fallbacks.
        let total_num: f64 = aht_num.iter().flatten().sum();
        let total_den: f64 = aht_den.iter().flatten().sum();
        let queue_mean = if total_den > 0.0 {
            Some(total_num / total_den)
        } else {
            None
        };
        let fixed = q.aht_seconds;
        if fixed.is_none() && queue_mean.is_none() {
            return Err(Error::input(
                &loaded.history_path,
                None,
                Some("aht_seconds"),
                format!(
                    "history has no handle times for queue `{}`: add an aht_seconds column or set the queue's aht_seconds in the scenario",
                    q.id
                ),
            ));
        }
        let slot_mean: Vec<Option<f64>> = (0..slots)
            .map(|s| {
                let n: f64 = (0..7).map(|w| aht_num[w][s]).sum();
                let d: f64 = (0..7).map(|w| aht_den[w][s]).sum();
                (d > 0.0).then(|| n / d)
            })
            .collect();
        let mut volume = Vec::with_capacity(horizon.intervals.len());
        let mut aht = Vec::with_capacity(horizon.intervals.len());
        for iv in &horizon.intervals {
            let wd = weekday_index(iv.date);
            let slot = (iv.minute_of_day / step) as usize;
            let v = if open_at(q, iv.minute_of_day) {
                profile[wd][slot] * level_factor * sc.event_multiplier(iv.date, &q.id)
            } else {
                0.0
            };
            volume.push(v);
            let a = fixed.unwrap_or_else(|| {
                if aht_den[wd][slot] > 0.0 {
                    aht_num[wd][slot] / aht_den[wd][slot]
                } else {
                    slot_mean[slot].or(queue_mean).unwrap_or(0.0)
                }
            });
            aht.push(a);
        }
        queues.push(QueueForecast {
            queue: q.id.clone(),
            volume,
            aht_seconds: aht,
            days_used: days.len(),
            level_factor,
        });
    }
    Ok(Forecast { queues })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_fit_recovers_a_line() {
        let (s, i) = linear_fit(&[3.0, 5.0, 7.0, 9.0]);
        assert!((s - 2.0).abs() < 1e-12 && (i - 3.0).abs() < 1e-12);
    }
}
