//! Evaluation: one resident against one policy.
//!
//! [`evaluate`] follows the order in which a notice is read at the payment desk:
//!
//! 1. **Who is covered** (参保对象): employee-insurance obligations and the coverage of the notice.
//! 2. **When it was paid**: in the collection window, in an extension the resident may use, or
//!    outside both.
//! 3. **Which rule decides** (待遇衔接): the policy's `[[rule]]`s in file order; the first whose
//!    conditions hold says what is charged and when benefits begin, or refuses.
//! 4. **When benefits run**: the rule's start date, moved to the settlement period's first day
//!    unless the rule says otherwise, to the period's last day; a start after the period ends
//!    is a refusal.
//! 5. **What is charged**: the personal standard, or the full funding standard.
//! 6. **Who pays what** (困难群众参保资助): the single most favourable subsidy tier the resident
//!    qualifies for; subsidies never stack.
//! 7. **The previous year**: a newborn born in the window the rule names also owes that year.
//!
//! The trace records each step taken, with its citation; exactly one step decides (the rule
//! that enrolled or refused, or the refusal the evaluation made itself), and a refusal carries
//! no step for a charge or tier it never made.

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

use crate::assessment::{Assessment, NoteId, PriorYearCharge, Status, Subsidies, Trace};
use crate::category::{CategoryKind, HeldCategory};
use crate::error::EvalError;
use crate::policy::schema::{
    Charge, Coverage, NewbornStatus, Period, StartFrom, StartRule, When, WithinDays,
};
use crate::policy::{
    Builtins, CompiledTier, Policy, RefusalText, grade_bit, newborn_bit, special_bit,
};
use crate::resident::{Resident, Special};

/// Evaluates `resident` against `policy`: what is owed, who pays the rest, when benefits run.
///
/// A refusal (paid outside the window, not covered) is an `Ok` assessment with
/// `status = refused`. An `Err` means the resident makes no sense (payment before birth, a
/// disability without a grade, a category the policy does not know).
///
/// ```
/// use chrono::NaiveDate;
/// use urrbmi::{evaluate, CategoryKind, Funder, Policy, Resident};
///
/// let policy = Policy::builtin("ziyang-2021")?;
/// let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let resident = Resident::new(date(1970, 3, 1), date(2020, 10, 15))
///     .with_category(CategoryKind::SubsistenceAllowance);
/// let a = evaluate(&policy, &resident)?;
/// assert_eq!(a.owed.to_string(), "140");
/// assert_eq!(a.subsidies.get(Funder::MedicalAssistance).to_string(), "140");
/// assert_eq!(a.benefit_start, Some(date(2021, 1, 1)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate<'p>(policy: &'p Policy, resident: &Resident) -> Result<Assessment<'p>, EvalError> {
    check_resident(policy, resident)?;
    let spec = policy.spec();
    let compiled = &policy.compiled;
    let refusals = &compiled.refusals;
    let mut trace = Trace::new(&compiled.rule_notes);

    // 1. Who is covered.
    if resident.employee_insurance_obligated {
        return Ok(refused(policy, &refusals.employee_obligated, trace));
    }
    if !covers(&spec.coverage, resident) {
        return Ok(refused(policy, &refusals.not_covered, trace));
    }
    trace.push(compiled.notes.covered);

    // 2. When it was paid.
    let (period_index, period) = settlement_period(policy, resident);
    let period_last_day = compiled
        .periods
        .get(period_index)
        .map_or(period.to, |p| p.last_day);
    if resident.payment_date < spec.window.from || resident.payment_date > period_last_day {
        return Ok(refused(policy, &refusals.outside_window, trace));
    }
    let (paid, paid_note) = payment_time(policy, resident);
    trace.push(paid_note);

    // 3. Which rule decides.
    let newborn = newborn_status(policy, resident);
    let (newborn_bit, special_bit) = (newborn_bit(newborn), special_bit(resident.special_kind()));
    let mut decided = None;
    for (rule, ready) in spec.rules.iter().zip(&compiled.rules) {
        // A quick test of when it was paid, the newborn status and the special circumstance,
        // made when the policy was loaded; then every condition of the rule.
        let may_match = ready.paid_mask & paid != 0
            && ready.newborn_mask & newborn_bit != 0
            && ready.special_mask & special_bit != 0;
        if may_match && matches(policy, &rule.when, resident, newborn, &rule.id)? {
            decided = Some((rule, ready));
            break;
        }
    }
    let Some((rule, ready)) = decided else {
        return Ok(refused(policy, &refusals.outside_window, trace));
    };
    if let Some(refusal) = &ready.refusal {
        trace.push(ready.note);
        return Ok(refused_by_rule(policy, refusal, trace));
    }

    // 4. When benefits run: the rule's start, which must fall in the settlement period.
    let (benefit_start, moved) = start_date(rule, resident, period)?;
    if benefit_start > period_last_day {
        trace.push(ready.context_note);
        return Ok(refused(policy, &refusals.no_benefit_in_period, trace));
    }
    trace.push(ready.note);

    // 5. What is charged.
    let full = rule.charge == Some(Charge::Full);
    let (charged, charge_note) = if full {
        (compiled.full_standard, compiled.notes.full)
    } else {
        (policy.personal_standard(), compiled.notes.personal)
    };
    trace.push(charge_note);

    // 6. Who pays what: the tier's subsidies; the resident owes the rest of the charge.
    let (subsidies, owed, tier_id) = match best_tier(policy, resident) {
        Some(tier) => {
            trace.push(tier.note);
            let tier_id = Some(&*tier.id);
            // `charged` less the tier's subsidies, worked out when the policy was loaded.
            (tier.subsidies, tier.owed(full), tier_id)
        }
        None => {
            trace.push(compiled.notes.no_tier);
            (Subsidies::NONE, charged, None)
        }
    };
    if moved {
        trace.push(compiled.notes.start_moved);
    }

    // 7. The previous year.
    let prior_year_charge = rule.prior_year.as_ref().and_then(|prior| {
        let born_in_range =
            prior.born_from <= resident.birth_date && resident.birth_date <= prior.born_to;
        born_in_range.then(|| {
            if let Some(note) = ready.prior_year_note {
                trace.push(note);
            }
            PriorYearCharge {
                year: prior.year,
                amount: prior.amount,
            }
        })
    });

    Ok(Assessment {
        policy: policy.id(),
        status: Status::Enrolled,
        refusal: None,
        personal_standard: policy.personal_standard(),
        charged,
        charged_standard: rule.charge,
        owed,
        subsidies,
        tier: tier_id,
        benefit_start: Some(benefit_start),
        benefit_end: Some(period_last_day),
        prior_year_charge,
        trace,
    })
}

