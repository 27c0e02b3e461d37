//! The store of published rosters: an embedded SQLite database (rusqlite,
//! bundled), `rota.db` beside the scenario by default.
//!
//! A version is a roster as it was published: its shifts (the roster CSV,
//! and one row per shift for queries), the SHA-256 of the scenario and
//! history files, the rota version, who published it, when, and a note; a
//! re-plan's version also names the version it re-planned and the facts it
//! took as given (`replan`, JSON). Versions are append-only: triggers refuse
//! any UPDATE or DELETE of `versions`, `shifts` and `audit`, and every write
//! is one transaction, so a killed process leaves the store as it was before
//! the write or with the whole new version, never half of it.
//!
//! Triggers stop mistakes, not someone who can write the file. So each
//! version also carries the SHA-256 of its content ([`content_bytes`]: its
//! fields and shift rows, length-prefixed, in a fixed order) and a chain
//! hash, SHA-256 of the previous version's chain hash and its own content
//! hash; [`Store::check`] recomputes both and names the first version that
//! no longer matches. Anyone who can write the file can rewrite every hash
//! too, so the head of the chain is worth keeping elsewhere
//! ([`Store::check_kept_head`]).
//!
//! A new version can be made to check, inside the transaction that stores
//! it, that the version it was prepared from is still the latest
//! ([`Guard`]): two planners never silently supersede each other's work.
//!
//! The file is created readable by its owner only (or its owner and group,
//! [`Access`]); SQLite gives its journal the same permissions.
//!
//! The schema is versioned: `PRAGMA application_id` marks a rota store and
//! `PRAGMA user_version` holds its schema version. Opening runs the
//! migrations the store lacks, in order, in one transaction, and records
//! them in the audit; a store made by a newer rota (a schema version above
//! [`SCHEMA_VERSION`]) or a file that is not a rota store is refused with an
//! error that says so.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, Transaction, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::roster::model::Roster;
use crate::roster::read::{read_roster_from, CsvRow};

pub mod requests;
pub use requests::{Decision, DecisionKind, NewRequest, RequestKind, Status, StoredRequest};

/// `PRAGMA application_id` of a rota store: "ROTA" in ASCII.
pub const APPLICATION_ID: i32 = 0x524F_5441;

/// A migration's computation over the rows already there: what it did,
/// in words, for the audit (none when there was nothing to do).
type MigrationStep = fn(&Transaction) -> rusqlite::Result<Option<String>>;

/// One step of the schema: its SQL, then, when it must compute something
/// from the rows already there, the function that does.
struct Migration {
    sql: &'static str,
    then: Option<MigrationStep>,
}

/// The trigger that keeps versions from being changed (schema version 2 on).
const VERSIONS_UPDATE_TRIGGER: &str =
    "CREATE TRIGGER versions_append_only_update BEFORE UPDATE ON versions
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a version is never changed'); END;";

/// The trigger that keeps shifts from being changed (schema version 2 on).
const SHIFTS_UPDATE_TRIGGER: &str =
    "CREATE TRIGGER shifts_append_only_update BEFORE UPDATE ON shifts
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a version is never changed'); END;";

/// The migrations, in order: migration `i` (0-based) takes a store from
/// schema version `i` to `i + 1`.
const MIGRATIONS: &[Migration] = &[
    // 1: versions and their shifts.
    Migration {
        sql: "CREATE TABLE versions (
        version INTEGER PRIMARY KEY,
        published_at TEXT NOT NULL,
        published_by TEXT NOT NULL,
        note TEXT NOT NULL,
        rota_version TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('publish', 'replan')),
        parent INTEGER REFERENCES versions(version),
        scenario_file TEXT NOT NULL,
        scenario_sha256 TEXT NOT NULL,
        history_file TEXT NOT NULL,
        history_sha256 TEXT NOT NULL,
        site TEXT NOT NULL,
        timezone TEXT NOT NULL,
        first_date TEXT NOT NULL,
        days INTEGER NOT NULL,
        shifts INTEGER NOT NULL,
        roster_csv TEXT NOT NULL,
        roster_sha256 TEXT NOT NULL,
        replan TEXT
    );
    CREATE TABLE shifts (
        version INTEGER NOT NULL REFERENCES versions(version),
        row INTEGER NOT NULL,
        agent_id TEXT NOT NULL,
        agent_name TEXT NOT NULL,
        date TEXT NOT NULL,
        start_local TEXT NOT NULL,
        end_local TEXT NOT NULL,
        start_utc TEXT NOT NULL,
        end_utc TEXT NOT NULL,
        paid_hours TEXT NOT NULL,
        breaks TEXT NOT NULL,
        skills TEXT NOT NULL,
        PRIMARY KEY (version, row)
    );
    CREATE INDEX shifts_by_agent ON shifts (agent_id, date);",
        then: None,
    },
    // 2: append-only at the database level.
    Migration {
        sql: "CREATE TRIGGER versions_append_only_update BEFORE UPDATE ON versions
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a version is never changed'); END;
    CREATE TRIGGER versions_append_only_delete BEFORE DELETE ON versions
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a version is never deleted'); END;
    CREATE TRIGGER shifts_append_only_update BEFORE UPDATE ON shifts
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a version is never changed'); END;
    CREATE TRIGGER shifts_append_only_delete BEFORE DELETE ON shifts
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a version is never deleted'); END;",
        then: None,
    },
    // 3: tamper evidence (content and chain hashes), re-plans stored by
    // force over a version published meanwhile, and the audit of what was
    // done to the store besides publishing (creation, migrations, access,
    // forced versions). The versions already there get their hashes.
    Migration {
        sql: "ALTER TABLE versions ADD COLUMN forced_over INTEGER REFERENCES versions(version);
    ALTER TABLE versions ADD COLUMN content_sha256 TEXT;
    ALTER TABLE versions ADD COLUMN chain_sha256 TEXT;
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        by TEXT NOT NULL,
        event TEXT NOT NULL,
        version INTEGER,
        detail TEXT NOT NULL
    );
    CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: the audit is never changed'); END;
    CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: the audit is never deleted'); END;",
        then: Some(hash_existing_versions),
    },
    // 4: the agents' requests (time off, swaps, wishes) and the planner's
    // decisions on them, both append-only: a request is filed once and
    // decided at most once (`UNIQUE`), an approval naming the version that
    // applied it (`docs/requests.md`).
    Migration {
        sql: requests::MIGRATION_4,
        then: None,
    },
    // 5: the site of each shift (`shifts.site`), and the content format of
    // each version (`content_format`: 1 before there was a site, whose
    // content has no `shift.site`; 2 after). The shifts already there get
    // their site from the version's own roster CSV (its `site` column, or
    // the version's site when the roster has none): they are not in those
    // versions' content, and `Store::check` holds them to the CSV.
    Migration {
        sql: "ALTER TABLE shifts ADD COLUMN site TEXT;
    ALTER TABLE versions ADD COLUMN content_format INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX shifts_by_site ON shifts (version, site);",
        then: Some(site_of_existing_shifts),
    },
];

/// The schema version this rota writes and reads.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// The fields of a version that its content hash covers, in this order.
pub const CONTENT_FIELDS: [&str; 19] = [
    "version",
    "published_at",
    "published_by",
    "note",
    "rota_version",
    "kind",
    "parent",
    "forced_over",
    "scenario_file",
    "scenario_sha256",
    "history_file",
    "history_sha256",
    "site",
    "timezone",
    "first_date",
    "days",
    "shifts",
    "roster_sha256",
    "replan",
];

/// The fields of a shift row that a version's content hash covers, in
/// this order (each prefixed `shift.`), the rows in the order of `row`:
/// all of them in content format 2, all but the last (`site`) in format 1.
pub const SHIFT_FIELDS: [&str; 12] = [
    "row",
    "agent_id",
    "agent_name",
    "date",
    "start_local",
    "end_local",
    "start_utc",
    "end_utc",
    "paid_hours",
    "breaks",
    "skills",
    "site",
];

