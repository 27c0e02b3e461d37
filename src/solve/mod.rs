//! The roster optimizer: an agent-level integer program solved by HiGHS.
//!
//! Variables:
//! - `x[a][d][k]` binary: agent `a` works shift candidate `k` (a start time
//!   and a length) on day `d`;
//! - `b[a][d][m]` binary: agent `a`'s meal break on day `d` starts at
//!   candidate `m` (implicit breaks, after Bechtold & Jacobs 1990: break
//!   variables are shared by every shift of the day instead of spelling out
//!   each shift × break placement);
//! - `w[g][q][t]` continuous: agents of skill group `g` (agents with the same
//!   skills) working queue `q` in interval `t`; a multi-skilled agent's time
//!   is split across queues, never counted twice;
//! - `under[q][t]`, `over[q][t]` continuous: staffing below and above the
//!   requirement.
//!
//! Constraints: at most one shift a day; exactly one meal break per shift,
//! inside the window of the shift actually worked (`b[m] <= Σ x[k]` over the
//! shifts whose window holds `m`); weekly paid hours within the contract;
//! at most `max_working_days`; at least `min_rest_hours` between shifts
//! (`x[k] + Σ x[k'] <= 1` over later shifts too close to `k`); and coverage:
//! the group's agents on duty (shift minus break, as fractions of the
//! interval) equal the time they give to queues, and for every queue and
//! interval `Σ_g w + under − over = required`.
//!
//! Deferred work (email, ticket queues) is not covered interval by interval:
//! it is a backlog flow that any interval inside the deadline window can
//! absorb. Per deferred queue and interval, `done[t]` agent-hours of work are
//! done, at most the productive time given to the queue
//! (`Σ_g w · (1 − shrinkage) · interval hours`); the backlog of arrived,
//! unfinished work is `backlog[t] = backlog[t−1] + work[t] − done[t] ≥ 0`
//! (cumulative done ≤ cumulative arrived; the plan starts with no backlog);
//! and `late[t] ≥ backlog[t] − not_yet_due[t]` is the arrived work past its
//! deadline at the end of `t` (cumulative done + late ≥ cumulative due).
//! Work of interval `s` is due by the end of interval `s + D − 1`, D the
//! deadline in intervals.
//!
//! Objective: weighted understaffed and overstaffed agent-hours, overdue
//! deferred work (`understaffing` per agent-hour of work per hour overdue),
//! plus paid hours. The solve reports status, objective, best bound, gap and why it
//! stopped; a time-limited incumbent is never called optimal.

mod breaks;
mod candidates;
mod decompose;
mod diagnose;
mod handout;

mod improve;
mod model;
mod replan;
mod service_level;
mod soft;
mod warm;

use std::collections::HashMap;
use std::time::Instant;

use good_lp::Variable;
use highs::HighsModelStatus;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::horizon::Horizon;
use crate::roster::model::{Break, Roster, Shift};
use crate::scenario::{ObjectiveMode, Scenario, SolveMethod, SolverConfig};
use crate::staffing::QueueRequirements;

use breaks::hand_out;
use candidates::candidates;
use diagnose::diagnose;
pub use diagnose::precheck;
use improve::Run;
use model::{build, Built};
pub use replan::{replan, ReplanRequest};
use warm::{initial_solution, solution_from_plan, Pick};

/// Why the solver stopped, and what that means for the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SolveStatus {
    /// Proven optimal (gap zero).
    Optimal,
    /// Stopped because the gap reached the configured relative gap.
    GapLimit,
    /// Stopped at the time limit with a feasible roster; not proven optimal.
    TimeLimit,
    /// Stopped at another limit (iterations, memory, interrupt) with a feasible roster.
    OtherLimit,
    /// The decomposition finished every step; its gap to the tours' bound is
    /// above the configured gap.
    Decomposed,
}

impl SolveStatus {
    /// A planner-readable explanation of the status.
    pub fn explain(self, cfg: &SolverConfig, gap: f64) -> String {
        self.explain_with(cfg.time_limit_seconds, cfg.mip_rel_gap, gap)
    }

