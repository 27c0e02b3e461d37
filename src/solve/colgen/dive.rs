//! Step 6a: a dive in the linear master to whole agents, pricing as it goes.
//!
//! The integer master in HiGHS spends seconds per round of cuts at its
//! root on these models (its path separator; none of the cuts raises the
//! bound, which is the linear master's), so that under a short time limit
//! it ends far from the bound or with no roster at all. The dive needs no
//! cuts: it commits each column's whole agents (`λ`'s floor becomes its
//! lower bound), rounds up a batch of the columns with the largest
//! fractions, re-solves the linear master from its basis (a few dual
//! simplex iterations), and repeats until every `λ` is whole. After each
//! round the kinds with agents still free are priced again at the
//! master's new values ([`Columns::reprice`]), so the agents left free get
//! the plans that best complement the ones committed (with individual
//! agents, the plans of the linear mix rarely fit together whole). Each
//! round commits at least one more agent, so it ends; the batch grows when
//! the time left at the pace so far would not see the fractions through,
//! and past the deadline one last round rounds them all. Its end is a mix
//! of whole agents and the master's value for it, which HiGHS's integer
//! master can start from.

use std::time::Instant;

use super::master::{LinearMaster, LpSolution};
use crate::error::Result;

/// How far from whole a `λ` may be and still count as whole.
const WHOLE: f64 = 1e-6;

/// The share of the fractional columns rounded up in each round, at least
/// (more when time is short). On the 200-agent benchmark whose contracts
/// outweigh the need, a quarter ended 3.3 % above the bound, a tenth
/// 0.5 %, three in a hundred 0.15 %: the smaller the batch, the more the
/// agents left free can make up for the rounding.
const BATCH: f64 = 0.03;

/// Rounds past the deadline before the dive gives up (each rounds up every
/// fraction left, and commits at least one agent).
const LATE_ROUNDS: usize = 3;

/// The guessed time of the first round, before there is a pace to go by.
const FIRST_ROUND_SECONDS: f64 = 0.5;

/// Rounds of pricing after each round of the dive, at most.
const REPRICE_ROUNDS: usize = 2;

/// The columns the dive works on, and new ones for the agents left free.
pub(super) trait Columns {
    /// Columns in the master so far.
    fn len(&self) -> usize;
    /// The kind of column `j`.
    fn kind(&self, j: usize) -> usize;
    /// The agents of each kind.
    fn sizes(&self) -> Vec<usize>;
    /// Prices the kinds with agents left free (`free[kind] > 0`) at the
    /// master's values in `sol` and adds the plans that price out; how
    /// many it added.
    fn reprice(
        &mut self,
        master: &mut LinearMaster,
        sol: &LpSolution,
        free: &[usize],
    ) -> Result<usize>;
}

/// A mix of whole agents: each column's count, and the linear master's
/// value for it.
pub(super) struct Dived {
    pub(super) counts: Vec<usize>,
    pub(super) objective: f64,
    pub(super) rounds: usize,
    /// Plans added by the pricing during the dive.
    pub(super) priced: usize,
}

