//! The store of published rosters: publish validates first, versions are
//! append-only, a store from another rota is refused, and a publish killed
//! at any moment leaves the store intact with the whole new version or none.
//! The store is private to its owner, names who published without USER,
//! tells a shift edited behind rota's back (recomputed by an independent
//! Python script too), and a re-plan overtaken by a publish stores nothing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command;

use crate::common;

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

fn publish(roster: &Path, db: &Path, by: &str) -> (String, String) {
    let assert = rota()
        .args(["publish", SMALL])
        .arg(roster)
        .args(["--by", by, "--store"])
        .arg(db)
        .assert()
        .code(0);
    let o = assert.get_output();
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// `rota versions` in text: exit code, stdout, stderr.
fn versions_text(db: &Path, extra: &[&str]) -> (i32, String, String) {
    let o = rota()
        .arg("versions")
        .arg("--store")
        .arg(db)
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

#[test]
fn a_shift_edited_behind_rotas_back_is_named_and_the_head_hash_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    let roster = planned(&dir.path().join("plan"));
    let db = dir.path().join("rota.db");
    for by in ["Li Planner", "duty planner", "Li Planner", "Bo Colleague"] {
        publish(&roster, &db, by);
    }
    let (code, out, _) = versions_text(&db, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("4 versions, schema version 5, intact"),
        "{out}"
    );
    let head = versions(&db)["head"]["chain_sha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(head.len(), 64);
    assert!(
        out.contains(&format!("head:    {head} (version 4")),
        "{out}"
    );
    // An independent implementation of the hashes in docs/replan.md
    // (Python's sqlite3 and hashlib) finds the same head.
    let script = |db: &Path| {
        let o = std::process::Command::new(common::python())
            .arg("scripts/store_chain.py")
            .arg(db)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).to_string(),
        )
    };
    let (code, text) = script(&db);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.ends_with(&format!("head {head}\n")), "{text}");
    // Behind rota's back, with another program: the append-only trigger
    // dropped and an agent id in a shift of version 2 changed.
    let edit = std::process::Command::new(common::python())
        .args([
            "-c",
            "import sqlite3, sys\n\
             c = sqlite3.connect(sys.argv[1])\n\
             c.execute('DROP TRIGGER shifts_append_only_update')\n\
             n = c.execute(\"UPDATE shifts SET agent_id = 'T99' WHERE version = 2 AND row = 3\").rowcount\n\
             c.commit()\n\
             assert n == 1, n\n",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(edit.status.success(), "{edit:?}");
    let (code, out, _) = versions_text(&db, &[]);
    assert_eq!(code, 1, "{out}");
    let problems: Vec<&str> = out.lines().filter(|l| l.starts_with("problem:")).collect();
    assert_eq!(
        problems,
        ["problem: version 2: its content no longer matches its hash: a shift or a field of the version was changed after it was stored"],
        "{out}"
    );
    assert!(!out.contains("intact"), "{out}");
    // The head is printed still (the chain's own, unchanged).
    assert!(out.contains(&format!("head:    {head}")), "{out}");
    let (code, text) = script(&db);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("version 2: content") && text.contains("differs"),
        "{text}"
    );
    // A head kept elsewhere that the store no longer carries.
    let (code, out, _) = versions_text(&db, &["--kept-head", &"0".repeat(64)]);
    assert_eq!(code, 1);
    assert!(out.contains("no version carries the chain hash"), "{out}");
}

