//! Values of the service-level terms and `min_staff` floors
//! (`coverage::model`) in a starting solution.

use std::collections::{BTreeMap, HashMap};

use good_lp::Variable;

use crate::coverage::model::SlModel;
use crate::scenario::BelowTangent;
use crate::staffing::QueueRequirements;

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
