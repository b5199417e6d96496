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
//! | session cookie, session store unreadable (or tokens unrefreshable) | 503 | none |
//! | session cookie, unsafe method from another site (CSRF) | 403 | none |
//! | guard or extractor without the auth layer | 500 | none |
//!
//! Bodies are JSON `{"error": "...", "error_description": "..."}`; descriptions name the rule
//! that failed and never contain anything taken from the token.
//!
//! This module is the one place where errors meet HTTP: [`VerifyError`], [`Denied`],
//! [`AccessError`] and [`ExtractError`] know nothing of status codes
//! or challenges; `Refusal::from` any of them gives the answer.

use std::fmt;

use http::{HeaderMap, Method, StatusCode, Uri};

use crate::error::VerifyError;
use crate::extract::ExtractError;
use crate::rbac::{AccessError, Denied, DeniedReason};

/// Why a request was refused, and the HTTP answer that goes with it (status, challenge, JSON
/// body); framework-agnostic. Each adapter wraps it in its own response type
/// (`CognitoRejection`), and hands it to the application's `on_rejection` handler.
///
/// ```
/// use sanctum_core::{Refusal, VerifyError};
///
/// let refusal = Refusal::from(VerifyError::InvalidSignature);
/// assert_eq!(refusal.status(), 401);
/// assert_eq!(refusal.error_code(), "invalid_token");
/// ```
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
    /// The token is not valid (401), or its keys or the revocation check are unavailable
    /// (503: [`VerifyError::KeysUnavailable`], [`VerifyError::RevocationCheckUnavailable`]).
    Verify(VerifyError),
    /// The token is valid but does not meet the route's requirement: 403, or 401 for step-up
    /// rules ([`Denied::is_step_up`]).
    Denied(Denied),
    /// The token is valid but its claims do not fit the type a handler asked for (`TypedClaims<T>`):
    /// 403. Signing in again would give the same claims, so it is not a 401.
    ClaimsMismatch,
    /// The request's session cookie names a session the store cannot read or write now (store
    /// down, or the session's tokens could not be refreshed): 503, never an anonymous pass.
    SessionUnavailable,
    /// A request authenticated by the session cookie, with an unsafe method, that does not
    /// come from the application's own pages (CSRF): 403, nothing done.
    CrossSiteRequest,
    /// The adapter is wired wrong: a guard or extractor runs without the auth layer (500).
    Misconfigured {
        /// What to add, for the response body and the log.
        hint: &'static str,
    },
}

/// The request that was refused, as an `on_rejection` handler sees it: method, URI and headers
/// (to send a browser to a sign-in page with `?next=`, say). Same type in every adapter.
///
/// The adapters' `on_rejection` docs (e.g. `sanctum_axum::CognitoAuthLayer::on_rejection`) show
/// it in use; [`Refusal`] is what was refused.
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

impl From<ExtractError> for Refusal {
    fn from(err: ExtractError) -> Self {
        match err {
            ExtractError::Empty => Self::EmptyToken,
            ExtractError::Unreadable => Self::UnreadableToken,
            ExtractError::Repeated => Self::RepeatedCredentials,
        }
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
            Self::Verify(err) if server_side(err) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Verify(_) => StatusCode::UNAUTHORIZED,
            Self::Denied(denied) if denied.is_step_up() => StatusCode::UNAUTHORIZED,
            Self::Denied(_) => StatusCode::FORBIDDEN,
            Self::ClaimsMismatch | Self::CrossSiteRequest => StatusCode::FORBIDDEN,
            Self::SessionUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Misconfigured { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error code of the body and challenge: RFC 6750's `invalid_request`,
    /// `invalid_token`, `insufficient_scope`; RFC 9470's `insufficient_user_authentication`;
    /// `unauthorized` when no token was sent, `temporarily_unavailable`, `server_error`,
    /// `cross_site_request` (CSRF).
    #[must_use]
    pub fn error_code(&self) -> &'static str {
        match self {
            Self::MissingToken => "unauthorized",
            Self::EmptyToken | Self::UnreadableToken => "invalid_token",
            Self::RepeatedCredentials => "invalid_request",
            Self::Verify(err) if server_side(err) => "temporarily_unavailable",
            Self::Verify(_) => "invalid_token",
            Self::Denied(denied) if denied.is_step_up() => "insufficient_user_authentication",
            Self::Denied(_) => "insufficient_scope",
            Self::ClaimsMismatch => "insufficient_scope",
            Self::SessionUnavailable => "temporarily_unavailable",
            Self::CrossSiteRequest => "cross_site_request",
            Self::Misconfigured { .. } => "server_error",
        }
    }

    /// The client-safe description (`error_description`): it names the rule that failed and
    /// never contains anything taken from the token.
    #[must_use]
    pub fn description(&self) -> &'static str {
        match self {
            Self::MissingToken => "a bearer token is required",
            Self::EmptyToken => "the bearer token is empty",
            Self::UnreadableToken => "the bearer token is not UTF-8 text",
            Self::RepeatedCredentials => "the request carries more than one credential",
            Self::Verify(err) => verify_description(err),
            Self::Denied(denied) => denied_description(denied.reason()),
            Self::ClaimsMismatch => "token claims do not fit this route",
            Self::SessionUnavailable => "the session cannot be read now",
            Self::CrossSiteRequest => "the request does not come from this application's pages",
            Self::Misconfigured { hint } => hint,
        }
    }

