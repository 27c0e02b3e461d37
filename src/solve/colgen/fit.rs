//! Plans that fit the tours: for each skill group, the mix of its kinds'
//! plans that comes closest to the group's shift counts of the tours'
//! relaxation, by column generation on a small linear program.
//!
//! Per group: `λ[j]` agents of column `j`'s kind work its plan, each kind's
//! agents all work one (`Σ λ = |kind|`), and per day and shift candidate
//! `Σ_j plan_j(d) = k · λ[j] + miss − extra = count`, with every shift
//! missed or extra costing one. The pricing is the agents' own
//! (`pricing.rs`) with each shift worth its row's dual. When the counts
//! can be met by agents' plans, the mix found meets them, and the master
//! of the generation starts from plans that reproduce the relaxation.

use std::collections::HashSet;
use std::time::Instant;

use highs::{ColProblem, HighsModelStatus, Model, Row, Sense};

use super::pricing::{Pricer, Schedule};

/// A kind of agent as the fit sees it.
pub(super) struct FitKind<'a> {
    pub(super) group: usize,
    pub(super) size: usize,
    pub(super) pricer: &'a Pricer,
}

/// Most rounds of pricing per group.
const MOST_ROUNDS: usize = 200;

/// Runs `job(g, kinds of g)` for every group, in parallel on `threads`.
fn per_group<T: Send>(
    kinds: &[FitKind],
    threads: usize,
    job: &(dyn Fn(usize, &[usize]) -> T + Sync),
) -> Vec<T> {
    use rayon::prelude::*;
    let groups: Vec<usize> = {
        let mut g: Vec<usize> = kinds.iter().map(|k| k.group).collect();
        g.sort();
        g.dedup();
        g
    };
    let run = || {
        groups
            .par_iter()
            .map(|&g| {
                let mine: Vec<usize> = (0..kinds.len()).filter(|&c| kinds[c].group == g).collect();
                job(g, &mine)
            })
            .collect::<Vec<_>>()
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

/// The plans that best fit `counts[g][d][k]`, per kind (`out[c]`): those of
/// the last mix each group's generation solved, the generation ending at
/// `deadline` at the latest; and the shifts the best mix of them misses or
/// adds, summed over the groups (infinite when a group's generation was
/// cut short).
pub(super) fn fit(
    kinds: &[FitKind],
    counts: &[Vec<Vec<f64>>],
    limit: usize,
    threads: usize,
    deadline: Instant,
) -> (Vec<Vec<Schedule>>, f64) {
    let found = per_group(kinds, threads, &|g, mine| {
        let (plans, used, missed) = fit_group(kinds, mine, &counts[g], limit, deadline);
        // Only the plans of the last mix solved: the others were steps on
        // the way and would only weigh on the master (every plan, should no
        // mix have been solved).
        let kept: Vec<(usize, Schedule)> = if used.is_empty() {
            plans
        } else {
            plans
                .into_iter()
                .zip(used.into_iter().chain(std::iter::repeat(false)))
                .filter_map(|(p, u)| u.then_some(p))
                .collect()
        };
        (kept, missed)
    });
    let mut out: Vec<Vec<Schedule>> = vec![Vec::new(); kinds.len()];
    let mut missed = 0.0;
    for (plans, m) in found {
        missed += m;
        for (c, plan) in plans {
            out[c].push(plan);
        }
    }
    (out, missed)
}

/// Whole counts handed to agents: each kind's plans with their agents
/// (`mix[c]`), the counted shifts that mix misses or adds, and those the
/// best mix of the linear fit misses or adds (zero when some mix of plans,
/// whole or not, meets the counts).
pub(super) struct HandOut {
    pub(super) mix: Vec<Vec<(Schedule, usize)>>,
    pub(super) missed: f64,
    pub(super) relaxed_missed: f64,
}

/// Whole counts `counts[g][d][k]` handed to the agents: per group, the
/// plans of the fit's generation, then the whole number of agents of each
/// kind on each plan that misses or adds the fewest counted shifts (a
/// small integer program, each group's solve ending at `deadline`); `None`
/// when some group found no whole mix.
pub(super) fn hand_out(
    kinds: &[FitKind],
    counts: &[Vec<Vec<f64>>],
    limit: usize,
    threads: usize,
    deadline: Instant,
) -> Option<HandOut> {
    let found = per_group(kinds, threads, &|g, mine| {
        let (plans, _, relaxed) = fit_group(kinds, mine, &counts[g], limit, deadline);
        whole_mix(kinds, mine, &counts[g], &plans, deadline).map(|(mix, m)| (mix, m, relaxed))
    });
    let mut out = HandOut {
        mix: vec![Vec::new(); kinds.len()],
        missed: 0.0,
        relaxed_missed: 0.0,
    };
    for group in found {
        let (mix, m, relaxed) = group?;
        out.missed += m;
        out.relaxed_missed += relaxed;
        for (c, plan, n) in mix {
            out.mix[c].push((plan, n));
        }
    }
    Some(out)
}

/// The rows of one group's fit: per day and shift candidate some kind of
/// the group may work (or the counts hold), then one per kind.
struct Rows {
    problem: ColProblem,
    shift: Vec<Vec<Option<(Row, usize)>>>,
    conv: Vec<(Row, usize)>,
}

impl Rows {
    fn new(kinds: &[FitKind], mine: &[usize], counts: &[Vec<f64>]) -> Rows {
        let mut problem = ColProblem::default();
        let mut n_rows = 0;
        let mut add_row = |problem: &mut ColProblem, n: f64| {
            n_rows += 1;
            (problem.add_row(n..=n), n_rows - 1)
        };
        let shift: Vec<Vec<Option<(Row, usize)>>> = counts
            .iter()
            .enumerate()
            .map(|(d, row)| {
                row.iter()
                    .enumerate()
                    .map(|(k, &n)| {
                        let open = mine.iter().any(|&c| kinds[c].pricer.may_work(d, k));
                        (open || n > 1e-9).then(|| add_row(&mut problem, n))
                    })
                    .collect()
            })
            .collect();
        let conv: Vec<(Row, usize)> = mine
            .iter()
            .map(|&c| add_row(&mut problem, kinds[c].size as f64))
            .collect();
        // Each shift missed or added costs one.
        for &(row, _) in shift.iter().flatten().flatten() {
            problem.add_column(1.0, 0.0.., [(row, 1.0)]);
            problem.add_column(1.0, 0.0.., [(row, -1.0)]);
        }
        Rows {
            problem,
            shift,
            conv,
        }
    }

    /// The entries of the `i`th kind's column working `plan`.
    fn column(&self, i: usize, plan: &Schedule) -> Vec<(Row, f64)> {
        let mut e: Vec<(Row, f64)> = plan
            .iter()
            .enumerate()
            .filter_map(|(d, k)| k.and_then(|k| self.shift[d][k]).map(|(r, _)| (r, 1.0)))
            .collect();
        e.push((self.conv[i].0, 1.0));
        e
    }
}

/// The whole mix of `plans` (with their kinds) that misses or adds the
/// fewest of `counts`, by `deadline`: each plan with its agents, and the
/// shifts missed or added; `None` without a whole mix in time.
#[allow(clippy::type_complexity)]
fn whole_mix(
    kinds: &[FitKind],
    mine: &[usize],
    counts: &[Vec<f64>],
    plans: &[(usize, Schedule)],
    deadline: Instant,
) -> Option<(Vec<(usize, Schedule, usize)>, f64)> {
    let mut rows = Rows::new(kinds, mine, counts);
    let slacks = rows.problem.num_cols();
    for (c, plan) in plans {
        let i = mine.iter().position(|m| m == c)?;
        let entries = rows.column(i, plan);
        rows.problem
            .add_integer_column(0.0, 0.0..=kinds[*c].size as f64, entries);
    }
    let mut model = rows.problem.optimise(Sense::Minimise);
    model.make_quiet();
    let _ = model.try_set_option("threads", 1);
    let left = deadline
        .saturating_duration_since(Instant::now())
        .as_secs_f64();
    let _ = model.try_set_option("time_limit", left.max(0.05));
    let solved = model.try_solve().ok()?;
    let solution = solved.get_solution();
    let values = solution.columns();
    if values.len() < slacks + plans.len() {
        return None;
    }
    let mix = plans
        .iter()
        .zip(&values[slacks..])
        .filter(|(_, &v)| v > 0.5)
        .map(|((c, plan), &v)| (*c, plan.clone(), v.round() as usize))
        .collect();
    Some((mix, solved.objective_value()))
}

/// One group's fit: the plans generated, with their kind; which of them
/// the last mix solved uses (empty when none was solved); and the shifts
/// that mix misses or adds (infinite unless the generation ended).
fn fit_group(
    kinds: &[FitKind],
    mine: &[usize],
    counts: &[Vec<f64>],
    limit: usize,
    deadline: Instant,
) -> (Vec<(usize, Schedule)>, Vec<bool>, f64) {
    let mut rows = Rows::new(kinds, mine, counts);
    // To start, each kind's cheapest plan when the counted shifts are worth
    // their count.
    let mut plans: Vec<(usize, Schedule)> = Vec::new();
    let mut seen: HashSet<(usize, Schedule)> = HashSet::new();
    for (i, &c) in mine.iter().enumerate() {
        let p = kinds[c].pricer;
        let first = p.cheapest(&|d, k| p.cost[d][k] + counts[d][k], 1);
        let Some((_, plan)) = first.into_iter().next() else {
            return (plans, Vec::new(), f64::INFINITY);
        };
        let entries = rows.column(i, &plan);
        rows.problem.add_column(0.0, 0.0.., entries);
        seen.insert((c, plan.clone()));
        plans.push((c, plan));
    }
    let slacks = rows.problem.num_cols() - plans.len();
    let Rows {
        problem,
        shift,
        conv,
    } = rows;
    let column = |i: usize, plan: &Schedule| -> Vec<(Row, f64)> {
        let mut e: Vec<(Row, f64)> = plan
            .iter()
            .enumerate()
            .filter_map(|(d, k)| k.and_then(|k| shift[d][k]).map(|(r, _)| (r, 1.0)))
            .collect();
        e.push((conv[i].0, 1.0));
        e
    };
    let mut used: Vec<bool> = Vec::new();
    let mut model = problem.optimise(Sense::Minimise);
    model.make_quiet();
    let _ = model.try_set_option("threads", 1);
    let mut missed = f64::INFINITY;
    for _ in 0..MOST_ROUNDS {
        if Instant::now() >= deadline {
            missed = f64::INFINITY;
            break;
        }
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        let _ = model.try_set_option("time_limit", left.max(0.01));
        let Ok(solved) = model.try_solve() else {
            missed = f64::INFINITY;
            break;
        };
        if solved.status() != HighsModelStatus::Optimal {
            missed = f64::INFINITY;
            break;
        }
        let solution = solved.get_solution();
        let dual = solution.dual_rows();
        missed = solved.objective_value();
        used = solution.columns()[slacks..]
            .iter()
            .map(|&l| l > 1e-9)
            .collect();
        model = Model::from(solved);
        if missed < 1e-6 {
            break;
        }
        let worth = |r: Option<(Row, usize)>| r.map_or(0.0, |(_, i)| dual[i]);
        let mut added = 0;
        for (i, &c) in mine.iter().enumerate() {
            let p = kinds[c].pricer;
            let sigma = dual[conv[i].1];
            let found = p.cheapest(&|d, k| p.cost[d][k] + worth(shift[d][k]), limit);
            for (v, plan) in found {
                if v - sigma < -1e-6 && seen.insert((c, plan.clone())) {
                    model.add_col(0.0, 0.0.., column(i, &plan));
                    plans.push((c, plan));
                    added += 1;
                }
            }
        }
        if added == 0 {
            break;
        }
    }
    (plans, used, missed)
}
