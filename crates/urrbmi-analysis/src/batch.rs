//! Batch evaluation: many residents against one policy, with a [`Summary`] of the lot.
//!
//! A county office works with rosters (台账), not single residents. [`Batch`] evaluates a slice
//! of residents, across all cores with the `rayon` feature (on by default) or on one thread,
//! and adds the answers up: residents enrolled and refused (by [`RefusalCode`]), counts and
//! amounts by subsidy tier and by identity category, what residents owe and what each
//! [`Funder`] pays, and the same by any grouping key the caller gives (a township, a village).
//!
//! Summaries **merge exactly**: the summary of a roster equals the [`Summary::merge`] of the
//! summaries of any split of it, in any order, so the work can be spread across machines and
//! the results added. Money is [`Decimal`], so no cent is lost on the way.
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

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use urrbmi::EvalError;
use urrbmi::Resident;
use urrbmi::evaluate;
use urrbmi::policy::Policy;
use urrbmi::{Assessment, RefusalCode, Subsidies};
use urrbmi::{CategoryKind, Funder};

/// How many residents one task takes when a batch runs in parallel.
#[cfg(feature = "rayon")]
const CHUNK: usize = 4096;

/// A grouping key (a township, a village) as a small interned id; see [`Groups`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(u32);

impl GroupId {
    /// The position of the key in its [`Groups`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The names of the groups of a batch, each interned once, so a resident carries a
/// [`GroupId`] rather than a string.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, GroupId>,
}

impl Groups {
    /// No groups yet.
    pub fn new() -> Self {
        Groups::default()
    }

    /// The id of `name`, adding it if it is new. Surrounding whitespace is kept: callers trim.
    pub fn intern(&mut self, name: &str) -> GroupId {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        // More than four billion distinct groups cannot occur in a roster that fits in memory;
        // saturate rather than wrap if it ever did.
        let id = GroupId(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        self.names.push(name.into());
        self.index.insert(name.into(), id);
        id
    }

    /// The id of `name`, if it has been interned.
    pub fn get(&self, name: &str) -> Option<GroupId> {
        self.index.get(name).copied()
    }

    /// The name of `id`, if it belongs to these groups.
    pub fn name(&self, id: GroupId) -> Option<&str> {
        self.names.get(id.index()).map(|n| &**n)
    }

    /// The number of groups.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every group with its id, in the order they were first interned.
    pub fn iter(&self) -> impl Iterator<Item = (GroupId, &str)> + '_ {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| (GroupId(u32::try_from(i).unwrap_or(u32::MAX)), &**n))
    }
}

/// Counts and amounts for a set of residents: the whole batch, one tier, one category or one
/// group.
///
/// `charged`, `owed`, `prior_year`, `repair` and `subsidies` add up over **enrolled** residents only (a
/// refused resident pays nothing and receives nothing). `charged = owed + subsidies` holds for
/// every `Totals`, as it holds for every assessment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Residents counted: `enrolled + refused + errors`.
    pub residents: u64,
    /// Residents enrolled.
    pub enrolled: u64,
    /// Residents refused.
    pub refused: u64,
    /// Residents whose data could not be evaluated ([`EvalError`]).
    pub errors: u64,
    /// The standards charged (personal or full funding standard).
    #[serde(with = "rust_decimal::serde::str")]
    pub charged: Decimal,
    /// What residents owe for the benefit year.
    #[serde(with = "rust_decimal::serde::str")]
    pub owed: Decimal,
    /// What newborns owe for their year of birth, on top of `owed`.
    #[serde(with = "rust_decimal::serde::str")]
    pub prior_year: Decimal,
    /// What lapsed residents pay to repair their waiting period (缴费修复), on top of `owed`.
    #[serde(with = "rust_decimal::serde::str", default)]
    pub repair: Decimal,
    /// What each fund pays.
    #[serde(with = "funder_amounts")]
    pub subsidies: Subsidies,
}

impl Totals {
    /// Counts one resident's outcome.
    pub fn add(&mut self, result: &Result<Assessment<'_>, EvalError>) {
        self.residents += 1;
        match result {
            Ok(a) if a.is_enrolled() => {
                self.enrolled += 1;
                self.charged += a.charged;
                self.owed += a.owed;
                if let Some(prior) = &a.prior_year_charge {
                    self.prior_year += prior.amount;
                }
                if let Some(repair) = &a.repair_charge {
                    self.repair += repair.amount;
                }
                for (funder, amount) in a.subsidies.iter() {
                    if !amount.is_zero() {
                        self.subsidies.add(funder, amount);
                    }
                }
            }
            Ok(_) => self.refused += 1,
            Err(_) => self.errors += 1,
        }
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Totals) {
        self.residents += other.residents;
        self.enrolled += other.enrolled;
        self.refused += other.refused;
        self.errors += other.errors;
        self.charged += other.charged;
        self.owed += other.owed;
        self.prior_year += other.prior_year;
        self.repair += other.repair;
        for (funder, amount) in other.subsidies.iter() {
            self.subsidies.add(funder, amount);
        }
    }

