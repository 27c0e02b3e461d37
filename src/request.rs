//! The agents' requests (`rota request`, `rota swap`, `docs/requests.md`):
//! time off (whole days or part of a day), shift swaps and wishes, read
//! against the scenario, reviewed against the coverage of the latest
//! published version, and carried into the next plan.
//!
//! A review changes the published roster as the request asks and
//! recommends approval when the changed roster passes the validator with
//! the request's absence as an allowance (`roster::validate::validate_with`)
//! and no queue's service level, in the intervals of the days it touches,
//! falls below the scenario's floor (`objective.interval_minimum`, or the
//! queue's own) or below a `min_staff` floor where it was not already.
//! Otherwise it tries the re-plan's remedies for each shift the request
//! takes away — a swap with an agent off that day (the two trade shifts),
//! the reserve pool, a worked day off — cheapest first by the scenario's
//! `replan` weights (`replan::change_cost`), and recommends the first that
//! passes both checks; failing that, denial with the reason in words.
//! Each review states the cost of the change and how it moves the fairness
//! counts (weekend days, late shifts) of the agents it touches.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike};
use chrono_tz::Tz;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::horizon::{local_midnight, Horizon};
use crate::replan::{change_cost, diff, Change, ChangeCost};
use crate::roster::absence::{parse_local, without_absences, Absence, Allowances};
use crate::roster::model::{Roster, Shift};
use crate::roster::validate::validate_with;
use crate::scenario::{ClockTime, DaySpec, Preference, Remedy, Scenario};
use crate::staffing::QueueRequirements;
use crate::store::{NewRequest, RequestKind, StoredRequest};

/// What a request asks, read against the scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    /// Time off: an absence (whole days, or from an instant of a day).
    Off(Absence),
    /// `agent` gives its shift of `date` to `other`, who gives its shift of
    /// `other_date` (the same day when equal) to `agent`.
    Swap {
        agent: String,
        other: String,
        date: NaiveDate,
        other_date: NaiveDate,
    },
    /// A wish for the next plan.
    Wish { agent: String, preference: Wish },
}

/// A wish: one of `off`, `start_after HH:MM`, `start_before HH:MM`,
/// `end_before HH:MM`, on the dates from `from` to `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wish {
    pub text: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl Wish {
    /// The preference the next plan gets (weight: the scenario's default, 5).
    pub fn preference(&self) -> Preference {
        let mut p = Preference {
            days: Some(
                (0..=(self.until - self.from).num_days())
                    .map(|i| DaySpec::Date(self.from + Duration::days(i)))
                    .collect(),
            ),
            off: false,
            start_after: None,
            start_before: None,
            end_before: None,
            weight: 5.0,
        };
        let (what, at) = self.text.split_once(' ').unwrap_or((&self.text, ""));
        let t = ClockTime::parse(at).ok();
        match what {
            "off" => p.off = true,
            "start_after" => p.start_after = t,
            "start_before" => p.start_before = t,
            _ => p.end_before = t,
        }
        p
    }
}

/// The columns of a requests CSV (`docs/requests.md`), in this order.
pub const CSV_COLUMNS: [&str; 7] = [
    "agent_id",
    "kind",
    "from",
    "until",
    "other_agent",
    "wish",
    "note",
];

/// A request's fields as given (on the command line or a CSV row), by
/// the names of [`CSV_COLUMNS`].
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub agent_id: String,
    pub kind: String,
    pub from: String,
    pub until: String,
    pub other_agent: String,
    pub wish: String,
    pub note: String,
}

/// The error of a field: its name and what is wrong.
pub type FieldError = (&'static str, String);

fn date_in_plan(
    sc: &Scenario,
    field: &'static str,
    text: &str,
) -> std::result::Result<NaiveDate, FieldError> {
    let d = crate::scenario::parse_date(text.trim()).map_err(|m| (field, m))?;
    let dates = sc.dates();
    if !dates.contains(&d) {
        return Err((
            field,
            format!(
                "{d} is not a day of the plan ({} to {})",
                dates[0],
                dates[dates.len() - 1]
            ),
        ));
    }
    Ok(d)
}

fn agent_of<'a>(
    sc: &'a Scenario,
    field: &'static str,
    id: &str,
) -> std::result::Result<&'a str, FieldError> {
    sc.agents
        .iter()
        .find(|a| a.id == id.trim())
        .map(|a| a.id.as_str())
        .ok_or_else(|| {
            (
                field,
                format!("no agent `{}` in the scenario", crate::limits::excerpt(id)),
            )
        })
}

