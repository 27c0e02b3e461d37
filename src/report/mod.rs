//! What a roster really delivers: staff per queue and interval, and the
//! service level, speed of answer and occupancy that the queue's model
//! (Erlang C, or Erlang A for `model: erlang_a`) predicts for it.
//!
//! The evaluation reads only the roster and the scenario (never the
//! optimizer's variables), so it checks a hand-edited roster as well as an
//! optimized one. Agents on duty (shift minus breaks, as fractions of each
//! interval, `coverage::presence`) are given to queues as follows: an agent
//! whose shift lists the queues worked serves those, otherwise all of the
//! agent's skills; single-queue agents go to their queue; the time of
//! multi-queue agents is split across their queues by the least-cost split
//! of the optimizer's own coverage terms (`routing`), so the staffing the
//! report shows is the staffing the objective priced. An agent counts at
//! their proficiency on the queue (`skills: [{ queue, proficiency }]`, 1 by
//! default). Productive agents are those on the queue times (1 − shrinkage).
//!
//! Voice and chat queues are judged against their service-level goal
//! (`objective.target` or the queue's own target, over the week or each day,
//! and `objective.interval_minimum`), in either objective mode, so that a
//! requirement-based roster and a service-level roster of the same scenario
//! are compared on the same terms. Abandonment is reported for `erlang_a`
//! queues.
//!
//! Deferred work (email, tickets) has no per-interval Erlang service level:
//! the productive agent-hours given to the queue work its items first in,
//! first out, and its service level is the share of items finished within
//! `deadline_hours`, over the items whose deadline falls inside the plan
//! (later ones are not judged). An interval's value is the share of the items
//! that arrived in it finished in time. Interval-by-interval under- and
//! overstaffing are not counted for deferred work (it may move within its
//! deadline window).

use serde::Serialize;

pub mod routing;
pub mod sites;

use crate::error::Result;
use crate::horizon::Horizon;
use crate::roster::model::Roster;
use crate::scenario::{QueueModel, Scenario};
use crate::staffing::{delivered_service_level, erlang, erlang_a, QueueRequirements};
pub use routing::{pools, route, shift_queues, Limits, Pools, Routing};

/// Predicted performance of one queue in one interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntervalKpi {
    /// Agents on the queue, net of breaks (before shrinkage).
    pub staffed: f64,
    /// Agents required (after shrinkage), as in requirements.csv.
    pub required: u32,
    pub service_level: f64,
    /// Average speed of answer; `None` when the queue is unstable (too few
    /// agents) and for deferred work (email, tickets), which has no answer time.
    pub asa_seconds: Option<f64>,
    pub occupancy: f64,
    /// Share of contacts abandoning (Erlang A queues only).
    pub abandonment: Option<f64>,
    /// Agents the `min_staff` floors ask for (0 when none).
    pub min_staff: f64,
}

/// Totals of one queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueKpi {
    pub queue: String,
    /// The service level to reach over `period` (the objective's target, or
    /// the queue's own).
    pub target: f64,
    /// `week` or `day`: the period of `target`.
    pub period: crate::scenario::SlPeriod,
    /// Lowest contact-weighted service level of a planned day.
    pub worst_day_service_level: f64,
    /// Lowest service level allowed in an interval (`objective.interval_minimum`).
    pub interval_minimum: Option<f64>,
    /// Intervals with contacts below `interval_minimum`.
    pub intervals_below_minimum: usize,
    /// Contact-weighted share of contacts abandoning (Erlang A queues only).
    pub abandonment: Option<f64>,
    /// Intervals where the queue has fewer agents than its `min_staff` floor.
    pub min_staff_short_intervals: usize,
    pub threshold_seconds: f64,
    pub forecast_volume: f64,
    /// Contact-weighted service level over the horizon.
    pub service_level: f64,
    /// Lowest service level of an interval with contacts.
    pub worst_interval_service_level: f64,
    /// Local start of that interval.
    pub worst_interval_start: Option<String>,
    pub intervals_below_target: usize,
    /// Contact-weighted ASA over the intervals where the queue is stable.
    pub asa_seconds: f64,
    /// Intervals with contacts where the staff cannot keep up (load ≥ servers).
    pub unstable_intervals: usize,
    pub occupancy: f64,
    pub required_agent_hours: f64,
    pub staffed_agent_hours: f64,
    pub understaffed_agent_hours: f64,
    pub overstaffed_agent_hours: f64,
}

