//! Revocations recorded by `SanctumClient` (global sign-out, disable, delete) and the online
//! check (`GetUser`), against moto's Cognito server: a token the verifier accepted (and cached)
//! before is refused after, a token issued after is accepted, other users are unaffected.
//!
//! moto stamps `iat` with its own wall clock in whole seconds, and a token issued in the
//! second of a sign-out is refused (the rule of `sanctum_core::cognito`'s revocation docs):
//! to get a token "issued after", [`sign_in_after`] signs in again and, while the new token's
//! `iat` is still that second, checks it is refused and waits for moto's clock to pass the
//! second (at most one second, three times) — the one time this file waits for a clock it
//! cannot inject.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use cognito_support::{PASSWORD, confirmed_user, moto_pool, unique};
use sanctum_core::cognito::SanctumClient;
use sanctum_core::revocation::{InMemoryRevocations, OnlineCheck, Revocation, WhenUnreachable};
use sanctum_core::testing::moto::{MotoPool, MotoPoolOptions};
use sanctum_core::{ManualClock, UserPool, Verifier, VerifyError};

/// The application's verifier for a moto pool (cache on, the default), with `store`.
fn verifier(pool: &MotoPool, store: Arc<InMemoryRevocations>) -> Verifier {
    Verifier::builder()
        .pool(pool_config(pool))
        .revocations(store)
        .build()
        .expect("verifier builds")
}

fn pool_config(pool: &MotoPool) -> UserPool {
    UserPool::new(&pool.pool_id)
        .client_id(&pool.client_id)
        .with_jwks_url(&pool.jwks_url)
}

/// A client of `pool` recording in `store`.
async fn recording_client(pool: &MotoPool, store: Arc<InMemoryRevocations>) -> SanctumClient {
    pool.client_builder()
        .revocations(store)
        .build()
        .await
        .expect("client builds")
}

async fn sign_in(client: &SanctumClient, user: &str) -> String {
    client
        .authenticate_user(user, PASSWORD)
        .await
        .expect("signs in")
        .into_tokens()
        .expect("tokens")
        .access_token
}

/// A claim of a token, read without verifying it (the test inspects what moto issued).
fn claim(token: &str, name: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("three segments");
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice::<serde_json::Value>(&json).expect("JSON")[name].clone()
}

fn iat(token: &str) -> u64 {
    claim(token, "iat").as_u64().expect("iat")
}

/// The `before` of the subject revocation the store holds for `sub`.
fn revoked_before(store: &InMemoryRevocations, sub: &str) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    store
        .snapshot(now)
        .into_iter()
        .find_map(|r| match r {
            Revocation::Subject { sub: s, before } if s == sub => Some(before),
            _ => None,
        })
        .expect("a revocation for the user was recorded")
}

/// Signs `user` in until moto issues a token with `iat >= before`; every earlier one (issued
/// in the second of the sign-out) must be refused. See the file's docs for why this waits.
async fn sign_in_after(
    client: &SanctumClient,
    verifier: &Verifier,
    user: &str,
    before: u64,
) -> String {
    for _ in 0..3 {
        let token = sign_in(client, user).await;
        if iat(&token) >= before {
            return token;
        }
        let err = verifier.verify_access(&token).await.unwrap_err();
        assert!(
            matches!(err, VerifyError::Revoked),
            "a token issued in the second of the sign-out is refused: {err:?}"
        );
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let to_next_second = Duration::from_secs(1)
            .saturating_sub(Duration::from_nanos(u64::from(since_epoch.subsec_nanos())));
        tokio::time::sleep(to_next_second + Duration::from_millis(20)).await;
    }
    panic!("moto kept issuing tokens in the second of the sign-out");
}

async fn sub_of(client: &SanctumClient, user: &str) -> String {
    client
        .users()
        .get(user)
        .await
        .expect("user")
        .sub
        .expect("sub")
}

