//! The odds of a roster: its staff judged against many drawn weeks
//! (`rota drill`, `docs/risk.md`), and the judgement of staff against one
//! week's volume that `hindsight` uses on real weeks.
//!
//! A drawn week takes the forecast and, per queue and day, applies the
//! errors of one past day drawn at random from the forecast's residual
//! days (`forecast.calibration_weeks`: the calibration days, each forecast
//! from the days before its week): that day's total over its forecast
//! multiplies the whole day, and each interval gets that day's own error
//! of the same slot in Poisson standard deviations, so the day's level,
//! its bias and the intraday pattern of its errors come together as they
//! did. Without residual days (or with [`VolumeModel::Band`]) it multiplies
//! the day by one log-normal factor whose median and spread are the
//! forecast band's (`forecast.band`: the band's ends are that factor's
//! quantiles), then draws each interval's contacts from a Poisson law of
//! that mean. Named days may get a volume shock on top. Each agent's shift of a day is
//! missed whole with the absence rate. The staff left is judged by the same
//! Erlang arithmetic as `report::evaluate` (`staffing::delivered_service_level`
//! with the queue's shrinkage), so a drill without noise reproduces the
//! point evaluation exactly.
//!
//! An absent agent serving one queue takes their time off that queue. A
//! multi-skilled agent's time is taken off their queues in the proportion
//! the roster's routing gave multi-skilled time to each queue in that
//! interval (the routing itself is not solved again in each drawn week).
//!
//! The reserve pool per queue and day is the fewest on-call agents, each
//! on duty over the day's busiest window of the longest shift length
//! (by forecast volume), that bring the share of drawn weeks meeting the
//! day's target to the asked probability.
//!
//! Each drawn week has a ChaCha8 stream of its own, seeded from the seed
//! and the week's number, so the result does not depend on the threads.

use chrono::NaiveDate;
use rand::distr::Distribution;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, Poisson};

use crate::forecast::{centred, Forecast, ResidualDay};
use crate::horizon::Horizon;
use crate::report::{shift_queues, Evaluation};
use crate::roster::model::Roster;
use crate::scenario::Scenario;
use crate::staffing::{delivered_service_level, QueueRequirements};

/// One queue's week judged against some volume.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueWeek {
    pub queue: String,
    /// The service level each day and the week must reach.
    pub target: f64,
    /// Contacts judged (intervals with a known volume).
    pub contacts: f64,
    /// Contacts answered within the threshold.
    pub in_time: f64,
    /// Per day: (contacts answered in time, contacts); (0, 0) for a day
    /// with no contacts or none known.
    pub days: Vec<(f64, f64)>,
    /// Intervals with contacts.
    pub intervals: usize,
    /// Of those, the intervals whose service level reaches the target.
    pub intervals_met: usize,
}

impl QueueWeek {
    /// Contact-weighted service level over the week (1 without contacts).
    pub fn service_level(&self) -> f64 {
        if self.contacts > 0.0 {
            self.in_time / self.contacts
        } else {
            1.0
        }
    }

    /// Contacts not answered within the threshold.
    pub fn late(&self) -> f64 {
        self.contacts - self.in_time
    }

    /// The service level of day `d`, `None` without contacts.
    pub fn day_level(&self, d: usize) -> Option<f64> {
        let (a, v) = self.days[d];
        (v > 0.0).then(|| a / v)
    }

    /// Days with contacts.
    pub fn days_judged(&self) -> usize {
        self.days.iter().filter(|d| d.1 > 0.0).count()
    }

    /// Days with contacts whose answered-in-time share reaches the target.
    pub fn days_met(&self) -> usize {
        (0..self.days.len())
            .filter(|&d| self.day_level(d).is_some_and(|l| meets(l, self.target)))
            .count()
    }
}

pub use crate::staffing::meets;

/// Judges one voice or chat queue: `staffed[t]` agents on the queue (net
/// of breaks, before shrinkage, as `report::IntervalKpi::staffed`) against
/// `volume[t]` contacts of `aht[t]` seconds; intervals of unknown volume
/// are not judged. `None` for deferred work, which has no interval level.
pub fn judge_queue(
    scenario: &Scenario,
    horizon: &Horizon,
    qi: usize,
    staffed: &[f64],
    volume: &[Option<f64>],
    aht: &[f64],
) -> Option<QueueWeek> {
    let q = &scenario.queues[qi];
    if q.channel.is_deferred() {
        return None;
    }
    let shrink = scenario.shrinkage(q);
    let target = scenario.sl_goal(q).target;
    let mut w = QueueWeek {
        queue: q.id.clone(),
        target,
        contacts: 0.0,
        in_time: 0.0,
        days: vec![(0.0, 0.0); horizon.dates.len()],
        intervals: 0,
        intervals_met: 0,
    };
    for (t, iv) in horizon.intervals.iter().enumerate() {
        let Some(v) = volume[t].filter(|&v| v > 0.0) else {
            continue;
        };
        let productive = staffed[t] * (1.0 - shrink);
        let sl = delivered_service_level(productive, v, aht[t], horizon.interval_minutes, q);
        w.contacts += v;
        w.in_time += sl * v;
        w.days[iv.day].0 += sl * v;
        w.days[iv.day].1 += v;
        w.intervals += 1;
        if meets(sl, q.service_level.target) {
            w.intervals_met += 1;
        }
    }
    Some(w)
}

