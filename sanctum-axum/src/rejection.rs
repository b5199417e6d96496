//! The answer to a refused request: [`CognitoRejection`], and how an application replaces it.
//!
//! By default a refusal is answered as the table in `sanctum_core::rejection` says (the same
//! in every sanctum adapter):
//!
//! | situation | status | `WWW-Authenticate` |
//! |---|---|---|
//! | no token | 401 | `Bearer` |
//! | bad token (malformed, signature, expired, issuer, client, `token_use`, ...) | 401 | `Bearer error="invalid_token", error_description="..."` |
//! | valid token, missing group/scope/condition | 403 | `Bearer error="insufficient_scope", error_description="..."` |
//! | signing keys unavailable and not cached | 503 | none |
//! | guard or extractor without [`CognitoAuthLayer`](crate::CognitoAuthLayer) | 500 | none |
//!
//! with a JSON body `{"error": "...", "error_description": "..."}` that never contains the
//! token. [`CognitoAuthLayer::on_rejection`](crate::CognitoAuthLayer::on_rejection) replaces
//! that response for the layer, the guards behind it and the extractors alike.
//!
//! For tonic services, `CognitoAuthLayer::grpc` (feature `tonic`) answers the same refusals
//! with gRPC statuses instead (`Unauthenticated`, `PermissionDenied`, ...: module `grpc`).

use std::fmt;
use std::sync::Arc;

use axum_core::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};
use sanctum_core::{Refusal, RejectedRequest};

/// Why sanctum refused a request, ready to become a response.
///
/// Returned by the [`CognitoUser`](crate::CognitoUser) and [`TypedClaims`](crate::TypedClaims)
/// extractors and used by the layers. Its [`IntoResponse`] answers with the application's
/// [`on_rejection`](crate::CognitoAuthLayer::on_rejection) handler when one is set, else with
/// [`default_response`]. Either way the refusal is logged (without the token).
///
/// ```
/// use axum::http::StatusCode;
/// use sanctum_axum::{Refusal, CognitoRejection};
///
/// let rejection = CognitoRejection::from(Refusal::MissingToken);
/// assert_eq!(rejection.status(), StatusCode::UNAUTHORIZED);
/// ```
#[derive(Debug, Clone)]
pub struct CognitoRejection {
    rejection: Refusal,
    answer: Answer,
}

/// How a [`CognitoRejection`] becomes a response.
#[derive(Debug, Clone)]
enum Answer {
    /// [`default_response`].
    Default,
    /// The application's handler, with the request it answers.
    Handler(Handler, Arc<RejectedRequest>),
    /// A gRPC status ([`crate::grpc::grpc_response`]).
    #[cfg(feature = "tonic")]
    Grpc,
}

/// The refused request's parts, for the application's handler.
pub(crate) fn rejected_request<B>(req: &http::Request<B>) -> RejectedRequest {
    RejectedRequest::new(
        req.method().clone(),
        req.uri().clone(),
        req.headers().clone(),
    )
}

impl CognitoRejection {
    /// A refusal answered as `on_rejection` says (the default response when `None`);
    /// `request` is only called for an application's handler.
    pub(crate) fn new(
        rejection: Refusal,
        on_rejection: Option<OnRejection>,
        request: impl FnOnce() -> RejectedRequest,
    ) -> Self {
        let answer = match on_rejection {
            None => Answer::Default,
            Some(OnRejection::Handler(handler)) => Answer::Handler(handler, Arc::new(request())),
            #[cfg(feature = "tonic")]
            Some(OnRejection::Grpc) => Answer::Grpc,
        };
        Self { rejection, answer }
    }

    /// A guard or extractor without the layer in front: 500, or (feature `tonic`) gRPC
    /// `Internal` when the request is a gRPC call (`content-type: application/grpc...`).
    pub(crate) fn misconfigured(hint: &'static str, headers: &http::HeaderMap) -> Self {
        let rejection = Refusal::Misconfigured { hint };
        #[cfg(feature = "tonic")]
        if crate::grpc::is_grpc(headers) {
            return Self {
                rejection,
                answer: Answer::Grpc,
            };
        }
        let _ = headers;
        Self::from(rejection)
    }

    /// The status code of the default response.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.rejection.status()
    }

    /// Why the request was refused.
    #[must_use]
    pub fn rejection(&self) -> &Refusal {
        &self.rejection
    }

    /// Why the request was refused, by value.
    #[must_use]
    pub fn into_rejection(self) -> Refusal {
        self.rejection
    }
}