/// Reads a request's fields against the scenario: the request to store,
/// or the field at fault. `source` says where it came from.
pub fn read_fields(
    sc: &Scenario,
    f: &Fields,
    source: &str,
) -> std::result::Result<NewRequest, FieldError> {
    let agent = agent_of(sc, "agent_id", &f.agent_id)?.to_string();
    let kind = RequestKind::parse(f.kind.trim()).ok_or_else(|| {
        (
            "kind",
            format!(
                "`{}` is not a kind of request: off, swap or wish",
                crate::limits::excerpt(&f.kind)
            ),
        )
    })?;
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let mut r = NewRequest {
        agent_id: agent,
        kind: Some(kind),
        note: f.note.clone(),
        source: source.to_string(),
        ..Default::default()
    };
    if f.from.trim().is_empty() {
        return Err((
            "from",
            "missing: the date (or local time) the request begins".into(),
        ));
    }
    match kind {
        RequestKind::Off => {
            r.from = opt(&f.from);
            r.until = opt(&f.until).or_else(|| r.from.clone());
        }
        RequestKind::Swap => {
            let other = agent_of(sc, "other_agent", &f.other_agent)
                .map_err(|(_, m)| ("other_agent", format!("a swap names the other agent: {m}")))?;
            if other == r.agent_id {
                return Err(("other_agent", "an agent cannot swap with itself".into()));
            }
            r.other_agent = Some(other.to_string());
            r.date = Some(date_in_plan(sc, "from", &f.from)?.to_string());
            r.other_date = Some(match opt(&f.until) {
                Some(u) => date_in_plan(sc, "until", &u)?.to_string(),
                None => r.date.clone().unwrap_or_default(),
            });
        }
        RequestKind::Wish => {
            r.from = opt(&f.from);
            r.until = opt(&f.until).or_else(|| r.from.clone());
            r.wish = Some(f.wish.trim().to_string());
        }
    }
    // Everything the review will read must read now.
    read(sc, &r)?;
    Ok(r)
}

/// What a stored request asks, read against the scenario; the field at
/// fault otherwise.
pub fn read(sc: &Scenario, r: &NewRequest) -> std::result::Result<Ask, FieldError> {
    let tz = sc.site.timezone;
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    match r.kind {
        Some(RequestKind::Off) => {
            let from = parse_local(&text(&r.from), tz, false).map_err(|m| ("from", m))?;
            let until = parse_local(&text(&r.until), tz, true).map_err(|m| ("until", m))?;
            let dates = sc.dates();
            let (first, end) = (
                local_midnight(tz, dates[0]),
                local_midnight(tz, dates[dates.len() - 1] + Duration::days(1)),
            );
            if until <= from {
                return Err(("until", "the time off ends before it begins".into()));
            }
            if until <= first || from >= end {
                return Err((
                    "from",
                    format!(
                        "the time off lies outside the plan ({} to {})",
                        dates[0],
                        dates[dates.len() - 1]
                    ),
                ));
            }
            Ok(Ask::Off(Absence {
                agent_id: r.agent_id.clone(),
                from: from.max(first),
                until: until.min(end),
            }))
        }
        Some(RequestKind::Swap) => Ok(Ask::Swap {
            agent: r.agent_id.clone(),
            other: text(&r.other_agent),
            date: date_in_plan(sc, "from", &text(&r.date))?,
            other_date: date_in_plan(sc, "until", &text(&r.other_date))?,
        }),
        Some(RequestKind::Wish) => {
            let from = date_in_plan(sc, "from", &text(&r.from))?;
            let until = date_in_plan(sc, "until", &text(&r.until))?;
            if until < from {
                return Err(("until", "the wish ends before it begins".into()));
            }
            let w = text(&r.wish);
            let (what, at) = w.split_once(' ').unwrap_or((&w, ""));
            match what {
                "off" if at.is_empty() => {}
                "start_after" | "start_before" | "end_before" => {
                    ClockTime::parse(at).map_err(|m| ("wish", m))?;
                }
                _ => {
                    return Err((
                        "wish",
                        format!(
                            "`{}` is not a wish: off, start_after HH:MM, start_before HH:MM or end_before HH:MM",
                            crate::limits::excerpt(&w)
                        ),
                    ))
                }
            }
            Ok(Ask::Wish {
                agent: r.agent_id.clone(),
                preference: Wish {
                    text: w,
                    from,
                    until,
                },
            })
        }
        None => Err(("kind", "missing".into())),
    }
}

/// Reads a requests CSV from HR (`docs/requests.md`): a header with the
/// columns of [`CSV_COLUMNS`] (any order; `until`, `other_agent`, `wish`
/// and `note` may be left out), one request a row. Every row is read
/// before anything is stored; the first error names the file, line and
/// field.
pub fn read_csv(sc: &Scenario, path: &Path) -> Result<Vec<NewRequest>> {
    let text =
        crate::limits::read_text_within(path, crate::limits::MAX_ROSTER_BYTES, "requests CSV")?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::input(path, Some(1), None, format!("not CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for h in &header {
        if !CSV_COLUMNS.contains(&h.as_str()) {
            return Err(Error::input(
                path,
                Some(1),
                Some(h),
                format!("unknown column; the columns are {}", CSV_COLUMNS.join(", ")),
            ));
        }
    }
    for required in ["agent_id", "kind", "from"] {
        if !header.iter().any(|h| h == required) {
            return Err(Error::input(
                path,
                Some(1),
                Some(required),
                "missing column",
            ));
        }
    }
    let file = path.display().to_string();
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            Error::input(path, line, None, format!("not CSV: {e}"))
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let mut f = Fields::default();
        for (h, v) in header.iter().zip(rec.iter()) {
            let v = crate::csv_cell::spreadsheet_text(v).to_string();
            match h.as_str() {
                "agent_id" => f.agent_id = v,
                "kind" => f.kind = v,
                "from" => f.from = v,
                "until" => f.until = v,
                "other_agent" => f.other_agent = v,
                "wish" => f.wish = v,
                _ => f.note = v,
            }
        }
        let r = read_fields(sc, &f, &format!("{file}:{line}"))
            .map_err(|(field, m)| Error::input(path, Some(line), Some(field), m))?;
        out.push(r);
    }
    if out.is_empty() {
        return Err(Error::input(path, None, None, "no requests in the file"));
    }
    Ok(out)
}

