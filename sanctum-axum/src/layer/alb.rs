//! [`AlbAuthLayer`] and its service [`AlbAuthService`]: authentication by the headers an
//! Application Load Balancer with Cognito authentication forwards.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::response::{IntoResponse, Response};
use http::Request;
use sanctum_core::adapter::Verified;
use sanctum_core::alb::{AlbAuthentication, AlbCredentials, AlbVerifier};
use sanctum_core::{Refusal, RejectedRequest};
use tower_layer::Layer;
use tower_service::Service;

use super::future::ResponseFuture;
use super::request::{self, Credentials, Shared, Step};
use crate::Require;
use crate::rejection::OnRejection;

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
    shared: Arc<Shared<AlbVerifier>>,
}

/// The ALB headers as a credential source.
impl Credentials for AlbVerifier {
    type Pending = AlbCredentials;

    fn now<B>(&self, req: &mut Request<B>) -> Step<AlbCredentials> {
        // hot path: tokens the verifiers have cached (or whose keys they have) are answered
        // without copying the headers or boxing a future
        match self.authenticate_now(req.headers()) {
            AlbAuthentication::Verified(verified) => Step::Verified(verified),
            AlbAuthentication::Anonymous => Step::Anonymous,
            AlbAuthentication::Refused(refusal) => Step::Refused(refusal),
            AlbAuthentication::Later(credentials) => Step::Later(credentials),
        }
    }

    async fn later(&self, credentials: AlbCredentials) -> Result<Option<Verified>, Refusal> {
        self.verify(&credentials)
            .await
            .map(Some)
            .map_err(Refusal::Verify)
    }
}

impl AlbAuthLayer {
    /// A layer requiring a valid `x-amzn-oidc-data` on every request.
    pub fn new(verifier: AlbVerifier) -> Self {
        Self {
            shared: Arc::new(Shared::new(verifier)),
        }
    }

    /// The layer's configuration (for the OpenAPI document).
    #[cfg(any(feature = "utoipa", feature = "aide"))]
    pub(crate) fn shared(&self) -> &Shared<AlbVerifier> {
        &self.shared
    }

    /// Optional mode: a request without `x-amzn-oidc-data` passes anonymously (guards behind
    /// answer 401); an invalid one is still refused.
    pub fn optional(mut self) -> Self {
        Arc::make_mut(&mut self.shared).optional = true;
        self
    }

    /// Lets through only users meeting `guard`'s rule — [`RequireGroup`](crate::RequireGroup),
    /// [`RequireScope`](crate::RequireScope), [`RequireStepUp`](crate::RequireStepUp) or any
    /// [`Require`] — checked by this layer right after the ALB's headers are verified, with the
    /// answers of the same guard added as a route layer behind it: 403 `insufficient_scope` (or
    /// the step-up 401), and 401 for a request without `x-amzn-oidc-data`, in
    /// [`optional`](Self::optional) mode too. Called again, every rule must hold, checked in the
    /// order added. As [`CognitoAuthLayer::require`](crate::CognitoAuthLayer::require): one
    /// layer instead of two.
    ///
    /// Groups and scopes are those of the access token the ALB forwards: build the
    /// [`AlbVerifier`] with `access_token` for a rule about them.
    ///
    /// ```no_run
    /// use axum::{Router, routing::get};
    /// use sanctum_axum::{AlbAuthLayer, CognitoUser, RequireGroup};
    /// # fn app(alb: sanctum_axum::sanctum_core::alb::AlbVerifier) -> Router {
    ///
    /// Router::new()
    ///     .route("/admin", get(|user: CognitoUser| async move { user.sub().to_owned() }))
    ///     .route_layer(AlbAuthLayer::new(alb).require(RequireGroup("admin")))
    /// # }
    /// ```
    ///
    /// The OpenAPI helpers (features `utoipa`, `aide`) document the rule when the layer is
    /// added with `route_alb_auth` (in `x-sanctum-alb`: see [`sanctum_core::openapi`]).
    pub fn require(mut self, guard: impl Into<Require>) -> Self {
        let guard = guard.into();
        Arc::make_mut(&mut self.shared).require(guard.requirement().clone());
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

    /// Answers refusals with gRPC statuses (feature `tonic`), as
    /// [`CognitoAuthLayer::grpc`](crate::CognitoAuthLayer::grpc).
    #[cfg(feature = "tonic")]
    pub fn grpc(mut self) -> Self {
        Arc::make_mut(&mut self.shared).on_rejection = Some(OnRejection::Grpc);
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
    shared: Arc<Shared<AlbVerifier>>,
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

    fn call(&mut self, req: Request<B>) -> Self::Future {
        request::call(&self.shared, &mut self.inner, req)
    }
}