impl From<Refusal> for CognitoRejection {
    fn from(rejection: Refusal) -> Self {
        Self {
            rejection,
            answer: Answer::Default,
        }
    }
}

impl fmt::Display for CognitoRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.rejection, f)
    }
}

impl std::error::Error for CognitoRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.rejection)
    }
}

impl IntoResponse for CognitoRejection {
    fn into_response(self) -> Response {
        self.rejection.log();
        match self.answer {
            Answer::Default => default_response(&self.rejection),
            Answer::Handler(handler, request) => {
                (handler.0)(self.rejection, Arc::unwrap_or_clone(request))
            }
            #[cfg(feature = "tonic")]
            Answer::Grpc => crate::grpc::grpc_response(&self.rejection),
        }
    }
}

/// The response sanctum answers `rejection` with when the application sets no handler: status,
/// `WWW-Authenticate` challenge and JSON body as in the [module docs](self).
///
/// Useful in an [`on_rejection`](crate::CognitoAuthLayer::on_rejection) handler that only
/// adjusts the default answer:
///
/// ```
/// use axum::response::{IntoResponse, Response};
/// use sanctum_axum::{Refusal, default_response};
///
/// fn with_request_id(rejection: Refusal) -> Response {
///     let mut response = default_response(&rejection);
///     response.headers_mut().insert("x-auth-refused", "1".parse().unwrap());
///     response
/// }
/// assert_eq!(with_request_id(Refusal::MissingToken).status(), 401);
/// ```
#[must_use]
pub fn default_response(rejection: &Refusal) -> Response {
    refusal_response(rejection)
}

/// [`default_response`] over any body made from the JSON text: also the answer of layers
/// generic over their service's body (the session layer's 503 when a session cannot be
/// saved), so every refusal of this adapter is written here.
pub(crate) fn refusal_response<R: From<String>>(rejection: &Refusal) -> http::Response<R> {
    let mut response = http::Response::new(R::from(rejection.body()));
    *response.status_mut() = rejection.status();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(challenge) = rejection.www_authenticate()
        && let Ok(value) = HeaderValue::try_from(challenge)
    {
        headers.insert(WWW_AUTHENTICATE, value);
    }
    response
}

/// How a layer answers refusals in place of the default response: an application's handler
/// ([`CognitoAuthLayer::on_rejection`](crate::CognitoAuthLayer::on_rejection)) or gRPC
/// statuses (`CognitoAuthLayer::grpc`, feature `tonic`).
#[derive(Clone, Debug)]
pub(crate) enum OnRejection {
    /// The application's handler.
    Handler(Handler),
    /// gRPC statuses.
    #[cfg(feature = "tonic")]
    Grpc,
}

impl OnRejection {
    pub(crate) fn new<F, R>(handler: F) -> Self
    where
        F: Fn(Refusal, RejectedRequest) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        Self::Handler(Handler(Arc::new(move |rejection, request| {
            handler(rejection, request).into_response()
        })))
    }
}

/// An application's rejection handler.
#[derive(Clone)]
pub(crate) struct Handler(Arc<dyn Fn(Refusal, RejectedRequest) -> Response + Send + Sync>);

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Handler(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanctum_core::{Denied, VerifyError};

    fn header(response: &Response, name: http::HeaderName) -> Option<&str> {
        response.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn default_responses_follow_the_table() {
        let missing = default_response(&Refusal::MissingToken);
        assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(header(&missing, WWW_AUTHENTICATE), Some("Bearer"));
        assert_eq!(header(&missing, CONTENT_TYPE), Some("application/json"));

        let forbidden = default_response(&Refusal::from(Denied::missing_group(["admin"])));
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
        assert!(
            header(&forbidden, WWW_AUTHENTICATE).is_some_and(|v| v.contains("insufficient_scope"))
        );

        let down = default_response(&Refusal::from(VerifyError::KeysUnavailable {
            url: "u".into(),
            reason: "r".into(),
        }));
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(header(&down, WWW_AUTHENTICATE), None);
    }

    #[test]
    fn a_handler_replaces_the_default_response() {
        let handler = OnRejection::new(|r: Refusal, request: RejectedRequest| {
            (
                StatusCode::IM_A_TEAPOT,
                format!("{} {}", r.error_code(), request.uri()),
            )
        });
        let request = || {
            RejectedRequest::new(
                http::Method::GET,
                "/orders?page=2".parse().unwrap_or_default(),
                http::HeaderMap::new(),
            )
        };
        let response =
            CognitoRejection::new(Refusal::EmptyToken, Some(handler), request).into_response();
        assert_eq!(response.status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(header(&response, WWW_AUTHENTICATE), None);
    }
}
