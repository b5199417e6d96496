//! The exact choice-based (`USER_AUTH`) and remembered-device requests sanctum builds, and its
//! parsing of answers shaped like Cognito's, on a recording stub: what no local server plays —
//! `EMAIL_OTP`, `SMS_OTP` and `WEB_AUTHN` first factors, `NewDeviceMetadata`, `DEVICE_SRP_AUTH`
//! (fakecloud has none of these). The device proof is checked by a server-side SRP written
//! here against the verifier `ConfirmDevice` sent; the byte rules against pycognito
//! (`cognito_srp_kat.rs`). PASSWORD, PASSWORD_SRP and SELECT_CHALLENGE also run on fakecloud
//! (`cognito_fakecloud.rs`).
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use aws_lc_rs::{digest, hmac};
use aws_sdk_cognitoidentityprovider::config::Credentials;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cognito_support::Stub;
use num_bigint::BigUint;
use sanctum_core::cognito::{
    CodeStep, CognitoError, DeviceSecret, FirstFactor, MfaKind, SanctumClient, SelectFactorStep,
    SignInFactor, SignInStep,
};
// the SECRET_HASH the stub expects, computed as the client does (feature `test-util`)
use sanctum_core::cognito::internals::secret_hash;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_AbC123xyz";
const CLIENT_ID: &str = "4a1b2c3d4e5f";
const SECRET: &str = "s3cr3t-client-secret";
const SUB: &str = "0f2c6d1e-7b8a-4c3d-9e0f-1a2b3c4d5e6f";
const SECRET_BLOCK: &str = "c2VjcmV0LWJsb2NrLWZyb20tY29nbml0bw==";
// 2026-01-04 01:01:01 UTC
const NOW: u64 = 1_767_488_461;
const DEVICE_KEY: &str = "us-east-1_9b1c2d3e-4f5a-6b7c-8d9e-0a1b2c3d4e5f";
const GROUP_KEY: &str = "-dGr0upKey";

async fn client(stub: &Stub, with_secret: bool) -> SanctumClient {
    let mut builder = SanctumClient::builder(POOL, CLIENT_ID)
        .endpoint_url(&stub.endpoint)
        .credentials(Credentials::new("test", "test", None, None, "static"))
        .configure_sdk(|sdk| sdk.retry_config(RetryConfig::disabled()))
        .clock(|| UNIX_EPOCH + Duration::from_secs(NOW));
    if with_secret {
        builder = builder.client_secret(SECRET);
    }
    builder.build().await.expect("client builds")
}

fn hash(name: &str) -> String {
    secret_hash(name, CLIENT_ID, SECRET)
}

fn tokens() -> Value {
    json!({"AuthenticationResult": {
        "AccessToken": "stub-access", "IdToken": "stub-id", "RefreshToken": "stub-refresh",
        "ExpiresIn": 3600, "TokenType": "Bearer"
    }})
}

fn select_of(step: SignInStep) -> SelectFactorStep {
    match step {
        SignInStep::SelectFirstFactor(step) => step,
        other => panic!("SELECT_CHALLENGE expected: {other:?}"),
    }
}

fn code_of(step: SignInStep) -> CodeStep {
    match step {
        SignInStep::SmsCode(step) | SignInStep::EmailCode(step) | SignInStep::TotpCode(step) => {
            step
        }
        other => panic!("a code step expected: {other:?}"),
    }
}

fn verifier_challenge(session: &str) -> Value {
    json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": session,
        "ChallengeParameters": {
            "SALT": "9a3b5c7d9e1f2a4b6c8d0e1f2a3b4c5d",
            "SRP_B": "7b2f9c",
            "SECRET_BLOCK": SECRET_BLOCK,
            "USER_ID_FOR_SRP": SUB,
            "USERNAME": SUB,
        }
    })
}

