//! Tours first, then agents: the decomposition for large centres.
//!
//! 1. **Tours of classes.** Agents the model cannot tell apart — same skills,
//!    same contract hours, same hourly cost — form a class. Integer counts
//!    `n[c][d][k]` (members of class `c` working shift candidate `k` on day
//!    `d`) replace the per-agent binaries. The weekly rules become sums over
//!    the class: each member's week is one of the patterns of shift lengths
//!    that fit the contract and the working days (`y[p]` members per pattern,
//!    and the class's shifts of each length are what the patterns hold);
//!    where the rules ask for a block of days off, each member's working
//!    days are one of the day patterns with the block (`z[q]` members per
//!    pattern, as many on each number of days as the length patterns
//!    have); working days at most what the members can work, the rest
//!    cliques with the class size, less the members off on all the
//!    clique's days, on the right-hand side, days in a row, and per candidate
//!    at most the members allowed to work it. Breaks and coverage are the
//!    very constraints of the agent model (shared code). Fairness is
//!    counted by each class's mean share of weekend days and late shifts
//!    (the agent with the most has at least it); the preferences and soft
//!    rotations of each agent's own are left out. (Counting those too, as
//!    the shifts of a candidate beyond the members it costs nothing, raised
//!    no bound on hangzhou-soft-rules and its tours' hand-out then missed
//!    two counted shifts: 21.8 % against 7.7 %; docs/benchmarks.md.) Every
//!    roster of the agent model maps to a solution of this model with an
//!    objective no higher, so its **linear relaxation bounds the whole
//!    problem**: that relaxation is solved first, and its optimum is
//!    the bound rota reports. Integer tours are then found with each count
//!    between the floor and the ceiling of its relaxed value (widened by one
//!    should that have no solution). When those tours end further above the
//!    relaxation than the configured gap, the **open tours** (no bound
//!    on a count but the class sizes, at half the configured gap),
//!    started from them, run to the tours' share of the time: their tours
//!    are handed out when cheaper, and their best bound bounds the whole
//!    problem (the demo: tours at 4,438 near the relaxation of 4,383.1, open
//!    tours at 4,391.5 proven optimal and handed out exactly; the roster is
//!    optimal). With the service-level objective the
//!    relaxation credits fractional staff with fractional service-level
//!    steps and counts too few shifts, so the requirement model's
//!    relaxation is solved as well and each count may lie anywhere between
//!    the floor of the lower and the ceiling of the higher relaxed value;
//!    should that find no tours in time, the requirement tours (rounded
//!    from their own relaxation) are handed out instead, and the final model
//!    still prices and splits them with the service level.
//! 2. **Agents.** Per class, a small integer program hands the counted shifts
//!    to the class's agents with every individual rule (contract, rest, days
//!    in a row, days off, availability, last week's shifts), penalising each
//!    counted shift left unfilled or added (an agent whose contract needs a
//!    shift more than the counts give). Should it find no hand-out within
//!    its time, the constructive hand-out of `handout.rs` (day by day, every
//!    rule checked as it goes) gives one, so the final model is never left
//!    to search the whole agent model on its own.
//! 3. **Final model.** The agent model started from that roster, with its
//!    shifts fixed except on the class-days whose counts the hand-out did
//!    not meet exactly: there the class's agents may move their shift to any
//!    start within an hour (either length), and those off may take a shift
//!    within an hour of a mismatched count. HiGHS places the breaks, splits
//!    time across queues and prices the roster exactly with the objective
//!    of the agent model. (Freeing every agent's shift within an hour, or
//!    every agent of a mismatched day, was measured too: HiGHS found no
//!    better roster in the 30 s left at 200 agents, and sometimes ended
//!    worse than the hand-out itself.)
//! 4. **Improvement** (`improve.rs`, in `solve`): with the time left, a
//!    large-neighbourhood search frees a few agents' whole weeks at a time
//!    and re-solves them in the agent model around everyone else's fixed
//!    shifts, keeping each better roster. This is what recovers the shifts
//!    the hand-out could not match (200 agents: from 1.62 % to 1.06 %).
//!
//! The gap reported is the final objective against the bound of step 1, so
//! it counts every loss of the decomposition.

use std::collections::HashMap;
use std::time::Instant;

use good_lp::{variable, Expression, IntoAffineExpression, Variable};
use highs::HighsModelStatus;

use super::candidates::{allowed, Day};
use super::handout::hand_out_class;
use super::improve::{self, Run};
use super::model::build;
use super::model::{
    add_agents, add_breaks_and_coverage, empty_members, keep_picks, new_model, site_rest_cliques,
    skill_groups, Fix, Fixes, Model, Relax,
};
use super::warm::Pick;
use super::warm::{initial_solution, solution_from_plan};
use super::{hand_out_breaks, phase, picked, value, Outcome, Progress, SolvePhase};
use crate::error::Result;
use crate::horizon::Horizon;
use crate::lp::{run, RawSolution};
use crate::scenario::{ObjectiveMode, Scenario, SolveMethod, SolverConfig};
use crate::staffing::QueueRequirements;

/// Interchangeable agents: same skill group, contract, hourly cost and
/// rotation (at the same week of its cycle).
#[derive(Debug, Clone)]
pub(super) struct Class {
    pub(super) group: usize,
    pub(super) agents: Vec<usize>,
}

/// The classes of the scenario's agents, in first-seen order.
pub(super) fn classes(scenario: &Scenario, group_of: &[usize]) -> Vec<Class> {
    type Key<'a> = (usize, usize, u64, u64, u64, Option<(&'a str, u32)>);
    let mut keys: Vec<Key> = Vec::new();
    let mut out: Vec<Class> = Vec::new();
    // Sites that share their candidates share their classes too.
    let family = super::candidates::site_family(scenario);
    for (ai, a) in scenario.agents.iter().enumerate() {
        // Agents on one rotation at the same point of its cycle work the
        // same patterns; on another, or out of step, they are told apart.
        let rotation = a
            .rotation
            .as_deref()
            .map(|r| (r, a.rotation_week.unwrap_or(0)));
        let key = (
            group_of[ai],
            family[scenario.site_index(a)],
            a.hourly_cost.to_bits(),
            a.min_hours.to_bits(),
            a.max_hours.to_bits(),
            rotation,
        );
        match keys.iter().position(|k| *k == key) {
            Some(c) => out[c].agents.push(ai),
            None => {
                keys.push(key);
                out.push(Class {
                    group: group_of[ai],
                    agents: vec![ai],
                });
            }
        }
    }
    out
}

