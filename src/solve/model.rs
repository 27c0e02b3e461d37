//! The integer program: variables, constraints and objective.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration};
use chrono_tz::Tz;
use good_lp::{variable, Expression, IntoAffineExpression, Variable};

use super::candidates::{allowed, Day, StartCand};
pub(super) use super::diagnose::{RuleSlack, SlackRule};
use crate::coverage::model::{add_coverage, Covered, SlModel};
use crate::coverage::share;
use crate::horizon::Horizon;
use crate::scenario::Scenario;
use crate::staffing::QueueRequirements;

/// How the model may use an agent's shift candidate on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fix {
    /// The solver decides (if the agent is allowed to work it at all).
    Free,
    /// Not worked.
    Off,
    /// Worked.
    On,
}

/// `fixes[agent][day][shift candidate]`.
pub(super) type Fixes = Vec<Vec<Vec<Fix>>>;

/// Fixes that keep each agent's shift of each day (`picks[agent][day]`, the
/// shift candidate worked): on for it, off for the others; the agents with
/// `free[agent]` decide anew.
pub(super) fn keep_picks(days: &[Day], picks: &[Vec<Option<usize>>], free: &[bool]) -> Fixes {
    keep_picks_but(days, picks, &|a, _| free[a])
}

/// [`keep_picks`] with the agent-days where `free(agent, day)` decided anew.
pub(super) fn keep_picks_but(
    days: &[Day],
    picks: &[Vec<Option<usize>>],
    free: &dyn Fn(usize, usize) -> bool,
) -> Fixes {
    picks
        .iter()
        .enumerate()
        .map(|(a, row)| {
            days.iter()
                .zip(row)
                .enumerate()
                .map(|(d, (day, p))| {
                    let free = free(a, d);
                    (0..day.shifts.len())
                        .map(|k| match (free, *p == Some(k)) {
                            (true, _) => Fix::Free,
                            (false, true) => Fix::On,
                            (false, false) => Fix::Off,
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Rest between shifts on different days, as cliques of `(day, shift
/// candidate)`: for each end time τ of a day, the shifts ending at or after τ
/// and the later shifts starting before τ + rest exclude each other, so one
/// person works at most one shift of each clique. Each clique comes with
/// the day of its earlier shifts.
/// The rest cliques of each distinct `min_rest_hours` among the sites'
/// rules, and the index of each site's among them.
#[allow(clippy::type_complexity)]
pub(super) fn site_rest_cliques(
    site_rules: &[crate::scenario::Rules],
    days: &[Day],
) -> (Vec<Vec<(usize, Vec<(usize, usize)>)>>, Vec<usize>) {
    let mut rests: Vec<u64> = Vec::new();
    let mut cliques = Vec::new();
    let of = site_rules
        .iter()
        .map(|r| {
            let key = r.min_rest_hours.to_bits();
            rests.iter().position(|&k| k == key).unwrap_or_else(|| {
                rests.push(key);
                cliques.push(rest_cliques(days, r.min_rest_hours));
                cliques.len() - 1
            })
        })
        .collect();
    (cliques, of)
}

pub(super) fn rest_cliques(days: &[Day], rest_hours: f64) -> Vec<(usize, Vec<(usize, usize)>)> {
    let rest = Duration::minutes((rest_hours * 60.0).round() as i64);
    let mut out = Vec::new();
    for d1 in 0..days.len() {
        let mut ends: Vec<DateTime<Tz>> = days[d1].shifts.iter().map(|s| s.end).collect();
        ends.sort();
        ends.dedup();
        for &tau in &ends {
            let mut clique = Vec::new();
            for (d2, day2) in days.iter().enumerate().skip(d1 + 1) {
                for (k2, s2) in day2.shifts.iter().enumerate() {
                    if s2.start < tau + rest {
                        clique.push((d2, k2));
                    }
                }
            }
            if clique.is_empty() {
                continue;
            }
            for (k1, s1) in days[d1].shifts.iter().enumerate() {
                if s1.end >= tau {
                    clique.push((d1, k1));
                }
            }
            out.push((d1, clique));
        }
    }
    out
}

/// The share of each interval covered by every shift and every break
/// candidate: `(shift_cov[day][k], break_cov[day][kind][m])`.
#[allow(clippy::type_complexity)]
pub(super) fn candidate_coverage(
    horizon: &Horizon,
    days: &[Day],
) -> (Vec<Vec<Vec<(usize, f64)>>>, BreakCov) {
    let shift_cov = days
        .iter()
        .map(|d| {
            d.shifts
                .iter()
                .map(|s| share(horizon, s.start, s.end))
                .collect()
        })
        .collect();
    let break_cov = days
        .iter()
        .map(|d| {
            d.kinds
                .iter()
                .map(|bk| {
                    bk.breaks
                        .iter()
                        .map(|b| share(horizon, b.start, b.end))
                        .collect()
                })
                .collect()
        })
        .collect();
    (shift_cov, break_cov)
}

/// An empty expression per group, day and shift candidate.
pub(super) fn empty_members(n_groups: usize, days: &[Day]) -> Vec<Vec<Vec<Expression>>> {
    (0..n_groups)
        .map(|_| {
            days.iter()
                .map(|d| vec![Expression::default(); d.shifts.len()])
                .collect()
        })
        .collect()
}

pub(super) use crate::lp::{new_model, Model};

pub(super) struct Built {
    pub(super) model: Model,
    /// `x[agent][day][shift candidate]`.
    pub(super) x: Vec<Vec<Vec<Variable>>>,
    /// `breaks[group][day][kind][break candidate]`: breaks of that kind
    /// (meal, then each rest break) starting then (integer).
    pub(super) breaks: Vec<Vec<Vec<Vec<Variable>>>>,
    /// `counts[group][day][shift candidate]` ([`Breaks::counts`]).
    pub(super) counts: Vec<Vec<Vec<Variable>>>,
    pub(super) w: BTreeMap<(usize, usize), Vec<Variable>>,
    /// Per agent and week, the slack on the week's minimum hours (when relaxed).
    pub(super) hours_slack: Vec<Vec<Option<Variable>>>,
    /// `(under, over)` per queue and interval (empty for deferred queues).
    pub(super) gaps: Vec<Vec<(Variable, Variable)>>,
    /// `(done, backlog, late)` per interval of each deferred queue.
    pub(super) deferred: Vec<Vec<(Variable, Variable, Variable)>>,
    /// Service-level variables (service-level mode) and `min_staff` floors.
    pub(super) sl: SlModel,
    pub(super) groups: Vec<Vec<String>>,
    /// Proficiency of each group on each of its skills (`groups[g][j]`).
    pub(super) proficiency: Vec<Vec<f64>>,
    pub(super) group_of: Vec<usize>,
    /// Penalised slack of the relaxed rules, when diagnosing.
    pub(super) slacks: Vec<RuleSlack>,
    /// Per agent, the days-off block binaries (`AgentVars::blocks`).
    pub(super) blocks: Vec<Vec<(usize, Variable)>>,
    /// The fairness bounds (`rules.fairness`).
    pub(super) fair: Vec<super::soft::FairTerm>,
}

/// Which rules `build` relaxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Relax {
    /// None: the roster model.
    Nothing,
    /// Each agent's weekly minimum hours (coverage dropped).
    MinHours,
    /// Every agent rule except the contract hours and one shift a day
    /// (coverage dropped).
    Rules,
}

/// Skill groups: agents with the same set of skills at the same
/// proficiencies, in first-seen order; each group's proficiency on each of
/// its skills (`proficiency[g][j]` of `groups[g][j]`); each agent's group.
#[allow(clippy::type_complexity)]
pub(super) fn skill_groups(scenario: &Scenario) -> (Vec<Vec<String>>, Vec<Vec<f64>>, Vec<usize>) {
    let queue_ids: Vec<&str> = scenario.queues.iter().map(|q| q.id.as_str()).collect();
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut rates: Vec<Vec<f64>> = Vec::new();
    let mut group_of = Vec::new();
    for a in &scenario.agents {
        let mut s = a.skills.clone();
        s.sort_by_key(|k| queue_ids.iter().position(|q| q == k));
        s.dedup();
        let p: Vec<f64> = s.iter().map(|q| a.proficiency(q)).collect();
        let g = match (0..groups.len()).find(|&g| groups[g] == s && rates[g] == p) {
            Some(g) => g,
            None => {
                groups.push(s);
                rates.push(p);
                groups.len() - 1
            }
        };
        group_of.push(g);
    }
    (groups, rates, group_of)
}

pub(super) fn build(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    diagnose: bool,
    fixes: Option<&Fixes>,
) -> Built {
    let relax = if diagnose {
        Relax::MinHours
    } else {
        Relax::Nothing
    };
    build_relaxed(scenario, horizon, reqs, days, relax, fixes)
}

/// The model with the rules of `relax` relaxed by penalised slacks.
pub(super) fn build_relaxed(
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    relax: Relax,
    fixes: Option<&Fixes>,
) -> Built {
    let diagnose = relax != Relax::Nothing;
    let mut model = new_model();
    let (groups, proficiency, group_of) = skill_groups(scenario);
    // Shifts of each candidate worked per group and day, as a sum over the
    // group's agents (`members`); coverage and breaks refer to these counts
    // rather than to every agent's variable, which keeps the model sparse.
    let mut members = empty_members(groups.len(), days);
    let AgentVars {
        x,
        hours_slack,
        slacks,
        blocks,
    } = add_agents(
        &mut model,
        scenario,
        days,
        &group_of,
        &mut members,
        relax,
        fixes,
    );
    let fair = if diagnose {
        Vec::new()
    } else {
        super::soft::add_soft(&mut model, scenario, days, &x)
    };
    let (
        Breaks { breaks, counts },
        Covered {
            w,
            gaps,
            deferred,
            sl,
        },
    ) = add_breaks_and_coverage(
        &mut model,
        scenario,
        horizon,
        reqs,
        days,
        (&groups, &proficiency, &group_of),
        members,
        diagnose,
    );
    if diagnose {
        // Only the agents' rules matter when diagnosing (coverage added no
        // terms): minimise the slack used.
        model.objective = slacks.iter().fold(Expression::default(), |mut e, s| {
            e.add_mul(1.0, s.var);
            e
        });
    }
    Built {
        model,
        x,
        breaks,
        counts,
        w,
        hours_slack,
        gaps,
        deferred,
        sl,
        groups,
        proficiency,
        group_of,
        slacks,
        blocks,
        fair,
    }
}

/// What `add_agents` adds.
pub(super) struct AgentVars {
    /// `x[agent][day][shift candidate]`.
    pub(super) x: Vec<Vec<Vec<Variable>>>,
    /// Per agent and week, the slack on the week's minimum hours (when relaxed).
    pub(super) hours_slack: Vec<Vec<Option<Variable>>>,
    /// Every slack of the relaxed rules.
    pub(super) slacks: Vec<RuleSlack>,
    /// Per agent, `(first day, y)`: the binary "days off from this day on
    /// make the week's block" (`consecutive_days_off`).
    pub(super) blocks: Vec<Vec<(usize, Variable)>>,
}

/// Every agent's shifts and weekly rules; each agent's shift variables are
/// added to its group's count of that shift (`members`). Returns `x`, the
/// slack on each agent's weekly minimum hours when relaxed, and every slack
/// of the relaxed rules.
#[allow(clippy::type_complexity)]
pub(super) fn add_agents(
    model: &mut Model,
    scenario: &Scenario,
    days: &[Day],
    group_of: &[usize],
    members: &mut [Vec<Vec<Expression>>],
    relax: Relax,
    fixes: Option<&Fixes>,
) -> AgentVars {
    let rules = relax == Relax::Rules;
    let mut slacks = Vec::new();
    let wts = &scenario.weights;
    // Each site's rules (rest, days), and its rest cliques.
    let site_rules = scenario.site_rules();
    let (by_rest, cliques_of) = site_rest_cliques(&site_rules, days);
    let weeks = scenario.weeks();

    let mut x = Vec::new();
    let mut hours_slack = Vec::new();
    let mut blocks = Vec::new();
    for (ai, a) in scenario.agents.iter().enumerate() {
        let r = &site_rules[scenario.site_index(a)];
        let cliques = &by_rest[cliques_of[scenario.site_index(a)]];
        let mut agent_blocks = Vec::new();
        let g = group_of[ai];
        let mut xa: Vec<Vec<Variable>> = Vec::new();
        let mut hours: Vec<Expression> = vec![Expression::default(); days.len()];
        let mut worked: Vec<Expression> = Vec::new();
        for (di, day) in days.iter().enumerate() {
            // A shift the agent cannot work (day off, outside availability,
            // too soon after last week's shift) is fixed at zero.
            // When the rules are relaxed they may be worked, at a penalty.
            let mut barred = Expression::default();
            let xs: Vec<Variable> = day
                .shifts
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let v = variable().binary();
                    let fix = fixes.map_or(Fix::Free, |f| f[ai][di][k]);
                    if allowed(scenario, a, day, s) {
                        match fix {
                            Fix::Free => model.add(v, true),
                            Fix::Off => model.add(v.max(0.0), true),
                            Fix::On => model.add(v.min(1.0), true),
                        }
                    } else if rules {
                        let v = model.add(v, true);
                        barred.add_mul(1.0, v);
                        v
                    } else {
                        model.add(v.max(0.0), true)
                    }
                })
                .collect();
            if let Some(s) = new_slack(
                model,
                &mut slacks,
                rules,
                SlackRule::Unavailable { day: di },
            ) {
                model.constraints.push(barred.leq(s));
            }
            let mut one = Expression::default();
            for (k, s) in day.shifts.iter().enumerate() {
                one.add_mul(1.0, xs[k]);
                hours[di].add_mul(s.paid_hours, xs[k]);
                model
                    .objective
                    .add_mul(wts.paid_hour * a.hourly_cost * s.paid_hours, xs[k]);
                members[g][di][k].add_mul(1.0, xs[k]);
            }
            worked.push(one.clone());
            model.constraints.push(one.leq(1.0));
            xa.push(xs);
        }
        // Days in a row: every run of K + 1 days holds a day off, counting
        // the days the agent worked in a row before the plan.
        if let Some(k) = r.max_consecutive_days {
            let before = a.previous.as_ref().map_or(0, |p| p.consecutive_days) as usize;
            let k = k as usize;
            for t in 0..days.len() {
                let first = (t + 1).saturating_sub(k + 1);
                let carried = before.min((k + 1).saturating_sub(t + 1));
                let mut e = Expression::default();
                for w in &worked[first..=t] {
                    e += w.clone();
                }
                if let Some(s) =
                    new_slack(model, &mut slacks, rules, SlackRule::Consecutive { day: t })
                {
                    e.add_mul(-1.0, s);
                }
                model
                    .constraints
                    .push(e.leq(k.saturating_sub(carried) as f64));
            }
        }
        // The run the plan may end on (a week of the weeks method): among
        // its last `most + 1` days, at most `most` worked.
        if let Some(most) = a.end_run_at_most.map(|m| m as usize) {
            if most < days.len() {
                let mut e = Expression::default();
                for w in &worked[days.len() - most - 1..] {
                    e += w.clone();
                }
                model.constraints.push(e.leq(most as f64));
            }
        }
        // Each week (`Scenario::weeks`): at least one block of L days off in
        // a row inside it.
        for (wi, week) in weeks.iter().enumerate() {
            let Some(l) = week.days_off_block(r) else {
                continue;
            };
            let mut any_block = Expression::default();
            for s in week.first..=(week.first + week.len).saturating_sub(l) {
                let y = model.add(variable().binary(), true);
                agent_blocks.push((s, y));
                any_block.add_mul(1.0, y);
                for w in &worked[s..(s + l).min(days.len())] {
                    model
                        .constraints
                        .push((Expression::from(y) + w.clone()).leq(1.0));
                }
            }
            if let Some(s) = new_slack(
                model,
                &mut slacks,
                rules,
                SlackRule::DaysOffBlock { week: wi },
            ) {
                any_block.add_mul(1.0, s);
            }
            model.constraints.push(any_block.geq(1.0));
        }
        // Rest between shifts on different days (see `rest_cliques`); when
        // relaxed, one slack per day lets its shifts break the rest.
        let short: Vec<Option<Variable>> = (0..days.len())
            .map(|d1| new_slack(model, &mut slacks, rules, SlackRule::Rest { day: d1 }))
            .collect();
        for (d1, clique) in cliques {
            let mut e = Expression::default();
            for &(d, k) in clique {
                e.add_mul(1.0, xa[d][k]);
            }
            if let Some(s) = short[*d1] {
                e.add_mul(-1.0, s);
            }
            model.constraints.push(e.leq(1.0));
        }
        // Each week: working days and contract hours.
        let mut slack_of_agent = Vec::new();
        for (wi, week) in weeks.iter().enumerate() {
            let mut worked_days = Expression::default();
            let mut paid = Expression::default();
            for d in week.days() {
                worked_days += worked[d].clone();
                paid += hours[d].clone();
            }
            if let Some(s) = new_slack(
                model,
                &mut slacks,
                rules,
                SlackRule::WorkingDays { week: wi },
            ) {
                worked_days.add_mul(-1.0, s);
            }
            model
                .constraints
                .push(worked_days.leq(week.max_working_days(r) as f64));
            model.constraints.push(paid.clone().leq(week.max_hours(a)));
            if relax == Relax::MinHours {
                let s = model.add(variable().min(0.0), false);
                model.constraints.push((paid + s).geq(week.min_hours(a)));
                slack_of_agent.push(Some(s));
                slacks.push(RuleSlack {
                    rule: SlackRule::MinHours { week: wi },
                    var: s,
                });
            } else {
                model.constraints.push(paid.geq(week.min_hours(a)));
                slack_of_agent.push(None);
            }
        }
        hours_slack.push(slack_of_agent);
        blocks.push(agent_blocks);
        x.push(xa);
    }
    AgentVars {
        x,
        hours_slack,
        slacks,
        blocks,
    }
}

/// A penalised slack of `rule`, when `on`.
fn new_slack(
    model: &mut Model,
    slacks: &mut Vec<RuleSlack>,
    on: bool,
    rule: SlackRule,
) -> Option<Variable> {
    on.then(|| {
        let var = model.add(variable().min(0.0), false);
        slacks.push(RuleSlack { rule, var });
        var
    })
}

/// Breaks and coverage of the skill groups `(groups, proficiency,
/// group_of)` whose shift counts per day and candidate are `members`; shared
/// by the agent model and the decomposition's tour model. Returns the break
/// counts and what `add_coverage` returns.
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub(super) fn add_breaks_and_coverage(
    model: &mut Model,
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    (groups, proficiency, group_of): (&[Vec<String>], &[Vec<f64>], &[usize]),
    members: Vec<Vec<Vec<Expression>>>,
    diagnose: bool,
) -> (Breaks, Covered) {
    let group_size: Vec<usize> = (0..groups.len())
        .map(|g| group_of.iter().filter(|&&x| x == g).count())
        .collect();
    let (shift_cov, break_cov) = candidate_coverage(horizon, days);
    let (duty, breaks) = add_breaks(
        model,
        days,
        horizon.intervals.len(),
        &group_size,
        &shift_cov,
        &break_cov,
        members,
    );
    let covered = add_coverage(
        model,
        scenario,
        horizon,
        reqs,
        (groups, proficiency),
        duty,
        diagnose,
    );
    (breaks, covered)
}

/// Breaks by assignment, for the column generation's master: per group,
/// day, kind of break and start time `i`, `f[i][m] ≥ 0` shifts of that
/// start take break candidate `m` of their window, and `Σ_m f[i][m]`
/// equals the group's shifts of that start that need the break. A
/// transportation problem (so whole counts give whole assignments), with a
/// row per start time instead of the first-in-first-out conditions of
/// [`add_breaks_and_coverage`] (one per run of start times): the same
/// break counts are feasible (Hall's theorem), in far fewer rows. Returns
/// the coverage of [`add_coverage`] over the duty of `members` (each
/// group's count of each shift candidate, as an expression) less the
/// breaks, and the `f` of each group, day and kind of break as
/// `(break candidate m, f)` ([`AssignedBreaks`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn add_assigned_breaks_and_coverage(
    model: &mut Model,
    scenario: &Scenario,
    horizon: &Horizon,
    reqs: &[QueueRequirements],
    days: &[Day],
    (groups, proficiency): (&[Vec<String>], &[Vec<f64>]),
    members: Vec<Vec<Vec<Expression>>>,
) -> (Covered, AssignedBreaks) {
    let nt = horizon.intervals.len();
    let (shift_cov, break_cov) = candidate_coverage(horizon, days);
    let mut duty: Vec<Vec<Expression>> = vec![vec![Expression::default(); nt]; groups.len()];
    let mut assigned: AssignedBreaks = (0..groups.len())
        .map(|_| {
            days.iter()
                .map(|d| vec![Vec::new(); d.kinds.len()])
                .collect()
        })
        .collect();
    for (g, mg) in members.into_iter().enumerate() {
        for (di, (day, md)) in days.iter().zip(mg).enumerate() {
            let mut started = vec![vec![Expression::default(); day.kinds.len()]; day.starts];
            for (k, e) in md.into_iter().enumerate() {
                if (&e).linear_coefficients().next().is_none() {
                    continue;
                }
                let s = &day.shifts[k];
                for &(t, f) in &shift_cov[di][k] {
                    duty[g][t].add_mul(f, e.clone());
                }
                for (kind, _) in s.needs.iter().enumerate().filter(|(_, n)| **n) {
                    started[s.start_idx][kind] += e.clone();
                }
            }
            for (kind, bk) in day.kinds.iter().enumerate() {
                for (i, st) in started.iter().enumerate() {
                    let need = &st[kind];
                    if need.linear_coefficients().next().is_none() {
                        continue;
                    }
                    let w = &bk.starts[i];
                    let mut given = Expression::default();
                    for (m, cov) in (w.lo..=w.hi).zip(&break_cov[di][kind][w.lo..=w.hi]) {
                        let f = model.add(variable().min(0.0), false);
                        given.add_mul(1.0, f);
                        assigned[g][di][kind].push((m, f));
                        for &(t, share) in cov {
                            duty[g][t].add_mul(-share, f);
                        }
                    }
                    model.constraints.push(given.eq(need.clone()));
                }
            }
        }
    }
    let covered = add_coverage(
        model,
        scenario,
        horizon,
        reqs,
        (groups, proficiency),
        duty,
        false,
    );
    (covered, assigned)
}

/// `assigned[group][day][kind]`: the variables `f` of
/// [`add_assigned_breaks_and_coverage`], each with its break candidate.
pub(super) type AssignedBreaks = Vec<Vec<Vec<Vec<(usize, Variable)>>>>;

/// `counts[group][day][kind][break candidate]`: whole breaks.
pub(super) type BreakCounts = Vec<Vec<Vec<Vec<usize>>>>;

/// The breaks of each group, day and kind per break candidate that the
/// values `value` of [`AssignedBreaks`] give, in whole numbers: each
/// group, day and kind's total rounded, handed to its candidates by largest
/// remainder.
pub(super) fn break_counts(
    assigned: &AssignedBreaks,
    days: &[Day],
    value: impl Fn(&Variable) -> f64,
) -> BreakCounts {
    assigned
        .iter()
        .map(|g| {
            g.iter()
                .zip(days)
                .map(|(d, day)| {
                    d.iter()
                        .zip(&day.kinds)
                        .map(|(fs, bk)| {
                            let mut share = vec![0.0; bk.breaks.len()];
                            for (m, f) in fs {
                                share[*m] += value(f).max(0.0);
                            }
                            whole(&share)
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// `share` in whole numbers summing to its rounded total: the floors, then
/// one more to the largest remainders (ties to the earlier).
fn whole(share: &[f64]) -> Vec<usize> {
    let total = share.iter().sum::<f64>().round() as usize;
    let mut out: Vec<usize> = share.iter().map(|x| (x + 1e-6).floor() as usize).collect();
    let mut order: Vec<usize> = (0..share.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = share[a] - out[a] as f64;
        let rb = share[b] - out[b] as f64;
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let short = total.saturating_sub(out.iter().sum());
    for i in order.into_iter().take(short) {
        out[i] += 1;
    }
    out
}

/// The runs of start times `(i, j)` whose rows `Σ breaks in the joint
/// window of i..=j ≥ shifts started in i..=j` [`add_breaks`] writes beside
/// the day's equality (as many breaks as shifts that need one): only the
/// runs that begin with the day's first start (forward) or end with its
/// last (backward). The windows are first in, first out, so the first
/// start's window begins with the day's first break candidate and the last
/// start's ends with its last. The breaks inside the joint window of any
/// run i..=j are then those of the backward run from i plus those of the
/// forward run to j less the whole day's, so every other run's row is the
/// sum of those two rows less the equality (Bechtold & Jacobs 1990): the
/// same relaxation, with 2(n - 1) rows instead of n(n + 1)/2 - 1.
pub(super) fn break_runs(starts: &[StartCand]) -> Vec<(usize, usize)> {
    let n = starts.len();
    debug_assert!(starts
        .windows(2)
        .all(|w| w[0].lo <= w[1].lo && w[0].hi <= w[1].hi));
    let forward = (0..n.saturating_sub(1)).map(|j| (0, j));
    let backward = (1..n).rev().map(|i| (i, n - 1));
    forward.chain(backward).collect()
}

/// Interval shares `(interval, fraction)` of each break candidate, per day and kind.
pub(super) type BreakCov = Vec<Vec<Vec<Vec<(usize, f64)>>>>;

/// Meal and rest breaks per group and day; returns each group's agents on
/// duty per interval (shifts minus breaks) and the break-count variables.
#[allow(clippy::type_complexity)]
fn add_breaks(
    model: &mut Model,
    days: &[Day],
    nt: usize,
    group_size: &[usize],
    shift_cov: &[Vec<Vec<(usize, f64)>>],
    break_cov: &[Vec<Vec<Vec<(usize, f64)>>>],
    mut members: Vec<Vec<Vec<Expression>>>,
) -> (Vec<Vec<Expression>>, Breaks) {
    // Breaks, per skill group, day and kind (implicit breaks, Bechtold &
    // Jacobs 1990, one family of break variables per kind as in Rekik,
    // Cordeau & Soumis): one break of a kind per shift that needs it, and for
    // every run of consecutive start times i..j at least as many breaks
    // inside their joint window as such shifts started. With first-in-
    // first-out windows these conditions are exactly what lets every shift
    // be given its own break (Hall's theorem), which `assign_breaks` then
    // does. The windows of the kinds of one set of break rules (the
    // scenario's, or a site's own: `Day::kinds`) are disjoint (checked when
    // the scenario is read), and a shift needs kinds of its site's set only,
    // so the kinds are handed out independently and a shift's breaks never
    // overlap. Kinds of different sets may overlap in time: no shift needs
    // both, and a kind's breaks only go to the shifts that need it.
    let mut duty: Vec<Vec<Expression>> = vec![vec![Expression::default(); nt]; group_size.len()];
    let mut breaks = Vec::new();
    let mut counts = Vec::new();
    for g in 0..group_size.len() {
        let mut bg = Vec::new();
        let mut cg = Vec::new();
        for (di, day) in days.iter().enumerate() {
            let mut started = vec![vec![Expression::default(); day.kinds.len()]; day.starts];
            let mut cd = Vec::with_capacity(day.shifts.len());
            for (k, s) in day.shifts.iter().enumerate() {
                let count = model.add(variable().min(0.0).max(group_size[g] as f64), false);
                cd.push(count);
                let sum = std::mem::take(&mut members[g][di][k]);
                model.constraints.push(Expression::from(count).eq(sum));
                for (kind, _) in s.needs.iter().enumerate().filter(|(_, n)| **n) {
                    started[s.start_idx][kind].add_mul(1.0, count);
                }
                for &(t, f) in &shift_cov[di][k] {
                    duty[g][t].add_mul(f, count);
                }
            }
            let mut bd = Vec::new();
            for (kind, bk) in day.kinds.iter().enumerate() {
                let bs: Vec<Variable> = bk
                    .breaks
                    .iter()
                    .map(|_| {
                        model.add(
                            variable().integer().min(0.0).max(group_size[g] as f64),
                            false,
                        )
                    })
                    .collect();
                let mut total = Expression::default();
                for (m, v) in bs.iter().enumerate() {
                    total.add_mul(1.0, *v);
                    for &(t, f) in &break_cov[di][kind][m] {
                        duty[g][t].add_mul(-f, *v);
                    }
                }
                let all_started = started.iter().fold(Expression::default(), |mut e, s| {
                    e += s[kind].clone();
                    e
                });
                model.constraints.push(total.eq(all_started));
                for (i, j) in break_runs(&bk.starts) {
                    let mut inside = Expression::default();
                    for v in &bs[bk.starts[i].lo..=bk.starts[j].hi] {
                        inside.add_mul(1.0, *v);
                    }
                    let mut shifts_ij = Expression::default();
                    for st in &started[i..=j] {
                        shifts_ij += st[kind].clone();
                    }
                    model.constraints.push(inside.geq(shifts_ij));
                }
                bd.push(bs);
            }
            bg.push(bd);
            cg.push(cd);
        }
        breaks.push(bg);
        counts.push(cg);
    }
    let n_int = breaks.iter().flatten().flatten().flatten().count();
    model.binaries += n_int;
    (duty, Breaks { breaks, counts })
}

/// What [`add_breaks`] adds per skill group and day.
pub(super) struct Breaks {
    /// `breaks[group][day][kind][break candidate]`: breaks of that kind
    /// starting then (integer).
    pub(super) breaks: Vec<Vec<Vec<Vec<Variable>>>>,
    /// `counts[group][day][shift candidate]`: the group's shifts of that
    /// candidate (continuous, equal to the sum of its members' shifts). A
    /// start must give them too, or HiGHS is handed an infeasible one.
    pub(super) counts: Vec<Vec<Vec<Variable>>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Whether every shift (`started[i]` of start `i`) can be given its own
    /// break inside its window, using each candidate `m` exactly `b[m]`
    /// times: a brute-force search over assignments.
    fn assignable(starts: &[StartCand], started: &[u32], b: &mut [u32], from: usize) -> bool {
        let Some(i) = (from..started.len()).find(|&i| started[i] > 0) else {
            return b.iter().all(|&c| c == 0);
        };
        let mut rest = started.to_vec();
        rest[i] -= 1;
        for m in starts[i].lo..=starts[i].hi {
            if b[m] > 0 {
                b[m] -= 1;
                let ok = assignable(starts, &rest, b, i);
                b[m] += 1;
                if ok {
                    return true;
                }
            }
        }
        false
    }

    /// First-in-first-out windows over `m` candidates: `lo` and `hi` never
    /// fall, the first window begins at 0 and the last ends at `m - 1`.
    fn fifo_windows() -> impl Strategy<Value = Vec<StartCand>> {
        (1usize..5, 1usize..4, 0usize..3).prop_flat_map(|(n, width, step)| {
            proptest::collection::vec(0usize..=step, n).prop_map(move |steps| {
                let mut lo = 0;
                steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        if i > 0 {
                            lo += s;
                        }
                        StartCand {
                            lo,
                            hi: lo + width - 1,
                        }
                    })
                    .collect()
            })
        })
    }

    proptest! {
        /// The forward and backward runs with the equality hold exactly when
        /// the breaks can be handed out, as every run's rows do.
        #[test]
        fn forward_and_backward_runs_are_halls_condition(
            starts in fifo_windows(),
            started in proptest::collection::vec(0u32..3, 4),
            picks in proptest::collection::vec(0usize..64, 0..8),
        ) {
            let n = starts.len();
            let m = starts[n - 1].hi + 1;
            let started = &started[..n];
            let total: u32 = started.iter().sum();
            // `total` breaks spread over the candidates by `picks`.
            let mut b = vec![0u32; m];
            for k in 0..total as usize {
                b[picks.get(k).copied().unwrap_or(k) % m] += 1;
            }
            let holds = |runs: &[(usize, usize)]| {
                runs.iter().all(|&(i, j)| {
                    let inside: u32 = b[starts[i].lo..=starts[j].hi].iter().sum();
                    inside >= started[i..=j].iter().sum::<u32>()
                })
            };
            let every: Vec<(usize, usize)> =
                (0..n).flat_map(|i| (i..n).map(move |j| (i, j))).collect();
            let reduced = holds(&break_runs(&starts));
            prop_assert_eq!(reduced, holds(&every));
            prop_assert_eq!(reduced, assignable(&starts, started, &mut b.clone(), 0));
        }
    }
}
