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
mod emulators;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cognitoidentityprovider::config::Credentials;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use base64::Engine as _;
use cognito_support::{PASSWORD, confirmed_user, unique};
use emulators::moto_pool;
use sanctum_core::cognito::{CognitoError, SanctumClient, TokenSession};
use sanctum_core::credentials::{AccessToken, RefreshToken};
use sanctum_core::revocation::{InMemoryRevocations, OnlineCheck, Revocation, WhenUnreachable};
use sanctum_core::{ManualClock, UserPool, Verifier, VerifyError};
use sanctum_testkit::moto::{MotoPool, MotoPoolOptions};

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

async fn sign_in(client: &SanctumClient, user: &str) -> AccessToken {
    client
        .auth()
        .sign_in(user, PASSWORD)
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
) -> AccessToken {
    for _ in 0..3 {
        let token = sign_in(client, user).await;
        if iat(token.secret()) >= before {
            return token;
        }
        let err = verifier.verify_access(token.secret()).await.unwrap_err();
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
        .admin()
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
        .verify_access(alice_token.secret())
        .await
        .expect("accepted");
    verifier
        .verify_access(bob_token.secret())
        .await
        .expect("accepted");
    assert!(verifier.cached_tokens() >= 1, "the token is cached");

    client
        .admin()
        .users()
        .sign_out(&alice)
        .await
        .expect("signed out");

    let err = verifier
        .verify_access(alice_token.secret())
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "{err:?}");
    verifier
        .verify_access(bob_token.secret())
        .await
        .expect("another user is unaffected");
    let before = revoked_before(&store, &sub_of(&client, &alice).await);
    let later = sign_in_after(&client, &verifier, &alice, before).await;
    let claims = verifier
        .verify_access(later.secret())
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
        .verify_access(other_session.secret())
        .await
        .expect("accepted");

    client
        .user(&token)
        .sign_out_everywhere()
        .await
        .expect("signed out");

    for t in [&token, &other_session] {
        let err = verifier.verify_access(t.secret()).await.unwrap_err();
        assert!(matches!(err, VerifyError::Revoked), "{err:?}");
    }
    let sub = claim(token.secret(), "sub")
        .as_str()
        .expect("sub")
        .to_owned();
    let before = revoked_before(&store, &sub);
    let later = sign_in_after(&client, &verifier, &alice, before).await;
    verifier
        .verify_access(later.secret())
        .await
        .expect("accepted");
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
        verifier.verify_access(t.secret()).await.expect("accepted");
    }

    client
        .admin()
        .users()
        .disable(&dora)
        .await
        .expect("disabled");
    let err = verifier
        .verify_access(dora_token.secret())
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "disabled: {err:?}");

    client.admin().users().delete(&dean).await.expect("deleted");
    let err = verifier
        .verify_access(dean_token.secret())
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "deleted: {err:?}");

    verifier
        .verify_access(bob_token.secret())
        .await
        .expect("another user is unaffected");
    assert_eq!(store.len(), 2);

    // enabled again, dora's new sign-in is accepted
    let before = revoked_before(&store, &sub_of(&client, &dora).await);
    client.admin().users().enable(&dora).await.expect("enabled");
    let later = sign_in_after(&client, &verifier, &dora, before).await;
    verifier
        .verify_access(later.secret())
        .await
        .expect("accepted");
}

