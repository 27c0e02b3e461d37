//! The agents' requests in the store (schema version 4): time off, shift
//! swaps and wishes, filed as pending, and the planner's decision on each
//! (`docs/requests.md`). Both tables are append-only like the versions: a
//! request is never changed, and a decision is a row of its own, at most
//! one per request (`UNIQUE`), so a request's status is its decision or
//! else `pending`. An approval that changes the roster is stored in the
//! same transaction as the version that applies it
//! ([`super::Store::append_deciding`]); every decision is also a line of
//! the audit.
//!
//! The store keeps a request as the text it was filed with (local times,
//! agent ids, a wish as JSON); `crate::request` reads it against the
//! scenario.

use std::path::Path;

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;

use super::{now, store_error, Store};
use crate::error::{Error, Result};

/// Migration 4's SQL.
pub(super) const MIGRATION_4: &str = "CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        filed_at TEXT NOT NULL,
        filed_by TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('off', 'swap', 'wish')),
        from_local TEXT,
        until_local TEXT,
        other_agent TEXT,
        date TEXT,
        other_date TEXT,
        wish TEXT,
        note TEXT NOT NULL,
        source TEXT NOT NULL
    );
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        request INTEGER NOT NULL UNIQUE REFERENCES requests(id),
        at TEXT NOT NULL,
        by TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'denied')),
        reason TEXT NOT NULL,
        version INTEGER REFERENCES versions(version)
    );
    CREATE TRIGGER requests_append_only_update BEFORE UPDATE ON requests
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a request is never changed'); END;
    CREATE TRIGGER requests_append_only_delete BEFORE DELETE ON requests
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a request is never deleted'); END;
    CREATE TRIGGER decisions_append_only_update BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a decision is never changed'); END;
    CREATE TRIGGER decisions_append_only_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'the rota store is append-only: a decision is never deleted'); END;";

/// What an agent asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Time off: whole days or part of a day.
    Off,
    /// Two agents trade shifts.
    Swap,
    /// A wish for the next plan (a preference).
    Wish,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Off => "off",
            RequestKind::Swap => "swap",
            RequestKind::Wish => "wish",
        }
    }

    /// `off`, `swap` or `wish`.
    pub fn parse(s: &str) -> Option<RequestKind> {
        match s {
            "off" => Some(RequestKind::Off),
            "swap" => Some(RequestKind::Swap),
            "wish" => Some(RequestKind::Wish),
            _ => None,
        }
    }
}

/// A request as filed: who, what, when, and a note, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewRequest {
    pub agent_id: String,
    pub kind: Option<RequestKind>,
    /// Time off: from (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM`, site-local).
    pub from: Option<String>,
    /// Time off: until (a bare date is the end of that day).
    pub until: Option<String>,
    /// A swap: the other agent.
    pub other_agent: Option<String>,
    /// A swap: the date whose shift the agent gives away.
    pub date: Option<String>,
    /// A swap: the date whose shift the other agent gives away (the same
    /// date when empty: the two trade that day's shifts).
    pub other_date: Option<String>,
    /// A wish: the preference, as JSON (`crate::request`).
    pub wish: Option<String>,
    pub note: String,
    /// Where it came from: `command`, or `FILE:LINE` of an import.
    pub source: String,
}

/// `approved` or `denied`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Approved,
    Denied,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Approved => "approved",
            DecisionKind::Denied => "denied",
        }
    }
}

/// A request's status: pending until decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Approved,
    Denied,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Denied => "denied",
        }
    }
}

/// The planner's decision on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub request: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub by: String,
    pub decision: DecisionKind,
    /// Why, in words.
    pub reason: String,
    /// The version that applied an approval (none for a denial, or an
    /// approval that changes no roster: a wish, for the next plan).
    pub version: Option<i64>,
}

/// A request as stored, with its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRequest {
    pub id: i64,
    pub filed_at: String,
    pub filed_by: String,
    #[serde(flatten)]
    pub request: NewRequest,
    pub status: Status,
    pub decision: Option<Decision>,
}

