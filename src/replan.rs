//! Re-planning a published roster mid-week (`rota replan`, `docs/replan.md`):
//! the facts a re-plan takes as given (absences, the instant from which it
//! re-plans), the intraday re-forecast from actuals, the changes between two
//! rosters and what they cost. The optimisation itself is
//! `solve::replan`; the store of published versions is `store`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::forecast::Forecast;
use crate::history::History;
use crate::horizon::{local_midnight, Horizon};
use crate::report::Evaluation;
use crate::roster::model::{Roster, Shift};
use crate::scenario::{Remedy, Scenario};
use crate::staffing::QueueRequirements;
use crate::store::{Kind, Store};

use crate::roster::absence::{overtime_at, parse_local, zoned, Absence, Allowances};

/// What a re-plan took as given, stored with its version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Facts {
    /// The version re-planned.
    pub parent: i64,
    /// Everything before this instant was worked as published.
    #[serde(with = "zoned")]
    pub from: DateTime<Tz>,
    pub absences: Vec<Absence>,
    /// The re-forecast's ratio of actual to forecast volume, per queue (with `--actuals`).
    pub actual_ratio: BTreeMap<String, f64>,
    /// Overtime rules in force (when the scenario allows overtime).
    pub overtime: Option<crate::scenario::Overtime>,
    /// The request whose approval this version applies (`rota request
    /// approve`), none for a re-plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<i64>,
    /// The one site re-planned (`rota replan --site`), the other sites'
    /// shifts kept as they were; none when every site was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

impl Facts {
    /// What the validator allows a roster re-planned with these facts
    /// alone (without the re-plans before it: [`chain_allowances`]).
    pub fn allowances(&self) -> Allowances {
        Allowances {
            absences: self.absences.clone(),
            overtime: self.overtime.clone(),
        }
    }
}

/// The allowances of a version of the store: the union of the facts of
/// every re-plan from it back to the last publish (following `parent`),
/// and the versions whose facts they hold, newest first. A published
/// version allows nothing beyond the scenario's rules. The facts are part
/// of each version's hashed content, so the allowances are as
/// tamper-evident as the rosters (`rota versions` checks them).
pub fn chain_allowances(store: &Store, version: i64) -> Result<(Allowances, Vec<i64>)> {
    let mut allow = Allowances::default();
    let mut chain = Vec::new();
    let mut v = store.version(version)?;
    while v.kind == Kind::Replan {
        let bad = |m: String| Error::Store {
            path: store.path().to_path_buf(),
            message: format!("version {}: its re-plan facts {m}", v.version),
        };
        let text = v
            .replan
            .as_deref()
            .ok_or_else(|| bad("are missing".into()))?;
        let facts: Facts =
            serde_json::from_str(text).map_err(|e| bad(format!("cannot be read: {e}")))?;
        allow = allow.union(&facts.allowances());
        chain.push(v.version);
        match v.parent {
            Some(p) if p < v.version => v = store.version(p)?,
            _ => break,
        }
    }
    Ok((allow, chain))
}

/// The allowances a re-plan wrote to its `replan.json` (its `allowances`
/// field), for `rota validate --allowances`.
pub fn read_allowances(path: &Path) -> Result<Allowances> {
    let text =
        crate::limits::read_text_within(path, crate::limits::MAX_ROSTER_BYTES, "replan.json")?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::input(path, Some(e.line()), None, format!("not JSON: {e}")))?;
    let field = value.get("allowances").ok_or_else(|| {
        Error::input(
            path,
            None,
            Some("allowances"),
            "missing: not the replan.json of a re-plan by this rota (earlier ones did not write it; use --version N of the store instead)",
        )
    })?;
    serde_json::from_value(field.clone())
        .map_err(|e| Error::input(path, None, Some("allowances"), e.to_string()))
}

