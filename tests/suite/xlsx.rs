//! `rota export --format xlsx`, read back with an independent reader
//! (calamine): every grid cell, the days off and the totals against
//! roster.csv (parsed here with the csv crate), the coverage sheet's staff
//! against coverage.csv, and the changes sheet of an approved request
//! against its changes.csv.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;

use calamine::{open_workbook, Data, Range, Reader, Xlsx};

use crate::common;

fn ok(args: &[&dyn AsRef<OsStr>]) {
    common::rota_ok(args);
}

/// `rota export SOURCE… --scenario SCENARIO --format xlsx --out OUT`.
fn export_xlsx(source: &[&dyn AsRef<OsStr>], scenario: &Path, out: &Path) {
    let mut args: Vec<&dyn AsRef<OsStr>> = vec![&"export"];
    args.extend_from_slice(source);
    args.extend_from_slice(&[
        &"--scenario",
        &scenario,
        &"--format",
        &"xlsx",
        &"--out",
        &out,
    ]);
    ok(&args);
}

fn open(path: &Path) -> (Vec<String>, BTreeMap<String, Range<Data>>) {
    let mut wb: Xlsx<_> = open_workbook(path).expect("an xlsx file calamine opens");
    let names = wb.sheet_names().to_vec();
    let ranges = names
        .iter()
        .map(|n| (n.clone(), wb.worksheet_range(n).unwrap()))
        .collect();
    (names, ranges)
}

fn text(r: &Range<Data>, row: usize, col: usize) -> String {
    match r.get_value((row as u32, col as u32)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn number(r: &Range<Data>, row: usize, col: usize) -> f64 {
    match r.get_value((row as u32, col as u32)) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("({row}, {col}) holds {other:?}, not a number"),
    }
}

/// `HH:MM`, with ` (+1)` when the time falls after midnight of the shift's day.
fn hhmm(t: &str, next_day: bool) -> String {
    if next_day {
        format!("{t} (+1)")
    } else {
        t.to_string()
    }
}

/// One roster.csv row, as the grid should show it:
/// `08:00–16:00 (meal 12:00–13:00)`.
fn expected_cell(row: &csv::StringRecord) -> String {
    let (start, end) = (&row[3], &row[4]);
    let (start_date, start_time) = start.split_once(' ').unwrap();
    let (end_date, end_time) = end.split_once(' ').unwrap();
    let mut cell = format!("{}–{}", start_time, hhmm(end_time, end_date != start_date));
    let breaks: Vec<String> = row[10]
        .split("; ")
        .filter(|b| !b.is_empty())
        .map(|b| {
            let (kind, span) = b.rsplit_once(' ').unwrap();
            let (a, z) = span.split_once('-').unwrap();
            // A break time earlier than the shift's start is on the next day.
            let next = |t: &str| t < start_time;
            format!("{kind} {}–{}", hhmm(a, next(a)), hhmm(z, next(z)))
        })
        .collect();
    if !breaks.is_empty() {
        cell.push_str(&format!(" ({})", breaks.join(", ")));
    }
    cell
}

/// Checks the `Rota` sheet against roster.csv: every cell, the days off,
/// the totals per agent and per day. Returns the number of agent rows.
fn check_grid(grid: &Range<Data>, roster_csv: &Path) -> usize {
    let mut rd = csv::Reader::from_path(roster_csv).unwrap();
    let mut cells: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut paid: BTreeMap<(String, String), f64> = BTreeMap::new();
    for row in rd.records() {
        let row = row.unwrap();
        let key = (row[0].to_string(), row[2].to_string());
        assert!(
            cells.insert(key.clone(), expected_cell(&row)).is_none(),
            "two shifts of one agent on one day: {key:?}"
        );
        paid.insert(key, row[8].parse().unwrap());
    }
    let width = grid.width();
    assert_eq!(text(grid, 0, 0), "agent_id");
    assert_eq!(text(grid, 0, width - 2), "paid_hours");
    assert_eq!(text(grid, 0, width - 1), "shifts");
    let dates: Vec<String> = (2..width - 2)
        .map(|c| text(grid, 0, c)[..10].to_string())
        .collect();
    let mut seen = 0;
    let mut row = 1;
    let mut day_agents = vec![0.0; dates.len()];
    let mut day_hours = vec![0.0; dates.len()];
    while text(grid, row, 0) != "agents on shift" {
        let id = text(grid, row, 0);
        assert!(!id.is_empty(), "row {row}: no agent id");
        let (mut hours, mut shifts) = (0.0, 0.0);
        for (i, d) in dates.iter().enumerate() {
            let key = (id.clone(), d.clone());
            let got = text(grid, row, 2 + i);
            match cells.get(&key) {
                Some(want) => {
                    assert_eq!(&got, want, "{id} on {d}");
                    seen += 1;
                    hours += paid[&key];
                    shifts += 1.0;
                    day_agents[i] += 1.0;
                    day_hours[i] += paid[&key];
                }
                None => assert_eq!(got, "off", "{id} on {d} is a day off"),
            }
        }
        assert!((number(grid, row, width - 2) - hours).abs() < 0.006, "{id}");
        assert_eq!(number(grid, row, width - 1), shifts, "{id}");
        row += 1;
    }
    assert_eq!(
        seen,
        cells.len(),
        "every shift of roster.csv is in the grid"
    );
    for i in 0..dates.len() {
        assert_eq!(number(grid, row, 2 + i), day_agents[i], "{}", dates[i]);
        assert!(
            (number(grid, row + 1, 2 + i) - day_hours[i]).abs() < 0.006,
            "{}",
            dates[i]
        );
    }
    assert_eq!(text(grid, row + 1, 0), "paid hours");
    row - 1
}

#[test]
fn the_demo_roster_as_a_grid_of_agents_by_dates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.xlsx");
    let roster = Path::new("tests/data/rosters/hangzhou-demo.csv");
    let scenario = Path::new("scenarios/hangzhou-ecommerce.yaml");
    export_xlsx(&[&roster], scenario, &out);
    let (names, sheets) = open(&out);
    assert_eq!(names, ["Rota", "Coverage"], "no changes sheet for a roster");
    let agents = check_grid(&sheets["Rota"], roster);
    let sc = rota::whatif::load_scenario(scenario).unwrap();
    assert_eq!(agents, sc.scenario.agents.len(), "one row per agent");
    // Seven dates of the plan.
    assert_eq!(sheets["Rota"].width(), 2 + 7 + 2);
}

