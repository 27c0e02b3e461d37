//! Staffing: required agents per queue and interval from the forecast.
//! The models and formulas are documented in `docs/staffing.md`.
//!
//! Voice queues use Erlang C on the interval's load, or Erlang A (abandonment
//! with mean patience, `erlang_a.rs`) when the queue says `model: erlang_a`.
//! Chat queues use the same model
//! over chat sessions, with an agent carrying `concurrency` sessions at once:
//! the servers needed are found for the session load (session handle time as
//! measured, which already includes the slowdown of handling several chats),
//! and the agents are those servers divided by the concurrency, rounded up.
//! Required agents are then raised for shrinkage: scheduled =
//! ceil(agents / (1 − shrinkage)). Scheduled meal breaks are not part of
//! shrinkage: the optimizer schedules them and counts agents on break as absent.
//!
//! Agents given by the scenario's `requirements.file` replace Erlang's for
//! the queues it lists (`given_requirement`): shrinkage still applies, and
//! the service level, ASA and occupancy are what those agents deliver.
//!
//! Deferred work (email, tickets) does not queue: the work of an interval
//! (volume × handle time) must be done within `deadline_hours`. The
//! requirement written for it is the even spread of each interval's work over
//! its deadline window (a moving sum of load / window length), in agents
//! rounded up; the optimizer does not cover it interval by interval but
//! schedules the work itself as a backlog flow (`solve.rs`).

pub mod curve;
pub mod erlang;
pub mod erlang_a;
pub mod risk;

use crate::forecast::{Forecast, MIN_RESIDUAL_DAYS};
use crate::horizon::Horizon;
use crate::scenario::{Channel, Queue, QueueModel, Scenario};

pub use erlang::{Performance, Target};

/// Requirement of one queue in one interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalRequirement {
    pub volume: f64,
    pub aht_seconds: f64,
    /// Offered load in Erlangs.
    pub load: f64,
    /// Agents needed on the queue (before shrinkage).
    pub agents: u32,
    /// Agents to schedule (after shrinkage).
    pub scheduled: u32,
    /// Service level those `agents` deliver.
    pub service_level: f64,
    pub asa_seconds: f64,
    pub occupancy: f64,
}

impl IntervalRequirement {
    /// No contacts and no one needed.
    pub fn none() -> Self {
        IntervalRequirement {
            volume: 0.0,
            aht_seconds: 0.0,
            load: 0.0,
            agents: 0,
            scheduled: 0,
            service_level: 1.0,
            asa_seconds: 0.0,
            occupancy: 0.0,
        }
    }
}

/// Requirements of one queue over the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRequirements {
    pub queue: String,
    pub intervals: Vec<IntervalRequirement>,
}

/// The staffing target of a queue.
pub fn target_of(scenario: &Scenario, q: &Queue) -> Target {
    Target {
        service_level: q.service_level.target,
        seconds: q.service_level.seconds,
        max_asa_seconds: q.service_level.max_asa_seconds,
        max_occupancy: scenario.max_occupancy(q),
    }
}

/// Agents needed to serve `volume` contacts of `aht_seconds` in an interval.
pub fn requirement(
    volume: f64,
    aht_seconds: f64,
    interval_minutes: u32,
    q: &Queue,
    target: &Target,
    shrinkage: f64,
) -> IntervalRequirement {
    let load = volume * aht_seconds / (interval_minutes as f64 * 60.0);
    if q.channel.is_deferred() {
        return deferred_requirement(volume, aht_seconds, load, load, shrinkage);
    }
    let p = match (q.model, q.patience_seconds) {
        (QueueModel::ErlangA, Some(patience)) => {
            erlang_a::required_servers(load, aht_seconds, patience, target).performance()
        }
        _ => erlang::required_servers(load, aht_seconds, target),
    };
    let agents = match q.channel {
        Channel::Chat => p.agents.div_ceil(q.concurrency),
        _ => p.agents,
    };
    let scheduled = scheduled_agents(agents, shrinkage);
    IntervalRequirement {
        volume,
        aht_seconds,
        load,
        agents,
        scheduled,
        service_level: p.service_level,
        asa_seconds: p.asa_seconds,
        occupancy: p.occupancy,
    }
}

/// Requirement of `agents` productive agents given from outside
/// (`requirements.file`, rounded up to whole agents) and what they deliver
/// for the forecast volume and handle time, by the queue's model.
pub fn given_requirement(
    agents: f64,
    volume: f64,
    aht_seconds: f64,
    interval_minutes: u32,
    q: &Queue,
    shrinkage: f64,
) -> IntervalRequirement {
    let load = volume * aht_seconds / (interval_minutes as f64 * 60.0);
    let agents = (agents - 1e-9).ceil().max(0.0) as u32;
    let servers = agents * q.concurrency;
    let t = q.service_level.seconds;
    let p = match (q.model, q.patience_seconds) {
        (QueueModel::ErlangA, Some(patience)) => {
            erlang_a::evaluate(servers, load, aht_seconds, patience, t).performance()
        }
        _ => erlang::evaluate(servers, load, aht_seconds, t),
    };
    IntervalRequirement {
        volume,
        aht_seconds,
        load,
        agents,
        scheduled: scheduled_agents(agents, shrinkage),
        service_level: p.service_level,
        asa_seconds: p.asa_seconds,
        occupancy: p.occupancy,
    }
}

