//! The optimizer against exhaustive enumeration on a tiny instance: three
//! agents (one per queue and one multi-skilled), one day, hourly intervals;
//! and the service-level objective on three single-skilled agents, where
//! each roster fixes the staff of every queue, so the best objective is a
//! minimum over rosters of paid hours plus the penalties of the credited
//! (conservative) service level.

use rota::horizon::Horizon;
use rota::roster::validate::validate;
use rota::scenario::{Scenario, SolveMethod, SolverConfig};
use rota::solve::{solve, SolveStatus};
use rota::staffing::curve::curve;
use rota::staffing::QueueRequirements;

use crate::common;
use common::{gap_cost, on_duty};

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
    common::req(24, needs)
}

/// An agent's day: off, or a 4-hour shift from 8, 9 or 10 with its break.
fn options() -> Vec<Option<(usize, usize)>> {
    common::day_options(&[8, 9, 10])
}

/// Proficiency of agents A, B and C on queues a and b.
type Rates = [[f64; 2]; 3];
const FULL: Rates = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];

fn brute_force(need_a: &[u32; 24], need_b: &[u32; 24], p: &Rates) -> f64 {
    let mut best = f64::MAX;
    for oa in options() {
        for ob in options() {
            for oc in options() {
                let paid = [oa, ob, oc].iter().filter(|o| o.is_some()).count() as f64 * 4.0;
                let mut cost = paid;
                for h in 0..24 {
                    cost += hour_cost(
                        [on_duty(oa, h), on_duty(ob, h), on_duty(oc, h)],
                        [need_a[h], need_b[h]],
                        p,
                    );
                }
                best = best.min(cost);
            }
        }
    }
    best
}

/// The least cost of one hour with A, B and C on duty as `on` (1 or 0)
/// against the needs of queues a and b: C's hour is split between the two
/// queues, and the cost is convex and piecewise linear in the share given
/// to a, so its least is at an end or a kink.
fn hour_cost(on: [f64; 3], need: [u32; 2], p: &Rates) -> f64 {
    let [sa, sb, sc] = on;
    let split = |to_a: f64| {
        let a = p[0][0] * sa + p[2][0] * sc * to_a;
        let b = p[1][1] * sb + p[2][1] * sc * (1.0 - to_a);
        gap_cost(a, need[0]) + gap_cost(b, need[1])
    };
    let mut shares = vec![0.0, 1.0];
    if sc > 0.0 {
        shares.push((need[0] as f64 - p[0][0] * sa) / (p[2][0] * sc));
        shares.push(1.0 - (need[1] as f64 - p[1][1] * sb) / (p[2][1] * sc));
    }
    shares
        .into_iter()
        .map(|f| split(f.clamp(0.0, 1.0)))
        .fold(f64::MAX, f64::min)
}

#[test]
fn solver_matches_exhaustive_search() {
    check(TINY, &FULL, &cases());
}

