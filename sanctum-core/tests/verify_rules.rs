//! One test per verification rule, in sanctum's order, against the test kit over loopback HTTP.
#![allow(missing_docs)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sanctum_core::ManualClock;
use sanctum_core::revocation::{Liveness, OnlineCheck, WhenUnreachable};
use sanctum_core::testing::{JwksMode, TestIssuer};
use sanctum_core::{
    AccessError, ConfigError, ExpectedUse, Refusal, Requirement, TimeClaim, TokenUse, UserPool,
    Verifier, VerifyError,
};
use tokio::sync::{Barrier, Notify, Semaphore};

async fn setup() -> (TestIssuer, Verifier) {
    let issuer = TestIssuer::start().await.expect("issuer starts");
    let verifier = issuer.verifier();
    (issuer, verifier)
}

async fn reject(verifier: &Verifier, token: &str) -> VerifyError {
    verifier
        .verify_access(token)
        .await
        .expect_err("token must be rejected")
}

#[tokio::test]
async fn a_valid_access_token_is_accepted_with_every_claim_read() {
    let (issuer, verifier) = setup().await;
    let token = issuer
        .access_token()
        .username("alice")
        .sub("sub-123")
        .groups(["admin", "ops"])
        .scopes(["orders/read", "orders/write"])
        .claim("device_key", "dk")
        .build();
    let claims = verifier.verify_access(&token).await.expect("valid");
    assert_eq!(claims.sub(), "sub-123");
    assert_eq!(claims.username(), Some("alice"));
    assert_eq!(claims.groups().collect::<Vec<_>>(), ["admin", "ops"]);
    assert_eq!(
        claims.scopes().collect::<Vec<_>>(),
        ["orders/read", "orders/write"]
    );
    assert_eq!(claims.token_use(), TokenUse::Access);
    assert_eq!(claims.client_id(), issuer.client_id());
    assert_eq!(claims.iss(), issuer.issuer());
    assert!(claims.exp() > claims.iat().expect("iat"));
    assert!(claims.auth_time().is_some());
    assert!(claims.jti().is_some() && claims.origin_jti().is_some() && claims.event_id().is_some());
    assert_eq!(
        claims.claim("device_key").and_then(|v| v.as_str()),
        Some("dk")
    );
}

#[tokio::test]
async fn a_valid_id_token_is_accepted_with_attributes() {
    let (issuer, verifier) = setup().await;
    let token = issuer
        .id_token()
        .username("bob")
        .claim("custom:tenant", "acme")
        .claim("email_verified", "false")
        .build();
    let claims = verifier.verify_id(&token).await.expect("valid");
    assert_eq!(claims.token_use(), TokenUse::Id);
    assert_eq!(claims.username(), Some("bob"));
    assert_eq!(claims.client_id(), issuer.client_id());
    assert_eq!(claims.email(), Some("alice@example.com"));
    assert_eq!(claims.email_verified(), Some(false));
    assert_eq!(claims.custom_attribute("tenant"), Some("acme"));
}

// 1. size
#[tokio::test]
async fn an_oversized_token_is_refused_before_decoding() {
    let (issuer, verifier) = setup().await;
    let token = issuer.access_token().padded_to(9 * 1024).build();
    assert!(matches!(
        reject(&verifier, &token).await,
        VerifyError::TooLarge { max: 8192, .. }
    ));
    // not even decoded: garbage of the same size gets the same answer, and no key was fetched
    let garbage = "!".repeat(9000);
    assert!(matches!(
        reject(&verifier, &garbage).await,
        VerifyError::TooLarge { .. }
    ));
    assert_eq!(issuer.jwks_requests(), 0);
    // the limit is configurable
    let small = issuer
        .verifier_builder()
        .max_token_size(100)
        .build()
        .expect("builds");
    let normal = issuer.access_token().build();
    assert!(matches!(
        reject(&small, &normal).await,
        VerifyError::TooLarge { max: 100, .. }
    ));
}