/// What the review recommends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "recommend", content = "why")]
pub enum Recommendation {
    /// Coverage allows it as asked.
    Approve,
    /// Coverage allows it with a repair, described in words.
    Repair(String),
    /// Nothing found that keeps the rules and the floors: why, in words.
    Deny(String),
    /// A wish: nothing changes now; the next plan takes it as a preference.
    NextPlan(String),
}

/// How one agent's fairness counts move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FairnessChange {
    pub agent_id: String,
    pub weekend_days: (u32, u32),
    pub late_shifts: (u32, u32),
}

/// The review of one request against a published roster.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub request: i64,
    pub agent_id: String,
    pub kind: RequestKind,
    /// The request in words.
    pub asks: String,
    pub recommendation: Recommendation,
    /// Why the request as asked falls short, when it needs a repair.
    pub as_asked: Option<String>,
    /// The roster with the change (and its repair), when recommended.
    #[serde(skip)]
    pub roster: Option<Roster>,
    /// The absences the change takes as given.
    pub absences: Vec<Absence>,
    /// The changes against the published roster, and their cost under the
    /// scenario's `replan` weights.
    #[serde(skip)]
    pub changes: Vec<Change>,
    pub cost: ChangeCost,
    /// Paid hours after less before.
    pub paid_hours_change: f64,
    pub fairness: Vec<FairnessChange>,
}

/// What a review reviews against.
pub struct Context<'a> {
    pub scenario: &'a Scenario,
    pub horizon: &'a Horizon,
    pub requirements: &'a [QueueRequirements],
    /// The latest published roster.
    pub published: &'a Roster,
    /// The allowances of its version (its chain of re-plans).
    pub carried: &'a Allowances,
    /// The published roster's evaluation of each span of intervals judged.
    before: std::cell::RefCell<BTreeMap<(usize, usize), crate::report::Evaluation>>,
    /// What each span of intervals judged, by what changed in it.
    judged: std::cell::RefCell<BTreeMap<(usize, usize, String), Vec<String>>>,
    /// The scenario without its agents, for the validator of a few.
    bare: std::cell::OnceCell<Scenario>,
}

impl<'a> Context<'a> {
    pub fn new(
        scenario: &'a Scenario,
        horizon: &'a Horizon,
        requirements: &'a [QueueRequirements],
        published: &'a Roster,
        carried: &'a Allowances,
    ) -> Context<'a> {
        Context {
            scenario,
            horizon,
            requirements,
            published,
            carried,
            before: Default::default(),
            judged: Default::default(),
            bare: Default::default(),
        }
    }
}

/// The service-level floor of queue `q`: the objective's per-queue
/// `interval_minimum`, else its `interval_minimum`.
pub fn floor(sc: &Scenario, q: &str) -> Option<f64> {
    sc.objective
        .queues
        .get(q)
        .and_then(|o| o.interval_minimum)
        .or(sc.objective.interval_minimum)
}

/// The horizon and requirements of the intervals from `lo` to `hi`
/// alone: coverage of voice and chat is judged interval by interval, so
/// the hours a change touches are evaluated on their own (fast on a large
/// centre).
fn window(
    h: &Horizon,
    reqs: &[QueueRequirements],
    lo: usize,
    hi: usize,
) -> (Horizon, Vec<QueueRequirements>) {
    let sub = Horizon {
        tz: h.tz,
        interval_minutes: h.interval_minutes,
        dates: h.dates.clone(),
        intervals: h.intervals[lo..hi].to_vec(),
        end: h.intervals.get(hi).map_or(h.end, |iv| iv.start),
    };
    let r = reqs
        .iter()
        .map(|q| QueueRequirements {
            queue: q.queue.clone(),
            intervals: q.intervals[lo..hi].to_vec(),
        })
        .collect();
    (sub, r)
}

