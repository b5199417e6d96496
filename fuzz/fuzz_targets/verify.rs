//! Fuzzes token decoding and verification (checks 1–8) of `sanctum_core::Verifier`; see
//! fuzz/harness.rs for what an input means and what counts as a crash.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static HARNESS: OnceLock<harness::Harness> = OnceLock::new();
    HARNESS.get_or_init(harness::Harness::new).check(data);
});