#[tokio::test]
async fn without_a_store_nothing_is_recorded_and_an_unknown_user_fails_before_any_change() {
    let (_moto, pool, client) = moto_pool(MotoPoolOptions::new()).await;
    assert!(client.revocation_store().is_none());
    assert!(!client.record_sign_out("some-sub"));
    let alice = unique("alice");
    confirmed_user(&client, &alice).await;
    client
        .admin()
        .users()
        .sign_out(&alice)
        .await
        .expect("signed out");

    let store = Arc::new(InMemoryRevocations::new());
    let recording = recording_client(&pool, store.clone()).await;
    let err = recording
        .admin()
        .users()
        .sign_out(&unique("nobody"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, sanctum_core::cognito::CognitoError::UserNotFound(_)),
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
    verifier
        .verify_access(alice_token.secret())
        .await
        .expect("live");
    verifier
        .verify_access(bob_token.secret())
        .await
        .expect("live");
    assert!(
        sanctum_core::adapter::verify_now(
            &verifier,
            alice_token.secret(),
            sanctum_core::ExpectedUse::Access
        )
        .is_some_and(|r| r.is_ok()),
        "the live answer is kept: no waiting"
    );

    // signed out at Cognito only (this client records nothing): GetUser refuses the token
    client
        .admin()
        .users()
        .sign_out(&alice)
        .await
        .expect("signed out");
    assert!(client.user(&alice_token).profile().await.is_err());
    verifier
        .verify_access(alice_token.secret())
        .await
        .expect("the kept answer is used until it expires");

    clock.advance(Duration::from_secs(31));
    assert!(
        sanctum_core::adapter::verify_now(
            &verifier,
            alice_token.secret(),
            sanctum_core::ExpectedUse::Access
        )
        .is_none(),
        "an expired answer sends the request down the waiting path"
    );
    let err = verifier
        .verify_access(alice_token.secret())
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "{err:?}");
    let kept = sanctum_core::adapter::verify_now(
        &verifier,
        alice_token.secret(),
        sanctum_core::ExpectedUse::Access,
    );
    assert!(
        matches!(kept, Some(Err(VerifyError::Revoked))),
        "the revoked answer is kept: {kept:?}"
    );
    verifier
        .verify_access(bob_token.secret())
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
    let err = refusing.verify_access(token.secret()).await.unwrap_err();
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
        .verify_access(token.secret())
        .await
        .expect("allowed on the local checks");
    assert!(
        sanctum_core::adapter::verify_now(
            &allowing,
            token.secret(),
            sanctum_core::ExpectedUse::Access
        )
        .is_none(),
        "an allowed unconfirmed token is not kept as live"
    );
}

/// What the `RevokeToken` tests start from: a moto pool where alice signed in twice
/// (`tokens`, and `other_session`'s access token), and a client of the recording stub (which
/// plays `RevokeToken`, missing in moto) recording in the store `verifier` checks.
struct RevokeTokenSetup {
    _moto: Arc<sanctum_testkit::moto::MotoServer>,
    pool: MotoPool,
    moto_client: SanctumClient,
    stub: cognito_support::Stub,
    client: SanctumClient,
    verifier: Verifier,
    alice: String,
    tokens: sanctum_core::cognito::Tokens,
    other_session: AccessToken,
}

async fn revoke_token_setup() -> RevokeTokenSetup {
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
    let verifier = verifier(&pool, store);
    let alice = unique("alice");
    confirmed_user(&moto_client, &alice).await;
    let tokens = moto_client
        .auth()
        .sign_in(&alice, PASSWORD)
        .await
        .expect("signs in")
        .into_tokens()
        .expect("tokens");
    let other_session = sign_in(&moto_client, &alice).await;
    RevokeTokenSetup {
        _moto,
        pool,
        moto_client,
        stub,
        client,
        verifier,
        alice,
        tokens,
        other_session,
    }
}

