//! The planning horizon: the scenario's days cut into intervals.
//!
//! Intervals are real instants, stepped in UTC from the local midnight of the
//! first day to the local midnight after the last, so a day on which clocks
//! change has 23 or 25 hours of intervals. Each interval keeps its local date
//! and its slot (minutes after local midnight divided by the interval length),
//! which is what profiles are keyed on.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;

use crate::scenario::Scenario;

/// One planning interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub start: DateTime<Tz>,
    /// Local date of the start.
    pub date: NaiveDate,
    /// Index of the day within the horizon.
    pub day: usize,
    /// Local minutes after midnight of the start.
    pub minute_of_day: u32,
}

/// The horizon of a scenario.
#[derive(Debug, Clone)]
pub struct Horizon {
    pub tz: Tz,
    pub interval_minutes: u32,
    pub dates: Vec<NaiveDate>,
    pub intervals: Vec<Interval>,
    /// Instant at which the horizon ends (local midnight after the last day).
    pub end: DateTime<Tz>,
}

/// The first instant of a local date (midnight, or the first existing time after it).
pub fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Tz> {
    let mut t = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    loop {
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt;
        }
        t += Duration::minutes(15);
    }
}

impl Horizon {
    /// Builds the horizon of a scenario.
    pub fn new(scenario: &Scenario) -> Horizon {
        let tz = scenario.site.timezone;
        let dates = scenario.dates();
        let step = Duration::minutes(scenario.planning.interval_minutes as i64);
        let mut intervals = Vec::new();
        let last = *dates.last().expect("at least one day");
        let end = local_midnight(tz, last + Duration::days(1));
        let mut t = local_midnight(tz, dates[0]);
        while t < end {
            let date = t.date_naive();
            let day = (date - dates[0]).num_days() as usize;
            intervals.push(Interval {
                start: t,
                date,
                day,
                minute_of_day: t.hour() * 60 + t.minute(),
            });
            t += step;
        }
        Horizon {
            tz,
            interval_minutes: scenario.planning.interval_minutes,
            dates,
            intervals,
            end,
        }
    }

    /// Length of one interval in hours.
    pub fn interval_hours(&self) -> f64 {
        self.interval_minutes as f64 / 60.0
    }

    /// Index of the interval containing instant `t`, if inside the horizon.
    pub fn index_of(&self, t: DateTime<Tz>) -> Option<usize> {
        let first = self.intervals.first()?.start;
        if t < first || t >= self.end {
            return None;
        }
        let secs = (t - first).num_seconds();
        Some((secs / (self.interval_minutes as i64 * 60)) as usize)
    }

    /// Indices of the intervals that `[from, to)` overlaps, clipped to the horizon.
    pub fn range(&self, from: DateTime<Tz>, to: DateTime<Tz>) -> std::ops::Range<usize> {
        let n = self.intervals.len();
        let first = match self.intervals.first() {
            Some(i) => i.start,
            None => return 0..0,
        };
        let len = self.interval_minutes as i64 * 60;
        // The interval holding `from` (rounded down) to the one holding the
        // last instant before `to` (rounded up), so that an instant inside an
        // interval (a break at :15 on a 30-minute grid) keeps its interval.
        let secs = |t: DateTime<Tz>| (t - first).num_seconds().max(0);
        let lo = ((secs(from) / len) as usize).min(n);
        let hi = (((secs(to) + len - 1) / len) as usize).min(n);
        lo..hi.max(lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(tz: &str, start: &str, days: u32) -> Scenario {
        let y = format!(
            r#"
name: t
site: {{ name: s, timezone: {tz} }}
planning: {{ week_start: {start}, days: {days}, interval_minutes: 30 }}
history: {{ file: h.csv }}
queues:
  - {{ id: q, channel: voice, service_level: {{ target: 0.8, seconds: 20 }} }}
agents:
  - {{ id: A1, name: a, skills: [q], min_hours: 0, max_hours: 40 }}
rules:
  shift_start: {{ earliest: "08:00", latest: "12:00" }}
  shift_lengths_hours: [8]
  meal_break: {{ minutes: 30, earliest_start_hours: 3, latest_end_hours: 5 }}
"#
        );
        Scenario::from_yaml_str(&y, std::path::Path::new("t.yaml")).unwrap()
    }

    #[test]
    fn dst_days_have_23_and_25_hours() {
        let h = Horizon::new(&scenario("Europe/London", "2026-10-24", 2));
        // 24 h on Saturday, 25 h on the Sunday clocks go back: 98 half-hours.
        assert_eq!(h.intervals.len(), 48 + 50);
        let h = Horizon::new(&scenario("Europe/London", "2026-03-29", 1));
        assert_eq!(h.intervals.len(), 46);
        let h = Horizon::new(&scenario("Asia/Shanghai", "2026-11-09", 7));
        assert_eq!(h.intervals.len(), 7 * 48);
        assert_eq!(h.intervals[20].minute_of_day, 600);
        assert_eq!(
            h.index_of(h.intervals[20].start + Duration::minutes(29)),
            Some(20)
        );
        assert_eq!(
            h.range(
                h.intervals[2].start,
                h.intervals[5].start + Duration::minutes(1)
            ),
            2..6
        );
        // An instant inside an interval keeps that interval: a quarter hour
        // from :15 on a 30-minute grid lies in one interval, not none.
        let quarter = h.intervals[20].start + Duration::minutes(15);
        assert_eq!(h.range(quarter, quarter + Duration::minutes(15)), 20..21);
        assert_eq!(h.range(quarter, quarter + Duration::minutes(60)), 20..23);
    }
}
