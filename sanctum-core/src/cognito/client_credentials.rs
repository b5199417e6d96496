//! Machine-to-machine tokens (the OAuth 2.0 client-credentials grant): [`ClientCredentials`],
//! and [`ClientCredentialsLayer`], which adds them to outgoing requests.
//!
//! A service that calls another with its own identity (no user involved) signs in as a
//! confidential app client: client id, client secret, and the custom scopes it asks for.
//! [`ClientCredentials`] gets the access token from
//! - the user pool's **token endpoint**, `POST /oauth2/token` with
//!   `grant_type=client_credentials` and the client's id and secret as HTTP Basic
//!   authentication: on the pool's domain ([`ClientCredentials::pool_domain`],
//!   `https://{domain}.auth.{region}.amazoncognito.com/oauth2/token`), a custom domain or an
//!   emulator ([`ClientCredentials::token_endpoint`], any URL); the app client needs the
//!   `client_credentials` OAuth flow;
//! - or Cognito's **`GetClientToken`** API through the SDK ([`ClientCredentials::get_client_token`]);
//!   the app client needs the `ALLOW_CLIENT_TOKEN_AUTH` flow.
//!
//! The token is cached and handed out until a margin before it expires
//! ([`DEFAULT_TOKEN_MARGIN`], 60 s, taken from `expires_in` on the injected clock); then the next
//! call fetches a new one. Concurrent callers that find no fresh token share one fetch. Failures
//! are typed ([`ClientCredentialsError`]): a wrong client or secret, a scope the client may not
//! have, the endpoint down or answering nonsense. `Debug` never shows the secret or a token.
//!
//! [`ClientCredentialsLayer`] is a tower layer that sets `Authorization: Bearer <token>` on each
//! request: on `http::Request`s (hyper, tonic, any tower HTTP client) and on `reqwest::Request`s
//! (`reqwest::Client` is itself a tower service).
//!
//! ```no_run
//! use sanctum_core::cognito::{ClientCredentials, ClientCredentialsLayer};
//! use tower_layer::Layer as _;
//! use tower_service::Service as _;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let http = reqwest::Client::new();
//! let tokens = ClientCredentials::pool_domain("my-company", "us-east-1", "m2m-client-id", "m2m-secret")
//!     .scopes(["orders/read"])
//!     .http_client(http.clone())
//!     .build()?;
//!
//! // every request through `orders` carries the current token
//! let mut orders = ClientCredentialsLayer::new(tokens).layer(http);
//! std::future::poll_fn(|cx| orders.poll_ready(cx)).await?;
//! let request = reqwest::Request::new(
//!     reqwest::Method::GET,
//!     "https://orders.internal.example/orders".parse()?,
//! );
//! let response = orders.call(request).await?;
//! println!("orders answered {}", response.status());
//! # Ok(()) }
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderValue;
use http::header::AUTHORIZATION;
use serde::Deserialize;

use super::{ClientSecret, CognitoError, SanctumClient, SdkClient};
use crate::clock::{Clock, SystemClock};
use crate::error::ConfigError;

/// How long a token [`ClientCredentials::token`] returns stays valid at least, by default: 60 s.
pub const DEFAULT_TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// Default limit on one token request: 10 s.
pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest token-endpoint answer read; Cognito's are about 1 KiB.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// A machine-to-machine access token. `Debug` shows no token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientToken {
    /// The access token.
    pub access_token: String,
    /// When it expires, on the provider's clock (receipt time plus `expires_in`).
    pub expires_at: SystemTime,
    /// The token type, `Bearer`.
    pub token_type: String,
}

impl fmt::Debug for ClientToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientToken")
            .field("access_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("token_type", &self.token_type)
            .finish()
    }
}

