//! End-to-end tests of the `rota` command on the small test scenario.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use crate::common;

const SMALL: &str = "tests/data/small/scenario.yaml";

fn rota() -> Command {
    let mut c = Command::cargo_bin("rota").expect("binary built");
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    c
}

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.deserialize().map(|x| x.expect("row")).collect()
}

fn num(row: &BTreeMap<String, String>, k: &str) -> f64 {
    row[k]
        .parse()
        .unwrap_or_else(|_| panic!("{k} = {:?}", row[k]))
}

fn plan(out: &Path) -> Value {
    rota()
        .args(["plan", SMALL, "--quiet", "--out"])
        .arg(out)
        .assert()
        .code(0);
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn plan_writes_consistent_files_and_a_valid_roster() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let s = plan(out);

    // The roster passes the independent validator.
    rota()
        .args(["validate", SMALL])
        .arg(out.join("roster.csv"))
        .assert()
        .code(0);

    // The solve is described honestly.
    assert_eq!(s["status"], "optimal", "{s}");
    assert_eq!(s["time_limit_seconds"], 120.0);
    assert!(s["mip_gap"].as_f64().unwrap() <= 1e-9);
    assert!((s["objective"].as_f64().unwrap() - s["best_bound"].as_f64().unwrap()).abs() < 1e-6);

    // Summary numbers agree with the files.
    let roster = csv_rows(&out.join("roster.csv"));
    assert_eq!(s["shifts"].as_u64().unwrap() as usize, roster.len());
    let paid: f64 = roster.iter().map(|r| num(r, "paid_hours")).sum();
    assert!((paid - s["scheduled_hours"].as_f64().unwrap()).abs() < 0.01);
    let agents: BTreeSet<&str> = roster.iter().map(|r| r["agent_id"].as_str()).collect();
    assert_eq!(
        s["agents_rostered"].as_u64().unwrap() as usize,
        agents.len()
    );

    let reqs = csv_rows(&out.join("requirements.csv"));
    let required: f64 = reqs.iter().map(|r| num(r, "scheduled_agents") * 0.5).sum();
    assert!((required - s["required_agent_hours"].as_f64().unwrap()).abs() < 0.01);

    let cov = csv_rows(&out.join("coverage.csv"));
    assert_eq!(cov.len(), reqs.len());
    let under: f64 = cov
        .iter()
        .map(|r| (num(r, "required_agents") - num(r, "staffed_agents")).max(0.0) * 0.5)
        .sum();
    let over: f64 = cov
        .iter()
        .map(|r| (num(r, "staffed_agents") - num(r, "required_agents")).max(0.0) * 0.5)
        .sum();
    assert!(
        (under - s["understaffed_agent_hours"].as_f64().unwrap()).abs() < 0.05,
        "{under}"
    );
    assert!(
        (over - s["overstaffed_agent_hours"].as_f64().unwrap()).abs() < 0.05,
        "{over}"
    );
    // Staff on the queues never exceeds the agents on duty, net of breaks.
    let on_queues: f64 = cov.iter().map(|r| num(r, "staffed_agents") * 0.5).sum();
    let on_duty: f64 = roster
        .iter()
        .map(|r| num(r, "paid_hours") - 0.0 * num(r, "break_minutes"))
        .sum::<f64>()
        - roster
            .iter()
            .map(|r| num(r, "break_minutes") / 60.0)
            .sum::<f64>();
    assert!(
        (on_queues - on_duty).abs() < 0.05,
        "{on_queues} vs {on_duty}"
    );

    // Service level per queue is the contact-weighted mean of the intervals'.
    let forecast = csv_rows(&out.join("forecast.csv"));
    for q in s["queues"].as_array().unwrap() {
        let id = q["queue"].as_str().unwrap();
        let (mut num_sl, mut vol) = (0.0, 0.0);
        for (f, c) in forecast.iter().zip(&cov).filter(|(f, _)| f["queue"] == id) {
            assert_eq!(f["interval_start"], c["interval_start"]);
            num_sl += num(f, "volume") * num(c, "predicted_service_level");
            vol += num(f, "volume");
        }
        let sl = q["service_level"].as_f64().unwrap();
        assert!(
            (num_sl / vol - sl).abs() < 2e-3,
            "{id}: {} vs {sl}",
            num_sl / vol
        );
        assert!((vol - q["forecast_volume"].as_f64().unwrap()).abs() < 0.5);
    }
    // Queues are closed before 08:00 and from 20:00: no volume, no requirement.
    for f in &forecast {
        let hour: u32 = f["local_time"][..2].parse().unwrap();
        if !(8..20).contains(&hour) {
            assert_eq!(num(f, "volume"), 0.0, "{f:?}");
        }
    }

    // The calendar parses, has one event per shift, and its times are the roster's.
    let ics = std::fs::read_to_string(out.join("roster.ics")).unwrap();
    let unfolded = icalendar::parser::unfold(&ics);
    let cal = icalendar::parser::read_calendar(&unfolded).expect("valid iCalendar");
    let events: Vec<_> = cal
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(events.len(), roster.len());
    assert!(cal.components.iter().any(|c| c.name == "VTIMEZONE"));
    let starts: BTreeSet<String> = events
        .iter()
        .map(|e| {
            let p = e.properties.iter().find(|p| p.name == "DTSTART").unwrap();
            assert!(p.params.iter().any(|x| x.key == "TZID"));
            p.val.to_string()
        })
        .collect();
    let roster_starts: BTreeSet<String> = roster
        .iter()
        .map(|r| r["start_local"].replace(['-', ':'], "").replace(' ', "T") + "00")
        .collect();
    assert_eq!(starts, roster_starts);
}

