//! Pools added and removed at run time (`PoolRegistry`), against the test kit's loopback JWKS
//! server, which serves one pool's keys per path (`TestIssuer::tenant_pool`), with an
//! injected clock.
#![allow(missing_docs)]

mod common;

use std::time::Duration;

use sanctum_core::adapter::verify_now;
use sanctum_core::testing::TestIssuer;
use sanctum_core::{ConfigError, ExpectedUse, PoolRegistry, UserPool, Verifier, VerifyError};

/// The pool id of tenant `i`.
fn tenant(i: usize) -> String {
    format!("eu-west-1_Tenant{i:04}")
}

/// A verifier of `registry`'s pools on the issuer's `clock`.
fn verifier(clock: &sanctum_core::ManualClock, registry: &PoolRegistry) -> Verifier {
    Verifier::builder()
        .pool_registry(registry.clone())
        .clock(clock.clone())
        .build()
        .expect("builds")
}

/// An access token of tenant `pool_id`.
fn token_of(issuer: &TestIssuer, pool_id: &str) -> String {
    issuer
        .access_token()
        .issuer(&issuer.tenant_issuer(pool_id))
        .build()
}

#[tokio::test]
async fn a_thousand_pools_verify_and_at_most_the_cap_of_key_sets_is_held() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let registry = PoolRegistry::with_max_key_sets(100);
    let verifier = verifier(&clock, &registry);
    for i in 0..1000 {
        registry
            .insert(issuer.tenant_pool(&tenant(i)))
            .expect("valid pool");
    }
    assert_eq!(registry.len(), 1000);
    assert_eq!(
        registry.cached_key_sets(),
        0,
        "nothing fetched before a token comes"
    );

    let tokens: Vec<String> = (0..1000).map(|i| token_of(&issuer, &tenant(i))).collect();
    for (i, token) in tokens.iter().enumerate() {
        let claims = verifier
            .verify_access(token)
            .await
            .expect("each pool's token verifies");
        assert_eq!(claims.iss(), issuer.tenant_issuer(&tenant(i)));
        assert!(
            registry.cached_key_sets() <= 100,
            "at most the cap of key sets: {} after pool {i}",
            registry.cached_key_sets()
        );
    }
    assert_eq!(issuer.jwks_requests(), 1000, "one fetch per pool");
    assert_eq!(registry.cached_key_sets(), 100);

    // the hundred most recent pools are served from their keys and the token cache
    for token in &tokens[900..] {
        verifier.verify_access(token).await.expect("still valid");
    }
    assert_eq!(
        issuer.jwks_requests(),
        1000,
        "no fetch for pools whose keys are held"
    );

    // the first pool's keys were evicted: inside the cooldown of its last fetch its token waits
    // (no fetch), after it the keys are fetched again, once, and its token verifies
    assert!(matches!(
        verifier.verify_access(&tokens[0]).await,
        Err(VerifyError::UnknownKey { .. })
    ));
    assert_eq!(issuer.jwks_requests(), 1000);
    clock.advance(Duration::from_secs(11));
    verifier.verify_access(&tokens[0]).await.expect("refetched");
    verifier.verify_access(&tokens[0]).await.expect("and kept");
    assert_eq!(issuer.jwks_requests(), 1001);
    assert_eq!(registry.cached_key_sets(), 100, "another pool made room");
}

