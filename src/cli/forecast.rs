//! `rota forecast`: the forecast of the planning week, or a backtest of every
//! method on the last weeks of history. Needs no solver and no solvable roster.

use std::path::PathBuf;

use rota::export::forecast::forecast_csv;
use rota::export::write_files;
use rota::forecast::{self, Backtest, Forecast, OriginBacktest};
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
    /// With --backtest-weeks N: forecast from K origins spread over those N
    /// weeks (the first N weeks before the planning week, the last
    /// --lead-weeks before it), each from the history before it only, and
    /// report every method and `auto` per origin and lead week.
    #[arg(long, value_name = "K", requires = "backtest_weeks")]
    origins: Option<u32>,
    /// With --origins: weeks forecast from each origin, scored apart.
    #[arg(long, value_name = "L", default_value_t = 2, requires = "origins")]
    lead_weeks: u32,
    /// With --origins: write backtest_cells.csv and backtest_history.csv
    /// into this folder (for scripts/forecast_peers.py).
    #[arg(long, value_name = "DIR", requires = "origins")]
    backtest_out: Option<PathBuf>,
    /// Method: auto, seasonal_naive, decomposition, holt_winters, day_of_month, smoothed_level or combined (default: the scenario's).
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
            "unknown method `{s}`: expected auto, seasonal_naive, decomposition, holt_winters, day_of_month, smoothed_level or combined"
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
                if m.method == q.best { "  auto" } else { "" }
            );
        }
    }
    s
}

fn signed_pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.1}%", 100.0 * x)
    } else {
        "-".into()
    }
}

fn ratio(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "-".into()
    }
}

/// The backtest at several origins as text: per queue, the mean over
/// origins of every method per lead week, then WAPE per origin.
pub fn origins_table(b: &OriginBacktest) -> String {
    let mut s = String::new();
    for q in &b.queues {
        s += &format!(
            "{}: mean over {} origins\n{:<15} {:>4} {:>8} {:>7} {:>8} {:>8}\n",
            q.queue,
            q.origins.len(),
            "method",
            "lead",
            "WAPE",
            "MASE",
            "bias",
            "cells"
        );
        for a in &q.mean {
            s += &format!(
                "{:<15} {:>4} {:>8} {:>7} {:>8} {:>8}\n",
                a.method.name(),
                a.lead_week,
                pct(a.accuracy.wape),
                ratio(a.accuracy.mase),
                signed_pct(a.accuracy.bias),
                a.accuracy.cells
            );
        }
        s += &format!(
            "{:<11} {:<15} {:>4} {}\n",
            "origin",
            "auto chose",
            "lead",
            b.methods
                .iter()
                .map(|m| format!("{:>15}", m.name()))
                .chain([format!("{:>15}", "auto")])
                .collect::<String>()
        );
        for o in &q.origins {
            for lead in 1..=b.lead_weeks {
                let cols: String = o
                    .accuracy
                    .iter()
                    .filter(|a| a.lead_week == lead)
                    .map(|a| format!("{:>15}", pct(a.accuracy.wape)))
                    .collect();
                s += &format!(
                    "{:<11} {:<15} {:>4} {cols}\n",
                    o.origin.to_string(),
                    o.auto_method.name(),
                    lead
                );
            }
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
    let mut loaded = rota::whatif::load_scenario(&args.scenario)?;
    if let Some(m) = args.method {
        loaded.scenario.forecast.method = m;
    }
    // No output may overwrite an input (a forecast.csv read back as forecast.file).
    let mut inputs = loaded.origins.sources.clone();
    inputs.push(loaded.history_path.clone());
    inputs.extend(forecast::external::input_files(&loaded));
    if let Some(dir) = &args.out {
        rota::export::check_outputs(&[dir.join("forecast.csv")], &inputs)?;
    }
    if let Some(dir) = &args.backtest_out {
        let files = ["backtest_cells.csv", "backtest_history.csv"].map(|f| dir.join(f));
        rota::export::check_outputs(&files, &inputs)?;
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
        if !sc.has_history() {
            anyhow::bail!(
                "{}: the scenario has no history to backtest (its forecast comes from forecast.file)",
                args.scenario.display()
            );
        }
        if let Some(count) = args.origins {
            let origins =
                forecast::origins(sc.planning.week_start, weeks, count, args.lead_weeks)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "--origins {count} with --lead-weeks {} needs --backtest-weeks of at least {} (origins are whole weeks apart)",
                            args.lead_weeks,
                            args.lead_weeks + count.max(1) - 1
                        )
                    })?;
            let b =
                forecast::backtest_origins(&loaded, &history, &horizon, &origins, args.lead_weeks)?;
            if let Some(dir) = &args.backtest_out {
                write_files(
                    dir,
                    &[
                        (
                            "backtest_cells.csv".to_string(),
                            forecast::backtest::cells_csv(&b),
                        ),
                        (
                            "backtest_history.csv".to_string(),
                            forecast::backtest::history_csv(&b),
                        ),
                    ],
                )?;
            }
            match args.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&b)?),
                Format::Text => {
                    warn(&b.findings);
                    println!(
                        "{}: backtest at {count} origins from {} to {}, {} weeks ahead each, {}-minute intervals",
                        sc.name,
                        origins[0],
                        origins[origins.len() - 1],
                        args.lead_weeks,
                        horizon.interval_minutes
                    );
                    print!("{}", origins_table(&b));
                    if let Some(dir) = &args.backtest_out {
                        println!(
                            "wrote backtest_cells.csv, backtest_history.csv to {}",
                            dir.display()
                        );
                    }
                }
            }
            return Ok(super::EXIT_OK);
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