/// The evaluation of a roster.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Per queue (scenario order), per interval.
    pub intervals: Vec<Vec<IntervalKpi>>,
    pub queues: Vec<QueueKpi>,
    pub scheduled_hours: f64,
    /// Paid hours times each agent's `hourly_cost` times `weights.paid_hour`.
    pub paid_cost: f64,
    pub understaffed_agent_hours: f64,
    pub overstaffed_agent_hours: f64,
    /// The coverage terms of the optimizer's objective at the roster's
    /// least-cost split across queues (`routing`).
    pub coverage_cost: f64,
    /// Whether that split is proven least-cost (`Routing::proven`); if not,
    /// `coverage_cost` is the best split found within the time given.
    pub routing_proven: bool,
}

impl QueueKpi {
    /// Whether the queue misses its goal: the target over the week (or a
    /// day), an interval below the minimum, or a `min_staff` floor.
    pub fn unmet(&self) -> bool {
        let judged = match self.period {
            crate::scenario::SlPeriod::Week => self.service_level,
            crate::scenario::SlPeriod::Day => self.worst_day_service_level,
        };
        judged + 1e-9 < self.target
            || self.intervals_below_minimum > 0
            || self.min_staff_short_intervals > 0
    }
}

/// Evaluates a roster against the scenario's requirements, its split
/// across queues searched for up to ten minutes ([`Limits::exact`]).
pub fn evaluate(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    roster: &Roster,
) -> Result<Evaluation> {
    evaluate_within(scenario, horizon, reqs, roster, &Limits::exact())
}