    /// [`SolveStatus::explain`] with the time limit and configured gap given.
    pub fn explain_with(self, time_limit_seconds: f64, mip_rel_gap: f64, gap: f64) -> String {
        match self {
            SolveStatus::Optimal => "proven optimal".to_string(),
            SolveStatus::GapLimit => format!(
                "stopped at gap {:.2}% (the configured gap is {:.2}%): within tolerance of the best bound, not proven optimal",
                gap * 100.0,
                mip_rel_gap * 100.0
            ),
            SolveStatus::TimeLimit => format!(
                "stopped at the {} s time limit with gap {:.2}%: the best roster found, not proven optimal",
                time_limit_seconds,
                gap * 100.0
            ),
            SolveStatus::OtherLimit => format!(
                "stopped at a solver limit with gap {:.2}%: the best roster found, not proven optimal",
                gap * 100.0
            ),
            SolveStatus::Decomposed => format!(
                "the decomposition (tours, then agents) finished with gap {:.2}% to the tours' bound (the configured gap is {:.2}%): the best roster found, not proven optimal",
                gap * 100.0,
                mip_rel_gap * 100.0
            ),
        }
    }
}

/// What the solver did.
#[derive(Debug, Clone, Serialize)]
pub struct SolveInfo {
    pub status: SolveStatus,
    pub stop_reason: String,
    pub objective: f64,
    pub best_bound: f64,
    pub mip_gap: f64,
    pub solve_seconds: f64,
    pub time_limit_seconds: f64,
    pub mip_rel_gap_target: f64,
    pub threads: u32,
    pub random_seed: u32,
    pub variables: usize,
    pub binary_variables: usize,
    pub constraints: usize,
    /// `agents` (one model) or `decomposition` (tours, agents, final model).
    pub method: SolveMethod,
    /// The solves it took, in order.
    pub phases: Vec<SolvePhase>,
}

/// One solve of the method's sequence.
#[derive(Debug, Clone, Serialize)]
pub struct SolvePhase {
    /// `agents` for the one model; `tours`, `agents` and `final` for the decomposition.
    pub name: String,
    /// HiGHS's status, or what the step achieved.
    pub status: String,
    pub objective: Option<f64>,
    pub best_bound: Option<f64>,
    pub solve_seconds: f64,
    /// Size of the model solved (summed over the classes for `agents` of the decomposition).
    pub variables: usize,
    pub constraints: usize,
}

/// The optimizer's result.
#[derive(Debug, Clone)]
pub struct Solved {
    pub roster: Roster,
    pub info: SolveInfo,
}
fn value(values: &[f64], v: &Variable, pos: &HashMap<Variable, usize>) -> f64 {
    values[pos[v]]
}
/// The shift candidate each agent works each day (`None`: off), from the
/// values of `x[agent][day][candidate]`.
fn picked(x: &[Vec<Vec<Variable>>], val: impl Fn(&Variable) -> f64) -> Vec<Vec<Option<usize>>> {
    x.iter()
        .map(|xa| {
            xa.iter()
                .map(|xd| (0..xd.len()).find(|&k| val(&xd[k]) > 0.5))
                .collect()
        })
        .collect()
}

/// `(objective − bound) / |objective|`, HiGHS's definition of the gap.
pub fn relative_gap(objective: f64, bound: f64) -> f64 {
    if objective.abs() < 1e-9 {
        0.0
    } else {
        ((objective - bound) / objective.abs()).max(0.0)
    }
}

