//! The multichannel example end to end: Erlang A hotline, chat and a ticket
//! queue with a 24-hour deadline plan into a roster that passes the
//! independent validator and meets every queue's target.

use assert_cmd::Command;
use serde_json::Value;

const TELECOM: &str = "scenarios/telecom-multichannel.yaml";

#[test]
fn telecom_multichannel_plans_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    Command::cargo_bin("rota")
        .unwrap()
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .args(["plan", TELECOM, "--quiet", "--out"])
        .arg(out)
        .assert()
        .code(0);
    Command::cargo_bin("rota")
        .unwrap()
        .args(["validate", TELECOM])
        .arg(out.join("roster.csv"))
        .assert()
        .code(0);
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let queues = s["queues"].as_array().unwrap();
    let tickets = queues.iter().find(|q| q["queue"] == "tickets").unwrap();
    assert_eq!(tickets["threshold_seconds"], 86400.0);
    assert!(
        tickets["service_level"].as_f64().unwrap() >= 0.95,
        "{tickets}"
    );
    // The report says the ticket target in hours, and no speed of answer.
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    let kpi = &report[report.find("id=\"kpi-table\"").unwrap()..];
    let row = &kpi[kpi.find("<td>tickets</td>").expect("tickets row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("<td>95 % within 24 h</td>"), "{row}");
    assert!(row.contains("<td>—</td>"), "{row}");
    assert!(!row.contains("86400") && !row.contains(" at -"), "{row}");
    // The requirement rows of the ticket queue are written too.
    let req = std::fs::read_to_string(out.join("requirements.csv")).unwrap();
    assert!(req.lines().filter(|l| l.starts_with("tickets,")).count() == 7 * 48);
}
