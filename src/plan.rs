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
        let solver = solver_source.load()?;
        Ok(Inputs {
            loaded,
            history,
            horizon,
            solver,
            solver_source,
        })
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
        Ok(f)
    }

    /// Staffing stage.
    pub fn requirements(&self, f: &Forecast) -> Vec<QueueRequirements> {
        staffing::requirements(self.scenario(), &self.horizon, f)
    }

    /// Optimization stage.
    pub fn solve(&self, reqs: &[QueueRequirements]) -> Result<Solved> {
        solve::solve(self.scenario(), &self.horizon, reqs, &self.solver)
    }

    /// Independent check and evaluation of the optimizer's roster, and its
    /// claim held to the cost recomputed from the roster ([`reconcile`]).
    pub fn check(
        &self,
        reqs: &[QueueRequirements],
        solved: &mut Solved,
    ) -> Result<(Vec<Violation>, Evaluation)> {
        let sc = self.scenario();
        let evaluation = report::evaluate(sc, &self.horizon, reqs, &solved.roster)?;
        let cost = report::cost(sc, &solved.roster, &evaluation);
        reconcile(&mut solved.info, &cost)?;
        Ok((validate(sc, &solved.roster), evaluation))
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
        let forecast = self.forecast()?;
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
            generated_at,
        }
    }
}
