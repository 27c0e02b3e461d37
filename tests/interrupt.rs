//! Killing `rota plan` at any moment never leaves a half-written file: every
//! output file is, byte for byte, either the previous plan's or the new one's.

use std::path::Path;
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;

const FILES: [&str; 8] = [
    "forecast.csv",
    "requirements.csv",
    "coverage.csv",
    "roster.csv",
    "roster.ics",
    "summary.json",
    "plan.json",
    "report.html",
];

fn plan(scenario: &Path, out: &Path) -> std::process::Command {
    let mut c = std::process::Command::cargo_bin("rota").unwrap();
    c.env("SOURCE_DATE_EPOCH", "1790000000")
        .args(["plan", "--quiet", "--out"])
        .arg(out)
        .arg(scenario)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

/// File text without the one run-dependent value, the solve time (a JSON
/// field, and "N s of LIMIT s" in the report).
fn normalised(p: &Path) -> String {
    let text: Vec<String> = std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("\"solve_seconds\""))
        .map(|l| {
            let mut out = String::new();
            let mut rest = l;
            while let Some(i) = rest.find(" s of ") {
                out.push_str(rest[..i].trim_end_matches(|c: char| c.is_ascii_digit() || c == '.'));
                rest = &rest[i..];
                out.push_str(" s of ");
                rest = &rest[" s of ".len()..];
            }
            out + rest
        })
        .collect();
    assert!(!text.is_empty(), "{} is empty", p.display());
    text.join("\n")
}

#[test]
fn a_killed_plan_leaves_old_or_new_files_never_a_mix_within_a_file() {
    let dir = tempfile::tempdir().unwrap();
    // The previous plan: the small scenario over two days.
    let sdir = dir.path().join("s");
    std::fs::create_dir(&sdir).unwrap();
    let text = std::fs::read_to_string("tests/data/small/scenario.yaml").unwrap();
    let abs = |p: &str| Path::new(p).canonicalize().unwrap().display().to_string();
    let old_text = text
        .replace("days: 3", "days: 2")
        .replace(
            "file: history.csv",
            &format!("file: {}", abs("tests/data/small/history.csv")),
        )
        .replace("../solver-test.yaml", &abs("tests/data/solver-test.yaml"));
    std::fs::write(sdir.join("old.yaml"), old_text).unwrap();
    let old = dir.path().join("old");
    let new = dir.path().join("new");
    assert!(plan(&sdir.join("old.yaml"), &old)
        .status()
        .unwrap()
        .success());
    let new_scenario = Path::new("tests/data/small/scenario.yaml")
        .canonicalize()
        .unwrap();
    assert!(plan(&new_scenario, &new).status().unwrap().success());

    let mut outcomes = Vec::new();
    for (i, delay_ms) in [
        1u64, 20, 40, 60, 80, 100, 130, 160, 200, 250, 300, 400, 5000,
    ]
    .iter()
    .enumerate()
    {
        let target = dir.path().join(format!("t{i}"));
        std::fs::create_dir(&target).unwrap();
        for f in FILES {
            std::fs::copy(old.join(f), target.join(f)).unwrap();
        }
        let mut child = plan(&new_scenario, &target).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(*delay_ms));
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
        let (mut old_files, mut new_files) = (0, 0);
        for f in FILES {
            let got = normalised(&target.join(f));
            old_files += usize::from(got == normalised(&old.join(f)));
            new_files += usize::from(got == normalised(&new.join(f)));
            assert!(
                got == normalised(&old.join(f)) || got == normalised(&new.join(f)),
                "{f} after a kill at {delay_ms} ms is neither the old nor the new file"
            );
        }
        outcomes.push((old_files, new_files));
    }
    // The kills span the run: the first came before anything was written,
    // the last after the run had finished.
    assert_eq!(
        outcomes.first().map(|o| o.0),
        Some(FILES.len()),
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.last().map(|o| o.1),
        Some(FILES.len()),
        "{outcomes:?}"
    );
}
