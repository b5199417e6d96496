//! Cognito operations (feature `cognito`): sign-in flows, users, groups and MFA through
//! `aws-sdk-cognitoidentityprovider`.
//!
//! [`SanctumClient`] is the one entry point: it holds the SDK client, the pool and app client
//! (with its secret, if it has one) and a [`Verifier`] for the pool's tokens. Its parts group the
//! operations — [`auth`](SanctumClient::auth) (sign-in and tokens), [`users`](SanctumClient::users),
//! [`groups`](SanctumClient::groups), [`mfa`](SanctumClient::mfa), [`devices`](SanctumClient::devices),
//! [`passkeys`](SanctumClient::passkeys) — and the most used ones are also methods of the client
//! itself.
//!
//! - [`authenticate_user`](SanctumClient::authenticate_user) signs in with `USER_SRP_AUTH` (the
//!   password never leaves the process; [`srp`] has the arithmetic), or with
//!   `USER_PASSWORD_AUTH` when the client is built with
//!   [`password_flow(PasswordFlow::UserPassword)`](SanctumClientBuilder::password_flow).
//! - Sign-in returns an [`AuthResult`]: tokens, or a [`Challenge`] that keeps its session and
//!   parameters and says what answering it needs ([`Challenge::expects`]), answered with
//!   [`respond_to_auth_challenge`](SanctumClient::respond_to_auth_challenge); an answer of the
//!   wrong kind is refused before any request.
//! - [`Auth::user_auth`] runs choice-based sign-in (`USER_AUTH`): a preferred first factor
//!   ([`SignInFactor`]: password, SRP password, email or SMS code, passkey) or Cognito's
//!   `SELECT_CHALLENGE`; the SRP steps run inside sanctum.
//! - Remembered devices: [`Devices::confirm`] gives a [`DeviceSecret`] for the caller to store;
//!   [`Auth::user_srp_with_device`] then signs in with it (`DEVICE_SRP_AUTH`, in place of MFA).
//! - [`Auth::refresh`] refreshes with `GetTokensFromRefreshToken` (refresh-token rotation) or,
//!   where the endpoint lacks it, `REFRESH_TOKEN_AUTH`; [`Auth::revoke`] revokes a refresh token.
//! - [`Session`] holds one sign-in's tokens and refreshes them ahead of expiry (one refresh for
//!   concurrent callers, rotated refresh tokens kept, one "sign in again" error);
//!   [`ClientCredentials`] gets machine-to-machine tokens (client-credentials grant) and
//!   [`ClientCredentialsLayer`] adds them to outgoing requests.
//! - With a revocation store ([`SanctumClientBuilder::revocations`]), global sign-outs,
//!   disabled and deleted users and revoked sessions ([`SanctumClient::revoke_session`]) are
//!   recorded for the verifiers sharing the store; and `SanctumClient` is the online check's
//!   `GetUser` ([`crate::revocation::OnlineCheck`]).
//! - When the app client has a secret, `SECRET_HASH` is computed and sent on every call that
//!   needs it (sign-in, challenge answers, refresh, sign-up, confirmations, forgotten passwords,
//!   resent codes).
//! - Failures are [`CognitoError`]s: typed Cognito exceptions with code, message and request id,
//!   transport failures apart.
//! - Passwords, tokens, codes, sessions, SRP values and the client secret never appear in `Debug`
//!   output or logs. (The AWS SDK's own `aws_smithy_runtime` target logs raw error responses at
//!   TRACE level, whatever a server echoes in them: never enable TRACE for it in production.)
//!
//! ```no_run
//! use sanctum_core::cognito::{AuthResult, ChallengeAnswer, SanctumClient};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = SanctumClient::builder("us-east-1_AbC123xyz", "4a1b2c3d4e5f")
//!     .client_secret(std::env::var("CLIENT_SECRET")?)
//!     .build()
//!     .await?;
//!
//! let tokens = match client.authenticate_user("alice", "correct horse").await? {
//!     AuthResult::Tokens(tokens) => tokens,
//!     AuthResult::Challenge(challenge) => {
//!         // e.g. NEW_PASSWORD_REQUIRED after an admin created the user
//!         let answer = ChallengeAnswer::new_password("a new Passw0rd!");
//!         client.respond_to_auth_challenge(&challenge, answer).await?.into_tokens()?
//!     }
//! };
//! let groups = client.get_groups_from_token(&tokens.access_token).await?;
//! println!("alice is in {groups:?}");
//! # Ok(()) }
//! ```

