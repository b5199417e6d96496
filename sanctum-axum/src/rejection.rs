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

use std::fmt;
use std::sync::Arc;

use axum_core::body::Body;
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
    /// The application's handler, with the request it answers.
    on_rejection: Option<(OnRejection, Arc<RejectedRequest>)>,
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
    /// A refusal answered by `on_rejection` (when the application set one); `request` is
    /// only called then.
    pub(crate) fn new(
        rejection: Refusal,
        on_rejection: Option<OnRejection>,
        request: impl FnOnce() -> RejectedRequest,
    ) -> Self {
        Self {
            rejection,
            on_rejection: on_rejection.map(|handler| (handler, Arc::new(request()))),
        }
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
            on_rejection: None,
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
        match self.on_rejection {
            Some((handler, request)) => (handler.0)(self.rejection, Arc::unwrap_or_clone(request)),
            None => default_response(&self.rejection),
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
    let mut response = Response::new(Body::from(rejection.body()));
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

/// An application's replacement for the default rejection response; see
/// [`CognitoAuthLayer::on_rejection`](crate::CognitoAuthLayer::on_rejection).
#[derive(Clone)]
pub(crate) struct OnRejection(Arc<dyn Fn(Refusal, RejectedRequest) -> Response + Send + Sync>);

impl OnRejection {
    pub(crate) fn new<F, R>(handler: F) -> Self
    where
        F: Fn(Refusal, RejectedRequest) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        Self(Arc::new(move |rejection, request| {
            handler(rejection, request).into_response()
        }))
    }
}

impl fmt::Debug for OnRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnRejection(..)")
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
