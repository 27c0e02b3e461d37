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

/// The plans that best fit `counts[g][d][k]`, per kind (`out[c]`), each
/// group's generation ending at `deadline` at the latest; and the shifts
/// the best mix of them misses or adds, summed over the groups (infinite
/// when a group's generation was cut short).
pub(super) fn fit(
    kinds: &[FitKind],
    counts: &[Vec<Vec<f64>>],
    limit: usize,
    threads: usize,
    deadline: Instant,
) -> (Vec<Vec<Schedule>>, f64) {
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
                fit_group(kinds, &mine, &counts[g], limit, deadline)
            })
            .collect::<Vec<_>>()
    };
    let found = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    };
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

/// One group's fit: the plans generated, with their kind, and the shifts
/// the best mix of them misses or adds (infinite unless the generation
/// ended).
fn fit_group(
    kinds: &[FitKind],
    mine: &[usize],
    counts: &[Vec<f64>],
    limit: usize,
    deadline: Instant,
) -> (Vec<(usize, Schedule)>, f64) {
    let mut problem = ColProblem::default();
    // Rows, each with its index in the problem (the order they are added).
    let mut n_rows = 0;
    let mut add_row = |problem: &mut ColProblem, n: f64| {
        n_rows += 1;
        (problem.add_row(n..=n), n_rows - 1)
    };
    // A row per day and shift candidate some kind of the group may work.
    let rows: Vec<Vec<Option<(Row, usize)>>> = counts
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
    for &(row, _) in rows.iter().flatten().flatten() {
        problem.add_column(1.0, 0.0.., [(row, 1.0)]);
        problem.add_column(1.0, 0.0.., [(row, -1.0)]);
    }
    let column = |i: usize, plan: &Schedule| -> Vec<(Row, f64)> {
        let mut e: Vec<(Row, f64)> = plan
            .iter()
            .enumerate()
            .filter_map(|(d, k)| k.and_then(|k| rows[d][k]).map(|(r, _)| (r, 1.0)))
            .collect();
        e.push((conv[i].0, 1.0));
        e
    };
    // To start, each kind's cheapest plan when the counted shifts are worth
    // their count.
    let mut plans: Vec<(usize, Schedule)> = Vec::new();
    let mut seen: HashSet<(usize, Schedule)> = HashSet::new();
    for (i, &c) in mine.iter().enumerate() {
        let p = kinds[c].pricer;
        let first = p.cheapest(&|d, k| p.cost[d][k] + counts[d][k], 1);
        let Some((_, plan)) = first.into_iter().next() else {
            return (plans, f64::INFINITY);
        };
        problem.add_column(0.0, 0.0.., column(i, &plan));
        seen.insert((c, plan.clone()));
        plans.push((c, plan));
    }
    let mut model = problem.optimise(Sense::Minimise);
    model.make_quiet();
    let _ = model.try_set_option("threads", 1);
    let mut missed = f64::INFINITY;
    for _ in 0..MOST_ROUNDS {
        if Instant::now() >= deadline {
            return (plans, f64::INFINITY);
        }
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        let _ = model.try_set_option("time_limit", left.max(0.01));
        let Ok(solved) = model.try_solve() else {
            return (plans, f64::INFINITY);
        };
        if solved.status() != HighsModelStatus::Optimal {
            return (plans, f64::INFINITY);
        }
        let solution = solved.get_solution();
        let dual = solution.dual_rows();
        missed = solved.objective_value();
        model = Model::from(solved);
        if missed < 1e-6 {
            break;
        }
        let worth = |r: Option<(Row, usize)>| r.map_or(0.0, |(_, i)| dual[i]);
        let mut added = 0;
        for (i, &c) in mine.iter().enumerate() {
            let p = kinds[c].pricer;
            let sigma = dual[conv[i].1];
            let found = p.cheapest(&|d, k| p.cost[d][k] + worth(rows[d][k]), limit);
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
    (plans, missed)
}
