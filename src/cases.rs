//! Golden cases: residents worked by hand from a notice, with what evaluation must answer, in
//! the TOML format of the crate's `tests/cases/` (see `tests/cases/README.md`). A case checks the
//! decision, not only the numbers: the deciding step and the tier are required, so a wrong rule
//! that gives the right amount fails.
//!
//! The crate's own golden test and the `urrbmi test` command both run cases through this module,
//! so a policy author checks a new region's file with the same checks, without writing Rust.
//!
//! ```
//! use urrbmi::cases::CaseFile;
//! use urrbmi::Policy;
//!
//! let cases = CaseFile::from_toml_str(r#"
//!     [[case]]
//!     name = "a 低保 resident paying in the window"
//!     clause = "益资政办发〔2020〕17号 二(三) 医疗救助资助140元/人; 二(四)"
//!     resident = { birth_date = "1966-04-02", payment_date = "2020-11-03", categories = [{ kind = "低保对象" }] }
//!
//!     [case.expect]
//!     status = "enrolled"
//!     rule = "rule.window"
//!     tier = "subsistence_allowance"
//!     owed = "140"
//!     subsidies = { medical_assistance = "140" }
//!     benefit_start = "2021-01-01"
//! "#)?;
//! let policy = Policy::builtin("ziyang-2021")?;
//! for case in &cases.case {
//!     assert_eq!(case.check(policy), Vec::<String>::new(), "{}", case.name);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::{Assessment, Charge, Funder, Policy, Resident, evaluate};

/// A file of golden cases (`[[case]]` tables).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The cases, in file order.
    pub case: Vec<Case>,
}

/// One case: a resident and what evaluating it must give.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case is about.
    pub name: String,
    /// The clause (and readings) that decide it.
    pub clause: String,
    /// The resident (the fields of the data contract).
    pub resident: Resident,
    /// What evaluation must answer.
    pub expect: Expect,
}

/// What evaluating a case must answer. `rule` and `tier` are required; the money, dates and
/// text checks apply when given; `prior_year_charge`, `waiting_months`, `repair_charge` and
/// `ceiling_raise` absent mean none is expected.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `enrolled` or `refused`.
    pub status: String,
    /// The deciding step ([`Assessment::deciding_rule`]): `rule.<id>` or `refusal.<code>`.
    pub rule: String,
    /// The subsidy tier that applied, or `none`.
    pub tier: String,
    /// Every step of the trace, in order, when given.
    pub trace: Option<Vec<String>>,
    /// Text the deciding step's citation must contain.
    pub clause_contains: Option<String>,
    /// Text the refusal message must contain.
    pub message_contains: Option<String>,
    /// The refusal code; absent means not refused.
    pub refusal: Option<String>,
    /// The standard charged.
    pub charged: Option<Decimal>,
    /// What the resident owes.
    pub owed: Option<Decimal>,
    /// What each fund pays; funders left out are expected to pay 0.
    pub subsidies: Option<BTreeMap<Funder, Decimal>>,
    /// The first day of benefits.
    pub benefit_start: Option<NaiveDate>,
    /// The last day of benefits.
    pub benefit_end: Option<NaiveDate>,
    /// The charge for the year of birth.
    pub prior_year_charge: Option<ExpectedCharge>,
    /// `personal`, `full` or `waived`, when given.
    pub charged_standard: Option<String>,
    /// The months waited.
    pub waiting_months: Option<u32>,
    /// The repair charge.
    pub repair_charge: Option<ExpectedRepair>,
    /// The raise of the 大病保险 ceiling.
    pub ceiling_raise: Option<Decimal>,
}

/// An expected prior-year charge.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedCharge {
    /// The year charged.
    pub year: i32,
    /// The amount.
    pub amount: Decimal,
}

/// An expected repair charge.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRepair {
    /// The years repaired.
    pub years: u32,
    /// What they cost.
    pub amount: Decimal,
}

/// A case file that cannot be read.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    /// The file could not be read.
    #[error("cannot read case file {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::sync::Arc<std::io::Error>,
    },
    /// The text is not a case file (with the TOML reader's line and column).
    #[error("{}{message}", file.as_ref().map(|f| format!("{}: ", f.display())).unwrap_or_default())]
    Invalid {
        /// The file, when read from one.
        file: Option<PathBuf>,
        /// What is wrong, and where.
        message: String,
    },
}

impl CaseFile {
    /// Reads cases from TOML text (a UTF-8 byte-order mark is ignored).
    ///
    /// # Errors
    ///
    /// [`CaseError::Invalid`], with the line and column of the first problem.
    pub fn from_toml_str(text: &str) -> Result<CaseFile, CaseError> {
        toml::from_str(text.strip_prefix('\u{feff}').unwrap_or(text)).map_err(|e| {
            CaseError::Invalid {
                file: None,
                message: e.to_string(),
            }
        })
    }

    /// Reads a case file.
    ///
    /// # Errors
    ///
    /// [`CaseError::Io`] when the file cannot be read, else as [`CaseFile::from_toml_str`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<CaseFile, CaseError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| CaseError::Io {
            path: path.to_path_buf(),
            source: std::sync::Arc::new(e),
        })?;
        CaseFile::from_toml_str(&text).map_err(|e| match e {
            CaseError::Invalid { message, .. } => CaseError::Invalid {
                file: Some(path.to_path_buf()),
                message,
            },
            other => other,
        })
    }
}

