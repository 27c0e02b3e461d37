//! The optimizer against exhaustive enumeration on a tiny instance: three
//! agents (one per queue and one multi-skilled), one day, hourly intervals.

use rota::horizon::Horizon;
use rota::roster::validate::validate;
use rota::scenario::{Scenario, SolveMethod, SolverConfig};
use rota::solve::{solve, SolveStatus};
use rota::staffing::{IntervalRequirement, QueueRequirements};

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

fn req(needs: &[(usize, u32)]) -> QueueRequirements {
    let mut intervals = vec![
        IntervalRequirement {
            volume: 0.0,
            aht_seconds: 180.0,
            load: 0.0,
            agents: 0,
            scheduled: 0,
            service_level: 1.0,
            asa_seconds: 0.0,
            occupancy: 0.0,
        };
        24
    ];
    for &(h, n) in needs {
        intervals[h].scheduled = n;
    }
    QueueRequirements {
        queue: String::new(),
        intervals,
    }
}

/// An agent's day: off, or (start hour, break hour).
fn options() -> Vec<Option<(usize, usize)>> {
    let mut v = vec![None];
    for s in 8..=10 {
        for b in [s + 1, s + 2] {
            v.push(Some((s, b)));
        }
    }
    v
}

fn on_duty(o: Option<(usize, usize)>, h: usize) -> f64 {
    match o {
        Some((s, b)) if h >= s && h < s + 4 && h != b => 1.0,
        _ => 0.0,
    }
}

fn brute_force(need_a: &[u32; 24], need_b: &[u32; 24]) -> f64 {
    let mut best = f64::MAX;
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
    let cfg = SolverConfig {
        time_limit_seconds: 60.0,
        mip_rel_gap: 0.0,
        threads: 1,
        random_seed: 1,
        presolve: "choose".into(),
        warm_start: true,
        options: Default::default(),
        method: SolveMethod::Agents,
        decompose_from_agents: 100,
    };
    let decomposed = SolverConfig {
        method: SolveMethod::Decomposition,
        ..cfg.clone()
    };
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
        let reqs = vec![req(&a), req(&b)];
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

        // The decomposition: its bound never above the true optimum, its
        // roster never below it, the gap between them as reported.
        let d = solve(&scenario, &horizon, &reqs, &decomposed).unwrap();
        assert_eq!(d.info.method, SolveMethod::Decomposition);
        assert!(
            d.info.best_bound <= expected + 1e-6 && d.info.objective >= expected - 1e-6,
            "needs {a:?} / {b:?}: decomposition bound {} objective {} vs brute force {expected}",
            d.info.best_bound,
            d.info.objective
        );
        let gap = if d.info.objective.abs() < 1e-9 {
            0.0
        } else {
            (d.info.objective - d.info.best_bound) / d.info.objective.abs()
        };
        assert!((d.info.mip_gap - gap).abs() < 1e-9);
        assert_eq!(
            d.info.status == SolveStatus::Optimal,
            gap <= 1e-9,
            "optimal only when the bound is reached"
        );
        assert!(validate(&scenario, &d.roster).is_empty());
    }
}
