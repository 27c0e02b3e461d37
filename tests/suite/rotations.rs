//! Rotations over multi-week plans: a hard rotation binds and is kept, the
//! optimizer matches exhaustive enumeration with it (hard and soft), a soft
//! rotation is priced exactly (the objective equals the cost recomputed
//! from the roster), fair shares count over the whole plan, and the
//! independent validator catches rosters that break a hard rotation.

use crate::common;

use common::{exact, gap_cost, on_duty, req, validate_good_and_bad};
use rota::horizon::Horizon;
use rota::report::{cost, evaluate};
use rota::roster::validate::validate;
use rota::scenario::Scenario;
use rota::solve::{solve, SolveStatus};

/// Two weeks on an hourly grid from Monday 2026-11-09. One agent on
/// exactly two 4-hour shifts (paid meal hour one or two hours in) a week.
/// The default template starts at 09:00 or 10:00, `early` at 07:00 or
/// 08:00, `late` at 13:00 or 14:00. The agent's rotation: an early week,
/// then a late week off at the weekend.
const TINY: &str = r#"
name: tiny rotation
site: { name: Tiny, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-09, days: 14, interval_minutes: 60 }
history: { file: unused.csv }
queues:
  - { id: a, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: A, name: Rotating A, skills: [a], min_hours: 8, max_hours: 8, rotation: early-late }
rules:
  shift_start: { earliest: "09:00", latest: "10:00", step_minutes: 60 }
  shift_lengths_hours: [4]
  shift_templates:
    - { name: early, start: { earliest: "07:00", latest: "08:00", step_minutes: 60 }, lengths_hours: [4] }
    - { name: late, start: { earliest: "13:00", latest: "14:00", step_minutes: 60 }, lengths_hours: [4] }
  meal_break: { minutes: 60, earliest_start_hours: 1, latest_end_hours: 3, paid: true, step_minutes: 60 }
  max_working_days: 5
ROTATIONS
weights: { understaffing: 100, overstaffing: 5, paid_hour: 1 }
"#;

const HARD: &str = "rotations:\n  - { id: early-late, weeks: [{ templates: [early] }, { templates: [late], days_off: [sat, sun] }] }";

/// The same rotation, soft: 30 for each shift off the pattern.
const SOFT: &str = "rotations:\n  - { id: early-late, weight: 30, weeks: [{ templates: [early] }, { templates: [late], days_off: [sat, sun] }] }";

fn tiny(rotations: &str) -> Scenario {
    Scenario::from_yaml_str(
        &TINY.replace("ROTATIONS", rotations),
        std::path::Path::new("tiny.yaml"),
    )
    .unwrap()
}

/// Without a rotation: the same agent, free to work any template.
fn free() -> Scenario {
    Scenario::from_yaml_str(
        &TINY
            .replace(", rotation: early-late", "")
            .replace("ROTATIONS", ""),
        std::path::Path::new("free.yaml"),
    )
    .unwrap()
}

/// The test's own reading of the pattern: may a shift starting at `hour`
/// on day `d` (0 = Monday of the first week) be worked, and is it on the
/// pattern? Week 0: early starts only; week 1: late starts, not on Saturday
/// or Sunday.
fn on_pattern(d: usize, hour: usize) -> bool {
    if d < 7 {
        hour == 7 || hour == 8
    } else {
        (hour == 13 || hour == 14) && d % 7 < 5
    }
}

/// The least cost of the two weeks by enumeration: in each week, every pair
/// of days and every start and break on each (the contract asks for
/// exactly two shifts a week; rest never binds: a late shift ends at 18:00
/// at the latest, thirteen hours before the earliest start). `penalty`:
/// `None` forbids shifts off the pattern, `Some(w)` charges `w` for each.
fn brute_force(need: &[u32], penalty: Option<Option<f64>>) -> f64 {
    let starts = [7usize, 8, 9, 10, 13, 14];
    let mut total = 0.0;
    for week in 0..2 {
        let mut best = f64::MAX;
        for d1 in 0..7 {
            for d2 in d1 + 1..7 {
                for s1 in starts {
                    for s2 in starts {
                        for b1 in [s1 + 1, s1 + 2] {
                            for b2 in [s2 + 1, s2 + 2] {
                                let shifts = [(week * 7 + d1, s1, b1), (week * 7 + d2, s2, b2)];
                                let mut c = 8.0;
                                let mut barred = false;
                                for &(d, s, _) in &shifts {
                                    match penalty {
                                        Some(None) if !on_pattern(d, s) => barred = true,
                                        Some(Some(w)) if !on_pattern(d, s) => c += w,
                                        _ => {}
                                    }
                                }
                                if barred {
                                    continue;
                                }
                                for d in week * 7..week * 7 + 7 {
                                    for h in 0..24 {
                                        let staff: f64 = shifts
                                            .iter()
                                            .filter(|x| x.0 == d)
                                            .map(|x| on_duty(Some((x.1, x.2)), h))
                                            .sum();
                                        c += gap_cost(staff, need[d * 24 + h]);
                                    }
                                }
                                best = best.min(c);
                            }
                        }
                    }
                }
            }
        }
        total += best;
    }
    total
}

