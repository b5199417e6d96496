//! The HTTP answer to a refused request, shared by every adapter so they answer identically.
//!
//! | situation | status | `WWW-Authenticate` |
//! |---|---|---|
//! | no token | 401 | `Bearer` |
//! | several `Authorization` headers, or tokens in several sources | 400 | `Bearer error="invalid_request", error_description="..."` |
//! | bad token (malformed, signature, expired, issuer, client, token_use, ...) | 401 | `Bearer error="invalid_token", error_description="..."` |
//! | sign-in too old, `acr` or `amr` not met (step-up) | 401 | `Bearer error="insufficient_user_authentication", error_description="...", acr_values="..."` or `max_age="..."` (RFC 9470) |
//! | valid token, missing group/scope/condition | 403 | `Bearer error="insufficient_scope", error_description="..."` |
//! | JWKS unreachable and key not cached | 503 | none |
//! | guard or extractor without the auth layer | 500 | none |
//!
//! Bodies are JSON `{"error": "...", "error_description": "..."}`; descriptions come from
//! [`VerifyError::description`] and never contain the token.

use std::fmt;

use http::{HeaderMap, Method, StatusCode, Uri};

use crate::error::{ErrorKind, VerifyError};
use crate::rbac::{AccessError, Denied};

/// Why a request was refused, and the HTTP answer that goes with it (status, challenge, JSON
/// body); framework-agnostic. Each adapter wraps it in its own response type
/// (`CognitoRejection`), and hands it to the application's `on_rejection` handler.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Refusal {
    /// The request has no token (401, bare `Bearer` challenge).
    MissingToken,
    /// The request names a bearer token but it is empty (401 `invalid_token`).
    EmptyToken,
    /// The request names a bearer token but its bytes are not text (not UTF-8), so no token
    /// can be in it (401 `invalid_token`, on optional routes too).
    UnreadableToken,
    /// The request carries more than one credential: several `Authorization` headers, the
    /// token cookie twice, or tokens in several sources (400 `invalid_request`, RFC 6750 §3.1).
    RepeatedCredentials,
    /// The token is not valid (401), or its keys are unavailable (503), by [`VerifyError::kind`].
    Verify(VerifyError),
    /// The token is valid but does not meet the route's requirement: 403, or 401 for step-up
    /// rules, by [`Denied::kind`].
    Denied(Denied),
    /// The token is valid but its claims do not fit the type a handler asked for (`TypedClaims<T>`):
    /// 403. Signing in again would give the same claims, so it is not a 401.
    ClaimsMismatch,
    /// The adapter is wired wrong: a guard or extractor runs without the auth layer (500).
    Misconfigured {
        /// What to add, for the response body and the log.
        hint: &'static str,
    },
}

/// The request that was refused, as an `on_rejection` handler sees it: method, URI and headers
/// (to send a browser to a sign-in page with `?next=`, say). Same type in every adapter.
#[derive(Clone)]
pub struct RejectedRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
}

impl RejectedRequest {
    /// The request's parts.
    #[must_use]
    pub fn new(method: Method, uri: Uri, headers: HeaderMap) -> Self {
        Self {
            method,
            uri,
            headers,
        }
    }

    /// The method.
    #[must_use]
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URI as the request gave it (path and query, usually).
    #[must_use]
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The headers (`Authorization` and `Cookie` included: do not log them).
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

/// Shows method and URI; never the headers (they hold the token).
impl fmt::Debug for RejectedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RejectedRequest")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("headers", &format_args!("<{} headers>", self.headers.len()))
            .finish()
    }
}

impl From<VerifyError> for Refusal {
    fn from(err: VerifyError) -> Self {
        Self::Verify(err)
    }
}

impl From<Denied> for Refusal {
    fn from(denied: Denied) -> Self {
        Self::Denied(denied)
    }
}

impl From<AccessError> for Refusal {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::Invalid(err) => Self::Verify(err),
            AccessError::Denied(denied) => Self::Denied(denied),
        }
    }
}

