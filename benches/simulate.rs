//! Simulation throughput: contacts simulated per second on a week of a
//! mid-size centre (15-minute intervals; a voice queue, a chat queue with two
//! sessions per agent and patience on voice; 90 agents in three skill groups
//! on staggered 8-hour days). See docs/simulation.md for the measured number.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rota::simulate::{replicate, Model, SimAgent, SimQueue};

fn week() -> Model {
    let nt = 7 * 96;
    let len = 900.0;
    // Intraday profile: open 08:00–22:00 with a midday and an evening peak.
    let profile = |t: usize| {
        let h = (t % 96) as f64 / 4.0;
        if !(8.0..22.0).contains(&h) {
            0.0
        } else {
            0.6 + 0.4 * (-(h - 11.0).powi(2) / 4.0).exp() + 0.5 * (-(h - 20.0).powi(2) / 3.0).exp()
        }
    };
    let queue = |id: &str, peak: f64, aht: f64, patience, concurrency| SimQueue {
        id: id.into(),
        threshold_seconds: 20.0,
        patience_seconds: patience,
        concurrency,
        rate: (0..nt).map(|t| peak * profile(t) / len).collect(),
        aht_seconds: vec![aht; nt],
    };
    let queues = vec![
        queue("voice", 120.0, 240.0, Some(120.0), 1),
        queue("chat", 100.0, 300.0, None, 2),
    ];
    let mut agents = Vec::new();
    for i in 0..90 {
        let skills = match i % 3 {
            0 => vec![0],
            1 => vec![1],
            _ => vec![0, 1],
        };
        let start_h = 8.0 + (i % 7) as f64 * 1.0;
        let periods = (0..7)
            .filter(|d| (i + d) % 7 < 5)
            .map(|d| {
                let s = (d as f64 * 24.0 + start_h) * 3600.0;
                (s, s + 8.0 * 3600.0)
            })
            .collect();
        agents.push(SimAgent {
            queues: skills,
            proficiency: Vec::new(),
            periods,
        });
    }
    Model {
        interval_seconds: len,
        intervals: nt,
        queues,
        agents,
        aht_cv: None,
    }
}

fn bench(c: &mut Criterion) {
    let m = week();
    let contacts: u64 = replicate(&m, 1).iter().flatten().map(|c| c.arrivals).sum();
    let mut g = c.benchmark_group("simulate");
    g.throughput(Throughput::Elements(contacts));
    g.sample_size(10);
    g.bench_function("week_mid_size_centre_one_replication", |b| {
        b.iter(|| replicate(std::hint::black_box(&m), 1))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
