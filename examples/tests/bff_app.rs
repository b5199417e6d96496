//! The `bff-app` binary end to end over TCP against fakecloud, which checks SRP proofs (moto
//! accepts any, so a wrong password there would prove nothing) and implements `RevokeToken`:
//! sign-in → session cookie → `/me` → logout → the cookie refused and the refresh token gone
//! at Cognito; a wrong password 401; an admin creates a user who then exists in Cognito; a
//! non-admin gets 403; the upstream call carries the user's token. Against moto, which lacks
//! `RevokeToken`: logout falls back to `GlobalSignOut`.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sanctum_core::cognito::{NewGroup, NewUser, SanctumClient};
use sanctum_testkit::fakecloud::{FakecloudPool, FakecloudPoolOptions, FakecloudServer};
use sanctum_testkit::moto::{MotoPool, MotoServer};
use serde_json::{Value, json};

const PASSWORD: &str = "Bff-App-Passw0rd";

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
        let mut child = command.spawn().expect("start bff-app");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("sanctum bff demo listening on ") {
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

    async fn post(&self, path: &str, cookie: Option<&str>, body: Value) -> reqwest::Response {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("bff answers")
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

/// The session cookie a response sets, checked for `HttpOnly` and `SameSite`; and the body.
async fn session_cookie_and_body(response: reqwest::Response) -> (String, String) {
    let headers = response.headers().clone();
    let body = response.text().await.expect("body");
    let set = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("bff_session="))
        .unwrap_or_else(|| panic!("a session cookie; body: {body}"))
        .to_owned();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    (set.split(';').next().expect("name=value").to_owned(), body)
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
        assert!(out.status().is_success(), "{}", out.status());
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
    let pending = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("bff_pending="))
        .expect("a pending-challenge cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    let challenge: Value = response.json().await.expect("json");
    assert_eq!(challenge["challenge"], "NEW_PASSWORD_REQUIRED");
    let response = bff
        .post(
            "/login/respond",
            Some(&pending),
            json!({"new_password": "Carol-N3w-Passw0rd"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let (carol_cookie, _) = session_cookie_and_body(response).await;
    let me: Value = bff
        .get("/me", Some(&carol_cookie))
        .await
        .json()
        .await
        .expect("claims");
    assert_eq!(me["username"], "carol");
}

#[tokio::test]
async fn logout_where_revoke_token_is_missing_signs_the_user_out_everywhere_against_moto() {
    let moto = MotoServer::shared();
    let pool = moto.create_pool().await.expect("pool");
    let client = pool.client().await.expect("client");
    user_with_password(&client, "alice").await;
    let bff = Bff::start(&pool);
    let cookie = bff.login("alice", PASSWORD).await;
    assert_eq!(bff.get("/me", Some(&cookie)).await.status(), 200);
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
    assert!(out.status().is_success(), "{}", out.status());
    assert_eq!(bff.get("/me", Some(&cookie)).await.status(), 401);
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
