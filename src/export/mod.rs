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
pub mod sweep_html;

use std::io::Write;
use std::path::Path;

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
                    q.id.clone(),
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

/// A CSV writer into memory.
pub(crate) fn csv_bytes<F>(fill: F) -> Result<Vec<u8>>
where
    F: FnOnce(&mut csv::Writer<Vec<u8>>) -> std::result::Result<(), csv::Error>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    fill(&mut w).map_err(|e| Error::Solver(format!("csv: {e}")))?;
    w.into_inner()
        .map_err(|e| Error::Solver(format!("csv: {e}")))
}

/// Writes every file into `dir` atomically: each is written to a temporary
/// file in the same folder and flushed, and only when all are complete are
/// they renamed into place. An interrupted run leaves the old files as they were.
pub fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut staged = Vec::new();
    for (name, bytes) in files {
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // Temporary files are private (0600); the outputs are ordinary files.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let mut tmp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
        tmp.write_all(bytes)
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| Error::io(tmp.path(), e))?;
        staged.push((tmp, dir.join(name)));
    }
    for (tmp, dest) in staged {
        tmp.persist(&dest).map_err(|e| Error::io(&dest, e.error))?;
    }
    Ok(())
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
    fn slugs() {
        assert_eq!(slug("Hangzhou Service Centre"), "hangzhou-service-centre");
        assert_eq!(slug("杭州"), "site");
        assert_eq!(slug("A  B--c!"), "a-b-c");
    }

    #[test]
    fn write_files_replaces_whole_files_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "old").unwrap();
        write_files(
            dir.path(),
            &[
                ("a.csv".into(), b"new".to_vec()),
                ("b.csv".into(), b"b".to_vec()),
            ],
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.csv")).unwrap(),
            "new"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
