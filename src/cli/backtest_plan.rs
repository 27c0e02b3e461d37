//! `rota backtest-plan`: the whole pipeline on held-out real weeks, each
//! roster judged against what really arrived (docs/risk.md).

use std::path::PathBuf;

use anyhow::bail;
use rota::hindsight::{
    band_total, band_week, held_out, overall, totals, week, BandCoverage, Overall, Totals, Week,
};

use super::Format;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario (YAML); its history holds the weeks judged.
    scenario: PathBuf,
    /// Hold out the last N weeks before the planning week.
    #[arg(long, value_name = "N", default_value_t = 4)]
    weeks: u32,
    /// Only forecast each held-out week and print where its actuals fell
    /// against the forecast band (no roster).
    #[arg(long)]
    band_only: bool,
    /// Solver settings: a name (fast, default, thorough) or a YAML file.
    #[arg(long)]
    solver: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(serde::Serialize)]
struct Json<'a> {
    weeks: &'a [Week],
    overall: &'a Overall,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    if args.weeks == 0 || args.weeks > 104 {
        bail!("--weeks must be between 1 and 104, got {}", args.weeks);
    }
    let inputs = rota::plan::Inputs::load(&args.scenario, args.solver.as_deref())?;
    if args.band_only {
        return band_only(&inputs, args.weeks, args.format);
    }
    let mut weeks = Vec::new();
    for start in held_out(&inputs, args.weeks) {
        let w = week(&inputs, start)
            .map_err(|e| anyhow::Error::new(e).context(format!("the held-out week {start}")))?;
        if matches!(args.format, Format::Text) {
            eprintln!("{}", week_line(&w));
        }
        weeks.push(w);
    }
    let all = overall(&weeks);
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&Json {
                weeks: &weeks,
                overall: &all
            })?
        ),
        Format::Text => print!("{}", text(&weeks, &all)),
    }
    let broken = weeks.iter().map(|w| w.violations).sum::<usize>();
    if broken > 0 {
        eprintln!("{broken} rule violations in the held-out weeks' rosters");
        return Ok(super::EXIT_FINDINGS);
    }
    Ok(super::EXIT_OK)
}

/// `--band-only`: the band of each held-out week's forecast against its actuals.
fn band_only(inputs: &rota::plan::Inputs, count: u32, format: Format) -> anyhow::Result<i32> {
    let mut weeks = Vec::new();
    for start in held_out(inputs, count) {
        let b = band_week(inputs, start)
            .map_err(|e| anyhow::Error::new(e).context(format!("the held-out week {start}")))?;
        weeks.push((start, b));
    }
    let total = band_total(&weeks.iter().map(|w| w.1.clone()).collect::<Vec<_>>());
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "weeks": weeks.iter().map(|(d, b)| serde_json::json!({"start": d, "band": b})).collect::<Vec<_>>(),
                "overall": total,
            }))?
        ),
        Format::Text => {
            println!(
                "{:<10}  {:<8}  {:>6}  {:>8}  {:>7}  {:>7}",
                "week", "queue", "cells", "inside", "below", "above"
            );
            let line = |label: &str, c: &BandCoverage| {
                let share = |n: usize| 100.0 * n as f64 / c.cells.max(1) as f64;
                println!(
                    "{label:<10}  {:<8}  {:>6}  {:>6.1} %  {:>5.1} %  {:>5.1} %",
                    c.queue,
                    c.cells,
                    100.0 * c.inside(),
                    share(c.below),
                    share(c.above)
                );
            };
            for (d, b) in &weeks {
                b.iter().for_each(|c| line(&d.to_string(), c));
            }
            total.iter().for_each(|c| line("overall", c));
        }
    }
    Ok(super::EXIT_OK)
}

fn week_line(w: &Week) -> String {
    format!("planned and judged the week of {}", w.start)
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.1} %", 100.0 * a as f64 / b as f64)
    }
}

/// One table row; `drilled`: the days the drill expected to meet the
/// target, with its residual model and with its band model.
fn row(
    label: &str,
    (paid, required): (f64, f64),
    p: &Totals,
    r: Option<&Totals>,
    drilled: [Option<f64>; 2],
) -> String {
    let [drill, drill_band] = drilled.map(|d| match (r, d) {
        (Some(r), Some(x)) if r.days > 0 => format!("{:.1} %", 100.0 * x / r.days as f64),
        _ => "-".into(),
    });
    let (r_sl, r_days, r_iv, r_late) = match r {
        Some(r) => (
            format!("{:.1} %", r.service_level * 100.0),
            format!("{}/{} {}", r.days_met, r.days, pct(r.days_met, r.days)),
            pct(r.intervals_met, r.intervals),
            format!("{:.0}", r.late),
        ),
        None => ("-".into(), "-".into(), "-".into(), "-".into()),
    };
    format!(
        "{label:<10}  {:<8}  {paid:>8.1}  {:>6.1} %  {:>7.1} %  {:>9}  {:>9}  {:>17}  {:>11}  {:>11}  {:>9}  {:>8}\n",
        p.queue,
        if required > 0.0 {
            (paid / required - 1.0) * 100.0
        } else {
            0.0
        },
        p.service_level * 100.0,
        pct(p.days_met, p.days),
        r_sl,
        r_days,
        drill,
        drill_band,
        r_iv,
        r_late,
    )
}

fn text(weeks: &[Week], all: &Overall) -> String {
    let mut s = format!(
        "{:<10}  {:<8}  {:>8}  {:>8}  {:>9}  {:>9}  {:>9}  {:>17}  {:>11}  {:>11}  {:>9}  {:>8}\n",
        "week",
        "queue",
        "paid h",
        "over req",
        "SL pred",
        "days pred",
        "SL real",
        "days met (real)",
        "days (drill)",
        "drill (band)",
        "iv met",
        "late"
    );
    for w in weeks {
        for (qi, p) in w.predicted.iter().enumerate() {
            let Some(p) = totals(&[p]) else { continue };
            let r = w.realised.get(qi).and_then(|r| totals(&[r]));
            s += &row(
                &w.start.to_string(),
                (w.paid_hours, w.required_hours),
                &p,
                r.as_ref(),
                [
                    w.drilled_days_met.get(qi).copied(),
                    w.drilled_days_met_band.get(qi).copied(),
                ],
            );
        }
    }
    for (qi, p) in all.predicted.iter().enumerate() {
        s += &row(
            "overall",
            (all.paid_hours, all.required_hours),
            p,
            all.realised.get(qi),
            [
                all.drilled_days_met.get(qi).copied(),
                all.drilled_days_met_band.get(qi).copied(),
            ],
        );
    }
    s
}