#[tokio::test]
async fn admin_global_sign_out_refuses_the_cached_token_and_accepts_a_later_one() {
    let (_moto, pool, _) = moto_pool(MotoPoolOptions::new()).await;
    let store = Arc::new(InMemoryRevocations::new());
    let client = recording_client(&pool, store.clone()).await;
    let verifier = verifier(&pool, store.clone());
    let (alice, bob) = (unique("alice"), unique("bob"));
    confirmed_user(&client, &alice).await;
    confirmed_user(&client, &bob).await;
    let alice_token = sign_in(&client, &alice).await;
    let bob_token = sign_in(&client, &bob).await;
    verifier
        .verify_access(&alice_token)
        .await
        .expect("accepted");
    verifier.verify_access(&bob_token).await.expect("accepted");
    assert!(verifier.cached_tokens() >= 1, "the token is cached");

    client
        .users()
        .global_sign_out(&alice)
        .await
        .expect("signed out");

    let err = verifier.verify_access(&alice_token).await.unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "{err:?}");
    verifier
        .verify_access(&bob_token)
        .await
        .expect("another user is unaffected");
    let before = revoked_before(&store, &sub_of(&client, &alice).await);
    let later = sign_in_after(&client, &verifier, &alice, before).await;
    let claims = verifier
        .verify_access(&later)
        .await
        .expect("a token issued after the sign-out is accepted");
    assert_eq!(claims.username(), Some(alice.as_str()));
}

#[tokio::test]
async fn the_users_own_global_sign_out_is_recorded_by_the_tokens_sub() {
    let (_moto, pool, _) = moto_pool(MotoPoolOptions::new()).await;
    let store = Arc::new(InMemoryRevocations::new());
    let client = recording_client(&pool, store.clone()).await;
    let verifier = verifier(&pool, store.clone());
    let alice = unique("alice");
    confirmed_user(&client, &alice).await;
    let token = sign_in(&client, &alice).await;
    let other_session = sign_in(&client, &alice).await;
    verifier
        .verify_access(&other_session)
        .await
        .expect("accepted");

    client
        .auth()
        .global_sign_out(&token)
        .await
        .expect("signed out");

    for t in [&token, &other_session] {
        let err = verifier.verify_access(t).await.unwrap_err();
        assert!(matches!(err, VerifyError::Revoked), "{err:?}");
    }
    let sub = claim(&token, "sub").as_str().expect("sub").to_owned();
    let before = revoked_before(&store, &sub);
    let later = sign_in_after(&client, &verifier, &alice, before).await;
    verifier.verify_access(&later).await.expect("accepted");
}

#[tokio::test]
async fn disable_and_delete_refuse_the_users_cached_tokens() {
    let (_moto, pool, _) = moto_pool(MotoPoolOptions::new()).await;
    let store = Arc::new(InMemoryRevocations::new());
    let client = recording_client(&pool, store.clone()).await;
    let verifier = verifier(&pool, store.clone());
    let (dora, dean, bob) = (unique("dora"), unique("dean"), unique("bob"));
    for user in [&dora, &dean, &bob] {
        confirmed_user(&client, user).await;
    }
    let dora_token = sign_in(&client, &dora).await;
    let dean_token = sign_in(&client, &dean).await;
    let bob_token = sign_in(&client, &bob).await;
    for t in [&dora_token, &dean_token, &bob_token] {
        verifier.verify_access(t).await.expect("accepted");
    }

    client.users().disable(&dora).await.expect("disabled");
    let err = verifier.verify_access(&dora_token).await.unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "disabled: {err:?}");

    client.delete_user(&dean).await.expect("deleted");
    let err = verifier.verify_access(&dean_token).await.unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "deleted: {err:?}");

    verifier
        .verify_access(&bob_token)
        .await
        .expect("another user is unaffected");
    assert_eq!(store.len(), 2);

    // enabled again, dora's new sign-in is accepted
    let before = revoked_before(&store, &sub_of(&client, &dora).await);
    client.users().enable(&dora).await.expect("enabled");
    let later = sign_in_after(&client, &verifier, &dora, before).await;
    verifier.verify_access(&later).await.expect("accepted");
}

