//! Feature `metrics`: what the core counts, recorded by `metrics-util`'s debugging recorder
//! (the test kit's `MetricsCapture`, this thread's recorder) against the test kit's loopback
//! JWKS and ALB key servers: JWKS fetches by result with their time, unknown `kid`s refused
//! inside the cooldown, the online check's questions by answer, and cache hits, counted per
//! thread and exact once flushed. Every label is one of the documented values.
#![allow(missing_docs)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use sanctum_core::alb::AlbCredentials;
use sanctum_core::revocation::{Liveness, OnlineCheck};
use sanctum_core::testing::{AlbTestIssuer, JwksMode};
use sanctum_core::{Verifier, VerifyError};
use sanctum_testkit::metrics::{MetricsCapture, assert_bounded_labels};

const FETCHES: &str = "sanctum_jwks_fetches_total";
const FETCH_TIME: &str = "sanctum_jwks_fetch_duration_seconds";
const VERIFICATIONS: &str = "sanctum_verifications_total";

#[tokio::test]
async fn jwks_fetches_are_counted_by_result_with_their_time() {
    let metrics = MetricsCapture::start();
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    let token = issuer.access_token().sub("sub-of-the-fetches").build();

    issuer.set_jwks_mode(JwksMode::Fail);
    assert!(matches!(
        verifier.verify_access(&token).await,
        Err(VerifyError::KeysUnavailable { .. })
    ));
    // inside the backoff: refused without a fetch
    assert!(verifier.verify_access(&token).await.is_err());
    let all = metrics.snapshot();
    assert_eq!(all.counter(FETCHES, &[("result", "error")]), 1, "{all:?}");
    assert_eq!(all.counter(FETCHES, &[("result", "ok")]), 0, "{all:?}");
    assert_eq!(all.histogram_len(FETCH_TIME, &[("result", "error")]), 1);

    issuer.set_jwks_mode(JwksMode::Serve);
    clock.advance(Duration::from_secs(2));
    verifier
        .verify_access(&token)
        .await
        .expect("fetched, valid");
    // a kid the set lacks, inside the cooldown: no fetch, counted as waiting
    let rotated = issuer.access_token().kid("rotated-in-later").build();
    assert!(verifier.verify_access(&rotated).await.is_err());
    assert!(verifier.verify_access(&rotated).await.is_err());
    // after the cooldown: one more fetch
    clock.advance(Duration::from_secs(11));
    assert!(verifier.verify_access(&rotated).await.is_err());

    let all = metrics.snapshot();
    assert_eq!(issuer.jwks_requests(), 3, "what the server saw");
    assert_eq!(all.counter(FETCHES, &[("result", "error")]), 1, "{all:?}");
    assert_eq!(all.counter(FETCHES, &[("result", "ok")]), 2, "{all:?}");
    assert_eq!(all.histogram_len(FETCH_TIME, &[("result", "ok")]), 2);
    assert_eq!(all.histogram_len(FETCH_TIME, &[("result", "error")]), 1);
    // the second try inside the backoff, and the two inside the cooldown
    assert_eq!(
        all.counter("sanctum_jwks_unknown_kid_waiting_total", &[]),
        3,
        "{all:?}"
    );
    assert_eq!(
        all.counter(
            VERIFICATIONS,
            &[("outcome", "keys_unavailable"), ("cache", "miss")]
        ),
        2,
        "{all:?}"
    );
    assert_eq!(
        all.counter(VERIFICATIONS, &[("outcome", "unknown_key")]),
        3,
        "{all:?}"
    );
    assert_bounded_labels(&all, &["sub-of-the-fetches", "rotated-in-later"]);
}

#[tokio::test]
async fn an_alb_key_the_endpoint_does_not_have_is_a_no_such_key_fetch() {
    let metrics = MetricsCapture::start();
    let (cognito, clock) = common::issuer_with_clock().await;
    let alb = AlbTestIssuer::for_issuer(&cognito)
        .await
        .expect("ALB starts");
    let verifier = alb.verifier();
    let unknown = alb
        .data_token()
        .kid("00000000-0000-4000-8000-000000000001")
        .build();
    assert!(matches!(
        verifier
            .verify(&AlbCredentials::new(unknown, None, None))
            .await,
        Err(VerifyError::UnknownKey { .. })
    ));
    clock.advance(Duration::from_secs(11));
    verifier
        .verify(&AlbCredentials::new(
            alb.data_token().expires_in_secs(600).build(),
            None,
            None,
        ))
        .await
        .expect("valid");
    let all = metrics.snapshot();
    assert_eq!(alb.key_requests(), 2);
    assert_eq!(
        all.counter(FETCHES, &[("result", "no_such_key")]),
        1,
        "{all:?}"
    );
    assert_eq!(all.counter(FETCHES, &[("result", "ok")]), 1, "{all:?}");
    assert_eq!(
        all.histogram_len(FETCH_TIME, &[("result", "no_such_key")]),
        1
    );
    assert_bounded_labels(&all, &["00000000-0000-4000-8000-000000000001"]);
}