/// Gives each agent's shift of each day its breaks from the group's break
/// counts per kind (`counts(group, day)`), by `breaks::hand_out`.
/// `picks[agent][day]` is the shift candidate worked.
fn hand_out_breaks(
    days: &[candidates::Day],
    group_of: &[usize],
    picks: &[Vec<Option<usize>>],
    counts: impl Fn(usize, usize) -> Vec<Vec<usize>>,
) -> Vec<Vec<Option<Pick>>> {
    let groups = group_of.iter().copied().max().map_or(0, |g| g + 1);
    let mut worked: Vec<Vec<Option<Pick>>> = vec![vec![None; days.len()]; picks.len()];
    for g in 0..groups {
        for (di, day) in days.iter().enumerate() {
            let members: Vec<(usize, usize)> = (0..picks.len())
                .filter(|&ai| group_of[ai] == g)
                .filter_map(|ai| picks[ai][di].map(|k| (ai, k)))
                .collect();
            let given = hand_out(day, &members, &counts(g, di));
            for ((ai, k), ms) in members.into_iter().zip(given) {
                worked[ai][di] = Some((k, ms));
            }
        }
    }
    worked
}

/// A solve as a phase of `SolveInfo`, taking `seconds`.
fn phase(name: &str, raw: &crate::lp::RawSolution, seconds: f64) -> SolvePhase {
    SolvePhase {
        name: name.to_string(),
        status: format!("{:?}", raw.status),
        objective: (!raw.values.is_empty()).then_some(raw.objective),
        best_bound: raw.best_bound.is_finite().then_some(raw.best_bound),
        solve_seconds: seconds,
        variables: raw.n_vars,
        constraints: raw.n_cons,
    }
}

/// Share of the time limit the requirement roster may take when it is the
/// start of a service-level solve.
const REQUIREMENTS_SHARE: f64 = 0.5;

