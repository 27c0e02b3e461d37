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

mod agents;
mod breaks;
mod candidates;
mod colgen;
mod decompose;
mod diagnose;
mod handout;

mod improve;
mod model;
mod readout;
mod replan;
mod service_level;
mod soft;
mod warm;
mod weeks;

use std::collections::HashMap;
use std::time::Instant;

use good_lp::Variable;
use highs::HighsModelStatus;
use serde::Serialize;

use crate::coverage::model::Reached;
use crate::error::{Error, Result};
use crate::horizon::Horizon;
use crate::roster::model::Roster;
use crate::scenario::{ObjectiveMode, Scenario, SolveMethod, SolverConfig};
use crate::staffing::QueueRequirements;

use breaks::hand_out;
use candidates::candidates;
use diagnose::diagnose;
pub use diagnose::precheck;
use improve::Run;
pub use replan::{replan, unchanged, ReplanRequest};
use warm::Pick;

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

impl SolvePhase {
    /// A step that solves no model of its own (a hand-out, a fit, a dive):
    /// what it achieved, its objective if any, and its time.
    fn step(name: &str, status: impl Into<String>, objective: Option<f64>, seconds: f64) -> Self {
        SolvePhase {
            name: name.into(),
            status: status.into(),
            objective,
            best_bound: None,
            solve_seconds: seconds,
            variables: 0,
            constraints: 0,
        }
    }
}

/// The optimizer's result.
#[derive(Debug, Clone)]
pub struct Solved {
    pub roster: Roster,
    pub info: SolveInfo,
    /// With the service-level objective's steps, the steps the roster's
    /// split reached at the claimed objective: the start of the report's
    /// search for the least-cost split (`report::Limits::start`), so that
    /// the report's price is never above the claim.
    pub reached: Option<Reached>,
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

/// How a solve is going, for a progress line: the step, the best roster's
/// objective so far and the best bound of the whole problem so far.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveProgress {
    pub step: String,
    pub incumbent: Option<f64>,
    pub bound: Option<f64>,
    pub seconds: f64,
}

impl SolveProgress {
    /// `(incumbent − bound) / |incumbent|` when both are known.
    pub fn gap(&self) -> Option<f64> {
        Some(relative_gap(self.incumbent?, self.bound?))
    }
}

/// Collects what the steps of a solve report and passes it on to a
/// caller's function (the binary's progress line). Thread-safe: HiGHS
/// reports from its own thread.
pub struct Progress<'a> {
    sink: Option<&'a (dyn Fn(&SolveProgress) + Sync)>,
    t0: Instant,
    state: std::sync::Mutex<SolveProgress>,
}

impl<'a> Progress<'a> {
    /// Progress told to `sink`.
    pub fn to(sink: &'a (dyn Fn(&SolveProgress) + Sync)) -> Progress<'a> {
        Progress {
            sink: Some(sink),
            ..Progress::none()
        }
    }

    /// Progress told to no one.
    pub fn none() -> Progress<'static> {
        Progress {
            sink: None,
            t0: Instant::now(),
            state: std::sync::Mutex::new(SolveProgress {
                step: String::new(),
                incumbent: None,
                bound: None,
                seconds: 0.0,
            }),
        }
    }

    fn update(&self, f: impl FnOnce(&mut SolveProgress)) {
        let Some(sink) = self.sink else { return };
        let snapshot = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut s);
            s.seconds = self.t0.elapsed().as_secs_f64();
            s.clone()
        };
        sink(&snapshot);
    }

    /// A new step begins.
    pub(crate) fn step(&self, name: &str) {
        self.update(|s| s.step = name.to_string());
    }

    /// A roster of the whole problem with this objective exists.
    pub(crate) fn incumbent(&self, objective: f64) {
        if objective.is_finite() {
            self.update(|s| {
                s.incumbent = Some(s.incumbent.map_or(objective, |o| o.min(objective)))
            });
        }
    }

    /// Every roster of the whole problem costs at least this.
    pub(crate) fn bound(&self, bound: f64) {
        if bound.is_finite() {
            self.update(|s| s.bound = Some(s.bound.map_or(bound, |b| b.max(bound))));
        }
    }

    /// What HiGHS reports of a MIP whose rosters are rosters of the whole
    /// problem (`whole`: its bound bounds the whole problem too).
    pub(crate) fn mip(&self, whole: bool) -> impl Fn(crate::lp::MipProgress) + Sync + '_ {
        move |m: crate::lp::MipProgress| {
            self.incumbent(m.incumbent);
            if whole {
                self.bound(m.bound);
            }
        }
    }
}

/// What a method hands back: the final run of the agent model, from which
/// the roster is read, and what the steps found.
struct Outcome {
    run: Run,
    /// A bound of the whole problem from an earlier step (the tours'
    /// relaxation); `None` when the run's own bound is the bound.
    bound: Option<f64>,
    hit_time_limit: bool,
    phases: Vec<SolvePhase>,
    method: SolveMethod,
    /// Whether the steps took more than the final run (so the solve time is
    /// the whole method's).
    staged: bool,
}

