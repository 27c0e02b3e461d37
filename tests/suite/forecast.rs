//! End-to-end tests of `rota forecast` on the small test scenario.

use std::path::Path;

use assert_cmd::Command;

use crate::common;

const SMALL: &str = "tests/data/small/scenario.yaml";

fn rota() -> Command {
    Command::cargo_bin("rota").expect("binary built")
}

#[test]
fn backtest_json_reports_every_method_per_queue() {
    let v = common::rota_json([
        "forecast",
        SMALL,
        "--backtest-weeks",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(v["weeks"], 2);
    let queues = v["queues"].as_array().unwrap();
    assert_eq!(queues.len(), 2);
    for q in queues {
        let methods = q["methods"].as_array().unwrap();
        let names: Vec<&str> = methods
            .iter()
            .map(|m| m["method"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "seasonal_naive",
                "decomposition",
                "holt_winters",
                "day_of_month",
                "smoothed_level",
                "combined"
            ]
        );
        for m in methods {
            assert!(m["wape"].as_f64().unwrap() > 0.0);
            assert!(m["bias"].as_f64().unwrap().abs() < 1.0);
            assert!(m["cells"].as_u64().unwrap() > 0);
        }
        // Seasonal naive is its own yardstick.
        assert!((methods[0]["mase"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    }
    assert!(v["findings"].is_array());
}

#[test]
fn backtest_text_table() {
    let out = rota()
        .args(["forecast", SMALL, "--backtest-weeks", "2"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn forecast_writes_the_band_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let v = common::rota_json([
        "forecast",
        SMALL,
        "--format",
        "json",
        "--method",
        "holt_winters",
        "--out",
        dir.path().to_str().expect("temporary directory in UTF-8"),
    ]);
    for q in v["queues"].as_array().unwrap() {
        assert_eq!(q["method"], "holt_winters");
        assert_eq!(q["intervals"].as_array().unwrap().len(), 3 * 48);
    }
    let mut r = csv::Reader::from_path(dir.path().join("forecast.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "queue",
            "interval_start",
            "date",
            "local_time",
            "volume",
            "aht_seconds",
            "volume_p10",
            "volume_p90",
            "method"
        ]
    );
    let mut open_rows = 0;
    for row in r.records() {
        let row = row.unwrap();
        let f = |i: usize| row[i].parse::<f64>().unwrap();
        assert!(f(6) <= f(4) + 1e-9 && f(4) <= f(7) + 1e-9, "{row:?}");
        let hour: u32 = row[3][..2].parse().unwrap();
        if !(8..20).contains(&hour) {
            assert_eq!(f(4), 0.0, "closed hours produce zero: {row:?}");
        } else {
            open_rows += 1;
            assert!(f(4) > 0.0 && f(5) > 0.0);
        }
    }
    assert_eq!(open_rows, 2 * 3 * 24);
}

#[test]
fn combined_is_the_mean_of_day_of_month_and_smoothed_level() {
    let volumes = |method: &str| -> Vec<f64> {
        let v = common::rota_json(["forecast", SMALL, "--format", "json", "--method", method]);
        let mut out = Vec::new();
        for q in v["queues"].as_array().unwrap() {
            assert_eq!(q["method"], method);
            for i in q["intervals"].as_array().unwrap() {
                out.push(i["volume"].as_f64().unwrap());
            }
        }
        out
    };
    let (dom, level, combined) = (
        volumes("day_of_month"),
        volumes("smoothed_level"),
        volumes("combined"),
    );
    assert_eq!(combined.len(), 2 * 3 * 48);
    assert!(dom.iter().zip(&level).any(|(a, b)| (a - b).abs() > 0.01));
    for ((a, b), c) in dom.iter().zip(&level).zip(&combined) {
        assert!((c - (a + b) / 2.0).abs() < 1e-6, "{a} {b} {c}");
    }
}

fn write_scenario(dir: &Path, forecast: &str, history: &str) -> std::path::PathBuf {
    let small = std::fs::read_to_string(SMALL).unwrap();
    let s = small
        .replace("history: { file: history.csv, weeks: 4 }", history)
        .replace("solver: ../solver-test.yaml", forecast);
    let p = dir.join("scenario.yaml");
    std::fs::write(&p, s).unwrap();
    std::fs::copy("tests/data/small/history.csv", dir.join("history.csv")).unwrap();
    p
}

#[test]
fn bad_input_exits_2_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_scenario(
        dir.path(),
        "forecast: { method: magic }",
        "history: { file: history.csv, weeks: 4 }",
    );
    let err = rota()
        .arg("forecast")
        .arg(&p)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("scenario.yaml") && err.contains("line") && err.contains("magic"),
        "{err}"
    );

    // A history file with a bad count.
    let p = write_scenario(dir.path(), "", "history: { file: bad.csv }");
    std::fs::write(
        dir.path().join("bad.csv"),
        "interval_start,queue,offered\n2026-10-05 08:00,hotline,x\n",
    )
    .unwrap();
    let err = rota()
        .arg("forecast")
        .arg(&p)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("bad.csv") && err.contains("line 2") && err.contains("offered"),
        "{err}"
    );

    // Too little history to hold out the weeks asked for.
    let p = write_scenario(dir.path(), "", "history: { file: history.csv }");
    rota()
        .arg("forecast")
        .arg(&p)
        .args(["--backtest-weeks", "6"])
        .assert()
        .code(2);
}

#[test]
fn mapped_columns_fixed_queue_and_local_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("calls.yaml");
    std::fs::write(
        &p,
        r#"
name: mapped
site: { name: Test Centre, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-02, days: 3, interval_minutes: 30 }
history: { file: calls.csv, timestamps: local, timezone: Asia/Shanghai, queue: hotline, columns: { interval_start: DateTime, offered: Calls, aht_seconds: AHT } }
queues:
  - { id: hotline, channel: voice, service_level: { target: 0.8, seconds: 20 }, open: "08:00", close: "20:00" }
agents:
  - { id: T01, name: Wang Fang, skills: [hotline], min_hours: 0, max_hours: 24 }
rules:
  shift_start: { earliest: "08:00", latest: "12:00" }
  shift_lengths_hours: [8]
  meal_break: { minutes: 30, earliest_start_hours: 3, latest_end_hours: 5 }
"#,
    )
    .unwrap();
    // The small history's hotline rows, renamed, with a meaningless Z and a duplicate.
    let src = std::fs::read_to_string("tests/data/small/history.csv").unwrap();
    let mut text = String::from("rownames,DateTime,Calls,AHT\n");
    let mut n = 0;
    for line in src.lines().skip(1).filter(|l| l.contains(",hotline,")) {
        let f: Vec<&str> = line.split(',').collect();
        let local = f[0].replace("+08:00", "Z");
        n += 1;
        text += &format!("{n},{local},{},{}\n", f[2], f[3]);
        if n == 10 {
            text += &format!("{n},{local},999,{}\n", f[3]);
        }
    }
    std::fs::write(dir.path().join("calls.csv"), text).unwrap();
    let out = rota()
        .arg("forecast")
        .arg(&p)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("duplicated") && stderr.contains("lines 12"),
        "{stderr}"
    );
    assert!(stderr.contains("read as local clock times"), "{stderr}");
}

#[test]
fn backtest_at_origins_writes_cells_that_recompute_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().expect("temporary directory in UTF-8");
    let v = common::rota_json([
        "forecast",
        SMALL,
        "--backtest-weeks",
        "2",
        "--origins",
        "2",
        "--lead-weeks",
        "1",
        "--backtest-out",
        out,
        "--format",
        "json",
    ]);
    assert_eq!(
        v["origins"],
        serde_json::json!(["2026-10-19", "2026-10-26"])
    );
    // WAPE of every method, origin and queue recomputed from the cells file.
    let mut r = csv::Reader::from_path(dir.path().join("backtest_cells.csv")).unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "queue",
            "origin",
            "date",
            "local_time",
            "lead_week",
            "actual",
            "seasonal_naive",
            "decomposition",
            "holt_winters",
            "day_of_month",
            "smoothed_level",
            "combined",
            "auto",
            "auto_method"
        ]
    );
    // (queue, origin, method) -> (sum |f - y|, sum y)
    let mut sums: std::collections::BTreeMap<(String, String, String), (f64, f64)> =
        Default::default();
    for row in r.records() {
        let row = row.unwrap();
        let y: f64 = row[5].parse().unwrap();
        for (i, m) in headers.iter().enumerate().take(13).skip(6) {
            let f: f64 = row[i].parse().unwrap();
            let e = sums
                .entry((row[0].to_string(), row[1].to_string(), m.clone()))
                .or_default();
            e.0 += (f - y).abs();
            e.1 += y;
        }
    }
    let mut checked = 0;
    for q in v["queues"].as_array().unwrap() {
        for o in q["origins"].as_array().unwrap() {
            for a in o["accuracy"].as_array().unwrap() {
                let key = (
                    q["queue"].as_str().unwrap().to_string(),
                    o["origin"].as_str().unwrap().to_string(),
                    a["method"].as_str().unwrap().to_string(),
                );
                let (err, act) = sums[&key];
                // The file rounds forecasts to 4 decimals.
                assert!(
                    (err / act - a["wape"].as_f64().unwrap()).abs() < 1e-5,
                    "{key:?}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * 2 * 7);
    // The history file covers the open intervals (08:00-20:00) of every day.
    let h = csv::Reader::from_path(dir.path().join("backtest_history.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(h, 28 * 24 * 2);
}
