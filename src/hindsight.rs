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
use crate::scenario::{Queue, Scenario};
use crate::staffing::{risk, risk_day};

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

/// One queue's held-out day, and the margin it would have needed: the
/// smallest share `u` by which the day's forecast, raised in every interval
/// and staffed by Erlang for forecast × (1 + u) (`staffing::risk::Day`, as
/// `objective.risk` staffs a day), would have met the day's target on what
/// really arrived. One margin for every day, chosen knowing how the days
/// came out, is the most any rule that raises a day's forecast by a share
/// can buy with it: [`margin_curve`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayMargin {
    pub date: NaiveDate,
    pub queue: String,
    /// Contacts forecast and contacts that really arrived, over the day's
    /// intervals with a known actual.
    pub forecast: f64,
    pub actual: f64,
    /// The uplift needed: 0 when Erlang's staffing for the forecast itself
    /// met the target, `None` when not even the forecast doubled
    /// ([`crate::staffing::risk::MAX_UPLIFT`]) would have.
    pub needed: Option<f64>,
    /// Per interval judged: (slot of the day, forecast volume, handle time,
    /// actual volume).
    #[serde(skip)]
    intervals: Vec<(usize, f64, f64, f64)>,
}

impl DayMargin {
    /// The day to staff for the odds (`risk::Day`, whose `scheduled(u)` is
    /// Erlang's staffing of the forecast raised by `u`), for the
    /// scenario's queue `q`.
    fn day<'a>(&self, scenario: &Scenario, q: &'a Queue, step: u32) -> risk::Day<'a> {
        risk_day(
            scenario,
            q,
            step,
            self.intervals
                .iter()
                .map(|&(slot, v, aht, _)| (slot, v, aht))
                .collect(),
        )
    }

    /// The forecast and handle time the day was staffed for, and the
    /// actual volume, per interval judged (slot of the day first).
    pub fn intervals(&self) -> &[(usize, f64, f64, f64)] {
        &self.intervals
    }
}

/// The held-out days of the week from `start`: each queue's forecast from
/// the history before the week (as `rota plan` makes it) against the
/// week's actuals, and the uplift each day would have needed
/// ([`DayMargin`]). No roster: Erlang's staffing of the raised forecast.
/// Deferred queues (email, tickets) and days without contacts are left out.
pub fn margins_week(inputs: &Inputs, start: NaiveDate) -> Result<Vec<DayMargin>> {
    let mut sc = inputs.scenario().clone();
    sc.planning.week_start = start;
    let inputs = inputs.with_scenario(sc);
    let sc = inputs.scenario();
    let h = &inputs.horizon;
    let step = h.interval_minutes;
    let forecast = inputs.forecast()?;
    let actual = crate::forecast::actuals(&inputs.loaded, &inputs.history, h);
    let mut out = Vec::new();
    for ((q, f), a) in sc.queues.iter().zip(&forecast.queues).zip(&actual) {
        if q.channel.is_deferred() {
            continue;
        }
        for (d, &date) in h.dates.iter().enumerate() {
            let intervals: Vec<(usize, f64, f64, f64)> = h
                .intervals
                .iter()
                .enumerate()
                .filter(|(_, iv)| iv.day == d)
                .filter_map(|(t, iv)| {
                    let y = a.get(t).copied().flatten()?;
                    (y > 0.0 || f.volume[t] > 0.0).then_some((
                        (iv.minute_of_day / step) as usize,
                        f.volume[t],
                        f.aht_seconds[t],
                        y,
                    ))
                })
                .collect();
            let contacts: f64 = intervals.iter().map(|i| i.3).sum();
            if contacts <= 0.0 {
                continue;
            }
            let mut m = DayMargin {
                date,
                queue: q.id.clone(),
                forecast: intervals.iter().map(|i| i.1).sum(),
                actual: contacts,
                needed: None,
                intervals,
            };
            let day = m.day(sc, q, step);
            let draws = vec![m.intervals.iter().map(|i| i.3).collect::<Vec<f64>>()];
            let doubled = day.scheduled(risk::MAX_UPLIFT);
            m.needed = (day.p_meet(&draws, &doubled) >= 1.0).then(|| day.uplift(&draws, 1.0));
            out.push(m);
        }
    }
    Ok(out)
}

/// One queue's held-out days with a single uplift for every day: how many
/// would have met the target, and Erlang's scheduled agent-hours for them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarginPoint {
    pub queue: String,
    pub uplift: f64,
    pub days: usize,
    pub days_met: usize,
    pub required_hours: f64,
    /// Required hours above those of the forecast itself (uplift 0), as a
    /// share of them.
    pub above_point: f64,
}

/// For each queue of `days` and each uplift of `uplifts` (ascending), the
/// days met and the hours required (`scenario`, `interval_minutes`: the
/// plan's, whose queues the days name).
pub fn margin_curve(
    scenario: &Scenario,
    interval_minutes: u32,
    days: &[DayMargin],
    uplifts: &[f64],
) -> Vec<MarginPoint> {
    let hours = interval_minutes as f64 / 60.0;
    let mut out = Vec::new();
    for q in &scenario.queues {
        let mine: Vec<&DayMargin> = days.iter().filter(|m| m.queue == q.id).collect();
        if mine.is_empty() {
            continue;
        }
        let required = |u: f64| -> f64 {
            mine.iter()
                .map(|m| {
                    let staff = m.day(scenario, q, interval_minutes).scheduled(u);
                    staff.iter().map(|&s| s as f64).sum::<f64>() * hours
                })
                .sum()
        };
        let point = required(0.0);
        for &u in uplifts {
            let r = required(u);
            out.push(MarginPoint {
                queue: q.id.clone(),
                uplift: u,
                days: mine.len(),
                days_met: mine
                    .iter()
                    .filter(|m| m.needed.is_some_and(|n| n <= u))
                    .count(),
                required_hours: r,
                above_point: if point > 0.0 { r / point - 1.0 } else { 0.0 },
            });
        }
    }
    out
}

/// The smallest single uplift with which at least the share `share` of
/// queue `queue`'s `days` would have met the target (`None` when more of
/// them than that were out of reach, or there are none).
pub fn uplift_for(days: &[DayMargin], queue: &str, share: f64) -> Option<f64> {
    let mut needed: Vec<Option<f64>> = days
        .iter()
        .filter(|m| m.queue == queue)
        .map(|m| m.needed)
        .collect();
    if needed.is_empty() {
        return None;
    }
    // Out of reach last.
    needed.sort_by(|a, b| match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let k = ((share * needed.len() as f64) - 1e-9).ceil().max(1.0) as usize;
    needed.get(k - 1).copied().flatten()
}
