//! Forecasts and requirements made elsewhere: `forecast.file` (queue,
//! interval_start, volume, aht_seconds, optional volume_p10 and volume_p90)
//! and `requirements.file` (queue, interval_start, agents).
//!
//! Both are read like history (RFC 3339 timestamps with an offset, or local
//! times in the site's zone; errors name the file, line and field) and must
//! cover the plan: every planned interval inside a listed queue's opening
//! hours has exactly one row, on the plan's interval grid. Rows outside
//! opening hours may be left out (they are zero) and must be zero when
//! given; rows of days outside the plan are ignored and reported. The
//! columns rota itself writes in forecast.csv and requirements.csv are
//! accepted and ignored, so those files (edited or not) can be read back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::history::{column_index, csv_error, parse_number, parse_timestamp, Finding};
use crate::horizon::Horizon;
use crate::scenario::{LoadedScenario, Queue};

use super::prepare::open_at;

/// A queue's forecast from `forecast.file`, per planned interval.
#[derive(Debug, Clone, PartialEq)]
pub struct FileForecast {
    pub volume: Vec<f64>,
    pub aht_seconds: Vec<f64>,
    /// The band as given, when the file has the column.
    pub volume_p10: Vec<Option<f64>>,
    pub volume_p90: Vec<Option<f64>>,
}

/// One row's values, by column, `None` when an optional cell is empty.
type Row = Vec<Option<f64>>;

/// A file of per-queue, per-interval values read against the plan.
struct Table {
    path: PathBuf,
    /// Value columns, in the order of each row's values.
    columns: Vec<&'static str>,
    /// Per queue, per planned interval: the row's values and line.
    rows: BTreeMap<String, Vec<Option<(Row, usize)>>>,
}

/// The largest value rota reads in a column (docs/limits.md).
fn max(column: &str) -> f64 {
    match column {
        "aht_seconds" => crate::limits::MAX_SECONDS,
        "agents" => crate::limits::MAX_AGENTS as f64,
        _ => crate::limits::MAX_OFFERED,
    }
}

/// The files `forecast.file` and `requirements.file` name, resolved.
pub fn input_files(loaded: &LoadedScenario) -> Vec<PathBuf> {
    let sc = &loaded.scenario;
    let forecast = sc.forecast.file.iter();
    let requirements = sc.requirements.iter().map(|r| &r.file);
    forecast
        .chain(requirements)
        .map(|f| resolve(loaded, f))
        .collect()
}

/// A file named in the scenario, resolved against the scenario's folder.
fn resolve(loaded: &LoadedScenario, file: &Path) -> PathBuf {
    loaded.path.parent().unwrap_or(Path::new(".")).join(file)
}

