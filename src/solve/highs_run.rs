//! Running HiGHS with the solver config, and what it returned.

use std::time::Instant;

use good_lp::SolverModel;
use highs::HighsModelStatus;

use super::model::Model;
use crate::error::{Error, Result};
use crate::scenario::{HighsValue, SolverConfig};

pub(super) struct RawSolution {
    pub(super) values: Vec<f64>,
    pub(super) status: HighsModelStatus,
    pub(super) objective: f64,
    pub(super) best_bound: f64,
    pub(super) gap: f64,
    pub(super) seconds: f64,
    pub(super) n_vars: usize,
    pub(super) n_cons: usize,
}

pub(super) fn run(model: Model, cfg: &SolverConfig, start: Option<&[f64]>) -> Result<RawSolution> {
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