/// Mornings (07:00-11:00) needed on the given days (0 = the first Monday).
fn mornings(days: &[usize]) -> Vec<(usize, u32)> {
    days.iter()
        .flat_map(|d| (7..11).map(move |h| (d * 24 + h, 1)))
        .collect()
}

fn need_of(needs: &[(usize, u32)]) -> Vec<u32> {
    let mut n = vec![0u32; 14 * 24];
    for &(t, k) in needs {
        n[t] = k;
    }
    n
}

/// `(date, start)` of every shift.
fn shifts_of(roster: &rota::roster::model::Roster) -> Vec<(String, String)> {
    roster
        .shifts
        .iter()
        .map(|s| (s.date.to_string(), s.start.format("%H:%M").to_string()))
        .collect()
}

#[test]
fn a_hard_rotation_binds_and_matches_exhaustive_search() {
    let hard = tiny(HARD);
    let horizon = Horizon::new(&hard);
    assert_eq!(horizon.intervals.len(), 14 * 24);
    let cases: Vec<Vec<(usize, u32)>> = vec![
        // Mornings in both weeks: the late week cannot serve them.
        mornings(&[0, 1, 7, 8]),
        // Saturday mornings: the late week keeps Saturday off.
        mornings(&[5, 12, 13]),
        // Afternoons of the second week: the rotation fits them.
        (7..14)
            .flat_map(|d| (14..18).map(move |h| (d * 24 + h, 1)))
            .collect(),
    ];
    for needs in cases {
        let reqs = vec![req(horizon.intervals.len(), &needs)];
        let need = need_of(&needs);
        let solved = solve(&hard, &horizon, &reqs, &exact()).unwrap();
        assert_eq!(solved.info.status, SolveStatus::Optimal);
        let expected = brute_force(&need, Some(None));
        assert!(
            (solved.info.objective - expected).abs() < 1e-6,
            "hard rotation: solver {} vs brute force {expected}",
            solved.info.objective
        );
        assert!(validate(&hard, &solved.roster).is_empty());
        for s in &solved.roster.shifts {
            let d = (s.date - hard.planning.week_start).num_days() as usize;
            let hour: usize = s.start.format("%H").to_string().parse().unwrap();
            assert!(on_pattern(d, hour), "{} {} off the pattern", s.date, hour);
        }
        let open = free();
        let unbound = solve(&open, &horizon, &reqs, &exact()).unwrap();
        let expected_free = brute_force(&need, None);
        assert!(
            (unbound.info.objective - expected_free).abs() < 1e-6,
            "free: solver {} vs brute force {expected_free}",
            unbound.info.objective
        );
    }
    // The rotation binds: with mornings needed in both weeks the free agent
    // works mornings in the second week too, the rotating one late shifts.
    let needs = mornings(&[0, 1, 7, 8]);
    let reqs = vec![req(horizon.intervals.len(), &needs)];
    let kept = shifts_of(&solve(&hard, &horizon, &reqs, &exact()).unwrap().roster);
    let unbound = shifts_of(&solve(&free(), &horizon, &reqs, &exact()).unwrap().roster);
    assert_ne!(kept, unbound);
    assert!(
        solve(&hard, &horizon, &reqs, &exact())
            .unwrap()
            .info
            .objective
            > solve(&free(), &horizon, &reqs, &exact())
                .unwrap()
                .info
                .objective
                + 1.0
    );
    assert!(
        unbound
            .iter()
            .any(|(d, s)| d.as_str() >= "2026-11-16" && s.as_str() < "12:00"),
        "{unbound:?}"
    );
    assert!(
        kept.iter()
            .filter(|(d, _)| d.as_str() >= "2026-11-16")
            .all(|(_, s)| s == "13:00" || s == "14:00"),
        "{kept:?}"
    );
}

