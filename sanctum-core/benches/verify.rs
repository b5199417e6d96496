//! Verification cost, as ratios against a raw aws-lc-rs RS256 verify measured in the same run.
//!
//! `cargo bench -p sanctum-core --features test-util --bench verify`
//!
//! Benchmarks (group `verify`):
//! - `raw_aws_lc_rs`: aws-lc-rs RS256 verify of the token with a key parsed once — the floor;
//! - `sanctum_uncached`: `Verifier::verify` with the token cache off (every call decodes,
//!   verifies the signature and checks every claim);
//! - `jsonwebtoken_decode`: jsonwebtoken 12 (aws_lc_rs backend) `decode` with an RSA key from
//!   components, iss and aud checks — the library's own verify path, for comparison;
//! - `sanctum_cache_hit`: `Verifier::verify` of a token already verified (hash + cache + checks);
//! - `claims_only`: base64url + serde_json of the payload alone — the parsing floor;
//! - `jwks_key_lookup`: the cached-key lookup a verification makes;
//! - `unknown_kid_in_cooldown`: a token whose `kid` the fetched JWKS lacks, refused inside the
//!   refetch cooldown (no fetch, no task, no lock a fetch holds);
//! - `pools_1_cache_hit` / `pools_1000_cache_hit` and `pools_1_uncached` /
//!   `pools_1000_uncached`: a known pool's token verified by a verifier whose `PoolRegistry`
//!   holds 1 pool or 1 000 (every pool's keys fetched over loopback and held), from the
//!   verified-token cache and with the cache off; the ratios 1 000 / 1 are printed;
//! - interleaved only, `sanctum_cache_hit_control`: a second verifier built as the cache-hit
//!   one, timed as one more contender: the A/A ratio printed shows what the measurement itself
//!   resolves;
//! - with `--features metrics`: `sanctum_uncached_metrics` and `sanctum_cache_hit_metrics`, the
//!   same verifications by verifiers built under a Prometheus recorder (their counters are
//!   real), for the ratio metrics on / off in one run (off: the verifiers above, built with no
//!   recorder, whose counters do nothing; with the feature off nothing is compiled at all).
#![allow(missing_docs)]

use std::future::Future;
use std::path::PathBuf;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::hint::black_box;

use criterion::Criterion;
use sanctum_core::testing::{TestIssuer, TokenBuilder};
use sanctum_core::{ExpectedUse, PoolRegistry, Verifier};

/// Polls a future that never waits (every key is cached) to completion without a runtime.
fn now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a verification with cached keys must not wait"),
    }
}

