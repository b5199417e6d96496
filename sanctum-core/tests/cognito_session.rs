//! `TokenSession`: tokens that refresh themselves ahead of expiry, on the injected clock.
//!
//! Against fakecloud (SRP sign-in, `GetTokensFromRefreshToken` with rotation, `RevokeToken`:
//! moto lacks the last two), against moto for the `REFRESH_TOKEN_AUTH` fallback (moto checks its
//! `SECRET_HASH`), and on the recording stub for what no server lets us count or provoke: the
//! number of refresh requests, a transient failure, and an answer slower than its caller's
//! patience. fakecloud's tokens live 3600 s: the
//! tests move the session's `ManualClock` instead of waiting.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;
mod emulators;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::config::Credentials;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_support::{PASSWORD, Stub, confirmed_user, unique};
use emulators::{fakecloud_pool, moto_pool};
use sanctum_core::cognito::{
    CognitoError, SanctumClient, SessionData, SessionEnd, SessionError, SignInStep, TokenSession,
    Tokens,
};
use sanctum_core::credentials::{AccessToken, RefreshToken, Username};
use sanctum_core::{Clock as _, ExpectedUse, ManualClock};
use sanctum_testkit::fakecloud::FakecloudPoolOptions;
use sanctum_testkit::moto::MotoPoolOptions;
use serde_json::{Value, json};
use tokio::sync::Barrier;

/// Just inside the default 60 s margin of a token that lives 3600 s.
const NEAR_EXPIRY: Duration = Duration::from_secs(3600 - 30);

async fn sign_in(client: &SanctumClient, user: &str) -> Tokens {
    match client
        .auth()
        .sign_in(user, PASSWORD)
        .await
        .expect("sign-in")
    {
        SignInStep::Done(tokens) => tokens,
        other => panic!("expected tokens, got {other:?}"),
    }
}

/// A session on `clock` counting (and keeping) what its refresh hook is given.
fn counted_session(
    client: &SanctumClient,
    tokens: Tokens,
    clock: &ManualClock,
) -> (TokenSession, Arc<Mutex<Vec<SessionData>>>) {
    let persisted = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&persisted);
    let session = TokenSession::builder(client)
        .clock(clock.clone())
        .on_refresh(move |data| sink.lock().expect("lock").push(data.clone()))
        .start(tokens);
    (session, persisted)
}

async fn hundred_callers(session: &TokenSession) -> Vec<Result<AccessToken, SessionError>> {
    let calls = (0..100).map(|_| {
        let session = session.clone();
        tokio::spawn(async move { session.access_token().await })
    });
    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.expect("task"));
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn near_expiry_a_hundred_callers_share_one_rotating_refresh_against_fakecloud() {
    for secret in [false, true] {
        let (_fc, _pool, client) = fakecloud_pool(
            FakecloudPoolOptions::new()
                .refresh_rotation(true)
                .client_secret(secret),
        )
        .await;
        let user = unique("session-rotation");
        confirmed_user(&client, &user).await;
        let first = sign_in(&client, &user).await;
        let old_refresh = first.refresh_token.clone().expect("a refresh token");
        let clock = ManualClock::starting_now();
        let (session, persisted) = counted_session(&client, first.clone(), &clock);
        assert_eq!(session.username(), Some(Username::new(&user)));

        // far from expiry: the tokens as they are, no refresh
        assert_eq!(
            session.access_token().await.expect("token"),
            first.access_token
        );
        clock.advance(Duration::from_secs(3000));
        assert_eq!(
            session.access_token().await.expect("token"),
            first.access_token
        );
        assert!(persisted.lock().expect("lock").is_empty());

        // 30 s before expiry, inside the 60 s margin: one refresh for all hundred callers
        clock.advance(NEAR_EXPIRY - Duration::from_secs(3000));
        let results = hundred_callers(&session).await;
        let persisted_now = persisted.lock().expect("lock").clone();
        assert_eq!(
            persisted_now.len(),
            1,
            "exactly one refresh (secret: {secret})"
        );
        let fresh = &persisted_now[0];
        for result in results {
            assert_eq!(result.expect("a fresh token"), fresh.access_token);
        }
        assert_ne!(fresh.access_token, first.access_token);
        let claims = client
            .verifier()
            .verify(fresh.access_token.secret(), ExpectedUse::Access)
            .await
            .expect("the refreshed token verifies with fakecloud's keys");
        assert_eq!(claims.username(), Some(user.as_str()));
        assert!(
            session.expires_at() >= clock.now() + Duration::from_secs(3000),
            "a new deadline"
        );

        // rotation: the new refresh token replaced the old one, in the session and the hook
        let new_refresh = fresh.refresh_token.clone().expect("rotated refresh token");
        assert_ne!(new_refresh, old_refresh);
        assert_eq!(session.data().refresh_token.as_ref(), Some(&new_refresh));
        let err = client
            .auth()
            .refresh(&old_refresh, Some(&Username::new(&user)))
            .await
            .expect_err("the rotated-away refresh token is refused");
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");

        // and the session goes on refreshing with the new one
        clock.advance(NEAR_EXPIRY);
        session.access_token().await.expect("second refresh");
        assert_eq!(persisted.lock().expect("lock").len(), 2);
    }
}