fn refused<'p>(
    policy: &'p Policy,
    (refusal, note): &'p (RefusalText, NoteId),
    mut trace: Trace<'p>,
) -> Assessment<'p> {
    trace.push(*note);
    refused_by_rule(policy, refusal, trace)
}

fn refused_by_rule<'p>(
    policy: &'p Policy,
    refusal: &'p RefusalText,
    trace: Trace<'p>,
) -> Assessment<'p> {
    Assessment {
        policy: policy.id(),
        status: Status::Refused,
        refusal: Some(refusal.get()),
        personal_standard: policy.personal_standard(),
        charged: Decimal::ZERO,
        charged_standard: None,
        owed: Decimal::ZERO,
        subsidies: Subsidies::NONE,
        tier: None,
        benefit_start: None,
        benefit_end: None,
        prior_year_charge: None,
        trace,
    }
}

/// Whether the notice covers the resident (before employee-insurance obligations).
fn covers(coverage: &Coverage, resident: &Resident) -> bool {
    coverage.everyone
        || (coverage.local_hukou && resident.hukou == crate::Hukou::Local)
        || (coverage.residence_permit && resident.residence_permit)
        || coverage.students.contains(&resident.student)
}

/// The settlement period for the resident: the one for their student kind, else the default.
/// (Worked out for each student kind when the policy is loaded.)
fn settlement_period<'p>(policy: &'p Policy, resident: &Resident) -> (usize, &'p Period) {
    let index = policy.compiled.period_of(resident.student);
    match policy.spec().periods.get(index) {
        Some(period) => (index, period),
        // Validation guarantees one default period; this arm is never reached for a loaded policy.
        None => (0, &EMPTY_PERIOD),
    }
}

static EMPTY_PERIOD: Period = Period {
    id: String::new(),
    from: NaiveDate::MIN,
    to: NaiveDate::MIN,
    students: None,
    cite: String::new(),
};

