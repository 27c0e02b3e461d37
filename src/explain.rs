//! Why a roster is over the requirement at the same hours day after day.
//!
//! [`recurring_overstaffing`] finds the windows of the day where a queue's
//! staff is at least one agent and half again above its requirement on most
//! planned days (from the evaluation, so from the roster alone), and names
//! the rules of the scenario that force it:
//!
//! - shift lengths and start windows that make the shifts opening a queue
//!   and those closing it overlap: a shift covering the opening at `O` can
//!   end no earlier than `max(E + Lmin, O + Δ)` (earliest start `E`,
//!   shortest shift `Lmin`, interval `Δ`), and one covering the close at `C`
//!   starts no later than `min(L, C − Δ)` (latest start `L`); unless one
//!   shift can span the whole day, both are on duty in between;
//! - start steps coarser than the intervals;
//! - `min_staff` floors above the requirement;
//! - overstaffing that costs nothing (`weights.overstaffing: 0`);
//! - and, for the week as a whole, agents held at their contract minimum
//!   (`min_hours`), whose hours cannot shrink.
//!
//! Start windows and lengths are the union of the shift templates that apply
//! on the day, which can only narrow the forced overlap: what is reported as
//! forced is forced.

use std::collections::BTreeMap;

use crate::horizon::Horizon;
use crate::report::Evaluation;
use crate::roster::model::Roster;
use crate::scenario::Scenario;

/// Staff above requirement by at least this many agents…
const MIN_EXCESS: f64 = 1.0;
/// …and by at least this factor, for an interval to count as overstaffed.
const MIN_RATIO: f64 = 1.5;

/// One interval of a queue, as the evaluation has it.
struct Cell {
    day: usize,
    staffed: f64,
    required: f64,
    floor: f64,
}

impl Cell {
    /// At least one agent and half again above the requirement.
    fn over(&self) -> bool {
        self.staffed - self.required >= MIN_EXCESS - 1e-9
            && self.staffed + 1e-9 >= MIN_RATIO * self.required
    }
}

/// A window of the day where a queue is overstaffed on most days.
#[derive(Debug, Clone, PartialEq)]
pub struct Surplus {
    pub queue: String,
    /// Local minutes after midnight, `[from, to)`.
    pub from_minute: u32,
    pub to_minute: u32,
    /// Days on which at least half of the window is overstaffed.
    pub days: usize,
    /// Planned days.
    pub of_days: usize,
    /// Mean staff and requirement in the window on those days.
    pub mean_staffed: f64,
    pub mean_required: f64,
    /// Agent-hours above the requirement in the window over every day.
    pub agent_hours: f64,
    /// The rules that force it, in words; empty when none is found.
    pub causes: Vec<String>,
}

/// Recurring overstaffing and what causes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Explanation {
    /// The largest windows first (at most five).
    pub surpluses: Vec<Surplus>,
    /// Agents rostered at their contract minimum, in words, when there are any.
    pub contract_minimum: Option<String>,
}

