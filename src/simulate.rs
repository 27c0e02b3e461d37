//! A discrete-event simulation of a roster (see `docs/simulation.md`).
//!
//! Contacts arrive per queue as a non-homogeneous Poisson process with the
//! forecast rate of each interval (piecewise constant); handle times are
//! exponential with the interval's AHT, or log-normal with a given
//! coefficient of variation; callers with a patience abandon after an
//! exponential patience. Routing: an arriving contact goes to the
//! least-loaded, then longest-idle, available agent skilled for its queue; an agent who frees
//! capacity takes the contact that has waited longest among the queues they
//! serve. A voice contact takes an agent's whole capacity, a chat session
//! `1 / concurrency` of it. Email and ticket queues are not simulated.
//!
//! Each replication runs on its own ChaCha8 stream (`seed + replication`),
//! so results are reproducible and replications run in parallel.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

use rand::distr::{Distribution, Open01};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, LogNormal, StudentsT};
use statrs::statistics::Statistics;

use crate::horizon::Horizon;
use crate::roster::model::Roster;
use crate::scenario::{QueueModel, Scenario};

/// One queue as the simulation sees it.
#[derive(Debug, Clone)]
pub struct SimQueue {
    pub id: String,
    /// Service-level threshold, seconds.
    pub threshold_seconds: f64,
    /// Mean patience, seconds (`None`: callers never abandon).
    pub patience_seconds: Option<f64>,
    /// Sessions an agent serves at once (1 for voice).
    pub concurrency: u32,
    /// Arrivals per second, per interval.
    pub rate: Vec<f64>,
    /// Mean handle time per interval, seconds.
    pub aht_seconds: Vec<f64>,
}

/// One agent: the queues they serve and when they are available.
#[derive(Debug, Clone)]
pub struct SimAgent {
    /// Indices into `Model::queues`.
    pub queues: Vec<usize>,
    /// Proficiency on each of `queues` (empty: all 1): an agent at `p`
    /// handles contacts at `p` times the rate, mean handle time `AHT / p`.
    pub proficiency: Vec<f64>,
    /// Periods on duty, seconds from the horizon start, sorted, disjoint.
    pub periods: Vec<(f64, f64)>,
}

/// The whole system to simulate.
#[derive(Debug, Clone)]
pub struct Model {
    /// Interval length, seconds.
    pub interval_seconds: f64,
    pub intervals: usize,
    pub queues: Vec<SimQueue>,
    pub agents: Vec<SimAgent>,
    /// Coefficient of variation of log-normal handle times (`None`: exponential).
    pub aht_cv: Option<f64>,
}

/// Counts of one replication for one queue and interval (by arrival interval).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub arrivals: u64,
    pub answered: u64,
    pub within_threshold: u64,
    pub abandoned: u64,
    pub wait_answered: f64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.arrivals += o.arrivals;
        self.answered += o.answered;
        self.within_threshold += o.within_threshold;
        self.abandoned += o.abandoned;
        self.wait_answered += o.wait_answered;
    }
    fn sl(&self) -> Option<f64> {
        (self.arrivals > 0).then(|| self.within_threshold as f64 / self.arrivals as f64)
    }
    fn asa(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.wait_answered / self.answered as f64)
    }
    fn abandon(&self) -> Option<f64> {
        (self.arrivals > 0).then(|| self.abandoned as f64 / self.arrivals as f64)
    }
}

/// One replication's counts: per queue, per interval.
pub type Replication = Vec<Vec<Counts>>;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Arrival(usize),
    Done(usize, usize), // agent, queue
    Abandon(usize),     // contact
    On(usize),
    Off(usize),
}

