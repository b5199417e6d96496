//! `SECRET_HASH`: what Cognito requires on every user-facing call when the app client has a
//! secret — `base64(HMAC-SHA256(key = client secret, message = username ++ client id))`.

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::credentials::ClientSecret;

impl ClientSecret {
    /// The `SECRET_HASH` of `username` for app client `client_id`.
    #[must_use]
    pub(crate) fn secret_hash(&self, username: &str, client_id: &str) -> String {
        secret_hash(username, client_id, self.expose())
    }
}

/// Computes Cognito's `SECRET_HASH` of `username` for app client `client_id` with secret
/// `client_secret`.
///
/// `username` must be the name Cognito knows the user by (for refresh: the access token's
/// `username` claim, not an email alias). Crate-private: the client adds it to every call that
/// needs it; feature `test-util` reaches it (hidden) for the pycognito known-answer test.
#[must_use]
pub fn secret_hash(username: &str, client_id: &str, client_secret: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, client_secret.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(username.as_bytes());
    ctx.update(client_id.as_bytes());
    STANDARD.encode(ctx.sign().as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors computed independently with Python:
    // base64.b64encode(hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest())
    #[test]
    fn secret_hash_matches_vectors_computed_with_python_hmac() {
        assert_eq!(
            secret_hash("alice", "4a1b2c3d4e5f", "s3cr3t-client-secret"),
            "hxcKx07E+c5p2ccN1WqQOpantx3KslidkDcutoSglTI="
        );
        assert_eq!(
            secret_hash(
                "0f2c6d1e-7b8a-4c3d-9e0f-1a2b3c4d5e6f",
                "7q8w9e0r1t2y3u4i5o6p",
                "1example23456789abcdefghijklmnopqrstuvwxyz0123456789ab"
            ),
            "vKodN/UMYWETnLcirDbO3bqTWIWS/cMtdhvocpO2zAA="
        );
    }

    #[test]
    fn client_secret_debug_hides_the_value() {
        let secret = ClientSecret::new("s3cr3t-client-secret");
        let shown = format!("{secret:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(
            secret.secret_hash("alice", "4a1b2c3d4e5f"),
            "hxcKx07E+c5p2ccN1WqQOpantx3KslidkDcutoSglTI="
        );
    }
}
