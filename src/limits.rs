//! The largest inputs rota accepts, and reading files within them.
//!
//! Past a limit rota stops with a clear error before it reads the file or
//! builds a model, rather than running out of memory. The numbers are
//! documented in `docs/limits.md`; they are sized so that the largest
//! accepted input fits comfortably in a few GiB.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

/// Largest scenario or solver-settings YAML file.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;
/// Largest history CSV file (a year of 15-minute intervals for 100 queues is about 250 MiB).
pub const MAX_HISTORY_BYTES: u64 = 512 << 20;
/// Largest roster CSV file.
pub const MAX_ROSTER_BYTES: u64 = 64 << 20;
/// Most agents in a scenario.
pub const MAX_AGENTS: usize = 5000;
/// Most queues in a scenario.
pub const MAX_QUEUES: usize = 100;
/// Planned days in a scenario (six weeks).
pub const MAX_PLANNED_DAYS: u32 = 42;

fn human(bytes: u64) -> String {
    format!("{} MiB", bytes >> 20)
}

/// Opens a file after checking that it is no larger than `max` bytes.
pub fn open_within(path: &Path, max: u64, what: &str) -> Result<File> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len > max {
        return Err(Error::input(
            path,
            None,
            None,
            format!(
                "{what} file is {} but rota reads at most {} (see docs/limits.md)",
                human(len.max(1 << 20)),
                human(max)
            ),
        ));
    }
    Ok(file)
}

/// Reads a whole text file of at most `max` bytes; invalid UTF-8 is an
/// error naming the line where it starts.
pub fn read_text_within(path: &Path, max: u64, what: &str) -> Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    open_within(path, max, what)?
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        Error::input(path, Some(line), None, "file is not valid UTF-8")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_past_the_limit_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("huge.csv");
        // A sparse 1 GiB file: no disk is used, and nothing is read.
        let f = File::create(&p).unwrap();
        f.set_len(1 << 30).unwrap();
        let e = open_within(&p, MAX_HISTORY_BYTES, "history")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("huge.csv") && e.contains("1024 MiB") && e.contains("512 MiB"),
            "{e}"
        );
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.yaml");
        std::fs::write(&p, b"name: a\nsite: b\xff\n").unwrap();
        let e = read_text_within(&p, 1024, "scenario")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("UTF-8"), "{e}");
    }
}