#[derive(Debug, Clone, Copy)]
struct Event {
    time: f64,
    seq: u64,
    kind: Kind,
}
impl PartialEq for Event {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Event {
    fn cmp(&self, o: &Self) -> Ordering {
        self.time.total_cmp(&o.time).then(self.seq.cmp(&o.seq))
    }
}

struct Contact {
    queue: usize,
    interval: usize,
    arrived: f64,
    waiting: bool,
}

struct AgentState {
    on: bool,
    /// Share of capacity in use (a voice contact 1, a chat session 1/c).
    load: f64,
    /// When the agent last gained free capacity.
    idle_since: f64,
}

const EPS: f64 = 1e-9;

fn exp_sample(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    let u: f64 = Open01.sample(rng);
    -u.ln() * mean
}

/// Runs one replication with the given seed.
pub fn replicate(model: &Model, seed: u64) -> Replication {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let nt = model.intervals;
    let mut out = vec![vec![Counts::default(); nt]; model.queues.len()];
    let mut heap: BinaryHeap<Reverse<Event>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<Reverse<Event>>, time: f64, kind: Kind| {
        seq += 1;
        heap.push(Reverse(Event { time, seq, kind }));
    };
    let lognormal_sigma = model.aht_cv.map(|cv| (1.0 + cv * cv).ln().sqrt());
    // Next arrival of queue q after time t (piecewise-constant rate).
    let next_arrival = |rng: &mut ChaCha8Rng, q: &SimQueue, mut t: f64| -> Option<f64> {
        loop {
            let k = (t / model.interval_seconds) as usize;
            if k >= nt {
                return None;
            }
            let iend = (k + 1) as f64 * model.interval_seconds;
            let r = q.rate[k];
            if r > 0.0 {
                let c = t + exp_sample(rng, 1.0 / r);
                if c < iend {
                    return Some(c);
                }
            }
            t = iend;
        }
    };
    for (qi, q) in model.queues.iter().enumerate() {
        if let Some(t) = next_arrival(&mut rng, q, 0.0) {
            push(&mut heap, t, Kind::Arrival(qi));
        }
    }
    for (ai, a) in model.agents.iter().enumerate() {
        for &(s, e) in &a.periods {
            push(&mut heap, s, Kind::On(ai));
            push(&mut heap, e, Kind::Off(ai));
        }
    }
    let mut agents: Vec<AgentState> = model
        .agents
        .iter()
        .map(|_| AgentState {
            on: false,
            load: 0.0,
            idle_since: 0.0,
        })
        .collect();
    let by_queue: Vec<Vec<usize>> = (0..model.queues.len())
        .map(|q| {
            (0..model.agents.len())
                .filter(|&a| model.agents[a].queues.contains(&q))
                .collect()
        })
        .collect();
    let unit: Vec<f64> = model
        .queues
        .iter()
        .map(|q| 1.0 / q.concurrency.max(1) as f64)
        .collect();
    let mut contacts: Vec<Contact> = Vec::new();
    let mut waiting: Vec<VecDeque<usize>> = vec![VecDeque::new(); model.queues.len()];

    // Starts serving contact c by agent a at time now.
    macro_rules! serve {
        ($a:expr, $c:expr, $now:expr) => {{
            let (a, c, now) = ($a, $c, $now);
            let q = contacts[c].queue;
            let wait = now - contacts[c].arrived;
            let cnt = &mut out[q][contacts[c].interval];
            cnt.answered += 1;
            cnt.wait_answered += wait;
            if wait <= model.queues[q].threshold_seconds {
                cnt.within_threshold += 1;
            }
            contacts[c].waiting = false;
            agents[a].load += unit[q];
            let k = ((now / model.interval_seconds) as usize).min(nt - 1);
            let speed = model.agents[a]
                .queues
                .iter()
                .position(|&x| x == q)
                .and_then(|i| model.agents[a].proficiency.get(i))
                .copied()
                .unwrap_or(1.0);
            let mean = model.queues[q].aht_seconds[k] / speed;
            let h = match lognormal_sigma {
                Some(s) if mean > 0.0 && s > 0.0 => LogNormal::new(mean.ln() - s * s / 2.0, s)
                    .map(|d| d.sample(&mut rng))
                    .unwrap_or(mean),
                _ => exp_sample(&mut rng, mean),
            };
            push(&mut heap, now + h, Kind::Done(a, q));
        }};
    }
    // Agent a takes waiting contacts (oldest first across their queues) while they have room.
    macro_rules! pick_up {
        ($a:expr, $now:expr) => {{
            let (a, now) = ($a, $now);
            loop {
                if !agents[a].on {
                    break;
                }
                let mut best: Option<(f64, usize)> = None;
                for &q in &model.agents[a].queues {
                    while let Some(&c) = waiting[q].front() {
                        if contacts[c].waiting {
                            break;
                        }
                        waiting[q].pop_front();
                    }
                    if agents[a].load + unit[q] > 1.0 + EPS {
                        continue;
                    }
                    if let Some(&c) = waiting[q].front() {
                        let t = contacts[c].arrived;
                        if best.is_none_or(|(bt, _)| t < bt) {
                            best = Some((t, q));
                        }
                    }
                }
                match best {
                    Some((_, q)) => {
                        let c = waiting[q].pop_front().expect("front exists");
                        serve!(a, c, now);
                    }
                    None => break,
                }
            }
        }};
    }

    while let Some(Reverse(ev)) = heap.pop() {
        let now = ev.time;
        match ev.kind {
            Kind::Arrival(q) => {
                let k = ((now / model.interval_seconds) as usize).min(nt - 1);
                out[q][k].arrivals += 1;
                let c = contacts.len();
                contacts.push(Contact {
                    queue: q,
                    interval: k,
                    arrived: now,
                    waiting: true,
                });
                let u = unit[q];
                let free = by_queue[q]
                    .iter()
                    .copied()
                    .filter(|&a| agents[a].on && agents[a].load + u <= 1.0 + EPS)
                    .min_by(|&x, &y| {
                        agents[x]
                            .load
                            .total_cmp(&agents[y].load)
                            .then(agents[x].idle_since.total_cmp(&agents[y].idle_since))
                    });
                match free {
                    Some(a) => serve!(a, c, now),
                    None => {
                        waiting[q].push_back(c);
                        if let Some(p) = model.queues[q].patience_seconds {
                            push(&mut heap, now + exp_sample(&mut rng, p), Kind::Abandon(c));
                        }
                    }
                }
                if let Some(t) = next_arrival(&mut rng, &model.queues[q], now) {
                    push(&mut heap, t, Kind::Arrival(q));
                }
            }
            Kind::Done(a, q) => {
                agents[a].load = (agents[a].load - unit[q]).max(0.0);
                agents[a].idle_since = now;
                pick_up!(a, now);
            }
            Kind::Abandon(c) => {
                if contacts[c].waiting {
                    contacts[c].waiting = false;
                    out[contacts[c].queue][contacts[c].interval].abandoned += 1;
                }
            }
            Kind::On(a) => {
                agents[a].on = true;
                agents[a].idle_since = now;
                pick_up!(a, now);
            }
            Kind::Off(a) => agents[a].on = false,
        }
    }
    out
}

/// A mean with its 95 % confidence interval across replications.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    /// `None` with fewer than two replications.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Replications that had a value (e.g. with arrivals).
    pub n: usize,
}

