//! Sessions as a token source of the auth layer, offline: session entries written straight
//! into a tower-sessions store (tokens from the test kit's issuer), then requests with the
//! session cookie through the router — the guards and extractors as for bearer tokens, CSRF
//! on unsafe methods, the redirect to sign in, the sign-in cookie, ended and revoked sessions,
//! and a store that cannot be reached (a Redis port nobody listens on): 503, bearer routes
//! unaffected.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use base64::Engine as _;
use common::{Answer, answer};
use http::Request;
use sanctum_axum::session::{
    DEFAULT_MEMORY_SESSION_CAPACITY, MemorySessionStore, RedisSessionStore, SESSION_DATA_KEY,
    SessionAuth,
};
use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup};
use sanctum_core::Verifier;
use sanctum_core::login::{LoginDomain, ManagedLogin};
use sanctum_core::revocation::{InMemoryRevocations, Revocation, RevocationStore as _};
use sanctum_core::session::CsrfPolicy;
use sanctum_core::testing::TestIssuer;
use sanctum_testkit::session as scenarios;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};

const APP: &str = "https://app.example.com";
const COOKIE: &str = "__Host-sanctum-session";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

fn auth_for(verifier: &Verifier, client_id: &str) -> SessionAuth {
    auth_builder(verifier, client_id).build()
}

/// Sessions whose managed login is at a port nobody listens on: no session here is due for a
/// refresh, and a revocation at sign-out fails.
fn auth_builder(verifier: &Verifier, client_id: &str) -> sanctum_axum::session::SessionAuthBuilder {
    let login = ManagedLogin::builder(
        LoginDomain::url("http://127.0.0.1:9"),
        client_id,
        format!("{APP}/callback"),
    )
    .logout_uri(format!("{APP}/"))
    .build(verifier)
    .expect("login");
    SessionAuth::builder(login).csrf(
        CsrfPolicy::new()
            .app_origin(APP)
            .expect("origin")
            .header("x-csrf".parse().expect("name"), "1".parse().expect("value")),
    )
}

async fn me(user: CognitoUser) -> String {
    format!(
        "{} {:?}",
        user.username().unwrap_or_default(),
        user.groups().collect::<Vec<_>>()
    )
}

fn app<S: SessionStore + Clone>(verifier: &Verifier, auth: &SessionAuth, store: S) -> Router {
    let layer = CognitoAuthLayer::new(verifier.clone()).session(auth.clone());
    Router::new()
        .route(
            "/admin",
            get(me)
                .post(me)
                .route_layer(RequireGroup("admin"))
                .route_layer(layer.clone().redirect_to_login("/login")),
        )
        .route("/me", get(me).post(me).route_layer(layer))
        .route(
            "/",
            get(|user: Option<CognitoUser>| async move {
                user.map_or_else(|| "anonymous".to_owned(), |u| u.sub().to_owned())
            })
            .route_layer(
                CognitoAuthLayer::new(verifier.clone())
                    .session(auth.clone())
                    .optional(),
            ),
        )
        .route(
            "/login",
            get({
                let auth = auth.clone();
                move |uri: http::Uri| async move { auth.login(&uri) }
            }),
        )
        .route(
            "/callback",
            get({
                let auth = auth.clone();
                move |session: tower_sessions::Session,
                      headers: http::HeaderMap,
                      axum::extract::RawQuery(query): axum::extract::RawQuery| async move {
                    auth.callback(&session, &headers, query.as_deref()).await
                }
            }),
        )
        .route(
            "/logout",
            axum::routing::post({
                let auth = auth.clone();
                move |session: tower_sessions::Session,
                      method: http::Method,
                      headers: http::HeaderMap| async move {
                    auth.logout(&session, &method, &headers).await
                }
            }),
        )
        .layer(auth.layer(store))
}

/// A session entry for `access_token`, stored; its id (the cookie's value).
async fn store_session(store: &impl SessionStore, access_token: &str, touched_at: u64) -> String {
    store_session_of(store, access_token, touched_at, None, None).await
}

