//! Golden cases: residents worked by hand from the notices, one file per built-in policy in
//! `tests/cases/`. See `tests/cases/README.md` for the format.

mod support;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use urrbmi::{Funder, Policy, Resident, evaluate};

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
    refusal: Option<String>,
    charged: Option<Decimal>,
    owed: Option<Decimal>,
    subsidies: Option<BTreeMap<Funder, Decimal>>,
    benefit_start: Option<NaiveDate>,
    benefit_end: Option<NaiveDate>,
    prior_year_charge: Option<PriorYear>,
    /// `personal`, `full` or `waived`, when given.
    charged_standard: Option<String>,
    /// Absent means none is expected (null), like the two below.
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

/// Every difference between the expectation and the assessment, as readable lines.
fn differences(case: &Case, a: &urrbmi::Assessment) -> Vec<String> {
    let e = &case.expect;
    let mut out = Vec::new();
    let status = match a.status {
        urrbmi::Status::Enrolled => "enrolled",
        urrbmi::Status::Refused => "refused",
    };
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
        let got = a
            .charged_standard
            .map(|c| serde_json::to_value(c).expect("serializes"));
        if got.as_ref().and_then(|v| v.as_str()) != Some(expected.as_str()) {
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

#[test]
fn golden_cases_match_the_notices() {
    let files = support::toml_files("tests/cases");
    assert!(
        files.len() >= 5,
        "one golden file per notice: found {}",
        files.len()
    );
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    for path in &files {
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 file name");
        let policy = Policy::builtin(id).unwrap_or_else(|e| {
            panic!(
                "{}: cases for a policy that is not built in: {e}",
                path.display()
            )
        });
        let text = std::fs::read_to_string(path).expect("readable");
        let file: CaseFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            file.case.len() >= 15,
            "{id}: at least 15 golden cases per notice, found {}",
            file.case.len()
        );
        assert!(
            file.case.iter().all(|c| !c.clause.trim().is_empty()),
            "{id}: every case names its clause"
        );
        counts.push(format!("{id}: {}", file.case.len()));
        for case in &file.case {
            match evaluate(policy, &case.resident) {
                Ok(a) => {
                    let diff = differences(case, &a);
                    if !diff.is_empty() {
                        failures.push(format!(
                            "{id} / {} [{}]\n    {}\n    trace: {}",
                            case.name,
                            case.clause,
                            diff.join("\n    "),
                            a.trace
                                .iter()
                                .map(|s| s.rule)
                                .collect::<Vec<_>>()
                                .join(" > ")
                        ));
                    }
                }
                Err(e) => failures.push(format!("{id} / {}: evaluation error: {e}", case.name)),
            }
        }
    }
    // Every built-in policy is checked against cases worked by hand from its notice.
    for id in Policy::builtin_ids() {
        if !files
            .iter()
            .any(|p| p.file_stem().and_then(|s| s.to_str()) == Some(id))
        {
            failures.push(format!(
                "{id}: a built-in policy without golden cases; add tests/cases/{id}.toml, worked by hand from its notice"
            ));
        }
    }
    eprintln!("golden cases: {}", counts.join(", "));
    assert!(
        failures.is_empty(),
        "{} golden case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
