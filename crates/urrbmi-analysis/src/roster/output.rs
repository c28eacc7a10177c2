//! The roster back with its results: every row as it came (all its cells, in their order)
//! with result columns appended, as a workbook (`.xlsx`, written with `rust_xlsxwriter` in its
//! constant-memory mode) or as CSV with a UTF-8 byte-order mark (so that Excel opens it as
//! UTF-8); and the problems of a roster counted by kind, column and group.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use urrbmi::{Assessment, EvalError, Funder};

use super::read::{RosterChunk, RowOutcome};
use super::source::RosterRow;
use super::{RowError, RowProblem};

/// The language of the result columns' headings and of the status words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeadingLanguage {
    /// 参保状态, 应缴金额, 财政资助, 医疗救助, 优抚资金, 待遇起始日, 决定条款, 错误.
    #[default]
    Chinese,
    /// status, owed, fiscal, medical_assistance, entitled_group_fund, benefit_start,
    /// deciding_rule, error.
    English,
}

/// The file format of the roster written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// An Excel workbook.
    Xlsx,
    /// CSV, UTF-8 with a byte-order mark.
    Csv,
}

impl OutputFormat {
    /// `.xlsx` for a path ending so (any case), CSV otherwise.
    pub fn for_path(path: &Path) -> OutputFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("xlsx") => OutputFormat::Xlsx,
            _ => OutputFormat::Csv,
        }
    }
}

/// The result columns appended to each row, in order, in `language`.
pub fn result_headings(language: HeadingLanguage) -> Vec<&'static str> {
    let zh = language == HeadingLanguage::Chinese;
    let mut headings = vec![
        if zh { "参保状态" } else { "status" },
        if zh { "应缴金额" } else { "owed" },
    ];
    for funder in Funder::ALL {
        headings.push(funder_heading(&funder, zh));
    }
    headings.extend(if zh {
        ["待遇起始日", "决定条款", "错误"]
    } else {
        ["benefit_start", "deciding_rule", "error"]
    });
    headings
}

/// The heading of a built-in funder's column ([`Funder::ALL`] holds the built-in ones only).
fn funder_heading(funder: &Funder, zh: bool) -> &'static str {
    match (funder, zh) {
        (Funder::Fiscal, true) => "财政资助",
        (Funder::Fiscal, false) => "fiscal",
        (Funder::MedicalAssistance, true) => "医疗救助",
        (Funder::MedicalAssistance, false) => "medical_assistance",
        (Funder::EntitledGroupFund, true) => "优抚资金",
        (Funder::EntitledGroupFund, false) => "entitled_group_fund",
        (_, true) => "其他资助",
        (_, false) => "other_funder",
    }
}

/// What to write after a row's cells.
#[derive(Debug, Clone, Copy)]
pub enum RowResult<'a, 'p> {
    /// The resident's assessment.
    Assessed(&'a Assessment<'p>),
    /// The row could not be read or evaluated.
    Problem(&'a RowError),
}

enum Sink {
    Csv(Box<csv::Writer<Box<dyn Write + Send>>>),
    Xlsx {
        book: Box<rust_xlsxwriter::Workbook>,
        path: PathBuf,
        row: u32,
    },
}

/// Writes a roster back with its results: every row as it came (all its cells, in their order)
/// with the result columns ([`result_headings`]) appended, as a workbook (`.xlsx`, written with
/// `rust_xlsxwriter` in its constant-memory mode, amounts as numbers) or as CSV with a UTF-8
/// byte-order mark (so that Excel opens it as UTF-8).
pub struct AnnotatedWriter {
    sink: Sink,
    language: HeadingLanguage,
    width: usize,
    cells: Vec<String>,
}

impl std::fmt::Debug for AnnotatedWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnnotatedWriter")
            .field("language", &self.language)
            .field("width", &self.width)
            .finish_non_exhaustive()
    }
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> io::Error {
    io::Error::other(e.to_string())
}

