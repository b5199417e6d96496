//! [`ClientCredentialsLayer`]: a tower layer that sets `Authorization: Bearer <token>` on every
//! request with a [`ClientCredentials`]' token.

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::HeaderValue;
use http::header::AUTHORIZATION;

use super::{ClientCredentials, ClientCredentialsError};

/// The error of [`ClientCredentialsService`], as in tower.
type BoxError = Box<dyn StdError + Send + Sync>;

/// A tower [`Layer`](tower_layer::Layer) that sets `Authorization: Bearer <token>` on every
/// `http::Request` (hyper, tonic, any tower HTTP client), with the token of a
/// [`ClientCredentials`] (replacing any `Authorization` the request had). See the
/// [module docs](super) for an example.
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

/// The service of [`ClientCredentialsLayer`]. Its error is boxed
/// (`Box<dyn Error + Send + Sync>`, as in tower): the inner service's, or a
/// [`ClientCredentialsError`] (the request is then not sent).
#[derive(Debug, Clone)]
pub struct ClientCredentialsService<S> {
    inner: S,
    tokens: ClientCredentials,
}

impl<S, B> tower_service::Service<http::Request<B>> for ClientCredentialsService<S>
where
    S: tower_service::Service<http::Request<B>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
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
