//! "The roster is what the summary says": the optimizer's objective equals
//! the cost recomputed from the roster it wrote, to the minute.
//!
//! - `presence` (the one coverage arithmetic) against counting minutes one
//!   by one, on every grid, with breaks anywhere inside a shift;
//! - the bank week: 15-minute breaks at :15 and :45 on a 30-minute grid,
//!   8- and 4-hour shifts, ample agents: no interval understaffed, and the
//!   objective equal to the recomputed cost;
//! - a property test over random small scenarios (both objective modes; 15-,
//!   30- and 60-minute grids; break steps of 5 and 15 minutes; odd shift
//!   starts; soft rotations on templates or a day off; one day or eight; alike or individual agents): the proven-optimal
//!   objective equals the recomputed cost within
//!   1e-6, and in service-level mode the credited service level never
//!   exceeds Erlang's at the staff the roster gives; over two weeks, the
//!   week-by-week method's claim is its roster's cost too, between its
//!   bound and the optimum.

use crate::common;

use chrono::Duration;
use proptest::prelude::*;
use rota::forecast::{Forecast, QueueForecast};
use rota::horizon::Horizon;
use rota::report::{cost, evaluate, Limits};
use rota::roster::validate::validate;
use rota::scenario::{ForecastMethod, Scenario};
use rota::solve::solve;
use rota::staffing::{requirements, QueueRequirements};

/// Requirements from a per-interval volume and handle time through the
/// scenario's own staffing rules.
fn staffed(
    scenario: &Scenario,
    horizon: &Horizon,
    volume: &[Vec<f64>],
    aht: f64,
) -> Vec<QueueRequirements> {
    let queues = scenario
        .queues
        .iter()
        .zip(volume)
        .map(|(q, v)| QueueForecast {
            queue: q.id.clone(),
            volume: v.clone(),
            aht_seconds: vec![aht; v.len()],
            days_used: 0,
            level_factor: 1.0,
            volume_p10: v.clone(),
            volume_p90: v.clone(),
            method: ForecastMethod::SeasonalNaive,
            backtest: Vec::new(),
            required_agents: None,
            residual_days: Vec::new(),
        })
        .collect();
    requirements(
        scenario,
        horizon,
        &Forecast {
            queues,
            findings: Vec::new(),
        },
    )
}

/// Staff on duty per interval counted minute by minute: an independent
/// recount of `coverage::presence`.
fn minutes_on_duty(h: &Horizon, s: &rota::roster::model::Shift) -> Vec<f64> {
    let mut out = vec![0.0; h.intervals.len()];
    let mut t = s.start;
    while t < s.end {
        if !s.breaks.iter().any(|b| t >= b.start && t < b.end) {
            if let Some(i) = h.index_of(t) {
                out[i] += 1.0 / h.interval_minutes as f64;
            }
        }
        t += Duration::minutes(1);
    }
    out
}

fn tiny(grid: u32, body: &str) -> Scenario {
    tiny_days(grid, 1, body)
}

fn tiny_days(grid: u32, days: u32, body: &str) -> Scenario {
    let y = format!(
        r#"
name: invariant
site: {{ name: Bank, timezone: America/New_York }}
planning: {{ week_start: 2026-11-09, days: {days}, interval_minutes: {grid} }}
history: {{ file: unused.csv }}
{body}
"#
    );
    Scenario::from_yaml_str(&y, std::path::Path::new("invariant.yaml")).unwrap()
}

/// Cost of the solver's roster by the report, and the solver's claim.
fn claim_and_recount(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
) -> (f64, f64, rota::report::Evaluation, rota::solve::Solved) {
    claim_and_recount_with(scenario, horizon, reqs, &common::exact())
}

fn claim_and_recount_with(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    cfg: &rota::scenario::SolverConfig,
) -> (f64, f64, rota::report::Evaluation, rota::solve::Solved) {
    let solved = solve(scenario, horizon, reqs, cfg).expect("solves");
    let v = validate(scenario, &solved.roster);
    assert!(v.is_empty(), "the roster breaks rules: {v:?}");
    let ev = evaluate(scenario, horizon, reqs, &solved.roster).unwrap();
    let c = cost(scenario, &solved.roster, &ev);
    (solved.info.objective, c.total, ev, solved)
}

