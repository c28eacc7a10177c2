//! The batch API over 1,000,000 residents of the seeded mix: every assessment kept plus the
//! summary, into a buffer reused from one run to the next (`Batch::run_into`, the figure of
//! docs/performance.md) and into fresh memory each run (`Batch::run`), and the summary alone
//! (`Batch::summarize`), on one thread and on all cores. For reference, `evaluate/...` is
//! `evaluate` alone collected into a fresh `Vec` (no summary), on one thread and on all cores
//! sharing one `Policy` (assessments borrow from the policy; see docs/performance.md).
//!
//! `cargo bench --bench batch`. Each iteration is the whole million; criterion's `thrpt` is
//! residents per second.

#[path = "../../../benches/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use rayon::prelude::*;
use urrbmi::{Policy, evaluate};
use urrbmi_analysis::batch::Batch;

const RESIDENTS: usize = 1_000_000;

fn bench(c: &mut Criterion) {
    let policy = Policy::builtin("ziyang-2021").expect("built-in policy");
    let residents = common::mix(policy, RESIDENTS, common::SEED);
    let threads = rayon::current_num_threads();
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(RESIDENTS as u64));
    group.sample_size(10);
    for (name, parallel) in [("1 thread", false), ("all cores", true)] {
        let batch = Batch::new(policy).parallel(parallel);
        let label = if parallel {
            format!("{name} ({threads})")
        } else {
            name.to_string()
        };
        let mut out = Vec::with_capacity(RESIDENTS);
        group.bench_function(format!("run_into/{label}"), |b| {
            b.iter(|| {
                let summary = batch
                    .run_into(&residents, &mut out)
                    .expect("no grouping to mismatch");
                black_box(&out);
                black_box(summary)
            });
        });
        group.bench_function(format!("run/{label}"), |b| {
            b.iter(|| black_box(batch.run(&residents).expect("no grouping to mismatch")));
        });
        group.bench_function(format!("summarize/{label}"), |b| {
            b.iter(|| {
                black_box(
                    batch
                        .summarize(&residents)
                        .expect("no grouping to mismatch"),
                )
            });
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

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    bench(&mut c);
    c.final_summary();
}
