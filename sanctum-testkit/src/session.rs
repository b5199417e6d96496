//! The browser-session scenarios of both adapters, written once: each adapter's
//! `tests/session.rs` builds its app for a scenario's [`Setup`] ([`SessionApp`]), drives it
//! through real requests ([`SessionDriver`]) and runs every scenario with
//! [`session_scenarios!`](crate::session_scenarios) — one test per scenario and adapter.
//!
//! The app, the same in both adapters: `GET`/`POST /me` behind the auth layer with the session
//! as token source, answering `"{username} {groups:?}"`; `GET`/`POST /admin` the same behind
//! `RequireGroup("admin")`, sending anonymous page requests to `/login`; `GET /` with optional
//! auth, answering the user's `sub` or `anonymous`; `GET /login`, `GET /callback` and
//! `POST /logout` the adapter's session routes. The sessions come from [`Setup::auth`]: the
//! default lifetimes and refresh margin, the CSRF rules of [`APP`] and the header
//! `x-csrf: 1`, the managed login at a loopback port nobody listens on (a due refresh and a
//! revocation at sign-out fail).

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sanctum_core::Verifier;
use sanctum_core::login::{LoginDomain, ManagedLogin};
use sanctum_core::revocation::{InMemoryRevocations, Revocation, RevocationStore as _};
use sanctum_core::session::{
    CsrfPolicy, DEFAULT_MEMORY_CAPACITY, FromSessionSettings, SessionAuthBuilder,
};
use sanctum_core::testing::TestIssuer;
use serde_json::{Value, json};

use crate::logs::{LogCapture, lines_with};
use crate::metrics::MetricsCapture;
use crate::totp::now;

/// The session cookie's name.
pub const COOKIE: &str = "__Host-sanctum-session";
/// The pending sign-in cookie's name.
pub const LOGIN_COOKIE: &str = "__Host-sanctum-login";
/// The application's origin (its CSRF rules, callback and sign-out target).
pub const APP: &str = "https://app.example.com";
/// Where the managed login is: a loopback port nobody listens on.
pub const LOGIN_DOMAIN: &str = "http://127.0.0.1:9";

/// Where a scenario's app keeps its sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    /// The adapter's memory store, of the default capacity or of this many sessions.
    Memory(Option<u64>),
    /// The adapter's Redis store at this URL.
    Redis(String),
}

/// What a scenario asks an adapter's app to be built with.
#[derive(Debug)]
pub struct Setup {
    /// The auth layer's verifier (checking revocations in the scenarios that need them).
    pub verifier: Verifier,
    /// Where the sessions live.
    pub store: Store,
    /// The app client's id.
    client_id: String,
    /// Where sign-outs record their revocations, when they do.
    sign_outs: Option<Arc<InMemoryRevocations>>,
}

impl Setup {
    /// The sessions of the app (the adapter's `SessionAuth::builder` with the scenarios'
    /// managed login, CSRF rules and sign-out revocations); the adapter adds the store where
    /// its builder takes one.
    ///
    /// # Panics
    /// When the managed login cannot be built.
    pub fn auth<A: FromSessionSettings>(&self) -> SessionAuthBuilder<A> {
        let login = ManagedLogin::builder(
            LoginDomain::url(LOGIN_DOMAIN),
            &self.client_id,
            format!("{APP}/callback"),
        )
        .logout_uri(format!("{APP}/"))
        .build(&self.verifier)
        .expect("login");
        let csrf = CsrfPolicy::new()
            .app_origin(APP)
            .expect("origin")
            .header("x-csrf".parse().expect("name"), "1".parse().expect("value"));
        let builder = SessionAuthBuilder::new(login).csrf(csrf);
        match &self.sign_outs {
            Some(revocations) => builder.revocations(revocations.clone()),
            None => builder,
        }
    }
}

/// What an adapter's app answered: [`from_head`](Self::from_head), then the body.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// The body.
    pub body: String,
    /// The `Set-Cookie` values.
    pub cookies: Vec<String>,
    /// The `Location`, when there is one.
    pub location: Option<String>,
    /// The `WWW-Authenticate`, when there is one.
    pub www_authenticate: Option<String>,
}