fn assert_close(claimed: f64, recount: f64) {
    assert!(
        (claimed - recount).abs() <= 1e-6 * claimed.abs().max(1.0),
        "objective {claimed} but the roster costs {recount}"
    );
}

/// A US bank's day on a 30-minute grid: 8.5-hour shifts with a 30-minute
/// unpaid meal and two paid 15-minute rests, 4-hour shifts with one paid
/// 15-minute rest, ample agents. Shifts start on the half hour and each
/// rest's window holds one start, 1.25 h (or 6.25 h) in: every rest is at
/// :15 or :45, inside an interval, where the old arithmetic counted it as no
/// absence at all.
const BANK: &str = r#"
queues:
  - { id: calls, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: F1, name: Full 1, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F2, name: Full 2, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F3, name: Full 3, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F4, name: Full 4, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F5, name: Full 5, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F6, name: Full 6, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F7, name: Full 7, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F8, name: Full 8, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F9, name: Full 9, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F10, name: Full 10, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F11, name: Full 11, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F12, name: Full 12, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F13, name: Full 13, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: F14, name: Full 14, skills: [calls], min_hours: 0, max_hours: 8 }
  - { id: P1, name: Part 1, skills: [calls], min_hours: 0, max_hours: 4 }
  - { id: P2, name: Part 2, skills: [calls], min_hours: 0, max_hours: 4 }
  - { id: P3, name: Part 3, skills: [calls], min_hours: 0, max_hours: 4 }
  - { id: P4, name: Part 4, skills: [calls], min_hours: 0, max_hours: 4 }
  - { id: P5, name: Part 5, skills: [calls], min_hours: 0, max_hours: 4 }
  - { id: P6, name: Part 6, skills: [calls], min_hours: 0, max_hours: 4 }
  - { id: P7, name: Part 7, skills: [calls], min_hours: 0, max_hours: 4 }
  - { id: P8, name: Part 8, skills: [calls], min_hours: 0, max_hours: 4 }
rules:
  shift_start: { earliest: "07:00", latest: "13:00", step_minutes: 30 }
  shift_lengths_hours: [8.5, 4]
  meal_break: { minutes: 30, earliest_start_hours: 3.25, latest_end_hours: 5.5, step_minutes: 15, min_shift_hours: 6 }
  rest_breaks:
    - { minutes: 15, earliest_start_hours: 1.25, latest_end_hours: 1.5, step_minutes: 15 }
    - { minutes: 15, earliest_start_hours: 6.25, latest_end_hours: 6.5, step_minutes: 15, min_shift_hours: 6 }
weights: { understaffing: 100, overstaffing: 1, paid_hour: 1 }
"#;

#[test]
fn bank_day_with_quarter_hour_rests_on_a_half_hour_grid() {
    let sc = tiny(30, BANK);
    let h = Horizon::new(&sc);
    // Calls from 08:00 to 18:00, a midday peak; the scenario's agents can
    // staff it all.
    let volume: Vec<f64> = h
        .intervals
        .iter()
        .map(|iv| match iv.minute_of_day {
            480..=599 => 20.0,
            600..=839 => 35.0,
            840..=1079 => 20.0,
            _ => 0.0,
        })
        .collect();
    let reqs = staffed(&sc, &h, &[volume], 180.0);
    let (claimed, recount, ev, solved) = claim_and_recount(&sc, &h, &reqs);
    assert_close(claimed, recount);
    assert!(
        ev.understaffed_agent_hours < 1e-9,
        "{} agent-hours understaffed",
        ev.understaffed_agent_hours
    );
    // Rests were placed off the half hours, and counted there.
    let off_grid = solved
        .roster
        .shifts
        .iter()
        .flat_map(|s| &s.breaks)
        .filter(|b| b.kind == "rest" && b.start.format("%M").to_string() != "00")
        .filter(|b| b.start.format("%M").to_string() != "30")
        .count();
    let staff_minutes: Vec<f64> = solved
        .roster
        .shifts
        .iter()
        .map(|s| minutes_on_duty(&h, s))
        .fold(vec![0.0; h.intervals.len()], |mut acc, v| {
            for (a, x) in acc.iter_mut().zip(v) {
                *a += x;
            }
            acc
        });
    for (t, iv) in ev.intervals[0].iter().enumerate() {
        assert!(
            (iv.staffed - staff_minutes[t]).abs() < 1e-9,
            "interval {t}: report {} vs minute count {}",
            iv.staffed,
            staff_minutes[t]
        );
    }
    let rests = solved
        .roster
        .shifts
        .iter()
        .flat_map(|s| &s.breaks)
        .filter(|b| b.kind == "rest")
        .count();
    assert!(
        rests > 0 && off_grid == rests,
        "{off_grid} of {rests} rests off the half hour"
    );
}

