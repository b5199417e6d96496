//! The managed-login client end to end against fakecloud's managed login on 127.0.0.1: the
//! browser's visit to `/oauth2/authorize` (fakecloud takes `username`/`password` in the query
//! instead of its HTML form and redirects to the callback with a single-use `code`), the code
//! exchange with PKCE, the ID token verified with its `nonce`, refresh (with and without
//! rotation), revoke; and the refusals: a wrong PKCE verifier, a reused code, a forged `state`,
//! a wrong `nonce`, a wrong password and a scope the client may not have. Then sessions'
//! refreshes with rotation on: two requests of one session due for a refresh refresh it once
//! and write it back; an instance that loses the refresh race takes the winner's tokens.
//!
//! fakecloud 0.51's quirks, probed here: see `FAKECLOUD QUIRKS` below.

mod cognito_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cognito_support::{PASSWORD, unique};
use sanctum_core::login::{
    AuthorizeRedirect, Callback, ClientAuth, Endpoint, LoginDomain, LoginError, ManagedLogin,
    OAuthErrorCode, PendingLogin,
};
use sanctum_core::session::{
    Current, MemorySessionStore, SessionData, SessionPolicy, SessionSlot, SessionStore as _,
    SessionTokens, StoreError, StoredSessions,
};
use sanctum_core::{UserPool, Verifier};
use sanctum_testkit::fakecloud::{FakecloudPoolOptions, FakecloudServer};
use serde_json::{Value, json};

// FAKECLOUD QUIRKS (0.51.0; the tests below prove the first three, the rest is read in its
// source, fakecloud-cognito's `handle_oauth2_*` and fakecloud's `main.rs`):
// - `/oauth2/authorize` signs in from `username` and `password` in the query (a test-only
//   shortcut of its HTML form) and answers 302 to `{callback}?code=...&state=...`; a wrong
//   password is `error=access_denied`, a scope the client lacks `error=invalid_scope`.
// - ID tokens from the code carry the authorize request's `nonce`; a code is good once, and a
//   PKCE verifier that does not match the S256 challenge is `invalid_grant`.
// - Rotation on: the old refresh token is `invalid_grant` at once (no grace period set).
// - ID tokens carry no `at_hash` (the offline tests check it); error redirects carry no
//   `error_description`; codes expire after 300 s.
// - `/oauth2/revoke` reads the client's secret from the form body only (`client_secret`), not
//   from HTTP Basic as Cognito documents: a confidential client revokes with
//   `ClientAuth::Post` there.
// - It has no `/logout` page.

const CALLBACK: &str = "https://app.example.com/callback";
const LOGOUT: &str = "https://app.example.com/";

/// A pool with one user (`PASSWORD`) and an app client for managed login.
struct Fixture {
    fakecloud: Arc<FakecloudServer>,
    pool_id: String,
    client_id: String,
    client_secret: Option<String>,
    username: String,
}

