//! Plans of several weeks, a week at a time.
//!
//! On a plan of four weeks the agent model has four times the shifts and
//! breaks of a week, and its linear relaxation four times the fractions:
//! HiGHS leaves it near its greedy start, the tours of the decomposition
//! do not fit individual four-week plans (weekly hours, blocks of days off
//! and days in a row across weeks), and rounding the column generation's
//! mix of four-week plans misses the requirement by hundreds of
//! agent-hours. A week, though, is what every method here solves well. So:
//!
//! 1. **The bound** is the tours' relaxation of the whole plan
//!    (`decompose.rs`): it holds every rule across the weeks, and its
//!    optimum bounds every roster of the whole plan.
//! 2. **Week by week**, each week is planned as a scenario of its own: its
//!    days, the requirement of its intervals, and each agent's end of the
//!    week before (the last shift's end and the days worked in a row, from
//!    the weeks already planned, or the scenario's own `previous` for the
//!    first), a hard rotation at its week of the cycle, and for a short
//!    last week the weekly rules pro rata. It gets its share of the time
//!    left and half the configured gap, and the method `auto` picks for a
//!    week of that size. So every rule within a week holds as planned, and
//!    the rest and days in a row across a week's boundary hold because
//!    each week starts from the last one's end.
//! 3. **The whole plan** is then priced by the agent model with every
//!    shift fixed (breaks placed, multi-skilled time split, fairness over
//!    the whole plan), and improved by neighbourhoods of agents over a
//!    window of days (`improve.rs`) with the time left.
//!
//! The gap reported is the whole plan's roster against the bound of step 1.

use std::time::{Duration, Instant};

use chrono::NaiveDate;

use super::candidates::Day;
use super::decompose::tours_relaxation;
use super::improve::{self, Run};
use super::warm::{plan_from_roster, solution_from_plan, Pick};
use super::{phase, Outcome, Progress, SolvePhase};
use crate::error::{Error, Result};
use crate::horizon::Horizon;
use crate::roster::model::Roster;
use crate::scenario::{ObjectiveMode, PreviousWeek, Scenario, SolveMethod, SolverConfig};
use crate::staffing::QueueRequirements;

/// The share of the time limit by which the weeks are planned.
const WEEKS_SHARE: f64 = 0.75;
/// The least time the integer tours of the whole plan are given.
const MIN_TIGHTEN_SECONDS: f64 = 20.0;
/// Each week is solved to this share of the configured gap.
const WEEK_GAP: f64 = 0.5;

/// The scenario of week `w` of the plan (`Scenario::weeks`), whose agents
/// ended the week before as `before` says (per agent: the last shift's
/// end and the days worked in a row up to the week's first day).
fn week_scenario(scenario: &Scenario, w: usize, before: &[Option<PreviousWeek>]) -> Scenario {
    let week = &scenario.weeks()[w];
    let mut sub = scenario.clone();
    sub.planning.week_start =
        scenario.planning.week_start + chrono::Duration::days(week.first as i64);
    sub.planning.days = week.len as u32;
    if week.share < 1.0 {
        // A short last week: its weekly rules pro rata, as the whole plan
        // has them (`Week::min_hours`, `Week::max_working_days`), and no
        // block of days off.
        sub.rules.max_working_days = week.max_working_days(&scenario.rules) as u32;
        sub.rules.consecutive_days_off = None;
        for s in &mut sub.sites {
            if s.rules.max_working_days.is_some() {
                let own = s.rules(&scenario.rules);
                s.rules.max_working_days = Some(week.max_working_days(&own) as u32);
            }
            s.rules.consecutive_days_off = None;
        }
        for a in &mut sub.agents {
            a.min_hours *= week.share;
            a.max_hours *= week.share;
        }
    }
    for (a, prev) in sub.agents.iter_mut().zip(before) {
        a.previous = prev.clone();
        if let Some(r) = scenario.rotation_of(a) {
            let n = r.weeks.len().max(1);
            a.rotation_week = Some(((a.rotation_week.unwrap_or(0) as usize + w) % n) as u32);
        }
    }
    sub
}

