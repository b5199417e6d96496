//! ALB mode: `x-amzn-oidc-data` verified against the test kit's loopback ALB key endpoint,
//! with an injected clock.
#![allow(missing_docs)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use sanctum_core::alb::{AlbCredentials, AlbVerifier};
use sanctum_core::testing::{AlbTestIssuer, JwksMode, TEST_SUB};
use sanctum_core::{ConfigError, Refusal, UserPool, VerifyError};

async fn alb() -> (
    AlbTestIssuer,
    sanctum_core::testing::TestIssuer,
    sanctum_core::ManualClock,
) {
    let (cognito, clock) = common::issuer_with_clock().await;
    let alb = AlbTestIssuer::for_issuer(&cognito)
        .await
        .expect("ALB starts");
    (alb, cognito, clock)
}

fn data(token: String) -> AlbCredentials {
    AlbCredentials::new(token, None, None)
}

#[tokio::test]
async fn a_padded_alb_token_verifies_and_its_claims_read_as_an_id_token() {
    let (alb, _, _) = alb().await;
    let verifier = alb.verifier();
    let token = alb.data_token().build();
    assert!(token.contains('='), "an ALB pads its base64url: {token}");
    let verified = verifier.verify(&data(token)).await.expect("valid");
    let claims = verified.claims();
    assert_eq!(claims.sub(), TEST_SUB);
    assert_eq!(claims.username(), Some("alice"));
    assert_eq!(claims.email(), Some("alice@example.com"));
    assert_eq!(claims.email_verified(), Some(true));
    assert_eq!(claims.token_use(), sanctum_core::TokenUse::Id);
    assert_eq!(claims.groups().count(), 0, "ALB claims carry no groups");

    let unpadded = alb.data_token().unpadded().build();
    verifier
        .verify(&data(unpadded))
        .await
        .expect("unpadded too");
    assert_eq!(alb.key_requests(), 1);
}

#[tokio::test]
async fn groups_in_the_alb_payload_are_never_taken() {
    let (alb, _, _) = alb().await;
    let token = alb
        .data_token()
        .claim("cognito:groups", vec!["admin"])
        .claim("scope", "admin/all")
        .build();
    let verified = alb.verifier().verify(&data(token)).await.expect("valid");
    assert!(!verified.claims().has_group("admin"));
    assert!(!verified.claims().has_scope("admin/all"));
}

#[tokio::test]
async fn the_access_token_gives_the_groups_and_must_belong_to_the_same_user() {
    let (alb, cognito, _) = alb().await;
    let verifier = alb
        .verifier_builder()
        .access_token(cognito.verifier())
        .build()
        .expect("builds");
    let access = cognito.access_token().groups(["admin"]).build();

    let ok = AlbCredentials::new(alb.data_token().build(), Some(access.clone()), None);
    let verified = verifier.verify(&ok).await.expect("valid");
    assert!(verified.claims().has_group("admin"));
    assert_eq!(
        verified.claims().token_use(),
        sanctum_core::TokenUse::Access
    );

    let missing = AlbCredentials::new(alb.data_token().build(), None, None);
    assert!(matches!(
        verifier.verify(&missing).await,
        Err(VerifyError::AlbMissingAccessToken)
    ));

    let other_user = cognito
        .access_token()
        .sub("0b0b0b0b-0000-4000-8000-000000000000")
        .groups(["admin"])
        .build();
    let mixed = AlbCredentials::new(alb.data_token().build(), Some(other_user), None);
    assert!(matches!(
        verifier.verify(&mixed).await,
        Err(VerifyError::AlbSubjectMismatch)
    ));

    let forged_access = cognito.access_token().signed_with_unpublished_key().build();
    let forged = AlbCredentials::new(alb.data_token().build(), Some(forged_access), None);
    assert!(matches!(
        verifier.verify(&forged).await,
        Err(VerifyError::InvalidSignature)
    ));
}

