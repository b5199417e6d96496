//! The exact requests sanctum builds, checked on a recording stub where moto cannot check them:
//! SECRET_HASH values (moto ignores them on most calls), SMS codes (moto accepts any),
//! CUSTOM_AUTH (moto answers with an empty body), MFA_SETUP (moto's parameters do not parse),
//! and calls moto does not implement.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;

use aws_sdk_cognitoidentityprovider::config::Credentials;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use cognito_support::{Recorded, Stub};
use sanctum_core::cognito::{
    CognitoError, MfaKind, PasswordFlow, SanctumClient, SignInStep, SignUp,
};
use sanctum_core::credentials::{AccessToken, RefreshToken, Username};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_AbC123xyz";
const CLIENT_ID: &str = "4a1b2c3d4e5f";
const SECRET: &str = "s3cr3t-client-secret";
// base64(HMAC-SHA256(SECRET, username + CLIENT_ID)), computed independently with Python's
// hmac, hashlib and base64 modules.
const HASH_ALICE: &str = "hxcKx07E+c5p2ccN1WqQOpantx3KslidkDcutoSglTI=";
const HASH_BOB: &str = "Id9HGvUZj2d6fw049rQwml6+RDuCDxbLVsvpye6DP4U=";
const SUB: &str = "0f2c6d1e-7b8a-4c3d-9e0f-1a2b3c4d5e6f";
const HASH_SUB: &str = "zGslAy+Df9TfquoH2ccOOhlDWonfQtOopbM6AsnF4oo=";

fn tokens_reply() -> Value {
    json!({"AuthenticationResult": {
        "AccessToken": "stub-access", "IdToken": "stub-id", "RefreshToken": "stub-refresh",
        "ExpiresIn": 3600, "TokenType": "Bearer"
    }})
}

/// A client of the stub; `authenticate_user` sends the password (`USER_PASSWORD_AUTH`): the SRP
/// requests have their own tests in `cognito_srp_requests.rs`.
async fn client(stub: &Stub, secret: bool) -> SanctumClient {
    let mut builder = SanctumClient::builder(POOL, CLIENT_ID)
        .password_flow(PasswordFlow::UserPassword)
        .endpoint_url(&stub.endpoint)
        .credentials(Credentials::new("test", "test", None, None, "static"))
        .configure_sdk(|sdk| sdk.retry_config(RetryConfig::disabled()));
    if secret {
        builder = builder.client_secret(SECRET);
    }
    builder.build().await.expect("client builds")
}

fn only(stub: &Stub) -> Recorded {
    let recorded = stub.recorded();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    recorded.into_iter().next().expect("one request")
}

#[tokio::test]
async fn secret_hash_known_vector_on_user_and_admin_password_sign_in_unchecked_by_moto() {
    let stub = Stub::start(|_, _| (200, tokens_reply())).await;
    let client = client(&stub, true).await;

    let result = client
        .auth()
        .sign_in("alice", "Passw0rd!")
        .await
        .expect("tokens");
    let SignInStep::Done(tokens) = result else {
        panic!("tokens expected")
    };
    assert_eq!(tokens.access_token.secret(), "stub-access");
    assert_eq!(
        tokens.refresh_token.as_ref().map(RefreshToken::secret),
        Some("stub-refresh")
    );
    client
        .admin()
        .sign_in("alice", "Passw0rd!")
        .await
        .expect("tokens");

    let recorded = stub.recorded();
    assert_eq!(recorded[0].operation, "InitiateAuth");
    assert_eq!(
        recorded[0].body,
        json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": CLIENT_ID,
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!", "SECRET_HASH": HASH_ALICE},
        })
    );
    assert_eq!(recorded[1].operation, "AdminInitiateAuth");
    assert_eq!(
        recorded[1].body,
        json!({
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "ClientId": CLIENT_ID,
            "UserPoolId": POOL,
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!", "SECRET_HASH": HASH_ALICE},
        })
    );
}

#[tokio::test]
async fn without_a_client_secret_no_secret_hash_is_sent() {
    let stub = Stub::start(|_, _| (200, tokens_reply())).await;
    let client = client(&stub, false).await;
    client
        .auth()
        .sign_in("alice", "Passw0rd!")
        .await
        .expect("tokens");
    client
        .auth()
        .refresh(
            &RefreshToken::new("stub-refresh"),
            Some(&Username::new("alice")),
        )
        .await
        .expect("tokens");
    for request in stub.recorded() {
        assert!(
            !request.body.to_string().contains("SECRET_HASH"),
            "{request:?}"
        );
        assert!(request.body.get("SecretHash").is_none(), "{request:?}");
        assert!(request.body.get("ClientSecret").is_none(), "{request:?}");
    }
}

