//! The batch API over 1,000,000 residents of the seeded `ziyang-2021` mix
//! (`benches/common/mod.rs`), beside a plain loop over the same residents.
//!
//! - `loop/...`: `for r in residents { evaluate(&policy, r) }` adding what each enrolled resident
//!   owes into an `i128` of fen: the floor any batch API is measured against.
//! - `records/...`: [`Batch::records_into`], one 88-byte `Record` per resident into a buffer
//!   reused from run to run, with the full summary (tiers, categories, benefit starts,
//!   refusals) or the totals only; on one thread and on all cores.
//! - `run_into/...`, `run/...`, `summarize/...`: every assessment kept into a reused buffer
//!   (the figure of docs/performance.md), into fresh memory, and nothing kept.
//! - `evaluate/...`: `evaluate` alone collected into a fresh `Vec` (no summary), on one thread
//!   and on all cores sharing one `Policy`.
//!
//! After criterion, `cargo bench` (without a filter) times the plain loop and `records` on one
//! thread in turn, ten times each, and prints the ratio of each pair: on a machine shared with
//! other work the two then see the same load.
//!
//! `cargo bench -p urrbmi-analysis --bench batch`. Each iteration is the whole million;
//! criterion's `thrpt` is residents per second. Figures: docs/performance.md ("The batch path beside a plain loop").

#[path = "../../../benches/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use rayon::prelude::*;
use rust_decimal::Decimal;
use urrbmi::{Policy, Resident, evaluate};
use urrbmi_analysis::batch::{Batch, Record};

const RESIDENTS: usize = 1_000_000;

/// An amount in fen, as a hand-written loop would take it (validated money has at most two
/// decimals).
fn fen(amount: Decimal) -> i128 {
    let mantissa = amount.mantissa();
    match amount.scale() {
        0 => mantissa * 100,
        1 => mantissa * 10,
        _ => mantissa,
    }
}

/// The plain loop: evaluate each resident, add what the enrolled owe.
fn plain_loop(policy: &Policy, residents: &[Resident]) -> i128 {
    let mut owed = 0i128;
    for r in residents {
        if let Ok(a) = evaluate(policy, r)
            && a.is_enrolled()
        {
            owed += fen(a.owed);
        }
    }
    owed
}

fn bench(c: &mut Criterion, policy: &Policy, residents: &[Resident]) {
    let threads = rayon::current_num_threads();
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(RESIDENTS as u64));
    group.sample_size(10);

    group.bench_function("loop/evaluate, owed into i128 fen", |b| {
        b.iter(|| black_box(plain_loop(policy, residents)));
    });

    for (name, parallel) in [("1 thread", false), ("all cores", true)] {
        let batch = Batch::new(policy).parallel(parallel);
        let label = if parallel {
            format!("{name} ({threads})")
        } else {
            name.to_string()
        };
        let mut records: Vec<Record> = Vec::with_capacity(RESIDENTS);
        group.bench_function(format!("records/{label}"), |b| {
            b.iter(|| {
                let summary = batch
                    .records_into(residents, &mut records)
                    .expect("no grouping to mismatch");
                black_box(&records);
                black_box(summary)
            });
        });
        let lean = batch.totals_only();
        group.bench_function(format!("records, totals only/{label}"), |b| {
            b.iter(|| {
                let summary = lean
                    .records_into(residents, &mut records)
                    .expect("no grouping to mismatch");
                black_box(&records);
                black_box(summary)
            });
        });
        drop(records);

        let mut out = Vec::with_capacity(RESIDENTS);
        group.bench_function(format!("run_into/{label}"), |b| {
            b.iter(|| {
                let summary = batch
                    .run_into(residents, &mut out)
                    .expect("no grouping to mismatch");
                black_box(&out);
                black_box(summary)
            });
        });
        drop(out);
        group.bench_function(format!("run/{label}"), |b| {
            b.iter(|| black_box(batch.run(residents).expect("no grouping to mismatch")));
        });
        group.bench_function(format!("summarize/{label}"), |b| {
            b.iter(|| black_box(batch.summarize(residents).expect("no grouping to mismatch")));
        });
    }

    group.bench_function("evaluate/1 thread", |b| {
        b.iter(|| {
            let out: Vec<_> = residents.iter().map(|r| evaluate(policy, r)).collect();
            black_box(out)
        });
    });
    group.bench_function(
        format!("evaluate/all cores ({threads}), shared policy"),
        |b| {
            b.iter(|| {
                let out: Vec<_> = residents.par_iter().map(|r| evaluate(policy, r)).collect();
                black_box(out)
            });
        },
    );
    group.finish();
}

/// The plain loop and `records` on one thread (full summary, then totals only) in turn, each
/// pair under the same load: the ratio of each pair, and the fastest run of each.
fn ratios(policy: &Policy, residents: &[Resident]) {
    const ROUNDS: usize = 10;
    let full = Batch::new(policy).parallel(false);
    let lean = full.totals_only();
    let mut records: Vec<Record> = Vec::with_capacity(RESIDENTS);
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64()
    };
    // Warm up: the buffer's pages, the caches.
    black_box(plain_loop(policy, residents));
    black_box(full.records_into(residents, &mut records).ok());
    let (mut plain, mut with_full, mut with_lean) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        plain.push(time(&mut || {
            black_box(plain_loop(policy, residents));
        }));
        with_full.push(time(&mut || {
            black_box(full.records_into(residents, &mut records).ok());
        }));
        with_lean.push(time(&mut || {
            black_box(lean.records_into(residents, &mut records).ok());
        }));
    }
    let summary = |name: &str, runs: &[f64]| {
        let mut ratios: Vec<f64> = runs.iter().zip(&plain).map(|(b, p)| b / p).collect();
        ratios.sort_by(f64::total_cmp);
        let fastest = runs.iter().copied().fold(f64::MAX, f64::min);
        let plain_fastest = plain.iter().copied().fold(f64::MAX, f64::min);
        println!(
            "{name:<36} fastest {:>6.1} ms ({:.2}x the fastest loop); ratio per pair: min {:.2}x, median {:.2}x, max {:.2}x",
            fastest * 1e3,
            fastest / plain_fastest,
            ratios.first().copied().unwrap_or(f64::NAN),
            ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN),
            ratios.last().copied().unwrap_or(f64::NAN),
        );
    };
    println!("\nratio to the plain loop, 1 thread, {ROUNDS} rounds taken in turn:");
    let fastest = plain.iter().copied().fold(f64::MAX, f64::min);
    println!("{:<36} fastest {:>6.1} ms", "loop", fastest * 1e3);
    summary("records (full summary)", &with_full);
    summary("records (totals only)", &with_lean);
}

fn main() {
    let policy = Policy::builtin("ziyang-2021").expect("built-in policy");
    let residents = common::mix(policy, RESIDENTS, common::SEED);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    bench(&mut c, policy, &residents);
    c.final_summary();
    // Only in a full `cargo bench` run: not under `cargo test --benches`, nor with a filter.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let benching = args.iter().any(|a| a == "--bench");
    let filtered = args.iter().any(|a| !a.starts_with('-'));
    if benching && !filtered {
        ratios(policy, &residents);
    }
}