/// Why no machine-to-machine token could be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientCredentialsError {
    /// `invalid_client` (or `NotAuthorizedException` / `ResourceNotFoundException` from
    /// `GetClientToken`): unknown app client, wrong secret, or a client without a secret.
    #[error("invalid client{}", describe(.description))]
    InvalidClient {
        /// The server's description, if it gave one.
        description: Option<String>,
    },
    /// `invalid_scope`: a scope the app client may not ask for (or that does not exist).
    #[error("invalid scope{}", describe(.description))]
    InvalidScope {
        /// The server's description, if it gave one.
        description: Option<String>,
    },
    /// `unauthorized_client`: the app client may not use the client-credentials grant.
    #[error("the app client may not use the client-credentials grant{}", describe(.description))]
    UnauthorizedClient {
        /// The server's description, if it gave one.
        description: Option<String>,
    },
    /// Another OAuth error (`invalid_request`, `unsupported_grant_type`, ...).
    #[error("token request refused: {error}{}", describe(.description))]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The OAuth error code.
        error: String,
        /// The server's description, if it gave one.
        description: Option<String>,
    },
    /// The token endpoint could not be reached, timed out, or answered with a server error.
    #[error("token endpoint unavailable: {message}")]
    Unavailable {
        /// What went wrong.
        message: String,
    },
    /// The answer was not a token response (not JSON, no `access_token`, an unexpected status).
    #[error("unexpected token endpoint response: {what}")]
    BadResponse {
        /// What is wrong with it.
        what: String,
    },
    /// `GetClientToken` failed with another Cognito exception (throttling, internal error, ...).
    #[error("GetClientToken failed: {0}")]
    Cognito(#[source] CognitoError),
}