/// The `p` quantile of interval `t`'s volume in `f`, read off the forecast
/// band (`forecast.band`): from the forecast towards the band's end on the
/// same side in proportion to the normal quantiles (the band's upper end
/// itself for `p` = its upper quantile).
pub fn risk_volume(
    scenario: &Scenario,
    f: &crate::forecast::QueueForecast,
    t: usize,
    p: f64,
) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let z = |x: f64| Normal::standard().inverse_cdf(x.clamp(1e-9, 1.0 - 1e-9));
    let [b_lo, b_hi] = scenario.forecast.band;
    let v = f.volume[t];
    if p >= 0.5 {
        v + (f.volume_p90[t] - v).max(0.0) * z(p) / z(b_hi)
    } else {
        (v - (v - f.volume_p10[t]).max(0.0) * z(p) / z(b_lo)).max(0.0)
    }
}

/// Whether a service level reaches a target (the report's tolerance).
pub fn meets(level: f64, target: f64) -> bool {
    level + 1e-9 >= target
}

/// Agents to schedule for `agents` productive ones: ceil(agents / (1 − shrinkage)).
pub fn scheduled_agents(agents: u32, shrinkage: f64) -> u32 {
    (agents as f64 / (1.0 - shrinkage) - 1e-9).ceil().max(0.0) as u32
}

/// Requirement row of deferred work: `spread_load` agents of work (the even
/// spread over the deadline window), rounded up.
fn deferred_requirement(
    volume: f64,
    aht_seconds: f64,
    load: f64,
    spread_load: f64,
    shrinkage: f64,
) -> IntervalRequirement {
    let agents = (spread_load - 1e-9).ceil().max(0.0) as u32;
    IntervalRequirement {
        volume,
        aht_seconds,
        load,
        agents,
        scheduled: scheduled_agents(agents, shrinkage),
        service_level: 1.0,
        asa_seconds: 0.0,
        occupancy: if agents > 0 {
            (spread_load / agents as f64).min(1.0)
        } else {
            0.0
        },
    }
}

/// Intervals in a deferred queue's deadline window (at least one).
pub fn deadline_intervals(q: &Queue, interval_minutes: u32) -> usize {
    let h = q.deadline_hours.unwrap_or(0.0);
    ((h * 60.0 / interval_minutes as f64).round() as usize).max(1)
}

/// What a given number of productive agents delivers on a queue in an interval.
/// Fractional agents are interpolated between whole numbers. Uses the queue's
/// model (Erlang C or A); deferred work has no per-interval service level
/// (1 is returned; `report` measures it over the horizon).
pub fn delivered_service_level(
    agents: f64,
    volume: f64,
    aht_seconds: f64,
    interval_minutes: u32,
    q: &Queue,
) -> f64 {
    let load = volume * aht_seconds / (interval_minutes as f64 * 60.0);
    let servers = agents * q.concurrency as f64;
    let t = q.service_level.seconds;
    if q.channel.is_deferred() {
        return 1.0;
    }
    match (q.model, q.patience_seconds) {
        (QueueModel::ErlangA, Some(patience)) => {
            if load <= 0.0 {
                return 1.0;
            }
            let lo = servers.max(0.0).floor();
            let frac = servers.max(0.0) - lo;
            let sl =
                |n: f64| erlang_a::evaluate(n as u32, load, aht_seconds, patience, t).service_level;
            let sl_lo = sl(lo);
            if frac < 1e-9 {
                sl_lo
            } else {
                sl_lo + frac * (sl(lo + 1.0) - sl_lo)
            }
        }
        _ => erlang::service_level_fractional(servers, load, aht_seconds, t),
    }
}

