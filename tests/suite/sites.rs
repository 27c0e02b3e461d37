//! Several sites in one plan (`docs/sites.md`): a scenario with one `site`
//! plans the same written as one entry of `sites` (property test), and a
//! London site beside a Shanghai one across the night British clocks go
//! back keeps real hours and decodes, in three outside parsers, to the
//! roster's UTC instants in each agent's own zone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::{DateTime, Duration, Timelike, Utc};
use proptest::prelude::*;

use crate::common;

type Row = BTreeMap<String, String>;

/// A shift's start and end.
type Span = (DateTime<Utc>, DateTime<Utc>);

fn rota() -> Command {
    let mut c = Command::cargo_bin("rota").expect("binary built");
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    c
}

/// Plans `scenario` into `out` (exit 0 or 1), validates the roster (exit
/// 0); returns the roster's rows and summary.json.
fn plan(scenario: &Path, out: &Path) -> (Vec<Row>, serde_json::Value) {
    let code = rota()
        .args(["plan", "--quiet", "--out"])
        .arg(out)
        .arg(scenario)
        .output()
        .unwrap()
        .status
        .code();
    assert!(matches!(code, Some(0 | 1)), "plan failed: {code:?}");
    rota()
        .arg("validate")
        .arg(scenario)
        .arg(out.join("roster.csv"))
        .assert()
        .code(0);
    let rows = csv::Reader::from_path(out.join("roster.csv"))
        .unwrap()
        .deserialize()
        .map(|r| r.unwrap())
        .collect();
    let summary =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    (rows, summary)
}

/// The UIDs of the calendar `rota export` writes of the roster in `out`.
fn uids(scenario: &Path, out: &Path) -> Vec<String> {
    let ics = out.join("all.ics");
    rota()
        .arg("export")
        .arg(out.join("roster.csv"))
        .arg("--scenario")
        .arg(scenario)
        .args(["--format", "ics", "--out"])
        .arg(&ics)
        .assert()
        .code(0);
    std::fs::read_to_string(ics)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("UID:"))
        .map(str::to_string)
        .collect()
}

/// The rows without their `site` column.
fn without_site(rows: &[Row]) -> Vec<Row> {
    rows.iter()
        .map(|r| {
            let mut r = r.clone();
            r.remove("site");
            r
        })
        .collect()
}

/// The small scenario with its one `site` written as the only entry of
/// `sites`, every agent naming it.
fn as_sites(text: &str) -> String {
    let site = "site: { name: Test Centre, timezone: Asia/Shanghai }\n";
    assert!(text.contains(site));
    let mut out = text.replace(
        site,
        "sites:\n  - { name: Test Centre, timezone: Asia/Shanghai }\n",
    );
    for i in 1..=8 {
        out = out.replace(
            &format!("{{ id: T0{i},"),
            &format!("{{ id: T0{i}, site: Test Centre,"),
        );
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20261207),
        ..ProptestConfig::default()
    })]

    /// The same scenario as one `site` and as one entry of `sites`: the
    /// same shifts, breaks and queues, the same objective and paid cost,
    /// the same calendar UIDs; the second roster only adds the site column.
    #[test]
    fn one_site_plans_the_same_as_one_entry_of_sites(
        latest in 10u32..=12,
        min_hours in prop::sample::select(vec![0u32, 8, 16]),
        lengths in prop::sample::select(vec!["[8]", "[6, 8]"]),
    ) {
        let edit = |s: String| {
            s.replace("latest: \"12:00\"", &format!("latest: \"{latest}:00\""))
                .replace("min_hours: 8,", &format!("min_hours: {min_hours},"))
                .replace("shift_lengths_hours: [8]", &format!("shift_lengths_hours: {lengths}"))
        };
        let one = tempfile::tempdir().unwrap();
        let many = tempfile::tempdir().unwrap();
        let a = common::small(one.path(), &edit);
        let b = common::small(many.path(), &|s| as_sites(&edit(s)));
        let (rows_a, sum_a) = plan(&a, &one.path().join("out"));
        let (rows_b, sum_b) = plan(&b, &many.path().join("out"));
        prop_assert!(!rows_a.is_empty());
        prop_assert!(rows_a.iter().all(|r| !r.contains_key("site")));
        prop_assert!(rows_b.iter().all(|r| r["site"] == "Test Centre"));
        prop_assert_eq!(without_site(&rows_a), without_site(&rows_b));
        prop_assert_eq!(&sum_a["objective"], &sum_b["objective"]);
        prop_assert_eq!(&sum_a["paid_cost"], &sum_b["paid_cost"]);
        prop_assert_eq!(&sum_a["site"], &sum_b["site"]);
        prop_assert!(sum_a.get("sites").is_none());
        prop_assert_eq!(sum_b["sites"].as_array().unwrap().len(), 1);
        prop_assert_eq!(
            uids(&a, &one.path().join("out")),
            uids(&b, &many.path().join("out"))
        );
    }
}

