//! Evaluate a CSV roster (台账): print the summary as a table, write per-resident results.
//!
//! ```text
//! cargo run --release --example roster -- --policy <id-or-path> ROSTER.csv [options]
//!
//!   --out FILE         write one result row per roster row (CSV; bad rows carry their error)
//!   --json FILE        write the summary as JSON
//!   --group-by COLUMN  group by this column (default: the township column, 乡镇, if any)
//!   --single-thread    evaluate on one thread
//!   --max-errors N     list at most N bad rows (default 20; all are counted)
//! ```
//!
//! Headings may be English (the fields of the data contract, docs/contract.md) or Chinese (姓名, 身份证号, 户属性,
//! 出生日期, 缴费日期, 乡镇, 人员类别, ...); see `urrbmi::roster`. A row that cannot be read or
//! evaluated is reported with its line, column and reason, and the rest go on. A progress bar
//! shows on stderr for long rosters when stderr is a terminal.
//!
//! Exit status: 0 when every row was evaluated, 1 when some rows were bad, 2 when the roster
//! or policy could not be read.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use urrbmi::batch::Batch;
use urrbmi::roster::{ResultWriter, RosterChunk, RosterOptions, RosterReader, RowError};
use urrbmi::{Policy, Summary};

const USAGE: &str = "usage: roster --policy <id-or-path> ROSTER.csv [--out FILE] [--json FILE] [--group-by COLUMN] [--single-thread] [--max-errors N]";

/// Rows per chunk: read, parsed, evaluated and written together.
const CHUNK: usize = 65_536;

/// Rosters larger than this (bytes) get a progress bar.
const PROGRESS_FROM: u64 = 4 << 20;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("roster: {message}");
            ExitCode::from(2)
        }
    }
}

struct Args {
    policy: String,
    roster: String,
    out: Option<String>,
    json: Option<String>,
    group_by: Option<String>,
    single_thread: bool,
    max_errors: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut policy = None;
    let mut roster = None;
    let mut parsed = Args {
        policy: String::new(),
        roster: String::new(),
        out: None,
        json: None,
        group_by: None,
        single_thread: false,
        max_errors: 20,
    };
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--policy" | "-p" => policy = Some(value("--policy")?),
            "--out" | "-o" => parsed.out = Some(value("--out")?),
            "--json" => parsed.json = Some(value("--json")?),
            "--group-by" => parsed.group_by = Some(value("--group-by")?),
            "--max-errors" => {
                let v = value("--max-errors")?;
                parsed.max_errors = v
                    .parse()
                    .map_err(|_| format!("--max-errors `{v}` is not a whole number"))?;
            }
            "--single-thread" => parsed.single_thread = true,
            "--help" | "-h" => return Err(USAGE.to_string()),
            other if other.starts_with("--") => {
                return Err(format!("unknown option `{other}`\n{USAGE}"));
            }
            other if roster.is_none() => roster = Some(other.to_string()),
            other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
        }
    }
    parsed.policy = policy.ok_or_else(|| format!("--policy is required\n{USAGE}"))?;
    parsed.roster = roster.ok_or_else(|| format!("a roster file is required\n{USAGE}"))?;
    Ok(parsed)
}

/// Whether the run had no bad row.
fn run() -> Result<bool, String> {
    let args = parse_args()?;
    let policy = Policy::from_id_or_path(&args.policy).map_err(|e| e.to_string())?;
    let options = RosterOptions {
        group_by: args.group_by.clone(),
        ungrouped: false,
    };
    let mut reader =
        RosterReader::from_path_with(&args.roster, &options).map_err(|e| e.to_string())?;
    if !reader.ignored_columns().is_empty() {
        eprintln!(
            "roster: ignoring columns no field is read from: {}",
            reader.ignored_columns().join(", ")
        );
    }
    let mut results = match &args.out {
        Some(path) => {
            let file = File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?;
            Some(ResultWriter::new(BufWriter::new(file)).map_err(|e| format!("{path}: {e}"))?)
        }
        None => None,
    };

    let size = std::fs::metadata(&args.roster).map_or(0, |m| m.len());
    let progress = if size >= PROGRESS_FROM {
        // Drawn only when stderr is a terminal; hidden otherwise.
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
        let read = reader
            .read_chunk(&mut chunk, CHUNK)
            .map_err(|e| e.to_string())?;
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
        let out = batch.run(&chunk.residents).map_err(|e| e.to_string())?;
        summary.merge(&out.summary).map_err(|e| e.to_string())?;

        // Rows that could not be read, and residents that could not be evaluated, in line order.
        let mut chunk_bad: Vec<RowError> = chunk.errors.clone();
        for (line, result) in chunk.lines.iter().zip(&out.assessments) {
            if let Err(error) = result {
                chunk_bad.push(reader.evaluation_error(*line, error));
            }
        }
        chunk_bad.sort_by_key(|e| e.line);
        bad_count += chunk_bad.len() as u64;

        if let Some(writer) = results.as_mut() {
            write_results(writer, &reader, &chunk, &out.assessments)
                .map_err(|e| format!("cannot write results: {e}"))?;
        }
        let room = args.max_errors.saturating_sub(bad.len());
        bad.extend(chunk_bad.into_iter().take(room));
        progress.set_position(reader.bytes_read());
        progress.set_message(format!("{rows} rows"));
    }
    progress.finish_and_clear();
    let elapsed = started.elapsed();

    print!("{}", summary.report(Some(&policy)));
    println!();
    let read_errors = bad_count.saturating_sub(summary.totals.errors);
    println!(
        "rows {rows}: evaluated {}, not readable {read_errors}, not evaluable {}",
        summary.totals.residents - summary.totals.errors,
        summary.totals.errors
    );
    if bad_count > 0 {
        println!("bad rows ({bad_count}; line, column, reason):");
        for error in &bad {
            println!("  {error}");
        }
        if bad_count > bad.len() as u64 {
            println!(
                "  ... and {} more (--max-errors N to list more{})",
                bad_count - bad.len() as u64,
                if args.out.is_some() {
                    "; all are in the results file"
                } else {
                    ""
                }
            );
        }
    }
    if let Some(writer) = results {
        writer
            .finish()
            .and_then(|mut w| w.flush())
            .map_err(|e| format!("cannot write results: {e}"))?;
        if let Some(path) = &args.out {
            println!("results: {path}");
        }
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("cannot write {path}: {e}"))?;
        println!("summary: {path}");
    }
    eprintln!("read, evaluated and summarized {rows} rows in {elapsed:.2?}");
    Ok(bad_count == 0)
}

/// Writes the chunk's results, good rows and bad rows merged in line order.
fn write_results<W: Write>(
    writer: &mut ResultWriter<W>,
    reader: &RosterReader<File>,
    chunk: &RosterChunk,
    assessments: &[Result<urrbmi::Assessment, urrbmi::EvalError>],
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
