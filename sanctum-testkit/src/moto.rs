//! moto's Cognito server for tests (feature `cognito`).
//!
//! [`MotoServer::start`] runs `<workspace>/.venv-moto/bin/moto_server` on 127.0.0.1 (a free
//! port) with TOTP checking on, waits until it answers, and kills it on drop.
//! Install it first with `scripts/setup-moto.sh`; without it the start **panics** — Cognito tests
//! never skip silently. `SANCTUM_MOTO_SERVER` may name another `moto_server` executable.
//!
//! ```no_run
//! use sanctum_testkit::moto::MotoServer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let moto = MotoServer::shared();
//! let pool = moto.create_pool().await?;
//! let client = pool.client().await?;
//! client.admin().users().set_password("alice", "Passw0rd!", true).await.ok();
//! # Ok(()) }
//! ```

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use serde_json::{Value, json};

use sanctum_core::cognito::{
    AwsError, CognitoError, PasswordFlow, SanctumClient, SanctumClientBuilder,
};
use sanctum_core::error::ConfigError;

/// How long [`MotoServer::start`] waits for the server to answer.
pub const MOTO_START_TIMEOUT: Duration = Duration::from_secs(60);

/// The region moto's pools live in.
pub const MOTO_REGION: &str = "us-east-1";

/// The TOTP secret moto's `AssociateSoftwareToken` always returns (base32, 12 characters).
pub const MOTO_TOTP_SECRET: &str = "asdfasdfasdf";

/// A running moto server; killed on drop.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    addr: SocketAddr,
    http: reqwest::Client,
}

fn moto_executable() -> PathBuf {
    if let Some(path) = std::env::var_os("SANCTUM_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().map(PathBuf::from).unwrap_or(manifest);
    workspace.join(".venv-moto").join("bin").join("moto_server")
}

pub(crate) fn free_port() -> u16 {
    match TcpListener::bind(("127.0.0.1", 0)).and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("cannot find a free port on 127.0.0.1: {e}"),
    }
}

/// The HTTP client of a test server's raw calls.
pub(crate) fn test_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        // each tokio test has its own runtime: never reuse a connection across them
        .pool_max_idle_per_host(0)
        .build()
        .unwrap_or_else(|e| panic!("cannot build an HTTP client: {e}"))
}