mod auth;
pub mod client_credentials;
mod devices;
mod error;
mod groups;
mod mfa;
mod paging;
mod passkeys;
mod revoke;
mod secret_hash;
pub mod session;
pub mod srp;
mod users;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider as sdk;
use sdk::config::Region;
use sdk::config::timeout::TimeoutConfig;

use crate::claims::ExpectedUse;
use crate::clock::{Clock, SystemClock};
use crate::config::UserPool;
use crate::error::ConfigError;
use crate::revocation::RevocationStore;
use crate::verify::Verifier;

pub use self::auth::{
    AnswerKind, Auth, AuthResult, Challenge, ChallengeAnswer, ChallengeName, FirstFactor,
    PasswordFlow, SignInFactor, Tokens,
};
pub use self::client_credentials::{
    BearerRequest, BoxError, ClientCredentials, ClientCredentialsBuilder, ClientCredentialsError,
    ClientCredentialsLayer, ClientCredentialsService, ClientToken, DEFAULT_TOKEN_MARGIN,
    DEFAULT_TOKEN_TIMEOUT,
};
pub use self::devices::{ConfirmedDevice, Device, DeviceSecret, Devices, NewDevice};
pub use self::error::{AwsError, CognitoError};
pub use self::groups::{Group, GroupUpdate, Groups, NewGroup};
pub use self::mfa::{
    Mfa, MfaPreference, SoftwareTokenSecret, SoftwareTokenTarget, SoftwareTokenVerified,
};
pub use self::passkeys::{AuthFactor, Passkey, Passkeys, UserAuthFactors};
pub use self::secret_hash::{ClientSecret, secret_hash};
pub use self::session::{
    DEFAULT_REFRESH_MARGIN, Session, SessionBuilder, SessionData, SessionEnd, SessionError,
};
pub use self::users::{
    CodeDelivery, ListUsers, MessageAction, NewUser, SignUp, SignUpResult, User, Users,
};

/// The SDK client type, re-exported for [`SanctumClientBuilder::configure_sdk`].
pub use aws_sdk_cognitoidentityprovider::Client as SdkClient;
/// The SDK configuration builder, as given to [`SanctumClientBuilder::configure_sdk`].
pub use aws_sdk_cognitoidentityprovider::config::Builder as SdkConfigBuilder;

/// Default limit on one Cognito operation, retries included: 30 s.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Attributes as Cognito sends them: name to value (`email`, `custom:tier`, ...).
pub type Attributes = HashMap<String, String>;

/// The entry point to Cognito operations for one user pool and one app client. Cheap to clone.
///
/// See the [module docs](self) for an example.
#[derive(Clone)]
pub struct SanctumClient {
    inner: Arc<Inner>,
}

struct Inner {
    sdk: SdkClient,
    region: String,
    pool_id: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    endpoint_url: Option<String>,
    verifier: Verifier,
    password_flow: PasswordFlow,
    /// The endpoint lacks `GetTokensFromRefreshToken`: refresh with `REFRESH_TOKEN_AUTH`; see
    /// [`Auth::refresh`].
    refresh_token_auth_only: AtomicBool,
    clock: Arc<dyn Clock>,
    /// Where sign-outs, disabled and deleted users and revoked refresh tokens are recorded.
    revocations: Option<Arc<dyn RevocationStore>>,
}