#[test]
fn coverage_and_the_changes_of_an_approved_request() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::small(dir.path(), &|t| t);
    let plan = dir.path().join("plan");
    ok(&[&"plan", &"--quiet", &"--out", &plan, &scenario]);
    let xlsx = dir.path().join("plan.xlsx");
    let roster = plan.join("roster.csv");
    export_xlsx(&[&roster], &scenario, &xlsx);
    let (_, sheets) = open(&xlsx);
    check_grid(&sheets["Rota"], &plan.join("roster.csv"));
    // The coverage sheet's requirement and staff are coverage.csv's.
    let cov = &sheets["Coverage"];
    let mut columns: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for c in (2..cov.width()).step_by(2) {
        let q = text(cov, 0, c);
        let q = q.strip_suffix(" required").unwrap().to_string();
        assert_eq!(text(cov, 0, c + 1), format!("{q} staffed"));
        columns.insert(q, (c, c + 1));
    }
    let mut rd = csv::Reader::from_path(plan.join("coverage.csv")).unwrap();
    let mut row_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut checked = 0;
    for rec in rd.records() {
        let rec = rec.unwrap();
        let q = rec[0].to_string();
        let i = {
            let e = row_of.entry(q.clone()).or_insert(0);
            *e += 1;
            *e
        };
        assert_eq!(text(cov, i, 0), &rec[2], "interval {i}");
        assert_eq!(text(cov, i, 1), &rec[3], "interval {i}");
        let (rc, sc) = columns[&q];
        assert_eq!(
            number(cov, i, rc),
            rec[4].parse::<f64>().unwrap(),
            "{q} {i}"
        );
        assert!(
            (number(cov, i, sc) - rec[5].parse::<f64>().unwrap()).abs() < 1e-9,
            "{q} interval {i}"
        );
        checked += 1;
    }
    assert!(checked > 100, "{checked} intervals");
    assert!(row_of.values().all(|&n| n + 1 == cov.height()));

    // Publish, approve a day off: version 2 has a changes sheet.
    ok(&[&"publish", &scenario, &roster, &"--by", &"lead"]);
    let mut rd = csv::Reader::from_path(plan.join("roster.csv")).unwrap();
    let first = rd.records().next().unwrap().unwrap();
    let (agent, date) = (&first[0], &first[2]);
    ok(&[
        &"request", &"add", &"--by", &"T", &"--kind", &"off", &"--agent", &agent, &"--from", &date,
        &scenario,
    ]);
    let approved = dir.path().join("approved");
    ok(&[
        &"request", &"approve", &"--by", &"lead", &scenario, &"1", &"--out", &approved,
    ]);
    let v2 = dir.path().join("v2.xlsx");
    export_xlsx(&[&"--version", &"2"], &scenario, &v2);
    let (names, sheets) = open(&v2);
    assert_eq!(names, ["Rota", "Coverage", "Changes"]);
    check_grid(&sheets["Rota"], &approved.join("roster.csv"));
    let ch = &sheets["Changes"];
    let mut rd = csv::Reader::from_path(approved.join("changes.csv")).unwrap();
    let headers = rd.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut n = 0;
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.unwrap();
        assert_eq!(text(ch, i + 1, 0), &rec[col("agent_id")]);
        assert_eq!(text(ch, i + 1, 2), &rec[col("date")]);
        assert_eq!(text(ch, i + 1, 3), &rec[col("change")]);
        n += 1;
    }
    assert!(n >= 1, "the approved day off is a change");
    assert_eq!(ch.height(), n + 1);
    // The agent's day off: the shift before, off after.
    let day = (1..ch.height())
        .find(|&r| text(ch, r, 0) == first[0] && text(ch, r, 2) == first[2])
        .expect("the request's day among the changes");
    assert!(text(ch, day, 4).starts_with(&first[3][11..]));
    assert_eq!(text(ch, day, 5), "off");
}
