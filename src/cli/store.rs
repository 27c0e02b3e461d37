//! `rota publish`, `rota versions`, `rota diff`: the store of published rosters.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rota::replan::{changes_csv, diff, Change, Facts};
use rota::roster::read::read_roster;
use rota::roster::validate::validate;
use rota::store::{default_path, Kind, NewVersion, Store};

#[derive(clap::Args)]
pub struct PublishArgs {
    /// The scenario whose rules the roster must meet.
    scenario: PathBuf,
    /// The roster CSV to publish (as written by `rota plan`, possibly edited by hand).
    roster: PathBuf,
    /// Who publishes it (default: the USER environment variable).
    #[arg(long)]
    by: Option<String>,
    /// A note kept with the version.
    #[arg(long, default_value = "")]
    note: String,
    /// The store (default: rota.db beside the scenario).
    #[arg(long)]
    store: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct VersionsArgs {
    /// A scenario: its store is rota.db beside it (else --store, else ./rota.db).
    scenario: Option<PathBuf>,
    #[arg(long)]
    store: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(clap::Args)]
pub struct DiffArgs {
    /// The earlier version.
    v1: i64,
    /// The later version.
    v2: i64,
    /// A scenario: its store is rota.db beside it (else --store, else ./rota.db).
    #[arg(long)]
    scenario: Option<PathBuf>,
    #[arg(long)]
    store: Option<PathBuf>,
    /// text, csv (the columns of a re-plan's changes.csv) or json.
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DiffFormat {
    Text,
    Csv,
    Json,
}

/// The store a command uses: `--store`, else rota.db beside the scenario, else ./rota.db.
pub(crate) fn store_path(store: &Option<PathBuf>, scenario: Option<&Path>) -> PathBuf {
    match (store, scenario) {
        (Some(p), _) => p.clone(),
        (None, Some(s)) => default_path(s),
        (None, None) => PathBuf::from("rota.db"),
    }
}

/// Who publishes: `--by`, else the USER (or LOGNAME) environment variable.
pub(crate) fn publisher(by: &Option<String>) -> String {
    by.clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

pub fn publish(args: PublishArgs) -> anyhow::Result<i32> {
    let loaded = rota::whatif::load_scenario(&args.scenario)?;
    let sc = &loaded.scenario;
    let roster = read_roster(&args.roster, &sc.site.name, sc.site.timezone)?;
    let violations = validate(sc, &roster);
    if !violations.is_empty() {
        super::print_violations("", &violations);
        eprintln!(
            "{}: {} rule violations; nothing published",
            args.roster.display(),
            violations.len()
        );
        return Ok(super::EXIT_FINDINGS);
    }
    let path = store_path(&args.store, Some(&args.scenario));
    let mut store = Store::open(&path, true)?;
    let by = publisher(&args.by);
    let n = store.append(
        &NewVersion {
            published_at: chrono::Utc::now(),
            published_by: &by,
            note: &args.note,
            kind: Kind::Publish,
            parent: None,
            scenario_file: &args.scenario,
            history_file: &loaded.history_path,
            first_date: sc.planning.week_start,
            days: sc.planning.days,
            replan: None,
        },
        &roster,
    )?;
    println!(
        "published {} as version {n} of {} ({} shifts, by {by})",
        args.roster.display(),
        path.display(),
        roster.shifts.len()
    );
    Ok(super::EXIT_OK)
}

pub fn versions(args: VersionsArgs) -> anyhow::Result<i32> {
    let path = store_path(&args.store, args.scenario.as_deref());
    let store = Store::open(&path, false)?;
    let versions = store.versions()?;
    let problems = store.check()?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "store": path.display().to_string(),
                "schema_version": store.schema_version()?,
                "versions": versions,
                "problems": problems,
            }))?
        ),
        Format::Text => {
            println!(
                "{:>7}  {:<20}  {:<7}  {:>6}  {:>6}  {:<12}  {:<10}  note",
                "version", "published (UTC)", "kind", "parent", "shifts", "by", "scenario"
            );
            for v in &versions {
                println!(
                    "{:>7}  {:<20}  {:<7}  {:>6}  {:>6}  {:<12}  {:<10}  {}",
                    v.version,
                    v.published_at,
                    if v.kind == Kind::Replan {
                        "replan"
                    } else {
                        "publish"
                    },
                    v.parent.map(|p| p.to_string()).unwrap_or_default(),
                    v.shifts,
                    v.published_by,
                    &v.scenario_sha256[..10],
                    v.note
                );
            }
            if problems.is_empty() {
                println!(
                    "{}: {} versions, schema version {}, intact",
                    path.display(),
                    versions.len(),
                    store.schema_version()?
                );
            }
            for p in &problems {
                println!("problem: {p}");
            }
        }
    }
    Ok(if problems.is_empty() {
        super::EXIT_OK
    } else {
        super::EXIT_FINDINGS
    })
}

