//! Shift, start and break candidates of each day, and who may work them.

use chrono::{DateTime, Datelike, Duration, NaiveDate};
use chrono_tz::Tz;

use crate::scenario::{Agent, BreakRule, RotationWeek, Scenario, ShiftTemplate};

/// A shift candidate on one day.
#[derive(Debug, Clone)]
pub(super) struct ShiftCand {
    pub(super) start: DateTime<Tz>,
    pub(super) end: DateTime<Tz>,
    pub(super) paid_hours: f64,
    /// Index of the start time among the day's distinct start times.
    pub(super) start_idx: usize,
    /// The sites (`Scenario::sites`, ascending) whose agents may work it:
    /// sites with the same zone, opening hours, closures and rules share
    /// their candidates. Its instants are in their zone.
    pub(super) sites: Vec<usize>,
    /// Whether the shift gets a break of each kind (`Day::kinds`).
    pub(super) needs: Vec<bool>,
    /// Names of the shift templates that allow this start and length on this day.
    pub(super) templates: Vec<String>,
}

/// The range of break candidates (indices into `BreakKind::breaks`,
/// inclusive) the window of one start time allows.
#[derive(Debug, Clone)]
pub(super) struct StartCand {
    pub(super) lo: usize,
    pub(super) hi: usize,
}

#[derive(Debug, Clone)]
pub(super) struct BreakCand {
    pub(super) start: DateTime<Tz>,
    pub(super) end: DateTime<Tz>,
}

/// One kind of break on one day: the meal break or one of the rest breaks
/// of the sites with one set of break rules.
#[derive(Debug, Clone)]
pub(super) struct BreakKind {
    /// "meal" or "rest", as written in the roster.
    pub(super) kind: &'static str,
    /// The sites (ascending) whose break rules it is: only their shifts
    /// need it ([`break_sets`]).
    pub(super) sites: Vec<usize>,
    /// Per distinct start time of the day, the break candidates its window allows.
    pub(super) starts: Vec<StartCand>,
    /// Sorted by start time.
    pub(super) breaks: Vec<BreakCand>,
}

#[derive(Debug, Clone)]
pub(super) struct Day {
    pub(super) date: NaiveDate,
    /// Distinct start times of the day (`ShiftCand::start_idx` indexes them).
    pub(super) starts: usize,
    pub(super) shifts: Vec<ShiftCand>,
    /// Per set of sites with the same break rules ([`break_sets`]), in
    /// order, the meal break (if configured), then the rest breaks in the
    /// order of `rules.rest_breaks` (`Rules::break_rules`). A shift needs
    /// kinds of its own sites' set only, whose windows are disjoint; kinds
    /// of different sets may overlap.
    pub(super) kinds: Vec<BreakKind>,
}

fn offset(h: f64) -> Duration {
    Duration::minutes((h * 60.0).round() as i64)
}

/// The break candidates of one kind on a day with the given start times.
/// A window depends only on the start time, so windows are ordered like the
/// starts (first in, first out), which the break model relies on.
fn break_kind(
    kind: &'static str,
    sites: &[usize],
    starts_at: &[DateTime<Tz>],
    minutes: u32,
    step_minutes: u32,
    earliest_start_hours: f64,
    latest_end_hours: f64,
) -> BreakKind {
    let len = Duration::minutes(minutes as i64);
    let step = Duration::minutes(step_minutes as i64);
    let mut times: Vec<DateTime<Tz>> = Vec::new();
    for &st in starts_at {
        let mut bs = st + offset(earliest_start_hours);
        while bs + len <= st + offset(latest_end_hours) {
            times.push(bs);
            bs += step;
        }
    }
    times.sort();
    times.dedup();
    let idx = |t: DateTime<Tz>| times.binary_search(&t).expect("break time listed");
    let starts = starts_at
        .iter()
        .map(|&st| {
            let first = st + offset(earliest_start_hours);
            let mut last = first;
            while last + step + len <= st + offset(latest_end_hours) {
                last += step;
            }
            StartCand {
                lo: idx(first),
                hi: idx(last),
            }
        })
        .collect();
    BreakKind {
        kind,
        sites: sites.to_vec(),
        starts,
        breaks: times
            .into_iter()
            .map(|start| BreakCand {
                start,
                end: start + len,
            })
            .collect(),
    }
}