/// The method for `scenario` under `cfg`: the agent model, the
/// decomposition (tours, then agents), or column generation.
pub fn method_for(scenario: &Scenario, cfg: &SolverConfig) -> SolveMethod {
    match cfg.method {
        SolveMethod::Auto if scenario.weeks().len() > 1 => SolveMethod::Weeks,
        SolveMethod::Auto => {
            let (from, generate_from) = match scenario.objective.mode {
                ObjectiveMode::ServiceLevel => (
                    cfg.decompose_service_level_from_agents,
                    cfg.column_generation_service_level_from_agents,
                ),
                ObjectiveMode::Requirements => {
                    (cfg.decompose_from_agents, cfg.column_generation_from_agents)
                }
            };
            let n = scenario.agents.len();
            if n >= generate_from {
                SolveMethod::ColumnGeneration
            } else if n >= from {
                SolveMethod::Decomposition
            } else {
                SolveMethod::Agents
            }
        }
        m => m,
    }
}

/// Solves the roster for the scenario's requirements.
pub fn solve(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    cfg: &SolverConfig,
) -> Result<Solved> {
    solve_with(scenario, horizon, reqs, cfg, &Progress::none())
}

/// [`solve`], telling `progress` how it goes. The steps: check the
/// contracts can be met at all, build the candidates, run the method
/// (`agents.rs` or `decompose.rs`), read the roster out of its final run.
pub fn solve_with(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    cfg: &SolverConfig,
    progress: &Progress,
) -> Result<Solved> {
    // replan: reserve agents are on call, never rostered by a plan (a
    // re-plan calls them, src/solve/replan.rs).
    if scenario.agents.iter().any(|a| a.reserve) {
        let mut on_roster = scenario.clone();
        on_roster.agents.retain(|a| !a.reserve);
        return solve_with(&on_roster, horizon, reqs, cfg, progress);
    }
    let pre = precheck(scenario);
    if !pre.is_empty() {
        return Err(Error::Infeasible(pre.join("\n")));
    }
    let t0 = Instant::now();
    let days = candidates(scenario);
    // With the service-level objective the final pricing is an integer
    // program (the steps below each tangent point) that can take its whole
    // floor: the method stops that much earlier, so that the solve keeps
    // to its limit. With the requirement objective it is a linear program
    // of a second or so, and the method has the whole limit.
    let mut method_cfg = cfg.clone();
    if scenario.objective.mode == ObjectiveMode::ServiceLevel {
        method_cfg.time_limit_seconds -= priced_reserve(cfg.time_limit_seconds);
    }
    let m_cfg = &method_cfg;
    let outcome = match method_for(scenario, cfg) {
        SolveMethod::Decomposition => {
            decompose::method(scenario, horizon, reqs, &days, m_cfg, progress, t0)?
        }
        SolveMethod::ColumnGeneration => {
            colgen::method(scenario, horizon, reqs, &days, m_cfg, progress, t0)?
        }
        SolveMethod::Weeks if scenario.weeks().len() > 1 => {
            weeks::method(scenario, horizon, reqs, &days, m_cfg, progress, t0)?
        }
        _ => agents::method(scenario, horizon, reqs, &days, m_cfg, progress)?,
    };
    finish(scenario, horizon, reqs, &days, cfg, outcome, t0)
}

/// The agents whose weekly minimum hours cannot be met whatever the
/// roster, each checked alone under every rule of theirs (days off,
/// availability, working days, rest, days in a row, the block of days off,
/// the run carried in), one line each in a planner's words with the rules
/// that would have to give way: what `rota plan` explains when a scenario
/// has no roster, asked before planning (a generated centre checks itself
/// with it). Empty when every agent's minimum fits.
pub fn unmet_minimums(scenario: &Scenario, cfg: &SolverConfig) -> Vec<String> {
    let horizon = Horizon::new(scenario);
    let days = candidates(scenario);
    // Coverage plays no part: requirements of nothing.
    let none = crate::staffing::IntervalRequirement::none();
    let reqs: Vec<QueueRequirements> = scenario
        .queues
        .iter()
        .map(|q| QueueRequirements {
            queue: q.id.clone(),
            intervals: vec![none; horizon.intervals.len()],
        })
        .collect();
    diagnose::explain_agents(scenario, &horizon, &reqs, &days, cfg)
        .map(|s| s.lines().map(String::from).collect())
        .unwrap_or_default()
}

/// The agents (indices) who have no plan keeping every rule of theirs over
/// the whole plan, their weekly minimum hours included: the pricing of
/// column generation (a dynamic program over the days, per agent, no
/// coverage) finds none. Fast enough to check a generated centre as it is
/// made; [`unmet_minimums`] says why, in a planner's words.
pub fn agents_without_plan(scenario: &Scenario) -> Vec<usize> {
    colgen::without_plan(scenario, &candidates(scenario))
}

