//! Inline SVG charts for the HTML pages (report.html, sweep.html): axes
//! with ticks and titles, a legend inside the chart, and series drawn as
//! areas, steps, lines with markers, bands and reference lines. Every chart
//! is an `svg.chart` holding a `g.x-axis`, a `g.y-axis` (each with its
//! `text.axis-title`) and a `g.legend`, which the report's browser test checks.

use maud::{html, Markup};

/// One tick of an axis: where, and its label (empty for a minor tick).
#[derive(Debug, Clone)]
pub struct Tick {
    pub at: f64,
    pub label: String,
    /// Major ticks get a grid line across the plot.
    pub major: bool,
}

/// An axis: its range, ticks and title.
#[derive(Debug, Clone)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    pub ticks: Vec<Tick>,
    pub title: String,
}

/// How a series is drawn.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A filled area from 0, as steps: `values[i]` over `[i, i + 1)`.
    StepArea(Vec<f64>),
    /// A step line: `values[i]` over `[i, i + 1)`.
    Step(Vec<f64>),
    /// A filled band between two step lines.
    StepBand(Vec<f64>, Vec<f64>),
    /// A polyline through points, with a marker on each.
    Line(Vec<(f64, f64)>),
    /// A horizontal line across the plot.
    Rule(f64),
}

/// A series: its legend label, colour and shape.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub colour: String,
    pub shape: Shape,
    /// `stroke-dasharray`, empty for solid.
    pub dash: String,
    pub width: f64,
    /// Marker of `Line` points: `circle`, `square`, `triangle`, `diamond`.
    pub marker: &'static str,
    /// CSS class of the drawn element, for tests and styling.
    pub class: String,
}

impl Series {
    pub fn new(label: impl Into<String>, colour: &str, shape: Shape) -> Series {
        Series {
            label: label.into(),
            colour: colour.to_string(),
            shape,
            dash: String::new(),
            width: 1.5,
            marker: "circle",
            class: String::new(),
        }
    }

    pub fn dash(mut self, d: &str) -> Series {
        self.dash = d.to_string();
        self
    }

    pub fn width(mut self, w: f64) -> Series {
        self.width = w;
        self
    }

    pub fn marker(mut self, m: &'static str) -> Series {
        self.marker = m;
        self
    }

    pub fn class(mut self, c: &str) -> Series {
        self.class = c.to_string();
        self
    }
}

/// A chart.
#[derive(Debug, Clone)]
pub struct Chart {
    pub id: String,
    /// Read by screen readers (`<title>`).
    pub title: String,
    pub width: f64,
    pub height: f64,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    /// Format y tick labels as percentages.
    pub percent: bool,
}

/// Round tick values covering `[lo, hi]`: steps of 1, 2 or 5 times a power
/// of ten, about `n` of them, starting at or below `lo` and ending at or
/// above `hi`.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw - 1e-12)
        .unwrap_or(10.0 * mag);
    let first = (lo / step + 1e-9).floor() as i64;
    let last = (hi / step - 1e-9).ceil() as i64;
    // Round away the float noise of k × step (0.30000000000000004) by
    // printing with the step's decimals.
    let decimals = (-step.log10().floor()).max(0.0) as usize + 1;
    (first..=last.max(first + 1))
        .take(51)
        .map(|k| {
            format!("{:.*}", decimals, k as f64 * step)
                .parse()
                .unwrap_or(k as f64 * step)
        })
        .collect()
}

/// A value axis from 0 (or below, for negative data) to a round number at
/// or above the largest value, with round ticks.
pub fn value_axis(values: impl Iterator<Item = f64>, title: &str, percent: bool) -> Axis {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if percent {
        lo = 0.0;
        hi = 1.0;
    }
    let ticks = nice_ticks(lo, hi.max(lo + 1e-9), if percent { 5 } else { 4 });
    let fmt = |v: f64| {
        if percent {
            format!("{:.0}%", v * 100.0)
        } else if (v - v.round()).abs() < 1e-9 {
            format!("{v:.0}")
        } else {
            format!("{v}")
        }
    };
    Axis {
        min: *ticks.first().unwrap_or(&lo),
        max: *ticks.last().unwrap_or(&hi),
        ticks: ticks
            .iter()
            .map(|&v| Tick {
                at: v,
                label: fmt(v),
                major: true,
            })
            .collect(),
        title: title.to_string(),
    }
}

/// One colour per queue (in scenario order), the same on every page.
pub const QUEUE_COLOURS: [&str; 6] = [
    "#1570ef", "#099250", "#c11574", "#dc6803", "#6938ef", "#0e9384",
];

const LEFT: f64 = 62.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 30.0;
const LEGEND_ROW: f64 = 17.0;
const BOTTOM: f64 = 52.0;

fn path_d(points: impl Iterator<Item = (f64, f64)>) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.enumerate() {
        d.push_str(&format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { " L" }));
    }
    d
}

