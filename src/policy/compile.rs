//! What evaluation needs ready-made, worked out once when a policy is loaded.
//!
//! Every rule and every tier becomes one value that carries all of its conditions
//! ([`CompiledRule`], [`CompiledTier`]), with its names resolved (categories and special
//! circumstances to positions in small sets, extensions to their index, conventions to the
//! variant the file declares). [`evaluate`](crate::evaluate) tests those values and nothing
//! else: it never looks back at the file as written. The notes a trace cites and the refusal
//! messages are built here too, so that an assessment only borrows them.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::schema::{
    AgeOn, AgeRange, BirthRange, Charge, Cited, EndDates, ExtensionWho, GradeRef, Months,
    NewbornStatus, NextMonth, PolicySpec, RepairPrice, StartFrom, StartRule, SubsidyTier,
    TierChoice, WaitingFrom, WaitingPeriod, When, WithinDays,
};
use super::validate::Problem;
use crate::assessment::{NoteId, Refusal, RefusalCode, RuleNote, StartShown, StepKind, Subsidies};
use crate::category::CategoryKind;
use crate::money::canonical;
use crate::resident::{Enrollment, Hukou, SpecialKind, Student};

/// The ready-made parts of a policy. Assessments borrow the strings held here (the notes,
/// tier ids, refusal messages), so evaluating copies none and counts no reference.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// Every note an assessment may cite; traces refer to them by [`NoteId`].
    pub notes: Box<[RuleNote]>,
    /// The benefit year (for counts of natural years from birth).
    pub benefit_year: i32,
    /// The personal standard of each contribution grade, grade 1 first (at least one).
    pub grades: Box<[CompiledGrade]>,
    pub within_days: WithinDays,
    pub coverage: CoverageTest,
    pub window: Span,
    pub extensions: Box<[CompiledExtension]>,
    pub periods: Box<[CompiledPeriod]>,
    /// The settlement period of each student kind (see [`Compiled::period_of`]).
    pub period_of_student: [usize; 3],
    pub newborn: NewbornTest,
    pub categories: CategoryTable,
    pub specials: SpecialTable,
    /// A category counts for subsidies only if recognized on or before this day.
    pub recognized_by: NaiveDate,
    pub choice: TierChoice,
    pub tiers: Box<[CompiledTier]>,
    /// Whether some tier names no category (so a resident holding none may still qualify).
    pub open_tiers: bool,
    pub rules: Box<[CompiledRule]>,
    pub waiting: Option<CompiledWaiting>,
    pub incentive: Option<CompiledIncentive>,
    pub steps: Steps,
    pub refusals: Refusals,
}

/// A span of days, both ends included (`last` is worked out from the file's `end_dates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub from: NaiveDate,
    pub last: NaiveDate,
}

impl Span {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.last
    }
}

/// Who the notice covers (besides employee-insurance obligations).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CoverageTest {
    pub everyone: bool,
    pub local_hukou: bool,
    pub residence_permit: bool,
    pub students: StudentSet,
}

/// One contribution grade (缴费档次): its personal standard and the notes of its charges.
#[derive(Debug, Clone)]
pub(crate) struct CompiledGrade {
    pub personal: Decimal,
    /// The personal standard in fen (the price of a repair year at this grade).
    pub personal_fen: i64,
    /// Personal + fiscal, when the policy states a fiscal standard.
    pub full: Option<Decimal>,
    pub personal_note: NoteId,
    pub full_note: NoteId,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledExtension {
    pub span: Span,
    pub in_force: bool,
    /// Who may use it; `None` is everyone.
    pub who: Option<ExtensionGroups>,
    pub note: NoteId,
}

/// The groups an extension is for: a resident in any of them may use it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExtensionGroups {
    pub special: SpecialSet,
    /// Holds one of these (recognized on or before the payment).
    pub categories: Option<CategoryTest>,
    pub students: Option<StudentSet>,
}

impl ExtensionGroups {
    fn new(
        categories: &CategoryTable,
        specials: &SpecialTable,
        who: &ExtensionWho,
    ) -> ExtensionGroups {
        ExtensionGroups {
            special: specials.set_of(&who.special),
            categories: who
                .categories
                .as_deref()
                .map(|kinds| CategoryTest::new(categories, kinds, who.grades.as_deref())),
            students: who.students.as_deref().map(StudentSet::of),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledPeriod {
    pub span: Span,
    /// The refusal of a start after this period's last day.
    pub no_benefit: (RefusalText, NoteId),
    /// The step that says a start was moved to this period's first day (urrbmi reading R1).
    pub start_moved: NoteId,
}

/// What makes a resident a newborn.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewbornTest {
    /// Paid within this count of birth: a newborn "within".
    pub within: Count,
    /// Who of the others is a "late" newborn.
    pub late: LateNewborn,
    /// A payment up to this many days before birth registers the child (准新生儿).
    pub before_birth_days: Option<u32>,
}

/// A count of days or of months (months as `[conventions] months` says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Count {
    Days(u32),
    Months(u32),
}

/// Who is a late newborn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LateNewborn {
    /// Nobody: a child paying later is an ordinary resident.
    Nobody,
    /// Born on or after this day.
    BornOnOrAfter(NaiveDate),
    /// Paid within this many months of birth.
    WithinMonths(u32),
}

/// The special circumstances a policy knows, each at a bit of a [`SpecialSet`]: "none" at 0,
/// the built-in ones from 1, then the policy's own (`[[special]]`).
#[derive(Debug, Clone, Default)]
pub(crate) struct SpecialTable {
    /// `(id, Chinese name)` of each local circumstance, at bit `SPECIAL_BUILTIN_END + index`.
    locals: Box<[(Box<str>, Box<str>)]>,
}

/// The first bit of the local circumstances in a [`SpecialSet`].
const SPECIAL_BUILTIN_END: u32 = 1 + crate::resident::SpecialKind::ALL.len() as u32;

impl SpecialTable {
    fn new(spec: &PolicySpec) -> SpecialTable {
        SpecialTable {
            locals: spec
                .specials
                .iter()
                .map(|s| (s.id.as_str().into(), s.name.trim().into()))
                .collect(),
        }
    }