/// Per day of the horizon, the uplift of queue `q`'s forecast volume with
/// which the day meets its target with probability `p` under the drill's
/// model of the forecast's (centred) residual days (`risk::Day::uplift`);
/// `None` with fewer than [`MIN_RESIDUAL_DAYS`] of them (the band's
/// quantile per interval is used then, [`risk_volume`]).
pub fn day_uplifts(
    scenario: &Scenario,
    horizon: &Horizon,
    q: &Queue,
    f: &crate::forecast::QueueForecast,
    p: f64,
) -> Option<Vec<f64>> {
    let days = crate::forecast::centred(&f.residual_days);
    if days.len() < MIN_RESIDUAL_DAYS {
        return None;
    }
    let step = horizon.interval_minutes;
    Some(
        (0..horizon.dates.len())
            .map(|d| {
                let day = risk_day(
                    scenario,
                    q,
                    step,
                    horizon
                        .intervals
                        .iter()
                        .enumerate()
                        .filter(|(t, iv)| iv.day == d && f.volume[*t] > 0.0)
                        .map(|(t, iv)| {
                            (
                                (iv.minute_of_day / step) as usize,
                                f.volume[t],
                                f.aht_seconds[t],
                            )
                        })
                        .collect(),
                );
                if day.intervals.is_empty() {
                    return 0.0;
                }
                day.uplift(&day.draws(&days, d as u64), p)
            })
            .collect(),
    )
}

/// Queue `q`'s day to staff for the odds: its `intervals` (slot of the
/// day, forecast volume, handle time) with the scenario's targets and
/// shrinkage.
pub fn risk_day<'a>(
    scenario: &Scenario,
    q: &'a Queue,
    interval_minutes: u32,
    intervals: Vec<(usize, f64, f64)>,
) -> risk::Day<'a> {
    risk::Day {
        queue: q,
        target: target_of(scenario, q),
        day_target: scenario.sl_goal(q).target,
        shrinkage: scenario.shrinkage(q),
        interval_minutes,
        intervals,
    }
}

/// Requirements of every queue over the horizon.
pub fn requirements(
    scenario: &Scenario,
    horizon: &Horizon,
    forecast: &Forecast,
) -> Vec<QueueRequirements> {
    scenario
        .queues
        .iter()
        .zip(&forecast.queues)
        .map(|(q, f)| {
            let target = target_of(scenario, q);
            let shrink = scenario.shrinkage(q);
            if let Some(given) = &f.required_agents {
                let intervals = given
                    .iter()
                    .zip(f.volume.iter().zip(&f.aht_seconds))
                    .map(|(&a, (&v, &aht))| {
                        given_requirement(a, v, aht, horizon.interval_minutes, q, shrink)
                    })
                    .collect();
                return QueueRequirements {
                    queue: q.id.clone(),
                    intervals,
                };
            }
            let step = horizon.interval_minutes;
            let uplifts = scenario
                .objective
                .risk
                .filter(|_| !q.channel.is_deferred())
                .and_then(|p| day_uplifts(scenario, horizon, q, f, p));
            let mut intervals: Vec<IntervalRequirement> = f
                .volume
                .iter()
                .zip(&f.aht_seconds)
                .enumerate()
                .map(|(t, (&v, &aht))| {
                    let point = requirement(v, aht, step, q, &target, shrink);
                    match scenario.objective.risk {
                        Some(p) if !q.channel.is_deferred() => {
                            let raised_volume = match &uplifts {
                                Some(u) => v * (1.0 + u[horizon.intervals[t].day]),
                                None => risk_volume(scenario, f, t, p),
                            };
                            let raised = requirement(raised_volume, aht, step, q, &target, shrink);
                            let agents = point.agents.max(raised.agents) as f64;
                            given_requirement(agents, v, aht, step, q, shrink)
                        }
                        _ => point,
                    }
                })
                .collect();
            if q.channel.is_deferred() {
                // Even spread: the work of interval s is spread over s .. s + D − 1.
                let d = deadline_intervals(q, horizon.interval_minutes);
                let mut window = 0.0;
                let loads: Vec<f64> = intervals.iter().map(|r| r.load).collect();
                for (t, r) in intervals.iter_mut().enumerate() {
                    window += loads[t];
                    if t >= d {
                        window -= loads[t - d];
                    }
                    *r = deferred_requirement(
                        r.volume,
                        r.aht_seconds,
                        r.load,
                        window.max(0.0) / d as f64,
                        shrink,
                    );
                }
            }
            QueueRequirements {
                queue: q.id.clone(),
                intervals,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_example_scheduled_agents() {
        let q: Queue = serde_yaml::from_str(
            "{ id: q, channel: voice, service_level: { target: 0.8, seconds: 20 } }",
        )
        .unwrap();
        let t = Target {
            service_level: 0.8,
            seconds: 20.0,
            max_asa_seconds: None,
            max_occupancy: 0.85,
        };
        let r = requirement(100.0, 180.0, 30, &q, &t, 0.3);
        assert_eq!((r.agents, r.scheduled), (14, 20));
        let r = requirement(
            100.0,
            180.0,
            30,
            &q,
            &Target {
                max_occupancy: 0.7,
                ..t
            },
            0.3,
        );
        assert_eq!((r.agents, r.scheduled), (15, 22));
        let r = requirement(0.0, 180.0, 30, &q, &t, 0.3);
        assert_eq!((r.agents, r.scheduled), (0, 0));
    }
}
