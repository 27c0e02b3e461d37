//! Method 1, the agent model: one integer program over every agent's shift
//! of every day (`model.rs`), solved by HiGHS from a starting roster. The
//! start is the greedy roster (`warm.rs`); with the service-level
//! objective, whose model is slow to leave a greedy roster, it is the
//! requirement roster, solved first (by the decomposition) with part of the
//! time limit.

use std::time::Instant;

use super::candidates::Day;
use super::improve::Run;
use super::model::build;
use super::warm::{initial_solution, plan_from_roster, solution_from_plan};
use super::{Outcome, Progress, SolvePhase};
use crate::error::Result;
use crate::horizon::Horizon;
use crate::scenario::{ObjectiveMode, Scenario, SolveMethod, SolverConfig};
use crate::staffing::QueueRequirements;

/// Share of the time limit the requirement roster may take when it is the
/// start of a service-level solve.
const REQUIREMENTS_SHARE: f64 = 0.5;

pub(super) fn method(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    progress: &Progress,
) -> Result<Outcome> {
    let t0 = Instant::now();
    let mut phases: Vec<SolvePhase> = Vec::new();
    // The service-level model is slow to leave a greedy roster, so it starts
    // from the requirement roster, solved first with part of the time.
    let by_requirements =
        if cfg.warm_start && scenario.objective.mode == ObjectiveMode::ServiceLevel {
            progress.step("the requirement roster as the start");
            let mut sc = scenario.clone();
            sc.objective.mode = ObjectiveMode::Requirements;
            let mut part = cfg.clone();
            part.time_limit_seconds = cfg.time_limit_seconds * REQUIREMENTS_SHARE;
            part.method = SolveMethod::Decomposition;
            let first = super::solve(&sc, horizon, reqs, &part)?;
            phases.extend(first.info.phases.into_iter().map(|mut p| {
                p.name = format!("requirements start: {}", p.name);
                p
            }));
            plan_from_roster(scenario, days, &first.roster)
        } else {
            None
        };
    let built = build(scenario, horizon, reqs, days, false, None);
    let pos = built.model.positions();
    let start = match &by_requirements {
        Some(plan) => Some(solution_from_plan(
            scenario, horizon, reqs, days, &built, &pos, plan,
        )),
        None if cfg.warm_start => initial_solution(scenario, horizon, reqs, days, &built, &pos),
        None => None,
    };
    let staged = !phases.is_empty();
    let mut run_cfg = cfg.clone();
    if staged {
        run_cfg.time_limit_seconds = (cfg.time_limit_seconds - t0.elapsed().as_secs_f64()).max(1.0);
    }
    progress.step("the agent model");
    let run = Run::solve(built, &run_cfg, start.as_deref(), Some(&progress.mip(true)))?;
    phases.push(super::phase("agents", &run.raw, run.raw.seconds));
    Ok(Outcome {
        run,
        bound: None,
        hit_time_limit: false,
        phases,
        method: SolveMethod::Agents,
        staged,
    })
}