#[cfg(unix)]
#[test]
fn the_store_is_private_unless_a_group_is_asked_for_and_names_its_publisher_without_user() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let roster = planned(&dir.path().join("plan"));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let db = dir.path().join("rota.db");
    // No USER, no LOGNAME (a service, a container): the account's name.
    let assert = rota()
        .env_remove("USER")
        .env_remove("LOGNAME")
        .args(["publish", SMALL])
        .arg(&roster)
        .arg("--store")
        .arg(&db)
        .assert()
        .code(0);
    let out = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(out.contains("the first version in the store"), "{out}");
    assert_eq!(mode(&db), 0o600, "a new store is its owner's only");
    // The name /etc/passwd gives the uid that owns the file rota made.
    let uid = std::fs::metadata(&db).unwrap().uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let account = passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2] == uid.to_string()).then(|| f[0].to_string())
    });
    let by = versions(&db)["versions"][0]["published_by"]
        .as_str()
        .unwrap()
        .to_string();
    match account {
        Some(name) => assert_eq!(by, name),
        // An account from a directory service: a name all the same, never "unknown".
        None => assert!(!by.is_empty() && by != "unknown", "{by}"),
    }
    // --by still wins.
    publish(&roster, &db, "Li Planner");
    assert_eq!(versions(&db)["versions"][1]["published_by"], "Li Planner");
    let (code, _, err) = versions_text(&db, &[]);
    assert_eq!((code, err.as_str()), (0, ""));
    // Made readable by everyone behind rota's back: a warning, not a failure.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, _, err) = versions_text(&db, &[]);
    assert_eq!(code, 0);
    assert!(
        err.starts_with("warning: ")
            && err.contains("its group and other users of the machine can read it (mode 0644)")
            && err.contains("chmod 600"),
        "{err}"
    );
    // Shared with the group on request: 0640, recorded, no warning.
    let assert = rota()
        .args(["publish", SMALL])
        .arg(&roster)
        .args(["--by", "Li Planner", "--store-group", "--store"])
        .arg(&db)
        .assert()
        .code(0);
    assert!(String::from_utf8_lossy(&assert.get_output().stderr).contains("mode 0640"));
    assert_eq!(mode(&db), 0o640);
    let (code, out, err) = versions_text(&db, &[]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(out.contains("access by Li Planner: access group"), "{out}");
    // A new store asked for a group is 0640 from the start.
    let shared = dir.path().join("shared.db");
    rota()
        .args(["publish", SMALL])
        .arg(&roster)
        .args(["--store-group", "--store"])
        .arg(&shared)
        .assert()
        .code(0);
    assert_eq!(mode(&shared), 0o640);
}

#[test]
fn a_publish_says_which_version_it_replaces_and_warns_when_its_roster_is_behind() {
    let dir = tempfile::tempdir().unwrap();
    let roster = planned(&dir.path().join("plan"));
    let db = dir.path().join("rota.db");
    publish(&roster, &db, "Li Planner");
    let (out, _) = publish(&roster, &db, "Bo Colleague");
    assert!(
        out.contains("replaces version 1 (publish by Li Planner at "),
        "{out}"
    );
    // The roster came from version 1, but version 2 is the latest now.
    let assert = rota()
        .args(["publish", SMALL])
        .arg(&roster)
        .args(["--by", "Li Planner", "--from-version", "1", "--store"])
        .arg(&db)
        .assert()
        .code(0);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        err.contains("warning: the roster came from version 1, but version 2 was published since: this publish replaces version 2 (publish by Bo Colleague at "),
        "{err}"
    );
    // From the latest: no warning. From a version that is not there: exit 2, nothing stored.
    let assert = rota()
        .args(["publish", SMALL])
        .arg(&roster)
        .args(["--from-version", "3", "--store"])
        .arg(&db)
        .assert()
        .code(0);
    assert!(assert.get_output().stderr.is_empty());
    let assert = rota()
        .args(["publish", SMALL])
        .arg(&roster)
        .args(["--from-version", "9", "--store"])
        .arg(&db)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("no version 9"), "{err}");
    assert_eq!(versions(&db)["versions"].as_array().unwrap().len(), 4);
}

/// A pipe whose buffer is full: whatever is written to it blocks until the
/// other end is read. The read end, and the write end for a child's stderr.
#[cfg(target_os = "linux")]
fn full_pipe() -> (std::fs::File, std::os::fd::OwnedFd) {
    use std::io::Write;
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills `fds` with two new descriptors we then own.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let mut w = std::fs::File::from(w);
    use std::os::fd::AsRawFd;
    // SAFETY: fcntl on a descriptor we own.
    let flags = unsafe { libc::fcntl(w.as_raw_fd(), libc::F_GETFL) };
    unsafe { libc::fcntl(w.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) };
    for chunk in [&[b'.'; 4096][..], &[b'.'][..]] {
        while w.write(chunk).is_ok() {}
    }
    unsafe { libc::fcntl(w.as_raw_fd(), libc::F_SETFL, flags) };
    (std::fs::File::from(r), OwnedFd::from(w))
}

