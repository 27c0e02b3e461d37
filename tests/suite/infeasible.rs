//! Infeasible scenarios are explained by the rules, agents and days in
//! conflict: the diagnosis relaxes rule groups with penalised slacks and
//! names the ones it had to use.

use std::path::Path;

use rota::error::Error;
use rota::horizon::Horizon;
use rota::scenario::Scenario;
use rota::solve::solve;

use crate::common;

/// Three days, one queue, 8-hour paid shifts; `agent` and `rules` are spliced in.
fn scenario(agent: &str, rules: &str) -> Scenario {
    let text = format!(
        r#"
name: conflict
site: {{ name: Tiny, timezone: Asia/Shanghai }}
planning: {{ week_start: 2026-11-09, days: 3, interval_minutes: 60 }}
history: {{ file: unused.csv }}
queues:
  - {{ id: a, channel: voice, service_level: {{ target: 0.8, seconds: 20 }} }}
agents:
  - {{ id: HZ001, name: Zhou Yi, skills: [a], min_hours: 8, max_hours: 24 }}
  - {{ id: HZ013, name: Ma Lin, skills: [a], {agent} }}
rules:
  shift_start: {{ earliest: "08:00", latest: "10:00", step_minutes: 60 }}
  shift_lengths_hours: [8]
  meal_break: {{ minutes: 60, earliest_start_hours: 3, latest_end_hours: 5, paid: true, step_minutes: 60 }}
  {rules}
"#
    );
    Scenario::from_yaml_str(&text, Path::new("conflict.yaml")).unwrap()
}

fn explain(s: &Scenario) -> String {
    let horizon = Horizon::new(s);
    let reqs = vec![common::req(horizon.intervals.len(), &[])];
    let cfg = common::exact();
    match solve(s, &horizon, &reqs, &cfg) {
        Err(Error::Infeasible(msg)) => msg,
        Err(e) => panic!("expected an infeasible scenario, got {e}"),
        Ok(_) => panic!("expected an infeasible scenario, got a roster"),
    }
}

#[test]
fn fixed_day_off_against_minimum_hours() {
    let msg = explain(&scenario(
        "min_hours: 24, max_hours: 24, days_off: [2026-11-10]",
        "max_working_days: 3",
    ));
    assert!(
        msg.contains("agent HZ013 (Ma Lin) must work at least 24 h"),
        "{msg}"
    );
    assert!(msg.contains("fixed days off on 2026-11-10"), "{msg}");
    assert!(msg.contains("only 16.0 h fit"), "{msg}");
    assert!(
        msg.contains("fits only by breaking: the fixed day off on 2026-11-10"),
        "{msg}"
    );
    assert!(!msg.contains("HZ001"), "{msg}");
}

#[test]
fn rest_between_days_against_minimum_hours() {
    // 18 h rest pushes each day's start two hours later than the day
    // before: three days would need a start at 12:00, after the latest.
    let msg = explain(&scenario(
        "min_hours: 24, max_hours: 24",
        "max_working_days: 3\n  min_rest_hours: 18",
    ));
    assert!(msg.contains("agent HZ013 (Ma Lin)"), "{msg}");
    assert!(
        msg.contains("fits only by breaking: min_rest_hours 18 after the shift of 2026-11-"),
        "{msg}"
    );
}

#[test]
fn working_days_are_named_before_solving() {
    let msg = explain(&scenario(
        "min_hours: 24, max_hours: 24",
        "max_working_days: 2",
    ));
    assert!(
        msg.contains("agent HZ013 (Ma Lin) must work at least 24 h, but at most 2 days"),
        "{msg}"
    );
    assert!(msg.contains("max_working_days 2"), "{msg}");
}

#[test]
fn last_weeks_run_against_minimum_hours() {
    let msg = explain(&scenario(
        "min_hours: 24, max_hours: 24, previous: { consecutive_days: 2 }",
        "max_working_days: 3\n  max_consecutive_days: 2",
    ));
    assert!(msg.contains("agent HZ013 (Ma Lin)"), "{msg}");
    assert!(msg.contains("with 2 worked before the plan"), "{msg}");
    assert!(
        msg.contains(
            "max_consecutive_days 2 in the run of days ending 2026-11-09, 2026-11-10 and 2026-11-11"
        ),
        "{msg}"
    );
}

#[test]
fn last_weeks_rest_against_minimum_hours() {
    let msg = explain(&scenario(
        "min_hours: 24, max_hours: 24, previous: { last_shift_end: \"2026-11-08 23:00\" }",
        "max_working_days: 3\n  min_rest_hours: 12",
    ));
    assert!(msg.contains("agent HZ013 (Ma Lin)"), "{msg}");
    assert!(
        msg.contains(
            "the 12 h rest after last week's shift ending 2026-11-08 23:00, with a shift on 2026-11-09"
        ),
        "{msg}"
    );
}
