//! How a plan's numbers read to a planner, the same in the console, the
//! report and the sweep page: percentages, targets ("80 % in 20 s", "95 %
//! within 24 h"), and no number where there is none (the ASA of a queue
//! nobody answers, the occupancy of a queue nobody staffs).

use crate::report::QueueKpi;

/// `89.5%`.
pub fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// A target in short: `80%/20s`, or `95%/24h` for deadlines of an hour or more.
pub fn target_short(target: f64, seconds: f64) -> String {
    if seconds >= 3600.0 {
        format!("{:.0}%/{}h", target * 100.0, trim(seconds / 3600.0))
    } else {
        format!("{:.0}%/{}s", target * 100.0, trim(seconds))
    }
}

/// A target in words: `80 % in 20 s`, or `95 % within 24 h` for deadlines
/// of an hour or more (email and tickets).
pub fn target_long(target: f64, seconds: f64) -> String {
    let t = trim(target * 100.0);
    if seconds >= 3600.0 {
        format!("{t} % within {} h", trim(seconds / 3600.0))
    } else {
        format!("{t} % in {} s", trim(seconds))
    }
}

/// A number with at most one decimal and none when it is whole.
fn trim(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// What a queue that misses its goal misses, one line each.
pub fn missed_lines(q: &QueueKpi) -> Vec<String> {
    let mut lines = Vec::new();
    let (what, sl) = match q.period {
        crate::scenario::SlPeriod::Week => ("", q.service_level),
        crate::scenario::SlPeriod::Day => (" on its worst day", q.worst_day_service_level),
    };
    if sl + 1e-9 < q.target {
        lines.push(format!(
            "target missed: {} delivers {:.1}%{} against {}",
            q.queue,
            sl * 100.0,
            what,
            target_short(q.target, q.threshold_seconds)
        ));
    }
    if let Some(m) = q.interval_minimum.filter(|_| q.intervals_below_minimum > 0) {
        lines.push(format!(
            "minimum missed: {} has {} intervals below {:.1}%",
            q.queue,
            q.intervals_below_minimum,
            m * 100.0
        ));
    }
    if q.min_staff_short_intervals > 0 {
        lines.push(format!(
            "min_staff missed: {} is below its floor in {} intervals",
            q.queue, q.min_staff_short_intervals
        ));
    }
    lines
}

/// The warning for a queue that no agent has among their skills.
pub fn unserved_warning(queue: &str) -> String {
    format!(
        "queue `{queue}`: no agent has it among their skills, so it gets no staff and none of its contacts is answered"
    )
}

/// What a queue's average speed of answer says: `None` for deferred work
/// (email, tickets: no one answers in seconds) and for a queue whose
/// contacts are not answered at all (no agent on it, or a service level of
/// 0 over the plan: every interval with contacts has fewer agents than its
/// load, so the ASA is the average of nothing).
pub fn asa_seconds(q: &QueueKpi, deferred: bool) -> Option<f64> {
    let unanswered =
        q.forecast_volume > 0.0 && (q.staffed_agent_hours <= 0.0 || q.service_level <= 0.0);
    (!deferred && !unanswered).then_some(q.asa_seconds)
}

/// [`asa_seconds`] as text: `19.4 s`, `—` for deferred work, `no answer`
/// for an unanswered queue.
pub fn asa_text(q: &QueueKpi, deferred: bool) -> String {
    match asa_seconds(q, deferred) {
        Some(a) => format!("{a:.1} s"),
        None if deferred => "—".to_string(),
        None => "no answer".to_string(),
    }
}

/// Occupancy, or `—` for a queue with no agent on it.
pub fn occupancy_text(q: &QueueKpi) -> String {
    if q.staffed_agent_hours <= 0.0 {
        "—".to_string()
    } else {
        pct(q.occupancy)
    }
}

/// The worst interval in words: `51.4% at 2026-11-14 20:30`, or `—` when no
/// interval with contacts was judged.
pub fn worst_interval_text(q: &QueueKpi) -> String {
    match &q.worst_interval_start {
        Some(at) => format!("{} at {at}", pct(q.worst_interval_service_level)),
        None => "—".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_in_seconds_or_hours() {
        assert_eq!(target_long(0.8, 20.0), "80 % in 20 s");
        assert_eq!(target_long(0.95, 86400.0), "95 % within 24 h");
        assert_eq!(target_long(0.9, 5400.0), "90 % within 1.5 h");
        assert_eq!(target_short(0.8, 20.0), "80%/20s");
        assert_eq!(target_short(0.95, 86400.0), "95%/24h");
    }
}
