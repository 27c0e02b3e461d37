//! Shift, start and break candidates of each day, and who may work them.

use chrono::{DateTime, Duration, NaiveDate};
use chrono_tz::Tz;

use crate::horizon::Horizon;
use crate::scenario::{Agent, Scenario};

/// A shift candidate on one day.
#[derive(Debug, Clone)]
pub(super) struct ShiftCand {
    pub(super) start: DateTime<Tz>,
    pub(super) end: DateTime<Tz>,
    pub(super) paid_hours: f64,
    /// Index of the start time in `Day::starts`.
    pub(super) start_idx: usize,
}

/// A distinct start time of a day and the range of break candidates
/// (indices into `Day::breaks`, inclusive) its meal window allows.
#[derive(Debug, Clone)]
pub(super) struct StartCand {
    pub(super) lo: usize,
    pub(super) hi: usize,
}

#[derive(Debug, Clone)]
pub(super) struct BreakCand {
    pub(super) start: DateTime<Tz>,
    pub(super) end: DateTime<Tz>,
}

#[derive(Debug, Clone)]
pub(super) struct Day {
    pub(super) date: NaiveDate,
    pub(super) shifts: Vec<ShiftCand>,
    pub(super) starts: Vec<StartCand>,
    /// Sorted by start time.
    pub(super) breaks: Vec<BreakCand>,
}

/// Share of interval `t` covered by `[from, to)`, for each interval touched.
pub(super) fn coverage(h: &Horizon, from: DateTime<Tz>, to: DateTime<Tz>) -> Vec<(usize, f64)> {
    let len = h.interval_minutes as f64 * 60.0;
    h.range(from, to)
        .filter_map(|t| {
            let s = h.intervals[t].start;
            let e = s + Duration::minutes(h.interval_minutes as i64);
            let lo = from.max(s);
            let hi = to.min(e);
            let secs = (hi - lo).num_seconds() as f64;
            (secs > 0.0).then_some((t, secs / len))
        })
        .collect()
}

/// Builds the shift, start and break candidates of every day from the rules.
/// The meal window depends only on the start time, so windows are ordered
/// like the starts (first in, first out), which the break model relies on.
pub(super) fn candidates(scenario: &Scenario) -> Vec<Day> {
    let tz = scenario.site.timezone;
    let r = &scenario.rules;
    let mb = &r.meal_break;
    let meal = Duration::minutes(mb.minutes as i64);
    let break_step = Duration::minutes(mb.step_minutes as i64);
    let offset = |h: f64| Duration::minutes((h * 60.0).round() as i64);
    scenario
        .dates()
        .into_iter()
        .map(|date| {
            let mut starts_at = Vec::new();
            let mut m = r.shift_start.earliest.minutes();
            while m <= r.shift_start.latest.minutes() {
                let naive = date
                    .and_hms_opt(m / 60, m % 60, 0)
                    .expect("valid clock time");
                // A start time that does not exist (clocks go forward) is skipped.
                if let Some(start) = chrono::TimeZone::from_local_datetime(&tz, &naive).earliest() {
                    starts_at.push(start);
                }
                m += r.shift_start.step_minutes;
            }
            let mut break_times: Vec<DateTime<Tz>> = Vec::new();
            for &st in &starts_at {
                let mut bs = st + offset(mb.earliest_start_hours);
                while bs + meal <= st + offset(mb.latest_end_hours) {
                    break_times.push(bs);
                    bs += break_step;
                }
            }
            break_times.sort();
            break_times.dedup();
            let idx = |t: DateTime<Tz>| break_times.binary_search(&t).expect("break time listed");
            let mut shifts = Vec::new();
            let mut starts = Vec::new();
            for (si, &st) in starts_at.iter().enumerate() {
                let first = st + offset(mb.earliest_start_hours);
                let mut last = first;
                while last + break_step + meal <= st + offset(mb.latest_end_hours) {
                    last += break_step;
                }
                starts.push(StartCand {
                    lo: idx(first),
                    hi: idx(last),
                });
                for &len in &r.shift_lengths_hours {
                    shifts.push(ShiftCand {
                        start: st,
                        end: st + offset(len),
                        paid_hours: scenario.paid_hours(len),
                        start_idx: si,
                    });
                }
            }
            Day {
                date,
                shifts,
                starts,
                breaks: break_times
                    .into_iter()
                    .map(|start| BreakCand {
                        start,
                        end: start + meal,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The local instant of `minutes` after midnight of `date` (24:00 is the next midnight).
pub(super) fn local_instant(tz: Tz, date: NaiveDate, minutes: u32) -> DateTime<Tz> {
    let naive = date.and_hms_opt(0, 0, 0).expect("midnight") + Duration::minutes(minutes as i64);
    chrono::TimeZone::from_local_datetime(&tz, &naive)
        .earliest()
        .unwrap_or_else(|| {
            crate::horizon::local_midnight(tz, date) + Duration::minutes(minutes as i64)
        })
}

/// Whether `agent` may work shift `s` of `day`: not a fixed day off, inside
/// the agent's daily availability, and far enough from last week's shift.
pub(super) fn allowed(scenario: &Scenario, agent: &Agent, day: &Day, s: &ShiftCand) -> bool {
    let tz = scenario.site.timezone;
    if agent.days_off.contains(&day.date) {
        return false;
    }
    if let Some(av) = &agent.available {
        if s.start < local_instant(tz, day.date, av.from.minutes())
            || s.end > local_instant(tz, day.date, av.to.minutes())
        {
            return false;
        }
    }
    if let Some(end) = agent.previous.as_ref().and_then(|p| p.last_shift_end) {
        if let Some(end) = chrono::TimeZone::from_local_datetime(&tz, &end).latest() {
            let rest = Duration::minutes((scenario.rules.min_rest_hours * 60.0).round() as i64);
            if s.start < end + rest {
                return false;
            }
        }
    }
    true
}