/// [`evaluate`], its split across queues searched for within `limits`.
pub fn evaluate_within(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    roster: &Roster,
    limits: &Limits,
) -> Result<Evaluation> {
    let routing = route(scenario, horizon, reqs, roster, limits)?;
    let staff = &routing.staff;
    let dh = horizon.interval_hours();
    let mut intervals = Vec::new();
    let mut queues = Vec::new();
    for (qi, q) in scenario.queues.iter().enumerate() {
        let shrink = scenario.shrinkage(q);
        let deferred = q.channel.is_deferred();
        let goal = if deferred {
            crate::scenario::SlGoal {
                target: q.service_level.target,
                interval_minimum: None,
            }
        } else {
            scenario.sl_goal(q)
        };
        let mut kpis = Vec::new();
        let mut days = vec![(0.0, 0.0); horizon.dates.len()];
        let (mut abandoned, mut abandon_vol) = (0.0, 0.0);
        let mut k = QueueKpi {
            queue: q.id.clone(),
            target: goal.target,
            period: if deferred {
                crate::scenario::SlPeriod::Week
            } else {
                scenario.objective.period
            },
            worst_day_service_level: 1.0,
            interval_minimum: goal.interval_minimum,
            intervals_below_minimum: 0,
            abandonment: None,
            min_staff_short_intervals: 0,
            threshold_seconds: q.service_level.seconds,
            forecast_volume: 0.0,
            service_level: 1.0,
            worst_interval_service_level: 1.0,
            worst_interval_start: None,
            intervals_below_target: 0,
            asa_seconds: 0.0,
            unstable_intervals: 0,
            occupancy: 0.0,
            required_agent_hours: 0.0,
            staffed_agent_hours: 0.0,
            understaffed_agent_hours: 0.0,
            overstaffed_agent_hours: 0.0,
        };
        let (mut sl_sum, mut asa_sum, mut asa_vol, mut load_sum, mut servers_sum) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        if q.channel.is_deferred() {
            let work = crate::coverage::deferred_work(&reqs[qi]);
            let capacity: Vec<f64> = staff[qi].iter().map(|s| s * (1.0 - shrink) * dh).collect();
            let d = crate::staffing::deadline_intervals(q, horizon.interval_minutes);
            let on_time = crate::coverage::deferred_on_time(&work, &capacity, d);
            let mut judged = 0.0;
            for (t, iv) in horizon.intervals.iter().enumerate() {
                let r = &reqs[qi].intervals[t];
                let staffed = staff[qi][t];
                let sl = on_time[t].unwrap_or(1.0);
                let floor = scenario.min_staff_at(&q.id, iv.date, iv.minute_of_day);
                if staffed + 1e-6 < floor {
                    k.min_staff_short_intervals += 1;
                }
                if r.volume > 0.0 {
                    k.forecast_volume += r.volume;
                    if let Some(f) = on_time[t] {
                        judged += r.volume;
                        sl_sum += f * r.volume;
                        days[iv.day].0 += f * r.volume;
                        days[iv.day].1 += r.volume;
                        if f < k.worst_interval_service_level {
                            k.worst_interval_service_level = f;
                            k.worst_interval_start =
                                Some(iv.start.format("%Y-%m-%d %H:%M").to_string());
                        }
                        if f + 1e-9 < q.service_level.target {
                            k.intervals_below_target += 1;
                        }
                    }
                }
                load_sum += work[t];
                servers_sum += capacity[t];
                // Under- and overstaffing stay 0: deferred work may move
                // within its window, and is judged by the on-time share.
                k.required_agent_hours += r.scheduled as f64 * dh;
                k.staffed_agent_hours += staffed * dh;
                kpis.push(IntervalKpi {
                    staffed,
                    required: r.scheduled,
                    service_level: sl,
                    asa_seconds: None,
                    occupancy: if capacity[t] > 0.0 {
                        (work[t] / capacity[t]).min(1.0)
                    } else {
                        0.0
                    },
                    abandonment: None,
                    min_staff: floor,
                });
            }
            if judged > 0.0 {
                k.service_level = sl_sum / judged;
            }
            k.worst_day_service_level = worst_day(&days);
            k.occupancy = if servers_sum > 0.0 {
                (load_sum / servers_sum).min(1.0)
            } else {
                0.0
            };
            intervals.push(kpis);
            queues.push(k);
            continue;
        }
        for (t, iv) in horizon.intervals.iter().enumerate() {
            let r = &reqs[qi].intervals[t];
            let staffed = staff[qi][t];
            let productive = staffed * (1.0 - shrink);
            let servers = productive * q.concurrency as f64;
            let sl = delivered_service_level(
                productive,
                r.volume,
                r.aht_seconds,
                horizon.interval_minutes,
                q,
            );
            let patience = match q.model {
                QueueModel::ErlangA => q.patience_seconds,
                QueueModel::ErlangC => None,
            };
            // Erlang A at the whole numbers of servers either side, and the
            // fraction between them.
            let erlang_a_at = patience.filter(|_| r.load > 0.0).map(|p| {
                let lo = servers.max(0.0).floor();
                let at = |n: f64| {
                    erlang_a::evaluate(n as u32, r.load, r.aht_seconds, p, q.service_level.seconds)
                };
                (at(lo), at(lo + 1.0), servers.max(0.0) - lo)
            });
            let asa = if r.load <= 0.0 {
                Some(0.0)
            } else if let Some((lo, hi, f)) = erlang_a_at {
                // Erlang A: mean wait of answered callers, finite at any staffing.
                let (a_lo, a_hi) = (lo.asa_seconds, hi.asa_seconds);
                Some(if a_lo.is_finite() {
                    a_lo + f * (a_hi - a_lo)
                } else {
                    a_hi
                })
            } else if servers <= r.load {
                None
            } else {
                let lo = servers.floor();
                let f = servers - lo;
                let a_lo = erlang::asa(lo as u32, r.load, r.aht_seconds);
                let a_hi = erlang::asa(lo as u32 + 1, r.load, r.aht_seconds);
                Some(if a_lo.is_finite() {
                    a_lo + f * (a_hi - a_lo)
                } else {
                    a_hi
                })
            };
            let occupancy = if servers > 0.0 {
                (r.load / servers).min(1.0)
            } else {
                0.0
            };
            let abandonment = patience.map(|_| {
                erlang_a_at.map_or(0.0, |(lo, hi, f)| {
                    lo.abandon_rate + f * (hi.abandon_rate - lo.abandon_rate)
                })
            });
            let floor = scenario.min_staff_at(&q.id, iv.date, iv.minute_of_day);
            if staffed + 1e-6 < floor {
                k.min_staff_short_intervals += 1;
            }
            if r.volume > 0.0 {
                k.forecast_volume += r.volume;
                sl_sum += sl * r.volume;
                days[iv.day].0 += sl * r.volume;
                days[iv.day].1 += r.volume;
                if let Some(a) = abandonment {
                    abandoned += a * r.volume;
                    abandon_vol += r.volume;
                }
                if goal.interval_minimum.is_some_and(|m| sl + 1e-9 < m) {
                    k.intervals_below_minimum += 1;
                }
                if sl < k.worst_interval_service_level {
                    k.worst_interval_service_level = sl;
                    k.worst_interval_start = Some(iv.start.format("%Y-%m-%d %H:%M").to_string());
                }
                if sl + 1e-9 < q.service_level.target {
                    k.intervals_below_target += 1;
                }
                match asa {
                    Some(a) => {
                        asa_sum += a * r.volume;
                        asa_vol += r.volume;
                    }
                    None => k.unstable_intervals += 1,
                }
                load_sum += r.load;
                servers_sum += servers.max(r.load);
            }
            k.required_agent_hours += r.scheduled as f64 * dh;
            k.staffed_agent_hours += staffed * dh;
            k.understaffed_agent_hours += (r.scheduled as f64 - staffed).max(0.0) * dh;
            k.overstaffed_agent_hours += (staffed - r.scheduled as f64).max(0.0) * dh;
            kpis.push(IntervalKpi {
                staffed,
                required: r.scheduled,
                service_level: sl,
                asa_seconds: asa,
                occupancy,
                abandonment,
                min_staff: floor,
            });
        }
        if k.forecast_volume > 0.0 {
            k.service_level = sl_sum / k.forecast_volume;
        }
        k.worst_day_service_level = worst_day(&days);
        if q.model == QueueModel::ErlangA && q.patience_seconds.is_some() {
            k.abandonment = Some(if abandon_vol > 0.0 {
                abandoned / abandon_vol
            } else {
                0.0
            });
        }
        k.asa_seconds = if asa_vol > 0.0 {
            asa_sum / asa_vol
        } else {
            0.0
        };
        k.occupancy = if servers_sum > 0.0 {
            load_sum / servers_sum
        } else {
            0.0
        };
        intervals.push(kpis);
        queues.push(k);
    }
    Ok(Evaluation {
        understaffed_agent_hours: queues.iter().map(|q| q.understaffed_agent_hours).sum(),
        overstaffed_agent_hours: queues.iter().map(|q| q.overstaffed_agent_hours).sum(),
        scheduled_hours: roster.paid_hours(),
        paid_cost: paid_cost(scenario, roster),
        coverage_cost: routing.coverage_cost,
        routing_proven: routing.proven,
        intervals,
        queues,
    })
}

