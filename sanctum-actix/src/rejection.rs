//! The response to a refused request: [`CognitoRejection`], an actix-web [`ResponseError`] wrapping
//! the core's [`Refusal`].
//!
//! The answers are those of `sanctum-core`'s [response table](sanctum_core::refusal), the same
//! as in `sanctum-axum`:
//!
//! | situation | status | `WWW-Authenticate` |
//! |---|---|---|
//! | no token | 401 | `Bearer` |
//! | bad token (malformed, signature, expired, issuer, client, token_use, ...) | 401 | `Bearer error="invalid_token", error_description="..."` |
//! | valid token, missing group/scope/condition | 403 | `Bearer error="insufficient_scope", error_description="..."` |
//! | JWKS unreachable and key not cached | 503 | none |
//! | guard or extractor without [`CognitoAuth`](crate::CognitoAuth) | 500 | none |
//!
//! Bodies are JSON `{"error": "...", "error_description": "..."}` and never contain the token.
//! [`CognitoAuth::on_rejection`](crate::CognitoAuth::on_rejection) replaces these responses
//! with your own, for the middleware, the guards and the extractors behind it.

use std::fmt;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};
use sanctum_core::{Refusal, RejectedRequest};

/// An application's replacement for the default rejection response.
pub(crate) type Handler =
    Arc<dyn Fn(Refusal, RejectedRequest) -> HttpResponse + Send + Sync + 'static>;

/// The refused request in the core's (`http` 1) types, for the application's handler.
pub(crate) fn rejected_request(
    method: &actix_web::http::Method,
    uri: &actix_web::http::Uri,
    headers: &actix_web::http::header::HeaderMap,
) -> RejectedRequest {
    let method = http::Method::from_bytes(method.as_str().as_bytes()).unwrap_or_default();
    let uri = uri.to_string().parse().unwrap_or_default();
    let mut map = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            map.append(name, value);
        }
    }
    RejectedRequest::new(method, uri, map)
}

/// A refused request: the core's [`Refusal`] as an actix-web error.
///
/// Returned by the extractors ([`CognitoUser`](crate::CognitoUser),
/// [`TypedClaims`](crate::TypedClaims), [`MaybeCognitoUser`](crate::MaybeCognitoUser)) and answered by the middleware and guards. Its
/// [`ResponseError`] implementation answers with the status, `WWW-Authenticate` challenge and
/// JSON body of the [module's table](self), or with the application's own response when
/// [`CognitoAuth::on_rejection`](crate::CognitoAuth::on_rejection) set one.
///
/// ```
/// use actix_web::ResponseError;
/// use sanctum_actix::CognitoRejection;
/// use sanctum_actix::Refusal;
///
/// let rejection = CognitoRejection::from(Refusal::MissingToken);
/// assert_eq!(rejection.status(), 401);
/// let response = rejection.error_response();
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.headers().get("www-authenticate").unwrap(), "Bearer");
/// ```
#[derive(Clone)]
pub struct CognitoRejection {
    rejection: Refusal,
    /// The application's handler, with the request it answers.
    handler: Option<(Handler, Arc<RejectedRequest>)>,
}

impl CognitoRejection {
    /// A refusal answered by `handler` (when the application set one) for the request `req`.
    pub(crate) fn with_handler(
        rejection: Refusal,
        handler: Option<Handler>,
        req: &actix_web::HttpRequest,
    ) -> Self {
        rejection.log();
        let handler = handler.map(|handler| {
            let request = rejected_request(req.method(), req.uri(), req.headers());
            (handler, Arc::new(request))
        });
        Self { rejection, handler }
    }

    /// Why the request was refused.
    #[must_use]
    pub fn rejection(&self) -> &Refusal {
        &self.rejection
    }

    /// The status code of the default response.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        status(&self.rejection)
    }

    /// Why the request was refused, by value.
    #[must_use]
    pub fn into_rejection(self) -> Refusal {
        self.rejection
    }

    /// The default response of the [module's table](self), ignoring any
    /// [`on_rejection`](crate::CognitoAuth::on_rejection) replacement.
    #[must_use]
    pub fn default_response(&self) -> HttpResponse {
        default_response(&self.rejection)
    }
}

impl From<Refusal> for CognitoRejection {
    fn from(rejection: Refusal) -> Self {
        rejection.log();
        Self {
            rejection,
            handler: None,
        }
    }
}

impl fmt::Debug for CognitoRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoRejection")
            .field("rejection", &self.rejection)
            .field("custom_response", &self.handler.is_some())
            .finish()
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

impl ResponseError for CognitoRejection {
    fn status_code(&self) -> StatusCode {
        status(&self.rejection)
    }

