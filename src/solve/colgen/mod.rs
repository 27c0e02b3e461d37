//! Column generation over agents' plans: the method for large centres.
//!
//! 1. **Kinds.** Agents the model cannot tell apart — same skill group and
//!    everything else but their id and name: contract, shifts allowed, cost
//!    of each shift, last week — form a kind, and share their columns (a
//!    generated centre of 2,000 agents has six kinds; an agent with wishes
//!    or days off of their own is a kind alone).
//! 2. **The tours' relaxation** of the decomposition (`decompose.rs`, by the
//!    interior point method): its optimum bounds every roster, its counts
//!    say how many shifts of each start and length each class and group
//!    works, and its duals what each shift is worth.
//! 3. **Whole tours handed out.** Given at least
//!    [`MIN_WHOLE_TOURS_SECONDS`], the decomposition's integer tours near the
//!    relaxation (and the open tours after them when those are far above
//!    it; `decompose.rs`), handed to the agents by its class programs. When every
//!    counted shift is handed out, that roster costs the whole tours'
//!    objective; within the configured gap of the bound it is the answer
//!    (step 7), else it starts the integer master. (When the tours fit the
//!    agents' contracts this is the fast way; when they do not — contract
//!    minimums above the need — the hand-out misses shifts, and the steps
//!    below find rosters the tours cannot.)
//! 4. **Plans that fit the tours** (`fit.rs`): per group, the mix of the
//!    kinds' plans that comes closest to the relaxation's counts, each plan
//!    keeping every rule of its agent. When the counts can be met by
//!    individual plans (they could on every benchmark centre), the master
//!    below starts at the tours' bound.
//! 5. **Linear master and pricing.** The master (`master.rs`) chooses for
//!    each kind a mix of its plans, covering the requirement with the agent
//!    model's own break and coverage constraints. Its duals value each
//!    shift; the pricing (`pricing.rs`) finds each kind's cheapest plans
//!    under those values by dynamic programming over the days, with every
//!    rule of the agent (rest, days in a row, days off and their block,
//!    working days and contract hours per week, availability, templates,
//!    rotations), and adds those that lower the master's cost. The pricing
//!    looks at a point between the tours' values and the master's (Wentges'
//!    smoothing). After a round priced at the master's own values, the
//!    master's value plus each kind's size times its cheapest plan's
//!    reduced cost (when negative) bounds every roster (the Lagrangian
//!    bound of the Dantzig–Wolfe reformulation: a roster is a choice of one
//!    plan per agent). The generation ends when no plan prices out or the
//!    master reaches the bound; the master's value is then a bound itself,
//!    at least the tours' (every tour constraint holds for a mix of
//!    individual plans).
//! 6. **Whole agents** (`dive.rs`). A dive in the linear master: each
//!    column's whole agents committed, a small batch of the largest
//!    fractions rounded up, the master re-solved from its basis, until
//!    every `λ` is whole. When that mix (or the exact hand-out of step 3)
//!    is within half the configured gap of the bound it is the answer;
//!    else the **integer master**: the master with integer `λ`, each column
//!    between the floor and the ceiling of its share of the linear mix
//!    (widened to the better of those two mixes, which starts it; HiGHS,
//!    time-limited; breaks and service-level steps left continuous).
//! 7. **Roster.** Each kind's agents take the chosen plans; the agent model
//!    with every shift fixed places the breaks, splits multi-skilled time
//!    across queues and prices the roster exactly (with the fairness terms
//!    the master leaves out); then, with the time left and the gap above
//!    the configured one, the large-neighbourhood search of `improve.rs`.
//!
//! The gap reported is the roster's objective against the best bound of
//! steps 2 and 5.

mod dive;
mod fit;
mod master;
mod pricing;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use good_lp::{IntoAffineExpression, Variable};
use highs::HighsModelStatus;
use rayon::prelude::*;

use super::candidates::Day;
use super::decompose::{integer_tours, tours_relaxation, with_time};
use super::improve::{self, Run};
use super::model::{
    add_agents, break_counts, build, empty_members, keep_picks, new_model, skill_groups,
    BreakCounts, Relax,
};
use super::warm::{greedy, solution_from_plan, Pick};
use super::{hand_out_breaks, phase, value, Outcome, Progress, SolvePhase};
use crate::error::{Error, Result};
use crate::horizon::Horizon;
use crate::lp::run_watched;
use crate::scenario::{Agent, ObjectiveMode, Scenario, SolveMethod, SolverConfig};
use crate::staffing::QueueRequirements;
use master::{build_master, Column, Groups, KindInfo, LinearMaster, LpSolution};
use pricing::{Pricer, Schedule};

/// Shares of the time limit by which each step ends at the latest: the
/// tours' relaxation, the fit, the linear master, the integer master. The
/// relaxation is the bound, and without it the rest has nothing to start
/// from (200 individual people in 60 s: no relaxation by 0.3 of the time,
/// the master three rounds from scratch, 54.6 %; the relaxation takes 20
/// to 26 s on the idle 2-core machine), so it may take up to
/// 0.5; when it takes more than `LATE_RELAXATION` on a centre of the size
/// `auto` plans by column generation, the whole tours are skipped (their
/// integer program on such a model found nothing in its 8 s) and the
/// column generation has their time (10.5 % and 10.8 % on two seeds then).
const TOURS_SHARE: f64 = 0.5;
const LATE_RELAXATION: f64 = 0.3;
/// The integer programs over the whole tours (the tours near the
/// relaxation, and the unrestricted ones for a tighter bound) solve the
/// relaxation again at their root: on a centre of the size `auto` plans by
/// column generation they are skipped unless they have this many times the
/// relaxation's time. The 1,000 individual people of `week1000-real` found
/// no tours in 56 s after a relaxation of 37 s, nor in 40 s after 53 s
/// as three sites, and the tighter bound came back at 0 after 20 s: time
/// the column generation lacked.
const ROOTS: f64 = 3.0;
const WHOLE_TOURS_SHARE: f64 = 0.2;
const HANDOUT_SHARE: f64 = 0.4;
/// The same two for plans of several weeks.
const LONG_WHOLE_TOURS_SHARE: f64 = 0.4;
const LONG_HANDOUT_SHARE: f64 = 0.5;
const FIT_SHARE: f64 = 0.45;
const LP_SHARE: f64 = 0.55;
const DIVE_SHARE: f64 = 0.7;
/// A large centre (`column_generation_from_agents`) whose kinds of agent
/// have fewer agents than this on average skips the dive, and its time
/// goes to HiGHS's integer master. With one or two agents a kind, each
/// column's count is 0 or 1 and the dive rounds hundreds of them a few at
/// a time: on the realistic centres (141 kinds of 200 agents, about 400
/// of 1,000) it ran its whole share (9 s of 60; 45 to 79 s of 300) and
/// stopped with no whole mix, where the integer master then found one in
/// 6 to 17 s. Generated centres (six kinds of 200 agents) keep it: there
/// HiGHS's integer master straight after the linear master ended 2 to 5 %
/// above the bound.
const DIVE_AGENTS_PER_KIND: f64 = 3.0;
const IP_SHARE: f64 = 0.8;
/// The final model ends by this share, counted after it is built, leaving
/// the rest to the roster's pricing (`priced`): the 200-agent realistic
/// week ran 61.4 s of its 60 when the final model's limit was the time
/// left before building it.
const FINAL_SHARE: f64 = 0.98;
/// The least time the whole tours are given: HiGHS's root heuristics on
/// the tour model (its central rounding) do not look at the clock, and ran
/// 12 to 14 s on the 200-agent benchmark whatever the limit (1.2 to 2.4 s
/// when the relaxation's counts are nearly whole), and their time grows
/// with the agents: so this is per 200 agents, and at least
/// `MIN_WHOLE_TOURS_FLOOR` (the demo's 42 agents take 0.8 s, a week of a
/// month's plan gets 10 to 15 s in all). With less time the column
/// generation's dive finds the whole agents instead.
const MIN_WHOLE_TOURS_SECONDS: f64 = 8.0;
const MIN_WHOLE_TOURS_FLOOR: f64 = 1.5;
/// A plan enters the master when its reduced cost is below this.
const ENTERS: f64 = -1e-6;
/// Weight of the centre in the values the pricing looks at.
const SMOOTHING: f64 = 0.5;

