//! Pricing: the cheapest plans of one agent — or of a class of agents the
//! model cannot tell apart — when each shift is worth a given value, by
//! dynamic programming over the planned days.
//!
//! A state after day `d` holds what the rest of the plan depends on: the end
//! of the last shift while it can still cut into a later shift's rest, the
//! days worked in a row, and in the current week (`Scenario::weeks`) the
//! days worked, the paid minutes and the days off in a row (with whether the
//! week's block of days off is already taken). Each day a state either
//! rests or works one of the shift candidates the agent may work
//! (`candidates::allowed`: templates, days off, availability, last week's
//! shift), kept only if the rest since the last shift, the days in a row,
//! the week's working days and maximum hours allow it. At the end of each
//! week the states below the week's minimum hours or without the block of
//! days off are dropped. So every plan the pricing returns keeps every rule
//! of the agent model for that agent, and the cheapest plan under any
//! values is found exactly: each state keeps its cheapest way there.

use std::collections::HashMap;

use crate::scenario::{Agent, Scenario};
use crate::solve::candidates::{allowed, Day};

/// One agent's plan: the shift candidate worked each planned day.
pub(crate) type Schedule = Vec<Option<usize>>;

/// The rules of one week of the plan, for one agent.
#[derive(Debug, Clone)]
struct WeekRule {
    end: usize,
    min_minutes: f64,
    max_minutes: f64,
    max_days: usize,
    /// Days off in a row the week must hold (0: none).
    block: usize,
}

/// What the pricing knows of an agent: the shifts they may work, what
/// each costs, and their rules.
#[derive(Debug, Clone)]
pub(crate) struct Pricer {
    /// `allowed[d][k]`: the agent may work shift candidate `k` of day `d`.
    allowed: Vec<Vec<bool>>,
    /// `cost[d][k]`: the objective's cost of the agent working it.
    pub(crate) cost: Vec<Vec<f64>>,
    minutes: Vec<Vec<u32>>,
    start: Vec<Vec<i64>>,
    end: Vec<Vec<i64>>,
    /// The earliest start of any candidate of each day (seconds).
    first_start: Vec<Option<i64>>,
    week_of: Vec<usize>,
    weeks: Vec<WeekRule>,
    rest: i64,
    /// Days in a row allowed (`usize::MAX`: no limit).
    max_run: usize,
    /// Days worked in a row before the plan.
    carried: usize,
    /// Days in a row the plan may end on (`Agent::end_run_at_most`).
    end_run: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct State {
    /// End of the last shift (seconds) while it can still cut into a later
    /// shift's rest; `i64::MIN` otherwise.
    last_end: i64,
    run: u16,
    days: u16,
    minutes: u32,
    off: u16,
    block: bool,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    state: State,
    cost: f64,
    parent: u32,
    shift: Option<u32>,
}

const NONE: i64 = i64::MIN;

impl Pricer {
    /// The pricing of agent `a` whose shifts cost `cost[d][k]`.
    pub(crate) fn new(scenario: &Scenario, days: &[Day], a: &Agent, cost: Vec<Vec<f64>>) -> Pricer {
        // The agent's site's rules: rest, working days, days in a row, days off.
        let rules = scenario.rules_of(a);
        let r = &rules;
        let secs = |t: chrono::DateTime<chrono_tz::Tz>| t.timestamp();
        let mut week_of = vec![0; days.len()];
        let weeks: Vec<WeekRule> = scenario
            .weeks()
            .iter()
            .enumerate()
            .map(|(wi, w)| {
                for d in w.days() {
                    week_of[d] = wi;
                }
                WeekRule {
                    end: w.first + w.len,
                    min_minutes: w.min_hours(a) * 60.0,
                    max_minutes: w.max_hours(a) * 60.0,
                    max_days: w.max_working_days(r),
                    block: w.days_off_block(r).unwrap_or(0),
                }
            })
            .collect();
        Pricer {
            allowed: days
                .iter()
                .map(|d| {
                    d.shifts
                        .iter()
                        .map(|s| allowed(scenario, a, d, s))
                        .collect()
                })
                .collect(),
            cost,
            minutes: days
                .iter()
                .map(|d| {
                    d.shifts
                        .iter()
                        .map(|s| (s.paid_hours * 60.0).round().max(0.0) as u32)
                        .collect()
                })
                .collect(),
            start: days
                .iter()
                .map(|d| d.shifts.iter().map(|s| secs(s.start)).collect())
                .collect(),
            end: days
                .iter()
                .map(|d| d.shifts.iter().map(|s| secs(s.end)).collect())
                .collect(),
            first_start: days
                .iter()
                .map(|d| d.shifts.iter().map(|s| secs(s.start)).min())
                .collect(),
            week_of,
            weeks,
            rest: (r.min_rest_hours * 3600.0).round() as i64,
            max_run: r.max_consecutive_days.map_or(usize::MAX, |k| k as usize),
            carried: a.previous.as_ref().map_or(0, |p| p.consecutive_days) as usize,
            end_run: a.end_run_at_most.map(|m| m as usize),
        }
    }

