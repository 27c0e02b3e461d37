//! What-if analysis: scenario variants, side-by-side comparison, parameter
//! sweeps split into shards that run anywhere and merge back.
//!
//! A variant is a YAML file with `extend: BASE.yaml` and changes to the base:
//!
//! ```yaml
//! extend: hangzhou-ecommerce.yaml
//! name: Hotline at 90% in 15 s
//! set:                                  # any field, by path
//!   queues[hotline].service_level: { target: 0.90, seconds: 15 }
//!   defaults.shrinkage: 0.35
//! add:                                  # items appended to lists
//!   agents:
//!     - { id: HZ043, name: New Hire, skills: [hotline], min_hours: 36, max_hours: 40 }
//! remove:                               # list items removed by id
//!   agents: [HZ001]
//! ```
//!
//! Paths are dot-separated keys; `[x]` selects the list item whose `id` is
//! `x`, or the item at index `x` when `x` is a number. An error in the
//! result is reported at the line of the variant entry that caused it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_yaml::Value;

use crate::error::{Error, Location, Result};
use crate::scenario::{
    find_line, key_line, yaml_error, Adjustment, FieldOrigin, LoadedScenario, Origins, Scenario,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantFile {
    extend: PathBuf,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    set: serde_yaml::Mapping,
    #[serde(default)]
    add: BTreeMap<String, Vec<Value>>,
    #[serde(default)]
    remove: BTreeMap<String, Vec<String>>,
}

fn read(path: &Path) -> Result<String> {
    crate::limits::read_text_within(path, crate::limits::MAX_SCENARIO_BYTES, "scenario")
}

/// One step of a path: a key, then optional selectors.
fn parse_path(path: &str) -> std::result::Result<Vec<(String, Vec<String>)>, String> {
    let mut out = Vec::new();
    for seg in path.split('.') {
        let (key, mut rest) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if key.is_empty() {
            return Err(format!("empty key in path `{path}`"));
        }
        let mut sels = Vec::new();
        while let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or_else(|| format!("unclosed `[` in path `{path}`"))?;
            sels.push(r[..end].to_string());
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("unexpected `{rest}` in path `{path}`"));
        }
        out.push((key.to_string(), sels));
    }
    Ok(out)
}

fn select<'a>(
    list: &'a mut [Value],
    sel: &str,
    key: &str,
) -> std::result::Result<&'a mut Value, String> {
    if let Ok(i) = sel.parse::<usize>() {
        let n = list.len();
        return list
            .get_mut(i)
            .ok_or_else(|| format!("`{key}` has {n} items, no item {i}"));
    }
    list.iter_mut()
        .find(|v| v.get("id").and_then(Value::as_str) == Some(sel))
        .ok_or_else(|| format!("`{key}` has no item with id `{sel}`"))
}

/// Sets `path` in `root` to `value`, creating missing mapping keys.
pub fn set_path(root: &mut Value, path: &str, value: Value) -> std::result::Result<(), String> {
    let steps = parse_path(path)?;
    let mut cur = root;
    for (i, (key, sels)) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let map = cur
            .as_mapping_mut()
            .ok_or_else(|| format!("`{key}` is inside something that is not a mapping"))?;
        let k = Value::String(key.clone());
        if last && sels.is_empty() {
            map.insert(k, value);
            return Ok(());
        }
        if !map.contains_key(&k) {
            if !sels.is_empty() {
                return Err(format!("the base scenario has no `{key}` list"));
            }
            map.insert(k.clone(), Value::Mapping(Default::default()));
        }
        let mut node = map.get_mut(&k).expect("present");
        for (j, sel) in sels.iter().enumerate() {
            let list = node
                .as_sequence_mut()
                .ok_or_else(|| format!("`{key}` is not a list"))?;
            let item = select(list, sel, key)?;
            if last && j + 1 == sels.len() {
                *item = value;
                return Ok(());
            }
            node = item;
        }
        cur = node;
    }
    Ok(())
}

/// Loads a scenario file; a file with `extend:` is a variant of another
/// (which may itself be a variant, at most
/// [`MAX_EXTEND_CHAIN`](crate::limits::MAX_EXTEND_CHAIN) deep, never in a cycle).
pub fn load_scenario(path: &Path) -> Result<LoadedScenario> {
    merged(path, &mut Vec::new()).map(|(_, loaded)| loaded)
}

