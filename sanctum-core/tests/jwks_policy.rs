//! The JWKS policy of sanctum, against the test kit's loopback JWKS server, with an injected clock.
#![allow(missing_docs)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use sanctum_core::adapter::verify_now;
use sanctum_core::testing::JwksMode;
use sanctum_core::{Clock as _, ExpectedUse, Refusal, VerifyError};

#[tokio::test]
async fn an_unknown_kid_refetches_at_most_once_per_cooldown() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    verifier
        .verify_access(&issuer.access_token().build())
        .await
        .expect("valid");
    assert_eq!(issuer.jwks_requests(), 1);

    let unknown = issuer.access_token().kid("unknown").build();
    for _ in 0..5 {
        assert!(matches!(
            verifier.verify_access(&unknown).await,
            Err(VerifyError::UnknownKey { .. })
        ));
    }
    assert_eq!(issuer.jwks_requests(), 1, "inside the cooldown: no fetch");

    clock.advance(Duration::from_secs(9));
    assert!(verifier.verify_access(&unknown).await.is_err());
    assert_eq!(issuer.jwks_requests(), 1, "still inside the 10 s cooldown");

    clock.advance(Duration::from_secs(2));
    for _ in 0..5 {
        assert!(verifier.verify_access(&unknown).await.is_err());
    }
    assert_eq!(
        issuer.jwks_requests(),
        2,
        "after the cooldown: exactly one more fetch"
    );
}

#[tokio::test]
async fn the_cooldown_is_configurable() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer
        .verifier_builder()
        .jwks_cooldown(Duration::from_secs(60))
        .build()
        .expect("builds");
    let unknown = issuer.access_token().kid("unknown").build();
    assert!(verifier.verify_access(&unknown).await.is_err());
    clock.advance(Duration::from_secs(30));
    assert!(verifier.verify_access(&unknown).await.is_err());
    assert_eq!(issuer.jwks_requests(), 1);
    clock.advance(Duration::from_secs(31));
    assert!(verifier.verify_access(&unknown).await.is_err());
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_cold_verifications_make_one_fetch() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    let tokens: Vec<String> = (0..100)
        .map(|i| issuer.access_token().username(&format!("user{i}")).build())
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for token in tokens {
        let verifier = verifier.clone();
        tasks.spawn(async move { verifier.verify_access(&token).await.map(|_| ()) });
    }
    let mut ok = 0;
    while let Some(result) = tasks.join_next().await {
        result.expect("task ran").expect("token verified");
        ok += 1;
    }
    assert_eq!(ok, 100);
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn a_rotated_in_key_is_picked_up() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    let old = issuer.access_token().build();
    verifier.verify_access(&old).await.expect("old key");
    clock.advance(Duration::from_secs(11));

    let new_kid = issuer.rotate_key();
    let new = issuer.access_token().build();
    let claims = verifier.verify_access(&new).await.expect("new key fetched");
    assert_eq!(claims.sub(), "4d7f2a4e-8f0a-4c0e-9a57-2b7c1a0e5f11");
    assert_eq!(issuer.jwks_requests(), 2);
    assert_eq!(issuer.active_kid(), new_kid);
    verifier
        .verify_access(&old)
        .await
        .expect("old key still published");
}

#[tokio::test]
async fn a_retired_key_stops_verifying_after_the_next_fetch() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = common::uncached_verifier(&issuer);
    let old_kid = issuer.active_kid();
    let old = issuer.access_token().build();
    verifier.verify_access(&old).await.expect("valid");
    issuer.rotate_key();
    issuer.retire_key(&old_kid);
    clock.advance(Duration::from_secs(11));
    verifier
        .verify_access(&issuer.access_token().build())
        .await
        .expect("new key");
    assert!(matches!(
        verifier.verify_access(&old).await,
        Err(VerifyError::UnknownKey { .. })
    ));
}

#[tokio::test]
async fn with_the_endpoint_down_cached_keys_still_verify() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = common::uncached_verifier(&issuer);
    verifier.prefetch().await.expect("prefetched");
    issuer.set_jwks_mode(JwksMode::Fail);
    clock.advance(Duration::from_secs(60));

    for i in 0..3 {
        let token = issuer.access_token().username(&format!("u{i}")).build();
        verifier
            .verify_access(&token)
            .await
            .expect("cached key verifies");
    }
    assert_eq!(issuer.jwks_requests(), 1, "cached keys need no fetch");

    // an unknown kid now tries once, fails, and the last good keys stay
    let unknown = issuer.access_token().kid("unknown").build();
    let err = verifier
        .verify_access(&unknown)
        .await
        .expect_err("unavailable");
    assert_eq!(
        Refusal::from(err.clone()).status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    verifier
        .verify_access(&issuer.access_token().build())
        .await
        .expect("still verifies");
}

