//! The greedy first roster handed to the solver as a starting incumbent.

use std::collections::HashMap;

use chrono::{DateTime, Duration};
use chrono_tz::Tz;
use good_lp::Variable;

use super::candidates::{allowed, Day};
use super::model::Built;
use crate::coverage::{deferred_work, not_yet_due, pour, share as coverage};
use crate::horizon::Horizon;
use crate::roster::model::Roster;
use crate::scenario::{Scenario, Week};
use crate::staffing::{deadline_intervals, QueueRequirements};

/// A shift worked on a day: (shift candidate, break candidate of each kind
/// the shift needs, indexed like `Day::kinds`).
pub(super) type Pick = (usize, Vec<Option<usize>>);

/// Largest unmet requirement among `qs` in interval `t`.
pub(super) fn demand_of(residual: &[Vec<f64>], qs: &[usize], t: usize) -> f64 {
    qs.iter()
        .map(|&q| residual[q][t].max(0.0))
        .fold(0.0, f64::max)
}

/// Agent-by-agent greedy roster used as the solver's first incumbent, so that
/// a time-limited solve always has a roster to improve: each agent in turn
/// gets the mix of shift lengths that gives the most hours within the
/// contract, on the days with the most unmet requirement, at the one start
/// time that covers most of it, with each break where it costs least.
/// Returns `None` when the greedy roster breaks a rule (the solver then
/// searches on its own).
pub(super) fn greedy(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
) -> Option<Vec<Vec<Option<Pick>>>> {
    let nt = horizon.intervals.len();
    let queue_pos = |id: &str| scenario.queues.iter().position(|q| q.id == id);
    let mut residual: Vec<Vec<f64>> = reqs
        .iter()
        .map(|q| q.intervals.iter().map(|i| i.scheduled as f64).collect())
        .collect();
    let site_rules = scenario.site_rules();
    let mut plan = Vec::new();
    // Each site's templates and their start times, in order.
    let site_templates: Vec<_> = scenario
        .site_rules()
        .iter()
        .map(|r| {
            let templates = r.templates();
            let mut starts: Vec<u32> = templates.iter().flat_map(|t| t.start.minutes()).collect();
            starts.sort();
            starts.dedup();
            (templates, starts)
        })
        .collect();
    let dates = scenario.dates();
    let weeks = scenario.weeks();
    for a in &scenario.agents {
        let (templates, starts) = &site_templates[scenario.site_index(a)];
        // The agent's site's rules: rest, working days, days in a row, days off.
        let r = &site_rules[scenario.site_index(a)];
        let rest = Duration::minutes((r.min_rest_hours * 60.0).round() as i64);
        let mut row: Vec<Option<Pick>> = vec![None; days.len()];
        let mut prev_end: Option<DateTime<Tz>> = None;
        // Week by week (`Scenario::weeks`), each within its own contract hours
        // and working days.
        for (wi, week) in weeks.iter().enumerate() {
            let max_days = week.max_working_days(r);
            let (min_hours, max_hours) = (week.min_hours(a), week.max_hours(a));
            // The lengths of the agent's templates that apply every day (all the
            // agent's lengths when none does), with their paid hours; the
            // week's templates when the agent keeps a hard rotation.
            let pattern = scenario
                .rotation_on(a, days[week.first].date)
                .filter(|(r, _)| r.weight.is_none())
                .and_then(|(_, p)| p.templates.as_ref());
            let mine: Vec<_> = templates
                .iter()
                .filter(|t| a.may_work(&t.name) && pattern.is_none_or(|ts| ts.contains(&t.name)))
                .collect();
            let every_day: Vec<_> = mine
                .iter()
                .filter(|t| dates.iter().all(|&d| t.applies_on(d)))
                .collect();
            let pool = if every_day.is_empty() {
                mine.iter().collect::<Vec<_>>()
            } else {
                every_day
            };
            let mut lengths: Vec<(f64, f64)> = Vec::new();
            for &l in pool.iter().flat_map(|t| &t.lengths_hours) {
                if !lengths.iter().any(|&(x, _)| (x - l).abs() < 1e-9) {
                    lengths.push((l, r.paid_hours(l)));
                }
            }
            let qs: Vec<usize> = a.skills.iter().filter_map(|s| queue_pos(s)).collect();
            // Best multiset of lengths: most hours within [min, max], fewest days.
            let mut best: Option<(f64, Vec<usize>)> = None;
            let mut stack: Vec<Vec<usize>> = vec![vec![]];
            while let Some(combo) = stack.pop() {
                let hours: f64 = combo.iter().map(|&i| lengths[i].1).sum();
                if hours > max_hours + 1e-9 {
                    continue;
                }
                if hours + 1e-9 >= min_hours
                    && best.as_ref().is_none_or(|(h, c)| {
                        hours > *h + 1e-9 || ((hours - h).abs() < 1e-9 && combo.len() < c.len())
                    })
                {
                    best = Some((hours, combo.clone()));
                }
                if combo.len() < max_days {
                    let from = combo.last().copied().unwrap_or(0);
                    for i in from..lengths.len() {
                        let mut c = combo.clone();
                        c.push(i);
                        stack.push(c);
                    }
                }
            }
            let (_, combo) = best?;
            // Days with the most unmet demand for this agent's queues.
            let mut day_order: Vec<usize> = week.days().collect();
            let day_need = |d: usize| -> f64 {
                (0..nt)
                    .filter(|&t| horizon.intervals[t].day == d)
                    .map(|t| demand_of(&residual, &qs, t))
                    .sum()
            };
            let needs: Vec<f64> = (0..days.len()).map(day_need).collect();
            // Days the agent may work at all (not a day off, some template
            // open), and rested after the previous week's last shift (a
            // rotation may end one week late and begin the next early).
            let open = |d: usize| {
                !a.days_off.contains(&days[d].date)
                    && days[d]
                        .shifts
                        .iter()
                        .any(|s| allowed(scenario, a, &days[d], s))
            };
            day_order.retain(|&d| {
                open(d)
                    && days[d].shifts.iter().any(|s| {
                        allowed(scenario, a, &days[d], s)
                            && prev_end.is_none_or(|e| s.start >= e + rest)
                    })
            });
            // The days of the week with the most unmet demand that keep the
            // days-off block and the days in a row (counting the run the
            // previous weeks end with).
            let block = week.days_off_block(r);
            let max_run = r.max_consecutive_days.map(|k| k as usize);
            let carried = {
                let before = row[..week.first]
                    .iter()
                    .rev()
                    .take_while(|p| p.is_some())
                    .count();
                if before == week.first {
                    before + a.previous.as_ref().map_or(0, |p| p.consecutive_days) as usize
                } else {
                    before
                }
            };
            let n = combo.len();
            // The fewest days in a row the next week can begin with, working
            // as many days as this one on the days open to the agent (a
            // rotation's days off may leave it no choice): this week ends
            // with a run that leaves room for them when it can.
            let next_lead = weeks.get(wi + 1).map_or(0, |next| {
                let open_days: Vec<usize> = next.days().filter(|&d| open(d)).collect();
                subsets(&open_days, n.min(open_days.len()))
                    .filter(|set| runs(next, set, next.days_off_block(r), None, 0).is_some())
                    .map(|set| next.days().take_while(|d| set.contains(d)).count())
                    .min()
                    .unwrap_or(0)
            });
            let mut chosen: Option<(bool, f64, Vec<usize>)> = None;
            for set in subsets(&day_order, n) {
                let Some(end_run) = runs(week, &set, block, max_run, carried) else {
                    continue;
                };
                let room = max_run.is_none_or(|k| end_run + next_lead <= k)
                    && (wi + 1 < weeks.len()
                        || a.end_run_at_most
                            .is_none_or(|most| end_run <= most as usize));
                let score: f64 = set.iter().map(|&d| needs[d]).sum();
                let better = chosen
                    .as_ref()
                    .is_none_or(|(r, s, _)| (room && !*r) || (room == *r && score > *s + 1e-9));
                if better {
                    chosen = Some((room, score, set));
                }
            }
            let (_, _, chosen) = chosen?;
            // One start time for every chosen day; lengths assigned longest first.
            let mut best_start: Option<(f64, Vec<(usize, usize)>)> = None;
            for &m in starts {
                let mut picks = Vec::new();
                let mut score = 0.0;
                let mut rested = prev_end;
                for (j, &d) in chosen.iter().enumerate() {
                    let len = lengths[combo[j]].0;
                    let Some(k) = days[d].shifts.iter().position(|s| {
                        let local = s.start.naive_local().time();
                        local == chrono::NaiveTime::from_hms_opt(m / 60, m % 60, 0).expect("clock")
                            && ((s.end - s.start).num_minutes() as f64 - len * 60.0).abs() < 0.5
                            && allowed(scenario, a, &days[d], s)
                            && rested.is_none_or(|e| s.start >= e + rest)
                    }) else {
                        continue;
                    };
                    rested = Some(days[d].shifts[k].end);
                    for &(t, f) in
                        &coverage(horizon, days[d].shifts[k].start, days[d].shifts[k].end)
                    {
                        score += f * demand_of(&residual, &qs, t).min(1.0);
                    }
                    picks.push((d, k));
                }
                if picks.len() == chosen.len()
                    && best_start.as_ref().is_none_or(|(s, _)| score > *s + 1e-9)
                {
                    best_start = Some((score, picks));
                }
            }
            let (_, picks) = best_start?;
            for &(d, k) in &picks {
                let s = &days[d].shifts[k];
                if prev_end.is_some_and(|e| s.start < e + rest) {
                    return None;
                }
                prev_end = Some(s.end);
                // Each break where the remaining demand is lowest.
                let mut ms = Vec::new();
                let mut off: Vec<(usize, f64)> = Vec::new();
                for (kind, bk) in days[d].kinds.iter().enumerate() {
                    if !s.needs[kind] {
                        ms.push(None);
                        continue;
                    }
                    let window = &bk.starts[s.start_idx];
                    let cost = |m: usize| -> f64 {
                        coverage(horizon, bk.breaks[m].start, bk.breaks[m].end)
                            .iter()
                            .map(|&(t, f)| f * demand_of(&residual, &qs, t))
                            .sum()
                    };
                    let m = (window.lo..=window.hi).min_by(|&x, &y| {
                        cost(x)
                            .partial_cmp(&cost(y))
                            .unwrap_or(std::cmp::Ordering::Equal)
                            .then(x.cmp(&y))
                    })?;
                    off.extend(coverage(horizon, bk.breaks[m].start, bk.breaks[m].end));
                    ms.push(Some(m));
                }
                let on = coverage(horizon, s.start, s.end);
                for &(t, f) in &on {
                    let f = f - off
                        .iter()
                        .filter(|(u, _)| *u == t)
                        .map(|(_, g)| *g)
                        .sum::<f64>();
                    if let Some(&q) = qs.iter().max_by(|&&x, &&y| {
                        residual[x][t]
                            .partial_cmp(&residual[y][t])
                            .unwrap_or(std::cmp::Ordering::Equal)
                            .then(y.cmp(&x))
                    }) {
                        residual[q][t] -= f;
                    }
                }
                row[d] = Some((k, ms));
            }
        }
        plan.push(row);
    }
    Some(plan)
}

