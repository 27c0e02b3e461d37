//! The master problem of column generation: each kind of agent works a mix
//! of the plans generated so far, and the shifts those plans hold are
//! covered, with their breaks, by the agent model's own constraints.
//!
//! Variables: `λ[j]`, the agents of column `j`'s kind that work its plan
//! (continuous in the linear master, integer in the integer master), and
//! per skill group, day and shift candidate `N[g][d][k]`, the group's agents
//! working that shift. Rows, in this order: the links `N[g][d][k] −
//! Σ_j plan_j(d) = k · λ[j] = 0` over the columns of the group's kinds; the
//! convexity rows `Σ_j λ[j] = |kind|`; then the breaks and coverage of
//! `model::add_assigned_breaks_and_coverage` over `N` (the group's breaks
//! assigned to its shifts by start time, each group's split across its
//! queues, under- and overstaffing or the service level, deferred work,
//! `min_staff`). So a column's coverage is exactly what its shifts give in
//! the agent model, breaks included, and an integer solution is a roster
//! of the agent model with the same objective (less the fairness terms,
//! which need the whole roster).
//!
//! The linear master lives in one HiGHS instance for the whole generation:
//! new columns are added to it (`Highs_addCol`) and it is re-solved from
//! its last basis. The dual of a link row is (minus) what one more shift of
//! that candidate is worth; the dual of a convexity row is what one more
//! agent of the kind costs at most.

use good_lp::{variable, Expression, Variable};
use highs::HighsModelStatus;

use super::pricing::Schedule;
use crate::error::{Error, Result};
use crate::horizon::Horizon;
use crate::lp::{hand_to_highs, Model};
use crate::scenario::{Scenario, SolverConfig};
use crate::solve::candidates::Day;
use crate::solve::model::{
    add_assigned_breaks_and_coverage, empty_members, new_model, AssignedBreaks,
};
use crate::staffing::QueueRequirements;

/// A generated plan of one kind of agent.
#[derive(Debug, Clone)]
pub(super) struct Column {
    pub(super) kind: usize,
    pub(super) plan: Schedule,
    /// The plan's cost in the objective (pay and per-shift soft terms).
    pub(super) cost: f64,
}

/// What the master needs to know of a kind of agent.
pub(super) struct KindInfo {
    pub(super) group: usize,
    pub(super) size: usize,
}

/// The skill groups of the scenario: their queues and proficiencies.
pub(super) struct Groups<'a> {
    pub(super) queues: &'a [Vec<String>],
    pub(super) proficiency: &'a [Vec<f64>],
}

/// A master model and where its parts are.
pub(super) struct Built {
    pub(super) model: Model,
    /// `λ` per column of the pool.
    pub(super) lambda: Vec<Variable>,
    /// Row of the link of each group, day and shift candidate.
    pub(super) link: Vec<Vec<Vec<Option<usize>>>>,
    /// Row of the convexity constraint of each kind.
    pub(super) conv: Vec<usize>,
    /// The breaks by assignment (`model::AssignedBreaks`).
    pub(super) breaks: AssignedBreaks,
}

/// Builds the master over the columns of `pool`, with each `λ` between the
/// bounds `within` gives (else between none and the kind's size): `λ`
/// integer or not (`integer`); the break counts and the service-level steps
/// are continuous either way (the final model makes them whole).
#[allow(clippy::too_many_arguments)]
pub(super) fn build_master(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    groups: &Groups,
    kinds: &[KindInfo],
    may_work: &dyn Fn(usize, usize, usize) -> bool,
    pool: &[Column],
    within: Option<&[(usize, usize)]>,
    integer: bool,
) -> Built {
    let mut model = new_model();
    model.relaxed = true;
    let n_groups = groups.queues.len();
    let mut members = empty_members(n_groups, days);
    // `N[g][d][k]` where some kind of the group may work the shift.
    let mut n_var: Vec<Vec<Vec<Option<Variable>>>> = (0..n_groups)
        .map(|_| days.iter().map(|d| vec![None; d.shifts.len()]).collect())
        .collect();
    for (c, kind) in kinds.iter().enumerate() {
        for (d, day) in days.iter().enumerate() {
            for k in 0..day.shifts.len() {
                if n_var[kind.group][d][k].is_none() && may_work(c, d, k) {
                    let v = model.add(variable().min(0.0), false);
                    n_var[kind.group][d][k] = Some(v);
                    members[kind.group][d][k] = Expression::from(v);
                }
            }
        }
    }
    model.relaxed = !integer;
    let lambda: Vec<Variable> = pool
        .iter()
        .enumerate()
        .map(|(j, col)| {
            let (lo, hi) = within.map_or((0, kinds[col.kind].size), |b| b[j]);
            let v = model.add(variable().integer().min(lo as f64).max(hi as f64), true);
            model.objective.add_mul(col.cost, v);
            v
        })
        .collect();
    model.relaxed = true;
    let mut link_expr: Vec<Vec<Vec<Expression>>> = n_var
        .iter()
        .map(|g| {
            g.iter()
                .map(|d| {
                    d.iter()
                        .map(|v| v.map_or_else(Expression::default, Expression::from))
                        .collect()
                })
                .collect()
        })
        .collect();
    let mut conv_expr: Vec<Expression> = vec![Expression::default(); kinds.len()];
    for (col, &v) in pool.iter().zip(&lambda) {
        let g = kinds[col.kind].group;
        for (d, k) in col.plan.iter().enumerate() {
            if let Some(k) = *k {
                link_expr[g][d][k].add_mul(-1.0, v);
            }
        }
        conv_expr[col.kind].add_mul(1.0, v);
    }
    let mut link: Vec<Vec<Vec<Option<usize>>>> = (0..n_groups)
        .map(|_| days.iter().map(|d| vec![None; d.shifts.len()]).collect())
        .collect();
    for g in 0..n_groups {
        for d in 0..days.len() {
            for k in 0..days[d].shifts.len() {
                if n_var[g][d][k].is_some() {
                    link[g][d][k] = Some(model.constraints.len());
                    let e = std::mem::take(&mut link_expr[g][d][k]);
                    model.constraints.push(e.eq(0.0));
                }
            }
        }
    }
    let conv: Vec<usize> = conv_expr
        .into_iter()
        .zip(kinds)
        .map(|(e, kind)| {
            model.constraints.push(e.eq(kind.size as f64));
            model.constraints.len() - 1
        })
        .collect();
    let (_, breaks) = add_assigned_breaks_and_coverage(
        &mut model,
        scenario,
        horizon,
        reqs,
        days,
        (groups.queues, groups.proficiency),
        members,
    );
    Built {
        model,
        lambda,
        link,
        conv,
        breaks,
    }
}