#[tokio::test]
async fn endpoint_down_and_key_unknown_is_keys_unavailable_then_recovers() {
    let (issuer, clock) = common::issuer_with_clock().await;
    issuer.set_jwks_mode(JwksMode::Fail);
    let verifier = issuer.verifier_builder().build().expect("builds");
    let token = issuer.access_token().build();

    let err = verifier.verify_access(&token).await.expect_err("down");
    assert!(
        matches!(err, VerifyError::KeysUnavailable { ref reason, .. } if reason.contains("500"))
    );
    assert_eq!(
        Refusal::from(err.clone()).status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    // inside the cooldown: still unavailable, without hammering the endpoint
    let err = verifier.verify_access(&token).await.expect_err("down");
    assert_eq!(
        Refusal::from(err.clone()).status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(issuer.jwks_requests(), 1);

    issuer.set_jwks_mode(JwksMode::Serve);
    clock.advance(Duration::from_secs(11));
    verifier.verify_access(&token).await.expect("recovered");
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn a_garbage_jwks_is_keys_unavailable() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    issuer.set_jwks_mode(JwksMode::Garbage);
    let verifier = issuer.verifier_builder().build().expect("builds");
    let err = verifier
        .verify_access(&issuer.access_token().build())
        .await
        .expect_err("garbage");
    assert_eq!(
        Refusal::from(err.clone()).status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn a_stalled_endpoint_times_out() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    issuer.set_jwks_mode(JwksMode::Stall);
    let verifier = issuer
        .verifier_builder()
        .jwks_timeout(Duration::from_millis(300))
        .build()
        .expect("builds");
    let started = std::time::Instant::now();
    let err = verifier
        .verify_access(&issuer.access_token().build())
        .await
        .expect_err("stalled");
    assert!(
        matches!(err, VerifyError::KeysUnavailable { ref reason, .. } if reason.contains("timed out")),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the timeout bounds the wait"
    );
}

#[tokio::test]
async fn prefetch_loads_the_keys_up_front() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    verifier.prefetch().await.expect("prefetched");
    assert_eq!(issuer.jwks_requests(), 1);
    verifier
        .verify_access(&issuer.access_token().build())
        .await
        .expect("valid");
    assert_eq!(issuer.jwks_requests(), 1);
    issuer.set_jwks_mode(JwksMode::Fail);
    assert_eq!(
        Refusal::from(verifier.prefetch().await.expect_err("down")).status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn verified_tokens_are_cached_until_exp() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    let token = issuer.access_token().expires_in_secs(60).build();
    let first = verifier.verify_access(&token).await.expect("valid");
    let second = verifier.verify_access(&token).await.expect("cached");
    assert!(
        Arc::ptr_eq(&first, &second),
        "a hit returns the same claims"
    );
    assert_eq!(first, second);
    assert_eq!(verifier.cached_tokens(), 1);

    // the cache still applies every claim check on a hit
    assert!(matches!(
        verifier.verify_id(&token).await,
        Err(VerifyError::WrongTokenUse { .. })
    ));
    clock.advance(Duration::from_secs(61));
    assert!(matches!(
        verifier.verify_access(&token).await,
        Err(VerifyError::Expired { .. })
    ));
}

#[tokio::test]
async fn with_the_cache_off_every_call_verifies() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    let verifier = common::uncached_verifier(&issuer);
    let token = issuer.access_token().build();
    let first = verifier.verify_access(&token).await.expect("valid");
    let second = verifier.verify_access(&token).await.expect("valid");
    assert!(
        !Arc::ptr_eq(&first, &second),
        "each call decoded and verified anew"
    );
    assert_eq!(first, second);
    assert_eq!(verifier.cached_tokens(), 0);
}

#[tokio::test]
async fn expired_tokens_are_never_cached() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    let token = issuer.access_token().expires_in_secs(-1).build();
    assert!(verifier.verify_access(&token).await.is_err());
    assert_eq!(verifier.cached_tokens(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetch_in_flight_never_blocks_tokens_whose_key_is_cached() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer
        .verifier_builder()
        .token_cache(false)
        .jwks_timeout(Duration::from_secs(20))
        .build()
        .expect("builds");
    verifier.prefetch().await.expect("prefetched");
    issuer.set_jwks_mode(JwksMode::Stall);
    clock.advance(Duration::from_secs(11));

    // an unknown kid starts a fetch that stalls for up to 20 s, holding the fetch lock
    let stalled = {
        let verifier = verifier.clone();
        let unknown = issuer.access_token().kid("unknown").build();
        tokio::spawn(async move { verifier.verify_access(&unknown).await })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while issuer.jwks_requests() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the stalled fetch never started"
        );
        tokio::task::yield_now().await;
    }
    // meanwhile, tokens with a cached key verify at once
    let started = std::time::Instant::now();
    for i in 0..20 {
        let token = issuer.access_token().username(&format!("u{i}")).build();
        verifier
            .verify_access(&token)
            .await
            .expect("cached key verifies during the fetch");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "verifications waited for the fetch"
    );
    assert!(!stalled.is_finished(), "the fetch is still in flight");
    stalled.abort();
}

#[tokio::test]
async fn a_caller_giving_up_never_cancels_the_fetch_it_started() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    issuer.set_jwks_mode(JwksMode::Stall);
    let verifier = issuer
        .verifier_builder()
        .jwks_timeout(Duration::from_millis(300))
        .build()
        .expect("builds");
    let token = issuer.access_token().build();

    // the first caller gives up after 50 ms, while its fetch is still waiting for the server
    let gave_up =
        tokio::time::timeout(Duration::from_millis(50), verifier.verify_access(&token)).await;
    assert!(gave_up.is_err(), "the caller timed out");

    // the fetch ran on to its end (the JWKS timeout): the next caller learns the keys are
    // unavailable (503), not that the key is unknown (401), and no second fetch is made
    let err = verifier
        .verify_access(&token)
        .await
        .expect_err("keys unavailable");
    assert_eq!(
        Refusal::from(err.clone()).status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "{err}"
    );
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn verify_now_waits_for_nothing_and_defers_only_a_key_fetch() {
    use sanctum_core::ExpectedUse::Access;
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = common::uncached_verifier(&issuer);
    let token = issuer
        .access_token()
        .sub("user-1")
        .expires_in_secs(60)
        .build();
    // Refusals that need no key are answered at once, before any fetch.
    assert!(matches!(
        verify_now(&verifier, "not.a.jwt!", Access),
        Some(Err(VerifyError::Malformed { .. }))
    ));
    assert!(matches!(
        verify_now(&verifier, &"a".repeat(10_000), Access),
        Some(Err(VerifyError::TooLarge { .. }))
    ));
    // A token whose key is not cached yet is left to `verify`, and nothing is fetched.
    assert!(verify_now(&verifier, &token, Access).is_none());
    assert_eq!(issuer.jwks_requests(), 0);
    verifier.prefetch().await.expect("prefetch");
    // With the key cached: a full verification (the cache is off), every check included.
    let claims = verify_now(&verifier, &token, Access)
        .expect("answered")
        .expect("valid");
    assert_eq!(claims.sub(), "user-1");
    let forged = issuer.access_token().signed_with_unpublished_key().build();
    assert!(matches!(
        verify_now(&verifier, &forged, Access),
        Some(Err(VerifyError::InvalidSignature))
    ));
    clock.advance(Duration::from_secs(61));
    assert!(matches!(
        verify_now(&verifier, &token, Access),
        Some(Err(VerifyError::Expired { .. }))
    ));
    // A kid the JWKS does not have still needs a fetch: `verify` decides (cooldown and all).
    issuer.rotate_key();
    let rotated = issuer.access_token().build();
    assert!(verify_now(&verifier, &rotated, Access).is_none());
    assert!(verifier.verify_access(&rotated).await.is_ok());
    assert!(verify_now(&verifier, &rotated, Access).is_some_and(|r| r.is_ok()));
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_requests_on_a_cold_verifier_make_one_fetch() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    let token: Arc<str> = issuer.access_token().build().into();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let (verifier, token) = (verifier.clone(), Arc::clone(&token));
        tasks.spawn(async move { verifier.verify_access(&token).await.map(|_| ()) });
    }
    let mut ok = 0;
    while let Some(result) = tasks.join_next().await {
        result.expect("task ran").expect("token verified");
        ok += 1;
    }
    assert_eq!(ok, 1000);
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn a_wall_clock_step_back_does_not_stop_refetching() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    verifier.prefetch().await.expect("prefetched");
    assert_eq!(issuer.jwks_requests(), 1);

    // an operator (or NTP) sets the wall clock back an hour
    clock.set(clock.now() - Duration::from_secs(3600));
    let unknown = issuer.access_token().kid("rotated-in").build();
    assert!(verifier.verify_access(&unknown).await.is_err());
    assert_eq!(issuer.jwks_requests(), 1, "inside the cooldown: no fetch");

    // eleven real seconds later the cooldown is over, whatever the wall clock said
    clock.advance(Duration::from_secs(11));
    assert!(verifier.verify_access(&unknown).await.is_err());
    assert_eq!(
        issuer.jwks_requests(),
        2,
        "the monotonic clock ended the cooldown"
    );
}

#[tokio::test]
async fn a_failed_fetch_is_retried_after_a_doubling_backoff_not_the_cooldown() {
    let (issuer, clock) = common::issuer_with_clock().await;
    issuer.set_jwks_mode(JwksMode::Fail);
    let verifier = issuer
        .verifier_builder()
        .jwks_cooldown(Duration::from_secs(60))
        .build()
        .expect("builds");
    let token = issuer.access_token().build();
    let refused = |err: VerifyError| {
        assert_eq!(Refusal::from(err).status(), StatusCode::SERVICE_UNAVAILABLE);
    };

    refused(verifier.verify_access(&token).await.expect_err("down"));
    assert_eq!(issuer.jwks_requests(), 1);
    clock.advance(Duration::from_millis(900));
    refused(
        verifier
            .verify_access(&token)
            .await
            .expect_err("backing off"),
    );
    assert_eq!(issuer.jwks_requests(), 1, "900 ms: inside the 1 s backoff");
    clock.advance(Duration::from_millis(100));
    refused(verifier.verify_access(&token).await.expect_err("down"));
    assert_eq!(issuer.jwks_requests(), 2, "1 s: the first retry");
    clock.advance(Duration::from_millis(1900));
    refused(
        verifier
            .verify_access(&token)
            .await
            .expect_err("backing off"),
    );
    assert_eq!(issuer.jwks_requests(), 2, "the backoff doubled to 2 s");
    clock.advance(Duration::from_millis(100));
    refused(verifier.verify_access(&token).await.expect_err("down"));
    assert_eq!(issuer.jwks_requests(), 3, "2 s: the second retry");

    // the endpoint recovers: the next retry (after 4 s, not the 60 s cooldown) succeeds
    issuer.set_jwks_mode(JwksMode::Serve);
    clock.advance(Duration::from_secs(4));
    verifier.verify_access(&token).await.expect("recovered");
    assert_eq!(issuer.jwks_requests(), 4);

    // after a successful fetch that lacked the kid, the full cooldown applies
    let unknown = issuer.access_token().kid("unknown").build();
    assert!(matches!(
        verifier.verify_access(&unknown).await,
        Err(VerifyError::UnknownKey { .. })
    ));
    clock.advance(Duration::from_secs(30));
    assert!(verifier.verify_access(&unknown).await.is_err());
    assert_eq!(issuer.jwks_requests(), 4, "inside the 60 s cooldown");
    clock.advance(Duration::from_secs(31));
    assert!(verifier.verify_access(&unknown).await.is_err());
    assert_eq!(issuer.jwks_requests(), 5);
}

#[tokio::test]
async fn inside_the_cooldown_an_unknown_kid_is_refused_without_waiting() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    verifier.prefetch().await.expect("prefetched");
    let unknown = issuer.access_token().kid("unknown").build();
    // answered synchronously: no task spawned, no fetch lock taken, no future to await
    assert!(matches!(
        verify_now(&verifier, &unknown, ExpectedUse::Access),
        Some(Err(VerifyError::UnknownKey { .. }))
    ));
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn a_retired_key_stops_verifying_cached_tokens_too() {
    let (issuer, clock) = common::issuer_with_clock().await;
    // the default verifier: the verified-token cache is on
    let verifier = issuer.verifier_builder().build().expect("builds");
    let old_kid = issuer.active_kid();
    let old = issuer.access_token().build();
    verifier.verify_access(&old).await.expect("valid");
    assert_eq!(verifier.cached_tokens(), 1);

    // a new key is published beside the old one: the old key's tokens stay valid
    issuer.rotate_key();
    clock.advance(Duration::from_secs(11));
    verifier
        .verify_access(&issuer.access_token().build())
        .await
        .expect("the new key is fetched");
    verifier
        .verify_access(&old)
        .await
        .expect("the old key is still published");

    // the old key is dropped: after the next fetch its tokens fail, cached or not
    issuer.retire_key(&old_kid);
    clock.advance(Duration::from_secs(11));
    let third_kid = issuer.rotate_key();
    let newest = issuer.access_token().build();
    verifier
        .verify_access(&newest)
        .await
        .expect("refetched with the third key");
    assert_eq!(issuer.active_kid(), third_kid);
    for _ in 0..3 {
        assert!(matches!(
            verifier.verify_access(&old).await,
            Err(VerifyError::UnknownKey { ref kid }) if *kid == old_kid
        ));
    }
}

#[tokio::test]
async fn a_refetch_of_the_same_keys_keeps_cached_tokens_valid() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    let token = issuer.access_token().build();
    let first = verifier.verify_access(&token).await.expect("valid");
    clock.advance(Duration::from_secs(11));
    verifier.prefetch().await.expect("the same keys again");
    assert_eq!(issuer.jwks_requests(), 2);
    let second = verifier.verify_access(&token).await.expect("still valid");
    assert!(Arc::ptr_eq(&first, &second), "still a cache hit");
}