/// The run of days in a row that working the planned days `set` of `week`
/// ends the week with, `carried` days in a row before it; `None` when the
/// week then has no block of `block` days off in a row or works more than
/// `max_run` days in a row.
fn runs(
    week: &Week,
    set: &[usize],
    block: Option<usize>,
    max_run: Option<usize>,
    carried: usize,
) -> Option<usize> {
    let worked: Vec<bool> = week.days().map(|d| set.contains(&d)).collect();
    if let Some(l) = block {
        if !worked.windows(l).any(|w| w.iter().all(|x| !x)) {
            return None;
        }
    }
    let mut run = carried;
    for &w in &worked {
        run = if w { run + 1 } else { 0 };
        if max_run.is_some_and(|k| run > k) {
            return None;
        }
    }
    Some(run)
}

/// Every set of `n` of `items`, in lexicographic order of positions.
fn subsets(items: &[usize], n: usize) -> impl Iterator<Item = Vec<usize>> + '_ {
    let mut next: Option<Vec<usize>> = (n <= items.len()).then(|| (0..n).collect());
    std::iter::from_fn(move || {
        let pos = next.take()?;
        let set = pos.iter().map(|&i| items[i]).collect();
        if let Some(i) = (0..n).rev().find(|&i| pos[i] < items.len() - n + i) {
            let mut p = pos;
            p[i] += 1;
            for j in i + 1..n {
                p[j] = p[j - 1] + 1;
            }
            next = Some(p);
        }
        Some(set)
    })
}

