//! Writing output files so that readers and interruptions never see a mix.
//!
//! - A set of files ([`write_files`] with more than one file) is written
//!   into a fresh sibling folder of the output folder, which is then
//!   swapped with the output folder in one step (Linux `renameat2` with
//!   `RENAME_EXCHANGE`; elsewhere two renames). Files already in the output
//!   folder that the set does not replace are hard-linked into the new
//!   folder first, so they stay. A reader that opened the folder sees the
//!   old set or the new one, never a mix; a kill leaves one or the other.
//! - One file ([`write_file`]) is written to a temporary file beside it and
//!   renamed over it.
//! - Writers of a folder take an exclusive lock (`flock`) on its lock file,
//!   `.NAME.rota.lock` beside the folder `NAME` (created by the first set
//!   written there), so two runs into one folder take turns. The lock file
//!   stays outside the folder, where a user listing the outputs never sees
//!   it, and is never deleted: removing a file others may be waiting to
//!   lock would let two writers lock two different files.
//! - [`check_outputs`] refuses, before any work, outputs that would
//!   overwrite an input, whatever the spelling of either path.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock file that earlier builds of rota kept inside an output folder;
/// a set written into such a folder leaves it behind with the old folder.
const OLD_LOCK_FILE: &str = ".rota.lock";

/// The lock file of the output folder `dir`: `.NAME.rota.lock` beside it,
/// in its parent (none for a root folder).
pub fn lock_path(dir: &Path) -> Option<PathBuf> {
    let name = dir.file_name()?;
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty())?;
    Some(parent.join(format!(".{}.rota.lock", name.to_string_lossy())))
}

/// The prefix of the staging and retired folders beside `dir`.
fn sibling_prefix(dir: &Path) -> String {
    format!(
        ".{}.rota-",
        dir.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// The error for an output folder that is the file system's root (no
/// sibling for the lock, no parent to stage in).
fn root_folder(dir: &Path) -> Error {
    Error::input(
        dir,
        None,
        None,
        "is the root folder: give a folder of its own",
    )
}

/// Takes the lock of the folder `dir`, a canonical path (waiting for
/// another rota to finish writing).
fn lock(dir: &Path) -> Result<File> {
    let path = lock_path(dir).ok_or_else(|| root_folder(dir))?;
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    exclusive(&f).map_err(|e| Error::io(&path, e))?;
    Ok(f)
}

/// Waits for an exclusive lock on `f` (`flock`), released when `f` closes
/// or the process ends.
#[cfg(target_os = "linux")]
fn exclusive(f: &File) -> std::io::Result<()> {
    rustix::fs::flock(f, rustix::fs::FlockOperation::LockExclusive).map_err(Into::into)
}

/// Waits for an exclusive lock on `f` (std's `File::lock`, Rust 1.89 on;
/// rota's minimum Rust for Linux is older, where `flock` serves).
#[cfg(not(target_os = "linux"))]
#[allow(clippy::incompatible_msrv)]
fn exclusive(f: &File) -> std::io::Result<()> {
    f.lock()
}

/// Writes `bytes` to `path` through a temporary file beside it, renamed
/// over `path` only once complete and flushed. When the folder is a rota
/// output folder (its lock file is beside it), its lock is taken first.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::input(path, None, None, "names no file"))?;
    if path.is_dir() {
        return Err(Error::input(
            path,
            None,
            None,
            "is a folder: give the name of a file",
        ));
    }
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let real = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    let _lock = match lock_path(&real) {
        Some(p) if p.is_file() => Some(lock(&real)?),
        _ => None,
    };
    let mut tmp = temp_file_in(dir, &name.to_string_lossy())?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io(tmp.path(), e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    sync_dir(dir);
    Ok(())
}

fn temp_file_in(dir: &Path, name: &str) -> Result<tempfile::NamedTempFile> {
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Temporary files are private (0600); the outputs are ordinary files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))
}

