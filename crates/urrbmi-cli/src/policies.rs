//! `urrbmi policies`: the built-in policies.

use std::io::Write;

use serde::Serialize;
use urrbmi::Policy;

use crate::args::PoliciesArgs;
use crate::output::{self, Result, Status, fatal};

/// One built-in policy, as `--json` prints it (money as decimal strings, dates `YYYY-MM-DD`).
#[derive(Serialize)]
struct Entry<'a> {
    id: &'a str,
    region: &'a str,
    benefit_year: i32,
    document: Document<'a>,
    standards: Standards,
    window: Window,
}

#[derive(Serialize)]
struct Document<'a> {
    issuer: &'a str,
    number: Option<&'a str>,
    title: &'a str,
    date: Option<chrono::NaiveDate>,
    available: bool,
}

#[derive(Serialize)]
struct Standards {
    personal: rust_decimal::Decimal,
    /// The personal standards of the further contribution grades (二档, ...), if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    grades: Vec<rust_decimal::Decimal>,
    /// `null` when the policy's sources do not state it.
    fiscal: Option<rust_decimal::Decimal>,
    full: Option<rust_decimal::Decimal>,
}

#[derive(Serialize)]
struct Window {
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

fn entry(policy: &Policy) -> Entry<'_> {
    let document = policy.document();
    let (from, to) = policy.window();
    Entry {
        id: policy.id(),
        region: policy.region(),
        benefit_year: policy.benefit_year(),
        document: Document {
            issuer: &document.issuer,
            number: document.number.as_deref(),
            title: &document.title,
            date: document.date,
            available: document.available,
        },
        standards: Standards {
            personal: policy.personal_standard().normalize(),
            grades: (2..=policy.grade_count())
                .filter_map(|g| u8::try_from(g).ok())
                .filter_map(|g| policy.personal_standard_at(g))
                .map(|d| d.normalize())
                .collect(),
            fiscal: policy.fiscal_standard().map(|d| d.normalize()),
            full: policy.full_standard().map(|d| d.normalize()),
        },
        window: Window { from, to },
    }
}

pub fn run(args: PoliciesArgs) -> Result {
    let policies = Policy::builtins().map_err(fatal)?;
    let mut out = output::stdout();
    if args.json {
        let entries: Vec<Entry> = policies.iter().map(|p| entry(p)).collect();
        let text = serde_json::to_string_pretty(&entries).map_err(fatal)?;
        writeln!(out, "{text}")?;
        out.flush()?;
        return Ok(Status::Clean);
    }
    let mut rows = vec![
        [
            "id",
            "region",
            "year",
            "document",
            "personal / full",
            "window",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for policy in &policies {
        let e = entry(policy);
        let document = match (e.document.number, e.document.date) {
            (Some(number), Some(date)) => format!("{number} ({date})"),
            (Some(number), None) => number.to_string(),
            (None, _) if !e.document.available => "not available".to_string(),
            (None, _) => e.document.title.to_string(),
        };
        rows.push(vec![
            e.id.to_string(),
            e.region.to_string(),
            e.benefit_year.to_string(),
            document,
            format!(
                "{} / {}",
                std::iter::once(e.standards.personal)
                    .chain(e.standards.grades.iter().copied())
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                e.standards
                    .full
                    .map_or_else(|| "not stated".to_string(), |d| d.to_string())
            ),
            format!("{}..{}", e.window.from, e.window.to),
        ]);
    }
    output::table(&mut out, "", &rows, 6)?;
    out.flush()?;
    Ok(Status::Clean)
}