    /// The bit of a circumstance in this policy's sets, `None` for a local one the policy does
    /// not declare.
    #[inline]
    pub fn position(&self, kind: &SpecialKind) -> Option<u32> {
        match kind {
            SpecialKind::Local(name) => {
                let name = name.trim();
                let index = self
                    .locals
                    .iter()
                    .position(|(id, chinese)| &**id == name || &**chinese == name)?;
                SPECIAL_BUILTIN_END.checked_add(u32::try_from(index).ok()?)
            }
            builtin => builtin
                .builtin_index()
                .and_then(|i| u32::try_from(i + 1).ok()),
        }
    }

    fn set_of(&self, kinds: &[SpecialKind]) -> SpecialSet {
        SpecialSet(
            kinds
                .iter()
                .filter_map(|k| self.position(k))
                .fold(0, |bits, p| bits | SpecialSet::bit(Some(p))),
        )
    }

    /// The ids of the policy's own circumstances.
    pub fn local_ids(&self) -> impl Iterator<Item = &str> {
        self.locals.iter().map(|(id, _)| &**id)
    }

    /// The policy's own circumstances as an error message lists them: `id (name)`.
    pub fn local_names(&self) -> Vec<String> {
        self.locals
            .iter()
            .map(|(id, name)| format!("{id} ({name})"))
            .collect()
    }
}

/// The categories a policy knows, each at a position in a [`CategorySet`]: the built-in ones
/// first, then the policy's own (`[[category]]`).
#[derive(Debug, Clone, Default)]
pub(crate) struct CategoryTable {
    /// `(id, Chinese name)` of each local category, at position `BUILTIN_COUNT + index`.
    locals: Box<[(Box<str>, Box<str>)]>,
}

/// Positions of the built-in categories; locals follow.
const BUILTIN_COUNT: u32 = 14;

/// The most local categories a policy may declare: a resident's categories are one 64-bit set.
pub(crate) const MAX_LOCAL_CATEGORIES: usize = 64 - BUILTIN_COUNT as usize;

impl CategoryTable {
    fn new(spec: &PolicySpec) -> CategoryTable {
        CategoryTable {
            locals: spec
                .categories
                .iter()
                .map(|c| (c.id.as_str().into(), c.name.trim().into()))
                .collect(),
        }
    }

    /// The position of a category in this policy's sets, `None` for a local category the policy
    /// does not declare.
    pub fn position(&self, kind: &CategoryKind) -> Option<u32> {
        use CategoryKind::*;
        Some(match kind {
            ExtremePoverty => 0,
            Orphan => 1,
            DeFactoOrphan => 2,
            Disability => DISABILITY,
            SubsistenceAllowance => 4,
            SubsistenceFringe => 5,
            RegisteredPoor => 6,
            PovertyFringe => 7,
            Monitored => 8,
            ReturnedToPoverty => 9,
            FloorPovertyExit => 10,
            NeedyCollegeStudent => 11,
            EntitledGroup => 12,
            StablyLifted => 13,
            Local(name) => {
                let name = name.trim();
                let index = self
                    .locals
                    .iter()
                    .position(|(id, chinese)| &**id == name || &**chinese == name)?;
                BUILTIN_COUNT + u32::try_from(index).ok()?
            }
        })
    }

    /// The set of `kinds` (unknown local names, which validation rejects, are left out).
    fn set_of(&self, kinds: &[CategoryKind]) -> CategorySet {
        kinds
            .iter()
            .filter_map(|k| self.position(k))
            .fold(CategorySet::EMPTY, CategorySet::with)
    }

    /// The id of the category at `position`.
    pub fn id_at(&self, position: u32) -> &str {
        match position.checked_sub(BUILTIN_COUNT) {
            Some(local) => self
                .locals
                .get(local as usize)
                .map_or("", |(id, _)| id.as_ref()),
            None => CategoryKind::builtin_ids()
                .nth(position as usize)
                .unwrap_or(""),
        }
    }
}

/// The position of `disability` in every [`CategorySet`].
pub(crate) const DISABILITY: u32 = 3;

/// A set of a policy's categories, one bit per position of its [`CategoryTable`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CategorySet(u64);

impl CategorySet {
    pub const EMPTY: CategorySet = CategorySet(0);

    pub fn with(self, position: u32) -> CategorySet {
        CategorySet(self.0 | 1u64.checked_shl(position).unwrap_or(0))
    }

    pub fn without(self, position: u32) -> CategorySet {
        CategorySet(self.0 & !1u64.checked_shl(position).unwrap_or(0))
    }

    pub fn contains(self, position: u32) -> bool {
        self.0 & 1u64.checked_shl(position).unwrap_or(0) != 0
    }

    pub fn intersects(self, other: CategorySet) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The categories a resident holds (as they count for one purpose), and the disability grade
/// as a bit (`1 << grade`, 0 when no disability is held).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct HeldSet {
    pub kinds: CategorySet,
    pub disability_grade: u8,
}

/// "Holds one of these categories", with the disability grades that count: the test of a
/// tier's `categories` + `grades`, and of a rule's `holds_any` + `grades`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CategoryTest {
    /// The categories other than disability.
    pub kinds: CategorySet,
    /// The disability grades that count, as bits `1 << grade`; 0 when disability is not named.
    pub disability_grades: u8,
}

impl CategoryTest {
    pub(crate) fn new(
        table: &CategoryTable,
        kinds: &[CategoryKind],
        grades: Option<&[u8]>,
    ) -> Self {
        let disability_grades = if kinds.contains(&CategoryKind::Disability) {
            match grades {
                Some(grades) => grades.iter().fold(0, |bits, &g| bits | grade_bit(g)),
                None => (1..=4).fold(0, |bits, g| bits | grade_bit(g)),
            }
        } else {
            0
        };
        CategoryTest {
            kinds: table.set_of(kinds).without(DISABILITY),
            disability_grades,
        }
    }

    /// Whether a resident holding `held` passes.
    pub fn matches(&self, held: HeldSet) -> bool {
        held.kinds.intersects(self.kinds) || held.disability_grade & self.disability_grades != 0
    }
}

/// The bit of a disability grade (1–4) in [`HeldSet::disability_grade`].
pub(crate) fn grade_bit(grade: u8) -> u8 {
    1u8.checked_shl(u32::from(grade)).unwrap_or(0)
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledTier {
    pub id: Box<str>,
    /// Who qualifies: holds one of the categories (recognized in time for subsidies; `None` for
    /// a tier that names none)...
    pub holds: Option<CategoryTest>,
    /// ...holds none of these...
    pub not_holding: CategorySet,
    /// ...is a student of one of these kinds (when given)...
    pub students: Option<StudentSet>,
    /// ...has this hukou (when given)...
    pub hukou: Option<Hukou>,
    /// ...and was born, and is of the age, the tier asks for.
    pub person: PersonTest,
    /// What the tier pays at each grade, grade 1 first.
    pub by_grade: Box<[TierAmounts]>,
    pub note: NoteId,
}

/// What a tier pays a resident at one grade.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TierAmounts {
    pub subsidies: Subsidies,
    pub total: Decimal,
    /// What a resident of the tier owes: the grade's personal standard less the subsidies.
    pub owed_personal: Decimal,
    /// The same for the full funding standard (when the policy has one).
    pub owed_full: Decimal,
}