/// Starts a server process on a free 127.0.0.1 port (`command` builds it for an address) and
/// waits until it answers HTTP, at most `timeout`; three ports are tried, as another process
/// may take a free port before the server binds it. A server that never answers is killed.
///
/// # Panics
/// When the server does not start.
pub(crate) fn spawn_answering(
    name: &str,
    timeout: Duration,
    mut command: impl FnMut(SocketAddr) -> Command,
) -> (Child, SocketAddr) {
    /// Kills the child unless it is handed out.
    struct Guard(Option<Child>);
    impl Drop for Guard {
        fn drop(&mut self) {
            if let Some(child) = self.0.as_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
    let deadline = Instant::now() + timeout;
    for _attempt in 0..3 {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let child = command(addr)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let mut guard = Guard(Some(child));
        loop {
            if guard
                .0
                .as_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))))
            {
                break; // exited: try another port
            }
            if answers(addr)
                && let Some(child) = guard.0.take()
            {
                return (child, addr);
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not answer on {addr} within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("{name} exited before answering, three times: run it by hand to see why")
}

/// The server in `slot` while anyone holds it, else a new one from `start`: tests of one
/// binary share a server, killed when the last holder drops it.
pub(crate) fn shared_server<T>(slot: &Mutex<Weak<T>>, start: impl FnOnce() -> T) -> Arc<T> {
    let mut slot = match slot.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(server) = slot.upgrade() {
        return server;
    }
    let server = Arc::new(start());
    *slot = Arc::downgrade(&server);
    server
}

/// One `GET /` answered with any HTTP status line.
pub(crate) fn answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

impl MotoServer {
    /// Starts moto's server on 127.0.0.1 and waits (at most [`MOTO_START_TIMEOUT`]) until it
    /// answers. Blocking; fine to call from a test, async or not.
    ///
    /// # Panics
    /// When `.venv-moto` is missing (run `scripts/setup-moto.sh`), or the server does not start.
    #[must_use]
    pub fn start() -> Self {
        Self::start_at(&moto_executable())
    }

    /// Starts the `moto_server` executable at `exe`; see [`start`](Self::start).
    ///
    /// # Panics
    /// When `exe` does not exist (run `scripts/setup-moto.sh`), or the server does not start.
    #[must_use]
    pub fn start_at(exe: &std::path::Path) -> Self {
        assert!(
            exe.is_file(),
            "moto's server is not installed at {}: run scripts/setup-moto.sh (Cognito tests never skip)",
            exe.display()
        );
        let (child, addr) = spawn_answering("moto_server", MOTO_START_TIMEOUT, |addr| {
            let mut command = Command::new(exe);
            command
                .args(["-H", "127.0.0.1", "-p", &addr.port().to_string()])
                .env("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true");
            command
        });
        Self {
            child,
            addr,
            http: test_http_client(),
        }
    }

    /// A server shared by everyone holding the returned `Arc`: started on first use, killed when
    /// the last holder drops it. Tests of one binary share it; give each test its own pool.
    ///
    /// # Panics
    /// As [`start`](Self::start).
    #[must_use]
    pub fn shared() -> Arc<Self> {
        static SHARED: Mutex<Weak<MotoServer>> = Mutex::new(Weak::new());
        shared_server(&SHARED, Self::start)
    }

    /// The endpoint URL, `http://127.0.0.1:{port}`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where moto serves a pool's keys: `http://127.0.0.1:{port}/{pool}/.well-known/jwks.json`.
    #[must_use]
    pub fn jwks_url(&self, pool_id: &str) -> String {
        format!("{}/{pool_id}/.well-known/jwks.json", self.endpoint())
    }

    /// Calls a Cognito operation (`CreateUserPool`, ...) with a raw JSON body, unsigned (moto
    /// does not check signatures). For test set-up that `SanctumClient` does not cover.
    ///
    /// # Errors
    /// moto's exception as a [`CognitoError`], or [`CognitoError::Transport`].
    pub async fn call(&self, operation: &str, body: Value) -> Result<Value, CognitoError> {
        call_json(&self.http, &self.endpoint(), None, operation, body).await
    }

    /// Creates a pool with an app client without secret; see [`create_pool_with`](Self::create_pool_with).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn create_pool(&self) -> Result<MotoPool, CognitoError> {
        self.create_pool_with(MotoPoolOptions::default()).await
    }

    /// Creates a pool (password policy: 8 characters, upper, lower, digit) and an app client
    /// allowing the password and refresh flows, reading `email` and `name`.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn create_pool_with(
        &self,
        options: MotoPoolOptions,
    ) -> Result<MotoPool, CognitoError> {
        let pool = self
            .call(
                "CreateUserPool",
                json!({
                    "PoolName": "sanctum-test",
                    "Policies": {"PasswordPolicy": {
                        "MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
                        "RequireNumbers": true, "RequireSymbols": false
                    }},
                }),
            )
            .await?;
        let pool_id = pool
            .pointer("/UserPool/Id")
            .and_then(Value::as_str)
            .ok_or(CognitoError::UnexpectedResponse {
                operation: "CreateUserPool",
                what: "no pool id",
            })?
            .to_owned();
        if options.totp_mfa {
            self.call(
                "SetUserPoolMfaConfig",
                json!({
                    "UserPoolId": pool_id,
                    "SoftwareTokenMfaConfiguration": {"Enabled": true},
                    "MfaConfiguration": "OPTIONAL",
                }),
            )
            .await?;
        }
        let client = self
            .call(
                "CreateUserPoolClient",
                json!({
                    "UserPoolId": pool_id,
                    "ClientName": "sanctum-test-client",
                    "GenerateSecret": options.client_secret,
                    "ExplicitAuthFlows": [
                        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                        "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"
                    ],
                    "ReadAttributes": ["email", "email_verified", "name"],
                }),
            )
            .await?;
        let client_id = client
            .pointer("/UserPoolClient/ClientId")
            .and_then(Value::as_str)
            .ok_or(CognitoError::UnexpectedResponse {
                operation: "CreateUserPoolClient",
                what: "no client id",
            })?
            .to_owned();
        let client_secret = client
            .pointer("/UserPoolClient/ClientSecret")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(MotoPool {
            endpoint: self.endpoint(),
            jwks_url: self.jwks_url(&pool_id),
            pool_id,
            client_id,
            client_secret,
        })
    }
}

