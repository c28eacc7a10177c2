//! A roster file as bytes: it reads, row by row, or is refused with a typed error naming the
//! problem, never panics; every resident read keeps the invariants under a built-in policy.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urrbmi::{Policy, evaluate, strategies};
use urrbmi_analysis::roster::RosterReader;

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = RosterReader::new(data) else {
        return;
    };
    let Ok(chunk) = reader.read_all() else {
        return;
    };
    assert_eq!(chunk.residents.len(), chunk.lines.len(), "a line for every resident");
    let policy = Policy::builtin("hunan-2026").expect("built in");
    for resident in &chunk.residents {
        if let Ok(a) = evaluate(policy, resident) {
            if let Err(broken) = strategies::check_invariants(policy, &a) {
                panic!("{broken}");
            }
        }
    }
});