    fn error_response(&self) -> HttpResponse {
        match &self.handler {
            Some((handler, request)) => {
                handler(self.rejection.clone(), RejectedRequest::clone(request))
            }
            None => default_response(&self.rejection),
        }
    }
}

/// The core's status (an `http` 1 code) as actix-web's (`http` 0.2).
fn status(rejection: &Refusal) -> StatusCode {
    StatusCode::from_u16(rejection.status().as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The response sanctum answers `rejection` with when the application sets no handler:
/// status, `WWW-Authenticate` challenge and JSON body as in the [module docs](self).
///
/// Useful in an [`on_rejection`](crate::CognitoAuth::on_rejection) handler that only adjusts
/// the default answer:
///
/// ```
/// use actix_web::HttpResponse;
/// use actix_web::http::header::{HeaderName, HeaderValue};
/// use sanctum_actix::{Refusal, default_response};
///
/// fn with_marker(rejection: Refusal) -> HttpResponse {
///     let mut response = default_response(&rejection);
///     response.headers_mut().insert(
///         HeaderName::from_static("x-auth-refused"),
///         HeaderValue::from_static("1"),
///     );
///     response
/// }
/// assert_eq!(with_marker(Refusal::MissingToken).status(), 401);
/// ```
#[must_use]
pub fn default_response(rejection: &Refusal) -> HttpResponse {
    let mut response = HttpResponse::build(status(rejection));
    response.insert_header(ContentType::json());
    if let Some(challenge) = rejection.www_authenticate() {
        response.insert_header((header::WWW_AUTHENTICATE, challenge));
    }
    response.body(rejection.body())
}

/// The application's response when it set one, else the table's.
pub(crate) fn respond(
    rejection: &Refusal,
    handler: Option<&Handler>,
    req: &actix_web::HttpRequest,
) -> HttpResponse {
    match handler {
        Some(handler) => handler(
            rejection.clone(),
            rejected_request(req.method(), req.uri(), req.headers()),
        ),
        None => default_response(rejection),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody as _;
    use sanctum_core::{Denied, VerifyError};

    use super::*;

    fn parts(response: HttpResponse) -> (u16, Option<String>, serde_json::Value) {
        let status = response.status().as_u16();
        let challenge = response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        let body = response.into_body().try_into_bytes().unwrap_or_default();
        (
            status,
            challenge,
            serde_json::from_slice(&body).unwrap_or_default(),
        )
    }

    #[test]
    fn responses_follow_the_core_table() {
        let cases = [
            (Refusal::MissingToken, 401, Some("Bearer"), "unauthorized"),
            (Refusal::EmptyToken, 401, None, "invalid_token"),
            (Refusal::UnreadableToken, 401, None, "invalid_token"),
            (
                VerifyError::InvalidSignature.into(),
                401,
                None,
                "invalid_token",
            ),
            (
                Denied::missing_group(["admin"]).into(),
                403,
                None,
                "insufficient_scope",
            ),
            (
                VerifyError::KeysUnavailable {
                    url: "u".into(),
                    reason: "r".into(),
                }
                .into(),
                503,
                None,
                "temporarily_unavailable",
            ),
            (
                Refusal::Misconfigured { hint: "add it" },
                500,
                None,
                "server_error",
            ),
        ];
        for (rejection, code, exact_challenge, error) in cases {
            let rejection = CognitoRejection::from(rejection);
            assert_eq!(rejection.status_code().as_u16(), code, "{rejection}");
            let expected_challenge = rejection.rejection().www_authenticate();
            let (status, challenge, body) = parts(rejection.error_response());
            assert_eq!(status, code);
            assert_eq!(challenge, expected_challenge);
            if let Some(exact) = exact_challenge {
                assert_eq!(challenge.as_deref(), Some(exact));
            }
            assert_eq!(body["error"], error);
        }
    }

    #[test]
    fn a_handler_replaces_the_response_but_not_the_cause() {
        let handler: Handler = Arc::new(|r: Refusal, request: RejectedRequest| {
            HttpResponse::ImATeapot().body(format!("{} {}", r.error_code(), request.uri()))
        });
        let req = actix_web::test::TestRequest::get()
            .uri("/orders?page=2")
            .to_http_request();
        let rejection = CognitoRejection::with_handler(Refusal::MissingToken, Some(handler), &req);
        assert_eq!(rejection.error_response().status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(
            rejection.default_response().status(),
            StatusCode::UNAUTHORIZED
        );
        assert!(matches!(rejection.into_rejection(), Refusal::MissingToken));
    }
}
