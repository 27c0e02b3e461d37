//! RFC 5545 iCalendar export of a weekly staff roster.
//!
//! The text is written by hand: TEXT values are escaped per RFC 5545 3.3.11,
//! content lines are folded at 75 octets (3.1) and terminated with CRLF. A
//! VTIMEZONE covering the roster's span is derived from chrono-tz data.

use crate::roster::model::{Roster, Shift};
use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use std::collections::HashMap;

/// Options controlling the calendar envelope and event identity.
pub struct IcsOptions<'a> {
    /// Used in UIDs, e.g. "hangzhou-service-centre" (already slugified by the caller).
    pub site_slug: &'a str,
    /// X-WR-CALNAME and PRODID context.
    pub calendar_name: &'a str,
    /// DTSTAMP for every event (caller fixes it for reproducible output).
    pub dtstamp: DateTime<Utc>,
    /// Also write each break as an event of its own inside the shift
    /// (UID `{agent}-{YYYYMMDD}-{kind}{n}@...`); the shift's description lists
    /// the breaks either way.
    pub break_events: bool,
}

const PRODID: &str = "-//rota//rota roster//EN";
const LOCAL_FMT: &str = "%Y%m%dT%H%M%S";

/// Renders `roster` as an iCalendar (VCALENDAR) document with CRLF line endings.
///
/// One VEVENT per shift, sorted by (start instant, agent id). UIDs are
/// `{agent_id}-{YYYYMMDD}@{site_slug}.rota`, so re-exporting the same agent-day
/// updates the event in calendar clients; if one agent has several shifts on
/// the same day, the second and later get a `-2`, `-3`, ... suffix before `@`.
/// With no shifts, the calendar contains neither VTIMEZONE nor VEVENT.
pub fn roster_to_ics(roster: &Roster, opts: &IcsOptions) -> String {
    let tz = roster.timezone;
    let tzid = tz.name();
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        format!("PRODID:{PRODID}"),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", escape_text(opts.calendar_name)),
        format!("X-WR-TIMEZONE:{tzid}"),
    ];

    let mut shifts: Vec<&Shift> = roster.shifts.iter().collect();
    shifts.sort_by(|a, b| {
        (a.start.with_timezone(&Utc), &a.agent_id).cmp(&(b.start.with_timezone(&Utc), &b.agent_id))
    });
    let earliest = shifts.iter().map(|s| s.start.with_timezone(&Utc)).min();
    let latest = shifts.iter().map(|s| s.end.with_timezone(&Utc)).max();
    if let (Some(first), Some(last)) = (earliest, latest) {
        lines.extend(vtimezone(
            tz,
            first - Duration::days(1),
            last + Duration::days(1),
        ));
    }

    let dtstamp = opts.dtstamp.format("%Y%m%dT%H%M%SZ").to_string();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for s in shifts {
        let base = format!("{}-{}", s.agent_id, s.date.format("%Y%m%d"));
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        let uid = match *n {
            1 => format!("{base}@{}.rota", opts.site_slug),
            k => format!("{base}-{k}@{}.rota", opts.site_slug),
        };
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", escape_text(&uid)));
        lines.push(format!("DTSTAMP:{dtstamp}"));
        lines.push(date_time("DTSTART", &s.start, tz));
        lines.push(date_time("DTEND", &s.end, tz));
        lines.push(format!("SUMMARY:{}", escape_text(&summary(s, tz))));
        lines.push(format!("DESCRIPTION:{}", escape_text(&description(s, tz))));
        lines.push(format!("LOCATION:{}", escape_text(&roster.site_name)));
        lines.push("CATEGORIES:rota shift".into());
        lines.push("END:VEVENT".into());
        if opts.break_events {
            let mut kinds: HashMap<&str, usize> = HashMap::new();
            for b in &s.breaks {
                let k = kinds.entry(b.kind.as_str()).or_insert(0);
                *k += 1;
                let stem = uid.split_once('@').map_or(uid.as_str(), |(a, _)| a);
                let buid = format!("{stem}-{}{}@{}.rota", b.kind, k, opts.site_slug);
                lines.push("BEGIN:VEVENT".into());
                lines.push(format!("UID:{}", escape_text(&buid)));
                lines.push(format!("DTSTAMP:{dtstamp}"));
                lines.push(date_time("DTSTART", &b.start, tz));
                lines.push(date_time("DTEND", &b.end, tz));
                lines.push(format!(
                    "SUMMARY:{}",
                    escape_text(&format!("{} break: {}", capitalise(&b.kind), s.agent_name))
                ));
                lines.push(format!("RELATED-TO:{}", escape_text(&uid)));
                lines.push("TRANSP:TRANSPARENT".into());
                lines.push("CATEGORIES:rota break".into());
                lines.push("END:VEVENT".into());
            }
        }
    }
    lines.push("END:VCALENDAR".into());

    let mut out = String::new();
    for line in &lines {
        out.push_str(&fold_line(line));
    }
    out
}

