//! Excel workbooks (.xlsx) as rosters: the first sheet (or a named one) turned into the CSV the
//! roster reader reads, each sheet row on the CSV line of the same number, so the errors of the
//! roster name the rows a clerk sees.
//!
//! Cells become text as a clerk would type them: whole numbers without a decimal point, dates
//! (cells formatted as dates) as `YYYY-MM-DD`, booleans as `true`/`false`, error cells as their
//! code (`#N/A`, so the row's error names it); line breaks inside a cell become spaces. A workbook
//! whose files would unpack to more than [`MAX_UNPACKED_FACTOR`] times the upload limit is
//! refused before it is read.

use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

use crate::problem::{Kind, Problem};

/// The most a workbook may unpack to, as a multiple of the upload limit.
pub const MAX_UNPACKED_FACTOR: u128 = 8;

/// Whether `bytes` look like a ZIP archive (an .xlsx workbook).
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

fn unreadable(detail: impl std::fmt::Display) -> Problem {
    Problem::new(
        Kind::InvalidRoster,
        format!("the workbook cannot be read: {detail}; save the sheet as .xlsx or CSV (UTF-8)"),
    )
}

/// A cell as text.
fn cell_text(value: &DataRef<'_>) -> String {
    let text = match value {
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) if !dt.is_duration() => dt
            .as_datetime()
            .map_or_else(|| dt.as_f64().to_string(), |t| t.date().to_string()),
        DataRef::DateTime(dt) => dt.as_f64().to_string(),
        DataRef::DateTimeIso(s) => s.split('T').next().unwrap_or_default().to_string(),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    };
    if text.contains(['\n', '\r']) {
        text.replace("\r\n", " ").replace(['\n', '\r'], " ")
    } else {
        text
    }
}

/// The sheet `sheet` (default: the first) of an .xlsx workbook as CSV, at most `max_rows` rows
/// after the heading row.
///
/// # Errors
///
/// A 422 problem for a workbook that cannot be read or has no such sheet; a 413 problem for one
/// that unpacks to more than [`MAX_UNPACKED_FACTOR`] × `upload_limit` or has more rows.
pub fn xlsx_to_csv(
    bytes: &[u8],
    sheet: Option<&str>,
    max_rows: usize,
    upload_limit: usize,
) -> Result<Vec<u8>, Problem> {
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let most = MAX_UNPACKED_FACTOR * upload_limit as u128;
    if zip.decompressed_size().is_some_and(|size| size > most) {
        let mut problem = Problem::new(
            Kind::BodyTooLarge,
            format!(
                "the workbook unpacks to more than {most} bytes; save the sheet as CSV or split it"
            ),
        );
        problem.limit = Some(u64::try_from(most).unwrap_or(u64::MAX));
        return Err(problem);
    }
    drop(zip);
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                let mut problem = Problem::new(
                    Kind::InvalidRoster,
                    format!(
                        "the workbook has no sheet `{}`; its sheets: {}",
                        wanted.chars().take(60).collect::<String>(),
                        names.join(", ")
                    ),
                );
                problem.accepted = Some(names.clone());
                problem
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| unreadable("it has no sheet"))?,
    };
    let mut cells = workbook.worksheet_cells_reader(&name).map_err(unreadable)?;
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() * 2);
    let mut row: Vec<String> = Vec::new();
    let mut row_at: Option<u32> = None;
    let mut lines_written: u64 = 0;
    // The heading row's width: every row has at least as many cells (the roster reader wants
    // each row as wide as its headings; a sheet leaves trailing empty cells out).
    let mut width: Option<usize> = None;
    let mut flush = |row: &mut Vec<String>, at: u32, out: &mut Vec<u8>| {
        // Empty lines up to the row, so that sheet row n is CSV line n.
        while lines_written < u64::from(at) {
            out.push(b'\n');
            lines_written += 1;
        }
        let floor = width.unwrap_or(0);
        while row.len() > floor && row.last().is_some_and(String::is_empty) {
            row.pop();
        }
        if row.len() < floor {
            row.resize(floor, String::new());
        }
        if width.is_none() && !row.is_empty() {
            width = Some(row.len());
        }
        for (i, field) in row.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if field.contains([',', '"']) {
                out.push(b'"');
                out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
                out.push(b'"');
            } else {
                out.extend_from_slice(field.as_bytes());
            }
        }
        out.push(b'\n');
        lines_written += 1;
        row.clear();
    };
    let mut rows: usize = 0;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        if row_at != Some(r) {
            if let Some(at) = row_at {
                flush(&mut row, at, &mut out);
                rows += 1;
                if rows > max_rows.saturating_add(1) {
                    let mut problem = Problem::new(
                        Kind::BatchTooLarge,
                        format!("the roster holds more than {max_rows} rows; split it"),
                    );
                    problem.limit = Some(max_rows as u64);
                    return Err(problem);
                }
            }
            row_at = Some(r);
        }
        let c = c as usize;
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        if let Some(slot) = row.get_mut(c) {
            *slot = cell_text(cell.get_value());
        }
    }
    if let Some(at) = row_at {
        flush(&mut row, at, &mut out);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_a_clerk_types_them() {
        assert_eq!(cell_text(&DataRef::Float(2.0)), "2");
        assert_eq!(cell_text(&DataRef::Float(2.5)), "2.5");
        assert_eq!(cell_text(&DataRef::Int(-3)), "-3");
        assert_eq!(cell_text(&DataRef::Bool(true)), "true");
        assert_eq!(
            cell_text(&DataRef::String("张三\r\n李四\n".into())),
            "张三 李四 "
        );
        assert_eq!(
            cell_text(&DataRef::DateTimeIso("2020-10-15T00:00:00".into())),
            "2020-10-15"
        );
        assert_eq!(
            cell_text(&DataRef::Error(calamine::CellErrorType::NA)),
            "#N/A"
        );
        assert_eq!(cell_text(&DataRef::Empty), "");
    }

    #[test]
    fn what_is_no_workbook_is_a_problem_not_a_panic() {
        for bytes in [&b"PK\x03\x04"[..], b"PK\x03\x04\x00\x00garbage", b""] {
            let problem = xlsx_to_csv(bytes, None, 10, 1 << 20).expect_err("not a workbook");
            assert_eq!(problem.status, 422);
        }
    }
}
