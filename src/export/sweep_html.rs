//! `sweep.html`: the staffing curve of a sweep — predicted service level per
//! queue against its target, paid and understaffed hours, and the headcount,
//! against the varied input. A colour means one thing on the whole page (a
//! queue, paid hours, understaffed hours, headcount); the values of the other
//! varied parameters are told apart by dashes and markers, and series that
//! coincide stay visible (each drawn narrower than the one below it).

use maud::{html, PreEscaped, DOCTYPE};

use super::svg::{self, Axis, Chart, Series, Shape, Tick, QUEUE_COLOURS};
use super::words::pct;
use crate::whatif::{Param, SweepPoint, SweepResult};

const PAID: &str = "#344054";
const UNDER: &str = "#b42318";
const HEADCOUNT: &str = "#7a5af8";
const TARGET: &str = "#667085";
/// (x, y) points of a line.
type Points = Vec<(f64, f64)>;

const DASHES: [&str; 4] = ["", "7 4", "2 3", "10 3 2 3"];
const MARKERS: [&str; 4] = ["circle", "square", "triangle", "diamond"];

fn param_name(p: Param) -> &'static str {
    match p {
        Param::Volume => "volume",
        Param::Aht => "aht",
        Param::Shrinkage => "shrinkage",
        Param::Target => "target",
    }
}

fn param_title(p: Param) -> &'static str {
    match p {
        Param::Volume => "volume (multiplier of the forecast)",
        Param::Aht => "handle time (multiplier of the forecast)",
        Param::Shrinkage => "shrinkage",
        Param::Target => "service-level target",
    }
}

/// The x axis: round ticks over the varied values.
fn x_axis(values: &[f64], title: &str) -> Axis {
    let lo = values.iter().copied().fold(f64::MAX, f64::min);
    let hi = values.iter().copied().fold(f64::MIN, f64::max);
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (0.0, 1.0) };
    let ticks = svg::nice_ticks(lo, hi, values.len().clamp(2, 8));
    let ticks: Vec<f64> = ticks
        .into_iter()
        .filter(|t| *t >= lo - 1e-9 && *t <= hi + 1e-9)
        .collect();
    let (min, max) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    Axis {
        min,
        max,
        ticks: ticks
            .iter()
            .map(|&v| Tick {
                at: v,
                label: format!("{}", (v * 1e6).round() / 1e6),
                major: true,
            })
            .collect(),
        title: title.to_string(),
    }
}

/// A series per combination of the other varied parameters: its label
/// suffix, dash and marker, and width (the first drawn widest).
struct Variant {
    suffix: String,
    dash: &'static str,
    marker: &'static str,
}

/// Lines of the same measure for each combination of the other parameters,
/// drawn widest first so that coinciding lines stay visible.
fn lines(measure: &str, colour: &str, per: &[(Variant, Vec<(f64, f64)>)]) -> Vec<Series> {
    let n = per.len();
    per.iter()
        .enumerate()
        .filter(|(_, (_, pts))| !pts.is_empty())
        .map(|(i, (v, pts))| {
            Series::new(
                format!("{measure}{}", v.suffix),
                colour,
                Shape::Line(pts.clone()),
            )
            .dash(v.dash)
            .marker(v.marker)
            .width(1.5 + 2.0 * (n - 1 - i) as f64)
            .class("series")
        })
        .collect()
}