#[tokio::test]
async fn each_issuer_fetches_its_own_keys_and_one_failing_host_breaks_nothing_else() {
    let (original, clock) = common::issuer_with_clock().await;
    let updated = sanctum_core::testing::TestIssuer::builder()
        .pool_id("us-east-1_SanctumUpdated")
        .clock(clock.clone())
        .start()
        .await
        .expect("issuer starts");
    // the pool's second issuer is served by a host that refuses the caller
    updated.set_jwks_mode(JwksMode::Forbidden);
    let pool = original
        .user_pool()
        .extra_issuer_with_jwks_url(updated.issuer(), updated.jwks_url());
    let verifier = sanctum_core::Verifier::builder()
        .pool(pool)
        .clock(clock.clone())
        .build()
        .expect("builds");

    verifier
        .prefetch()
        .await
        .expect("one issuer's keys are enough for prefetch");
    assert_eq!(original.jwks_requests(), 1);
    assert_eq!(updated.jwks_requests(), 1);
    verifier
        .verify_access(&original.access_token().build())
        .await
        .expect("the healthy issuer's tokens verify");
    let err = verifier
        .verify_access(
            &updated
                .access_token()
                .client_id(original.client_id())
                .build(),
        )
        .await
        .expect_err("the 403 host's keys are unavailable");
    assert!(
        matches!(err, VerifyError::KeysUnavailable { ref reason, .. } if reason.contains("403"))
    );

    // the failing host recovers: after the backoff its issuer's tokens verify, and the
    // other issuer's keys were never fetched again
    updated.set_jwks_mode(JwksMode::Serve);
    clock.advance(Duration::from_secs(1));
    verifier
        .verify_access(
            &updated
                .access_token()
                .client_id(original.client_id())
                .build(),
        )
        .await
        .expect("retried after the backoff");
    assert_eq!(original.jwks_requests(), 1);
}

