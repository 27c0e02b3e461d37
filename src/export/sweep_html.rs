//! `sweep.html`: the staffing curve of a sweep — predicted service level per
//! queue, and paid and understaffed hours, against the varied input.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::whatif::SweepResult;

const COLOURS: [&str; 6] = [
    "#2e90fa", "#f79009", "#12b76a", "#b42318", "#7a5af8", "#475467",
];

/// A line chart: `series` of (label, points), x and y ranges from the data.
fn chart(
    id: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
    percent: bool,
) -> Markup {
    let (w, h, left, bottom, top, right) = (640.0, 300.0, 60.0, 40.0, 20.0, 20.0);
    let xs: Vec<f64> = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|q| q.0))
        .collect();
    let ys: Vec<f64> = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|q| q.1))
        .collect();
    let (x0, x1) = (
        xs.iter().cloned().fold(f64::MAX, f64::min),
        xs.iter().cloned().fold(f64::MIN, f64::max),
    );
    let (mut y0, mut y1) = (
        ys.iter().cloned().fold(f64::MAX, f64::min).min(0.0),
        ys.iter().cloned().fold(f64::MIN, f64::max),
    );
    if percent {
        y0 = 0.0;
        y1 = 1.0;
    }
    if y1 <= y0 {
        y1 = y0 + 1.0;
    }
    let xspan = if x1 > x0 { x1 - x0 } else { 1.0 };
    let x = |v: f64| left + (w - left - right) * (v - x0) / xspan;
    let y = |v: f64| top + (h - top - bottom) * (1.0 - (v - y0) / (y1 - y0));
    let fmt = |v: f64| {
        if percent {
            format!("{:.0}%", v * 100.0)
        } else {
            format!("{v:.0}")
        }
    };
    html! {
        figure {
            svg id=(id) class="sweep-chart" xmlns="http://www.w3.org/2000/svg" width=(w) height=(h) viewBox={ "0 0 " (w) " " (h) } {
                title { (title) }
                @for i in 0..=4 {
                    @let v = y0 + (y1 - y0) * i as f64 / 4.0;
                    line x1=(left) x2=(w - right) y1=(y(v)) y2=(y(v)) stroke="#eef0f4" {}
                    text x=(left - 6.0) y=(y(v) + 4.0) font-size="11" text-anchor="end" fill="#5b6475" { (fmt(v)) }
                }
                @for v in &xs {
                    text x=(x(*v)) y=(h - bottom + 16.0) font-size="11" text-anchor="middle" fill="#5b6475" { (format!("{v}")) }
                }
                text x=((left + w - right) / 2.0) y=(h - 6.0) font-size="12" text-anchor="middle" { (x_label) }
                text x="14" y=((top + h - bottom) / 2.0) font-size="12" text-anchor="middle" transform={ "rotate(-90 14 " ((top + h - bottom) / 2.0) ")" } { (y_label) }
                @for (i, (label, pts)) in series.iter().enumerate() {
                    @let d = pts.iter().enumerate().map(|(j, (a, b))| format!("{}{:.1},{:.1}", if j == 0 { "M" } else { " L" }, x(*a), y(*b))).collect::<String>();
                    path class="series" data-series=(label) d=(d) fill="none" stroke=(COLOURS[i % COLOURS.len()]) stroke-width="2" {}
                    @for (a, b) in pts {
                        circle cx=(x(*a)) cy=(y(*b)) r="3" fill=(COLOURS[i % COLOURS.len()]) {}
                    }
                }
            }
            figcaption {
                @for (i, (label, _)) in series.iter().enumerate() {
                    span style={ "color:" (COLOURS[i % COLOURS.len()]) ";margin-right:1rem" } { "■ " (label) }
                }
            }
        }
    }
}

