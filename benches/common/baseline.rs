//! Hand-written baselines: what a programmer would write for one notice, with no policy file.
//!
//! Plain `if`/`match`, every amount and date a constant, no validation of the resident (the
//! mix holds only valid residents), no trace. `tests/baseline.rs` checks that each agrees with
//! [`urrbmi::evaluate`] on every resident of the mix; the `evaluate` bench times both.

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;
use urrbmi::{Assessment, CategoryKind, Funder, HeldCategory, RefusalCode, Resident};

/// What a baseline answers: the assessment without its trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub refusal: Option<RefusalCode>,
    pub charged: Decimal,
    pub owed: Decimal,
    /// Fiscal, medical assistance, entitled-group fund.
    pub subsidies: [Decimal; 3],
    pub benefit_start: Option<NaiveDate>,
    pub benefit_end: Option<NaiveDate>,
    pub prior_year: Option<(i32, Decimal)>,
    pub waiting_months: Option<u32>,
    pub repair: Option<Decimal>,
    pub ceiling_raise: Option<Decimal>,
}

impl Outcome {
    pub fn refused(code: RefusalCode) -> Outcome {
        Outcome {
            refusal: Some(code),
            charged: Decimal::ZERO,
            owed: Decimal::ZERO,
            subsidies: [Decimal::ZERO; 3],
            benefit_start: None,
            benefit_end: None,
            prior_year: None,
            waiting_months: None,
            repair: None,
            ceiling_raise: None,
        }
    }

    /// An enrolled outcome of the older notices (no waits in months, repair or incentive).
    fn enrolled(
        charged: Decimal,
        subsidies: [Decimal; 3],
        start: NaiveDate,
        end: NaiveDate,
        prior_year: Option<(i32, Decimal)>,
    ) -> Outcome {
        Outcome {
            refusal: None,
            charged,
            owed: charged - (subsidies[0] + subsidies[1] + subsidies[2]),
            subsidies,
            benefit_start: Some(start),
            benefit_end: Some(end),
            prior_year,
            waiting_months: None,
            repair: None,
            ceiling_raise: None,
        }
    }

    /// The same view of an assessment from [`urrbmi::evaluate`].
    pub fn of(a: &Assessment) -> Outcome {
        Outcome {
            refusal: a.refusal.as_ref().map(|r| r.code),
            charged: a.charged,
            owed: a.owed,
            subsidies: Funder::ALL.map(|f| a.subsidies.get(f)),
            benefit_start: a.benefit_start,
            benefit_end: a.benefit_end,
            prior_year: a.prior_year_charge.as_ref().map(|c| (c.year, c.amount)),
            waiting_months: a.waiting_months,
            repair: a.repair_charge.as_ref().map(|c| c.amount),
            ceiling_raise: a.ceiling_raise,
        }
    }
}

const fn yuan(amount: u32) -> Decimal {
    Decimal::from_parts(amount, 0, 0, false, 0)
}

const fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => panic!("invalid date"),
    }
}

const ZERO: Decimal = Decimal::ZERO;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Newborn {
    Within,
    Late,
    No,
}

/// 出生后90天内 (at most 90 days), else late if born on or after the window opened.
fn newborn(r: &Resident, late_born_on_or_after: NaiveDate) -> Newborn {
    if (r.payment_date - r.birth_date).num_days() <= 90 {
        Newborn::Within
    } else if r.birth_date >= late_born_on_or_after {
        Newborn::Late
    } else {
        Newborn::No
    }
}

fn next_month(date: NaiveDate) -> NaiveDate {
    match date.month() {
        12 => day(date.year() + 1, 1, 1),
        m => day(date.year(), m + 1, 1),
    }
}

/// A category counts for subsidies if recognized by the payment and by the deadline.
fn counts(held: &HeldCategory, paid: NaiveDate, deadline: NaiveDate) -> bool {
    held.recognized_on
        .is_none_or(|d| d <= paid && d <= deadline)
}

/// Holds one of `kinds`, recognized on or before payment (for `found_unenrolled`).
fn holds_any(r: &Resident, kinds: &[CategoryKind]) -> bool {
    r.categories.iter().any(|held| {
        held.recognized_on.is_none_or(|d| d <= r.payment_date) && kinds.contains(&held.kind)
    })
}