#[tokio::test]
async fn a_revoked_refresh_token_ends_the_session_with_sign_in_again_against_fakecloud() {
    let (_fc, _pool, client) =
        fakecloud_pool(FakecloudPoolOptions::new().refresh_rotation(true)).await;
    let user = unique("session-revoked");
    confirmed_user(&client, &user).await;
    let tokens = sign_in(&client, &user).await;
    let clock = ManualClock::starting_now();
    let (session, persisted) = counted_session(&client, tokens.clone(), &clock);

    client
        .auth()
        .revoke(tokens.refresh_token.as_ref().expect("refresh token"))
        .await
        .expect("RevokeToken");
    clock.advance(NEAR_EXPIRY);
    for _ in 0..2 {
        let err = session.access_token().await.expect_err("sign in again");
        assert!(
            matches!(
                err,
                SessionError::SignInAgain {
                    reason: SessionEnd::Refused,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.is_sign_in_again());
    }
    assert_eq!(session.ended(), Some(SessionEnd::Refused));
    assert!(persisted.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn revoke_ends_the_session_and_cognito_refuses_its_refresh_token_against_fakecloud() {
    let (_fc, _pool, client) = fakecloud_pool(FakecloudPoolOptions::new()).await;
    let user = unique("session-signout");
    confirmed_user(&client, &user).await;
    let tokens = sign_in(&client, &user).await;
    let session = TokenSession::builder(&client).start(tokens.clone());
    session.revoke().await.expect("RevokeToken");
    let err = session.access_token().await.expect_err("ended");
    assert!(
        matches!(
            err,
            SessionError::SignInAgain {
                reason: SessionEnd::SignedOut,
                ..
            }
        ),
        "{err:?}"
    );
    let err = client
        .auth()
        .refresh(
            tokens.refresh_token.as_ref().expect("rt"),
            Some(&Username::new(&user)),
        )
        .await
        .expect_err("revoked at Cognito");
    assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
}

#[tokio::test]
async fn without_rotation_the_session_keeps_its_refresh_token_against_moto_refresh_token_auth() {
    // moto lacks GetTokensFromRefreshToken: the refresh falls back to REFRESH_TOKEN_AUTH, whose
    // SECRET_HASH moto checks (with the username read from the access token)
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new().client_secret(true)).await;
    let user = unique("session-moto");
    confirmed_user(&client, &user).await;
    let first = match client
        .auth()
        .user_password(&user, PASSWORD)
        .await
        .expect("sign-in")
    {
        SignInStep::Done(t) => t,
        other => panic!("challenge {other:?}"),
    };
    let clock = ManualClock::starting_now();
    let (session, persisted) = counted_session(&client, first.clone(), &clock);
    clock.advance(NEAR_EXPIRY);
    let token = session.access_token().await.expect("refreshed");
    assert_ne!(token, first.access_token);
    assert_eq!(persisted.lock().expect("lock").len(), 1);
    assert_eq!(session.data().refresh_token, first.refresh_token);

    // signed out everywhere by an administrator: the refresh is refused, sign in again
    client
        .admin()
        .users()
        .sign_out(&user)
        .await
        .expect("signed out");
    clock.advance(NEAR_EXPIRY);
    let err = session.access_token().await.expect_err("refused");
    assert!(err.is_sign_in_again(), "{err:?}");
}

// ---- on the recording stub: counting requests, provoking failures ----

fn jwt(payload: Value) -> String {
    format!(
        "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
        URL_SAFE_NO_PAD.encode(payload.to_string())
    )
}

fn stub_reply(n: usize) -> Value {
    json!({"AuthenticationResult": {
        "AccessToken": jwt(json!({"username": "alice", "n": n})),
        "IdToken": jwt(json!({"iat": 1000, "exp": 4600})),
        "RefreshToken": format!("refresh-{n}"),
        "ExpiresIn": 3600, "TokenType": "Bearer"
    }})
}

/// What the stub answers `GetTokensFromRefreshToken` with, by test.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Tokens,
    Throttled,
    Refused,
}

/// A stub signing in (USER_PASSWORD_AUTH) and refreshing as `answer` says; counts refreshes.
async fn refresh_stub(answer: Arc<Mutex<Answer>>) -> (Stub, Arc<AtomicUsize>) {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&refreshes);
    let stub = Stub::start(move |operation, _| match operation {
        "GetTokensFromRefreshToken" => {
            let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
            match *answer.lock().expect("lock") {
                Answer::Tokens => (200, stub_reply(n)),
                Answer::Throttled => (
                    400,
                    json!({"__type": "TooManyRequestsException", "message": "slow down"}),
                ),
                Answer::Refused => (
                    400,
                    json!({"__type": "NotAuthorizedException", "message": "Refresh Token has been revoked"}),
                ),
            }
        }
        _ => (200, stub_reply(0)),
    })
    .await;
    (stub, refreshes)
}

async fn stub_client(stub: &Stub) -> SanctumClient {
    SanctumClient::builder("us-east-1_AbC123xyz", "4a1b2c3d4e5f")
        .endpoint_url(&stub.endpoint)
        .client_secret("s3cr3t")
        .password_flow(sanctum_core::cognito::PasswordFlow::UserPassword)
        .credentials(Credentials::new("test", "test", None, None, "static"))
        .configure_sdk(|sdk| sdk.retry_config(RetryConfig::disabled()))
        .build()
        .await
        .expect("client")
}

async fn stub_session(stub: &Stub, clock: &ManualClock) -> TokenSession {
    let client = stub_client(stub).await;
    let tokens = sign_in(&client, "alice").await;
    TokenSession::builder(&client)
        .clock(clock.clone())
        .start(tokens)
}

/// A signed-in session on a stub that refreshes with tokens, counting refreshes and what its
/// hook is given, its clock moved to within the refresh margin.
async fn near_expiry_counted_stub_session() -> (
    Stub,
    Arc<AtomicUsize>,
    TokenSession,
    Arc<Mutex<Vec<SessionData>>>,
) {
    let (stub, refreshes) = refresh_stub(Arc::new(Mutex::new(Answer::Tokens))).await;
    let clock = ManualClock::starting_now();
    let client = stub_client(&stub).await;
    let tokens = sign_in(&client, "alice").await;
    let (session, persisted) = counted_session(&client, tokens, &clock);
    clock.advance(NEAR_EXPIRY);
    (stub, refreshes, session, persisted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_callers_send_one_refresh_request_with_the_client_secret_on_the_recording_stub() {
    let (stub, refreshes) = refresh_stub(Arc::new(Mutex::new(Answer::Tokens))).await;
    let clock = ManualClock::starting_now();
    let session = stub_session(&stub, &clock).await;
    clock.advance(NEAR_EXPIRY);

    // The refresh's answer is held until every caller has started and the refresh is on the
    // wire: the callers overlap it for certain, however fast Cognito (the stub) answers.
    stub.hold();
    let all_started = Arc::new(Barrier::new(101));
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let (session, all_started) = (session.clone(), Arc::clone(&all_started));
            tokio::spawn(async move {
                all_started.wait().await;
                session.access_token().await
            })
        })
        .collect();
    all_started.wait().await;
    stub.wait_for_requests(2).await; // the sign-in, and the refresh, held
    for _ in 0..1000 {
        tokio::task::yield_now().await; // let the other callers reach the session
    }
    stub.release();
    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.expect("task"));
    }
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "one request on the wire"
    );
    let fresh = session.data();
    for result in results {
        assert_eq!(result.expect("token"), fresh.access_token);
    }
    assert_eq!(
        fresh.refresh_token.as_ref().map(RefreshToken::secret),
        Some("refresh-1")
    );
    let request = stub
        .recorded()
        .into_iter()
        .find(|r| r.operation == "GetTokensFromRefreshToken")
        .expect("a refresh request");
    assert_eq!(request.body["RefreshToken"], "refresh-0");
    assert_eq!(request.body["ClientId"], "4a1b2c3d4e5f");
    assert_eq!(request.body["ClientSecret"], "s3cr3t");
}

