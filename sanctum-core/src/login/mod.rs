//! Browser sign-in through Cognito's managed login (feature `managed-login`): the
//! authorization-code flow with PKCE, as an OpenID Connect relying party.
//!
//! [`ManagedLogin`] is one app client of a user pool with a managed-login domain
//! (`https://<prefix>.auth.<region>.amazoncognito.com`, a custom domain, or an emulator's
//! address). A sign-in takes two requests of the browser:
//!
//! 1. **`/login`**: [`ManagedLogin::authorize`] builds the authorize URL — `response_type=code`,
//!    the callback URL, the scopes, a fresh `state` and `nonce`, and the PKCE S256 challenge
//!    (RFC 7636) of a fresh `code_verifier` (all 256-bit values from the system's CSPRNG) —
//!    plus any of `identity_provider`, `idp_identifier`, `lang`, `prompt`, `login_hint`. The
//!    app redirects the browser there and keeps the [`PendingLogin`] (a serde value) in a
//!    short-lived `__Host-` cookie or its session store.
//! 2. **`/callback`**: [`Callback::from_query`] reads `code` and `state` (or Cognito's
//!    `error=`), and [`ManagedLogin::finish`] checks the pending sign-in's age and its `state`
//!    (in constant time), exchanges the code at `/oauth2/token` with the PKCE verifier, and
//!    verifies the ID token with the [`Verifier`] (signature, issuer, audience, expiry) plus
//!    its `nonce` and, when present, its `at_hash`. The result, [`SignedIn`], holds the
//!    tokens ([`LoginTokens`], serde, for a server-side session) and the ID token's claims.
//!
//! Later, [`ManagedLogin::refresh`] gets new tokens with the refresh token (keeping it, or
//! taking the rotated one), [`ManagedLogin::revoke`] revokes it at `/oauth2/revoke`, and
//! [`ManagedLogin::logout_url`] is Cognito's `/logout` address that ends the managed-login
//! session too.
//!
//! A confidential app client (with a secret) authenticates with HTTP Basic
//! (`client_secret_basic`, the default) or in the body ([`ClientAuth::Post`]); a public one
//! sends its `client_id` in the body. Every Cognito `error=` answer — in the callback or from
//! an endpoint — is a [`LoginError::OAuth`] with its [`OAuthErrorCode`]. No value here (code,
//! tokens, verifier, nonce, state, secret) shows in `Debug` or in logs.
//!
//! The HTTP calls use the verifier's own HTTP client (one client per application).
//!
//! ```no_run
//! use sanctum_core::login::{Callback, LoginDomain, ManagedLogin, PendingLogin};
//! use sanctum_core::{UserPool, Verifier};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::builder()
//!     .pool(UserPool::new("eu-west-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
//!     .build()?;
//! let login = ManagedLogin::builder(
//!     LoginDomain::cognito("my-app", "eu-west-1"),
//!     "4a1b2c3d4e5f",
//!     "https://app.example.com/callback",
//! )
//! .scopes(["openid", "email", "profile"])
//! .logout_uri("https://app.example.com/")
//! .build(&verifier)?;
//!
//! // GET /login: redirect the browser, keep the pending sign-in for this browser only
//! let start = login.authorize().lang("fr").build()?;
//! let kept: String = serde_json::to_string(&start.pending)?; // e.g. a `__Host-` cookie
//! println!("303 See Other, Location: {}", start.url);
//!
//! // GET /callback?code=...&state=...: take the pending sign-in back (once) and finish
//! # let query = "";
//! let pending: PendingLogin = serde_json::from_str(&kept)?;
//! let signed_in = login.finish(pending, &Callback::from_query(query)?).await?;
//! println!(
//!     "{} signed in, groups {:?}",
//!     signed_in.claims.username().unwrap_or("?"),
//!     signed_in.claims.groups().collect::<Vec<_>>()
//! );
//!
//! // later: new tokens, then sign-out
//! if let Some(refresh_token) = &signed_in.tokens.refresh_token {
//!     let refreshed = login.refresh(refresh_token).await?;
//!     login.revoke(refreshed.tokens.refresh_token.as_ref().unwrap_or(refresh_token)).await?;
//! }
//! println!("303 See Other, Location: {}", login.logout_url().unwrap_or_default());
//! # Ok(()) }
//! ```

