//! The planner's report opened in a real browser: headless Chromium (Debian's
//! `chromium`, installed by scripts/setup.sh) loads report.html from disk.
//! The page must run without a script error, hold the per-queue charts, the
//! KPI table and one timeline row per agent, have no horizontal scroll at
//! 1,280 px, give every chart its axes (with titles and hour ticks) and a
//! legend naming every series, draw each shift whole (a night shift across
//! midnight too) with its breaks visible, and show the labour cost of
//! summary.json. Layout is measured by a probe script that the test adds to
//! a copy of the page (the report itself has no script).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use crate::common;

fn chromium(page: &Path, extra: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::tool("chromium"))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .args(extra)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.canonicalize().unwrap().display()))
        .output()
        .expect("the set-up's chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn dump_dom(path: &Path) -> String {
    String::from_utf8(chromium(path, &[]).stdout).unwrap()
}

/// The browser console's messages while the page loads (script errors among them).
fn console_messages(path: &Path) -> Vec<String> {
    let out = chromium(path, &["--enable-logging=stderr", "--v=0"]);
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect()
}

/// Measures the page in a 1,280-pixel-wide window: a copy of it with a probe
/// script that writes what it finds as JSON into the page.
fn probe(report: &Path) -> Value {
    const PROBE: &str = r#"<script>
const doc = document.documentElement;
const text = (e) => e ? e.textContent.trim() : '';
const r = {
  innerWidth: window.innerWidth,
  scrollWidth: doc.scrollWidth,
  clientWidth: doc.clientWidth,
  overflowing: [...document.querySelectorAll('body *')]
    .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > doc.clientWidth + 0.5)
    .map(e => e.tagName + '#' + e.id + '.' + e.getAttribute('class')).slice(0, 20),
  kpiRight: document.getElementById('kpi-table').getBoundingClientRect().right,
  cost: text(document.getElementById('cost')),
  charts: [...document.querySelectorAll('svg.chart')].map(s => ({
    id: s.id,
    width: s.getBoundingClientRect().width,
    xTicks: [...s.querySelectorAll('g.x-axis text:not(.axis-title)')].map(text).filter(t => t),
    yTicks: [...s.querySelectorAll('g.y-axis text:not(.axis-title)')].map(text),
    xTitle: text(s.querySelector('g.x-axis text.axis-title')),
    yTitle: text(s.querySelector('g.y-axis text.axis-title')),
    legend: [...s.querySelectorAll('g.legend g.legend-entry text')].map(text),
    series: [...s.querySelectorAll('g.plot [data-series]')].map(e => e.getAttribute('data-series')),
  })),
  axisHours: [...document.querySelectorAll('svg.timeline-axis text')].map(text),
  shifts: [...document.querySelectorAll('svg.timeline g.shift')].map(g => ({
    agent: g.closest('tr').dataset.agent,
    start: g.dataset.start,
    end: g.dataset.end,
    pph: +g.closest('svg').dataset.pxPerHour,
    bar: g.querySelector('rect.shift-bar').getBBox().width,
    breaks: [...g.querySelectorAll('rect.break')].map(b => b.getBBox().width),
  })),
};
document.body.insertAdjacentHTML('beforeend', '<pre id="probe">' + JSON.stringify(r).replace(/[<>&]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '</pre>');
</script>"#;
    let html = std::fs::read_to_string(report).unwrap();
    let page = report.with_file_name("probe.html");
    std::fs::write(&page, html.replace("</body>", &format!("{PROBE}</body>"))).unwrap();
    let out = chromium(&page, &["--window-size=1280,900"]);
    let dom = String::from_utf8(out.stdout).unwrap();
    // The last one: the probe script itself holds the tag too.
    let at = dom.rfind("<pre id=\"probe\">").expect("the probe ran") + 16;
    let json = &dom[at..at + dom[at..].find("</pre>").unwrap()];
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn plan(scenario: &Path, out: &Path, code: i32) {
    Command::cargo_bin("rota")
        .unwrap()
        .args(["plan", "--quiet", "--out"])
        .arg(out)
        .arg(scenario)
        .assert()
        .code(code);
}

#[test]
fn report_opens_in_chromium_with_charts_kpis_and_agent_rows() {
    let dir = tempfile::tempdir().unwrap();
    plan(Path::new("tests/data/small/scenario.yaml"), dir.path(), 0);
    let dom = dump_dom(&dir.path().join("report.html"));
    for q in ["hotline", "chat"] {
        for (chart, parts) in [
            ("volume", &["class=\"forecast\"", "class=\"band\""][..]),
            ("coverage", &["class=\"required\"", "class=\"staffed\""][..]),
            (
                "service-level",
                &["class=\"service-level\"", "class=\"target\""][..],
            ),
        ] {
            let at = dom
                .find(&format!("id=\"{chart}-{q}\""))
                .unwrap_or_else(|| panic!("no {chart} chart for {q}"));
            let svg = &dom[at..at + dom[at..].find("</svg>").unwrap()];
            for part in parts {
                assert!(svg.contains(part), "{chart}-{q} has no {part}");
            }
        }
    }
    assert_eq!(
        dom.matches("class=\"agent-row\"").count(),
        8,
        "one timeline row per agent"
    );
    assert_eq!(
        dom.matches("class=\"shift-bar\"").count(),
        24,
        "one bar per shift"
    );
    let kpi = &dom[dom.find("id=\"kpi-table\"").expect("KPI table")..];
    let kpi = &kpi[..kpi.find("</table>").unwrap()];
    assert_eq!(
        kpi.matches("<tr").count(),
        3,
        "header and one row per queue"
    );
    assert!(kpi.contains("80 % in 20 s"), "{kpi}");
    assert!(dom.contains("id=\"daily-table\"") && dom.contains("id=\"warnings\""));
    assert!(dom.contains("id=\"overstaffing\""));
}

#[test]
fn the_console_check_sees_script_errors() {
    // The check below would see a script error: here is one.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.html");
    std::fs::write(&bad, "<html><body><script>nosuch();</script></body></html>").unwrap();
    let msgs = console_messages(&bad);
    assert!(
        msgs.iter().any(|m| m.contains("Uncaught ReferenceError")),
        "{msgs:?}"
    );
}

/// The London team with every shift starting 17:00–18:00 (so every shift
/// crosses midnight), one agent at a higher hourly cost.
fn night_scenario(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string("tests/data/london/scenario.yaml")
        .unwrap()
        .replace(
            "shift_start: { earliest: \"08:00\", latest: \"18:00\", step_minutes: 60 }",
            "shift_start: { earliest: \"17:00\", latest: \"18:00\", step_minutes: 60 }",
        )
        .replace(
            "min_hours: 15, max_hours: 38 }\n  - { id: L02",
            "min_hours: 15, max_hours: 38, hourly_cost: 1.5 }\n  - { id: L02",
        )
        .replace("solver: ../solver-test.yaml", "solver: fast");
    assert!(text.contains("earliest: \"17:00\"") && text.contains("hourly_cost: 1.5"));
    std::fs::copy("tests/data/london/history.csv", dir.join("history.csv")).unwrap();
    let path = dir.join("scenario.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn report_fits_1280_pixels_has_axes_and_legends_and_draws_night_shifts_whole() {
    let dir = tempfile::tempdir().unwrap();
    let sc = night_scenario(dir.path());
    let out = dir.path().join("out");
    // The evening team cannot cover the mornings: targets missed (exit 1).
    plan(&sc, &out, 1);
    let report = out.join("report.html");

    // No script error (the report has no script; nothing it loads may fail).
    let msgs = console_messages(&report);
    assert!(msgs.is_empty(), "{msgs:?}");

    let r = probe(&report);
    // No horizontal scroll at 1,280 px: nothing sticks out of the page.
    assert_eq!(r["innerWidth"], 1280, "{r}");
    assert!(
        r["scrollWidth"].as_f64() <= r["clientWidth"].as_f64(),
        "horizontal scroll: {r}"
    );
    assert_eq!(r["overflowing"], serde_json::json!([]), "{r}");
    assert!(r["kpiRight"].as_f64() <= r["clientWidth"].as_f64());

    // Every chart: axes with ticks and titles, hour ticks on time axes, and
    // a legend entry for every series drawn.
    let charts = r["charts"].as_array().unwrap();
    assert_eq!(charts.len(), 3, "volume, agents and service level: {r}");
    for c in charts {
        let strings = |k: &str| -> Vec<String> {
            c[k].as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        let (x, y, legend, series) = (
            strings("xTicks"),
            strings("yTicks"),
            strings("legend"),
            strings("series"),
        );
        assert!(y.len() >= 3, "{c}");
        assert!(!c["xTitle"].as_str().unwrap().is_empty(), "{c}");
        assert!(!c["yTitle"].as_str().unwrap().is_empty(), "{c}");
        for hour in ["06", "12", "18"] {
            assert_eq!(x.iter().filter(|t| *t == hour).count(), 7, "{hour}: {c}");
        }
        assert!(x.iter().any(|t| t == "Mon 10-19"), "{c}");
        assert!(!series.is_empty());
        for s in &series {
            assert!(legend.contains(s), "{s} not in the legend of {c}");
        }
        assert!(c["width"].as_f64().unwrap() <= 1280.0);
    }
    let sl = charts
        .iter()
        .find(|c| c["id"] == "service-level-support")
        .unwrap();
    assert_eq!(sl["yTicks"][5], "100%");
    assert!(sl["legend"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("target 80 % in 20 s")));
    let axis: Vec<&str> = r["axisHours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(axis.contains(&"06") && axis.contains(&"18"), "{axis:?}");

    // Every shift drawn whole, breaks visible, as roster.csv has them.
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(out.join("roster.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect();
    let shifts = r["shifts"].as_array().unwrap();
    assert_eq!(shifts.len(), rows.len());
    let mut across_midnight = 0;
    for s in shifts {
        let start = chrono::DateTime::parse_from_rfc3339(s["start"].as_str().unwrap()).unwrap();
        let end = chrono::DateTime::parse_from_rfc3339(s["end"].as_str().unwrap()).unwrap();
        if start.date_naive() != end.date_naive() {
            across_midnight += 1;
        }
        let hours = (end - start).num_minutes() as f64 / 60.0;
        let drawn = s["bar"].as_f64().unwrap() / s["pph"].as_f64().unwrap();
        assert!(
            (drawn - hours).abs() < 0.01,
            "{s}: {hours} h drawn as {drawn} h"
        );
        let row = rows
            .iter()
            .find(|r| {
                r[0] == *s["agent"].as_str().unwrap()
                    && start.format("%Y-%m-%d %H:%M").to_string() == r[3]
            })
            .unwrap_or_else(|| panic!("{s} not in roster.csv"));
        let breaks = s["breaks"].as_array().unwrap();
        assert_eq!(breaks.len(), row[10].split("; ").count(), "{s}");
        assert!(breaks.iter().all(|w| w.as_f64().unwrap() >= 1.5), "{s}");
    }
    assert_eq!(
        across_midnight,
        shifts.len(),
        "every shift crosses midnight"
    );

    // The labour cost is summary.json's paid_cost (which honours hourly_cost).
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let (paid, cost) = (
        summary["scheduled_hours"].as_f64().unwrap(),
        summary["paid_cost"].as_f64().unwrap(),
    );
    assert!(
        cost > paid,
        "hourly_cost 1.5 raises the cost: {cost} vs {paid}"
    );
    assert!(
        r["cost"]
            .as_str()
            .unwrap()
            .contains(&format!("labour cost {cost:.1}")),
        "{}",
        r["cost"]
    );
}