/// The greedy roster as a full solution vector of the model (columns in order).
pub(super) fn initial_solution(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    built: &Built,
    pos: &HashMap<Variable, usize>,
) -> Option<Vec<f64>> {
    let plan = greedy(scenario, horizon, reqs, days)?;
    Some(solution_from_plan(
        scenario, horizon, reqs, days, built, pos, &plan,
    ))
}

/// A roster given as `plan[agent][day] = (shift candidate, break candidate)`
/// as a full solution vector of the model: shifts, breaks, each group's
/// time split across its queues, and the staffing gaps that follow.
pub(super) fn solution_from_plan(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    built: &Built,
    pos: &HashMap<Variable, usize>,
    plan: &[Vec<Option<Pick>>],
) -> Vec<f64> {
    let nt = horizon.intervals.len();
    let mut vals = vec![0.0; built.model.order.len()];
    let mut duty = vec![vec![0.0; nt]; built.groups.len()];
    for (ai, row) in plan.iter().enumerate() {
        let g = built.group_of[ai];
        for (d, pick) in row.iter().enumerate() {
            let Some((k, ms)) = pick else { continue };
            let k = *k;
            vals[pos[&built.x[ai][d][k]]] = 1.0;
            vals[pos[&built.counts[g][d][k]]] += 1.0;
            for (t, f) in coverage(horizon, days[d].shifts[k].start, days[d].shifts[k].end) {
                duty[g][t] += f;
            }
            for (kind, m) in ms.iter().enumerate() {
                let Some(m) = *m else { continue };
                vals[pos[&built.breaks[g][d][kind][m]]] += 1.0;
                let b = &days[d].kinds[kind].breaks[m];
                for (t, f) in coverage(horizon, b.start, b.end) {
                    duty[g][t] -= f;
                }
            }
        }
    }
    // Split each group's duty: single-queue groups first, then the rest
    // poured a twentieth of an agent at a time into the queue furthest below
    // its requirement (as the report does), so no queue of a multi-skilled
    // group is left empty where it needs staff.
    let mut served = vec![vec![0.0; nt]; scenario.queues.len()];
    let queue_of = |s: &String| {
        scenario
            .queues
            .iter()
            .position(|q| &q.id == s)
            .expect("queue")
    };
    if built.sl.cells.iter().any(|row| !row.is_empty()) {
        // With the service-level objective, first by what each queue earns.
        let queues: Vec<Vec<usize>> = built
            .groups
            .iter()
            .map(|g| g.iter().map(queue_of).collect())
            .collect();
        let given = super::service_level::split_by_value(
            scenario,
            horizon,
            reqs,
            &built.sl,
            (&queues, &built.proficiency),
            &mut duty,
        );
        for (g, by_t) in given.iter().enumerate() {
            for (t, by_j) in by_t.iter().enumerate() {
                for (j, &a) in by_j.iter().enumerate() {
                    if a > 0.0 {
                        let q = queues[g][j];
                        served[q][t] += a * built.proficiency[g][j];
                        vals[pos[&built.w[&(g, q)][t]]] += a;
                    }
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..built.groups.len()).collect();
    order.sort_by_key(|&g| built.groups[g].len());
    for g in order {
        let qis: Vec<usize> = built.groups[g].iter().map(queue_of).collect();
        // In queue order, so that ties go to the first queue as in the report.
        let mut by_queue: Vec<usize> = (0..qis.len()).collect();
        by_queue.sort_by_key(|&j| qis[j]);
        let rates: Vec<f64> = by_queue.iter().map(|&j| built.proficiency[g][j]).collect();
        let no_floor = vec![0.0; by_queue.len()];
        for t in 0..nt {
            let needs: Vec<f64> = by_queue
                .iter()
                .map(|&j| reqs[qis[j]].intervals[t].scheduled as f64)
                .collect();
            let mut now: Vec<f64> = by_queue.iter().map(|&j| served[qis[j]][t]).collect();
            let given = pour(duty[g][t].max(0.0), &rates, &no_floor, &needs, &mut now);
            for (i, &j) in by_queue.iter().enumerate() {
                let q = qis[j];
                served[q][t] = now[i];
                vals[pos[&built.w[&(g, q)][t]]] += given[i];
            }
        }
    }
    for (qi, row) in built.deferred.iter().enumerate() {
        if row.is_empty() {
            continue;
        }
        let q = &scenario.queues[qi];
        let productive = (1.0 - scenario.shrinkage(q)) * horizon.interval_hours();
        let work = deferred_work(&reqs[qi]);
        let not_due = not_yet_due(&work, deadline_intervals(q, horizon.interval_minutes));
        let mut backlog = 0.0;
        for (t, (done, b, late)) in row.iter().enumerate() {
            backlog += work[t];
            let d = (served[qi][t] * productive).min(backlog).max(0.0);
            backlog -= d;
            vals[pos[done]] = d;
            vals[pos[b]] = backlog;
            vals[pos[late]] = (backlog - not_due[t]).max(0.0);
        }
    }
    for (qi, row) in built.gaps.iter().enumerate() {
        for (t, (under, over)) in row.iter().enumerate() {
            let need = reqs[qi].intervals[t].scheduled as f64;
            vals[pos[under]] = (need - served[qi][t]).max(0.0);
            vals[pos[over]] = (served[qi][t] - need).max(0.0);
        }
    }
    // Each week's block of days off: the first run of days off that makes it.
    for (ai, row) in plan.iter().enumerate() {
        let l = scenario
            .rules_of(&scenario.agents[ai])
            .consecutive_days_off
            .unwrap_or(0) as usize;
        let mut done_weeks: Vec<usize> = Vec::new();
        for &(first, y) in &built.blocks[ai] {
            let week = scenario
                .weeks()
                .into_iter()
                .position(|w| w.holds(first))
                .expect("block in a week");
            let off = (first..(first + l).min(row.len())).all(|d| row[d].is_none());
            if off && !done_weeks.contains(&week) {
                vals[pos[&y]] = 1.0;
                done_weeks.push(week);
            }
        }
    }
    super::soft::warm_fair(&built.fair, pos, &mut vals);
    super::service_level::fill_start(
        &built.sl,
        scenario.objective.below_tangent,
        reqs,
        &served,
        &mut vals,
        pos,
    );
    vals
}

/// A roster of the same scenario as the model's plan: each agent's shift
/// candidate per day and the break candidate of each kind. `None` when a
/// shift or break is not among the day's candidates (a roster of another
/// scenario).
pub(super) fn plan_from_roster(
    scenario: &Scenario,
    days: &[Day],
    roster: &Roster,
) -> Option<Vec<Vec<Option<Pick>>>> {
    let mut plan = vec![vec![None; days.len()]; scenario.agents.len()];
    for s in &roster.shifts {
        let ai = scenario.agents.iter().position(|a| a.id == s.agent_id)?;
        let d = days.iter().position(|d| d.date == s.date)?;
        let day = &days[d];
        let k = day
            .shifts
            .iter()
            .position(|c| c.start == s.start && c.end == s.end)?;
        let mut ms = Vec::with_capacity(day.kinds.len());
        for (kind, bk) in day.kinds.iter().enumerate() {
            if !day.shifts[k].needs[kind] {
                ms.push(None);
                continue;
            }
            // Within this shift's window (rest breaks share the kind's name).
            let window = &bk.starts[day.shifts[k].start_idx];
            let b = s
                .breaks
                .iter()
                .filter(|b| b.kind == bk.kind)
                .find_map(|b| {
                    (window.lo..=window.hi)
                        .find(|&m| bk.breaks[m].start == b.start && bk.breaks[m].end == b.end)
                })?;
            ms.push(Some(b));
        }
        plan[ai][d] = Some((k, ms));
    }
    Some(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lp::value_of;
    use crate::scenario::SolverConfig;
    use crate::solve::candidates::candidates;
    use crate::solve::colgen::tests::week;
    use crate::solve::improve::fixed_to;
    use crate::solve::model::build;

    /// A start built from a roster satisfies every row of the model, so
    /// HiGHS takes it as it is (a start it must repair costs the search its
    /// time). Until the groups' shift counts were filled in, every start
    /// broke the rows tying the breaks to them. Its objective is what the
    /// model prices the same roster at with every shift and break fixed
    /// (one queue: no split to choose), solved apart by HiGHS.
    #[test]
    fn a_start_from_a_roster_is_feasible_and_priced_as_the_model_prices_it() {
        let (sc, horizon, reqs) = week();
        let days = candidates(&sc);
        let plan = greedy(&sc, &horizon, &reqs, &days).expect("a greedy roster");
        assert!(plan.iter().flatten().any(|p| p.is_some()));
        let built = build(&sc, &horizon, &reqs, &days, false, None);
        let pos = built.model.positions();
        let start = solution_from_plan(&sc, &horizon, &reqs, &days, &built, &pos, &plan);
        for (i, c) in built.model.constraints.iter().enumerate() {
            let v = value_of(c.expression(), &start, &pos);
            let broken = if c.is_equality() { v.abs() } else { v };
            assert!(broken <= 1e-9, "row {i} broken by {broken}");
        }
        let at_start = value_of(&built.model.objective, &start, &pos);
        let fixed = fixed_to(&sc, &horizon, &reqs, &days, &plan, true);
        let cfg = SolverConfig::from_yaml_str(
            "time_limit_seconds: 60\nmip_rel_gap: 0\nthreads: 1\n",
            std::path::Path::new("s.yaml"),
        )
        .expect("settings");
        let solved = crate::lp::run(fixed.model, &cfg, None).expect("solved");
        assert_eq!(solved.status, highs::HighsModelStatus::Optimal);
        assert!(
            (at_start - solved.objective).abs() <= 1e-6 * solved.objective.abs().max(1.0),
            "start {at_start} against {}",
            solved.objective
        );
    }
}