// An endpoint without GetTokensFromRefreshToken (moto answers it with a bare HTTP 500, a
// Cognito-compatible server may name an unknown operation): REFRESH_TOKEN_AUTH, remembered.
#[tokio::test]
async fn without_get_tokens_from_refresh_token_refresh_falls_back_to_refresh_token_auth_with_the_secret_hash_of_the_given_username()
 {
    let stub = Stub::start(|operation, _| match operation {
        "GetTokensFromRefreshToken" => (
            400,
            json!({"__type": "UnknownOperationException", "message": "no such operation"}),
        ),
        _ => (
            200,
            json!({"AuthenticationResult": {"AccessToken": "new-access", "IdToken": "new-id", "ExpiresIn": 3600}}),
        ),
    })
    .await;
    let client = client(&stub, true).await;
    let tokens = client
        .auth()
        .refresh(
            &RefreshToken::new("stub-refresh"),
            Some(&Username::new(SUB)),
        )
        .await
        .expect("tokens");
    assert_eq!(tokens.access_token.secret(), "new-access");
    assert_eq!(
        tokens.refresh_token.as_ref().map(RefreshToken::secret),
        Some("stub-refresh"),
        "the old refresh token is kept"
    );
    client
        .auth()
        .refresh(
            &RefreshToken::new("stub-refresh"),
            Some(&Username::new(SUB)),
        )
        .await
        .expect("tokens again");
    let recorded = stub.recorded();
    let operations: Vec<&str> = recorded.iter().map(|r| r.operation.as_str()).collect();
    assert_eq!(
        operations,
        ["GetTokensFromRefreshToken", "InitiateAuth", "InitiateAuth"],
        "tried once, then REFRESH_TOKEN_AUTH directly"
    );
    assert_eq!(
        recorded[0].body,
        json!({"ClientId": CLIENT_ID, "RefreshToken": "stub-refresh", "ClientSecret": SECRET})
    );
    for request in &recorded[1..] {
        assert_eq!(
            request.body,
            json!({
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "ClientId": CLIENT_ID,
                "AuthParameters": {"REFRESH_TOKEN": "stub-refresh", "SECRET_HASH": HASH_SUB},
            })
        );
    }

    // without a user name there is no SECRET_HASH to send: refused before any request
    let before = stub.recorded().len();
    let err = client
        .auth()
        .refresh(&RefreshToken::new("stub-refresh"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CognitoError::InvalidArgument {
                what: "username",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(stub.recorded().len(), before);
}

// Where GetTokensFromRefreshToken exists (Cognito: every app client), it is the one call, with the
// client secret; a refused token never falls back to REFRESH_TOKEN_AUTH.
#[tokio::test]
async fn refresh_uses_get_tokens_from_refresh_token_with_the_client_secret_and_never_falls_back_on_a_refusal()
 {
    let stub = Stub::start(|_, body| match body["RefreshToken"].as_str() {
        Some("stub-refresh") => (
            200,
            json!({"AuthenticationResult": {"AccessToken": "new-access", "RefreshToken": "rotated-refresh", "ExpiresIn": 3600}}),
        ),
        _ => (
            400,
            json!({"__type": "NotAuthorizedException", "message": "Invalid refresh token."}),
        ),
    })
    .await;
    let client = client(&stub, true).await;
    let tokens = client
        .auth()
        .refresh(&RefreshToken::new("stub-refresh"), None)
        .await
        .expect("no user name needed");
    assert_eq!(tokens.access_token.secret(), "new-access");
    assert_eq!(
        tokens.refresh_token.as_ref().map(RefreshToken::secret),
        Some("rotated-refresh")
    );
    let err = client
        .auth()
        .refresh(
            &RefreshToken::new("revoked-refresh"),
            Some(&Username::new(SUB)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
    let recorded = stub.recorded();
    let operations: Vec<&str> = recorded.iter().map(|r| r.operation.as_str()).collect();
    assert_eq!(
        operations,
        ["GetTokensFromRefreshToken", "GetTokensFromRefreshToken"]
    );
    assert_eq!(
        recorded[0].body,
        json!({"ClientId": CLIENT_ID, "RefreshToken": "stub-refresh", "ClientSecret": SECRET})
    );
}

// fakecloud ignores the client secret on RevokeToken: the request is checked here.
#[tokio::test]
async fn revoke_sends_the_token_client_id_and_client_secret() {
    let stub = Stub::start(|_, _| (200, json!({}))).await;
    for secret in [true, false] {
        let client = client(&stub, secret).await;
        client
            .auth()
            .revoke(&RefreshToken::new("stub-refresh"))
            .await
            .expect("revoked");
    }
    let recorded = stub.recorded();
    assert_eq!(recorded[0].operation, "RevokeToken");
    assert_eq!(
        recorded[0].body,
        json!({"ClientId": CLIENT_ID, "Token": "stub-refresh", "ClientSecret": SECRET})
    );
    assert_eq!(
        recorded[1].body,
        json!({"ClientId": CLIENT_ID, "Token": "stub-refresh"})
    );
}

#[tokio::test]
async fn sms_mfa_answer_sends_the_code_and_the_hash_of_user_id_for_srp_as_moto_accepts_any_sms_code()
 {
    let stub = Stub::start(|operation, _| match operation {
        "InitiateAuth" => (
            200,
            json!({
                "ChallengeName": "SMS_MFA",
                "Session": "session-1",
                "ChallengeParameters": {"CODE_DELIVERY_DESTINATION": "+*******1234", "USER_ID_FOR_SRP": SUB},
            }),
        ),
        _ => (200, tokens_reply()),
    })
    .await;
    let client = client(&stub, true).await;
    let result = client
        .auth()
        .sign_in("alice@example.com", "Passw0rd!")
        .await
        .expect("challenge");
    let SignInStep::SmsCode(challenge) = result else {
        panic!("SMS challenge expected: {result:?}");
    };
    assert_eq!(challenge.challenge_name(), "SMS_MFA");
    assert_eq!(
        challenge.username().as_str(),
        SUB,
        "USER_ID_FOR_SRP, not the alias"
    );
    assert_eq!(challenge.code_destination(), Some("+*******1234"));

    let done = challenge.answer(&client, "424242").await.expect("answered");
    assert!(matches!(done, SignInStep::Done(_)));
    let answer = &stub.recorded()[1];
    assert_eq!(answer.operation, "RespondToAuthChallenge");
    assert_eq!(
        answer.body,
        json!({
            "ClientId": CLIENT_ID,
            "ChallengeName": "SMS_MFA",
            "Session": "session-1",
            "ChallengeResponses": {"SMS_MFA_CODE": "424242", "USERNAME": SUB, "SECRET_HASH": HASH_SUB},
        })
    );
}

#[tokio::test]
async fn custom_auth_initiate_and_custom_challenge_answer_which_moto_does_not_support() {
    let stub = Stub::start(|operation, _| match operation {
        "InitiateAuth" | "AdminInitiateAuth" => (
            200,
            json!({
                "ChallengeName": "CUSTOM_CHALLENGE",
                "Session": "session-c",
                "ChallengeParameters": {"question": "2+2?", "USERNAME": "alice"},
            }),
        ),
        _ => (200, tokens_reply()),
    })
    .await;
    let client = client(&stub, true).await;
    let result = client.auth().custom_auth("alice").await.expect("challenge");
    let SignInStep::CustomChallenge(challenge) = result else {
        panic!("custom challenge expected: {result:?}");
    };
    assert_eq!(challenge.challenge_name(), "CUSTOM_CHALLENGE");
    assert_eq!(challenge.parameters()["question"], "2+2?");
    challenge
        .answer(&client, "4")
        .await
        .expect("answered")
        .into_tokens()
        .expect("tokens");

    let admin = client
        .admin()
        .custom_auth("alice")
        .await
        .expect("challenge");
    let SignInStep::CustomChallenge(admin_challenge) = admin else {
        panic!("custom challenge expected: {admin:?}");
    };
    admin_challenge
        .answer(&client, "4")
        .await
        .expect("answered");

    let recorded = stub.recorded();
    assert_eq!(
        recorded[0].body,
        json!({
            "AuthFlow": "CUSTOM_AUTH",
            "ClientId": CLIENT_ID,
            "AuthParameters": {"USERNAME": "alice", "SECRET_HASH": HASH_ALICE},
        })
    );
    assert_eq!(
        recorded[1].body,
        json!({
            "ClientId": CLIENT_ID,
            "ChallengeName": "CUSTOM_CHALLENGE",
            "Session": "session-c",
            "ChallengeResponses": {"ANSWER": "4", "USERNAME": "alice", "SECRET_HASH": HASH_ALICE},
        })
    );
    assert_eq!(recorded[2].operation, "AdminInitiateAuth");
    assert_eq!(recorded[3].operation, "AdminRespondToAuthChallenge");
    assert_eq!(recorded[3].body["UserPoolId"], POOL);
    assert_eq!(recorded[3].body["ChallengeResponses"]["ANSWER"], "4");
}

#[tokio::test]
async fn mfa_setup_associates_verifies_and_answers_with_the_latest_session_which_moto_cannot_parse()
{
    let stub = Stub::start(|operation, _| match operation {
        "InitiateAuth" => (
            200,
            json!({"ChallengeName": "MFA_SETUP", "Session": "s1", "ChallengeParameters": {"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"}}),
        ),
        "AssociateSoftwareToken" => (200, json!({"SecretCode": "JBSWY3DPEHPK3PXP", "Session": "s2"})),
        "VerifySoftwareToken" => (200, json!({"Status": "SUCCESS", "Session": "s3"})),
        _ => (200, tokens_reply()),
    })
    .await;
    let client = client(&stub, false).await;
    let step = client
        .auth()
        .sign_in("alice", "Passw0rd!")
        .await
        .expect("challenge");
    let SignInStep::SetUpTotp(setup) = step else {
        panic!("MFA_SETUP expected: {step:?}");
    };
    assert_eq!(setup.challenge_name(), "MFA_SETUP");
    assert_eq!(setup.choices(), [MfaKind::Totp]);
    let setup = setup.associate(&client).await.expect("associated");
    assert_eq!(setup.secret_code(), Some("JBSWY3DPEHPK3PXP"));
    // the step, secret and next session included, is stored between the two requests
    let stored = serde_json::to_string(&SignInStep::SetUpTotp(setup)).expect("stored");
    let SignInStep::SetUpTotp(setup) = serde_json::from_str(&stored).expect("restored") else {
        panic!("not a setup step: {stored}");
    };
    setup
        .answer(&client, "123456", None)
        .await
        .expect("answered")
        .into_tokens()
        .expect("tokens");

    let recorded = stub.recorded();
    assert_eq!(recorded[1].body, json!({"Session": "s1"}));
    assert_eq!(
        recorded[2].body,
        json!({"Session": "s2", "UserCode": "123456"})
    );
    assert_eq!(
        recorded[3].body,
        json!({"ClientId": CLIENT_ID, "ChallengeName": "MFA_SETUP", "Session": "s3", "ChallengeResponses": {"USERNAME": "alice"}})
    );
}

#[tokio::test]
async fn select_mfa_type_and_unknown_challenges_are_kept_by_name_and_answered() {
    let stub = Stub::start(|operation, body| match (operation, body["ChallengeName"].as_str()) {
        ("InitiateAuth", _) => (200, json!({"ChallengeName": "SELECT_MFA_TYPE", "Session": "s1", "ChallengeParameters": {}})),
        (_, Some("SELECT_MFA_TYPE")) => (200, json!({"ChallengeName": "FUTURE_CHALLENGE", "Session": "s2", "ChallengeParameters": {"FUTURE_OPTIONS": "{}"}})),
        _ => (200, tokens_reply()),
    })
    .await;
    let client = client(&stub, false).await;
    let first = client
        .auth()
        .sign_in("alice", "Passw0rd!")
        .await
        .expect("challenge");
    let SignInStep::SelectMfa(select) = first else {
        panic!("SELECT_MFA_TYPE expected: {first:?}");
    };
    assert!(select.choices().is_empty(), "moto-like: no MFAS_CAN_CHOOSE");
    let next = select
        .answer(&client, MfaKind::Totp)
        .await
        .expect("answered");
    let SignInStep::Unknown(unknown) = next else {
        panic!("unknown challenge expected: {next:?}");
    };
    assert_eq!(unknown.challenge_name(), "FUTURE_CHALLENGE");
    assert_eq!(unknown.parameters()["FUTURE_OPTIONS"], "{}");
    let raw = [("CREDENTIAL".to_owned(), "{\"id\":\"x\"}".to_owned())].into();
    unknown.answer(&client, raw).await.expect("answered");

    let recorded = stub.recorded();
    assert_eq!(
        recorded[1].body["ChallengeResponses"],
        json!({"ANSWER": "SOFTWARE_TOKEN_MFA", "USERNAME": "alice"})
    );
    assert_eq!(recorded[2].body["ChallengeName"], "FUTURE_CHALLENGE");
    assert_eq!(
        recorded[2].body["ChallengeResponses"],
        json!({"CREDENTIAL": "{\"id\":\"x\"}", "USERNAME": "alice"})
    );
}

#[tokio::test]
async fn a_stored_step_answers_through_the_api_it_names() {
    let stub = Stub::start(|_, _| (200, tokens_reply())).await;
    let client = client(&stub, true).await;
    let stored = json!({
        "step": "new_password", "challenge": "NEW_PASSWORD_REQUIRED", "username": "bob",
        "session": "kept-session", "admin": true,
    });
    let SignInStep::NewPassword(step) = serde_json::from_value(stored).expect("a step") else {
        panic!("not a new-password step");
    };
    step.answer(&client, "N3w-Passw0rd")
        .await
        .expect("answered");
    let request = only(&stub);
    assert_eq!(request.operation, "AdminRespondToAuthChallenge");
    assert_eq!(
        request.body["ChallengeResponses"],
        json!({"NEW_PASSWORD": "N3w-Passw0rd", "USERNAME": "bob", "SECRET_HASH": HASH_BOB})
    );
    assert_eq!(request.body["Session"], "kept-session");
}

#[tokio::test]
async fn self_service_calls_carry_the_secret_hash_known_vector_unchecked_by_moto() {
    let stub = Stub::start(|operation, _| match operation {
        "SignUp" => (200, json!({"UserConfirmed": false, "UserSub": SUB,
            "CodeDeliveryDetails": {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}})),
        "ResendConfirmationCode" | "ForgotPassword" => (200, json!({"CodeDeliveryDetails": {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}})),
        _ => (200, json!({})),
    })
    .await;
    let client = client(&stub, true).await;
    let users = client.auth();
    let signed_up = users
        .sign_up(SignUp::new("alice", "Passw0rd!").email("alice@example.com"))
        .await
        .expect("sign-up");
    assert_eq!(signed_up.sub, SUB);
    assert_eq!(
        signed_up.code_delivery.and_then(|d| d.medium).as_deref(),
        Some("EMAIL")
    );
    users
        .confirm_sign_up("alice", "123456")
        .await
        .expect("confirm");
    let resent = users
        .resend_confirmation_code("alice")
        .await
        .expect("resend");
    assert_eq!(
        resent.and_then(|d| d.destination).as_deref(),
        Some("a***@e***")
    );
    users.forgot_password("alice").await.expect("forgot");
    users
        .confirm_forgot_password("alice", "654321", "N3w-Passw0rd")
        .await
        .expect("confirm forgot");

    let recorded = stub.recorded();
    let operations: Vec<_> = recorded.iter().map(|r| r.operation.as_str()).collect();
    assert_eq!(
        operations,
        [
            "SignUp",
            "ConfirmSignUp",
            "ResendConfirmationCode",
            "ForgotPassword",
            "ConfirmForgotPassword"
        ]
    );
    for request in &recorded {
        assert_eq!(request.body["SecretHash"], HASH_ALICE, "{request:?}");
        assert_eq!(request.body["ClientId"], CLIENT_ID, "{request:?}");
        assert_eq!(request.body["Username"], "alice", "{request:?}");
    }
    assert_eq!(
        recorded[0].body["UserAttributes"],
        json!([{"Name": "email", "Value": "alice@example.com"}])
    );
    assert_eq!(recorded[1].body["ConfirmationCode"], "123456");
    assert_eq!(recorded[4].body["ConfirmationCode"], "654321");
    assert_eq!(recorded[4].body["Password"], "N3w-Passw0rd");
}

#[tokio::test]
async fn own_user_delete_and_attribute_delete_which_moto_does_not_implement() {
    let stub = Stub::start(|_, _| (200, json!({}))).await;
    let client = client(&stub, false).await;
    client
        .user(&AccessToken::new("stub-access"))
        .delete_attributes(["locale"])
        .await
        .expect("deleted attributes");
    client
        .user(&AccessToken::new("stub-access"))
        .delete()
        .await
        .expect("deleted");
    let recorded = stub.recorded();
    assert_eq!(recorded[0].operation, "DeleteUserAttributes");
    assert_eq!(
        recorded[0].body,
        json!({"AccessToken": "stub-access", "UserAttributeNames": ["locale"]})
    );
    assert_eq!(recorded[1].operation, "DeleteUser");
    assert_eq!(recorded[1].body, json!({"AccessToken": "stub-access"}));
}

#[tokio::test]
async fn exceptions_keep_code_message_and_request_id_and_transport_errors_are_separate() {
    let stub = Stub::start(|operation, _| match operation {
        "InitiateAuth" => (400, json!({"__type": "PasswordResetRequiredException", "message": "Password reset required for the user"})),
        "GlobalSignOut" => (500, json!({})),
        _ => (400, json!({"__type": "UserNotConfirmedException", "message": "User is not confirmed."})),
    })
    .await;
    let client = client(&stub, false).await;
    let err = client
        .auth()
        .sign_in("alice", "Passw0rd!")
        .await
        .unwrap_err();
    assert!(
        matches!(err, CognitoError::PasswordResetRequired(_)),
        "{err:?}"
    );
    let aws = err.aws().expect("AWS details");
    assert_eq!(aws.code, "PasswordResetRequiredException");
    assert_eq!(
        aws.message.as_deref(),
        Some("Password reset required for the user")
    );
    assert_eq!(aws.request_id.as_deref(), Some("stub-request-1"));
    let err = client
        .admin()
        .sign_in("alice", "Passw0rd!")
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::UserNotConfirmed(_)), "{err:?}");
    let err = client
        .user(&AccessToken::new("stub-access"))
        .sign_out_everywhere()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CognitoError::Service(_)),
        "an answer without exception name: {err:?}"
    );
    assert_eq!(err.code(), Some("HTTP 500"));
    assert_eq!(err.request_id(), Some("stub-request-1"));

    // a port nothing listens on: connection refused, no Cognito answer
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let closed = SanctumClient::builder(POOL, CLIENT_ID)
        .endpoint_url(endpoint)
        .credentials(Credentials::new("test", "test", None, None, "static"))
        .configure_sdk(|sdk| sdk.retry_config(RetryConfig::disabled()))
        .build()
        .await
        .expect("client");
    let err = closed
        .auth()
        .sign_in("alice", "Passw0rd!")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CognitoError::Transport {
                operation: "InitiateAuth",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.aws().is_none());
}

#[tokio::test]
async fn debug_output_of_client_builder_and_inputs_never_shows_secrets() {
    let stub = Stub::start(|_, _| (200, tokens_reply())).await;
    let builder = SanctumClient::builder(POOL, CLIENT_ID).client_secret(SECRET);
    let client = client(&stub, true).await;
    let tokens = client
        .auth()
        .sign_in("alice", "Passw0rd!")
        .await
        .expect("tokens")
        .into_tokens()
        .expect("tokens");
    let shown = format!(
        "{builder:?} {client:?} {tokens:?} {:?} {:?} {:?}",
        SignUp::new("alice", "Passw0rd!"),
        sanctum_core::cognito::NewUser::new("alice").temporary_password("Passw0rd!"),
        client.user(&AccessToken::new("stub-access")),
    );
    for secret in [
        SECRET,
        "Passw0rd!",
        "stub-access",
        "stub-id",
        "stub-refresh",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert!(shown.contains(CLIENT_ID) && shown.contains(POOL), "{shown}");
}

#[tokio::test]
async fn invalid_settings_are_config_errors() {
    use sanctum_core::ConfigError;
    let bad_region = SanctumClient::builder(POOL, CLIENT_ID)
        .region("nowhere")
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(bad_region, ConfigError::InvalidRegion { .. }),
        "{bad_region:?}"
    );
    let bad_pool = SanctumClient::builder("pool", CLIENT_ID)
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(bad_pool, ConfigError::InvalidUserPoolId { .. }),
        "{bad_pool:?}"
    );
    let elsewhere = SanctumClient::builder(POOL, CLIENT_ID)
        .region("eu-west-1")
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(elsewhere, ConfigError::RegionMismatch { .. }),
        "the region must be the pool id's: {elsewhere:?}"
    );
    let derived = SanctumClient::builder("eu-central-1_AbC123xyz", CLIENT_ID)
        .credentials(Credentials::new("test", "test", None, None, "static"))
        .build()
        .await
        .expect("builds");
    assert_eq!(derived.region(), "eu-central-1", "the pool id's region");
    let bad_endpoint = SanctumClient::builder(POOL, CLIENT_ID)
        .endpoint_url("127.0.0.1:9")
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(
            bad_endpoint,
            ConfigError::InvalidUrl {
                what: "endpoint_url",
                ..
            }
        ),
        "{bad_endpoint:?}"
    );
    let empty_secret = SanctumClient::builder(POOL, CLIENT_ID)
        .client_secret("")
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(
            empty_secret,
            ConfigError::InvalidSetting {
                what: "client_secret",
                ..
            }
        ),
        "{empty_secret:?}"
    );
}