/// The scenario document after every `extend` is applied, and the loaded
/// scenario. `chain` holds the canonical paths of the variants that led here.
fn merged(path: &Path, chain: &mut Vec<PathBuf>) -> Result<(Value, LoadedScenario)> {
    let src = read(path)?;
    crate::limits::check_yaml(&src, path)?;
    let root: Value = serde_yaml::from_str(&src).map_err(|e| yaml_error(path, &src, &e))?;
    if root.get("extend").is_none() {
        return Ok((root, LoadedScenario::from_text(&src, path)?));
    }
    let extend_line = find_line(&src, "extend", 0);
    let here = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if let Some(i) = chain.iter().position(|p| p == &here) {
        let names: Vec<String> = chain[i..]
            .iter()
            .chain([&here])
            .map(|p| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string()
            })
            .collect();
        return Err(Error::input(
            path,
            extend_line,
            Some("extend"),
            format!(
                "the variants extend each other in a cycle: {}",
                names.join(" extends ")
            ),
        ));
    }
    if chain.len() >= crate::limits::MAX_EXTEND_CHAIN {
        return Err(Error::input(
            path,
            extend_line,
            Some("extend"),
            format!(
                "more than {} variants extend one another: rota follows at most that many (see docs/limits.md)",
                crate::limits::MAX_EXTEND_CHAIN
            ),
        ));
    }
    chain.push(here);
    let variant: VariantFile =
        serde_yaml::from_str(&src).map_err(|e| yaml_error(path, &src, &e))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    // A base that cannot be read is the variant's fault, at its `extend` line.
    let extend_origin = FieldOrigin {
        file: path.to_path_buf(),
        line: extend_line,
    };
    let (mut root, base_loaded) = merged(&dir.join(&variant.extend), chain)
        .map_err(|e| extend_origin.file_error("extend", e))?;
    let at = |key: &str, msg: String| Error::input(path, find_line(&src, key, 0), Some(key), msg);
    // Where each change came from: the path it changed and the variant key.
    let mut origins: Vec<(String, String)> = Vec::new();
    if let Some(name) = &variant.name {
        set_path(&mut root, "name", Value::String(name.clone())).map_err(|m| at("name", m))?;
    }
    if let Some(d) = &variant.description {
        set_path(&mut root, "description", Value::String(d.clone()))
            .map_err(|m| at("description", m))?;
    }
    for (k, v) in &variant.set {
        let key = k
            .as_str()
            .ok_or_else(|| at("set", "keys of `set` must be paths".into()))?;
        set_path(&mut root, key, v.clone()).map_err(|m| at(key, m))?;
        origins.push((key.to_string(), key.to_string()));
    }
    for (list, items) in &variant.remove {
        let seq = root
            .get_mut(list.as_str())
            .and_then(Value::as_sequence_mut)
            .ok_or_else(|| at(list, format!("the base scenario has no `{list}` list")))?;
        for id in items {
            let before = seq.len();
            seq.retain(|v| v.get("id").and_then(Value::as_str) != Some(id));
            if seq.len() == before {
                return Err(at(
                    id,
                    format!("`{list}` has no item with id `{id}` to remove"),
                ));
            }
        }
        origins.push((list.clone(), list.clone()));
    }
    for (list, items) in &variant.add {
        let seq = root
            .get_mut(list.as_str())
            .and_then(Value::as_sequence_mut)
            .ok_or_else(|| at(list, format!("the base scenario has no `{list}` list")))?;
        seq.extend(items.iter().cloned());
        origins.push((list.clone(), list.clone()));
    }
    let text = serde_yaml::to_string(&root).map_err(|e| Error::Solver(e.to_string()))?;
    let scenario =
        Scenario::from_yaml_str(&text, path).map_err(|e| blame(e, path, &src, &root, &origins))?;
    // Files named by the variant resolve against the variant; the rest against the base.
    let touched = |prefix: &str| {
        origins
            .iter()
            .any(|(p, _)| p == prefix || p.starts_with(&format!("{prefix}.")))
    };
    let here_at = |keys: &[&str]| FieldOrigin {
        file: path.to_path_buf(),
        line: key_line(&src, keys).or_else(|| find_line(&src, keys[0], 0)),
    };
    let (history_path, history_origin) = if touched("history") {
        (
            dir.join(&scenario.history.file),
            here_at(&["history", "file"]),
        )
    } else {
        (
            base_loaded.history_path.clone(),
            base_loaded.origins.history.clone(),
        )
    };
    let (scenario_path, solver_origin) = if touched("solver") {
        (path.to_path_buf(), here_at(&["solver"]))
    } else {
        (base_loaded.path.clone(), base_loaded.origins.solver.clone())
    };
    let mut sources = vec![path.to_path_buf()];
    sources.extend(base_loaded.origins.sources.iter().cloned());
    let loaded = LoadedScenario {
        scenario,
        path: scenario_path,
        history_path,
        origins: Origins {
            sources,
            history: history_origin,
            solver: solver_origin,
        },
    };
    Ok((root, loaded))
}

