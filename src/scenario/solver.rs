//! Solver settings: named HiGHS settings in `solver-configs/`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::de::*;
use super::*;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SolverConfig {
    /// Wall-clock limit of one solve, in seconds (at most a week).
    #[serde(deserialize_with = "de_time_limit")]
    pub time_limit_seconds: f64,
    /// Stop when the relative gap between the incumbent and the best bound is at most this.
    #[serde(deserialize_with = "de_gap")]
    pub mip_rel_gap: f64,
    /// Threads HiGHS may use (0 = HiGHS decides; at most
    /// [`crate::limits::MAX_THREADS`]).
    #[serde(default, deserialize_with = "de_threads")]
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
    /// Only options that steer the search are allowed ([`option_allowed`]):
    /// none that reads or writes files or prints.
    #[serde(default)]
    pub options: std::collections::BTreeMap<String, HighsValue>,
    /// `agents` solves one model with a binary per agent, day and shift;
    /// `decomposition` solves the tours of interchangeable agents first and
    /// then assigns agents; `column_generation` prices each agent's plans
    /// against a master of the whole roster (see docs/benchmarks.md); `auto`
    /// decomposes from `decompose_from_agents` agents on
    /// (`decompose_service_level_from_agents` with the service-level
    /// objective) and uses column generation from
    /// `column_generation_from_agents` on
    /// (`column_generation_service_level_from_agents`).
    #[serde(default)]
    pub method: SolveMethod,
    /// With `method: auto`, the number of agents from which rota decomposes.
    #[serde(default = "default_decompose_from")]
    pub decompose_from_agents: usize,
    /// The same for scenarios with `objective.mode: service_level`, whose
    /// agent model is slower.
    #[serde(default = "default_decompose_sl_from")]
    pub decompose_service_level_from_agents: usize,
    /// With `method: auto` and `objective.mode: requirements`, the number of
    /// agents from which rota uses column generation instead of the
    /// decomposition.
    #[serde(default = "default_column_generation_from")]
    pub column_generation_from_agents: usize,
    /// The same for scenarios with `objective.mode: service_level`.
    #[serde(default = "default_column_generation_sl_from")]
    pub column_generation_service_level_from_agents: usize,
}

/// How the optimizer builds the roster.
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SolveMethod {
    #[default]
    Auto,
    Agents,
    Decomposition,
    /// Column generation over agents' plans (`solve/colgen/`).
    ColumnGeneration,
    /// A plan of several weeks solved a week at a time (`solve/weeks.rs`).
    Weeks,
}

/// The decomposition reaches a small gap in seconds from about twenty
/// agents on, where the agent model stalls near its greedy start on a short
/// time limit (docs/benchmarks.md, "Which method `auto` picks").
fn default_decompose_from() -> usize {
    20
}

fn default_column_generation_from() -> usize {
    100
}

fn default_decompose_sl_from() -> usize {
    20
}

