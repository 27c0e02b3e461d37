//! Rest breaks: the optimizer against exhaustive enumeration on a tiny
//! instance with a meal break and two rest breaks (one unpaid), coverage
//! counting agents on a rest break as absent, and the independent validator
//! catching hand-written rosters that break the rest-break rules.

use crate::common;

use common::{exact, gap_cost, req, validate_good_and_bad};
use rota::horizon::Horizon;
use rota::roster::validate::validate;
use rota::scenario::Scenario;
use rota::solve::{solve, SolveStatus};
use rota::staffing::QueueRequirements;

/// 15-minute intervals so every break covers whole intervals; 4-hour shifts
/// from 08:00, 09:00 or 10:00; a 30-minute meal 2 to 3.5 h in; an unpaid
/// 15-minute rest break 0.5 to 1.5 h in and a paid one 3.5 to 4 h in.
const TINY: &str = r#"
name: tiny rest breaks
site: { name: Tiny, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-09, days: 1, interval_minutes: 15 }
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
  meal_break: { minutes: 30, earliest_start_hours: 2, latest_end_hours: 3.5, paid: true, step_minutes: 30 }
  rest_breaks:
    - { minutes: 15, earliest_start_hours: 0.5, latest_end_hours: 1.5, paid: false }
    - { minutes: 15, earliest_start_hours: 3.5, latest_end_hours: 4, min_shift_hours: 4 }
weights: { understaffing: 100, overstaffing: 5, paid_hour: 1 }
"#;

const QUARTERS: usize = 96;

/// Requirements per quarter hour from `(first quarter, last quarter, agents)` runs.
fn runs(runs: &[(usize, usize, u32)]) -> QueueRequirements {
    let needs: Vec<(usize, u32)> = runs
        .iter()
        .flat_map(|&(from, to, n)| (from..=to).map(move |q| (q, n)))
        .collect();
    req(QUARTERS, &needs)
}

/// An agent's day in quarter hours: off, or (start, meal start, rest 1 start, rest 2 start).
fn options() -> Vec<Option<[usize; 4]>> {
    let mut v = vec![None];
    for s in [32, 36, 40] {
        for meal in [s + 8, s + 10, s + 12] {
            for r1 in s + 2..=s + 5 {
                for r2 in [s + 14, s + 15] {
                    v.push(Some([s, meal, r1, r2]));
                }
            }
        }
    }
    v
}

fn on_duty(o: Option<[usize; 4]>, q: usize) -> f64 {
    match o {
        Some([s, meal, r1, r2]) => {
            let working = q >= s && q < s + 16;
            let on_break = q == meal || q == meal + 1 || q == r1 || q == r2;
            (working && !on_break) as u8 as f64
        }
        None => 0.0,
    }
}

fn brute_force(need_a: &[u32], need_b: &[u32]) -> f64 {
    let opts = options();
    // Per quarter hour.
    let gap = |s: f64, n: u32| 0.25 * gap_cost(s, n);
    let mut best = f64::MAX;
    for &oa in &opts {
        for &ob in &opts {
            for &oc in &opts {
                // 4 h less the unpaid 15-minute rest break.
                let mut cost = [oa, ob, oc].iter().filter(|o| o.is_some()).count() as f64 * 3.75;
                for q in 0..QUARTERS {
                    let (sa, sb, sc) = (on_duty(oa, q), on_duty(ob, q), on_duty(oc, q));
                    // C's quarter goes wholly to one queue: with whole-number
                    // needs and staff, a split is never better.
                    let to_a = gap(sa + sc, need_a[q]) + gap(sb, need_b[q]);
                    let to_b = gap(sa, need_a[q]) + gap(sb + sc, need_b[q]);
                    cost += to_a.min(to_b);
                    if cost >= best {
                        break;
                    }
                }
                best = best.min(cost);
            }
        }
    }
    best
}

