//! Fetching a JWKS document, or one PEM key, over HTTP(S) with the one shared client.

use std::time::Duration;

use super::key::{KeySet, PreparedKey, parse_es256_pem, parse_jwks};

/// Largest JWKS document accepted; Cognito's are about 1 KiB.
const MAX_JWKS_BYTES: usize = 512 * 1024;
/// Largest PEM key accepted; an ALB's P-256 key is under 200 bytes.
const MAX_PEM_BYTES: usize = 16 * 1024;

/// Fetches JWKS documents; cheap to clone (the client is shared).
#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    client: reqwest::Client,
    timeout: Duration,
}

impl Fetcher {
    pub(crate) fn new(client: reqwest::Client, timeout: Duration) -> Self {
        Self { client, timeout }
    }

    /// GETs and parses the document; the error is a one-line reason for logs and `KeysUnavailable`.
    pub(crate) async fn fetch(&self, url: &str) -> Result<KeySet, String> {
        match self
            .get(url, "application/json", MAX_JWKS_BYTES, "JWKS")
            .await?
        {
            Some(body) => parse_jwks(&body),
            None => Err("JWKS endpoint answered HTTP 404".to_owned()),
        }
    }

    /// GETs one ES256 public key in PEM (`SubjectPublicKeyInfo`), as an ALB's key endpoint
    /// serves it: `None` when the endpoint answers 404 (no such key).
    pub(crate) async fn fetch_pem_key(&self, url: &str) -> Result<Option<PreparedKey>, String> {
        match self.get(url, "*/*", MAX_PEM_BYTES, "key").await? {
            Some(body) => parse_es256_pem(&body).map(Some),
            None => Ok(None),
        }
    }

    /// The body of a 2xx answer, at most `max` bytes; `None` for a 404. `what` names the
    /// document in errors (`JWKS`, `key`).
    async fn get(
        &self,
        url: &str,
        accept: &str,
        max: usize,
        what: &str,
    ) -> Result<Option<Vec<u8>>, String> {
        let request = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, accept)
            .timeout(self.timeout);
        let mut response = request.send().await.map_err(|e| describe(e, what))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(format!("{what} endpoint answered HTTP {}", status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > max as u64)
        {
            return Err(format!("{what} document is too large"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| describe(e, what))? {
            if body.len() + chunk.len() > max {
                return Err(format!("{what} document is too large"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Some(body))
    }
}

fn describe(err: reqwest::Error, what: &str) -> String {
    if err.is_timeout() {
        format!("{what} fetch timed out")
    } else if err.is_connect() {
        format!("could not connect to the {what} endpoint")
    } else {
        format!("{what} fetch failed: {}", err.without_url())
    }
}
