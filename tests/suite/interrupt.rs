//! Killing `rota plan` at any moment never leaves a half-written file or a
//! mix of plans: the output folder holds, byte for byte, the whole previous
//! plan or the whole new one (the new set is swapped in at once). Two plans
//! into one folder take turns (a lock), and leave one whole plan.

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
        let (old_files, new_files) = count(&target, &old, &new);
        assert!(
            old_files == FILES.len() || new_files == FILES.len(),
            "after a kill at {delay_ms} ms the folder mixes plans: {old_files} old files, {new_files} new ones"
        );
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
    // A kill can leave a staging folder beside the output folder (hidden,
    // never an output name); the next plan into the folder removes it.
    std::fs::create_dir(dir.path().join(".t0.rota-killed")).unwrap();
    assert!(plan(&new_scenario, &dir.path().join("t0"))
        .status()
        .unwrap()
        .success());
    let left: Vec<String> = siblings(dir.path())
        .into_iter()
        .filter(|n| n.starts_with(".t0."))
        .collect();
    // Only the folder's lock file, which is never removed.
    assert_eq!(left, [".t0.rota.lock"]);
}

/// Files of `target` equal to the old plan's and to the new plan's.
fn count(target: &Path, old: &Path, new: &Path) -> (usize, usize) {
    let (mut old_files, mut new_files) = (0, 0);
    for f in FILES {
        let got = normalised(&target.join(f));
        old_files += usize::from(got == normalised(&old.join(f)));
        new_files += usize::from(got == normalised(&new.join(f)));
        assert!(
            got == normalised(&old.join(f)) || got == normalised(&new.join(f)),
            "{f} is neither the old nor the new file"
        );
    }
    (old_files, new_files)
}

fn siblings(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect()
}

#[test]
fn two_plans_into_one_folder_leave_one_whole_plan() {
    let dir = tempfile::tempdir().unwrap();
    let abs = |p: &str| Path::new(p).canonicalize().unwrap();
    let a = abs("tests/data/small/scenario.yaml");
    let text = std::fs::read_to_string(&a).unwrap();
    let b = dir.path().join("two-days.yaml");
    std::fs::write(
        &b,
        text.replace("days: 3", "days: 2")
            .replace(
                "file: history.csv",
                &format!("file: {}", abs("tests/data/small/history.csv").display()),
            )
            .replace(
                "../solver-test.yaml",
                &abs("tests/data/solver-test.yaml").display().to_string(),
            ),
    )
    .unwrap();
    let (ref_a, ref_b) = (dir.path().join("ref-a"), dir.path().join("ref-b"));
    assert!(plan(&a, &ref_a).status().unwrap().success());
    assert!(plan(&b, &ref_b).status().unwrap().success());
    let shared = dir.path().join("shared");
    for _ in 0..3 {
        let mut runs = [
            plan(&a, &shared).spawn().unwrap(),
            plan(&b, &shared).spawn().unwrap(),
        ];
        for r in &mut runs {
            assert!(r.wait().unwrap().success());
        }
        let (from_a, from_b) = count(&shared, &ref_a, &ref_b);
        assert!(
            from_a == FILES.len() || from_b == FILES.len(),
            "two plans mixed in one folder: {from_a} files of one, {from_b} of the other"
        );
    }
    // Nothing left beside the folders but their lock files.
    let mut names = siblings(dir.path());
    names.sort();
    assert_eq!(
        names,
        [
            ".ref-a.rota.lock",
            ".ref-b.rota.lock",
            ".shared.rota.lock",
            "ref-a",
            "ref-b",
            "shared",
            "two-days.yaml"
        ]
    );
    assert!(!siblings(&shared).iter().any(|n| n.starts_with('.')));
}