/// New hires: A at 0.5 on a, C at 0.6 on a and 0.8 on b. Proficiency changes
/// the optimal staffing (and the optimizer still matches the enumeration).
#[test]
fn proficiency_matches_exhaustive_search() {
    let rated = TINY
        .replace(
            "skills: [a], min_hours",
            "skills: [{ queue: a, proficiency: 0.5 }], min_hours",
        )
        .replace(
            "skills: [a, b], min_hours",
            "skills: [{ queue: a, proficiency: 0.6 }, { queue: b, proficiency: 0.8 }], min_hours",
        );
    let p: Rates = [[0.5, 0.0], [0.0, 1.0], [0.6, 0.8]];
    let objectives = check(&rated, &p, &cases());
    // The report counts the agents at their proficiency too: per hour, the
    // staff it finds on the two queues lies between C's time all on a (0.6)
    // and all on b (0.8), A at 0.5 and B at 1.
    let scenario = Scenario::from_yaml_str(&rated, std::path::Path::new("tiny.yaml")).unwrap();
    let horizon = Horizon::new(&scenario);
    let (a, b) = &cases()[0];
    let reqs = vec![req(a), req(b)];
    let roster = solve(&scenario, &horizon, &reqs, &common::exact())
        .unwrap()
        .roster;
    let staff = rota::report::route(
        &scenario,
        &horizon,
        &reqs,
        &roster,
        &rota::report::Limits::exact(),
    )
    .unwrap()
    .staff;
    for (h, (on_a, on_b)) in staff[0].iter().zip(&staff[1]).enumerate() {
        let duty = |id: &str| {
            roster
                .shifts
                .iter()
                .filter(|s| s.agent_id == id)
                .map(|s| {
                    let start = (s.start - horizon.intervals[0].start).num_hours() as usize;
                    let meal =
                        (s.breaks[0].start - horizon.intervals[0].start).num_hours() as usize;
                    f64::from(h >= start && h < start + 4 && h != meal)
                })
                .sum::<f64>()
        };
        let fixed = 0.5 * duty("A") + duty("B");
        let total = on_a + on_b;
        assert!(
            total >= fixed + 0.6 * duty("C") - 1e-9 && total <= fixed + 0.8 * duty("C") + 1e-9,
            "hour {h}: report staff {total}"
        );
    }
    let full = check(TINY, &FULL, &cases());
    assert!(
        objectives
            .iter()
            .zip(&full)
            .any(|(r, f)| (r - f).abs() > 1.0),
        "proficiency changed no optimum: {objectives:?} vs {full:?}"
    );
}

type Needs = Vec<(usize, u32)>;

/// Two weeks of three different people: A at 0.5 on a, carrying two days
/// worked in a row into the plan, 4 to 12 h a week; B on b at 1.3 times
/// the hourly rate, off on the first Wednesday, 8 to 16 h; C on both (0.6
/// and 0.8), up to 12 h. At most 3 working days a week and 3 in a row,
/// across the weeks' boundary too. Each day needs one of `cases()` (a
/// different one from day to day).
const TWO_WEEKS: &str = r#"
name: two weeks
site: { name: Tiny, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-09, days: 14, interval_minutes: 60 }
history: { file: unused.csv }
queues:
  - { id: a, channel: voice, service_level: { target: 0.8, seconds: 20 } }
  - { id: b, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: A, name: New hire, skills: [{ queue: a, proficiency: 0.5 }], min_hours: 4, max_hours: 12, previous: { consecutive_days: 2 } }
  - { id: B, name: Senior, skills: [b], min_hours: 8, max_hours: 16, hourly_cost: 1.3, days_off: [2026-11-11] }
  - { id: C, name: Both, skills: [{ queue: a, proficiency: 0.6 }, { queue: b, proficiency: 0.8 }], min_hours: 0, max_hours: 12 }
rules:
  shift_start: { earliest: "08:00", latest: "08:00", step_minutes: 60 }
  shift_lengths_hours: [4]
  meal_break: { minutes: 60, earliest_start_hours: 1, latest_end_hours: 3, paid: true, step_minutes: 60 }
  max_working_days: 3
  max_consecutive_days: 3
weights: { understaffing: 100, overstaffing: 5, paid_hour: 1 }
"#;
const TWO_WEEKS_RATES: Rates = [[0.5, 0.0], [0.0, 1.0], [0.6, 0.8]];

/// The needs of day `d` of the two weeks.
fn two_weeks_day(d: usize) -> (Needs, Needs) {
    let all = cases();
    all[(d * 3 + d / 7) % all.len()].clone()
}

