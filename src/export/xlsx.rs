//! `roster.xlsx`: the roster as people read and print it (排班表), for
//! `rota export --format xlsx`. Three sheets:
//! - `Rota`: one row per agent, one column per date of the plan; each cell
//!   the shift and its breaks (`09:00–18:00 (meal 12:00–13:00)`) filled in
//!   the colour of the shift's main queue (the first it lists), or `off`;
//!   paid hours and shifts per agent, agents on shift and paid hours per day;
//! - `Coverage`: per interval, each queue's requirement and staff, the
//!   `required_agents` and `staffed_agents` of coverage.csv (the same
//!   evaluation);
//! - `Changes`, for a re-plan or an approved request: what changed from
//!   the version it was made from (the changes of `rota diff`).

use std::collections::BTreeMap;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::error::Result;
use crate::horizon::Horizon;
use crate::replan::Change;
use crate::report::Evaluation;
use crate::roster::model::{Roster, Shift};
use crate::scenario::Scenario;

/// What the workbook shows.
#[derive(Debug, Clone, Copy)]
pub struct XlsxInput<'a> {
    pub scenario: &'a Scenario,
    pub horizon: &'a Horizon,
    pub roster: &'a Roster,
    /// The roster's evaluation (what coverage.csv is written from).
    pub evaluation: &'a Evaluation,
    /// For a re-plan or an approved request: the version it was made from,
    /// and the changes from it.
    pub changes: Option<(i64, &'a [Change])>,
    /// What the sheet's header names the roster by (`version 3`, a file).
    pub title: &'a str,
}

/// The text of a day off in the grid.
pub const OFF: &str = "off";

/// Fill colours of the queues, in scenario order (repeated past the last).
const PALETTE: [u32; 8] = [
    0xC6E0B4, 0xBDD7EE, 0xFFE699, 0xF8CBAD, 0xD9D2E9, 0xB4E5E5, 0xE2EFDA, 0xFCE4D6,
];

/// `HH:MM`, with `(+1)` when `t` falls on a later date than `day`.
fn clock(t: &chrono::DateTime<chrono_tz::Tz>, day: chrono::NaiveDate) -> String {
    let days = (t.date_naive() - day).num_days();
    if days > 0 {
        format!("{} (+{days})", t.format("%H:%M"))
    } else {
        t.format("%H:%M").to_string()
    }
}

/// A shift as the grid shows it: `09:00–18:00 (meal 12:00–13:00)`, breaks
/// in time order separated by `, `; an end on the next day gets `(+1)`.
pub fn shift_text(s: &Shift) -> String {
    let day = s.start.date_naive();
    let mut text = format!("{}–{}", clock(&s.start, day), clock(&s.end, day));
    let mut breaks = s.breaks.clone();
    breaks.sort_by_key(|b| b.start);
    if !breaks.is_empty() {
        let b: Vec<String> = breaks
            .iter()
            .map(|b| format!("{} {}–{}", b.kind, clock(&b.start, day), clock(&b.end, day)))
            .collect();
        text.push_str(&format!(" ({})", b.join(", ")));
    }
    text
}

/// Hours rounded to hundredths, as roster.csv writes them.
fn hours(h: f64) -> f64 {
    (h * 100.0).round() / 100.0
}

/// The workbook's bytes.
pub fn roster_xlsx(x: &XlsxInput) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    grid(wb.add_worksheet(), x)?;
    coverage(wb.add_worksheet(), x)?;
    if let Some((base, changes)) = x.changes {
        changes_sheet(wb.add_worksheet(), base, changes)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn header() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xD9D9D9))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
}

fn printable(ws: &mut Worksheet, title: &str) -> std::result::Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    ws.set_header(format!("&L{}&R&P / &N", title.replace('&', "&&")));
    Ok(())
}

/// The agents of the grid: the scenario's, in its order, then any the
/// roster names that the scenario does not.
fn agents(x: &XlsxInput) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = x
        .scenario
        .agents
        .iter()
        .map(|a| (a.id.clone(), a.name.clone()))
        .collect();
    for s in &x.roster.shifts {
        if !out.iter().any(|(id, _)| *id == s.agent_id) {
            out.push((s.agent_id.clone(), s.agent_name.clone()));
        }
    }
    out
}

