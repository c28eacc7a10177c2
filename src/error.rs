//! Errors: a policy file that cannot be loaded ([`PolicyError`]) and a resident that makes no
//! sense ([`EvalError`]).
//!
//! A refusal (paid outside the window, not covered) is not an error: it is an
//! [`Assessment`](crate::Assessment) with `status = refused`.

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;

/// Where in a policy file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file, when the policy was read from one (built-in policies give `policies/<id>.toml`).
    pub file: Option<PathBuf>,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters), when known.
    pub column: Option<usize>,
    /// The key path (`tier[2].parts[0].share`), when known.
    pub key_path: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self
            .file
            .as_ref()
            .map_or_else(|| "<policy>".to_string(), |p| p.display().to_string());
        write!(f, "{file}")?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(path) = &self.key_path {
            write!(f, " at `{path}`")?;
        }
        Ok(())
    }
}

/// A policy file that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read policy file {path}: {reason}")]
    Io {
        /// The path given.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// No built-in policy has this id.
    #[error("no built-in policy `{id}`; the built-in policies are: {}", available.join(", "))]
    UnknownBuiltin {
        /// The id asked for.
        id: String,
        /// The ids that exist.
        available: Vec<String>,
    },
    /// The file is not valid TOML, or a value has the wrong type or an unknown name.
    #[error("{location}: {message}")]
    Syntax {
        /// Where.
        location: Box<Location>,
        /// What the TOML reader said, including what it expected.
        message: String,
    },
    /// The file reads, but a value breaks a rule of the policy format.
    #[error("{location}: {problem}; {expected}")]
    Invalid {
        /// Where.
        location: Box<Location>,
        /// What is wrong.
        problem: String,
        /// What would be accepted.
        expected: String,
    },
}

impl PolicyError {
    /// Where the problem is, when it is in the file.
    pub fn location(&self) -> Option<&Location> {
        match self {
            PolicyError::Syntax { location, .. } | PolicyError::Invalid { location, .. } => {
                Some(location)
            }
            PolicyError::Io { .. } | PolicyError::UnknownBuiltin { .. } => None,
        }
    }

    /// The key path of the offending value, when known.
    pub fn key_path(&self) -> Option<&str> {
        self.location().and_then(|l| l.key_path.as_deref())
    }
}

