//! `urrbmi roster`: evaluate a roster (台账; a workbook or CSV in any of the encodings the
//! analysis crate reads), print what was read and the summary, write per-row results and the
//! roster back with its results.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use urrbmi::{Assessment, EvalError};
use urrbmi_analysis::Summary;
use urrbmi_analysis::batch::Batch;
use urrbmi_analysis::roster::{
    AnnotatedWriter, Field, HeadingLanguage, InputFormat, Problems, ResultWriter, RosterChunk,
    RosterReader, RowError,
};

use crate::args::{Headings, RosterArgs};
use crate::input;
use crate::output::{self, Out, Result, Status, fatal};

/// Rows per chunk: read, parsed, evaluated and written together.
const CHUNK: usize = 65_536;

/// Rosters larger than this (bytes) get a progress bar, when standard error is a terminal.
const PROGRESS_FROM: u64 = 4 << 20;

pub fn run(args: RosterArgs) -> Result {
    let policy = input::policy(&args.policy)?;
    let group_order: Vec<String> = match &args.group_order {
        Some(path) => urrbmi_analysis::scenario::Scenario::from_path(path)
            .map_err(|e| fatal(format!("--group-order {}: {e}", path.display())))?
            .townships
            .into_iter()
            .map(|t| t.name)
            .collect(),
        None => Vec::new(),
    };
    let mut options = input::roster_options(&args.input)?;
    options.group_by = args.group.clone();
    options.ungrouped = args.no_group;
    let mut reader = RosterReader::from_path_with(&args.roster, &options).map_err(fatal)?;
    let no_categories = !reader.layout().has(Field::Categories);
    if no_categories {
        output::warn(NO_CATEGORY_COLUMN);
    }
    let mut results = match &args.out {
        Some(path) => {
            let file = File::create(path)
                .map_err(|e| fatal(format!("cannot create {}: {e}", path.display())))?;
            Some(
                ResultWriter::new(BufWriter::new(file), &policy)
                    .map_err(|e| fatal(format!("{}: {e}", path.display())))?,
            )
        }
        None => None,
    };
    let language = match args.headings {
        Headings::Zh => HeadingLanguage::Chinese,
        Headings::En => HeadingLanguage::English,
        Headings::Auto if reader.headings().iter().any(|h| !h.is_ascii()) => {
            HeadingLanguage::Chinese
        }
        Headings::Auto => HeadingLanguage::English,
    };
    let mut annotated = match &args.annotated {
        Some(path) => Some(
            AnnotatedWriter::create(path, reader.headings(), language, &policy)
                .map_err(|e| fatal(format!("cannot create {}: {e}", path.display())))?,
        ),
        None => None,
    };

    let text = matches!(reader.format(), Some(InputFormat::Text { .. }));
    let size = std::fs::metadata(&args.roster).map_or(0, |m| m.len());
    let progress = if text && size >= PROGRESS_FROM && output::stderr_is_terminal() {
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
    let mut problems = Problems::default();
    let mut bad: Vec<RowError> = Vec::new();
    let mut bad_count: u64 = 0;
    let mut unreadable: u64 = 0;
    let mut rows: u64 = 0;
    let mut chunk = RosterChunk::default();
    loop {
        let read = reader.read_chunk(&mut chunk, CHUNK).map_err(fatal)?;
        if read == 0 {
            break;
        }
        rows += read as u64;
        unreadable += chunk.errors.len() as u64;
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

        // Rows that could not be read, and residents that could not be evaluated, in line
        // order; each counted by kind, column and group.
        let group_name = |id: Option<&urrbmi_analysis::batch::GroupId>| {
            id.and_then(|id| reader.groups().name(*id))
        };
        let mut chunk_bad: Vec<RowError> = Vec::new();
        for (error, group) in chunk.errors.iter().zip(&chunk.error_groups) {
            let group = reader
                .is_grouped()
                .then(|| group_name(group.as_ref()).unwrap_or("(unknown)"));
            problems.add(error, group);
            chunk_bad.push(error.clone());
        }
        for (i, (line, result)) in chunk.lines.iter().zip(&assessments).enumerate() {
            if let Err(error) = result {
                let error = reader.evaluation_error(*line, error);
                let group = reader
                    .is_grouped()
                    .then(|| group_name(chunk.groups.get(i)).unwrap_or("(unknown)"));
                problems.add(&error, group);
                chunk_bad.push(error);
            }
        }
        chunk_bad.sort_by_key(|e| e.line);
        bad_count += chunk_bad.len() as u64;

        if let (Some(writer), Some(path)) = (results.as_mut(), &args.out) {
            write_results(writer, &reader, &chunk, &assessments)
                .map_err(|e| fatal(format!("cannot write results to {}: {e}", path.display())))?;
        }
        if let (Some(writer), Some(path)) = (annotated.as_mut(), &args.annotated) {
            writer
                .write_chunk(&chunk, &assessments, |line, e| {
                    reader.evaluation_error(line, e)
                })
                .map_err(|e| fatal(format!("cannot write {}: {e}", path.display())))?;
        }
        let room = args.max_errors.saturating_sub(bad.len());
        bad.extend(chunk_bad.into_iter().take(room));
        progress.set_position(reader.bytes_read());
        progress.set_message(format!("{rows} rows"));
    }
    progress.finish_and_clear();

    if let (Some(writer), Some(path)) = (results, &args.out) {
        writer
            .finish()
            .and_then(|mut w| w.flush())
            .map_err(|e| fatal(format!("cannot write results to {}: {e}", path.display())))?;
    }
    if let (Some(writer), Some(path)) = (annotated, &args.annotated) {
        writer
            .finish()
            .map_err(|e| fatal(format!("cannot write {}: {e}", path.display())))?;
    }
    let elapsed = started.elapsed();
    if let Some(path) = &args.json {
        output::write_json(path, &summary)?;
    }

    let mut out = output::stdout();
    describe(&mut out, &args, &reader)?;
    if no_categories {
        writeln!(out, "WARNING  {NO_CATEGORY_COLUMN}")?;
    }
    writeln!(out)?;
    write!(
        out,
        "{}",
        summary.report_in_order(Some(&policy), &group_order)
    )?;
    writeln!(out)?;
    let evaluated = summary.totals.residents - summary.totals.errors;
    writeln!(
        out,
        "rows {rows}: evaluated {evaluated} (enrolled {}, refused {}), not readable {unreadable}, not evaluable {}{}",
        summary.totals.enrolled,
        summary.totals.refused,
        summary.totals.errors,
        match reader.blank_rows() {
            0 => String::new(),
            n => format!("; {n} blank rows skipped"),
        }
    )?;
    if bad_count > 0 {
        writeln!(out, "problems ({bad_count}):")?;
        write!(out, "{}", problems.report())?;
        writeln!(out, "bad rows ({bad_count}; line, column, reason):")?;
        for error in &bad {
            writeln!(out, "  {error}")?;
        }
        let listed = bad.len() as u64;
        if bad_count > listed {
            let also = match (&args.out, &args.annotated) {
                (None, None) => "",
                _ => "; all are in the results file",
            };
            writeln!(
                out,
                "  ... and {} more (--max-errors N to list more{also})",
                bad_count - listed,
            )?;
        }
    }
    if let Some(path) = &args.out {
        writeln!(out, "results: {}", path.display())?;
    }
    if let Some(path) = &args.annotated {
        writeln!(out, "annotated roster: {}", path.display())?;
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

/// The summary line of a roster without a category column.
const NO_CATEGORY_COLUMN: &str = "the roster has no category column (人员类别, categories): every \
resident is evaluated as holding no category, so no 低保/特困/脱贫 subsidy is given; if a column \
holds the categories under another heading, map it (--map HEADING=categories)";

/// What was read: the file's format and encoding, where the headings are, and what became of
/// each heading.
fn describe(out: &mut Out, args: &RosterArgs, reader: &RosterReader<File>) -> std::io::Result<()> {
    let layout = reader.layout();
    let format = layout
        .format
        .as_ref()
        .map_or_else(String::new, |f| format!(": {f}"));
    writeln!(out, "roster   {}{format}", args.roster.display())?;
    if layout.heading_line > 1 {
        let titles: Vec<String> = layout
            .title_rows
            .iter()
            .map(|(line, text)| format!("line {line} `{text}`"))
            .collect();
        writeln!(
            out,
            "         headings on line {}{}",
            layout.heading_line,
            if titles.is_empty() {
                String::new()
            } else {
                format!(", below the title {}", titles.join(", "))
            }
        )?;
    }
    let read: Vec<String> = layout
        .read
        .iter()
        .map(|(heading, field)| {
            if heading.eq_ignore_ascii_case(field.heading()) {
                heading.clone()
            } else {
                format!("{heading} ({field})")
            }
        })
        .collect();
    writeln!(out, "columns  read: {}", read.join(", "))?;
    if !layout.mapped.is_empty() {
        let mapped: Vec<String> = layout
            .mapped
            .iter()
            .map(|(heading, field)| format!("{heading} as {field}"))
            .collect();
        writeln!(out, "         mapped: {}", mapped.join(", "))?;
    }
    if let Some(group) = reader.group_heading() {
        writeln!(out, "         grouped by: {group}")?;
    }
    if !layout.carried.is_empty() {
        writeln!(
            out,
            "         carried through (no rule input): {}",
            layout.carried.join(", ")
        )?;
    }
    if !layout.ignored.is_empty() {
        writeln!(out, "         ignored: {}", layout.ignored.join(", "))?;
    }
    if !layout.unknown.is_empty() {
        writeln!(
            out,
            "         NOT READ (unknown headings; map them if they hold rule input): {}",
            layout.unknown.join(", ")
        )?;
    }
    Ok(())
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
