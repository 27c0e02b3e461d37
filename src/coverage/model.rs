//! The coverage part of the integer program: each skill group's agents on
//! duty (shifts minus breaks, by [`super::share`]) split across the group's
//! queues, and what the split is worth: under- and overstaffing against
//! each interval's requirement, the backlog of deferred work, `min_staff`
//! floors, and in `objective.mode: service_level` the service-level terms
//! below. The optimizer builds it over its shift and break variables; the
//! report's cost recomputation (`report::routing`) builds it over the
//! presence read from a written roster, so both price coverage with the
//! same terms.
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

use std::collections::BTreeMap;

use good_lp::{variable, Expression, IntoAffineExpression, Variable};

use super::{deferred_work, not_yet_due};
use crate::horizon::Horizon;
use crate::lp::Model;
use crate::scenario::{BelowTangent, ObjectiveMode, Queue, Scenario, SlPeriod};
use crate::staffing::curve::{curve, Curve};
use crate::staffing::{deadline_intervals, IntervalRequirement, QueueRequirements};

/// What [`add_coverage`] adds to a model.
#[derive(Default)]
pub struct Covered {
    /// `w[(group, queue)][t]`: the group's agents on the queue.
    pub w: BTreeMap<(usize, usize), Vec<Variable>>,
    /// `(under, over)` per queue and interval (empty for deferred queues
    /// and in service-level mode).
    pub gaps: Vec<Vec<(Variable, Variable)>>,
    /// `(done, backlog, late)` per interval of each deferred queue.
    pub deferred: Vec<Vec<(Variable, Variable, Variable)>>,
    /// Service-level variables (service-level mode) and `min_staff` floors.
    pub sl: SlModel,
}

