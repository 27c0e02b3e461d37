//! The roster: who works when, with their breaks.

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;

/// A break inside a shift (site-local instants).
#[derive(Debug, Clone, PartialEq)]
pub struct Break {
    /// "meal" or "rest".
    pub kind: String,
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
}

/// One agent's shift on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    pub agent_id: String,
    pub agent_name: String,
    /// The roster day the shift belongs to (the local date it starts on).
    pub date: NaiveDate,
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
    pub breaks: Vec<Break>,
    /// Queue ids the agent works during this shift, in a stable order.
    pub skills: Vec<String>,
    pub paid_hours: f64,
    /// The agent's site when the scenario lists `sites` (empty with one
    /// `site`); the shift's instants are in that site's zone.
    pub site: String,
}

impl Shift {
    /// Share of each interval of `h` the agent is on duty: the shift minus
    /// its breaks (`coverage::presence`).
    pub fn presence(&self, h: &crate::horizon::Horizon) -> Vec<(usize, f64)> {
        let breaks: Vec<_> = self.breaks.iter().map(|b| (b.start, b.end)).collect();
        crate::coverage::presence(h, self.start, self.end, &breaks)
    }

    /// Length from start to end in hours (real elapsed time).
    pub fn length_hours(&self) -> f64 {
        (self.end - self.start).num_seconds() as f64 / 3600.0
    }
}

/// A roster for one site.
#[derive(Debug, Clone, PartialEq)]
pub struct Roster {
    pub site_name: String,
    pub timezone: Tz,
    /// Shifts sorted by (date, start, agent id).
    pub shifts: Vec<Shift>,
}

impl Roster {
    /// Sorts shifts into their canonical order.
    pub fn sort(&mut self) {
        self.shifts
            .sort_by(|a, b| (a.date, a.start, &a.agent_id).cmp(&(b.date, b.start, &b.agent_id)));
    }

    /// The zone of shift `s`'s local times: its site's (the zone of its
    /// instants) in a roster of several sites, else the roster's.
    pub fn zone_of(&self, s: &Shift) -> Tz {
        if s.site.is_empty() {
            self.timezone
        } else {
            s.start.timezone()
        }
    }

    /// Total paid hours.
    pub fn paid_hours(&self) -> f64 {
        self.shifts.iter().map(|s| s.paid_hours).sum()
    }
}
