//! Agents on duty pooled by the queues they serve and their proficiency on
//! each: the input of the report's routing (`report::routing`) and of the
//! re-plan's greedy start (`solve::replan`), which both stand on it. It
//! knows shifts only as an agent, the queues listed and the presence per
//! interval ([`Duty`]), not the roster's types.

use std::collections::BTreeMap;

use crate::scenario::Scenario;

/// One shift as the pools see it.
#[derive(Debug, Clone)]
pub struct Duty<'a> {
    pub agent_id: &'a str,
    /// The queues the shift lists (none: all of the agent's skills).
    pub skills: &'a [String],
    /// Share of each interval on duty, net of breaks (`coverage::presence`).
    pub presence: Vec<(usize, f64)>,
}

/// The queues (scenario indices, sorted) a shift of `agent_id` listing
/// `skills` serves: those it lists, or else all of the agent's skills.
pub fn queues_of(scenario: &Scenario, agent_id: &str, skills: &[String]) -> Vec<usize> {
    let qidx = |id: &str| scenario.queues.iter().position(|q| q.id == id);
    let mut qs: Vec<usize> = skills.iter().filter_map(|k| qidx(k)).collect();
    if qs.is_empty() {
        if let Some(a) = scenario.agents.iter().find(|a| a.id == agent_id) {
            qs = a.skills.iter().filter_map(|k| qidx(k)).collect();
        }
    }
    qs.sort();
    qs.dedup();
    qs
}

/// Agents on duty, pooled by the queues they serve and their proficiency on
/// each: `duty[pool][t]`.
#[derive(Debug, Clone, Default)]
pub struct Pools {
    /// Per pool: the queues (scenario indices, sorted) and the proficiency on each.
    pub keys: Vec<(Vec<usize>, Vec<f64>)>,
    pub duty: Vec<Vec<f64>>,
}

/// The `duties`' agents on duty per pool and interval (`nt` intervals).
pub fn pool<'a>(
    scenario: &Scenario,
    nt: usize,
    duties: impl IntoIterator<Item = Duty<'a>>,
) -> Pools {
    let mut index: BTreeMap<(Vec<usize>, Vec<u64>), usize> = BTreeMap::new();
    let mut out = Pools::default();
    for d in duties {
        let qs = queues_of(scenario, d.agent_id, d.skills);
        if qs.is_empty() {
            continue;
        }
        let agent = scenario.agents.iter().find(|a| a.id == d.agent_id);
        let rates: Vec<f64> = qs
            .iter()
            .map(|&q| agent.map_or(1.0, |a| a.proficiency(&scenario.queues[q].id)))
            .collect();
        let key = (qs.clone(), rates.iter().map(|r| r.to_bits()).collect());
        let p = *index.entry(key).or_insert_with(|| {
            out.keys.push((qs, rates));
            out.duty.push(vec![0.0; nt]);
            out.keys.len() - 1
        });
        for (t, f) in d.presence {
            out.duty[p][t] += f;
        }
    }
    out
}
