//! `rota generate-history`: the seeded history generator.

use std::path::Path;

use anyhow::Context;
use rota::history::generate::{generate, write_csv, HistorySpec};

pub fn run(spec: &Path, out: &Path) -> anyhow::Result<i32> {
    let text =
        std::fs::read_to_string(spec).with_context(|| format!("cannot read {}", spec.display()))?;
    let spec_v =
        HistorySpec::from_yaml_str(&text).with_context(|| format!("{}", spec.display()))?;
    let rows = generate(&spec_v).with_context(|| format!("{}", spec.display()))?;
    let mut bytes = Vec::new();
    write_csv(&rows, &mut bytes)?;
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .context("--out must name a file")?
        .to_string_lossy()
        .to_string();
    rota::export::write_files(dir, &[(name, bytes)])?;
    eprintln!("wrote {} rows to {}", rows.len(), out.display());
    Ok(super::EXIT_OK)
}

/// `rota generate-instance`: a benchmark centre of a given size.
pub fn instance(agents: usize, seed: u64, time_limit: f64, out: &Path) -> anyhow::Result<i32> {
    anyhow::ensure!(
        (1..=rota::limits::MAX_AGENTS).contains(&agents),
        "--agents must be between 1 and {}",
        rota::limits::MAX_AGENTS
    );
    rota::instance::write(agents, seed, time_limit, out)?;
    eprintln!("wrote a {agents}-agent centre to {}", out.display());
    Ok(super::EXIT_OK)
}