    /// The `WWW-Authenticate` value, when the answer has one.
    #[must_use]
    pub fn www_authenticate(&self) -> Option<String> {
        if matches!(self, Self::CrossSiteRequest) {
            // not about the credential: signing in again would not help
            return None;
        }
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
                    push_step_up_parameters(&mut value, denied.reason());
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

    /// Logs the refusal, one event with its `reason`, at a level fitting its cause (never with
    /// the token): `debug` for a refused credential, `warn` when keys or a revocation check are
    /// unavailable, `error` for a guard without its layer. The adapters call it once per
    /// refused request.
    pub fn log(&self) {
        #[cfg(feature = "metrics")]
        crate::observe::metrics::refusal(self.metric_reason());
        match self {
            Self::Misconfigured { hint } => tracing::error!(hint, "sanctum is misconfigured"),
            Self::Verify(err @ VerifyError::KeysUnavailable { .. }) => {
                tracing::warn!(reason = %err, "request refused: signing keys unavailable");
            }
            Self::Verify(err @ VerifyError::RevocationCheckUnavailable) => {
                tracing::warn!(reason = %err, "request refused: revocation check unavailable");
            }
            Self::SessionUnavailable => {
                tracing::debug!("request refused: session unavailable");
            }
            Self::Verify(err) => tracing::debug!(reason = %err, "request refused"),
            Self::Denied(denied) => tracing::debug!(reason = %denied, "request refused"),
            Self::MissingToken
            | Self::EmptyToken
            | Self::UnreadableToken
            | Self::RepeatedCredentials
            | Self::CrossSiteRequest
            | Self::ClaimsMismatch => {
                tracing::debug!(reason = self.description(), "request refused");
            }
        }
    }
}

/// Whether a verification failed on the server's side (503), not the caller's.
fn server_side(err: &VerifyError) -> bool {
    matches!(
        err,
        VerifyError::KeysUnavailable { .. } | VerifyError::RevocationCheckUnavailable
    )
}

/// The client-safe description of a failed verification.
fn verify_description(err: &VerifyError) -> &'static str {
    match err {
        VerifyError::TooLarge { .. } => "token is too large",
        VerifyError::Malformed { .. } => "token is malformed",
        VerifyError::UnsupportedAlgorithm { .. } => "token algorithm is not accepted",
        VerifyError::MissingKid => "token has no key id",
        VerifyError::UnknownKey { .. } => "token is signed by an unknown key",
        VerifyError::AlgorithmMismatch { .. } => "token algorithm does not match its key",
        VerifyError::KeysUnavailable { .. } => "signing keys are temporarily unavailable",
        VerifyError::InvalidSignature => "token signature is invalid",
        VerifyError::IssuerMismatch { .. } => "token issuer is not accepted",
        VerifyError::Expired { .. } => "token has expired",
        VerifyError::NotYetValid { .. } => "token is not valid yet",
        VerifyError::WrongTokenUse { .. } => "wrong kind of token",
        VerifyError::ClientMismatch { .. } => "token was issued to another client",
        VerifyError::MissingClaim { .. } => "token lacks a required claim",
        VerifyError::InvalidClaim { .. } => "token has an invalid claim",
        VerifyError::Revoked => "token has been revoked",
        VerifyError::RevocationCheckUnavailable => "token revocation cannot be checked right now",
        VerifyError::AlbUnsupportedAlgorithm { .. } => "token algorithm is not accepted",
        VerifyError::AlbSignatureEncoding { .. } => "token signature is not ES256 R||S",
        VerifyError::AlbInvalidKeyId { .. } => "token key id is not valid",
        VerifyError::AlbSignerMismatch { .. } => "token was signed by another load balancer",
        VerifyError::AlbMissingAccessToken => "the load balancer's access token is missing",
        VerifyError::AlbSubjectMismatch => "the access token belongs to another user",
        VerifyError::AlbIdentityMismatch => "the identity header does not match the token",
    }
}