/// Lowest service level of a day with contacts: `days[d]` is (answered
/// within the threshold, contacts). 1 when no day has contacts.
fn worst_day(days: &[(f64, f64)]) -> f64 {
    days.iter()
        .filter(|(_, v)| *v > 0.0)
        .map(|(a, v)| a / v)
        .fold(1.0, f64::min)
}

/// What a roster costs by the optimizer's objective, recomputed from the
/// roster alone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cost {
    /// Paid hours × each agent's `hourly_cost` × `weights.paid_hour`.
    pub paid: f64,
    /// Missed preferences, shifts off a soft rotation and the fairness
    /// terms (`roster::soft`).
    pub soft: f64,
    /// Coverage terms at the least-cost split (`routing`).
    pub coverage: f64,
    pub total: f64,
}

/// The objective's value for `roster`, from the roster and its evaluation.
pub fn cost(scenario: &Scenario, roster: &Roster, evaluation: &Evaluation) -> Cost {
    let w = &scenario.weights;
    let soft = crate::roster::soft::evaluate(scenario, roster).map_or(0.0, |f| {
        let fair = f.fairness.as_ref().map_or(0.0, |fr| {
            let term = |weight: f64, max_scaled: f64| {
                if weight > 0.0 {
                    weight * max_scaled
                } else {
                    0.0
                }
            };
            term(w.weekend_fairness, fr.weekend_days.max_scaled)
                + term(w.late_fairness, fr.late_shifts.max_scaled)
        });
        f.preference_penalty + f.rotation_penalty.unwrap_or(0.0) + fair
    });
    let paid = evaluation.paid_cost;
    let coverage = evaluation.coverage_cost;
    Cost {
        paid,
        soft,
        coverage,
        total: paid + soft + coverage,
    }
}

/// Paid hours of the roster times each agent's `hourly_cost` times
/// `weights.paid_hour` (an agent not in the scenario costs the standard rate).
pub fn paid_cost(scenario: &Scenario, roster: &Roster) -> f64 {
    roster
        .shifts
        .iter()
        .map(|s| {
            let rate = scenario
                .agents
                .iter()
                .find(|a| a.id == s.agent_id)
                .map_or(1.0, |a| a.hourly_cost);
            s.paid_hours * rate * scenario.weights.paid_hour
        })
        .sum()
}
