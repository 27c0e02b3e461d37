//! A drill of the demo's roster: 1,000 drawn weeks (volume from the band,
//! 5 % absence), judged and the reserve pool sized. The goal of issue #26:
//! under 5 s on the 2-core machine. The roster is the demo's, solved once
//! before the measurement with a 10-second limit (the drill's cost does not
//! depend on how good the roster is). Measured number in docs/risk.md.

use criterion::{criterion_group, criterion_main, Criterion};
use rota::drill::{drill, Basis, Settings};
use rota::plan::Inputs;

fn bench(c: &mut Criterion) {
    let mut inputs = Inputs::load(
        std::path::Path::new("scenarios/hangzhou-ecommerce.yaml"),
        Some("fast"),
    )
    .expect("the demo scenario");
    inputs.solver.time_limit_seconds = 10.0;
    let o = inputs.run().expect("the demo plans");
    let sc = inputs.scenario();
    let basis = Basis::new(
        sc,
        &inputs.horizon,
        &o.forecast,
        &o.requirements,
        &o.solved.roster,
        &o.evaluation,
    );
    let settings = Settings {
        weeks: 1000,
        absence_rate: 0.05,
        ..Settings::default()
    };
    let mut g = c.benchmark_group("drill");
    g.sample_size(10);
    g.bench_function("demo_1000_weeks", |b| {
        b.iter(|| drill(sc, &inputs.horizon, std::hint::black_box(&basis), &settings))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
