//! `rota publish`, `rota versions`, `rota diff`: the store of published rosters.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rota::replan::{changes_csv, diff, Change, Facts};
use rota::roster::read::read_roster_for;
use rota::roster::validate::validate;
use rota::store::{default_path, Access, Guard, Kind, NewVersion, Store, VersionRef};

#[derive(clap::Args)]
pub struct PublishArgs {
    /// The scenario whose rules the roster must meet.
    scenario: PathBuf,
    /// The roster CSV to publish (as written by `rota plan`, possibly edited by hand).
    roster: PathBuf,
    /// Who publishes it (default: USER, else LOGNAME, else the name of the system account rota runs as).
    #[arg(long)]
    by: Option<String>,
    /// A note kept with the version.
    #[arg(long, default_value = "")]
    note: String,
    /// The store (default: rota.db beside the scenario).
    #[arg(long)]
    store: Option<PathBuf>,
    /// The version this roster was made from (e.g. an edit of its roster.csv): warn when newer versions were published since, whose changes it would undo.
    #[arg(long, value_name = "N")]
    from_version: Option<i64>,
    /// Let the store file's group read it (mode 0640) instead of its owner only (0600); kept for later publishes.
    #[arg(long)]
    store_group: bool,
}

#[derive(clap::Args)]
pub struct VersionsArgs {
    /// A scenario: its store is rota.db beside it (else --store, else ./rota.db).
    scenario: Option<PathBuf>,
    #[arg(long)]
    store: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// A head hash printed by an earlier `rota versions` and kept elsewhere: exit 1 unless a version still carries it.
    #[arg(long, value_name = "SHA256")]
    kept_head: Option<String>,
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

/// Who publishes: `--by`, else the USER or LOGNAME environment variable,
/// else the name of the system account rota runs as (services and
/// containers often set neither variable), else `uid N`.
pub(crate) fn publisher(by: &Option<String>) -> String {
    let given = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    given(by.clone())
        .or_else(|| given(std::env::var("USER").ok()))
        .or_else(|| given(std::env::var("LOGNAME").ok()))
        .unwrap_or_else(account_name)
}

/// The name of the effective user's account (`getpwuid_r`), else `uid N`.
#[cfg(unix)]
fn account_name() -> String {
    // SAFETY: geteuid cannot fail; getpwuid_r writes only into `pwd` and
    // `buf`, which outlive the call, and `pw_name` points into `buf` when
    // `result` is not null.
    unsafe {
        let uid = libc::geteuid();
        let mut buf: Vec<libc::c_char> = vec![0; 1024];
        loop {
            let mut pwd: libc::passwd = std::mem::zeroed();
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
            if rc == libc::ERANGE && buf.len() < 1 << 20 {
                buf.resize(buf.len() * 2, 0);
                continue;
            }
            if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
                let name = std::ffi::CStr::from_ptr(pwd.pw_name).to_string_lossy();
                if !name.trim().is_empty() {
                    return name.into_owned();
                }
            }
            return format!("uid {uid}");
        }
    }
}

#[cfg(not(unix))]
fn account_name() -> String {
    "unknown".into()
}

/// `version 2 (replan by duty planner at 2026-11-11T06:03:00Z)`.
pub(crate) fn describe(v: &VersionRef) -> String {
    format!(
        "version {} ({} by {} at {})",
        v.version,
        v.kind.as_str(),
        v.published_by,
        v.published_at
    )
}

/// Warns on standard error when the store file can be read by more people
/// than it asks for.
pub(crate) fn warn_exposure(store: &Store) -> anyhow::Result<()> {
    if let Some(x) = store.exposure()? {
        let path = store.path().display();
        eprintln!(
            "warning: {path}: {} (mode {:04o}), though the store is meant to be {}: it holds every agent's schedule; run `chmod {:o} {path}`{}",
            x.who(),
            x.mode,
            x.access.describe(),
            x.access.mode(),
            if x.access == Access::Owner {
                " (or publish with --store-group to share it with the file's group)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

pub fn publish(args: PublishArgs) -> anyhow::Result<i32> {
    let loaded = rota::whatif::load_scenario(&args.scenario)?;
    let sc = &loaded.scenario;
    let roster = read_roster_for(&args.roster, sc)?;
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
    let access = if args.store_group {
        Access::Group
    } else {
        Access::Owner
    };
    let mut store = Store::open_with(&path, Some(access))?;
    let by = publisher(&args.by);
    if args.store_group && store.set_access(Access::Group, &by)? {
        eprintln!(
            "{}: now {} (mode {:04o})",
            path.display(),
            Access::Group.describe(),
            Access::Group.mode()
        );
    }
    warn_exposure(&store)?;
    if let Some(n) = args.from_version {
        store.version(n)?;
    }
    let stored = store.append(
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
            guard: Guard::None,
        },
        &roster,
    )?;
    println!(
        "published {} as version {} of {} ({} shifts, by {by})",
        args.roster.display(),
        stored.version,
        path.display(),
        roster.shifts.len()
    );
    match &stored.replaced {
        Some(r) => println!("replaces {} as the latest version", describe(r)),
        None => println!("the first version in the store"),
    }
    if let (Some(from), Some(r)) = (args.from_version, &stored.replaced) {
        if r.version != from {
            let since = if r.version == from + 1 {
                format!("version {} was", r.version)
            } else {
                format!("versions {} to {} were", from + 1, r.version)
            };
            eprintln!(
                "warning: the roster came from version {from}, but {since} published since: this publish replaces {}, and what they changed is not in it unless the roster has it",
                describe(r)
            );
        }
    }
    println!(
        "head:     {} (version {}; keep it elsewhere: rota versions --kept-head HASH checks the store against it)",
        stored.chain_sha256, stored.version
    );
    Ok(super::EXIT_OK)
}

pub fn versions(args: VersionsArgs) -> anyhow::Result<i32> {
    let path = store_path(&args.store, args.scenario.as_deref());
    let store = Store::open(&path, false)?;
    warn_exposure(&store)?;
    let versions = store.versions()?;
    let mut problems = store.check()?;
    if let Some(kept) = &args.kept_head {
        problems.extend(store.check_kept_head(kept)?);
    }
    let head = store.head()?;
    let audit = store.audit()?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "store": path.display().to_string(),
                "schema_version": store.schema_version()?,
                "access": store.access()?,
                "mode": store.mode()?.map(|m| format!("{m:04o}")),
                "versions": versions,
                "head": head.as_ref().map(|(v, h)| serde_json::json!({"version": v, "chain_sha256": h})),
                "audit": audit,
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
                    v.scenario_sha256.get(..10).unwrap_or(&v.scenario_sha256),
                    match v.forced_over {
                        Some(f) => format!("{} [stored by --force over version {f}]", v.note),
                        None => v.note.clone(),
                    }
                );
            }
            for a in &audit {
                println!(
                    "audit:   {} {} by {}{}: {}",
                    a.at,
                    a.event,
                    a.by,
                    a.version
                        .map(|v| format!(", version {v}"))
                        .unwrap_or_default(),
                    a.detail
                );
            }
            if let Some((v, h)) = &head {
                println!(
                    "head:    {h} (version {v}; keep it elsewhere: rota versions --kept-head HASH checks the store against it)"
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