impl Case {
    /// Evaluates the case's resident against `policy`: every difference from the expectation,
    /// as a readable line (empty when the case passes). An evaluation error is a difference.
    pub fn check(&self, policy: &Policy) -> Vec<String> {
        let mut out = match evaluate(policy, &self.resident) {
            Ok(a) => differences(&self.expect, &a),
            Err(e) => vec![format!("evaluation error: {e}")],
        };
        // A local funder the policy does not declare is a typo in the case, not a funder paying 0.
        for funder in self.expect.subsidies.iter().flat_map(|s| s.keys()) {
            if let Funder::Local(id) = funder
                && !policy.spec().funders.iter().any(|f| f.id == id.as_str())
            {
                out.push(format!(
                    "subsidies: `{id}` is neither a built-in funder nor one {} declares",
                    policy.id()
                ));
            }
        }
        out
    }
}

/// Every difference between the expectation and the assessment, as readable lines.
pub fn differences(e: &Expect, a: &Assessment<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let status = a.status.id();
    if status != e.status {
        out.push(format!("status: expected {}, got {status}", e.status));
    }
    let rule = a.deciding_rule().unwrap_or("(no deciding step)");
    if rule != e.rule {
        out.push(format!("deciding rule: expected {}, got {rule}", e.rule));
    }
    let tier = a.tier.unwrap_or("none");
    if tier != e.tier {
        out.push(format!("tier: expected {}, got {tier}", e.tier));
    }
    if let Some(expected) = &e.trace {
        let got: Vec<&str> = a.trace.iter().map(|s| s.rule).collect();
        if got != *expected {
            out.push(format!("trace: expected {expected:?}, got {got:?}"));
        }
    }
    if let Some(text) = &e.clause_contains {
        let clause = a.deciding_clause().unwrap_or_default();
        if !clause.contains(text.as_str()) {
            out.push(format!(
                "deciding clause: expected it to contain {text:?}, got {clause:?}"
            ));
        }
    }
    if let Some(text) = &e.message_contains {
        let message = a.refusal.as_ref().map_or("", |r| r.message);
        if !message.contains(text.as_str()) {
            out.push(format!(
                "refusal message: expected it to contain {text:?}, got {message:?}"
            ));
        }
    }
    let code = a.refusal.as_ref().map(|r| r.code.id());
    if e.refusal.as_deref() != code {
        out.push(format!("refusal: expected {:?}, got {code:?}", e.refusal));
    }
    let mut money = |what: &str, expected: Option<Decimal>, got: Decimal| {
        if let Some(expected) = expected
            && expected != got
        {
            out.push(format!("{what}: expected {expected}, got {got}"));
        }
    };
    money("charged", e.charged, a.charged);
    money("owed", e.owed, a.owed);
    if let Some(expected) = &e.subsidies {
        // Every built-in funder, and every local one expected or paying.
        let mut funders: Vec<Funder> = Funder::ALL.to_vec();
        funders.extend(expected.keys().copied().filter(|f| !f.is_builtin()));
        funders.extend(
            a.subsidies
                .iter()
                .map(|(f, _)| f)
                .filter(|f| !f.is_builtin()),
        );
        funders.sort();
        funders.dedup();
        for funder in funders {
            money(
                &format!("subsidies.{funder}"),
                Some(expected.get(&funder).copied().unwrap_or_default()),
                a.subsidies.get(funder),
            );
        }
    }
    if e.benefit_start.is_some() && e.benefit_start != a.benefit_start {
        out.push(format!(
            "benefit_start: expected {:?}, got {:?}",
            e.benefit_start, a.benefit_start
        ));
    }
    if e.benefit_end.is_some() && e.benefit_end != a.benefit_end {
        out.push(format!(
            "benefit_end: expected {:?}, got {:?}",
            e.benefit_end, a.benefit_end
        ));
    }
    let expected_prior = e.prior_year_charge.as_ref().map(|p| (p.year, p.amount));
    let got_prior = a.prior_year_charge.as_ref().map(|p| (p.year, p.amount));
    if expected_prior != got_prior {
        out.push(format!(
            "prior_year_charge: expected {expected_prior:?}, got {got_prior:?}"
        ));
    }
    if let Some(expected) = &e.charged_standard {
        let got = a.charged_standard.map(Charge::id);
        if got != Some(expected.as_str()) {
            out.push(format!(
                "charged_standard: expected {expected}, got {got:?}"
            ));
        }
    }
    if e.waiting_months != a.waiting_months {
        out.push(format!(
            "waiting_months: expected {:?}, got {:?}",
            e.waiting_months, a.waiting_months
        ));
    }
    let expected_repair = e.repair_charge.as_ref().map(|r| (r.years, r.amount));
    let got_repair = a.repair_charge.as_ref().map(|r| (r.years, r.amount));
    if expected_repair != got_repair {
        out.push(format!(
            "repair_charge: expected {expected_repair:?}, got {got_repair:?}"
        ));
    }
    if e.ceiling_raise != a.ceiling_raise {
        out.push(format!(
            "ceiling_raise: expected {:?}, got {:?}",
            e.ceiling_raise, a.ceiling_raise
        ));
    }
    out
}
