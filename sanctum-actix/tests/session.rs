//! Sessions as a token source of the auth middleware, offline: session entries written straight
//! into a memory store (tokens from the test kit's issuer), then requests with the session
//! cookie through an actix-web app — the guards and extractors as for bearer tokens, CSRF on
//! unsafe methods, the redirect to sign in, the sign-in cookie, sign-out, ended and revoked
//! sessions, and a store that cannot be reached (a Redis port nobody listens on): 503, bearer
//! routes unaffected. The same behaviour as `sanctum-axum/tests/session.rs`.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, HttpRequest, test, web};
use base64::Engine as _;
use sanctum_actix::session::SessionAuth;
use sanctum_actix::{CognitoAuth, CognitoUser, MaybeCognitoUser, RequireGroup};
use sanctum_core::Verifier;
use sanctum_core::login::{LoginDomain, ManagedLogin};
use sanctum_core::revocation::{InMemoryRevocations, Revocation, RevocationStore as _};
use sanctum_core::session::{CsrfPolicy, MemorySessionStore, RedisSessionStore, SessionStore};
use sanctum_core::testing::TestIssuer;
use sanctum_testkit::session as scenarios;
use serde_json::{Value, json};

const APP: &str = "https://app.example.com";
const COOKIE: &str = "__Host-sanctum-session";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

fn auth_for(
    verifier: &Verifier,
    client_id: &str,
    store: impl SessionStore,
    revocations: Option<Arc<InMemoryRevocations>>,
) -> SessionAuth {
    // never called: no session here is due for a refresh or has a refresh token to revoke
    let login = ManagedLogin::builder(
        LoginDomain::url("http://127.0.0.1:9"),
        client_id,
        format!("{APP}/callback"),
    )
    .logout_uri(format!("{APP}/"))
    .build(verifier)
    .expect("login");
    let mut builder = SessionAuth::builder(login).store(store).csrf(
        CsrfPolicy::new()
            .app_origin(APP)
            .expect("origin")
            .header("x-csrf".parse().expect("name"), "1".parse().expect("value")),
    );
    if let Some(revocations) = revocations {
        builder = builder.revocations(revocations);
    }
    builder.build()
}

async fn me(user: CognitoUser) -> String {
    format!(
        "{} {:?}",
        user.username().unwrap_or_default(),
        user.groups().collect::<Vec<_>>()
    )
}

async fn home(MaybeCognitoUser(user): MaybeCognitoUser) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |u| u.sub().to_owned())
}

fn routes(verifier: Verifier, auth: SessionAuth) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        let layer = CognitoAuth::new(verifier.clone()).session(auth.clone());
        config
            .app_data(web::Data::new(auth.clone()))
            .service(
                web::resource("/admin")
                    .wrap(RequireGroup("admin"))
                    .wrap(layer.clone().redirect_to_login("/login"))
                    .get(me)
                    .post(me),
            )
            .service(web::resource("/me").wrap(layer.clone()).get(me).post(me))
            .service(web::resource("/").wrap(layer.optional()).get(home))
            .route(
                "/login",
                web::get().to(|auth: web::Data<SessionAuth>, req: HttpRequest| async move {
                    auth.login(&req)
                }),
            )
            .route(
                "/callback",
                web::get().to(|auth: web::Data<SessionAuth>, req: HttpRequest| async move {
                    auth.callback(&req).await
                }),
            )
            .route(
                "/logout",
                web::post().to(|auth: web::Data<SessionAuth>, req: HttpRequest| async move {
                    auth.logout(&req).await
                }),
            );
    }
}

/// A session entry for `access_token`, stored; its id (the cookie's value).
async fn store_session(
    store: &impl SessionStore,
    access_token: &str,
    touched_at: u64,
    origin_jti: Option<&str>,
) -> String {
    let data = json!({
        "tokens": {
            "access_token": access_token, "id_token": "unused", "refresh_token": null,
            "expires_at": now() + 3600, "token_type": "Bearer",
        },
        "sub": "sub-1", "username": "alice", "groups": [], "origin_jti": origin_jti,
        "signed_in_at": now(), "touched_at": touched_at,
    });
    store_value(store, &data).await
}

/// The session `data` stored under a new id, living an hour; the id.
async fn store_value(store: &impl SessionStore, data: &Value) -> String {
    let id = sanctum_core::session::new_session_id().expect("id");
    assert!(
        store
            .create(&id, &data.to_string(), Duration::from_secs(3600))
            .await
            .expect("stored")
    );
    id
}

#[derive(Debug)]
struct Answer {
    status: u16,
    www_authenticate: Option<String>,
    location: Option<String>,
    cookies: Vec<String>,
    body: String,
}