#[tokio::test]
async fn without_a_store_nothing_is_recorded_and_an_unknown_user_fails_before_any_change() {
    let (_moto, pool, client) = moto_pool(MotoPoolOptions::new()).await;
    assert!(client.revocation_store().is_none());
    assert!(!client.record_sign_out("some-sub"));
    let alice = unique("alice");
    confirmed_user(&client, &alice).await;
    client
        .users()
        .global_sign_out(&alice)
        .await
        .expect("signed out");

    let store = Arc::new(InMemoryRevocations::new());
    let recording = recording_client(&pool, store.clone()).await;
    let err = recording
        .users()
        .global_sign_out(&unique("nobody"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, sanctum_core::CognitoError::UserNotFound(_)),
        "{err:?}"
    );
    assert!(store.is_empty(), "nothing recorded for a failed operation");
    assert!(
        recording.record_sign_out("some-sub"),
        "the app records one itself"
    );
    assert_eq!(store.len(), 1);
}

/// A verifier confirming tokens online through `checker` on `clock`.
fn online_verifier(pool: &MotoPool, check: OnlineCheck, clock: &ManualClock) -> Verifier {
    Verifier::builder()
        .pool(pool_config(pool))
        .clock(clock.clone())
        .online_check(check)
        .build()
        .expect("verifier builds")
}

#[tokio::test]
async fn the_online_check_refuses_a_token_cognito_signed_out_once_its_answer_expires() {
    let (_moto, pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let (alice, bob) = (unique("alice"), unique("bob"));
    confirmed_user(&client, &alice).await;
    confirmed_user(&client, &bob).await;
    let alice_token = sign_in(&client, &alice).await;
    let bob_token = sign_in(&client, &bob).await;
    // the manual clock starts after moto issued the tokens (their iat is not in its future)
    let clock = ManualClock::starting_now();
    let verifier = online_verifier(
        &pool,
        OnlineCheck::new(client.clone()).cache_for(Duration::from_secs(30)),
        &clock,
    );
    verifier.verify_access(&alice_token).await.expect("live");
    verifier.verify_access(&bob_token).await.expect("live");
    assert!(
        sanctum_core::adapter::verify_now(
            &verifier,
            &alice_token,
            sanctum_core::ExpectedUse::Access
        )
        .is_some_and(|r| r.is_ok()),
        "the live answer is kept: no waiting"
    );

    // signed out at Cognito only (this client records nothing): GetUser refuses the token
    client
        .users()
        .global_sign_out(&alice)
        .await
        .expect("signed out");
    assert!(client.users().get_own(&alice_token).await.is_err());
    verifier
        .verify_access(&alice_token)
        .await
        .expect("the kept answer is used until it expires");

    clock.advance(Duration::from_secs(31));
    assert!(
        sanctum_core::adapter::verify_now(
            &verifier,
            &alice_token,
            sanctum_core::ExpectedUse::Access
        )
        .is_none(),
        "an expired answer sends the request down the waiting path"
    );
    let err = verifier.verify_access(&alice_token).await.unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "{err:?}");
    let kept = sanctum_core::adapter::verify_now(
        &verifier,
        &alice_token,
        sanctum_core::ExpectedUse::Access,
    );
    assert!(
        matches!(kept, Some(Err(VerifyError::Revoked))),
        "the revoked answer is kept: {kept:?}"
    );
    verifier
        .verify_access(&bob_token)
        .await
        .expect("another user is still live");
}

