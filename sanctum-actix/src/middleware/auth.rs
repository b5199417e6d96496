//! [`CognitoAuth`]: token extraction and verification.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::{Error, HttpMessage as _, HttpResponse};
use futures_util::future::LocalBoxFuture;
use sanctum_core::adapter::{
    Authentication, HeaderOnce, RequestHeaders, authenticate_now, header_text, verify,
};
use sanctum_core::observe::record_user;
use sanctum_core::{ExpectedUse, Refusal, RejectedRequest, TokenSource, Verifier};

use crate::extract::AuthState;
use crate::rejection::{Handler, respond};

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
    verifier: Verifier,
    source: TokenSource,
    expected: ExpectedUse,
    optional: bool,
    handler: Option<Handler>,
    /// Requests without a bearer token are authenticated by their session.
    #[cfg(feature = "sessions")]
    session: Option<crate::session::SessionAuth>,
}

impl CognitoAuth {
    /// Required mode, `Authorization: Bearer` tokens, access tokens only, the default responses.
    pub fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            source: TokenSource::Bearer,
            expected: ExpectedUse::Access,
            optional: false,
            handler: None,
            #[cfg(feature = "sessions")]
            session: None,
        }
    }

    /// Whether requests without a token pass (for the OpenAPI document).
    #[cfg(feature = "utoipa")]
    pub(crate) fn is_optional(&self) -> bool {
        self.optional
    }

    /// Optional mode: a request without a token passes anonymously (guards behind answer 401,
    /// `Option<CognitoUser>` is `None`). A request with an empty or invalid token is still
    /// refused.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Where to find the token (default [`TokenSource::Bearer`]; also
    /// [`TokenSource::cookie`], [`TokenSource::custom`], and several in order with
    /// [`TokenSource::one_of`], where a token in two of them is refused with 400).
    ///
    /// **CSRF:** a cookie is sent by the browser on its own, cross-site requests included. A
    /// route that takes its token from a cookie and changes state needs a `SameSite=Strict`
    /// or `Lax` cookie, or a CSRF check of its own.
    pub fn token_source(mut self, source: TokenSource) -> Self {
        self.source = source;
        self
    }

    /// Which kind of token to accept (default [`ExpectedUse::Access`]).
    pub fn expected_use(mut self, expected: ExpectedUse) -> Self {
        self.expected = expected;
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
        self.handler = Some(handler);
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
        self.session = Some(auth);
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
        f.debug_struct("CognitoAuth")
            .field("verifier", &self.verifier)
            .field("source", &self.source)
            .field("expected", &self.expected)
            .field("optional", &self.optional)
            .field("custom_rejection", &self.handler.is_some())
            .finish_non_exhaustive()
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
            auth: Rc::new(self.clone()),
        }))
    }
}

/// The service [`CognitoAuth`] wraps around the next one; not used directly.
#[doc(hidden)]
pub struct CognitoAuthService<S> {
    service: Rc<S>,
    auth: Rc<CognitoAuth>,
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
        // Answered without waiting when it can be: no token, an empty one, or a token whose
        // key is cached (verified now, or found in the verified-token cache: no box, the
        // future is the inner call's). Only a token whose key must be fetched waits.
        let ready = match authenticate_now(
            &self.auth.verifier,
            &self.auth.source,
            &Headers(req.headers()),
            self.auth.expected,
        ) {
            // no bearer token: the session's, when sessions are on (off the bearer hot path)
            #[cfg(feature = "sessions")]
            Authentication::Anonymous if self.auth.session.is_some() => {
                return self.by_session(req);
            }
            Authentication::Anonymous if self.auth.optional => Some(Ok(None)),
            Authentication::Anonymous => Some(Err(Refusal::MissingToken)),
            Authentication::Verified(verified) => Some(Ok(Some(verified))),
            Authentication::Refused(refusal) => Some(Err(refusal)),
            Authentication::Later(_) => None,
        };
        match ready {
            Some(Ok(verified)) => {
                if let Some(verified) = &verified {
                    record_user(verified.claims());
                }
                req.extensions_mut()
                    .insert(AuthState::new(verified, self.auth.handler.clone()));
                AuthFuture::Inner {
                    future: self.service.call(req),
                }
            }
            Some(Err(rejection)) => AuthFuture::Refused {
                response: Some(reject(req, &rejection, &self.auth)),
            },
            None => {
                let service = Rc::clone(&self.service);
                let auth = Rc::clone(&self.auth);
                AuthFuture::waiting(async move {
                    // The token is borrowed from the request's headers, not copied.
                    let outcome = match auth.source.extract(&Headers(req.headers())).into_token() {
                        Ok(Some(token)) => verify(&auth.verifier, &token, auth.expected)
                            .await
                            .map_err(Refusal::Verify),
                        // found in these very headers a moment ago; kept total all the same
                        Ok(None) => Err(Refusal::MissingToken),
                        Err(err) => Err(Refusal::from(err)),
                    };
                    match outcome {
                        Ok(verified) => {
                            record_user(verified.claims());
                            req.extensions_mut()
                                .insert(AuthState::new(Some(verified), auth.handler.clone()));
                            service
                                .call(req)
                                .await
                                .map(ServiceResponse::map_into_left_body)
                        }
                        Err(rejection) => Ok(reject(req, &rejection, &auth)),
                    }
                })
            }
        }
    }
}

