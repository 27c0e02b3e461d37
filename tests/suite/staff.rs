//! `rota staff` end to end, against the DOMAIN.md worked example (Erlang C
//! check values from ../shared/DOMAIN.md) and bad-input exit codes.

use assert_cmd::Command;
use serde_json::Value;

use crate::common;

/// The DOMAIN.md worked example: 100 calls of 180 s in 30 minutes, 80/20.
const EXAMPLE: [&str; 11] = [
    "staff",
    "--volume",
    "100",
    "--aht",
    "180",
    "--interval-minutes",
    "30",
    "--target-sl",
    "0.8",
    "--target-seconds",
    "20",
];

fn staff(extra: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("rota")
        .expect("binary built")
        .args(EXAMPLE)
        .args(extra)
        .assert()
}

fn json(extra: &[&str]) -> Value {
    common::rota_json(EXAMPLE.iter().chain(extra).chain(&["--format", "json"]))
}

fn f(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or_else(|| panic!("{k} in {v}"))
}

#[test]
fn domain_example() {
    let v = json(&["--max-occupancy", "0.85", "--shrinkage", "0.3"]);
    assert_eq!(v["agents"], 14);
    assert_eq!(v["scheduled_agents"], 20);
    assert!((f(&v, "service_level") - 0.8884).abs() < 5e-5, "{v}");
    assert!((f(&v, "occupancy") - 0.7143).abs() < 5e-5, "{v}");
    assert!((f(&v, "prob_wait") - 0.1741).abs() < 5e-5, "{v}");
    assert!((f(&v, "asa_seconds") - 7.84).abs() < 5e-3, "{v}");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys.iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        [
            "agents",
            "scheduled_agents",
            "service_level",
            "prob_wait",
            "asa_seconds",
            "occupancy"
        ]
        .into_iter()
        .collect()
    );

    let v = json(&["--max-occupancy", "0.70", "--shrinkage", "0.3"]);
    assert_eq!(
        (v["agents"].as_u64(), v["scheduled_agents"].as_u64()),
        (Some(15), Some(22))
    );
}

#[test]
fn text_output_names_the_numbers() {
    staff(&["--max-occupancy", "0.85", "--shrinkage", "0.3"])
        .code(0)
        .stdout(predicates::str::contains("14 required"))
        .stdout(predicates::str::contains("scheduled agents: 20"))
        .stdout(predicates::str::contains("88.84%"));
}

#[test]
fn given_agents_are_evaluated() {
    // n = 14 for A = 10 is the DOMAIN.md check point whatever the target.
    let v = json(&["--agents", "14", "--target-sl", "0.99"]);
    assert_eq!(v["agents"], 14);
    assert!((f(&v, "service_level") - 0.8884).abs() < 5e-5, "{v}");
    // Too few agents: unstable, SL 0, no finite ASA.
    let v = json(&["--agents", "10"]);
    assert_eq!(f(&v, "service_level"), 0.0);
    assert!(v["asa_seconds"].is_null());
}

#[test]
fn given_agents_say_whether_the_target_is_met() {
    staff(&["--agents", "14"])
        .code(0)
        .stdout(predicates::str::contains("target:           met"));
    staff(&["--agents", "13"])
        .code(0)
        .stdout(predicates::str::contains("target:           missed"));
}

#[test]
fn patience_uses_erlang_a() {
    // Very patient callers: Erlang C's answer and values.
    let v = json(&["--patience", "10000000", "--max-occupancy", "0.85"]);
    assert_eq!(v["agents"], 14);
    assert!((f(&v, "service_level") - 0.8884).abs() < 1e-4, "{v}");
    assert!(f(&v, "abandon_rate") < 1e-5);
    // Impatient callers abandon; the answer still meets the target.
    let v = json(&["--patience", "60"]);
    assert!(
        f(&v, "abandon_rate") > 0.0 && f(&v, "abandon_rate") < 0.2,
        "{v}"
    );
    assert!(f(&v, "service_level") >= 0.8);
}

#[test]
fn zero_volume_needs_no_one() {
    let v = common::rota_json([
        "staff",
        "--volume",
        "0",
        "--aht",
        "180",
        "--interval-minutes",
        "15",
        "--target-sl",
        "0.8",
        "--target-seconds",
        "20",
        "--format",
        "json",
    ]);
    assert_eq!(
        (v["agents"].as_u64(), v["scheduled_agents"].as_u64()),
        (Some(0), Some(0))
    );
}

#[test]
fn bad_input_exits_2_with_a_message() {
    for (args, msg) in [
        (vec!["--volume", "-5"], "--volume must be at least 0"),
        (
            vec!["--target-sl", "1"],
            "--target-sl must be above 0 and below 1",
        ),
        (vec!["--target-sl", "1.2"], "--target-sl"),
        (vec!["--shrinkage", "1"], "--shrinkage"),
        (vec!["--aht", "0"], "--aht must be above 0"),
        (vec!["--patience", "0"], "--patience"),
        (vec!["--max-occupancy", "0"], "--max-occupancy"),
    ] {
        // Later flags override the defaults given in `staff`.
        staff(&args).code(2).stderr(predicates::str::contains(msg));
    }
}