/// What a re-plan is asked, to tell whether anything is new
/// ([`nothing_new`]).
#[derive(Debug, Clone)]
pub struct Asked<'a> {
    /// The absences given on this re-plan's command line.
    pub absences: &'a [Absence],
    /// The re-forecast's ratios (empty without actuals).
    pub actual_ratio: &'a BTreeMap<String, f64>,
    pub from: DateTime<Tz>,
    /// SHA-256 of the scenario and history files now.
    pub scenario_sha256: &'a str,
    pub history_sha256: &'a str,
}

/// Whether a re-plan of version `parent` asks nothing its roster did not
/// take as given: the same scenario and history files, every absence
/// asked inside one the version already allows (`carried`, along its
/// chain), and no actuals, or actuals that give the ratios the version
/// re-forecast with from the same instant. Such a re-plan returns the
/// version unchanged: there is nothing to mend.
pub fn nothing_new(parent: &crate::store::Version, carried: &Allowances, asked: &Asked) -> bool {
    if parent.scenario_sha256 != asked.scenario_sha256
        || parent.history_sha256 != asked.history_sha256
    {
        return false;
    }
    let known = |a: &Absence| {
        carried
            .absences
            .iter()
            .any(|b| b.agent_id == a.agent_id && b.from <= a.from && a.until <= b.until)
    };
    if !asked.absences.iter().all(known) {
        return false;
    }
    if asked.actual_ratio.is_empty() {
        return true;
    }
    let facts: Option<Facts> = parent
        .replan
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok());
    facts.is_some_and(|f| {
        f.from == asked.from
            && f.actual_ratio.len() == asked.actual_ratio.len()
            && f.actual_ratio
                .iter()
                .zip(asked.actual_ratio)
                .all(|((q, r), (p, x))| q == p && (r - x).abs() < 1e-9)
    })
}

/// The intraday re-forecast: per queue, the ratio of the actual volume to
/// the forecast over the intervals of the day of `from` that ended by
/// `from` and have actuals (all earlier intervals of the plan when that day
/// has none); the forecast of every later interval is multiplied by
/// `1 + weight × decay^k × (ratio − 1)`, `k` the days after the day of
/// `from`. Returns the ratios, by queue.
pub fn reforecast(
    scenario: &Scenario,
    horizon: &Horizon,
    forecast: &mut Forecast,
    actuals: &History,
    from: DateTime<Tz>,
) -> BTreeMap<String, f64> {
    let rf = &scenario.replan.reforecast;
    let len = Duration::minutes(horizon.interval_minutes as i64);
    let today = from.date_naive();
    let mut ratios = BTreeMap::new();
    for qf in &mut forecast.queues {
        let mut actual = vec![None; horizon.intervals.len()];
        for r in actuals.records.iter().filter(|r| r.queue == qf.queue) {
            if let Some(t) = horizon
                .intervals
                .iter()
                .rposition(|iv| iv.start <= r.start)
                .filter(|&t| r.start < horizon.intervals[t].start + len)
            {
                *actual[t].get_or_insert(0.0) += r.offered;
            }
        }
        let done = |t: usize| horizon.intervals[t].start + len <= from && actual[t].is_some();
        let sums = |today_only: bool| {
            (0..horizon.intervals.len())
                .filter(|&t| done(t) && (!today_only || horizon.intervals[t].date == today))
                .fold((0.0, 0.0), |(a, f), t| {
                    (a + actual[t].unwrap_or(0.0), f + qf.volume[t])
                })
        };
        let (a, f) = match sums(true) {
            (_, f) if f > 0.0 => sums(true),
            _ => sums(false),
        };
        if f <= 0.0 {
            continue;
        }
        let ratio = a / f;
        ratios.insert(qf.queue.clone(), ratio);
        for (t, iv) in horizon.intervals.iter().enumerate() {
            if iv.start < from {
                continue;
            }
            let k = (iv.date - today).num_days().max(0) as i32;
            let m = (1.0 + rf.weight * rf.decay_per_day.powi(k) * (ratio - 1.0)).max(0.0);
            qf.volume[t] *= m;
            qf.volume_p10[t] *= m;
            qf.volume_p90[t] *= m;
        }
    }
    ratios
}

