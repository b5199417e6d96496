//! Taking a compact JWS apart (check 2), before any key is looked at.

use std::mem::MaybeUninit;
use std::sync::Arc;

use base64_simd::AsOut as _;
use serde::Deserialize;

use crate::claims::CognitoClaims;
use crate::error::{VerifyError, clip};
use crate::jwks::PreparedKey;

/// The one algorithm Cognito signs with.
pub(crate) const RS256: &str = "RS256";

/// The longest RSA signature any accepted key can verify: 8192 bits.
const MAX_SIGNATURE: usize = 1024;

/// Strict unpadded base64url (canonical trailing bits), vectorised where the CPU allows.
const BASE64URL: base64_simd::Base64 = base64_simd::URL_SAFE_NO_PAD;

/// A token split and decoded, not yet verified.
pub(crate) struct Parsed<'a> {
    /// `header.payload`, the signed bytes.
    pub(crate) signing_input: &'a [u8],
    pub(crate) kid: String,
    /// The signature segment, checked to be base64url; decoded by [`Parsed::verify_with`].
    signature_b64: &'a str,
    /// Shared from the start: a parsed token is moved as a pointer, not as its claims.
    pub(crate) claims: Arc<CognitoClaims>,
}

impl Parsed<'_> {
    /// Decodes the signature onto the stack and verifies it with `key` (check 4). A signature
    /// longer than any accepted key's modulus cannot verify.
    pub(crate) fn verify_with(&self, key: &PreparedKey) -> bool {
        let mut buf = [MaybeUninit::<u8>::uninit(); MAX_SIGNATURE];
        let fits = BASE64URL
            .decoded_length(self.signature_b64.as_bytes())
            .is_ok_and(|len| len <= MAX_SIGNATURE);
        fits && BASE64URL
            .decode(self.signature_b64.as_bytes(), buf.as_mut_slice().as_out())
            .is_ok_and(|signature| key.verify(self.signing_input, signature))
    }
}

/// The two header fields sanctum reads, read as they are in the segment where neither holds
/// an escape (no allocation for `alg`). Every other header field is ignored, whatever its type,
/// as aws-jwt-verify does: `typ`, `cty`, `jku`, `x5u`, `x5c`, `jwk` and `crit` never choose a
/// key or an algorithm here (the pool's JWKS is configured).
#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: Option<&'a str>,
    kid: Option<String>,
}

/// The header read again when [`Header`] does not fit: `alg` or `kid` of another JSON type, or
/// an `alg` written with escapes (which a borrowed `&str` cannot hold).
#[derive(Deserialize)]
struct AnyHeader {
    alg: Option<serde_json::Value>,
    kid: Option<serde_json::Value>,
}

fn malformed(reason: &'static str) -> VerifyError {
    VerifyError::Malformed { reason }
}

