//! The independent validator: checks every hard rule of a scenario on a roster.
//!
//! It shares no code with the optimizer's model: it works from the roster's
//! own instants and the scenario's rules, so a bug in how the optimizer builds
//! its candidates cannot hide from it.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Timelike};
use serde::Serialize;

use crate::roster::absence::Allowances;
use crate::roster::model::{Break, Roster, Shift};
use crate::scenario::{Agent, Rotation, Scenario, ShiftTemplate};

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Violation {
    /// Agent at fault.
    pub agent_id: String,
    /// Day at fault, when the rule is about a day.
    pub date: Option<NaiveDate>,
    /// Short rule name, e.g. `min-rest`.
    pub rule: &'static str,
    /// What is wrong, in a planner's words.
    pub message: String,
}

const EPS_H: f64 = 1e-6;

fn hours(d: Duration) -> f64 {
    d.num_seconds() as f64 / 3600.0
}

/// `x` to two decimals, without trailing zeros when printed (2, 2.5, 2.25).
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// What is wrong with break `b` of shift `s` against a break rule of
/// `minutes` inside the window `earliest`..`latest` hours after the start.
fn misfit(
    name: &str,
    b: &Break,
    s: &Shift,
    minutes: u32,
    earliest: f64,
    latest: f64,
) -> Vec<String> {
    let mut out = Vec::new();
    let dur = (b.end - b.start).num_minutes();
    if dur != minutes as i64 {
        out.push(format!(
            "{name} lasts {dur} min; it must last {minutes} min"
        ));
    }
    let from = hours(b.start - s.start);
    let to = hours(b.end - s.start);
    if from + EPS_H < earliest || to > latest + EPS_H {
        out.push(format!(
            "{name} {}-{} is {from:.2} h to {to:.2} h into the shift; it must lie between {earliest} h and {latest} h",
            b.start.format("%H:%M"),
            b.end.format("%H:%M"),
        ));
    }
    out
}

/// Whether shift `s` starts before `w.from` or ends after `w.to` of its
/// day, in the local time its instants carry (availability, opening hours).
fn outside(s: &Shift, w: &crate::scenario::Availability) -> bool {
    let midnight = s.date.and_hms_opt(0, 0, 0).expect("midnight");
    let from = midnight + Duration::minutes(w.from.minutes() as i64);
    let to = midnight + Duration::minutes(w.to.minutes() as i64);
    s.start.naive_local() < from || s.end.naive_local() > to
}

/// Whether template `t` applies on `date`: every day when it names no day
/// or date. Worked out here from the rules' fields, not with the helpers
/// the optimizer's candidates use, so a slip there cannot hide.
fn applies_on(t: &ShiftTemplate, date: NaiveDate) -> bool {
    (t.days.is_empty() && t.dates.is_empty())
        || t.days.contains(&date.weekday())
        || t.dates.contains(&date)
}

/// Whether shift `s` starts at one of template `t`'s start times.
fn starts_in(t: &ShiftTemplate, s: &Shift) -> bool {
    let start_min = s.start.hour() * 60 + s.start.minute();
    let sw = &t.start;
    start_min >= sw.earliest.minutes()
        && start_min <= sw.latest.minutes()
        && (start_min - sw.earliest.minutes()) % sw.step_minutes == 0
        && s.start.second() == 0
}

/// Whether `hours` is one of template `t`'s lengths.
fn lasts(t: &ShiftTemplate, hours: f64) -> bool {
    t.lengths_hours.iter().any(|&l| (l - hours).abs() < EPS_H)
}

/// The templates that apply on the day of shift `s` and that `agent` may
/// work (all of the day's without the agent's list).
fn open_to<'t>(templates: &'t [ShiftTemplate], agent: &Agent, s: &Shift) -> Vec<&'t ShiftTemplate> {
    templates
        .iter()
        .filter(|t| applies_on(t, s.date))
        .filter(|t| match &agent.templates {
            Some(list) => list.contains(&t.name),
            None => true,
        })
        .collect()
}

