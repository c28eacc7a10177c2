//! `urrbmi lint`: every error and warning of policy files at once, with line:column and key
//! path.

use std::io::Write;

use urrbmi::Policy;

use crate::args::LintArgs;
use crate::output::{self, Result, Status};

pub fn run(args: LintArgs) -> Result {
    let mut out = output::stdout();
    let mut failed = false;
    for file in &args.files {
        match Policy::lint_path(file) {
            Err(e) => {
                // Keep the order of findings and errors as the files were given.
                out.flush()?;
                output::warn(e);
                failed = true;
            }
            Ok(findings) if findings.is_empty() => writeln!(out, "{}: clean", file.display())?,
            Ok(findings) => {
                for finding in &findings {
                    if args.short {
                        writeln!(out, "{}", finding.one_line())?;
                    } else {
                        writeln!(out, "{finding}\n")?;
                    }
                }
                failed |= findings.iter().any(|f| f.is_error());
            }
        }
    }
    out.flush()?;
    Ok(Status::bad_if(failed))
}