/// The least share of the time limit the final roster's pricing gets
/// when the run has used its time (`finish`).
const PRICED_SHARE: f64 = 0.1;

/// Seconds a pricing of a finished roster may take, `used` of the run's
/// `limit` gone: the time left, or where little is left a tenth of the
/// limit, at most a minute. The final roster's pricing (the `priced`
/// phase) keeps to it, and so does the report's search for the split
/// across queues in `plan::Inputs::check`.
pub fn pricing_seconds(limit: f64, used: f64) -> f64 {
    (limit - used).max(priced_reserve(limit))
}

/// The floor of [`pricing_seconds`]: a tenth of the limit, at most a
/// minute. With the service-level objective the method keeps it back for
/// the final pricing ([`solve_with`]).
fn priced_reserve(limit: f64) -> f64 {
    (PRICED_SHARE * limit).min(60.0)
}

/// The roster of the outcome's final run, and what the solve achieved.
fn finish(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[candidates::Day],
    cfg: &SolverConfig,
    outcome: Outcome,
    t0: Instant,
) -> Result<Solved> {
    let Outcome {
        run: mut fin,
        bound,
        hit_time_limit,
        mut phases,
        method,
        staged,
    } = outcome;
    // The final run's continuous part (the split of multi-skilled time
    // across queues, the credited service level) may be short of its best
    // for the roster's shifts and breaks, and so claim more than the roster
    // costs: a time-limited run stops wherever it is, and HiGHS has returned
    // a start's split as "optimal" for a model whose shifts were fixed (a
    // service-level month claimed 33,487.9 for a roster the report prices at
    // 33,436.9). Priced again with shifts and breaks fixed, from no start
    // (a linear program but for the service-level steps), the objective is
    // what the written roster costs. The bound stays the run's; a run that
    // HiGHS called optimal and that prices lower is not proven optimal.
    if !fin.raw.values.is_empty() {
        let claimed = fin.raw.objective;
        let plan = fin.plan(days);
        // Within the time left, or a tenth of the limit (at most a minute)
        // where little is left: a linear program but for the service-level
        // steps, it takes a second on the demo.
        let seconds = pricing_seconds(cfg.time_limit_seconds, t0.elapsed().as_secs_f64());
        let settled = improve::settle(scenario, horizon, reqs, days, cfg, &plan, seconds)?;
        phases.push(SolvePhase {
            best_bound: None,
            ..phase("priced", &settled.raw, settled.raw.seconds)
        });
        let exact = settled.raw.status == HighsModelStatus::Optimal;
        if !settled.raw.values.is_empty() && (exact || settled.raw.objective < claimed) {
            let lower = settled.raw.objective < claimed - 1e-6 * claimed.abs().max(1.0);
            let (mut status, best_bound, gap) = (fin.raw.status, fin.raw.best_bound, fin.raw.gap);
            if lower && status == HighsModelStatus::Optimal {
                status = HighsModelStatus::Unknown;
            }
            fin = settled;
            fin.raw.status = status;
            fin.raw.best_bound = best_bound.min(fin.raw.objective);
            fin.raw.gap = if lower {
                relative_gap(fin.raw.objective, fin.raw.best_bound)
            } else {
                gap
            };
        }
    }
    let raw = &fin.raw;
    let status = match raw.status {
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
            return Err(Error::Infeasible(diagnose(
                scenario, horizon, reqs, days, cfg,
            )));
        }
        _ if raw.values.is_empty() => {
            // What each step achieved, so that the planner (and a bug
            // report) can see where the time went.
            let steps: Vec<String> = phases
                .iter()
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
    // A restricted final model's own bound says nothing of the whole
    // problem: with an earlier step's bound, the gap is taken to it.
    let (status, best_bound, gap) = match bound {
        None => (status, raw.best_bound, raw.gap),
        Some(b) => {
            let bound = if b.is_finite() {
                b.min(raw.objective)
            } else {
                raw.best_bound.min(raw.objective)
            };
            let gap = relative_gap(raw.objective, bound);
            let status = if gap <= 1e-9 {
                SolveStatus::Optimal
            } else if gap <= cfg.mip_rel_gap {
                SolveStatus::GapLimit
            } else if hit_time_limit || raw.status == HighsModelStatus::ReachedTimeLimit {
                SolveStatus::TimeLimit
            } else {
                SolveStatus::Decomposed
            };
            (status, bound, gap)
        }
    };
    let roster = readout::roster(scenario, horizon, days, &fin);
    let reached = fin.reached();
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
        binary_variables: fin.binaries,
        constraints: raw.n_cons,
        method,
        phases,
    };
    Ok(Solved {
        roster,
        info,
        reached,
    })
}