/// Records decision `d` inside `tx` (checking that its request exists and
/// is still pending) and its line of the audit.
pub(super) fn record_decision(
    tx: &Transaction,
    path: &Path,
    d: &Decision,
    version: Option<i64>,
) -> Result<()> {
    let e = |e: rusqlite::Error| store_error(path, e);
    let fail = |message: String| Error::Store {
        path: path.to_path_buf(),
        message,
    };
    let exists: Option<String> = tx
        .query_row(
            "SELECT agent_id FROM requests WHERE id = ?1",
            [d.request],
            |r| r.get(0),
        )
        .optional()
        .map_err(e)?;
    let agent = exists.ok_or_else(|| fail(format!("no request {}", d.request)))?;
    let earlier: Option<(String, String, String)> = tx
        .query_row(
            "SELECT decision, by, at FROM decisions WHERE request = ?1",
            [d.request],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(e)?;
    if let Some((what, by, at)) = earlier {
        return Err(fail(format!(
            "request {} was {what} by {by} at {at}; a decision is final, nothing stored",
            d.request
        )));
    }
    tx.execute(
        "INSERT INTO decisions (request, at, by, decision, reason, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            d.request,
            d.at,
            d.by,
            d.decision.as_str(),
            d.reason,
            version
        ],
    )
    .map_err(e)?;
    let applied = version.map_or(String::new(), |v| format!(" (applied as version {v})"));
    tx.execute(
        "INSERT INTO audit (at, by, event, version, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            d.at,
            d.by,
            d.decision.as_str(),
            version,
            format!(
                "request {} of {agent} {}{applied}: {}",
                d.request,
                d.decision.as_str(),
                d.reason
            )
        ],
    )
    .map_err(e)?;
    Ok(())
}

const COLUMNS: &str =
    "r.id, r.filed_at, r.filed_by, r.agent_id, r.kind, r.from_local, r.until_local,
    r.other_agent, r.date, r.other_date, r.wish, r.note, r.source,
    d.at, d.by, d.decision, d.reason, d.version";

fn stored(r: &rusqlite::Row) -> rusqlite::Result<StoredRequest> {
    let id: i64 = r.get(0)?;
    let decision: Option<String> = r.get(15)?;
    let decision = match decision.as_deref() {
        Some(d) => Some(Decision {
            request: id,
            at: r.get(13)?,
            by: r.get(14)?,
            decision: if d == "approved" {
                DecisionKind::Approved
            } else {
                DecisionKind::Denied
            },
            reason: r.get(16)?,
            version: r.get(17)?,
        }),
        None => None,
    };
    Ok(StoredRequest {
        id,
        filed_at: r.get(1)?,
        filed_by: r.get(2)?,
        request: NewRequest {
            agent_id: r.get(3)?,
            kind: RequestKind::parse(&r.get::<_, String>(4)?),
            from: r.get(5)?,
            until: r.get(6)?,
            other_agent: r.get(7)?,
            date: r.get(8)?,
            other_date: r.get(9)?,
            wish: r.get(10)?,
            note: r.get(11)?,
            source: r.get(12)?,
        },
        status: match decision.as_ref().map(|d| d.decision) {
            None => Status::Pending,
            Some(DecisionKind::Approved) => Status::Approved,
            Some(DecisionKind::Denied) => Status::Denied,
        },
        decision,
    })
}