    /// What `funder` pays.
    pub fn subsidy(&self, funder: Funder) -> Decimal {
        self.subsidies.get(funder)
    }

    /// What residents pay in all: `owed + prior_year + repair`.
    pub fn total_due(&self) -> Decimal {
        self.owed + self.prior_year + self.repair
    }
}

/// The summary of a batch: see the [module docs](self).
///
/// Keys are names, not positions, so summaries made by different processes (or machines) from
/// the same policy merge by name. Serializes to JSON with money as decimal strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The policy id; empty for an empty summary (the identity of [`Summary::merge`]).
    pub policy: String,
    /// All residents.
    pub totals: Totals,
    /// Refused residents by refusal code.
    pub refusals: BTreeMap<RefusalCode, u64>,
    /// Enrolled residents by the subsidy tier that applied (tier id).
    pub by_tier: BTreeMap<String, Totals>,
    /// Enrolled residents to whom no tier applied.
    pub untiered: Totals,
    /// Residents by identity category held (category id). A resident holding two categories is
    /// counted under both, so these rows overlap and do not add up to `totals`.
    pub by_category: BTreeMap<String, Totals>,
    /// Residents holding no category.
    pub no_category: Totals,
    /// Residents by the grouping key the caller gave (empty when no grouping was given).
    pub by_group: BTreeMap<String, Totals>,
}

/// Two summaries that cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    /// The summaries come from different policies.
    #[error(
        "cannot merge a summary of policy `{right}` into one of policy `{left}`; merge summaries of the same policy"
    )]
    DifferentPolicies {
        /// The policy of the summary merged into.
        left: String,
        /// The policy of the summary merged.
        right: String,
    },
}

impl Summary {
    /// Adds `other` into `self`. Exact: merging the summaries of the parts of a batch gives the
    /// summary of the whole batch, whatever the split and the order.
    pub fn merge(&mut self, other: &Summary) -> Result<(), SummaryError> {
        if !self.policy.is_empty() && !other.policy.is_empty() && self.policy != other.policy {
            return Err(SummaryError::DifferentPolicies {
                left: self.policy.clone(),
                right: other.policy.clone(),
            });
        }
        if self.policy.is_empty() {
            self.policy.clone_from(&other.policy);
        }
        self.totals.merge(&other.totals);
        for (code, count) in &other.refusals {
            *self.refusals.entry(*code).or_default() += count;
        }
        merge_map(&mut self.by_tier, &other.by_tier);
        self.untiered.merge(&other.untiered);
        merge_map(&mut self.by_category, &other.by_category);
        self.no_category.merge(&other.no_category);
        merge_map(&mut self.by_group, &other.by_group);
        Ok(())
    }

    /// The number of residents refused with `code`.
    pub fn refused_with(&self, code: RefusalCode) -> u64 {
        self.refusals.get(&code).copied().unwrap_or(0)
    }

    /// A plain-text report: totals, refusals, funders, tiers, categories and groups.
    ///
    /// Tiers and categories are listed in the policy's order when `policy` is given, else by id.
    pub fn report(&self, policy: Option<&Policy>) -> String {
        let mut out = String::new();
        let t = &self.totals;
        let policy_name = policy.map_or_else(
            || self.policy.clone(),
            |p| format!("{} ({})", p.id(), p.region()),
        );
        out.push_str(&format!("policy               {policy_name}\n"));
        out.push_str(&format!(
            "residents            {}   enrolled {}   refused {}   errors {}\n",
            t.residents, t.enrolled, t.refused, t.errors
        ));
        if !self.refusals.is_empty() {
            let list: Vec<String> = self
                .refusals
                .iter()
                .map(|(code, n)| format!("{code} {n}"))
                .collect();
            out.push_str(&format!("refusals             {}\n", list.join(", ")));
        }
        let amounts: Vec<(String, Decimal)> = [
            ("charged".to_string(), t.charged),
            ("owed".to_string(), t.owed),
            ("prior_year".to_string(), t.prior_year),
            ("repair".to_string(), t.repair),
        ]
        .into_iter()
        // Each built-in funder, then each local funder that paid something.
        .chain(
            t.subsidies
                .iter()
                .map(|(f, amount)| (f.id().to_string(), amount)),
        )
        .collect();
        let width = amounts
            .iter()
            .map(|(_, a)| yuan(*a).len())
            .max()
            .unwrap_or(0);
        for (label, amount) in amounts {
            out.push_str(&format!("{label:<20} {:>width$}\n", yuan(amount)));
        }

        let with_errors = t.errors > 0;
        let tier_order: Vec<String> = match policy {
            Some(p) => p.spec().tiers.iter().map(|t| t.id.clone()).collect(),
            None => self.by_tier.keys().cloned().collect(),
        };
        let mut tier_rows: Vec<(String, &Totals)> = tier_order
            .iter()
            .filter_map(|id| self.by_tier.get(id).map(|t| (id.clone(), t)))
            .collect();
        tier_rows.extend(
            self.by_tier
                .iter()
                .filter(|(id, _)| !tier_order.contains(id))
                .map(|(id, t)| (id.clone(), t)),
        );
        tier_rows.push(("(no tier)".into(), &self.untiered));
        out.push('\n');
        out.push_str(&table("tier", &tier_rows, with_errors));

        let mut cat_rows: Vec<(String, &Totals)> = self
            .by_category
            .iter()
            .map(|(id, t)| (id.clone(), t))
            .collect();
        cat_rows.push(("(none)".into(), &self.no_category));
        out.push('\n');
        out.push_str(&table("category (overlapping)", &cat_rows, with_errors));

        if !self.by_group.is_empty() {
            let rows: Vec<(String, &Totals)> = self
                .by_group
                .iter()
                .map(|(id, t)| (id.clone(), t))
                .collect();
            out.push('\n');
            out.push_str(&table("group", &rows, with_errors));
        }
        out
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report(None))
    }
}

