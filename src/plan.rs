//! The end-to-end plan, as stages the binary can report progress on:
//! load → forecast → staff → solve → check and evaluate.

use std::path::Path;

use crate::error::{Error, Result};
use crate::export::PlanOutput;
use crate::forecast::{self, Forecast};
use crate::history::History;
use crate::horizon::Horizon;
use crate::report::{self, Cost, Evaluation};
use crate::roster::validate::{validate, Violation};
use crate::scenario::{LoadedScenario, Scenario, SolverConfig, SolverSource};
use crate::solve::{self, SolveInfo, SolveStatus, Solved};
use crate::staffing::{self, QueueRequirements};

/// A scenario with its history and horizon, ready to plan.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub loaded: LoadedScenario,
    pub history: History,
    pub horizon: Horizon,
    pub solver: SolverConfig,
    /// Where `solver` came from: a file, or built-in named settings.
    pub solver_source: SolverSource,
}

impl Inputs {
    /// Reads the scenario, its history and its solver settings
    /// (`solver_override` replaces the scenario's `solver` entry).
    pub fn load(path: &Path, solver_override: Option<&str>) -> Result<Inputs> {
        Self::from_loaded(crate::whatif::load_scenario(path)?, solver_override)
    }

    /// Reads the history and solver settings of a scenario already loaded.
    pub fn from_loaded(loaded: LoadedScenario, solver_override: Option<&str>) -> Result<Inputs> {
        let path = loaded.path.clone();
        let path = path.as_path();
        let sc = &loaded.scenario;
        let history = History::for_scenario(&loaded)?;
        let horizon = Horizon::new(sc);
        let solver_source = match solver_override {
            Some(s) if s.contains('/') || s.ends_with(".yaml") => {
                SolverSource::File(std::path::PathBuf::from(s))
            }
            Some(name) => SolverConfig::locate(path, name)?,
            None => SolverConfig::locate(path, &sc.solver)?,
        };
        let solver = solver_source.load().map_err(|e| match solver_override {
            // `--solver PATH` is no field of the scenario.
            Some(_) => e,
            None => loaded.origins.solver.file_error("solver", e),
        })?;
        Ok(Inputs {
            loaded,
            history,
            horizon,
            solver,
            solver_source,
        })
    }

    /// Every file these inputs were read from: the scenario files (a
    /// variant and what it extends), the history, the solver settings and
    /// `forecast.file` and `requirements.file`.
    pub fn files(&self) -> Vec<std::path::PathBuf> {
        let mut v = self.loaded.origins.sources.clone();
        v.push(self.loaded.history_path.clone());
        if let SolverSource::File(p) = &self.solver_source {
            v.push(p.clone());
        }
        v.extend(forecast::external::input_files(&self.loaded));
        v
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.loaded.scenario
    }

    /// Forecast stage, with the scenario's what-if adjustments applied.
    pub fn forecast(&self) -> Result<Forecast> {
        let mut f = forecast::forecast(&self.loaded, &self.history, &self.horizon)?;
        let sc = self.scenario();
        for qf in &mut f.queues {
            for (t, iv) in self.horizon.intervals.iter().enumerate() {
                for a in sc
                    .adjustments
                    .iter()
                    .filter(|a| a.applies(iv.date, &qf.queue))
                {
                    qf.volume[t] *= a.volume_multiplier;
                    qf.volume_p10[t] *= a.volume_multiplier;
                    qf.volume_p90[t] *= a.volume_multiplier;
                    qf.aht_seconds[t] *= a.aht_multiplier;
                }
            }
        }
        self.check_loads(&f)?;
        Ok(f)
    }