// 2. structure
#[tokio::test]
async fn structurally_broken_tokens_are_malformed() {
    let (issuer, verifier) = setup().await;
    let valid = issuer.access_token().build();
    let parts: Vec<&str> = valid.split('.').collect();
    let header_not_json = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode("not json"),
        parts[1],
        parts[2]
    );
    let payload_not_json = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode("[1,2"),
        parts[2]
    );
    let cases = [
        ("garbage", "garbage".to_owned()),
        ("empty", String::new()),
        ("two segments", format!("{}.{}", parts[0], parts[1])),
        ("four segments", format!("{valid}.{}", parts[2])),
        (
            "bad base64",
            format!("{}!.{}.{}", parts[0], parts[1], parts[2]),
        ),
        (
            "padded base64",
            format!("{}==.{}.{}", parts[0], parts[1], parts[2]),
        ),
        ("header not JSON", header_not_json),
        ("payload not JSON", payload_not_json),
        (
            "bad signature base64",
            format!("{}.{}.***", parts[0], parts[1]),
        ),
    ];
    for (name, token) in cases {
        let err = reject(&verifier, &token).await;
        assert!(
            matches!(err, VerifyError::Malformed { .. }),
            "{name}: {err:?}"
        );
        assert_eq!(Refusal::from(err).status(), http::StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        issuer.jwks_requests(),
        0,
        "malformed tokens never fetch keys"
    );
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (issuer, verifier) = setup().await;
    let token = issuer.access_token().unsigned().build();
    assert!(
        matches!(reject(&verifier, &token).await, VerifyError::UnsupportedAlgorithm { alg } if alg == "none")
    );
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let (issuer, verifier) = setup().await;
    let token = issuer
        .access_token()
        .signed_hs256(issuer.public_key_pem())
        .build();
    assert!(
        matches!(reject(&verifier, &token).await, VerifyError::UnsupportedAlgorithm { alg } if alg == "HS256")
    );
    let jwks_as_secret = issuer
        .access_token()
        .signed_hs256(issuer.jwks_json())
        .build();
    assert!(matches!(
        reject(&verifier, &jwks_as_secret).await,
        VerifyError::UnsupportedAlgorithm { .. }
    ));
}

#[tokio::test]
async fn rs512_is_refused() {
    let (issuer, verifier) = setup().await;
    let token = issuer.access_token().alg("RS512").build();
    assert!(
        matches!(reject(&verifier, &token).await, VerifyError::UnsupportedAlgorithm { alg } if alg == "RS512")
    );
}

#[tokio::test]
async fn a_token_without_kid_is_refused() {
    let (issuer, verifier) = setup().await;
    let token = issuer.access_token().without_header("kid").build();
    assert!(matches!(
        reject(&verifier, &token).await,
        VerifyError::MissingKid
    ));
}

// 3. key
#[tokio::test]
async fn an_unknown_kid_is_refused() {
    let (issuer, verifier) = setup().await;
    let token = issuer.access_token().kid("no-such-key").build();
    assert!(
        matches!(reject(&verifier, &token).await, VerifyError::UnknownKey { kid } if kid == "no-such-key")
    );
}

#[tokio::test]
async fn a_key_whose_own_alg_differs_is_refused() {
    let (issuer, _) = setup().await;
    let jwks = issuer.jwks_json().replace("\"RS256\"", "\"RS512\"");
    let verifier = Verifier::builder()
        .pool(issuer.user_pool().with_jwks_document(jwks))
        .build()
        .expect("builds");
    let token = issuer.access_token().build();
    assert!(
        matches!(reject(&verifier, &token).await, VerifyError::AlgorithmMismatch { key_alg, .. } if key_alg == "RS512")
    );
}

