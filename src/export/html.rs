//! `report.html`: one self-contained page for planners (no scripts, no
//! network): warnings, the KPI table, the labour cost, recurring
//! overstaffing and what causes it, per queue and interval charts of the
//! forecast, required against staffed agents and the predicted service
//! level, daily totals, and the roster as a timeline per agent with breaks.
//! HTML is built with maud, which escapes every value; the charts are the
//! inline SVG of [`super::svg`].

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Timelike};
use chrono_tz::Tz;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::svg::{self, Axis, Chart, Series, Shape, Tick, QUEUE_COLOURS};
use super::words::{
    asa_text, missed_lines, occupancy_text, pct, target_long, unserved_warning, worst_interval_text,
};
use super::{Exporter, PlanOutput};
use crate::error::Result;
use crate::explain::{clock, recurring_overstaffing};
use crate::horizon::Horizon;
use crate::roster::model::Shift;
use crate::scenario::Channel;

/// The planner's report.
pub struct ReportHtml;

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", sans-serif; margin: 1.5rem; color: #1d2433; max-width: 1220px; }
h1 { margin-bottom: .2rem; font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d8dde6; padding-bottom: .3rem; } h3 { margin: 1.4rem 0 .2rem 0; }
.meta { color: #5b6475; }
table { border-collapse: collapse; font-size: .88rem; }
th, td { padding: .3rem .45rem; border-bottom: 1px solid #e6e9ef; text-align: right; }
td { white-space: nowrap; } th { white-space: normal; vertical-align: bottom; }
th:first-child, td:first-child, td.left, th.left { text-align: left; }
#kpi-table { width: 100%; }
tr.miss td.sl { color: #b42318; font-weight: 600; }
.warn { background: #fff4e5; border-left: 4px solid #f79009; padding: .6rem 1rem .6rem 2rem; }
.ok { background: #ecfdf3; border-left: 4px solid #12b76a; padding: .6rem 1rem; }
.note { background: #f5f8ff; border-left: 4px solid #2e90fa; padding: .6rem 1rem .6rem 2rem; }
figure { margin: .4rem 0 1rem 0; }
.legend span { display: inline-block; margin-right: 1rem; font-size: .85rem; }
.sw { display: inline-block; width: .9rem; height: .6rem; margin-right: .3rem; vertical-align: middle; }
.scroll { overflow-x: auto; }
#roster-table td { padding: 0 .45rem; }
#roster-table td.timeline, #roster-table th.timeline { padding: 0; }
"#;

/// Colours with one meaning on the whole page.
const FORECAST: &str = "#7a5af8";
const STAFFED: &str = "#2e90fa";
const REQUIRED: &str = "#b42318";
const FLOOR: &str = "#f79009";
const SERVICE: &str = "#12b76a";
const TARGET: &str = "#344054";
const BREAK: &str = "#fdb022";
/// Roster bars on several queues (one queue: its colour of [`QUEUE_COLOURS`]).
const SEVERAL: &str = "#475467";

/// Chart width in SVG units (the page's content width at 1,280 px).
const CHART_WIDTH: f64 = 1180.0;

/// The x axis of the plan's intervals: a major tick at each local midnight
/// (labelled with the day), minor ticks each hour, labelled every few hours.
fn time_axis(h: &Horizon) -> Axis {
    let every = match h.dates.len() {
        1 => 2,
        2..=4 => 3,
        _ => 6,
    };
    let mut ticks = Vec::new();
    for (t, iv) in h.intervals.iter().enumerate() {
        let local = iv.start.with_timezone(&h.tz);
        if local.minute() != 0 {
            continue;
        }
        let hour = local.hour();
        ticks.push(if hour == 0 {
            Tick {
                at: t as f64,
                label: iv.date.format("%a %m-%d").to_string(),
                major: true,
            }
        } else {
            Tick {
                at: t as f64,
                label: if hour % every == 0 {
                    format!("{hour:02}")
                } else {
                    String::new()
                },
                major: false,
            }
        });
    }
    ticks.push(Tick {
        at: h.intervals.len() as f64,
        label: String::new(),
        major: true,
    });
    Axis {
        min: 0.0,
        max: h.intervals.len().max(1) as f64,
        ticks,
        title: format!("local time ({}), hours of each day", h.tz.name()),
    }
}

/// What a queue's contacts are called.
fn contacts(c: Channel) -> &'static str {
    match c {
        Channel::Voice => "calls",
        Channel::Chat => "chats",
        Channel::Email => "emails",
        Channel::Ticket => "tickets",
    }
}

/// The three charts of a queue: forecast volume, required against staffed
/// agents, predicted service level with its target.
fn queue_charts(p: &PlanOutput, qi: usize) -> Markup {
    let q = &p.scenario.queues[qi];
    let h = p.horizon;
    let kpis = &p.evaluation.intervals[qi];
    let f = &p.forecast.queues[qi];
    let goal = p.scenario.sl_goal(q);
    let target = if q.channel.is_deferred() {
        q.service_level.target
    } else {
        goal.target
    };
    let x = time_axis(h);
    let per = format!("{} per {} min", contacts(q.channel), h.interval_minutes);
    let volume = Chart {
        id: format!("volume-{}", q.id),
        title: format!("Forecast {} of {}, per interval", contacts(q.channel), q.id),
        width: CHART_WIDTH,
        height: 190.0,
        x: x.clone(),
        y: svg::value_axis(f.volume_p90.iter().chain(&f.volume).copied(), &per, false),
        series: vec![
            Series::new(
                format!(
                    "{:.0}–{:.0} % band",
                    p.scenario.forecast.band[0] * 100.0,
                    p.scenario.forecast.band[1] * 100.0
                ),
                FORECAST,
                Shape::StepBand(f.volume_p10.clone(), f.volume_p90.clone()),
            )
            .class("band"),
            Series::new(
                format!("forecast {}", contacts(q.channel)),
                FORECAST,
                Shape::Step(f.volume.clone()),
            )
            .class("forecast"),
        ],
        percent: false,
    };
    let staffed: Vec<f64> = kpis.iter().map(|k| k.staffed).collect();
    let required: Vec<f64> = kpis.iter().map(|k| k.required as f64).collect();
    let floors: Vec<f64> = kpis.iter().map(|k| k.min_staff).collect();
    let mut agent_series = vec![
        Series::new(
            "staffed (net of breaks)",
            STAFFED,
            Shape::StepArea(staffed.clone()),
        )
        .class("staffed"),
        Series::new(
            "required (after shrinkage)",
            REQUIRED,
            Shape::Step(required.clone()),
        )
        .class("required"),
    ];
    if floors.iter().any(|v| *v > 0.0) {
        agent_series.push(
            Series::new("min_staff floor", FLOOR, Shape::Step(floors.clone()))
                .dash("5 3")
                .class("floor"),
        );
    }
    let agents = Chart {
        id: format!("coverage-{}", q.id),
        title: format!("Agents on {} against the requirement, per interval", q.id),
        width: CHART_WIDTH,
        height: 210.0,
        x: x.clone(),
        y: svg::value_axis(
            staffed.iter().chain(&required).chain(&floors).copied(),
            "agents",
            false,
        ),
        series: agent_series,
        percent: false,
    };
    // Intervals without contacts have no service level to show: gaps.
    let sl: Vec<f64> = kpis
        .iter()
        .zip(&p.requirements[qi].intervals)
        .map(|(k, r)| {
            if r.volume > 0.0 {
                k.service_level
            } else {
                f64::NAN
            }
        })
        .collect();
    let (sl_label, sl_title) = if q.channel.is_deferred() {
        (
            format!("finished within {} h", q.service_level.seconds / 3600.0),
            "share finished in time",
        )
    } else {
        (
            format!("predicted within {} s", q.service_level.seconds),
            "service level",
        )
    };
    let mut sl_series = vec![
        Series::new(sl_label, SERVICE, Shape::Step(sl))
            .width(1.8)
            .class("service-level"),
        Series::new(
            format!("target {}", target_long(target, q.service_level.seconds)),
            TARGET,
            Shape::Rule(target),
        )
        .dash("6 4")
        .class("target"),
    ];
    if let Some(m) = goal.interval_minimum.filter(|_| !q.channel.is_deferred()) {
        sl_series.push(
            Series::new(
                format!("interval minimum {}", pct(m)),
                REQUIRED,
                Shape::Rule(m),
            )
            .dash("2 3")
            .class("minimum"),
        );
    }
    let service = Chart {
        id: format!("service-level-{}", q.id),
        title: format!("Predicted service level of {}, per interval", q.id),
        width: CHART_WIDTH,
        height: 190.0,
        x,
        y: svg::value_axis(std::iter::empty(), sl_title, true),
        series: sl_series,
        percent: true,
    };
    html! {
        h3 {
            (q.id)
            @if !q.name.is_empty() && q.name != q.id { " · " (q.name) }
            " · target " (target_long(target, q.service_level.seconds))
            @if !q.channel.is_deferred() && p.scenario.objective.period == crate::scenario::SlPeriod::Day { " each day" }
        }
        figure { (svg::render(&volume)) }
        figure { (svg::render(&agents)) }
        figure { (svg::render(&service)) }
    }
}

/// The roster as a timeline: one row per agent over the whole plan, the
/// shifts as bars (a night shift across midnight drawn whole), breaks in
/// amber, hour ticks on top.
fn roster_timeline(p: &PlanOutput) -> Markup {
    let sc = p.scenario;
    let h = p.horizon;
    let tz = h.tz;
    let t0 =
        crate::horizon::local_midnight(tz, *h.dates.first().unwrap_or(&sc.planning.week_start));
    let end = p
        .roster
        .shifts
        .iter()
        .map(|s| s.end)
        .fold(h.end, |a, b| a.max(b));
    let total = ((end - t0).num_seconds() as f64 / 3600.0).max(1.0);
    let pph = (860.0 / total).max(2.0);
    // Room on the right for the label of a shift that ends the plan.
    let w = total * pph + 60.0;
    let xh = |t: DateTime<Tz>| (t - t0).num_seconds() as f64 / 3600.0 * pph;
    let mut by_agent: BTreeMap<&str, Vec<&Shift>> = BTreeMap::new();
    for s in &p.roster.shifts {
        by_agent.entry(s.agent_id.as_str()).or_default().push(s);
    }
    // Local midnights and hours, as real instants (DST days are 23 or 25 h).
    let mut midnights: Vec<(DateTime<Tz>, NaiveDate)> = Vec::new();
    let mut d = t0.date_naive();
    loop {
        let m = crate::horizon::local_midnight(tz, d);
        if m > end {
            break;
        }
        midnights.push((m, d));
        d = d.succ_opt().expect("date");
    }
    let hours: Vec<(f64, u32)> = {
        let mut v = Vec::new();
        let mut t = t0;
        while t <= end {
            let local = t.with_timezone(&tz);
            if local.minute() == 0 {
                v.push((xh(t), local.hour()));
            }
            t += chrono::Duration::minutes(60);
        }
        v
    };
    let colour = |s: &Shift| -> &str {
        let served: Vec<usize> = s
            .skills
            .iter()
            .filter_map(|k| sc.queues.iter().position(|q| &q.id == k))
            .collect();
        match served.as_slice() {
            [one] => QUEUE_COLOURS[one % QUEUE_COLOURS.len()],
            _ => SEVERAL,
        }
    };
    let several = p.roster.shifts.iter().any(|s| s.skills.len() != 1);
    let label = |s: &Shift| {
        format!(
            "{}–{}",
            s.start.with_timezone(&tz).format("%H:%M"),
            s.end.with_timezone(&tz).format("%H:%M")
        )
    };
    let tooltip = |s: &Shift| {
        let mut t = format!(
            "{} {} {}",
            s.agent_name,
            s.date.format("%a %m-%d"),
            label(s)
        );
        if !s.skills.is_empty() {
            t.push_str(&format!(" on {}", s.skills.join(", ")));
        }
        for b in &s.breaks {
            t.push_str(&format!(
                "; {} {}–{}",
                b.kind,
                b.start.with_timezone(&tz).format("%H:%M"),
                b.end.with_timezone(&tz).format("%H:%M")
            ));
        }
        t
    };
    let row_h = 28.0;
    html! {
        p.legend {
            @for (i, q) in sc.queues.iter().enumerate() {
                span { span.sw style={ "background:" (QUEUE_COLOURS[i % QUEUE_COLOURS.len()]) } {} "on " (q.id) }
            }
            @if several { span { span.sw style={ "background:" (SEVERAL) } {} "on several queues" } }
            span { span.sw style={ "background:" (BREAK) } {} "break" }
            span { "Bars run over real time from 00:00 of " (t0.date_naive()) "; a shift across midnight is drawn whole; hover a bar for its times." }
        }
        div.scroll {
            table id="roster-table" {
                thead { tr {
                    th { "agent" } th { "paid h" }
                    th.timeline {
                        svg class="timeline-axis" xmlns="http://www.w3.org/2000/svg" width=(w) height="34" viewBox={ "0 0 " (w) " 34" } {
                            @for (x, hour) in &hours {
                                line x1=(format!("{x:.1}")) x2=(format!("{x:.1}")) y1=(if *hour == 0 { 0.0 } else if hour % 6 == 0 { 24.0 } else { 29.0 }) y2="34" stroke="#98a2b3" {}
                                @if *hour != 0 && hour % 6 == 0 && pph * 6.0 >= 16.0 {
                                    text x=(format!("{x:.1}")) y="22" font-size="9" text-anchor="middle" fill="#475467" { (format!("{hour:02}")) }
                                }
                            }
                            @for (m, d) in midnights.iter().filter(|(m, _)| xh(*m) + 60.0 <= w) {
                                text x=(format!("{:.1}", xh(*m) + 3.0)) y="10" font-size="10" font-weight="600" fill="#344054" { (d.format("%a %m-%d")) }
                            }
                        }
                    }
                } }
                tbody {
                    @for a in &sc.agents {
                        @let shifts = by_agent.get(a.id.as_str()).cloned().unwrap_or_default();
                        tr.agent-row data-agent=(a.id) {
                            td { (a.id) " " (a.name) }
                            td { (format!("{:.1}", shifts.iter().map(|s| s.paid_hours).sum::<f64>())) }
                            td.timeline {
                                svg class="timeline" xmlns="http://www.w3.org/2000/svg" width=(w) height=(row_h) viewBox={ "0 0 " (w) " " (row_h) } data-px-per-hour=(pph) {
                                    @for (m, _) in &midnights {
                                        line x1=(format!("{:.1}", xh(*m))) x2=(format!("{:.1}", xh(*m))) y1="0" y2=(row_h) stroke="#d0d5dd" {}
                                    }
                                    @for s in &shifts {
                                        g class="shift" data-start=(s.start.to_rfc3339()) data-end=(s.end.to_rfc3339()) {
                                            title { (tooltip(s)) }
                                            rect class="shift-bar" x=(format!("{:.2}", xh(s.start))) y="2" width=(format!("{:.2}", xh(s.end) - xh(s.start))) height="12" rx="2" fill=(colour(s)) {}
                                            @for b in &s.breaks {
                                                rect class="break" x=(format!("{:.2}", xh(b.start))) y="2" width=(format!("{:.2}", (xh(b.end) - xh(b.start)).max(1.5))) height="12" fill=(BREAK) {}
                                            }
                                            text x=(format!("{:.1}", xh(s.start))) y="25" font-size="9" fill="#344054" { (label(s)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Where the roster is over the requirement day after day, and why.
fn overstaffing(p: &PlanOutput) -> Markup {
    let x = recurring_overstaffing(p.scenario, p.horizon, p.evaluation, p.roster);
    html! {
        @if x.surpluses.is_empty() {
            p.ok { "No hour of the day is overstaffed (by at least one agent and half again the requirement) on most days." }
        } @else {
            ul.note {
                @for s in &x.surpluses {
                    li {
                        strong { (s.queue) " " (clock(s.from_minute)) "–" (clock(s.to_minute)) }
                        " on " (s.days) " of " (s.of_days) " days: "
                        (format!("{:.1}", s.mean_staffed)) " agents on average against " (format!("{:.1}", s.mean_required)) " required"
                        @if s.mean_required > 0.0 { " (" (format!("{:.1}", s.mean_staffed / s.mean_required)) "×)" }
                        ", " (format!("{:.1}", s.agent_hours)) " agent-hours over the plan. "
                        @if s.causes.is_empty() {
                            "rota finds no rule of the scenario that forces it: it is where the solve (gap "
                            (format!("{:.2}%", p.solve.mip_gap * 100.0)) ") put hours that the contracts ask for."
                        } @else {
                            "Why: " (s.causes.join("; ")) "."
                        }
                    }
                }
                @if let Some(c) = &x.contract_minimum {
                    li { "Across the plan: " (c) "." }
                }
            }
        }
    }
}

/// The share of drawn weeks in which `queue` meets its target on `date`.
/// Each site's part of the plan (`report::sites`, docs/sites.md).
fn sites_section(p: &PlanOutput) -> Markup {
    let sites = crate::report::sites::by_site(
        p.scenario,
        p.horizon,
        p.requirements,
        p.roster,
        p.evaluation,
    );
    html! {
        section id="sites" {
            h2 { "Sites" }
            p.meta { "Each site's agents, paid hours and cost (with its cost factor), its share of the staffed agent-hours, and per queue its share of the queue's staff and the service level of the intervals it staffs (a multi-skilled agent's time split in proportion to the agents on duty)." }
            table id="sites-table" {
                thead { tr {
                    th.left { "site" } th.left { "zone" } th { "agents rostered" } th { "shifts" } th { "paid hours" } th { "paid cost" } th { "share of work" }
                    @for q in &p.scenario.queues { th { (q.id) " share" } th { (q.id) " SL while staffed" } }
                } }
                tbody {
                    @for k in &sites {
                        tr {
                            td.left { (k.site) } td.left { (k.timezone) }
                            td { (k.agents_rostered) " of " (k.agents) } td { (k.shifts) }
                            td { (format!("{:.1}", k.paid_hours)) } td { (format!("{:.1}", k.paid_cost)) }
                            td { (format!("{:.1}%", k.share_of_work * 100.0)) }
                            @for q in &k.queues {
                                td { (format!("{:.1}%", q.share * 100.0)) }
                                td { (q.service_level_while_staffed.map_or("—".to_string(), |v| format!("{:.1}%", v * 100.0))) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn day_odds(o: &crate::drill::Odds, queue: &str, date: NaiveDate) -> String {
    o.queues
        .iter()
        .find(|q| q.queue == queue)
        .and_then(|q| q.days.iter().find(|d| d.date == date))
        .filter(|d| d.point_service_level.is_some())
        .map_or("—".to_string(), |d| pct(d.p_meet))
}

impl Exporter for ReportHtml {
    fn file_name(&self) -> &'static str {
        "report.html"
    }

    fn render(&self, p: &PlanOutput) -> Result<Vec<u8>> {
        let sc = p.scenario;
        let ev = p.evaluation;
        let info = p.solve;
        let dh = p.horizon.interval_hours();
        let deferred = |id: &str| {
            sc.queues
                .iter()
                .any(|q| q.id == id && q.channel.is_deferred())
        };
        let mut warnings: Vec<String> = Vec::new();
        for v in p.violations {
            let day = v.date.map(|d| format!(" on {d}")).unwrap_or_default();
            warnings.push(format!(
                "rule {} broken by agent {}{}: {}",
                v.rule, v.agent_id, day, v.message
            ));
        }
        for q in sc.unserved_queues() {
            warnings.push(unserved_warning(&q.id));
        }
        for q in &ev.queues {
            warnings.extend(missed_lines(q));
            if q.intervals_below_target > 0 {
                warnings.push(format!(
                    "{}: {} intervals below target; the worst is {}",
                    q.queue,
                    q.intervals_below_target,
                    worst_interval_text(q)
                ));
            }
        }
        if info.status != crate::solve::SolveStatus::Optimal {
            warnings.push(format!("roster not proven optimal: {}", info.stop_reason));
        }
        // Daily totals per queue.
        let mut daily: BTreeMap<(NaiveDate, usize), [f64; 5]> = BTreeMap::new();
        for (qi, _) in sc.queues.iter().enumerate() {
            for (t, iv) in p.horizon.intervals.iter().enumerate() {
                let k = &ev.intervals[qi][t];
                let vol = p.forecast.queues[qi].volume[t];
                let e = daily.entry((iv.date, qi)).or_default();
                e[0] += vol;
                e[1] += k.required as f64 * dh;
                e[2] += k.staffed * dh;
                e[3] += (k.required as f64 - k.staffed).max(0.0) * dh;
                e[4] += k.service_level * vol;
            }
        }
        let rostered = p
            .roster
            .shifts
            .iter()
            .map(|s| s.agent_id.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let dates = &p.horizon.dates;
        let last = *dates.last().unwrap_or(&sc.planning.week_start);
        let page = html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { "rota plan: " (sc.name) }
                    style { (PreEscaped(STYLE)) }
                }
                body {
                    header {
                        h1 { (sc.name) }
                        p.meta {
                            (sc.site.name) " · " (sc.site.timezone.name()) " · " (sc.planning.week_start) " to " (last)
                            " · " (sc.planning.interval_minutes) "-minute intervals · generated " (p.generated_at.format("%Y-%m-%d %H:%M UTC"))
                        }
                    }
                    section id="warnings" {
                        h2 { "Warnings" }
                        @if warnings.is_empty() {
                            p.ok { "No warnings: every rule holds and every queue meets its target in every interval." }
                        } @else {
                            ul.warn { @for w in &warnings { li { (w) } } }
                        }
                    }
                    section id="kpis" {
                        h2 { "Service levels and staffing" }
                        table id="kpi-table" {
                            thead { tr {
                                th { "queue" } th { "target" } th { "forecast contacts" } th { "predicted service level" } th { "worst interval" }
                                th { "average speed of answer" } th { "occupancy" } th { "required agent-h" } th { "staffed agent-h" } th { "under­staffed agent-h" } th { "over­staffed agent-h" }
                            } }
                            tbody {
                                @for q in &ev.queues {
                                    tr class=(if q.unmet() { "miss" } else { "" }) {
                                        td { (q.queue) }
                                        td { (target_long(q.target, q.threshold_seconds)) @if q.period == crate::scenario::SlPeriod::Day { br; "each day" } }
                                        td { (format!("{:.0}", q.forecast_volume)) }
                                        td.sl { (pct(q.service_level)) }
                                        td {
                                            @match &q.worst_interval_start {
                                                Some(at) => { (pct(q.worst_interval_service_level)) br; span.meta { (at) } }
                                                None => "—",
                                            }
                                        }
                                        td { (asa_text(q, deferred(&q.queue))) }
                                        td { (occupancy_text(q)) }
                                        td { (format!("{:.1}", q.required_agent_hours)) }
                                        td { (format!("{:.1}", q.staffed_agent_hours)) }
                                        td { (format!("{:.1}", q.understaffed_agent_hours)) }
                                        td { (format!("{:.1}", q.overstaffed_agent_hours)) }
                                    }
                                }
                            }
                        }
                        @if let Some(o) = p.odds {
                            h3 { "The odds of the roster" }
                            table id="odds-table" {
                                thead { tr {
                                    th.left { "queue" } th { "predicted service level" } th { "P(week meets target)" } th { "P(every day meets target)" } th { "10th-percentile service level" } th { "expected contacts late" }
                                } }
                                tbody {
                                    @for q in &o.queues {
                                        tr {
                                            td.left { (q.queue) }
                                            td { (pct(q.point_service_level)) }
                                            td.odds { (pct(q.p_meet_week)) }
                                            td.odds { (pct(q.p_meet_every_day)) }
                                            td.odds { (pct(q.p10_service_level)) }
                                            td { (format!("{:.0}", q.expected_late)) }
                                        }
                                    }
                                }
                            }
                            p.meta id="odds" {
                                "The odds: the roster judged in " (o.weeks) " weeks drawn around the forecast (each day's volume a log-normal factor with the forecast band's spread, Poisson arrivals, seed " (o.seed) ", no absence; docs/risk.md). "
                                "The predicted service level is the roster's against the forecast itself; "
                                code { "rota drill" } " adds absences, shocks and the reserve pool."
                            }
                        }
                        p id="cost" {
                            "Paid hours " strong { (format!("{:.1}", ev.scheduled_hours)) }
                            "; labour cost " strong { (format!("{:.1}", ev.paid_cost)) }
                            " (paid hours × each agent's hourly_cost × weights.paid_hour, the paid_cost of summary.json); "
                            (p.roster.shifts.len()) " shifts for " (rostered) " of " (sc.agents.len()) " agents."
                        }
                        p.meta {
                            "Solver: " (info.stop_reason) "; objective " (format!("{:.1}", info.objective))
                            ", best bound " (format!("{:.1}", info.best_bound)) ", gap " (format!("{:.2}%", info.mip_gap * 100.0))
                            ", " (format!("{:.1}", info.solve_seconds)) " s of " (info.time_limit_seconds) " s."
                        }
                    }
                    @if sc.multi_site {
                        (sites_section(p))
                    }
                    section id="overstaffing" {
                        h2 { "Recurring overstaffing" }
                        (overstaffing(p))
                    }
                    section id="coverage" {
                        h2 { "Per queue and interval" }
                        p.meta { "For each queue: the forecast, the agents the roster puts on it (net of breaks) against the requirement, and the service level Erlang predicts for them, every interval of the plan." }
                        @for qi in 0..sc.queues.len() { (queue_charts(p, qi)) }
                    }
                    section id="daily" {
                        h2 { "Daily totals" }
                        table id="daily-table" {
                            thead { tr {
                                th { "date" } th.left { "queue" } th { "forecast contacts" } th { "required agent-h" } th { "staffed agent-h" } th { "under agent-h" } th { "predicted service level" }
                                @if p.odds.is_some() { th { "P(day meets target)" } }
                            } }
                            tbody {
                                @for ((d, qi), e) in &daily {
                                    tr {
                                        td { (d.format("%a %Y-%m-%d")) }
                                        td.left { (sc.queues[*qi].id) }
                                        td { (format!("{:.0}", e[0])) }
                                        td { (format!("{:.1}", e[1])) }
                                        td { (format!("{:.1}", e[2])) }
                                        td { (format!("{:.1}", e[3])) }
                                        td { (if e[0] > 0.0 { pct(e[4] / e[0]) } else { "—".to_string() }) }
                                        @if let Some(o) = p.odds {
                                            td.odds { (day_odds(o, &sc.queues[*qi].id, *d)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section id="roster" {
                        h2 { "Roster" }
                        (roster_timeline(p))
                    }
                }
            }
        };
        Ok(page.into_string().into_bytes())
    }
}
