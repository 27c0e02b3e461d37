//! Errors of the rota library.
//!
//! Every variant names the thing at fault: the file, and where it can be
//! known the line (or CSV row) and the field. Messages are lowercase
//! fragments so that callers can add their own context in front. Input
//! they quote goes through [`safe_message`] and [`excerpt`], here so that
//! this module depends on no other of the crate (`limits` re-exports them).

use std::path::PathBuf;

/// Where in an input file something went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// 1-based line (YAML) or record line (CSV), when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The field at fault, as a path such as `agents[3].skills` or a CSV column name.
    pub field: Option<String>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(l) = self.line {
            match self.column {
                Some(c) => parts.push(format!("line {l}, column {c}")),
                None => parts.push(format!("line {l}")),
            }
        }
        if let Some(field) = &self.field {
            parts.push(format!("field `{field}`"));
        }
        write!(f, "{}", parts.join(", "))
    }
}

/// The error type of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written. The OS error is part of the
    /// message and not a `source`, so that it is printed once.
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// An input file is malformed or holds a value that is not allowed.
    #[error("{}{}: {message}", path.display(), location_suffix(location))]
    Input {
        path: PathBuf,
        location: Location,
        message: String,
    },
    /// The scenario cannot be planned as stated (for example rules that conflict).
    #[error("{0}")]
    Infeasible(String),
    /// The store of published rosters (`src/store/`) cannot be used.
    #[error("{}: {message}", path.display())]
    Store { path: PathBuf, message: String },
    /// A version was stored in the store while a new one was prepared from
    /// an older one (two planners at once); nothing was stored.
    #[error("{}: {message}", path.display())]
    Conflict {
        path: PathBuf,
        /// The version the new one was prepared from.
        started_from: Option<i64>,
        /// The latest version in the store now.
        latest: i64,
        /// Who stored the latest version, and when (RFC 3339, UTC).
        latest_by: String,
        latest_at: String,
        message: String,
    },
    /// The workbook of `rota export --format xlsx` could not be made (for
    /// example a name longer than a spreadsheet cell holds).
    #[error("xlsx workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The solver failed for a reason that is not the scenario's fault.
    #[error("solver: {0}")]
    Solver(String),
    /// rota broke one of its own invariants (a bug, never the input's fault).
    #[error("internal error: {0}")]
    Internal(String),
}

fn location_suffix(loc: &Location) -> String {
    let s = loc.to_string();
    if s.is_empty() {
        String::new()
    } else {
        format!(": {s}")
    }
}

impl Error {
    /// An input error at a known place. The message is made safe to print
    /// (control characters escaped, quoted input cut short:
    /// [`safe_message`]).
    pub fn input(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Error::Input {
            path: path.into(),
            location: Location {
                line,
                column: None,
                field: field.map(str::to_string),
            },
            message: safe_message(&message.into()),
        }
    }

    /// An I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error: source,
        }
    }
}

/// Longest quoted excerpt of an input in an error message, in characters.
pub const MAX_EXCERPT_CHARS: usize = 60;

/// A short excerpt of input text for an error message: control characters
/// escaped, at most [`MAX_EXCERPT_CHARS`] characters, `…` when cut.
pub fn excerpt(s: &str) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == MAX_EXCERPT_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// An error message made safe to print: control characters escaped, text
/// quoted in backticks or double quotes cut to a short excerpt, and the
/// whole at most a few hundred characters. Messages quote input files, and
/// a file that is not what rota expected (say `/etc/passwd` given as a
/// scenario) must not be printed whole.
pub fn safe_message(msg: &str) -> String {
    const MAX_MESSAGE_CHARS: usize = 600;
    let mut out = String::new();
    let mut quoted: Option<(char, String)> = None;
    for c in msg.chars() {
        match &mut quoted {
            Some((q, text)) if c == *q => {
                out.push(*q);
                out.push_str(&excerpt(text));
                out.push(c);
                quoted = None;
            }
            Some((_, text)) => text.push(c),
            None if c == '`' || c == '"' => quoted = Some((c, String::new())),
            None if c.is_control() => out.extend(c.escape_default()),
            None => out.push(c),
        }
    }
    if let Some((q, text)) = quoted {
        out.push(q);
        out.push_str(&excerpt(&text));
    }
    if out.chars().count() > MAX_MESSAGE_CHARS {
        out = out.chars().take(MAX_MESSAGE_CHARS).collect::<String>() + "…";
    }
    out
}

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