/// The intervals (`lo..hi`) the shifts touch, overlapping spans merged.
fn spans<'a>(h: &Horizon, shifts: impl Iterator<Item = &'a Shift>) -> Vec<(usize, usize)> {
    let step = Duration::minutes(i64::from(h.interval_minutes));
    let mut out: Vec<(usize, usize)> = shifts
        .filter_map(|s| {
            let lo = h
                .intervals
                .iter()
                .position(|iv| iv.start + step > s.start)?;
            let hi = h
                .intervals
                .iter()
                .position(|iv| iv.start >= s.end)
                .unwrap_or(h.intervals.len());
            (lo < hi).then_some((lo, hi))
        })
        .collect();
    out.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (lo, hi) in out {
        match merged.last_mut() {
            Some(m) if lo <= m.1 => m.1 = m.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    merged
}

fn weekday_name(d: NaiveDate) -> &'static str {
    match d.weekday() {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    }
}

fn hhmm(t: DateTime<Tz>) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

impl Context<'_> {
    /// Where `after` falls short of the floors on the days from `first`
    /// to `last`, against the published roster: each run of intervals of
    /// a queue below its floor (and below what it was), in words. Empty
    /// when it holds.
    fn coverage_short(
        &self,
        after: &Roster,
        changes: &[Change],
        touched: &[(usize, usize)],
    ) -> Result<Vec<String>> {
        let sc = self.scenario;
        let floors: Vec<Option<f64>> = sc.queues.iter().map(|q| floor(sc, &q.id)).collect();
        if floors.iter().all(Option::is_none) && sc.min_staff.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for &(lo, hi) in touched {
            // What the span sees change: shifts out and in, by their times,
            // queues and proficiencies (whose they are does not count).
            let from = self.horizon.intervals[lo].start;
            let to = self
                .horizon
                .intervals
                .get(hi)
                .map_or(self.horizon.end, |iv| iv.start);
            let mut seen: Vec<String> = Vec::new();
            for c in changes {
                for (sign, s) in [("-", &c.before), ("+", &c.after)] {
                    let Some(s) = s.as_ref().filter(|s| s.end > from && s.start < to) else {
                        continue;
                    };
                    let agent = sc.agents.iter().find(|a| a.id == s.agent_id);
                    let skills: Vec<String> = s
                        .skills
                        .iter()
                        .map(|q| format!("{q}@{}", agent.map_or(1.0, |a| a.proficiency(q))))
                        .collect();
                    let breaks: Vec<String> = s
                        .breaks
                        .iter()
                        .map(|b| format!("{}..{}", b.start, b.end))
                        .collect();
                    seen.push(format!(
                        "{sign}{}..{} {} {}",
                        s.start,
                        s.end,
                        breaks.join(","),
                        skills.join(",")
                    ));
                }
            }
            seen.sort();
            let key = (lo, hi, seen.join(";"));
            if let Some(found) = self.judged.borrow().get(&key) {
                out.extend(found.iter().cloned());
                continue;
            }
            let mut here = Vec::new();
            self.span_short(after, lo, hi, &floors, &mut here)?;
            out.extend(here.iter().cloned());
            self.judged.borrow_mut().insert(key, here);
        }
        Ok(out)
    }

    /// [`Context::coverage_short`] of the intervals `lo..hi`, its runs
    /// added to `out`.
    fn span_short(
        &self,
        after: &Roster,
        lo: usize,
        hi: usize,
        floors: &[Option<f64>],
        out: &mut Vec<String>,
    ) -> Result<()> {
        let sc = self.scenario;
        let (h, reqs) = window(self.horizon, self.requirements, lo, hi);
        let on = |r: &Roster| Roster {
            shifts: r
                .shifts
                .iter()
                .filter(|s| s.end > h.intervals[0].start && s.start < h.end)
                .cloned()
                .collect(),
            site_name: r.site_name.clone(),
            timezone: r.timezone,
        };
        if !self.before.borrow().contains_key(&(lo, hi)) {
            let e = crate::report::evaluate(sc, &h, &reqs, &on(self.published))?;
            self.before.borrow_mut().insert((lo, hi), e);
        }
        let cache = self.before.borrow();
        let before = &cache[&(lo, hi)];
        let now = crate::report::evaluate(sc, &h, &reqs, &on(after))?;
        for (qi, q) in sc.queues.iter().enumerate() {
            // Runs of short intervals: first, last, the lowest value, in
            // words, and the floor it is held to.
            type Run = (usize, usize, f64, String, String);
            let mut run: Option<Run> = None;
            let mut flush = |run: &mut Option<Run>| {
                if let Some((a, b, _, low, against)) = run.take() {
                    let start = h.intervals[a].start;
                    let end =
                        h.intervals[b].start + Duration::minutes(i64::from(h.interval_minutes));
                    out.push(format!(
                        "{} {}–{} {} would fall to {low} against {against}",
                        weekday_name(h.intervals[a].date),
                        hhmm(start),
                        hhmm(end),
                        q.id
                    ));
                }
            };
            for t in 0..h.intervals.len() {
                let (b, a) = (&before.intervals[qi][t], &now.intervals[qi][t]);
                let mut short: Option<(f64, String, String)> = None;
                if let Some(fl) = floors[qi] {
                    if reqs[qi].intervals[t].volume > 0.0
                        && a.service_level + 1e-9 < fl
                        && a.service_level + 1e-9 < b.service_level
                    {
                        short = Some((
                            a.service_level,
                            format!("{:.0} %", a.service_level * 100.0),
                            format!("the {:.0} % floor", fl * 100.0),
                        ));
                    }
                }
                if short.is_none()
                    && a.min_staff > 0.0
                    && a.staffed + 1e-9 < a.min_staff
                    && a.staffed + 1e-9 < b.staffed
                {
                    short = Some((
                        a.staffed,
                        format!("{:.1} agents", a.staffed),
                        format!("the min_staff floor of {}", a.min_staff),
                    ));
                }
                match (short, run.as_mut()) {
                    (None, _) => flush(&mut run),
                    (Some((v, text, against)), Some(r)) if r.4 == against && r.1 + 1 == t => {
                        r.1 = t;
                        if v < r.2 {
                            (r.2, r.3) = (v, text);
                        }
                    }
                    (Some((v, text, against)), _) => {
                        flush(&mut run);
                        run = Some((t, t, v, text, against));
                    }
                }
            }
            flush(&mut run);
        }
        Ok(())
    }

    /// The first rule `after` breaks for the agents of `who`, in words.
    fn broken_rule(
        &self,
        after: &Roster,
        who: &BTreeSet<&str>,
        allow: &Allowances,
    ) -> Option<String> {
        let sub = Roster {
            shifts: after
                .shifts
                .iter()
                .filter(|s| who.contains(s.agent_id.as_str()))
                .cloned()
                .collect(),
            site_name: after.site_name.clone(),
            timezone: after.timezone,
        };
        // The validator's rules are per agent: the scenario of these
        // agents alone gives the same findings for them, fast on a large
        // centre.
        let mut only = self
            .bare
            .get_or_init(|| Scenario {
                agents: Vec::new(),
                ..self.scenario.clone()
            })
            .clone();
        only.agents = self
            .scenario
            .agents
            .iter()
            .filter(|a| who.contains(a.id.as_str()))
            .cloned()
            .collect();
        validate_with(&only, &sub, allow)
            .into_iter()
            .find(|v| v.agent_id.is_empty() || who.contains(v.agent_id.as_str()))
            .map(|v| match v.date {
                Some(d) => format!("{} on {d}: {} ({})", v.agent_id, v.message, v.rule),
                None => format!("{}: {} ({})", v.agent_id, v.message, v.rule),
            })
    }

    /// Checks `after` (the published roster changed for `absences`):
    /// the first broken rule or the floors it misses, else `Ok(changes)`.
    fn check(
        &self,
        after: &Roster,
        absences: &[Absence],
        overtime: bool,
    ) -> Result<std::result::Result<Vec<Change>, String>> {
        let changes = diff(self.published, after, absences);
        let who: BTreeSet<&str> = changes
            .iter()
            .map(|c| c.agent_id.as_str())
            .chain(absences.iter().map(|a| a.agent_id.as_str()))
            .collect();
        let allow = self.allowances(absences, overtime);
        if let Some(rule) = self.broken_rule(after, &who, &allow) {
            return Ok(Err(rule));
        }
        let touched = spans(
            self.horizon,
            changes
                .iter()
                .flat_map(|c| c.before.iter().chain(c.after.iter())),
        );
        let short = self.coverage_short(after, &changes, &touched)?;
        if !short.is_empty() {
            return Ok(Err(short.join("; ")));
        }
        Ok(Ok(changes))
    }

    /// The allowances of a version applying a request: the version's own,
    /// the request's absences, and overtime when the change uses it.
    pub fn allowances(&self, absences: &[Absence], overtime: bool) -> Allowances {
        self.carried.union(&Allowances {
            absences: absences.to_vec(),
            overtime: overtime.then(|| self.scenario.replan.overtime.clone()),
        })
    }

    fn review_of(
        &self,
        id: i64,
        r: &NewRequest,
        asks: String,
        recommendation: Recommendation,
        outcome: Option<(Roster, Vec<Change>)>,
        absences: Vec<Absence>,
    ) -> Review {
        let (roster, changes) = match outcome {
            Some((ro, ch)) => (Some(ro), ch),
            None => (None, Vec::new()),
        };
        let cost = change_cost(self.scenario, &changes);
        let paid = |r: &Roster| r.shifts.iter().map(|s| s.paid_hours).sum::<f64>();
        let paid_hours_change = roster
            .as_ref()
            .map_or(0.0, |ro| paid(ro) - paid(self.published));
        let who: BTreeSet<String> = changes.iter().map(|c| c.agent_id.clone()).collect();
        let fairness = roster
            .as_ref()
            .map(|ro| {
                let (b, a) = (
                    fairness_counts(self.scenario, self.published),
                    fairness_counts(self.scenario, ro),
                );
                who.iter()
                    .map(|id| {
                        let x = b.get(id).copied().unwrap_or_default();
                        let y = a.get(id).copied().unwrap_or_default();
                        FairnessChange {
                            agent_id: id.clone(),
                            weekend_days: (x.0, y.0),
                            late_shifts: (x.1, y.1),
                        }
                    })
                    .filter(|f| {
                        f.weekend_days.0 != f.weekend_days.1 || f.late_shifts.0 != f.late_shifts.1
                    })
                    .collect()
            })
            .unwrap_or_default();
        Review {
            request: id,
            agent_id: r.agent_id.clone(),
            kind: r.kind.unwrap_or(RequestKind::Off),
            asks,
            recommendation,
            as_asked: None,
            roster,
            absences,
            changes,
            cost,
            paid_hours_change,
            fairness,
        }
    }

    /// Reviews request `id` (see the module's doc).
    pub fn review(&self, id: i64, r: &NewRequest) -> Result<Review> {
        let sc = self.scenario;
        let ask = read(sc, r).map_err(|(field, m)| {
            Error::Internal(format!(
                "request {id}: its {field} no longer reads against the scenario: {m}"
            ))
        })?;
        match ask {
            Ask::Wish { agent, preference } => {
                let p = preference.preference();
                let honoured = crate::roster::soft::honoured_on(&p, &agent, self.published, sc);
                let words = format!(
                    "{agent} wishes {} from {} to {}",
                    preference.text, preference.from, preference.until
                );
                Ok(self.review_of(
                    id,
                    r,
                    words,
                    Recommendation::NextPlan(if honoured {
                        "the published roster already honours it; the next plan takes it as a preference".into()
                    } else {
                        "the next plan of these days takes it as a preference".into()
                    }),
                    None,
                    Vec::new(),
                ))
            }
            Ask::Swap {
                agent,
                other,
                date,
                other_date,
            } => {
                let words = if date == other_date {
                    format!("{agent} and {other} trade their shifts of {date}")
                } else {
                    format!("{agent} gives {other} the shift of {date} and works {other}'s of {other_date}")
                };
                let after = swapped(sc, self.published, &agent, &other, date, other_date);
                let (rec, outcome) = match after {
                    Err(why) => (Recommendation::Deny(why), None),
                    Ok(after) => match self.check(&after, &[], false)? {
                        Ok(ch) => (Recommendation::Approve, Some((after, ch))),
                        Err(why) => (Recommendation::Deny(why), None),
                    },
                };
                Ok(self.review_of(id, r, words, rec, outcome, Vec::new()))
            }
            Ask::Off(absence) => self.review_off(id, r, absence),
        }
    }

    fn review_off(&self, id: i64, r: &NewRequest, absence: Absence) -> Result<Review> {
        let sc = self.scenario;
        let tz = sc.site.timezone;
        let words = {
            let whole = |t: DateTime<Tz>| t == local_midnight(tz, t.date_naive());
            let last = (absence.until - Duration::seconds(1)).date_naive();
            if whole(absence.from) && whole(absence.until) {
                if absence.from.date_naive() == last {
                    format!("{} off on {}", absence.agent_id, absence.from.date_naive())
                } else {
                    format!(
                        "{} off from {} to {}",
                        absence.agent_id,
                        absence.from.date_naive(),
                        last
                    )
                }
            } else {
                format!(
                    "{} off from {} until {}",
                    absence.agent_id,
                    absence.from.format("%Y-%m-%d %H:%M"),
                    absence.until.format("%Y-%m-%d %H:%M")
                )
            }
        };
        let absences = vec![absence.clone()];
        let after = without_absences(sc, self.published, &absences);
        let first = match self.check(&after, &absences, false)? {
            Ok(ch) => {
                return Ok(self.review_of(
                    id,
                    r,
                    words,
                    Recommendation::Approve,
                    Some((after, ch)),
                    absences,
                ))
            }
            Err(why) => why,
        };
        // The shifts the absence takes away (or cuts short), each to repair.
        let lost: Vec<&Shift> = self
            .published
            .shifts
            .iter()
            .filter(|s| {
                s.agent_id == absence.agent_id && absence.from < s.end && absence.until > s.start
            })
            .collect();
        let mut repaired = after.clone();
        let mut how = Vec::new();
        for s in lost {
            match self.repair(&repaired, s, &absences)? {
                Some((ro, words)) => {
                    repaired = ro;
                    how.push(words);
                }
                None => {
                    return Ok(self.review_of(
                        id,
                        r,
                        words,
                        Recommendation::Deny(first),
                        None,
                        absences,
                    ))
                }
            }
        }
        match self.check(&repaired, &absences, false)? {
            Ok(ch) => Ok(Review {
                as_asked: Some(first),
                ..self.review_of(
                    id,
                    r,
                    words,
                    Recommendation::Repair(how.join("; ")),
                    Some((repaired, ch)),
                    absences,
                )
            }),
            Err(_) => Ok(self.review_of(id, r, words, Recommendation::Deny(first), None, absences)),
        }
    }

    /// The cheapest repair of `base` for the published shift `s` its
    /// agent no longer works: the roster and the repair in words, or none.
    /// Candidates are priced and checked against the rules on the two
    /// agents' shifts alone; coverage is evaluated for the cheapest few.
    fn repair(
        &self,
        base: &Roster,
        s: &Shift,
        absences: &[Absence],
    ) -> Result<Option<(Roster, String)>> {
        /// Coverage evaluations tried per shift at most.
        const TRIES: usize = 8;
        /// A repair: shifts taken out of `base`, shifts added, in words.
        struct Candidate {
            cost: f64,
            changes: Vec<Change>,
            take: Option<Shift>,
            give: Vec<Shift>,
            words: String,
        }
        let sc = self.scenario;
        let rp = &sc.replan;
        let tz = sc.site.timezone;
        let mut by_agent: BTreeMap<&str, Vec<&Shift>> = BTreeMap::new();
        for x in &base.shifts {
            by_agent.entry(x.agent_id.as_str()).or_default().push(x);
        }
        let works = |id: &str, d: NaiveDate| {
            by_agent
                .get(id)
                .is_some_and(|v| v.iter().any(|x| x.date == d))
        };
        let away = |id: &str, d: NaiveDate| {
            absences.iter().any(|a| {
                a.agent_id == id
                    && a.from < local_midnight(tz, d + Duration::days(1))
                    && a.until > local_midnight(tz, d)
            })
        };
        let span = |x: &Shift| format!("{} {}–{}", x.date, hhmm(x.start), hhmm(x.end));
        let mut candidates: Vec<Candidate> = Vec::new();
        for b in &sc.agents {
            if b.id == s.agent_id || works(&b.id, s.date) || away(&b.id, s.date) {
                continue;
            }
            let Some(given) = handed(sc, s, &b.id) else {
                continue;
            };
            // A worked day off, or a reserve agent called.
            let remedy = if b.reserve {
                Remedy::Reserve
            } else {
                Remedy::DaysOff
            };
            if rp.remedy_cost(remedy).is_some() {
                candidates.push(Candidate {
                    cost: 0.0,
                    changes: Vec::new(),
                    take: None,
                    give: vec![given.clone()],
                    words: if b.reserve {
                        format!("{} from the reserve pool works {}", b.id, span(s))
                    } else {
                        format!("{} works {} on a day off", b.id, span(s))
                    },
                });
            }
            // A swap: `b` works this shift, and the absent agent one of
            // `b`'s shifts on a day it has off.
            if b.reserve {
                continue;
            }
            for theirs in by_agent.get(b.id.as_str()).into_iter().flatten() {
                if works(&s.agent_id, theirs.date) || away(&s.agent_id, theirs.date) {
                    continue;
                }
                let Some(back) = handed(sc, theirs, &s.agent_id) else {
                    continue;
                };
                candidates.push(Candidate {
                    cost: 0.0,
                    changes: Vec::new(),
                    take: Some((*theirs).clone()),
                    give: vec![given.clone(), back],
                    words: format!(
                        "swap: {} works {}'s shift of {}, and {} works {}'s of {}",
                        b.id,
                        s.agent_id,
                        span(s),
                        s.agent_id,
                        b.id,
                        span(theirs)
                    ),
                });
            }
        }
        // The agents a candidate touches, before and after it.
        let mut published: BTreeMap<&str, Vec<&Shift>> = BTreeMap::new();
        for x in &self.published.shifts {
            published.entry(x.agent_id.as_str()).or_default().push(x);
        }
        let of = |by: &BTreeMap<&str, Vec<&Shift>>, who: &BTreeSet<&str>| {
            let mut ro = Roster {
                shifts: who
                    .iter()
                    .flat_map(|id| by.get(id).into_iter().flatten())
                    .map(|x| (*x).clone())
                    .collect(),
                site_name: base.site_name.clone(),
                timezone: base.timezone,
            };
            ro.sort();
            ro
        };
        let touched = |c: &Candidate| -> BTreeSet<String> {
            c.give
                .iter()
                .map(|x| x.agent_id.clone())
                .chain([s.agent_id.clone()])
                .collect()
        };
        let after_of = |c: &Candidate, who: &BTreeSet<&str>| {
            let mut ro = of(&by_agent, who);
            ro.shifts.retain(|x| Some(x) != c.take.as_ref());
            ro.shifts.extend(c.give.iter().cloned());
            ro.sort();
            ro
        };
        for c in &mut candidates {
            let ids = touched(c);
            let who: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
            let before = of(&published, &who);
            c.changes = diff(&before, &after_of(c, &who), absences);
            c.cost = change_cost(sc, &c.changes).cost;
        }
        candidates.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.words.cmp(&b.words)));
        let allow = self.allowances(absences, false);
        let mut tried = 0;
        for c in candidates {
            let ids = touched(&c);
            let who: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
            if self
                .broken_rule(&after_of(&c, &who), &who, &allow)
                .is_some()
            {
                continue;
            }
            if tried == TRIES {
                break;
            }
            tried += 1;
            let mut ro = base.clone();
            ro.shifts.retain(|x| Some(x) != c.take.as_ref());
            ro.shifts.extend(c.give.iter().cloned());
            ro.sort();
            let touched = spans(self.horizon, c.give.iter().chain(c.take.iter()));
            if self.coverage_short(&ro, &c.changes, &touched)?.is_empty() {
                return Ok(Some((ro, c.words)));
            }
        }
        Ok(None)
    }
}