/// The plan from week `from` on (its 7-day blocks and short last week as
/// the whole plan has them), each agent carrying no run and no last shift;
/// `None` past the last week.
fn remainder_scenario(scenario: &Scenario, from: usize) -> Option<Scenario> {
    let week = *scenario.weeks().get(from)?;
    let mut rest = scenario.clone();
    rest.planning.week_start =
        scenario.planning.week_start + chrono::Duration::days(week.first as i64);
    rest.planning.days = scenario.planning.days - week.first as u32;
    for a in &mut rest.agents {
        a.previous = None;
        if let Some(r) = scenario.rotation_of(a) {
            let n = r.weeks.len().max(1);
            a.rotation_week = Some(((a.rotation_week.unwrap_or(0) as usize + from) % n) as u32);
        }
    }
    Some(rest)
}

/// Limits the run of days in a row each agent of `sub` (week `w` of the
/// plan, planned on its own) may end on, where a longer one would leave
/// the agent no plan in the weeks after it: a week planned alone can
/// otherwise end on a run that, beside a day off of one's own in the next
/// week and its block of days off, leaves four working days for a 36-hour
/// contract (a 500-agent month's second week had no roster for four
/// agents). The weeks after are checked by column generation's pricing
/// (`colgen::longest_end_run`), the run carried into them from 0 to the
/// limit of days in a row.
fn limit_end_runs(scenario: &Scenario, w: usize, sub: &mut Scenario) {
    let Some(rest) = remainder_scenario(scenario, w + 1) else {
        return;
    };
    if scenario
        .agents
        .iter()
        .all(|a| scenario.rules_of(a).max_consecutive_days.is_none())
    {
        return;
    }
    let rest_days = super::candidates(&rest);
    let limits = super::colgen::longest_end_runs(&rest, &rest_days);
    for (a, most) in sub.agents.iter_mut().zip(limits) {
        a.end_run_at_most = most.map(|m| m as u32);
    }
}

/// The intervals of `horizon` that `sub` (a week of it) covers: the index
/// of its first, checked instant by instant.
fn offset(horizon: &Horizon, sub: &Horizon) -> Result<usize> {
    let first = sub
        .intervals
        .first()
        .ok_or_else(|| Error::Solver("a week without intervals".into()))?;
    let at = horizon
        .intervals
        .iter()
        .position(|iv| iv.start == first.start)
        .ok_or_else(|| Error::Solver("a week's intervals are not the plan's".into()))?;
    let same = sub
        .intervals
        .iter()
        .zip(&horizon.intervals[at..])
        .all(|(a, b)| a.start == b.start);
    if !same || at + sub.intervals.len() > horizon.intervals.len() {
        return Err(Error::Solver(
            "a week's intervals are not the plan's".into(),
        ));
    }
    Ok(at)
}