/// A step line through `values[i]` over `[i, i + 1)`, with a gap where a
/// value is not a number.
fn step_path(values: &[f64], x: &dyn Fn(f64) -> f64, y: &dyn Fn(f64) -> f64) -> String {
    let mut d = String::new();
    let mut open = false;
    for (i, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            open = false;
            continue;
        }
        let (a, b, yv) = (x(i as f64), x(i as f64 + 1.0), y(v));
        d.push_str(&format!(
            "{}{a:.1},{yv:.1} L{b:.1},{yv:.1} ",
            if open { "L" } else { "M" }
        ));
        open = true;
    }
    d.trim_end().to_string()
}

/// The corner points of a step line: `values[i]` over `[i, i + 1)`.
fn steps(values: &[f64]) -> Vec<(f64, f64)> {
    values
        .iter()
        .enumerate()
        .flat_map(|(i, &v)| [(i as f64, v), (i as f64 + 1.0, v)])
        .collect()
}

/// A point's marker, larger for wider lines so that a narrower series on
/// top leaves the one below visible.
fn marker(kind: &str, x: f64, y: f64, colour: &str, width: f64) -> Markup {
    let r = 2.2 + 0.6 * width;
    match kind {
        "none" => html! {},
        "square" => {
            html! { rect x=(format!("{:.1}", x - r)) y=(format!("{:.1}", y - r)) width=(2.0 * r) height=(2.0 * r) fill=(colour) stroke="#fff" {} }
        }
        "triangle" => {
            html! { path d=(format!("M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z", x, y - r - 1.0, x - r - 0.5, y + r, x + r + 0.5, y + r)) fill=(colour) stroke="#fff" {} }
        }
        "diamond" => {
            html! { path d=(format!("M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z", x, y - r - 1.0, x + r + 1.0, y, x, y + r + 1.0, x - r - 1.0, y)) fill=(colour) stroke="#fff" {} }
        }
        _ => {
            html! { circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r=(r) fill=(colour) stroke="#fff" {} }
        }
    }
}

