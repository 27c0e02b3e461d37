//! The corpus of bad inputs in tests/data/bad/: each folder holds a
//! `scenario.yaml` (and a `history.csv` or `roster.csv` when the fault is
//! there) and `expected`, the fragments its one-line error must contain.
//! Folders with a `command` file run that command line (`{case}` is the
//! folder, `{out}` an output folder that must stay unwritten); folders with
//! a roster run `rota validate`, the others `rota plan`. Every case must
//! exit 2, name the file (and line and field where the case says so), print
//! one short line with any OS error once, and write nothing: no output
//! folder, and the case's own files unchanged.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            out.insert(
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            );
        }
    }
    out
}

#[test]
fn every_bad_input_gets_one_clear_error_and_writes_nothing() {
    let mut cases: Vec<_> = std::fs::read_dir("tests/data/bad")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 65, "corpus went missing: {cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let expected = std::fs::read_to_string(case.join("expected")).unwrap();
        let out = tempfile::tempdir().unwrap();
        let out_dir = out.path().join("out");
        let before = snapshot(case);
        let mut cmd = Command::cargo_bin("rota").unwrap();
        let roster = case.join("roster.csv");
        if let Ok(line) = std::fs::read_to_string(case.join("command")) {
            let case_dir = case.display().to_string();
            let out_text = out_dir.display().to_string();
            cmd.args(
                line.split_whitespace()
                    .map(|a| a.replace("{case}", &case_dir).replace("{out}", &out_text)),
            );
        } else if roster.exists() {
            cmd.args(["validate"])
                .arg(case.join("scenario.yaml"))
                .arg(&roster);
        } else {
            cmd.args(["plan", "--quiet", "--out"])
                .arg(&out_dir)
                .arg(case.join("scenario.yaml"));
        }
        let output = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        if output.status.code() != Some(2) {
            failures.push(format!(
                "{name}: exit {:?}, stderr: {stderr}",
                output.status.code()
            ));
            continue;
        }
        if stderr.contains("panicked") || stderr.lines().count() != 1 {
            failures.push(format!("{name}: not one clear line: {stderr}"));
        }
        if stderr.len() > 700 {
            failures.push(format!("{name}: {} bytes of error: {stderr}", stderr.len()));
        }
        if stderr.matches("(os error").count() > 1 {
            failures.push(format!("{name}: the OS error twice: {stderr}"));
        }
        for want in expected.lines().filter(|l| !l.is_empty()) {
            if !stderr.contains(want) {
                failures.push(format!("{name}: expected `{want}` in: {stderr}"));
            }
        }
        if out_dir.exists() {
            failures.push(format!("{name}: output written despite bad input"));
        }
        if snapshot(case) != before {
            failures.push(format!("{name}: the case's own files changed"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn scenarios_past_the_size_limits_are_refused_with_the_limit_named() {
    let base = std::fs::read_to_string("tests/data/small/scenario.yaml").unwrap();
    let mut agents = String::from("agents:\n");
    for i in 0..=rota::limits::MAX_AGENTS {
        agents.push_str(&format!("  - {{ id: X{i:05}, name: Agent {i}, skills: [hotline], min_hours: 0, max_hours: 24 }}\n"));
    }
    let start = base.find("agents:\n").unwrap();
    let end = base.find("rules:\n").unwrap();
    let huge = format!("{}{}{}", &base[..start], agents, &base[end..]);
    let err = rota::scenario::Scenario::from_yaml_str(&huge, Path::new("big.yaml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("5001 agents")
            && err.contains("at most 100 queues and 5000 agents")
            && err.contains("docs/limits.md"),
        "{err}"
    );
    // A history file over the limit is refused before it is read.
    let dir = tempfile::tempdir().unwrap();
    let sdir = dir.path().join("s");
    std::fs::create_dir(&sdir).unwrap();
    std::fs::write(
        sdir.join("scenario.yaml"),
        base.replace("solver: ../solver-test.yaml", "solver: ../solver.yaml"),
    )
    .unwrap();
    std::fs::copy(
        "tests/data/solver-test.yaml",
        dir.path().join("solver.yaml"),
    )
    .unwrap();
    let f = std::fs::File::create(sdir.join("history.csv")).unwrap();
    f.set_len(1 << 30).unwrap(); // sparse: 1 GiB that takes no disk
    let output = Command::cargo_bin("rota")
        .unwrap()
        .args(["plan", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .arg(sdir.join("scenario.yaml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("history.csv") && stderr.contains("at most 512 MiB"),
        "{stderr}"
    );
}
