//! Large-neighbourhood search after the decomposition: while time is left
//! and the gap to the tours' bound is above the configured gap, a few agents'
//! whole weeks are freed (every other agent's shifts stay as they are), the
//! agent model re-solves them from the incumbent roster, and a better roster
//! replaces the incumbent. The hand-out to agents leaves shifts where the
//! tour counts do not fit individual contracts; re-solving the agents around
//! them puts those shifts where coverage needs them.
//!
//! Neighbourhoods alternate between agents of one skill group (who can
//! swap shifts) and agents drawn from all groups; every third, while some
//! agent's wish is missed, frees those agents with agents of their skill
//! groups, who may take the shifts they wish away; their size grows while the
//! sub-solves finish quickly and shrinks when they hit their time limit.
//! Every fourth frees every agent over two days instead. Each sub-solve
//! starts from the incumbent's own values and gets a few seconds (4 % of
//! the time limit, at least 2 s): many small neighbourhoods find more than
//! a few large ones that end on their limit (the demo with wishes and fair
//! weekends, planned beside a second job: 11.4 % against 21.2 % before).
//! Agents are drawn by a generator seeded with the solver's `random_seed`,
//! so the neighbourhoods are the same from run to run (what the time-limited
//! sub-solves find in them may not be).

use std::collections::HashMap;
use std::time::Instant;

use good_lp::Variable;
use highs::HighsModelStatus;
use rand::seq::index::sample;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::candidates::Day;
use super::decompose::{tighten, TIGHTEN_SHARE};
use super::model::{build, keep_picks, keep_picks_but, Built};
use super::warm::{solution_from_plan, Pick};
use super::{hand_out_breaks, picked, value, Progress, SolvePhase};
use crate::coverage::model::Reached;
use crate::error::Result;
use crate::horizon::Horizon;
use crate::lp::{run_watched, RawSolution, Watch};
use crate::scenario::{Scenario, SolverConfig};
use crate::staffing::QueueRequirements;

/// A solved agent model and what the roster is read from.
pub(super) struct Run {
    pub(super) raw: RawSolution,
    pub(super) pos: HashMap<Variable, usize>,
    pub(super) built: Built,
    /// Integer variables of the model solved.
    pub(super) binaries: usize,
}

impl Run {
    /// The service-level steps this run's split reached (`Solved::reached`);
    /// `None` without any.
    pub(super) fn reached(&self) -> Option<Reached> {
        Some(self.built.sl.reached(|v| self.raw.values[self.pos[&v]])).filter(|r| !r.is_empty())
    }

    /// Solves `built` from `start`.
    pub(super) fn solve(
        built: Built,
        cfg: &SolverConfig,
        start: Option<&[f64]>,
        watch: Option<Watch>,
    ) -> Result<Run> {
        let pos = built.model.positions();
        let mut built = built;
        let binaries = built.model.binaries;
        let model = std::mem::replace(&mut built.model, super::model::new_model());
        let raw = run_watched(model, cfg, start, watch)?;
        Ok(Run {
            raw,
            pos,
            built,
            binaries,
        })
    }

    /// The value of `v` in the solution.
    pub(super) fn val(&self, v: &Variable) -> f64 {
        value(&self.raw.values, v, &self.pos)
    }

    /// Each agent's shift per day with its breaks.
    pub(super) fn plan(&self, days: &[Day]) -> Vec<Vec<Option<Pick>>> {
        let b = &self.built;
        let picks = picked(&b.x, |v| self.val(v));
        hand_out_breaks(days, &b.group_of, &picks, |g, di| {
            b.breaks[g][di]
                .iter()
                .map(|kind| {
                    kind.iter()
                        .map(|v| self.val(v).round().max(0.0) as usize)
                        .collect()
                })
                .collect()
        })
    }
}

/// Days a neighbourhood frees on a plan longer than this.
const WINDOW_DAYS: usize = 7;

/// Agents freed per neighbourhood at first, and the range it moves in.
const FIRST_SIZE: usize = 8;
const SIZES: (usize, usize) = (4, 60);
/// Days a neighbourhood of every agent frees.
const ALL_AGENTS_DAYS: usize = 2;

