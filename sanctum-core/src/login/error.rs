//! What can go wrong in a managed-login sign-in: [`LoginError`], and Cognito's own OAuth
//! answers, [`OAuthError`] with its [`OAuthErrorCode`].

use std::fmt;

use crate::error::VerifyError;

/// An OAuth 2.0 `error` code, as Cognito's managed login sends it in the callback's query
/// (`?error=access_denied&error_description=...`) or the token endpoint's JSON body
/// (`{"error":"invalid_grant"}`).
///
/// Carried by [`OAuthError`]; see [`LoginError`] for an example.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_request`: a parameter is missing, repeated or malformed (also a callback URL
    /// the app client does not list).
    InvalidRequest,
    /// `invalid_client`: unknown app client, or a wrong or missing client secret.
    InvalidClient,
    /// `invalid_grant`: the code (or refresh token) is unknown, used, expired, revoked, issued
    /// to another client or redirect URI, or its PKCE `code_verifier` does not match.
    InvalidGrant,
    /// `unauthorized_client`: the app client may not use this flow or grant.
    UnauthorizedClient,
    /// `unsupported_grant_type`: the token endpoint does not know the grant.
    UnsupportedGrantType,
    /// `unsupported_response_type`: the authorize endpoint does not know the response type.
    UnsupportedResponseType,
    /// `unsupported_token_type`: the revoke endpoint cannot revoke this kind of token.
    UnsupportedTokenType,
    /// `invalid_scope`: a scope the app client may not ask for.
    InvalidScope,
    /// `access_denied`: the user (or the identity provider) refused, or could not sign in.
    AccessDenied,
    /// `server_error`: Cognito (or a federated identity provider) failed.
    ServerError,
    /// `temporarily_unavailable`: Cognito is overloaded or in maintenance.
    TemporarilyUnavailable,
    /// Any other code, by name.
    Other(String),
}

impl OAuthErrorCode {
    /// The code for its wire name; an unknown name is [`Other`](Self::Other).
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        match name {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "unsupported_token_type" => Self::UnsupportedTokenType,
            "invalid_scope" => Self::InvalidScope,
            "access_denied" => Self::AccessDenied,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire name (`invalid_grant`, ...).
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::Other(name) => name,
        }
    }

    /// Whether the condition is Cognito's, not the caller's (`server_error`,
    /// `temporarily_unavailable`): trying again later may succeed.
    #[must_use]
    pub fn is_server_side(&self) -> bool {
        matches!(self, Self::ServerError | Self::TemporarilyUnavailable)
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which managed-login endpoint answered with an error.
///
/// Part of [`OAuthError`]; see [`LoginError`] for an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// The authorize endpoint, through the browser: the callback's query string.
    Authorize,
    /// `POST /oauth2/token`.
    Token,
    /// `POST /oauth2/revoke`.
    Revoke,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Authorize => "authorize",
            Self::Token => "token",
            Self::Revoke => "revoke",
        })
    }
}

/// An OAuth error answer from Cognito: its code, its description, and where it came from.
///
/// Carried by [`LoginError::OAuth`]; see [`LoginError`] for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthError {
    /// The `error` code.
    pub code: OAuthErrorCode,
    /// `error_description`, if any (Cognito's text; shown to no one by sanctum).
    pub description: Option<String>,
    /// The endpoint that answered.
    pub endpoint: Endpoint,
    /// The HTTP status of a token or revoke endpoint answer (none for the callback).
    pub status: Option<u16>,
}

