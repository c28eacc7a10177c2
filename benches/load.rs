//! Loading a policy: parsing its TOML, validating it and working out what evaluation needs.
//!
//! `cargo bench --bench load`. One benchmark per built-in policy, from the text of its file
//! read beforehand, so the figure is the cost of `Policy::from_toml_str`; and `clone/...`, the
//! cost of `Policy::clone` (a deep copy; threads need none, they can share one policy).

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use urrbmi::Policy;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    for id in Policy::builtin_ids() {
        let text =
            std::fs::read_to_string(format!("{}/policies/{id}.toml", env!("CARGO_MANIFEST_DIR")))
                .expect("built-in policy file");
        group.bench_function(id, |b| {
            b.iter(|| Policy::from_toml_str(black_box(&text)).expect("valid policy"));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("clone");
    for id in Policy::builtin_ids() {
        let policy = Policy::builtin(id).expect("built-in policy");
        group.bench_function(id, |b| b.iter(|| black_box(policy).clone()));
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .configure_from_args();
    bench(&mut c);
    c.final_summary();
}