impl Refusal {
    /// The status code.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingToken | Self::EmptyToken | Self::UnreadableToken => {
                StatusCode::UNAUTHORIZED
            }
            Self::RepeatedCredentials => StatusCode::BAD_REQUEST,
            Self::Verify(err) => match err.kind() {
                ErrorKind::KeysUnavailable | ErrorKind::CheckUnavailable => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
                _ => StatusCode::UNAUTHORIZED,
            },
            Self::Denied(denied) => match denied.kind() {
                ErrorKind::InsufficientAuthentication => StatusCode::UNAUTHORIZED,
                _ => StatusCode::FORBIDDEN,
            },
            Self::ClaimsMismatch => StatusCode::FORBIDDEN,
            Self::Misconfigured { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error code of the body and challenge: RFC 6750's `invalid_request`,
    /// `invalid_token`, `insufficient_scope`; RFC 9470's `insufficient_user_authentication`;
    /// `unauthorized` when no token was sent, `temporarily_unavailable`, `server_error`.
    #[must_use]
    pub fn error_code(&self) -> &'static str {
        match self {
            Self::MissingToken => "unauthorized",
            Self::EmptyToken | Self::UnreadableToken => "invalid_token",
            Self::RepeatedCredentials => "invalid_request",
            Self::Verify(err) => match err.kind() {
                ErrorKind::KeysUnavailable | ErrorKind::CheckUnavailable => {
                    "temporarily_unavailable"
                }
                _ => "invalid_token",
            },
            Self::Denied(denied) => match denied.kind() {
                ErrorKind::InsufficientAuthentication => "insufficient_user_authentication",
                _ => "insufficient_scope",
            },
            Self::ClaimsMismatch => "insufficient_scope",
            Self::Misconfigured { .. } => "server_error",
        }
    }

    /// The client-safe description.
    #[must_use]
    pub fn description(&self) -> &'static str {
        match self {
            Self::MissingToken => "a bearer token is required",
            Self::EmptyToken => "the bearer token is empty",
            Self::UnreadableToken => "the bearer token is not UTF-8 text",
            Self::RepeatedCredentials => "the request carries more than one credential",
            Self::Verify(err) => err.description(),
            Self::Denied(denied) => denied.description(),
            Self::ClaimsMismatch => "token claims do not fit this route",
            Self::Misconfigured { hint } => hint,
        }
    }

    /// The `WWW-Authenticate` value, when the answer has one.
    #[must_use]
    pub fn www_authenticate(&self) -> Option<String> {
        match self.status() {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST => {
                if matches!(self, Self::MissingToken) {
                    return Some("Bearer".to_owned());
                }
                let mut value = format!(
                    "Bearer error=\"{}\", error_description=\"{}\"",
                    self.error_code(),
                    self.description()
                );
                if let Self::Denied(denied) = self {
                    let parameters = denied.step_up_parameters();
                    if !parameters.is_empty() {
                        value.push_str(", ");
                        value.push_str(&parameters);
                    }
                }
                Some(value)
            }
            _ => None,
        }
    }

    /// The JSON body `{"error": "...", "error_description": "..."}`.
    #[must_use]
    pub fn body(&self) -> String {
        serde_json::json!({
            "error": self.error_code(),
            "error_description": self.description(),
        })
        .to_string()
    }

    /// Logs the refusal at a level fitting its cause (never with the token).
    pub fn log(&self) {
        match self {
            Self::Misconfigured { hint } => tracing::error!(hint, "sanctum is misconfigured"),
            Self::Verify(err) if err.kind() == ErrorKind::KeysUnavailable => {
                tracing::warn!(error = %err, "request refused: signing keys unavailable");
            }
            Self::Verify(err) if err.kind() == ErrorKind::CheckUnavailable => {
                tracing::warn!(error = %err, "request refused: revocation check unavailable");
            }
            Self::Verify(err) => tracing::debug!(error = %err, "request refused"),
            Self::Denied(denied) => tracing::debug!(reason = %denied, "request refused"),
            Self::MissingToken
            | Self::EmptyToken
            | Self::UnreadableToken
            | Self::RepeatedCredentials
            | Self::ClaimsMismatch => {
                tracing::debug!(reason = self.description(), "request refused");
            }
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Verify(err) => write!(f, "{err}"),
            Self::Denied(denied) => write!(f, "{denied}"),
            other => f.write_str(other.description()),
        }
    }
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Verify(err) => Some(err),
            Self::Denied(denied) => Some(denied),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_response_table() {
        let missing = Refusal::MissingToken;
        assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(missing.www_authenticate().as_deref(), Some("Bearer"));

        let bad = Refusal::from(VerifyError::InvalidSignature);
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            bad.www_authenticate().as_deref(),
            Some(
                "Bearer error=\"invalid_token\", error_description=\"token signature is invalid\""
            )
        );

        let forbidden = Refusal::from(Denied::missing_group(["admin"]));
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
        assert!(
            forbidden
                .www_authenticate()
                .unwrap()
                .starts_with("Bearer error=\"insufficient_scope\"")
        );

        let repeated = Refusal::RepeatedCredentials;
        assert_eq!(repeated.status(), StatusCode::BAD_REQUEST);
        assert!(
            repeated
                .www_authenticate()
                .unwrap()
                .starts_with("Bearer error=\"invalid_request\", error_description=\"")
        );

        let stale = Refusal::from(
            crate::Requirement::max_auth_age(std::time::Duration::from_secs(300))
                .check_at(
                    &crate::CognitoClaims::from_payload(
                        br#"{"sub":"s","token_use":"access","client_id":"c","iss":"i","exp":9,"auth_time":1}"#
                            .to_vec(),
                    )
                    .unwrap(),
                    1000,
                )
                .unwrap_err(),
        );
        assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            stale.www_authenticate().as_deref(),
            Some(
                "Bearer error=\"insufficient_user_authentication\", error_description=\"a more recent sign-in is required\", max_age=\"300\""
            )
        );

        let down = Refusal::from(VerifyError::KeysUnavailable {
            url: "u".into(),
            reason: "r".into(),
        });
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(down.www_authenticate(), None);

        let wiring = Refusal::Misconfigured {
            hint: "add the layer",
        };
        assert_eq!(wiring.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(wiring.www_authenticate(), None);
        let body: serde_json::Value = serde_json::from_str(&wiring.body()).unwrap();
        assert_eq!(body["error"], "server_error");
        assert_eq!(body["error_description"], "add the layer");
    }
}
