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
        let s = String::deserialize(d)?;
        ClockTime::parse(&s).map_err(serde::de::Error::custom)
    }
}

pub(super) fn de_tz<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Tz, D::Error> {
    let s = String::deserialize(d)?;
    s.parse::<Tz>().map_err(|_| {
        serde::de::Error::custom(format!(
            "unknown time zone `{s}`: expected an IANA name such as Asia/Shanghai"
        ))
    })
}

macro_rules! bounded_f64 {
    ($name:ident, $lo:expr, $hi:expr, $what:expr) => {
        pub(crate) fn $name<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
            let v = f64::deserialize(d)?;
            if !v.is_finite() || !($lo..=$hi).contains(&v) {
                return Err(serde::de::Error::custom(format!(
                    "{} must be {}, got {v}",
                    $what,
                    if $hi == f64::MAX {
                        format!("at least {}", $lo)
                    } else {
                        format!("between {} and {}", $lo, $hi)
                    }
                )));
            }
            Ok(v)
        }
    };
}

bounded_f64!(de_non_negative, 0.0, f64::MAX, "value");
bounded_f64!(de_fraction, 0.0, 0.99, "fraction");
bounded_f64!(de_share, 0.0, 1.0, "share");
bounded_f64!(de_occupancy, 0.05, 1.0, "occupancy cap");
bounded_f64!(de_sl_target, 0.0, 0.9999, "service-level target");

pub(super) fn de_opt_non_negative<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    de_non_negative(d).map(Some)
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
