//! Plans judged against what really arrived (`rota backtest-plan`,
//! `docs/risk.md`): for each held-out week of a scenario's history, the
//! whole pipeline runs as if that week were the plan (forecast from the
//! days before it, Erlang requirements, roster), and the roster's staff is
//! judged twice by the same arithmetic (`drill::judge`): against the
//! forecast it was planned for (the prediction) and against the week's
//! actual volume with the same handle time (the realised level).

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::drill::{judge, staffed, QueueWeek};
use crate::error::Result;
use crate::plan::Inputs;

/// One held-out week, planned and judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    pub start: NaiveDate,
    /// Paid hours of the week's roster.
    pub paid_hours: f64,
    /// Agent-hours Erlang requires against the forecast (after shrinkage).
    pub required_hours: f64,
    /// Rule violations of the roster (0 for a roster rota writes).
    pub violations: usize,
    /// Per queue (voice and chat), judged against the forecast.
    pub predicted: Vec<QueueWeek>,
    /// Per queue, judged against the actual volume (known intervals only).
    pub realised: Vec<QueueWeek>,
}

/// The Mondays (the plan's weekday) of the `count` weeks before the
/// scenario's planning week, oldest first.
pub fn held_out(inputs: &Inputs, count: u32) -> Vec<NaiveDate> {
    let start = inputs.scenario().planning.week_start;
    (1..=count as i64)
        .rev()
        .map(|k| start - Duration::weeks(k))
        .collect()
}

/// Plans the week from `start` (the scenario's days) from the history
/// before it, and judges the roster against the forecast and the actuals.
pub fn week(inputs: &Inputs, start: NaiveDate) -> Result<Week> {
    let mut sc = inputs.scenario().clone();
    sc.planning.week_start = start;
    let inputs = inputs.with_scenario(sc);
    let outcome = inputs.run()?;
    judged(&inputs, &outcome)
}

/// Judges a plan's outcome against its forecast and against the actuals of
/// its own days in the inputs' history.
pub fn judged(inputs: &Inputs, outcome: &crate::plan::Outcome) -> Result<Week> {
    let sc = inputs.scenario();
    let h = &inputs.horizon;
    let staff = staffed(&outcome.evaluation);
    let aht: Vec<Vec<f64>> = outcome
        .requirements
        .iter()
        .map(|r| r.intervals.iter().map(|i| i.aht_seconds).collect())
        .collect();
    let forecast: Vec<Vec<Option<f64>>> = outcome
        .requirements
        .iter()
        .map(|r| r.intervals.iter().map(|i| Some(i.volume)).collect())
        .collect();
    let actual = crate::forecast::actuals(&inputs.loaded, &inputs.history, h);
    let required_hours = outcome
        .requirements
        .iter()
        .flat_map(|r| &r.intervals)
        .map(|i| i.scheduled as f64)
        .sum::<f64>()
        * h.interval_hours();
    Ok(Week {
        start: sc.planning.week_start,
        paid_hours: outcome.solved.roster.paid_hours(),
        required_hours,
        violations: outcome.violations.len(),
        predicted: judge(sc, h, &staff, &forecast, &aht)
            .into_iter()
            .flatten()
            .collect(),
        realised: judge(sc, h, &staff, &actual, &aht)
            .into_iter()
            .flatten()
            .collect(),
    })
}

/// Totals over several weeks (per queue, in order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overall {
    pub weeks: usize,
    pub paid_hours: f64,
    pub required_hours: f64,
    pub predicted: Vec<Totals>,
    pub realised: Vec<Totals>,
}

/// One queue's totals over several weeks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    pub queue: String,
    pub target: f64,
    pub contacts: f64,
    pub late: f64,
    pub service_level: f64,
    pub days: usize,
    pub days_met: usize,
    pub intervals: usize,
    pub intervals_met: usize,
}

/// The totals of one queue's weeks (`None` without weeks).
pub fn totals(per_week: &[&QueueWeek]) -> Option<Totals> {
    let first = per_week.first()?;
    let contacts: f64 = per_week.iter().map(|w| w.contacts).sum();
    let in_time: f64 = per_week.iter().map(|w| w.in_time).sum();
    Some(Totals {
        queue: first.queue.clone(),
        target: first.target,
        contacts,
        late: contacts - in_time,
        service_level: if contacts > 0.0 {
            in_time / contacts
        } else {
            1.0
        },
        days: per_week.iter().map(|w| w.days_judged()).sum(),
        days_met: per_week.iter().map(|w| w.days_met()).sum(),
        intervals: per_week.iter().map(|w| w.intervals).sum(),
        intervals_met: per_week.iter().map(|w| w.intervals_met).sum(),
    })
}

/// The totals of `weeks`.
pub fn overall(weeks: &[Week]) -> Overall {
    let nq = weeks.first().map_or(0, |w| w.predicted.len());
    let per = |pick: fn(&Week) -> &Vec<QueueWeek>| {
        (0..nq)
            .filter_map(|qi| {
                totals(
                    &weeks
                        .iter()
                        .filter_map(|w| pick(w).get(qi))
                        .collect::<Vec<_>>(),
                )
            })
            .collect()
    };
    Overall {
        weeks: weeks.len(),
        paid_hours: weeks.iter().map(|w| w.paid_hours).sum(),
        required_hours: weeks.iter().map(|w| w.required_hours).sum(),
        predicted: per(|w| &w.predicted),
        realised: per(|w| &w.realised),
    }
}