#[tokio::test]
async fn online_check_questions_are_counted_by_answer() {
    let metrics = MetricsCapture::start();
    let (issuer, _clock) = common::issuer_with_clock().await;
    let subs = [
        ("live-sub", Liveness::Live),
        ("revoked-sub", Liveness::Revoked),
        ("throttled-sub", Liveness::Throttled),
        ("undecided-sub", Liveness::Undecided),
        ("unreachable-sub", Liveness::Unreachable),
        ("held-off-sub", Liveness::Live),
    ];
    let tokens: HashMap<&str, String> = subs
        .iter()
        .map(|(sub, _)| (*sub, issuer.access_token().sub(sub).build()))
        .collect();
    let answers: HashMap<String, Liveness> = subs
        .iter()
        .map(|(sub, answer)| (tokens[sub].clone(), *answer))
        .collect();
    let check = OnlineCheck::new(move |token: String| {
        let answer = answers[&token];
        async move { answer }
    })
    .retry_throttled(0, Duration::ZERO)
    .retry_unreachable_after(Duration::from_secs(3600));
    let verifier = issuer
        .verifier_builder()
        .online_check(check)
        .build()
        .expect("builds");

    let live = &tokens["live-sub"];
    verifier.verify_access(live).await.expect("live");
    verifier
        .verify_access(live)
        .await
        .expect("live, the kept answer");
    assert!(matches!(
        verifier.verify_access(&tokens["revoked-sub"]).await,
        Err(VerifyError::Revoked)
    ));
    for sub in ["throttled-sub", "undecided-sub", "unreachable-sub"] {
        assert!(matches!(
            verifier.verify_access(&tokens[sub]).await,
            Err(VerifyError::RevocationCheckUnavailable)
        ));
    }
    // the issuer was unreachable: not asked during the hold-off
    assert!(matches!(
        verifier.verify_access(&tokens["held-off-sub"]).await,
        Err(VerifyError::RevocationCheckUnavailable)
    ));

    let all = metrics.snapshot();
    for answer in [
        "live",
        "revoked",
        "throttled",
        "undecided",
        "unreachable",
        "held_off",
    ] {
        assert_eq!(
            all.counter("sanctum_online_checks_total", &[("answer", answer)]),
            1,
            "{answer}: one question (a kept answer is not one): {all:?}"
        );
    }
    assert_bounded_labels(&all, &["-sub", live.as_str()]);
}

/// A verifier of `issuer`'s keys given as a document (nothing fetched), built under the
/// current recorder.
fn offline_verifier(issuer: &sanctum_core::testing::TestIssuer) -> Verifier {
    Verifier::builder()
        .pool(issuer.user_pool().with_jwks_document(issuer.jwks_json()))
        .build()
        .expect("builds")
}

fn hits(metrics: &MetricsCapture) -> u64 {
    metrics
        .snapshot()
        .counter(VERIFICATIONS, &[("outcome", "ok"), ("cache", "hit")])
}

#[tokio::test]
async fn cache_hits_of_every_thread_are_exact_after_a_flush_and_when_the_verifier_goes() {
    let metrics = MetricsCapture::start();
    let (issuer, _clock) = common::issuer_with_clock().await;
    let verifier = offline_verifier(&issuer);
    let token = issuer.access_token().build();
    verifier.verify_access(&token).await.expect("valid, cached");
    for _ in 0..100 {
        verifier.verify_access(&token).await.expect("a hit");
    }
    // three threads of their own, each with its own count
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .expect("runtime");
                for _ in 0..1000 {
                    runtime
                        .block_on(verifier.verify_access(&token))
                        .expect("a hit");
                }
            });
        }
        // flushes while they count: no hit is lost or counted twice
        for _ in 0..50 {
            sanctum_core::observe::flush_metrics();
            std::thread::yield_now();
        }
    });
    sanctum_core::observe::flush_metrics();
    assert_eq!(hits(&metrics), 3100);
    sanctum_core::observe::flush_metrics();
    assert_eq!(hits(&metrics), 3100, "a second flush adds nothing");

    // hits not flushed yet are handed on when the verifier is dropped
    for _ in 0..10 {
        verifier.verify_access(&token).await.expect("a hit");
    }
    drop(verifier);
    assert_eq!(hits(&metrics), 3110);
    let all = metrics.snapshot();
    assert_eq!(
        all.counter(VERIFICATIONS, &[("outcome", "ok"), ("cache", "miss")]),
        1,
        "{all:?}"
    );
    assert_bounded_labels(&all, &[]);
}

/// A verifier that fetches its keys hands its cache hits on about once a second (its JWKS
/// refresh task's tick), so a scrape that never calls `flush_metrics` (an exporter's own
/// listener) still sees them: 10 hits, fewer than a batch, reach the recorder unflushed.
#[tokio::test]
async fn cache_hits_reach_the_recorder_within_a_few_seconds_without_a_flush() {
    let metrics = MetricsCapture::start();
    let (issuer, _clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    let token = issuer.access_token().build();
    verifier.verify_access(&token).await.expect("valid, cached");
    for _ in 0..10 {
        verifier.verify_access(&token).await.expect("a hit");
    }
    // bounded: 100 looks, 50 ms apart (the refresh task ticks every second)
    let mut seen = 0;
    for _ in 0..100 {
        seen = hits(&metrics);
        if seen == 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        seen, 10,
        "the ten hits, handed on by the refresh task's tick"
    );
    drop(verifier);
    assert_eq!(
        hits(&metrics),
        10,
        "nothing counted twice when the verifier goes"
    );
}
