//! Evaluation: one resident against one policy.
//!
//! [`evaluate`] follows the order in which a notice is read at the payment desk:
//!
//! 1. **Who is covered** (参保对象): employee-insurance obligations and the coverage of the notice.
//! 2. **When it was paid**: in the collection window, in an extension the resident may use, or
//!    outside both; before the window opens or after the settlement period ends is a refusal
//!    (urrbmi reading M11).
//! 3. **Which rule decides** (待遇衔接): the policy's `[[rule]]`s in file order; the first whose
//!    conditions all hold says what is charged and when benefits begin, or refuses.
//! 4. **When benefits begin**: the rule's start; not before a waiting period ends (a rule's days
//!    or months, or the policy's `[waiting_period]`: fixed + variable − repaired, at least the
//!    floor, none for the exempt; M1-M5); moved to the settlement period's first day unless the
//!    rule says otherwise (R1); a start after the period's last day is a refusal (M6).
//! 5. **What is charged**: the personal standard, the full funding standard, or nothing (免缴).
//! 6. **Who pays what** (困难群众参保资助): the single most favourable subsidy tier the resident
//!    qualifies for; subsidies never stack.
//! 7. **What else is due, and what else is earned**: the repair years (缴费修复), a newborn's
//!    previous year, and the incentive's raise of the 大病保险 ceiling (M7).
//!
//! The trace records each step taken, with its citation; exactly one step decides (the rule
//! that enrolled or refused, or the refusal the evaluation made itself), and a refusal carries
//! no step for a charge or tier it never made.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use chrono::Datelike;

use crate::assessment::{
    Assessment, NoteId, PriorYearCharge, RepairCharge, Status, Subsidies, Trace, WaitOrigin,
    Waiting,
};
use crate::category::CategoryKind;
use crate::dates::{add_days, add_months, age_on, day_number, first_of_next_month};
use crate::error::EvalError;
use crate::policy::schema::{
    AgeOn, Charge, Months, NewbornStatus, NextMonth, RepairPrice, TierChoice, WaitingFrom,
    WaitingPeriod, WithinDays,
};
use crate::policy::{
    CategorySet, CategoryTest, Compiled, CompiledGrade, CompiledPeriod, CompiledTier,
    CompiledWaiting, Conditions, Count, Enroll, HeldSet, LateNewborn, Outcome, PaymentTime,
    PersonTest, Policy, Prefilter, RefusalText, Start, TierAmounts, Wait, grade_bit,
};
use crate::resident::{Enrollment, Resident, Special};

