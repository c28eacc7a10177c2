//! The running count behind every summary: [`Tally`], position-keyed and in integer fen.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use urrbmi::policy::Policy;
use urrbmi::{Assessment, CategoryKind, EvalError, Funder, RefusalCode, Resident, Subsidies};

use super::{GroupId, Groups, Summary, Totals};

/// One resident's outcome, ready to add: counts and amounts in fen.
#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    enrolled: bool,
    refused: bool,
    error: bool,
    /// charged, owed, prior year, repair, then each funder in [`Funder::ALL`] order, in fen.
    fen: [i128; 7],
    /// Whether an amount was not a whole number of fen (then `fen` is unused and the amounts
    /// are added as decimals).
    inexact: bool,
}

/// The amounts of an assessment in the order of [`Outcome::fen`].
fn amounts(a: &Assessment<'_>) -> [Decimal; 7] {
    [
        a.charged,
        a.owed,
        a.prior_year_charge
            .as_ref()
            .map_or(Decimal::ZERO, |p| p.amount),
        a.repair_charge.as_ref().map_or(Decimal::ZERO, |r| r.amount),
        a.subsidies.get(Funder::ALL[0]),
        a.subsidies.get(Funder::ALL[1]),
        a.subsidies.get(Funder::ALL[2]),
    ]
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
    fn of(result: &Result<Assessment<'_>, EvalError>) -> (Outcome, Option<[Decimal; 7]>) {
        match result {
            Ok(a) if a.is_enrolled() => {
                let amounts = amounts(a);
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
    fen: [i128; 7],
    decimals: Option<Box<[Decimal; 7]>>,
}

impl Acc {
    #[inline(always)]
    fn add(&mut self, outcome: &Outcome, inexact: Option<&[Decimal; 7]>) {
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
                    .get_or_insert_with(|| Box::new([Decimal::ZERO; 7]));
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
                .get_or_insert_with(|| Box::new([Decimal::ZERO; 7]));
            for (sum, amount) in mine.iter_mut().zip(theirs.iter()) {
                *sum += *amount;
            }
        }
    }

    fn totals(&self) -> Totals {
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
        for (i, funder) in Funder::ALL.iter().enumerate() {
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
        let (outcome, inexact) = Outcome::of(result);
        let inexact = inexact.as_ref();
        self.totals.add(&outcome, inexact);
        if let Ok(a) = result {
            if let Some(refusal) = &a.refusal {
                let slot = RefusalCode::ALL.iter().position(|c| *c == refusal.code);
                if let Some(count) = slot.and_then(|i| self.refusals.get_mut(i)) {
                    *count += 1;
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
            .map(|(id, acc)| (id.clone(), acc.totals()))
            .collect();
        for (tier, acc) in self.policy.spec().tiers.iter().zip(&self.tiers) {
            if acc.residents > 0 {
                by_tier.insert(tier.id.clone(), acc.totals());
            }
        }
        let mut by_category: BTreeMap<String, Totals> = self
            .other_categories
            .iter()
            .map(|(id, acc)| (id.clone(), acc.totals()))
            .collect();
        for (kind, acc) in self.category_kinds.iter().zip(&self.categories) {
            if acc.residents > 0 {
                by_category.insert(kind.id().to_string(), acc.totals());
            }
        }
        let mut by_group: BTreeMap<String, Totals> = BTreeMap::new();
        for (index, acc) in self.groups.iter().enumerate() {
            if acc.residents == 0 {
                continue;
            }
            let id = GroupId::from_index(index);
            let name = groups
                .and_then(|g| g.name(id))
                .map_or_else(|| format!("#{index}"), str::to_string);
            by_group.entry(name).or_default().merge(&acc.totals());
        }
        Summary {
            policy: self.policy.id().to_string(),
            totals: self.totals.totals(),
            refusals: RefusalCode::ALL
                .into_iter()
                .zip(self.refusals)
                .filter(|(_, n)| *n > 0)
                .collect(),
            by_tier,
            untiered: self.untiered.totals(),
            by_category,
            no_category: self.no_category.totals(),
            by_group,
        }
    }
}