impl Reply {
    /// The reply of `status` and `headers` (names and values), its body still empty.
    ///
    /// # Panics
    /// When a `Set-Cookie`, `Location` or `WWW-Authenticate` value is not text.
    pub fn from_head<'a>(
        status: u16,
        headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Self {
        let mut reply = Self {
            status,
            body: String::new(),
            cookies: Vec::new(),
            location: None,
            www_authenticate: None,
        };
        for (name, value) in headers {
            let value = std::str::from_utf8(value).expect("text").to_owned();
            match name.to_ascii_lowercase().as_str() {
                "set-cookie" => reply.cookies.push(value),
                "location" => reply.location = Some(value),
                "www-authenticate" => reply.www_authenticate = Some(value),
                _ => {}
            }
        }
        reply
    }
}

/// An adapter's app built for a scenario.
#[allow(async_fn_in_trait)] // the scenarios run on the test's thread
pub trait SessionApp {
    /// The app of `setup` (see the [module docs](self)), to drive.
    async fn start(&self, setup: Setup) -> impl SessionDriver;
}

/// An adapter's app and its session store, driven by a scenario.
#[allow(async_fn_in_trait)] // the scenarios run on the test's thread
pub trait SessionDriver {
    /// Stores the session `data` (its JSON, as [`session_json`] writes it) under a new id,
    /// living an hour; the id (the cookie's value).
    async fn store(&self, data: &Value) -> String;
    /// Replaces what the store holds under `id` with the session `data`.
    async fn replace(&self, id: &str, data: &Value);
    /// Removes `id` from the store.
    async fn remove(&self, id: &str);
    /// Whether the store holds `id`.
    async fn holds(&self, id: &str) -> bool;
    /// How many sessions the memory store holds (asked of [`Store::Memory`] apps only).
    fn stored(&self) -> u64;
    /// A well-formed session id the store does not hold.
    fn unknown_id(&self) -> String;
    /// Sends `method path` with `headers` through the app.
    async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply;
}

