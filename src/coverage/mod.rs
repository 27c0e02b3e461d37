//! The one arithmetic of coverage, shared by the optimizer, its greedy
//! start, the decomposition, the report and the cost recomputation.
//!
//! An agent is present on a queue in an interval for the fraction of the
//! interval their shift covers, minus the fraction their breaks take
//! ([`presence`]), to the second, whatever the grid: a 15-minute break at
//! :15 on a 30-minute grid takes half of one interval. A multi-skilled
//! agent's presence is split across their queues by [`lp`] (the split the
//! optimizer chooses and the report recomputes) or, for the greedy start,
//! poured ([`pour`]). Deferred work (email, tickets) is a backlog worked
//! first in, first out within its deadline ([`deferred_work`],
//! [`not_yet_due`], [`deferred_on_time`]).
//!
//! Nothing here knows the optimizer or the report: both stand on it.

pub mod model;
pub mod pools;

use chrono::{DateTime, Duration};
use chrono_tz::Tz;

use crate::horizon::Horizon;
use crate::staffing::QueueRequirements;

/// Share of each interval that `[from, to)` covers, for each interval it
/// touches: `(interval, fraction)`, fractions in (0, 1].
pub fn share(h: &Horizon, from: DateTime<Tz>, to: DateTime<Tz>) -> Vec<(usize, f64)> {
    let len = h.interval_minutes as f64 * 60.0;
    h.range(from, to)
        .filter_map(|t| {
            let s = h.intervals[t].start;
            let e = s + Duration::minutes(h.interval_minutes as i64);
            let lo = from.max(s);
            let hi = to.min(e);
            let secs = (hi - lo).num_seconds() as f64;
            (secs > 0.0).then_some((t, secs / len))
        })
        .collect()
}

/// Share of each interval an agent is present: the shift `[start, end)`
/// minus its `breaks` (which lie inside it and do not overlap), for each
/// interval where the agent is present at all.
pub fn presence(
    h: &Horizon,
    start: DateTime<Tz>,
    end: DateTime<Tz>,
    breaks: &[(DateTime<Tz>, DateTime<Tz>)],
) -> Vec<(usize, f64)> {
    let mut out = share(h, start, end);
    for &(bs, be) in breaks {
        for (t, f) in share(h, bs, be) {
            if let Some(slot) = out.iter_mut().find(|(u, _)| *u == t) {
                slot.1 -= f;
            }
        }
    }
    out.retain(|&(_, f)| f > 1e-12);
    out
}

/// Pouring step: a twentieth of an agent.
const POUR_STEP: f64 = 0.05;

/// Pours `amount` agents of several skills into their queues a twentieth of
/// an agent at a time, each step into the queue furthest below its `floor`
/// (of those below one), else furthest below its `need`; ties go to the
/// first queue. `staff[j]` is what queue `j` has so far, raised by each step
/// times the agents' proficiency `rates[j]`. Returns the agents given to
/// each queue. A quick split for starting solutions; the exact one is [`lp`].
pub fn pour(
    amount: f64,
    rates: &[f64],
    floor: &[f64],
    need: &[f64],
    staff: &mut [f64],
) -> Vec<f64> {
    let mut given = vec![0.0; rates.len()];
    let mut left = amount;
    while left > 1e-12 {
        let step = left.min(POUR_STEP);
        let furthest = |target: &[f64], staff: &[f64], only_below: bool| {
            (0..rates.len())
                .filter(|&j| !only_below || target[j] - staff[j] > 1e-9)
                .max_by(|&a, &b| {
                    (target[a] - staff[a])
                        .partial_cmp(&(target[b] - staff[b]))
                        .unwrap_or(std::cmp::Ordering::Equal)
                        .then(b.cmp(&a))
                })
        };
        let j = furthest(floor, staff, true)
            .or_else(|| furthest(need, staff, false))
            .expect("at least one queue");
        staff[j] += step * rates[j];
        given[j] += step;
        left -= step;
    }
    given
}

/// Agent-hours of deferred work arriving in each interval.
pub fn deferred_work(req: &QueueRequirements) -> Vec<f64> {
    req.intervals
        .iter()
        .map(|r| (r.volume * r.aht_seconds / 3600.0).max(0.0))
        .collect()
}

/// Work arrived by the end of each interval that is not yet due: the work of
/// the last `d − 1` intervals (work of interval `s` is due by the end of `s + d − 1`).
pub fn not_yet_due(work: &[f64], d: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(work.len());
    let mut window = 0.0;
    for t in 0..work.len() {
        if d > 1 {
            window += work[t];
            if t >= d - 1 {
                window -= work[t + 1 - d];
            }
        }
        out.push(window.max(0.0));
    }
    out
}

/// Share of each interval's deferred work finished by its deadline, working
/// first in, first out with `capacity[t]` agent-hours in interval `t`; work
/// of interval `s` is due by the end of interval `s + d − 1`. `None` for
/// intervals whose deadline falls after the last interval.
pub fn deferred_on_time(work: &[f64], capacity: &[f64], d: usize) -> Vec<Option<f64>> {
    let d = d.max(1);
    let n = work.len();
    let mut remaining = work.to_vec();
    let mut first = 0; // oldest interval with work left
    let mut out = vec![None; n];
    for (t, &c) in capacity.iter().enumerate().take(n) {
        let mut cap = c.max(0.0);
        while first <= t && cap > 0.0 {
            let take = remaining[first].min(cap);
            remaining[first] -= take;
            cap -= take;
            if remaining[first] <= 1e-12 {
                remaining[first] = 0.0;
                first += 1;
            }
        }
        if t + 1 >= d {
            let s = t + 1 - d;
            out[s] = Some(if work[s] > 0.0 {
                1.0 - remaining[s] / work[s]
            } else {
                1.0
            });
        }
    }
    out
}