/// One Cognito operation as a raw JSON call, unsigned or with a given `Authorization` header
/// (moto and fakecloud do not check signatures); an exception becomes its [`CognitoError`].
pub(crate) async fn call_json(
    http: &reqwest::Client,
    endpoint: &str,
    authorization: Option<&str>,
    operation: &str,
    body: Value,
) -> Result<Value, CognitoError> {
    let transport = |e: reqwest::Error| CognitoError::Transport {
        operation: "test server call",
        message: e.to_string(),
        source: Box::new(e),
    };
    let mut request = http.post(endpoint);
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    let response = request
        .header("Content-Type", "application/x-amz-json-1.1")
        .header(
            "X-Amz-Target",
            format!("AWSCognitoIdentityProviderService.{operation}"),
        )
        .body(body.to_string())
        .send()
        .await
        .map_err(transport)?;
    let status = response.status();
    let request_id = response
        .headers()
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.map_err(transport)?;
    let value: Value = if text.is_empty() {
        json!({})
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    if status.is_success() {
        return Ok(value);
    }
    let code = value.get("__type").and_then(Value::as_str).map_or_else(
        || format!("HTTP {status}"),
        |t| t.rsplit('#').next().unwrap_or(t).to_owned(),
    );
    Err(CognitoError::from_aws(AwsError {
        code,
        message: value
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned),
        request_id,
    }))
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What [`MotoServer::create_pool_with`] creates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MotoPoolOptions {
    /// Give the app client a secret (then `SECRET_HASH` is needed).
    pub client_secret: bool,
    /// Turn software-token MFA on for the pool (`OPTIONAL`).
    pub totp_mfa: bool,
}

impl MotoPoolOptions {
    /// No secret, no MFA.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// With or without a client secret.
    #[must_use]
    pub fn client_secret(mut self, on: bool) -> Self {
        self.client_secret = on;
        self
    }

    /// With or without software-token MFA.
    #[must_use]
    pub fn totp_mfa(mut self, on: bool) -> Self {
        self.totp_mfa = on;
        self
    }
}

/// A pool and app client in a [`MotoServer`].
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MotoPool {
    /// The endpoint URL of the server.
    pub endpoint: String,
    /// The user pool id.
    pub pool_id: String,
    /// The app client id.
    pub client_id: String,
    /// The app client secret, if it has one.
    pub client_secret: Option<String>,
    /// Where moto serves the pool's keys.
    pub jwks_url: String,
}

impl std::fmt::Debug for MotoPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MotoPool")
            .field("endpoint", &self.endpoint)
            .field("pool_id", &self.pool_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("jwks_url", &self.jwks_url)
            .finish()
    }
}

impl MotoPool {
    /// A [`SanctumClientBuilder`] for this pool: moto's endpoint, static test credentials
    /// (`test`/`test`), region `us-east-1`, the client secret if any, and moto's JWKS URL.
    ///
    /// Its [`Auth::sign_in`](sanctum_core::cognito::Auth::sign_in) uses
    /// [`PasswordFlow::UserPassword`]: moto accepts any SRP proof, so only the password flow lets
    /// a test against moto see a wrong password refused (SRP is tested against fakecloud, which
    /// checks proofs). Set [`PasswordFlow::Srp`] on the builder to run SRP through moto anyway.
    pub fn client_builder(&self) -> SanctumClientBuilder {
        let mut builder = SanctumClient::builder(&self.pool_id, &self.client_id)
            .region(MOTO_REGION)
            .password_flow(PasswordFlow::UserPassword)
            .endpoint_url(&self.endpoint)
            .credentials(Credentials::new("test", "test", None, None, "static"))
            .with_jwks_url(&self.jwks_url);
        if let Some(secret) = &self.client_secret {
            builder = builder.client_secret(secret);
        }
        builder
    }

    /// A client from [`client_builder`](Self::client_builder).
    ///
    /// # Errors
    /// When the settings are invalid (they are not, for a pool moto created).
    pub async fn client(&self) -> Result<SanctumClient, ConfigError> {
        self.client_builder().build().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "run scripts/setup-moto.sh (Cognito tests never skip)")]
    fn a_missing_moto_install_panics_and_says_how_to_install_it() {
        let _ = MotoServer::start_at(std::path::Path::new(
            "/nonexistent/.venv-moto/bin/moto_server",
        ));
    }

    #[test]
    fn the_default_executable_is_in_the_workspace_venv() {
        if std::env::var_os("SANCTUM_MOTO_SERVER").is_none() {
            assert!(moto_executable().ends_with(".venv-moto/bin/moto_server"));
        }
    }
}
