//! The roster CSV format, and reading a roster file back (possibly hand-edited).
//!
//! Columns (see `docs/outputs.md`): `agent_id, agent_name, date, start_local,
//! end_local, timezone, start_utc, end_utc, paid_hours, break_minutes, breaks,
//! skills`. Local times are authoritative; the UTC columns may be left empty
//! and, when given, must agree with the local ones (they settle a local time
//! that occurs twice when clocks go back).

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::csv_cell::{spreadsheet_safe, spreadsheet_text};
use crate::error::{Error, Result};
use crate::roster::model::{Break, Roster, Shift};

/// Local date-time format of the roster file.
pub const LOCAL_FORMAT: &str = "%Y-%m-%d %H:%M";

/// One row of roster.csv.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CsvRow {
    pub agent_id: String,
    pub agent_name: String,
    /// The agent's site, in a roster of a scenario with `sites` only; the
    /// local times are in its zone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub site: String,
    pub date: String,
    pub start_local: String,
    pub end_local: String,
    pub timezone: String,
    #[serde(default)]
    pub start_utc: String,
    #[serde(default)]
    pub end_utc: String,
    pub paid_hours: String,
    #[serde(default)]
    pub break_minutes: String,
    #[serde(default)]
    pub breaks: String,
    #[serde(default)]
    pub skills: String,
}

impl CsvRow {
    /// The row of a shift, its local times in `tz`.
    pub fn from_shift(s: &Shift, tz: Tz) -> CsvRow {
        let local = |t: DateTime<Tz>| t.with_timezone(&tz);
        let break_minutes: i64 = s
            .breaks
            .iter()
            .map(|b| (b.end - b.start).num_minutes())
            .sum();
        // Text cells are neutralised for spreadsheets; `read_roster_from`
        // restores them.
        CsvRow {
            agent_id: spreadsheet_safe(&s.agent_id),
            agent_name: spreadsheet_safe(&s.agent_name),
            site: spreadsheet_safe(&s.site),
            date: s.date.format("%Y-%m-%d").to_string(),
            start_local: local(s.start).format(LOCAL_FORMAT).to_string(),
            end_local: local(s.end).format(LOCAL_FORMAT).to_string(),
            timezone: tz.name().to_string(),
            start_utc: s
                .start
                .with_timezone(&Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            end_utc: s
                .end
                .with_timezone(&Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            paid_hours: format!("{:.2}", s.paid_hours),
            break_minutes: break_minutes.to_string(),
            breaks: s
                .breaks
                .iter()
                .map(|b| {
                    format!(
                        "{} {}-{}",
                        b.kind,
                        local(b.start).format("%H:%M"),
                        local(b.end).format("%H:%M")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            skills: spreadsheet_safe(&s.skills.join(";")),
        }
    }
}

/// Renders a roster as roster.csv's bytes (the exporter of `roster.csv`
/// and the store write it with this).
pub fn roster_csv(roster: &Roster) -> Result<Vec<u8>> {
    crate::csv_cell::csv_bytes(|w| {
        let mut any = false;
        for s in &roster.shifts {
            w.serialize(CsvRow::from_shift(s, roster.zone_of(s)))?;
            any = true;
        }
        if !any {
            // serde writes the header with the first row; an empty roster still gets one.
            w.write_record([
                "agent_id",
                "agent_name",
                "date",
                "start_local",
                "end_local",
                "timezone",
                "start_utc",
                "end_utc",
                "paid_hours",
                "break_minutes",
                "breaks",
                "skills",
            ])?;
        }
        Ok(())
    })
}

fn local_instant(
    text: &str,
    tz: Tz,
    utc_hint: Option<DateTime<Utc>>,
) -> std::result::Result<DateTime<Tz>, String> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), LOCAL_FORMAT)
        .map_err(|_| format!("unparsable local time `{text}`: expected YYYY-MM-DD HH:MM"))?;
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t),
        chrono::LocalResult::Ambiguous(a, b) => match utc_hint {
            Some(u) if u == a.with_timezone(&Utc) => Ok(a),
            Some(u) if u == b.with_timezone(&Utc) => Ok(b),
            _ => Err(format!(
                "local time `{text}` occurs twice in {tz}: give the UTC column to settle it"
            )),
        },
        chrono::LocalResult::None => Err(format!("local time `{text}` does not exist in {tz}")),
    }
}

fn parse_utc(text: &str) -> std::result::Result<Option<DateTime<Utc>>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(t)
        .map(|d| Some(d.with_timezone(&Utc)))
        .map_err(|_| {
            format!("unparsable UTC time `{t}`: expected RFC 3339 such as 2026-11-09T00:00:00Z")
        })
}

