//! The managed-login HTTP calls: `POST /oauth2/token` and `POST /oauth2/revoke`, with the app
//! client's authentication, their answers read into tokens or typed errors.

use std::time::Duration;

use serde::Deserialize;

use super::error::{Endpoint, LoginError, OAuthError, OAuthErrorCode};
use crate::credentials::ClientSecret;

/// Largest answer read; Cognito's token answers are a few KiB.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// How a confidential app client (one with a secret) authenticates to the token and revoke
/// endpoints. Cognito takes both.
///
/// Set with [`ManagedLoginBuilder::client_auth`](crate::login::ManagedLoginBuilder::client_auth).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_secret_basic`: `Authorization: Basic base64(client_id:client_secret)` (the
    /// default, and what Cognito documents first).
    #[default]
    Basic,
    /// `client_secret_post`: `client_id` and `client_secret` in the form body.
    Post,
}

/// A token endpoint answer.
#[derive(Deserialize)]
pub(super) struct TokenResponse {
    pub(super) access_token: Option<String>,
    pub(super) id_token: Option<String>,
    pub(super) refresh_token: Option<String>,
    pub(super) expires_in: Option<u64>,
    pub(super) token_type: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    error_description: Option<String>,
}

/// The app client's side of the token and revoke endpoints.
#[derive(Debug, Clone)]
pub(super) struct Endpoints {
    pub(super) token_url: String,
    pub(super) revoke_url: String,
    pub(super) client_id: String,
    pub(super) secret: Option<ClientSecret>,
    pub(super) client_auth: ClientAuth,
    pub(super) http: reqwest::Client,
    pub(super) timeout: Duration,
}

impl Endpoints {
    /// `POST /oauth2/token` with `form` (and the client's authentication).
    pub(super) async fn token(&self, form: &[(&str, &str)]) -> Result<TokenResponse, LoginError> {
        let body = self.post(Endpoint::Token, &self.token_url, form).await?;
        serde_json::from_slice(&body).map_err(|_| LoginError::BadResponse {
            endpoint: Endpoint::Token,
            what: "a success answer that is not a token response".to_owned(),
        })
    }

    /// `POST /oauth2/revoke` with `token=...`.
    pub(super) async fn revoke(&self, token: &str) -> Result<(), LoginError> {
        self.post(Endpoint::Revoke, &self.revoke_url, &[("token", token)])
            .await
            .map(drop)
    }

    /// Posts `form` plus the client's identification; the body of a 2xx answer, or the error.
    /// In a `sanctum.token_endpoint` span ([`crate::observe`]).
    async fn post(
        &self,
        endpoint: Endpoint,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<Vec<u8>, LoginError> {
        let span = crate::observe::token_endpoint_span(&endpoint, &self.client_id);
        crate::observe::token_endpoint_call(span, self.post_in_span(endpoint, url, form)).await
    }

    async fn post_in_span(
        &self,
        endpoint: Endpoint,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<Vec<u8>, LoginError> {
        let mut fields = form.to_vec();
        // `client_id` in the body: always for a public client; for a confidential one only
        // with `client_secret_post` (with Basic, the header names the client).
        let basic = match (&self.secret, self.client_auth) {
            (Some(secret), ClientAuth::Basic) => Some(secret),
            (Some(secret), ClientAuth::Post) => {
                fields.push(("client_id", &self.client_id));
                fields.push(("client_secret", secret.expose()));
                None
            }
            (None, _) => {
                fields.push(("client_id", &self.client_id));
                None
            }
        };
        let mut request = self
            .http
            .post(url)
            .header(http::header::ACCEPT, "application/json")
            .form(&fields)
            .timeout(self.timeout);
        if let Some(secret) = basic {
            request = request.basic_auth(&self.client_id, Some(secret.expose()));
        }
        tracing::debug!(client_id = %self.client_id, %endpoint, "managed-login request");
        let unavailable = |err: reqwest::Error| LoginError::Unavailable {
            endpoint,
            message: describe(err),
        };
        let mut response = request.send().await.map_err(unavailable)?;
        let status = response.status();
        crate::observe::record_status(status.as_u16());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(LoginError::BadResponse {
                    endpoint,
                    what: "the answer is too large".to_owned(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return Ok(body);
        }
        error_answer(endpoint, status.as_u16(), &body)
    }
}

/// The error of a non-2xx answer: Cognito's OAuth error when the body is one, else
/// [`LoginError::Unavailable`] (5xx) or [`LoginError::BadResponse`].
fn error_answer(endpoint: Endpoint, status: u16, body: &[u8]) -> Result<Vec<u8>, LoginError> {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(err) => {
            let mut err = OAuthError::new(
                OAuthErrorCode::from_name(&err.error),
                err.error_description,
                endpoint,
            );
            err.status = Some(status);
            Err(err.into())
        }
        Err(_) if status >= 500 => Err(LoginError::Unavailable {
            endpoint,
            message: format!("HTTP {status}"),
        }),
        Err(_) => Err(LoginError::BadResponse {
            endpoint,
            what: format!("HTTP {status} without an OAuth error"),
        }),
    }
}

fn describe(err: reqwest::Error) -> String {
    if err.is_timeout() {
        "the request timed out".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else {
        format!("the request failed: {}", err.without_url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth(result: Result<Vec<u8>, LoginError>) -> OAuthError {
        match result {
            Err(LoginError::OAuth(err)) => err,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_token_endpoint_error_is_typed_with_its_status() {
        for (name, code, status) in [
            ("invalid_request", OAuthErrorCode::InvalidRequest, 400),
            ("invalid_client", OAuthErrorCode::InvalidClient, 401),
            ("invalid_grant", OAuthErrorCode::InvalidGrant, 400),
            (
                "unauthorized_client",
                OAuthErrorCode::UnauthorizedClient,
                400,
            ),
            (
                "unsupported_grant_type",
                OAuthErrorCode::UnsupportedGrantType,
                400,
            ),
            ("invalid_scope", OAuthErrorCode::InvalidScope, 400),
            ("access_denied", OAuthErrorCode::AccessDenied, 400),
            ("server_error", OAuthErrorCode::ServerError, 500),
            (
                "novel_error",
                OAuthErrorCode::Other("novel_error".into()),
                400,
            ),
        ] {
            let body = format!(r#"{{"error":"{name}","error_description":"because"}}"#);
            let err = oauth(error_answer(Endpoint::Token, status, body.as_bytes()));
            assert_eq!(err.code, code, "{name}");
            assert_eq!(err.status, Some(status));
            assert_eq!(err.description.as_deref(), Some("because"));
            assert_eq!(err.endpoint, Endpoint::Token);
        }
        let bare = oauth(error_answer(
            Endpoint::Revoke,
            400,
            br#"{"error":"unsupported_token_type"}"#,
        ));
        assert_eq!(bare.code, OAuthErrorCode::UnsupportedTokenType);
        assert_eq!(bare.description, None);
    }

    #[test]
    fn an_answer_without_an_oauth_error_is_unavailable_or_bad() {
        assert!(matches!(
            error_answer(Endpoint::Token, 502, b"<html>bad gateway</html>"),
            Err(LoginError::Unavailable {
                endpoint: Endpoint::Token,
                ..
            })
        ));
        assert!(matches!(
            error_answer(Endpoint::Token, 404, b"not found"),
            Err(LoginError::BadResponse {
                endpoint: Endpoint::Token,
                ..
            })
        ));
    }

    #[test]
    fn debug_hides_the_secret() {
        let shown = format!("{:?}", ClientSecret::new("TOP-SECRET"));
        assert!(!shown.contains("TOP-SECRET"));
    }
}
