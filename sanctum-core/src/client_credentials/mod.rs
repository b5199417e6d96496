//! Machine-to-machine tokens (the OAuth 2.0 client-credentials grant): [`ClientCredentials`],
//! and [`ClientCredentialsLayer`], which adds them to outgoing requests. Feature
//! `client-credentials`: the token endpoint needs no AWS SDK.
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
//! - or, with feature `cognito`, Cognito's **`GetClientToken`** API through the SDK
//!   (`ClientCredentials::get_client_token`); the app client needs the
//!   `ALLOW_CLIENT_TOKEN_AUTH` flow.
//!
//! The token is cached and handed out until a margin before it expires
//! ([`DEFAULT_TOKEN_MARGIN`], 60 s, taken from `expires_in` on the injected clock); then the next
//! call fetches a new one. Concurrent callers that find no fresh token share one fetch. Failures
//! are typed ([`ClientCredentialsError`]): a wrong client or secret, a scope the client may not
//! have, the endpoint down or answering nonsense. `Debug` never shows the secret or a token.
//!
//! With reqwest, ask for the token where the request is built: [`ClientCredentials::access_token`]
//! hands out the cached one (fetching only when it is near expiry), so calling it per request is
//! cheap.
//!
//! ```no_run
//! use sanctum_core::client_credentials::ClientCredentials;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let http = reqwest::Client::new();
//! let tokens = ClientCredentials::pool_domain("my-company", "us-east-1", "m2m-client-id", "m2m-secret")
//!     .scopes(["orders/read"])
//!     .http_client(sanctum_core::HttpClient::from_reqwest(http.clone()))
//!     .build()?;
//!
//! let response = http
//!     .get("https://orders.internal.example/orders")
//!     .bearer_auth(tokens.access_token().await?)
//!     .send()
//!     .await?;
//! println!("orders answered {}", response.status());
//! # Ok(()) }
//! ```
//!
//! [`ClientCredentialsLayer`] is a tower layer that sets `Authorization: Bearer <token>` on each
//! `http::Request` a tower service sends (hyper-util's client, a tonic channel, any tower HTTP
//! client); a failed token fetch fails the call with a [`ClientCredentialsError`] and the
//! request is not sent.
//!
//! ```no_run
//! use sanctum_core::client_credentials::{ClientCredentials, ClientCredentialsLayer};
//! use tower::{Service as _, ServiceExt as _};
//! use tower_layer::Layer as _;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let tokens = ClientCredentials::pool_domain("my-company", "us-east-1", "m2m-client-id", "m2m-secret")
//!     .scopes(["orders/read"])
//!     .build()?;
//! // stands in for hyper-util's client or a tonic channel
//! let client = tower::service_fn(|request: http::Request<String>| async move {
//!     assert!(request.headers().contains_key("authorization"));
//!     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
//! });
//!
//! let mut orders = ClientCredentialsLayer::new(tokens).layer(client);
//! let request = http::Request::get("https://orders.internal.example/orders").body(String::new())?;
//! let response = orders.ready().await?.call(request).await?;
//! println!("orders answered {}", response.status());
//! # Ok(()) }
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use crate::credentials::ClientSecret;

mod cache;
mod endpoint;
mod layer;

pub use self::cache::{ClientCredentials, ClientCredentialsBuilder};
pub use self::layer::{ClientCredentialsLayer, ClientCredentialsService};

/// How long a token [`ClientCredentials::token`] returns stays valid at least, by default: 60 s.
pub const DEFAULT_TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// Default limit on one token request: 10 s.
pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

/// A machine-to-machine access token. `Debug` shows no token.
///
/// Returned by [`ClientCredentials::token`]; the [module docs](self) show the usual way, through
/// [`ClientCredentials::access_token`].
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
///
/// Returned by [`ClientCredentials::token`]; see the [module docs](self) for an example.
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
    /// `GetClientToken` (feature `cognito`) failed with another Cognito exception (throttling,
    /// an internal error, ...): its source is the `sanctum_core::cognito::CognitoError`
    /// (`std::error::Error::source`, then `downcast_ref`).
    #[error("GetClientToken failed: {message}")]
    GetClientToken {
        /// The exception's code and message.
        message: String,
        /// The `CognitoError`.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
}

fn describe(description: &Option<String>) -> String {
    description
        .as_deref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

/// What a client-credentials request asks for.
pub(crate) struct Grant<'a> {
    pub(crate) client_id: &'a str,
    pub(crate) secret: &'a ClientSecret,
    pub(crate) scopes: &'a [String],
}

/// A token as a source answered it, before its expiry is put on the provider's clock.
pub(crate) struct Fetched {
    pub(crate) access_token: String,
    pub(crate) expires_in: u64,
    pub(crate) token_type: Option<String>,
}

/// The future of [`TokenFetcher::fetch`].
pub(crate) type FetchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Fetched, ClientCredentialsError>> + Send + 'a>>;

/// Where a [`ClientCredentials`] gets its tokens: the token endpoint ([`endpoint`]), or
/// `GetClientToken` (`cognito::client_token`, feature `cognito`).
pub(crate) trait TokenFetcher: Send + Sync + 'static {
    /// One token request.
    fn fetch<'a>(&'a self, grant: Grant<'a>) -> FetchFuture<'a>;

    /// The source for `Debug`: the endpoint's URL, or `GetClientToken`.
    fn name(&self) -> &str;
}