#[tokio::test]
async fn stub_user_auth_preferring_password_srp_sends_srp_a_then_the_proof_with_the_session_and_secret_hash()
 {
    let stub = Stub::start(|op, _| match op {
        "InitiateAuth" => (200, verifier_challenge("srp-session")),
        _ => (200, tokens()),
    })
    .await;
    let client = client(&stub, true).await;
    let t = client
        .auth()
        .user_auth(
            "alice@example.com",
            Some(SignInFactor::PasswordSrp("Passw0rd!".into())),
        )
        .await
        .expect("signed in")
        .into_tokens()
        .expect("tokens");
    assert_eq!(t.access_token.secret(), "stub-access");
    assert_eq!(t.new_device, None);
    let recorded = stub.recorded();
    assert_eq!(recorded.len(), 2);
    let init = &recorded[0].body;
    assert_eq!(init["AuthFlow"], "USER_AUTH");
    let params = init["AuthParameters"].as_object().expect("parameters");
    assert_eq!(params["USERNAME"], "alice@example.com");
    assert_eq!(params["PREFERRED_CHALLENGE"], "PASSWORD_SRP");
    assert_eq!(params["SECRET_HASH"], hash("alice@example.com").as_str());
    assert!(params["SRP_A"].as_str().is_some_and(|a| a.len() > 700));
    assert_eq!(params.len(), 4);
    assert!(!init.to_string().contains("Passw0rd!"), "no password sent");

    let answer = &recorded[1].body;
    assert_eq!(answer["ChallengeName"], "PASSWORD_VERIFIER");
    assert_eq!(answer["Session"], "srp-session");
    let responses = answer["ChallengeResponses"].as_object().expect("responses");
    assert_eq!(responses["USERNAME"], SUB);
    assert_eq!(responses["SECRET_HASH"], hash(SUB).as_str());
    assert_eq!(responses["TIMESTAMP"], "Sun Jan 4 01:01:01 UTC 2026");
    assert!(!responses.contains_key("DEVICE_KEY"));
    assert!(
        !answer.to_string().contains("Passw0rd!"),
        "no password sent"
    );
}