#[tokio::test]
async fn an_issuer_nobody_configured_costs_no_key_lookup_or_fetch() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    let stranger = issuer
        .access_token()
        .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Stranger")
        .kid("never-seen")
        .build();
    assert!(matches!(
        verifier.verify_access(&stranger).await,
        Err(VerifyError::IssuerMismatch { .. })
    ));
    assert_eq!(issuer.jwks_requests(), 0, "no fetch for an unknown issuer");
}

#[tokio::test]
async fn a_cooldown_or_refresh_interval_under_a_second_is_refused() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    for (builder, what) in [
        (
            issuer.verifier_builder().jwks_cooldown(Duration::ZERO),
            "jwks_cooldown",
        ),
        (
            issuer
                .verifier_builder()
                .jwks_cooldown(Duration::from_millis(999)),
            "jwks_cooldown",
        ),
        (
            issuer
                .verifier_builder()
                .jwks_refresh_interval(Duration::from_millis(10)),
            "jwks_refresh_interval",
        ),
    ] {
        match builder.build() {
            Err(sanctum_core::ConfigError::InvalidSetting { what: refused, .. }) => {
                assert_eq!(refused, what);
            }
            other => panic!("{what} under 1 s accepted: {other:?}"),
        }
    }
    issuer
        .verifier_builder()
        .jwks_cooldown(sanctum_core::verify::MIN_JWKS_COOLDOWN)
        .build()
        .expect("1 s is the minimum");
}