/// Evaluates `resident` against `policy`: what is owed, who pays the rest, when benefits run.
///
/// A refusal (paid outside the window, not covered) is an `Ok` assessment with
/// `status = refused`.
///
/// # Errors
///
/// An [`EvalError`] when the resident makes no sense: payment before birth, a disability
/// without a grade, a category the policy does not know, an enrollment history that
/// contradicts itself (lapsed without `lapsed_years`, repair beyond `lapsed_years - 1`), a date
/// a deciding rule counts from that is missing.
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
    let c = &policy.compiled;
    let facts = Facts::of(policy, resident)?;
    let refusals = &c.refusals;
    let mut trace = Trace::new(&c.notes);
    let refused = |refusal, trace| refused(policy, facts.grade, refusal, trace);

    // 1. Who is covered.
    if resident.employee_insurance_obligated {
        return Ok(refused(&refusals.employee_obligated, trace));
    }
    if !covers(c, resident) {
        return Ok(refused(&refusals.not_covered, trace));
    }
    trace.push(c.steps.covered);

    // 2. When it was paid.
    let period = facts.period;
    let paid = resident.payment_date;
    if paid < c.window.from || paid > period.span.last {
        return Ok(refused(&refusals.outside_window, trace));
    }
    trace.push(match facts.paid {
        PaymentTime::Window => c.steps.paid_window,
        PaymentTime::Outside => c.steps.paid_outside,
        PaymentTime::Extension(index) => c
            .extensions
            .get(index)
            .map_or(c.steps.paid_outside, |e| e.note),
    });

    // 3. Which rule decides: the first whose conditions all hold.
    let mut decided = None;
    for rule in &*c.rules {
        if rule.prefilter.admits(facts.key)
            && rule
                .when
                .matches(c, &facts)
                .map_err(|f| f.error(resident, &rule.id))?
        {
            decided = Some(rule);
            break;
        }
    }
    let Some(rule) = decided else {
        return Ok(refused(&refusals.outside_window, trace));
    };
    let enroll = match &rule.outcome {
        Outcome::Refuse(refusal) => {
            trace.push(rule.note);
            return Ok(refused_by_rule(policy, facts.grade, refusal, trace));
        }
        Outcome::Enroll(enroll) => enroll,
    };

    // 4. When benefits begin: the rule's start, not before the waiting period ends.
    let (start, counted_from) =
        rule_start(c, enroll, &facts, period).map_err(|f| f.error(resident, &rule.id))?;
    if let Some(from) = counted_from {
        trace.facts_mut().start = Some((from, start));
    }
    let waited = waiting_period(c, enroll, &facts, period, start)
        .map_err(|f| f.error(resident, "waiting_period.exempt"))?;
    let after_wait = match waited.until() {
        Ok(until) => until.map_or(start, |until| start.max(until)),
        // The wait ends past the calendar, so past any settlement period.
        Err(()) => NaiveDate::MAX,
    };
    let (benefit_start, moved_from) =
        if enroll.not_before_period_start && after_wait < period.span.from {
            (period.span.from, Some(after_wait))
        } else {
            (after_wait, None)
        };
    if benefit_start > period.span.last {
        trace.push(rule.context_note);
        waited.record(&mut trace);
        return Ok(refused(&period.no_benefit, trace));
    }
    trace.push(rule.note);

    // 5. What is charged, at the resident's contribution grade.
    let grade = facts.grade;
    let (charged, charge_note) = match enroll.charge {
        Charge::Personal => (grade.personal, grade.personal_note),
        // Validation refuses a `full` charge in a policy without a fiscal standard.
        Charge::Full => (grade.full.unwrap_or(grade.personal), grade.full_note),
        Charge::Waived => (Decimal::ZERO, c.steps.waived),
    };
    trace.push(charge_note);

    // 6. Who pays what: the tier's subsidies; the resident owes the rest of the charge. Nothing
    //    is charged when the contribution is waived, so no tier applies.
    let (subsidies, owed, tier) = match enroll.charge {
        Charge::Waived => (&Subsidies::NONE, Decimal::ZERO, None),
        charge => match best_tier(c, &facts) {
            Some((tier, amounts)) => {
                trace.push(tier.note);
                let owed = if charge == Charge::Full {
                    amounts.owed_full
                } else {
                    amounts.owed_personal
                };
                (&amounts.subsidies, owed, Some(&*tier.id))
            }
            None => {
                trace.push(c.steps.no_tier);
                (&Subsidies::NONE, charged, None)
            }
        },
    };

    // 7. What else is due, and what else is earned.
    waited.record(&mut trace);
    let repair_charge = repair(c, &facts, &waited, &mut trace);
    if let Some(from) = moved_from {
        trace.push(period.start_moved);
        trace.facts_mut().moved_from = Some(from);
    }
    let prior_year_charge = enroll.prior_year.as_ref().and_then(|prior| {
        prior.born.contains(resident.birth_date).then(|| {
            trace.push(prior.note);
            PriorYearCharge {
                year: prior.year,
                amount: prior.amount,
            }
        })
    });
    let ceiling_raise = ceiling_raise(c, resident, &mut trace);

    Ok(Assessment {
        policy: policy.id(),
        status: Status::Enrolled,
        refusal: None,
        personal_standard: grade.personal,
        charged,
        charged_standard: Some(enroll.charge),
        owed,
        subsidies,
        tier,
        benefit_start: Some(benefit_start),
        benefit_end: Some(period.span.last),
        waiting_months: waited.months(),
        prior_year_charge,
        repair_charge,
        ceiling_raise,
        trace,
    })
}

fn refused<'p>(
    policy: &'p Policy,
    grade: &CompiledGrade,
    (refusal, note): &'p (RefusalText, NoteId),
    mut trace: Trace<'p>,
) -> Assessment<'p> {
    trace.push(*note);
    refused_by_rule(policy, grade, refusal, trace)
}

/// A refusal: nothing charged, owed, waited, repaired or raised (urrbmi reading M15).
fn refused_by_rule<'p>(
    policy: &'p Policy,
    grade: &CompiledGrade,
    refusal: &'p RefusalText,
    trace: Trace<'p>,
) -> Assessment<'p> {
    Assessment {
        policy: policy.id(),
        status: Status::Refused,
        refusal: Some(refusal.get()),
        personal_standard: grade.personal,
        charged: Decimal::ZERO,
        charged_standard: None,
        owed: Decimal::ZERO,
        subsidies: &Subsidies::NONE,
        tier: None,
        benefit_start: None,
        benefit_end: None,
        waiting_months: None,
        prior_year_charge: None,
        repair_charge: None,
        ceiling_raise: None,
        trace,
    }
}

/// Whether the notice covers the resident (before employee-insurance obligations).
fn covers(c: &Compiled, resident: &Resident) -> bool {
    let coverage = &c.coverage;
    coverage.everyone
        || (coverage.local_hukou && resident.hukou == crate::Hukou::Local)
        || (coverage.residence_permit && resident.residence_permit)
        || coverage.students.contains(resident.student)
}

