//! `rota forecast`: the forecast of the planning week, or a backtest of every
//! method on the last weeks of history. Needs no solver and no solvable roster.

use std::path::PathBuf;

use rota::export::forecast::forecast_csv;
use rota::export::write_files;
use rota::forecast::{self, Backtest, Forecast};
use rota::history::{Finding, History};
use rota::horizon::Horizon;
use rota::scenario::{ForecastMethod, Scenario};

#[derive(clap::Args)]
pub struct Args {
    /// The scenario (YAML).
    scenario: PathBuf,
    /// Hold out the last N weeks before the planning week and report WAPE,
    /// MASE against seasonal naive and bias per queue and method.
    #[arg(long, value_name = "N")]
    backtest_weeks: Option<u32>,
    /// Method: auto, seasonal_naive, decomposition or holt_winters (default: the scenario's).
    #[arg(long, value_parser = parse_method)]
    method: Option<ForecastMethod>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write forecast.csv into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

fn parse_method(s: &str) -> Result<ForecastMethod, String> {
    ForecastMethod::parse(s).ok_or_else(|| {
        format!(
            "unknown method `{s}`: expected auto, seasonal_naive, decomposition or holt_winters"
        )
    })
}

/// Prints the findings of reading and cleaning history, each text once.
pub(super) fn warn(findings: &[Finding]) {
    super::warn_all(findings.iter().map(|f| match &f.queue {
        Some(q) => format!("{q}: {}", f.message),
        None => f.message.clone(),
    }));
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", 100.0 * x)
    } else {
        "-".into()
    }
}

/// The backtest as a text table.
pub fn backtest_table(b: &Backtest) -> String {
    let mut s = format!(
        "{:<14} {:<15} {:>8} {:>7} {:>8} {:>8}\n",
        "queue", "method", "WAPE", "MASE", "bias", "cells"
    );
    for q in &b.queues {
        for m in &q.methods {
            let a = &m.accuracy;
            s += &format!(
                "{:<14} {:<15} {:>8} {:>7} {:>8} {:>8}{}\n",
                q.queue,
                m.method.name(),
                pct(a.wape),
                if a.mase.is_finite() {
                    format!("{:.3}", a.mase)
                } else {
                    "-".into()
                },
                if a.bias.is_finite() {
                    format!("{:+.1}%", 100.0 * a.bias)
                } else {
                    "-".into()
                },
                a.cells,
                if m.method == q.best { "  best" } else { "" }
            );
        }
    }
    s
}

fn forecast_json(sc: &Scenario, h: &Horizon, f: &Forecast) -> serde_json::Value {
    use serde_json::json;
    let queues: Vec<_> = f
        .queues
        .iter()
        .map(|q| {
            let intervals: Vec<_> = h
                .intervals
                .iter()
                .enumerate()
                .map(|(t, iv)| {
                    json!({
                        "interval_start": iv.start.to_rfc3339(),
                        "volume": q.volume[t],
                        "volume_p10": q.volume_p10[t],
                        "volume_p90": q.volume_p90[t],
                        "aht_seconds": q.aht_seconds[t],
                    })
                })
                .collect();
            let backtest: Vec<_> = q
                .backtest
                .iter()
                .map(|(m, a)| json!({"method": m, "wape": a.wape, "mase": a.mase, "bias": a.bias, "cells": a.cells}))
                .collect();
            json!({
                "queue": q.queue,
                "method": q.method,
                "volume": q.volume.iter().sum::<f64>(),
                "volume_p10": q.volume_p10.iter().sum::<f64>(),
                "volume_p90": q.volume_p90.iter().sum::<f64>(),
                "level_factor": q.level_factor,
                "days_used": q.days_used,
                "backtest": backtest,
                "intervals": intervals,
            })
        })
        .collect();
    json!({
        "scenario": sc.name,
        "interval_minutes": h.interval_minutes,
        "band": sc.forecast.band,
        "queues": queues,
        "findings": f.findings,
    })
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut loaded = Scenario::load(&args.scenario)?;
    if let Some(m) = args.method {
        loaded.scenario.forecast.method = m;
    }
    let history = History::for_scenario(&loaded)?;
    let horizon = Horizon::new(&loaded.scenario);
    let sc = &loaded.scenario;
    super::warn_all(super::ignored_queues_warning(
        &loaded.history_path,
        &history.ignored_queues,
    ));
    if let Some(weeks) = args.backtest_weeks {
        if weeks == 0 {
            anyhow::bail!("--backtest-weeks must be at least 1");
        }
        let b = forecast::backtest(&loaded, &history, &horizon, weeks)?;
        match args.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&b)?),
            Format::Text => {
                warn(&b.findings);
                println!(
                    "{}: backtest of the {weeks} weeks before {}, {}-minute intervals",
                    sc.name, sc.planning.week_start, horizon.interval_minutes
                );
                print!("{}", backtest_table(&b));
            }
        }
        return Ok(super::EXIT_OK);
    }
    let f = forecast::forecast(&loaded, &history, &horizon)?;
    if let Some(dir) = &args.out {
        rota::export::check_outputs(
            &[dir.join("forecast.csv")],
            &[loaded.path.clone(), loaded.history_path.clone()],
        )?;
        write_files(
            dir,
            &[("forecast.csv".to_string(), forecast_csv(sc, &horizon, &f)?)],
        )?;
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&forecast_json(sc, &horizon, &f))?
        ),
        Format::Text => {
            warn(&f.findings);
            println!(
                "{}: {} to {} ({} days, {}-minute intervals, {})",
                sc.name,
                horizon.dates[0],
                horizon.dates[horizon.dates.len() - 1],
                horizon.dates.len(),
                horizon.interval_minutes,
                horizon.tz
            );
            let [lo, hi] = sc.forecast.band;
            println!(
                "{:<14} {:<15} {:>10} {:>10} {:>10} {:>9} {:>7}",
                "queue",
                "method",
                "volume",
                format!("p{:.0}", lo * 100.0),
                format!("p{:.0}", hi * 100.0),
                "mean AHT",
                "WAPE"
            );
            for q in &f.queues {
                let v: f64 = q.volume.iter().sum();
                let aht = if v > 0.0 {
                    q.volume
                        .iter()
                        .zip(&q.aht_seconds)
                        .map(|(v, a)| v * a)
                        .sum::<f64>()
                        / v
                } else {
                    0.0
                };
                let wape = q
                    .backtest
                    .iter()
                    .find(|(m, _)| *m == q.method)
                    .map_or("-".to_string(), |(_, a)| pct(a.wape));
                println!(
                    "{:<14} {:<15} {:>10.0} {:>10.0} {:>10.0} {:>8.0}s {:>7}",
                    q.queue,
                    q.method.name(),
                    v,
                    q.volume_p10.iter().sum::<f64>(),
                    q.volume_p90.iter().sum::<f64>(),
                    aht,
                    wape
                );
            }
            if let Some(dir) = &args.out {
                println!("wrote forecast.csv to {}", dir.display());
            }
        }
    }
    Ok(super::EXIT_OK)
}