fn merge_map(into: &mut BTreeMap<String, Totals>, from: &BTreeMap<String, Totals>) {
    for (key, totals) in from {
        match into.get_mut(key) {
            Some(existing) => existing.merge(totals),
            None => {
                into.insert(key.clone(), totals.clone());
            }
        }
    }
}

/// An amount for a report: two decimals, thousands separated by `,`.
pub(crate) use urrbmi::money::format_yuan as yuan;

/// Pads `text` to `width` terminal columns (CJK characters take two).
pub(crate) fn pad(text: &str, width: usize) -> String {
    let used = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// Pads `text` on the left to `width` terminal columns.
pub(crate) fn pad_left(text: &str, width: usize) -> String {
    let used = unicode_width::UnicodeWidthStr::width(text);
    format!("{}{text}", " ".repeat(width.saturating_sub(used)))
}

fn table(heading: &str, rows: &[(String, &Totals)], with_errors: bool) -> String {
    let rows: Vec<&(String, &Totals)> = rows.iter().filter(|(_, t)| t.residents > 0).collect();
    let name_width = rows
        .iter()
        .map(|(n, _)| unicode_width::UnicodeWidthStr::width(n.as_str()))
        .chain(std::iter::once(heading.len()))
        .max()
        .unwrap_or(0);
    let mut headings = vec!["enrolled", "refused"];
    if with_errors {
        headings.push("errors");
    }
    headings.extend(["residents pay", "fiscal", "med. assist.", "entitled fund"]);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|(_, t)| {
            let mut row = vec![t.enrolled.to_string(), t.refused.to_string()];
            if with_errors {
                row.push(t.errors.to_string());
            }
            row.extend([
                yuan(t.total_due()),
                yuan(t.subsidy(Funder::Fiscal)),
                yuan(t.subsidy(Funder::MedicalAssistance)),
                yuan(t.subsidy(Funder::EntitledGroupFund)),
            ]);
            row
        })
        .collect();
    let widths: Vec<usize> = headings
        .iter()
        .enumerate()
        .map(|(i, h)| {
            cells
                .iter()
                .filter_map(|c| c.get(i).map(String::len))
                .chain(std::iter::once(h.len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = pad(heading, name_width);
    for (h, w) in headings.iter().zip(&widths) {
        out.push_str("  ");
        out.push_str(&pad_left(h, *w));
    }
    out.push('\n');
    for ((name, _), row) in rows.iter().zip(&cells) {
        out.push_str(&pad(name, name_width));
        for (cell, w) in row.iter().zip(&widths) {
            out.push_str("  ");
            out.push_str(&pad_left(cell, *w));
        }
        out.push('\n');
    }
    out
}

/// Serializes money as a canonical decimal string (`"140"`, `"93.67"`).
pub(crate) mod money_str {
    use rust_decimal::Decimal;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(amount: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&amount.normalize())
    }
}

/// Serializes [`Subsidies`] as a map of every funder to a decimal string, and reads it back.
mod funder_amounts {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use urrbmi::Funder;
    use urrbmi::Subsidies;

    pub fn serialize<S: Serializer>(subsidies: &Subsidies, s: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<Funder, String> = subsidies
            .iter()
            .map(|(funder, amount)| (funder, amount.to_string()))
            .collect();
        map.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Subsidies, D::Error> {
        let map = BTreeMap::<Funder, String>::deserialize(d)?;
        let mut subsidies = Subsidies::NONE;
        for (funder, text) in map {
            let amount: Decimal = text.trim().parse().map_err(|_| {
                serde::de::Error::custom(format_args!(
                    "`{text}` is not an amount for `{funder}`; expected a decimal string such as \"140\""
                ))
            })?;
            subsidies.add(funder, amount);
        }
        Ok(subsidies)
    }
}

/// The amounts an outcome carries: charged, owed, prior year, repair, each built-in funder,
/// and each local funder the policy declares (in its order).
const SLOTS: usize = 7 + Subsidies::MAX_LOCAL_FUNDERS;

/// One resident's outcome, ready to add: counts and amounts in fen.
#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    enrolled: bool,
    refused: bool,
    error: bool,
    /// charged, owed, prior year, repair, then each funder in [`Funder::ALL`] order, then each
    /// local funder of the policy in its order, in fen.
    fen: [i128; SLOTS],
    /// Whether an amount was not a whole number of fen (then `fen` is unused and the amounts
    /// are added as decimals).
    inexact: bool,
}

/// The amounts of an assessment in the order of [`Outcome::fen`].
fn amounts(a: &Assessment<'_>, locals: &[Funder]) -> [Decimal; SLOTS] {
    let mut out = [Decimal::ZERO; SLOTS];
    let values = [
        a.charged,
        a.owed,
        a.prior_year_charge
            .as_ref()
            .map_or(Decimal::ZERO, |p| p.amount),
        a.repair_charge.as_ref().map_or(Decimal::ZERO, |r| r.amount),
    ]
    .into_iter()
    .chain(Funder::ALL.iter().map(|f| a.subsidies.get(*f)))
    .chain(locals.iter().map(|f| a.subsidies.get(*f)));
    for (slot, value) in out.iter_mut().zip(values) {
        *slot = value;
    }
    out
}

/// An amount as a whole number of fen, if it is one.
#[inline]
fn to_fen(amount: Decimal) -> Option<i128> {
    let mantissa = amount.mantissa();
    match amount.scale() {
        0 => mantissa.checked_mul(100),
        1 => mantissa.checked_mul(10),
        2 => Some(mantissa),
        _ => to_fen_normalized(amount),
    }
}

/// [`to_fen`] for an amount written with more than two decimals (`1.500`).
#[cold]
fn to_fen_normalized(amount: Decimal) -> Option<i128> {
    let normal = amount.normalize();
    let mantissa = normal.mantissa();
    match normal.scale() {
        0 => mantissa.checked_mul(100),
        1 => mantissa.checked_mul(10),
        2 => Some(mantissa),
        _ => None,
    }
}

impl Outcome {
    fn of(
        result: &Result<Assessment<'_>, EvalError>,
        locals: &[Funder],
    ) -> (Outcome, Option<[Decimal; SLOTS]>) {
        match result {
            Ok(a) if a.is_enrolled() => {
                let amounts = amounts(a, locals);
                let mut outcome = Outcome {
                    enrolled: true,
                    ..Outcome::default()
                };
                for (slot, amount) in outcome.fen.iter_mut().zip(amounts) {
                    match to_fen(amount) {
                        Some(fen) => *slot = fen,
                        None => {
                            outcome.inexact = true;
                            return (outcome, Some(amounts));
                        }
                    }
                }
                (outcome, None)
            }
            Ok(_) => (
                Outcome {
                    refused: true,
                    ..Outcome::default()
                },
                None,
            ),
            Err(_) => (
                Outcome {
                    error: true,
                    ..Outcome::default()
                },
                None,
            ),
        }
    }
}

/// [`Totals`] as integers: counts, and amounts in fen, with decimals only for amounts that are
/// not whole fen (which validated policies never produce).
#[derive(Debug, Clone, Default)]
struct Acc {
    residents: u64,
    enrolled: u64,
    refused: u64,
    errors: u64,
    fen: [i128; SLOTS],
    decimals: Option<Box<[Decimal; SLOTS]>>,
}

impl Acc {
    #[inline(always)]
    fn add(&mut self, outcome: &Outcome, inexact: Option<&[Decimal; SLOTS]>) {
        self.residents += 1;
        self.enrolled += u64::from(outcome.enrolled);
        self.refused += u64::from(outcome.refused);
        self.errors += u64::from(outcome.error);
        match inexact {
            None => {
                for (sum, fen) in self.fen.iter_mut().zip(outcome.fen) {
                    *sum += fen;
                }
            }
            Some(amounts) => {
                let decimals = self
                    .decimals
                    .get_or_insert_with(|| Box::new([Decimal::ZERO; SLOTS]));
                for (sum, amount) in decimals.iter_mut().zip(amounts) {
                    *sum += *amount;
                }
            }
        }
    }

    fn merge(&mut self, other: &Acc) {
        self.residents += other.residents;
        self.enrolled += other.enrolled;
        self.refused += other.refused;
        self.errors += other.errors;
        for (sum, fen) in self.fen.iter_mut().zip(other.fen) {
            *sum += fen;
        }
        if let Some(theirs) = &other.decimals {
            let mine = self
                .decimals
                .get_or_insert_with(|| Box::new([Decimal::ZERO; SLOTS]));
            for (sum, amount) in mine.iter_mut().zip(theirs.iter()) {
                *sum += *amount;
            }
        }
    }

    fn totals(&self, locals: &[Funder]) -> Totals {
        let amount = |slot: usize| {
            // A sum of fen beyond Decimal's range (7.9e26 yuan) would need more residents
            // than exist; saturate rather than panic.
            let fen = self.fen.get(slot).copied().unwrap_or(0);
            let whole = Decimal::try_from_i128_with_scale(fen, 2).unwrap_or(if fen < 0 {
                Decimal::MIN
            } else {
                Decimal::MAX
            });
            let extra = self
                .decimals
                .as_ref()
                .and_then(|d| d.get(slot).copied())
                .unwrap_or(Decimal::ZERO);
            whole.normalize() + extra
        };
        let mut subsidies = Subsidies::NONE;
        for (i, funder) in Funder::ALL.iter().chain(locals).enumerate() {
            let value = amount(4 + i);
            if !value.is_zero() {
                subsidies.add(*funder, value);
            }
        }
        Totals {
            residents: self.residents,
            enrolled: self.enrolled,
            refused: self.refused,
            errors: self.errors,
            charged: amount(0),
            owed: amount(1),
            prior_year: amount(2),
            repair: amount(3),
            subsidies,
        }
    }
}

/// A running count of outcomes for one policy: the fast, position-keyed accumulator behind
/// [`Batch`]. Use it directly to summarize residents as they stream in (from a file, a
/// channel) without holding them all; [`Tally::finish`] turns it into a [`Summary`].
///
/// Amounts are added as whole fen in integers, so adding is exact and the order of adding
/// never matters.
///
/// ```
/// use chrono::NaiveDate;
/// use urrbmi_analysis::batch::Tally;
/// use urrbmi::{evaluate, Policy, Resident};
///
/// let policy = Policy::builtin("yanling-2021")?;
/// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let mut tally = Tally::new(&policy);
/// for month in 10..=12 {
///     let resident = Resident::new(date(1980, 1, 1), date(2020, month, 1));
///     tally.add(&resident, &evaluate(&policy, &resident), None);
/// }
/// let summary = tally.finish(None);
/// assert_eq!(summary.totals.enrolled, 3);
/// assert_eq!(summary.totals.owed.to_string(), "840");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Tally<'p> {
    policy: &'p Policy,
    totals: Acc,
    refusals: [u64; RefusalCode::ALL.len()],
    /// The policy's local funders (`[[funder]]`), in its order: their amounts follow the
    /// built-in funders' in every [`Outcome`].
    local_funders: Vec<Funder>,
    /// Refusals with a code the policy declares itself (`[[refusal_code]]`).
    local_refusals: BTreeMap<RefusalCode, u64>,
    /// Per tier of the policy, in file order.
    tiers: Vec<Acc>,
    /// Tiers not in the policy (assessments made under another policy): by id.
    other_tiers: BTreeMap<String, Acc>,
    untiered: Acc,
    /// The built-in categories, then the policy's local ones.
    category_kinds: Vec<CategoryKind>,
    categories: Vec<Acc>,
    /// Categories neither built in nor declared (only reached by residents that erred).
    other_categories: BTreeMap<String, Acc>,
    no_category: Acc,
    groups: Vec<Acc>,
}

impl<'p> Tally<'p> {
    /// An empty tally for `policy`.
    pub fn new(policy: &'p Policy) -> Self {
        let mut category_kinds: Vec<CategoryKind> = CategoryKind::builtin_ids()
            .filter_map(CategoryKind::builtin)
            .collect();
        category_kinds.extend(
            policy
                .spec()
                .categories
                .iter()
                .map(|c| CategoryKind::Local(c.id.as_str().into())),
        );
        Tally {
            policy,
            totals: Acc::default(),
            refusals: [0; RefusalCode::ALL.len()],
            local_refusals: BTreeMap::new(),
            local_funders: policy
                .spec()
                .funders
                .iter()
                .filter_map(|f| urrbmi::LocalId::new(&f.id).map(Funder::Local))
                .collect(),
            tiers: vec![Acc::default(); policy.spec().tiers.len()],
            other_tiers: BTreeMap::new(),
            untiered: Acc::default(),
            categories: vec![Acc::default(); category_kinds.len()],
            category_kinds,
            other_categories: BTreeMap::new(),
            no_category: Acc::default(),
            groups: Vec::new(),
        }
    }

    /// Counts one resident's outcome, under `group` if given.
    pub fn add(
        &mut self,
        resident: &Resident,
        result: &Result<Assessment<'_>, EvalError>,
        group: Option<GroupId>,
    ) {
        let (outcome, inexact) = Outcome::of(result, &self.local_funders);
        let inexact = inexact.as_ref();
        self.totals.add(&outcome, inexact);
        if let Ok(a) = result {
            if let Some(refusal) = &a.refusal {
                let slot = RefusalCode::ALL.iter().position(|c| *c == refusal.code);
                match slot.and_then(|i| self.refusals.get_mut(i)) {
                    Some(count) => *count += 1,
                    None => *self.local_refusals.entry(refusal.code).or_default() += 1,
                }
            } else if a.is_enrolled() {
                match &a.tier {
                    None => self.untiered.add(&outcome, inexact),
                    Some(id) => {
                        // The tier id is borrowed from the policy's own tiers, in file order:
                        // found by address, or by name if made by another policy value.
                        let slot = self.policy.tier_index(id);
                        match slot.and_then(|i| self.tiers.get_mut(i)) {
                            Some(acc) => acc.add(&outcome, inexact),
                            None => self
                                .other_tiers
                                .entry(id.to_string())
                                .or_default()
                                .add(&outcome, inexact),
                        }
                    }
                }
            }
        }
        if resident.categories.is_empty() {
            self.no_category.add(&outcome, inexact);
        }
        for held in &resident.categories {
            let slot = self.category_slot(&held.kind);
            match slot.and_then(|i| self.categories.get_mut(i)) {
                Some(acc) => acc.add(&outcome, inexact),
                None => self
                    .other_categories
                    .entry(held.kind.id().to_string())
                    .or_default()
                    .add(&outcome, inexact),
            }
        }
        if let Some(group) = group {
            let index = group.index();
            if index >= self.groups.len() {
                self.groups.resize(index + 1, Acc::default());
            }
            if let Some(acc) = self.groups.get_mut(index) {
                acc.add(&outcome, inexact);
            }
        }
    }

    fn category_slot(&self, kind: &CategoryKind) -> Option<usize> {
        match kind {
            CategoryKind::Local(name) => {
                let locals = &self.policy.spec().categories;
                let local = locals
                    .iter()
                    .position(|c| c.id == name.as_ref() || c.name == name.as_ref())?;
                Some(self.category_kinds.len() - locals.len() + local)
            }
            builtin => self.category_kinds.iter().position(|k| k == builtin),
        }
    }

    /// This tally with `other` added (for folds and reductions).
    pub fn merged(mut self, other: Tally<'_>) -> Self {
        self.merge(other);
        self
    }

    /// Adds another tally of the same policy into this one.
    pub fn merge(&mut self, other: Tally<'_>) {
        self.totals.merge(&other.totals);
        for (mine, theirs) in self.refusals.iter_mut().zip(other.refusals) {
            *mine += theirs;
        }
        for (code, count) in other.local_refusals {
            *self.local_refusals.entry(code).or_default() += count;
        }
        for (mine, theirs) in self.tiers.iter_mut().zip(&other.tiers) {
            mine.merge(theirs);
        }
        for (id, acc) in &other.other_tiers {
            self.other_tiers.entry(id.clone()).or_default().merge(acc);
        }
        self.untiered.merge(&other.untiered);
        for (mine, theirs) in self.categories.iter_mut().zip(&other.categories) {
            mine.merge(theirs);
        }
        for (id, acc) in &other.other_categories {
            self.other_categories
                .entry(id.clone())
                .or_default()
                .merge(acc);
        }
        self.no_category.merge(&other.no_category);
        if other.groups.len() > self.groups.len() {
            self.groups.resize(other.groups.len(), Acc::default());
        }
        for (mine, theirs) in self.groups.iter_mut().zip(&other.groups) {
            mine.merge(theirs);
        }
    }

    /// The summary, naming groups from `groups` (a group id it does not know is named `#N`).
    /// Tiers, categories and groups that no resident reached are left out.
    pub fn finish(self, groups: Option<&Groups>) -> Summary {
        let mut by_tier: BTreeMap<String, Totals> = self
            .other_tiers
            .iter()
            .map(|(id, acc)| (id.clone(), acc.totals(&self.local_funders)))
            .collect();
        for (tier, acc) in self.policy.spec().tiers.iter().zip(&self.tiers) {
            if acc.residents > 0 {
                by_tier.insert(tier.id.clone(), acc.totals(&self.local_funders));
            }
        }
        let mut by_category: BTreeMap<String, Totals> = self
            .other_categories
            .iter()
            .map(|(id, acc)| (id.clone(), acc.totals(&self.local_funders)))
            .collect();
        for (kind, acc) in self.category_kinds.iter().zip(&self.categories) {
            if acc.residents > 0 {
                by_category.insert(kind.id().to_string(), acc.totals(&self.local_funders));
            }
        }
        let mut by_group: BTreeMap<String, Totals> = BTreeMap::new();
        for (index, acc) in self.groups.iter().enumerate() {
            if acc.residents == 0 {
                continue;
            }
            let id = GroupId(u32::try_from(index).unwrap_or(u32::MAX));
            let name = groups
                .and_then(|g| g.name(id))
                .map_or_else(|| format!("#{index}"), str::to_string);
            by_group
                .entry(name)
                .or_default()
                .merge(&acc.totals(&self.local_funders));
        }
        Summary {
            policy: self.policy.id().to_string(),
            totals: self.totals.totals(&self.local_funders),
            refusals: RefusalCode::ALL
                .into_iter()
                .zip(self.refusals)
                .filter(|(_, n)| *n > 0)
                .chain(self.local_refusals.clone())
                .collect(),
            by_tier,
            untiered: self.untiered.totals(&self.local_funders),
            by_category,
            no_category: self.no_category.totals(&self.local_funders),
            by_group,
        }
    }
}

/// The per-resident answers of a batch, in input order, and their summary. The assessments
/// borrow from the policy (`'p`).
#[derive(Debug, Clone)]
pub struct BatchOutput<'p> {
    /// One result per resident, in the order given.
    pub assessments: Vec<Result<Assessment<'p>, EvalError>>,
    /// The summary of all of them.
    pub summary: Summary,
}

/// A batch whose grouping does not fit its residents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The group ids are not one per resident.
    #[error(
        "{groups} group ids were given for {residents} residents; give exactly one group id per resident, in the same order"
    )]
    GroupCount {
        /// The number of residents.
        residents: usize,
        /// The number of group ids.
        groups: usize,
    },
}