#[tokio::test]
async fn a_transient_failure_keeps_the_session_and_a_refusal_ends_it_for_good_on_the_recording_stub()
 {
    let answer = Arc::new(Mutex::new(Answer::Throttled));
    let (stub, refreshes) = refresh_stub(Arc::clone(&answer)).await;
    let clock = ManualClock::starting_now();
    let session = stub_session(&stub, &clock).await;
    let before = session.data();
    clock.advance(NEAR_EXPIRY);

    let err = session.access_token().await.expect_err("throttled");
    assert!(
        matches!(err, SessionError::Refresh(CognitoError::TooManyRequests(_))),
        "{err:?}"
    );
    assert_eq!(session.data(), before, "unchanged");
    assert_eq!(session.ended(), None);

    *answer.lock().expect("lock") = Answer::Refused;
    let err = session.access_token().await.expect_err("refused");
    assert!(
        matches!(
            &err,
            SessionError::SignInAgain {
                reason: SessionEnd::Refused,
                source: Some(cause)
            } if matches!(**cause, CognitoError::NotAuthorized(_))
        ),
        "{err:?}"
    );
    assert_eq!(refreshes.load(Ordering::SeqCst), 2);

    // over for good: later calls fail the same way without asking Cognito again
    *answer.lock().expect("lock") = Answer::Tokens;
    for _ in 0..3 {
        assert!(
            session
                .access_token()
                .await
                .expect_err("over")
                .is_sign_in_again()
        );
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 2, "no further request");
}