/// How each agent ended the days of `roster` before `date`, the first day
/// of week `w`: the last shift's end and the days worked in a row up to
/// `date` (the scenario's own `previous` carried on when they worked every
/// day from the start), where they can bind the week.
fn ended(
    scenario: &Scenario,
    days: &[Day],
    roster: &Roster,
    w: usize,
    date: NaiveDate,
) -> Vec<Option<PreviousWeek>> {
    let first = scenario.planning.week_start;
    let week = &scenario.weeks()[w];
    // The earliest start of the week's first day, on the local clock.
    let first_start = days[week.first]
        .shifts
        .iter()
        .map(|s| s.start.naive_local())
        .min();
    scenario
        .agents
        .iter()
        .map(|a| {
            // The agent's site's rules.
            let r = scenario.rules_of(a);
            let week_days = week.max_working_days(&r) as u32;
            let rest = chrono::Duration::minutes((r.min_rest_hours * 60.0).round() as i64);
            let mine: Vec<_> = roster
                .shifts
                .iter()
                .filter(|s| s.agent_id == a.id && s.date < date)
                .collect();
            let last_end = mine.iter().map(|s| s.end).max();
            let worked = |d: NaiveDate| mine.iter().any(|s| s.date == d);
            let mut run = 0u32;
            let mut d = date.pred_opt().expect("a date");
            while d >= first && worked(d) {
                run += 1;
                d = d.pred_opt().expect("a date");
            }
            if d < first {
                run += a.previous.as_ref().map_or(0, |p| p.consecutive_days);
            }
            let last_shift_end = match last_end {
                Some(t) => Some(t.naive_local()),
                None => a.previous.as_ref().and_then(|p| p.last_shift_end),
            };
            // Only what can bind the week ahead is kept, so that agents who
            // ended alike stay alike (the column generation and the tours
            // group agents the model cannot tell apart): a last shift that
            // ended a rest before the week's first start, or a run the
            // week's working days cannot stretch past the most days in a
            // row, binds nothing.
            let last_shift_end = last_shift_end.filter(|end| {
                let rested = *end + rest;
                first_start.is_none_or(|s| rested > s)
            });
            let run = match r.max_consecutive_days {
                Some(most) if run + week_days > most => run,
                _ => 0,
            };
            (last_shift_end.is_some() || run > 0).then_some(PreviousWeek {
                last_shift_end,
                consecutive_days: run,
            })
        })
        .collect()
}

