//! The scenario: what a planner hands rota, read from YAML.
//!
//! Loading happens in two passes over the same text. The first pass reads
//! the queue ids; the second deserializes the whole scenario with those ids
//! known, so that a skill naming no queue fails inside the deserializer and
//! the YAML parser reports its line and column. Every field is documented in
//! `docs/scenario.md`; every number is configuration, never a constant.

mod checks;
mod de;
mod load;
mod schema;
mod sites;
mod solver;

use chrono::{Datelike, NaiveDate, Weekday};

pub use de::{parse_date, ClockTime};
pub(crate) use load::{find_line, key_line, yaml_error};
pub use load::{FieldOrigin, LoadedScenario, Origins};
pub use schema::*;
pub use solver::*;

impl Scenario {
    /// The service-level goal of a voice or chat queue.
    pub fn sl_goal(&self, q: &Queue) -> SlGoal {
        let o = &self.objective;
        let per = o.queues.get(&q.id).copied().unwrap_or_default();
        SlGoal {
            target: per.target.or(o.target).unwrap_or(q.service_level.target),
            interval_minimum: per.interval_minimum.or(o.interval_minimum),
        }
    }

    /// Weight of understaffing `queue` in the interval starting at local
    /// `minute` of `date`: the largest covering peak's weight, at least 1.
    pub fn peak_weight(&self, date: NaiveDate, minute: u32, queue: &str) -> f64 {
        self.peaks
            .iter()
            .filter(|p| p.covers(date, minute, queue))
            .map(|p| p.weight)
            .fold(1.0, f64::max)
    }

    /// Agents the `min_staff` floors ask of queue `queue` in the interval
    /// starting at local `minute` of `date` (the largest floor; 0 when none).
    pub fn min_staff_at(&self, queue: &str, date: NaiveDate, minute: u32) -> f64 {
        self.min_staff
            .iter()
            .filter(|m| m.queue == queue && m.covers(date, minute))
            .map(|m| m.agents)
            .fold(0.0, f64::max)
    }

    /// Whether the scenario names a history file.
    pub fn has_history(&self) -> bool {
        !self.history.file.as_os_str().is_empty()
    }

    /// Queues that no agent has as a skill: they get no staff, whatever
    /// the solver does, and every contact on them goes unanswered.
    pub fn unserved_queues(&self) -> Vec<&Queue> {
        self.queues
            .iter()
            .filter(|q| !self.agents.iter().any(|a| a.skills.contains(&q.id)))
            .collect()
    }

    /// The planned local dates, in order.
    pub fn dates(&self) -> Vec<NaiveDate> {
        (0..self.planning.days)
            .map(|i| self.planning.week_start + chrono::Duration::days(i as i64))
            .collect()
    }

    /// The weeks of the plan, each a block of 7 days from `week_start`
    /// (`docs/scenario.md`, "Weeks of a plan"). A plan of up to 7 days is one
    /// week whose weekly rules apply as written; in a longer plan a last
    /// week shorter than 7 days gets the weekly rules pro rata.
    pub fn weeks(&self) -> Vec<Week> {
        let n = self.planning.days as usize;
        if n <= 7 {
            return vec![Week {
                first: 0,
                len: n,
                share: 1.0,
            }];
        }
        (0..n)
            .step_by(7)
            .map(|first| {
                let len = (n - first).min(7);
                Week {
                    first,
                    len,
                    share: len as f64 / 7.0,
                }
            })
            .collect()
    }

    /// The week of the plan (an index into [`Scenario::weeks`]) that planned
    /// date `date` falls in; `None` outside the planned days.
    pub fn week_of(&self, date: NaiveDate) -> Option<usize> {
        let d = (date - self.planning.week_start).num_days();
        (0..self.planning.days as i64)
            .contains(&d)
            .then_some(d as usize / 7)
    }

    /// The rotation `agent` follows, if any.
    pub fn rotation_of(&self, agent: &Agent) -> Option<&Rotation> {
        let id = agent.rotation.as_ref()?;
        self.rotations.iter().find(|r| &r.id == id)
    }