#[tokio::test]
async fn a_stored_session_restores_and_its_debug_shows_no_token_on_the_recording_stub() {
    let (stub, refreshes) = refresh_stub(Arc::new(Mutex::new(Answer::Tokens))).await;
    let clock = ManualClock::starting_now();
    let session = stub_session(&stub, &clock).await;
    let stored = serde_json::to_string(&session.data()).expect("serializes");
    let data: SessionData = serde_json::from_str(&stored).expect("deserializes");
    let shown = format!("{session:?} {data:?}");
    for secret in [
        data.access_token.secret(),
        data.refresh_token.as_ref().expect("rt").secret(),
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let client = SanctumClient::builder("us-east-1_AbC123xyz", "4a1b2c3d4e5f")
        .endpoint_url(&stub.endpoint)
        .client_secret("s3cr3t")
        .credentials(Credentials::new("test", "test", None, None, "static"))
        .build()
        .await
        .expect("client");
    let restored = TokenSession::builder(&client)
        .clock(clock.clone())
        .restore(data.clone());
    assert_eq!(
        restored.access_token().await.expect("as stored"),
        data.access_token
    );
    assert_eq!(refreshes.load(Ordering::SeqCst), 0);
    clock.advance(NEAR_EXPIRY);
    assert_ne!(
        restored.access_token().await.expect("refreshed"),
        data.access_token
    );
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_gives_up_mid_refresh_keeps_the_refresh_single_for_the_next_caller_on_the_recording_stub()
 {
    let (stub, refreshes, session, persisted) = near_expiry_counted_stub_session().await;

    // The first caller's refresh reaches Cognito (the stub), whose answer is held; the caller
    // gives up (its future is dropped) while the refresh is still in flight.
    stub.hold();
    let first = tokio::spawn({
        let session = session.clone();
        async move { session.access_token().await }
    });
    stub.wait_for_requests(2).await; // the sign-in, and the refresh, held
    first.abort();
    assert!(first.await.expect_err("gave up").is_cancelled());

    // The next caller comes at once, while that refresh is still on the wire. It must wait for
    // it, not send a second refresh with the refresh token that one is rotating away (which
    // Cognito would refuse, signing the user out). Once it has started, the answer goes out.
    let next = tokio::spawn({
        let session = session.clone();
        async move { session.access_token().await }
    });
    for _ in 0..1000 {
        tokio::task::yield_now().await; // let the next caller reach the session
    }
    stub.release();
    let token = next.await.expect("task").expect("the refreshed token");

    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "one refresh on the wire: the next caller waited for the first one's"
    );
    assert_eq!(token, session.data().access_token);
    assert_eq!(
        session
            .data()
            .refresh_token
            .as_ref()
            .map(RefreshToken::secret),
        Some("refresh-1")
    );
    assert_eq!(
        persisted.lock().expect("lock").len(),
        1,
        "the hook saw it once"
    );
}

#[tokio::test]
async fn a_caller_that_stops_waiting_does_not_lose_the_rotated_refresh_token_on_the_recording_stub()
{
    let (stub, refreshes, session, persisted) = near_expiry_counted_stub_session().await;

    // Cognito takes 500 ms to answer; the caller gives up after 50 ms, mid-refresh.
    *stub.delay.lock().expect("lock") = Duration::from_millis(500);
    let gave_up = tokio::time::timeout(Duration::from_millis(50), session.access_token()).await;
    assert!(gave_up.is_err(), "the caller stopped waiting: {gave_up:?}");
    *stub.delay.lock().expect("lock") = Duration::ZERO;

    // The refresh goes on without it and stores the rotated tokens (bounded: 50 × 100 ms).
    for _ in 0..50 {
        if !persisted.lock().expect("lock").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        session
            .data()
            .refresh_token
            .as_ref()
            .map(RefreshToken::secret),
        Some("refresh-1"),
        "the rotated refresh token was kept"
    );
    assert_eq!(persisted.lock().expect("lock").len(), 1, "the hook saw it");
    let token = session.access_token().await.expect("fresh, no new refresh");
    assert_eq!(token, session.data().access_token);
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "one refresh on the wire"
    );
}