// 4. signature
#[tokio::test]
async fn a_signature_by_another_key_is_refused() {
    let (issuer, verifier) = setup().await;
    let token = issuer.access_token().signed_with_unpublished_key().build();
    assert!(matches!(
        reject(&verifier, &token).await,
        VerifyError::InvalidSignature
    ));
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let (issuer, verifier) = setup().await;
    let user = issuer.access_token().build();
    let admin = issuer.access_token().groups(["admin"]).build();
    let u: Vec<&str> = user.split('.').collect();
    let a: Vec<&str> = admin.split('.').collect();
    let spliced = format!("{}.{}.{}", u[0], a[1], u[2]);
    assert!(matches!(
        reject(&verifier, &spliced).await,
        VerifyError::InvalidSignature
    ));
    let truncated = format!("{}.{}.{}", u[0], u[1], &u[2][..u[2].len() - 4]);
    // a shorter signature either stops being canonical base64url or fails RSA
    assert!(matches!(
        reject(&verifier, &truncated).await,
        VerifyError::InvalidSignature | VerifyError::Malformed { .. }
    ));
    // Longer than any accepted key's signature (8192 bits): refused as a signature, not as
    // malformed, and only after the key (check 3) was found.
    let sig = URL_SAFE_NO_PAD.decode(u[2]).unwrap();
    for extra in [1, 1024 - sig.len(), 1025 - sig.len(), 4096] {
        let long = URL_SAFE_NO_PAD.encode([sig.as_slice(), &vec![0u8; extra]].concat());
        let t = format!("{}.{}.{long}", u[0], u[1]);
        assert!(
            matches!(reject(&verifier, &t).await, VerifyError::InvalidSignature),
            "signature of {} bytes",
            sig.len() + extra
        );
    }
    let empty_sig = format!("{}.{}.", u[0], u[1]);
    assert!(matches!(
        reject(&verifier, &empty_sig).await,
        VerifyError::InvalidSignature
    ));
}

// 5. issuer
#[tokio::test]
async fn a_wrong_issuer_is_refused() {
    let (issuer, verifier) = setup().await;
    for iss in [
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other",
        &format!("{}/", issuer.issuer()),
        &issuer.issuer().to_uppercase(),
    ] {
        let token = issuer.access_token().issuer(iss).build();
        assert!(
            matches!(
                reject(&verifier, &token).await,
                VerifyError::IssuerMismatch { .. }
            ),
            "{iss}"
        );
    }
}

#[tokio::test]
async fn both_issuer_forms_are_accepted_and_near_misses_are_not() {
    // the default verifier: the verified-token cache is on
    let (issuer, verifier) = setup().await;
    let updated = issuer
        .access_token()
        .username("uma")
        .issuer(&issuer.updated_issuer())
        .build();
    for _ in 0..2 {
        let claims = verifier
            .verify_access(&updated)
            .await
            .expect("UPDATED form");
        assert_eq!(claims.iss(), issuer.updated_issuer());
    }
    let pool = issuer.pool_id();
    for iss in [
        format!("https://issuer-cognito-idp.us-west-2.amazonaws.com/{pool}"),
        format!("https://cognito-idp.us-west-2.amazonaws.com/{pool}"),
        "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_Other".to_owned(),
        format!("{}/", issuer.updated_issuer()),
        issuer.updated_issuer().replace("https://", "http://"),
        issuer.issuer().replace("https://", "http://"),
        format!("https://issuer-cognito-idp.amazonaws.com/{pool}"),
    ] {
        let token = issuer.access_token().issuer(&iss).build();
        assert!(
            matches!(
                reject(&verifier, &token).await,
                VerifyError::IssuerMismatch { .. }
            ),
            "{iss}"
        );
    }
}

#[tokio::test]
async fn replica_regions_and_extra_issuers_are_accepted_only_when_configured() {
    let (issuer, plain) = setup().await;
    let replica = issuer
        .access_token()
        .issuer(&issuer.replica_issuer("eu-west-1"))
        .build();
    assert!(matches!(
        reject(&plain, &replica).await,
        VerifyError::IssuerMismatch { .. }
    ));
    let extra = "https://auth.example.com/pool";
    let verifier = Verifier::builder()
        .pool(
            issuer
                .user_pool()
                .replica_regions(["eu-west-1"])
                .extra_issuer(extra),
        )
        .build()
        .expect("builds");
    verifier.verify_access(&replica).await.expect("replica");
    verifier
        .verify_access(&issuer.access_token().issuer(extra).build())
        .await
        .expect("extra issuer");
    // the override replaces both forms (and the replicas)
    let overridden = Verifier::builder()
        .pool(issuer.user_pool().with_issuer(extra))
        .build()
        .expect("builds");
    assert!(matches!(
        reject(&overridden, &issuer.access_token().build()).await,
        VerifyError::IssuerMismatch { .. }
    ));
    assert!(matches!(
        reject(&overridden, &replica).await,
        VerifyError::IssuerMismatch { .. }
    ));
}

