//! The optimizer at scale: generated centres (`rota generate-instance`:
//! three voice queues, a week of 15-minute intervals, meal breaks, 32–40
//! hour contracts, volume sized by Erlang C) solved with the benchmark
//! solver settings (gap 0.5 %, two threads; 60 s up to 200 agents, 300 s up
//! to 1,000, 600 s above), the method `auto` picks. Sizes from
//! `ROTA_BENCH_AGENTS` (default `200`), the generator's seed from
//! `ROTA_BENCH_SEED` (default 2) and its scheduled hours per agent from
//! `ROTA_BENCH_HOURS` (default 30.4; 27 for centres whose contracts
//! outweigh the need). Before timing, each size prints the method, status,
//! gap, bound, time and model size of one solve. See docs/benchmarks.md.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rota::plan::Inputs;

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn optimizer(c: &mut Criterion) {
    let sizes: Vec<usize> = std::env::var("ROTA_BENCH_AGENTS")
        .unwrap_or_else(|_| "200".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let seed: u64 = env("ROTA_BENCH_SEED", 2);
    let hours: f64 = env("ROTA_BENCH_HOURS", rota::instance::HOURS_PER_AGENT);
    let mut group = c.benchmark_group("optimizer");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    for n in sizes {
        let limit = match n {
            0..=200 => 60.0,
            201..=1000 => 300.0,
            _ => 600.0,
        };
        let dir = tempfile::tempdir().expect("temporary folder");
        rota::instance::write(
            n,
            seed,
            limit,
            &rota::instance::Shape {
                hours_per_agent: hours,
                ..Default::default()
            },
            dir.path(),
        )
        .expect("instance written");
        let inputs = Inputs::load(&dir.path().join("scenario.yaml"), None).expect("instance loads");
        let forecast = inputs.forecast().expect("forecast");
        let reqs = inputs.requirements(&forecast);
        let first = inputs.solve(&reqs).expect("a roster");
        let i = &first.info;
        eprintln!(
            "{n} agents (seed {seed}, {hours} h per agent): {:?}, {:?}, gap {:.2}% (bound {:.1}, objective {:.1}), {:.1} s; {} variables ({} integer), {} constraints",
            i.method,
            i.status,
            i.mip_gap * 100.0,
            i.best_bound,
            i.objective,
            i.solve_seconds,
            i.variables,
            i.binary_variables,
            i.constraints
        );
        for p in &i.phases {
            eprintln!("  {}: {} in {:.1} s", p.name, p.status, p.solve_seconds);
        }
        group.bench_function(format!("{n} agents"), |b| {
            b.iter(|| inputs.solve(&reqs).expect("a roster"))
        });
    }
    group.finish();
}

criterion_group!(benches, optimizer);
criterion_main!(benches);