/// Judges every queue of a roster's staff (`staffed[q][t]`) against
/// `volume[q][t]` (`None`: unknown, not judged) of `aht[q][t]` seconds.
pub fn judge(
    scenario: &Scenario,
    horizon: &Horizon,
    staffed: &[Vec<f64>],
    volume: &[Vec<Option<f64>>],
    aht: &[Vec<f64>],
) -> Vec<Option<QueueWeek>> {
    (0..scenario.queues.len())
        .map(|qi| judge_queue(scenario, horizon, qi, &staffed[qi], &volume[qi], &aht[qi]))
        .collect()
}

/// The staff of an evaluated roster per queue and interval.
pub fn staffed(evaluation: &Evaluation) -> Vec<Vec<f64>> {
    evaluation
        .intervals
        .iter()
        .map(|q| q.iter().map(|k| k.staffed).collect())
        .collect()
}

/// A volume shock: every queue's volume on `date` times `multiplier`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shock {
    pub date: NaiveDate,
    pub multiplier: f64,
}

/// How a drawn week's volume departs from the forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VolumeModel {
    /// One past day's errors per day, drawn from the forecast's residual
    /// days; the band's factor for a queue with fewer than
    /// [`MIN_RESIDUAL_DAYS`].
    #[default]
    Residuals,
    /// One log-normal factor per day from the band, Poisson within it.
    Band,
}

pub use crate::forecast::MIN_RESIDUAL_DAYS;

/// How the weeks are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Weeks drawn.
    pub weeks: usize,
    pub seed: u64,
    /// Whether volume is drawn (false: the forecast as it is).
    pub volume_noise: bool,
    /// How it is drawn.
    pub volume_model: VolumeModel,
    /// Probability that an agent misses a whole rostered day.
    pub absence_rate: f64,
    pub shocks: Vec<Shock>,
    /// The probability of meeting each day's target the reserve pool is sized for.
    pub probability: f64,
    /// The most on-call agents tried per queue and day.
    pub max_reserve: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            weeks: 1000,
            seed: 1,
            volume_noise: true,
            volume_model: VolumeModel::Residuals,
            absence_rate: 0.0,
            shocks: Vec::new(),
            probability: 0.9,
            max_reserve: 50,
        }
    }
}

/// One drawn week: staff and volume per queue and interval.
type Draw = (Vec<Vec<f64>>, Vec<Vec<f64>>);

/// What taking one agent's shift away removes: per interval, the staff per queue.
type Loss = Vec<(usize, Vec<(usize, f64)>)>;

/// A roster ready to drill: its staff, the point forecast and the band's
/// log-normal factor of each queue and day.
#[derive(Debug, Clone)]
pub struct Basis {
    staffed: Vec<Vec<f64>>,
    volume: Vec<Vec<f64>>,
    aht: Vec<Vec<f64>>,
    /// Per queue and day: (log median, log spread) of the day's factor.
    factor: Vec<Vec<(f64, f64)>>,
    /// Per queue, the forecast's residual days, their factors divided by
    /// their median.
    residuals: Vec<Vec<ResidualDay>>,
    /// Per interval, its slot of the day.
    slot: Vec<usize>,
    /// Per shift: its day and the staff it brings.
    shifts: Vec<(usize, Loss)>,
}

