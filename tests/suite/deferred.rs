//! Deferred work (email, tickets) in the optimizer against exhaustive search
//! on a tiny instance, the report's on-time share, and the new scenario
//! fields' errors.

use rota::coverage::deferred_on_time;
use rota::horizon::Horizon;
use rota::report::evaluate;
use rota::scenario::{Scenario, SolverConfig};
use rota::solve::{solve, SolveStatus};
use rota::staffing::QueueRequirements;

use crate::common;

fn tiny(deadline_hours: u32) -> String {
    format!(
        r#"
name: tiny
site: {{ name: Tiny, timezone: Asia/Shanghai }}
planning: {{ week_start: 2026-11-09, days: 1, interval_minutes: 60 }}
history: {{ file: unused.csv }}
defaults: {{ shrinkage: 0 }}
queues:
  - {{ id: t, channel: ticket, deadline_hours: {deadline_hours} }}
agents:
  - {{ id: A, name: Only A, skills: [t], min_hours: 0, max_hours: 8 }}
rules:
  shift_start: {{ earliest: "08:00", latest: "10:00", step_minutes: 60 }}
  shift_lengths_hours: [4]
  meal_break: {{ minutes: 60, earliest_start_hours: 1, latest_end_hours: 3, paid: true, step_minutes: 60 }}
weights: {{ understaffing: 100, overstaffing: 5, paid_hour: 1 }}
"#
    )
}

/// Work in agent-hours arriving at each hour (volume = hours, AHT 3600 s).
fn req(work: &[(usize, f64)]) -> QueueRequirements {
    let mut r = common::req(24, &[]);
    r.queue = "t".into();
    let intervals = &mut r.intervals;
    for i in intervals.iter_mut() {
        i.aht_seconds = 3600.0;
    }
    for &(h, w) in work {
        intervals[h].volume = w;
        intervals[h].load = w;
        intervals[h].agents = w.ceil() as u32;
        intervals[h].scheduled = w.ceil() as u32;
    }
    r
}

/// Best objective over the agent's days (off, or start hour and break hour):
/// 4 paid hours when working, plus 100 per agent-hour of work past its
/// deadline at the end of each hour, the work done as early as possible
/// (which minimises the backlog, hence the overdue work, at every hour).
fn brute_force(work: &[(usize, f64)], d: usize) -> f64 {
    let mut arrive = [0.0; 24];
    for &(h, w) in work {
        arrive[h] += w;
    }
    let mut options = vec![None];
    for s in 8..=10 {
        for b in [s + 1, s + 2] {
            options.push(Some((s, b)));
        }
    }
    let mut best = f64::MAX;
    for o in options {
        let mut cost = if o.is_some() { 4.0 } else { 0.0 };
        let mut backlog = 0.0;
        for h in 0..24 {
            backlog += arrive[h];
            let cap = match o {
                Some((s, b)) if h >= s && h < s + 4 && h != b => 1.0,
                _ => 0.0,
            };
            backlog -= f64::min(backlog, cap);
            let lo = (h + 2).saturating_sub(d);
            let not_due: f64 = if d > 1 {
                arrive[lo..=h].iter().sum()
            } else {
                0.0
            };
            cost += 100.0 * (backlog - not_due).max(0.0);
        }
        best = best.min(cost);
    }
    best
}

fn cfg() -> SolverConfig {
    common::exact()
}

