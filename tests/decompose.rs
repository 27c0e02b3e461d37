//! The decomposition (tours, then agents) against the agent model's proven
//! optimum on the small centre: its bound never above that optimum, its
//! roster never below it and valid, its gap as reported, and `optimal` only
//! when the bound is reached.

use std::path::Path;

use rota::plan::Inputs;
use rota::roster::validate::validate;
use rota::scenario::SolveMethod;
use rota::solve::SolveStatus;

#[test]
fn decomposition_brackets_the_proven_optimum() {
    let mut inputs = Inputs::load(Path::new("tests/data/small/scenario.yaml"), None).unwrap();
    let forecast = inputs.forecast().unwrap();
    let reqs = inputs.requirements(&forecast);

    inputs.solver.method = SolveMethod::Agents;
    let exact = inputs.solve(&reqs).unwrap();
    assert_eq!(exact.info.status, SolveStatus::Optimal);
    let optimum = exact.info.objective;

    // Asked for no gap, the decomposition runs every step: a tighter bound
    // from the integer tours, then the improvement.
    inputs.solver.method = SolveMethod::Decomposition;
    let gap_asked = inputs.solver.mip_rel_gap;
    inputs.solver.mip_rel_gap = 0.0;
    let d = inputs.solve(&reqs).unwrap();
    inputs.solver.mip_rel_gap = gap_asked;
    assert_eq!(d.info.method, SolveMethod::Decomposition);
    let names: Vec<&str> = d.info.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.first(), Some(&"tours relaxation"));
    assert!(names.contains(&"final"), "{names:?}");
    // Short of the bound after the final model, the roster is improved
    // with the time left; a neighbourhood of every agent (8 here) is the
    // whole agent model, which reaches the optimum.
    let fin = d.info.phases.iter().find(|p| p.name == "final").unwrap();
    if fin.objective.unwrap() > d.info.best_bound + 1e-9 {
        assert_eq!(names.last(), Some(&"improve"), "{names:?}");
    }
    assert!(
        (d.info.objective - optimum).abs() <= 1e-4 * optimum.abs(),
        "improved objective {} against the optimum {optimum}",
        d.info.objective
    );
    assert!(
        d.info.best_bound <= optimum + 1e-6,
        "bound {} above the optimum {optimum}",
        d.info.best_bound
    );
    assert!(
        d.info.objective >= optimum - 1e-6,
        "objective {} below the optimum {optimum}",
        d.info.objective
    );
    let gap = (d.info.objective - d.info.best_bound) / d.info.objective.abs();
    assert!((d.info.mip_gap - gap).abs() < 1e-9);
    assert_eq!(d.info.status == SolveStatus::Optimal, gap <= 1e-9);
    assert!(validate(inputs.scenario(), &d.roster).is_empty());

    // `auto` decomposes from the configured number of agents on.
    inputs.solver.method = SolveMethod::Auto;
    inputs.solver.decompose_from_agents = inputs.scenario().agents.len();
    assert_eq!(
        inputs.solve(&reqs).unwrap().info.method,
        SolveMethod::Decomposition
    );
    inputs.solver.decompose_from_agents = inputs.scenario().agents.len() + 1;
    assert_eq!(
        inputs.solve(&reqs).unwrap().info.method,
        SolveMethod::Agents
    );
}