#[tokio::test]
async fn the_identity_header_is_checked_never_trusted() {
    let (alb, _, _) = alb().await;
    let verifier = alb.verifier();
    let same = AlbCredentials::new(alb.data_token().build(), None, Some(TEST_SUB.to_owned()));
    verifier.verify(&same).await.expect("matching identity");
    let spoofed = AlbCredentials::new(
        alb.data_token().build(),
        None,
        Some("someone-else".to_owned()),
    );
    assert!(matches!(
        verifier.verify(&spoofed).await,
        Err(VerifyError::AlbIdentityMismatch)
    ));

    // the identity (or an access token) without x-amzn-oidc-data is no credential at all
    let mut headers = http::HeaderMap::new();
    headers.insert("x-amzn-oidc-identity", TEST_SUB.parse().unwrap());
    headers.insert("x-amzn-oidc-accesstoken", "a.b.c".parse().unwrap());
    assert!(matches!(AlbCredentials::from_headers(&headers), Ok(None)));
}

#[tokio::test]
async fn headers_are_read_once_each() {
    let mut headers = http::HeaderMap::new();
    headers.append("x-amzn-oidc-data", "a.b.c".parse().unwrap());
    headers.append("x-amzn-oidc-data", "d.e.f".parse().unwrap());
    assert!(matches!(
        AlbCredentials::from_headers(&headers),
        Err(Refusal::RepeatedCredentials)
    ));
    let mut headers = http::HeaderMap::new();
    headers.insert("x-amzn-oidc-data", "".parse().unwrap());
    assert!(matches!(
        AlbCredentials::from_headers(&headers),
        Err(Refusal::EmptyToken)
    ));
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "x-amzn-oidc-data",
        http::HeaderValue::from_bytes(b"\xff.b.c").unwrap(),
    );
    assert!(matches!(
        AlbCredentials::from_headers(&headers),
        Err(Refusal::UnreadableToken)
    ));
    let mut headers = http::HeaderMap::new();
    headers.insert("x-amzn-oidc-data", "a.b.c".parse().unwrap());
    headers.append("x-amzn-oidc-accesstoken", "x".parse().unwrap());
    headers.append("x-amzn-oidc-accesstoken", "y".parse().unwrap());
    assert!(matches!(
        AlbCredentials::from_headers(&headers),
        Err(Refusal::RepeatedCredentials)
    ));
}

#[tokio::test]
async fn a_wrong_signer_is_refused_before_any_key_fetch() {
    let (alb, _, _) = alb().await;
    let verifier = alb.verifier();
    let other = alb.data_token().signer(&alb.other_arn()).build();
    let err = verifier.verify(&data(other)).await.unwrap_err();
    assert!(
        matches!(err, VerifyError::AlbSignerMismatch { .. }),
        "{err:?}"
    );
    let other_region = alb
        .data_token()
        .signer("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/sanctum-test/50dc6c495c0c9188")
        .build();
    let err = verifier.verify(&data(other_region)).await.unwrap_err();
    assert!(
        matches!(err, VerifyError::AlbSignerMismatch { .. }),
        "{err:?}"
    );
    let none = alb.data_token().without_header("signer").build();
    assert!(matches!(
        verifier.verify(&data(none)).await,
        Err(VerifyError::AlbSignerMismatch { .. })
    ));
    assert_eq!(
        alb.key_requests(),
        0,
        "no key was fetched for a wrong signer"
    );

    // a verifier pinned to both load balancers takes either
    let both = alb
        .verifier_builder()
        .load_balancer_arn(alb.other_arn())
        .build()
        .expect("builds");
    both.verify(&data(alb.data_token().signer(&alb.other_arn()).build()))
        .await
        .expect("the second ALB is configured");
}

#[tokio::test]
async fn load_balancers_of_several_regions_or_bad_arns_are_refused_when_built() {
    let pool = UserPool::new("us-east-1_AbC123xyz").client_id("client");
    let east = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/a/1";
    let west = "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/b/2";
    let err = AlbVerifier::builder()
        .load_balancer_arns([east, west])
        .pool(pool.clone())
        .build()
        .unwrap_err();
    assert!(
        matches!(err, ConfigError::LoadBalancerRegions { .. }),
        "{err}"
    );
    let err = AlbVerifier::builder()
        .load_balancer_arn("arn:aws:ec2:us-east-1:123456789012:instance/i-1")
        .pool(pool.clone())
        .build()
        .unwrap_err();
    assert!(
        matches!(err, ConfigError::InvalidLoadBalancerArn { .. }),
        "{err}"
    );
    assert!(matches!(
        AlbVerifier::builder().pool(pool.clone()).build(),
        Err(ConfigError::InvalidSetting { .. })
    ));
    assert!(matches!(
        AlbVerifier::builder().load_balancer_arn(east).build(),
        Err(ConfigError::NoPools)
    ));
    AlbVerifier::builder()
        .load_balancer_arn(east)
        .pool(pool)
        .build()
        .expect("one region");
}

