//! fakecloud's Cognito for tests (feature `cognito`): the server that checks
//! what moto does not — SRP proofs, refresh-token rotation (`GetTokensFromRefreshToken`),
//! `RevokeToken`, `ExplicitAuthFlows`.
//!
//! [`FakecloudServer::start`] runs the `fakecloud` executable on 127.0.0.1 (a free port) with
//! in-memory state, waits until it answers, and kills it on drop. fakecloud is AGPL-licensed: it
//! runs as its own program, sanctum never links it. Install it first with
//! `scripts/setup-fakecloud.sh` (a pinned `cargo install` into
//! `~/.cache/sanctum/fakecloud-0.51.0`, about 30 minutes on 2 cores the first time); without it
//! the start **panics** — these tests never skip. The executable is found at, in order:
//! `$SANCTUM_FAKECLOUD` (the executable itself), `$SANCTUM_FAKECLOUD_ROOT/bin/fakecloud`,
//! `$HOME/.cache/sanctum/fakecloud-0.51.0/bin/fakecloud`.
//!
//! ```no_run
//! use sanctum_testkit::fakecloud::{FakecloudPoolOptions, FakecloudServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fakecloud = FakecloudServer::shared();
//! let pool = fakecloud
//!     .create_pool_with(FakecloudPoolOptions::new().refresh_rotation(true))
//!     .await?;
//! let client = pool.client().await?; // signs in with SRP, which fakecloud checks
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use aws_credential_types::Credentials;
use serde_json::{Value, json};

use crate::moto::{call_json, shared_server, spawn_answering, test_http_client};
use sanctum_core::cognito::{CognitoError, SanctumClient, SanctumClientBuilder};
use sanctum_core::error::ConfigError;

/// The fakecloud version the project pins (`scripts/setup-fakecloud.sh`).
pub const FAKECLOUD_VERSION: &str = "0.51.0";

/// How long [`FakecloudServer::start`] waits for the server to answer.
pub const FAKECLOUD_START_TIMEOUT: Duration = Duration::from_secs(60);

/// The region fakecloud's pools live in.
pub const FAKECLOUD_REGION: &str = "us-east-1";

/// A running fakecloud server; killed on drop.
#[derive(Debug)]
pub struct FakecloudServer {
    child: Child,
    addr: SocketAddr,
    http: reqwest::Client,
}

/// Where the `fakecloud` executable is looked for; see the [module docs](self).
#[must_use]
pub fn fakecloud_executable() -> PathBuf {
    if let Some(path) = std::env::var_os("SANCTUM_FAKECLOUD") {
        return PathBuf::from(path);
    }
    let root = std::env::var_os("SANCTUM_FAKECLOUD_ROOT").map_or_else(
        || {
            let home =
                std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
            home.join(".cache")
                .join("sanctum")
                .join(format!("fakecloud-{FAKECLOUD_VERSION}"))
        },
        PathBuf::from,
    );
    root.join("bin").join("fakecloud")
}

impl FakecloudServer {
    /// Starts fakecloud on 127.0.0.1 and waits (at most [`FAKECLOUD_START_TIMEOUT`]) until it
    /// answers. Blocking; fine to call from a test, async or not.
    ///
    /// # Panics
    /// When fakecloud is not installed (run `scripts/setup-fakecloud.sh`), or does not start.
    #[must_use]
    pub fn start() -> Self {
        Self::start_at(&fakecloud_executable())
    }

    /// Starts the `fakecloud` executable at `exe`; see [`start`](Self::start).
    ///
    /// # Panics
    /// When `exe` does not exist (run `scripts/setup-fakecloud.sh`), or the server does not
    /// start.
    #[must_use]
    pub fn start_at(exe: &std::path::Path) -> Self {
        assert!(
            exe.is_file(),
            "fakecloud is not installed at {}: run scripts/setup-fakecloud.sh (fakecloud tests never skip)",
            exe.display()
        );
        let (child, addr) = spawn_answering("fakecloud", FAKECLOUD_START_TIMEOUT, |addr| {
            let mut command = Command::new(exe);
            command
                .env("FAKECLOUD_ADDR", addr.to_string())
                .env("FAKECLOUD_LOG", "error")
                .env("FAKECLOUD_STORAGE_MODE", "memory")
                .env("FAKECLOUD_REGION", FAKECLOUD_REGION);
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
        static SHARED: Mutex<Weak<FakecloudServer>> = Mutex::new(Weak::new());
        shared_server(&SHARED, Self::start)
    }

    /// The endpoint URL, `http://127.0.0.1:{port}`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where fakecloud serves a pool's keys:
    /// `http://127.0.0.1:{port}/{pool}/.well-known/jwks.json`.
    #[must_use]
    pub fn jwks_url(&self, pool_id: &str) -> String {
        format!("{}/{pool_id}/.well-known/jwks.json", self.endpoint())
    }

    /// Calls a Cognito operation with a raw JSON body, as the `test` account fakecloud lets
    /// through without checking the signature (the one the SDK clients of
    /// [`FakecloudPool::client_builder`] use). For test set-up that `SanctumClient` does not
    /// cover.
    ///
    /// # Errors
    /// fakecloud's exception as a [`CognitoError`], or [`CognitoError::Transport`].
    pub async fn call(&self, operation: &str, body: Value) -> Result<Value, CognitoError> {
        const AUTHORIZATION: &str = "AWS4-HMAC-SHA256 \
            Credential=test/20260101/us-east-1/cognito-idp/aws4_request, \
            SignedHeaders=content-type;host;x-amz-target, Signature=0";
        call_json(
            &self.http,
            &self.endpoint(),
            Some(AUTHORIZATION),
            operation,
            body,
        )
        .await
    }

    /// Creates a pool with an app client without secret; see
    /// [`create_pool_with`](Self::create_pool_with).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn create_pool(&self) -> Result<FakecloudPool, CognitoError> {
        self.create_pool_with(FakecloudPoolOptions::default()).await
    }

    /// Creates a pool (password policy: 8 characters, upper, lower, digit) and an app client
    /// allowing SRP, the password flows and refresh (`ALLOW_USER_SRP_AUTH`,
    /// `ALLOW_USER_PASSWORD_AUTH`, `ALLOW_ADMIN_USER_PASSWORD_AUTH`, `ALLOW_REFRESH_TOKEN_AUTH`),
    /// reading `email` and `name`; with a secret, TOTP MFA, refresh-token rotation (no grace
    /// period), `ALLOW_USER_AUTH` and a device configuration as `options` say.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn create_pool_with(
        &self,
        options: FakecloudPoolOptions,
    ) -> Result<FakecloudPool, CognitoError> {
        let mut pool_request = json!({
            "PoolName": "sanctum-test",
            "Policies": {"PasswordPolicy": {
                "MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
                "RequireNumbers": true, "RequireSymbols": false
            }},
        });
        if options.device_tracking {
            pool_request["DeviceConfiguration"] = json!({
                "ChallengeRequiredOnNewDevice": false,
                "DeviceOnlyRememberedOnUserPrompt": false,
            });
        }
        let pool = self.call("CreateUserPool", pool_request).await?;
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
        let mut flows = vec![
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ];
        if options.user_auth {
            flows.push("ALLOW_USER_AUTH");
        }
        let mut request = json!({
            "UserPoolId": pool_id,
            "ClientName": "sanctum-test-client",
            "GenerateSecret": options.client_secret,
            "ExplicitAuthFlows": flows,
            "ReadAttributes": ["email", "email_verified", "name"],
        });
        if options.refresh_rotation {
            request["RefreshTokenRotation"] =
                json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": 0});
        }
        let client = self.call("CreateUserPoolClient", request).await?;
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
        Ok(FakecloudPool {
            endpoint: self.endpoint(),
            jwks_url: self.jwks_url(&pool_id),
            pool_id,
            client_id,
            client_secret,
        })
    }
}