/// How an agent's day changed between two rosters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A shift on a day that had none.
    Added,
    /// A shift dropped (not for an absence).
    Cancelled,
    /// A shift dropped because an absence covers its start.
    Absent,
    /// The same start, ended earlier by an absence.
    Cut,
    /// The same start, a later end (overtime, or a longer shift).
    Extended,
    /// Another start or an earlier end.
    Moved,
    /// The same start and end, with breaks at other times.
    Breaks,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Cancelled => "cancelled",
            ChangeKind::Absent => "absent",
            ChangeKind::Cut => "cut",
            ChangeKind::Extended => "extended",
            ChangeKind::Moved => "moved",
            ChangeKind::Breaks => "breaks",
        }
    }
}

/// One agent-day that differs between two rosters.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub agent_id: String,
    pub agent_name: String,
    pub date: NaiveDate,
    pub kind: ChangeKind,
    pub before: Option<Shift>,
    pub after: Option<Shift>,
}

/// The changes from `before` to `after`, per agent and day (sorted): the
/// shift's start, end and breaks are compared (not the queues it lists).
/// `absences` tell a shift dropped or cut for an absence from one cancelled.
pub fn diff(before: &Roster, after: &Roster, absences: &[Absence]) -> Vec<Change> {
    let key = |s: &Shift| (s.agent_id.clone(), s.date);
    type Pair<'a> = (Option<&'a Shift>, Option<&'a Shift>);
    let mut days: BTreeMap<(String, NaiveDate), Pair> = BTreeMap::new();
    for s in &before.shifts {
        days.entry(key(s)).or_default().0.get_or_insert(s);
    }
    for s in &after.shifts {
        days.entry(key(s)).or_default().1.get_or_insert(s);
    }
    let absent = |s: &Shift| {
        absences
            .iter()
            .any(|a| a.agent_id == s.agent_id && a.from <= s.start && a.until > s.start)
    };
    let cut_at = |s: &Shift, end: DateTime<Tz>| {
        absences
            .iter()
            .any(|a| a.agent_id == s.agent_id && a.from == end)
    };
    let mut out = Vec::new();
    for ((agent_id, date), (b, a)) in days {
        let kind = match (b, a) {
            (None, None) => continue,
            (None, Some(_)) => ChangeKind::Added,
            (Some(b), None) if absent(b) => ChangeKind::Absent,
            (Some(_), None) => ChangeKind::Cancelled,
            (Some(b), Some(a)) => {
                if b.start == a.start && b.end == a.end {
                    if b.breaks == a.breaks {
                        continue;
                    }
                    ChangeKind::Breaks
                } else if b.start == a.start && a.end > b.end {
                    ChangeKind::Extended
                } else if b.start == a.start && cut_at(b, a.end) {
                    ChangeKind::Cut
                } else {
                    ChangeKind::Moved
                }
            }
        };
        let name = a.or(b).map(|s| s.agent_name.clone()).unwrap_or_default();
        out.push(Change {
            agent_id,
            agent_name: name,
            date,
            kind,
            before: b.cloned(),
            after: a.cloned(),
        });
    }
    out
}

/// `changes.csv` (`docs/outputs.md`): one row per changed agent-day.
pub fn changes_csv(changes: &[Change]) -> Result<Vec<u8>> {
    let fmt = |s: &Option<Shift>| -> [String; 3] {
        match s {
            None => Default::default(),
            Some(s) => [
                s.start.format("%Y-%m-%d %H:%M").to_string(),
                s.end.format("%Y-%m-%d %H:%M").to_string(),
                crate::roster::read::CsvRow::from_shift(s, s.start.timezone()).breaks,
            ],
        }
    };
    crate::csv_cell::csv_bytes(|w| {
        w.write_record([
            "agent_id",
            "agent_name",
            "date",
            "change",
            "before_start",
            "before_end",
            "before_breaks",
            "after_start",
            "after_end",
            "after_breaks",
        ])?;
        for c in changes {
            let mut rec = vec![
                c.agent_id.clone(),
                c.agent_name.clone(),
                c.date.to_string(),
                c.kind.name().to_string(),
            ];
            rec.extend(fmt(&c.before));
            rec.extend(fmt(&c.after));
            w.write_record(rec)?;
        }
        Ok(())
    })
}

