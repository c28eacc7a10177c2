//! Passes of one batch mode over the seeded mix of a built-in policy (`ziyang-2021` unless a
//! fourth argument names another), for counting instructions with
//! valgrind (a figure the load of a shared machine does not move). Not a criterion bench: it
//! does nothing without arguments.
//!
//! ```text
//! cargo bench -p urrbmi-analysis --bench passes --no-run   # prints the binary's path
//! valgrind --tool=callgrind target/release/deps/passes-... records 20000 1
//! valgrind --tool=callgrind target/release/deps/passes-... records 20000 2
//! valgrind --tool=callgrind target/release/deps/passes-... loop 20000 1 hunan-2026
//! ```
//!
//! The instructions of one pass are the difference of the two totals (the mix and the policy
//! are made in both), divided by the residents. Modes: `loop` (the plain `evaluate` loop of
//! the `batch` bench), `records`, `records-totals`, `summarize`, `summarize-totals`,
//! `run-into`, each on one thread.

#[path = "../../../benches/common/mod.rs"]
mod common;

use std::hint::black_box;

use rust_decimal::Decimal;
use urrbmi::{Policy, Resident, evaluate};
use urrbmi_analysis::batch::Batch;

fn fen(amount: Decimal) -> i128 {
    let mantissa = amount.mantissa();
    match amount.scale() {
        0 => mantissa * 100,
        1 => mantissa * 10,
        _ => mantissa,
    }
}

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

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let (mode, residents, passes, policy) = match args.as_slice() {
        [mode, residents, passes] => (mode, residents, passes, "ziyang-2021"),
        [mode, residents, passes, policy] => (mode, residents, passes, policy.as_str()),
        _ => {
            eprintln!(
                "usage: passes MODE RESIDENTS PASSES [POLICY] (see the file's docs); nothing to do"
            );
            return;
        }
    };
    let (Ok(n), Ok(passes)) = (residents.parse::<usize>(), passes.parse::<usize>()) else {
        eprintln!("RESIDENTS and PASSES are whole numbers");
        return;
    };
    let Ok(policy) = Policy::builtin(policy) else {
        eprintln!("no built-in policy `{policy}`");
        return;
    };
    let residents = common::mix(policy, n, common::SEED);
    let batch = Batch::new(policy).parallel(false);
    let mut records = Vec::new();
    let mut assessments = Vec::new();
    for _ in 0..passes {
        match mode.as_str() {
            "loop" => {
                black_box(plain_loop(policy, &residents));
            }
            "records" => {
                black_box(batch.records_into(&residents, &mut records).ok());
            }
            "records-totals" => {
                black_box(
                    batch
                        .totals_only()
                        .records_into(&residents, &mut records)
                        .ok(),
                );
            }
            "summarize" => {
                black_box(batch.summarize(&residents).ok());
            }
            "summarize-totals" => {
                black_box(batch.totals_only().summarize(&residents).ok());
            }
            "run-into" => {
                black_box(batch.run_into(&residents, &mut assessments).ok());
            }
            other => {
                eprintln!("no mode `{other}`");
                return;
            }
        }
    }
}
