//! `evaluate` per built-in policy over the seeded resident mix, and beside it, for the two
//! notices that have one, the hand-written baseline over the same residents.
//!
//! `cargo bench --bench evaluate`. Each iteration evaluates the whole mix
//! ([`common::MIX_SIZE`] residents); criterion reports the time per mix and, as `thrpt`,
//! evaluations per second. A table at the end gives the time per evaluation and the ratio
//! evaluate / baseline, read from criterion's estimates of this run.
//!
//! `threads/...` evaluates the `ziyang-2021` mix on every core at once (rayon's pool), once with
//! all threads sharing one `Policy` and once with a clone per thread. Assessments only borrow
//! from their policy, so threads sharing one write nothing shared and the two should be equal
//! (docs/performance.md).

mod common;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput};
use rayon::prelude::*;
use urrbmi::{Policy, evaluate};

fn bench(c: &mut Criterion) {
    for id in Policy::builtin_ids() {
        let policy = Policy::builtin(id).expect("built-in policy");
        let residents = common::mix(policy, common::MIX_SIZE, common::SEED);
        let mut group = c.benchmark_group(id);
        group.throughput(Throughput::Elements(residents.len() as u64));
        group.bench_function("evaluate", |b| {
            b.iter(|| {
                for resident in &residents {
                    // Looked at in place, then dropped, as a caller would.
                    let assessment = evaluate(policy, black_box(resident));
                    black_box(&assessment);
                }
            });
        });
        if let Some(baseline) = common::baseline::for_policy(id) {
            group.bench_function("baseline", |b| {
                b.iter(|| {
                    for resident in &residents {
                        let outcome = baseline(black_box(resident));
                        black_box(&outcome);
                    }
                });
            });
        }
        group.finish();
    }
    threads(c);
}

/// Each worker evaluates the mix this many times per iteration.
const ROUNDS_PER_THREAD: usize = 8;

fn threads(c: &mut Criterion) {
    let policy = Policy::builtin("ziyang-2021").expect("built-in policy");
    let residents = common::mix(policy, common::MIX_SIZE, common::SEED);
    let workers = rayon::current_num_threads();
    let evaluate_mix = |policy: &Policy| {
        for _ in 0..ROUNDS_PER_THREAD {
            for resident in &residents {
                let assessment = evaluate(policy, black_box(resident));
                black_box(&assessment);
            }
        }
    };
    let mut group = c.benchmark_group("threads");
    group.throughput(Throughput::Elements(
        (workers * ROUNDS_PER_THREAD * residents.len()) as u64,
    ));
    group.bench_function(format!("{workers} threads, shared policy"), |b| {
        b.iter(|| {
            (0..workers)
                .into_par_iter()
                .for_each(|_| evaluate_mix(policy))
        });
    });
    group.bench_function(format!("{workers} threads, policy per thread"), |b| {
        b.iter(|| {
            (0..workers)
                .into_par_iter()
                .for_each(|_| evaluate_mix(&Policy::clone(policy)));
        });
    });
    group.finish();
}

/// Where criterion keeps its estimates (the rule criterion itself follows).
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| "target".into(), PathBuf::from);
    target.join("criterion")
}

/// Nanoseconds per evaluation measured by this run (`None` if the benchmark did not run).
fn ns_per_evaluation(group: &str, function: &str, started: SystemTime) -> Option<f64> {
    let path = criterion_home()
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let fresh = std::fs::metadata(&path).and_then(|m| m.modified()).ok()? >= started;
    let text = std::fs::read_to_string(&path).ok().filter(|_| fresh)?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    let per_mix = ["slope", "mean"]
        .iter()
        .find_map(|kind| estimates[kind]["point_estimate"].as_f64())?;
    Some(per_mix / common::MIX_SIZE as f64)
}

fn summary(started: SystemTime) {
    println!(
        "\n{:<16} {:>14} {:>14} {:>14} {:>10}",
        "policy", "evaluate ns", "evals/s", "baseline ns", "ratio"
    );
    for id in Policy::builtin_ids() {
        let Some(evaluate) = ns_per_evaluation(id, "evaluate", started) else {
            continue;
        };
        let baseline = ns_per_evaluation(id, "baseline", started);
        println!(
            "{:<16} {:>14.1} {:>13.2}M {:>14} {:>10}",
            id,
            evaluate,
            1e3 / evaluate,
            baseline.map_or("-".into(), |b| format!("{b:.1}")),
            baseline.map_or("-".into(), |b| format!("{:.2}x", evaluate / b)),
        );
    }
}

fn main() {
    let started = SystemTime::now();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .configure_from_args();
    bench(&mut c);
    c.final_summary();
    summary(started);
}
