//! Writing what rota makes: one exporter per file behind the [`Exporter`]
//! trait, and an atomic writer that never leaves a half-written file.

pub mod coverage;
pub mod forecast;
pub mod html;
pub mod ics;
pub mod plan_json;
pub mod replan_report;
pub mod requirements;
pub mod roster_csv;
pub mod summary;
pub mod svg;
pub mod sweep_html;
pub mod words;
pub mod write;
pub mod xlsx;

pub use write::{check_output_folder, check_outputs, write_file, write_files};

pub(crate) use crate::csv_cell::csv_bytes;
pub use crate::csv_cell::{spreadsheet_safe, spreadsheet_text};

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::forecast::Forecast;
use crate::horizon::Horizon;
use crate::report::Evaluation;
use crate::roster::model::Roster;
use crate::scenario::Scenario;
use crate::solve::SolveInfo;
use crate::staffing::QueueRequirements;

/// Everything a plan produced, for the exporters.
#[derive(Debug, Clone, Copy)]
pub struct PlanOutput<'a> {
    pub scenario: &'a Scenario,
    pub horizon: &'a Horizon,
    pub forecast: &'a Forecast,
    pub requirements: &'a [QueueRequirements],
    pub roster: &'a Roster,
    pub evaluation: &'a Evaluation,
    pub solve: &'a SolveInfo,
    /// Rule violations the validator found in the roster.
    pub violations: &'a [crate::roster::validate::Violation],
    /// The roster's odds over drawn weeks (`drill`), shown beside the point
    /// prediction in report.html; `None` where no drill was run.
    pub odds: Option<&'a crate::drill::Odds>,
    /// Creation time stamped into outputs that need one (iCalendar DTSTAMP);
    /// the only thing that differs between two runs of the same input.
    pub generated_at: DateTime<Utc>,
}

/// One output file.
pub trait Exporter {
    /// The file's name inside the output folder.
    fn file_name(&self) -> &'static str;
    /// The file's bytes.
    fn render(&self, plan: &PlanOutput) -> Result<Vec<u8>>;
}

/// The exporters `rota plan` runs, in the order their files are written.
pub fn plan_exporters() -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(forecast::ForecastCsv),
        Box::new(requirements::RequirementsCsv),
        Box::new(coverage::CoverageCsv),
        Box::new(roster_csv::RosterCsv),
        Box::new(ics::RosterIcs),
        Box::new(summary::SummaryJson),
        Box::new(plan_json::PlanJson),
        Box::new(html::ReportHtml),
    ]
}

/// Lowercase ASCII slug of a name, for identifiers such as iCalendar UIDs.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "site".to_string()
    } else {
        out
    }
}

/// File names of per-agent calendars, one per id, in the order given.
/// An id of ASCII letters, digits, `-` and `_` (not starting with `-`)
/// names its file as written (`HZ001.ics`); any other id, and ids that
/// differ only in case (they would share one file on case-insensitive file
/// systems), get a lowercase ASCII slug and a hash of the exact id
/// (`agent-3f2a9c1b.ics`), the same from run to run. Two names never
/// collide, case aside.
pub fn calendar_file_names(ids: &[&str]) -> Result<Vec<String>> {
    use std::collections::BTreeMap;
    use std::hash::Hasher;
    let plain = |id: &str| {
        !id.is_empty()
            && !id.starts_with('-')
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let mut folded: BTreeMap<String, usize> = BTreeMap::new();
    for id in ids.iter().filter(|id| plain(id)) {
        *folded.entry(id.to_ascii_lowercase()).or_default() += 1;
    }
    let names: Vec<String> = ids
        .iter()
        .map(|id| {
            if plain(id) && folded[&id.to_ascii_lowercase()] == 1 {
                format!("{id}.ics")
            } else {
                let mut h = siphasher::sip::SipHasher13::new_with_keys(0, 0);
                h.write(id.as_bytes());
                let stem = slug(id);
                let stem = if stem == "site" {
                    "agent".to_string()
                } else {
                    stem
                };
                format!("{stem}-{:08x}.ics", h.finish() as u32)
            }
        })
        .collect();
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for (name, id) in names.iter().zip(ids) {
        if let Some(other) = seen.insert(name.to_lowercase(), id) {
            return Err(Error::Solver(format!(
                "the calendars of agents `{other}` and `{id}` would share the file {name}"
            )));
        }
    }
    Ok(names)
}

/// A per-queue, per-interval CSV table: the columns `queue, interval_start,
/// date, local_time`, then `headers`, whose values `row(queue index, interval
/// index)` gives. Queues in scenario order, intervals in time order.
pub(crate) fn interval_table<F>(
    scenario: &Scenario,
    horizon: &Horizon,
    headers: &[&str],
    mut row: F,
) -> Result<Vec<u8>>
where
    F: FnMut(usize, usize) -> Vec<String>,
{
    csv_bytes(|w| {
        let key = ["queue", "interval_start", "date", "local_time"];
        w.write_record(key.iter().chain(headers))?;
        for (qi, q) in scenario.queues.iter().enumerate() {
            for (t, iv) in horizon.intervals.iter().enumerate() {
                let mut rec = vec![
                    spreadsheet_safe(&q.id),
                    iv.start.to_rfc3339(),
                    iv.date.to_string(),
                    iv.start.format("%H:%M").to_string(),
                ];
                rec.extend(row(qi, t));
                w.write_record(rec)?;
            }
        }
        Ok(())
    })
}

/// Renders every exporter's file.
pub fn render_all(
    exporters: &[Box<dyn Exporter>],
    plan: &PlanOutput,
) -> Result<Vec<(String, Vec<u8>)>> {
    exporters
        .iter()
        .map(|e| Ok((e.file_name().to_string(), e.render(plan)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_names_never_collide() {
        let ids = [
            "HZ001", "hz001", "王芳", "李娜", "a.b", "a-b", "A_B", "-x", "x",
        ];
        let names = calendar_file_names(&ids).unwrap();
        let lower: std::collections::BTreeSet<String> =
            names.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(lower.len(), ids.len(), "{names:?}");
        assert_eq!(names[5], "a-b.ics");
        assert_eq!(names[6], "A_B.ics");
        assert_eq!(names[8], "x.ics");
        assert!(names[0].starts_with("hz001-") && names[1].starts_with("hz001-"));
        assert!(names[2].starts_with("agent-") && names[3].starts_with("agent-"));
        // Stable: the same id, the same name, whatever else is in the roster.
        assert_eq!(calendar_file_names(&["王芳"]).unwrap()[0], names[2]);
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Hangzhou Service Centre"), "hangzhou-service-centre");
        assert_eq!(slug("杭州"), "site");
        assert_eq!(slug("A  B--c!"), "a-b-c");
    }
}
