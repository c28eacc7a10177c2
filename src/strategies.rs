//! Proptest strategies for residents, and the boundary cases of a policy (feature `proptest`).
//!
//! For other crates' property tests as much as for this one's:
//!
//! ```
//! use proptest::prelude::*;
//! use urrbmi::{evaluate, strategies, Policy};
//!
//! let policy = Policy::builtin("hunan-2022")?;
//! proptest!(|(resident in strategies::resident_for(&policy))| {
//!     let a = evaluate(&policy, &resident).expect("generated residents are well-formed");
//!     prop_assert!(a.owed >= rust_decimal::Decimal::ZERO);
//! });
//!
//! // Every window edge, day 90 and 91 of each day-counted rule, each tier alone and combined.
//! for case in strategies::boundary_cases(&policy) {
//!     evaluate(&policy, &case.resident)?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Generated residents are always well-formed (payment on or after birth, a grade on every
//! disability and nowhere else, no category twice, dates of circumstances on or before the
//! payment), so `evaluate` answers with an assessment, never an [`EvalError`](crate::EvalError).

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use proptest::sample::subsequence;

use rust_decimal::Decimal;

use crate::assessment::{Assessment, Charge, Status};
use crate::category::{CategoryKind, HeldCategory};
use crate::policy::Policy;
use crate::resident::{Enrollment, Hukou, Resident, Special, SpecialKind, Student};

/// A day from `from` to `to`, both included (just `from` if the range is inverted).
pub fn date_between(from: NaiveDate, to: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    let span = u64::try_from((to - from).num_days()).unwrap_or(0);
    (0..=span).prop_map(move |days| from.checked_add_days(Days::new(days)).unwrap_or(from))
}

/// One of the built-in categories.
pub fn category_kind() -> impl Strategy<Value = CategoryKind> {
    let kinds: Vec<CategoryKind> = CategoryKind::builtin_ids()
        .filter_map(CategoryKind::builtin)
        .collect();
    proptest::sample::select(kinds)
}

/// One of the special circumstances.
pub fn special_kind() -> impl Strategy<Value = SpecialKind> {
    proptest::sample::select(SpecialKind::ALL.to_vec())
}

/// Up to three distinct categories from `kinds`, each recognized long ago or on a day from
/// 400 days before the payment to 60 days after it (never before birth).
pub fn held_categories(
    kinds: Vec<CategoryKind>,
    birth_date: NaiveDate,
    payment_date: NaiveDate,
) -> impl Strategy<Value = Vec<HeldCategory>> {
    let max = kinds.len().min(3);
    let earliest = payment_date
        .checked_sub_days(Days::new(400))
        .unwrap_or(payment_date)
        .max(birth_date);
    let latest = payment_date
        .checked_add_days(Days::new(60))
        .unwrap_or(payment_date);
    subsequence(kinds, 0..=max).prop_flat_map(move |chosen| {
        let n = chosen.len();
        (
            Just(chosen),
            proptest::collection::vec(1u8..=4, n),
            proptest::collection::vec(
                proptest::option::weighted(0.4, date_between(earliest, latest)),
                n,
            ),
        )
            .prop_map(|(chosen, grades, recognized)| {
                chosen
                    .into_iter()
                    .zip(grades)
                    .zip(recognized)
                    .map(|((kind, grade), recognized_on)| HeldCategory {
                        grade: (kind == CategoryKind::Disability).then_some(grade),
                        kind,
                        recognized_on,
                    })
                    .collect()
            })
    })
}

/// A built-in special circumstance (or none, half the time), dated from 200 days before the
/// payment to the payment day (never before birth): a rule may count from any circumstance's
/// date (江西 each within 90 days of its date).
pub fn special(
    birth_date: NaiveDate,
    payment_date: NaiveDate,
) -> impl Strategy<Value = Option<Special>> {
    special_of(SpecialKind::ALL.to_vec(), birth_date, payment_date)
}