/// The changes from version `v1` to `v2` of `store`; a re-plan's absences
/// (stored with `v2`) tell shifts dropped for an absence.
pub(crate) fn changes_between(store: &Store, v1: i64, v2: i64) -> anyhow::Result<Vec<Change>> {
    let before = store.roster(v1)?;
    let after = store.roster(v2)?;
    let facts: Option<Facts> = match store.version(v2)?.replan {
        Some(json) => Some(
            serde_json::from_str(&json)
                .with_context(|| format!("version {v2}: unreadable re-plan facts"))?,
        ),
        None => None,
    };
    let absences = facts.map(|f| f.absences).unwrap_or_default();
    Ok(diff(&before, &after, &absences))
}

/// `10:00-19:00`, with the end's date when it is another day.
pub(crate) fn span(s: &rota::roster::Shift) -> String {
    let end = if s.end.date_naive() == s.start.date_naive() {
        s.end.format("%H:%M").to_string()
    } else {
        s.end.format("%m-%d %H:%M").to_string()
    };
    format!("{}-{end}", s.start.format("%H:%M"))
}

pub fn diff_cmd(args: DiffArgs) -> anyhow::Result<i32> {
    let path = store_path(&args.store, args.scenario.as_deref());
    let store = Store::open(&path, false)?;
    let changes = changes_between(&store, args.v1, args.v2)?;
    match args.format {
        DiffFormat::Csv => {
            use std::io::Write;
            std::io::stdout().write_all(&changes_csv(&changes)?)?;
        }
        DiffFormat::Json => {
            let rows: Vec<_> = changes
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "agent_id": c.agent_id,
                        "agent_name": c.agent_name,
                        "date": c.date.to_string(),
                        "change": c.kind.name(),
                        "before": c.before.as_ref().map(span),
                        "after": c.after.as_ref().map(span),
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        }
        DiffFormat::Text => {
            let mut last = "";
            for c in &changes {
                if c.agent_id != last {
                    println!("{} ({})", c.agent_id, c.agent_name);
                    last = &c.agent_id;
                }
                let show = |s: &Option<rota::roster::Shift>| match s {
                    None => "off".to_string(),
                    Some(s) if c.kind == rota::replan::ChangeKind::Breaks => {
                        let b: Vec<String> = s
                            .breaks
                            .iter()
                            .map(|b| format!("{} {}", b.kind, b.start.format("%H:%M")))
                            .collect();
                        format!("{} ({})", span(s), b.join(", "))
                    }
                    Some(s) => span(s),
                };
                let (b, a) = (show(&c.before), show(&c.after));
                println!("  {} {}: {b} -> {a}", c.date, c.kind.name());
            }
            println!(
                "{} agent-days differ between versions {} and {}",
                changes.len(),
                args.v1,
                args.v2
            );
        }
    }
    Ok(super::EXIT_OK)
}
