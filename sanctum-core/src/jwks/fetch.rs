//! Fetching a JWKS document over HTTP(S) with the one shared client.

use std::time::Duration;

use super::key::{KeySet, parse_jwks};

/// Largest JWKS document accepted; Cognito's are about 1 KiB.
const MAX_JWKS_BYTES: usize = 512 * 1024;

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
        let request = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(self.timeout);
        let mut response = request.send().await.map_err(describe)?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("JWKS endpoint answered HTTP {}", status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
        {
            return Err("JWKS document is too large".to_owned());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err("JWKS document is too large".to_owned());
            }
            body.extend_from_slice(&chunk);
        }
        parse_jwks(&body)
    }
}

fn describe(err: reqwest::Error) -> String {
    if err.is_timeout() {
        "JWKS fetch timed out".to_owned()
    } else if err.is_connect() {
        "could not connect to the JWKS endpoint".to_owned()
    } else {
        format!("JWKS fetch failed: {}", err.without_url())
    }
}