/// The `kid` of a header written exactly as Cognito writes it, `{"kid":"…","alg":"RS256"}`, or
/// as the test kit does, `{"alg":"RS256","kid":"…"}`: no whitespace, no other field, a `kid`
/// of UTF-8 text without quotes, backslashes or control characters. serde_json reads such a
/// header to this very `kid`; anything else (`None`) is read by serde_json.
fn plain_header_kid(json: &[u8]) -> Option<&str> {
    let kid = match json.strip_prefix(br#"{"alg":"RS256","kid":""#) {
        Some(rest) => rest.strip_suffix(br#""}"#)?,
        None => json
            .strip_prefix(br#"{"kid":""#)?
            .strip_suffix(br#"","alg":"RS256"}"#)?,
    };
    if kid.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20) {
        return None;
    }
    std::str::from_utf8(kid).ok()
}

/// The `kid` of a header that asks for RS256, or why the header is refused: not a JSON object,
/// `alg` missing, not a string or not RS256 (`none` included), `kid` missing or not a string.
fn read_header(json: &[u8]) -> Result<String, VerifyError> {
    match plain_header_kid(json) {
        Some(kid) => Ok(kid.to_owned()),
        None => read_header_json(json),
    }
}

/// [`read_header`] through serde_json, for any header.
fn read_header_json(json: &[u8]) -> Result<String, VerifyError> {
    let (alg, kid) = match serde_json::from_slice::<Header<'_>>(json) {
        Ok(Header { alg, kid }) => (alg.map(std::borrow::Cow::Borrowed), kid),
        Err(_) => {
            let header = serde_json::from_slice::<AnyHeader>(json)
                .map_err(|_| malformed("header is not a JSON object"))?;
            let alg = match header.alg {
                Some(serde_json::Value::String(alg)) => Some(std::borrow::Cow::Owned(alg)),
                Some(_) => return Err(malformed("header alg is not a string")),
                None => None,
            };
            let kid = match header.kid {
                Some(serde_json::Value::String(kid)) => Some(kid),
                Some(_) if alg.as_deref() == Some(RS256) => {
                    return Err(malformed("header kid is not a string"));
                }
                _ => None,
            };
            (alg, kid)
        }
    };
    match alg.as_deref() {
        Some(RS256) => kid.ok_or(VerifyError::MissingKid),
        Some(other) => Err(VerifyError::UnsupportedAlgorithm { alg: clip(other) }),
        None => Err(malformed("header has no alg")),
    }
}

/// The three segments of `header.payload.signature`, or `None` for any other number of dots.
/// (memchr: a 1.3 KB token is scanned a word or a vector at a time, not byte by byte.)
fn split(token: &str) -> Option<(&str, &str, &str)> {
    let mut dots = memchr::memchr_iter(b'.', token.as_bytes());
    let (first, second) = (dots.next()?, dots.next()?);
    if dots.next().is_some() {
        return None;
    }
    // The dots are ASCII, so each index is a char boundary.
    Some((
        token.get(..first)?,
        token.get(first + 1..second)?,
        token.get(second + 1..)?,
    ))
}

/// The longest header decoded on the stack; a longer one is decoded onto the heap.
const STACK_HEADER: usize = 256;

/// Decodes a header segment (on the stack when it is short, as every Cognito header is) and
/// reads its `kid` ([`read_header`]).
fn decode_header(header_b64: &str) -> Result<String, VerifyError> {
    let not_base64 = |_| malformed("header is not base64url");
    let len = BASE64URL
        .decoded_length(header_b64.as_bytes())
        .map_err(not_base64)?;
    if len > STACK_HEADER {
        return BASE64URL
            .decode_to_vec(header_b64)
            .map_err(not_base64)
            .and_then(|json| read_header(&json));
    }
    let mut buf = [MaybeUninit::<u8>::uninit(); STACK_HEADER];
    let json = BASE64URL
        .decode(header_b64.as_bytes(), buf.as_mut_slice().as_out())
        .map_err(not_base64)?;
    read_header(json)
}

/// The `kid` of a token's header, for an error about a token already verified once.
pub(crate) fn kid(token: &str) -> Option<String> {
    let (header_b64, _, _) = split(token)?;
    decode_header(header_b64).ok()
}

/// Splits and decodes: exactly three base64url segments (no padding, canonical), a JSON object
/// header with `alg` RS256 and a string `kid`, and a JSON object payload whose Cognito claims
/// have the right types.
pub(crate) fn parse(token: &str) -> Result<Parsed<'_>, VerifyError> {
    let Some((header_b64, payload_b64, signature_b64)) = split(token) else {
        return Err(malformed("expected three dot-separated segments"));
    };
    if header_b64.is_empty() || payload_b64.is_empty() {
        return Err(malformed("empty segment"));
    }
    // The header is read from the segment split off above (`jsonwebtoken::decode_header` would
    // scan the whole token again, backwards a byte at a time: about 0.5 µs on a 1.3 KB token),
    // into the two fields sanctum uses.
    let kid = decode_header(header_b64)?;
    let payload = BASE64URL
        .decode_to_vec(payload_b64)
        .map_err(|_| malformed("payload is not base64url"))?;
    BASE64URL
        .check(signature_b64.as_bytes())
        .map_err(|_| malformed("signature is not base64url"))?;
    let claims = Arc::new(CognitoClaims::from_payload(payload)?);
    let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    Ok(Parsed {
        signing_input,
        kid,
        signature_b64,
        claims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_header_is_read_to_the_kid_serde_json_reads() {
        for json in [
            r#"{"alg":"RS256","kid":"abc+/=="}"#,
            r#"{"kid":"Zk9v\u00e9","alg":"RS256"}"#,
            r#"{"kid":"","alg":"RS256"}"#,
            "{\"kid\":\"caf\u{e9} \u{7f}\",\"alg\":\"RS256\"}",
        ] {
            let json = json.as_bytes();
            let serde = read_header_json(json).expect("serde_json reads it");
            match plain_header_kid(json) {
                Some(kid) => assert_eq!(kid, serde, "{json:?}"),
                // escaped: left to serde_json
                None => assert!(json.contains(&b'\\'), "{json:?}"),
            }
            assert_eq!(read_header(json).ok(), Some(serde));
        }
    }

    #[test]
    fn any_other_header_is_left_to_serde_json() {
        for json in [
            &br#"{"kid":"a\"b","alg":"RS256"}"#[..],
            br#"{"kid":"a\u0022","alg":"RS256"}"#,
            br#"{"kid":"a"b","alg":"RS256"}"#,
            b"{\"kid\":\"a\tb\",\"alg\":\"RS256\"}",
            b"{\"kid\":\"\xff\",\"alg\":\"RS256\"}",
            br#"{"kid":"k","alg":"RS256","typ":"JWT"}"#,
            br#"{"kid":"k", "alg":"RS256"}"#,
            br#"{"alg":"RS256","kid":"k"} "#,
            br#"{"alg":"RS256","kid":"k","alg":"none"}"#,
            br#"{"alg":"RS256","kid":"k"}{"#,
            br#"{"alg":"HS256","kid":"k"}"#,
            br#"{"kid":"k","alg":"RS2560"}"#,
            br#"{"kid":"k"}"#,
            br#"{"alg":"RS256","kid":""}"}"#,
        ] {
            assert_eq!(
                plain_header_kid(json),
                None,
                "{:?}",
                String::from_utf8_lossy(json)
            );
        }
        // the last one is one string with a quote in it as far as the fast path is concerned;
        // serde_json refuses it
        assert!(read_header(br#"{"alg":"RS256","kid":""}"}"#).is_err());
        assert!(read_header(br#"{"alg":"RS256","kid":"k","alg":"none"}"#).is_err());
        assert!(read_header(b"{\"kid\":\"\xff\",\"alg\":\"RS256\"}").is_err());
    }
}