/// Parses `meal 12:00-13:00; rest 15:00-15:15` relative to the shift start.
fn parse_breaks(
    text: &str,
    start: DateTime<Tz>,
    tz: Tz,
) -> std::result::Result<Vec<Break>, String> {
    let mut out = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || format!("unparsable break `{part}`: expected e.g. `meal 12:00-13:00`");
        let (kind, times) = part.split_once(' ').ok_or_else(bad)?;
        let (a, b) = times.trim().split_once('-').ok_or_else(bad)?;
        let ta = NaiveTime::parse_from_str(a.trim(), "%H:%M").map_err(|_| bad())?;
        let tb = NaiveTime::parse_from_str(b.trim(), "%H:%M").map_err(|_| bad())?;
        let local_start = start.naive_local();
        let mut bs = local_start.date().and_time(ta);
        if bs < local_start {
            bs += Duration::days(1);
        }
        let mut be = bs.date().and_time(tb);
        if be <= bs {
            be += Duration::days(1);
        }
        let conv = |n: NaiveDateTime| {
            tz.from_local_datetime(&n)
                .earliest()
                .ok_or_else(|| format!("break time {n} does not exist in {tz}"))
        };
        out.push(Break {
            kind: kind.trim().to_string(),
            start: conv(bs)?,
            end: conv(be)?,
        });
    }
    Ok(out)
}

/// Reads a roster CSV. Malformed rows are input errors (file, line, column);
/// rule breaches are left to the validator.
pub fn read_roster(path: &Path, site_name: &str, tz: Tz) -> Result<Roster> {
    let file = crate::limits::open_within(path, crate::limits::MAX_ROSTER_BYTES, "roster")?;
    read_roster_from(file, path, site_name, tz)
}

/// Reads the roster CSV of `scenario`: with `sites`, each row's `site`
/// names one of them and its local times are in that site's zone.
pub fn read_roster_for(path: &Path, scenario: &crate::scenario::Scenario) -> Result<Roster> {
    let file = crate::limits::open_within(path, crate::limits::MAX_ROSTER_BYTES, "roster")?;
    read_roster_from_sites(file, path, scenario)
}

/// As [`read_roster_for`], from any reader; `path` is used in errors only.
pub fn read_roster_from_sites<R: std::io::Read>(
    reader: R,
    path: &Path,
    scenario: &crate::scenario::Scenario,
) -> Result<Roster> {
    let zones: Vec<(&str, Tz)> = if scenario.multi_site {
        scenario
            .sites
            .iter()
            .map(|s| (s.name.as_str(), s.timezone))
            .collect()
    } else {
        Vec::new()
    };
    read_zoned(
        reader,
        path,
        &scenario.site.name,
        scenario.site.timezone,
        Some(&zones),
    )
}

/// Reads a roster CSV from any reader; `path` is used in errors only. A
/// row that names a site (a roster of several sites, as the store keeps
/// it) is read in its own `timezone`; every other row in `tz`.
pub fn read_roster_from<R: std::io::Read>(
    reader: R,
    path: &Path,
    site_name: &str,
    tz: Tz,
) -> Result<Roster> {
    read_zoned(reader, path, site_name, tz, None)
}