#[tokio::test]
async fn stub_user_auth_preferring_password_sends_it_and_without_a_secret_no_secret_hash() {
    let stub = Stub::start(|_, _| (200, tokens())).await;
    let client = client(&stub, false).await;
    client
        .auth()
        .user_auth("alice", Some(SignInFactor::Password("Passw0rd!".into())))
        .await
        .expect("signed in")
        .into_tokens()
        .expect("tokens");
    assert_eq!(
        stub.recorded()[0].body,
        json!({
            "AuthFlow": "USER_AUTH",
            "ClientId": CLIENT_ID,
            "AuthParameters": {
                "USERNAME": "alice", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!"
            },
        })
    );
    // an empty password is refused before any request
    let err = client
        .auth()
        .user_auth("alice", Some(SignInFactor::PasswordSrp("".into())))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CognitoError::InvalidArgument {
                what: "password",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(stub.recorded().len(), 1);
}

#[tokio::test]
async fn stub_select_challenge_lists_the_factors_and_email_otp_is_chosen_then_answered_with_the_code()
 {
    let stub = Stub::start(|op, body| match (op, body["ChallengeName"].as_str()) {
        ("InitiateAuth", _) => (
            200,
            json!({
                "ChallengeName": "SELECT_CHALLENGE",
                "Session": "select-session",
                "AvailableChallenges": ["PASSWORD_SRP", "EMAIL_OTP", "WEB_AUTHN"],
                "ChallengeParameters": {"USERNAME": SUB},
            }),
        ),
        (_, Some("SELECT_CHALLENGE")) => (
            200,
            json!({
                "ChallengeName": "EMAIL_OTP",
                "Session": "otp-session",
                "ChallengeParameters": {
                    "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                    "CODE_DELIVERY_DESTINATION": "a***@e***",
                    "USERNAME": SUB,
                },
            }),
        ),
        _ => (200, tokens()),
    })
    .await;
    let client = client(&stub, true).await;
    let select = select_of(client.auth().user_auth("alice", None).await.expect("ok"));
    assert_eq!(select.challenge_name(), "SELECT_CHALLENGE");
    assert_eq!(
        select.factors(),
        [
            FirstFactor::PasswordSrp,
            FirstFactor::EmailOtp,
            FirstFactor::WebAuthn
        ]
    );
    let init = &stub.recorded()[0].body;
    assert_eq!(
        init["AuthParameters"],
        json!({"USERNAME": "alice", "SECRET_HASH": hash("alice")}),
        "no preferred factor"
    );

    // a factor not offered is refused before any request (another kind of answer does not
    // compile: see the compile_fail examples of `sanctum_core::cognito::SignInStep`)
    for wrong in [
        SignInFactor::SmsOtp,
        SignInFactor::Password("Passw0rd!".into()),
    ] {
        assert!(select.answer(&client, wrong).await.is_err());
    }
    assert_eq!(stub.recorded().len(), 1);

    let otp = select
        .answer(&client, SignInFactor::EmailOtp)
        .await
        .expect("chosen");
    assert!(matches!(otp, SignInStep::EmailCode(_)), "{otp:?}");
    let otp = code_of(otp);
    assert_eq!(otp.challenge_name(), "EMAIL_OTP");
    assert_eq!(otp.code_destination(), Some("a***@e***"));
    assert_eq!(
        stub.recorded()[1].body,
        json!({
            "ChallengeName": "SELECT_CHALLENGE",
            "ClientId": CLIENT_ID,
            "Session": "select-session",
            "ChallengeResponses": {"ANSWER": "EMAIL_OTP", "USERNAME": SUB, "SECRET_HASH": hash(SUB)},
        })
    );
    otp.answer(&client, "246810")
        .await
        .expect("answered")
        .into_tokens()
        .expect("tokens");
    assert_eq!(
        stub.recorded()[2].body,
        json!({
            "ChallengeName": "EMAIL_OTP",
            "ClientId": CLIENT_ID,
            "Session": "otp-session",
            "ChallengeResponses": {
                "EMAIL_OTP_CODE": "246810", "USERNAME": SUB, "SECRET_HASH": hash(SUB)
            },
        })
    );
}

#[tokio::test]
async fn stub_selecting_password_srp_sends_srp_a_and_answers_the_verifier_in_the_same_call() {
    let stub = Stub::start(|op, body| match (op, body["ChallengeName"].as_str()) {
        ("InitiateAuth", _) => (
            200,
            json!({
                "ChallengeName": "SELECT_CHALLENGE", "Session": "select-session",
                "AvailableChallenges": ["PASSWORD", "PASSWORD_SRP"],
                "ChallengeParameters": {"USERNAME": SUB},
            }),
        ),
        (_, Some("SELECT_CHALLENGE")) => (200, verifier_challenge("verifier-session")),
        _ => (200, tokens()),
    })
    .await;
    let client = client(&stub, true).await;
    let select = select_of(client.auth().user_auth("alice", None).await.expect("ok"));
    select
        .answer(&client, SignInFactor::PasswordSrp("Passw0rd!".into()))
        .await
        .expect("signed in")
        .into_tokens()
        .expect("tokens");
    let recorded = stub.recorded();
    assert_eq!(recorded.len(), 3);
    let chosen = &recorded[1].body["ChallengeResponses"];
    assert_eq!(chosen["ANSWER"], "PASSWORD_SRP");
    assert!(chosen["SRP_A"].as_str().is_some_and(|a| a.len() > 700));
    assert_eq!(chosen["SECRET_HASH"], hash(SUB).as_str());
    assert_eq!(recorded[2].body["ChallengeName"], "PASSWORD_VERIFIER");
    assert_eq!(recorded[2].body["Session"], "verifier-session");
    assert!(
        recorded[2].body["ChallengeResponses"]["PASSWORD_CLAIM_SIGNATURE"]
            .as_str()
            .is_some_and(|s| s.len() == 44)
    );
    assert!(
        recorded
            .iter()
            .all(|r| !r.body.to_string().contains("Passw0rd!")),
        "no password sent"
    );
}

#[tokio::test]
async fn stub_sms_otp_first_factor_is_preferred_then_answered_with_sms_otp_code() {
    let stub = Stub::start(|op, _| match op {
        "InitiateAuth" => (
            200,
            json!({
                "ChallengeName": "SMS_OTP", "Session": "sms-session",
                "ChallengeParameters": {
                    "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                    "CODE_DELIVERY_DESTINATION": "+*******0199",
                    "USERNAME": SUB,
                },
            }),
        ),
        _ => (200, tokens()),
    })
    .await;
    let client = client(&stub, false).await;
    let sms = client
        .auth()
        .user_auth("alice", Some(SignInFactor::SmsOtp))
        .await
        .expect("ok");
    assert!(matches!(sms, SignInStep::SmsCode(_)), "{sms:?}");
    let sms = code_of(sms);
    assert_eq!(sms.challenge_name(), "SMS_OTP");
    assert_eq!(sms.code_destination(), Some("+*******0199"));
    assert_eq!(
        stub.recorded()[0].body["AuthParameters"],
        json!({"USERNAME": "alice", "PREFERRED_CHALLENGE": "SMS_OTP"})
    );
    let err = sms.answer(&client, "  ").await.unwrap_err();
    assert!(
        matches!(err, CognitoError::InvalidArgument { what: "code", .. }),
        "{err:?}"
    );
    assert_eq!(stub.recorded().len(), 1, "an empty code is not sent");
    sms.answer(&client, "135790")
        .await
        .expect("answered")
        .into_tokens()
        .expect("tokens");
    assert_eq!(
        stub.recorded()[1].body,
        json!({
            "ChallengeName": "SMS_OTP", "ClientId": CLIENT_ID, "Session": "sms-session",
            "ChallengeResponses": {"SMS_OTP_CODE": "135790", "USERNAME": SUB},
        })
    );
}

#[tokio::test]
async fn stub_web_authn_hands_the_request_options_as_json_and_sends_the_browsers_credential_back() {
    let options = json!({
        "challenge": "x8fhM2vC0HtJd0ruZXJq3A",
        "rpId": "auth.example.com",
        "timeout": 180000,
        "userVerification": "required",
        "allowCredentials": [{"type": "public-key", "id": "Y3JlZC0x", "transports": ["internal"]}],
    });
    let options_text = options.to_string();
    let stub = Stub::start(move |op, _| match op {
        "InitiateAuth" => (
            200,
            json!({
                "ChallengeName": "WEB_AUTHN", "Session": "webauthn-session",
                "ChallengeParameters": {
                    "CREDENTIAL_REQUEST_OPTIONS": options_text, "USERNAME": SUB,
                },
            }),
        ),
        _ => (200, tokens()),
    })
    .await;
    let client = client(&stub, true).await;
    let web = client
        .auth()
        .user_auth("alice", Some(SignInFactor::WebAuthn))
        .await
        .expect("ok");
    let SignInStep::Passkey(web) = web else {
        panic!("WEB_AUTHN expected: {web:?}");
    };
    assert_eq!(web.challenge_name(), "WEB_AUTHN");
    assert_eq!(web.credential_request_options(), Some(options));
    assert!(!format!("{web:?}").contains("x8fhM2vC0HtJd0ruZXJq3A"));

    let credential = json!({
        "id": "Y3JlZC0x", "rawId": "Y3JlZC0x", "type": "public-key",
        "response": {
            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0",
            "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ",
            "signature": "MEUCIQDx", "userHandle": "dXNlcg"
        },
        "clientExtensionResults": {}, "authenticatorAttachment": "platform"
    });
    web.answer(&client, &credential)
        .await
        .expect("answered")
        .into_tokens()
        .expect("tokens");
    let answer = &stub.recorded()[1].body;
    assert_eq!(answer["ChallengeName"], "WEB_AUTHN");
    assert_eq!(answer["Session"], "webauthn-session");
    let sent: Value = serde_json::from_str(
        answer["ChallengeResponses"]["CREDENTIAL"]
            .as_str()
            .expect("CREDENTIAL is a JSON string"),
    )
    .expect("JSON");
    assert_eq!(sent, credential);
    assert_eq!(
        answer["ChallengeResponses"]["SECRET_HASH"],
        hash(SUB).as_str()
    );
}

// --- a remembered device, with a server-side SRP checking the device's proof --------------

const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
);