pub(super) struct Aggregate {
    pub(super) model: Model,
    /// `n[class][day][shift candidate]`.
    n: Vec<Vec<Vec<Variable>>>,
    /// Each group's count of each day's shift candidate, `N[group][day][k]`,
    /// where some class may work it.
    pub(super) counts: Vec<Vec<Vec<Option<Variable>>>>,
    /// The row of each count (`N − Σ n = 0`): minus its dual is what one
    /// more such shift is worth.
    pub(super) link: Vec<Vec<Vec<Option<usize>>>>,
    /// `breaks[group][day][kind][break candidate]`.
    breaks: Vec<Vec<Vec<Vec<Variable>>>>,
    classes: Vec<Class>,
    group_of: Vec<usize>,
}

/// `(lowest, highest)` count per class, day and shift candidate.
pub(super) type CountBounds = Vec<Vec<Vec<(usize, usize)>>>;

/// Whole counts `[class][day][shift candidate]`.
pub(super) type ClassCounts = Vec<Vec<Vec<usize>>>;

/// Relaxed counts `[class][day][shift candidate]`.
pub(super) type Relaxed = Vec<Vec<Vec<f64>>>;

/// The tour model of step 1; `bounds` narrows the counts, and without
/// bounds the model is the linear relaxation (every variable continuous).
/// With `fairness`, the fairness terms are bounded by each class's mean.
pub(super) fn build_aggregate(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    bounds: Option<&CountBounds>,
    fairness: bool,
) -> Aggregate {
    let mut model = new_model();
    model.relaxed = bounds.is_none();
    let wts = &scenario.weights;
    let (groups, proficiency, group_of) = skill_groups(scenario);
    let mut members = empty_members(groups.len(), days);
    let classes = classes(scenario, &group_of);
    // A class is of one site: its rules (rest, days) are its site's.
    let site_rules = scenario.site_rules();
    let (by_rest, cliques_of) = site_rest_cliques(&site_rules, days);
    // The distinct paid lengths of the shift candidates.
    let mut paid: Vec<f64> = days
        .iter()
        .flat_map(|d| d.shifts.iter().map(|s| s.paid_hours))
        .collect();
    paid.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    paid.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    let length_of = |h: f64| {
        paid.iter()
            .position(|&p| (p - h).abs() < 1e-9)
            .expect("paid length listed")
    };
    let mut n = Vec::new();
    for (ci, c) in classes.iter().enumerate() {
        let first = &scenario.agents[c.agents[0]];
        let r = &site_rules[scenario.site_index(first)];
        let cliques = &by_rest[cliques_of[scenario.site_index(first)]];
        let size = c.agents.len() as f64;
        // Per day: the class's shifts of each paid length.
        let mut by_length = vec![vec![Expression::default(); paid.len()]; days.len()];
        let mut worked: Vec<Expression> = Vec::new();
        // Per member and day: whether the member can work that day.
        let mut able_on = vec![vec![false; days.len()]; c.agents.len()];
        let mut nc = Vec::new();
        for (di, day) in days.iter().enumerate() {
            let able: Vec<Vec<bool>> = c
                .agents
                .iter()
                .map(|&a| {
                    day.shifts
                        .iter()
                        .map(|s| allowed(scenario, &scenario.agents[a], day, s))
                        .collect()
                })
                .collect();
            let mut able_today = 0;
            for (i, row) in able.iter().enumerate() {
                if row.iter().any(|&b| b) {
                    able_today += 1;
                    able_on[i][di] = true;
                }
            }
            let mut one = Expression::default();
            let vars: Vec<Variable> = day
                .shifts
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let cap = able.iter().filter(|row| row[k]).count();
                    let (lo, hi) = bounds.map_or((0, cap), |b| b[ci][di][k]);
                    let v = model.add(
                        variable()
                            .integer()
                            .min(lo.min(cap) as f64)
                            .max(hi.min(cap) as f64),
                        true,
                    );
                    one.add_mul(1.0, v);
                    by_length[di][length_of(s.paid_hours)].add_mul(1.0, v);
                    model
                        .objective
                        .add_mul(wts.paid_hour * first.hourly_cost * s.paid_hours, v);
                    members[c.group][di][k].add_mul(1.0, v);
                    v
                })
                .collect();
            model.constraints.push(one.clone().leq(able_today as f64));
            worked.push(one);
            nc.push(vars);
        }
        // In each week of the plan, each member's week is one of the
        // patterns of shift lengths that fit the week's contract hours and
        // working days; `y[p]` members work pattern `p`, and the class's
        // shifts of each length that week are what its patterns hold. This
        // keeps the tours apart from hours no agent can have (four 7-hour
        // shifts under a 32-hour minimum, say).
        // Per week with a block of days off: its days, and the day patterns
        // with their counts of members (`z` below).
        let mut week_patterns: Vec<(std::ops::Range<usize>, Vec<u32>, Vec<Variable>)> = Vec::new();
        for week in scenario.weeks() {
            let block = week.days_off_block(r).unwrap_or(0);
            let week_days = week.max_working_days(r).min(week.len.saturating_sub(block));
            let patterns = length_patterns(
                &paid,
                week_days,
                week.min_hours(first),
                week.max_hours(first),
            );
            let y = members_per_pattern(&mut model, patterns.len(), size);
            for i in 0..paid.len() {
                let mut e = Expression::default();
                for d in week.days() {
                    e += by_length[d][i].clone();
                }
                for (p, v) in patterns.iter().zip(&y) {
                    e.add_mul(-(p[i] as f64), *v);
                }
                model.constraints.push(e.eq(0.0));
            }
            // Working days: each member at most the week's working days, at
            // most the days they can work, and leaving room for a block of
            // days off.
            let most_days: usize = able_on
                .iter()
                .map(|row| {
                    row[week.days()]
                        .iter()
                        .filter(|&&b| b)
                        .count()
                        .min(week_days)
                })
                .sum();
            let mut all_days = Expression::default();
            for d in week.days() {
                all_days += worked[d].clone();
            }
            model.constraints.push(all_days.leq(most_days as f64));
            // A block of days off: each member's working days that week are
            // one of the day patterns with a block of `block` days off in a
            // row, as many days as one of the length patterns, and inside
            // some member's days able; `z[q]` members work pattern `q`.
            // Without it the days worked per day, summed over the class,
            // could not be handed out to members with their block (the
            // demo's week with two days off in a row: 21 counted shifts
            // unmatched, 38.9 % above the bound).
            if block > 0 {
                let counts: Vec<usize> = patterns.iter().map(|p| p.iter().sum()).collect();
                let able_masks: Vec<u32> = able_on
                    .iter()
                    .map(|row| {
                        week.days()
                            .enumerate()
                            .filter(|&(_, d)| row[d])
                            .fold(0u32, |m, (i, _)| m | 1 << i)
                    })
                    .collect();
                let day_patterns: Vec<u32> = off_block_patterns(week.len, block, &counts)
                    .into_iter()
                    .filter(|&q| able_masks.iter().any(|&m| q & !m == 0))
                    .collect();
                let z = members_per_pattern(&mut model, day_patterns.len(), size);
                // As many members on each number of working days as the
                // length patterns give it.
                let mut by_count: Vec<usize> = counts.clone();
                by_count.sort_unstable();
                by_count.dedup();
                for &n in &by_count {
                    let mut e = Expression::default();
                    for (q, v) in day_patterns.iter().zip(&z) {
                        if q.count_ones() as usize == n {
                            e.add_mul(1.0, *v);
                        }
                    }
                    for (&c, v) in counts.iter().zip(&y) {
                        if c == n {
                            e.add_mul(-1.0, *v);
                        }
                    }
                    model.constraints.push(e.eq(0.0));
                }
                for (i, d) in week.days().enumerate() {
                    let mut e = worked[d].clone();
                    for (q, v) in day_patterns.iter().zip(&z) {
                        if q & (1 << i) != 0 {
                            e.add_mul(-1.0, *v);
                        }
                    }
                    model.constraints.push(e.eq(0.0));
                }
                week_patterns.push((week.days(), day_patterns, z));
            }
        }
        // Rest: each member works at most one shift of each clique, and
        // none if off on every day of it: where the clique's days lie in
        // one week of day patterns, the members of the patterns off on all
        // of them count against it.
        for (_, clique) in cliques {
            let mut e = Expression::default();
            let mut touched = 0u64;
            for &(d, k) in clique {
                e.add_mul(1.0, nc[d][k]);
                touched |= 1 << d.min(63);
            }
            let first = clique.iter().map(|&(d, _)| d).min().unwrap_or(0);
            let last = clique.iter().map(|&(d, _)| d).max().unwrap_or(0);
            if let Some((days_of, qs, z)) = week_patterns
                .iter()
                .find(|(w, _, _)| w.contains(&first) && w.contains(&last))
            {
                let mask = (touched >> days_of.start) as u32;
                for (q, v) in qs.iter().zip(z) {
                    if q & mask == 0 {
                        e.add_mul(1.0, *v);
                    }
                }
            }
            model.constraints.push(e.leq(size));
        }
        // Days in a row, summed over the members.
        if let Some(k) = r.max_consecutive_days {
            let k = k as usize;
            for t in 0..days.len() {
                let first_day = (t + 1).saturating_sub(k + 1);
                let room: usize = c
                    .agents
                    .iter()
                    .map(|&a| {
                        let before = scenario.agents[a]
                            .previous
                            .as_ref()
                            .map_or(0, |p| p.consecutive_days)
                            as usize;
                        let carried = before.min((k + 1).saturating_sub(t + 1));
                        k.saturating_sub(carried)
                    })
                    .sum();
                let mut e = Expression::default();
                for w in &worked[first_day..=t] {
                    e += w.clone();
                }
                model.constraints.push(e.leq(room as f64));
            }
        }
        n.push(nc);
    }
    // Fairness (`rules.fairness`): the member of a class with the most
    // counted shifts has at least the class's mean, so `z` is at least
    // every class's scaled mean.
    let fair = if fairness {
        super::soft::fairness(scenario, days)
    } else {
        Vec::new()
    };
    for fair in fair {
        let z = model.add(variable().min(0.0), false);
        model.objective.add_mul(fair.weight, z);
        for (c, nc) in classes.iter().zip(&n) {
            let Some(scale) = fair.scales[c.agents[0]] else {
                continue;
            };
            let mut total = Expression::default();
            for (counted, nd) in fair.counted.iter().zip(nc) {
                for (&b, v) in counted.iter().zip(nd) {
                    if b {
                        total.add_mul(1.0, *v);
                    }
                }
            }
            let size = c.agents.len() as f64;
            model
                .constraints
                .push((Expression::from(z) * size - total * scale).geq(0.0));
        }
    }
    // Each group's count of each shift as a variable of its own, so that
    // its value and its link row (and the row's dual) can be found.
    let mut counts: Vec<Vec<Vec<Option<Variable>>>> = Vec::new();
    let mut link: Vec<Vec<Vec<Option<usize>>>> = Vec::new();
    for mg in members.iter_mut() {
        let (mut cg, mut lg) = (Vec::new(), Vec::new());
        for md in mg.iter_mut() {
            let (mut cd, mut ld) = (Vec::new(), Vec::new());
            for e in md.iter_mut() {
                if e.clone().linear_coefficients().next().is_none() {
                    cd.push(None);
                    ld.push(None);
                    continue;
                }
                let v = model.add(variable().min(0.0), false);
                let sum = std::mem::replace(e, Expression::from(v));
                model.constraints.push((Expression::from(v) - sum).eq(0.0));
                cd.push(Some(v));
                ld.push(Some(model.constraints.len() - 1));
            }
            cg.push(cd);
            lg.push(ld);
        }
        counts.push(cg);
        link.push(lg);
    }
    let (super::model::Breaks { breaks, .. }, _) = add_breaks_and_coverage(
        &mut model,
        scenario,
        horizon,
        reqs,
        days,
        (&groups, &proficiency, &group_of),
        members,
        false,
    );
    Aggregate {
        model,
        n,
        counts,
        link,
        breaks,
        classes,
        group_of,
    }
}