/// What the changes of a re-plan cost, in objective units (the scenario's
/// `replan` weights; `docs/replan.md`), recomputed from the changes alone.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChangeCost {
    /// Changed agent-days by kind.
    pub counts: BTreeMap<&'static str, usize>,
    /// Changes the planner chose (every change but absences).
    pub changed_shifts: usize,
    pub breaks_moved: usize,
    pub overtime_hours: f64,
    pub reserve_shifts: usize,
    pub reserve_hours: f64,
    /// Shifts added on a day the agent had off (not reserve agents).
    pub days_off_worked: usize,
    /// Σ weights of the changes and the remedies used, and the overtime premium.
    pub cost: f64,
}

/// The cost of `changes` under the scenario's `replan` weights.
pub fn change_cost(scenario: &Scenario, changes: &[Change]) -> ChangeCost {
    let rp = &scenario.replan;
    let remedy = |r: Remedy| rp.remedy_cost(r).unwrap_or(0.0);
    let rate = |id: &str| {
        scenario
            .agents
            .iter()
            .find(|a| a.id == id)
            .map_or(1.0, |a| a.hourly_cost)
            * scenario.weights.paid_hour
    };
    let reserve = |id: &str| scenario.agents.iter().any(|a| a.id == id && a.reserve);
    let mut c = ChangeCost::default();
    for ch in changes {
        *c.counts.entry(ch.kind.name()).or_default() += 1;
        if !matches!(ch.kind, ChangeKind::Absent | ChangeKind::Cut) {
            c.changed_shifts += 1;
        }
        match (ch.kind, &ch.before, &ch.after) {
            (ChangeKind::Added, _, Some(a)) => {
                c.cost += rp.added_shift;
                if reserve(&a.agent_id) {
                    c.reserve_shifts += 1;
                    c.reserve_hours += a.paid_hours;
                    c.cost += remedy(Remedy::Reserve);
                } else {
                    c.days_off_worked += 1;
                    c.cost += remedy(Remedy::DaysOff);
                }
            }
            (ChangeKind::Cancelled, _, _) => c.cost += rp.cancelled_shift,
            (ChangeKind::Moved, _, _) => c.cost += rp.changed_shift,
            (ChangeKind::Extended, Some(_), Some(a)) => {
                let ot = overtime_at(scenario, &a.agent_id, a.start, a.length_hours());
                if ot > 0.0 {
                    c.overtime_hours += ot;
                    c.cost += remedy(Remedy::Overtime)
                        + (rp.overtime.premium - 1.0) * ot * rate(&a.agent_id);
                } else {
                    c.cost += rp.changed_shift;
                }
            }
            (ChangeKind::Breaks, Some(b), Some(a)) => {
                let moved = a.breaks.iter().filter(|x| !b.breaks.contains(x)).count();
                c.breaks_moved += moved;
                c.cost += remedy(Remedy::Breaks) * moved as f64;
            }
            _ => {}
        }
    }
    c
}

/// Contact-weighted service level per queue (voice and chat) over the
/// intervals starting at or after `from`.
pub fn service_level_from(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    eval: &Evaluation,
    from: DateTime<Tz>,
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (qi, q) in scenario.queues.iter().enumerate() {
        if q.channel.is_deferred() {
            continue;
        }
        let (mut num, mut den) = (0.0, 0.0);
        for (t, iv) in horizon.intervals.iter().enumerate() {
            if iv.start < from {
                continue;
            }
            let v = reqs[qi].intervals[t].volume;
            num += v * eval.intervals[qi][t].service_level;
            den += v;
        }
        out.insert(q.id.clone(), if den > 0.0 { num / den } else { 1.0 });
    }
    out
}