/// Rewrites an error in the merged scenario to point at the variant entry
/// whose path the error's field starts with.
fn blame(e: Error, path: &Path, src: &str, root: &Value, origins: &[(String, String)]) -> Error {
    let Error::Input {
        location, message, ..
    } = e
    else {
        return e;
    };
    // The field the error names, in the error's own words (`queues[0].x: ...`).
    let field = location
        .field
        .clone()
        .or_else(|| message.split_once(": ").map(|(f, _)| f.to_string()))
        .unwrap_or_default();
    let normalised = |p: &str| -> String {
        // Turn `queues[hotline]` into `queues[0]` using the merged document.
        let Ok(steps) = parse_path(p) else {
            return p.to_string();
        };
        let mut out = Vec::new();
        let mut node = Some(root);
        for (key, sels) in steps {
            let mut seg = key.clone();
            node = node.and_then(|n| n.get(key.as_str()));
            for s in sels {
                let idx = node.and_then(Value::as_sequence).and_then(|l| {
                    s.parse::<usize>().ok().or_else(|| {
                        l.iter()
                            .position(|v| v.get("id").and_then(Value::as_str) == Some(s.as_str()))
                    })
                });
                match idx {
                    Some(i) => {
                        seg.push_str(&format!("[{i}]"));
                        node = node.and_then(|n| n.get(i));
                    }
                    None => seg.push_str(&format!("[{s}]")),
                }
            }
            out.push(seg);
        }
        out.join(".")
    };
    let hit = origins.iter().rev().find(|(p, _)| {
        let n = normalised(p);
        field == n
            || field.starts_with(&format!("{n}."))
            || field.starts_with(&format!("{n}["))
            || n.starts_with(&format!("{field}."))
    });
    match hit {
        Some((_, key)) => Error::Input {
            path: path.to_path_buf(),
            location: Location {
                line: find_line(src, key, 0),
                column: None,
                field: Some(key.clone()),
            },
            message,
        },
        None => Error::Input {
            path: path.to_path_buf(),
            location: Location::default(),
            message: format!("the scenario this variant makes is invalid: {message}"),
        },
    }
}

/// A parameter a sweep varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Param {
    /// Multiplier of every queue's forecast volume.
    Volume,
    /// Multiplier of every queue's forecast handle time.
    Aht,
    /// Shrinkage of every queue.
    Shrinkage,
    /// Service-level target of every queue.
    Target,
}

impl Param {
    /// The parameter's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Param::Volume => "volume",
            Param::Aht => "aht",
            Param::Shrinkage => "shrinkage",
            Param::Target => "target",
        }
    }

    fn parse(s: &str) -> std::result::Result<Param, String> {
        match s {
            "volume" => Ok(Param::Volume),
            "aht" => Ok(Param::Aht),
            "shrinkage" => Ok(Param::Shrinkage),
            "target" => Ok(Param::Target),
            _ => Err(format!(
                "unknown parameter `{s}`: expected volume, aht, shrinkage or target"
            )),
        }
    }

    /// Applies the parameter's value to a scenario.
    pub fn apply(self, sc: &mut Scenario, v: f64) {
        let all = |sc: &Scenario| Adjustment {
            name: String::new(),
            date: sc.planning.week_start,
            until: sc.dates().last().copied(),
            volume_multiplier: 1.0,
            aht_multiplier: 1.0,
            queues: None,
        };
        match self {
            Param::Volume => {
                let a = Adjustment {
                    name: format!("sweep volume ×{v}"),
                    volume_multiplier: v,
                    ..all(sc)
                };
                sc.adjustments.push(a);
            }
            Param::Aht => {
                let a = Adjustment {
                    name: format!("sweep AHT ×{v}"),
                    aht_multiplier: v,
                    ..all(sc)
                };
                sc.adjustments.push(a);
            }
            Param::Shrinkage => {
                sc.defaults.shrinkage = v;
                for q in &mut sc.queues {
                    q.shrinkage = Some(v);
                }
            }
            Param::Target => {
                for q in &mut sc.queues {
                    q.service_level.target = v;
                }
            }
        }
    }
}

/// One varied parameter and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    pub param: Param,
    pub values: Vec<f64>,
}