#[test]
fn deferred_work_matches_exhaustive_search() {
    type Case = (u32, Vec<(usize, f64)>);
    let cases: Vec<Case> = vec![
        (4, vec![(8, 2.0)]),
        (2, vec![(8, 5.0)]),
        (1, vec![(9, 0.5), (10, 0.5), (11, 1.0)]),
        (6, vec![(3, 2.0), (8, 1.0)]),
        (24, vec![]),
    ];
    for (deadline, work) in cases {
        let scenario =
            Scenario::from_yaml_str(&tiny(deadline), std::path::Path::new("tiny.yaml")).unwrap();
        let horizon = Horizon::new(&scenario);
        let reqs = vec![req(&work)];
        let solved = solve(&scenario, &horizon, &reqs, &cfg()).unwrap();
        assert_eq!(solved.info.status, SolveStatus::Optimal);
        let expected = brute_force(&work, deadline as usize);
        assert!(
            (solved.info.objective - expected).abs() < 1e-6,
            "deadline {deadline} h, work {work:?}: solver {} vs brute force {expected}",
            solved.info.objective
        );
        // The report works the roster first in, first out.
        let ev = evaluate(&scenario, &horizon, &reqs, &solved.roster).unwrap();
        if expected < 5.0 && !work.is_empty() {
            assert!(
                (ev.queues[0].service_level - 1.0).abs() < 1e-9,
                "{:?}",
                ev.queues[0]
            );
        }
    }
}

#[test]
fn on_time_share_by_hand() {
    // 3 h of work at hour 0, deadline 2 intervals, 1 h of capacity per hour:
    // by the end of hour 1, 2 of 3 hours are done.
    let s = deferred_on_time(&[3.0, 0.0, 1.0, 0.0], &[1.0, 1.0, 1.0, 0.5], 2);
    assert!((s[0].unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(s[1], Some(1.0));
    // Work of hour 2 waits while hour 2 finishes hour 0's last hour, so only
    // hour 3's half hour goes to it before its deadline (end of hour 3).
    assert!((s[2].unwrap() - 0.5).abs() < 1e-12, "{s:?}");
    assert_eq!(s[3], None);
}

fn load_err(queue: &str) -> String {
    let src = tiny(24).replace("  - { id: t, channel: ticket, deadline_hours: 24 }", queue);
    Scenario::from_yaml_str(&src, std::path::Path::new("s.yaml"))
        .unwrap_err()
        .to_string()
}

#[test]
fn new_queue_fields_are_checked() {
    let e = load_err("  - { id: t, channel: voice, model: erlang_a, service_level: { target: 0.8, seconds: 20 } }");
    assert!(
        e.contains("line 8") && e.contains("queues[0].patience_seconds"),
        "{e}"
    );
    let e = load_err("  - { id: t, channel: voice, patience_seconds: 60, service_level: { target: 0.8, seconds: 20 } }");
    assert!(e.contains("erlang_a only"), "{e}");
    let e = load_err("  - { id: t, channel: voice, model: erlang_b, service_level: { target: 0.8, seconds: 20 } }");
    assert!(e.contains("line 8") && e.contains("erlang_b"), "{e}");
    let e = load_err("  - { id: t, channel: ticket }");
    assert!(e.contains("queues[0].deadline_hours"), "{e}");
    let e = load_err("  - { id: t, channel: voice, deadline_hours: 24, service_level: { target: 0.8, seconds: 20 } }");
    assert!(e.contains("email and ticket queues only"), "{e}");
    let e = load_err("  - { id: t, channel: voice }");
    assert!(e.contains("queues[0].service_level"), "{e}");
    let e = load_err("  - { id: t, channel: voice, service_level: { target: 0.8 } }");
    assert!(e.contains("queues[0].service_level.seconds"), "{e}");
    let e = load_err("  - { id: t, channel: email, deadline_hours: 24, service_level: { target: 0.9, seconds: 20 } }");
    assert!(e.contains("service_level.seconds"), "{e}");
    let e = load_err("  - { id: t, channel: fax, deadline_hours: 24 }");
    assert!(e.contains("line 8") && e.contains("fax"), "{e}");
    // A deferred queue's target defaults to every item within the deadline.
    let s = Scenario::from_yaml_str(
        &tiny(24).replace(
            "deadline_hours: 24 }",
            "deadline_hours: 24, service_level: { target: 0.95 } }",
        ),
        std::path::Path::new("s.yaml"),
    )
    .unwrap();
    assert_eq!(s.queues[0].service_level.target, 0.95);
    assert_eq!(s.queues[0].service_level.seconds, 86400.0);
    let s = Scenario::from_yaml_str(&tiny(48), std::path::Path::new("s.yaml")).unwrap();
    assert_eq!(s.queues[0].service_level.target, 1.0);
}
