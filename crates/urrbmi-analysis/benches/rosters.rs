//! A 1,000,000-row roster read, evaluated and written back, as UTF-8 CSV, GBK CSV and an
//! `.xlsx` workbook; and a roster of 1,000,000 distinct townships grouped.
//!
//! The roster is the `ziyang-2021` scenario scaled to 1,000,000 residents, written by
//! [`RosterWriter`] with a Chinese name on every row (one in three with an ID number), then
//! saved as GBK (`encoding_rs`) and as two workbooks (`rust_xlsxwriter`, every cell a string,
//! as a county's export is): one of inline strings, as this crate writes a roster back, and one
//! with a table of shared strings, as Excel and WPS save. The files are made once into
//! `target/roster-bench/` and kept.
//!
//! - `read/{utf8,gbk,xlsx,xlsx-shared}`: read and evaluate every row in chunks of 65,536 (on
//!   all cores), adding up the summary grouped by township: what `urrbmi roster FILE` does.
//! - `write/{utf8,gbk,xlsx}`: the same, writing the roster back with its result columns
//!   (CSV with a byte-order mark; for the workbook, a workbook): `urrbmi roster --annotated`.
//! - `groups/1m-townships`: a UTF-8 roster whose every row is a township of its own, read,
//!   evaluated and summarized by township.
//!
//! `cargo bench -p urrbmi-analysis --bench rosters`. Each iteration is the whole roster. With
//! `ROSTER_BENCH_ONE=<case>` (e.g. `write/xlsx`) the binary runs that case once and prints its
//! time and the process's peak resident memory instead (for `/proc/self/status`'s `VmHWM`).
//! Figures: docs/performance.md ("Rosters as counties keep them").

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use rust_decimal::Decimal;
use urrbmi::Policy;
use urrbmi_analysis::Summary;
use urrbmi_analysis::batch::Batch;
use urrbmi_analysis::roster::{
    AnnotatedWriter, HeadingLanguage, RosterChunk, RosterReader, RosterWriter,
};
use urrbmi_analysis::scenario::Scenario;

const ROWS: usize = 1_000_000;

struct Files {
    utf8: PathBuf,
    gbk: PathBuf,
    xlsx: PathBuf,
    xlsx_shared: PathBuf,
    groups: PathBuf,
    out: PathBuf,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/roster-bench")
}

/// The roster as UTF-8 CSV; `distinct` gives every row a township of its own.
fn utf8_roster(distinct: bool) -> Vec<u8> {
    let roster = Scenario::from_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/ziyang-2021.toml"
    ))
    .and_then(|s| s.scaled(ROWS as u64))
    .map(|s| s.generate())
    .unwrap_or_else(|e| panic!("the scenario: {e}"));
    let mut writer = RosterWriter::new(Vec::new()).expect("a writer");
    let mut township = String::new();
    for (i, (resident, group)) in roster.residents.iter().zip(&roster.group_ids).enumerate() {
        let id_number = (i % 3 == 0)
            .then(|| {
                let k = i / 3;
                urrbmi_analysis::idcard::make(
                    &format!("43{:04}", k / 1000),
                    resident.birth_date,
                    (k % 1000) as u16,
                )
            })
            .flatten();
        township.clear();
        if distinct {
            township.push_str(&format!("第{i}乡"));
        } else {
            township.push_str(roster.groups.name(*group).unwrap_or("(none)"));
        }
        writer
            .write(
                resident,
                Some(&township),
                Some("张三丰"),
                id_number.as_deref(),
            )
            .expect("written");
    }
    writer.finish().expect("flushed")
}

/// A workbook of the CSV's cells, every cell a string: inline strings (`constant_memory`, what
/// `AnnotatedWriter` writes) or, with `shared`, a table of shared strings (`low_memory`, as
/// Excel and WPS save a workbook).
fn xlsx_from_csv(csv_bytes: &[u8], path: &Path, shared: bool) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = if shared {
        book.add_worksheet_with_low_memory()
    } else {
        book.add_worksheet_with_constant_memory()
    };
    let sheet = sheet.expect("a sheet").set_name("台账").expect("a name");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_bytes);
    for (r, record) in reader.records().enumerate() {
        let record = record.expect("a record");
        for (c, cell) in record.iter().enumerate() {
            if !cell.is_empty() {
                sheet
                    .write_string(r as u32, c as u16, cell)
                    .expect("written");
            }
        }
    }
    book.save(path).expect("saved");
}