#[tokio::test]
async fn a_pool_added_at_run_time_is_accepted_and_a_removed_one_refused_even_when_cached() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let registry = PoolRegistry::new();
    let verifier = verifier(&clock, &registry);
    let pool_id = tenant(7);
    let token = token_of(&issuer, &pool_id);

    assert!(matches!(
        verifier.verify_access(&token).await,
        Err(VerifyError::IssuerMismatch { .. })
    ));
    registry
        .insert(issuer.tenant_pool(&pool_id))
        .expect("valid pool");
    assert!(registry.contains(&pool_id));
    verifier
        .verify_access(&token)
        .await
        .expect("accepted without rebuilding the verifier");
    assert_eq!(verifier.cached_tokens(), 1);
    assert!(
        verify_now(&verifier, &token, ExpectedUse::Access).is_some_and(|r| r.is_ok()),
        "and cached"
    );
    assert_eq!(registry.cached_key_sets(), 1);

    assert!(registry.remove(&pool_id));
    assert!(!registry.remove(&pool_id), "removed once");
    assert!(!registry.contains(&pool_id));
    // refused at once, on the adapters' path (the cache hit) and the waiting one
    assert!(matches!(
        verify_now(&verifier, &token, ExpectedUse::Access),
        Some(Err(VerifyError::IssuerMismatch { .. }))
    ));
    assert!(matches!(
        verifier.verify_access(&token).await,
        Err(VerifyError::IssuerMismatch { .. })
    ));
    assert_eq!(registry.cached_key_sets(), 0, "its keys are dropped");
    assert_eq!(issuer.jwks_requests(), 1);

    // back again: its keys are fetched anew
    registry
        .insert(issuer.tenant_pool(&pool_id))
        .expect("valid pool");
    verifier
        .verify_access(&token)
        .await
        .expect("accepted again");
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn unknown_issuers_cost_no_fetch_and_no_memory() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let registry = PoolRegistry::new();
    let verifier = verifier(&clock, &registry);
    for i in 0..10 {
        registry
            .insert(issuer.tenant_pool(&tenant(i)))
            .expect("valid pool");
    }
    // correctly signed, of issuers nobody configured (Cognito's form, and others)
    for i in 0..300 {
        let iss = match i % 3 {
            0 => issuer.tenant_issuer(&tenant(10_000 + i)),
            1 => format!(
                "https://issuer-cognito-idp.eu-west-1.amazonaws.com/{}",
                tenant(20_000 + i)
            ),
            _ => format!("https://attacker.example/{i}"),
        };
        let token = issuer.access_token().issuer(&iss).build();
        assert!(matches!(
            verifier.verify_access(&token).await,
            Err(VerifyError::IssuerMismatch { .. })
        ));
    }
    assert_eq!(issuer.jwks_requests(), 0, "no fetch for an unknown issuer");
    assert_eq!(verifier.cached_tokens(), 0);
    assert_eq!(registry.len(), 10);
    assert_eq!(registry.cached_key_sets(), 0);
}

#[tokio::test]
async fn every_pool_keeps_its_own_clients_and_issuer_forms() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let registry = PoolRegistry::new();
    let verifier = verifier(&clock, &registry);
    let (a, b) = (tenant(1), tenant(2));
    let pool = |id: &str, client: &str| {
        UserPool::new(id)
            .client_id(client)
            .with_jwks_url(issuer.tenant_jwks_url(id))
    };
    registry.insert(pool(&a, "clienta")).expect("valid");
    registry.insert(pool(&b, "clientb")).expect("valid");

    let of = |id: &str, client: &str| {
        issuer
            .access_token()
            .issuer(&issuer.tenant_issuer(id))
            .client_id(client)
            .build()
    };
    verifier
        .verify_access(&of(&a, "clienta"))
        .await
        .expect("a's client");
    verifier
        .verify_access(&of(&b, "clientb"))
        .await
        .expect("b's client");
    assert!(matches!(
        verifier.verify_access(&of(&a, "clientb")).await,
        Err(VerifyError::ClientMismatch { .. })
    ));
    // the UPDATED issuer form of a registry pool, as for any pool
    let updated = issuer
        .access_token()
        .issuer(&format!(
            "https://issuer-cognito-idp.eu-west-1.amazonaws.com/{a}"
        ))
        .client_id("clienta")
        .build();
    verifier
        .verify_access(&updated)
        .await
        .expect("UPDATED form");
    // token use, as asked
    let id_token = issuer
        .id_token()
        .issuer(&issuer.tenant_issuer(&a))
        .claim("aud", "clienta")
        .build();
    assert!(matches!(
        verifier.verify_access(&id_token).await,
        Err(VerifyError::WrongTokenUse { .. })
    ));
    verifier
        .verify_id(&id_token)
        .await
        .expect("an ID token of a");

    // replacing a pool applies its new clients to its cached tokens, and keeps its keys
    let cached = of(&a, "clienta");
    verifier.verify_access(&cached).await.expect("cached now");
    let fetches = issuer.jwks_requests();
    registry.insert(pool(&a, "clientc")).expect("replaced");
    assert_eq!(registry.len(), 2);
    assert!(matches!(
        verify_now(&verifier, &cached, ExpectedUse::Access),
        Some(Err(VerifyError::ClientMismatch { .. }))
    ));
    verifier
        .verify_access(&of(&a, "clientc"))
        .await
        .expect("the new client");
    assert_eq!(issuer.jwks_requests(), fetches, "same JWKS URL: keys kept");
}

