//! Batch evaluation: many residents against one policy, with a [`Summary`] of the lot.
//!
//! A county office works with rosters (台账), not single residents. [`Batch`] evaluates a slice
//! of residents, on rayon's global pool or a pool the caller built (with the `rayon` feature,
//! on by default) or on one thread, and adds the answers up as it goes: residents enrolled and
//! refused (by [`RefusalCode`](urrbmi::RefusalCode)), when benefits begin (by month), what
//! residents owe and what each [`Funder`](urrbmi::Funder) pays, and, unless the batch counts
//! the totals only, the same by subsidy tier, by identity category and by any grouping key the
//! caller gives (a township, a village).
//!
//! What is kept per resident is the caller's choice: the full [`Assessment`](urrbmi::Assessment)
//! with its trace ([`Batch::run`], [`Batch::run_into`]), a 88-byte [`Record`] of the amounts,
//! tier, deciding rule and dates ([`Batch::records_into`], the path for rosters of millions:
//! a sixth of the memory of an assessment, written once), or nothing ([`Batch::summarize`]).
//! The full assessment of any resident comes back by evaluating them again
//! ([`Batch::assess`]). What each costs beside a plain loop over `evaluate` is measured in
//! `docs/performance.md` ("The batch path beside a plain loop").
//!
//! Where things are: `groups.rs` interns grouping keys ([`Groups`]), `totals.rs` holds
//! [`Totals`] and [`Summary`] (merging and the text report), `tally.rs` the running count
//! ([`Tally`]), `record.rs` the [`Record`], `run.rs` the [`Batch`] and its threads.
//!
//! Summaries **merge exactly**: the summary of a roster equals the [`Summary::merge`] of the
//! summaries of any split of it, in any order, so the work can be spread across machines and
//! the results added. Amounts are added as whole fen in integers and reported as
//! [`Decimal`](rust_decimal::Decimal) yuan, so no fen is lost on the way.
//!
//! ```
//! use chrono::NaiveDate;
//! use urrbmi_analysis::batch::{Batch, Groups};
//! use urrbmi::{CategoryKind, Funder, Policy, Resident};
//!
//! let policy = Policy::builtin("ziyang-2021")?;
//! let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//! let residents = vec![
//!     Resident::new(date(1970, 3, 1), date(2020, 10, 15))
//!         .with_category(CategoryKind::SubsistenceAllowance),
//!     Resident::new(date(1985, 6, 1), date(2020, 11, 2)),
//!     Resident::new(date(1990, 1, 1), date(2021, 6, 1)), // too late: refused
//! ];
//! let mut groups = Groups::new();
//! let ids = vec![groups.intern("沙头镇"), groups.intern("长春镇"), groups.intern("沙头镇")];
//!
//! let out = Batch::new(&policy).grouped(&groups, &ids).run(&residents)?;
//! let summary = &out.summary;
//! assert_eq!(summary.totals.enrolled, 2);
//! assert_eq!(summary.totals.refused, 1);
//! assert_eq!(summary.totals.owed.to_string(), "420"); // 140 + 280
//! assert_eq!(summary.totals.subsidy(Funder::MedicalAssistance).to_string(), "140");
//! assert_eq!(summary.by_group["沙头镇"].enrolled, 1);
//! assert_eq!(summary.by_tier["subsistence_allowance"].enrolled, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod groups;
mod record;
mod run;
mod tally;
mod totals;

pub use groups::{GroupId, Groups};
pub use record::{Record, RecordStatus};
pub use run::{Batch, BatchError, BatchOutput, evaluate_batch, summarize, summarize_iter};
pub use tally::Tally;
pub use totals::{StartMonth, Summary, SummaryError, Totals};
