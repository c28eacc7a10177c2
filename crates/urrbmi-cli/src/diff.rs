//! `urrbmi diff`: what changed between two policies; with a resident, why their answer differs.

use std::io::Write;

use urrbmi_analysis::diff::{explain_change_between, same_situation};

use crate::args::DiffArgs;
use crate::input;
use crate::output::{self, Error, Result, Status, fatal};

pub fn run(args: DiffArgs) -> Result {
    let a = input::policy(&args.a)?;
    let b = input::policy(&args.b)?;
    let mut out = output::stdout();

    let Some(resident) = &args.resident else {
        let d = urrbmi_analysis::diff(&a, &b);
        if args.json {
            let text = serde_json::to_string_pretty(&d).map_err(fatal)?;
            writeln!(out, "{text}")?;
        } else {
            write!(out, "{}", d.table(args.changed_only))?;
        }
        out.flush()?;
        return Ok(Status::Clean);
    };

    let resident = input::resident(resident)?;
    let moved = if args.same_dates || a.benefit_year() == b.benefit_year() {
        resident.clone()
    } else {
        same_situation(&resident, &a, &b)
    };
    let why = explain_change_between(&a, &b, &resident, &moved)
        .map_err(|e| Error::Bad(format!("the resident cannot be evaluated: {e}")))?;
    if args.json {
        let text = serde_json::to_string_pretty(&why).map_err(fatal)?;
        writeln!(out, "{text}")?;
    } else {
        if moved != resident {
            writeln!(
                out,
                "resident under B: born {}, paid {} (same situation, {} year(s) later)",
                moved.birth_date,
                moved.payment_date,
                b.benefit_year() - a.benefit_year()
            )?;
        }
        write!(out, "{why}")?;
    }
    out.flush()?;
    Ok(Status::Clean)
}