async fn send<S>(app: &S, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut request = test::TestRequest::default()
        .method(method.parse().expect("method"))
        .uri(path);
    for (name, value) in headers {
        request = request.append_header((*name, *value));
    }
    let response = test::call_service(app, request.to_request()).await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("text").to_owned())
    };
    let status = response.status().as_u16();
    let www_authenticate = header("www-authenticate");
    let location = header("location");
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .map(|v| v.to_str().expect("text").to_owned())
        .collect();
    let body = String::from_utf8_lossy(&test::read_body(response).await).into_owned();
    Answer {
        status,
        www_authenticate,
        location,
        cookies,
        body,
    }
}

fn cookie(id: &str) -> String {
    format!("{COOKIE}={id}")
}

/// The memory-store app as the shared scenarios' driver.
struct Driver<S> {
    store: MemorySessionStore,
    app: S,
}

async fn driver() -> (
    TestIssuer,
    Driver<impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>>,
) {
    let issuer = TestIssuer::start().await.expect("issuer");
    let store = MemorySessionStore::new();
    let auth = auth_for(&issuer.verifier(), issuer.client_id(), store.clone(), None);
    let app = test::init_service(App::new().configure(routes(issuer.verifier(), auth))).await;
    (issuer, Driver { store, app })
}

impl<S> scenarios::SessionDriver for Driver<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    async fn store(&self, data: &Value) -> String {
        store_value(&self.store, data).await
    }

    async fn replace(&self, id: &str, data: &Value) {
        let ttl = Duration::from_secs(3600);
        self.store
            .save(id, &data.to_string(), ttl)
            .await
            .expect("saved");
    }

    async fn remove(&self, id: &str) {
        self.store.delete(id).await.expect("deleted");
    }

    async fn get_me(&self, id: &str) -> scenarios::Reply {
        let answer = send(&self.app, "GET", "/me", &[("cookie", &cookie(id))]).await;
        scenarios::Reply {
            status: answer.status,
            body: answer.body,
            cookies: answer.cookies,
        }
    }
}

#[actix_web::test]
async fn a_session_follows_every_write_to_the_store() {
    let (issuer, driver) = driver().await;
    scenarios::a_session_follows_every_write_to_the_store(&driver, &issuer).await;
}

#[actix_web::test]
async fn a_written_back_session_sends_its_cookie_again() {
    let (issuer, driver) = driver().await;
    scenarios::a_written_back_session_sends_its_cookie_again(&driver, &issuer).await;
}

#[cfg(feature = "metrics")]
#[actix_web::test]
async fn a_due_refresh_is_counted() {
    let metrics = sanctum_testkit::metrics::MetricsCapture::start();
    let (issuer, driver) = driver().await;
    scenarios::a_due_refresh_is_counted(&driver, &issuer, &metrics).await;
}

