//! Shift templates: per-day and per-agent restrictions bind and are kept,
//! the optimizer matches exhaustive enumeration with templates, and the
//! independent validator catches rosters that break them.

use crate::common;

use common::{day_options, exact, gap_cost, on_duty, req, validate_good_and_bad};
use rota::horizon::Horizon;
use rota::roster::validate::validate;
use rota::scenario::Scenario;
use rota::solve::{solve, SolveStatus};

/// Hourly intervals; the default template starts 09:00 or 10:00, `early` at
/// 07:00 or 08:00, `late` at 11:00 or 12:00 (weekdays only), all 4 hours
/// long with a one-hour meal 1 to 3 hours in. A is early only, B late only.
const TINY: &str = r#"
name: tiny templates
site: { name: Tiny, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-09, days: 1, interval_minutes: 60 }
history: { file: unused.csv }
queues:
  - { id: a, channel: voice, service_level: { target: 0.8, seconds: 20 } }
  - { id: b, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: A, name: Early A, skills: [a], min_hours: 0, max_hours: 8, templates: [early] }
  - { id: B, name: Late B, skills: [b], min_hours: 0, max_hours: 8, templates: [late] }
  - { id: C, name: Both, skills: [a, b], min_hours: 0, max_hours: 8 }
rules:
  shift_start: { earliest: "09:00", latest: "10:00", step_minutes: 60 }
  shift_lengths_hours: [4]
  shift_templates:
    - { name: early, start: { earliest: "07:00", latest: "08:00", step_minutes: 60 }, lengths_hours: [4] }
    - { name: late, start: { earliest: "11:00", latest: "12:00", step_minutes: 60 }, lengths_hours: [4], days: [mon, tue, wed, thu, fri] }
  meal_break: { minutes: 60, earliest_start_hours: 1, latest_end_hours: 3, paid: true, step_minutes: 60 }
weights: { understaffing: 100, overstaffing: 5, paid_hour: 1 }
"#;

fn brute_force(need_a: &[u32; 24], need_b: &[u32; 24]) -> f64 {
    let mut best = f64::MAX;
    for oa in day_options(&[7, 8]) {
        for ob in day_options(&[11, 12]) {
            for oc in day_options(&[7, 8, 9, 10, 11, 12]) {
                let mut cost = [oa, ob, oc].iter().filter(|o| o.is_some()).count() as f64 * 4.0;
                for h in 0..24 {
                    let (sa, sb, sc) = (on_duty(oa, h), on_duty(ob, h), on_duty(oc, h));
                    let to_a = gap_cost(sa + sc, need_a[h]) + gap_cost(sb, need_b[h]);
                    let to_b = gap_cost(sa, need_a[h]) + gap_cost(sb + sc, need_b[h]);
                    cost += to_a.min(to_b);
                }
                best = best.min(cost);
            }
        }
    }
    best
}

#[test]
fn solver_with_templates_matches_exhaustive_search() {
    let scenario = Scenario::from_yaml_str(TINY, std::path::Path::new("tiny.yaml")).unwrap();
    let horizon = Horizon::new(&scenario);
    type Needs = Vec<(usize, u32)>;
    let cases: Vec<(Needs, Needs)> = vec![
        // B would serve the morning if it could start then.
        (
            vec![(7, 1), (8, 1), (9, 1), (10, 1)],
            vec![(8, 1), (9, 1), (10, 1)],
        ),
        (vec![(13, 2), (14, 1)], vec![(7, 1), (8, 1)]),
        (
            vec![(9, 1), (10, 2), (11, 1)],
            vec![(12, 1), (13, 1), (14, 1)],
        ),
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
        let solved = solve(&scenario, &horizon, &reqs, &exact()).unwrap();
        assert_eq!(solved.info.status, SolveStatus::Optimal);
        assert!(
            (solved.info.objective - expected).abs() < 1e-6,
            "needs {a:?} / {b:?}: solver {} vs brute force {expected}",
            solved.info.objective
        );
        assert!(validate(&scenario, &solved.roster).is_empty());
    }
}

