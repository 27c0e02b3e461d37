//! What a roster really delivers: staff per queue and interval, and the
//! service level, speed of answer and occupancy that the queue's model
//! (Erlang C, or Erlang A for `model: erlang_a`) predicts for it.
//!
//! The evaluation reads only the roster and the scenario (never the
//! optimizer's variables), so it checks a hand-edited roster as well as an
//! optimized one. Agents on duty (shift minus breaks, as fractions of each
//! interval) are given to queues as follows: an agent whose shift lists the
//! queues worked serves those, otherwise all of the agent's skills;
//! single-queue agents go to their queue; the time of multi-queue agents is
//! poured, a twentieth of an agent at a time, into the queue of theirs that is
//! furthest below its `min_staff` floor, else below its requirement. An
//! agent counts at their proficiency on the queue (`skills: [{ queue,
//! proficiency }]`, 1 by default). Productive agents are those on the queue
//! times (1 − shrinkage).
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

use std::collections::BTreeMap;

use chrono::Duration;
use serde::Serialize;

use crate::horizon::Horizon;
use crate::roster::model::Roster;
use crate::scenario::{QueueModel, Scenario};
use crate::staffing::{delivered_service_level, erlang, erlang_a, QueueRequirements};

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

const POUR_STEP: f64 = 0.05;

/// The queues (scenario indices, sorted) a shift serves: those its row lists,
/// or else all of the agent's skills.
pub fn shift_queues(scenario: &Scenario, s: &crate::roster::model::Shift) -> Vec<usize> {
    let qidx = |id: &str| scenario.queues.iter().position(|q| q.id == id);
    let mut qs: Vec<usize> = s.skills.iter().filter_map(|k| qidx(k)).collect();
    if qs.is_empty() {
        if let Some(a) = scenario.agents.iter().find(|a| a.id == s.agent_id) {
            qs = a.skills.iter().filter_map(|k| qidx(k)).collect();
        }
    }
    qs.sort();
    qs.dedup();
    qs
}

/// The shift's agent's proficiency on each of `qs` (1 unless the scenario
/// says otherwise), as bits so that pools of equal skill can be keyed.
fn shift_proficiency(
    scenario: &Scenario,
    s: &crate::roster::model::Shift,
    qs: &[usize],
) -> Vec<u64> {
    let agent = scenario.agents.iter().find(|a| a.id == s.agent_id);
    qs.iter()
        .map(|&q| {
            agent
                .map_or(1.0, |a| a.proficiency(&scenario.queues[q].id))
                .to_bits()
        })
        .collect()
}

/// Staff on each queue in each interval, net of breaks, each agent counted
/// at their proficiency on the queue.
pub fn staff_by_queue(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    roster: &Roster,
) -> Vec<Vec<f64>> {
    let nq = scenario.queues.len();
    let nt = horizon.intervals.len();
    // (interval, sorted queue set, proficiencies) -> agents on duty
    let mut pools: BTreeMap<(usize, Vec<usize>, Vec<u64>), f64> = BTreeMap::new();
    let len = Duration::minutes(horizon.interval_minutes as i64);
    for s in &roster.shifts {
        let qs = shift_queues(scenario, s);
        if qs.is_empty() {
            continue;
        }
        let rates = shift_proficiency(scenario, s, &qs);
        for t in horizon.range(s.start, s.end) {
            let is = horizon.intervals[t].start;
            let ie = is + len;
            let overlap = |a: chrono::DateTime<chrono_tz::Tz>,
                           b: chrono::DateTime<chrono_tz::Tz>| {
                (b.min(ie) - a.max(is)).num_seconds().max(0) as f64
            };
            let mut secs = overlap(s.start, s.end);
            for b in &s.breaks {
                secs -= overlap(b.start, b.end);
            }
            let f = secs / len.num_seconds() as f64;
            if f > 0.0 {
                *pools.entry((t, qs.clone(), rates.clone())).or_default() += f;
            }
        }
    }
    let mut staff = vec![vec![0.0; nt]; nq];
    let floor: Vec<Vec<f64>> = scenario
        .queues
        .iter()
        .map(|q| {
            horizon
                .intervals
                .iter()
                .map(|iv| scenario.min_staff_at(&q.id, iv.date, iv.minute_of_day))
                .collect()
        })
        .collect();
    // Single-queue pools first, then multi-queue pools in a stable order.
    let (single, multi): (Vec<_>, Vec<_>) =
        pools.into_iter().partition(|((_, qs, _), _)| qs.len() == 1);
    for ((t, qs, rates), n) in single {
        staff[qs[0]][t] += n * f64::from_bits(rates[0]);
    }
    for ((t, qs, rates), n) in multi {
        let rates: Vec<f64> = rates.iter().map(|&r| f64::from_bits(r)).collect();
        let floors: Vec<f64> = qs.iter().map(|&q| floor[q][t]).collect();
        let needs: Vec<f64> = qs
            .iter()
            .map(|&q| reqs[q].intervals[t].scheduled as f64)
            .collect();
        let mut now: Vec<f64> = qs.iter().map(|&q| staff[q][t]).collect();
        pour(n, &rates, &floors, &needs, &mut now);
        for (&q, v) in qs.iter().zip(now) {
            staff[q][t] = v;
        }
    }
    staff
}

/// Pours `amount` agents of several skills into their queues a twentieth of
/// an agent at a time, each step into the queue furthest below its `floor`
/// (of those below one), else furthest below its `need`; ties go to the
/// first queue. `staff[j]` is what queue `j` has so far, raised by each step
/// times the agents' proficiency `rates[j]`. Returns the agents given to
/// each queue.
pub(crate) fn pour(
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

/// Evaluates a roster against the scenario's requirements.
pub fn evaluate(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    roster: &Roster,
) -> Evaluation {
    let staff = staff_by_queue(scenario, horizon, reqs, roster);
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
            let work = crate::solve::deferred_work(&reqs[qi]);
            let capacity: Vec<f64> = staff[qi].iter().map(|s| s * (1.0 - shrink) * dh).collect();
            let d = crate::staffing::deadline_intervals(q, horizon.interval_minutes);
            let on_time = deferred_on_time(&work, &capacity, d);
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
    Evaluation {
        understaffed_agent_hours: queues.iter().map(|q| q.understaffed_agent_hours).sum(),
        overstaffed_agent_hours: queues.iter().map(|q| q.overstaffed_agent_hours).sum(),
        scheduled_hours: roster.paid_hours(),
        paid_cost: paid_cost(scenario, roster),
        intervals,
        queues,
    }
}

/// Lowest service level of a day with contacts: `days[d]` is (answered
/// within the threshold, contacts). 1 when no day has contacts.
fn worst_day(days: &[(f64, f64)]) -> f64 {
    days.iter()
        .filter(|(_, v)| *v > 0.0)
        .map(|(a, v)| a / v)
        .fold(1.0, f64::min)
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
