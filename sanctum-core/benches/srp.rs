//! The CPU cost of a USER_SRP_AUTH sign-in's arithmetic (issue 21): the three 3072-bit modular
//! exponentiations sanctum runs on Tokio's blocking pool.
//!
//! `cargo bench -p sanctum-core --features cognito --bench srp`
//!
//! Benchmarks (group `srp`):
//! - `generate_a`: a new secret `a` and `A = gᵃ mod N` (one exponentiation, sent in
//!   `InitiateAuth`);
//! - `password_claim`: the `PASSWORD_VERIFIER` answer: `gˣ` and `S = (B − k·gˣ)^(a + u·x)` (two
//!   exponentiations), the HKDF and the HMAC signature;
//! - `sign_in_total`: both, what one sign-in costs in CPU apart from HTTP.
//!
//! Criterion measures wall time, which a busy machine stretches; after it, a counted run of
//! [`COUNTED`] sign-ins reads this thread's CPU time (Linux `/proc/thread-self/schedstat`, in
//! nanoseconds) and prints the CPU cost of one.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::Criterion;
use sanctum_core::cognito::internals::{SrpChallenge, SrpSecret, cognito_timestamp};

fn main() {
    // a realistic server value: B is itself a 3072-bit power of g
    let srp_b = SrpSecret::generate().expect("random").srp_a();
    let challenge = SrpChallenge {
        salt: "9a3b5c7d9e1f2a4b6c8d0e1f2a3b4c5d",
        srp_b: &srp_b,
        secret_block: "c2VjcmV0LWJsb2NrLWZyb20tY29nbml0bw==",
    };
    let timestamp = cognito_timestamp(UNIX_EPOCH + Duration::from_secs(1_767_488_461));
    let claim = |secret: &SrpSecret| {
        secret
            .password_claim(
                "us-east-1_AbC123xyz",
                "0f2c6d1e-7b8a-4c3d-9e0f-1a2b3c4d5e6f",
                "correct horse battery staple",
                &challenge,
                &timestamp,
            )
            .expect("claim")
    };

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("srp");
    group.bench_function("generate_a", |b| {
        b.iter(|| black_box(SrpSecret::generate().expect("random")));
    });
    let secret = SrpSecret::generate().expect("random");
    group.bench_function("password_claim", |b| {
        b.iter(|| black_box(claim(black_box(&secret))));
    });
    group.bench_function("sign_in_total", |b| {
        b.iter(|| {
            let secret = SrpSecret::generate().expect("random");
            black_box(claim(&secret))
        });
    });
    group.finish();
    criterion.final_summary();

    if let Some(start) = thread_cpu_ns() {
        for _ in 0..COUNTED {
            let secret = SrpSecret::generate().expect("random");
            black_box(claim(&secret));
        }
        if let Some(end) = thread_cpu_ns() {
            let per_sign_in = Duration::from_nanos((end - start) / COUNTED);
            println!("srp/counted: {COUNTED} sign-ins, {per_sign_in:.2?} of CPU each");
        }
    }
}

/// How many sign-ins the counted run computes.
const COUNTED: u64 = 50;

/// The CPU time this thread has used, in nanoseconds (Linux only).
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}
