//! `rota export`: converts an existing (possibly hand-edited) roster, after
//! validating it against its scenario.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use rota::export::ics::{per_agent, roster_to_ics, IcsOptions};
use rota::export::plan_json::roster_doc;
use rota::export::roster_csv::{activities_csv, roster_csv};
use rota::export::{calendar_file_names, slug, write_file, write_files};
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
    /// iCalendar: one file per agent, named AGENT_ID.ics (ids with other
    /// characters than letters, digits, `-` and `_`: a slug and a hash).
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
    anyhow::ensure!(
        !args.per_agent || matches!(args.format, Format::Ics),
        "--per-agent goes with --format ics"
    );
    // Outputs are checked before any work: never an input, by any spelling.
    let mut inputs = loaded.origins.sources.clone();
    inputs.push(args.roster.clone());
    let out = if args.per_agent {
        let dir = args
            .out
            .clone()
            .unwrap_or_else(|| dir_of(&args.roster).join("roster-calendars"));
        rota::export::check_output_folder(&dir)?;
        // Calendars are named after agent ids; an input of the same name is refused below.
        dir
    } else {
        let stem = if args.activities {
            "roster-activities"
        } else {
            "roster"
        };
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| dir_of(&args.roster).join(format!("{stem}.{ext}")));
        anyhow::ensure!(
            !out.is_dir(),
            "--out {} is a folder: give the name of a file (a folder goes with --per-agent)",
            out.display()
        );
        rota::export::check_outputs(std::slice::from_ref(&out), &inputs)?;
        out
    };
    let roster = read_roster(&args.roster, &sc.site.name, sc.site.timezone)?;
    let violations = validate(sc, &roster);
    if !violations.is_empty() {
        super::print_violations("", &violations);
        eprintln!(
            "{}: {} rule violations; nothing exported (fix them, or check with rota validate)",
            args.roster.display(),
            violations.len()
        );
        return Ok(super::EXIT_FINDINGS);
    }
    let site = slug(&sc.site.name);
    let opts = IcsOptions {
        site_slug: &site,
        calendar_name: &format!("{} roster", sc.site.name),
        dtstamp: generated_at(),
        break_events: args.break_events,
    };
    if args.per_agent {
        let dir = out;
        let calendars = per_agent(&roster);
        let ids: Vec<&str> = calendars.iter().map(|(id, _)| id.as_str()).collect();
        let names = calendar_file_names(&ids)?;
        let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
        rota::export::check_outputs(&paths, &inputs)?;
        let files: Vec<(String, Vec<u8>)> = calendars
            .iter()
            .zip(names)
            .map(|((_, r), name)| {
                let cal = roster_to_ics(
                    r,
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
    out.file_name().context("--out must name a file")?;
    write_file(&out, &bytes)?;
    eprintln!("wrote {}", out.display());
    Ok(super::EXIT_OK)
}
