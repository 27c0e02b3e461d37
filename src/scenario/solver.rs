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

/// The named settings compiled into rota: the files of `solver-configs/` as
/// they were when rota was built. A file of the same name beside the
/// scenario (or in a folder above it) overrides them.
pub const BUILT_IN: [(&str, &str); 3] = [
    ("fast", include_str!("../../solver-configs/fast.yaml")),
    ("default", include_str!("../../solver-configs/default.yaml")),
    (
        "thorough",
        include_str!("../../solver-configs/thorough.yaml"),
    ),
];

/// Where a scenario's solver settings come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SolverSource {
    /// A settings file.
    File(PathBuf),
    /// Named settings compiled into rota (no file of that name was found).
    BuiltIn(&'static str),
}

impl std::fmt::Display for SolverSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SolverSource::File(p) => write!(f, "{}", p.display()),
            SolverSource::BuiltIn(name) => write!(f, "built-in {name} settings"),
        }
    }
}

impl SolverSource {
    /// The settings this source holds.
    pub fn load(&self) -> Result<SolverConfig> {
        match self {
            SolverSource::File(p) => SolverConfig::load(p),
            SolverSource::BuiltIn(name) => {
                let text = BUILT_IN
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, t)| *t)
                    .unwrap_or_default();
                SolverConfig::parse(text, Path::new(&format!("built-in {name} settings")))
            }
        }
    }
}

impl SolverConfig {
    /// Reads a solver configuration file.
    pub fn load(path: &Path) -> Result<SolverConfig> {
        let src = crate::limits::read_text_within(
            path,
            crate::limits::MAX_SCENARIO_BYTES,
            "solver settings",
        )?;
        Self::parse(&src, path)
    }

    /// Parses solver settings read from `path`.
    fn parse(src: &str, path: &Path) -> Result<SolverConfig> {
        let cfg: SolverConfig = serde_yaml::from_str(src).map_err(|e| yaml_error(path, &e))?;
        if !matches!(cfg.presolve.as_str(), "on" | "off" | "choose") {
            return Err(Error::input(
                path,
                find_line(src, "presolve", 0),
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

    /// Finds the scenario's `solver` setting like [`SolverConfig::resolve`],
    /// falling back to the built-in settings of that name (`fast`,
    /// `default`, `thorough`) when no file is found, so a scenario in any
    /// folder plans.
    pub fn locate(scenario_path: &Path, name: &str) -> Result<SolverSource> {
        match Self::resolve(scenario_path, name) {
            Ok(p) => Ok(SolverSource::File(p)),
            Err(_) => match BUILT_IN.iter().find(|(n, _)| *n == name) {
                Some((n, _)) => Ok(SolverSource::BuiltIn(n)),
                None => Err(Error::input(
                    scenario_path,
                    None,
                    Some("solver"),
                    format!(
                        "no solver-configs/{name}.yaml found beside the scenario or in a folder above it, and `{name}` is not a built-in setting (fast, default, thorough)"
                    ),
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_settings_parse_and_files_override_them() {
        for (name, _) in BUILT_IN {
            let built_in = SolverSource::BuiltIn(name).load().unwrap();
            let file = SolverConfig::load(Path::new(&format!("solver-configs/{name}.yaml")));
            assert_eq!(built_in, file.unwrap(), "{name}");
        }
        let d = SolverSource::BuiltIn("default").load().unwrap();
        assert_eq!((d.time_limit_seconds, d.mip_rel_gap), (60.0, 0.01));
        // From this repository, the file is found first.
        let found = SolverConfig::locate(Path::new("scenarios/x.yaml"), "fast").unwrap();
        assert!(matches!(found, SolverSource::File(p) if p.ends_with("solver-configs/fast.yaml")));
        let dir = tempfile::tempdir().unwrap();
        let nowhere = dir.path().join("s.yaml");
        assert_eq!(
            SolverConfig::locate(&nowhere, "thorough").unwrap(),
            SolverSource::BuiltIn("thorough")
        );
        let e = SolverConfig::locate(&nowhere, "quick")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a built-in setting"), "{e}");
    }
}