// 6. times
#[tokio::test]
async fn an_expired_token_is_refused_and_leeway_is_honoured() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier_builder().build().expect("builds");
    let token = issuer.access_token().expires_in_secs(30).build();
    verifier.verify_access(&token).await.expect("valid now");
    clock.advance(Duration::from_secs(31));
    assert!(matches!(
        reject(&verifier, &token).await,
        VerifyError::Expired { .. }
    ));
    let lenient = issuer
        .verifier_builder()
        .leeway(Duration::from_secs(60))
        .build()
        .expect("builds");
    lenient.verify_access(&token).await.expect("within leeway");
    clock.advance(Duration::from_secs(60));
    assert!(matches!(
        reject(&lenient, &token).await,
        VerifyError::Expired { .. }
    ));
}

#[tokio::test]
async fn nbf_and_iat_in_the_future_are_refused() {
    let (issuer, verifier) = setup().await;
    let nbf = issuer.access_token().not_before_in_secs(300).build();
    assert!(matches!(
        reject(&verifier, &nbf).await,
        VerifyError::NotYetValid {
            claim: TimeClaim::NotBefore,
            ..
        }
    ));
    let iat = issuer.access_token().issued_in_secs(300).build();
    assert!(matches!(
        reject(&verifier, &iat).await,
        VerifyError::NotYetValid {
            claim: TimeClaim::IssuedAt,
            ..
        }
    ));
    let lenient = issuer
        .verifier_builder()
        .leeway(Duration::from_secs(600))
        .build()
        .expect("builds");
    lenient.verify_access(&iat).await.expect("within leeway");
}

#[tokio::test]
async fn time_claims_of_the_wrong_type_are_refused() {
    let (issuer, verifier) = setup().await;
    let token = issuer.access_token().claim("exp", "9999999999").build();
    assert!(matches!(
        reject(&verifier, &token).await,
        VerifyError::InvalidClaim { claim: "exp", .. }
    ));
    let token = issuer.access_token().without_claim("exp").build();
    assert!(matches!(
        reject(&verifier, &token).await,
        VerifyError::MissingClaim { claim: "exp" }
    ));
    let token = issuer
        .access_token()
        .claim("cognito:groups", "admin")
        .build();
    assert!(matches!(
        reject(&verifier, &token).await,
        VerifyError::InvalidClaim {
            claim: "cognito:groups",
            ..
        }
    ));
}

// 7. token_use
#[tokio::test]
async fn token_use_must_be_the_one_asked_for() {
    let (issuer, verifier) = setup().await;
    let id = issuer.id_token().build();
    let access = issuer.access_token().build();
    assert!(matches!(
        reject(&verifier, &id).await,
        VerifyError::WrongTokenUse { .. }
    ));
    assert!(matches!(
        verifier.verify_id(&access).await,
        Err(VerifyError::WrongTokenUse {
            expected: ExpectedUse::Id,
            ..
        })
    ));
    verifier
        .verify(&id, ExpectedUse::Either)
        .await
        .expect("either accepts id");
    verifier
        .verify(&access, ExpectedUse::Either)
        .await
        .expect("either accepts access");
    let odd = issuer.access_token().claim("token_use", "refresh").build();
    assert!(matches!(
        verifier.verify(&odd, ExpectedUse::Either).await,
        Err(VerifyError::WrongTokenUse { .. })
    ));
}

// 8. client
#[tokio::test]
async fn the_client_must_be_configured() {
    let (issuer, verifier) = setup().await;
    let access = issuer.access_token().client_id("otherclient").build();
    assert!(
        matches!(reject(&verifier, &access).await, VerifyError::ClientMismatch { client_id } if client_id == "otherclient")
    );
    let id = issuer.id_token().client_id("otherclient").build();
    assert!(matches!(
        verifier.verify_id(&id).await,
        Err(VerifyError::ClientMismatch { .. })
    ));

    let several = Verifier::builder()
        .pool(issuer.user_pool().client_id("otherclient"))
        .build()
        .expect("builds");
    several
        .verify_access(&access)
        .await
        .expect("second client accepted");

    let any = Verifier::builder()
        .pool(
            UserPool::new(issuer.pool_id())
                .with_jwks_url(issuer.jwks_url())
                .accept_any_client(),
        )
        .build()
        .expect("builds");
    any.verify_access(&access)
        .await
        .expect("any client accepted when asked for explicitly");
}

