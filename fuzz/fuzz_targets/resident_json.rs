//! A resident as JSON: it reads or is refused with a typed error; what reads writes back to
//! itself, and every built-in policy answers it deterministically within the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urrbmi::{Policy, Resident, evaluate, strategies};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(resident) = Resident::from_json(text) else {
        return;
    };
    let json = serde_json::to_string(&resident).expect("a resident writes as JSON");
    assert_eq!(Resident::from_json(&json).as_ref(), Ok(&resident), "read back differs");
    for policy in Policy::builtins().expect("built-in policies load") {
        let first = evaluate(policy, &resident);
        assert_eq!(first, evaluate(policy, &resident), "not deterministic");
        if let Ok(a) = first {
            if let Err(broken) = strategies::check_invariants(policy, &a) {
                panic!("{}: {broken}", policy.id());
            }
        }
    }
});
