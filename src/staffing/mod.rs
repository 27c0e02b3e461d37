//! Staffing: required agents per queue and interval from the forecast.
//!
//! Voice queues use Erlang C on the interval's load. Chat queues use Erlang C
//! over chat sessions, with an agent carrying `concurrency` sessions at once:
//! the servers needed are found for the session load (session handle time as
//! measured, which already includes the slowdown of handling several chats),
//! and the agents are those servers divided by the concurrency, rounded up.
//! Required agents are then raised for shrinkage: scheduled =
//! ceil(agents / (1 − shrinkage)). Scheduled meal breaks are not part of
//! shrinkage: the optimizer schedules them and counts agents on break as absent.

pub mod erlang;

use crate::forecast::Forecast;
use crate::horizon::Horizon;
use crate::scenario::{Channel, Queue, Scenario};

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
    let p = erlang::required_servers(load, aht_seconds, target);
    let agents = match q.channel {
        Channel::Voice => p.agents,
        Channel::Chat => p.agents.div_ceil(q.concurrency),
    };
    let scheduled = (agents as f64 / (1.0 - shrinkage) - 1e-9).ceil().max(0.0) as u32;
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

/// What a given number of productive agents delivers on a queue in an interval.
/// Fractional agents are interpolated between whole numbers.
pub fn delivered_service_level(
    agents: f64,
    volume: f64,
    aht_seconds: f64,
    interval_minutes: u32,
    q: &Queue,
) -> f64 {
    let load = volume * aht_seconds / (interval_minutes as f64 * 60.0);
    let servers = agents * q.concurrency as f64;
    erlang::service_level_fractional(servers, load, aht_seconds, q.service_level.seconds)
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
            let intervals = f
                .volume
                .iter()
                .zip(&f.aht_seconds)
                .map(|(&v, &aht)| requirement(v, aht, horizon.interval_minutes, q, &target, shrink))
                .collect();
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
