//! The one request path of the authentication middleware ([`CognitoAuth`](super::CognitoAuth),
//! [`AlbAuth`](super::AlbAuth)): a credential source finds and checks what the request
//! carries; everything after — optional mode, the refusal and its log, the user on the span,
//! the request extensions — is done here, the same for every source.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::Uri;
use actix_web::http::uri::PathAndQuery;
use actix_web::{Error, HttpMessage as _};
use futures_util::future::LocalBoxFuture;
use sanctum_core::adapter::{Verified, check_requirement, without_query_params};
use sanctum_core::observe::record_user;
use sanctum_core::{Refusal, Requirement};

use crate::extract::AuthState;
use crate::rejection::{Handler, respond};

/// What a credential source makes of a request without waiting.
pub(crate) enum Step<P> {
    /// No credential: anonymous in optional mode, else refused.
    Anonymous,
    /// A valid credential, checked now.
    Verified(Verified),
    /// Refused now.
    Refused(Refusal),
    /// To be finished by [`Credentials::later`] (keys to fetch, a store to read).
    Later(P),
}

/// A credential source: where a request carries its credential and how it is verified.
pub(crate) trait Credentials: 'static {
    /// What [`now`](Self::now) hands to [`later`](Self::later): owned, so the request can be
    /// changed meanwhile.
    type Pending: 'static;

    /// Answers without waiting when it can (the hot path: no allocation, no future), and
    /// takes out of the request what must not reach the handler (a token in the query).
    fn now(&self, req: &mut ServiceRequest) -> Step<Self::Pending>;

    /// Finishes a [`Step::Later`]: the verified user, `None` for no credential after all, or
    /// the refusal.
    fn later(
        &self,
        pending: Self::Pending,
    ) -> impl Future<Output = Result<Option<Verified>, Refusal>> + '_;
}

/// A middleware's configuration: its credential source and what every source shares.
#[derive(Clone)]
pub(crate) struct Auth<C> {
    pub(crate) source: C,
    /// A request without a credential passes anonymously.
    pub(crate) optional: bool,
    pub(crate) handler: Option<Handler>,
    /// What the verified user must meet (`require`), checked as a guard behind the
    /// middleware would: refused with 401 for an anonymous request, 403 (or the step-up 401)
    /// when unmet.
    pub(crate) requirement: Option<Requirement>,
}

impl<C> Auth<C> {
    pub(crate) fn new(source: C) -> Self {
        Self {
            source,
            optional: false,
            handler: None,
            requirement: None,
        }
    }

    /// Adds `requirement` to what the user must meet, after the ones added before.
    pub(crate) fn require(&mut self, requirement: Requirement) {
        self.requirement = Some(match self.requirement.take() {
            Some(before) => before.and(requirement),
            None => requirement,
        });
    }

    /// Logs the refusal and answers it (with the application's handler when there is one).
    fn reject<B>(&self, req: ServiceRequest, refusal: &Refusal) -> ServiceResponse<EitherBody<B>> {
        refusal.log();
        let response = respond(refusal, self.handler.as_ref(), req.request());
        req.into_response(response).map_into_right_body()
    }

    /// Hands the verified user (`None`: anonymous) to what runs behind the middleware,
    /// recording it on the span; refuses an anonymous request outside optional mode and a
    /// user who does not meet the middleware's requirement.
    fn admit(&self, req: &ServiceRequest, verified: Option<Verified>) -> Result<(), Refusal> {
        match &verified {
            Some(verified) => {
                record_user(verified.claims());
                if let Some(requirement) = &self.requirement {
                    check_requirement(requirement, verified.claims(), verified.checked_at())?;
                }
            }
            None if self.optional && self.requirement.is_none() => {}
            None => return Err(Refusal::MissingToken),
        }
        req.extensions_mut()
            .insert(AuthState::new(verified, self.handler.clone()));
        Ok(())
    }
}

impl<C: fmt::Debug> fmt::Debug for Auth<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("source", &self.source)
            .field("optional", &self.optional)
            .field("custom_rejection", &self.handler.is_some())
            .field("requirement", &self.requirement)
            .finish()
    }
}

/// Authenticates `req` by `auth`'s source, then calls `service` or answers the refusal.
pub(crate) fn call<C, S, B>(
    auth: &Rc<Auth<C>>,
    service: &Rc<S>,
    mut req: ServiceRequest,
) -> AuthFuture<S::Future, B>
where
    C: Credentials,
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    // Answered without waiting when it can be: no credential, an unusable one, or a token
    // whose key is cached (verified now, or found in the verified-token cache: no box, the
    // future is the inner call's). Only a credential whose keys (or store) must be read waits.
    let verified = match auth.source.now(&mut req) {
        Step::Verified(verified) => Some(verified),
        Step::Anonymous => None,
        Step::Refused(refusal) => return AuthFuture::refused(auth.reject(req, &refusal)),
        Step::Later(pending) => {
            let service = Rc::clone(service);
            let auth = Rc::clone(auth);
            return AuthFuture::waiting(async move {
                let admitted = match auth.source.later(pending).await {
                    Ok(verified) => auth.admit(&req, verified),
                    Err(refusal) => Err(refusal),
                };
                match admitted {
                    Ok(()) => {
                        let response = service.call(req).await?;
                        #[cfg(feature = "sessions")]
                        let response = crate::session::with_renewed_cookie(response);
                        Ok(response.map_into_left_body())
                    }
                    Err(refusal) => Ok(auth.reject(req, &refusal)),
                }
            });
        }
    };
    match auth.admit(&req, verified) {
        Ok(()) => AuthFuture::Inner {
            future: service.call(req),
        },
        Err(refusal) => AuthFuture::refused(auth.reject(req, &refusal)),
    }
}

/// Removes the query parameters `names` from the request's URI (as actix-web's
/// `NormalizePath` rewrites it), so that neither the handler nor a log behind the middleware
/// sees the token.
pub(crate) fn remove_query_params(req: &mut ServiceRequest, names: &[String]) {
    let Some(rest) = req
        .uri()
        .query()
        .and_then(|query| without_query_params(query, names))
    else {
        return;
    };
    let path = req.uri().path();
    let path_and_query = if rest.is_empty() {
        PathAndQuery::try_from(path)
    } else {
        PathAndQuery::try_from(format!("{path}?{rest}"))
    };
    let mut parts = req.uri().clone().into_parts();
    // what is left of a valid URI is valid; were it not, the path alone (never the token)
    parts.path_and_query = Some(path_and_query.unwrap_or_else(|_| PathAndQuery::from_static("/")));
    let uri = Uri::from_parts(parts).unwrap_or_else(|_| Uri::from_static("/"));
    req.match_info_mut().get_mut().update(&uri);
    req.head_mut().uri = uri;
}

/// The outcome a verification that waited for keys resolves to.
type Waiting<B> = LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<B>>, Error>>;

pin_project_lite::pin_project! {
    /// The response future of the authentication middleware: the next service's call (the
    /// credential checked without waiting, or none needed), a refusal, or (boxed) a
    /// verification that waits for keys or a store first. Not used directly.
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
    fn refused(response: ServiceResponse<EitherBody<B>>) -> Self {
        Self::Refused {
            response: Some(response),
        }
    }

    fn waiting(
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