/// Splits each group's duty across its queues and meets the requirements:
/// under/over staffing per interval (or, in service-level mode, the
/// service-level terms of [`add_service_level`]), or the backlog flow of
/// deferred queues; and the `min_staff` floors. `groups[g]` are the queue
/// ids group `g` serves, `proficiency[g][j]` its proficiency on the `j`th,
/// `duty[g][t]` its agents on duty. With `diagnose`, only the split is
/// added (no objective terms).
///
/// Where a group's duty is empty (no shift of its agents covers the
/// interval) it has no split: its `w` there is one variable fixed at zero,
/// so the model has no rows and variables for the hours nobody works.
pub fn add_coverage(
    model: &mut Model,
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    (groups, proficiency): (&[Vec<String>], &[Vec<f64>]),
    mut duty: Vec<Vec<Expression>>,
    diagnose: bool,
) -> Covered {
    let wts = &scenario.weights;
    let dh = horizon.interval_hours();
    let nt = horizon.intervals.len();
    let queue_ids: Vec<&str> = scenario.queues.iter().map(|q| q.id.as_str()).collect();
    // Split of each group's duty across its queues, and coverage.
    let mut w = BTreeMap::new();
    let mut served: Vec<Vec<Expression>> = vec![vec![Expression::default(); nt]; queue_ids.len()];
    let mut zero: Option<Variable> = None;
    for (g, skills) in groups.iter().enumerate() {
        let open: Vec<bool> = (0..nt)
            .map(|t| {
                let e = &duty[g][t];
                e.constant() != 0.0 || e.linear_coefficients().next().is_some()
            })
            .collect();
        let per_q: Vec<(usize, Vec<Variable>)> = skills
            .iter()
            .map(|s| {
                let qi = queue_ids
                    .iter()
                    .position(|q| q == s)
                    .expect("skills are queue ids");
                let vs: Vec<Variable> = (0..nt)
                    .map(|t| {
                        if open[t] {
                            model.add(variable().min(0.0), false)
                        } else {
                            *zero.get_or_insert_with(|| {
                                model.add(variable().min(0.0).max(0.0), false)
                            })
                        }
                    })
                    .collect();
                (qi, vs)
            })
            .collect();
        for t in 0..nt {
            if !open[t] {
                continue;
            }
            let mut split = Expression::default();
            for (j, (qi, vs)) in per_q.iter().enumerate() {
                split.add_mul(1.0, vs[t]);
                // An agent at proficiency p counts as p of an agent on the queue.
                served[*qi][t].add_mul(proficiency[g][j], vs[t]);
            }
            let d = std::mem::take(&mut duty[g][t]);
            model.constraints.push(split.eq(d));
        }
        for (qi, vs) in per_q {
            w.insert((g, qi), vs);
        }
    }
    let mut gaps = vec![Vec::new(); queue_ids.len()];
    let mut deferred = vec![Vec::new(); queue_ids.len()];
    let sl = if diagnose {
        SlModel::default()
    } else {
        add_service_level(model, scenario, horizon, reqs, &served)
    };
    if !diagnose {
        for (qi, req) in reqs.iter().enumerate() {
            let q = &scenario.queues[qi];
            if q.channel.is_deferred() {
                let productive = (1.0 - scenario.shrinkage(q)) * dh;
                let work = deferred_work(req);
                let not_due = not_yet_due(&work, deadline_intervals(q, horizon.interval_minutes));
                let mut prev: Option<Variable> = None;
                for t in 0..req.intervals.len() {
                    let done = model.add(variable().min(0.0), false);
                    let backlog = model.add(variable().min(0.0), false);
                    let late = model.add(variable().min(0.0), false);
                    let mut cap = std::mem::take(&mut served[qi][t]) * productive;
                    cap.add_mul(-1.0, done);
                    model.constraints.push(cap.geq(0.0));
                    let mut flow = Expression::from(backlog);
                    if let Some(p) = prev {
                        flow.add_mul(-1.0, p);
                    }
                    flow.add_mul(1.0, done);
                    model.constraints.push(flow.eq(work[t]));
                    let mut overdue = Expression::from(late);
                    overdue.add_mul(-1.0, backlog);
                    model.constraints.push(overdue.geq(-not_due[t]));
                    model.objective.add_mul(wts.understaffing * dh, late);
                    deferred[qi].push((done, backlog, late));
                    prev = Some(backlog);
                }
                continue;
            }
            if sl.covers(qi) {
                continue;
            }
            for (t, r) in req.intervals.iter().enumerate() {
                let need = r.scheduled as f64;
                let under = model.add(variable().min(0.0), false);
                let over = model.add(variable().min(0.0), false);
                let iv = &horizon.intervals[t];
                let peak = scenario.peak_weight(iv.date, iv.minute_of_day, &req.queue);
                model
                    .objective
                    .add_mul(wts.understaffing * peak * dh, under);
                model.objective.add_mul(wts.overstaffing * dh, over);
                let mut e = std::mem::take(&mut served[qi][t]);
                e.add_mul(1.0, under);
                e.add_mul(-1.0, over);
                model.constraints.push(e.eq(need));
                gaps[qi].push((under, over));
            }
        }
    }
    Covered {
        w,
        gaps,
        deferred,
        sl,
    }
}

/// The service-level variables of one queue and interval.
pub struct SlCell {
    pub sl: Variable,
    /// Service level below the interval minimum, if one is set.
    pub low: Option<(Variable, f64)>,
    /// With `below_tangent: zero` or `steps`: the binary "staffed to the
    /// tangent point" and that staff.
    pub tangent: Option<(Variable, f64)>,
    /// With `below_tangent: steps`: per step below the tangent point, the
    /// binary "staffed to the step" and the step's staff.
    pub steps: Vec<(Variable, f64)>,
    pub curve: Curve,
}

/// A period's shortfall of answered contacts against its target.
pub struct Period {
    pub queue: usize,
    pub short: Variable,
    pub intervals: Vec<usize>,
    /// Contacts to answer within the threshold: target × volume.
    pub goal: f64,
}