    /// The entry of `agent`'s rotation for planned date `date`: entry
    /// `(rotation_week + w) mod n` of the cycle of `n` weeks in week `w` of
    /// the plan, with the rotation; `None` for an agent without rotation.
    pub fn rotation_on(
        &self,
        agent: &Agent,
        date: NaiveDate,
    ) -> Option<(&Rotation, &RotationWeek)> {
        let r = self.rotation_of(agent)?;
        let w = self.week_of(date)?;
        let n = r.weeks.len();
        (n > 0).then(|| {
            (
                r,
                &r.weeks[(agent.rotation_week.unwrap_or(0) as usize + w) % n],
            )
        })
    }

    /// Shrinkage of a queue (its own or the default).
    pub fn shrinkage(&self, q: &Queue) -> f64 {
        q.shrinkage.unwrap_or(self.defaults.shrinkage)
    }

    /// Occupancy cap of a queue (its own or the default).
    pub fn max_occupancy(&self, q: &Queue) -> f64 {
        q.max_occupancy.unwrap_or(self.defaults.max_occupancy)
    }

    /// The product of the given multipliers of events on `date` for `queue`
    /// (events without one are learned by the forecast).
    pub fn event_multiplier(&self, date: NaiveDate, queue: &str) -> f64 {
        self.calendar
            .events
            .iter()
            .filter(|e| e.applies(date, queue))
            .filter_map(|e| e.volume_multiplier)
            .product()
    }

    /// Paid hours of a shift of `length_hours`: its length less the unpaid
    /// breaks a shift that long gets.
    pub fn paid_hours(&self, length_hours: f64) -> f64 {
        self.rules.paid_hours(length_hours)
    }
}

/// One week of a plan: planned days `first .. first + len`, and its share
/// of the weekly rules (1, or `len / 7` for a short last week of a plan
/// longer than a week).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Week {
    pub first: usize,
    pub len: usize,
    pub share: f64,
}

impl Week {
    /// The planned days of the week.
    pub fn days(&self) -> std::ops::Range<usize> {
        self.first..self.first + self.len
    }

    /// Whether planned day `d` falls in this week.
    pub fn holds(&self, d: usize) -> bool {
        self.days().contains(&d)
    }

    /// An agent's minimum paid hours this week.
    pub fn min_hours(&self, a: &Agent) -> f64 {
        a.min_hours * self.share
    }

    /// An agent's maximum paid hours this week.
    pub fn max_hours(&self, a: &Agent) -> f64 {
        a.max_hours * self.share
    }

    /// The most days an agent may work this week: `max_working_days`
    /// (pro rata, rounded up, for a short last week), at most the week's days.
    pub fn max_working_days(&self, rules: &Rules) -> usize {
        let pro_rata = (rules.max_working_days as f64 * self.share - 1e-9).ceil() as usize;
        pro_rata.min(self.len)
    }

    /// The block of days off in a row the week must hold
    /// (`consecutive_days_off`): in every week of 7 days, and in a plan of one
    /// week or less; a short last week of a longer plan needs none.
    pub fn days_off_block(&self, rules: &Rules) -> Option<usize> {
        let l = rules.consecutive_days_off? as usize;
        (self.share >= 1.0 && l > 0).then_some(l)
    }
}

/// Day-of-week index, Monday = 0.
pub fn weekday_index(d: NaiveDate) -> usize {
    d.weekday().num_days_from_monday() as usize
}

/// Weekday names, Monday first, for reports.
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// HiGHS settings, read from `solver-configs/NAME.yaml`.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Result;
    use std::path::Path;

    #[test]
    fn clock_times() {
        assert_eq!(ClockTime::parse("08:30").unwrap().minutes(), 510);
        assert_eq!(ClockTime::parse("24:00").unwrap().minutes(), 1440);
        for bad in ["25:00", "24:30", "8", "08:60", "ab:cd", "08:5"] {
            assert!(ClockTime::parse(bad).is_err(), "{bad} accepted");
        }
    }

    const SMALL: &str = r#"
name: s
site: { name: S, timezone: Asia/Shanghai }
planning: { week_start: 2026-11-09, days: 7 }
history: { file: h.csv }
queues:
  - { id: orders, channel: voice, service_level: { target: 0.8, seconds: 20 } }
  - { id: payments, channel: voice, service_level: { target: 0.8, seconds: 20 } }
agents:
  - { id: A1, name: Ann, AGENT }
