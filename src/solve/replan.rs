//! The re-plan's optimisation (`rota replan`, `docs/replan.md`): the agent
//! model of `model.rs` with the past fixed through its `Fixes`, and the parts
//! only a re-plan has: candidates for the shifts absences cut short and for
//! overtime extensions of the published shifts, the reserve pool, the cost
//! of every change against the published roster, the cost of each remedy
//! in the scenario's order of preference, break moves, and the overtime
//! caps. Everything before `from` stays as published (absences aside).

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Duration};
use chrono_tz::Tz;
use good_lp::{variable, Expression};
use highs::HighsModelStatus;
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::breaks::assign_breaks;
use super::candidates::{candidates, Day, ShiftCand};
use super::improve::Run;
use super::model::{build, Fix, Fixes};
use super::readout::roster_of;
use super::warm::{plan_from_roster, solution_from_plan, Pick};
use super::{phase, picked, SolveInfo, SolvePhase, SolveStatus, Solved};
use crate::error::{Error, Result};
use crate::horizon::Horizon;
use crate::roster::absence::{overtime_at, without_absences, Absence, Allowances};
use crate::roster::model::{Roster, Shift};
use crate::scenario::{Remedy, Scenario, SolveMethod, SolverConfig};
use crate::staffing::QueueRequirements;

/// Share of the time limit the whole model gets before the neighbourhoods.
const FIRST_SHARE: f64 = 0.75;
/// Share of the time limit one neighbourhood may take at most.
const TRY_SHARE: f64 = 0.1;
/// Agents freed per neighbourhood.
const NEIGHBOURHOOD: usize = 10;

/// What to re-plan.
#[derive(Debug, Clone, Copy)]
pub struct ReplanRequest<'a> {
    /// The latest published roster.
    pub published: &'a Roster,
    /// Everything before this instant was worked as published.
    pub from: DateTime<Tz>,
    pub absences: &'a [Absence],
    /// Whether changes cost their `replan` weights (false: a fresh plan of
    /// the remaining days, for comparison).
    pub fewest_changes: bool,
    /// Re-plan this site's agents only (`rota replan --site`): every other
    /// site's agents keep their published shifts and breaks exactly, and
    /// their coverage counts as it is. None: every site.
    pub site: Option<&'a str>,
}

/// A shift candidate only a re-plan has.
#[derive(Debug, Clone)]
struct Extra {
    /// The agents whose candidate it is.
    agents: Vec<usize>,
    /// Overtime hours (0 for a published shift that is no regular candidate).
    overtime: f64,
}

/// The index of a candidate of `day` starting and ending as `s` does, added
/// (for `agent` alone, in `extras`, with the `overtime` hours it carries
/// from an earlier re-plan) when there is none; of the agent's `site`.
fn find_or_add(
    day: &mut Day,
    extras: &mut HashMap<(usize, usize), Extra>,
    di: usize,
    (agent, site): (usize, usize),
    s: &Shift,
    templates: &[String],
    overtime: f64,
) -> usize {
    if let Some(k) = day
        .shifts
        .iter()
        .position(|c| c.start == s.start && c.end == s.end && c.sites.contains(&site))
    {
        if let Some(e) = extras.get_mut(&(di, k)) {
            e.agents.push(agent);
        }
        return k;
    }
    // Its breaks can be placed only where the day's break windows know its start.
    let start_idx = day
        .shifts
        .iter()
        .find(|c| c.start == s.start)
        .map(|c| c.start_idx);
    // Its instants in its site's zone, like every candidate of the site.
    let tz = day
        .shifts
        .iter()
        .find(|c| c.sites.contains(&site))
        .map_or(s.start.timezone(), |c| c.start.timezone());
    let mut rests = s.breaks.iter().filter(|b| b.kind == "rest").count();
    let needs = day
        .kinds
        .iter()
        .map(|bk| {
            // Of its site's breaks only (`Day::kinds`).
            start_idx.is_some()
                && bk.sites.contains(&site)
                && if bk.kind == "meal" {
                    s.breaks.iter().any(|b| b.kind == "meal")
                } else if rests > 0 {
                    rests -= 1;
                    true
                } else {
                    false
                }
        })
        .collect();
    day.shifts.push(ShiftCand {
        start: s.start.with_timezone(&tz),
        end: s.end.with_timezone(&tz),
        paid_hours: s.paid_hours,
        start_idx: start_idx.unwrap_or(0),
        sites: vec![site],
        needs,
        templates: templates.to_vec(),
    });
    let k = day.shifts.len() - 1;
    extras.insert(
        (di, k),
        Extra {
            agents: vec![agent],
            overtime,
        },
    );
    k
}