impl Drop for FakecloudServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What [`FakecloudServer::create_pool_with`] creates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakecloudPoolOptions {
    /// Give the app client a secret (then `SECRET_HASH` is needed).
    pub client_secret: bool,
    /// Turn software-token MFA on for the pool (`OPTIONAL`).
    pub totp_mfa: bool,
    /// Turn refresh-token rotation on for the app client (no grace period).
    pub refresh_rotation: bool,
    /// Let the app client sign in by choice-based authentication (`ALLOW_USER_AUTH`).
    pub user_auth: bool,
    /// Give the pool a device configuration (devices remembered without asking the user, no
    /// challenge on a new device). fakecloud 0.51 stores it, tracks the devices
    /// `ConfirmDevice` names and lists them, but neither returns `NewDeviceMetadata` nor plays
    /// `DEVICE_SRP_AUTH`.
    pub device_tracking: bool,
}

impl FakecloudPoolOptions {
    /// No secret, no MFA, no rotation, no `USER_AUTH`, no device configuration.
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

    /// With or without refresh-token rotation.
    #[must_use]
    pub fn refresh_rotation(mut self, on: bool) -> Self {
        self.refresh_rotation = on;
        self
    }

    /// With or without choice-based sign-in (`ALLOW_USER_AUTH`).
    #[must_use]
    pub fn user_auth(mut self, on: bool) -> Self {
        self.user_auth = on;
        self
    }

    /// With or without a device configuration on the pool.
    #[must_use]
    pub fn device_tracking(mut self, on: bool) -> Self {
        self.device_tracking = on;
        self
    }
}

/// A pool and app client in a [`FakecloudServer`].
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakecloudPool {
    /// The endpoint URL of the server.
    pub endpoint: String,
    /// The user pool id.
    pub pool_id: String,
    /// The app client id.
    pub client_id: String,
    /// The app client secret, if it has one.
    pub client_secret: Option<String>,
    /// Where fakecloud serves the pool's keys.
    pub jwks_url: String,
}

impl std::fmt::Debug for FakecloudPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakecloudPool")
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

impl FakecloudPool {
    /// A [`SanctumClientBuilder`] for this pool: fakecloud's endpoint, static test credentials
    /// (`test`/`test`), region `us-east-1`, the client secret if any, and fakecloud's JWKS URL.
    /// Sign-in uses the default flow, SRP.
    pub fn client_builder(&self) -> SanctumClientBuilder {
        let mut builder = SanctumClient::builder(&self.pool_id, &self.client_id)
            .region(FAKECLOUD_REGION)
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
    /// When the settings are invalid (they are not, for a pool fakecloud created).
    pub async fn client(&self) -> Result<SanctumClient, ConfigError> {
        self.client_builder().build().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "run scripts/setup-fakecloud.sh (fakecloud tests never skip)")]
    fn a_missing_fakecloud_install_panics_and_says_how_to_install_it() {
        let _ = FakecloudServer::start_at(std::path::Path::new("/nonexistent/bin/fakecloud"));
    }

    #[test]
    fn the_default_executable_is_in_the_pinned_cache_directory() {
        if std::env::var_os("SANCTUM_FAKECLOUD").is_none()
            && std::env::var_os("SANCTUM_FAKECLOUD_ROOT").is_none()
        {
            assert!(
                fakecloud_executable().ends_with(".cache/sanctum/fakecloud-0.51.0/bin/fakecloud")
            );
        }
    }
}