impl Store {
    /// Files `requests` as pending, all in one transaction (all of them or
    /// none), each recorded in the audit; returns their ids.
    pub fn file_requests(&mut self, requests: &[NewRequest], by: &str) -> Result<Vec<i64>> {
        let path = self.path.clone();
        let e = |e: rusqlite::Error| store_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        let at = now();
        let mut ids = Vec::new();
        for r in requests {
            let kind = r.kind.ok_or_else(|| Error::Store {
                path: path.clone(),
                message: format!("a request of {} has no kind", r.agent_id),
            })?;
            tx.execute(
                "INSERT INTO requests (filed_at, filed_by, agent_id, kind, from_local, until_local,
                    other_agent, date, other_date, wish, note, source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    at,
                    by,
                    r.agent_id,
                    kind.as_str(),
                    r.from,
                    r.until,
                    r.other_agent,
                    r.date,
                    r.other_date,
                    r.wish,
                    r.note,
                    r.source
                ],
            )
            .map_err(e)?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO audit (at, by, event, version, detail) VALUES (?1, ?2, 'requested', NULL, ?3)",
                params![
                    at,
                    by,
                    format!("request {id} of {} filed ({}, from {})", r.agent_id, kind.as_str(), r.source)
                ],
            )
            .map_err(e)?;
            ids.push(id);
        }
        tx.commit().map_err(e)?;
        Ok(ids)
    }

    /// Every request, oldest first, with its decision.
    pub fn requests(&self) -> Result<Vec<StoredRequest>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM requests r LEFT JOIN decisions d ON d.request = r.id ORDER BY r.id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], stored).map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }

    /// Request `id`, or an error saying there is none.
    pub fn request(&self, id: i64) -> Result<StoredRequest> {
        self.requests()?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| Error::Store {
                path: self.path.clone(),
                message: format!("no request {id}"),
            })
    }

    /// Records a decision that stores no version (a denial, or the
    /// approval of a wish for the next plan), in one transaction with its
    /// line of the audit.
    pub fn decide(&mut self, d: &Decision) -> Result<()> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| store_error(&path, e))?;
        record_decision(&tx, &path, d, None)?;
        tx.commit().map_err(|e| store_error(&path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn off(agent: &str) -> NewRequest {
        NewRequest {
            agent_id: agent.into(),
            kind: Some(RequestKind::Off),
            from: Some("2026-11-12".into()),
            until: Some("2026-11-12".into()),
            note: "dentist".into(),
            source: "command".into(),
            ..Default::default()
        }
    }

    #[test]
    fn requests_are_filed_whole_decided_once_and_never_changed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("rota.db"), true).unwrap();
        let ids = s.file_requests(&[off("A1"), off("A2")], "hr").unwrap();
        assert_eq!(ids, [1, 2]);
        // A request without a kind fails the whole batch: nothing filed.
        let bad = NewRequest {
            kind: None,
            ..off("A3")
        };
        assert!(s.file_requests(&[off("A3"), bad], "hr").is_err());
        assert_eq!(s.requests().unwrap().len(), 2);
        let deny = Decision {
            request: 2,
            at: "2026-11-10T08:00:00Z".into(),
            by: "planner".into(),
            decision: DecisionKind::Denied,
            reason: "hotline short".into(),
            version: None,
        };
        s.decide(&deny).unwrap();
        let again = s.decide(&deny).unwrap_err().to_string();
        assert!(again.contains("was denied by planner"), "{again}");
        assert!(s
            .decide(&Decision {
                request: 9,
                ..deny.clone()
            })
            .unwrap_err()
            .to_string()
            .contains("no request 9"));
        let all = s.requests().unwrap();
        assert_eq!(all[0].status, Status::Pending);
        assert_eq!(all[1].status, Status::Denied);
        assert_eq!(all[1].decision.as_ref().unwrap().reason, "hotline short");
        let audit = s.audit().unwrap();
        let events: Vec<&str> = audit.iter().map(|a| a.event.as_str()).collect();
        assert_eq!(events, ["created", "requested", "requested", "denied"]);
        for sql in [
            "UPDATE requests SET note = 'x'",
            "DELETE FROM requests",
            "UPDATE decisions SET reason = 'x'",
            "DELETE FROM decisions",
        ] {
            let e = s.conn.execute(sql, []).unwrap_err().to_string();
            assert!(e.contains("append-only"), "{sql}: {e}");
        }
    }
}