/// Solves the roster for the scenario's requirements.
pub fn solve(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    cfg: &SolverConfig,
) -> Result<Solved> {
    // replan: reserve agents are on call, never rostered by a plan (a
    // re-plan calls them, src/solve/replan.rs).
    if scenario.agents.iter().any(|a| a.reserve) {
        let mut on_roster = scenario.clone();
        on_roster.agents.retain(|a| !a.reserve);
        return solve(&on_roster, horizon, reqs, cfg);
    }
    let pre = precheck(scenario);
    if !pre.is_empty() {
        return Err(Error::Infeasible(pre.join("\n")));
    }
    let t0 = Instant::now();
    let days = candidates(scenario);
    let decompose = match cfg.method {
        SolveMethod::Agents => false,
        SolveMethod::Decomposition => true,
        // The service-level agent model seldom leaves its start within a
        // minute even at the demo's size; the decomposition does.
        SolveMethod::Auto => {
            let from = match scenario.objective.mode {
                ObjectiveMode::ServiceLevel => cfg.decompose_service_level_from_agents,
                ObjectiveMode::Requirements => cfg.decompose_from_agents,
            };
            scenario.agents.len() >= from
        }
    };
    let mut decomposed = if decompose {
        match decompose::decompose(scenario, horizon, reqs, &days, cfg)? {
            decompose::Outcome::Infeasible => {
                return Err(Error::Infeasible(diagnose(
                    scenario, horizon, reqs, &days, cfg,
                )))
            }
            decompose::Outcome::Done(d) => Some(d),
        }
    } else {
        None
    };
    // The service-level model is slow to leave a greedy roster, so it starts
    // from the requirement roster, solved first with part of the time.
    let by_requirements = if decomposed.is_none()
        && cfg.warm_start
        && scenario.objective.mode == ObjectiveMode::ServiceLevel
    {
        let mut sc = scenario.clone();
        sc.objective.mode = ObjectiveMode::Requirements;
        let mut part = cfg.clone();
        part.time_limit_seconds = cfg.time_limit_seconds * REQUIREMENTS_SHARE;
        part.method = SolveMethod::Decomposition;
        let first = solve(&sc, horizon, reqs, &part)?;
        warm::plan_from_roster(scenario, &days, &first.roster).map(|plan| {
            let phases = first.info.phases.into_iter().map(|mut p| {
                p.name = format!("requirements start: {}", p.name);
                p
            });
            (plan, phases.collect::<Vec<_>>())
        })
    } else {
        None
    };
    let built = build(
        scenario,
        horizon,
        reqs,
        &days,
        false,
        decomposed.as_ref().and_then(|d| d.fixes.as_ref()),
    );
    let binaries = built.model.binaries;
    let pos = built.model.positions();
    let plan = match (&decomposed, &by_requirements) {
        (Some(d), _) => d.plan.as_ref(),
        (None, Some((plan, _))) => Some(plan),
        (None, None) => None,
    };
    let start = match plan {
        Some(plan) => Some(solution_from_plan(
            scenario, horizon, reqs, &days, &built, &pos, plan,
        )),
        None if cfg.warm_start => initial_solution(scenario, horizon, reqs, &days, &built, &pos),
        None => None,
    };
    let staged = decomposed.is_some() || by_requirements.is_some();
    let mut final_cfg = cfg.clone();
    if staged {
        final_cfg.time_limit_seconds =
            (cfg.time_limit_seconds - t0.elapsed().as_secs_f64()).max(1.0);
    }
    let mut fin = Run::solve(built, &final_cfg, start.as_deref())?;
    // Restricted to the decomposition's shifts, its own bound says nothing
    // of the whole problem.
    let final_phase = SolvePhase {
        best_bound: None,
        ..phase("final", &fin.raw, fin.raw.seconds)
    };
    // The decomposition's roster is improved with the time left.
    let mut improved = None;
    if let Some(d) = decomposed.as_mut().filter(|d| d.bound.is_finite()) {
        if !fin.raw.values.is_empty() {
            // A little is kept for reading the roster out.
            let deadline = t0 + std::time::Duration::from_secs_f64(0.95 * cfg.time_limit_seconds);
            let (best, bound, timed_out, phase) =
                improve::improve(scenario, horizon, reqs, &days, cfg, fin, d.bound, deadline)?;
            fin = best;
            d.bound = bound;
            d.hit_time_limit |= timed_out;
            improved = Some(phase);
        }
    }
    let raw = &fin.raw;
    let status = match raw.status {
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            return Err(Error::Infeasible(diagnose(
                scenario, horizon, reqs, &days, cfg,
            )));
        }
        _ if raw.values.is_empty() => {
            // What each step achieved, so that the planner (and a bug
            // report) can see where the time went.
            let steps: Vec<String> = decomposed
                .iter()
                .flat_map(|d| &d.phases)
                .map(|p| {
                    format!(
                        "{} {} in {:.1} s{}",
                        p.name,
                        p.status,
                        p.solve_seconds,
                        if p.objective.is_some() {
                            ""
                        } else {
                            " without a solution"
                        }
                    )
                })
                .chain(std::iter::once(format!(
                    "agents {:?} in {:.1} s without a solution",
                    raw.status, raw.seconds
                )))
                .collect();
            return Err(Error::Solver(match raw.status {
                HighsModelStatus::ReachedTimeLimit => format!(
                    "no roster found within the {} s time limit ({}); raise time_limit_seconds in the solver config",
                    cfg.time_limit_seconds,
                    steps.join("; ")
                ),
                s => format!("HiGHS stopped with status {s:?} and no roster ({})", steps.join("; ")),
            }));
        }
        HighsModelStatus::Optimal if raw.gap <= 1e-9 => SolveStatus::Optimal,
        HighsModelStatus::Optimal => SolveStatus::GapLimit,
        HighsModelStatus::ReachedTimeLimit => SolveStatus::TimeLimit,
        _ => SolveStatus::OtherLimit,
    };
    // The decomposition's final model is restricted, so its own bound says
    // nothing of the whole problem: the gap is taken to the tours' bound.
    let (status, best_bound, gap, phases) = match decomposed {
        None => {
            let mut phases = by_requirements.map(|(_, p)| p).unwrap_or_default();
            phases.push(phase("agents", raw, raw.seconds));
            (status, raw.best_bound, raw.gap, phases)
        }
        Some(d) => {
            let bound = if d.bound.is_finite() {
                d.bound.min(raw.objective)
            } else {
                raw.best_bound.min(raw.objective)
            };
            let gap = relative_gap(raw.objective, bound);
            let status = if gap <= 1e-9 {
                SolveStatus::Optimal
            } else if gap <= cfg.mip_rel_gap {
                SolveStatus::GapLimit
            } else if d.hit_time_limit || raw.status == HighsModelStatus::ReachedTimeLimit {
                SolveStatus::TimeLimit
            } else {
                SolveStatus::Decomposed
            };
            let mut phases = d.phases;
            phases.push(final_phase);
            phases.extend(improved);
            (status, bound, gap, phases)
        }
    };
    let roster = roster_of(scenario, horizon, &days, &fin, &fin.plan(&days));
    let info = SolveInfo {
        status,
        stop_reason: status.explain(cfg, gap),
        objective: raw.objective,
        best_bound,
        mip_gap: gap,
        solve_seconds: if staged {
            t0.elapsed().as_secs_f64()
        } else {
            raw.seconds
        },
        time_limit_seconds: cfg.time_limit_seconds,
        mip_rel_gap_target: cfg.mip_rel_gap,
        threads: cfg.threads,
        random_seed: cfg.random_seed,
        variables: raw.n_vars,
        binary_variables: binaries,
        constraints: raw.n_cons,
        method: if decompose {
            SolveMethod::Decomposition
        } else {
            SolveMethod::Agents
        },
        phases,
    };
    Ok(Solved { roster, info })
}

