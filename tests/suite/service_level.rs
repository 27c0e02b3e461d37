//! The service-level objective and `min_staff` floors on the small centre:
//! the rosters are judged by `report::evaluate`, which recomputes the true
//! service level from the roster alone.

use std::path::Path;

use assert_cmd::Command;
use rota::plan::{Inputs, Outcome};
use rota::scenario::{MinStaff, ObjectiveMode, Scenario};

const SMALL: &str = "tests/data/small/scenario.yaml";

fn load() -> Inputs {
    let mut i = Inputs::load(Path::new(SMALL), Some("tests/data/solver-sl-test.yaml")).unwrap();
    i.solver.time_limit_seconds = 5.0;
    i
}

fn run(inputs: &Inputs, sc: Scenario) -> (Inputs, Outcome) {
    let i = inputs.with_scenario(sc);
    let o = i.run().expect("plans");
    assert!(o.violations.is_empty(), "{:?}", o.violations);
    (i, o)
}

fn goal(sc: &mut Scenario, mode: ObjectiveMode) {
    sc.objective.mode = mode;
    sc.objective.target = Some(0.8);
    sc.objective.interval_minimum = Some(0.5);
}

#[test]
fn service_level_roster_meets_the_week_target_at_no_higher_cost() {
    let base = load();
    let mut req = base.scenario().clone();
    goal(&mut req, ObjectiveMode::Requirements);
    let mut sl = base.scenario().clone();
    goal(&mut sl, ObjectiveMode::ServiceLevel);
    let (_, by_req) = run(&base, req);
    let (_, by_sl) = run(&base, sl);
    let (r, s) = (&by_req.evaluation, &by_sl.evaluation);
    // The true (Erlang) service level over the three days, recomputed from
    // the roster: the model never counts more than Erlang gives. (The
    // interval minimum is soft: an interval of three calls may cost less in
    // penalty than a shift, so it is not asserted.)
    for q in &s.queues {
        assert!(
            q.service_level >= 0.8 - 1e-6,
            "{}: {}",
            q.queue,
            q.service_level
        );
    }
    assert!(
        s.paid_cost <= r.paid_cost + 1e-6,
        "service-level roster costs {} against {}",
        s.paid_cost,
        r.paid_cost
    );
}

#[test]
fn min_staff_floor_is_met_and_binds() {
    let base = load();
    let sc = base.scenario().clone();
    // Four agents on chat in the first evening hour of the first day: more
    // than the requirement roster puts there.
    let floor: MinStaff = serde_yaml::from_str(
        "{ queue: chat, agents: 4, from: '19:00', to: '20:00', date: 2026-11-02 }",
    )
    .unwrap();
    let at = |i: &Inputs, o: &Outcome| -> Vec<f64> {
        i.horizon
            .intervals
            .iter()
            .enumerate()
            .filter(|(_, iv)| floor.covers(iv.date, iv.minute_of_day))
            .map(|(t, _)| o.evaluation.intervals[1][t].staffed)
            .collect()
    };
    let (i0, without) = run(&base, sc.clone());
    let before = at(&i0, &without);
    assert_eq!(before.len(), 2);
    assert!(
        before.iter().any(|&s| s < 4.0 - 1e-6),
        "the floor must bind for this test to mean anything: {before:?}"
    );
    for mode in [ObjectiveMode::Requirements, ObjectiveMode::ServiceLevel] {
        let mut with = sc.clone();
        with.objective.mode = mode;
        with.min_staff.push(floor.clone());
        let (i1, o) = run(&base, with);
        let after = at(&i1, &o);
        assert!(
            after.iter().all(|&s| s >= 4.0 - 1e-6),
            "{mode:?}: {after:?}"
        );
        assert_eq!(o.evaluation.queues[1].min_staff_short_intervals, 0);
    }
}

#[test]
fn requirements_mode_is_unchanged_by_an_absent_objective() {
    // The default objective is requirements: the same roster as before.
    let base = load();
    let mut explicit = base.scenario().clone();
    explicit.objective.mode = ObjectiveMode::Requirements;
    let (_, a) = run(&base, base.scenario().clone());
    let (_, b) = run(&base, explicit);
    assert_eq!(a.solved.roster, b.solved.roster);
    assert_eq!(a.solved.info.objective, b.solved.info.objective);
}

#[test]
fn compare_shows_both_rosters_and_exit_codes_follow_the_goal() {
    let out = Command::cargo_bin("rota")
        .unwrap()
        .args([
            "compare",
            "tests/data/small/sl-requirements.yaml",
            "tests/data/small/sl-objective.yaml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Exit 1 exactly when a run misses its goal (here: an interval below the minimum).
    let missed = doc.as_array().unwrap().iter().any(|r| {
        !r["summary"]["targets_missed"]
            .as_array()
            .unwrap()
            .is_empty()
    });
    assert_eq!(out.status.code(), Some(if missed { 1 } else { 0 }));
    let modes: Vec<&str> = doc
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["summary"]["objective_mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["requirements", "service_level"]);
    for r in doc.as_array().unwrap() {
        for q in r["summary"]["queues"].as_array().unwrap() {
            assert_eq!(q["interval_minimum"], 0.5);
            assert!(q["intervals_below_minimum"].is_u64());
        }
    }
    // An unreachable interval minimum is reported (exit 1), not infeasible.
    let dir = tempfile::tempdir().unwrap();
    let variant = dir.path().join("impossible.yaml");
    std::fs::write(
        &variant,
        format!(
            "extend: {}\nset:\n  objective: {{ mode: service_level, interval_minimum: 0.9999 }}\n",
            std::fs::canonicalize("tests/data/small/scenario.yaml")
                .unwrap()
                .display()
        ),
    )
    .unwrap();
    Command::cargo_bin("rota")
        .unwrap()
        .args([
            "plan",
            "--quiet",
            "--solver",
            "tests/data/solver-sl-test.yaml",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .arg(&variant)
        .assert()
        .code(1);
}

#[test]
fn bad_objective_fields_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(SMALL).unwrap();
    for (set, field) in [
        ("objective: { mode: best }", "objective"),
        ("objective: { interval_minimum: 1.5 }", "got 1.5"),
        (
            "objective.queues: { nowhere: { target: 0.8 } }",
            "unknown queue `nowhere`",
        ),
        ("min_staff: [ { queue: nowhere, agents: 2 } ]", "nowhere"),
        (
            "min_staff: [ { queue: chat, agents: 2, from: '20:00', to: '08:00' } ]",
            "from 20:00 is not before to 08:00",
        ),
    ] {
        let p = dir.path().join("bad.yaml");
        std::fs::write(&p, format!("extend: {}\nset:\n  {set}\n", base.display())).unwrap();
        let out = Command::cargo_bin("rota")
            .unwrap()
            .args(["plan", "--quiet", "--out"])
            .arg(dir.path().join("out"))
            .arg(&p)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let err = String::from_utf8_lossy(&out);
        assert!(err.contains(field), "{set}: {err}");
    }
}
