//! Helpers shared by the optimizer's integration tests.
#![allow(dead_code)]

use rota::scenario::SolverConfig;
use rota::staffing::{IntervalRequirement, QueueRequirements};

/// `nt` intervals of scheduled staff `needs` (interval, agents), zero elsewhere.
pub fn requirement(nt: usize, needs: &[(usize, u32)]) -> QueueRequirements {
    let mut intervals = vec![
        IntervalRequirement {
            volume: 0.0,
            aht_seconds: 180.0,
            load: 0.0,
            agents: 0,
            scheduled: 0,
            service_level: 1.0,
            asa_seconds: 0.0,
            occupancy: 0.0,
        };
        nt
    ];
    for &(t, n) in needs {
        intervals[t].scheduled = n;
    }
    QueueRequirements {
        queue: String::new(),
        intervals,
    }
}

/// Solver settings that prove optimality on tiny instances.
pub fn exact_solver() -> SolverConfig {
    SolverConfig {
        time_limit_seconds: 60.0,
        mip_rel_gap: 0.0,
        threads: 1,
        random_seed: 1,
        presolve: "choose".into(),
        warm_start: true,
        options: Default::default(),
        method: rota::scenario::SolveMethod::Agents,
        decompose_from_agents: 100,
    }
}
