//! `rota plan`: the main job.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rota::export::words::{asa_text, occupancy_text, target_short, worst_interval_text};
use rota::export::{plan_exporters, render_all, write_files, PlanOutput};
use rota::plan::Inputs;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario (YAML).
    scenario: PathBuf,
    /// Folder for the plan's files.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Solver settings: fast, default or thorough (built in; a solver-configs/NAME.yaml
    /// beside the scenario or above it overrides them), or a path.
    #[arg(long)]
    solver: Option<String>,
    /// The store whose approved requests of the plan's days become fixed
    /// days off and preferences (default: rota.db beside the scenario, when
    /// there is one).
    #[arg(long)]
    store: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// With `sites`: also plan each site alone (its agents, its share of
    /// each queue's volume by contracted hours) and print what pooling
    /// saves (docs/sites.md). Writes nothing more.
    #[arg(long)]
    standalone: bool,
}

/// The creation time stamped into outputs: SOURCE_DATE_EPOCH when set (for
/// reproducible builds of the same plan), else now.
/// The solve's progress line: the step, the best roster so far, the best
/// bound and the gap, against the time limit and the configured gap.
pub(crate) fn progress_line(p: &rota::solve::SolveProgress, limit: f64, target: f64) -> String {
    let num = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.1}"));
    let gap = p
        .gap()
        .map_or("—".to_string(), |g| format!("{:.2}%", g * 100.0));
    format!(
        "{} | best roster {} | bound {} | gap {gap} (stops at {:.2}%) | {:.0} of {limit} s",
        p.step,
        num(p.incumbent),
        num(p.bound),
        target * 100.0,
        p.seconds
    )
}

pub(crate) fn generated_at() -> DateTime<Utc> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or_else(Utc::now)
}