#[cfg(feature = "sessions")]
impl<S> CognitoAuthService<S> {
    /// A request without a bearer token, authenticated by its session.
    fn by_session<B>(&self, req: ServiceRequest) -> AuthFuture<S::Future, B>
    where
        S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
        B: MessageBody + 'static,
    {
        let service = Rc::clone(&self.service);
        let auth = Rc::clone(&self.auth);
        AuthFuture::waiting(async move {
            let Some(session) = &auth.session else {
                return Ok(reject(req, &Refusal::MissingToken, &auth));
            };
            let outcome = match session.authenticate(&auth.verifier, req.request()).await {
                Ok(None) if auth.optional => Ok(None),
                Ok(None) => Err(Refusal::MissingToken),
                Ok(Some(verified)) => Ok(Some(verified)),
                Err(refusal) => Err(refusal),
            };
            match outcome {
                Ok(verified) => {
                    if let Some(verified) = &verified {
                        record_user(verified.claims());
                    }
                    req.extensions_mut()
                        .insert(AuthState::new(verified, auth.handler.clone()));
                    service
                        .call(req)
                        .await
                        .map(ServiceResponse::map_into_left_body)
                }
                Err(refusal) => Ok(reject(req, &refusal, &auth)),
            }
        })
    }
}

/// The outcome a verification that waited for keys resolves to.
type Waiting<B> = LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<B>>, Error>>;

pin_project_lite::pin_project! {
    /// The response future of [`CognitoAuthService`]: the next service's call (the token
    /// verified without waiting, or none needed), a refusal, or (boxed) a verification that
    /// waits for the JWKS first. Not used directly.
    #[doc(hidden)]
    #[project = AuthFutureProj]
    pub enum AuthFuture<F, B> {
        /// The next service's call.
        Inner { #[pin] future: F },
        /// The refusal, taken when polled.
        Refused { response: Option<ServiceResponse<EitherBody<B>>> },
        /// A verification waiting for keys, then the next service's call.
        Waiting { future: Waiting<B> },
    }
}

impl<F, B> AuthFuture<F, B> {
    pub(crate) fn waiting(
        future: impl Future<Output = Result<ServiceResponse<EitherBody<B>>, Error>> + 'static,
    ) -> Self {
        Self::Waiting {
            future: Box::pin(future),
        }
    }
}

impl<F, B> Future for AuthFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AuthFutureProj::Inner { future } => {
                future.poll(cx).map_ok(ServiceResponse::map_into_left_body)
            }
            // Polled again after completion: an error rather than a panic.
            AuthFutureProj::Refused { response } => Poll::Ready(response.take().ok_or_else(|| {
                actix_web::error::ErrorInternalServerError("response already taken")
            })),
            AuthFutureProj::Waiting { future } => future.as_mut().poll(cx),
        }
    }
}

impl<F, B> fmt::Debug for AuthFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Inner { .. } => "AuthFuture::Inner",
            Self::Refused { .. } => "AuthFuture::Refused",
            Self::Waiting { .. } => "AuthFuture::Waiting",
        })
    }
}

/// Logs the refusal and answers it (with the application's handler when there is one).
fn reject<B>(
    req: ServiceRequest,
    rejection: &Refusal,
    auth: &CognitoAuth,
) -> ServiceResponse<EitherBody<B>> {
    rejection.log();
    let response = respond(rejection, auth.handler.as_ref(), req.request());
    req.into_response(response).map_into_right_body()
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
