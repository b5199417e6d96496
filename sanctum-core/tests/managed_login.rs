//! The managed-login client against a recording token endpoint on 127.0.0.1 and the test kit's
//! issuer: the exact requests it sends (PKCE verifier, client authentication, refresh, revoke)
//! and every check it makes on the answer (state, age, nonce, at_hash, the ID token itself).
//! The same flow against fakecloud's managed login is in `managed_login_fakecloud.rs`.

mod cognito_support;
mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognito_support::{header, read_http_request};
use common::issuer_with_clock;
use sanctum_core::credentials::{AccessToken, IdToken, RefreshToken};
use sanctum_core::login::{
    Callback, ClientAuth, Endpoint, LoginDomain, LoginError, ManagedLogin, ManagedLoginBuilder,
    OAuthErrorCode,
};
use sanctum_core::testing::TestIssuer;
use sanctum_core::{Clock, ConfigError, ManualClock, VerifyError};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;

const CALLBACK: &str = "https://app.example.com/callback";

/// One request the endpoint received: path, `Authorization` header, form fields.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    authorization: Option<String>,
    form: HashMap<String, String>,
}

/// A token and revoke endpoint on 127.0.0.1 that records each request and answers with the
/// reply set last.
struct TokenServer {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    reply: Arc<Mutex<(u16, String)>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TokenServer {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let reply = Arc::new(Mutex::new((500, String::new())));
        let (log, answer) = (Arc::clone(&received), Arc::clone(&reply));
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let Some((head, body)) = read_http_request(&mut stream).await else {
                    continue;
                };
                let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
                log.lock().expect("lock").push(Received {
                    path,
                    authorization: header(&head, "authorization"),
                    form: form_urlencoded::parse(&body).into_owned().collect(),
                });
                let (status, reply) = answer.lock().expect("lock").clone();
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        Self {
            url,
            received,
            reply,
            task,
        }
    }