/// A resident that cannot be evaluated: the input makes no sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The payment date is before the birth date.
    #[error(
        "payment_date {payment_date} is before birth_date {birth_date}; a contribution can only be paid on or after the day of birth"
    )]
    PaymentBeforeBirth {
        /// The birth date given.
        birth_date: NaiveDate,
        /// The payment date given.
        payment_date: NaiveDate,
    },
    /// A disability category without a grade.
    #[error("categories[{index}]: a disability needs a grade (1-4, 1 the most severe)")]
    DisabilityWithoutGrade {
        /// Position in `categories`.
        index: usize,
    },
    /// A disability grade outside 1–4.
    #[error("categories[{index}].grade = {grade}: a disability grade is 1, 2, 3 or 4")]
    GradeOutOfRange {
        /// Position in `categories`.
        index: usize,
        /// The grade given.
        grade: u8,
    },
    /// A grade on a category other than disability.
    #[error(
        "categories[{index}]: `{category}` has a grade; only a disability carries a grade (1-4)"
    )]
    GradeOnOtherCategory {
        /// Position in `categories`.
        index: usize,
        /// The category.
        category: String,
    },
    /// The same category twice.
    #[error("categories[{index}]: `{category}` is listed twice; list each category once")]
    DuplicateCategory {
        /// Position of the second occurrence.
        index: usize,
        /// The category.
        category: String,
    },
    /// A category neither built in nor declared by the policy.
    #[error(
        "categories[{index}]: unknown category `{name}` for policy {policy}{}; accepted: {}{}",
        suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
        crate::category::CategoryKind::accepted().join(", "),
        if local.is_empty() { String::new() } else { format!(", or this policy's local categories: {}", local.join(", ")) }
    )]
    UnknownCategory {
        /// Position in `categories`.
        index: usize,
        /// The name given.
        name: String,
        /// The policy id.
        policy: String,
        /// The nearest known name, if one is close.
        suggestion: Option<String>,
        /// The policy's local categories.
        local: Vec<String>,
    },
    /// A recognition date after the payment date is fine; one before birth is not.
    #[error(
        "categories[{index}].recognized_on {recognized_on} is before birth_date {birth_date}; a category is recognized on or after the day of birth"
    )]
    RecognizedBeforeBirth {
        /// Position in `categories`.
        index: usize,
        /// The date given.
        recognized_on: NaiveDate,
        /// The birth date.
        birth_date: NaiveDate,
    },
    /// A rule needs the special circumstance's date and none was given.
    #[error(
        "special.date is missing: the rule `{rule}` counts from the date of `{kind}` (e.g. the day of entry or of the lapse); give it as YYYY-MM-DD"
    )]
    MissingSpecialDate {
        /// The special circumstance.
        kind: String,
        /// The rule that needs it.
        rule: String,
    },
    /// The special circumstance's date is after the payment.
    #[error(
        "special.date {date} is after payment_date {payment_date}; the circumstance must have begun on or before the payment"
    )]
    SpecialDateAfterPayment {
        /// The date given.
        date: NaiveDate,
        /// The payment date.
        payment_date: NaiveDate,
    },
    /// A date computation left the calendar (dates near year 262143).
    #[error("date arithmetic from {date} leaves the supported calendar")]
    DateOutOfRange {
        /// The date counted from.
        date: NaiveDate,
    },
    /// `enrollment = "lapsed"` without `lapsed_years`.
    #[error(
        "lapsed_years is missing: enrollment \"lapsed\" (断保) needs the number of benefit years without cover right before this one, a whole number from 1 to {max}"
    )]
    LapsedWithoutYears {
        /// The largest number accepted.
        max: u32,
    },
    /// A history field that only a lapsed resident may carry.
    #[error(
        "{field} = {value} on a \"{enrollment}\" resident: {field} is for enrollment \"lapsed\" only (0 or absent otherwise); set enrollment = \"lapsed\" or remove {field}"
    )]
    HistoryWithoutLapse {
        /// `lapsed_years` or `repair_years`.
        field: &'static str,
        /// The value given.
        value: u32,
        /// The resident's enrollment (`renewal`, `first_time`).
        enrollment: &'static str,
    },
    /// A count of years outside what is accepted.
    #[error("{field} = {value}: {allowed}")]
    YearsOutOfRange {
        /// The field.
        field: &'static str,
        /// The value given.
        value: u32,
        /// What is accepted.
        allowed: String,
    },
    /// `continuous_years` that contradicts the enrollment.
    #[error("continuous_years = {value} on a \"{enrollment}\" resident: {allowed}")]
    ContinuityContradicted {
        /// The value given.
        value: u32,
        /// The resident's enrollment.
        enrollment: &'static str,
        /// What is accepted for that enrollment.
        allowed: &'static str,
    },
    /// `repair_years` given to a policy that offers no repair.
    #[error(
        "repair_years = {years}: policy {policy} offers no repair of the waiting period (缴费修复); repair_years must be 0 here"
    )]
    RepairNotOffered {
        /// The years given.
        years: u32,
        /// The policy id.
        policy: String,
    },
}

/// A resident that could not be read from JSON or TOML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() || path == "." { String::new() } else { format!("{path}: ") })]
pub struct ResidentError {
    /// The field (`categories[0].grade`), empty when the problem is the whole document.
    pub path: String,
    /// What was wrong and what is accepted.
    pub message: String,
}

/// A name that is not one of a closed set (a hukou, a student kind, a special circumstance, a
/// funder, a value of the policy format): what was given, the nearest name, and every name
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown {what} `{text}`{}; accepted: {}",
    suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
    accepted.join(", ")
)]
pub struct NameError {
    /// What kind of name was expected (`special circumstance`).
    pub what: &'static str,
    /// The text given (cut to 60 characters; invisible spaces shown as they are).
    pub text: String,
    /// The nearest accepted id, when one is close.
    pub suggestion: Option<&'static str>,
    /// Every value accepted, as `id (中文)`.
    pub accepted: Vec<String>,
}

/// A value as an error message shows it: at most 60 characters, with `…` when cut.
pub(crate) fn shown(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(60).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}