fn padded(n: &BigUint) -> Vec<u8> {
    let mut bytes = n.to_bytes_be();
    if bytes.first().is_some_and(|&b| b >= 0x80) {
        bytes.insert(0, 0);
    }
    bytes
}

fn h(parts: &[&[u8]]) -> BigUint {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    BigUint::from_bytes_be(ctx.finish().as_ref())
}

/// Cognito's side of device SRP, from the verifier and salt `ConfirmDevice` received.
#[derive(Default)]
struct DeviceServer {
    verifier: Option<BigUint>,
    salt: Vec<u8>,
    b: BigUint,
    big_b: BigUint,
    big_a: Option<BigUint>,
    proof_checked: Option<bool>,
}

impl DeviceServer {
    fn challenge(&mut self, srp_a: &str) -> Value {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N");
        let g = BigUint::from(2u32);
        let k = h(&[&padded(&n), &padded(&g)]);
        let v = self.verifier.clone().expect("ConfirmDevice came first");
        self.b = h(&[b"fixed server secret b"]);
        self.big_b = (k * &v + g.modpow(&self.b, &n)) % &n;
        self.big_a = BigUint::parse_bytes(srp_a.as_bytes(), 16);
        let salt_hex: String = self.salt.iter().map(|b| format!("{b:02x}")).collect();
        json!({
            "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
            "Session": "device-verifier-session",
            "ChallengeParameters": {
                "SALT": salt_hex,
                "SRP_B": self.big_b.to_str_radix(16),
                "SECRET_BLOCK": SECRET_BLOCK,
                "USERNAME": SUB,
            }
        })
    }