/// A batch evaluation of residents against one policy: see the [module docs](self).
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    policy: &'a Policy,
    parallel: bool,
    groups: Option<(&'a Groups, &'a [GroupId])>,
}

impl<'a> Batch<'a> {
    /// A batch for `policy`: parallel when the `rayon` feature is on, without grouping.
    pub fn new(policy: &'a Policy) -> Self {
        Batch {
            policy,
            parallel: cfg!(feature = "rayon"),
            groups: None,
        }
    }

    /// Runs on all cores (`true`, needs the `rayon` feature; ignored without it) or on the
    /// calling thread only (`false`). The results are the same either way.
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel && cfg!(feature = "rayon");
        self
    }

    /// Whether the batch will run in parallel.
    pub fn is_parallel(&self) -> bool {
        self.parallel
    }

    /// Groups the residents: `ids[i]` is the group of resident `i`, named in `groups`.
    pub fn grouped(mut self, groups: &'a Groups, ids: &'a [GroupId]) -> Self {
        self.groups = Some((groups, ids));
        self
    }

    fn check(&self, residents: &[Resident]) -> Result<Option<&'a [GroupId]>, BatchError> {
        match self.groups {
            Some((_, ids)) if ids.len() != residents.len() => Err(BatchError::GroupCount {
                residents: residents.len(),
                groups: ids.len(),
            }),
            Some((_, ids)) => Ok(Some(ids)),
            None => Ok(None),
        }
    }

    /// Evaluates every resident and summarizes: the assessments in input order and the
    /// summary. See [`Batch::run_into`] to reuse the memory of the assessments between runs.
    pub fn run(&self, residents: &[Resident]) -> Result<BatchOutput<'a>, BatchError> {
        let mut assessments = Vec::new();
        let summary = self.run_into(residents, &mut assessments)?;
        Ok(BatchOutput {
            assessments,
            summary,
        })
    }

    /// Like [`Batch::run`], but puts the assessments into `out` and returns the summary:
    /// afterwards `out` holds one result per resident, in input order, whatever it held
    /// before. Giving the same vector to run after run reuses its memory instead of allocating
    /// (and the kernel clearing) fresh memory for every batch.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use urrbmi_analysis::batch::Batch;
    /// use urrbmi::{Policy, Resident};
    ///
    /// let policy = Policy::builtin("ziyang-2021")?;
    /// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    /// let batch = Batch::new(&policy);
    /// let mut out = Vec::new();
    /// for day in 1..=3 {
    ///     let residents = vec![Resident::new(date(1980, 1, 1), date(2020, 10, day)); 100];
    ///     let summary = batch.run_into(&residents, &mut out)?;
    ///     assert_eq!((out.len(), summary.totals.enrolled), (100, 100));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_into(
        &self,
        residents: &[Resident],
        out: &mut Vec<Result<Assessment<'a>, EvalError>>,
    ) -> Result<Summary, BatchError> {
        let ids = self.check(residents)?;
        Ok(self.fill(residents, out, ids))
    }

    /// Puts one result per resident into `out` and returns their summary. Each task
    /// evaluates a chunk into its part of `out` and counts it while it is still in cache;
    /// every worker evaluates against the one policy (assessments only borrow from it).
    fn fill(
        &self,
        residents: &[Resident],
        out: &mut Vec<Result<Assessment<'a>, EvalError>>,
        ids: Option<&[GroupId]>,
    ) -> Summary {
        let groups = self.groups.map(|(g, _)| g);
        let policy = self.policy;
        // One slot per resident, each overwritten below: a kept slot holds the last run's
        // result, a new one this placeholder (no allocation).
        let placeholder = Err(EvalError::DisabilityWithoutGrade { index: usize::MAX });
        out.truncate(residents.len());
        let missing = residents.len() - out.len();
        #[cfg(feature = "rayon")]
        if self.parallel {
            use rayon::prelude::*;
            // New memory is first touched by all workers, not by this thread alone.
            out.par_extend(rayon::iter::repeat_n(placeholder, missing));
            let tally = residents
                .par_chunks(CHUNK)
                .zip(out.par_chunks_mut(CHUNK))
                .enumerate()
                .map(|(n, (chunk, slots))| {
                    let mut tally = Tally::new(policy);
                    let ids = ids.and_then(|ids| ids.get(n * CHUNK..));
                    fill_chunk(&mut tally, policy, chunk, slots, ids);
                    tally
                })
                .reduce(|| Tally::new(policy), Tally::merged);
            return tally.finish(groups);
        }
        out.extend(std::iter::repeat_n(placeholder, missing));
        let mut tally = Tally::new(policy);
        fill_chunk(&mut tally, policy, residents, out, ids);
        tally.finish(groups)
    }

    /// Evaluates every resident and returns only the summary (no assessment is kept, so the
    /// memory used does not grow with the batch).
    pub fn summarize(&self, residents: &[Resident]) -> Result<Summary, BatchError> {
        let ids = self.check(residents)?;
        let groups = self.groups.map(|(g, _)| g);
        #[cfg(feature = "rayon")]
        if self.parallel {
            use rayon::prelude::*;
            let policy = self.policy;
            let tally = residents
                .par_chunks(CHUNK)
                .enumerate()
                .map(|(n, chunk)| {
                    let mut tally = Tally::new(policy);
                    let ids = ids.and_then(|ids| ids.get(n * CHUNK..));
                    tally_chunk(&mut tally, policy, chunk, ids);
                    tally
                })
                .reduce(|| Tally::new(policy), Tally::merged);
            return Ok(tally.finish(groups));
        }
        let mut tally = Tally::new(self.policy);
        tally_chunk(&mut tally, self.policy, residents, ids);
        Ok(tally.finish(groups))
    }
}