impl fmt::Debug for SanctumClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SanctumClient")
            .field("region", &self.inner.region)
            .field("pool_id", &self.inner.pool_id)
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &self.inner.client_secret)
            .field("endpoint_url", &self.inner.endpoint_url)
            .field("password_flow", &self.inner.password_flow)
            .field("revocations", &self.inner.revocations)
            .finish_non_exhaustive()
    }
}

impl SanctumClient {
    /// Starts a client for pool `pool_id` (`us-east-1_AbC123xyz`), in the region the id names,
    /// signing in through app client `client_id`. As [`UserPool::new`], which the client's
    /// verifier is built from; [`SanctumClientBuilder::region`] states the region explicitly.
    pub fn builder(
        pool_id: impl Into<String>,
        client_id: impl Into<String>,
    ) -> SanctumClientBuilder {
        let pool_id = pool_id.into();
        SanctumClientBuilder {
            region: crate::config::pool_id_region(&pool_id)
                .unwrap_or_default()
                .to_owned(),
            pool_id,
            client_id: client_id.into(),
            client_secret: None,
            endpoint_url: None,
            credentials: None,
            issuer: None,
            jwks_url: None,
            verifier: None,
            timeout: DEFAULT_OPERATION_TIMEOUT,
            configure_sdk: None,
            sdk_config: None,
            sdk_client: None,
            password_flow: PasswordFlow::default(),
            clock: None,
            revocations: None,
        }
    }

    /// The AWS region.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The user pool id.
    #[must_use]
    pub fn pool_id(&self) -> &str {
        &self.inner.pool_id
    }

    /// The app client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// How [`authenticate_user`](Self::authenticate_user) proves the password (see
    /// [`SanctumClientBuilder::password_flow`]).
    #[must_use]
    pub fn password_flow(&self) -> PasswordFlow {
        self.inner.password_flow
    }

    /// Whether the app client has a secret (and so `SECRET_HASH` is sent).
    #[must_use]
    pub fn has_client_secret(&self) -> bool {
        self.inner.client_secret.is_some()
    }

    /// The verifier for this pool's tokens.
    #[must_use]
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The underlying SDK client, for operations sanctum does not wrap.
    #[must_use]
    pub fn sdk(&self) -> &SdkClient {
        &self.inner.sdk
    }

    /// Sign-in flows, challenges and tokens.
    #[must_use]
    pub fn auth(&self) -> Auth<'_> {
        Auth::new(self)
    }

    /// User administration and self-service.
    #[must_use]
    pub fn users(&self) -> Users<'_> {
        Users::new(self)
    }

    /// Groups and membership.
    #[must_use]
    pub fn groups(&self) -> Groups<'_> {
        Groups::new(self)
    }

    /// Software-token (TOTP) MFA and MFA preferences.
    #[must_use]
    pub fn mfa(&self) -> Mfa<'_> {
        Mfa::new(self)
    }

    /// Remembered devices: confirm, remember, forget, list.
    #[must_use]
    pub fn devices(&self) -> Devices<'_> {
        Devices::new(self)
    }

    /// Passkeys (WebAuthn credentials) and the user's sign-in factors.
    #[must_use]
    pub fn passkeys(&self) -> Passkeys<'_> {
        Passkeys::new(self)
    }

    /// Verifies `token` (access or ID) with the pool's [`Verifier`] and returns its
    /// `cognito:groups`. An unverified token never yields groups.
    ///
    /// # Errors
    /// [`CognitoError::InvalidToken`] when verification fails.
    pub async fn get_groups_from_token(&self, token: &str) -> Result<Vec<String>, CognitoError> {
        let claims = self
            .inner
            .verifier
            .verify(token, ExpectedUse::Either)
            .await?;
        Ok(claims.groups().map(str::to_owned).collect())
    }

    /// The `SECRET_HASH` for `username`, when the app client has a secret.
    pub(crate) fn secret_hash(&self, username: &str) -> Option<String> {
        self.inner
            .client_secret
            .as_ref()
            .map(|s| s.secret_hash(username, &self.inner.client_id))
    }

    /// The clock the client (and the sessions it starts) reads time from.
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The app client secret itself, for the operations that take it (`RevokeToken`,
    /// `GetTokensFromRefreshToken`).
    pub(crate) fn client_secret_value(&self) -> Option<String> {
        self.inner
            .client_secret
            .as_ref()
            .map(|s| s.expose().to_owned())
    }
}

