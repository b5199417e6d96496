//! The `web-app` set-up shared by `web_app.rs` (requests over TCP) and `web_app_browser.rs`
//! (headless Chromium, [`webdriver`]): a fakecloud pool with a managed-login app client and
//! two users, a running web-app (axum's `web-app` or `web-app-actix`), a redis-server; the
//! request-level scenarios both binaries must pass ([`web_app_scenarios`]).

#![allow(dead_code)] // each test file uses its own part of the helpers

pub(crate) mod web_app_scenarios;
pub(crate) mod webdriver;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sanctum_testkit::fakecloud::{FakecloudPoolOptions, FakecloudServer};
use sanctum_testkit::session::RedisServer;
use serde_json::json;

/// Every test user's password.
pub(crate) const PASSWORD: &str = "Web-App-Passw0rd";

/// A child process, killed on drop.
pub(crate) struct Process(pub(crate) Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A `redis-server` on 127.0.0.1 (no persistence), stopped on drop, and its URL.
pub(crate) fn start_redis() -> (RedisServer, String) {
    let port = free_port();
    (
        RedisServer::start(port),
        format!("redis://127.0.0.1:{port}/"),
    )
}

/// A pool with an app client for managed login whose callback and sign-out URLs are those of
/// the apps at `ports`, and two users: `admin` (group `admin`) and `user`.
pub(crate) struct Fixture {
    pub(crate) fakecloud: std::sync::Arc<FakecloudServer>,
    pub(crate) pool_id: String,
    pub(crate) client_id: String,
    pub(crate) admin: String,
    pub(crate) user: String,
}

pub(crate) async fn fixture(ports: &[u16]) -> Fixture {
    let fakecloud = FakecloudServer::shared();
    let pool = fakecloud
        .create_pool_with(FakecloudPoolOptions::new())
        .await
        .expect("pool");
    let client = fakecloud
        .call(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool.pool_id, "ClientName": "web-app",
                "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
                "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "email", "profile"],
                "CallbackURLs": ports.iter().map(|p| format!("http://127.0.0.1:{p}/callback")).collect::<Vec<_>>(),
                "LogoutURLs": ports.iter().map(|p| format!("http://127.0.0.1:{p}/")).collect::<Vec<_>>(),
                "SupportedIdentityProviders": ["COGNITO"],
            }),
        )
        .await
        .expect("client");
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id")
        .to_owned();
    fakecloud
        .call(
            "CreateGroup",
            json!({"UserPoolId": pool.pool_id, "GroupName": "admin"}),
        )
        .await
        .expect("group");
    let suffix = free_port();
    let (admin, user) = (format!("admin-{suffix}"), format!("user-{suffix}"));
    for name in [&admin, &user] {
        fakecloud
            .call(
                "AdminCreateUser",
                json!({"UserPoolId": pool.pool_id, "Username": name, "MessageAction": "SUPPRESS",
                       "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}]}),
            )
            .await
            .expect("user");
        fakecloud
            .call(
                "AdminSetUserPassword",
                json!({"UserPoolId": pool.pool_id, "Username": name, "Password": PASSWORD, "Permanent": true}),
            )
            .await
            .expect("password");
    }
    fakecloud
        .call(
            "AdminAddUserToGroup",
            json!({"UserPoolId": pool.pool_id, "Username": admin, "GroupName": "admin"}),
        )
        .await
        .expect("admin group");
    Fixture {
        fakecloud,
        pool_id: pool.pool_id,
        client_id,
        admin,
        user,
    }
}

/// A running web-app and a client that follows no redirect.
pub(crate) struct App {
    _process: Process,
    /// `http://127.0.0.1:{port}`
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
}

/// The axum `web-app`, started.
pub(crate) fn start_app(f: &Fixture, port: u16, redis_url: Option<&str>) -> App {
    start_app_binary(env!("CARGO_BIN_EXE_web-app"), f, port, redis_url)
}

/// The web-app binary `bin` (`web-app` or `web-app-actix`: the same contract), started.
pub(crate) fn start_app_binary(bin: &str, f: &Fixture, port: u16, redis_url: Option<&str>) -> App {
    let mut command = Command::new(bin);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SANCTUM_USER_POOL_ID", &f.pool_id)
        .env("SANCTUM_CLIENT_ID", &f.client_id)
        .env("SANCTUM_LOGIN_DOMAIN", f.fakecloud.endpoint())
        .env("SANCTUM_APP_URL", format!("http://127.0.0.1:{port}"))
        .env("SANCTUM_ADDR", format!("127.0.0.1:{port}"))
        .env("SANCTUM_COGNITO_ENDPOINT", f.fakecloud.endpoint())
        .env("RUST_LOG", "warn");
    if let Some(url) = redis_url {
        command.env("SANCTUM_REDIS_URL", url);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start web-app");
    let stdout = child.stdout.take().expect("piped stdout");
    let process = Process(child);
    let (tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let line = lines
        .recv_timeout(Duration::from_secs(60))
        .expect("web-app prints its banner");
    let base = line
        .strip_prefix("sanctum web-app listening on ")
        .expect("the banner")
        .trim()
        .to_owned();
    App {
        _process: process,
        base,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
    }
}
