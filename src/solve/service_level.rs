//! The service-level objective and the `min_staff` floors, as parts of the
//! coverage model (`docs/service-level.md`).
//!
//! In `objective.mode: service_level`, each voice or chat queue and interval
//! with contacts gets a variable `sl[q][t]` in [0, 1], bounded by every
//! piece of the interval's service-level envelope (`staffing::curve`) of the
//! staff the queue is given, `Σ_g w[g][q][t]`:
//! `sl − slope · Σ_g w ≤ intercept`. Contacts answered within the threshold
//! are `volume · sl`. Per queue and period (the week, or each day):
//! `Σ volume · sl + short ≥ target · Σ volume`, with `shortfall_weight` per
//! contact of `short`. Per interval, with an `interval_minimum`:
//! `sl + low ≥ minimum`, with `minimum_weight × peak weight` per contact
//! of `volume · low`. Every answered contact is worth `answered_value`.
//! Where the envelope overestimates (below its tangent point, where the curve
//! is convex), `below_tangent: steps` (the default) adds a binary `z` for
//! "staffed to the tangent point", `Σ_g w ≥ tangent staff · z`, and one `y_i`
//! per step (the service level `s_i` at a whole number of servers `n_i` below
//! the tangent point, at most `curve::MAX_STEPS`), `Σ_g w ≥ n_i · y_i`, with
//! `sl ≤ Σ (s_i − s_{i−1}) y_i + (1 − s_last) z`: below the tangent point an
//! interval is credited the service level of the highest step its staff
//! reaches, never more than Erlang gives. `below_tangent: zero` keeps `z`
//! alone (`sl ≤ z`: no service counted below the tangent point).
//!
//! A `min_staff` floor of `k` agents in an interval is
//! `Σ_g w[g][q][t] + missing ≥ k`, with `weights.min_staff` per agent-hour
//! missing (in either objective mode).

use std::collections::{BTreeMap, HashMap};

use good_lp::{variable, Expression, Variable};

use super::model::Model;
use crate::horizon::Horizon;
use crate::scenario::{BelowTangent, ObjectiveMode, Scenario, SlPeriod};
use crate::staffing::curve::{curve, Curve};
use crate::staffing::QueueRequirements;

/// The service-level variables of one queue and interval.
pub(super) struct SlCell {
    pub(super) sl: Variable,
    /// Service level below the interval minimum, if one is set.
    pub(super) low: Option<(Variable, f64)>,
    /// With `below_tangent: zero` or `steps`: the binary "staffed to the
    /// tangent point" and that staff.
    pub(super) tangent: Option<(Variable, f64)>,
    /// With `below_tangent: steps`: per step below the tangent point, the
    /// binary "staffed to the step" and the step's staff.
    pub(super) steps: Vec<(Variable, f64)>,
    pub(super) curve: Curve,
}

/// A period's shortfall of answered contacts against its target.
pub(super) struct Period {
    pub(super) queue: usize,
    pub(super) short: Variable,
    pub(super) intervals: Vec<usize>,
    /// Contacts to answer within the threshold: target × volume.
    pub(super) goal: f64,
}

/// A floor of agents on a queue in one interval.
pub(super) struct Floor {
    pub(super) queue: usize,
    pub(super) interval: usize,
    pub(super) missing: Variable,
    pub(super) agents: f64,
}

/// The variables this part adds to the model.
#[derive(Default)]
pub(super) struct SlModel {
    /// `cells[q][t]`, `None` where there is no service-level variable.
    pub(super) cells: Vec<Vec<Option<SlCell>>>,
    pub(super) periods: Vec<Period>,
    pub(super) floors: Vec<Floor>,
}

impl SlModel {
    /// Whether queue `qi` is covered by service level (not by requirements).
    pub(super) fn covers(&self, qi: usize) -> bool {
        self.cells.get(qi).is_some_and(|c| !c.is_empty())
    }
}

