//! Checks that need the whole scenario (cross-field rules), each blamed
//! on the line of the field at fault.

use std::collections::BTreeSet;
use std::path::Path;

use super::load::find_line;
use super::*;
use crate::error::{Error, Result};

/// What is wrong with a start window, if anything: the field under the
/// window at fault (empty for the window itself) and the message.
pub(super) fn start_window_problem(sw: &StartWindow) -> Option<(&'static str, String)> {
    if sw.step_minutes == 0 || sw.step_minutes % 15 != 0 {
        return Some((
            ".step_minutes",
            format!("must be a positive multiple of 15, got {}", sw.step_minutes),
        ));
    }
    if sw.earliest > sw.latest || sw.latest.0 >= 24 * 60 {
        return Some((
            "",
            format!(
                "earliest {} must not be after latest {}, and both before 24:00",
                sw.earliest, sw.latest
            ),
        ));
    }
    if sw.earliest.0 % 15 != 0 || sw.latest.0 % 15 != 0 {
        return Some(("", "start times must fall on a quarter hour".into()));
    }
    None
}

/// What is wrong with a list of shift lengths, if anything.
pub(super) fn lengths_problem(lengths: &[f64]) -> Option<String> {
    if lengths.is_empty() {
        return Some("at least one shift length is needed".into());
    }
    for &l in lengths {
        let minutes = l * 60.0;
        if !(1.0..=16.0).contains(&l)
            || (minutes - minutes.round()).abs() > 1e-9
            || minutes.round() as u32 % 15 != 0
        {
            return Some(format!(
                "shift length {l} h must be between 1 and 16 hours in quarter hours"
            ));
        }
    }
    None
}

