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
    /// A cell that is not UTF-8 text.
    #[error("is not UTF-8 text; save the roster as UTF-8 (in Excel: \"CSV UTF-8\")")]
    NotUtf8,
    /// The row was read but the resident cannot be evaluated.
    #[error("{0}")]
    Evaluation(EvalError),
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