type ConfigureSdk = Box<dyn FnOnce(SdkConfigBuilder) -> SdkConfigBuilder + Send>;

/// Configures a [`SanctumClient`]; from [`SanctumClient::builder`].
///
/// AWS credentials come from the usual AWS chain (environment, profile, container, instance)
/// unless [`credentials`](Self::credentials) sets them.
#[must_use]
pub struct SanctumClientBuilder {
    region: String,
    pool_id: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    endpoint_url: Option<String>,
    credentials: Option<Credentials>,
    issuer: Option<String>,
    jwks_url: Option<String>,
    verifier: Option<Verifier>,
    timeout: Duration,
    configure_sdk: Option<ConfigureSdk>,
    password_flow: PasswordFlow,
    clock: Option<Arc<dyn Clock>>,
    sdk_config: Option<aws_config::SdkConfig>,
    sdk_client: Option<SdkClient>,
    revocations: Option<Arc<dyn RevocationStore>>,
}

impl fmt::Debug for SanctumClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SanctumClientBuilder")
            .field("region", &self.region)
            .field("pool_id", &self.pool_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("endpoint_url", &self.endpoint_url)
            .field("static_credentials", &self.credentials.is_some())
            .field("issuer", &self.issuer)
            .field("jwks_url", &self.jwks_url)
            .field("custom_verifier", &self.verifier.is_some())
            .field("timeout", &self.timeout)
            .field("password_flow", &self.password_flow)
            .field("custom_clock", &self.clock.is_some())
            .field("revocations", &self.revocations)
            .finish_non_exhaustive()
    }
}

