//! `Debug` (`{:?}` and `{:#?}`) of every public type of sanctum-core that holds a secret shows
//! none of it: tokens, passwords, codes, sessions, the client secret, AWS credentials,
//! `SECRET_HASH` values. Refusals and errors (`Display` too) never show the token or password
//! they are about.
//!
//! What counts as a secret: a token (access, ID, refresh; whole or any 24 characters of it),
//! a password, a one-time code, a session, an SRP secret block, the client secret and its
//! `SECRET_HASH`es, AWS secret keys. Claims read from a verified token (`sub`, user name,
//! email, custom attributes) are the application's data, not secrets: `CognitoClaims` shows
//! them and must show no token.
//!
//! The Cognito types need feature `cognito`; those only Cognito can make (tokens, challenges
//! with a session, TOTP secrets, errors) come from moto's server (`scripts/setup-moto.sh`).
//! A test marked `#[ignore = "leaks ..."]` documents a leak found in the library today.
#![allow(missing_docs)]

#[cfg(feature = "cognito")]
mod cognito_support;
#[cfg(feature = "cognito")]
mod emulators;
mod leak_check;

use leak_check::{Secret, assert_debug_hides, assert_none_shown, token_secrets};
use sanctum_core::adapter::{Extracted, RequestHeaders};
use sanctum_core::testing::TestIssuer;
use sanctum_core::{AccessError, ExpectedUse, Refusal, Requirement, TokenSource};

#[tokio::test]
async fn verified_claims_show_no_token() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let verifier = issuer.verifier();
    for token in [
        issuer
            .access_token()
            .username("alice")
            .groups(["admin"])
            .claim("custom:tenant", "acme")
            .build(),
        issuer
            .id_token()
            .claim("custom:tenant", "acme")
            .claim("phone_number", "+15550100")
            .build(),
    ] {
        let claims = verifier
            .verify(&token, ExpectedUse::Either)
            .await
            .expect("valid");
        assert_debug_hides(
            "CognitoClaims",
            &*claims,
            claims.sub(),
            &token_secrets("token", &token),
        );
    }
}

#[tokio::test]
async fn the_verifier_its_builder_and_pools_show_no_token_they_have_seen() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let token = issuer.access_token().build();
    let secrets = token_secrets("token", &token);

    let builder = issuer
        .verifier_builder()
        .http_client(sanctum_core::HttpClient::from_reqwest(
            reqwest::Client::new(),
        ));
    assert_debug_hides("VerifierBuilder", &builder, issuer.pool_id(), &secrets);
    let verifier = builder.build().expect("builds");
    verifier.verify_access(&token).await.expect("valid");
    assert_eq!(verifier.cached_tokens(), 1, "the token is in the cache now");
    assert_debug_hides("Verifier", &verifier, issuer.pool_id(), &secrets);

    let offline = issuer.user_pool().with_jwks_document(issuer.jwks_json());
    assert_debug_hides("UserPool", &offline, issuer.pool_id(), &secrets);
    let fixed = sanctum_core::Verifier::builder()
        .pool(offline)
        .build()
        .expect("builds");
    fixed.verify_access(&token).await.expect("valid");
    assert_debug_hides("Verifier (fixed JWKS)", &fixed, issuer.pool_id(), &secrets);
}

#[test]
fn token_sources_show_nothing_a_custom_finder_holds() {
    const API_KEY: &str = "sk-live-redaction-0123456789abcdef";
    let key = API_KEY.to_owned();
    let custom = TokenSource::custom(move |h: &dyn RequestHeaders| {
        h.header("x-api-key")
            .filter(|v| *v == key)
            .map(|_| "t.t.t".to_owned())
    });
    let secrets = [Secret::new("API key captured by the finder", API_KEY)];
    assert_debug_hides("TokenSource::Custom", &custom, "Custom", &secrets);
    assert_debug_hides(
        "TokenSource::Cookie",
        &TokenSource::cookie("session"),
        "session",
        &secrets,
    );
    assert_debug_hides(
        "TokenSource::Bearer",
        &TokenSource::Bearer,
        "Bearer",
        &secrets,
    );
}

#[tokio::test]
async fn an_extracted_token_is_not_shown() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let token = issuer.access_token().build();
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    headers.insert(
        "cookie",
        format!("session={token}").parse().expect("header"),
    );
    for source in [TokenSource::Bearer, TokenSource::cookie("session")] {
        let extracted = source.extract(&headers);
        assert!(matches!(extracted, Extracted::Token(_)), "{source:?}");
        assert_debug_hides(
            "Extracted::Token",
            &extracted,
            "Token",
            &token_secrets("token", &token),
        );
    }
}

