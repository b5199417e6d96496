//! The HTTP answer to a refused request, shared by every adapter so they answer identically.
//!
//! | situation | status | `WWW-Authenticate` |
//! |---|---|---|
//! | no token | 401 | `Bearer` |
//! | bad token (malformed, signature, expired, issuer, client, token_use, ...) | 401 | `Bearer error="invalid_token", error_description="..."` |
//! | valid token, missing group/scope/condition | 403 | `Bearer error="insufficient_scope", error_description="..."` |
//! | JWKS unreachable and key not cached | 503 | none |
//! | guard or extractor without the auth layer | 500 | none |
//!
//! Bodies are JSON `{"error": "...", "error_description": "..."}`; descriptions come from
//! [`VerifyError::description`] and never contain the token.

use std::fmt;

use http::StatusCode;

use crate::error::{ErrorKind, VerifyError};
use crate::rbac::Denied;

/// Why a request was refused; adapters wrap it in their own rejection type.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AuthRejection {
    /// The request has no token (401, bare `Bearer` challenge).
    MissingToken,
    /// The request names a bearer token but it is empty (401 `invalid_token`).
    EmptyToken,
    /// The request names a bearer token but its bytes are not text (not UTF-8), so no token
    /// can be in it (401 `invalid_token`, on optional routes too).
    UnreadableToken,
    /// Verification failed (401, 403 or 503 by [`VerifyError::kind`]).
    Verify(VerifyError),
    /// The adapter is wired wrong: a guard or extractor runs without the auth layer (500).
    Misconfigured {
        /// What to add, for the response body and the log.
        hint: &'static str,
    },
}

impl From<VerifyError> for AuthRejection {
    fn from(err: VerifyError) -> Self {
        Self::Verify(err)
    }
}

impl From<Denied> for AuthRejection {
    fn from(denied: Denied) -> Self {
        Self::Verify(VerifyError::Forbidden(denied))
    }
}

impl AuthRejection {
    /// The status code.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingToken | Self::EmptyToken | Self::UnreadableToken => {
                StatusCode::UNAUTHORIZED
            }
            Self::Verify(err) => match err.kind() {
                ErrorKind::Forbidden => StatusCode::FORBIDDEN,
                ErrorKind::KeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNAUTHORIZED,
            },
            Self::Misconfigured { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The RFC 6750 error code of the body and challenge (`invalid_token`, `insufficient_scope`,
    /// `unauthorized` when no token was sent, `temporarily_unavailable`, `server_error`).
    #[must_use]
    pub fn error_code(&self) -> &'static str {
        match self {
            Self::MissingToken => "unauthorized",
            Self::EmptyToken | Self::UnreadableToken => "invalid_token",
            Self::Verify(err) => match err.kind() {
                ErrorKind::Forbidden => "insufficient_scope",
                ErrorKind::KeysUnavailable => "temporarily_unavailable",
                _ => "invalid_token",
            },
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
            Self::Verify(err) => err.description(),
            Self::Misconfigured { hint } => hint,
        }
    }

    /// The `WWW-Authenticate` value, when the answer has one.
    #[must_use]
    pub fn www_authenticate(&self) -> Option<String> {
        match self.status() {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                if matches!(self, Self::MissingToken) {
                    Some("Bearer".to_owned())
                } else {
                    Some(format!(
                        "Bearer error=\"{}\", error_description=\"{}\"",
                        self.error_code(),
                        self.description()
                    ))
                }
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
            Self::Verify(err) => tracing::debug!(error = %err, "request refused"),
            Self::MissingToken | Self::EmptyToken | Self::UnreadableToken => {
                tracing::debug!(reason = self.description(), "request refused");
            }
        }
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Verify(err) => write!(f, "{err}"),
            other => f.write_str(other.description()),
        }
    }
}

impl std::error::Error for AuthRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Verify(err) => Some(err),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_response_table() {
        let missing = AuthRejection::MissingToken;
        assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(missing.www_authenticate().as_deref(), Some("Bearer"));

        let bad = AuthRejection::from(VerifyError::InvalidSignature);
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            bad.www_authenticate().as_deref(),
            Some(
                "Bearer error=\"invalid_token\", error_description=\"token signature is invalid\""
            )
        );

        let forbidden = AuthRejection::from(Denied::missing_group(["admin"]));
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
        assert!(
            forbidden
                .www_authenticate()
                .unwrap()
                .starts_with("Bearer error=\"insufficient_scope\"")
        );

        let down = AuthRejection::from(VerifyError::KeysUnavailable {
            url: "u".into(),
            reason: "r".into(),
        });
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(down.www_authenticate(), None);

        let wiring = AuthRejection::Misconfigured {
            hint: "add the layer",
        };
        assert_eq!(wiring.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(wiring.www_authenticate(), None);
        let body: serde_json::Value = serde_json::from_str(&wiring.body()).unwrap();
        assert_eq!(body["error"], "server_error");
        assert_eq!(body["error_description"], "add the layer");
    }
}