/// The sites that share their shift candidates: the first of each set of
/// sites (`Scenario::sites`) with the same zone, opening hours, closed
/// dates and rules, with the whole set (ascending). Sites that differ only
/// in the queues they serve or their cost share them: who may work a
/// candidate is decided by the agent (`allowed`), and what it costs by the
/// agent's site. Three sites of one zone and rules then give one site's
/// candidates, not three times as many.
pub(super) fn site_families(scenario: &Scenario) -> Vec<(usize, Vec<usize>)> {
    let rules = scenario.site_rules();
    let mut families: Vec<(usize, Vec<usize>)> = Vec::new();
    for (si, site) in scenario.sites.iter().enumerate() {
        let same = |&(first, _): &(usize, Vec<usize>)| {
            let f = &scenario.sites[first];
            f.timezone == site.timezone
                && f.open == site.open
                && f.closed == site.closed
                && rules[first] == rules[si]
        };
        match families.iter_mut().find(|f| same(f)) {
            Some(f) => f.1.push(si),
            None => families.push((si, vec![si])),
        }
    }
    families
}

/// The sets of sites with the same break rules (`Rules::break_rules` of
/// their rules, the site's own in the scenario's place), first site first:
/// each set's rules with its sites (ascending). One set when every site
/// has the scenario's breaks, so the day's break kinds are the scenario's.
pub(super) fn break_sets(scenario: &Scenario) -> Vec<(Vec<BreakRule>, Vec<usize>)> {
    let mut sets: Vec<(Vec<BreakRule>, Vec<usize>)> = Vec::new();
    for (si, r) in scenario.site_rules().iter().enumerate() {
        let rules = r.break_rules();
        match sets.iter_mut().find(|(b, _)| *b == rules) {
            Some(set) => set.1.push(si),
            None => sets.push((rules, vec![si])),
        }
    }
    sets
}

/// Per site, the first site of its family in [`site_families`].
pub(super) fn site_family(scenario: &Scenario) -> Vec<usize> {
    let mut of = vec![0; scenario.sites.len()];
    for (first, sites) in site_families(scenario) {
        for si in sites {
            of[si] = first;
        }
    }
    of
}

