//! [`CognitoAuthLayer`] and its service [`CognitoAuthService`].

use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::response::{IntoResponse, Response};
use http::Request;
use sanctum_core::adapter::{Authentication, Verified, authenticate_now, verify};
use sanctum_core::observe::record_user;
use sanctum_core::{ExpectedUse, Refusal, RejectedRequest, TokenSource, Verifier};
use tower_layer::Layer;
use tower_service::Service;

use super::future::ResponseFuture;
use crate::extract::AuthContext;
use crate::rejection::{CognitoRejection, OnRejection, rejected_request};

/// Verifies the Cognito token of every request and hands the claims to what runs behind it.
///
/// A tower [`Layer`] for any service of `http::Request<B>`: axum routers and handlers, but
/// also plain tower or hyper services. For each request it
///
/// 1. looks for the token where the [`token_source`](Self::token_source) says (default
///    `Authorization: Bearer`, scheme case-insensitive);
/// 2. no token: refuses with 401 and a bare `Bearer` challenge, or, in
///    [`optional`](Self::optional) mode, lets the request through anonymously;
///    an empty token is always refused (401 `invalid_token`);
/// 3. verifies the token with the [`Verifier`] as the [`expected_use`](Self::expected_use)
///    (default: access tokens) and refuses it with 401, or 503 when the signing keys cannot
///    be fetched;
/// 4. records the user on the current span (`enduser.id`, ...: see
///    [`sanctum_core::observe`]) and stores the result in the request extensions, where [`CognitoUser`](crate::CognitoUser), [`TypedClaims`](crate::TypedClaims)
///    and the guards ([`RequireGroup`](crate::RequireGroup), ...) find it.
///
/// Refusals are answered as in [`rejection`](crate::rejection), or by the
/// [`on_rejection`](Self::on_rejection) handler.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use sanctum_axum::{CognitoAuthLayer, CognitoUser, TokenSource};
/// use sanctum_axum::{UserPool, Verifier};
///
/// # fn app() -> Result<Router, sanctum_axum::ConfigError> {
/// let verifier = Verifier::builder()
///     .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
///     .build()?;
///
/// let app = Router::new()
///     .route("/me", get(|user: CognitoUser| async move { user.sub().to_owned() }))
///     // the browser app sends its token in a cookie
///     .route_layer(CognitoAuthLayer::new(verifier).token_source(TokenSource::cookie("session")));
/// # Ok(app) }
/// ```
///
/// With [`Router::layer`](https://docs.rs/axum/0.8/axum/struct.Router.html#method.layer) the
/// layer also runs for requests that match no route (they get 401, not 404);
/// [`Router::route_layer`](https://docs.rs/axum/0.8/axum/struct.Router.html#method.route_layer)
/// only covers the routes added before it.
#[derive(Clone, Debug)]
#[must_use]
pub struct CognitoAuthLayer {
    shared: Arc<Shared>,
}

#[derive(Clone, Debug)]
struct Shared {
    verifier: Verifier,
    source: TokenSource,
    expected: ExpectedUse,
    optional: bool,
    on_rejection: Option<OnRejection>,
    /// Requests without a bearer token are authenticated by their session.
    #[cfg(feature = "sessions")]
    session: Option<crate::session::SessionAuth>,
}

impl CognitoAuthLayer {
    /// A layer verifying access tokens from `Authorization: Bearer` with `verifier`; every
    /// request must carry one.
    pub fn new(verifier: Verifier) -> Self {
        Self {
            shared: Arc::new(Shared {
                verifier,
                source: TokenSource::Bearer,
                expected: ExpectedUse::Access,
                optional: false,
                on_rejection: None,
                #[cfg(feature = "sessions")]
                session: None,
            }),
        }
    }

    fn with(mut self, change: impl FnOnce(&mut Shared)) -> Self {
        change(Arc::make_mut(&mut self.shared));
        self
    }

    /// Whether the layer lets requests without a token through (for the OpenAPI document).
    #[cfg(any(feature = "utoipa", feature = "aide"))]
    pub(crate) fn is_optional(&self) -> bool {
        self.shared.optional
    }