async fn fixture(secret: bool, rotation: bool) -> Fixture {
    let fakecloud = FakecloudServer::shared();
    let pool = fakecloud
        .create_pool_with(FakecloudPoolOptions::new())
        .await
        .expect("fakecloud creates a pool");
    let mut request = json!({
        "UserPoolId": pool.pool_id,
        "ClientName": "managed-login",
        "GenerateSecret": secret,
        "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
        "AllowedOAuthFlowsUserPoolClient": true,
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email", "profile"],
        "CallbackURLs": [CALLBACK],
        "LogoutURLs": [LOGOUT],
        "SupportedIdentityProviders": ["COGNITO"],
    });
    if rotation {
        request["RefreshTokenRotation"] =
            json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": 0});
    }
    let client = fakecloud
        .call("CreateUserPoolClient", request)
        .await
        .expect("fakecloud creates the app client");
    let text = |pointer: &str| {
        client
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let username = unique("browser-user-");
    fakecloud
        .call(
            "AdminCreateUser",
            json!({
                "UserPoolId": pool.pool_id, "Username": username, "MessageAction": "SUPPRESS",
                "UserAttributes": [{"Name": "email", "Value": format!("{username}@example.com")}],
            }),
        )
        .await
        .expect("user");
    fakecloud
        .call(
            "AdminSetUserPassword",
            json!({"UserPoolId": pool.pool_id, "Username": username, "Password": PASSWORD, "Permanent": true}),
        )
        .await
        .expect("password");
    Fixture {
        pool_id: pool.pool_id,
        client_id: text("/UserPoolClient/ClientId").expect("client id"),
        client_secret: text("/UserPoolClient/ClientSecret"),
        username,
        fakecloud,
    }
}

impl Fixture {
    fn verifier(&self) -> Verifier {
        Verifier::builder()
            .pool(
                UserPool::new(&self.pool_id)
                    .client_id(&self.client_id)
                    .with_jwks_url(self.fakecloud.jwks_url(&self.pool_id)),
            )
            .build()
            .expect("verifier")
    }

    fn login_with(&self, auth: ClientAuth) -> ManagedLogin {
        let mut builder = ManagedLogin::builder(
            LoginDomain::url(self.fakecloud.endpoint()),
            &self.client_id,
            CALLBACK,
        )
        .scopes(["openid", "email"])
        .logout_uri(LOGOUT)
        .client_auth(auth);
        if let Some(secret) = &self.client_secret {
            builder = builder.client_secret(secret);
        }
        builder.build(&self.verifier()).expect("login")
    }

    fn login(&self) -> ManagedLogin {
        self.login_with(ClientAuth::Basic)
    }
}

/// What the browser does at the authorize URL: signs in (fakecloud's query shortcut for its
/// form) and follows nothing; the `Location` of the redirect, whose query is the callback's.
async fn visit(url: &str, username: &str, password: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("username", username)
        .append_pair("password", password)
        .finish();
    let response = browser
        .get(format!("{url}&{query}"))
        .send()
        .await
        .expect("fakecloud answers");
    assert_eq!(response.status().as_u16(), 302, "{response:?}");
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location")
        .to_owned();
    let (target, query) = location.split_once('?').expect("a query");
    assert_eq!(target, CALLBACK);
    query.to_owned()
}

async fn sign_in_at(fixture: &Fixture, start: &AuthorizeRedirect) -> Callback {
    let query = visit(&start.url, &fixture.username, PASSWORD).await;
    Callback::from_query(&query).expect("a code and the state")
}

/// `pending` with one of its (private) fields replaced, as a tampered cookie would be.
fn tampered(pending: &PendingLogin, field: &str, value: &str) -> PendingLogin {
    let mut json = serde_json::to_value(pending).expect("serializes");
    json[field] = json!(value);
    serde_json::from_value(json).expect("deserializes")
}

fn is_oauth(result: &Result<impl std::fmt::Debug, LoginError>, code: &OAuthErrorCode) -> bool {
    matches!(result, Err(LoginError::OAuth(err)) if &err.code == code)
}

#[tokio::test]
async fn a_browser_signs_in_refreshes_and_the_revoked_refresh_token_stops_working() {
    let f = fixture(false, false).await;
    let login = f.login();
    let start = login.authorize().build().expect("authorize URL");
    let callback = sign_in_at(&f, &start).await;
    assert_eq!(callback.state(), start.pending.state());

    let signed_in = login
        .finish(start.pending.clone(), &callback)
        .await
        .expect("signs in");
    assert_eq!(signed_in.claims.username(), Some(f.username.as_str()));
    assert_eq!(signed_in.claims.client_id(), f.client_id);
    let email = format!("{}@example.com", f.username);
    assert_eq!(signed_in.claims.email(), Some(email.as_str()));
    // the access token is a Cognito access token of this client, with the scopes asked for
    let access = f
        .verifier()
        .verify_access(signed_in.tokens.access_token.secret())
        .await
        .expect("a valid access token");
    assert_eq!(access.sub(), signed_in.claims.sub());
    assert!(access.has_scope("openid") && access.has_scope("email"));
    let refresh_token = signed_in
        .tokens
        .refresh_token
        .clone()
        .expect("a refresh token");

    // without rotation the refresh token is kept
    let refreshed = login.refresh(&refresh_token).await.expect("refreshes");
    assert_eq!(
        refreshed.tokens.refresh_token.as_ref(),
        Some(&refresh_token)
    );
    assert_eq!(refreshed.claims.sub(), signed_in.claims.sub());
    assert_ne!(refreshed.tokens.access_token, signed_in.tokens.access_token);

    login.revoke(&refresh_token).await.expect("revokes");
    let after = login.refresh(&refresh_token).await;
    assert!(is_oauth(&after, &OAuthErrorCode::InvalidGrant), "{after:?}");
}

#[tokio::test]
async fn a_confidential_client_signs_in_and_takes_the_rotated_refresh_token() {
    let f = fixture(true, true).await;
    assert!(f.client_secret.is_some());
    let login = f.login();
    let start = login.authorize().build().expect("authorize URL");
    let callback = sign_in_at(&f, &start).await;
    let signed_in = login
        .finish(start.pending.clone(), &callback)
        .await
        .expect("signs in");
    let first = signed_in.tokens.refresh_token.expect("a refresh token");

    let rotated = login.refresh(&first).await.expect("refreshes");
    let second = rotated.tokens.refresh_token.expect("a refresh token");
    assert_ne!(second, first, "rotation hands out a new refresh token");
    let old = login.refresh(&first).await;
    assert!(is_oauth(&old, &OAuthErrorCode::InvalidGrant), "{old:?}");

    // a wrong secret is invalid_client
    let wrong = ManagedLogin::builder(
        LoginDomain::url(f.fakecloud.endpoint()),
        &f.client_id,
        CALLBACK,
    )
    .client_secret("not-the-secret")
    .build(&f.verifier())
    .expect("login");
    let refused = wrong.refresh(&second).await;
    assert!(
        is_oauth(&refused, &OAuthErrorCode::InvalidClient),
        "{refused:?}"
    );
    assert!(matches!(&refused, Err(LoginError::OAuth(err)) if err.status == Some(401)));

    // fakecloud's revoke reads the secret from the body only (see the quirks)
    let posting = f.login_with(ClientAuth::Post);
    posting.revoke(&second).await.expect("revokes");
    let after = posting.refresh(&second).await;
    assert!(is_oauth(&after, &OAuthErrorCode::InvalidGrant), "{after:?}");
}

#[tokio::test]
async fn a_wrong_pkce_verifier_or_a_reused_code_is_invalid_grant() {
    let f = fixture(false, false).await;
    let login = f.login();

    // the code of one attempt with the verifier of another
    let start = login.authorize().build().expect("authorize URL");
    let other = login.authorize().build().expect("authorize URL");
    let callback = sign_in_at(&f, &start).await;
    let other_verifier = serde_json::to_value(&other.pending).expect("serializes")["code_verifier"]
        .as_str()
        .expect("a verifier")
        .to_owned();
    let wrong = tampered(&start.pending, "code_verifier", &other_verifier);
    let refused = login.finish(wrong, &callback).await;
    assert!(
        is_oauth(&refused, &OAuthErrorCode::InvalidGrant),
        "{refused:?}"
    );

    // a code is good once
    let start = login.authorize().build().expect("authorize URL");
    let callback = sign_in_at(&f, &start).await;
    login
        .finish(start.pending.clone(), &callback)
        .await
        .expect("signs in");
    let again = login.finish(start.pending.clone(), &callback).await;
    assert!(is_oauth(&again, &OAuthErrorCode::InvalidGrant), "{again:?}");
    assert!(
        matches!(&again, Err(LoginError::OAuth(err)) if err.endpoint == Endpoint::Token && err.status == Some(400))
    );
}

#[tokio::test]
async fn a_forged_state_is_refused_without_spending_the_code_and_a_wrong_nonce_after_it() {
    let f = fixture(false, false).await;
    let login = f.login();
    let start = login.authorize().build().expect("authorize URL");
    let callback = sign_in_at(&f, &start).await;

    // another browser's pending sign-in: refused before the code is sent
    let other = login.authorize().build().expect("authorize URL");
    let forged = login.finish(other.pending.clone(), &callback).await;
    assert!(
        matches!(forged, Err(LoginError::StateMismatch)),
        "{forged:?}"
    );

    // a pending sign-in whose nonce is not the one the ID token carries
    let wrong_nonce = tampered(&start.pending, "nonce", "not-the-nonce");
    let refused = login.finish(wrong_nonce, &callback).await;
    assert!(
        matches!(refused, Err(LoginError::NonceMismatch)),
        "{refused:?}"
    );

    // the code was spent by the exchange the nonce check refused
    let again = login.finish(start.pending.clone(), &callback).await;
    assert!(is_oauth(&again, &OAuthErrorCode::InvalidGrant), "{again:?}");

    // the forged-state attempt did not spend its own code: a fresh sign-in works
    let start = login.authorize().build().expect("authorize URL");
    let callback = sign_in_at(&f, &start).await;
    let forged = login.finish(other.pending.clone(), &callback).await;
    assert!(matches!(forged, Err(LoginError::StateMismatch)));
    login
        .finish(start.pending.clone(), &callback)
        .await
        .expect("the code still works");
}

#[tokio::test]
async fn cognitos_error_redirects_are_typed_errors_of_the_callback() {
    let f = fixture(false, false).await;
    let login = f.login();

    let start = login.authorize().build().expect("authorize URL");
    let query = visit(&start.url, &f.username, "Wrong-Passw0rd").await;
    let err = Callback::from_query(&query).expect_err("an error answer");
    assert!(
        matches!(&err, LoginError::OAuth(e) if e.code == OAuthErrorCode::AccessDenied && e.endpoint == Endpoint::Authorize),
        "{err:?}"
    );

    let narrow = ManagedLogin::builder(
        LoginDomain::url(f.fakecloud.endpoint()),
        &f.client_id,
        CALLBACK,
    )
    .scopes(["openid", "aws.cognito.signin.user.admin"])
    .build(&f.verifier())
    .expect("login");
    let start = narrow.authorize().build().expect("authorize URL");
    let query = visit(&start.url, &f.username, PASSWORD).await;
    let err = Callback::from_query(&query).expect_err("an error answer");
    assert_eq!(
        err.oauth_code(),
        Some(&OAuthErrorCode::InvalidScope),
        "{err:?}"
    );
}

/// A session store holding one session, shared by the "instances" of a test; counts writes.
#[derive(Clone, Default)]
struct OneSession {
    data: Arc<Mutex<Option<SessionData>>>,
    saves: Arc<AtomicUsize>,
}

impl OneSession {
    fn holding(data: &SessionData) -> Self {
        let store = Self::default();
        *store.data.lock().expect("lock") = Some(data.clone());
        store
    }

    fn stored(&self) -> Option<SessionData> {
        self.data.lock().expect("lock").clone()
    }

    fn saves(&self) -> usize {
        self.saves.load(Ordering::SeqCst)
    }

    /// A request's view of the store; its first `stale` reads return `old` (what it read
    /// before another instance's write landed).
    fn slot(&self, stale: usize, old: &SessionData) -> RequestSlot {
        RequestSlot {
            store: self.clone(),
            stale: vec![old.clone(); stale],
        }
    }
}

struct RequestSlot {
    store: OneSession,
    stale: Vec<SessionData>,
}

impl SessionSlot for RequestSlot {
    async fn reload(&mut self) -> Result<Option<Arc<SessionData>>, StoreError> {
        if let Some(old) = self.stale.pop() {
            return Ok(Some(Arc::new(old)));
        }
        Ok(self.store.stored().map(Arc::new))
    }

    async fn save(&mut self, data: &SessionData) -> Result<(), StoreError> {
        *self.store.data.lock().expect("lock") = Some(data.clone());
        self.store.saves.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Signs `f`'s user in through `login`; the session, its access token said to expire in a
/// minute (within the default five-minute refresh margin; fakecloud's tokens live an hour).
async fn session_due_for_refresh(
    f: &Fixture,
    login: &ManagedLogin,
) -> (SessionTokens, SessionData) {
    let start = login.authorize().build().expect("authorize URL");
    let callback = sign_in_at(f, &start).await;
    let signed_in = login
        .finish(start.pending, &callback)
        .await
        .expect("signs in");
    let tokens = SessionTokens::new(login.clone(), SessionPolicy::new());
    let mut data = tokens.start(&signed_in);
    data.tokens.expires_at = tokens.now() + 60;
    (tokens, data)
}

fn active(current: Current) -> Arc<SessionData> {
    match current {
        Current::Active(data) => data,
        other => panic!("the session should go on: {other:?}"),
    }
}

#[tokio::test]
async fn two_requests_of_one_session_due_for_refresh_refresh_it_once_and_write_it_back() {
    #[cfg(feature = "metrics")]
    let metrics = sanctum_testkit::metrics::MetricsCapture::start();
    let f = fixture(false, true).await;
    let login = f.login();
    let (tokens, data) = session_due_for_refresh(&f, &login).await;
    let store = OneSession::holding(&data);

    let (mut one, mut two) = (store.slot(0, &data), store.slot(0, &data));
    let (first, second) = tokio::join!(
        tokens.current(b"session-1", Arc::new(data.clone()), &mut one),
        tokens.current(b"session-1", Arc::new(data.clone()), &mut two),
    );
    let (first, second) = (
        active(first.expect("first")),
        active(second.expect("second")),
    );
    assert_eq!(store.saves(), 1, "one refresh, written back once");
    assert_ne!(
        first.tokens.access_token, data.tokens.access_token,
        "refreshed"
    );
    assert_ne!(
        first.tokens.refresh_token, data.tokens.refresh_token,
        "rotated"
    );
    assert_eq!(
        second.tokens, first.tokens,
        "the second request took the first one's tokens"
    );
    assert_eq!(store.stored().map(|s| s.tokens), Some(first.tokens.clone()));
    assert!(first.tokens.expires_at > tokens.now() + 3_000);
    #[cfg(feature = "metrics")]
    {
        let all = metrics.snapshot();
        let refreshes = "sanctum_browser_session_refreshes_total";
        let count = |outcome| all.counter(refreshes, &[("outcome", outcome)]);
        assert_eq!((count("refreshed"), count("lost_race")), (1, 1), "{all:?}");
        assert_eq!(all.counter(refreshes, &[]), 2, "{all:?}");
    }
    // (with rotation on, a second refresh with the old refresh token would have been refused)
    let replay = login
        .refresh(data.tokens.refresh_token.as_ref().expect("a refresh token"))
        .await;
    assert!(
        is_oauth(&replay, &OAuthErrorCode::InvalidGrant),
        "{replay:?}"
    );
}

#[tokio::test]
async fn an_instance_that_loses_a_refresh_race_takes_the_winners_tokens_instead_of_signing_out() {
    let f = fixture(false, true).await;
    let (a, data) = session_due_for_refresh(&f, &f.login()).await;
    // another instance: its own login client and its own refresh locks
    let b = SessionTokens::new(f.login(), SessionPolicy::new());
    let store = OneSession::holding(&data);

    // A refreshes (Cognito rotates the refresh token) and writes back
    let won = active(
        a.current(
            b"session-1",
            Arc::new(data.clone()),
            &mut store.slot(0, &data),
        )
        .await
        .expect("A refreshes"),
    );
    assert_ne!(won.tokens.refresh_token, data.tokens.refresh_token);
    // B read the session before A's write: Cognito refuses B's (rotated) refresh token, B
    // reads the store again and takes A's tokens
    let lost = active(
        b.current(
            b"session-1",
            Arc::new(data.clone()),
            &mut store.slot(1, &data),
        )
        .await
        .expect("B goes on"),
    );
    assert_eq!(lost.tokens, won.tokens);
    assert_eq!(store.saves(), 1, "B wrote nothing");
    // B's second read came before A's write too: B keeps the still-valid access token (the
    // next request finds A's tokens) — not signed out either
    let early = active(
        b.current(
            b"session-1",
            Arc::new(data.clone()),
            &mut store.slot(2, &data),
        )
        .await
        .expect("B goes on"),
    );
    assert_eq!(early.tokens, data.tokens);
    assert_eq!(store.stored().map(|s| s.tokens), Some(won.tokens.clone()));
}

#[tokio::test]
async fn stored_sessions_refresh_once_through_the_shared_store_and_another_instance_reads_the_result()
 {
    // StoredSessions: sanctum-actix's sessions, over a store both "instances" share
    let f = fixture(false, true).await;
    let login = f.login();
    let (tokens, data) = session_due_for_refresh(&f, &login).await;
    let store = MemorySessionStore::new();
    let json = serde_json::to_string(&data).expect("JSON");
    assert!(
        store
            .create("s-1", &json, std::time::Duration::from_secs(3600))
            .await
            .expect("stored")
    );
    let a = StoredSessions::new(tokens, Arc::new(store.clone()));
    // another instance: its own login client and its own refresh locks
    let b = StoredSessions::new(
        SessionTokens::new(f.login(), SessionPolicy::new()),
        Arc::new(store.clone()),
    );

    // two requests on A at once: one refresh, written straight back; both go on with it
    let (first, second) = tokio::join!(a.active("s-1"), a.active("s-1"));
    let first = first.expect("first").expect("signed in");
    let second = second.expect("second").expect("signed in");
    assert_ne!(
        first.tokens.access_token, data.tokens.access_token,
        "refreshed"
    );
    assert_ne!(
        first.tokens.refresh_token, data.tokens.refresh_token,
        "rotated"
    );
    assert_eq!(second.tokens, first.tokens, "refreshed once");
    let stored: SessionData =
        serde_json::from_str(&store.load("s-1").await.expect("load").expect("kept")).expect("JSON");
    assert_eq!(stored.tokens, first.tokens, "written back");
    // B reads A's tokens from the store: no refresh of its own
    let on_b = b.active("s-1").await.expect("B").expect("signed in");
    assert_eq!(on_b.tokens, first.tokens);
    // (a second refresh with the old, rotated refresh token would have been refused)
    let replay = login
        .refresh(data.tokens.refresh_token.as_ref().expect("a refresh token"))
        .await;
    assert!(
        is_oauth(&replay, &OAuthErrorCode::InvalidGrant),
        "{replay:?}"
    );
    // ended on B: gone on A at once
    assert!(b.end("s-1").await.expect("ends").is_some());
    assert_eq!(a.active("s-1").await.expect("A"), None);
}