#[tokio::test]
async fn a_pool_without_client_ids_needs_the_named_option() {
    let err = Verifier::builder()
        .pool(UserPool::new("us-east-1_AbC"))
        .build()
        .expect_err("must not build");
    assert!(matches!(err, ConfigError::NoClientIds { .. }));
    assert!(err.to_string().contains("accept_any_client"));
    assert!(matches!(
        Verifier::builder().build().expect_err("no pool"),
        ConfigError::NoPools
    ));
    let err = Verifier::builder()
        .pool(
            UserPool::new("us-east-1_AbC")
                .with_region("useast1")
                .client_id("c"),
        )
        .build()
        .expect_err("bad region");
    assert!(err.to_string().contains("useast1"));
}

// 9. requirements
#[tokio::test]
async fn requirements_are_checked_last_and_answer_forbidden() {
    let (issuer, verifier) = setup().await;
    let user = issuer.access_token().groups(["ops"]).build();
    let admin = issuer.access_token().groups(["admin"]).build();
    let rule = Requirement::group("admin");
    let err = verifier
        .verify_with(&user, ExpectedUse::Access, &rule)
        .await
        .expect_err("forbidden");
    assert!(matches!(err, AccessError::Denied(_)));
    assert_eq!(Refusal::from(err).status(), http::StatusCode::FORBIDDEN);
    verifier
        .verify_with(&admin, ExpectedUse::Access, &rule)
        .await
        .expect("admin passes");
    // an expired admin token is unauthenticated, not forbidden
    let expired = issuer
        .access_token()
        .groups(["ops"])
        .expires_in_secs(-10)
        .build();
    let err = verifier
        .verify_with(&expired, ExpectedUse::Access, &rule)
        .await
        .expect_err("expired");
    assert!(matches!(
        err,
        AccessError::Invalid(VerifyError::Expired { .. })
    ));
}

#[tokio::test]
async fn checks_run_in_the_documented_order() {
    let (issuer, verifier) = setup().await;
    // bad signature beats every claim problem
    let t = issuer
        .access_token()
        .expires_in_secs(-10)
        .client_id("other")
        .signed_with_unpublished_key()
        .build();
    assert!(matches!(
        reject(&verifier, &t).await,
        VerifyError::InvalidSignature
    ));
    // issuer (3) before key (4), signature (5) and time (6)
    let t = issuer
        .access_token()
        .issuer("https://elsewhere.example")
        .expires_in_secs(-10)
        .build();
    assert!(matches!(
        reject(&verifier, &t).await,
        VerifyError::IssuerMismatch { .. }
    ));
    let t = issuer
        .access_token()
        .issuer("https://elsewhere.example")
        .kid("unknown")
        .signed_with_unpublished_key()
        .build();
    assert!(matches!(
        reject(&verifier, &t).await,
        VerifyError::IssuerMismatch { .. }
    ));
    // time (6) before token_use (7) before client (8)
    let t = issuer
        .id_token()
        .expires_in_secs(-10)
        .client_id("other")
        .build();
    assert!(matches!(
        reject(&verifier, &t).await,
        VerifyError::Expired { .. }
    ));
    let t = issuer.id_token().client_id("other").build();
    assert!(matches!(
        reject(&verifier, &t).await,
        VerifyError::WrongTokenUse { .. }
    ));
    // alg (2) before kid (2) before key (3)
    let t = issuer
        .access_token()
        .alg("HS256")
        .without_header("kid")
        .build();
    assert!(matches!(
        reject(&verifier, &t).await,
        VerifyError::UnsupportedAlgorithm { .. }
    ));
}

