//! `urrbmi roster`: evaluate a CSV roster (台账), print the summary, write per-resident results.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use urrbmi::{Assessment, EvalError};
use urrbmi_analysis::Summary;
use urrbmi_analysis::batch::Batch;
use urrbmi_analysis::roster::{ResultWriter, RosterChunk, RosterOptions, RosterReader, RowError};

use crate::args::RosterArgs;
use crate::input;
use crate::output::{self, Result, Status, fatal};

/// Rows per chunk: read, parsed, evaluated and written together.
const CHUNK: usize = 65_536;

/// Rosters larger than this (bytes) get a progress bar, when standard error is a terminal.
const PROGRESS_FROM: u64 = 4 << 20;

pub fn run(args: RosterArgs) -> Result {
    let policy = input::policy(&args.policy)?;
    let options = RosterOptions {
        group_by: args.group.clone(),
        ungrouped: false,
    };
    let mut reader = RosterReader::from_path_with(&args.roster, &options).map_err(fatal)?;
    if !reader.ignored_columns().is_empty() {
        output::warn(format_args!(
            "ignoring columns no field is read from: {}",
            reader.ignored_columns().join(", ")
        ));
    }
    let mut results = match &args.out {
        Some(path) => {
            let file = File::create(path)
                .map_err(|e| fatal(format!("cannot create {}: {e}", path.display())))?;
            Some(
                ResultWriter::new(BufWriter::new(file))
                    .map_err(|e| fatal(format!("{}: {e}", path.display())))?,
            )
        }
        None => None,
    };

    let size = std::fs::metadata(&args.roster).map_or(0, |m| m.len());
    let progress = if size >= PROGRESS_FROM && output::stderr_is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bytes}/{total_bytes} [{bar:30}] {eta} left, {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    };

    let started = Instant::now();
    let mut summary = Summary::default();
    let mut bad: Vec<RowError> = Vec::new();
    let mut bad_count: u64 = 0;
    let mut rows: u64 = 0;
    let mut chunk = RosterChunk::default();
    loop {
        let read = reader.read_chunk(&mut chunk, CHUNK).map_err(fatal)?;
        if read == 0 {
            break;
        }
        rows += read as u64;
        let batch = Batch::new(&policy).parallel(!args.single_thread);
        let batch = if reader.is_grouped() {
            batch.grouped(reader.groups(), &chunk.groups)
        } else {
            batch
        };
        // `Batch::run_into` would reuse one buffer of assessments across chunks, but the
        // assessments it fills borrow for as long as the chunk's group ids: a fresh one each.
        let part = batch.run(&chunk.residents).map_err(fatal)?;
        summary.merge(&part.summary).map_err(fatal)?;
        let assessments = part.assessments;

        // Rows that could not be read, and residents that could not be evaluated, in line order.
        let mut chunk_bad: Vec<RowError> = chunk.errors.clone();
        for (line, result) in chunk.lines.iter().zip(&assessments) {
            if let Err(error) = result {
                chunk_bad.push(reader.evaluation_error(*line, error));
            }
        }
        chunk_bad.sort_by_key(|e| e.line);
        bad_count += chunk_bad.len() as u64;

        if let (Some(writer), Some(path)) = (results.as_mut(), &args.out) {
            write_results(writer, &reader, &chunk, &assessments)
                .map_err(|e| fatal(format!("cannot write results to {}: {e}", path.display())))?;
        }
        let room = args.max_errors.saturating_sub(bad.len());
        bad.extend(chunk_bad.into_iter().take(room));
        progress.set_position(reader.bytes_read());
        progress.set_message(format!("{rows} rows"));
    }
    progress.finish_and_clear();
    let elapsed = started.elapsed();

    if let (Some(writer), Some(path)) = (results, &args.out) {
        writer
            .finish()
            .and_then(|mut w| w.flush())
            .map_err(|e| fatal(format!("cannot write results to {}: {e}", path.display())))?;
    }
    if let Some(path) = &args.json {
        output::write_json(path, &summary)?;
    }

    let mut out = output::stdout();
    write!(out, "{}", summary.report(Some(&policy)))?;
    writeln!(out)?;
    let read_errors = bad_count.saturating_sub(summary.totals.errors);
    writeln!(
        out,
        "rows {rows}: evaluated {}, not readable {read_errors}, not evaluable {}",
        summary.totals.residents - summary.totals.errors,
        summary.totals.errors
    )?;
    if bad_count > 0 {
        writeln!(out, "bad rows ({bad_count}; line, column, reason):")?;
        for error in &bad {
            writeln!(out, "  {error}")?;
        }
        let listed = bad.len() as u64;
        if bad_count > listed {
            writeln!(
                out,
                "  ... and {} more (--max-errors N to list more{})",
                bad_count - listed,
                if args.out.is_some() {
                    "; all are in the results file"
                } else {
                    ""
                }
            )?;
        }
    }
    if let Some(path) = &args.out {
        writeln!(out, "results: {}", path.display())?;
    }
    if let Some(path) = &args.json {
        writeln!(out, "summary: {}", path.display())?;
    }
    out.flush()?;
    output::note(format_args!(
        "read, evaluated and summarized {rows} rows in {elapsed:.2?}"
    ));
    Ok(Status::bad_if(bad_count > 0))
}

/// Writes the chunk's results, good rows and bad rows merged in line order.
fn write_results<W: Write>(
    writer: &mut ResultWriter<W>,
    reader: &RosterReader<File>,
    chunk: &RosterChunk,
    assessments: &[std::result::Result<Assessment<'_>, EvalError>],
) -> std::io::Result<()> {
    let mut errors = chunk.errors.iter().peekable();
    for (i, (resident, result)) in chunk.residents.iter().zip(assessments).enumerate() {
        let line = chunk.lines.get(i).copied().unwrap_or(0);
        while let Some(error) = errors.next_if(|e| e.line < line) {
            writer.write_row_error(error)?;
        }
        let group = chunk.groups.get(i).and_then(|id| reader.groups().name(*id));
        let name = chunk.names.get(i).and_then(|n| n.as_deref());
        writer.write(line, resident, name, group, result)?;
    }
    for error in errors {
        writer.write_row_error(error)?;
    }
    Ok(())
}
