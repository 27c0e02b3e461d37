//! Handing out the meal breaks the model counted to the shifts it chose.

use super::candidates::Day;

/// Gives every shift of a group and day its own meal break from the break
/// counts, by Glover's greedy for convex bipartite matching: break times in
/// order, each to the waiting shift whose window closes first. `shifts` are
/// `(agent, shift candidate)`; returns the break candidate of each, in order.
pub(super) fn assign_breaks(
    day: &Day,
    shifts: &[(usize, usize)],
    counts: &[usize],
) -> Vec<Option<usize>> {
    let mut out = vec![None; shifts.len()];
    for (m, &n) in counts.iter().enumerate() {
        for _ in 0..n {
            let pick = shifts
                .iter()
                .enumerate()
                .filter(|(i, (_, k))| {
                    let st = &day.starts[day.shifts[*k].start_idx];
                    out[*i].is_none() && st.lo <= m && m <= st.hi
                })
                .min_by_key(|(i, (a, k))| (day.starts[day.shifts[*k].start_idx].hi, *a, *i))
                .map(|(i, _)| i);
            if let Some(i) = pick {
                out[i] = Some(m);
            }
        }
    }
    out
}
