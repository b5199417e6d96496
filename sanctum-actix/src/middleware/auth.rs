//! [`CognitoAuth`]: token extraction and verification.

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::{Error, HttpResponse};
use sanctum_core::adapter::{
    AsyncTokenFinder, Authentication, CredentialSource, HeaderOnce, Lookup, RequestHeaders,
    RequestView, TokenFuture, Verified, found_token, header_text, verify,
};
use sanctum_core::{ExpectedUse, Refusal, RejectedRequest, TokenSource, Verifier};

use super::Require;
use super::request::{self, Auth, AuthFuture, Credentials, Step};
use crate::rejection::Handler;

/// The authentication middleware: finds the request's token, verifies it with a
/// [`Verifier`], records the user on the current span (`enduser.id`, ...: see
/// [`sanctum_core::observe`]) and puts the claims into the request extensions for the guards
/// and extractors behind it.
///
/// | request | required mode (default) | [optional](Self::optional) mode |
/// |---|---|---|
/// | no token (also: another scheme such as `Basic`) | 401, bare `Bearer` challenge | passes, anonymous |
/// | empty bearer token | 401 `invalid_token` | 401 `invalid_token` |
/// | invalid token | 401 `invalid_token` | 401 `invalid_token` |
/// | signing keys unavailable | 503 | 503 |
/// | valid token | passes with its claims | passes with its claims |
///
/// Cheap to clone (clones share the verifier's keys and cache). See the
/// [module docs](crate::middleware) for the order of `.wrap()` calls.
///
/// ```
/// use actix_web::{App, HttpResponse, web};
/// use sanctum_actix::{Refusal, CognitoAuth, default_response};
/// use sanctum_actix::{ExpectedUse, TokenSource, UserPool, Verifier};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = Verifier::builder()
///     .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
///     .build()?;
/// let auth = CognitoAuth::new(verifier)
///     .optional() // no token: anonymous; a bad token is still refused
///     .token_source(TokenSource::cookie("id_token"))
///     .expected_use(ExpectedUse::Id)
///     .on_rejection(|refusal, request| match refusal {
///         // send browsers without a valid session to the sign-in page, and back afterwards
///         Refusal::MissingToken | Refusal::EmptyToken => HttpResponse::Found()
///             .insert_header(("location", format!("/sign-in?next={}", request.uri())))
///             .finish(),
///         other => default_response(&other),
///     });
/// let app = App::new().wrap(auth).route("/", web::get().to(|| async { "hi" }));
/// # let _ = app;
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct CognitoAuth {
    auth: Auth<Tokens>,
}

/// The credential source of [`CognitoAuth`]: a token where the [`TokenSource`] (or an
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
    /// request so the future owns it.
    Token(String),
    /// The request's session, to read.
    #[cfg(feature = "sessions")]
    Session(crate::session::PendingSession),
    /// The token an [`AsyncTokenFinder`] is looking for, then (no token) the session.
    Async(TokenFuture, Option<Box<Pending>>),
}

impl Tokens {
    fn find(&self, req: &ServiceRequest) -> Step<Pending> {
        let headers = Headers(req.headers());
        let request = RequestView::new(&headers, req.uri().query());
        match self
            .source
            .authenticate(&self.verifier, &request, self.expected)
        {
            Lookup::Finding(token) => Step::Later(Pending::Async(token, None)),
            Lookup::Now(Authentication::Verified(verified)) => Step::Verified(verified),
            Lookup::Now(Authentication::Anonymous) => Step::Anonymous,
            Lookup::Now(Authentication::Refused(refusal)) => Step::Refused(refusal),
            Lookup::Now(Authentication::Later(token)) => {
                Step::Later(Pending::Token(token.into_owned()))
            }
        }
    }
}

impl Credentials for Tokens {
    type Pending = Pending;

    fn now(&self, req: &mut ServiceRequest) -> Step<Pending> {
        let step = self.find(req);
        if !self.hidden.is_empty() {
            request::remove_query_params(req, &self.hidden);
        }
        // no token: the session's, when sessions are on (off the bearer hot path); the
        // request is shared with the session's read only once its URI is final
        #[cfg(feature = "sessions")]
        if let Some(session) = &self.session {
            use crate::session::SessionStep;
            return match step {
                // answered without waiting when it can be (the session in memory, used as it is)
                Step::Anonymous => match session.authenticate_now(&self.verifier, req.request()) {
                    SessionStep::Anonymous => Step::Anonymous,
                    SessionStep::Verified(verified) => Step::Verified(verified),
                    SessionStep::Refused(refusal) => Step::Refused(refusal),
                    SessionStep::Later(pending) => Step::Later(Pending::Session(pending)),
                },
                Step::Later(Pending::Async(token, None)) => {
                    let then = Pending::Session(session.pending(req.request()));
                    Step::Later(Pending::Async(token, Some(Box::new(then))))
                }
                step => step,
            };
        }
        step
    }

