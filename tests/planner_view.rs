//! What a new planner meets (issue 19): a scenario copied into any folder
//! plans, warnings that matter come before the solve, outcomes are marked
//! and exit 1 in every command, and `--quiet` silences progress.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod common;

const SMALL: &str = "tests/data/small/scenario.yaml";

fn rota() -> Command {
    let mut c = Command::cargo_bin("rota").expect("binary built");
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    c
}

/// The small scenario and its history copied into an empty folder, with
/// `edit` applied to the scenario text; returns the scenario's path.
fn copy_small(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(SMALL).unwrap();
    let text = text
        .lines()
        .filter(|l| !l.starts_with("solver:"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::copy("tests/data/small/history.csv", dir.join("history.csv")).unwrap();
    let path = dir.join("scenario.yaml");
    std::fs::write(&path, edit(text + "\n")).unwrap();
    path
}

fn output(c: &mut Command) -> (Option<i32>, String, String) {
    let out = c.output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_scenario_in_an_empty_folder_plans_with_the_built_in_settings() {
    let dir = tempfile::tempdir().unwrap();
    // No solver-configs/ in the folder or above it (the temporary folder).
    assert!(dir
        .path()
        .ancestors()
        .all(|d| !d.join("solver-configs").exists()));
    let sc = copy_small(dir.path(), |t| t);
    let (code, stdout, stderr) =
        output(
            rota()
                .current_dir(dir.path())
                .args(["plan", "scenario.yaml", "--out", "out"]),
        );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    // The built-in default: 60 s and a 1 % gap, as solver-configs/default.yaml.
    assert!(
        stdout.contains("(limit 60 s, built-in default settings)"),
        "{stdout}"
    );
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap())
            .unwrap();
    assert_eq!(s["time_limit_seconds"], 60.0);
    assert_eq!(s["mip_rel_gap_target"], 0.01);

    // A file of the same name beside the scenario overrides the built-in one.
    std::fs::create_dir(dir.path().join("solver-configs")).unwrap();
    std::fs::write(
        dir.path().join("solver-configs/fast.yaml"),
        "time_limit_seconds: 7\nmip_rel_gap: 0.0\nthreads: 1\n",
    )
    .unwrap();
    let (code, stdout, _) = output(
        rota()
            .args(["plan", "--solver", "fast", "--out"])
            .arg(dir.path().join("out2"))
            .arg(&sc),
    );
    assert_eq!(code, Some(0));
    assert!(stdout.contains("(limit 7 s, "), "{stdout}");
    assert!(stdout.contains("solver-configs/fast.yaml)"), "{stdout}");

    // A name that is neither a file nor built in is named with the choices.
    let (code, _, stderr) = output(
        rota()
            .args(["plan", "--solver", "quick", "--out"])
            .arg(dir.path().join("out3"))
            .arg(&sc),
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("field `solver`")
            && stderr.contains("`quick` is not a built-in setting (fast, default, thorough)"),
        "{stderr}"
    );
    assert!(!dir.path().join("out3").exists());
}
