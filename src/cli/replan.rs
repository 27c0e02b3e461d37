//! `rota replan`: re-plan the latest published version from an instant on.

use std::path::PathBuf;

use anyhow::Context;
use rota::export::ics::{per_agent, roster_update_to_ics, CalendarUpdate, IcsOptions};
use rota::export::replan_report::{replan_json, with_replan_section};
use rota::export::{plan_exporters, render_all, slug, write_files, PlanOutput};
use rota::plan::Inputs;
use rota::replan::{
    chain_allowances, change_cost, changes_csv, diff, explain_shortfall, fresh_plan_changes,
    nothing_new, parse_from, read_actuals, reforecast, sequences, service_level_from, Asked,
    ChangeKind, Facts, RemainingServiceLevel, Report,
};
use rota::report::evaluate;
use rota::roster::absence::{merge_absences, without_absences, Absence};
use rota::roster::validate::validate_with;
use rota::scenario::Remedy;
use rota::solve::{replan, ReplanRequest};
use rota::store::{file_sha256, Guard, Kind, NewVersion, Store};

#[derive(clap::Args)]
pub struct Args {
    /// The scenario (YAML).
    scenario: PathBuf,
    /// Everything before this local time was worked as published: "YYYY-MM-DD HH:MM".
    #[arg(long)]
    from: String,
    /// An absent agent: ID (from --from to the end of the plan), or ID@FROM..UNTIL (times or dates; either side may be empty).
    #[arg(long = "absent")]
    absent: Vec<String>,
    /// Interval history up to now (the history CSV format): re-forecast the rest by the damped ratio of actual to forecast.
    #[arg(long)]
    actuals: Option<PathBuf>,
    /// The store (default: rota.db beside the scenario).
    #[arg(long)]
    store: Option<PathBuf>,
    /// Folder for the re-plan's files.
    #[arg(long)]
    out: PathBuf,
    /// Solver settings: a name in solver-configs/ (fast, default, thorough) or a path.
    #[arg(long)]
    solver: Option<String>,
    /// Who re-plans (default: USER, else LOGNAME, else the name of the system account rota runs as).
    #[arg(long)]
    by: Option<String>,
    /// Store the re-plan even when another version was published while it
    /// worked (exit 3 otherwise); the version and the audit record that it
    /// was forced.
    #[arg(long)]
    force: bool,
    /// A note kept with the version.
    #[arg(long, default_value = "")]
    note: String,
    /// Also solve a fresh plan of the remaining days and report how many shifts it would change.
    #[arg(long, conflicts_with = "site")]
    compare_fresh: bool,
    /// Re-plan this site only: the other sites' shifts stay exactly as in the latest version.
    #[arg(long, value_name = "NAME")]
    site: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let inputs = Inputs::load(&args.scenario, args.solver.as_deref())?;
    let sc = inputs.scenario();
    let horizon = &inputs.horizon;
    let path = super::store::store_path(&args.store, Some(&args.scenario));
    let mut store = Store::open(&path, false)?;
    let latest = store
        .latest()?
        .with_context(|| format!("{}: no version to re-plan", path.display()))?;
    anyhow::ensure!(
        latest.first_date == sc.planning.week_start.to_string() && latest.site == sc.site.name,
        "{}: the latest version (version {}) is of {} from {}, not of {} from {}",
        path.display(),
        latest.version,
        latest.site,
        latest.first_date,
        sc.site.name,
        sc.planning.week_start
    );
    if !args.quiet {
        eprintln!(
            "re-planning {}version {} of {} ({} by {} at {}); a version published meanwhile stops it from being stored (exit 3) unless --force",
            args.site
                .as_ref()
                .map(|s| format!("site {s} of "))
                .unwrap_or_default(),
            latest.version,
            path.display(),
            latest.kind.as_str(),
            latest.published_by,
            latest.published_at
        );
    }
    let published = store.roster(latest.version)?;
    if let Some(site) = &args.site {
        one_site(sc, &store, latest.version, &published, site)?;
    }
    let from = parse_from(&args.from, horizon)?;
    // The absences and overtime of the re-plans since the last publish
    // still hold.
    let (carried, _) = chain_allowances(&store, latest.version)?;
    let asked: Vec<Absence> = args
        .absent
        .iter()
        .map(|a| Absence::parse(a, sc, from, horizon.end).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<_>>()?;
    if let Some(site) = &args.site {
        for a in &asked {
            let theirs = sc
                .agents
                .iter()
                .find(|x| x.id == a.agent_id)
                .map_or("", |x| sc.site_of(x).name.as_str());
            anyhow::ensure!(
                theirs == site,
                "--absent {}: the agent is at site {theirs}, and --site {site} re-plans {site}'s agents only; re-plan site {theirs}, or every site (no --site)",
                a.agent_id
            );
        }
    }
    let absences = merge_absences(&[carried.absences.clone(), asked.clone()].concat());
    let mut forecast = inputs.forecast()?;
    let actual_ratio = match &args.actuals {
        Some(p) => {
            let actuals = read_actuals(p, sc)?;
            reforecast(sc, horizon, &mut forecast, &actuals, from)
        }
        None => Default::default(),
    };
    let reqs = inputs.requirements(&forecast);
    let request = ReplanRequest {
        published: &published,
        from,
        absences: &absences,
        fewest_changes: true,
        site: args.site.as_deref(),
    };
    let unchanged_since = nothing_new(
        &latest,
        &carried,
        &Asked {
            absences: &asked,
            actual_ratio: &actual_ratio,
            from,
            scenario_sha256: &file_sha256(&args.scenario)?,
            history_sha256: &file_sha256(&inputs.loaded.history_path)?,
        },
    );
    let mut solved = if unchanged_since {
        rota::solve::unchanged(
            &published,
            &inputs.solver,
            format!(
                "nothing new since version {} (no new absence, no new actuals, the same scenario and history): its roster stands unchanged, nothing to solve",
                latest.version
            ),
        )
    } else {
        replan(sc, horizon, &reqs, &inputs.solver, &request)
            .with_context(|| format!("cannot re-plan {}", args.scenario.display()))?
    };
    let facts = Facts {
        parent: latest.version,
        from,
        absences: absences.clone(),
        actual_ratio: actual_ratio.clone(),
        overtime: sc
            .replan
            .remedy_cost(Remedy::Overtime)
            .map(|_| sc.replan.overtime.clone()),
        request: None,
        site: args.site.clone(),
    };
    let allowances = carried.union(&facts.allowances());
    let violations = validate_with(sc, &solved.roster, &allowances);
    if !violations.is_empty() {
        super::print_violations("violation: ", &violations);
        eprintln!(
            "error: the re-planned roster breaks {} rules (a bug in rota: please report it with the scenario); nothing stored or written",
            violations.len()
        );
        return Ok(super::EXIT_FINDINGS);
    }
    let changes = diff(&published, &solved.roster, &absences);
    let cost = change_cost(sc, &changes);
    let fresh = if args.compare_fresh {
        Some(
            fresh_plan_changes(
                sc,
                horizon,
                &reqs,
                &inputs.solver,
                &published,
                from,
                &absences,
            )
            .context("the fresh plan of the remaining days (--compare-fresh)")?,
        )
    } else {
        None
    };
    let evaluation = rota::report::evaluate_within(
        sc,
        horizon,
        &reqs,
        &solved.roster,
        &rota::plan::limits_after(&solved),
    )?;
    if unchanged_since {
        let c = rota::report::cost(sc, &solved.roster, &evaluation).total;
        (solved.info.objective, solved.info.best_bound) = (c, c);
    }
    let sl = |r: &rota::roster::Roster| -> anyhow::Result<_> {
        Ok(service_level_from(
            sc,
            horizon,
            &reqs,
            &evaluate(sc, horizon, &reqs, r)?,
            from,
        ))
    };
    let (sl_pub, sl_without, sl_new) = (
        sl(&published)?,
        sl(&without_absences(sc, &published, &absences))?,
        service_level_from(sc, horizon, &reqs, &evaluation, from),
    );
    let service_level: Vec<RemainingServiceLevel> = evaluation
        .queues
        .iter()
        .filter(|q| sl_new.contains_key(&q.queue))
        .map(|q| RemainingServiceLevel {
            queue: q.queue.clone(),
            target: q.target,
            published: sl_pub[&q.queue],
            without_absent: sl_without[&q.queue],
            replanned: sl_new[&q.queue],
        })
        .collect();
    let shortfall = explain_shortfall(sc, &solved.roster, &service_level, &cost);
    // The version first: the record is what counts; the files follow from it.
    let by = super::store::publisher(&args.by);
    let stored = store.append(
        &NewVersion {
            published_at: chrono::Utc::now(),
            published_by: &by,
            note: &args.note,
            kind: Kind::Replan,
            parent: Some(latest.version),
            scenario_file: &args.scenario,
            history_file: &inputs.loaded.history_path,
            first_date: sc.planning.week_start,
            days: sc.planning.days,
            replan: Some(serde_json::to_string(&facts)?),
            guard: if args.force {
                Guard::Force(Some(latest.version))
            } else {
                Guard::Latest(Some(latest.version))
            },
        },
        &solved.roster,
    );
    let stored = match stored {
        Ok(s) => s,
        Err(e) => {
            if let rota::Error::Conflict { latest: now, .. } = &e {
                eprintln!(
                    "error: {e}: re-plan again to start from version {now}, or give --force to store this re-plan as the latest version anyway (recorded in the audit)"
                );
                return Ok(super::EXIT_CONFLICT);
            }
            return Err(e.into());
        }
    };
    let version = stored.version;
    if let Some(f) = &stored.forced_over {
        eprintln!(
            "warning: stored by --force over {}, which was published while this re-plan worked from version {}: what it changed is not in version {version}",
            super::store::describe(f),
            latest.version
        );
    }
    let report = Report {
        version,
        parent: latest.version,
        from: from.format("%Y-%m-%d %H:%M").to_string(),
        absences: absences.clone(),
        actual_ratio,
        allowances,
        nothing_new: unchanged_since,
        changes: cost,
        fresh_plan_changed_shifts: fresh,
        service_level,
        paid_cost_published: rota::report::paid_cost(sc, &published),
        paid_cost_replanned: evaluation.paid_cost,
        shortfall,
    };
    let generated_at = super::plan::generated_at();
    let cal = calendars(
        &store,
        sc,
        &latest.first_date,
        &solved.roster,
        &changes,
        generated_at,
    )?;
    let calendars = cal.agents;
    let plan = PlanOutput {
        scenario: sc,
        horizon,
        forecast: &forecast,
        requirements: &reqs,
        roster: &solved.roster,
        evaluation: &evaluation,
        solve: &solved.info,
        violations: &violations,
        odds: None,
        generated_at,
    };
    let mut files = render_all(&plan_exporters(), &plan)?;
    for (name, bytes) in &mut files {
        match name.as_str() {
            "roster.ics" => *bytes = cal.roster.clone(),
            "report.html" => *bytes = with_replan_section(bytes, &report),
            _ => {}
        }
    }
    files.push(("changes.csv".into(), changes_csv(&changes)?));
    files.push(("replan.json".into(), replan_json(&report)?));
    write_files(&args.out.join("calendars"), &calendars)?;
    write_files(&args.out, &files)?;
    if !args.quiet {
        let c = &report.changes;
        println!(
            "re-planned version {} from {} as version {version} of {}",
            latest.version,
            report.from,
            path.display()
        );
        println!("solver:   {}", solved.info.stop_reason);
        let kinds: Vec<String> = c.counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!(
            "changes:  {} changed shifts{} ({}); breaks moved {}, overtime {:.1} h, reserve shifts {}, days off worked {}; cost {:.1}",
            c.changed_shifts,
            fresh
                .map(|f| format!(", a fresh plan of the remaining days {f}"))
                .unwrap_or_default(),
            kinds.join(", "),
            c.breaks_moved,
            c.overtime_hours,
            c.reserve_shifts,
            c.days_off_worked,
            c.cost
        );
        for (q, r) in &report.actual_ratio {
            println!("actuals:  {q} ran at {r:.2} × the forecast so far");
        }
        println!(
            "{:<10} {:>8} {:>13} {:>16} {:>11}",
            "queue", "target", "as published", "less the absent", "re-planned"
        );
        for q in &report.service_level {
            println!(
                "{:<10} {:>7.1}% {:>12.1}% {:>15.1}% {:>10.1}%",
                q.queue,
                q.target * 100.0,
                q.published * 100.0,
                q.without_absent * 100.0,
                q.replanned * 100.0
            );
        }
        for line in &report.shortfall {
            println!("shortfall: {line}");
        }
        println!(
            "wrote {} files and {} calendars to {}",
            files.len(),
            calendars.len(),
            args.out.display()
        );
    }
    Ok(if report.shortfall.is_empty() {
        super::EXIT_OK
    } else {
        super::EXIT_FINDINGS
    })
}

/// Checks `rota replan --site NAME`: the scenario has that site (else an
/// error naming it and listing the sites there are), and the shifts of
/// `version` stand at the sites the scenario puts their agents at (the
/// store's site of each shift row), so that the other sites' shifts can be
/// kept as they are.
fn one_site(
    sc: &rota::scenario::Scenario,
    store: &Store,
    version: i64,
    published: &rota::roster::Roster,
    site: &str,
) -> anyhow::Result<()> {
    let names: Vec<&str> = sc.sites.iter().map(|s| s.name.as_str()).collect();
    anyhow::ensure!(
        names.contains(&site),
        "--site {}: the scenario has no site of that name; its sites: {}",
        rota::limits::excerpt(site),
        names.join(", ")
    );
    // The agent ids of the shift rows are as the CSV writes them
    // (spreadsheet-safe), like the roster's once written again.
    let stored: std::collections::BTreeMap<(String, String), Option<String>> = store
        .shift_rows_sites(version)?
        .into_iter()
        .map(|(id, date, at)| ((id, date), at))
        .collect();
    for s in &published.shifts {
        let Some(agent) = sc.agents.iter().find(|a| a.id == s.agent_id) else {
            continue;
        };
        let theirs = &sc.site_of(agent).name;
        let row = rota::roster::read::CsvRow::from_shift(s, published.timezone);
        let at = stored
            .get(&(row.agent_id, row.date))
            .cloned()
            .flatten()
            .unwrap_or_default();
        anyhow::ensure!(
            (at == site) == (theirs == site),
            "{}: version {version} has {}'s shift of {} at site {at}, but the scenario puts the agent at site {theirs}: re-plan every site (no --site)",
            store.path().display(),
            s.agent_id,
            s.date
        );
    }
    Ok(())
}

/// The calendars of a new version of the store: `roster.ics` of the whole
/// roster, and one per affected agent (with a `-cancel.ics` for the
/// shifts it no longer works), each event's `SEQUENCE` raised by the
/// changes along every version of the week, so calendars update in place.
pub(super) struct Calendars {
    pub roster: Vec<u8>,
    pub agents: Vec<(String, Vec<u8>)>,
}

pub(super) fn calendars(
    store: &Store,
    sc: &rota::scenario::Scenario,
    first_date: &str,
    roster: &rota::roster::Roster,
    changes: &[rota::replan::Change],
    generated_at: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Calendars> {
    // SEQUENCE from every version of this week in the store.
    let mut chain = Vec::new();
    for v in store.versions()? {
        if v.site == sc.site.name && v.first_date == first_date {
            let abs = match &v.replan {
                Some(j) => serde_json::from_str::<Facts>(j)?.absences,
                None => Vec::new(),
            };
            chain.push((store.roster(v.version)?, abs));
        }
    }
    let sequence = sequences(&chain);
    let cancelled: Vec<rota::roster::Shift> = changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::Cancelled | ChangeKind::Absent))
        .filter_map(|c| c.before.clone())
        .collect();
    let site = slug(&sc.site.name);
    let opts = IcsOptions {
        site_slug: &site,
        calendar_name: &format!("{} roster", sc.site.name),
        dtstamp: generated_at,
        break_events: false,
    };
    let publish = |roster: &rota::roster::Roster,
                   cancelled: &[rota::roster::Shift],
                   name: &str,
                   method: &str| {
        roster_update_to_ics(
            roster,
            &IcsOptions {
                calendar_name: name,
                ..opts
            },
            &CalendarUpdate {
                sequence: &sequence,
                cancelled,
                method,
            },
        )
        .into_bytes()
    };
    let affected: std::collections::BTreeSet<&str> =
        changes.iter().map(|c| c.agent_id.as_str()).collect();
    let mut agents: Vec<(String, Vec<u8>)> = Vec::new();
    let by_agent = per_agent(roster);
    for id in &affected {
        let mine: Vec<rota::roster::Shift> = cancelled
            .iter()
            .filter(|s| s.agent_id == *id)
            .cloned()
            .collect();
        let roster = by_agent
            .iter()
            .find(|(a, _)| a == id)
            .map(|(_, r)| r.clone())
            .unwrap_or(rota::roster::Roster {
                site_name: sc.site.name.clone(),
                timezone: sc.site.timezone,
                shifts: Vec::new(),
            });
        let name = format!("{id} shifts");
        agents.push((
            format!("{}.ics", slug(id)),
            publish(&roster, &mine, &name, "PUBLISH"),
        ));
        if !mine.is_empty() {
            let empty = rota::roster::Roster {
                shifts: Vec::new(),
                ..roster.clone()
            };
            agents.push((
                format!("{}-cancel.ics", slug(id)),
                publish(&empty, &mine, &name, "CANCEL"),
            ));
        }
    }
    Ok(Calendars {
        roster: publish(
            roster,
            &cancelled,
            &format!("{} roster", sc.site.name),
            "PUBLISH",
        ),
        agents,
    })
}