mod authorize;
mod callback;
mod endpoint;
mod error;
mod id_token;
mod pkce;
mod tokens;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use self::authorize::{AuthorizeRedirect, AuthorizeRequest, PendingLogin};
pub use self::callback::Callback;
pub use self::endpoint::ClientAuth;
pub use self::error::{Endpoint, LoginError, OAuthError, OAuthErrorCode};
pub use self::tokens::{LoginTokens, SignedIn};

use self::endpoint::{Endpoints, TokenResponse};
pub(crate) use self::pkce::random_value;
use crate::claims::CognitoClaims;
use crate::clock::{Clock, unix_seconds};
use crate::config::{check_url, is_valid_client_id};
use crate::credentials::ClientSecret;
use crate::credentials::{AccessToken, IdToken, RefreshToken};
use crate::error::{ConfigError, VerifyError, clip};
use crate::token_use::ExpectedUse;
use crate::verify::Verifier;
use crate::verify::default_http_client;

/// Default limit on a pending sign-in's age: 10 minutes (Cognito's codes live 5).
pub const DEFAULT_PENDING_MAX_AGE: Duration = Duration::from_secs(600);

/// Default limit on one token or revoke request: 10 s.
pub const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a user pool's managed login is served.
///
/// Example: the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginDomain {
    base: String,
}

impl LoginDomain {
    /// The Cognito domain with the prefix chosen for the pool:
    /// `https://{prefix}.auth.{region}.amazoncognito.com`.
    #[must_use]
    pub fn cognito(prefix: &str, region: &str) -> Self {
        Self {
            base: format!("https://{prefix}.auth.{region}.amazoncognito.com"),
        }
    }

    /// Any base URL: a custom domain (`https://auth.example.com`) or an emulator on loopback
    /// (`http://127.0.0.1:4566`). The endpoints are under it (`{url}/oauth2/token`, ...).
    #[must_use]
    pub fn url(url: impl Into<String>) -> Self {
        let mut base = url.into();
        while base.ends_with('/') {
            base.pop();
        }
        Self { base }
    }

    /// The base URL, without a trailing `/`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// The authorization endpoint: `{base}/oauth2/authorize`.
    #[must_use]
    pub fn authorize_url(&self) -> String {
        format!("{}/oauth2/authorize", self.base)
    }

    /// The token endpoint: `{base}/oauth2/token`.
    #[must_use]
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.base)
    }
}

/// Configures a [`ManagedLogin`]; from [`ManagedLogin::builder`].
#[derive(Debug)]
#[must_use]
pub struct ManagedLoginBuilder {
    domain: LoginDomain,
    client_id: String,
    redirect_uri: String,
    secret: Option<ClientSecret>,
    client_auth: ClientAuth,
    scopes: Vec<String>,
    logout_uri: Option<String>,
    pending_max_age: Duration,
    timeout: Duration,
}