/// When the payment was made, as the bit rules match against, and the note saying so.
fn payment_time(policy: &Policy, resident: &Resident) -> (u64, NoteId) {
    use crate::policy::{PAID_MAIN, PAID_OUTSIDE, paid_extension};
    let spec = policy.spec();
    let compiled = &policy.compiled;
    let paid = resident.payment_date;
    if spec.window.from <= paid && paid <= compiled.window_last_day {
        return (PAID_MAIN, compiled.notes.paid_main);
    }
    for (i, (ext, ready)) in spec.extensions.iter().zip(&compiled.extensions).enumerate() {
        let in_dates = ext.from <= paid && paid <= ready.last_day;
        let may_use = ext.who.as_ref().is_none_or(|who| {
            resident
                .special_kind()
                .is_some_and(|kind| who.special.contains(&kind))
        });
        if ext.in_force && in_dates && may_use {
            return (paid_extension(i), ready.note);
        }
    }
    (PAID_OUTSIDE, compiled.notes.paid_outside)
}

/// Whether the payment is within `days` of `event` under the policy's day counting.
fn within(policy: &Policy, event: NaiveDate, payment: NaiveDate, days: u32) -> bool {
    let elapsed = day_number(payment) - day_number(event);
    match policy.spec().conventions.within_days {
        WithinDays::AtMost => elapsed <= i64::from(days),
        WithinDays::LessThan => elapsed < i64::from(days),
    }
}

/// A count of days to `date` from a fixed day long before any date chrono can hold, so that
/// the difference of two day numbers is the number of days between the dates (what
/// `payment - event` counts, in fewer steps). The count starts 400,000 years (1,000 whole
/// Gregorian cycles) before year 1, which keeps every number positive and every leap year
/// where it is.
#[inline]
fn day_number(date: NaiveDate) -> i64 {
    // Unsigned division by a constant is a multiplication: the reason for counting this way.
    let years = (i64::from(date.year()) + 399_999).unsigned_abs();
    (years * 365 + years / 4 - years / 100 + years / 400) as i64 + i64::from(date.ordinal())
}

fn newborn_status(policy: &Policy, resident: &Resident) -> NewbornStatus {
    let newborn = &policy.spec().newborn;
    if within(
        policy,
        resident.birth_date,
        resident.payment_date,
        newborn.within_days,
    ) {
        NewbornStatus::Within
    } else if resident.birth_date >= newborn.late_born_on_or_after {
        NewbornStatus::Late
    } else {
        NewbornStatus::No
    }
}

/// Whether every condition of `when` holds for the resident.
fn matches(
    policy: &Policy,
    when: &When,
    resident: &Resident,
    newborn: NewbornStatus,
    rule_id: &str,
) -> Result<bool, EvalError> {
    let plain = when.enrollment.is_none_or(|e| e == resident.enrollment)
        && when
            .household_unit
            .is_none_or(|h| h == resident.household_unit)
        && when.hukou.is_none_or(|h| h == resident.hukou)
        && when
            .residence_permit
            .is_none_or(|p| p == resident.residence_permit)
        && when
            .born
            .is_none_or(|range| range.contains(resident.birth_date))
        && when
            .students
            .as_ref()
            .is_none_or(|kinds| kinds.contains(&resident.student))
        && when
            .newborn
            .as_ref()
            .is_none_or(|statuses| statuses.contains(&newborn))
        && (!when.without_special || resident.special.is_none())
        && when.special.as_ref().is_none_or(|kinds| {
            resident
                .special_kind()
                .is_some_and(|kind| kinds.contains(&kind))
        })
        && when.holds_any.as_ref().is_none_or(|kinds| {
            resident.categories.iter().any(|held| {
                held.recognized_on
                    .is_none_or(|d| d <= resident.payment_date)
                    && kinds.iter().any(|k| same_category(policy, k, &held.kind))
            })
        });
    if !plain {
        return Ok(false);
    }
    if when.special_within_days.is_none() && when.special_after_days.is_none() {
        return Ok(true);
    }
    let date = special_date(resident.special.as_ref(), rule_id)?;
    let in_time = when
        .special_within_days
        .is_none_or(|days| within(policy, date, resident.payment_date, days));
    let late = when
        .special_after_days
        .is_none_or(|days| !within(policy, date, resident.payment_date, days));
    Ok(in_time && late)
}

fn special_date(special: Option<&Special>, rule_id: &str) -> Result<NaiveDate, EvalError> {
    let special = special.ok_or_else(|| EvalError::MissingSpecialDate {
        kind: "special".into(),
        rule: rule_id.into(),
    })?;
    special.date.ok_or_else(|| EvalError::MissingSpecialDate {
        kind: special.kind.id().into(),
        rule: rule_id.into(),
    })
}