/// The 95 % Student t interval of `xs`.
pub fn estimate(xs: &[f64]) -> Option<Estimate> {
    if xs.is_empty() {
        return None;
    }
    let n = xs.len();
    let mean = xs.iter().mean();
    if n < 2 {
        return Some(Estimate {
            mean,
            low: None,
            high: None,
            n,
        });
    }
    let sd = xs.iter().std_dev();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .expect("n − 1 ≥ 1 degrees of freedom")
        .inverse_cdf(0.975);
    let h = t * sd / (n as f64).sqrt();
    Some(Estimate {
        mean,
        low: Some(mean - h),
        high: Some(mean + h),
        n,
    })
}

/// Service level, ASA and abandonment of a set of counts, across replications.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Kpis {
    /// Mean arrivals per replication.
    pub arrivals: f64,
    pub service_level: Option<Estimate>,
    pub asa_seconds: Option<Estimate>,
    pub abandon_rate: Option<Estimate>,
}

fn kpis(reps: &[Counts]) -> Kpis {
    let pick = |f: fn(&Counts) -> Option<f64>| {
        let xs: Vec<f64> = reps.iter().filter_map(f).collect();
        estimate(&xs)
    };
    Kpis {
        arrivals: reps.iter().map(|c| c.arrivals as f64).sum::<f64>() / reps.len().max(1) as f64,
        service_level: pick(Counts::sl),
        asa_seconds: pick(Counts::asa),
        abandon_rate: pick(Counts::abandon),
    }
}

