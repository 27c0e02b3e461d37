//! What a re-plan takes as given about the agents, below both the
//! optimizer and the validator (`docs/replan.md`): absences (`--absent`),
//! the shifts they cut short, and the allowances a re-plan's roster has
//! beyond the scenario's rules (the absences and overtime within its caps,
//! unioned along a chain of re-plans). Facts, never the optimizer's
//! choices: `solve::replan` builds its model around them, `validate`
//! checks a roster against them, `replan` records them with a version.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::horizon::local_midnight;
use crate::roster::model::{Break, Roster, Shift};
use crate::scenario::Scenario;

/// An agent away from `from` until `until` (site-local instants).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    pub agent_id: String,
    #[serde(with = "zoned")]
    pub from: DateTime<Tz>,
    #[serde(with = "zoned")]
    pub until: DateTime<Tz>,
}

/// A zoned instant as `2026-11-11T14:00:00+08:00[Asia/Shanghai]`.
pub(crate) mod zoned {
    use chrono::DateTime;
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Tz>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}[{}]", t.to_rfc3339(), t.timezone().name()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Tz>, D::Error> {
        let text = String::deserialize(d)?;
        let bad = || serde::de::Error::custom(format!("`{text}` is not an instant with its zone"));
        let (t, zone) = text
            .strip_suffix(']')
            .and_then(|x| x.split_once('['))
            .ok_or_else(bad)?;
        let tz: Tz = zone.parse().map_err(|_| bad())?;
        DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&tz))
            .map_err(|_| bad())
    }
}

/// Local date-time formats accepted on the command line.
const LOCAL_FORMATS: [&str; 3] = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"];

/// A local time `YYYY-MM-DD HH:MM` in `tz`; with `date_end`, a bare date
/// `YYYY-MM-DD` is the end of that day (the next midnight), otherwise its start.
pub fn parse_local(
    text: &str,
    tz: Tz,
    date_end: bool,
) -> std::result::Result<DateTime<Tz>, String> {
    let t = text.trim();
    let naive = LOCAL_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok());
    if let Some(n) = naive {
        return chrono::TimeZone::from_local_datetime(&tz, &n)
            .earliest()
            .ok_or_else(|| format!("local time `{t}` does not exist in {tz}"));
    }
    let date = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map_err(|_| format!("`{t}` is not a local time YYYY-MM-DD HH:MM or a date YYYY-MM-DD"))?;
    Ok(local_midnight(
        tz,
        if date_end {
            date + Duration::days(1)
        } else {
            date
        },
    ))
}

impl Absence {
    /// Parses `ID`, `ID@FROM..UNTIL`, `ID@..UNTIL` or `ID@FROM..`: FROM
    /// defaults to `from` (the re-plan's start), UNTIL to the end of the
    /// plan; a bare date is the start (FROM) or the end (UNTIL) of that day.
    pub fn parse(
        text: &str,
        scenario: &Scenario,
        from: DateTime<Tz>,
        end: DateTime<Tz>,
    ) -> std::result::Result<Absence, String> {
        let tz = scenario.site.timezone;
        let (id, span) = match text.split_once('@') {
            Some((id, span)) => (id.trim(), Some(span)),
            None => (text.trim(), None),
        };
        if !scenario.agents.iter().any(|a| a.id == id) {
            return Err(format!("--absent {text}: no agent `{id}` in the scenario"));
        }
        let (mut a, mut b) = (from, end);
        if let Some(span) = span {
            let (x, y) = span.split_once("..").ok_or_else(|| {
                format!("--absent {text}: expected ID@FROM..UNTIL (either side may be empty)")
            })?;
            if !x.trim().is_empty() {
                a = parse_local(x, tz, false).map_err(|m| format!("--absent {text}: {m}"))?;
            }
            if !y.trim().is_empty() {
                b = parse_local(y, tz, true).map_err(|m| format!("--absent {text}: {m}"))?;
            }
        }
        if b <= a {
            return Err(format!(
                "--absent {text}: the absence ends before it begins"
            ));
        }
        Ok(Absence {
            agent_id: id.to_string(),
            from: a,
            until: b,
        })
    }
}

/// What a re-plan allows beyond the scenario's rules (`docs/replan.md`),
/// given as facts, never taken from the optimizer: the absences and the
/// overtime rules of every re-plan since the last publish
/// ([`Allowances::union`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowances {
    /// No shift may overlap an absence. A shift that ends where an absence
    /// of its agent begins was cut short by it: a record of time worked,
    /// whose start, length and breaks are not held to the templates. An
    /// agent absent during the plan has no weekly minimum.
    pub absences: Vec<Absence>,
    /// Overtime: a shift may run past the longest regular length that fits
    /// its start by whole steps up to the most per shift; the overtime
    /// counts to the agent's overtime maximum instead of the contract.
    pub overtime: Option<crate::scenario::Overtime>,
}

impl Allowances {
    pub(crate) fn cut_short(&self, s: &Shift) -> bool {
        self.absences
            .iter()
            .any(|a| a.agent_id == s.agent_id && a.from == s.end)
    }

