//! `rota backtest-plan`: the whole pipeline on held-out real weeks, each
//! roster judged against what really arrived (docs/risk.md).

use std::path::PathBuf;

use anyhow::bail;
use rota::hindsight::{held_out, overall, totals, week, Overall, Totals, Week};

use super::Format;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario (YAML); its history holds the weeks judged.
    scenario: PathBuf,
    /// Hold out the last N weeks before the planning week.
    #[arg(long, value_name = "N", default_value_t = 4)]
    weeks: u32,
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

fn row(label: &str, paid: f64, required: f64, p: &Totals, r: Option<&Totals>) -> String {
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
        "{label:<10}  {:<8}  {paid:>8.1}  {:>6.1} %  {:>7.1} %  {:>9}  {:>9}  {:>17}  {:>9}  {:>8}\n",
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
        r_iv,
        r_late,
    )
}

fn text(weeks: &[Week], all: &Overall) -> String {
    let mut s = format!(
        "{:<10}  {:<8}  {:>8}  {:>8}  {:>9}  {:>9}  {:>9}  {:>17}  {:>9}  {:>8}\n",
        "week",
        "queue",
        "paid h",
        "over req",
        "SL pred",
        "days pred",
        "SL real",
        "days met (real)",
        "iv met",
        "late"
    );
    for w in weeks {
        for (qi, p) in w.predicted.iter().enumerate() {
            let Some(p) = totals(&[p]) else { continue };
            let r = w.realised.get(qi).and_then(|r| totals(&[r]));
            s += &row(
                &w.start.to_string(),
                w.paid_hours,
                w.required_hours,
                &p,
                r.as_ref(),
            );
        }
    }
    for (qi, p) in all.predicted.iter().enumerate() {
        s += &row(
            "overall",
            all.paid_hours,
            all.required_hours,
            p,
            all.realised.get(qi),
        );
    }
    s
}