/// The client-safe description of a denial.
fn denied_description(reason: &DeniedReason) -> &'static str {
    match reason {
        DeniedReason::MissingGroup(_) | DeniedReason::ExcludedGroup(_) => {
            "token lacks a required group"
        }
        DeniedReason::MissingScope(_) => "token lacks a required scope",
        DeniedReason::Custom(_) => "token does not meet the route's requirement",
        DeniedReason::SignInTooOld { .. } => "a more recent sign-in is required",
        DeniedReason::AcrNotAccepted(_) => "a different authentication level is required",
        DeniedReason::AmrMissing(_) => "a different authentication method is required",
    }
}

/// Appends the RFC 9470 challenge parameters of a step-up denial: `max_age="..."` or
/// `acr_values="..."` (quoted, as in RFC 9470 §3's examples); nothing for other denials
/// (an `amr` rule has no challenge parameter).
fn push_step_up_parameters(value: &mut String, reason: &DeniedReason) {
    match reason {
        DeniedReason::SignInTooOld { max_age } => {
            value.push_str(&format!(", max_age=\"{max_age}\""));
        }
        DeniedReason::AcrNotAccepted(values) => {
            // auth-param quoted-string: keep only characters that need no escaping
            let values: Vec<String> = values
                .iter()
                .map(|v| v.chars().filter(|c| *c != '"' && *c != '\\').collect())
                .collect();
            value.push_str(&format!(", acr_values=\"{}\"", values.join(" ")));
        }
        _ => {}
    }
}

impl Refusal {
    /// The bounded `reason` label of `sanctum_refusals_total`.
    #[cfg(feature = "metrics")]
    fn metric_reason(&self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::EmptyToken => "empty_token",
            Self::UnreadableToken => "unreadable_token",
            Self::RepeatedCredentials => "repeated_credentials",
            Self::Verify(err) => crate::observe::metrics::reason(err),
            Self::Denied(_) => "denied",
            Self::ClaimsMismatch => "claims_mismatch",
            Self::Misconfigured { .. } => "misconfigured",
            Self::SessionUnavailable => "session_unavailable",
            Self::CrossSiteRequest => "cross_site_request",
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

    #[test]
    fn step_up_challenges_carry_rfc_9470_parameters() {
        let claims = crate::CognitoClaims::from_payload(
            br#"{"sub":"s","token_use":"access","client_id":"c","iss":"i","exp":9,"acr":"a","amr":["pwd"]}"#
                .to_vec(),
        )
        .unwrap();
        let denied =
            |rule: crate::Requirement| Refusal::from(rule.check_at(&claims, 0).unwrap_err());

        let acr = denied(crate::Requirement::any_acr(["urn:mfa", "urn:\"hw\\"]));
        assert_eq!(acr.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            acr.www_authenticate().as_deref(),
            Some(
                "Bearer error=\"insufficient_user_authentication\", error_description=\"a different authentication level is required\", acr_values=\"urn:mfa urn:hw\""
            )
        );
        // an amr rule is step-up too, but RFC 9470 has no parameter for it
        let amr = denied(crate::Requirement::amr("mfa"));
        assert_eq!(amr.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            amr.www_authenticate().as_deref(),
            Some(
                "Bearer error=\"insufficient_user_authentication\", error_description=\"a different authentication method is required\""
            )
        );
        let scope = denied(crate::Requirement::scope("orders/read"));
        assert_eq!(scope.status(), StatusCode::FORBIDDEN);
        assert_eq!(scope.description(), "token lacks a required scope");
    }

    #[test]
    fn unusable_credentials_and_unavailable_checks() {
        for (err, refusal) in [
            (ExtractError::Empty, "the bearer token is empty"),
            (
                ExtractError::Unreadable,
                "the bearer token is not UTF-8 text",
            ),
        ] {
            let refusal_of = Refusal::from(err);
            assert_eq!(refusal_of.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(refusal_of.error_code(), "invalid_token");
            assert_eq!(refusal_of.description(), refusal);
        }
        assert!(matches!(
            Refusal::from(ExtractError::Repeated),
            Refusal::RepeatedCredentials
        ));
        let unchecked = Refusal::from(VerifyError::RevocationCheckUnavailable);
        assert_eq!(unchecked.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(unchecked.error_code(), "temporarily_unavailable");
        assert_eq!(unchecked.www_authenticate(), None);
        assert_eq!(
            Refusal::from(AccessError::Invalid(VerifyError::Revoked)).description(),
            "token has been revoked"
        );
    }
}