/// Agents the model cannot tell apart, and their pricing.
struct Kind {
    group: usize,
    agents: Vec<usize>,
    pricer: Pricer,
}

/// What each shift is worth, `[group][day][shift candidate]`.
type Values = Vec<Vec<Vec<f64>>>;

/// The cost of each shift candidate for agent `a` in the agent model's
/// objective (pay and every per-shift soft term), read from a model of
/// that agent alone.
fn shift_costs(base: &Scenario, days: &[Day], a: &Agent) -> Vec<Vec<f64>> {
    let mut one = base.clone();
    one.agents = vec![a.clone()];
    let mut model = new_model();
    let mut members = empty_members(1, days);
    let x = add_agents(
        &mut model,
        &one,
        days,
        &[0],
        &mut members,
        Relax::Nothing,
        None,
    )
    .x;
    super::soft::add_soft(&mut model, &one, days, &x);
    let coef: HashMap<Variable, f64> = model.objective.linear_coefficients().collect();
    x[0].iter()
        .map(|xd| {
            xd.iter()
                .map(|v| coef.get(v).copied().unwrap_or(0.0))
                .collect()
        })
        .collect()
}

/// The kinds of the scenario's agents, in first-seen order: agents of the
/// same skill group equal in everything but their id and name.
fn kinds(scenario: &Scenario, days: &[Day], group_of: &[usize]) -> Vec<Kind> {
    let mut base = scenario.clone();
    base.agents.clear();
    let mut at: HashMap<(usize, String), usize> = HashMap::new();
    let mut out: Vec<Kind> = Vec::new();
    // Sites that share their candidates price alike (`site_families`).
    let family = super::candidates::site_family(scenario);
    for (ai, a) in scenario.agents.iter().enumerate() {
        // The group stands for the skills and proficiencies, the family's
        // first site for the site.
        let first = family[scenario.site_index(a)];
        let anonymous = Agent {
            id: String::new(),
            name: String::new(),
            skills: Vec::new(),
            proficiency: Default::default(),
            site: a.site.as_ref().map(|_| scenario.sites[first].name.clone()),
            ..a.clone()
        };
        let key = (group_of[ai], format!("{anonymous:?}"));
        match at.get(&key) {
            Some(&c) => out[c].agents.push(ai),
            None => {
                at.insert(key, out.len());
                let cost = shift_costs(&base, days, a);
                out.push(Kind {
                    group: group_of[ai],
                    agents: vec![ai],
                    pricer: Pricer::new(scenario, days, a, cost),
                });
            }
        }
    }
    out
}

/// The agents of `scenario` without a plan that keeps their rules
/// (`solve::agents_without_plan`).
pub(super) fn without_plan(scenario: &Scenario, days: &[Day]) -> Vec<usize> {
    scenario
        .agents
        .par_iter()
        .enumerate()
        .filter(|(_, a)| !has_plan(scenario, days, a))
        .map(|(ai, _)| ai)
        .collect()
}

/// Whether agent `a` has a plan over `days` keeping every rule of theirs,
/// their weekly minimum hours included.
fn has_plan(scenario: &Scenario, days: &[Day], a: &Agent) -> bool {
    let free: Vec<Vec<f64>> = days.iter().map(|d| vec![0.0; d.shifts.len()]).collect();
    !Pricer::new(scenario, days, a, free)
        .cheapest(&|_, _| 0.0, 1)
        .is_empty()
}

/// Per agent of `rest` (a remainder of a plan, no run carried in): the
/// longest run of days in a row carried into it with which the agent
/// still has a plan keeping their rules, when shorter than their limit of
/// days in a row; `None` when any run up to the limit leaves a plan, or
/// none does (the weeks method, `weeks::limit_end_runs`).
pub(super) fn longest_end_runs(rest: &Scenario, days: &[Day]) -> Vec<Option<usize>> {
    rest.agents
        .par_iter()
        .map(|a| {
            let k = rest.rules_of(a).max_consecutive_days? as usize;
            let fits = |run: usize| {
                let mut carried = a.clone();
                carried.previous = Some(crate::scenario::PreviousWeek {
                    last_shift_end: None,
                    consecutive_days: run as u32,
                });
                has_plan(rest, days, &carried)
            };
            if fits(k) || !fits(0) {
                return None;
            }
            // A longer run never leaves more plans: the longest that fits.
            let (mut lo, mut hi) = (0, k);
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                if fits(mid) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            Some(lo)
        })
        .collect()
}

/// Plans per kind and round: more when there are few kinds.
fn per_round(kinds: usize) -> usize {
    (600 / kinds.max(1)).clamp(2, 40)
}