/// Adds the `min_staff` floors and, in service-level mode, the service-level
/// variables and constraints of every voice and chat queue. `served[q][t]` is
/// the staff the queue is given (net of breaks).
pub(super) fn add(
    model: &mut Model,
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    served: &[Vec<Expression>],
) -> SlModel {
    let dh = horizon.interval_hours();
    let mut out = SlModel {
        cells: (0..scenario.queues.len()).map(|_| Vec::new()).collect(),
        ..SlModel::default()
    };
    for (qi, q) in scenario.queues.iter().enumerate() {
        for (t, iv) in horizon.intervals.iter().enumerate() {
            let agents = scenario.min_staff_at(&q.id, iv.date, iv.minute_of_day);
            if agents <= 0.0 {
                continue;
            }
            let missing = model.add(variable().min(0.0), false);
            model
                .objective
                .add_mul(scenario.weights.min_staff * dh, missing);
            let e = served[qi][t].clone() + missing;
            model.constraints.push(e.geq(agents));
            out.floors.push(Floor {
                queue: qi,
                interval: t,
                missing,
                agents,
            });
        }
    }
    let o = &scenario.objective;
    if o.mode != ObjectiveMode::ServiceLevel {
        return out;
    }
    for (qi, q) in scenario.queues.iter().enumerate() {
        if q.channel.is_deferred() {
            continue;
        }
        let goal = scenario.sl_goal(q);
        let shrink = scenario.shrinkage(q);
        let mut cells = Vec::with_capacity(horizon.intervals.len());
        // Period key (day index, or 0 for the week) → (answered, volume, intervals).
        let mut periods: BTreeMap<usize, (Expression, f64, Vec<usize>)> = BTreeMap::new();
        for (t, r) in reqs[qi].intervals.iter().enumerate() {
            let Some(c) = curve(
                r.volume,
                r.aht_seconds,
                horizon.interval_minutes,
                q,
                shrink,
                o.envelope_tolerance,
            ) else {
                cells.push(None);
                continue;
            };
            let sl = model.add(variable().min(0.0).max(1.0), false);
            for p in &c.pieces {
                let mut e = Expression::from(sl);
                e -= served[qi][t].clone() * p.slope;
                model.constraints.push(e.leq(p.intercept));
            }
            model.objective.add_mul(-o.answered_value * r.volume, sl);
            // Below the tangent point the envelope overestimates: credit
            // nothing there unless told otherwise (z = 1 only when staffed
            // to the tangent point; sl ≤ z).
            // With steps, each step reached adds its rise in service level:
            // sl ≤ Σ (s_i − s_{i−1}) y_i + (1 − s_last) z.
            let mut staffed_to = |at: f64| {
                let y = model.add(variable().binary(), true);
                let mut e = served[qi][t].clone();
                e.add_mul(-at, y);
                model.constraints.push(e.geq(0.0));
                y
            };
            let (tangent, steps) = match (o.below_tangent, c.tangent) {
                (BelowTangent::Envelope, _) | (_, None) => (None, Vec::new()),
                (below, Some(at)) => {
                    let z = staffed_to(at);
                    let mut cap = Expression::from(sl);
                    let mut reached = 0.0;
                    let mut steps = Vec::new();
                    if below == BelowTangent::Steps {
                        for p in &c.steps {
                            let y = staffed_to(p.staff);
                            cap.add_mul(-(p.service_level - reached), y);
                            reached = p.service_level;
                            steps.push((y, p.staff));
                        }
                    }
                    cap.add_mul(-(1.0 - reached), z);
                    model.constraints.push(cap.leq(0.0));
                    (Some((z, at)), steps)
                }
            };
            let low = goal.interval_minimum.map(|m| {
                let iv = &horizon.intervals[t];
                let peak = scenario.peak_weight(iv.date, iv.minute_of_day, &q.id);
                let low = model.add(variable().min(0.0).max(m), false);
                model
                    .objective
                    .add_mul(o.minimum_weight * peak * r.volume, low);
                model.constraints.push((Expression::from(sl) + low).geq(m));
                (low, m)
            });
            let key = match o.period {
                SlPeriod::Week => 0,
                SlPeriod::Day => horizon.intervals[t].day,
            };
            let entry = periods.entry(key).or_default();
            entry.0.add_mul(r.volume, sl);
            entry.1 += r.volume;
            entry.2.push(t);
            cells.push(Some(SlCell {
                sl,
                low,
                tangent,
                steps,
                curve: c,
            }));
        }
        for (_, (answered, volume, intervals)) in periods {
            let short = model.add(variable().min(0.0), false);
            model.objective.add_mul(o.shortfall_weight, short);
            let want = goal.target * volume;
            model.constraints.push((answered + short).geq(want));
            out.periods.push(Period {
                queue: qi,
                short,
                intervals,
                goal: want,
            });
        }
        out.cells[qi] = cells;
    }
    out
}

/// Fills this part's variables in a starting solution whose queues are given
/// `served[q][t]` staff: each service level at its envelope, the slacks at
/// what that leaves missing.
pub(super) fn fill_start(
    sl: &SlModel,
    below: BelowTangent,
    reqs: &[QueueRequirements],
    served: &[Vec<f64>],
    vals: &mut [f64],
    pos: &HashMap<Variable, usize>,
) {
    for f in &sl.floors {
        vals[pos[&f.missing]] = (f.agents - served[f.queue][f.interval]).max(0.0);
    }
    let mut level = vec![BTreeMap::new(); served.len()];
    for (qi, row) in sl.cells.iter().enumerate() {
        for (t, cell) in row.iter().enumerate() {
            let Some(c) = cell else { continue };
            let s = served[qi][t];
            for &(y, at) in c.tangent.iter().chain(&c.steps) {
                vals[pos[&y]] = if s + 1e-9 >= at { 1.0 } else { 0.0 };
            }
            let v = c.curve.credit(s, below);
            vals[pos[&c.sl]] = v;
            if let Some((low, m)) = c.low {
                vals[pos[&low]] = (m - v).max(0.0);
            }
            level[qi].insert(t, v);
        }
    }
    for p in &sl.periods {
        let answered: f64 = p
            .intervals
            .iter()
            .map(|&t| reqs[p.queue].intervals[t].volume * level[p.queue][&t])
            .sum();
        vals[pos[&p.short]] = (p.goal - answered).max(0.0);
    }
}
