//! The running count behind every summary: [`Tally`], position-keyed and in integer fen.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use urrbmi::policy::Policy;
use urrbmi::{Assessment, CategoryKind, EvalError, Funder, RefusalCode, Resident, Subsidies};

use super::record::{self, Record, RecordStatus, SUMMED};
use super::{GroupId, Groups, StartMonth, Summary, Totals};
use crate::money::from_fen as yuan;

/// Sums of amounts in fen: the 32-bit amounts of records added into `i64`, carried into
/// `i128` before 2³¹ of them could overflow it, so adding is exact whatever the number of
/// residents.
#[derive(Debug, Clone, Default)]
struct Fen {
    pending: [i64; SUMMED],
    carried: [i128; SUMMED],
}

/// How many additions a [`Fen`] takes before carrying (2³¹ amounts of at most 2³¹ fen each
/// stay below 2⁶²).
const CARRY_EVERY: u64 = 1 << 31;

impl Fen {
    #[inline(always)]
    fn add(&mut self, amounts: &[i32]) {
        for (sum, fen) in self.pending.iter_mut().zip(amounts) {
            *sum += i64::from(*fen);
        }
    }

    /// Moves the pending sums into the carried ones.
    #[cold]
    fn carry(&mut self) {
        for (carried, pending) in self.carried.iter_mut().zip(self.pending.iter_mut()) {
            *carried += i128::from(std::mem::take(pending));
        }
    }

    fn merge(&mut self, other: &Fen) {
        self.carry();
        for (carried, (pending, theirs)) in self
            .carried
            .iter_mut()
            .zip(other.pending.iter().zip(&other.carried))
        {
            *carried += i128::from(*pending) + theirs;
        }
    }

    /// Takes `other`'s sums away from these.
    fn subtract(&mut self, other: &Fen) {
        self.carry();
        for (carried, slot) in self.carried.iter_mut().zip(0..) {
            *carried -= other.get(slot);
        }
    }

    /// The sum at `slot`.
    fn get(&self, slot: usize) -> i128 {
        let pending = self.pending.get(slot).copied().unwrap_or(0);
        self.carried.get(slot).copied().unwrap_or(0) + i128::from(pending)
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
    fen: Fen,
    decimals: Option<Box<[Decimal; SUMMED]>>,
}

impl Acc {
    /// Counts one resident; `exact` holds the amounts when the record's are not exact.
    #[inline(always)]
    fn add(&mut self, record: &Record, exact: Option<&[Decimal; SUMMED]>) {
        match record.status() {
            RecordStatus::Enrolled => self.add_enrolled(record, exact),
            RecordStatus::Refused(_) => {
                self.residents += 1;
                self.refused += 1;
            }
            _ => {
                self.residents += 1;
                self.errors += 1;
            }
        }
    }

    /// Counts one enrolled resident.
    #[inline(always)]
    fn add_enrolled(&mut self, record: &Record, exact: Option<&[Decimal; SUMMED]>) {
        self.residents += 1;
        self.enrolled += 1;
        match exact {
            None => {
                if self.enrolled.is_multiple_of(CARRY_EVERY) {
                    self.fen.carry();
                }
                self.fen.add(record.summed_fen());
            }
            Some(amounts) => self.add_decimals(amounts),
        }
    }

    #[cold]
    fn add_decimals(&mut self, amounts: &[Decimal; SUMMED]) {
        let decimals = self
            .decimals
            .get_or_insert_with(|| Box::new([Decimal::ZERO; SUMMED]));
        for (sum, amount) in decimals.iter_mut().zip(amounts) {
            *sum += *amount;
        }
    }

    fn merge(&mut self, other: &Acc) {
        self.residents += other.residents;
        self.enrolled += other.enrolled;
        self.refused += other.refused;
        self.errors += other.errors;
        self.fen.merge(&other.fen);
        if let Some(theirs) = &other.decimals {
            self.add_decimals(theirs);
        }
    }

    /// `self` without the residents of `part` (counted in `self` as well).
    fn minus(&self, part: &Acc) -> Acc {
        let mut rest = self.clone();
        rest.residents = rest.residents.saturating_sub(part.residents);
        rest.enrolled = rest.enrolled.saturating_sub(part.enrolled);
        rest.refused = rest.refused.saturating_sub(part.refused);
        rest.errors = rest.errors.saturating_sub(part.errors);
        rest.fen.subtract(&part.fen);
        if let Some(theirs) = &part.decimals {
            let mine = rest
                .decimals
                .get_or_insert_with(|| Box::new([Decimal::ZERO; SUMMED]));
            for (sum, amount) in mine.iter_mut().zip(theirs.iter()) {
                *sum -= *amount;
            }
        }
        rest
    }

