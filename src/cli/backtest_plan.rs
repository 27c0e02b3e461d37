//! `rota backtest-plan`: the whole pipeline on held-out real weeks, each
//! roster judged against what really arrived (docs/risk.md).

use std::path::PathBuf;

use anyhow::bail;
use rota::hindsight::{
    band_total, band_week, held_out, margin_curve, margins_week, overall, totals, uplift_for, week,
    BandCoverage, DayMargin, MarginPoint, Overall, Totals, Week,
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
    /// Only forecast each held-out week and print, per day, the uplift of
    /// its forecast Erlang's staffing would have needed to meet the target
    /// on what really arrived, and what one uplift for every day would have
    /// bought and cost (no roster).
    #[arg(long, conflicts_with = "band_only")]
    margins: bool,
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
    if args.margins {
        return margins(&inputs, args.weeks, args.format);
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

/// Uplifts at which `--margins` prints the days met and the hours.
const CURVE: [f64; 8] = [0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.15, 0.20];

/// Shares of days for which `--margins` prints the single uplift needed.
const SHARES: [f64; 4] = [0.5, 0.8, 0.9, 0.95];

/// `--margins`: the uplift each held-out day would have needed, and one
/// uplift for every day, chosen in hindsight.
fn margins(inputs: &rota::plan::Inputs, count: u32, format: Format) -> anyhow::Result<i32> {
    let mut days: Vec<DayMargin> = Vec::new();
    for start in held_out(inputs, count) {
        let m = margins_week(inputs, start)
            .map_err(|e| anyhow::Error::new(e).context(format!("the held-out week {start}")))?;
        days.extend(m);
    }
    let sc = inputs.scenario();
    let step = inputs.horizon.interval_minutes;
    let curve = margin_curve(sc, step, &days, &CURVE);
    // Per queue and share of days: the least single uplift meeting it, as
    // its point on the curve (`None`: no uplift up to 100 % does).
    let mut shares: Vec<(String, f64, Option<MarginPoint>)> = Vec::new();
    for q in &sc.queues {
        for share in SHARES {
            let point = uplift_for(&days, &q.id, share).and_then(|u| {
                margin_curve(sc, step, &days, &[u])
                    .into_iter()
                    .find(|p| p.queue == q.id)
            });
            shares.push((q.id.clone(), share, point));
        }
    }
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "days": days,
                "curve": curve,
                "for_share": shares.iter().map(|(q, s, p)| serde_json::json!({
                    "queue": q,
                    "share": s,
                    "uplift": p.as_ref().map(|p| p.uplift),
                    "point": p,
                })).collect::<Vec<_>>(),
            }))?
        ),
        Format::Text => print!("{}", margins_text(&days, &curve, &shares)),
    }
    Ok(super::EXIT_OK)
}

fn margins_text(
    days: &[DayMargin],
    curve: &[MarginPoint],
    shares: &[(String, f64, Option<MarginPoint>)],
) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "The uplift each held-out day needed: Erlang's staffing for its forecast x (1 + uplift) in every interval, judged on what really arrived\n"
    );
    let _ = writeln!(
        s,
        "{:<10}  {:<8}  {:>10}  {:>10}  {:>11}  {:>8}",
        "day", "queue", "forecast", "actual", "actual/fcst", "needed"
    );
    for m in days {
        let _ = writeln!(
            s,
            "{:<10}  {:<8}  {:>10.1}  {:>10.1}  {:>11.3}  {:>8}",
            m.date.to_string(),
            m.queue,
            m.forecast,
            m.actual,
            if m.forecast > 0.0 {
                m.actual / m.forecast
            } else {
                f64::NAN
            },
            m.needed
                .map_or("> 100 %".to_string(), |u| format!("{:.1} %", 100.0 * u))
        );
    }
    let _ = writeln!(
        s,
        "\nOne uplift for every day, chosen knowing how the days came out (no rule that raises each day's forecast by one share does better):\n"
    );
    let _ = writeln!(
        s,
        "{:<8}  {:>7}  {:>16}  {:>14}  {:>15}",
        "queue", "uplift", "days met", "required h", "above point"
    );
    let point_line = |s: &mut String, p: &MarginPoint, label: String| {
        let _ = writeln!(
            s,
            "{:<8}  {:>7}  {:>16}  {:>14.1}  {:>13.1} %{}",
            p.queue,
            format!("{:.2} %", 100.0 * p.uplift),
            format!("{}/{} {}", p.days_met, p.days, pct(p.days_met, p.days)),
            p.required_hours,
            100.0 * p.above_point,
            label
        );
    };
    for p in curve {
        point_line(&mut s, p, String::new());
    }
    let _ = writeln!(s);
    for (q, share, point) in shares {
        match point {
            Some(p) => point_line(
                &mut s,
                p,
                format!("  (the least for {:.0} % of days)", 100.0 * share),
            ),
            None => {
                let _ = writeln!(
                    s,
                    "{q:<8}  no uplift up to 100 % meets {:.0} % of the days",
                    100.0 * share
                );
            }
        }
    }
    s
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
