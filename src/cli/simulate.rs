//! `rota simulate`: a discrete-event simulation of a roster, beside Erlang's
//! prediction (see docs/simulation.md).

use std::path::PathBuf;

use anyhow::bail;
use rota::roster::read::read_roster_for;
use rota::simulate::{build_model, run, Estimate, Options};
use serde::Serialize;

use super::Format;

#[derive(clap::Args)]
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// The scenario (forecast, queues, agents).
    scenario: PathBuf,
    /// The roster CSV to simulate.
    roster: PathBuf,
    /// Independent replications of the horizon (at least 2 for confidence intervals).
    #[arg(long, default_value_t = 20)]
    replications: usize,
    /// Seed of replication 0 (replication r uses seed + r).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Mean patience of Erlang C queues' callers, seconds (default: they never abandon).
    #[arg(long)]
    patience: Option<f64>,
    /// Log-normal handle times with this coefficient of variation (default: exponential).
    #[arg(long)]
    aht_cv: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also write simulation.csv (per queue and interval) into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Serialize)]
struct JsonQueue<'a> {
    queue: &'a str,
    erlang_service_level: f64,
    erlang_asa_seconds: f64,
    #[serde(flatten)]
    sim: &'a rota::simulate::QueueResult,
}

fn ci(e: &Option<Estimate>, scale: f64, digits: usize) -> String {
    match e {
        None => "-".into(),
        Some(e) => match (e.low, e.high) {
            (Some(l), Some(h)) => format!(
                "{:.d$} [{:.d$}, {:.d$}]",
                e.mean * scale,
                l * scale,
                h * scale,
                d = digits
            ),
            _ => format!("{:.d$}", e.mean * scale, d = digits),
        },
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.6}")).unwrap_or_default()
}

pub fn run_cmd(args: Args) -> anyhow::Result<i32> {
    if args.replications == 0 || args.replications > 100_000 {
        bail!(
            "--replications must be between 1 and 100000, got {}",
            args.replications
        );
    }
    if let Some(p) = args.patience {
        if !(p.is_finite() && p > 0.0) {
            bail!("--patience must be a positive number of seconds, got {p}");
        }
    }
    if let Some(cv) = args.aht_cv {
        if !(cv.is_finite() && (0.0..=10.0).contains(&cv)) {
            bail!("--aht-cv must be a number between 0 and 10, got {cv}");
        }
    }
    let inputs = rota::plan::Inputs::load(&args.scenario, None)?;
    if let Some(dir) = &args.out {
        let mut files = inputs.files();
        files.push(args.roster.clone());
        rota::export::check_outputs(&[dir.join("simulation.csv")], &files)?;
    }
    let sc = inputs.scenario();
    let roster = read_roster_for(&args.roster, sc)?;
    let forecast = inputs.forecast()?;
    let reqs = inputs.requirements(&forecast);
    let volume: Vec<Vec<f64>> = forecast.queues.iter().map(|q| q.volume.clone()).collect();
    let aht: Vec<Vec<f64>> = forecast
        .queues
        .iter()
        .map(|q| q.aht_seconds.clone())
        .collect();
    let options = Options {
        patience_seconds: args.patience,
        aht_cv: args.aht_cv,
        seed: args.seed,
    };
    let (model, skipped) = build_model(sc, &inputs.horizon, &volume, &aht, &roster, &options);
    let summary = run(&model, args.replications, args.seed);
    let eval = rota::report::evaluate(sc, &inputs.horizon, &reqs, &roster)?;
    let erlang = |id: &str| eval.queues.iter().find(|k| k.queue == id);

    if let Some(dir) = &args.out {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "queue",
            "interval_start",
            "arrivals",
            "service_level",
            "service_level_low",
            "service_level_high",
            "asa_seconds",
            "asa_low",
            "asa_high",
            "abandon_rate",
            "abandon_low",
            "abandon_high",
        ])?;
        for q in &summary.queues {
            for (t, k) in q.intervals.iter().enumerate() {
                let cols = |e: &Option<Estimate>| {
                    [
                        opt(e.map(|e| e.mean)),
                        opt(e.and_then(|e| e.low)),
                        opt(e.and_then(|e| e.high)),
                    ]
                };
                let mut rec = vec![
                    rota::export::spreadsheet_safe(&q.queue),
                    inputs.horizon.intervals[t].start.to_rfc3339(),
                    format!("{:.3}", k.arrivals),
                ];
                rec.extend(cols(&k.service_level));
                rec.extend(cols(&k.asa_seconds));
                rec.extend(cols(&k.abandon_rate));
                w.write_record(&rec)?;
            }
        }
        let bytes = w.into_inner()?;
        rota::export::write_files(dir, &[("simulation.csv".to_string(), bytes)])?;
    }

    match args.format {
        Format::Json => {
            let queues: Vec<JsonQueue> = summary
                .queues
                .iter()
                .map(|q| JsonQueue {
                    queue: &q.queue,
                    erlang_service_level: erlang(&q.queue).map_or(f64::NAN, |k| k.service_level),
                    erlang_asa_seconds: erlang(&q.queue).map_or(f64::NAN, |k| k.asa_seconds),
                    sim: q,
                })
                .collect();
            let v = serde_json::json!({
                "replications": summary.replications,
                "seed": summary.seed,
                "contacts": summary.contacts,
                "not_simulated": skipped,
                "queues": queues,
            });
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        Format::Text => {
            println!(
                "{} replications (seeds {}..{}), {} contacts simulated; 95% confidence intervals",
                summary.replications,
                args.seed,
                args.seed + summary.replications as u64 - 1,
                summary.contacts
            );
            println!(
                "{:<12} {:>10}  {:<26} {:>7}  {:<24} {:>7}  {:<24}",
                "queue",
                "contacts",
                "SL simulated",
                "Erlang",
                "ASA s simulated",
                "Erlang",
                "abandoned %"
            );
            for q in &summary.queues {
                let e = erlang(&q.queue);
                println!(
                    "{:<12} {:>10.1}  {:<26} {:>6.1}%  {:<24} {:>7.1}  {:<24}",
                    q.queue,
                    q.overall.arrivals,
                    ci(&q.overall.service_level, 100.0, 1),
                    e.map_or(f64::NAN, |k| k.service_level * 100.0),
                    ci(&q.overall.asa_seconds, 1.0, 1),
                    e.map_or(f64::NAN, |k| k.asa_seconds),
                    ci(&q.overall.abandon_rate, 100.0, 2),
                );
            }
            for q in &summary.queues {
                let mut worst: Vec<(usize, f64)> = q
                    .intervals
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| k.arrivals >= 1.0)
                    .filter_map(|(t, k)| k.service_level.map(|e| (t, e.mean)))
                    .collect();
                worst.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                let list: Vec<String> = worst
                    .iter()
                    .take(3)
                    .map(|&(t, _)| {
                        format!(
                            "{} {}",
                            inputs.horizon.intervals[t].start.format("%Y-%m-%d %H:%M"),
                            ci(&q.intervals[t].service_level, 100.0, 1)
                        )
                    })
                    .collect();
                if !list.is_empty() {
                    println!("worst {}: {}", q.queue, list.join("; "));
                }
            }
            if !skipped.is_empty() {
                println!(
                    "not simulated (deferred work, see rota plan): {}",
                    skipped.join(", ")
                );
            }
            if let Some(dir) = &args.out {
                println!("wrote simulation.csv to {}", dir.display());
            }
        }
    }
    Ok(super::EXIT_OK)
}
