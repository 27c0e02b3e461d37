//! `rota request` (add, import, list, review, approve, deny) and `rota
//! swap`: the agents' requests, decided against coverage and recorded in
//! the store (`docs/requests.md`).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use rota::plan::Inputs;
use rota::replan::{chain_allowances, changes_csv, Facts};
use rota::request::{read_csv, read_fields, Context, Fields, Recommendation, Review};
use rota::roster::validate::validate_with;
use rota::store::{Decision, DecisionKind, Guard, Kind, NewVersion, Status, Store, StoredRequest};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: RequestCommand,
}

#[derive(clap::Args)]
pub struct Where {
    /// The scenario (YAML) the requests are for.
    scenario: PathBuf,
    /// The store (default: rota.db beside the scenario).
    #[arg(long)]
    store: Option<PathBuf>,
    /// Who files or decides (default: USER, else LOGNAME, else the name of the system account rota runs as).
    #[arg(long)]
    by: Option<String>,
}

#[derive(Subcommand)]
enum RequestCommand {
    /// File a request as pending: time off, a swap, or a wish for the next plan.
    Add {
        #[command(flatten)]
        at: Where,
        /// The agent who asks.
        #[arg(long)]
        agent: String,
        /// off, swap or wish.
        #[arg(long)]
        kind: String,
        /// Time off: from (YYYY-MM-DD, or "YYYY-MM-DD HH:MM" for part of a day); a swap: the agent's date; a wish: its first date.
        #[arg(long)]
        from: String,
        /// Time off: until (a bare date is the end of that day; default: the end of FROM's day); a swap: the other agent's date (default: the same); a wish: its last date.
        #[arg(long, default_value = "")]
        until: String,
        /// A swap: the other agent.
        #[arg(long = "with", default_value = "")]
        with: String,
        /// A wish: off, "start_after HH:MM", "start_before HH:MM" or "end_before HH:MM".
        #[arg(long, default_value = "")]
        wish: String,
        /// Why, in the agent's words.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// File every request of a CSV from HR (docs/requests.md), all or none.
    Import {
        #[command(flatten)]
        at: Where,
        /// The CSV file.
        file: PathBuf,
    },
    /// List the requests, optionally of one status.
    List {
        #[command(flatten)]
        at: Where,
        /// pending, approved or denied.
        #[arg(long)]
        status: Option<String>,
        /// text or json.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Review the pending requests (or those given) against the latest version: approve, repair or deny, with the cost.
    Review {
        #[command(flatten)]
        at: Where,
        /// Request ids (default: every pending request).
        ids: Vec<i64>,
        /// text or json.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Approve a request: publish a new version with the change (and its repair).
    Approve {
        #[command(flatten)]
        at: Where,
        id: i64,
        /// Why (kept with the decision).
        #[arg(long, default_value = "")]
        reason: String,
        /// Write the changed agents' calendars and changes.csv into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Deny a request, with the reason (recorded in the audit; no version).
    Deny {
        #[command(flatten)]
        at: Where,
        id: i64,
        #[arg(long)]
        reason: String,
    },
}

#[derive(clap::Args)]
pub struct SwapArgs {
    #[command(flatten)]
    at: Where,
    /// The agent who gives away the shift of DATE.
    agent: String,
    /// The agent who takes it (and gives away its shift of OTHER_DATE).
    other: String,
    date: String,
    /// The other agent's date (default: DATE: the two trade that day's shifts).
    other_date: Option<String>,
    #[arg(long, default_value = "")]
    note: String,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    match args.command {
        RequestCommand::Add {
            at,
            agent,
            kind,
            from,
            until,
            with,
            wish,
            note,
        } => add(
            &at,
            &Fields {
                agent_id: agent,
                kind,
                from,
                until,
                other_agent: with,
                wish,
                note,
            },
        ),
        RequestCommand::Import { at, file } => import(&at, &file),
        RequestCommand::List { at, status, format } => list(&at, status.as_deref(), &format),
        RequestCommand::Review { at, ids, format } => review(&at, &ids, &format),
        RequestCommand::Approve {
            at,
            id,
            reason,
            out,
        } => approve(&at, id, &reason, out.as_deref()),
        RequestCommand::Deny { at, id, reason } => deny(&at, id, &reason),
    }
}

fn open(at: &Where) -> anyhow::Result<Store> {
    let path = super::store::store_path(&at.store, Some(&at.scenario));
    Ok(Store::open(&path, false)?)
}

fn add(at: &Where, f: &Fields) -> anyhow::Result<i32> {
    let loaded = rota::whatif::load_scenario(&at.scenario)?;
    let r = read_fields(&loaded.scenario, f, "command")
        .map_err(|(field, m)| anyhow::anyhow!("--{}: {m}", field.replace('_', "-")))?;
    let mut store = open(at)?;
    let ids = store.file_requests(&[r], &super::store::publisher(&at.by))?;
    println!(
        "request {} filed as pending in {}",
        ids[0],
        store.path().display()
    );
    Ok(super::EXIT_OK)
}

fn import(at: &Where, file: &Path) -> anyhow::Result<i32> {
    let loaded = rota::whatif::load_scenario(&at.scenario)?;
    let requests = read_csv(&loaded.scenario, file)?;
    let mut store = open(at)?;
    let ids = store.file_requests(&requests, &super::store::publisher(&at.by))?;
    println!(
        "{} requests filed as pending in {} (ids {} to {})",
        ids.len(),
        store.path().display(),
        ids[0],
        ids[ids.len() - 1]
    );
    Ok(super::EXIT_OK)
}

/// A request in words, for the lists.
fn describe(r: &StoredRequest) -> String {
    let q = &r.request;
    let o = |s: &Option<String>| s.clone().unwrap_or_default();
    let what = match q.kind.map(|k| k.as_str()) {
        Some("swap") => format!(
            "swap with {}: {} ↔ {}",
            o(&q.other_agent),
            o(&q.date),
            o(&q.other_date)
        ),
        Some("wish") => format!("wish {} from {} to {}", o(&q.wish), o(&q.from), o(&q.until)),
        _ => format!("off from {} until {}", o(&q.from), o(&q.until)),
    };
    let note = if q.note.is_empty() {
        String::new()
    } else {
        format!(" \u{201c}{}\u{201d}", q.note)
    };
    format!("{} {what}{note}", q.agent_id)
}

fn list(at: &Where, status: Option<&str>, format: &str) -> anyhow::Result<i32> {
    let store = open(at)?;
    if let Some(s) = status {
        anyhow::ensure!(
            ["pending", "approved", "denied"].contains(&s),
            "--status {s}: expected pending, approved or denied"
        );
    }
    let all: Vec<StoredRequest> = store
        .requests()?
        .into_iter()
        .filter(|r| status.is_none_or(|s| r.status.as_str() == s))
        .collect();
    if format == "json" {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(super::EXIT_OK);
    }
    for r in &all {
        let decided = match &r.decision {
            Some(d) => format!(
                " by {} at {}{}: {}",
                d.by,
                d.at,
                d.version
                    .map_or(String::new(), |v| format!(" (version {v})")),
                d.reason
            ),
            None => String::new(),
        };
        println!(
            "{:>4}  {:<8} {}{decided}",
            r.id,
            r.status.as_str(),
            describe(r)
        );
    }
    if all.is_empty() {
        println!("no requests");
    }
    Ok(super::EXIT_OK)
}

/// The scenario, requirements, latest version and its roster and allowances.
struct Loaded {
    inputs: Inputs,
    reqs: Vec<rota::staffing::QueueRequirements>,
    store: Store,
    latest: rota::store::Version,
    published: rota::roster::Roster,
    carried: rota::roster::absence::Allowances,
}

fn load(at: &Where) -> anyhow::Result<Loaded> {
    let inputs = Inputs::load(&at.scenario, None)?;
    let store = open(at)?;
    let sc = inputs.scenario();
    let latest = store
        .latest()?
        .with_context(|| format!("{}: no version to review against", store.path().display()))?;
    anyhow::ensure!(
        latest.first_date == sc.planning.week_start.to_string() && latest.site == sc.site.name,
        "{}: the latest version (version {}) is of {} from {}, not of {} from {}",
        store.path().display(),
        latest.version,
        latest.site,
        latest.first_date,
        sc.site.name,
        sc.planning.week_start
    );
    let forecast = inputs.forecast()?;
    let reqs = inputs.requirements(&forecast);
    let published = store.roster(latest.version)?;
    let (carried, _) = chain_allowances(&store, latest.version)?;
    Ok(Loaded {
        inputs,
        reqs,
        store,
        latest,
        published,
        carried,
    })
}

impl Loaded {
    fn context(&self) -> Context<'_> {
        Context::new(
            self.inputs.scenario(),
            &self.inputs.horizon,
            &self.reqs,
            &self.published,
            &self.carried,
        )
    }
}

fn recommendation(r: &Recommendation) -> String {
    match r {
        Recommendation::Approve => "approve".into(),
        Recommendation::Repair(how) => format!("approve with a repair: {how}"),
        Recommendation::Deny(why) => format!("deny: {why}"),
        Recommendation::NextPlan(why) => format!("approve for the next plan: {why}"),
    }
}

fn print_review(v: &Review, header: bool) {
    if header {
        println!("request {}: {}", v.request, v.asks);
    }
    if let Some(why) = &v.as_asked {
        println!("  as asked:  {why}");
    }
    println!("  recommend: {}", recommendation(&v.recommendation));
    if v.roster.is_some() {
        let c = &v.cost;
        let kinds: Vec<String> = c.counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!(
            "  cost:      {:.1} ({}{}); paid hours {:+.1}",
            c.cost,
            if kinds.is_empty() {
                "no change".to_string()
            } else {
                kinds.join(", ")
            },
            if c.days_off_worked + c.reserve_shifts > 0 {
                format!(
                    "; days off worked {}, reserve shifts {}",
                    c.days_off_worked, c.reserve_shifts
                )
            } else {
                String::new()
            },
            v.paid_hours_change
        );
        let fair: Vec<String> = v
            .fairness
            .iter()
            .map(|f| {
                format!(
                    "{} weekend days {}→{}, late shifts {}→{}",
                    f.agent_id,
                    f.weekend_days.0,
                    f.weekend_days.1,
                    f.late_shifts.0,
                    f.late_shifts.1
                )
            })
            .collect();
        println!(
            "  fairness:  {}",
            if fair.is_empty() {
                "no change".to_string()
            } else {
                fair.join("; ")
            }
        );
    }
}

fn review(at: &Where, ids: &[i64], format: &str) -> anyhow::Result<i32> {
    let l = load(at)?;
    let all = l.store.requests()?;
    let chosen: Vec<&StoredRequest> = if ids.is_empty() {
        all.iter().filter(|r| r.status == Status::Pending).collect()
    } else {
        ids.iter()
            .map(|id| {
                all.iter()
                    .find(|r| r.id == *id)
                    .with_context(|| format!("no request {id}"))
            })
            .collect::<anyhow::Result<_>>()?
    };
    if format != "json" {
        println!(
            "reviewing {} requests against version {} of {} ({} by {} at {})",
            chosen.len(),
            l.latest.version,
            l.store.path().display(),
            l.latest.kind.as_str(),
            l.latest.published_by,
            l.latest.published_at
        );
    }
    // Each request on its own against the same version: in parallel, each
    // thread with a context (and caches) of its own; printed in order.
    use rayon::prelude::*;
    let (sc, horizon, reqs, published, carried) = (
        l.inputs.scenario(),
        &l.inputs.horizon,
        &l.reqs[..],
        &l.published,
        &l.carried,
    );
    let chunk = chosen.len().div_ceil(rayon::current_num_threads()).max(1);
    let reviews: Vec<Review> = chosen
        .par_chunks(chunk)
        .map(|part| {
            let ctx = Context::new(sc, horizon, reqs, published, carried);
            part.iter()
                .map(|r| ctx.review(r.id, &r.request))
                .collect::<rota::Result<Vec<_>>>()
        })
        .collect::<rota::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    if format != "json" {
        for v in &reviews {
            print_review(v, true);
        }
    }
    if format == "json" {
        println!("{}", serde_json::to_string_pretty(&reviews)?);
    }
    Ok(super::EXIT_OK)
}

fn approve(at: &Where, id: i64, reason: &str, out: Option<&Path>) -> anyhow::Result<i32> {
    let mut l = load(at)?;
    let r = l.store.request(id)?;
    if let Some(d) = &r.decision {
        anyhow::bail!(
            "{}: request {id} was {} by {} at {}; a decision is final",
            l.store.path().display(),
            d.decision.as_str(),
            d.by,
            d.at
        );
    }
    let v = l.context().review(id, &r.request)?;
    let by = super::store::publisher(&at.by);
    let now = chrono::Utc::now();
    let reason_or = |default: String| {
        if reason.is_empty() {
            default
        } else {
            reason.to_string()
        }
    };
    let (why, roster) = match (&v.recommendation, v.roster.clone()) {
        (Recommendation::Deny(why), _) => {
            eprintln!(
                "error: request {id} ({}) cannot be approved against version {}: {why}; nothing stored (deny it, or re-plan)",
                v.asks, l.latest.version
            );
            return Ok(super::EXIT_FINDINGS);
        }
        (Recommendation::NextPlan(why), _) => {
            l.store.decide(&Decision {
                request: id,
                at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                by: by.clone(),
                decision: DecisionKind::Approved,
                reason: reason_or(why.clone()),
                version: None,
            })?;
            println!(
                "request {id} approved for the next plan ({}); no version published",
                v.asks
            );
            return Ok(super::EXIT_OK);
        }
        (Recommendation::Approve, Some(ro)) => (reason_or("coverage allows it".into()), ro),
        (Recommendation::Repair(how), Some(ro)) => (reason_or(format!("repaired: {how}")), ro),
        (_, None) => {
            anyhow::bail!("internal error: request {id}: a recommendation without a roster")
        }
    };
    let sc = l.inputs.scenario();
    let allowances = l.context().allowances(&v.absences, false);
    // The whole roster, by the validator, before anything is stored.
    let violations = validate_with(sc, &roster, &allowances);
    if !violations.is_empty() {
        super::print_violations("violation: ", &violations);
        eprintln!(
            "error: the roster with request {id} breaks {} rules (a bug in rota: please report it); nothing stored",
            violations.len()
        );
        return Ok(super::EXIT_FINDINGS);
    }
    let from = v
        .changes
        .iter()
        .flat_map(|c| c.before.iter().chain(c.after.iter()).map(|s| s.start))
        .chain(v.absences.iter().map(|a| a.from))
        .min()
        .unwrap_or(l.inputs.horizon.intervals[0].start);
    let facts = Facts {
        parent: l.latest.version,
        from,
        absences: l.carried.union(&allowances).absences,
        actual_ratio: Default::default(),
        overtime: None,
        request: Some(id),
        site: None,
    };
    let note = format!("request {id} approved: {}", v.asks);
    let stored = l.store.append_deciding(
        &NewVersion {
            published_at: now,
            published_by: &by,
            note: &note,
            kind: Kind::Replan,
            parent: Some(l.latest.version),
            scenario_file: &at.scenario,
            history_file: &l.inputs.loaded.history_path,
            first_date: sc.planning.week_start,
            days: sc.planning.days,
            replan: Some(serde_json::to_string(&facts)?),
            guard: Guard::Latest(Some(l.latest.version)),
        },
        &roster,
        Some(&Decision {
            request: id,
            at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            by: by.clone(),
            decision: DecisionKind::Approved,
            reason: why.clone(),
            version: None,
        }),
    );
    let stored = match stored {
        Ok(s) => s,
        Err(e @ rota::Error::Conflict { .. }) => {
            eprintln!("error: {e}: review the request again against the latest version");
            return Ok(super::EXIT_CONFLICT);
        }
        Err(e) => return Err(e.into()),
    };
    println!(
        "request {id} approved ({}) as version {} of {}, by {by}: {why}",
        v.asks,
        stored.version,
        l.store.path().display()
    );
    if let Some(out) = out {
        let cal = super::replan::calendars(
            &l.store,
            sc,
            &l.latest.first_date,
            &roster,
            &v.changes,
            super::plan::generated_at(),
        )?;
        rota::export::write_files(&out.join("calendars"), &cal.agents)?;
        rota::export::write_files(
            out,
            &[
                ("changes.csv".into(), changes_csv(&v.changes)?),
                ("roster.ics".into(), cal.roster),
                (
                    "roster.csv".into(),
                    rota::roster::read::roster_csv(&roster)?,
                ),
            ],
        )?;
        println!(
            "wrote changes.csv, roster.csv, roster.ics and {} calendars to {}",
            cal.agents.len(),
            out.display()
        );
    }
    Ok(super::EXIT_OK)
}

fn deny(at: &Where, id: i64, reason: &str) -> anyhow::Result<i32> {
    anyhow::ensure!(!reason.trim().is_empty(), "--reason: a denial says why");
    let mut store = open(at)?;
    let r = store.request(id)?;
    let by = super::store::publisher(&at.by);
    store.decide(&Decision {
        request: id,
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        by: by.clone(),
        decision: DecisionKind::Denied,
        reason: reason.to_string(),
        version: None,
    })?;
    println!(
        "request {id} ({}) denied by {by}: {reason}; recorded in the audit, no version published",
        describe(&r)
    );
    Ok(super::EXIT_OK)
}

/// `rota swap`: reviews a swap of two agents' shifts against the latest
/// version; files it as pending when coverage and both agents' rules allow
/// it, refuses with the rule that breaks (exit 1, nothing filed) otherwise.
pub fn swap(args: SwapArgs) -> anyhow::Result<i32> {
    let l = load(&args.at)?;
    let sc = l.inputs.scenario();
    let f = Fields {
        agent_id: args.agent,
        kind: "swap".into(),
        from: args.date,
        until: args.other_date.unwrap_or_default(),
        other_agent: args.other,
        wish: String::new(),
        note: args.note,
    };
    let r = read_fields(sc, &f, "command").map_err(|(field, m)| anyhow::anyhow!("{field}: {m}"))?;
    let v = l.context().review(0, &r)?;
    println!("swap: {}", v.asks);
    if let Recommendation::Deny(why) = &v.recommendation {
        println!("refused: {why}; nothing filed");
        return Ok(super::EXIT_FINDINGS);
    }
    print_review(&v, false);
    let mut store = l.store;
    let ids = store.file_requests(&[r], &super::store::publisher(&args.at.by))?;
    println!(
        "filed as request {} (pending): approve it with rota request approve {} {}",
        ids[0],
        args.at.scenario.display(),
        ids[0]
    );
    Ok(super::EXIT_OK)
}