/// Shift `s` as agent `to` would work it: the queues of `s` that `to` has
/// (all of `to`'s skills when `s` lists none), none when `to` has none of them.
fn handed(sc: &Scenario, s: &Shift, to: &str) -> Option<Shift> {
    let agent = sc.agents.iter().find(|a| a.id == to)?;
    let skills: Vec<String> = if s.skills.is_empty() {
        agent.skills.clone()
    } else {
        s.skills
            .iter()
            .filter(|q| agent.skills.contains(q))
            .cloned()
            .collect()
    };
    if skills.is_empty() {
        return None;
    }
    Some(Shift {
        agent_id: agent.id.clone(),
        agent_name: agent.name.clone(),
        skills,
        ..s.clone()
    })
}

/// The roster with `agent`'s shift of `date` given to `other` and
/// `other`'s shift of `other_date` given to `agent`; why not, in words,
/// when neither has a shift to trade or one lacks the other's skills.
pub fn swapped(
    sc: &Scenario,
    roster: &Roster,
    agent: &str,
    other: &str,
    date: NaiveDate,
    other_date: NaiveDate,
) -> std::result::Result<Roster, String> {
    let mine = roster
        .shifts
        .iter()
        .find(|s| s.agent_id == agent && s.date == date);
    let theirs = roster
        .shifts
        .iter()
        .find(|s| s.agent_id == other && s.date == other_date);
    if mine.is_none() && theirs.is_none() {
        return Err(format!(
            "nothing to swap: {agent} works no shift on {date} and {other} none on {other_date}"
        ));
    }
    let mut out = roster.clone();
    out.shifts.retain(|s| Some(s) != mine && Some(s) != theirs);
    for (s, to) in [(mine, other), (theirs, agent)] {
        if let Some(s) = s {
            let given = handed(sc, s, to).ok_or_else(|| {
                format!(
                    "{to} lacks the skills of {}'s shift of {} ({})",
                    s.agent_id,
                    s.date,
                    s.skills.join(", ")
                )
            })?;
            out.shifts.push(given);
        }
    }
    out.sort();
    Ok(out)
}

