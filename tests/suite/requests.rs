//! The agents' requests (`docs/requests.md`): filed whole or not at all
//! (a bad CSV line named and nothing stored; an import killed at any
//! moment), reviewed against the latest version and a floor, approved as
//! a version that the validator passes with its allowances, denied into
//! the audit; and, over random requests on the demo with a floor set, no
//! recommended change breaks a rule or drops an interval below the floor
//! (judged by the report over the whole week, not the review's window),
//! while harmless requests are recommended.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command;
use proptest::prelude::*;
use rota::plan::Inputs;
use rota::request::{Context, Recommendation};
use rota::roster::absence::{Absence, Allowances};
use rota::roster::read::read_roster;
use rota::roster::validate::validate_with;
use rota::store::{NewRequest, RequestKind};

use crate::common;

fn rota() -> Command {
    Command::cargo_bin("rota").expect("binary built")
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).to_string()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

/// The small centre with a 30 % floor, planned and published in `dir`.
fn published_small(dir: &Path) -> PathBuf {
    let scenario = common::small(dir, &|t| {
        t.replace("solver:", "objective: { interval_minimum: 0.3 }\nsolver:")
    });
    let plan = dir.join("plan");
    let _ = rota()
        .args(["plan", "--quiet", "--out"])
        .arg(&plan)
        .arg(&scenario)
        .assert();
    rota()
        .arg("publish")
        .arg(&scenario)
        .arg(plan.join("roster.csv"))
        .args(["--by", "lead"])
        .assert()
        .code(0);
    scenario
}

fn list(scenario: &Path) -> serde_json::Value {
    let a = rota()
        .args(["request", "list", "--format", "json"])
        .arg(scenario)
        .assert()
        .code(0);
    serde_json::from_str(&stdout(&a)).unwrap()
}

#[test]
fn requests_are_filed_whole_reviewed_approved_as_a_version_and_denied_into_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = published_small(dir.path());
    // A CSV with a bad third line: the error names it, nothing is filed.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "agent_id,kind,from,until,other_agent,note\nT01,off,2026-11-03,,,flu\nT02,off,2026-11-31,,,typo\n",
    )
    .unwrap();
    let a = rota()
        .args(["request", "import"])
        .arg(&scenario)
        .arg(&bad)
        .assert()
        .code(2);
    let err = stderr(&a);
    assert!(
        err.contains("bad.csv") && err.contains("line 3") && err.contains("from"),
        "{err}"
    );
    assert_eq!(list(&scenario).as_array().unwrap().len(), 0);
    // A good one: all filed, pending.
    let roster = std::fs::read_to_string(dir.path().join("plan/roster.csv")).unwrap();
    let worked: Vec<(String, String)> = roster
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[2].to_string())
        })
        .collect();
    let good = dir.path().join("good.csv");
    let mut text = String::from("agent_id,kind,from,until,other_agent,wish,note\n");
    for (agent, date) in &worked {
        text.push_str(&format!("{agent},off,{date},,,,asked at the desk\n"));
    }
    text.push_str("T04,wish,2026-11-02,2026-11-03,,start_after 09:00,school run\n");
    std::fs::write(&good, text).unwrap();
    rota()
        .args(["request", "import"])
        .arg(&scenario)
        .arg(&good)
        .assert()
        .code(0);
    let n = worked.len() + 1;
    let all = list(&scenario);
    assert_eq!(all.as_array().unwrap().len(), n);
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "pending"));
    // The review: each request recommended one way or the other.
    let a = rota()
        .args(["request", "review", "--format", "json"])
        .arg(&scenario)
        .assert()
        .code(0);
    let reviews: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    let reviews = reviews.as_array().unwrap();
    assert_eq!(reviews.len(), n);
    assert_eq!(reviews[n - 1]["recommendation"]["recommend"], "next_plan");
    let approvable: Vec<i64> = reviews
        .iter()
        .filter(|r| {
            matches!(
                r["recommendation"]["recommend"].as_str(),
                Some("approve") | Some("repair")
            )
        })
        .map(|r| r["request"].as_i64().unwrap())
        .collect();
    assert!(!approvable.is_empty(), "{reviews:?}");
    // Approve the first: a new version, which the validator passes with
    // the version's allowances, and whose roster lacks the agent's shift.
    let id = approvable[0];
    let out = dir.path().join("approved");
    rota()
        .args(["request", "approve", "--by", "lead"])
        .arg(&scenario)
        .arg(id.to_string())
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let db = dir.path().join("rota.db");
    rota()
        .args(["validate", "--version", "2", "--store"])
        .arg(&db)
        .arg(&scenario)
        .arg(out.join("roster.csv"))
        .assert()
        .code(0);
    let (agent, date) = &worked[id as usize - 1];
    let after = std::fs::read_to_string(out.join("roster.csv")).unwrap();
    assert!(
        !after
            .lines()
            .any(|l| l.starts_with(&format!("{agent},")) && l.contains(&format!(",{date},"))),
        "{agent} still works {date}"
    );
    // A decision is final.
    let a = rota()
        .args(["request", "approve"])
        .arg(&scenario)
        .arg(id.to_string())
        .assert()
        .code(2);
    assert!(stderr(&a).contains("a decision is final"), "{}", stderr(&a));
    // A denial publishes nothing and goes in the audit.
    let other = if id == 1 { 2 } else { 1 };
    rota()
        .args([
            "request",
            "deny",
            "--by",
            "lead",
            "--reason",
            "training day",
        ])
        .arg(&scenario)
        .arg(other.to_string())
        .assert()
        .code(0);
    let a = rota()
        .args(["versions", "--format", "json"])
        .arg(&scenario)
        .assert()
        .code(0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    assert_eq!(v["versions"].as_array().unwrap().len(), 2);
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);
    let events: Vec<&str> = v["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events.iter().filter(|e| **e == "requested").count(),
        n,
        "{events:?}"
    );
    assert!(events.contains(&"approved") && events.contains(&"denied"));
    let statuses: Vec<String> = list(&scenario)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses.iter().filter(|s| *s == "pending").count(), n - 2);
}