/// RevokeToken is not in moto, and fakecloud's tokens carry no `origin_jti`: this test signs in
/// at moto (whose tokens carry it) and sends `RevokeToken` to the recording stub, checking the
/// exact request; what the verifier does with the recorded `origin_jti` is real.
#[tokio::test]
async fn revoke_session_sends_revoke_token_and_records_the_sessions_origin_jti_request_shape_on_stub()
 {
    let RevokeTokenSetup {
        _moto,
        pool,
        moto_client,
        stub,
        client,
        verifier,
        alice,
        tokens: session,
        other_session,
    } = revoke_token_setup().await;
    let id_token = session.id_token.clone().expect("an ID token");
    verifier
        .verify_access(session.access_token.secret())
        .await
        .expect("accepted");
    assert!(claim(session.access_token.secret(), "origin_jti").is_string());

    client
        .auth()
        .revoke_tokens(&session)
        .await
        .expect("revoked");

    let requests = stub.recorded();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].operation, "RevokeToken");
    assert_eq!(
        requests[0].body["Token"].as_str(),
        session.refresh_token.as_ref().map(RefreshToken::secret)
    );
    assert_eq!(requests[0].body["ClientId"], pool.client_id.as_str());
    let err = verifier
        .verify_access(session.access_token.secret())
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "access: {err:?}");
    if claim(id_token.secret(), "origin_jti").is_string() {
        let err = verifier.verify_id(id_token.secret()).await.unwrap_err();
        assert!(matches!(err, VerifyError::Revoked), "id: {err:?}");
    }
    verifier
        .verify_access(other_session.secret())
        .await
        .expect("another session of the same user is unaffected");
    let later = sign_in(&moto_client, &alice).await;
    verifier
        .verify_access(later.secret())
        .await
        .expect("a new sign-in is accepted at once: another origin_jti");

    // a session token that does not verify is refused before anything is revoked
    let err = client
        .auth()
        .revoke_session(
            &RefreshToken::new("another-refresh-token"),
            &AccessToken::new("not.a.token"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, sanctum_core::cognito::CognitoError::InvalidToken(_)),
        "{err:?}"
    );
    assert_eq!(stub.recorded().len(), 1, "no second RevokeToken");
}

/// A client of the recording stub at `endpoint` (no retries), recording in `store`, whose clock
/// reads `clock`.
async fn stub_client(
    endpoint: &str,
    store: Arc<InMemoryRevocations>,
    clock: &ManualClock,
) -> SanctumClient {
    SanctumClient::builder("us-east-1_AbC123xyz", "4a1b2c3d4e5f")
        .endpoint_url(endpoint)
        .credentials(Credentials::new("test", "test", None, None, "static"))
        .configure_sdk(|sdk| sdk.retry_config(RetryConfig::disabled()))
        .revocations(store)
        .clock(clock.clone())
        .build()
        .await
        .expect("client builds")
}

const STUB_SUB: &str = "0f2c6d1e-7b8a-4c3d-9e0f-1a2b3c4d5e6f";

/// The stub's answers: `AdminGetUser` as `get_user` says, every other operation succeeds.
fn admin_answers(
    get_user: (u16, serde_json::Value),
) -> impl Fn(&str, &serde_json::Value) -> (u16, serde_json::Value) + Send + Sync + 'static {
    move |operation, _| match operation {
        "AdminGetUser" => get_user.clone(),
        _ => (200, serde_json::json!({})),
    }
}

fn user_with_sub() -> (u16, serde_json::Value) {
    (
        200,
        serde_json::json!({
            "Username": "alice", "Enabled": true, "UserStatus": "CONFIRMED",
            "UserAttributes": [{"Name": "sub", "Value": STUB_SUB}]
        }),
    )
}

fn operations(stub: &cognito_support::Stub) -> Vec<String> {
    stub.recorded().into_iter().map(|r| r.operation).collect()
}

/// Issue 21: the revoking operation runs first and `AdminGetUser` after it, so its quota
/// cannot hold back a disabling; the "before" is the `Date` of Cognito's answer, not the
/// client's clock (here an hour behind).
#[tokio::test]
async fn the_revoking_operation_runs_before_admin_get_user_and_its_answers_date_is_the_time() {
    #[cfg(feature = "metrics")]
    let metrics = sanctum_testkit::metrics::MetricsCapture::start();
    let stub = cognito_support::Stub::start(admin_answers(user_with_sub())).await;
    // Sun, 06 Dec 2026 01:00:00 GMT
    const COGNITO_NOW: u64 = 1_796_518_800;
    *stub.date.lock().expect("lock") = Some("Sun, 06 Dec 2026 01:00:00 GMT".to_owned());
    let clock = ManualClock::at(UNIX_EPOCH + Duration::from_secs(COGNITO_NOW - 3600));
    let store = Arc::new(InMemoryRevocations::new());
    let client = stub_client(&stub.endpoint, store.clone(), &clock).await;
    let cases: [(&str, &[&str]); 3] = [
        ("disable", &["AdminDisableUser", "AdminGetUser"]),
        (
            "global_sign_out",
            &["AdminUserGlobalSignOut", "AdminGetUser"],
        ),
        (
            "delete",
            &["AdminDisableUser", "AdminGetUser", "AdminDeleteUser"],
        ),
    ];
    for (operation, expected) in cases {
        stub.requests.lock().expect("lock").clear();
        let users = client.admin().users();
        match operation {
            "disable" => users.disable("alice").await,
            "global_sign_out" => users.sign_out("alice").await,
            _ => users.delete("alice").await,
        }
        .expect(operation);
        assert_eq!(operations(&stub), expected, "{operation}");
        let before = store
            .snapshot(COGNITO_NOW)
            .into_iter()
            .find_map(|r| match r {
                Revocation::Subject { sub, before } if sub == STUB_SUB => Some(before),
                _ => None,
            })
            .expect("recorded");
        assert_eq!(
            before,
            COGNITO_NOW + 1,
            "{operation}: Cognito's second, covered whole"
        );
    }
    // feature `metrics`: one per operation, by kind, with no user in a label
    #[cfg(feature = "metrics")]
    {
        let all = metrics.snapshot();
        let recorded = |kind| all.counter(REVOCATIONS_RECORDED, &[("kind", kind)]);
        assert_eq!((recorded("subject"), recorded("origin")), (3, 0), "{all:?}");
        sanctum_testkit::metrics::assert_bounded_labels(&all, &[STUB_SUB, "alice"]);
    }
}