impl Scenario {
    /// Checks that need the whole scenario (cross-field rules).
    pub(super) fn check(&self, src: &str, path: &Path) -> Result<()> {
        let err = |needle: &str, nth: usize, field: &str, msg: String| {
            Error::input(path, find_line(src, needle, nth), Some(field), msg)
        };
        let p = &self.planning;
        if !matches!(p.interval_minutes, 15 | 30 | 60) {
            return Err(err(
                "interval_minutes",
                0,
                "planning.interval_minutes",
                format!("must be 15, 30 or 60, got {}", p.interval_minutes),
            ));
        }
        if !(1..=crate::limits::MAX_PLANNED_DAYS).contains(&p.days) {
            return Err(err(
                "days:",
                0,
                "planning.days",
                format!(
                    "must be between 1 and {}, got {}",
                    crate::limits::MAX_PLANNED_DAYS,
                    p.days
                ),
            ));
        }
        if self.history.weeks == 0 {
            return Err(err(
                "weeks:",
                0,
                "history.weeks",
                "must be at least 1".into(),
            ));
        }
        if !self.has_history() && self.forecast.file.is_none() {
            let why = if self.requirements.is_some() {
                "requirements.file gives the agents, but volume and handle time are still needed to predict the service level a roster delivers: "
            } else {
                ""
            };
            return Err(err(
                "name:",
                0,
                "history",
                format!("{why}the scenario needs `history` (interval history to forecast from) or `forecast.file` (a forecast made elsewhere)"),
            ));
        }
        if self.requirements.is_some() && self.objective.mode == ObjectiveMode::ServiceLevel {
            return Err(err(
                "mode:",
                0,
                "objective.mode",
                "service_level chooses staff from volume and handle time, while requirements.file fixes the agents: use one or the other".into(),
            ));
        }
        if self.queues.len() > crate::limits::MAX_QUEUES
            || self.agents.len() > crate::limits::MAX_AGENTS
        {
            return Err(err(
                "agents",
                0,
                "agents",
                format!(
                    "{} queues and {} agents: rota accepts at most {} queues and {} agents in one scenario (see docs/limits.md); split the centre into sites or teams",
                    self.queues.len(),
                    self.agents.len(),
                    crate::limits::MAX_QUEUES,
                    crate::limits::MAX_AGENTS
                ),
            ));
        }
        let [lo, hi] = self.forecast.band;
        if !(0.0 < lo && lo < hi && hi < 1.0) {
            return Err(err(
                "band",
                0,
                "forecast.band",
                format!("must be two quantiles 0 < low < high < 1, got [{lo}, {hi}]"),
            ));
        }
        if self.forecast.outlier_threshold < 1.0 {
            return Err(err(
                "outlier_threshold",
                0,
                "forecast.outlier_threshold",
                "must be at least 1".into(),
            ));
        }
        if self.queues.is_empty() {
            return Err(err(
                "queues",
                0,
                "queues",
                "at least one queue is needed".into(),
            ));
        }
        for (i, q) in self.queues.iter().enumerate() {
            // Queue ids are unique (checked in the first pass), so the first match is the queue.
            let needle = format!("id: {}", q.id);
            if q.concurrency == 0 || (q.channel == Channel::Voice && q.concurrency != 1) {
                return Err(err(
                    &needle,
                    0,
                    &format!("queues[{i}].concurrency"),
                    "must be 1 for voice and at least 1 for chat".into(),
                ));
            }
            let field = |f: &str| format!("queues[{i}].{f}");
            let deferred = q.channel.is_deferred();
            let missing_sl = q.service_level.target.is_nan();
            let problem = if !deferred && missing_sl {
                Some((
                    "service_level",
                    "is required for voice and chat queues".to_string(),
                ))
            } else if !deferred && q.service_level.seconds.is_nan() {
                Some((
                    "service_level.seconds",
                    "is required for voice and chat queues".to_string(),
                ))
            } else if deferred && q.deadline_hours.is_none_or(|h| h <= 0.0) {
                Some((
                    "deadline_hours",
                    "email and ticket queues need deadline_hours above 0 (e.g. 24)".to_string(),
                ))
            } else if !deferred && q.deadline_hours.is_some() {
                Some((
                    "deadline_hours",
                    "applies to email and ticket queues only".to_string(),
                ))
            } else if deferred && q.concurrency != 1 {
                Some((
                    "concurrency",
                    "must be 1 for email and ticket queues".to_string(),
                ))
            } else if deferred && q.model != QueueModel::ErlangC {
                Some((
                    "model",
                    "email and ticket queues are deferred work and take no queueing model"
                        .to_string(),
                ))
            } else if deferred && !q.service_level.seconds.is_nan() {
                Some((
                    "service_level.seconds",
                    "does not apply to email and ticket queues: their threshold is deadline_hours (give only service_level.target)".to_string(),
                ))
            } else if q.model == QueueModel::ErlangA && q.patience_seconds.is_none_or(|p| p <= 0.0)
            {
                Some((
                    "patience_seconds",
                    "model erlang_a needs patience_seconds above 0 (mean time callers wait before hanging up)".to_string(),
                ))
            } else if q.model != QueueModel::ErlangA && q.patience_seconds.is_some() {
                Some((
                    "patience_seconds",
                    "applies to model erlang_a only".to_string(),
                ))
            } else {
                None
            };
            if let Some((f, msg)) = problem {
                return Err(err(&needle, 0, &field(f), msg));
            }
            if q.open >= q.close {
                return Err(err(
                    &needle,
                    0,
                    &format!("queues[{i}].open"),
                    format!(
                        "opening time {} is not before closing time {}",
                        q.open, q.close
                    ),
                ));
            }
            if q.open.0 % p.interval_minutes != 0 || q.close.0 % p.interval_minutes != 0 {
                return Err(err(
                    &needle,
                    0,
                    &format!("queues[{i}].open"),
                    format!(
                        "opening and closing times must fall on {}-minute interval boundaries",
                        p.interval_minutes
                    ),
                ));
            }
        }
        if self.agents.is_empty() {
            return Err(err(
                "agents",
                0,
                "agents",
                "at least one agent is needed".into(),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, a) in self.agents.iter().enumerate() {
            let needle = format!("id: {}", a.id);
            if !seen.insert(&a.id) {
                return Err(err(
                    &needle,
                    1,
                    &format!("agents[{i}].id"),
                    format!("duplicate agent id `{}`", a.id),
                ));
            }
            if a.skills.is_empty() {
                return Err(err(
                    &needle,
                    0,
                    &format!("agents[{i}].skills"),
                    format!("agent `{}` has no skills", a.id),
                ));
            }
            if let Some(av) = &a.available {
                if av.from >= av.to {
                    return Err(err(
                        &needle,
                        0,
                        &format!("agents[{i}].available"),
                        format!(
                            "agent `{}`: available from {} is not before {}",
                            a.id, av.from, av.to
                        ),
                    ));
                }
            }
            for (j, p) in a.prefers.iter().enumerate() {
                let times = [p.start_after, p.start_before, p.end_before];
                let n_times = times.iter().filter(|t| t.is_some()).count();
                if p.off == (n_times > 0) {
                    return Err(err(
                        &needle,
                        0,
                        &format!("agents[{i}].prefers[{j}]"),
                        format!(
                            "agent `{}`: a preference is either `off: true` or shift times (start_after, start_before, end_before), not both or neither",
                            a.id
                        ),
                    ));
                }
            }
            if a.reserve && a.min_hours > 0.0 {
                return Err(err(
                    &needle,
                    0,
                    &format!("agents[{i}].min_hours"),
                    format!(
                        "agent `{}`: a reserve agent is paid only when called, so min_hours must be 0 (it is {})",
                        a.id, a.min_hours
                    ),
                ));
            }
            if a.min_hours > a.max_hours {
                return Err(err(
                    &needle,
                    0,
                    &format!("agents[{i}].min_hours"),
                    format!(
                        "agent `{}`: min_hours {} is above max_hours {}",
                        a.id, a.min_hours, a.max_hours
                    ),
                ));
            }
        }
        let ot = &self.replan.overtime;
        if ot.step_minutes == 0
            || ot.max_minutes_per_shift % ot.step_minutes != 0
            || ot.max_minutes_per_shift > 12 * 60
        {
            return Err(err(
                "step_minutes",
                0,
                "replan.overtime.step_minutes",
                format!(
                    "overtime steps of {} minutes must be positive and divide max_minutes_per_shift ({}, at most 720)",
                    ot.step_minutes, ot.max_minutes_per_shift
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        if let Some(dup) = self.replan.remedies.iter().find(|r| !seen.insert(**r)) {
            return Err(err(
                "remedies",
                0,
                "replan.remedies",
                format!("remedy `{}` is listed twice", dup.name()),
            ));
        }
        let r = &self.rules;
        if let Some((f, msg)) = start_window_problem(&r.shift_start) {
            let needle = if f.is_empty() {
                "shift_start"
            } else {
                "step_minutes"
            };
            return Err(err(needle, 0, &format!("rules.shift_start{f}"), msg));
        }
        if let Some(msg) = lengths_problem(&r.shift_lengths_hours) {
            return Err(err(
                "shift_lengths_hours",
                0,
                "rules.shift_lengths_hours",
                msg,
            ));
        }
        let mut names = BTreeSet::new();
        for (i, t) in r.shift_templates.iter().enumerate() {
            let needle = format!("name: {}", t.name);
            let field = |f: &str| format!("rules.shift_templates[{i}]{f}");
            if t.name.is_empty() || t.name == DEFAULT_TEMPLATE || !names.insert(t.name.as_str()) {
                return Err(err(
                    &needle,
                    0,
                    &field(".name"),
                    format!(
                        "template name `{}` must be unique, not empty and not `{DEFAULT_TEMPLATE}` (the name of shift_start and shift_lengths_hours)",
                        t.name
                    ),
                ));
            }
            if let Some((f, msg)) = start_window_problem(&t.start) {
                return Err(err(&needle, 0, &field(&format!(".start{f}")), msg));
            }
            if let Some(msg) = lengths_problem(&t.lengths_hours) {
                return Err(err(&needle, 0, &field(".lengths_hours"), msg));
            }
        }
        for (i, a) in self.agents.iter().enumerate() {
            let Some(list) = &a.templates else { continue };
            let needle = format!("id: {}", a.id);
            let field = format!("agents[{i}].templates");
            if list.is_empty() {
                return Err(err(
                    &needle,
                    0,
                    &field,
                    format!("agent `{}` lists no shift template", a.id),
                ));
            }
            for name in list {
                if name != DEFAULT_TEMPLATE && !names.contains(name.as_str()) {
                    let mut known = vec![DEFAULT_TEMPLATE];
                    known.extend(names.iter());
                    return Err(err(
                        &needle,
                        0,
                        &field,
                        format!(
                            "unknown shift template `{name}`: rules.shift_templates has none of that name (templates: {})",
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        self.check_rotations(src, path, &names)?;
        self.check_breaks(src, path)?;
        if r.max_consecutive_days == Some(0) {
            return Err(err(
                "max_consecutive_days",
                0,
                "rules.max_consecutive_days",
                "must be at least 1".into(),
            ));
        }
        if r.consecutive_days_off.is_some_and(|k| k == 0 || k > p.days) {
            return Err(err(
                "consecutive_days_off",
                0,
                "rules.consecutive_days_off",
                format!("must be between 1 and the {} planned days", p.days),
            ));
        }
        for id in self.objective.queues.keys() {
            let Some(q) = self.queues.iter().find(|q| &q.id == id) else {
                return Err(err(
                    &format!("{id}:"),
                    0,
                    &format!("objective.queues.{id}"),
                    format!("unknown queue `{id}`: not among the scenario's queues"),
                ));
            };
            if q.channel.is_deferred() {
                return Err(err(
                    &format!("{id}:"),
                    0,
                    &format!("objective.queues.{id}"),
                    format!("queue `{id}` is deferred work: the service-level objective applies to voice and chat queues"),
                ));
            }
        }
        for (i, m) in self.min_staff.iter().enumerate() {
            if m.from >= m.to {
                return Err(err(
                    "min_staff",
                    0,
                    &format!("min_staff[{i}].from"),
                    format!("from {} is not before to {}", m.from, m.to),
                ));
            }
            if m.until.is_some() && m.date.is_none() {
                return Err(err(
                    "min_staff",
                    0,
                    &format!("min_staff[{i}].until"),
                    "needs a `date` to start from".into(),
                ));
            }
            if m.date.zip(m.until).is_some_and(|(d, u)| u < d) {
                return Err(err(
                    "min_staff",
                    0,
                    &format!("min_staff[{i}].until"),
                    "is before `date`".into(),
                ));
            }
        }
        // Date ranges: `until` on or after `date`, never silently ignored.
        let ranges = self
            .calendar
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("calendar.events[{i}]"), &e.name, e.date, e.until))
            .chain(
                self.adjustments
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (format!("adjustments[{i}]"), &a.name, a.date, a.until)),
            )
            .chain(
                self.peaks
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (format!("peaks[{i}]"), &p.name, p.date, p.until)),
            );
        for (field, name, date, until) in ranges {
            if let Some(u) = until.filter(|u| *u < date) {
                let section = field.split(['[', '.']).next().unwrap_or("until");
                let needle = if name.is_empty() {
                    format!("until: {u}")
                } else {
                    format!("name: {name}")
                };
                return Err(Error::input(
                    path,
                    find_line(src, &needle, 0).or_else(|| find_line(src, section, 0)),
                    Some(&format!("{field}.until")),
                    format!("until {u} is before date {date}"),
                ));
            }
        }
        self.check_identifiers(src, path)?;
        if r.max_working_days == 0 {
            return Err(err(
                "max_working_days",
                0,
                "rules.max_working_days",
                "must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// Longest id or name, in characters.
const MAX_ID_CHARS: usize = 100;

/// What is wrong with an id or name, if anything: empty, too long, control
/// characters, spaces around it (roster files are read trimmed), or one of
/// `forbidden`.
fn text_problem(text: &str, forbidden: &[char]) -> Option<String> {
    if text.trim().is_empty() {
        return Some("must not be empty".into());
    }
    if text.chars().count() > MAX_ID_CHARS {
        return Some(format!("is longer than {MAX_ID_CHARS} characters"));
    }
    if text.chars().any(char::is_control) {
        return Some("holds control characters (tabs, line breaks, ...)".into());
    }
    if text.trim() != text {
        return Some("has spaces before or after it".into());
    }
    forbidden
        .iter()
        .find(|c| text.contains(**c))
        .map(|c| format!("must not contain `{c}`"))
}

impl Scenario {
    /// Ids and names are written into CSV, iCalendar and file names: they
    /// hold no control characters and no spaces around them, and queue ids
    /// no `;` (it separates an agent's skills in roster.csv).
    fn check_identifiers(&self, src: &str, path: &Path) -> Result<()> {
        // (field, the text, the lines that may hold it, most precise first)
        let mut items: Vec<(String, &str, Vec<&str>, &[char])> = vec![
            ("site.name".into(), &self.site.name, vec!["site:"], &[]),
            ("name".into(), &self.name, vec!["name:"], &[]),
        ];
        for (i, q) in self.queues.iter().enumerate() {
            items.push((format!("queues[{i}].id"), &q.id, vec!["queues:"], &[';']));
        }
        for (i, a) in self.agents.iter().enumerate() {
            items.push((format!("agents[{i}].id"), &a.id, vec!["agents:"], &[]));
            items.push((
                format!("agents[{i}].name"),
                &a.name,
                vec![a.id.as_str(), "agents:"],
                &[],
            ));
        }
        for (i, t) in self.rules.shift_templates.iter().enumerate() {
            items.push((
                format!("rules.shift_templates[{i}].name"),
                &t.name,
                vec!["shift_templates:"],
                &[],
            ));
        }
        for (i, r) in self.rotations.iter().enumerate() {
            items.push((format!("rotations[{i}].id"), &r.id, vec!["rotations:"], &[]));
        }
        for (field, text, near, forbidden) in items {
            if let Some(problem) = text_problem(text, forbidden) {
                let line = std::iter::once(text)
                    .chain(near)
                    .filter(|n| !n.trim().is_empty())
                    .find_map(|n| find_line(src, n, 0));
                return Err(Error::input(
                    path,
                    line,
                    Some(&field),
                    format!("`{}` {problem}", crate::limits::excerpt(text)),
                ));
            }
        }
        Ok(())
    }

    /// Rotations: unique ids, a cycle of at least one week naming only
    /// known templates; agents name a known rotation, a week of its cycle,
    /// and can work some template of every week of it.
    fn check_rotations(&self, src: &str, path: &Path, names: &BTreeSet<&str>) -> Result<()> {
        let section = find_line(src, "rotations:", 0);
        let lines: Vec<&str> = src.lines().collect();
        // The line of rotation `i`: after `rotations:`, the line giving its
        // id (the id whole, not the start of a longer one), counting the
        // rotations before it with the same id; else `rotations:`'s.
        let line_of = |i: usize| -> Option<usize> {
            let from = section?;
            let id = &self.rotations[i].id;
            let nth = self.rotations[..i].iter().filter(|r| &r.id == id).count();
            let needle = format!("id: {id}");
            let names = |l: &str| {
                l.match_indices(&needle).any(|(at, _)| {
                    !l[at + needle.len()..]
                        .starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_')
                })
            };
            (from..lines.len())
                .filter(|&k| names(lines[k]))
                .nth(nth)
                .map(|k| k + 1)
                .or(section)
        };
        // The line of entry `j` of a cycle whose `weeks:` (at or after the
        // rotation's line) is written one entry a line; else the rotation's.
        let week_line = |at: Option<usize>, j: usize| -> Option<usize> {
            let from = at?.checked_sub(1)?;
            let w = (from..lines.len()).find(|&i| lines[i].contains("weeks:"))?;
            let block = lines[w].split(" #").next()?.trim_end().ends_with("weeks:");
            let entry = lines.get(w + 1 + j)?;
            (block && entry.trim_start().starts_with('-')).then_some(w + 2 + j)
        };
        let known = |name: &str| name == DEFAULT_TEMPLATE || names.contains(name);
        let mut ids = BTreeSet::new();
        for (i, rot) in self.rotations.iter().enumerate() {
            let line = line_of(i);
            let fail = |f: &str, msg: String| {
                Error::input(path, line, Some(&format!("rotations[{i}]{f}")), msg)
            };
            if !ids.insert(rot.id.as_str()) {
                return Err(fail(".id", format!("duplicate rotation id `{}`", rot.id)));
            }
            if rot.weeks.is_empty() {
                return Err(fail(
                    ".weeks",
                    format!(
                        "rotation `{}` has no week: its cycle needs at least one entry",
                        rot.id
                    ),
                ));
            }
            for (j, w) in rot.weeks.iter().enumerate() {
                let Some(list) = &w.templates else { continue };
                let field = format!(".weeks[{j}].templates");
                let fail = |f: &str, msg: String| {
                    Error::input(
                        path,
                        week_line(line, j).or(line),
                        Some(&format!("rotations[{i}]{f}")),
                        msg,
                    )
                };
                if list.is_empty() {
                    return Err(fail(
                        &field,
                        "lists no template: leave `templates` out for a week of any template"
                            .into(),
                    ));
                }
                if let Some(name) = list.iter().find(|t| !known(t)) {
                    let mut all = vec![DEFAULT_TEMPLATE];
                    all.extend(names.iter());
                    return Err(fail(
                        &field,
                        format!(
                            "unknown shift template `{name}`: rules.shift_templates has none of that name (templates: {})",
                            all.join(", ")
                        ),
                    ));
                }
            }
        }
        for (i, a) in self.agents.iter().enumerate() {
            let line = find_line(src, &format!("id: {}", a.id), 0);
            let fail = |f: &str, msg: String| {
                Error::input(path, line, Some(&format!("agents[{i}].{f}")), msg)
            };
            let Some(id) = &a.rotation else {
                if a.rotation_week.is_some() {
                    return Err(fail(
                        "rotation_week",
                        format!("agent `{}` has a rotation_week but no rotation", a.id),
                    ));
                }
                continue;
            };
            let Some(rot) = self.rotation_of(a) else {
                let all: Vec<&str> = self.rotations.iter().map(|r| r.id.as_str()).collect();
                return Err(fail(
                    "rotation",
                    format!(
                        "unknown rotation `{id}`: rotations has none of that id (rotations: {})",
                        if all.is_empty() {
                            "none".to_string()
                        } else {
                            all.join(", ")
                        }
                    ),
                ));
            };
            let n = rot.weeks.len();
            if let Some(k) = a.rotation_week.filter(|&k| k as usize >= n) {
                return Err(fail(
                    "rotation_week",
                    format!(
                        "agent `{}`: rotation_week {k} is not a week of rotation `{id}`, whose cycle has {n} weeks (0 to {})",
                        a.id,
                        n - 1
                    ),
                ));
            }
            for (j, w) in rot.weeks.iter().enumerate() {
                if w.templates
                    .as_ref()
                    .is_some_and(|ts| !ts.iter().any(|t| a.may_work(t)))
                {
                    return Err(fail(
                        "rotation",
                        format!(
                            "agent `{}` may work none of the templates of week {j} of rotation `{id}` ({w})",
                            a.id
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The scenario's meal and rest breaks ([`break_rules_problem`]).
    fn check_breaks(&self, src: &str, path: &Path) -> Result<()> {
        // The scenario's own `rules:` block, not a site's.
        let from = src
            .lines()
            .position(|l| l.starts_with("rules:"))
            .unwrap_or(0);
        let blame = |rule: &BreakRule| BreakBlame {
            field: rule.field(),
            line: break_line(src, from, rule.index),
            own: true,
            suffix: String::new(),
        };
        break_rules_problem(&self.rules, &blame, path)
    }
}

/// Where a break rule is written, for its errors.
pub(super) struct BreakBlame {
    /// The rule's field, `rules.meal_break` or `sites[1].rules.rest_breaks[0]`.
    pub(super) field: String,
    pub(super) line: Option<usize>,
    /// Whether the rule set being checked writes it (a site may inherit the
    /// scenario's): only its own rule must apply to some shift length.
    pub(super) own: bool,
    /// Appended to messages (` at site `X``).
    pub(super) suffix: String,
}

/// The line of the meal break (`index` none) or of rest break `index`
/// written at or after line `from` (0-based) of `src`: the entry's own line
/// when the list is written one entry a line.
pub(super) fn break_line(src: &str, from: usize, index: Option<usize>) -> Option<usize> {
    let find = |needle: &str| {
        src.lines()
            .enumerate()
            .skip(from)
            .find(|(_, l)| l.contains(needle))
            .map(|(i, _)| i + 1)
            .or_else(|| find_line(src, needle, 0))
    };
    match index {
        None => find("meal_break"),
        Some(i) => find("rest_breaks:").map(|l| {
            let entry = src.lines().nth(l + i).unwrap_or("");
            if entry.trim_start().starts_with('-') {
                l + i + 1
            } else {
                l
            }
        }),
    }
}

/// The meal and rest breaks of one rule set (the scenario's `rules`, or a
/// site's with its own in their place): sound sizes, windows that fit the
/// shifts they apply to, and windows disjoint from each other. Each rule
/// is blamed where `blame` says it is written.
pub(super) fn break_rules_problem(
    rules: &Rules,
    blame: &dyn Fn(&BreakRule) -> BreakBlame,
    path: &Path,
) -> Result<()> {
    let lengths = rules.all_lengths_hours();
    let mut windows: Vec<(String, f64, f64)> = Vec::new();
    for rule in rules.break_rules() {
        let BreakBlame {
            field,
            line,
            own,
            suffix,
        } = blame(&rule);
        let fail = |f: &str, msg: String| {
            Error::input(
                path,
                line,
                Some(&format!("{field}{f}")),
                format!("{msg}{suffix}"),
            )
        };
        if rule.minutes == 0 || rule.minutes % 5 != 0 {
            return Err(fail(
                ".minutes",
                format!(
                    "must be a positive multiple of 5, got {} ({})",
                    rule.minutes,
                    match (field.starts_with("sites["), rule.index) {
                        (false, _) => "leave the break out for none",
                        // A site leaving it out keeps the scenario's.
                        (true, None) => "`meal_break: null` for none",
                        (true, Some(_)) => "`rest_breaks: []` for none",
                    }
                ),
            ));
        }
        if rule.step_minutes == 0 || rule.step_minutes % 5 != 0 {
            return Err(fail(
                ".step_minutes",
                format!(
                    "must be a positive multiple of 5, got {}",
                    rule.step_minutes
                ),
            ));
        }
        let Some(shortest) = lengths
            .iter()
            .cloned()
            .filter(|&l| rule.applies(l))
            .reduce(f64::min)
        else {
            if !own {
                // The scenario's break, for none of this site's shifts.
                continue;
            }
            return Err(fail(
                ".min_shift_hours",
                format!(
                    "{} h: no allowed shift length is that long, so the break would never apply",
                    rule.min_shift_hours
                ),
            ));
        };
        let window_minutes = (rule.latest_end_hours - rule.earliest_start_hours) * 60.0;
        if window_minutes + 1e-9 < rule.minutes as f64 || rule.latest_end_hours > shortest + 1e-9 {
            return Err(fail(
                "",
                format!(
                    "the window from {} h to {} h after the shift start must hold a {}-minute break and end within the shortest shift it applies to ({} h)",
                    rule.earliest_start_hours, rule.latest_end_hours, rule.minutes, shortest
                ),
            ));
        }
        for (other, from, to) in &windows {
            if rule.earliest_start_hours + 1e-9 < *to && *from + 1e-9 < rule.latest_end_hours {
                return Err(fail(
                    "",
                    format!(
                        "the window from {} h to {} h after the shift start overlaps the window of {other} ({from} h to {to} h); break windows must not overlap, so a shift's breaks never do",
                        rule.earliest_start_hours, rule.latest_end_hours
                    ),
                ));
            }
        }
        windows.push((field, rule.earliest_start_hours, rule.latest_end_hours));
    }
    Ok(())
}
