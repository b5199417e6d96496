//! Steps as data: every step serialises and comes back, hides its secrets from `Debug`, and
//! refuses an answer that cannot be right before any request.

use aws_credential_types::Credentials;
use serde_json::json;

use super::flows::state_for_tests;
use super::*;
use crate::cognito::{CognitoError, DeviceSecret, NewDevice, SanctumClient};
use crate::credentials::{AccessToken, IdToken, Password, RefreshToken, Username};

fn step(challenge: &str, parameters: &[(&str, &str)], available: &[&str]) -> SignInStep {
    let mut state = state_for_tests(challenge);
    state.parameters = parameters
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    state.available_challenges = available.iter().map(|a| (*a).to_owned()).collect();
    SignInStep::of(state)
}

fn tokens() -> Tokens {
    let mut tokens = Tokens::new(AccessToken::new("ACCESS-SECRET"), 3600)
        .with_id_token(IdToken::new("ID-SECRET"))
        .with_refresh_token(RefreshToken::new("REFRESH-SECRET"));
    tokens.new_device = Some(NewDevice::new("device-key-1", "GROUP-KEY-SECRET"));
    tokens
}

/// One step of every kind, with the tag it is stored under.
fn every_step() -> Vec<(&'static str, SignInStep)> {
    let mut setup = step(
        "MFA_SETUP",
        &[("MFAS_CAN_SETUP", r#"["SOFTWARE_TOKEN_MFA"]"#)],
        &[],
    );
    if let SignInStep::SetUpTotp(s) = &mut setup {
        s.secret_code_for_tests("TOTP-SECRET-CODE");
    }
    vec![
        ("done", SignInStep::Done(tokens())),
        (
            "new_password",
            step(
                "NEW_PASSWORD_REQUIRED",
                &[("requiredAttributes", r#"["userAttributes.name"]"#)],
                &[],
            ),
        ),
        (
            "sms_code",
            step(
                "SMS_MFA",
                &[("CODE_DELIVERY_DESTINATION", "+*******1234")],
                &[],
            ),
        ),
        ("sms_code", step("SMS_OTP", &[], &[])),
        ("totp_code", step("SOFTWARE_TOKEN_MFA", &[], &[])),
        ("email_code", step("EMAIL_OTP", &[], &[])),
        (
            "select_mfa",
            step(
                "SELECT_MFA_TYPE",
                &[("MFAS_CAN_CHOOSE", r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#)],
                &[],
            ),
        ),
        ("set_up_totp", setup),
        (
            "select_first_factor",
            step("SELECT_CHALLENGE", &[], &["PASSWORD_SRP", "EMAIL_OTP"]),
        ),
        ("password", step("PASSWORD", &[], &[])),
        ("password", step("PASSWORD_SRP", &[], &[])),
        (
            "custom_challenge",
            step("CUSTOM_CHALLENGE", &[("question", "2+2")], &[]),
        ),
        (
            "passkey",
            step(
                "WEB_AUTHN",
                &[(
                    "CREDENTIAL_REQUEST_OPTIONS",
                    r#"{"challenge":"WEBAUTHN-CHALLENGE-NONCE","rpId":"example.com"}"#,
                )],
                &[],
            ),
        ),
        ("device", step("DEVICE_SRP_AUTH", &[], &[])),
        (
            "unknown",
            step(
                "FUTURE_CHALLENGE",
                &[("SECRET_BLOCK", "SECRET-BLOCK-VALUE")],
                &[],
            ),
        ),
    ]
}

#[test]
fn every_step_round_trips_through_serde_with_its_session_and_parameters() {
    for (tag, step) in every_step() {
        let json = serde_json::to_value(&step).expect("serializes");
        assert_eq!(json["step"], tag, "{json}");
        if tag != "done" {
            assert_eq!(json["session"], "session-abc", "{json}");
            assert_eq!(json["username"], "alice", "{json}");
            assert_eq!(
                Some(json["challenge"].as_str().unwrap_or_default()),
                step.challenge_name()
            );
        }
        let back: SignInStep = serde_json::from_value(json.clone()).expect("deserializes");
        assert_eq!(back, step, "{json}");
        // and from text, as a session store keeps it
        let text = serde_json::to_string(&step).expect("serializes");
        assert_eq!(serde_json::from_str::<SignInStep>(&text).ok(), Some(step));
    }
    // what each kind of step tells its caller survives the round trip
    let stored = |step: SignInStep| -> SignInStep {
        serde_json::from_str(&serde_json::to_string(&step).expect("ser")).expect("de")
    };
    let SignInStep::NewPassword(s) = stored(step(
        "NEW_PASSWORD_REQUIRED",
        &[(
            "requiredAttributes",
            r#"["userAttributes.name","userAttributes.email"]"#,
        )],
        &[],
    )) else {
        panic!("not a new-password step");
    };
    assert_eq!(s.required_attributes(), ["name", "email"]);
    let SignInStep::SelectMfa(s) = stored(step(
        "SELECT_MFA_TYPE",
        &[("MFAS_CAN_CHOOSE", r#"["SMS_MFA","EMAIL_OTP"]"#)],
        &[],
    )) else {
        panic!("not a select-MFA step");
    };
    assert_eq!(s.choices(), [MfaKind::Sms, MfaKind::Email]);
    let SignInStep::SelectFirstFactor(s) = stored(step(
        "SELECT_CHALLENGE",
        &[],
        &["PASSWORD_SRP", "EMAIL_OTP", "FUTURE_FACTOR"],
    )) else {
        panic!("not a select-factor step");
    };
    assert_eq!(
        s.factors(),
        [FirstFactor::PasswordSrp, FirstFactor::EmailOtp]
    );
    let Some((_, SignInStep::SetUpTotp(s))) = every_step()
        .into_iter()
        .find(|(tag, _)| *tag == "set_up_totp")
    else {
        panic!("no setup step");
    };
    let s = match stored(SignInStep::SetUpTotp(s)) {
        SignInStep::SetUpTotp(s) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(s.secret_code(), Some("TOTP-SECRET-CODE"));
    assert_eq!(s.choices(), [MfaKind::Totp]);
    let Some((_, SignInStep::Passkey(s))) =
        every_step().into_iter().find(|(tag, _)| *tag == "passkey")
    else {
        panic!("no passkey step");
    };
    assert_eq!(
        s.credential_request_options()
            .and_then(|o| o["challenge"].as_str().map(str::to_owned))
            .as_deref(),
        Some("WEBAUTHN-CHALLENGE-NONCE")
    );
    // an admin sign-in's step keeps answering through the admin API
    let mut admin = state_for_tests("SOFTWARE_TOKEN_MFA");
    admin.admin = true;
    let json = serde_json::to_value(SignInStep::of(admin)).expect("ser");
    assert_eq!(json["admin"], true);
}

#[test]
fn debug_of_steps_hides_sessions_tokens_secret_parameters_and_totp_secrets() {
    let shown = format!("{:?}", every_step());
    for secret in [
        "session-abc",
        "ACCESS-SECRET",
        "ID-SECRET",
        "REFRESH-SECRET",
        "GROUP-KEY-SECRET",
        "TOTP-SECRET-CODE",
        "WEBAUTHN-CHALLENGE-NONCE",
        "SECRET-BLOCK-VALUE",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked in {shown}");
    }
    for visible in [
        "SECRET_BLOCK",
        "+*******1234",
        "CREDENTIAL_REQUEST_OPTIONS",
        "SOFTWARE_TOKEN_MFA",
        "device-key-1",
        "3600",
        "alice",
    ] {
        assert!(shown.contains(visible), "{visible} missing in {shown}");
    }
}

#[test]
fn steps_are_made_by_challenge_name_and_unknown_ones_are_kept_by_name() {
    for (name, matches) in [
        ("NEW_PASSWORD_REQUIRED", "NewPassword"),
        ("SMS_MFA", "SmsCode"),
        ("SMS_OTP", "SmsCode"),
        ("SOFTWARE_TOKEN_MFA", "TotpCode"),
        ("EMAIL_OTP", "EmailCode"),
        ("SELECT_MFA_TYPE", "SelectMfa"),
        ("MFA_SETUP", "SetUpTotp"),
        ("SELECT_CHALLENGE", "SelectFirstFactor"),
        ("PASSWORD", "Password"),
        ("PASSWORD_SRP", "Password"),
        ("CUSTOM_CHALLENGE", "CustomChallenge"),
        ("WEB_AUTHN", "Passkey"),
        ("DEVICE_SRP_AUTH", "Device"),
        ("PASSWORD_VERIFIER", "Unknown"),
        ("FUTURE_CHALLENGE", "Unknown"),
    ] {
        let step = step(name, &[], &[]);
        assert!(format!("{step:?}").starts_with(matches), "{name}: {step:?}");
        assert_eq!(step.challenge_name(), Some(name));
        assert_eq!(step.username(), Some(&Username::new("alice")));
    }
    assert!(SignInStep::Done(tokens()).into_tokens().is_ok());
    assert!(matches!(
        step("SOFTWARE_TOKEN_MFA", &[], &[]).into_tokens(),
        Err(CognitoError::UnexpectedResponse { .. })
    ));
}

/// A client whose endpoint nobody answers: the refusals below happen before any request.
async fn offline_client() -> SanctumClient {
    SanctumClient::builder("us-east-1_AbC123xyz", "4a1b2c3d4e5f")
        .endpoint_url("http://127.0.0.1:9")
        .credentials(Credentials::new("test", "test", None, None, "static"))
        .build()
        .await
        .expect("client")
}

fn is_invalid(result: Result<SignInStep, CognitoError>, what_expected: &str) -> bool {
    matches!(result, Err(CognitoError::InvalidArgument { what, .. }) if what == what_expected)
}

#[tokio::test]
async fn answers_that_cannot_be_right_are_refused_before_any_request() {
    let client = offline_client().await;
    let SignInStep::TotpCode(code) = step("SOFTWARE_TOKEN_MFA", &[], &[]) else {
        panic!("not a code step");
    };
    assert!(is_invalid(code.answer(&client, " ").await, "code"));

    let SignInStep::SelectMfa(select) = step(
        "SELECT_MFA_TYPE",
        &[("MFAS_CAN_CHOOSE", r#"["SMS_MFA"]"#)],
        &[],
    ) else {
        panic!("not a select-MFA step");
    };
    assert!(is_invalid(
        select.answer(&client, MfaKind::Totp).await,
        "MFA type"
    ));

    let SignInStep::SelectFirstFactor(factors) =
        step("SELECT_CHALLENGE", &[], &["PASSWORD_SRP", "EMAIL_OTP"])
    else {
        panic!("not a select-factor step");
    };
    for not_offered in [
        SignInFactor::Password("pw".into()),
        SignInFactor::SmsOtp,
        SignInFactor::WebAuthn,
    ] {
        assert!(is_invalid(
            factors.answer(&client, not_offered).await,
            "first factor"
        ));
    }
    assert!(is_invalid(
        factors
            .answer(&client, SignInFactor::PasswordSrp(Password::new("")))
            .await,
        "password"
    ));

    let SignInStep::NewPassword(new) = step("NEW_PASSWORD_REQUIRED", &[], &[]) else {
        panic!("not a new-password step");
    };
    assert!(is_invalid(new.answer(&client, "").await, "password"));

    let SignInStep::Password(password) = step("PASSWORD", &[], &[]) else {
        panic!("not a password step");
    };
    assert!(is_invalid(password.answer(&client, "").await, "password"));

    let SignInStep::Passkey(passkey) = step("WEB_AUTHN", &[], &[]) else {
        panic!("not a passkey step");
    };
    assert!(is_invalid(
        passkey.answer(&client, &json!("not an object")).await,
        "credential"
    ));

    let SignInStep::Device(device) = step("DEVICE_SRP_AUTH", &[], &[]) else {
        panic!("not a device step");
    };
    assert!(is_invalid(
        device
            .answer(&client, &DeviceSecret::new("k", "", "p"))
            .await,
        "device secret"
    ));

    let SignInStep::SetUpTotp(setup) = step("MFA_SETUP", &[], &[]) else {
        panic!("not a setup step");
    };
    assert!(is_invalid(setup.answer(&client, "", None).await, "code"));

    // a stored code step whose challenge was altered is refused, not sent with a guessed key
    let mut json = serde_json::to_value(step("EMAIL_OTP", &[], &[])).expect("ser");
    json["challenge"] = json!("NEW_PASSWORD_REQUIRED");
    let SignInStep::EmailCode(altered) = serde_json::from_value(json).expect("de") else {
        panic!("not a code step");
    };
    assert!(is_invalid(altered.answer(&client, "123456").await, "step"));
}
