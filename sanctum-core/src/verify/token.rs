//! Taking a compact JWS apart (check 2), before any key is looked at.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::claims::CognitoClaims;
use crate::error::{VerifyError, clip};

/// The one algorithm Cognito signs with.
pub(crate) const RS256: &str = "RS256";

/// A token split and decoded, not yet verified.
pub(crate) struct Parsed<'a> {
    /// `header.payload`, the signed bytes.
    pub(crate) signing_input: &'a [u8],
    pub(crate) kid: String,
    pub(crate) signature: Vec<u8>,
    pub(crate) claims: CognitoClaims,
}

#[derive(Deserialize)]
struct Header {
    alg: Option<serde_json::Value>,
    kid: Option<serde_json::Value>,
}

fn malformed(reason: &'static str) -> VerifyError {
    VerifyError::Malformed { reason }
}

/// Splits and decodes: exactly three base64url segments (no padding, canonical), a JSON object
/// header with `alg` RS256 and a string `kid`, and a JSON object payload whose Cognito claims
/// have the right types.
pub(crate) fn parse(token: &str) -> Result<Parsed<'_>, VerifyError> {
    let mut segments = token.splitn(4, '.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(malformed("expected three dot-separated segments"));
    };
    if header_b64.is_empty() || payload_b64.is_empty() {
        return Err(malformed("empty segment"));
    }
    let header_json = URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| malformed("header is not base64url"))?;
    let header: Header = serde_json::from_slice(&header_json)
        .map_err(|_| malformed("header is not a JSON object"))?;
    match header.alg {
        Some(serde_json::Value::String(alg)) if alg == RS256 => {}
        Some(serde_json::Value::String(alg)) => {
            return Err(VerifyError::UnsupportedAlgorithm { alg: clip(&alg) });
        }
        Some(_) => return Err(malformed("header alg is not a string")),
        None => return Err(malformed("header has no alg")),
    }
    let kid = match header.kid {
        Some(serde_json::Value::String(kid)) => kid,
        Some(_) => return Err(malformed("header kid is not a string")),
        None => return Err(VerifyError::MissingKid),
    };
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| malformed("payload is not base64url"))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| malformed("signature is not base64url"))?;
    let claims = CognitoClaims::from_payload(&payload)?;
    let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    Ok(Parsed {
        signing_input,
        kid,
        signature,
        claims,
    })
}
