//! The `bff-app` binary end to end over TCP against fakecloud, which checks SRP proofs (moto
//! accepts any, so a wrong password there would prove nothing) and serves `/oauth2/revoke`:
//! sign-in → sanctum's session cookie (`__Host-sanctum-session`, `HttpOnly`, `Secure`,
//! `SameSite=Lax`) → `/me` → logout → the cookie refused and the refresh token gone at
//! Cognito; a wrong password 401; an admin creates a user who then exists in Cognito; a
//! non-admin gets 403; a challenge waits in the session and the session id is cycled when it
//! is answered; a cross-site `POST` with the cookie is 403 and changes nothing; a tampered or
//! unknown cookie is 401; the upstream call carries the user's token; a session whose access
//! token is due refreshes it at the pool's domain; two instances share sessions through one
//! redis-server; the memory store bounds abandoned sign-ins and sessions. Against moto, which has
//! no `/oauth2/revoke`: logout falls back to `GlobalSignOut`, and the signed-out session's
//! token is refused afterwards even as a bearer token (the revocation recorded).

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use sanctum_core::cognito::{NewGroup, NewUser, SanctumClient};
use sanctum_testkit::fakecloud::{FakecloudPool, FakecloudPoolOptions, FakecloudServer};
use sanctum_testkit::moto::{MotoPool, MotoServer};
use serde_json::{Value, json};

const PASSWORD: &str = "Bff-App-Passw0rd";

/// The session cookie's name (sanctum's sessions, as the managed-login `web-app` sets it).
const SESSION: &str = "__Host-sanctum-session";

/// Headers of a cross-site request a browser sends: another site, a sibling subdomain (same
/// site, not the application), an `Origin` that is not the application's.
const CROSS_SITE: [&[(&str, &str)]; 3] = [
    &[
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ],
    &[
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.app.example"),
    ],
    &[("origin", "https://evil.example")],
];

/// The running BFF; killed on drop.
struct Bff {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Bff {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The pool the BFF is configured for, on either server.
struct Target<'a> {
    /// `SANCTUM_PASSWORD_FLOW`: moto's SRP is not real SRP, its `USER_PASSWORD_AUTH` checks.
    password_flow: &'a str,
    endpoint: &'a str,
    pool_id: &'a str,
    client_id: &'a str,
    client_secret: Option<&'a str>,
    jwks_url: &'a str,
}

impl<'a> From<&'a FakecloudPool> for Target<'a> {
    fn from(pool: &'a FakecloudPool) -> Self {
        Self {
            password_flow: "srp",
            endpoint: &pool.endpoint,
            pool_id: &pool.pool_id,
            client_id: &pool.client_id,
            client_secret: pool.client_secret.as_deref(),
            jwks_url: &pool.jwks_url,
        }
    }
}

impl<'a> From<&'a MotoPool> for Target<'a> {
    fn from(pool: &'a MotoPool) -> Self {
        Self {
            password_flow: "user-password",
            endpoint: &pool.endpoint,
            pool_id: &pool.pool_id,
            client_id: &pool.client_id,
            client_secret: pool.client_secret.as_deref(),
            jwks_url: &pool.jwks_url,
        }
    }
}