    /// The totals, with each funder's amount taken from its slot (see [`Tally::funders`]).
    fn totals(&self, funders: &[(Funder, usize)]) -> Totals {
        let amount = |slot: usize| {
            let extra = self
                .decimals
                .as_ref()
                .and_then(|d| d.get(slot).copied())
                .unwrap_or(Decimal::ZERO);
            yuan(self.fen.get(slot)) + extra
        };
        let mut subsidies = Subsidies::NONE;
        for (funder, slot) in funders {
            let value = amount(*slot);
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

/// Enrolled residents by the day their benefits begin (reported by month): a slot per day,
/// found from the date's year and day of the year without a calendar lookup.
#[derive(Debug, Clone, Default)]
struct Days {
    /// The day of `slots[0]`, as [`Days::of`].
    first: i32,
    slots: Vec<DayAcc>,
}

#[derive(Debug, Clone, Default)]
struct DayAcc {
    residents: u64,
    /// What they owe, in fen.
    owed: i128,
    /// Owed amounts that are not whole fen.
    extra: Decimal,
}

impl Days {
    /// `date` as `year * 512 + day of the year` (from 1): a shift and an addition.
    #[inline(always)]
    fn of(date: NaiveDate) -> i32 {
        (date.year() << 9) + i32::try_from(date.ordinal()).unwrap_or(0)
    }

    /// The slot of `day`, made if needed.
    #[inline(always)]
    fn slot(&mut self, day: i32) -> Option<&mut DayAcc> {
        let index = usize::try_from(day.wrapping_sub(self.first)).ok();
        match index {
            Some(index) if index < self.slots.len() => self.slots.get_mut(index),
            _ => self.grow(day),
        }
    }

    /// Makes room for `day`, before or after the days held.
    #[cold]
    fn grow(&mut self, day: i32) -> Option<&mut DayAcc> {
        if self.slots.is_empty() {
            self.first = day;
        }
        if day < self.first {
            let missing = usize::try_from(self.first - day).ok()?;
            self.slots
                .splice(0..0, std::iter::repeat_n(DayAcc::default(), missing));
            self.first = day;
        }
        let index = usize::try_from(day - self.first).ok()?;
        if index >= self.slots.len() {
            self.slots.resize(index + 1, DayAcc::default());
        }
        self.slots.get_mut(index)
    }

    #[inline(always)]
    fn add(&mut self, start: NaiveDate, owed_fen: i64, exact_owed: Option<Decimal>) {
        if let Some(acc) = self.slot(Days::of(start)) {
            acc.residents += 1;
            match exact_owed {
                None => acc.owed += i128::from(owed_fen),
                Some(owed) => acc.extra += owed,
            }
        }
    }

    fn merge(&mut self, other: &Days) {
        for (i, theirs) in other.slots.iter().enumerate() {
            if theirs.residents == 0 {
                continue;
            }
            let day = other.first + i32::try_from(i).unwrap_or(i32::MAX);
            if let Some(mine) = self.slot(day) {
                mine.residents += theirs.residents;
                mine.owed += theirs.owed;
                mine.extra += theirs.extra;
            }
        }
    }

    /// The days, added up by month (`YYYY-MM`).
    fn by_month(&self) -> BTreeMap<String, StartMonth> {
        let mut months: BTreeMap<String, StartMonth> = BTreeMap::new();
        for (i, acc) in self.slots.iter().enumerate() {
            if acc.residents == 0 {
                continue;
            }
            let day = self.first + i32::try_from(i).unwrap_or(i32::MAX);
            let (year, ordinal) = (day >> 9, day & 511);
            let date = u32::try_from(ordinal)
                .ok()
                .and_then(|ordinal| NaiveDate::from_yo_opt(year, ordinal));
            let key = date.map_or_else(
                || format!("{year:04}-??"),
                |d| format!("{:04}-{:02}", d.year(), d.month()),
            );
            months.entry(key).or_default().merge(&StartMonth {
                residents: acc.residents,
                owed: yuan(acc.owed) + acc.extra,
            });
        }
        months
    }
}

/// A running count of outcomes for one policy: the fast, position-keyed accumulator behind
/// [`Batch`](super::Batch). Use it directly to summarize residents as they stream in (from a
/// file, a channel) without holding them all; [`Tally::finish`] turns it into a [`Summary`].
///
/// Amounts are added as whole fen in integers, so adding is exact and the order of adding
/// never matters. A tally made by [`Tally::totals_only`] counts the totals, the refusals and
/// the benefit starts, without the breakdowns by tier, category and group.
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
/// assert_eq!(summary.benefit_starts["2021-01"].residents, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Tally<'p> {
    policy: &'p Policy,
    totals_only: bool,
    refused: u64,
    errors: u64,
    refusals: [u64; RefusalCode::ALL.len()],
    /// Refusal codes not in [`RefusalCode::ALL`].
    other_refusals: BTreeMap<RefusalCode, u64>,
    starts: Days,
    /// Enrolled residents in no tier row: every one in totals-only mode; otherwise only an
    /// assessment that is enrolled and carries a refusal (which `evaluate` never makes).
    enrolled_rest: Acc,
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
    /// Residents holding at least one category, each counted once: the residents holding none
    /// are all the others, so the common case adds nothing here.
    categorized: Acc,
    groups: GroupAccs,
    /// Every funder of the policy (the built-in ones, then those it declares) with the slot of
    /// its amount among a record's.
    funders: Vec<(Funder, usize)>,
}

/// Group ids below this are counted in a vector by position; the others in a map, so that a
/// tally of a few residents of a roster of a million groups costs what it counts, not the
/// number of groups (a batch makes a tally per split of its chunk).
const DENSE_GROUPS: usize = 4096;

/// The accumulators of the groups a tally has met.
#[derive(Debug, Clone, Default)]
struct GroupAccs {
    dense: Vec<Acc>,
    sparse: std::collections::HashMap<GroupId, Acc>,
}

impl GroupAccs {
    #[inline]
    fn get_mut(&mut self, group: GroupId) -> &mut Acc {
        let index = group.index();
        if index < DENSE_GROUPS {
            if index >= self.dense.len() {
                self.dense.resize(index + 1, Acc::default());
            }
            if let Some(acc) = self.dense.get_mut(index) {
                return acc;
            }
        }
        self.sparse.entry(group).or_default()
    }

    fn merge(&mut self, other: &GroupAccs) {
        if other.dense.len() > self.dense.len() {
            self.dense.resize(other.dense.len(), Acc::default());
        }
        for (mine, theirs) in self.dense.iter_mut().zip(&other.dense) {
            mine.merge(theirs);
        }
        for (group, acc) in &other.sparse {
            self.sparse.entry(*group).or_default().merge(acc);
        }
    }

    fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
    }

    /// Every group met, with its accumulator.
    fn iter(&self) -> impl Iterator<Item = (GroupId, &Acc)> + '_ {
        self.dense
            .iter()
            .enumerate()
            .map(|(i, acc)| (GroupId::from_index(i), acc))
            .chain(self.sparse.iter().map(|(g, acc)| (*g, acc)))
    }
}

impl<'p> Tally<'p> {
    /// An empty tally for `policy`, with every breakdown.
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
            totals_only: false,
            refused: 0,
            errors: 0,
            refusals: [0; RefusalCode::ALL.len()],
            other_refusals: BTreeMap::new(),
            starts: Days::default(),
            enrolled_rest: Acc::default(),
            tiers: vec![Acc::default(); policy.spec().tiers.len()],
            other_tiers: BTreeMap::new(),
            untiered: Acc::default(),
            categories: vec![Acc::default(); category_kinds.len()],
            category_kinds,
            other_categories: BTreeMap::new(),
            categorized: Acc::default(),
            groups: GroupAccs::default(),
            funders: record::funders_of(policy)
                .filter_map(|f| Some((f, record::funder_slot(policy, f)?)))
                .collect(),
        }
    }

    /// An empty tally for `policy` that counts the totals, the refusals and the benefit
    /// starts only: no tier, category or group rows (see [`Summary::totals_only`]).
    pub fn totals_only(policy: &'p Policy) -> Self {
        Tally {
            totals_only: true,
            tiers: Vec::new(),
            category_kinds: Vec::new(),
            categories: Vec::new(),
            ..Tally::new(policy)
        }
    }

    /// Whether this tally counts the totals only.
    pub fn is_totals_only(&self) -> bool {
        self.totals_only
    }

    /// Counts one resident's outcome, under `group` if given (a totals-only tally ignores
    /// the group).
    pub fn add(
        &mut self,
        resident: &Resident,
        result: &Result<Assessment<'_>, EvalError>,
        group: Option<GroupId>,
    ) {
        let record = record::amounts_of(self.policy, result);
        self.add_record(resident, &record, result, group);
    }

    /// Counts one resident from its record and the assessment the record was made from (the
    /// assessment is read only for what the record cannot say exactly).
    #[inline]
    pub(super) fn add_record(
        &mut self,
        resident: &Resident,
        record: &Record,
        result: &Result<Assessment<'_>, EvalError>,
        group: Option<GroupId>,
    ) {
        if record.is_exact() {
            self.add_with(resident, record, result, group, None);
        } else {
            self.add_inexact(resident, record, result, group);
        }
    }

    /// [`Tally::add_record`] for a record whose amounts are not exact: the assessment's are
    /// added instead.
    #[cold]
    fn add_inexact(
        &mut self,
        resident: &Resident,
        record: &Record,
        result: &Result<Assessment<'_>, EvalError>,
        group: Option<GroupId>,
    ) {
        let exact = result.as_ref().ok().map(|a| exact_amounts(self.policy, a));
        self.add_with(resident, record, result, group, exact.as_ref());
    }

    #[inline(always)]
    fn add_with(
        &mut self,
        resident: &Resident,
        record: &Record,
        result: &Result<Assessment<'_>, EvalError>,
        group: Option<GroupId>,
        exact: Option<&[Decimal; SUMMED]>,
    ) {
        let assessment = result.as_ref().ok();
        let refusal = assessment.and_then(|a| a.refusal.as_ref()).map(|r| r.code);
        match record.status() {
            RecordStatus::Enrolled => {
                if let Some(start) = record.benefit_start() {
                    let owed = exact.and_then(|a| a.get(record::OWED).copied());
                    self.starts.add(start, record.owed_fen(), owed);
                }
                if self.totals_only || refusal.is_some() {
                    self.enrolled_rest.add_enrolled(record, exact);
                } else {
                    self.add_to_tier(record, exact, assessment.and_then(|a| a.tier));
                }
            }
            RecordStatus::Refused(_) => self.refused += 1,
            _ => self.errors += 1,
        }
        if let Some(code) = refusal {
            self.count_refusal(code);
        }
        if self.totals_only {
            return;
        }
        if !resident.categories.is_empty() {
            self.categorized.add(record, exact);
        }
        for held in &resident.categories {
            let slot = self.category_slot(&held.kind);
            match slot.and_then(|i| self.categories.get_mut(i)) {
                Some(acc) => acc.add(record, exact),
                None => self
                    .other_categories
                    .entry(held.kind.id().to_string())
                    .or_default()
                    .add(record, exact),
            }
        }
        if let Some(group) = group {
            self.groups.get_mut(group).add(record, exact);
        }
    }

    /// Counts an enrolled resident under its tier: by position when the tier is one of the
    /// policy's, by id otherwise (an assessment made by another policy value).
    #[inline(always)]
    fn add_to_tier(
        &mut self,
        record: &Record,
        exact: Option<&[Decimal; SUMMED]>,
        tier: Option<&str>,
    ) {
        match (
            record.tier_index().and_then(|i| self.tiers.get_mut(i)),
            tier,
        ) {
            (Some(acc), _) => acc.add(record, exact),
            (None, None) => self.untiered.add(record, exact),
            (None, Some(id)) => self
                .other_tiers
                .entry(id.to_string())
                .or_default()
                .add(record, exact),
        }
    }

    #[inline]
    fn count_refusal(&mut self, code: RefusalCode) {
        match RefusalCode::ALL.iter().position(|c| *c == code) {
            Some(i) => {
                if let Some(count) = self.refusals.get_mut(i) {
                    *count += 1;
                }
            }
            None => *self.other_refusals.entry(code).or_default() += 1,
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

    /// Adds another tally of the same policy into this one. When one of the two counts the
    /// totals only, so does the result: its breakdowns would be counts of part of the
    /// residents.
    pub fn merge(&mut self, mut other: Tally<'_>) {
        if self.totals_only != other.totals_only {
            self.drop_breakdowns();
            other.drop_breakdowns();
        }
        self.refused += other.refused;
        self.errors += other.errors;
        for (mine, theirs) in self.refusals.iter_mut().zip(other.refusals) {
            *mine += theirs;
        }
        for (code, count) in &other.other_refusals {
            *self.other_refusals.entry(*code).or_default() += count;
        }
        self.starts.merge(&other.starts);
        self.enrolled_rest.merge(&other.enrolled_rest);
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
        self.categorized.merge(&other.categorized);
        self.groups.merge(&other.groups);
    }

    /// Turns this tally into a totals-only one: the enrolled residents of the tier rows move
    /// into the rest, the other rows are dropped.
    fn drop_breakdowns(&mut self) {
        let mut rest = std::mem::take(&mut self.enrolled_rest);
        for acc in self
            .tiers
            .drain(..)
            .chain(std::mem::take(&mut self.other_tiers).into_values())
            .chain([std::mem::take(&mut self.untiered)])
        {
            rest.merge(&acc);
        }
        self.enrolled_rest = rest;
        self.category_kinds.clear();
        self.categories.clear();
        self.other_categories.clear();
        self.categorized = Acc::default();
        self.groups.clear();
        self.totals_only = true;
    }

    /// The summary, naming groups from `groups` (a group id it does not know is named `#N`).
    /// Tiers, categories, groups and months that no resident reached are left out.
    pub fn finish(self, groups: Option<&Groups>) -> Summary {
        let funders = self.funders.clone();
        let mut enrolled = self.enrolled_rest.clone();
        for acc in self
            .tiers
            .iter()
            .chain(self.other_tiers.values())
            .chain([&self.untiered])
        {
            enrolled.merge(acc);
        }
        // Everyone: the enrolled, and the refused and the erred, who carry no amounts.
        let mut everyone = enrolled;
        everyone.refused = self.refused;
        everyone.errors = self.errors;
        everyone.residents = everyone.enrolled + self.refused + self.errors;
        let totals = everyone.totals(&funders);

        let mut refusals: BTreeMap<RefusalCode, u64> = self.other_refusals.clone();
        for (code, count) in RefusalCode::ALL.into_iter().zip(self.refusals) {
            if count > 0 {
                *refusals.entry(code).or_default() += count;
            }
        }
        let mut summary = Summary {
            policy: self.policy.id().to_string(),
            totals_only: self.totals_only,
            totals,
            refusals,
            benefit_starts: self.starts.by_month(),
            ..Summary::default()
        };
        if self.totals_only {
            return summary;
        }

        summary.by_tier = self
            .other_tiers
            .iter()
            .map(|(id, acc)| (id.clone(), acc.totals(&funders)))
            .collect();
        for (tier, acc) in self.policy.spec().tiers.iter().zip(&self.tiers) {
            if acc.residents > 0 {
                summary
                    .by_tier
                    .insert(tier.id.clone(), acc.totals(&funders));
            }
        }
        summary.untiered = self.untiered.totals(&funders);
        summary.by_category = self
            .other_categories
            .iter()
            .map(|(id, acc)| (id.clone(), acc.totals(&funders)))
            .collect();
        for (kind, acc) in self.category_kinds.iter().zip(&self.categories) {
            if acc.residents > 0 {
                summary
                    .by_category
                    .insert(kind.id().to_string(), acc.totals(&funders));
            }
        }
        summary.no_category = everyone.minus(&self.categorized).totals(&funders);
        for (id, acc) in self.groups.iter() {
            if acc.residents == 0 {
                continue;
            }
            let name = groups
                .and_then(|g| g.name(id))
                .map_or_else(|| format!("#{}", id.index()), str::to_string);
            let totals = acc.totals(&funders);
            let row = summary.by_group.entry(name).or_default();
            // Two groups of one name (both of this tally's policy): their funders are the
            // policy's, and their sums stay in range (each saturates below Decimal's range).
            if row.merge(&totals).is_err() {
                *row = totals;
            }
        }
        summary
    }
}

/// The amounts of an assessment in the order of [`Record`]'s summed amounts: charged, owed,
/// prior year, repair, then each funder at its slot (zero when not enrolled).
#[cold]
fn exact_amounts(policy: &Policy, a: &Assessment<'_>) -> [Decimal; SUMMED] {
    let mut amounts = [Decimal::ZERO; SUMMED];
    if !a.is_enrolled() {
        return amounts;
    }
    let fixed = [
        a.charged,
        a.owed,
        a.prior_year_charge
            .as_ref()
            .map_or(Decimal::ZERO, |p| p.amount),
        a.repair_charge.as_ref().map_or(Decimal::ZERO, |r| r.amount),
    ];
    for (slot, amount) in amounts.iter_mut().zip(fixed) {
        *slot = amount;
    }
    record::place_subsidies(policy, a, &mut amounts, |amount| amount);
    amounts
}
