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

/// `rota generate-instance`: a benchmark centre of a given size.
pub fn instance(
    agents: usize,
    seed: u64,
    time_limit: f64,
    hours_per_agent: f64,
    out: &Path,
) -> anyhow::Result<i32> {
    anyhow::ensure!(
        (1..=rota::limits::MAX_AGENTS).contains(&agents),
        "--agents must be between 1 and {}",
        rota::limits::MAX_AGENTS
    );
    anyhow::ensure!(
        (1.0..=60.0).contains(&hours_per_agent),
        "--hours-per-agent must be between 1 and 60"
    );
    rota::instance::write(agents, seed, time_limit, hours_per_agent, out)?;
    eprintln!("wrote a {agents}-agent centre to {}", out.display());
    Ok(super::EXIT_OK)
}
