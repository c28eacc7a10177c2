//! What can go wrong: a roster that cannot be read at all ([`RosterError`]) and a row that
//! cannot be read or evaluated ([`RowError`], with its [`RowProblem`]).

use std::path::PathBuf;

use chrono::NaiveDate;

use urrbmi::EvalError;

use super::headings::{Columns, Field};
use crate::idcard::IdNumberError;

/// A roster that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    /// The file could not be opened or read.
    #[error("cannot read roster {}: {reason}", path.as_ref().map_or_else(|| "<input>".to_string(), |p| p.display().to_string()))]
    Io {
        /// The file, when reading one.
        path: Option<PathBuf>,
        /// The operating system's reason.
        reason: String,
    },
    /// The heading row is missing or not text.
    #[error("the roster has no heading row: {reason}")]
    Headings {
        /// What is wrong.
        reason: String,
    },
    /// A required column is missing.
    #[error(
        "the roster has no `{field}` column; accepted headings: {}; the headings found are: {}",
        accepted.join(", "),
        found.join(", ")
    )]
    MissingColumn {
        /// The field missing (its English heading, or `birth_date or id_number`).
        field: String,
        /// The headings that would be accepted.
        accepted: Vec<String>,
        /// The headings of the file.
        found: Vec<String>,
    },
    /// Two columns hold the same field.
    #[error("the columns `{first}` and `{second}` both hold `{field}`; keep one")]
    DuplicateColumn {
        /// The field.
        field: String,
        /// The first heading.
        first: String,
        /// The second heading.
        second: String,
    },
    /// Headings that resemble ones the reader reads but are neither mapped nor ignored: their
    /// columns would be lost without a word.
    #[error(
        "{} not read: {}",
        if near.len() == 1 { "a column is" } else { "columns are" },
        near.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    UnreadHeadings {
        /// Each such heading, with the field it may be meant for.
        near: Vec<super::headings::NearMiss>,
    },
    /// A heading to map or ignore is not in the file.
    #[error("--{option} `{heading}`: the roster has no such heading; the headings found are: {}", found.join(", "))]
    NoSuchHeading {
        /// The heading given.
        heading: String,
        /// `map` or `ignore`.
        option: &'static str,
        /// The headings of the file.
        found: Vec<String>,
    },
    /// A field name (in a mapping) that is not one of the fields read.
    #[error("`{name}` is not a field a roster column can hold; the fields are: {}", accepted.join(", "))]
    UnknownField {
        /// The name given.
        name: String,
        /// The fields, by English name and Chinese heading.
        accepted: Vec<String>,
    },
    /// A mapping file that cannot be read.
    #[error("mapping {path}: {reason}")]
    Mapping {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A mapping given as text that is not `HEADING=FIELD` with a field a column can hold.
    #[error("`{pair}`: {reason}")]
    MapPair {
        /// The text given.
        pair: String,
        /// What is wrong, and what is accepted.
        reason: String,
    },
    /// An encoding label (`--encoding`) that names no encoding.
    #[error("`{label}` names no text encoding; try utf-8, gb18030 (or gbk), utf-16le, utf-16be")]
    Encoding {
        /// The label given.
        label: String,
    },
    /// A workbook that cannot be read.
    #[error("cannot read the workbook: {reason}")]
    Workbook {
        /// What calamine says.
        reason: String,
    },
    /// The sheet asked for is not in the workbook.
    #[error("the workbook has no sheet `{sheet}`; its sheets are: {}", sheets.join(", "))]
    NoSheet {
        /// The sheet asked for.
        sheet: String,
        /// The workbook's sheets.
        sheets: Vec<String>,
    },
    /// The grouping column asked for is not in the file.
    #[error("no column `{heading}` to group by; the headings found are: {}", found.join(", "))]
    NoGroupColumn {
        /// The heading asked for.
        heading: String,
        /// The headings of the file.
        found: Vec<String>,
    },
}