/// One of `kinds` (or none, half the time), dated as [`special`] dates them.
fn special_of(
    kinds: Vec<SpecialKind>,
    birth_date: NaiveDate,
    payment_date: NaiveDate,
) -> impl Strategy<Value = Option<Special>> {
    let earliest = payment_date
        .checked_sub_days(Days::new(200))
        .unwrap_or(payment_date)
        .max(birth_date)
        .min(payment_date);
    proptest::option::of((
        proptest::sample::select(kinds),
        date_between(earliest, payment_date),
    ))
    .prop_map(|found| found.map(|(kind, date)| Special::on(kind, date)))
}

/// A consistent enrollment history (urrbmi reading M12): `(enrollment, lapsed_years,
/// repair_years, continuous_years)`. Repair years only when `repair_offered`.
pub fn history(
    repair_offered: bool,
) -> impl Strategy<Value = (Enrollment, Option<u32>, u32, Option<u32>)> {
    let continuous = proptest::option::of(1u32..=12);
    prop_oneof![
        4 => continuous.prop_map(|years| (Enrollment::Renewal, None, 0, years)),
        1 => proptest::option::of(Just(0u32))
            .prop_map(|years| (Enrollment::FirstTime, None, 0, years)),
        2 => (1u32..=12, any::<u32>(), proptest::option::of(Just(0u32))).prop_map(
            move |(lapsed, repair, years)| {
                let repair = if repair_offered { repair % lapsed } else { 0 };
                (Enrollment::Lapsed, Some(lapsed), repair, years)
            }
        ),
    ]
}

/// A well-formed resident paying on a day from `first_payment` to `last_payment`: a third are
/// babies up to 400 days old, the rest anyone up to 95. Lapsed residents repair years only when
/// `repair_offered` (a policy without repair refuses them).
pub fn resident_paying_between(
    first_payment: NaiveDate,
    last_payment: NaiveDate,
    kinds: Vec<CategoryKind>,
    repair_offered: bool,
) -> impl Strategy<Value = Resident> {
    resident_of(
        first_payment,
        last_payment,
        kinds,
        SpecialKind::ALL.to_vec(),
        repair_offered,
        1,
    )
}

/// A well-formed resident as [`resident_paying_between`] makes one, carrying one of `specials`
/// and paying at a contribution grade from 1 to `grades`.
fn resident_of(
    first_payment: NaiveDate,
    last_payment: NaiveDate,
    kinds: Vec<CategoryKind>,
    specials: Vec<SpecialKind>,
    repair_offered: bool,
    grades: u8,
) -> impl Strategy<Value = Resident> {
    date_between(first_payment, last_payment)
        .prop_flat_map(move |payment_date| {
            let age_days = prop_oneof![1 => 0u64..=400, 2 => 0u64..=95 * 366];
            (
                Just(payment_date),
                age_days,
                Just(kinds.clone()),
                Just(specials.clone()),
            )
        })
        .prop_flat_map(move |(payment_date, age_days, kinds, specials)| {
            let birth_date = payment_date
                .checked_sub_days(Days::new(age_days))
                .unwrap_or(payment_date);
            (
                Just((birth_date, payment_date)),
                prop_oneof![Just(Hukou::Local), Just(Hukou::Other)],
                any::<bool>(),
                prop_oneof![3 => Just(Student::None), 1 => Just(Student::School), 1 => Just(Student::College)],
                (history(repair_offered), any::<(bool, bool, bool)>()),
                prop_oneof![4 => Just(true), 1 => Just(false)],
                prop_oneof![9 => Just(false), 1 => Just(true)],
                held_categories(kinds, birth_date, payment_date),
                (special_of(specials, birth_date, payment_date), 1..=grades.max(1)),
            )
        })
        .prop_map(
            |(
                (birth_date, payment_date),
                hukou,
                residence_permit,
                student,
                (
                    (enrollment, lapsed_years, repair_years, continuous_years),
                    (claim_free_last_year, parent_insured, new_entrant),
                ),
                household_unit,
                employee_insurance_obligated,
                categories,
                (special, contribution_grade),
            )| Resident {
                id: None,
                birth_date,
                hukou,
                residence_permit,
                student,
                enrollment,
                lapsed_years,
                repair_years,
                continuous_years,
                claim_free_last_year,
                parent_insured,
                new_entrant,
                contribution_grade,
                household_unit,
                employee_insurance_obligated,
                categories,
                special,
                payment_date,
            },
        )
}

