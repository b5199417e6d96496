//! [`AlbAuthLayer`] and its service [`AlbAuthService`]: authentication by the headers an
//! Application Load Balancer with Cognito authentication forwards.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::response::{IntoResponse, Response};
use http::Request;
use sanctum_core::alb::{AlbCredentials, AlbVerifier};
use sanctum_core::{Refusal, RejectedRequest};
use tower_layer::Layer;
use tower_service::Service;

use super::future::ResponseFuture;
use crate::extract::AuthContext;
use crate::rejection::{CognitoRejection, OnRejection, rejected_request};

/// Authenticates requests by the ALB's `x-amzn-oidc-data` header (and, when the
/// [`AlbVerifier`] is built with `access_token`, the forwarded access token), in place of a
/// bearer token: what runs behind it — [`CognitoUser`](crate::CognitoUser), the guards
/// ([`RequireGroup`](crate::RequireGroup), ...) — works as behind
/// [`CognitoAuthLayer`](crate::CognitoAuthLayer).
///
/// A request without `x-amzn-oidc-data` is refused with 401 (or passes anonymously in
/// [`optional`](Self::optional) mode), whatever `x-amzn-oidc-identity` says; an ALB header
/// repeated is 400, an invalid token 401, keys unavailable 503. See
/// [`sanctum_core::alb`] for the checks.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use sanctum_axum::{AlbAuthLayer, CognitoUser, RequireGroup};
/// use sanctum_axum::sanctum_core::alb::AlbVerifier;
/// use sanctum_axum::{UserPool, Verifier};
///
/// # fn app() -> Result<Router, sanctum_axum::ConfigError> {
/// let pool = UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f");
/// let alb = AlbVerifier::builder()
///     .load_balancer_arn(
///         "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
///     )
///     .pool(pool.clone())
///     .access_token(Verifier::builder().pool(pool).build()?) // groups for RequireGroup
///     .build()?;
///
/// let app = Router::new()
///     .route("/admin", get(|| async { "admin" }).route_layer(RequireGroup("admin")))
///     .route("/me", get(|user: CognitoUser| async move { user.sub().to_owned() }))
///     .route_layer(AlbAuthLayer::new(alb));
/// # Ok(app) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct AlbAuthLayer {
    shared: Arc<Shared>,
}

#[derive(Clone, Debug)]
struct Shared {
    verifier: AlbVerifier,
    optional: bool,
    on_rejection: Option<OnRejection>,
}

impl AlbAuthLayer {
    /// A layer requiring a valid `x-amzn-oidc-data` on every request.
    pub fn new(verifier: AlbVerifier) -> Self {
        Self {
            shared: Arc::new(Shared {
                verifier,
                optional: false,
                on_rejection: None,
            }),
        }
    }

    /// Optional mode: a request without `x-amzn-oidc-data` passes anonymously (guards behind
    /// answer 401); an invalid one is still refused.
    pub fn optional(mut self) -> Self {
        Arc::make_mut(&mut self.shared).optional = true;
        self
    }

    /// Answers refusals with your own response, as
    /// [`CognitoAuthLayer::on_rejection`](crate::CognitoAuthLayer::on_rejection).
    pub fn on_rejection<F, R>(mut self, handler: F) -> Self
    where
        F: Fn(Refusal, RejectedRequest) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        Arc::make_mut(&mut self.shared).on_rejection = Some(OnRejection::new(handler));
        self
    }
}

impl<S> Layer<S> for AlbAuthLayer {
    type Service = AlbAuthService<S>;

    fn layer(&self, inner: S) -> AlbAuthService<S> {
        AlbAuthService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service of [`AlbAuthLayer`]; see there.
#[derive(Clone, Debug)]
pub struct AlbAuthService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, B> Service<Request<B>> for AlbAuthService<S>
where
    S: Service<Request<B>> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let shared = Arc::clone(&self.shared);
        let credentials = match AlbCredentials::from_headers(req.headers()) {
            Ok(Some(credentials)) => credentials,
            Ok(None) if shared.optional => {
                req.extensions_mut().insert(AuthContext {
                    user: None,
                    checked_at: 0,
                    on_rejection: shared.on_rejection.clone(),
                });
                return ResponseFuture::inner(self.inner.call(req));
            }
            Ok(None) => return reject(&shared, Refusal::MissingToken, &req),
            Err(refusal) => return reject(&shared, refusal, &req),
        };
        // The ready service goes into the future; a fresh clone waits for the next poll_ready.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        ResponseFuture::verifying(Box::pin(async move {
            match shared.verifier.verify(&credentials).await {
                Ok(verified) => {
                    req.extensions_mut()
                        .insert(AuthContext::verified(verified, shared.on_rejection.clone()));
                    drop((shared, credentials));
                    Ok(inner.call(req).await?.into_response())
                }
                Err(err) => Ok(rejection(&shared, Refusal::Verify(err), &req)),
            }
        }))
    }
}

fn rejection<B>(shared: &Shared, refusal: Refusal, req: &Request<B>) -> Response {
    CognitoRejection::new(refusal, shared.on_rejection.clone(), || {
        rejected_request(req)
    })
    .into_response()
}

fn reject<F, E, B>(shared: &Shared, refusal: Refusal, req: &Request<B>) -> ResponseFuture<F, E> {
    ResponseFuture::rejected(rejection(shared, refusal, req))
}