/// How shift `s` of `agent` leaves the pattern of the agent's rotation, if
/// it does: the rotation and what is wrong. The week of the plan holding the
/// shift's day picks the entry of the cycle (`rotation_week` + week, modulo
/// the cycle's length); the shift is off it on a weekday the entry keeps off,
/// or when it fits a template the agent may work but none the entry lists
/// (its start and `hours`, the shift's length less any overtime).
/// Shared by the validator (hard rotations) and the soft findings (soft ones).
pub(crate) fn off_rotation<'s>(
    scenario: &'s Scenario,
    agent: &Agent,
    s: &Shift,
    hours: f64,
) -> Option<(&'s Rotation, String)> {
    let id = agent.rotation.as_ref()?;
    let rot = scenario.rotations.iter().find(|r| &r.id == id)?;
    let d = scenario.dates().iter().position(|&d| d == s.date)?;
    let (wi, week) = scenario
        .weeks()
        .into_iter()
        .enumerate()
        .find(|(_, w)| w.holds(d))?;
    if rot.weeks.is_empty() {
        return None;
    }
    let j = (agent.rotation_week.unwrap_or(0) as usize + wi) % rot.weeks.len();
    let entry = &rot.weeks[j];
    let which = format!(
        "the week of {} (week {j} of rotation {id})",
        scenario.dates()[week.first]
    );
    let weekday = s.date.weekday();
    if entry.days_off.contains(&weekday) {
        return Some((
            rot,
            format!(
                "works on {}, a day off in {which}",
                crate::scenario::weekday_name(weekday)
            ),
        ));
    }
    let list = entry.templates.as_ref()?;
    let templates = scenario.site_of(agent).rules(&scenario.rules).templates();
    let mine = open_to(&templates, agent, s);
    let of: Vec<&str> = mine
        .iter()
        .filter(|t| starts_in(t, s) && lasts(t, hours))
        .map(|t| t.name.as_str())
        .collect();
    if of.is_empty() || of.iter().any(|t| list.iter().any(|l| l == t)) {
        return None;
    }
    Some((
        rot,
        format!(
            "works a {}-{} shift of template {} in {which}, which allows only templates {}",
            s.start.format("%H:%M"),
            s.end.format("%H:%M"),
            of.join(", "),
            list.join(", ")
        ),
    ))
}

/// Checks `roster` against the hard rules of `scenario`; returns every violation, sorted.
pub fn validate(scenario: &Scenario, roster: &Roster) -> Vec<Violation> {
    validate_with(scenario, roster, &Allowances::default())
}

