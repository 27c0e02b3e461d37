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

/// A plan of several weeks is planned week by week (`auto`: the weeks
/// method). A week planned alone must not end on a run of days that leaves
/// the agent no plan in the next: here a 36-hour agent (five 8-hour days of
/// at most five a week, six in a row, a block of two days off a week) is
/// off on the second Sunday, so the second week is Monday to Friday and the
/// first may end on at most one day worked in a row. The first week's work
/// is wanted from Wednesday to Sunday, which alone would end it on five.
#[test]
fn a_week_planned_alone_leaves_the_next_week_a_plan() {
    let text = r#"
name: two weeks, one agent
site: { name: Tiny, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-09, days: 14, interval_minutes: 60 }
history: { file: unused.csv }
queues:
  - { id: a, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: A, name: Lin Fei, skills: [a], min_hours: 36, max_hours: 40, days_off: [2026-11-22] }
rules:
  shift_start: { earliest: "08:00", latest: "08:00", step_minutes: 60 }
  shift_lengths_hours: [8]
  meal_break: { minutes: 60, earliest_start_hours: 3, latest_end_hours: 5, paid: true, step_minutes: 60 }
  max_working_days: 5
  max_consecutive_days: 6
  consecutive_days_off: 2
weights: { understaffing: 100, overstaffing: 1, paid_hour: 1 }
"#;
    let s = Scenario::from_yaml_str(text, Path::new("two-weeks.yaml")).unwrap();
    let cfg = rota::scenario::SolverConfig {
        method: rota::scenario::SolveMethod::Auto,
        ..common::exact()
    };
    assert_eq!(
        rota::solve::method_for(&s, &cfg),
        rota::scenario::SolveMethod::Weeks
    );
    let horizon = Horizon::new(&s);
    // One agent wanted 08:00-16:00 on days 2 to 6 (Wednesday to Sunday) of
    // the first week, and every weekday of the second.
    let needs: Vec<(usize, u32)> = (2..7)
        .chain(7..12)
        .flat_map(|d| (8..16).map(move |h| (d * 24 + h, 1)))
        .collect();
    let reqs = vec![common::req(horizon.intervals.len(), &needs)];
    let solved = solve(&s, &horizon, &reqs, &cfg).expect("a roster for both weeks");
    let worked: Vec<chrono::NaiveDate> = solved.roster.shifts.iter().map(|sh| sh.date).collect();
    // Five days in each week, ending the first on at most one in a row.
    let in_week = |w: i64| {
        worked
            .iter()
            .filter(|d| (**d - s.planning.week_start).num_days() / 7 == w)
            .count()
    };
    assert_eq!((in_week(0), in_week(1)), (5, 5), "{worked:?}");
    let sat = s.planning.week_start + chrono::Duration::days(5);
    assert!(!worked.contains(&sat), "{worked:?}");
    // The roster keeps every rule (the validator, apart from the solver).
    let violations = rota::roster::validate::validate(&s, &solved.roster);
    assert!(violations.is_empty(), "{violations:?}");
}