#[tokio::test]
async fn a_der_signature_is_refused() {
    let (alb, _, _) = alb().await;
    let verifier = alb.verifier();
    let der = alb.data_token().der_signature().build();
    let err = verifier.verify(&data(der)).await.unwrap_err();
    assert!(
        matches!(err, VerifyError::AlbSignatureEncoding { len } if len != 64),
        "{err:?}"
    );
    // the same key's R||S signature passes: only the encoding was wrong
    verifier
        .verify(&data(alb.data_token().build()))
        .await
        .expect("R||S");
}

#[tokio::test]
async fn algorithms_other_than_es256_are_refused_before_any_key_fetch() {
    let (alb, _, _) = alb().await;
    let verifier = alb.verifier();
    for alg in [
        "RS256", "ES384", "ES512", "HS256", "none", "es256", "EdDSA", "PS256",
    ] {
        let token = alb.data_token().alg(alg).build();
        let err = verifier.verify(&data(token)).await.unwrap_err();
        assert!(
            matches!(&err, VerifyError::AlbUnsupportedAlgorithm { alg: a } if a == alg),
            "{alg}: {err:?}"
        );
    }
    let no_alg = alb.data_token().without_header("alg").build();
    assert!(matches!(
        verifier.verify(&data(no_alg)).await,
        Err(VerifyError::Malformed { .. })
    ));
    assert_eq!(alb.key_requests(), 0);
}

#[tokio::test]
async fn a_forged_kid_never_reaches_the_key_url() {
    let (alb, _, _) = alb().await;
    let verifier = alb.verifier();
    for kid in [
        "../../etc/passwd",
        "..%2F..%2Fadmin",
        "00000000-0000-0000-0000-000000000000/../x",
        "00000000-0000-0000-0000-00000000000?",
        "00000000-0000-0000-0000-00000000000#",
        "00000000-0000-0000-0000-0000000000 0",
        "https://attacker.example/key",
        "",
    ] {
        let token = alb.data_token().kid(kid).build();
        let err = verifier.verify(&data(token)).await.unwrap_err();
        assert!(
            matches!(err, VerifyError::AlbInvalidKeyId { .. }),
            "{kid}: {err:?}"
        );
    }
    let no_kid = alb.data_token().without_header("kid").build();
    assert!(matches!(
        verifier.verify(&data(no_kid)).await,
        Err(VerifyError::MissingKid)
    ));
    assert_eq!(alb.key_requests(), 0, "{:?}", alb.requested_paths());
}

#[tokio::test]
async fn expiry_is_checked_with_the_leeway() {
    let (alb, _, clock) = alb().await;
    let verifier = alb.verifier();
    let expired = alb.data_token().expires_in_secs(-1).build();
    assert!(matches!(
        verifier.verify(&data(expired.clone())).await,
        Err(VerifyError::Expired { .. })
    ));
    let lenient = alb
        .verifier_builder()
        .leeway(Duration::from_secs(30))
        .build()
        .expect("builds");
    lenient
        .verify(&data(expired))
        .await
        .expect("inside the leeway");

    let token = alb.data_token().build();
    verifier
        .verify(&data(token.clone()))
        .await
        .expect("valid now");
    clock.advance(Duration::from_secs(121));
    assert!(matches!(
        verifier.verify(&data(token)).await,
        Err(VerifyError::Expired { .. })
    ));
    let no_exp = alb.data_token().without_claim("exp").build();
    assert!(matches!(
        verifier.verify(&data(no_exp)).await,
        Err(VerifyError::MissingClaim { claim: "exp" })
    ));
}