impl ManagedLoginBuilder {
    /// The app client's secret, for a confidential client (default: none, a public client).
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(ClientSecret::new(secret));
        self
    }

    /// How the client secret is sent (default [`ClientAuth::Basic`]).
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// The scopes to ask for, replacing the default `openid`; `openid` must be among them
    /// (without it there is no ID token). E.g. `["openid", "email", "profile"]`, a resource
    /// server's `orders/read`, or `aws.cognito.signin.user.admin` for Cognito's user calls.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Where Cognito's `/logout` sends the browser afterwards (`logout_uri`); it must be one of
    /// the app client's sign-out URLs. Without it [`ManagedLogin::logout_url`] is `None`.
    pub fn logout_uri(mut self, url: impl Into<String>) -> Self {
        self.logout_uri = Some(url.into());
        self
    }

    /// How old a pending sign-in may be when its callback comes (default
    /// [`DEFAULT_PENDING_MAX_AGE`]).
    pub fn pending_max_age(mut self, age: Duration) -> Self {
        self.pending_max_age = age;
        self
    }

    /// The longest one token or revoke request may take (default [`DEFAULT_LOGIN_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks the settings and builds the client. ID tokens are verified by `verifier`, whose
    /// clock and HTTP client the login shares; its pools must accept this app client. Does no
    /// network I/O.
    ///
    /// # Errors
    /// [`ConfigError::InvalidUrl`] for a domain, callback or logout URL that is not an absolute
    /// http(s) URL; [`ConfigError::InvalidSetting`] for a bad client id, an empty secret, scopes
    /// without `openid`, a zero timeout or age, or a verifier that does not accept the client;
    /// [`ConfigError::HttpClient`] when an HTTP client must be built and cannot be.
    pub fn build(self, verifier: &Verifier) -> Result<ManagedLogin, ConfigError> {
        check_url("login_domain", &self.domain.base)?;
        check_url("callback_url", &self.redirect_uri)?;
        if let Some(logout_uri) = &self.logout_uri {
            check_url("logout_uri", logout_uri)?;
        }
        let invalid = |what, reason| Err(ConfigError::InvalidSetting { what, reason });
        if !is_valid_client_id(&self.client_id) {
            return invalid("client_id", "must be 1-128 word characters");
        }
        if self.secret.as_ref().is_some_and(ClientSecret::is_empty) {
            return invalid("client_secret", "must not be empty");
        }
        if !self.scopes.iter().any(|s| s == "openid") {
            return invalid(
                "scopes",
                "must include openid (the sign-in is proven by the ID token)",
            );
        }
        if self.scopes.iter().any(|s| s.is_empty() || s.contains(' ')) {
            return invalid("scopes", "a scope is empty or contains a space");
        }
        if self.timeout.is_zero() {
            return invalid("timeout", "must be above zero");
        }
        if self.pending_max_age.is_zero() {
            return invalid("pending_max_age", "must be above zero");
        }
        // (a registry's pools come and go: the app client's may be added later)
        if verifier.pool_registry().is_none()
            && !verifier
                .pools()
                .any(|p| p.any_client || p.client_ids.contains(&self.client_id))
        {
            return invalid(
                "verifier",
                "no pool of the verifier accepts this app client's ID tokens",
            );
        }
        let authorize_url = reqwest::Url::parse(&self.domain.authorize_url()).map_err(|_| {
            ConfigError::InvalidUrl {
                what: "login_domain",
                value: self.domain.base.clone(),
            }
        })?;
        let http = match verifier.http_client() {
            Some(http) => http.clone(),
            None => default_http_client(self.timeout)?,
        };
        let base = &self.domain.base;
        Ok(ManagedLogin {
            inner: Arc::new(Inner {
                endpoints: Endpoints {
                    token_url: self.domain.token_url(),
                    revoke_url: format!("{base}/oauth2/revoke"),
                    client_id: self.client_id.clone(),
                    secret: self.secret,
                    client_auth: self.client_auth,
                    http,
                    timeout: self.timeout,
                },
                logout_url: format!("{base}/logout"),
                authorize_url,
                client_id: self.client_id,
                redirect_uri: self.redirect_uri,
                scopes: self.scopes,
                logout_uri: self.logout_uri,
                pending_max_age: self.pending_max_age,
                clock: Arc::clone(verifier.clock()),
                verifier: verifier.clone(),
            }),
        })
    }
}

/// One app client's managed login: authorize URLs, the callback's code exchange, refresh,
/// revocation and the logout URL. See the [module docs](self). Cheap to clone.
#[derive(Clone)]
pub struct ManagedLogin {
    inner: Arc<Inner>,
}

struct Inner {
    endpoints: Endpoints,
    authorize_url: reqwest::Url,
    logout_url: String,
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    logout_uri: Option<String>,
    pending_max_age: Duration,
    clock: Arc<dyn Clock>,
    verifier: Verifier,
}

impl fmt::Debug for ManagedLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("ManagedLogin")
            .field("authorize_url", &inner.authorize_url.as_str())
            .field("client_id", &inner.client_id)
            .field("client_secret", &inner.endpoints.secret)
            .field("client_auth", &inner.endpoints.client_auth)
            .field("redirect_uri", &inner.redirect_uri)
            .field("scopes", &inner.scopes)
            .field("logout_uri", &inner.logout_uri)
            .field("pending_max_age", &inner.pending_max_age)
            .finish_non_exhaustive()
    }
}

impl ManagedLogin {
    /// Starts a builder for the app client `client_id` of the pool whose managed login is at
    /// `domain`; Cognito sends the browser back to `callback_url` (one of the app client's
    /// callback URLs, exactly).
    pub fn builder(
        domain: LoginDomain,
        client_id: impl Into<String>,
        callback_url: impl Into<String>,
    ) -> ManagedLoginBuilder {
        ManagedLoginBuilder {
            domain,
            client_id: client_id.into(),
            redirect_uri: callback_url.into(),
            secret: None,
            client_auth: ClientAuth::default(),
            scopes: vec!["openid".to_owned()],
            logout_uri: None,
            pending_max_age: DEFAULT_PENDING_MAX_AGE,
            timeout: DEFAULT_LOGIN_TIMEOUT,
        }
    }