/// An optimal solution of the linear master.
#[derive(Clone)]
pub(super) struct LpSolution {
    pub(super) objective: f64,
    /// `λ` of each column of the pool.
    pub(super) lambda: Vec<f64>,
    row_dual: Vec<f64>,
    /// HiGHS's reduced cost of each column of the pool.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) reduced: Vec<f64>,
}

/// The linear master, kept in HiGHS while columns are added.
pub(super) struct LinearMaster {
    highs: highs::Model,
    constant: f64,
    link: Vec<Vec<Vec<Option<usize>>>>,
    conv: Vec<usize>,
    /// HiGHS column of each column of the pool.
    cols: Vec<usize>,
    group_of_kind: Vec<usize>,
    /// Whether the master has been solved once (and is re-solved from its basis).
    warm: bool,
    pub(super) variables: usize,
    pub(super) constraints: usize,
}

impl LinearMaster {
    /// The linear master of `built` (built with `λ` continuous), for HiGHS with `cfg`.
    pub(super) fn new(built: Built, kinds: &[KindInfo], cfg: &SolverConfig) -> Result<Self> {
        let pos = built.model.positions();
        let cols = built.lambda.iter().map(|v| pos[v]).collect();
        let mut handed = hand_to_highs(built.model, cfg)?;
        // The first solve by the interior point method and crossover (to a
        // basis the later solves start from): several times faster than
        // the simplex method on these models.
        for (k, v) in [("solver", "ipm"), ("run_crossover", "on")] {
            handed
                .highs
                .try_set_option(k, v)
                .map_err(|e| Error::Solver(format!("option {k} rejected: {e:?}")))?;
        }
        Ok(LinearMaster {
            highs: handed.highs,
            constant: handed.constant,
            link: built.link,
            conv: built.conv,
            cols,
            group_of_kind: kinds.iter().map(|k| k.group).collect(),
            warm: false,
            variables: handed.n_vars,
            constraints: handed.n_cons,
        })
    }

    /// Adds a column to the master.
    pub(super) fn add(&mut self, col: &Column) -> Result<()> {
        let g = self.group_of_kind[col.kind];
        let mut index: Vec<highs_sys::HighsInt> = Vec::new();
        let mut value: Vec<f64> = Vec::new();
        for (d, k) in col.plan.iter().enumerate() {
            if let Some(k) = *k {
                let row = self.link[g][d][k].expect("a kind's shifts have their link");
                index.push(row as highs_sys::HighsInt);
                value.push(-1.0);
            }
        }
        index.push(self.conv[col.kind] as highs_sys::HighsInt);
        value.push(1.0);
        let ptr = self.highs.as_mut_ptr();
        // SAFETY: `ptr` is the live HiGHS instance this master owns; the
        // index and value arrays hold `index.len()` entries each.
        let status = unsafe {
            let at = highs_sys::Highs_getNumCol(ptr);
            let s = highs_sys::Highs_addCol(
                ptr,
                col.cost,
                0.0,
                f64::INFINITY,
                index.len() as highs_sys::HighsInt,
                index.as_ptr(),
                value.as_ptr(),
            );
            self.cols.push(at as usize);
            s
        };
        if status == highs_sys::STATUS_ERROR {
            return Err(Error::Solver("HiGHS refused a column of the master".into()));
        }
        Ok(())
    }

