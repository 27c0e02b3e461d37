//! What-if: variants apply exactly their changes, errors point at the variant,
//! comparisons are deterministic, and a sharded sweep merges to the
//! single-machine run.

use std::path::Path;

use assert_cmd::Command;
use rota::whatif::load_scenario;
use serde_json::Value;

use crate::common;

const BASE: &str = "tests/data/small/scenario.yaml";

fn rota() -> Command {
    Command::cargo_bin("rota").unwrap()
}

#[test]
fn overrides_apply_exactly_where_they_say() {
    let base = load_scenario(Path::new(BASE)).unwrap();
    let target = load_scenario(Path::new("tests/data/whatif/target.yaml")).unwrap();
    let (b, t) = (&base.scenario, &target.scenario);
    assert_eq!(t.name, "Small test centre, hotline 90/15");
    assert_eq!(
        (
            t.queues[0].service_level.target,
            t.queues[0].service_level.seconds
        ),
        (0.90, 15.0)
    );
    assert_eq!(t.queues[0].service_level.max_asa_seconds, None);
    assert_eq!(
        (
            t.queues[1].service_level.target,
            t.queues[1].service_level.seconds
        ),
        (0.8, 30.0)
    );
    // Everything else is the base's.
    assert_eq!(format!("{:?}", t.agents), format!("{:?}", b.agents));
    assert_eq!(format!("{:?}", t.rules), format!("{:?}", b.rules));
    assert_eq!(format!("{:?}", t.queues[1]), format!("{:?}", b.queues[1]));
    assert_eq!(
        target.history_path.canonicalize().unwrap(),
        base.history_path.canonicalize().unwrap()
    );

    let hire = load_scenario(Path::new("tests/data/whatif/hire.yaml"))
        .unwrap()
        .scenario;
    let ids: Vec<&str> = hire.agents.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        ["T01", "T02", "T03", "T04", "T05", "T06", "T07", "T08", "T09", "T10"]
    );

    let peak = load_scenario(Path::new("tests/data/whatif/peak.yaml"))
        .unwrap()
        .scenario;
    assert!(peak.agents.iter().all(|a| a.id != "T08") && peak.agents.len() == 7);
    assert_eq!(peak.adjustments.len(), 1);
    assert_eq!(
        (
            peak.adjustments[0].volume_multiplier,
            peak.adjustments[0].aht_multiplier
        ),
        (2.5, 1.1)
    );
}

#[test]
fn adjustments_scale_the_forecast_on_their_dates_only() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    rota()
        .args(["plan", "--quiet", "--out"])
        .arg(&a)
        .arg(BASE)
        .assert()
        .code(0);
    // The peak misses its targets (exit 1) but is planned.
    let code = rota()
        .args(["plan", "--quiet", "--out"])
        .arg(&b)
        .arg("tests/data/whatif/peak.yaml")
        .output()
        .unwrap()
        .status
        .code();
    assert!(matches!(code, Some(0 | 1)), "{code:?}");
    let rows = |p: &Path| -> Vec<Vec<String>> {
        csv::Reader::from_path(p.join("forecast.csv"))
            .unwrap()
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    };
    let (ra, rb) = (rows(&a), rows(&b));
    assert_eq!(ra.len(), rb.len());
    let mut checked = 0;
    for (x, y) in ra.iter().zip(&rb) {
        let (va, vb): (f64, f64) = (x[4].parse().unwrap(), y[4].parse().unwrap());
        let (ha, hb): (f64, f64) = (x[5].parse().unwrap(), y[5].parse().unwrap());
        if x[2] == "2026-11-03" {
            assert!((vb - 2.5 * va).abs() <= 0.02, "{x:?} {y:?}");
            assert!((hb - 1.1 * ha).abs() <= 0.11, "{x:?} {y:?}");
            // The uncertainty band moves with the volume.
            for c in [6, 7] {
                let (pa, pb): (f64, f64) = (x[c].parse().unwrap(), y[c].parse().unwrap());
                assert!((pb - 2.5 * pa).abs() <= 0.02, "{x:?} {y:?}");
            }
            checked += 1;
        } else {
            assert_eq!(x[4..8], y[4..8]);
        }
    }
    assert_eq!(checked, 2 * 48);
}

#[test]
fn a_bad_variant_is_blamed_at_its_own_line() {
    let out = tempfile::tempdir().unwrap();
    let assert = rota()
        .args(["plan", "--quiet", "--out"])
        .arg(out.path().join("o"))
        .arg("tests/data/whatif/bad-target.yaml")
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(
            "tests/data/whatif/bad-target.yaml: line 5, field `queues[chat].service_level.target`"
        ) && stderr.contains("between 0 and 0.9999, got 1.5"),
        "{stderr}"
    );
}