    async fn later(&self, pending: Pending) -> Result<Option<Verified>, Refusal> {
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

impl CognitoAuth {
    /// Required mode, `Authorization: Bearer` tokens, access tokens only, the default responses.
    pub fn new(verifier: Verifier) -> Self {
        Self {
            auth: Auth::new(Tokens {
                verifier,
                source: CredentialSource::Now(TokenSource::Bearer),
                hidden: Arc::new([]),
                expected: ExpectedUse::Access,
                #[cfg(feature = "sessions")]
                session: None,
            }),
        }
    }

    /// The middleware's configuration (for the OpenAPI document).
    #[cfg(feature = "utoipa")]
    pub(crate) fn auth(&self) -> &Auth<Tokens> {
        &self.auth
    }

    /// Optional mode: a request without a token passes anonymously (guards behind answer 401,
    /// `Option<CognitoUser>` is `None`). A request with an empty or invalid token is still
    /// refused.
    pub fn optional(mut self) -> Self {
        self.auth.optional = true;
        self
    }

    /// Lets through only users meeting `guard`'s rule — [`RequireGroup`](crate::RequireGroup),
    /// [`RequireScope`](crate::RequireScope), [`RequireStepUp`](crate::RequireStepUp) or any
    /// [`Require`] — checked by this middleware right after the token is verified, with the
    /// answers of the same guard wrapped behind it: 403 `insufficient_scope` (or the step-up
    /// 401), and 401 for a request without a token, in [`optional`](Self::optional) mode too.
    /// Called again, every rule must hold, checked in the order added.
    ///
    /// One middleware instead of two, as `CognitoAuthLayer::require` in sanctum-axum (where it
    /// saves a route layer's per-request cost, BENCHMARKS.md, issue 22). Guards wrapped behind
    /// it still work, for the routes that need more.
    ///
    /// ```
    /// use actix_web::web;
    /// use sanctum_actix::{CognitoAuth, CognitoUser, RequireGroup, RequireScope};
    /// # fn routes(verifier: sanctum_actix::Verifier) {
    /// let admin = web::resource("/admin")
    ///     .wrap(
    ///         CognitoAuth::new(verifier)
    ///             .require(RequireGroup("admin"))
    ///             .require(RequireScope("admin/write")),
    ///     )
    ///     .get(|user: CognitoUser| async move { user.sub().to_owned() });
    /// # let _ = admin; }
    /// ```
    pub fn require(mut self, guard: impl Into<Require>) -> Self {
        self.auth.require(guard.into().requirement().clone());
        self
    }

    /// Where to find the token (default [`TokenSource::Bearer`]; also
    /// [`TokenSource::cookie`], [`TokenSource::custom`], and several in order with
    /// [`TokenSource::one_of`], where a token in two of them is refused with 400).
    ///
    /// **WebSockets and server-sent events:** browsers cannot set a header on those requests;
    /// [`TokenSource::query`] reads the token from a query parameter. The middleware removes
    /// the parameter from the request's URI before anything behind it sees the request; a
    /// `Logger` wrapped *outside* it would still log it, so wrap request logs inside it (or
    /// log only the path).
    ///
    /// **CSRF:** a cookie is sent by the browser on its own, cross-site requests included. A
    /// route that takes its token from a cookie and changes state needs a `SameSite=Strict`
    /// or `Lax` cookie, or a CSRF check of its own.
    pub fn token_source(mut self, source: TokenSource) -> Self {
        self.auth.source.hidden = source
            .query_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.auth.source.source = CredentialSource::Now(source);
        self
    }

    /// Finds the token with your own [`AsyncTokenFinder`], in place of the
    /// [`token_source`](Self::token_source): a closure that reads what it needs from the
    /// request's headers and query now and returns a future giving the token (`None`: no
    /// token; `Err`: the refusal to answer). The token is then verified like any other.
    ///
    /// ```
    /// # fn demo(verifier: sanctum_actix::Verifier, tickets: std::sync::Arc<std::collections::HashMap<String, String>>) {
    /// use sanctum_actix::CognitoAuth;
    /// use sanctum_actix::sanctum_core::adapter::RequestHeaders;
    ///
    /// // a WebSocket client sends a one-time ticket; the ticket store holds the user's token
    /// let auth = CognitoAuth::new(verifier).token_source_async(move |request: &dyn RequestHeaders| {
    ///     let ticket = request.header("sec-websocket-protocol").map(str::to_owned);
    ///     let tickets = tickets.clone();
    ///     async move { Ok(ticket.and_then(|ticket| tickets.get(&ticket).cloned())) }
    /// });
    /// # let _ = auth; }
    /// ```
    pub fn token_source_async(mut self, finder: impl AsyncTokenFinder) -> Self {
        self.auth.source.source = CredentialSource::Async(Arc::new(finder));
        self.auth.source.hidden = Arc::new([]);
        self
    }

    /// Which kind of token to accept (default [`ExpectedUse::Access`]).
    pub fn expected_use(mut self, expected: ExpectedUse) -> Self {
        self.auth.source.expected = expected;
        self
    }

    /// Replaces the response to every refusal — by this middleware, and by the guards and
    /// extractors behind it — with your own. The [`Refusal`] says why and carries the
    /// default status, challenge and body, should you want to reuse them
    /// ([`default_response`](crate::default_response) builds the default answer).
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

#[cfg(feature = "sessions")]
impl CognitoAuth {
    /// Authenticates requests without a bearer token by their session (feature `sessions`):
    /// the session's access token, refreshed when due, verified like a bearer token, so the
    /// guards and extractors behind the middleware see the same user. An unsafe method must
    /// pass the session's CSRF rules (403); a session store that cannot be read answers 503.
    /// A request with a bearer token is authenticated by it alone and never touches the
    /// store. See [`session`](crate::session).
    pub fn session(mut self, auth: crate::session::SessionAuth) -> Self {
        self.auth.source.session = Some(auth);
        self
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
                HttpResponse::SeeOther()
                    .insert_header((
                        header::LOCATION,
                        sanctum_core::session::sign_in_location(&login_path, request.uri()),
                    ))
                    .finish()
            }
            other => crate::rejection::default_response(&other),
        })
    }
}