impl SanctumClientBuilder {
    /// The app client's secret: `SECRET_HASH` is then sent on every call that needs it.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(ClientSecret::new(secret));
        self
    }

    /// Sends requests to this endpoint instead of AWS (an emulator such as moto:
    /// `http://127.0.0.1:5000`).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// States the AWS region explicitly; it must be the one the pool id names (a mismatch is a
    /// [`ConfigError::RegionMismatch`] from [`build`](Self::build)).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Uses these AWS credentials instead of the default chain.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Starts from the AWS configuration your application already loaded
    /// (`aws_config::load_from_env().await`, shared by all its AWS clients) instead of loading
    /// one: credentials, retries and timeouts come from it. The pool's region, and the
    /// builder's `endpoint_url`, `credentials`, `timeout` and `configure_sdk`, still apply on
    /// top.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use sanctum_core::SanctumClient;
    ///
    /// let shared = aws_config::load_from_env().await;
    /// let client = SanctumClient::builder("us-east-1_AbC123xyz", "4a1b2c3d4e5f")
    ///     .sdk_config(&shared)
    ///     .build()
    ///     .await?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn sdk_config(mut self, config: &aws_config::SdkConfig) -> Self {
        self.sdk_config = Some(config.clone());
        self
    }

    /// Uses this Cognito SDK client as it is (its endpoint, credentials, retries and timeouts);
    /// the builder's `endpoint_url`, `credentials`, `timeout`, `configure_sdk` and
    /// `sdk_config` are then not used for Cognito calls.
    pub fn sdk_client(mut self, client: SdkClient) -> Self {
        self.sdk_client = Some(client);
        self
    }

    /// Overrides the `iss` the client's verifier expects (as [`UserPool::with_issuer`]).
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Overrides where the client's verifier fetches keys (as [`UserPool::with_jwks_url`]);
    /// emulators serve them on loopback.
    pub fn with_jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Uses this verifier (e.g. shared with the web layer) instead of building one; then
    /// [`with_issuer`](Self::with_issuer) and [`with_jwks_url`](Self::with_jwks_url) are ignored,
    /// and so is [`revocations`](Self::revocations) for it: build it with the same store.
    pub fn verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// The longest one operation may take, retries included (default
    /// [`DEFAULT_OPERATION_TIMEOUT`]); it then fails with [`CognitoError::Transport`]. The
    /// SDK's connect timeout still applies.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How [`SanctumClient::authenticate_user`] proves the password: [`PasswordFlow::Srp`]
    /// (`USER_SRP_AUTH`, the default, as Amplify and pycognito) or
    /// [`PasswordFlow::UserPassword`] (`USER_PASSWORD_AUTH`, for app clients that allow only
    /// that flow; the password is then sent to Cognito).
    pub fn password_flow(mut self, flow: PasswordFlow) -> Self {
        self.password_flow = flow;
        self
    }

    /// Records the revocations done through this client in `store` (see
    /// [`crate::revocation`]): global sign-outs, disabled and deleted users (every token of the
    /// user issued until then) and revoked refresh tokens (their session's `origin_jti`, with
    /// [`SanctumClient::revoke_session`]). Give the same store to your [`Verifier`]s (or a shared one,
    /// such as `RedisRevocations`) and they refuse those tokens at once. Without a store (the
    /// default) nothing is recorded.
    ///
    /// | operation | recorded, once Cognito confirmed it |
    /// |---|---|
    /// | [`Users::global_sign_out`], [`Users::disable`] | the user's tokens issued until then (`sub` read after the operation with `AdminGetUser`: the AWS credentials need that permission too) |
    /// | [`Users::delete`] | the same: the user is disabled first (`AdminDisableUser`), the `sub` read, then the user deleted |
    /// | [`Auth::global_sign_out`] (the user's own access token) | the user's tokens issued until then (that token's `sub`) |
    /// | [`SanctumClient::revoke_session`], [`SanctumClient::revoke_tokens`], [`Session::revoke`] | the session's `origin_jti`, from one of its access or ID tokens |
    ///
    /// The operation runs first: `AdminGetUser` (whose quota a flood of requests can exhaust)
    /// cannot hold back a sign-out or a disabling. When Cognito did the operation but nothing
    /// could be recorded, the call fails with [`CognitoError::RevocationNotRecorded`].
    ///
    /// "Until then" is the `Date` of Cognito's answer to the operation (Cognito's clock, the one
    /// that stamps `iat`; the client's [clock](Self::clock) when the answer has none), and covers
    /// that whole second: a token whose `iat` is that second may be from before it and is
    /// refused; tokens of the next second are accepted. [`Auth::revoke`] alone records nothing
    /// (Cognito's refresh token is opaque and names no `origin_jti`).
    ///
    /// The client's own [`verifier`](SanctumClient::verifier) checks the same store (unless one
    /// was given with [`verifier`](Self::verifier): build that one with the store).
    pub fn revocations(mut self, store: Arc<dyn RevocationStore>) -> Self {
        self.revocations = Some(store);
        self
    }

    /// The clock SRP's `TIMESTAMP` is taken from, and revocations are timed by (default: the
    /// system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Adjusts the SDK configuration last, after region, credentials and endpoint are set
    /// (retries, timeouts, interceptors, an HTTP client of your own).
    pub fn configure_sdk(
        mut self,
        configure: impl FnOnce(SdkConfigBuilder) -> SdkConfigBuilder + Send + 'static,
    ) -> Self {
        self.configure_sdk = Some(Box::new(configure));
        self
    }

    /// Checks the settings, loads the AWS configuration and builds the client.
    ///
    /// # Errors
    /// A [`ConfigError`] for an invalid region, pool id, client id, URL or empty secret.
    pub async fn build(self) -> Result<SanctumClient, ConfigError> {
        let verifier = match self.verifier {
            Some(verifier) => {
                // still check the values the SDK calls use
                UserPool::new(&self.pool_id)
                    .with_region(&self.region)
                    .client_id(&self.client_id)
                    .validate()?;
                verifier
            }
            None => {
                let mut pool = UserPool::new(&self.pool_id)
                    .with_region(&self.region)
                    .client_id(&self.client_id);
                if let Some(issuer) = self.issuer {
                    pool = pool.with_issuer(issuer);
                }
                if let Some(url) = self.jwks_url {
                    pool = pool.with_jwks_url(url);
                }
                let mut verifier = Verifier::builder().pool(pool);
                if let Some(store) = &self.revocations {
                    verifier = verifier.revocations(Arc::clone(store));
                }
                verifier.build()?
            }
        };
        if self.timeout.is_zero() {
            return Err(ConfigError::InvalidSetting {
                what: "timeout",
                reason: "must be more than zero",
            });
        }
        if self
            .client_secret
            .as_ref()
            .is_some_and(ClientSecret::is_empty)
        {
            return Err(ConfigError::InvalidSetting {
                what: "client_secret",
                reason: "must not be empty",
            });
        }
        if let Some(url) = &self.endpoint_url
            && !is_http_url(url)
        {
            return Err(ConfigError::InvalidUrl {
                what: "endpoint_url",
                value: url.clone(),
            });
        }

        let sdk = match self.sdk_client {
            Some(client) => client,
            None => {
                let shared = match self.sdk_config {
                    Some(shared) => shared,
                    None => {
                        aws_config::defaults(BehaviorVersion::latest())
                            .region(Region::new(self.region.clone()))
                            .load()
                            .await
                    }
                };
                let timeouts = shared
                    .timeout_config()
                    .map_or_else(TimeoutConfig::builder, TimeoutConfig::to_builder)
                    .operation_timeout(self.timeout)
                    .build();
                let mut config = SdkConfigBuilder::from(&shared)
                    .region(Region::new(self.region.clone()))
                    .timeout_config(timeouts);
                if let Some(credentials) = self.credentials {
                    config = config.credentials_provider(credentials);
                }
                if let Some(url) = &self.endpoint_url {
                    config = config.endpoint_url(url);
                }
                if let Some(configure) = self.configure_sdk {
                    config = configure(config);
                }
                SdkClient::from_conf(config.build())
            }
        };

        Ok(SanctumClient {
            inner: Arc::new(Inner {
                sdk,
                region: self.region,
                pool_id: self.pool_id,
                client_id: self.client_id,
                client_secret: self.client_secret,
                endpoint_url: self.endpoint_url,
                verifier,
                password_flow: self.password_flow,
                refresh_token_auth_only: AtomicBool::new(false),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                revocations: self.revocations,
            }),
        })
    }
}

fn is_http_url(value: &str) -> bool {
    (value.starts_with("https://") || value.starts_with("http://"))
        && reqwest::Url::parse(value).is_ok_and(|u| u.host_str().is_some_and(|h| !h.is_empty()))
}

/// Turns attribute pairs into the SDK's `AttributeType`s.
pub(crate) fn attribute_types<I, K, V>(
    attributes: I,
) -> Result<Vec<sdk::types::AttributeType>, CognitoError>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    attributes
        .into_iter()
        .map(|(name, value)| {
            sdk::types::AttributeType::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(|_| CognitoError::InvalidArgument {
                    what: "attributes",
                    reason: "an attribute has no name",
                })
        })
        .collect()
}

/// Turns the SDK's attributes into a map.
pub(crate) fn attribute_map(attributes: &[sdk::types::AttributeType]) -> Attributes {
    attributes
        .iter()
        .map(|a| {
            (
                a.name().to_owned(),
                a.value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_must_be_absolute_http() {
        assert!(is_http_url("http://127.0.0.1:5000"));
        assert!(is_http_url("https://cognito-idp.us-east-1.amazonaws.com"));
        assert!(!is_http_url("127.0.0.1:5000"));
        assert!(!is_http_url("ftp://example.com"));
    }
}