#[tokio::test]
async fn issuers_stay_unique_and_a_registry_serves_one_verifier() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let registry = PoolRegistry::new();
    // pools inserted before the verifier is built are served once it is
    registry
        .insert(issuer.tenant_pool(&tenant(1)))
        .expect("valid");
    assert!(matches!(
        registry.insert(
            issuer
                .tenant_pool(&tenant(2))
                .extra_issuer(issuer.tenant_issuer(&tenant(1)))
        ),
        Err(ConfigError::DuplicateIssuer { .. })
    ));
    assert!(matches!(
        registry.insert(UserPool::new("eu-west-1_NoClient")),
        Err(ConfigError::NoClientIds { .. })
    ));
    let verifier = Verifier::builder()
        .pool(issuer.user_pool())
        .pool_registry(registry.clone())
        .clock(clock.clone())
        .build()
        .expect("builds");
    verifier
        .verify_access(&token_of(&issuer, &tenant(1)))
        .await
        .expect("a pool inserted before the build");
    verifier
        .verify_access(&issuer.access_token().build())
        .await
        .expect("the builder's pool");

    // no registry pool may take an issuer of another pool, fixed or not
    assert!(matches!(
        registry.insert(issuer.tenant_pool(&tenant(3)).extra_issuer(issuer.issuer())),
        Err(ConfigError::DuplicateIssuer { .. })
    ));
    assert!(matches!(
        registry.insert(
            issuer
                .tenant_pool(&tenant(4))
                .extra_issuer(issuer.tenant_issuer(&tenant(1)))
        ),
        Err(ConfigError::DuplicateIssuer { .. })
    ));
    assert_eq!(
        registry.len(),
        1,
        "a refused pool leaves the registry unchanged"
    );
    assert!(matches!(
        Verifier::builder().pool_registry(registry.clone()).build(),
        Err(ConfigError::InvalidSetting {
            what: "pool_registry",
            ..
        })
    ));
    assert!(matches!(
        Verifier::builder()
            .pool_registry(PoolRegistry::with_max_key_sets(0))
            .build(),
        Err(ConfigError::InvalidSetting {
            what: "max_key_sets",
            ..
        })
    ));
    // a verifier with a registry and no fixed pool is fine
    assert!(
        Verifier::builder()
            .pool_registry(PoolRegistry::new())
            .build()
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pools_added_and_removed_while_verifying() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let registry = PoolRegistry::with_max_key_sets(8);
    let verifier = verifier(&clock, &registry);
    let pools: Vec<String> = (0..16).map(tenant).collect();
    let tokens: Vec<String> = pools.iter().map(|p| token_of(&issuer, p)).collect();

    let mut tasks = tokio::task::JoinSet::new();
    {
        let (registry, pools, issuer) = (registry.clone(), pools.clone(), issuer.clone());
        tasks.spawn(async move {
            for round in 0..400usize {
                let pool = &pools[round * 7 % pools.len()];
                if round % 3 == 0 {
                    registry.remove(pool);
                } else {
                    registry
                        .insert(issuer.tenant_pool(pool))
                        .expect("valid pool");
                }
                tokio::task::yield_now().await;
            }
        });
    }
    for worker in 0..3usize {
        let (verifier, tokens) = (verifier.clone(), tokens.clone());
        tasks.spawn(async move {
            for round in 0..400usize {
                let token = &tokens[(round + worker * 5) % tokens.len()];
                match verifier.verify_access(token).await {
                    Ok(_)
                    | Err(
                        VerifyError::IssuerMismatch { .. }
                        | VerifyError::UnknownKey { .. }
                        | VerifyError::KeysUnavailable { .. },
                    ) => {}
                    Err(other) => panic!("unexpected refusal: {other}"),
                }
                assert!(
                    verifier
                        .pool_registry()
                        .is_some_and(|r| r.cached_key_sets() <= 8)
                );
            }
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("no task panicked");
    }
    assert!(registry.cached_key_sets() <= 8);

    // settled: every pool in again, each verifies once the cooldown has passed
    for pool in &pools {
        registry
            .insert(issuer.tenant_pool(pool))
            .expect("valid pool");
    }
    clock.advance(Duration::from_secs(11));
    for token in &tokens {
        verifier.verify_access(token).await.expect("verifies");
    }
    assert!(registry.cached_key_sets() <= 8);
}