/// A well-formed resident paying around `policy`'s collection year: from 60 days before the
/// window opens to 31 days after the last settlement period ends, holding built-in categories
/// and the policy's local ones, with a built-in or local special circumstance, at any of the
/// policy's contribution grades.
pub fn resident_for(policy: &Policy) -> impl Strategy<Value = Resident> + use<> {
    let spec = policy.spec();
    let first = spec
        .window
        .from
        .checked_sub_days(Days::new(60))
        .unwrap_or(spec.window.from);
    let period_end = spec
        .periods
        .iter()
        .map(|p| p.to)
        .max()
        .unwrap_or(spec.window.to);
    let last = period_end
        .checked_add_days(Days::new(31))
        .unwrap_or(period_end);
    let mut kinds: Vec<CategoryKind> = CategoryKind::builtin_ids()
        .filter_map(CategoryKind::builtin)
        .collect();
    kinds.extend(
        spec.categories
            .iter()
            .map(|c| CategoryKind::Local(c.id.as_str().into())),
    );
    let repair_offered = spec
        .waiting_period
        .as_ref()
        .is_some_and(|w| w.repair.is_some());
    let mut specials = SpecialKind::ALL.to_vec();
    specials.extend(
        spec.specials
            .iter()
            .map(|s| SpecialKind::Local(s.id.as_str().into())),
    );
    let grades = u8::try_from(policy.grade_count()).unwrap_or(1);
    resident_of(first, last, kinds, specials, repair_offered, grades)
}

/// A well-formed resident paying on any day of 2015–2030, with built-in categories only.
pub fn resident() -> impl Strategy<Value = Resident> {
    let first = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(2030, 12, 31).unwrap_or(NaiveDate::MIN);
    let kinds = CategoryKind::builtin_ids()
        .filter_map(CategoryKind::builtin)
        .collect();
    resident_paying_between(first, last, kinds, true)
}

/// A resident at an edge of a policy, with what the edge is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundaryCase {
    /// What edge this is (`window first day`, `newborn day 91`).
    pub label: String,
    /// The resident.
    pub resident: Resident,
}