/// Whether a category named by the policy and one held by a resident are the same, resolving
/// local categories by id or Chinese name.
fn same_category(policy: &Policy, named: &CategoryKind, held: &CategoryKind) -> bool {
    match (named, held) {
        (CategoryKind::Local(a), CategoryKind::Local(b)) => {
            a == b || local_id(policy, a).is_some_and(|id| Some(id) == local_id(policy, b))
        }
        _ => named == held,
    }
}

fn local_id<'p>(policy: &'p Policy, name: &str) -> Option<&'p str> {
    policy
        .spec()
        .categories
        .iter()
        .find(|c| c.id == name || c.name == name)
        .map(|c| c.id.as_str())
}

/// Whether a held category counts for subsidies: recognized on or before the payment and the
/// policy's recognition deadline (no date: recognized long ago).
fn counts_for_subsidy(policy: &Policy, held: &HeldCategory, payment: NaiveDate) -> bool {
    held.recognized_on
        .is_none_or(|d| d <= payment && d <= policy.spec().subsidy.recognized_by)
}

/// The most favourable tier the resident qualifies for; ties go to the tier listed first.
#[inline]
fn best_tier<'p>(policy: &'p Policy, resident: &Resident) -> Option<&'p CompiledTier> {
    if resident.categories.is_empty() {
        // Most residents hold no category: no tier can apply.
        None
    } else {
        best_tier_by_category(policy, resident)
    }
}

fn best_tier_by_category<'p>(policy: &'p Policy, resident: &Resident) -> Option<&'p CompiledTier> {
    // The categories that count for subsidies: built-in ones as bits, disability by grade;
    // local ones are matched by id or name below.
    let counts = |held: &&HeldCategory| counts_for_subsidy(policy, held, resident.payment_date);
    let mut builtins = Builtins::NONE;
    let mut disability_grade = 0;
    let mut holds_local = false;
    for held in resident.categories.iter().filter(counts) {
        builtins = builtins.with(&held.kind);
        match held.kind {
            CategoryKind::Disability => disability_grade = held.grade.map_or(0, grade_bit),
            CategoryKind::Local(_) => holds_local = true,
            _ => {}
        }
    }
    if builtins.is_empty() && !holds_local {
        return None;
    }
    let names_held_local = |kinds: &[CategoryKind]| {
        holds_local
            && resident.categories.iter().filter(counts).any(|held| {
                !held.kind.is_builtin()
                    && kinds.iter().any(|k| same_category(policy, k, &held.kind))
            })
    };

    let mut best: Option<&CompiledTier> = None;
    for (tier, ready) in policy.spec().tiers.iter().zip(&policy.compiled.tiers) {
        let holds = ready.categories.intersects(builtins)
            || ready.disability_grades & disability_grade != 0
            || (ready.names_local && names_held_local(&tier.categories));
        let excluded = ready.not_holding.intersects(builtins)
            || (ready.names_local && names_held_local(&tier.not_holding));
        let qualifies = holds
            && !excluded
            && tier
                .students
                .as_ref()
                .is_none_or(|kinds| kinds.contains(&resident.student))
            && tier.hukou.is_none_or(|h| h == resident.hukou);
        if qualifies && best.is_none_or(|b| ready.total > b.total) {
            best = Some(ready);
        }
    }
    best
}

/// The day benefits begin under `rule`, before the check against the period's end, and whether
/// it was moved to the period's first day (urrbmi reading R1).
#[inline]
fn start_date(
    rule: &StartRule,
    resident: &Resident,
    period: &Period,
) -> Result<(NaiveDate, bool), EvalError> {
    let out_of_range = |date| EvalError::DateOutOfRange { date };
    let base = match rule.benefit_start {
        Some(StartFrom::PeriodStart) | None => period.from,
        Some(StartFrom::PaymentDate) => resident.payment_date,
        Some(StartFrom::BirthDate) => resident.birth_date,
        Some(StartFrom::SpecialDate) => special_date(resident.special.as_ref(), &rule.id)?,
        Some(StartFrom::NextMonth) => first_of_next_month(resident.payment_date)
            .ok_or_else(|| out_of_range(resident.payment_date))?,
    };
    let start = match rule.plus_days {
        Some(days) => base
            .checked_add_days(Days::new(u64::from(days)))
            .ok_or_else(|| out_of_range(base))?,
        None => base,
    };
    Ok(if rule.not_before_period_start && start < period.from {
        (period.from, true)
    } else {
        (start, false)
    })
}

