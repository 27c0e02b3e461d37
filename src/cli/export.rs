//! `rota export`: converts an existing (possibly hand-edited) roster, after
//! validating it against its scenario.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use rota::export::ics::{per_agent, roster_to_ics, IcsOptions};
use rota::export::plan_json::roster_doc;
use rota::export::roster_csv::{activities_csv, roster_csv};
use rota::export::{slug, write_files};
use rota::roster::read::read_roster;
use rota::roster::validate::validate;

#[derive(clap::Args)]
pub struct Args {
    /// The roster CSV (as written by `rota plan`, possibly edited by hand).
    roster: PathBuf,
    /// The scenario whose rules the roster must meet.
    #[arg(long)]
    scenario: PathBuf,
    /// Output format.
    #[arg(long, value_enum)]
    format: Format,
    /// Output file; with --per-agent, an output folder. Defaults to roster.<format> beside the roster (roster-calendars/ with --per-agent).
    #[arg(long)]
    out: Option<PathBuf>,
    /// iCalendar: one file per agent, named AGENT_ID.ics.
    #[arg(long)]
    per_agent: bool,
    /// iCalendar: also write each break as an event of its own.
    #[arg(long)]
    break_events: bool,
    /// CSV: one row per activity (work segments and breaks) instead of per shift.
    #[arg(long)]
    activities: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Ics,
    Csv,
    Json,
}

fn generated_at() -> DateTime<Utc> {
    super::plan::generated_at()
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let loaded = rota::whatif::load_scenario(&args.scenario)?;
    let sc = &loaded.scenario;
    let roster = read_roster(&args.roster, &sc.site.name, sc.site.timezone)?;
    let violations = validate(sc, &roster);
    if !violations.is_empty() {
        for v in &violations {
            let day = v.date.map(|d| format!(" on {d}")).unwrap_or_default();
            eprintln!("{}: agent {}{}: {}", v.rule, v.agent_id, day, v.message);
        }
        eprintln!(
            "{}: {} rule violations; nothing exported (fix them, or check with rota validate)",
            args.roster.display(),
            violations.len()
        );
        return Ok(super::EXIT_FINDINGS);
    }
    let dir_of = |p: &Path| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let ext = match args.format {
        Format::Ics => "ics",
        Format::Csv => "csv",
        Format::Json => "json",
    };
    let site = slug(&sc.site.name);
    let opts = IcsOptions {
        site_slug: &site,
        calendar_name: &format!("{} roster", sc.site.name),
        dtstamp: generated_at(),
        break_events: args.break_events,
    };
    if args.per_agent {
        anyhow::ensure!(
            matches!(args.format, Format::Ics),
            "--per-agent goes with --format ics"
        );
        let dir = args
            .out
            .clone()
            .unwrap_or_else(|| dir_of(&args.roster).join("roster-calendars"));
        let files: Vec<(String, Vec<u8>)> = per_agent(&roster)
            .into_iter()
            .map(|(id, r)| {
                let name = format!("{}.ics", slug(&id));
                let cal = roster_to_ics(
                    &r,
                    &IcsOptions {
                        calendar_name: &format!("{} shifts", r.shifts[0].agent_name),
                        ..opts
                    },
                );
                (name, cal.into_bytes())
            })
            .collect();
        write_files(&dir, &files)?;
        eprintln!("wrote {} calendars to {}", files.len(), dir.display());
        return Ok(super::EXIT_OK);
    }
    let bytes = match args.format {
        Format::Ics => roster_to_ics(&roster, &opts).into_bytes(),
        Format::Csv if args.activities => activities_csv(&roster)?,
        Format::Csv => roster_csv(&roster)?,
        Format::Json => {
            let doc = serde_json::json!({
                "schema": "rota.roster/1",
                "site": sc.site.name,
                "timezone": sc.site.timezone.name(),
                "shifts": roster_doc(&roster),
            });
            let mut v = serde_json::to_vec_pretty(&doc)?;
            v.push(b'\n');
            v
        }
    };
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = if args.activities {
            "roster-activities"
        } else {
            "roster"
        };
        dir_of(&args.roster).join(format!("{stem}.{ext}"))
    });
    anyhow::ensure!(
        out != args.roster,
        "--out would overwrite the roster being exported"
    );
    let name = out
        .file_name()
        .context("--out must name a file")?
        .to_string_lossy()
        .to_string();
    write_files(&dir_of(&out), &[(name, bytes)])?;
    eprintln!("wrote {}", out.display());
    Ok(super::EXIT_OK)
}
