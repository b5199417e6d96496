//! Cognito operations (feature `cognito`): sign-in flows, users, groups, devices, MFA and
//! passkeys through `aws-sdk-cognitoidentityprovider`.
//!
//! [`SanctumClient`] is the one entry point: it holds the SDK client, the pool and app client
//! (with its secret, if it has one) and a [`Verifier`] for the pool's tokens. Its operations
//! are grouped by who is calling:
//!
//! - [`client.auth()`](SanctumClient::auth) — the public app client: sign-in and its
//!   [steps](SignInStep), refresh, revoke, sign-up, forgotten passwords. No AWS credentials,
//!   no user token.
//! - [`client.user(&access_token)`](SanctumClient::user) — the signed-in user, with their own
//!   [`AccessToken`]: profile and attributes, password change, sign-out everywhere, and
//!   [`devices()`](SignedInUser::devices), [`mfa()`](SignedInUser::mfa),
//!   [`passkeys()`](SignedInUser::passkeys).
//! - [`client.admin()`](SanctumClient::admin) — the server with AWS credentials, by user name:
//!   [`users()`](Admin::users) (with their devices, MFA preference and sign-out),
//!   [`groups()`](Admin::groups), and admin sign-in.
//!
//! Credentials are typed ([`crate::credentials`]): an ID token or a user name where an access
//! token belongs does not compile.
//!
//! - [`Auth::sign_in`] signs in with `USER_SRP_AUTH` (the password never leaves the process),
//!   or with `USER_PASSWORD_AUTH` when the client is built with
//!   [`password_flow(PasswordFlow::UserPassword)`](SanctumClientBuilder::password_flow).
//! - Sign-in gives a [`SignInStep`]: [`Done`](SignInStep::Done) with [`Tokens`], or the next
//!   step (a new password, an MFA code, ...), each answered by its own method that takes only
//!   the right kind of answer. A step is `Serialize`/`Deserialize`: keep it between requests.
//! - [`Auth::user_auth`] runs choice-based sign-in (`USER_AUTH`): a preferred first factor
//!   ([`SignInFactor`]: password, SRP password, email or SMS code, passkey) or Cognito's
//!   `SELECT_CHALLENGE`; the SRP steps run inside sanctum.
//! - Remembered devices: [`Devices::confirm`] gives a [`DeviceSecret`] for the caller to store;
//!   [`Auth::user_srp_with_device`] then signs in with it (`DEVICE_SRP_AUTH`, in place of MFA).
//! - [`Auth::refresh`] refreshes with `GetTokensFromRefreshToken` (refresh-token rotation) or,
//!   where the endpoint lacks it, `REFRESH_TOKEN_AUTH`; [`Auth::revoke`] revokes a refresh
//!   token.
//! - [`TokenSession`] holds one sign-in's tokens and refreshes them ahead of expiry (one
//!   refresh for concurrent callers, rotated refresh tokens kept, one "sign in again" error);
//!   [`ClientCredentials::get_client_token`](crate::client_credentials::ClientCredentials::get_client_token)
//!   gets machine-to-machine tokens through `GetClientToken`; the token endpoint, the token
//!   cache and the tower layer need no SDK ([`crate::client_credentials`], feature
//!   `client-credentials`).
//! - With a revocation store ([`SanctumClientBuilder::revocations`]), global sign-outs,
//!   disabled and deleted users and revoked sessions ([`Auth::revoke_session`]) are recorded
//!   for the verifiers sharing the store; and `SanctumClient` is the online check's `GetUser`
//!   ([`crate::revocation::OnlineCheck`]).
//! - When the app client has a secret, `SECRET_HASH` is computed and sent on every call that
//!   needs it (sign-in, step answers, refresh, sign-up, confirmations, forgotten passwords,
//!   resent codes).
//! - Failures are [`CognitoError`]s: typed Cognito exceptions with code, message and request
//!   id, transport failures apart.
//! - Passwords, tokens, codes, sessions, SRP values and the client secret never appear in
//!   `Debug` output or logs. (The AWS SDK's own `aws_smithy_runtime` target logs raw error
//!   responses at TRACE level, whatever a server echoes in them: never enable TRACE for it in
//!   production.)
//!
//! ```no_run
//! use sanctum_core::cognito::{SanctumClient, SignInStep};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = SanctumClient::builder("us-east-1_AbC123xyz", "4a1b2c3d4e5f")
//!     .client_secret(std::env::var("CLIENT_SECRET")?)
//!     .build()
//!     .await?;
//!
//! let tokens = match client.auth().sign_in("alice", "correct horse").await? {
//!     SignInStep::Done(tokens) => tokens,
//!     // e.g. after an administrator created the user
//!     SignInStep::NewPassword(step) => step.answer(&client, "a new Passw0rd!").await?.into_tokens()?,
//!     other => return Err(format!("answer {:?} first", other.challenge_name()).into()),
//! };
//! let me = client.user(&tokens.access_token).profile().await?;
//! let groups = client.admin().groups().of_user_all(&me.username).await?;
//! println!("{} is in {} groups", me.username, groups.len());
//! # Ok(()) }
//! ```
//!
//! An ID token, or a user name, where the user's access token belongs does not compile:
//!
//! ```compile_fail
//! # async fn run(client: sanctum_core::cognito::SanctumClient, tokens: sanctum_core::cognito::Tokens) {
//! let id_token = tokens.id_token.unwrap();
//! client.user(&id_token).profile().await;
//! # }
//! ```
//!
//! ```compile_fail
//! # async fn run(client: sanctum_core::cognito::SanctumClient) {
//! use sanctum_core::credentials::Username;
//! client.user(&Username::new("alice")).sign_out_everywhere().await;
//! # }
//! ```
//!
//! and neither does a token where a user name belongs:
//!
//! ```compile_fail
//! # async fn run(client: sanctum_core::cognito::SanctumClient, tokens: sanctum_core::cognito::Tokens) {
//! client.admin().users().disable(&tokens.access_token).await;
//! # }
//! ```
//!
//! ## From pycognito, Amplify and the AWS API
//!
//! One name per operation; where another library names it otherwise:
//!
//! | pycognito | Amplify (JS) | AWS operation | sanctum |
//! |---|---|---|---|
//! | `authenticate` | `signIn` (SRP) | `InitiateAuth` `USER_SRP_AUTH` | [`client.auth().sign_in`](Auth::sign_in) ([`user_srp`](Auth::user_srp)) |
//! | — | `signIn` (`USER_PASSWORD_AUTH`) | `InitiateAuth` `USER_PASSWORD_AUTH` | [`client.auth().user_password`](Auth::user_password) |
//! | `admin_authenticate` | — | `AdminInitiateAuth` `ADMIN_USER_PASSWORD_AUTH` | [`client.admin().sign_in`](Admin::sign_in) |
//! | — | `signIn` (`CUSTOM_WITHOUT_SRP`) | `InitiateAuth` `CUSTOM_AUTH` | [`client.auth().custom_auth`](Auth::custom_auth) |
//! | — | `signIn` (`USER_AUTH`) | `InitiateAuth` `USER_AUTH` | [`client.auth().user_auth`](Auth::user_auth) |
//! | `respond_to_auth_challenge`, `new_password_challenge`, `respond_to_software_token_mfa_challenge`, `respond_to_sms_mfa_challenge` | `confirmSignIn` | `RespondToAuthChallenge` | the step's `answer` ([`SignInStep`]) |
//! | `renew_access_token` | `fetchAuthSession` | `GetTokensFromRefreshToken`, `InitiateAuth` `REFRESH_TOKEN_AUTH` | [`client.auth().refresh`](Auth::refresh), or [`TokenSession`] |
//! | — | `signOut` | `RevokeToken` | [`client.auth().revoke`](Auth::revoke), [`revoke_session`](Auth::revoke_session) |
//! | `logout` | `signOut({ global: true })` | `GlobalSignOut` | [`client.user(&t).sign_out_everywhere`](SignedInUser::sign_out_everywhere) |
//! | `admin_logout` | — | `AdminUserGlobalSignOut` | [`client.admin().users().sign_out`](Users::sign_out) |
//! | `register` | `signUp` | `SignUp` | [`client.auth().sign_up`](Auth::sign_up) |
//! | `confirm_sign_up` | `confirmSignUp` | `ConfirmSignUp` | [`client.auth().confirm_sign_up`](Auth::confirm_sign_up) |
//! | `admin_confirm_sign_up` | — | `AdminConfirmSignUp` | [`client.admin().users().confirm_sign_up`](Users::confirm_sign_up) |
//! | `initiate_forgot_password` | `resetPassword` | `ForgotPassword` | [`client.auth().forgot_password`](Auth::forgot_password) |
//! | `confirm_forgot_password` | `confirmResetPassword` | `ConfirmForgotPassword` | [`client.auth().confirm_forgot_password`](Auth::confirm_forgot_password) |
//! | `change_password` | `updatePassword` | `ChangePassword` | [`client.user(&t).change_password`](SignedInUser::change_password) |
//! | `get_user` | `fetchUserAttributes` | `GetUser` | [`client.user(&t).profile`](SignedInUser::profile) |
//! | `update_profile` | `updateUserAttributes` | `UpdateUserAttributes` | [`client.user(&t).update_attributes`](SignedInUser::update_attributes) |
//! | `admin_get_user` | — | `AdminGetUser` | [`client.admin().users().get`](Users::get) |
//! | `admin_create_user` (`create_user`) | — | `AdminCreateUser` | [`client.admin().users().create`](Users::create) |
//! | `admin_update_profile` (`update_user_attributes`) | — | `AdminUpdateUserAttributes` | [`client.admin().users().update_attributes`](Users::update_attributes) |
//! | `delete_user` | `deleteUser` | `DeleteUser` / `AdminDeleteUser` | [`client.user(&t).delete`](SignedInUser::delete) / [`client.admin().users().delete`](Users::delete) |
//! | `admin_enable_user`, `admin_disable_user` | — | `AdminEnableUser`, `AdminDisableUser` | [`users().enable`](Users::enable), [`users().disable`](Users::disable) |
//! | `get_users` | — | `ListUsers` | [`users().list`](Users::list) |
//! | `get_group`, `get_groups` | — | `GetGroup`, `ListGroups` | [`groups().get`](Groups::get), [`groups().list`](Groups::list) |
//! | `admin_add_user_to_group` (`add_user_to_group`) | — | `AdminAddUserToGroup` | [`client.admin().groups().add_user`](Groups::add_user) |
//! | `admin_remove_user_from_group` | — | `AdminRemoveUserFromGroup` | [`groups().remove_user`](Groups::remove_user) |
//! | `admin_list_groups_for_user` (`user_has_group`) | — | `AdminListGroupsForUser` | [`groups().of_user`](Groups::of_user), [`user_has_group`](Groups::user_has_group) |
//! | `get_groups_from_token` | — | (the token's `cognito:groups`) | [`client.verifier().verify(token, ..)`](Verifier::verify), then [`CognitoClaims::groups`](crate::CognitoClaims::groups) |
//! | `associate_software_token`, `verify_software_token` | `setUpTOTP`, `verifyTOTPSetup` | `AssociateSoftwareToken`, `VerifySoftwareToken` | [`client.user(&t).mfa()`](Mfa), or [`TotpSetupStep`] during sign-in |
//! | `set_user_mfa_preference` | `updateMFAPreference` | `SetUserMFAPreference` / `AdminSetUserMFAPreference` | [`Mfa::set_preference`] / [`Users::set_mfa_preference`] |
//! | — | `rememberDevice`, `forgetDevice`, `fetchDevices` | `ConfirmDevice`, `UpdateDeviceStatus`, `ForgetDevice`, `ListDevices` | [`client.user(&t).devices()`](Devices) |
//! | — | `associateWebAuthnCredential`, `listWebAuthnCredentials`, `deleteWebAuthnCredential` | `StartWebAuthnRegistration`, ... | [`client.user(&t).passkeys()`](Passkeys) |