/// Runs every scenario of this module as a test of the calling crate: `$test` the test
/// attribute (`tokio::test`, `actix_web::test`), `$app` the adapter's [`SessionApp`]. The
/// metrics scenario needs the caller's feature `metrics`.
#[macro_export]
macro_rules! session_scenarios {
    (@each #[$test:meta] $app:expr; $($name:ident,)*) => {
        $(
            #[$test]
            async fn $name() {
                $crate::session::$name(&$app).await;
            }
        )*
    };
    (#[$test:meta] $app:expr) => {
        $crate::session_scenarios!(@each #[$test] $app;
            a_session_follows_every_write_to_the_store,
            a_written_back_session_sends_its_cookie_again,
            a_session_cookie_meets_the_guards_and_extractors_as_a_bearer_token_does,
            cookie_authenticated_unsafe_requests_must_come_from_the_application,
            anonymous_page_requests_are_sent_to_sign_in_with_where_they_were_going,
            sign_in_starts_with_a_host_cookie_and_a_callback_without_it_or_with_another_state_stores_nothing,
            an_idle_session_or_one_whose_token_was_revoked_ends_and_is_removed,
            a_session_past_its_absolute_lifetime_ends_and_is_removed,
            a_store_that_cannot_be_reached_is_503_for_session_requests_and_bearer_routes_keep_working,
            a_store_outage_is_one_warning_and_its_end_another,
            abandoned_sign_ins_keep_nothing_and_the_memory_store_keeps_at_most_its_capacity,
            sign_out_is_csrf_checked_ends_the_session_records_its_revocation_and_goes_to_cognito,
            sign_out_records_the_origin_jti_for_every_instance_and_reports_a_failed_revoke,
        );
        #[cfg(feature = "metrics")]
        $crate::session_scenarios!(@each #[$test] $app; a_due_refresh_is_counted,);
    };
}

/// A session's JSON for `access_token`: user `alice`, signed in now, last used at
/// `touched_at`, its tokens expiring in `expires_in` seconds.
#[must_use]
pub fn session_json(
    access_token: &str,
    touched_at: u64,
    refresh_token: Option<&str>,
    expires_in: u64,
) -> Value {
    json!({
        "tokens": {
            "access_token": access_token, "id_token": "unused", "refresh_token": refresh_token,
            "expires_at": now() + expires_in, "token_type": "Bearer",
        },
        "sub": "sub-1", "username": "alice", "groups": [], "origin_jti": null,
        "signed_in_at": now(), "touched_at": touched_at,
    })
}

/// The `Max-Age` of the session cookie among `cookies`, when it is set.
#[must_use]
pub fn session_max_age(cookies: &[String]) -> Option<u64> {
    cookies
        .iter()
        .find(|c| c.starts_with(&format!("{COOKIE}=")))
        .and_then(|c| c.split("; ").find_map(|a| a.strip_prefix("Max-Age=")))
        .and_then(|v| v.parse().ok())
}

/// The `Cookie` header of the session `id`.
#[must_use]
pub fn cookie(id: &str) -> String {
    format!("{COOKIE}={id}")
}

/// A `redis-server` on 127.0.0.1 (no persistence), stopped on drop.
#[derive(Debug)]
pub struct RedisServer(std::process::Child);

impl RedisServer {
    /// Starts one on `port` and waits (10 s at most) until it takes connections.
    ///
    /// # Panics
    /// When `redis-server` (`scripts/setup-redis.sh`) cannot run or does not start.
    #[must_use]
    pub fn start(port: u16) -> Self {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/setup-redis.sh installs it)");
        let redis = Self(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How a scenario's app is set up.
struct Plan {
    store: Store,
    revocations: Revocations,
}

/// Whether a scenario's verifier checks revocations, and sign-outs record them.
#[derive(PartialEq)]
enum Revocations {
    /// Neither.
    None,
    /// The verifier checks them.
    Checked,
    /// The verifier checks them and sign-outs record them.
    Recorded,
}

impl Plan {
    fn memory() -> Self {
        Self {
            store: Store::Memory(None),
            revocations: Revocations::None,
        }
    }
}

/// Starts the test kit's issuer and `app` as `plan` says; the revocations the verifier checks.
async fn start<A: SessionApp>(
    app: &A,
    plan: Plan,
) -> (TestIssuer, Arc<InMemoryRevocations>, impl SessionDriver) {
    let issuer = TestIssuer::start().await.expect("issuer");
    let revocations = Arc::new(InMemoryRevocations::new());
    let verifier = match plan.revocations {
        Revocations::None => issuer.verifier(),
        Revocations::Checked | Revocations::Recorded => issuer
            .verifier_builder()
            .revocations(revocations.clone())
            .build()
            .expect("verifier"),
    };
    let setup = Setup {
        verifier,
        store: plan.store,
        client_id: issuer.client_id().to_owned(),
        sign_outs: (plan.revocations == Revocations::Recorded).then(|| revocations.clone()),
    };
    let driver = app.start(setup).await;
    (issuer, revocations, driver)
}

/// A memory-store app.
async fn memory_app<A: SessionApp>(app: &A) -> (TestIssuer, impl SessionDriver) {
    let (issuer, _, driver) = start(app, Plan::memory()).await;
    (issuer, driver)
}

/// A port that was free a moment ago: nothing listens there until a test starts a server.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A Redis-store app whose Redis is at a port nobody listens on yet; and the port.
async fn redis_app<A: SessionApp>(app: &A) -> (TestIssuer, u16, impl SessionDriver) {
    let port = free_port();
    let plan = Plan {
        store: Store::Redis(format!("redis://127.0.0.1:{port}/")),
        revocations: Revocations::None,
    };
    let (issuer, _, driver) = start(app, plan).await;
    (issuer, port, driver)
}

/// `GET /me` with the session cookie of `id`.
async fn get_me(driver: &impl SessionDriver, id: &str) -> Reply {
    driver.send("GET", "/me", &[("cookie", &cookie(id))]).await
}

/// Stores a session of `access_token`, last used at `touched_at`; its id.
async fn store_session(driver: &impl SessionDriver, access_token: &str, touched_at: u64) -> String {
    driver
        .store(&session_json(access_token, touched_at, None, 3600))
        .await
}

/// Stores a session of `alice` in the `admin` group; its id.
async fn admin_session(issuer: &TestIssuer, driver: &impl SessionDriver) -> String {
    let token = issuer
        .access_token()
        .username("alice")
        .groups(["admin"])
        .build();
    store_session(driver, &token, now()).await
}

/// Whether `cookies` remove the session cookie with exactly the attributes of the cookie
/// (both adapters write it through `sanctum_core::session::set_cookie`): a browser ignores
/// the removal of a `__Host-` cookie without `Secure` and `Path=/`, and keeps the cookie.
fn removes_the_session(cookies: &[String]) -> bool {
    let removal = format!("{COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Secure");
    cookies.contains(&removal)
}

/// A session read from the store (decoded once, kept with the stored value) follows every
/// write to it: a value written anew is read anew, a removed one is anonymous at once.
///
/// # Panics
/// When an answer differs.
pub async fn a_session_follows_every_write_to_the_store(app: &impl SessionApp) {
    let (issuer, driver) = memory_app(app).await;
    let alice = issuer.access_token().username("alice").build();
    let id = driver.store(&session_json(&alice, now(), None, 3600)).await;
    for _ in 0..2 {
        let reply = get_me(&driver, &id).await;
        assert_eq!((reply.status, reply.body.as_str()), (200, "alice []"));
    }
    // written anew (another request's refresh, say): the next request reads it
    let bob = issuer.access_token().username("bob").build();
    driver
        .replace(&id, &session_json(&bob, now(), None, 3600))
        .await;
    let reply = get_me(&driver, &id).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "bob []"));
    // removed (signed out through another route or instance): anonymous at once
    driver.remove(&id).await;
    assert_eq!(get_me(&driver, &id).await.status, 401);
}

/// A session whose idle clock is written back sends its cookie again with the response, to
/// live as long as the store keeps it: the idle timeout cut at what is left of the absolute
/// lifetime (here 10 minutes, not the 30-minute idle timeout). A session used again at once
/// writes nothing and sends no cookie.
///
/// # Panics
/// When an answer differs.
pub async fn a_written_back_session_sends_its_cookie_again(app: &impl SessionApp) {
    let (issuer, driver) = memory_app(app).await;
    let token = issuer.access_token().username("alice").build();
    let mut data = session_json(&token, now() - 120, None, 3600);
    data["signed_in_at"] = json!(now() - (12 * 3600 - 600));
    let id = driver.store(&data).await;
    let touched = get_me(&driver, &id).await;
    assert_eq!(touched.status, 200);
    let max_age = session_max_age(&touched.cookies).expect("the session cookie sent again");
    assert!((598..=600).contains(&max_age), "{:?}", touched.cookies);
    let again = get_me(&driver, &id).await;
    assert_eq!(again.status, 200);
    assert_eq!(session_max_age(&again.cookies), None, "{:?}", again.cookies);
}

/// A session due for a refresh (its tokens expiring within the margin) whose refresh fails
/// (Cognito unreachable) goes on with its still-valid token, and the refresh is counted
/// `failed`; a session not due counts nothing.
///
/// # Panics
/// When an answer or a count differs.
pub async fn a_due_refresh_is_counted(app: &impl SessionApp) {
    let metrics = MetricsCapture::start();
    let (issuer, driver) = memory_app(app).await;
    let token = issuer.access_token().username("alice").build();
    let due = driver
        .store(&session_json(&token, now(), Some("refresh"), 60))
        .await;
    let fresh = driver.store(&session_json(&token, now(), None, 3600)).await;
    assert_eq!(get_me(&driver, &due).await.status, 200, "goes on");
    assert_eq!(get_me(&driver, &fresh).await.status, 200);
    let all = metrics.snapshot();
    let refreshes = "sanctum_browser_session_refreshes_total";
    assert_eq!(
        all.counter(refreshes, &[("outcome", "failed")]),
        1,
        "{all:?}"
    );
    assert_eq!(all.counter(refreshes, &[]), 1, "one due refresh: {all:?}");
}

/// A session cookie meets the guards and extractors as a bearer token does: the user and
/// groups, `RequireGroup` (403 with `insufficient_scope`), optional auth; an unknown session id
/// is no session (401 `Bearer`, not 500, not a pass); a bearer token is used alone, whatever
/// the cookie says.
///
/// # Panics
/// When an answer differs.
pub async fn a_session_cookie_meets_the_guards_and_extractors_as_a_bearer_token_does(
    app: &impl SessionApp,
) {
    let (issuer, driver) = memory_app(app).await;
    let admin = admin_session(&issuer, &driver).await;
    let user_token = issuer.access_token().username("bob").build();
    let user = store_session(&driver, &user_token, now()).await;

    let me = get_me(&driver, &admin).await;
    assert_eq!((me.status, me.body.as_str()), (200, "alice [\"admin\"]"));
    let page = driver
        .send("GET", "/admin", &[("cookie", &cookie(&admin))])
        .await;
    assert_eq!(page.status, 200);
    let page = driver
        .send("GET", "/admin", &[("cookie", &cookie(&user))])
        .await;
    assert_eq!(page.status, 403, "{page:?}");
    assert!(
        page.www_authenticate
            .is_some_and(|c| c.contains("insufficient_scope"))
    );

    // an unknown session id is no session: 401 (not 500, not a pass)
    let unknown = get_me(&driver, &driver.unknown_id()).await;
    assert_eq!(unknown.status, 401, "{unknown:?}");
    assert_eq!(unknown.www_authenticate.as_deref(), Some("Bearer"));
    assert_eq!(driver.send("GET", "/me", &[]).await.status, 401);
    assert_eq!(driver.send("GET", "/", &[]).await.body, "anonymous");

    // a bearer token is used alone, whatever the cookie says
    let bearer = issuer
        .access_token()
        .username("carol")
        .groups(["admin"])
        .authorization();
    let both = driver
        .send(
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

/// A cookie-authenticated unsafe request must come from the application (`Sec-Fetch-Site:
/// same-origin`, its `Origin`, or the CSRF header), else 403 `cross_site_request` without a
/// challenge; safe methods are not checked, bearer requests are exempt.
///
/// # Panics
/// When an answer differs.
pub async fn cookie_authenticated_unsafe_requests_must_come_from_the_application(
    app: &impl SessionApp,
) {
    let (issuer, driver) = memory_app(app).await;
    let session = cookie(&admin_session(&issuer, &driver).await);

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
            let answer = driver.send("POST", path, &all).await;
            assert_eq!(answer.status, status, "POST {path} {headers:?}: {answer:?}");
            if status == 403 {
                assert!(answer.body.contains("cross_site_request"), "{answer:?}");
                assert_eq!(answer.www_authenticate, None);
            }
        }
    }
    // safe methods are not checked
    let get = driver
        .send(
            "GET",
            "/me",
            &[("cookie", &session), ("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(get.status, 200);
    // bearer requests are exempt: a browser never adds the header on its own
    let bearer = issuer.access_token().authorization();
    let post = driver
        .send(
            "POST",
            "/me",
            &[("authorization", &bearer), ("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(post.status, 200);
}

/// An anonymous `GET` of a page route that asked for it is sent to sign in (303) with where
/// it was going as `next`; not an unsafe method, nor a route that did not ask (401).
///
/// # Panics
/// When an answer differs.
pub async fn anonymous_page_requests_are_sent_to_sign_in_with_where_they_were_going(
    app: &impl SessionApp,
) {
    let (_issuer, driver) = memory_app(app).await;
    let page = driver.send("GET", "/admin?tab=users&x=%2F", &[]).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location.as_deref(),
        Some("/login?next=%2Fadmin%3Ftab%3Dusers%26x%3D%252F")
    );
    // not for unsafe methods, nor for routes that did not ask
    assert_eq!(driver.send("POST", "/admin", &[]).await.status, 401);
    assert_eq!(driver.send("GET", "/me", &[]).await.status, 401);
}

/// The JSON of a pending sign-in cookie (`Set-Cookie` value), decoded here.
fn login_cookie_json(set_cookie: &str) -> Value {
    let value = set_cookie
        .strip_prefix(&format!("{LOGIN_COOKIE}="))
        .and_then(|rest| rest.split(';').next())
        .expect("the sign-in cookie");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value)
            .expect("base64url"),
    )
    .expect("JSON")
}

/// A sign-in starts with a 303 to the authorize URL and the pending sign-in in a 10-minute
/// `__Host-` cookie (`HttpOnly`, `SameSite=Lax`, `Secure`, `Path=/`, no `Domain`) keeping
/// `next` only when it is a path of the application; a callback without that cookie, with
/// another `state`, with Cognito's `error=` or without a code is refused, removes the sign-in
/// cookie and stores nothing.
///
/// # Panics
/// When an answer differs.
pub async fn sign_in_starts_with_a_host_cookie_and_a_callback_without_it_or_with_another_state_stores_nothing(
    app: &impl SessionApp,
) {
    let (_issuer, driver) = memory_app(app).await;

    let start = driver.send("GET", "/login?next=%2Fadmin", &[]).await;
    assert_eq!(start.status, 303);
    let location = start.location.expect("a Location");
    assert!(
        location.starts_with(&format!(
            "{LOGIN_DOMAIN}/oauth2/authorize?response_type=code&"
        )),
        "{location}"
    );
    assert_eq!(start.cookies.len(), 1, "{:?}", start.cookies);
    let set = &start.cookies[0];
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
        let answer = driver
            .send("GET", &format!("/login?next={next}"), &[])
            .await;
        assert_eq!(login_cookie_json(&answer.cookies[0])["next"], "/", "{next}");
    }

    let login_cookie = set.split(';').next().expect("name=value").to_owned();
    let removal = format!("{LOGIN_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Secure");
    let refused = |answer: &Reply| {
        assert!(
            answer.cookies.iter().all(|c| !c.starts_with(COOKIE)),
            "no session: {answer:?}"
        );
        assert!(
            answer.cookies.contains(&removal),
            "the sign-in cookie is removed: {answer:?}"
        );
        assert!(answer.body.contains("\"error\""), "{answer:?}");
    };
    for (query, login, status) in [
        // no sign-in cookie (another browser's callback, or a replay after it was consumed)
        (format!("code=c&state={state}"), None, 400),
        // another state: refused before the code is sent anywhere
        ("code=c&state=forged".to_owned(), Some(&login_cookie), 403),
        // Cognito's error answer
        (
            format!("error=access_denied&state={state}"),
            Some(&login_cookie),
            403,
        ),
        // no code
        (format!("state={state}"), Some(&login_cookie), 400),
    ] {
        let headers: Vec<_> = login.iter().map(|c| ("cookie", c.as_str())).collect();
        let answer = driver
            .send("GET", &format!("/callback?{query}"), &headers)
            .await;
        assert_eq!(answer.status, status, "{query}: {answer:?}");
        refused(&answer);
    }
    assert_eq!(driver.stored(), 0, "nothing stored");
}

/// A session idle past the idle timeout, or whose token was revoked (signed out elsewhere),
/// is anonymous and removed from the store.
///
/// # Panics
/// When an answer differs.
pub async fn an_idle_session_or_one_whose_token_was_revoked_ends_and_is_removed(
    app: &impl SessionApp,
) {
    let plan = Plan {
        revocations: Revocations::Checked,
        ..Plan::memory()
    };
    let (issuer, revocations, driver) = start(app, plan).await;

    let idle = store_session(&driver, &issuer.access_token().build(), now() - 31 * 60).await;
    assert_eq!(get_me(&driver, &idle).await.status, 401);
    assert!(!driver.holds(&idle).await, "removed");

    let token = issuer
        .access_token()
        .claim("origin_jti", "origin-1")
        .build();
    let id = store_session(&driver, &token, now()).await;
    assert_eq!(get_me(&driver, &id).await.status, 200);
    revocations.record(Revocation::refresh_token_revoked("origin-1"));
    assert_eq!(get_me(&driver, &id).await.status, 401);
    let home = driver.send("GET", "/", &[("cookie", &cookie(&id))]).await;
    assert_eq!((home.status, home.body.as_str()), (200, "anonymous"));
    assert!(!driver.holds(&id).await, "removed");
}

/// A session signed in longer ago than the absolute lifetime (12 hours by default) ends
/// however recently it was used and however valid its token: anonymous, and removed.
///
/// # Panics
/// When an answer differs.
pub async fn a_session_past_its_absolute_lifetime_ends_and_is_removed(app: &impl SessionApp) {
    let (issuer, driver) = memory_app(app).await;
    let token = issuer.access_token().username("alice").build();
    let mut data = session_json(&token, now(), None, 3600);
    data["signed_in_at"] = json!(now() - (12 * 3600 + 60));
    let old = driver.store(&data).await;
    // the same session signed in within the lifetime is served
    data["signed_in_at"] = json!(now() - (12 * 3600 - 600));
    let young = driver.store(&data).await;
    assert_eq!(get_me(&driver, &young).await.status, 200);

    let answer = get_me(&driver, &old).await;
    assert_eq!(answer.status, 401, "{answer:?}");
    let home = driver.send("GET", "/", &[("cookie", &cookie(&old))]).await;
    assert_eq!((home.status, home.body.as_str()), (200, "anonymous"));
    assert!(!driver.holds(&old).await, "removed");
}

/// A store that cannot be reached (a Redis port nobody listens on) is 503
/// `temporarily_unavailable` for every request with a session cookie, sign-out included;
/// bearer routes keep working, and a request without a cookie does not ask the store.
///
/// # Panics
/// When an answer differs.
pub async fn a_store_that_cannot_be_reached_is_503_for_session_requests_and_bearer_routes_keep_working(
    app: &impl SessionApp,
) {
    let (issuer, _port, driver) = redis_app(app).await;
    let unknown = driver.unknown_id();
    let session = cookie(&unknown);

    for path in ["/me", "/admin", "/"] {
        let down = driver.send("GET", path, &[("cookie", &session)]).await;
        assert_eq!(down.status, 503, "{path}: {down:?}");
        assert!(down.body.contains("temporarily_unavailable"), "{down:?}");
    }
    let out = sign_out(&driver, &unknown, "same-origin").await;
    assert_eq!(out.status, 503, "{out:?}");
    let bearer = issuer.access_token().groups(["admin"]).authorization();
    let ok = driver
        .send(
            "GET",
            "/admin",
            &[("authorization", &bearer), ("cookie", &session)],
        )
        .await;
    assert_eq!(ok.status, 200);
    // no cookie: the store is not asked
    assert_eq!(driver.send("GET", "/me", &[]).await.status, 401);
}

/// A store outage (Redis down, then up, then down again on a real `redis-server`) is one
/// warning however many requests meet it, and its end another.
///
/// # Panics
/// When an answer differs, or `redis-server` cannot run.
pub async fn a_store_outage_is_one_warning_and_its_end_another(app: &impl SessionApp) {
    let logs = LogCapture::start();
    let (issuer, port, driver) = redis_app(app).await;
    let down = "session unavailable: requests with a session cookie get 503";
    let up = "session store answers again";
    let warnings = |needle: &str| {
        lines_with(&logs.text(), needle)
            .iter()
            .filter(|line| line.contains("WARN"))
            .count()
    };

    // nobody listens yet: every session request is 503, one warning for the outage
    let unknown = driver.unknown_id();
    for _ in 0..3 {
        assert_eq!(get_me(&driver, &unknown).await.status, 503);
    }
    assert_eq!((warnings(down), warnings(up)), (1, 0), "{}", logs.text());

    // Redis comes up: the next session request is served, and the end of the outage is said once
    let redis = RedisServer::start(port);
    let id = store_session(&driver, &issuer.access_token().build(), now()).await;
    for _ in 0..2 {
        let answer = get_me(&driver, &id).await;
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    assert_eq!((warnings(down), warnings(up)), (1, 1), "{}", logs.text());

    // down again: one more warning, however many requests
    drop(redis);
    for _ in 0..3 {
        assert_eq!(get_me(&driver, &id).await.status, 503);
    }
    assert_eq!((warnings(down), warnings(up)), (2, 1), "{}", logs.text());
}

/// 10 000 sign-ins started and never finished keep nothing here (each is a cookie in its
/// browser); 12 000 sessions in a memory store of the default capacity keep at most that many
/// (more than half of it), the newest kept and the oldest gone first; a smaller capacity holds.
///
/// # Panics
/// When an answer or a count differs.
pub async fn abandoned_sign_ins_keep_nothing_and_the_memory_store_keeps_at_most_its_capacity(
    app: &impl SessionApp,
) {
    let (_issuer, driver) = memory_app(app).await;
    for _ in 0..10_000 {
        let start = driver.send("GET", "/login", &[]).await;
        assert_eq!(start.status, 303);
        assert_eq!(start.cookies.len(), 1, "{:?}", start.cookies);
    }
    assert_eq!(driver.stored(), 0);

    // the oldest go, the newest stay
    let token = "unused: never verified here";
    let mut ids = Vec::new();
    for _ in 0..12_000 {
        ids.push(store_session(&driver, token, now()).await);
    }
    let kept = driver.stored();
    assert!(
        kept <= DEFAULT_MEMORY_CAPACITY && kept > DEFAULT_MEMORY_CAPACITY / 2,
        "{kept} sessions kept"
    );
    let newest = ids.last().expect("ids");
    assert!(driver.holds(newest).await, "a new session is always kept");
    assert!(!driver.holds(&ids[0]).await, "the oldest went first");

    // a smaller capacity
    let plan = Plan {
        store: Store::Memory(Some(100)),
        revocations: Revocations::None,
    };
    let (_issuer, _, small) = start(app, plan).await;
    for _ in 0..1_000 {
        store_session(&small, token, now()).await;
    }
    assert!(small.stored() <= 100, "{}", small.stored());
}

/// An app whose verifier checks revocations and whose sign-outs record them, with one session
/// whose tokens carry `origin_jti` (and `refresh_token`); the issuer (serving the keys), the
/// revocations, the app, the session id and the `Authorization` of its access token.
async fn signed_in<A: SessionApp>(
    app: &A,
    origin_jti: &str,
    refresh_token: Option<&str>,
) -> (
    TestIssuer,
    Arc<InMemoryRevocations>,
    impl SessionDriver,
    String,
    String,
) {
    let plan = Plan {
        revocations: Revocations::Recorded,
        ..Plan::memory()
    };
    let (issuer, revocations, driver) = start(app, plan).await;
    let token = issuer
        .access_token()
        .username("alice")
        .claim("origin_jti", origin_jti)
        .build();
    let mut data = session_json(&token, now(), refresh_token, 3600);
    data["origin_jti"] = json!(origin_jti);
    let id = driver.store(&data).await;
    (issuer, revocations, driver, id, format!("Bearer {token}"))
}

/// `POST /logout` with the session cookie of `id`, from a page of `site` (`Sec-Fetch-Site`).
async fn sign_out(driver: &impl SessionDriver, id: &str, site: &str) -> Reply {
    let headers = [("cookie", cookie(id)), ("sec-fetch-site", site.to_owned())];
    let headers = headers
        .each_ref()
        .map(|(name, value)| (*name, value.as_str()));
    driver.send("POST", "/logout", &headers).await
}

/// Sign-out is CSRF-checked (a cross-site form: 403, nothing changed); from the application it
/// ends the session (removed from the store, the cookie removed), records its `origin_jti` as
/// revoked (its tokens refused as bearer tokens too) and answers 303 to Cognito's `/logout`.
///
/// # Panics
/// When an answer differs.
pub async fn sign_out_is_csrf_checked_ends_the_session_records_its_revocation_and_goes_to_cognito(
    app: &impl SessionApp,
) {
    let (_issuer, _revocations, driver, id, bearer) = signed_in(app, "origin-2", None).await;

    // a cross-site form: refused, nothing changed
    let forged = sign_out(&driver, &id, "cross-site").await;
    assert_eq!(forged.status, 403, "{forged:?}");
    assert!(forged.cookies.is_empty(), "{forged:?}");
    assert!(driver.holds(&id).await, "kept");
    assert_eq!(get_me(&driver, &id).await.status, 200);

    let out = sign_out(&driver, &id, "same-origin").await;
    assert_eq!(out.status, 303, "{out:?}");
    let location = out.location.as_deref().expect("a Location");
    assert!(
        location.starts_with(&format!("{LOGIN_DOMAIN}/logout?client_id=")),
        "{location}"
    );
    assert!(removes_the_session(&out.cookies), "{:?}", out.cookies);
    assert!(!driver.holds(&id).await, "removed");
    // the tokens are revoked for bearer use too
    let after = driver
        .send("GET", "/me", &[("authorization", &bearer)])
        .await;
    assert_eq!(after.status, 401, "{after:?}");
}

/// A sign-out whose refresh token Cognito cannot revoke (unreachable) is reported (502
/// `revoke_failed`, no redirect), not a silent success; the session is over here all the same
/// (the cookie removed, the entry gone) and its `origin_jti` is recorded for every instance:
/// its tokens are refused as bearer tokens too.
///
/// # Panics
/// When an answer differs.
pub async fn sign_out_records_the_origin_jti_for_every_instance_and_reports_a_failed_revoke(
    app: &impl SessionApp,
) {
    let (_issuer, revocations, driver, id, bearer) =
        signed_in(app, "origin-7", Some("refresh-7")).await;
    let before = driver
        .send("GET", "/me", &[("authorization", &bearer)])
        .await;
    assert_eq!(before.status, 200);

    let out = sign_out(&driver, &id, "same-origin").await;
    assert_eq!(out.status, 502, "{out:?}");
    assert!(out.body.contains("revoke_failed"), "{out:?}");
    assert_eq!(out.location, None);
    assert!(removes_the_session(&out.cookies), "{:?}", out.cookies);
    assert!(!driver.holds(&id).await, "removed");
    assert!(
        revocations.snapshot(now()).iter().any(
            |r| matches!(r, Revocation::Origin { origin_jti, .. } if origin_jti == "origin-7")
        ),
        "{:?}",
        revocations.snapshot(now())
    );
    let after = driver
        .send("GET", "/me", &[("authorization", &bearer)])
        .await;
    assert_eq!(after.status, 401, "{after:?}");
}