/// A calendar that updates one published before (`rota replan`): every
/// event keeps its UID, carries the `SEQUENCE` of its agent-day (how many
/// versions changed it), and the cancelled shifts come as cancelled events.
pub struct CalendarUpdate<'a> {
    /// `SEQUENCE` of each (agent id, date); 0 when not listed.
    pub sequence: &'a std::collections::BTreeMap<(String, chrono::NaiveDate), u32>,
    /// Shifts of the previous version that are gone (STATUS:CANCELLED,
    /// category `rota cancelled shift`).
    pub cancelled: &'a [Shift],
    /// `PUBLISH` (the calendar as it now stands) or `CANCEL` (only the
    /// cancelled events, for sending to the agents concerned).
    pub method: &'a str,
}

/// Renders an update of a published calendar (see [`CalendarUpdate`]); the
/// shifts of `roster` as in [`roster_to_ics`], one per agent-day.
pub fn roster_update_to_ics(roster: &Roster, opts: &IcsOptions, update: &CalendarUpdate) -> String {
    let tz = roster.timezone;
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        format!("PRODID:{PRODID}"),
        "CALSCALE:GREGORIAN".into(),
        format!("METHOD:{}", update.method),
        format!("X-WR-CALNAME:{}", escape_text(opts.calendar_name)),
        format!("X-WR-TIMEZONE:{}", tz.name()),
    ];
    let mut events: Vec<(&Shift, bool)> = roster.shifts.iter().map(|s| (s, false)).collect();
    events.extend(update.cancelled.iter().map(|s| (s, true)));
    events.sort_by(|(a, _), (b, _)| {
        (a.start.with_timezone(&Utc), &a.agent_id).cmp(&(b.start.with_timezone(&Utc), &b.agent_id))
    });
    let first = events
        .iter()
        .map(|(s, _)| s.start.with_timezone(&Utc))
        .min();
    let last = events.iter().map(|(s, _)| s.end.with_timezone(&Utc)).max();
    if let (Some(first), Some(last)) = (first, last) {
        lines.extend(vtimezone(
            tz,
            first - Duration::days(1),
            last + Duration::days(1),
        ));
    }
    let dtstamp = opts.dtstamp.format("%Y%m%dT%H%M%SZ").to_string();
    for (s, cancelled) in events {
        let uid = format!(
            "{}-{}@{}.rota",
            s.agent_id,
            s.date.format("%Y%m%d"),
            opts.site_slug
        );
        let seq = update
            .sequence
            .get(&(s.agent_id.clone(), s.date))
            .copied()
            .unwrap_or(0);
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", escape_text(&uid)));
        lines.push(format!("DTSTAMP:{dtstamp}"));
        lines.push(format!("SEQUENCE:{seq}"));
        lines.push(date_time("DTSTART", &s.start, tz));
        lines.push(date_time("DTEND", &s.end, tz));
        if cancelled {
            lines.push(format!(
                "SUMMARY:{}",
                escape_text(&format!("Cancelled: {}", summary(s, tz)))
            ));
            lines.push("STATUS:CANCELLED".into());
            lines.push("CATEGORIES:rota cancelled shift".into());
        } else {
            lines.push(format!("SUMMARY:{}", escape_text(&summary(s, tz))));
            lines.push(format!("DESCRIPTION:{}", escape_text(&description(s, tz))));
            lines.push("STATUS:CONFIRMED".into());
            lines.push("CATEGORIES:rota shift".into());
        }
        lines.push(format!("LOCATION:{}", escape_text(&roster.site_name)));
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    lines.iter().map(|l| fold_line(l)).collect()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Splits a roster into one roster per agent, in agent-id order; with
/// several sites each in the zone of the agent's site.
pub fn per_agent(roster: &Roster) -> Vec<(String, Roster)> {
    let mut by: std::collections::BTreeMap<&str, Vec<Shift>> = std::collections::BTreeMap::new();
    for s in &roster.shifts {
        by.entry(s.agent_id.as_str()).or_default().push(s.clone());
    }
    by.into_iter()
        .map(|(id, shifts)| {
            // An agent of one of several sites gets the calendar of that
            // site: its zone (and VTIMEZONE) and its name as the location.
            let (site_name, timezone) = match shifts.first() {
                Some(s) if !s.site.is_empty() => (s.site.clone(), roster.zone_of(s)),
                _ => (roster.site_name.clone(), roster.timezone),
            };
            (
                id.to_string(),
                Roster {
                    site_name,
                    timezone,
                    shifts,
                },
            )
        })
        .collect()
}

/// A DTSTART/DTEND property: local time with TZID, or UTC (`...Z`) when the
/// local time occurs twice (clocks go back) and would be read as the first.
fn date_time(name: &str, t: &DateTime<Tz>, tz: Tz) -> String {
    let naive = t.with_timezone(&tz).naive_local();
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(_) => format!("{name};TZID={}:{}", tz.name(), local(t, tz)),
        _ => format!("{name}:{}", t.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ")),
    }
}

/// Local wall time of `t` in `tz` as `YYYYMMDDTHHMMSS`.
fn local(t: &DateTime<Tz>, tz: Tz) -> String {
    t.with_timezone(&tz).format(LOCAL_FMT).to_string()
}

/// The breaks of a shift in local time: `meal 12:00-13:00`, each.
fn break_times(s: &Shift, tz: Tz) -> Vec<String> {
    s.breaks
        .iter()
        .map(|b| {
            format!(
                "{} {}-{}",
                b.kind,
                b.start.with_timezone(&tz).format("%H:%M"),
                b.end.with_timezone(&tz).format("%H:%M")
            )
        })
        .collect()
}

/// `Shift: NAME on QUEUES (BREAKS)`: the queues the agent is planned on in
/// the shift (the roster's `skills` column), and the break times.
fn summary(s: &Shift, tz: Tz) -> String {
    let mut t = format!("Shift: {}", s.agent_name);
    if !s.skills.is_empty() {
        t.push_str(&format!(" on {}", s.skills.join(", ")));
    }
    let breaks = break_times(s, tz);
    if !breaks.is_empty() {
        t.push_str(&format!(" ({})", breaks.join(", ")));
    }
    t
}

fn description(s: &Shift, tz: Tz) -> String {
    let mut d = String::new();
    if !s.skills.is_empty() {
        d.push_str(&format!("Planned on: {}\n", s.skills.join(", ")));
    }
    d.push_str(&format!(
        "Agent ID: {}\nPaid hours: {:.2}\nBreaks:",
        s.agent_id, s.paid_hours
    ));
    if s.breaks.is_empty() {
        d.push_str(" none");
    }
    for b in break_times(s, tz) {
        d.push('\n');
        d.push_str(&b);
    }
    d
}

/// Escapes a TEXT value (RFC 5545 3.3.11). CR is dropped, LF becomes `\n`;
/// other control characters, which TEXT does not allow, are dropped too
/// (tab, which it allows, is kept).
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            _ => out.push(c),
        }
    }
    out
}