#[actix_web::test]
async fn a_session_cookie_meets_the_guards_and_extractors_as_a_bearer_token_does() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let store = MemorySessionStore::new();
    let auth = auth_for(&issuer.verifier(), issuer.client_id(), store.clone(), None);
    let app = test::init_service(App::new().configure(routes(issuer.verifier(), auth))).await;

    let admin_token = issuer
        .access_token()
        .username("alice")
        .groups(["admin"])
        .build();
    let admin = store_session(&store, &admin_token, now(), None).await;
    let user_token = issuer.access_token().username("bob").build();
    let user = store_session(&store, &user_token, now(), None).await;

    let answer = send(&app, "GET", "/me", &[("cookie", &cookie(&admin))]).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "alice [\"admin\"]")
    );
    let answer = send(&app, "GET", "/admin", &[("cookie", &cookie(&admin))]).await;
    assert_eq!(answer.status, 200);
    let answer = send(&app, "GET", "/admin", &[("cookie", &cookie(&user))]).await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert!(
        answer
            .www_authenticate
            .is_some_and(|c| c.contains("insufficient_scope"))
    );

    // an unknown session id is no session: 401 (not 500, not a pass)
    let unknown = sanctum_core::session::new_session_id().expect("id");
    let answer = send(&app, "GET", "/me", &[("cookie", &cookie(&unknown))]).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.www_authenticate.as_deref(), Some("Bearer"));
    assert_eq!(send(&app, "GET", "/me", &[]).await.status, 401);
    assert_eq!(send(&app, "GET", "/", &[]).await.body, "anonymous");

    // a bearer token is used alone, whatever the cookie says
    let bearer = issuer
        .access_token()
        .username("carol")
        .groups(["admin"])
        .authorization();
    let both = send(
        &app,
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

#[actix_web::test]
async fn cookie_authenticated_unsafe_requests_must_come_from_the_application() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let store = MemorySessionStore::new();
    let auth = auth_for(&issuer.verifier(), issuer.client_id(), store.clone(), None);
    let app = test::init_service(App::new().configure(routes(issuer.verifier(), auth))).await;
    let token = issuer
        .access_token()
        .username("alice")
        .groups(["admin"])
        .build();
    let session = cookie(&store_session(&store, &token, now(), None).await);

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
            let answer = send(&app, "POST", path, &all).await;
            assert_eq!(answer.status, status, "POST {path} {headers:?}: {answer:?}");
            if status == 403 {
                assert!(answer.body.contains("cross_site_request"), "{answer:?}");
                assert_eq!(answer.www_authenticate, None);
            }
        }
    }
    // safe methods are not checked
    let get = send(
        &app,
        "GET",
        "/me",
        &[("cookie", &session), ("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(get.status, 200);
    // bearer requests are exempt: a browser never adds the header on its own
    let bearer = issuer.access_token().authorization();
    let post = send(
        &app,
        "POST",
        "/me",
        &[("authorization", &bearer), ("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(post.status, 200);
}

#[actix_web::test]
async fn anonymous_page_requests_are_sent_to_sign_in_with_where_they_were_going() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let auth = auth_for(
        &issuer.verifier(),
        issuer.client_id(),
        MemorySessionStore::new(),
        None,
    );
    let app = test::init_service(App::new().configure(routes(issuer.verifier(), auth))).await;

    let page = send(&app, "GET", "/admin?tab=users&x=%2F", &[]).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location.as_deref(),
        Some("/login?next=%2Fadmin%3Ftab%3Dusers%26x%3D%252F")
    );
    // not for unsafe methods, nor for routes that did not ask
    assert_eq!(send(&app, "POST", "/admin", &[]).await.status, 401);
    assert_eq!(send(&app, "GET", "/me", &[]).await.status, 401);
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

#[actix_web::test]
async fn sign_in_starts_with_a_host_cookie_and_a_callback_without_it_or_with_another_state_stores_nothing()
 {
    let issuer = TestIssuer::start().await.expect("issuer");
    let store = MemorySessionStore::new();
    let auth = auth_for(&issuer.verifier(), issuer.client_id(), store.clone(), None);
    let app = test::init_service(App::new().configure(routes(issuer.verifier(), auth))).await;

    let start = send(&app, "GET", "/login?next=%2Fadmin", &[]).await;
    assert_eq!(start.status, 303);
    let location = start.location.expect("a Location");
    assert!(
        location.starts_with("http://127.0.0.1:9/oauth2/authorize?response_type=code&"),
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
        let answer = send(&app, "GET", &format!("/login?next={next}"), &[]).await;
        assert_eq!(login_cookie_json(&answer.cookies[0])["next"], "/", "{next}");
    }

    let login_cookie = set.split(';').next().expect("name=value").to_owned();
    let refused = |answer: &Answer| {
        assert!(
            answer.cookies.iter().all(|c| !c.starts_with(COOKIE)),
            "no session: {answer:?}"
        );
        assert!(
            answer
                .cookies
                .iter()
                .any(|c| c.starts_with("__Host-sanctum-login=;") && c.contains("Max-Age=0")),
            "the sign-in cookie is removed: {answer:?}"
        );
        assert!(answer.body.contains("\"error\""), "{answer:?}");
    };
    // no sign-in cookie (another browser's callback, or a replay after it was consumed)
    let none = send(&app, "GET", &format!("/callback?code=c&state={state}"), &[]).await;
    assert_eq!(none.status, 400);
    refused(&none);
    // another state: refused before the code is sent anywhere
    let forged = send(
        &app,
        "GET",
        "/callback?code=c&state=forged",
        &[("cookie", &login_cookie)],
    )
    .await;
    assert_eq!(forged.status, 403, "{forged:?}");
    refused(&forged);
    // Cognito's error answer
    let denied = send(
        &app,
        "GET",
        &format!("/callback?error=access_denied&state={state}"),
        &[("cookie", &login_cookie)],
    )
    .await;
    assert_eq!(denied.status, 403);
    refused(&denied);
    // no code
    let bare = send(
        &app,
        "GET",
        &format!("/callback?state={state}"),
        &[("cookie", &login_cookie)],
    )
    .await;
    assert_eq!(bare.status, 400);
    refused(&bare);
    assert!(store.is_empty(), "nothing stored");
}

#[actix_web::test]
async fn an_idle_session_or_one_whose_token_was_revoked_ends_and_is_removed() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let revocations = Arc::new(InMemoryRevocations::new());
    let verifier = issuer
        .verifier_builder()
        .revocations(revocations.clone())
        .build()
        .expect("verifier");
    let store = MemorySessionStore::new();
    let auth = auth_for(&verifier, issuer.client_id(), store.clone(), None);
    let app = test::init_service(App::new().configure(routes(verifier, auth))).await;

    let token = issuer.access_token().build();
    let idle = store_session(&store, &token, now() - 31 * 60, None).await;
    let answer = send(&app, "GET", "/me", &[("cookie", &cookie(&idle))]).await;
    assert_eq!(answer.status, 401);
    assert_eq!(store.load(&idle).await.expect("load"), None, "removed");

    let token = issuer
        .access_token()
        .claim("origin_jti", "origin-1")
        .build();
    let id = store_session(&store, &token, now(), None).await;
    assert_eq!(
        send(&app, "GET", "/me", &[("cookie", &cookie(&id))])
            .await
            .status,
        200
    );
    revocations.record(Revocation::refresh_token_revoked("origin-1"));
    assert_eq!(
        send(&app, "GET", "/me", &[("cookie", &cookie(&id))])
            .await
            .status,
        401
    );
    let home = send(&app, "GET", "/", &[("cookie", &cookie(&id))]).await;
    assert_eq!((home.status, home.body.as_str()), (200, "anonymous"));
    assert_eq!(store.load(&id).await.expect("load"), None, "removed");
}

#[actix_web::test]
async fn sign_out_is_csrf_checked_ends_the_session_records_its_revocation_and_goes_to_cognito() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let revocations = Arc::new(InMemoryRevocations::new());
    let verifier = issuer
        .verifier_builder()
        .revocations(revocations.clone())
        .build()
        .expect("verifier");
    let store = MemorySessionStore::new();
    let auth = auth_for(
        &verifier,
        issuer.client_id(),
        store.clone(),
        Some(revocations.clone()),
    );
    let app = test::init_service(App::new().configure(routes(verifier, auth))).await;
    let token = issuer
        .access_token()
        .claim("origin_jti", "origin-2")
        .build();
    let id = store_session(&store, &token, now(), Some("origin-2")).await;
    let session = cookie(&id);

    // a cross-site form: refused, nothing changed
    let forged = send(
        &app,
        "POST",
        "/logout",
        &[("cookie", &session), ("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(forged.status, 403, "{forged:?}");
    assert!(forged.cookies.is_empty());
    assert!(store.load(&id).await.expect("load").is_some(), "kept");
    assert_eq!(
        send(&app, "GET", "/me", &[("cookie", &session)])
            .await
            .status,
        200
    );

    let out = send(
        &app,
        "POST",
        "/logout",
        &[("cookie", &session), ("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(out.status, 303, "{out:?}");
    let location = out.location.expect("a Location");
    assert!(
        location.starts_with("http://127.0.0.1:9/logout?client_id="),
        "{location}"
    );
    assert!(
        out.cookies
            .iter()
            .any(|c| c.starts_with(&format!("{COOKIE}=;")) && c.contains("Max-Age=0")),
        "{:?}",
        out.cookies
    );
    assert_eq!(store.load(&id).await.expect("load"), None, "removed");
    // the tokens are revoked for bearer use too
    let bearer = format!("Bearer {token}");
    assert_eq!(
        send(&app, "GET", "/me", &[("authorization", &bearer)])
            .await
            .status,
        401
    );
}

#[actix_web::test]
async fn a_store_that_cannot_be_reached_is_503_for_session_requests_and_bearer_routes_keep_working()
{
    let issuer = TestIssuer::start().await.expect("issuer");
    // a port that was free a moment ago: nothing listens there
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let store = RedisSessionStore::from_url(&format!("redis://127.0.0.1:{port}/")).expect("url");
    let auth = auth_for(&issuer.verifier(), issuer.client_id(), store, None);
    let app = test::init_service(App::new().configure(routes(issuer.verifier(), auth))).await;
    let session = cookie(&sanctum_core::session::new_session_id().expect("id"));

    for path in ["/me", "/admin", "/"] {
        let down = send(&app, "GET", path, &[("cookie", &session)]).await;
        assert_eq!(down.status, 503, "{path}: {down:?}");
        assert!(down.body.contains("temporarily_unavailable"), "{down:?}");
    }
    let out = send(
        &app,
        "POST",
        "/logout",
        &[("cookie", &session), ("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(out.status, 503, "{out:?}");
    let bearer = issuer.access_token().groups(["admin"]).authorization();
    let ok = send(
        &app,
        "GET",
        "/admin",
        &[("authorization", &bearer), ("cookie", &session)],
    )
    .await;
    assert_eq!(ok.status, 200);
    // no cookie: the store is not asked
    assert_eq!(send(&app, "GET", "/me", &[]).await.status, 401);
}