#[tokio::test]
async fn several_pools_are_told_apart_by_iss() {
    let first = TestIssuer::start().await.expect("starts");
    let second = TestIssuer::builder()
        .region("eu-west-1")
        .pool_id("eu-west-1_Second")
        .client_id("secondclient")
        .start()
        .await
        .expect("starts");
    let verifier = Verifier::builder()
        .pool(first.user_pool())
        .pool(second.user_pool())
        .build()
        .expect("builds");
    let a = verifier
        .verify_access(&first.access_token().build())
        .await
        .expect("first pool");
    let b = verifier
        .verify_access(&second.access_token().build())
        .await
        .expect("second pool");
    assert_eq!(a.iss(), first.issuer());
    assert_eq!(b.iss(), second.issuer());
    // a token of the second pool's client presented as the first pool's is refused
    let crossed = first.access_token().client_id("secondclient").build();
    assert!(matches!(
        reject(&verifier, &crossed).await,
        VerifyError::ClientMismatch { .. }
    ));
    let stranger = first
        .access_token()
        .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Nobody")
        .build();
    assert!(matches!(
        reject(&verifier, &stranger).await,
        VerifyError::IssuerMismatch { .. }
    ));
    assert_eq!((first.jwks_requests(), second.jwks_requests()), (1, 1));
}

#[tokio::test]
async fn a_fixed_jwks_document_verifies_offline() {
    let (issuer, _) = setup().await;
    let jwks = issuer.jwks_json();
    issuer.set_jwks_mode(JwksMode::Fail);
    let verifier = Verifier::builder()
        .pool(issuer.user_pool().with_jwks_document(jwks))
        .build()
        .expect("builds");
    verifier.prefetch().await.expect("nothing to fetch");
    verifier
        .verify_access(&issuer.access_token().build())
        .await
        .expect("valid");
    assert!(matches!(
        reject(&verifier, &issuer.access_token().kid("other").build()).await,
        VerifyError::UnknownKey { .. }
    ));
    assert_eq!(
        issuer.jwks_requests(),
        0,
        "a fixed document is never fetched"
    );
    let bad = Verifier::builder()
        .pool(issuer.user_pool().with_jwks_document("{\"keys\": []}"))
        .build();
    assert!(matches!(bad, Err(ConfigError::InvalidJwks { .. })));
}

#[tokio::test]
async fn errors_never_contain_the_token() {
    let (issuer, verifier) = setup().await;
    let tokens = [
        issuer.access_token().expires_in_secs(-5).build(),
        issuer.access_token().signed_with_unpublished_key().build(),
        issuer.access_token().alg("HS256").build(),
    ];
    for token in tokens {
        let err = reject(&verifier, &token).await;
        let texts = [
            err.to_string(),
            format!("{err:?}"),
            Refusal::from(err.clone()).description().to_owned(),
        ];
        for text in texts {
            for part in token.split('.') {
                assert!(!text.contains(part), "{text}");
            }
        }
    }
}

// ---- the online check: one question per token, a hold-off while the issuer is away ----

/// An online check whose checker counts its questions and answers `answer` at once.
fn counting_check(answer: Liveness) -> (OnlineCheck, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let check = OnlineCheck::new(move |_token: String| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move { answer }
    });
    (check, asked)
}

/// An online check whose checker counts its questions, signals each one on `arrived`, and
/// answers `answer` only once `gate` gets permits: a question held as long as a test needs.
struct HeldCheck {
    asked: Arc<AtomicUsize>,
    arrived: Arc<Notify>,
    gate: Arc<Semaphore>,
}

impl HeldCheck {
    fn new(answer: Liveness) -> (OnlineCheck, Self) {
        let held = Self {
            asked: Arc::new(AtomicUsize::new(0)),
            arrived: Arc::new(Notify::new()),
            gate: Arc::new(Semaphore::new(0)),
        };
        let (counter, arrived, gate) = (
            Arc::clone(&held.asked),
            Arc::clone(&held.arrived),
            Arc::clone(&held.gate),
        );
        let check = OnlineCheck::new(move |_token: String| {
            counter.fetch_add(1, Ordering::SeqCst);
            arrived.notify_one();
            let gate = Arc::clone(&gate);
            async move {
                let _open = gate.acquire().await;
                answer
            }
        });
        (check, held)
    }

    /// Waits (at most 30 s) for a question to reach the checker.
    async fn question_arrived(&self) {
        tokio::time::timeout(Duration::from_secs(30), self.arrived.notified())
            .await
            .expect("a question arrives");
    }

    /// Answers the held questions, and later ones at once.
    fn release(&self) {
        self.gate.add_permits(Semaphore::MAX_PERMITS / 2);
    }
}

