//! The optimizer against exhaustive enumeration on a tiny instance: three
//! agents (one per queue and one multi-skilled), one day, hourly intervals;
//! and the service-level objective on three single-skilled agents, where
//! each roster fixes the staff of every queue, so the best objective is a
//! minimum over rosters of paid hours plus the penalties of the credited
//! (conservative) service level.

use rota::horizon::Horizon;
use rota::roster::validate::validate;
use rota::scenario::{Scenario, SolverConfig};
use rota::solve::{solve, SolveStatus};
use rota::staffing::curve::curve;
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

/// A day of hourly intervals with no contacts and no requirement.
fn blank() -> Vec<IntervalRequirement> {
    vec![
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
    ]
}

fn req(needs: &[(usize, u32)]) -> QueueRequirements {
    let mut intervals = blank();
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

/// Settings that solve a tiny instance to a proven optimum.
fn exact() -> SolverConfig {
    SolverConfig {
        time_limit_seconds: 60.0,
        mip_rel_gap: 0.0,
        threads: 1,
        random_seed: 1,
        presolve: "choose".into(),
        warm_start: true,
        options: Default::default(),
    }
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
    }
}

const TINY_SL: &str = r#"
name: tiny
site: { name: Tiny, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-09, days: 1, interval_minutes: 60 }
history: { file: unused.csv }
defaults: { shrinkage: 0.0, max_occupancy: 1.0 }
queues:
  - { id: a, channel: voice, service_level: { target: 0.8, seconds: 20 } }
  - { id: b, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: A1, name: First A, skills: [a], min_hours: 0, max_hours: 8 }
  - { id: A2, name: Second A, skills: [a], min_hours: 0, max_hours: 8 }
  - { id: B1, name: Only B, skills: [b], min_hours: 0, max_hours: 8 }
rules:
  shift_start: { earliest: "08:00", latest: "10:00", step_minutes: 60 }
  shift_lengths_hours: [4]
  meal_break: { minutes: 60, earliest_start_hours: 1, latest_end_hours: 3, paid: true, step_minutes: 60 }
objective: { mode: service_level, target: 0.7, interval_minimum: 0.3, shortfall_weight: 2, minimum_weight: 1, answered_value: 0.01 }
"#;

fn req_volumes(volumes: &[(usize, f64)]) -> QueueRequirements {
    let mut intervals = blank();
    for &(h, v) in volumes {
        intervals[h].volume = v;
        intervals[h].load = v * 180.0 / 3600.0;
    }
    QueueRequirements {
        queue: String::new(),
        intervals,
    }
}

fn brute_force_sl(sc: &Scenario, reqs: &[QueueRequirements]) -> f64 {
    let o = &sc.objective;
    let mut best = f64::MAX;
    for o1 in options() {
        for o2 in options() {
            for o3 in options() {
                let paid = [o1, o2, o3].iter().filter(|o| o.is_some()).count() as f64 * 4.0;
                let mut cost = paid;
                for (qi, staff_of) in [
                    (
                        0,
                        Box::new(|h| on_duty(o1, h) + on_duty(o2, h)) as Box<dyn Fn(usize) -> f64>,
                    ),
                    (1, Box::new(|h| on_duty(o3, h))),
                ] {
                    let (mut answered, mut volume) = (0.0, 0.0);
                    for (h, r) in reqs[qi].intervals.iter().enumerate() {
                        let Some(c) = curve(
                            r.volume,
                            r.aht_seconds,
                            60,
                            &sc.queues[qi],
                            0.0,
                            o.envelope_tolerance,
                        ) else {
                            continue;
                        };
                        let sl = c.conservative(staff_of(h));
                        answered += r.volume * sl;
                        volume += r.volume;
                        cost += o.minimum_weight * r.volume * (0.3 - sl).max(0.0);
                    }
                    cost -= o.answered_value * answered;
                    cost += o.shortfall_weight * (0.7 * volume - answered).max(0.0);
                }
                best = best.min(cost);
            }
        }
    }
    best
}

#[test]
fn service_level_objective_matches_exhaustive_search() {
    let scenario = Scenario::from_yaml_str(TINY_SL, std::path::Path::new("tiny.yaml")).unwrap();
    let horizon = Horizon::new(&scenario);
    let cfg = exact();
    type Vols = Vec<(usize, f64)>;
    let cases: Vec<(Vols, Vols)> = vec![
        (vec![(9, 30.0), (10, 40.0), (11, 20.0)], vec![(12, 15.0)]),
        (
            vec![(8, 10.0), (13, 50.0)],
            vec![(9, 5.0), (10, 25.0), (11, 25.0)],
        ),
        (vec![(10, 2.0)], vec![]),
        (vec![], vec![]),
    ];
    for (a, b) in cases {
        let reqs = vec![req_volumes(&a), req_volumes(&b)];
        let expected = brute_force_sl(&scenario, &reqs);
        let solved = solve(&scenario, &horizon, &reqs, &cfg).unwrap();
        assert_eq!(solved.info.status, SolveStatus::Optimal);
        assert!(
            (solved.info.objective - expected).abs() < 1e-5,
            "volumes {a:?} / {b:?}: solver {} vs brute force {expected}",
            solved.info.objective
        );
        assert!(validate(&scenario, &solved.roster).is_empty());
    }
}