/// 益资政办发〔2020〕17号, 资阳区 2021.
pub fn ziyang_2021(r: &Resident) -> Outcome {
    use urrbmi::Hukou::Local;
    use urrbmi::SpecialKind::*;
    use urrbmi::Student;

    const PERSONAL: Decimal = yuan(280);
    const FULL: Decimal = yuan(860);
    const WINDOW_FROM: NaiveDate = day(2020, 9, 1);
    const WINDOW_TO: NaiveDate = day(2020, 12, 31);
    const EXTENSION_TO: NaiveDate = day(2021, 2, 28);
    const PERIOD_FROM: NaiveDate = day(2021, 1, 1);
    const PERIOD_TO: NaiveDate = day(2021, 12, 31);

    if r.employee_insurance_obligated {
        return Outcome::refused(RefusalCode::EmployeeInsuranceObligated);
    }
    // 二(一); pupils join with their family, college students at the school (R2).
    if !(r.hukou == Local || r.residence_permit || r.student == Student::College) {
        return Outcome::refused(RefusalCode::NotCovered);
    }
    let paid = r.payment_date;
    if paid < WINDOW_FROM || paid > PERIOD_TO {
        return Outcome::refused(RefusalCode::OutsideWindow);
    }
    let newborn = newborn(r, WINDOW_FROM);
    let (charged, start) = if newborn == Newborn::Within {
        // From birth, but not before the benefit year (R1).
        (PERSONAL, r.birth_date.max(PERIOD_FROM))
    } else if paid <= WINDOW_TO {
        (PERSONAL, PERIOD_FROM)
    } else if paid <= EXTENSION_TO {
        if r.household_unit {
            (PERSONAL, PERIOD_FROM)
        } else {
            (PERSONAL, next_month(paid))
        }
    } else {
        let first_time = r.enrollment == urrbmi::Enrollment::FirstTime;
        match r.special_kind() {
            // 凭居住证初次参加 (R4).
            Some(NewFormEmployment) if first_time && r.residence_permit => {
                (PERSONAL, next_month(paid))
            }
            Some(
                NewHukou
                | DemobilizedVeteran
                | UnemployedGraduate
                | WelfareInstitutionChild
                | ReleasedPrisoner
                | EmployeeInsuranceLapse
                | OtherLocal,
            ) => (FULL, next_month(paid)),
            Some(FoundUnenrolled)
                if holds_any(
                    r,
                    &[CategoryKind::RegisteredPoor, CategoryKind::PovertyFringe],
                ) =>
            {
                (FULL, next_month(paid))
            }
            _ if newborn == Newborn::Late => (FULL, next_month(paid)),
            _ => return Outcome::refused(RefusalCode::OutsideWindow),
        }
    };
    if start > PERIOD_TO {
        return Outcome::refused(RefusalCode::NoBenefitInPeriod);
    }

    // 二(三): the most favourable tier; ties to the one the notice lists first.
    let (mut extreme, mut floor, mut subsistence) = (false, false, false);
    let (mut severe, mut mild, mut poor, mut fringe) = (false, false, false, false);
    for held in r
        .categories
        .iter()
        .filter(|h| counts(h, paid, EXTENSION_TO))
    {
        match held.kind {
            CategoryKind::ExtremePoverty | CategoryKind::Orphan => extreme = true,
            CategoryKind::FloorPovertyExit => floor = true,
            CategoryKind::SubsistenceAllowance => subsistence = true,
            CategoryKind::Disability => match held.grade {
                Some(1 | 2) => severe = true,
                Some(3 | 4) => mild = true,
                _ => {}
            },
            CategoryKind::RegisteredPoor => poor = true,
            CategoryKind::PovertyFringe => fringe = true,
            _ => {}
        }
    }
    // [fiscal, medical assistance, entitled group fund]
    let subsidies = if extreme {
        [ZERO, yuan(280), ZERO]
    } else if floor {
        [yuan(140), yuan(140), ZERO]
    } else if severe {
        [yuan(280), ZERO, ZERO]
    } else if subsistence {
        [ZERO, yuan(140), ZERO]
    } else if mild || (poor && !subsistence) {
        [yuan(140), ZERO, ZERO]
    } else if fringe {
        [yuan(70), ZERO, ZERO]
    } else {
        [ZERO; 3]
    };
    Outcome::enrolled(charged, subsidies, start, PERIOD_TO, None)
}