/// Folds one content line to at most 75 octets per physical line (never
/// splitting a UTF-8 sequence) and appends CRLF after each physical line.
fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

/// `+0800`, `-0500`, `+0530`.
fn fmt_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    format!("{sign}{:02}{:02}", a / 3600, (a % 3600) / 60)
}

/// (total UTC offset in seconds, is DST, abbreviation) in force at `t`.
fn zone_state(tz: Tz, t: DateTime<Utc>) -> (i32, bool, String) {
    let off = tz.offset_from_utc_datetime(&t.naive_utc());
    let secs = off.fix().local_minus_utc();
    let abbr = match off.abbreviation() {
        Some(a) => a.to_string(),
        None => fmt_offset(secs),
    };
    (secs, !off.dst_offset().is_zero(), abbr)
}

fn utc_minute(m: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(m * 60, 0)
}

/// VTIMEZONE lines for `tz`, valid for the instants in `[from, to]`.
fn vtimezone(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let mut component = |dst: bool, start: NaiveDateTime, from_s: i32, to_s: i32, name: &str| {
        let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{}", start.format(LOCAL_FMT)));
        lines.push(format!("TZOFFSETFROM:{}", fmt_offset(from_s)));
        lines.push(format!("TZOFFSETTO:{}", fmt_offset(to_s)));
        lines.push(format!("TZNAME:{}", escape_text(name)));
        lines.push(format!("END:{kind}"));
    };

    // Work in whole UTC minutes; transitions happen on whole minutes.
    let start_min = from.timestamp().div_euclid(60);
    let end_min = to.timestamp().div_euclid(60);
    let Some(start) = utc_minute(start_min) else {
        return Vec::new();
    };
    let (mut cur_off, dst, abbr) = zone_state(tz, start);
    let start_local = start.naive_utc() + Duration::seconds(i64::from(cur_off));
    component(dst, start_local, cur_off, cur_off, &abbr);

    let mut prev = start_min;
    while prev < end_min {
        let next = (prev + 60).min(end_min);
        let Some(next_t) = utc_minute(next) else {
            break;
        };
        let (off, _, _) = zone_state(tz, next_t);
        if off != cur_off {
            // Bisect: offset at `lo` is the old one, at `hi` the new one.
            let (mut lo, mut hi) = (prev, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                match utc_minute(mid) {
                    Some(t) if zone_state(tz, t).0 == cur_off => lo = mid,
                    _ => hi = mid,
                }
            }
            let Some(at) = utc_minute(hi) else { break };
            let (new_off, new_dst, new_abbr) = zone_state(tz, at);
            let local_old = at.naive_utc() + Duration::seconds(i64::from(cur_off));
            component(new_dst, local_old, cur_off, new_off, &new_abbr);
            cur_off = new_off;
        }
        prev = next;
    }
    lines.push("END:VTIMEZONE".into());
    lines
}

