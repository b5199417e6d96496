//! [`CognitoAuthLayer`] and its service [`CognitoAuthService`].

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::response::{IntoResponse, Response};
use http::Request;
use sanctum_core::adapter::{
    AsyncTokenFinder, Authentication, CredentialSource, Lookup, RequestView, TokenFuture, Verified,
    found_token, verify,
};
use sanctum_core::{ExpectedUse, Refusal, RejectedRequest, TokenSource, Verifier};
use tower_layer::Layer;
use tower_service::Service;

use super::future::ResponseFuture;
use super::request::{self, Credentials, Shared, Step};
use crate::Require;
use crate::rejection::OnRejection;

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
///    [`sanctum_core::observe`]), checks the rules of [`require`](Self::require) if any, and
///    stores the result in the request extensions, where [`CognitoUser`](crate::CognitoUser), [`TypedClaims`](crate::TypedClaims)
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
    shared: Arc<Shared<Tokens>>,
}

/// The credential source of [`CognitoAuthLayer`]: a token where the [`TokenSource`] (or an
/// [`AsyncTokenFinder`]) says, else (feature `sessions`) the request's session.
#[derive(Clone, Debug)]
pub(crate) struct Tokens {
    verifier: Verifier,
    source: CredentialSource,
    /// The query parameters the source reads, removed from the request's URI.
    hidden: Arc<[String]>,
    expected: ExpectedUse,
    /// Requests without a token are authenticated by their session.
    #[cfg(feature = "sessions")]
    session: Option<crate::session::SessionAuth>,
}

/// What [`Tokens`] finishes later.
pub(crate) enum Pending {
    /// A token whose keys must be fetched (or the issuer asked) first, copied out of the
    /// request: cheaper than finding it again (header values are re-validated on every read)
    /// and lets the future own the request.
    Token(String),
    /// The request's session, to read.
    #[cfg(feature = "sessions")]
    Session(crate::session::PendingSession),
    /// The token an [`AsyncTokenFinder`] is looking for, then (no token) the session.
    Async(TokenFuture, Option<Box<Pending>>),
}

impl Tokens {
    /// No token: the session's, when sessions are on (off the bearer hot path).
    fn without_token<B>(&self, req: &Request<B>) -> Option<Result<Pending, Refusal>> {
        #[cfg(feature = "sessions")]
        if let Some(session) = &self.session {
            return Some(session.pending(req).map(Pending::Session));
        }
        let _ = req;
        None
    }

    /// No token: the session's, when sessions are on, answered without waiting when it can be
    /// (the session in memory, used as it is, its token verified now).
    fn session_now<B>(&self, req: &Request<B>) -> Step<Pending> {
        #[cfg(feature = "sessions")]
        if let Some(session) = &self.session {
            use crate::session::SessionStep;
            return match session.authenticate_now(&self.verifier, req) {
                SessionStep::Verified(verified) => Step::Verified(verified),
                SessionStep::Refused(refusal) => Step::Refused(refusal),
                SessionStep::Later(pending) => Step::Later(Pending::Session(pending)),
            };
        }
        let _ = req;
        Step::Anonymous
    }

    fn find<B>(&self, req: &Request<B>) -> Step<Pending> {
        let request = RequestView::of(req);
        let authentication = match self
            .source
            .authenticate(&self.verifier, &request, self.expected)
        {
            Lookup::Now(authentication) => authentication,
            Lookup::Finding(token) => {
                return match self.without_token(req).transpose() {
                    Ok(then) => Step::Later(Pending::Async(token, then.map(Box::new))),
                    Err(refusal) => Step::Refused(refusal),
                };
            }
        };
        match authentication {
            Authentication::Verified(verified) => Step::Verified(verified),
            Authentication::Anonymous => self.session_now(req),
            Authentication::Refused(refusal) => Step::Refused(refusal),
            Authentication::Later(token) => Step::Later(Pending::Token(token.into_owned())),
        }
    }

