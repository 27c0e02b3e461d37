//! Requirements planned for the odds of each day (`objective.risk` with
//! the forecast's residual days, docs/risk.md).
//!
//! A day meets its target when the contacts answered in time over all the
//! day's contacts reach the target share, so what a day risks is the error
//! of the whole day: its level and the shape of its errors within the day.
//! The drill's model of that error (`drill`, [`VolumeModel::Residuals`]:
//! one past day drawn from the forecast's residual days, centred, applied
//! to the forecast) is used here the other way round: per queue and day,
//! every residual day is applied to the day's forecast, and the day's
//! volume is raised by the smallest uplift `u` (the same share in each of
//! its intervals, each interval staffed by Erlang for its forecast times
//! 1 + u) with which the day meets its target on at least the share `p`
//! of them.
//!
//! [`VolumeModel::Residuals`]: crate::drill::VolumeModel::Residuals

use rand::distr::Distribution;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use statrs::distribution::Poisson;

use super::{delivered_service_level, meets, requirement, Target};
use crate::forecast::ResidualDay;
use crate::scenario::Queue;

/// The largest uplift searched: the day's forecast doubled.
pub const MAX_UPLIFT: f64 = 1.0;

/// Steps of the bisection for the uplift (to 2⁻²⁰ of [`MAX_UPLIFT`]).
const STEPS: usize = 20;

/// One queue's day to staff for the odds.
#[derive(Debug, Clone)]
pub struct Day<'a> {
    pub queue: &'a Queue,
    /// Erlang's staffing target of each interval.
    pub target: Target,
    /// The share of the day's contacts to answer in time.
    pub day_target: f64,
    pub shrinkage: f64,
    pub interval_minutes: u32,
    /// Per interval of the day: its slot of the day, forecast volume and
    /// handle time.
    pub intervals: Vec<(usize, f64, f64)>,
}

impl Day<'_> {
    /// Agents to schedule in each interval for its forecast times 1 + `u`.
    pub fn scheduled(&self, u: f64) -> Vec<u32> {
        self.intervals
            .iter()
            .map(|&(_, v, aht)| {
                requirement(
                    v * (1.0 + u),
                    aht,
                    self.interval_minutes,
                    self.queue,
                    &self.target,
                    self.shrinkage,
                )
                .scheduled
            })
            .collect()
    }

    /// The day's volume under each residual day, as the drill draws it:
    /// the forecast times the day's factor (m), plus the day's error of
    /// the same slot in Poisson standard deviations (m + z √m, at least 0),
    /// or a Poisson draw of mean m where that is unknown (seeded by `seed`).
    pub fn draws(&self, days: &[ResidualDay], seed: u64) -> Vec<Vec<f64>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        days.iter()
            .map(|day| {
                self.intervals
                    .iter()
                    .map(|&(slot, v, _)| {
                        let mean = v * day.factor;
                        match day.slots.get(slot).copied().flatten() {
                            Some(z) if mean > 0.0 => (mean + z * mean.sqrt()).max(0.0),
                            _ => Poisson::new(mean).map_or(0.0, |p| p.sample(&mut rng)),
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// The share of `draws` in which `scheduled` agents per interval (less
    /// shrinkage) answer the day's target share in time (a draw without
    /// contacts meets it).
    pub fn p_meet(&self, draws: &[Vec<f64>], scheduled: &[u32]) -> f64 {
        if draws.is_empty() {
            return 1.0;
        }
        let met = draws
            .iter()
            .filter(|x| {
                let (mut a, mut n) = (0.0, 0.0);
                for ((&(_, _, aht), &v), &s) in self.intervals.iter().zip(x.iter()).zip(scheduled) {
                    if v <= 0.0 {
                        continue;
                    }
                    let productive = s as f64 * (1.0 - self.shrinkage);
                    let sl = delivered_service_level(
                        productive,
                        v,
                        aht,
                        self.interval_minutes,
                        self.queue,
                    );
                    a += sl * v;
                    n += v;
                }
                n <= 0.0 || meets(a / n, self.day_target)
            })
            .count();
        met as f64 / draws.len() as f64
    }

    /// The smallest uplift in [0, [`MAX_UPLIFT`]] with which the day meets
    /// its target in at least the share `p` of `draws` ([`MAX_UPLIFT`]
    /// when none does). More volume never staffs fewer agents, so the share
    /// never falls as the uplift grows: bisected.
    pub fn uplift(&self, draws: &[Vec<f64>], p: f64) -> f64 {
        let enough = |u: f64| self.p_meet(draws, &self.scheduled(u)) >= p - 1e-12;
        if enough(0.0) {
            return 0.0;
        }
        if !enough(MAX_UPLIFT) {
            return MAX_UPLIFT;
        }
        let (mut lo, mut hi) = (0.0, MAX_UPLIFT);
        for _ in 0..STEPS {
            let mid = 0.5 * (lo + hi);
            if enough(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }
}