/// Renders the sweep report. The first axis is the chart's x axis; with more
/// axes, each combination of the others is a series of its own.
pub fn render(r: &SweepResult) -> String {
    let Some(axis) = r.axes.first() else {
        return String::new();
    };
    let xname = param_name(axis.param);
    let others = |p: &SweepPoint| -> String {
        p.params
            .iter()
            .filter(|(k, _)| k.as_str() != xname)
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The combinations of the other parameters, in point order.
    let mut variants: Vec<String> = Vec::new();
    for p in &r.points {
        let o = others(p);
        if !variants.contains(&o) {
            variants.push(o);
        }
    }
    let variant = |i: usize| Variant {
        suffix: match &variants[i] {
            o if o.is_empty() => String::new(),
            o => format!(" ({o})"),
        },
        dash: DASHES[i % DASHES.len()],
        marker: MARKERS[i % MARKERS.len()],
    };
    let queues: Vec<String> = {
        let mut q: Vec<String> = Vec::new();
        for s in r.points.iter().filter_map(|p| p.summary.as_ref()) {
            for x in s["queues"].as_array().into_iter().flatten() {
                let id = x["queue"].as_str().unwrap_or("?").to_string();
                if !q.contains(&id) {
                    q.push(id);
                }
            }
        }
        q
    };
    // (variant, x, summary) of every planned point.
    let planned: Vec<(usize, f64, &serde_json::Value)> = r
        .points
        .iter()
        .filter_map(|p| {
            let v = variants.iter().position(|o| *o == others(p))?;
            Some((v, *p.params.get(xname)?, p.summary.as_ref()?))
        })
        .collect();
    let points = |v: usize, f: &dyn Fn(&serde_json::Value) -> Option<f64>| -> Vec<(f64, f64)> {
        let mut pts: Vec<(f64, f64)> = planned
            .iter()
            .filter(|(w, _, _)| *w == v)
            .filter_map(|(_, x, s)| Some((*x, f(s)?)))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        pts
    };
    let queue_field = |s: &serde_json::Value, q: &str, k: &str| -> Option<f64> {
        s["queues"].as_array()?.iter().find(|x| x["queue"] == q)?[k].as_f64()
    };
    let xs: Vec<f64> = planned.iter().map(|(_, x, _)| *x).collect();
    let x = x_axis(&xs, param_title(axis.param));
    let nv = variants.len();

    // Service level per queue, and the targets: one line per distinct
    // target (grey when every queue has it, else in the queue's colour),
    // straight when it does not vary along the x axis.
    let mut sl_series = Vec::new();
    // (target points, the queues that have them)
    let mut targets: Vec<(Points, Vec<usize>)> = Vec::new();
    for (qi, q) in queues.iter().enumerate() {
        let colour = QUEUE_COLOURS[qi % QUEUE_COLOURS.len()];
        let per: Vec<(Variant, Vec<(f64, f64)>)> = (0..nv)
            .map(|v| (variant(v), points(v, &|s| queue_field(s, q, "target"))))
            .collect();
        for (_, pts) in per.into_iter().filter(|(_, p)| !p.is_empty()) {
            match targets.iter_mut().find(|(p, _)| *p == pts) {
                Some((_, qs)) => qs.push(qi),
                None => targets.push((pts, vec![qi])),
            }
        }
        let per: Vec<(Variant, Vec<(f64, f64)>)> = (0..nv)
            .map(|v| {
                (
                    variant(v),
                    points(v, &|s| queue_field(s, q, "service_level")),
                )
            })
            .collect();
        sl_series.extend(lines(&format!("{q} service level"), colour, &per));
    }
    let mut target_series = Vec::new();
    for (pts, qs) in &targets {
        let (colour, who) = if qs.len() == queues.len() {
            (TARGET, String::new())
        } else {
            let names: Vec<&str> = qs.iter().map(|&q| queues[q].as_str()).collect();
            (
                QUEUE_COLOURS[qs[0] % QUEUE_COLOURS.len()],
                format!("{} ", names.join(", ")),
            )
        };
        let flat = pts.windows(2).all(|w| (w[0].1 - w[1].1).abs() < 1e-9);
        let series = if flat {
            Series::new(
                format!("{who}target {}", pct(pts[0].1)),
                colour,
                Shape::Rule(pts[0].1),
            )
        } else {
            Series::new(format!("{who}target"), colour, Shape::Line(pts.clone())).marker("none")
        };
        target_series.push(series.dash("6 4").width(1.2).class("target"));
    }
    sl_series.extend(target_series);
    let sl_chart = Chart {
        id: "sweep-service-level".into(),
        title: "Predicted service level against the varied input".into(),
        width: 1180.0,
        height: 320.0,
        x: x.clone(),
        y: svg::value_axis(std::iter::empty(), "service level over the plan", true),
        series: sl_series,
        percent: true,
    };
    let per = |f: &dyn Fn(&serde_json::Value) -> Option<f64>| -> Vec<(Variant, Vec<(f64, f64)>)> {
        (0..nv).map(|v| (variant(v), points(v, f))).collect()
    };
    let mut hours = lines("paid hours", PAID, &per(&|s| s["scheduled_hours"].as_f64()));
    hours.extend(lines(
        "understaffed agent-hours",
        UNDER,
        &per(&|s| s["understaffed_agent_hours"].as_f64()),
    ));
    let hours_values: Vec<f64> = planned
        .iter()
        .flat_map(|(_, _, s)| {
            [
                s["scheduled_hours"].as_f64().unwrap_or(0.0),
                s["understaffed_agent_hours"].as_f64().unwrap_or(0.0),
            ]
        })
        .collect();
    let hours_chart = Chart {
        id: "sweep-hours".into(),
        title: "Paid and understaffed hours".into(),
        width: 580.0,
        height: 300.0,
        x: x.clone(),
        y: svg::value_axis(hours_values.into_iter(), "hours over the plan", false),
        series: hours,
        percent: false,
    };
    let heads = lines(
        "agents rostered",
        HEADCOUNT,
        &per(&|s| s["agents_rostered"].as_f64()),
    );
    let head_values: Vec<f64> = planned
        .iter()
        .map(|(_, _, s)| s["agents"].as_f64().unwrap_or(0.0))
        .collect();
    let head_chart = Chart {
        id: "sweep-headcount".into(),
        title: "Agents rostered".into(),
        width: 580.0,
        height: 300.0,
        x,
        y: svg::value_axis(head_values.into_iter(), "agents with a shift", false),
        series: heads,
        percent: false,
    };
    let failed: Vec<_> = r.points.iter().filter(|p| p.error.is_some()).collect();
    let missed = r
        .points
        .iter()
        .filter(|p| !p.targets_missed().is_empty())
        .count();
    let noisy = r.points.iter().filter(|p| p.above_gap()).count();
    let name = |a: &crate::whatif::Axis| param_name(a.param);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "rota sweep: " (r.scenario) }
                style { (PreEscaped("body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2433;max-width:1220px} table{border-collapse:collapse;font-size:.88rem} td,th{padding:.3rem .5rem;border-bottom:1px solid #e6e9ef;text-align:right} tr.miss td.targets{color:#b42318;font-weight:600} td.above-gap{color:#b54708;font-weight:600} .row{display:flex;flex-wrap:wrap;gap:20px} .row figure{margin:0;flex:1 1 560px} figure{margin:.5rem 0} .warn{background:#fff4e5;border-left:4px solid #f79009;padding:.6rem 1rem .6rem 2rem}")) }
            }
            body {
                h1 { "Sweep: " (r.scenario) }
                p { (r.total_points) " scenarios over " (r.axes.iter().map(|a| format!("{} {:?}", name(a), a.values)).collect::<Vec<_>>().join(" × ")) }
                @if missed > 0 || noisy > 0 {
                    ul.warn {
                        @if missed > 0 { li { (missed) " of " (r.points.len()) " points miss a target (marked in the table)." } }
                        @if noisy > 0 { li { (noisy) " points stopped above their configured gap: differences smaller than their gap may be solver noise." } }
                    }
                }
                figure { (svg::render(&sl_chart)) }
                div.row {
                    figure { (svg::render(&hours_chart)) }
                    figure { (svg::render(&head_chart)) }
                }
                @if !failed.is_empty() {
                    h2 { "Points that could not be planned" }
                    ul { @for p in &failed { li { (format!("{:?}", p.params)) ": " (p.error.as_deref().unwrap_or("")) } } }
                }
                h2 { "All points" }
                table id="sweep-table" {
                    thead { tr { th { "#" } @for a in &r.axes { th { (name(a)) } } th { "status" } th { "gap" } th { "paid h" } th { "agents" } th { "under agent-h" } th { "over agent-h" } th { "service levels" } th { "targets missed" } } }
                    tbody {
                        @for p in &r.points {
                            @let miss = p.targets_missed();
                            tr class=(if miss.is_empty() { "" } else { "miss" }) {
                                td { (p.index) }
                                @for a in &r.axes { td { (p.params.get(name(a)).map(|v| v.to_string()).unwrap_or_default()) } }
                                @if let Some(s) = &p.summary {
                                    td { (s["status"].as_str().unwrap_or("")) }
                                    @let gap = format!("{:.2}%", s["mip_gap"].as_f64().unwrap_or(0.0) * 100.0);
                                    @if p.above_gap() {
                                        td.above-gap title="above the configured gap" { (gap) " > " (format!("{}%", s["mip_rel_gap_target"].as_f64().unwrap_or(0.0) * 100.0)) }
                                    } @else {
                                        td { (gap) }
                                    }
                                    td { (format!("{:.1}", s["scheduled_hours"].as_f64().unwrap_or(0.0))) }
                                    td { (s["agents_rostered"]) " of " (s["agents"]) }
                                    td { (format!("{:.1}", s["understaffed_agent_hours"].as_f64().unwrap_or(0.0))) }
                                    td { (format!("{:.1}", s["overstaffed_agent_hours"].as_f64().unwrap_or(0.0))) }
                                    td { (s["queues"].as_array().into_iter().flatten().map(|q| format!("{} {}", q["queue"].as_str().unwrap_or("?"), pct(q["service_level"].as_f64().unwrap_or(0.0)))).collect::<Vec<_>>().join(", ")) }
                                    td.targets { @if miss.is_empty() { "—" } @else { (miss.join(", ")) } }
                                } @else {
                                    td colspan="8" { (p.error.as_deref().unwrap_or("")) }
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