/// Conditions on the person: born in a range, of an age on a day, in the first natural years of
/// life. Absent conditions hold for everyone.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PersonTest {
    pub born: Option<BirthRange>,
    pub age: Option<AgeRange>,
    pub natural_years: Option<u32>,
}

impl PersonTest {
    fn new(born: Option<BirthRange>, age: Option<AgeRange>, natural_years: Option<u32>) -> Self {
        PersonTest {
            born,
            age,
            natural_years,
        }
    }

    /// Whether no condition is given.
    pub fn is_open(&self) -> bool {
        self.born.is_none() && self.age.is_none() && self.natural_years.is_none()
    }
}

impl AgeRange {
    /// Whether an age in whole years lies in the range.
    pub(crate) fn admits(&self, age: u32) -> bool {
        self.at_least.is_none_or(|low| age >= low) && self.under.is_none_or(|high| age < high)
    }

    /// The day the age is taken on.
    pub(crate) fn on(&self) -> AgeOn {
        self.on
    }
}

/// A set of enum values, one bit each (`1 << index`).
macro_rules! small_set {
    ($(#[$doc:meta])* $name:ident of $type:ty: $($variant:path => $bit:expr),* $(,)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub(crate) struct $name(pub(crate) u8);

        impl $name {
            pub(crate) fn bit(value: $type) -> u8 {
                match value { $($variant => 1 << $bit),* }
            }

            pub fn of(values: &[$type]) -> Self {
                $name(values.iter().fold(0, |bits, &v| bits | Self::bit(v)))
            }

            pub fn contains(self, value: $type) -> bool {
                self.0 & Self::bit(value) != 0
            }
        }
    };
}

small_set!(
    /// A set of student kinds.
    StudentSet of Student: Student::None => 0, Student::School => 1, Student::College => 2
);
small_set!(
    /// A set of enrollment histories.
    EnrollmentSet of Enrollment: Enrollment::Renewal => 0, Enrollment::FirstTime => 1, Enrollment::Lapsed => 2
);
small_set!(
    /// A set of newborn statuses.
    NewbornSet of NewbornStatus: NewbornStatus::Within => 0, NewbornStatus::Late => 1, NewbornStatus::No => 2
);

/// A set of special circumstances by their bits in the policy's [`SpecialTable`], with "no
/// special circumstance" as its own member (bit 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SpecialSet(pub(crate) u32);

impl SpecialSet {
    /// The bit of a circumstance at `position` (from [`SpecialTable::position`]), or of none.
    pub(crate) fn bit(position: Option<u32>) -> u32 {
        match position {
            None => 1,
            Some(p) => 1u32.checked_shl(p).unwrap_or(0),
        }
    }

    /// Whether a resident with the circumstance at `position` (or none) is in the set.
    pub fn contains(self, position: Option<u32>) -> bool {
        self.0 & Self::bit(position) != 0
    }
}

/// The widest [`SpecialSet`]: none, the built-in circumstances and the most local ones.
const SPECIAL_WIDTH: u32 = SPECIAL_BUILTIN_END + super::validate::MAX_LOCAL_SPECIALS as u32;
const _: () = assert!(SPECIAL_WIDTH <= 32);

/// When a payment was made: in the collection window, in an extension (by index), or outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PaymentTime {
    Window,
    Extension(usize),
    Outside,
}

/// The payment times a rule accepts (`paid = ["main", "extension", "outside"]`).
#[derive(Debug, Clone, Default)]
pub(crate) struct PaidSet {
    pub window: bool,
    pub outside: bool,
    /// Indexes of the extensions named.
    pub extensions: Box<[usize]>,
}

impl PaidSet {
    pub fn contains(&self, paid: PaymentTime) -> bool {
        match paid {
            PaymentTime::Window => self.window,
            PaymentTime::Outside => self.outside,
            PaymentTime::Extension(index) => self.extensions.contains(&index),
        }
    }
}

/// The conditions of a rule (or of a waiting-period exemption), every one resolved; an absent
/// condition holds for everyone. [`Conditions::matches`](crate::evaluate) tests them all.
#[derive(Debug, Clone, Default)]
pub(crate) struct Conditions {
    pub paid: Option<PaidSet>,
    pub enrollment: Option<EnrollmentSet>,
    pub household_unit: Option<bool>,
    pub hukou: Option<Hukou>,
    pub residence_permit: Option<bool>,
    /// Born, age, natural years.
    pub person: PersonTest,
    pub students: Option<StudentSet>,
    /// The special circumstances allowed (with "none" for `without_special`).
    pub special: Option<SpecialSet>,
    pub special_within_days: Option<u32>,
    pub special_after_days: Option<u32>,
    pub special_within_months: Option<u32>,
    /// The contribution grades allowed, as bits `1 << grade`.
    pub grades: Option<u16>,
    pub newborn: Option<NewbornSet>,
    /// Holds one of these (recognized on or before the payment).
    pub holds: Option<CategoryTest>,
    pub parent_insured: Option<bool>,
    pub new_entrant: Option<bool>,
}