/// Waits until process `pid` is blocked writing to its standard error.
#[cfg(target_os = "linux")]
fn blocked_on_stderr(child: &mut std::process::Child) {
    let start = std::time::Instant::now();
    loop {
        let syscall =
            std::fs::read_to_string(format!("/proc/{}/syscall", child.id())).unwrap_or_default();
        let f: Vec<&str> = syscall.split_whitespace().collect();
        if f.len() > 1 && f[0] == libc::SYS_write.to_string() && f[1] == "0x2" {
            return;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the re-plan ended early"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the re-plan never wrote to stderr: {syscall}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Two planners, deterministically: a re-plan starts from the latest
/// version and is held at its first line (its stderr is a full pipe) while
/// a colleague publishes; then it runs on. Without --force it stores
/// nothing and exits 3 naming the colleague's version; with --force it is
/// stored, and the version and the audit say so.
#[cfg(target_os = "linux")]
#[test]
fn a_replan_overtaken_by_a_publish_stores_nothing_and_exits_3() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let roster = planned(&dir.path().join("plan"));
    let db = dir.path().join("rota.db");
    publish(&roster, &db, "Li Planner");
    for force in [false, true] {
        let before = versions(&db)["versions"].as_array().unwrap().len() as i64;
        let out = dir.path().join(if force { "forced" } else { "refused" });
        let (mut read, write) = full_pipe();
        let mut cmd = std::process::Command::cargo_bin("rota").unwrap();
        cmd.args([
            "replan",
            SMALL,
            "--from",
            "2026-11-03 08:00",
            "--absent",
            "T01",
        ])
        .args(["--by", "Li Planner", "--store"])
        .arg(&db)
        .arg("--out")
        .arg(&out)
        .args(if force { &["--force"][..] } else { &[][..] })
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::from(write));
        let mut child = cmd.spawn().unwrap();
        drop(cmd);
        blocked_on_stderr(&mut child);
        // Meanwhile, a colleague publishes.
        publish(&roster, &db, "Bo Colleague");
        let colleagues = before + 1;
        let drain = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            read.read_to_end(&mut bytes).unwrap();
            bytes
        });
        let status = child.wait().unwrap();
        let bytes = drain.join().unwrap();
        let stderr = String::from_utf8_lossy(&bytes)
            .trim_start_matches('.')
            .to_string();
        // Held where it should have been: after it read the latest version.
        assert!(
            stderr.starts_with(&format!("re-planning version {before} of ")),
            "{stderr}"
        );
        let v = versions(&db);
        let list = v["versions"].as_array().unwrap();
        if !force {
            assert_eq!(status.code(), Some(3), "{stderr}");
            assert!(
                stderr.contains(&format!(
                    "version {colleagues} (publish) was stored by Bo Colleague at "
                )) && stderr.contains(&format!(
                    "after version {before}, which this version was prepared from; nothing stored: re-plan again to start from version {colleagues}, or give --force"
                )),
                "{stderr}"
            );
            assert_eq!(list.len() as i64, colleagues, "something was stored");
            assert!(!out.exists(), "files were written");
        } else {
            assert!(matches!(status.code(), Some(0) | Some(1)), "{stderr}");
            assert!(
                stderr.contains(&format!(
                    "warning: stored by --force over version {colleagues} (publish by Bo Colleague at "
                )),
                "{stderr}"
            );
            let last = list.last().unwrap();
            assert_eq!(last["version"], colleagues + 1);
            assert_eq!(last["kind"], "replan");
            assert_eq!(last["parent"], before);
            assert_eq!(last["forced_over"], colleagues);
            let forced: Vec<&serde_json::Value> = v["audit"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["event"] == "forced")
                .collect();
            assert_eq!(forced.len(), 1, "{v}");
            assert_eq!(forced[0]["version"], colleagues + 1);
            assert_eq!(forced[0]["by"], "Li Planner");
            assert!(out.join("roster.csv").exists());
        }
        assert_eq!(v["problems"].as_array().unwrap().len(), 0, "{v}");
    }
}