impl AnnotatedWriter {
    /// Creates `path` (a workbook if it ends in `.xlsx`, else CSV) and writes the heading row:
    /// the roster's `headings`, then the result headings.
    pub fn create(
        path: &Path,
        headings: &[String],
        language: HeadingLanguage,
    ) -> io::Result<AnnotatedWriter> {
        match OutputFormat::for_path(path) {
            OutputFormat::Csv => {
                let file = std::fs::File::create(path)?;
                AnnotatedWriter::csv(io::BufWriter::new(file), headings, language)
            }
            OutputFormat::Xlsx => {
                let mut book = Box::new(rust_xlsxwriter::Workbook::new());
                book.add_worksheet_with_constant_memory()
                    .map_err(xlsx_error)?;
                let mut writer = AnnotatedWriter {
                    sink: Sink::Xlsx {
                        book,
                        path: path.to_path_buf(),
                        row: 0,
                    },
                    language,
                    width: headings.len(),
                    cells: Vec::new(),
                };
                writer.heading_row(headings)?;
                Ok(writer)
            }
        }
    }

    /// Writes CSV (UTF-8 with a byte-order mark) to `writer`, starting with the heading row.
    pub fn csv<W: Write + Send + 'static>(
        mut writer: W,
        headings: &[String],
        language: HeadingLanguage,
    ) -> io::Result<AnnotatedWriter> {
        writer.write_all("\u{feff}".as_bytes())?;
        let mut this = AnnotatedWriter {
            sink: Sink::Csv(Box::new(csv::Writer::from_writer(Box::new(writer)))),
            language,
            width: headings.len(),
            cells: Vec::new(),
        };
        this.heading_row(headings)?;
        Ok(this)
    }

    fn heading_row(&mut self, headings: &[String]) -> io::Result<()> {
        self.cells.clear();
        self.cells.extend(headings.iter().cloned());
        self.cells.extend(
            result_headings(self.language)
                .into_iter()
                .map(str::to_string),
        );
        self.flush_cells(None)
    }

    /// Writes one row: its cells as they came (padded or cut to the heading row's width), then
    /// its result.
    pub fn write_row(&mut self, row: &RosterRow, result: RowResult<'_, '_>) -> io::Result<()> {
        let zh = self.language == HeadingLanguage::Chinese;
        self.cells.clear();
        for i in 0..self.width.max(row.len()) {
            let cell = row.get(i).unwrap_or_default();
            if i < self.width || !cell.trim().is_empty() {
                self.cells.push(cell.to_string());
            }
        }
        self.cells
            .resize(self.width.max(self.cells.len()), String::new());
        let mut money = Vec::new();
        match result {
            RowResult::Assessed(a) => {
                self.cells.push(
                    match (a.is_enrolled(), zh) {
                        (true, true) => "参保",
                        (true, false) => "enrolled",
                        (false, true) => "不予参保",
                        (false, false) => "refused",
                    }
                    .to_string(),
                );
                money.push((self.cells.len(), a.owed));
                self.cells.push(crate::money::canonical(a.owed).to_string());
                for funder in Funder::ALL {
                    let amount = a.subsidies.get(funder);
                    money.push((self.cells.len(), amount));
                    self.cells.push(crate::money::canonical(amount).to_string());
                }
                self.cells.push(
                    a.benefit_start
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                );
                let decided = match &a.refusal {
                    Some(refusal) => format!("{}: {}", refusal.code.id(), refusal.message),
                    None => a
                        .trace
                        .iter()
                        .find(|s| s.decides)
                        .map(|s| format!("{} ({})", s.rule, s.citation))
                        .unwrap_or_default(),
                };
                self.cells.push(decided);
                self.cells.push(String::new());
            }
            RowResult::Problem(error) => {
                self.cells
                    .push(if zh { "错误" } else { "error" }.to_string());
                for _ in 0..Funder::ALL.len() + 3 {
                    self.cells.push(String::new());
                }
                self.cells.push(error.to_string());
            }
        }
        self.flush_cells(Some(&money))
    }

    /// Writes the rows of `chunk` in file order: each read resident with its result from
    /// `results` (one per resident, in order), each unread row with its error. `evaluation`
    /// turns an evaluation error into the row's error (see
    /// [`RosterReader::evaluation_error`](super::RosterReader::evaluation_error)).
    pub fn write_chunk(
        &mut self,
        chunk: &RosterChunk,
        results: &[Result<Assessment<'_>, EvalError>],
        evaluation: impl Fn(u64, &EvalError) -> RowError,
    ) -> io::Result<()> {
        for (row, outcome) in chunk.rows.iter().zip(&chunk.outcomes) {
            match *outcome {
                RowOutcome::Resident(i) => match results.get(i) {
                    Some(Ok(a)) => self.write_row(row, RowResult::Assessed(a))?,
                    Some(Err(e)) => {
                        let error = evaluation(row.line(), e);
                        self.write_row(row, RowResult::Problem(&error))?;
                    }
                    None => {
                        return Err(io::Error::other(format!(
                            "no result for the resident of line {}",
                            row.line()
                        )));
                    }
                },
                RowOutcome::Error(i) => {
                    if let Some(error) = chunk.errors.get(i) {
                        self.write_row(row, RowResult::Problem(error))?;
                    }
                }
            }
        }
        Ok(())
    }

    fn flush_cells(&mut self, money: Option<&[(usize, Decimal)]>) -> io::Result<()> {
        match &mut self.sink {
            Sink::Csv(csv) => csv.write_record(&self.cells).map_err(io::Error::other),
            Sink::Xlsx { book, row, .. } => {
                if *row >= 1_048_576 {
                    return Err(io::Error::other(
                        "an .xlsx sheet holds at most 1,048,576 rows; write CSV instead",
                    ));
                }
                let sheet = book.worksheet_from_index(0).map_err(xlsx_error)?;
                for (col, text) in self.cells.iter().enumerate() {
                    let col = u16::try_from(col).map_err(io::Error::other)?;
                    let number = money
                        .and_then(|m| m.iter().find(|(at, _)| usize::from(col) == *at))
                        .and_then(|(_, d)| d.to_f64());
                    match number {
                        Some(n) => sheet.write_number(*row, col, n).map_err(xlsx_error)?,
                        None if text.is_empty() => sheet,
                        None => sheet.write_string(*row, col, text).map_err(xlsx_error)?,
                    };
                }
                *row += 1;
                Ok(())
            }
        }
    }

    /// Finishes the file (a workbook is assembled and saved here).
    pub fn finish(self) -> io::Result<()> {
        match self.sink {
            Sink::Csv(mut csv) => csv.flush(),
            Sink::Xlsx { mut book, path, .. } => book.save(&path).map_err(xlsx_error),
        }
    }
}