/// `alpha · a + (1 − alpha) · b`.
fn blend(a: &Values, b: &Values, alpha: f64) -> Values {
    a.iter()
        .zip(b)
        .map(|(ag, bg)| {
            ag.iter()
                .zip(bg)
                .map(|(ad, bd)| {
                    ad.iter()
                        .zip(bd)
                        .map(|(x, y)| alpha * x + (1.0 - alpha) * y)
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// What the master needs to know of each kind.
fn info_of(kinds: &[Kind]) -> Vec<KindInfo> {
    kinds
        .iter()
        .map(|k| KindInfo {
            group: k.group,
            size: k.agents.len(),
        })
        .collect()
}

/// The generated plans, each kind's once.
#[derive(Default, Clone)]
struct Pool {
    columns: Vec<Column>,
    seen: HashSet<(usize, Schedule)>,
}

impl Pool {
    /// Adds kind `kind`'s `plan` unless it is there already; whether it was added.
    fn offer(&mut self, kinds: &[Kind], kind: usize, plan: Schedule) -> bool {
        if !self.seen.insert((kind, plan.clone())) {
            return false;
        }
        let cost = kinds[kind].pricer.cost_of(&plan);
        self.columns.push(Column { kind, plan, cost });
        true
    }

    /// Offers each kind's plans of `found` (`found[kind]`).
    fn offer_all(&mut self, kinds: &[Kind], found: Vec<Vec<Schedule>>) {
        for (kind, plans) in found.into_iter().enumerate() {
            for plan in plans {
                self.offer(kinds, kind, plan);
            }
        }
    }
}

/// What the generation (step 4) ends with.
struct Generated {
    last: Option<LpSolution>,
    bound: f64,
    converged: bool,
    phase: SolvePhase,
}

/// One round of pricing at the shift values `at` against the master
/// solution `sol` (whose own values are `own`): each kind's cheapest
/// plans, those whose reduced cost at `own` is negative added to the pool
/// and the master; only the kinds `active` says. What it added, and
/// `Σ size · min(0, cheapest reduced cost)` over the kinds priced (with
/// `at` = `own`, the master's value plus this is a Lagrangian bound).
#[allow(clippy::too_many_arguments)]
fn price(
    master: &mut LinearMaster,
    kinds: &[Kind],
    pool: &mut Pool,
    sol: &LpSolution,
    own: &Values,
    at: &Values,
    limit: usize,
    active: &(dyn Fn(usize) -> bool + Sync),
) -> Result<(usize, f64)> {
    let priced: Vec<Vec<(f64, Schedule)>> = kinds
        .par_iter()
        .enumerate()
        .map(|(c, k)| {
            if !active(c) {
                return Vec::new();
            }
            let v = &at[k.group];
            k.pricer.cheapest(&|d, s| v[d][s], limit)
        })
        .collect();
    let (mut added, mut correction) = (0, 0.0);
    for (c, plans) in priced.into_iter().enumerate() {
        let dual = master.kind_dual(sol, c);
        let g = kinds[c].group;
        let reduced = |plan: &Schedule| -> f64 {
            kinds[c].pricer.cost_of(plan)
                - plan
                    .iter()
                    .enumerate()
                    .filter_map(|(d, k)| k.map(|k| own[g][d][k]))
                    .sum::<f64>()
                - dual
        };
        if let Some((_, plan)) = plans.first() {
            correction += kinds[c].agents.len() as f64 * reduced(plan).min(0.0);
        }
        for (_, plan) in plans {
            if reduced(&plan) < ENTERS && pool.offer(kinds, c, plan) {
                master.add(pool.columns.last().expect("just offered"))?;
                added += 1;
            }
        }
    }
    Ok((added, correction))
}

/// Step 5: rounds of the linear master and pricing until `deadline`.
#[allow(clippy::too_many_arguments)]
fn generate(
    master: &mut LinearMaster,
    kinds: &[Kind],
    pool: &mut Pool,
    center: Option<Values>,
    mut bound: f64,
    deadline: Instant,
    progress: &Progress,
) -> Result<Generated> {
    let tg = Instant::now();
    let limit = per_round(kinds.len());
    let mut last: Option<LpSolution> = None;
    let (mut rounds, mut converged) = (0, false);
    let mut center = center;
    let mut center_bound = bound;
    let (mut lp_seconds, mut pricing_seconds) = (0.0, 0.0);
    loop {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        if left <= 0.0 {
            break;
        }
        let tl = Instant::now();
        let solved = master.solve(left)?;
        lp_seconds += tl.elapsed().as_secs_f64();
        let Some(sol) = solved else {
            break;
        };
        rounds += 1;
        let own = master.values(&sol);
        let mut added = 0;
        // Priced at the smoothed values first; should nothing enter, at
        // the master's own values (which also gives a bound).
        let mut exact = center.is_none();
        loop {
            let tp = Instant::now();
            let at: Values = match (&center, exact) {
                (Some(c), false) => blend(c, &own, SMOOTHING),
                _ => own.clone(),
            };
            let (n, correction) = price(master, kinds, pool, &sol, &own, &at, limit, &|_| true)?;
            added += n;
            pricing_seconds += tp.elapsed().as_secs_f64();
            if exact {
                let lagrangian = sol.objective + correction;
                if lagrangian > bound {
                    bound = lagrangian;
                    progress.bound(bound);
                }
                // The point of the best Lagrangian bound becomes the centre.
                if lagrangian > center_bound {
                    center_bound = lagrangian;
                    center = Some(own.clone());
                }
            }
            if added > 0 || exact {
                break;
            }
            exact = true;
        }
        // The master's value can go no lower than a bound: it is optimal.
        let at_bound = sol.objective <= bound + 1e-9 * bound.abs().max(1.0);
        last = Some(sol);
        if added == 0 || at_bound {
            converged = true;
            break;
        }
    }
    let phase = SolvePhase {
        name: "column generation".into(),
        status: format!(
            "{} after {rounds} rounds, {} plans of {} kinds (linear master {lp_seconds:.1} s, pricing {pricing_seconds:.1} s)",
            if converged {
                "optimal"
            } else {
                "stopped at its time share"
            },
            pool.columns.len(),
            kinds.len()
        ),
        objective: last.as_ref().map(|s| s.objective),
        best_bound: bound.is_finite().then_some(bound),
        solve_seconds: tg.elapsed().as_secs_f64(),
        variables: master.variables,
        constraints: master.constraints,
    };
    Ok(Generated {
        last,
        bound,
        converged,
        phase,
    })
}

/// The pool as the dive sees it: its columns, and the pricing of the
/// kinds with agents left free.
struct DiveColumns<'a> {
    kinds: &'a [Kind],
    pool: &'a mut Pool,
    limit: usize,
}

impl dive::Columns for DiveColumns<'_> {
    fn len(&self) -> usize {
        self.pool.columns.len()
    }

    fn kind(&self, j: usize) -> usize {
        self.pool.columns[j].kind
    }

    fn sizes(&self) -> Vec<usize> {
        self.kinds.iter().map(|k| k.agents.len()).collect()
    }

    fn reprice(
        &mut self,
        master: &mut LinearMaster,
        sol: &LpSolution,
        free: &[usize],
    ) -> Result<usize> {
        let own = master.values(sol);
        let (added, _) = price(
            master,
            self.kinds,
            self.pool,
            sol,
            &own,
            &own,
            self.limit,
            &|c| free[c] > 0,
        )?;
        Ok(added)
    }
}

/// A bound that needs no master: each agent's cheapest plan, and every
/// contact answered in time (service-level mode); the other coverage terms
/// cost at least nothing.
fn trivial_bound(scenario: &Scenario, reqs: &[QueueRequirements], kinds: &[Kind]) -> f64 {
    let plans: f64 = kinds
        .iter()
        .map(|k| {
            let cheapest = k.pricer.cheapest(&|_, _| 0.0, 1);
            k.agents.len() as f64 * cheapest.first().map_or(0.0, |(c, _)| *c)
        })
        .sum();
    let answered = if scenario.objective.mode == ObjectiveMode::ServiceLevel {
        let volume: f64 = reqs
            .iter()
            .zip(&scenario.queues)
            .filter(|(_, q)| !q.channel.is_deferred())
            .flat_map(|(r, _)| r.intervals.iter().map(|i| i.volume))
            .sum();
        scenario.objective.answered_value * volume
    } else {
        0.0
    };
    plans - answered
}

/// The whole tours' class counts `counts` handed to the `classes`' agents by
/// the decomposition's class programs, each with its share of the time
/// to `deadline`; `None` unless every counted shift is handed out (and no
/// shift added).
fn hand_out_exactly(
    classes: &[super::decompose::Class],
    scenario: &Scenario,
    days: &[Day],
    counts: &[Vec<Vec<usize>>],
    cfg: &SolverConfig,
    deadline: Instant,
) -> Result<Option<Vec<Schedule>>> {
    let mut picks: Vec<Schedule> = vec![vec![None; days.len()]; scenario.agents.len()];
    let mut remaining = scenario.agents.len();
    for (c, class) in classes.iter().enumerate() {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        if left <= 0.0 {
            return Ok(None);
        }
        let share = left * class.agents.len() as f64 / remaining.max(1) as f64;
        remaining -= class.agents.len();
        let assigned = super::decompose::assign_class(
            scenario,
            days,
            class,
            &counts[c],
            &with_time(cfg, share),
            false,
        )?;
        match assigned {
            Some((rows, missing, ..)) if missing < 0.5 => {
                for (&a, row) in class.agents.iter().zip(rows) {
                    picks[a] = row;
                }
            }
            _ => return Ok(None),
        }
    }
    Ok(Some(picks))
}

/// Each agent's plan: each kind's agents take its plans in `mix[kind]`,
/// each as many times as it says.
fn assign(
    kinds: &[Kind],
    agents: usize,
    days: usize,
    mix: &[Vec<(Schedule, usize)>],
) -> Vec<Schedule> {
    let mut picks: Vec<Schedule> = vec![vec![None; days]; agents];
    for (k, plans) in kinds.iter().zip(mix) {
        let mut members = k.agents.iter();
        for (plan, n) in plans {
            for &a in members.by_ref().take(*n) {
                picks[a] = plan.clone();
            }
        }
    }
    picks
}

/// The linear mix `lambda` rounded to whole agents per kind: each column's
/// floor, then the kind's remaining agents to the largest remainders.
fn round_mix(pool: &[Column], kinds: &[KindInfo], lambda: &[f64]) -> Vec<usize> {
    let mut counts: Vec<usize> = lambda
        .iter()
        .map(|&l| (l + 1e-9).floor().max(0.0) as usize)
        .collect();
    for (c, kind) in kinds.iter().enumerate() {
        let mine: Vec<usize> = (0..pool.len()).filter(|&j| pool[j].kind == c).collect();
        let given: usize = mine.iter().map(|&j| counts[j]).sum();
        let mut by_rest = mine.clone();
        by_rest.sort_by(|&a, &b| {
            let ra = lambda[a] - counts[a] as f64;
            let rb = lambda[b] - counts[b] as f64;
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        for &j in by_rest.iter().take(kind.size.saturating_sub(given)) {
            counts[j] += 1;
        }
    }
    counts
}

/// The column generation as a method (see the module's steps).
pub(super) fn method(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    progress: &Progress,
    t0: Instant,
) -> Result<Outcome> {
    let total = cfg.time_limit_seconds;
    let by = |share: f64| t0 + Duration::from_secs_f64(share * total);
    let left = |share: f64| {
        by(share)
            .saturating_duration_since(Instant::now())
            .as_secs_f64()
    };
    let infeasible = || Error::Infeasible(super::diagnose(scenario, horizon, reqs, days, cfg));
    let mut phases: Vec<SolvePhase> = Vec::new();
    let mut hit_time_limit = false;

    // Step 1: kinds, each with a plan (else some agent has none).
    let (queues, proficiency, group_of) = skill_groups(scenario);
    let groups = Groups {
        queues: &queues,
        proficiency: &proficiency,
    };
    let kinds = kinds(scenario, days, &group_of);
    let info = info_of(&kinds);
    let may_work = |c: usize, d: usize, k: usize| kinds[c].pricer.may_work(d, k);
    let mut pool = Pool::default();
    for (c, k) in kinds.iter().enumerate() {
        let Some((_, plan)) = k.pricer.cheapest(&|_, _| 0.0, 1).into_iter().next() else {
            return Err(infeasible());
        };
        pool.offer(&kinds, c, plan);
    }
    let greedy_plan = greedy(scenario, horizon, reqs, days);
    if let Some(plan) = &greedy_plan {
        for (c, k) in kinds.iter().enumerate() {
            for &a in &k.agents {
                let row: Schedule = plan[a]
                    .iter()
                    .map(|p| p.as_ref().map(|(k, _)| *k))
                    .collect();
                pool.offer(&kinds, c, row);
            }
        }
    }

    // Step 2: the tours' relaxation.
    progress.step("tours relaxation: the bound");
    let relaxation =
        tours_relaxation(scenario, horizon, reqs, days, cfg, left(TOURS_SHARE), false)?;
    let raw = &relaxation.raw;
    let optimal = raw.status == HighsModelStatus::Optimal;
    let relaxation_seconds = raw.seconds;
    phases.push(SolvePhase {
        best_bound: optimal.then_some(raw.objective),
        ..phase("tours relaxation", raw, raw.seconds)
    });
    if master::infeasible(raw.status) {
        return Err(infeasible());
    }
    let mut bound = trivial_bound(scenario, reqs, &kinds);
    if optimal {
        bound = bound.max(raw.objective);
    }
    hit_time_limit |= !optimal;
    progress.bound(bound);
    let fit_kinds: Vec<fit::FitKind> = kinds
        .iter()
        .map(|k| fit::FitKind {
            group: k.group,
            size: k.agents.len(),
            pricer: &k.pricer,
        })
        .collect();
    let threads = (cfg.threads as usize).max(1);

    // Step 3: whole tours near the relaxation handed out exactly by the
    // decomposition's class programs, when they can be (a roster at the
    // whole tours' cost: the end when within the configured gap, else a
    // start of the integer master), given the time (see
    // MIN_WHOLE_TOURS_SECONDS).
    let mut exact: Option<(f64, Vec<Schedule>)> = None;
    // The open tours' bound, kept apart from the column generation's (whose
    // master stops at its bound, which an integer bound may exceed).
    let mut tours_bound = f64::NEG_INFINITY;
    // A hand-out of the whole tours that missed some of their shifts.
    let mut near: Option<Vec<Schedule>> = None;
    // A plan of several weeks: the linear master converges slowly on its
    // long plans, so the whole tours get more time, and their hand-out,
    // exact or not, goes to the final model and the neighbourhoods.
    let long = days.len() > 7;
    let (whole_share, handout_share) = if long {
        (LONG_WHOLE_TOURS_SHARE, LONG_HANDOUT_SHARE)
    } else {
        (WHOLE_TOURS_SHARE, HANDOUT_SHARE)
    };
    // A short time limit (a week of a longer plan) lends them up to a
    // quarter of the time left beyond their share.
    let need =
        (MIN_WHOLE_TOURS_SECONDS * scenario.agents.len() as f64 / 200.0).max(MIN_WHOLE_TOURS_FLOOR);
    let whole_seconds = left(whole_share).max(need.min(left(1.0) / 4.0));
    let handout_by =
        by(handout_share).max(Instant::now() + Duration::from_secs_f64(2.0 * whole_seconds));
    // (A week of a month's plan, column generation on a small team, keeps
    // its whole tours: they are what plans such a week well.)
    let large = scenario.agents.len() >= cfg.column_generation_from_agents;
    let late =
        large && (raw.seconds > LATE_RELAXATION * total || whole_seconds < ROOTS * raw.seconds);
    if optimal
        && !late
        && scenario.objective.mode == ObjectiveMode::Requirements
        && whole_seconds >= need
    {
        progress.step("whole tours near the relaxation, handed out");
        let th = Instant::now();
        let whole = integer_tours(
            scenario,
            horizon,
            reqs,
            days,
            cfg,
            &relaxation.classes,
            bound,
            whole_seconds,
        )?;
        phases.extend(whole.phases);
        tours_bound = whole.bound;
        if let Some((objective, counts)) = whole.tours {
            // The class programs take long to find that counts cannot be
            // handed out; the fit's linear program tells at once when no mix
            // of plans, whole or not, meets them.
            let classes = super::decompose::classes(scenario, &group_of);
            let mut by_group: Values =
                vec![days.iter().map(|d| vec![0.0; d.shifts.len()]).collect(); queues.len()];
            for (class, cc) in classes.iter().zip(&counts) {
                for (d, row) in cc.iter().enumerate() {
                    for (k, &n) in row.iter().enumerate() {
                        by_group[class.group][d][k] += n as f64;
                    }
                }
            }
            // Each group's counts handed to its agents' plans by the fit
            // (whole agents, the fewest counted shifts missed); should that
            // miss some though the fit's linear program says some mix meets
            // them, the decomposition's class programs.
            let handed = fit::hand_out(
                &fit_kinds,
                &by_group,
                per_round(kinds.len()),
                threads,
                handout_by,
            );
            let mut status = "no whole mix in time".to_string();
            if let Some(h) = handed {
                for (c, plans) in h.mix.iter().enumerate() {
                    for (plan, _) in plans {
                        pool.offer(&kinds, c, plan.clone());
                    }
                }
                let picks = assign(&kinds, scenario.agents.len(), days.len(), &h.mix);
                if h.missed < 0.5 {
                    exact = Some((objective, picks));
                    status = "exact".into();
                } else {
                    if h.relaxed_missed < 1e-6 {
                        exact =
                            hand_out_exactly(&classes, scenario, days, &counts, cfg, handout_by)?
                                .map(|picks| (objective, picks));
                    }
                    status = match exact {
                        Some(_) => "exact (class programs)".into(),
                        None => format!("{:.0} counted shifts missed or added", h.missed),
                    };
                    near = Some(picks);
                }
            }
            phases.push(SolvePhase::step(
                "agents",
                status,
                None,
                th.elapsed().as_secs_f64(),
            ));
        }
    }
    let good_enough = exact
        .as_ref()
        .is_some_and(|(o, _)| super::relative_gap(*o, bound.max(tours_bound)) <= cfg.mip_rel_gap);
    // The integer master's breaks per candidate, when its mix is the one
    // rostered: the final run's start places them (`final_run`).
    let mut master_breaks: Option<BreakCounts> = None;
    let picks: Option<Vec<Schedule>> = if good_enough {
        // Within the configured gap already: no master needed.
        exact.map(|(_, picks)| picks)
    } else if long && (exact.is_some() || near.is_some()) {
        exact.map(|(_, picks)| picks).or(near)
    } else {
        // Steps 4 to 6: plans that fit the relaxation's counts, the linear
        // master and pricing, then the integer master (from the exact whole
        // tours when there are some).
        if optimal {
            progress.step("plans that fit the tours");
            let tf = Instant::now();
            let before = pool.columns.len();
            let (found, _) = fit::fit(
                &fit_kinds,
                &relaxation.groups,
                per_round(kinds.len()),
                threads,
                by(FIT_SHARE),
            );
            pool.offer_all(&kinds, found);
            phases.push(SolvePhase::step(
                "plans that fit the tours",
                format!("{} plans", pool.columns.len() - before),
                None,
                tf.elapsed().as_secs_f64(),
            ));
        }
        if let Some((_, picks)) = &exact {
            for (c, k) in kinds.iter().enumerate() {
                for &a in &k.agents {
                    pool.offer(&kinds, c, picks[a].clone());
                }
            }
        }
        progress.step("column generation: the agents' plans priced");
        let master_of = |columns: &[Column], within: Option<&[(usize, usize)]>, integer: bool| {
            build_master(
                scenario, horizon, reqs, days, &groups, &info, &may_work, columns, within, integer,
            )
        };
        let mut master = LinearMaster::new(master_of(&pool.columns, None, false), &info, cfg)?;
        let generated = generate(
            &mut master,
            &kinds,
            &mut pool,
            relaxation.worth,
            bound,
            by(LP_SHARE),
            progress,
        )?;
        bound = generated.bound;
        hit_time_limit |= !generated.converged;
        phases.push(generated.phase);

        // Step 6a: a dive to whole agents in the linear master, unless the
        // centre is large and its kinds few agents each (`DIVE_AGENTS_PER_KIND`).
        let mut dived: Option<dive::Dived> = None;
        let individual =
            large && (kinds.len() as f64) * DIVE_AGENTS_PER_KIND > scenario.agents.len() as f64;
        if individual {
            phases.push(SolvePhase::step(
                "dive",
                format!(
                    "skipped: {} kinds of agent for {} agents",
                    kinds.len(),
                    scenario.agents.len()
                ),
                None,
                0.0,
            ));
        }
        if let Some(last) = generated.last.as_ref().filter(|_| !individual) {
            progress.step("dive to whole agents");
            let td = Instant::now();
            let mut on = DiveColumns {
                kinds: &kinds,
                pool: &mut pool,
                limit: per_round(kinds.len()),
            };
            dived = dive::dive(&mut master, &mut on, last.clone(), by(DIVE_SHARE))?;
            phases.push(SolvePhase::step(
                "dive",
                match &dived {
                    Some(d) => format!(
                        "whole after {} rounds, {} plans priced on the way",
                        d.rounds, d.priced
                    ),
                    None => "stopped".into(),
                },
                dived.as_ref().map(|d| d.objective),
                td.elapsed().as_secs_f64(),
            ));
        }
        drop(master);

        let columns = &pool.columns;
        let mix_of = |counts: &[usize]| -> Vec<Vec<(Schedule, usize)>> {
            let mut mix = vec![Vec::new(); kinds.len()];
            for (col, &n) in columns.iter().zip(counts) {
                if n > 0 {
                    mix[col.kind].push((col.plan.clone(), n));
                }
            }
            mix
        };
        // The agents of each column in the exact whole tours.
        let whole: Option<(f64, Vec<usize>)> = exact.as_ref().map(|(objective, picks)| {
            let counts = columns
                .iter()
                .map(|col| {
                    kinds[col.kind]
                        .agents
                        .iter()
                        .filter(|&&a| picks[a] == col.plan)
                        .count()
                })
                .collect();
            (*objective, counts)
        });
        // The better of the two mixes of whole agents (the dive's over the
        // columns it saw; later columns at none).
        let best: Option<(f64, Vec<usize>)> = whole
            .iter()
            .cloned()
            .chain(dived.map(|d| {
                let mut counts = d.counts;
                counts.resize(columns.len(), 0);
                (d.objective, counts)
            }))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let close = best.as_ref().is_some_and(|(o, _)| {
            super::relative_gap(*o, bound.max(tours_bound)) <= 0.5 * cfg.mip_rel_gap
        });
        if close {
            // Within half the configured gap: no integer master needed.
            best.map(|(_, counts)| {
                assign(&kinds, scenario.agents.len(), days.len(), &mix_of(&counts))
            })
        } else {
            progress.step("integer master over the generated plans");
            let ti = Instant::now();
            // Each column between the floor and the ceiling of its share of
            // the last linear mix (columns added after it, or outside it, at
            // none), widened to its agents in the best mix of whole agents.
            let within: Option<Vec<(usize, usize)>> = generated.last.as_ref().map(|sol| {
                (0..columns.len())
                    .map(|j| {
                        let l = sol.lambda.get(j).copied().unwrap_or(0.0).max(0.0);
                        let w = best.as_ref().map_or(0, |(_, c)| c[j]);
                        let lo = ((l + 1e-6).floor() as usize).min(w);
                        let hi = ((l - 1e-6).ceil() as usize).max(w);
                        (lo, hi)
                    })
                    .collect()
            });
            let built = master_of(columns, within.as_deref(), true);
            let pos = built.model.positions();
            // The start: the best mix of whole agents, else the linear mix
            // rounded; HiGHS completes the other variables.
            let counts: Option<Vec<usize>> = match &best {
                Some((_, counts)) => Some(counts.clone()),
                None => generated
                    .last
                    .as_ref()
                    .map(|sol| round_mix(&columns[..sol.lambda.len()], &info, &sol.lambda)),
            };
            let start = counts.map(|counts| {
                let mut v = vec![f64::INFINITY; built.model.order.len()];
                for (j, lam) in built.lambda.iter().enumerate() {
                    v[pos[lam]] = counts.get(j).map_or(0.0, |&n| n as f64);
                }
                v
            });
            let mut ip_cfg = with_time(cfg, left(IP_SHARE));
            ip_cfg.mip_rel_gap = cfg.mip_rel_gap * 0.5;
            // HiGHS's cuts do not raise this master's bound (it is the
            // linear master's), and a large pool of them halves its speed
            // here.
            ip_cfg
                .options
                .entry("mip_pool_soft_limit".into())
                .or_insert(crate::scenario::HighsValue::Int(100));
            let lambda = built.lambda.clone();
            let assigned = built.breaks;
            let raw = run_watched(
                built.model,
                &ip_cfg,
                start.as_deref(),
                Some(&progress.mip(false)),
            )?;
            hit_time_limit |= raw.status == HighsModelStatus::ReachedTimeLimit;
            phases.push(SolvePhase {
                best_bound: None,
                ..phase("integer master", &raw, ti.elapsed().as_secs_f64())
            });
            if master::infeasible(raw.status) {
                return Err(infeasible());
            }
            let found: Option<(f64, Vec<usize>)> = (!raw.values.is_empty()).then(|| {
                let counts = lambda
                    .iter()
                    .map(|l| value(&raw.values, l, &pos).round().max(0.0) as usize)
                    .collect();
                (raw.objective, counts)
            });
            if found
                .as_ref()
                .is_some_and(|f| best.as_ref().is_none_or(|b| f.0 <= b.0))
            {
                master_breaks = Some(break_counts(&assigned, days, |v| {
                    value(&raw.values, v, &pos)
                }));
            }
            match found
                .into_iter()
                .chain(best)
                .min_by(|a, b| a.0.total_cmp(&b.0))
            {
                Some((_, counts)) => Some(assign(
                    &kinds,
                    scenario.agents.len(),
                    days.len(),
                    &mix_of(&counts),
                )),
                // No mix in time: the greedy roster.
                None => greedy_plan.as_ref().map(|p| {
                    p.iter()
                        .map(|row| row.iter().map(|x| x.as_ref().map(|(k, _)| *k)).collect())
                        .collect()
                }),
            }
        }
    };

    // Step 7: the roster priced by the agent model, then improved.
    progress.step("final model: breaks, queues and prices of the plans");
    let fin = final_run(
        scenario,
        horizon,
        reqs,
        days,
        cfg,
        picks.as_deref(),
        master_breaks.as_ref(),
        by(FINAL_SHARE),
        progress,
    )?;
    phases.push(SolvePhase {
        best_bound: None,
        ..phase("final", &fin.raw, fin.raw.seconds)
    });
    let (fin, bound, timed_out) = improve::tighten_then_improve(
        scenario,
        horizon,
        reqs,
        days,
        cfg,
        fin,
        bound.max(tours_bound),
        by(0.9),
        if large {
            ROOTS * relaxation_seconds
        } else {
            0.0
        },
        &mut phases,
        progress,
    )?;
    hit_time_limit |= timed_out;
    Ok(Outcome {
        run: fin,
        bound: Some(bound),
        hit_time_limit,
        phases,
        method: SolveMethod::ColumnGeneration,
        staged: true,
    })
}

/// The agent model with every agent's plan of `picks` fixed (every shift
/// free without picks), started from those plans with a simple hand-out of
/// the breaks; `seconds` at most.
#[allow(clippy::too_many_arguments)]
fn final_run(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    picks: Option<&[Schedule]>,
    breaks: Option<&BreakCounts>,
    deadline: Instant,
    progress: &Progress,
) -> Result<Run> {
    let fixes = picks.map(|p| keep_picks(days, p, &vec![false; p.len()]));
    let built = build(scenario, horizon, reqs, days, false, fixes.as_ref());
    let pos = built.model.positions();
    // Breaks for the start: the integer master's per candidate where the
    // mix is its own, else each kind's first candidate of the window
    // (`hand_out` with no counts); the model then places them. (With the
    // first candidates every break of a start time falls together: on a
    // 200-agent service-level week the run ended at 76,307 against the
    // master's 5,689; with the master's breaks its start was 71,989.)
    let start = picks.map(|p| {
        let plan: Vec<Vec<Option<Pick>>> = hand_out_breaks(days, &built.group_of, p, |g, d| {
            match breaks.and_then(|b| b.get(g)) {
                Some(b) => b[d].clone(),
                None => days[d]
                    .kinds
                    .iter()
                    .map(|k| vec![0; k.breaks.len()])
                    .collect(),
            }
        });
        solution_from_plan(scenario, horizon, reqs, days, &built, &pos, &plan)
    });
    let mut final_cfg = cfg.clone();
    // The time left once the model and its start are built (seconds at
    // 200 agents), so the run ends by the deadline.
    final_cfg.time_limit_seconds = deadline
        .saturating_duration_since(Instant::now())
        .as_secs_f64()
        .max(1.0);
    // With the shifts fixed the model is small: close to its optimum, so
    // that the roster costs what the plans can.
    final_cfg.mip_rel_gap = cfg.mip_rel_gap.min(1e-4);
    Run::solve(
        built,
        &final_cfg,
        start.as_deref(),
        Some(&progress.mip(fixes.is_none())),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;

    use super::*;
    use crate::solve::candidates::candidates;
    use crate::staffing::IntervalRequirement;

    /// A week of two kinds of agents (32–40 and 20–24 hour contracts) on
    /// one queue with hourly intervals, and a requirement that varies by
    /// day and hour.
    pub(crate) fn week() -> (Scenario, Horizon, Vec<QueueRequirements>) {
        let mut src = String::from(
            "name: Master test\n\
             site: { name: Test, timezone: Asia/Shanghai }\n\
             planning: { week_start: 2026-11-09, days: 7, interval_minutes: 60 }\n\
             history: { file: history.csv, weeks: 4 }\n\
             queues:\n  - { id: q, channel: voice, service_level: { target: 0.8, seconds: 20 } }\n\
             rules:\n  shift_start: { earliest: \"07:00\", latest: \"13:00\", step_minutes: 120 }\n  \
             shift_lengths_hours: [5, 9]\n  \
             meal_break: { minutes: 60, earliest_start_hours: 2, latest_end_hours: 5, paid: true }\n  \
             min_rest_hours: 12\n  max_working_days: 5\n  consecutive_days_off: 2\n\
             agents:\n",
        );
        for i in 0..6 {
            let (lo, hi) = if i < 4 { (32, 40) } else { (20, 24) };
            src.push_str(&format!(
                "  - {{ id: A{i}, name: Agent {i}, skills: [q], min_hours: {lo}, max_hours: {hi} }}\n"
            ));
        }
        let sc = Scenario::from_yaml_str(&src, Path::new("master-test.yaml")).expect("scenario");
        let horizon = Horizon::new(&sc);
        let intervals = horizon
            .intervals
            .iter()
            .map(|iv| {
                let h = iv.minute_of_day / 60;
                let need = match h {
                    8..=11 => 3 + (iv.day % 2) as u32,
                    12..=17 => 2,
                    18..=20 => 1 + (iv.day % 3 == 0) as u32,
                    _ => 0,
                };
                IntervalRequirement {
                    volume: 0.0,
                    aht_seconds: 180.0,
                    load: 0.0,
                    agents: need,
                    scheduled: need,
                    service_level: 1.0,
                    asa_seconds: 0.0,
                    occupancy: 0.0,
                }
            })
            .collect();
        let reqs = vec![QueueRequirements {
            queue: "q".into(),
            intervals,
        }];
        (sc, horizon, reqs)
    }

    /// The `week()` centre with its candidates, skill groups, kinds of
    /// agents, exact solver settings and a pool of each kind's cheapest
    /// plans under made-up shift values (`value(bonus, day, shift)` for
    /// each bonus, `per` plans each).
    struct Fixture {
        sc: Scenario,
        horizon: Horizon,
        reqs: Vec<QueueRequirements>,
        days: Vec<Day>,
        queues: Vec<Vec<String>>,
        proficiency: Vec<Vec<f64>>,
        kinds: Vec<Kind>,
        info: Vec<KindInfo>,
        pool: Pool,
        cfg: SolverConfig,
    }

    impl Fixture {
        fn new(bonuses: &[f64], value: fn(f64, usize, usize) -> f64, per: usize) -> Self {
            let (sc, horizon, reqs) = week();
            let days = candidates(&sc);
            let (queues, proficiency, group_of) = skill_groups(&sc);
            let kinds = kinds(&sc, &days, &group_of);
            let info = info_of(&kinds);
            let mut pool = Pool::default();
            for (c, k) in kinds.iter().enumerate() {
                for &bonus in bonuses {
                    for (_, plan) in k.pricer.cheapest(&|d, s| value(bonus, d, s), per) {
                        pool.offer(&kinds, c, plan);
                    }
                }
            }
            let cfg = SolverConfig::from_yaml_str(
                "time_limit_seconds: 60\nmip_rel_gap: 0\nthreads: 1\n",
                Path::new("s.yaml"),
            )
            .expect("settings");
            Fixture {
                sc,
                horizon,
                reqs,
                days,
                queues,
                proficiency,
                kinds,
                info,
                pool,
                cfg,
            }
        }

        /// The master over the pool, `λ` within `within`, integer or not.
        fn master(&self, within: Option<&[(usize, usize)]>, integer: bool) -> master::Built {
            let groups = Groups {
                queues: &self.queues,
                proficiency: &self.proficiency,
            };
            let may_work = |c: usize, d: usize, k: usize| self.kinds[c].pricer.may_work(d, k);
            build_master(
                &self.sc,
                &self.horizon,
                &self.reqs,
                &self.days,
                &groups,
                &self.info,
                &may_work,
                &self.pool.columns,
                within,
                integer,
            )
        }
    }

    /// The reduced cost the generation computes for a column from the
    /// master's duals is the one HiGHS reports for it; and after the
    /// generation no kind's cheapest plan prices out, so the master's value
    /// is its bound, and the bound lies below the agent model's optimum.
    #[test]
    fn duals_price_columns_as_highs_does_and_the_bound_holds() {
        let fx = Fixture::new(&[0.0, 5.0, 9.0], |b, d, s| b * ((d + s) % 3) as f64, 4);
        assert_eq!(fx.kinds.len(), 2);
        let built = fx.master(None, false);
        let Fixture {
            sc,
            horizon,
            reqs,
            kinds,
            info,
            mut pool,
            cfg,
            ..
        } = fx;
        let mut master = LinearMaster::new(built, &info, &cfg).expect("master");
        let sol = master.solve(60.0).expect("solve").expect("optimal");
        let own = master.values(&sol);
        for (j, col) in pool.columns.iter().enumerate() {
            let g = kinds[col.kind].group;
            let mine = col.cost
                - col
                    .plan
                    .iter()
                    .enumerate()
                    .filter_map(|(d, k)| k.map(|k| own[g][d][k]))
                    .sum::<f64>()
                - master.kind_dual(&sol, col.kind);
            assert!(
                (mine - sol.reduced[j]).abs() < 1e-7,
                "column {j}: {mine} against HiGHS's {}",
                sol.reduced[j]
            );
        }
        let far = Instant::now() + Duration::from_secs(60);
        let generated = generate(
            &mut master,
            &kinds,
            &mut pool,
            None,
            f64::MIN,
            far,
            &Progress::none(),
        )
        .expect("generation");
        assert!(generated.converged);
        let last = generated.last.expect("a master solution");
        assert!((generated.bound - last.objective).abs() < 1e-6 * last.objective.abs());
        // The agent model's optimum lies above the bound.
        let solved = crate::solve::solve(
            &sc,
            &horizon,
            &reqs,
            &SolverConfig {
                method: SolveMethod::Agents,
                ..cfg
            },
        )
        .expect("agent model");
        assert_eq!(solved.info.status, crate::solve::SolveStatus::Optimal);
        assert!(
            generated.bound <= solved.info.objective + 1e-6,
            "bound {} above the optimum {}",
            generated.bound,
            solved.info.objective
        );
    }

    /// The dive ends with whole agents: each kind's counts add up to its
    /// size, its value is at least the linear master's over every plan
    /// priced on the way, and it is what the
    /// master gives with every `λ` fixed at those counts (solved afresh,
    /// so not the dive's own arithmetic).
    #[test]
    fn the_dive_ends_with_whole_agents_at_the_masters_value() {
        let mut fx = Fixture::new(&[0.0, 3.0, 7.0], |b, d, s| b * ((d + 2 * s) % 5) as f64, 6);
        let mut master =
            LinearMaster::new(fx.master(None, false), &fx.info, &fx.cfg).expect("master");
        let first = master.solve(60.0).expect("solve").expect("optimal");
        let far = Instant::now() + Duration::from_secs(60);
        let mut pool = fx.pool.clone();
        let dived = dive::dive(
            &mut master,
            &mut DiveColumns {
                kinds: &fx.kinds,
                pool: &mut pool,
                limit: 4,
            },
            first.clone(),
            far,
        )
        .expect("dive")
        .expect("whole agents");
        fx.pool = pool;
        let (info, cfg, pool) = (&fx.info, &fx.cfg, &fx.pool);
        // (The linear mix was fractional: the dive had work to do.)
        assert!(first.lambda.iter().any(|l| (l - l.round()).abs() > 1e-6));
        for (c, k) in info.iter().enumerate() {
            let n: usize = pool
                .columns
                .iter()
                .zip(&dived.counts)
                .filter(|(col, _)| col.kind == c)
                .map(|(_, &n)| n)
                .sum();
            assert_eq!(n, k.size, "kind {c}");
        }
        // Never below the linear master over every plan it priced.
        let relaxed = crate::lp::run(fx.master(None, false).model, cfg, None).expect("relaxed");
        assert!(dived.objective >= relaxed.objective - 1e-6);
        let fixed: Vec<(usize, usize)> = dived.counts.iter().map(|&n| (n, n)).collect();
        let again = crate::lp::run(fx.master(Some(&fixed), true).model, cfg, None).expect("fixed");
        assert!(
            (again.objective - dived.objective).abs() < 1e-6 * dived.objective.abs().max(1.0),
            "fixed master {} against the dive's {}",
            again.objective,
            dived.objective
        );
    }
}