#[tokio::test]
async fn an_unreadable_response_is_a_transport_error_that_never_shows_the_body() {
    let stub = Stub::start(|_, _| {
        (
            200,
            json!({"AuthenticationResult": {"AccessToken": "SECRET-IN-BODY", "ExpiresIn": "not a number"}}),
        )
    })
    .await;
    let client = client(&stub, false).await;
    let err = client
        .auth()
        .sign_in("alice", "Passw0rd!")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CognitoError::Transport {
                operation: "InitiateAuth",
                ..
            }
        ),
        "{err:?}"
    );
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains("SECRET-IN-BODY"), "{shown}");
    }
}

#[tokio::test]
async fn an_operation_that_gets_no_answer_times_out() {
    // accepts connections and never answers
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let client = SanctumClient::builder(POOL, CLIENT_ID)
        .endpoint_url(endpoint)
        .credentials(Credentials::new("test", "test", None, None, "static"))
        .timeout(std::time::Duration::from_millis(300))
        .build()
        .await
        .expect("client");
    let err = client
        .auth()
        .sign_in("alice", "Passw0rd!")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CognitoError::Transport {
                operation: "InitiateAuth",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("timeout"), "{err}");
    silent.abort();

    let zero = SanctumClient::builder(POOL, CLIENT_ID)
        .timeout(std::time::Duration::ZERO)
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(
            zero,
            sanctum_core::ConfigError::InvalidSetting {
                what: "timeout",
                ..
            }
        ),
        "{zero:?}"
    );
}