/// What evaluation knows of a resident besides the fields: worked out once, before any rule.
struct Facts<'r, 'p> {
    resident: &'r Resident,
    /// The resident's contribution grade.
    grade: &'p CompiledGrade,
    /// The grade's position (grade − 1).
    grade_index: usize,
    /// The resident's settlement period.
    period: &'p CompiledPeriod,
    /// The resident's special circumstance, as its bit in the policy's special table.
    special: Option<u32>,
    /// When the payment was made.
    paid: PaymentTime,
    newborn: NewbornStatus,
    /// The categories recognized on or before the payment (what opens a route or exempts).
    held: HeldSet,
    /// The categories that count for subsidies: recognized on or before the payment and the
    /// policy's recognition deadline (reading 2).
    for_subsidy: HeldSet,
    /// The enum-valued facts as the rules' prefilter reads them.
    key: Prefilter,
}

impl<'r, 'p> Facts<'r, 'p> {
    /// Checks the resident and works out the facts. Cost: one pass over the categories.
    fn of(policy: &'p Policy, resident: &'r Resident) -> Result<Facts<'r, 'p>, EvalError> {
        let c = &policy.compiled;
        let payment = resident.payment_date;
        if payment < resident.birth_date {
            check_prenatal(c, resident)?;
        }
        let grade_index = usize::from(resident.contribution_grade).wrapping_sub(1);
        let Some(grade) = c.grades.get(grade_index) else {
            return Err(grade_not_offered(policy, resident.contribution_grade));
        };
        let Some(period) = c.period_of(resident.student) else {
            // Validation guarantees a default period; a loaded policy never gets here.
            return Err(EvalError::DateOutOfRange {
                date: payment,
                rule: "[[period]]".to_string(),
            });
        };
        check_history(policy, resident)?;
        // Every category listed (to find one listed twice), and those that count.
        let mut listed = CategorySet::EMPTY;
        let mut held = HeldSet::default();
        let mut for_subsidy = HeldSet::default();
        for (index, category) in resident.categories.iter().enumerate() {
            let grade = match (&category.kind, category.grade) {
                (CategoryKind::Disability, None) => {
                    return Err(EvalError::DisabilityWithoutGrade { index });
                }
                (CategoryKind::Disability, Some(grade)) if !(1..=4).contains(&grade) => {
                    return Err(EvalError::GradeOutOfRange { index, grade });
                }
                (CategoryKind::Disability, Some(grade)) => grade_bit(grade),
                (other, Some(_)) => {
                    return Err(EvalError::GradeOnOtherCategory {
                        index,
                        category: other.id().to_string(),
                    });
                }
                (_, None) => 0,
            };
            let Some(position) = c.categories.position(&category.kind) else {
                return Err(unknown_category(policy, index, category.kind.id()));
            };
            if listed.contains(position) {
                return Err(EvalError::DuplicateCategory {
                    index,
                    category: c.categories.id_at(position).to_string(),
                });
            }
            listed = listed.with(position);
            if let Some(recognized_on) = category.recognized_on
                && recognized_on < resident.birth_date
            {
                return Err(EvalError::RecognizedBeforeBirth {
                    index,
                    recognized_on,
                    birth_date: resident.birth_date,
                });
            }
            // A category recognized after the payment counts for nothing this year.
            if category.recognized_on.is_none_or(|d| d <= payment) {
                held.kinds = held.kinds.with(position);
                held.disability_grade |= grade;
                if category.recognized_on.is_none_or(|d| d <= c.recognized_by) {
                    for_subsidy.kinds = for_subsidy.kinds.with(position);
                    for_subsidy.disability_grade |= grade;
                }
            }
        }
        if let Some(date) = resident.special.as_ref().and_then(|s| s.date)
            && date > payment
        {
            return Err(EvalError::SpecialDateAfterPayment {
                date,
                payment_date: payment,
            });
        }
        let special = match &resident.special {
            None => None,
            Some(s) => Some(
                c.specials
                    .position(&s.kind)
                    .ok_or_else(|| unknown_special(policy, s.kind.id()))?,
            ),
        };
        let paid = payment_time(c, resident, special, held);
        let newborn = newborn_status(c, resident);
        let key = Prefilter::key(
            paid,
            newborn,
            resident.enrollment,
            special,
            resident.student,
            resident.hukou,
            [
                resident.household_unit,
                resident.residence_permit,
                resident.parent_insured,
                resident.new_entrant,
            ],
        );
        Ok(Facts {
            resident,
            grade,
            grade_index,
            period,
            special,
            paid,
            newborn,
            held,
            for_subsidy,
            key,
        })
    }

    /// Whether the resident passes a test of birth, age and natural years.
    #[inline]
    fn is(&self, c: &Compiled, person: &PersonTest) -> bool {
        let r = self.resident;
        person.born.is_none_or(|b| b.contains(r.birth_date))
            && person.age.is_none_or(|age| {
                let on = match age.on() {
                    AgeOn::PaymentDate => r.payment_date,
                    AgeOn::PeriodStart => self.period.span.from,
                };
                age.admits(age_on(r.birth_date, on))
            })
            && person.natural_years.is_none_or(|years| {
                // The benefit year is among the first `years` calendar years of life, the
                // year of birth counted as the first.
                let year_of_life = i64::from(c.benefit_year) - i64::from(r.birth_date.year());
                (0..i64::from(years)).contains(&year_of_life)
            })
    }
}

