//! The integer program: variables, constraints and objective.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration};
use chrono_tz::Tz;
use good_lp::{variable, Expression, ProblemVariables, Variable};

use super::candidates::{allowed, coverage, Day};
use super::service_level::{self, SlModel};
use super::{deferred_work, not_yet_due};
use crate::horizon::Horizon;
use crate::scenario::Scenario;
use crate::staffing::{deadline_intervals, QueueRequirements};

pub(super) struct Model {
    pub(super) vars: ProblemVariables,
    pub(super) order: Vec<Variable>,
    pub(super) constraints: Vec<good_lp::Constraint>,
    pub(super) objective: Expression,
    pub(super) binaries: usize,
}

impl Model {
    /// Column of each variable in the solver's solution vector.
    pub(super) fn positions(&self) -> HashMap<Variable, usize> {
        self.order
            .iter()
            .enumerate()
            .map(|(i, v)| (*v, i))
            .collect()
    }

    pub(super) fn add(&mut self, def: good_lp::VariableDefinition, binary: bool) -> Variable {
        let v = self.vars.add(def);
        self.order.push(v);
        if binary {
            self.binaries += 1;
        }
        v
    }
}

pub(super) struct Built {
    pub(super) model: Model,
    /// `x[agent][day][shift candidate]`.
    pub(super) x: Vec<Vec<Vec<Variable>>>,
    /// `breaks[group][day][break candidate]`: meal breaks starting then (integer).
    pub(super) breaks: Vec<Vec<Vec<Variable>>>,
    pub(super) w: BTreeMap<(usize, usize), Vec<Variable>>,
    pub(super) hours_slack: Vec<Option<Variable>>,
    /// `(under, over)` per queue and interval (empty for deferred queues).
    pub(super) gaps: Vec<Vec<(Variable, Variable)>>,
    /// `(done, backlog, late)` per interval of each deferred queue.
    pub(super) deferred: Vec<Vec<(Variable, Variable, Variable)>>,
    /// Service-level variables (service-level mode) and `min_staff` floors.
    pub(super) sl: SlModel,
    pub(super) groups: Vec<Vec<String>>,
    pub(super) group_of: Vec<usize>,
}

/// Skill groups: agents with the same set of skills, in first-seen order.
pub(super) fn skill_groups(scenario: &Scenario) -> (Vec<Vec<String>>, Vec<usize>) {
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

pub(super) fn build(
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
    let nt = horizon.intervals.len();
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
    let (x, hours_slack) = add_agents(
        &mut model,
        scenario,
        days,
        &group_of,
        &mut members,
        diagnose,
    );
    let (duty, breaks) = add_breaks(
        &mut model,
        days,
        nt,
        &group_size,
        &shift_cov,
        &break_cov,
        members,
    );
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

    let (w, gaps, deferred, sl) =
        add_coverage(&mut model, scenario, horizon, reqs, &groups, duty, diagnose);
    Built {
        model,
        x,
        breaks,
        w,
        hours_slack,
        gaps,
        deferred,
        sl,
        groups,
        group_of,
    }
}

/// Every agent's shifts and weekly rules; each agent's shift variables are
/// added to its group's count of that shift (`members`). Returns `x` and, when
/// diagnosing, the slack on each agent's weekly minimum hours.
#[allow(clippy::type_complexity)]
fn add_agents(
    model: &mut Model,
    scenario: &Scenario,
    days: &[Day],
    group_of: &[usize],
    members: &mut [Vec<Vec<Expression>>],
    diagnose: bool,
) -> (Vec<Vec<Vec<Variable>>>, Vec<Option<Variable>>) {
    let r = &scenario.rules;
    let wts = &scenario.weights;
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
    (x, hours_slack)
}

/// Meal breaks per group and day; returns each group's agents on duty per
/// interval (shifts minus breaks) and the break-count variables.
#[allow(clippy::type_complexity)]
fn add_breaks(
    model: &mut Model,
    days: &[Day],
    nt: usize,
    group_size: &[usize],
    shift_cov: &[Vec<Vec<(usize, f64)>>],
    break_cov: &[Vec<Vec<(usize, f64)>>],
    mut members: Vec<Vec<Vec<Expression>>>,
) -> (Vec<Vec<Expression>>, Vec<Vec<Vec<Variable>>>) {
    // Meal breaks, per skill group and day (implicit breaks, Bechtold & Jacobs
    // 1990): one break per shift started, and for every run of consecutive
    // start times i..j at least as many breaks inside their joint window as
    // shifts started. With first-in-first-out windows these conditions are
    // exactly what lets every shift be given its own break (Hall's theorem),
    // which `assign_breaks` then does.
    let mut duty: Vec<Vec<Expression>> = vec![vec![Expression::default(); nt]; group_size.len()];
    let mut breaks = Vec::new();
    for g in 0..group_size.len() {
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
    (duty, breaks)
}

/// Splits each group's duty across its queues and meets the requirements:
/// under/over staffing per interval (or, in service-level mode, the
/// service-level objective of `service_level.rs`), or the backlog flow of
/// deferred queues; and the `min_staff` floors.
#[allow(clippy::type_complexity)]
fn add_coverage(
    model: &mut Model,
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    groups: &[Vec<String>],
    mut duty: Vec<Vec<Expression>>,
    diagnose: bool,
) -> (
    BTreeMap<(usize, usize), Vec<Variable>>,
    Vec<Vec<(Variable, Variable)>>,
    Vec<Vec<(Variable, Variable, Variable)>>,
    SlModel,
) {
    let wts = &scenario.weights;
    let dh = horizon.interval_hours();
    let nt = horizon.intervals.len();
    let queue_ids: Vec<&str> = scenario.queues.iter().map(|q| q.id.as_str()).collect();
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
    let sl = if diagnose {
        SlModel::default()
    } else {
        service_level::add(model, scenario, horizon, reqs, &served)
    };
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
            if sl.covers(qi) {
                continue;
            }
            for (t, r) in req.intervals.iter().enumerate() {
                let need = r.scheduled as f64;
                let under = model.add(variable().min(0.0), false);
                let over = model.add(variable().min(0.0), false);
                let iv = &horizon.intervals[t];
                let peak = scenario.peak_weight(iv.date, iv.minute_of_day, &req.queue);
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
    (w, gaps, deferred, sl)
}
