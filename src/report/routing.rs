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

use good_lp::Expression;

use crate::coverage::model::{add_coverage, add_envelope, interval_curve};
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
}

/// Settings of the split's solves: exact, fixed seed, and the threads HiGHS
/// already runs (`threads: 0`): asking for another count after a solve with
/// more threads in the same process makes HiGHS fail (`HiGHS failed: Error`
/// from every plan with `threads: 2`, as solver-configs/default.yaml has).
fn exact() -> SolverConfig {
    SolverConfig {
        time_limit_seconds: 600.0,
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
    }
}

/// The least-cost split of the roster's pools and its cost.
pub fn route(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    roster: &Roster,
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
    let build = || {
        let mut model = new_model();
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
    // Stage 1: the least cost.
    let (model, covered) = build();
    let pos = model.positions();
    let first = run(model, &exact(), None)?;
    if first.values.is_empty() {
        return Err(fail(&format!("HiGHS stopped with {:?}", first.status)));
    }
    let mut cost = first.objective;
    let mut values = first.values;
    let mut chosen = covered;
    let mut position = pos;
    // Stage 2: at that cost, the split that answers the most contacts
    // within the threshold, each queue and interval valued by the concave
    // envelope of its Erlang curve (`staffing::curve`). Only requirement-mode
    // splits have ties to break this way: the service-level terms of stage 1
    // already value every contact answered.
    if chosen.gaps.iter().any(|g| !g.is_empty()) {
        let (mut model, covered) = build();
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
        let second = run(model, &exact(), None)?;
        if !second.values.is_empty() {
            // The cost of this split, priced from its own values.
            cost = value_of(&at_most, &second.values, &pos);
            values = second.values;
            chosen = covered;
            position = pos;
        }
    }
    let mut staff = vec![vec![0.0; nt]; nq];
    for (&(g, q), vs) in &chosen.w {
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
    })
}
