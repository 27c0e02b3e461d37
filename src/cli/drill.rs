//! `rota drill`: the odds of a roster over many drawn weeks (docs/risk.md).

use std::path::PathBuf;

use anyhow::{bail, Context};
use rota::drill::{drill, Basis, Settings, Shock, VolumeModel};
use rota::roster::read::read_roster_for;

use super::Format;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario (forecast, queues, agents).
    scenario: PathBuf,
    /// The roster CSV to drill.
    roster: PathBuf,
    /// Weeks drawn.
    #[arg(long, default_value_t = 1000)]
    weeks: usize,
    /// Seed of the draws (same seed, same odds).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Probability that an agent misses a whole rostered day.
    #[arg(long, default_value_t = 0.0)]
    absence: f64,
    /// A volume shock on a planned day, DATE=MULTIPLIER (e.g. 2026-11-11=1.2); repeatable.
    #[arg(long, value_name = "DATE=MULTIPLIER")]
    shock: Vec<String>,
    /// The probability of meeting each day's target the reserve pool is sized for.
    #[arg(long, default_value_t = 0.9)]
    probability: f64,
    /// Draw no volume: the forecast as it is (absences and shocks still apply).
    #[arg(long)]
    no_volume_noise: bool,
    /// How volume is drawn: `residuals`, one past day's errors per day from
    /// the calibration weeks (`forecast.calibration_weeks`; the band
    /// without them), or `band`, one log-normal factor per day from the band.
    #[arg(long, value_enum, default_value = "residuals")]
    volume_model: Model,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// `--volume-model`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Model {
    Residuals,
    Band,
}

fn shock(s: &str) -> anyhow::Result<Shock> {
    let (d, m) = s
        .split_once('=')
        .with_context(|| format!("--shock `{s}`: expected DATE=MULTIPLIER"))?;
    let date = d
        .parse()
        .with_context(|| format!("--shock `{s}`: `{d}` is not a date YYYY-MM-DD"))?;
    let multiplier: f64 = m
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite() && *x >= 0.0 && *x <= 100.0)
        .with_context(|| format!("--shock `{s}`: `{m}` is not a multiplier between 0 and 100"))?;
    Ok(Shock { date, multiplier })
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    if args.weeks == 0 || args.weeks > 100_000 {
        bail!("--weeks must be between 1 and 100000, got {}", args.weeks);
    }
    if !(0.0..=1.0).contains(&args.absence) {
        bail!(
            "--absence must be a probability between 0 and 1, got {}",
            args.absence
        );
    }
    if !(args.probability > 0.0 && args.probability <= 1.0) {
        bail!(
            "--probability must be above 0 and at most 1, got {}",
            args.probability
        );
    }
    let shocks = args
        .shock
        .iter()
        .map(|s| shock(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let inputs = rota::plan::Inputs::load(&args.scenario, None)?;
    let sc = inputs.scenario();
    for s in &shocks {
        if !inputs.horizon.dates.contains(&s.date) {
            bail!("--shock {}: not a planned day of the scenario", s.date);
        }
    }
    let roster = read_roster_for(&args.roster, sc)?;
    let forecast = inputs.forecast()?;
    let reqs = inputs.requirements(&forecast);
    let evaluation = rota::report::evaluate(sc, &inputs.horizon, &reqs, &roster)?;
    let basis = Basis::new(sc, &inputs.horizon, &forecast, &reqs, &roster, &evaluation);
    let settings = Settings {
        weeks: args.weeks,
        seed: args.seed,
        volume_noise: !args.no_volume_noise,
        volume_model: match args.volume_model {
            Model::Residuals => VolumeModel::Residuals,
            Model::Band => VolumeModel::Band,
        },
        absence_rate: args.absence,
        shocks,
        probability: args.probability,
        ..Settings::default()
    };
    let odds = drill(sc, &inputs.horizon, &basis, &settings);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&odds)?),
        Format::Text => print!("{}", text(&odds)),
    }
    Ok(super::EXIT_OK)
}

/// The odds as a table per queue.
fn text(o: &rota::drill::Odds) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} drawn weeks (seed {}), absence {:.1} %; reserve sized for P(day meets target) >= {:.0} %",
        o.weeks,
        o.seed,
        o.absence_rate * 100.0,
        o.probability * 100.0
    );
    for q in &o.queues {
        let _ = writeln!(
            s,
            "\n{}: target {:.0} %; point {:.1} %; P(week meets) {:.1} %; P(every day meets) {:.1} %; 10th-percentile SL {:.1} %; expected late {:.0}",
            q.queue,
            q.target * 100.0,
            q.point_service_level * 100.0,
            q.p_meet_week * 100.0,
            q.p_meet_every_day * 100.0,
            q.p10_service_level * 100.0,
            q.expected_late
        );
        let _ = writeln!(
            s,
            "  {:<10}  {:>7}  {:>8}  {:>8}  {:>8}  {:>7}",
            "day", "point", "P(meet)", "p10 SL", "late", "reserve"
        );
        for d in &q.days {
            let pct = |x: Option<f64>| x.map_or("-".into(), |x| format!("{:.1} %", x * 100.0));
            let _ = writeln!(
                s,
                "  {:<10}  {:>7}  {:>6.1} %  {:>8}  {:>8.0}  {:>7}",
                d.date.to_string(),
                pct(d.point_service_level),
                d.p_meet * 100.0,
                pct(d.point_service_level.map(|_| d.p10_service_level)),
                d.expected_late,
                d.reserve.map_or("> 50".into(), |r| r.to_string())
            );
        }
    }
    s
}