/// The optimum of TWO_WEEKS by dynamic programming over the days: the
/// state is each agent's days in a row and days worked this week; a day's
/// cost, for each set of agents at work, is the least over their breaks
/// (8 to 12 h, the meal at 9 or 10) of 4 paid hours each at their rate and
/// the hours' gaps; a week ends only where each agent's hours lie within
/// their contract.
fn two_weeks_brute_force() -> f64 {
    const RATE: [f64; 3] = [1.0, 1.3, 1.0];
    const HOURS: [(u32, u32); 3] = [(4, 12), (8, 16), (0, 12)];
    let (most_days, most_in_a_row) = (3usize, 3usize);
    let day_cost = |d: usize, set: usize| -> f64 {
        let (a, b) = two_weeks_day(d);
        let (mut na, mut nb) = ([0u32; 24], [0u32; 24]);
        for &(h, n) in &a {
            na[h] = n;
        }
        for &(h, n) in &b {
            nb[h] = n;
        }
        let working: Vec<usize> = (0..3).filter(|i| set >> i & 1 == 1).collect();
        let paid: f64 = working.iter().map(|&i| 4.0 * RATE[i]).sum();
        let mut best = f64::MAX;
        for breaks in 0..1usize << working.len() {
            let mut on = [None; 3];
            for (j, &i) in working.iter().enumerate() {
                on[i] = Some((8, 9 + (breaks >> j & 1)));
            }
            let gaps: f64 = (0..24)
                .map(|h| {
                    hour_cost(
                        [on_duty(on[0], h), on_duty(on[1], h), on_duty(on[2], h)],
                        [na[h], nb[h]],
                        &TWO_WEEKS_RATES,
                    )
                })
                .sum();
            best = best.min(paid + gaps);
        }
        best
    };
    // State: per agent (days in a row, days worked this week).
    type State = [(usize, usize); 3];
    let mut costs: std::collections::HashMap<State, f64> =
        [([(2, 0), (0, 0), (0, 0)], 0.0)].into_iter().collect();
    for d in 0..14 {
        let mut next: std::collections::HashMap<State, f64> = Default::default();
        for (state, cost) in &costs {
            for set in 0..8usize {
                if d == 2 && set & 2 != 0 {
                    continue; // B's day off
                }
                let mut s = *state;
                let mut ok = true;
                for (i, (run, week)) in s.iter_mut().enumerate() {
                    if set >> i & 1 == 1 {
                        *run += 1;
                        *week += 1;
                        ok &= *run <= most_in_a_row && *week <= most_days;
                    } else {
                        *run = 0;
                    }
                }
                if !ok {
                    continue;
                }
                if d % 7 == 6 {
                    for (i, (_, week)) in s.iter_mut().enumerate() {
                        let hours = 4 * *week as u32;
                        ok &= hours >= HOURS[i].0 && hours <= HOURS[i].1;
                        *week = 0;
                    }
                    if !ok {
                        continue;
                    }
                }
                let c = cost + day_cost(d, set);
                let e = next.entry(s).or_insert(f64::MAX);
                *e = e.min(c);
            }
        }
        costs = next;
    }
    costs.values().copied().fold(f64::MAX, f64::min)
}

/// Two weeks of different people: the agent model proves the optimum the
/// dynamic program finds; the week-by-week method (`auto` for a plan of
/// several weeks) brackets it with its bound and its roster, whose cost the
/// report recomputes, and its roster keeps every rule, across the weeks'
/// boundary too.
#[test]
fn two_weeks_of_different_people_match_exhaustive_search() {
    let scenario =
        Scenario::from_yaml_str(TWO_WEEKS, std::path::Path::new("two-weeks.yaml")).unwrap();
    assert_eq!(scenario.weeks().len(), 2);
    let horizon = Horizon::new(&scenario);
    let mut needs: [Needs; 2] = [Vec::new(), Vec::new()];
    for d in 0..14 {
        let (a, b) = two_weeks_day(d);
        needs[0].extend(a.iter().map(|&(h, n)| (d * 24 + h, n)));
        needs[1].extend(b.iter().map(|&(h, n)| (d * 24 + h, n)));
    }
    let reqs = vec![
        common::req(14 * 24, &needs[0]),
        common::req(14 * 24, &needs[1]),
    ];
    let expected = two_weeks_brute_force();

    let cfg = common::exact();
    let solved = solve(&scenario, &horizon, &reqs, &cfg).unwrap();
    assert_eq!(solved.info.status, SolveStatus::Optimal);
    assert!(
        (solved.info.objective - expected).abs() < 1e-6,
        "agent model {} vs brute force {expected}",
        solved.info.objective
    );
    assert!(validate(&scenario, &solved.roster).is_empty());

    let weeks = solve(
        &scenario,
        &horizon,
        &reqs,
        &SolverConfig {
            method: SolveMethod::Auto,
            time_limit_seconds: 10.0,
            ..cfg
        },
    )
    .unwrap();
    assert_eq!(weeks.info.method, SolveMethod::Weeks);
    assert!(
        weeks.info.best_bound <= expected + 1e-6 && weeks.info.objective >= expected - 1e-6,
        "weeks: bound {} objective {} vs brute force {expected}",
        weeks.info.best_bound,
        weeks.info.objective
    );
    let broken = validate(&scenario, &weeks.roster);
    assert!(broken.is_empty(), "{broken:?}");
    let evaluation = rota::report::evaluate(&scenario, &horizon, &reqs, &weeks.roster).unwrap();
    let cost = rota::report::cost(&scenario, &weeks.roster, &evaluation);
    assert!(
        (cost.total - weeks.info.objective).abs() <= 1e-6 * weeks.info.objective.abs(),
        "weeks claims {} for a roster costing {}",
        weeks.info.objective,
        cost.total
    );
}

