//! The random values of a sign-in attempt (`state`, `nonce`, PKCE `code_verifier`) and the
//! PKCE S256 challenge (RFC 7636).

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::LoginError;

/// Bytes of randomness in each value: 256 bits, 43 base64url characters (a PKCE verifier must
/// have 43-128, RFC 7636 §4.1).
const RANDOM_BYTES: usize = 32;

/// A fresh base64url value of [`RANDOM_BYTES`] from the system's CSPRNG.
pub(crate) fn random_value() -> Result<String, LoginError> {
    let mut bytes = [0_u8; RANDOM_BYTES];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| LoginError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The S256 `code_challenge` of `verifier`: `BASE64URL(SHA256(ASCII(code_verifier)))`.
pub(super) fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()))
}

/// Whether `a` and `b` are equal, in time that does not depend on where they differ.
pub(super) fn constant_time_eq(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_challenge_is_rfc_7636_appendix_b() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_values_are_valid_verifiers_and_differ() {
        let a = random_value().expect("random");
        let b = random_value().expect("random");
        assert_ne!(a, b);
        // RFC 7636 §4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c)),
            "{a}"
        );
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
        assert!(!constant_time_eq("", "a"));
    }
}
