//! `report.html`: one self-contained page for planners (no scripts, no
//! network): warnings, the KPI table, coverage against requirement per queue
//! as SVG charts, daily totals, and the roster as a timeline per agent with
//! breaks. HTML is built with maud, which escapes every value.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Timelike};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::{Exporter, PlanOutput};
use crate::error::Result;
use crate::roster::model::Shift;

/// The planner's report.
pub struct ReportHtml;

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", sans-serif; margin: 2rem; color: #1d2433; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #d8dde6; padding-bottom: .3rem; }
.meta { color: #5b6475; }
table { border-collapse: collapse; font-size: .9rem; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #e6e9ef; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, td.left, th.left { text-align: left; }
tr.miss td.sl { color: #b42318; font-weight: 600; }
.warn { background: #fff4e5; border-left: 4px solid #f79009; padding: .6rem 1rem; }
.ok { background: #ecfdf3; border-left: 4px solid #12b76a; padding: .6rem 1rem; }
figure { margin: 1rem 0 2rem 0; } figcaption { color: #5b6475; font-size: .85rem; }
.legend span { display: inline-block; margin-right: 1rem; font-size: .85rem; }
.sw { display: inline-block; width: .9rem; height: .6rem; margin-right: .3rem; vertical-align: middle; }
#roster-table td.day { padding: .15rem .3rem; font-size: .75rem; text-align: center; }
#roster-table td.off { color: #98a2b3; }
"#;

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// Coverage chart of one queue: staffed (area) against required (step line).
fn coverage_chart(p: &PlanOutput, qi: usize) -> Markup {
    let (w, h, left, bottom, top) = (1100.0, 230.0, 40.0, 28.0, 10.0);
    let n = p.horizon.intervals.len().max(1);
    let kpis = &p.evaluation.intervals[qi];
    let max = kpis
        .iter()
        .map(|k| k.staffed.max(k.required as f64))
        .fold(1.0, f64::max)
        .ceil();
    let x = |t: f64| left + (w - left - 10.0) * t / n as f64;
    let y = |v: f64| top + (h - top - bottom) * (1.0 - v / max);
    let mut staffed = format!("M{:.1},{:.1}", x(0.0), y(0.0));
    let mut required = String::new();
    for (t, k) in kpis.iter().enumerate() {
        staffed.push_str(&format!(
            " L{:.1},{:.1} L{:.1},{:.1}",
            x(t as f64),
            y(k.staffed),
            x(t as f64 + 1.0),
            y(k.staffed)
        ));
        let cmd = if t == 0 { 'M' } else { 'L' };
        required.push_str(&format!(
            "{cmd}{:.1},{:.1} L{:.1},{:.1} ",
            x(t as f64),
            y(k.required as f64),
            x(t as f64 + 1.0),
            y(k.required as f64)
        ));
    }
    staffed.push_str(&format!(" L{:.1},{:.1} Z", x(n as f64), y(0.0)));
    let q = &p.scenario.queues[qi];
    let step = (max / 4.0).ceil().max(1.0);
    let ticks: Vec<f64> = (0..=((max / step) as usize))
        .map(|i| i as f64 * step)
        .collect();
    let days: Vec<(usize, NaiveDate)> = p
        .horizon
        .intervals
        .iter()
        .enumerate()
        .filter(|(_, iv)| iv.start.hour() == 0 && iv.start.minute() == 0)
        .map(|(t, iv)| (t, iv.date))
        .collect();
    html! {
        figure {
            svg id={ "coverage-" (q.id) } class="coverage-chart" xmlns="http://www.w3.org/2000/svg"
                width=(w) height=(h) viewBox={ "0 0 " (w) " " (h) } role="img" {
                title { "Agents on " (q.id) " against the requirement, per interval" }
                @for v in &ticks {
                    line x1=(left) x2=(w - 10.0) y1=(y(*v)) y2=(y(*v)) stroke="#eef0f4" {}
                    text x=(left - 6.0) y=(y(*v) + 4.0) font-size="10" text-anchor="end" fill="#5b6475" { (v) }
                }
                @for (t, d) in &days {
                    line x1=(x(*t as f64)) x2=(x(*t as f64)) y1=(top) y2=(h - bottom) stroke="#d0d5dd" {}
                    text x=(x(*t as f64) + 4.0) y=(h - 10.0) font-size="11" fill="#344054" { (d.format("%a %m-%d")) }
                }
                path class="staffed" d=(staffed) fill="#b2ddff" stroke="#2e90fa" stroke-width="1" {}
                path class="required" d=(required) fill="none" stroke="#b42318" stroke-width="1.5" {}
            }
            figcaption.legend {
                span { span.sw style="background:#b2ddff;border:1px solid #2e90fa" {} "staffed (net of breaks)" }
                span { span.sw style="background:#b42318" {} "required after shrinkage" }
                span { (q.id) ": target " (pct(q.service_level.target)) " in " (q.service_level.seconds) " s" }
            }
        }
    }
}

/// One day's cell of the roster timeline: the shift as a bar over 24 hours, breaks as gaps.
fn day_cell(s: Option<&Shift>, date: NaiveDate, tz: chrono_tz::Tz) -> Markup {
    let Some(s) = s else {
        return html! { td.day.off { "off" } };
    };
    let day0 = crate::horizon::local_midnight(tz, date);
    let (w, h) = (120.0, 12.0);
    let x = |t: chrono::DateTime<chrono_tz::Tz>| -> f64 {
        let hours = (t - day0).num_seconds() as f64 / 3600.0;
        (hours / 24.0 * w).clamp(0.0, w)
    };
    let label = format!("{}–{}", s.start.format("%H:%M"), s.end.format("%H:%M"));
    let breaks: Vec<String> = s
        .breaks
        .iter()
        .map(|b| {
            format!(
                "{} {}–{}",
                b.kind,
                b.start.format("%H:%M"),
                b.end.format("%H:%M")
            )
        })
        .collect();
    html! {
        td.day title={ (label) "; " (breaks.join(", ")) } {
            div { (label) }
            svg class="shift-bar" xmlns="http://www.w3.org/2000/svg" width=(w) height=(h) viewBox={ "0 0 " (w) " " (h) } {
                rect x="0" y="0" width=(w) height=(h) fill="#f2f4f7" {}
                rect class="work" x=(x(s.start)) y="1" width=(x(s.end) - x(s.start)) height=(h - 2.0) fill="#2e90fa" {}
                @for b in &s.breaks {
                    rect class="break" x=(x(b.start)) y="1" width=(x(b.end) - x(b.start)) height=(h - 2.0) fill="#fdb022" {}
                }
            }
        }
    }
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
        let mut warnings: Vec<String> = Vec::new();
        for v in p.violations {
            let day = v.date.map(|d| format!(" on {d}")).unwrap_or_default();
            warnings.push(format!(
                "rule {} broken by agent {}{}: {}",
                v.rule, v.agent_id, day, v.message
            ));
        }
        for q in &ev.queues {
            if q.service_level + 1e-9 < q.target {
                warnings.push(format!(
                    "{} misses its target: {} predicted against {} in {} s",
                    q.queue,
                    pct(q.service_level),
                    pct(q.target),
                    q.threshold_seconds
                ));
            }
            if q.intervals_below_target > 0 {
                warnings.push(format!(
                    "{}: {} intervals below target; the worst is {} at {}",
                    q.queue,
                    q.intervals_below_target,
                    pct(q.worst_interval_service_level),
                    q.worst_interval_start.as_deref().unwrap_or("-")
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
        let mut by_agent: BTreeMap<&str, BTreeMap<NaiveDate, &Shift>> = BTreeMap::new();
        for s in &p.roster.shifts {
            by_agent
                .entry(s.agent_id.as_str())
                .or_default()
                .insert(s.date, s);
        }
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
                                th { "queue" } th { "target" } th { "forecast contacts" } th { "predicted SL" } th { "worst interval" }
                                th { "ASA" } th { "occupancy" } th { "required agent-h" } th { "staffed agent-h" } th { "under agent-h" } th { "over agent-h" }
                            } }
                            tbody {
                                @for q in &ev.queues {
                                    tr class=(if q.service_level + 1e-9 < q.target { "miss" } else { "" }) {
                                        td { (q.queue) }
                                        td { (pct(q.target)) " / " (q.threshold_seconds) " s" }
                                        td { (format!("{:.0}", q.forecast_volume)) }
                                        td.sl { (pct(q.service_level)) }
                                        td { (pct(q.worst_interval_service_level)) " at " (q.worst_interval_start.as_deref().unwrap_or("-")) }
                                        td { (format!("{:.1} s", q.asa_seconds)) }
                                        td { (pct(q.occupancy)) }
                                        td { (format!("{:.1}", q.required_agent_hours)) }
                                        td { (format!("{:.1}", q.staffed_agent_hours)) }
                                        td { (format!("{:.1}", q.understaffed_agent_hours)) }
                                        td { (format!("{:.1}", q.overstaffed_agent_hours)) }
                                    }
                                }
                            }
                        }
                        p {
                            "Paid hours " (format!("{:.1}", ev.scheduled_hours))
                            "; labour cost (paid hours × paid_hour weight) " (format!("{:.1}", ev.scheduled_hours * sc.weights.paid_hour))
                            "; " (p.roster.shifts.len()) " shifts for " (by_agent.len()) " of " (sc.agents.len()) " agents."
                        }
                        p.meta {
                            "Solver: " (info.stop_reason) "; objective " (format!("{:.1}", info.objective))
                            ", best bound " (format!("{:.1}", info.best_bound)) ", gap " (format!("{:.2}%", info.mip_gap * 100.0))
                            ", " (format!("{:.1}", info.solve_seconds)) " s of " (info.time_limit_seconds) " s."
                        }
                    }
                    section id="coverage" {
                        h2 { "Coverage against requirement" }
                        @for qi in 0..sc.queues.len() { (coverage_chart(p, qi)) }
                    }
                    section id="daily" {
                        h2 { "Daily totals" }
                        table id="daily-table" {
                            thead { tr {
                                th { "date" } th { "queue" } th { "forecast contacts" } th { "required agent-h" } th { "staffed agent-h" } th { "under agent-h" } th { "predicted SL" }
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
                                        td { (if e[0] > 0.0 { pct(e[4] / e[0]) } else { "-".to_string() }) }
                                    }
                                }
                            }
                        }
                    }
                    section id="roster" {
                        h2 { "Roster" }
                        table id="roster-table" {
                            thead { tr {
                                th { "agent" } th.left { "skills" } th { "paid h" }
                                @for d in dates { th { (d.format("%a %m-%d")) } }
                            } }
                            tbody {
                                @for a in &sc.agents {
                                    @let shifts = by_agent.get(a.id.as_str());
                                    tr.agent-row data-agent=(a.id) {
                                        td { (a.id) " " (a.name) }
                                        td.left { (a.skills.join(", ")) }
                                        td { (format!("{:.1}", shifts.map(|m| m.values().map(|s| s.paid_hours).sum::<f64>()).unwrap_or(0.0))) }
                                        @for d in dates {
                                            (day_cell(shifts.and_then(|m| m.get(d).copied()), *d, p.roster.timezone))
                                        }
                                    }
                                }
                            }
                        }
                        p.meta { "Blue: on shift; amber: breaks. Bars span 00:00–24:00 of the shift's day." }
                    }
                }
            }
        };
        Ok(page.into_string().into_bytes())
    }
}
