//! `rota staff`: required agents for one interval, or what a given staffing
//! delivers (Erlang C, or Erlang A with `--patience`). See docs/staffing.md.

use anyhow::bail;
use rota::staffing::{erlang, erlang_a, scheduled_agents, Target};
use serde::Serialize;

use super::Format;

#[derive(clap::Args)]
#[command(allow_negative_numbers = true, args_override_self = true)]
pub struct Args {
    /// Contacts offered in the interval.
    #[arg(long)]
    volume: f64,
    /// Mean handle time, seconds.
    #[arg(long)]
    aht: f64,
    /// Interval length, minutes.
    #[arg(long)]
    interval_minutes: f64,
    /// Service-level target: share answered within --target-seconds (0.8 for 80 %).
    #[arg(long)]
    target_sl: f64,
    /// Service-level threshold, seconds.
    #[arg(long)]
    target_seconds: f64,
    /// Optional ceiling on the average speed of answer, seconds.
    #[arg(long)]
    target_asa: Option<f64>,
    /// Highest allowed occupancy (the scenario default).
    #[arg(long, default_value_t = 0.85)]
    max_occupancy: f64,
    /// Share of paid time lost to absence, meetings, coaching (the scenario default).
    #[arg(long, default_value_t = 0.3)]
    shrinkage: f64,
    /// Mean patience before callers hang up, seconds: uses Erlang A instead of Erlang C.
    #[arg(long)]
    patience: Option<f64>,
    /// Evaluate this many agents instead of solving for the fewest that meet the target.
    #[arg(long)]
    agents: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Serialize)]
struct Output {
    agents: u32,
    scheduled_agents: u32,
    service_level: f64,
    prob_wait: f64,
    /// `null` when the queue is unstable (Erlang C with agents ≤ load).
    asa_seconds: Option<f64>,
    occupancy: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    abandon_rate: Option<f64>,
}

