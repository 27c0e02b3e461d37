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
    /// Where the files it names were written, for errors and for checking
    /// that no output overwrites an input.
    pub origins: Origins,
}

/// Where a field of a scenario was written: the file and the line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldOrigin {
    pub file: PathBuf,
    pub line: Option<usize>,
}

impl FieldOrigin {
    /// An error reading the file this field names (`field` such as
    /// `history.file`), blamed on the field's line: the OS error ("cannot
    /// read ..."), or an error about the whole file (too large, not a
    /// regular file); errors at a line of the file itself are kept.
    pub fn error(&self, field: &str, e: Error) -> Error {
        match e {
            Error::Io { .. } => self.blame(field, e),
            Error::Input { ref location, .. } if location.line.is_none() => self.blame(field, e),
            other => other,
        }
    }

    /// As [`FieldOrigin::error`], and also an error that names no field of
    /// the file (a syntax error, or a file that is no YAML mapping at all:
    /// the field probably names the wrong file).
    pub fn file_error(&self, field: &str, e: Error) -> Error {
        match e {
            Error::Input { ref location, .. } if location.field.is_none() => self.blame(field, e),
            e => self.error(field, e),
        }
    }

    /// Any error of the file this field names, blamed on the field's line
    /// (the file's own error follows).
    fn blame(&self, field: &str, e: Error) -> Error {
        let message = match e {
            Error::Io { path, error } => format!("cannot read {}: {error}", path.display()),
            other => other.to_string(),
        };
        Error::Input {
            path: self.file.clone(),
            location: Location {
                line: self.line,
                column: None,
                field: Some(field.to_string()),
            },
            message: crate::limits::safe_message(&message),
        }
    }
}

/// The files a loaded scenario came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    /// Every scenario file read: a variant first, the scenario it extends after it.
    pub sources: Vec<PathBuf>,
    /// Where `history.file` was written.
    pub history: FieldOrigin,
    /// Where `solver` was written (the scenario itself when it names none).
    pub solver: FieldOrigin,
}