impl Basis {
    /// The basis of `roster` evaluated as `evaluation` against `reqs`
    /// (the point forecast `forecast`, whose band gives the spread).
    pub fn new(
        scenario: &Scenario,
        horizon: &Horizon,
        forecast: &Forecast,
        reqs: &[QueueRequirements],
        roster: &Roster,
        evaluation: &Evaluation,
    ) -> Basis {
        let nq = scenario.queues.len();
        let nt = horizon.intervals.len();
        let staffed = staffed(evaluation);
        let volume: Vec<Vec<f64>> = reqs
            .iter()
            .map(|r| r.intervals.iter().map(|i| i.volume).collect())
            .collect();
        let aht: Vec<Vec<f64>> = reqs
            .iter()
            .map(|r| r.intervals.iter().map(|i| i.aht_seconds).collect())
            .collect();
        let [b_lo, b_hi] = scenario.forecast.band;
        let z = |p: f64| Normal::standard().inverse_cdf(p);
        let (z_lo, z_hi) = (z(b_lo), z(b_hi));
        let factor = (0..nq)
            .map(|qi| {
                let mut days = vec![(0.0, 0.0, 0.0, 0.0); horizon.dates.len()];
                if let Some(f) = forecast.queues.get(qi) {
                    for (t, iv) in horizon.intervals.iter().enumerate() {
                        let v = f.volume[t];
                        if v <= 0.0 || f.volume_p10[t] <= 0.0 {
                            continue;
                        }
                        let d = &mut days[iv.day];
                        d.0 += v * (f.volume_p10[t] / v).ln();
                        d.1 += v * (f.volume_p90[t] / v).ln();
                        d.2 += v;
                    }
                }
                days.iter()
                    .map(|&(lo, hi, w, _)| {
                        if w <= 0.0 || z_hi <= z_lo {
                            return (0.0, 0.0);
                        }
                        let (lo, hi) = (lo / w, hi / w);
                        let sigma = ((hi - lo) / (z_hi - z_lo)).max(0.0);
                        (hi - sigma * z_hi, sigma)
                    })
                    .collect()
            })
            .collect();
        // Staff per queue from agents who serve one queue, and the time of
        // multi-skilled agents, per interval.
        let mut single = vec![vec![0.0; nt]; nq];
        let mut multi = vec![0.0; nt];
        let presence: Vec<_> = roster.shifts.iter().map(|s| s.presence(horizon)).collect();
        let queues: Vec<Vec<usize>> = roster
            .shifts
            .iter()
            .map(|s| shift_queues(scenario, s))
            .collect();
        let proficiency = |agent: &str, qi: usize| {
            scenario
                .agents
                .iter()
                .find(|a| a.id == agent)
                .map_or(1.0, |a| a.proficiency(&scenario.queues[qi].id))
        };
        for (i, s) in roster.shifts.iter().enumerate() {
            for &(t, f) in &presence[i] {
                match queues[i].as_slice() {
                    [qi] => single[*qi][t] += f * proficiency(&s.agent_id, *qi),
                    [] => {}
                    _ => multi[t] += f,
                }
            }
        }
        let shifts = roster
            .shifts
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let day = horizon.dates.iter().position(|d| *d == s.date)?;
                let loss = presence[i]
                    .iter()
                    .map(|&(t, f)| {
                        let per = match queues[i].as_slice() {
                            [qi] => vec![(*qi, f * proficiency(&s.agent_id, *qi))],
                            qs => qs
                                .iter()
                                .filter(|_| multi[t] > 0.0)
                                .map(|&qi| {
                                    let on = (staffed[qi][t] - single[qi][t]).max(0.0);
                                    (qi, f * on / multi[t])
                                })
                                .collect(),
                        };
                        (t, per)
                    })
                    .collect();
                Some((day, loss))
            })
            .collect();
        let residuals = (0..nq)
            .map(|qi| {
                forecast
                    .queues
                    .get(qi)
                    .map_or_else(Vec::new, |f| centred(&f.residual_days))
            })
            .collect();
        let slot = horizon
            .intervals
            .iter()
            .map(|iv| (iv.minute_of_day / horizon.interval_minutes) as usize)
            .collect();
        Basis {
            staffed,
            volume,
            aht,
            factor,
            residuals,
            slot,
            shifts,
        }
    }

    /// One drawn week: staff and volume per queue and interval.
    fn draw(&self, horizon: &Horizon, settings: &Settings, week: usize) -> Draw {
        let seed = settings
            .seed
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .wrapping_add(week as u64);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut staffed = self.staffed.clone();
        let mut volume = self.volume.clone();
        if settings.volume_noise {
            let normal = Normal::standard();
            for (qi, vq) in volume.iter_mut().enumerate() {
                let res = &self.residuals[qi];
                if settings.volume_model == VolumeModel::Residuals && res.len() >= MIN_RESIDUAL_DAYS
                {
                    let picks: Vec<&ResidualDay> = (0..horizon.dates.len())
                        .map(|_| {
                            let u: f64 = rand::distr::StandardUniform.sample(&mut rng);
                            &res[((u * res.len() as f64) as usize).min(res.len() - 1)]
                        })
                        .collect();
                    for (t, iv) in horizon.intervals.iter().enumerate() {
                        let day = picks[iv.day];
                        let mean = vq[t] * day.factor;
                        vq[t] = match day.slots.get(self.slot[t]).copied().flatten() {
                            Some(z) if mean > 0.0 => (mean + z * mean.sqrt()).max(0.0),
                            _ => match Poisson::new(mean) {
                                Ok(p) => p.sample(&mut rng),
                                Err(_) => 0.0,
                            },
                        };
                    }
                    continue;
                }
                let factors: Vec<f64> = self.factor[qi]
                    .iter()
                    .map(|&(mu, sigma)| (mu + sigma * normal.sample(&mut rng)).exp())
                    .collect();
                for (t, iv) in horizon.intervals.iter().enumerate() {
                    let mean = vq[t] * factors[iv.day];
                    vq[t] = match Poisson::new(mean) {
                        Ok(p) => p.sample(&mut rng),
                        Err(_) => 0.0,
                    };
                }
            }
        }
        for s in &settings.shocks {
            if let Some(d) = horizon.dates.iter().position(|x| *x == s.date) {
                for vq in volume.iter_mut() {
                    for (t, iv) in horizon.intervals.iter().enumerate() {
                        if iv.day == d {
                            vq[t] *= s.multiplier;
                        }
                    }
                }
            }
        }
        if settings.absence_rate > 0.0 {
            for (_, loss) in &self.shifts {
                let u: f64 = rand::distr::StandardUniform.sample(&mut rng);
                if u < settings.absence_rate {
                    for (t, per) in loss {
                        for &(qi, x) in per {
                            staffed[qi][*t] = (staffed[qi][*t] - x).max(0.0);
                        }
                    }
                }
            }
        }
        (staffed, volume)
    }
}

