//! The exact USER_SRP_AUTH requests sanctum builds, on a recording stub: what fakecloud does not
//! check (SECRET_HASH on the PASSWORD_VERIFIER answer, the TIMESTAMP from the client's clock) and
//! the typed next step after SRP. The proof itself is checked by fakecloud (`cognito_fakecloud.rs`)
//! and against pycognito (`cognito_srp_kat.rs`).
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use aws_sdk_cognitoidentityprovider::config::Credentials;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use cognito_support::Stub;
use sanctum_core::cognito::SrpError;
use sanctum_core::cognito::{CognitoError, SanctumClient, SignInStep};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_AbC123xyz";
const CLIENT_ID: &str = "4a1b2c3d4e5f";
const SECRET: &str = "s3cr3t-client-secret";
const SUB: &str = "0f2c6d1e-7b8a-4c3d-9e0f-1a2b3c4d5e6f";
// base64(HMAC-SHA256(SECRET, name + CLIENT_ID)), computed with Python's hmac and base64.
const HASH_ALIAS: &str = "LpKBxevXCBx06LRZYC0kKq/GeYDE+zw5THP70YnG3H4=";
const HASH_SUB: &str = "zGslAy+Df9TfquoH2ccOOhlDWonfQtOopbM6AsnF4oo=";
const SECRET_BLOCK: &str = "c2VjcmV0LWJsb2NrLWZyb20tY29nbml0bw==";
// 2026-01-04 01:01:01 UTC, a Sunday
const NOW: u64 = 1_767_488_461;

fn verifier_challenge(srp_b: &str) -> Value {
    json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": "srp-session",
        "ChallengeParameters": {
            "SALT": "9a3b5c7d9e1f2a4b6c8d0e1f2a3b4c5d",
            "SRP_B": srp_b,
            "SECRET_BLOCK": SECRET_BLOCK,
            "USER_ID_FOR_SRP": SUB,
            "USERNAME": SUB,
        }
    })
}

async fn client(stub: &Stub) -> SanctumClient {
    SanctumClient::builder(POOL, CLIENT_ID)
        .endpoint_url(&stub.endpoint)
        .credentials(Credentials::new("test", "test", None, None, "static"))
        .configure_sdk(|sdk| sdk.retry_config(RetryConfig::disabled()))
        .client_secret(SECRET)
        .clock(|| UNIX_EPOCH + Duration::from_secs(NOW))
        .build()
        .await
        .expect("client builds")
}

#[tokio::test]
async fn srp_sign_in_sends_srp_a_then_the_proof_with_the_session_user_id_for_srp_and_its_secret_hash()
 {
    let stub = Stub::start(
        |operation, body| match (operation, body["ChallengeName"].as_str()) {
            ("InitiateAuth", _) => (200, verifier_challenge("7b2f9c")),
            ("RespondToAuthChallenge", Some("PASSWORD_VERIFIER")) => (
                200,
                json!({
                    "ChallengeName": "SOFTWARE_TOKEN_MFA",
                    "Session": "mfa-session",
                    "ChallengeParameters": {}
                }),
            ),
            _ => (
                200,
                json!({"AuthenticationResult": {"AccessToken": "stub-access", "ExpiresIn": 3600}}),
            ),
        },
    )
    .await;
    let client = client(&stub).await;

    let result = client
        .auth()
        .sign_in("alice@example.com", "Passw0rd!")
        .await
        .expect("SRP runs");
    let SignInStep::TotpCode(challenge) = result else {
        panic!("the MFA step expected: {result:?}")
    };
    assert_eq!(challenge.challenge_name(), "SOFTWARE_TOKEN_MFA");
    assert_eq!(challenge.username().as_str(), SUB);
    let stored = serde_json::to_value(SignInStep::TotpCode(challenge.clone())).expect("ser");
    assert_eq!(stored["session"], "mfa-session");

    let recorded = stub.recorded();
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert_eq!(recorded[0].operation, "InitiateAuth");
    let init = &recorded[0].body;
    assert_eq!(init["AuthFlow"], "USER_SRP_AUTH");
    assert_eq!(init["ClientId"], CLIENT_ID);
    let params = init["AuthParameters"].as_object().expect("parameters");
    assert_eq!(params["USERNAME"], "alice@example.com");
    assert_eq!(params["SECRET_HASH"], HASH_ALIAS);
    let srp_a = params["SRP_A"].as_str().expect("SRP_A");
    assert!(
        srp_a.len() > 700 && srp_a.bytes().all(|c| c.is_ascii_hexdigit()),
        "SRP_A is a 3072-bit hex number: {srp_a}"
    );
    assert!(!init.to_string().contains("Passw0rd!"), "no password sent");
    assert_eq!(params.len(), 3);

    assert_eq!(recorded[1].operation, "RespondToAuthChallenge");
    let answer = &recorded[1].body;
    assert_eq!(answer["ChallengeName"], "PASSWORD_VERIFIER");
    assert_eq!(
        answer["Session"], "srp-session",
        "InitiateAuth's session is passed back"
    );
    let responses = answer["ChallengeResponses"].as_object().expect("responses");
    assert_eq!(responses["USERNAME"], SUB);
    assert_eq!(responses["SECRET_HASH"], HASH_SUB);
    assert_eq!(responses["TIMESTAMP"], "Sun Jan 4 01:01:01 UTC 2026");
    assert_eq!(responses["PASSWORD_CLAIM_SECRET_BLOCK"], SECRET_BLOCK);
    let signature = responses["PASSWORD_CLAIM_SIGNATURE"]
        .as_str()
        .expect("signature");
    assert_eq!(signature.len(), 44, "base64 of 32 bytes: {signature}");
    assert_eq!(responses.len(), 5);
    assert!(
        !answer.to_string().contains("Passw0rd!"),
        "no password sent"
    );

    // a wrong kind of answer does not compile (see the compile_fail examples of
    // `sanctum_core::cognito::SignInStep`); an empty code is refused before any request
    let err = challenge.answer(&client, " ").await.unwrap_err();
    assert!(
        matches!(err, CognitoError::InvalidArgument { what: "code", .. }),
        "{err:?}"
    );
    assert_eq!(stub.recorded().len(), 2, "nothing was sent");

    let tokens = challenge
        .answer(&client, "123456")
        .await
        .expect("answered")
        .into_tokens()
        .expect("tokens");
    assert_eq!(tokens.access_token.secret(), "stub-access");
    let recorded = stub.recorded();
    assert_eq!(
        recorded[2].body,
        json!({
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "ClientId": CLIENT_ID,
            "Session": "mfa-session",
            "ChallengeResponses": {
                "SOFTWARE_TOKEN_MFA_CODE": "123456", "USERNAME": SUB, "SECRET_HASH": HASH_SUB
            },
        })
    );
}