    /// Refuses a forecast whose offered load in some interval is past
    /// [`MAX_LOAD_ERLANGS`](crate::limits::MAX_LOAD_ERLANGS): no roster of
    /// a scenario's agents could serve it, and Erlang's recursions would
    /// run for minutes per interval.
    fn check_loads(&self, f: &Forecast) -> Result<()> {
        let seconds = f64::from(self.horizon.interval_minutes) * 60.0;
        let max = crate::limits::MAX_LOAD_ERLANGS;
        for qf in &f.queues {
            let worst = (0..qf.volume.len())
                .map(|t| (t, qf.volume[t] * qf.aht_seconds[t] / seconds))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((t, load)) = worst.filter(|(_, l)| l.is_nan() || *l > max) {
                let when = self
                    .horizon
                    .intervals
                    .get(t)
                    .map(|iv| iv.start.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default();
                return Err(crate::Error::input(
                    &self.loaded.path,
                    None,
                    Some(&format!("queues[{}]", qf.queue)),
                    format!(
                        "queue `{}` is offered {load:.0} Erlangs at {when} ({:.0} contacts of {:.0} s): rota staffs at most {max} Erlangs a queue and interval (see docs/limits.md); check the history, events and adjustments",
                        qf.queue, qf.volume[t], qf.aht_seconds[t]
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Staffing stage.
    pub fn requirements(&self, f: &Forecast) -> Vec<QueueRequirements> {
        staffing::requirements(self.scenario(), &self.horizon, f)
    }

    /// Optimization stage.
    pub fn solve(&self, reqs: &[QueueRequirements]) -> Result<Solved> {
        self.solve_with(reqs, &solve::Progress::none())
    }

    /// Optimization stage, telling `progress` how it goes.
    pub fn solve_with(
        &self,
        reqs: &[QueueRequirements],
        progress: &solve::Progress,
    ) -> Result<Solved> {
        let solved =
            solve::solve_with(self.scenario(), &self.horizon, reqs, &self.solver, progress)?;
        // Never report a roster priced at NaN or infinity as a solve.
        if !solved.info.objective.is_finite() {
            return Err(crate::Error::Solver(format!(
                "the objective is {} (a weight or cost too large to add up?): no roster reported",
                solved.info.objective
            )));
        }
        Ok(solved)
    }

    /// Independent check and evaluation of the optimizer's roster, and its
    /// claim held to the cost recomputed from the roster ([`reconcile`]).
    pub fn check(
        &self,
        reqs: &[QueueRequirements],
        solved: &mut Solved,
    ) -> Result<(Vec<Violation>, Evaluation)> {
        let sc = self.scenario();
        let evaluation = report::evaluate_within(
            sc,
            &self.horizon,
            reqs,
            &solved.roster,
            &limits_after(solved),
        )?;
        let cost = report::cost(sc, &solved.roster, &evaluation);
        reconcile(&mut solved.info, &cost)?;
        Ok((validate(sc, &solved.roster), evaluation))
    }
}

/// What the report's split across queues of a solved roster may take:
/// the run's time left ([`solve::pricing_seconds`]), started from the
/// optimizer's own steps, so that the report keeps to the plan's time and
/// never prices the roster above the claim.
pub fn limits_after(solved: &Solved) -> report::Limits<'_> {
    report::Limits {
        seconds: solve::pricing_seconds(solved.info.time_limit_seconds, solved.info.solve_seconds),
        start: solved.reached.as_ref(),
    }
}

/// Relative tolerance between the optimizer's objective and the cost
/// recomputed from its roster.
pub const CLAIM_TOLERANCE: f64 = 1e-6;

/// Holds the optimizer's objective to the cost recomputed from its roster
/// alone (`report::cost`): paid hours, soft terms, and the coverage terms
/// at the least-cost split of multi-skilled time.
///
/// A roster that costs more than the optimizer claimed is a bug: the model
/// counted coverage, breaks or pay differently from the roster it wrote.
/// That is an internal error, never a rounding note. A roster that costs
/// less (a time-limited incumbent whose split of multi-skilled time HiGHS
/// had not yet improved) is reported at its true cost, and the gap to the
/// best bound is recomputed from it.
pub fn reconcile(info: &mut SolveInfo, cost: &Cost) -> Result<()> {
    let tol = CLAIM_TOLERANCE * info.objective.abs().max(1.0);
    if cost.total > info.objective + tol {
        return Err(Error::Internal(format!(
            "the optimizer claimed an objective of {:.6} but its roster costs {:.6} when recomputed from the roster (paid {:.6}, soft {:.6}, coverage {:.6}); the model and the roster disagree, please report this with the scenario",
            info.objective, cost.total, cost.paid, cost.soft, cost.coverage
        )));
    }
    if cost.total < info.objective - tol {
        info.objective = cost.total;
        info.mip_gap = crate::solve::relative_gap(info.objective, info.best_bound);
        if info.mip_gap <= 1e-9 {
            info.status = SolveStatus::Optimal;
        }
        info.stop_reason = info.status.explain_with(
            info.time_limit_seconds,
            info.mip_rel_gap_target,
            info.mip_gap,
        );
    }
    Ok(())
}

/// Everything one plan produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub forecast: Forecast,
    pub requirements: Vec<QueueRequirements>,
    pub solved: Solved,
    pub violations: Vec<Violation>,
    pub evaluation: Evaluation,
}

impl Inputs {
    /// The same inputs with another scenario (same history and solver settings).
    pub fn with_scenario(&self, scenario: Scenario) -> Inputs {
        let horizon = Horizon::new(&scenario);
        Inputs {
            loaded: LoadedScenario {
                scenario,
                ..self.loaded.clone()
            },
            history: self.history.clone(),
            horizon,
            solver: self.solver.clone(),
            solver_source: self.solver_source.clone(),
        }
    }

    /// Runs every stage.
    pub fn run(&self) -> Result<Outcome> {
        self.run_scaled(None)
    }

    /// Runs every stage with each queue's forecast volume (and its band)
    /// times `scale[queue][interval]`, when given: a site planned alone
    /// with its share of the volume (`docs/sites.md`).
    pub fn run_scaled(&self, scale: Option<&[Vec<f64>]>) -> Result<Outcome> {
        let mut forecast = self.forecast()?;
        if let Some(scale) = scale {
            for (q, by) in forecast.queues.iter_mut().zip(scale) {
                for v in [&mut q.volume, &mut q.volume_p10, &mut q.volume_p90] {
                    for (x, f) in v.iter_mut().zip(by) {
                        *x *= f;
                    }
                }
            }
        }
        let requirements = self.requirements(&forecast);
        let mut solved = self.solve(&requirements)?;
        let (violations, evaluation) = self.check(&requirements, &mut solved)?;
        Ok(Outcome {
            forecast,
            requirements,
            solved,
            violations,
            evaluation,
        })
    }
}

impl Outcome {
    /// The outcome as the exporters see it.
    pub fn output<'a>(
        &'a self,
        inputs: &'a Inputs,
        generated_at: chrono::DateTime<chrono::Utc>,
    ) -> PlanOutput<'a> {
        PlanOutput {
            scenario: inputs.scenario(),
            horizon: &inputs.horizon,
            forecast: &self.forecast,
            requirements: &self.requirements,
            roster: &self.solved.roster,
            evaluation: &self.evaluation,
            solve: &self.solved.info,
            violations: &self.violations,
            odds: None,
            generated_at,
        }
    }
}
