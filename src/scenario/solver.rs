//! Solver settings: named HiGHS settings in `solver-configs/`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::de::*;
use super::*;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SolverConfig {
    /// Wall-clock limit of one solve, in seconds.
    #[serde(deserialize_with = "de_non_negative")]
    pub time_limit_seconds: f64,
    /// Stop when the relative gap between the incumbent and the best bound is at most this.
    #[serde(deserialize_with = "de_non_negative")]
    pub mip_rel_gap: f64,
    /// Threads HiGHS may use (0 = HiGHS decides).
    #[serde(default)]
    pub threads: u32,
    /// HiGHS random seed: same seed, same model, same roster.
    #[serde(default)]
    pub random_seed: u32,
    /// HiGHS presolve: "on", "off" or "choose".
    #[serde(default = "default_presolve")]
    pub presolve: String,
    /// Hand HiGHS a greedy roster as its first incumbent (so a time-limited
    /// solve always has a roster); `false` lets HiGHS search alone.
    #[serde(default = "default_true")]
    pub warm_start: bool,
    /// Further HiGHS options by their HiGHS name (booleans, numbers or strings),
    /// e.g. `mip_heuristic_effort: 0.3`; see the HiGHS option definitions.
    #[serde(default)]
    pub options: std::collections::BTreeMap<String, HighsValue>,
    /// `agents` solves one model with a binary per agent, day and shift;
    /// `decomposition` solves the tours of interchangeable agents first and
    /// then assigns agents (see docs/benchmarks.md); `auto` decomposes from
    /// `decompose_from_agents` agents on (`decompose_service_level_from_agents`
    /// with the service-level objective).
    #[serde(default)]
    pub method: SolveMethod,
    /// With `method: auto`, the number of agents from which rota decomposes.
    #[serde(default = "default_decompose_from")]
    pub decompose_from_agents: usize,
    /// The same for scenarios with `objective.mode: service_level`, whose
    /// agent model is slower.
    #[serde(default = "default_decompose_sl_from")]
    pub decompose_service_level_from_agents: usize,
}

/// How the optimizer builds the roster.
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SolveMethod {
    #[default]
    Auto,
    Agents,
    Decomposition,
}

fn default_decompose_from() -> usize {
    100
}

fn default_decompose_sl_from() -> usize {
    20
}

/// The value of a HiGHS option.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(untagged)]
pub enum HighsValue {
    Bool(bool),
    Int(i32),
    Float(f64),
    Text(String),
}

pub(super) fn default_true() -> bool {
    true
}

fn default_presolve() -> String {
    "choose".to_string()
}

impl SolverConfig {
    /// Reads a solver configuration file.
    pub fn load(path: &Path) -> Result<SolverConfig> {
        let src = crate::limits::read_text_within(
            path,
            crate::limits::MAX_SCENARIO_BYTES,
            "solver settings",
        )?;
        let cfg: SolverConfig = serde_yaml::from_str(&src).map_err(|e| yaml_error(path, &e))?;
        if !matches!(cfg.presolve.as_str(), "on" | "off" | "choose") {
            return Err(Error::input(
                path,
                find_line(&src, "presolve", 0),
                Some("presolve"),
                format!("must be on, off or choose, got `{}`", cfg.presolve),
            ));
        }
        Ok(cfg)
    }

    /// Finds the file for the scenario's `solver` setting: a path (relative to
    /// the scenario) when it contains a slash or ends in `.yaml`, else a name
    /// looked up as `solver-configs/NAME.yaml` in the scenario's folder and each
    /// folder above it.
    pub fn resolve(scenario_path: &Path, name: &str) -> Result<PathBuf> {
        let dir = scenario_path.parent().unwrap_or(Path::new("."));
        if name.contains('/') || name.ends_with(".yaml") || name.ends_with(".yml") {
            return Ok(dir.join(name));
        }
        let file = format!("{name}.yaml");
        let start = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let abs = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
        for d in abs.ancestors() {
            let candidate = d.join("solver-configs").join(&file);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
        Err(Error::input(
            scenario_path,
            None,
            Some("solver"),
            format!("no solver-configs/{file} found beside the scenario or in a folder above it"),
        ))
    }
}