rules:
  shift_start: { earliest: "08:00", latest: "12:00" }
  shift_lengths_hours: [8]
  meal_break: { minutes: 60, earliest_start_hours: 3, latest_end_hours: 5 }
"#;

    fn with_agent(agent: &str) -> Result<Scenario> {
        Scenario::from_yaml_str(&SMALL.replace("AGENT", agent), Path::new("s.yaml"))
    }

    #[test]
    fn skills_plain_and_rated() {
        let s = with_agent(
            "skills: [orders, { queue: payments, proficiency: 0.8 }], min_hours: 0, max_hours: 40",
        )
        .unwrap();
        let a = &s.agents[0];
        assert_eq!(a.skills, ["orders", "payments"]);
        assert_eq!(a.proficiency("orders"), 1.0);
        assert_eq!(a.proficiency("payments"), 0.8);
        for bad in [
            "skills: [{ queue: refunds, proficiency: 0.8 }]",
            "skills: [{ queue: orders, proficiency: 0 }]",
            "skills: [{ queue: orders, level: 0.5 }]",
        ] {
            let e = with_agent(&format!("{bad}, min_hours: 0, max_hours: 40"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("line 10"), "{bad}: {e}");
        }
    }

    #[test]
    fn week_of_a_date_is_the_week_that_holds_it() {
        for days in [1, 6, 7, 8, 13, 14, 15, 28, 30, 42] {
            let text = SMALL
                .replace("days: 7", &format!("days: {days}"))
                .replace("AGENT", "skills: [orders], min_hours: 0, max_hours: 40");
            let s = Scenario::from_yaml_str(&text, Path::new("s.yaml")).unwrap();
            let weeks = s.weeks();
            for (d, date) in s.dates().into_iter().enumerate() {
                let holding = weeks.iter().position(|w| w.holds(d));
                assert_eq!(s.week_of(date), holding, "{days} days, day {d}");
            }
            let after = s.planning.week_start + chrono::Duration::days(days as i64);
            assert_eq!(s.week_of(after), None);
        }
    }

    #[test]
    fn rotation_entry_by_week_and_stagger() {
        let text = SMALL
            .replace("days: 7", "days: 21")
            .replace(
                "AGENT",
                "skills: [orders], min_hours: 0, max_hours: 40, rotation: abc, rotation_week: 2",
            )
            .replace(
                "rules:",
                "rotations:\n  - { id: abc, weeks: [{ days_off: [mon] }, { days_off: [tue] }, { days_off: [wed] }] }\nrules:",
            );
        let s = Scenario::from_yaml_str(&text, Path::new("s.yaml")).unwrap();
        let a = &s.agents[0];
        // Weeks 0, 1, 2 of the plan take entries 2, 0, 1 of the cycle.
        let off: Vec<Weekday> = [0, 7, 14]
            .iter()
            .map(|&d| {
                let date = s.planning.week_start + chrono::Duration::days(d);
                s.rotation_on(a, date).unwrap().1.days_off[0]
            })
            .collect();
        assert_eq!(off, [Weekday::Wed, Weekday::Mon, Weekday::Tue]);
    }

    #[test]
    fn preferences() {
        let s = with_agent(
            "skills: [orders], min_hours: 0, max_hours: 40, prefers: [{ days: [sat, 2026-11-11], off: true }, { start_after: \"10:00\", weight: 2 }]",
        )
        .unwrap();
        let p = &s.agents[0].prefers;
        assert_eq!(p[0].weight, 5.0);
        assert_eq!(p[0].to_string(), "day off on sat, 2026-11-11");
        assert!(p[0].applies(NaiveDate::from_ymd_opt(2026, 11, 14).unwrap()));
        assert!(!p[0].applies(NaiveDate::from_ymd_opt(2026, 11, 12).unwrap()));
        assert_eq!(p[1].to_string(), "start at or after 10:00 every day");
        let e = with_agent(
            "skills: [orders], min_hours: 0, max_hours: 40, prefers: [{ off: true, end_before: \"17:00\" }]",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("agents[0].prefers[0]"), "{e}");
        let e = with_agent(
            "skills: [orders], min_hours: 0, max_hours: 40, prefers: [{ days: [someday], off: true }]",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("invalid day `someday`"), "{e}");
    }
}