impl Axis {
    /// Parses `volume=0.8..1.4:0.1` (inclusive range and step) or `target=0.8,0.85,0.9`.
    pub fn parse(spec: &str) -> std::result::Result<Axis, String> {
        let (name, vals) = spec
            .split_once('=')
            .ok_or_else(|| format!("`{spec}`: expected NAME=FROM..TO:STEP or NAME=V1,V2,..."))?;
        let param = Param::parse(name.trim())?;
        let num = |s: &str| -> std::result::Result<f64, String> {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("`{s}` is not a number in `{spec}`"))
        };
        let values = if let Some((range, step)) = vals.split_once(':') {
            let (lo, hi) = range
                .split_once("..")
                .ok_or_else(|| format!("`{spec}`: expected FROM..TO:STEP"))?;
            let (lo, hi, step) = (num(lo)?, num(hi)?, num(step)?);
            if step <= 0.0 || hi < lo {
                return Err(format!(
                    "`{spec}`: the step must be positive and FROM at most TO"
                ));
            }
            let n = ((hi - lo) / step + 1e-9).floor() as usize + 1;
            if n > 1000 {
                return Err(format!("`{spec}` makes {n} values; at most 1000"));
            }
            (0..n)
                .map(|i| ((lo + i as f64 * step) * 1e9).round() / 1e9)
                .collect()
        } else {
            vals.split(',')
                .map(num)
                .collect::<std::result::Result<Vec<_>, _>>()?
        };
        let bad = values.iter().find(|&&v| match param {
            Param::Volume | Param::Aht => !(0.0..=crate::limits::MAX_MULTIPLIER).contains(&v),
            Param::Shrinkage => !(0.0..=0.99).contains(&v),
            Param::Target => !(0.0..1.0).contains(&v),
        });
        if let Some(v) = bad {
            return Err(format!("`{spec}`: {v} is out of range for {name}"));
        }
        Ok(Axis { param, values })
    }
}

/// Checks the axes of a grid: each parameter varied once, and at most
/// [`MAX_SWEEP_POINTS`](crate::limits::MAX_SWEEP_POINTS) points in all.
pub fn check_axes(axes: &[Axis]) -> std::result::Result<(), String> {
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.param == a.param) {
            return Err(format!(
                "`{}` is varied twice: give each parameter one --vary (list every value in it)",
                a.param.name()
            ));
        }
    }
    let max = crate::limits::MAX_SWEEP_POINTS;
    let points = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
        .unwrap_or(usize::MAX);
    if points > max {
        let sizes: Vec<String> = axes.iter().map(|a| a.values.len().to_string()).collect();
        return Err(format!(
            "the grid has {} points ({}): rota sweeps at most {max} (see docs/limits.md)",
            if points == usize::MAX {
                "more than 2^64".to_string()
            } else {
                points.to_string()
            },
            sizes.join(" × ")
        ));
    }
    Ok(())
}

/// The points of a grid, in a fixed order (the last axis varies fastest).
pub fn grid(axes: &[Axis]) -> Vec<Vec<(Param, f64)>> {
    let mut points: Vec<Vec<(Param, f64)>> = vec![vec![]];
    for a in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                a.values.iter().map(move |&v| {
                    let mut q = p.clone();
                    q.push((a.param, v));
                    q
                })
            })
            .collect();
    }
    points
}

/// One point of a sweep and what its plan delivered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SweepPoint {
    pub index: usize,
    pub params: BTreeMap<String, f64>,
    /// The plan's summary (as in summary.json); `None` when the point could not be planned.
    pub summary: Option<serde_json::Value>,
    /// Why the point could not be planned.
    pub error: Option<String>,
}

impl SweepPoint {
    /// Queues whose goal this point misses (`targets_missed` of its summary).
    pub fn targets_missed(&self) -> Vec<String> {
        self.summary
            .as_ref()
            .and_then(|s| s["targets_missed"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|q| q.as_str().map(str::to_string))
            .collect()
    }

    /// Whether the point's solve stopped above the gap its settings ask for.
    pub fn above_gap(&self) -> bool {
        self.summary.as_ref().is_some_and(|s| {
            above_gap(
                s["mip_gap"].as_f64().unwrap_or(0.0),
                s["mip_rel_gap_target"].as_f64().unwrap_or(0.0),
            )
        })
    }
}

/// Whether a solve stopped with a relative gap above the one its settings
/// ask for (`mip_rel_gap`): a time-limited run, whose differences from
/// other runs smaller than its gap may be solver noise.
pub fn above_gap(mip_gap: f64, target: f64) -> bool {
    mip_gap > target + 1e-9
}

/// The results of a sweep, or of one shard of it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SweepResult {
    pub schema: String,
    pub scenario: String,
    pub axes: Vec<Axis>,
    pub total_points: usize,
    /// `(index, count)` of the shard, `(0, 1)` for a whole run.
    pub shard: (usize, usize),
    pub points: Vec<SweepPoint>,
}