/// Tokens the verifier refuses, each with the `VerifyError` variant it must get and the
/// requirement it is checked against.
fn refused_tokens(issuer: &TestIssuer) -> Vec<(&'static str, String, &'static str)> {
    vec![
        (
            "expired",
            issuer.access_token().expires_in_secs(-60).build(),
            "Expired",
        ),
        (
            "signed with an unpublished key",
            issuer.access_token().signed_with_unpublished_key().build(),
            "InvalidSignature",
        ),
        (
            "signature of zeros",
            issuer.access_token().raw_signature(vec![0; 256]).build(),
            "InvalidSignature",
        ),
        (
            "wrong issuer",
            issuer
                .access_token()
                .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SomeoneElse")
                .build(),
            "IssuerMismatch",
        ),
        (
            "wrong client",
            issuer
                .access_token()
                .client_id("someoneelsesclient")
                .build(),
            "ClientMismatch",
        ),
        (
            "ID token where an access token is expected",
            issuer.id_token().build(),
            "WrongTokenUse",
        ),
        (
            "alg none",
            issuer.access_token().unsigned().build(),
            "UnsupportedAlgorithm",
        ),
        (
            "HS256 with the public key as secret",
            issuer
                .access_token()
                .signed_hs256(issuer.public_key_pem())
                .build(),
            "UnsupportedAlgorithm",
        ),
        (
            "unknown kid",
            issuer.access_token().kid("a-retired-key").build(),
            "UnknownKey",
        ),
        (
            "no kid",
            issuer.access_token().without_header("kid").build(),
            "MissingKid",
        ),
        (
            "garbage",
            "garbage-that-is-no-token-0123456789abcdefghij".to_owned(),
            "Malformed",
        ),
        (
            "three segments of garbage",
            "eyJnYXJiYWdlIjoieWVzIn0.eyJub3QiOiJjbGFpbXMifQ.c2lnbmF0dXJlLW9mLWdhcmJhZ2U".to_owned(),
            "Malformed",
        ),
        (
            "oversized",
            issuer.access_token().padded_to(9000).build(),
            "TooLarge",
        ),
        (
            "valid but not in the required group",
            issuer.access_token().groups(["staff"]).build(),
            "Denied",
        ),
    ]
}

#[tokio::test]
async fn refusals_never_show_the_refused_token() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let verifier = issuer.verifier();
    let admin = Requirement::group("admin");
    for (case, token, variant) in refused_tokens(&issuer) {
        let err: AccessError = verifier
            .verify_with(&token, ExpectedUse::Access, &admin)
            .await
            .expect_err(case);
        let secrets = token_secrets(case, &token);
        assert_debug_hides(case, &err, variant, &secrets);
        assert_none_shown(case, &err.to_string(), &secrets);
        assert_none_shown(case, Refusal::from(err.clone()).description(), &secrets);

        let rejection = Refusal::from(err);
        assert_debug_hides(case, &rejection, variant, &secrets);
        assert_none_shown(case, &rejection.to_string(), &secrets);
        assert_none_shown(case, &rejection.body(), &secrets);
        assert_none_shown(
            case,
            &rejection.www_authenticate().unwrap_or_default(),
            &secrets,
        );
    }
}

#[tokio::test]
async fn a_credential_that_holds_no_usable_token_is_refused_without_showing_it() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let token = issuer.access_token().build();
    let mut headers = http::HeaderMap::new();
    let mut value = format!("Bearer {token}").into_bytes();
    value.push(0xff);
    headers.insert(
        "authorization",
        http::HeaderValue::from_bytes(&value).expect("header bytes"),
    );
    let extracted = TokenSource::Bearer.extract(&headers);
    assert_eq!(extracted, Extracted::Unreadable);
    let rejection = Refusal::from(extracted.into_token().expect_err("refused"));
    let secrets = token_secrets("token", &token);
    assert_debug_hides("Refusal", &rejection, "UnreadableToken", &secrets);
    assert_none_shown("Refusal", &rejection.body(), &secrets);
}