#[test]
fn same_input_gives_the_same_files() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    plan(a.path());
    plan(b.path());
    for f in [
        "forecast.csv",
        "requirements.csv",
        "coverage.csv",
        "roster.csv",
        "roster.ics",
    ] {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f} differs"
        );
    }
    let strip = |p: &Path| {
        let mut v: Value =
            serde_json::from_slice(&std::fs::read(p.join("summary.json")).unwrap()).unwrap();
        common::strip_times(&mut v);
        v
    };
    assert_eq!(strip(a.path()), strip(b.path()));
    let plan_doc = |p: &Path| {
        let mut v: Value =
            serde_json::from_slice(&std::fs::read(p.join("plan.json")).unwrap()).unwrap();
        common::strip_times(&mut v);
        v
    };
    assert_eq!(plan_doc(a.path()), plan_doc(b.path()));
}

#[test]
fn validate_lists_each_violation_with_rule_agent_and_day() {
    let out = rota()
        .args(["validate", SMALL, "tests/data/rosters/bad.csv"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    insta::assert_snapshot!(text);
    rota()
        .args(["validate", SMALL, "tests/data/rosters/good.csv"])
        .assert()
        .code(0);
}

/// Copies the small scenario into a temporary folder, with edits.
fn fixture(
    edit_scenario: impl Fn(String) -> String,
    edit_history: impl Fn(String) -> String,
) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let sdir = dir.path().join("small");
    std::fs::create_dir(&sdir).unwrap();
    let scenario = std::fs::read_to_string(SMALL).unwrap();
    std::fs::write(sdir.join("scenario.yaml"), edit_scenario(scenario)).unwrap();
    let history = std::fs::read_to_string("tests/data/small/history.csv").unwrap();
    std::fs::write(sdir.join("history.csv"), edit_history(history)).unwrap();
    std::fs::copy(
        "tests/data/solver-test.yaml",
        dir.path().join("solver-test.yaml"),
    )
    .unwrap();
    (dir, sdir.join("scenario.yaml"))
}

fn replace_line(text: String, line: usize, with: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                with.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn bad_input_is_named_with_file_line_and_field_and_writes_nothing() {
    let keep = |s: String| s;
    let scen = |from: &'static str, to: &'static str| {
        move |s: String| {
            assert!(s.contains(from), "fixture lacks {from}");
            s.replacen(from, to, 1)
        }
    };
    type Case = (
        &'static str,
        Box<dyn Fn(String) -> String>,
        Box<dyn Fn(String) -> String>,
        Vec<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            "unknown field",
            Box::new(scen("  min_rest_hours: 11", "  min_rest_hour: 11")),
            Box::new(keep),
            vec!["scenario.yaml", "line 23", "unknown field `min_rest_hour`"],
        ),
        (
            "skill no queue has",
            Box::new(scen(
                "skills: [hotline, chat], min_hours: 8, max_hours: 24 }\n  - { id: T08",
                "skills: [hotline, email], min_hours: 8, max_hours: 24 }\n  - { id: T08",
            )),
            Box::new(keep),
            vec!["scenario.yaml", "line 17", "unknown skill `email`"],
        ),
        (
            "time zone that does not exist",
            Box::new(scen("Asia/Shanghai", "Asia/Hangzhou")),
            Box::new(keep),
            vec![
                "scenario.yaml",
                "line 3",
                "unknown time zone `Asia/Hangzhou`",
            ],
        ),
        (
            "malformed YAML",
            Box::new(scen("planning: { week_start", "planning: [ week_start")),
            Box::new(keep),
            vec!["scenario.yaml", "line 4"],
        ),
        (
            "impossible time",
            Box::new(scen("earliest: \"08:00\"", "earliest: \"25:00\"")),
            Box::new(keep),
            vec!["scenario.yaml", "line 20", "invalid time `25:00`"],
        ),
        (
            "negative hours",
            Box::new(scen(
                "min_hours: 8, max_hours: 24 }\n  - { id: T02",
                "min_hours: -8, max_hours: 24 }\n  - { id: T02",
            )),
            Box::new(keep),
            vec![
                "scenario.yaml",
                "line 11",
                "field `agents[0].min_hours`",
                "between 0 and",
            ],
        ),
        (
            "negative count",
            Box::new(keep),
            Box::new(|h: String| replace_line(h, 5, "2026-10-05T08:30:00+08:00,chat,-4,400.0")),
            vec!["history.csv", "line 5", "`offered`", "negative"],
        ),
        (
            "unparsable timestamp",
            Box::new(keep),
            Box::new(|h: String| replace_line(h, 7, "2026-10-05 8h45,chat,4,400.0")),
            vec![
                "history.csv",
                "line 7",
                "`interval_start`",
                "unparsable timestamp",
            ],
        ),
    ];
    for (name, es, eh, expected) in cases {
        let (dir, scenario) = fixture(es, eh);
        let out = dir.path().join("out");
        let assert = rota()
            .args(["plan", "--quiet", "--out"])
            .arg(&out)
            .arg(&scenario)
            .assert()
            .code(2);
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        for e in expected {
            assert!(stderr.contains(e), "{name}: expected `{e}` in: {stderr}");
        }
        assert_eq!(
            stderr.lines().count(),
            1,
            "{name}: one clear message: {stderr}"
        );
        assert!(!out.exists(), "{name}: output written despite bad input");
    }
    // A missing file.
    let assert = rota()
        .args(["plan", "--quiet", "tests/data/none.yaml"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("tests/data/none.yaml") && stderr.contains("No such file"),
        "{stderr}"
    );
}

#[test]
fn conflicting_rules_are_explained_per_agent() {
    // Twelve-hour shifts all starting at 08:00 with 13 h rest: an agent can work
    // only every other day, so 2 of the 3 days (24 h), not the 30 h asked.
    let (dir, scenario) = fixture(
        |s| {
            s.replacen(
                "{ id: T01, name: Wang Fang, skills: [hotline], min_hours: 8, max_hours: 24 }",
                "{ id: T01, name: Wang Fang, skills: [hotline], min_hours: 30, max_hours: 36 }",
                1,
            )
            .replacen("latest: \"12:00\"", "latest: \"08:00\"", 1)
            .replacen("shift_lengths_hours: [8]", "shift_lengths_hours: [12]", 1)
            .replacen("min_rest_hours: 11", "min_rest_hours: 13", 1)
        },
        |h| h,
    );
    let out = dir.path().join("out");
    let assert = rota()
        .args(["plan", "--quiet", "--out"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("agent T01 (Wang Fang) must work at least 30 h but")
            && stderr.contains("only 24.0 h fit")
            && stderr.contains(
                "fits only by breaking: min_rest_hours 13 after the shift of 2026-11-02 and 2026-11-03"
            ),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn a_time_limit_with_no_roster_found_is_said_plainly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("small")).unwrap();
    let scenario = std::fs::read_to_string(SMALL)
        .unwrap()
        .replace("../solver-test.yaml", "../cold.yaml");
    std::fs::write(dir.path().join("small/scenario.yaml"), scenario).unwrap();
    std::fs::copy(
        "tests/data/small/history.csv",
        dir.path().join("small/history.csv"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cold.yaml"),
        "time_limit_seconds: 0\nmip_rel_gap: 0\nthreads: 1\nrandom_seed: 1\nwarm_start: false\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let assert = rota()
        .args(["plan", "--quiet", "--out"])
        .arg(&out)
        .arg(dir.path().join("small/scenario.yaml"))
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("no roster found within the 0 s time limit"),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// The roster's evaluation solves small programs of its own after the
/// optimizer; HiGHS shares one thread scheduler per process, so they must
/// not ask for another thread count than the plan's solver settings did
/// (a plan with `threads: 2` once failed with "HiGHS failed: Error").
#[test]
fn plan_with_two_solver_threads_is_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("two-threads.yaml");
    std::fs::write(
        &settings,
        "time_limit_seconds: 120\nmip_rel_gap: 0.0\nthreads: 2\nrandom_seed: 42\npresolve: choose\n",
    )
    .unwrap();
    rota()
        .args(["plan", SMALL, "--quiet", "--solver"])
        .arg(&settings)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(0);
}
