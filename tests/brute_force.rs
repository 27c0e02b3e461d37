//! The optimizer against exhaustive enumeration on a tiny instance: three
//! agents (one per queue and one multi-skilled), one day, hourly intervals.

mod common;

use common::{day_options, exact, on_duty, req};
use rota::horizon::Horizon;
use rota::roster::validate::validate;
use rota::scenario::Scenario;
use rota::solve::{solve, SolveStatus};

const TINY: &str = r#"
name: tiny
site: { name: Tiny, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-09, days: 1, interval_minutes: 60 }
history: { file: unused.csv }
queues:
  - { id: a, channel: voice, service_level: { target: 0.8, seconds: 20 } }
  - { id: b, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: A, name: Only A, skills: [a], min_hours: 0, max_hours: 8 }
  - { id: B, name: Only B, skills: [b], min_hours: 0, max_hours: 8 }
  - { id: C, name: Both, skills: [a, b], min_hours: 0, max_hours: 8 }
rules:
  shift_start: { earliest: "08:00", latest: "10:00", step_minutes: 60 }
  shift_lengths_hours: [4]
  meal_break: { minutes: 60, earliest_start_hours: 1, latest_end_hours: 3, paid: true, step_minutes: 60 }
weights: { understaffing: 100, overstaffing: 5, paid_hour: 1 }
"#;

fn brute_force(need_a: &[u32; 24], need_b: &[u32; 24]) -> f64 {
    let mut best = f64::MAX;
    let options = || day_options(&[8, 9, 10]);
    for oa in options() {
        for ob in options() {
            for oc in options() {
                let paid = [oa, ob, oc].iter().filter(|o| o.is_some()).count() as f64 * 4.0;
                let mut cost = paid;
                for h in 0..24 {
                    let (sa, sb, sc) = (on_duty(oa, h), on_duty(ob, h), on_duty(oc, h));
                    // C's hour goes wholly to one queue: with whole-number needs
                    // and staff, a split is never better.
                    let split = |to_a: f64| {
                        let a = sa + sc * to_a;
                        let b = sb + sc * (1.0 - to_a);
                        let gap = |s: f64, n: u32| {
                            let d = n as f64 - s;
                            if d > 0.0 {
                                100.0 * d
                            } else {
                                -5.0 * d
                            }
                        };
                        gap(a, need_a[h]) + gap(b, need_b[h])
                    };
                    cost += split(0.0).min(split(1.0));
                }
                best = best.min(cost);
            }
        }
    }
    best
}

#[test]
fn solver_matches_exhaustive_search() {
    let scenario = Scenario::from_yaml_str(TINY, std::path::Path::new("tiny.yaml")).unwrap();
    let horizon = Horizon::new(&scenario);
    let cfg = exact();
    type Needs = Vec<(usize, u32)>;
    let cases: Vec<(Needs, Needs)> = vec![
        (
            vec![(8, 1), (9, 2), (10, 2), (11, 1)],
            vec![(11, 1), (12, 1), (13, 1)],
        ),
        (
            vec![(9, 1), (10, 1), (11, 1), (12, 1)],
            vec![(9, 1), (10, 2), (11, 2), (12, 1), (13, 1)],
        ),
        (vec![(8, 3), (13, 2)], vec![(10, 1)]),
        (vec![], vec![]),
    ];
    for (a, b) in cases {
        let reqs = vec![req(24, &a), req(24, &b)];
        let mut na = [0u32; 24];
        let mut nb = [0u32; 24];
        for &(h, n) in &a {
            na[h] = n;
        }
        for &(h, n) in &b {
            nb[h] = n;
        }
        let expected = brute_force(&na, &nb);
        let solved = solve(&scenario, &horizon, &reqs, &cfg).unwrap();
        assert_eq!(solved.info.status, SolveStatus::Optimal);
        assert!(
            (solved.info.objective - expected).abs() < 1e-6,
            "needs {a:?} / {b:?}: solver {} vs brute force {expected}",
            solved.info.objective
        );
        assert!(validate(&scenario, &solved.roster).is_empty());
    }
}