/// A 4-hour part-time shift with no break at all plans and validates.
#[test]
fn break_free_four_hour_shifts() {
    let sc = tiny(
        15,
        r#"
queues:
  - { id: q, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: P1, name: Part 1, skills: [q], min_hours: 4, max_hours: 4 }
  - { id: P2, name: Part 2, skills: [q], min_hours: 4, max_hours: 4 }
rules:
  shift_start: { earliest: "08:00", latest: "12:00", step_minutes: 60 }
  shift_lengths_hours: [4]
weights: { understaffing: 10, overstaffing: 1, paid_hour: 1 }
"#,
    );
    let h = Horizon::new(&sc);
    let reqs = vec![common::req(h.intervals.len(), &[(40, 2), (41, 2), (48, 1)])];
    let (claimed, recount, _, solved) = claim_and_recount(&sc, &h, &reqs);
    assert_close(claimed, recount);
    assert_eq!(solved.roster.shifts.len(), 2);
    assert!(solved.roster.shifts.iter().all(|s| s.breaks.is_empty()));
    assert!(solved
        .roster
        .shifts
        .iter()
        .all(|s| (s.paid_hours - 4.0).abs() < 1e-9));
}

/// One random small scenario.
#[derive(Debug, Clone)]
struct Case {
    grid: u32,
    break_step: u32,
    /// Minutes past the hour of the earliest start (odd starts on coarse grids).
    start_offset: u32,
    lengths: Vec<f64>,
    meal: bool,
    rest: bool,
    service_level: bool,
    agents: Vec<(u8, f64)>,
    volume: Vec<Vec<f64>>,
    under: f64,
    /// A soft rotation for the odd agents: 0 none, 1 the `default` template
    /// only (a `late` template starting 13:00-14:00 is off it), 2 the day off.
    rotation: u8,
    /// Days planned: 1, or 8 (a week and a short week of one day, its
    /// weekly rules pro rata, and 5 days in a row at most across them) on
    /// the hourly grid with the requirement objective (the exact
    /// service-level model of 8 days takes a minute a case).
    days: u32,
    /// Individual people: the second agent at 1.25 times the hourly rate,
    /// off on the plan's second day; the first with a weekly minimum of 4
    /// hours (on one day: a short week's share of it fits no shift); the
    /// third available 09:00 to 17:00 only.
    individual: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop_oneof![Just(15u32), Just(30), Just(60)],
        prop_oneof![Just(5u32), Just(15)],
        prop_oneof![Just(0u32), Just(15), Just(45)],
        prop_oneof![
            Just(vec![4.0]),
            Just(vec![6.0]),
            Just(vec![4.0, 6.5]),
            Just(vec![5.25])
        ],
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec((1u8..=3, prop_oneof![Just(1.0), Just(0.8)]), 2..=4),
        proptest::collection::vec(proptest::collection::vec(0.0f64..30.0, 12), 2),
        prop_oneof![Just(20.0), Just(100.0)],
        (
            0u8..=2,
            prop_oneof![Just(1u32), Just(1), Just(1), Just(8)],
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                grid,
                break_step,
                start_offset,
                lengths,
                meal,
                rest,
                sl,
                agents,
                volume,
                under,
                (rotation, days, individual),
            )| {
                Case {
                    grid: if days > 1 { 60 } else { grid },
                    break_step,
                    start_offset,
                    lengths,
                    meal,
                    rest,
                    service_level: sl && days == 1,
                    agents,
                    volume,
                    under,
                    rotation,
                    days,
                    individual,
                }
            },
        )
}