    fn check(&mut self, responses: &Value) -> bool {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N");
        let v = self.verifier.clone().expect("verifier");
        let a = self.big_a.clone().expect("A");
        let u = h(&[&padded(&a), &padded(&self.big_b)]);
        let s = (a * v.modpow(&u, &n)).modpow(&self.b, &n);
        let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &padded(&u)), &padded(&s));
        let okm = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()),
            b"Caldera Derived Key\x01",
        );
        let mut ctx =
            hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, &okm.as_ref()[..16]));
        ctx.update(GROUP_KEY.as_bytes());
        ctx.update(DEVICE_KEY.as_bytes());
        ctx.update(&STANDARD.decode(SECRET_BLOCK).expect("base64"));
        ctx.update(
            responses["TIMESTAMP"]
                .as_str()
                .unwrap_or_default()
                .as_bytes(),
        );
        let ok = responses["PASSWORD_CLAIM_SIGNATURE"].as_str()
            == Some(STANDARD.encode(ctx.sign().as_ref()).as_str());
        self.proof_checked = Some(ok);
        ok
    }
}

#[tokio::test]
async fn stub_new_device_is_confirmed_with_an_srp_verifier_then_signs_in_by_device_srp_which_the_server_checks()
 {
    for with_secret in [false, true] {
        let server = Arc::new(Mutex::new(DeviceServer::default()));
        let state = Arc::clone(&server);
        let stub = Stub::start(move |op, body| {
            let mut server = state.lock().expect("lock");
            match (op, body["ChallengeName"].as_str()) {
                ("InitiateAuth", _) if body["AuthParameters"].get("DEVICE_KEY").is_none() => (
                    200,
                    json!({"AuthenticationResult": {
                        "AccessToken": "stub-access", "ExpiresIn": 3600, "TokenType": "Bearer",
                        "NewDeviceMetadata": {"DeviceKey": DEVICE_KEY, "DeviceGroupKey": GROUP_KEY},
                    }}),
                ),
                ("ConfirmDevice", _) => {
                    let config = &body["DeviceSecretVerifierConfig"];
                    let decode = |name: &str| {
                        STANDARD
                            .decode(config[name].as_str().unwrap_or_default())
                            .unwrap_or_default()
                    };
                    server.verifier = Some(BigUint::from_bytes_be(&decode("PasswordVerifier")));
                    server.salt = decode("Salt");
                    (200, json!({"UserConfirmationNecessary": true}))
                }
                ("InitiateAuth", _) => (200, verifier_challenge("srp-session")),
                (_, Some("PASSWORD_VERIFIER")) => (
                    200,
                    json!({
                        "ChallengeName": "DEVICE_SRP_AUTH", "Session": "device-session",
                        "ChallengeParameters": {"USERNAME": SUB},
                    }),
                ),
                (_, Some("DEVICE_SRP_AUTH")) => {
                    let srp_a = body["ChallengeResponses"]["SRP_A"].as_str().unwrap_or("0");
                    (200, server.challenge(srp_a))
                }
                (_, Some("DEVICE_PASSWORD_VERIFIER")) => {
                    if server.check(&body["ChallengeResponses"]) {
                        (200, tokens())
                    } else {
                        (
                            400,
                            json!({"__type": "NotAuthorizedException", "message": "Incorrect"}),
                        )
                    }
                }
                _ => (200, json!({})),
            }
        })
        .await;
        let client = client(&stub, with_secret).await;

        let first = client
            .auth()
            .sign_in("alice", "Passw0rd!")
            .await
            .expect("signed in");
        let first = first.tokens().expect("tokens").clone();
        let new_device = first.new_device.clone().expect("NewDeviceMetadata parsed");
        assert_eq!(new_device.device_key, DEVICE_KEY);
        assert_eq!(new_device.device_group_key, GROUP_KEY);

        let confirmed = client
            .user(&first.access_token)
            .devices()
            .confirm(&new_device, Some("alice's laptop"))
            .await
            .expect("confirmed");
        assert!(confirmed.user_confirmation_necessary);
        let secret: DeviceSecret = confirmed.secret;
        assert_eq!(secret.device_key, DEVICE_KEY);
        assert_eq!(
            STANDARD.decode(&secret.device_password).map(|p| p.len()),
            Ok(40)
        );
        let confirm = stub
            .recorded()
            .into_iter()
            .find(|r| r.operation == "ConfirmDevice")
            .expect("ConfirmDevice sent");
        assert_eq!(confirm.body["AccessToken"], "stub-access");
        assert_eq!(confirm.body["DeviceKey"], DEVICE_KEY);
        assert_eq!(confirm.body["DeviceName"], "alice's laptop");
        assert!(
            !confirm.body.to_string().contains(&secret.device_password),
            "the device password stays with the caller"
        );

        // the stored secret survives serde, as the caller keeps it
        let stored = serde_json::to_string(&secret).expect("serializes");
        let secret: DeviceSecret = serde_json::from_str(&stored).expect("deserializes");

        let before = stub.recorded().len();
        let t = client
            .auth()
            .user_srp_with_device("alice", "Passw0rd!", &secret)
            .await
            .expect("device sign-in")
            .into_tokens()
            .expect("tokens");
        assert_eq!(t.access_token.secret(), "stub-access");
        assert_eq!(server.lock().expect("lock").proof_checked, Some(true));

        let recorded = stub.recorded()[before..].to_vec();
        let ops: Vec<_> = recorded
            .iter()
            .map(|r| {
                r.body["ChallengeName"]
                    .as_str()
                    .unwrap_or(&r.operation)
                    .to_owned()
            })
            .collect();
        assert_eq!(
            ops,
            [
                "InitiateAuth",
                "PASSWORD_VERIFIER",
                "DEVICE_SRP_AUTH",
                "DEVICE_PASSWORD_VERIFIER"
            ]
        );
        assert_eq!(recorded[0].body["AuthParameters"]["DEVICE_KEY"], DEVICE_KEY);
        assert_eq!(
            recorded[1].body["ChallengeResponses"]["DEVICE_KEY"],
            DEVICE_KEY
        );
        let device_srp = &recorded[2].body;
        assert_eq!(device_srp["Session"], "device-session");
        let r = &device_srp["ChallengeResponses"];
        assert_eq!(r["USERNAME"], SUB);
        assert_eq!(r["DEVICE_KEY"], DEVICE_KEY);
        let verifier = &recorded[3].body;
        assert_eq!(verifier["Session"], "device-verifier-session");
        let r2 = &verifier["ChallengeResponses"];
        assert_eq!(r2["DEVICE_KEY"], DEVICE_KEY);
        assert_eq!(r2["PASSWORD_CLAIM_SECRET_BLOCK"], SECRET_BLOCK);
        assert_eq!(r2["TIMESTAMP"], "Sun Jan 4 01:01:01 UTC 2026");
        for r in [r, r2] {
            let expected: HashMap<_, _> = if with_secret {
                HashMap::from([("SECRET_HASH", Value::from(hash(SUB)))])
            } else {
                HashMap::new()
            };
            assert_eq!(r.get("SECRET_HASH"), expected.get("SECRET_HASH"));
        }
        assert!(
            recorded
                .iter()
                .all(|r| !r.body.to_string().contains(&secret.device_password)),
            "the device password is never sent"
        );

        // a wrong device password gives a proof the server refuses
        let wrong = DeviceSecret::new(DEVICE_KEY, GROUP_KEY, "bm90IHRoZSBwYXNzd29yZA==");
        let err = client
            .auth()
            .user_srp_with_device("alice", "Passw0rd!", &wrong)
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
        assert_eq!(server.lock().expect("lock").proof_checked, Some(false));
    }
}

