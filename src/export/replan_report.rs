//! The re-plan's part of the report (`rota replan`): `replan.json` and a
//! section of `report.html` saying what the re-plan changed and what it
//! bought (`docs/outputs.md`).

use maud::html;

use crate::error::Result;
use crate::replan::Report;

/// `replan.json`: the [`Report`] as JSON.
pub fn replan_json(r: &Report) -> Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(r)
        .map_err(|e| crate::error::Error::Solver(format!("json: {e}")))?;
    v.push(b'\n');
    Ok(v)
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// The report page with the re-plan's section inserted after its header.
pub fn with_replan_section(report_html: &[u8], r: &Report) -> Vec<u8> {
    let c = &r.changes;
    let section = html! {
        section id="replan" {
            h2 { "Re-plan" }
            p {
                "Version " (r.version) " re-plans version " (r.parent) " from " (r.from)
                ": everything before was worked as published."
            }
            @if !r.absences.is_empty() {
                p {
                    "Absent: "
                    @for (i, a) in r.absences.iter().enumerate() {
                        @if i > 0 { ", " }
                        (a.agent_id) " " (a.from.format("%a %H:%M")) " to " (a.until.format("%a %H:%M"))
                    }
                }
            }
            @if !r.actual_ratio.is_empty() {
                p {
                    "Actual volume against forecast so far: "
                    @for (i, (q, x)) in r.actual_ratio.iter().enumerate() {
                        @if i > 0 { ", " }
                        (q) " " (format!("{x:.2}"))
                    }
                }
            }
            table {
                thead { tr { th { "queue" } th { "target" } th { "as published" } th { "less the absent" } th { "re-planned" } } }
                tbody {
                    @for q in &r.service_level {
                        tr {
                            td { (q.queue) } td.num { (pct(q.target)) } td.num { (pct(q.published)) }
                            td.num { (pct(q.without_absent)) } td.num { (pct(q.replanned)) }
                        }
                    }
                }
            }
            p {
                (c.changed_shifts) " changed shifts"
                @if let Some(f) = r.fresh_plan_changed_shifts { " (a fresh plan of the remaining days: " (f) ")" }
                "; by kind: "
                @for (i, (k, n)) in c.counts.iter().enumerate() {
                    @if i > 0 { ", " }
                    (k) " " (n)
                }
                ". Breaks moved " (c.breaks_moved) ", overtime " (format!("{:.1}", c.overtime_hours)) " h, reserve shifts "
                (c.reserve_shifts) ", days off worked " (c.days_off_worked) ". Cost of the changes "
                (format!("{:.1}", c.cost)) "; paid cost " (format!("{:.1}", r.paid_cost_published)) " published, "
                (format!("{:.1}", r.paid_cost_replanned)) " re-planned."
            }
            @for line in &r.shortfall {
                p.warn { (line) }
            }
        }
    };
    let text = String::from_utf8_lossy(report_html).to_string();
    let at = text
        .find("<section id=\"warnings\"")
        .or_else(|| text.find("</body>"))
        .unwrap_or(text.len());
    let mut out = text[..at].to_string();
    out.push_str(&section.into_string());
    out.push_str(&text[at..]);
    out.into_bytes()
}
