//! The roster back with its results: every row as it came (all its cells, in their order)
//! with result columns appended, as a workbook (`.xlsx`, written with `rust_xlsxwriter` in its
//! constant-memory mode, zip level 2) or as CSV with a UTF-8 byte-order mark (so that Excel opens it as
//! UTF-8); and the problems of a roster counted by kind, column and group.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use urrbmi::{Assessment, EvalError, Funder, LocalId, Policy};

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

/// The result columns appended to each row, in order, in `language`, for a policy that
/// declares no funder of its own (see [`result_headings_for`]).
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

/// The result columns [`AnnotatedWriter`] appends for `policy`, in order, in `language`: those
/// of [`result_headings`], with a column for each funder the policy declares (`[[funder]]`,
/// headed by its Chinese `name`, or by its id in English) after the built-in funders', in the
/// order of declaration. The residents' share and every funder's column add up to what was
/// charged.
pub fn result_headings_for(language: HeadingLanguage, policy: &Policy) -> Vec<String> {
    let zh = language == HeadingLanguage::Chinese;
    let mut headings: Vec<String> = result_headings(language)
        .into_iter()
        .map(str::to_string)
        .collect();
    let after_builtin = 2 + Funder::ALL.len();
    let locals = local_funders(policy).map(|(_, declared)| {
        if zh {
            declared.name.clone()
        } else {
            declared.id.clone()
        }
    });
    headings.splice(after_builtin..after_builtin, locals);
    headings
}

/// The funders `policy` declares, in the order of declaration, with their declarations (a
/// declaration whose id is not a valid local id, which loading refuses, is left out).
fn local_funders(
    policy: &Policy,
) -> impl Iterator<Item = (Funder, &urrbmi::policy::schema::LocalName)> + '_ {
    policy
        .spec()
        .funders
        .iter()
        .filter_map(|declared| Some((Funder::Local(LocalId::new(&declared.id)?), declared)))
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

/// One row being written: its cells' text end to end, where each cell ends, and the cells
/// that are amounts (written to a workbook as numbers).
#[derive(Default)]
struct Cells {
    text: String,
    ends: Vec<usize>,
    numbers: Vec<(usize, f64)>,
}

impl Cells {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.numbers.clear();
    }

    fn push(&mut self, cell: &str) {
        self.text.push_str(cell);
        self.end();
    }

    fn end(&mut self) {
        self.ends.push(self.text.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn amount(&mut self, amount: Decimal) {
        use std::fmt::Write as _;
        if let Some(n) = amount.to_f64() {
            self.numbers.push((self.len(), n));
        }
        let _ = write!(self.text, "{}", crate::money::canonical(amount));
        self.end();
    }

    fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let cell = self.text.get(start..end).unwrap_or_default();
            start = end;
            cell
        })
    }
}

/// Writes a roster back with its results: every row as it came (all its cells, in their order)
/// with the result columns ([`result_headings_for`]: a column for each funder the policy
/// declares too) appended, as a workbook (`.xlsx`, written with `rust_xlsxwriter` in its
/// constant-memory mode, amounts as numbers) or as CSV with a UTF-8 byte-order mark (so that
/// Excel opens it as UTF-8).
pub struct AnnotatedWriter {
    sink: Sink,
    language: HeadingLanguage,
    width: usize,
    /// The funders with a column, in order: the built-in ones, then the policy's own.
    funders: Vec<Funder>,
    result_headings: Vec<String>,
    cells: Cells,
}

impl std::fmt::Debug for AnnotatedWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnnotatedWriter")
            .field("language", &self.language)
            .field("width", &self.width)
            .field("funders", &self.funders)
            .finish_non_exhaustive()
    }
}

/// The zip compression level of a workbook written back (1 fastest to 9; `rust_xlsxwriter`'s
/// default is 6). Saving compresses the whole sheet on one thread after the last row, and at
/// level 6 that was a quarter of writing a 1,000,000-row roster back (docs/performance.md);
/// level 1 trades a larger file for it.
const XLSX_COMPRESSION: u8 = 2;

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> io::Error {
    io::Error::other(e.to_string())
}

impl AnnotatedWriter {
    /// Creates `path` (a workbook if it ends in `.xlsx`, else CSV) and writes the heading row:
    /// the roster's `headings`, then the result headings for `policy`
    /// ([`result_headings_for`]).
    pub fn create(
        path: &Path,
        headings: &[String],
        language: HeadingLanguage,
        policy: &Policy,
    ) -> io::Result<AnnotatedWriter> {
        match OutputFormat::for_path(path) {
            OutputFormat::Csv => {
                let file = std::fs::File::create(path)?;
                AnnotatedWriter::csv(io::BufWriter::new(file), headings, language, policy)
            }
            OutputFormat::Xlsx => {
                let mut book = Box::new(rust_xlsxwriter::Workbook::new());
                book.set_zip_compression_level(XLSX_COMPRESSION);
                book.add_worksheet_with_constant_memory()
                    .map_err(xlsx_error)?;
                let sink = Sink::Xlsx {
                    book,
                    path: path.to_path_buf(),
                    row: 0,
                };
                AnnotatedWriter::start(sink, headings, language, policy)
            }
        }
    }