    fn reply(&self, status: u16, body: &Value) {
        *self.reply.lock().expect("lock") = (status, body.to_string());
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

struct Setup {
    issuer: TestIssuer,
    clock: ManualClock,
    endpoint: TokenServer,
}

async fn setup() -> Setup {
    let (issuer, clock) = issuer_with_clock().await;
    Setup {
        issuer,
        clock,
        endpoint: TokenServer::start().await,
    }
}

impl Setup {
    fn builder(&self) -> ManagedLoginBuilder {
        ManagedLogin::builder(
            LoginDomain::url(format!("{}/", self.endpoint.url)),
            self.issuer.client_id(),
            CALLBACK,
        )
    }

    fn login(&self) -> ManagedLogin {
        self.builder()
            .scopes(["openid", "email"])
            .logout_uri("https://app.example.com/")
            .build(&self.issuer.verifier())
            .expect("builds")
    }

    /// A token answer whose ID token carries `nonce` and the right `at_hash`.
    fn tokens_for(&self, nonce: &str, refresh_token: Option<&str>) -> Value {
        let access = self.issuer.access_token().username("alice").build();
        let id = self
            .issuer
            .id_token()
            .username("alice")
            .claim("nonce", nonce)
            .claim("at_hash", at_hash(&access))
            .build();
        let mut answer = json!({
            "access_token": access, "id_token": id, "expires_in": 3600, "token_type": "Bearer",
        });
        if let Some(refresh) = refresh_token {
            answer["refresh_token"] = json!(refresh);
        }
        answer
    }
}

fn at_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(&digest(&SHA256, access_token.as_bytes()).as_ref()[..16])
}

fn query_of(url: &str) -> HashMap<String, String> {
    let query = url.split_once('?').expect("a query").1;
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn callback(state: &str) -> Callback {
    Callback::from_query(&format!("code=the-code&state={state}")).expect("parses")
}

#[tokio::test]
async fn the_authorize_url_carries_pkce_state_nonce_scopes_and_pass_through_parameters() {
    let s = setup().await;
    let login = s.login();
    let start = login
        .authorize()
        .identity_provider("Google")
        .idp_identifier("example.com")
        .lang("fr")
        .prompt("login")
        .login_hint("alice@example.com")
        .build()
        .expect("builds");
    assert!(
        start
            .url
            .starts_with(&format!("{}/oauth2/authorize?", s.endpoint.url)),
        "{}",
        start.url
    );
    let q = query_of(&start.url);
    for (name, value) in [
        ("response_type", "code"),
        ("client_id", s.issuer.client_id()),
        ("redirect_uri", CALLBACK),
        ("scope", "openid email"),
        ("code_challenge_method", "S256"),
        ("identity_provider", "Google"),
        ("idp_identifier", "example.com"),
        ("lang", "fr"),
        ("prompt", "login"),
        ("login_hint", "alice@example.com"),
    ] {
        assert_eq!(q.get(name).map(String::as_str), Some(value), "{name}");
    }
    assert_eq!(q["state"], start.pending.state());
    assert_eq!(q["nonce"].len(), 43);
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(q.len(), 13, "{q:?}");

    // every attempt is fresh
    let again = query_of(&login.authorize().build().expect("builds").url);
    for name in ["state", "nonce", "code_challenge"] {
        assert_ne!(q[name], again[name], "{name}");
    }
    assert!(!again.contains_key("lang"));
}

#[tokio::test]
async fn the_callback_exchanges_the_code_with_the_verifier_of_the_challenge() {
    let s = setup().await;
    let login = s.login();
    let start = login.authorize().build().expect("builds");
    let q = query_of(&start.url);
    s.endpoint
        .reply(200, &s.tokens_for(&q["nonce"], Some("refresh-1")));

    let signed_in = login
        .finish(start.pending.clone(), &callback(&q["state"]))
        .await
        .expect("signs in");
    assert_eq!(signed_in.claims.username(), Some("alice"));
    assert_eq!(
        signed_in.tokens.refresh_token,
        Some(RefreshToken::new("refresh-1"))
    );
    assert_eq!(signed_in.tokens.token_type, "Bearer");
    assert_eq!(
        signed_in.tokens.expires_at,
        Clock::now(&s.clock)
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs()
            + 3600
    );

    let [request] = s.endpoint.received().try_into().expect("one request");
    assert_eq!(request.path, "/oauth2/token");
    assert_eq!(
        request.authorization, None,
        "a public client sends no secret"
    );
    let form = request.form;
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "the-code");
    assert_eq!(form["redirect_uri"], CALLBACK);
    assert_eq!(form["client_id"], s.issuer.client_id());
    assert_eq!(
        URL_SAFE_NO_PAD.encode(digest(&SHA256, form["code_verifier"].as_bytes())),
        q["code_challenge"],
        "the verifier sent is the one whose S256 challenge the authorize URL carried"
    );
    assert_eq!(form.len(), 5, "{form:?}");

    // the tokens survive a session store
    let stored = serde_json::to_string(&signed_in.tokens).expect("serializes");
    let back: sanctum_core::login::LoginTokens = serde_json::from_str(&stored).expect("reads");
    assert_eq!(back, signed_in.tokens);
    let shown = format!("{signed_in:?}");
    assert!(!shown.contains(signed_in.tokens.access_token.secret()));
    assert!(!shown.contains("refresh-1"));
}

#[tokio::test]
async fn a_confidential_client_authenticates_by_basic_or_in_the_body() {
    let s = setup().await;
    for auth in [ClientAuth::Basic, ClientAuth::Post] {
        let login = s
            .builder()
            .client_secret("s3cret+/=")
            .client_auth(auth)
            .build(&s.issuer.verifier())
            .expect("builds");
        s.endpoint.reply(200, &json!({}));
        let _ = login.revoke(&RefreshToken::new("refresh-1")).await;
        let request = s.endpoint.received().pop().expect("a request");
        assert_eq!(request.path, "/oauth2/revoke");
        assert_eq!(request.form["token"], "refresh-1");
        let client = s.issuer.client_id();
        match auth {
            ClientAuth::Basic => {
                let expected = STANDARD.encode(format!("{client}:s3cret+/="));
                assert_eq!(
                    request.authorization.as_deref(),
                    Some(format!("Basic {expected}").as_str())
                );
                assert_eq!(request.form.len(), 1, "{:?}", request.form);
            }
            _ => {
                assert_eq!(request.authorization, None);
                assert_eq!(request.form["client_id"], client);
                assert_eq!(request.form["client_secret"], "s3cret+/=");
            }
        }
    }
    let shown = format!(
        "{:?}",
        s.builder()
            .client_secret("s3cret+/=")
            .build(&s.issuer.verifier())
            .expect("builds")
    );
    assert!(!shown.contains("s3cret"), "{shown}");
}

#[tokio::test]
async fn a_forged_state_or_an_old_pending_sign_in_is_refused_before_any_request() {
    let s = setup().await;
    let login = s.login();
    let start = login.authorize().build().expect("builds");
    let forged = login.authorize().build().expect("builds");
    assert!(matches!(
        login
            .finish(start.pending.clone(), &callback(forged.pending.state()))
            .await,
        Err(LoginError::StateMismatch)
    ));
    s.clock.advance(Duration::from_secs(601));
    assert!(matches!(
        login
            .finish(start.pending.clone(), &callback(start.pending.state()))
            .await,
        Err(LoginError::PendingExpired {
            age_secs: 601,
            max_age_secs: 600
        })
    ));
    assert!(s.endpoint.received().is_empty());
}

#[tokio::test]
async fn an_id_token_of_another_sign_in_or_a_swapped_access_token_is_refused() {
    let s = setup().await;
    let login = s.login();
    let start = login.authorize().build().expect("builds");
    let back = callback(start.pending.state());
    let finish = || login.finish(start.pending.clone(), &back);

    // the nonce of another attempt
    s.endpoint.reply(200, &s.tokens_for("another-nonce", None));
    assert!(matches!(finish().await, Err(LoginError::NonceMismatch)));

    // no nonce at all
    let mut answer = s.tokens_for("x", None);
    answer["id_token"] = json!(s.issuer.id_token().build());
    s.endpoint.reply(200, &answer);
    assert!(matches!(finish().await, Err(LoginError::NonceMismatch)));

    // an access token the ID token's at_hash does not name
    let nonce = query_of(&start.url)["nonce"].clone();
    let mut answer = s.tokens_for(&nonce, None);
    answer["access_token"] = json!(s.issuer.access_token().username("mallory").build());
    s.endpoint.reply(200, &answer);
    assert!(matches!(
        finish().await,
        Err(LoginError::AccessTokenHashMismatch)
    ));

    // without at_hash the access token is taken as it is (the claim is optional)
    let mut answer = s.tokens_for(&nonce, None);
    answer["id_token"] = json!(s.issuer.id_token().claim("nonce", nonce.as_str()).build());
    s.endpoint.reply(200, &answer);
    assert!(finish().await.is_ok());

    // an expired ID token, and one not signed by the pool
    for id_token in [
        s.issuer
            .id_token()
            .claim("nonce", nonce.as_str())
            .expires_in_secs(-60)
            .build(),
        s.issuer
            .id_token()
            .claim("nonce", nonce.as_str())
            .signed_with_unpublished_key()
            .build(),
    ] {
        let mut answer = s.tokens_for(&nonce, None);
        answer["id_token"] = json!(id_token);
        s.endpoint.reply(200, &answer);
        assert!(
            matches!(
                finish().await,
                Err(LoginError::IdToken(
                    VerifyError::Expired { .. } | VerifyError::InvalidSignature
                ))
            ),
            "{id_token}"
        );
    }

    // an access token where the ID token belongs
    let mut answer = s.tokens_for(&nonce, None);
    answer["id_token"] = answer["access_token"].clone();
    s.endpoint.reply(200, &answer);
    assert!(matches!(
        finish().await,
        Err(LoginError::IdToken(VerifyError::WrongTokenUse { .. }))
    ));

    // no ID token
    let mut answer = s.tokens_for(&nonce, None);
    answer.as_object_mut().expect("object").remove("id_token");
    s.endpoint.reply(200, &answer);
    assert!(matches!(
        finish().await,
        Err(LoginError::BadResponse {
            endpoint: Endpoint::Token,
            ..
        })
    ));
}

#[tokio::test]
async fn an_id_token_of_another_client_of_the_pool_is_refused() {
    let s = setup().await;
    let verifier = sanctum_core::Verifier::builder()
        .pool(s.issuer.user_pool().client_id("otherclient"))
        .clock(s.clock.clone())
        .build()
        .expect("builds");
    let login = s.builder().build(&verifier).expect("builds");
    let start = login.authorize().build().expect("builds");
    let nonce = query_of(&start.url)["nonce"].clone();
    let mut answer = s.tokens_for(&nonce, None);
    answer["id_token"] = json!(
        s.issuer
            .id_token()
            .client_id("otherclient")
            .claim("nonce", nonce.as_str())
            .build()
    );
    s.endpoint.reply(200, &answer);
    assert!(matches!(
        login.finish(start.pending.clone(), &callback(start.pending.state())).await,
        Err(LoginError::IdToken(VerifyError::ClientMismatch { client_id })) if client_id == "otherclient"
    ));
}

#[tokio::test]
async fn the_token_endpoints_error_answers_are_typed() {
    let logs = sanctum_testkit::logs::LogCapture::start();
    let s = setup().await;
    let login = s.login();
    let start = login.authorize().build().expect("builds");
    for (status, name, code) in [
        (400, "invalid_grant", OAuthErrorCode::InvalidGrant),
        (401, "invalid_client", OAuthErrorCode::InvalidClient),
        (
            400,
            "unauthorized_client",
            OAuthErrorCode::UnauthorizedClient,
        ),
        (400, "invalid_request", OAuthErrorCode::InvalidRequest),
    ] {
        s.endpoint.reply(
            status,
            &json!({"error": name, "error_description": "described"}),
        );
        match login
            .finish(start.pending.clone(), &callback(start.pending.state()))
            .await
        {
            Err(LoginError::OAuth(err)) => {
                assert_eq!(err.code, code);
                assert_eq!(err.status, Some(status));
                assert_eq!(err.endpoint, Endpoint::Token);
                assert_eq!(err.description.as_deref(), Some("described"));
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    s.endpoint.reply(503, &json!("down"));
    let err = login
        .refresh(&RefreshToken::new("r"))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            LoginError::Unavailable {
                endpoint: Endpoint::Token,
                ..
            }
        ) && err.is_server_side(),
        "{err:?}"
    );
    // each call is a span with its endpoint, client, status and outcome
    let text = logs.text();
    let failed: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("token endpoint call failed"))
        .collect();
    assert_eq!(failed.len(), 5, "{text}");
    for (line, status) in failed.iter().zip(["400", "401", "400", "400", "503"]) {
        assert!(
            line.contains("sanctum.token_endpoint{endpoint=token client_id=")
                && line.contains(&format!("http.status={status} outcome=\"error\"")),
            "{line}"
        );
    }
}

#[tokio::test]
async fn a_refresh_keeps_the_refresh_token_unless_a_rotated_one_comes_back() {
    let s = setup().await;
    let login = s.login();
    let old = RefreshToken::new("refresh-old");

    s.endpoint
        .reply(200, &s.tokens_for("no-nonce-on-refresh", None));
    let kept = login.refresh(&old).await.expect("refreshes");
    assert_eq!(kept.tokens.refresh_token.as_ref(), Some(&old));
    assert_eq!(kept.claims.username(), Some("alice"));

    s.endpoint.reply(
        200,
        &s.tokens_for("no-nonce-on-refresh", Some("refresh-new")),
    );
    let rotated = login.refresh(&old).await.expect("refreshes");
    assert_eq!(
        rotated.tokens.refresh_token,
        Some(RefreshToken::new("refresh-new"))
    );

    let request = s.endpoint.received().pop().expect("a request");
    assert_eq!(request.path, "/oauth2/token");
    assert_eq!(request.form["grant_type"], "refresh_token");
    assert_eq!(request.form["refresh_token"], "refresh-old");
    assert_eq!(request.form["client_id"], s.issuer.client_id());

    // a refreshed ID token is verified too
    let mut answer = s.tokens_for("n", None);
    answer["access_token"] = json!(s.issuer.access_token().username("mallory").build());
    s.endpoint.reply(200, &answer);
    assert!(matches!(
        login.refresh(&old).await,
        Err(LoginError::AccessTokenHashMismatch)
    ));
}

#[tokio::test]
async fn tokens_of_an_api_sign_in_are_adopted_once_their_id_token_is_verified() {
    let s = setup().await;
    let login = s.login();
    let access = s.issuer.access_token().username("alice").build();
    let id_token = |builder: sanctum_core::testing::TokenBuilder| {
        builder
            .username("alice")
            .claim("at_hash", at_hash(&access))
            .build()
    };
    let adopt = |id: String, access: &str| {
        login.adopt(
            AccessToken::new(access),
            IdToken::new(id),
            Some(RefreshToken::new("refresh-api")),
            3600,
        )
    };

    // an SRP or USER_AUTH sign-in's tokens: no nonce, no request to the token endpoint
    let adopted = adopt(id_token(s.issuer.id_token()), &access)
        .await
        .expect("adopted");
    assert_eq!(adopted.claims.username(), Some("alice"));
    assert_eq!(
        adopted.tokens.refresh_token,
        Some(RefreshToken::new("refresh-api"))
    );
    assert_eq!(
        adopted.tokens.expires_at,
        s.clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after the epoch")
            .as_secs()
            + 3600
    );
    assert!(s.endpoint.received().is_empty(), "nothing asked of Cognito");

    // the ID token is checked as at the callback: signature, client, token use, at_hash
    let forged = id_token(s.issuer.id_token().signed_with_unpublished_key());
    assert!(matches!(
        adopt(forged, &access).await,
        Err(LoginError::IdToken(VerifyError::InvalidSignature))
    ));
    let other_client = id_token(s.issuer.id_token().client_id("otherclient"));
    assert!(matches!(
        adopt(other_client, &access).await,
        Err(LoginError::IdToken(VerifyError::ClientMismatch { .. }))
    ));
    assert!(matches!(
        adopt(access.clone(), &access).await,
        Err(LoginError::IdToken(VerifyError::WrongTokenUse { .. }))
    ));
    let mallory = s.issuer.access_token().username("mallory").build();
    assert!(matches!(
        adopt(id_token(s.issuer.id_token()), &mallory).await,
        Err(LoginError::AccessTokenHashMismatch)
    ));
}

#[tokio::test]
async fn revoke_and_logout_url() {
    let s = setup().await;
    let login = s.login();
    s.endpoint.reply(200, &json!({}));
    login
        .revoke(&RefreshToken::new("refresh-1"))
        .await
        .expect("revokes");
    let request = s.endpoint.received().pop().expect("a request");
    assert_eq!(request.form["token"], "refresh-1");
    assert_eq!(request.form["client_id"], s.issuer.client_id());

    s.endpoint
        .reply(400, &json!({"error": "unsupported_token_type"}));
    assert!(matches!(
        login.revoke(&RefreshToken::new("an-access-token")).await,
        Err(LoginError::OAuth(err)) if err.code == OAuthErrorCode::UnsupportedTokenType
            && err.endpoint == Endpoint::Revoke
    ));

    assert_eq!(
        login.logout_url().as_deref(),
        Some(
            format!(
                "{}/logout?client_id={}&logout_uri=https%3A%2F%2Fapp.example.com%2F",
                s.endpoint.url,
                s.issuer.client_id()
            )
            .as_str()
        )
    );
    assert_eq!(
        s.builder()
            .build(&s.issuer.verifier())
            .expect("builds")
            .logout_url(),
        None
    );
}

#[tokio::test]
async fn bad_settings_are_refused_when_built() {
    let s = setup().await;
    let verifier = s.issuer.verifier();
    let refused = |builder: ManagedLoginBuilder| builder.build(&verifier).expect_err("refused");
    assert!(matches!(
        refused(s.builder().scopes(["email"])),
        ConfigError::InvalidSetting { what: "scopes", .. }
    ));
    assert!(matches!(
        refused(s.builder().scopes(["openid", "a b"])),
        ConfigError::InvalidSetting { what: "scopes", .. }
    ));
    assert!(matches!(
        refused(s.builder().client_secret("")),
        ConfigError::InvalidSetting {
            what: "client_secret",
            ..
        }
    ));
    assert!(matches!(
        refused(s.builder().timeout(Duration::ZERO)),
        ConfigError::InvalidSetting {
            what: "timeout",
            ..
        }
    ));
    assert!(matches!(
        refused(s.builder().logout_uri("/relative")),
        ConfigError::InvalidUrl {
            what: "logout_uri",
            ..
        }
    ));
    assert!(matches!(
        refused(ManagedLogin::builder(
            LoginDomain::url("ftp://x"),
            "c",
            CALLBACK
        )),
        ConfigError::InvalidUrl {
            what: "login_domain",
            ..
        }
    ));
    assert!(matches!(
        refused(ManagedLogin::builder(
            LoginDomain::cognito("acme", "eu-west-1"),
            s.issuer.client_id(),
            "callback"
        )),
        ConfigError::InvalidUrl {
            what: "callback_url",
            ..
        }
    ));
    // a verifier that would refuse every ID token of this client
    assert!(matches!(
        refused(ManagedLogin::builder(
            LoginDomain::cognito("acme", "eu-west-1"),
            "someotherclient",
            CALLBACK
        )),
        ConfigError::InvalidSetting {
            what: "verifier",
            ..
        }
    ));
    assert_eq!(
        LoginDomain::cognito("acme", "eu-west-1").as_str(),
        "https://acme.auth.eu-west-1.amazoncognito.com"
    );
    let login = ManagedLogin::builder(
        LoginDomain::cognito("acme", "eu-west-1"),
        s.issuer.client_id(),
        CALLBACK,
    )
    .build(&verifier)
    .expect("builds");
    assert!(
        login
            .authorize()
            .build()
            .expect("builds")
            .url
            .starts_with("https://acme.auth.eu-west-1.amazoncognito.com/oauth2/authorize?")
    );
}