/// Draws the chart as inline SVG, `width` wide at most and scaling down
/// with the page.
pub fn render(c: &Chart) -> Markup {
    let w = c.width;
    // Legend entries laid out left to right above the plot, in as many
    // rows as they need; each row more makes the chart taller.
    let mut legend = Vec::new();
    let (mut lx, mut ly) = (LEFT, 13.0);
    for s in &c.series {
        let entry = 34.0 + 6.6 * s.label.chars().count() as f64;
        if lx > LEFT && lx + entry > w - RIGHT {
            lx = LEFT;
            ly += LEGEND_ROW;
        }
        legend.push((lx, ly, s));
        lx += entry;
    }
    let top = TOP + (ly - 13.0);
    let h = c.height + (ly - 13.0);
    let span = |a: &Axis| if a.max > a.min { a.max - a.min } else { 1.0 };
    let x = |v: f64| LEFT + (w - LEFT - RIGHT) * (v - c.x.min) / span(&c.x);
    let y = |v: f64| top + (h - top - BOTTOM) * (1.0 - (v - c.y.min) / span(&c.y));
    let (x0, x1, y0, y1) = (LEFT, w - RIGHT, top, h - BOTTOM);
    // Labelled minor ticks (hours) put the major labels (days) on a second row.
    let two_rows = c.x.ticks.iter().any(|t| !t.major && !t.label.is_empty());
    html! {
        svg id=(c.id) class="chart" xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (w) " " (h) }
            width="100%" style={ "max-width:" (w) "px;height:auto" } role="img" {
            title { (c.title) }
            g class="y-axis" {
                @for t in &c.y.ticks {
                    @if t.major {
                        line x1=(x0) x2=(x1) y1=(format!("{:.1}", y(t.at))) y2=(format!("{:.1}", y(t.at))) stroke="#e4e7ec" {}
                    }
                    text x=(x0 - 6.0) y=(format!("{:.1}", y(t.at) + 4.0)) font-size="11" text-anchor="end" fill="#475467" { (t.label) }
                }
                line x1=(x0) x2=(x0) y1=(y0) y2=(y1) stroke="#98a2b3" {}
                text class="axis-title" x="14" y=((y0 + y1) / 2.0) font-size="12" text-anchor="middle" fill="#344054"
                    transform={ "rotate(-90 14 " ((y0 + y1) / 2.0) ")" } { (c.y.title) }
            }
            g class="x-axis" {
                @for t in &c.x.ticks {
                    @if t.major {
                        line x1=(format!("{:.1}", x(t.at))) x2=(format!("{:.1}", x(t.at))) y1=(y0) y2=(y1 + 4.0) stroke="#c0c6d0" {}
                    } @else {
                        line x1=(format!("{:.1}", x(t.at))) x2=(format!("{:.1}", x(t.at))) y1=(y1) y2=(y1 + (if t.label.is_empty() { 3.0 } else { 5.0 })) stroke="#98a2b3" {}
                    }
                    @if !t.label.is_empty() {
                        text x=(format!("{:.1}", x(t.at) + if t.major && two_rows { 2.0 } else { 0.0 })) y=(y1 + if t.major && two_rows { 30.0 } else { 16.0 }) font-size=(if t.major { "11" } else { "10" })
                            font-weight=(if t.major && two_rows { "600" } else { "400" }) text-anchor=(if t.major && two_rows { "start" } else { "middle" })
                            fill="#475467" { (t.label) }
                    }
                }
                line x1=(x0) x2=(x1) y1=(y1) y2=(y1) stroke="#98a2b3" {}
                text class="axis-title" x=((x0 + x1) / 2.0) y=(h - 6.0) font-size="12" text-anchor="middle" fill="#344054" { (c.x.title) }
            }
            g class="plot" {
                @for s in &c.series {
                    @match &s.shape {
                        Shape::StepArea(v) => {
                            @let base = c.y.min.max(0.0);
                            @let pts = std::iter::once((0.0, base)).chain(steps(v)).chain(std::iter::once((v.len() as f64, base)));
                            path class=(s.class) data-series=(s.label) d=(path_d(pts.map(|(a, b)| (x(a), y(b)))) + " Z")
                                fill=(s.colour) fill-opacity="0.35" stroke=(s.colour) stroke-width=(s.width) {}
                        }
                        Shape::Step(v) => {
                            path class=(s.class) data-series=(s.label) d=(step_path(v, &x, &y))
                                fill="none" stroke=(s.colour) stroke-width=(s.width) stroke-dasharray=(s.dash) {}
                        }
                        Shape::StepBand(lo, hi) => {
                            @let upper = steps(hi);
                            @let lower: Vec<(f64, f64)> = steps(lo).into_iter().rev().collect();
                            path class=(s.class) data-series=(s.label) d=(path_d(upper.iter().chain(lower.iter()).map(|&(a, b)| (x(a), y(b)))) + " Z")
                                fill=(s.colour) fill-opacity="0.25" stroke="none" {}
                        }
                        Shape::Line(pts) => {
                            @let d = path_d(pts.iter().map(|&(a, b)| (x(a), y(b))));
                            // A white casing: a line over another of the same colour stays visible.
                            path d=(d) fill="none" stroke="#fff" stroke-width=(s.width + 2.0) stroke-dasharray=(s.dash) stroke-linejoin="round" {}
                            path class=(s.class) data-series=(s.label) d=(d)
                                fill="none" stroke=(s.colour) stroke-width=(s.width) stroke-dasharray=(s.dash) stroke-linejoin="round" {}
                            @for (a, b) in pts { (marker(s.marker, x(*a), y(*b), &s.colour, s.width)) }
                        }
                        Shape::Rule(v) => {
                            line class=(s.class) data-series=(s.label) x1=(x0) x2=(x1) y1=(format!("{:.1}", y(*v))) y2=(format!("{:.1}", y(*v)))
                                stroke=(s.colour) stroke-width=(s.width) stroke-dasharray=(s.dash) {}
                        }
                    }
                }
            }
            g class="legend" {
                @for (lx, ly, s) in &legend {
                    g class="legend-entry" {
                        @match &s.shape {
                            Shape::StepArea(_) | Shape::StepBand(..) => {
                                rect x=(lx) y=(ly - 5.0) width="18" height="10" fill=(s.colour) fill-opacity="0.35" stroke=(s.colour) {}
                            }
                            Shape::Line(_) => {
                                line x1=(lx) x2=(lx + 18.0) y1=(ly) y2=(ly) stroke=(s.colour) stroke-width="2" stroke-dasharray=(s.dash) {}
                                (marker(s.marker, lx + 9.0, *ly, &s.colour, 1.5))
                            }
                            _ => {
                                line x1=(lx) x2=(lx + 18.0) y1=(ly) y2=(ly) stroke=(s.colour) stroke-width="2" stroke-dasharray=(s.dash) {}
                            }
                        }
                        text x=(lx + 23.0) y=(ly + 4.0) font-size="11" fill="#344054" { (s.label) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 17.0, 4), [0.0, 5.0, 10.0, 15.0, 20.0]);
        assert_eq!(nice_ticks(0.0, 1.0, 5), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(
            nice_ticks(0.0, 1538.0, 4),
            [0.0, 500.0, 1000.0, 1500.0, 2000.0]
        );
        assert_eq!(nice_ticks(0.8, 1.4, 4), [0.8, 1.0, 1.2, 1.4]);
        let t = nice_ticks(3.0, 7.3, 4);
        assert!(t[0] <= 3.0 && *t.last().unwrap() >= 7.3, "{t:?}");
    }
}