    async fn finish(&self, pending: Pending) -> Result<Option<Verified>, Refusal> {
        let pending = match pending {
            Pending::Async(token, then) => match (found_token(token).await?, then) {
                (Some(token), _) => Pending::Token(token),
                (None, Some(then)) => *then,
                (None, None) => return Ok(None),
            },
            pending => pending,
        };
        match pending {
            Pending::Token(token) => verify(&self.verifier, &token, self.expected)
                .await
                .map(Some)
                .map_err(Refusal::Verify),
            #[cfg(feature = "sessions")]
            Pending::Session(pending) => pending.authenticate(&self.verifier).await,
            // `then` is never another finder's
            Pending::Async(..) => Ok(None),
        }
    }
}

impl Credentials for Tokens {
    type Pending = Pending;

    fn now<B>(&self, req: &mut Request<B>) -> Step<Pending> {
        let step = self.find(req);
        if !self.hidden.is_empty() {
            request::remove_query_params(req, &self.hidden);
        }
        step
    }

    fn later(
        &self,
        pending: Pending,
    ) -> impl Future<Output = Result<Option<Verified>, Refusal>> + Send + '_ {
        self.finish(pending)
    }
}

impl CognitoAuthLayer {
    /// A layer verifying access tokens from `Authorization: Bearer` with `verifier`; every
    /// request must carry one.
    pub fn new(verifier: Verifier) -> Self {
        Self {
            shared: Arc::new(Shared::new(Tokens {
                verifier,
                source: CredentialSource::Now(TokenSource::Bearer),
                hidden: Arc::new([]),
                expected: ExpectedUse::Access,
                #[cfg(feature = "sessions")]
                session: None,
            })),
        }
    }

    fn with(mut self, change: impl FnOnce(&mut Shared<Tokens>)) -> Self {
        change(Arc::make_mut(&mut self.shared));
        self
    }

    /// The layer's configuration (for the OpenAPI document).
    #[cfg(any(feature = "utoipa", feature = "aide"))]
    pub(crate) fn shared(&self) -> &Shared<Tokens> {
        &self.shared
    }

    /// Optional mode: a request without a token passes through anonymously (handlers see
    /// `Option<CognitoUser>` as `None`; guards still answer 401). A token that is present
    /// but empty or invalid is still refused.
    pub fn optional(self) -> Self {
        self.with(|s| s.optional = true)
    }

    /// Lets through only users meeting `guard`'s rule — [`RequireGroup`](crate::RequireGroup),
    /// [`RequireScope`](crate::RequireScope), [`RequireStepUp`](crate::RequireStepUp) or any
    /// [`Require`] — checked by this layer right after the token is verified, with the answers
    /// of the same guard added as a route layer behind it: 403 `insufficient_scope` (or the
    /// step-up 401), and 401 for a request without a token, in [`optional`](Self::optional)
    /// mode too. Called again, every rule must hold, checked in the order added.
    ///
    /// One layer instead of two: in axum each `route_layer` costs every request a boxed
    /// service clone and a future of its own, so a route guarded this way is cheaper than with
    /// `.route_layer(RequireGroup("admin"))` (BENCHMARKS.md, issue 22). Guards as route
    /// layers still work behind it, for the routes that need more.
    ///
    /// ```no_run
    /// use axum::{Router, routing::get};
    /// use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup, RequireScope};
    /// # fn app(verifier: sanctum_axum::Verifier) -> Router {
    ///
    /// Router::new()
    ///     .route("/admin", get(|user: CognitoUser| async move { user.sub().to_owned() }))
    ///     .route_layer(
    ///         CognitoAuthLayer::new(verifier)
    ///             .require(RequireGroup("admin"))
    ///             .require(RequireScope("admin/write")),
    ///     )
    /// # }
    /// ```
    pub fn require(self, guard: impl Into<Require>) -> Self {
        let guard = guard.into();
        self.with(|s| s.require(guard.requirement().clone()))
    }