/// The first day of the month after `date` (the day after 31 January is in February).
pub(crate) fn first_of_next_month(date: NaiveDate) -> Option<NaiveDate> {
    let (year, month) = if date.month() == 12 {
        (date.year().checked_add(1)?, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// Rejects residents that make no sense, before any rule is applied.
fn check_resident(policy: &Policy, resident: &Resident) -> Result<(), EvalError> {
    if resident.payment_date < resident.birth_date {
        return Err(EvalError::PaymentBeforeBirth {
            birth_date: resident.birth_date,
            payment_date: resident.payment_date,
        });
    }
    for (index, held) in resident.categories.iter().enumerate() {
        match (&held.kind, held.grade) {
            (CategoryKind::Disability, None) => {
                return Err(EvalError::DisabilityWithoutGrade { index });
            }
            (CategoryKind::Disability, Some(grade)) if !(1..=4).contains(&grade) => {
                return Err(EvalError::GradeOutOfRange { index, grade });
            }
            (CategoryKind::Disability, Some(_)) => {}
            (other, Some(_)) => {
                return Err(EvalError::GradeOnOtherCategory {
                    index,
                    category: other.id().to_string(),
                });
            }
            (_, None) => {}
        }
        if let CategoryKind::Local(name) = &held.kind
            && local_id(policy, name).is_none()
        {
            return Err(unknown_category(policy, index, name));
        }
        let earlier = resident.categories.get(..index).unwrap_or_default();
        if earlier
            .iter()
            .any(|e| same_category(policy, &e.kind, &held.kind))
        {
            return Err(EvalError::DuplicateCategory {
                index,
                category: held.kind.id().to_string(),
            });
        }
        if let Some(recognized_on) = held.recognized_on
            && recognized_on < resident.birth_date
        {
            return Err(EvalError::RecognizedBeforeBirth {
                index,
                recognized_on,
                birth_date: resident.birth_date,
            });
        }
    }
    if let Some(date) = resident.special.and_then(|s| s.date)
        && date > resident.payment_date
    {
        return Err(EvalError::SpecialDateAfterPayment {
            date,
            payment_date: resident.payment_date,
        });
    }
    Ok(())
}

fn unknown_category(policy: &Policy, index: usize, name: &str) -> EvalError {
    let local: Vec<String> = policy
        .spec()
        .categories
        .iter()
        .map(|c| format!("{} ({})", c.id, c.name))
        .collect();
    let mut known: Vec<&str> = CategoryKind::builtin_ids().collect();
    known.extend(policy.spec().categories.iter().map(|c| c.id.as_str()));
    EvalError::UnknownCategory {
        index,
        name: name.to_string(),
        policy: policy.id().to_string(),
        suggestion: crate::suggest::closest(name, known.into_iter()).map(str::to_string),
        local,
    }
}

#[cfg(test)]
mod tests {
    use super::{day_number, first_of_next_month};
    use chrono::NaiveDate;

    #[test]
    fn day_numbers_count_the_days_between_dates_as_chrono_does() {
        let start = NaiveDate::from_ymd_opt(1899, 12, 25).expect("valid date");
        let dates: Vec<NaiveDate> = (0..60_000u64)
            .step_by(7)
            .map(|d| start + chrono::Days::new(d * 3))
            .collect();
        for pair in dates.windows(40).step_by(13) {
            let (a, b) = (pair[0], pair[39]);
            assert_eq!(
                day_number(b) - day_number(a),
                (b - a).num_days(),
                "{a}..{b}"
            );
            assert_eq!(
                day_number(a) - day_number(b),
                (a - b).num_days(),
                "{b}..{a}"
            );
        }
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid date");
        assert_eq!(day_number(d(2021, 3, 1)) - day_number(d(2020, 12, 1)), 90);
        assert_eq!(day_number(d(2000, 3, 1)) - day_number(d(2000, 2, 28)), 2);
        assert_eq!(day_number(d(1900, 3, 1)) - day_number(d(1900, 2, 28)), 1);
        for (a, b) in [
            (NaiveDate::MIN, NaiveDate::MAX),
            (d(-1, 12, 31), d(1, 1, 1)),
        ] {
            assert_eq!(day_number(b) - day_number(a), (b - a).num_days());
        }
    }

    #[test]
    fn next_month_rolls_over_month_and_year_ends() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid date");
        assert_eq!(first_of_next_month(d(2021, 1, 31)), Some(d(2021, 2, 1)));
        assert_eq!(first_of_next_month(d(2020, 12, 31)), Some(d(2021, 1, 1)));
        assert_eq!(first_of_next_month(d(2024, 2, 29)), Some(d(2024, 3, 1)));
    }
}