    /// Optional mode: a request without a token passes through anonymously (handlers see
    /// `Option<CognitoUser>` as `None`; guards still answer 401). A token that is present
    /// but empty or invalid is still refused.
    pub fn optional(self) -> Self {
        self.with(|s| s.optional = true)
    }

    /// Where to find the token: [`TokenSource::Bearer`] (default),
    /// [`TokenSource::cookie`], [`TokenSource::custom`], or several in order with
    /// [`TokenSource::one_of`] (a token in two of them is refused with 400).
    ///
    /// **CSRF:** a cookie is sent by the browser on its own, cross-site requests included. A
    /// route that takes its token from a cookie and changes state needs a `SameSite=Strict`
    /// or `Lax` cookie, or a CSRF check of its own.
    ///
    /// ```
    /// # fn demo(verifier: sanctum_axum::Verifier) {
    /// use sanctum_axum::{CognitoAuthLayer, TokenSource};
    ///
    /// let layer = CognitoAuthLayer::new(verifier).token_source(TokenSource::custom(
    ///     |headers| headers.header("x-api-token").map(str::to_owned),
    /// ));
    /// # let _ = layer; }
    /// ```
    pub fn token_source(self, source: TokenSource) -> Self {
        self.with(|s| s.source = source)
    }

    /// Which kind of token to accept: [`ExpectedUse::Access`] (default), [`ExpectedUse::Id`]
    /// or [`ExpectedUse::Either`].
    pub fn expected_use(self, expected: ExpectedUse) -> Self {
        self.with(|s| s.expected = expected)
    }

    /// Answers refusals with your own response instead of the default one; the handler also
    /// answers for the guards and extractors behind this layer. It gets the [`Refusal`] and
    /// the request's method, URI and headers ([`RejectedRequest`]).
    ///
    /// ```
    /// # fn demo(verifier: sanctum_axum::Verifier) {
    /// use axum::response::{IntoResponse, Redirect};
    /// use sanctum_axum::{CognitoAuthLayer, Refusal, default_response};
    ///
    /// // browsers without a session go to the sign-in page, and come back afterwards
    /// let layer = CognitoAuthLayer::new(verifier).on_rejection(|refusal, request| match refusal {
    ///     Refusal::MissingToken => {
    ///         Redirect::to(&format!("/sign-in?next={}", request.uri())).into_response()
    ///     }
    ///     other => default_response(&other),
    /// });
    /// # let _ = layer; }
    /// ```
    pub fn on_rejection<F, R>(self, handler: F) -> Self
    where
        F: Fn(Refusal, RejectedRequest) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        let handler = OnRejection::new(handler);
        self.with(|s| s.on_rejection = Some(handler))
    }
}

#[cfg(feature = "sessions")]
impl CognitoAuthLayer {
    /// Authenticates requests without a bearer token by their session (feature `sessions`):
    /// the session's access token, refreshed when due, verified like a bearer token, so the
    /// guards and extractors behind the layer see the same user. An unsafe method must pass
    /// the session's CSRF rules (403); a session store that cannot be read answers 503. A
    /// request with a bearer token is authenticated by it alone. Needs
    /// [`SessionAuth::layer`](crate::session::SessionAuth::layer) around the routes; see
    /// [`session`](crate::session).
    pub fn session(self, auth: crate::session::SessionAuth) -> Self {
        self.with(|s| s.session = Some(auth))
    }

    /// Sends anonymous browsers to sign in (feature `sessions`): a `GET` or `HEAD` request
    /// without a token or session is answered 303 to `{login_path}?next={path and query}`
    /// instead of 401; other refusals are answered as usual. Replaces any
    /// [`on_rejection`](Self::on_rejection) handler.
    pub fn redirect_to_login(self, login_path: impl Into<String>) -> Self {
        let login_path = login_path.into();
        self.on_rejection(move |refusal, request| match refusal {
            Refusal::MissingToken
                if matches!(*request.method(), http::Method::GET | http::Method::HEAD) =>
            {
                let location = sanctum_core::session::sign_in_location(&login_path, request.uri());
                let mut response = http::StatusCode::SEE_OTHER.into_response();
                if let Ok(location) = http::HeaderValue::try_from(location) {
                    response
                        .headers_mut()
                        .insert(http::header::LOCATION, location);
                }
                response
            }
            other => crate::rejection::default_response(&other),
        })
    }
}