#[cfg(feature = "cognito")]
mod cognito {
    use aws_sdk_cognitoidentityprovider::config::Credentials;
    use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
    use sanctum_core::client_credentials::ClientCredentials;
    use sanctum_core::cognito::internals::secret_hash;
    use sanctum_core::cognito::{
        CognitoError, NewUser, SanctumClient, SignInFactor, SignInStep, SignUp, Tokens,
    };
    use sanctum_core::credentials::{AccessToken, Password, RefreshToken, Username};
    use sanctum_testkit::moto::MotoPoolOptions;
    use serde_json::json;

    use crate::cognito_support::{PASSWORD, Stub, confirmed_user, unique};

    use crate::emulators::moto_pool;
    use crate::leak_check::{Secret, assert_debug_hides, assert_none_shown, token_secrets};

    const CLIENT_ID: &str = "redactionclient";
    const CLIENT_SECRET: &str = "client-secret-redaction-0123456789abcdefghijk";
    const AWS_SECRET_KEY: &str = "aws-secret-access-key-redaction-0123456789";
    const AWS_SESSION_TOKEN: &str = "aws-session-token-redaction-0123456789abc";

    fn tokens(result: SignInStep) -> Tokens {
        match result {
            SignInStep::Done(t) => t,
            other => panic!("expected tokens, got {other:?}"),
        }
    }

    fn tokens_as_secrets(t: &Tokens) -> Vec<Secret> {
        let mut secrets = token_secrets("access token", t.access_token.secret());
        if let Some(id) = &t.id_token {
            secrets.extend(token_secrets("ID token", id.secret()));
        }
        if let Some(refresh) = &t.refresh_token {
            secrets.push(Secret::new("refresh token", refresh.secret()));
        }
        secrets
    }