/// Dives from the linear master's solution `first` to whole agents by
/// about `deadline` (its last round may run past it by twice the pace of
/// the others); `None` when the master has no solution in time with the
/// columns committed. The master's bounds are left as the dive ended.
pub(super) fn dive(
    master: &mut LinearMaster,
    columns: &mut dyn Columns,
    first: LpSolution,
    deadline: Instant,
) -> Result<Option<Dived>> {
    let sizes = columns.sizes();
    let mut lower = vec![0usize; columns.len()];
    let mut sol = first;
    if sol.lambda.len() < columns.len() {
        // The last solution predates the last columns added.
        let seconds = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        match master.solve(seconds)? {
            Some(s) => sol = s,
            None => return Ok(None),
        }
    }
    let mut rounds = 0;
    let mut priced = 0;
    // The times of the rounds but the first (the first is the slowest by
    // far: 3.2 s against 0.05 to 1.7 s on the 200-agent benchmark), whose
    // median is the pace.
    let mut times: Vec<f64> = Vec::new();
    let mut start_fractions: Option<usize> = None;
    let mut raised_up = 0;
    let mut late = 0;
    loop {
        // Price the agents still free, while time is left.
        for _ in 0..REPRICE_ROUNDS {
            if Instant::now() >= deadline {
                break;
            }
            let left = free(&*columns, &sizes, &lower);
            let added = columns.reprice(master, &sol, &left)?;
            if added == 0 {
                break;
            }
            priced += added;
            lower.resize(columns.len(), 0);
            let seconds = deadline
                .saturating_duration_since(Instant::now())
                .as_secs_f64();
            master.primal_simplex()?;
            match master.solve(seconds)? {
                Some(s) => sol = s,
                None => return Ok(None),
            }
        }
        lower.resize(columns.len(), 0);
        let mut fractional: Vec<(usize, f64)> = sol
            .lambda
            .iter()
            .enumerate()
            .filter_map(|(j, &l)| {
                let f = l - l.floor();
                (f > WHOLE && f < 1.0 - WHOLE).then_some((j, f))
            })
            .collect();
        if fractional.is_empty() {
            let counts = sol
                .lambda
                .iter()
                .map(|&l| l.round().max(0.0) as usize)
                .collect();
            return Ok(Some(Dived {
                counts,
                objective: sol.objective,
                rounds,
                priced,
            }));
        }
        // Enough rounds for the fractions left in the time left, at the
        // pace of the rounds so far; past the deadline, one last round for them all.
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        let pace = if times.is_empty() {
            FIRST_ROUND_SECONDS
        } else {
            let mut sorted = times.clone();
            sorted.sort_by(f64::total_cmp);
            sorted[sorted.len() / 2]
        }
        .max(0.01);
        // Fractions resolve faster than they are rounded up: the agents
        // left free settle on whole columns too (103 fractions went in 11
        // rounds that rounded up 40 on the 200-agent benchmark).
        let at_start = *start_fractions.get_or_insert(fractional.len());
        let settled = if raised_up == 0 {
            1.0
        } else {
            (at_start.saturating_sub(fractional.len()) as f64 / raised_up as f64).max(1.0)
        };
        let affordable = (left / pace).floor();
        if affordable < 1.0 {
            late += 1;
            if late > LATE_ROUNDS {
                return Ok(None);
            }
        }
        let batch = if affordable < 1.0 {
            fractional.len()
        } else {
            let by_time = (fractional.len() as f64 / (affordable * settled)).ceil();
            ((fractional.len() as f64 * BATCH).ceil().max(by_time) as usize).max(1)
        };
        // Commit the whole agents of every column.
        let mut raise: Vec<(usize, usize)> = Vec::new();
        for (j, &l) in sol.lambda.iter().enumerate() {
            let whole = (l + WHOLE).floor().max(0.0) as usize;
            if whole > lower[j] {
                lower[j] = whole;
                raise.push((j, whole));
            }
        }
        let mut remaining = free(&*columns, &sizes, &lower);
        // Round up the largest fractions, a batch at a time.
        fractional.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut up = 0;
        for &(j, _) in &fractional {
            if up == batch {
                break;
            }
            let c = columns.kind(j);
            if remaining[c] > 0 {
                remaining[c] -= 1;
                lower[j] += 1;
                raise.push((j, lower[j]));
                up += 1;
            }
        }
        if up == 0 {
            // (A fractional column leaves its kind an agent to commit.)
            return Ok(None);
        }
        for (j, lo) in raise {
            master.set_bounds(j, lo as f64, f64::INFINITY)?;
        }
        rounds += 1;
        let seconds = if affordable < 1.0 { 2.0 * pace } else { left };
        let round = Instant::now();
        master.dual_simplex()?;
        let solved = master.solve(seconds)?;
        if rounds > 1 {
            times.push(round.elapsed().as_secs_f64());
        }
        raised_up += up;
        match solved {
            Some(s) => sol = s,
            None => return Ok(None),
        }
    }
}

/// The agents of each kind not yet committed by `lower`.
fn free(columns: &dyn Columns, sizes: &[usize], lower: &[usize]) -> Vec<usize> {
    let mut free = sizes.to_vec();
    for (j, &lo) in lower.iter().enumerate() {
        let c = columns.kind(j);
        free[c] = free[c].saturating_sub(lo);
    }
    free
}
