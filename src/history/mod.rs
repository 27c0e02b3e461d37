//! Interval history: contacts offered and handle time per queue and interval.
//!
//! The CSV has a header with the columns `interval_start`, `queue`,
//! `offered` and, optionally, `aht_seconds` (mean handle time of the
//! interval's contacts) or `handle_seconds` (their total handle time).
//! `interval_start` is RFC 3339 with an offset (`2026-09-07T08:00:00+08:00`)
//! or a local time in the site's zone (`2026-09-07 08:00`). Every error
//! names the file, the line and the column.
//!
//! A scenario may map other column names (`history.columns`), fix the queue
//! (`history.queue`), read local times in another zone (`history.timezone`)
//! or ignore meaningless offsets (`history.timestamps: local`). Duplicated
//! rows keep the first and are reported as [`Finding`]s, never silently.

pub mod generate;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// One row of history.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Interval start, in the site's zone.
    pub start: DateTime<Tz>,
    pub queue: String,
    /// Contacts offered (non-negative; may be fractional in imputed data).
    pub offered: f64,
    /// Mean handle time of the interval's contacts, when known.
    pub aht_seconds: Option<f64>,
}

/// Something the data-hygiene checks found and how it was handled. Nothing
/// is corrected silently: every correction leaves one of these.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// `duplicate`, `timezone`, `fractional`, `missing_day`, `missing_interval`,
    /// `outlier`, `anomalous_day`, `dst`, `closed_weekday`, `after_plan_start`,
    /// `too_old`.
    pub kind: &'static str,
    /// The queue concerned, when one.
    pub queue: Option<String>,
    /// How many rows, cells or days.
    pub count: usize,
    /// What was found and what rota did about it.
    pub message: String,
}

/// History read from a file, with what was set aside.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Rows of the scenario's queues, sorted by (queue, start).
    pub records: Vec<Record>,
    /// Rows skipped because their queue is not in the scenario, by queue.
    pub ignored_queues: BTreeMap<String, usize>,
    /// What reading found (duplicates, zones, fractional counts).
    pub findings: Vec<Finding>,
}

/// How to read a history file (from the scenario's `history:` section).
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Zone of local timestamps; the site's zone when `None`.
    pub timezone: Option<Tz>,
    /// Ignore offsets and `Z`: read every timestamp as a local clock time.
    pub local_timestamps: bool,
    /// Column names, when not rota's own (other columns are then ignored).
    pub columns: Option<crate::scenario::ColumnMap>,
    /// Queue of every row, for files without a queue column.
    pub queue: Option<String>,
}

impl ReadOptions {
    /// The options a scenario's `history:` section gives.
    pub fn from_source(h: &crate::scenario::HistorySource) -> ReadOptions {
        ReadOptions {
            timezone: h.timezone,
            local_timestamps: h.timestamps == crate::scenario::TimestampMode::Local,
            columns: h.columns.clone(),
            queue: h.queue.clone(),
        }
    }
}

const COLUMNS: [&str; 5] = [
    "interval_start",
    "queue",
    "offered",
    "aht_seconds",
    "handle_seconds",
];

/// Parses a timestamp with offset, or a local time in `tz`.
pub fn parse_timestamp(s: &str, tz: Tz) -> std::result::Result<DateTime<Tz>, String> {
    parse_timestamp_in(s, tz, tz, false)
}

/// Parses a timestamp into the site zone `site`: with its offset (unless
/// `ignore_offset`), or as a local time in `local`.
pub fn parse_timestamp_in(
    s: &str,
    site: Tz,
    local: Tz,
    ignore_offset: bool,
) -> std::result::Result<DateTime<Tz>, String> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        if !ignore_offset {
            return Ok(dt.with_timezone(&site));
        }
        return from_local(&dt.naive_local(), s, site, local);
    }
    const LOCAL: [&str; 4] = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ];
    let naive = LOCAL
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or_else(|| {
            format!(
                "unparsable timestamp `{s}`: expected RFC 3339 such as 2026-09-07T08:00:00+08:00 or a local time such as 2026-09-07 08:00"
            )
        })?;
    from_local(&naive, s, site, local)
}

fn from_local(
    naive: &NaiveDateTime,
    s: &str,
    site: Tz,
    tz: Tz,
) -> std::result::Result<DateTime<Tz>, String> {
    match tz.from_local_datetime(naive) {
        chrono::LocalResult::Single(dt) => Ok(dt.with_timezone(&site)),
        chrono::LocalResult::Ambiguous(_, _) => Err(format!(
            "local time `{s}` occurs twice in {tz} (clocks go back): write it with its UTC offset"
        )),
        chrono::LocalResult::None => Err(format!(
            "local time `{s}` does not exist in {tz} (clocks go forward)"
        )),
    }
}