fn cases() -> Vec<(Needs, Needs)> {
    vec![
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
    ]
}

/// Solves each case and checks it against the enumeration; returns the objectives.
fn check(yaml: &str, p: &Rates, cases: &[(Needs, Needs)]) -> Vec<f64> {
    let scenario = Scenario::from_yaml_str(yaml, std::path::Path::new("tiny.yaml")).unwrap();
    let horizon = Horizon::new(&scenario);
    let cfg = common::exact();
    let decomposed = SolverConfig {
        method: SolveMethod::Decomposition,
        ..cfg.clone()
    };
    let mut objectives = Vec::new();
    for (a, b) in cases {
        let reqs = vec![req(a), req(b)];
        let mut na = [0u32; 24];
        let mut nb = [0u32; 24];
        for &(h, n) in a {
            na[h] = n;
        }
        for &(h, n) in b {
            nb[h] = n;
        }
        let expected = brute_force(&na, &nb, p);
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

        // Column generation: the same bracket, a valid roster, and an
        // objective that is the cost recomputed from that roster.
        check_column_generation(&scenario, &horizon, &reqs, &cfg, expected);
        objectives.push(expected);
    }
    objectives
}

/// Column generation on a case whose optimum is `expected`: its bound
/// never above it, its roster never below it and valid, its objective the
/// roster's recomputed cost.
fn check_column_generation(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    cfg: &SolverConfig,
    expected: f64,
) {
    let cg = solve(
        scenario,
        horizon,
        reqs,
        &SolverConfig {
            method: SolveMethod::ColumnGeneration,
            ..cfg.clone()
        },
    )
    .unwrap();
    assert_eq!(cg.info.method, SolveMethod::ColumnGeneration);
    assert!(
        cg.info.best_bound <= expected + 1e-6 && cg.info.objective >= expected - 1e-6,
        "column generation bound {} objective {} vs brute force {expected}",
        cg.info.best_bound,
        cg.info.objective
    );
    assert!(validate(scenario, &cg.roster).is_empty());
    if cg.roster.shifts.is_empty() {
        // (The report cannot split an empty roster in service-level mode:
        // HiGHS calls the split model empty.)
        return;
    }
    let evaluation = rota::report::evaluate(scenario, horizon, reqs, &cg.roster).unwrap();
    let cost = rota::report::cost(scenario, &cg.roster, &evaluation);
    assert!(
        (cost.total - cg.info.objective).abs() <= 1e-6 * cg.info.objective.abs().max(1.0),
        "column generation claims {} for a roster costing {}",
        cg.info.objective,
        cost.total
    );
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

/// A day of hourly intervals with `(hour, contacts)` at 180 s each.
fn req_volumes(volumes: &[(usize, f64)]) -> QueueRequirements {
    let mut r = common::req(24, &[]);
    for &(h, v) in volumes {
        r.intervals[h].volume = v;
        r.intervals[h].load = v * 180.0 / 3600.0;
    }
    r
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
                        let sl = c.credit(staff_of(h), o.below_tangent);
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
    let cfg = common::exact();
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
        check_column_generation(&scenario, &horizon, &reqs, &cfg, expected);
    }
}