/// One verification that cannot wait, through one function for every verifier: the contenders
/// compared with each other (metrics on / off, 1 pool / 1 000) run the same machine code, so a
/// ratio measures their data, not where the compiler placed each closure's inlined copy.
#[inline(never)]
fn verify_once(verifier: &Verifier, token: &str) {
    now(verifier.verify(black_box(token), ExpectedUse::Access)).expect("ok");
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let issuer = runtime.block_on(TestIssuer::start()).expect("issuer");
    // A realistic Cognito access token: ~1.2 KB.
    let realistic = |token: TokenBuilder| {
        token
            .username("4d7f2a4e-8f0a-4c0e-9a57-2b7c1a0e5f11")
            .groups(["admin", "us-east-1_SanctumTest_Google", "billing-readers"])
            .scopes([
                "aws.cognito.signin.user.admin",
                "phone",
                "openid",
                "profile",
                "email",
                "https://api.example.com/orders.read",
            ])
            .claim(
                "device_key",
                "us-east-1_2b1e8c4d-6f0a-4b3c-9d8e-7f6a5b4c3d2e",
            )
            .claim("version", 2)
            .build()
    };
    let token = realistic(issuer.access_token());
    println!("token length: {} bytes", token.len());

    let jwks: serde_json::Value = serde_json::from_str(&issuer.jwks_json()).expect("jwks");
    let jwk = &jwks["keys"][0];
    let n = URL_SAFE_NO_PAD
        .decode(jwk["n"].as_str().expect("n"))
        .expect("n");
    let e = URL_SAFE_NO_PAD
        .decode(jwk["e"].as_str().expect("e"))
        .expect("e");
    let raw_key: ParsedPublicKey = RsaPublicKeyComponents { n: &n, e: &e }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .expect("key");
    let (signing_input, signature_b64) = token.rsplit_once('.').expect("three parts");
    let signature = URL_SAFE_NO_PAD.decode(signature_b64).expect("sig");
    let payload_b64 = signing_input.split('.').nth(1).expect("payload");

    let pool = issuer.user_pool().with_jwks_document(issuer.jwks_json());
    let uncached = Verifier::builder()
        .pool(pool.clone())
        .token_cache(false)
        .build()
        .expect("verifier");
    let cached = Verifier::builder()
        .pool(pool.clone())
        .build()
        .expect("verifier");
    // the A/A control of the interleaved measurement: a second verifier built as `cached`
    let cached_control = Verifier::builder()
        .pool(pool.clone())
        .build()
        .expect("verifier");
    #[cfg(feature = "metrics")]
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    #[cfg(feature = "metrics")]
    let (uncached_metrics, cached_metrics) = metrics::with_local_recorder(&recorder, || {
        let uncached = Verifier::builder()
            .pool(pool.clone())
            .token_cache(false)
            .build()
            .expect("verifier");
        let cached = Verifier::builder().pool(pool).build().expect("verifier");
        (uncached, cached)
    });
    #[cfg(feature = "metrics")]
    {
        now(uncached_metrics.verify(&token, ExpectedUse::Access)).expect("valid");
        now(cached_metrics.verify(&token, ExpectedUse::Access)).expect("valid");
        let text = recorder.handle().render();
        assert!(
            text.contains("sanctum_verifications_total{outcome=\"ok\",cache=\"miss\"} 2"),
            "the recorder counts: {text}"
        );
    }
    now(uncached.verify(&token, ExpectedUse::Access)).expect("valid");
    now(cached.verify(&token, ExpectedUse::Access)).expect("valid");
    now(cached_control.verify(&token, ExpectedUse::Access)).expect("valid");
    let kid = issuer.active_kid();
    let iss = issuer.issuer();
    // keys fetched over loopback once; the cooldown outlasts the run, so nothing is refetched
    let remote = issuer
        .verifier_builder()
        .jwks_cooldown(Duration::from_secs(3600))
        .build()
        .expect("verifier");
    runtime.block_on(remote.prefetch()).expect("prefetched");
    let unknown_kid = issuer.access_token().kid("rotated-in-later").build();
    assert!(matches!(
        now(remote.verify(&unknown_kid, ExpectedUse::Access)),
        Err(sanctum_core::VerifyError::UnknownKey { .. })
    ));

    // 1 pool or 1 000 in a registry, every pool's keys fetched (and held: the default cap is
    // 1 000 key sets); the known pool is the first
    let tenant = |i: usize| format!("us-east-1_Tenant{i:04}");
    let known = realistic(
        issuer
            .access_token()
            .issuer(&issuer.tenant_issuer(&tenant(0))),
    );
    let others: Vec<String> = (1..1000)
        .map(|i| {
            issuer
                .access_token()
                .issuer(&issuer.tenant_issuer(&tenant(i)))
                .build()
        })
        .collect();
    let registry_verifier = |pools: usize, cache: bool| {
        let registry = PoolRegistry::new();
        let verifier = Verifier::builder()
            .pool_registry(registry.clone())
            .token_cache(cache)
            .jwks_cooldown(Duration::from_secs(3600))
            .build()
            .expect("verifier");
        for i in 0..pools {
            registry
                .insert(issuer.tenant_pool(&tenant(i)))
                .expect("pool");
        }
        runtime.block_on(async {
            verifier.verify_access(&known).await.expect("valid");
            for token in &others[..pools - 1] {
                verifier.verify_access(token).await.expect("valid");
            }
        });
        assert_eq!(registry.cached_key_sets(), pools);
        verifier
    };
    let pools_1_hit = registry_verifier(1, true);
    let pools_1000_hit = registry_verifier(1000, true);
    let pools_1_uncached = registry_verifier(1, false);
    let pools_1000_uncached = registry_verifier(1000, false);

    let jwt_key = jsonwebtoken::DecodingKey::from_rsa_raw_components(&n, &e);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[iss.as_str()]);
    validation.validate_aud = false;
    jsonwebtoken::decode::<serde_json::Value>(&token, &jwt_key, &validation)
        .expect("jsonwebtoken accepts it");

    let mut c = Criterion::default().configure_from_args();
    {
        let mut group = c.benchmark_group("verify");
        group.bench_function("raw_aws_lc_rs", |b| {
            b.iter(|| {
                raw_key
                    .verify_sig(black_box(signing_input.as_bytes()), black_box(&signature))
                    .expect("ok")
            })
        });
        group.bench_function("sanctum_uncached", |b| {
            b.iter(|| verify_once(&uncached, &token))
        });
        group.bench_function("jsonwebtoken_decode", |b| {
            b.iter(|| {
                jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &jwt_key, &validation)
                    .expect("ok")
            })
        });
        group.bench_function("sanctum_cache_hit", |b| {
            b.iter(|| verify_once(&cached, &token))
        });
        #[cfg(feature = "metrics")]
        {
            group.bench_function("sanctum_uncached_metrics", |b| {
                b.iter(|| verify_once(&uncached_metrics, &token))
            });
            group.bench_function("sanctum_cache_hit_metrics", |b| {
                b.iter(|| verify_once(&cached_metrics, &token))
            });
        }
        group.bench_function("claims_only", |b| {
            b.iter(|| {
                let bytes = URL_SAFE_NO_PAD.decode(black_box(payload_b64)).expect("b64");
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes)
                    .expect("json")
            })
        });
        group.bench_function("jwks_key_lookup", |b| {
            b.iter(|| assert!(cached.has_cached_key(black_box(&iss), black_box(&kid))))
        });
        group.bench_function("unknown_kid_in_cooldown", |b| {
            b.iter(|| {
                now(remote.verify(black_box(&unknown_kid), ExpectedUse::Access))
                    .expect_err("unknown")
            })
        });
        for (name, verifier) in [
            ("pools_1_cache_hit", &pools_1_hit),
            ("pools_1000_cache_hit", &pools_1000_hit),
            ("pools_1_uncached", &pools_1_uncached),
            ("pools_1000_uncached", &pools_1000_uncached),
        ] {
            group.bench_function(name, |b| b.iter(|| verify_once(verifier, &known)));
        }
        group.finish();
    }
    c.final_summary();
    print_ratios();

    // The same ratios measured interleaved: on a shared or virtual machine the speed of the
    // CPU drifts between criterion's benches (one after the other, seconds each) by more than
    // the differences measured, so each round times every contender back to back, in an order
    // that rotates, and the ratios are taken round by round.
    let mut contenders: Vec<Contender<'_>> = vec![
        (
            "raw_aws_lc_rs",
            200,
            Box::new(|| {
                raw_key
                    .verify_sig(black_box(signing_input.as_bytes()), black_box(&signature))
                    .expect("ok")
            }),
        ),
        (
            "sanctum_uncached",
            200,
            Box::new(|| {
                verify_once(&uncached, &token);
            }),
        ),
        (
            "sanctum_cache_hit",
            10_000,
            Box::new(|| {
                verify_once(&cached, &token);
            }),
        ),
        (
            "sanctum_cache_hit_control",
            10_000,
            Box::new(|| {
                verify_once(&cached_control, &token);
            }),
        ),
    ];
    #[cfg(feature = "metrics")]
    {
        contenders.push((
            "sanctum_uncached_metrics",
            200,
            Box::new(|| {
                verify_once(&uncached_metrics, &token);
            }),
        ));
        contenders.push((
            "sanctum_cache_hit_metrics",
            10_000,
            Box::new(|| {
                verify_once(&cached_metrics, &token);
            }),
        ));
    }
    for (name, iterations, verifier) in [
        ("pools_1_cache_hit", 10_000, &pools_1_hit),
        ("pools_1000_cache_hit", 10_000, &pools_1000_hit),
        ("pools_1_uncached", 200, &pools_1_uncached),
        ("pools_1000_uncached", 200, &pools_1000_uncached),
    ] {
        let known = &known;
        contenders.push((
            name,
            iterations,
            Box::new(move || {
                verify_once(verifier, known);
            }),
        ));
    }
    print_interleaved(&contenders);
}