#[tokio::test]
async fn issuer_client_and_signature_are_checked() {
    let (alb, _, _) = alb().await;
    let verifier = alb.verifier();
    let cases: [(&str, String); 4] = [
        (
            "issuer",
            alb.data_token()
                .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")
                .build(),
        ),
        (
            "client",
            alb.data_token().client_id("another-client").build(),
        ),
        (
            "unpublished key",
            alb.data_token().signed_with_unpublished_key().build(),
        ),
        (
            "zero signature",
            alb.data_token().raw_signature(vec![0; 64]).build(),
        ),
    ];
    for (name, token) in cases {
        let err = verifier.verify(&data(token)).await.unwrap_err();
        let ok = match name {
            "issuer" => matches!(err, VerifyError::IssuerMismatch { .. }),
            "client" => matches!(err, VerifyError::ClientMismatch { .. }),
            _ => matches!(err, VerifyError::InvalidSignature),
        };
        assert!(ok, "{name}: {err:?}");
    }
    // a token whose signed header was edited after signing
    let token = alb.data_token().build();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = alb
        .data_token()
        .sub("mallory")
        .build()
        .split('.')
        .nth(1)
        .unwrap()
        .to_owned();
    assert!(matches!(
        verifier.verify(&data(parts.join("."))).await,
        Err(VerifyError::InvalidSignature)
    ));
}

#[tokio::test]
async fn each_kid_is_fetched_once_under_a_thousand_concurrent_requests() {
    let (alb, _, _) = alb().await;
    let verifier = alb.verifier();
    let token = Arc::new(alb.data_token().build());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let verifier = verifier.clone();
        let token = Arc::clone(&token);
        tasks.spawn(async move { verifier.verify(&data(token.to_string())).await.is_ok() });
    }
    let mut accepted = 0;
    while let Some(result) = tasks.join_next().await {
        accepted += usize::from(result.expect("task runs"));
    }
    assert_eq!(accepted, 1000);
    let kid = alb.active_kid();
    assert_eq!(alb.key_requests_for(&kid), 1);
    assert!(verifier.has_cached_key(&kid));

    // a rotated key: its kid is fetched once too, the old one stays cached
    let second = alb.rotate_key();
    let token = Arc::new(alb.data_token().build());
    for _ in 0..1000 {
        let verifier = verifier.clone();
        let token = Arc::clone(&token);
        tasks.spawn(async move { verifier.verify(&data(token.to_string())).await.is_ok() });
    }
    while let Some(result) = tasks.join_next().await {
        assert!(result.expect("task runs"));
    }
    assert_eq!(alb.key_requests_for(&second), 1);
    assert_eq!(alb.key_requests(), 2);
    assert!(verifier.has_cached_key(&kid));
}

#[tokio::test]
async fn unknown_kids_cost_one_fetch_per_cooldown() {
    let (alb, _, clock) = alb().await;
    let verifier = alb.verifier();
    let unknown = |n: u32| {
        alb.data_token()
            .kid(&format!("00000000-0000-4000-8000-{n:012}"))
            .build()
    };
    assert!(matches!(
        verifier.verify(&data(unknown(1))).await,
        Err(VerifyError::UnknownKey { .. })
    ));
    assert_eq!(alb.key_requests(), 1);
    for n in 2..20 {
        assert!(matches!(
            verifier.verify(&data(unknown(n))).await,
            Err(VerifyError::UnknownKey { .. })
        ));
    }
    assert_eq!(alb.key_requests(), 1, "inside the cooldown: no fetch");
    clock.advance(Duration::from_secs(11));
    assert!(verifier.verify(&data(unknown(30))).await.is_err());
    assert_eq!(alb.key_requests(), 2, "after the cooldown: one more");
    // the real key, once the cooldown is over, is fetched and verifies
    clock.advance(Duration::from_secs(11));
    verifier
        .verify(&data(alb.data_token().expires_in_secs(600).build()))
        .await
        .expect("valid");
}

#[tokio::test]
async fn an_unreachable_key_endpoint_is_a_503_retried_after_a_backoff() {
    let (alb, _, clock) = alb().await;
    let verifier = alb.verifier();
    alb.set_key_mode(JwksMode::Fail);
    let token = alb.data_token().expires_in_secs(600).build();
    let err = verifier.verify(&data(token.clone())).await.unwrap_err();
    assert!(
        matches!(err, VerifyError::KeysUnavailable { .. }),
        "{err:?}"
    );
    assert_eq!(
        Refusal::Verify(err).status(),
        http::StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(verifier.verify(&data(token.clone())).await.is_err());
    assert_eq!(alb.key_requests(), 1, "inside the backoff: no fetch");
    alb.set_key_mode(JwksMode::Garbage);
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        verifier.verify(&data(token.clone())).await.unwrap_err(),
        VerifyError::KeysUnavailable { .. }
    ));
    assert_eq!(alb.key_requests(), 2);
    alb.set_key_mode(JwksMode::Serve);
    clock.advance(Duration::from_secs(2));
    verifier.verify(&data(token)).await.expect("keys are back");
    assert_eq!(alb.key_requests(), 3);
}

