//! Replays saved fuzz inputs through the fuzz harness (fuzz/harness.rs), so every `cargo test`
//! checks them without a fuzzer: the seeds (fuzz/seeds/verify) and every input that once
//! crashed the fuzz target (fuzz/regressions/verify).
//!
//! When `scripts/fuzz.sh` finds a crash, copy its input from fuzz/artifacts/verify/ into
//! fuzz/regressions/verify/ under a name that says what broke, and fix the bug; until it is
//! fixed, add its name to `KNOWN_CRASHES` so this test stays green and names the bug.
#![allow(missing_docs, unreachable_pub, dead_code)]

#[path = "../../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

/// Saved crashing inputs whose bug is not fixed yet: (file name, bug).
const KNOWN_CRASHES: &[(&str, &str)] = &[];

fn inputs(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep"))
        .collect();
    files.sort();
    files
}

#[test]
fn fuzz_seeds_pass_the_harness_and_the_valid_ones_are_accepted() {
    let harness = harness::Harness::new();
    let seeds = inputs("fuzz/seeds/verify");
    assert!(seeds.len() >= 4, "fuzz seeds are missing");
    for seed in &seeds {
        let data = std::fs::read(seed).expect("read seed");
        let accepted = harness.check(&data);
        let name = seed.file_name().unwrap().to_string_lossy();
        // payload-access: access + either, 3 verifiers each; payload-id: id + either; header: access + either
        let expected = match name.as_ref() {
            "payload-access" | "payload-id" | "header" => 6,
            _ => 0,
        };
        assert_eq!(accepted, expected, "seed {name}");
    }
}

#[test]
fn saved_fuzz_crashes_no_longer_crash() {
    let harness = harness::Harness::new();
    for input in inputs("fuzz/regressions/verify") {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        if KNOWN_CRASHES.iter().any(|(known, _)| *known == name) {
            continue;
        }
        let data = std::fs::read(&input).expect("read input");
        harness.check(&data);
    }
}