impl OAuthError {
    /// An error answer of `endpoint`.
    #[must_use]
    pub fn new(code: OAuthErrorCode, description: Option<String>, endpoint: Endpoint) -> Self {
        Self {
            code,
            description,
            endpoint,
            status: None,
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} endpoint answered {}", self.endpoint, self.code)?;
        if let Some(description) = &self.description {
            write!(f, ": {description}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OAuthError {}

/// Why a managed-login step failed. Nothing here holds a token, a code or a PKCE verifier.
///
/// ```
/// use sanctum_core::login::{Callback, LoginError, OAuthErrorCode};
///
/// // the user cancelled on Cognito's page: the callback says so
/// let err = Callback::from_query("error=access_denied&state=abc").unwrap_err();
/// match err {
///     LoginError::OAuth(e) if e.code == OAuthErrorCode::AccessDenied => println!("cancelled"),
///     other => println!("sign-in failed: {other}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// Cognito answered with an OAuth error: in the callback (`error=access_denied`, ...) or
    /// from the token or revoke endpoint (`invalid_grant`, ...).
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// The callback's `state` is not the pending sign-in's: a forged or crossed callback
    /// (login CSRF), or the pending sign-in of another attempt.
    #[error("the callback's state does not match the pending sign-in")]
    StateMismatch,
    /// The ID token's `nonce` is missing or not the pending sign-in's: a token replayed from
    /// another sign-in.
    #[error("the ID token's nonce does not match the pending sign-in")]
    NonceMismatch,
    /// The ID token's `at_hash` does not match the access token it came with.
    #[error("the ID token's at_hash does not match the access token")]
    AccessTokenHashMismatch,
    /// The ID token (from the code exchange or a refresh) failed verification.
    #[error("the ID token is not valid: {0}")]
    IdToken(#[source] VerifyError),
    /// A refresh returned an ID token of another user (`sub` differs).
    #[error("the refreshed ID token is of another user")]
    SubjectMismatch,
    /// The pending sign-in is older than its limit
    /// ([`pending_max_age`](super::ManagedLoginBuilder::pending_max_age)).
    #[error("the pending sign-in expired ({age_secs} s old, at most {max_age_secs} s)")]
    PendingExpired {
        /// Its age, in seconds.
        age_secs: u64,
        /// The limit, in seconds.
        max_age_secs: u64,
    },
    /// The callback's query lacks a parameter (`code`, `state`), or repeats one.
    #[error("the callback's query string is not valid: {what}")]
    BadCallback {
        /// What is wrong with it.
        what: &'static str,
    },
    /// The endpoint could not be reached, timed out, or answered with a server error.
    #[error("the {endpoint} endpoint is unavailable: {message}")]
    Unavailable {
        /// The endpoint.
        endpoint: Endpoint,
        /// What went wrong.
        message: String,
    },
    /// The answer was not what the endpoint should send (not JSON, no `access_token`, no
    /// `id_token`, an unexpected status).
    #[error("unexpected answer from the {endpoint} endpoint: {what}")]
    BadResponse {
        /// The endpoint.
        endpoint: Endpoint,
        /// What is wrong with it.
        what: String,
    },
    /// The system's random number generator failed (no `state`, `nonce` or PKCE verifier
    /// could be made).
    #[error("the random number generator failed")]
    Random,
}

impl LoginError {
    /// The OAuth error code, when Cognito answered with one.
    #[must_use]
    pub fn oauth_code(&self) -> Option<&OAuthErrorCode> {
        match self {
            Self::OAuth(err) => Some(&err.code),
            _ => None,
        }
    }

    /// Whether the failure is on the server's side (Cognito unreachable, `server_error`,
    /// `temporarily_unavailable`, a nonsense answer, the ID token's keys unavailable), not the
    /// browser's: an application answers 503 or 502 rather than 400.
    #[must_use]
    pub fn is_server_side(&self) -> bool {
        match self {
            Self::OAuth(err) => err.code.is_server_side(),
            Self::IdToken(err) => matches!(err, VerifyError::KeysUnavailable { .. }),
            Self::Unavailable { .. } | Self::BadResponse { .. } | Self::Random => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cognito_error_code_round_trips_by_name() {
        for name in [
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "unsupported_response_type",
            "unsupported_token_type",
            "invalid_scope",
            "access_denied",
            "server_error",
            "temporarily_unavailable",
        ] {
            let code = OAuthErrorCode::from_name(name);
            assert!(!matches!(code, OAuthErrorCode::Other(_)), "{name}");
            assert_eq!(code.as_str(), name);
        }
        assert_eq!(
            OAuthErrorCode::from_name("interaction_required"),
            OAuthErrorCode::Other("interaction_required".to_owned())
        );
        assert_eq!(
            OAuthErrorCode::from_name("interaction_required").as_str(),
            "interaction_required"
        );
    }

    #[test]
    fn server_side_failures_are_told_apart_from_the_callers() {
        let oauth = |code| LoginError::OAuth(OAuthError::new(code, None, Endpoint::Token));
        assert!(oauth(OAuthErrorCode::ServerError).is_server_side());
        assert!(oauth(OAuthErrorCode::TemporarilyUnavailable).is_server_side());
        assert!(!oauth(OAuthErrorCode::InvalidGrant).is_server_side());
        assert!(!LoginError::StateMismatch.is_server_side());
        assert!(
            LoginError::Unavailable {
                endpoint: Endpoint::Token,
                message: "down".into()
            }
            .is_server_side()
        );
    }

    #[test]
    fn the_message_names_the_endpoint_code_and_description() {
        let err = LoginError::from(OAuthError::new(
            OAuthErrorCode::AccessDenied,
            Some("User cancelled".into()),
            Endpoint::Authorize,
        ));
        assert_eq!(
            err.to_string(),
            "the authorize endpoint answered access_denied: User cancelled"
        );
        assert_eq!(err.oauth_code(), Some(&OAuthErrorCode::AccessDenied));
    }
}
