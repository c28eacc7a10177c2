//! What the benchmarks and the performance tests share: a fixed, seeded mix of residents for a
//! policy, and hand-written baselines for two notices (`baseline.rs`).
//!
//! Included by `benches/*.rs` as `mod common;` and by `tests/alloc.rs` and `tests/baseline.rs`
//! through `#[path]`, so every bench run and every test sees the same residents.
#![allow(dead_code)]

pub mod baseline;

use chrono::{Days, NaiveDate};
use urrbmi::{
    CategoryKind, Enrollment, HeldCategory, Hukou, Policy, Resident, Special, SpecialKind, Student,
};

/// The seed of every mix: change it and every figure in docs/performance.md is stale.
pub const SEED: u64 = 0x5EED_2021;

/// Residents per mix in the `evaluate` bench and the tests (fits in cache, like a desk's day).
pub const MIX_SIZE: usize = 4096;

/// SplitMix64: small, fast, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with the given chance in percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A day in `from..=to` (`from` if the span is empty).
    pub fn day_in(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days().max(0) as u64;
        plus(from, self.below(span + 1) as i64)
    }
}

/// `date` moved by `days` (either way).
pub fn plus(date: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        date.checked_add_days(Days::new(days as u64))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    }
    .expect("dates of the mix are far from chrono's limits")
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// The shares of the mix, in percent: what a payment desk sees over a collection season.
///
/// | share | who |
/// |---|---|
/// | 40 | ordinary residents paying in the window (some first-time, lapsed with or without repair, pupils, college students and new entrants, permit holders; many with their continuous years; a third above grade 1 where the policy has grades) |
/// | 18 | residents in a subsidy tier (each tier of the policy; some hold two categories, some recognized too late) |
/// | 8 | newborns paying within 90 days of birth (some without local hukou, some with an insured parent) |
/// | 4 | late newborns paying outside the window |
/// | 4 | payments in the policy's extension (outside the window if it has none) |
/// | 12 | special circumstances paying outside the window, up to the end of the benefit year (some of them lapsed; every one dated) |
/// | 14 | refusals: outside the window (6), obliged to join employee insurance (3), not covered (3), before the window (2) |
pub fn mix(policy: &Policy, n: usize, seed: u64) -> Vec<Resident> {
    let mut rng = Rng::new(seed);
    let shape = Shape::of(policy);
    (0..n).map(|_| shape.resident(&mut rng)).collect()
}

/// The dates and categories of a policy that the mix draws from.
struct Shape {
    window_from: NaiveDate,
    window_to: NaiveDate,
    period_to: NaiveDate,
    /// The first day a late newborn may be born (a year before the window closes where the
    /// policy counts late newborns from the payment, or has none).
    late_born_on_or_after: NaiveDate,
    recognized_by: NaiveDate,
    extensions: Vec<(NaiveDate, NaiveDate)>,
    /// Every (category, grades) a tier names.
    tier_categories: Vec<(CategoryKind, Option<Vec<u8>>)>,
    /// Categories `found_unenrolled` rules ask for.
    found_categories: Vec<CategoryKind>,
    /// Whether the policy lets lapsed residents repair their wait (else they never do).
    repair_offered: bool,
    /// The policy's contribution grades (1 unless it has several).
    grades: u8,
}

impl Shape {
    fn of(policy: &Policy) -> Shape {
        let spec = policy.spec();
        let (window_from, window_to) = policy.window();
        let period_to = spec
            .periods
            .iter()
            .find(|p| p.students.is_none())
            .map_or(window_to, |p| p.to);
        let mut tier_categories: Vec<(CategoryKind, Option<Vec<u8>>)> = Vec::new();
        for tier in &spec.tiers {
            for kind in &tier.categories {
                let grades = (*kind == CategoryKind::Disability)
                    .then(|| tier.grades.clone().unwrap_or_else(|| vec![1, 2, 3, 4]));
                tier_categories.push((kind.clone(), grades));
            }
        }
        let mut found_categories = Vec::new();
        for rule in &spec.rules {
            if let Some(kinds) = &rule.when.holds_any {
                found_categories.extend(kinds.iter().cloned());
            }
        }
        if found_categories.is_empty() {
            found_categories.push(CategoryKind::RegisteredPoor);
        }
        Shape {
            window_from,
            window_to,
            period_to,
            late_born_on_or_after: spec
                .newborn
                .late_born_on_or_after
                .unwrap_or_else(|| plus(window_to, -365)),
            recognized_by: spec.subsidy.recognized_by,
            extensions: spec
                .extensions
                .iter()
                .filter(|e| e.in_force)
                .map(|e| (e.from, e.to))
                .collect(),
            tier_categories,
            found_categories,
            repair_offered: spec
                .waiting_period
                .as_ref()
                .is_some_and(|w| w.repair.is_some()),
            grades: u8::try_from(policy.grade_count()).unwrap_or(1),
        }
    }