/// `roster.ics`: the roster as iCalendar events in the site's time zone.
pub struct RosterIcs;

impl super::Exporter for RosterIcs {
    fn file_name(&self) -> &'static str {
        "roster.ics"
    }

    fn render(&self, p: &super::PlanOutput) -> crate::error::Result<Vec<u8>> {
        let slug = super::slug(&p.scenario.site.name);
        let name = format!("{} roster", p.scenario.site.name);
        Ok(roster_to_ics(
            p.roster,
            &IcsOptions {
                site_slug: &slug,
                calendar_name: &name,
                dtstamp: p.generated_at,
                break_events: false,
            },
        )
        .into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::model::Break;
    use chrono::TimeZone;

    fn dt(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
        tz.with_ymd_and_hms(y, mo, d, h, mi, 0).earliest().unwrap()
    }

    fn shift(id: &str, name: &str, start: DateTime<Tz>, end: DateTime<Tz>) -> Shift {
        Shift {
            agent_id: id.into(),
            agent_name: name.into(),
            date: start.date_naive(),
            start,
            end,
            breaks: vec![],
            skills: vec!["hotline".into(), "chat".into()],
            paid_hours: (end - start).num_minutes() as f64 / 60.0,
            site: String::new(),
        }
    }

    fn opts() -> IcsOptions<'static> {
        IcsOptions {
            site_slug: "test-site",
            calendar_name: "Test roster",
            dtstamp: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            break_events: false,
        }
    }

    fn export(tz: Tz, shifts: Vec<Shift>) -> String {
        let roster = Roster {
            site_name: "Test Site".into(),
            timezone: tz,
            shifts,
        };
        roster_to_ics(&roster, &opts())
    }

    fn unfold(s: &str) -> String {
        s.replace("\r\n ", "")
    }

    fn values<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
        text.split("\r\n")
            .filter_map(|l| l.strip_prefix(prefix))
            .collect()
    }

    fn parse_offset(s: &str) -> i64 {
        let sign = if s.starts_with('-') { -1 } else { 1 };
        sign * (s[1..3].parse::<i64>().unwrap() * 3600 + s[3..5].parse::<i64>().unwrap() * 60)
    }

    /// Tiny VTIMEZONE decoder: (local DTSTART, from offset, to offset) per sub-component.
    fn tz_rules(text: &str) -> Vec<(NaiveDateTime, i64, i64)> {
        let u = unfold(text);
        let vtz = u
            .split("BEGIN:VTIMEZONE")
            .nth(1)
            .unwrap()
            .split("END:VTIMEZONE")
            .next()
            .unwrap();
        let starts = values(vtz, "DTSTART:");
        let froms = values(vtz, "TZOFFSETFROM:");
        let tos = values(vtz, "TZOFFSETTO:");
        assert_eq!(starts.len(), froms.len());
        assert_eq!(starts.len(), tos.len());
        (0..starts.len())
            .map(|i| {
                let t = NaiveDateTime::parse_from_str(starts[i], LOCAL_FMT).unwrap();
                (t, parse_offset(froms[i]), parse_offset(tos[i]))
            })
            .collect()
    }

    /// Local wall time -> UTC using the last rule whose DTSTART (in its from-offset) is <= it.
    fn to_utc(rules: &[(NaiveDateTime, i64, i64)], local: &str) -> NaiveDateTime {
        let t = NaiveDateTime::parse_from_str(local, LOCAL_FMT).unwrap();
        let rule = rules
            .iter()
            .rfind(|r| r.0 <= t)
            .expect("local time before VTIMEZONE");
        t - Duration::seconds(rule.2)
    }

    #[test]
    fn shanghai_week_structure() {
        let tz = chrono_tz::Asia::Shanghai;
        let mut a = shift(
            "a7",
            "Wang Fang",
            dt(tz, 2026, 6, 1, 9, 0),
            dt(tz, 2026, 6, 1, 18, 0),
        );
        a.breaks.push(Break {
            kind: "meal".into(),
            start: dt(tz, 2026, 6, 1, 12, 0),
            end: dt(tz, 2026, 6, 1, 13, 0),
        });
        let b = shift(
            "b2",
            "Li Lei",
            dt(tz, 2026, 6, 3, 8, 0),
            dt(tz, 2026, 6, 3, 17, 0),
        );
        let text = export(tz, vec![b.clone(), a.clone()]);

        assert_eq!(text, export(tz, vec![b, a]), "export must be deterministic");
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(
            text.matches('\n').count(),
            text.matches("\r\n").count(),
            "bare LF found"
        );
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "line too long: {line}");
        }
        assert_eq!(text.matches("BEGIN:VTIMEZONE").count(), 1);
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 1);
        assert!(!text.contains("BEGIN:DAYLIGHT"));
        assert!(text.contains("TZID:Asia/Shanghai\r\n"));
        assert!(text.contains("TZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800\r\n"));
        let tzids: Vec<&str> = values(&text, "TZID:");
        let u = unfold(&text);
        for prop in ["DTSTART;TZID=", "DTEND;TZID="] {
            let used = values(&u, prop);
            assert_eq!(used.len(), 2);
            for v in used {
                let id = v.split(':').next().unwrap();
                assert!(tzids.contains(&id), "no VTIMEZONE for {id}");
            }
        }
        let uids = values(&u, "UID:");
        assert_eq!(
            uids,
            ["a7-20260601@test-site.rota", "b2-20260603@test-site.rota"]
        );
        assert!(u.contains("DTSTART;TZID=Asia/Shanghai:20260601T090000\r\n"));
        assert!(u.contains("DTSTAMP:20260102T030405Z\r\n"));
        assert!(u.contains("SUMMARY:Shift: Wang Fang on hotline\\, chat (meal 12:00-13:00)\r\n"));
        assert!(u.contains("DESCRIPTION:Planned on: hotline\\, chat\\nAgent ID: a7"));
        assert!(u.contains("Paid hours: 9.00\\nBreaks:\\nmeal 12:00-13:00\r\n"));
    }

    #[test]
    fn london_fall_back() {
        let tz = chrono_tz::Europe::London;
        let s = shift(
            "a1",
            "Ann",
            dt(tz, 2026, 10, 24, 22, 0),
            dt(tz, 2026, 10, 25, 6, 0),
        );
        assert_eq!((s.end - s.start).num_hours(), 9);
        let text = export(tz, vec![s]);
        assert!(text.contains(
            "BEGIN:STANDARD\r\nDTSTART:20261025T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT\r\n"
        ));
        assert!(
            text.contains("BEGIN:DAYLIGHT\r\n"),
            "initial BST component expected"
        );
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 1);
        let start = values(&text, "DTSTART;TZID=Europe/London:")[0];
        let end = values(&text, "DTEND;TZID=Europe/London:")[0];
        assert_eq!((start, end), ("20261024T220000", "20261025T060000"));
        let rules = tz_rules(&text);
        let (us, ue) = (to_utc(&rules, start), to_utc(&rules, end));
        assert_eq!(us.to_string(), "2026-10-24 21:00:00");
        assert_eq!(ue - us, Duration::hours(9));
    }

    #[test]
    fn new_york_spring_forward() {
        let tz = chrono_tz::America::New_York;
        let s = shift(
            "n1",
            "Bob",
            dt(tz, 2026, 3, 7, 20, 0),
            dt(tz, 2026, 3, 8, 4, 0),
        );
        let text = export(tz, vec![s]);
        assert!(text.contains(
            "BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\n"
        ));
        let rules = tz_rules(&text);
        assert_eq!(rules[0].1, -5 * 3600);
        let end = values(&text, "DTEND;TZID=America/New_York:")[0];
        assert_eq!(to_utc(&rules, end).to_string(), "2026-03-08 08:00:00");
    }

    #[test]
    fn sydney_and_kolkata_offsets() {
        let tz = chrono_tz::Australia::Sydney; // DST ends 2026-04-05 03:00 AEDT
        let s = shift(
            "s1",
            "Cy",
            dt(tz, 2026, 4, 4, 20, 0),
            dt(tz, 2026, 4, 5, 4, 0),
        );
        let text = export(tz, vec![s]);
        assert!(
            text.contains("DTSTART:20260405T030000\r\nTZOFFSETFROM:+1100\r\nTZOFFSETTO:+1000\r\n")
        );
        let tz = chrono_tz::Asia::Kolkata;
        let s = shift(
            "k1",
            "Dev",
            dt(tz, 2026, 4, 4, 9, 0),
            dt(tz, 2026, 4, 4, 17, 0),
        );
        let text = export(tz, vec![s]);
        assert!(text.contains("TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nTZNAME:IST\r\n"));
        assert_eq!(fmt_offset(-5 * 3600 - 30 * 60), "-0530");
    }

    #[test]
    fn escaping_and_folding() {
        let tz = chrono_tz::Asia::Shanghai;
        let mut s = shift(
            "x9",
            r"Li, Jr; back\slash",
            dt(tz, 2026, 6, 1, 9, 0),
            dt(tz, 2026, 6, 1, 18, 0),
        );
        for h in 10..17 {
            s.breaks.push(Break {
                kind: "rest".into(),
                start: dt(tz, 2026, 6, 1, h, 0),
                end: dt(tz, 2026, 6, 1, h, 10),
            });
        }
        let text = export(tz, vec![s.clone()]);
        let u = unfold(&text);
        assert!(
            u.contains(r"SUMMARY:Shift: Li\, Jr\; back\\slash on hotline\, chat (rest 10:00-10:10")
        );
        // DESCRIPTION is long enough to need folding.
        let raw_start = text.find("DESCRIPTION:").unwrap();
        let raw = &text[raw_start..text[raw_start..].find("\r\nLOCATION").unwrap() + raw_start];
        assert!(raw.contains("\r\n "), "DESCRIPTION was not folded");
        let cont: Vec<&str> = raw.split("\r\n").skip(1).collect();
        assert_eq!(raw.split("\r\n").next().map(str::len), Some(75));
        assert!(cont.iter().all(|l| l.starts_with(' ')));
        let desc = values(&u, "DESCRIPTION:")[0];
        let unescaped = desc
            .replace("\\n", "\n")
            .replace("\\,", ",")
            .replace("\\;", ";")
            .replace("\\\\", "\\");
        assert_eq!(unescaped, description(&s, tz));
        assert!(unescaped.contains("\nrest 16:00-16:10"));
        // Multi-byte text is folded on character boundaries.
        let line = format!("SUMMARY:{}", "王芳".repeat(40));
        let folded = fold_line(&line);
        assert!(folded.split("\r\n").all(|l| l.len() <= 75));
        assert_eq!(unfold(&folded), format!("{line}\r\n"));
        assert_eq!(escape_text("a\r\nb"), "a\\nb");
        // Control characters TEXT does not allow never reach the file.
        assert_eq!(
            escape_text("a\u{7}b\u{1b}[31mc\u{7f}d\u{85}e\tf"),
            "ab[31mcde\tf"
        );
    }

    #[test]
    fn empty_roster_and_parser() {
        let empty = export(chrono_tz::Asia::Shanghai, vec![]);
        assert!(!empty.contains("VTIMEZONE") && !empty.contains("VEVENT"));
        let unfolded = icalendar::parser::unfold(&empty);
        let cal = icalendar::parser::read_calendar(&unfolded).unwrap();
        assert!(cal.components.is_empty());
        assert!(cal.properties.iter().any(|p| p.name == "PRODID"));

        let tz = chrono_tz::Europe::London;
        let a = shift(
            "a1",
            "Ann",
            dt(tz, 2026, 10, 24, 22, 0),
            dt(tz, 2026, 10, 25, 6, 0),
        );
        let b = shift(
            "a1",
            "Ann",
            dt(tz, 2026, 10, 24, 7, 0),
            dt(tz, 2026, 10, 24, 9, 0),
        );
        let text = export(tz, vec![a, b]);
        let unfolded = icalendar::parser::unfold(&text);
        let cal = icalendar::parser::read_calendar(&unfolded).unwrap();
        let names: Vec<&str> = cal.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["VTIMEZONE", "VEVENT", "VEVENT"]);
        assert_eq!(cal.components[0].components.len(), 2);
        // Same agent-day twice: second UID gets a suffix, both unique.
        let uids = values(&unfolded, "UID:");
        assert_eq!(
            uids,
            ["a1-20261024@test-site.rota", "a1-20261024-2@test-site.rota"]
        );
    }
}
