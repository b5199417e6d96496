//! Turning a JWKS document into ready-to-use verification keys.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;

/// Numbers every key parsed in this process, so a cached verification can tell whether the
/// key that verified it is still the one published (see [`PreparedKey::serial`]).
static SERIAL: AtomicU64 = AtomicU64::new(1);

/// One key, parsed once into an aws-lc-rs key: an RSA key from a JWKS, or an ES256 (P-256)
/// key from a PEM key endpoint.
pub(crate) struct PreparedKey {
    /// The JWK's `alg`, when it states one.
    pub(crate) alg: Option<String>,
    /// Unique in this process. A refetch that publishes the same key material under the same
    /// `kid` keeps the old key, serial included; new material gets a new serial.
    pub(crate) serial: u64,
    /// What makes two JWKs the same key: modulus, exponent and `alg` (for a PEM key: its DER).
    material: (Vec<u8>, Vec<u8>),
    key: ParsedPublicKey,
}

impl PreparedKey {
    /// Whether `other` is the same key (same modulus, exponent and `alg`).
    pub(crate) fn same_material(&self, other: &PreparedKey) -> bool {
        self.material == other.material && self.alg == other.alg
    }

    /// Verifies a signature over `message` (RS256, or ES256 as `R||S` for PEM keys).
    #[inline]
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
    }
}

impl fmt::Debug for PreparedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedKey")
            .field("alg", &self.alg)
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

/// The keys of one JWKS document, by `kid`.
/// Hashed with foldhash (seeded per set), a fraction of SipHash's cost on every uncached
/// verification: the keys are the few the issuer published, so a token's `kid`, whatever it is,
/// can only be looked up, never added.
pub(crate) type KeySet = HashMap<String, Arc<PreparedKey>, foldhash::fast::RandomState>;

#[derive(Deserialize)]
struct Document {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawJwk {
    kty: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// Parses a JWKS document. Keys that cannot verify RS256 signatures (other key types, `use`
/// other than `sig`, an `alg` other than RS256, RSA keys under 2048 bits, no `kid`) are skipped
/// with a debug event rather than failing the whole set, as one odd key must not lock everyone out.
pub(crate) fn parse_jwks(json: &[u8]) -> Result<KeySet, String> {
    let doc: Document = serde_json::from_slice(json)
        .map_err(|e| format!("not a JWKS document (expected {{\"keys\": [...]}}): {e}"))?;
    let mut set = KeySet::default();
    for value in doc.keys {
        let Ok(jwk) = serde_json::from_value::<RawJwk>(value) else {
            tracing::debug!("skipping a JWK that is not an object of strings");
            continue;
        };
        match prepare(&jwk) {
            Ok((kid, key)) => {
                set.insert(kid, Arc::new(key));
            }
            Err(why) => tracing::debug!(kid = ?jwk.kid, why, "skipping JWK"),
        }
    }
    Ok(set)
}

fn prepare(jwk: &RawJwk) -> Result<(String, PreparedKey), &'static str> {
    let kid = jwk.kid.clone().ok_or("no kid")?;
    if jwk.kty.as_deref() != Some("RSA") {
        return Err("kty is not RSA");
    }
    if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return Err("use is not sig");
    }
    let n = URL_SAFE_NO_PAD
        .decode(jwk.n.as_deref().ok_or("no modulus")?)
        .map_err(|_| "modulus is not base64url")?;
    let e = URL_SAFE_NO_PAD
        .decode(jwk.e.as_deref().ok_or("no exponent")?)
        .map_err(|_| "exponent is not base64url")?;
    let n = strip_leading_zeros(&n);
    let e = strip_leading_zeros(&e);
    // RS256 with keys of 2048 to 8192 bits, as aws-lc-rs verifies them; refuse others up front.
    if !(256..=1024).contains(&n.len()) {
        return Err("RSA modulus is not 2048 to 8192 bits");
    }
    let key = RsaPublicKeyComponents { n, e }
        .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256)
        .map_err(|_| "not a usable RSA key (2048 to 8192 bits)")?;
    Ok((
        kid,
        PreparedKey {
            alg: jwk.alg.clone(),
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
            material: (n.to_vec(), e.to_vec()),
            key,
        },
    ))
}

/// Parses an ES256 public key in PEM: one `PUBLIC KEY` block holding a P-256
/// `SubjectPublicKeyInfo`, as an ALB's key endpoint serves it. The key verifies JOSE (`R||S`,
/// 64 bytes) signatures only.
pub(crate) fn parse_es256_pem(pem: &[u8]) -> Result<PreparedKey, String> {
    const BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
    const END: &str = "-----END PUBLIC KEY-----";
    let text = std::str::from_utf8(pem).map_err(|_| "key is not PEM text".to_owned())?;
    let body = text
        .trim()
        .strip_prefix(BEGIN)
        .and_then(|rest| rest.strip_suffix(END))
        .ok_or_else(|| "key is not one PEM PUBLIC KEY block".to_owned())?;
    let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = STANDARD
        .decode(base64)
        .map_err(|_| "PEM key is not base64".to_owned())?;
    let key = ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &der)
        .map_err(|_| "PEM key is not a P-256 public key".to_owned())?;
    Ok(PreparedKey {
        alg: Some("ES256".to_owned()),
        serial: SERIAL.fetch_add(1, Ordering::Relaxed),
        material: (der, Vec::new()),
        key,
    })
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_that_is_not_jwks_is_an_error() {
        assert!(parse_jwks(b"[]").is_err());
        assert!(parse_jwks(b"{\"keys\": 3}").is_err());
        assert!(parse_jwks(b"not json").is_err());
    }

    #[test]
    fn unusable_keys_are_skipped_not_fatal() {
        let doc = br#"{"keys":[
            {"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"},
            {"kty":"RSA","kid":"short","n":"AQAB","e":"AQAB"},
            {"kty":"RSA","n":"AQAB","e":"AQAB"},
            {"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
            "garbage"
        ]}"#;
        assert!(parse_jwks(doc).unwrap().is_empty());
    }
}