#[tokio::test]
async fn stub_email_codes_as_mfa_after_srp_are_chosen_and_answered_with_email_otp_code() {
    let stub = Stub::start(|op, body| match (op, body["ChallengeName"].as_str()) {
        ("InitiateAuth", _) => (200, verifier_challenge("srp-session")),
        (_, Some("PASSWORD_VERIFIER")) => (
            200,
            json!({
                "ChallengeName": "SELECT_MFA_TYPE", "Session": "choose-session",
                "ChallengeParameters": {
                    "MFAS_CAN_CHOOSE": "[\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]", "USERNAME": SUB,
                },
            }),
        ),
        (_, Some("SELECT_MFA_TYPE")) => (
            200,
            json!({
                "ChallengeName": "EMAIL_OTP", "Session": "email-session",
                "ChallengeParameters": {
                    "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                    "CODE_DELIVERY_DESTINATION": "a***@e***", "USERNAME": SUB,
                },
            }),
        ),
        _ => (200, tokens()),
    })
    .await;
    let client = client(&stub, true).await;
    let choose = client
        .auth()
        .sign_in("alice", "Passw0rd!")
        .await
        .expect("SRP");
    let SignInStep::SelectMfa(choose) = choose else {
        panic!("SELECT_MFA_TYPE expected: {choose:?}");
    };
    assert_eq!(choose.choices(), [MfaKind::Totp, MfaKind::Email]);
    let err = choose.answer(&client, MfaKind::Sms).await.unwrap_err();
    assert!(
        matches!(
            err,
            CognitoError::InvalidArgument {
                what: "MFA type",
                ..
            }
        ),
        "{err:?}"
    );
    let email = choose
        .answer(&client, MfaKind::Email)
        .await
        .expect("chosen");
    assert!(matches!(email, SignInStep::EmailCode(_)), "{email:?}");
    let email = code_of(email);
    assert_eq!(
        stub.recorded()[2].body["ChallengeResponses"]["ANSWER"],
        "EMAIL_OTP"
    );
    assert_eq!(email.challenge_name(), "EMAIL_OTP");
    email
        .answer(&client, "112233")
        .await
        .expect("answered")
        .into_tokens()
        .expect("tokens");
    assert_eq!(
        stub.recorded()[3].body,
        json!({
            "ChallengeName": "EMAIL_OTP", "ClientId": CLIENT_ID, "Session": "email-session",
            "ChallengeResponses": {
                "EMAIL_OTP_CODE": "112233", "USERNAME": SUB, "SECRET_HASH": hash(SUB)
            },
        })
    );
}