/// The week-by-week method (see the module's steps).
pub(super) fn method(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    progress: &Progress,
    t0: Instant,
) -> Result<Outcome> {
    let total = cfg.time_limit_seconds;
    let by = |share: f64| t0 + Duration::from_secs_f64(share * total);
    let left_to = |at: Instant| at.saturating_duration_since(Instant::now()).as_secs_f64();
    let mut phases: Vec<SolvePhase> = Vec::new();
    let mut hit_time_limit = false;

    // Step 1, on a thread of its own while the weeks are planned: the
    // bound.
    std::thread::scope(|threads| -> Result<Outcome> {
        let bounding = threads.spawn(|| {
            tours_relaxation(
                scenario,
                horizon,
                reqs,
                days,
                cfg,
                left_to(by(WEEKS_SHARE)),
                true,
            )
        });
        // Step 2: week by week.
        let weeks = scenario.weeks();
        let mut roster = Roster {
            site_name: scenario.site.name.clone(),
            timezone: scenario.site.timezone,
            shifts: Vec::new(),
        };
        for (w, week) in weeks.iter().enumerate() {
            let first = scenario.planning.week_start + chrono::Duration::days(week.first as i64);
            progress.step(&format!("week {} of {} ({first})", w + 1, weeks.len()));
            let before = ended(scenario, days, &roster, w, first);
            let mut sub = week_scenario(scenario, w, &before);
            limit_end_runs(scenario, w, &mut sub);
            let sub_horizon = Horizon::new(&sub);
            let at = offset(horizon, &sub_horizon)?;
            let sub_reqs: Vec<QueueRequirements> = reqs
                .iter()
                .map(|r| QueueRequirements {
                    queue: r.queue.clone(),
                    intervals: r.intervals[at..at + sub_horizon.intervals.len()].to_vec(),
                })
                .collect();
            // This week's share of the time left to the weeks' end.
            let left = left_to(by(WEEKS_SHARE));
            let mut week_cfg = cfg.clone();
            week_cfg.time_limit_seconds = (left / (weeks.len() - w) as f64).max(1.0);
            week_cfg.mip_rel_gap = cfg.mip_rel_gap * WEEK_GAP;
            if matches!(week_cfg.method, SolveMethod::Weeks | SolveMethod::Auto) {
                // A week of a plan gets 10 to 15 s: column generation's whole
                // tours find a week of the demo within 1.3 % in 8 s, where the
                // decomposition `auto` picks for 42 agents needs 40 s.
                week_cfg.method = match scenario.objective.mode {
                    ObjectiveMode::Requirements => SolveMethod::ColumnGeneration,
                    ObjectiveMode::ServiceLevel => SolveMethod::Auto,
                };
            }
            let tw = Instant::now();
            let solved =
                super::solve_with(&sub, &sub_horizon, &sub_reqs, &week_cfg, &Progress::none())
                    .map_err(|e| match e {
                        Error::Infeasible(why) => Error::Infeasible(format!(
                            "the week from {first}, planned after the weeks before it: {why}"
                        )),
                        e => e,
                    })?;
            let i = &solved.info;
            hit_time_limit |= i.status == super::SolveStatus::TimeLimit;
            phases.push(SolvePhase::step(
                &format!("week {} ({first})", w + 1),
                format!(
                    "{:?}, {:?}, gap {:.2}% to the week's bound",
                    i.method,
                    i.status,
                    i.mip_gap * 100.0
                ),
                Some(i.objective),
                tw.elapsed().as_secs_f64(),
            ));
            roster.shifts.extend(solved.roster.shifts);
        }
        roster.sort();
        let relaxation = bounding
            .join()
            .map_err(|_| Error::Solver("the bound's thread panicked".into()))??;
        let raw = &relaxation.raw;
        let optimal = raw.status == highs::HighsModelStatus::Optimal;
        phases.insert(
            0,
            SolvePhase {
                best_bound: optimal.then_some(raw.objective),
                ..phase("tours relaxation (beside the weeks)", raw, raw.seconds)
            },
        );
        if matches!(
            raw.status,
            highs::HighsModelStatus::Infeasible | highs::HighsModelStatus::UnboundedOrInfeasible
        ) {
            return Err(Error::Infeasible(super::diagnose(
                scenario, horizon, reqs, days, cfg,
            )));
        }
        let bound = if optimal {
            raw.objective
        } else {
            f64::NEG_INFINITY
        };
        hit_time_limit |= !optimal;
        progress.bound(bound);
        let plan = plan_from_roster(scenario, days, &roster)
            .ok_or_else(|| Error::Solver("a week's roster is not of the plan's shifts".into()))?;

        // Step 3: the whole plan priced, then improved.
        progress.step("the whole plan: breaks, queues and prices");
        let fin = whole_plan(
            scenario,
            horizon,
            reqs,
            days,
            cfg,
            &plan,
            total - t0.elapsed().as_secs_f64(),
            progress,
        )?;
        phases.push(SolvePhase {
            best_bound: None,
            ..phase("final", &fin.raw, fin.raw.seconds)
        });
        // The integer tours of a month took 16 s on the four-week demo: with
        // less time they end without a bound, and the neighbourhoods get it.
        let (fin, bound, timed_out) = improve::tighten_then_improve(
            scenario,
            horizon,
            reqs,
            days,
            cfg,
            fin,
            bound,
            by(0.9),
            MIN_TIGHTEN_SECONDS,
            &mut phases,
            progress,
        )?;
        hit_time_limit |= timed_out;
        Ok(Outcome {
            run: fin,
            bound: Some(bound),
            hit_time_limit,
            phases,
            method: SolveMethod::Weeks,
            staged: true,
        })
    })
}

/// The agent model of the whole plan with every shift of `plan` fixed,
/// started from `plan` with its breaks; `seconds` at most.
#[allow(clippy::too_many_arguments)]
fn whole_plan(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    plan: &[Vec<Option<Pick>>],
    seconds: f64,
    progress: &Progress,
) -> Result<Run> {
    let built = improve::fixed_to(scenario, horizon, reqs, days, plan, false);
    let pos = built.model.positions();
    let start = solution_from_plan(scenario, horizon, reqs, days, &built, &pos, plan);
    let mut final_cfg = cfg.clone();
    final_cfg.time_limit_seconds = seconds.max(1.0);
    final_cfg.mip_rel_gap = cfg.mip_rel_gap.min(1e-4);
    Run::solve(built, &final_cfg, Some(&start), Some(&progress.mip(false)))
}
