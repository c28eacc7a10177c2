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

crate::names::named_enum! {
    /// How serious a problem of a policy file is.
    pub enum Severity ("severity") {
        /// The policy does not load.
        Error => "error", "错误";
        /// The policy loads, but a rule is probably not what the author meant.
        Warning => "warning", "警告";
    }
}

/// One problem of a policy file (or of an overlay): how serious, where, what is wrong and what
/// would be accepted. Loading, the linter and overlays all report problems this way.
///
/// Displayed as the `toml` crate shows its errors, with the offending line and a caret:
///
/// ```text
/// error: the amount -280 is negative
///  --> policies/ziyang-2021.toml:32:23 at `standards.personal.amount`
///    |
/// 32 | personal = { amount = -280, cite = "益资政办发〔2020〕17号 二(二)" }
///    |                       ^
///    = expected: an amount in yuan from 0 to 1000000, to the fen (at most two decimal places)
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where (file, line:column and key path, when known).
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// What would be accepted, or how to fix it.
    pub expected: String,
    /// The text of the offending line, when the file's text is known (a long line is cut to
    /// the part around the column, beginning at character `source_from` of the line).
    pub source_line: Option<String>,
    /// The character of the line where `source_line` begins: 0 unless a long line was cut.
    pub source_from: usize,
    /// A note on where the problem comes from (an overlay's entry left as the base had it).
    pub note: Option<String>,
}

/// The most characters of a message a diagnostic keeps (a value echoed in it is cut).
const MESSAGE_MAX: usize = 400;
/// The most characters of the offending line a diagnostic keeps, around the column.
const LINE_WINDOW: usize = 120;

impl Diagnostic {
    /// A diagnostic with its message and the offending line cut to a readable size: a 10 MB
    /// value or line is never echoed, and never copied into every finding.
    pub(crate) fn new(
        severity: Severity,
        location: Location,
        message: String,
        expected: String,
        line: Option<&str>,
    ) -> Diagnostic {
        let (source_line, source_from) = match line {
            Some(text) => {
                let (window, from) = window(text, location.column.unwrap_or(1));
                (Some(window), from)
            }
            None => (None, 0),
        };
        let location = Location {
            key_path: location.key_path.map(|k| cut(&k, MESSAGE_MAX)),
            ..location
        };
        Diagnostic {
            severity,
            location,
            message: cut(&message, MESSAGE_MAX),
            expected: cut(&expected, MESSAGE_MAX),
            source_line,
            source_from,
            note: None,
        }
    }

    /// Whether this finding blocks loading.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The key path of the offending value, when known.
    pub fn key_path(&self) -> Option<&str> {
        self.location.key_path.as_deref()
    }

    /// The diagnostic on one line: `file:line:column at `key`: error: what; expected`.
    pub fn one_line(&self) -> String {
        format!(
            "{}: {}: {}; {}",
            self.location, self.severity, self.message, self.expected
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.severity, self.message)?;
        write!(f, " --> {}", self.location)?;
        if let (Some(line), Some(text)) = (self.location.line, &self.source_line) {
            let number = line.to_string();
            let gutter = " ".repeat(number.len());
            let text = text.trim_end();
            let cut = if self.source_from > 0 { "…" } else { "" };
            write!(f, "\n{gutter} |\n{number} | {cut}{text}")?;
            if let Some(column) = self.location.column {
                // The caret sits under the column, wide (CJK) characters counting two.
                let skipped = column.saturating_sub(1).saturating_sub(self.source_from);
                let before: String = text.chars().take(skipped).collect();
                let pad = unicode_width::UnicodeWidthStr::width(before.as_str()) + cut.len().min(1);
                write!(f, "\n{gutter} | {}^", " ".repeat(pad))?;
            }
            write!(f, "\n{gutter} =")?;
        } else {
            write!(f, "\n   =")?;
        }
        write!(f, " expected: {}", self.expected)?;
        if let Some(note) = &self.note {
            write!(f, "\n   = note: {note}")?;
        }
        Ok(())
    }
}