#[test]
fn a_killed_import_files_every_request_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = published_small(dir.path());
    let csv = dir.path().join("many.csv");
    let mut text = String::from("agent_id,kind,from,note\n");
    for i in 0..200 {
        text.push_str(&format!(
            "T0{},off,2026-11-0{},batch {i}\n",
            1 + i % 8,
            2 + i % 3
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let import = || {
        let mut c = std::process::Command::cargo_bin("rota").unwrap();
        c.args(["request", "import"])
            .arg(&scenario)
            .arg(&csv)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let mut counts = Vec::new();
    for delay_us in [0u64, 2000, 5000, 10_000, 20_000, 50_000, 2_000_000] {
        let before = list(&scenario).as_array().unwrap().len();
        let mut child = import().spawn().unwrap();
        std::thread::sleep(Duration::from_micros(delay_us));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let after = list(&scenario).as_array().unwrap().len();
        assert!(
            after == before || after == before + 200,
            "after a kill at {delay_us} us: {before} -> {after} requests"
        );
        counts.push((after - before) / 200);
    }
    assert_eq!(counts.first(), Some(&0), "{counts:?}");
    assert_eq!(counts.last(), Some(&1), "{counts:?}");
}

/// The demo with a 70 % floor, and a roster of it (planned by rota).
struct Demo {
    inputs: Inputs,
    reqs: Vec<rota::staffing::QueueRequirements>,
    roster: rota::roster::Roster,
}

fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let p = common::demo(dir.path(), &|text| {
        text.replace(
            "solver: default",
            "solver: default\nobjective: { interval_minimum: 0.7 }",
        )
    });
    let inputs = Inputs::load(&p, None).unwrap();
    let sc = inputs.scenario();
    let reqs = inputs.requirements(&inputs.forecast().unwrap());
    let roster = read_roster(
        Path::new("tests/data/rosters/hangzhou-demo.csv"),
        &sc.site.name,
        sc.site.timezone,
    )
    .unwrap();
    assert!(validate_with(sc, &roster, &Allowances::default()).is_empty());
    Demo {
        inputs,
        reqs,
        roster,
    }
}

/// Days off that are harmless by construction: hotline-only agents'
/// shifts whose removal keeps every interval of every queue at or above
/// the floor (or where it was), judged by the report over the whole week.
fn harmless(d: &Demo) -> Vec<(String, chrono::NaiveDate)> {
    let sc = d.inputs.scenario();
    let h = &d.inputs.horizon;
    let before = rota::report::evaluate(sc, h, &d.reqs, &d.roster).unwrap();
    d.roster
        .shifts
        .iter()
        .filter(|s| {
            let a = sc.agents.iter().find(|a| a.id == s.agent_id).unwrap();
            a.skills == ["hotline"]
        })
        .take(40)
        .filter(|s| {
            let mut r = d.roster.clone();
            r.shifts.retain(|x| x != *s);
            let now = rota::report::evaluate(sc, h, &d.reqs, &r).unwrap();
            (0..sc.queues.len()).all(|q| {
                (0..h.intervals.len()).all(|t| {
                    let (b, n) = (
                        before.intervals[q][t].service_level,
                        now.intervals[q][t].service_level,
                    );
                    d.reqs[q].intervals[t].volume <= 0.0 || n + 1e-6 >= 0.7 || n + 1e-6 >= b
                })
            })
        })
        .map(|s| (s.agent_id.clone(), s.date))
        .collect()
}

fn off(agent: &str, from: &str, until: &str) -> NewRequest {
    NewRequest {
        agent_id: agent.into(),
        kind: Some(RequestKind::Off),
        from: Some(from.into()),
        until: Some(until.into()),
        source: "test".into(),
        ..Default::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn no_recommended_change_breaks_a_rule_or_the_floor_and_harmless_requests_pass(
        pick in 0usize..10_000,
        kind in 0u8..4,
        hour in 9u32..20,
    ) {
        thread_local!(static DEMO: (Demo, Vec<(String, chrono::NaiveDate)>) = {
            let d = demo();
            let h = harmless(&d);
            (d, h)
        });
        DEMO.with(|(d, safe)| {
            prop_assert!(!safe.is_empty(), "no harmless day off on the demo to try");
            let sc = d.inputs.scenario();
            let none = Allowances::default();
            let ctx = Context::new(sc, &d.inputs.horizon, &d.reqs, &d.roster, &none);
            let s = &d.roster.shifts[pick % d.roster.shifts.len()];
            let date = s.date.to_string();
            let req = match kind {
                0 => off(&s.agent_id, &date, &date),
                1 => off(&s.agent_id, &format!("{date} {hour:02}:00"), &date),
                2 => {
                    let (a, day) = &safe[pick % safe.len()];
                    off(a, &day.to_string(), &day.to_string())
                }
                _ => {
                    let other = &sc.agents[(pick / 7) % sc.agents.len()].id;
                    NewRequest {
                        agent_id: s.agent_id.clone(),
                        kind: Some(RequestKind::Swap),
                        other_agent: Some(other.clone()),
                        date: Some(date.clone()),
                        other_date: Some(date.clone()),
                        source: "test".into(),
                        ..Default::default()
                    }
                }
            };
            if req.other_agent.as_deref() == Some(req.agent_id.as_str()) {
                return Ok(());
            }
            let v = ctx.review(1, &req).unwrap();
            if kind == 2 {
                prop_assert_eq!(&v.recommendation, &Recommendation::Approve, "{:?}", req);
            }
            let Some(after) = &v.roster else {
                prop_assert!(matches!(v.recommendation, Recommendation::Deny(_)));
                return Ok(());
            };
            // The whole roster, by the validator, with the request's absences alone.
            let allow = Allowances { absences: v.absences.clone(), overtime: None };
            let broken = validate_with(sc, after, &allow);
            prop_assert!(broken.is_empty(), "{:?}: {:?}", req, broken);
            let absent: BTreeSet<&str> = v.absences.iter().map(|a: &Absence| a.agent_id.as_str()).collect();
            for a in &v.absences {
                prop_assert!(!after.shifts.iter().any(|x| absent.contains(x.agent_id.as_str())
                    && x.start < a.until && x.end > a.from));
            }
            // The floor, over every interval of the week, by the report.
            let h = &d.inputs.horizon;
            let before = rota::report::evaluate(sc, h, &d.reqs, &d.roster).unwrap();
            let now = rota::report::evaluate(sc, h, &d.reqs, after).unwrap();
            for qi in 0..sc.queues.len() {
                for t in 0..h.intervals.len() {
                    if d.reqs[qi].intervals[t].volume <= 0.0 {
                        continue;
                    }
                    let (b, n) = (before.intervals[qi][t].service_level, now.intervals[qi][t].service_level);
                    prop_assert!(
                        n + 1e-6 >= 0.7 || n + 1e-6 >= b,
                        "{:?}: {} at {} fell from {} to {}", req, sc.queues[qi].id, h.intervals[t].start, b, n
                    );
                }
            }
            Ok(())
        })?;
    }
}