impl Conditions {
    fn new(
        spec: &PolicySpec,
        table: &CategoryTable,
        specials: &SpecialTable,
        when: &When,
    ) -> Conditions {
        let paid = when.paid.as_ref().map(|names| PaidSet {
            window: names.iter().any(|n| n == "main"),
            outside: names.iter().any(|n| n == "outside"),
            extensions: names
                .iter()
                .filter_map(|n| spec.extensions.iter().position(|e| &e.id == n))
                .collect(),
        });
        let mut special = when.special.as_deref().map(|kinds| specials.set_of(kinds));
        if when.without_special {
            special = Some(SpecialSet(SpecialSet::bit(None)));
        }
        Conditions {
            paid,
            enrollment: when.enrollment.as_deref().map(EnrollmentSet::of),
            household_unit: when.household_unit,
            hukou: when.hukou,
            residence_permit: when.residence_permit,
            person: PersonTest::new(when.born, when.age, when.natural_years_from_birth),
            students: when.students.as_deref().map(StudentSet::of),
            special,
            special_within_days: when.special_within_days,
            special_after_days: when.special_after_days,
            special_within_months: when.special_within_months,
            grades: when.contribution_grade.as_deref().map(|grades| {
                grades.iter().fold(0u16, |bits, g| {
                    bits | 1u16.checked_shl(u32::from(*g)).unwrap_or(0)
                })
            }),
            newborn: when.newborn.as_deref().map(NewbornSet::of),
            holds: when
                .holds_any
                .as_deref()
                .map(|kinds| CategoryTest::new(table, kinds, when.grades.as_deref())),
            parent_insured: when.parent_insured,
            new_entrant: when.new_entrant,
        }
    }
}

/// The prefilter of the rule walk, in one place: a resident's enum-valued facts as one bit per
/// value, grouped by fact (when it was paid, newborn status, enrollment, special circumstance,
/// student kind, hukou, household unit, residence permit, parent insured, new entrant), and
/// for each rule the values its conditions allow (every value of a fact it does not name).
/// A rule can match only if every bit of the resident's key is allowed: one AND dismisses most
/// rules. It is a quick "no", never a "yes": [`Conditions::matches`](crate::evaluate) still
/// tests every condition of a rule the prefilter lets through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Prefilter(u64);

/// Bit positions of each fact's values in a [`Prefilter`] key.
mod key {
    pub const PAID: u32 = 0; // window, outside, an extension
    pub const NEWBORN: u32 = 3; // within, late, no
    pub const ENROLLMENT: u32 = 6; // renewal, first_time, lapsed
    pub const SPECIAL: u32 = 9; // none, each built-in kind, then each local one
    pub const STUDENT: u32 = SPECIAL + super::SPECIAL_WIDTH; // none, school, college
    pub const HUKOU: u32 = STUDENT + 3; // local, other
    pub const HOUSEHOLD: u32 = HUKOU + 2; // no, yes
    pub const PERMIT: u32 = HOUSEHOLD + 2; // no, yes
    pub const PARENT: u32 = PERMIT + 2; // no, yes
    pub const ENTRANT: u32 = PARENT + 2; // no, yes
    pub const END: u32 = ENTRANT + 2;
}

impl Prefilter {
    /// The key of a resident's facts: one bit per fact.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn key(
        paid: PaymentTime,
        newborn: NewbornStatus,
        enrollment: Enrollment,
        special: Option<u32>,
        student: Student,
        hukou: Hukou,
        flags: [bool; 4],
    ) -> Prefilter {
        let paid = match paid {
            PaymentTime::Window => 0,
            PaymentTime::Outside => 1,
            PaymentTime::Extension(_) => 2,
        };
        let [household, permit, parent, entrant] = flags.map(u32::from);
        Prefilter(
            1 << (key::PAID + paid)
                | u64::from(NewbornSet::bit(newborn)) << key::NEWBORN
                | u64::from(EnrollmentSet::bit(enrollment)) << key::ENROLLMENT
                | u64::from(SpecialSet::bit(special)) << key::SPECIAL
                | u64::from(StudentSet::bit(student)) << key::STUDENT
                | 1 << (key::HUKOU + u32::from(hukou == Hukou::Other))
                | 1 << (key::HOUSEHOLD + household)
                | 1 << (key::PERMIT + permit)
                | 1 << (key::PARENT + parent)
                | 1 << (key::ENTRANT + entrant),
        )
    }

    /// The values `conditions` allow.
    fn of(conditions: &Conditions) -> Prefilter {
        let group = |at: u32, width: u32, allowed: Option<u64>| {
            let all = (1u64 << width) - 1;
            (allowed.unwrap_or(all) & all) << at
        };
        let flag = |value: Option<bool>| value.map(|v| 1u64 << u32::from(v));
        let paid = conditions.paid.as_ref().map(|p| {
            u64::from(p.window)
                | u64::from(p.outside) << 1
                | u64::from(!p.extensions.is_empty()) << 2
        });
        Prefilter(
            group(key::PAID, 3, paid)
                | group(key::NEWBORN, 3, conditions.newborn.map(|n| u64::from(n.0)))
                | group(
                    key::ENROLLMENT,
                    3,
                    conditions.enrollment.map(|e| u64::from(e.0)),
                )
                | group(
                    key::SPECIAL,
                    SPECIAL_WIDTH,
                    conditions.special.map(|s| u64::from(s.0)),
                )
                | group(key::STUDENT, 3, conditions.students.map(|s| u64::from(s.0)))
                | group(
                    key::HUKOU,
                    2,
                    conditions
                        .hukou
                        .map(|h| 1u64 << u32::from(h == Hukou::Other)),
                )
                | group(key::HOUSEHOLD, 2, flag(conditions.household_unit))
                | group(key::PERMIT, 2, flag(conditions.residence_permit))
                | group(key::PARENT, 2, flag(conditions.parent_insured))
                | group(key::ENTRANT, 2, flag(conditions.new_entrant)),
        )
    }

    /// Whether a resident with `key` may match.
    #[inline]
    pub fn admits(self, key: Prefilter) -> bool {
        key.0 & !self.0 == 0
    }
}

const _: () = assert!(key::END <= 64);

#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub id: Box<str>,
    /// A quick test of the rule's enum-valued conditions (see [`Prefilter`]).
    pub prefilter: Prefilter,
    pub when: Conditions,
    pub outcome: Outcome,
    /// The rule as the deciding step.
    pub note: NoteId,
    /// The rule as a step that did not decide: it set the start date that a refusal then
    /// found outside the settlement period.
    pub context_note: NoteId,
}

/// What a rule does when it decides.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Refuse(RefusalText),
    Enroll(Enroll),
}

#[derive(Debug, Clone)]
pub(crate) struct Enroll {
    pub charge: Charge,
    pub start: Start,
    pub not_before_period_start: bool,
    pub wait: Wait,
    /// The step that shows the rule's own wait in months (`plus_months`).
    pub wait_note: Option<NoteId>,
    pub prior_year: Option<PriorYear>,
}

/// The day a rule's benefits count from, with the convention it is counted by.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Start {
    Period,
    PaymentDate,
    BirthDate,
    SpecialDate,
    NextMonth(NextMonth),
    Fixed(NaiveDate),
    DayAfterPayment,
    PaymentMonth,
    /// The month the earliest of these categories (held at the payment) was recognized.
    RecognitionMonth(CategoryTest),
}

