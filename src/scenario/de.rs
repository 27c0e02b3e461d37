//! Values read from YAML with their own checks: clock times, time zones,
//! fractions, skills and queue references (checked against the queue ids
//! of the first pass).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveTime;
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

use super::schema::*;

thread_local! {
    /// Queue ids known while the second pass deserializes agents' skills.
    pub(super) static KNOWN_QUEUES: RefCell<Option<BTreeSet<String>>> = const { RefCell::new(None) };
}

/// A time of day in minutes after local midnight; `24:00` is allowed as a closing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(pub u32);

impl ClockTime {
    /// Parses `HH:MM` (00:00 to 24:00).
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("invalid time `{s}`: expected HH:MM between 00:00 and 24:00");
        let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: u32 = h.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        if m >= 60 || h > 24 || (h == 24 && m != 0) {
            return Err(bad());
        }
        Ok(ClockTime(h * 60 + m))
    }

    /// Minutes after midnight.
    pub fn minutes(self) -> u32 {
        self.0
    }

    /// The time as a `NaiveTime` (24:00 is not representable and maps to `None`).
    pub fn to_naive(self) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(self.0 / 60, self.0 % 60, 0)
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        parse_str(d, ClockTime::parse)
    }
}

pub(super) fn de_tz<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Tz, D::Error> {
    parse_str(d, |s| {
        s.parse::<Tz>().map_err(|_| {
            format!(
                "unknown time zone `{}`: expected an IANA name such as Asia/Shanghai",
                crate::limits::excerpt(s)
            )
        })
    })
}

/// Deserializes a text and parses it with `parse` inside the deserializer,
/// so that an error carries the value's own line and field (an error
/// raised after deserializing would carry those of the enclosing mapping).
pub(crate) fn parse_str<'de, D, T, F>(d: D, parse: F) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    F: FnOnce(&str) -> std::result::Result<T, String>,
{
    struct Text<F>(F);
    impl<'de, T, F: FnOnce(&str) -> std::result::Result<T, String>> serde::de::Visitor<'de>
        for Text<F>
    {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a text")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<T, E> {
            (self.0)(s).map_err(E::custom)
        }
    }
    d.deserialize_str(Text(parse))
}

/// A number between `lo` and `hi`, checked inside the deserializer (see
/// [`parse_str`]).
pub(crate) fn bounded<'de, D: Deserializer<'de>>(
    d: D,
    lo: f64,
    hi: f64,
    what: &'static str,
) -> std::result::Result<f64, D::Error> {
    struct Number(f64, f64, &'static str);
    impl<'de> serde::de::Visitor<'de> for Number {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<f64, E> {
            let Number(lo, hi, what) = self;
            if !v.is_finite() || !(lo..=hi).contains(&v) {
                // 1e308 as `1e308`, not as 309 digits.
                let got = if v.abs() >= 1e9 {
                    format!("{v:e}")
                } else {
                    v.to_string()
                };
                return Err(E::custom(format!(
                    "{what} must be between {lo} and {hi}, got {got} (see docs/limits.md)"
                )));
            }
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<f64, E> {
            self.visit_f64(v as f64)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<f64, E> {
            self.visit_f64(v as f64)
        }
    }
    d.deserialize_f64(Number(lo, hi, what))
}

macro_rules! bounded_f64 {
    ($name:ident, $lo:expr, $hi:expr, $what:expr) => {
        pub(crate) fn $name<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
            bounded(d, $lo, $hi, $what)
        }
    };
}

use crate::limits::{
    MAX_AGENTS, MAX_COST_FACTOR, MAX_HOURLY_COST, MAX_MULTIPLIER, MAX_SECONDS,
    MAX_TIME_LIMIT_SECONDS, MAX_WEIGHT,
};

// Every number a scenario holds has a documented range (docs/limits.md):
// past it rota would compute nonsense (an hourly cost of 1e308 makes the
// objective NaN) or run without end (a volume multiplier of 1e9).
bounded_f64!(de_fraction, 0.0, 0.99, "fraction");
bounded_f64!(de_share, 0.0, 1.0, "share");
bounded_f64!(de_occupancy, 0.05, 1.0, "occupancy cap");
bounded_f64!(de_sl_target, 0.0, 0.9999, "service-level target");
bounded_f64!(de_multiplier, 0.0, MAX_MULTIPLIER, "multiplier");
bounded_f64!(de_weight, 0.0, MAX_WEIGHT, "weight");
bounded_f64!(de_threshold, 0.0, MAX_WEIGHT, "threshold");
bounded_f64!(de_hourly_cost, 0.0, MAX_HOURLY_COST, "hourly cost");
bounded_f64!(de_cost_factor, 0.0, MAX_COST_FACTOR, "cost factor");
bounded_f64!(de_seconds, 0.0, MAX_SECONDS, "seconds");
bounded_f64!(de_patience, 0.0, 1.0e7, "patience in seconds");
bounded_f64!(
    de_contract_hours,
    0.0,
    24.0 * crate::limits::MAX_PLANNED_DAYS as f64,
    "contract hours"
);
bounded_f64!(de_shift_hours, 0.0, 24.0, "hours after the shift start");
bounded_f64!(de_rest_hours, 0.0, 7.0 * 24.0, "rest hours");
bounded_f64!(de_deadline_hours, 0.0, 30.0 * 24.0, "deadline hours");
bounded_f64!(de_staff, 0.0, MAX_AGENTS as f64, "agents");
bounded_f64!(
    de_time_limit,
    0.0,
    MAX_TIME_LIMIT_SECONDS,
    "time limit in seconds"
);
bounded_f64!(de_gap, 0.0, 1.0, "relative gap");

pub(super) fn de_opt_multiplier<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    de_multiplier(d).map(Some)
}
pub(super) fn de_opt_weight<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    de_weight(d).map(Some)
}
pub(super) fn de_opt_seconds<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    de_seconds(d).map(Some)
}
pub(super) fn de_opt_patience<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    de_patience(d).map(Some)
}
pub(super) fn de_opt_rest_hours<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    de_rest_hours(d).map(Some)
}
pub(super) fn de_opt_deadline_hours<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    de_deadline_hours(d).map(Some)
}

