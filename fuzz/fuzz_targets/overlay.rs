//! An overlay: it reads and applies or is refused with located problems, never panics; the
//! policy it makes keeps the invariants on its boundary cases.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urrbmi::overlay::Overlay;
use urrbmi::{Policy, evaluate, strategies};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(overlay) = Overlay::from_toml_str(text) else {
        return;
    };
    let Ok(base) = Policy::builtin(&overlay.header().base) else {
        return;
    };
    let Ok(policy) = overlay.apply(base) else {
        return;
    };
    for case in strategies::boundary_cases(&policy) {
        if let Ok(a) = evaluate(&policy, &case.resident) {
            if let Err(broken) = strategies::check_invariants(&policy, &a) {
                panic!("{}: {broken}", case.label);
            }
        }
    }
});