/// A contender of the interleaved measurement: its name, calls per round, and one call.
type Contender<'a> = (&'a str, u32, Box<dyn Fn() + 'a>);

/// Rounds of the interleaved measurement (bounded: about a second in all).
const INTERLEAVED_ROUNDS: usize = 41;

/// Times each contender's `iterations` calls back to back, round after round (the order
/// rotating), and prints the median per call and the median of the per-round ratios.
fn print_interleaved(contenders: &[Contender<'_>]) {
    let mut per_call = vec![Vec::with_capacity(INTERLEAVED_ROUNDS); contenders.len()];
    for round in 0..INTERLEAVED_ROUNDS {
        for k in 0..contenders.len() {
            let index = (round + k) % contenders.len();
            let (_, iterations, call) = &contenders[index];
            let started = std::time::Instant::now();
            for _ in 0..*iterations {
                call();
            }
            per_call[index].push(started.elapsed().as_nanos() as f64 / f64::from(*iterations));
        }
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let index_of = |name: &str| contenders.iter().position(|(n, ..)| *n == name);
    let ratio = |a: usize, b: usize| {
        let mut ratios: Vec<f64> = per_call[a]
            .iter()
            .zip(&per_call[b])
            .map(|(x, y)| x / y)
            .collect();
        let m = median(&mut ratios);
        (m, ratios[ratios.len() / 4], ratios[ratios.len() * 3 / 4])
    };
    println!(
        "\ninterleaved ({INTERLEAVED_ROUNDS} rounds, every contender back to back in each; medians, per-round ratios with their quartiles):"
    );
    for (index, (name, ..)) in contenders.iter().enumerate() {
        let mut values = per_call[index].clone();
        println!("  {name:<26} {:>10.1} ns", median(&mut values));
    }
    let pairs = [
        ("sanctum_uncached", "raw_aws_lc_rs", 1.10),
        ("sanctum_uncached_metrics", "sanctum_uncached", 1.02),
        ("sanctum_cache_hit_metrics", "sanctum_cache_hit", 1.02),
        ("pools_1000_cache_hit", "pools_1_cache_hit", 1.05),
        ("pools_1000_uncached", "pools_1_uncached", 1.05),
    ];
    for (a, b, target) in pairs {
        if let (Some(x), Some(y)) = (index_of(a), index_of(b)) {
            let (m, q1, q3) = ratio(x, y);
            println!(
                "  {a} / {b}: {m:.3}x (quartiles {q1:.3}-{q3:.3}; target <= {target:.2}x: {})",
                if m <= target { "met" } else { "NOT met" }
            );
        }
    }
    if let (Some(control), Some(hit)) = (
        index_of("sanctum_cache_hit_control"),
        index_of("sanctum_cache_hit"),
    ) {
        let (m, q1, q3) = ratio(control, hit);
        println!(
            "  A/A control, two identical verifiers, sanctum_cache_hit_control / sanctum_cache_hit: {m:.3}x (quartiles {q1:.3}-{q3:.3}; the measurement's own resolution, 1.000 ideally)"
        );
    }
    if let (Some(hit), Some(raw)) = (index_of("sanctum_cache_hit"), index_of("raw_aws_lc_rs")) {
        let (m, q1, q3) = ratio(hit, raw);
        println!(
            "  sanctum_cache_hit / raw_aws_lc_rs: {m:.4}x (quartiles {q1:.4}-{q3:.4}); at the 16.05 us raw verify of the quiet 2026-11-29 run that is {:.0} ns (target <= 250 ns)",
            m * 16_050.0
        );
    }
}

/// Reads criterion's median estimates of this run and prints the ratios the targets are stated in.
fn print_ratios() {
    let Some(dir) = criterion_dir() else {
        println!("(no criterion output found; ratios not printed)");
        return;
    };
    let median = |name: &str| -> Option<f64> {
        let text =
            std::fs::read_to_string(dir.join("verify").join(name).join("new/estimates.json"))
                .ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json["median"]["point_estimate"].as_f64()
    };
    let names = [
        "raw_aws_lc_rs",
        "sanctum_uncached",
        "jsonwebtoken_decode",
        "sanctum_cache_hit",
        "claims_only",
        "jwks_key_lookup",
        "unknown_kid_in_cooldown",
        "sanctum_uncached_metrics",
        "sanctum_cache_hit_metrics",
        "pools_1_cache_hit",
        "pools_1000_cache_hit",
        "pools_1_uncached",
        "pools_1000_uncached",
    ];
    let Some(raw) = median("raw_aws_lc_rs") else {
        println!("(baseline not measured in this run; ratios not printed)");
        return;
    };
    println!("\nmedians of this run (ns) and ratios to the raw aws-lc-rs verify:");
    for name in names {
        if let Some(m) = median(name) {
            println!("  {name:<22} {m:>10.1} ns  {:>6.3}x raw", m / raw);
        }
    }
    if let (Some(uncached), Some(hit)) = (median("sanctum_uncached"), median("sanctum_cache_hit")) {
        println!(
            "targets: uncached {:.3}x raw (target <= 1.15x: {}); cache hit {:.0} ns (budget <= 350 ns: {}), {:.1}x cheaper than uncached (target >= 15x: {})",
            uncached / raw,
            if uncached / raw <= 1.15 {
                "met"
            } else {
                "NOT met"
            },
            hit,
            if hit <= 350.0 { "met" } else { "NOT met" },
            uncached / hit,
            if uncached / hit >= 15.0 {
                "met"
            } else {
                "NOT met"
            },
        );
    }
    for (on, off) in [
        ("sanctum_uncached_metrics", "sanctum_uncached"),
        ("sanctum_cache_hit_metrics", "sanctum_cache_hit"),
    ] {
        if let (Some(on), Some(off_median)) = (median(on), median(off)) {
            let ratio = on / off_median;
            println!(
                "metrics on / off, {off}: {ratio:.3}x (target <= 1.02x: {})",
                if ratio <= 1.02 { "met" } else { "NOT met" }
            );
        }
    }
    for (many, one) in [
        ("pools_1000_cache_hit", "pools_1_cache_hit"),
        ("pools_1000_uncached", "pools_1_uncached"),
    ] {
        if let (Some(many_median), Some(one_median)) = (median(many), median(one)) {
            let ratio = many_median / one_median;
            println!(
                "a known pool's token, 1 000 pools / 1 pool, {one}: {ratio:.3}x (target <= 1.05x: {})",
                if ratio <= 1.05 { "met" } else { "NOT met" }
            );
        }
    }
    if let Some(unknown) = median("unknown_kid_in_cooldown") {
        println!(
            "unknown kid inside the cooldown: {unknown:.0} ns (budget <= 3000 ns: {})",
            if unknown <= 3000.0 { "met" } else { "NOT met" }
        );
    }
}

fn criterion_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(dir).join("criterion"));
    }
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "target"))
        .map(|t| t.join("criterion"))
}
