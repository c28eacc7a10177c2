//! A payment desk: one policy loaded once, residents evaluated as they come to the counter,
//! and a receipt for each: what to collect now, who pays the rest, when cover begins, and the
//! clause that decided. A refusal is an answer the clerk reads out; an error means the data
//! typed in makes no sense and must be fixed.
//!
//! ```text
//! cargo run --example payment_desk
//! ```

use chrono::NaiveDate;
use urrbmi::{
    Assessment, CategoryKind, EvalError, Funder, HeldCategory, Policy, Resident, Special,
    SpecialKind, Student, evaluate,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Loaded once; every assessment borrows from it.
    let policy = Policy::builtin("hunan-2026")?;
    let (opens, closes) = policy.window();
    println!(
        "{} — benefit year {}, window {opens}..{closes}\n",
        policy.region(),
        policy.benefit_year()
    );

    let queue = [
        // A 低保 household member renewing in the window: the fund pays half.
        Resident::new(date(1962, 3, 9), date(2025, 11, 3))
            .with_id("counter-1")
            .with_category(CategoryKind::SubsistenceAllowance)
            .with_continuous_years(6),
        // Back after three years without cover, repairing two of them.
        Resident::new(date(1988, 8, 8), date(2025, 12, 12))
            .with_id("counter-2")
            .lapsed(3)
            .with_repair_years(2),
        // Paying in March: the full standard and a wait.
        Resident::new(date(1975, 5, 5), date(2026, 3, 20)).with_id("counter-3"),
        // A grade-1 disabled resident paying late: exempt from the wait, the fund pays the
        // personal part.
        Resident::new(date(1970, 1, 1), date(2026, 4, 1))
            .with_id("counter-4")
            .with_category(HeldCategory::disability(1)),
        // A new college student registering in September.
        Resident::new(date(2007, 6, 1), date(2025, 9, 8))
            .with_id("counter-5")
            .with_student(Student::College)
            .with_new_entrant(true),
        // A discharged soldier paying in November: no wait, covered from the payment date.
        Resident::new(date(1999, 9, 9), date(2026, 11, 2))
            .with_id("counter-6")
            .with_special(Special::new(SpecialKind::DemobilizedVeteran)),
        // Anyone else paying then: the wait would end in 2027, so there is no cover to buy.
        Resident::new(date(1990, 2, 2), date(2026, 11, 2)).with_id("counter-7"),
        // Typed wrong: a repair without a break.
        Resident::new(date(1980, 1, 1), date(2025, 10, 10))
            .with_id("counter-8")
            .with_repair_years(1),
    ];

    for resident in &queue {
        let id = resident.id.as_deref().unwrap_or("-");
        match evaluate(policy, resident) {
            Ok(a) => receipt(id, &a),
            Err(error) => fix_the_form(id, &error),
        }
    }
    Ok(())
}

fn receipt(id: &str, a: &Assessment) {
    println!("[{id}]");
    if let Some(refusal) = &a.refusal {
        println!("  not enrolled ({}): {}", refusal.code, refusal.message);
        println!();
        return;
    }
    println!("  collect now       {} yuan", a.total_due());
    println!(
        "    for the year    {} yuan (of {} charged)",
        a.owed, a.charged
    );
    if let Some(repair) = &a.repair_charge {
        println!(
            "    repair          {} yuan for {} year(s)",
            repair.amount, repair.years
        );
    }
    for funder in Funder::ALL {
        let paid = a.subsidies.get(funder);
        if !paid.is_zero() {
            println!("  paid by {:<10} {paid} yuan", funder.chinese());
        }
    }
    if let (Some(start), Some(end)) = (a.benefit_start, a.benefit_end) {
        println!("  cover             {start} to {end}");
    }
    if let Some(months) = a.waiting_months {
        println!("  waiting period    {months} months");
    }
    if let Some(raise) = a.ceiling_raise.filter(|r| !r.is_zero()) {
        println!("  大病保险 ceiling  +{raise} yuan");
    }
    println!("  decided by        {}", a.deciding_clause().unwrap_or("-"));
    println!();
}

fn fix_the_form(id: &str, error: &EvalError) {
    println!("[{id}]\n  the form must be corrected: {error}\n");
}
