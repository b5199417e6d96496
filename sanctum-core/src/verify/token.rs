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

/// Why jsonwebtoken could not read a header: not base64url, not a JSON object, `alg` missing,
/// not a string, or one it does not know (`none`), `kid` not a string, or another field of the
/// wrong type.
fn classify_header(header_b64: &str) -> VerifyError {
    let Ok(json) = URL_SAFE_NO_PAD.decode(header_b64) else {
        return malformed("header is not base64url");
    };
    let Ok(header) = serde_json::from_slice::<Header>(&json) else {
        return malformed("header is not a JSON object");
    };
    match header.alg {
        Some(serde_json::Value::String(alg)) if alg != RS256 => {
            VerifyError::UnsupportedAlgorithm { alg: clip(&alg) }
        }
        Some(serde_json::Value::String(_)) => match header.kid {
            Some(serde_json::Value::String(_)) | None => {
                malformed("header has a field of the wrong type")
            }
            Some(_) => malformed("header kid is not a string"),
        },
        Some(_) => malformed("header alg is not a string"),
        None => malformed("header has no alg"),
    }
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
    // jsonwebtoken decodes the header; when it cannot (an `alg` it does not know, such as
    // `none`, or a field of the wrong type), our own reading names the precise reason.
    let header = jsonwebtoken::decode_header(token).map_err(|_| classify_header(header_b64))?;
    if header.alg != jsonwebtoken::Algorithm::RS256 {
        return Err(VerifyError::UnsupportedAlgorithm {
            alg: format!("{:?}", header.alg),
        });
    }
    let kid = header.kid.ok_or(VerifyError::MissingKid)?;
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
