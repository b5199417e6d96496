//! The checks an ID token from the token endpoint passes on top of the verifier's: `nonce`
//! (OpenID Connect Core 3.1.3.7 rule 11) and `at_hash` (3.1.3.6 and 3.2.2.9).

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::error::LoginError;
use super::pkce::constant_time_eq;
use crate::claims::CognitoClaims;

/// The `at_hash` of `access_token` for an RS256 ID token: the left half of the SHA-256 of its
/// ASCII bytes, base64url without padding.
pub(super) fn at_hash(access_token: &str) -> String {
    let hash = digest(&SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&hash.as_ref()[..16])
}

/// The ID token carries the pending sign-in's `nonce`.
pub(super) fn check_nonce(claims: &CognitoClaims, expected: &str) -> Result<(), LoginError> {
    match claims.claim("nonce") {
        Some(Value::String(nonce)) if constant_time_eq(nonce, expected) => Ok(()),
        _ => Err(LoginError::NonceMismatch),
    }
}

/// When the ID token has an `at_hash`, it is the hash of `access_token` (it is optional in the
/// code flow; Cognito sends it).
pub(super) fn check_at_hash(claims: &CognitoClaims, access_token: &str) -> Result<(), LoginError> {
    match claims.claim("at_hash") {
        None => Ok(()),
        Some(Value::String(hash)) if constant_time_eq(hash, &at_hash(access_token)) => Ok(()),
        Some(_) => Err(LoginError::AccessTokenHashMismatch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_openid_connect_core_example() {
        // OpenID Connect Core 1.0, appendix A.3 (an RS256 ID token with at_hash)
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        // 16 bytes: 22 characters
        assert_eq!(at_hash("").len(), 22);
        assert_ne!(at_hash("a"), at_hash("b"));
    }
}
