//! Taking a compact JWS apart (check 2), before any key is looked at.

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
    pub(crate) claims: CognitoClaims,
}

impl Parsed<'_> {
    /// Decodes the signature onto the stack and verifies it with `key` (check 4). A signature
    /// longer than any accepted key's modulus cannot verify.
    pub(crate) fn verify_with(&self, key: &PreparedKey) -> bool {
        let mut buf = [0u8; MAX_SIGNATURE];
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

/// The `kid` of a header that asks for RS256, or why the header is refused: not a JSON object,
/// `alg` missing, not a string or not RS256 (`none` included), `kid` missing or not a string.
fn read_header(json: &[u8]) -> Result<String, VerifyError> {
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

/// The `kid` of a token's header, for an error about a token already verified once.
pub(crate) fn kid(token: &str) -> Option<String> {
    let (header_b64, _, _) = split(token)?;
    let json = BASE64URL.decode_to_vec(header_b64).ok()?;
    read_header(&json).ok()
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
    let kid = BASE64URL
        .decode_to_vec(header_b64)
        .map_err(|_| malformed("header is not base64url"))
        .and_then(|json| read_header(&json))?;
    let payload = BASE64URL
        .decode_to_vec(payload_b64)
        .map_err(|_| malformed("payload is not base64url"))?;
    BASE64URL
        .check(signature_b64.as_bytes())
        .map_err(|_| malformed("signature is not base64url"))?;
    let claims = CognitoClaims::from_payload(payload)?;
    let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    Ok(Parsed {
        signing_input,
        kid,
        signature_b64,
        claims,
    })
}
