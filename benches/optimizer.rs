//! The optimizer at scale: generated centres (`rota generate-instance`, seed
//! 1: three voice queues, a week of 15-minute intervals, meal breaks, 32–40
//! hour contracts) solved with the benchmark solver config (60 s, gap 1 %,
//! two threads). Sizes from `ROTA_BENCH_AGENTS` (default `50,200`; add 500
//! for the large run). Before timing, each size prints the method, status,
//! gap, and variable and constraint counts. See docs/benchmarks.md.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rota::plan::Inputs;

fn optimizer(c: &mut Criterion) {
    let sizes: Vec<usize> = std::env::var("ROTA_BENCH_AGENTS")
        .unwrap_or_else(|_| "50,200".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let mut group = c.benchmark_group("optimizer");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    for n in sizes {
        let dir = tempfile::tempdir().expect("temporary folder");
        rota::instance::write(n, 1, 60.0, rota::instance::HOURS_PER_AGENT, dir.path())
            .expect("instance written");
        let inputs = Inputs::load(&dir.path().join("scenario.yaml"), None).expect("instance loads");
        let forecast = inputs.forecast().expect("forecast");
        let reqs = inputs.requirements(&forecast);
        let first = inputs.solve(&reqs).expect("a roster");
        let i = &first.info;
        eprintln!(
            "{n} agents: {:?}, {:?}, gap {:.2}% (bound {:.1}, objective {:.1}), {:.1} s; {} variables ({} integer), {} constraints",
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
        group.bench_function(format!("{n} agents"), |b| {
            b.iter(|| inputs.solve(&reqs).expect("a roster"))
        });
    }
    group.finish();
}

criterion_group!(benches, optimizer);
criterion_main!(benches);
