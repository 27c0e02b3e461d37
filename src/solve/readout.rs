//! Reading the roster out of the final run of the agent model: each agent's
//! shift of each day, its breaks handed out from the group's break counts,
//! and the queues the agent's group served while the agent was on duty.

use good_lp::Variable;

use super::candidates::Day;
use super::improve::Run;
use super::model::Built;
use super::warm::Pick;
use crate::horizon::Horizon;
use crate::roster::model::{Break, Roster, Shift};
use crate::scenario::Scenario;

/// The roster of `fin`'s solution.
pub(super) fn roster(scenario: &Scenario, horizon: &Horizon, days: &[Day], fin: &Run) -> Roster {
    roster_of(scenario, horizon, days, fin, &fin.plan(days))
}

/// The roster of a solved agent model: each agent's shift per day with the
/// breaks `worked` gives it (`Run::plan`, or a re-plan's own hand-out), and
/// the queues the agent's skill group served while the agent was on duty.
pub(super) fn roster_of(
    scenario: &Scenario,
    horizon: &Horizon,
    days: &[Day],
    fin: &Run,
    worked: &[Vec<Option<Pick>>],
) -> Roster {
    let Built {
        w,
        groups,
        group_of,
        ..
    } = &fin.built;
    let val = |v: &Variable| fin.val(v);
    let mut shifts = Vec::new();
    for (ai, a) in scenario.agents.iter().enumerate() {
        let g = group_of[ai];
        for (di, day) in days.iter().enumerate() {
            let Some((k, ms)) = &worked[ai][di] else {
                continue;
            };
            let s = &day.shifts[*k];
            let mut breaks: Vec<Break> = day
                .kinds
                .iter()
                .zip(ms)
                .filter_map(|(bk, m)| {
                    // In the shift's zone (a break candidate is shared by
                    // every site's shifts starting at one instant).
                    m.map(|m| Break {
                        kind: bk.kind.into(),
                        start: bk.breaks[m].start.with_timezone(&s.start.timezone()),
                        end: bk.breaks[m].end.with_timezone(&s.start.timezone()),
                    })
                })
                .collect();
            breaks.sort_by_key(|b| b.start);
            // Queues the agent's skill group served while the agent was on
            // duty: every interval with any presence, so that the report's
            // split of this agent can follow the model's.
            let spans: Vec<_> = breaks.iter().map(|b| (b.start, b.end)).collect();
            let on_duty: Vec<usize> = crate::coverage::presence(horizon, s.start, s.end, &spans)
                .into_iter()
                .map(|(t, _)| t)
                .collect();
            let skills: Vec<String> = groups[g]
                .iter()
                .filter(|q| {
                    let qi = scenario
                        .queues
                        .iter()
                        .position(|x| &x.id == *q)
                        .expect("queue");
                    on_duty.iter().any(|&t| val(&w[&(g, qi)][t]) > 1e-6)
                })
                .cloned()
                .collect();
            shifts.push(Shift {
                agent_id: a.id.clone(),
                agent_name: a.name.clone(),
                date: day.date,
                start: s.start,
                end: s.end,
                breaks,
                skills,
                paid_hours: s.paid_hours,
                site: if scenario.multi_site {
                    scenario.sites[scenario.site_index(a)].name.clone()
                } else {
                    String::new()
                },
            });
        }
    }
    let mut roster = Roster {
        site_name: scenario.site.name.clone(),
        timezone: scenario.site.timezone,
        shifts,
    };
    roster.sort();
    roster
}
