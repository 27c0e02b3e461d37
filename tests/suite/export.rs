//! Exports checked by outside parsers: three independent Python iCalendar
//! libraries (icalendar, vobject, ical) must decode the roster's instants,
//! including on the night clocks go back; CSV and JSON are snapshot-tested.

use std::path::Path;

use assert_cmd::Command;

use crate::common;

const LONDON: &str = "tests/data/london/scenario.yaml";
const LONDON_ROSTER: &str = "tests/data/london/roster.csv";

fn rota() -> Command {
    let mut c = Command::cargo_bin("rota").expect("binary built");
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    c
}

/// Runs tests/ics_check.py (installed parsers: see scripts/setup.sh).
fn check_with_python(ics: &Path, roster_csv: &Path) {
    let (ok, text) = common::ics_check([ics, roster_csv]);
    assert!(ok, "independent parsers disagree with the roster:\n{text}");
    for lib in ["icalendar", "vobject", "ical:"] {
        assert!(text.contains(lib), "{lib} did not run:\n{text}");
    }
}

fn export(args: &[&str]) -> Command {
    let mut c = rota();
    c.args(["export", LONDON_ROSTER, "--scenario", LONDON])
        .args(args);
    c
}

#[test]
fn calendars_decode_to_the_rosters_instants_across_the_dst_change() {
    let dir = tempfile::tempdir().unwrap();
    let ics = dir.path().join("london.ics");
    let csv = dir.path().join("london.csv");
    export(&["--format", "ics", "--out"])
        .arg(&ics)
        .assert()
        .code(0);
    export(&["--format", "csv", "--out"])
        .arg(&csv)
        .assert()
        .code(0);
    check_with_python(&ics, &csv);
    // The shift ending in the repeated hour is written in UTC, not ambiguously.
    let text = std::fs::read_to_string(&ics).unwrap();
    assert!(text.contains("DTEND:20261025T010000Z\r\n"), "{text}");
    assert!(text.contains("DTEND:20261025T000000Z\r\n"), "{text}");
    // With breaks as events of their own, the shifts still decode the same.
    let with_breaks = dir.path().join("breaks.ics");
    export(&["--format", "ics", "--break-events", "--out"])
        .arg(&with_breaks)
        .assert()
        .code(0);
    check_with_python(&with_breaks, &csv);
    let text = std::fs::read_to_string(&with_breaks).unwrap();
    assert_eq!(text.matches("CATEGORIES:rota break").count(), 8);
}

#[test]
fn planned_roster_calendar_decodes_in_three_parsers() {
    let dir = tempfile::tempdir().unwrap();
    rota()
        .args(["plan", "tests/data/small/scenario.yaml", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .code(0);
    check_with_python(
        &dir.path().join("roster.ics"),
        &dir.path().join("roster.csv"),
    );
}

#[test]
fn uids_survive_a_re_export_of_an_edited_roster() {
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before.ics");
    export(&["--format", "ics", "--out"])
        .arg(&before)
        .assert()
        .code(0);
    // A planner moves one shift an hour later and re-exports.
    let edited = dir.path().join("edited.csv");
    let text = std::fs::read_to_string(LONDON_ROSTER).unwrap().replace(
        "2026-10-25 12:00,2026-10-25 20:00,Europe/London,,,7.50,30,meal 15:00-15:30",
        "2026-10-25 13:00,2026-10-25 21:00,Europe/London,,,7.50,30,meal 16:00-16:30",
    );
    std::fs::write(&edited, text).unwrap();
    let after = dir.path().join("after.ics");
    rota()
        .args(["export"])
        .arg(&edited)
        .args(["--scenario", LONDON, "--format", "ics", "--out"])
        .arg(&after)
        .assert()
        .code(0);
    let uids = |p: &Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("UID:"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(uids(&before), uids(&after));
    let a = std::fs::read_to_string(&after).unwrap();
    assert!(a.contains("DTSTART;TZID=Europe/London:20261025T130000"));
    // Exporting the same roster twice gives the same bytes.
    let again = dir.path().join("again.ics");
    export(&["--format", "ics", "--out"])
        .arg(&again)
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read(&before).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[test]
fn per_agent_calendars_hold_only_their_agents_shifts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("calendars");
    let listing = |d: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names
    };
    // Twice: the second export replaces the first's folder.
    for _ in 0..2 {
        export(&["--format", "ics", "--per-agent", "--out"])
            .arg(&out)
            .assert()
            .code(0);
        // The folder holds exactly the calendars (no lock file, no
        // temporaries); plain ids name their calendar as written.
        assert_eq!(listing(&out), ["L01.ics", "L02.ics", "L03.ics", "L04.ics"]);
        // Beside it, its hidden lock file, and nothing else of rota's.
        assert_eq!(listing(dir.path()), [".calendars.rota.lock", "calendars"]);
    }
    let names = listing(&out);
    for n in names {
        let text = std::fs::read_to_string(out.join(&n)).unwrap();
        let id = n.trim_end_matches(".ics");
        let uids: Vec<&str> = text.lines().filter(|l| l.starts_with("UID:")).collect();
        assert_eq!(uids.len(), 2, "{n}");
        assert!(
            uids.iter().all(|u| u.starts_with(&format!("UID:{id}-"))),
            "{n}: {uids:?}"
        );
        assert!(text.contains("BEGIN:VTIMEZONE"));
    }
}

#[test]
fn export_refuses_a_roster_that_breaks_rules() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bad.ics");
    let assert = rota()
        .args([
            "export",
            "tests/data/rosters/bad.csv",
            "--scenario",
            "tests/data/small/scenario.yaml",
            "--format",
            "ics",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("start-window: agent T01 on 2026-11-02")
            && stderr.contains("nothing exported"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn csv_and_json_exports_match_their_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("roster.csv", vec!["--format", "csv"]),
        ("activities.csv", vec!["--format", "csv", "--activities"]),
        ("roster.json", vec!["--format", "json"]),
    ] {
        let out = dir.path().join(name);
        export(&args).arg("--out").arg(&out).assert().code(0);
        let text = std::fs::read_to_string(&out).unwrap();
        insta::assert_snapshot!(name, text);
    }
    // The activities add up to the shifts: work + breaks = shift length, per shift.
    let act = std::fs::read_to_string(dir.path().join("activities.csv")).unwrap();
    let minutes: i64 = act
        .lines()
        .skip(1)
        .map(|l| l.split(',').rev().nth(2).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(minutes, 8 * 8 * 60);
}