/// The small scenario's agents dealt in turn to three sites of one zone
/// and rules: the sites share their shift candidates and classes, so the
/// plan is the one-site plan (the same shifts, objective and model sizes),
/// each row naming its agent's site.
#[test]
fn sites_of_one_zone_and_rules_share_their_candidates() {
    let one = tempfile::tempdir().unwrap();
    let three = tempfile::tempdir().unwrap();
    let a = common::small(one.path(), &|s| s);
    let site_of = |i: usize| ["Hangzhou", "Chengdu", "Hefei"][i % 3];
    let b = common::small(three.path(), &|s| {
        let site = "site: { name: Test Centre, timezone: Asia/Shanghai }\n";
        assert!(s.contains(site));
        let mut out = s.replace(
            site,
            "sites:\n  - { name: Hangzhou, timezone: Asia/Shanghai }\n  \
             - { name: Chengdu, timezone: Asia/Shanghai }\n  \
             - { name: Hefei, timezone: Asia/Shanghai }\n",
        );
        for i in 1..=8 {
            out = out.replace(
                &format!("{{ id: T0{i},"),
                &format!("{{ id: T0{i}, site: {},", site_of(i)),
            );
        }
        out
    });
    let (rows_a, sum_a) = plan(&a, &one.path().join("out"));
    let (rows_b, sum_b) = plan(&b, &three.path().join("out"));
    assert!(!rows_a.is_empty());
    for r in &rows_b {
        let i: usize = r["agent_id"][1..].parse().unwrap();
        assert_eq!(r["site"], site_of(i), "{r:?}");
    }
    assert_eq!(without_site(&rows_a), without_site(&rows_b));
    assert_eq!(sum_a["objective"], sum_b["objective"]);
    let sizes = |s: &serde_json::Value| -> Vec<(String, u64, u64)> {
        s["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["variables"].as_u64().unwrap(),
                    p["constraints"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(sizes(&sum_a), sizes(&sum_b));
}

/// The London test team (reference zone Europe/London) with a Shanghai
/// site beside it, over the week British clocks go back (Sunday
/// 2026-10-25, 02:00 BST -> 01:00 GMT). L04 may work only the Saturday, at
/// 18:00 (a site of its own with that one start), so its shift runs into
/// the repeated hour: 18:00 BST to 01:00 GMT, 8 real hours, 7 on the clock.
fn london_and_shanghai(dir: &Path) -> PathBuf {
    let abs = |p: &str| Path::new(p).canonicalize().unwrap().display().to_string();
    let text = std::fs::read_to_string("tests/data/london/scenario.yaml")
        .unwrap()
        .replace(
            "file: history.csv",
            &format!("file: {}", abs("tests/data/london/history.csv")),
        )
        .replace("../solver-test.yaml", &abs("tests/data/solver-test.yaml"))
        .replace(
            "planning:",
            "sites:
  - { name: London, timezone: Europe/London }
  - name: London late
    timezone: Europe/London
    rules: { shift_start: { earliest: \"18:00\", latest: \"18:00\", step_minutes: 60 } }
  - name: Shanghai
    timezone: Asia/Shanghai
    rules: { shift_start: { earliest: \"16:00\", latest: \"20:00\", step_minutes: 60 } }
planning:",
        )
        .replace("{ id: L01,", "{ id: L01, site: London,")
        .replace("{ id: L02,", "{ id: L02, site: London,")
        .replace("{ id: L03,", "{ id: L03, site: London,")
        .replace(
            "{ id: L04, name: Noah Williams, skills: [support], min_hours: 15,",
            "{ id: L04, site: London late, days_off: [2026-10-19, 2026-10-20, 2026-10-21, 2026-10-22, 2026-10-23, 2026-10-25], name: Noah Williams, skills: [support], min_hours: 7,",
        )
        .replace(
            "rules:\n",
            "  - { id: S01, site: Shanghai, name: Wang Fang, skills: [support], min_hours: 15, max_hours: 38 }\n  - { id: S02, site: Shanghai, name: Li Na, skills: [support], min_hours: 15, max_hours: 38 }\nrules:\n",
        );
    assert!(text.contains("site: London late, days_off"), "{text}");
    let path = dir.join("scenario.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn sites_keep_real_hours_and_local_rules_across_the_clock_change() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = london_and_shanghai(dir.path());
    let out = dir.path().join("out");
    let (rows, summary) = plan(&scenario, &out);

    // Every shift lasts 8 real hours, whatever the clocks say.
    for r in &rows {
        let len = utc(&r["end_utc"]) - utc(&r["start_utc"]);
        assert_eq!(len, Duration::hours(8), "{r:?}");
    }
    // L04's Saturday shift: 18:00 BST (17:00 UTC) to 01:00 GMT (01:00 UTC),
    // 7 hours on the clock.
    let l04: Vec<&Row> = rows.iter().filter(|r| r["agent_id"] == "L04").collect();
    assert_eq!(l04.len(), 1, "{l04:?}");
    assert_eq!(l04[0]["date"], "2026-10-24");
    assert_eq!(l04[0]["start_local"], "2026-10-24 18:00");
    assert_eq!(l04[0]["end_local"], "2026-10-25 01:00");
    assert_eq!(l04[0]["start_utc"], "2026-10-24T17:00:00Z");
    assert_eq!(l04[0]["end_utc"], "2026-10-25T01:00:00Z");
    assert_eq!(l04[0]["site"], "London late");
    // The meal break lies 3 to 5 real hours into the shift: its local
    // times are before the change, so they read as UTC + 1.
    let meal = &l04[0]["breaks"];
    let hour: u32 = meal[5..7].parse().unwrap();
    assert!((21..=22).contains(&hour), "{meal}");

    // Shanghai agents start between 16:00 and 20:00 Shanghai time on every
    // day, so an hour later in London once London's clocks go back; their
    // rows are in their site's zone.
    let shanghai: Vec<&Row> = rows.iter().filter(|r| r["site"] == "Shanghai").collect();
    assert!(!shanghai.is_empty());
    for r in &shanghai {
        assert_eq!(r["timezone"], "Asia/Shanghai");
        let local = utc(&r["start_utc"]) + Duration::hours(8);
        assert!((16..=20).contains(&local.hour()), "{r:?}");
        assert_eq!(r["start_local"], local.format("%Y-%m-%d %H:%M").to_string());
    }
    // Rest between an agent's shifts, in real hours.
    let mut by_agent: BTreeMap<&str, Vec<Span>> = BTreeMap::new();
    for r in &rows {
        by_agent
            .entry(r["agent_id"].as_str())
            .or_default()
            .push((utc(&r["start_utc"]), utc(&r["end_utc"])));
    }
    for (id, mut shifts) in by_agent {
        shifts.sort();
        for w in shifts.windows(2) {
            assert!(w[1].0 - w[0].1 >= Duration::hours(11), "{id}: {w:?}");
        }
    }
    // summary.json breaks the plan down by site.
    let sites = summary["sites"].as_array().unwrap();
    let names: Vec<&str> = sites.iter().map(|s| s["site"].as_str().unwrap()).collect();
    assert_eq!(names, ["London", "London late", "Shanghai"]);
    let paid: f64 = sites
        .iter()
        .map(|s| s["paid_hours"].as_f64().unwrap())
        .sum();
    assert!((paid - summary["scheduled_hours"].as_f64().unwrap()).abs() < 0.05);
    // And so does report.html, with a row per site.
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    let table = &report[report.find("id=\"sites-table\"").expect("a sites table")..];
    let table = &table[..table.find("</table>").unwrap()];
    for name in names {
        assert!(
            table.contains(&format!("<td class=\"left\">{name}</td>")),
            "{name}"
        );
    }

    // Each agent's calendar is in its site's zone, and three parsers decode
    // it to the roster's UTC instants.
    let calendars = dir.path().join("calendars");
    rota()
        .arg("export")
        .arg(out.join("roster.csv"))
        .arg("--scenario")
        .arg(&scenario)
        .args(["--format", "ics", "--per-agent", "--out"])
        .arg(&calendars)
        .assert()
        .code(0);
    let csv_text = std::fs::read_to_string(out.join("roster.csv")).unwrap();
    let header = csv_text.lines().next().unwrap();
    for (id, zone) in [("L04", "Europe/London"), ("S01", "Asia/Shanghai")] {
        let ics = calendars.join(format!("{id}.ics"));
        let text = std::fs::read_to_string(&ics).unwrap();
        assert!(text.contains(&format!("X-WR-TIMEZONE:{zone}")), "{text}");
        assert!(text.contains(&format!("TZID:{zone}")), "{text}");
        let mine: Vec<&str> = csv_text
            .lines()
            .filter(|l| l.starts_with(&format!("{id},")))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let roster = dir.path().join(format!("{id}.csv"));
        std::fs::write(&roster, format!("{header}\n{}\n", mine.join("\n"))).unwrap();
        let (ok, out) = common::ics_check([&ics, &roster]);
        assert!(ok, "{id}: the parsers disagree with the roster:\n{out}");
        for lib in ["icalendar", "vobject", "ical:"] {
            assert!(out.contains(lib), "{lib} did not run:\n{out}");
        }
    }
}

/// Publish and re-plan keep working with several sites: the London and
/// Shanghai scenario with London open 08:00-23:00, published, then
/// re-planned from Wednesday noon with L01 absent. The re-plan may extend
/// shifts by overtime, but never past its site's closing (it once did, and
/// the validator refused the roster); the new version validates with its
/// allowances and keeps each row in its site's zone.
#[test]
fn a_re_plan_of_several_sites_keeps_each_sites_hours() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = london_and_shanghai(dir.path());
    let text = std::fs::read_to_string(&scenario).unwrap().replace(
        "  - { name: London, timezone: Europe/London }",
        "  - { name: London, timezone: Europe/London, open: { from: \"08:00\", to: \"23:00\" } }",
    );
    std::fs::write(&scenario, text).unwrap();
    let out = dir.path().join("out");
    plan_and_publish(&scenario, &out);
    let again = dir.path().join("replan");
    replan_without_l01(&scenario, &again);
    let rows: Vec<Row> = csv::Reader::from_path(again.join("roster.csv"))
        .unwrap()
        .deserialize()
        .map(|r| r.unwrap())
        .collect();
    for r in &rows {
        let zone = if r["site"] == "Shanghai" {
            "Asia/Shanghai"
        } else {
            "Europe/London"
        };
        assert_eq!(r["timezone"], zone, "{r:?}");
        if r["site"] == "London" {
            assert!(&r["end_local"][11..] <= "23:00", "{r:?}");
        }
    }
    assert!(!rows
        .iter()
        .any(|r| r["agent_id"] == "L01" && r["date"].as_str() > "2026-10-21"));
}

/// The stored shift rows of `version` (every column but `version` and
/// `row`), each with its site, in the order of `row`.
fn stored_rows(db: &Path, version: i64) -> Vec<(String, Vec<String>)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare(
            "SELECT site, agent_id, agent_name, date, start_local, end_local, start_utc,
                end_utc, paid_hours, breaks, skills
             FROM shifts WHERE version = ?1 ORDER BY row",
        )
        .unwrap();
    st.query_map([version], |r| {
        Ok((
            r.get::<_, String>(0)?,
            (1..11).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?,
        ))
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

/// Plans `scenario` into `out` and publishes the roster (by `lead`);
/// returns the roster's rows.
fn plan_and_publish(scenario: &Path, out: &Path) -> Vec<Row> {
    let (rows, _) = plan(scenario, out);
    rota()
        .arg("publish")
        .arg(scenario)
        .arg(out.join("roster.csv"))
        .args(["--by", "lead"])
        .assert()
        .code(0);
    rows
}

/// Re-plans `scenario` (published as version 1) from Wednesday noon with
/// L01 absent, into `again`, and checks it stored a valid version 2.
fn replan_without_l01(scenario: &Path, again: &Path) {
    let run = rota()
        .arg("replan")
        .arg(scenario)
        .args([
            "--from",
            "2026-10-21 12:00",
            "--absent",
            "L01",
            "--by",
            "lead",
            "--out",
        ])
        .arg(again)
        .output()
        .unwrap();
    stored_as_version_2(scenario, &run, again);
}

/// The re-plan `run` stored version 2, whose roster (in `again`) the
/// validator passes with the version's allowances.
fn stored_as_version_2(scenario: &Path, run: &std::process::Output, again: &Path) {
    let said =
        String::from_utf8_lossy(&run.stdout).to_string() + &String::from_utf8_lossy(&run.stderr);
    assert!(matches!(run.status.code(), Some(0 | 1)), "{said}");
    assert!(said.contains("as version 2"), "{said}");
    rota()
        .arg("validate")
        .arg(scenario)
        .arg(again.join("roster.csv"))
        .args(["--version", "2"])
        .assert()
        .code(0);
}

fn read_rows(path: &Path) -> Vec<Row> {
    csv::Reader::from_path(path)
        .unwrap()
        .deserialize()
        .map(|r| r.unwrap())
        .collect()
}

/// The stored rows are the roster's, row by row, each at the roster's site.
fn same_sites(stored: &[(String, Vec<String>)], rows: &[Row]) {
    assert_eq!(stored.len(), rows.len());
    for ((site, row), r) in stored.iter().zip(rows) {
        assert_eq!(
            (site, &row[0], &row[2]),
            (&r["site"], &r["agent_id"], &r["date"])
        );
    }
}

/// `rota replan --site London` with L01 absent from Wednesday noon: every
/// shift of the other two sites is stored again byte for byte, L01 works
/// nothing after `--from`, the new version validates with its allowances
/// and the store holds one more version, whose shift rows carry the site
/// its roster CSV gives each. A site the scenario does not have, and an
/// absent agent of another site, are refused (exit 2) naming what is at
/// fault.
#[test]
fn a_re_plan_of_one_site_keeps_every_other_sites_shifts() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = london_and_shanghai(dir.path());
    let out = dir.path().join("out");
    plan_and_publish(&scenario, &out);
    let db = dir.path().join("rota.db");
    let before = stored_rows(&db, 1);
    // Each published row's site is its roster row's.
    let published: Vec<Row> = read_rows(&out.join("roster.csv"));
    same_sites(&before, &published);
    let replan = |args: &[&str], into: &str| {
        rota()
            .arg("replan")
            .arg(&scenario)
            .args(["--from", "2026-10-21 12:00", "--by", "lead"])
            .args(args)
            .arg("--out")
            .arg(dir.path().join(into))
            .output()
            .unwrap()
    };
    for (args, said) in [
        (
            ["--site", "Paris", "--absent", "L01"],
            "--site Paris: the scenario has no site of that name; its sites: London, London late, Shanghai",
        ),
        (
            ["--site", "London", "--absent", "S01"],
            "--absent S01: the agent is at site Shanghai, and --site London re-plans London's agents only",
        ),
    ] {
        let run = replan(&args, "refused");
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{err}");
        assert!(err.contains(said), "{err}");
    }
    let run = replan(&["--site", "London", "--absent", "L01"], "replan");
    let again = dir.path().join("replan");
    stored_as_version_2(&scenario, &run, &again);
    let versions: serde_json::Value = serde_json::from_slice(
        &rota()
            .args(["versions", "--format", "json", "--store"])
            .arg(&db)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        versions["versions"].as_array().unwrap().len(),
        2,
        "{versions}"
    );
    // The other sites' shifts, byte for byte, in the store and the CSV.
    let after = stored_rows(&db, 2);
    let others = |rows: &[(String, Vec<String>)]| -> Vec<(String, Vec<String>)> {
        rows.iter()
            .filter(|(s, _)| s != "London")
            .cloned()
            .collect()
    };
    assert!(others(&before).len() >= 5, "{before:?}");
    assert_eq!(others(&after), others(&before));
    let lines = |p: &Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .filter(|l| !l.contains(",London,"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        lines(&again.join("roster.csv")),
        lines(&out.join("roster.csv"))
    );
    // The store's sites are the new roster's, row by row.
    let rows = read_rows(&again.join("roster.csv"));
    same_sites(&after, &rows);
    // L01 works nothing after --from (noon BST, 11:00 UTC), and did before.
    let from = utc("2026-10-21T11:00:00Z");
    assert!(published
        .iter()
        .any(|r| r["agent_id"] == "L01" && utc(&r["end_utc"]) > from));
    for r in rows.iter().filter(|r| r["agent_id"] == "L01") {
        assert!(utc(&r["end_utc"]) <= from, "{r:?}");
    }
    // The version records the site it re-planned.
    let facts: serde_json::Value =
        serde_json::from_str(versions["versions"][1]["replan"].as_str().unwrap()).unwrap();
    assert_eq!(facts["site"], "London", "{facts}");
}

/// The London and Shanghai fixture with `more` of Shanghai's own rules
/// beside its shift start (YAML flow fields, `min_rest_hours: 16`).
fn shanghai_with(dir: &Path, more: &str) -> PathBuf {
    let scenario = london_and_shanghai(dir);
    let start = "shift_start: { earliest: \"16:00\", latest: \"20:00\", step_minutes: 60 }";
    let own = format!("{start} }}");
    let text = std::fs::read_to_string(&scenario).unwrap();
    assert!(text.contains(&own));
    let text = text.replace(&own, &format!("{start}, {more} }}"));
    std::fs::write(&scenario, text).unwrap();
    scenario
}

/// The London and Shanghai fixture with Shanghai's own rest and working
/// days: 16 hours' rest (the scenario's 11) and at most 4 working days
/// (the scenario's 5).
fn shanghai_rests_longer(dir: &Path) -> PathBuf {
    shanghai_with(dir, "min_rest_hours: 16, max_working_days: 4")
}

/// A roster CSV of the site fixtures written by hand (`dir/hand.csv`): the
/// header and `rows`, the UTC columns left empty.
fn hand_roster(dir: &Path, rows: &[&str]) -> PathBuf {
    let header = "agent_id,agent_name,site,date,start_local,end_local,timezone,start_utc,end_utc,paid_hours,break_minutes,breaks,skills";
    let hand = dir.join("hand.csv");
    std::fs::write(&hand, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    hand
}

/// The violations `rota validate --format json` finds: (rule, agent, message).
fn violations(scenario: &Path, roster: &Path) -> Vec<(String, String, String)> {
    let out = rota()
        .arg("validate")
        .arg(scenario)
        .arg(roster)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            (s("rule"), s("agent_id"), s("message"))
        })
        .collect()
}

/// A site's own rest and working days: the plan keeps Shanghai's 16 hours
/// and 4 days (read off the roster's UTC instants) while London keeps the
/// scenario's; the validator names Shanghai's rule when a Shanghai agent
/// rests 13 hours, and lets a London agent rest 13 hours as the
/// scenario's 11 allow. A bad value is blamed on the site's field.
#[test]
fn a_sites_own_rest_and_working_days_hold_for_its_agents_only() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = shanghai_rests_longer(dir.path());
    let out = dir.path().join("out");
    let (rows, _) = plan(&scenario, &out);
    let mut by_agent: BTreeMap<(&str, &str), Vec<Span>> = BTreeMap::new();
    for r in &rows {
        by_agent
            .entry((r["site"].as_str(), r["agent_id"].as_str()))
            .or_default()
            .push((utc(&r["start_utc"]), utc(&r["end_utc"])));
    }
    let mut shanghai_shifts = 0;
    for ((site, id), mut shifts) in by_agent {
        shifts.sort();
        let (rest, days) = if site == "Shanghai" {
            shanghai_shifts += shifts.len();
            (16, 4)
        } else {
            (11, 5)
        };
        assert!(shifts.len() <= days, "{id}: {shifts:?}");
        for w in shifts.windows(2) {
            assert!(w[1].0 - w[0].1 >= Duration::hours(rest), "{id}: {w:?}");
        }
    }
    assert!(shanghai_shifts >= 4, "{rows:?}");

    // A roster where S01 and L02 each rest 13 hours between two shifts.
    let hand = hand_roster(
        dir.path(),
        &[
            "S01,Wang Fang,Shanghai,2026-10-20,2026-10-20 20:00,2026-10-21 04:00,Asia/Shanghai,,,7.50,30,meal 23:30-00:00,support",
            "S01,Wang Fang,Shanghai,2026-10-21,2026-10-21 17:00,2026-10-22 01:00,Asia/Shanghai,,,7.50,30,meal 20:30-21:00,support",
            "L02,Jack O'Neil,London,2026-10-20,2026-10-20 18:00,2026-10-21 02:00,Europe/London,,,7.50,30,meal 21:30-22:00,support",
            "L02,Jack O'Neil,London,2026-10-21,2026-10-21 15:00,2026-10-21 23:00,Europe/London,,,7.50,30,meal 18:30-19:00,support",
        ],
    );
    let found = violations(&scenario, &hand);
    let rest: Vec<&(String, String, String)> = found.iter().filter(|v| v.0 == "min-rest").collect();
    assert_eq!(rest.len(), 1, "{found:?}");
    assert_eq!(rest[0].1, "S01");
    assert!(
        rest[0].2.contains("only 13.00 h rest")
            && rest[0]
                .2
                .contains("at least 16 h are required (site Shanghai's min_rest_hours)"),
        "{found:?}"
    );
    // The same roster against the scenario without Shanghai's rest: clean.
    std::fs::create_dir(dir.path().join("plain")).unwrap();
    let plain = london_and_shanghai(&dir.path().join("plain"));
    let found = violations(&plain, &hand);
    assert!(!found.iter().any(|v| v.0 == "min-rest"), "{found:?}");

    // Bad values: the file, the line and the site's field.
    for (from, to, field, said) in [
        (
            "max_working_days: 4",
            "max_working_days: 0",
            "max_working_days",
            "must be at least 1",
        ),
        (
            "max_working_days: 4",
            "consecutive_days_off: 8",
            "consecutive_days_off",
            "must be between 1 and the 7 planned days",
        ),
        (
            "min_rest_hours: 16",
            "min_rest_hours: 200",
            "min_rest_hours",
            "rest hours must be between 0 and 168, got 200",
        ),
    ] {
        blamed_on_shanghais_field(dir.path(), &scenario, from, to, field, said);
    }
}

/// A site's shifts start inside the plan's instants, as a single site's
/// do, whatever its local day: with Shanghai allowed to start from 00:00,
/// its Monday's first hours fall on Sunday in London, the reference zone,
/// before the plan. The plan starts none of them (every row starts inside
/// the plan, and the validator passes it), and the validator refuses a
/// hand-written one, naming the agent and the plan's span.
#[test]
fn a_sites_shifts_start_inside_the_plan_whatever_its_local_day() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = london_and_shanghai(dir.path());
    let text = std::fs::read_to_string(&scenario).unwrap();
    let window = "shift_start: { earliest: \"16:00\", latest: \"20:00\", step_minutes: 60 }";
    assert!(text.contains(window));
    std::fs::write(
        &scenario,
        text.replace(
            window,
            "shift_start: { earliest: \"00:00\", latest: \"20:00\", step_minutes: 60 }",
        ),
    )
    .unwrap();
    let (rows, _) = plan(&scenario, &dir.path().join("out"));
    let (from, to) = (utc("2026-10-18T23:00:00Z"), utc("2026-10-26T00:00:00Z"));
    for r in &rows {
        let start = utc(&r["start_utc"]);
        assert!(from <= start && start < to, "{r:?}");
    }
    let hand = hand_roster(
        dir.path(),
        &[
            "S01,Wang Fang,Shanghai,2026-10-19,2026-10-19 02:00,2026-10-19 10:00,Asia/Shanghai,,,7.50,30,meal 05:30-06:00,support",
            "S01,Wang Fang,Shanghai,2026-10-20,2026-10-20 07:00,2026-10-20 15:00,Asia/Shanghai,,,7.50,30,meal 10:30-11:00,support",
        ],
    );
    let found = violations(&scenario, &hand);
    let outside: Vec<&(String, String, String)> =
        found.iter().filter(|v| v.0 == "outside-horizon").collect();
    assert_eq!(outside.len(), 1, "{found:?}");
    assert_eq!(outside[0].1, "S01");
    assert!(
        outside[0].2.contains(
            "the shift starting 2026-10-19 02:00 (Asia/Shanghai) starts before the plan, which runs from 2026-10-19 00:00 to 2026-10-26 00:00 (Europe/London)"
        ),
        "{found:?}"
    );
}

/// The London and Shanghai fixture with Shanghai's own breaks: an unpaid
/// 60-minute meal 4 h to 6.5 h into the shift (the scenario's: 30 minutes,
/// 3 h to 5 h) and a paid 15-minute rest break 1 h to 2.5 h in, which
/// London's shifts do not get.
fn shanghai_breaks_its_own_way(dir: &Path) -> PathBuf {
    shanghai_with(
        dir,
        "meal_break: { minutes: 60, earliest_start_hours: 4, latest_end_hours: 6.5, step_minutes: 30 }, rest_breaks: [{ minutes: 15, earliest_start_hours: 1, latest_end_hours: 2.5 }]",
    )
}

/// A roster row's breaks (the `breaks` column, `meal 12:00-12:30; rest
/// ...`), each as (kind, minutes into the shift, minutes long), from the
/// local clock times (no fixture break falls across a clock change).
fn breaks_of(r: &Row) -> Vec<(String, i64, i64)> {
    let clock = |t: &str| -> i64 {
        let (h, m) = t.split_once(':').unwrap();
        h.parse::<i64>().unwrap() * 60 + m.parse::<i64>().unwrap()
    };
    let start = clock(&r["start_local"][11..16]);
    r["breaks"]
        .split("; ")
        .filter(|b| !b.is_empty())
        .map(|b| {
            let (kind, span) = b.split_once(' ').unwrap();
            let (from, to) = span.split_once('-').unwrap();
            let (from, to) = (clock(from), clock(to));
            (
                kind.to_string(),
                (from - start).rem_euclid(24 * 60),
                (to - from).rem_euclid(24 * 60),
            )
        })
        .collect()
}

/// A site's own breaks (`sites[].rules.meal_break`, `rest_breaks`): every
/// Shanghai shift of the plan has Shanghai's meal and rest break and every
/// London shift London's (the scenario's) meal alone, read off roster.csv;
/// the validator refuses a Shanghai agent given London's meal, naming the
/// agent and Shanghai's rule; a re-plan with an absence keeps them and
/// validates; a bad value is blamed on the site's field.
#[test]
fn a_sites_own_breaks_hold_for_its_agents_only() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = shanghai_breaks_its_own_way(dir.path());
    let out = dir.path().join("out");
    let rows = plan_and_publish(&scenario, &out);
    let mut shanghai_shifts = 0;
    for r in &rows {
        let mut breaks = breaks_of(r);
        breaks.sort();
        if r["site"] == "Shanghai" {
            shanghai_shifts += 1;
            assert_eq!(breaks.len(), 2, "{r:?}");
            let (meal, rest) = (&breaks[0], &breaks[1]);
            assert_eq!((meal.0.as_str(), meal.2), ("meal", 60), "{r:?}");
            assert!(240 <= meal.1 && meal.1 + 60 <= 390, "{r:?}");
            assert_eq!((rest.0.as_str(), rest.2), ("rest", 15), "{r:?}");
            assert!(60 <= rest.1 && rest.1 + 15 <= 150, "{r:?}");
            assert_eq!(r["paid_hours"], "7.00", "{r:?}");
        } else {
            assert_eq!(breaks.len(), 1, "{r:?}");
            let meal = &breaks[0];
            assert_eq!((meal.0.as_str(), meal.2), ("meal", 30), "{r:?}");
            assert!(180 <= meal.1 && meal.1 + 30 <= 300, "{r:?}");
            assert_eq!(r["paid_hours"], "7.50", "{r:?}");
        }
    }
    assert!(shanghai_shifts >= 4, "{rows:?}");

    // S01 with London's meal (and no rest break); L02 with London's: only
    // S01's shift is refused, by Shanghai's rules.
    let hand = hand_roster(
        dir.path(),
        &[
            "S01,Wang Fang,Shanghai,2026-10-20,2026-10-20 16:00,2026-10-21 00:00,Asia/Shanghai,,,7.50,30,meal 19:30-20:00,support",
            "L02,Jack O'Neil,London,2026-10-20,2026-10-20 10:00,2026-10-20 18:00,Europe/London,,,7.50,30,meal 13:30-14:00,support",
        ],
    );
    let found = violations(&scenario, &hand);
    let breaks: Vec<&(String, String, String)> = found
        .iter()
        .filter(|v| v.0 == "meal-break" || v.0 == "rest-break")
        .collect();
    assert!(breaks.iter().all(|v| v.1 == "S01"), "{found:?}");
    assert!(
        breaks.iter().any(|v| v.0 == "meal-break"
            && v.2.contains(
                "meal break lasts 30 min; it must last 60 min (site Shanghai's meal_break)"
            )),
        "{found:?}"
    );
    assert!(
        breaks.iter().any(|v| v.0 == "rest-break"
            && v.2
                .contains("has 0 rest breaks; it needs 1 (site Shanghai's rest_breaks)")),
        "{found:?}"
    );
    // The same roster against the scenario without Shanghai's breaks: no
    // break findings.
    std::fs::create_dir(dir.path().join("plain")).unwrap();
    let plain = london_and_shanghai(&dir.path().join("plain"));
    let found = violations(&plain, &hand);
    assert!(
        !found
            .iter()
            .any(|v| v.0 == "meal-break" || v.0 == "rest-break"),
        "{found:?}"
    );

    // A re-plan from Wednesday noon with L01 absent keeps each site's breaks.
    let again = dir.path().join("replan");
    replan_without_l01(&scenario, &again);
    // (L01's Wednesday is cut short at noon, before its meal: no break.)
    for r in read_rows(&again.join("roster.csv")) {
        let mut breaks = breaks_of(&r);
        breaks.sort();
        let sizes: Vec<(&str, i64)> = breaks.iter().map(|b| (b.0.as_str(), b.2)).collect();
        let whole = utc(&r["end_utc"]) - utc(&r["start_utc"]) >= Duration::hours(8);
        match (r["site"].as_str(), whole) {
            ("Shanghai", true) => assert_eq!(sizes, [("meal", 60), ("rest", 15)], "{r:?}"),
            (_, true) => assert_eq!(sizes, [("meal", 30)], "{r:?}"),
            _ => assert!(r["agent_id"] == "L01" && sizes.is_empty(), "{r:?}"),
        }
    }

    // Bad values: the file, the line and the site's field.
    for (from, to, field, said) in [
        (
            "meal_break: { minutes: 60,",
            "meal_break: { minutes: 0,",
            "meal_break.minutes",
            "must be a positive multiple of 5, got 0 (`meal_break: null` for none)",
        ),
        (
            "latest_end_hours: 2.5 }",
            "latest_end_hours: 4.5 }",
            "rest_breaks[0]",
            "overlaps the window of sites[2].rules.meal_break",
        ),
        (
            "latest_end_hours: 6.5,",
            "latest_end_hours: 9,",
            "meal_break",
            "end within the shortest shift it applies to (8 h)",
        ),
    ] {
        blamed_on_shanghais_field(dir.path(), &scenario, from, to, field, said);
    }
}

/// `scenario` with `from` replaced by `to` is refused (exit 2), naming the
/// file, the line of `to` and Shanghai's (`sites[2]`) `field`, and saying `said`.
fn blamed_on_shanghais_field(
    dir: &Path,
    scenario: &Path,
    from: &str,
    to: &str,
    field: &str,
    said: &str,
) {
    let text = std::fs::read_to_string(scenario).unwrap().replace(from, to);
    let line = text.lines().position(|l| l.contains(to)).unwrap() + 1;
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, text).unwrap();
    let run = rota()
        .args(["plan", "--quiet", "--out"])
        .arg(dir.join("bad"))
        .arg(&bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("bad.yaml: line {line}"))
            && err.contains(&format!("field `sites[2].rules.{field}`"))
            && err.contains(said),
        "{err}"
    );
}