#[tokio::test]
async fn refusals_answer_with_their_status() {
    let (alb, _, _) = alb().await;
    let verifier = alb.verifier();
    let token = alb.data_token().signer(&alb.other_arn()).build();
    let refusal = Refusal::Verify(verifier.verify(&data(token)).await.unwrap_err());
    assert_eq!(refusal.status(), http::StatusCode::UNAUTHORIZED);
    assert_eq!(refusal.error_code(), "invalid_token");
    assert!(
        !refusal.body().contains("sanctum-other"),
        "descriptions never echo the token"
    );
}

#[tokio::test]
async fn an_oversized_token_is_refused_undecoded() {
    let (alb, _, _) = alb().await;
    let token = alb.data_token().claim("filler", "x".repeat(9000)).build();
    assert!(matches!(
        alb.verifier().verify(&data(token)).await,
        Err(VerifyError::TooLarge { .. })
    ));
    assert_eq!(alb.key_requests(), 0);
}

// ---- the verified-token cache of x-amzn-oidc-data ----

/// Verifies one token for each of 64 new keys: the per-`kid` key cache starts again past 64
/// keys, so the key of the token verified before them is dropped (`has_cached_key` says so).
async fn push_out_the_first_key(alb: &AlbTestIssuer, verifier: &AlbVerifier) {
    let first = alb.active_kid();
    for _ in 0..64 {
        alb.rotate_key();
        verifier
            .verify(&data(alb.data_token().expires_in_secs(600).build()))
            .await
            .expect("a new key verifies");
    }
    assert!(
        !verifier.has_cached_key(&first),
        "the first key was dropped"
    );
}

#[tokio::test]
async fn a_repeated_alb_token_is_answered_from_the_cache_without_its_key() {
    let (alb, _, _) = alb().await;
    for cached in [true, false] {
        let verifier = alb
            .verifier_builder()
            .token_cache(cached)
            .build()
            .expect("builds");
        let first = alb.active_kid();
        let token = alb.data_token().expires_in_secs(600).build();
        let verified = verifier.verify(&data(token.clone())).await.expect("valid");
        assert_eq!(verifier.cached_tokens(), u64::from(cached));
        push_out_the_first_key(&alb, &verifier).await;
        alb.set_key_mode(JwksMode::Fail);
        let before = alb.key_requests();

        let again = verifier.verify(&data(token.clone())).await;
        let now = verifier.verify_now(&data(token.clone()));
        if cached {
            let again = again.expect("answered from the cache: no key needed");
            assert_eq!(again.claims(), verified.claims());
            assert!(matches!(now, Some(Ok(_))), "and without waiting");
            assert_eq!(alb.key_requests(), before, "no key was asked for");
        } else {
            let err = again.expect_err("the key is needed again, and unavailable");
            assert!(
                matches!(err, VerifyError::KeysUnavailable { .. }),
                "{err:?}"
            );
            assert!(now.is_none(), "the key must be fetched: not answered now");
            assert!(alb.key_requests() > before, "the key was asked for");
        }
        assert!(!verifier.has_cached_key(&first));
        alb.set_key_mode(JwksMode::Serve);
    }
}

