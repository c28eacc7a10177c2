//! The server's one use of the analysis crate's rosters: read an uploaded roster, evaluate it,
//! summarize it and write the annotated roster, through the crate's public entry points only
//! (`RosterReader`, `Batch`, `Summary`, `ResultWriter`).

use serde::Serialize;
use urrbmi::Policy;
use urrbmi_analysis::Summary;
use urrbmi_analysis::batch::Batch;
use urrbmi_analysis::roster::{
    ResultWriter, RosterChunk, RosterError, RosterOptions, RosterReader, RowError,
};
use utoipa::ToSchema;

use crate::problem::{Kind, Problem};

/// Rows read, evaluated and written together.
const CHUNK: usize = 16_384;

/// The most bad rows listed in a report (all are counted, and all are in the annotated roster).
pub const LISTED_ERRORS: usize = 100;

/// A roster that could not be read, or a row that was bad.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BadRow {
    /// The line of the roster.
    pub line: u64,
    /// The column, as headed in the file.
    pub column: String,
    /// The cell's content, when the problem is one cell.
    pub value: String,
    /// What is wrong, and what is accepted.
    pub message: String,
}

impl From<&RowError> for BadRow {
    fn from(error: &RowError) -> BadRow {
        BadRow {
            line: error.line,
            column: error.column.clone(),
            value: error.value.clone(),
            message: error.problem.to_string(),
        }
    }
}

/// The annotated roster: one result row per roster row (bad rows with their error), as
/// `urrbmi roster --out` writes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Annotated {
    /// A file name for it (`<policy>-results.csv`).
    pub filename: String,
    /// Its media type.
    pub content_type: String,
    /// The CSV text.
    pub csv: String,
}

/// What a roster upload gives: counts, the summary, the bad rows and the annotated roster.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterReport {
    /// The policy id.
    pub policy: String,
    /// Rows read (good and bad).
    pub rows: u64,
    /// Rows evaluated.
    pub evaluated: u64,
    /// Rows that could not be read.
    pub unreadable: u64,
    /// Rows read that could not be evaluated.
    pub not_evaluable: u64,
    /// What the roster was read as (`CSV, GB18030`, `Excel workbook (.xlsx), sheet `Sheet1``).
    pub format: String,
    /// Columns no field is read from.
    pub ignored_columns: Vec<String>,
    /// The summary, as `urrbmi roster --json` writes it (money as decimal strings).
    #[schema(value_type = Object)]
    pub summary: Summary,
    /// The summary as the tables `urrbmi roster` prints.
    pub report: String,
    /// The first bad rows, in line order (at most 100).
    pub errors: Vec<BadRow>,
    /// The annotated roster.
    pub annotated: Annotated,
}

/// Reads, evaluates and summarizes a roster.
///
/// # Errors
///
/// A 422 problem when the roster cannot be read at all, a 413 problem past `max_rows`.
pub fn run(
    policy: &Policy,
    bytes: &[u8],
    options: &RosterOptions,
    max_rows: usize,
) -> Result<RosterReport, Problem> {
    let unreadable = |e: &dyn std::fmt::Display| Problem::new(Kind::InvalidRoster, e.to_string());
    let mut reader = RosterReader::with_options(bytes, options).map_err(|e| {
        let mut problem = unreadable(&e);
        // A sheet the workbook does not have: its sheets are what is accepted.
        if let RosterError::NoSheet { sheets, .. } = e {
            problem.accepted = Some(sheets);
        }
        problem
    })?;
    let mut writer = ResultWriter::new(Vec::with_capacity(bytes.len() * 2), policy)
        .map_err(|_| Problem::internal())?;
    let mut summary = Summary::default();
    let mut listed: Vec<BadRow> = Vec::new();
    let mut bad: u64 = 0;
    let mut rows: u64 = 0;
    let mut chunk = RosterChunk::default();
    loop {
        let read = reader
            .read_chunk(&mut chunk, CHUNK)
            .map_err(|e| unreadable(&e))?;
        if read == 0 {
            break;
        }
        rows += read as u64;
        if rows > max_rows as u64 {
            let mut problem = Problem::new(
                Kind::BatchTooLarge,
                format!("the roster holds more than {max_rows} rows; split it"),
            );
            problem.limit = Some(max_rows as u64);
            return Err(problem);
        }
        let batch = Batch::new(policy).parallel(false);
        let batch = if reader.is_grouped() {
            batch.grouped(reader.groups(), &chunk.groups)
        } else {
            batch
        };
        let part = batch.run(&chunk.residents).map_err(|e| unreadable(&e))?;
        summary.merge(&part.summary).map_err(|e| unreadable(&e))?;

        let mut chunk_bad: Vec<RowError> = chunk.errors.clone();
        for (line, result) in chunk.lines.iter().zip(&part.assessments) {
            if let Err(error) = result {
                chunk_bad.push(reader.evaluation_error(*line, error));
            }
        }
        chunk_bad.sort_by_key(|e| e.line);
        bad += chunk_bad.len() as u64;
        let room = LISTED_ERRORS.saturating_sub(listed.len());
        listed.extend(chunk_bad.iter().take(room).map(BadRow::from));

        // Good rows and bad rows merged in line order.
        let mut errors = chunk.errors.iter().peekable();
        for (i, (resident, result)) in chunk.residents.iter().zip(&part.assessments).enumerate() {
            let line = chunk.lines.get(i).copied().unwrap_or(0);
            while let Some(error) = errors.next_if(|e| e.line < line) {
                writer
                    .write_row_error(error)
                    .map_err(|_| Problem::internal())?;
            }
            let group = chunk.groups.get(i).and_then(|id| reader.groups().name(*id));
            let name = chunk.names.get(i).and_then(|n| n.as_deref());
            writer
                .write(line, resident, name, group, result)
                .map_err(|_| Problem::internal())?;
        }
        for error in errors {
            writer
                .write_row_error(error)
                .map_err(|_| Problem::internal())?;
        }
    }
    let csv = writer.finish().map_err(|_| Problem::internal())?;
    let csv = String::from_utf8(csv).map_err(|_| Problem::internal())?;
    let not_evaluable = summary.totals.errors;
    Ok(RosterReport {
        policy: policy.id().to_string(),
        rows,
        evaluated: summary.totals.residents - not_evaluable,
        unreadable: bad.saturating_sub(not_evaluable),
        not_evaluable,
        format: reader
            .format()
            .map_or_else(String::new, ToString::to_string),
        ignored_columns: reader.ignored_columns().to_vec(),
        report: summary.report(Some(policy)),
        summary,
        errors: listed,
        annotated: Annotated {
            filename: format!("{}-results.csv", policy.id()),
            content_type: "text/csv; charset=utf-8".to_string(),
            csv,
        },
    })
}
