//! Integer programs: a model built with good_lp, and HiGHS run on it with
//! explicit settings. The optimizer (`solve`) and the cost recomputation of
//! the report (`report::routing`) both build on it.

use std::collections::HashMap;
use std::time::Instant;

use good_lp::{
    variable, Expression, IntoAffineExpression, ProblemVariables, SolverModel, Variable,
};
use highs::HighsModelStatus;

use crate::error::{Error, Result};
use crate::scenario::{HighsValue, SolverConfig};

pub struct Model {
    pub vars: ProblemVariables,
    pub order: Vec<Variable>,
    pub constraints: Vec<good_lp::Constraint>,
    pub objective: Expression,
    pub binaries: usize,
    /// Whether integer variables are added as continuous (the LP relaxation).
    pub relaxed: bool,
}

impl Model {
    /// Column of each variable in the solver's solution vector.
    pub fn positions(&self) -> HashMap<Variable, usize> {
        self.order
            .iter()
            .enumerate()
            .map(|(i, v)| (*v, i))
            .collect()
    }

    pub fn add(&mut self, def: good_lp::VariableDefinition, binary: bool) -> Variable {
        let def = if self.relaxed && def.is_integer() {
            variable().min(def.get_min()).max(def.get_max())
        } else {
            def
        };
        let v = self.vars.add(def);
        self.order.push(v);
        if binary {
            self.binaries += 1;
        }
        v
    }
}

/// An empty model.
pub fn new_model() -> Model {
    Model {
        vars: ProblemVariables::new(),
        order: Vec::new(),
        constraints: Vec::new(),
        objective: Expression::default(),
        binaries: 0,
        relaxed: false,
    }
}

/// The value of `e` at the solution `values` (columns in `pos` order).
pub fn value_of(e: &Expression, values: &[f64], pos: &HashMap<Variable, usize>) -> f64 {
    e.constant()
        + e.clone()
            .linear_coefficients()
            .map(|(v, c)| c * values[pos[&v]])
            .sum::<f64>()
}

pub struct RawSolution {
    pub values: Vec<f64>,
    /// The rows' duals, for a linear program solved to optimality (empty
    /// otherwise).
    pub row_duals: Vec<f64>,
    pub status: HighsModelStatus,
    pub objective: f64,
    pub best_bound: f64,
    pub gap: f64,
    pub seconds: f64,
    pub n_vars: usize,
    pub n_cons: usize,
}

/// Solves `model` with the settings `cfg`, from the solution `start` if any.
pub fn run(model: Model, cfg: &SolverConfig, start: Option<&[f64]>) -> Result<RawSolution> {
    run_watched(model, cfg, start, None)
}

/// What HiGHS reports while it solves a MIP: its best objective (primal
/// bound; infinite before the first solution) and its best bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MipProgress {
    pub incumbent: f64,
    pub bound: f64,
}

/// A function told of a MIP's progress, from HiGHS's thread.
pub type Watch<'a> = &'a (dyn Fn(MipProgress) + Sync);

/// HiGHS's callback: hands the MIP's bounds to the `Watch` behind `user`.
unsafe extern "C" fn on_mip(
    kind: std::os::raw::c_int,
    _message: *const std::os::raw::c_char,
    out: *const highs_sys::HighsCallbackDataOut,
    _input: *mut highs_sys::HighsCallbackDataIn,
    user: *mut std::os::raw::c_void,
) {
    if out.is_null() || user.is_null() || kind != highs_sys::kHighsCallbackMipInterrupt {
        return;
    }
    // SAFETY: `user` is the `&Watch` that `run_watched` registered and keeps
    // alive until the solve returns; `out` is HiGHS's data for this call.
    let (watch, out) = unsafe { (&*(user as *const Watch), &*out) };
    watch(MipProgress {
        incumbent: out.mip_primal_bound,
        bound: out.mip_dual_bound,
    });
}

/// A model handed to HiGHS with the settings `cfg`, not yet solved: the
/// HiGHS model, the objective's constant (HiGHS is not given it) and the
/// objective's terms by column.
pub struct Handed {
    pub highs: highs::Model,
    pub constant: f64,
    pub terms: Vec<(usize, f64)>,
    pub n_vars: usize,
    pub n_cons: usize,
}

