//! The constructive hand-out of step 2 of the decomposition: a class's
//! counted shifts given to its named agents day by day, with every
//! individual rule checked as it goes.
//!
//! Day by day, the day's counted shifts are taken earliest start first, and
//! each goes to the eligible agent (allowed to work it, rested since the
//! last shift, under the days-in-a-row, working-days and hours limits, and
//! still able to get a block of days off) that needs it most: first the
//! agents who cannot reach their contract minimum without working today,
//! then the agents rested only just enough (who could take no earlier
//! shift), then the fewest hours so far. Every weekly rule holds per week of
//! the plan (`Scenario::weeks`). Agents still short of their minimum at the
//! end of a week get extra shifts on their free days of that week
//! (shifts the counts hold that day when possible). It returns `None` if
//! some agent still cannot reach the minimum that way.

use chrono::{DateTime, Duration};
use chrono_tz::Tz;

use super::candidates::{allowed, Day};
use crate::scenario::{Agent, Scenario};

/// One agent's roster as the hand-out builds it: the current week's tally
/// (`Scenario::weeks`) and what carries across weeks.
#[derive(Clone)]
struct Tally {
    /// Paid hours and days worked in the current week.
    hours: f64,
    days: usize,
    /// Days worked in a row up to the day being handed out.
    run: usize,
    /// Days off in a row (within the current week) up to the day being handed out.
    off_run: usize,
    /// Whether the current week already holds its block of days off.
    has_block: bool,
    last_end: Option<DateTime<Tz>>,
    row: Vec<Option<usize>>,
}

/// Each agent's shift per day (`None`: off) and the counted shifts not
/// matched plus the shifts added beyond the counts; `None` when some agent
/// cannot reach the contract minimum.
pub(super) fn hand_out_class(
    scenario: &Scenario,
    days: &[Day],
    agents: &[usize],
    counts: &[Vec<usize>],
) -> Option<(Vec<Vec<Option<usize>>>, usize)> {
    // A class is of one site: its rules are its site's.
    let rules = scenario.rules_of(&scenario.agents[agents[0]]);
    let r = &rules;
    let rest = Duration::minutes((r.min_rest_hours * 60.0).round() as i64);
    let max_run = r.max_consecutive_days.map_or(usize::MAX, |k| k as usize);
    let longest = days
        .iter()
        .flat_map(|d| d.shifts.iter().map(|s| s.paid_hours))
        .fold(0.0, f64::max);
    let agent = |i: usize| -> &Agent { &scenario.agents[agents[i]] };
    let mut tally: Vec<Tally> = (0..agents.len())
        .map(|i| {
            let before = agent(i).previous.as_ref().map_or(0, |p| p.consecutive_days) as usize;
            Tally {
                hours: 0.0,
                days: 0,
                run: before,
                off_run: 0,
                has_block: true,
                last_end: None,
                row: vec![None; days.len()],
            }
        })
        .collect();
    let mut unmatched = 0;
    let mut extra = 0;
    for week in scenario.weeks() {
        let block = week.days_off_block(r).unwrap_or(0);
        let most_days = week.max_working_days(r);
        let week_end = week.first + week.len;
        for t in &mut tally {
            t.hours = 0.0;
            t.days = 0;
            t.off_run = 0;
            t.has_block = block == 0;
        }
        // Whether agent `i` may work shift `k` of day `d` given its week so far.
        let fits = |w: &Tally, i: usize, d: usize, k: usize| -> bool {
            let s = &days[d].shifts[k];
            w.row[d].is_none()
                && w.days < most_days
                && w.run < max_run
                && w.hours + s.paid_hours <= week.max_hours(agent(i)) + 1e-9
                && (w.has_block || w.off_run >= block || week_end - 1 - d >= block)
                && w.last_end.is_none_or(|e| s.start >= e + rest)
                && allowed(scenario, agent(i), &days[d], s)
        };
        // Days of the week after `d` agent `i` could still work at all.
        let days_left = |w: &Tally, i: usize, d: usize| -> usize {
            let open = (d + 1..week_end)
                .filter(|&e| {
                    days[e]
                        .shifts
                        .iter()
                        .any(|s| allowed(scenario, agent(i), &days[e], s))
                })
                .count();
            open.min(most_days.saturating_sub(w.days + 1))
        };
        for d in week.days() {
            let mut slots: Vec<usize> = (0..days[d].shifts.len())
                .flat_map(|k| std::iter::repeat_n(k, counts[d][k]))
                .collect();
            slots.sort_by_key(|&k| (days[d].shifts[k].start, days[d].shifts[k].end));
            for k in slots {
                let s = &days[d].shifts[k];
                let best = (0..agents.len())
                    .filter(|&i| fits(&tally[i], i, d, k))
                    .min_by(|&i, &j| {
                        let key = |i: usize| {
                            let w = &tally[i];
                            // Cannot reach the week's minimum without today.
                            let critical = w.hours + longest * (days_left(w, i, d) as f64) + 1e-9
                                < week.min_hours(agent(i));
                            (!critical, w.days, std::cmp::Reverse(w.last_end), w.hours, i)
                        };
                        let (a, b) = (key(i), key(j));
                        a.0.cmp(&b.0)
                            .then(a.1.cmp(&b.1))
                            .then(a.2.cmp(&b.2))
                            .then(a.3.partial_cmp(&b.3).unwrap_or(std::cmp::Ordering::Equal))
                            .then(a.4.cmp(&b.4))
                    });
                match best {
                    Some(i) => work(&mut tally[i], d, k, s.paid_hours, s.end),
                    None => unmatched += 1,
                }
            }
            for w in &mut tally {
                if w.row[d].is_none() {
                    w.run = 0;
                    w.off_run += 1;
                    if w.off_run >= block {
                        w.has_block = true;
                    }
                }
            }
        }
        // Agents short of the week's minimum: extra shifts on their free days.
        for (i, w) in tally.iter_mut().enumerate() {
            while w.hours + 1e-9 < week.min_hours(agent(i)) {
                let add = week.days().find_map(|d| {
                    let mut k_all: Vec<usize> = (0..days[d].shifts.len()).collect();
                    k_all.sort_by_key(|&k| (counts[d][k] == 0, k));
                    k_all
                        .into_iter()
                        .find(|&k| valid_with(scenario, days, &w.row, agent(i), d, k))
                        .map(|k| (d, k))
                })?;
                let (d, k) = add;
                w.row[d] = Some(k);
                w.hours += days[d].shifts[k].paid_hours;
                extra += 1;
            }
            // What carries into the next week follows the row as it now is.
            let end = w.row[..week_end]
                .iter()
                .enumerate()
                .rev()
                .find_map(|(d, k)| k.map(|k| days[d].shifts[k].end));
            w.last_end = end;
            w.run = w.row[..week_end]
                .iter()
                .rev()
                .take_while(|k| k.is_some())
                .count()
                + if w.row[..week_end].iter().all(|k| k.is_some()) {
                    agent(i).previous.as_ref().map_or(0, |p| p.consecutive_days) as usize
                } else {
                    0
                };
        }
    }
    Some((
        tally.into_iter().map(|w| w.row).collect(),
        unmatched + extra,
    ))
}

