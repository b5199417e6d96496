//! The token endpoint client: `POST {url}` with `grant_type=client_credentials`, the client's id
//! and secret as HTTP Basic authentication, and its answer or OAuth error read into a
//! [`Fetched`] or a [`ClientCredentialsError`].

use std::time::Duration;

use serde::Deserialize;

use super::{ClientCredentialsError, FetchFuture, Fetched, Grant, TokenFetcher};
use crate::http_client::HttpClient;

/// Largest token-endpoint answer read; Cognito's are about 1 KiB.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// A token endpoint (`.../oauth2/token`) and the client that asks it.
pub(super) struct TokenEndpoint {
    url: String,
    http: HttpClient,
    timeout: Duration,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<u64>,
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
}

impl TokenEndpoint {
    pub(super) fn new(url: String, http: HttpClient, timeout: Duration) -> Self {
        Self { url, http, timeout }
    }

    async fn request(&self, grant: Grant<'_>) -> Result<Fetched, ClientCredentialsError> {
        let scope = grant.scopes.join(" ");
        let mut form = vec![("grant_type", "client_credentials")];
        if !scope.is_empty() {
            form.push(("scope", scope.as_str()));
        }
        let mut response = self
            .http
            .reqwest()
            .post(&self.url)
            .basic_auth(grant.client_id, Some(grant.secret.expose()))
            .header(http::header::ACCEPT, "application/json")
            .form(&form)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        crate::observe::record_status(status.as_u16());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(ClientCredentialsError::BadResponse {
                    what: "the answer is too large".to_owned(),
                });
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_success() {
            let parsed: TokenResponse =
                serde_json::from_slice(&body).map_err(|_| ClientCredentialsError::BadResponse {
                    what: format!(
                        "HTTP {} with a body that is not a token response",
                        status.as_u16()
                    ),
                })?;
            let access_token = parsed
                .access_token
                .filter(|t| !t.is_empty())
                .ok_or_else(|| ClientCredentialsError::BadResponse {
                    what: "no access_token".to_owned(),
                })?;
            let expires_in =
                parsed
                    .expires_in
                    .ok_or_else(|| ClientCredentialsError::BadResponse {
                        what: "no expires_in".to_owned(),
                    })?;
            return Ok(Fetched {
                access_token,
                expires_in,
                token_type: parsed.token_type,
            });
        }
        if status.is_server_error() {
            return Err(ClientCredentialsError::Unavailable {
                message: format!("the token endpoint answered HTTP {}", status.as_u16()),
            });
        }
        match serde_json::from_slice::<OAuthError>(&body) {
            Ok(err) => Err(oauth_error(status.as_u16(), err)),
            Err(_) => Err(ClientCredentialsError::BadResponse {
                what: format!("HTTP {} without an OAuth error", status.as_u16()),
            }),
        }
    }
}

impl TokenFetcher for TokenEndpoint {
    fn fetch<'a>(&'a self, grant: Grant<'a>) -> FetchFuture<'a> {
        let span = crate::observe::token_endpoint_span(&"token", grant.client_id);
        Box::pin(crate::observe::token_endpoint_call(
            span,
            self.request(grant),
        ))
    }

    fn name(&self) -> &str {
        &self.url
    }
}

fn unavailable(err: reqwest::Error) -> ClientCredentialsError {
    let message = if err.is_timeout() {
        "the token request timed out".to_owned()
    } else if err.is_connect() {
        "could not connect to the token endpoint".to_owned()
    } else {
        format!("the token request failed: {}", err.without_url())
    };
    ClientCredentialsError::Unavailable { message }
}

fn oauth_error(status: u16, err: OAuthError) -> ClientCredentialsError {
    let description = err.error_description;
    match err.error.as_str() {
        "invalid_client" => ClientCredentialsError::InvalidClient { description },
        "invalid_scope" => ClientCredentialsError::InvalidScope { description },
        "unauthorized_client" => ClientCredentialsError::UnauthorizedClient { description },
        _ => ClientCredentialsError::Refused {
            status,
            error: err.error,
            description,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_error_codes_map_to_their_variants() {
        let err = |code: &str| OAuthError {
            error: code.to_owned(),
            error_description: Some("why".to_owned()),
        };
        assert!(matches!(
            oauth_error(401, err("invalid_client")),
            ClientCredentialsError::InvalidClient { description: Some(d) } if d == "why"
        ));
        assert!(matches!(
            oauth_error(400, err("invalid_scope")),
            ClientCredentialsError::InvalidScope { .. }
        ));
        assert!(matches!(
            oauth_error(400, err("unauthorized_client")),
            ClientCredentialsError::UnauthorizedClient { .. }
        ));
        assert!(matches!(
            oauth_error(400, err("invalid_request")),
            ClientCredentialsError::Refused { status: 400, error, .. } if error == "invalid_request"
        ));
    }
}