impl<S> Layer<S> for CognitoAuthLayer {
    type Service = CognitoAuthService<S>;

    fn layer(&self, inner: S) -> CognitoAuthService<S> {
        CognitoAuthService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service of [`CognitoAuthLayer`]; see there.
#[derive(Clone, Debug)]
pub struct CognitoAuthService<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// What `call` found, without holding on to the request's headers.
enum Found {
    Missing,
    /// Answered without waiting (the key was cached, or the token was in the verified-token
    /// cache): no future, no copy of the token.
    Ready(Result<Verified, Refusal>),
    /// The token, whose key must be fetched first, copied out of the headers: cheaper than
    /// finding it again (header values are re-validated on every read) and lets the future
    /// own the request.
    Token(String),
}

impl<S, B> Service<Request<B>> for CognitoAuthService<S>
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
        let shared = &*self.shared;
        let found = match authenticate_now(
            &shared.verifier,
            &shared.source,
            req.headers(),
            shared.expected,
        ) {
            Authentication::Anonymous => Found::Missing,
            Authentication::Verified(verified) => Found::Ready(Ok(verified)),
            Authentication::Refused(refusal) => Found::Ready(Err(refusal)),
            Authentication::Later(token) => Found::Token(token.into_owned()),
        };
        let token = match found {
            // no bearer token: the session's, when sessions are on (off the bearer hot path)
            #[cfg(feature = "sessions")]
            Found::Missing if shared.session.is_some() => {
                let clone = self.inner.clone();
                let inner = std::mem::replace(&mut self.inner, clone);
                return ResponseFuture::verifying(Box::pin(crate::session::authenticate(
                    shared.session.clone().unwrap_or_else(|| unreachable!()),
                    shared.verifier.clone(),
                    shared.optional,
                    shared.on_rejection.clone(),
                    inner,
                    req,
                )));
            }
            Found::Missing if shared.optional => {
                req.extensions_mut().insert(AuthContext {
                    user: None,
                    checked_at: 0,
                    on_rejection: shared.on_rejection.clone(),
                });
                return ResponseFuture::inner(self.inner.call(req));
            }
            Found::Missing => return self.reject(Refusal::MissingToken, &req),
            // hot path: a token whose key is cached is answered without boxing a future
            Found::Ready(Ok(verified)) => {
                record_user(verified.claims());
                req.extensions_mut()
                    .insert(AuthContext::verified(verified, shared.on_rejection.clone()));
                return ResponseFuture::inner(self.inner.call(req));
            }
            Found::Ready(Err(refusal)) => return self.reject(refusal, &req),
            Found::Token(token) => token,
        };
        // The ready service goes into the future; a fresh clone waits for the next poll_ready.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        ResponseFuture::verifying(Box::pin(authenticate(
            Arc::clone(&self.shared),
            inner,
            req,
            token,
        )))
    }
}

impl<S> CognitoAuthService<S> {
    fn reject<F, E, B>(&self, rejection: Refusal, req: &Request<B>) -> ResponseFuture<F, E> {
        let rejection = CognitoRejection::new(rejection, self.shared.on_rejection.clone(), || {
            rejected_request(req)
        });
        ResponseFuture::rejected(rejection.into_response())
    }
}

/// Verifies the token, then calls `inner` with the claims in the extensions.
async fn authenticate<S, B>(
    shared: Arc<Shared>,
    mut inner: S,
    mut req: Request<B>,
    token: String,
) -> Result<Response, S::Error>
where
    S: Service<Request<B>>,
    S::Response: IntoResponse,
{
    match verify(&shared.verifier, &token, shared.expected).await {
        Ok(verified) => {
            record_user(verified.claims());
            req.extensions_mut()
                .insert(AuthContext::verified(verified, shared.on_rejection.clone()));
            drop((shared, token));
            let response = inner.call(req).await?;
            Ok(response.into_response())
        }
        Err(err) => {
            let rejection =
                CognitoRejection::new(Refusal::Verify(err), shared.on_rejection.clone(), || {
                    rejected_request(&req)
                });
            Ok(rejection.into_response())
        }
    }
}