fn work(w: &mut Tally, d: usize, k: usize, paid: f64, end: DateTime<Tz>) {
    w.row[d] = Some(k);
    w.hours += paid;
    w.days += 1;
    w.run += 1;
    w.off_run = 0;
    w.last_end = Some(end);
}

/// Whether `row` with shift `k` added on day `d` keeps every weekly rule
/// of `agent` (the whole plan is checked again).
fn valid_with(
    scenario: &Scenario,
    days: &[Day],
    row: &[Option<usize>],
    agent: &Agent,
    d: usize,
    k: usize,
) -> bool {
    if row[d].is_some() || !allowed(scenario, agent, &days[d], &days[d].shifts[k]) {
        return false;
    }
    let mut row = row.to_vec();
    row[d] = Some(k);
    week_ok(scenario, days, &row, agent)
}

/// Whether a whole plan keeps the agent's rules: per week (`Scenario::weeks`)
/// working days, hours and the block of days off; rest between shifts and
/// days in a row (with last week's run). (Each shift's own `allowed` is
/// checked where it is chosen.)
pub(super) fn week_ok(
    scenario: &Scenario,
    days: &[Day],
    row: &[Option<usize>],
    agent: &Agent,
) -> bool {
    let rules = scenario.rules_of(agent);
    let r = &rules;
    let rest = Duration::minutes((r.min_rest_hours * 60.0).round() as i64);
    let worked: Vec<(usize, usize)> = row
        .iter()
        .enumerate()
        .filter_map(|(d, k)| k.map(|k| (d, k)))
        .collect();
    for week in scenario.weeks() {
        let in_week: Vec<&(usize, usize)> = worked.iter().filter(|(d, _)| week.holds(*d)).collect();
        let hours: f64 = in_week
            .iter()
            .map(|&&(d, k)| days[d].shifts[k].paid_hours)
            .sum();
        if in_week.len() > week.max_working_days(r) || hours > week.max_hours(agent) + 1e-9 {
            return false;
        }
        if let Some(l) = week.days_off_block(r) {
            if !row[week.days()]
                .windows(l)
                .any(|w| w.iter().all(|k| k.is_none()))
            {
                return false;
            }
        }
    }
    if worked
        .windows(2)
        .any(|p| days[p[1].0].shifts[p[1].1].start < days[p[0].0].shifts[p[0].1].end + rest)
    {
        return false;
    }
    if let Some(max) = r.max_consecutive_days {
        let mut run = agent.previous.as_ref().map_or(0, |p| p.consecutive_days);
        for k in row {
            run = if k.is_some() { run + 1 } else { 0 };
            if run > max {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::Duration;

    use super::hand_out_class;
    use crate::roster::model::{Break, Roster, Shift};
    use crate::roster::validate::validate;
    use crate::scenario::Scenario;
    use crate::solve::candidates::candidates;

    /// Twenty identical agents over a week, with late (13:00–22:00) and
    /// early (08:00) shifts so that 11 h of rest matters.
    fn scenario() -> Scenario {
        let mut src = String::from(
            "name: Hand-out test\n\
             site: { name: Test, timezone: Asia/Shanghai }\n\
             planning: { week_start: 2026-11-09, days: 7, interval_minutes: 15 }\n\
             history: { file: history.csv, weeks: 4 }\n\
             queues:\n  - { id: q, channel: voice, service_level: { target: 0.8, seconds: 20 }, open: \"08:00\", close: \"22:00\" }\n\
             rules:\n  shift_start: { earliest: \"08:00\", latest: \"13:00\", step_minutes: 30 }\n  \
             shift_lengths_hours: [8, 9]\n  \
             meal_break: { minutes: 60, earliest_start_hours: 3, latest_end_hours: 6 }\n  \
             min_rest_hours: 11\n  max_working_days: 5\n  max_consecutive_days: 4\n\
             agents:\n",
        );
        for i in 0..20 {
            src.push_str(&format!(
                "  - {{ id: A{i:02}, name: Agent {i}, skills: [q], min_hours: 32, max_hours: 40 }}\n"
            ));
        }
        Scenario::from_yaml_str(&src, Path::new("handout-test.yaml")).expect("scenario")
    }

    /// Counts taken from a valid roster (each agent's week: days off
    /// `i % 7` and `(i + 3) % 7`, late shifts for a quarter of the agents,
    /// 9-hour shifts for every other one) are handed out again nearly
    /// exactly, and the hand-out passes the independent validator (rest,
    /// days in a row, working days, contract hours).
    #[test]
    fn hands_out_disaggregable_counts_validly() {
        let sc = scenario();
        let days = candidates(&sc);
        let mut counts: Vec<Vec<usize>> = days.iter().map(|d| vec![0; d.shifts.len()]).collect();
        for i in 0..sc.agents.len() {
            let hours = if i % 2 == 0 { 9 } else { 8 };
            let start = if i % 4 == 1 {
                13 * 60
            } else {
                8 * 60 + 30 * (i as i64 % 3)
            };
            for (d, day) in days.iter().enumerate() {
                if d == i % 7 || d == (i + 3) % 7 {
                    continue;
                }
                let k = day
                    .shifts
                    .iter()
                    .position(|s| {
                        let local = s.start.naive_local().time();
                        local == chrono::NaiveTime::MIN + Duration::minutes(start)
                            && s.end - s.start == Duration::hours(hours)
                    })
                    .expect("candidate");
                counts[d][k] += 1;
            }
        }
        let agents: Vec<usize> = (0..sc.agents.len()).collect();
        let (rows, missing) = hand_out_class(&sc, &days, &agents, &counts).expect("hand-out");
        // The greedy does not always find the exact hand-out (it has no
        // lookahead), but it stays close: of the 100 counted shifts at most
        // a tenth are left unmatched or added.
        let counted: usize = counts.iter().flatten().sum();
        assert_eq!(counted, 100);
        assert!(missing <= 10, "{missing} counted shifts unmatched or added");
        let worked = rows.iter().flatten().filter(|k| k.is_some()).count();
        assert!(worked + 10 >= counted);
        let mut shifts = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            for (d, k) in row.iter().enumerate() {
                let Some(k) = *k else { continue };
                let s = &days[d].shifts[k];
                let meal = s.start + Duration::hours(3);
                shifts.push(Shift {
                    agent_id: sc.agents[i].id.clone(),
                    agent_name: sc.agents[i].name.clone(),
                    date: days[d].date,
                    start: s.start,
                    end: s.end,
                    breaks: vec![Break {
                        kind: "meal".into(),
                        start: meal,
                        end: meal + Duration::hours(1),
                    }],
                    skills: vec!["q".into()],
                    paid_hours: s.paid_hours,
                    site: String::new(),
                });
            }
        }
        let roster = Roster {
            site_name: sc.site.name.clone(),
            timezone: sc.site.timezone,
            shifts,
        };
        let violations = validate(&sc, &roster);
        assert!(violations.is_empty(), "{violations:?}");
    }
}