/// Improves `incumbent` until `deadline` or until its gap to `bound` is at
/// most the configured gap. A neighbourhood that frees every agent is the
/// whole agent model: solved to optimality, its bound bounds the problem
/// too (and nothing is left to find). Returns the best run, the bound
/// (`bound`, or that better one), whether it stopped at the deadline, and
/// the phase it adds.
#[allow(clippy::too_many_arguments)]
pub(super) fn improve(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    incumbent: Run,
    bound: f64,
    deadline: Instant,
    progress: &Progress,
) -> Result<(Run, f64, bool, SolvePhase)> {
    let t0 = Instant::now();
    let n = scenario.agents.len();
    let group_of = incumbent.built.group_of.clone();
    let n_groups = group_of.iter().copied().max().map_or(0, |g| g + 1);
    let mut best = incumbent;
    let mut plan = best.plan(days);
    let mut rng = ChaCha8Rng::seed_from_u64(u64::from(cfg.random_seed));
    let per_try = (0.04 * cfg.time_limit_seconds).max(2.0);
    let mut size = FIRST_SIZE;
    let (mut tries, mut better) = (0, 0);
    let mut timed_out = false;
    // The longest a try took beyond its solve, in seconds.
    let mut overhead: f64 = 0.0;
    let mut bound = bound;
    while n > 0 && super::relative_gap(best.raw.objective, bound) > cfg.mip_rel_gap {
        // Building and handing over the model takes time too: a try starts
        // only with room for that and a second of search.
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64()
            - overhead;
        if left < 1.0 {
            timed_out = true;
            break;
        }
        let picks: Vec<Vec<Option<usize>>> = plan
            .iter()
            .map(|row| row.iter().map(|p| p.as_ref().map(|(k, _)| *k)).collect())
            .collect();
        let mut free = vec![false; n];
        // Every fourth try (the fourth first): every agent, over a couple
        // of days, where shifts move between agents and times of day that
        // neighbourhoods of a few agents over whole weeks cannot reach.
        let all_agents = tries % 4 == 3 && days.len() > ALL_AGENTS_DAYS;
        // Every third try (the second first), while some agent's wish is
        // missed: those agents, and agents of their skill groups who might
        // take the shifts they wish away.
        let wishes = if tries % 3 == 1 && !all_agents {
            super::soft::missing_wishes(scenario, days, &picks)
        } else {
            Vec::new()
        };
        let pool: Vec<usize> = if all_agents {
            (0..n).collect()
        } else if !wishes.is_empty() {
            for &a in &wishes {
                free[a] = true;
            }
            (0..n)
                .filter(|&a| !free[a] && wishes.iter().any(|&w| group_of[w] == group_of[a]))
                .collect()
        } else if tries % 2 == 1 && n_groups > 1 {
            // Odd tries: one skill group; even tries: any agents.
            let g = rng.random_range(0..n_groups);
            (0..n).filter(|&a| group_of[a] == g).collect()
        } else {
            (0..n).collect()
        };
        tries += 1;
        let room = if all_agents {
            pool.len()
        } else {
            size.saturating_sub(wishes.len()).min(pool.len())
        };
        for i in sample(&mut rng, pool.len(), room) {
            free[pool[i]] = true;
        }
        // On a plan of several weeks, a window of days of those agents.
        let window = if all_agents {
            let first = rng.random_range(0..=days.len() - ALL_AGENTS_DAYS);
            first..first + ALL_AGENTS_DAYS
        } else if days.len() > WINDOW_DAYS {
            let first = rng.random_range(0..=days.len() - WINDOW_DAYS);
            first..first + WINDOW_DAYS
        } else {
            0..days.len()
        };
        let fixes = keep_picks_but(days, &picks, &|a, d| free[a] && window.contains(&d));
        let tried = Instant::now();
        let mut built = build(scenario, horizon, reqs, days, false, Some(&fixes));
        // Outside the window the breaks stay where they are too: every
        // shift there is fixed, and the breaks of four weeks would make
        // each neighbourhood a large integer program of its own.
        if window.len() < days.len() {
            keep_breaks(&mut built, &plan, &|d| !window.contains(&d));
        }
        let pos = built.model.positions();
        let start = incumbent_start(&built, &pos, &best).unwrap_or_else(|| {
            solution_from_plan(scenario, horizon, reqs, days, &built, &pos, &plan)
        });
        // The time left once the model is built (building a large one on a
        // busy machine takes seconds), so the try ends by the deadline.
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        if left < 0.5 {
            timed_out = true;
            break;
        }
        let mut sub = cfg.clone();
        sub.time_limit_seconds = per_try.min(left);
        sub.mip_rel_gap = cfg.mip_rel_gap.min(1e-4);
        let r = Run::solve(built, &sub, Some(&start), Some(&progress.mip(false)))?;
        // Whatever a try took beyond the search it was given: building the
        // model, and HiGHS running past its limit (12.5 s for a 6 s limit,
        // seen on the 200-agent benchmark under load).
        overhead = overhead.max(tried.elapsed().as_secs_f64() - sub.time_limit_seconds);
        if all_agents {
            // Its size is the days', fixed.
        } else if r.raw.status == HighsModelStatus::ReachedTimeLimit {
            size = (size.saturating_sub(4)).max(SIZES.0);
        } else if r.raw.seconds < 0.25 * per_try {
            size = (size + 4).min(SIZES.1);
        }
        let whole = free.iter().all(|&f| f)
            && window.len() == days.len()
            && r.raw.status == HighsModelStatus::Optimal;
        if whole && r.raw.best_bound.is_finite() {
            bound = bound.max(r.raw.best_bound);
            progress.bound(bound);
        }
        if !r.raw.values.is_empty() && r.raw.objective < best.raw.objective - 1e-6 {
            better += 1;
            plan = r.plan(days);
            best = r;
        }
        if whole {
            break;
        }
    }
    let phase = SolvePhase {
        name: "improve".into(),
        status: format!("{better} of {tries} neighbourhoods improved"),
        objective: Some(best.raw.objective),
        best_bound: None,
        solve_seconds: t0.elapsed().as_secs_f64(),
        variables: best.raw.n_vars,
        constraints: best.raw.n_cons,
    };
    Ok((best, bound, timed_out, phase))
}

