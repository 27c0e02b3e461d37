//! Reading a scenario: the two passes over the YAML text and the errors
//! that point at its lines.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::de::*;
use super::*;
use crate::error::{Error, Location, Result};

/// A scenario read from disk, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub scenario: Scenario,
    /// The scenario file.
    pub path: PathBuf,
    /// The history file, resolved against the scenario's folder.
    pub history_path: PathBuf,
}

#[derive(Deserialize)]
struct QueueIdsOnly {
    #[serde(default)]
    queues: Vec<QueueIdOnly>,
}

#[derive(Deserialize)]
struct QueueIdOnly {
    id: String,
}

pub(crate) fn yaml_error(path: &Path, e: &serde_yaml::Error) -> Error {
    let loc = e.location();
    let mut message = e.to_string();
    // The parser appends "at line L column C"; the location says it already.
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    Error::Input {
        path: path.to_path_buf(),
        location: Location {
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            field: None,
        },
        message,
    }
}

/// The 1-based line of the `nth` (0-based) line that contains `needle`, if any.
pub(crate) fn find_line(src: &str, needle: &str, nth: usize) -> Option<usize> {
    src.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(nth)
        .map(|(i, _)| i + 1)
}

impl Scenario {
    /// Parses and checks a scenario from YAML text; `path` is used in errors only.
    pub fn from_yaml_str(src: &str, path: &Path) -> Result<Scenario> {
        let ids: QueueIdsOnly = serde_yaml::from_str(src).map_err(|e| yaml_error(path, &e))?;
        let mut known: BTreeSet<String> = BTreeSet::new();
        for (i, q) in ids.queues.iter().enumerate() {
            if !known.insert(q.id.clone()) {
                return Err(Error::input(
                    path,
                    find_line(src, &format!("id: {}", q.id), 1),
                    Some(&format!("queues[{i}].id")),
                    format!("duplicate queue id `{}`", q.id),
                ));
            }
        }
        KNOWN_QUEUES.with(|k| *k.borrow_mut() = Some(known));
        let parsed: std::result::Result<Scenario, _> = serde_yaml::from_str(src);
        KNOWN_QUEUES.with(|k| *k.borrow_mut() = None);
        let mut scenario = parsed.map_err(|e| yaml_error(path, &e))?;
        scenario.check(src, path)?;
        for q in &mut scenario.queues {
            if q.channel.is_deferred() {
                if q.service_level.target.is_nan() {
                    q.service_level.target = 1.0;
                }
                q.service_level.seconds = q.deadline_hours.unwrap_or(0.0) * 3600.0;
            }
        }
        Ok(scenario)
    }

    /// Reads a scenario file and resolves its history path.
    pub fn load(path: &Path) -> Result<LoadedScenario> {
        let src =
            crate::limits::read_text_within(path, crate::limits::MAX_SCENARIO_BYTES, "scenario")?;
        let scenario = Scenario::from_yaml_str(&src, path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let history_path = dir.join(&scenario.history.file);
        Ok(LoadedScenario {
            scenario,
            path: path.to_path_buf(),
            history_path,
        })
    }
}