#[test]
fn solver_with_rest_breaks_matches_exhaustive_search() {
    let scenario = Scenario::from_yaml_str(TINY, std::path::Path::new("tiny.yaml")).unwrap();
    let horizon = Horizon::new(&scenario);
    type Runs = Vec<(usize, usize, u32)>;
    let cases: Vec<(Runs, Runs)> = vec![
        (vec![(32, 47, 1), (36, 43, 2)], vec![(44, 55, 1)]),
        (vec![(34, 40, 1)], vec![(36, 50, 2)]),
        (vec![(32, 55, 1)], vec![]),
    ];
    for (a, b) in cases {
        let reqs = vec![runs(&a), runs(&b)];
        let need = |r: &QueueRequirements| -> Vec<u32> {
            r.intervals.iter().map(|i| i.scheduled).collect()
        };
        let expected = brute_force(&need(&reqs[0]), &need(&reqs[1]));
        let solved = solve(&scenario, &horizon, &reqs, &exact()).unwrap();
        assert_eq!(solved.info.status, SolveStatus::Optimal);
        assert!(
            (solved.info.objective - expected).abs() < 1e-6,
            "needs {a:?} / {b:?}: solver {} vs brute force {expected}",
            solved.info.objective
        );
        assert!(validate(&scenario, &solved.roster).is_empty());
        for s in &solved.roster.shifts {
            let kinds: Vec<&str> = s.breaks.iter().map(|b| b.kind.as_str()).collect();
            assert_eq!(kinds, ["rest", "meal", "rest"], "{s:?}");
            assert!((s.paid_hours - 3.75).abs() < 1e-9);
        }
    }
}

#[test]
fn agents_on_a_rest_break_are_absent_from_coverage() {
    // One agent, one queue needing one agent all morning: whatever the
    // placement, the meal and both rest breaks leave it short for their
    // length, so the objective is paid hours plus exactly those quarters.
    let without = TINY.replace("  - { id: B, name: Only B, skills: [b], min_hours: 0, max_hours: 8 }\n  - { id: C, name: Both, skills: [a, b], min_hours: 0, max_hours: 8 }\n", "");
    let scenario = Scenario::from_yaml_str(&without, std::path::Path::new("one.yaml")).unwrap();
    let horizon = Horizon::new(&scenario);
    let reqs = vec![runs(&[(32, 47, 1)]), runs(&[])];
    let solved = solve(&scenario, &horizon, &reqs, &exact()).unwrap();
    // 08:00-12:00: 3.75 paid hours; short 30 min meal + 2 × 15 min rest = 1 h × 100.
    assert!(
        (solved.info.objective - (3.75 + 100.0)).abs() < 1e-6,
        "{}",
        solved.info.objective
    );
    assert!(validate(&scenario, &solved.roster).is_empty());
}

#[test]
fn validator_catches_rosters_that_break_rest_breaks() {
    let dir = "tests/data/rosters/rest-breaks";
    let text = validate_good_and_bad(dir);
    for want in [
        // T01: the second rest break of a 9-hour shift is missing.
        "T01",
        "has 1 rest breaks; it needs 2",
        // T02: the first rest break is 30 minutes long.
        "rest break (rest_breaks[0]) lasts 30 min; it must last 15 min",
        // T03: the first rest break is outside its window.
        "rest break (rest_breaks[0]) 08:15-08:30 is 0.25 h to 0.50 h into the shift",
        // T04: the rest break overlaps the meal break.
        "meal break 12:00-13:00 overlaps rest break 12:15-12:30",
        // T05: an 8-hour shift with the long shifts' second rest break.
        "shift of 8.00 h has 2 rest breaks; it needs 1",
        // T06: paid hours ignore the unpaid second rest break.
        "paid hours say 8.00",
    ] {
        assert!(text.contains(want), "`{want}` missing from:\n{text}");
    }
    assert!(!text.contains("T07"), "T07 is valid:\n{text}");
}