/// 长医保发〔2020〕63号, 长沙市 2021.
pub fn changsha_2021(r: &Resident) -> Outcome {
    use urrbmi::Hukou::Local;
    use urrbmi::SpecialKind::*;
    use urrbmi::{Enrollment, Student};

    const PERSONAL: Decimal = yuan(280);
    const FULL: Decimal = yuan(860);
    const WINDOW_FROM: NaiveDate = day(2020, 9, 1);
    const WINDOW_TO: NaiveDate = day(2021, 2, 28);
    const RECOGNIZED_BY: NaiveDate = day(2021, 2, 28);

    if r.employee_insurance_obligated {
        return Outcome::refused(RefusalCode::EmployeeInsuranceObligated);
    }
    let college = r.student == Student::College;
    if !(r.hukou == Local || r.residence_permit || college) {
        return Outcome::refused(RefusalCode::NotCovered);
    }
    let (period_from, period_to) = if college {
        (day(2021, 9, 1), day(2022, 8, 31))
    } else {
        (day(2021, 1, 1), day(2021, 12, 31))
    };
    let paid = r.payment_date;
    if paid < WINDOW_FROM || paid > period_to {
        return Outcome::refused(RefusalCode::OutsideWindow);
    }
    let newborn = newborn(r, WINDOW_FROM);
    let in_window = paid <= WINDOW_TO;
    let special_person = matches!(
        r.special_kind(),
        Some(
            NewHukou
                | DemobilizedVeteran
                | UnemployedGraduate
                | WelfareInstitutionChild
                | ReleasedPrisoner
                | EmployeeInsuranceLapse
        )
    );
    let found_with_category = r.special_kind() == Some(&FoundUnenrolled)
        && holds_any(
            r,
            &[CategoryKind::RegisteredPoor, CategoryKind::PovertyFringe],
        );
    let mut prior_year = None;
    let (charged, start) = if newborn == Newborn::Within && r.hukou == Local {
        // 三(五)4: born before 2020-12-01, the 2020 contribution (250) is also due.
        if (day(2020, 1, 1)..=day(2020, 11, 30)).contains(&r.birth_date) {
            prior_year = Some((2020, yuan(250)));
        }
        (PERSONAL, r.birth_date)
    } else if in_window
        && r.enrollment == Enrollment::FirstTime
        && newborn == Newborn::No
        && !special_person
        && !found_with_category
    {
        // 三(五)3: only newborns and the 特殊人员 are exempt (R3).
        let after_90_days = paid.checked_add_days(Days::new(90)).unwrap_or(paid);
        (PERSONAL, after_90_days.max(period_from))
    } else if in_window {
        (PERSONAL, paid.max(period_from))
    } else if special_person || found_with_category {
        (FULL, next_month(paid).max(period_from))
    } else if college {
        // No route for college students after the window (R8).
        return Outcome::refused(RefusalCode::OutsideWindow);
    } else if newborn == Newborn::Late && r.hukou == Local {
        (FULL, next_month(paid).max(period_from))
    } else if newborn != Newborn::No {
        // The newborn routes are for local hukou (R6).
        return Outcome::refused(RefusalCode::NotLocalNewborn);
    } else {
        return Outcome::refused(RefusalCode::OutsideWindow);
    };
    if start > period_to {
        return Outcome::refused(RefusalCode::NoBenefitInPeriod);
    }

    // 三(一): all paid by 财政; the most favourable tier.
    let (mut full, mut fringe, mut needy) = (false, false, false);
    for held in r
        .categories
        .iter()
        .filter(|h| counts(h, paid, RECOGNIZED_BY))
    {
        match held.kind {
            CategoryKind::ExtremePoverty
            | CategoryKind::RegisteredPoor
            | CategoryKind::SubsistenceAllowance
            | CategoryKind::Orphan
            | CategoryKind::DeFactoOrphan => full = true,
            CategoryKind::Disability if matches!(held.grade, Some(1 | 2)) => full = true,
            CategoryKind::PovertyFringe => fringe = true,
            CategoryKind::NeedyCollegeStudent if college => needy = true,
            _ => {}
        }
    }
    let fiscal = if full {
        yuan(280)
    } else if fringe {
        yuan(140)
    } else if needy {
        yuan(70)
    } else {
        ZERO
    };
    Outcome::enrolled(charged, [fiscal, ZERO, ZERO], start, period_to, prior_year)
}

