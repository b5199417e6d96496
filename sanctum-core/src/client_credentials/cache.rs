//! [`ClientCredentials`]: a token cached until a margin before it expires, one fetch shared by
//! the callers that need a new one; and its builder.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use super::endpoint::TokenEndpoint;
use super::{
    ClientCredentialsError, ClientToken, DEFAULT_TOKEN_MARGIN, DEFAULT_TOKEN_TIMEOUT, Fetched,
    Grant, TokenFetcher,
};
use crate::clock::{Clock, SystemClock};
use crate::config::check_url;
use crate::credentials::ClientSecret;
use crate::error::ConfigError;
use crate::http_client::HttpClient;

/// Configures a [`ClientCredentials`]; from its constructors.
#[must_use]
pub struct ClientCredentialsBuilder {
    client_id: String,
    secret: ClientSecret,
    scopes: Vec<String>,
    endpoint: Option<String>,
    fetcher: Option<Arc<dyn TokenFetcher>>,
    http: Option<HttpClient>,
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
            .field("source", &self.fetcher.as_ref().map(|f| f.name()))
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
            fetcher: None,
            http: None,
            margin: DEFAULT_TOKEN_MARGIN,
            timeout: DEFAULT_TOKEN_TIMEOUT,
            clock: Arc::new(SystemClock),
        }
    }

    /// A builder whose tokens come from `fetcher` (`GetClientToken`), on `clock`.
    #[cfg_attr(not(feature = "cognito"), allow(dead_code))]
    pub(crate) fn with_fetcher(
        client_id: String,
        secret: String,
        fetcher: Arc<dyn TokenFetcher>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let mut builder = Self::new(client_id, secret);
        builder.fetcher = Some(fetcher);
        builder.clock = clock;
        builder
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
    /// Default: one built by [`build`](Self::build) and shared by the provider's clones.
    pub fn http_client(mut self, client: HttpClient) -> Self {
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
        let fetcher = match (self.fetcher, self.endpoint) {
            (Some(fetcher), _) => fetcher,
            (None, Some(url)) => {
                check_url("token_endpoint", &url)?;
                let http = match self.http {
                    Some(http) => http,
                    None => HttpClient::with_connect_timeout(self.timeout)?,
                };
                Arc::new(TokenEndpoint::new(url, http, self.timeout))
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
                fetcher,
                margin: self.margin,
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
/// [module docs](super). Cheap to clone: clones share the cache and the fetch in flight.
#[derive(Clone)]
pub struct ClientCredentials {
    inner: Arc<Inner>,
}

struct Inner {
    client_id: String,
    secret: ClientSecret,
    scopes: Vec<String>,
    fetcher: Arc<dyn TokenFetcher>,
    margin: Duration,
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
        f.debug_struct("ClientCredentials")
            .field("client_id", &inner.client_id)
            .field("secret", &inner.secret)
            .field("scopes", &inner.scopes)
            .field("source", &inner.fetcher.name())
            .field("margin", &inner.margin)
            .field("cached", &self.cached())
            .finish_non_exhaustive()
    }
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
        let inner = &*self.inner;
        tracing::debug!(client_id = %inner.client_id, source = inner.fetcher.name(), "client-credentials token request");
        let fetched = inner
            .fetcher
            .fetch(Grant {
                client_id: &inner.client_id,
                secret: &inner.secret,
                scopes: &inner.scopes,
            })
            .await?;
        let token = self.token_of(fetched);
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

    /// The token, its expiry put on the provider's clock.
    fn token_of(&self, fetched: Fetched) -> ClientToken {
        let now = self.inner.clock.now();
        let expires_at = now
            .checked_add(Duration::from_secs(fetched.expires_in))
            .unwrap_or(UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX)));
        ClientToken {
            access_token: fetched.access_token,
            expires_at,
            token_type: fetched.token_type.unwrap_or_else(|| "Bearer".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client_credentials::ClientCredentialsLayer;

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
}