    /// The app client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The clock the login (and its verifier) reads.
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The callback URL (`redirect_uri`).
    #[must_use]
    pub fn callback_url(&self) -> &str {
        &self.inner.redirect_uri
    }

    /// Starts an authorize URL; add pass-through parameters, then
    /// [`build`](AuthorizeRequest::build) it for the URL and the [`PendingLogin`].
    pub fn authorize(&self) -> AuthorizeRequest<'_> {
        AuthorizeRequest::new(self)
    }

    /// Finishes a sign-in at the callback: checks that `pending` is recent and that the
    /// callback's `state` is its own (constant time), exchanges the code for tokens with the
    /// PKCE verifier, and verifies the ID token (the verifier's checks, then `nonce` and
    /// `at_hash`). `pending` is consumed whatever the outcome: it is good for one callback
    /// (remove it from its cookie or store too).
    ///
    /// # Errors
    /// [`LoginError::PendingExpired`], [`LoginError::StateMismatch`] (before any request);
    /// [`LoginError::OAuth`] when the token endpoint refuses (`invalid_grant` for a used,
    /// expired or unknown code or a wrong PKCE verifier); [`LoginError::IdToken`],
    /// [`LoginError::NonceMismatch`], [`LoginError::AccessTokenHashMismatch`];
    /// [`LoginError::Unavailable`], [`LoginError::BadResponse`].
    pub async fn finish(
        &self,
        pending: PendingLogin,
        callback: &Callback,
    ) -> Result<SignedIn, LoginError> {
        let inner = &*self.inner;
        let now = unix_seconds(inner.clock.now());
        let age_secs = now.saturating_sub(pending.created_at());
        let max_age_secs = inner.pending_max_age.as_secs();
        if age_secs > max_age_secs {
            return Err(LoginError::PendingExpired {
                age_secs,
                max_age_secs,
            });
        }
        if !pkce::constant_time_eq(callback.state(), pending.state()) {
            return Err(LoginError::StateMismatch);
        }
        let answer = inner
            .endpoints
            .token(&[
                ("grant_type", "authorization_code"),
                ("code", callback.code()),
                ("redirect_uri", &inner.redirect_uri),
                ("code_verifier", pending.code_verifier()),
            ])
            .await?;
        let (tokens, claims) = self.accept(answer, None).await?;
        id_token::check_nonce(&claims, pending.nonce())?;
        tracing::debug!(client_id = %inner.client_id, sub = claims.sub(), "managed-login sign-in");
        Ok(SignedIn { tokens, claims })
    }

    /// New tokens for `refresh_token` (`grant_type=refresh_token`), their ID token verified
    /// (and its `at_hash`). The result keeps `refresh_token`, or holds the new one when the app
    /// client rotates refresh tokens (then the old one no longer works: store the new one).
    ///
    /// # Errors
    /// [`LoginError::OAuth`] (`invalid_grant` for a revoked, expired or already rotated token),
    /// [`LoginError::IdToken`], [`LoginError::AccessTokenHashMismatch`],
    /// [`LoginError::Unavailable`], [`LoginError::BadResponse`].
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<SignedIn, LoginError> {
        let answer = self
            .inner
            .endpoints
            .token(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.secret()),
            ])
            .await?;
        let (tokens, claims) = self.accept(answer, Some(refresh_token)).await?;
        Ok(SignedIn { tokens, claims })
    }

    /// Takes the tokens of a sign-in made through Cognito's API rather than the managed login
    /// (`USER_SRP_AUTH`, `USER_PASSWORD_AUTH`, choice-based `USER_AUTH`, an answered challenge:
    /// `sanctum_core::cognito`'s `Tokens`), so that a server-side session keeps them
    /// ([`SessionTokens::start`](crate::session::SessionTokens::start)) and this login refreshes
    /// and revokes them at the pool's domain (the app client must allow OAuth flows,
    /// `AllowedOAuthFlowsUserPoolClient`, for its refresh tokens to be taken there). The ID
    /// token is checked as [`finish`](Self::finish) checks it — the verifier's checks, this app
    /// client, `at_hash` when present — but for the `nonce`, which an API sign-in has none of.
    /// `expires_in`: the access token's lifetime in seconds (Cognito's `ExpiresIn`), counted
    /// from now on the login's clock.
    ///
    /// ```no_run
    /// use sanctum_core::credentials::{AccessToken, IdToken, RefreshToken};
    /// use sanctum_core::login::ManagedLogin;
    /// use sanctum_core::session::SessionTokens;
    ///
    /// # async fn run(sessions: SessionTokens, access: String, id: String, refresh: String) -> Result<(), Box<dyn std::error::Error>> {
    /// // the tokens of an SRP sign-in, say
    /// let signed_in = sessions
    ///     .login()
    ///     .adopt(AccessToken::new(access), IdToken::new(id), Some(RefreshToken::new(refresh)), 3600)
    ///     .await?;
    /// let session = sessions.start(&signed_in); // to store under a freshly cycled session id
    /// println!("{} signed in", session.username.as_deref().unwrap_or(&session.sub));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`LoginError::IdToken`] (not a valid ID token of this app client),
    /// [`LoginError::AccessTokenHashMismatch`], [`LoginError::BadResponse`] (an empty token).
    pub async fn adopt(
        &self,
        access_token: AccessToken,
        id_token: IdToken,
        refresh_token: Option<RefreshToken>,
        expires_in: u64,
    ) -> Result<SignedIn, LoginError> {
        let answer = TokenResponse {
            access_token: Some(access_token.secret().to_owned()),
            id_token: Some(id_token.secret().to_owned()),
            refresh_token: None,
            expires_in: Some(expires_in),
            token_type: Some("Bearer".to_owned()),
        };
        let (tokens, claims) = self.accept(answer, refresh_token.as_ref()).await?;
        Ok(SignedIn { tokens, claims })
    }

    /// Revokes `refresh_token` at `/oauth2/revoke`: it no longer refreshes, and Cognito refuses
    /// the access tokens issued from it in its own calls (an API verifying locally accepts
    /// them until they expire, unless it checks revocations).
    ///
    /// # Errors
    /// [`LoginError::OAuth`] (`invalid_client`, `unsupported_token_type`, ...),
    /// [`LoginError::Unavailable`], [`LoginError::BadResponse`].
    pub async fn revoke(&self, refresh_token: &RefreshToken) -> Result<(), LoginError> {
        self.inner.endpoints.revoke(refresh_token.secret()).await
    }

    /// Cognito's logout URL, `{domain}/logout?client_id=...&logout_uri=...`: redirect the
    /// browser there after ending the app's session, so the managed-login session ends too.
    /// `None` without a [`logout_uri`](ManagedLoginBuilder::logout_uri).
    #[must_use]
    pub fn logout_url(&self) -> Option<String> {
        let inner = &*self.inner;
        let logout_uri = inner.logout_uri.as_deref()?;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &inner.client_id)
            .append_pair("logout_uri", logout_uri)
            .finish();
        Some(format!("{}?{query}", inner.logout_url))
    }

    /// Reads a token answer: verifies the ID token and its `at_hash`; the refresh token is the
    /// answer's, else `kept`.
    async fn accept(
        &self,
        answer: TokenResponse,
        kept: Option<&RefreshToken>,
    ) -> Result<(LoginTokens, Arc<CognitoClaims>), LoginError> {
        let inner = &*self.inner;
        let received = unix_seconds(inner.clock.now());
        let missing = |what: &str| LoginError::BadResponse {
            endpoint: Endpoint::Token,
            what: format!("no {what}"),
        };
        let access_token = answer
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| missing("access_token"))?;
        let id_token = answer
            .id_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| missing("id_token"))?;
        let expires_in = answer.expires_in.ok_or_else(|| missing("expires_in"))?;
        let claims = inner
            .verifier
            .verify(&id_token, ExpectedUse::Id)
            .await
            .map_err(LoginError::IdToken)?;
        // The verifier accepts every client of its pools; this login's tokens are this client's.
        if claims.client_id() != inner.client_id {
            return Err(LoginError::IdToken(VerifyError::ClientMismatch {
                client_id: clip(claims.client_id()),
            }));
        }
        id_token::check_at_hash(&claims, &access_token)?;
        let refresh_token = answer
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(RefreshToken::new)
            .or_else(|| kept.cloned());
        let tokens = LoginTokens {
            access_token: AccessToken::new(access_token),
            id_token: IdToken::new(id_token),
            refresh_token,
            expires_at: received.saturating_add(expires_in),
            token_type: answer.token_type.unwrap_or_else(|| "Bearer".to_owned()),
        };
        Ok((tokens, claims))
    }
}