/// Hands `model` to HiGHS with the settings `cfg`.
pub fn hand_to_highs(model: Model, cfg: &SolverConfig) -> Result<Handed> {
    // The time limit counts from here: handing a large model to HiGHS
    // takes seconds on a busy machine, and the caller's deadline does not
    // wait for it.
    let entered = std::time::Instant::now();
    let Model {
        vars,
        order,
        constraints,
        objective,
        ..
    } = model;
    let n_vars = order.len();
    let n_cons = constraints.len();
    let column: HashMap<Variable, usize> = order.iter().enumerate().map(|(i, v)| (*v, i)).collect();
    let constant = objective.constant();
    let terms: Vec<(usize, f64)> = objective
        .clone()
        .linear_coefficients()
        .map(|(v, c)| (column[&v], c))
        .collect();
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
        m.try_set_option(
            "time_limit",
            (cfg.time_limit_seconds - entered.elapsed().as_secs_f64())
                .max(cfg.time_limit_seconds.min(0.1)),
        ),
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
    Ok(Handed {
        highs: m,
        constant,
        terms,
        n_vars,
        n_cons,
    })
}

/// [`run`], telling `watch` of the MIP's progress as HiGHS solves it.
pub fn run_watched(
    model: Model,
    cfg: &SolverConfig,
    start: Option<&[f64]>,
    watch: Option<Watch>,
) -> Result<RawSolution> {
    // The objective is priced from the solution's own values: with fixed
    // columns and a start, HiGHS 1.16 has reported an objective that was not
    // the solution's (50 below it on a three-agent instance).
    let Handed {
        highs: mut m,
        constant,
        terms,
        n_vars,
        n_cons,
    } = hand_to_highs(model, cfg)?;
    if let Some(start) = start {
        // A rejected start is not fatal: HiGHS then searches from scratch.
        let _ = m.try_set_solution(Some(start), None, None, None);
    }
    let watch_slot: Option<Watch> = watch;
    if let Some(w) = &watch_slot {
        // SAFETY: the pointer is to `watch_slot`, which lives until after
        // `try_solve` returns; HiGHS calls back only during the solve.
        unsafe {
            let highs = m.as_mut_ptr();
            highs_sys::Highs_setCallback(
                highs,
                Some(on_mip),
                w as *const Watch as *mut std::os::raw::c_void,
            );
            highs_sys::Highs_startCallback(highs, highs_sys::kHighsCallbackMipInterrupt);
        }
    }
    let t0 = Instant::now();
    let solved = m
        .try_solve()
        .map_err(|e| Error::Solver(format!("HiGHS failed: {e:?}")))?;
    let seconds = t0.elapsed().as_secs_f64();
    let status = solved.status();
    // Read as a number: the bindings panic on the -1 HiGHS reports for an
    // empty model (a roster with no shift has nothing to route).
    let feasible = solved.int_info_value(c"primal_solution_status").ok()
        == Some(highs::HighsSolutionStatus::Feasible as i64);
    let (values, row_duals) = if feasible {
        let solution = solved.get_solution();
        let duals = if status == HighsModelStatus::Optimal
            && solved.int_info_value(c"dual_solution_status").ok()
                == Some(highs::HighsSolutionStatus::Feasible as i64)
        {
            solution.dual_rows().to_vec()
        } else {
            Vec::new()
        };
        (solution.columns().to_vec(), duals)
    } else {
        (Vec::new(), Vec::new())
    };
    let reported = solved.objective_value();
    let mut best_bound = solved
        .double_info_value(c"mip_dual_bound")
        .unwrap_or(f64::NAN);
    let mut gap = solved.mip_gap();
    let objective = if values.is_empty() {
        reported
    } else {
        let priced = constant + terms.iter().map(|&(i, c)| c * values[i]).sum::<f64>();
        let shift = priced - reported;
        if shift.abs() > 1e-6 * priced.abs().max(1.0) {
            // The bound is off by the same offset as the objective HiGHS
            // reported; the gap follows from the corrected pair.
            best_bound += shift;
            gap = if priced.abs() < 1e-9 {
                0.0
            } else {
                ((priced - best_bound) / priced.abs()).max(0.0)
            };
        }
        priced
    };
    Ok(RawSolution {
        values,
        row_duals,
        status,
        objective,
        best_bound,
        gap,
        seconds,
        n_vars,
        n_cons,
    })
}
