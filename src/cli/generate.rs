//! `rota generate-history`: the seeded history generator.

use std::path::Path;

use anyhow::Context;
use rota::history::generate::{generate, write_csv, HistorySpec};

pub fn run(spec: &Path, out: &Path) -> anyhow::Result<i32> {
    rota::export::check_outputs(&[out.to_path_buf()], &[spec.to_path_buf()])?;
    let text =
        rota::limits::read_text_within(spec, rota::limits::MAX_SCENARIO_BYTES, "generator spec")?;
    rota::limits::check_yaml(&text, spec)?;
    let spec_v =
        HistorySpec::from_yaml_str(&text).with_context(|| format!("{}", spec.display()))?;
    let rows = generate(&spec_v).with_context(|| format!("{}", spec.display()))?;
    let mut bytes = Vec::new();
    write_csv(&rows, &mut bytes)?;
    out.file_name().context("--out must name a file")?;
    rota::export::write_file(out, &bytes)?;
    eprintln!("wrote {} rows to {}", rows.len(), out.display());
    Ok(super::EXIT_OK)
}

/// Who works in a generated centre (`rota::instance::Mix`).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum MixArg {
    Uniform,
    Realistic,
}

impl From<MixArg> for rota::instance::Mix {
    fn from(m: MixArg) -> Self {
        match m {
            MixArg::Uniform => rota::instance::Mix::Uniform,
            MixArg::Realistic => rota::instance::Mix::Realistic,
        }
    }
}

/// `rota generate-instance`: a benchmark centre of a given size and shape.
pub fn instance(
    agents: usize,
    seed: u64,
    time_limit: f64,
    shape: &rota::instance::Shape,
    out: &Path,
) -> anyhow::Result<i32> {
    anyhow::ensure!(
        (1..=rota::limits::MAX_AGENTS).contains(&agents),
        "--agents must be between 1 and {}",
        rota::limits::MAX_AGENTS
    );
    anyhow::ensure!(
        (1.0..=60.0).contains(&shape.hours_per_agent),
        "--hours-per-agent must be between 1 and 60"
    );
    anyhow::ensure!(
        (7..=42).contains(&shape.days),
        "--days must be between 7 and 42"
    );
    let inst = rota::instance::write(agents, seed, time_limit, shape, out)?;
    eprintln!(
        "wrote a {agents}-agent centre of {} days to {}: {} kinds of agent, {} agents unlike any other",
        shape.days,
        out.display(),
        inst.kinds,
        inst.singular_agents
    );
    Ok(super::EXIT_OK)
}