/// A policy file that could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read policy file {}: {source}", path.display())]
    Io {
        /// The path given.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::sync::Arc<std::io::Error>,
    },
    /// No built-in policy has this id.
    #[error("no built-in policy `{id}`; the built-in policies are: {}", available.join(", "))]
    UnknownBuiltin {
        /// The id asked for (cut to 60 characters).
        id: String,
        /// The ids that exist.
        available: Vec<String>,
    },
    /// The file does not load: every problem found, each located (TOML syntax, values of the
    /// wrong type or with unknown names, and rules of the policy format broken), in file order.
    #[error("{}", problems_text(problems))]
    Invalid {
        /// The problems, at least one; all errors.
        problems: Vec<Diagnostic>,
    },
}

fn problems_text(problems: &[Diagnostic]) -> String {
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    match shown.len() {
        1 => shown.concat(),
        n => format!("{n} problems:\n\n{}", shown.join("\n\n")),
    }
}

impl PolicyError {
    /// The problems of a file that does not load (empty for the other errors).
    pub fn problems(&self) -> &[Diagnostic] {
        match self {
            PolicyError::Invalid { problems } => problems,
            PolicyError::Io { .. } | PolicyError::UnknownBuiltin { .. } => &[],
        }
    }

    /// Where the first problem is, when it is in the file.
    pub fn location(&self) -> Option<&Location> {
        self.problems().first().map(|d| &d.location)
    }

    /// The key path of the first problem, when known.
    pub fn key_path(&self) -> Option<&str> {
        self.location().and_then(|l| l.key_path.as_deref())
    }
}

/// A resident that cannot be evaluated: the input makes no sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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
    /// A special circumstance neither built in nor declared by the policy (urrbmi reading B-a).
    #[error(
        "special.kind: unknown special circumstance `{name}` for policy {policy}{}; accepted: {}{}",
        suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
        crate::resident::SpecialKind::accepted().join(", "),
        if local.is_empty() { String::new() } else { format!(", or this policy's own: {}", local.join(", ")) }
    )]
    UnknownSpecial {
        /// The name given.
        name: String,
        /// The policy id.
        policy: String,
        /// The nearest known id, if one is close.
        suggestion: Option<String>,
        /// The policy's local circumstances, as `id (name)`.
        local: Vec<String>,
    },
    /// A contribution grade the policy does not have.
    #[error("contribution_grade = {grade}: policy {policy} has the grades {offered}")]
    GradeNotOffered {
        /// The grade given.
        grade: u8,
        /// The policy id.
        policy: String,
        /// The grades the policy has, with their names and standards.
        offered: String,
    },
    /// A payment before birth, earlier than the policy registers unborn children (准新生儿).
    #[error(
        "payment_date {payment_date} is more than {allowed} days before birth_date {birth_date}; this policy registers a child at most {allowed} days before birth"
    )]
    PaidTooLongBeforeBirth {
        /// The birth date given.
        birth_date: NaiveDate,
        /// The payment date given.
        payment_date: NaiveDate,
        /// The most days before birth the policy allows.
        allowed: u32,
    },
    /// A rule's date computation left the calendar (a payment date near year 262143, which only
    /// a program can give: text dates are read up to year 9999).
    #[error(
        "the rule `{rule}` counts benefits from {date}, and the date it gives is past the last date the calendar holds; expected a payment date up to 9999-12-31"
    )]
    DateOutOfRange {
        /// The date counted from.
        date: NaiveDate,
        /// The rule that counted from it.
        rule: String,
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
    cut(text, 60)
}

/// `text` cut to `max` characters, with `…` when cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or(text)),
        None => text.to_string(),
    }
}

/// The part of a line a diagnostic shows: the whole line when short, else [`LINE_WINDOW`]
/// characters around the 1-based `column`, with the character it begins at.
fn window(line: &str, column: usize) -> (String, usize) {
    let line = line.trim_end();
    if line.chars().nth(LINE_WINDOW).is_none() {
        return (line.to_string(), 0);
    }
    let from = column.saturating_sub(1).saturating_sub(LINE_WINDOW / 2);
    let mut chars = line.chars().skip(from);
    let mut shown: String = chars.by_ref().take(LINE_WINDOW).collect();
    if chars.next().is_some() {
        shown.push('…');
    }
    (shown, from)
}