#[tokio::test]
async fn stub_a_select_challenge_despite_a_preference_is_answered_with_the_preferred_factor_only_when_offered()
 {
    let stub = Stub::start(|op, _| match op {
        "InitiateAuth" => (
            200,
            json!({
                "ChallengeName": "SELECT_CHALLENGE", "Session": "select-session",
                "AvailableChallenges": ["PASSWORD", "PASSWORD_SRP"],
                "ChallengeParameters": {"USERNAME": SUB},
            }),
        ),
        _ => (200, tokens()),
    })
    .await;
    let client = client(&stub, false).await;
    client
        .auth()
        .user_auth("alice", Some(SignInFactor::Password("Passw0rd!".into())))
        .await
        .expect("signed in")
        .into_tokens()
        .expect("tokens");
    assert_eq!(
        stub.recorded()[1].body,
        json!({
            "ChallengeName": "SELECT_CHALLENGE", "ClientId": CLIENT_ID, "Session": "select-session",
            "ChallengeResponses": {"ANSWER": "PASSWORD", "PASSWORD": "Passw0rd!", "USERNAME": SUB},
        })
    );

    // EMAIL_OTP is not offered: the choice goes back to the caller
    let select = select_of(
        client
            .auth()
            .user_auth("alice", Some(SignInFactor::EmailOtp))
            .await
            .expect("ok"),
    );
    assert_eq!(select.challenge_name(), "SELECT_CHALLENGE");
    assert_eq!(stub.recorded().len(), 3, "no choice sent");
}

