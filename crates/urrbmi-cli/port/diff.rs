//! What changed between two policies, side by side; and, for one resident, why the answer
//! differs.
//!
//! ```text
//! cargo run --example diff -- A B [--changed-only] [--json]
//! cargo run --example diff -- A B --resident RESIDENT.json [--same-dates] [--json]
//! ```
//!
//! A and B are built-in policy ids or policy files. `--resident` reads one resident as JSON
//! (the fields of the data contract, docs/contract.md, as for the `assess` example) and explains the change for them.
//! When the policies are for different benefit years the resident is moved to the same
//! situation in B's year (every date shifted by the difference) unless `--same-dates` is given.

use std::process::ExitCode;

use urrbmi::diff::{explain_change_between, same_situation};
use urrbmi::{Policy, Resident, diff};

const USAGE: &str =
    "usage: diff A B [--changed-only] [--json] [--resident RESIDENT.json [--same-dates]]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("diff: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut policies = Vec::new();
    let mut changed_only = false;
    let mut json = false;
    let mut resident_path = None;
    let mut same_dates = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--changed-only" => changed_only = true,
            "--json" => json = true,
            "--same-dates" => same_dates = true,
            "--resident" => {
                resident_path = Some(
                    args.next()
                        .ok_or_else(|| format!("--resident needs a file\n{USAGE}"))?,
                );
            }
            "--help" | "-h" => return Err(USAGE.to_string()),
            other if other.starts_with("--") => {
                return Err(format!("unknown option `{other}`\n{USAGE}"));
            }
            other => policies.push(other.to_string()),
        }
    }
    let [a, b] = policies.as_slice() else {
        return Err(format!("two policies are required\n{USAGE}"));
    };
    let a = Policy::from_id_or_path(a).map_err(|e| e.to_string())?;
    let b = Policy::from_id_or_path(b).map_err(|e| e.to_string())?;

    let Some(path) = resident_path else {
        let d = diff(&a, &b);
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&d).map_err(|e| e.to_string())?
            );
        } else {
            print!("{}", d.table(changed_only));
        }
        return Ok(());
    };

    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let resident = Resident::from_json(&text).map_err(|e| format!("{path}: {e}"))?;
    let moved = if same_dates || a.benefit_year() == b.benefit_year() {
        resident.clone()
    } else {
        same_situation(&resident, &a, &b)
    };
    let why = explain_change_between(&a, &b, &resident, &moved).map_err(|e| e.to_string())?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&why).map_err(|e| e.to_string())?
        );
    } else {
        if moved != resident {
            println!(
                "resident under B: born {}, paid {} (same situation, {} year(s) later)",
                moved.birth_date,
                moved.payment_date,
                b.benefit_year() - a.benefit_year()
            );
        }
        print!("{why}");
    }
    Ok(())
}