/// A rule's waiting period, with the conventions it is counted by.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wait {
    None,
    Days(u32, WaitingPeriod),
    Months(u32, Months, WaitingFrom),
    /// The policy's `[waiting_period]` table.
    Table(Months, WaitingFrom),
}

#[derive(Debug, Clone)]
pub(crate) struct PriorYear {
    pub born: BirthRange,
    pub year: i32,
    pub amount: Decimal,
    pub note: NoteId,
}

/// The waiting period of 国办发〔2024〕38号 (`[waiting_period]`).
#[derive(Debug, Clone)]
pub(crate) struct CompiledWaiting {
    pub fixed: u32,
    /// `(months per year, lapsed years not counted)`.
    pub variable: Option<(u32, u32)>,
    /// `(months per year, price)`.
    pub repair: Option<(u32, RepairPrice)>,
    /// `(least months, from this many lapsed years)`.
    pub floor: Option<(u32, u32)>,
    pub exempt: Box<[(Prefilter, Conditions, NoteId)]>,
    /// The step that shows the arithmetic.
    pub note: NoteId,
    /// The step that shows the repair charge.
    pub repair_note: NoteId,
}

/// `[incentive]`.
#[derive(Debug, Clone)]
pub(crate) struct CompiledIncentive {
    /// `(after this many continuous years, fen per year)`.
    pub continuous: Option<(u32, i64)>,
    /// Fen for a claim-free year.
    pub claim_free: Option<i64>,
    /// The cap in fen; `None` when it is not known.
    pub cap: Option<i64>,
    pub note: NoteId,
}

/// An amount in whole fen (validated money: at most two decimals, at most a million yuan).
pub(crate) fn fen(amount: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    (amount * Decimal::ONE_HUNDRED).to_i64().unwrap_or(0)
}

/// The notes of the steps every policy has.
#[derive(Debug, Clone)]
pub(crate) struct Steps {
    pub covered: NoteId,
    pub paid_window: NoteId,
    pub paid_outside: NoteId,
    pub waived: NoteId,
    pub no_tier: NoteId,
}

#[derive(Debug, Clone)]
pub(crate) struct Refusals {
    pub employee_obligated: (RefusalText, NoteId),
    pub not_covered: (RefusalText, NoteId),
    pub outside_window: (RefusalText, NoteId),
}

/// A refusal as the policy holds it; assessments borrow it as a [`Refusal`].
#[derive(Debug, Clone)]
pub(crate) struct RefusalText {
    pub code: RefusalCode,
    pub message: Box<str>,
}

impl RefusalText {
    /// The refusal, borrowing the message.
    pub fn get(&self) -> Refusal<'_> {
        Refusal {
            code: self.code,
            message: &self.message,
        }
    }
}

/// The notes of a policy as they are written, each given its [`NoteId`].
#[derive(Default)]
struct NoteBook(Vec<RuleNote>);

/// The most notes a policy may hold ([`NoteId`] is 16 bits; about 65,000 tiers and rules).
pub(crate) const MAX_NOTES: usize = u16::MAX as usize;

impl NoteBook {
    fn note(&mut self, rule: String, summary: String, citation: String, decides: bool) -> NoteId {
        self.kind(rule, summary, citation, decides, StepKind::Plain)
    }

    fn kind(
        &mut self,
        rule: String,
        summary: String,
        citation: String,
        decides: bool,
        kind: StepKind,
    ) -> NoteId {
        // Validation keeps a policy below MAX_NOTES; the saturation is never reached.
        let id = NoteId(u16::try_from(self.0.len()).unwrap_or(u16::MAX));
        self.0.push(RuleNote {
            rule,
            summary,
            citation,
            decides,
            kind,
        });
        id
    }

    /// A refusal the evaluation makes itself (not a policy rule): its trace step is named
    /// `refusal.<code>`.
    fn refusal(
        &mut self,
        code: RefusalCode,
        message: String,
        citation: String,
    ) -> (RefusalText, NoteId) {
        let text = format!("{message} ({citation})");
        (
            RefusalText {
                code,
                message: text.into(),
            },
            self.note(format!("refusal.{}", code.id()), message, citation, true),
        )
    }
}

/// The last day of a span whose end is written as `to`.
pub(crate) fn last_day(end_dates: EndDates, to: NaiveDate) -> NaiveDate {
    match end_dates {
        EndDates::Inclusive => to,
        EndDates::Exclusive => to.pred_opt().unwrap_or(to),
    }
}

/// A convention a rule needs, or the problem that the file does not declare it.
fn declared<T: Copy>(value: Option<T>, path: &str, key: &str, needed: &str) -> Result<T, Problem> {
    value.ok_or_else(|| {
        Problem::new(
            path,
            format!("{needed}, but `[conventions]` declares no `{key}`"),
            format!("`{key} = ...` in `[conventions]` (see the README's policy format)"),
        )
    })
}

impl Compiled {
    /// The index of the settlement period for a student kind.
    pub fn period_of(&self, student: Student) -> Option<&CompiledPeriod> {
        let slot = match student {
            Student::None => 0,
            Student::School => 1,
            Student::College => 2,
        };
        let index = self
            .period_of_student
            .get(slot)
            .copied()
            .unwrap_or_default();
        self.periods.get(index)
    }