/// Flushes a folder's entries to disk (best effort: not every platform
/// can open a folder).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes every file into the folder `dir` as one set: all of them appear
/// at once (see the module documentation), under the folder's lock. One
/// file is written by [`write_file`].
pub fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    if let [(name, bytes)] = files {
        return write_file(&dir.join(name), bytes);
    }
    check_output_folder(dir)?;
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let real = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    let parent = real.parent().ok_or_else(|| root_folder(dir))?;
    let _lock = lock(&real)?;
    remove_stale_siblings(&real, parent);
    let staging = tempfile::Builder::new()
        .prefix(&sibling_prefix(&real))
        .tempdir_in(parent)
        .map_err(|e| Error::io(parent, e))?;
    for (name, bytes) in files {
        let p = staging.path().join(name);
        let mut f = File::create(&p).map_err(|e| Error::io(&p, e))?;
        f.write_all(bytes)
            .and_then(|_| f.sync_all())
            .map_err(|e| Error::io(&p, e))?;
    }
    // The files of the set are new; an old lock file inside the folder is
    // left behind with the old folder.
    let mut names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    names.push(OLD_LOCK_FILE);
    link_tree(&real, staging.path(), &names)?;
    let perms = fs::metadata(&real)
        .map_err(|e| Error::io(&real, e))?
        .permissions();
    fs::set_permissions(staging.path(), perms).map_err(|e| Error::io(staging.path(), e))?;
    sync_dir(staging.path());
    swap(staging.path(), &real)?;
    // Entries made in the old folder while the new one was staged (by
    // something other than rota, which waits for the lock) move across.
    if let Ok(entries) = fs::read_dir(staging.path()) {
        for e in entries.flatten() {
            let to = real.join(e.file_name());
            if e.file_name() != OLD_LOCK_FILE && fs::symlink_metadata(&to).is_err() {
                let _ = fs::rename(e.path(), to);
            }
        }
    }
    sync_dir(parent);
    // `staging` now holds the old folder; dropping it removes it.
    drop(staging);
    Ok(())
}

/// Hard-links (or, where links are impossible, copies) every entry of
/// `from` except `skip` into `to`, folders recreated, so that the files a
/// set does not replace stay in the new folder.
fn link_tree(from: &Path, to: &Path, skip: &[&str]) -> Result<()> {
    let entries = fs::read_dir(from).map_err(|e| Error::io(from, e))?;
    for e in entries {
        let e = e.map_err(|e| Error::io(from, e))?;
        let name = e.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        let kind = e.file_type().map_err(|e| Error::io(&src, e))?;
        if kind.is_dir() {
            fs::create_dir(&dst).map_err(|e| Error::io(&dst, e))?;
            link_tree(&src, &dst, &[])?;
        } else if kind.is_symlink() {
            let target = fs::read_link(&src).map_err(|e| Error::io(&src, e))?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(&target, &dst).map_err(|e| Error::io(&dst, e))?;
            #[cfg(not(unix))]
            fs::copy(&src, &dst).map_err(|e| Error::io(&dst, e))?;
            let _ = target;
        } else if fs::hard_link(&src, &dst).is_err() {
            fs::copy(&src, &dst).map_err(|e| Error::io(&dst, e))?;
        }
    }
    Ok(())
}

/// Removes staging and retired folders that a killed run left beside `dir`
/// (the caller holds the folder's lock, so no live run owns them).
fn remove_stale_siblings(dir: &Path, parent: &Path) {
    let prefix = sibling_prefix(dir);
    if let Ok(entries) = fs::read_dir(parent) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix)
                && e.file_type().is_ok_and(|t| t.is_dir())
            {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Swaps the folders `new` and `dir` in one step.
#[cfg(target_os = "linux")]
fn swap(new: &Path, dir: &Path) -> Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, new, CWD, dir, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        // File systems without the exchange (some network ones).
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            swap_by_renames(new, dir)
        }
        Err(e) => Err(Error::io(dir, e.into())),
    }
}

#[cfg(not(target_os = "linux"))]
fn swap(new: &Path, dir: &Path) -> Result<()> {
    swap_by_renames(new, dir)
}