/// Evaluates `residents` into `slots` (one each) and counts them into `tally`.
fn fill_chunk<'p>(
    tally: &mut Tally<'p>,
    policy: &'p Policy,
    residents: &[Resident],
    slots: &mut [Result<Assessment<'p>, EvalError>],
    ids: Option<&[GroupId]>,
) {
    for (i, (resident, slot)) in residents.iter().zip(slots).enumerate() {
        *slot = evaluate(policy, resident);
        tally.add(resident, slot, ids.and_then(|ids| ids.get(i).copied()));
    }
}

/// Evaluates `residents` under `evaluator` and counts them into `tally`.
fn tally_chunk(
    tally: &mut Tally<'_>,
    evaluator: &Policy,
    residents: &[Resident],
    ids: Option<&[GroupId]>,
) {
    for (i, resident) in residents.iter().enumerate() {
        let group = ids.and_then(|ids| ids.get(i).copied());
        tally.add(resident, &evaluate(evaluator, resident), group);
    }
}

/// Evaluates every resident against `policy` (in parallel with the `rayon` feature) and
/// summarizes, without grouping. See [`Batch`] for grouping and for choosing one thread.
pub fn evaluate_batch<'p>(policy: &'p Policy, residents: &[Resident]) -> BatchOutput<'p> {
    let mut assessments = Vec::new();
    let summary = Batch::new(policy).fill(residents, &mut assessments, None);
    BatchOutput {
        assessments,
        summary,
    }
}