/// `sanctum_revocations_recorded_total` (feature `metrics`).
#[cfg(feature = "metrics")]
const REVOCATIONS_RECORDED: &str = "sanctum_revocations_recorded_total";

/// When `AdminGetUser` is throttled, the user is disabled all the same and the caller is told
/// that the revocation was not recorded (never swallowed).
#[tokio::test]
async fn a_throttled_admin_get_user_neither_delays_the_disabling_nor_goes_unreported() {
    let throttled = (
        400,
        serde_json::json!({"__type": "TooManyRequestsException", "message": "Rate exceeded"}),
    );
    #[cfg(feature = "metrics")]
    let metrics = sanctum_testkit::metrics::MetricsCapture::start();
    let stub = cognito_support::Stub::start(admin_answers(throttled)).await;
    let store = Arc::new(InMemoryRevocations::new());
    let client = stub_client(&stub.endpoint, store.clone(), &ManualClock::starting_now()).await;

    let err = client.admin().users().disable("alice").await.unwrap_err();
    assert_eq!(operations(&stub), ["AdminDisableUser", "AdminGetUser"]);
    match &err {
        CognitoError::RevocationNotRecorded { operation, source } => {
            assert_eq!(*operation, "AdminDisableUser");
            assert!(
                matches!(**source, CognitoError::TooManyRequests(_)),
                "{source:?}"
            );
        }
        other => panic!("expected RevocationNotRecorded, got {other:?}"),
    }
    assert!(store.is_empty());

    // a deletion stops after the disabling: nothing deleted without the record
    stub.requests.lock().expect("lock").clear();
    let err = client.admin().users().delete("alice").await.unwrap_err();
    assert!(
        matches!(err, CognitoError::RevocationNotRecorded { .. }),
        "{err:?}"
    );
    assert_eq!(operations(&stub), ["AdminDisableUser", "AdminGetUser"]);
    // feature `metrics`: nothing recorded, nothing counted
    #[cfg(feature = "metrics")]
    assert_eq!(
        metrics.snapshot().counter(REVOCATIONS_RECORDED, &[]),
        0,
        "{:?}",
        metrics.snapshot()
    );
}

/// The "before" comes from moto's own `Date` (the clock that stamps `iat`): a client whose
/// clock is an hour behind still refuses the token issued before the sign-out.
#[tokio::test]
async fn a_client_clock_behind_cognitos_still_revokes_every_earlier_token() {
    let (_moto, pool, _) = moto_pool(MotoPoolOptions::new()).await;
    let store = Arc::new(InMemoryRevocations::new());
    let behind = ManualClock::at(SystemTime::now() - Duration::from_secs(3600));
    let client = pool
        .client_builder()
        .revocations(store.clone())
        .clock(behind)
        .build()
        .await
        .expect("client builds");
    let verifier = verifier(&pool, store.clone());
    let alice = unique("alice");
    confirmed_user(&client, &alice).await;
    let token = sign_in(&client, &alice).await;
    verifier
        .verify_access(token.secret())
        .await
        .expect("accepted");

    client
        .admin()
        .users()
        .sign_out(&alice)
        .await
        .expect("signed out");

    let err = verifier.verify_access(token.secret()).await.unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "{err:?}");
    let sub = claim(token.secret(), "sub")
        .as_str()
        .expect("sub")
        .to_owned();
    assert!(revoked_before(&store, &sub) > iat(token.secret()));
}

