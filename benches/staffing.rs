//! Required agents for a full year of 15-minute intervals (35,040) for 20
//! queues, Erlang C: 700,800 intervals per iteration, reported by criterion
//! as elements (intervals) per second. A second group does one week of one
//! Erlang A queue. Run: `cargo bench --bench staffing`; see docs/staffing.md.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rota::staffing::{erlang, erlang_a, Target};

const INTERVALS: usize = 365 * 96;
const QUEUES: usize = 20;

/// Contacts per 15 minutes for queue `q` in interval `t`: a daily peak from
/// 15 to ~2,600 contacts depending on the queue, an intraday curve with a
/// morning and an evening peak, quieter weekends and a seasonal swing.
fn volume(q: usize, t: usize) -> f64 {
    let peak = 15.0 * 1.3f64.powi(q as i32);
    let slot = (t % 96) as f64 / 96.0;
    let day = t / 96;
    let intraday = 0.05
        + 0.95
            * ((-((slot - 0.42) / 0.08).powi(2)).exp() * 0.9
                + (-((slot - 0.8) / 0.07).powi(2)).exp());
    let weekday = if day % 7 >= 5 { 0.6 } else { 1.0 };
    let season = 1.0 + 0.2 * (day as f64 / 365.0 * std::f64::consts::TAU).sin();
    peak * intraday * weekday * season
}

fn aht(q: usize) -> f64 {
    180.0 + 20.0 * q as f64
}

fn target(q: usize) -> Target {
    Target {
        service_level: if q % 2 == 0 { 0.8 } else { 0.9 },
        seconds: if q % 3 == 0 { 30.0 } else { 20.0 },
        max_asa_seconds: None,
        max_occupancy: 0.85,
    }
}

fn bench(c: &mut Criterion) {
    let loads: Vec<Vec<f64>> = (0..QUEUES)
        .map(|q| {
            (0..INTERVALS)
                .map(|t| volume(q, t) * aht(q) / 900.0)
                .collect()
        })
        .collect();
    let mut g = c.benchmark_group("erlang_c_year");
    g.sample_size(10);
    g.throughput(Throughput::Elements((INTERVALS * QUEUES) as u64));
    g.bench_function("20 queues x 35040 intervals", |b| {
        b.iter(|| {
            let mut agents = 0u64;
            for (q, ls) in loads.iter().enumerate() {
                let tg = target(q);
                for &a in ls {
                    agents += erlang::required_servers(black_box(a), aht(q), &tg).agents as u64;
                }
            }
            agents
        })
    });
    g.finish();

    let mut g = c.benchmark_group("erlang_a_week");
    g.sample_size(10);
    let week = 7 * 96;
    g.throughput(Throughput::Elements(week as u64));
    g.bench_function("1 queue x 672 intervals, patience 120 s", |b| {
        b.iter(|| {
            let tg = target(10);
            let mut agents = 0u64;
            for &a in &loads[10][..week] {
                agents +=
                    erlang_a::required_servers(black_box(a), aht(10), 120.0, &tg).agents as u64;
            }
            agents
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