/// [`store_session`] with a refresh token and the tokens' `origin_jti`.
async fn store_session_of(
    store: &impl SessionStore,
    access_token: &str,
    touched_at: u64,
    refresh_token: Option<&str>,
    origin_jti: Option<&str>,
) -> String {
    let data = json!({
        "tokens": {
            "access_token": access_token, "id_token": "unused", "refresh_token": refresh_token,
            "expires_at": now() + 3600, "token_type": "Bearer",
        },
        "sub": "sub-1", "username": "alice", "groups": [], "origin_jti": origin_jti,
        "signed_in_at": now(), "touched_at": touched_at,
    });
    store_value(store, &data).await
}

/// The session `data` stored under a new id, its record living an hour; the id.
async fn store_value(store: &impl SessionStore, data: &Value) -> String {
    let mut record = Record {
        id: Id::default(),
        data: HashMap::from([(SESSION_DATA_KEY.to_owned(), data.clone())]),
        expiry_date: tower_sessions::cookie::time::OffsetDateTime::now_utc()
            + tower_sessions::cookie::time::Duration::hours(1),
    };
    store.create(&mut record).await.expect("stored");
    record.id.to_string()
}

/// The memory-store app as the shared scenarios' driver.
struct Driver {
    store: MemorySessionStore,
    router: Router,
}

impl Driver {
    async fn new() -> (TestIssuer, Self) {
        let (issuer, store, router) = memory_app().await;
        (issuer, Self { store, router })
    }
}

impl scenarios::SessionDriver for Driver {
    async fn store(&self, data: &Value) -> String {
        store_value(&self.store, data).await
    }

    async fn replace(&self, id: &str, data: &Value) {
        let id: Id = id.parse().expect("an id");
        let mut record = self.store.load(&id).await.expect("load").expect("kept");
        record
            .data
            .insert(SESSION_DATA_KEY.to_owned(), data.clone());
        self.store.save(&record).await.expect("saved");
    }

    async fn remove(&self, id: &str) {
        let id: Id = id.parse().expect("an id");
        self.store.delete(&id).await.expect("deleted");
    }

    async fn get_me(&self, id: &str) -> scenarios::Reply {
        let (answer, cookies, _) =
            send(&self.router, "GET", "/me", &[("cookie", &cookie(id))]).await;
        scenarios::Reply {
            status: answer.status,
            body: answer.body,
            cookies,
        }
    }
}

#[tokio::test]
async fn a_session_follows_every_write_to_the_store() {
    let (issuer, driver) = Driver::new().await;
    scenarios::a_session_follows_every_write_to_the_store(&driver, &issuer).await;
}

#[tokio::test]
async fn a_written_back_session_sends_its_cookie_again() {
    let (issuer, driver) = Driver::new().await;
    scenarios::a_written_back_session_sends_its_cookie_again(&driver, &issuer).await;
}

#[cfg(feature = "metrics")]
#[tokio::test]
async fn a_due_refresh_is_counted() {
    let metrics = sanctum_testkit::metrics::MetricsCapture::start();
    let (issuer, driver) = Driver::new().await;
    scenarios::a_due_refresh_is_counted(&driver, &issuer, &metrics).await;
}

async fn send(
    router: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (Answer, Vec<String>, Option<String>) {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("text").to_owned())
        .collect();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().expect("text").to_owned());
    (answer(response).await, cookies, location)
}

/// The test kit's issuer, a memory store and the app over it.
async fn memory_app() -> (TestIssuer, MemorySessionStore, Router) {
    let issuer = TestIssuer::start().await.expect("issuer");
    let verifier = issuer.verifier();
    let auth = auth_for(&verifier, issuer.client_id());
    let store = MemorySessionStore::new();
    let router = app(&verifier, &auth, store.clone());
    (issuer, store, router)
}

