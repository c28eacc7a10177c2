//! # urrbmi-analysis
//!
//! What analysts and county offices do with [`urrbmi`] beyond one resident at a time: read
//! rosters (台账) of hundreds of thousands of residents, evaluate them in batches with summaries
//! that merge exactly, project a region from a scenario, and compare two policies, for a table
//! or for one resident.
//!
//! The core crate, [`urrbmi`], holds the rules; this crate holds the tools and their heavier
//! dependencies (CSV, workbooks, text encodings, a thread pool, random numbers for scenarios), so that a program that only
//! evaluates residents does not compile them.
//!
//! Where things are:
//! - [`batch`]: [`Batch`] evaluates many residents (on rayon's pool or the caller's with the
//!   `rayon` feature, else on one thread) into assessments, compact [`Record`]s or nothing,
//!   and adds them up into a [`Summary`] (with benefit starts by month, refusals by code, and
//!   the breakdowns unless it counts the totals only); [`Tally`](batch::Tally) counts a stream.
//! - [`roster`]: reading rosters as county offices keep them (workbooks, CSV in UTF-8, GBK or
//!   UTF-16: `source`; `headings`, `read`, `cells`, `errors`) and writing them (`write`) and
//!   writing them back with their results (`output`); [`idcard`] checks resident ID numbers
//!   (GB 11643-1999).
//! - [`jsonl`]: the assess contract, one JSON answer per resident (its line or index, its id),
//!   shared by `urrbmi assess` and `urrbmi serve`.
//! - [`scenario`]: seeded synthetic rosters from a region's population table.
//! - [`diff`](mod@diff): what changed between two policies, and [`explain_change`] for one
//!   resident (`diff/explain.rs`).
//! - [`table`]: the one layout of every text table (padding by display width).
//!
//! ```
//! use chrono::NaiveDate;
//! use urrbmi::{CategoryKind, Policy, Resident};
//! use urrbmi_analysis::Batch;
//!
//! let policy = Policy::builtin("ziyang-2021")?;
//! let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//! let residents = [
//!     Resident::new(date(1970, 3, 1), date(2020, 10, 15))
//!         .with_category(CategoryKind::SubsistenceAllowance),
//!     Resident::new(date(1985, 6, 1), date(2020, 11, 2)),
//! ];
//! let summary = Batch::new(&policy).summarize(&residents)?;
//! assert_eq!(summary.totals.owed.to_string(), "420"); // 140 + 280
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
#![warn(missing_docs)]

pub mod batch;
pub mod diff;
pub mod idcard;
pub mod jsonl;
mod money;
pub mod roster;
pub mod scenario;
pub mod table;

pub use batch::{Batch, BatchOutput, Record, Summary, Totals};
pub use diff::{PolicyDiff, diff, explain_change};
