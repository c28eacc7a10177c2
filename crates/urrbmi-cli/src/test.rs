//! `urrbmi test`: golden cases (the format of `tests/cases/README.md`) against a policy, for a
//! policy author who writes no Rust. The checks are those of the crate's own golden test.

use std::io::Write;

use urrbmi::cases::{CaseFile, differences};
use urrbmi::evaluate;

use crate::args::TestArgs;
use crate::input;
use crate::output::{self, Result, Status, fatal};

pub fn run(args: TestArgs) -> Result {
    let policy = input::policy(&args.policy)?;
    let shown = args.cases.display();
    let file = CaseFile::from_path(&args.cases).map_err(fatal)?;

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