/// A verifier of `issuer`'s pool on `clock` with `check`.
fn online_verifier(issuer: &TestIssuer, clock: &ManualClock, check: OnlineCheck) -> Verifier {
    issuer
        .verifier_builder()
        .clock(clock.clone())
        .online_check(check)
        .build()
        .expect("builds")
}

fn asked(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_that_arrive_together_with_a_new_token_share_one_online_question() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let (check, held) = HeldCheck::new(Liveness::Live);
    let counter = Arc::clone(&held.asked);
    let verifier = online_verifier(&issuer, &clock, check);
    verifier.prefetch().await.expect("keys"); // the requests go straight to the online check
    let token = issuer.access_token().build();
    // every request starts before the question is answered: the answer is held until all
    // fifty have started and the question reached the issuer
    let all_started = Arc::new(Barrier::new(51));
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), token.clone());
            let all_started = Arc::clone(&all_started);
            tokio::spawn(async move {
                all_started.wait().await;
                verifier.verify_access(&token).await.map(drop)
            })
        })
        .collect();
    all_started.wait().await;
    held.question_arrived().await;
    for _ in 0..1000 {
        tokio::task::yield_now().await; // let the other requests reach the online check
    }
    held.release();
    for call in calls {
        call.await.expect("task").expect("live");
    }
    assert_eq!(asked(&counter), 1, "one question for fifty requests");
    verifier.verify_access(&token).await.expect("kept");
    assert_eq!(asked(&counter), 1, "the answer is kept");
    let other = issuer.access_token().sub("another-user").build();
    verifier.verify_access(&other).await.expect("live");
    assert_eq!(asked(&counter), 2, "another token is its own question");
}

#[tokio::test]
async fn with_no_answer_kept_every_request_asks_the_issuer_again() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let (check, counter) = counting_check(Liveness::Live);
    let verifier = online_verifier(&issuer, &clock, check.cache_for(Duration::ZERO));
    let token = issuer.access_token().build();
    for _ in 0..3 {
        verifier.verify_access(&token).await.expect("live");
    }
    assert_eq!(asked(&counter), 3, "an answered question is not reused");
}

#[tokio::test]
async fn a_request_that_stops_waiting_for_the_online_answer_leaves_no_question_behind() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let (check, held) = HeldCheck::new(Liveness::Live);
    let counter = Arc::clone(&held.asked);
    let verifier = online_verifier(&issuer, &clock, check);
    let token = issuer.access_token().build();
    let waiting = tokio::spawn({
        let (verifier, token) = (verifier.clone(), token.clone());
        async move { verifier.verify_access(&token).await.map(drop) }
    });
    held.question_arrived().await;
    waiting.abort(); // the request stops waiting while its question is held
    assert!(waiting.await.expect_err("stopped").is_cancelled());
    assert_eq!(asked(&counter), 1);
    // nobody waits for the first question any more: the next request asks anew and is answered
    held.release();
    verifier.verify_access(&token).await.expect("live");
    assert_eq!(asked(&counter), 2);
}

#[tokio::test]
async fn after_an_unanswered_online_question_requests_get_the_decision_at_once_until_the_hold_off_ends()
 {
    let (issuer, clock) = common::issuer_with_clock().await;
    let (check, counter) = counting_check(Liveness::Unreachable);
    let refusing = online_verifier(
        &issuer,
        &clock,
        check.retry_unreachable_after(Duration::from_secs(2)),
    );
    let (alice, bob) = (
        issuer.access_token().sub("alice").build(),
        issuer.access_token().sub("bob").build(),
    );
    for token in [&alice, &alice, &bob] {
        let err = reject(&refusing, token).await;
        assert!(
            matches!(err, VerifyError::RevocationCheckUnavailable),
            "{err:?}"
        );
    }
    assert_eq!(asked(&counter), 1, "not asked again during the hold-off");
    clock.advance(Duration::from_secs(3));
    reject(&refusing, &bob).await;
    assert_eq!(asked(&counter), 2, "asked again after it");
    // the hold-off runs on the monotonic clock: a wall clock stepped back does not stretch it
    use sanctum_core::Clock as _;
    clock.set(clock.now() - Duration::from_secs(5));
    clock.advance(Duration::from_secs(3));
    reject(&refusing, &bob).await;
    assert_eq!(
        asked(&counter),
        3,
        "asked again after the hold-off, wall clock or not"
    );

    // allowing: accepted unconfirmed, and with no hold-off every request asks
    let (check, counter) = counting_check(Liveness::Unreachable);
    let allowing = online_verifier(
        &issuer,
        &clock,
        check
            .when_unreachable(WhenUnreachable::Allow)
            .retry_unreachable_after(Duration::ZERO),
    );
    for _ in 0..3 {
        allowing.verify_access(&alice).await.expect("allowed");
    }
    assert_eq!(asked(&counter), 3);
}