#[test]
fn a_staggered_agent_starts_the_cycle_elsewhere() {
    // rotation_week: 1 gives the late week first: the same needs are
    // met by the early week second.
    let sc = Scenario::from_yaml_str(
        &TINY
            .replace(
                "rotation: early-late",
                "rotation: early-late, rotation_week: 1",
            )
            .replace("ROTATIONS", HARD),
        std::path::Path::new("staggered.yaml"),
    )
    .unwrap();
    let horizon = Horizon::new(&sc);
    let reqs = vec![req(horizon.intervals.len(), &mornings(&[7, 8]))];
    let solved = solve(&sc, &horizon, &reqs, &exact()).unwrap();
    let shifts = shifts_of(&solved.roster);
    assert_eq!(shifts.len(), 4, "{shifts:?}");
    for (d, s) in &shifts {
        if d.as_str() < "2026-11-16" {
            assert!(s == "13:00" || s == "14:00", "{shifts:?}");
        } else {
            assert!(s == "07:00", "{shifts:?}");
        }
    }
    assert!(validate(&sc, &solved.roster).is_empty());
    // The validator applies the same cycle: the unstaggered scenario finds
    // this roster off its rotation.
    let v = validate(&tiny(HARD), &solved.roster);
    assert!(
        !v.is_empty() && v.iter().all(|x| x.rule == "rotation"),
        "{v:?}"
    );
}

#[test]
fn a_soft_rotation_is_priced_exactly() {
    let soft = tiny(SOFT);
    let horizon = Horizon::new(&soft);
    for needs in [
        mornings(&[0, 1, 7, 8]),
        mornings(&[5, 12, 13]),
        mornings(&[0, 1]),
    ] {
        let reqs = vec![req(horizon.intervals.len(), &needs)];
        let solved = solve(&soft, &horizon, &reqs, &exact()).unwrap();
        let expected = brute_force(&need_of(&needs), Some(Some(30.0)));
        assert!(
            (solved.info.objective - expected).abs() < 1e-6,
            "soft rotation: solver {} vs brute force {expected}",
            solved.info.objective
        );
        // A soft rotation is no rule: the roster is valid however far off.
        assert!(validate(&soft, &solved.roster).is_empty());
        let ev = evaluate(&soft, &horizon, &reqs, &solved.roster).unwrap();
        let c = cost(&soft, &solved.roster, &ev);
        assert!(
            (c.total - solved.info.objective).abs() < 1e-6,
            "objective {} but the roster costs {c:?}",
            solved.info.objective
        );
        // The misses, counted here from the roster's own times.
        let off = solved
            .roster
            .shifts
            .iter()
            .filter(|s| {
                let d = (s.date - soft.planning.week_start).num_days() as usize;
                !on_pattern(d, s.start.format("%H").to_string().parse().unwrap())
            })
            .count();
        let f = rota::roster::soft::evaluate(&soft, &solved.roster).unwrap();
        assert!(
            (c.soft - 30.0 * off as f64).abs() < 1e-9,
            "{c:?}, {off} off"
        );
        let counted: usize = f
            .rotations
            .as_ref()
            .unwrap()
            .iter()
            .map(|m| m.dates.len())
            .sum();
        assert_eq!(counted, off);
    }
    // Mornings in the late week are worth more than the weight: the soft
    // rotation gives way there, at a price.
    let reqs = vec![req(horizon.intervals.len(), &mornings(&[7, 8]))];
    let solved = solve(&soft, &horizon, &reqs, &exact()).unwrap();
    let f = rota::roster::soft::evaluate(&soft, &solved.roster).unwrap();
    assert_eq!(f.rotation_penalty, Some(60.0), "{f:?}");
}

