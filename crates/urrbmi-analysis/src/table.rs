//! Plain-text tables for terminals: columns padded by display width, so that Chinese names
//! (two columns per character) line up with ASCII ones.
//!
//! One layout serves every table of the crate ([`Summary::report`](crate::Summary::report),
//! [`PolicyDiff::table`](crate::PolicyDiff::table)): a heading row, then one row per item;
//! cells are separated by two spaces and padded to the widest cell of their column, left- or
//! right-aligned; a left-aligned last column is not padded, so lines carry no padding at their
//! end.
//!
//! ```
//! use urrbmi_analysis::table::{Align, Table};
//!
//! let mut table = Table::new([("township", Align::Left), ("enrolled", Align::Right)]);
//! table.row(["沙头镇", "1,204"]);
//! table.row(["Changchun", "87"]);
//! assert_eq!(
//!     table.to_string(),
//!     "township   enrolled\n\
//!      沙头镇        1,204\n\
//!      Changchun        87\n"
//! );
//! ```

use std::fmt;

use unicode_width::UnicodeWidthStr;

/// The number of terminal columns `text` takes (CJK characters take two).
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` followed by spaces up to `columns` terminal columns.
pub fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(width(text))))
}

/// Spaces up to `columns` terminal columns, then `text`.
pub fn pad_left(text: &str, columns: usize) -> String {
    format!("{}{text}", " ".repeat(columns.saturating_sub(width(text))))
}

/// How the cells of a column line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text: padded on the right.
    Left,
    /// Numbers: padded on the left.
    Right,
}

/// A table being built: see the [module docs](self).
#[derive(Debug, Clone, Default)]
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these headings and alignments.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = (S, Align)>) -> Self {
        Table {
            columns: columns.into_iter().map(|(h, a)| (h.into(), a)).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row. Missing cells are blank; cells beyond the headings are left out.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        let mut row: Vec<String> = cells
            .into_iter()
            .take(self.columns.len())
            .map(Into::into)
            .collect();
        row.resize(self.columns.len(), String::new());
        self.rows.push(row);
        self
    }

    /// The number of rows (the heading row not counted).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Renders the table into `out`: the heading row, then the rows, each line ending in `\n`.
    pub fn render(&self, out: &mut String) {
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (heading, _))| {
                self.rows
                    .iter()
                    .filter_map(|row| row.get(i).map(|cell| width(cell)))
                    .chain(std::iter::once(width(heading)))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let last = self.columns.len().saturating_sub(1);
        let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
            for (i, ((cell, (_, align)), w)) in cells.zip(&self.columns).zip(&widths).enumerate() {
                if i > 0 {
                    out.push_str("  ");
                }
                match align {
                    Align::Left if i == last => out.push_str(cell),
                    Align::Left => out.push_str(&pad(cell, *w)),
                    Align::Right => out.push_str(&pad_left(cell, *w)),
                }
            }
            out.push('\n');
        };
        line(out, &mut self.columns.iter().map(|(h, _)| h.as_str()));
        for row in &self.rows {
            line(out, &mut row.iter().map(String::as_str));
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.render(&mut out);
        f.write_str(&out)
    }
}