/// Reads `path` with the value columns `required` and `optional` (besides
/// queue and interval_start), checking every row and the plan's coverage.
/// Columns in `ignored` are skipped. `what` names the file's scenario field
/// in messages; `check` looks at each row's values (and its queue) and
/// returns the field and message at fault.
#[allow(clippy::too_many_arguments)]
fn read_table(
    loaded: &LoadedScenario,
    horizon: &Horizon,
    path: &Path,
    what: &str,
    required: &[&'static str],
    optional: &[&'static str],
    ignored: &[&str],
    check: impl Fn(&Queue, &Row) -> std::result::Result<(), (&'static str, String)>,
    findings: &mut Vec<Finding>,
) -> Result<Table> {
    let sc = &loaded.scenario;
    let file = crate::limits::open_within(path, crate::limits::MAX_HISTORY_BYTES, what)?;
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file);
    let headers = rdr.headers().map_err(|e| csv_error(path, e))?.clone();
    let known: Vec<&'static str> = ["queue", "interval_start"]
        .into_iter()
        .chain(required.iter().copied())
        .chain(optional.iter().copied())
        .collect();
    let col = column_index(path, &headers, &known, ignored)?;
    for c in known.iter().take(2 + required.len()) {
        if !col.contains_key(c) {
            return Err(Error::input(
                path,
                Some(1),
                Some(c),
                format!("missing column `{c}`"),
            ));
        }
    }
    let columns: Vec<&'static str> = required
        .iter()
        .chain(optional.iter())
        .copied()
        .filter(|c| col.contains_key(c))
        .collect();
    let n = horizon.intervals.len();
    let mut rows: BTreeMap<String, Vec<Option<(Row, usize)>>> = BTreeMap::new();
    let mut outside = 0usize;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(path, e))?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let fail = |field: &str, msg: String| Error::input(path, Some(line), Some(field), msg);
        let field = |name: &str| col.get(name).and_then(|&i| rec.get(i)).unwrap_or("");
        let qid = field("queue");
        let Some(q) = sc.queues.iter().find(|q| q.id == qid) else {
            let ids: Vec<&str> = sc.queues.iter().map(|q| q.id.as_str()).collect();
            return Err(fail(
                "queue",
                format!(
                    "unknown queue `{qid}`: the scenario's queues are {}",
                    ids.join(", ")
                ),
            ));
        };
        let raw_ts = field("interval_start");
        let start = parse_timestamp(raw_ts, horizon.tz).map_err(|m| fail("interval_start", m))?;
        let mut values: Row = Vec::with_capacity(columns.len());
        for c in &columns {
            let s = field(c);
            values.push(if s.is_empty() && optional.contains(c) {
                None
            } else {
                Some(parse_number(s, c, max(c)).map_err(|m| fail(c, m))?)
            });
        }
        if !horizon.dates.contains(&start.date_naive()) {
            outside += 1;
            continue;
        }
        let Some(t) = horizon
            .index_of(start)
            .filter(|&t| horizon.intervals[t].start == start)
        else {
            return Err(fail(
                "interval_start",
                format!(
                    "`{raw_ts}` is not the start of a planned {}-minute interval",
                    horizon.interval_minutes
                ),
            ));
        };
        if !open_at(q, horizon.intervals[t].minute_of_day) && values[0] != Some(0.0) {
            return Err(fail(
                columns[0],
                format!(
                    "queue `{qid}` is closed at {} (open {} to {}): {} must be 0 or the row left out",
                    horizon.intervals[t].start.format("%H:%M"),
                    q.open,
                    q.close,
                    columns[0]
                ),
            ));
        }
        check(q, &values).map_err(|(f, m)| fail(f, m))?;
        let slot = &mut rows.entry(qid.to_string()).or_insert_with(|| vec![None; n])[t];
        if let Some((_, first)) = slot {
            return Err(fail(
                "interval_start",
                format!(
                    "queue `{qid}` has a second row for `{raw_ts}` (the first is on line {first})"
                ),
            ));
        }
        *slot = Some((values, line));
    }
    for (qid, per) in &rows {
        let q = sc.queues.iter().find(|q| &q.id == qid).expect("checked");
        let missing: Vec<usize> = (0..n)
            .filter(|&t| per[t].is_none() && open_at(q, horizon.intervals[t].minute_of_day))
            .collect();
        if let Some(&first) = missing.first() {
            return Err(Error::input(
                path,
                None,
                Some("interval_start"),
                format!(
                    "queue `{qid}` has no row for {} planned intervals inside its opening hours, the first {}: every interval of the plan must be covered",
                    missing.len(),
                    horizon.intervals[first].start.to_rfc3339()
                ),
            ));
        }
    }
    if outside > 0 {
        findings.push(Finding {
            kind: "external",
            queue: None,
            count: outside,
            message: format!(
                "{}: {outside} rows outside the planned days ignored",
                path.display()
            ),
        });
    }
    Ok(Table {
        path: path.to_path_buf(),
        columns,
        rows,
    })
}

impl Table {
    /// Column `name` of `queue`'s rows per planned interval (0 where the
    /// queue is closed and has no row; `None` where the cell is empty).
    fn column(&self, queue: &str, name: &str) -> Option<Vec<Option<f64>>> {
        let i = self.columns.iter().position(|c| *c == name)?;
        let per = self.rows.get(queue)?;
        Some(
            per.iter()
                .map(|r| r.as_ref().map_or(Some(0.0), |(v, _)| v[i]))
                .collect(),
        )
    }
}