/// The odds of one queue on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayOdds {
    pub date: NaiveDate,
    /// The day's service level against the point forecast (`None`: no contacts).
    pub point_service_level: Option<f64>,
    /// Share of drawn weeks in which the day meets the target.
    pub p_meet: f64,
    /// 10th percentile of the day's service level over the drawn weeks.
    pub p10_service_level: f64,
    /// Mean contacts answered late.
    pub expected_late: f64,
    /// On-call agents that bring `p_meet` to the asked probability (`None`:
    /// more than `max_reserve`).
    pub reserve: Option<u32>,
}

/// The odds of one queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueOdds {
    pub queue: String,
    pub target: f64,
    /// The week's service level against the point forecast.
    pub point_service_level: f64,
    /// Share of drawn weeks whose week-long level meets the target.
    pub p_meet_week: f64,
    /// Share of drawn weeks in which every day with contacts meets it.
    pub p_meet_every_day: f64,
    pub p10_service_level: f64,
    pub expected_late: f64,
    pub days: Vec<DayOdds>,
}

/// A drill's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Odds {
    pub weeks: usize,
    pub seed: u64,
    pub absence_rate: f64,
    pub probability: f64,
    pub queues: Vec<QueueOdds>,
}

/// The `p` quantile of `xs` (sorted here), the lower of the two nearest
/// ranks (nearest-rank definition).
fn quantile(xs: &mut [f64], p: f64) -> f64 {
    if xs.is_empty() {
        return 1.0;
    }
    xs.sort_by(|a, b| a.total_cmp(b));
    let k = ((p * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
    xs[k - 1]
}

/// Drills a roster: draws `settings.weeks` weeks, judges the roster's staff
/// in each and sizes the reserve pool.
pub fn drill(scenario: &Scenario, horizon: &Horizon, basis: &Basis, settings: &Settings) -> Odds {
    let draws: Vec<Draw> = (0..settings.weeks)
        .into_par_iter()
        .map(|w| basis.draw(horizon, settings, w))
        .collect();
    let judged: Vec<Vec<Option<QueueWeek>>> = draws
        .par_iter()
        .map(|(staffed, volume)| {
            let volume: Vec<Vec<Option<f64>>> = volume
                .iter()
                .map(|v| v.iter().map(|&x| Some(x)).collect())
                .collect();
            judge(scenario, horizon, staffed, &volume, &basis.aht)
        })
        .collect();
    let point_volume: Vec<Vec<Option<f64>>> = basis
        .volume
        .iter()
        .map(|v| v.iter().map(|&x| Some(x)).collect())
        .collect();
    let point = judge(scenario, horizon, &basis.staffed, &point_volume, &basis.aht);
    let n = settings.weeks.max(1) as f64;
    let longest = scenario
        .rules
        .templates()
        .iter()
        .flat_map(|t| t.lengths_hours.clone())
        .fold(0.0, f64::max);
    let window = ((longest * 60.0 / horizon.interval_minutes as f64).round() as usize).max(1);
    let mut queues = Vec::new();
    for (qi, p) in point.iter().enumerate() {
        let Some(p) = p else { continue };
        let weeks: Vec<&QueueWeek> = judged.iter().filter_map(|j| j[qi].as_ref()).collect();
        let mut levels: Vec<f64> = weeks.iter().map(|w| w.service_level()).collect();
        let days = (0..horizon.dates.len())
            .map(|d| {
                let mut lv: Vec<f64> = weeks.iter().filter_map(|w| w.day_level(d)).collect();
                let met = weeks
                    .iter()
                    .filter(|w| w.day_level(d).is_none_or(|l| meets(l, p.target)))
                    .count();
                let p_meet = met as f64 / n;
                let late = weeks.iter().map(|w| w.days[d].1 - w.days[d].0).sum::<f64>() / n;
                let reserve = if p.days[d].1 <= 0.0 || p_meet >= settings.probability - 1e-12 {
                    Some(0)
                } else {
                    reserve(scenario, horizon, basis, &draws, qi, d, window, settings)
                };
                DayOdds {
                    date: horizon.dates[d],
                    point_service_level: p.day_level(d),
                    p_meet,
                    p10_service_level: quantile(&mut lv, 0.1),
                    expected_late: late,
                    reserve,
                }
            })
            .collect();
        queues.push(QueueOdds {
            queue: p.queue.clone(),
            target: p.target,
            point_service_level: p.service_level(),
            p_meet_week: weeks
                .iter()
                .filter(|w| meets(w.service_level(), p.target))
                .count() as f64
                / n,
            p_meet_every_day: weeks
                .iter()
                .filter(|w| w.days_met() == w.days_judged())
                .count() as f64
                / n,
            p10_service_level: quantile(&mut levels, 0.1),
            expected_late: weeks.iter().map(|w| w.late()).sum::<f64>() / n,
            days,
        });
    }
    Odds {
        weeks: settings.weeks,
        seed: settings.seed,
        absence_rate: settings.absence_rate,
        probability: settings.probability,
        queues,
    }
}

/// The fewest on-call agents for queue `qi` on day `d`, on duty over the
/// day's busiest `window` intervals by forecast volume, with which the
/// share of drawn weeks meeting the day's target reaches the probability.
#[allow(clippy::too_many_arguments)]
fn reserve(
    scenario: &Scenario,
    horizon: &Horizon,
    basis: &Basis,
    draws: &[Draw],
    qi: usize,
    d: usize,
    window: usize,
    settings: &Settings,
) -> Option<u32> {
    let q = &scenario.queues[qi];
    let target = scenario.sl_goal(q).target;
    let shrink = scenario.shrinkage(q);
    let ts: Vec<usize> = (0..horizon.intervals.len())
        .filter(|&t| horizon.intervals[t].day == d)
        .collect();
    if ts.is_empty() {
        return Some(0);
    }
    let vol = &basis.volume[qi];
    let best = (0..ts.len().saturating_sub(window.min(ts.len())) + 1)
        .max_by(|&a, &b| {
            let s = |i: usize| {
                ts[i..(i + window).min(ts.len())]
                    .iter()
                    .map(|&t| vol[t])
                    .sum::<f64>()
            };
            s(a).total_cmp(&s(b)).then(b.cmp(&a))
        })
        .unwrap_or(0);
    let covered = |t: usize| {
        let i = ts.iter().position(|&x| x == t).unwrap_or(0);
        i >= best && i < best + window
    };
    let needed = (settings.probability * settings.weeks as f64 - 1e-9).ceil() as usize;
    let enough = |k: u32| {
        let met = draws
            .par_iter()
            .filter(|(staffed, volume)| {
                let (mut a, mut v) = (0.0, 0.0);
                for &t in &ts {
                    let x = volume[qi][t];
                    if x <= 0.0 {
                        continue;
                    }
                    let extra = if covered(t) { k as f64 } else { 0.0 };
                    let productive = (staffed[qi][t] + extra) * (1.0 - shrink);
                    let sl = delivered_service_level(
                        productive,
                        x,
                        basis.aht[qi][t],
                        horizon.interval_minutes,
                        q,
                    );
                    a += sl * x;
                    v += x;
                }
                v <= 0.0 || meets(a / v, target)
            })
            .count();
        met >= needed
    };
    // More agents never lower a day's level: bisect for the fewest.
    if !enough(settings.max_reserve) {
        return None;
    }
    let (mut lo, mut hi) = (0, settings.max_reserve);
    if enough(0) {
        return Some(0);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if enough(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}