/// Two renames: the old folder aside, the new one in. A kill between them
/// leaves no output folder, and the old one beside it.
fn swap_by_renames(new: &Path, dir: &Path) -> Result<()> {
    let aside = PathBuf::from(format!("{}-old", new.display()));
    fs::rename(dir, &aside).map_err(|e| Error::io(dir, e))?;
    fs::rename(new, dir).map_err(|e| Error::io(dir, e))?;
    fs::rename(&aside, new).map_err(|e| Error::io(new, e))
}

/// `path` made absolute and free of `..` and symbolic links, as far as it
/// exists; the part that does not exist yet is appended as written.
fn resolved(path: &Path) -> PathBuf {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(p), Some(n)) => {
                rest.push(n.to_os_string());
                existing = if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                };
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Refuses, before any work is done, outputs that would overwrite an
/// input: an output that is the same file as an input, compared by the
/// path with every symbolic link and `..` resolved and, when both exist,
/// by file identity (another spelling, a hard link).
pub fn check_outputs(outputs: &[PathBuf], inputs: &[PathBuf]) -> Result<()> {
    let inputs: Vec<(&PathBuf, PathBuf)> = inputs.iter().map(|p| (p, resolved(p))).collect();
    for out in outputs {
        let r = resolved(out);
        for (input, ri) in &inputs {
            if r == *ri || same_file::is_same_file(out, input).unwrap_or(false) {
                return Err(Error::input(
                    out,
                    None,
                    None,
                    format!(
                        "is the input {}: rota will not overwrite an input; choose another output",
                        input.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Refuses, before any work, an output folder that [`write_files`] would
/// refuse: one that exists as a file, and the current folder or a folder
/// above it (the folder is replaced as a whole, which would leave a shell
/// in it in a removed folder).
pub fn check_output_folder(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::input(
            dir,
            None,
            None,
            "is a file, not a folder: rota writes its files into a folder",
        ));
    }
    let real = resolved(dir);
    if std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok())
        .is_some_and(|cwd| cwd.starts_with(&real))
    {
        return Err(Error::input(
            dir,
            None,
            None,
            "is the current folder or one above it: rota replaces its output folder as a whole, so give a folder of its own (such as out/)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_set_replaces_its_files_keeps_the_others_and_leaves_no_temporaries() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("a.csv"), "old").unwrap();
        fs::write(dir.join("mine.txt"), "user's").unwrap();
        fs::create_dir(dir.join("calendars")).unwrap();
        fs::write(dir.join("calendars/x.ics"), "cal").unwrap();
        // The lock file an earlier rota kept inside the folder goes.
        fs::write(dir.join(".rota.lock"), "").unwrap();
        write_files(
            &dir,
            &[
                ("a.csv".into(), b"new".to_vec()),
                ("b.csv".into(), b"b".to_vec()),
            ],
        )
        .unwrap();
        assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "new");
        assert_eq!(fs::read_to_string(dir.join("b.csv")).unwrap(), "b");
        assert_eq!(fs::read_to_string(dir.join("mine.txt")).unwrap(), "user's");
        assert_eq!(
            fs::read_to_string(dir.join("calendars/x.ics")).unwrap(),
            "cal"
        );
        // The folder holds the files and nothing of rota's own.
        assert_eq!(names(&dir), ["a.csv", "b.csv", "calendars", "mine.txt"]);
        // Beside it, only its lock file, which stays.
        assert_eq!(names(root.path()), [".out.rota.lock", "out"]);
        // One file: written in place, no lock file made where there was none.
        let single = root.path().join("single");
        write_files(&single, &[("s.csv".into(), b"s".to_vec())]).unwrap();
        assert_eq!(names(&single), ["s.csv"]);
    }

    #[test]
    fn a_stale_staging_folder_is_removed_by_the_next_write() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let files = [
            ("a".to_string(), b"1".to_vec()),
            ("b".to_string(), b"2".to_vec()),
        ];
        write_files(&dir, &files).unwrap();
        fs::create_dir(root.path().join(".out.rota-killed")).unwrap();
        fs::write(root.path().join(".out.rota-killed/a"), "half").unwrap();
        write_files(&dir, &files).unwrap();
        assert_eq!(names(root.path()), [".out.rota.lock", "out"]);
    }

    #[test]
    fn outputs_that_are_inputs_by_another_spelling_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let d = root.path().join("d");
        fs::create_dir(&d).unwrap();
        let input = d.join("roster.csv");
        fs::write(&input, "x").unwrap();
        fs::hard_link(&input, root.path().join("link.csv")).unwrap();
        for out in [
            input.clone(),
            d.join("../d/roster.csv"),
            d.join("./roster.csv"),
            root.path().join("link.csv"),
        ] {
            let e = check_outputs(std::slice::from_ref(&out), std::slice::from_ref(&input))
                .unwrap_err()
                .to_string();
            assert!(e.contains("will not overwrite an input"), "{out:?}: {e}");
        }
        check_outputs(&[d.join("roster.ics"), d.join("new/x.csv")], &[input]).unwrap();
    }

    #[test]
    fn a_writer_waits_for_the_lock() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let files = vec![
            ("a".to_string(), b"1".to_vec()),
            ("b".to_string(), b"2".to_vec()),
        ];
        write_files(&dir, &files).unwrap();
        let held = lock(&dir).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let d = dir.clone();
        let writer = std::thread::spawn(move || {
            write_files(
                &d,
                &[("a".into(), b"new".to_vec()), ("b".into(), b"new".to_vec())],
            )
            .unwrap();
            tx.send(()).unwrap();
        });
        // However long we wait, nothing is written while the lock is held.
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(300))
            .is_err());
        assert_eq!(fs::read_to_string(dir.join("a")).unwrap(), "1");
        drop(held);
        writer.join().unwrap();
        assert_eq!(fs::read_to_string(dir.join("a")).unwrap(), "new");
    }

    /// Readers that open the folder once and read its files relative to it
    /// see one whole set, whichever, while writers replace it.
    #[cfg(target_os = "linux")]
    #[test]
    fn readers_see_whole_sets_while_writers_race() {
        use rustix::fs::{openat, Mode, OFlags};
        use std::io::Read;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let set = |k: usize| -> Vec<(String, Vec<u8>)> {
            (0..5)
                .map(|i| (format!("f{i}"), format!("{k}").into_bytes()))
                .collect()
        };
        write_files(&dir, &set(0)).unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writers: Vec<_> = (1..=2)
            .map(|w| {
                let d = dir.clone();
                std::thread::spawn(move || {
                    for k in 0..15 {
                        write_files(&d, &set(w * 100 + k)).unwrap();
                    }
                })
            })
            .collect();
        let s = stop.clone();
        let d = dir.clone();
        let reader = std::thread::spawn(move || {
            let mut reads = 0;
            while !s.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok(folder) = File::open(&d) else { continue };
                let mut seen = Vec::new();
                for i in 0..5 {
                    // A folder swapped out is removed: its files may go
                    // before they are read (then the set is gone, not mixed).
                    let Ok(fd) = openat(&folder, format!("f{i}"), OFlags::RDONLY, Mode::empty())
                    else {
                        break;
                    };
                    let mut text = String::new();
                    File::from(fd).read_to_string(&mut text).unwrap();
                    seen.push(text);
                }
                if seen.len() < 5 {
                    continue;
                }
                assert!(seen.iter().all(|t| *t == seen[0]), "a mixed set: {seen:?}");
                reads += 1;
            }
            reads
        });
        for w in writers {
            w.join().unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
        let last = fs::read_to_string(dir.join("f0")).unwrap();
        assert!(last == "114" || last == "214", "{last}");
        assert_eq!(names(root.path()), [".out.rota.lock", "out"]);
        assert_eq!(names(&dir), ["f0", "f1", "f2", "f3", "f4"]);
    }
}
