//! Excel workbooks (.xlsx) as rosters: the analysis crate's roster reader reads them (the
//! first sheet or a named one, each sheet row on the roster line of its number, date cells as
//! dates; see `urrbmi_analysis::roster`). The server only guards what it accepts: a workbook
//! whose files would unpack to more than [`MAX_UNPACKED_FACTOR`] times the upload limit is
//! refused before it is read.

use std::io::Cursor;

use crate::problem::{Kind, Problem};

/// The most a workbook may unpack to, as a multiple of the upload limit.
pub const MAX_UNPACKED_FACTOR: u128 = 8;

/// Whether `bytes` look like a ZIP archive (an .xlsx workbook).
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Checks that an .xlsx workbook unpacks to at most [`MAX_UNPACKED_FACTOR`] × `upload_limit`
/// bytes, by its ZIP directory, before anything is unpacked.
///
/// # Errors
///
/// A 422 problem for an archive that cannot be read, a 413 problem for one too large unpacked.
pub fn check_unpacked_size(bytes: &[u8], upload_limit: usize) -> Result<(), Problem> {
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        Problem::new(
            Kind::InvalidRoster,
            format!("the workbook cannot be read: {e}; save the sheet as .xlsx or CSV (UTF-8)"),
        )
    })?;
    let most = MAX_UNPACKED_FACTOR * upload_limit as u128;
    // A directory whose sizes do not add up is refused too: it cannot be bounded.
    if zip.decompressed_size().is_none_or(|size| size > most) {
        let mut problem = Problem::new(
            Kind::BodyTooLarge,
            format!(
                "the workbook unpacks to more than {most} bytes, or its ZIP directory does not say how much; save the sheet as CSV or split it"
            ),
        );
        problem.limit = Some(u64::try_from(most).unwrap_or(u64::MAX));
        return Err(problem);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_no_workbook_is_a_problem_not_a_panic() {
        for bytes in [&b"PK\x03\x04"[..], b"PK\x03\x04\x00\x00garbage", b""] {
            let problem = check_unpacked_size(bytes, 1 << 20).expect_err("not a workbook");
            assert_eq!(problem.status, 422);
        }
    }
}
