//! The built-in policies, side by side, for a handful of residents; then the rules since
//! 2025 (国办发〔2024〕38号) under `hunan-2026`, for the residents they are about.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Each resident of the first part pays on a date inside (or, for the late ones, outside) the
//! collection window of the policy's benefit year, so the same person can be compared across
//! notices. The table shows what the resident owes, who pays the rest, when benefits begin, and
//! the clause that decided.

use chrono::{Datelike, Months, NaiveDate};
use urrbmi::{
    Assessment, CategoryKind, Enrollment, Funder, HeldCategory, Policy, Resident, Special,
    SpecialKind, evaluate,
};

/// One resident of the demonstration, described relative to the policy's collection window so
/// that it means the same thing under every notice.
struct Example {
    label: &'static str,
    build: fn(&Policy) -> Resident,
}

/// A day of the collection window: its second month, on the 15th.
fn in_window(policy: &Policy) -> NaiveDate {
    let (opens, _) = policy.window();
    let day = opens.checked_add_months(Months::new(1)).unwrap_or(opens);
    day.with_day(15).unwrap_or(day)
}

/// A day well after the window closed: 15 May of the benefit year.
fn after_window(policy: &Policy) -> NaiveDate {
    NaiveDate::from_ymd_opt(policy.benefit_year(), 5, 15).unwrap_or(policy.window().1)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

const EXAMPLES: &[Example] = &[
    Example {
        label: "ordinary renewal",
        build: |p| Resident::new(date(1980, 5, 1), in_window(p)),
    },
    Example {
        label: "subsistence allowance",
        build: |p| {
            Resident::new(date(1962, 3, 9), in_window(p))
                .with_category(CategoryKind::SubsistenceAllowance)
        },
    },
    Example {
        label: "extreme poverty",
        build: |p| {
            Resident::new(date(1948, 11, 2), in_window(p))
                .with_category(CategoryKind::ExtremePoverty)
        },
    },
    Example {
        label: "disability, grade 3",
        build: |p| {
            Resident::new(date(1971, 7, 30), in_window(p))
                .with_category(HeldCategory::disability(3))
        },
    },
    Example {
        label: "first-time enrollee",
        build: |p| {
            Resident::new(date(1995, 2, 14), in_window(p)).with_enrollment(Enrollment::FirstTime)
        },
    },
    Example {
        label: "newborn, paid at 30 days",
        build: |p| {
            let paid = after_window(p);
            let born = paid - chrono::Days::new(30);
            Resident::new(born, paid).with_enrollment(Enrollment::FirstTime)
        },
    },
    Example {
        label: "new hukou, paid late",
        build: |p| {
            // Moved in 30 days before paying: a policy may count from the day (江西 90天以内).
            let paid = after_window(p);
            let moved_in = paid.checked_sub_days(chrono::Days::new(30)).unwrap_or(paid);
            Resident::new(date(1990, 9, 9), paid)
                .with_enrollment(Enrollment::FirstTime)
                .with_special(Special::on(SpecialKind::NewHukou, moved_in))
        },
    },
    Example {
        label: "late, no special case",
        build: |p| Resident::new(date(1985, 1, 20), after_window(p)),
    },
];

/// A resident of the second part, with what the row shows.
type Labelled = (&'static str, fn() -> Resident);

/// The residents the rules since 2025 are about, each paying for Hunan's 2026.
const SINCE_2025: &[Labelled] = &[
    ("lapsed 2 years, 1 repaired", || {
        Resident::new(date(1985, 3, 1), date(2025, 11, 20))
            .lapsed(2)
            .with_repair_years(1)
    }),
    ("lapsed 2 years, no repair", || {
        Resident::new(date(1985, 3, 1), date(2025, 11, 20)).lapsed(2)
    }),
    ("lapsed 5 years, paid late", || {
        Resident::new(date(1979, 6, 6), date(2026, 3, 31)).lapsed(5)
    }),
    ("renewal paid after the window", || {
        Resident::new(date(1970, 1, 1), date(2026, 8, 31))
    }),
    ("低保, paid after the window", || {
        Resident::new(date(1958, 4, 4), date(2026, 5, 18))
            .with_category(CategoryKind::SubsistenceAllowance)
    }),
    ("newborn, parent insured", || {
        Resident::new(date(2026, 6, 1), date(2026, 9, 1)).with_parent_insured(true)
    }),
    ("new college entrant", || {
        let mut r = Resident::new(date(2007, 5, 5), date(2025, 9, 10)).with_new_entrant(true);
        r.student = urrbmi::Student::College;
        r
    }),
    ("6 years continuous", || {
        Resident::new(date(1966, 2, 2), date(2025, 12, 1)).with_continuous_years(6)
    }),
    ("paid late in October", || {
        Resident::new(date(1988, 8, 8), date(2026, 10, 1))
    }),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for policy in Policy::builtins()? {
        let doc = policy.document();
        let (opens, closes) = policy.window();
        println!(
            "\n{} — {} {} (benefit year {}; window {opens}..{closes}; personal {} / full {})",
            policy.id(),
            policy.region(),
            doc.number.as_deref().unwrap_or("(number not available)"),
            policy.benefit_year(),
            policy.personal_standard(),
            policy
                .full_standard()
                .map_or_else(|| "not stated".to_string(), |full| format!("{full} yuan")),
        );
        println!(
            "  {:<24} {:>9} {:>7} {:>7}  {:<28} {:<12} deciding clauses",
            "resident", "status", "charged", "owed", "subsidies", "benefits"
        );
        for example in EXAMPLES {
            let resident = (example.build)(policy);
            let assessment = evaluate(policy, &resident)?;
            println!("  {}", row(example.label, &assessment));
        }
    }

    let policy = Policy::builtin("hunan-2026")?;
    println!("\nRules since 2025 under hunan-2026 (waiting months, repair, waiver, incentive):");
    println!(
        "  {:<30} {:>8} {:>6} {:>6} {:>7} {:>6}  {:<11} how",
        "resident", "standard", "owed", "repair", "raise", "wait", "benefits"
    );
    for (label, build) in SINCE_2025 {
        let a = evaluate(policy, &build())?;
        println!("  {}", since_2025_row(label, &a));
    }
    Ok(())
}

fn since_2025_row(label: &str, a: &Assessment) -> String {
    let standard = match (&a.refusal, a.charged_standard) {
        (Some(refusal), _) => refusal.code.to_string(),
        (None, Some(charge)) => format!("{charge:?}").to_lowercase(),
        (None, None) => "-".into(),
    };
    let money =
        |amount: Option<rust_decimal::Decimal>| amount.map_or("-".into(), |a| a.to_string());
    // The step that says how the start was reached: the wait's arithmetic, an exemption, or
    // the deciding rule.
    let how = a
        .trace
        .iter()
        .find(|s| s.rule.starts_with("waiting_period"))
        .or_else(|| a.deciding_step())
        .map_or_else(String::new, |s| s.summary.into_owned());
    format!(
        "{label:<30} {standard:>8} {:>6} {:>6} {:>7} {:>6}  {:<11} {how}",
        a.owed.to_string(),
        money(a.repair_charge.as_ref().map(|r| r.amount)),
        money(a.ceiling_raise),
        a.waiting_months.map_or("-".into(), |m| format!("{m} mo")),
        a.benefit_start.map_or("-".into(), |d| d.to_string()),
    )
}

fn row(label: &str, a: &Assessment) -> String {
    let status = if a.is_enrolled() {
        "enrolled"
    } else {
        "refused"
    };
    let subsidies = Funder::ALL
        .iter()
        .filter(|f| !a.subsidies.get(**f).is_zero())
        .map(|f| format!("{} {}", f.id(), a.subsidies.get(*f)))
        .collect::<Vec<_>>()
        .join(" + ");
    let mut benefits = a
        .benefit_start
        .map_or_else(|| "-".to_string(), |d| d.to_string());
    if let Some(prior) = &a.prior_year_charge {
        benefits.push_str(&format!(" (+{} {} yuan)", prior.year, prior.amount));
    }
    let clauses = match &a.refusal {
        Some(refusal) => format!("refused ({}): {}", refusal.code, refusal.message),
        None => {
            let start = a.deciding_clause().map_or("-", short_cite);
            let tier = a
                .trace
                .iter()
                .find(|step| step.rule.starts_with("tier."))
                .map(|step| format!("; subsidy {}", short_cite(step.citation)))
                .unwrap_or_default();
            format!("start {start}{tier}")
        }
    };
    format!(
        "{label:<24} {status:>9} {:>7} {:>7}  {:<28} {benefits:<12} {clauses}",
        a.charged.to_string(),
        a.owed.to_string(),
        if subsidies.is_empty() {
            "-".to_string()
        } else {
            subsidies
        },
    )
}

/// A citation's document number and section (`长医保发〔2020〕63号 三(五)3`).
fn short_cite(citation: &str) -> &str {
    let end = citation
        .char_indices()
        .filter(|(_, c)| c.is_whitespace() || *c == ';')
        .map(|(i, _)| i)
        .nth(1)
        .unwrap_or(citation.len());
    citation.get(..end).unwrap_or(citation)
}