    /// A history for a resident who is not a newborn: mostly renewals (half with their
    /// continuous years), some first-time, some lapsed (with a repair where the policy offers
    /// one).
    fn history(&self, rng: &mut Rng, r: &mut Resident) {
        match rng.below(100) {
            0..10 => r.enrollment = Enrollment::FirstTime,
            10..22 => {
                let lapsed = 1 + rng.below(8) as u32;
                r.enrollment = Enrollment::Lapsed;
                r.lapsed_years = Some(lapsed);
                if self.repair_offered && rng.chance(40) {
                    r.repair_years = rng.below(u64::from(lapsed)) as u32;
                }
            }
            _ => {
                if rng.chance(50) {
                    r.continuous_years = Some(1 + rng.below(10) as u32);
                    r.claim_free_last_year = rng.chance(30);
                }
            }
        }
    }

    fn resident(&self, rng: &mut Rng) -> Resident {
        let share = rng.below(100);
        match share {
            0..40 => self.ordinary(rng),
            40..58 => self.tiered(rng),
            58..66 => self.newborn_within(rng),
            66..70 => self.late_newborn(rng),
            70..74 => self.extension(rng),
            74..86 => self.special_outside(rng),
            _ => self.refusal(rng, share - 86),
        }
    }

    fn adult_birth(&self, rng: &mut Rng) -> NaiveDate {
        rng.day_in(ymd(1940, 1, 1), ymd(2015, 12, 31))
    }

    fn in_window(&self, rng: &mut Rng) -> NaiveDate {
        rng.day_in(self.window_from, self.window_to)
    }

    fn after_window(&self, rng: &mut Rng) -> NaiveDate {
        rng.day_in(plus(self.window_to, 1), self.period_to)
    }

    fn ordinary(&self, rng: &mut Rng) -> Resident {
        let mut r = Resident::new(self.adult_birth(rng), self.in_window(rng));
        match rng.below(100) {
            0..8 => r.student = Student::School,
            8..12 => {
                r.student = Student::College;
                r.birth_date = rng.day_in(ymd(1998, 1, 1), ymd(2004, 12, 31));
            }
            12..20 => {
                r.hukou = Hukou::Other;
                r.residence_permit = true;
            }
            _ => {}
        }
        self.history(rng, &mut r);
        if r.student == Student::College {
            r.new_entrant = rng.chance(25);
        }
        r.household_unit = rng.chance(92);
        // Where the policy has several grades, a third choose one above the first (some of
        // them minors or pupils, whom a policy may refuse it). No draw for the other policies,
        // so their mix is what it was.
        if self.grades > 1 && rng.chance(33) {
            r.contribution_grade = 2 + rng.below(u64::from(self.grades - 1)) as u8;
        }
        r
    }

    fn held(&self, rng: &mut Rng, birth: NaiveDate) -> HeldCategory {
        let (kind, grades) = rng.pick(&self.tier_categories);
        let mut held = HeldCategory::new(kind.clone());
        if let Some(grades) = grades {
            held.grade = Some(*rng.pick(grades));
        }
        match rng.below(100) {
            // Recognized after the deadline: does not count this year.
            0..10 => {
                held.recognized_on =
                    Some(rng.day_in(plus(self.recognized_by, 1), plus(self.recognized_by, 90)))
            }
            10..30 => {
                held.recognized_on =
                    Some(rng.day_in(birth.max(ymd(2015, 1, 1)), plus(self.window_from, -1)))
            }
            _ => {}
        }
        held
    }