/// Issue 21: the client's own verifier checks the client's store, so what the client records
/// is refused by it too (e.g. `get_groups_from_token`).
#[tokio::test]
async fn the_clients_own_verifier_refuses_what_the_client_recorded() {
    let (_moto, pool, _) = moto_pool(MotoPoolOptions::new()).await;
    let store = Arc::new(InMemoryRevocations::new());
    let client = recording_client(&pool, store.clone()).await;
    let alice = unique("alice");
    confirmed_user(&client, &alice).await;
    let token = sign_in(&client, &alice).await;
    client
        .verifier()
        .verify_access(token.secret())
        .await
        .expect("accepted");

    client
        .admin()
        .users()
        .sign_out(&alice)
        .await
        .expect("signed out");

    let err = client
        .verifier()
        .verify_access(token.secret())
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "{err:?}");
}

/// Issue 21: `Session::revoke` records the session's `origin_jti`, so verifiers sharing the
/// store refuse its tokens at once; a session whose tokens name none is revoked at Cognito and
/// the missing record is reported. Moto signs in (its tokens carry `origin_jti`); the stub
/// plays `RevokeToken`, which moto lacks.
#[tokio::test]
async fn session_revoke_records_the_sessions_origin_jti_and_reports_when_it_cannot() {
    #[cfg(feature = "metrics")]
    let metrics = sanctum_testkit::metrics::MetricsCapture::start();
    let RevokeTokenSetup {
        _moto,
        stub,
        client,
        verifier,
        tokens,
        other_session,
        ..
    } = revoke_token_setup().await;
    verifier
        .verify_access(tokens.access_token.secret())
        .await
        .expect("accepted");
    let session = TokenSession::builder(&client).start(tokens.clone());

    session.revoke().await.expect("revoked and recorded");

    assert_eq!(operations(&stub), ["RevokeToken"]);
    let err = verifier
        .verify_access(tokens.access_token.secret())
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::Revoked), "{err:?}");
    verifier
        .verify_access(other_session.secret())
        .await
        .expect("another session is unaffected");

    // tokens without origin_jti (as fakecloud's): revoked at Cognito, the missing record told
    let mut bare = tokens.clone();
    bare.access_token = AccessToken::new(without_origin_jti(tokens.access_token.secret()));
    bare.id_token = None;
    let session = TokenSession::builder(&client).start(bare);
    let err = session.revoke().await.unwrap_err();
    assert!(
        matches!(
            err,
            CognitoError::RevocationNotRecorded {
                operation: "RevokeToken",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(operations(&stub), ["RevokeToken", "RevokeToken"]);
    assert!(session.ended().is_some());
    // feature `metrics`: the one origin recorded, none for the session that names none
    #[cfg(feature = "metrics")]
    {
        let all = metrics.snapshot();
        let recorded = |kind| all.counter(REVOCATIONS_RECORDED, &[("kind", kind)]);
        assert_eq!((recorded("origin"), recorded("subject")), (1, 0), "{all:?}");
        let origin_jti = claim(tokens.access_token.secret(), "origin_jti");
        sanctum_testkit::metrics::assert_bounded_labels(
            &all,
            &[origin_jti.as_str().expect("origin_jti")],
        );
    }
}

/// `token` with its payload's `origin_jti` removed (its signature no longer matches: the
/// session reads its tokens unverified, as they come from Cognito).
fn without_origin_jti(token: &str) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&engine.decode(&parts[1]).expect("base64url")).expect("JSON");
    payload
        .as_object_mut()
        .expect("object")
        .remove("origin_jti");
    parts[1] = engine.encode(payload.to_string());
    parts.join(".")
}