/// A payment before birth: allowed where the policy registers unborn children (准新生儿), up to
/// its `before_birth_days`; an error otherwise.
#[cold]
fn check_prenatal(c: &Compiled, r: &Resident) -> Result<(), EvalError> {
    let days_before = day_number(r.birth_date) - day_number(r.payment_date);
    match c.newborn.before_birth_days {
        Some(allowed) if days_before <= i64::from(allowed) => Ok(()),
        Some(allowed) => Err(EvalError::PaidTooLongBeforeBirth {
            birth_date: r.birth_date,
            payment_date: r.payment_date,
            allowed,
        }),
        None => Err(EvalError::PaymentBeforeBirth {
            birth_date: r.birth_date,
            payment_date: r.payment_date,
        }),
    }
}

/// The largest number of years a history field accepts.
const MAX_YEARS: u32 = 150;

/// Rejects an enrollment history that contradicts itself (urrbmi reading M12).
#[inline]
fn check_history(policy: &Policy, r: &Resident) -> Result<(), EvalError> {
    // Most residents renew with no break, no repair and at most a plausible count of years.
    let plain = r.enrollment == Enrollment::Renewal
        && r.lapsed_years.is_none()
        && r.repair_years == 0
        && r.continuous_years
            .is_none_or(|y| (1..=MAX_YEARS).contains(&y));
    if plain {
        Ok(())
    } else {
        check_history_in_full(policy, r)
    }
}

#[cold]
fn check_history_in_full(policy: &Policy, r: &Resident) -> Result<(), EvalError> {
    let enrollment = match r.enrollment {
        Enrollment::Renewal => "renewal",
        Enrollment::FirstTime => "first_time",
        Enrollment::Lapsed => "lapsed",
    };
    for (field, value) in [
        ("lapsed_years", r.lapsed_years),
        ("continuous_years", r.continuous_years),
        ("repair_years", Some(r.repair_years)),
    ] {
        if let Some(value) = value
            && value > MAX_YEARS
        {
            return Err(EvalError::YearsOutOfRange {
                field,
                value,
                allowed: format!("a whole number of benefit years from 0 to {MAX_YEARS}"),
            });
        }
    }
    match r.enrollment {
        Enrollment::Lapsed => {
            let lapsed = r
                .lapsed_years
                .ok_or(EvalError::LapsedWithoutYears { max: MAX_YEARS })?;
            if lapsed == 0 {
                return Err(EvalError::YearsOutOfRange {
                    field: "lapsed_years",
                    value: 0,
                    allowed: format!(
                        "a lapsed resident (断保) missed at least one benefit year: from 1 to {MAX_YEARS}"
                    ),
                });
            }
            if r.repair_years > lapsed - 1 {
                return Err(EvalError::YearsOutOfRange {
                    field: "repair_years",
                    value: r.repair_years,
                    allowed: format!(
                        "at most lapsed_years - 1 = {} (the first year of a break adds no variable wait to repair)",
                        lapsed - 1
                    ),
                });
            }
            if let Some(value @ 1..) = r.continuous_years {
                return Err(EvalError::ContinuityContradicted {
                    value,
                    enrollment,
                    allowed: "after a break the continuous years start again (连续参保年数重新计算): 0 or absent",
                });
            }
        }
        Enrollment::Renewal | Enrollment::FirstTime => {
            if let Some(value) = r.lapsed_years {
                return Err(EvalError::HistoryWithoutLapse {
                    field: "lapsed_years",
                    value,
                    enrollment,
                });
            }
            if r.repair_years > 0 {
                return Err(EvalError::HistoryWithoutLapse {
                    field: "repair_years",
                    value: r.repair_years,
                    enrollment,
                });
            }
            match (r.enrollment, r.continuous_years) {
                (Enrollment::Renewal, Some(0)) => {
                    return Err(EvalError::ContinuityContradicted {
                        value: 0,
                        enrollment,
                        allowed: "a renewal was covered last year: 1 or more, or absent",
                    });
                }
                (Enrollment::FirstTime, Some(value @ 1..)) => {
                    return Err(EvalError::ContinuityContradicted {
                        value,
                        enrollment,
                        allowed: "a first-time enrollee was never covered: 0 or absent",
                    });
                }
                _ => {}
            }
        }
    }
    if r.repair_years > 0
        && policy
            .compiled
            .waiting
            .as_ref()
            .is_none_or(|w| w.repair.is_none())
    {
        return Err(EvalError::RepairNotOffered {
            years: r.repair_years,
            policy: policy.id().to_string(),
        });
    }
    Ok(())
}