/// The content format of the versions this rota stores (`content_format`):
/// 2, whose shift rows include their `site`. Versions stored before schema
/// version 5 are of format 1.
pub const CONTENT_FORMAT: i64 = 2;

/// The shift fields of content format `format`.
pub fn shift_fields(format: i64) -> &'static [&'static str] {
    if format >= 2 {
        &SHIFT_FIELDS
    } else {
        &SHIFT_FIELDS[..11]
    }
}

/// The first line of a version's content of format `format`:
/// `rota-version-content-1` or `-2`, and a line feed.
pub fn content_header(format: i64) -> Vec<u8> {
    format!("rota-version-content-{format}\n").into_bytes()
}

/// Whether a version was published as planned or re-planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Publish,
    Replan,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Publish => "publish",
            Kind::Replan => "replan",
        }
    }

    fn parse(s: &str) -> Kind {
        if s == "replan" {
            Kind::Replan
        } else {
            Kind::Publish
        }
    }
}

/// Who may read the store file besides its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Its owner only: mode 0600.
    Owner,
    /// Its owner, and its group to read: mode 0640.
    Group,
}

impl Access {
    /// The file's mode (Unix permission bits).
    pub fn mode(self) -> u32 {
        match self {
            Access::Owner => 0o600,
            Access::Group => 0o640,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Access::Owner => "owner",
            Access::Group => "group",
        }
    }

    /// How the audit records it: `access owner: readable by its owner
    /// only (mode 0600)`.
    fn record(self) -> String {
        format!(
            "access {}: {} (mode {:04o})",
            self.as_str(),
            self.describe(),
            self.mode()
        )
    }

    /// In words: `readable by its owner only`.
    pub fn describe(self) -> &'static str {
        match self {
            Access::Owner => "readable by its owner only",
            Access::Group => "readable by its owner and its group",
        }
    }
}

/// What a new version expects of the store when it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Nothing: it becomes the latest version, replacing whichever was (a
    /// publish; [`Appended::replaced`] says which).
    None,
    /// The version it was prepared from (none: an empty store) is still the
    /// latest; otherwise [`Error::Conflict`] and nothing is stored.
    Latest(Option<i64>),
    /// The same, but stored all the same when another version came since:
    /// the new version records the one it superseded (`forced_over`), and
    /// the audit the force.
    Force(Option<i64>),
}

/// What a new version records besides its roster.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub published_at: DateTime<Utc>,
    pub published_by: &'a str,
    pub note: &'a str,
    pub kind: Kind,
    /// The version a re-plan started from.
    pub parent: Option<i64>,
    pub scenario_file: &'a Path,
    pub history_file: &'a Path,
    pub first_date: NaiveDate,
    pub days: u32,
    /// The re-plan's facts (JSON), for a re-plan.
    pub replan: Option<String>,
    /// What the store must hold for the version to be stored.
    pub guard: Guard,
}

/// A version in brief: its number, kind, who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionRef {
    pub version: i64,
    pub kind: Kind,
    pub published_by: String,
    pub published_at: String,
}

/// What [`Store::append`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The new version's number.
    pub version: i64,
    /// The version that was the latest until now (none in an empty store).
    pub replaced: Option<VersionRef>,
    /// With [`Guard::Force`], the version published meanwhile that the new
    /// one superseded.
    pub forced_over: Option<VersionRef>,
    /// The new version's chain hash: the head of the chain.
    pub chain_sha256: String,
}

/// A stored version, without its roster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    pub version: i64,
    pub published_at: String,
    pub published_by: String,
    pub note: String,
    pub rota_version: String,
    pub kind: Kind,
    pub parent: Option<i64>,
    /// A re-plan stored by force: the version published meanwhile that it
    /// superseded.
    pub forced_over: Option<i64>,
    pub scenario_file: String,
    pub scenario_sha256: String,
    pub history_file: String,
    pub history_sha256: String,
    pub site: String,
    pub timezone: String,
    pub first_date: String,
    pub days: u32,
    pub shifts: usize,
    pub roster_sha256: String,
    /// The re-plan's facts (JSON) of a re-plan's version.
    pub replan: Option<String>,
    /// SHA-256 of the version's content ([`content_bytes`]).
    pub content_sha256: Option<String>,
    /// SHA-256 of the previous version's chain hash and this content hash.
    pub chain_sha256: Option<String>,
}

/// One line of the audit: what was done to the store besides storing a
/// version (its creation, migrations, access, versions stored by force).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub at: String,
    pub by: String,
    /// `created`, `migrated`, `access` or `forced`.
    pub event: String,
    pub version: Option<i64>,
    pub detail: String,
}

/// A store file whose permissions let more people read (or write) it than
/// the store asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exposure {
    /// The file's permission bits.
    pub mode: u32,
    /// What the store asks for.
    pub access: Access,
}

impl Exposure {
    /// Who can read or write the file beyond what the store asks for:
    /// `its group and other users of the machine can read it`.
    pub fn who(&self) -> String {
        let extra = self.mode & !self.access.mode() & 0o077;
        let mut who = Vec::new();
        if extra & 0o070 != 0 {
            who.push("its group");
        }
        if extra & 0o007 != 0 {
            who.push("other users of the machine");
        }
        let verb = if extra & 0o022 != 0 {
            "read and write"
        } else {
            "read"
        };
        format!("{} can {verb} it", who.join(" and "))
    }
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The chain hash of a version: SHA-256 of the previous version's chain
/// hash (empty for the first version) followed by its own content hash,
/// both as lowercase hex text.
pub fn chain_sha256(previous: &str, content: &str) -> String {
    sha256_hex(format!("{previous}{content}").as_bytes())
}

/// Appends one field of a version's content: `NAME=LEN:VALUE\n`, LEN the
/// value's length in bytes (decimal), the value as text (an integer in
/// decimal, NULL as nothing).
fn content_field(out: &mut Vec<u8>, name: &str, v: &Value) {
    let text: Vec<u8> = match v {
        Value::Null => Vec::new(),
        Value::Integer(i) => i.to_string().into_bytes(),
        Value::Real(f) => f.to_string().into_bytes(),
        Value::Text(s) => s.as_bytes().to_vec(),
        Value::Blob(b) => b.clone(),
    };
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
    out.extend_from_slice(text.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(&text);
    out.push(b'\n');
}

/// The bytes a version's content hash is taken of, in content format
/// `format`: [`content_header`], then each of [`CONTENT_FIELDS`] as
/// `NAME=LEN:VALUE\n`, then for each shift row in the order of `row` each
/// of the format's [`shift_fields`] as `shift.NAME=LEN:VALUE\n`
/// (docs/replan.md; `scripts/store_chain.py` recomputes it independently).
pub fn content_bytes(format: i64, version: &[Value], shifts: &[Vec<Value>]) -> Vec<u8> {
    let mut out = content_header(format);
    for (name, v) in CONTENT_FIELDS.iter().zip(version) {
        content_field(&mut out, name, v);
    }
    for row in shifts {
        for (name, v) in shift_fields(format).iter().zip(row) {
            content_field(&mut out, &format!("shift.{name}"), v);
        }
    }
    out
}

/// Version `n`'s content hash, from its rows as stored.
fn stored_content_sha256(conn: &Connection, n: i64) -> rusqlite::Result<String> {
    let version: Vec<Value> = conn.query_row(
        &format!(
            "SELECT {} FROM versions WHERE version = ?1",
            CONTENT_FIELDS.join(", ")
        ),
        [n],
        |r| (0..CONTENT_FIELDS.len()).map(|i| r.get(i)).collect(),
    )?;
    // Before schema version 5 there was no format: every version was of 1.
    let has_format: bool = conn.query_row(
        "SELECT count(*) > 0 FROM pragma_table_info('versions') WHERE name = 'content_format'",
        [],
        |r| r.get(0),
    )?;
    let format: i64 = if has_format {
        conn.query_row(
            "SELECT content_format FROM versions WHERE version = ?1",
            [n],
            |r| r.get(0),
        )?
    } else {
        1
    };
    let fields = shift_fields(format);
    let mut st = conn.prepare(&format!(
        "SELECT {} FROM shifts WHERE version = ?1 ORDER BY row",
        fields.join(", ")
    ))?;
    let shifts = st
        .query_map([n], |r| (0..fields.len()).map(|i| r.get(i)).collect())?
        .collect::<rusqlite::Result<Vec<Vec<Value>>>>()?;
    Ok(sha256_hex(&content_bytes(format, &version, &shifts)))
}

/// The site of each row of a stored roster CSV, in order: its `site`
/// column (the text as written, spreadsheet escaping undone), or `site`
/// (the version's) for a roster without one. None when the CSV cannot be
/// read.
fn csv_sites(csv: &str, site: &str) -> Option<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv.as_bytes());
    let column = r.headers().ok()?.iter().position(|h| h == "site");
    r.records()
        .map(|rec| {
            let rec = rec.ok()?;
            Some(match column {
                Some(c) => crate::csv_cell::spreadsheet_text(rec.get(c)?).to_string(),
                None => site.to_string(),
            })
        })
        .collect()
}