/// Builds the shift, start and break candidates of every day from the rules:
/// per family of sites that share their candidates (`site_families`; one
/// site for a scenario with one `site`), the start times in its local time
/// of every shift template of its rules that applies on the day, at each
/// its lengths (the default template's first), one candidate per distinct
/// family, start and length; a site's shifts lie inside its opening hours
/// and none starts on its closed dates. Starts are in time order (of
/// instants, across sites); each keeps its site's zone.
pub(super) fn candidates(scenario: &Scenario) -> Vec<Day> {
    let sets = break_sets(scenario);
    let site_rules = scenario.site_rules();
    // Every shift starts inside the plan's instants, whatever its site's
    // local day (`Scenario::plan_span`).
    let (plan_start, plan_end) = scenario.plan_span();
    let site_templates: Vec<Vec<ShiftTemplate>> = scenario
        .site_rules()
        .iter()
        .map(|r| r.templates())
        .collect();
    let families = site_families(scenario);
    scenario
        .dates()
        .into_iter()
        .map(|date| {
            // (start instant, site, local minute), in time order.
            let mut starts: Vec<(DateTime<Tz>, usize, u32)> = Vec::new();
            for (fi, &(si, _)) in families.iter().enumerate() {
                let site = &scenario.sites[si];
                if site.closed.contains(&date) {
                    continue;
                }
                let mut minutes: Vec<u32> = site_templates[si]
                    .iter()
                    .filter(|t| t.applies_on(date))
                    .flat_map(|t| t.start.minutes())
                    .collect();
                minutes.sort();
                minutes.dedup();
                for m in minutes {
                    if site.open.as_ref().is_some_and(|o| m < o.from.minutes()) {
                        continue;
                    }
                    let naive = date
                        .and_hms_opt(m / 60, m % 60, 0)
                        .expect("valid clock time");
                    // A start time that does not exist (clocks go forward) is skipped.
                    if let Some(start) =
                        chrono::TimeZone::from_local_datetime(&site.timezone, &naive).earliest()
                    {
                        if plan_start <= start && start < plan_end {
                            starts.push((start, fi, m));
                        }
                    }
                }
            }
            starts.sort_by_key(|&(t, si, _)| (t, si));
            let mut starts_at: Vec<DateTime<Tz>> = starts.iter().map(|&(t, _, _)| t).collect();
            starts_at.dedup();
            // Each set's kinds over every start of the day (a set's shifts
            // start at some of them); windows of a start of another set's
            // shifts only carry breaks no shift of this set can take.
            let kinds: Vec<BreakKind> = sets
                .iter()
                .flat_map(|(rules, sites)| rules.iter().map(move |b| (b, sites)))
                .map(|(b, sites)| {
                    break_kind(
                        b.kind,
                        sites,
                        &starts_at,
                        b.minutes,
                        b.step_minutes,
                        b.earliest_start_hours,
                        b.latest_end_hours,
                    )
                })
                .collect();
            let mut shifts: Vec<ShiftCand> = Vec::new();
            for &(st, fi, m) in &starts {
                let (site, ref sites) = families[fi];
                let si = starts_at.binary_search(&st).expect("start listed");
                let closes = scenario.sites[site]
                    .open
                    .as_ref()
                    .map(|o| local_instant(scenario.sites[site].timezone, date, o.to.minutes()));
                let first = shifts.len();
                for t in site_templates[site].iter().filter(|t| t.applies_on(date)) {
                    if !t.start.allows(m) {
                        continue;
                    }
                    for &len in &t.lengths_hours {
                        let end = st + offset(len);
                        if closes.is_some_and(|c| end > c) {
                            continue;
                        }
                        if let Some(s) = shifts[first..].iter_mut().find(|s| s.end == end) {
                            s.templates.push(t.name.clone());
                            continue;
                        }
                        let needs = needs_of(&sets, site, len);
                        shifts.push(ShiftCand {
                            start: st,
                            end,
                            paid_hours: site_rules[site].paid_hours(len),
                            start_idx: si,
                            sites: sites.clone(),
                            needs,
                            templates: vec![t.name.clone()],
                        });
                    }
                }
            }
            Day {
                date,
                starts: starts_at.len(),
                shifts,
                kinds,
            }
        })
        .collect()
}

/// Whether a shift of `len` hours of site `site`'s agents needs each break
/// kind of a day (`Day::kinds`, built from `sets`): the kinds of its
/// site's set that apply to its length.
pub(super) fn needs_of(sets: &[(Vec<BreakRule>, Vec<usize>)], site: usize, len: f64) -> Vec<bool> {
    sets.iter()
        .flat_map(|(rules, sites)| {
            let mine = sites.contains(&site);
            rules.iter().map(move |b| mine && b.applies(len))
        })
        .collect()
}

/// The local instant of `minutes` after midnight of `date` (24:00 is the next midnight).
pub(super) fn local_instant(tz: Tz, date: NaiveDate, minutes: u32) -> DateTime<Tz> {
    let naive = date.and_hms_opt(0, 0, 0).expect("midnight") + Duration::minutes(minutes as i64);
    chrono::TimeZone::from_local_datetime(&tz, &naive)
        .earliest()
        .unwrap_or_else(|| {
            crate::horizon::local_midnight(tz, date) + Duration::minutes(minutes as i64)
        })
}