#[test]
fn compare_is_deterministic_and_side_by_side() {
    let run = || -> Value {
        // The 90/15 variant misses its target: exit 1.
        let out = rota()
            .args([
                "compare",
                BASE,
                "tests/data/whatif/hire.yaml",
                "tests/data/whatif/target.yaml",
                "--format",
                "json",
            ])
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let mut v: Value = serde_json::from_slice(&out).unwrap();
        common::strip_times(&mut v);
        v
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
    let runs = a.as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[1]["summary"]["agents"], 10);
    // Two more agents can only lower understaffing.
    assert!(
        runs[1]["summary"]["understaffed_agent_hours"].as_f64()
            < runs[0]["summary"]["understaffed_agent_hours"].as_f64()
    );
    let text = String::from_utf8(
        rota()
            .args(["compare", BASE, "tests/data/whatif/hire.yaml"])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    for row in [
        "status",
        "gap",
        "paid hours (cost)",
        "agents used",
        "hotline SL",
        "chat worst interval",
        "hotline ASA",
        "chat occupancy",
        "understaffed agent-h",
    ] {
        assert!(text.contains(row), "{row} missing from:\n{text}");
    }
}

#[test]
fn sharded_sweeps_merge_to_the_single_machine_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let sweep = |extra: &[&str], out: &Path, env: &[(&str, &str)]| {
        let mut c = rota();
        c.args([
            "sweep",
            BASE,
            "--vary",
            "volume=0.8..1.2:0.2",
            "--vary",
            "target=0.8,0.9",
            "--out",
        ])
        .arg(out)
        .args(extra);
        for (k, v) in env {
            c.env(k, v);
        }
        // Exit 1 when a point misses its target (the 90 % ones may).
        c.assert()
            .code(predicates::prelude::predicate::in_iter([0, 1]));
    };
    sweep(&[], &d("whole"), &[]);
    // Three shards, started as a Kubernetes Indexed Job, a Slurm array task and by hand.
    sweep(
        &["--shard", "auto", "--shards", "3"],
        &d("k8s"),
        &[("JOB_COMPLETION_INDEX", "0")],
    );
    sweep(
        &["--shard", "auto"],
        &d("slurm"),
        &[
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ],
    );
    sweep(&["--shard", "2/3"], &d("hand"), &[]);
    // Missing shards are named, not merged silently.
    let assert = rota()
        .args(["merge"])
        .arg(d("k8s"))
        .arg(d("slurm"))
        .arg("--out")
        .arg(d("partial"))
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("2 of 6 points are missing"), "{stderr}");
    rota()
        .args(["merge"])
        .arg(d("k8s"))
        .arg(d("slurm"))
        .arg(d("hand"))
        .arg("--out")
        .arg(d("merged"))
        .assert()
        .code(predicates::prelude::predicate::in_iter([0, 1]));
    let load = |p: &Path| {
        let mut v: Value =
            serde_json::from_slice(&std::fs::read(p.join("sweep.json")).unwrap()).unwrap();
        common::strip_times(&mut v);
        v
    };
    assert_eq!(load(&d("whole")), load(&d("merged")));
    assert_eq!(load(&d("whole"))["points"].as_array().unwrap().len(), 6);
    let html = std::fs::read_to_string(d("merged").join("sweep.html")).unwrap();
    assert!(html.contains("id=\"sweep-service-level\"") && html.contains("id=\"sweep-hours\""));
}

#[test]
fn soft_rules_variant_loads_with_wishes_fairness_and_proficiency() {
    let loaded =
        rota::whatif::load_scenario(std::path::Path::new("scenarios/hangzhou-soft-rules.yaml"))
            .unwrap();
    let s = &loaded.scenario;
    assert_eq!(s.agents.len(), 46);
    assert!(s.rules.fairness.is_some());
    let hire = s.agents.iter().find(|a| a.id == "HZ043").unwrap();
    assert_eq!(hire.proficiency("chat"), 0.7);
    assert_eq!(hire.proficiency("hotline"), 1.0);
    let prefs: usize = s.agents.iter().map(|a| a.prefers.len()).sum();
    assert_eq!(prefs, 6);
}

#[test]
fn shard_auto_tells_a_missing_index_from_one_that_is_not_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = |env: &[(&str, &str)]| {
        let mut c = rota();
        c.args([
            "sweep", BASE, "--vary", "volume=1", "--shard", "auto", "--shards", "2",
        ])
        .arg("--out")
        .arg(dir.path().join("out"));
        for k in [
            "JOB_COMPLETION_INDEX",
            "SLURM_ARRAY_TASK_ID",
            "SLURM_ARRAY_TASK_COUNT",
        ] {
            c.env_remove(k);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.assert().code(2).get_output().clone();
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let err = sweep(&[]);
    assert!(
        err.contains("--shard auto needs JOB_COMPLETION_INDEX"),
        "{err}"
    );
    for (k, v) in [
        ("JOB_COMPLETION_INDEX", "abc"),
        ("SLURM_ARRAY_TASK_ID", "-1"),
    ] {
        let err = sweep(&[(k, v)]);
        assert!(
            err.contains(&format!("{k} is `{v}`, which is not a number")) && !err.contains("needs"),
            "{k}={v}: {err}"
        );
    }
    // An index that is a number but not below the count.
    let err = sweep(&[("JOB_COMPLETION_INDEX", "2")]);
    assert!(err.contains("--shard 2/2: I must be below N"), "{err}");
    assert!(!dir.path().join("out").exists());
}