/// The incumbent's own values as the start of a neighbourhood's model,
/// when that model has the incumbent's columns (built the same way, with
/// other fixes) and every shift as the incumbent has it. A start rebuilt
/// from the plan routes multi-skilled time by a rule of thumb, and with the
/// service-level objective it priced the demo's incumbent roster at
/// 1,848.8 against the 1,399.4 it costs: HiGHS then spent each
/// neighbourhood's seconds finding what it was handed.
fn incumbent_start(built: &Built, pos: &HashMap<Variable, usize>, best: &Run) -> Option<Vec<f64>> {
    let values = &best.raw.values;
    if values.len() != pos.len() || best.pos.len() != pos.len() {
        return None;
    }
    let same = built.x.iter().zip(&best.built.x).all(|(xa, ba)| {
        xa.iter().zip(ba).all(|(xd, bd)| {
            xd.iter()
                .zip(bd)
                .all(|(v, b)| pos.get(v) == best.pos.get(b))
        })
    });
    same.then(|| values.clone())
}

/// The end of a staged method once its final run is in (`fin` against
/// `bound`): while the gap is above the configured one, the
/// decomposition's integer tours for a tighter bound (when a share of the
/// time left to `deadline` is at least `min_tighten_seconds`), then the
/// neighbourhoods; their phases go to `phases`. Returns the best run, the
/// bound and whether a neighbourhood hit its time limit.
#[allow(clippy::too_many_arguments)]
pub(super) fn tighten_then_improve(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    fin: Run,
    mut bound: f64,
    deadline: Instant,
    min_tighten_seconds: f64,
    phases: &mut Vec<SolvePhase>,
    progress: &Progress,
) -> Result<(Run, f64, bool)> {
    let open = |bound: f64, fin: &Run| {
        !fin.raw.values.is_empty()
            && super::relative_gap(fin.raw.objective, bound) > cfg.mip_rel_gap
    };
    let tighten_seconds = TIGHTEN_SHARE
        * deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
    if open(bound, &fin) && tighten_seconds >= min_tighten_seconds {
        // The decomposition's integer tours, unrestricted, for a bound that
        // may be tighter than the relaxations'.
        progress.step("integer tours: a tighter bound");
        if let Some((b, ph)) = tighten(scenario, horizon, reqs, days, cfg, None, tighten_seconds)? {
            if b > bound {
                bound = b.min(fin.raw.objective);
                progress.bound(bound);
            }
            phases.push(ph);
        }
    }
    if !open(bound, &fin) {
        return Ok((fin, bound, false));
    }
    progress.step(if days.len() > WINDOW_DAYS {
        "improving: neighbourhoods of agents and days re-solved"
    } else {
        "improving: neighbourhoods of agents re-solved"
    });
    let (best, bound, timed_out, ph) = improve(
        scenario, horizon, reqs, days, cfg, fin, bound, deadline, progress,
    )?;
    phases.push(ph);
    Ok((best, bound, timed_out))
}

