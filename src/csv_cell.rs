//! CSV cells and bytes, below both the reader and the writers of rota's
//! CSV files: the roster reader (`roster::read`) restores the text the
//! exporters (`export`) neutralised for spreadsheets, with the same rule.

use crate::error::{Error, Result};

/// A text cell of a CSV file made safe for spreadsheets (OWASP's advice on
/// CSV injection): a cell that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be taken for a formula, so it gets a leading `'`;
/// so does a cell that starts with `'` followed by such a cell, so that
/// [`spreadsheet_text`] restores every text exactly.
pub fn spreadsheet_safe(text: &str) -> String {
    if needs_quote(text) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The text of a cell written by [`spreadsheet_safe`].
pub fn spreadsheet_text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

fn needs_quote(text: &str) -> bool {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => true,
        Some('\'') => needs_quote(&text[1..]),
        _ => false,
    }
}

/// A CSV writer into memory.
pub(crate) fn csv_bytes<F>(fill: F) -> Result<Vec<u8>>
where
    F: FnOnce(&mut csv::Writer<Vec<u8>>) -> std::result::Result<(), csv::Error>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    fill(&mut w).map_err(|e| Error::Solver(format!("csv: {e}")))?;
    w.into_inner()
        .map_err(|e| Error::Solver(format!("csv: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_cells_are_neutralised_and_restored() {
        for (text, cell) in [
            ("=1+1", "'=1+1"),
            ("+86 571", "'+86 571"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("''-x", "'''-x"),
            ("'Tis", "'Tis"),
            ("O'Brien", "O'Brien"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(text), cell, "{text:?}");
            assert_eq!(spreadsheet_text(cell), text, "{cell:?}");
        }
    }
}