    /// Writes CSV (UTF-8 with a byte-order mark) to `writer`, starting with the heading row
    /// (the result headings for `policy`, [`result_headings_for`]).
    pub fn csv<W: Write + Send + 'static>(
        mut writer: W,
        headings: &[String],
        language: HeadingLanguage,
        policy: &Policy,
    ) -> io::Result<AnnotatedWriter> {
        writer.write_all("\u{feff}".as_bytes())?;
        let sink = Sink::Csv(Box::new(csv::Writer::from_writer(Box::new(writer))));
        AnnotatedWriter::start(sink, headings, language, policy)
    }

    fn start(
        sink: Sink,
        headings: &[String],
        language: HeadingLanguage,
        policy: &Policy,
    ) -> io::Result<AnnotatedWriter> {
        let mut funders = Funder::ALL.to_vec();
        funders.extend(local_funders(policy).map(|(funder, _)| funder));
        let mut writer = AnnotatedWriter {
            sink,
            language,
            width: headings.len(),
            funders,
            result_headings: result_headings_for(language, policy),
            cells: Cells::default(),
        };
        writer.cells.clear();
        for heading in headings.iter().chain(&writer.result_headings) {
            writer.cells.push(heading);
        }
        writer.flush_cells()?;
        Ok(writer)
    }

    /// Writes one row: its cells as they came (padded or cut to the heading row's width), then
    /// its result.
    pub fn write_row(&mut self, row: &RosterRow, result: RowResult<'_, '_>) -> io::Result<()> {
        let zh = self.language == HeadingLanguage::Chinese;
        let cells = &mut self.cells;
        cells.clear();
        for (i, cell) in row.cells().enumerate() {
            if i < self.width || !cell.trim().is_empty() {
                cells.push(cell);
            }
        }
        while cells.len() < self.width {
            cells.end();
        }
        match result {
            RowResult::Assessed(a) => {
                cells.push(match (a.is_enrolled(), zh) {
                    (true, true) => "参保",
                    (true, false) => "enrolled",
                    (false, true) => "不予参保",
                    (false, false) => "refused",
                });
                cells.amount(a.owed);
                for funder in &self.funders {
                    cells.amount(a.subsidies.get(*funder));
                }
                if let Some(d) = a.benefit_start {
                    use chrono::Datelike;
                    use std::fmt::Write as _;
                    let _ = write!(
                        cells.text,
                        "{:04}-{:02}-{:02}",
                        d.year(),
                        d.month(),
                        d.day()
                    );
                }
                cells.end();
                {
                    use std::fmt::Write as _;
                    match &a.refusal {
                        Some(refusal) => {
                            let _ =
                                write!(cells.text, "{}: {}", refusal.code.id(), refusal.message);
                        }
                        None => {
                            if let Some(s) = a.trace.iter().find(|s| s.decides) {
                                let _ = write!(cells.text, "{} ({})", s.rule, s.citation);
                            }
                        }
                    }
                }
                cells.end();
                cells.end();
            }
            RowResult::Problem(error) => {
                use std::fmt::Write as _;
                cells.push(if zh { "错误" } else { "error" });
                for _ in 0..self.funders.len() + 3 {
                    cells.end();
                }
                let _ = write!(cells.text, "{error}");
                cells.end();
            }
        }
        self.flush_cells()
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

    fn flush_cells(&mut self) -> io::Result<()> {
        let cells = &self.cells;
        match &mut self.sink {
            Sink::Csv(csv) => csv.write_record(cells.iter()).map_err(io::Error::other),
            Sink::Xlsx { book, row, .. } => {
                if *row >= 1_048_576 {
                    return Err(io::Error::other(
                        "an .xlsx sheet holds at most 1,048,576 rows; write CSV instead",
                    ));
                }
                let sheet = book.worksheet_from_index(0).map_err(xlsx_error)?;
                let mut numbers = cells.numbers.iter().peekable();
                for (col, text) in cells.iter().enumerate() {
                    let number = numbers.next_if(|(at, _)| *at == col).map(|(_, n)| *n);
                    let col = u16::try_from(col).map_err(io::Error::other)?;
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