fn scenario_of(c: &Case) -> Scenario {
    let shortest = c.lengths.iter().cloned().fold(f64::MAX, f64::min);
    let longest = c.lengths.iter().cloned().fold(0.0, f64::max);
    let mut rules = format!(
        "rules:\n  shift_start: {{ earliest: \"08:{:02}\", latest: \"12:{:02}\", step_minutes: 60 }}\n  shift_lengths_hours: {:?}\n",
        c.start_offset, c.start_offset, c.lengths
    );
    if c.rotation == 1 {
        rules.push_str(&format!(
            "  shift_templates:\n    - {{ name: late, start: {{ earliest: \"13:{:02}\", latest: \"14:{:02}\", step_minutes: 60 }}, lengths_hours: {:?} }}\n",
            c.start_offset, c.start_offset, c.lengths
        ));
    }
    if c.meal && longest >= 5.0 {
        rules.push_str(&format!(
            "  meal_break: {{ minutes: 30, earliest_start_hours: 2, latest_end_hours: 3.5, step_minutes: {}, min_shift_hours: 5 }}\n",
            c.break_step
        ));
    }
    if c.rest && shortest >= 4.0 {
        rules.push_str(&format!(
            "  rest_breaks:\n    - {{ minutes: 15, earliest_start_hours: 0.5, latest_end_hours: 1.75, step_minutes: {} }}\n",
            c.break_step
        ));
    }
    let skills = ["[a]", "[b]", "[a, b]"];
    let rates = |k: u8, p: f64| -> String {
        match k {
            1 => "[a]".into(),
            2 => "[b]".into(),
            _ if p < 1.0 => format!("[{{ queue: a, proficiency: {p} }}, b]"),
            _ => skills[2].into(),
        }
    };
    let own = |i: usize| -> &str {
        match i {
            _ if !c.individual => "",
            0 => ", available: { from: \"08:00\", to: \"24:00\" }",
            1 => ", hourly_cost: 1.25, days_off: [2026-11-10]",
            2 => ", available: { from: \"09:00\", to: \"17:00\" }",
            _ => "",
        }
    };
    let agents: String = c
        .agents
        .iter()
        .enumerate()
        .map(|(i, &(k, p))| {
            format!(
                "  - {{ id: A{i}, name: Agent {i}, skills: {}, min_hours: {}, max_hours: 8{}{} }}\n",
                rates(k, p),
                if c.individual && i == 0 && c.days == 1 { 4 } else { 0 },
                if c.rotation > 0 && i % 2 == 1 {
                    ", rotation: r"
                } else {
                    ""
                },
                own(i)
            )
        })
        .collect();
    if c.days > 7 {
        rules.push_str("  max_consecutive_days: 5\n");
    }
    let rotations = match c.rotation {
        1 => "rotations: [{ id: r, weight: 7, weeks: [{ templates: [default] }] }]\n",
        2 => "rotations: [{ id: r, weight: 7, weeks: [{ days_off: [mon] }] }]\n",
        _ => "",
    };
    let objective = if c.service_level {
        "objective: { mode: service_level, target: 0.8, interval_minimum: 0.5 }\n"
    } else {
        ""
    };
    tiny_days(
        c.grid,
        c.days,
        &format!(
            "queues:\n  - {{ id: a, channel: voice, service_level: {{ target: 0.8, seconds: 20 }} }}\n  - {{ id: b, channel: voice, service_level: {{ target: 0.8, seconds: 20 }} }}\nagents:\n{agents}{rules}{rotations}weights: {{ understaffing: {}, overstaffing: 2, paid_hour: 1 }}\n{objective}",
            c.under
        ),
    )
}