fn spinner(quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}").expect("valid template"),
    );
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    // Outputs are checked before any work: a folder that is a file, or a
    // file of the plan that is one of its inputs.
    rota::export::check_output_folder(&args.out)?;
    let pb = spinner(args.quiet);
    pb.set_message(format!("reading {}", args.scenario.display()));
    let mut inputs = Inputs::load(&args.scenario, args.solver.as_deref())?;
    // Approved requests of these days: fixed days off and preferences.
    let store = super::store::store_path(&args.store, Some(&args.scenario));
    if args.store.is_some() || store.exists() {
        let approved: Vec<rota::store::StoredRequest> = rota::store::Store::open(&store, false)?
            .requests()?
            .into_iter()
            .filter(|r| r.status == rota::store::Status::Approved)
            .collect();
        let carried = rota::request::into_plan(&mut inputs.loaded.scenario, &approved);
        if !args.quiet && !carried.is_empty() {
            pb.suspend(|| {
                eprintln!(
                    "carried {} approved requests of {} into the plan:",
                    carried.len(),
                    store.display()
                );
                for c in &carried {
                    eprintln!("  {c}");
                }
            });
        }
    }
    let exporters = plan_exporters();
    let outputs: Vec<_> = exporters
        .iter()
        .map(|e| args.out.join(e.file_name()))
        .collect();
    rota::export::check_outputs(&outputs, &inputs.files())?;
    let sc = inputs.scenario();
    pb.suspend(|| {
        super::warn_all(super::ignored_queues_warning(
            &inputs.loaded.history_path,
            &inputs.history.ignored_queues,
        ))
    });
    if !args.quiet {
        for w in unserved_warnings(sc) {
            pb.suspend(|| eprintln!("{w}"));
        }
    }
    pb.set_message("forecasting volume and handle time");
    let forecast = inputs.forecast()?;
    if !args.quiet {
        pb.suspend(|| super::forecast::warn(&forecast.findings));
    }
    pb.set_message("computing required agents (Erlang C/A, concurrency, deadlines)");
    let reqs = inputs.requirements(&forecast);
    pb.set_message(format!(
        "solving the roster with HiGHS ({} agents, time limit {} s, gap {}%)",
        sc.agents.len(),
        inputs.solver.time_limit_seconds,
        inputs.solver.mip_rel_gap * 100.0
    ));
    let limit = inputs.solver.time_limit_seconds;
    let target = inputs.solver.mip_rel_gap;
    let show = |p: &rota::solve::SolveProgress| pb.set_message(progress_line(p, limit, target));
    let mut solved = inputs
        .solve_with(&reqs, &rota::solve::Progress::to(&show))
        .with_context(|| format!("cannot roster {}", args.scenario.display()))?;
    pb.set_message("checking the roster");
    let (violations, evaluation) = inputs.check(&reqs, &mut solved)?;
    pb.set_message("drilling the roster (drawn weeks)");
    let odds = report_odds(
        sc,
        &inputs.horizon,
        &forecast,
        &reqs,
        &solved.roster,
        &evaluation,
    );
    let plan = PlanOutput {
        scenario: sc,
        horizon: &inputs.horizon,
        forecast: &forecast,
        requirements: &reqs,
        roster: &solved.roster,
        evaluation: &evaluation,
        solve: &solved.info,
        violations: &violations,
        odds: Some(&odds),
        generated_at: generated_at(),
    };
    if !violations.is_empty() {
        // Never publish a roster that breaks a rule: nothing is written.
        pb.finish_and_clear();
        super::print_violations("violation: ", &violations);
        eprintln!(
            "error: the optimizer's roster breaks {} rules (a bug in rota: please report it with the scenario); nothing written",
            violations.len()
        );
        return Ok(super::EXIT_FINDINGS);
    }
    let files = render_all(&exporters, &plan)?;
    write_files(&args.out, &files)?;
    pb.finish_and_clear();

    let missed: Vec<_> = evaluation.queues.iter().filter(|q| q.unmet()).collect();
    if !args.quiet {
        let s = &solved.info;
        println!(
            "{}: {} to {} ({} days, {}-minute intervals, {})",
            sc.name,
            sc.planning.week_start,
            *inputs.horizon.dates.last().expect("days"),
            sc.planning.days,
            sc.planning.interval_minutes,
            sc.site.timezone
        );
        println!(
            "solver:   {}; objective {:.1}, best bound {:.1}, gap {:.2}%, {:.1} s (limit {} s, {})",
            serde_json::to_value(s.status)?.as_str().unwrap_or("?"),
            s.objective,
            s.best_bound,
            s.mip_gap * 100.0,
            s.solve_seconds,
            s.time_limit_seconds,
            match &inputs.solver_source {
                rota::scenario::SolverSource::File(p) => std::env::current_dir()
                    .ok()
                    .and_then(|d| p.strip_prefix(d).ok())
                    .unwrap_or(p)
                    .display()
                    .to_string(),
                built_in => built_in.to_string(),
            }
        );
        println!("          {}", s.stop_reason);
        let agents_used = solved
            .roster
            .shifts
            .iter()
            .map(|s| &s.agent_id)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        println!(
            "roster:   {} shifts for {} of {} agents, {:.1} paid hours, {} rule violations",
            solved.roster.shifts.len(),
            agents_used,
            sc.agents.len(),
            evaluation.scheduled_hours,
            violations.len()
        );
        println!(
            "staffing: understaffed {:.1} agent-hours, overstaffed {:.1} agent-hours",
            evaluation.understaffed_agent_hours, evaluation.overstaffed_agent_hours
        );
        println!(
            "{:<10} {:>9} {:>10} {:>28} {:>9} {:>10}",
            "queue", "target", "predicted", "worst interval", "ASA", "occupancy"
        );
        for q in &evaluation.queues {
            let deferred = sc
                .queues
                .iter()
                .any(|x| x.id == q.queue && x.channel.is_deferred());
            println!(
                "{:<10} {:>9} {:>9.1}% {:>28} {:>9} {:>10}",
                q.queue,
                target_short(q.target, q.threshold_seconds),
                q.service_level * 100.0,
                worst_interval_text(q),
                asa_text(q, deferred),
                occupancy_text(q)
            );
        }
        if let Some(f) = rota::roster::soft::evaluate(sc, &solved.roster) {
            print_soft(&f);
        }
        if sc.multi_site {
            print_sites(&rota::report::sites::by_site(
                sc,
                &inputs.horizon,
                &reqs,
                &solved.roster,
                &evaluation,
            ));
        }
        let names: Vec<_> = files.iter().map(|(n, _)| n.as_str()).collect();
        println!("wrote {} to {}", names.join(", "), args.out.display());
        for q in &missed {
            for line in rota::export::words::missed_lines(q) {
                println!("{line}");
            }
        }
    }
    if args.standalone && sc.multi_site {
        standalone(&inputs, &evaluation, args.quiet)?;
    }
    Ok(if missed.is_empty() {
        super::EXIT_OK
    } else {
        super::EXIT_FINDINGS
    })
}

