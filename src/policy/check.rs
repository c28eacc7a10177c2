//! Reading policy text into its spec with every problem at once: TOML syntax errors, values
//! of the wrong type or with unknown names (table by table, so one bad table does not hide the
//! next), and the rules of the policy format. Loading and the linter both read this way.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use toml::Value;

use super::locate::Locator;
use super::schema::{
    Conventions, Coverage, Extension, Header, Incentive, LocalCategory, Newborn, Period,
    PolicySpec, Standards, StartRule, SubsidyRules, SubsidyTier, WaitingPeriodTable, Window,
};
use super::validate::{self, Problem};
use crate::error::{Diagnostic, Location, Severity};

/// What reading a policy text found: the spec when it reads, and the problems.
pub(crate) struct Checked<'a> {
    pub spec: Option<PolicySpec>,
    pub problems: Vec<Diagnostic>,
    pub locator: Locator<'a>,
    file: Option<PathBuf>,
}

impl Checked<'_> {
    /// A diagnostic for a problem found in the spec, located in the text.
    pub fn diagnostic(&self, severity: Severity, problem: Problem) -> Diagnostic {
        located(&self.locator, self.file.as_deref(), severity, problem)
    }
}

/// A problem located by its key path in the text.
pub(crate) fn located(
    locator: &Locator<'_>,
    file: Option<&Path>,
    severity: Severity,
    problem: Problem,
) -> Diagnostic {
    let (line, column) = locator
        .locate(&problem.key_path)
        .map_or((None, None), |(l, c)| (Some(l), Some(c)));
    Diagnostic::new(
        severity,
        Location {
            file: file.map(Path::to_path_buf),
            line,
            column,
            key_path: Some(problem.key_path),
        },
        problem.problem,
        problem.expected,
        line.and_then(|l| locator.line_text(l)),
    )
}

/// Reads `text` (a UTF-8 byte-order mark is ignored): the spec, or every problem.
pub(crate) fn check<'a>(text: &'a str, file: Option<&Path>) -> Checked<'a> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let locator = Locator::new(text);
    let mut checked = Checked {
        spec: None,
        problems: Vec::new(),
        locator,
        file: file.map(Path::to_path_buf),
    };
    match toml::from_str::<PolicySpec>(text) {
        Ok(spec) => {
            let problems: Vec<Diagnostic> = validate::problems(&spec)
                .into_iter()
                .map(|p| checked.diagnostic(Severity::Error, p))
                .collect();
            checked.problems = problems;
            checked.spec = Some(spec);
        }
        Err(whole) => {
            checked.problems = reading_problems(text, file, &checked.locator, whole);
        }
    }
    checked
}

/// Every problem that keeps `text` from reading as a policy: its TOML syntax errors, else the
/// type errors of each of its tables and entries.
fn reading_problems(
    text: &str,
    file: Option<&Path>,
    locator: &Locator<'_>,
    whole: toml::de::Error,
) -> Vec<Diagnostic> {
    let at_offset = |offset: Option<usize>, message: String, expected: &str| {
        let (line, column) = offset
            .map(|o| locator.line_column(o))
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        Diagnostic::new(
            Severity::Error,
            Location {
                file: file.map(Path::to_path_buf),
                line,
                column,
                key_path: offset.and_then(|o| locator.key_path_at(o)),
            },
            message,
            expected.to_string(),
            line.and_then(|l| locator.line_text(l)),
        )
    };
    let (_, syntax) = toml::de::DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        return syntax
            .iter()
            .map(|e| {
                let span = e.span();
                let mut message = e.message().trim_end().to_string();
                // The reader says "duplicate key" without the key: name it from the span.
                if message == "duplicate key"
                    && let Some(key) = span.clone().and_then(|s| text.get(s)).map(str::trim)
                    && !key.is_empty()
                {
                    message = format!(
                        "duplicate key `{}`: the table already has this key",
                        crate::error::shown(key)
                    );
                }
                at_offset(span.map(|s| s.start), message, "valid TOML")
            })
            .collect();
    }
    let mut found: Vec<Problem> = Vec::new();
    match toml::from_str::<toml::Table>(text) {
        Ok(table) => type_problems(&table, &mut found),
        Err(e) => {
            return vec![at_offset(
                e.span().map(|s| s.start),
                e.message().to_string(),
                "valid TOML",
            )];
        }
    }
    if found.is_empty() {
        // Every table reads on its own but the whole does not: report what the reader said.
        return vec![at_offset(
            whole.span().map(|s| s.start),
            whole.message().to_string(),
            FORMAT,
        )];
    }
    found
        .into_iter()
        .map(|p| located(locator, file, Severity::Error, p))
        .collect()
}