fn check(args: &Args) -> anyhow::Result<()> {
    let finite = |name: &str, v: f64| -> anyhow::Result<()> {
        if !v.is_finite() {
            bail!("--{name} must be a finite number, got {v}");
        }
        Ok(())
    };
    finite("volume", args.volume)?;
    finite("aht", args.aht)?;
    finite("interval-minutes", args.interval_minutes)?;
    finite("target-sl", args.target_sl)?;
    finite("target-seconds", args.target_seconds)?;
    finite("max-occupancy", args.max_occupancy)?;
    finite("shrinkage", args.shrinkage)?;
    if args.volume < 0.0 {
        bail!("--volume must be at least 0 contacts, got {}", args.volume);
    }
    if args.aht <= 0.0 {
        bail!("--aht must be above 0 seconds, got {}", args.aht);
    }
    if args.interval_minutes <= 0.0 {
        bail!(
            "--interval-minutes must be above 0, got {}",
            args.interval_minutes
        );
    }
    if !(args.target_sl > 0.0 && args.target_sl < 1.0) {
        bail!(
            "--target-sl must be above 0 and below 1 (0.8 for 80 %), got {}",
            args.target_sl
        );
    }
    if args.target_seconds < 0.0 {
        bail!(
            "--target-seconds must be at least 0, got {}",
            args.target_seconds
        );
    }
    if let Some(a) = args.target_asa {
        if !(a.is_finite() && a > 0.0) {
            bail!("--target-asa must be above 0 seconds, got {a}");
        }
    }
    if !(args.max_occupancy > 0.0 && args.max_occupancy <= 1.0) {
        bail!(
            "--max-occupancy must be above 0 and at most 1, got {}",
            args.max_occupancy
        );
    }
    if !(0.0..1.0).contains(&args.shrinkage) {
        bail!(
            "--shrinkage must be at least 0 and below 1, got {}",
            args.shrinkage
        );
    }
    if let Some(p) = args.patience {
        if !(p.is_finite() && p > 0.0 && p <= 1.0e7) {
            bail!("--patience must be above 0 and at most 10000000 seconds, got {p}");
        }
    }
    // Bounded work: past these, Erlang's recursions run for minutes or
    // more, and no centre has that many agents (docs/limits.md).
    let load = args.volume * args.aht / (args.interval_minutes * 60.0);
    let max_load = rota::limits::MAX_LOAD_ERLANGS;
    if load > max_load {
        bail!(
            "--volume {} with --aht {} over {} minutes is an offered load of {load:.0} Erlangs: rota staffs at most {max_load} Erlangs (see docs/limits.md)",
            args.volume,
            args.aht,
            args.interval_minutes
        );
    }
    if let Some(n) = args.agents.filter(|n| *n > rota::limits::MAX_SERVERS) {
        bail!(
            "--agents {n}: rota evaluates at most {} agents (see docs/limits.md)",
            rota::limits::MAX_SERVERS
        );
    }
    for (name, v) in [
        ("target-seconds", Some(args.target_seconds)),
        ("target-asa", args.target_asa),
        ("aht", Some(args.aht)),
    ] {
        if let Some(v) = v.filter(|v| *v > rota::limits::MAX_SECONDS) {
            bail!(
                "--{name} {v}: at most {} seconds (a day)",
                rota::limits::MAX_SECONDS
            );
        }
    }
    Ok(())
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    check(&args)?;
    let load = args.volume * args.aht / (args.interval_minutes * 60.0);
    let target = Target {
        service_level: args.target_sl,
        seconds: args.target_seconds,
        max_asa_seconds: args.target_asa,
        max_occupancy: args.max_occupancy,
    };
    let (perf, abandon) = match (args.patience, args.agents) {
        (Some(p), Some(n)) => {
            let e = erlang_a::evaluate(n, load, args.aht, p, args.target_seconds);
            (e.performance(), Some(e.abandon_rate))
        }
        (Some(p), None) => {
            let e = erlang_a::required_servers(load, args.aht, p, &target);
            (e.performance(), Some(e.abandon_rate))
        }
        (None, Some(n)) => (
            erlang::evaluate(n, load, args.aht, args.target_seconds),
            None,
        ),
        (None, None) => (erlang::required_servers(load, args.aht, &target), None),
    };
    let out = Output {
        agents: perf.agents,
        scheduled_agents: scheduled_agents(perf.agents, args.shrinkage),
        service_level: perf.service_level,
        prob_wait: perf.prob_wait,
        asa_seconds: perf.asa_seconds.is_finite().then_some(perf.asa_seconds),
        occupancy: perf.occupancy,
        abandon_rate: abandon,
    };
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&out)?),
        Format::Text => {
            let model = match args.patience {
                Some(p) => format!("Erlang A, mean patience {p} s"),
                None => "Erlang C".to_string(),
            };
            println!(
                "{} contacts in {} min, AHT {} s: {:.2} Erlangs ({model})",
                args.volume, args.interval_minutes, args.aht, load
            );
            let what = if args.agents.is_some() {
                "given"
            } else {
                "required"
            };
            println!(
                "agents:           {} {what} ({:.0}% in {} s{}, occupancy cap {:.0}%)",
                out.agents,
                args.target_sl * 100.0,
                args.target_seconds,
                args.target_asa
                    .map(|a| format!(", ASA at most {a} s"))
                    .unwrap_or_default(),
                args.max_occupancy * 100.0
            );
            println!(
                "scheduled agents: {} (shrinkage {:.0}%)",
                out.scheduled_agents,
                args.shrinkage * 100.0
            );
            println!(
                "service level:    {:.2}% answered within {} s",
                out.service_level * 100.0,
                args.target_seconds
            );
            println!("P(wait):          {:.2}%", out.prob_wait * 100.0);
            match out.asa_seconds {
                Some(a) => println!("ASA:              {a:.1} s"),
                None => println!(
                    "ASA:              unbounded (agents ≤ load: the queue grows without limit)"
                ),
            }
            println!("occupancy:        {:.2}%", out.occupancy * 100.0);
            if let Some(a) = out.abandon_rate {
                println!("abandoned:        {:.2}%", a * 100.0);
            }
            if args.agents.is_some() {
                let met = out.service_level + 1e-12 >= args.target_sl
                    && args
                        .target_asa
                        .is_none_or(|m| out.asa_seconds.is_some_and(|a| a <= m + 1e-12))
                    && out.occupancy <= args.max_occupancy + 1e-12;
                println!("target:           {}", if met { "met" } else { "missed" });
            }
        }
    }
    Ok(super::EXIT_OK)
}
