//! The split of a written roster's agents across their queues, and what
//! the roster costs, recomputed from the roster alone.
//!
//! Agents on duty (shift minus breaks, [`crate::coverage::presence`]) are
//! pooled by the queues their shift lists (or all their skills) and their
//! proficiencies. In each interval a pool's time is split across its queues
//! by the coverage terms of the optimizer's objective
//! ([`crate::coverage::model::add_coverage`]), solved exactly: the split that
//! costs least, which is the best routing the roster allows. Its cost plus
//! the roster's paid cost and soft terms (preferences, fairness) is what the
//! optimizer's objective must equal for the same roster; `plan` checks it.
//!
//! The split is solved in two stages so that ties do not depend on the
//! solver's pivoting: first the least cost, then, at that cost, the split
//! that answers the most contacts within their threshold, each interval
//! valued by the concave envelope of its Erlang curve. Under- and
//! overstaffing leave many splits equally cheap (an agent short on either
//! of two queues costs the same); of those, the report shows the one a
//! skill-based router would come closest to, and the simulation
//! (`rota simulate`) checks it with real routing.
//!
//! With the service-level objective's steps the least cost is an integer
//! program, which on 1,000 agents runs for many minutes. Its search is
//! bounded ([`Limits`]), and beside it the split is priced with the steps
//! fixed where a known split reaches them: the optimizer's own where the
//! caller has them (`rota plan`), so that the price is never above the
//! optimizer's claim, or else the linear relaxation's split. The lower of
//! the two is kept. A split stopped short is a split the roster allows, so
//! its price is an upper bound on what the roster costs; [`Routing::proven`]
//! says which it is.

use std::collections::HashMap;
use std::time::Instant;

use good_lp::{Expression, Variable};
use highs::HighsModelStatus;

use crate::coverage::model::{add_coverage, add_envelope, interval_curve, Covered, Reached};
pub use crate::coverage::pools::Pools;
use crate::coverage::pools::{pool, queues_of, Duty};
use crate::error::{Error, Result};
use crate::horizon::Horizon;
use crate::lp::{new_model, run, value_of};
use crate::roster::model::{Roster, Shift};
use crate::scenario::{Scenario, SolveMethod, SolverConfig};
use crate::staffing::QueueRequirements;

/// The queues (scenario indices, sorted) a shift serves: those its row lists,
/// or else all of the agent's skills.
pub fn shift_queues(scenario: &Scenario, s: &Shift) -> Vec<usize> {
    queues_of(scenario, &s.agent_id, &s.skills)
}

/// The roster's agents on duty per pool and interval.
pub fn pools(scenario: &Scenario, horizon: &Horizon, roster: &Roster) -> Pools {
    pool(
        scenario,
        horizon.intervals.len(),
        roster.shifts.iter().map(|s| Duty {
            agent_id: &s.agent_id,
            skills: &s.skills,
            presence: s.presence(horizon),
        }),
    )
}

/// A roster's split across queues and the cost of its coverage.
#[derive(Debug, Clone)]
pub struct Routing {
    /// `staff[q][t]`: agents on queue `q` in interval `t`, net of breaks,
    /// each counted at their proficiency on the queue.
    pub staff: Vec<Vec<f64>>,
    /// The coverage terms of the objective at this split: weighted under-
    /// and overstaffing, overdue deferred work, missing `min_staff`, and in
    /// service-level mode the service-level terms.
    pub coverage_cost: f64,
    /// In service-level mode, the service level the objective credits each
    /// queue and interval with at this split (`None` where it has no term).
    pub credited: Vec<Vec<Option<f64>>>,
    /// Whether the split is proven least-cost; if not (its search reached
    /// [`Limits::seconds`]), `coverage_cost` is what the best split found
    /// costs: an upper bound on the roster's.
    pub proven: bool,
}

/// How long the split's search may run, and where it starts.
#[derive(Debug, Clone, Copy)]
pub struct Limits<'a> {
    /// Time limit of each of the split's solves.
    pub seconds: f64,
    /// The steps the optimizer's split reached (`solve::Solved::reached`):
    /// a start whose price is the optimizer's claim or lower.
    pub start: Option<&'a Reached>,
}

