//! # urrbmi
//!
//! China's urban-rural resident basic medical insurance (城乡居民基本医疗保险, URRBMI) payment
//! rules as code you can trust with money.
//!
//! Given a [`Resident`] (birth date, identity categories such as 低保 or 特困, disability grade,
//! student status, enrollment history, special circumstances) and a payment date, one
//! [`evaluate`] call answers, for a region and benefit year: how much the resident owes, how the
//! rest of the contribution is split between funds (财政, 医疗救助, 优抚资金), and the date
//! benefits begin, with the clauses of the official notice that decided it.
//!
//! ## Overview
//!
//! - The rules live in TOML policy files, one per region and year ([`Policy`]); the eight built
//!   in (the 2021-2024 notices of Changsha, Hunan, Ziyang and Yanling, Hunan 2026 under the
//!   national mechanism of 国办发〔2024〕38号, and Jiangxi 2026 and Taian 2026 beyond Hunan) are
//!   listed by [`Policy::builtin_ids`]. A new region needs only a new file: what differs between
//!   notices (benefits from the day after payment, contribution grades, a child's first natural
//!   years, circumstances, funders and refusal codes of a region's own) is data in it.
//! - [`evaluate`] returns an [`Assessment`]: `owed`, `subsidies` by [`Funder`], `charged`,
//!   `benefit_start`/`benefit_end`, `waiting_months`, any `prior_year_charge` and
//!   `repair_charge`, the incentive's `ceiling_raise`, and a `trace` of cited steps with exactly
//!   one deciding step.
//! - A refusal (paid outside the window, not covered) is an `Assessment` with
//!   [`Status::Refused`]; an [`EvalError`] means the input made no sense.
//! - Money is [`rust_decimal::Decimal`] in yuan; dates are [`chrono::NaiveDate`].
//!
//! Where things are: the resident model in [`resident`], identity categories and funds in
//! [`category`], the policy file format in [`policy::schema`], loading and validation in
//! [`policy`], the linter in [`policy::lint`], the answer in [`assessment`], errors in [`error`],
//! money and its one rounding rule in [`money`], what-if changes to a policy in [`overlay`].
//! Rosters, batches, scenarios and policy comparisons are in the `urrbmi-analysis` crate; the
//! `urrbmi` command (`urrbmi-cli`) runs them all.
//!
//! ## Features
//!
//! None by default: the core depends on serde, chrono, rust_decimal, thiserror and toml (and
//! serde_json for JSON residents), nothing else.
//!
//! - `proptest`: strategies for residents and the boundary cases of a policy, for other crates'
//!   property tests (`urrbmi::strategies`).
//!
//! ## Usage
//!
//! ```
//! use chrono::NaiveDate;
//! use urrbmi::{evaluate, CategoryKind, Funder, HeldCategory, Policy, Resident};
//!
//! let policy = Policy::builtin("changsha-2021")?;
//! let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//!
//! // A grade-2 disabled resident renewing in the collection window.
//! let resident = Resident::new(date(1975, 8, 1), date(2020, 11, 20))
//!     .with_category(HeldCategory::disability(2));
//! let a = evaluate(&policy, &resident)?;
//! assert_eq!(a.owed.to_string(), "0");
//! assert_eq!(a.subsidies.get(Funder::Fiscal).to_string(), "280");
//! assert_eq!(a.benefit_start, Some(date(2021, 1, 1)));
//! println!("decided by {}", a.deciding_clause().unwrap_or("-"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Rules since 2025: a lapsed resident
//!
//! ```
//! use chrono::NaiveDate;
//! use urrbmi::{evaluate, Policy, Resident};
//!
//! let policy = Policy::builtin("hunan-2026")?;
//! let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//! // Five years without cover, paying after the window closed: the full standard of 1100 and
//! // a wait of 3 fixed + 4 variable months from the payment date (urrbmi readings M1-M4, P3).
//! let a = evaluate(&policy, &Resident::new(date(1979, 6, 6), date(2026, 3, 31)).lapsed(5))?;
//! assert_eq!(a.charged.to_string(), "1100");
//! assert_eq!(a.waiting_months, Some(7));
//! assert_eq!(a.benefit_start, Some(date(2026, 10, 31)));
//! assert_eq!(a.deciding_rule(), Some("rule.after_window"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Dealing with refusals
//!
//! ```
//! use chrono::NaiveDate;
//! use urrbmi::{evaluate, Policy, RefusalCode, Resident};
//!
//! let policy = Policy::builtin("hunan-2022")?;
//! let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//! // Paid in March 2022, after the window closed on 2021-12-31, with no special circumstance.
//! let a = evaluate(&policy, &Resident::new(date(1990, 1, 1), date(2022, 3, 1)))?;
//! assert!(a.is_refused());
//! let refusal = a.refusal.as_ref().unwrap();
//! assert_eq!(refusal.code, RefusalCode::OutsideWindow);
//! assert!(refusal.message.contains("2021-09-01..2021-12-31"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
#![warn(missing_docs)]

pub mod assessment;
pub mod cases;
pub mod category;
pub mod dates;
pub mod error;
mod evaluate;
pub mod money;
mod names;
mod object;
pub mod overlay;
pub mod policy;
pub mod resident;
#[cfg(feature = "proptest")]
pub mod strategies;
mod suggest;

pub use assessment::{
    Assessment, Charge, OwnedAssessment, OwnedRefusal, OwnedStep, PriorYearCharge, Refusal,
    RefusalCode, RepairCharge, RuleNote, Status, Subsidies, Trace, TraceStep,
};
pub use category::{CategoryKind, Funder, HeldCategory};
pub use error::{Diagnostic, EvalError, Location, NameError, PolicyError, ResidentError, Severity};
pub use evaluate::evaluate;
pub use names::LocalId;
pub use policy::Policy;
pub use resident::{Enrollment, Hukou, Resident, Special, SpecialKind, Student};

/// The README's examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