/// Polls `condition` (a background task's effect) for at most `limit` of real time.
async fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while !condition() {
        if std::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

#[tokio::test]
async fn a_key_the_issuer_removed_stops_verifying_after_the_background_refresh() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer
        .verifier_builder()
        .jwks_refresh_interval(Duration::from_secs(600))
        .build()
        .expect("builds");
    let old_kid = issuer.active_kid();
    let old = issuer.access_token().expires_in_secs(7200).build();
    verifier.verify_access(&old).await.expect("valid");
    assert_eq!(issuer.jwks_requests(), 1);

    // the issuer rotates and drops the old key; no request brings an unknown `kid`
    let new_kid = issuer.rotate_key();
    issuer.retire_key(&old_kid);
    assert!(
        verify_now(&verifier, &old, ExpectedUse::Access).is_some_and(|r| r.is_ok()),
        "still trusted before the refresh"
    );

    clock.advance(Duration::from_secs(600));
    // the issuer counts the request when it answers, a moment before the verifier has
    // installed the keys it read: wait for both
    assert!(
        eventually(Duration::from_secs(10), || {
            issuer.jwks_requests() == 2 && verifier.has_cached_key(&issuer.issuer(), &new_kid)
        })
        .await,
        "refetched in the background once the interval passed"
    );
    assert!(
        matches!(
            verify_now(&verifier, &old, ExpectedUse::Access),
            Some(Err(VerifyError::UnknownKey { ref kid })) if *kid == old_kid
        ),
        "the removed key stopped verifying, its cached token too"
    );
    assert!(verifier.has_cached_key(&issuer.issuer(), &new_kid));
    verifier
        .verify_access(&issuer.access_token().build())
        .await
        .expect("the new key verifies without another fetch");
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn a_failed_background_refresh_keeps_the_keys_and_retries() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    let token = issuer.access_token().expires_in_secs(3 * 3600).build();
    verifier.prefetch().await.expect("keys");
    assert_eq!(issuer.jwks_requests(), 1);

    issuer.set_jwks_mode(JwksMode::Fail);
    clock.advance(sanctum_core::verify::DEFAULT_JWKS_REFRESH_INTERVAL);
    assert!(eventually(Duration::from_secs(10), || issuer.jwks_requests() == 2).await);
    verifier
        .verify_access(&token)
        .await
        .expect("the last good keys still verify");
    // retried after the backoff (1 s), not the full interval
    clock.advance(Duration::from_secs(1));
    assert!(eventually(Duration::from_secs(10), || issuer.jwks_requests() == 3).await);
}