impl fmt::Debug for CognitoAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CognitoAuth").field(&self.auth).finish()
    }
}

impl<S, B> Transform<S, ServiceRequest> for CognitoAuth
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CognitoAuthService<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(CognitoAuthService {
            service: Rc::new(service),
            auth: Rc::new(self.auth.clone()),
        }))
    }
}

/// The service [`CognitoAuth`] wraps around the next one; not used directly.
#[doc(hidden)]
pub struct CognitoAuthService<S> {
    service: Rc<S>,
    auth: Rc<Auth<Tokens>>,
}

impl<S> fmt::Debug for CognitoAuthService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoAuthService")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// actix-web's header map (`http` 0.2 types) as the core's [`RequestHeaders`].
pub(crate) struct Headers<'a>(pub(crate) &'a HeaderMap);

/// The header names the token sources read, as constants: looking one up by its constant
/// skips parsing the name (about 300 instructions a lookup in actix-web's map, measured with
/// callgrind).
fn known(name: &str) -> Option<&'static HeaderName> {
    match name {
        "authorization" => Some(&header::AUTHORIZATION),
        "cookie" => Some(&header::COOKIE),
        _ => None,
    }
}

impl<'a> Headers<'a> {
    fn all(&self, name: &str) -> std::slice::Iter<'a, HeaderValue> {
        match known(name) {
            Some(known) => self.0.get_all(known),
            None => self.0.get_all(name),
        }
    }
}

impl RequestHeaders for Headers<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.header_bytes(name).and_then(header_text)
    }

    fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        match known(name) {
            Some(known) => self.0.get(known),
            None => self.0.get(name),
        }
        .map(|v| v.as_bytes())
    }

    fn header_all(&self, name: &str) -> Vec<&str> {
        self.all(name)
            .filter_map(|v| header_text(v.as_bytes()))
            .collect()
    }

    fn header_count(&self, name: &str) -> usize {
        self.all(name).count()
    }

    fn header_once(&self, name: &str) -> HeaderOnce<'_> {
        HeaderOnce::of(self.all(name))
    }
}

impl<S, B> Service<ServiceRequest> for CognitoAuthService<S>
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

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;
    use sanctum_core::adapter::Extracted;

    fn map(pairs: &[(&'static str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_bytes(value) {
                map.append(HeaderName::from_static(name), value);
            }
        }
        map
    }

    #[test]
    fn actix_headers_feed_the_core_token_sources() {
        let headers = map(&[
            ("cookie", b"theme=dark"),
            ("cookie", b"\xffbinary=1"),
            ("cookie", b"session=t.t.t"),
            ("authorization", b"bEaReR a.b.c"),
        ]);
        let headers = Headers(&headers);
        assert_eq!(
            TokenSource::Bearer.extract(&headers),
            Extracted::Token("a.b.c".into())
        );
        assert_eq!(
            TokenSource::cookie("session").extract(&headers),
            Extracted::Token("t.t.t".into()),
            "every Cookie header is searched, values that are not UTF-8 skipped"
        );
        assert_eq!(headers.header_all("cookie").len(), 2);
    }

    #[test]
    fn a_bearer_token_that_is_not_utf8_is_unreadable_not_missing() {
        let headers = map(&[("authorization", b"Bearer \xff\xfe")]);
        assert_eq!(
            TokenSource::Bearer.extract(&Headers(&headers)),
            Extracted::Unreadable
        );
        let headers = map(&[("authorization", b"Basic \xff\xfe")]);
        assert_eq!(
            TokenSource::Bearer.extract(&Headers(&headers)),
            Extracted::Missing
        );
    }
}