/// The queues' forecasts from `forecast.file`, when the scenario has one.
pub fn forecast_file(
    loaded: &LoadedScenario,
    horizon: &Horizon,
    findings: &mut Vec<Finding>,
) -> Result<BTreeMap<String, FileForecast>> {
    let Some(file) = &loaded.scenario.forecast.file else {
        return Ok(BTreeMap::new());
    };
    let path = resolve(loaded, file);
    let table = read_table(
        loaded,
        horizon,
        &path,
        "forecast.file",
        &["volume", "aht_seconds"],
        &["volume_p10", "volume_p90"],
        &["date", "local_time", "method"],
        |_, v| {
            let (volume, aht) = (v[0].unwrap_or(0.0), v[1].unwrap_or(0.0));
            if volume > 0.0 && aht <= 0.0 {
                return Err((
                    "aht_seconds",
                    format!("must be positive where volume is ({volume})"),
                ));
            }
            Ok(())
        },
        findings,
    )?;
    let mut out = BTreeMap::new();
    for qid in table.rows.keys() {
        let flat = |name: &str| -> Vec<f64> {
            table
                .column(qid, name)
                .expect("required column")
                .into_iter()
                .map(|v| v.unwrap_or(0.0))
                .collect()
        };
        let band = |name: &str| {
            table
                .column(qid, name)
                .unwrap_or_else(|| vec![None; horizon.intervals.len()])
        };
        let f = FileForecast {
            volume: flat("volume"),
            aht_seconds: flat("aht_seconds"),
            volume_p10: band("volume_p10"),
            volume_p90: band("volume_p90"),
        };
        if let Some(t) = (0..f.volume.len()).find(|&t| {
            f.volume_p10[t].is_some_and(|p| p > f.volume[t])
                || f.volume_p90[t].is_some_and(|p| p < f.volume[t])
        }) {
            let line = table.rows[qid][t].as_ref().map(|r| r.1);
            return Err(Error::input(
                &table.path,
                line,
                Some("volume_p10"),
                format!(
                    "the band must hold the forecast: volume_p10 {} <= volume {} <= volume_p90 {}",
                    f.volume_p10[t].map_or("-".into(), |v| v.to_string()),
                    f.volume[t],
                    f.volume_p90[t].map_or("-".into(), |v| v.to_string())
                ),
            ));
        }
        out.insert(qid.clone(), f);
    }
    Ok(out)
}

/// Agents required per queue and planned interval from `requirements.file`,
/// when the scenario has one: the queues it lists.
pub fn requirements_file(
    loaded: &LoadedScenario,
    horizon: &Horizon,
    findings: &mut Vec<Finding>,
) -> Result<BTreeMap<String, Vec<f64>>> {
    let Some(req) = &loaded.scenario.requirements else {
        return Ok(BTreeMap::new());
    };
    let path = resolve(loaded, &req.file);
    let table = read_table(
        loaded,
        horizon,
        &path,
        "requirements.file",
        &["agents"],
        &[],
        &[
            "date",
            "local_time",
            "volume",
            "aht_seconds",
            "load_erlangs",
            "scheduled_agents",
            "service_level",
            "asa_seconds",
            "occupancy",
        ],
        |q, _| {
            if q.channel.is_deferred() {
                return Err((
                    "queue",
                    format!(
                        "queue `{}` is deferred work ({}): its staffing follows from volume, handle time and deadline, not from requirements.file",
                        q.id,
                        format!("{:?}", q.channel).to_lowercase()
                    ),
                ));
            }
            Ok(())
        },
        findings,
    )?;
    Ok(table
        .rows
        .keys()
        .map(|qid| {
            let agents = table
                .column(qid, "agents")
                .expect("required column")
                .into_iter()
                .map(|v| v.unwrap_or(0.0))
                .collect();
            (qid.clone(), agents)
        })
        .collect())
}
