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
    /// Per queue, the days the drill (`drill::DRILL_WEEKS` weeks drawn
    /// around the forecast, no absence) expects to meet the target: the sum
    /// of its P(day meets target) over the days judged in `realised`.
    pub drilled_days_met: Vec<f64>,
    /// The same with the drill's band model (`drill::VolumeModel::Band`:
    /// one log-normal factor a day from the band), for comparison.
    pub drilled_days_met_band: Vec<f64>,
    /// Per queue, where the actuals fell against the forecast band.
    pub band: Vec<BandCoverage>,
}

/// Where one queue's actuals fell against the forecast band
/// (`forecast.band`), over the intervals with a known actual where the
/// forecast or the actual is above zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandCoverage {
    pub queue: String,
    pub cells: usize,
    /// Actuals below the band's lower end.
    pub below: usize,
    /// Actuals above its upper end.
    pub above: usize,
}

impl BandCoverage {
    /// Share of cells inside the band.
    pub fn inside(&self) -> f64 {
        if self.cells == 0 {
            return 1.0;
        }
        1.0 - (self.below + self.above) as f64 / self.cells as f64
    }
}

/// Where `actual` fell against the band of `forecast`, per queue.
pub fn band_coverage(
    forecast: &crate::forecast::Forecast,
    actual: &[Vec<Option<f64>>],
) -> Vec<BandCoverage> {
    forecast
        .queues
        .iter()
        .zip(actual)
        .map(|(f, a)| {
            let mut c = BandCoverage {
                queue: f.queue.clone(),
                cells: 0,
                below: 0,
                above: 0,
            };
            for (t, y) in a.iter().enumerate() {
                let Some(y) = *y else { continue };
                if y <= 0.0 && f.volume[t] <= 0.0 {
                    continue;
                }
                c.cells += 1;
                if y < f.volume_p10[t] {
                    c.below += 1;
                } else if y > f.volume_p90[t] {
                    c.above += 1;
                }
            }
            c
        })
        .collect()
}

/// The band of the forecast of the week from `start` (from the history
/// before it) against the week's actuals, without rostering it.
pub fn band_week(inputs: &Inputs, start: NaiveDate) -> Result<Vec<BandCoverage>> {
    let mut sc = inputs.scenario().clone();
    sc.planning.week_start = start;
    let inputs = inputs.with_scenario(sc);
    let forecast = inputs.forecast()?;
    let actual = crate::forecast::actuals(&inputs.loaded, &inputs.history, &inputs.horizon);
    Ok(band_coverage(&forecast, &actual))
}

/// The band coverage of several weeks, summed per queue.
pub fn band_total(weeks: &[Vec<BandCoverage>]) -> Vec<BandCoverage> {
    let mut out: Vec<BandCoverage> = Vec::new();
    for w in weeks {
        for c in w {
            match out.iter_mut().find(|o| o.queue == c.queue) {
                Some(o) => {
                    o.cells += c.cells;
                    o.below += c.below;
                    o.above += c.above;
                }
                None => out.push(c.clone()),
            }
        }
    }
    out
}

/// Weeks drawn to drill each held-out week's roster.
pub const DRILL_WEEKS: usize = 500;

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
    let basis = crate::drill::Basis::new(
        sc,
        h,
        &outcome.forecast,
        &outcome.requirements,
        &outcome.solved.roster,
        &outcome.evaluation,
    );
    let settings = crate::drill::Settings {
        weeks: DRILL_WEEKS,
        max_reserve: 0,
        ..crate::drill::Settings::default()
    };
    let realised: Vec<QueueWeek> = judge(sc, h, &staff, &actual, &aht)
        .into_iter()
        .flatten()
        .collect();
    let expected = |model: crate::drill::VolumeModel| -> Vec<f64> {
        let settings = crate::drill::Settings {
            volume_model: model,
            ..settings.clone()
        };
        let odds = crate::drill::drill(sc, h, &basis, &settings);
        realised
            .iter()
            .map(|r| {
                odds.queues
                    .iter()
                    .find(|q| q.queue == r.queue)
                    .map_or(0.0, |q| {
                        q.days
                            .iter()
                            .enumerate()
                            .filter(|(d, _)| r.days[*d].1 > 0.0)
                            .map(|(_, x)| x.p_meet)
                            .sum()
                    })
            })
            .collect()
    };
    let drilled_days_met = expected(crate::drill::VolumeModel::Residuals);
    let drilled_days_met_band = expected(crate::drill::VolumeModel::Band);
    Ok(Week {
        start: sc.planning.week_start,
        paid_hours: outcome.solved.roster.paid_hours(),
        required_hours,
        violations: outcome.violations.len(),
        predicted: judge(sc, h, &staff, &forecast, &aht)
            .into_iter()
            .flatten()
            .collect(),
        band: band_coverage(&outcome.forecast, &actual),
        realised,
        drilled_days_met,
        drilled_days_met_band,
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
    /// Per queue, the days the drill expected to meet the target (of
    /// `realised`'s days).
    pub drilled_days_met: Vec<f64>,
    /// The same with the band model.
    pub drilled_days_met_band: Vec<f64>,
    /// Per queue, where the actuals fell against the band.
    pub band: Vec<BandCoverage>,
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
        drilled_days_met: (0..nq)
            .map(|qi| {
                weeks
                    .iter()
                    .filter_map(|w| w.drilled_days_met.get(qi))
                    .sum()
            })
            .collect(),
        drilled_days_met_band: (0..nq)
            .map(|qi| {
                weeks
                    .iter()
                    .filter_map(|w| w.drilled_days_met_band.get(qi))
                    .sum()
            })
            .collect(),
        band: band_total(&weeks.iter().map(|w| w.band.clone()).collect::<Vec<_>>()),
    }
}
