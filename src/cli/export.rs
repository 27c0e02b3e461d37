//! `rota export`: converts an existing (possibly hand-edited) roster, after
//! validating it against its scenario.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use rota::export::ics::{per_agent, roster_to_ics, IcsOptions};
use rota::export::plan_json::roster_doc;
use rota::export::roster_csv::{activities_csv, roster_csv};
use rota::export::xlsx::{roster_xlsx, XlsxInput};
use rota::export::{calendar_file_names, slug, write_file, write_files};
use rota::replan::chain_allowances;
use rota::roster::absence::Allowances;
use rota::roster::read::read_roster_for;
use rota::roster::validate::validate_with;
use rota::store::{Kind, Store};

#[derive(clap::Args)]
pub struct Args {
    /// The roster CSV (as written by `rota plan`, possibly edited by hand);
    /// or --version.
    #[arg(required_unless_present = "version")]
    roster: Option<PathBuf>,
    /// Export version N of the store instead of a roster file (checked
    /// with what the version allows: its re-plans' absences and overtime).
    #[arg(long, value_name = "N", conflicts_with = "roster")]
    version: Option<i64>,
    /// The store of --version (default: rota.db beside the scenario).
    #[arg(long, requires = "version")]
    store: Option<PathBuf>,
    /// The scenario whose rules the roster must meet.
    #[arg(long)]
    scenario: PathBuf,
    /// Output format.
    #[arg(long, value_enum)]
    format: Format,
    /// Output file; with --per-agent, an output folder. Defaults to roster.<format> beside the roster (roster-calendars/ with --per-agent); with --version, roster-vN.<format> beside the store.
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
    /// A workbook: the grid of agents by dates, coverage, and the changes
    /// of a re-plan or an approved request.
    Xlsx,
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
        Format::Xlsx => "xlsx",
    };
    anyhow::ensure!(
        !args.per_agent || matches!(args.format, Format::Ics),
        "--per-agent goes with --format ics"
    );
    // Outputs are checked before any work: never an input, by any spelling.
    let mut inputs = loaded.origins.sources.clone();
    let store_path = super::store::store_path(&args.store, Some(&args.scenario));
    // Where the roster comes from, and the stem of the default output.
    let (source, stem) = match (&args.roster, args.version) {
        (Some(r), _) => (r.clone(), "roster".to_string()),
        (None, Some(n)) => (store_path.clone(), format!("roster-v{n}")),
        (None, None) => anyhow::bail!("give a roster CSV or --version N"),
    };
    inputs.push(source.clone());
    let out = if args.per_agent {
        let dir = args
            .out
            .clone()
            .unwrap_or_else(|| dir_of(&source).join(format!("{stem}-calendars")));
        rota::export::check_output_folder(&dir)?;
        // Calendars are named after agent ids; an input of the same name is refused below.
        dir
    } else {
        let stem = if args.activities {
            format!("{stem}-activities")
        } else {
            stem
        };
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| dir_of(&source).join(format!("{stem}.{ext}")));
        anyhow::ensure!(
            !out.is_dir(),
            "--out {} is a folder: give the name of a file (a folder goes with --per-agent)",
            out.display()
        );
        rota::export::check_outputs(std::slice::from_ref(&out), &inputs)?;
        out
    };
    let (roster, allow, changes, title) = match (&args.roster, args.version) {
        (Some(r), _) => (
            read_roster_for(r, sc)?,
            Allowances::default(),
            None,
            r.display().to_string(),
        ),
        (None, Some(n)) => {
            let store = Store::open(&store_path, false)?;
            let v = store.version(n)?;
            let (allow, _) = chain_allowances(&store, n)?;
            // A re-plan or an approved request: what changed from its base.
            let changes = match (v.kind, v.parent) {
                (Kind::Replan, Some(p)) => Some((p, super::store::changes_between(&store, p, n)?)),
                _ => None,
            };
            let title = format!("{} version {n}", sc.site.name);
            (store.roster(n)?, allow, changes, title)
        }
        (None, None) => unreachable!("checked above"),
    };
    let violations = validate_with(sc, &roster, &allow);
    if !violations.is_empty() {
        super::print_violations("", &violations);
        eprintln!(
            "{}: {} rule violations; nothing exported (fix them, or check with rota validate)",
            title,
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
        Format::Xlsx => {
            let inputs = rota::plan::Inputs::load(&args.scenario, None)?;
            let forecast = inputs.forecast()?;
            let reqs = inputs.requirements(&forecast);
            let evaluation = rota::report::evaluate(sc, &inputs.horizon, &reqs, &roster)?;
            roster_xlsx(&XlsxInput {
                scenario: sc,
                horizon: &inputs.horizon,
                roster: &roster,
                evaluation: &evaluation,
                changes: changes.as_ref().map(|(p, c)| (*p, c.as_slice())),
                title: &title,
            })?
        }
    };
    out.file_name().context("--out must name a file")?;
    write_file(&out, &bytes)?;
    eprintln!("wrote {}", out.display());
    Ok(super::EXIT_OK)
}
