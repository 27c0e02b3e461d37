//! The end-to-end plan, as stages the binary can report progress on:
//! load → forecast → staff → solve → check and evaluate.

use std::path::Path;

use crate::error::Result;
use crate::export::PlanOutput;
use crate::forecast::{self, Forecast};
use crate::history::History;
use crate::horizon::Horizon;
use crate::report::{self, Evaluation};
use crate::roster::validate::{validate, Violation};
use crate::scenario::{LoadedScenario, Scenario, SolverConfig};
use crate::solve::{self, Solved};
use crate::staffing::{self, QueueRequirements};

/// A scenario with its history and horizon, ready to plan.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub loaded: LoadedScenario,
    pub history: History,
    pub horizon: Horizon,
    pub solver: SolverConfig,
    pub solver_path: std::path::PathBuf,
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
        let solver_path = match solver_override {
            Some(s) if s.contains('/') || s.ends_with(".yaml") => std::path::PathBuf::from(s),
            Some(name) => SolverConfig::resolve(path, name)?,
            None => SolverConfig::resolve(path, &sc.solver)?,
        };
        let solver = SolverConfig::load(&solver_path)?;
        Ok(Inputs {
            loaded,
            history,
            horizon,
            solver,
            solver_path,
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

    /// Independent check and evaluation of a roster.
    pub fn check(
        &self,
        reqs: &[QueueRequirements],
        roster: &crate::roster::Roster,
    ) -> (Vec<Violation>, Evaluation) {
        (
            validate(self.scenario(), roster),
            report::evaluate(self.scenario(), &self.horizon, reqs, roster),
        )
    }
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
            solver_path: self.solver_path.clone(),
        }
    }

    /// Runs every stage.
    pub fn run(&self) -> Result<Outcome> {
        let forecast = self.forecast()?;
        let requirements = self.requirements(&forecast);
        let solved = self.solve(&requirements)?;
        let (violations, evaluation) = self.check(&requirements, &solved.roster);
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