/// The roster of a solved agent model: each agent's shift per day with the
/// breaks `worked` gives it (`Run::plan`, or a re-plan's own hand-out), and
/// the queues the agent's skill group served while the agent was on duty.
fn roster_of(
    scenario: &Scenario,
    horizon: &Horizon,
    days: &[candidates::Day],
    fin: &Run,
    worked: &[Vec<Option<Pick>>],
) -> Roster {
    let Built {
        w,
        groups,
        group_of,
        ..
    } = &fin.built;
    let val = |v: &Variable| fin.val(v);

    let mut shifts = Vec::new();
    for (ai, a) in scenario.agents.iter().enumerate() {
        let g = group_of[ai];
        for (di, day) in days.iter().enumerate() {
            let Some((k, ms)) = &worked[ai][di] else {
                continue;
            };
            let s = &day.shifts[*k];
            let mut breaks: Vec<Break> = day
                .kinds
                .iter()
                .zip(ms)
                .filter_map(|(bk, m)| {
                    m.map(|m| Break {
                        kind: bk.kind.into(),
                        start: bk.breaks[m].start,
                        end: bk.breaks[m].end,
                    })
                })
                .collect();
            breaks.sort_by_key(|b| b.start);
            // Queues the agent's skill group served while the agent was on
            // duty: every interval with any presence, so that the report's
            // split of this agent can follow the model's.
            let spans: Vec<_> = breaks.iter().map(|b| (b.start, b.end)).collect();
            let on_duty: Vec<usize> = crate::coverage::presence(horizon, s.start, s.end, &spans)
                .into_iter()
                .map(|(t, _)| t)
                .collect();
            let skills: Vec<String> = groups[g]
                .iter()
                .filter(|q| {
                    let qi = scenario
                        .queues
                        .iter()
                        .position(|x| &x.id == *q)
                        .expect("queue");
                    on_duty.iter().any(|&t| val(&w[&(g, qi)][t]) > 1e-6)
                })
                .cloned()
                .collect();
            shifts.push(Shift {
                agent_id: a.id.clone(),
                agent_name: a.name.clone(),
                date: day.date,
                start: s.start,
                end: s.end,
                breaks,
                skills,
                paid_hours: s.paid_hours,
            });
        }
    }
    let mut roster = Roster {
        site_name: scenario.site.name.clone(),
        timezone: scenario.site.timezone,
        shifts,
    };
    roster.sort();
    roster
}