mod admin;
mod auth;
mod client_token;
mod devices;
mod error;
mod groups;
#[cfg(feature = "test-util")]
#[doc(hidden)]
pub mod internals;
mod mfa;
mod observe;
mod paging;
mod passkeys;
mod revoke;
// `secret_hash` and `srp` are crate-private; their items are `pub` for the hidden `internals`
// re-export (feature `test-util`)
#[cfg_attr(not(feature = "test-util"), allow(unreachable_pub))]
mod secret_hash;
pub mod session;
#[cfg_attr(not(feature = "test-util"), allow(unreachable_pub))]
mod srp;
mod user;
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

use crate::clock::{Clock, SystemClock};
use crate::config::UserPool;
use crate::credentials::{AccessToken, ClientSecret};
use crate::error::ConfigError;
use crate::revocation::RevocationStore;
use crate::verify::Verifier;

pub use self::admin::Admin;
pub use self::auth::{
    Auth, CodeStep, CustomChallengeStep, DeviceStep, FirstFactor, MfaKind, NewPasswordStep,
    PasskeyStep, PasswordFlow, PasswordStep, SelectFactorStep, SelectMfaStep, SignInFactor,
    SignInStep, SignUp, SignUpResult, Tokens, TotpSetupStep, UnknownStep,
};
pub use self::devices::{ConfirmedDevice, Device, DeviceSecret, Devices, NewDevice};
pub use self::error::{AwsError, CognitoError};
pub use self::groups::{Group, GroupUpdate, Groups, NewGroup};
pub use self::mfa::{Mfa, MfaPreference, SoftwareTokenSecret};
pub use self::passkeys::{AuthFactor, Passkey, Passkeys, UserAuthFactors};
pub use self::session::{
    DEFAULT_REFRESH_MARGIN, SessionData, SessionEnd, SessionError, TokenSession,
    TokenSessionBuilder,
};
pub use self::srp::SrpError;
pub use self::user::SignedInUser;
pub use self::users::{CodeDelivery, ListUsers, MessageAction, NewUser, User, Users};

