//! What every subcommand shares: the exit status, errors, standard output and text tables.
//!
//! Output goes through one locked, buffered standard output ([`stdout`]) with `writeln!`; a
//! closed pipe (`urrbmi policies | head -1`) ends the run quietly ([`finish`]). Errors go to
//! standard error as `urrbmi: <message>`.

use std::fmt;
use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};
use std::path::Path;
use std::process::ExitCode;

use rust_decimal::Decimal;

/// How a run that went to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything was evaluated: exit 0.
    Clean,
    /// Some lines, rows, files or cases were bad: exit 1.
    SomeBad,
}

impl Status {
    /// `Clean` when `bad` is false.
    pub fn bad_if(bad: bool) -> Status {
        if bad { Status::SomeBad } else { Status::Clean }
    }
}

/// Why a run stopped before its end.
#[derive(Debug)]
pub enum Error {
    /// A usage error, or an input that cannot be read at all (a policy, a roster): exit 2.
    Fatal(String),
    /// The input was read but is bad (a resident that cannot be evaluated): exit 1.
    Bad(String),
    /// Writing to standard output failed; a closed pipe is a normal end.
    Stdout(io::Error),
}

impl From<io::Error> for Error {
    /// Errors converted with `?` are those of standard output; other files say what they are
    /// with [`fatal`].
    fn from(error: io::Error) -> Error {
        Error::Stdout(error)
    }
}

/// A run's result.
pub type Result<T = Status> = std::result::Result<T, Error>;

/// A fatal error with its message.
pub fn fatal(message: impl fmt::Display) -> Error {
    Error::Fatal(message.to_string())
}

/// The exit code of a run, with its error (if any) on standard error.
pub fn finish(result: Result) -> ExitCode {
    match result {
        Ok(Status::Clean) => ExitCode::SUCCESS,
        Ok(Status::SomeBad) => ExitCode::from(1),
        // The reader went away (`| head`): the output was wanted no further.
        Err(Error::Stdout(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Error::Stdout(e)) => {
            warn(format_args!("cannot write to standard output: {e}"));
            ExitCode::from(2)
        }
        Err(Error::Bad(message)) => {
            warn(message);
            ExitCode::from(1)
        }
        Err(Error::Fatal(message)) => {
            warn(message);
            ExitCode::from(2)
        }
    }
}

/// Standard output, locked and buffered. Flush it before returning (a `BufWriter` dropped
/// unflushed loses the error of its last write).
pub type Out = BufWriter<StdoutLock<'static>>;

/// Standard output, locked and buffered.
pub fn stdout() -> Out {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}

/// Writes `urrbmi: <message>` to standard error (ignoring a closed standard error).
pub fn warn(message: impl fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "urrbmi: {message}");
}

/// Writes a note (a timing, a file written) to standard error as it is.
pub fn note(message: impl fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "{message}");
}

/// Whether standard error is a terminal (progress bars are drawn only then).
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

/// An amount for a report: two decimals, thousands separated by `,` (the crate's one
/// formatter).
pub fn yuan(amount: Decimal) -> String {
    urrbmi::money::format_yuan(amount)
}

/// An amount with its sign: `+140.00`, `-70.00`, `0.00`.
pub fn signed(amount: Decimal) -> String {
    if amount.is_sign_positive() && !amount.is_zero() {
        format!("+{}", yuan(amount))
    } else {
        yuan(amount)
    }
}

pub use urrbmi_analysis::table::pad;

/// A text table in the analysis crate's one layout ([`urrbmi_analysis::table`]): `rows[0]` is
/// the heading row, the first `left` columns are left-aligned and the others (numbers)
/// right-aligned, each line indented by `indent`.
pub fn table(
    out: &mut impl Write,
    indent: &str,
    rows: &[Vec<String>],
    left: usize,
) -> io::Result<()> {
    use urrbmi_analysis::table::{Align, Table};
    let Some((headings, rows)) = rows.split_first() else {
        return Ok(());
    };
    let align = |i: usize| if i < left { Align::Left } else { Align::Right };
    let mut table = Table::new(
        headings
            .iter()
            .enumerate()
            .map(|(i, heading)| (heading.as_str(), align(i))),
    );
    for row in rows {
        table.row(row.iter().map(String::as_str));
    }
    for line in table.to_string().lines() {
        writeln!(out, "{}", format!("{indent}{line}").trim_end())?;
    }
    Ok(())
}

/// Writes a value as pretty JSON to a file.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<()> {
    let json = serde_json::to_string_pretty(value).map_err(fatal)?;
    std::fs::write(path, json + "\n")
        .map_err(|e| fatal(format!("cannot write {}: {e}", path.display())))
}

/// A count with its sign: `+3`, `-1`, `+0`.
pub fn signed_count(before: u64, after: u64) -> String {
    format!("{:+}", i128::from(after) - i128::from(before))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_indent_and_line_up_cjk() {
        let rows = vec![
            vec!["镇".to_string(), "owed".to_string()],
            vec!["沙头镇".to_string(), "1,204.00".to_string()],
            vec!["ab".to_string(), "7.00".to_string()],
        ];
        let mut out = Vec::new();
        table(&mut out, "  ", &rows, 1).expect("writes");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "  镇          owed\n  沙头镇  1,204.00\n  ab          7.00\n"
        );
        assert_eq!(pad("镇", 4), "镇  ");
    }

    #[test]
    fn signs() {
        assert_eq!(signed(Decimal::from(140)), "+140.00");
        assert_eq!(signed(Decimal::from(-70)), "-70.00");
        assert_eq!(signed(Decimal::ZERO), "0.00");
        assert_eq!(signed_count(3, 1), "-2");
    }

    #[test]
    fn tables_align() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["tier".to_string(), "enrolled".to_string()],
            vec!["低保".to_string(), "7".to_string()],
        ];
        table(&mut out, "  ", &rows, 1).unwrap_or_default();
        let text = String::from_utf8(out).unwrap_or_default();
        assert_eq!(text, "  tier  enrolled\n  低保         7\n");
    }
}
