//! [`HttpClient`]: the one HTTP client sanctum's own requests go through.

use std::fmt;
use std::time::Duration;

use crate::error::ConfigError;

/// The HTTP client sanctum's own requests go through: JWKS fetches
/// ([`VerifierBuilder::http_client`](crate::VerifierBuilder::http_client)), managed login's
/// endpoints (it takes the verifier's), the ALB's key fetches and the client-credentials token
/// endpoint. Build one
/// and give it to each, so they share one connection pool; each builds its own otherwise.
/// Cheap to clone (clones share the pool).
///
/// sanctum uses reqwest (rustls, no OpenSSL). Its version is not part of sanctum's API, except
/// in [`from_reqwest`](Self::from_reqwest).
///
/// ```
/// use sanctum_core::{HttpClient, UserPool, Verifier};
///
/// # fn run() -> Result<(), sanctum_core::ConfigError> {
/// let http = HttpClient::new()?;
/// let verifier = Verifier::builder()
///     .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
///     .http_client(http.clone())
///     .build()?;
/// # let _ = verifier; Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpClient(reqwest::Client);

impl HttpClient {
    /// A client with sanctum's defaults: rustls with the system's roots, a `sanctum/<version>`
    /// user agent, a 10 s connect timeout (each request has its own overall timeout: the
    /// JWKS or token timeout of what sends it).
    ///
    /// # Errors
    /// [`ConfigError::HttpClient`] when the TLS backend cannot be set up.
    pub fn new() -> Result<Self, ConfigError> {
        Self::with_connect_timeout(Duration::from_secs(10))
    }

    /// Your own reqwest client (a proxy, extra root certificates, pool settings).
    ///
    /// **Semver:** this is the one place sanctum's API names a reqwest type. It takes the
    /// `reqwest::Client` of the reqwest version sanctum depends on (0.13); a sanctum release
    /// that moves to another reqwest major version changes this argument's type, a breaking
    /// change its changelog names. Everything else about sanctum's HTTP client is
    /// sanctum's own API.
    #[must_use]
    pub fn from_reqwest(client: reqwest::Client) -> Self {
        Self(client)
    }

    /// sanctum's defaults with this connect timeout.
    pub(crate) fn with_connect_timeout(timeout: Duration) -> Result<Self, ConfigError> {
        reqwest::Client::builder()
            .user_agent(concat!("sanctum/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeout)
            .build()
            .map(Self)
            .map_err(|err| ConfigError::HttpClient(Box::new(err)))
    }

    /// The reqwest client.
    #[cfg(feature = "client-credentials")]
    pub(crate) fn reqwest(&self) -> &reqwest::Client {
        &self.0
    }

    /// The reqwest client, owned.
    pub(crate) fn into_reqwest(self) -> reqwest::Client {
        self.0
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HttpClient")
    }
}