/// With the service-level objective, column generation reached 0.91 % on
/// a 1,000-agent realistic week where the decomposition stopped at 25 %,
/// and the decomposition's roster cost a fifth of column generation's on
/// a 200-agent one (docs/benchmarks.md, seventh session).
fn default_column_generation_sl_from() -> usize {
    500
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
                SolverConfig::from_yaml_str(text, Path::new(&format!("built-in {name} settings")))
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
        SolverConfig::from_yaml_str(&src, path)
    }

    /// Parses and checks solver settings from YAML text; `path` is used in errors only.
    pub fn from_yaml_str(src: &str, path: &Path) -> Result<SolverConfig> {
        crate::limits::check_yaml(src, path)?;
        let cfg: SolverConfig = serde_yaml::from_str(src).map_err(|e| {
            let mut err = yaml_error(path, src, &e);
            if let Error::Input {
                location, message, ..
            } = &mut err
            {
                if message.contains("untagged enum HighsValue") {
                    *message = "every HiGHS option takes a boolean, a number or a text".into();
                    location.field = location.field.clone().or(Some("options".into()));
                }
            }
            err
        })?;
        let at = |key: &str, field: String, msg: String| {
            Error::input(path, find_line(src, key, 0), Some(&field), msg)
        };
        if !matches!(cfg.presolve.as_str(), "on" | "off" | "choose") {
            return Err(at(
                "presolve",
                "presolve".into(),
                format!("must be on, off or choose, got `{}`", cfg.presolve),
            ));
        }
        // HiGHS itself judges each option's name and value, on an empty model.
        let mut probe = highs::ColProblem::default().optimise(highs::Sense::Minimise);
        for (k, v) in &cfg.options {
            let field = format!("options.{k}");
            let key = format!("{k}:");
            if let Err(why) = option_allowed(k) {
                return Err(at(&key, field, why));
            }
            let r = match v {
                HighsValue::Bool(b) => probe.try_set_option(k.as_str(), *b),
                HighsValue::Int(i) => probe.try_set_option(k.as_str(), *i),
                HighsValue::Float(f) => probe.try_set_option(k.as_str(), *f),
                HighsValue::Text(t) => probe.try_set_option(k.as_str(), t.as_str()),
            };
            if r.is_err() {
                return Err(at(
                    &key,
                    field,
                    format!("HiGHS has no option `{k}` that takes this value (see the HiGHS option definitions)"),
                ));
            }
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
mod built_in_tests {
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

/// Whether a HiGHS option may be set from a solver-settings file: options
/// that steer the search (`mip_*`, `simplex_*`, `presolve_*`, `ipm_*`,
/// `pdlp_*`, tolerances, `parallel`, `solver`, `run_crossover`, ...) and
/// HiGHS's console log (`output_flag`, `log_to_console`); never one that
/// names, reads or writes a file (`log_file`, `solution_file`, `write_*`,
/// `read_*`, `mip_improving_solution_file`, ...), and not those rota sets
/// from its own fields. The error says why.
pub fn option_allowed(name: &str) -> std::result::Result<(), String> {
    const OWN: [(&str, &str); 5] = [
        ("time_limit", "time_limit_seconds"),
        ("mip_rel_gap", "mip_rel_gap"),
        ("random_seed", "random_seed"),
        ("presolve", "presolve"),
        ("threads", "threads"),
    ];
    if let Some((_, field)) = OWN.iter().find(|(o, _)| *o == name) {
        return Err(format!(
            "set `{field}` instead of the HiGHS option `{name}`"
        ));
    }
    const FILES: [&str; 4] = ["file", "write", "read", "image"];
    if FILES.iter().any(|w| name.contains(w)) {
        return Err(format!(
            "the HiGHS option `{name}` is not allowed: rota refuses options that read or write files (see docs/limits.md)"
        ));
    }
    if name.contains("concurrency") {
        return Err(format!(
            "the HiGHS option `{name}` is not allowed: set `threads` instead"
        ));
    }
    const PREFIXES: [&str; 10] = [
        "mip_",
        "simplex_",
        "presolve_",
        "ipm_",
        "pdlp_",
        "icrash",
        "qp_",
        "ipx_",
        "dual_",
        "primal_",
    ];
    const NAMES: [&str; 18] = [
        "output_flag",
        "log_to_console",
        "parallel",
        "solver",
        "run_crossover",
        "objective_bound",
        "objective_target",
        "infinite_cost",
        "infinite_bound",
        "small_matrix_value",
        "large_matrix_value",
        "cost_scale_factor",
        "allowed_matrix_scale_factor",
        "allowed_cost_scale_factor",
        "use_implied_bounds_from_presolve",
        "factor_pivot_threshold",
        "factor_pivot_tolerance",
        "kkt_tolerance",
    ];
    if PREFIXES.iter().any(|p| name.starts_with(p))
        || NAMES.contains(&name)
        || name.ends_with("_tolerance")
    {
        return Ok(());
    }
    Err(format!(
        "the HiGHS option `{name}` is not among those rota allows (options that steer the search: mip_*, simplex_*, presolve_*, ipm_*, pdlp_*, tolerances, parallel, solver, run_crossover; output_flag and log_to_console; see docs/scenario.md)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<SolverConfig, String> {
        SolverConfig::from_yaml_str(text, Path::new("s.yaml")).map_err(|e| e.to_string())
    }

    #[test]
    fn options_that_touch_files_or_print_are_refused_with_their_line() {
        let base = "time_limit_seconds: 10\nmip_rel_gap: 0.01\noptions:\n";
        for (opt, why) in [
            ("log_file: /tmp/x.log", "read or write files"),
            ("solution_file: /tmp/x.sol", "read or write files"),
            ("write_model_to_file: true", "read or write files"),
            ("mip_improving_solution_file: /tmp/x", "read or write files"),
            ("read_solution_file: /etc/passwd", "read or write files"),
            ("highs_debug_level: 3", "not among those rota allows"),
            ("threads: 1000", "set `threads`"),
            ("simplex_max_concurrency: 1000", "set `threads`"),
            ("ranging: on", "not among those rota allows"),
        ] {
            let e = parse(&format!("{base}  {opt}\n")).unwrap_err();
            let key = opt.split(':').next().unwrap();
            assert!(
                e.contains("line 4")
                    && e.contains(&format!("field `options.{key}`"))
                    && e.contains(why),
                "{opt}: {e}"
            );
        }
        let ok = parse(&format!(
            "{base}  mip_heuristic_effort: 0.3\n  parallel: \"on\"\n  output_flag: true\n"
        ))
        .unwrap();
        assert_eq!(ok.options.len(), 3);
        // HiGHS judges the value: out of range, or the wrong type.
        let e = parse(&format!("{base}  mip_heuristic_effort: 7.5\n")).unwrap_err();
        assert!(e.contains("options.mip_heuristic_effort"), "{e}");
        let e = parse(&format!("{base}  mip_max_nodes: [1]\n")).unwrap_err();
        assert!(
            e.contains("boolean, a number or a text") && e.contains("line 4"),
            "{e}"
        );
    }

    #[test]
    fn numbers_are_bounded_and_errors_name_the_field_and_line() {
        let e = parse("time_limit_seconds: 10\nmip_rel_gap: 0.01\nthreads: 100000\n").unwrap_err();
        assert!(
            e.contains("line 3") && e.contains("field `threads`") && e.contains("between 0 and 64"),
            "{e}"
        );
        let e = parse("time_limit_seconds: 1e308\nmip_rel_gap: 0.01\n").unwrap_err();
        assert!(
            e.contains("line 1") && e.contains("field `time_limit_seconds`"),
            "{e}"
        );
        let e = parse("time_limit_seconds: 10\nmip_rel_gap: 2\n").unwrap_err();
        assert!(
            e.contains("line 2") && e.contains("field `mip_rel_gap`"),
            "{e}"
        );
        let e = parse("time_limit_seconds: 10\n").unwrap_err();
        assert!(
            e.contains("field `mip_rel_gap`") && e.contains("missing"),
            "{e}"
        );
        let e =
            parse("time_limit_seconds: 10\nmip_rel_gap: 0.01\nmip_rel_gap: 0.02\n").unwrap_err();
        assert!(
            e.contains("line 3") && e.contains("duplicate key `mip_rel_gap`"),
            "{e}"
        );
    }
}
