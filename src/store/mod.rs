//! The store of published rosters: an embedded SQLite database (rusqlite,
//! bundled), `rota.db` beside the scenario by default.
//!
//! A version is a roster as it was published: its shifts (the roster CSV,
//! and one row per shift for queries), the SHA-256 of the scenario and
//! history files, the rota version, who published it, when, and a note; a
//! re-plan's version also names the version it re-planned and the facts it
//! took as given (`replan`, JSON). Versions are append-only: triggers refuse
//! any UPDATE or DELETE of `versions` and `shifts`, and every write is one
//! transaction, so a killed process leaves the store as it was before the
//! write or with the whole new version, never half of it.
//!
//! The schema is versioned: `PRAGMA application_id` marks a rota store and
//! `PRAGMA user_version` holds its schema version. Opening runs the
//! migrations the store lacks, in order, in one transaction; a store made by
//! a newer rota (a schema version above [`SCHEMA_VERSION`]) or a file that
//! is not a rota store is refused with an error that says so.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::roster::model::Roster;
use crate::roster::read::{read_roster_from, CsvRow};

/// `PRAGMA application_id` of a rota store: "ROTA" in ASCII.
pub const APPLICATION_ID: i32 = 0x524F_5441;

/// The migrations, in order: migration `i` (0-based) takes a store from
/// schema version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: versions and their shifts.
    "CREATE TABLE versions (
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
    // 2: append-only at the database level.
    "CREATE TRIGGER versions_append_only_update BEFORE UPDATE ON versions
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a version is never changed'); END;
    CREATE TRIGGER versions_append_only_delete BEFORE DELETE ON versions
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a version is never deleted'); END;
    CREATE TRIGGER shifts_append_only_update BEFORE UPDATE ON shifts
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a version is never changed'); END;
    CREATE TRIGGER shifts_append_only_delete BEFORE DELETE ON shifts
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a version is never deleted'); END;",
];

/// The schema version this rota writes and reads.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Whether a version was published as planned or re-planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Publish,
    Replan,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Publish => "publish",
            Kind::Replan => "replan",
        }
    }
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

fn file_sha256(path: &Path) -> Result<String> {
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

impl Store {
    /// Opens the store at `path`, creating it when `create` and it does not
    /// exist yet, and brings an older schema up to date.
    pub fn open(path: &Path, create: bool) -> Result<Store> {
        if !create && !path.exists() {
            return Err(Error::Store {
                path: path.to_path_buf(),
                message: "no store here: publish a roster first (rota publish)".into(),
            });
        }
        let conn = Connection::open(path).map_err(|e| store_error(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate(create)?;
        Ok(store)
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        store_error(&self.path, e)
    }

    fn pragma(&self, name: &str) -> Result<i32> {
        self.conn
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Checks what the file is and runs the migrations it lacks, in one transaction.
    fn migrate(&mut self, create: bool) -> Result<()> {
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
        if fresh && !create {
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
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(schema as usize) {
            tx.execute_batch(sql)
                .map_err(|e| fail(format!("migration to schema version {} failed: {e}", i + 1)))?;
        }
        if schema < SCHEMA_VERSION {
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
            ))
            .map_err(|e| store_error(&path, e))?;
        }
        tx.commit().map_err(|e| store_error(&path, e))
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i32> {
        self.pragma("user_version")
    }

    /// Records `roster` as a new version, in one transaction; returns its number.
    pub fn append(&mut self, v: &NewVersion, roster: &Roster) -> Result<i64> {
        let csv = crate::export::roster_csv::roster_csv(roster)?;
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
        let next: i64 = tx
            .query_row(
                "SELECT coalesce(max(version), 0) + 1 FROM versions",
                [],
                |r| r.get(0),
            )
            .map_err(e)?;
        tx.execute(
            "INSERT INTO versions (version, published_at, published_by, note, rota_version, kind,
                parent, scenario_file, scenario_sha256, history_file, history_sha256, site,
                timezone, first_date, days, shifts, roster_csv, roster_sha256, replan)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
            params![
                next,
                v.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                v.published_by,
                v.note,
                env!("CARGO_PKG_VERSION"),
                v.kind.as_str(),
                v.parent,
                v.scenario_file.display().to_string(),
                scenario_sha,
                v.history_file.display().to_string(),
                history_sha,
                roster.site_name,
                roster.timezone.name(),
                v.first_date.to_string(),
                v.days,
                roster.shifts.len() as i64,
                csv_text,
                sha256_hex(csv_text.as_bytes()),
                v.replan,
            ],
        )
        .map_err(e)?;
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO shifts (version, row, agent_id, agent_name, date, start_local,
                        end_local, start_utc, end_utc, paid_hours, breaks, skills)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(e)?;
            for (i, s) in roster.shifts.iter().enumerate() {
                let r = CsvRow::from_shift(s, roster.timezone);
                ins.execute(params![
                    next,
                    i as i64 + 1,
                    r.agent_id,
                    r.agent_name,
                    r.date,
                    r.start_local,
                    r.end_local,
                    r.start_utc,
                    r.end_utc,
                    r.paid_hours,
                    r.breaks,
                    r.skills
                ])
                .map_err(e)?;
            }
        }
        tx.commit().map_err(e)?;
        Ok(next)
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> Result<Vec<Version>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT version, published_at, published_by, note, rota_version, kind, parent,
                    scenario_file, scenario_sha256, history_file, history_sha256, site, timezone,
                    first_date, days, shifts, roster_sha256, replan
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
                    kind: if r.get::<_, String>(5)? == "replan" {
                        Kind::Replan
                    } else {
                        Kind::Publish
                    },
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

    /// What is wrong with the store, if anything: SQLite's integrity check,
    /// and every version's shifts against its roster and its hash.
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
                    (SELECT count(*) FROM shifts s WHERE s.version = v.version)
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
                ))
            })
            .map_err(|e| self.err(e))?;
        for (i, row) in rows.enumerate() {
            let (n, shifts, csv, sha, rows) = row.map_err(|e| self.err(e))?;
            if n != i as i64 + 1 {
                out.push(format!(
                    "version {n} follows version {i}: versions are missing"
                ));
            }
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
        }
        Ok(out)
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
        assert_eq!(s.append(&new_version(&f), &roster(3)).unwrap(), 1);
        assert_eq!(s.append(&new_version(&f), &roster(2)).unwrap(), 2);
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
            c.execute_batch(MIGRATIONS[0]).unwrap();
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
        assert_eq!(triggers, 4);
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
}
