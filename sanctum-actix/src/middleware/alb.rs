//! [`AlbAuth`]: authentication by the headers an Application Load Balancer with Cognito
//! authentication forwards.

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{Error, HttpResponse};
use sanctum_core::adapter::Verified;
use sanctum_core::alb::{AlbAuthentication, AlbCredentials, AlbVerifier};
use sanctum_core::{Refusal, RejectedRequest};

use super::Require;
use super::auth::Headers;
use super::request::{self, Auth, AuthFuture, Credentials, Step};
use crate::rejection::Handler;

/// The middleware authenticating requests by the ALB's `x-amzn-oidc-data` header (and, when
/// the [`AlbVerifier`] is built with `access_token`, the forwarded access token), in place of
/// a bearer token: the guards and extractors behind it work as behind
/// [`CognitoAuth`](crate::CognitoAuth).
///
/// A request without `x-amzn-oidc-data` is refused with 401 (or passes anonymously in
/// [`optional`](Self::optional) mode), whatever `x-amzn-oidc-identity` says; an ALB header
/// repeated is 400, an invalid token 401, keys unavailable 503. See
/// [`sanctum_core::alb`] for the checks.
///
/// ```no_run
/// use actix_web::{App, web};
/// use sanctum_actix::{AlbAuth, CognitoUser, RequireGroup};
/// use sanctum_actix::sanctum_core::alb::AlbVerifier;
/// use sanctum_actix::{UserPool, Verifier};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let pool = UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f");
/// let alb = AlbVerifier::builder()
///     .load_balancer_arn(
///         "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
///     )
///     .pool(pool.clone())
///     .access_token(Verifier::builder().pool(pool).build()?) // groups for RequireGroup
///     .build()?;
/// let app = App::new()
///     .service(
///         web::resource("/admin")
///             .wrap(RequireGroup("admin"))
///             .to(|| async { "admin" }),
///     )
///     .route("/me", web::get().to(|user: CognitoUser| async move { user.sub().to_owned() }))
///     .wrap(AlbAuth::new(alb));
/// # let _ = app; Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct AlbAuth {
    auth: Auth<AlbVerifier>,
}

/// The ALB headers as a credential source.
impl Credentials for AlbVerifier {
    type Pending = AlbCredentials;

    fn now(&self, req: &mut ServiceRequest) -> Step<AlbCredentials> {
        // hot path: tokens the verifiers have cached (or whose keys they have) are answered
        // without copying the headers or boxing a future
        match self.authenticate_now(&Headers(req.headers())) {
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

impl AlbAuth {
    /// Requires a valid `x-amzn-oidc-data` on every request.
    pub fn new(verifier: AlbVerifier) -> Self {
        Self {
            auth: Auth::new(verifier),
        }
    }

    /// The middleware's configuration (for the OpenAPI document).
    #[cfg(feature = "utoipa")]
    pub(crate) fn auth(&self) -> &Auth<AlbVerifier> {
        &self.auth
    }

    /// Optional mode: a request without `x-amzn-oidc-data` passes anonymously (guards behind
    /// answer 401); an invalid one is still refused.
    pub fn optional(mut self) -> Self {
        self.auth.optional = true;
        self
    }

    /// Lets through only users meeting `guard`'s rule — [`RequireGroup`](crate::RequireGroup),
    /// [`RequireScope`](crate::RequireScope), [`RequireStepUp`](crate::RequireStepUp) or any
    /// [`Require`] — checked by this middleware right after the ALB's headers are verified,
    /// with the answers of the same guard wrapped behind it: 403 `insufficient_scope` (or the
    /// step-up 401), and 401 for a request without `x-amzn-oidc-data`, in
    /// [`optional`](Self::optional) mode too. Called again, every rule must hold, checked in the
    /// order added. As [`CognitoAuth::require`](crate::CognitoAuth::require): one middleware
    /// instead of two.
    ///
    /// Groups and scopes are those of the access token the ALB forwards: build the
    /// [`AlbVerifier`] with `access_token` for a rule about them.
    ///
    /// ```
    /// use actix_web::web;
    /// use sanctum_actix::{AlbAuth, CognitoUser, RequireGroup};
    /// # fn routes(alb: sanctum_actix::sanctum_core::alb::AlbVerifier) {
    /// let admin = web::resource("/admin")
    ///     .wrap(AlbAuth::new(alb).require(RequireGroup("admin")))
    ///     .get(|user: CognitoUser| async move { user.sub().to_owned() });
    /// # let _ = admin; }
    /// ```
    ///
    /// The OpenAPI helpers (feature `utoipa`) document the rule when the middleware is wrapped
    /// with `openapi::ScopeExt::wrap_auth` (in `x-sanctum-alb`: see [`sanctum_core::openapi`]).
    pub fn require(mut self, guard: impl Into<Require>) -> Self {
        self.auth.require(guard.into().requirement().clone());
        self
    }

    /// Replaces the response to every refusal, as
    /// [`CognitoAuth::on_rejection`](crate::CognitoAuth::on_rejection).
    pub fn on_rejection<F, R>(mut self, handler: F) -> Self
    where
        F: Fn(Refusal, RejectedRequest) -> R + Send + Sync + 'static,
        R: Into<HttpResponse>,
    {
        let handler: Handler = Arc::new(move |rejection: Refusal, request: RejectedRequest| {
            handler(rejection, request).into()
        });
        self.auth.handler = Some(handler);
        self
    }
}

impl fmt::Debug for AlbAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AlbAuth").field(&self.auth).finish()
    }
}

impl<S, B> Transform<S, ServiceRequest> for AlbAuth
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = AlbAuthService<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(AlbAuthService {
            service: Rc::new(service),
            auth: Rc::new(self.auth.clone()),
        }))
    }
}

/// The service [`AlbAuth`] wraps around the next one; not used directly.
#[doc(hidden)]
pub struct AlbAuthService<S> {
    service: Rc<S>,
    auth: Rc<Auth<AlbVerifier>>,
}

impl<S> fmt::Debug for AlbAuthService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlbAuthService")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for AlbAuthService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = AuthFuture<S::Future, B>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        request::call(&self.auth, &self.service, req)
    }
}