/// How many times each agent-day changed along a chain of versions
/// (oldest first, each with the absences of its re-plan): the iCalendar
/// `SEQUENCE` of its event.
pub fn sequences(chain: &[(Roster, Vec<Absence>)]) -> BTreeMap<(String, NaiveDate), u32> {
    let mut seq = BTreeMap::new();
    for w in chain.windows(2) {
        for c in diff(&w[0].0, &w[1].0, &w[1].1) {
            *seq.entry((c.agent_id, c.date)).or_insert(0) += 1;
        }
    }
    seq
}

/// The service level of a queue over the remaining intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemainingServiceLevel {
    pub queue: String,
    pub target: f64,
    /// The published roster as planned (absent agents still in it).
    pub published: f64,
    /// The published roster less the absences: doing nothing.
    pub without_absent: f64,
    /// The re-planned roster.
    pub replanned: f64,
}

/// What a re-plan changed and what it bought (`replan.json`, the report's
/// re-plan section).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The version recorded, and the one re-planned.
    pub version: i64,
    pub parent: i64,
    pub from: String,
    pub absences: Vec<Absence>,
    pub actual_ratio: BTreeMap<String, f64>,
    /// What `rota validate --allowances replan.json` allows the roster: the
    /// absences and overtime rules of this re-plan and every re-plan
    /// before it since the last publish.
    pub allowances: Allowances,
    /// Nothing new since the version re-planned (no new absence, no
    /// actuals that differ, the same scenario and history): its roster
    /// stands unchanged.
    pub nothing_new: bool,
    pub changes: ChangeCost,
    /// Changes a fresh plan of the remaining days would have made (`--compare-fresh`).
    pub fresh_plan_changed_shifts: Option<usize>,
    pub service_level: Vec<RemainingServiceLevel>,
    pub paid_cost_published: f64,
    pub paid_cost_replanned: f64,
    /// Why a queue stays below its target over the remaining intervals, in a planner's words.
    pub shortfall: Vec<String>,
}

/// Why the remaining intervals stay short, naming the remedies that ran out.
pub fn explain_shortfall(
    scenario: &Scenario,
    roster: &Roster,
    service_level: &[RemainingServiceLevel],
    cost: &ChangeCost,
) -> Vec<String> {
    let rp = &scenario.replan;
    let short: Vec<&RemainingServiceLevel> = service_level
        .iter()
        .filter(|q| q.replanned + 1e-9 < q.target)
        .collect();
    if short.is_empty() {
        return Vec::new();
    }
    let mut why = Vec::new();
    for q in &short {
        why.push(format!(
            "{} reaches {:.1}% over the remaining intervals against a target of {:.0}% ({:.1}% without a re-plan)",
            q.queue,
            q.replanned * 100.0,
            q.target * 100.0,
            q.without_absent * 100.0
        ));
    }
    for r in [
        Remedy::Breaks,
        Remedy::Overtime,
        Remedy::Reserve,
        Remedy::DaysOff,
    ] {
        if rp.remedy_cost(r).is_none() {
            why.push(format!(
                "the remedy `{}` is not in replan.remedies, so it was not used",
                r.name()
            ));
        }
    }
    if rp.remedy_cost(Remedy::Overtime).is_some() {
        let mut per: BTreeMap<&str, f64> = BTreeMap::new();
        for s in &roster.shifts {
            *per.entry(&s.agent_id).or_default() +=
                overtime_at(scenario, &s.agent_id, s.start, s.length_hours());
        }
        let capped = per
            .values()
            .filter(|&&h| h + 1e-6 >= rp.overtime.max_hours)
            .count();
        why.push(format!(
            "overtime: {:.1} h added; {capped} agents are at the {} h maximum (replan.overtime.max_hours), shifts run at most {} min over",
            cost.overtime_hours, rp.overtime.max_hours, rp.overtime.max_minutes_per_shift
        ));
    }
    let pool = scenario.agents.iter().filter(|a| a.reserve).count();
    if rp.remedy_cost(Remedy::Reserve).is_some() {
        why.push(format!(
            "reserve: {} shifts called from a pool of {pool} agents (agents with reserve: true){}",
            cost.reserve_shifts,
            if pool == 0 {
                "; the scenario has none"
            } else {
                ""
            }
        ));
    }
    why.push(
        "every other agent works within the rules (rest, days in a row, working days, weekly hours counted with the hours already worked); more staff, more overtime or a lower target are the ways left".into(),
    );
    why
}