impl Limits<'_> {
    /// Ten minutes and no start: a roster read from a file.
    pub const fn exact() -> Limits<'static> {
        Limits {
            seconds: 600.0,
            start: None,
        }
    }
}

/// Settings of the split's solves: exact, fixed seed, and the threads HiGHS
/// already runs (`threads: 0`): asking for another count after a solve with
/// more threads in the same process makes HiGHS fail (`HiGHS failed: Error`
/// from every plan with `threads: 2`, as solver-configs/default.yaml has).
fn exact(seconds: f64) -> SolverConfig {
    SolverConfig {
        time_limit_seconds: seconds,
        mip_rel_gap: 0.0,
        threads: 0,
        random_seed: 0,
        presolve: "choose".into(),
        warm_start: false,
        options: Default::default(),
        method: SolveMethod::Agents,
        decompose_from_agents: usize::MAX,
        decompose_service_level_from_agents: usize::MAX,
        column_generation_from_agents: usize::MAX,
        column_generation_service_level_from_agents: usize::MAX,
    }
}

/// The least-cost split of the roster's pools and its cost, searched for
/// within `limits`.
pub fn route(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    roster: &Roster,
    limits: &Limits,
) -> Result<Routing> {
    let pools = pools(scenario, horizon, roster);
    let nq = scenario.queues.len();
    let nt = horizon.intervals.len();
    let groups: Vec<Vec<String>> = pools
        .keys
        .iter()
        .map(|(qs, _)| qs.iter().map(|&q| scenario.queues[q].id.clone()).collect())
        .collect();
    let rates: Vec<Vec<f64>> = pools.keys.iter().map(|(_, r)| r.clone()).collect();
    let build = |relaxed: bool| {
        let mut model = new_model();
        model.relaxed = relaxed;
        let duty: Vec<Vec<Expression>> = pools
            .duty
            .iter()
            .map(|row| row.iter().map(|&d| Expression::from(d)).collect())
            .collect();
        let covered = add_coverage(
            &mut model,
            scenario,
            horizon,
            reqs,
            (&groups, &rates),
            duty,
            false,
        );
        (model, covered)
    };
    let fail = |what: &str| Error::Solver(format!("the split of the roster across queues: {what}"));
    let staff_of = |covered: &Covered, values: &[f64], position: &HashMap<Variable, usize>| {
        let mut staff = vec![vec![0.0; nt]; nq];
        for (&(g, q), vs) in &covered.w {
            let j = pools.keys[g]
                .0
                .iter()
                .position(|&x| x == q)
                .expect("pool queue");
            let rate = pools.keys[g].1[j];
            for (t, v) in vs.iter().enumerate() {
                staff[q][t] += rate * values[position[v]].max(0.0);
            }
        }
        staff
    };
    // Stage 1: the least cost.
    let (model, covered) = build(false);
    let pos = model.positions();
    let (first, chosen, position, proven) = if model.binaries == 0 {
        let raw = run(model, &exact(limits.seconds), None)?;
        let proven = raw.status == HighsModelStatus::Optimal;
        (raw, covered, pos, proven)
    } else {
        let began = Instant::now();
        // The steps' binaries from the optimizer's split, or else those the
        // linear relaxation's split reaches.
        let fits = |r: &Reached| {
            r.0.len() == nq
                && covered.sl.cells.iter().zip(&r.0).all(|(row, rr)| {
                    row.len() == rr.len()
                        && row
                            .iter()
                            .zip(rr)
                            .all(|(c, b)| c.as_ref().map_or(0, |c| c.binaries().count()) == b.len())
                })
        };
        let reached = match limits.start.filter(|r| fits(r)) {
            Some(r) => Some(r.clone()),
            None => {
                let (relaxed, rc) = build(true);
                let rpos = relaxed.positions();
                let raw = run(relaxed, &exact(limits.seconds), None)?;
                (!raw.values.is_empty())
                    .then(|| reached_by(&covered, &staff_of(&rc, &raw.values, &rpos)))
            }
        };
        // The start's split: the least cost with those steps fixed (in
        // effect a linear program). Solved apart rather than handed to
        // HiGHS as a start: given one, HiGHS 1.16 has returned it as
        // optimal for a model where it was not.
        let started = match reached {
            Some(reached) => {
                let (mut fixed, fc) = build(false);
                let fpos = fixed.positions();
                let binaries = fc
                    .sl
                    .cells
                    .iter()
                    .flatten()
                    .flatten()
                    .flat_map(|c| c.binaries());
                let on = reached.0.iter().flatten().flatten();
                let fixes: Vec<_> = binaries
                    .zip(on)
                    .map(|(v, &on)| Expression::from(v).eq(if on { 1.0 } else { 0.0 }))
                    .collect();
                fixed.constraints.extend(fixes);
                Some((run(fixed, &exact(limits.seconds), None)?, fc, fpos))
            }
            None => None,
        }
        .filter(|(raw, _, _)| !raw.values.is_empty());
        // The search, from no start, in the time left.
        let left = (limits.seconds - began.elapsed().as_secs_f64()).max(limits.seconds.min(1.0));
        let searched = run(model, &exact(left), None)?;
        let proven = searched.status == HighsModelStatus::Optimal && !searched.values.is_empty();
        match started {
            Some((raw, fc, fpos))
                if !proven
                    && (searched.values.is_empty() || raw.objective < searched.objective) =>
            {
                (raw, fc, fpos, false)
            }
            _ => (searched, covered, pos, proven),
        }
    };
    if first.values.is_empty() {
        return Err(fail(&format!("HiGHS stopped with {:?}", first.status)));
    }
    let mut cost = first.objective;
    let mut values = first.values;
    let mut chosen = chosen;
    let mut position = position;
    // Stage 2: at that cost, the split that answers the most contacts
    // within the threshold, each queue and interval valued by the concave
    // envelope of its Erlang curve (`staffing::curve`). Only requirement-mode
    // splits have ties to break this way: the service-level terms of stage 1
    // already value every contact answered.
    if chosen.gaps.iter().any(|g| !g.is_empty()) {
        let (mut model, covered) = build(false);
        let at_most = model.objective.clone();
        let tol = 1e-9 * cost.abs().max(1.0);
        model.constraints.push(at_most.clone().leq(cost + tol));
        let mut served: Vec<Vec<Expression>> = vec![vec![Expression::default(); nt]; nq];
        for (&(g, q), vs) in &covered.w {
            let j = pools.keys[g]
                .0
                .iter()
                .position(|&x| x == q)
                .expect("pool queue");
            for (t, v) in vs.iter().enumerate() {
                served[q][t].add_mul(pools.keys[g].1[j], *v);
            }
        }
        let mut answered = Expression::default();
        for (qi, q) in scenario.queues.iter().enumerate() {
            if covered.gaps[qi].is_empty() {
                continue;
            }
            for (t, r) in reqs[qi].intervals.iter().enumerate() {
                let Some(c) = interval_curve(scenario, horizon, q, r) else {
                    continue;
                };
                let sl = add_envelope(&mut model, &c, &served[qi][t]);
                answered.add_mul(-r.volume, sl);
            }
        }
        model.objective = answered;
        let pos = model.positions();
        let second = run(model, &exact(limits.seconds), None)?;
        if !second.values.is_empty() {
            // The cost of this split, priced from its own values.
            cost = value_of(&at_most, &second.values, &pos);
            values = second.values;
            chosen = covered;
            position = pos;
        }
    }
    let staff = staff_of(&chosen, &values, &position);
    let credited = chosen
        .sl
        .cells
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| c.as_ref().map(|c| values[position[&c.sl]]))
                .collect()
        })
        .collect();
    Ok(Routing {
        staff,
        coverage_cost: cost,
        credited,
        proven,
    })
}

/// The binaries of `covered`'s service-level cells that the staff
/// `staff[q][t]` reaches: each is 1 where the staff is at least its
/// tangent point or step.
fn reached_by(covered: &Covered, staff: &[Vec<f64>]) -> Reached {
    Reached(
        covered
            .sl
            .cells
            .iter()
            .zip(staff)
            .map(|(row, st)| {
                row.iter()
                    .zip(st)
                    .map(|(c, &s)| {
                        c.as_ref().map_or_else(Vec::new, |c| {
                            c.thresholds().map(|(_, at)| s >= at).collect()
                        })
                    })
                    .collect()
            })
            .collect(),
    )
}