const FORMAT: &str = "the policy file format (see the README's \"Policy files\")";

/// The tables of a policy file: the name, whether it is required, whether it is an array of
/// tables, and how to read one.
const TABLES: &[(&str, bool, bool, Reader)] = &[
    ("policy", true, false, read::<Header>),
    ("conventions", true, false, read::<Conventions>),
    ("standards", true, false, read::<Standards>),
    ("coverage", true, false, read::<Coverage>),
    ("window", true, false, read::<Window>),
    ("extension", false, true, read::<Extension>),
    ("period", true, true, read::<Period>),
    ("newborn", true, false, read::<Newborn>),
    ("subsidy", true, false, read::<SubsidyRules>),
    ("category", false, true, read::<LocalCategory>),
    ("special", false, true, read::<LocalCategory>),
    ("funder", false, true, read::<LocalCategory>),
    ("refusal_code", false, true, read::<LocalCategory>),
    ("tier", false, true, read::<SubsidyTier>),
    ("waiting_period", false, false, read::<WaitingPeriodTable>),
    ("incentive", false, false, read::<Incentive>),
    ("rule", true, true, read::<StartRule>),
];

type Reader = fn(&Value) -> Result<(), (String, String)>;

/// Reads a value as `T`: `Err((path inside the value, message))`.
fn read<T: DeserializeOwned>(value: &Value) -> Result<(), (String, String)> {
    serde_path_to_error::deserialize::<_, T>(value.clone())
        .map(drop)
        .map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            (path, e.into_inner().message().to_string())
        })
}

/// The type errors of each table and each entry of an array of tables, and the tables missing
/// or unknown.
fn type_problems(table: &toml::Table, out: &mut Vec<Problem>) {
    for (key, value) in table {
        let Some((name, _, array, reader)) = TABLES.iter().find(|(name, ..)| name == key) else {
            let names: Vec<&str> = TABLES.iter().map(|(name, ..)| *name).collect();
            let suggestion = crate::suggest::closest(key, names.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            out.push(Problem::new(
                key.clone(),
                format!("unknown table `{}`{suggestion}", crate::error::shown(key)),
                format!("one of: {}", names.join(", ")),
            ));
            continue;
        };
        let mut report = |at: String, (inner, message): (String, String)| {
            let path = match (at.is_empty(), inner.is_empty()) {
                (_, true) => at,
                (true, false) => inner,
                (false, false) if inner.starts_with('[') => format!("{at}{inner}"),
                (false, false) => format!("{at}.{inner}"),
            };
            out.push(Problem::new(path, message, FORMAT));
        };
        match (array, value) {
            (true, Value::Array(entries)) => {
                for (i, entry) in entries.iter().enumerate() {
                    if let Err(e) = reader(entry) {
                        report(format!("{name}[{i}]"), e);
                    }
                }
            }
            (true, _) => out.push(Problem::new(
                key.clone(),
                format!("`{name}` is not an array of tables"),
                format!("`[[{name}]]` tables"),
            )),
            (false, value) => {
                if let Err(e) = reader(value) {
                    report((*name).to_string(), e);
                }
            }
        }
    }
    for (name, required, array, _) in TABLES {
        if *required && !table.contains_key(*name) {
            let written = if *array {
                format!("[[{name}]]")
            } else {
                format!("[{name}]")
            };
            out.push(Problem::new(
                (*name).to_string(),
                format!("the `{written}` table is missing"),
                format!("the policy file format: a `{written}` table (see the README's \"Policy files\")"),
            ));
        }
    }
}