    /// Works out everything from a spec that has passed validation. A problem here is one that
    /// validation reports too (a convention a rule needs and the file does not declare).
    pub fn new(spec: &PolicySpec) -> Result<Compiled, Problem> {
        let mut book = NoteBook::default();
        let conv = &spec.conventions;
        let std = &spec.standards;
        let fiscal = std.fiscal.as_ref().map(|f| f.amount);
        let several = !std.grades.is_empty();
        let grade_amounts = std.grade_amounts();
        let mut grades = Vec::with_capacity(grade_amounts.len());
        for (index, personal) in grade_amounts.iter().copied().enumerate() {
            let grade = u8::try_from(index + 1).unwrap_or(u8::MAX);
            let (name, cite) = match index.checked_sub(1).and_then(|i| std.grades.get(i)) {
                Some(g) => (g.name.as_str(), g.citation()),
                None => (
                    crate::resident::grade_name(1).unwrap_or_default(),
                    std.personal.citation(),
                ),
            };
            let which = if several {
                format!(" at grade {grade} ({name})")
            } else {
                String::new()
            };
            let full = fiscal.map(|f| personal + f);
            grades.push(CompiledGrade {
                personal,
                personal_fen: fen(personal),
                full,
                personal_note: book.note(
                    "standards.personal".into(),
                    format!(
                        "charged the personal standard{which} of {} yuan",
                        canonical(personal)
                    ),
                    cite.clone(),
                    false,
                ),
                full_note: book.note(
                    "standards.full".into(),
                    match fiscal {
                        Some(f) => format!(
                            "charged the full funding standard{which}: {} personal + {} fiscal = {} yuan",
                            canonical(personal),
                            canonical(f),
                            canonical(personal + f),
                        ),
                        // Validation refuses a `full` charge without a fiscal standard.
                        None => "the full funding standard is not stated".into(),
                    },
                    match &std.fiscal {
                        Some(f) => format!("{cite}; {}", f.citation()),
                        None => cite,
                    },
                    false,
                ),
            });
        }
        let window = Span {
            from: spec.window.from,
            last: last_day(conv.end_dates, spec.window.to),
        };
        let window_text = format!("{}..{}", window.from, window.last);
        let categories = CategoryTable::new(spec);
        let specials = SpecialTable::new(spec);

        let extensions = spec
            .extensions
            .iter()
            .map(|ext| {
                let span = Span {
                    from: ext.from,
                    last: last_day(conv.end_dates, ext.to),
                };
                let who = ext.who.as_ref().map_or_else(
                    || "everyone".to_string(),
                    |w| {
                        let mut groups: Vec<String> =
                            w.special.iter().map(|s| s.id().to_string()).collect();
                        if let Some(kinds) = &w.categories {
                            let mut held: Vec<String> =
                                kinds.iter().map(|k| k.id().to_string()).collect();
                            if let Some(grades) = &w.grades {
                                held.push(format!("disability grades {grades:?}"));
                            }
                            groups.push(format!("holders of {}", held.join(", ")));
                        }
                        if let Some(students) = &w.students {
                            let kinds: Vec<&str> = students.iter().map(|s| s.id()).collect();
                            groups.push(format!("students ({})", kinds.join(", ")));
                        }
                        groups.join("; ")
                    },
                );
                CompiledExtension {
                    span,
                    in_force: ext.in_force,
                    who: ext
                        .who
                        .as_ref()
                        .map(|w| ExtensionGroups::new(&categories, &specials, w)),
                    note: book.note(
                        format!("extension.{}", ext.id),
                        format!(
                            "paid in the extension {}..{} (for {who})",
                            span.from, span.last
                        ),
                        ext.citation(),
                        false,
                    ),
                }
            })
            .collect();

        let periods = spec
            .periods
            .iter()
            .map(|p| {
                let span = Span {
                    from: p.from,
                    last: last_day(conv.end_dates, p.to),
                };
                CompiledPeriod {
                    span,
                    no_benefit: book.refusal(
                        RefusalCode::NoBenefitInPeriod,
                        format!(
                            "benefits would begin after the settlement period `{}` ends ({}); pay for the next benefit year instead",
                            p.id, span.last
                        ),
                        p.citation(),
                    ),
                    start_moved: book.kind(
                        "period".into(),
                        format!(
                            "the start the rule sets falls before the settlement period: benefits begin on its first day, {}; cover before it belongs to the benefit year it falls in, enrolled under that year's notice",
                            span.from
                        ),
                        format!("{}; urrbmi reading R1", p.citation()),
                        false,
                        StepKind::StartMoved,
                    ),
                }
            })
            .collect();

        let tiers: Box<[CompiledTier]> = spec
            .tiers
            .iter()
            .map(|tier| compile_tier(spec, tier, &categories, &grades, &mut book))
            .collect();
        let open_tiers = spec.tiers.iter().any(|t| t.categories.is_empty());

        let mut rules = Vec::with_capacity(spec.rules.len());
        for (i, rule) in spec.rules.iter().enumerate() {
            rules.push(compile_rule(
                spec,
                &categories,
                &specials,
                rule,
                i,
                &mut book,
            )?);
        }

        let waiting = match &spec.waiting_period {
            None => None,
            Some(table) => {
                let exempt = table
                    .exempt
                    .iter()
                    .map(|e| {
                        let when = Conditions::new(spec, &categories, &specials, &e.when);
                        (
                            Prefilter::of(&when),
                            when,
                            book.note(
                                format!("waiting_period.exempt.{}", e.id),
                                format!("exempt from the waiting period ({})", e.id),
                                e.citation(),
                                false,
                            ),
                        )
                    })
                    .collect();
                let mut cites = vec![table.fixed.citation()];
                cites.extend(table.variable.as_ref().map(Cited::citation));
                cites.extend(table.floor.as_ref().map(Cited::citation));
                let repair_cite = table
                    .repair
                    .as_ref()
                    .map_or_else(|| table.fixed.citation(), Cited::citation);
                if let Some(repair) = &table.repair {
                    cites.push(repair.citation());
                }
                Some(CompiledWaiting {
                    fixed: table.fixed.months,
                    variable: table
                        .variable
                        .as_ref()
                        .map(|v| (v.months_per_year, v.after_lapsed_years)),
                    repair: table.repair.as_ref().map(|r| (r.months_per_year, r.price)),
                    floor: table
                        .floor
                        .as_ref()
                        .map(|f| (f.months, f.from_lapsed_years)),
                    exempt,
                    note: book.kind(
                        "waiting_period".into(),
                        "waiting period".into(),
                        cites.join("; "),
                        false,
                        StepKind::Waiting,
                    ),
                    repair_note: book.kind(
                        "repair".into(),
                        "repair of the variable waiting period (缴费修复), not subsidized".into(),
                        repair_cite,
                        false,
                        StepKind::Repair,
                    ),
                })
            }
        };

        let incentive = spec.incentive.as_ref().map(|inc| {
            let mut cites: Vec<String> = Vec::new();
            cites.extend(inc.continuous.as_ref().map(Cited::citation));
            cites.extend(inc.claim_free.as_ref().map(Cited::citation));
            cites.push(inc.cap.citation());
            let mut terms = Vec::new();
            if let Some(c) = &inc.continuous {
                terms.push(format!(
                    "{} yuan per continuous year after {}",
                    canonical(c.step),
                    c.after_years
                ));
            }
            if let Some(c) = &inc.claim_free {
                terms.push(format!("{} yuan for a claim-free year", canonical(c.step)));
            }
            let cap = match (&inc.cap.amount, &inc.cap.unknown) {
                (Some(amount), _) => format!("capped at {} yuan", canonical(*amount)),
                (None, Some(unknown)) => format!("cap not known: {unknown}"),
                (None, None) => "no cap stated".into(),
            };
            CompiledIncentive {
                continuous: inc
                    .continuous
                    .as_ref()
                    .map(|c| (c.after_years, fen(c.step))),
                claim_free: inc.claim_free.as_ref().map(|c| fen(c.step)),
                cap: inc.cap.amount.map(fen),
                note: book.kind(
                    "incentive".into(),
                    format!("大病保险 ceiling raised ({}; {cap})", terms.join(", ")),
                    cites.join("; "),
                    false,
                    StepKind::Incentive {
                        step: inc.continuous.as_ref().map_or(Decimal::ZERO, |c| c.step),
                        claim_free: inc.claim_free.as_ref().map_or(Decimal::ZERO, |c| c.step),
                        cap: inc.cap.amount,
                    },
                ),
            }
        });

        let covered_who = spec.coverage.describe();
        let steps = Steps {
            covered: book.note(
                "coverage".into(),
                format!("covered: {covered_who}"),
                spec.coverage.citation(),
                false,
            ),
            paid_window: book.note(
                "window".into(),
                format!("paid in the collection window {window_text}"),
                spec.window.citation(),
                false,
            ),
            paid_outside: book.note(
                "window".into(),
                format!("paid outside the collection window {window_text}"),
                spec.window.citation(),
                false,
            ),
            waived: book.note(
                "standards.waived".into(),
                "the contribution is waived (免缴): nothing is charged and no fund pays".into(),
                spec.standards.personal.citation(),
                false,
            ),
            no_tier: book.note(
                "tier".into(),
                "no subsidy tier applies".into(),
                spec.subsidy.citation(),
                false,
            ),
        };

        let refusals = Refusals {
            employee_obligated: book.refusal(
                RefusalCode::EmployeeInsuranceObligated,
                "obliged to join employee basic medical insurance (职工医保应参保人员), so not covered by resident insurance".into(),
                spec.coverage.citation(),
            ),
            not_covered: book.refusal(
                RefusalCode::NotCovered,
                format!("not among the people this notice covers ({covered_who})"),
                spec.coverage.citation(),
            ),
            outside_window: book.refusal(
                RefusalCode::OutsideWindow,
                format!(
                    "paid outside the collection window {window_text}{}, and no special rule of {} applies",
                    spec.extensions
                        .iter()
                        .filter(|e| e.in_force)
                        .map(|e| format!(" or its extension {}..{}", e.from, last_day(conv.end_dates, e.to)))
                        .collect::<String>(),
                    spec.policy.id
                ),
                spec.window.citation(),
            ),
        };

        let newborn = &spec.newborn;
        Ok(Compiled {
            notes: book.0.into(),
            benefit_year: spec.policy.benefit_year,
            grades: grades.into(),
            within_days: conv.within_days,
            coverage: CoverageTest {
                everyone: spec.coverage.everyone,
                local_hukou: spec.coverage.local_hukou,
                residence_permit: spec.coverage.residence_permit,
                students: StudentSet::of(&spec.coverage.students),
            },
            window,
            extensions,
            periods,
            period_of_student: [Student::None, Student::School, Student::College]
                .map(|student| period_of(spec, student)),
            newborn: NewbornTest {
                within: match (newborn.within_days, newborn.within_months) {
                    (_, Some(months)) => Count::Months(months),
                    (days, None) => Count::Days(days.unwrap_or(0)),
                },
                late: match (newborn.late_born_on_or_after, newborn.late_within_months) {
                    (Some(day), _) => LateNewborn::BornOnOrAfter(day),
                    (None, Some(months)) => LateNewborn::WithinMonths(months),
                    (None, None) => LateNewborn::Nobody,
                },
                before_birth_days: newborn.before_birth_days,
            },
            categories,
            specials,
            recognized_by: spec.subsidy.recognized_by,
            choice: spec.subsidy.choice,
            tiers,
            open_tiers,
            rules: rules.into(),
            waiting,
            incentive,
            steps,
            refusals,
        })
    }
}