#[tokio::test]
async fn an_expired_cached_alb_token_is_refused_as_an_uncached_one() {
    let (alb, _, clock) = alb().await;
    let cached = alb.verifier();
    let uncached = alb
        .verifier_builder()
        .token_cache(false)
        .build()
        .expect("builds");
    let lenient = alb
        .verifier_builder()
        .leeway(Duration::from_secs(30))
        .build()
        .expect("builds");
    let token = alb.data_token().build(); // valid for 120 s
    for verifier in [&cached, &uncached, &lenient] {
        verifier.verify(&data(token.clone())).await.expect("valid");
    }
    assert_eq!(cached.cached_tokens(), 1);
    assert_eq!(lenient.cached_tokens(), 1);

    clock.advance(Duration::from_secs(121));
    let from_cache = cached.verify(&data(token.clone())).await.unwrap_err();
    let verified_again = uncached.verify(&data(token.clone())).await.unwrap_err();
    assert!(
        matches!(from_cache, VerifyError::Expired { .. }),
        "{from_cache:?}"
    );
    assert_eq!(from_cache.to_string(), verified_again.to_string());
    assert_eq!(
        cached.cached_tokens(),
        0,
        "the expired token left the cache"
    );
    assert!(matches!(
        cached.verify_now(&data(token.clone())),
        Some(Err(VerifyError::Expired { .. }))
    ));
    // the leeway holds on a hit too, and ends there as well
    lenient
        .verify(&data(token.clone()))
        .await
        .expect("inside the leeway");
    assert_eq!(lenient.cached_tokens(), 1, "still cached");
    clock.advance(Duration::from_secs(30));
    assert!(matches!(
        lenient.verify(&data(token)).await,
        Err(VerifyError::Expired { .. })
    ));
    assert_eq!(lenient.cached_tokens(), 0);
}

/// `token` with the signature's character at `index` (of the signature segment) changed.
fn one_char_changed(token: &str, index: usize) -> String {
    let (signed, signature) = token.rsplit_once('.').expect("three segments");
    let mut signature = signature.as_bytes().to_vec();
    signature[index] = if signature[index] == b'A' { b'B' } else { b'A' };
    format!("{signed}.{}", String::from_utf8(signature).expect("text"))
}

#[tokio::test]
async fn a_cached_alb_token_changed_in_one_signature_byte_is_refused() {
    let (alb, _, _) = alb().await;
    let verifier = alb.verifier();
    let token = alb.data_token().build();
    verifier.verify(&data(token.clone())).await.expect("valid");
    assert_eq!(verifier.cached_tokens(), 1);
    let signature_len = token.rsplit_once('.').expect("segments").1.len();
    assert_eq!(signature_len, 88, "64 bytes, padded");
    // the first character is outside the tail the cache hashes (same bucket as the cached
    // token: only the whole text decides); the other inside it
    for index in [0, signature_len - 6] {
        let forged = one_char_changed(&token, index);
        assert_ne!(forged, token);
        let err = verifier.verify(&data(forged.clone())).await.unwrap_err();
        assert!(
            matches!(err, VerifyError::InvalidSignature),
            "{index}: {err:?}"
        );
        assert!(matches!(
            verifier.verify_now(&data(forged)),
            Some(Err(VerifyError::InvalidSignature))
        ));
    }
    assert_eq!(verifier.cached_tokens(), 1, "refused tokens are not cached");
    verifier
        .verify(&data(token))
        .await
        .expect("the real one still verifies");
}

#[tokio::test]
async fn a_cache_hit_still_checks_the_access_token_and_the_identity() {
    let (alb, cognito, _) = alb().await;
    let verifier = alb.verifier_with_access_token(&cognito);
    let token = alb.data_token().expires_in_secs(600).build();
    let access = cognito.access_token().groups(["admin"]).build();
    let with = |access: Option<&str>, identity: Option<&str>| {
        AlbCredentials::new(
            token.clone(),
            access.map(str::to_owned),
            identity.map(str::to_owned),
        )
    };
    let ok = with(Some(&access), Some(TEST_SUB));
    let verified = verifier.verify(&ok).await.expect("valid");
    assert!(verified.claims().has_group("admin"));
    assert_eq!(verifier.cached_tokens(), 1);
    let now = verifier
        .verify_now(&ok)
        .expect("both tokens cached: answered now");
    assert!(now.expect("valid").claims().has_group("admin"));

    let other_user = cognito
        .access_token()
        .sub("0b0b0b0b-0000-4000-8000-000000000000")
        .groups(["admin"])
        .build();
    let forged_access = cognito.access_token().signed_with_unpublished_key().build();
    let expired_access = cognito.access_token().expires_in_secs(-10).build();
    let cases = [
        (with(Some(&access), Some("someone-else")), "identity"),
        (with(None, Some(TEST_SUB)), "no access token"),
        (with(Some(&other_user), None), "another user's access token"),
        (with(Some(&forged_access), None), "a forged access token"),
        (with(Some(&expired_access), None), "an expired access token"),
    ];
    for (credentials, name) in cases {
        for err in [
            verifier.verify(&credentials).await.unwrap_err(),
            verifier
                .verify_now(&credentials)
                .expect("answered now")
                .unwrap_err(),
        ] {
            let right = match name {
                "identity" => matches!(err, VerifyError::AlbIdentityMismatch),
                "no access token" => matches!(err, VerifyError::AlbMissingAccessToken),
                "another user's access token" => matches!(err, VerifyError::AlbSubjectMismatch),
                "a forged access token" => matches!(err, VerifyError::InvalidSignature),
                _ => matches!(err, VerifyError::Expired { .. }),
            };
            assert!(right, "{name}: {err:?}");
        }
    }
    assert_eq!(verifier.cached_tokens(), 1, "the data token stays cached");
    verifier.verify(&ok).await.expect("and still verifies");
}