/// Whether shift `s` of `day` keeps `pattern`, the week's entry of the
/// agent's rotation: of a template the agent may work and the week lists,
/// on a weekday the week does not keep off.
pub(super) fn on_pattern(agent: &Agent, pattern: &RotationWeek, day: &Day, s: &ShiftCand) -> bool {
    let weekday = day.date.weekday();
    s.templates
        .iter()
        .any(|t| agent.may_work(t) && pattern.allows(weekday, t))
}

/// Whether `agent` may work shift `s` of `day`: of a template the agent may
/// work, on the pattern of a hard rotation, not a fixed day off, inside the
/// agent's daily availability, and far enough from last week's shift; of
/// the agent's site (local times in its zone).
pub(super) fn allowed(scenario: &Scenario, agent: &Agent, day: &Day, s: &ShiftCand) -> bool {
    let site = scenario.site_index(agent);
    if !s.sites.contains(&site) {
        return false;
    }
    let tz = scenario.sites[site].timezone;
    if !s.templates.iter().any(|t| agent.may_work(t)) {
        return false;
    }
    if let Some((_, pattern)) = scenario
        .rotation_on(agent, day.date)
        .filter(|(r, _)| r.weight.is_none())
    {
        if !on_pattern(agent, pattern, day, s) {
            return false;
        }
    }
    if agent.days_off.contains(&day.date) {
        return false;
    }
    if let Some(av) = &agent.available {
        if s.start < local_instant(tz, day.date, av.from.minutes())
            || s.end > local_instant(tz, day.date, av.to.minutes())
        {
            return false;
        }
    }
    if let Some(end) = agent.previous.as_ref().and_then(|p| p.last_shift_end) {
        if let Some(end) = chrono::TimeZone::from_local_datetime(&tz, &end).latest() {
            let rest = Duration::minutes((scenario.min_rest_hours_of(agent) * 60.0).round() as i64);
            if s.start < end + rest {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site east of the reference zone (Tokyo, an hour ahead of Beijing)
    /// and one far west (New York, twelve hours behind): their local days
    /// begin before the plan or end after it, and their candidates start
    /// inside the plan's instants all the same, as a single site's do.
    #[test]
    fn every_candidate_starts_inside_the_plan_whatever_its_sites_day() {
        let y = r#"
name: t
site: { name: Centre, timezone: Asia/Shanghai }
sites:
  - { name: Tokyo, timezone: Asia/Tokyo }
  - { name: New York, timezone: America/New_York }
planning: { week_start: 2026-10-19, days: 2, interval_minutes: 30 }
history: { file: h.csv }
queues:
  - { id: q, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: T1, name: T, site: Tokyo, skills: [q], min_hours: 0, max_hours: 40 }
  - { id: N1, name: N, site: New York, skills: [q], min_hours: 0, max_hours: 40 }
rules:
  shift_start: { earliest: "00:00", latest: "20:00", step_minutes: 60 }
  shift_lengths_hours: [8]
"#;
        let sc = Scenario::from_yaml_str(y, std::path::Path::new("t.yaml")).unwrap();
        let (from, to) = sc.plan_span();
        let beijing = chrono_tz::Asia::Shanghai;
        let at = |d: u32, h: u32| {
            chrono::TimeZone::with_ymd_and_hms(&beijing, 2026, 10, d, h, 0, 0).unwrap()
        };
        assert_eq!((from, to), (at(19, 0), at(21, 0)));
        let days = candidates(&sc);
        let starts = |day: usize, site: usize| -> Vec<u32> {
            let mut h: Vec<u32> = days[day]
                .shifts
                .iter()
                .filter(|c| c.sites.contains(&site))
                .map(|c| chrono::Timelike::hour(&c.start))
                .collect();
            h.dedup();
            h
        };
        for d in &days {
            for c in &d.shifts {
                assert!(from <= c.start && c.start < to, "{c:?}");
            }
        }
        // Tokyo's Monday from 01:00 (00:00 is Sunday 23:00 in Beijing);
        // its Tuesday whole.
        assert_eq!(starts(0, 0), (1..=20).collect::<Vec<_>>());
        assert_eq!(starts(1, 0), (0..=20).collect::<Vec<_>>());
        // New York's Monday whole; its Tuesday to 11:00 (12:00 EDT is
        // Wednesday 00:00 in Beijing, after the plan).
        assert_eq!(starts(0, 1), (0..=20).collect::<Vec<_>>());
        assert_eq!(starts(1, 1), (0..=11).collect::<Vec<_>>());
    }

    /// Sites with different breaks: each set's kinds on every day, tagged
    /// with its sites, and each shift needing its own site's kinds only.
    /// Sites with the same breaks (here Hangzhou and Wuhan, of different
    /// shift rules) share one set.
    #[test]
    fn each_site_needs_its_own_sets_break_kinds() {
        let y = r#"
name: t
sites:
  - { name: Hangzhou, timezone: Asia/Shanghai }
  - name: Manila
    timezone: Asia/Manila
    rules: { meal_break: { minutes: 60, earliest_start_hours: 4, latest_end_hours: 6 }, rest_breaks: [] }
  - name: Wuhan
    timezone: Asia/Shanghai
    rules: { shift_start: { earliest: "10:00", latest: "12:00", step_minutes: 60 } }
planning: { week_start: 2026-10-19, days: 1, interval_minutes: 30 }
history: { file: h.csv }
queues:
  - { id: q, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: H1, name: H, site: Hangzhou, skills: [q], min_hours: 0, max_hours: 40 }
  - { id: M1, name: M, site: Manila, skills: [q], min_hours: 0, max_hours: 40 }
  - { id: W1, name: W, site: Wuhan, skills: [q], min_hours: 0, max_hours: 40 }
rules:
  shift_start: { earliest: "08:00", latest: "12:00", step_minutes: 60 }
  shift_lengths_hours: [8]
  meal_break: { minutes: 30, earliest_start_hours: 3, latest_end_hours: 5 }
  rest_breaks: [{ minutes: 15, earliest_start_hours: 1, latest_end_hours: 2 }]
"#;
        let sc = Scenario::from_yaml_str(y, std::path::Path::new("t.yaml")).unwrap();
        let sets = break_sets(&sc);
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].1, vec![0, 2]);
        assert_eq!(sets[1].1, vec![1]);
        let day = &candidates(&sc)[0];
        let tags: Vec<(&str, Vec<usize>)> = day
            .kinds
            .iter()
            .map(|k| (k.kind, k.sites.clone()))
            .collect();
        assert_eq!(
            tags,
            vec![
                ("meal", vec![0, 2]),
                ("rest", vec![0, 2]),
                ("meal", vec![1])
            ]
        );
        for s in &day.shifts {
            let manila = s.sites.contains(&1);
            assert_eq!(s.needs, vec![!manila, !manila, manila], "{s:?}");
            assert_eq!(s.paid_hours, if manila { 7.0 } else { 7.5 }, "{s:?}");
            // Each needed kind has its window at the shift's start.
            for (k, bk) in day.kinds.iter().enumerate().filter(|(k, _)| s.needs[*k]) {
                let w = &bk.starts[s.start_idx];
                let first = &bk.breaks[w.lo];
                let into = (first.start - s.start).num_minutes();
                assert_eq!(
                    into,
                    if manila {
                        240
                    } else if k == 0 {
                        180
                    } else {
                        60
                    }
                );
            }
        }
        assert!(day.shifts.iter().any(|s| s.sites.contains(&1)));
    }
}