/// When the payment was made: in the window, in an extension the resident may use (one for
/// everyone, or for a group the resident is in: a circumstance, a category held at the payment,
/// a kind of student), or outside.
fn payment_time(
    c: &Compiled,
    resident: &Resident,
    special: Option<u32>,
    held: HeldSet,
) -> PaymentTime {
    let paid = resident.payment_date;
    if c.window.contains(paid) {
        return PaymentTime::Window;
    }
    c.extensions
        .iter()
        .position(|ext| {
            ext.in_force
                && ext.span.contains(paid)
                && ext.who.is_none_or(|who| {
                    (special.is_some() && who.special.contains(special))
                        || who.categories.is_some_and(|t| t.matches(held))
                        || who.students.is_some_and(|s| s.contains(resident.student))
                })
        })
        .map_or(PaymentTime::Outside, PaymentTime::Extension)
}

/// Whether the payment is within `days` of `event` under the policy's day counting.
fn within(c: &Compiled, event: NaiveDate, payment: NaiveDate, days: u32) -> bool {
    let elapsed = day_number(payment) - day_number(event);
    match c.within_days {
        WithinDays::AtMost => elapsed <= i64::from(days),
        WithinDays::LessThan => elapsed < i64::from(days),
    }
}

/// Whether the payment is within `months` calendar months of `event` (M1), under the policy's
/// day counting (`at_most`: the day N months later is within).
fn within_months(c: &Compiled, event: NaiveDate, payment: NaiveDate, months: u32) -> bool {
    match add_months(event, months) {
        // Past the calendar: every payment is within.
        None => true,
        Some(limit) => match c.within_days {
            WithinDays::AtMost => payment <= limit,
            WithinDays::LessThan => payment < limit,
        },
    }
}

/// Whether the payment is within a count of days or months of `event`.
fn within_count(c: &Compiled, event: NaiveDate, payment: NaiveDate, count: Count) -> bool {
    match count {
        Count::Days(days) => within(c, event, payment, days),
        Count::Months(months) => within_months(c, event, payment, months),
    }
}

#[inline]
fn newborn_status(c: &Compiled, resident: &Resident) -> NewbornStatus {
    // Most residents were born years before they pay: no day needs counting for them (no
    // newborn limit reaches past ten years, validation's bound on days and months).
    let years_apart = resident.payment_date.year() - resident.birth_date.year();
    if years_apart > 11 {
        return match c.newborn.late {
            LateNewborn::BornOnOrAfter(day) if resident.birth_date >= day => NewbornStatus::Late,
            _ => NewbornStatus::No,
        };
    }
    let (birth, payment) = (resident.birth_date, resident.payment_date);
    // A payment before birth (准新生儿, where the policy allows it) is within.
    if payment < birth || within_count(c, birth, payment, c.newborn.within) {
        NewbornStatus::Within
    } else {
        match c.newborn.late {
            LateNewborn::BornOnOrAfter(day) if birth >= day => NewbornStatus::Late,
            LateNewborn::WithinMonths(months) if within_months(c, birth, payment, months) => {
                NewbornStatus::Late
            }
            _ => NewbornStatus::No,
        }
    }
}

/// What stops a rule from being decided for this resident: kept small on the evaluation path,
/// and made into an [`EvalError`] only when it happens.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// The rule counts from the special circumstance's date, and there is none.
    MissingSpecialDate,
    /// Date arithmetic from this date left the calendar.
    DateOutOfRange(NaiveDate),
}

impl Fault {
    #[cold]
    fn error(self, resident: &Resident, rule: &str) -> EvalError {
        match self {
            Fault::MissingSpecialDate => EvalError::MissingSpecialDate {
                kind: resident
                    .special
                    .as_ref()
                    .map_or("special", |s| s.kind.id())
                    .to_string(),
                rule: rule.to_string(),
            },
            Fault::DateOutOfRange(date) => EvalError::DateOutOfRange {
                date,
                rule: rule.to_string(),
            },
        }
    }
}

