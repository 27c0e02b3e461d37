//! What a hostile or careless user tries that is not a plain bad input
//! (those are the corpus in tests/data/bad/): ids full of CSV, iCalendar
//! and spreadsheet metacharacters must survive plan → validate → export,
//! checked by outside parsers; a roster renamed by hand fails validation;
//! byte-order marks are read; warnings come once with their count; and
//! outputs are checked before any work.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn rota() -> Command {
    let mut c = Command::cargo_bin("rota").expect("binary built");
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    c
}

use crate::common;
use common::small;

fn abs(p: &str) -> String {
    Path::new(p).canonicalize().unwrap().display().to_string()
}

/// Plans the small scenario edited by `edit` in a new folder: the folder,
/// the scenario file and the output folder.
fn planned(edit: &dyn Fn(String) -> String) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let sc = small(dir.path(), edit);
    let out = dir.path().join("out");
    rota()
        .args(["plan", "--quiet", "--out"])
        .arg(&out)
        .arg(&sc)
        .assert()
        .code(0);
    (dir, sc, out)
}

/// Runs `cmd`, which must exit with `code`; returns its standard output
/// and standard error.
fn run(cmd: &mut Command, code: i32) -> (String, String) {
    let assert = cmd.assert().code(code);
    let o = assert.get_output();
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// Agents whose ids and names are made of what CSV, iCalendar and
/// spreadsheets treat specially.
fn special(text: String) -> String {
    text.replace(
        "id: T01, name: Wang Fang",
        r#"id: "T;01", name: "=HYPERLINK(\"http://evil\")""#,
    )
    .replace("id: T02, name: Li Na", r#"id: "T\"02,x", name: "+Li, Na""#)
    .replace(
        "id: T03, name: Zhang Wei",
        r#"id: "@T03", name: "-Zhang Wei""#,
    )
    .replace("id: T04, name: Liu Yang", r#"id: "王芳", name: "'=Liu""#)
    .replace(
        "id: T05, name: Chen Jing",
        r#"id: "a1", name: "@Chen Jing""#,
    )
    .replace(
        "id: T06, name: Yang Lei",
        r#"id: "A1", name: "Yang; Lei\\""#,
    )
}

const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

#[test]
fn special_ids_survive_plan_validate_and_export_and_never_start_a_formula() {
    let (dir, sc, out) = planned(&special);
    let roster = out.join("roster.csv");
    // rota reads back what it wrote.
    rota()
        .arg("validate")
        .arg(&sc)
        .arg(&roster)
        .assert()
        .code(0);
    let act = dir.path().join("activities.csv");
    let csv_out = dir.path().join("export.csv");
    for (args, path) in [
        (vec!["--format", "csv", "--activities"], &act),
        (vec!["--format", "csv"], &csv_out),
    ] {
        rota()
            .arg("export")
            .arg(&roster)
            .arg("--scenario")
            .arg(&sc)
            .args(args)
            .arg("--out")
            .arg(path)
            .assert()
            .code(0);
    }
    // No cell of any CSV written starts a formula (a real CSV parser reads them).
    let mut ids = std::collections::BTreeSet::new();
    for f in [
        roster.clone(),
        act.clone(),
        csv_out.clone(),
        out.join("forecast.csv"),
    ] {
        let mut r = csv::Reader::from_path(&f).unwrap();
        for rec in r.records() {
            let rec = rec.unwrap();
            for cell in rec.iter() {
                assert!(
                    !cell.starts_with(FORMULA),
                    "{}: a cell starts a formula: {cell:?}",
                    f.display()
                );
            }
            if f == roster {
                ids.insert(rec[0].to_string());
            }
        }
    }
    // Neutralised cells carry a leading quote; the ids are all there.
    for id in ["T;01", "T\"02,x", "'@T03", "王芳", "a1", "A1"] {
        assert!(ids.contains(id), "{id} missing from {ids:?}");
    }
    // The export CSV is the roster CSV.
    assert_eq!(
        std::fs::read(&csv_out).unwrap(),
        std::fs::read(&roster).unwrap()
    );
    // Three independent iCalendar parsers decode every shift of these agents.
    let ics = dir.path().join("special.ics");
    rota()
        .arg("export")
        .arg(&roster)
        .arg("--scenario")
        .arg(&sc)
        .args(["--format", "ics", "--out"])
        .arg(&ics)
        .assert()
        .code(0);
    let (ok, text) = common::ics_check([&ics, &roster]);
    assert!(ok, "{text}");
}

#[test]
fn per_agent_calendars_never_share_a_file() {
    let (dir, sc, out) = planned(&special);
    let cals = dir.path().join("calendars");
    rota()
        .arg("export")
        .arg(out.join("roster.csv"))
        .arg("--scenario")
        .arg(&sc)
        .args(["--format", "ics", "--per-agent", "--out"])
        .arg(&cals)
        .assert()
        .code(0);
    let names: Vec<String> = std::fs::read_dir(&cals)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    // Eight agents with shifts, eight files, distinct even ignoring case
    // (`a1` and `A1`), none from a non-Latin id lost, and nothing else in
    // the folder (its lock file is beside it).
    assert_eq!(names.len(), 8, "{names:?}");
    assert!(names.iter().all(|n| n.ends_with(".ics")), "{names:?}");
    assert!(dir.path().join(".calendars.rota.lock").is_file());
    let folded: std::collections::BTreeSet<String> =
        names.iter().map(|n| n.to_lowercase()).collect();
    assert_eq!(folded.len(), 8, "{names:?}");
    let mut uids = std::collections::BTreeSet::new();
    for n in &names {
        let text = std::fs::read_to_string(cals.join(n)).unwrap();
        let unfolded = icalendar::parser::unfold(&text);
        let cal = icalendar::parser::read_calendar(&unfolded).unwrap();
        let owners: std::collections::BTreeSet<String> = cal
            .components
            .iter()
            .filter(|c| c.name == "VEVENT")
            .filter_map(|c| c.find_prop("UID"))
            .map(|p| {
                let uid = p.val.to_string();
                let stem = uid.rsplit_once('@').unwrap().0.to_string();
                stem.rsplit_once('-').unwrap().0.to_string()
            })
            .collect();
        assert_eq!(owners.len(), 1, "{n} holds the shifts of {owners:?}");
        uids.extend(owners);
    }
    assert_eq!(uids.len(), 8);
}

#[test]
fn control_characters_in_ids_and_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sc = small(dir.path(), &|t| {
        t.replace("name: Test Centre", r#"name: "Test\aCentre""#)
    });
    // Ids and names go into CSV, iCalendar and file names: control
    // characters are refused where they are written (the calendar writer
    // drops any that reach it: a unit test of export::ics).
    let (_, stderr) = run(
        rota()
            .args(["plan", "--quiet", "--out"])
            .arg(dir.path().join("out"))
            .arg(&sc),
        2,
    );
    assert!(
        stderr.contains("field `site.name`") && stderr.contains("control characters"),
        "{stderr}"
    );
}

#[test]
fn an_agent_renamed_by_hand_fails_validation() {
    let (dir, sc, out) = planned(&|t| t);
    let text = std::fs::read_to_string(out.join("roster.csv")).unwrap();
    let renamed = dir.path().join("renamed.csv");
    std::fs::write(&renamed, text.replace(",Li Na,", ",Li Nah,")).unwrap();
    let (stdout, _) = run(rota().arg("validate").arg(&sc).arg(&renamed), 1);
    assert!(
        stdout.contains("agent-name: agent T02") && stdout.contains("`Li Nah`"),
        "{stdout}"
    );
}

#[test]
fn byte_order_marks_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let bom = |p: &Path| {
        let mut b = vec![0xef, 0xbb, 0xbf];
        b.extend(std::fs::read(p).unwrap());
        std::fs::write(p, b).unwrap();
    };
    // Scenario, solver settings, history and a variant, each with a BOM.
    std::fs::copy("tests/data/small/history.csv", dir.path().join("h.csv")).unwrap();
    std::fs::copy("tests/data/solver-test.yaml", dir.path().join("s.yaml")).unwrap();
    let sc = small(dir.path(), &|t| {
        t.replace(&abs("tests/data/small/history.csv"), "h.csv")
            .replace(&abs("tests/data/solver-test.yaml"), "s.yaml")
    });
    let variant = dir.path().join("variant.yaml");
    std::fs::write(&variant, "extend: scenario.yaml\nname: With a BOM\n").unwrap();
    for f in [
        &sc,
        &variant,
        &dir.path().join("h.csv"),
        &dir.path().join("s.yaml"),
    ] {
        bom(f);
    }
    let out = dir.path().join("out");
    let plan = ["plan", "--quiet", "--out"];
    run(rota().args(plan).arg(&out).arg(&variant), 0);
    // And a roster with one.
    let roster = out.join("roster.csv");
    bom(&roster);
    run(rota().arg("validate").arg(&variant).arg(&roster), 0);
}

#[test]
fn repeated_warnings_come_once_with_their_count() {
    let dir = tempfile::tempdir().unwrap();
    let history = std::fs::read_to_string("tests/data/small/history.csv").unwrap();
    let mut rows: Vec<String> = history.lines().map(str::to_string).collect();
    // Every timestamp in UTC (`Z`), which `timestamps: local` reads as a local time.
    for r in rows.iter_mut().skip(1) {
        *r = r.replacen("+08:00", "Z", 1);
    }
    let stamps = rows.len() - 1;
    // 3000 rows of queues the scenario does not have, and 96 in 2099.
    for i in 0..3000 {
        rows.push(format!("2026-10-05T00:00:00Z,queue{i},2,400"));
    }
    for i in 0..96 {
        rows.push(format!(
            "2099-01-01T{:02}:{:02}:00Z,hotline,3,200",
            i / 4,
            i % 4 * 15
        ));
    }
    std::fs::write(dir.path().join("h.csv"), rows.join("\n") + "\n").unwrap();
    let sc = small(dir.path(), &|t| {
        t.replace(
            &format!("file: {}", abs("tests/data/small/history.csv")),
            "file: h.csv, timestamps: local",
        )
    });
    let (_, stderr) = run(
        rota()
            .args(["plan", "--out"])
            .arg(dir.path().join("out"))
            .arg(&sc),
        0,
    );
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning"))
        .collect();
    assert!(warnings.len() <= 5, "{warnings:#?}");
    let one = |what: &str| {
        let hits: Vec<&&str> = warnings.iter().filter(|w| w.contains(what)).collect();
        assert_eq!(hits.len(), 1, "`{what}` in {warnings:#?}");
        hits[0].to_string()
    };
    let all = stamps + 3000 + 96;
    assert!(one(&format!("{all} timestamps carry an offset or `Z`")).contains("read as local"));
    assert!(one("3000 rows of 3000 queues").contains("and 2997 more"));
    assert!(one("96 history rows dated on or after").contains("2099-01-01"));
}

#[test]
fn outputs_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    // The history is missing and --out is a file: the output is refused
    // first, before the inputs are even read.
    let sc = small(dir.path(), &|t| {
        t.replace(&abs("tests/data/small/history.csv"), "no-such.csv")
    });
    let file = dir.path().join("a-file");
    std::fs::write(&file, "mine").unwrap();
    let (_, stderr) = run(
        rota()
            .args(["plan", "--quiet", "--out"])
            .arg(&file)
            .arg(&sc),
        2,
    );
    assert!(stderr.contains("is a file, not a folder"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    // `export --out` naming its roster by another spelling is refused before
    // the roster is read (it is not even a roster here).
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, "not a roster").unwrap();
    let sc = small(dir.path(), &|t| t);
    let other = dir.path().join("sub/../roster.csv");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let (_, stderr) = run(
        rota()
            .arg("export")
            .arg(&roster)
            .arg("--scenario")
            .arg(&sc)
            .args(["--format", "csv", "--out"])
            .arg(&other),
        2,
    );
    assert!(stderr.contains("will not overwrite an input"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&roster).unwrap(), "not a roster");
}

#[test]
fn numbers_at_their_limits_give_finite_plans() {
    // The largest accepted cost and weights still add up to a finite
    // objective, and the plan is reported as usual.
    let dir = tempfile::tempdir().unwrap();
    let sc = small(dir.path(), &|t| {
        t.replace(
            "id: T05, name: Chen Jing, skills: [chat], min_hours: 8, max_hours: 24",
            "id: T05, name: Chen Jing, skills: [chat], min_hours: 8, max_hours: 24, hourly_cost: 1000",
        )
        .replace(
            "solver:",
            "weights: { understaffing: 1000000, overstaffing: 1000000, paid_hour: 1000000 }\nsolver:",
        )
    });
    let out = dir.path().join("out");
    rota()
        .args(["plan", "--quiet", "--out"])
        .arg(&out)
        .arg(&sc)
        .assert()
        .code(predicates::function::function(|c: &i32| *c == 0 || *c == 1));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert!(
        summary["objective"].as_f64().is_some_and(f64::is_finite),
        "{summary}"
    );
}