fn files() -> Files {
    let dir = dir();
    std::fs::create_dir_all(&dir).expect("a folder");
    let files = Files {
        utf8: dir.join("roster-1m-utf8.csv"),
        gbk: dir.join("roster-1m-gbk.csv"),
        xlsx: dir.join("roster-1m.xlsx"),
        xlsx_shared: dir.join("roster-1m-shared.xlsx"),
        groups: dir.join("roster-1m-townships.csv"),
        out: dir.join("out"),
    };
    if !files.utf8.exists() || !files.gbk.exists() || !files.xlsx.exists() {
        eprintln!("making the 1,000,000-row rosters in {}", dir.display());
        let utf8 = utf8_roster(false);
        let text = std::str::from_utf8(&utf8).expect("UTF-8");
        let (gbk, _, lossy) = encoding_rs::GBK.encode(text);
        assert!(!lossy, "the roster is GBK text");
        std::fs::write(&files.gbk, &gbk).expect("written");
        xlsx_from_csv(&utf8, &files.xlsx, false);
        std::fs::write(&files.utf8, &utf8).expect("written");
    }
    if !files.xlsx_shared.exists() {
        let utf8 = std::fs::read(&files.utf8).expect("the UTF-8 roster");
        xlsx_from_csv(&utf8, &files.xlsx_shared, true);
    }
    if !files.groups.exists() {
        std::fs::write(&files.groups, utf8_roster(true)).expect("written");
    }
    files
}

/// Reads, evaluates and summarizes the roster, writing it back to `out` if given; the rows
/// read and what the residents owe.
fn pipeline(policy: &Policy, path: &Path, out: Option<&Path>) -> (u64, Decimal, usize) {
    let mut reader = RosterReader::from_path(path).expect("the roster");
    let mut writer = out.map(|out| {
        AnnotatedWriter::create(out, reader.headings(), HeadingLanguage::Chinese, policy)
            .expect("the output")
    });
    let mut summary = Summary::default();
    let mut chunk = RosterChunk::default();
    let mut rows = 0u64;
    while reader.read_chunk(&mut chunk, 65_536).expect("reads") > 0 {
        rows += chunk.rows.len() as u64;
        assert!(chunk.errors.is_empty(), "{:?}", chunk.errors.first());
        let part = Batch::new(policy)
            .grouped(reader.groups(), &chunk.groups)
            .run(&chunk.residents)
            .expect("runs");
        summary.merge(&part.summary).expect("merges");
        if let Some(writer) = writer.as_mut() {
            writer
                .write_chunk(&chunk, &part.assessments, |line, e| {
                    reader.evaluation_error(line, e)
                })
                .expect("written");
        }
    }
    if let Some(writer) = writer {
        writer.finish().expect("saved");
    }
    (rows, summary.totals.owed, summary.by_group.len())
}

/// Every case: its name, the roster, and where it is written back.
fn cases(files: &Files) -> Vec<(&'static str, PathBuf, Option<PathBuf>)> {
    let out = |name: &str| Some(files.out.with_file_name(name));
    vec![
        ("read/utf8", files.utf8.clone(), None),
        ("read/gbk", files.gbk.clone(), None),
        ("read/xlsx", files.xlsx.clone(), None),
        ("read/xlsx-shared", files.xlsx_shared.clone(), None),
        ("write/utf8", files.utf8.clone(), out("back-utf8.csv")),
        ("write/gbk", files.gbk.clone(), out("back-gbk.csv")),
        ("write/xlsx", files.xlsx.clone(), out("back.xlsx")),
        ("groups/1m-townships", files.groups.clone(), None),
    ]
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() {
    let policy = Policy::builtin("ziyang-2021").expect("built in");
    let files = files();
    let cases = cases(&files);
    if let Ok(one) = std::env::var("ROSTER_BENCH_ONE") {
        let (name, path, out) = cases
            .iter()
            .find(|(name, _, _)| *name == one)
            .unwrap_or_else(|| panic!("no case {one}"));
        let started = Instant::now();
        let (rows, owed, groups) = pipeline(policy, path, out.as_deref());
        println!(
            "{name}: {rows} rows, owed {owed}, {groups} groups, {:.2?}, peak resident memory {}",
            started.elapsed(),
            peak_rss()
        );
        return;
    }
    // The same answer from every format.
    let reference = pipeline(policy, &files.utf8, None);
    assert_eq!(reference.0, ROWS as u64);
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut group = criterion.benchmark_group("rosters");
    group.throughput(Throughput::Elements(ROWS as u64));
    for (name, path, out) in &cases {
        // The closure runs only for the cases the filter selects.
        group.bench_function(*name, |b| {
            let got = pipeline(policy, path, out.as_deref());
            if name.starts_with("groups") {
                assert_eq!(got.2, ROWS, "a group per row");
            } else {
                assert_eq!((got.0, got.1), (reference.0, reference.1), "{name}");
            }
            b.iter(|| pipeline(policy, path, out.as_deref()))
        });
    }
    group.finish();
    criterion.final_summary();
}