impl Conditions {
    /// Whether every condition holds for the resident (an absent condition always holds).
    /// The payment time, the newborn status and the special circumstance come first: they
    /// settle most rules.
    #[inline]
    fn matches(&self, c: &Compiled, f: &Facts) -> Result<bool, Fault> {
        let r = f.resident;
        let holds = self.paid.as_ref().is_none_or(|p| p.contains(f.paid))
            && self.newborn.is_none_or(|n| n.contains(f.newborn))
            && self.special.is_none_or(|s| s.contains(f.special))
            && self.enrollment.is_none_or(|e| e.contains(r.enrollment))
            && self.household_unit.is_none_or(|h| h == r.household_unit)
            && self.hukou.is_none_or(|h| h == r.hukou)
            && self
                .residence_permit
                .is_none_or(|p| p == r.residence_permit)
            && self.students.is_none_or(|s| s.contains(r.student))
            && self.holds.is_none_or(|t| t.matches(f.held))
            && self.parent_insured.is_none_or(|p| p == r.parent_insured)
            && self.new_entrant.is_none_or(|n| n == r.new_entrant)
            && self.grades.is_none_or(|g| {
                g & 1u16
                    .checked_shl(u32::from(r.contribution_grade))
                    .unwrap_or(0)
                    != 0
            })
            && (self.person.is_open() || f.is(c, &self.person));
        if !holds {
            return Ok(false);
        }
        if self.special_within_days.is_none()
            && self.special_after_days.is_none()
            && self.special_within_months.is_none()
        {
            return Ok(true);
        }
        let date = special_date(r.special.as_ref())?;
        let in_time = self
            .special_within_days
            .is_none_or(|days| within(c, date, r.payment_date, days));
        let late = self
            .special_after_days
            .is_none_or(|days| !within(c, date, r.payment_date, days));
        let in_months = self
            .special_within_months
            .is_none_or(|months| within_months(c, date, r.payment_date, months));
        Ok(in_time && late && in_months)
    }
}

fn special_date(special: Option<&Special>) -> Result<NaiveDate, Fault> {
    special
        .and_then(|s| s.date)
        .ok_or(Fault::MissingSpecialDate)
}

/// The most favourable tier the resident qualifies for, with what it pays at the resident's
/// grade; ties go to the tier listed first.
#[inline(always)]
fn best_tier<'p>(c: &'p Compiled, f: &Facts) -> Option<(&'p CompiledTier, &'p TierAmounts)> {
    if f.for_subsidy.kinds.is_empty() && !c.open_tiers {
        // Most residents hold no category that counts: no tier can apply (unless one is keyed
        // on students, age or birth alone).
        None
    } else {
        best_tier_of_several(c, f)
    }
}

fn best_tier_of_several<'p>(
    c: &'p Compiled,
    f: &Facts,
) -> Option<(&'p CompiledTier, &'p TierAmounts)> {
    let r = f.resident;
    let qualifies = |tier: &&CompiledTier| {
        tier.holds.is_none_or(|t| t.matches(f.for_subsidy))
            && !f.for_subsidy.kinds.intersects(tier.not_holding)
            && tier.students.is_none_or(|s| s.contains(r.student))
            && tier.hukou.is_none_or(|h| h == r.hukou)
            && (tier.person.is_open() || f.is(c, &tier.person))
    };
    match c.choice {
        TierChoice::MostFavourable => c
            .tiers
            .iter()
            .filter(qualifies)
            .filter_map(|tier| Some((tier, tier.by_grade.get(f.grade_index)?)))
            .fold(None, |best, (tier, amounts)| match best {
                Some((b, at)) if at.total >= amounts.total => Some((b, at)),
                _ => Some((tier, amounts)),
            }),
    }
}

/// The day a rule's benefits count from, before any waiting period and before the check
/// against the settlement period; with the day it was worked out from, for a start the trace
/// shows the arithmetic of (the day after payment, a month's first day).
#[inline(always)]
fn rule_start(
    c: &Compiled,
    enroll: &Enroll,
    f: &Facts,
    period: &CompiledPeriod,
) -> Result<(NaiveDate, Option<NaiveDate>), Fault> {
    let resident = f.resident;
    let paid = resident.payment_date;
    Ok(match enroll.start {
        Start::Period => (period.span.from, None),
        Start::PaymentDate => (paid, None),
        Start::BirthDate => (resident.birth_date, None),
        Start::SpecialDate => (special_date(resident.special.as_ref())?, None),
        Start::NextMonth(NextMonth::FirstDayOfFollowingMonth) => (
            first_of_next_month(paid).ok_or(Fault::DateOutOfRange(paid))?,
            None,
        ),
        Start::Fixed(date) => (date, None),
        Start::DayAfterPayment => (
            add_days(paid, 1).ok_or(Fault::DateOutOfRange(paid))?,
            Some(paid),
        ),
        Start::PaymentMonth => (first_of_month(paid), Some(paid)),
        Start::RecognitionMonth(test) => match recognized(c, resident, test) {
            // Recognized long ago: the start falls before the settlement period.
            None => (period.span.from, Some(NaiveDate::MIN)),
            Some(day) => (first_of_month(day), Some(day)),
        },
    })
}

/// The first day of the month of `date`.
fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The earliest day the resident was recognized in a category `test` passes, among those held
/// at the payment; `None` when one of them has no `recognized_on` (recognized long ago).
fn recognized(c: &Compiled, r: &Resident, test: CategoryTest) -> Option<NaiveDate> {
    let mut earliest = NaiveDate::MAX;
    for category in &r.categories {
        let Some(position) = c.categories.position(&category.kind) else {
            continue;
        };
        let single = HeldSet {
            kinds: CategorySet::EMPTY.with(position),
            disability_grade: category.grade.map_or(0, grade_bit),
        };
        let held_at_payment = category.recognized_on.is_none_or(|d| d <= r.payment_date);
        if held_at_payment && test.matches(single) {
            earliest = earliest.min(category.recognized_on?);
        }
    }
    // Validation makes a recognition-month rule name a category the resident then holds.
    Some(earliest).filter(|d| *d != NaiveDate::MAX)
}