#[tokio::test]
async fn every_srp_attempt_draws_a_new_secret() {
    let stub = Stub::start(|_, _| {
        (
            400,
            json!({"__type": "NotAuthorizedException", "message": "Incorrect username or password."}),
        )
    })
    .await;
    let client = client(&stub).await;
    for _ in 0..2 {
        let err = client
            .auth()
            .sign_in("alice", "Passw0rd!")
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
    }
    let recorded = stub.recorded();
    assert_ne!(
        recorded[0].body["AuthParameters"]["SRP_A"],
        recorded[1].body["AuthParameters"]["SRP_A"]
    );
}

#[tokio::test]
async fn unsafe_or_missing_server_srp_values_stop_the_sign_in_before_the_answer() {
    for (srp_b, expected) in [
        (Some("0"), SrpError::UnsafeServerValue("B is 0 modulo N")),
        (
            None,
            SrpError::InvalidParameter {
                name: "SRP_B",
                reason: "missing",
            },
        ),
    ] {
        let stub = Stub::start(move |_, _| {
            let mut challenge = verifier_challenge(srp_b.unwrap_or("00"));
            if srp_b.is_none() {
                challenge["ChallengeParameters"]
                    .as_object_mut()
                    .expect("object")
                    .remove("SRP_B");
            }
            (200, challenge)
        })
        .await;
        let client = client(&stub).await;
        let err = client
            .auth()
            .sign_in("alice", "Passw0rd!")
            .await
            .unwrap_err();
        match err {
            CognitoError::Srp(e) => assert_eq!(e, expected),
            other => panic!("expected an SRP error, got {other:?}"),
        }
        assert_eq!(stub.recorded().len(), 1, "no answer sent");
    }
}

/// What the binary's one global subscriber wrote: every event, with its thread's name.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs (once) a subscriber that writes sanctum's events with thread names; blocking-pool
/// threads do not inherit a thread-local one, so it is global.
fn captured_events() -> Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_thread_names(true)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
            captured
        })
        .clone()
}

/// Issue 21: SRP's 3072-bit exponentiations (`A = gᵃ`, `gˣ`, `S`) run on Tokio's blocking pool,
/// not on the async worker that polls the sign-in (here the test's own thread: a
/// current-thread runtime), so other requests are not held up for their milliseconds of CPU.
#[tokio::test]
async fn srp_arithmetic_runs_on_the_blocking_pool_not_on_the_async_worker() {
    let captured = captured_events();
    let stub = Stub::start(|operation, _| match operation {
        "InitiateAuth" => (200, verifier_challenge("7b2f9c")),
        _ => (
            200,
            json!({"AuthenticationResult": {"AccessToken": "stub-access", "ExpiresIn": 3600}}),
        ),
    })
    .await;
    let client = client(&stub).await;
    let worker = std::thread::current()
        .name()
        .expect("the test thread is named")
        .to_owned();

    client
        .auth()
        .sign_in("alice", "Passw0rd!")
        .await
        .expect("signs in");

    let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
    let srp_lines: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("SRP arithmetic done"))
        .collect();
    assert!(
        srp_lines.len() >= 2,
        "A and the proof were computed off the worker: {text}"
    );
    assert!(
        srp_lines.iter().all(|line| !line.contains(&worker)),
        "no SRP arithmetic on the async worker {worker}: {srp_lines:?}"
    );
}