/// Per agent: (weekend days worked, late shifts), by the scenario's
/// `rules.fairness` (or its defaults: Saturday and Sunday, ending after 21:00).
pub fn fairness_counts(sc: &Scenario, roster: &Roster) -> BTreeMap<String, (u32, u32)> {
    let f = sc.rules.fairness.clone().unwrap_or_default();
    let mut out: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for s in &roster.shifts {
        let e = out.entry(s.agent_id.clone()).or_default();
        if f.weekend.iter().any(|d| d.matches(s.date)) {
            e.0 += 1;
        }
        let end_day = s.end.date_naive();
        let end_min = s.end.hour() * 60 + s.end.minute();
        if end_day > s.date || end_min > f.late_after.minutes() {
            e.1 += 1;
        }
    }
    out
}

/// Carries the approved requests of the plan's days into the scenario
/// (`rota plan`): time off covering a whole day becomes a fixed day off;
/// time off for part of a day, a preference to be off then (ending before
/// it begins, or starting after it ends); an approved wish, a preference.
/// Returns what it carried, in words.
pub fn into_plan(sc: &mut Scenario, approved: &[StoredRequest]) -> Vec<String> {
    let tz = sc.site.timezone;
    let dates = sc.dates();
    let mut out = Vec::new();
    for r in approved {
        let Ok(ask) = read(sc, &r.request) else {
            continue;
        };
        let Some(agent) = sc.agents.iter().position(|a| a.id == r.request.agent_id) else {
            continue;
        };
        match ask {
            Ask::Off(a) => {
                for &d in &dates {
                    let (start, end) = (
                        local_midnight(tz, d),
                        local_midnight(tz, d + Duration::days(1)),
                    );
                    if a.from >= end || a.until <= start {
                        continue;
                    }
                    let ag = &mut sc.agents[agent];
                    if a.from <= start && a.until >= end {
                        if !ag.days_off.contains(&d) {
                            ag.days_off.push(d);
                        }
                        out.push(format!("request {}: {} off on {d}", r.id, ag.id));
                    } else {
                        let mut p = Preference {
                            days: Some(vec![DaySpec::Date(d)]),
                            off: false,
                            start_after: None,
                            start_before: None,
                            end_before: None,
                            weight: 10.0,
                        };
                        let at = |t: DateTime<Tz>| ClockTime(t.hour() * 60 + t.minute());
                        if a.from > start {
                            p.end_before = Some(at(a.from));
                        } else {
                            p.start_after = Some(at(a.until));
                        }
                        out.push(format!("request {}: {} wishes {p}", r.id, ag.id));
                        ag.prefers.push(p);
                    }
                }
            }
            Ask::Wish {
                agent: id,
                preference,
            } => {
                let p = preference.preference();
                out.push(format!("request {}: {id} wishes {p}", r.id));
                sc.agents[agent].prefers.push(p);
            }
            Ask::Swap { .. } => {}
        }
    }
    out
}
