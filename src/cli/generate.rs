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
    let inst = rota::instance::instance(agents, seed);
    let spec = HistorySpec::from_yaml_str(&inst.history_spec_yaml)?;
    let mut history = Vec::new();
    write_csv(&generate(&spec)?, &mut history)?;
    let solver = format!(
        "# Benchmark settings: gap 1%, both cores.\ntime_limit_seconds: {time_limit}\nmip_rel_gap: 0.01\nthreads: 2\nrandom_seed: 42\n"
    );
    rota::export::write_files(
        out,
        &[
            ("scenario.yaml".into(), inst.scenario_yaml.into_bytes()),
            (
                "history-spec.yaml".into(),
                inst.history_spec_yaml.into_bytes(),
            ),
            ("history.csv".into(), history),
            ("solver.yaml".into(), solver.into_bytes()),
        ],
    )?;
    eprintln!("wrote a {agents}-agent centre to {}", out.display());
    Ok(super::EXIT_OK)
}