/// Renders the sweep report. The first axis is the chart's x axis; with more
/// axes, each combination of the others is a series of its own.
pub fn render(r: &SweepResult) -> String {
    let Some(axis) = r.axes.first() else {
        return String::new();
    };
    let xname = format!("{:?}", axis.param).to_lowercase();
    let others = |p: &crate::whatif::SweepPoint| -> String {
        p.params
            .iter()
            .filter(|(k, _)| **k != xname)
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut sl: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    let mut hours: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    let push = |set: &mut Vec<(String, Vec<(f64, f64)>)>, label: String, pt: (f64, f64)| match set
        .iter_mut()
        .find(|(l, _)| *l == label)
    {
        Some((_, v)) => v.push(pt),
        None => set.push((label, vec![pt])),
    };
    for p in &r.points {
        let (Some(s), Some(xv)) = (&p.summary, p.params.get(&xname)) else {
            continue;
        };
        let suffix = match others(p) {
            o if o.is_empty() => String::new(),
            o => format!(" ({o})"),
        };
        for q in s["queues"].as_array().into_iter().flatten() {
            let name = q["queue"].as_str().unwrap_or("?");
            push(
                &mut sl,
                format!("{name} SL{suffix}"),
                (*xv, q["service_level"].as_f64().unwrap_or(0.0)),
            );
        }
        push(
            &mut hours,
            format!("paid hours{suffix}"),
            (*xv, s["scheduled_hours"].as_f64().unwrap_or(0.0)),
        );
        push(
            &mut hours,
            format!("understaffed agent-hours{suffix}"),
            (*xv, s["understaffed_agent_hours"].as_f64().unwrap_or(0.0)),
        );
    }
    let failed: Vec<_> = r.points.iter().filter(|p| p.error.is_some()).collect();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "rota sweep: " (r.scenario) }
                style { (PreEscaped("body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2433} table{border-collapse:collapse;font-size:.9rem} td,th{padding:.3rem .6rem;border-bottom:1px solid #e6e9ef;text-align:right}")) }
            }
            body {
                h1 { "Sweep: " (r.scenario) }
                p { (r.total_points) " scenarios over " (r.axes.iter().map(|a| format!("{:?} {:?}", a.param, a.values).to_lowercase()).collect::<Vec<_>>().join(" × ")) }
                (chart("sweep-service-level", "Predicted service level", &xname, "service level", &sl, true))
                (chart("sweep-hours", "Paid and understaffed hours", &xname, "hours", &hours, false))
                @if !failed.is_empty() {
                    h2 { "Points that could not be planned" }
                    ul { @for p in &failed { li { (format!("{:?}", p.params)) ": " (p.error.as_deref().unwrap_or("")) } } }
                }
                h2 { "All points" }
                table id="sweep-table" {
                    thead { tr { th { "#" } @for a in &r.axes { th { (format!("{:?}", a.param).to_lowercase()) } } th { "status" } th { "gap" } th { "paid h" } th { "under agent-h" } th { "over agent-h" } th { "service levels" } } }
                    tbody {
                        @for p in &r.points {
                            tr {
                                td { (p.index) }
                                @for a in &r.axes { td { (p.params.get(&format!("{:?}", a.param).to_lowercase()).map(|v| v.to_string()).unwrap_or_default()) } }
                                @if let Some(s) = &p.summary {
                                    td { (s["status"].as_str().unwrap_or("")) }
                                    td { (format!("{:.2}%", s["mip_gap"].as_f64().unwrap_or(0.0) * 100.0)) }
                                    td { (format!("{:.1}", s["scheduled_hours"].as_f64().unwrap_or(0.0))) }
                                    td { (format!("{:.1}", s["understaffed_agent_hours"].as_f64().unwrap_or(0.0))) }
                                    td { (format!("{:.1}", s["overstaffed_agent_hours"].as_f64().unwrap_or(0.0))) }
                                    td { (s["queues"].as_array().into_iter().flatten().map(|q| format!("{} {:.1}%", q["queue"].as_str().unwrap_or("?"), q["service_level"].as_f64().unwrap_or(0.0) * 100.0)).collect::<Vec<_>>().join(", ")) }
                                } @else {
                                    td colspan="6" { (p.error.as_deref().unwrap_or("")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    .into_string()
}
