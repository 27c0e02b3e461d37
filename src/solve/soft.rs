//! Soft rules in the objective: the agents' preferences, soft rotations,
//! and fair shares of weekend days and late shifts.
//!
//! A preference costs `weights.preference × weight` on every shift candidate
//! that misses it (a shift on a wished day off, a start before `start_after`
//! or after `start_before`, an end after `end_before`); with at most one
//! shift a day that is the cost per planned day the wish is not honoured, and
//! needs no variable of its own. A soft rotation likewise costs its
//! `weight` on every shift candidate off the week's pattern.
//!
//! Fairness (`rules.fairness`) counts over the whole plan, every week
//! together, and minimises the largest share of unpopular work
//! any agent gets: `z ≥ (H̄ / H_a) · n_a` for every agent `a` with a positive
//! contract, `n_a` the agent's weekend days (or late shifts), `H_a` the
//! agent's `max_hours` and `H̄` their mean, so a half-time agent counts double
//! and shares in proportion to contract; `z` costs `weights.weekend_fairness`
//! (or `weights.late_fairness`) per unit.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use good_lp::{variable, Expression, Variable};

use super::candidates::{on_pattern, Day};
use super::model::Model;
use crate::scenario::{Preference, Scenario};

/// A fairness bound: `z` at least each agent's scaled count of shifts.
pub(super) struct FairTerm {
    pub(super) z: Variable,
    /// (scale, the agent's shift variables that count).
    pub(super) rows: Vec<(f64, Vec<Variable>)>,
}

/// Minutes from local midnight of `date` to `t` on the wall clock (above
/// 1440 on the next day).
fn wall_minutes(date: NaiveDate, t: DateTime<Tz>) -> i64 {
    (t.naive_local() - date.and_hms_opt(0, 0, 0).expect("midnight")).num_minutes()
}

fn misses(p: &Preference, date: NaiveDate, start: DateTime<Tz>, end: DateTime<Tz>) -> bool {
    let (s, e) = (wall_minutes(date, start), wall_minutes(date, end));
    p.off
        || p.start_after.is_some_and(|t| s < t.minutes() as i64)
        || p.start_before.is_some_and(|t| s > t.minutes() as i64)
        || p.end_before.is_some_and(|t| e > t.minutes() as i64)
}

/// Adds the preferences' costs and the fairness bounds to the objective.
pub(super) fn add_soft(
    model: &mut Model,
    scenario: &Scenario,
    days: &[Day],
    x: &[Vec<Vec<Variable>>],
) -> Vec<FairTerm> {
    let wts = &scenario.weights;
    for (ai, a) in scenario.agents.iter().enumerate() {
        for p in &a.prefers {
            let w = wts.preference * p.weight;
            for (di, day) in days.iter().enumerate() {
                if w <= 0.0 || !p.applies(day.date) {
                    continue;
                }
                for (k, s) in day.shifts.iter().enumerate() {
                    if misses(p, day.date, s.start, s.end) {
                        model.objective.add_mul(w, x[ai][di][k]);
                    }
                }
            }
        }
    }
    // Soft rotations: each shift worked off the week's pattern costs the
    // rotation's weight.
    for (ai, a) in scenario.agents.iter().enumerate() {
        for (di, day) in days.iter().enumerate() {
            let Some((w, pattern)) = scenario
                .rotation_on(a, day.date)
                .and_then(|(r, p)| Some((r.weight.filter(|&w| w > 0.0)?, p)))
            else {
                continue;
            };
            for (k, s) in day.shifts.iter().enumerate() {
                if !on_pattern(a, pattern, day, s) {
                    model.objective.add_mul(w, x[ai][di][k]);
                }
            }
        }
    }
    let Some(f) = &scenario.rules.fairness else {
        return Vec::new();
    };
    let contracts: Vec<f64> = scenario
        .agents
        .iter()
        .map(|a| a.max_hours)
        .filter(|&h| h > 0.0)
        .collect();
    if contracts.is_empty() {
        return Vec::new();
    }
    let mean = contracts.iter().sum::<f64>() / contracts.len() as f64;
    let weekend = |d: &Day| f.weekend.iter().any(|w| w.matches(d.date));
    let late =
        |d: &Day, k: usize| wall_minutes(d.date, d.shifts[k].end) > f.late_after.minutes() as i64;
    let mut terms = Vec::new();
    for (weight, counts) in [
        (
            wts.weekend_fairness,
            &(|d: &Day, _k: usize| weekend(d)) as &dyn Fn(&Day, usize) -> bool,
        ),
        (wts.late_fairness, &late),
    ] {
        if weight <= 0.0 {
            continue;
        }
        let z = model.add(variable().min(0.0), false);
        model.objective.add_mul(weight, z);
        let mut rows = Vec::new();
        for (ai, a) in scenario.agents.iter().enumerate() {
            if a.max_hours <= 0.0 {
                continue;
            }
            let scale = mean / a.max_hours;
            let mut vs = Vec::new();
            let mut e = Expression::default();
            for (di, day) in days.iter().enumerate() {
                for (k, v) in x[ai][di].iter().enumerate() {
                    if counts(day, k) {
                        vs.push(*v);
                        e.add_mul(scale, *v);
                    }
                }
            }
            model.constraints.push(Expression::from(z).geq(e));
            rows.push((scale, vs));
        }
        terms.push(FairTerm { z, rows });
    }
    terms
}

/// Sets the fairness bounds of a starting solution from its shifts.
pub(super) fn warm_fair(terms: &[FairTerm], pos: &HashMap<Variable, usize>, vals: &mut [f64]) {
    for t in terms {
        let z = t
            .rows
            .iter()
            .map(|(scale, vs)| scale * vs.iter().map(|v| vals[pos[v]]).sum::<f64>())
            .fold(0.0, f64::max);
        vals[pos[&t.z]] = z;
    }
}