/// `HH:MM` of minutes after midnight (`24:00` for 1440).
pub fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn hours(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// Finds the windows where staff is recurrently well above the requirement,
/// and why.
pub fn recurring_overstaffing(
    scenario: &Scenario,
    horizon: &Horizon,
    evaluation: &Evaluation,
    roster: &Roster,
) -> Explanation {
    let dm = horizon.interval_minutes;
    let dh = horizon.interval_hours();
    let nd = horizon.dates.len();
    let mut surpluses = Vec::new();
    for (qi, q) in scenario.queues.iter().enumerate() {
        if q.channel.is_deferred() {
            continue;
        }
        let kpis = &evaluation.intervals[qi];
        // minute of day -> its intervals
        let mut slots: BTreeMap<u32, Vec<Cell>> = BTreeMap::new();
        for (t, iv) in horizon.intervals.iter().enumerate() {
            let k = &kpis[t];
            slots.entry(iv.minute_of_day).or_default().push(Cell {
                day: iv.day,
                staffed: k.staffed,
                required: k.required as f64,
                floor: k.min_staff,
            });
        }
        let recurring: Vec<u32> = slots
            .iter()
            .filter(|(_, v)| {
                let n = v.iter().filter(|c| c.over()).count();
                n >= 2 && 2 * n >= v.len()
            })
            .map(|(m, _)| *m)
            .collect();
        // Consecutive slots make a window.
        let mut windows: Vec<(u32, u32)> = Vec::new();
        for m in recurring {
            match windows.last_mut() {
                Some((_, to)) if *to == m => *to = m + dm,
                _ => windows.push((m, m + dm)),
            }
        }
        for (from, to) in windows {
            let inside: Vec<&Cell> = slots.range(from..to).flat_map(|(_, v)| v.iter()).collect();
            let per_day = |d: usize| inside.iter().filter(move |c| c.day == d);
            let days: Vec<usize> = (0..nd)
                .filter(|&d| {
                    let all = per_day(d).count();
                    let hit = per_day(d).filter(|c| c.over()).count();
                    all > 0 && 2 * hit >= all
                })
                .collect();
            let on_days: Vec<&&Cell> = inside.iter().filter(|c| days.contains(&c.day)).collect();
            let mean = |f: &dyn Fn(&Cell) -> f64| {
                on_days.iter().map(|c| f(c)).sum::<f64>() / on_days.len().max(1) as f64
            };
            let mean_staffed = mean(&|c| c.staffed);
            let mean_required = mean(&|c| c.required);
            let mean_floor = mean(&|c| c.floor);
            let agent_hours = inside
                .iter()
                .map(|c| (c.staffed - c.required).max(0.0))
                .sum::<f64>()
                * dh;
            let mut causes = Vec::new();
            if let Some(c) = forced_overlap(scenario, horizon, evaluation, qi, (from, to), &days) {
                causes.push(c);
            }
            let step = scenario
                .rules
                .templates()
                .iter()
                .map(|t| t.start.step_minutes)
                .min()
                .unwrap_or(dm);
            if step > dm && to - from < step {
                causes.push(format!(
                    "shifts start only every {step} minutes (shift_start.step_minutes) while the requirement changes every {dm} minutes: the staff cannot follow a change inside a step"
                ));
            }
            if mean_floor > mean_required + 0.5 && mean_floor + 0.5 >= mean_staffed {
                causes.push(format!(
                    "min_staff asks for {} agents on {} then, above the requirement",
                    hours(mean_floor),
                    q.id
                ));
            }
            if scenario.weights.overstaffing <= 0.0 {
                causes.push(
                    "overstaffing costs nothing (weights.overstaffing is 0), so the solver has no reason to avoid it".to_string(),
                );
            }
            surpluses.push(Surplus {
                queue: q.id.clone(),
                from_minute: from,
                to_minute: to,
                days: days.len(),
                of_days: nd,
                mean_staffed,
                mean_required,
                agent_hours,
                causes,
            });
        }
    }
    surpluses.sort_by(|a, b| b.agent_hours.total_cmp(&a.agent_hours));
    surpluses.truncate(5);
    let contract_minimum = if surpluses.is_empty() {
        None
    } else {
        contract_minimum(scenario, roster, evaluation)
    };
    Explanation {
        surpluses,
        contract_minimum,
    }
}

/// The forced overlap of opening and closing shifts of queue `qi`, in words,
/// when it meets the window `[from, to)` on at least half of `days` and puts
/// more agents on duty than the window requires.
fn forced_overlap(
    scenario: &Scenario,
    horizon: &Horizon,
    evaluation: &Evaluation,
    qi: usize,
    (from, to): (u32, u32),
    days: &[usize],
) -> Option<String> {
    let dm = horizon.interval_minutes;
    let q = &scenario.queues[qi];
    let kpis = &evaluation.intervals[qi];
    let mut hits = Vec::new();
    for &d in days {
        let date = horizon.dates[d];
        let ts: Vec<usize> = (0..horizon.intervals.len())
            .filter(|&t| horizon.intervals[t].day == d)
            .collect();
        let needed: Vec<usize> = ts
            .iter()
            .copied()
            .filter(|&t| kpis[t].required > 0)
            .collect();
        let (Some(&first), Some(&last)) = (needed.first(), needed.last()) else {
            continue;
        };
        let open = horizon.intervals[first].minute_of_day;
        let close = horizon.intervals[last].minute_of_day + dm;
        let templates: Vec<_> = scenario
            .rules
            .templates()
            .into_iter()
            .filter(|t| t.applies_on(date))
            .collect();
        let e = templates.iter().map(|t| t.start.earliest.minutes()).min()?;
        let l = templates.iter().map(|t| t.start.latest.minutes()).max()?;
        let lengths = templates
            .iter()
            .flat_map(|t| t.lengths_hours.iter().copied());
        let lmin = lengths.clone().fold(f64::MAX, f64::min);
        let lmax = lengths.fold(0.0, f64::max);
        let (lmin_m, lmax_m) = ((lmin * 60.0).round() as u32, (lmax * 60.0).round() as u32);
        // One shift could span the day, or the day cannot be covered at all.
        if e > open || l + lmax_m < close || l.min(open) + lmax_m >= close {
            continue;
        }
        let morning_end = (e + lmin_m).max(open + dm);
        let evening_start = l.min(close - dm);
        if evening_start >= morning_end || evening_start >= to || morning_end <= from {
            continue;
        }
        let inside = |t: usize| {
            let m = horizon.intervals[t].minute_of_day;
            m >= from.max(evening_start) && m < to.min(morning_end)
        };
        let window: Vec<f64> = ts
            .iter()
            .filter(|&&t| inside(t))
            .map(|&t| kpis[t].required as f64)
            .collect();
        let window_req = window.iter().sum::<f64>() / window.len().max(1) as f64;
        let ends = kpis[first].required as f64 + kpis[last].required as f64;
        hits.push((
            open,
            close,
            e,
            l,
            lmin,
            lmax,
            evening_start,
            morning_end,
            ends,
            window_req,
            templates.len(),
        ));
    }
    if hits.is_empty() || 2 * hits.len() < days.len() {
        return None;
    }
    let n = hits.len() as f64;
    let ends = hits.iter().map(|h| h.8).sum::<f64>() / n;
    let window_req = hits.iter().map(|h| h.9).sum::<f64>() / n;
    if ends <= window_req + 0.5 {
        return None;
    }
    let (open, close, e, l, lmin, lmax, es, me, _, _, n_templates) = hits[0];
    let (lengths_from, starts_from) = if n_templates > 1 {
        ("the shift templates of the day", "the same templates")
    } else {
        ("shift_lengths_hours", "shift_start")
    };
    let len = if lmin == lmax {
        format!("{} h", hours(lmin))
    } else {
        format!("{}–{} h", hours(lmin), hours(lmax))
    };
    Some(format!(
        "shifts last {len} ({lengths_from}) and start from {} to {} ({starts_from}): the shifts that open {} at {} run until {} or later, and those that close it at {} start at {} or earlier, so both are on duty at {}–{} — on average {:.1} agents open and close it, against {:.1} required then",
        clock(e),
        clock(l),
        q.id,
        clock(open),
        clock(me),
        clock(close),
        clock(es),
        clock(es),
        clock(me),
        ends,
        window_req
    ))
}

/// Agents rostered at (or below) their contract minimum, in words.
fn contract_minimum(
    scenario: &Scenario,
    roster: &Roster,
    evaluation: &Evaluation,
) -> Option<String> {
    let mut paid: BTreeMap<&str, f64> = BTreeMap::new();
    for s in &roster.shifts {
        *paid.entry(s.agent_id.as_str()).or_default() += s.paid_hours;
    }
    let bound: Vec<_> = scenario
        .agents
        .iter()
        .filter(|a| {
            a.min_hours > 0.0
                && paid.get(a.id.as_str()).copied().unwrap_or(0.0) <= a.min_hours + 0.25
        })
        .collect();
    if bound.is_empty() {
        return None;
    }
    let floor: f64 = scenario.agents.iter().map(|a| a.min_hours).sum();
    let required: f64 = evaluation
        .queues
        .iter()
        .map(|q| q.required_agent_hours)
        .sum();
    let mut text = format!(
        "{} of {} agents are rostered at their contract minimum (min_hours): their hours cannot be cut, so rota places them where they cost least",
        bound.len(),
        scenario.agents.len()
    );
    if floor > required {
        text.push_str(&format!(
            "; the contract minimums alone ({floor:.0} paid hours) exceed the requirement ({required:.0} agent-hours)"
        ));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::model::Shift;
    use crate::staffing::{IntervalRequirement, QueueRequirements};
    use chrono::TimeZone;
    use std::path::Path;

    const YAML: &str = r#"
name: t
site: { name: T, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-09, days: 3, interval_minutes: 60 }
history: { file: h.csv }
queues:
  - { id: q, channel: voice, service_level: { target: 0.8, seconds: 20 }, open: "08:00", close: "20:00" }
agents:
  - { id: A, name: Early, skills: [q], min_hours: 24, max_hours: 40 }
  - { id: B, name: Late, skills: [q], min_hours: 0, max_hours: 40 }
rules:
  shift_start: { earliest: "08:00", latest: "12:00", step_minutes: 60 }
  shift_lengths_hours: [8]
  meal_break: { minutes: 60, earliest_start_hours: 3, latest_end_hours: 5, paid: true }
"#;

    /// Two agents a day, 08–16 and 12–20, against one agent required from
    /// 08:00 to 20:00: two on duty at 12:00–16:00, every day. By hand: the
    /// opening shift ends at 08:00 + 8 h = 16:00 at the earliest, the
    /// closing one starts at 12:00 (the latest start) at the latest.
    #[test]
    fn a_forced_overlap_of_opening_and_closing_shifts_is_named() {
        let sc = Scenario::from_yaml_str(YAML, Path::new("t.yaml")).unwrap();
        let h = Horizon::new(&sc);
        let reqs = vec![QueueRequirements {
            queue: "q".into(),
            intervals: h
                .intervals
                .iter()
                .map(|iv| {
                    let open = (8 * 60..20 * 60).contains(&iv.minute_of_day);
                    IntervalRequirement {
                        volume: 0.0,
                        aht_seconds: 180.0,
                        load: 0.0,
                        agents: open as u32,
                        scheduled: open as u32,
                        service_level: 1.0,
                        asa_seconds: 0.0,
                        occupancy: 0.0,
                    }
                })
                .collect(),
        }];
        let tz = sc.site.timezone;
        let mut shifts = Vec::new();
        for date in &h.dates {
            for (id, from) in [("A", 8), ("B", 12)] {
                let at = |hour: u32| {
                    tz.from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap())
                        .unwrap()
                };
                shifts.push(Shift {
                    agent_id: id.into(),
                    agent_name: id.into(),
                    date: *date,
                    start: at(from),
                    end: at(from + 8),
                    breaks: vec![],
                    skills: vec!["q".into()],
                    paid_hours: 8.0,
                    site: String::new(),
                });
            }
        }
        let roster = Roster {
            site_name: "T".into(),
            timezone: tz,
            shifts,
        };
        let ev = crate::report::evaluate(&sc, &h, &reqs, &roster).unwrap();
        let x = recurring_overstaffing(&sc, &h, &ev, &roster);
        assert_eq!(x.surpluses.len(), 1, "{x:?}");
        let s = &x.surpluses[0];
        assert_eq!(
            (clock(s.from_minute), clock(s.to_minute)),
            ("12:00".into(), "16:00".into())
        );
        assert_eq!((s.days, s.of_days), (3, 3));
        assert_eq!((s.mean_staffed, s.mean_required), (2.0, 1.0));
        assert_eq!(s.agent_hours, 12.0);
        assert_eq!(s.causes.len(), 1, "{:?}", s.causes);
        assert!(
            s.causes[0].contains("run until 16:00 or later")
                && s.causes[0].contains("start at 12:00 or earlier")
                && s.causes[0].contains("on duty at 12:00–16:00"),
            "{}",
            s.causes[0]
        );
        // A works 24 h, exactly the minimum.
        let c = x.contract_minimum.unwrap();
        assert!(
            c.starts_with("1 of 2 agents are rostered at their contract minimum"),
            "{c}"
        );

        // With 12-hour shifts one shift spans the day: no forced overlap.
        let long = YAML.replace("shift_lengths_hours: [8]", "shift_lengths_hours: [8, 12]");
        let sc = Scenario::from_yaml_str(&long, Path::new("t.yaml")).unwrap();
        let x = recurring_overstaffing(&sc, &h, &ev, &roster);
        assert!(
            x.surpluses[0].causes.is_empty(),
            "{:?}",
            x.surpluses[0].causes
        );
    }
}