/// The boundary cases of a policy, derived from its data: each window's and extension's first
/// and last day and the day after (and before), day N and N+1 of every day-counted rule
/// (newborns, lapses), the first day a late newborn may be born and the day before, each tier
/// alone and all tiers' categories combined.
pub fn boundary_cases(policy: &Policy) -> Vec<BoundaryCase> {
    let spec = policy.spec();
    let mut out = Vec::new();
    let adult_birth = NaiveDate::from_ymd_opt(1980, 6, 15).unwrap_or(NaiveDate::MIN);
    let day = |date: NaiveDate, offset: i64| {
        let days = Days::new(offset.unsigned_abs());
        if offset >= 0 {
            date.checked_add_days(days)
        } else {
            date.checked_sub_days(days)
        }
        .unwrap_or(date)
    };
    let mut add = |label: String, resident: Resident| out.push(BoundaryCase { label, resident });

    let (opens, closes) = policy.window();
    for (label, paid) in [
        ("window: day before it opens", day(opens, -1)),
        ("window: first day", opens),
        ("window: last day", closes),
        ("window: day after it closes", day(closes, 1)),
    ] {
        add(label.to_string(), Resident::new(adult_birth, paid));
    }
    for ext in spec.extensions.iter().filter(|e| e.in_force) {
        let special = ext
            .who
            .as_ref()
            .and_then(|w| w.special.first())
            .map(|kind| Special::new(kind.clone()));
        let last = match spec.conventions.end_dates {
            crate::policy::schema::EndDates::Inclusive => ext.to,
            crate::policy::schema::EndDates::Exclusive => day(ext.to, -1),
        };
        for (edge, paid) in [
            ("first day", ext.from),
            ("last day", last),
            ("day after", day(last, 1)),
        ] {
            for household_unit in [true, false] {
                let mut r = Resident::new(adult_birth, paid);
                r.special = special.clone();
                r.household_unit = household_unit;
                add(
                    format!(
                        "extension {}: {edge} (household unit: {household_unit})",
                        ext.id
                    ),
                    r,
                );
            }
        }
    }

    let in_window = day(opens, 30).min(closes);
    let period_start = spec
        .periods
        .iter()
        .find(|p| p.students.is_none())
        .map_or(closes, |p| p.from);
    let mid_year = day(period_start, 120);
    // Day N of a count in days, or about month N of one in months (the edges in days lie a day
    // either side of N months, which the month counts below add).
    let n = match (spec.newborn.within_days, spec.newborn.within_months) {
        (Some(days), _) => i64::from(days),
        (None, Some(months)) => i64::from(months) * 30,
        (None, None) => 90,
    };
    for (when, paid) in [("in the window", in_window), ("mid-year", mid_year)] {
        for age in [n - 1, n, n + 1] {
            for hukou in [Hukou::Local, Hukou::Other] {
                let mut r =
                    Resident::new(day(paid, -age), paid).with_enrollment(Enrollment::FirstTime);
                r.hukou = hukou;
                r.residence_permit = hukou == Hukou::Other;
                add(
                    format!("newborn day {age}, paid {when}, hukou {hukou:?}"),
                    r,
                );
            }
        }
    }
    if let Some(late_from) = spec.newborn.late_born_on_or_after {
        for (edge, born) in [("first day", late_from), ("day before", day(late_from, -1))] {
            add(
                format!("late newborn: born on the {edge} late newborns may be born"),
                Resident::new(born, day(born, n + 100).max(mid_year))
                    .with_enrollment(Enrollment::FirstTime),
            );
        }
    }
    // The last day of a count in months from birth (within, late) and the day after.
    let month_limits = [
        ("newborn within", spec.newborn.within_months),
        ("late newborn", spec.newborn.late_within_months),
    ];
    for (what, months) in month_limits {
        let Some(months) = months else { continue };
        let born = day(mid_year, -400);
        let last = crate::dates::add_months(born, months).unwrap_or(born);
        for (edge, paid) in [("last day", last), ("day after", day(last, 1))] {
            add(
                format!("{what}: {edge} of {months} months from birth"),
                Resident::new(born, paid).with_enrollment(Enrollment::FirstTime),
            );
        }
    }
    if let Some(days) = spec.newborn.before_birth_days {
        for before in [i64::from(days), i64::from(days) - 1] {
            let r = Resident::new(day(mid_year, before), mid_year)
                .with_enrollment(Enrollment::FirstTime);
            add(format!("registered {before} days before birth"), r);
        }
    }

    for rule in &spec.rules {
        let days = rule
            .when
            .special_within_days
            .or(rule.when.special_after_days);
        let (Some(days), Some(kinds)) = (days, rule.when.special.as_ref()) else {
            continue;
        };
        for kind in kinds {
            for elapsed in [i64::from(days), i64::from(days) + 1] {
                let r = Resident::new(adult_birth, mid_year)
                    .with_special(Special::on(kind.clone(), day(mid_year, -elapsed)));
                add(format!("rule {}: {kind} day {elapsed}", rule.id), r);
            }
        }
    }

    for rule in &spec.rules {
        let (Some(months), Some(kinds)) = (rule.when.special_within_months, &rule.when.special)
        else {
            continue;
        };
        for kind in kinds {
            let since = day(mid_year, -400);
            let last = crate::dates::add_months(since, months).unwrap_or(since);
            for (edge, paid) in [("last day", last), ("day after", day(last, 1))] {
                let r =
                    Resident::new(adult_birth, paid).with_special(Special::on(kind.clone(), since));
                add(
                    format!("rule {}: {kind}, {edge} of {months} months", rule.id),
                    r,
                );
            }
        }
    }

    // Each contribution grade in the window; and a day either side of each age a rule or tier
    // asks for, on the day the age is taken.
    for grade in 1..=u8::try_from(policy.grade_count()).unwrap_or(1) {
        add(
            format!("grade {grade} in the window"),
            Resident::new(adult_birth, in_window).with_contribution_grade(grade),
        );
    }
    let ages = spec
        .rules
        .iter()
        .filter_map(|r| r.when.age)
        .chain(spec.tiers.iter().filter_map(|t| t.age));
    for age in ages {
        let on = match age.on {
            crate::policy::schema::AgeOn::PaymentDate => in_window,
            crate::policy::schema::AgeOn::PeriodStart => period_start,
        };
        for years in [age.at_least, age.under].into_iter().flatten() {
            let months = years.saturating_mul(12);
            let turns = on
                .checked_sub_months(chrono::Months::new(months))
                .unwrap_or(adult_birth);
            for (edge, born) in [("turning", turns), ("a day short of", day(turns, 1))] {
                for grade in 1..=u8::try_from(policy.grade_count()).unwrap_or(1) {
                    add(
                        format!("{edge} {years} on {on}, grade {grade}"),
                        Resident::new(born, in_window.max(born)).with_contribution_grade(grade),
                    );
                }
            }
        }
    }

    let mut all = Vec::new();
    for tier in &spec.tiers {
        let Some(kind) = tier.categories.first() else {
            continue;
        };
        let grade = tier
            .grades
            .as_ref()
            .and_then(|g| g.first().copied())
            .unwrap_or(1);
        let held = HeldCategory {
            kind: kind.clone(),
            grade: (*kind == CategoryKind::Disability).then_some(grade),
            recognized_on: None,
        };
        let mut r = Resident::new(adult_birth, in_window).with_category(held.clone());
        if let Some(student) = tier.students.as_ref().and_then(|s| s.first()) {
            r.student = *student;
        }
        if let Some(hukou) = tier.hukou {
            r.hukou = hukou;
            r.residence_permit = true;
        }
        add(format!("tier {} alone", tier.id), r);
        for kind in &tier.categories {
            if !all.iter().any(|h: &HeldCategory| h.kind == *kind) {
                all.push(HeldCategory {
                    kind: kind.clone(),
                    grade: (*kind == CategoryKind::Disability).then_some(grade),
                    recognized_on: None,
                });
            }
        }
    }
    if !all.is_empty() {
        let mut r = Resident::new(adult_birth, in_window);
        r.categories = all;
        add("every tier's categories at once".to_string(), r);
    }
    out
}

