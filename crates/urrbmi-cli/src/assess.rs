//! `urrbmi assess`: residents in as JSON lines, assessments out as JSON lines, in order.
//!
//! The contract: every output line carries the input's physical `line` number (1-based) and
//! the resident's `id` (or null), at the top level of an assessment and inside an `error`
//! object. A line that is not UTF-8, not JSON or not a resident, or that cannot be evaluated,
//! gets its own error line and the run goes on; blank lines are skipped and keep the numbering;
//! a line longer than [`MAX_LINE_BYTES`] is an error line, read through without being kept.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};

use serde::Serialize;
use urrbmi::{Assessment, Resident, evaluate};

use crate::args::AssessArgs;
use crate::input;
use crate::output::{self, Result, Status, fatal};

/// The longest line read, in bytes, without its newline: 1 MiB.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One assessment line: the line and id, then the assessment's own fields.
#[derive(Serialize)]
struct Assessed<'a, 'p> {
    line: u64,
    id: Option<&'a str>,
    #[serde(flatten)]
    assessment: &'a Assessment<'p>,
}

/// One error line: `{"error": {...}}`.
#[derive(Serialize)]
struct ErrorLine<'a> {
    error: LineError<'a>,
}

#[derive(Serialize)]
struct LineError<'a> {
    line: u64,
    id: Option<&'a str>,
    kind: Kind,
    message: &'a str,
}

/// Why a line could not be assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    /// Not JSON, or JSON that is not a resident.
    InvalidResident,
    /// A resident that makes no sense (an `EvalError`).
    Evaluation,
    /// Not UTF-8 text.
    NotUtf8,
    /// Longer than [`MAX_LINE_BYTES`].
    TooLong,
}

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
    let mut buf = Vec::new();
    let mut number: u64 = 0;
    let mut all_ok = true;
    loop {
        // Nothing more is waiting in the input: let the reader see the answers so far before
        // blocking for more (a client may send one line and wait for its answer).
        if input.buffer().is_empty() {
            out.flush()?;
        }
        let read = read_line(&mut input, &mut buf, MAX_LINE_BYTES)
            .map_err(|e| fatal(format!("cannot read line {}: {e}", number + 1)))?;
        let Some(read) = read else { break };
        number += 1;
        let ok = match read {
            Line::TooLong { bytes } => {
                let message = format!(
                    "the line is {bytes} bytes long; a line may hold at most {MAX_LINE_BYTES} bytes (1 MiB)"
                );
                error_line(&mut out, number, None, Kind::TooLong, &message)?;
                false
            }
            Line::Read => assess_line(&mut out, &policy, number, &buf)?,
        };
        all_ok &= ok;
    }
    out.flush()?;
    Ok(Status::bad_if(!all_ok))
}

/// Assesses one line read whole; whether it gave an assessment (or was blank).
fn assess_line(
    out: &mut impl Write,
    policy: &urrbmi::Policy,
    number: u64,
    bytes: &[u8],
) -> io::Result<bool> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            // The id may still be readable around the bad bytes (unless it holds them).
            let lossy = String::from_utf8_lossy(bytes);
            let id = id_of(&lossy).filter(|id| !id.contains(char::REPLACEMENT_CHARACTER));
            let message = format!(
                "the line is not UTF-8 text (an invalid byte at byte {} of the line); write the input as UTF-8",
                e.valid_up_to() + 1
            );
            error_line(out, number, id.as_deref(), Kind::NotUtf8, &message)?;
            return Ok(false);
        }
    };
    if text.trim().is_empty() {
        return Ok(true);
    }
    let resident = match Resident::from_json(text) {
        Ok(resident) => resident,
        Err(e) => {
            let id = id_of(text);
            let message = e.to_string();
            error_line(out, number, id.as_deref(), Kind::InvalidResident, &message)?;
            return Ok(false);
        }
    };
    let id = resident.id.as_deref();
    match evaluate(policy, &resident) {
        Ok(assessment) => {
            let line = Assessed {
                line: number,
                id,
                assessment: &assessment,
            };
            serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
            writeln!(out)?;
            Ok(true)
        }
        Err(e) => {
            error_line(out, number, id, Kind::Evaluation, &e.to_string())?;
            Ok(false)
        }
    }
}

fn error_line(
    out: &mut impl Write,
    line: u64,
    id: Option<&str>,
    kind: Kind,
    message: &str,
) -> io::Result<()> {
    let error = ErrorLine {
        error: LineError {
            line,
            id,
            kind,
            message,
        },
    };
    serde_json::to_writer(&mut *out, &error).map_err(io::Error::from)?;
    writeln!(out)
}

/// The `id` of a line that is JSON but not a resident, when it has one (text or a whole
/// number, as a resident's id reads).
fn id_of(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    match value.get("id")? {
        serde_json::Value::String(id) => Some(id.clone()),
        serde_json::Value::Number(n) if n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// What [`read_line`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// The line is in the buffer, without its `\n` (or `\r\n`).
    Read,
    /// The line was longer than the limit: it was read through and dropped.
    TooLong {
        /// Its length in bytes, without the newline.
        bytes: u64,
    },
}

/// Reads the next line into `buf` (cleared first), keeping at most `limit` bytes of it, so a
/// huge line is never held whole: `None` at the end of the input. The last line needs no
/// newline.
fn read_line(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Option<Line>> {
    buf.clear();
    let mut bytes: u64 = 0;
    let mut too_long = false;
    let mut any = false;
    loop {
        let available = match input.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        any = true;
        let newline = available.iter().position(|&b| b == b'\n');
        let (part, used) = match newline {
            Some(at) => (available.get(..at).unwrap_or_default(), at + 1),
            None => (available, available.len()),
        };
        bytes += part.len() as u64;
        if !too_long {
            if buf.len() + part.len() > limit {
                too_long = true;
                buf.clear();
                buf.shrink_to(64 * 1024);
            } else {
                buf.extend_from_slice(part);
            }
        }
        input.consume(used);
        if newline.is_some() {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if too_long {
        return Ok(Some(Line::TooLong { bytes }));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(Line::Read))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], limit: usize) -> Vec<(Line, Vec<u8>)> {
        let mut reader = BufReader::with_capacity(4, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Ok(Some(line)) = read_line(&mut reader, &mut buf, limit) {
            out.push((line, buf.clone()));
        }
        out
    }

    #[test]
    fn lines_are_split_at_newlines_and_the_last_needs_none() {
        let got = lines(b"ab\r\n\ncdefgh\nij", 100);
        let texts: Vec<&[u8]> = got.iter().map(|(_, b)| b.as_slice()).collect();
        assert_eq!(texts, [&b"ab"[..], b"", b"cdefgh", b"ij"]);
    }

    #[test]
    fn a_long_line_is_dropped_and_the_next_is_read() {
        let got = lines(b"0123456789\nok\n", 5);
        assert_eq!(
            got.first().map(|(l, _)| *l),
            Some(Line::TooLong { bytes: 10 })
        );
        assert_eq!(got.get(1), Some(&(Line::Read, b"ok".to_vec())));
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn a_line_at_the_limit_is_read() {
        let got = lines(b"12345\n", 5);
        assert_eq!(got, [(Line::Read, b"12345".to_vec())]);
    }

    #[test]
    fn ids_are_found_in_json_that_is_no_resident() {
        assert_eq!(id_of(r#"{"id": "r-1", "x": 1}"#), Some("r-1".into()));
        assert_eq!(id_of(r#"{"id": 7}"#), Some("7".into()));
        assert_eq!(id_of("not json"), None);
    }
}
