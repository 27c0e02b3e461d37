//! Property-based fuzzing of the parsers: mutated scenarios, scenario
//! variants, solver settings, sweep axes, histories and rosters must give a
//! value within rota's limits or one short line of error naming the file,
//! never a panic, a hang or a whole file quoted back.
//! CI runs proptest's default 256 cases per parser; a longer run:
//! `PROPTEST_CASES=20000 cargo test --release --test suite fuzz_parsers::`.

use std::path::Path;

use proptest::prelude::*;
use rota::history::History;
use rota::limits;
use rota::roster::read::read_roster_from;
use rota::roster::validate::validate;
use rota::scenario::{Scenario, SolverConfig};

/// A mutation of a text: delete, duplicate or overwrite a line, splice in
/// characters that matter to YAML and CSV, or truncate.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    Splice(usize, String),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let chunk = proptest::collection::vec(
        prop_oneof![
            Just(":"),
            Just("{"),
            Just("}"),
            Just("["),
            Just("]"),
            Just(","),
            Just("-"),
            Just(" "),
            Just("\n"),
            Just("\""),
            Just("'"),
            Just("#"),
            Just("&a"),
            Just("*a"),
            Just("!!"),
            Just("25:00"),
            Just("-1"),
            Just("1e309"),
            Just("NaN"),
            Just("2026-02-30"),
            Just("杭州"),
            Just("\t"),
            Just("~"),
            Just("null"),
            Just("99999999999999999999"),
            Just("T01"),
            Just("hotline"),
            Just("Europe/London"),
            Just("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["),
            Just("{a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: "),
            Just("&b [x, x, x, x, x, x, x, x] "),
            Just("[*b, *b, *b, *b, *b, *b, *b, *b]"),
            Just("\u{feff}"),
            Just("\u{7}"),
            Just("\u{1b}[31m"),
            Just("1e308"),
            Just("-1e308"),
            Just("extend: variant.yaml\n"),
            Just("extend: /etc/passwd\n"),
            Just("log_file: /tmp/x\n"),
            Just("threads: 100000\n"),
            Just("until: 2020-01-01"),
            Just("2026-13-45"),
            Just("=cmd|' /C calc'!A0"),
            Just(";"),
            Just("---\n"),
        ],
        1..6,
    )
    .prop_map(|v| v.concat());
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), chunk).prop_map(|(i, s)| Mutation::Splice(i, s)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut t = text.to_string();
    for m in muts {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        let n = lines.len();
        match m {
            Mutation::DeleteLine(i) => {
                lines.remove(i % n);
            }
            Mutation::DuplicateLine(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Mutation::Splice(i, s) => {
                let mut at = i % (t.len() + 1);
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                t.insert_str(at, s);
                continue;
            }
            Mutation::Truncate(i) => {
                let mut at = i % (t.len() + 1);
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                t.truncate(at);
                continue;
            }
        }
        t = lines.join("\n") + "\n";
    }
    t
}

/// An error is one short line naming `file`.
fn clear(e: &rota::Error, file: &str) -> Result<(), TestCaseError> {
    let text = e.to_string();
    prop_assert!(text.starts_with(file), "{}", text);
    prop_assert!(!text.contains('\n') && text.len() <= 700, "{}", text);
    Ok(())
}

/// A scenario that loaded stays within the documented limits.
fn within_limits(sc: &Scenario) -> Result<(), TestCaseError> {
    for a in &sc.agents {
        prop_assert!(a.hourly_cost <= limits::MAX_HOURLY_COST);
        prop_assert!(!a.id.chars().any(char::is_control) && !a.name.chars().any(char::is_control));
    }
    for q in &sc.queues {
        prop_assert!(!q.id.contains(';') && !q.id.chars().any(char::is_control));
    }
    for a in &sc.adjustments {
        prop_assert!(a.volume_multiplier <= limits::MAX_MULTIPLIER);
        prop_assert!(a.aht_multiplier <= limits::MAX_MULTIPLIER);
        prop_assert!(a.until.is_none_or(|u| u >= a.date));
    }
    for e in &sc.calendar.events {
        prop_assert!(e
            .volume_multiplier
            .is_none_or(|m| m <= limits::MAX_MULTIPLIER));
        prop_assert!(e.until.is_none_or(|u| u >= e.date));
    }
    let w = &sc.weights;
    for v in [w.understaffing, w.overstaffing, w.paid_hour] {
        prop_assert!(v.is_finite() && v <= limits::MAX_WEIGHT);
    }
    Ok(())
}

const SOLVER: &str = "# Fuzzed settings.
time_limit_seconds: 10
mip_rel_gap: 0.01
threads: 2
random_seed: 42
presolve: choose
warm_start: true
method: auto
options:
  mip_heuristic_effort: 0.3
  parallel: \"on\"
";

const VARIANT: &str = "# A fuzzed variant.
extend: base.yaml
name: Fuzzed
set:
  queues[hotline].service_level: { target: 0.9, seconds: 15 }
  defaults.shrinkage: 0.25
  adjustments:
    - { name: sale, date: 2026-11-03, until: 2026-11-04, volume_multiplier: 2.5 }
add:
  agents:
    - { id: T09, name: Xu Li, skills: [hotline, chat], min_hours: 8, max_hours: 24 }
remove:
  agents: [T08]
";

proptest! {
    #[test]
    fn scenario_parser_never_panics(muts in proptest::collection::vec(mutation(), 1..4)) {
        let base = std::fs::read_to_string("tests/data/small/scenario.yaml").unwrap();
        let text = apply(&base, &muts);
        match Scenario::from_yaml_str(&text, Path::new("fuzz.yaml")) {
            Ok(sc) => within_limits(&sc)?,
            Err(e) => clear(&e, "fuzz.yaml")?,
        }
    }

    #[test]
    fn variants_load_or_say_which_file_is_wrong(muts in proptest::collection::vec(mutation(), 1..4)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy("tests/data/small/scenario.yaml", dir.path().join("base.yaml")).unwrap();
        let variant = dir.path().join("variant.yaml");
        std::fs::write(&variant, apply(VARIANT, &muts)).unwrap();
        match rota::whatif::load_scenario(&variant) {
            Ok(l) => within_limits(&l.scenario)?,
            Err(e) => clear(&e, &dir.path().display().to_string())?,
        }
    }

    #[test]
    fn solver_settings_stay_within_limits(muts in proptest::collection::vec(mutation(), 1..4)) {
        let text = apply(SOLVER, &muts);
        match SolverConfig::from_yaml_str(&text, Path::new("solver.yaml")) {
            Ok(cfg) => {
                prop_assert!(cfg.threads <= limits::MAX_THREADS);
                prop_assert!(cfg.time_limit_seconds.is_finite() && cfg.time_limit_seconds <= limits::MAX_TIME_LIMIT_SECONDS);
                prop_assert!((0.0..=1.0).contains(&cfg.mip_rel_gap));
                for k in cfg.options.keys() {
                    prop_assert!(rota::scenario::option_allowed(k).is_ok(), "{}", k);
                }
            }
            Err(e) => clear(&e, "solver.yaml")?,
        }
    }

    #[test]
    fn sweep_grids_stay_within_limits(specs in proptest::collection::vec(
        (prop_oneof![Just("volume"), Just("aht"), Just("shrinkage"), Just("target"), Just("speed")],
         0.0f64..200.0, 0.0f64..200.0, prop_oneof![Just(0.0), Just(1e-9), 0.0001f64..10.0]),
        1..5,
    )) {
        let axes: Result<Vec<_>, String> = specs
            .iter()
            .map(|(p, a, b, step)| rota::whatif::Axis::parse(&format!("{p}={a}..{b}:{step}")))
            .collect();
        if let Ok(axes) = axes {
            if rota::whatif::check_axes(&axes).is_ok() {
                prop_assert!(rota::whatif::grid(&axes).len() <= limits::MAX_SWEEP_POINTS);
            }
        }
    }

    #[test]
    fn history_parser_never_panics(muts in proptest::collection::vec(mutation(), 1..4)) {
        let base: String = std::fs::read_to_string("tests/data/small/history.csv").unwrap().lines().take(40).collect::<Vec<_>>().join("\n");
        let text = apply(&base, &muts);
        let r = History::from_reader(text.as_bytes(), Path::new("fuzz.csv"), chrono_tz::Europe::London, &["hotline", "chat"]);
        if let Err(e) = r {
            clear(&e, "fuzz.csv")?;
        }
    }

    #[test]
    fn roster_reader_and_validator_never_panic(muts in proptest::collection::vec(mutation(), 1..4)) {
        let base = std::fs::read_to_string("tests/data/rosters/bad.csv").unwrap();
        let scenario_text = std::fs::read_to_string("tests/data/small/scenario.yaml").unwrap();
        let scenario = Scenario::from_yaml_str(&scenario_text, Path::new("s.yaml")).unwrap();
        let text = apply(&base, &muts);
        match read_roster_from(text.as_bytes(), Path::new("fuzz.csv"), "s", chrono_tz::Asia::Shanghai) {
            Ok(roster) => { let _ = validate(&scenario, &roster); }
            Err(e) => clear(&e, "fuzz.csv")?,
        }
    }
}