/// Checks the invariants every assessment keeps, whatever the policy and the resident: for
/// property tests and fuzzing (this crate's own and other crates').
///
/// - what the resident owes is never negative, and `owed + subsidies == charged` exactly;
/// - each fund's part is not negative, and together they are at most the personal standard;
/// - a refused resident owes nothing, no fund pays, nothing is charged, waited, repaired or
///   raised, and there is no benefit start;
/// - an enrolled resident is charged the standard it names, and its benefits start on or before
///   they end;
/// - `total_due` is `owed` plus the prior-year and repair charges;
/// - exactly one step of the trace decides, and it cites a clause.
///
/// Determinism (the same answer twice) is the caller's to check: evaluate twice and compare.
///
/// ```
/// use urrbmi::{evaluate, strategies, Policy, Resident};
/// let policy = Policy::builtin("hunan-2026")?;
/// let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let a = evaluate(policy, &Resident::new(date(1980, 1, 1), date(2025, 11, 1)))?;
/// strategies::check_invariants(policy, &a)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// The first invariant broken, with the values that break it.
pub fn check_invariants(policy: &Policy, a: &Assessment<'_>) -> Result<(), String> {
    let fail = |what: String| Err(what);
    if a.owed < Decimal::ZERO {
        return fail(format!("owed {} is negative", a.owed));
    }
    let subsidies = a.subsidies.total();
    if a.owed + subsidies != a.charged {
        return fail(format!(
            "owed {} + subsidies {subsidies} != charged {}",
            a.owed, a.charged
        ));
    }
    if let Some((funder, amount)) = a.subsidies.iter().find(|(_, x)| *x < Decimal::ZERO) {
        return fail(format!("{funder} pays a negative {amount}"));
    }
    if subsidies > a.personal_standard {
        return fail(format!(
            "subsidies {subsidies} exceed the personal standard {}",
            a.personal_standard
        ));
    }
    match a.status {
        Status::Refused => {
            if !a.owed.is_zero() || !a.subsidies.is_empty() || !a.charged.is_zero() {
                return fail(format!(
                    "refused but owes {}, is charged {}, subsidized {subsidies}",
                    a.owed, a.charged
                ));
            }
            if a.refusal.is_none() || a.charged_standard.is_some() || a.tier.is_some() {
                return fail("a refusal without its reason, or with a charge or tier".into());
            }
            if a.benefit_start.is_some()
                || a.waiting_months.is_some()
                || a.prior_year_charge.is_some()
                || a.repair_charge.is_some()
                || a.ceiling_raise.is_some()
            {
                return fail("refused but with a benefit start, a wait or a charge".into());
            }
        }
        Status::Enrolled => {
            // The personal standard of one of the policy's contribution grades (grade 1 unless
            // it has several), plus the fiscal standard for a full charge.
            let grades = policy.grade_count();
            let grade = (1..=grades)
                .filter_map(|g| u8::try_from(g).ok())
                .find(|&g| policy.personal_standard_at(g) == Some(a.personal_standard));
            if grade.is_none() {
                return fail(format!(
                    "personal standard {} is none of the policy's {grades} grades",
                    a.personal_standard
                ));
            }
            let expected = match a.charged_standard {
                Some(Charge::Personal) => Some(a.personal_standard),
                Some(Charge::Full) => policy.fiscal_standard().map(|f| a.personal_standard + f),
                Some(Charge::Waived) => Some(Decimal::ZERO),
                _ => None,
            };
            if expected != Some(a.charged) {
                return fail(format!(
                    "charged {} under {:?} (expected {expected:?})",
                    a.charged, a.charged_standard
                ));
            }
            if a.charged_standard == Some(Charge::Waived) && !a.subsidies.is_empty() {
                return fail("a waived charge with subsidies".into());
            }
            match (a.benefit_start, a.benefit_end) {
                (Some(start), Some(end)) if start <= end => {}
                (start, end) => {
                    return fail(format!("enrolled with benefits {start:?} to {end:?}"));
                }
            }
            if a.refusal.is_some() {
                return fail("enrolled with a refusal".into());
            }
        }
    }
    let prior = a
        .prior_year_charge
        .as_ref()
        .map_or(Decimal::ZERO, |c| c.amount);
    let repair = a.repair_charge.as_ref().map_or(Decimal::ZERO, |c| c.amount);
    if a.total_due() != a.owed + prior + repair {
        return fail(format!("total due {} != owed + charges", a.total_due()));
    }
    let deciding = a.trace.iter().filter(|s| s.decides).count();
    if deciding != 1 {
        return fail(format!("{deciding} deciding steps in the trace"));
    }
    if a.deciding_clause().is_none_or(str::is_empty) {
        return fail("the deciding step cites no clause".into());
    }
    Ok(())
}
