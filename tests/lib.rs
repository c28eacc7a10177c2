//! The core crate's integration tests, as one test binary with a module per concept (the
//! allocation test, which installs a counting global allocator, is its own binary:
//! `tests/alloc.rs`).
//!
//! - `golden`: residents worked by hand from each notice (`tests/cases/`);
//! - `properties`: invariants over generated residents and every built-in policy;
//! - `bad_inputs`: the catalogue of malformed policies and residents;
//! - `lint`: the linter's fixtures (`tests/lint/`) and the built-in policies linting clean;
//! - `mutation`: random structured edits of the built-in policies;
//! - `overlay`: what-if overlays;
//! - `rounding`: shares of an odd standard, to the fen;
//! - `baseline`: the bench's hand-written baselines agree with `evaluate`;
//! - `regions`: the rules other cities write, as policy fixtures (`tests/regions/`).

mod support;

mod bad_inputs;
mod baseline;
mod fuzz_smoke;
mod golden;
mod hostile;
mod lint;
mod mutation;
mod overlay;
mod properties;
mod regions;
mod rounding;
