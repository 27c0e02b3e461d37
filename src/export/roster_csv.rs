//! `roster.csv`: one row per agent shift, for HR systems. The format is
//! defined by [`crate::roster::read::CsvRow`], which also reads it back.

use super::{csv_bytes, Exporter, PlanOutput};
use crate::error::Result;
use crate::roster::model::Roster;

/// The roster as CSV.
pub struct RosterCsv;

pub use crate::roster::read::roster_csv;

impl Exporter for RosterCsv {
    fn file_name(&self) -> &'static str {
        "roster.csv"
    }

    fn render(&self, p: &PlanOutput) -> Result<Vec<u8>> {
        roster_csv(p.roster)
    }
}

/// One row per activity (work segment or break) of every shift, for payroll
/// systems that book time by activity. Columns: `agent_id, agent_name, date,
/// activity` (`work`, or the break kind), `start_local, end_local, timezone,
/// start_utc, end_utc, minutes, paid, skills`.
pub fn activities_csv(roster: &Roster) -> Result<Vec<u8>> {
    use crate::roster::read::LOCAL_FORMAT;
    use chrono::Utc;
    csv_bytes(|w| {
        w.write_record([
            "agent_id",
            "agent_name",
            "date",
            "activity",
            "start_local",
            "end_local",
            "timezone",
            "start_utc",
            "end_utc",
            "minutes",
            "paid",
            "skills",
        ])?;
        for s in &roster.shifts {
            // Breaks are unpaid when the shift's paid hours are less than its length.
            let breaks_paid = s.paid_hours + 1e-6 >= s.length_hours();
            let mut breaks = s.breaks.clone();
            breaks.sort_by_key(|b| b.start);
            let mut segments = Vec::new();
            let mut t = s.start;
            for b in &breaks {
                if b.start > t {
                    segments.push(("work".to_string(), t, b.start, true));
                }
                segments.push((b.kind.clone(), b.start, b.end, breaks_paid));
                t = t.max(b.end);
            }
            if s.end > t {
                segments.push(("work".to_string(), t, s.end, true));
            }
            for (kind, a, b, paid) in segments {
                let is_work = kind == "work";
                w.write_record([
                    super::spreadsheet_safe(&s.agent_id),
                    super::spreadsheet_safe(&s.agent_name),
                    s.date.to_string(),
                    kind,
                    a.format(LOCAL_FORMAT).to_string(),
                    b.format(LOCAL_FORMAT).to_string(),
                    roster.timezone.name().to_string(),
                    a.with_timezone(&Utc)
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string(),
                    b.with_timezone(&Utc)
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string(),
                    (b - a).num_minutes().to_string(),
                    paid.to_string(),
                    if is_work {
                        super::spreadsheet_safe(&s.skills.join(";"))
                    } else {
                        String::new()
                    },
                ])?;
            }
        }
        Ok(())
    })
}