/// The problems of a roster counted by kind ([`RowProblem::kind`]), by column and by group
/// (township): where a county office starts fixing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    /// Problems in all.
    pub total: u64,
    /// By kind of problem.
    pub by_kind: BTreeMap<&'static str, u64>,
    /// By column, as headed in the file (`-` for the whole row).
    pub by_column: BTreeMap<String, u64>,
    /// By group, when the roster is grouped (`(unknown)` when the row's group could not be
    /// read).
    pub by_group: BTreeMap<String, u64>,
}

impl Problems {
    /// Counts one problem, in `group` if the roster is grouped.
    pub fn add(&mut self, error: &RowError, group: Option<&str>) {
        self.total += 1;
        *self.by_kind.entry(error.problem.kind()).or_default() += 1;
        match self.by_column.get_mut(error.column.as_str()) {
            Some(n) => *n += 1,
            None => {
                self.by_column.insert(error.column.clone(), 1);
            }
        }
        if let Some(group) = group {
            match self.by_group.get_mut(group) {
                Some(n) => *n += 1,
                None => {
                    self.by_group.insert(group.to_string(), 1);
                }
            }
        }
    }

    /// A few lines: each breakdown, largest first.
    pub fn report(&self) -> String {
        fn line<K: std::fmt::Display>(label: &str, map: &BTreeMap<K, u64>) -> String {
            let mut items: Vec<(&K, &u64)> = map.iter().collect();
            items.sort_by(|a, b| b.1.cmp(a.1));
            let shown: Vec<String> = items
                .iter()
                .take(12)
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            let more = if items.len() > 12 {
                format!(", and {} more", items.len() - 12)
            } else {
                String::new()
            };
            format!("  {label:<10} {}{more}\n", shown.join(", "))
        }
        let mut out = String::new();
        out.push_str(&line("by kind", &self.by_kind));
        out.push_str(&line("by column", &self.by_column));
        if !self.by_group.is_empty() {
            out.push_str(&line("by group", &self.by_group));
        }
        out
    }
}

/// Whether a row problem is one of reading (the row never became a resident) rather than of
/// evaluation.
pub fn is_read_problem(problem: &RowProblem) -> bool {
    !matches!(problem, RowProblem::Evaluation(_))
}