/// 湖南 2026 (from the sources H1-H5 and readings P1-P8, M1-M15).
pub fn hunan_2026(r: &Resident) -> Outcome {
    use urrbmi::{Enrollment, SpecialKind, Student};

    const PERSONAL: Decimal = yuan(400);
    const FULL: Decimal = yuan(1100);
    const WINDOW_FROM: NaiveDate = day(2025, 9, 1);
    const WINDOW_TO: NaiveDate = day(2026, 1, 31);
    const PERIOD_FROM: NaiveDate = day(2026, 1, 1);
    const PERIOD_TO: NaiveDate = day(2026, 12, 31);
    const RECOGNIZED_BY: NaiveDate = day(2026, 1, 31);
    const NEWBORN_FROM: NaiveDate = day(2025, 10, 1);

    if r.employee_insurance_obligated {
        return Outcome::refused(RefusalCode::EmployeeInsuranceObligated);
    }
    // P1: everyone else is covered.
    let paid = r.payment_date;
    if paid < WINDOW_FROM || paid > PERIOD_TO {
        return Outcome::refused(RefusalCode::OutsideWindow);
    }
    let in_window = paid <= WINDOW_TO;
    let within = (paid - r.birth_date).num_days() <= 90;
    let newborn = r.birth_date >= NEWBORN_FROM;

    // P4: the tiers (recognized by the deadline) and the exemption (recognized by the payment).
    let (mut full, mut half, mut exempt) = (false, false, false);
    for held in &r.categories {
        let severe =
            !matches!(held.kind, CategoryKind::Disability) || matches!(held.grade, Some(1 | 2));
        let group = match held.kind {
            CategoryKind::ExtremePoverty
            | CategoryKind::Orphan
            | CategoryKind::DeFactoOrphan
            | CategoryKind::Disability => Some(true),
            // 监测对象 include 边缘易致贫户 (reading 34).
            CategoryKind::SubsistenceAllowance
            | CategoryKind::Monitored
            | CategoryKind::PovertyFringe
            | CategoryKind::SubsistenceFringe => Some(false),
            _ => None,
        };
        let Some(is_full) = group.filter(|_| severe) else {
            continue;
        };
        if held.recognized_on.is_none_or(|d| d <= paid) {
            exempt = true;
        }
        if counts(held, paid, RECOGNIZED_BY) {
            full |= is_full;
            half |= !is_full;
        }
    }
    exempt |= r.special_kind() == Some(&SpecialKind::DemobilizedVeteran);

    // The routes, in the policy's order; `wait_from` when the waiting period applies (M2).
    let (charged, base, wait_from) = if r.birth_date.year() == 2026 && r.parent_insured {
        (ZERO, r.birth_date, None) // P5: waived
    } else if within && newborn {
        (PERSONAL, r.birth_date, None) // P5, P6
    } else if !in_window && newborn {
        (PERSONAL, paid, None) // P5: late newborn, no wait
    } else if in_window && r.student == Student::College && r.new_entrant {
        // P7; a lapsed entrant also waits from 2026-01-01 unless exempt (reading 35).
        let lapsed = r.enrollment == Enrollment::Lapsed;
        (PERSONAL, day(2025, 9, 1), lapsed.then_some(PERIOD_FROM))
    } else if in_window && r.enrollment == Enrollment::Lapsed {
        (PERSONAL, PERIOD_FROM, Some(PERIOD_FROM)) // M2, M3
    } else if in_window {
        (PERSONAL, PERIOD_FROM, None) // P2
    } else {
        (FULL, paid, Some(paid)) // P3, M3
    };
    let mut waiting_months = None;
    let mut start = base;
    if let Some(from) = wait_from.filter(|_| !exempt) {
        // M4: 3 + (lapsed - 1) - repaired, at least 6 from 4 lapsed years.
        let lapsed = if r.enrollment == Enrollment::Lapsed {
            r.lapsed_years.unwrap_or(0)
        } else {
            0
        };
        let variable = lapsed.saturating_sub(1);
        let mut months = 3 + variable - r.repair_years.min(variable);
        if lapsed >= 4 {
            months = months.max(6);
        }
        waiting_months = Some(months);
        // M1: the same day, or the month's last day.
        start = start.max(
            from.checked_add_months(chrono::Months::new(months))
                .unwrap_or(NaiveDate::MAX),
        );
    }
    if start > PERIOD_TO {
        return Outcome::refused(RefusalCode::NoBenefitInPeriod);
    }
    let subsidy = if charged.is_zero() {
        ZERO
    } else if full {
        PERSONAL
    } else if half {
        yuan(200)
    } else {
        ZERO
    };
    Outcome {
        refusal: None,
        charged,
        owed: charged - subsidy,
        subsidies: [ZERO, subsidy, ZERO],
        benefit_start: Some(start),
        benefit_end: Some(PERIOD_TO),
        prior_year: None,
        waiting_months,
        repair: (r.repair_years > 0).then(|| PERSONAL * Decimal::from(r.repair_years)),
        // M7, P8: 5000 per continuous year after 4; the cap is not known.
        ceiling_raise: r
            .continuous_years
            .map(|years| yuan(5000) * Decimal::from(years.saturating_sub(3))),
    }
}

/// The baseline for a policy id, where there is one.
pub fn for_policy(id: &str) -> Option<fn(&Resident) -> Outcome> {
    match id {
        "ziyang-2021" => Some(ziyang_2021),
        "changsha-2021" => Some(changsha_2021),
        "hunan-2026" => Some(hunan_2026),
        _ => None,
    }
}
