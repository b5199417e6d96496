//! The one request path of the auth layers ([`CognitoAuthLayer`](super::CognitoAuthLayer),
//! [`AlbAuthLayer`](super::AlbAuthLayer)): a credential source finds and checks what the
//! request carries; everything after — optional mode, the refusal and its log, the user on the
//! span, the request extensions — is done here, the same for every source.

use std::future::Future;
use std::sync::Arc;

use axum::extract::OriginalUri;
use axum_core::response::{IntoResponse, Response};
use http::uri::PathAndQuery;
use http::{Request, Uri};
use sanctum_core::adapter::{Verified, check_requirement, without_query_params};
use sanctum_core::observe::record_user;
use sanctum_core::{Refusal, Requirement};
use tower_service::Service;

use super::future::ResponseFuture;
use crate::extract::AuthContext;
use crate::rejection::{CognitoRejection, OnRejection, rejected_request};

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
pub(crate) trait Credentials: Send + Sync + 'static {
    /// What [`now`](Self::now) hands to [`later`](Self::later): owned, so the request can be
    /// changed meanwhile.
    type Pending: Send + 'static;

    /// Answers without waiting when it can (the hot path: no allocation, no future), and
    /// takes out of the request what must not reach the handler (a token in the query).
    fn now<B>(&self, req: &mut Request<B>) -> Step<Self::Pending>;

    /// Finishes a [`Step::Later`]: the verified user, `None` for no credential after all, or
    /// the refusal.
    fn later(
        &self,
        pending: Self::Pending,
    ) -> impl Future<Output = Result<Option<Verified>, Refusal>> + Send + '_;
}

/// A layer's configuration: its credential source and what every source shares.
#[derive(Clone, Debug)]
pub(crate) struct Shared<C> {
    pub(crate) source: C,
    /// A request without a credential passes anonymously.
    pub(crate) optional: bool,
    pub(crate) on_rejection: Option<OnRejection>,
    /// What the verified user must meet (`require`), checked as a guard behind the layer
    /// would: refused with 401 for an anonymous request, 403 (or the step-up 401) when unmet.
    pub(crate) requirement: Option<Requirement>,
}

impl<C> Shared<C> {
    pub(crate) fn new(source: C) -> Self {
        Self {
            source,
            optional: false,
            on_rejection: None,
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

    /// Hands the verified user (`None`: anonymous, optional mode) to what runs behind the
    /// layer, recording it on the span; refuses an anonymous request outside optional mode
    /// and a user who does not meet the layer's requirement.
    fn admit<B>(&self, verified: Option<Verified>, req: &mut Request<B>) -> Result<(), Refusal> {
        let context = match verified {
            Some(verified) => {
                record_user(verified.claims());
                if let Some(requirement) = &self.requirement {
                    check_requirement(requirement, verified.claims(), verified.checked_at())?;
                }
                AuthContext::verified(verified, self.on_rejection.clone())
            }
            None if self.optional && self.requirement.is_none() => AuthContext {
                user: None,
                checked_at: 0,
                on_rejection: self.on_rejection.clone(),
            },
            None => return Err(Refusal::MissingToken),
        };
        req.extensions_mut().insert(context);
        Ok(())
    }

    fn rejection<B>(&self, refusal: Refusal, req: &Request<B>) -> Response {
        CognitoRejection::new(refusal, self.on_rejection.clone(), || rejected_request(req))
            .into_response()
    }
}

/// Authenticates `req` by `shared`'s source, then calls `inner` (a fresh clone of it stays in
/// its place when the call must wait) or answers the refusal.
pub(crate) fn call<C, S, B>(
    shared: &Arc<Shared<C>>,
    inner: &mut S,
    mut req: Request<B>,
) -> ResponseFuture<S::Future, S::Error>
where
    C: Credentials,
    S: Service<Request<B>> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send,
    B: Send + 'static,
{
    let verified = match shared.source.now(&mut req) {
        // hot path: a token whose key is cached is answered without boxing a future
        Step::Verified(verified) => Some(verified),
        Step::Anonymous => None,
        Step::Refused(refusal) => return ResponseFuture::rejected(shared.rejection(refusal, &req)),
        Step::Later(pending) => {
            // The ready service goes into the future; a fresh clone waits for the next
            // poll_ready.
            let clone = inner.clone();
            let mut inner = std::mem::replace(inner, clone);
            let shared = Arc::clone(shared);
            return ResponseFuture::verifying(Box::pin(async move {
                let admitted = match shared.source.later(pending).await {
                    Ok(verified) => shared.admit(verified, &mut req),
                    Err(refusal) => Err(refusal),
                };
                if let Err(refusal) = admitted {
                    return Ok(shared.rejection(refusal, &req));
                }
                drop(shared);
                Ok(inner.call(req).await?.into_response())
            }));
        }
    };
    match shared.admit(verified, &mut req) {
        Ok(()) => ResponseFuture::inner(inner.call(req)),
        Err(refusal) => ResponseFuture::rejected(shared.rejection(refusal, &req)),
    }
}

/// Removes the query parameters `names` from the request's URI, and from axum's
/// [`OriginalUri`] when a router put one there, so that neither the handler nor a log behind
/// the layer sees the token.
pub(crate) fn remove_query_params<B>(req: &mut Request<B>, names: &[String]) {
    if let Some(uri) = without_params(req.uri(), names) {
        *req.uri_mut() = uri;
    }
    if let Some(OriginalUri(original)) = req.extensions_mut().get_mut::<OriginalUri>()
        && let Some(uri) = without_params(original, names)
    {
        *original = uri;
    }
}

/// `uri` without the query parameters `names`; `None` when it has none of them.
fn without_params(uri: &Uri, names: &[String]) -> Option<Uri> {
    let rest = without_query_params(uri.query()?, names)?;
    let path = uri.path();
    let path_and_query = if rest.is_empty() {
        PathAndQuery::try_from(path)
    } else {
        PathAndQuery::try_from(format!("{path}?{rest}"))
    };
    let mut parts = uri.clone().into_parts();
    // what is left of a valid URI is valid; were it not, the path alone (never the token)
    parts.path_and_query = Some(path_and_query.unwrap_or_else(|_| PathAndQuery::from_static("/")));
    Some(Uri::from_parts(parts).unwrap_or_else(|_| Uri::from_static("/")))
}