/// The result of one queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueResult {
    pub queue: String,
    pub threshold_seconds: f64,
    pub overall: Kpis,
    /// Per interval of the horizon.
    pub intervals: Vec<Kpis>,
}

/// Summary of all replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub replications: usize,
    pub seed: u64,
    pub queues: Vec<QueueResult>,
    /// Contacts simulated over all replications.
    pub contacts: u64,
}

/// Runs `replications` replications (in parallel) with seeds `seed`, `seed + 1`, ….
pub fn run(model: &Model, replications: usize, seed: u64) -> Summary {
    let reps: Vec<Replication> = (0..replications)
        .into_par_iter()
        .map(|r| replicate(model, seed.wrapping_add(r as u64)))
        .collect();
    summarize(model, &reps, seed)
}

/// Aggregates replications into means and confidence intervals.
pub fn summarize(model: &Model, reps: &[Replication], seed: u64) -> Summary {
    let mut contacts = 0;
    let queues = model
        .queues
        .iter()
        .enumerate()
        .map(|(qi, q)| {
            let totals: Vec<Counts> = reps
                .iter()
                .map(|r| {
                    let mut c = Counts::default();
                    for x in &r[qi] {
                        c.add(x);
                    }
                    c
                })
                .collect();
            contacts += totals.iter().map(|c| c.arrivals).sum::<u64>();
            let intervals = (0..model.intervals)
                .map(|t| kpis(&reps.iter().map(|r| r[qi][t]).collect::<Vec<_>>()))
                .collect();
            QueueResult {
                queue: q.id.clone(),
                threshold_seconds: q.threshold_seconds,
                overall: kpis(&totals),
                intervals,
            }
        })
        .collect();
    Summary {
        replications: reps.len(),
        seed,
        queues,
        contacts,
    }
}

/// Options of a simulation built from a scenario.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Mean patience for Erlang C queues (which otherwise never abandon), seconds.
    pub patience_seconds: Option<f64>,
    /// Log-normal handle times with this coefficient of variation.
    pub aht_cv: Option<f64>,
    /// Seed of the shrinkage draw (which agents are absent in which interval).
    pub seed: u64,
}