#[test]
fn templates_bind_by_agent_and_by_day() {
    // B needs to cover queue b 07:00-11:00 but may only start late: without
    // the restriction B would start at 07:00.
    let scenario = Scenario::from_yaml_str(TINY, std::path::Path::new("tiny.yaml")).unwrap();
    let horizon = Horizon::new(&scenario);
    let reqs = vec![req(24, &[]), req(24, &[(7, 1), (8, 1), (9, 1), (10, 1)])];
    let free = Scenario::from_yaml_str(
        &TINY.replace(", templates: [late]", ""),
        std::path::Path::new("free.yaml"),
    )
    .unwrap();
    let start_of = |sc: &Scenario, id: &str| {
        solve(sc, &horizon, &reqs, &exact())
            .unwrap()
            .roster
            .shifts
            .iter()
            .filter(|s| s.agent_id == id)
            .map(|s| s.start.format("%H:%M").to_string())
            .collect::<Vec<_>>()
    };
    let free_b = start_of(&free, "B");
    assert!(
        free_b.len() == 1 && free_b[0].as_str() < "11:00",
        "the restriction would not bind: {free_b:?}"
    );
    let kept = start_of(&scenario, "B");
    assert!(
        kept.iter().all(|s| s == "11:00" || s == "12:00"),
        "{kept:?}"
    );
    let roster = solve(&scenario, &horizon, &reqs, &exact()).unwrap().roster;
    assert!(validate(&scenario, &roster).is_empty());

    // Days: 2026-11-14 is a Saturday, when `late` does not apply, so B
    // (late only) cannot work however much queue b needs it.
    let saturday = TINY.replace("2026-11-09", "2026-11-14");
    let saturday = Scenario::from_yaml_str(&saturday, std::path::Path::new("sat.yaml")).unwrap();
    let horizon = Horizon::new(&saturday);
    let reqs = vec![req(24, &[]), req(24, &[(11, 1), (12, 1), (13, 1), (14, 1)])];
    let solved = solve(&saturday, &horizon, &reqs, &exact()).unwrap();
    assert!(solved.roster.shifts.iter().all(|s| s.agent_id != "B"));
    assert!(solved.roster.shifts.iter().any(|s| s.agent_id == "C"));
    assert!(validate(&saturday, &solved.roster).is_empty());
}

#[test]
fn a_peak_date_template_allows_longer_days_there_only() {
    // 8-hour days, 12 on the promotion date: two days of 12 hours' demand
    // and one agent give 12 hours on the peak date and 8 on the other.
    let text = r#"
name: peak day
site: { name: Tiny, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-10, days: 2, interval_minutes: 60 }
history: { file: unused.csv }
queues:
  - { id: a, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: A, name: Only A, skills: [a], min_hours: 0, max_hours: 24 }
rules:
  shift_start: { earliest: "08:00", latest: "12:00", step_minutes: 60 }
  shift_lengths_hours: [8]
  shift_templates:
    - { name: peak, start: { earliest: "08:00", latest: "08:00" }, lengths_hours: [12], dates: [2026-11-11] }
  meal_break: { minutes: 60, earliest_start_hours: 3, latest_end_hours: 6, paid: false, step_minutes: 60 }
  min_rest_hours: 11
"#;
    let scenario = Scenario::from_yaml_str(text, std::path::Path::new("peak.yaml")).unwrap();
    let horizon = Horizon::new(&scenario);
    let needs: Vec<(usize, u32)> = (8..20).flat_map(|h| [(h, 1), (24 + h, 1)]).collect();
    let solved = solve(&scenario, &horizon, &[req(48, &needs)], &exact()).unwrap();
    let lengths: Vec<(String, f64)> = solved
        .roster
        .shifts
        .iter()
        .map(|s| (s.date.to_string(), s.length_hours()))
        .collect();
    assert_eq!(
        lengths,
        [
            ("2026-11-10".to_string(), 8.0),
            ("2026-11-11".to_string(), 12.0)
        ]
    );
    assert!(validate(&scenario, &solved.roster).is_empty());
}

#[test]
fn validator_catches_rosters_that_break_templates() {
    let dir = "tests/data/rosters/templates";
    let text = validate_good_and_bad(dir);
    for want in [
        // T01 (early only) works a default-template shift.
        "works a 10:00-18:00 shift of template default but may work only templates early",
        // T02 works the 12-hour peak shift on a day that is not a peak date.
        "shift lasts 12.00 h; the templates it could belong to allow",
        // T03 starts at 06:00, before any template.
        "starts at 06:00 but the shift templates open to the agent on 2026-11-02 start",
        // T04 (late only) works late on a Wednesday, when late does not apply.
        "T04",
    ] {
        assert!(text.contains(want), "`{want}` missing from:\n{text}");
    }
    assert!(!text.contains("T07"), "T07 is valid:\n{text}");
}