    /// Whether the agent may work shift `k` of day `d` at all.
    pub(crate) fn may_work(&self, d: usize, k: usize) -> bool {
        self.allowed[d][k]
    }

    /// What the plan costs in the objective.
    pub(crate) fn cost_of(&self, s: &Schedule) -> f64 {
        s.iter()
            .enumerate()
            .filter_map(|(d, k)| k.map(|k| self.cost[d][k]))
            .sum()
    }

    /// The cheapest plans when shift `k` of day `d` is worth `value(d, k)`:
    /// up to `limit` plans, cheapest first, each with its cost less the
    /// values of its shifts. Empty when no plan keeps the rules.
    pub(crate) fn cheapest(
        &self,
        value: &dyn Fn(usize, usize) -> f64,
        limit: usize,
    ) -> Vec<(f64, Schedule)> {
        let n = self.allowed.len();
        let capped = |run: usize| if self.max_run == usize::MAX { 0 } else { run };
        let start = State {
            last_end: NONE,
            run: capped(self.carried.min(self.max_run)) as u16,
            days: 0,
            minutes: 0,
            off: 0,
            block: self.weeks.first().is_none_or(|w| w.block == 0),
        };
        let mut layers: Vec<Vec<Node>> = vec![vec![Node {
            state: start,
            cost: 0.0,
            parent: 0,
            shift: None,
        }]];
        for d in 0..n {
            let w = &self.weeks[self.week_of[d]];
            let left_after = w.end - 1 - d;
            // Forgets a last end that can no longer cut into a later rest.
            let settle = |mut s: State| {
                if s.last_end != NONE {
                    match self.first_start.get(d + 1) {
                        Some(Some(next)) if s.last_end + self.rest <= *next => s.last_end = NONE,
                        None => s.last_end = NONE,
                        _ => {}
                    }
                }
                s
            };
            let mut next: Vec<Node> = Vec::new();
            let mut index: HashMap<State, usize> = HashMap::new();
            let mut push = |node: Node| match index.get(&node.state) {
                Some(&i) => {
                    if node.cost < next[i].cost - 1e-12 {
                        next[i] = node;
                    }
                }
                None => {
                    index.insert(node.state, next.len());
                    next.push(node);
                }
            };
            for (pi, p) in layers[d].iter().enumerate() {
                let s = p.state;
                // A day off.
                let off = s.off.saturating_add(1);
                let rested = State {
                    run: 0,
                    off,
                    block: s.block || (w.block > 0 && off as usize >= w.block),
                    ..s
                };
                push(Node {
                    state: settle(rested),
                    cost: p.cost,
                    parent: pi as u32,
                    shift: None,
                });
                // A shift.
                if s.days as usize >= w.max_days
                    || (self.max_run != usize::MAX && s.run as usize >= self.max_run)
                    || (!s.block && left_after < w.block)
                {
                    continue;
                }
                for k in 0..self.allowed[d].len() {
                    if !self.allowed[d][k]
                        || (s.last_end != NONE && self.start[d][k] < s.last_end + self.rest)
                    {
                        continue;
                    }
                    let minutes = s.minutes + self.minutes[d][k];
                    if minutes as f64 > w.max_minutes + 1e-6 {
                        continue;
                    }
                    let worked = State {
                        last_end: self.end[d][k],
                        run: capped(s.run as usize + 1) as u16,
                        days: s.days + 1,
                        minutes,
                        off: 0,
                        block: s.block,
                    };
                    push(Node {
                        state: settle(worked),
                        cost: p.cost + self.cost[d][k] - value(d, k),
                        parent: pi as u32,
                        shift: Some(k as u32),
                    });
                }
            }
            if d + 1 == w.end && d + 1 < n {
                // The week is over: its minimum hours and block of days off
                // hold, and the next week starts afresh.
                let following = self.weeks.get(self.week_of[d] + 1);
                let mut merged: Vec<Node> = Vec::new();
                let mut at: HashMap<State, usize> = HashMap::new();
                for node in next {
                    let s = node.state;
                    if (s.minutes as f64) + 1e-6 < w.min_minutes || !s.block {
                        continue;
                    }
                    let state = State {
                        days: 0,
                        minutes: 0,
                        off: 0,
                        block: following.is_none_or(|f| f.block == 0),
                        ..s
                    };
                    let node = Node { state, ..node };
                    match at.get(&state) {
                        Some(&i) => {
                            if node.cost < merged[i].cost - 1e-12 {
                                merged[i] = node;
                            }
                        }
                        None => {
                            at.insert(state, merged.len());
                            merged.push(node);
                        }
                    }
                }
                next = merged;
            }
            layers.push(next);
        }
        // The last week's minimum hours and block of days off; its states
        // stay apart, so that the cheapest plans of different hours and
        // days come out.
        if let Some(w) = self.weeks.last() {
            let last = layers.last_mut().expect("a layer per day");
            for node in last.iter_mut() {
                let s = node.state;
                // The run is counted only under a limit of days in a row.
                let long_end = self.max_run != usize::MAX
                    && self.end_run.is_some_and(|most| s.run as usize > most);
                if (s.minutes as f64) + 1e-6 < w.min_minutes || !s.block || long_end {
                    node.cost = f64::INFINITY;
                }
            }
        }
        let mut ends: Vec<usize> = (0..layers[n].len())
            .filter(|&i| layers[n][i].cost.is_finite())
            .collect();
        ends.sort_by(|&a, &b| {
            layers[n][a]
                .cost
                .total_cmp(&layers[n][b].cost)
                .then(a.cmp(&b))
        });
        ends.truncate(limit);
        ends.into_iter()
            .map(|mut i| {
                let cost = layers[n][i].cost;
                let mut plan = vec![None; n];
                for d in (0..n).rev() {
                    let node = &layers[d + 1][i];
                    plan[d] = node.shift.map(|k| k as usize);
                    i = node.parent as usize;
                }
                (cost, plan)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::solve::candidates::candidates;
    use crate::solve::handout::week_ok;

    fn scenario(extra_rules: &str, agent: &str) -> Scenario {
        let src = format!(
            "name: Pricing test\n\
             site: {{ name: Test, timezone: Asia/Shanghai }}\n\
             planning: {{ week_start: 2026-11-09, days: 14, interval_minutes: 60 }}\n\
             history: {{ file: history.csv, weeks: 4 }}\n\
             queues:\n  - {{ id: q, channel: voice, service_level: {{ target: 0.8, seconds: 20 }} }}\n\
             rules:\n  shift_start: {{ earliest: \"06:00\", latest: \"14:00\", step_minutes: 480 }}\n  \
             shift_lengths_hours: [8, 10]\n  \
             meal_break: {{ minutes: 60, earliest_start_hours: 3, latest_end_hours: 6 }}\n  \
             min_rest_hours: 16\n  max_working_days: 5\n{extra_rules}\
             agents:\n  - {agent}\n"
        );
        Scenario::from_yaml_str(&src, Path::new("pricing-test.yaml")).expect("scenario")
    }

    /// Every plan of the agent, by enumeration: each day off or one of the
    /// shifts, kept when `week_ok` (working days, hours, block of days off,
    /// rest, days in a row) and `allowed` hold.
    fn all_plans(sc: &Scenario, days: &[Day]) -> Vec<Schedule> {
        let a = &sc.agents[0];
        let mut out = Vec::new();
        let mut plan: Schedule = vec![None; days.len()];
        fn go(
            d: usize,
            plan: &mut Schedule,
            sc: &Scenario,
            days: &[Day],
            a: &Agent,
            out: &mut Vec<Schedule>,
        ) {
            if d == days.len() {
                let hours_ok = sc.weeks().iter().all(|w| {
                    let h: f64 = w
                        .days()
                        .filter_map(|e| plan[e].map(|k| days[e].shifts[k].paid_hours))
                        .sum();
                    h + 1e-9 >= w.min_hours(a)
                });
                if hours_ok && week_ok(sc, days, plan, a) {
                    out.push(plan.clone());
                }
                return;
            }
            plan[d] = None;
            go(d + 1, plan, sc, days, a, out);
            // Prune weeks past their working days (`week_ok` would drop them).
            let w = sc.weeks().into_iter().find(|w| w.holds(d)).expect("week");
            let worked = (w.first..d).filter(|&e| plan[e].is_some()).count();
            if worked >= w.max_working_days(&sc.rules_of(a)) {
                return;
            }
            for k in 0..days[d].shifts.len() {
                if allowed(sc, a, &days[d], &days[d].shifts[k]) {
                    plan[d] = Some(k);
                    go(d + 1, plan, sc, days, a, out);
                }
            }
            plan[d] = None;
        }
        go(0, &mut plan, sc, days, a, &mut out);
        out
    }

    /// Under random values of the shifts, the pricing's cheapest plan costs
    /// what the cheapest of all plans (enumerated and checked by the
    /// hand-out's own rule check) costs, and every plan it returns is one
    /// of them, over two weeks with rest, days in a row, a block of days
    /// off, days off, last week's run and a contract minimum.
    #[test]
    fn cheapest_plan_matches_enumeration() {
        use rand::{RngExt, SeedableRng};
        for (rules, agent) in [
            (
                "  max_consecutive_days: 4\n  consecutive_days_off: 2\n",
                "{ id: A, name: A, skills: [q], min_hours: 20, max_hours: 30, previous: { consecutive_days: 3 } }",
            ),
            (
                "",
                "{ id: A, name: A, skills: [q], min_hours: 0, max_hours: 24, days_off: [2026-11-11] }",
            ),
        ] {
            let sc = scenario(rules, agent);
            let days = candidates(&sc);
            // Keep the enumeration small: the first 9 days.
            let mut sc9 = sc.clone();
            sc9.planning.days = 9;
            let days = &days[..9];
            let plans = all_plans(&sc9, days);
            assert!(!plans.is_empty());
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
            for _ in 0..20 {
                let cost: Vec<Vec<f64>> = days
                    .iter()
                    .map(|d| d.shifts.iter().map(|s| s.paid_hours).collect())
                    .collect();
                let values: Vec<Vec<f64>> = days
                    .iter()
                    .map(|d| d.shifts.iter().map(|_| rng.random_range(0.0..20.0)).collect())
                    .collect();
                let p = Pricer::new(&sc9, days, &sc9.agents[0], cost.clone());
                let worth = |plan: &Schedule| -> f64 {
                    plan.iter()
                        .enumerate()
                        .filter_map(|(d, k)| k.map(|k| cost[d][k] - values[d][k]))
                        .sum()
                };
                let best = plans.iter().map(worth).fold(f64::INFINITY, f64::min);
                let found = p.cheapest(&|d, k| values[d][k], 5);
                assert!((found[0].0 - best).abs() < 1e-9, "{} vs {best}", found[0].0);
                for (c, plan) in &found {
                    assert!(plans.contains(plan), "{plan:?} breaks a rule");
                    assert!((worth(plan) - c).abs() < 1e-9);
                }
            }
        }
    }
}
