//! Property-based fuzzing of the parsers: mutated scenarios, histories and
//! rosters must give a value or an error naming the file, never a panic.
//! CI runs proptest's default 256 cases per parser; a longer run:
//! `PROPTEST_CASES=20000 cargo test --release --test fuzz_parsers`.

use std::path::Path;

use proptest::prelude::*;
use rota::history::History;
use rota::roster::read::read_roster_from;
use rota::roster::validate::validate;
use rota::scenario::Scenario;

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

proptest! {
    #[test]
    fn scenario_parser_never_panics(muts in proptest::collection::vec(mutation(), 1..4)) {
        let base = std::fs::read_to_string("tests/data/small/scenario.yaml").unwrap();
        let text = apply(&base, &muts);
        if let Err(e) = Scenario::from_yaml_str(&text, Path::new("fuzz.yaml")) {
            prop_assert!(e.to_string().starts_with("fuzz.yaml"), "{}", e);
        }
    }

    #[test]
    fn history_parser_never_panics(muts in proptest::collection::vec(mutation(), 1..4)) {
        let base: String = std::fs::read_to_string("tests/data/small/history.csv").unwrap().lines().take(40).collect::<Vec<_>>().join("\n");
        let text = apply(&base, &muts);
        let r = History::from_reader(text.as_bytes(), Path::new("fuzz.csv"), chrono_tz::Europe::London, &["hotline", "chat"]);
        if let Err(e) = r {
            prop_assert!(e.to_string().starts_with("fuzz.csv"), "{}", e);
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
            Err(e) => prop_assert!(e.to_string().starts_with("fuzz.csv"), "{}", e),
        }
    }
}
