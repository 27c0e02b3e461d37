//! The end-to-end plan, as stages the binary can report progress on:
//! load → forecast → staff → solve → check and evaluate.

use std::path::Path;

use crate::error::Result;
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
        let loaded = Scenario::load(path)?;
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

    /// Forecast stage.
    pub fn forecast(&self) -> Result<Forecast> {
        forecast::forecast(&self.loaded, &self.history, &self.horizon)
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