/// Migration 5's step: the site of the shifts stored before there was a
/// column for it, from each version's roster CSV (its row `i` is shift row
/// `i`). The trigger that forbids changing a shift is lifted for this one
/// transaction and put back before it commits.
fn site_of_existing_shifts(tx: &Transaction) -> rusqlite::Result<Option<String>> {
    let versions: Vec<(i64, String, String)> = tx
        .prepare("SELECT version, roster_csv, site FROM versions ORDER BY version")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if versions.is_empty() {
        return Ok(None);
    }
    tx.execute_batch("DROP TRIGGER IF EXISTS shifts_append_only_update;")?;
    let (mut filled, mut unread) = (0usize, Vec::new());
    for (n, csv, site) in &versions {
        let Some(sites) = csv_sites(csv, site) else {
            unread.push(n.to_string());
            continue;
        };
        for (i, s) in sites.iter().enumerate() {
            filled += tx.execute(
                "UPDATE shifts SET site = ?1 WHERE version = ?2 AND row = ?3",
                params![s, n, i as i64 + 1],
            )?;
        }
    }
    tx.execute_batch(SHIFTS_UPDATE_TRIGGER)?;
    let mut note =
        format!("the site of the {filled} shifts stored before, from their versions' rosters");
    if !unread.is_empty() {
        note.push_str(&format!(
            " (the rosters of versions {} could not be read: their shifts have no site)",
            unread.join(", ")
        ));
    }
    Ok(Some(note))
}

/// Migration 3's step: the content and chain hashes of the versions stored
/// before there were hashes. The trigger that forbids changing a version
/// is lifted for this one transaction and put back before it commits.
fn hash_existing_versions(tx: &Transaction) -> rusqlite::Result<Option<String>> {
    let versions: Vec<i64> = tx
        .prepare("SELECT version FROM versions ORDER BY version")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let Some(last) = versions.last().copied() else {
        return Ok(None);
    };
    tx.execute_batch("DROP TRIGGER IF EXISTS versions_append_only_update;")?;
    let mut chain = String::new();
    for &n in &versions {
        let content = stored_content_sha256(tx, n)?;
        chain = chain_sha256(&chain, &content);
        tx.execute(
            "UPDATE versions SET content_sha256 = ?1, chain_sha256 = ?2 WHERE version = ?3",
            params![content, chain, n],
        )?;
    }
    tx.execute_batch(VERSIONS_UPDATE_TRIGGER)?;
    Ok(Some(format!(
        "content and chain SHA-256 computed for the {} versions stored before (1 to {last}); head {chain}",
        versions.len()
    )))
}

/// SHA-256 of a file's bytes, as stored with a version (`scenario_sha256`, `history_sha256`).
pub fn file_sha256(path: &Path) -> Result<String> {
    std::fs::read(path)
        .map(|b| sha256_hex(&b))
        .map_err(|e| Error::io(path, e))
}

/// The default store of a scenario: `rota.db` in the scenario's folder.
pub fn default_path(scenario: &Path) -> PathBuf {
    scenario
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("rota.db")
}