/// The summary of residents taken from an iterator (a channel, a file being read), evaluated
/// one at a time on the calling thread, without grouping. See [`Tally`] to group them.
///
/// ```
/// use chrono::NaiveDate;
/// use urrbmi::{Policy, Resident};
/// use urrbmi_analysis::batch::summarize_iter;
/// let policy = Policy::builtin("ziyang-2021")?;
/// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let residents = (1..=28).map(|day| Resident::new(date(1980, 1, 1), date(2020, 10, day)));
/// assert_eq!(summarize_iter(&policy, residents).totals.enrolled, 28);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn summarize_iter<R: std::borrow::Borrow<Resident>>(
    policy: &Policy,
    residents: impl IntoIterator<Item = R>,
) -> Summary {
    let mut tally = Tally::new(policy);
    for resident in residents {
        let resident = resident.borrow();
        tally.add(resident, &evaluate(policy, resident), None);
    }
    tally.finish(None)
}

/// The summary of evaluating every resident against `policy`, without grouping and without
/// keeping the assessments.
pub fn summarize(policy: &Policy, residents: &[Resident]) -> Summary {
    match Batch::new(policy).summarize(residents) {
        Ok(summary) => summary,
        // Without grouping there is nothing to mismatch; count every resident anyway.
        Err(_) => {
            let mut tally = Tally::new(policy);
            tally_chunk(&mut tally, policy, residents, None);
            tally.finish(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_groups_thousands_and_keeps_two_decimals() {
        assert_eq!(yuan(Decimal::new(98_000_000, 0)), "98,000,000.00");
        assert_eq!(yuan(Decimal::new(9367, 2)), "93.67");
        assert_eq!(yuan(Decimal::new(-1234567, 1)), "-123,456.70");
        assert_eq!(yuan(Decimal::ZERO), "0.00");
    }

    #[test]
    fn groups_intern_each_name_once() {
        let mut groups = Groups::new();
        let a = groups.intern("沙头镇");
        let b = groups.intern("长春镇");
        assert_eq!(groups.intern("沙头镇"), a);
        assert_ne!(a, b);
        assert_eq!(groups.name(b), Some("长春镇"));
        assert_eq!(groups.get("新桥河镇"), None);
        assert_eq!(groups.len(), 2);
    }
}