#[tokio::test]
async fn the_alb_token_cache_keeps_to_its_capacity_and_can_be_off() {
    let (alb, _, _) = alb().await;
    let verifier = alb
        .verifier_builder()
        .cache_capacity(16)
        .build()
        .expect("builds");
    for n in 0..100 {
        let token = alb.data_token().sub(&format!("user-{n}")).build();
        verifier.verify(&data(token)).await.expect("valid");
        assert!(verifier.cached_tokens() <= 16, "bounded at token {n}");
    }
    assert!(verifier.cached_tokens() > 0);

    let off = alb
        .verifier_builder()
        .token_cache(false)
        .cache_capacity(0)
        .build()
        .expect("no capacity needed without the cache");
    let token = alb.data_token().build();
    for _ in 0..3 {
        off.verify(&data(token.clone())).await.expect("valid");
    }
    assert_eq!(off.cached_tokens(), 0);
    assert!(format!("{off:?}").contains("token_cache: false"));
    assert!(matches!(
        alb.verifier_builder().cache_capacity(0).build(),
        Err(ConfigError::InvalidSetting {
            what: "cache_capacity",
            ..
        })
    ));
}

#[tokio::test]
async fn authenticate_now_reads_the_headers_and_waits_only_for_a_key() {
    use sanctum_core::alb::AlbAuthentication;
    let (alb, cognito, _) = alb().await;
    let verifier = alb.verifier_with_access_token(&cognito);
    let token = alb.data_token().build();
    let access = cognito.access_token().build();
    let mut headers = http::HeaderMap::new();
    assert!(matches!(
        verifier.authenticate_now(&headers),
        AlbAuthentication::Anonymous
    ));
    headers.insert("x-amzn-oidc-data", token.parse().unwrap());
    headers.insert("x-amzn-oidc-accesstoken", access.parse().unwrap());
    headers.insert(
        "x-amzn-oidc-identity",
        format!(" {TEST_SUB} ").parse().unwrap(),
    );
    // no key yet: the headers come back, copied, for the verification that waits
    let AlbAuthentication::Later(credentials) = verifier.authenticate_now(&headers) else {
        panic!("the data token's key must be fetched first");
    };
    verifier.verify(&credentials).await.expect("valid");
    assert_eq!(verifier.cached_tokens(), 1);
    let AlbAuthentication::Verified(verified) = verifier.authenticate_now(&headers) else {
        panic!("cached: answered now");
    };
    assert_eq!(verified.claims().sub(), TEST_SUB);

    // the same refusals as AlbCredentials::from_headers and verify
    headers.insert("x-amzn-oidc-identity", "someone-else".parse().unwrap());
    assert!(matches!(
        verifier.authenticate_now(&headers),
        AlbAuthentication::Refused(Refusal::Verify(VerifyError::AlbIdentityMismatch))
    ));
    headers.append("x-amzn-oidc-identity", TEST_SUB.parse().unwrap());
    assert!(matches!(
        verifier.authenticate_now(&headers),
        AlbAuthentication::Refused(Refusal::RepeatedCredentials)
    ));
    headers.insert("x-amzn-oidc-identity", "  ".parse().unwrap());
    assert!(matches!(
        verifier.authenticate_now(&headers),
        AlbAuthentication::Refused(Refusal::EmptyToken)
    ));
    headers.remove("x-amzn-oidc-identity");
    headers.remove("x-amzn-oidc-accesstoken");
    assert!(matches!(
        verifier.authenticate_now(&headers),
        AlbAuthentication::Refused(Refusal::Verify(VerifyError::AlbMissingAccessToken))
    ));
}