/// Checks `roster` against the hard rules of `scenario` with a re-plan's
/// `allow`ances; returns every violation, sorted.
pub fn validate_with(scenario: &Scenario, roster: &Roster, allow: &Allowances) -> Vec<Violation> {
    let mut out = Vec::new();
    let dates = scenario.dates();
    let weeks = scenario.weeks();
    // The plan's instants: from the reference zone's first midnight to the
    // midnight after its last day. Every shift starts inside them (a
    // site's local day may begin before the plan or end after it).
    let (plan_start, plan_end) = scenario.plan_span();
    // ` in the week of DATE` in a plan of several weeks, else nothing.
    let week_name = |w: &crate::scenario::Week| -> String {
        if weeks.len() <= 1 {
            String::new()
        } else if w.share < 1.0 {
            format!(" in the short last week from {} (pro rata)", dates[w.first])
        } else {
            format!(" in the week of {}", dates[w.first])
        }
    };
    // Each site's rules: the scenario's with the site's shift rules in place.
    let site_rules = scenario.site_rules();
    let agents: BTreeMap<&str, &crate::scenario::Agent> =
        scenario.agents.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut by_agent: BTreeMap<&str, Vec<&Shift>> = BTreeMap::new();
    for s in &roster.shifts {
        by_agent.entry(s.agent_id.as_str()).or_default().push(s);
    }
    // replan: a shift cut short by an absence is not held to the shape rules.
    let waive = std::cell::Cell::new(false);
    let mut overtime: BTreeMap<(&str, NaiveDate), f64> = BTreeMap::new();
    let mut v = |agent: &str, date: Option<NaiveDate>, rule: &'static str, message: String| {
        const SHAPE: [&str; 5] = [
            "start-window",
            "shift-length",
            "shift-template",
            "meal-break",
            "rest-break",
        ];
        if waive.get() && SHAPE.contains(&rule) {
            return;
        }
        out.push(Violation {
            agent_id: agent.to_string(),
            date,
            rule,
            message,
        })
    };

    if roster.timezone != scenario.site.timezone {
        v(
            "",
            None,
            "timezone",
            format!(
                "roster is in {} but the site is in {}",
                roster.timezone.name(),
                scenario.site.timezone.name()
            ),
        );
    }

    for (agent_id, shifts) in &by_agent {
        let Some(agent) = agents.get(agent_id) else {
            v(
                agent_id,
                None,
                "unknown-agent",
                format!("agent `{agent_id}` is not in the scenario"),
            );
            continue;
        };
        // The agent's site: its rules, and its zone, which every local time
        // below is read in (whatever zone the roster's instants carry).
        let site = scenario.site_of(agent);
        let rules = &site_rules[scenario.site_index(agent)];
        // Which rule a limit is: the site's own, when it sets one.
        let whose = |name: &str, own: bool| {
            if own {
                format!(" (site {}'s {name})", site.name)
            } else {
                String::new()
            }
        };
        let rest_rule = whose("min_rest_hours", site.rules.min_rest_hours.is_some());
        let templates = rules.templates();
        let tz = site.timezone;
        let local: Vec<Shift> = shifts
            .iter()
            .map(|s| Shift {
                start: s.start.with_timezone(&tz),
                end: s.end.with_timezone(&tz),
                breaks: s
                    .breaks
                    .iter()
                    .map(|b| Break {
                        start: b.start.with_timezone(&tz),
                        end: b.end.with_timezone(&tz),
                        ..b.clone()
                    })
                    .collect(),
                ..(*s).clone()
            })
            .collect();
        let mut shifts: Vec<&Shift> = local.iter().collect();
        shifts.sort_by_key(|s| s.start);
        let mut per_day: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for s in &shifts {
            let d = Some(s.date);
            *per_day.entry(s.date).or_default() += 1;
            if scenario.multi_site {
                if s.site != site.name {
                    v(
                        agent_id,
                        d,
                        "site",
                        format!(
                            "the roster puts the shift at site `{}`, but agent `{agent_id}` works at `{}`",
                            crate::limits::excerpt(&s.site),
                            site.name
                        ),
                    );
                }
                if site.closed.contains(&s.date) {
                    v(
                        agent_id,
                        d,
                        "site-closed",
                        format!("works on {}, when site {} is closed", s.date, site.name),
                    );
                }
                if let Some(open) = &site.open {
                    if outside(s, open) {
                        v(
                            agent_id,
                            d,
                            "site-hours",
                            format!(
                                "works {}-{} ({}) but site {} is open only {}-{}",
                                s.start.format("%H:%M"),
                                s.end.format("%H:%M"),
                                tz.name(),
                                site.name,
                                open.from,
                                open.to
                            ),
                        );
                    }
                }
            }
            // A hand edit that renames an agent is caught: the name must be
            // the scenario's for that id.
            if s.agent_name.trim() != agent.name.trim() {
                v(
                    agent_id,
                    d,
                    "agent-name",
                    format!(
                        "the roster names agent `{agent_id}` `{}`, the scenario `{}`",
                        crate::limits::excerpt(&s.agent_name),
                        agent.name
                    ),
                );
            }
            if !dates.contains(&s.date) {
                v(
                    agent_id,
                    d,
                    "outside-horizon",
                    format!("shift on {} is outside the planned days", s.date),
                );
            } else if s.start < plan_start || s.start >= plan_end {
                let zone = scenario.site.timezone;
                v(
                    agent_id,
                    d,
                    "outside-horizon",
                    format!(
                        "the shift starting {} ({}) starts {} the plan, which runs from {} to {} ({}): it belongs to the plan {}",
                        s.start.format("%Y-%m-%d %H:%M"),
                        s.start.timezone().name(),
                        if s.start < plan_start { "before" } else { "after" },
                        plan_start.format("%Y-%m-%d %H:%M"),
                        plan_end.format("%Y-%m-%d %H:%M"),
                        zone.name(),
                        if s.start < plan_start { "before" } else { "after" },
                    ),
                );
            }
            if s.start.date_naive() != s.date {
                v(
                    agent_id,
                    d,
                    "start-date",
                    format!("shift dated {} starts on {}", s.date, s.start.date_naive()),
                );
            }
            let len = s.length_hours();
            // Shift templates: the default one (shift_start, shift_lengths_hours)
            // and the named ones on their days; the agent's list restricts them.
            // Worked out here from the rules' fields, not with the helpers the
            // optimizer's candidates use, so a slip there cannot hide.
            let starts_in = |t: &ShiftTemplate| starts_in(t, s);
            waive.set(allow.cut_short(s));
            let regular_len = |h: f64| templates.iter().any(|t| starts_in(t) && lasts(t, h));
            let mut extra = allow.overtime_hours(len, regular_len);
            if let (Some(past), Some(ot)) = (
                allow.overtime_past_cap(len, regular_len),
                allow.overtime.as_ref(),
            ) {
                v(
                    agent_id,
                    d,
                    "overtime",
                    format!(
                        "the {len:.2} h shift {}-{} carries {} h of overtime, which exceeds the re-plan's allowance of {} h a shift (replan.overtime.max_minutes_per_shift: {})",
                        s.start.format("%H:%M"),
                        s.end.format("%H:%M"),
                        round2(past),
                        round2(f64::from(ot.max_minutes_per_shift) / 60.0),
                        ot.max_minutes_per_shift
                    ),
                );
                extra = past;
            }
            *overtime.entry((agent_id, s.date)).or_default() += extra;
            let regular = len - extra;
            let lasts = |t: &ShiftTemplate| lasts(t, regular);
            let today: Vec<_> = templates.iter().filter(|t| applies_on(t, s.date)).collect();
            let mine = open_to(&templates, agent, s);
            let fits = |ts: &[&ShiftTemplate]| ts.iter().any(|t| starts_in(t) && lasts(t));
            if let Some((_, message)) =
                off_rotation(scenario, agent, s, regular).filter(|(r, _)| r.weight.is_none())
            {
                v(agent_id, d, "rotation", message);
            }
            if !fits(&mine) && fits(&today) {
                let of: Vec<&str> = today
                    .iter()
                    .filter(|t| starts_in(t) && lasts(t))
                    .map(|t| t.name.as_str())
                    .collect();
                v(
                    agent_id,
                    d,
                    "shift-template",
                    format!(
                        "works a {}-{} shift of template {} but may work only templates {}",
                        s.start.format("%H:%M"),
                        s.end.format("%H:%M"),
                        of.join(", "),
                        agent.templates.as_deref().unwrap_or_default().join(", ")
                    ),
                );
            } else if !fits(&mine) {
                let single = templates.len() == 1;
                let starting: Vec<_> = mine.iter().filter(|t| starts_in(t)).copied().collect();
                if starting.is_empty() {
                    let message = if single {
                        let sw = &rules.shift_start;
                        format!(
                            "starts at {} but shifts start between {} and {} every {} minutes",
                            s.start.format("%H:%M"),
                            sw.earliest,
                            sw.latest,
                            sw.step_minutes
                        )
                    } else {
                        let windows: Vec<String> = mine
                            .iter()
                            .map(|t| {
                                format!(
                                    "{} {}-{} every {} min",
                                    t.name, t.start.earliest, t.start.latest, t.start.step_minutes
                                )
                            })
                            .collect();
                        format!(
                            "starts at {} but the shift templates open to the agent on {} start: {}",
                            s.start.format("%H:%M"),
                            s.date,
                            if windows.is_empty() {
                                "none".to_string()
                            } else {
                                windows.join("; ")
                            }
                        )
                    };
                    v(agent_id, d, "start-window", message);
                }
                let pool = if starting.is_empty() {
                    &mine
                } else {
                    &starting
                };
                if !pool.iter().any(|t| lasts(t)) {
                    let message = if single {
                        format!(
                            "shift lasts {len:.2} h; allowed lengths are {:?} h",
                            rules.shift_lengths_hours
                        )
                    } else {
                        let allowed: Vec<String> = pool
                            .iter()
                            .map(|t| format!("{} {:?} h", t.name, t.lengths_hours))
                            .collect();
                        format!(
                            "shift lasts {len:.2} h; the templates it could belong to allow {}",
                            if allowed.is_empty() {
                                "none".to_string()
                            } else {
                                allowed.join("; ")
                            }
                        )
                    };
                    v(agent_id, d, "shift-length", message);
                }
            }
            for b in &s.breaks {
                if b.start < s.start || b.end > s.end || b.end <= b.start {
                    v(
                        agent_id,
                        d,
                        "break-inside-shift",
                        format!(
                            "{} break {}-{} is not inside the shift",
                            b.kind,
                            b.start.format("%H:%M"),
                            b.end.format("%H:%M")
                        ),
                    );
                }
            }
            // Breaks of each kind: the shift needs one of each configured
            // break of that kind its length calls for. The windows are
            // disjoint, so the breaks, in time order, pair with the rules in
            // window order.
            let all_rules = rules.break_rules();
            let mut unpaid = 0.0;
            for (kind, rule_rule, what) in [
                ("meal", "meal-break", "meal break"),
                ("rest", "rest-break", "rest break"),
            ] {
                // The site's own break rule, when it sets one.
                let site_rule = if kind == "meal" {
                    whose("meal_break", site.rules.meal_break.is_some())
                } else {
                    whose("rest_breaks", site.rules.rest_breaks.is_some())
                };
                let mut needed: Vec<_> = all_rules
                    .iter()
                    .filter(|r| r.kind == kind && r.applies(len))
                    .collect();
                needed.sort_by(|a, b| a.earliest_start_hours.total_cmp(&b.earliest_start_hours));
                let mut given: Vec<_> = s.breaks.iter().filter(|b| b.kind == kind).collect();
                given.sort_by_key(|b| b.start);
                if given.len() != needed.len() {
                    v(
                        agent_id,
                        d,
                        rule_rule,
                        format!(
                            "shift of {len:.2} h has {} {what}s; it needs {}{site_rule}",
                            given.len(),
                            needed.len()
                        ),
                    );
                    // Paid time: each break counts by the rule of its kind
                    // whose window holds its start.
                    for b in &given {
                        let from = hours(b.start - s.start);
                        if all_rules.iter().any(|r| {
                            r.kind == kind
                                && !r.paid
                                && from + EPS_H >= r.earliest_start_hours
                                && from < r.latest_end_hours
                        }) {
                            unpaid += hours(b.end - b.start);
                        }
                    }
                    continue;
                }
                for (b, r) in given.iter().zip(&needed) {
                    let name = match r.index {
                        Some(i) => format!("{what} (rest_breaks[{i}])"),
                        None => what.to_string(),
                    };
                    for message in misfit(
                        &name,
                        b,
                        s,
                        r.minutes,
                        r.earliest_start_hours,
                        r.latest_end_hours,
                    ) {
                        v(agent_id, d, rule_rule, format!("{message}{site_rule}"));
                    }
                    if !r.paid {
                        unpaid += hours(b.end - b.start);
                    }
                }
            }
            for b in &s.breaks {
                if b.kind != "meal" && b.kind != "rest" {
                    v(
                        agent_id,
                        d,
                        "break-kind",
                        format!("break kind `{}` is neither meal nor rest", b.kind),
                    );
                }
            }
            let mut by_start: Vec<_> = s.breaks.iter().collect();
            by_start.sort_by_key(|b| b.start);
            for w in by_start.windows(2) {
                if w[1].start < w[0].end {
                    v(
                        agent_id,
                        d,
                        "break-overlap",
                        format!(
                            "{} break {}-{} overlaps {} break {}-{}",
                            w[0].kind,
                            w[0].start.format("%H:%M"),
                            w[0].end.format("%H:%M"),
                            w[1].kind,
                            w[1].start.format("%H:%M"),
                            w[1].end.format("%H:%M")
                        ),
                    );
                }
            }
            let expected_paid = len - unpaid;
            if (expected_paid - s.paid_hours).abs() > 0.01 {
                v(
                    agent_id,
                    d,
                    "paid-hours",
                    format!("paid hours say {:.2} but the shift and its unpaid breaks give {expected_paid:.2}", s.paid_hours),
                );
            }
            for skill in &s.skills {
                if !agent.skills.contains(skill) {
                    v(
                        agent_id,
                        d,
                        "skills",
                        format!("works `{skill}` but is not skilled for it"),
                    );
                }
            }
        }
        for (date, n) in &per_day {
            if *n > 1 {
                v(
                    agent_id,
                    Some(*date),
                    "one-shift-per-day",
                    format!("{n} shifts on one day"),
                );
            }
        }
        for w in shifts.windows(2) {
            let rest = hours(w[1].start - w[0].end);
            if rest < 0.0 {
                v(
                    agent_id,
                    Some(w[1].date),
                    "overlap",
                    format!(
                        "the shift starting {} overlaps the one ending {}",
                        w[1].start.format("%a %H:%M"),
                        w[0].end.format("%a %H:%M")
                    ),
                );
            } else if rest + EPS_H < rules.min_rest_hours {
                v(
                    agent_id,
                    Some(w[1].date),
                    "min-rest",
                    format!(
                        "only {rest:.2} h rest between the shift ending {} and the one starting {}; at least {} h are required{rest_rule}",
                        w[0].end.format("%a %H:%M"),
                        w[1].start.format("%a %H:%M"),
                        rules.min_rest_hours
                    ),
                );
            }
        }
        // Fixed days off and daily availability (wall-clock times of the shift's day).
        for s in &shifts {
            for a in allow.absences.iter().filter(|a| a.agent_id == **agent_id) {
                if s.start < a.until && s.end > a.from {
                    v(
                        agent_id,
                        Some(s.date),
                        "absence",
                        format!(
                            "works {}-{} during the re-plan's absence of {agent_id} from {} to {}",
                            s.start.format("%H:%M"),
                            s.end.format("%H:%M"),
                            a.from.format("%Y-%m-%d %H:%M"),
                            a.until.format("%Y-%m-%d %H:%M")
                        ),
                    );
                }
            }
            if agent.days_off.contains(&s.date) {
                v(
                    agent_id,
                    Some(s.date),
                    "day-off",
                    format!("works on {}, a fixed day off", s.date),
                );
            }
            if let Some(av) = &agent.available {
                if outside(s, av) {
                    v(
                        agent_id,
                        Some(s.date),
                        "availability",
                        format!(
                            "works {}-{} but is available only {}-{}",
                            s.start.format("%H:%M"),
                            s.end.format("%H:%M"),
                            av.from,
                            av.to
                        ),
                    );
                }
            }
        }
        // Rest after last week's final shift.
        if let (Some(first), Some(end)) = (
            shifts.first(),
            agent.previous.as_ref().and_then(|p| p.last_shift_end),
        ) {
            if let Some(end) = chrono::TimeZone::from_local_datetime(&tz, &end).latest() {
                let rest = hours(first.start - end);
                if rest + EPS_H < rules.min_rest_hours {
                    v(
                        agent_id,
                        Some(first.date),
                        "min-rest",
                        format!(
                            "only {rest:.2} h rest between last week's shift ending {} and the one starting {}; at least {} h are required{rest_rule}",
                            end.format("%a %H:%M"),
                            first.start.format("%a %H:%M"),
                            rules.min_rest_hours
                        ),
                    );
                }
            }
        }
        // Days in a row, counting the run that ended the previous week.
        let worked: Vec<bool> = dates.iter().map(|d| per_day.contains_key(d)).collect();
        if let Some(k) = rules.max_consecutive_days {
            let mut run = agent.previous.as_ref().map_or(0, |p| p.consecutive_days);
            for (i, w) in worked.iter().enumerate() {
                run = if *w { run + 1 } else { 0 };
                if run == k + 1 {
                    v(
                        agent_id,
                        Some(dates[i]),
                        "max-consecutive-days",
                        format!(
                            "{} days in a row by {}; at most {k} are allowed{}",
                            run,
                            dates[i],
                            whose(
                                "max_consecutive_days",
                                site.rules.max_consecutive_days.is_some()
                            )
                        ),
                    );
                }
            }
        }
        // Per week of the plan (`Scenario::weeks`): a block of days off in a
        // row inside the week, and the working days.
        for week in &weeks {
            let in_week = &worked[week.days()];
            if let Some(l) = week.days_off_block(rules) {
                if !in_week.windows(l).any(|w| w.iter().all(|x| !x)) {
                    v(
                        agent_id,
                        None,
                        "consecutive-days-off",
                        format!(
                            "has no {l} days off in a row in {}{}",
                            match week_name(week) {
                                n if n.is_empty() => "the planned days".to_string(),
                                n => n.trim_start_matches(" in ").to_string(),
                            },
                            whose(
                                "consecutive_days_off",
                                site.rules.consecutive_days_off.is_some()
                            )
                        ),
                    );
                }
            }
            let days = in_week.iter().filter(|w| **w).count();
            let most = week.max_working_days(rules);
            if days > most {
                v(
                    agent_id,
                    None,
                    "max-working-days",
                    format!(
                        "works {days} days{}; at most {most} are allowed{}",
                        week_name(week),
                        whose("max_working_days", site.rules.max_working_days.is_some())
                    ),
                );
            }
        }
    }
    // Weekly hours, including agents with no shift at all.
    for a in &scenario.agents {
        // replan: overtime counts to its own maximum, and an absence waives the minimum.
        let extra_on = |d: &NaiveDate| overtime.get(&(a.id.as_str(), *d)).copied().unwrap_or(0.0);
        let extra: f64 = dates.iter().map(extra_on).sum();
        if let Some(ot) = allow
            .overtime
            .as_ref()
            .filter(|o| extra > o.max_hours + 0.01)
        {
            v(
                &a.id,
                None,
                "overtime",
                format!(
                    "{} h of overtime over the planned days exceeds the re-plan's allowance of {} h an agent (replan.overtime.max_hours)",
                    round2(extra),
                    round2(ot.max_hours)
                ),
            );
        }
        let absent = allow.absences.iter().any(|x| x.agent_id == a.id);
        for week in &weeks {
            let paid: f64 = by_agent
                .get(a.id.as_str())
                .map(|ss| {
                    ss.iter()
                        .filter(|s| dates[week.days()].contains(&s.date))
                        .map(|s| s.paid_hours)
                        .sum()
                })
                .unwrap_or(0.0);
            let paid = paid - dates[week.days()].iter().map(extra_on).sum::<f64>();
            let (lo, hi) = (week.min_hours(a), week.max_hours(a));
            let lo = if absent { 0.0 } else { lo };
            if paid + 0.01 < lo || paid > hi + 0.01 {
                v(
                    &a.id,
                    None,
                    "weekly-hours",
                    format!(
                        "{paid:.2} paid hours{}; the contract allows {} to {} h",
                        week_name(week),
                        (lo * 100.0).round() / 100.0,
                        (hi * 100.0).round() / 100.0
                    ),
                );
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::absence::Absence;
    use chrono::TimeZone;

    const SCENARIO: &str = r#"
name: s
site: { name: S, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-09, days: 2 }
history: { file: h.csv }
queues:
  - { id: q, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: A1, name: Ann, skills: [q], min_hours: 8, max_hours: 16 }
rules:
  shift_start: { earliest: "08:00", latest: "12:00" }
  shift_lengths_hours: [8]
  meal_break: { minutes: 60, earliest_start_hours: 3, latest_end_hours: 5, paid: true }
"#;

    fn shift(day: u32, h0: u32, m1: i64, meal: Option<u32>) -> Shift {
        let tz = chrono_tz::Asia::Shanghai;
        let start = tz.with_ymd_and_hms(2026, 11, day, h0, 0, 0).unwrap();
        let end = start + Duration::minutes(m1);
        Shift {
            agent_id: "A1".into(),
            agent_name: "Ann".into(),
            date: start.date_naive(),
            start,
            end,
            breaks: meal
                .map(|h| Break {
                    kind: "meal".into(),
                    start: tz.with_ymd_and_hms(2026, 11, day, h, 0, 0).unwrap(),
                    end: tz.with_ymd_and_hms(2026, 11, day, h + 1, 0, 0).unwrap(),
                })
                .into_iter()
                .collect(),
            skills: vec!["q".into()],
            paid_hours: m1 as f64 / 60.0,
            site: String::new(),
        }
    }

    fn rules(v: &[Violation]) -> Vec<&str> {
        v.iter().map(|v| v.rule).collect()
    }

    #[test]
    fn overtime_and_cut_shifts_pass_only_with_their_allowances() {
        let sc = Scenario::from_yaml_str(SCENARIO, std::path::Path::new("s.yaml")).unwrap();
        let tz = sc.site.timezone;
        // Day 1: 8 h plus 90 minutes of overtime; day 2: cut at 12:00 by an absence.
        let roster = Roster {
            site_name: "S".into(),
            timezone: tz,
            shifts: vec![shift(9, 8, 9 * 60 + 30, Some(12)), shift(10, 9, 180, None)],
        };
        let plain = validate(&sc, &roster);
        assert!(rules(&plain).contains(&"shift-length"), "{plain:?}");
        assert!(rules(&plain).contains(&"meal-break"), "{plain:?}");
        let absence = Absence {
            agent_id: "A1".into(),
            from: tz.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap(),
            until: tz.with_ymd_and_hms(2026, 11, 11, 0, 0, 0).unwrap(),
        };
        let mut allow = Allowances {
            absences: vec![absence.clone()],
            overtime: Some(crate::scenario::Overtime::default()),
        };
        // 9.5 + 3 paid hours, 1.5 of them overtime: 11 regular hours, within 8..16.
        assert_eq!(validate_with(&sc, &roster, &allow), vec![]);
        // The overtime maximum holds.
        allow.overtime.as_mut().unwrap().max_hours = 1.0;
        assert_eq!(rules(&validate_with(&sc, &roster, &allow)), ["overtime"]);
        // Longer than the most a shift may run over: named as such.
        allow.overtime.as_mut().unwrap().max_hours = 4.0;
        allow.overtime.as_mut().unwrap().max_minutes_per_shift = 60;
        let past = validate_with(&sc, &roster, &allow);
        assert_eq!(rules(&past), ["overtime"], "{past:?}");
        assert_eq!(
            past[0].message,
            "the 9.50 h shift 08:00-17:30 carries 1.5 h of overtime, which exceeds the re-plan's allowance of 1 h a shift (replan.overtime.max_minutes_per_shift: 60)"
        );
        // Working into the absence is caught.
        allow.overtime = Some(crate::scenario::Overtime::default());
        let mut late = roster.clone();
        late.shifts[1] = shift(10, 9, 8 * 60, Some(13));
        assert_eq!(rules(&validate_with(&sc, &late, &allow)), ["absence"]);
    }

    #[test]
    fn allowances_union_keeps_every_absence_once_and_the_larger_caps() {
        let tz = chrono_tz::Asia::Shanghai;
        let at = |d: u32, h: u32| tz.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
        let absence = |id: &str, from, until| Absence {
            agent_id: id.into(),
            from,
            until,
        };
        let a = Allowances {
            absences: vec![
                absence("B", at(10, 9), at(12, 0)),
                absence("A", at(9, 14), at(11, 0)),
            ],
            overtime: Some(crate::scenario::Overtime::default()),
        };
        let b = Allowances {
            absences: vec![
                absence("A", at(10, 0), at(11, 0)),
                absence("B", at(9, 9), at(13, 0)),
                absence("C", at(10, 9), at(10, 12)),
            ],
            overtime: Some(crate::scenario::Overtime {
                max_hours: 2.0,
                max_minutes_per_shift: 180,
                ..Default::default()
            }),
        };
        let u = a.union(&b);
        assert_eq!(
            u.absences,
            [
                absence("A", at(9, 14), at(11, 0)),
                absence("B", at(9, 9), at(13, 0)),
                absence("C", at(10, 9), at(10, 12)),
            ]
        );
        let ot = u.overtime.unwrap();
        assert_eq!((ot.max_hours, ot.max_minutes_per_shift), (4.0, 180));
        assert_eq!(
            Allowances::default().union(&Allowances::default()),
            Allowances::default()
        );
        assert_eq!(b.union(&Allowances::default()).overtime, b.overtime);
    }
}
