//! The online check through `SanctumClient` (`GetUser`) when Cognito throttles: the question
//! is asked again a bounded number of times and never starts the hold-off, which only transport
//! failures and server errors do. Against a loopback Cognito stub, not moto: moto never
//! throttles (it has no request quota to spend), and the point is Cognito's throttling answers
//! (`TooManyRequestsException`, `LimitExceededException`, HTTP 400) next to its server errors
//! (`InternalErrorException`, HTTP 500), which only a stub can give on demand. The SDK's own
//! retries are off here so that each question's calls can be counted exactly.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::config::Credentials;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use cognito_support::Stub;
use sanctum_core::cognito::SanctumClient;
use sanctum_core::revocation::{OnlineCheck, WhenUnreachable};
use sanctum_core::testing::TestIssuer;
use sanctum_core::{Verifier, VerifyError};
use serde_json::{Value, json};

fn live_user() -> (u16, Value) {
    (
        200,
        json!({"Username": "alice", "UserAttributes": [{"Name": "sub", "Value": "alice-sub"}]}),
    )
}

fn error(status: u16, code: &str) -> (u16, Value) {
    (status, json!({"__type": code, "message": "stub"}))
}

/// A stub whose `GetUser` answers come from `answer(n)`, n counting the `GetUser` calls from 0.
async fn stub(answer: impl Fn(usize) -> (u16, Value) + Send + Sync + 'static) -> Stub {
    let calls = AtomicUsize::new(0);
    Stub::start(move |operation, _| {
        assert_eq!(operation, "GetUser");
        answer(calls.fetch_add(1, Ordering::SeqCst))
    })
    .await
}

async fn checker(stub: &Stub) -> SanctumClient {
    SanctumClient::builder("us-east-1_AbC123xyz", "4a1b2c3d4e5f")
        .endpoint_url(&stub.endpoint)
        .credentials(Credentials::new("test", "test", None, None, "static"))
        .configure_sdk(|sdk| sdk.retry_config(RetryConfig::disabled()))
        .build()
        .await
        .expect("client builds")
}

/// A verifier of `issuer`'s tokens whose online check asks the stub, throttled questions asked
/// again twice without waiting.
async fn verifier(issuer: &TestIssuer, stub: &Stub, policy: WhenUnreachable) -> Verifier {
    let check = OnlineCheck::new(checker(stub).await)
        .when_unreachable(policy)
        .retry_throttled(2, Duration::ZERO)
        .retry_unreachable_after(Duration::from_secs(3600));
    issuer
        .verifier_builder()
        .online_check(check)
        .build()
        .expect("builds")
}

fn asked(stub: &Stub) -> usize {
    stub.recorded().len()
}

#[tokio::test]
async fn a_throttled_get_user_is_asked_again_and_its_live_answer_kept() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let stub = stub(|n| match n {
        0 => error(400, "TooManyRequestsException"),
        1 => error(400, "LimitExceededException"),
        _ => live_user(),
    })
    .await;
    let verifier = verifier(&issuer, &stub, WhenUnreachable::Refuse).await;
    let token = issuer.access_token().build();

    verifier
        .verify_access(&token)
        .await
        .expect("live after two throttled answers");
    assert_eq!(asked(&stub), 3, "asked, then asked again twice");
    verifier.verify_access(&token).await.expect("kept");
    assert_eq!(asked(&stub), 3, "the live answer is kept");
}

#[tokio::test]
async fn throttling_gives_up_after_the_retries_and_never_holds_off_the_next_token() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let stub = stub(|_| error(400, "TooManyRequestsException")).await;
    let refusing = verifier(&issuer, &stub, WhenUnreachable::Refuse).await;
    let (alice, bob) = (
        issuer.access_token().sub("alice").build(),
        issuer.access_token().sub("bob").build(),
    );

    let err = refusing
        .verify_access(&alice)
        .await
        .expect_err("still throttled");
    assert!(
        matches!(err, VerifyError::RevocationCheckUnavailable),
        "{err:?}"
    );
    assert_eq!(asked(&stub), 3, "one question and two retries, no more");
    // no hold-off: the next token is asked at once (under the old rule, which held off on
    // throttling, bob was refused without a question)
    let err = refusing
        .verify_access(&bob)
        .await
        .expect_err("still throttled");
    assert!(
        matches!(err, VerifyError::RevocationCheckUnavailable),
        "{err:?}"
    );
    assert_eq!(asked(&stub), 6, "bob's question was asked");
    // nor is a throttled answer kept: alice asks again
    refusing
        .verify_access(&alice)
        .await
        .expect_err("still throttled");
    assert_eq!(asked(&stub), 9);
}

#[tokio::test]
async fn allowing_accepts_a_throttled_token_unconfirmed_and_asks_again_next_time() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let stub = stub(|_| error(400, "LimitExceededException")).await;
    let allowing = verifier(&issuer, &stub, WhenUnreachable::Allow).await;
    let token = issuer.access_token().build();
    allowing
        .verify_access(&token)
        .await
        .expect("accepted on the local checks");
    allowing
        .verify_access(&token)
        .await
        .expect("accepted on the local checks");
    assert_eq!(
        asked(&stub),
        6,
        "each request asks (three calls each): nothing kept"
    );
}

#[tokio::test]
async fn a_server_error_holds_off_every_token_without_a_retry() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let stub = stub(|_| error(500, "InternalErrorException")).await;
    let refusing = verifier(&issuer, &stub, WhenUnreachable::Refuse).await;
    let (alice, bob) = (
        issuer.access_token().sub("alice").build(),
        issuer.access_token().sub("bob").build(),
    );
    for token in [&alice, &bob] {
        let err = refusing.verify_access(token).await.expect_err("held off");
        assert!(
            matches!(err, VerifyError::RevocationCheckUnavailable),
            "{err:?}"
        );
    }
    assert_eq!(
        asked(&stub),
        1,
        "no retry, and bob is held off without a question"
    );
}

#[tokio::test]
async fn another_client_error_is_undecided_for_that_token_alone() {
    let issuer = TestIssuer::start().await.expect("issuer");
    // a 4xx that neither refuses the token nor throttles: no retry, no hold-off
    let stub = stub(|_| error(400, "InvalidParameterException")).await;
    let refusing = verifier(&issuer, &stub, WhenUnreachable::Refuse).await;
    let (alice, bob) = (
        issuer.access_token().sub("alice").build(),
        issuer.access_token().sub("bob").build(),
    );
    refusing.verify_access(&alice).await.expect_err("undecided");
    refusing.verify_access(&bob).await.expect_err("undecided");
    assert_eq!(asked(&stub), 2, "one question each");
}