    /// What `self` and `other` allow together: every absence of either
    /// (an absence inside another of the same agent once), and overtime
    /// when either allows it, up to the larger of each cap in the finer
    /// of the steps.
    pub fn union(&self, other: &Allowances) -> Allowances {
        let mut absences: Vec<Absence> = Vec::new();
        for a in self.absences.iter().chain(&other.absences) {
            let inside =
                |b: &Absence| b.agent_id == a.agent_id && b.from <= a.from && a.until <= b.until;
            if absences.iter().any(inside) {
                continue;
            }
            absences
                .retain(|b| !(b.agent_id == a.agent_id && a.from <= b.from && b.until <= a.until));
            absences.push(a.clone());
        }
        absences
            .sort_by(|a, b| (&a.agent_id, a.from, a.until).cmp(&(&b.agent_id, b.from, b.until)));
        let overtime = match (&self.overtime, &other.overtime) {
            (Some(a), Some(b)) => Some(crate::scenario::Overtime {
                max_hours: a.max_hours.max(b.max_hours),
                max_minutes_per_shift: a.max_minutes_per_shift.max(b.max_minutes_per_shift),
                step_minutes: a.step_minutes.min(b.step_minutes),
                premium: a.premium.max(b.premium),
            }),
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        Allowances { absences, overtime }
    }

    /// Hours of a shift of `len` hours past the longest regular length
    /// (`regular(hours)`: a template of the day lasts that long) that fits.
    pub(crate) fn overtime_hours(&self, len: f64, regular: impl Fn(f64) -> bool) -> f64 {
        let Some(ot) = self.overtime.as_ref().filter(|o| o.step_minutes > 0) else {
            return 0.0;
        };
        if regular(len) {
            return 0.0;
        }
        (1..=ot.max_minutes_per_shift / ot.step_minutes)
            .map(|i| f64::from(i * ot.step_minutes) / 60.0)
            .find(|&e| regular(len - e))
            .unwrap_or(0.0)
    }

    /// Overtime past the most a shift may run over: the hours past the
    /// longest regular length that fits, by whole steps beyond the cap,
    /// when no step within it makes the shift regular (none without an
    /// overtime allowance).
    pub(crate) fn overtime_past_cap(&self, len: f64, regular: impl Fn(f64) -> bool) -> Option<f64> {
        let ot = self.overtime.as_ref().filter(|o| o.step_minutes > 0)?;
        if regular(len) || self.overtime_hours(len, &regular) > 0.0 {
            return None;
        }
        let step = f64::from(ot.step_minutes) / 60.0;
        let first = ot.max_minutes_per_shift / ot.step_minutes + 1;
        (first..)
            .map(|i| f64::from(i) * step)
            .take_while(|&e| e < len)
            .find(|&e| regular(len - e))
    }
}

/// `absences` with each one inside another of the same agent left out:
/// what a re-plan adds to the absences it carries over.
pub fn merge_absences(absences: &[Absence]) -> Vec<Absence> {
    Allowances {
        absences: absences.to_vec(),
        overtime: None,
    }
    .union(&Allowances::default())
    .absences
}

/// The published roster as it stands once the absences are taken out:
/// shifts an absence covers from their start are dropped, shifts it
/// interrupts end where it begins (keeping the breaks taken by then).
pub fn without_absences(scenario: &Scenario, roster: &Roster, absences: &[Absence]) -> Roster {
    let mut out = roster.clone();
    out.shifts = roster
        .shifts
        .iter()
        .filter_map(|s| {
            let cut = absences
                .iter()
                .filter(|a| a.agent_id == s.agent_id && a.from < s.end && a.until > s.start)
                .map(|a| a.from)
                .min();
            match cut {
                None => Some(s.clone()),
                Some(c) if c <= s.start => None,
                Some(c) => Some(cut_short(scenario, s, c)),
            }
        })
        .collect();
    out
}

/// Shift `s` ended at `at`, with the breaks that were over by then and the
/// paid hours that follow (its length less the unpaid breaks kept).
pub fn cut_short(scenario: &Scenario, s: &Shift, at: DateTime<Tz>) -> Shift {
    let mut c = s.clone();
    c.end = at;
    c.breaks.retain(|b| b.end <= at);
    let unpaid: f64 = c
        .breaks
        .iter()
        .filter(|b| unpaid_break(scenario, s, b))
        .map(|b| (b.end - b.start).num_seconds() as f64 / 3600.0)
        .sum();
    c.paid_hours = c.length_hours() - unpaid;
    c
}

/// Whether break `b` of shift `s` is unpaid: by the break rule of its kind
/// whose window holds its start.
fn unpaid_break(scenario: &Scenario, s: &Shift, b: &Break) -> bool {
    let from = (b.start - s.start).num_seconds() as f64 / 3600.0;
    // The breaks of the agent's site.
    let rules = scenario
        .agents
        .iter()
        .find(|a| a.id == s.agent_id)
        .map_or_else(|| scenario.rules.clone(), |a| scenario.rules_of(a));
    rules.break_rules().iter().any(|r| {
        r.kind == b.kind
            && !r.paid
            && from + 1e-6 >= r.earliest_start_hours
            && from < r.latest_end_hours
    })
}

/// Overtime hours of agent `agent_id`'s shift of `len` hours starting at
/// `start`: its length past the longest regular length (of a template of
/// the agent's site whose start window holds the start) in whole steps, as
/// the validator counts it.
pub fn overtime_at(scenario: &Scenario, agent_id: &str, start: DateTime<Tz>, len: f64) -> f64 {
    use chrono::Timelike;
    let minute = start.hour() * 60 + start.minute();
    // The agent's site's templates (the scenario's unless the site has its own).
    let site = scenario
        .agents
        .iter()
        .find(|a| a.id == agent_id)
        .map_or(&scenario.sites[0], |a| scenario.site_of(a));
    let templates = site.rules(&scenario.rules).templates();
    let allow = Allowances {
        absences: Vec::new(),
        overtime: Some(scenario.replan.overtime.clone()),
    };
    allow.overtime_hours(len, |h| {
        templates.iter().any(|t| {
            t.start.allows(minute) && t.lengths_hours.iter().any(|&l| (l - h).abs() < 1e-6)
        })
    })
}