/// The settlement period for a student kind: the one listing the kind, else the default.
fn period_of(spec: &PolicySpec, student: Student) -> usize {
    let periods = &spec.periods;
    periods
        .iter()
        .position(|p| p.students.as_ref().is_some_and(|s| s.contains(&student)))
        .or_else(|| periods.iter().position(|p| p.students.is_none()))
        .unwrap_or(0)
}

fn compile_rule(
    spec: &PolicySpec,
    categories: &CategoryTable,
    specials: &SpecialTable,
    rule: &StartRule,
    index: usize,
    book: &mut NoteBook,
) -> Result<CompiledRule, Problem> {
    let conv = &spec.conventions;
    let path = format!("rule[{index}]");
    let citation = rule.citation();
    let outcome = match (&rule.refuse, rule.charge) {
        (Some(refuse), _) => Outcome::Refuse(RefusalText {
            code: refuse.code,
            message: format!("{} ({citation})", refuse.message).into(),
        }),
        (None, charge) => {
            let start = match rule.benefit_start.unwrap_or(StartFrom::PeriodStart) {
                StartFrom::PeriodStart => Start::Period,
                StartFrom::PaymentDate => Start::PaymentDate,
                StartFrom::BirthDate => Start::BirthDate,
                StartFrom::SpecialDate => Start::SpecialDate,
                StartFrom::NextMonth => Start::NextMonth(declared(
                    conv.next_month,
                    &format!("{path}.benefit_start"),
                    "next_month",
                    "the rule starts benefits `next_month`",
                )?),
                StartFrom::FixedDate => Start::Fixed(rule.fixed_date.ok_or_else(|| {
                    Problem::new(
                        format!("{path}.fixed_date"),
                        "`benefit_start = \"fixed_date\"` without a `fixed_date`",
                        "`fixed_date = \"2025-09-01\"`",
                    )
                })?),
                StartFrom::DayAfterPayment => Start::DayAfterPayment,
                StartFrom::PaymentMonth => Start::PaymentMonth,
                StartFrom::RecognitionMonth => Start::RecognitionMonth(CategoryTest::new(
                    categories,
                    rule.when.holds_any.as_deref().unwrap_or_default(),
                    rule.when.grades.as_deref(),
                )),
            };
            let months = |needed: &str| {
                Ok::<_, Problem>((
                    declared(conv.months, &path, "months", needed)?,
                    declared(conv.waiting_from, &path, "waiting_from", needed)?,
                ))
            };
            let wait = match (rule.plus_days, rule.plus_months, rule.waiting_period) {
                (Some(days), _, _) => Wait::Days(
                    days,
                    declared(
                        conv.waiting_period,
                        &format!("{path}.plus_days"),
                        "waiting_period",
                        "the rule waits `plus_days`",
                    )?,
                ),
                (None, Some(n), _) => {
                    let (counting, from) = months("the rule waits `plus_months`")?;
                    Wait::Months(n, counting, from)
                }
                (None, None, true) => {
                    let (counting, from) = months("the rule applies the `[waiting_period]`")?;
                    Wait::Table(counting, from)
                }
                (None, None, false) => Wait::None,
            };
            let prior_year = rule.prior_year.as_ref().map(|p| PriorYear {
                born: BirthRange {
                    from: Some(p.born_from),
                    to: Some(p.born_to),
                },
                year: p.year,
                amount: p.amount,
                note: book.note(
                    format!("rule.{}.prior_year", rule.id),
                    format!(
                        "born {}..{}: the {} contribution of {} yuan is also due",
                        p.born_from,
                        p.born_to,
                        p.year,
                        canonical(p.amount)
                    ),
                    p.citation(),
                    false,
                ),
            });
            let wait_note = matches!(wait, Wait::Months(..)).then(|| {
                book.kind(
                    "waiting_period".into(),
                    format!("waiting period of the rule `{}`", rule.id),
                    citation.clone(),
                    false,
                    StepKind::Waiting,
                )
            });
            Outcome::Enroll(Enroll {
                charge: charge.unwrap_or(Charge::Personal),
                start,
                not_before_period_start: rule.not_before_period_start,
                wait,
                wait_note,
                prior_year,
            })
        }
    };
    let rule_path = format!("rule.{}", rule.id);
    let when = Conditions::new(spec, categories, specials, &rule.when);
    // A start worked out from the payment or a recognition shows its arithmetic in the trace.
    let kind = match &outcome {
        Outcome::Enroll(Enroll {
            start: Start::DayAfterPayment,
            ..
        }) => StepKind::Start(StartShown::DayAfterPayment),
        Outcome::Enroll(Enroll {
            start: Start::PaymentMonth,
            ..
        }) => StepKind::Start(StartShown::PaymentMonth),
        Outcome::Enroll(Enroll {
            start: Start::RecognitionMonth(_),
            ..
        }) => StepKind::Start(StartShown::RecognitionMonth),
        _ => StepKind::Plain,
    };
    Ok(CompiledRule {
        id: rule.id.as_str().into(),
        prefilter: Prefilter::of(&when),
        when,
        outcome,
        note: book.kind(
            rule_path.clone(),
            rule.title.clone(),
            citation.clone(),
            true,
            kind,
        ),
        context_note: book.kind(
            rule_path,
            format!(
                "{} (the start it sets is checked against the settlement period)",
                rule.title
            ),
            citation,
            false,
            kind,
        ),
    })
}