/// Each site's part of the plan, a line a site.
fn print_sites(sites: &[rota::report::sites::SiteKpi]) {
    println!(
        "{:<12} {:>7} {:>7} {:>11} {:>10} {:>8}  queues (share of staffed hours, SL while staffed)",
        "site", "agents", "shifts", "paid hours", "paid cost", "work"
    );
    for k in sites {
        let queues: Vec<String> = k
            .queues
            .iter()
            .filter(|q| q.staffed_agent_hours > 0.0)
            .map(|q| {
                format!(
                    "{} {:.0}%{}",
                    q.queue,
                    q.share * 100.0,
                    q.service_level_while_staffed
                        .map_or(String::new(), |v| format!(" at {:.1}%", v * 100.0))
                )
            })
            .collect();
        println!(
            "{:<12} {:>7} {:>7} {:>11.1} {:>10.1} {:>7.1}%  {}",
            k.site,
            k.agents_rostered,
            k.shifts,
            k.paid_hours,
            k.paid_cost,
            k.share_of_work * 100.0,
            queues.join(", ")
        );
    }
}

/// Plans each site alone and prints the pooled plan's paid hours and
/// service level against the standalone plans' (`docs/sites.md`).
fn standalone(
    inputs: &Inputs,
    pooled: &rota::report::Evaluation,
    quiet: bool,
) -> anyhow::Result<()> {
    let sc = inputs.scenario();
    let instants: Vec<_> = inputs.horizon.intervals.iter().map(|i| i.start).collect();
    let shares = sc.standalone_shares(&instants);
    let mut rows = Vec::new();
    for (si, site) in sc.sites.iter().enumerate() {
        let alone = inputs.with_scenario(sc.standalone(si));
        let outcome = alone
            .run_scaled(Some(&shares[si]))
            .with_context(|| format!("cannot plan site {} alone", site.name))?;
        rows.push((site.name.clone(), outcome));
    }
    if quiet {
        return Ok(());
    }
    let sl = |e: &rota::report::Evaluation| -> Vec<String> {
        e.queues
            .iter()
            .map(|q| format!("{} {:.1}%", q.queue, q.service_level * 100.0))
            .collect()
    };
    println!("pooling: each site planned alone with its share of each queue's volume (by contracted hours of the sites on duty)");
    let mut total = 0.0;
    let mut under = 0.0;
    for (name, o) in &rows {
        let shares: Vec<String> = o
            .requirements
            .iter()
            .map(|q| {
                let v: f64 = q.intervals.iter().map(|i| i.volume).sum();
                format!("{} {:.0} contacts", q.queue, v)
            })
            .collect();
        println!(
            "  {:<12} {:>8.1} paid hours, understaffed {:>6.1} agent-hours, gap {:.2}% ({}); takes {}; SL {}",
            name,
            o.evaluation.scheduled_hours,
            o.evaluation.understaffed_agent_hours,
            o.solved.info.mip_gap * 100.0,
            o.solved.info.stop_reason,
            shares.join(", "),
            sl(&o.evaluation).join(", ")
        );
        total += o.evaluation.scheduled_hours;
        under += o.evaluation.understaffed_agent_hours;
    }
    println!(
        "  {:<12} {:>8.1} paid hours, understaffed {:>6.1} agent-hours",
        "standalone", total, under
    );
    println!(
        "  {:<12} {:>8.1} paid hours, understaffed {:>6.1} agent-hours; SL {}",
        "pooled",
        pooled.scheduled_hours,
        pooled.understaffed_agent_hours,
        sl(pooled).join(", ")
    );
    println!(
        "  pooling saves {:.1} paid hours ({:.1}%) and {:.1} understaffed agent-hours",
        total - pooled.scheduled_hours,
        if total > 0.0 {
            (total - pooled.scheduled_hours) / total * 100.0
        } else {
            0.0
        },
        under - pooled.understaffed_agent_hours
    );
    Ok(())
}

