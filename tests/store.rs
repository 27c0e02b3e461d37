//! The store of published rosters: publish validates first, versions are
//! append-only, a store from another rota is refused, and a publish killed
//! at any moment leaves the store intact with the whole new version or none.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command;

const SMALL: &str = "tests/data/small/scenario.yaml";

fn rota() -> Command {
    Command::cargo_bin("rota").expect("binary built")
}

/// A roster of the small scenario, planned into `dir`.
fn planned(dir: &Path) -> PathBuf {
    rota()
        .args(["plan", SMALL, "--quiet", "--out"])
        .arg(dir)
        .assert()
        .code(0);
    dir.join("roster.csv")
}

fn versions(db: &Path) -> serde_json::Value {
    let out = rota()
        .args(["versions", "--format", "json", "--store"])
        .arg(db)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn publish_validates_first_and_versions_list_what_was_published() {
    let dir = tempfile::tempdir().unwrap();
    let roster = planned(&dir.path().join("plan"));
    let db = dir.path().join("rota.db");
    // A roster that breaks a rule is refused, and nothing is stored.
    let assert = rota()
        .args(["publish", SMALL, "tests/data/rosters/bad.csv", "--store"])
        .arg(&db)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("nothing published"), "{err}");
    assert!(!db.exists());
    for note in ["first", "second"] {
        rota()
            .args(["publish", SMALL])
            .arg(&roster)
            .args(["--by", "Li Planner", "--note", note, "--store"])
            .arg(&db)
            .assert()
            .code(0);
    }
    let v = versions(&db);
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);
    let list = v["versions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let rows = std::fs::read_to_string(&roster).unwrap().lines().count() - 1;
    for (i, x) in list.iter().enumerate() {
        assert_eq!(x["version"], i as i64 + 1);
        assert_eq!(x["published_by"], "Li Planner");
        assert_eq!(x["shifts"], rows);
        assert_eq!(x["rota_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(x["scenario_sha256"].as_str().unwrap().len(), 64);
    }
    assert_eq!(list[1]["note"], "second");
    // The same roster twice: no change between the versions.
    let out = rota()
        .args(["diff", "1", "2", "--store"])
        .arg(&db)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("0 agent-days differ"));
    // A version that is not there.
    let assert = rota()
        .args(["diff", "1", "7", "--store"])
        .arg(&db)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        err.contains("no version 7") && err.contains("1 to 2"),
        "{err}"
    );
}

#[test]
fn a_store_from_a_newer_rota_or_another_program_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let roster = planned(&dir.path().join("plan"));
    let db = dir.path().join("rota.db");
    rota()
        .args(["publish", SMALL])
        .arg(&roster)
        .arg("--store")
        .arg(&db)
        .assert()
        .code(0);
    // A newer rota raised the schema version.
    let c = rusqlite_free_bump(&db, 42);
    assert!(c);
    for args in [vec!["versions"], vec!["diff", "1", "1"]] {
        let assert = rota().args(&args).arg("--store").arg(&db).assert().code(2);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(
            err.contains("made by a newer rota") && err.contains("42"),
            "{err}"
        );
    }
    // Not a database at all.
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "x".repeat(4096)).unwrap();
    let assert = rota()
        .args(["publish", SMALL])
        .arg(&roster)
        .arg("--store")
        .arg(&text)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("not a rota store"), "{err}");
}

/// Sets the SQLite header's user_version (bytes 60..64, big-endian), as a
/// newer rota would have; returns whether the file was a database.
fn rusqlite_free_bump(db: &Path, version: u32) -> bool {
    let mut bytes = std::fs::read(db).unwrap();
    if !bytes.starts_with(b"SQLite format 3\0") {
        return false;
    }
    bytes[60..64].copy_from_slice(&version.to_be_bytes());
    std::fs::write(db, bytes).unwrap();
    true
}

#[test]
fn a_killed_publish_leaves_the_store_intact_with_the_whole_version_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let roster = planned(&dir.path().join("plan"));
    let db = dir.path().join("rota.db");
    let publish = || {
        let mut c = std::process::Command::cargo_bin("rota").unwrap();
        c.args(["publish", SMALL])
            .arg(&roster)
            .arg("--store")
            .arg(&db)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    assert!(publish().status().unwrap().success());
    let mut counts = Vec::new();
    for delay_us in [
        0u64, 500, 1000, 2000, 3000, 4000, 5000, 6000, 8000, 10_000, 12_000, 15_000, 20_000,
        30_000, 50_000, 100_000, 1_000_000,
    ] {
        let before = versions(&db)["versions"].as_array().unwrap().len();
        let mut child = publish().spawn().unwrap();
        std::thread::sleep(Duration::from_micros(delay_us));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let v = versions(&db);
        assert_eq!(
            v["problems"].as_array().unwrap().len(),
            0,
            "after a kill at {delay_us} us: {v}"
        );
        let after = v["versions"].as_array().unwrap().len();
        assert!(
            after == before || after == before + 1,
            "after a kill at {delay_us} us: {before} -> {after} versions"
        );
        counts.push(after - before);
    }
    // The kills span the run: the first came before the version was stored,
    // the last after.
    assert_eq!(counts.first(), Some(&0), "{counts:?}");
    assert_eq!(counts.last(), Some(&1), "{counts:?}");
}
