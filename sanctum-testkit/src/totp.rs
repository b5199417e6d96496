//! RFC 6238 TOTP codes as an authenticator app computes them, for tests that sign in through
//! software-token MFA against fakecloud (which checks the codes).

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;

/// RFC 4648 base32 (case-insensitive, padding optional), as authenticator apps read a TOTP
/// secret; `None` for a character outside the alphabet.
#[must_use]
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut bits, mut acc) = (0u32, 0u64);
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from(acc >> bits).ok()?);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The 6-digit code (HMAC-SHA1, 30 s steps) of `key` at `unix` seconds.
#[must_use]
pub fn code_at(key: &[u8], unix: u64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
    let tag = hmac::sign(&key, &(unix / 30).to_be_bytes());
    let digest = tag.as_ref();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let code = u32::from_be_bytes([
        digest[offset],
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]) & 0x7fff_ffff;
    format!("{:06}", code % 1_000_000)
}

/// Unix seconds now.
#[must_use]
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The current code of the base32 `secret`, and the 30 s step it belongs to (a test that sees
/// the code refused can tell whether the step changed meanwhile).
///
/// # Panics
/// When `secret` is not base32.
#[must_use]
pub fn current_code(secret: &str) -> (String, u64) {
    let key = base32_decode(secret).expect("a base32 TOTP secret");
    let now = now();
    (code_at(&key, now), now / 30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, the SHA-1 key "12345678901234567890", last 6 digits
        let key = b"12345678901234567890";
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(key, time), code, "{time}");
        }
        assert_eq!(
            base32_decode("GEZDGNBVGY3TQOJQ").as_deref(),
            Some(&b"1234567890"[..])
        );
        assert_eq!(base32_decode("not base32!"), None);
    }
}