/// The test kit's issuer and a memory-store app whose verifier checks `revocations` (and whose
/// sign-outs record there, with `sign_outs`).
async fn revoking_app(
    sign_outs: bool,
) -> (
    TestIssuer,
    Arc<InMemoryRevocations>,
    MemorySessionStore,
    Router,
) {
    let issuer = TestIssuer::start().await.expect("issuer");
    let revocations = Arc::new(InMemoryRevocations::new());
    let verifier = issuer
        .verifier_builder()
        .revocations(revocations.clone())
        .build()
        .expect("verifier");
    let mut auth = auth_builder(&verifier, issuer.client_id());
    if sign_outs {
        auth = auth.revocations(revocations.clone());
    }
    let store = MemorySessionStore::new();
    let router = app(&verifier, &auth.build(), store.clone());
    (issuer, revocations, store, router)
}

/// The test kit's issuer and an app whose sessions are in Redis at a port that was free a
/// moment ago (nothing listens there until a test starts a server on it); the port and store.
async fn redis_app() -> (TestIssuer, u16, RedisSessionStore, Router) {
    let issuer = TestIssuer::start().await.expect("issuer");
    let verifier = issuer.verifier();
    let auth = auth_for(&verifier, issuer.client_id());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let store = RedisSessionStore::from_url(&format!("redis://127.0.0.1:{port}/")).expect("url");
    let router = app(&verifier, &auth, store.clone());
    (issuer, port, store, router)
}

fn cookie(id: &str) -> String {
    format!("{COOKIE}={id}")
}

#[tokio::test]
async fn a_session_cookie_meets_the_guards_and_extractors_as_a_bearer_token_does() {
    let (issuer, store, router) = memory_app().await;

    let admin = store_session(
        &store,
        &issuer
            .access_token()
            .username("alice")
            .groups(["admin"])
            .build(),
        now(),
    )
    .await;
    let user = store_session(
        &store,
        &issuer.access_token().username("bob").build(),
        now(),
    )
    .await;

    let (me, ..) = send(&router, "GET", "/me", &[("cookie", &cookie(&admin))]).await;
    assert_eq!((me.status, me.body.as_str()), (200, "alice [\"admin\"]"));
    let (page, ..) = send(&router, "GET", "/admin", &[("cookie", &cookie(&admin))]).await;
    assert_eq!(page.status, 200);
    let (page, ..) = send(&router, "GET", "/admin", &[("cookie", &cookie(&user))]).await;
    assert_eq!(page.status, 403, "{page:?}");
    assert!(
        page.www_authenticate
            .is_some_and(|c| c.contains("insufficient_scope"))
    );

    // an unknown session id is no session: 401 (not 500, not a pass)
    let (unknown, ..) = send(
        &router,
        "GET",
        "/me",
        &[("cookie", &cookie(&Id::default().to_string()))],
    )
    .await;
    assert_eq!(unknown.status, 401);
    let (none, ..) = send(&router, "GET", "/me", &[]).await;
    assert_eq!(none.status, 401);
    let (home, ..) = send(&router, "GET", "/", &[]).await;
    assert_eq!(home.body, "anonymous");

    // a bearer token is used alone, whatever the cookie says
    let bearer = issuer
        .access_token()
        .username("carol")
        .groups(["admin"])
        .authorization();
    let (both, ..) = send(
        &router,
        "GET",
        "/me",
        &[("authorization", &bearer), ("cookie", &cookie(&user))],
    )
    .await;
    assert_eq!(
        (both.status, both.body.as_str()),
        (200, "carol [\"admin\"]")
    );
}