/// The line where the key path `keys` (such as `["history", "file"]`) is
/// written: the first line with the first key, then the first line from
/// there with each next key (block or flow style).
pub(crate) fn key_line(src: &str, keys: &[&str]) -> Option<usize> {
    let lines: Vec<&str> = src.lines().collect();
    let mut at = 0;
    for key in keys {
        let needle = format!("{key}:");
        at += lines[at..].iter().position(|l| {
            let code = l.split(" #").next().unwrap_or("");
            !l.trim_start().starts_with('#') && code.contains(&needle)
        })?;
    }
    Some(at + 1)
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

/// An error of the YAML parser or of serde, as an input error: the field
/// (the parser's path to the value, such as `agents[3].skills`) in the
/// location rather than the message, duplicate keys at the duplicate's
/// line, and quoted input cut to a short excerpt.
pub(crate) fn yaml_error(path: &Path, src: &str, e: &serde_yaml::Error) -> Error {
    let loc = e.location();
    let mut line = loc.as_ref().map(|l| l.line());
    let mut column = loc.as_ref().map(|l| l.column());
    let mut message = e.to_string();
    // The parser appends "at line L column C"; the location says it already.
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    // A leading `path: ` is the field at fault.
    let mut field = None;
    if let Some((p, rest)) = message.split_once(": ") {
        let is_path = !p.is_empty()
            && p.chars()
                .all(|c| c.is_alphanumeric() || "_.[]-?".contains(c));
        if is_path {
            field = Some(p.to_string());
            message = rest.to_string();
        }
    }
    let within = |name: &str| match &field {
        Some(f) => format!("{f}.{name}"),
        None => name.to_string(),
    };
    let named = |m: &str, what: &str| -> Option<String> {
        let rest = m.strip_prefix(what)?.strip_prefix('`')?;
        Some(rest[..rest.find('`')?].to_string())
    };
    // serde says "duplicate field `k`" of a struct, the parser "duplicate
    // entry with key "k"" of a mapping.
    let duplicate = named(&message, "duplicate field ").or_else(|| {
        message
            .strip_prefix("duplicate entry with key \"")
            .and_then(|r| r.split_once('"'))
            .map(|(k, _)| k.to_string())
    });
    if let Some(key) = duplicate {
        if let Some(l) = duplicate_line(src, line, column, &key) {
            message = format!(
                "duplicate key `{key}` (first at line {})",
                line.unwrap_or(l)
            );
            line = Some(l);
            column = None;
        }
        field = Some(within(&key));
    } else if let Some(name) = named(&message, "missing field ") {
        field = Some(within(&name));
    } else if let Some(name) = named(&message, "unknown field ") {
        field = Some(within(&name));
    } else if message == "repetition limit exceeded" {
        message = "too many alias expansions (`*name`): an alias bomb? rota expands aliases at most 100 times the size of the document (see docs/limits.md)".to_string();
    } else if message == "recursion limit exceeded" {
        message = format!(
            "YAML nested too deep: rota reads at most {} levels of lists and mappings inside each other (see docs/limits.md)",
            crate::limits::MAX_YAML_DEPTH
        );
    } else if field.is_none()
        && message.starts_with("invalid type: ")
        && message.contains(", expected struct ")
    {
        // The whole file is something else (a text, a list): no excerpt of it.
        let kind = message["invalid type: ".len()..]
            .split([' ', ','])
            .next()
            .unwrap_or("value")
            .to_string();
        message =
            format!("the file holds a {kind}, not a YAML mapping of fields: is it the right file?");
    } else if message.contains("more than one document") {
        message =
            "holds more than one YAML document (a `---` line inside the file?): rota reads one"
                .to_string();
    }
    Error::Input {
        path: path.to_path_buf(),
        location: Location {
            line,
            column,
            field,
        },
        message: crate::limits::safe_message(&message),
    }
}

/// The line of the second `key:` of the mapping whose first key the parser
/// reported at `line`, `column` (a duplicate key): the next line at the same
/// indentation that starts with the key, before the mapping ends; or, in a
/// flow mapping (`{ a: 1, a: 2 }`), the same line.
fn duplicate_line(
    src: &str,
    line: Option<usize>,
    column: Option<usize>,
    key: &str,
) -> Option<usize> {
    let (line, column) = (line?, column?);
    let lines: Vec<&str> = src.lines().collect();
    let first = lines.get(line.checked_sub(1)?)?;
    let is_key = |text: &str| {
        let t = text.trim_start_matches(['-', ' ', '{', ',']);
        let t = t.trim_start_matches(['"', '\'']);
        t.strip_prefix(key).is_some_and(|r| {
            r.trim_start_matches(['"', '\''])
                .trim_start()
                .starts_with(':')
        })
    };
    // A flow mapping on one line: the key appears twice on it.
    let on_line = first
        .match_indices(key)
        .filter(|(i, _)| is_key(&first[*i..]) || is_key(&first[i.saturating_sub(1)..]))
        .count();
    if on_line >= 2 {
        return Some(line);
    }
    let indent = column - 1;
    let mut seen_first = false;
    for (i, l) in lines.iter().enumerate().skip(line - 1) {
        if l.trim().is_empty() || l.trim_start().starts_with('#') {
            continue;
        }
        let ind = l.len() - l.trim_start_matches([' ', '-']).len();
        if i + 1 > line && ind < indent {
            break;
        }
        if ind == indent && is_key(&l[ind..]) {
            if seen_first {
                return Some(i + 1);
            }
            seen_first = true;
        }
    }
    None
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
        crate::limits::check_yaml(src, path)?;
        let ids: QueueIdsOnly = serde_yaml::from_str(src).map_err(|e| yaml_error(path, src, &e))?;
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
        let mut scenario = parsed.map_err(|e| yaml_error(path, src, &e))?;
        scenario.settle_sites(src, path)?;
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
        LoadedScenario::from_text(&src, path)
    }
}

impl LoadedScenario {
    /// The scenario in `src`, the text of the file at `path`, with its
    /// history path resolved against the file's folder.
    pub fn from_text(src: &str, path: &Path) -> Result<LoadedScenario> {
        let scenario = Scenario::from_yaml_str(src, path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let history_path = dir.join(&scenario.history.file);
        let at = |keys: &[&str]| FieldOrigin {
            file: path.to_path_buf(),
            line: key_line(src, keys),
        };
        Ok(LoadedScenario {
            scenario,
            path: path.to_path_buf(),
            history_path,
            origins: Origins {
                sources: vec![path.to_path_buf()],
                history: at(&["history", "file"]),
                solver: at(&["solver"]),
            },
        })
    }
}