// A BFF signs in on one instance and answers on another: the step travels as JSON (through
// the BFF's session store) and a client built separately answers it with the session and
// parameters the first one got. Cognito sends no SMS or email to a local server, so the
// requests are checked on the stub.
#[tokio::test]
async fn stub_a_code_step_stored_by_one_client_is_answered_by_another() {
    let stub = Stub::start(|op, body| match (op, body["AuthParameters"]["PREFERRED_CHALLENGE"].as_str()) {
        ("InitiateAuth", Some("SMS_OTP")) => (
            200,
            json!({
                "ChallengeName": "SMS_OTP", "Session": "sms-session",
                "ChallengeParameters": {"CODE_DELIVERY_DESTINATION": "+*******0199", "USERNAME": SUB},
            }),
        ),
        ("InitiateAuth", _) => (
            200,
            json!({
                "ChallengeName": "EMAIL_OTP", "Session": "email-session",
                "ChallengeParameters": {"CODE_DELIVERY_DESTINATION": "a***@e***", "USERNAME": SUB},
            }),
        ),
        _ => (200, tokens()),
    })
    .await;
    let first = client(&stub, true).await;
    let second = client(&stub, true).await;
    for (factor, key, code, session) in [
        (
            SignInFactor::SmsOtp,
            "SMS_OTP_CODE",
            "135790",
            "sms-session",
        ),
        (
            SignInFactor::EmailOtp,
            "EMAIL_OTP_CODE",
            "246810",
            "email-session",
        ),
    ] {
        let step = first
            .auth()
            .user_auth("alice", Some(factor))
            .await
            .expect("a code step");
        let stored = serde_json::to_string(&step).expect("stored");
        assert!(stored.contains(session), "the session is kept: {stored}");
        drop(step);

        let step: SignInStep = serde_json::from_str(&stored).expect("restored");
        let step = code_of(step);
        assert_eq!(step.username().as_str(), SUB);
        step.answer(&second, code)
            .await
            .expect("answered")
            .into_tokens()
            .expect("tokens");
        let answer = stub.recorded().last().cloned().expect("an answer");
        assert_eq!(answer.operation, "RespondToAuthChallenge");
        assert_eq!(answer.body["Session"], session);
        assert_eq!(
            answer.body["ChallengeResponses"],
            json!({key: code, "USERNAME": SUB, "SECRET_HASH": hash(SUB)})
        );
    }
}