/// What the waiting period made of a resident under the deciding rule.
enum Waited {
    /// The rule has none.
    None,
    /// A wait in days (the rule's `plus_days`), ending on `until` (`None`: past the calendar).
    Days { until: Option<NaiveDate> },
    /// A wait in months (the rule's `plus_months` or the policy's table).
    Months {
        months: u32,
        waiting: Waiting,
        note: NoteId,
    },
    /// The policy's table applies, but the resident is exempt (by this entry).
    Exempt(NoteId),
}

impl Waited {
    /// The day the wait ends: `Ok(None)` when there is no wait, `Err(())` past the calendar.
    fn until(&self) -> Result<Option<NaiveDate>, ()> {
        match self {
            Waited::None | Waited::Exempt(_) => Ok(None),
            Waited::Days { until } => until.map(Some).ok_or(()),
            Waited::Months { waiting, .. } => waiting.until.map(Some).ok_or(()),
        }
    }

    /// The months waited (`waiting_months`), when a wait in months applied.
    fn months(&self) -> Option<u32> {
        match self {
            Waited::Months { months, .. } => Some(*months),
            _ => None,
        }
    }

    /// The trace step of the wait, with its arithmetic.
    fn record(&self, trace: &mut Trace<'_>) {
        match self {
            Waited::Months { waiting, note, .. } => {
                trace.push(*note);
                trace.facts_mut().waiting = Some(*waiting);
            }
            Waited::Exempt(note) => trace.push(*note),
            Waited::None | Waited::Days { .. } => {}
        }
    }
}

/// The waiting period of the deciding rule (urrbmi readings M1-M5).
#[inline(always)]
fn waiting_period(
    c: &Compiled,
    enroll: &Enroll,
    f: &Facts,
    period: &CompiledPeriod,
    start: NaiveDate,
) -> Result<Waited, Fault> {
    let r = f.resident;
    // M2: a wait runs from the payment date; paid in the window, from the period's first day;
    // or from the rule's own start where the policy says so.
    let from = |counted_from: WaitingFrom| match (counted_from, f.paid) {
        (WaitingFrom::PeriodStartForWindowPayments, PaymentTime::Window) => {
            (period.span.from, WaitOrigin::PeriodStart)
        }
        (WaitingFrom::RuleStart, _) => (start, WaitOrigin::RuleStart),
        (WaitingFrom::PaymentDate | WaitingFrom::PeriodStartForWindowPayments, _) => {
            (r.payment_date, WaitOrigin::Payment)
        }
    };
    // M1: N months after a day is the same day N months later, or that month's last day.
    let after = |date: NaiveDate, months: u32, counting: Months| match counting {
        Months::SameDayOrMonthEnd => add_months(date, months),
    };
    Ok(match enroll.wait {
        Wait::None => Waited::None,
        Wait::Days(days, WaitingPeriod::PaymentDatePlusDays) => Waited::Days {
            until: add_days(r.payment_date, days),
        },
        Wait::Months(months, counting, counted_from) => {
            let (from, origin) = from(counted_from);
            let Some(note) = enroll.wait_note else {
                // A rule's months always come with their note (compile).
                return Ok(Waited::None);
            };
            Waited::Months {
                months,
                waiting: Waiting {
                    fixed: short(months),
                    variable: 0,
                    lapsed_years: 0,
                    repaired: 0,
                    floor: 0,
                    months: short(months),
                    from,
                    until: after(from, months, counting),
                    origin,
                    rule_months: true,
                },
                note,
            }
        }
        Wait::Table(counting, counted_from) => {
            let Some(table) = &c.waiting else {
                // Validation refuses `waiting_period = true` without a table.
                return Ok(Waited::None);
            };
            // M5: the exempt do not wait.
            for (prefilter, exemption, note) in &*table.exempt {
                if prefilter.admits(f.key) && exemption.matches(c, f)? {
                    return Ok(Waited::Exempt(*note));
                }
            }
            let lapsed = match r.enrollment {
                Enrollment::Lapsed => r.lapsed_years.unwrap_or(0),
                Enrollment::Renewal | Enrollment::FirstTime => 0,
            };
            let (months, variable, repaired, floor) = table_months(table, lapsed, r.repair_years);
            let (from, origin) = from(counted_from);
            Waited::Months {
                months,
                waiting: Waiting {
                    fixed: short(table.fixed),
                    variable: short(variable),
                    lapsed_years: short(lapsed),
                    repaired: short(repaired),
                    floor: floor.map_or(0, short),
                    months: short(months),
                    from,
                    until: after(from, months, counting),
                    origin,
                    rule_months: false,
                },
                note: table.note,
            }
        }
    })
}