// ---- revocation (check 10) on a verified-token cache hit, offline ----

#[tokio::test]
async fn a_cached_token_is_refused_once_revoked_without_asking_anyone() {
    use sanctum_core::revocation::{InMemoryRevocations, Revocation, RevocationStore as _};
    let (issuer, clock) = common::issuer_with_clock().await;
    let store = Arc::new(InMemoryRevocations::new());
    let verifier = issuer
        .verifier_builder()
        .clock(clock.clone())
        .revocations(store.clone())
        .build()
        .expect("builds");
    let alice = issuer.access_token().sub("alice").build();
    let session = issuer
        .access_token()
        .sub("bob")
        .claim("origin_jti", "bobs-sign-in")
        .build();
    let other = issuer.access_token().sub("carol").build();
    for token in [&alice, &session, &other] {
        verifier.verify_access(token).await.expect("valid");
    }
    assert_eq!(verifier.cached_tokens(), 3, "all three verified and cached");
    let fetches = issuer.jwks_requests();

    // alice signs out everywhere; bob's sign-in (its refresh token) is revoked
    use sanctum_core::Clock as _;
    store.record(Revocation::signed_out_at("alice", clock.now()));
    store.record(Revocation::refresh_token_revoked("bobs-sign-in"));
    for token in [&alice, &session] {
        let err = verifier.verify_access(token).await.expect_err("revoked");
        assert!(matches!(err, VerifyError::Revoked), "{err:?}");
    }
    verifier
        .verify_access(&other)
        .await
        .expect("carol is not revoked");
    assert_eq!(verifier.cached_tokens(), 3, "answered from the cache");
    assert_eq!(issuer.jwks_requests(), fetches, "no fetch: a local lookup");

    // alice's next sign-in (a token issued after the sign-out's second) is accepted
    clock.advance(Duration::from_secs(2));
    let again = issuer.access_token().sub("alice").build();
    verifier
        .verify_access(&again)
        .await
        .expect("signed in again");
}

/// The verified-token cache keeps no timers: a token found expired on a hit is refused and
/// dropped, and the cache never holds more tokens than its capacity.
#[tokio::test]
async fn the_token_cache_drops_expired_tokens_and_keeps_to_its_capacity() {
    // one clock for the tokens' times and the verifier's checks: signing 500 tokens takes
    // seconds on a loaded machine
    let clock = ManualClock::starting_now();
    let issuer = TestIssuer::builder()
        .clock(clock.clone())
        .start()
        .await
        .expect("issuer starts");
    let verifier = issuer
        .verifier_builder()
        .clock(clock.clone())
        .cache_capacity(64)
        .build()
        .expect("builds");
    // 500 distinct tokens into a cache of 64
    for n in 0..500 {
        let token = issuer.access_token().sub(&format!("user-{n}")).build();
        verifier.verify_access(&token).await.expect("valid");
        assert!(verifier.cached_tokens() <= 64, "bounded at token {n}");
    }
    let token = issuer.access_token().sub("alice").build();
    verifier.verify_access(&token).await.expect("valid");
    verifier.verify_access(&token).await.expect("a cache hit");
    let cached = verifier.cached_tokens();
    assert!(cached > 0);

    clock.advance(Duration::from_secs(2 * 3600));
    let err = verifier.verify_access(&token).await.expect_err("expired");
    assert!(matches!(err, VerifyError::Expired { .. }), "{err:?}");
    assert_eq!(
        verifier.cached_tokens(),
        cached - 1,
        "the expired token left the cache"
    );
    let err = verifier
        .verify_access(&token)
        .await
        .expect_err("still expired");
    assert!(matches!(err, VerifyError::Expired { .. }), "{err:?}");
}