/// Reads a roster CSV whose rows are in `tz`; with `zones` of several
/// sites, each row in the zone of the site its `site` column names; with
/// no `zones`, a row naming a site in its own `timezone`.
fn read_zoned<R: std::io::Read>(
    reader: R,
    path: &Path,
    site_name: &str,
    tz: Tz,
    zones: Option<&[(&str, Tz)]>,
) -> Result<Roster> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map_err(|e| Error::input(path, Some(1), None, e.to_string()))?
        .clone();
    // Every column of the format is read: none may come twice.
    crate::history::check_header(path, &headers, &|_| true)?;
    let mut shifts = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            Error::input(
                path,
                e.position().map(|p| p.line() as usize),
                None,
                e.to_string(),
            )
        })?;
        let line = rec.position().map(|p| p.line() as usize);
        let row: CsvRow = rec.deserialize(Some(&headers)).map_err(|e| {
            let message = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
                _ => e.to_string(),
            };
            Error::input(path, line, None, message)
        })?;
        let fail = |field: &str, msg: String| Error::input(path, line, Some(field), msg);
        let row_tz: Tz = row
            .timezone
            .parse()
            .map_err(|_| fail("timezone", format!("unknown time zone `{}`", row.timezone)))?;
        let site = spreadsheet_text(&row.site).to_string();
        let (tz, whose) = if site.is_empty() && zones.is_none_or(|z| z.is_empty()) {
            (tz, "the site's".to_string())
        } else if zones.is_none() {
            (row_tz, String::new())
        } else if zones.is_some_and(|z| z.is_empty()) {
            return Err(fail(
                "site",
                format!(
                    "names site `{}` but the scenario has one site",
                    crate::limits::excerpt(&site)
                ),
            ));
        } else {
            let zones = zones.unwrap_or_default();
            let Some(&(_, z)) = zones.iter().find(|(n, _)| *n == site) else {
                let names: Vec<&str> = zones.iter().map(|(n, _)| *n).collect();
                return Err(fail(
                    "site",
                    format!(
                        "site `{}` is not among the scenario's sites ({})",
                        crate::limits::excerpt(&site),
                        names.join(", ")
                    ),
                ));
            };
            (z, format!("site {site}'s"))
        };
        if row_tz != tz {
            return Err(fail(
                "timezone",
                format!(
                    "time zone `{}` is not {whose} ({})",
                    row.timezone,
                    tz.name()
                ),
            ));
        }
        let date = crate::scenario::parse_date(&row.date).map_err(|m| fail("date", m))?;
        let su = parse_utc(&row.start_utc).map_err(|m| fail("start_utc", m))?;
        let eu = parse_utc(&row.end_utc).map_err(|m| fail("end_utc", m))?;
        let start = local_instant(&row.start_local, tz, su).map_err(|m| fail("start_local", m))?;
        let end = local_instant(&row.end_local, tz, eu).map_err(|m| fail("end_local", m))?;
        if su.is_some_and(|u| u != start.with_timezone(&Utc)) {
            return Err(fail("start_utc", "disagrees with start_local".into()));
        }
        if eu.is_some_and(|u| u != end.with_timezone(&Utc)) {
            return Err(fail("end_utc", "disagrees with end_local".into()));
        }
        if end <= start {
            return Err(fail("end_local", "shift ends before it starts".into()));
        }
        let paid_hours: f64 = row
            .paid_hours
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                fail(
                    "paid_hours",
                    format!("`{}` is not a number of hours", row.paid_hours),
                )
            })?;
        let breaks = parse_breaks(&row.breaks, start, tz).map_err(|m| fail("breaks", m))?;
        let skills = spreadsheet_text(&row.skills)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        shifts.push(Shift {
            agent_id: spreadsheet_text(&row.agent_id).to_string(),
            agent_name: spreadsheet_text(&row.agent_name).to_string(),
            date,
            start,
            end,
            breaks,
            skills,
            paid_hours,
            site,
        });
    }
    let mut roster = Roster {
        site_name: site_name.to_string(),
        timezone: tz,
        shifts,
    };
    roster.sort();
    Ok(roster)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "agent_id,agent_name,date,start_local,end_local,timezone,start_utc,end_utc,paid_hours,break_minutes,breaks,skills\n";

    #[test]
    fn breaks_after_midnight_land_on_the_next_day() {
        let text = format!("{HEAD}A1,Li Na,2026-11-09,2026-11-09 16:00,2026-11-10 01:00,Asia/Shanghai,,,8.00,60,meal 23:30-00:30,hotline\n");
        let r = read_roster_from(
            text.as_bytes(),
            Path::new("r.csv"),
            "s",
            chrono_tz::Asia::Shanghai,
        )
        .unwrap();
        let b = &r.shifts[0].breaks[0];
        assert_eq!(
            b.start.format("%Y-%m-%d %H:%M").to_string(),
            "2026-11-09 23:30"
        );
        assert_eq!(
            b.end.format("%Y-%m-%d %H:%M").to_string(),
            "2026-11-10 00:30"
        );
        assert_eq!(r.shifts[0].length_hours(), 9.0);
    }

    #[test]
    fn bad_rows_name_line_and_field() {
        let text = format!("{HEAD}A1,Li Na,2026-11-09,2026-11-09 25:00,2026-11-10 01:00,Asia/Shanghai,,,8.00,60,,hotline\n");
        let e = read_roster_from(
            text.as_bytes(),
            Path::new("r.csv"),
            "s",
            chrono_tz::Asia::Shanghai,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 2") && e.contains("start_local"), "{e}");
        let text = format!("{HEAD}A1,Li Na,2026-11-09,2026-11-09 08:00,2026-11-09 17:00,Asia/Shanghai,2026-11-09T01:00:00Z,,8.00,60,,hotline\n");
        let e = read_roster_from(
            text.as_bytes(),
            Path::new("r.csv"),
            "s",
            chrono_tz::Asia::Shanghai,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("disagrees"), "{e}");
    }
}
