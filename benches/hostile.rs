//! Cost against input size on the inputs of the hostile review: each group runs one input at
//! three sizes, so a linear cost shows as a constant time per element (criterion's `thrpt`).
//!
//! `cargo bench --bench hostile`:
//! - `lint_copied_tiers/N`: linting hunan-2022 with N copies of its first tier appended (one
//!   finding per copy);
//! - `load_copied_tiers/N`: loading the same file (dead tiers load; only the linter warns);
//! - `overlay_tiers/N`: applying an overlay that adds N tiers;
//! - `categories/N`: evaluating a resident listing N categories (refused at the first repeat).

use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput};
use urrbmi::overlay::Overlay;
use urrbmi::{CategoryKind, HeldCategory, Policy, Resident, evaluate};

const HUNAN: &str = include_str!("../policies/hunan-2022.toml");
const SIZES: [usize; 3] = [1_000, 4_000, 16_000];

/// hunan-2022 with `copies` copies of its first tier (dead tiers: they load, and the linter
/// warns once for each).
fn copied_tiers(copies: usize) -> String {
    let start = HUNAN.find("[[tier]]").expect("a tier");
    let end = start + HUNAN[start + 1..].find("\n[[").expect("next table") + 1;
    let tier = &HUNAN[start..end];
    let mut text = HUNAN.to_string();
    for n in 0..copies {
        text.push_str(&tier.replacen("id = \"extreme_poverty\"", &format!("id = \"copy_{n}\""), 1));
        text.push('\n');
    }
    text
}

fn overlay(tiers: usize) -> String {
    let mut text = String::from(
        "[overlay]\nid = \"hunan-2022-many\"\nbase = \"hunan-2022\"\ntitle = \"many tiers\"\n",
    );
    for n in 0..tiers {
        text.push_str(&format!(
            "\n[[tier]]\nid = \"extra_{n}\"\nname = \"extra\"\ncategories = [\"orphan\"]\nparts = [{{ funder = \"fiscal\", amount = 1 }}]\ncite = \"x\"\n"
        ));
    }
    text
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("lint_copied_tiers");
    for n in SIZES {
        let text = copied_tiers(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| Policy::lint(black_box(text), None));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("load_copied_tiers");
    for n in SIZES {
        let text = copied_tiers(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| Policy::from_toml_str(black_box(text)).expect("loads"));
        });
    }
    group.finish();

    let base = Policy::builtin("hunan-2022").expect("built in");
    let mut group = c.benchmark_group("overlay_tiers");
    for n in SIZES {
        let overlay = Overlay::from_toml_str(&overlay(n)).expect("reads");
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &overlay, |b, overlay| {
            b.iter(|| overlay.apply(black_box(base)).expect("applies"));
        });
    }
    group.finish();

    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    let mut group = c.benchmark_group("categories");
    for n in SIZES {
        let mut resident = Resident::new(date(1980, 1, 1), date(2021, 10, 1));
        // Every category of the policy, then repeats: refused at the first repeat.
        let kinds: Vec<CategoryKind> = CategoryKind::builtin_ids()
            .filter_map(|id| id.parse().ok())
            .chain(
                ["distressed_veteran", "distressed_child"].map(|id| CategoryKind::Local(id.into())),
            )
            .collect();
        resident.categories = (0..n)
            .map(|i| {
                let kind = kinds[i % kinds.len()].clone();
                let grade = (kind == CategoryKind::Disability).then_some(1);
                HeldCategory {
                    kind,
                    grade,
                    recognized_on: None,
                }
            })
            .collect();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &resident, |b, r| {
            b.iter(|| evaluate(base, black_box(r)).is_err());
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10)
        .configure_from_args();
    bench(&mut c);
    c.final_summary();
}