    fn tiered(&self, rng: &mut Rng) -> Resident {
        let mut r = self.ordinary(rng);
        if self.tier_categories.is_empty() {
            return r;
        }
        let first = self.held(rng, r.birth_date);
        if first.kind == CategoryKind::NeedyCollegeStudent {
            r.student = Student::College;
            r.birth_date = rng.day_in(ymd(1998, 1, 1), ymd(2004, 12, 31));
        }
        r.categories.push(first);
        if rng.chance(25) {
            let second = if rng.chance(20) {
                HeldCategory::new(CategoryKind::StablyLifted)
            } else {
                self.held(rng, r.birth_date)
            };
            if r.categories.iter().all(|c| c.kind != second.kind) {
                r.categories.push(second);
            }
        }
        r
    }

    fn newborn_within(&self, rng: &mut Rng) -> Resident {
        let birth = rng.day_in(
            plus(self.window_from, -60),
            plus(self.window_to, 150).min(self.period_to),
        );
        let mut r = Resident::new(birth, plus(birth, rng.below(91) as i64));
        r.enrollment = Enrollment::FirstTime;
        if rng.chance(15) {
            r.hukou = Hukou::Other;
            r.residence_permit = true;
        }
        r.parent_insured = rng.chance(30);
        r
    }

    fn late_newborn(&self, rng: &mut Rng) -> Resident {
        let birth = rng.day_in(self.late_born_on_or_after, self.window_to);
        let payment = plus(birth, 91 + rng.below(150) as i64).max(plus(self.window_to, 1));
        let mut r = Resident::new(birth, payment.min(self.period_to));
        r.enrollment = Enrollment::FirstTime;
        r
    }

    fn extension(&self, rng: &mut Rng) -> Resident {
        let payment = match self.extensions.first() {
            Some(&(from, to)) => rng.day_in(from, to),
            None => rng.day_in(plus(self.window_to, 1), plus(self.window_to, 59)),
        };
        let mut r = Resident::new(self.adult_birth(rng), payment);
        r.household_unit = rng.chance(50);
        if rng.chance(50) {
            r.special = Some(Special::new(SpecialKind::MigrantWorker));
        }
        r
    }

    fn special_outside(&self, rng: &mut Rng) -> Resident {
        let payment = self.after_window(rng);
        let mut r = Resident::new(self.adult_birth(rng), payment);
        self.history(rng, &mut r);
        let kind = rng.pick(&SpecialKind::ALL).clone();
        // Every circumstance carries a date (a month before the payment unless drawn below), so
        // a policy that counts from any circumstance's date (江西, 泰安) can evaluate the mix; no
        // draw is added, so the mix of the older policies is what it was.
        let dated = Special::on(kind.clone(), plus(payment, -30).max(r.birth_date));
        r.special = Some(match kind {
            SpecialKind::WelfareInstitutionChild => {
                r.birth_date = rng.day_in(plus(payment, -3000), plus(payment, -30));
                Special::on(kind, rng.day_in(r.birth_date, payment))
            }
            SpecialKind::EmployeeInsuranceLapse => {
                Special::on(kind, rng.day_in(plus(payment, -200), payment))
            }
            SpecialKind::FoundUnenrolled => {
                if rng.chance(70) {
                    let kind = rng.pick(&self.found_categories).clone();
                    r.categories.push(HeldCategory::new(kind));
                }
                dated
            }
            SpecialKind::NewFormEmployment => {
                r.enrollment = Enrollment::FirstTime;
                (r.lapsed_years, r.repair_years, r.continuous_years) = (None, 0, None);
                r.hukou = Hukou::Other;
                r.residence_permit = true;
                dated
            }
            _ => dated,
        });
        r
    }

    /// `which` is in 0..14.
    fn refusal(&self, rng: &mut Rng, which: u64) -> Resident {
        let birth = self.adult_birth(rng);
        match which {
            0..6 => {
                let mut r = Resident::new(birth, self.after_window(rng));
                self.history(rng, &mut r);
                r
            }
            6..9 => {
                let mut r = Resident::new(birth, self.in_window(rng));
                r.employee_insurance_obligated = true;
                r
            }
            9..12 => {
                let mut r = Resident::new(birth, self.in_window(rng));
                r.hukou = Hukou::Other;
                r
            }
            _ => Resident::new(
                birth,
                rng.day_in(plus(self.window_from, -60), plus(self.window_from, -1)),
            ),
        }
    }
}