#[test]
fn fair_shares_count_over_the_whole_plan() {
    // Two agents, two weeks, a weekend morning (07:00-11:00, one 4-hour
    // shift without a break) to cover on each of the four weekend days; B
    // is off on the first weekend, so A works it. Counted over the whole
    // plan, fairness gives B both days of the second weekend (two each);
    // counted week by week, a split of the second weekend would do as well.
    // The two weeks and the queue of TINY.
    let head = &TINY[..TINY.find("agents:").unwrap()];
    let text = head.to_string()
        + r#"agents:
  - { id: A, name: Agent A, skills: [a], min_hours: 0, max_hours: 8 }
  - { id: B, name: Agent B, skills: [a], min_hours: 0, max_hours: 8, days_off: [2026-11-14, 2026-11-15] }
rules:
  shift_start: { earliest: "07:00", latest: "08:00", step_minutes: 60 }
  shift_lengths_hours: [4]
  fairness: {}
weights: { understaffing: 100, overstaffing: 5, paid_hour: 1, weekend_fairness: 20 }
"#;
    let sc = Scenario::from_yaml_str(&text, std::path::Path::new("fair.yaml")).unwrap();
    let horizon = Horizon::new(&sc);
    let reqs = vec![req(horizon.intervals.len(), &mornings(&[5, 6, 12, 13]))];
    let solved = solve(&sc, &horizon, &reqs, &exact()).unwrap();
    assert_eq!(solved.info.status, SolveStatus::Optimal);
    assert!(validate(&sc, &solved.roster).is_empty());
    let per_agent = |id: &str| {
        solved
            .roster
            .shifts
            .iter()
            .filter(|s| s.agent_id == id)
            .count()
    };
    assert_eq!((per_agent("A"), per_agent("B")), (2, 2));
    assert!(solved
        .roster
        .shifts
        .iter()
        .all(|s| (s.agent_id == "A") == (s.date.to_string().as_str() < "2026-11-16")));
    let f = rota::roster::soft::evaluate(&sc, &solved.roster).unwrap();
    let fair = f.fairness.unwrap();
    assert_eq!(fair.weekend_days.max, 2);
    assert_eq!(fair.weekend_days.per_agent.values().sum::<u32>(), 4);
    let ev = evaluate(&sc, &horizon, &reqs, &solved.roster).unwrap();
    let c = cost(&sc, &solved.roster, &ev);
    assert!((c.total - solved.info.objective).abs() < 1e-6, "{c:?}");
    assert!((c.soft - 40.0).abs() < 1e-9, "{c:?}");
}

#[test]
fn validator_catches_rosters_that_break_rotations() {
    let dir = "tests/data/rosters/rotations";
    let text = validate_good_and_bad(dir);
    for want in [
        // R01 (early week first) works a late shift in the first week.
        "works a 13:00-21:00 shift of template late in the week of 2026-11-02 (week 0 of rotation early-late), which allows only templates early",
        // R02 (staggered: late week first) works early in the first week.
        "works a 07:00-15:00 shift of template early in the week of 2026-11-02 (week 1 of rotation early-late), which allows only templates late",
        // R03 works on the Saturday its late week keeps off.
        "R03 on 2026-11-14 (Sat): works on sat, a day off in the week of 2026-11-09 (week 1 of rotation early-late)",
        // R04: every other weekend off, worked in the weekend it is off.
        "R04 on 2026-11-08 (Sun): works on sun, a day off in the week of 2026-11-02 (week 0 of rotation weekend-off)",
    ] {
        assert!(text.contains(want), "`{want}` missing from:\n{text}");
    }
    assert!(text.contains("4 rule violations"), "{text}");
    // R05 follows a soft rotation: off its pattern is no violation, and is
    // reported as a soft finding.
    assert!(!text.contains("agent R05"), "R05 is valid:\n{text}");
    assert!(
        text.contains(
            "off the pattern: R05 (Chen Jing): rotation early-late-wish (weight 10) on 2026-11-02"
        ),
        "{text}"
    );
}

#[test]
fn the_rotation_example_plans_keeps_its_rotations_and_validates() {
    // scenarios/hangzhou-rotation.yaml, read here from its comments: four
    // weeks from Monday 2026-11-09; HZ001-HZ006 work early weeks (starts
    // 08:00-10:00) then late weeks (13:00-15:00), HZ007-HZ012 the other way
    // round (hard); HZ015-HZ019 are off on the weekends of weeks 0 and 2,
    // HZ020-HZ024 on those of weeks 1 and 3, at 40 a shift (soft).
    const EXAMPLE: &str = "scenarios/hangzhou-rotation.yaml";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    assert_cmd::Command::cargo_bin("rota")
        .unwrap()
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .args(["plan", EXAMPLE, "--solver", "fast", "--quiet", "--out"])
        .arg(out)
        .assert()
        .code(0);
    assert_cmd::Command::cargo_bin("rota")
        .unwrap()
        .args(["validate", EXAMPLE])
        .arg(out.join("roster.csv"))
        .assert()
        .code(0);
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 11, 9).unwrap();
    let mut rows = csv::Reader::from_path(out.join("roster.csv")).unwrap();
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (agent, date, start) = (col("agent_id"), col("date"), col("start_local"));
    let (mut hotline, mut weekend_worked) = (0, 0);
    for row in rows.records() {
        let row = row.unwrap();
        let n: u32 = row[agent][2..].parse().unwrap();
        let day: chrono::NaiveDate = row[date].parse().unwrap();
        let week = (day - monday).num_days() / 7;
        let minute = {
            let clock = &row[start][11..16];
            clock[..2].parse::<u32>().unwrap() * 60 + clock[3..].parse::<u32>().unwrap()
        };
        if (1..=12).contains(&n) {
            hotline += 1;
            let early = (week + i64::from(n >= 7)) % 2 == 0;
            let window = if early { 480..=600 } else { 780..=900 };
            assert!(window.contains(&minute), "{:?}", row);
        }
        if (15..=24).contains(&n) {
            let off = (week + i64::from(n >= 20)) % 2 == 0;
            use chrono::Datelike;
            if off && day.weekday().number_from_monday() >= 6 {
                weekend_worked += 1;
            }
        }
    }
    assert!(hotline > 0);
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let penalty = s["soft"]["rotation_penalty"].as_f64().unwrap();
    assert!(
        (penalty - 40.0 * weekend_worked as f64).abs() < 1e-9,
        "{penalty} for {weekend_worked} shifts off"
    );
    let listed: usize = s["soft"]["rotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["dates"].as_array().unwrap().len())
        .sum();
    assert_eq!(listed, weekend_worked);
}