/// The model of a roster: the forecast's rates and handle times per queue
/// (`volume` and `aht_seconds` per queue, per interval), the roster's agents
/// on duty (shift minus breaks), each absent for a whole interval with
/// probability equal to the shrinkage of their queues (mean over the queues
/// they serve), drawn once with `options.seed`. Email and ticket queues are
/// left out; their ids are returned.
pub fn build_model(
    scenario: &Scenario,
    horizon: &Horizon,
    volume: &[Vec<f64>],
    aht: &[Vec<f64>],
    roster: &Roster,
    options: &Options,
) -> (Model, Vec<String>) {
    let len = horizon.interval_minutes as f64 * 60.0;
    let mut queues = Vec::new();
    let mut skipped = Vec::new();
    let mut index = vec![None; scenario.queues.len()];
    let mut shrink = Vec::new();
    for (qi, q) in scenario.queues.iter().enumerate() {
        if q.channel.is_deferred() {
            skipped.push(q.id.clone());
            continue;
        }
        index[qi] = Some(queues.len());
        shrink.push(scenario.shrinkage(q));
        let patience = match q.model {
            QueueModel::ErlangA => q.patience_seconds,
            QueueModel::ErlangC => options.patience_seconds,
        };
        queues.push(SimQueue {
            id: q.id.clone(),
            threshold_seconds: q.service_level.seconds,
            patience_seconds: patience,
            concurrency: if q.channel == crate::scenario::Channel::Chat {
                q.concurrency.max(1)
            } else {
                1
            },
            rate: volume[qi].iter().map(|v| v.max(0.0) / len).collect(),
            aht_seconds: aht[qi].clone(),
        });
    }
    let t0 = horizon.intervals[0].start;
    let secs = |t: chrono::DateTime<chrono_tz::Tz>| (t - t0).num_milliseconds() as f64 / 1000.0;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x5eed_5a11);
    let mut by_agent: std::collections::BTreeMap<&str, SimAgent> = Default::default();
    for s in &roster.shifts {
        let mut qs: Vec<usize> = crate::report::shift_queues(scenario, s)
            .into_iter()
            .filter_map(|i| index[i])
            .collect();
        qs.sort();
        qs.dedup();
        if qs.is_empty() {
            continue;
        }
        let p_absent = qs.iter().map(|&q| shrink[q]).sum::<f64>() / qs.len() as f64;
        // On-duty pieces: the shift minus its breaks, cut at interval bounds.
        let mut pieces = vec![(secs(s.start), secs(s.end))];
        for b in &s.breaks {
            let (bs, be) = (secs(b.start), secs(b.end));
            pieces = pieces
                .into_iter()
                .flat_map(|(a, e)| {
                    let mut v = Vec::new();
                    if bs > a {
                        v.push((a, e.min(bs)));
                    }
                    if be < e {
                        v.push((a.max(be), e));
                    }
                    v.into_iter().filter(|(x, y)| y > x)
                })
                .collect();
        }
        let rated = scenario.agents.iter().find(|a| a.id == s.agent_id);
        let agent = by_agent.entry(s.agent_id.as_str()).or_insert(SimAgent {
            queues: qs.clone(),
            proficiency: qs
                .iter()
                .map(|&q| rated.map_or(1.0, |a| a.proficiency(&queues[q].id)))
                .collect(),
            periods: Vec::new(),
        });
        for (a, e) in pieces {
            let (a, e) = (a.max(0.0), e.min(horizon.intervals.len() as f64 * len));
            let mut t = a;
            while t < e {
                let k = (t / len) as usize;
                let cut = ((k + 1) as f64 * len).min(e);
                let u: f64 = Open01.sample(&mut rng);
                if u >= p_absent {
                    agent.periods.push((t, cut));
                }
                t = cut;
            }
        }
    }
    let mut agents: Vec<SimAgent> = by_agent.into_values().collect();
    for a in &mut agents {
        a.periods.sort_by(|x, y| x.0.total_cmp(&y.0));
        // Merge touching periods so agents do not log off between intervals.
        let mut merged: Vec<(f64, f64)> = Vec::new();
        for &(s, e) in &a.periods {
            match merged.last_mut() {
                Some(last) if s <= last.1 + EPS => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        a.periods = merged;
    }
    (
        Model {
            interval_seconds: len,
            intervals: horizon.intervals.len(),
            queues,
            agents,
            aht_cv: options.aht_cv,
        },
        skipped,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_interval() {
        // t(0.975, 1 df) = 12.706: the interval of {0, 1} is 0.5 ± 12.706 · 0.7071 / √2.
        let e = estimate(&[0.0, 1.0]).unwrap();
        assert!((e.high.unwrap() - (0.5 + 6.3531)).abs() < 1e-3, "{e:?}");
        assert!(estimate(&[]).is_none());
        assert_eq!(estimate(&[2.0]).unwrap().low, None);
    }
}
