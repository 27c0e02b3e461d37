//! Forecasts and requirements from other tools (`forecast.file`,
//! `requirements.file`) through `rota forecast` and `rota plan`, checked
//! against the files the tests write and rota's other commands.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::common;

const SMALL: &str = "tests/data/small/scenario.yaml";

fn rota() -> Command {
    Command::cargo_bin("rota").expect("binary built")
}

/// The small test scenario in `dir`, its history and solver settings
/// pointing back at tests/data, with `sections` in place of its history
/// line (which is kept when `keep_history`).
fn scenario(dir: &Path, keep_history: bool, sections: &str) -> PathBuf {
    let data = std::fs::canonicalize("tests/data").unwrap();
    let mut text = String::new();
    for line in std::fs::read_to_string(SMALL).unwrap().lines() {
        if line.starts_with("history:") {
            if keep_history {
                text += &format!(
                    "history: {{ file: {}, weeks: 4 }}\n",
                    data.join("small/history.csv").display()
                );
            }
            text += sections;
            text += "\n";
        } else if line.starts_with("solver:") {
            text += &format!("solver: {}\n", data.join("solver-test.yaml").display());
        } else {
            text += line;
            text += "\n";
        }
    }
    let path = dir.join("scenario.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `rota staff` for one interval of a queue with the small scenario's
/// target (80 % in 20 s) and occupancy cap (0.9), evaluating `agents` when given.
fn staff(volume: &str, aht: &str, agents: Option<&str>) -> serde_json::Value {
    let mut args = vec![
        "staff",
        "--volume",
        volume,
        "--aht",
        aht,
        "--interval-minutes",
        "30",
        "--target-sl",
        "0.8",
        "--target-seconds",
        "20",
        "--max-occupancy",
        "0.9",
        "--format",
        "json",
    ];
    if let Some(a) = agents {
        args.extend(["--agents", a]);
    }
    common::rota_json(args)
}

fn rows(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect()
}

/// The volume the test's forecast file gives hotline at an hour.
fn hotline_volume(hour: u32) -> f64 {
    hour as f64 / 4.0
}

/// A forecast file for the small scenario's three days, 08:00-20:00:
/// hotline with a band, chat without.
fn forecast_file(dir: &Path) -> PathBuf {
    let mut text = String::from("queue,interval_start,volume,aht_seconds,volume_p10,volume_p90\n");
    for day in 2..=4 {
        for hour in 8..20 {
            for minute in [0, 30] {
                let t = format!("2026-11-{day:02} {hour:02}:{minute:02}");
                let v = hotline_volume(hour);
                text += &format!("hotline,{t},{v},240,{},{}\n", v - 1.0, v + 3.0);
                text += &format!("chat,{t},2,400,,\n");
            }
        }
    }
    // A row of the day after the plan is ignored.
    text += "chat,2026-11-05 08:00,99,500,,\n";
    let path = dir.join("forecast.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_forecast_file_replaces_history() {
    let dir = tempfile::tempdir().unwrap();
    forecast_file(dir.path());
    let sc = scenario(dir.path(), false, "forecast: { file: forecast.csv }");
    let v = common::rota_json(["forecast", sc.to_str().unwrap(), "--format", "json"]);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "external" && f["count"] == 1));
    // The 10 % quantile of the Poisson band: f - 1.2816 sqrt(f).
    let z = 1.281_551_565_5;
    for q in v["queues"].as_array().unwrap() {
        assert_eq!(q["method"], "file");
        for iv in q["intervals"].as_array().unwrap() {
            let t = iv["interval_start"].as_str().unwrap();
            let hour: u32 = t[11..13].parse().unwrap();
            let f = |k: &str| iv[k].as_f64().unwrap();
            if !(8..20).contains(&hour) {
                assert_eq!(f("volume"), 0.0, "{t}");
                continue;
            }
            if q["queue"] == "hotline" {
                let want = hotline_volume(hour);
                assert_eq!(
                    (
                        f("volume"),
                        f("aht_seconds"),
                        f("volume_p10"),
                        f("volume_p90")
                    ),
                    (want, 240.0, want - 1.0, want + 3.0),
                    "{t}"
                );
            } else {
                assert_eq!((f("volume"), f("aht_seconds")), (2.0, 400.0), "{t}");
                let poisson = 2.0 - z * 2f64.sqrt();
                assert!((f("volume_p10") - poisson).abs() < 1e-6, "{t}");
            }
        }
    }
    // The plan staffs the file's forecast: requirements.csv carries it, and
    // its agents are what `rota staff` gives for the same interval.
    let out = dir.path().join("out");
    rota()
        .args(["plan", "--quiet", "--out"])
        .arg(&out)
        .arg(&sc)
        .assert()
        .code(0);
    let reqs = rows(&out.join("requirements.csv"));
    let row = reqs
        .iter()
        .find(|r| &r[0] == "hotline" && &r[1] == "2026-11-03T10:30:00+08:00")
        .unwrap();
    assert_eq!((&row[4], &row[5]), ("2.50", "240.0"));
    let erlang = staff("2.5", "240", None);
    assert_eq!(
        row[7].parse::<u64>().unwrap(),
        erlang["agents"].as_u64().unwrap()
    );
}

#[test]
fn a_requirements_file_sets_the_agents_of_its_queues() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("queue,interval_start,agents\n");
    for day in 2..=4 {
        for hour in 8..20 {
            for minute in [0, 30] {
                text += &format!("hotline,2026-11-{day:02}T{hour:02}:{minute:02}:00+08:00,3\n");
            }
        }
        // Closed hours may be given as zero.
        text += &format!("hotline,2026-11-{day:02}T07:30:00+08:00,0\n");
    }
    std::fs::write(dir.path().join("requirements.csv"), text).unwrap();
    let sc = scenario(dir.path(), true, "requirements: { file: requirements.csv }");
    let (with, without) = (dir.path().join("with"), dir.path().join("without"));
    // Exit 1 may come: 4 scheduled hotline agents from 08:00 to 20:00 take
    // eight 8-hour shifts a day, and five agents have the skill, so the roster is
    // short, and where the optimizer leaves the shortfall (among rosters of
    // the same cost) decides whether hotline's level reaches its target.
    common::plan_quietly(&sc, &with);
    rota()
        .args(["plan", "--quiet", "--out"])
        .arg(&without)
        .arg(SMALL)
        .assert()
        .code(0);
    let (a, b) = (
        rows(&with.join("requirements.csv")),
        rows(&without.join("requirements.csv")),
    );
    assert_eq!(a.len(), b.len());
    let mut checked = 0;
    for (x, y) in a.iter().zip(&b) {
        let hour: u32 = x[3][..2].parse().unwrap();
        if &x[0] == "chat" {
            // Queues the file does not list keep Erlang's requirements.
            assert_eq!(x, y);
            continue;
        }
        // The forecast is the same; the agents are the file's, scheduled
        // for 20 % shrinkage: ceil(3 / 0.8) = 4.
        assert_eq!((&x[4], &x[5]), (&y[4], &y[5]));
        let open = (8..20).contains(&hour);
        let (agents, scheduled) = if open { ("3", "4") } else { ("0", "0") };
        assert_eq!((&x[7], &x[8]), (agents, scheduled), "{x:?}");
        if open && x[4].parse::<f64>().unwrap() > 0.0 {
            // The service level is what 3 agents deliver, as `rota staff` says.
            let three = staff(&x[4], &x[5], Some("3"));
            let sl = three["service_level"].as_f64().unwrap();
            // (requirements.csv rounds the volume and the service level.)
            assert!(
                (x[9].parse::<f64>().unwrap() - sl).abs() < 2e-3,
                "{x:?} {three}"
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
    // The optimizer covers the file's requirement: coverage.csv's required
    // agents of hotline are 4 when open.
    for r in rows(&with.join("coverage.csv")) {
        if &r[0] == "hotline" && (8..20).contains(&r[3][..2].parse::<u32>().unwrap()) {
            assert_eq!(&r[4], "4", "{r:?}");
        }
    }
}

#[test]
fn rota_s_own_forecast_file_reads_back() {
    // forecast.csv as `rota forecast --out` writes it (with its date,
    // local_time and method columns) is a valid forecast.file.
    let dir = tempfile::tempdir().unwrap();
    let first = common::rota_json([
        "forecast",
        SMALL,
        "--format",
        "json",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let sc = scenario(dir.path(), false, "forecast: { file: forecast.csv }");
    let again = common::rota_json(["forecast", sc.to_str().unwrap(), "--format", "json"]);
    // Writing the forecast over the file it was read from is refused.
    let before = std::fs::read(dir.path().join("forecast.csv")).unwrap();
    let out = rota()
        .args(["forecast", sc.to_str().unwrap(), "--out"])
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("will not overwrite an input"), "{err}");
    assert_eq!(
        std::fs::read(dir.path().join("forecast.csv")).unwrap(),
        before
    );
    for (a, b) in first["queues"]
        .as_array()
        .unwrap()
        .iter()
        .zip(again["queues"].as_array().unwrap())
    {
        assert_eq!(b["method"], "file");
        for (x, y) in a["intervals"]
            .as_array()
            .unwrap()
            .iter()
            .zip(b["intervals"].as_array().unwrap())
        {
            for k in ["volume", "aht_seconds", "volume_p10", "volume_p90"] {
                // forecast.csv rounds to two decimals (one for handle time).
                let (p, q) = (x[k].as_f64().unwrap(), y[k].as_f64().unwrap());
                assert!((p - q).abs() <= 0.051, "{k}: {p} {q}");
            }
        }
    }
}

#[test]
fn the_example_scenario_takes_its_files() {
    let v = common::rota_json([
        "forecast",
        "scenarios/hangzhou-external.yaml",
        "--format",
        "json",
    ]);
    let file_total: f64 = rows(Path::new("scenarios/data/hangzhou-group-forecast.csv"))
        .iter()
        .map(|r| r[2].parse::<f64>().unwrap())
        .sum();
    let hotline = &v["queues"][0];
    assert_eq!(hotline["method"], "file");
    assert!((hotline["volume"].as_f64().unwrap() - file_total).abs() < 1e-6);
    // Chat is still forecast from history.
    assert_ne!(v["queues"][1]["method"], "file");
}