/// The SDK client type, re-exported for [`SanctumClientBuilder::configure_sdk`].
pub use aws_sdk_cognitoidentityprovider::Client as SdkClient;
/// The SDK configuration builder, as given to [`SanctumClientBuilder::configure_sdk`].
pub use aws_sdk_cognitoidentityprovider::config::Builder as SdkConfigBuilder;

/// Default limit on one Cognito operation, retries included: 30 s.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Attributes as Cognito sends them: name to value (`email`, `custom:tier`, ...).
///
/// Example: [`User::attributes`](crate::cognito::User) of a user from [`Users::get`].
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

    /// How [`Auth::sign_in`] proves the password (see
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

    /// The public app client's operations: sign-in and its steps, refresh, revoke, sign-up,
    /// forgotten passwords.
    #[must_use]
    pub fn auth(&self) -> Auth<'_> {
        Auth::new(self)
    }

    /// The signed-in user's own operations, with their access token: profile, attributes,
    /// password, sign-out everywhere, devices, MFA, passkeys.
    #[must_use]
    pub fn user<'a>(&'a self, access_token: &'a AccessToken) -> SignedInUser<'a> {
        SignedInUser::new(self, access_token)
    }

    /// The operations with the client's AWS credentials, by user name: users, groups, admin
    /// sign-in.
    #[must_use]
    pub fn admin(&self) -> Admin<'_> {
        Admin::new(self)
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
    /// use sanctum_core::cognito::SanctumClient;
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

    /// How [`Auth::sign_in`] proves the password: [`PasswordFlow::Srp`]
    /// (`USER_SRP_AUTH`, the default, as Amplify and pycognito) or
    /// [`PasswordFlow::UserPassword`] (`USER_PASSWORD_AUTH`, for app clients that allow only
    /// that flow, and for moto, which has no SRP; the password is then sent to Cognito).
    pub fn password_flow(mut self, flow: PasswordFlow) -> Self {
        self.password_flow = flow;
        self
    }

    /// Records the revocations done through this client in `store` (see
    /// [`crate::revocation`]): global sign-outs, disabled and deleted users (every token of the
    /// user issued until then) and revoked refresh tokens (their session's `origin_jti`, with
    /// [`Auth::revoke_session`]). Give the same store to your [`Verifier`]s (or a shared one,
    /// such as `RedisRevocations`) and they refuse those tokens at once. Without a store (the
    /// default) nothing is recorded.
    ///
    /// | operation | recorded, once Cognito confirmed it |
    /// |---|---|
    /// | [`Users::sign_out`], [`Users::disable`] | the user's tokens issued until then (`sub` read after the operation with `AdminGetUser`: the AWS credentials need that permission too) |
    /// | [`Users::delete`] | the same: the user is disabled first (`AdminDisableUser`), the `sub` read, then the user deleted |
    /// | [`SignedInUser::sign_out_everywhere`] (the user's own access token) | the user's tokens issued until then (that token's `sub`) |
    /// | [`Auth::revoke_session`], [`Auth::revoke_tokens`], [`TokenSession::revoke`] | the session's `origin_jti`, from its access token |
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
            // the span around every operation (`observe`) goes into a given client's copy too
            Some(client) => SdkClient::from_conf(
                client
                    .config()
                    .to_builder()
                    .interceptor(observe::OperationSpans)
                    .build(),
            ),
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
                SdkClient::from_conf(config.interceptor(observe::OperationSpans).build())
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

/// Sends an SDK request and maps its failure to a [`CognitoError`] of operation `$op`.
macro_rules! send {
    ($op:literal, $request:expr) => {
        $request
            .send()
            .await
            .map_err(|e| $crate::cognito::CognitoError::from_sdk($op, e))
    };
}
pub(crate) use send;

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