/// What `rota plan` would change if run again on the new situation: the
/// whole week planned afresh by the plan's own solver with the re-plan's
/// requirements, the absent agents off on every day their absence touches
/// (and without a weekly minimum), compared with the published roster on
/// the remaining days. Counts the agent-days, not forced by an absence,
/// where a shift starting at or after `from` appears, disappears or differs.
pub fn fresh_plan_changes(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    cfg: &crate::scenario::SolverConfig,
    published: &Roster,
    from: DateTime<Tz>,
    absences: &[Absence],
) -> Result<usize> {
    let mut sc = scenario.clone();
    let longest = scenario
        .site_rules()
        .iter()
        .flat_map(|r| r.all_lengths_hours().into_iter().map(|l| r.paid_hours(l)))
        .fold(0.0, f64::max);
    for a in &mut sc.agents {
        if !absences.iter().any(|x| x.agent_id == a.id) {
            continue;
        }
        for x in absences.iter().filter(|x| x.agent_id == a.id) {
            a.min_hours = 0.0;
            for d in &horizon.dates {
                let (start, end) = (
                    local_midnight(horizon.tz, *d),
                    local_midnight(horizon.tz, *d + Duration::days(1)),
                );
                if x.from < end && x.until > start && !a.days_off.contains(d) {
                    a.days_off.push(*d);
                }
            }
        }
        // At most what the days left can hold, so the greedy start fits.
        let left = horizon
            .dates
            .iter()
            .filter(|d| !a.days_off.contains(d))
            .count();
        let days = left.min(scenario.rules_of(a).max_working_days as usize) as f64;
        a.max_hours = a.max_hours.min(days * longest);
    }
    let fresh = crate::solve::solve(&sc, horizon, reqs, cfg)?.roster;
    let absent = |s: &Shift| {
        absences
            .iter()
            .any(|a| a.agent_id == s.agent_id && a.from < s.end && a.until > s.start)
    };
    let later = |r: &Roster| -> BTreeMap<(String, NaiveDate), Shift> {
        r.shifts
            .iter()
            .filter(|s| s.start >= from && !absent(s))
            .map(|s| ((s.agent_id.clone(), s.date), s.clone()))
            .collect()
    };
    let (before, after) = (later(published), later(&fresh));
    let mut keys: Vec<&(String, NaiveDate)> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    Ok(keys
        .into_iter()
        .filter(|k| match (before.get(*k), after.get(*k)) {
            (Some(b), Some(a)) => (b.start, b.end, &b.breaks) != (a.start, a.end, &a.breaks),
            _ => true,
        })
        .count())
}

/// Reads an actuals file (the history CSV format) for the re-forecast.
pub fn read_actuals(path: &Path, scenario: &Scenario) -> Result<History> {
    let queues: Vec<&str> = scenario.queues.iter().map(|q| q.id.as_str()).collect();
    History::load(path, scenario.site.timezone, &queues)
}