#[tokio::test]
async fn cookie_authenticated_unsafe_requests_must_come_from_the_application() {
    let (issuer, store, router) = memory_app().await;
    let id = store_session(
        &store,
        &issuer
            .access_token()
            .username("alice")
            .groups(["admin"])
            .build(),
        now(),
    )
    .await;
    let session = cookie(&id);

    for (headers, status) in [
        (vec![], 403),
        (vec![("sec-fetch-site", "cross-site")], 403),
        (vec![("sec-fetch-site", "same-site")], 403),
        (vec![("origin", "https://evil.example")], 403),
        (vec![("sec-fetch-site", "same-origin")], 200),
        (vec![("origin", APP)], 200),
        (vec![("x-csrf", "1"), ("sec-fetch-site", "cross-site")], 200),
    ] {
        let mut all = vec![("cookie", session.as_str())];
        all.extend(headers.iter().copied());
        for path in ["/me", "/admin"] {
            let (answer, ..) = send(&router, "POST", path, &all).await;
            assert_eq!(answer.status, status, "POST {path} {headers:?}: {answer:?}");
            if status == 403 {
                assert!(answer.body.contains("cross_site_request"), "{answer:?}");
                assert_eq!(answer.www_authenticate, None);
            }
        }
    }
    // safe methods are not checked
    let (get, ..) = send(
        &router,
        "GET",
        "/me",
        &[("cookie", &session), ("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(get.status, 200);
    // bearer requests are exempt: a browser never adds the header on its own
    let bearer = issuer.access_token().authorization();
    let (post, ..) = send(
        &router,
        "POST",
        "/me",
        &[("authorization", &bearer), ("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(post.status, 200);
}

#[tokio::test]
async fn anonymous_page_requests_are_sent_to_sign_in_with_where_they_were_going() {
    let (_issuer, _store, router) = memory_app().await;

    let (page, _, location) = send(&router, "GET", "/admin?tab=users&x=%2F", &[]).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        location.as_deref(),
        Some("/login?next=%2Fadmin%3Ftab%3Dusers%26x%3D%252F")
    );
    // not for unsafe methods, nor for routes that did not ask
    let (post, ..) = send(&router, "POST", "/admin", &[]).await;
    assert_eq!(post.status, 401);
    let (api, ..) = send(&router, "GET", "/me", &[]).await;
    assert_eq!(api.status, 401);
}

fn login_cookie_json(set_cookie: &str) -> Value {
    let value = set_cookie
        .strip_prefix("__Host-sanctum-login=")
        .and_then(|rest| rest.split(';').next())
        .expect("the sign-in cookie");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value)
            .expect("base64url"),
    )
    .expect("JSON")
}

#[tokio::test]
async fn sign_in_starts_with_a_host_cookie_and_a_callback_without_it_or_with_another_state_stores_nothing()
 {
    let (_issuer, _store, router) = memory_app().await;

    let (start, cookies, location) = send(&router, "GET", "/login?next=%2Fadmin", &[]).await;
    assert_eq!(start.status, 303);
    let location = location.expect("a Location");
    assert!(
        location.starts_with("http://127.0.0.1:9/oauth2/authorize?response_type=code&"),
        "{location}"
    );
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let set = &cookies[0];
    for part in [
        "; Max-Age=600",
        "; Path=/",
        "; HttpOnly",
        "; SameSite=Lax",
        "; Secure",
    ] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!set.contains("Domain"), "{set}");
    let kept = login_cookie_json(set);
    assert_eq!(kept["next"], "/admin");
    let state = kept["pending"]["state"].as_str().expect("state").to_owned();
    assert!(location.contains(&format!("state={state}")));

    // an open redirect is not kept
    for next in [
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let (_, cookies, _) = send(&router, "GET", &format!("/login?next={next}"), &[]).await;
        assert_eq!(login_cookie_json(&cookies[0])["next"], "/", "{next}");
    }

    let login_cookie = set.split(';').next().expect("name=value").to_owned();
    let refused = |answer: &Answer, cookies: &[String]| {
        assert!(
            cookies.iter().all(|c| !c.starts_with(COOKIE)),
            "no session: {cookies:?}"
        );
        assert!(
            cookies
                .iter()
                .any(|c| c.starts_with("__Host-sanctum-login=;") && c.contains("Max-Age=0")),
            "the sign-in cookie is removed: {cookies:?}"
        );
        assert!(answer.body.contains("\"error\""), "{answer:?}");
    };
    // no sign-in cookie (another browser's callback, or a replay after it was consumed)
    let (none, cookies, _) = send(
        &router,
        "GET",
        &format!("/callback?code=c&state={state}"),
        &[],
    )
    .await;
    assert_eq!(none.status, 400);
    refused(&none, &cookies);
    // another state: refused before the code is sent anywhere
    let (forged, cookies, _) = send(
        &router,
        "GET",
        "/callback?code=c&state=forged",
        &[("cookie", &login_cookie)],
    )
    .await;
    assert_eq!(forged.status, 403, "{forged:?}");
    refused(&forged, &cookies);
    // Cognito's error answer
    let (denied, cookies, _) = send(
        &router,
        "GET",
        &format!("/callback?error=access_denied&state={state}"),
        &[("cookie", &login_cookie)],
    )
    .await;
    assert_eq!(denied.status, 403);
    refused(&denied, &cookies);
    // no code
    let (bare, cookies, _) = send(
        &router,
        "GET",
        &format!("/callback?state={state}"),
        &[("cookie", &login_cookie)],
    )
    .await;
    assert_eq!(bare.status, 400);
    refused(&bare, &cookies);
}

#[tokio::test]
async fn an_idle_session_or_one_whose_token_was_revoked_ends_and_is_removed() {
    let (issuer, revocations, store, router) = revoking_app(false).await;

    let idle = store_session(&store, &issuer.access_token().build(), now() - 31 * 60).await;
    let (answer, ..) = send(&router, "GET", "/me", &[("cookie", &cookie(&idle))]).await;
    assert_eq!(answer.status, 401);
    assert!(
        store
            .load(&idle.parse().expect("id"))
            .await
            .expect("load")
            .is_none(),
        "removed"
    );

    let token = issuer
        .access_token()
        .claim("origin_jti", "origin-1")
        .build();
    let id = store_session(&store, &token, now()).await;
    let (before, ..) = send(&router, "GET", "/me", &[("cookie", &cookie(&id))]).await;
    assert_eq!(before.status, 200);
    revocations.record(Revocation::refresh_token_revoked("origin-1"));
    let (after, ..) = send(&router, "GET", "/me", &[("cookie", &cookie(&id))]).await;
    assert_eq!(after.status, 401);
    let (home, ..) = send(&router, "GET", "/", &[("cookie", &cookie(&id))]).await;
    assert_eq!((home.status, home.body.as_str()), (200, "anonymous"));
    assert!(
        store
            .load(&id.parse().expect("id"))
            .await
            .expect("load")
            .is_none(),
        "removed"
    );
}

#[tokio::test]
async fn a_store_that_cannot_be_reached_is_503_for_session_requests_and_bearer_routes_keep_working()
{
    // a port that was free a moment ago: nothing listens there
    let (issuer, _port, _store, router) = redis_app().await;
    let session = cookie(&Id::default().to_string());

    for path in ["/me", "/admin", "/"] {
        let (down, ..) = send(&router, "GET", path, &[("cookie", &session)]).await;
        assert_eq!(down.status, 503, "{path}: {down:?}");
        assert!(down.body.contains("temporarily_unavailable"), "{down:?}");
    }
    let bearer = issuer.access_token().groups(["admin"]).authorization();
    let (ok, ..) = send(
        &router,
        "GET",
        "/admin",
        &[("authorization", &bearer), ("cookie", &session)],
    )
    .await;
    assert_eq!(ok.status, 200);
    // no cookie: the store is not asked
    let (anonymous, ..) = send(&router, "GET", "/me", &[]).await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn abandoned_sign_ins_keep_nothing_and_the_memory_store_keeps_at_most_its_capacity() {
    let (_issuer, store, router) = memory_app().await;

    // 10 000 sign-ins started and never finished: each is a cookie in its browser, nothing here
    for _ in 0..10_000 {
        let (start, cookies, _) = send(&router, "GET", "/login", &[]).await;
        assert_eq!(start.status, 303);
        assert_eq!(cookies.len(), 1, "{cookies:?}");
    }
    assert_eq!(store.entry_count(), 0);

    // 12 000 sessions in a store of the default capacity: the oldest go, the newest stay
    let token = "unused: never verified here";
    let mut ids = Vec::new();
    for _ in 0..12_000 {
        ids.push(store_session(&store, token, now()).await);
    }
    let kept = store.entry_count();
    assert!(
        kept <= DEFAULT_MEMORY_SESSION_CAPACITY && kept > DEFAULT_MEMORY_SESSION_CAPACITY / 2,
        "{kept} sessions kept"
    );
    let newest = ids.last().expect("ids").parse().expect("an id");
    assert!(
        store.load(&newest).await.expect("load").is_some(),
        "a new session is always kept"
    );
    let oldest = ids[0].parse().expect("an id");
    assert!(
        store.load(&oldest).await.expect("load").is_none(),
        "the oldest went first"
    );

    // a smaller capacity
    let small = MemorySessionStore::with_capacity(100);
    for _ in 0..1_000 {
        store_session(&small, token, now()).await;
    }
    assert!(small.entry_count() <= 100, "{}", small.entry_count());
}

#[tokio::test]
async fn sign_out_records_the_origin_jti_for_every_instance_and_reports_a_failed_revoke() {
    let (issuer, revocations, store, router) = revoking_app(true).await;
    let token = issuer
        .access_token()
        .username("alice")
        .claim("origin_jti", "origin-7")
        .build();
    let id = store_session_of(&store, &token, now(), Some("refresh-7"), Some("origin-7")).await;
    let session = cookie(&id);
    let (before, ..) = send(
        &router,
        "GET",
        "/me",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(before.status, 200);

    // Cognito cannot be reached to revoke the refresh token: reported, not a silent success
    let (out, cookies, location) = send(
        &router,
        "POST",
        "/logout",
        &[("cookie", &session), ("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(out.status, 502, "{out:?}");
    assert!(out.body.contains("revoke_failed"), "{out:?}");
    assert_eq!(location, None);
    // the session is over here all the same (the cookie removed, the entry gone) ...
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with(&format!("{COOKIE}=;"))),
        "{cookies:?}"
    );
    assert!(
        store
            .load(&id.parse().expect("id"))
            .await
            .expect("load")
            .is_none()
    );
    // ... and its origin_jti is recorded: its tokens are refused as bearer tokens too
    assert!(
        revocations.snapshot(now()).iter().any(
            |r| matches!(r, Revocation::Origin { origin_jti, .. } if origin_jti == "origin-7")
        ),
        "{:?}",
        revocations.snapshot(now())
    );
    let (after, ..) = send(
        &router,
        "GET",
        "/me",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(after.status, 401, "{after:?}");
}

/// A `redis-server` on 127.0.0.1 at `port` (no persistence), stopped on drop.
struct Redis(std::process::Child);

impl Redis {
    fn start(port: u16) -> Self {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/setup-redis.sh installs it)");
        let redis = Self(child);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        redis
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_store_outage_is_one_warning_and_its_end_another() {
    let logs = sanctum_testkit::logs::LogCapture::start();
    let (issuer, port, store, router) = redis_app().await;
    let down = "session unavailable: requests with a session cookie get 503";
    let up = "session store answers again";
    let warnings = |needle: &str| {
        sanctum_testkit::logs::lines_with(&logs.text(), needle)
            .iter()
            .filter(|line| line.contains("WARN"))
            .count()
    };

    // nobody listens yet: every session request is 503, one warning for the outage
    let unknown = cookie(&Id::default().to_string());
    for _ in 0..3 {
        let (answer, ..) = send(&router, "GET", "/me", &[("cookie", &unknown)]).await;
        assert_eq!(answer.status, 503);
    }
    assert_eq!((warnings(down), warnings(up)), (1, 0), "{}", logs.text());

    // Redis comes up: the next session request is served, and the end of the outage is said once
    let redis = Redis::start(port);
    let id = store_session(&store, &issuer.access_token().build(), now()).await;
    for _ in 0..2 {
        let (answer, ..) = send(&router, "GET", "/me", &[("cookie", &cookie(&id))]).await;
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    assert_eq!((warnings(down), warnings(up)), (1, 1), "{}", logs.text());

    // down again: one more warning, however many requests
    drop(redis);
    for _ in 0..3 {
        let (answer, ..) = send(&router, "GET", "/me", &[("cookie", &cookie(&id))]).await;
        assert_eq!(answer.status, 503);
    }
    assert_eq!((warnings(down), warnings(up)), (2, 1), "{}", logs.text());
}