/// A floor of agents on a queue in one interval.
pub struct Floor {
    pub queue: usize,
    pub interval: usize,
    pub missing: Variable,
    pub agents: f64,
}

/// The variables this part adds to the model.
#[derive(Default)]
pub struct SlModel {
    /// `cells[q][t]`, `None` where there is no service-level variable.
    pub cells: Vec<Vec<Option<SlCell>>>,
    pub periods: Vec<Period>,
    pub floors: Vec<Floor>,
}

impl SlCell {
    /// The cell's binaries, each with the staff it needs: "staffed to the
    /// tangent point", then each step.
    pub fn thresholds(&self) -> impl Iterator<Item = (Variable, f64)> + '_ {
        self.tangent.iter().chain(&self.steps).copied()
    }

    /// The cell's binaries ([`SlCell::thresholds`]).
    pub fn binaries(&self) -> impl Iterator<Item = Variable> + '_ {
        self.thresholds().map(|(v, _)| v)
    }
}

impl SlModel {
    /// Whether queue `qi` is covered by service level (not by requirements).
    pub fn covers(&self, qi: usize) -> bool {
        self.cells.get(qi).is_some_and(|c| !c.is_empty())
    }

    /// Which binaries of each cell are 1 in a solution (`value` of each
    /// variable): a start for another model of the same cells.
    pub fn reached(&self, value: impl Fn(Variable) -> f64) -> Reached {
        Reached(
            self.cells
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|c| {
                            c.as_ref().map_or_else(Vec::new, |c| {
                                c.binaries().map(|v| value(v) > 0.5).collect()
                            })
                        })
                        .collect()
                })
                .collect(),
        )
    }
}

/// Per queue and interval, the service-level binaries of a solution that
/// are 1 (the tangent point, then each step; [`SlCell::binaries`]): the
/// steps the staff of a roster's split reaches. The optimizer hands the
/// ones of its roster to the report's routing (`report::routing`), whose
/// cells are the same, as the start of the split's search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reached(pub Vec<Vec<Vec<bool>>>);

impl Reached {
    /// Whether any cell has a binary.
    pub fn is_empty(&self) -> bool {
        self.0.iter().flatten().all(|c| c.is_empty())
    }
}

/// The service level of queue `q` in an interval as a function of its staff
/// (`staffing::curve`), at the scenario's shrinkage and envelope tolerance;
/// `None` where the queue has no contacts or is deferred work.
pub fn interval_curve(
    scenario: &Scenario,
    horizon: &Horizon,
    q: &Queue,
    r: &IntervalRequirement,
) -> Option<Curve> {
    curve(
        r.volume,
        r.aht_seconds,
        horizon.interval_minutes,
        q,
        scenario.shrinkage(q),
        scenario.objective.envelope_tolerance,
    )
}

/// A service level in [0, 1] under every piece of the envelope of `c` at
/// the staff `served`.
pub fn add_envelope(model: &mut Model, c: &Curve, served: &Expression) -> Variable {
    let sl = model.add(variable().min(0.0).max(1.0), false);
    for p in &c.pieces {
        let mut e = Expression::from(sl);
        e -= served.clone() * p.slope;
        model.constraints.push(e.leq(p.intercept));
    }
    sl
}

/// Adds the `min_staff` floors and, in service-level mode, the service-level
/// variables and constraints of every voice and chat queue. `served[q][t]` is
/// the staff the queue is given (net of breaks).
pub fn add_service_level(
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
        let mut cells = Vec::with_capacity(horizon.intervals.len());
        // Period key (day index, or 0 for the week) → (answered, volume, intervals).
        let mut periods: BTreeMap<usize, (Expression, f64, Vec<usize>)> = BTreeMap::new();
        for (t, r) in reqs[qi].intervals.iter().enumerate() {
            let Some(c) = interval_curve(scenario, horizon, q, r) else {
                cells.push(None);
                continue;
            };
            let sl = add_envelope(model, &c, &served[qi][t]);
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