/// Fixes the break counts of `built` on the days `kept(d)` to those of
/// `plan` (each agent's shift and breaks per day).
pub(super) fn keep_breaks(
    built: &mut Built,
    plan: &[Vec<Option<Pick>>],
    kept: &dyn Fn(usize) -> bool,
) {
    for (g, bg) in built.breaks.iter().enumerate() {
        for (d, bd) in bg.iter().enumerate() {
            if !kept(d) {
                continue;
            }
            for (kind, vars) in bd.iter().enumerate() {
                let mut count = vec![0usize; vars.len()];
                for (a, row) in plan.iter().enumerate() {
                    if built.group_of[a] != g {
                        continue;
                    }
                    if let Some((_, ms)) = &row[d] {
                        if let Some(Some(m)) = ms.get(kind) {
                            count[*m] += 1;
                        }
                    }
                }
                for (v, n) in vars.iter().zip(count) {
                    built
                        .model
                        .constraints
                        .push(good_lp::Expression::from(*v).eq(n as f64));
                }
            }
        }
    }
}

/// The agent model of the whole plan with every shift of `plan` fixed
/// (and with `breaks_too` every break).
pub(super) fn fixed_to(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    plan: &[Vec<Option<Pick>>],
    breaks_too: bool,
) -> Built {
    let picks: Vec<Vec<Option<usize>>> = plan
        .iter()
        .map(|row| row.iter().map(|p| p.as_ref().map(|(k, _)| *k)).collect())
        .collect();
    let fixes = keep_picks(days, &picks, &vec![false; picks.len()]);
    let mut built = build(scenario, horizon, reqs, days, false, Some(&fixes));
    if breaks_too {
        keep_breaks(&mut built, plan, &|_| true);
    }
    built
}

/// The roster of `plan` (every shift and break) priced by the agent model
/// with all of them fixed: a linear program in the split across queues
/// (and the credited service level, with its steps), solved to its optimum
/// from no start (with one, HiGHS has returned the start's split as
/// optimal; `finish` in `mod.rs`), in at most `seconds`. With the
/// service-level objective's steps it is an integer program, which on
/// 1,000 agents ran 300 s; stopped short, its split is kept only where it
/// prices the roster lower than the run that found it.
pub(super) fn settle(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    plan: &[Vec<Option<Pick>>],
    seconds: f64,
) -> Result<Run> {
    let built = fixed_to(scenario, horizon, reqs, days, plan, true);
    let mut exact = cfg.clone();
    exact.mip_rel_gap = 0.0;
    exact.time_limit_seconds = seconds;
    // Options that steer the search (a limit on improving solutions, say)
    // would stop this one short of the optimum it is for.
    exact.options.clear();
    Run::solve(built, &exact, None, None)
}