/// Why one row could not be read or evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowProblem {
    /// A required cell is empty.
    #[error("is empty; {expected}")]
    Empty {
        /// What is required.
        expected: &'static str,
    },
    /// A date cell that is not a date.
    #[error("{0}")]
    Date(urrbmi::dates::DateError),
    /// A cell whose value is not one of those accepted.
    #[error("`{value}` is not accepted; {expected}")]
    Value {
        /// The value given.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// A name (hukou, student kind, special circumstance) that is not known; the message lists
    /// what is accepted.
    #[error("{0}")]
    Unrecognized(String),
    /// The ID number is malformed.
    #[error("{0}")]
    IdNumber(IdNumberError),
    /// The birth date given disagrees with the one in the ID number.
    #[error("the birth date {given} disagrees with the ID number, which gives {from_id}")]
    BirthDateMismatch {
        /// The birth date in the `birth_date` column.
        given: NaiveDate,
        /// The birth date in the ID number.
        from_id: NaiveDate,
    },
    /// The row has more or fewer cells than the heading row.
    #[error("has {found} cells but the heading row has {expected}")]
    CellCount {
        /// Cells in the heading row.
        expected: usize,
        /// Cells in this row.
        found: usize,
    },
    /// A cell with bytes that are not text in the file's encoding (read as U+FFFD).
    #[error(
        "has bytes that are not {encoding} text; save the roster as \"CSV UTF-8\" or as a workbook (.xlsx)"
    )]
    NotText {
        /// The encoding the file was read in.
        encoding: &'static str,
    },
    /// A quoted cell that is never closed: reported at the line where the quote opened; the
    /// row is not read, and reading goes on at the next line.
    #[error(
        "a `\"` opens a quoted cell here that is never closed (or closes lines below, giving a row of the wrong length); remove the `\"` or close it; the rows after this line are read as usual"
    )]
    UnclosedQuote,
    /// An ID number saved as a number: its last digits are lost.
    #[error(
        "the ID number was saved as a number (Excel shows 4.30902E+17) and its last digits are lost; format the column as text (or write '430902...) and enter the numbers again"
    )]
    IdNumberAsNumber,
    /// An ID number seen on an earlier row.
    #[error("the same ID number is on line {first_line}; a resident is counted once")]
    DuplicateIdNumber {
        /// The line it was first seen on.
        first_line: u64,
    },
    /// The row was read but the resident cannot be evaluated.
    #[error("{0}")]
    Evaluation(EvalError),
}

impl RowProblem {
    /// A short id for the kind of problem (`date`, `id_number`, `unclosed_quote`, ...), for
    /// counting problems by kind.
    pub fn kind(&self) -> &'static str {
        match self {
            RowProblem::Empty { .. } => "empty",
            RowProblem::Date(_) => "date",
            RowProblem::Value { .. } => "value",
            RowProblem::Unrecognized(_) => "unrecognized",
            RowProblem::IdNumber(_) => "id_number",
            RowProblem::BirthDateMismatch { .. } => "birth_date_mismatch",
            RowProblem::CellCount { .. } => "cell_count",
            RowProblem::NotText { .. } => "not_text",
            RowProblem::UnclosedQuote => "unclosed_quote",
            RowProblem::IdNumberAsNumber => "id_number_as_number",
            RowProblem::DuplicateIdNumber { .. } => "duplicate_id_number",
            RowProblem::Evaluation(_) => "evaluation",
        }
    }
}

/// A row that could not be read or evaluated: where, and why. Never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column `{column}`{}: {problem}", if value.is_empty() { String::new() } else { format!(" (`{value}`)") })]
pub struct RowError {
    /// The line of the file the row starts on (the heading row is line 1).
    pub line: u64,
    /// The column, as headed in the file (`-` for the whole row).
    pub column: String,
    /// The cell's content, when the problem is one cell.
    pub value: String,
    /// What is wrong.
    pub problem: RowProblem,
}

/// The error for a resident that was read but could not be evaluated: its line, and the
/// column the problem is in.
pub(super) fn evaluation_error(columns: &Columns, line: u64, error: &EvalError) -> RowError {
    let field = match error {
        EvalError::PaymentBeforeBirth { .. } | EvalError::DateOutOfRange { .. } => {
            Field::PaymentDate
        }
        EvalError::MissingSpecialDate { .. } | EvalError::SpecialDateAfterPayment { .. } => {
            Field::SpecialDate
        }
        _ => Field::Categories,
    };
    let column = columns
        .position(field)
        .and_then(|i| columns.headings.get(i).cloned())
        .unwrap_or_else(|| field.heading().to_string());
    RowError {
        line,
        column,
        value: String::new(),
        problem: RowProblem::Evaluation(error.clone()),
    }
}