fn grid(ws: &mut Worksheet, x: &XlsxInput) -> std::result::Result<(), XlsxError> {
    ws.set_name("Rota")?;
    let sc = x.scenario;
    let dates: Vec<chrono::NaiveDate> = (0..sc.planning.days)
        .map(|d| sc.planning.week_start + chrono::Days::new(d as u64))
        .collect();
    let head = header();
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let off = cell
        .clone()
        .set_background_color(Color::RGB(0xEDEDED))
        .set_font_color(Color::RGB(0x808080))
        .set_align(FormatAlign::Center);
    let queue_fill: BTreeMap<&str, Format> = sc
        .queues
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let c = PALETTE[i % PALETTE.len()];
            (
                q.id.as_str(),
                cell.clone().set_background_color(Color::RGB(c)),
            )
        })
        .collect();
    let number = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.00");
    let total = number.clone().set_bold();

    let n = dates.len() as u16;
    ws.write_string_with_format(0, 0, "agent_id", &head)?;
    ws.write_string_with_format(0, 1, "agent_name", &head)?;
    for (i, d) in dates.iter().enumerate() {
        let label = format!("{} {}", d.format("%Y-%m-%d"), d.format("%a"));
        ws.write_string_with_format(0, 2 + i as u16, &label, &head)?;
        ws.set_column_width(2 + i as u16, 24)?;
    }
    ws.write_string_with_format(0, 2 + n, "paid_hours", &head)?;
    ws.write_string_with_format(0, 3 + n, "shifts", &head)?;
    ws.set_column_width(0, 10)?;
    ws.set_column_width(1, 16)?;
    ws.set_column_width(2 + n, 11)?;
    ws.set_column_width(3 + n, 8)?;

    let mut by_day: BTreeMap<(&str, chrono::NaiveDate), Vec<&Shift>> = BTreeMap::new();
    for s in &x.roster.shifts {
        by_day.entry((&s.agent_id, s.date)).or_default().push(s);
    }
    let agents = agents(x);
    let mut day_agents = vec![0u32; dates.len()];
    let mut day_hours = vec![0f64; dates.len()];
    for (r, (id, name)) in agents.iter().enumerate() {
        let row = 1 + r as u32;
        ws.write_string_with_format(row, 0, id, &cell)?;
        ws.write_string_with_format(row, 1, name, &cell)?;
        let (mut paid, mut count) = (0.0, 0u32);
        for (i, d) in dates.iter().enumerate() {
            let col = 2 + i as u16;
            match by_day.get(&(id.as_str(), *d)) {
                None => {
                    ws.write_string_with_format(row, col, OFF, &off)?;
                }
                Some(shifts) => {
                    let text: Vec<String> = shifts.iter().map(|s| shift_text(s)).collect();
                    let main = shifts[0].skills.first().map(String::as_str);
                    let fmt = main.and_then(|q| queue_fill.get(q)).unwrap_or(&cell);
                    ws.write_string_with_format(row, col, text.join("\n"), fmt)?;
                    let h: f64 = shifts.iter().map(|s| s.paid_hours).sum();
                    paid += h;
                    count += shifts.len() as u32;
                    day_agents[i] += 1;
                    day_hours[i] += h;
                }
            }
        }
        ws.write_number_with_format(row, 2 + n, hours(paid), &number)?;
        ws.write_number_with_format(row, 3 + n, count, &number.clone().set_num_format("0"))?;
    }
    let r = 1 + agents.len() as u32;
    ws.write_string_with_format(r, 0, "agents on shift", &head)?;
    ws.write_string_with_format(r, 1, "", &head)?;
    ws.write_string_with_format(r + 1, 0, "paid hours", &head)?;
    ws.write_string_with_format(r + 1, 1, "", &head)?;
    for i in 0..dates.len() {
        let col = 2 + i as u16;
        ws.write_number_with_format(r, col, day_agents[i], &total.clone().set_num_format("0"))?;
        ws.write_number_with_format(r + 1, col, hours(day_hours[i]), &total)?;
    }
    ws.write_number_with_format(r + 1, 2 + n, hours(day_hours.iter().sum()), &total)?;
    // The legend: each queue in its colour.
    ws.write_string(r + 3, 0, "queues")?;
    for (i, q) in sc.queues.iter().enumerate() {
        ws.write_string_with_format(r + 3, 1 + i as u16, &q.id, &queue_fill[q.id.as_str()])?;
    }
    ws.set_freeze_panes(1, 2)?;
    printable(ws, x.title)
}

fn coverage(ws: &mut Worksheet, x: &XlsxInput) -> std::result::Result<(), XlsxError> {
    ws.set_name("Coverage")?;
    let head = header();
    let number = Format::new().set_num_format("0.000");
    ws.write_string_with_format(0, 0, "date", &head)?;
    ws.write_string_with_format(0, 1, "local_time", &head)?;
    ws.set_column_width(0, 11)?;
    for (q, queue) in x.scenario.queues.iter().enumerate() {
        let col = 2 + 2 * q as u16;
        ws.write_string_with_format(0, col, format!("{} required", queue.id), &head)?;
        ws.write_string_with_format(0, col + 1, format!("{} staffed", queue.id), &head)?;
        ws.set_column_width(col, 16)?;
        ws.set_column_width(col + 1, 16)?;
    }
    for (t, iv) in x.horizon.intervals.iter().enumerate() {
        let row = 1 + t as u32;
        ws.write_string(row, 0, iv.date.to_string())?;
        ws.write_string(row, 1, iv.start.format("%H:%M").to_string())?;
        for q in 0..x.scenario.queues.len() {
            let k = &x.evaluation.intervals[q][t];
            let col = 2 + 2 * q as u16;
            ws.write_number(row, col, k.required as f64)?;
            // Rounded as coverage.csv writes it.
            let staffed = (k.staffed * 1000.0).round() / 1000.0;
            ws.write_number_with_format(row, col + 1, staffed, &number)?;
        }
    }
    ws.set_freeze_panes(1, 2)?;
    printable(ws, x.title)
}

fn changes_sheet(
    ws: &mut Worksheet,
    base: i64,
    changes: &[Change],
) -> std::result::Result<(), XlsxError> {
    ws.set_name("Changes")?;
    let head = header();
    let columns = [
        "agent_id",
        "agent_name",
        "date",
        "change",
        "before",
        "after",
    ];
    let widths = [10, 16, 11, 10, 34, 34];
    for (c, (h, w)) in columns.iter().zip(widths).enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
        ws.set_column_width(c as u16, w)?;
    }
    let show = |s: &Option<Shift>| s.as_ref().map(shift_text).unwrap_or_else(|| OFF.into());
    for (i, c) in changes.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, &c.agent_id)?;
        ws.write_string(row, 1, &c.agent_name)?;
        ws.write_string(row, 2, c.date.to_string())?;
        ws.write_string(row, 3, c.kind.name())?;
        ws.write_string(row, 4, show(&c.before))?;
        ws.write_string(row, 5, show(&c.after))?;
    }
    ws.set_freeze_panes(1, 0)?;
    printable(ws, &format!("changes from version {base}"))
}
