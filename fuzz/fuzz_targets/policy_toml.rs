//! Policy text: it loads or is refused with located problems, never panics; the linter finds an
//! error exactly when loading fails; what loads keeps the invariants on its boundary cases.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urrbmi::{Policy, evaluate, strategies};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = Policy::from_toml_str(text);
    let lint_errors = Policy::lint(text, None).iter().any(|d| d.is_error());
    assert_eq!(lint_errors, loaded.is_err(), "the linter and the loader disagree");
    if let Ok(policy) = loaded {
        for case in strategies::boundary_cases(&policy) {
            let first = evaluate(&policy, &case.resident);
            assert_eq!(first, evaluate(&policy, &case.resident), "not deterministic");
            if let Ok(a) = first {
                if let Err(broken) = strategies::check_invariants(&policy, &a) {
                    panic!("{}: {broken}", case.label);
                }
            }
        }
    }
});