pub(crate) fn parse_number(s: &str, what: &str, max: f64) -> std::result::Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if !v.is_finite() {
        return Err(format!("`{s}` is not a finite number"));
    }
    if v < 0.0 {
        return Err(format!("{what} cannot be negative, got {v}"));
    }
    if v > max {
        return Err(format!(
            "{what} is {v}, above the {max} rota reads in one row (see docs/limits.md)"
        ));
    }
    Ok(v)
}

/// Refuses, on line 1, a header that rota would misread: a file separated
/// by something other than commas (its header is one field holding `;`,
/// tabs or `|`), and a column that rota reads (`reads`) given twice, which
/// would otherwise be read from one of the two and blamed on a later line.
pub(crate) fn check_header(
    path: &Path,
    headers: &csv::StringRecord,
    reads: &dyn Fn(&str) -> bool,
) -> Result<()> {
    if let [only] = headers.iter().collect::<Vec<_>>()[..] {
        for (sep, name) in [(';', "`;`"), ('\t', "tabs"), ('|', "`|`")] {
            if only.contains(sep) {
                return Err(Error::input(
                    path,
                    Some(1),
                    None,
                    format!(
                        "the file is separated by {name}; rota reads comma-separated files (save it as CSV with `,` between the fields)"
                    ),
                ));
            }
        }
    }
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if !reads(h) {
            continue;
        }
        if let Some(j) = first.insert(h, i) {
            return Err(Error::input(
                path,
                Some(1),
                Some(h),
                format!(
                    "duplicate column `{h}`: it is column {} and column {}; give each column once",
                    j + 1,
                    i + 1
                ),
            ));
        }
    }
    Ok(())
}

/// Where each of the `known` columns is in `headers` (those present); a
/// column neither known nor in `ignored` is an error on line 1, and so is a
/// known column given twice or a file not separated by commas
/// ([`check_header`]).
pub(crate) fn column_index<'a>(
    path: &Path,
    headers: &csv::StringRecord,
    known: &[&'a str],
    ignored: &[&str],
) -> Result<HashMap<&'a str, usize>> {
    check_header(path, headers, &|h| known.contains(&h))?;
    let mut col = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if ignored.contains(&h) {
            continue;
        }
        match known.iter().find(|c| **c == h) {
            Some(c) => {
                col.insert(*c, i);
            }
            None => {
                return Err(Error::input(
                    path,
                    Some(1),
                    Some(h),
                    format!("unknown column `{h}`: expected {}", known.join(", ")),
                ))
            }
        }
    }
    Ok(col)
}

/// A CSV reading error of `path` as an input error with its line.
pub(crate) fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line() as usize);
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "file is not valid UTF-8".to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("row has {len} fields, the header has {expected_len}"),
        _ => e.to_string(),
    };
    Error::input(path, line, None, message)
}