/// The instant `--from`, which must lie inside the planned days.
pub fn parse_from(text: &str, horizon: &Horizon) -> Result<DateTime<Tz>> {
    let bad = |m: String| Error::Infeasible(format!("--from {text}: {m}"));
    let from = parse_local(text, horizon.tz, false).map_err(bad)?;
    let first = horizon.intervals.first().map(|i| i.start);
    if first.is_none_or(|f| from < f) || from >= horizon.end {
        return Err(bad(format!(
            "outside the planned days ({} to {})",
            horizon
                .dates
                .first()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            horizon
                .dates
                .last()
                .map(|d| d.to_string())
                .unwrap_or_default()
        )));
    }
    Ok(from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn shift(id: &str, d: u32, h0: u32, h1: u32) -> Shift {
        let tz = chrono_tz::Asia::Shanghai;
        let start = tz.with_ymd_and_hms(2026, 11, d, h0, 0, 0).unwrap();
        Shift {
            agent_id: id.into(),
            agent_name: id.into(),
            date: start.date_naive(),
            start,
            end: tz.with_ymd_and_hms(2026, 11, d, h1, 0, 0).unwrap(),
            breaks: vec![],
            skills: vec![],
            paid_hours: (h1 - h0) as f64,
            site: String::new(),
        }
    }

    fn roster(shifts: Vec<Shift>) -> Roster {
        Roster {
            site_name: "S".into(),
            timezone: chrono_tz::Asia::Shanghai,
            shifts,
        }
    }

    #[test]
    fn diff_names_each_kind_of_change() {
        let tz = chrono_tz::Asia::Shanghai;
        let before = roster(vec![
            shift("A", 11, 10, 19),
            shift("B", 11, 8, 17),
            shift("C", 11, 8, 17),
            shift("D", 12, 8, 17),
            shift("E", 12, 8, 17),
            shift("F", 12, 8, 16),
        ]);
        let after = roster(vec![
            shift("A", 11, 10, 14),
            shift("B", 11, 8, 17),
            shift("C", 11, 9, 18),
            shift("F", 12, 8, 18),
            shift("G", 12, 10, 19),
        ]);
        let absences = [
            Absence {
                agent_id: "A".into(),
                from: tz.with_ymd_and_hms(2026, 11, 11, 14, 0, 0).unwrap(),
                until: tz.with_ymd_and_hms(2026, 11, 14, 0, 0, 0).unwrap(),
            },
            Absence {
                agent_id: "D".into(),
                from: tz.with_ymd_and_hms(2026, 11, 12, 0, 0, 0).unwrap(),
                until: tz.with_ymd_and_hms(2026, 11, 13, 0, 0, 0).unwrap(),
            },
        ];
        let kinds: Vec<(String, &str)> = diff(&before, &after, &absences)
            .iter()
            .map(|c| (c.agent_id.clone(), c.kind.name()))
            .collect();
        let want = [
            ("A", "cut"),
            ("C", "moved"),
            ("D", "absent"),
            ("E", "cancelled"),
            ("F", "extended"),
            ("G", "added"),
        ];
        assert_eq!(
            kinds,
            want.iter()
                .map(|(a, k)| (a.to_string(), *k))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn absences_parse_with_defaults_and_dates() {
        let text = std::fs::read_to_string("scenarios/hangzhou-ecommerce.yaml").unwrap();
        let sc =
            Scenario::from_yaml_str(&text, Path::new("scenarios/hangzhou-ecommerce.yaml")).unwrap();
        let tz = sc.site.timezone;
        let from = tz.with_ymd_and_hms(2026, 11, 11, 14, 0, 0).unwrap();
        let end = tz.with_ymd_and_hms(2026, 11, 16, 0, 0, 0).unwrap();
        let a = Absence::parse("HZ003", &sc, from, end).unwrap();
        assert_eq!((a.from, a.until), (from, end));
        let a = Absence::parse("HZ003@..2026-11-13", &sc, from, end).unwrap();
        assert_eq!(a.until, tz.with_ymd_and_hms(2026, 11, 14, 0, 0, 0).unwrap());
        let a = Absence::parse("HZ003@2026-11-11 09:00..2026-11-11 12:30", &sc, from, end).unwrap();
        assert_eq!(a.from, tz.with_ymd_and_hms(2026, 11, 11, 9, 0, 0).unwrap());
        assert_eq!(
            a.until,
            tz.with_ymd_and_hms(2026, 11, 11, 12, 30, 0).unwrap()
        );
        for bad in [
            "NOPE",
            "HZ003@tomorrow",
            "HZ003@2026-11-12..2026-11-11",
            "HZ003@2026-11-12",
        ] {
            assert!(Absence::parse(bad, &sc, from, end).is_err(), "{bad}");
        }
    }
}