/// A count of months or years as the trace keeps it (validation bounds them far below).
fn short(n: u32) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// M4: `(total, variable, repaired, floor applied)` for `lapsed` years without cover and
/// `repair` years paid: fixed + variable − repaired (the variable part never below 0), at least
/// the floor from its number of lapsed years.
fn table_months(table: &CompiledWaiting, lapsed: u32, repair: u32) -> (u32, u32, u32, Option<u32>) {
    let variable = table.variable.map_or(0, |(per_year, after)| {
        lapsed.saturating_sub(after).saturating_mul(per_year)
    });
    let repaired = table
        .repair
        .map_or(0, |(per_year, _)| repair.saturating_mul(per_year))
        .min(variable);
    let total = table.fixed.saturating_add(variable - repaired);
    match table.floor {
        Some((least, from_lapsed_years)) if lapsed >= from_lapsed_years && total < least => {
            (least, variable, repaired, Some(least))
        }
        _ => (total, variable, repaired, None),
    }
}

/// The repair charge (缴费修复): the years given × the policy's price, charged as given even when
/// an exemption or the floor makes them useless (urrbmi reading M12); the trace says how many
/// months they removed.
#[inline(always)]
fn repair(c: &Compiled, f: &Facts, waited: &Waited, trace: &mut Trace<'_>) -> Option<RepairCharge> {
    let r = f.resident;
    if r.repair_years == 0 {
        return None;
    }
    let table = c.waiting.as_ref()?;
    let (_, price) = table.repair?;
    // A year costs the personal standard of the resident's grade (泰安 390 or 530).
    let per_year = match price {
        RepairPrice::PersonalStandard => f.grade.personal_fen,
    };
    let amount = yuan_of_fen(per_year * i64::from(r.repair_years));
    let removed = match waited {
        Waited::Months {
            months, waiting, ..
        } if !waiting.rule_months => {
            let (without_repair, ..) = table_months(table, u32::from(waiting.lapsed_years), 0);
            without_repair - months
        }
        _ => 0,
    };
    trace.push(table.repair_note);
    trace.facts_mut().repair = (short(r.repair_years), short(removed), per_year);
    Some(RepairCharge {
        years: r.repair_years,
        amount,
    })
}

/// The raise of the 大病保险 ceiling (urrbmi reading M7): none when the policy has no incentive
/// or `continuous_years` is not known (M13).
#[inline(always)]
fn ceiling_raise(c: &Compiled, r: &Resident, trace: &mut Trace<'_>) -> Option<Decimal> {
    let continuous_years = r.continuous_years?;
    let incentive = c.incentive.as_ref()?;
    // In fen: validated steps and caps are whole fen, and years are bounded.
    let (counted_years, continuous) = incentive.continuous.map_or((0, 0), |(after, step)| {
        // After `after` continuous years, each further year, this one included, adds a step.
        let counted = continuous_years.saturating_add(1).saturating_sub(after);
        (counted, step * i64::from(counted))
    });
    let claim_free = r.claim_free_last_year && incentive.claim_free.is_some();
    let uncapped = continuous
        + incentive
            .claim_free
            .filter(|_| claim_free)
            .unwrap_or_default();
    let total = incentive.cap.map_or(uncapped, |cap| uncapped.min(cap));
    trace.push(incentive.note);
    trace.facts_mut().raise = (short(continuous_years), short(counted_years), claim_free);
    Some(yuan_of_fen(total))
}

/// Fen as yuan, written without trailing zeros for whole yuan (`5000`, not `5000.00`).
fn yuan_of_fen(fen: i64) -> Decimal {
    if fen % 100 == 0 {
        Decimal::from(fen / 100)
    } else {
        Decimal::new(fen, 2).normalize()
    }
}

#[cold]
fn unknown_special(policy: &Policy, name: &str) -> EvalError {
    let specials = &policy.compiled.specials;
    let mut known: Vec<&str> = crate::SpecialKind::builtin_ids().collect();
    known.extend(specials.local_ids());
    EvalError::UnknownSpecial {
        name: name.to_string(),
        policy: policy.id().to_string(),
        suggestion: crate::suggest::closest(name, known.into_iter()).map(str::to_string),
        local: specials.local_names(),
    }
}

#[cold]
fn grade_not_offered(policy: &Policy, grade: u8) -> EvalError {
    let standards = &policy.spec().standards;
    let offered = standards
        .grade_amounts()
        .iter()
        .enumerate()
        .map(|(i, amount)| {
            let g = u8::try_from(i + 1).unwrap_or(u8::MAX);
            format!(
                "{g} ({}, {} yuan)",
                standards.grade_name(g).unwrap_or_default(),
                crate::money::canonical(*amount)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    EvalError::GradeNotOffered {
        grade,
        policy: policy.id().to_string(),
        offered,
    }
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