    /// A client with a secret and static AWS credentials, sending to `endpoint`, no retries.
    fn builder(endpoint: &str) -> sanctum_core::cognito::SanctumClientBuilder {
        SanctumClient::builder("us-east-1_Redaction1", CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .endpoint_url(endpoint)
            .credentials(Credentials::new(
                "AKIDREDACTIONTEST",
                AWS_SECRET_KEY,
                Some(AWS_SESSION_TOKEN.to_owned()),
                None,
                "static",
            ))
            .configure_sdk(|c| c.retry_config(RetryConfig::disabled()))
    }

    fn client_secrets() -> Vec<Secret> {
        vec![
            Secret::new("client secret", CLIENT_SECRET),
            Secret::new("AWS secret key", AWS_SECRET_KEY),
            Secret::new("AWS session token", AWS_SESSION_TOKEN),
        ]
    }

    /// An address on 127.0.0.1 where nothing listens.
    fn closed_endpoint() -> String {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn the_client_its_builder_and_parts_hide_the_client_secret_and_aws_credentials() {
        let endpoint = closed_endpoint();
        let secrets = client_secrets();
        assert_debug_hides(
            "SanctumClientBuilder",
            &builder(&endpoint),
            CLIENT_ID,
            &secrets,
        );
        let client = builder(&endpoint).build().await.expect("builds");
        assert!(client.has_client_secret());
        assert_debug_hides("SanctumClient", &client, CLIENT_ID, &secrets);
        assert_debug_hides("Auth", &client.auth(), CLIENT_ID, &secrets);
        assert_debug_hides("Admin", &client.admin(), CLIENT_ID, &secrets);
        assert_debug_hides("Users", &client.admin().users(), CLIENT_ID, &secrets);
        assert_debug_hides("Groups", &client.admin().groups(), CLIENT_ID, &secrets);
        let token = AccessToken::new("eyJhbGciOiJSUzI1NiJ9.eyJhIjoiYiJ9.c2lnLXJlZGFjdGlvbg");
        let mut with_token = secrets.clone();
        with_token.push(Secret::new("access token", token.secret()));
        assert_debug_hides("SignedInUser", &client.user(&token), CLIENT_ID, &with_token);
        assert_debug_hides("Mfa", &client.user(&token).mfa(), CLIENT_ID, &with_token);
        assert_debug_hides(
            "Devices",
            &client.user(&token).devices(),
            CLIENT_ID,
            &with_token,
        );
        assert_debug_hides(
            "Passkeys",
            &client.user(&token).passkeys(),
            CLIENT_ID,
            &with_token,
        );
        // the client-credentials provider holds the client secret too
        assert_debug_hides(
            "ClientCredentialsBuilder",
            &ClientCredentials::token_endpoint(
                "http://127.0.0.1:9/oauth2/token",
                CLIENT_ID,
                CLIENT_SECRET,
            ),
            "ClientSecret(<redacted>)",
            &secrets,
        );
        assert_debug_hides(
            "ClientCredentials",
            &ClientCredentials::token_endpoint(
                "http://127.0.0.1:9/oauth2/token",
                CLIENT_ID,
                CLIENT_SECRET,
            )
            .build()
            .expect("provider"),
            "ClientSecret(<redacted>)",
            &secrets,
        );
        // the SDK client sanctum hands out: its configuration holds the credentials
        assert_debug_hides("SanctumClient::sdk()", client.sdk(), "Client", &secrets);
    }

    #[test]
    fn answers_new_users_sign_ups_challenges_and_mfa_targets_hide_their_secrets() {
        const PASSWORD_SECRET: &str = "Answer-Passw0rd-redaction";
        const CODE: &str = "739214";
        const SESSION: &str = "session-redaction-0123456789abcdefghijklmn";
        const TOKEN: &str =
            "eyJhbGciOiJSUzI1NiJ9.eyJyZWRhY3Rpb24iOiJ0ZXN0In0.c2lnbmF0dXJlLXJlZGFjdGlvbi10ZXN0";
        let secrets = [
            Secret::new("password", PASSWORD_SECRET),
            Secret::new("code", CODE),
            Secret::new("session", SESSION),
            Secret::new("access token", TOKEN),
        ];
        assert_debug_hides(
            "SignInFactor",
            &SignInFactor::PasswordSrp(Password::new(PASSWORD_SECRET)),
            "PasswordSrp",
            &secrets,
        );
        assert_debug_hides(
            "Password",
            &Password::new(PASSWORD_SECRET),
            "Password",
            &secrets,
        );
        assert_debug_hides(
            "AccessToken",
            &AccessToken::new(TOKEN),
            "AccessToken",
            &secrets,
        );
        assert_debug_hides(
            "NewUser",
            &NewUser::new("nina")
                .email("nina@example.com")
                .temporary_password(PASSWORD_SECRET),
            "nina",
            &secrets,
        );
        assert_debug_hides(
            "SignUp",
            &SignUp::new("nina", PASSWORD_SECRET).email("nina@example.com"),
            "nina",
            &secrets,
        );
        for (tag, name) in [
            ("totp_code", "SOFTWARE_TOKEN_MFA"),
            ("new_password", "NEW_PASSWORD_REQUIRED"),
            ("custom_challenge", "CUSTOM_CHALLENGE"),
            ("unknown", "FUTURE_CHALLENGE"),
        ] {
            let step: SignInStep = serde_json::from_value(json!({
                "step": tag, "challenge": name, "username": "nina", "session": SESSION,
                "admin": true,
            }))
            .expect("a stored step");
            assert_debug_hides("SignInStep (stored)", &step, name, &secrets);
        }
    }

    /// Cognito's `PASSWORD_VERIFIER` (the second step of SRP) carries `SECRET_BLOCK`, an
    /// opaque value that must be sent back with the proof (moto sends the session itself).
    #[test]
    fn an_srp_challenge_hides_its_secret_block() {
        const SECRET_BLOCK: &str = "srp-secret-block-redaction-0123456789abcdefgh";
        let challenge: SignInStep = serde_json::from_value(json!({
            "step": "unknown", "challenge": "PASSWORD_VERIFIER", "username": "nina",
            "session": "session-redaction-0123456789abcdefghijklmn",
            "parameters": {
                "SECRET_BLOCK": SECRET_BLOCK, "SRP_B": "0a1b2c3d4e5f", "SALT": "f5e4d3c2b1a0",
                "USER_ID_FOR_SRP": "nina",
            },
        }))
        .expect("a step");
        assert_debug_hides(
            "SignInStep (PASSWORD_VERIFIER)",
            &challenge,
            "PASSWORD_VERIFIER",
            &[Secret::new("SECRET_BLOCK", SECRET_BLOCK)],
        );
    }

    #[tokio::test]
    async fn sign_in_results_hide_tokens_sessions_and_totp_secrets() {
        let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new().totp_mfa(true)).await;
        let user = unique("rita");
        confirmed_user(&client, &user).await;
        let result = client
            .auth()
            .sign_in(&user, PASSWORD)
            .await
            .expect("signs in");
        let signed_in = result.tokens().expect("tokens").clone();
        let mut secrets = tokens_as_secrets(&signed_in);
        secrets.push(Secret::new("password", PASSWORD));
        assert_debug_hides("SignInStep::Done", &result, "Done", &secrets);
        assert_debug_hides("Tokens", &signed_in, "expires_in", &secrets);

        let refreshed = client
            .auth()
            .refresh(
                signed_in.refresh_token.as_ref().expect("refresh"),
                Some(&Username::new(&user)),
            )
            .await
            .expect("refreshes");
        assert_debug_hides(
            "Tokens (refreshed)",
            &refreshed,
            "expires_in",
            &tokens_as_secrets(&refreshed),
        );

        let newcomer = unique("nick");
        client
            .admin()
            .users()
            .create(
                NewUser::new(&newcomer)
                    .temporary_password(PASSWORD)
                    .suppress_message(),
            )
            .await
            .expect("created");
        let result = client
            .auth()
            .sign_in(&newcomer, PASSWORD)
            .await
            .expect("challenged");
        let stored = serde_json::to_value(&result).expect("stored");
        let session = stored["session"].as_str().expect("a session").to_owned();
        let SignInStep::NewPassword(challenge) = result.clone() else {
            panic!("NEW_PASSWORD_REQUIRED expected: {result:?}");
        };
        let secrets = [
            Secret::new("session", session),
            Secret::new("password", PASSWORD),
        ];
        assert_debug_hides("SignInStep::NewPassword", &result, "NewPassword", &secrets);
        assert_debug_hides(
            "NewPasswordStep",
            &challenge,
            "NEW_PASSWORD_REQUIRED",
            &secrets,
        );

        let totp = client
            .user(&signed_in.access_token)
            .mfa()
            .associate_software_token()
            .await
            .expect("associates");
        let mut secrets = tokens_as_secrets(&signed_in);
        secrets.push(Secret::new("TOTP secret", totp.secret_code.clone()));
        assert_debug_hides(
            "SoftwareTokenSecret",
            &totp,
            "SoftwareTokenSecret",
            &secrets,
        );
    }

    #[tokio::test]
    async fn cognito_errors_hide_passwords_tokens_and_secrets() {
        let (_moto, pool, client) = moto_pool(MotoPoolOptions::new().client_secret(true)).await;
        let client_secret = pool.client_secret.clone().expect("a client secret");
        let user = unique("sam");
        confirmed_user(&client, &user).await;
        let base = vec![
            Secret::new("client secret", client_secret.as_str()),
            Secret::new("password", PASSWORD),
            Secret::new(
                "SECRET_HASH",
                secret_hash(&user, &pool.client_id, &client_secret),
            ),
        ];

        const WRONG: &str = "Wrong-Passw0rd-redaction";
        let err = client
            .auth()
            .sign_in(&user, WRONG)
            .await
            .expect_err("wrong password");
        let mut secrets = base.clone();
        secrets.push(Secret::new("wrong password", WRONG));
        assert_error_hides("wrong password", &err, "NotAuthorized", &secrets);

        const BOGUS: &str = "bogus-refresh-token-redaction-0123456789";
        let err = client
            .auth()
            .refresh(&RefreshToken::new(BOGUS), Some(&Username::new(&user)))
            .await
            .expect_err("bogus refresh token");
        let mut secrets = base.clone();
        secrets.push(Secret::new("bogus refresh token", BOGUS));
        assert_error_hides("bogus refresh token", &err, "NotAuthorized", &secrets);

        // moto echoes an access token it does not know in its message
        let signed_in = tokens(
            client
                .auth()
                .sign_in(&user, PASSWORD)
                .await
                .expect("signs in"),
        );
        client
            .user(&signed_in.access_token)
            .sign_out_everywhere()
            .await
            .expect("signs out");
        let mut secrets = base.clone();
        secrets.extend(tokens_as_secrets(&signed_in));
        let err = client
            .user(&signed_in.access_token)
            .sign_out_everywhere()
            .await
            .expect_err("signed out already");
        assert_error_hides("signed-out access token", &err, "NotAuthorized", &secrets);
        let err = client
            .user(&signed_in.access_token)
            .change_password(PASSWORD, "N3w-Passw0rd-redaction")
            .await
            .expect_err("signed out already");
        secrets.push(Secret::new("new password", "N3w-Passw0rd-redaction"));
        assert_error_hides("change password", &err, "NotAuthorized", &secrets);
    }

    fn assert_error_hides(case: &str, err: &CognitoError, variant: &str, secrets: &[Secret]) {
        assert_debug_hides(case, err, variant, secrets);
        assert_none_shown(case, &err.to_string(), secrets);
    }

    /// Refreshing with an alias instead of the user name Cognito knows sends the `SECRET_HASH`
    /// of the alias; moto refuses it and echoes it in its message.
    #[tokio::test]
    async fn an_echoed_secret_hash_is_not_shown() {
        let (_moto, pool, client) = moto_pool(MotoPoolOptions::new().client_secret(true)).await;
        let client_secret = pool.client_secret.clone().expect("a client secret");
        let user = unique("tess");
        confirmed_user(&client, &user).await;
        let signed_in = tokens(
            client
                .auth()
                .sign_in(&user, PASSWORD)
                .await
                .expect("signs in"),
        );
        let refresh = signed_in.refresh_token.clone().expect("refresh token");
        let alias = format!("{user}@example.com");
        let err = client
            .auth()
            .refresh(&refresh, Some(&Username::new(&alias)))
            .await
            .expect_err("the alias's hash is refused");
        let secrets = [
            Secret::new(
                "SECRET_HASH of the alias",
                secret_hash(&alias, &pool.client_id, &client_secret),
            ),
            Secret::new("refresh token", refresh.secret()),
        ];
        assert_error_hides("refresh with an alias", &err, "NotAuthorized", &secrets);
    }

    /// A refresh token sent where an access token goes (on purpose: the types forbid it, so the
    /// test converts it by hand): moto echoes it, and it is no JWT (moto's refresh tokens are
    /// UUIDs), so the JWT-shaped redaction misses it.
    #[tokio::test]
    async fn an_echoed_opaque_token_is_not_shown() {
        let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
        let user = unique("uma");
        confirmed_user(&client, &user).await;
        let signed_in = tokens(
            client
                .auth()
                .sign_in(&user, PASSWORD)
                .await
                .expect("signs in"),
        );
        let refresh = signed_in.refresh_token.clone().expect("refresh token");
        let misused = AccessToken::new(refresh.secret());
        let err = client
            .user(&misused)
            .sign_out_everywhere()
            .await
            .expect_err("not an access token");
        assert_error_hides(
            "refresh token as access token",
            &err,
            "NotAuthorized",
            &[Secret::new("refresh token", refresh.secret())],
        );
    }

    #[tokio::test]
    async fn transport_errors_hide_the_password_and_secret_hash_of_the_request() {
        let client = builder(&closed_endpoint()).build().await.expect("builds");
        const PASSWORD_SECRET: &str = "Transport-Passw0rd-redaction";
        let err = client
            .auth()
            .sign_in("vera", PASSWORD_SECRET)
            .await
            .expect_err("nothing listens");
        let mut secrets = client_secrets();
        secrets.push(Secret::new("password", PASSWORD_SECRET));
        secrets.push(Secret::new(
            "SECRET_HASH",
            secret_hash("vera", CLIENT_ID, CLIENT_SECRET),
        ));
        assert_error_hides("connection refused", &err, "Transport", &secrets);
    }

    /// A success answer Cognito would never send, holding a token where the SDK expects an
    /// object: the error about the unreadable answer must not quote it.
    #[tokio::test]
    async fn an_unreadable_answer_is_not_quoted_in_the_error() {
        const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJ1bnJlYWRhYmxlIjoidGVzdCJ9.dW5yZWFkYWJsZS1zaWduYXR1cmUtcmVkYWN0aW9u";
        const OPAQUE: &str = "opaque-refresh-token-redaction-0123456789";
        let stub = Stub::start(|_, _| {
            (
                200,
                json!({
                    "AuthenticationResult": TOKEN,
                    "ChallengeParameters": OPAQUE,
                }),
            )
        })
        .await;
        let client = builder(&stub.endpoint).build().await.expect("builds");
        const PASSWORD_SECRET: &str = "Unreadable-Passw0rd-redaction";
        let err = client
            .auth()
            .sign_in("wes", PASSWORD_SECRET)
            .await
            .expect_err("unreadable answer");
        let mut secrets = client_secrets();
        secrets.extend(token_secrets("token in the answer", TOKEN));
        secrets.push(Secret::new("opaque token in the answer", OPAQUE));
        secrets.push(Secret::new("password", PASSWORD_SECRET));
        assert_error_hides("unreadable answer", &err, "Transport", &secrets);
        assert_eq!(stub.recorded().len(), 1, "one request, no retry");
    }
}
