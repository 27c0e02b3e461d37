//! Several sites in one plan (`sites`, `docs/sites.md`): the sites settled
//! after loading, their cross-field checks, and what the rest of rota asks
//! of them (the site of an agent, its rules).

use std::path::Path;

use chrono::{Duration, NaiveDate, TimeZone};
use chrono_tz::Tz;

use super::checks::{
    break_line, break_rules_problem, lengths_problem, start_window_problem, BreakBlame,
};
use super::load::find_line;
use super::*;
use crate::error::{Error, Result};

/// The first instant at or after local `minutes` after midnight of `date` in `tz`.
fn local_at(tz: Tz, date: NaiveDate, minutes: u32) -> chrono::DateTime<Tz> {
    let mut t = date.and_hms_opt(0, 0, 0).expect("midnight") + Duration::minutes(minutes as i64);
    loop {
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt;
        }
        t += Duration::minutes(15);
    }
}

impl Scenario {
    /// Settles `site` and `sites` after deserializing: a scenario with one
    /// `site` gets that site as its only entry of `sites` (open around the
    /// clock, every queue, the scenario's rules) and every agent its name; a
    /// scenario with `sites` gets `site` (its name and reference zone) from
    /// the first site unless written. Multiplies each agent's `hourly_cost`
    /// by its site's `cost_factor`. Errors name the field at fault.
    pub(super) fn settle_sites(&mut self, src: &str, path: &Path) -> Result<()> {
        let err = |needle: &str, nth: usize, field: &str, msg: String| {
            Error::input(path, find_line(src, needle, nth), Some(field), msg)
        };
        if self.sites.is_empty() {
            let Some(site) = self.site_written.clone() else {
                return Err(Error::input(
                    path,
                    None,
                    Some("site"),
                    "missing field `site`: a scenario needs `site` (its name and time zone) or `sites`",
                ));
            };
            self.sites = vec![SiteSpec::whole(&site)];
            for (i, a) in self.agents.iter_mut().enumerate() {
                match &a.site {
                    Some(s) if *s != site.name => {
                        return Err(err(
                            &format!("site: {s}"),
                            0,
                            &format!("agents[{i}].site"),
                            format!(
                            "agent `{}` works at site `{s}`, but the scenario's only site is `{}`",
                            a.id, site.name
                        ),
                        ))
                    }
                    _ => a.site = Some(site.name.clone()),
                }
            }
            self.site = site;
            self.multi_site = false;
            return Ok(());
        }
        self.multi_site = true;
        self.site = self.site_written.clone().unwrap_or_else(|| Site {
            name: self.sites[0].name.clone(),
            timezone: self.sites[0].timezone,
        });
        let names: Vec<&str> = self.sites.iter().map(|s| s.name.as_str()).collect();
        for (i, s) in self.sites.iter().enumerate() {
            let field = |f: &str| format!("sites[{i}]{f}");
            let line = |nth| find_line(src, &format!("name: {}", s.name), nth);
            if s.name.trim().is_empty() {
                return Err(Error::input(
                    path,
                    line(0),
                    Some(&field(".name")),
                    "a site needs a name",
                ));
            }
            if names[..i].contains(&s.name.as_str()) {
                return Err(Error::input(
                    path,
                    line(1),
                    Some(&field(".name")),
                    format!("duplicate site name `{}`", s.name),
                ));
            }
            if let Some(open) = &s.open {
                if open.from >= open.to {
                    return Err(Error::input(
                        path,
                        line(0),
                        Some(&field(".open")),
                        format!(
                            "site `{}` opens at {} and closes at {}: the opening must come before the closing on the same local day",
                            s.name, open.from, open.to
                        ),
                    ));
                }
            }
            if let Some(sw) = &s.rules.shift_start {
                if let Some((f, msg)) = start_window_problem(sw) {
                    return Err(Error::input(
                        path,
                        line(0),
                        Some(&field(&format!(".rules.shift_start{f}"))),
                        msg,
                    ));
                }
            }
            if let Some(l) = &s.rules.shift_lengths_hours {
                if let Some(msg) = lengths_problem(l) {
                    return Err(Error::input(
                        path,
                        line(0),
                        Some(&field(".rules.shift_lengths_hours")),
                        msg,
                    ));
                }
            }
            // The rest and days of its agents, as the scenario's `rules`
            // are held (`checks.rs`); blamed on the field's line in the site.
            let days_problem = [
                (
                    "max_working_days",
                    s.rules.max_working_days == Some(0),
                    "must be at least 1".to_string(),
                ),
                (
                    "max_consecutive_days",
                    s.rules.max_consecutive_days == Some(0),
                    "must be at least 1".to_string(),
                ),
                (
                    "consecutive_days_off",
                    s.rules
                        .consecutive_days_off
                        .is_some_and(|k| k == 0 || k > self.planning.days),
                    format!(
                        "must be between 1 and the {} planned days",
                        self.planning.days
                    ),
                ),
            ];
            for (name, bad, msg) in days_problem {
                if bad {
                    let at = line(0).and_then(|l| {
                        src.lines()
                            .enumerate()
                            .skip(l - 1)
                            .find(|(_, t)| t.contains(name))
                            .map(|(i, _)| i + 1)
                    });
                    return Err(Error::input(
                        path,
                        at.or(line(0)),
                        Some(&field(&format!(".rules.{name}"))),
                        msg,
                    ));
                }
            }
            // The site's breaks as the scenario's are checked, over its
            // own shift lengths; its own breaks blamed on its fields.
            if s.rules.own_breaks()
                || s.rules.shift_lengths_hours.is_some()
                || s.rules.shift_templates.is_some()
            {
                let at = line(0).map_or(0, |l| l - 1);
                let top = src
                    .lines()
                    .position(|l| l.starts_with("rules:"))
                    .unwrap_or(0);
                let blame = |rule: &BreakRule| {
                    let own = match rule.index {
                        None => s.rules.meal_break.is_some(),
                        Some(_) => s.rules.rest_breaks.is_some(),
                    };
                    if own {
                        BreakBlame {
                            field: field(&format!(".{}", rule.field())),
                            line: break_line(src, at, rule.index),
                            own,
                            suffix: String::new(),
                        }
                    } else {
                        BreakBlame {
                            field: rule.field(),
                            line: break_line(src, top, rule.index),
                            own,
                            suffix: format!(" (the scenario's break, for site `{}`)", s.name),
                        }
                    }
                };
                break_rules_problem(&s.rules(&self.rules), &blame, path)?;
            }
            for (j, t) in s.rules.shift_templates.iter().flatten().enumerate() {
                let f = field(&format!(".rules.shift_templates[{j}]"));
                if let Some((g, msg)) = start_window_problem(&t.start) {
                    return Err(Error::input(
                        path,
                        line(0),
                        Some(&format!("{f}.start{g}")),
                        msg,
                    ));
                }
                if let Some(msg) = lengths_problem(&t.lengths_hours) {
                    return Err(Error::input(
                        path,
                        line(0),
                        Some(&format!("{f}.lengths_hours")),
                        msg,
                    ));
                }
            }
        }
        let sites = self.sites.clone();
        for (i, a) in self.agents.iter_mut().enumerate() {
            let at = |f: &str, msg: String| {
                err(
                    &format!("id: {}", a.id),
                    0,
                    &format!("agents[{i}].{f}"),
                    msg,
                )
            };
            let Some(name) = &a.site else {
                return Err(at(
                    "site",
                    format!(
                        "agent `{}` names no site; the scenario lists sites, so each agent works at one of them ({})",
                        a.id,
                        names.join(", ")
                    ),
                ));
            };
            let Some(site) = sites.iter().find(|s| &s.name == name) else {
                return Err(at(
                    "site",
                    format!(
                        "agent `{}` works at site `{name}`, which is not among the scenario's sites ({})",
                        a.id,
                        names.join(", ")
                    ),
                ));
            };
            if let Some(q) = a.skills.iter().find(|q| !site.serves(q)) {
                return Err(at(
                    "skills",
                    format!(
                        "agent `{}` is skilled for `{q}`, which site `{name}` does not serve (sites[].queues)",
                        a.id
                    ),
                ));
            }
            a.hourly_cost *= site.cost_factor;
        }
        // A queue must be open at some instant while a site serving it is.
        let dates = self.dates();
        let reference = self.site.timezone;
        for (qi, q) in self.queues.iter().enumerate() {
            let served = sites.iter().filter(|s| s.serves(&q.id)).any(|s| {
                dates.iter().any(|&qd| {
                    let (qa, qb) = (
                        local_at(reference, qd, q.open.minutes()),
                        local_at(reference, qd, q.close.minutes()),
                    );
                    // The site's local days that can meet this reference day.
                    (-1..=1).any(|k| {
                        let d = qd + Duration::days(k);
                        if s.closed.contains(&d) {
                            return false;
                        }
                        let (from, to) = s
                            .open
                            .as_ref()
                            .map_or((0, 24 * 60), |o| (o.from.minutes(), o.to.minutes()));
                        let (sa, sb) = (local_at(s.timezone, d, from), local_at(s.timezone, d, to));
                        sa < qb && qa < sb
                    })
                })
            });
            if !served {
                return Err(err(
                    &format!("id: {}", q.id),
                    0,
                    &format!("queues[{qi}]"),
                    format!(
                        "queue `{}` is open {}-{} ({}) but no site serving it is open then on any planned day: check sites[].queues, open and closed",
                        q.id,
                        q.open,
                        q.close,
                        reference.name()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The site agent `a` works at.
    pub fn site_of(&self, a: &Agent) -> &SiteSpec {
        a.site
            .as_deref()
            .and_then(|n| self.sites.iter().position(|s| s.name == n))
            .map_or(&self.sites[0], |i| &self.sites[i])
    }

    /// The index in `sites` of agent `a`'s site.
    pub fn site_index(&self, a: &Agent) -> usize {
        a.site
            .as_deref()
            .and_then(|n| self.sites.iter().position(|s| s.name == n))
            .unwrap_or(0)
    }

    /// The time zone of the agent with id `id`, if the scenario has one.
    pub fn zone_of(&self, id: &str) -> Option<Tz> {
        self.agents
            .iter()
            .find(|a| a.id == id)
            .map(|a| self.site_of(a).timezone)
    }

    /// Whether site `site` can have an agent on duty at instant `t`: not
    /// closed on the local date a shift covering `t` starts, inside the
    /// site's opening hours, and between the earliest start and the latest
    /// start plus the longest length of its shift templates on that date.
    pub fn site_reaches(&self, site: usize, rules: &Rules, t: chrono::DateTime<Tz>) -> bool {
        let s = &self.sites[site];
        let local = t.with_timezone(&s.timezone);
        let date = local.date_naive();
        (-1..=0).any(|k| {
            let d = date + Duration::days(k);
            if s.closed.contains(&d) || !self.dates().contains(&d) {
                return false;
            }
            rules
                .templates()
                .iter()
                .filter(|tp| tp.applies_on(d))
                .any(|tp| {
                    let longest = tp.lengths_hours.iter().copied().fold(0.0, f64::max);
                    let mut from = tp.start.earliest.minutes();
                    let mut to = tp.start.latest.minutes() + (longest * 60.0).round() as u32;
                    if let Some(o) = &s.open {
                        from = from.max(o.from.minutes());
                        to = to.min(o.to.minutes());
                    }
                    from < to
                        && local_at(s.timezone, d, from) <= t
                        && t < local_at(s.timezone, d, to)
                })
        })
    }

    /// The contracted hours (`max_hours`) of site `site`'s agents skilled
    /// for queue `q` (reserve agents left out).
    pub fn contracted_hours(&self, site: usize, q: &str) -> f64 {
        self.agents
            .iter()
            .filter(|a| !a.reserve && self.site_index(a) == site && a.skills.iter().any(|s| s == q))
            .map(|a| a.max_hours)
            .sum()
    }

    /// The share of each queue's volume in each of `instants` that each
    /// site takes when planned alone, `[site][queue][t]`: among the sites
    /// serving the queue that can be on duty then ([`Scenario::site_reaches`]),
    /// in proportion to their [`Scenario::contracted_hours`] for it; among
    /// all sites serving it when none can (its volume goes unserved either way).
    pub fn standalone_shares(&self, instants: &[chrono::DateTime<Tz>]) -> Vec<Vec<Vec<f64>>> {
        let rules = self.site_rules();
        let mut out = vec![vec![vec![0.0; instants.len()]; self.queues.len()]; self.sites.len()];
        for (qi, q) in self.queues.iter().enumerate() {
            let hours: Vec<f64> = (0..self.sites.len())
                .map(|s| self.contracted_hours(s, &q.id))
                .collect();
            for (t, &at) in instants.iter().enumerate() {
                let on: Vec<usize> = (0..self.sites.len())
                    .filter(|&s| hours[s] > 0.0 && self.site_reaches(s, &rules[s], at))
                    .collect();
                let pool: Vec<usize> = if on.is_empty() {
                    (0..self.sites.len()).filter(|&s| hours[s] > 0.0).collect()
                } else {
                    on
                };
                let all: f64 = pool.iter().map(|&s| hours[s]).sum();
                for &s in &pool {
                    out[s][qi][t] = hours[s] / all;
                }
            }
        }
        out
    }

    /// Site `site` planned alone, for measuring what pooling saves: its
    /// agents only (the volume it takes is [`Scenario::standalone_shares`]).
    pub fn standalone(&self, site: usize) -> Scenario {
        let mut sc = self.clone();
        let name = &self.sites[site].name;
        sc.agents.retain(|a| self.site_index(a) == site);
        sc.sites = vec![self.sites[site].clone()];
        sc.name = format!("{} ({name} alone)", self.name);
        sc
    }

    /// Each site's rules: the scenario's `rules` with the site's own in their place.
    pub fn site_rules(&self) -> Vec<Rules> {
        self.sites.iter().map(|s| s.rules(&self.rules)).collect()
    }

    /// The plan's instants `[start, end)`: the reference zone's midnight of
    /// the first planned date to the midnight after the last. A site's
    /// shifts start inside them, as a single site's do: a shift may run past
    /// the end (its hours after it count for nothing), never start before
    /// the start or after the end, whatever the site's local day.
    pub fn plan_span(&self) -> (chrono::DateTime<Tz>, chrono::DateTime<Tz>) {
        let dates = self.dates();
        let tz = self.site.timezone;
        let first = *dates.first().expect("a plan has days");
        let last = *dates.last().expect("a plan has days");
        (
            local_at(tz, first, 0),
            local_at(tz, last + Duration::days(1), 0),
        )
    }

    /// The rules agent `a` works under: its site's ([`Scenario::site_rules`]).
    pub fn rules_of(&self, a: &Agent) -> Rules {
        self.site_of(a).rules(&self.rules)
    }

    /// The minimum rest of agent `a`, in hours: its site's, else the
    /// scenario's (`rules.min_rest_hours`).
    pub fn min_rest_hours_of(&self, a: &Agent) -> f64 {
        self.site_of(a)
            .rules
            .min_rest_hours
            .unwrap_or(self.rules.min_rest_hours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
name: t
sites:
  - { name: Hangzhou, timezone: Asia/Shanghai, open: { from: "08:00", to: "22:00" } }
  - { name: London, timezone: Europe/London, cost_factor: 1.5, queues: [chat] }
planning: { week_start: 2026-11-09, days: 1 }
forecast: { file: f.csv }
queues:
  - { id: voice, name: V, channel: voice, service_level: { target: 0.8, seconds: 20 }, aht_seconds: 200 }
  - { id: chat, name: C, channel: chat, service_level: { target: 0.8, seconds: 30 }, aht_seconds: 200 }
agents:
  - { id: A1, name: A, skills: [voice, chat], min_hours: 0, max_hours: 40, site: Hangzhou }
  - { id: B1, name: B, skills: [chat], min_hours: 0, max_hours: 40, site: London, hourly_cost: 2 }
rules: { shift_start: { earliest: "00:00", latest: "23:00", step_minutes: 60 }, shift_lengths_hours: [8] }
"#;

    fn load(y: &str) -> Result<Scenario> {
        Scenario::from_yaml_str(y, Path::new("s.yaml"))
    }

    /// A re-plan's overtime counts from the lengths of the agent's own
    /// site: London's regular shift is 9 h, the scenario's 8 h.
    #[test]
    fn overtime_counts_from_the_sites_own_lengths() {
        use crate::roster::absence::overtime_at;
        let sc = load(&BASE.replace(
            "cost_factor: 1.5, queues: [chat] }",
            "cost_factor: 1.5, queues: [chat], rules: { shift_lengths_hours: [9] } }",
        ))
        .unwrap();
        let at = |tz: Tz| tz.with_ymd_and_hms(2026, 11, 9, 9, 0, 0).unwrap();
        let (shanghai, london) = (sc.sites[0].timezone, sc.sites[1].timezone);
        assert_eq!(overtime_at(&sc, "A1", at(shanghai), 10.0), 2.0);
        assert_eq!(overtime_at(&sc, "B1", at(london), 10.0), 1.0);
        assert_eq!(overtime_at(&sc, "B1", at(london), 9.0), 0.0);
    }

    #[test]
    fn sites_settle_the_reference_site_and_costs() {
        let sc = load(BASE).unwrap();
        assert!(sc.multi_site);
        assert_eq!(sc.site.name, "Hangzhou");
        assert_eq!(sc.site.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(sc.agents[1].hourly_cost, 3.0);
        assert_eq!(
            sc.site_of(&sc.agents[1]).timezone,
            chrono_tz::Europe::London
        );
    }

    /// A site's `meal_break` and `rest_breaks`: left out, the scenario's;
    /// `null` and `[]`, none; written, its own.
    #[test]
    fn a_sites_breaks_replace_the_scenarios() {
        let with_breaks = BASE.replace(
            "shift_lengths_hours: [8] }",
            "shift_lengths_hours: [8], meal_break: { minutes: 30, earliest_start_hours: 3, latest_end_hours: 5 }, rest_breaks: [{ minutes: 15, earliest_start_hours: 1, latest_end_hours: 2 }] }",
        );
        let sc = load(&with_breaks).unwrap();
        let r = sc.site_rules();
        assert_eq!(r[0].break_rules(), sc.rules.break_rules());
        assert_eq!(r[1].break_rules().len(), 2);
        assert_eq!(sc.rules.paid_hours(8.0), 7.5);
        let off = with_breaks.replace(
            "queues: [chat] }",
            "queues: [chat], rules: { meal_break: null, rest_breaks: [] } }",
        );
        let sc = load(&off).unwrap();
        let r = sc.site_rules();
        assert_eq!(r[0].break_rules().len(), 2);
        assert!(r[1].break_rules().is_empty());
        assert_eq!(r[1].paid_hours(8.0), 8.0);
        let own = with_breaks.replace(
            "queues: [chat] }",
            "queues: [chat], rules: { meal_break: { minutes: 60, earliest_start_hours: 4, latest_end_hours: 6 } } }",
        );
        let sc = load(&own).unwrap();
        let r = sc.site_rules();
        let b = r[1].break_rules();
        assert_eq!((b[0].kind, b[0].minutes), ("meal", 60));
        assert_eq!((b[1].kind, b[1].minutes), ("rest", 15));
        assert_eq!(r[1].paid_hours(8.0), 7.0);
        // Its meal overlapping the scenario's rest break it keeps: blamed
        // on the scenario's rest break, for the site.
        let clash = own.replace(
            "earliest_start_hours: 4, latest_end_hours: 6",
            "earliest_start_hours: 1.5, latest_end_hours: 3",
        );
        let e = load(&clash).unwrap_err().to_string();
        assert!(
            e.contains("rules.rest_breaks[0]")
                && e.contains("overlaps the window of sites[1].rules.meal_break")
                && e.contains("for site `London`"),
            "{e}"
        );
    }

    #[test]
    fn bad_sites_are_named() {
        let cases: [(&str, &str, &[&str]); 4] = [
            (
                "site: London, hourly",
                "site: Paris, hourly",
                &["agents[1].site", "`Paris`", "line 13"],
            ),
            (
                "Europe/London",
                "Europe/Londres",
                &["sites[1].timezone", "line 5"],
            ),
            (
                "skills: [chat], min_hours: 0, max_hours: 40, site: London",
                "skills: [voice], min_hours: 0, max_hours: 40, site: London",
                &["agents[1].skills", "does not serve"],
            ),
            (
                "site: Hangzhou }",
                "}",
                &["agents[0].site", "names no site"],
            ),
        ];
        for (from, to, fragments) in cases {
            let e = load(&BASE.replace(from, to)).unwrap_err().to_string();
            assert!(fragments.iter().all(|f| e.contains(f)), "{e}");
        }
        // Voice is served by Hangzhou only, 08:00-22:00 Shanghai time; a
        // voice queue open 23:00-24:00 Shanghai time meets no open site.
        let late = BASE.replace(
            "aht_seconds: 200 }\n  - { id: chat",
            "aht_seconds: 200, open: \"23:00\", close: \"24:00\" }\n  - { id: chat",
        );
        let e = load(&late).unwrap_err().to_string();
        assert!(
            e.contains("queues[0]") && e.contains("no site serving it"),
            "{e}"
        );
    }
}
