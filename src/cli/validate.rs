//! `rota validate`: the independent rule check of a roster file.

use std::path::PathBuf;

use rota::replan::{chain_allowances, read_allowances};
use rota::roster::absence::Allowances;
use rota::roster::read::read_roster_for;
use rota::roster::validate::validate_with;
use rota::store::{file_sha256, Kind, Store};

use super::Format;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario whose rules apply.
    scenario: PathBuf,
    /// The roster CSV to check (as written by `rota plan`, possibly edited by hand).
    roster: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Check a re-planned roster with what version N of the store allows
    /// it beyond the scenario: the absences and overtime of its re-plan and
    /// the re-plans before it since the last publish (a published version
    /// allows nothing more).
    #[arg(long, value_name = "N", conflicts_with = "allowances")]
    version: Option<i64>,
    /// The store of --version (default: rota.db beside the scenario).
    #[arg(long, requires = "version")]
    store: Option<PathBuf>,
    /// Check a re-planned roster with the allowances written in that
    /// re-plan's replan.json (the same as --version of its version).
    #[arg(long, value_name = "REPLAN_JSON")]
    allowances: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let loaded = rota::whatif::load_scenario(&args.scenario)?;
    let sc = &loaded.scenario;
    let roster = read_roster_for(&args.roster, sc)?;
    let (allow, granted) = match (&args.version, &args.allowances) {
        (Some(n), _) => {
            let path = super::store::store_path(&args.store, Some(&args.scenario));
            let store = Store::open(&path, false)?;
            let (allow, chain) = chain_allowances(&store, *n)?;
            let v = store.version(*n)?;
            if v.scenario_sha256 != file_sha256(&args.scenario)? {
                eprintln!(
                    "warning: {} is not the scenario version {n} was {} with (its SHA-256 differs from the stored one): the rules checked are today's",
                    args.scenario.display(),
                    if v.kind == Kind::Replan { "re-planned" } else { "published" }
                );
            }
            let whence = if chain.is_empty() {
                format!(
                    "version {n} of {} is a publish: nothing beyond the scenario's rules",
                    path.display()
                )
            } else {
                let list: Vec<String> = chain.iter().map(|v| v.to_string()).collect();
                format!(
                    "the re-plans since the last publish, versions {} of {}",
                    list.join(", "),
                    path.display()
                )
            };
            (allow, Some(whence))
        }
        (None, Some(file)) => (
            read_allowances(file)?,
            Some(format!("{} (its `allowances`)", file.display())),
        ),
        (None, None) => (Allowances::default(), None),
    };
    let violations = validate_with(sc, &roster, &allow);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&violations)?),
        Format::Text => {
            for v in &violations {
                let day = v
                    .date
                    .map(|d| format!(" on {} ({})", d, d.format("%a")))
                    .unwrap_or_default();
                println!("{}: agent {}{}: {}", v.rule, v.agent_id, day, v.message);
            }
            if let Some(whence) = &granted {
                println!("allowances: {}", describe(&allow, whence));
            }
            if violations.is_empty() {
                println!(
                    "{}: {} shifts of {} agents meet every rule of {}{}",
                    args.roster.display(),
                    roster.shifts.len(),
                    roster
                        .shifts
                        .iter()
                        .map(|s| &s.agent_id)
                        .collect::<std::collections::BTreeSet<_>>()
                        .len(),
                    args.scenario.display(),
                    if granted.is_some() {
                        " with those allowances"
                    } else {
                        ""
                    }
                );
            } else {
                println!("{} rule violations", violations.len());
            }
            // Soft findings are reported, never counted as violations.
            if let Some(f) = rota::roster::soft::evaluate(sc, &roster) {
                super::plan::print_soft(&f);
            }
        }
    }
    Ok(if violations.is_empty() {
        super::EXIT_OK
    } else {
        super::EXIT_FINDINGS
    })
}

/// The allowances in a line: the absences by agent and span, the overtime caps.
fn describe(allow: &Allowances, whence: &str) -> String {
    let absences: Vec<String> = allow
        .absences
        .iter()
        .map(|a| {
            format!(
                "{} {}..{}",
                a.agent_id,
                a.from.format("%Y-%m-%d %H:%M"),
                a.until.format("%Y-%m-%d %H:%M")
            )
        })
        .collect();
    let overtime = match &allow.overtime {
        Some(o) => format!(
            "overtime up to {} min a shift and {} h an agent",
            o.max_minutes_per_shift, o.max_hours
        ),
        None => "no overtime".into(),
    };
    format!(
        "{whence}: {}; {overtime}",
        if absences.is_empty() {
            "no absence".to_string()
        } else {
            format!("absent {}", absences.join(", "))
        }
    )
}