/// HiGHS threads: at most [`crate::limits::MAX_THREADS`] (more makes HiGHS abort).
pub(super) fn de_threads<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<u32, D::Error> {
    let max = crate::limits::MAX_THREADS;
    bounded(d, 0.0, max as f64, "threads (0 lets HiGHS decide)").and_then(|v| {
        if v.fract() == 0.0 {
            Ok(v as u32)
        } else {
            Err(serde::de::Error::custom(format!(
                "threads must be a whole number, got {v}"
            )))
        }
    })
}

/// A date written `YYYY-MM-DD`.
pub(super) fn de_date<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<chrono::NaiveDate, D::Error> {
    parse_str(d, parse_date)
}

/// A date in a list, checked where it is written.
struct Date(chrono::NaiveDate);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        de_date(d).map(Date)
    }
}

/// `Some` date written `YYYY-MM-DD`.
pub(super) fn de_opt_date<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<chrono::NaiveDate>, D::Error> {
    de_date(d).map(Some)
}

/// A list of dates written `YYYY-MM-DD`.
pub(super) fn de_dates<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<chrono::NaiveDate>, D::Error> {
    Ok(Vec::<Date>::deserialize(d)?
        .into_iter()
        .map(|Date(d)| d)
        .collect())
}

/// Parses `YYYY-MM-DD`; the error names the expected format.
pub fn parse_date(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        format!(
            "invalid date `{}`: expected YYYY-MM-DD, such as 2026-11-09",
            crate::limits::excerpt(s)
        )
    })
}
pub(super) fn de_opt_fraction<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    de_fraction(d).map(Some)
}
pub(super) fn de_opt_occupancy<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    de_occupancy(d).map(Some)
}

pub(super) fn de_skills<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<SkillSpec>, D::Error> {
    let skills = Vec::<SkillSpec>::deserialize(d).map_err(|_| {
        serde::de::Error::custom(
            "skills must be a list of queue ids or of { queue: ID, proficiency: P } entries",
        )
    })?;
    for s in &skills {
        if let SkillSpec::Rated(RatedSkill { queue, proficiency }) = s {
            if !proficiency.is_finite() || !(0.05..=2.0).contains(proficiency) {
                return Err(serde::de::Error::custom(format!(
                    "proficiency of `{queue}` must be between 0.05 and 2, got {proficiency}"
                )));
            }
        }
    }
    KNOWN_QUEUES.with(|k| {
        if let Some(known) = k.borrow().as_ref() {
            for s in skills.iter().map(SkillSpec::queue) {
                if !known.contains(s) {
                    let list: Vec<&str> = known.iter().map(String::as_str).collect();
                    return Err(serde::de::Error::custom(format!(
                        "unknown skill `{s}`: no queue has it (queues: {})",
                        list.join(", ")
                    )));
                }
            }
        }
        Ok(())
    })?;
    Ok(skills)
}

pub(super) fn de_queue_refs<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Vec<String>>, D::Error> {
    let qs = Vec::<String>::deserialize(d)?;
    KNOWN_QUEUES.with(|k| {
        if let Some(known) = k.borrow().as_ref() {
            for q in &qs {
                if !known.contains(q) {
                    return Err(serde::de::Error::custom(format!(
                        "unknown queue `{q}`: not among the scenario's queues"
                    )));
                }
            }
        }
        Ok(())
    })?;
    Ok(Some(qs))
}
