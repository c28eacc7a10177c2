//! `urrbmi test`: golden cases (the format of `tests/cases/README.md`) against a policy, for a
//! policy author who writes no Rust. The checks are those of the crate's own golden test.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use urrbmi::{Assessment, Funder, Resident, evaluate};

use crate::args::TestArgs;
use crate::input;
use crate::output::{self, Result, Status, fatal, name_of};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    clause: String,
    resident: Resident,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    status: String,
    /// The deciding step (`Assessment::deciding_rule`): `rule.<id>` or `refusal.<code>`.
    rule: String,
    /// The subsidy tier that applied, or `none`.
    tier: String,
    /// Every step of the trace, in order, when given.
    trace: Option<Vec<String>>,
    /// Text the deciding step's citation must contain.
    clause_contains: Option<String>,
    /// Text the refusal message must contain.
    message_contains: Option<String>,
    /// The refusal code; absent means not refused.
    refusal: Option<String>,
    charged: Option<Decimal>,
    owed: Option<Decimal>,
    subsidies: Option<BTreeMap<Funder, Decimal>>,
    benefit_start: Option<NaiveDate>,
    benefit_end: Option<NaiveDate>,
    /// Absent means none is expected, like the four below.
    prior_year_charge: Option<PriorYear>,
    /// `personal`, `full` or `waived`, when given.
    charged_standard: Option<String>,
    waiting_months: Option<u32>,
    repair_charge: Option<RepairYears>,
    ceiling_raise: Option<Decimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriorYear {
    year: i32,
    amount: Decimal,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RepairYears {
    years: u32,
    amount: Decimal,
}

pub fn run(args: TestArgs) -> Result {
    let policy = input::policy(&args.policy)?;
    let shown = args.cases.display();
    let text = std::fs::read_to_string(&args.cases)
        .map_err(|e| fatal(format!("cannot read case file {shown}: {e}")))?;
    let file: CaseFile = toml::from_str(text.strip_prefix('\u{feff}').unwrap_or(&text))
        .map_err(|e| fatal(format!("{shown}: {e}")))?;

    let mut out = output::stdout();
    let mut failed = 0_usize;
    for case in &file.case {
        let problems = match evaluate(&policy, &case.resident) {
            Ok(a) => {
                let mut diff = differences(&case.expect, &a);
                if !diff.is_empty() {
                    let trace: Vec<&str> = a.trace.iter().map(|s| s.rule).collect();
                    diff.push(format!("trace: {}", trace.join(" > ")));
                }
                diff
            }
            Err(e) => vec![format!("evaluation error: {e}")],
        };
        if problems.is_empty() {
            continue;
        }
        failed += 1;
        writeln!(out, "FAIL {} [{}]", case.name, case.clause)?;
        for problem in problems {
            writeln!(out, "    {problem}")?;
        }
    }
    let total = file.case.len();
    writeln!(
        out,
        "{shown} against {}: {total} cases, {} passed, {failed} failed",
        policy.id(),
        total - failed
    )?;
    out.flush()?;
    Ok(Status::bad_if(failed > 0))
}

/// Every difference between the expectation and the assessment, as readable lines.
fn differences(e: &Expect, a: &Assessment<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let status = name_of(&a.status).unwrap_or_else(|| format!("{:?}", a.status));
    if status != e.status {
        out.push(format!("status: expected {}, got {status}", e.status));
    }
    let rule = a.deciding_rule().unwrap_or("(no deciding step)");
    if rule != e.rule {
        out.push(format!("deciding rule: expected {}, got {rule}", e.rule));
    }
    let tier = a.tier.unwrap_or("none");
    if tier != e.tier {
        out.push(format!("tier: expected {}, got {tier}", e.tier));
    }
    if let Some(expected) = &e.trace {
        let got: Vec<&str> = a.trace.iter().map(|s| s.rule).collect();
        if got != *expected {
            out.push(format!("trace: expected {expected:?}, got {got:?}"));
        }
    }
    if let Some(text) = &e.clause_contains {
        let clause = a.deciding_clause().unwrap_or_default();
        if !clause.contains(text.as_str()) {
            out.push(format!(
                "deciding clause: expected it to contain {text:?}, got {clause:?}"
            ));
        }
    }
    if let Some(text) = &e.message_contains {
        let message = a.refusal.as_ref().map_or("", |r| r.message);
        if !message.contains(text.as_str()) {
            out.push(format!(
                "refusal message: expected it to contain {text:?}, got {message:?}"
            ));
        }
    }
    let code = a.refusal.as_ref().map(|r| r.code.id());
    if e.refusal.as_deref() != code {
        out.push(format!("refusal: expected {:?}, got {code:?}", e.refusal));
    }
    let mut money = |what: &str, expected: Option<Decimal>, got: Decimal| {
        if let Some(expected) = expected
            && expected != got
        {
            out.push(format!("{what}: expected {expected}, got {got}"));
        }
    };
    money("charged", e.charged, a.charged);
    money("owed", e.owed, a.owed);
    if let Some(expected) = &e.subsidies {
        for funder in Funder::ALL {
            money(
                &format!("subsidies.{funder}"),
                Some(expected.get(&funder).copied().unwrap_or_default()),
                a.subsidies.get(funder),
            );
        }
    }
    if e.benefit_start.is_some() && e.benefit_start != a.benefit_start {
        out.push(format!(
            "benefit_start: expected {:?}, got {:?}",
            e.benefit_start, a.benefit_start
        ));
    }
    if e.benefit_end.is_some() && e.benefit_end != a.benefit_end {
        out.push(format!(
            "benefit_end: expected {:?}, got {:?}",
            e.benefit_end, a.benefit_end
        ));
    }
    let expected_prior = e.prior_year_charge.as_ref().map(|p| (p.year, p.amount));
    let got_prior = a.prior_year_charge.as_ref().map(|p| (p.year, p.amount));
    if expected_prior != got_prior {
        out.push(format!(
            "prior_year_charge: expected {expected_prior:?}, got {got_prior:?}"
        ));
    }
    if let Some(expected) = &e.charged_standard {
        let got = a.charged_standard.and_then(|c| name_of(&c));
        if got.as_deref() != Some(expected.as_str()) {
            out.push(format!(
                "charged_standard: expected {expected}, got {got:?}"
            ));
        }
    }
    if e.waiting_months != a.waiting_months {
        out.push(format!(
            "waiting_months: expected {:?}, got {:?}",
            e.waiting_months, a.waiting_months
        ));
    }
    let expected_repair = e.repair_charge.as_ref().map(|r| (r.years, r.amount));
    let got_repair = a.repair_charge.as_ref().map(|r| (r.years, r.amount));
    if expected_repair != got_repair {
        out.push(format!(
            "repair_charge: expected {expected_repair:?}, got {got_repair:?}"
        ));
    }
    if e.ceiling_raise != a.ceiling_raise {
        out.push(format!(
            "ceiling_raise: expected {:?}, got {:?}",
            e.ceiling_raise, a.ceiling_raise
        ));
    }
    out
}
