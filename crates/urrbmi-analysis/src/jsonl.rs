//! The assess contract: one JSON answer per resident, for `urrbmi assess` (JSON lines) and for
//! the web API (`urrbmi serve`: JSON lines, JSON arrays and single residents).
//!
//! Every answer carries where the resident sat in its input, its [`Position`]: the physical
//! `line` (1-based) of a JSON-lines input, or the `index` (0-based) of a JSON array, and the
//! resident's `id` (or null), at the top level of an assessment and inside an `error` object:
//!
//! ```text
//! {"line":3,"id":"r-1","policy":"ziyang-2021","status":"enrolled",...}
//! {"error":{"line":4,"id":null,"kind":"invalid_resident","message":"..."}}
//! ```
//!
//! A line that is not UTF-8, not JSON or not a resident, or that cannot be evaluated, gets its
//! own error answer and the run goes on ([`ErrorKind`]); blank lines are skipped and keep the
//! numbering; a line longer than [`MAX_LINE_BYTES`] is an error answer, read through without
//! being kept ([`read_line`]).
//!
//! ```
//! use urrbmi::Policy;
//! use urrbmi_analysis::jsonl;
//!
//! let policy = Policy::builtin("ziyang-2021")?;
//! let input = "{\"id\": \"a\", \"birth_date\": \"1980-01-01\", \"payment_date\": \"2020-10-15\"}\n\
//!              \n\
//!              not json\n";
//! let mut out = Vec::new();
//! let counts = jsonl::assess_lines(&mut std::io::BufReader::new(input.as_bytes()), &mut out, policy)?;
//! assert_eq!((counts.assessed, counts.errors, counts.blank), (1, 1, 1));
//! let text = String::from_utf8(out)?;
//! let lines: Vec<&str> = text.lines().collect();
//! assert!(lines[0].starts_with(r#"{"line":1,"id":"a","policy":"ziyang-2021","status":"enrolled""#));
//! assert!(lines[1].starts_with(r#"{"error":{"line":3,"id":null,"kind":"invalid_resident""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{self, BufRead, BufReader, Read, Write};

use serde::Serialize;
use urrbmi::{Assessment, Policy, Resident, evaluate};

/// The longest line read, in bytes, without its newline: 1 MiB.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Where a resident sat in its input: serialized as `"line": n` or `"index": n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// The physical line of a JSON-lines input, 1-based (blank lines count).
    Line(u64),
    /// The place in a JSON array, 0-based (a single resident is index 0).
    Index(u64),
}

/// One assessment answer: the position and id, then the assessment's own fields.
#[derive(Debug, Serialize)]
pub struct Assessed<'a, 'p> {
    /// Where the resident sat.
    #[serde(flatten)]
    pub position: Position,
    /// The resident's id, if it has one.
    pub id: Option<&'a str>,
    /// The assessment.
    #[serde(flatten)]
    pub assessment: &'a Assessment<'p>,
}

/// One error answer: `{"error": {...}}`.
#[derive(Debug, Serialize)]
pub struct ErrorLine<'a> {
    /// What went wrong, and where.
    pub error: LineError<'a>,
}

/// The body of an error answer.
#[derive(Debug, Serialize)]
pub struct LineError<'a> {
    /// Where the resident sat.
    #[serde(flatten)]
    pub position: Position,
    /// The resident's id when it could be read (also from JSON that is not a resident).
    pub id: Option<&'a str>,
    /// Why the resident could not be assessed.
    pub kind: ErrorKind,
    /// What was wrong, and what is accepted.
    pub message: &'a str,
}

/// Why a line (or an array element) could not be assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Not JSON, or JSON that is not a resident.
    InvalidResident,
    /// A resident that makes no sense (an [`urrbmi::EvalError`]).
    Evaluation,
    /// Not UTF-8 text.
    NotUtf8,
    /// Longer than [`MAX_LINE_BYTES`].
    TooLong,
}

/// What one input gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// An assessment (a refusal is one).
    Assessed,
    /// A blank line: nothing written.
    Blank,
    /// An error answer of this kind.
    Error(ErrorKind),
}

