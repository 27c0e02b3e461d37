//! The roster optimizer: an agent-level integer program solved by HiGHS.
//!
//! Variables:
//! - `x[a][d][k]` binary: agent `a` works shift candidate `k` (a start time
//!   and a length) on day `d`;
//! - `b[a][d][m]` binary: agent `a`'s meal break on day `d` starts at
//!   candidate `m` (implicit breaks, after Bechtold & Jacobs 1990: break
//!   variables are shared by every shift of the day instead of spelling out
//!   each shift × break placement);
//! - `w[g][q][t]` continuous: agents of skill group `g` (agents with the same
//!   skills) working queue `q` in interval `t`; a multi-skilled agent's time
//!   is split across queues, never counted twice;
//! - `under[q][t]`, `over[q][t]` continuous: staffing below and above the
//!   requirement.
//!
//! Constraints: at most one shift a day; exactly one meal break per shift,
//! inside the window of the shift actually worked (`b[m] <= Σ x[k]` over the
//! shifts whose window holds `m`); weekly paid hours within the contract;
//! at most `max_working_days`; at least `min_rest_hours` between shifts
//! (`x[k] + Σ x[k'] <= 1` over later shifts too close to `k`); and coverage:
//! the group's agents on duty (shift minus break, as fractions of the
//! interval) equal the time they give to queues, and for every queue and
//! interval `Σ_g w + under − over = required`.
//!
//! Deferred work (email, ticket queues) is not covered interval by interval:
//! it is a backlog flow that any interval inside the deadline window can
//! absorb. Per deferred queue and interval, `done[t]` agent-hours of work are
//! done, at most the productive time given to the queue
//! (`Σ_g w · (1 − shrinkage) · interval hours`); the backlog of arrived,
//! unfinished work is `backlog[t] = backlog[t−1] + work[t] − done[t] ≥ 0`
//! (cumulative done ≤ cumulative arrived; the plan starts with no backlog);
//! and `late[t] ≥ backlog[t] − not_yet_due[t]` is the arrived work past its
//! deadline at the end of `t` (cumulative done + late ≥ cumulative due).
//! Work of interval `s` is due by the end of interval `s + D − 1`, D the
//! deadline in intervals.
//!
//! Objective: weighted understaffed and overstaffed agent-hours, overdue
//! deferred work (`understaffing` per agent-hour of work per hour overdue),
//! plus paid hours. The solve reports status, objective, best bound, gap and why it
//! stopped; a time-limited incumbent is never called optimal.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate};
use chrono_tz::Tz;
use good_lp::{variable, Expression, ProblemVariables, SolverModel, Variable};
use highs::HighsModelStatus;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::horizon::Horizon;
use crate::roster::model::{Break, Roster, Shift};
use crate::scenario::{HighsValue, Scenario, SolverConfig};
use crate::staffing::{deadline_intervals, QueueRequirements};

/// Why the solver stopped, and what that means for the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SolveStatus {
    /// Proven optimal (gap zero).
    Optimal,
    /// Stopped because the gap reached the configured relative gap.
    GapLimit,
    /// Stopped at the time limit with a feasible roster; not proven optimal.
    TimeLimit,
    /// Stopped at another limit (iterations, memory, interrupt) with a feasible roster.
    OtherLimit,
}

impl SolveStatus {
    /// A planner-readable explanation of the status.
    pub fn explain(self, cfg: &SolverConfig, gap: f64) -> String {
        match self {
            SolveStatus::Optimal => "proven optimal".to_string(),
            SolveStatus::GapLimit => format!(
                "stopped at gap {:.2}% (the configured gap is {:.2}%): within tolerance of the best bound, not proven optimal",
                gap * 100.0,
                cfg.mip_rel_gap * 100.0
            ),
            SolveStatus::TimeLimit => format!(
                "stopped at the {} s time limit with gap {:.2}%: the best roster found, not proven optimal",
                cfg.time_limit_seconds,
                gap * 100.0
            ),
            SolveStatus::OtherLimit => format!(
                "stopped at a solver limit with gap {:.2}%: the best roster found, not proven optimal",
                gap * 100.0
            ),
        }
    }
}

/// What the solver did.
#[derive(Debug, Clone, Serialize)]
pub struct SolveInfo {
    pub status: SolveStatus,
    pub stop_reason: String,
    pub objective: f64,
    pub best_bound: f64,
    pub mip_gap: f64,
    pub solve_seconds: f64,
    pub time_limit_seconds: f64,
    pub mip_rel_gap_target: f64,
    pub threads: u32,
    pub random_seed: u32,
    pub variables: usize,
    pub binary_variables: usize,
    pub constraints: usize,
}

/// The optimizer's result.
#[derive(Debug, Clone)]
pub struct Solved {
    pub roster: Roster,
    pub info: SolveInfo,
}

/// A shift candidate on one day.
#[derive(Debug, Clone)]
struct ShiftCand {
    start: DateTime<Tz>,
    end: DateTime<Tz>,
    paid_hours: f64,
    /// Index of the start time in `Day::starts`.
    start_idx: usize,
}

/// A distinct start time of a day and the range of break candidates
/// (indices into `Day::breaks`, inclusive) its meal window allows.
#[derive(Debug, Clone)]
struct StartCand {
    lo: usize,
    hi: usize,
}

#[derive(Debug, Clone)]
struct BreakCand {
    start: DateTime<Tz>,
    end: DateTime<Tz>,
}

#[derive(Debug, Clone)]
struct Day {
    date: NaiveDate,
    shifts: Vec<ShiftCand>,
    starts: Vec<StartCand>,
    /// Sorted by start time.
    breaks: Vec<BreakCand>,
}

