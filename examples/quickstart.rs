//! The five built-in notices, side by side, for a handful of residents.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Each resident pays on a date inside (or, for the refusal, outside) the collection window of
//! the policy's benefit year, so the same person can be compared across notices. The table shows
//! what the resident owes, who pays the rest, when benefits begin, and the clause that decided.

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
            Resident::new(date(1990, 9, 9), after_window(p))
                .with_enrollment(Enrollment::FirstTime)
                .with_special(Special::new(SpecialKind::NewHukou))
        },
    },
    Example {
        label: "late, no special case",
        build: |p| Resident::new(date(1985, 1, 20), after_window(p)),
    },
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for policy in Policy::builtins()? {
        let doc = policy.document();
        let (opens, closes) = policy.window();
        println!(
            "\n{} — {} {} (benefit year {}; window {opens}..{closes}; personal {} / full {} yuan)",
            policy.id(),
            policy.region(),
            doc.number.as_deref().unwrap_or("(number not available)"),
            policy.benefit_year(),
            policy.personal_standard(),
            policy.full_standard(),
        );
        println!(
            "  {:<24} {:>9} {:>7} {:>7}  {:<28} {:<12} deciding clauses",
            "resident", "status", "charged", "owed", "subsidies", "benefits"
        );
        for example in EXAMPLES {
            let resident = (example.build)(&policy);
            let assessment = evaluate(&policy, &resident)?;
            println!("  {}", row(example.label, &assessment));
        }
    }
    Ok(())
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