/// How many inputs gave what (see [`assess_lines`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Assessments written.
    pub assessed: u64,
    /// Error answers written.
    pub errors: u64,
    /// Blank lines skipped.
    pub blank: u64,
}

impl Counts {
    fn add(&mut self, answer: Answer) {
        match answer {
            Answer::Assessed => self.assessed += 1,
            Answer::Blank => self.blank += 1,
            Answer::Error(_) => self.errors += 1,
        }
    }
}

/// Why [`assess_lines`] stopped before the end of its input.
#[derive(Debug, thiserror::Error)]
pub enum LinesError {
    /// The input could not be read.
    #[error("cannot read line {line}: {source}")]
    Read {
        /// The line being read.
        line: u64,
        /// The reader's error.
        #[source]
        source: io::Error,
    },
    /// The answers could not be written.
    #[error("cannot write: {0}")]
    Write(#[source] io::Error),
}

/// Assesses a JSON-lines input against `policy`, one answer line per non-blank input line, in
/// order. `out` is flushed whenever nothing more is waiting in the input, so a client that sends
/// one line and waits sees its answer.
///
/// # Errors
///
/// [`LinesError::Read`] when the input fails (not for bad lines: those are error answers),
/// [`LinesError::Write`] when the output does.
pub fn assess_lines<R: Read>(
    input: &mut BufReader<R>,
    out: &mut impl Write,
    policy: &Policy,
) -> Result<Counts, LinesError> {
    let mut buf = Vec::new();
    let mut number: u64 = 0;
    let mut counts = Counts::default();
    loop {
        // Nothing more is waiting in the input: let the reader see the answers so far before
        // blocking for more (a client may send one line and wait for its answer).
        if input.buffer().is_empty() {
            out.flush().map_err(LinesError::Write)?;
        }
        let read =
            read_line(input, &mut buf, MAX_LINE_BYTES).map_err(|source| LinesError::Read {
                line: number + 1,
                source,
            })?;
        let Some(read) = read else { break };
        number += 1;
        let position = Position::Line(number);
        let answer = match read {
            Line::TooLong { bytes } => {
                write_too_long(out, position, bytes).map_err(LinesError::Write)?;
                Answer::Error(ErrorKind::TooLong)
            }
            Line::Read => write_bytes(out, policy, position, &buf).map_err(LinesError::Write)?,
        };
        counts.add(answer);
    }
    out.flush().map_err(LinesError::Write)?;
    Ok(counts)
}

/// Writes the answer for one resident given as bytes (a line without its newline): an
/// assessment line, an error line, or nothing for a blank line. Each line written ends in `\n`.
///
/// # Errors
///
/// Only those of `out`.
pub fn write_bytes(
    out: &mut impl Write,
    policy: &Policy,
    position: Position,
    bytes: &[u8],
) -> io::Result<Answer> {
    match std::str::from_utf8(bytes) {
        Ok(text) => write_text(out, policy, position, text),
        Err(e) => {
            // The id may still be readable around the bad bytes (unless it holds them).
            let lossy = String::from_utf8_lossy(bytes);
            let id = id_of(&lossy).filter(|id| !id.contains(char::REPLACEMENT_CHARACTER));
            let message = format!(
                "the line is not UTF-8 text (an invalid byte at byte {} of the line); write the input as UTF-8",
                e.valid_up_to() + 1
            );
            write_error(out, position, id.as_deref(), ErrorKind::NotUtf8, &message)?;
            Ok(Answer::Error(ErrorKind::NotUtf8))
        }
    }
}

/// Writes the answer for one resident given as JSON text (see [`write_bytes`]); blank text
/// writes nothing.
///
/// # Errors
///
/// Only those of `out`.
pub fn write_text(
    out: &mut impl Write,
    policy: &Policy,
    position: Position,
    text: &str,
) -> io::Result<Answer> {
    if text.trim().is_empty() {
        return Ok(Answer::Blank);
    }
    let resident = match Resident::from_json(text) {
        Ok(resident) => resident,
        Err(e) => {
            let id = id_of(text);
            let message = e.to_string();
            write_error(
                out,
                position,
                id.as_deref(),
                ErrorKind::InvalidResident,
                &message,
            )?;
            return Ok(Answer::Error(ErrorKind::InvalidResident));
        }
    };
    write_resident(out, policy, position, &resident)
}

/// Evaluates one resident and writes its answer: an assessment line or an evaluation error
/// line.
///
/// # Errors
///
/// Only those of `out`.
pub fn write_resident(
    out: &mut impl Write,
    policy: &Policy,
    position: Position,
    resident: &Resident,
) -> io::Result<Answer> {
    let id = resident.id.as_deref();
    match evaluate(policy, resident) {
        Ok(assessment) => {
            write_assessed(out, position, id, &assessment)?;
            Ok(Answer::Assessed)
        }
        Err(e) => {
            write_error(out, position, id, ErrorKind::Evaluation, &e.to_string())?;
            Ok(Answer::Error(ErrorKind::Evaluation))
        }
    }
}

/// Writes an assessment line: `{"line"|"index": n, "id": ..., <the assessment's fields>}\n`.
///
/// # Errors
///
/// Only those of `out`.
pub fn write_assessed(
    out: &mut impl Write,
    position: Position,
    id: Option<&str>,
    assessment: &Assessment<'_>,
) -> io::Result<()> {
    let line = Assessed {
        position,
        id,
        assessment,
    };
    serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes an error line: `{"error": {"line"|"index": n, "id": ..., "kind": ..., "message": ...}}\n`.
///
/// # Errors
///
/// Only those of `out`.
pub fn write_error(
    out: &mut impl Write,
    position: Position,
    id: Option<&str>,
    kind: ErrorKind,
    message: &str,
) -> io::Result<()> {
    let error = ErrorLine {
        error: LineError {
            position,
            id,
            kind,
            message,
        },
    };
    serde_json::to_writer(&mut *out, &error).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes the error line of a line longer than [`MAX_LINE_BYTES`].
///
/// # Errors
///
/// Only those of `out`.
pub fn write_too_long(out: &mut impl Write, position: Position, bytes: u64) -> io::Result<()> {
    let message = format!(
        "the line is {bytes} bytes long; a line may hold at most {MAX_LINE_BYTES} bytes (1 MiB)"
    );
    write_error(out, position, None, ErrorKind::TooLong, &message)
}

/// The `id` of text that is JSON but not a resident, when it has one (text or a whole number,
/// as a resident's id reads).
pub fn id_of(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    match value.get("id")? {
        serde_json::Value::String(id) => Some(id.clone()),
        serde_json::Value::Number(n) if n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// What [`read_line`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
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
///
/// # Errors
///
/// Those of the input (an interrupted read is retried).
pub fn read_line(
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

    #[test]
    fn positions_serialize_as_line_or_index() {
        let mut out = Vec::new();
        write_error(
            &mut out,
            Position::Index(4),
            Some("x"),
            ErrorKind::Evaluation,
            "m",
        )
        .unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&out),
            "{\"error\":{\"index\":4,\"id\":\"x\",\"kind\":\"evaluation\",\"message\":\"m\"}}\n"
        );
    }

    #[test]
    fn assessments_match_the_library() {
        let Ok(policy) = Policy::builtin("hunan-2026") else {
            panic!("built-in policy")
        };
        let text = r#"{"id": 9, "birth_date": "1979-06-06", "payment_date": "2026-03-31", "enrollment": "lapsed", "lapsed_years": 5}"#;
        let mut out = Vec::new();
        let answer = write_text(&mut out, policy, Position::Line(2), text).unwrap_or(Answer::Blank);
        assert_eq!(answer, Answer::Assessed);
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
        let Ok(resident) = Resident::from_json(text) else {
            panic!("resident")
        };
        let Ok(expected) = evaluate(policy, &resident) else {
            panic!("evaluates")
        };
        let mut expected = serde_json::to_value(&expected).unwrap_or_default();
        if let Some(map) = expected.as_object_mut() {
            map.insert("line".into(), 2.into());
            map.insert("id".into(), "9".into());
        }
        assert_eq!(value, expected);
    }
}
