//! The planner's report opened in a real browser: headless Chromium (Debian's
//! `chromium`, installed by scripts/setup.sh) loads report.html from disk and
//! the DOM it builds must hold the coverage charts, the KPI table and one
//! timeline row per agent.

use assert_cmd::Command;

fn dump_dom(path: &std::path::Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", path.display()))
        .output()
        .expect("chromium runs (scripts/setup.sh installs Debian's chromium)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn report_opens_in_chromium_with_charts_kpis_and_agent_rows() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("rota")
        .unwrap()
        .args(["plan", "tests/data/small/scenario.yaml", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .code(0);
    let dom = dump_dom(&dir.path().join("report.html").canonicalize().unwrap());
    for q in ["hotline", "chat"] {
        let at = dom
            .find(&format!("id=\"coverage-{q}\""))
            .unwrap_or_else(|| panic!("no chart for {q}"));
        let chart = &dom[at..at + dom[at..].find("</svg>").unwrap()];
        assert!(
            chart.contains("class=\"required\"") && chart.contains("class=\"staffed\""),
            "{chart}"
        );
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
    assert!(dom.contains("id=\"daily-table\"") && dom.contains("id=\"warnings\""));
}