/// The case's requirements: its hourly volumes from 08:00 to 20:00 spread
/// over the grid, staffed at 240 s a contact.
fn requirements_of(c: &Case, sc: &Scenario, h: &Horizon) -> Vec<QueueRequirements> {
    let per_hour = 60 / c.grid as usize;
    let volume: Vec<Vec<f64>> = c
        .volume
        .iter()
        .map(|hours| {
            h.intervals
                .iter()
                .map(|iv| {
                    let hour = iv.minute_of_day as usize / 60;
                    if (8..20).contains(&hour) {
                        hours[hour - 8] / per_hour as f64
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    staffed(sc, h, &volume, 240.0)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        // Fixed, so that the suite takes the same time on every run (the
        // cases differ from a few milliseconds to seconds each).
        rng_seed: proptest::test_runner::RngSeed::Fixed(20261207),
        ..ProptestConfig::default()
    })]

    #[test]
    fn objective_equals_the_roster_recomputed(c in case()) {
        let sc = scenario_of(&c);
        let h = Horizon::new(&sc);
        let reqs = requirements_of(&c, &sc, &h);
        let (claimed, recount, ev, solved) = claim_and_recount(&sc, &h, &reqs);
        assert_close(claimed, recount);
        if sc.weeks().len() > 1 && !c.service_level {
            // The week-by-week method `auto` picks for several weeks: its
            // claim is its roster's cost too, and never below the optimum.
            // (Not with the service-level objective: its exact model of
            // eight days takes a minute a case. The claim of a service-level
            // month not proven optimal is checked below.)
            let cfg = rota::scenario::SolverConfig {
                method: rota::scenario::SolveMethod::Auto,
                time_limit_seconds: 2.0,
                ..common::exact()
            };
            let (weeks, recount, _, by_weeks) = claim_and_recount_with(&sc, &h, &reqs, &cfg);
            prop_assert_eq!(by_weeks.info.method, rota::scenario::SolveMethod::Weeks);
            assert_close(weeks, recount);
            // (Within HiGHS's tolerance of the agent model's "optimum": on an
            // objective of 80,625 that is mostly understaffing nobody can
            // serve, the agent model proved optimal a roster 7 above the one
            // the weeks found; docs/limits.md.)
            prop_assert!(weeks >= claimed - 1e-4 * claimed.abs().max(1.0));
            prop_assert!(by_weeks.info.best_bound <= claimed + 1e-6 * claimed.abs().max(1.0));
        }
        // Presence to the minute, whatever the grid and break step.
        for s in &solved.roster.shifts {
            let minutes = minutes_on_duty(&h, s);
            let mut arith = vec![0.0; h.intervals.len()];
            for (t, f) in s.presence(&h) {
                arith[t] += f;
            }
            for t in 0..arith.len() {
                prop_assert!((arith[t] - minutes[t]).abs() < 1e-9);
            }
        }
        if c.service_level {
            let routing =
                rota::report::route(&sc, &h, &reqs, &solved.roster, &Limits::exact()).unwrap();
            // Started from the optimizer's own steps, the search ends at the
            // same least cost as from the relaxation's.
            let started = Limits {
                start: solved.reached.as_ref(),
                ..Limits::exact()
            };
            prop_assert!(solved.reached.is_some(), "the solve hands its steps on");
            let from_claim = rota::report::route(&sc, &h, &reqs, &solved.roster, &started).unwrap();
            prop_assert!(routing.proven && from_claim.proven);
            prop_assert!(
                (from_claim.coverage_cost - routing.coverage_cost).abs()
                    <= 1e-6 * routing.coverage_cost.abs().max(1.0),
                "from the claim's steps {} against {}",
                from_claim.coverage_cost,
                routing.coverage_cost
            );
            for (qi, row) in routing.credited.iter().enumerate() {
                for (t, credit) in row.iter().enumerate() {
                    if let Some(credit) = credit {
                        let erlang = ev.intervals[qi][t].service_level;
                        prop_assert!(
                            *credit <= erlang + 1e-6,
                            "queue {qi} interval {t}: credited {credit} above Erlang {erlang}"
                        );
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 4,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20261208),
        ..ProptestConfig::default()
    })]

    /// Eight days in service-level mode, solved short of the optimum: the
    /// agent model stopped at its first improving roster, and the weeks
    /// method on a 1 s limit. What each claims is what its roster costs
    /// (the continuous split of a roster that is not the model's optimum
    /// was once left short of its best, and claimed 0.5 to 1 % more than
    /// the report recomputes), and the bound is below it.
    #[test]
    fn a_service_level_month_not_proven_claims_its_rosters_cost(
        c in case().prop_map(|c| Case { service_level: true, days: 8, grid: 60, ..c })
    ) {
        let sc = scenario_of(&c);
        let h = Horizon::new(&sc);
        let reqs = requirements_of(&c, &sc, &h);
        let first_roster = rota::scenario::SolverConfig {
            options: [(
                "mip_max_improving_sols".to_string(),
                rota::scenario::HighsValue::Int(1),
            )]
            .into_iter()
            .collect(),
            ..common::exact()
        };
        let weeks = rota::scenario::SolverConfig {
            method: rota::scenario::SolveMethod::Weeks,
            time_limit_seconds: 1.0,
            ..common::exact()
        };
        for cfg in [first_roster, weeks] {
            let (claimed, recount, _, solved) = claim_and_recount_with(&sc, &h, &reqs, &cfg);
            assert_close(claimed, recount);
            prop_assert!(solved.info.best_bound <= claimed + 1e-6 * claimed.abs().max(1.0));
        }
    }
}