/// One warning per queue that no agent can serve, said before the solve.
pub(super) fn unserved_warnings(sc: &rota::scenario::Scenario) -> Vec<String> {
    sc.unserved_queues()
        .iter()
        .map(|q| format!("warning: {}", rota::export::words::unserved_warning(&q.id)))
        .collect()
}

/// Preferences honoured, shifts off soft rotations and fair shares, as the
/// roster has them.
pub(super) fn print_soft(f: &rota::roster::soft::SoftFindings) {
    if f.preferences > 0 {
        println!(
            "wishes:   {} of {} preferences honoured (penalty {:.1})",
            f.preferences_honoured, f.preferences, f.preference_penalty
        );
        for m in &f.missed {
            let dates: Vec<String> = m.dates.iter().map(|d| d.to_string()).collect();
            println!(
                "          not honoured: {} ({}): {} (weight {}) on {}",
                m.agent_id,
                m.agent_name,
                m.preference,
                m.weight,
                dates.join(", ")
            );
        }
    }
    if let Some(misses) = &f.rotations {
        let shifts: usize = misses.iter().map(|m| m.dates.len()).sum();
        if shifts == 0 {
            println!("rotation: every shift keeps the pattern of its soft rotation");
        } else {
            println!(
                "rotation: {shifts} shift{} off the pattern of a soft rotation (penalty {:.1})",
                if shifts == 1 { "" } else { "s" },
                f.rotation_penalty.unwrap_or(0.0)
            );
        }
        for m in misses {
            let dates: Vec<String> = m.dates.iter().map(|d| d.to_string()).collect();
            println!(
                "          off the pattern: {} ({}): rotation {} (weight {}) on {}",
                m.agent_id,
                m.agent_name,
                m.rotation,
                m.weight,
                dates.join(", ")
            );
        }
    }
    if let Some(fair) = &f.fairness {
        for (what, s) in [
            ("weekend days", &fair.weekend_days),
            ("late shifts", &fair.late_shifts),
        ] {
            println!(
                "fairness: {what} per agent {} to {} (spread {}, mean {:.2}, largest by contract {:.2})",
                s.min, s.max, s.spread, s.mean, s.max_scaled
            );
        }
    }
}

/// The odds report.html shows beside the point prediction: 200 drawn weeks
/// of volume from the forecast band, no absence, seed 1 (docs/risk.md).
fn report_odds(
    sc: &rota::scenario::Scenario,
    horizon: &rota::horizon::Horizon,
    forecast: &rota::forecast::Forecast,
    reqs: &[rota::staffing::QueueRequirements],
    roster: &rota::roster::model::Roster,
    evaluation: &rota::report::Evaluation,
) -> rota::drill::Odds {
    let basis = rota::drill::Basis::new(sc, horizon, forecast, reqs, roster, evaluation);
    let settings = rota::drill::Settings {
        weeks: 200,
        max_reserve: 0,
        ..rota::drill::Settings::default()
    };
    rota::drill::drill(sc, horizon, &basis, &settings)
}