/// Creates the empty store file with the permissions `access` asks for
/// before SQLite opens it (SQLite would make it 0644 under the usual
/// umask, and gives its journal the database file's permissions). A file
/// that is there already is left as it is.
#[cfg(unix)]
fn create_file(path: &Path, access: Access) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(access.mode())
        .open(path)
    {
        // The umask may have taken bits away: the mode asked for is exact.
        Ok(f) => f
            .set_permissions(std::fs::Permissions::from_mode(access.mode()))
            .map_err(|e| Error::io(path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

#[cfg(not(unix))]
fn create_file(_path: &Path, _access: Access) -> Result<()> {
    Ok(())
}

/// The name the store's own events are recorded under.
fn rota_itself() -> String {
    format!("rota {}", env!("CARGO_PKG_VERSION"))
}

pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn version_ref(r: &rusqlite::Row) -> rusqlite::Result<VersionRef> {
    Ok(VersionRef {
        version: r.get(0)?,
        kind: Kind::parse(&r.get::<_, String>(1)?),
        published_by: r.get(2)?,
        published_at: r.get(3)?,
    })
}

/// The latest version in brief, if any.
fn latest_ref(conn: &Connection) -> rusqlite::Result<Option<VersionRef>> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT version, kind, published_by, published_at FROM versions
         ORDER BY version DESC LIMIT 1",
        [],
        version_ref,
    )
    .optional()
}

impl Store {
    /// Opens the store at `path`, creating it (readable by its owner only)
    /// when `create` and it does not exist yet, and brings an older schema
    /// up to date.
    pub fn open(path: &Path, create: bool) -> Result<Store> {
        Self::open_with(path, create.then_some(Access::Owner))
    }

    /// Opens the store at `path`, creating it with the permissions of
    /// `create` when given and the file does not exist yet, and brings an
    /// older schema up to date (recorded in the audit).
    pub fn open_with(path: &Path, create: Option<Access>) -> Result<Store> {
        if create.is_none() && !path.exists() {
            return Err(Error::Store {
                path: path.to_path_buf(),
                message: "no store here: publish a roster first (rota publish)".into(),
            });
        }
        if let Some(access) = create {
            create_file(path, access)?;
        }
        let conn = Connection::open(path).map_err(|e| store_error(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate(create)?;
        Ok(store)
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        store_error(&self.path, e)
    }

    fn pragma(&self, name: &str) -> Result<i32> {
        self.conn
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Checks what the file is and runs the migrations it lacks, in one
    /// transaction, recording them (or the store's creation) in the audit.
    fn migrate(&mut self, create: Option<Access>) -> Result<()> {
        self.conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| self.err(e))?;
        // Read inside a write transaction, so two rota processes never
        // migrate the same store at once.
        let path = self.path.clone();
        let fail = |message: String| Error::Store {
            path: path.clone(),
            message,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| store_error(&path, e))?;
        let get = |name: &str| -> Result<i32> {
            tx.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                .map_err(|e| store_error(&path, e))
        };
        let app = get("application_id")?;
        let schema = get("user_version")?;
        let tables: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| store_error(&path, e))?;
        let fresh = app == 0 && schema == 0 && tables == 0;
        if fresh && create.is_none() {
            return Err(fail(
                "the store is empty: publish a roster first (rota publish)".into(),
            ));
        }
        if !fresh && app != APPLICATION_ID {
            return Err(fail(
                "not a rota store (its SQLite application_id is not rota's)".into(),
            ));
        }
        if schema > SCHEMA_VERSION {
            return Err(fail(format!(
                "made by a newer rota: its schema version is {schema}, this rota {} knows versions up to {SCHEMA_VERSION}; use a rota at least as new as the one that wrote it",
                env!("CARGO_PKG_VERSION")
            )));
        }
        if schema < 0 {
            return Err(fail(format!("unknown schema version {schema}")));
        }
        let mut notes = Vec::new();
        for (i, m) in MIGRATIONS.iter().enumerate().skip(schema as usize) {
            let failed = |e: rusqlite::Error| {
                fail(format!("migration to schema version {} failed: {e}", i + 1))
            };
            tx.execute_batch(m.sql).map_err(failed)?;
            if let Some(then) = m.then {
                notes.extend(then(&tx).map_err(failed)?);
            }
        }
        if schema < SCHEMA_VERSION {
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
            ))
            .map_err(|e| store_error(&path, e))?;
            let mut events = Vec::new();
            if fresh {
                let access = create.unwrap_or(Access::Owner);
                events.push((
                    "created",
                    format!("schema version {SCHEMA_VERSION}; {}", access.record()),
                ));
            } else {
                let mut detail = format!("schema version {schema} to {SCHEMA_VERSION}");
                for n in &notes {
                    detail.push_str(&format!("; {n}"));
                }
                events.push(("migrated", detail));
            }
            for (event, detail) in events {
                tx.execute(
                    "INSERT INTO audit (at, by, event, version, detail) VALUES (?1, ?2, ?3, NULL, ?4)",
                    params![now(), rota_itself(), event, detail],
                )
                .map_err(|e| store_error(&path, e))?;
            }
        }
        tx.commit().map_err(|e| store_error(&path, e))
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i32> {
        self.pragma("user_version")
    }

    /// Records `roster` as a new version, in one transaction that first
    /// checks `v.guard` against the latest version; computes its content
    /// and chain hashes.
    pub fn append(&mut self, v: &NewVersion, roster: &Roster) -> Result<Appended> {
        self.append_deciding(v, roster, None)
    }

    /// [`Store::append`], recording in the same transaction the approval
    /// of a pending request that the new version applies (its decision
    /// names the new version; the audit records it). A request decided
    /// meanwhile stores nothing.
    pub fn append_deciding(
        &mut self,
        v: &NewVersion,
        roster: &Roster,
        decision: Option<&Decision>,
    ) -> Result<Appended> {
        let csv = crate::roster::read::roster_csv(roster)?;
        let csv_text = String::from_utf8(csv).map_err(|e| Error::Store {
            path: self.path.clone(),
            message: format!("roster is not UTF-8: {e}"),
        })?;
        let scenario_sha = file_sha256(v.scenario_file)?;
        let history_sha = file_sha256(v.history_file)?;
        let path = self.path.clone();
        let e = |e: rusqlite::Error| store_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        // Inside the write transaction: nobody can store a version between
        // this look and the insert.
        let latest = latest_ref(&tx).map_err(e)?;
        let mut forced_over = None;
        if let Guard::Latest(expected) | Guard::Force(expected) = v.guard {
            let now_latest = latest.as_ref().map(|l| l.version);
            if now_latest != expected {
                let Some(l) = latest.clone() else {
                    return Err(Error::Store {
                        path: path.clone(),
                        message: format!(
                            "version {} is no longer in the store, which holds no versions",
                            expected.unwrap_or(0)
                        ),
                    });
                };
                if matches!(v.guard, Guard::Force(_)) {
                    forced_over = Some(l);
                } else {
                    let since: i64 = tx
                        .query_row(
                            "SELECT count(*) FROM versions WHERE version > ?1",
                            [expected.unwrap_or(0)],
                            |r| r.get(0),
                        )
                        .map_err(e)?;
                    let from = match expected {
                        Some(x) => format!("version {x}"),
                        None => "an empty store".to_string(),
                    };
                    let what = if since > 1 {
                        format!(
                            "{since} versions were stored after {from}, which this version was prepared from; the latest, version {} ({}), by {} at {}",
                            l.version,
                            l.kind.as_str(),
                            l.published_by,
                            l.published_at
                        )
                    } else {
                        format!(
                            "version {} ({}) was stored by {} at {} after {from}, which this version was prepared from",
                            l.version,
                            l.kind.as_str(),
                            l.published_by,
                            l.published_at
                        )
                    };
                    return Err(Error::Conflict {
                        path: path.clone(),
                        started_from: expected,
                        latest: l.version,
                        latest_by: l.published_by,
                        latest_at: l.published_at,
                        message: format!("{what}; nothing stored"),
                    });
                }
            }
        }
        let next = latest.as_ref().map_or(1, |l| l.version + 1);
        let previous_chain: String = match &latest {
            Some(l) => tx
                .query_row(
                    "SELECT coalesce(chain_sha256, '') FROM versions WHERE version = ?1",
                    [l.version],
                    |r| r.get(0),
                )
                .map_err(e)?,
            None => String::new(),
        };
        let text = |s: &str| Value::Text(s.to_string());
        let int = |i: Option<i64>| i.map_or(Value::Null, Value::Integer);
        let at = v
            .published_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // In the order of CONTENT_FIELDS.
        let fields: Vec<Value> = vec![
            Value::Integer(next),
            text(&at),
            text(v.published_by),
            text(v.note),
            text(env!("CARGO_PKG_VERSION")),
            text(v.kind.as_str()),
            int(v.parent),
            int(forced_over.as_ref().map(|f| f.version)),
            text(&v.scenario_file.display().to_string()),
            text(&scenario_sha),
            text(&v.history_file.display().to_string()),
            text(&history_sha),
            text(&roster.site_name),
            text(roster.timezone.name()),
            text(&v.first_date.to_string()),
            Value::Integer(i64::from(v.days)),
            Value::Integer(roster.shifts.len() as i64),
            text(&sha256_hex(csv_text.as_bytes())),
            v.replan.as_deref().map_or(Value::Null, text),
        ];
        let rows: Vec<Vec<Value>> = roster
            .shifts
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let r = CsvRow::from_shift(s, roster.timezone);
                // In the order of SHIFT_FIELDS.
                vec![
                    Value::Integer(i as i64 + 1),
                    Value::Text(r.agent_id),
                    Value::Text(r.agent_name),
                    Value::Text(r.date),
                    Value::Text(r.start_local),
                    Value::Text(r.end_local),
                    Value::Text(r.start_utc),
                    Value::Text(r.end_utc),
                    Value::Text(r.paid_hours),
                    Value::Text(r.breaks),
                    Value::Text(r.skills),
                    // Its site; with one site, the roster's.
                    text(if s.site.is_empty() {
                        &roster.site_name
                    } else {
                        &s.site
                    }),
                ]
            })
            .collect();
        let content = sha256_hex(&content_bytes(CONTENT_FORMAT, &fields, &rows));
        let chain = chain_sha256(&previous_chain, &content);
        let mut values = fields;
        values.extend([
            Value::Text(csv_text),
            Value::Text(content.clone()),
            Value::Text(chain.clone()),
            Value::Integer(CONTENT_FORMAT),
        ]);
        let columns = CONTENT_FIELDS.join(", ");
        let marks: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
        tx.execute(
            &format!(
                "INSERT INTO versions ({columns}, roster_csv, content_sha256, chain_sha256, content_format)
                 VALUES ({})",
                marks.join(", ")
            ),
            params_from_iter(values),
        )
        .map_err(e)?;
        {
            let mut ins = tx
                .prepare(&format!(
                    "INSERT INTO shifts (version, {}) VALUES (?1, {})",
                    SHIFT_FIELDS.join(", "),
                    (2..=SHIFT_FIELDS.len() + 1)
                        .map(|i| format!("?{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .map_err(e)?;
            for row in rows {
                let mut values = vec![Value::Integer(next)];
                values.extend(row);
                ins.execute(params_from_iter(values)).map_err(e)?;
            }
        }
        // What was hashed is what was stored.
        let stored = stored_content_sha256(&tx, next).map_err(e)?;
        if stored != content {
            return Err(Error::Internal(format!(
                "{}: version {next} reads back with another content hash than it was stored with; nothing stored",
                path.display()
            )));
        }
        if let (Some(f), Guard::Force(expected)) = (&forced_over, v.guard) {
            let from = expected.map_or("an empty store".to_string(), |x| format!("version {x}"));
            tx.execute(
                "INSERT INTO audit (at, by, event, version, detail) VALUES (?1, ?2, 'forced', ?3, ?4)",
                params![
                    at,
                    v.published_by,
                    next,
                    format!(
                        "version {next} stored by force over version {} ({} by {} at {}), which was stored after {from}, which version {next} was prepared from",
                        f.version,
                        f.kind.as_str(),
                        f.published_by,
                        f.published_at
                    )
                ],
            )
            .map_err(e)?;
        }
        if let Some(d) = decision {
            requests::record_decision(&tx, &path, d, Some(next))?;
        }
        tx.commit().map_err(e)?;
        Ok(Appended {
            version: next,
            replaced: latest,
            forced_over,
            chain_sha256: chain,
        })
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> Result<Vec<Version>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT version, published_at, published_by, note, rota_version, kind, parent,
                    scenario_file, scenario_sha256, history_file, history_sha256, site, timezone,
                    first_date, days, shifts, roster_sha256, replan, forced_over, content_sha256,
                    chain_sha256
                 FROM versions ORDER BY version",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok(Version {
                    version: r.get(0)?,
                    published_at: r.get(1)?,
                    published_by: r.get(2)?,
                    note: r.get(3)?,
                    rota_version: r.get(4)?,
                    kind: Kind::parse(&r.get::<_, String>(5)?),
                    parent: r.get(6)?,
                    scenario_file: r.get(7)?,
                    scenario_sha256: r.get(8)?,
                    history_file: r.get(9)?,
                    history_sha256: r.get(10)?,
                    site: r.get(11)?,
                    timezone: r.get(12)?,
                    first_date: r.get(13)?,
                    days: r.get(14)?,
                    shifts: r.get::<_, i64>(15)? as usize,
                    roster_sha256: r.get(16)?,
                    replan: r.get(17)?,
                    forced_over: r.get(18)?,
                    content_sha256: r.get(19)?,
                    chain_sha256: r.get(20)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }

    /// Version `n`, or an error naming the versions there are.
    pub fn version(&self, n: i64) -> Result<Version> {
        let all = self.versions()?;
        let last = all.last().map(|v| v.version);
        all.into_iter()
            .find(|v| v.version == n)
            .ok_or_else(|| Error::Store {
                path: self.path.clone(),
                message: match last {
                    Some(l) => format!("no version {n}: the store holds versions 1 to {l}"),
                    None => format!("no version {n}: the store holds none yet"),
                },
            })
    }

    /// The newest version, if any.
    pub fn latest(&self) -> Result<Option<Version>> {
        Ok(self.versions()?.pop())
    }

    /// The roster of version `n` (read back through the roster CSV format).
    pub fn roster(&self, n: i64) -> Result<Roster> {
        self.version(n)?;
        let (csv, site, tz): (String, String, String) = self
            .conn
            .query_row(
                "SELECT roster_csv, site, timezone FROM versions WHERE version = ?1",
                [n],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(|e| self.err(e))?;
        let tz: Tz = tz.parse().map_err(|_| Error::Store {
            path: self.path.clone(),
            message: format!("version {n}: unknown time zone `{tz}`"),
        })?;
        let label = self.path.join(format!("version {n}"));
        read_roster_from(csv.as_bytes(), &label, &site, tz)
    }

    /// The audit: the store's creation, migrations, changes of access and
    /// versions stored by force, oldest first.
    pub fn audit(&self) -> Result<Vec<AuditEvent>> {
        let mut st = self
            .conn
            .prepare("SELECT at, by, event, version, detail FROM audit ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok(AuditEvent {
                    at: r.get(0)?,
                    by: r.get(1)?,
                    event: r.get(2)?,
                    version: r.get(3)?,
                    detail: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }

    /// Who the store asks to be readable by: the last access recorded in
    /// the audit (a store from before there was one: its owner only).
    pub fn access(&self) -> Result<Access> {
        use rusqlite::OptionalExtension;
        let last: Option<String> = self
            .conn
            .query_row(
                "SELECT detail FROM audit WHERE event IN ('created', 'access')
                 ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(match last {
            Some(d) if d.contains(&Access::Group.record()) => Access::Group,
            _ => Access::Owner,
        })
    }

    /// Makes the store readable as `access` asks (the file's mode, on
    /// Unix), recorded in the audit with who asked; false when it already
    /// was.
    pub fn set_access(&mut self, access: Access, by: &str) -> Result<bool> {
        if self.access()? == access && self.mode()?.is_none_or(|m| m == access.mode()) {
            return Ok(false);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(access.mode()))
                .map_err(|e| Error::io(&self.path, e))?;
        }
        self.conn
            .execute(
                "INSERT INTO audit (at, by, event, version, detail) VALUES (?1, ?2, 'access', NULL, ?3)",
                params![now(), by, access.record()],
            )
            .map_err(|e| self.err(e))?;
        Ok(true)
    }

    /// The store file's permissions when they let more people read or
    /// write it than the store asks for ([`Store::access`]); none on
    /// systems without Unix permissions.
    pub fn exposure(&self) -> Result<Option<Exposure>> {
        let access = self.access()?;
        Ok(self
            .mode()?
            .filter(|mode| mode & !access.mode() & 0o077 != 0)
            .map(|mode| Exposure { mode, access }))
    }

    /// The store file's permission bits (none without Unix permissions).
    pub fn mode(&self) -> Result<Option<u32>> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(&self.path).map_err(|e| Error::io(&self.path, e))?;
            Ok(Some(meta.permissions().mode() & 0o777))
        }
        #[cfg(not(unix))]
        Ok(None)
    }

    /// The latest version and its chain hash: the head of the chain.
    pub fn head(&self) -> Result<Option<(i64, String)>> {
        Ok(self
            .latest()?
            .map(|v| (v.version, v.chain_sha256.unwrap_or_default())))
    }

    /// What is wrong with the store, if anything: SQLite's integrity check,
    /// and for every version in order its shifts against its roster and
    /// its hash, its content against its content hash (recomputed from its
    /// rows) and its chain hash against the previous version's. The first
    /// problem names the first version that was changed.
    pub fn check(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let integrity: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if integrity != "ok" {
            out.push(format!("sqlite integrity check: {integrity}"));
        }
        let mut st = self
            .conn
            .prepare(
                "SELECT v.version, v.shifts, v.roster_csv, v.roster_sha256,
                    (SELECT count(*) FROM shifts s WHERE s.version = v.version),
                    v.content_sha256, v.chain_sha256, v.site
                 FROM versions v ORDER BY v.version",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut previous_chain = String::new();
        for (i, row) in rows.enumerate() {
            let (n, shifts, csv, sha, rows, content, chain, site) = row.map_err(|e| self.err(e))?;
            if n != i as i64 + 1 {
                out.push(format!(
                    "version {n} follows version {i}: versions are missing"
                ));
            }
            let recomputed = stored_content_sha256(&self.conn, n).map_err(|e| self.err(e))?;
            match (&content, &chain) {
                (Some(content), Some(chain)) => {
                    if *content != recomputed {
                        out.push(format!(
                            "version {n}: its content no longer matches its hash: a shift or a field of the version was changed after it was stored"
                        ));
                    } else if *chain != chain_sha256(&previous_chain, content) {
                        out.push(format!(
                            "version {n}: the hash chain is broken: its chain hash does not follow from the version before it and its content (a hash was rewritten, or a version removed)"
                        ));
                    }
                }
                _ => out.push(format!(
                    "version {n}: it has no content or chain hash (it was stored behind rota's back)"
                )),
            }
            previous_chain = chain.unwrap_or_default();
            if sha256_hex(csv.as_bytes()) != sha {
                out.push(format!(
                    "version {n}: the roster does not match its SHA-256"
                ));
            }
            if rows != shifts {
                out.push(format!(
                    "version {n}: {rows} shift rows, but the version records {shifts}"
                ));
            }
            let csv_rows = csv.lines().count().saturating_sub(1) as i64;
            if csv_rows != shifts {
                out.push(format!(
                    "version {n}: its roster holds {csv_rows} shifts, but the version records {shifts}"
                ));
            }
            // The site of each shift row against its roster (the rows a
            // migration gave a site are in no content hash but the CSV's).
            let stored = self.shift_sites(n)?;
            if let Some(sites) = csv_sites(&csv, &site) {
                if let Some(row) = (0..stored.len())
                    .find(|&i| stored[i].as_deref() != sites.get(i).map(String::as_str))
                {
                    out.push(format!(
                        "version {n}: shift row {} is at site {}, but its roster says {}",
                        row + 1,
                        stored[row]
                            .as_deref()
                            .map_or("(none)".to_string(), |s| format!(
                                "`{}`",
                                crate::limits::excerpt(s)
                            )),
                        sites.get(row).map_or("nothing".to_string(), |s| format!(
                            "`{}`",
                            crate::limits::excerpt(s)
                        ))
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The site of each shift row of version `n`, in the order of `row`
    /// (none for a row stored before schema version 5 whose roster could
    /// not be read).
    pub fn shift_sites(&self, n: i64) -> Result<Vec<Option<String>>> {
        Ok(self.shift_rows_sites(n)?.into_iter().map(|r| r.2).collect())
    }

    /// Each shift row of version `n` as (agent id, date, site), in the
    /// order of `row`.
    pub fn shift_rows_sites(&self, n: i64) -> Result<Vec<(String, String, Option<String>)>> {
        let mut st = self
            .conn
            .prepare("SELECT agent_id, date, site FROM shifts WHERE version = ?1 ORDER BY row")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }

    /// Checks a chain hash kept elsewhere (printed by `rota versions` at
    /// some time): a version must still carry it. Since every chain hash
    /// follows from all the versions before it, this holds the versions up
    /// to that one to what they were when it was kept, even against someone
    /// who rewrote every hash in the file.
    pub fn check_kept_head(&self, kept: &str) -> Result<Option<String>> {
        let kept = kept.trim().to_ascii_lowercase();
        Ok(
            match self
                .versions()?
                .iter()
                .find(|v| v.chain_sha256.as_deref() == Some(kept.as_str()))
            {
                Some(_) => None,
                None => Some(format!(
                    "no version carries the chain hash {} that was kept: the versions up to the one it was taken at were changed and their hashes rewritten (or it is another store's)",
                    crate::limits::excerpt(&kept)
                )),
            },
        )
    }
}

fn store_error(path: &Path, e: rusqlite::Error) -> Error {
    let message = match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            "not a rota store (not an SQLite database)".to_string()
        }
        _ => e.to_string(),
    };
    Error::Store {
        path: path.to_path_buf(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::model::Shift;
    use chrono::TimeZone;

    fn roster(n: usize) -> Roster {
        let tz = chrono_tz::Asia::Shanghai;
        let shifts = (0..n)
            .map(|i| {
                let start = tz
                    .with_ymd_and_hms(2026, 11, 9 + i as u32, 9, 0, 0)
                    .unwrap();
                Shift {
                    agent_id: format!("A{i}"),
                    agent_name: format!("Agent {i}"),
                    date: start.date_naive(),
                    start,
                    end: start + chrono::Duration::hours(8),
                    breaks: vec![],
                    skills: vec!["hotline".into()],
                    paid_hours: 8.0,
                    site: String::new(),
                }
            })
            .collect();
        Roster {
            site_name: "S".into(),
            timezone: tz,
            shifts,
        }
    }

    fn new_version<'a>(dir: &'a Path) -> NewVersion<'a> {
        NewVersion {
            published_at: Utc.with_ymd_and_hms(2026, 11, 8, 12, 0, 0).unwrap(),
            published_by: "planner",
            note: "",
            kind: Kind::Publish,
            parent: None,
            scenario_file: dir,
            history_file: dir,
            first_date: NaiveDate::from_ymd_opt(2026, 11, 9).unwrap(),
            days: 7,
            replan: None,
            guard: Guard::None,
        }
    }

    fn files(dir: &Path) -> PathBuf {
        let f = dir.join("s.yaml");
        std::fs::write(&f, "scenario").unwrap();
        f
    }

    #[test]
    fn versions_round_trip_and_are_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rota.db");
        let f = files(dir.path());
        let mut s = Store::open(&db, true).unwrap();
        assert_eq!(s.append(&new_version(&f), &roster(3)).unwrap().version, 1);
        let second = s.append(&new_version(&f), &roster(2)).unwrap();
        assert_eq!(second.version, 2);
        assert_eq!(second.replaced.map(|r| r.version), Some(1));
        let vs = s.versions().unwrap();
        assert_eq!(vs.iter().map(|v| v.shifts).collect::<Vec<_>>(), [3, 2]);
        assert_eq!(vs[0].scenario_sha256, sha256_hex(b"scenario"));
        assert_eq!(s.roster(1).unwrap().shifts, roster(3).shifts);
        assert!(s.check().unwrap().is_empty());
        for sql in [
            "UPDATE versions SET note = 'x'",
            "DELETE FROM versions",
            "UPDATE shifts SET agent_id = 'x'",
            "DELETE FROM shifts WHERE version = 1",
            "UPDATE audit SET by = 'x'",
            "DELETE FROM audit",
        ] {
            let e = s.conn.execute(sql, []).unwrap_err().to_string();
            assert!(e.contains("append-only"), "{sql}: {e}");
        }
        drop(s);
        let s = Store::open(&db, false).unwrap();
        assert_eq!(s.versions().unwrap().len(), 2);
        assert!(s.version(3).unwrap_err().to_string().contains("1 to 2"));
    }

    #[test]
    fn older_schemas_migrate_and_newer_or_foreign_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        // A store of schema version 1, as a rota before the triggers made it.
        let old = dir.path().join("old.db");
        {
            let c = Connection::open(&old).unwrap();
            c.execute_batch(MIGRATIONS[0].sql).unwrap();
            c.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;"
            ))
            .unwrap();
        }
        let s = Store::open(&old, false).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        let triggers: i64 = s
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(triggers, 10);
        let audit = s.audit().unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].event, "migrated");
        assert!(
            audit[0].detail.contains("schema version 1 to 5"),
            "{audit:?}"
        );
        // Newer.
        let newer = dir.path().join("new.db");
        {
            let c = Connection::open(&newer).unwrap();
            c.execute_batch(&format!(
                "CREATE TABLE t (x); PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 99;"
            ))
            .unwrap();
        }
        let e = Store::open(&newer, true).err().unwrap().to_string();
        assert!(e.contains("newer rota") && e.contains("99"), "{e}");
        // Another program's database, and a file that is no database.
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x);")
            .unwrap();
        let e = Store::open(&other, true).err().unwrap().to_string();
        assert!(e.contains("not a rota store"), "{e}");
        let text = dir.path().join("text.db");
        std::fs::write(&text, "this is not a database, just some text of some length....................................................................").unwrap();
        let e = Store::open(&text, true).err().unwrap().to_string();
        assert!(e.contains("not a rota store"), "{e}");
        // Missing.
        let e = Store::open(&dir.path().join("none.db"), false)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("publish a roster first"), "{e}");
    }

    /// A store of schema version 2 with two versions, as rota wrote it
    /// before there were hashes.
    fn schema_2_store(db: &Path) {
        let c = Connection::open(db).unwrap();
        c.execute_batch(MIGRATIONS[0].sql).unwrap();
        c.execute_batch(MIGRATIONS[1].sql).unwrap();
        for n in 1..=2i64 {
            let csv = format!("header\nrow of {n}\n");
            c.execute(
                "INSERT INTO versions (version, published_at, published_by, note, rota_version, kind,
                    parent, scenario_file, scenario_sha256, history_file, history_sha256, site,
                    timezone, first_date, days, shifts, roster_csv, roster_sha256, replan)
                 VALUES (?1, '2026-11-08T12:00:00Z', 'planner', '', '0.1.0', ?2, ?3, 's.yaml',
                    'aa', 'h.csv', 'bb', 'S', 'Asia/Shanghai', '2026-11-09', 7, 1, ?4, ?5, NULL)",
                params![
                    n,
                    if n == 1 { "publish" } else { "replan" },
                    if n == 1 { None } else { Some(1) },
                    csv,
                    sha256_hex(csv.as_bytes())
                ],
            )
            .unwrap();
            c.execute(
                "INSERT INTO shifts VALUES (?1, 1, 'A1', 'Agent 1', '2026-11-09', '2026-11-09 09:00',
                    '2026-11-09 17:00', '2026-11-09T01:00:00Z', '2026-11-09T09:00:00Z', '8.00', '',
                    'hotline')",
                [n],
            )
            .unwrap();
        }
        c.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 2;"
        ))
        .unwrap();
    }

    #[test]
    fn the_content_hash_is_taken_of_length_prefixed_fields_in_a_fixed_order() {
        let version: Vec<Value> = CONTENT_FIELDS
            .iter()
            .map(|f| match *f {
                "version" => Value::Integer(2),
                "parent" | "forced_over" | "replan" => Value::Null,
                "note" => Value::Text("a=b:\nc".into()),
                _ => Value::Text("x".into()),
            })
            .collect();
        let shift: Vec<Value> = SHIFT_FIELDS
            .iter()
            .map(|f| match *f {
                "row" => Value::Integer(1),
                "agent_id" => Value::Text("\u{5f20}".into()),
                _ => Value::Text(String::new()),
            })
            .collect();
        let bytes = content_bytes(1, &version, std::slice::from_ref(&shift));
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(
            "rota-version-content-1\nversion=1:2\npublished_at=1:x\npublished_by=1:x\nnote=6:a=b:\nc\nrota_version=1:x\nkind=1:x\nparent=0:\nforced_over=0:\n"
        ), "{text}");
        // A three-byte character counts three.
        assert!(
            text.contains(
                "replan=0:\nshift.row=1:1\nshift.agent_id=3:\u{5f20}\nshift.agent_name=0:\n"
            ),
            "{text}"
        );
        assert!(text.ends_with("shift.skills=0:\n"), "{text}");
        // Format 2 adds the site of each shift, and says so in its header.
        let text = String::from_utf8(content_bytes(2, &version, &[shift])).unwrap();
        assert!(
            text.starts_with("rota-version-content-2\nversion=1:2\n"),
            "{text}"
        );
        assert!(text.ends_with("shift.skills=0:\nshift.site=0:\n"), "{text}");
        // The chain hash is of the hex texts, one after the other.
        assert_eq!(chain_sha256("ab", "cd"), sha256_hex(b"abcd"));
    }

    #[test]
    fn an_older_store_gets_its_hashes_on_first_open_and_stays_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rota.db");
        schema_2_store(&db);
        let s = Store::open(&db, false).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        assert!(s.check().unwrap().is_empty(), "{:?}", s.check());
        let vs = s.versions().unwrap();
        let c1 = stored_content_sha256(&s.conn, 1).unwrap();
        let c2 = stored_content_sha256(&s.conn, 2).unwrap();
        assert_eq!(vs[0].content_sha256.as_deref(), Some(c1.as_str()));
        assert_eq!(vs[0].chain_sha256, Some(chain_sha256("", &c1)));
        assert_eq!(
            vs[1].chain_sha256,
            Some(chain_sha256(&chain_sha256("", &c1), &c2))
        );
        let audit = s.audit().unwrap();
        assert_eq!(audit.len(), 1, "{audit:?}");
        assert_eq!(audit[0].event, "migrated");
        assert!(
            audit[0].detail.contains("schema version 2 to 5")
                && audit[0].detail.contains("2 versions stored before"),
            "{audit:?}"
        );
        // The trigger lifted for the migration is back.
        let e = s
            .conn
            .execute("UPDATE versions SET note = 'x'", [])
            .unwrap_err()
            .to_string();
        assert!(e.contains("append-only"), "{e}");
        drop(s);
        // Opened again: nothing more to migrate, nothing more recorded.
        let s = Store::open(&db, false).unwrap();
        assert_eq!(s.audit().unwrap().len(), 1);
    }

    /// A roster of two sites: its shifts alternate London and Shanghai,
    /// each in its site's zone.
    fn two_site_roster(n: usize) -> Roster {
        let mut r = roster(n);
        for (i, s) in r.shifts.iter_mut().enumerate() {
            if i % 2 == 0 {
                let tz = chrono_tz::Europe::London;
                (s.start, s.end) = (s.start.with_timezone(&tz), s.end.with_timezone(&tz));
                s.site = "London".into();
            } else {
                s.site = "Shanghai".into();
            }
        }
        r.site_name = "Centre".into();
        r
    }

    /// A store of schema version 4 of a roster of two sites, as rota wrote
    /// it before the shift rows had a site: version 1 of `two_site_roster(3)`.
    fn schema_4_store_of_two_sites(db: &Path) -> String {
        let c = Connection::open(db).unwrap();
        for m in &MIGRATIONS[..4] {
            c.execute_batch(m.sql).unwrap();
        }
        let r = two_site_roster(3);
        let csv = String::from_utf8(crate::roster::read::roster_csv(&r).unwrap()).unwrap();
        let text = |s: &str| Value::Text(s.to_string());
        let fields: Vec<Value> = CONTENT_FIELDS
            .iter()
            .map(|f| match *f {
                "version" => Value::Integer(1),
                "kind" => text("publish"),
                "parent" | "forced_over" | "replan" => Value::Null,
                "site" => text("Centre"),
                "timezone" => text("Asia/Shanghai"),
                "days" => Value::Integer(7),
                "shifts" => Value::Integer(3),
                "roster_sha256" => text(&sha256_hex(csv.as_bytes())),
                _ => text("x"),
            })
            .collect();
        let rows: Vec<Vec<Value>> = r
            .shifts
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let row = CsvRow::from_shift(s, r.timezone);
                vec![
                    Value::Integer(i as i64 + 1),
                    text(&row.agent_id),
                    text(&row.agent_name),
                    text(&row.date),
                    text(&row.start_local),
                    text(&row.end_local),
                    text(&row.start_utc),
                    text(&row.end_utc),
                    text(&row.paid_hours),
                    text(&row.breaks),
                    text(&row.skills),
                ]
            })
            .collect();
        let content = sha256_hex(&content_bytes(1, &fields, &rows));
        let chain = chain_sha256("", &content);
        let mut values = fields;
        values.extend([text(&csv), text(&content), text(&chain)]);
        c.execute(
            &format!(
                "INSERT INTO versions ({}, roster_csv, content_sha256, chain_sha256) VALUES ({})",
                CONTENT_FIELDS.join(", "),
                (1..=values.len())
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            params_from_iter(values),
        )
        .unwrap();
        for row in rows {
            let mut values = vec![Value::Integer(1)];
            values.extend(row);
            c.execute(
                "INSERT INTO shifts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params_from_iter(values),
            )
            .unwrap();
        }
        c.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 4;"
        ))
        .unwrap();
        chain
    }

    #[test]
    fn the_shifts_of_an_older_store_get_their_site_from_its_roster_and_keep_their_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rota.db");
        let head = schema_4_store_of_two_sites(&db);
        let mut s = Store::open(&db, false).unwrap();
        assert_eq!(s.schema_version().unwrap(), 5);
        // The version is there as it was: the same hashes, intact.
        assert_eq!(s.head().unwrap(), Some((1, head.clone())));
        assert!(s.check().unwrap().is_empty(), "{:?}", s.check());
        // Its shift rows have their roster's sites, row by row.
        let stored = s.roster(1).unwrap();
        let sites: Vec<Option<String>> =
            stored.shifts.iter().map(|x| Some(x.site.clone())).collect();
        assert_eq!(
            sites,
            [Some("London"), Some("Shanghai"), Some("London")].map(|x| x.map(String::from))
        );
        assert_eq!(s.shift_sites(1).unwrap(), sites);
        let audit = s.audit().unwrap();
        assert_eq!(audit.len(), 1, "{audit:?}");
        assert!(
            audit[0].detail.contains("schema version 4 to 5")
                && audit[0]
                    .detail
                    .contains("the site of the 3 shifts stored before"),
            "{audit:?}"
        );
        // A new version stores each shift's site, in its content (format 2);
        // one site's roster stores the roster's site on every row.
        let f = files(dir.path());
        s.append(&new_version(&f), &two_site_roster(4)).unwrap();
        s.append(&new_version(&f), &roster(2)).unwrap();
        assert_eq!(
            s.shift_sites(2).unwrap(),
            ["London", "Shanghai", "London", "Shanghai"].map(|x| Some(x.to_string()))
        );
        assert_eq!(
            s.shift_sites(3).unwrap(),
            [Some("S".to_string()), Some("S".to_string())]
        );
        let format: Vec<i64> = s
            .conn
            .prepare("SELECT content_format FROM versions ORDER BY version")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(format, [1, 2, 2]);
        assert!(s.check().unwrap().is_empty(), "{:?}", s.check());
        // A site changed behind rota's back is named: a new version's by its
        // content hash, a migrated one's by its roster.
        s.conn
            .execute_batch(
                "DROP TRIGGER shifts_append_only_update;
                 UPDATE shifts SET site = 'Manila' WHERE version = 2 AND row = 2;
                 UPDATE shifts SET site = 'Manila' WHERE version = 1 AND row = 3;",
            )
            .unwrap();
        let problems = s.check().unwrap();
        assert_eq!(
            problems,
            [
                "version 1: shift row 3 is at site `Manila`, but its roster says `London`",
                "version 2: its content no longer matches its hash: a shift or a field of the version was changed after it was stored",
                "version 2: shift row 2 is at site `Manila`, but its roster says `Shanghai`",
            ],
        );
        assert_eq!(s.head().unwrap().map(|h| h.0), Some(3));
    }

    #[test]
    fn a_version_changed_behind_rotas_back_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rota.db");
        let f = files(dir.path());
        let mut s = Store::open(&db, true).unwrap();
        for _ in 0..4 {
            s.append(&new_version(&f), &roster(3)).unwrap();
        }
        let (_, kept) = s.head().unwrap().unwrap();
        assert!(s.check().unwrap().is_empty());
        assert_eq!(s.check_kept_head(&kept).unwrap(), None);
        // One statement drops the trigger; an agent id of version 2 changes.
        s.conn
            .execute_batch(
                "DROP TRIGGER shifts_append_only_update;
                 UPDATE shifts SET agent_id = 'A9' WHERE version = 2 AND row = 2;",
            )
            .unwrap();
        let problems = s.check().unwrap();
        assert_eq!(
            problems,
            ["version 2: its content no longer matches its hash: a shift or a field of the version was changed after it was stored"]
        );
        // The content hash rewritten to match: the chain names the version.
        let c2 = stored_content_sha256(&s.conn, 2).unwrap();
        s.conn
            .execute_batch(&format!(
                "DROP TRIGGER versions_append_only_update;
                 UPDATE versions SET content_sha256 = '{c2}' WHERE version = 2;"
            ))
            .unwrap();
        let problems = s.check().unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("version 2: the hash chain is broken"),
            "{problems:?}"
        );
        // Every hash after it rewritten too: the store looks intact, but the
        // head kept elsewhere is no longer in it.
        let mut chain = s.versions().unwrap()[0].chain_sha256.clone().unwrap();
        for n in 2..=4 {
            let c = stored_content_sha256(&s.conn, n).unwrap();
            chain = chain_sha256(&chain, &c);
            s.conn
                .execute(
                    "UPDATE versions SET content_sha256 = ?1, chain_sha256 = ?2 WHERE version = ?3",
                    params![c, chain, n],
                )
                .unwrap();
        }
        assert!(s.check().unwrap().is_empty());
        let e = s.check_kept_head(&kept).unwrap().unwrap();
        assert!(e.contains("no version carries the chain hash"), "{e}");
    }

    #[test]
    fn a_replan_from_a_version_that_is_no_longer_the_latest_is_refused_or_forced() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rota.db");
        let f = files(dir.path());
        let mut planner = Store::open(&db, true).unwrap();
        planner.append(&new_version(&f), &roster(3)).unwrap();
        // The planner starts a re-plan from version 1 ...
        let started = planner.latest().unwrap().unwrap().version;
        // ... while a colleague publishes version 2 through another handle.
        let mut colleague = Store::open(&db, true).unwrap();
        let by_colleague = NewVersion {
            published_by: "colleague",
            ..new_version(&f)
        };
        colleague.append(&by_colleague, &roster(2)).unwrap();
        let replan = |guard| NewVersion {
            kind: Kind::Replan,
            parent: Some(started),
            guard,
            ..new_version(&f)
        };
        let e = planner
            .append(&replan(Guard::Latest(Some(started))), &roster(3))
            .unwrap_err();
        match &e {
            Error::Conflict {
                started_from,
                latest,
                latest_by,
                latest_at,
                ..
            } => {
                assert_eq!(
                    (
                        *started_from,
                        *latest,
                        latest_by.as_str(),
                        latest_at.as_str()
                    ),
                    (Some(1), 2, "colleague", "2026-11-08T12:00:00Z")
                );
            }
            other => panic!("not a conflict: {other}"),
        }
        assert!(
            e.to_string().contains(
                "version 2 (publish) was stored by colleague at 2026-11-08T12:00:00Z after version 1"
            ) && e.to_string().ends_with("nothing stored"),
            "{e}"
        );
        // Nothing stored, nothing recorded.
        assert_eq!(planner.versions().unwrap().len(), 2);
        assert!(planner.audit().unwrap().iter().all(|a| a.event != "forced"));
        // From the latest, it is stored; by force from the stale one too,
        // recorded in the version (and so in its hash) and in the audit.
        let forced = planner
            .append(&replan(Guard::Force(Some(started))), &roster(3))
            .unwrap();
        assert_eq!(forced.version, 3);
        assert_eq!(forced.forced_over.as_ref().map(|f| f.version), Some(2));
        let v3 = planner.version(3).unwrap();
        assert_eq!((v3.parent, v3.forced_over), (Some(1), Some(2)));
        let audit = planner.audit().unwrap();
        let last = audit.last().unwrap();
        assert_eq!(
            (last.event.as_str(), last.version, last.by.as_str()),
            ("forced", Some(3), "planner")
        );
        assert!(
            last.detail.contains("over version 2 (publish by colleague"),
            "{last:?}"
        );
        let ok = planner
            .append(&replan(Guard::Latest(Some(3))), &roster(3))
            .unwrap();
        assert_eq!((ok.version, ok.forced_over), (4, None));
        assert!(planner.check().unwrap().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn the_store_and_its_journal_are_private_unless_a_group_is_asked_for() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let f = files(dir.path());
        let db = dir.path().join("rota.db");
        let mut s = Store::open(&db, true).unwrap();
        assert_eq!(mode(&db), 0o600);
        assert_eq!(s.access().unwrap(), Access::Owner);
        // SQLite gives the journal the database's permissions: kept to be seen.
        s.conn
            .query_row("PRAGMA journal_mode = PERSIST", [], |r| {
                r.get::<_, String>(0)
            })
            .unwrap();
        s.append(&new_version(&f), &roster(2)).unwrap();
        let journal = dir.path().join("rota.db-journal");
        assert!(journal.exists());
        assert_eq!(mode(&journal), 0o600);
        assert_eq!(s.exposure().unwrap(), None);
        // Made readable by everyone behind rota's back: an exposure.
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let x = s.exposure().unwrap().unwrap();
        assert_eq!((x.mode, x.access), (0o644, Access::Owner));
        assert_eq!(
            x.who(),
            "its group and other users of the machine can read it"
        );
        // Shared with the group on request: 0640, recorded, no longer an exposure.
        assert!(s.set_access(Access::Group, "planner").unwrap());
        assert_eq!(mode(&db), 0o640);
        assert_eq!(s.access().unwrap(), Access::Group);
        assert_eq!(s.exposure().unwrap(), None);
        assert!(!s.set_access(Access::Group, "planner").unwrap());
        let last = s.audit().unwrap().pop().unwrap();
        assert_eq!(
            (last.event.as_str(), last.by.as_str()),
            ("access", "planner")
        );
        // A new store asked for a group is 0640 from the start.
        let shared = dir.path().join("shared.db");
        let s = Store::open_with(&shared, Some(Access::Group)).unwrap();
        assert_eq!(mode(&shared), 0o640);
        assert_eq!(s.access().unwrap(), Access::Group);
    }
}
