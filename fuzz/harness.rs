//! The fuzz harness for token decoding and verification, shared by the libFuzzer target
//! (fuzz/fuzz_targets/verify.rs) and the regression test that replays saved inputs
//! (sanctum-core/tests/fuzz_regressions.rs).
//!
//! The first input byte picks what the rest is:
//! - `0`: a whole token, verified as it is (size, segments, base64url, header, key lookup,
//!   signature);
//! - `1`: a payload, put behind a valid RS256 header and signed with the pool's key, so the
//!   fuzzer reaches the claim parsing and checks 5–8 that a forged signature never reaches;
//! - `2`: a header, with a valid payload, signed with the pool's key.
//!
//! Each token goes through three verifiers (access, id, either) with a fixed clock and a fixed
//! JWKS, without and with the verified-token cache (twice: miss, then hit, then the synchronous
//! `verify_now`), and all must decide alike. Besides panics,
//! [`Harness::check`] asserts that every accepted token really meets checks 1 and 5–8 and was
//! signed by the harness, so a wrongly accepted token is a crash too.

use std::time::{Duration, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sanctum_core::verify::DEFAULT_MAX_TOKEN_SIZE;
use sanctum_core::{ExpectedUse, TokenUse, UserPool, Verifier};

const REGION: &str = "us-east-1";
const POOL: &str = "us-east-1_SanctumFuzz";
const CLIENT: &str = "sanctumfuzzclient";
const KID: &str = "fuzz-key-1";
/// The verifiers' fixed "now" (the seeds' tokens expire an hour later).
const NOW: u64 = 1_790_000_000;

/// Verifiers, a signing key and a runtime, built once per process.
pub(crate) struct Harness {
    runtime: tokio::runtime::Runtime,
    uncached: Verifier,
    cached: Verifier,
    key: RsaKeyPair,
    issuer: String,
}

impl Harness {
    pub(crate) fn new() -> Self {
        let key = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        let public = key.public_key();
        let jwks = format!(
            r#"{{"keys":[{{"kty":"RSA","alg":"RS256","use":"sig","kid":"{KID}","n":"{}","e":"{}"}}]}}"#,
            URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        );
        let pool = UserPool::new(POOL)
            .client_id(CLIENT)
            .with_jwks_document(jwks);
        let issuer = pool.issuer();
        let build = |cache: bool| {
            Verifier::builder()
                .pool(pool.clone())
                .clock(|| UNIX_EPOCH + Duration::from_secs(NOW))
                .token_cache(cache)
                .build()
                .expect("fuzz verifier builds")
        };
        Self {
            runtime: tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("tokio runtime"),
            uncached: build(false),
            cached: build(true),
            key,
            issuer,
        }
    }

    fn sign(&self, header: &[u8], payload: &[u8]) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .expect("RSA signing");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// Runs one input; panics on a crash or a wrongly accepted token. Returns how many of the
    /// nine verifications accepted it.
    pub(crate) fn check(&self, data: &[u8]) -> usize {
        let Some((&mode, rest)) = data.split_first() else {
            return 0;
        };
        let token = match mode % 3 {
            0 => String::from_utf8_lossy(rest).into_owned(),
            1 => self.sign(
                format!(r#"{{"alg":"RS256","kid":"{KID}"}}"#).as_bytes(),
                rest,
            ),
            _ => {
                let payload = format!(
                    r#"{{"sub":"s","iss":"{}","token_use":"access","client_id":"{CLIENT}","exp":{},"iat":{NOW}}}"#,
                    self.issuer,
                    NOW + 3600
                );
                self.sign(rest, payload.as_bytes())
            }
        };
        let mut accepted = 0;
        self.runtime.block_on(async {
            for expected in [ExpectedUse::Access, ExpectedUse::Id, ExpectedUse::Either] {
                let mut decisions = Vec::with_capacity(4);
                for verifier in [&self.uncached, &self.cached, &self.cached] {
                    let result = verifier.verify(&token, expected).await;
                    decisions.push(result.is_ok());
                    let Ok(claims) = result else { continue };
                    accepted += 1;
                    assert!(mode % 3 != 0, "accepted a token the harness never signed");
                    assert!(
                        token.len() <= DEFAULT_MAX_TOKEN_SIZE,
                        "accepted an oversized token"
                    );
                    assert_eq!(
                        claims.iss(), self.issuer,
                        "accepted a token of another issuer"
                    );
                    assert!(claims.exp() > NOW, "accepted an expired token");
                    assert!(
                        claims.nbf().is_none_or(|t| t <= NOW),
                        "accepted a token before its nbf"
                    );
                    assert!(
                        claims.iat().is_none_or(|t| t <= NOW),
                        "accepted a token issued in the future"
                    );
                    assert_eq!(
                        claims.client_id(), CLIENT,
                        "accepted a token of another client"
                    );
                    let use_ok = match expected {
                        ExpectedUse::Access => claims.token_use() == TokenUse::Access,
                        ExpectedUse::Id => claims.token_use() == TokenUse::Id,
                        _ => true,
                    };
                    assert!(use_ok, "accepted the wrong token_use");
                }
                for verifier in [&self.uncached, &self.cached] {
                    if let Some(now) = sanctum_core::adapter::verify_now(verifier, &token, expected) {
                        decisions.push(now.is_ok());
                    }
                }
                assert!(
                    decisions.iter().all(|&d| d == decisions[0]),
                    "the token cache or the path changed the decision (verify uncached, miss, hit, verify_now): {decisions:?}"
                );
            }
        });
        accepted
    }
}