#[tokio::test]
async fn the_online_check_when_cognito_is_unreachable_refuses_or_allows_as_configured() {
    let (_moto, pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let alice = unique("alice");
    confirmed_user(&client, &alice).await;
    let token = sign_in(&client, &alice).await;
    // a client of the same pool whose endpoint is a closed loopback port
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let unreachable = pool
        .client_builder()
        .endpoint_url(format!("http://{closed}"))
        .timeout(Duration::from_secs(3))
        .build()
        .await
        .expect("client builds");
    let clock = ManualClock::starting_now();

    let refusing = online_verifier(
        &pool,
        OnlineCheck::new(unreachable.clone()).when_unreachable(WhenUnreachable::Refuse),
        &clock,
    );
    let err = refusing.verify_access(&token).await.unwrap_err();
    assert!(
        matches!(err, VerifyError::RevocationCheckUnavailable),
        "{err:?}"
    );
    assert_eq!(
        sanctum_core::Refusal::from(err).status(),
        http::StatusCode::SERVICE_UNAVAILABLE
    );

    let allowing = online_verifier(
        &pool,
        OnlineCheck::new(unreachable).when_unreachable(WhenUnreachable::Allow),
        &clock,
    );
    allowing
        .verify_access(&token)
        .await
        .expect("allowed on the local checks");
    assert!(
        sanctum_core::adapter::verify_now(&allowing, &token, sanctum_core::ExpectedUse::Access)
            .is_none(),
        "an allowed unconfirmed token is not kept as live"
    );
}

/// RevokeToken is not in moto, and fakecloud's tokens carry no `origin_jti`: this test signs in
/// at moto (whose tokens carry it) and sends `RevokeToken` to the recording stub, checking the
/// exact request; what the verifier does with the recorded `origin_jti` is real.
#[tokio::test]
async fn revoke_session_sends_revoke_token_and_records_the_sessions_origin_jti_request_shape_on_stub()
 {
    let (_moto, pool, moto_client) = moto_pool(MotoPoolOptions::new()).await;
    let stub = cognito_support::Stub::start(|_, _| (200, serde_json::json!({}))).await;
    let store = Arc::new(InMemoryRevocations::new());
    let client = pool
        .client_builder()
        .endpoint_url(&stub.endpoint)
        .revocations(store.clone())
        .build()
        .await
        .expect("client builds");
    let verifier = verifier(&pool, store.clone());
    let alice = unique("alice");
    confirmed_user(&moto_client, &alice).await;
    let session = moto_client
        .authenticate_user(&alice, PASSWORD)
        .await
        .expect("signs in")
        .into_tokens()
        .expect("tokens");
    let other_session = sign_in(&moto_client, &alice).await;
    let id_token = session.id_token.clone().expect("an ID token");
    verifier
        .verify_access(&session.access_token)
        .await
        .expect("accepted");
    assert!(claim(&session.access_token, "origin_jti").is_string());

    client.revoke_tokens(&session).await.expect("revoked");

    let requests = stub.recorded();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].operation, "RevokeToken");
    assert_eq!(
        requests[0].body["Token"].as_str(),
        session.refresh_token.as_deref()
    );
    assert_eq!(requests[0].body["ClientId"], pool.client_id.as_str());
    let err = verifier
        .verify_access(&session.access_token)
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "access: {err:?}");
    if claim(&id_token, "origin_jti").is_string() {
        let err = verifier.verify_id(&id_token).await.unwrap_err();
        assert!(matches!(err, VerifyError::Revoked), "id: {err:?}");
    }
    verifier
        .verify_access(&other_session)
        .await
        .expect("another session of the same user is unaffected");
    let later = sign_in(&moto_client, &alice).await;
    verifier
        .verify_access(&later)
        .await
        .expect("a new sign-in is accepted at once: another origin_jti");

    // a session token that does not verify is refused before anything is revoked
    let err = client
        .revoke_session("another-refresh-token", "not.a.token")
        .await
        .unwrap_err();
    assert!(
        matches!(err, sanctum_core::CognitoError::InvalidToken(_)),
        "{err:?}"
    );
    assert_eq!(stub.recorded().len(), 1, "no second RevokeToken");
}
