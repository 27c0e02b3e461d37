//! Handing out the breaks the model counted to the shifts it chose.

use super::candidates::Day;

/// Gives every shift of a group and day that needs a break of `kind` its own
/// break from the counts, by Glover's greedy for convex bipartite matching:
/// break times in order, each to the waiting shift whose window closes
/// first. `shifts` are `(agent, shift candidate)`; returns the break
/// candidate of each, in order (`None` for shifts without that break).
pub(super) fn assign_breaks(
    day: &Day,
    kind: usize,
    shifts: &[(usize, usize)],
    counts: &[usize],
) -> Vec<Option<usize>> {
    let windows = &day.kinds[kind].starts;
    let mut out = vec![None; shifts.len()];
    for (m, &n) in counts.iter().enumerate() {
        for _ in 0..n {
            let pick = shifts
                .iter()
                .enumerate()
                .filter(|(i, (_, k))| {
                    let s = &day.shifts[*k];
                    let w = &windows[s.start_idx];
                    s.needs[kind] && out[*i].is_none() && w.lo <= m && m <= w.hi
                })
                .min_by_key(|(i, (a, k))| (windows[day.shifts[*k].start_idx].hi, *a, *i))
                .map(|(i, _)| i);
            if let Some(i) = pick {
                out[i] = Some(m);
            }
        }
    }
    out
}

/// Every kind's breaks handed to the shifts of one group and day; `counts`
/// holds the model's break counts per kind. Returns, per shift, the break
/// candidate of each kind it needs. Should the counts not match (they do
/// when the model holds), the window's first break keeps the roster valid.
pub(super) fn hand_out(
    day: &Day,
    shifts: &[(usize, usize)],
    counts: &[Vec<usize>],
) -> Vec<Vec<Option<usize>>> {
    let mut out = vec![vec![None; day.kinds.len()]; shifts.len()];
    for (kind, bk) in day.kinds.iter().enumerate() {
        let given = assign_breaks(day, kind, shifts, &counts[kind]);
        for (i, (&(_, k), m)) in shifts.iter().zip(given).enumerate() {
            let s = &day.shifts[k];
            if s.needs[kind] {
                out[i][kind] = Some(m.unwrap_or(bk.starts[s.start_idx].lo));
            }
        }
    }
    out
}