fn compile_tier(
    spec: &PolicySpec,
    tier: &SubsidyTier,
    categories: &CategoryTable,
    grades: &[CompiledGrade],
    book: &mut NoteBook,
) -> CompiledTier {
    let standards: Vec<Decimal> = grades.iter().map(|g| g.personal).collect();
    let several = standards.len() > 1;
    // Validation bounds every amount, so the sums stay in range.
    let by_grade: Box<[TierAmounts]> = grades
        .iter()
        .enumerate()
        .map(|(index, grade)| {
            let at = u8::try_from(index + 1).unwrap_or(u8::MAX);
            let subsidies = tier
                .subsidies_at_grade(&standards, at)
                .unwrap_or(Subsidies::NONE);
            let total = subsidies.total();
            TierAmounts {
                subsidies,
                total,
                owed_personal: grade.personal - total,
                owed_full: grade.full.unwrap_or(grade.personal) - total,
            }
        })
        .collect();
    let grade_name = |g: u8| spec.standards.grade_name(g).unwrap_or_default().to_string();
    let mut parts = Vec::new();
    for part in &tier.parts {
        let text = match (part.share, part.of_grade) {
            (None, _) => format!(
                "{} {}",
                part.funder.id(),
                canonical(part.amount.unwrap_or_default())
            ),
            (Some(share), Some(GradeRef::Grade(g))) if several => {
                let standard = standards
                    .get(usize::from(g).saturating_sub(1))
                    .copied()
                    .unwrap_or_default();
                format!(
                    "{} {} ({}% of the {} standard {}, at every grade)",
                    part.funder.id(),
                    canonical(part.amount_of(standard).unwrap_or_default()),
                    canonical(share),
                    grade_name(g),
                    canonical(standard)
                )
            }
            (Some(share), _) if several => {
                let each: Vec<String> = standards
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        format!(
                            "{} {}",
                            grade_name(u8::try_from(i + 1).unwrap_or(u8::MAX)),
                            canonical(part.amount_of(*s).unwrap_or_default())
                        )
                    })
                    .collect();
                format!(
                    "{} {}% of the resident's grade ({})",
                    part.funder.id(),
                    canonical(share),
                    each.join(", ")
                )
            }
            (Some(share), _) => {
                let personal = standards.first().copied().unwrap_or_default();
                format!(
                    "{} {} ({}% of {})",
                    part.funder.id(),
                    canonical(part.amount_of(personal).unwrap_or_default()),
                    canonical(share),
                    canonical(personal)
                )
            }
        };
        parts.push(text);
    }
    let mut cites = vec![tier.citation()];
    cites.extend(tier.parts.iter().filter_map(|p| p.cite.clone()));
    CompiledTier {
        id: tier.id.as_str().into(),
        holds: (!tier.categories.is_empty())
            .then(|| CategoryTest::new(categories, &tier.categories, tier.grades.as_deref())),
        not_holding: categories.set_of(&tier.not_holding),
        students: tier.students.as_deref().map(StudentSet::of),
        hukou: tier.hukou,
        person: PersonTest::new(tier.born, tier.age, tier.natural_years_from_birth),
        by_grade,
        note: book.note(
            format!("tier.{}", tier.id),
            format!("subsidy tier {}: {}", tier.name, parts.join(" + ")),
            cites.join("; "),
            false,
        ),
    }
}