/// Each class's count of each day's shift candidates in the solution `r`.
fn class_counts(
    n: &[Vec<Vec<Variable>>],
    r: &RawSolution,
    pos: &HashMap<Variable, usize>,
) -> Relaxed {
    n.iter()
        .map(|nc| {
            nc.iter()
                .map(|nd| nd.iter().map(|v| value(&r.values, v, pos)).collect())
                .collect()
        })
        .collect()
}

/// Each class's count of each day's shift candidates in the integer
/// solution `r`, rounded to whole shifts.
fn whole_class_counts(
    n: &[Vec<Vec<Variable>>],
    r: &RawSolution,
    pos: &HashMap<Variable, usize>,
) -> ClassCounts {
    n.iter()
        .map(|nc| {
            nc.iter()
                .map(|nd| {
                    nd.iter()
                        .map(|v| value(&r.values, v, pos).round().max(0.0) as usize)
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// The tours' relaxation solved, for the column generation.
pub(super) struct Relaxation {
    pub(super) raw: RawSolution,
    /// Each class's relaxed count of each day's shift candidates.
    pub(super) classes: Relaxed,
    /// Each group's count of each day's shift candidates.
    pub(super) groups: Vec<Vec<Vec<f64>>>,
    /// What one more shift of each group, day and candidate is worth (minus
    /// the dual of its count's row); `None` without duals.
    pub(super) worth: Option<Vec<Vec<Vec<f64>>>>,
}

/// The tours' relaxation within `seconds` (step 1's first solve); with
/// `fairness` its fairness terms are bounded by each class's mean (column
/// generation leaves them out: its master has none, and stops at a bound of
/// its own problem).
pub(super) fn tours_relaxation(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    seconds: f64,
    fairness: bool,
) -> Result<Relaxation> {
    let Aggregate {
        model,
        n,
        counts,
        link,
        ..
    } = build_aggregate(scenario, horizon, reqs, days, None, fairness);
    let pos = model.positions();
    let raw = run(model, &relaxation_cfg(cfg, seconds), None)?;
    let solved = !raw.values.is_empty();
    let worth = (raw.status == HighsModelStatus::Optimal && !raw.row_duals.is_empty()).then(|| {
        link.iter()
            .map(|g| {
                g.iter()
                    .map(|d| {
                        d.iter()
                            .map(|r| r.map_or(0.0, |r| -raw.row_duals[r]))
                            .collect()
                    })
                    .collect()
            })
            .collect()
    });
    Ok(Relaxation {
        classes: if solved {
            class_counts(&n, &raw, &pos)
        } else {
            Vec::new()
        },
        groups: if solved {
            group_counts(&counts, &raw, &pos)
        } else {
            Vec::new()
        },
        worth,
        raw,
    })
}

/// Each group's count of each day's shift candidates (`counts`, as
/// [`Aggregate::counts`]) in the solution `r`.
fn group_counts(
    counts: &[Vec<Vec<Option<Variable>>>],
    r: &RawSolution,
    pos: &HashMap<Variable, usize>,
) -> Vec<Vec<Vec<f64>>> {
    counts
        .iter()
        .map(|cg| {
            cg.iter()
                .map(|cd| {
                    cd.iter()
                        .map(|v| v.map_or(0.0, |v| value(&r.values, &v, pos)))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Integer tours near the relaxed class counts `relaxed`: each count
/// between its floor and ceiling (widened by one should that have no
/// solution), within `seconds`. The tours' objective and each class's
/// count of each day's shift candidates (classes as [`classes`]); `None`
/// when none was found in time.
#[allow(clippy::too_many_arguments)]
pub(super) fn integer_tours(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    relaxed: &Relaxed,
    bound: f64,
    seconds: f64,
) -> Result<WholeTours> {
    let t = Instant::now();
    let mut ph = None;
    for widen in [0, 1] {
        let left = seconds - t.elapsed().as_secs_f64();
        if left <= 0.0 {
            break;
        }
        let bounds = floor_ceil(std::slice::from_ref(relaxed), widen);
        let Aggregate { model, n, .. } =
            build_aggregate(scenario, horizon, reqs, days, Some(&bounds), true);
        let pos = model.positions();
        let r = run(model, &with_time(cfg, left), None)?;
        let mut phases = vec![phase("tours", &r, t.elapsed().as_secs_f64())];
        if r.values.is_empty() {
            ph = phases.pop();
            continue;
        }
        let mut best = (r.objective, whole_class_counts(&n, &r, &pos));
        let mut proven = f64::NEG_INFINITY;
        let left = seconds - t.elapsed().as_secs_f64();
        if widen == 0 && open_worth(cfg, r.objective, bound) && left >= 1.0 {
            let o = open_tours(scenario, horizon, reqs, days, cfg, Some(&r.values), left)?;
            phases.push(o.phase);
            proven = o.bound;
            if !o.raw.values.is_empty() && o.raw.objective < best.0 - 1e-9 {
                best = (
                    o.raw.objective,
                    whole_class_counts(&o.agg.n, &o.raw, &o.pos),
                );
            }
        }
        return Ok(WholeTours {
            tours: Some(best),
            phases,
            bound: proven,
        });
    }
    Ok(WholeTours {
        tours: None,
        phases: vec![ph.unwrap_or_else(|| SolvePhase::step("tours", "no time", None, 0.0))],
        bound: f64::NEG_INFINITY,
    })
}

/// What [`integer_tours`] found.
pub(super) struct WholeTours {
    /// The best tours' objective and class counts.
    pub(super) tours: Option<(f64, ClassCounts)>,
    pub(super) phases: Vec<SolvePhase>,
    /// A bound of the whole problem from the open tours (−∞ when none).
    pub(super) bound: f64,
}

/// Whether tours of cost `objective` are far enough above the relaxation's
/// `bound` for the open integer tours to be worth their time.
fn open_worth(cfg: &SolverConfig, objective: f64, bound: f64) -> bool {
    bound.is_finite() && super::relative_gap(objective, bound) > OPEN_TOURS_FROM * cfg.mip_rel_gap
}

/// The open integer tours: the tour model with no bounds on its counts but
/// the class sizes, started from `start` (tours of the same model near the
/// relaxation), at half the configured gap, for `seconds`. Its
/// incumbent is tours to hand out; its best bound bounds the whole problem
/// (as [`tighten`]'s).
pub(super) struct OpenTours {
    pub(super) raw: RawSolution,
    pub(super) pos: HashMap<Variable, usize>,
    pub(super) agg: Aggregate,
    /// Its bound of the whole problem (−∞ when it proved nothing).
    pub(super) bound: f64,
    pub(super) phase: SolvePhase,
}

pub(super) fn open_tours(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    start: Option<&[f64]>,
    seconds: f64,
) -> Result<OpenTours> {
    let t = Instant::now();
    let n_classes = classes(scenario, &skill_groups(scenario).2).len();
    let open: CountBounds = vec![
        days.iter()
            .map(|d| vec![(0, usize::MAX); d.shifts.len()])
            .collect();
        n_classes
    ];
    let mut agg = build_aggregate(scenario, horizon, reqs, days, Some(&open), true);
    let model = std::mem::replace(&mut agg.model, new_model());
    let pos = model.positions();
    // Its own gap is to its own incumbent, tours that may cost less than
    // any roster: stopped at the configured gap, it proves less than the
    // roster needs (the demo: 4,391.5 against a roster of 4,438 at 1 %).
    let mut own = with_time(cfg, seconds);
    own.mip_rel_gap = cfg.mip_rel_gap * TIGHTEN_GAP;
    let raw = run(model, &own, start)?;
    let bound = match raw.status {
        HighsModelStatus::Optimal => raw.objective.min(raw.best_bound),
        _ => raw.best_bound,
    };
    let bound = if bound.is_finite() {
        bound
    } else {
        f64::NEG_INFINITY
    };
    let mut phase = phase("tours, open", &raw, t.elapsed().as_secs_f64());
    phase.best_bound = bound.is_finite().then_some(bound);
    Ok(OpenTours {
        raw,
        pos,
        agg,
        bound,
        phase,
    })
}

/// What the decomposition hands to the final model.
pub(super) struct Decomposed {
    /// Which shifts the final model may (or must) use; `None`: all of them.
    pub(super) fixes: Option<Fixes>,
    /// The agents' roster from step 2, as the final model's starting point.
    pub(super) plan: Option<Vec<Vec<Option<Pick>>>>,
    /// The best bound of the tour model: a lower bound of the whole problem.
    pub(super) bound: f64,
    /// Whether a step stopped at its time limit.
    pub(super) hit_time_limit: bool,
    pub(super) phases: Vec<SolvePhase>,
    /// The integer tours of step 1 under the scenario's own objective (the
    /// values of the tour model's variables), a start for [`tighten`].
    pub(super) tours: Option<Vec<f64>>,
}

/// The result of the decomposition's first two steps.
pub(super) enum Outcome1 {
    /// The tour model has no solution, so neither has the scenario.
    Infeasible,
    Done(Decomposed),
}

/// The decomposition stopped early: the agent model searches on its own,
/// and the bound found so far still holds.
fn unaided(bound: f64, hit_time_limit: bool, phases: Vec<SolvePhase>) -> Outcome1 {
    Outcome1::Done(Decomposed {
        fixes: None,
        plan: None,
        bound,
        hit_time_limit,
        phases,
        tours: None,
    })
}

pub(super) fn with_time(cfg: &SolverConfig, seconds: f64) -> SolverConfig {
    let mut c = cfg.clone();
    c.time_limit_seconds = seconds.max(1.0);
    c
}

/// Settings for the tours' relaxation: HiGHS's interior point method with
/// crossover (to a vertex, with its duals), unless the settings name a
/// solver: several times faster than the dual simplex method on these
/// models (docs/benchmarks.md).
pub(super) fn relaxation_cfg(cfg: &SolverConfig, seconds: f64) -> SolverConfig {
    use crate::scenario::HighsValue;
    let mut c = with_time(cfg, seconds);
    if !c.options.contains_key("solver") {
        c.options
            .insert("solver".into(), HighsValue::Text("ipm".into()));
        c.options
            .entry("run_crossover".into())
            .or_insert(HighsValue::Text("on".into()));
    }
    c
}

/// The decomposition as a method: steps 1 and 2 ([`decompose`]), then the
/// final model started from the hand-out (step 3) and the improvement with
/// the time left (step 4, `improve.rs`). Should steps 1 and 2 find no
/// hand-out, the agent model searches on its own from the greedy roster,
/// and the tours' bound still holds.
pub(super) fn method(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    progress: &Progress,
    t0: Instant,
) -> Result<Outcome> {
    let mut d = match decompose(scenario, horizon, reqs, days, cfg, progress)? {
        Outcome1::Infeasible => {
            return Err(crate::error::Error::Infeasible(super::diagnose(
                scenario, horizon, reqs, days, cfg,
            )))
        }
        Outcome1::Done(d) => d,
    };
    progress.step("final model: breaks, queues and prices of the hand-out");
    let built = build(scenario, horizon, reqs, days, false, d.fixes.as_ref());
    let pos = built.model.positions();
    let start = match &d.plan {
        Some(plan) => Some(solution_from_plan(
            scenario, horizon, reqs, days, &built, &pos, plan,
        )),
        None if cfg.warm_start => initial_solution(scenario, horizon, reqs, days, &built, &pos),
        None => None,
    };
    let mut final_cfg = cfg.clone();
    let left = cfg.time_limit_seconds - t0.elapsed().as_secs_f64();
    // Unrestricted (no hand-out), the final model's bound is the whole problem's.
    let whole = d.fixes.is_none();
    // Unrestricted, the whole agent model seldom leaves its greedy start in
    // the time a long plan leaves (28 days: 30 s without a better roster);
    // the neighbourhoods of `improve` do, so with the tours' bound in hand
    // it gets a quarter of the time and they get the rest.
    final_cfg.time_limit_seconds = if whole && d.bound.is_finite() {
        (UNAIDED_FINAL_SHARE * left).max(1.0)
    } else {
        left.max(1.0)
    };
    let mut fin = Run::solve(
        built,
        &final_cfg,
        start.as_deref(),
        Some(&progress.mip(whole)),
    )?;
    // Restricted to the decomposition's shifts, its own bound says nothing
    // of the whole problem.
    d.phases.push(SolvePhase {
        best_bound: None,
        ..phase("final", &fin.raw, fin.raw.seconds)
    });
    // A little is kept for reading the roster out.
    let deadline = t0 + std::time::Duration::from_secs_f64(0.95 * cfg.time_limit_seconds);
    // Integer tours at the relaxation's value: the integer tour model can
    // prove no more.
    let tours_at_bound = d.phases.iter().any(|p| {
        p.name == "tours"
            && p.objective
                .is_some_and(|o| o <= d.bound + 1e-9 * d.bound.abs().max(1.0))
    });
    if d.bound.is_finite()
        && !tours_at_bound
        && !fin.raw.values.is_empty()
        && super::relative_gap(fin.raw.objective, d.bound) > cfg.mip_rel_gap
    {
        progress.step("integer tours: a tighter bound");
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        if let Some((bound, ph)) = tighten(
            scenario,
            horizon,
            reqs,
            days,
            cfg,
            d.tours.as_deref(),
            TIGHTEN_SHARE * left,
        )? {
            if bound > d.bound {
                d.bound = bound.min(fin.raw.objective);
                progress.bound(d.bound);
            }
            d.phases.push(ph);
        }
    }
    if d.bound.is_finite()
        && !fin.raw.values.is_empty()
        && super::relative_gap(fin.raw.objective, d.bound) > cfg.mip_rel_gap
    {
        progress.step("improving: neighbourhoods of agents re-solved");
        let (best, bound, timed_out, ph) = improve::improve(
            scenario, horizon, reqs, days, cfg, fin, d.bound, deadline, progress,
        )?;
        fin = best;
        d.bound = bound;
        d.hit_time_limit |= timed_out;
        d.phases.push(ph);
    }
    Ok(Outcome {
        run: fin,
        bound: Some(d.bound),
        hit_time_limit: d.hit_time_limit,
        phases: d.phases,
        method: SolveMethod::Decomposition,
        staged: true,
    })
}

/// Share of the time left that the final model gets when the tours found
/// no hand-out (the agent model from the greedy roster).
const UNAIDED_FINAL_SHARE: f64 = 0.25;

/// Share of the time left after the final model that the tighter bound
/// ([`tighten`]) may take; the improvement gets the rest.
pub(super) const TIGHTEN_SHARE: f64 = 0.5;

/// [`tighten`]'s own gap, and the integer tours', as a share of the
/// configured one.
const TIGHTEN_GAP: f64 = 0.5;

/// The open integer tours are tried when the tours near the relaxation are
/// further than this share of the configured gap above it: tours within
/// the gap, handed out exactly, are already a roster good enough (a
/// generated 200-agent centre's tours, 0.45 % above on a gap of 0.5 %, spent
/// 8 s in the open tours for nothing).
const OPEN_TOURS_FROM: f64 = 1.0;

/// A bound of the whole problem at least as strong as the tours
/// relaxation: the tour model with integer counts and no bounds but the
/// class sizes. Every roster maps to a solution of it with the same cost
/// less the per-agent soft terms (module doc), so HiGHS's best bound on it,
/// at optimality or at its time limit, bounds every roster. Started from the
/// integer tours of step 1 (`start`, the same variables), it needs only to
/// close its own gap. `None` when there is no time for it or HiGHS proves
/// nothing.
pub(super) fn tighten(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    start: Option<&[f64]>,
    seconds: f64,
) -> Result<Option<(f64, SolvePhase)>> {
    if seconds < 1.0 {
        return Ok(None);
    }
    let o = open_tours(scenario, horizon, reqs, days, cfg, start, seconds)?;
    // Its incumbent is tours, not a roster: only its bound counts.
    let ph = SolvePhase {
        name: "integer tours (bound)".into(),
        objective: None,
        ..o.phase
    };
    let bound = o.bound;
    Ok(bound.is_finite().then_some((bound, ph)))
}

/// Steps 1 and 2: tours per class, then agents per class. The tours stop
/// at 40% of the time limit (35–45% with the service-level objective), the
/// agents at 60%, though they always have a tenth of it.
pub(super) fn decompose(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    cfg: &SolverConfig,
    progress: &Progress,
) -> Result<Outcome1> {
    let t0 = Instant::now();
    let total = cfg.time_limit_seconds;
    progress.step("tours relaxation: the bound");
    // The relaxation of the tour model: its optimum bounds the whole problem.
    let agg = build_aggregate(scenario, horizon, reqs, days, None, true);
    let pos = agg.model.positions();
    let lp = run(agg.model, &relaxation_cfg(cfg, 0.3 * total), None)?;
    let mut phases = vec![SolvePhase {
        name: "tours relaxation".into(),
        status: format!("{:?}", lp.status),
        objective: (!lp.values.is_empty()).then_some(lp.objective),
        best_bound: (lp.status == HighsModelStatus::Optimal).then_some(lp.objective),
        solve_seconds: lp.seconds,
        variables: lp.n_vars,
        constraints: lp.n_cons,
    }];
    if matches!(
        lp.status,
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible
    ) {
        return Ok(Outcome1::Infeasible);
    }
    let mut hit_time_limit = lp.status != HighsModelStatus::Optimal;
    let bound = if lp.status == HighsModelStatus::Optimal {
        lp.objective
    } else {
        f64::NAN
    };
    progress.bound(bound);
    progress.step("integer tours near the relaxation");
    if lp.values.is_empty() {
        // No relaxation within the time: the agent model searches on its own.
        return Ok(unaided(bound, hit_time_limit, phases));
    }
    // Integer tours near the relaxation: each count between the floor and
    // the ceiling of its relaxed value (widened by one should that have no
    // solution), with breaks and queues solved with them.
    let relaxed = class_counts(&agg.n, &lp, &pos);
    // Attempts at integer tours, in order: (the scenario to solve, the
    // relaxed counts whose floor and ceiling bound the counts, widening, the
    // share of the time limit it may run to).
    let mut attempts: Vec<(Scenario, Vec<Relaxed>, usize, f64)> = Vec::new();
    if scenario.objective.mode == ObjectiveMode::ServiceLevel {
        // The service-level relaxation credits fractional staff with
        // fractional steps and so counts far too few shifts: the integer
        // tours may also take the counts of the requirement relaxation
        // (whose rounding meets the requirements) and whatever lies between.
        // Should that find nothing in time, the requirement tours are the
        // fallback, priced with the service level by the final model.
        let mut by_req = scenario.clone();
        by_req.objective.mode = ObjectiveMode::Requirements;
        let t = Instant::now();
        let agg = build_aggregate(&by_req, horizon, reqs, days, None, true);
        let pos = agg.model.positions();
        let left = (0.3 * total - t0.elapsed().as_secs_f64()).max(1.0);
        let r = run(agg.model, &relaxation_cfg(cfg, left), None)?;
        // Its optimum bounds the requirement problem, not this one.
        let mut ph = phase(
            "tours relaxation by requirements",
            &r,
            t.elapsed().as_secs_f64(),
        );
        ph.best_bound = None;
        phases.push(ph);
        if r.values.is_empty() {
            attempts.push((scenario.clone(), vec![relaxed], 0, 0.4));
        } else {
            let req_relaxed = class_counts(&agg.n, &r, &pos);
            attempts.push((
                scenario.clone(),
                vec![relaxed, req_relaxed.clone()],
                0,
                0.35,
            ));
            attempts.push((by_req.clone(), vec![req_relaxed.clone()], 0, 0.4));
            attempts.push((by_req, vec![req_relaxed], 1, 0.45));
        }
    } else {
        attempts.push((scenario.clone(), vec![relaxed.clone()], 0, 0.4));
        attempts.push((scenario.clone(), vec![relaxed], 1, 0.4));
    }
    let mut raw = None;
    for (sc, relaxed, widen, until) in &attempts {
        let bounds = floor_ceil(relaxed, *widen);
        let t = Instant::now();
        let agg = build_aggregate(sc, horizon, reqs, days, Some(&bounds), true);
        let left = (until * total - t0.elapsed().as_secs_f64()).max(1.0);
        let pos = agg.model.positions();
        let r = run(agg.model, &with_time(cfg, left), None)?;
        let name = if sc.objective.mode == scenario.objective.mode {
            "tours"
        } else {
            "tours by requirements"
        };
        phases.push(phase(name, &r, t.elapsed().as_secs_f64()));
        hit_time_limit |= r.status == HighsModelStatus::ReachedTimeLimit;
        if !r.values.is_empty() {
            raw = Some((r, pos, agg.n, agg.breaks, agg.classes, agg.group_of));
            break;
        }
    }
    let Some((mut raw, mut pos, mut n, mut breaks, mut classes, mut group_of)) = raw else {
        return Ok(unaided(bound, hit_time_limit, phases));
    };
    let mut bound = bound;
    let own_tours = phases.last().is_some_and(|p| p.name == "tours");
    // Tours between the floor and the ceiling of the relaxation may all lie
    // well above it (the demo: none below 4,402.1 against a relaxation of
    // 4,383.1, while open tours reach 4,391.5, and hand out exactly). Then
    // the open integer tours, started from these, to the tours' share of the
    // time: better tours to hand out, and a bound of the whole problem.
    let left = 0.4 * total - t0.elapsed().as_secs_f64();
    if own_tours && open_worth(cfg, raw.objective, bound) && left >= 1.0 {
        progress.step("integer tours, open");
        let o = open_tours(scenario, horizon, reqs, days, cfg, Some(&raw.values), left)?;
        phases.push(o.phase);
        hit_time_limit |= o.raw.status == HighsModelStatus::ReachedTimeLimit;
        if o.bound > bound {
            bound = o.bound;
            progress.bound(bound);
        }
        if !o.raw.values.is_empty() && o.raw.objective < raw.objective - 1e-9 {
            raw = o.raw;
            pos = o.pos;
            (n, breaks, classes, group_of) = (o.agg.n, o.agg.breaks, o.agg.classes, o.agg.group_of);
        }
    }
    let tours = own_tours.then(|| raw.values.clone());
    let val = |v: &Variable| value(&raw.values, v, &pos);
    let counts: ClassCounts = whole_class_counts(&n, &raw, &pos);
    let break_counts: Vec<Vec<Vec<Vec<usize>>>> = breaks
        .iter()
        .map(|bg| {
            bg.iter()
                .map(|bd| {
                    bd.iter()
                        .map(|kind| {
                            kind.iter()
                                .map(|v| val(v).round().max(0.0) as usize)
                                .collect()
                        })
                        .collect()
                })
                .collect()
        })
        .collect();

    progress.step("handing the tours to agents");
    // Step 2: agents per class, with the time left up to half the limit
    // (the rest improves the roster, `improve.rs`), shared by class size.
    let t1 = Instant::now();
    let mut pick: Vec<Vec<Option<usize>>> = vec![vec![None; days.len()]; scenario.agents.len()];
    let mut unfilled = 0.0;
    let mut remaining: usize = scenario.agents.len();
    let mut complete = true;
    let mut size = (0, 0);
    for (ci, c) in classes.iter().enumerate() {
        // Up to 60 % of the limit, and never less than a tenth of it: the
        // tours may have run to their own share (40 %) on a long plan.
        let left = (0.6 * total - t0.elapsed().as_secs_f64()).max(0.1 * total);
        let share = left * c.agents.len() as f64 / remaining.max(1) as f64;
        remaining -= c.agents.len();
        // The class program; should it find no hand-out in its time, the
        // constructive hand-out (with whatever it leaves unmatched); should
        // the counted shifts not fit the agents' own rules at all (days in a
        // row across weeks, say), the class program with every shift open.
        let t = Instant::now();
        let chosen = match assign_class(
            scenario,
            days,
            c,
            &counts[ci],
            &with_time(cfg, share),
            false,
        )? {
            Some(p) => Some(p),
            None => match hand_out_class(scenario, days, &c.agents, &counts[ci]) {
                Some((rows, m)) => Some((rows, m as f64, true, 0, 0)),
                None => {
                    let left = (share - t.elapsed().as_secs_f64()).max(1.0);
                    assign_class(scenario, days, c, &counts[ci], &with_time(cfg, left), true)?
                }
            },
        };
        match chosen {
            Some((rows, missing, limited, vars, cons)) => {
                size = (size.0 + vars, size.1 + cons);
                hit_time_limit |= limited;
                unfilled += missing;
                for (&a, row) in c.agents.iter().zip(rows) {
                    pick[a] = row;
                }
            }
            None => {
                complete = false;
                break;
            }
        }
    }
    phases.push(SolvePhase {
        name: "agents".into(),
        status: if !complete {
            "no assignment".into()
        } else if unfilled > 0.5 {
            format!("{unfilled:.0} counted shifts not matched")
        } else {
            "exact".into()
        },
        objective: None,
        best_bound: None,
        solve_seconds: t1.elapsed().as_secs_f64(),
        variables: size.0,
        constraints: size.1,
    });
    // A hand-out that leaves many counted shifts unmatched (a long plan's
    // weekly rules can split a class's counts in ways no agent's weeks fit)
    // is a worse start than the greedy roster: the agent model starts from
    // that instead, with the neighbourhoods of `improve` after it.
    let counted: usize = counts.iter().flatten().flatten().sum();
    if !complete || unfilled > POOR_HANDOUT * counted as f64 {
        return Ok(Outcome1::Done(Decomposed {
            tours,
            ..match unaided(bound, hit_time_limit, phases) {
                Outcome1::Done(d) => d,
                Outcome1::Infeasible => unreachable!("unaided is done"),
            }
        }));
    }
    let plan = hand_out_breaks(days, &group_of, &pick, |g, d| break_counts[g][d].clone());
    // The final model may move shifts near the counts the hand-out missed
    // (see `neighbourhood`); started from the hand-out, with every agent
    // rule in force. (Letting it move agents among all the tours' shifts
    // found nothing better in 25 s on the 200-agent benchmark.)
    let fixes = neighbourhood(days, &classes, &counts, &pick, MOVE_MINUTES);
    Ok(Outcome1::Done(Decomposed {
        fixes: Some(fixes),
        plan: Some(plan),
        bound,
        hit_time_limit,
        phases,
        tours,
    }))
}

/// The share of counted shifts a hand-out may leave unmatched and still be
/// the final model's start.
const POOR_HANDOUT: f64 = 0.1;

/// How far the final model may move a handed-out shift's start.
const MOVE_MINUTES: i64 = 60;

/// The final model's freedom around the hand-out `pick`. Where a class's
/// counted shifts of a day were not handed out as counted (some unmatched,
/// or extra ones added for a contract minimum), its agents may, that day,
/// move their shift to any candidate starting within `minutes` of it, and
/// those off may take a candidate within `minutes` of a mismatched one; every other shift is fixed as handed out. The rest of the roster
/// stays put, which keeps the model small enough to solve in the time left.
fn neighbourhood(
    days: &[Day],
    classes: &[Class],
    counts: &[Vec<Vec<usize>>],
    pick: &[Vec<Option<usize>>],
    minutes: i64,
) -> Fixes {
    let near = |day: &Day, k: usize, j: usize| {
        (day.shifts[j].start - day.shifts[k].start)
            .num_minutes()
            .abs()
            <= minutes
    };
    let mut fixes = keep_picks(days, pick, &vec![false; pick.len()]);
    for (ci, c) in classes.iter().enumerate() {
        for (d, day) in days.iter().enumerate() {
            // The day's candidates handed out more or less often than counted.
            let off_count: Vec<usize> = (0..day.shifts.len())
                .filter(|&k| {
                    c.agents.iter().filter(|&&a| pick[a][d] == Some(k)).count() != counts[ci][d][k]
                })
                .collect();
            if off_count.is_empty() {
                continue;
            }
            for &a in &c.agents {
                for (j, f) in fixes[a][d].iter_mut().enumerate() {
                    let free = match pick[a][d] {
                        Some(k) => near(day, k, j),
                        None => off_count.iter().any(|&k| near(day, k, j)),
                    };
                    if free {
                        *f = Fix::Free;
                    }
                }
            }
        }
    }
    fixes
}

/// Step 2 for one class: each agent's shift per day (`None`: off), the
/// counted shifts left unmatched, whether the solve hit its time limit, and
/// the model's variables and constraints.
/// `None` when the class's agents cannot work the counted shifts within
/// their individual rules at all.
#[allow(clippy::type_complexity)]
pub(super) fn assign_class(
    scenario: &Scenario,
    days: &[Day],
    class: &Class,
    counts: &[Vec<usize>],
    cfg: &SolverConfig,
    anywhere: bool,
) -> Result<Option<(Vec<Vec<Option<usize>>>, f64, bool, usize, usize)>> {
    let mut sub = scenario.clone();
    sub.agents = class
        .agents
        .iter()
        .map(|&a| scenario.agents[a].clone())
        .collect();
    let mut model = new_model();
    let mut members = empty_members(1, days);
    // The counted candidates only, unless `anywhere`: then every candidate,
    // a shift beyond the counts costing like an extra one.
    let fixes: Fixes = vec![
        counts
            .iter()
            .map(|row| {
                row.iter()
                    .map(|&c| {
                        if c > 0 || anywhere {
                            Fix::Free
                        } else {
                            Fix::Off
                        }
                    })
                    .collect()
            })
            .collect();
        class.agents.len()
    ];
    let group_of = vec![0; class.agents.len()];
    let x = add_agents(
        &mut model,
        &sub,
        days,
        &group_of,
        &mut members,
        Relax::Nothing,
        Some(&fixes),
    )
    .x;
    // The agents' preferences and fair shares decide among equal hand-outs.
    super::soft::add_soft(&mut model, &sub, days, &x);
    // Each counted shift is filled; a miss or an extra costs as much as the
    // understaffing of the whole shift.
    let mut slacks = Vec::new();
    for (d, day) in days.iter().enumerate() {
        for (k, s) in day.shifts.iter().enumerate() {
            if counts[d][k] == 0 && !anywhere {
                continue;
            }
            let miss = model.add(variable().min(0.0), false);
            let extra = model.add(variable().min(0.0), false);
            let penalty = scenario.weights.understaffing.max(1.0) * s.paid_hours.max(1.0);
            model.objective.add_mul(penalty, miss);
            model.objective.add_mul(penalty, extra);
            let mut e = std::mem::take(&mut members[0][d][k]);
            e.add_mul(1.0, miss);
            e.add_mul(-1.0, extra);
            model.constraints.push(e.eq(counts[d][k] as f64));
            slacks.push((miss, extra));
        }
    }
    let pos = model.positions();
    let raw = run(model, cfg, None)?;
    if raw.values.is_empty() {
        return Ok(None);
    }
    let val = |v: &Variable| value(&raw.values, v, &pos);
    let rows = picked(&x, val);
    let missing = slacks.iter().map(|(m, e)| val(m) + val(e)).sum();
    Ok(Some((
        rows,
        missing,
        raw.status == HighsModelStatus::ReachedTimeLimit,
        raw.n_vars,
        raw.n_cons,
    )))
}

/// Each count free between the floor of its lowest relaxed value and the
/// ceiling of its highest (over the relaxations given), widened by `widen`
/// on both sides.
fn floor_ceil(relaxed: &[Relaxed], widen: usize) -> CountBounds {
    relaxed[0]
        .iter()
        .enumerate()
        .map(|(c, nc)| {
            nc.iter()
                .enumerate()
                .map(|(d, nd)| {
                    (0..nd.len())
                        .map(|k| {
                            let vs = relaxed.iter().map(|r| r[c][d][k]);
                            let low = vs.clone().fold(f64::INFINITY, f64::min);
                            let high = vs.fold(f64::NEG_INFINITY, f64::max);
                            let lo = (low + 1e-6).floor().max(0.0) as usize;
                            let hi = (high - 1e-6).ceil().max(0.0) as usize;
                            (lo.saturating_sub(widen), hi + widen)
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// The weeks one agent of the class may work, as counts of shifts of each
/// paid length (`paid[i]`): at most `max_days` shifts, paid hours within
/// `[min_hours, max_hours]`.
fn length_patterns(
    paid: &[f64],
    max_days: usize,
    min_hours: f64,
    max_hours: f64,
) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut stack: Vec<Vec<usize>> = vec![Vec::new()];
    while let Some(p) = stack.pop() {
        if p.len() == paid.len() {
            let hours: f64 = p.iter().zip(paid).map(|(&c, h)| c as f64 * h).sum();
            if hours + 1e-9 >= min_hours && hours <= max_hours + 1e-9 {
                out.push(p);
            }
            continue;
        }
        let used: usize = p.iter().sum();
        for c in (0..=max_days - used).rev() {
            let mut q = p.clone();
            q.push(c);
            stack.push(q);
        }
    }
    out.sort();
    out
}

/// `n` integer counts of members, one per pattern, that add up to the
/// class's `size`.
fn members_per_pattern(model: &mut Model, n: usize, size: f64) -> Vec<Variable> {
    let vars: Vec<Variable> = (0..n)
        .map(|_| model.add(variable().integer().min(0.0).max(size), true))
        .collect();
    let all = vars.iter().fold(Expression::default(), |mut e, v| {
        e.add_mul(1.0, *v);
        e
    });
    model.constraints.push(all.eq(size));
    vars
}

/// The weeks of `len` days (bit `i`: day `i` worked) with as many working
/// days as one of `counts` and a block of at least `block` days off in a
/// row, in increasing order.
fn off_block_patterns(len: usize, block: usize, counts: &[usize]) -> Vec<u32> {
    (0u32..1 << len)
        .filter(|&q| counts.contains(&(q.count_ones() as usize)))
        .filter(|&q| {
            let mut run = 0;
            (0..len).any(|i| {
                run = if q & (1 << i) == 0 { run + 1 } else { 0 };
                run >= block
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{length_patterns, off_block_patterns};

    /// Five working days of seven with two days off in a row: the six
    /// places of the block, listed by hand; four days: the 35 ways to be
    /// off three days less the ten with no two of them together (the
    /// three off days among five gaps).
    #[test]
    fn off_block_patterns_of_a_week() {
        let five = off_block_patterns(7, 2, &[5]);
        let expected: Vec<u32> = vec![
            0b0011111, 0b1001111, 0b1100111, 0b1110011, 0b1111001, 0b1111100,
        ]
        .into_iter()
        .map(|q: u32| q.reverse_bits() >> 25)
        .collect::<std::collections::BTreeSet<u32>>()
        .into_iter()
        .collect();
        assert_eq!(five, expected);
        assert_eq!(off_block_patterns(7, 2, &[4]).len(), 35 - 10);
        assert!(off_block_patterns(7, 2, &[6]).is_empty());
        assert_eq!(off_block_patterns(7, 1, &[6]).len(), 7);
    }

    /// Every week of 7- and 8-hour paid shifts on at most 5 days, listed by
    /// hand: a 32–40 hour contract allows 4×8, and 5 shifts of any mix.
    #[test]
    fn length_patterns_of_a_32_to_40_hour_contract() {
        let p = length_patterns(&[7.0, 8.0], 5, 32.0, 40.0);
        let expected: Vec<Vec<usize>> = vec![
            vec![0, 4],
            vec![0, 5],
            vec![1, 4],
            vec![2, 3],
            vec![3, 2],
            vec![4, 1],
            vec![5, 0],
        ];
        assert_eq!(p, expected);
        // No contract minimum: the empty week is a pattern too.
        assert!(length_patterns(&[8.0], 2, 0.0, 16.0).contains(&vec![0]));
        assert!(length_patterns(&[8.0], 2, 20.0, 30.0).is_empty());
    }
}