impl Bff {
    fn start<'a>(pool: impl Into<Target<'a>>) -> Self {
        Self::start_with(pool, &[])
    }

    /// Started with the extra environment `vars` too.
    fn start_with<'a>(pool: impl Into<Target<'a>>, vars: &[(&str, &str)]) -> Self {
        let pool = pool.into();
        let mut command = Command::new(env!("CARGO_BIN_EXE_bff-app"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SANCTUM_ADDR", "127.0.0.1:0")
            .env("SANCTUM_REGION", "us-east-1")
            .env("SANCTUM_USER_POOL_ID", pool.pool_id)
            .env("SANCTUM_CLIENT_ID", pool.client_id)
            .env("SANCTUM_COGNITO_ENDPOINT", pool.endpoint)
            .env("SANCTUM_JWKS_URL", pool.jwks_url)
            .env("SANCTUM_PASSWORD_FLOW", pool.password_flow)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(secret) = pool.client_secret {
            command.env("SANCTUM_CLIENT_SECRET", secret);
        }
        command.envs(vars.iter().copied());
        let mut child = command.spawn().expect("start bff-app");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix(sanctum_examples::bff::BANNER) {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("bff-app prints its address");
        Self {
            child,
            base,
            http: reqwest::Client::new(),
        }
    }

    /// A `POST` of the application's own script (it sends `X-CSRF: 1`).
    async fn post(&self, path: &str, cookie: Option<&str>, body: Value) -> reqwest::Response {
        self.post_with(path, cookie, body, &[("x-csrf", "1")]).await
    }

    /// A `POST` with `headers` only (no CSRF header unless given).
    async fn post_with(
        &self,
        path: &str,
        cookie: Option<&str>,
        body: Value,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("bff answers")
    }

    /// The claims `GET /me` answers for the session `cookie`.
    async fn me(&self, cookie: &str) -> Value {
        let me = self.get("/me", Some(cookie)).await;
        assert_eq!(me.status(), 200);
        me.json().await.expect("claims")
    }

    /// The status of `GET path` with `Authorization: Bearer token`.
    async fn get_bearer(&self, path: &str, token: &str) -> reqwest::StatusCode {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("bff answers")
            .status()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("bff answers")
    }

    /// The status of a sign-in with `password`, for one expected to fail.
    async fn login_status(&self, username: &str, password: &str) -> reqwest::StatusCode {
        self.post(
            "/login",
            None,
            json!({"username": username, "password": password}),
        )
        .await
        .status()
    }

    /// Signs in; returns the `name=value` of the session cookie.
    async fn login(&self, username: &str, password: &str) -> String {
        let response = self
            .post(
                "/login",
                None,
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(response.status(), 200, "login of {username}");
        session_cookie_and_body(response).await.0
    }
}

/// The session cookie a response sets, checked for sanctum's attributes; and the body.
async fn session_cookie_and_body(response: reqwest::Response) -> (String, String) {
    let headers = response.headers().clone();
    let body = response.text().await.expect("body");
    let set = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{SESSION}=")))
        .unwrap_or_else(|| panic!("a session cookie; body: {body}"))
        .to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(set.contains(attribute), "{attribute}: {set}");
    }
    assert!(
        !set.contains("Domain"),
        "a __Host- cookie has no Domain: {set}"
    );
    (set.split(';').next().expect("name=value").to_owned(), body)
}

/// An upstream service on 127.0.0.1 that keeps the bearer tokens it is called with.
async fn recording_upstream() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/whoami",
        axum::routing::get(move |headers: axum::http::HeaderMap| {
            let token = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned);
            kept.lock().expect("lock").extend(token);
            async { axum::Json(json!({"service": "recording"})) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/whoami", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

/// Creates `user` (with an email address, no message sent) whose password is [`PASSWORD`].
async fn user_with_password(client: &SanctumClient, user: &str) {
    client
        .admin()
        .users()
        .create(
            NewUser::new(user)
                .email(format!("{user}@example.com"))
                .suppress_message(),
        )
        .await
        .expect("user");
    client
        .admin()
        .users()
        .set_password(user, PASSWORD, true)
        .await
        .expect("password");
}

async fn pool_with_users(
    secret: bool,
) -> (
    std::sync::Arc<FakecloudServer>,
    FakecloudPool,
    SanctumClient,
) {
    let fakecloud = FakecloudServer::shared();
    let pool = fakecloud
        .create_pool_with(FakecloudPoolOptions::new().client_secret(secret))
        .await
        .expect("pool");
    let client = pool.client().await.expect("client");
    client
        .admin()
        .groups()
        .create(NewGroup::new("admin"))
        .await
        .expect("admin group");
    for user in ["boss", "alice"] {
        user_with_password(&client, user).await;
    }
    client
        .admin()
        .groups()
        .add_user("boss", "admin")
        .await
        .expect("boss is an admin");
    (fakecloud, pool, client)
}

/// Refresh tokens fakecloud holds for `username` in `pool_id` (its introspection endpoint).
async fn refresh_tokens_at_cognito(
    fakecloud: &FakecloudServer,
    pool_id: &str,
    username: &str,
) -> usize {
    let tokens: Value = reqwest::get(format!(
        "{}/_fakecloud/cognito/tokens",
        fakecloud.endpoint()
    ))
    .await
    .expect("introspection")
    .json()
    .await
    .expect("json");
    tokens["tokens"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|t| t["type"] == "refresh" && t["username"] == username && t["poolId"] == pool_id)
        .count()
}

#[tokio::test]
async fn login_cookie_me_upstream_logout_then_the_cookie_is_refused_against_fakecloud() {
    for secret in [false, true] {
        let (fakecloud, pool, _client) = pool_with_users(secret).await;
        let bff = Bff::start(&pool);

        // no session: 401
        assert_eq!(bff.get("/me", None).await.status(), 401);

        let response = bff
            .post(
                "/login",
                None,
                json!({"username": "alice", "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let (cookie, body) = session_cookie_and_body(response).await;
        assert!(!body.contains("eyJ"), "the body carries no token: {body}");

        let me = bff.get("/me", Some(&cookie)).await;
        assert_eq!(me.status(), 200);
        let me: Value = me.json().await.expect("claims");
        assert_eq!(me["username"], "alice");
        assert_eq!(me["token_use"], "access");

        // the other service gets the user's access token, and verifies it
        let upstream = bff.get("/api/upstream", Some(&cookie)).await;
        assert_eq!(upstream.status(), 200);
        let upstream: Value = upstream.json().await.expect("json");
        assert_eq!(upstream["upstream"]["caller"]["username"], "alice");

        // a token the browser sends itself is not a session
        let forged = bff
            .http
            .get(format!("{}/me", bff.base))
            .header("authorization", "Bearer not.a.session")
            .send()
            .await
            .expect("answer");
        assert_eq!(forged.status(), 401);

        assert_eq!(
            refresh_tokens_at_cognito(&fakecloud, &pool.pool_id, "alice").await,
            1,
            "the session's refresh token lives at Cognito"
        );
        let out = bff.post("/logout", Some(&cookie), json!({})).await;
        assert_eq!(out.status(), 204);
        assert_eq!(bff.get("/me", Some(&cookie)).await.status(), 401);
        assert_eq!(bff.get("/api/upstream", Some(&cookie)).await.status(), 401);
        assert_eq!(
            refresh_tokens_at_cognito(&fakecloud, &pool.pool_id, "alice").await,
            0,
            "revoked at Cognito (secret: {secret})"
        );
    }
}

#[tokio::test]
async fn a_wrong_password_is_401_against_fakecloud_which_checks_srp_proofs() {
    let (_fakecloud, pool, _client) = pool_with_users(false).await;
    let bff = Bff::start(&pool);
    let response = bff
        .post(
            "/login",
            None,
            json!({"username": "alice", "password": "Wrong-Passw0rd"}),
        )
        .await;
    assert_eq!(response.status(), 401);
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(bff.login_status("nobody", PASSWORD).await, 401);
}

#[tokio::test]
async fn an_admin_creates_a_user_who_exists_in_cognito_and_a_non_admin_gets_403_against_fakecloud()
{
    let (_fakecloud, pool, client) = pool_with_users(false).await;
    let bff = Bff::start(&pool);
    let admin = bff.login("boss", PASSWORD).await;
    let user = bff.login("alice", PASSWORD).await;
    let new_user = json!({
        "username": "carol",
        "email": "carol@example.com",
        "temporary_password": "Temp-Passw0rd-1"
    });

    let refused = bff
        .post("/admin/users", Some(&user), new_user.clone())
        .await;
    assert_eq!(refused.status(), 403);
    assert!(
        client.admin().users().get("carol").await.is_err(),
        "not created"
    );
    assert_eq!(
        bff.post("/admin/users", None, new_user.clone())
            .await
            .status(),
        401
    );

    let created = bff.post("/admin/users", Some(&admin), new_user).await;
    assert_eq!(created.status(), 201);
    let carol = client
        .admin()
        .users()
        .get("carol")
        .await
        .expect("carol exists in Cognito");
    assert_eq!(
        carol.attributes.get("email").map(String::as_str),
        Some("carol@example.com")
    );

    // carol signs in with the temporary password: the BFF passes the challenge on
    let response = bff
        .post(
            "/login",
            None,
            json!({"username": "carol", "password": "Temp-Passw0rd-1"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    // the step waits in a session of its own, not yet signed in
    let (pending, challenge) = session_cookie_and_body(response).await;
    let challenge: Value = serde_json::from_str(&challenge).expect("json");
    assert_eq!(challenge["challenge"], "NEW_PASSWORD_REQUIRED");
    assert_eq!(bff.get("/me", Some(&pending)).await.status(), 401);
    let response = bff
        .post(
            "/login/respond",
            Some(&pending),
            json!({"new_password": "Carol-N3w-Passw0rd"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let (carol_cookie, _) = session_cookie_and_body(response).await;
    let me = bff.me(&carol_cookie).await;
    assert_eq!(me["username"], "carol");

    // the session id was cycled at sign-in: the id the browser held before is worth nothing,
    // and the step it held was answered once
    assert_ne!(pending, carol_cookie);
    assert_eq!(bff.get("/me", Some(&pending)).await.status(), 401);
    let again = bff
        .post(
            "/login/respond",
            Some(&pending),
            json!({"new_password": "Carol-0ther-Passw0rd"}),
        )
        .await;
    assert_eq!(again.status(), 401);
}

#[tokio::test]
async fn logout_where_revoke_token_is_missing_signs_the_user_out_everywhere_against_moto() {
    let moto = MotoServer::shared();
    let pool = moto.create_pool().await.expect("pool");
    let client = pool.client().await.expect("client");
    user_with_password(&client, "alice").await;
    let (upstream, relayed) = recording_upstream().await;
    let bff = Bff::start_with(&pool, &[("SANCTUM_UPSTREAM_URL", &upstream)]);
    let cookie = bff.login("alice", PASSWORD).await;
    assert_eq!(bff.get("/me", Some(&cookie)).await.status(), 200);
    // the session's access token, as the upstream service gets it: also good as a bearer token
    assert_eq!(bff.get("/api/upstream", Some(&cookie)).await.status(), 200);
    let token = relayed
        .lock()
        .expect("lock")
        .pop()
        .expect("a relayed token");
    assert_eq!(bff.get_bearer("/upstream/whoami", &token).await, 200);
    assert_eq!(
        bff.login_status("alice", "Not-Her-Passw0rd").await,
        401,
        "moto checks USER_PASSWORD_AUTH passwords"
    );

    // alice signed in elsewhere too: GlobalSignOut (not RevokeToken) ends that sign-in as well
    let elsewhere = client
        .auth()
        .sign_in("alice", PASSWORD)
        .await
        .expect("signs in")
        .into_tokens()
        .expect("tokens");
    client
        .user(&elsewhere.access_token)
        .profile()
        .await
        .expect("live before the logout");

    let out = bff.post("/logout", Some(&cookie), json!({})).await;
    assert_eq!(out.status(), 204);
    assert_eq!(bff.get("/me", Some(&cookie)).await.status(), 401);
    // the sign-out is recorded: the session's token is refused as a bearer token too
    assert_eq!(bff.get_bearer("/upstream/whoami", &token).await, 401);
    let err = client
        .user(&elsewhere.access_token)
        .profile()
        .await
        .expect_err("moto refuses alice's tokens after the fallback's GlobalSignOut");
    assert!(
        matches!(err, sanctum_core::cognito::CognitoError::NotAuthorized(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_cross_site_post_with_the_session_cookie_is_403_and_changes_nothing_against_fakecloud() {
    let (_fakecloud, pool, client) = pool_with_users(false).await;
    let bff = Bff::start(&pool);
    let admin = bff.login("boss", PASSWORD).await;
    let new_user = json!({
        "username": "mallory",
        "email": "mallory@example.com",
        "temporary_password": "Temp-Passw0rd-1"
    });

    // a page of another site, a sibling subdomain, an unknown origin, or no word of where the
    // request comes from: refused before the handler, with the admin's own cookie
    let mut refusals: Vec<&[(&str, &str)]> = CROSS_SITE.to_vec();
    refusals.push(&[]);
    for headers in refusals {
        let refused = bff
            .post_with("/admin/users", Some(&admin), new_user.clone(), headers)
            .await;
        assert_eq!(refused.status(), 403, "{headers:?}");
        let grant = bff
            .post_with(
                "/admin/users/alice/groups/admin",
                Some(&admin),
                json!({}),
                headers,
            )
            .await;
        assert_eq!(grant.status(), 403, "{headers:?}");
        let out = bff
            .post_with("/logout", Some(&admin), json!({}), headers)
            .await;
        assert_eq!(out.status(), 403, "{headers:?}");
    }
    assert!(
        client.admin().users().get("mallory").await.is_err(),
        "not created"
    );
    let alice_groups = client
        .admin()
        .groups()
        .of_user_all("alice")
        .await
        .expect("alice's groups");
    assert!(alice_groups.is_empty(), "{alice_groups:?}");
    assert_eq!(
        bff.get("/me", Some(&admin)).await.status(),
        200,
        "the cross-site sign-outs ended nothing"
    );

    // the application's own page (same origin) does it
    let created = bff
        .post_with(
            "/admin/users",
            Some(&admin),
            new_user,
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(created.status(), 201);
    client
        .admin()
        .users()
        .get("mallory")
        .await
        .expect("created by the same-origin request");
}

#[tokio::test]
async fn a_tampered_or_unknown_session_cookie_is_401_against_fakecloud() {
    let (_fakecloud, pool, _client) = pool_with_users(false).await;
    let bff = Bff::start(&pool);
    let cookie = bff.login("alice", PASSWORD).await;
    assert_eq!(bff.get("/me", Some(&cookie)).await.status(), 200);

    let value = cookie
        .strip_prefix(&format!("{SESSION}="))
        .expect("the session cookie");
    // one character changed (the first: the last one's low bits are base64 padding)
    let mut tampered = value.to_owned().into_bytes();
    let first = tampered.first_mut().expect("a value");
    *first = if *first == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    for forged in [
        format!("{SESSION}={tampered}"),
        format!("{SESSION}=AAAAAAAAAAAAAAAAAAAAAA"),
        format!("{SESSION}=not-a-session-id"),
        // the session id under another cookie name
        format!("bff_session={value}"),
        format!("sanctum-session={value}"),
    ] {
        assert_eq!(
            bff.get("/me", Some(&forged)).await.status(),
            401,
            "{forged}"
        );
        let post = bff
            .post("/admin/users/alice/groups/admin", Some(&forged), json!({}))
            .await;
        assert_eq!(post.status(), 401, "{forged}");
    }
    // the genuine cookie is untouched
    let me = bff.me(&cookie).await;
    assert_eq!(me["username"], "alice");
}

#[tokio::test]
async fn pending_sign_ins_and_sessions_live_in_the_bounded_session_store_against_fakecloud() {
    const CAPACITY: u64 = 8;
    let (_fakecloud, pool, client) = pool_with_users(false).await;
    // a user whose sign-in stops at NEW_PASSWORD_REQUIRED, left unanswered
    client
        .admin()
        .users()
        .create(
            NewUser::new("newbie")
                .email("newbie@example.com")
                .temporary_password("Temp-Passw0rd-1")
                .suppress_message(),
        )
        .await
        .expect("newbie");
    let bff = sanctum_examples::bff::Bff::new(
        pool.client().await.expect("client"),
        &pool.endpoint,
        None,
        None,
        Arc::new(sanctum_core::revocation::InMemoryRevocations::new()),
    )
    .expect("bff");
    let store = sanctum_axum::session::MemorySessionStore::with_capacity(CAPACITY);
    let app = bff
        .routes("http://127.0.0.1:9/unused")
        .layer(bff.auth().layer(store.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let login = |username: &'static str, password: &'static str| {
        http.post(format!("{base}/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
    };

    // abandoned sign-ins: each step waits in a session of the store, for 5 minutes at most
    for _ in 0..3 * CAPACITY {
        let pending = login("newbie", "Temp-Passw0rd-1").await.expect("answers");
        assert_eq!(pending.status(), 200);
        let cookie = pending
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("a session cookie")
            .to_owned();
        assert!(cookie.starts_with(&format!("{SESSION}=")), "{cookie}");
        assert!(cookie.contains("Max-Age=300"), "{cookie}");
    }
    assert!(store.len() <= CAPACITY, "{}", store.len());

    // signed-in sessions: bounded the same way, the newest kept
    let mut newest = String::new();
    for _ in 0..2 * CAPACITY {
        let response = login("alice", PASSWORD).await.expect("answers");
        assert_eq!(response.status(), 200);
        newest = session_cookie_and_body(response).await.0;
    }
    assert!(store.len() <= CAPACITY, "{}", store.len());
    let me = http
        .get(format!("{base}/me"))
        .header("cookie", &newest)
        .send()
        .await
        .expect("answers");
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn two_instances_share_sessions_and_sign_outs_through_one_redis_against_fakecloud() {
    let (_redis, redis_url) = common::start_redis();
    let (_fakecloud, pool, _client) = pool_with_users(false).await;
    let a = Bff::start_with(&pool, &[("SANCTUM_REDIS_URL", &redis_url)]);
    let b = Bff::start_with(&pool, &[("SANCTUM_REDIS_URL", &redis_url)]);

    let session = a.login("boss", PASSWORD).await;
    let on_b = b.get("/me", Some(&session)).await;
    assert_eq!(on_b.status(), 200);
    let me: Value = on_b.json().await.expect("claims");
    assert_eq!(me["username"], "boss");

    let out = b.post("/logout", Some(&session), json!({})).await;
    assert_eq!(out.status(), 204);
    // the shared store no longer holds it: refused on A at once
    assert_eq!(a.get("/me", Some(&session)).await.status(), 401);
    assert_eq!(b.get("/me", Some(&session)).await.status(), 401);
}

#[tokio::test]
async fn a_session_whose_access_token_is_due_refreshes_it_at_the_pools_domain_against_fakecloud() {
    let (fakecloud, pool, _client) = pool_with_users(false).await;
    // an app client whose access tokens live 5 minutes, the sessions' refresh margin: every
    // request with the session finds its token due and refreshes it (`/oauth2/token`,
    // `grant_type=refresh_token`, with the SRP sign-in's refresh token)
    let short = fakecloud
        .call(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool.pool_id, "ClientName": "bff-short-lived",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "AccessTokenValidity": 5, "IdTokenValidity": 5,
                "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes"},
            }),
        )
        .await
        .expect("client");
    let client_id = short["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id");
    let (upstream, relayed) = recording_upstream().await;
    let bff = Bff::start_with(
        Target {
            client_id,
            ..Target::from(&pool)
        },
        &[("SANCTUM_UPSTREAM_URL", &upstream)],
    );
    let cookie = bff.login("alice", PASSWORD).await;

    for _ in 0..2 {
        assert_eq!(bff.get("/api/upstream", Some(&cookie)).await.status(), 200);
    }
    let tokens = relayed.lock().expect("lock").clone();
    assert_eq!(tokens.len(), 2);
    assert!(tokens[0] != tokens[1], "each request refreshed the tokens");
    for token in &tokens {
        // Cognito's (fakecloud's) access tokens of this app client, for alice
        assert_eq!(bff.get_bearer("/upstream/whoami", token).await, 200);
    }
    let me = bff.me(&cookie).await;
    assert_eq!(me["username"], "alice");
    assert_eq!(me["client_id"], client_id);
}