/// A verifier that outlives the runtime its background refresh ran on (built and warmed in one,
/// serving in another) starts the refresh again on the next verification; before, the task's
/// "running" flag stayed set and the keys were never refreshed again.
#[test]
fn the_background_refresh_restarts_on_a_new_runtime_after_its_own_shut_down() {
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    let (issuer, clock) = server.block_on(common::issuer_with_clock());
    let verifier = issuer
        .verifier_builder()
        .jwks_refresh_interval(Duration::from_secs(600))
        .build()
        .expect("builds");
    let old_kid = issuer.active_kid();
    let first = issuer.access_token().expires_in_secs(7200).build();
    let second = issuer
        .access_token()
        .expires_in_secs(7200)
        .sub("someone-else")
        .build();

    let warm_up = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("warm-up runtime");
    warm_up
        .block_on(verifier.verify_access(&first))
        .expect("valid");
    assert_eq!(issuer.jwks_requests(), 1);
    drop(warm_up); // the refresh task it ran is dropped with it

    let serving = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("serving runtime");
    serving.block_on(async {
        // an uncached verification with a cached key (no fetch) restarts the refresh task
        verifier.verify_access(&second).await.expect("valid");
        let new_kid = issuer.rotate_key();
        issuer.retire_key(&old_kid);
        clock.advance(Duration::from_secs(600));
        assert!(
            eventually(Duration::from_secs(10), || {
                issuer.jwks_requests() == 2 && verifier.has_cached_key(&issuer.issuer(), &new_kid)
            })
            .await,
            "refetched in the background on the serving runtime"
        );
        assert!(
            matches!(
                verify_now(&verifier, &first, ExpectedUse::Access),
                Some(Err(VerifyError::UnknownKey { .. }))
            ),
            "the retired key stopped verifying"
        );
    });
}