    /// Where to find the token: [`TokenSource::Bearer`] (default),
    /// [`TokenSource::cookie`], [`TokenSource::custom`], or several in order with
    /// [`TokenSource::one_of`] (a token in two of them is refused with 400).
    ///
    /// **WebSockets and server-sent events:** browsers cannot set a header on those requests;
    /// [`TokenSource::query`] reads the token from a query parameter. The layer removes the
    /// parameter from the request's URI (and axum's `OriginalUri`) before anything behind it
    /// sees the request; a `TraceLayer` *in front of* the layer would still log it, so add
    /// request logs after this layer (or record only the path).
    ///
    /// ```
    /// # fn demo(verifier: sanctum_axum::Verifier) {
    /// use axum::{Router, extract::ws::WebSocketUpgrade, routing::get};
    /// use sanctum_axum::{CognitoAuthLayer, CognitoUser, TokenSource};
    ///
    /// let app: Router = Router::new()
    ///     .route("/ws", get(|ws: WebSocketUpgrade, user: CognitoUser| async move {
    ///         ws.on_upgrade(move |socket| async move { let _ = (socket, user); })
    ///     }))
    ///     // `new WebSocket("wss://api.example.com/ws?access_token=...")`
    ///     .route_layer(CognitoAuthLayer::new(verifier).token_source(TokenSource::query("access_token")));
    /// # }
    /// ```
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
        let hidden = source
            .query_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.with(|s| {
            s.source.source = CredentialSource::Now(source);
            s.source.hidden = hidden;
        })
    }

    /// Finds the token with your own [`AsyncTokenFinder`], in place of the
    /// [`token_source`](Self::token_source): a closure that reads what it needs from the
    /// request's headers and query now and returns a future giving the token (`None`: no
    /// token; `Err`: the refusal to answer). The token is then verified like any other.
    ///
    /// ```
    /// # fn demo(verifier: sanctum_axum::Verifier, tickets: std::sync::Arc<std::collections::HashMap<String, String>>) {
    /// use sanctum_axum::CognitoAuthLayer;
    /// use sanctum_axum::sanctum_core::adapter::RequestHeaders;
    ///
    /// // a WebSocket client sends a one-time ticket; the ticket store holds the user's token
    /// let layer = CognitoAuthLayer::new(verifier).token_source_async(move |request: &dyn RequestHeaders| {
    ///     let ticket = request.header("sec-websocket-protocol").map(str::to_owned);
    ///     let tickets = tickets.clone();
    ///     async move { Ok(ticket.and_then(|ticket| tickets.get(&ticket).cloned())) }
    /// });
    /// # let _ = layer; }
    /// ```
    pub fn token_source_async(self, finder: impl AsyncTokenFinder) -> Self {
        let finder: Arc<dyn AsyncTokenFinder> = Arc::new(finder);
        self.with(|s| {
            s.source.source = CredentialSource::Async(finder);
            s.source.hidden = Arc::new([]);
        })
    }

    /// Which kind of token to accept: [`ExpectedUse::Access`] (default), [`ExpectedUse::Id`]
    /// or [`ExpectedUse::Either`].
    pub fn expected_use(self, expected: ExpectedUse) -> Self {
        self.with(|s| s.source.expected = expected)
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

    /// Answers refusals with gRPC statuses (feature `tonic`), for tonic services: the layer, the
    /// guards behind it and the extractors answer `Unauthenticated`, `PermissionDenied`,
    /// `Unavailable`, ... with the refusal's reason as `grpc-message`, instead of a JSON
    /// 401/403 ([`grpc`](crate::grpc) lists them). Replaces any
    /// [`on_rejection`](Self::on_rejection) handler (one that only adjusts the gRPC answer
    /// can call [`grpc_response`](crate::grpc::grpc_response)).
    ///
    /// ```
    /// # fn demo(verifier: sanctum_axum::Verifier) {
    /// use sanctum_axum::CognitoAuthLayer;
    ///
    /// // tonic::transport::Server::builder().layer(auth).add_service(...)
    /// let auth = CognitoAuthLayer::new(verifier).grpc();
    /// # let _ = auth; }
    /// ```
    #[cfg(feature = "tonic")]
    pub fn grpc(self) -> Self {
        self.with(|s| s.on_rejection = Some(OnRejection::Grpc))
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
        self.with(|s| s.source.session = Some(auth))
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
    shared: Arc<Shared<Tokens>>,
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

    fn call(&mut self, req: Request<B>) -> Self::Future {
        request::call(&self.shared, &mut self.inner, req)
    }
}
