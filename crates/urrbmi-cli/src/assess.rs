//! `urrbmi assess`: residents in as JSON lines, assessments out as JSON lines, in order.
//!
//! The contract (every output line carries the input's physical `line` number and the
//! resident's `id`; error lines for lines that are not UTF-8, not JSON or not a resident, or
//! that cannot be evaluated; blank lines skipped; lines over [`MAX_LINE_BYTES`] read through) is
//! `urrbmi_analysis::jsonl`, which `urrbmi serve` answers with too.

use std::fs::File;
use std::io::{self, BufReader, Read};

use urrbmi_analysis::jsonl::{self, LinesError};

pub use urrbmi_analysis::jsonl::MAX_LINE_BYTES;

use crate::args::AssessArgs;
use crate::input;
use crate::output::{self, Error, Result, Status, fatal};

pub fn run(args: AssessArgs) -> Result {
    let policy = input::policy(&args.policy)?;
    let source: Box<dyn Read> = match args.input.as_deref() {
        None => Box::new(io::stdin().lock()),
        Some(path) if path.as_os_str() == "-" => Box::new(io::stdin().lock()),
        Some(path) => Box::new(
            File::open(path).map_err(|e| fatal(format!("cannot open {}: {e}", path.display())))?,
        ),
    };
    let mut input = BufReader::with_capacity(64 * 1024, source);
    let mut out = output::stdout();
    let counts = jsonl::assess_lines(&mut input, &mut out, &policy).map_err(|e| match e {
        LinesError::Read { .. } => fatal(e),
        LinesError::Write(e) => Error::Stdout(e),
    })?;
    Ok(Status::bad_if(counts.errors > 0))
}