#[tokio::test]
async fn group_listings_follow_next_tokens_and_refuse_a_repeated_token() {
    let stub = Stub::start(|operation, body| {
        let group = |name: &str| json!({"GroupName": name, "UserPoolId": POOL});
        match (operation, body["NextToken"].as_str()) {
            ("ListGroups", None) => (
                200,
                json!({"Groups": [group("a"), group("b")], "NextToken": "t1"}),
            ),
            ("ListGroups", Some("t1")) => (200, json!({"Groups": [group("c")]})),
            // a server that hands out the same token forever
            ("AdminListGroupsForUser", _) => {
                (200, json!({"Groups": [group("a")], "NextToken": "again"}))
            }
            ("ListUsers", _) => (
                200,
                json!({"Users": [{"Username": "u", "Enabled": true}], "PaginationToken": "again"}),
            ),
            _ => (400, json!({"__type": "InvalidParameterException"})),
        }
    })
    .await;
    let client = client(&stub, false).await;
    let names: Vec<_> = client
        .admin()
        .groups()
        .list_all()
        .await
        .expect("listed")
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    let recorded = stub.recorded();
    assert_eq!(recorded[0].body, json!({"UserPoolId": POOL}));
    assert_eq!(
        recorded[1].body,
        json!({"UserPoolId": POOL, "NextToken": "t1"})
    );

    let err = client
        .admin()
        .groups()
        .of_user_all("alice")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CognitoError::UnexpectedResponse {
                operation: "AdminListGroupsForUser",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        stub.recorded().len(),
        4,
        "two pages, then the repeated token stops it"
    );

    let users: Vec<_> =
        futures_util::StreamExt::collect::<Vec<_>>(client.admin().users().list(Default::default()))
            .await;
    assert_eq!(users.len(), 2, "{users:?}");
    assert!(users[0].is_ok());
    assert!(
        matches!(
            users[1],
            Err(CognitoError::UnexpectedResponse {
                operation: "ListUsers",
                ..
            })
        ),
        "{users:?}"
    );
}
