//! `roster.csv`: one row per agent shift, for HR systems. The format is
//! defined by [`crate::roster::read::CsvRow`], which also reads it back.

use super::{csv_bytes, Exporter, PlanOutput};
use crate::error::Result;
use crate::roster::model::Roster;
use crate::roster::read::CsvRow;

/// The roster as CSV.
pub struct RosterCsv;

/// Renders a roster as CSV bytes.
pub fn roster_csv(roster: &Roster) -> Result<Vec<u8>> {
    csv_bytes(|w| {
        let mut any = false;
        for s in &roster.shifts {
            w.serialize(CsvRow::from_shift(s, roster.timezone))?;
            any = true;
        }
        if !any {
            // serde writes the header with the first row; an empty roster still gets one.
            w.write_record([
                "agent_id",
                "agent_name",
                "date",
                "start_local",
                "end_local",
                "timezone",
                "start_utc",
                "end_utc",
                "paid_hours",
                "break_minutes",
                "breaks",
                "skills",
            ])?;
        }
        Ok(())
    })
}

impl Exporter for RosterCsv {
    fn file_name(&self) -> &'static str {
        "roster.csv"
    }

    fn render(&self, p: &PlanOutput) -> Result<Vec<u8>> {
        roster_csv(p.roster)
    }
}