#[test]
fn a_rotation_that_leaves_too_few_days_is_named_in_the_diagnosis() {
    // The late week keeps Monday to Saturday off: one 4-hour shift fits,
    // the contract asks for 8 hours.
    let sc = tiny(&HARD.replace(
        "days_off: [sat, sun]",
        "days_off: [mon, tue, wed, thu, fri, sat]",
    ));
    let horizon = Horizon::new(&sc);
    let reqs = vec![req(horizon.intervals.len(), &[])];
    let msg = match solve(&sc, &horizon, &reqs, &exact()) {
        Err(rota::error::Error::Infeasible(msg)) => msg,
        Err(e) => panic!("expected an infeasible scenario, got {e}"),
        Ok(_) => panic!("expected an infeasible scenario, got a roster"),
    };
    assert!(
        msg.contains("agent A (Rotating A) must work at least 8 h"),
        "{msg}"
    );
    // Breaking the rotation on any of the week's days off (Monday 16 to
    // Saturday 21 November) fits the minimum; the diagnosis names one.
    let named = "the rotation early-late (templates late, off on mon, tue, wed, thu, fri, sat that week) on ";
    let at = msg.find(named).unwrap_or_else(|| panic!("{msg}")) + named.len();
    let day = &msg[at..at + 10];
    assert!(("2026-11-16"..="2026-11-21").contains(&day), "{msg}");
}

#[test]
fn the_decomposition_keeps_hard_rotations_of_agents_in_one_class() {
    // Two agents alike in skills, contract and cost (one class of the
    // decomposition) on the same rotation a week apart: mornings needed in
    // both weeks are served by whichever is in its early week.
    let text = TINY.replace(
        "  - { id: A, name: Rotating A, skills: [a], min_hours: 8, max_hours: 8, rotation: early-late }",
        "  - { id: A, name: Rotating A, skills: [a], min_hours: 8, max_hours: 8, rotation: early-late }\n  - { id: B, name: Rotating B, skills: [a], min_hours: 8, max_hours: 8, rotation: early-late, rotation_week: 1 }",
    );
    let sc = Scenario::from_yaml_str(
        &text.replace("ROTATIONS", HARD),
        std::path::Path::new("two.yaml"),
    )
    .unwrap();
    let horizon = Horizon::new(&sc);
    let reqs = vec![req(horizon.intervals.len(), &mornings(&[0, 1, 7, 8]))];
    let agents = solve(&sc, &horizon, &reqs, &exact()).unwrap();
    let mut cfg = exact();
    cfg.method = rota::scenario::SolveMethod::Decomposition;
    let decomposed = solve(&sc, &horizon, &reqs, &cfg).unwrap();
    for solved in [&agents, &decomposed] {
        assert!(validate(&sc, &solved.roster).is_empty());
        assert_eq!(solved.roster.shifts.len(), 8);
        for s in &solved.roster.shifts {
            let d = (s.date - sc.planning.week_start).num_days() as usize;
            let hour: usize = s.start.format("%H").to_string().parse().unwrap();
            // B's cycle is A's a week on.
            let d = if s.agent_id == "B" { (d + 7) % 14 } else { d };
            assert!(on_pattern(d, hour), "{} {} {hour}", s.agent_id, s.date);
        }
        let ev = evaluate(&sc, &horizon, &reqs, &solved.roster).unwrap();
        let c = cost(&sc, &solved.roster, &ev);
        assert!((c.total - solved.info.objective).abs() < 1e-6, "{c:?}");
    }
    // Both methods cover the four mornings in full: each agent's early
    // week has two of them.
    assert!((decomposed.info.objective - agents.info.objective).abs() < 1e-6);
}