/// Version tag of sweep files.
pub const SWEEP_SCHEMA: &str = "rota.sweep/1";

/// The indices of the points shard `i` of `n` runs: every n-th from i.
pub fn shard_indices(total: usize, i: usize, n: usize) -> Vec<usize> {
    (0..total).filter(|k| k % n == i).collect()
}

/// Combines shards into the whole sweep; every point must be present exactly once.
pub fn merge(shards: Vec<SweepResult>) -> std::result::Result<SweepResult, String> {
    let first = shards.first().ok_or("no shard files found")?.clone();
    let mut points: BTreeMap<usize, SweepPoint> = BTreeMap::new();
    for s in &shards {
        if s.scenario != first.scenario
            || s.axes != first.axes
            || s.total_points != first.total_points
        {
            return Err(format!(
                "shard {}/{} is of another sweep ({} over {:?}) than shard {}/{}",
                s.shard.0, s.shard.1, s.scenario, s.axes, first.shard.0, first.shard.1
            ));
        }
        for p in &s.points {
            if points.insert(p.index, p.clone()).is_some() {
                return Err(format!("point {} appears in more than one shard", p.index));
            }
        }
    }
    let missing: Vec<usize> = (0..first.total_points)
        .filter(|i| !points.contains_key(i))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} of {} points are missing (first: {:?}); run the missing shards",
            missing.len(),
            first.total_points,
            &missing[..missing.len().min(5)]
        ));
    }
    Ok(SweepResult {
        shard: (0, 1),
        points: points.into_values().collect(),
        ..first
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_select_by_id_and_index() {
        let mut v: Value = serde_yaml::from_str(
            "queues:\n  - { id: a, service_level: { target: 0.8 } }\n  - { id: b, service_level: { target: 0.8 } }\n",
        )
        .unwrap();
        set_path(&mut v, "queues[b].service_level.target", Value::from(0.9)).unwrap();
        set_path(&mut v, "queues[0].open", Value::from("08:00")).unwrap();
        set_path(&mut v, "defaults.shrinkage", Value::from(0.35)).unwrap();
        assert_eq!(v["queues"][1]["service_level"]["target"], Value::from(0.9));
        assert_eq!(v["queues"][0]["service_level"]["target"], Value::from(0.8));
        assert_eq!(v["queues"][0]["open"], Value::from("08:00"));
        assert_eq!(v["defaults"]["shrinkage"], Value::from(0.35));
        assert!(set_path(&mut v, "queues[email].open", Value::from(1))
            .unwrap_err()
            .contains("no item with id `email`"));
        assert!(set_path(&mut v, "queues[7].open", Value::from(1))
            .unwrap_err()
            .contains("no item 7"));
    }

    #[test]
    fn axes_and_grids() {
        let a = Axis::parse("volume=0.8..1.4:0.1").unwrap();
        assert_eq!(a.values, vec![0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4]);
        let b = Axis::parse("target=0.8,0.9").unwrap();
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 14);
        assert_eq!(g[1], vec![(Param::Volume, 0.8), (Param::Target, 0.9)]);
        assert!(Axis::parse("volume=1.4..0.8:0.1").is_err());
        assert!(Axis::parse("speed=1..2:1")
            .unwrap_err()
            .contains("unknown parameter"));
        assert!(Axis::parse("target=0.8,1.2")
            .unwrap_err()
            .contains("out of range"));
        assert!(Axis::parse("volume=1,1e9")
            .unwrap_err()
            .contains("out of range"));
        // Repeated axes and grids past the cap are refused.
        let v = |s: &str| Axis::parse(s).unwrap();
        assert!(check_axes(&[v("volume=1,2"), v("volume=3")])
            .unwrap_err()
            .contains("`volume` is varied twice"));
        let big = [
            v("volume=0..99.9:0.1"),
            v("aht=0..99.9:0.1"),
            v("shrinkage=0.1,0.2"),
        ];
        assert!(big.iter().all(|a| a.values.len() <= 1000));
        let e = check_axes(&big).unwrap_err();
        assert!(
            e.contains("2000000 points") && e.contains("at most 10000"),
            "{e}"
        );
        check_axes(&[v("volume=0.8..1.4:0.1"), v("target=0.8,0.9")]).unwrap();
        let all: Vec<usize> = (0..3)
            .flat_map(|i| shard_indices(14, i, 3))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(all, (0..14).collect::<Vec<_>>());
    }
}
