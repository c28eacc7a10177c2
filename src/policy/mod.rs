//! Policies: loading a policy file, validating it, and the built-in ones.
//!
//! A [`Policy`] is a validated [`PolicySpec`] (the file as written) plus what evaluation needs
//! ready-made: the subsidy of every tier worked out against the personal standard, the notes
//! that assessments cite, and the refusal messages. Loading does all the parsing and checking;
//! [`evaluate`](crate::evaluate) never parses anything.

mod check;
mod compile;
pub mod lint;
mod locate;
pub mod schema;
mod validate;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::{Diagnostic, PolicyError, Severity};
pub(crate) use compile::{
    CategorySet, CategoryTest, Compiled, CompiledGrade, CompiledPeriod, CompiledTier,
    CompiledWaiting, Conditions, Count, Enroll, HeldSet, LateNewborn, Outcome, PaymentTime,
    PersonTest, Prefilter, RefusalText, Start, TierAmounts, Wait, grade_bit,
};
pub(crate) use locate::Locator;
pub use schema::PolicySpec;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_policies.rs"));
}

/// A validated policy for one region and benefit year.
///
/// ```
/// use urrbmi::Policy;
/// let policy = Policy::builtin("ziyang-2021")?;
/// assert_eq!(policy.benefit_year(), 2021);
/// assert_eq!(policy.personal_standard().to_string(), "280");
/// assert_eq!(policy.full_standard().map(|d| d.to_string()), Some("860".into()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    spec: PolicySpec,
    source: Option<PathBuf>,
    pub(crate) compiled: Compiled,
}

impl Policy {
    /// Reads and validates a policy from TOML text.
    ///
    /// # Errors
    ///
    /// [`PolicyError::Invalid`] with every problem of the text at once (TOML syntax; values of
    /// the wrong type or with unknown names, table by table; the rules of the format), each
    /// naming its line, column and key path and what would be accepted, and shown with the
    /// offending line and a caret.
    ///
    /// ```
    /// use urrbmi::Policy;
    /// let text = include_str!("../../policies/ziyang-2021.toml")
    ///     .replace("amount = 280, cite", "amount = -280, cite");
    /// let err = Policy::from_toml_str(&text).unwrap_err();
    /// assert_eq!(err.key_path(), Some("standards.personal.amount"));
    /// assert!(err.to_string().contains("negative"), "{err}");
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Policy, PolicyError> {
        Policy::load(text, None)
    }

