//! A queue's history on the plan's grid: read as observed ([`Raw`]), then
//! cleaned for learning ([`clean`]) with only the days before a cutoff, so
//! that a backtest's forecast made at an origin never sees the days after it.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, Offset, TimeZone, Timelike};

use super::methods::{median, weekday_median, Grid};
use crate::history::{Finding, History};
use crate::horizon::local_midnight;
use crate::scenario::{weekday_index, Queue, Scenario};

pub(super) fn open_at(q: &Queue, minute_of_day: u32) -> bool {
    minute_of_day >= q.open.minutes() && minute_of_day < q.close.minutes()
}

/// The event multiplier of `date`: the given ones times the learned ones.
pub(super) fn multiplier(
    sc: &Scenario,
    q: &Queue,
    learned: &BTreeMap<String, f64>,
    date: NaiveDate,
) -> f64 {
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
    // Totals of the days without events: the references.
    let plain: Vec<Option<f64>> = (0..n).map(|d| total(d).filter(|_| !has_event(d))).collect();
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
            if let Some(m) = weekday_median(&plain, d).filter(|m| *m > 0.0) {
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

/// Handle-time multipliers learned for events given without one, by name:
/// the mean ratio of each past event day's mean handle time (weighted by
/// contacts) to the median of the same weekday's, on days without events,
/// in the four weeks either side, with the number of past days. Names with
/// no such day (or no handle times in history) are left out: taken as 1.
/// Events on `planned` dates get a finding.
pub(super) fn learn_event_aht(
    sc: &Scenario,
    q: &Queue,
    history: &History,
    planned: &[NaiveDate],
    findings: &mut Vec<Finding>,
) -> BTreeMap<String, (f64, usize)> {
    let mut out = BTreeMap::new();
    let Some(&plan_start) = planned.first() else {
        return out;
    };
    let mut daily: BTreeMap<NaiveDate, (f64, f64)> = BTreeMap::new();
    for r in history.records.iter().filter(|r| r.queue == q.id) {
        let date = r.start.date_naive();
        if let (Some(aht), true) = (r.aht_seconds, date < plan_start && r.offered > 0.0) {
            let e = daily.entry(date).or_default();
            e.0 += aht * r.offered;
            e.1 += r.offered;
        }
    }
    let Some((&start, _)) = daily.first_key_value() else {
        return out;
    };
    let n = (plan_start - start).num_days() as usize;
    let date = |d: usize| start + Duration::days(d as i64);
    let on = |d: usize, name: Option<&str>| {
        sc.calendar
            .events
            .iter()
            .any(|e| name.is_none_or(|n| e.name == n) && e.applies(date(d), &q.id))
    };
    let aht: Vec<Option<f64>> = (0..n)
        .map(|d| daily.get(&date(d)).map(|(num, den)| num / den))
        .collect();
    let plain: Vec<Option<f64>> = (0..n).map(|d| aht[d].filter(|_| !on(d, None))).collect();
    let names: std::collections::BTreeSet<&str> = sc
        .calendar
        .events
        .iter()
        .filter(|e| e.aht_multiplier.is_none())
        .map(|e| e.name.as_str())
        .collect();
    for name in names {
        let ratios: Vec<f64> = (0..n)
            .filter(|&d| on(d, Some(name)))
            .filter_map(|d| Some(aht[d]? / weekday_median(&plain, d).filter(|m| *m > 0.0)?))
            .collect();
        if ratios.is_empty() {
            continue;
        }
        let v = ratios.iter().sum::<f64>() / ratios.len() as f64;
        let planned_on = sc.calendar.events.iter().any(|e| {
            e.name == name
                && e.aht_multiplier.is_none()
                && planned.iter().any(|&p| e.applies(p, &q.id))
        });
        if planned_on {
            findings.push(Finding {
                kind: "event",
                queue: Some(q.id.clone()),
                count: ratios.len(),
                message: format!(
                    "event `{name}`: handle-time multiplier {v:.2} learned from {} past days in history",
                    ratios.len()
                ),
            });
        }
        out.insert(name.to_string(), (v, ratios.len()));
    }
    out
}

/// The handle-time multiplier of `date`: each event's given
/// `aht_multiplier`, or the learned one, or 1.
pub(super) fn aht_multiplier(
    sc: &Scenario,
    q: &Queue,
    learned: &BTreeMap<String, (f64, usize)>,
    date: NaiveDate,
) -> f64 {
    sc.calendar
        .events
        .iter()
        .filter(|e| e.applies(date, &q.id))
        .map(|e| {
            e.aht_multiplier
                .or_else(|| learned.get(&e.name).map(|l| l.0))
                .unwrap_or(1.0)
        })
        .product()
}

fn dates_list(dates: &[NaiveDate]) -> String {
    let shown: Vec<String> = dates.iter().take(6).map(|d| d.to_string()).collect();
    if dates.len() > 6 {
        format!("{} and {} more", shown.join(", "), dates.len() - 6)
    } else {
        shown.join(", ")
    }
}

/// A queue's history on the plan's grid, as observed.
pub(super) struct Raw {
    /// Date of day 0.
    pub start: NaiveDate,
    /// Actuals as observed (coverage-adjusted), `None` for an unknown cell or day.
    pub actual: Vec<Option<Vec<Option<f64>>>>,
    /// Whether each slot is inside opening hours.
    pub open: Vec<bool>,
    /// Whether each weekday (Monday = 0) has any history: the others are closed.
    pub open_weekdays: [bool; 7],
    pub days_present: usize,
}

impl Raw {
    /// Day index of `date` (0 before the history starts).
    pub fn day(&self, date: NaiveDate) -> usize {
        (date - self.start).num_days().max(0) as usize
    }

    pub fn date(&self, d: usize) -> NaiveDate {
        self.start + Duration::days(d as i64)
    }

    /// Days on the grid: the day index of the plan's first day.
    pub fn days(&self) -> usize {
        self.actual.len()
    }
}

/// Puts a queue's history before `plan_start` (up to two years of it) on
/// the grid, reporting gaps, DST days, missing days and closed weekdays.
pub(super) fn read(
    sc: &Scenario,
    q: &Queue,
    history: &History,
    step: u32,
    plan_start: NaiveDate,
    findings: &mut Vec<Finding>,
) -> Option<Raw> {
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
    Some(Raw {
        start,
        actual,
        open,
        open_weekdays: seen_wd,
        days_present: present.iter().filter(|p| **p).count(),
    })
}

/// The history before a cutoff day, cleaned for learning.
#[derive(Debug, Clone)]
pub(super) struct Cleaned {
    /// Days `0..cutoff` were used.
    pub cutoff: usize,
    /// Cleaned grid (events divided out), `cutoff` days long.
    pub grid: Grid,
    /// Multipliers learned for events given without one, by name.
    pub learned: BTreeMap<String, f64>,
    anomalous: Vec<NaiveDate>,
    outliers: usize,
    /// The largest outlier: (robust z, date, slot, value, median).
    worst: Option<(f64, NaiveDate, usize, f64, f64)>,
}

/// Days either side whose values a day's cleaning depends on: anomalous
/// days are judged on four weeks either side, and a cell's outlier bound on
/// the non-anomalous days four weeks either side.
const CLEANING_REACH: usize = 56;

/// Cleans the history before day `cutoff` for learning, using only those
/// days: events divided out (multipliers learned from those days), anomalous
/// days set aside, missing cells imputed and outliers damped against the
/// same weekday and slot of the four weeks either side. Days further than
/// [`CLEANING_REACH`] before the cutoff are copied from `base` (a cleaning
/// with a later cutoff and the same learned multipliers), since the days
/// between cannot change them. Event findings go to `findings`.
pub(super) fn clean(
    sc: &Scenario,
    q: &Queue,
    raw: &Raw,
    cutoff: usize,
    base: Option<&Cleaned>,
    findings: &mut Vec<Finding>,
) -> Cleaned {
    let actual = &raw.actual[..cutoff];
    let n_days = cutoff;
    let slots = raw.open.len();
    let open = &raw.open;
    let date = |d: usize| raw.date(d);
    let learned = learn_events(sc, q, raw.start, actual, findings);
    let base = base.filter(|b| b.cutoff >= cutoff && b.learned == learned);
    let from = base.map_or(0, |_| cutoff.saturating_sub(CLEANING_REACH));
    let lo = from.saturating_sub(CLEANING_REACH);
    // Learning values: events divided out; a day with a zero multiplier is set aside.
    let mut clean: Vec<Option<Vec<Option<f64>>>> = (0..n_days)
        .map(|d| {
            if d < lo {
                return None;
            }
            let m = multiplier(sc, q, &learned, date(d));
            let row = actual[d].as_ref()?;
            (m > 0.0).then(|| row.iter().map(|c| c.map(|v| v / m)).collect())
        })
        .collect();
    let day_total = |row: &Vec<Option<f64>>| -> f64 { row.iter().flatten().sum() };
    // Anomalous days.
    let totals: Vec<Option<f64>> = clean.iter().map(|r| r.as_ref().map(day_total)).collect();
    let mut anomalous = Vec::new();
    for d in from.saturating_sub(CLEANING_REACH / 2)..n_days {
        let Some(t) = totals[d] else { continue };
        let Some(m) = weekday_median(&totals, d) else {
            continue;
        };
        if m > 0.0 && (t < 0.5 * m || t > 2.0 * m) {
            anomalous.push(date(d));
            clean[d] = None;
        }
    }
    // Imputation and outliers, cell by cell against the neighbouring weeks.
    let k = sc.forecast.outlier_threshold;
    let mut outliers = 0usize;
    let mut worst: Option<(f64, NaiveDate, usize, f64, f64)> = None;
    let mut days: Vec<Option<Vec<f64>>> = match base {
        Some(b) => b.grid.days[..from].to_vec(),
        None => Vec::new(),
    };
    days.resize(n_days, None);
    for d in from..n_days {
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
    Cleaned {
        cutoff,
        grid: Grid {
            start: raw.start,
            first_weekday: weekday_index(raw.start),
            days,
            slots,
        },
        learned,
        anomalous,
        outliers,
        worst,
    }
}

impl Cleaned {
    /// Reports the anomalous days and outliers found.
    pub fn report(&self, q: &Queue, step: u32, threshold: f64, findings: &mut Vec<Finding>) {
        let qid = Some(q.id.clone());
        if !self.anomalous.is_empty() {
            findings.push(Finding {
                kind: "anomalous_day",
                queue: qid.clone(),
                count: self.anomalous.len(),
                message: format!(
                    "{} days have under half or over twice the volume of the same weekday around them and no calendar event explains it ({}): set aside for learning (add a calendar event to use them)",
                    self.anomalous.len(),
                    dates_list(&self.anomalous)
                ),
            });
        }
        if let Some((_, wd, ws, x, m)) = self.worst {
            let t = ws as u32 * step;
            findings.push(Finding {
                kind: "outlier",
                queue: qid,
                count: self.outliers,
                message: format!(
                    "{} intervals lie more than {threshold} robust standard deviations from the same weekday and time of the neighbouring weeks: damped to that bound (largest: {wd} {:02}:{:02}, {x:.1} against a median of {m:.1})",
                    self.outliers,
                    t / 60,
                    t % 60
                ),
            });
        }
    }
}