fn lines_list(lines: &[usize]) -> String {
    let shown: Vec<String> = lines.iter().take(5).map(|l| l.to_string()).collect();
    let more = if lines.len() > 5 {
        format!(" and {} more", lines.len() - 5)
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

impl History {
    /// Reads history for the given queues from a CSV file.
    pub fn load(path: &Path, tz: Tz, queues: &[&str]) -> Result<History> {
        Self::load_with(path, tz, queues, &ReadOptions::default())
    }

    /// Reads the history of a scenario as its `history:` section says (none
    /// when the scenario has no history file). A file that cannot be read at
    /// all is blamed on `history.file`, at its line of the scenario.
    pub fn for_scenario(loaded: &crate::scenario::LoadedScenario) -> Result<History> {
        let sc = &loaded.scenario;
        if !sc.has_history() {
            return Ok(History::default());
        }
        let queues: Vec<&str> = sc.queues.iter().map(|q| q.id.as_str()).collect();
        Self::load_with(
            &loaded.history_path,
            sc.site.timezone,
            &queues,
            &ReadOptions::from_source(&sc.history),
        )
        .map_err(|e| loaded.origins.history.error("history.file", e))
    }

    /// Reads history with explicit options.
    pub fn load_with(path: &Path, tz: Tz, queues: &[&str], opts: &ReadOptions) -> Result<History> {
        let file = crate::limits::open_within(path, crate::limits::MAX_HISTORY_BYTES, "history")?;
        Self::from_reader_with(file, path, tz, queues, opts)
    }

    /// Reads history from any reader; `path` is used in errors only.
    pub fn from_reader<R: std::io::Read>(
        reader: R,
        path: &Path,
        tz: Tz,
        queues: &[&str],
    ) -> Result<History> {
        Self::from_reader_with(reader, path, tz, queues, &ReadOptions::default())
    }

    /// Reads history from any reader with explicit options.
    pub fn from_reader_with<R: std::io::Read>(
        reader: R,
        path: &Path,
        tz: Tz,
        queues: &[&str],
        opts: &ReadOptions,
    ) -> Result<History> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let csv_err = |e: csv::Error| csv_error(path, e);
        let headers = rdr.headers().map_err(csv_err)?.clone();
        // rota's column name -> index in the file.
        let mut col: HashMap<&str, usize> = HashMap::new();
        match &opts.columns {
            None => col = column_index(path, &headers, &COLUMNS, &[])?,
            Some(map) => {
                let mapped = [
                    Some(&map.interval_start),
                    map.queue.as_ref(),
                    Some(&map.offered),
                    map.aht_seconds.as_ref(),
                    map.handle_seconds.as_ref(),
                ];
                check_header(path, &headers, &|h| {
                    mapped.iter().any(|m| m.is_some_and(|m| m == h))
                })?;
                let wanted = [
                    ("interval_start", Some(&map.interval_start)),
                    ("queue", map.queue.as_ref()),
                    ("offered", Some(&map.offered)),
                    ("aht_seconds", map.aht_seconds.as_ref()),
                    ("handle_seconds", map.handle_seconds.as_ref()),
                ];
                for (ours, theirs) in wanted {
                    if let Some(name) = theirs {
                        match headers.iter().position(|h| h == name) {
                            Some(i) => {
                                col.insert(ours, i);
                            }
                            None => {
                                return Err(Error::input(
                                    path,
                                    Some(1),
                                    Some(name),
                                    format!(
                                        "missing column `{name}` (history.columns.{ours} in the scenario)"
                                    ),
                                ))
                            }
                        }
                    }
                }
            }
        }
        let required: &[&str] = if opts.queue.is_some() {
            &["interval_start", "offered"]
        } else {
            &COLUMNS[..3]
        };
        for required in required {
            if !col.contains_key(required) {
                return Err(Error::input(
                    path,
                    Some(1),
                    Some(required),
                    format!("missing column `{required}`"),
                ));
            }
        }
        if col.contains_key("aht_seconds") && col.contains_key("handle_seconds") {
            return Err(Error::input(
                path,
                Some(1),
                Some("handle_seconds"),
                "give either aht_seconds or handle_seconds, not both",
            ));
        }
        let local_tz = opts.timezone.unwrap_or(tz);

        let mut history = History::default();
        let mut seen: HashMap<(String, i64), usize> = HashMap::new();
        let mut duplicates: Vec<usize> = Vec::new();
        let mut fractional: BTreeMap<String, usize> = BTreeMap::new();
        let mut offsets_ignored = 0usize;
        for rec in rdr.records() {
            let rec = rec.map_err(csv_err)?;
            let line = rec.position().map(|p| p.line() as usize);
            let field = |name: &str| col.get(name).and_then(|&i| rec.get(i)).unwrap_or("");
            let fail = |name: &str, msg: String| Error::input(path, line, Some(name), msg);

            let queue = match (&opts.queue, col.contains_key("queue")) {
                (Some(q), false) => q.clone(),
                _ => field("queue").to_string(),
            };
            if queue.is_empty() {
                return Err(fail("queue", "empty queue".into()));
            }
            let raw_ts = field("interval_start");
            if opts.local_timestamps && DateTime::parse_from_rfc3339(raw_ts.trim()).is_ok() {
                offsets_ignored += 1;
            }
            let start = parse_timestamp_in(raw_ts, tz, local_tz, opts.local_timestamps)
                .map_err(|m| fail("interval_start", m))?;
            let offered = parse_number(field("offered"), "offered", crate::limits::MAX_OFFERED)
                .map_err(|m| fail("offered", m))?;
            let aht_seconds = if col.contains_key("aht_seconds") {
                let s = field("aht_seconds");
                if s.is_empty() {
                    None
                } else {
                    Some(
                        parse_number(s, "aht_seconds", crate::limits::MAX_SECONDS)
                            .map_err(|m| fail("aht_seconds", m))?,
                    )
                }
            } else if col.contains_key("handle_seconds") {
                let s = field("handle_seconds");
                if s.is_empty() || offered == 0.0 {
                    None
                } else {
                    let total = parse_number(
                        s,
                        "handle_seconds",
                        crate::limits::MAX_OFFERED * crate::limits::MAX_SECONDS,
                    )
                    .map_err(|m| fail("handle_seconds", m))?;
                    Some(total / offered)
                }
            } else {
                None
            };
            if !queues.contains(&queue.as_str()) {
                *history.ignored_queues.entry(queue).or_default() += 1;
                continue;
            }
            let key = (queue.clone(), start.timestamp());
            if let Some(&first) = seen.get(&key) {
                let _ = first;
                duplicates.push(line.unwrap_or(0));
                continue;
            }
            seen.insert(key, line.unwrap_or(0));
            if offered.fract() != 0.0 {
                *fractional.entry(queue.clone()).or_default() += 1;
            }
            history.records.push(Record {
                start,
                queue,
                offered,
                aht_seconds,
            });
        }
        if !duplicates.is_empty() {
            history.findings.push(Finding {
                kind: "duplicate",
                queue: None,
                count: duplicates.len(),
                message: format!(
                    "{} duplicated (queue, interval) rows ignored, the first row of each kept: lines {}",
                    duplicates.len(),
                    lines_list(&duplicates)
                ),
            });
        }
        if offsets_ignored > 0 {
            history.findings.push(Finding {
                kind: "timezone",
                queue: None,
                count: offsets_ignored,
                message: format!(
                    "{offsets_ignored} timestamps carry an offset or `Z` that history.timestamps: local ignores; read as local clock times in {local_tz}"
                ),
            });
        }
        if local_tz != tz {
            history.findings.push(Finding {
                kind: "timezone",
                queue: None,
                count: history.records.len(),
                message: format!(
                    "history local times are in {local_tz}, the site is in {tz}: every interval converted to site time"
                ),
            });
        }
        for (q, n) in fractional {
            history.findings.push(Finding {
                kind: "fractional",
                queue: Some(q.clone()),
                count: n,
                message: format!(
                    "{n} rows of `{q}` have fractional counts (imputed data?): used as given"
                ),
            });
        }
        history
            .records
            .sort_by(|a, b| (&a.queue, a.start).cmp(&(&b.queue, b.start)));
        Ok(history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<History> {
        History::from_reader(
            text.as_bytes(),
            Path::new("h.csv"),
            chrono_tz::Asia::Shanghai,
            &["hotline"],
        )
    }

    #[test]
    fn reads_offsets_and_local_times() {
        let h = load(
            "interval_start,queue,offered,aht_seconds\n\
             2026-09-07T00:00:00Z,hotline,3,200\n\
             2026-09-07 08:15,hotline,4,\n\
             2026-09-07 08:30,other,4,\n",
        )
        .unwrap();
        assert_eq!(h.records.len(), 2);
        // 00:00 UTC is 08:00 in Shanghai.
        assert_eq!(h.records[0].start.format("%H:%M").to_string(), "08:00");
        assert_eq!(h.records[0].aht_seconds, Some(200.0));
        assert_eq!(h.records[1].aht_seconds, None);
        assert_eq!(h.ignored_queues.get("other"), Some(&1));
    }

    #[test]
    fn errors_name_line_and_field() {
        let e = load("interval_start,queue,offered\n2026-09-07 08:00,hotline,-3\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2") && e.contains("`offered`") && e.contains("negative"),
            "{e}"
        );
        let e = load("interval_start,queue,offered\n2026-09-07 08:00,hotline,1\n2026-13-07 08:00,hotline,1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("interval_start"), "{e}");
        let e = load("interval_start,queue,offerd\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown column `offerd`"), "{e}");
        // A column given twice is named on line 1, not blamed on a row.
        let e = load("interval_start,queue,offered,offered\n2026-09-07 08:00,hotline,1,\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("h.csv: line 1, field `offered`: duplicate column `offered`")
                && e.contains("column 3 and column 4"),
            "{e}"
        );
        // A file separated by `;` or tabs says so.
        for (text, sep) in [
            (
                "interval_start;queue;offered\n2026-09-07 08:00;hotline;1\n",
                "`;`",
            ),
            (
                "interval_start\tqueue\toffered\n2026-09-07 08:00\thotline\t1\n",
                "tabs",
            ),
        ] {
            let e = load(text).unwrap_err().to_string();
            assert!(
                e.contains("h.csv: line 1: the file is separated by ")
                    && e.contains(sep)
                    && e.contains("rota reads comma-separated files"),
                "{e}"
            );
        }
        // A duplicate keeps the first row and is reported with its line.
        let h = load("interval_start,queue,offered\n2026-09-07 08:00,hotline,1\n2026-09-07T00:00:00Z,hotline,2\n")
            .unwrap();
        assert_eq!(h.records.len(), 1);
        assert_eq!(h.records[0].offered, 1.0);
        assert_eq!(h.findings[0].kind, "duplicate");
        assert!(
            h.findings[0].message.contains("lines 3"),
            "{:?}",
            h.findings
        );
    }

    #[test]
    fn dst_gaps_and_repeats_are_errors() {
        let london = chrono_tz::Europe::London;
        assert!(parse_timestamp("2026-03-29 01:30", london)
            .unwrap_err()
            .contains("does not exist"));
        assert!(parse_timestamp("2026-10-25 01:30", london)
            .unwrap_err()
            .contains("twice"));
        assert!(parse_timestamp("2026-10-25T01:30:00+01:00", london).is_ok());
    }
}
