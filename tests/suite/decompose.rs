//! The decomposition (tours, then agents) against the agent model's proven
//! optimum on the small centre: its bound never above that optimum, its
//! roster never below it and valid, its gap as reported, and `optimal` only
//! when the bound is reached.

use std::path::Path;

use rota::plan::Inputs;
use rota::roster::validate::validate;
use rota::scenario::SolveMethod;
use rota::solve::{SolveStatus, Solved};
use rota::staffing::QueueRequirements;

/// The scenario's requirements, and its roster from the agent model
/// proven optimal (the yardstick the decomposition is held to).
fn proven_optimum(inputs: &mut Inputs) -> (Vec<QueueRequirements>, Solved) {
    let forecast = inputs.forecast().unwrap();
    let reqs = inputs.requirements(&forecast);
    inputs.solver.method = SolveMethod::Agents;
    let exact = inputs.solve(&reqs).unwrap();
    assert_eq!(exact.info.status, SolveStatus::Optimal);
    (reqs, exact)
}

#[test]
fn decomposition_brackets_the_proven_optimum() {
    let mut inputs = Inputs::load(Path::new("tests/data/small/scenario.yaml"), None).unwrap();
    let (reqs, exact) = proven_optimum(&mut inputs);
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

/// The small centre's scenario, its history and solver named by absolute
/// paths so that it can be written anywhere.
fn small_yaml() -> String {
    let data = std::fs::canonicalize("tests/data").unwrap();
    std::fs::read_to_string(data.join("small/scenario.yaml"))
        .unwrap()
        .replace(
            "file: history.csv",
            &format!("file: {}", data.join("small/history.csv").display()),
        )
        .replace(
            "solver: ../solver-test.yaml",
            &format!("solver: {}", data.join("solver-test.yaml").display()),
        )
}

/// The small centre with fair Tuesdays and late shifts and two wishes, as
/// a scenario file beside its data.
fn small_with_soft_terms(dir: &Path, soft: bool) -> std::path::PathBuf {
    let mut yaml = small_yaml();
    if soft {
        yaml = yaml
            .replace(
                "  max_working_days: 3\n",
                "  max_working_days: 3\n  fairness: { late_after: \"19:00\", weekend: [tue] }\n",
            )
            .replace(
                "{ id: T01, name: Wang Fang, skills: [hotline], min_hours: 8, max_hours: 24 }",
                "{ id: T01, name: Wang Fang, skills: [hotline], min_hours: 8, max_hours: 24, \
                 prefers: [{ days: [2026-11-03], off: true, weight: 7 }] }",
            )
            .replace(
                "{ id: T04, name: Liu Yang, skills: [chat], min_hours: 8, max_hours: 24 }",
                "{ id: T04, name: Liu Yang, skills: [chat], min_hours: 8, max_hours: 24, \
                 prefers: [{ start_after: \"10:00\", weight: 3 }] }",
            );
        assert!(yaml.contains("fairness") && yaml.matches("prefers").count() == 2);
    }
    let path = dir.join(if soft { "soft.yaml" } else { "plain.yaml" });
    std::fs::write(&path, yaml).unwrap();
    path
}

/// Fairness is a term of the agent with the most unpopular work, which the
/// tours of classes cannot price exactly; the tours count each class's
/// mean share, which the most is at least. So the tours' relaxation bound
/// rises with it, and the decomposition's bound (wishes too in the
/// scenario) still never passes the agent model's proven optimum.
#[test]
fn soft_terms_raise_the_tours_bound_and_it_still_holds() {
    let dir = tempfile::tempdir().unwrap();
    let relaxation = |inputs: &mut Inputs, reqs| {
        inputs.solver.method = SolveMethod::Decomposition;
        let d = inputs.solve(reqs).unwrap();
        let phase = d.info.phases.iter().find(|p| p.name == "tours relaxation");
        (d.info.clone(), phase.and_then(|p| p.best_bound).unwrap())
    };
    let mut plain = Inputs::load(&small_with_soft_terms(dir.path(), false), None).unwrap();
    let forecast = plain.forecast().unwrap();
    let reqs = plain.requirements(&forecast);
    let (_, plain_bound) = relaxation(&mut plain, &reqs);

    let mut soft = Inputs::load(&small_with_soft_terms(dir.path(), true), None).unwrap();
    soft.solver.method = SolveMethod::Agents;
    let exact = soft.solve(&reqs).unwrap();
    assert_eq!(exact.info.status, SolveStatus::Optimal);
    let optimum = exact.info.objective;
    let (d, soft_bound) = relaxation(&mut soft, &reqs);
    assert!(
        soft_bound > plain_bound + 1.0,
        "the relaxation {soft_bound} counts no soft term above {plain_bound}"
    );
    assert!(
        soft_bound <= optimum + 1e-6 && d.best_bound <= optimum + 1e-6,
        "bounds {soft_bound} / {} above the optimum {optimum}",
        d.best_bound
    );
    assert!(d.objective >= optimum - 1e-6);
}

/// The small centre over a whole week with two days off in a row: each
/// member's week in the tours is one of the day patterns with the block,
/// so the relaxation stays a true bound (never above the agent model's
/// proven optimum), and the integer tours come apart into agents' weeks:
/// the hand-out meets every counted shift, and the decomposition reaches
/// the optimum.
#[test]
fn a_block_of_days_off_keeps_the_bound_true_and_the_tours_hand_out() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = small_yaml()
        .replace("days: 3,", "days: 7,")
        .replace(
            "  max_working_days: 3\n",
            "  max_working_days: 5\n  consecutive_days_off: 2\n",
        )
        .replace(
            "min_hours: 8, max_hours: 24",
            "min_hours: 24, max_hours: 40",
        );
    assert!(yaml.contains("days: 7,") && yaml.contains("consecutive_days_off: 2"));
    assert_eq!(yaml.matches("min_hours: 24, max_hours: 40").count(), 8);
    let path = dir.path().join("week.yaml");
    std::fs::write(&path, &yaml).unwrap();
    let mut inputs = Inputs::load(&path, None).unwrap();
    let (reqs, exact) = proven_optimum(&mut inputs);
    let optimum = exact.info.objective;
    assert!(validate(inputs.scenario(), &exact.roster).is_empty());

    inputs.solver.method = SolveMethod::Decomposition;
    let d = inputs.solve(&reqs).unwrap();
    let phase = |name: &str| d.info.phases.iter().find(|p| p.name == name);
    let bound = phase("tours relaxation")
        .and_then(|p| p.best_bound)
        .unwrap();
    assert!(
        bound <= optimum + 1e-6 && d.info.best_bound <= optimum + 1e-6,
        "bounds {bound} / {} above the optimum {optimum}",
        d.info.best_bound
    );
    assert_eq!(
        phase("agents").map(|p| p.status.as_str()),
        Some("exact"),
        "{:?}",
        d.info.phases
    );
    assert!(
        (d.info.objective - optimum).abs() <= 1e-6 * optimum.abs(),
        "decomposition {} against the optimum {optimum}",
        d.info.objective
    );
    assert!(validate(inputs.scenario(), &d.roster).is_empty());
}