/// Re-plans the published roster from `req.from` (see the module's doc).
pub fn replan(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    cfg: &SolverConfig,
    req: &ReplanRequest,
) -> Result<Solved> {
    let rp = &scenario.replan;
    let from = req.from;
    let cost = |r: Remedy| rp.remedy_cost(r);
    let overtime_on = cost(Remedy::Overtime).is_some();
    let absent = |id: &str| req.absences.iter().any(|a| a.agent_id == id);
    // The published roster less the absences: the start, and what is fixed.
    // A version re-planned before carries its overtime: shifts past their
    // regular length, whose overtime counts to the overtime maximum as the
    // validator counts it, not to the contract.
    let start_roster = without_absences(scenario, req.published, req.absences);
    let carried_overtime =
        |s: &Shift| overtime_at(scenario, &s.agent_id, s.start, s.length_hours());
    let overtime_model = overtime_on
        || start_roster
            .shifts
            .iter()
            .any(|s| carried_overtime(s) > 0.0);
    // The model's scenario: absent agents have no weekly minimum, overtime
    // is allowed on top of the contract (capped below), reserve agents are
    // agents like any other (the fixes decide when they may work).
    let mut sc = scenario.clone();
    for a in &mut sc.agents {
        if absent(&a.id) {
            a.min_hours = 0.0;
        }
        if overtime_model {
            a.max_hours += rp.overtime.max_hours;
        }
        a.reserve = false;
    }
    let n = sc.agents.len();
    // With `--site`, the agents of the other sites are pinned: their
    // published shifts (less nothing: no absence is theirs) exactly.
    if let Some(site) = req.site {
        if !sc.sites.iter().any(|s| s.name == site) {
            return Err(Error::Internal(format!(
                "re-plan of site `{}`, which the scenario does not have",
                crate::limits::excerpt(site)
            )));
        }
    }
    let pinned: Vec<bool> = sc
        .agents
        .iter()
        .map(|a| req.site.is_some_and(|site| sc.site_of(a).name != site))
        .collect();
    let mut days = candidates(&sc);
    let nd = days.len();
    let ai_of: HashMap<&str, usize> = sc
        .agents
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let all_templates: Vec<String> = sc.rules.templates().into_iter().map(|t| t.name).collect();
    let mut had: Vec<Vec<bool>> = vec![vec![false; nd]; n];
    for s in &req.published.shifts {
        let (Some(&ai), Some(di)) = (
            ai_of.get(s.agent_id.as_str()),
            days.iter().position(|d| d.date == s.date),
        ) else {
            return Err(Error::Infeasible(format!(
                "the published roster has a shift of {} on {} that the scenario does not plan (agent or day unknown)",
                s.agent_id, s.date
            )));
        };
        had[ai][di] = true;
    }
    let mut extras: HashMap<(usize, usize), Extra> = HashMap::new();
    let mut own: Vec<Vec<Option<usize>>> = vec![vec![None; nd]; n];
    let mut kept_shift: Vec<Vec<Option<&Shift>>> = vec![vec![None; nd]; n];
    for s in &start_roster.shifts {
        let ai = ai_of[s.agent_id.as_str()];
        let di = days.iter().position(|d| d.date == s.date).expect("day");
        if own[ai][di].is_some() {
            continue;
        }
        own[ai][di] = Some(find_or_add(
            &mut days[di],
            &mut extras,
            di,
            (ai, sc.site_index(&sc.agents[ai])),
            s,
            &all_templates,
            carried_overtime(s),
        ));
        kept_shift[ai][di] = Some(s);
    }
    // Overtime: extensions of the published shifts the agent still works
    // and that end after `from`, by whole steps, when the longer shift's
    // regular part is a candidate the agent may work.
    let mut overtime_of: Vec<Vec<Vec<usize>>> = vec![vec![Vec::new(); nd]; n];
    let break_sets = super::candidates::break_sets(&sc);
    let site_rules = sc.site_rules();
    if overtime_on {
        let ot = &rp.overtime;
        for ai in (0..n).filter(|&ai| !pinned[ai]) {
            for di in 0..nd {
                let (Some(k0), Some(s)) = (own[ai][di], kept_shift[ai][di]) else {
                    continue;
                };
                let published_too = req
                    .published
                    .shifts
                    .iter()
                    .any(|p| p.agent_id == s.agent_id && p.start == s.start && p.end == s.end);
                if s.end <= from || !published_too || extras.contains_key(&(di, k0)) {
                    continue;
                }
                let base = days[di].shifts[k0].clone();
                // No overtime past the closing of the shift's site.
                let site = &sc.sites[base.sites[0]];
                let closes = site.open.as_ref().map(|o| {
                    super::candidates::local_instant(site.timezone, days[di].date, o.to.minutes())
                });
                for i in 1..=ot.max_minutes_per_shift / ot.step_minutes.max(1) {
                    let end = base.end + Duration::minutes(i64::from(i * ot.step_minutes));
                    if closes.is_some_and(|c| end > c) {
                        break;
                    }
                    let len = (end - base.start).num_seconds() as f64 / 3600.0;
                    let extra = overtime_at(scenario, &sc.agents[ai].id, base.start, len);
                    let regular_end =
                        base.start + Duration::seconds(((len - extra) * 3600.0).round() as i64);
                    let fits = extra > 0.0
                        && days[di].shifts.iter().any(|c| {
                            c.start == base.start
                                && c.end == regular_end
                                && super::candidates::allowed(&sc, &sc.agents[ai], &days[di], c)
                        });
                    if !fits {
                        continue;
                    }
                    // The same extension of another agent's shift: shared.
                    if let Some(k) = days[di].shifts.iter().position(|c| {
                        c.start == base.start && c.end == end && c.sites == base.sites
                    }) {
                        if let Some(e) = extras.get_mut(&(di, k)).filter(|e| e.overtime > 0.0) {
                            e.agents.push(ai);
                            overtime_of[ai][di].push(k);
                        }
                        continue;
                    }
                    let needs = super::candidates::needs_of(&break_sets, base.sites[0], len);
                    days[di].shifts.push(ShiftCand {
                        start: base.start,
                        end,
                        paid_hours: site_rules[base.sites[0]].paid_hours(len),
                        start_idx: base.start_idx,
                        sites: base.sites.clone(),
                        needs,
                        templates: base.templates.clone(),
                    });
                    let k = days[di].shifts.len() - 1;
                    extras.insert(
                        (di, k),
                        Extra {
                            agents: vec![ai],
                            overtime: extra,
                        },
                    );
                    overtime_of[ai][di].push(k);
                }
            }
        }
    }
    // The fixes: the past as it was; absences off; extras only for their
    // agent; reserve agents and days off only as the remedies allow.
    let fixes: Fixes = (0..n)
        .map(|ai| {
            let a = &scenario.agents[ai];
            (0..nd)
                .map(|di| {
                    (0..days[di].shifts.len())
                        .map(|k| {
                            let c = &days[di].shifts[k];
                            if pinned[ai] {
                                return if own[ai][di] == Some(k) {
                                    Fix::On
                                } else {
                                    Fix::Off
                                };
                            }
                            let mine = own[ai][di] == Some(k) || overtime_of[ai][di].contains(&k);
                            if extras
                                .get(&(di, k))
                                .is_some_and(|e| !e.agents.contains(&ai))
                            {
                                return Fix::Off;
                            }
                            if c.start < from {
                                return match (mine, overtime_of[ai][di].is_empty()) {
                                    (true, true) => Fix::On,
                                    (true, false) => Fix::Free,
                                    (false, _) => Fix::Off,
                                };
                            }
                            if req
                                .absences
                                .iter()
                                .any(|x| x.agent_id == a.id && x.from < c.end && x.until > c.start)
                            {
                                return Fix::Off;
                            }
                            if mine {
                                return Fix::Free;
                            }
                            let allowed = if a.reserve {
                                cost(Remedy::Reserve).is_some()
                            } else {
                                had[ai][di] || cost(Remedy::DaysOff).is_some()
                            };
                            if allowed {
                                Fix::Free
                            } else {
                                Fix::Off
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let group_of = super::model::skill_groups(&sc).2;
    // The break candidate of `kind` a kept shift of agent `ai` has: of the
    // agent's site's kinds only (another site's may share its instants).
    let site_of: Vec<usize> = sc.agents.iter().map(|a| sc.site_index(a)).collect();
    let break_of = |s: &Shift, ai: usize, di: usize, kind: usize| -> Option<usize> {
        let bk = &days[di].kinds[kind];
        if !bk.sites.contains(&site_of[ai]) {
            return None;
        }
        s.breaks.iter().filter(|b| b.kind == bk.kind).find_map(|b| {
            bk.breaks
                .iter()
                .position(|c| c.start == b.start && c.end == b.end)
        })
    };
    // The model for `fixes`, with the re-plan's own terms.
    let make = |fixes: &Fixes| -> super::model::Built {
        let mut built = build(&sc, horizon, reqs, &days, false, Some(fixes));
        let x = built.x.clone();
        let m = &mut built.model;
        let ot_hours = |di: usize, k: usize| extras.get(&(di, k)).map_or(0.0, |e| e.overtime);
        for ai in 0..n {
            let a = &scenario.agents[ai];
            let rate = a.hourly_cost * sc.weights.paid_hour;
            let mut regular = Expression::default();
            let mut overtime = Expression::default();
            for di in 0..nd {
                let xs = &x[ai][di];
                for (k, c) in days[di].shifts.iter().enumerate() {
                    let ot = ot_hours(di, k);
                    regular.add_mul(c.paid_hours - ot, xs[k]);
                    overtime.add_mul(ot, xs[k]);
                    if ot > 0.0 {
                        // Overtime is paid at the premium (the model prices its hours at the rate).
                        m.objective
                            .add_mul((rp.overtime.premium - 1.0) * ot * rate, xs[k]);
                    }
                }
                // A shift in progress at `from` goes on, extended or not.
                if own[ai][di].is_some_and(|k0| days[di].shifts[k0].start < from)
                    && !overtime_of[ai][di].is_empty()
                {
                    let mut one = Expression::default();
                    for &k in own[ai][di].iter().chain(&overtime_of[ai][di]) {
                        one.add_mul(1.0, xs[k]);
                    }
                    m.constraints.push(one.eq(1.0));
                }
                if !req.fewest_changes {
                    continue;
                }
                // What each change costs, against keeping the published shift
                // (not working at all costs the cancellation: a constant less
                // the cancellation for every shift worked).
                for (k, &v) in xs.iter().enumerate() {
                    let c = match own[ai][di] {
                        Some(k0) if k == k0 => -rp.cancelled_shift,
                        Some(_) if overtime_of[ai][di].contains(&k) => {
                            cost(Remedy::Overtime).unwrap_or(0.0) - rp.cancelled_shift
                        }
                        Some(_) => rp.changed_shift - rp.cancelled_shift,
                        None if a.reserve => rp.added_shift + cost(Remedy::Reserve).unwrap_or(0.0),
                        None => rp.added_shift + cost(Remedy::DaysOff).unwrap_or(0.0),
                    };
                    if c != 0.0 {
                        m.objective.add_mul(c, v);
                    }
                }
            }
            if overtime_model {
                // Overtime is beyond the contract: the regular hours meet it.
                m.constraints
                    .push(regular.clone().geq(sc.agents[ai].min_hours));
                m.constraints.push(regular.leq(a.max_hours));
                m.constraints.push(overtime.leq(rp.overtime.max_hours));
            }
        }
        // Breaks: those started before `from` stay where they were; later ones
        // of the shifts kept cost a move each (the first remedy, by default),
        // or may not move when the scenario leaves `breaks` out.
        for (g, bg) in built.breaks.iter().enumerate() {
            for (di, bd) in bg.iter().enumerate() {
                for (kind, bs) in bd.iter().enumerate() {
                    let mut fixed = vec![0.0; bs.len()];
                    // The later breaks of the pinned agents (other sites').
                    let mut held = vec![0.0; bs.len()];
                    let mut kept = vec![Expression::default(); bs.len()];
                    let mut any_kept = vec![false; bs.len()];
                    for ai in (0..n).filter(|&ai| group_of[ai] == g) {
                        let (Some(k0), Some(s)) = (own[ai][di], kept_shift[ai][di]) else {
                            continue;
                        };
                        let Some(mi) = break_of(s, ai, di, kind) else {
                            continue;
                        };
                        if days[di].kinds[kind].breaks[mi].start < from {
                            fixed[mi] += 1.0;
                        } else if pinned[ai] {
                            held[mi] += 1.0;
                        } else {
                            for &k in std::iter::once(&k0).chain(&overtime_of[ai][di]) {
                                kept[mi].add_mul(1.0, x[ai][di][k]);
                            }
                            any_kept[mi] = true;
                        }
                    }
                    for (mi, &b) in bs.iter().enumerate() {
                        if days[di].kinds[kind].breaks[mi].start < from {
                            m.constraints.push(Expression::from(b).eq(fixed[mi]));
                            continue;
                        }
                        if held[mi] > 0.0 {
                            m.constraints.push(Expression::from(b).geq(held[mi]));
                        }
                        if any_kept[mi] && req.fewest_changes {
                            let keep = std::mem::take(&mut kept[mi]) + held[mi];
                            match cost(Remedy::Breaks) {
                                Some(w) => {
                                    let mv = m.add(variable().min(0.0), false);
                                    let e = Expression::from(mv) + b;
                                    m.constraints.push(e.geq(keep));
                                    m.objective.add_mul(w, mv);
                                }
                                None => m.constraints.push(Expression::from(b).geq(keep)),
                            }
                        }
                    }
                }
            }
        }
        built
    };
    // Breaks: each kept shift gets its published break where the counts
    // allow (the fixed ones first), the other shifts the rest.
    let hand = |run: &Run| -> Vec<Vec<Option<Pick>>> {
        let picks = picked(&run.built.x, |v| run.val(v));
        let mut worked: Vec<Vec<Option<Pick>>> = vec![vec![None; nd]; n];
        for g in 0..=group_of.iter().copied().max().unwrap_or(0) {
            for (di, day) in days.iter().enumerate() {
                let mut members: Vec<(usize, usize)> = (0..n)
                    .filter(|&ai| group_of[ai] == g)
                    .filter_map(|ai| picks[ai][di].map(|k| (ai, k)))
                    .collect();
                // The past and the pinned agents first: they keep their breaks.
                members.sort_by_key(|&(ai, k)| (!pinned[ai] && day.shifts[k].start >= from, ai));
                let mut ms: Vec<Vec<Option<usize>>> =
                    vec![vec![None; day.kinds.len()]; members.len()];
                for (kind, bk) in day.kinds.iter().enumerate() {
                    let mut counts: Vec<usize> = run.built.breaks[g][di][kind]
                        .iter()
                        .map(|v| run.val(v).round().max(0.0) as usize)
                        .collect();
                    let mut rest = Vec::new();
                    for (i, &(ai, k)) in members.iter().enumerate() {
                        if !day.shifts[k].needs[kind] {
                            continue;
                        }
                        let same = own[ai][di] == Some(k) || overtime_of[ai][di].contains(&k);
                        let pubm = kept_shift[ai][di]
                            .filter(|_| same)
                            .and_then(|s| break_of(s, ai, di, kind));
                        match pubm {
                            Some(mi) if counts[mi] > 0 => {
                                counts[mi] -= 1;
                                ms[i][kind] = Some(mi);
                            }
                            _ => rest.push(i),
                        }
                    }
                    let shifts: Vec<(usize, usize)> = rest.iter().map(|&i| members[i]).collect();
                    let given = assign_breaks(day, kind, &shifts, &counts);
                    for (&i, m) in rest.iter().zip(given) {
                        let s = &day.shifts[members[i].1];
                        // Should the counts not match, the window's first
                        // break not yet started keeps the roster valid and
                        // the past as it was.
                        let w = &bk.starts[s.start_idx];
                        let first = (w.lo..=w.hi)
                            .find(|&m| bk.breaks[m].start >= from)
                            .unwrap_or(w.lo);
                        ms[i][kind] = Some(m.unwrap_or(first));
                    }
                }
                for ((ai, k), m) in members.into_iter().zip(ms) {
                    worked[ai][di] = Some((k, m));
                }
            }
        }
        worked
    };
    let solve_with =
        |fixes: &Fixes, plan: Option<&Vec<Vec<Option<Pick>>>>, seconds: f64| -> Result<Run> {
            let built = make(fixes);
            let pos = built.model.positions();
            let start =
                plan.map(|p| solution_from_plan(&sc, horizon, reqs, &days, &built, &pos, p));
            let mut c = cfg.clone();
            c.time_limit_seconds = seconds.max(1.0);
            Run::solve(built, &c, start.as_deref(), None)
        };
    // The whole model first, from the published roster less the absences;
    // then, with the time left, neighbourhoods of a few agents' weeks
    // freed around the others (as improve.rs does for the decomposition).
    let t0 = Instant::now();
    let limit = cfg.time_limit_seconds;
    let mut start_plan = plan_from_roster(&sc, &days, &start_roster);
    if let Some(plan) = start_plan.as_mut() {
        let ctx = Greedy {
            scenario,
            horizon,
            reqs,
            days: &days,
            overtime_of: &overtime_of,
            extras: &extras,
            overtime_cost: cost(Remedy::Overtime).unwrap_or(0.0),
        };
        ctx.overtime(plan, &start_roster);
    }
    let mut run = solve_with(&fixes, start_plan.as_ref(), FIRST_SHARE * limit)?;
    if run.raw.values.is_empty() {
        return Err(Error::Infeasible(explain(
            scenario,
            req,
            run.raw.status,
            cfg,
        )));
    }
    let bound = run.raw.best_bound;
    let mut phases = vec![phase(
        if req.fewest_changes {
            "replan"
        } else {
            "fresh plan of the remaining days"
        },
        &run.raw,
        run.raw.seconds,
    )];
    let mut worked = hand(&run);
    let free_agents: Vec<usize> = (0..n)
        .filter(|&ai| fixes[ai].iter().flatten().any(|f| *f == Fix::Free))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(u64::from(cfg.random_seed));
    let (mut tries, mut better) = (0, 0);
    let t1 = Instant::now();
    while super::relative_gap(run.raw.objective, bound) > cfg.mip_rel_gap
        && free_agents.len() > NEIGHBOURHOOD
    {
        let left = 0.95 * limit - t0.elapsed().as_secs_f64();
        if left < 1.0 {
            break;
        }
        let chosen: Vec<usize> = sample(&mut rng, free_agents.len(), NEIGHBOURHOOD)
            .into_iter()
            .map(|i| free_agents[i])
            .collect();
        let current = picked(&run.built.x, |v| run.val(v));
        let sub: Fixes = fixes
            .iter()
            .enumerate()
            .map(|(ai, fa)| {
                fa.iter()
                    .enumerate()
                    .map(|(di, fd)| {
                        fd.iter()
                            .enumerate()
                            .map(|(k, &f)| match f {
                                Fix::Free if !chosen.contains(&ai) => {
                                    if current[ai][di] == Some(k) {
                                        Fix::On
                                    } else {
                                        Fix::Off
                                    }
                                }
                                f => f,
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        tries += 1;
        let next = solve_with(&sub, Some(&worked), left.min(TRY_SHARE * limit))?;
        if !next.raw.values.is_empty() && next.raw.objective < run.raw.objective - 1e-6 {
            better += 1;
            run = next;
            worked = hand(&run);
        }
    }
    if tries > 0 {
        phases.push(SolvePhase {
            name: format!("neighbourhoods: {better} of {tries} improved"),
            status: "done".into(),
            objective: Some(run.raw.objective),
            best_bound: None,
            solve_seconds: t1.elapsed().as_secs_f64(),
            variables: run.raw.n_vars,
            constraints: run.raw.n_cons,
        });
    }
    let raw = &run.raw;
    let gap = super::relative_gap(raw.objective, bound.min(raw.objective));
    let status = if gap <= 1e-9 {
        SolveStatus::Optimal
    } else if gap <= cfg.mip_rel_gap {
        SolveStatus::GapLimit
    } else {
        SolveStatus::TimeLimit
    };
    let mut roster = roster_of(&sc, horizon, &days, &run, &worked);
    // The past as it was: a shift kept from before `from` is written as
    // published, and so is every shift of a pinned agent.
    for s in &mut roster.shifts {
        let ai = ai_of[s.agent_id.as_str()];
        let di = days.iter().position(|d| d.date == s.date).expect("day");
        if let Some(p) = kept_shift[ai][di] {
            if p.start == s.start
                && p.end == s.end
                && (p.start < from || pinned[ai])
                && p.breaks == s.breaks
            {
                *s = p.clone();
            }
        }
    }
    if let Some(site) = req.site {
        let theirs = |r: &Roster| -> Vec<Shift> {
            r.shifts
                .iter()
                .filter(|s| ai_of.get(s.agent_id.as_str()).is_some_and(|&ai| pinned[ai]))
                .cloned()
                .collect()
        };
        if theirs(&roster) != theirs(&start_roster) {
            return Err(Error::Internal(format!(
                "the re-plan of site `{}` changed a shift of another site; nothing stored",
                crate::limits::excerpt(site)
            )));
        }
    }
    let info = SolveInfo {
        status,
        stop_reason: status.explain(cfg, gap),
        objective: raw.objective,
        best_bound: bound.min(raw.objective),
        mip_gap: gap,
        solve_seconds: t0.elapsed().as_secs_f64(),
        time_limit_seconds: cfg.time_limit_seconds,
        mip_rel_gap_target: cfg.mip_rel_gap,
        threads: cfg.threads,
        random_seed: cfg.random_seed,
        variables: raw.n_vars,
        binary_variables: run.built.model.binaries,
        constraints: raw.n_cons,
        method: SolveMethod::Agents,
        phases,
    };
    let reached = run.reached();
    Ok(Solved {
        roster,
        info,
        reached,
    })
}

/// The re-plan of a version that asks nothing new of it
/// (`replan::nothing_new`): its roster, unchanged, without a solve. The
/// objective and bound are left at zero for the caller to set to the
/// roster's recomputed cost; `why` is the stop reason.
pub fn unchanged(published: &Roster, cfg: &SolverConfig, why: String) -> Solved {
    Solved {
        roster: published.clone(),
        info: SolveInfo {
            status: SolveStatus::Optimal,
            stop_reason: why,
            objective: 0.0,
            best_bound: 0.0,
            mip_gap: 0.0,
            solve_seconds: 0.0,
            time_limit_seconds: cfg.time_limit_seconds,
            mip_rel_gap_target: cfg.mip_rel_gap,
            threads: cfg.threads,
            random_seed: cfg.random_seed,
            variables: 0,
            binary_variables: 0,
            constraints: 0,
            method: SolveMethod::Agents,
            phases: vec![SolvePhase {
                name: "nothing new: the version re-planned, unchanged".into(),
                status: "done".into(),
                objective: None,
                best_bound: None,
                solve_seconds: 0.0,
                variables: 0,
                constraints: 0,
            }],
        },
        reached: None,
    }
}

/// What the greedy start needs to know.
struct Greedy<'a> {
    scenario: &'a Scenario,
    horizon: &'a Horizon,
    reqs: &'a [QueueRequirements],
    days: &'a [Day],
    overtime_of: &'a [Vec<Vec<usize>>],
    extras: &'a HashMap<(usize, usize), Extra>,
    overtime_cost: f64,
}

impl Greedy<'_> {
    /// A better start than the published roster less the absences: the
    /// overtime extensions of kept shifts, the best first, while one covers
    /// more understaffing than it costs, within the overtime caps and the
    /// rest before the agent's next shift. HiGHS takes a while to leave
    /// the published roster on its own.
    fn overtime(&self, plan: &mut [Vec<Option<Pick>>], start: &Roster) {
        let (sc, h) = (self.scenario, self.horizon);
        let w = &sc.weights;
        let dh = h.interval_hours();
        // Staff per queue from the roster's pools, poured into their queues
        // (no HiGHS solve before the model's: HiGHS keeps the first thread
        // count a process asks for).
        let pools = crate::coverage::pools::pool(
            sc,
            h.intervals.len(),
            start.shifts.iter().map(|s| crate::coverage::pools::Duty {
                agent_id: &s.agent_id,
                skills: &s.skills,
                presence: s.presence(h),
            }),
        );
        let mut staff = vec![vec![0.0; h.intervals.len()]; sc.queues.len()];
        let mut order: Vec<usize> = (0..pools.keys.len()).collect();
        order.sort_by_key(|&p| pools.keys[p].0.len());
        for p in order {
            let (qs, rates) = &pools.keys[p];
            let no_floor = vec![0.0; qs.len()];
            for (t, &duty) in pools.duty[p].iter().enumerate() {
                let need: Vec<f64> = qs
                    .iter()
                    .map(|&q| self.reqs[q].intervals[t].scheduled as f64)
                    .collect();
                let mut now: Vec<f64> = qs.iter().map(|&q| staff[q][t]).collect();
                crate::coverage::pour(duty, rates, &no_floor, &need, &mut now);
                for (&q, v) in qs.iter().zip(now) {
                    staff[q][t] = v;
                }
            }
        }
        let mut residual: Vec<Vec<f64>> = self
            .reqs
            .iter()
            .zip(&staff)
            .map(|(r, s)| {
                r.intervals
                    .iter()
                    .zip(s)
                    .map(|(i, s)| i.scheduled as f64 - s)
                    .collect()
            })
            .collect();
        let ot_of = |di: usize, k: usize| self.extras.get(&(di, k)).map_or(0.0, |e| e.overtime);
        // Overtime already worked or kept from an earlier re-plan counts.
        let mut overtime: Vec<f64> = plan
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .filter_map(|(di, p)| p.as_ref().map(|(k, _)| ot_of(di, *k)))
                    .sum()
            })
            .collect();
        // Regular hours of each agent: an extension may lengthen the regular part too.
        let mut regular: Vec<f64> = plan
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .filter_map(|(di, p)| {
                        p.as_ref()
                            .map(|(k, _)| self.days[di].shifts[*k].paid_hours - ot_of(di, *k))
                    })
                    .sum()
            })
            .collect();
        loop {
            let mut best: Option<(f64, usize, usize, usize, usize)> = None;
            for (ai, row) in plan.iter().enumerate() {
                let a = &sc.agents[ai];
                let rest = Duration::minutes((sc.min_rest_hours_of(a) * 60.0).round() as i64);
                let qs: Vec<usize> = a
                    .skills
                    .iter()
                    .filter_map(|q| sc.queues.iter().position(|x| &x.id == q))
                    .filter(|&q| !sc.queues[q].channel.is_deferred())
                    .collect();
                let rate = a.hourly_cost * w.paid_hour;
                for (di, pick) in row.iter().enumerate() {
                    let Some((k0, _)) = pick else { continue };
                    let base = &self.days[di].shifts[*k0];
                    let next = row[di + 1..].iter().enumerate().find_map(|(j, p)| {
                        p.as_ref()
                            .map(|(k, _)| self.days[di + 1 + j].shifts[*k].start)
                    });
                    for &k in &self.overtime_of[ai][di] {
                        let c = &self.days[di].shifts[k];
                        let ot = ot_of(di, k);
                        let more_regular = (c.paid_hours - ot) - base.paid_hours;
                        if c.needs != base.needs
                            || regular[ai] + more_regular > a.max_hours + 1e-9
                            || next.is_some_and(|n| n < c.end + rest)
                            || overtime[ai] + ot > sc.replan.overtime.max_hours + 1e-9
                            || self.overtime_of[ai][di].contains(k0)
                        {
                            continue;
                        }
                        let mut gain = 0.0;
                        for (t, f) in crate::coverage::share(h, base.end, c.end) {
                            let Some(&q) = qs.iter().max_by(|&&x, &&y| {
                                residual[x][t].total_cmp(&residual[y][t]).then(y.cmp(&x))
                            }) else {
                                continue;
                            };
                            let iv = &h.intervals[t];
                            let peak = sc.peak_weight(iv.date, iv.minute_of_day, &sc.queues[q].id);
                            let short = residual[q][t].max(0.0);
                            gain += short.min(f) * w.understaffing * peak * dh
                                - (f - short).max(0.0) * w.overstaffing * dh;
                        }
                        let cost = self.overtime_cost
                            + (sc.replan.overtime.premium - 1.0) * ot * rate
                            + (c.paid_hours - base.paid_hours) * rate;
                        let net = gain - cost;
                        if net > 1e-6 && best.is_none_or(|b| net > b.0) {
                            best = Some((net, ai, di, *k0, k));
                        }
                    }
                }
            }
            let Some((_, ai, di, k0, k)) = best else {
                break;
            };
            let (base_end, end) = (self.days[di].shifts[k0].end, self.days[di].shifts[k].end);
            let qs: Vec<usize> = sc.agents[ai]
                .skills
                .iter()
                .filter_map(|q| sc.queues.iter().position(|x| &x.id == q))
                .filter(|&q| !sc.queues[q].channel.is_deferred())
                .collect();
            for (t, f) in crate::coverage::share(h, base_end, end) {
                if let Some(&q) = qs
                    .iter()
                    .max_by(|&&x, &&y| residual[x][t].total_cmp(&residual[y][t]).then(y.cmp(&x)))
                {
                    residual[q][t] -= f;
                }
            }
            overtime[ai] += ot_of(di, k);
            regular[ai] += (self.days[di].shifts[k].paid_hours - ot_of(di, k))
                - self.days[di].shifts[k0].paid_hours;
            if let Some(p) = plan[ai][di].as_mut() {
                p.0 = k;
            }
        }
    }
}

/// Why no re-plan was found, in a planner's words.
fn explain(
    scenario: &Scenario,
    req: &ReplanRequest,
    status: HighsModelStatus,
    cfg: &SolverConfig,
) -> String {
    if status == HighsModelStatus::ReachedTimeLimit {
        return format!(
            "no re-plan found within the {} s time limit; raise time_limit_seconds in the solver config",
            cfg.time_limit_seconds
        );
    }
    let start = without_absences(scenario, req.published, req.absences);
    let allow = Allowances {
        absences: req.absences.to_vec(),
        overtime: None,
    };
    let broken = crate::roster::validate::validate_with(scenario, &start, &allow);
    if broken.is_empty() {
        return "no re-plan meets every rule: the published roster less the absences meets them, so the remedies the scenario forbids (replan.remedies) or the fixed past leave no way; allow more remedies".into();
    }
    let mut lines = vec![format!(
        "the published roster, less the absences, already breaks {} rules of the scenario as it is now (was the scenario changed since it was published?):",
        broken.len()
    )];
    for v in broken.iter().take(10) {
        let day = v.date.map(|d| format!(" on {d}")).unwrap_or_default();
        lines.push(format!(
            "  {}: agent {}{}: {}",
            v.rule, v.agent_id, day, v.message
        ));
    }
    lines.join("\n")
}