/// Share of interval `t` covered by `[from, to)`, for each interval touched.
fn coverage(h: &Horizon, from: DateTime<Tz>, to: DateTime<Tz>) -> Vec<(usize, f64)> {
    let len = h.interval_minutes as f64 * 60.0;
    h.range(from, to)
        .filter_map(|t| {
            let s = h.intervals[t].start;
            let e = s + Duration::minutes(h.interval_minutes as i64);
            let lo = from.max(s);
            let hi = to.min(e);
            let secs = (hi - lo).num_seconds() as f64;
            (secs > 0.0).then_some((t, secs / len))
        })
        .collect()
}

/// Builds the shift, start and break candidates of every day from the rules.
/// The meal window depends only on the start time, so windows are ordered
/// like the starts (first in, first out), which the break model relies on.
fn candidates(scenario: &Scenario) -> Vec<Day> {
    let tz = scenario.site.timezone;
    let r = &scenario.rules;
    let mb = &r.meal_break;
    let meal = Duration::minutes(mb.minutes as i64);
    let break_step = Duration::minutes(mb.step_minutes as i64);
    let offset = |h: f64| Duration::minutes((h * 60.0).round() as i64);
    scenario
        .dates()
        .into_iter()
        .map(|date| {
            let mut starts_at = Vec::new();
            let mut m = r.shift_start.earliest.minutes();
            while m <= r.shift_start.latest.minutes() {
                let naive = date
                    .and_hms_opt(m / 60, m % 60, 0)
                    .expect("valid clock time");
                // A start time that does not exist (clocks go forward) is skipped.
                if let Some(start) = chrono::TimeZone::from_local_datetime(&tz, &naive).earliest() {
                    starts_at.push(start);
                }
                m += r.shift_start.step_minutes;
            }
            let mut break_times: Vec<DateTime<Tz>> = Vec::new();
            for &st in &starts_at {
                let mut bs = st + offset(mb.earliest_start_hours);
                while bs + meal <= st + offset(mb.latest_end_hours) {
                    break_times.push(bs);
                    bs += break_step;
                }
            }
            break_times.sort();
            break_times.dedup();
            let idx = |t: DateTime<Tz>| break_times.binary_search(&t).expect("break time listed");
            let mut shifts = Vec::new();
            let mut starts = Vec::new();
            for (si, &st) in starts_at.iter().enumerate() {
                let first = st + offset(mb.earliest_start_hours);
                let mut last = first;
                while last + break_step + meal <= st + offset(mb.latest_end_hours) {
                    last += break_step;
                }
                starts.push(StartCand {
                    lo: idx(first),
                    hi: idx(last),
                });
                for &len in &r.shift_lengths_hours {
                    shifts.push(ShiftCand {
                        start: st,
                        end: st + offset(len),
                        paid_hours: scenario.paid_hours(len),
                        start_idx: si,
                    });
                }
            }
            Day {
                date,
                shifts,
                starts,
                breaks: break_times
                    .into_iter()
                    .map(|start| BreakCand {
                        start,
                        end: start + meal,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The local instant of `minutes` after midnight of `date` (24:00 is the next midnight).
fn local_instant(tz: Tz, date: NaiveDate, minutes: u32) -> DateTime<Tz> {
    let naive = date.and_hms_opt(0, 0, 0).expect("midnight") + Duration::minutes(minutes as i64);
    chrono::TimeZone::from_local_datetime(&tz, &naive)
        .earliest()
        .unwrap_or_else(|| {
            crate::horizon::local_midnight(tz, date) + Duration::minutes(minutes as i64)
        })
}

/// Whether `agent` may work shift `s` of `day`: not a fixed day off, inside
/// the agent's daily availability, and far enough from last week's shift.
fn allowed(scenario: &Scenario, agent: &crate::scenario::Agent, day: &Day, s: &ShiftCand) -> bool {
    let tz = scenario.site.timezone;
    if agent.days_off.contains(&day.date) {
        return false;
    }
    if let Some(av) = &agent.available {
        if s.start < local_instant(tz, day.date, av.from.minutes())
            || s.end > local_instant(tz, day.date, av.to.minutes())
        {
            return false;
        }
    }
    if let Some(end) = agent.previous.as_ref().and_then(|p| p.last_shift_end) {
        if let Some(end) = chrono::TimeZone::from_local_datetime(&tz, &end).latest() {
            let rest = Duration::minutes((scenario.rules.min_rest_hours * 60.0).round() as i64);
            if s.start < end + rest {
                return false;
            }
        }
    }
    true
}

/// Reasons an agent's contract cannot be met whatever the roster, in a planner's words.
pub fn precheck(scenario: &Scenario) -> Vec<String> {
    let r = &scenario.rules;
    let paid: Vec<f64> = r
        .shift_lengths_hours
        .iter()
        .map(|&l| scenario.paid_hours(l))
        .collect();
    let max_paid = paid.iter().cloned().fold(0.0, f64::max);
    let min_paid = paid.iter().cloned().fold(f64::MAX, f64::min);
    let days = scenario.planning.days.min(r.max_working_days) as f64;
    let mut out = Vec::new();
    for a in &scenario.agents {
        if a.min_hours > days * max_paid + 1e-9 {
            out.push(format!(
                "agent {} ({}) must work at least {} h, but at most {} days × {} paid hours = {} h fit the rules (max_working_days {}, {} planned days, shift lengths {:?} h)",
                a.id, a.name, a.min_hours, days, max_paid, days * max_paid, r.max_working_days, scenario.planning.days, r.shift_lengths_hours
            ));
        }
        if a.max_hours + 1e-9 < min_paid && a.min_hours > 0.0 {
            out.push(format!(
                "agent {} ({}) may work at most {} h, less than the shortest shift ({} paid hours), but must work at least {} h",
                a.id, a.name, a.max_hours, min_paid, a.min_hours
            ));
        }
    }
    out
}

struct Model {
    vars: ProblemVariables,
    order: Vec<Variable>,
    constraints: Vec<good_lp::Constraint>,
    objective: Expression,
    binaries: usize,
}

impl Model {
    /// Column of each variable in the solver's solution vector.
    fn positions(&self) -> HashMap<Variable, usize> {
        self.order
            .iter()
            .enumerate()
            .map(|(i, v)| (*v, i))
            .collect()
    }

    fn add(&mut self, def: good_lp::VariableDefinition, binary: bool) -> Variable {
        let v = self.vars.add(def);
        self.order.push(v);
        if binary {
            self.binaries += 1;
        }
        v
    }
}

struct Built {
    model: Model,
    /// `x[agent][day][shift candidate]`.
    x: Vec<Vec<Vec<Variable>>>,
    /// `breaks[group][day][break candidate]`: meal breaks starting then (integer).
    breaks: Vec<Vec<Vec<Variable>>>,
    w: BTreeMap<(usize, usize), Vec<Variable>>,
    hours_slack: Vec<Option<Variable>>,
    /// `(under, over)` per queue and interval (empty for deferred queues).
    gaps: Vec<Vec<(Variable, Variable)>>,
    /// `(done, backlog, late)` per interval of each deferred queue.
    deferred: Vec<Vec<(Variable, Variable, Variable)>>,
    groups: Vec<Vec<String>>,
    group_of: Vec<usize>,
}

/// Skill groups: agents with the same set of skills, in first-seen order.
fn skill_groups(scenario: &Scenario) -> (Vec<Vec<String>>, Vec<usize>) {
    let queue_ids: Vec<&str> = scenario.queues.iter().map(|q| q.id.as_str()).collect();
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut group_of = Vec::new();
    for a in &scenario.agents {
        let mut s = a.skills.clone();
        s.sort_by_key(|k| queue_ids.iter().position(|q| q == k));
        s.dedup();
        let g = match groups.iter().position(|x| *x == s) {
            Some(g) => g,
            None => {
                groups.push(s);
                groups.len() - 1
            }
        };
        group_of.push(g);
    }
    (groups, group_of)
}

fn build(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    diagnose: bool,
) -> Built {
    let mut model = Model {
        vars: ProblemVariables::new(),
        order: Vec::new(),
        constraints: Vec::new(),
        objective: Expression::default(),
        binaries: 0,
    };
    let r = &scenario.rules;
    let wts = &scenario.weights;
    let dh = horizon.interval_hours();
    let nt = horizon.intervals.len();
    let queue_ids: Vec<&str> = scenario.queues.iter().map(|q| q.id.as_str()).collect();
    let (groups, group_of) = skill_groups(scenario);
    let group_size: Vec<usize> = (0..groups.len())
        .map(|g| group_of.iter().filter(|&&x| x == g).count())
        .collect();

    let shift_cov: Vec<Vec<Vec<(usize, f64)>>> = days
        .iter()
        .map(|d| {
            d.shifts
                .iter()
                .map(|s| coverage(horizon, s.start, s.end))
                .collect()
        })
        .collect();
    let break_cov: Vec<Vec<Vec<(usize, f64)>>> = days
        .iter()
        .map(|d| {
            d.breaks
                .iter()
                .map(|b| coverage(horizon, b.start, b.end))
                .collect()
        })
        .collect();
    // Shifts of each candidate worked per group and day, as a sum over the
    // group's agents (`members`); coverage and breaks refer to these counts
    // rather than to every agent's variable, which keeps the model sparse.
    let mut members: Vec<Vec<Vec<Expression>>> = groups
        .iter()
        .map(|_| {
            days.iter()
                .map(|d| vec![Expression::default(); d.shifts.len()])
                .collect()
        })
        .collect();
    let rest = Duration::minutes((r.min_rest_hours * 60.0).round() as i64);

    let mut x = Vec::new();
    let mut hours_slack = Vec::new();
    for (ai, a) in scenario.agents.iter().enumerate() {
        let g = group_of[ai];
        let mut xa: Vec<Vec<Variable>> = Vec::new();
        let mut hours = Expression::default();
        let mut worked_days = Expression::default();
        let mut worked: Vec<Expression> = Vec::new();
        for (di, day) in days.iter().enumerate() {
            // A shift the agent cannot work (day off, outside availability,
            // too soon after last week's shift) is fixed at zero.
            let xs: Vec<Variable> = day
                .shifts
                .iter()
                .map(|s| {
                    let v = variable().binary();
                    let v = if allowed(scenario, a, day, s) {
                        v
                    } else {
                        v.max(0.0)
                    };
                    model.add(v, true)
                })
                .collect();
            let mut one = Expression::default();
            for (k, s) in day.shifts.iter().enumerate() {
                one.add_mul(1.0, xs[k]);
                hours.add_mul(s.paid_hours, xs[k]);
                model
                    .objective
                    .add_mul(wts.paid_hour * a.hourly_cost * s.paid_hours, xs[k]);
                members[g][di][k].add_mul(1.0, xs[k]);
            }
            worked_days += one.clone();
            worked.push(one.clone());
            model.constraints.push(one.leq(1.0));
            xa.push(xs);
        }
        // Days in a row: every run of K + 1 days holds a day off, counting
        // the days the agent worked in a row before the plan.
        if let Some(k) = r.max_consecutive_days {
            let before = a.previous.as_ref().map_or(0, |p| p.consecutive_days) as usize;
            let k = k as usize;
            for t in 0..days.len() {
                let first = (t + 1).saturating_sub(k + 1);
                let carried = before.min((k + 1).saturating_sub(t + 1));
                let mut e = Expression::default();
                for w in &worked[first..=t] {
                    e += w.clone();
                }
                model
                    .constraints
                    .push(e.leq(k.saturating_sub(carried) as f64));
            }
        }
        // At least one block of L days off in a row within the plan.
        if let Some(l) = r.consecutive_days_off {
            let l = l as usize;
            let mut any_block = Expression::default();
            for s in 0..=days.len().saturating_sub(l) {
                let y = model.add(variable().binary(), true);
                any_block.add_mul(1.0, y);
                for w in &worked[s..s + l] {
                    model
                        .constraints
                        .push((Expression::from(y) + w.clone()).leq(1.0));
                }
            }
            model.constraints.push(any_block.geq(1.0));
        }
        // Rest between shifts on different days, as cliques: for each end time
        // τ of a day, the shifts ending at or after τ and the later shifts
        // starting before τ + rest exclude each other.
        for d1 in 0..days.len() {
            let mut ends: Vec<DateTime<Tz>> = days[d1].shifts.iter().map(|s| s.end).collect();
            ends.sort();
            ends.dedup();
            for &tau in &ends {
                let mut later = Vec::new();
                for (d2, day2) in days.iter().enumerate().skip(d1 + 1) {
                    for (k2, s2) in day2.shifts.iter().enumerate() {
                        if s2.start < tau + rest {
                            later.push(xa[d2][k2]);
                        }
                    }
                }
                if later.is_empty() {
                    continue;
                }
                let mut e = Expression::default();
                for v in later {
                    e.add_mul(1.0, v);
                }
                for (k1, s1) in days[d1].shifts.iter().enumerate() {
                    if s1.end >= tau {
                        e.add_mul(1.0, xa[d1][k1]);
                    }
                }
                model.constraints.push(e.leq(1.0));
            }
        }
        model
            .constraints
            .push(worked_days.leq(r.max_working_days as f64));
        model.constraints.push(hours.clone().leq(a.max_hours));
        if diagnose {
            let s = model.add(variable().min(0.0), false);
            model.constraints.push((hours + s).geq(a.min_hours));
            hours_slack.push(Some(s));
        } else {
            model.constraints.push(hours.geq(a.min_hours));
            hours_slack.push(None);
        }
        x.push(xa);
    }

    // Meal breaks, per skill group and day (implicit breaks, Bechtold & Jacobs
    // 1990): one break per shift started, and for every run of consecutive
    // start times i..j at least as many breaks inside their joint window as
    // shifts started. With first-in-first-out windows these conditions are
    // exactly what lets every shift be given its own break (Hall's theorem),
    // which `assign_breaks` then does.
    let mut duty: Vec<Vec<Expression>> = vec![vec![Expression::default(); nt]; groups.len()];
    let mut breaks = Vec::new();
    for g in 0..groups.len() {
        let mut bg = Vec::new();
        for (di, day) in days.iter().enumerate() {
            let mut started = vec![Expression::default(); day.starts.len()];
            for (k, s) in day.shifts.iter().enumerate() {
                let count = model.add(variable().min(0.0).max(group_size[g] as f64), false);
                let sum = std::mem::take(&mut members[g][di][k]);
                model.constraints.push(Expression::from(count).eq(sum));
                started[s.start_idx].add_mul(1.0, count);
                for &(t, f) in &shift_cov[di][k] {
                    duty[g][t].add_mul(f, count);
                }
            }
            let bs: Vec<Variable> = day
                .breaks
                .iter()
                .map(|_| {
                    model.add(
                        variable().integer().min(0.0).max(group_size[g] as f64),
                        false,
                    )
                })
                .collect();
            let mut total = Expression::default();
            for (m, v) in bs.iter().enumerate() {
                total.add_mul(1.0, *v);
                for &(t, f) in &break_cov[di][m] {
                    duty[g][t].add_mul(-f, *v);
                }
            }
            let all_started = started.iter().fold(Expression::default(), |mut e, s| {
                e += s.clone();
                e
            });
            model.constraints.push(total.eq(all_started));
            for i in 0..day.starts.len() {
                let mut shifts_ij = Expression::default();
                for j in i..day.starts.len() {
                    shifts_ij += started[j].clone();
                    if i == 0 && j + 1 == day.starts.len() {
                        continue; // the equality above covers the whole day
                    }
                    let mut inside = Expression::default();
                    for v in &bs[day.starts[i].lo..=day.starts[j].hi] {
                        inside.add_mul(1.0, *v);
                    }
                    model.constraints.push(inside.geq(shifts_ij.clone()));
                }
            }
            bg.push(bs);
        }
        breaks.push(bg);
    }
    let n_int = breaks.iter().flatten().flatten().count();
    model.binaries += n_int;

    if diagnose {
        // Only the contract matters when diagnosing: minimise the missing hours.
        model.objective = hours_slack
            .iter()
            .flatten()
            .fold(Expression::default(), |mut e, v| {
                e.add_mul(1.0, *v);
                e
            });
    }

    // Split of each group's duty across its queues, and coverage.
    let mut w = BTreeMap::new();
    let mut served: Vec<Vec<Expression>> = vec![vec![Expression::default(); nt]; queue_ids.len()];
    for (g, skills) in groups.iter().enumerate() {
        let per_q: Vec<(usize, Vec<Variable>)> = skills
            .iter()
            .map(|s| {
                let qi = queue_ids
                    .iter()
                    .position(|q| q == s)
                    .expect("skills are queue ids");
                let vs: Vec<Variable> = (0..nt)
                    .map(|_| model.add(variable().min(0.0), false))
                    .collect();
                (qi, vs)
            })
            .collect();
        for t in 0..nt {
            let mut split = Expression::default();
            for (qi, vs) in &per_q {
                split.add_mul(1.0, vs[t]);
                served[*qi][t].add_mul(1.0, vs[t]);
            }
            let d = std::mem::take(&mut duty[g][t]);
            model.constraints.push(split.eq(d));
        }
        for (qi, vs) in per_q {
            w.insert((g, qi), vs);
        }
    }
    let mut gaps = vec![Vec::new(); queue_ids.len()];
    let mut deferred = vec![Vec::new(); queue_ids.len()];
    if !diagnose {
        for (qi, req) in reqs.iter().enumerate() {
            let q = &scenario.queues[qi];
            if q.channel.is_deferred() {
                let productive = (1.0 - scenario.shrinkage(q)) * dh;
                let work = deferred_work(req);
                let not_due = not_yet_due(&work, deadline_intervals(q, horizon.interval_minutes));
                let mut prev: Option<Variable> = None;
                for t in 0..req.intervals.len() {
                    let done = model.add(variable().min(0.0), false);
                    let backlog = model.add(variable().min(0.0), false);
                    let late = model.add(variable().min(0.0), false);
                    let mut cap = std::mem::take(&mut served[qi][t]) * productive;
                    cap.add_mul(-1.0, done);
                    model.constraints.push(cap.geq(0.0));
                    let mut flow = Expression::from(backlog);
                    if let Some(p) = prev {
                        flow.add_mul(-1.0, p);
                    }
                    flow.add_mul(1.0, done);
                    model.constraints.push(flow.eq(work[t]));
                    let mut overdue = Expression::from(late);
                    overdue.add_mul(-1.0, backlog);
                    model.constraints.push(overdue.geq(-not_due[t]));
                    model.objective.add_mul(wts.understaffing * dh, late);
                    deferred[qi].push((done, backlog, late));
                    prev = Some(backlog);
                }
                continue;
            }
            for (t, r) in req.intervals.iter().enumerate() {
                let need = r.scheduled as f64;
                let under = model.add(variable().min(0.0), false);
                let over = model.add(variable().min(0.0), false);
                let iv = &horizon.intervals[t];
                let peak = scenario
                    .peaks
                    .iter()
                    .filter(|p| p.covers(iv.date, iv.minute_of_day, &req.queue))
                    .map(|p| p.weight)
                    .fold(1.0, f64::max);
                model
                    .objective
                    .add_mul(wts.understaffing * peak * dh, under);
                model.objective.add_mul(wts.overstaffing * dh, over);
                let mut e = std::mem::take(&mut served[qi][t]);
                e.add_mul(1.0, under);
                e.add_mul(-1.0, over);
                model.constraints.push(e.eq(need));
                gaps[qi].push((under, over));
            }
        }
    }
    Built {
        model,
        x,
        breaks,
        w,
        hours_slack,
        gaps,
        deferred,
        groups,
        group_of,
    }
}

/// Agent-hours of deferred work arriving in each interval.
pub fn deferred_work(req: &QueueRequirements) -> Vec<f64> {
    req.intervals
        .iter()
        .map(|r| (r.volume * r.aht_seconds / 3600.0).max(0.0))
        .collect()
}

/// Work arrived by the end of each interval that is not yet due: the work of
/// the last `d − 1` intervals (work of interval `s` is due by the end of `s + d − 1`).
pub fn not_yet_due(work: &[f64], d: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(work.len());
    let mut window = 0.0;
    for t in 0..work.len() {
        if d > 1 {
            window += work[t];
            if t >= d - 1 {
                window -= work[t + 1 - d];
            }
        }
        out.push(window.max(0.0));
    }
    out
}

/// Gives every shift of a group and day its own meal break from the break
/// counts, by Glover's greedy for convex bipartite matching: break times in
/// order, each to the waiting shift whose window closes first. `shifts` are
/// `(agent, shift candidate)`; returns the break candidate of each, in order.
fn assign_breaks(day: &Day, shifts: &[(usize, usize)], counts: &[usize]) -> Vec<Option<usize>> {
    let mut out = vec![None; shifts.len()];
    for (m, &n) in counts.iter().enumerate() {
        for _ in 0..n {
            let pick = shifts
                .iter()
                .enumerate()
                .filter(|(i, (_, k))| {
                    let st = &day.starts[day.shifts[*k].start_idx];
                    out[*i].is_none() && st.lo <= m && m <= st.hi
                })
                .min_by_key(|(i, (a, k))| (day.starts[day.shifts[*k].start_idx].hi, *a, *i))
                .map(|(i, _)| i);
            if let Some(i) = pick {
                out[i] = Some(m);
            }
        }
    }
    out
}

struct RawSolution {
    values: Vec<f64>,
    status: HighsModelStatus,
    objective: f64,
    best_bound: f64,
    gap: f64,
    seconds: f64,
    n_vars: usize,
    n_cons: usize,
}

fn run(model: Model, cfg: &SolverConfig, start: Option<&[f64]>) -> Result<RawSolution> {
    let Model {
        vars,
        order,
        constraints,
        objective,
        ..
    } = model;
    let n_vars = order.len();
    let n_cons = constraints.len();
    let mut problem = vars
        .minimise(objective)
        .using(good_lp::solvers::highs::highs);
    for c in constraints {
        problem.add_constraint(c);
    }
    let mut m = problem
        .try_into_inner()
        .map_err(|e| Error::Solver(format!("could not build the model: {e}")))?;
    m.make_quiet();
    let set = |k: &str, r: std::result::Result<(), highs::TrySetOptionError>| {
        r.map_err(|e| Error::Solver(format!("option {k} rejected: {e:?}")))
    };
    set(
        "time_limit",
        m.try_set_option("time_limit", cfg.time_limit_seconds),
    )?;
    set(
        "mip_rel_gap",
        m.try_set_option("mip_rel_gap", cfg.mip_rel_gap),
    )?;
    set(
        "random_seed",
        m.try_set_option("random_seed", cfg.random_seed as i32),
    )?;
    set(
        "presolve",
        m.try_set_option("presolve", cfg.presolve.as_str()),
    )?;
    if cfg.threads > 0 {
        set("threads", m.try_set_option("threads", cfg.threads as i32))?;
    }
    for (k, v) in &cfg.options {
        let r = match v {
            HighsValue::Bool(b) => m.try_set_option(k.as_str(), *b),
            HighsValue::Int(i) => m.try_set_option(k.as_str(), *i),
            HighsValue::Float(f) => m.try_set_option(k.as_str(), *f),
            HighsValue::Text(t) => m.try_set_option(k.as_str(), t.as_str()),
        };
        set(k, r)?;
    }
    if let Some(start) = start {
        // A rejected start is not fatal: HiGHS then searches from scratch.
        let _ = m.try_set_solution(Some(start), None, None, None);
    }
    let t0 = Instant::now();
    let solved = m
        .try_solve()
        .map_err(|e| Error::Solver(format!("HiGHS failed: {e:?}")))?;
    let seconds = t0.elapsed().as_secs_f64();
    let status = solved.status();
    let feasible = solved.primal_solution_status() == highs::HighsSolutionStatus::Feasible;
    let values = if feasible {
        solved.get_solution().columns().to_vec()
    } else {
        Vec::new()
    };
    Ok(RawSolution {
        values,
        status,
        objective: solved.objective_value(),
        best_bound: solved
            .double_info_value(c"mip_dual_bound")
            .unwrap_or(f64::NAN),
        gap: solved.mip_gap(),
        seconds,
        n_vars,
        n_cons,
    })
}

fn value(values: &[f64], v: &Variable, pos: &HashMap<Variable, usize>) -> f64 {
    values[pos[v]]
}

/// Explains an infeasible scenario by solving it again with the weekly
/// minimum hours relaxed and naming the agents whose minimum cannot be met.
fn diagnose(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
) -> String {
    let built = build(scenario, horizon, reqs, days, true);
    let pos = built.model.positions();
    let slack = built.hours_slack.clone();
    let Ok(raw) = run(built.model, cfg, None) else {
        return "the rules conflict, and the solver could not say which".into();
    };
    if raw.values.is_empty() {
        return format!(
            "the shift rules leave no valid roster at all (shift start window {}-{}, lengths {:?} h, meal break window {} h to {} h, {} h rest)",
            scenario.rules.shift_start.earliest,
            scenario.rules.shift_start.latest,
            scenario.rules.shift_lengths_hours,
            scenario.rules.meal_break.earliest_start_hours,
            scenario.rules.meal_break.latest_end_hours,
            scenario.rules.min_rest_hours
        );
    }
    let mut lines = Vec::new();
    for (a, s) in scenario.agents.iter().zip(&slack) {
        if let Some(s) = s {
            let missing = value(&raw.values, s, &pos);
            if missing > 1e-6 {
                let r = &scenario.rules;
                let mut limits = vec![
                    format!("max_working_days {}", r.max_working_days),
                    format!("shift lengths {:?} h", r.shift_lengths_hours),
                    format!("{} h rest between shifts", r.min_rest_hours),
                ];
                if let Some(k) = r.max_consecutive_days {
                    limits.push(format!("at most {k} days in a row"));
                }
                if let Some(l) = r.consecutive_days_off {
                    limits.push(format!("{l} days off in a row"));
                }
                if !a.days_off.is_empty() {
                    limits.push(format!("{} fixed days off", a.days_off.len()));
                }
                if let Some(av) = &a.available {
                    limits.push(format!("available {}-{}", av.from, av.to));
                }
                if a.previous.is_some() {
                    limits.push("last week's shifts".to_string());
                }
                lines.push(format!(
                    "agent {} ({}) must work at least {} h but the rules allow only {:.1} h ({})",
                    a.id,
                    a.name,
                    a.min_hours,
                    a.min_hours - missing,
                    limits.join(", ")
                ));
            }
        }
    }
    if lines.is_empty() {
        "the rules conflict, but every agent's weekly minimum can be met on its own".into()
    } else {
        lines.join("\n")
    }
}

/// A shift worked on a day: (shift candidate, break candidate).
type Pick = (usize, usize);

/// Largest unmet requirement among `qs` in interval `t`.
fn demand_of(residual: &[Vec<f64>], qs: &[usize], t: usize) -> f64 {
    qs.iter()
        .map(|&q| residual[q][t].max(0.0))
        .fold(0.0, f64::max)
}

/// Agent-by-agent greedy roster used as the solver's first incumbent, so that
/// a time-limited solve always has a roster to improve: each agent in turn
/// gets the mix of shift lengths that gives the most hours within the
/// contract, on the days with the most unmet requirement, at the one start
/// time that covers most of it, with the meal break where it costs least.
/// Returns `None` when the greedy roster breaks a rule (the solver then
/// searches on its own).
fn greedy(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
) -> Option<Vec<Vec<Option<Pick>>>> {
    let r = &scenario.rules;
    let nt = horizon.intervals.len();
    let queue_pos = |id: &str| scenario.queues.iter().position(|q| q.id == id);
    let mut residual: Vec<Vec<f64>> = reqs
        .iter()
        .map(|q| q.intervals.iter().map(|i| i.scheduled as f64).collect())
        .collect();
    let rest = Duration::minutes((r.min_rest_hours * 60.0).round() as i64);
    let mut plan = Vec::new();
    let lengths: Vec<(f64, f64)> = r
        .shift_lengths_hours
        .iter()
        .map(|&l| (l, scenario.paid_hours(l)))
        .collect();
    let max_days = (r.max_working_days as usize).min(days.len());
    for a in &scenario.agents {
        let qs: Vec<usize> = a.skills.iter().filter_map(|s| queue_pos(s)).collect();
        // Best multiset of lengths: most hours within [min, max], fewest days.
        let mut best: Option<(f64, Vec<usize>)> = None;
        let mut stack: Vec<Vec<usize>> = vec![vec![]];
        while let Some(combo) = stack.pop() {
            let hours: f64 = combo.iter().map(|&i| lengths[i].1).sum();
            if hours > a.max_hours + 1e-9 {
                continue;
            }
            if hours + 1e-9 >= a.min_hours
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
        let mut day_order: Vec<usize> = (0..days.len()).collect();
        let day_need = |d: usize| -> f64 {
            (0..nt)
                .filter(|&t| horizon.intervals[t].day == d)
                .map(|t| demand_of(&residual, &qs, t))
                .sum()
        };
        let needs: Vec<f64> = (0..days.len()).map(day_need).collect();
        day_order.retain(|&d| !a.days_off.contains(&days[d].date));
        day_order.sort_by(|&x, &y| {
            needs[y]
                .partial_cmp(&needs[x])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(x.cmp(&y))
        });
        if day_order.len() < combo.len() {
            return None;
        }
        let mut chosen: Vec<usize> = day_order[..combo.len()].to_vec();
        chosen.sort();
        // One start time for every chosen day; lengths assigned longest first.
        let starts: Vec<u32> = {
            let mut v: Vec<u32> = Vec::new();
            let mut m = r.shift_start.earliest.minutes();
            while m <= r.shift_start.latest.minutes() {
                v.push(m);
                m += r.shift_start.step_minutes;
            }
            v
        };
        let mut best_start: Option<(f64, Vec<(usize, usize)>)> = None;
        for &m in &starts {
            let mut picks = Vec::new();
            let mut score = 0.0;
            for (j, &d) in chosen.iter().enumerate() {
                let len = lengths[combo[j]].0;
                let Some(k) = days[d].shifts.iter().position(|s| {
                    let local = s.start.naive_local().time();
                    local == chrono::NaiveTime::from_hms_opt(m / 60, m % 60, 0).expect("clock")
                        && ((s.end - s.start).num_minutes() as f64 - len * 60.0).abs() < 0.5
                        && allowed(scenario, a, &days[d], s)
                }) else {
                    continue;
                };
                for &(t, f) in &coverage(horizon, days[d].shifts[k].start, days[d].shifts[k].end) {
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
        let mut row: Vec<Option<(usize, usize)>> = vec![None; days.len()];
        let mut prev_end: Option<DateTime<Tz>> = None;
        for &(d, k) in &picks {
            let s = &days[d].shifts[k];
            if prev_end.is_some_and(|e| s.start < e + rest) {
                return None;
            }
            prev_end = Some(s.end);
            // Meal break where the remaining demand is lowest.
            let window = &days[d].starts[s.start_idx];
            let m = (window.lo..=window.hi).min_by(|&x, &y| {
                let cost = |m: usize| -> f64 {
                    coverage(horizon, days[d].breaks[m].start, days[d].breaks[m].end)
                        .iter()
                        .map(|&(t, f)| f * demand_of(&residual, &qs, t))
                        .sum()
                };
                cost(x)
                    .partial_cmp(&cost(y))
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(x.cmp(&y))
            })?;
            let on = coverage(horizon, s.start, s.end);
            let off = coverage(horizon, days[d].breaks[m].start, days[d].breaks[m].end);
            for &(t, f) in &on {
                let f = f - off.iter().find(|(u, _)| *u == t).map_or(0.0, |(_, g)| *g);
                if let Some(&q) = qs.iter().max_by(|&&x, &&y| {
                    residual[x][t]
                        .partial_cmp(&residual[y][t])
                        .unwrap_or(std::cmp::Ordering::Equal)
                        .then(y.cmp(&x))
                }) {
                    residual[q][t] -= f;
                }
            }
            row[d] = Some((k, m));
        }
        plan.push(row);
    }
    Some(plan)
}

/// The greedy roster as a full solution vector of the model (columns in order).
fn initial_solution(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    built: &Built,
    pos: &HashMap<Variable, usize>,
) -> Option<Vec<f64>> {
    let plan = greedy(scenario, horizon, reqs, days)?;
    let nt = horizon.intervals.len();
    let mut vals = vec![0.0; built.model.order.len()];
    let mut duty = vec![vec![0.0; nt]; built.groups.len()];
    for (ai, row) in plan.iter().enumerate() {
        let g = built.group_of[ai];
        for (d, pick) in row.iter().enumerate() {
            let Some((k, m)) = *pick else { continue };
            vals[pos[&built.x[ai][d][k]]] = 1.0;
            vals[pos[&built.breaks[g][d][m]]] += 1.0;
            for (t, f) in coverage(horizon, days[d].shifts[k].start, days[d].shifts[k].end) {
                duty[g][t] += f;
            }
            for (t, f) in coverage(horizon, days[d].breaks[m].start, days[d].breaks[m].end) {
                duty[g][t] -= f;
            }
        }
    }
    // Split each group's duty: single-queue groups first, then the rest to the largest gap.
    let mut served = vec![vec![0.0; nt]; scenario.queues.len()];
    let mut order: Vec<usize> = (0..built.groups.len()).collect();
    order.sort_by_key(|&g| built.groups[g].len());
    for g in order {
        let qis: Vec<usize> = built.groups[g]
            .iter()
            .map(|s| {
                scenario
                    .queues
                    .iter()
                    .position(|q| &q.id == s)
                    .expect("queue")
            })
            .collect();
        for t in 0..nt {
            let q = *qis
                .iter()
                .max_by(|&&x, &&y| {
                    let gx = reqs[x].intervals[t].scheduled as f64 - served[x][t];
                    let gy = reqs[y].intervals[t].scheduled as f64 - served[y][t];
                    gx.partial_cmp(&gy)
                        .unwrap_or(std::cmp::Ordering::Equal)
                        .then(y.cmp(&x))
                })
                .expect("groups have skills");
            let amount = duty[g][t].max(0.0);
            served[q][t] += amount;
            vals[pos[&built.w[&(g, q)][t]]] += amount;
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
    Some(vals)
}

/// Solves the roster for the scenario's requirements.
pub fn solve(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    cfg: &SolverConfig,
) -> Result<Solved> {
    let pre = precheck(scenario);
    if !pre.is_empty() {
        return Err(Error::Infeasible(pre.join("\n")));
    }
    let days = candidates(scenario);
    let built = build(scenario, horizon, reqs, &days, false);
    let binaries = built.model.binaries;
    let pos = built.model.positions();
    let start = if cfg.warm_start {
        initial_solution(scenario, horizon, reqs, &days, &built, &pos)
    } else {
        None
    };
    let Built {
        model,
        x,
        breaks,
        w,
        groups,
        group_of,
        ..
    } = built;
    let raw = run(model, cfg, start.as_deref())?;
    let status = match raw.status {
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            return Err(Error::Infeasible(diagnose(
                scenario, horizon, reqs, &days, cfg,
            )));
        }
        _ if raw.values.is_empty() => {
            return Err(Error::Solver(match raw.status {
                HighsModelStatus::ReachedTimeLimit => format!(
                    "no roster found within the {} s time limit; raise time_limit_seconds in the solver config",
                    cfg.time_limit_seconds
                ),
                s => format!("HiGHS stopped with status {s:?} and no roster"),
            }));
        }
        HighsModelStatus::Optimal if raw.gap <= 1e-9 => SolveStatus::Optimal,
        HighsModelStatus::Optimal => SolveStatus::GapLimit,
        HighsModelStatus::ReachedTimeLimit => SolveStatus::TimeLimit,
        _ => SolveStatus::OtherLimit,
    };
    let val = |v: &Variable| value(&raw.values, v, &pos);

    // Shifts worked, then each group's breaks handed out to its shifts.
    let mut worked: Vec<Vec<Option<Pick>>> = vec![vec![None; days.len()]; scenario.agents.len()];
    for (g, _) in groups.iter().enumerate() {
        for (di, day) in days.iter().enumerate() {
            let members: Vec<(usize, usize)> = (0..scenario.agents.len())
                .filter(|&ai| group_of[ai] == g)
                .filter_map(|ai| {
                    (0..day.shifts.len())
                        .find(|&k| val(&x[ai][di][k]) > 0.5)
                        .map(|k| (ai, k))
                })
                .collect();
            let counts: Vec<usize> = breaks[g][di]
                .iter()
                .map(|v| val(v).round().max(0.0) as usize)
                .collect();
            let given = assign_breaks(day, &members, &counts);
            for ((ai, k), m) in members.into_iter().zip(given) {
                // Should the counts not match (they do when the model holds),
                // the window's first break keeps the roster valid.
                let m = m.unwrap_or(day.starts[day.shifts[k].start_idx].lo);
                worked[ai][di] = Some((k, m));
            }
        }
    }
    let mut shifts = Vec::new();
    for (ai, a) in scenario.agents.iter().enumerate() {
        let g = group_of[ai];
        for (di, day) in days.iter().enumerate() {
            let Some((k, m)) = worked[ai][di] else {
                continue;
            };
            let s = &day.shifts[k];
            let breaks = vec![Break {
                kind: "meal".into(),
                start: day.breaks[m].start,
                end: day.breaks[m].end,
            }];
            // Queues the agent's skill group served while the agent was on duty.
            let on_duty: Vec<usize> = horizon
                .range(s.start, s.end)
                .filter(|&t| {
                    let st = horizon.intervals[t].start;
                    !breaks.iter().any(|br| st >= br.start && st < br.end)
                })
                .collect();
            let skills: Vec<String> = groups[g]
                .iter()
                .filter(|q| {
                    let qi = scenario
                        .queues
                        .iter()
                        .position(|x| &x.id == *q)
                        .expect("queue");
                    on_duty.iter().any(|&t| val(&w[&(g, qi)][t]) > 1e-6)
                })
                .cloned()
                .collect();
            shifts.push(Shift {
                agent_id: a.id.clone(),
                agent_name: a.name.clone(),
                date: day.date,
                start: s.start,
                end: s.end,
                breaks,
                skills,
                paid_hours: s.paid_hours,
            });
        }
    }
    let mut roster = Roster {
        site_name: scenario.site.name.clone(),
        timezone: scenario.site.timezone,
        shifts,
    };
    roster.sort();
    let info = SolveInfo {
        status,
        stop_reason: status.explain(cfg, raw.gap),
        objective: raw.objective,
        best_bound: raw.best_bound,
        mip_gap: raw.gap,
        solve_seconds: raw.seconds,
        time_limit_seconds: cfg.time_limit_seconds,
        mip_rel_gap_target: cfg.mip_rel_gap,
        threads: cfg.threads,
        random_seed: cfg.random_seed,
        variables: raw.n_vars,
        binary_variables: binaries,
        constraints: raw.n_cons,
    };
    Ok(Solved { roster, info })
}