fn describe(description: &Option<String>) -> String {
    description
        .as_deref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

enum Source {
    /// `POST {url}` with `grant_type=client_credentials`.
    TokenEndpoint { url: String, http: reqwest::Client },
    /// The `GetClientToken` API.
    GetClientToken { sdk: SdkClient },
}

/// Configures a [`ClientCredentials`]; from its constructors.
#[must_use]
pub struct ClientCredentialsBuilder {
    client_id: String,
    secret: ClientSecret,
    scopes: Vec<String>,
    endpoint: Option<String>,
    sdk: Option<SdkClient>,
    http: Option<reqwest::Client>,
    margin: Duration,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for ClientCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsBuilder")
            .field("client_id", &self.client_id)
            .field("secret", &self.secret)
            .field("scopes", &self.scopes)
            .field("endpoint", &self.endpoint)
            .field("get_client_token", &self.sdk.is_some())
            .field("margin", &self.margin)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsBuilder {
    fn new(client_id: String, secret: String) -> Self {
        Self {
            client_id,
            secret: ClientSecret::new(secret),
            scopes: Vec::new(),
            endpoint: None,
            sdk: None,
            http: None,
            margin: DEFAULT_TOKEN_MARGIN,
            timeout: DEFAULT_TOKEN_TIMEOUT,
            clock: Arc::new(SystemClock),
        }
    }

    /// The scopes to ask for (`resource-server/scope`); none asks for all the app client's.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// How long a returned token stays valid at least (default [`DEFAULT_TOKEN_MARGIN`]).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The longest one token request may take (default [`DEFAULT_TOKEN_TIMEOUT`]); token
    /// endpoint only (`GetClientToken` has the SDK client's timeouts).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The clock expiry is measured on (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The HTTP client for the token endpoint: pass the one your application already has
    /// (e.g. the one given to [`VerifierBuilder::http_client`](crate::VerifierBuilder::http_client)).
    /// Default: one reqwest client (rustls) built by [`build`](Self::build) and shared by the
    /// provider's clones.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Checks the settings and builds the provider. Does no network I/O.
    ///
    /// # Errors
    /// [`ConfigError::InvalidSetting`] for an empty client id or secret or a zero timeout,
    /// [`ConfigError::InvalidUrl`] for a token endpoint that is not an absolute http(s) URL,
    /// [`ConfigError::HttpClient`] when the default HTTP client cannot be built.
    pub fn build(self) -> Result<ClientCredentials, ConfigError> {
        if self.client_id.is_empty() {
            return Err(ConfigError::InvalidSetting {
                what: "client_id",
                reason: "must not be empty",
            });
        }
        if self.secret.expose().is_empty() {
            return Err(ConfigError::InvalidSetting {
                what: "client_secret",
                reason: "must not be empty (the client-credentials grant needs a confidential client)",
            });
        }
        if self.timeout.is_zero() {
            return Err(ConfigError::InvalidSetting {
                what: "timeout",
                reason: "must be above zero",
            });
        }
        let source = match (self.sdk, self.endpoint) {
            (Some(sdk), _) => Source::GetClientToken { sdk },
            (None, Some(url)) => {
                if !super::is_http_url(&url) {
                    return Err(ConfigError::InvalidUrl {
                        what: "token_endpoint",
                        value: url,
                    });
                }
                let http = match self.http {
                    Some(http) => http,
                    None => reqwest::Client::builder()
                        .user_agent(concat!("sanctum/", env!("CARGO_PKG_VERSION")))
                        .connect_timeout(self.timeout)
                        .build()
                        .map_err(ConfigError::HttpClient)?,
                };
                Source::TokenEndpoint { url, http }
            }
            (None, None) => {
                return Err(ConfigError::InvalidSetting {
                    what: "token_endpoint",
                    reason: "no token endpoint and no SDK client",
                });
            }
        };
        Ok(ClientCredentials {
            inner: Arc::new(Inner {
                client_id: self.client_id,
                secret: self.secret,
                scopes: self.scopes,
                source,
                margin: self.margin,
                timeout: self.timeout,
                clock: self.clock,
                cached: Mutex::new(None),
                fetching: tokio::sync::Mutex::new(()),
                generation: AtomicU64::new(0),
                fetches: AtomicU64::new(0),
            }),
        })
    }
}

/// Client-credentials tokens for one app client, cached until a margin before expiry; see the
/// [module docs](self). Cheap to clone: clones share the cache and the fetch in flight.
#[derive(Clone)]
pub struct ClientCredentials {
    inner: Arc<Inner>,
}

struct Inner {
    client_id: String,
    secret: ClientSecret,
    scopes: Vec<String>,
    source: Source,
    margin: Duration,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    cached: Mutex<Option<ClientToken>>,
    /// Held by the one fetch in flight.
    fetching: tokio::sync::Mutex<()>,
    /// Completed fetches (and invalidations), so a caller that waited for another's fetch
    /// uses its result.
    generation: AtomicU64,
    /// Requests sent, for [`ClientCredentials::fetch_count`].
    fetches: AtomicU64,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let source = match &inner.source {
            Source::TokenEndpoint { url, .. } => url.as_str(),
            Source::GetClientToken { .. } => "GetClientToken",
        };
        f.debug_struct("ClientCredentials")
            .field("client_id", &inner.client_id)
            .field("secret", &inner.secret)
            .field("scopes", &inner.scopes)
            .field("source", &source)
            .field("margin", &inner.margin)
            .field("cached", &self.cached())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<u64>,
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
}

impl ClientCredentials {
    /// Tokens from the token endpoint at `url` (`.../oauth2/token`): a custom domain, or an
    /// emulator on loopback.
    pub fn token_endpoint(
        url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientCredentialsBuilder {
        let mut builder = ClientCredentialsBuilder::new(client_id.into(), client_secret.into());
        builder.endpoint = Some(url.into());
        builder
    }

    /// Tokens from the pool's Cognito domain: `https://{domain}.auth.{region}.amazoncognito.com/oauth2/token`
    /// (`domain` is the prefix chosen for the pool).
    pub fn pool_domain(
        domain: &str,
        region: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientCredentialsBuilder {
        Self::token_endpoint(
            format!("https://{domain}.auth.{region}.amazoncognito.com/oauth2/token"),
            client_id,
            client_secret,
        )
    }

    /// Tokens from Cognito's `GetClientToken` API, through `client`'s SDK client (its endpoint,
    /// credentials and timeouts); `client_id` is the machine client's, not necessarily
    /// `client`'s own.
    pub fn get_client_token(
        client: &SanctumClient,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientCredentialsBuilder {
        let mut builder = ClientCredentialsBuilder::new(client_id.into(), client_secret.into());
        builder.sdk = Some(client.sdk().clone());
        builder.clock = Arc::clone(client.clock());
        builder
    }

    /// The app client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// A token valid for at least the margin: the cached one, or a new one.
    ///
    /// # Errors
    /// A [`ClientCredentialsError`] when a needed fetch fails; the next call tries again.
    pub async fn token(&self) -> Result<ClientToken, ClientCredentialsError> {
        let seen = self.inner.generation.load(Ordering::SeqCst);
        if let Some(token) = self.fresh_cached() {
            return Ok(token);
        }
        let _fetching = self.inner.fetching.lock().await;
        if self.inner.generation.load(Ordering::SeqCst) != seen
            && let Some(token) = self.cached()
        {
            // fetched by the caller we waited for
            return Ok(token);
        }
        if let Some(token) = self.fresh_cached() {
            return Ok(token);
        }
        self.inner.fetches.fetch_add(1, Ordering::SeqCst);
        let token = self.fetch().await?;
        *self.lock_cache() = Some(token.clone());
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        Ok(token)
    }

    /// The access token of [`token`](Self::token).
    ///
    /// # Errors
    /// As [`token`](Self::token).
    pub async fn access_token(&self) -> Result<String, ClientCredentialsError> {
        Ok(self.token().await?.access_token)
    }

    /// Forgets the cached token (e.g. after the API it was sent to refused it); the next call
    /// fetches a new one.
    pub fn invalidate(&self) {
        *self.lock_cache() = None;
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// How many token requests this provider (and its clones) has sent.
    #[must_use]
    pub fn fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::SeqCst)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, Option<ClientToken>> {
        self.inner
            .cached
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn cached(&self) -> Option<ClientToken> {
        self.lock_cache().clone()
    }

    fn fresh_cached(&self) -> Option<ClientToken> {
        let now = self.inner.clock.now();
        self.lock_cache()
            .as_ref()
            .filter(|t| t.expires_at >= now + self.inner.margin)
            .cloned()
    }

    async fn fetch(&self) -> Result<ClientToken, ClientCredentialsError> {
        match &self.inner.source {
            Source::TokenEndpoint { url, http } => {
                let span = crate::observe::token_endpoint_span(&"token", &self.inner.client_id);
                crate::observe::token_endpoint_call(span, self.fetch_from_endpoint(url, http)).await
            }
            Source::GetClientToken { sdk } => self.fetch_with_api(sdk).await,
        }
    }

    fn token_of(
        &self,
        access_token: String,
        expires_in: u64,
        token_type: Option<String>,
    ) -> ClientToken {
        let now = self.inner.clock.now();
        let expires_at = now
            .checked_add(Duration::from_secs(expires_in))
            .unwrap_or(UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX)));
        ClientToken {
            access_token,
            expires_at,
            token_type: token_type.unwrap_or_else(|| "Bearer".to_owned()),
        }
    }

    async fn fetch_from_endpoint(
        &self,
        url: &str,
        http: &reqwest::Client,
    ) -> Result<ClientToken, ClientCredentialsError> {
        let inner = &*self.inner;
        let scope = inner.scopes.join(" ");
        let mut form = vec![("grant_type", "client_credentials")];
        if !scope.is_empty() {
            form.push(("scope", scope.as_str()));
        }
        tracing::debug!(client_id = %inner.client_id, "client-credentials token request");
        let mut response = http
            .post(url)
            .basic_auth(&inner.client_id, Some(inner.secret.expose()))
            .header(http::header::ACCEPT, "application/json")
            .form(&form)
            .timeout(inner.timeout)
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        crate::observe::record_status(status.as_u16());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(ClientCredentialsError::BadResponse {
                    what: "the answer is too large".to_owned(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_success() {
            let parsed: TokenResponse =
                serde_json::from_slice(&body).map_err(|_| ClientCredentialsError::BadResponse {
                    what: format!(
                        "HTTP {} with a body that is not a token response",
                        status.as_u16()
                    ),
                })?;
            let access_token = parsed
                .access_token
                .filter(|t| !t.is_empty())
                .ok_or_else(|| ClientCredentialsError::BadResponse {
                    what: "no access_token".to_owned(),
                })?;
            let expires_in =
                parsed
                    .expires_in
                    .ok_or_else(|| ClientCredentialsError::BadResponse {
                        what: "no expires_in".to_owned(),
                    })?;
            return Ok(self.token_of(access_token, expires_in, parsed.token_type));
        }
        if status.is_server_error() {
            return Err(ClientCredentialsError::Unavailable {
                message: format!("the token endpoint answered HTTP {}", status.as_u16()),
            });
        }
        match serde_json::from_slice::<OAuthError>(&body) {
            Ok(err) => Err(oauth_error(status.as_u16(), err)),
            Err(_) => Err(ClientCredentialsError::BadResponse {
                what: format!("HTTP {} without an OAuth error", status.as_u16()),
            }),
        }
    }

    async fn fetch_with_api(&self, sdk: &SdkClient) -> Result<ClientToken, ClientCredentialsError> {
        const OPERATION: &str = "GetClientToken";
        let inner = &*self.inner;
        tracing::debug!(client_id = %inner.client_id, "GetClientToken");
        let out = sdk
            .get_client_token()
            .client_id(&inner.client_id)
            .secret(inner.secret.expose())
            .set_scopes((!inner.scopes.is_empty()).then(|| inner.scopes.clone()))
            .send()
            .await
            .map_err(|e| api_error(CognitoError::from_sdk(OPERATION, e)))?;
        let result = out.client_authentication_result().ok_or_else(|| {
            ClientCredentialsError::BadResponse {
                what: "GetClientToken answered without a result".to_owned(),
            }
        })?;
        let access_token = result
            .access_token()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ClientCredentialsError::BadResponse {
                what: "GetClientToken answered without an access token".to_owned(),
            })?
            .to_owned();
        let expires_in = u64::try_from(result.expires_in()).unwrap_or(0);
        Ok(self.token_of(
            access_token,
            expires_in,
            result.token_type().map(str::to_owned),
        ))
    }
}

fn unavailable(err: reqwest::Error) -> ClientCredentialsError {
    let message = if err.is_timeout() {
        "the token request timed out".to_owned()
    } else if err.is_connect() {
        "could not connect to the token endpoint".to_owned()
    } else {
        format!("the token request failed: {}", err.without_url())
    };
    ClientCredentialsError::Unavailable { message }
}

fn oauth_error(status: u16, err: OAuthError) -> ClientCredentialsError {
    let description = err.error_description;
    match err.error.as_str() {
        "invalid_client" => ClientCredentialsError::InvalidClient { description },
        "invalid_scope" => ClientCredentialsError::InvalidScope { description },
        "unauthorized_client" => ClientCredentialsError::UnauthorizedClient { description },
        _ => ClientCredentialsError::Refused {
            status,
            error: err.error,
            description,
        },
    }
}

fn api_error(err: CognitoError) -> ClientCredentialsError {
    let description = err.aws().and_then(|aws| aws.message.clone());
    match &err {
        CognitoError::NotAuthorized(_) | CognitoError::ResourceNotFound(_) => {
            ClientCredentialsError::InvalidClient { description }
        }
        CognitoError::InvalidParameter(_)
            if description
                .as_deref()
                .is_some_and(|d| d.to_ascii_lowercase().contains("scope")) =>
        {
            ClientCredentialsError::InvalidScope { description }
        }
        CognitoError::Transport { message, .. } => ClientCredentialsError::Unavailable {
            message: message.clone(),
        },
        _ => ClientCredentialsError::Cognito(err),
    }
}

/// A request whose headers [`ClientCredentialsService`] can set: `http::Request` and
/// `reqwest::Request`.
pub trait BearerRequest {
    /// The request's headers.
    fn headers_mut(&mut self) -> &mut http::HeaderMap;
}

impl<B> BearerRequest for http::Request<B> {
    fn headers_mut(&mut self) -> &mut http::HeaderMap {
        http::Request::headers_mut(self)
    }
}

impl BearerRequest for reqwest::Request {
    fn headers_mut(&mut self) -> &mut http::HeaderMap {
        reqwest::Request::headers_mut(self)
    }
}

/// A tower [`Layer`](tower_layer::Layer) that sets `Authorization: Bearer <token>` on every
/// request, with the token of a [`ClientCredentials`] (replacing any `Authorization` the
/// request had). See the [module docs](self).
#[derive(Debug, Clone)]
pub struct ClientCredentialsLayer {
    tokens: ClientCredentials,
}

impl ClientCredentialsLayer {
    /// A layer adding `tokens`' access token.
    #[must_use]
    pub fn new(tokens: ClientCredentials) -> Self {
        Self { tokens }
    }
}

impl<S> tower_layer::Layer<S> for ClientCredentialsLayer {
    type Service = ClientCredentialsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ClientCredentialsService {
            inner,
            tokens: self.tokens.clone(),
        }
    }
}

/// The service of [`ClientCredentialsLayer`]. Its error is boxed: the inner service's, or a
/// [`ClientCredentialsError`] (the request is then not sent).
#[derive(Debug, Clone)]
pub struct ClientCredentialsService<S> {
    inner: S,
    tokens: ClientCredentials,
}

/// The error type of [`ClientCredentialsService`], as in tower.
pub type BoxError = Box<dyn StdError + Send + Sync>;

impl<S, R> tower_service::Service<R> for ClientCredentialsService<S>
where
    S: tower_service::Service<R> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    R: BearerRequest + Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: R) -> Self::Future {
        // The service that was polled ready handles this request; a clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let tokens = self.tokens.clone();
        Box::pin(async move {
            let token = tokens.access_token().await?;
            let mut value = HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| {
                ClientCredentialsError::BadResponse {
                    what: "the access token is not a valid header value".to_owned(),
                }
            })?;
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
            inner.call(request).await.map_err(Into::into)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_secret_and_no_token() {
        let provider = ClientCredentials::token_endpoint(
            "http://127.0.0.1:9/oauth2/token",
            "m2m",
            "TOP-SECRET",
        )
        .build()
        .expect("builds");
        *provider.lock_cache() = Some(ClientToken {
            access_token: "ACCESS-TOKEN".into(),
            expires_at: UNIX_EPOCH,
            token_type: "Bearer".into(),
        });
        let shown = format!(
            "{provider:?} {:?} {:?}",
            ClientCredentialsLayer::new(provider.clone()),
            ClientCredentials::token_endpoint("http://127.0.0.1:9", "m2m", "TOP-SECRET")
        );
        assert!(!shown.contains("TOP-SECRET"), "{shown}");
        assert!(!shown.contains("ACCESS-TOKEN"), "{shown}");
        assert!(shown.contains("m2m") && shown.contains("127.0.0.1:9"));
    }

    #[test]
    fn bad_settings_are_refused_when_built() {
        for (url, id, secret) in [
            ("127.0.0.1:9/oauth2/token", "id", "secret"),
            ("ftp://example.com/oauth2/token", "id", "secret"),
            ("https://example.com/oauth2/token", "", "secret"),
            ("https://example.com/oauth2/token", "id", ""),
        ] {
            assert!(
                ClientCredentials::token_endpoint(url, id, secret)
                    .build()
                    .is_err(),
                "{url} {id}"
            );
        }
        assert!(
            ClientCredentials::token_endpoint("https://example.com/oauth2/token", "id", "s")
                .timeout(Duration::ZERO)
                .build()
                .is_err()
        );
        let domain = ClientCredentials::pool_domain("acme", "eu-west-1", "id", "s");
        assert_eq!(
            domain.endpoint.as_deref(),
            Some("https://acme.auth.eu-west-1.amazoncognito.com/oauth2/token")
        );
    }

    #[test]
    fn oauth_error_codes_map_to_their_variants() {
        let err = |code: &str| OAuthError {
            error: code.to_owned(),
            error_description: Some("why".to_owned()),
        };
        assert!(matches!(
            oauth_error(401, err("invalid_client")),
            ClientCredentialsError::InvalidClient { description: Some(d) } if d == "why"
        ));
        assert!(matches!(
            oauth_error(400, err("invalid_scope")),
            ClientCredentialsError::InvalidScope { .. }
        ));
        assert!(matches!(
            oauth_error(400, err("unauthorized_client")),
            ClientCredentialsError::UnauthorizedClient { .. }
        ));
        assert!(matches!(
            oauth_error(400, err("invalid_request")),
            ClientCredentialsError::Refused { status: 400, error, .. } if error == "invalid_request"
        ));
    }
}