    /// From now on re-solved by the primal simplex method: after columns
    /// are added the last basis stays primal feasible.
    pub(super) fn primal_simplex(&mut self) -> Result<()> {
        self.highs
            .try_set_option("simplex_strategy", 4)
            .map_err(|e| Error::Solver(format!("option simplex_strategy rejected: {e:?}")))
    }

    /// From now on re-solved by the dual simplex method: after bounds
    /// change the last basis stays dual feasible.
    pub(super) fn dual_simplex(&mut self) -> Result<()> {
        self.highs
            .try_set_option("simplex_strategy", 1)
            .map_err(|e| Error::Solver(format!("option simplex_strategy rejected: {e:?}")))
    }

    /// Sets the bounds of the `λ` of the pool's column `j`.
    pub(super) fn set_bounds(&mut self, j: usize, lower: f64, upper: f64) -> Result<()> {
        let ptr = self.highs.as_mut_ptr();
        // SAFETY: `ptr` is the live HiGHS instance this master owns, and
        // `cols[j]` one of its columns.
        let status = unsafe {
            highs_sys::Highs_changeColBounds(ptr, self.cols[j] as highs_sys::HighsInt, lower, upper)
        };
        if status == highs_sys::STATUS_ERROR {
            return Err(Error::Solver(
                "HiGHS refused the bounds of a column of the master".into(),
            ));
        }
        Ok(())
    }

    /// Solves the master from its last basis within `seconds`; `None`
    /// unless HiGHS proves it optimal.
    pub(super) fn solve(&mut self, seconds: f64) -> Result<Option<LpSolution>> {
        // HiGHS's time limit counts the instance's whole run time.
        // SAFETY: the live HiGHS instance this master owns.
        let ran = unsafe { highs_sys::Highs_getRunTime(self.highs.as_ptr()) };
        self.highs
            .try_set_option("time_limit", ran + seconds.max(0.1))
            .map_err(|e| Error::Solver(format!("option time_limit rejected: {e:?}")))?;
        let ptr = self.highs.as_mut_ptr();
        // SAFETY: `ptr` is the live HiGHS instance this master owns; the
        // solution arrays are sized to its columns and rows.
        let (status, objective, col_value, col_dual, row_dual) = unsafe {
            highs_sys::Highs_run(ptr);

            let status = highs_sys::Highs_getModelStatus(ptr);
            let nc = highs_sys::Highs_getNumCol(ptr) as usize;
            let nr = highs_sys::Highs_getNumRow(ptr) as usize;
            let mut col_value = vec![0.0; nc];
            let mut col_dual = vec![0.0; nc];
            let mut row_value = vec![0.0; nr];
            let mut row_dual = vec![0.0; nr];
            highs_sys::Highs_getSolution(
                ptr,
                col_value.as_mut_ptr(),
                col_dual.as_mut_ptr(),
                row_value.as_mut_ptr(),
                row_dual.as_mut_ptr(),
            );
            (
                status,
                highs_sys::Highs_getObjectiveValue(ptr),
                col_value,
                col_dual,
                row_dual,
            )
        };
        if status != highs_sys::MODEL_STATUS_OPTIMAL {
            return Ok(None);
        }
        if !self.warm {
            // From now on the master is re-solved from its basis: new
            // columns keep it primal feasible, so the primal simplex goes
            // on from there, without presolve.
            self.warm = true;
            let set = |m: &mut highs::Model, k: &str, v: i32| {
                m.try_set_option(k, v)
                    .map_err(|e| Error::Solver(format!("option {k} rejected: {e:?}")))
            };
            for (k, v) in [("presolve", "off"), ("solver", "simplex")] {
                self.highs
                    .try_set_option(k, v)
                    .map_err(|e| Error::Solver(format!("option {k} rejected: {e:?}")))?;
            }
            set(&mut self.highs, "simplex_strategy", 4)?;
        }
        Ok(Some(LpSolution {
            objective: objective + self.constant,
            lambda: self.cols.iter().map(|&c| col_value[c]).collect(),
            reduced: self.cols.iter().map(|&c| col_dual[c]).collect(),
            row_dual,
        }))
    }

    /// What one more shift `k` of day `d` worked by group `g` is worth in
    /// the solution (minus the dual of its link), as `[g][d][k]`.
    pub(super) fn values(&self, sol: &LpSolution) -> Vec<Vec<Vec<f64>>> {
        self.link
            .iter()
            .map(|g| {
                g.iter()
                    .map(|d| {
                        d.iter()
                            .map(|r| r.map_or(0.0, |r| -sol.row_dual[r]))
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }

    /// The dual of kind `c`'s convexity row.
    pub(super) fn kind_dual(&self, sol: &LpSolution, c: usize) -> f64 {
        sol.row_dual[self.conv[c]]
    }
}

/// Whether HiGHS's status says the model has no solution.
pub(super) fn infeasible(status: HighsModelStatus) -> bool {
    matches!(
        status,
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible
    )
}
