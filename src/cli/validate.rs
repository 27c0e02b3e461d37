//! `rota validate`: the independent rule check of a roster file.

use std::path::PathBuf;

use rota::roster::read::read_roster;
use rota::roster::validate::validate;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario whose rules apply.
    scenario: PathBuf,
    /// The roster CSV to check (as written by `rota plan`, possibly edited by hand).
    roster: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let loaded = rota::whatif::load_scenario(&args.scenario)?;
    let sc = &loaded.scenario;
    let roster = read_roster(&args.roster, &sc.site.name, sc.site.timezone)?;
    let violations = validate(sc, &roster);
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
            if violations.is_empty() {
                println!(
                    "{}: {} shifts of {} agents meet every rule of {}",
                    args.roster.display(),
                    roster.shifts.len(),
                    roster
                        .shifts
                        .iter()
                        .map(|s| &s.agent_id)
                        .collect::<std::collections::BTreeSet<_>>()
                        .len(),
                    args.scenario.display()
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