    /// Reads and validates a policy file.
    ///
    /// # Errors
    ///
    /// [`PolicyError::Io`] (with the operating system's error as its source) when the file
    /// cannot be read; otherwise as [`Policy::from_toml_str`], the problems naming the file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Policy, PolicyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Io {
            path: path.to_path_buf(),
            source: std::sync::Arc::new(e),
        })?;
        Policy::load(&text, Some(path.to_path_buf()))
    }

    /// A policy built into the crate, by id (`ziyang-2021`). See [`Policy::builtin_ids`].
    ///
    /// Each built-in policy is loaded once, on first use, and shared: the reference lives as
    /// long as the program, so assessments of it can be kept anywhere.
    ///
    /// # Errors
    ///
    /// [`PolicyError::UnknownBuiltin`], listing the ids that exist, when no built-in policy has
    /// this id. (The built-in files themselves are checked by the crate's tests.)
    pub fn builtin(id: &str) -> Result<&'static Policy, PolicyError> {
        static LOADED: [std::sync::OnceLock<Result<Policy, PolicyError>>; builtin::BUILTIN.len()] =
            [const { std::sync::OnceLock::new() }; builtin::BUILTIN.len()];
        let index = builtin::BUILTIN
            .iter()
            .position(|(stem, _)| *stem == id)
            .ok_or_else(|| PolicyError::UnknownBuiltin {
                id: crate::error::shown(id),
                available: Policy::builtin_ids().map(str::to_string).collect(),
            })?;
        let (Some(slot), Some((stem, text))) = (LOADED.get(index), builtin::BUILTIN.get(index))
        else {
            return Err(PolicyError::UnknownBuiltin {
                id: crate::error::shown(id),
                available: Policy::builtin_ids().map(str::to_string).collect(),
            });
        };
        slot.get_or_init(|| {
            Policy::load(text, Some(PathBuf::from(format!("policies/{stem}.toml"))))
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// Lints policy text: every problem at once, errors (which block loading) and warnings, each
    /// with line:column and key path. `file` only labels the findings.
    ///
    /// ```
    /// use urrbmi::Policy;
    /// let text = include_str!("../../policies/ziyang-2021.toml");
    /// assert!(Policy::lint(text, None).is_empty(), "the built-in policies are clean");
    /// let broken = text.replace("amount = 70 }", "amount = -70 }").replace("to = \"2020-12-31\"", "to = \"2020-08-01\"");
    /// let findings = Policy::lint(&broken, None);
    /// assert_eq!(findings.iter().filter(|d| d.is_error()).count(), 2, "{findings:#?}");
    /// ```
    pub fn lint(text: &str, file: Option<&Path>) -> Vec<Diagnostic> {
        lint::lint(text, file)
    }

    /// Lints a policy file (see [`Policy::lint`]).
    ///
    /// # Errors
    ///
    /// [`PolicyError::Io`] when the file cannot be read (its problems are the findings).
    pub fn lint_path(path: impl AsRef<Path>) -> Result<Vec<Diagnostic>, PolicyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Io {
            path: path.to_path_buf(),
            source: std::sync::Arc::new(e),
        })?;
        Ok(lint::lint(&text, Some(path)))
    }

    /// The ids of the built-in policies, sorted.
    pub fn builtin_ids() -> impl Iterator<Item = &'static str> {
        builtin::BUILTIN.iter().map(|(stem, _)| *stem)
    }

    /// All built-in policies, loaded (each once; see [`Policy::builtin`]).
    ///
    /// # Errors
    ///
    /// The first built-in policy that does not load (which the crate's tests rule out).
    pub fn builtins() -> Result<Vec<&'static Policy>, PolicyError> {
        Policy::builtin_ids().map(Policy::builtin).collect()
    }

    /// A built-in policy id, or else a path to a policy file (for tools that take either).
    ///
    /// # Errors
    ///
    /// As [`Policy::from_path`] for a path; [`PolicyError::UnknownBuiltin`] for a name that is
    /// neither a built-in id nor an existing file.
    pub fn from_id_or_path(
        id_or_path: &str,
    ) -> Result<std::borrow::Cow<'static, Policy>, PolicyError> {
        if Policy::builtin_ids().any(|id| id == id_or_path) {
            Policy::builtin(id_or_path).map(std::borrow::Cow::Borrowed)
        } else if Path::new(id_or_path).exists() {
            Policy::from_path(id_or_path).map(std::borrow::Cow::Owned)
        } else {
            Policy::builtin(id_or_path).map(std::borrow::Cow::Borrowed)
        }
    }

    /// Validates an already-parsed spec (for example one changed in code).
    ///
    /// # Errors
    ///
    /// [`PolicyError::Invalid`] with every rule of the policy format the spec breaks, each with
    /// its key path (there is no file, so no line).
    pub fn from_spec(spec: PolicySpec) -> Result<Policy, PolicyError> {
        let unlocated = |problem: validate::Problem| {
            Diagnostic::new(
                Severity::Error,
                crate::error::Location {
                    key_path: Some(problem.key_path),
                    ..crate::error::Location::default()
                },
                problem.problem,
                problem.expected,
                None,
            )
        };
        let problems: Vec<Diagnostic> = validate::problems(&spec)
            .into_iter()
            .map(unlocated)
            .collect();
        if !problems.is_empty() {
            return Err(PolicyError::Invalid { problems });
        }
        let compiled = Compiled::new(&spec).map_err(|problem| PolicyError::Invalid {
            problems: vec![unlocated(problem)],
        })?;
        Ok(Policy {
            spec,
            source: None,
            compiled,
        })
    }

    fn load(text: &str, source: Option<PathBuf>) -> Result<Policy, PolicyError> {
        let checked = check::check(text, source.as_deref());
        let (Some(spec), true) = (checked.spec.as_ref(), checked.problems.is_empty()) else {
            return Err(PolicyError::Invalid {
                problems: checked.problems,
            });
        };
        let compiled = Compiled::new(spec).map_err(|problem| PolicyError::Invalid {
            problems: vec![checked.diagnostic(Severity::Error, problem)],
        })?;
        let Some(spec) = checked.spec else {
            return Err(PolicyError::Invalid {
                problems: checked.problems,
            });
        };
        Ok(Policy {
            spec,
            source,
            compiled,
        })
    }

    /// The policy id (`ziyang-2021`).
    pub fn id(&self) -> &str {
        &self.spec.policy.id
    }

    /// The region (`益阳市资阳区`).
    pub fn region(&self) -> &str {
        &self.spec.policy.region
    }

    /// The benefit year.
    pub fn benefit_year(&self) -> i32 {
        self.spec.policy.benefit_year
    }

    /// The notice this policy encodes.
    pub fn document(&self) -> &schema::Document {
        &self.spec.policy.document
    }

    /// The personal contribution standard (个人缴费标准); with several grades, grade 1 (一档).
    pub fn personal_standard(&self) -> Decimal {
        self.spec.standards.personal.amount
    }

    /// The personal standard at a contribution grade (1 = 一档), `None` for a grade the policy
    /// does not have.
    ///
    /// ```
    /// use urrbmi::Policy;
    /// let taian = Policy::builtin("taian-2026")?;
    /// assert_eq!(taian.personal_standard_at(2).map(|d| d.to_string()), Some("530".into()));
    /// assert_eq!(taian.personal_standard_at(3), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn personal_standard_at(&self, grade: u8) -> Option<Decimal> {
        let index = usize::from(grade).checked_sub(1)?;
        self.compiled.grades.get(index).map(|g| g.personal)
    }

    /// The number of contribution grades (1 unless the policy has several personal standards).
    pub fn grade_count(&self) -> usize {
        self.compiled.grades.len()
    }

    /// The fiscal subsidy standard (财政补助标准), `None` when the policy's sources do not state
    /// it.
    pub fn fiscal_standard(&self) -> Option<Decimal> {
        self.spec.standards.fiscal.as_ref().map(|f| f.amount)
    }

    /// The full funding standard (筹资标准): personal (grade 1) + fiscal, `None` without a fiscal
    /// standard.
    pub fn full_standard(&self) -> Option<Decimal> {
        self.compiled.grades.first().and_then(|g| g.full)
    }

    /// The first and last day of the collection window.
    pub fn window(&self) -> (NaiveDate, NaiveDate) {
        (self.compiled.window.from, self.compiled.window.last)
    }

    /// The position of a tier in the file (`[[tier]]` order), by its id as an assessment of
    /// this policy names it. Cost: the number of tiers; an assessment's own `tier` is found by
    /// its address first, without comparing text.
    pub fn tier_index(&self, id: &str) -> Option<usize> {
        let tiers = &self.compiled.tiers;
        tiers
            .iter()
            .position(|t| std::ptr::eq(&*t.id, id))
            .or_else(|| tiers.iter().position(|t| &*t.id == id))
    }

    /// The policy as written.
    pub fn spec(&self) -> &PolicySpec {
        &self.spec
    }

    /// The file the policy was read from, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }
}
