//! Command-line interface: clap subcommands, progress and human summaries.

mod backtest_plan;
mod drill;
mod export;
mod forecast;
mod generate;
mod plan;
mod replan;
mod request;
mod simulate;
mod staff;
mod store;
mod validate;
mod whatif;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Everything went well.
pub const EXIT_OK: i32 = 0;
/// The roster breaks a rule or misses a service-level target.
pub const EXIT_FINDINGS: i32 = 1;
/// Bad input (file, line, field named) or an internal error.
pub const EXIT_ERROR: i32 = 2;
/// A conflict with the store: another version was stored while a re-plan
/// worked from an older one; nothing was stored.
pub const EXIT_CONFLICT: i32 = 3;

#[derive(Parser)]
#[command(
    name = "rota",
    version,
    about = "Workforce-management optimizer for contact centres: forecast, staff, roster, check, export",
    after_help = "Exit codes: 0 ok, 1 rule violations, unmet service-level targets or a store that fails its check, 2 bad input or internal error, 3 a conflict with the store (a version was published while a re-plan worked from an older one; nothing stored)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Forecast, staff and roster a scenario, and write the plan's files.
    Plan(plan::Args),
    /// Forecast the planning week, or backtest every method (--backtest-weeks N).
    Forecast(forecast::Args),
    /// Check a roster file against every hard rule of a scenario.
    Validate(validate::Args),
    /// Convert a roster file (validated first) to iCalendar, CSV or JSON.
    Export(export::Args),
    /// Plan several scenarios (a base and its variants) in parallel and compare them side by side.
    Compare(whatif::CompareArgs),
    /// Plan a grid of variants of a scenario (all of it, or one shard of it).
    Sweep(whatif::SweepArgs),
    /// Combine the shard files of a sweep into the whole sweep.
    Merge(whatif::MergeArgs),
    /// Validate a roster and record it as a new version in the store (rota.db beside the scenario).
    Publish(store::PublishArgs),
    /// List the versions in the store, and check that it is intact.
    Versions(store::VersionsArgs),
    /// Per agent and day, what changed between two versions in the store.
    Diff(store::DiffArgs),
    /// Re-plan the latest published version from an instant on: absences, actuals, fewest changes.
    Replan(replan::Args),
    /// The agents' requests: add, import, list, review against coverage, approve (a new version) or deny.
    Request(request::Args),
    /// Check a swap of two agents' shifts against both agents' rules, skills and coverage; file it when allowed.
    Swap(request::SwapArgs),
    /// Required agents for one interval (Erlang C, or Erlang A with --patience).
    Staff(staff::Args),
    /// Simulate a roster (discrete events, replications) beside Erlang's prediction.
    Simulate(simulate::Args),
    /// The odds of a roster: many drawn weeks (volume, absences, shocks), P(meet target) per day, the reserve pool.
    Drill(drill::Args),
    /// Forecast, staff and roster each held-out week of history, and judge the roster against what really arrived.
    BacktestPlan(backtest_plan::Args),
    /// Generate synthetic interval history from a seeded spec (see docs/generator.md).
    GenerateHistory {
        /// The generator spec (YAML).
        spec: PathBuf,
        /// Output CSV file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate a benchmark centre of a given size: scenario, history and solver settings.
    GenerateInstance {
        /// Number of agents.
        #[arg(long)]
        agents: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Solver time limit written into the instance's solver.yaml, seconds.
        #[arg(long, default_value_t = 60.0)]
        time_limit: f64,
        /// Scheduled agent-hours a week the volume asks of each agent (Erlang C);
        /// below the 32-hour contract minimum the centre is overstaffed.
        #[arg(long, default_value_t = rota::instance::HOURS_PER_AGENT)]
        hours_per_agent: f64,
        /// Planned days, 7 to 42 (weekly rules hold in each 7-day block).
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// Who works there: `uniform` (agents differ only in skills) or
        /// `realistic` (part-timers, days off, availability, wishes,
        /// proficiency, cost; docs/benchmarks.md).
        #[arg(long, value_enum, default_value_t = generate::MixArg::Uniform)]
        mix: generate::MixArg,
        /// Early/late week rotations (hard) and every other weekend off (soft).
        #[arg(long)]
        rotations: bool,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
}

/// `--format` of the commands that print text or JSON.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

/// Prints warnings on standard error, each distinct text once: a text
/// repeated N times gets `(N times)`.
pub(crate) fn warn_all<I: IntoIterator<Item = String>>(warnings: I) {
    let mut order: Vec<String> = Vec::new();
    let mut count: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for w in warnings {
        let n = count.entry(w.clone()).or_insert(0);
        if *n == 0 {
            order.push(w);
        }
        *n += 1;
    }
    for w in order {
        match count[&w] {
            1 => eprintln!("warning: {w}"),
            n => eprintln!("warning: {w} ({n} times)"),
        }
    }
}

/// The warning about history rows of queues the scenario does not have:
/// one line, however many queues (a few named, with their row counts).
pub(crate) fn ignored_queues_warning(
    path: &std::path::Path,
    ignored: &std::collections::BTreeMap<String, usize>,
) -> Option<String> {
    if ignored.is_empty() {
        return None;
    }
    let rows: usize = ignored.values().sum();
    let mut by_rows: Vec<(&String, &usize)> = ignored.iter().collect();
    by_rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let shown: Vec<String> = by_rows
        .iter()
        .take(3)
        .map(|(q, n)| format!("`{}` ({n})", rota::limits::excerpt(q)))
        .collect();
    let more = match ignored.len().saturating_sub(3) {
        0 => String::new(),
        k => format!(" and {k} more"),
    };
    Some(format!(
        "{}: {rows} rows of {} queues the scenario does not have ignored: {}{more}",
        path.display(),
        ignored.len(),
        shown.join(", ")
    ))
}

/// The exit code of an error: [`EXIT_CONFLICT`] for a conflict with the
/// store, else [`EXIT_ERROR`].
pub fn exit_code(e: &anyhow::Error) -> i32 {
    if e.chain()
        .any(|c| matches!(c.downcast_ref(), Some(rota::Error::Conflict { .. })))
    {
        EXIT_CONFLICT
    } else {
        EXIT_ERROR
    }
}

/// Parses the command line and runs the command; returns the exit code.
pub fn run() -> anyhow::Result<i32> {
    let cli = Cli::parse();
    match cli.command {
        Command::Plan(args) => plan::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Export(args) => export::run(args),
        Command::Compare(args) => whatif::compare(args),
        Command::Sweep(args) => whatif::sweep(args),
        Command::Merge(args) => whatif::merge_shards(args),
        Command::Forecast(args) => forecast::run(args),
        Command::Staff(args) => staff::run(args),
        Command::Publish(args) => store::publish(args),
        Command::Versions(args) => store::versions(args),
        Command::Diff(args) => store::diff_cmd(args),
        Command::Replan(args) => replan::run(args),
        Command::Request(args) => request::run(args),
        Command::Swap(args) => request::swap(args),
        Command::Simulate(args) => simulate::run_cmd(args),
        Command::Drill(args) => drill::run(args),
        Command::BacktestPlan(args) => backtest_plan::run(args),
        Command::GenerateHistory { spec, out } => generate::run(&spec, &out),
        Command::GenerateInstance {
            agents,
            seed,
            time_limit,
            hours_per_agent,
            days,
            mix,
            rotations,
            out,
        } => generate::instance(
            agents,
            seed,
            time_limit,
            &rota::instance::Shape {
                days,
                mix: mix.into(),
                rotations,
                hours_per_agent,
            },
            &out,
        ),
    }
}

/// Prints each rule violation on its own line of stderr, `prefix` first:
/// `RULE: agent ID on DATE: MESSAGE`.
pub(crate) fn print_violations(prefix: &str, violations: &[rota::roster::validate::Violation]) {
    for v in violations {
        let day = v.date.map(|d| format!(" on {d}")).unwrap_or_default();
        eprintln!(
            "{prefix}{}: agent {}{}: {}",
            v.rule, v.agent_id, day, v.message
        );
    }
}
