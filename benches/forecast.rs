//! Time to fit and forecast one year of 15-minute history for 10 queues
//! (generated in the bench), with `auto` (every method backtested on 4 weeks,
//! the one kept refitted) and with each method alone.
//!
//! Run: `cargo bench --bench forecast`.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};
use rota::forecast::forecast_with;
use rota::history::generate::{generate, HistorySpec};
use rota::history::{History, Record};
use rota::horizon::Horizon;
use rota::scenario::{ForecastMethod, LoadedScenario, Scenario};

fn setup() -> (LoadedScenario, History, Horizon) {
    let mut spec = String::from(
        "seed: 1\ntimezone: Europe/London\ninterval_minutes: 15\nstart_date: 2025-11-03\nend_date: 2026-11-01\nqueues:\n",
    );
    let mut queues = String::new();
    for i in 0..10 {
        spec += &format!(
            "  - {{ name: q{i}, daily_volume: {}, day_noise_cv: 0.1, trend_per_week: 1.002, open: \"07:00\", close: \"22:00\", weekday_factors: {{ sat: 0.6, sun: 0.4 }}, profile: {{ floor: 0.3, bumps: [ {{ center: \"10:30\", width_hours: 1.5, weight: 1.0 }}, {{ center: \"15:00\", width_hours: 2.0, weight: 0.7 }} ] }}, aht_seconds: 280, aht_intraday_amplitude: 0.1, aht_noise_cv: 0.5 }}\n",
            1000 + 300 * i
        );
        queues += &format!(
            "  - {{ id: q{i}, channel: voice, service_level: {{ target: 0.8, seconds: 20 }}, open: \"07:00\", close: \"22:00\" }}\n"
        );
    }
    let rows = generate(&HistorySpec::from_yaml_str(&spec).unwrap()).unwrap();
    let tz = chrono_tz::Europe::London;
    let records: Vec<Record> = rows.iter().map(|r| r.to_record(tz)).collect();
    let mut history = History {
        records,
        ..History::default()
    };
    history
        .records
        .sort_by(|a, b| (&a.queue, a.start).cmp(&(&b.queue, b.start)));
    let yaml = format!(
        r#"
name: bench
site: {{ name: s, timezone: Europe/London }}
planning: {{ week_start: 2026-11-02, days: 7, interval_minutes: 15 }}
history: {{ file: h.csv, weeks: 8 }}
queues:
{queues}agents:
  - {{ id: A1, name: a, skills: [q0], min_hours: 0, max_hours: 40 }}
rules:
  shift_start: {{ earliest: "08:00", latest: "12:00" }}
  shift_lengths_hours: [8]
  meal_break: {{ minutes: 30, earliest_start_hours: 3, latest_end_hours: 5 }}
"#
    );
    let scenario = Scenario::from_yaml_str(&yaml, Path::new("bench.yaml")).unwrap();
    let horizon = Horizon::new(&scenario);
    let loaded = LoadedScenario {
        scenario,
        path: PathBuf::from("bench.yaml"),
        history_path: PathBuf::from("h.csv"),
        origins: Default::default(),
    };
    (loaded, history, horizon)
}

fn bench(c: &mut Criterion) {
    let (loaded, history, horizon) = setup();
    let mut g = c.benchmark_group("forecast one year of 15-minute history, 10 queues");
    g.sample_size(10);
    for m in [
        ForecastMethod::Auto,
        ForecastMethod::SeasonalNaive,
        ForecastMethod::Decomposition,
        ForecastMethod::HoltWinters,
        ForecastMethod::DayOfMonth,
        ForecastMethod::SmoothedLevel,
        ForecastMethod::Combined,
    ] {
        g.bench_function(m.name(), |b| {
            b.iter(|| forecast_with(&loaded, &history, &horizon, Some(m)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
