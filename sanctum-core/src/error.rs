//! Errors: [`ConfigError`] when a verifier is built, [`VerifyError`] when a token is checked.
//!
//! The two are separate on purpose: a configuration mistake is the operator's to fix at start-up,
//! a bad token is the caller's problem at request time. Neither knows about HTTP: the status,
//! challenge and client-safe description of a refusal are [`Refusal`](crate::Refusal)'s
//! (`Refusal::from(err)`).

use std::fmt;

/// A mistake in the verifier's configuration, reported by
/// [`VerifierBuilder::build`](crate::VerifierBuilder::build).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No user pool was added to the builder, nor a [`PoolRegistry`](crate::PoolRegistry).
    #[error("no user pool configured: add one with VerifierBuilder::pool")]
    NoPools,
    /// The region is not of the AWS form (`us-east-1`, `eu-west-2`, ...).
    #[error("invalid AWS region {value:?}: expected something like \"us-east-1\"")]
    InvalidRegion {
        /// The rejected value.
        value: String,
    },
    /// The user pool id is not of the form `<region>_<id>` (`us-east-1_AbC123xyz`).
    #[error(
        "invalid user pool id {value:?}: expected \"<region>_<alphanumeric id>\" such as \"us-east-1_AbC123xyz\""
    )]
    InvalidUserPoolId {
        /// The rejected value.
        value: String,
    },
    /// The region given is not the one the user pool id starts with.
    #[error("user pool {pool_id:?} is not in region {region:?}: its id names its own region")]
    RegionMismatch {
        /// The region given.
        region: String,
        /// The user pool id.
        pool_id: String,
    },
    /// The pool has no app client id and [`UserPool::accept_any_client`](crate::UserPool::accept_any_client)
    /// was not called.
    #[error(
        "user pool {pool:?} has no app client id: add one with UserPool::client_id, or call UserPool::accept_any_client to accept tokens of every client of the pool"
    )]
    NoClientIds {
        /// The user pool id.
        pool: String,
    },
    /// An app client id is empty or contains characters Cognito never uses.
    #[error("invalid app client id {value:?}")]
    InvalidClientId {
        /// The rejected value.
        value: String,
    },
    /// An issuer or JWKS URL override is not an absolute `http(s)` URL.
    #[error("invalid {what} {value:?}: expected an absolute http:// or https:// URL")]
    InvalidUrl {
        /// Which setting (`issuer` or `jwks_url`).
        what: &'static str,
        /// The rejected value.
        value: String,
    },
    /// Two pools share the same issuer, so a token could not be matched to one of them.
    #[error("two user pools have the same issuer {issuer:?}")]
    DuplicateIssuer {
        /// The issuer configured twice.
        issuer: String,
    },
    /// A fixed JWKS document (for offline use) could not be parsed or holds no usable key.
    #[error("invalid JWKS document: {reason}")]
    InvalidJwks {
        /// What is wrong with it.
        reason: String,
    },
    /// A numeric setting is out of range.
    #[error("invalid setting {what}: {reason}")]
    InvalidSetting {
        /// The setting's name.
        what: &'static str,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// An all-of rule was built from an empty list: it would admit everyone.
    #[error("{rule} needs at least one item: over an empty list it would admit everyone")]
    EmptyRequirement {
        /// The rule's constructor.
        rule: &'static str,
    },
    /// ALB mode: a load balancer ARN is not of the form
    /// `arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/{id}`.
    #[error(
        "invalid load balancer ARN {value:?}: expected arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>"
    )]
    InvalidLoadBalancerArn {
        /// The rejected value.
        value: String,
    },
    /// ALB mode: the load balancers are in more than one region; their keys are served per
    /// region, so one ALB verifier takes the load balancers of one region.
    #[error("load balancers in several regions ({first} and {other}): use one verifier per region")]
    LoadBalancerRegions {
        /// The first load balancer's region.
        first: String,
        /// Another region.
        other: String,
    },
    /// The HTTP client ([`HttpClient`](crate::HttpClient)) could not be built: its TLS backend
    /// could not be set up. The source is the HTTP library's error.
    #[error("could not build the HTTP client: {0}")]
    HttpClient(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Which time claim made a token not yet valid.
///
/// Carried by [`VerifyError::NotYetValid`]; see [`VerifyError`] for an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeClaim {
    /// `nbf`, not before.
    NotBefore,
    /// `iat`, issued at.
    IssuedAt,
}

impl fmt::Display for TimeClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotBefore => "nbf",
            Self::IssuedAt => "iat",
        })
    }
}

/// Why a token was rejected. One variant per check of the verification order, so callers and
/// logs can tell exactly which rule failed.
///
/// Strings taken from the token (its `alg`, `kid`, `iss`, client id) are cut to 64 characters;
/// the token itself is never part of an error.
///
/// ```no_run
/// use sanctum_core::{Refusal, Verifier, VerifyError};
///
/// # async fn handle(verifier: &Verifier, token: &str) {
/// match verifier.verify_access(token).await {
///     Ok(claims) => println!("hello {}", claims.sub()),
///     Err(VerifyError::Expired { .. }) => println!("the client should refresh its token"),
///     Err(err) => {
///         // the HTTP answer the adapters give for it: 401, 403 or 503
///         let status = Refusal::from(err).status();
///         println!("refused with {status}");
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// Check 1: the token is longer than the configured limit; nothing was decoded.
    #[error("token is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// The token's length in bytes.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// Check 2: not three base64url segments, or the header or payload is not a JSON object.
    #[error("malformed token: {reason}")]
    Malformed {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Check 2: the header's `alg` is not `RS256` (`none`, HMAC and every other algorithm are refused).
    #[error("unsupported algorithm {alg:?}: only RS256 is accepted")]
    UnsupportedAlgorithm {
        /// The `alg` the token names.
        alg: String,
    },
    /// Check 2: the header has no `kid`.
    #[error("token header has no kid")]
    MissingKid,
    /// Check 4: no key with this `kid` is in its issuer's current JWKS (after at most one refetch per cooldown).
    #[error("no signing key with kid {kid:?} in the JWKS")]
    UnknownKey {
        /// The `kid` the token names.
        kid: String,
    },
    /// Check 4: the JWK for this `kid` states an `alg` other than the token's.
    #[error("key {kid:?} is for algorithm {key_alg:?}, not RS256")]
    AlgorithmMismatch {
        /// The key's id.
        kid: String,
        /// The `alg` the JWK states.
        key_alg: String,
    },
    /// Check 4: the JWKS could not be fetched and the key is not cached (server side, 503).
    #[error("signing keys unavailable from {url}: {reason}")]
    KeysUnavailable {
        /// The JWKS URL.
        url: String,
        /// Why the fetch failed.
        reason: String,
    },
    /// Check 5: the signature does not verify with the key.
    #[error("invalid signature")]
    InvalidSignature,
    /// Check 3: `iss` is not one of the configured issuers of any pool (no key was looked up).
    #[error("issuer {iss:?} is not a configured user pool")]
    IssuerMismatch {
        /// The `iss` the token carries.
        iss: String,
    },
    /// Check 6: `exp` is in the past (beyond the leeway).
    #[error("token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`, seconds since the epoch.
        exp: u64,
        /// The verifier's clock, seconds since the epoch.
        now: u64,
    },
    /// Check 6: `nbf` or `iat` is in the future (beyond the leeway).
    #[error("token not valid yet: {claim} is {value} (now {now})")]
    NotYetValid {
        /// Which claim.
        claim: TimeClaim,
        /// Its value, seconds since the epoch.
        value: u64,
        /// The verifier's clock, seconds since the epoch.
        now: u64,
    },
    /// Check 7: `token_use` is not the one asked for.
    #[error("token_use is {found:?}, expected {expected}")]
    WrongTokenUse {
        /// What the caller asked for.
        expected: crate::token_use::ExpectedUse,
        /// What the token says.
        found: String,
    },
    /// Check 8: the access token's `client_id` (or the ID token's `aud`) is not a configured app client.
    #[error("client {client_id:?} is not an accepted app client")]
    ClientMismatch {
        /// The client id the token carries.
        client_id: String,
    },
    /// Check 10: the token is revoked (its user signed out, was disabled or deleted, or its
    /// refresh token was revoked), as the verifier's revocation store says.
    #[error("token has been revoked")]
    Revoked,
    /// Check 10: whether the token is revoked cannot be known now: the online check could not
    /// ask the issuer and the verifier is set to refuse then
    /// ([`WhenUnreachable::Refuse`](crate::revocation::WhenUnreachable::Refuse)), or the
    /// revocation store says its copy cannot be trusted
    /// ([`RevocationCheck::Unavailable`](crate::revocation::RevocationCheck::Unavailable), e.g. a
    /// Redis store stale past its `fail_closed_after`); server side, 503.
    #[error(
        "revocation cannot be checked now: the online check cannot reach the issuer, or the revocation store is out of sync"
    )]
    RevocationCheckUnavailable,
    /// ALB mode ([`crate::alb`]): the `x-amzn-oidc-data` header's `alg` is not `ES256`, the
    /// only algorithm an ALB signs with.
    #[error("unsupported load balancer token algorithm {alg:?}: only ES256 is accepted")]
    AlbUnsupportedAlgorithm {
        /// The `alg` the token names.
        alg: String,
    },
    /// ALB mode: the signature is not the 64 bytes of JOSE's `R||S` (a DER-encoded ECDSA
    /// signature is refused, as RFC 7518 3.4 says).
    #[error("load balancer token signature is {len} bytes, not the 64 of R||S")]
    AlbSignatureEncoding {
        /// The signature's length in bytes.
        len: usize,
    },
    /// ALB mode: the `kid` is not a UUID, so it never goes into the key URL (no path or query
    /// can be smuggled in).
    #[error("load balancer token kid {kid:?} is not a UUID")]
    AlbInvalidKeyId {
        /// The `kid` the token names.
        kid: String,
    },
    /// ALB mode: the header's `signer` is not one of the configured load balancer ARNs
    /// (checked before any key is looked up or fetched).
    #[error("load balancer token signed by {signer:?}, not a configured load balancer")]
    AlbSignerMismatch {
        /// The `signer` the token names.
        signer: String,
    },
    /// ALB mode with the access token required: the request has no `x-amzn-oidc-accesstoken`.
    #[error("the load balancer's access token (x-amzn-oidc-accesstoken) is missing")]
    AlbMissingAccessToken,
    /// ALB mode: the access token in `x-amzn-oidc-accesstoken` is valid but belongs to another
    /// user (`sub`) than the load balancer's signed claims.
    #[error("the access token's sub is not the load balancer token's")]
    AlbSubjectMismatch,
    /// ALB mode: `x-amzn-oidc-identity` (unsigned) names another user than the verified claims.
    #[error("x-amzn-oidc-identity does not match the verified sub")]
    AlbIdentityMismatch,
    /// A claim every Cognito token has is missing.
    #[error("token has no {claim} claim")]
    MissingClaim {
        /// The claim's name.
        claim: &'static str,
    },
    /// A claim has the wrong JSON type (`exp` as a string, `cognito:groups` as a string, ...).
    #[error("claim {claim} is invalid: {reason}")]
    InvalidClaim {
        /// The claim's name.
        claim: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Cuts a string taken from a token to a length safe for errors and logs, escaping what could
/// forge or hide log lines: control characters (`\n` → `\\n`, ESC → `\\u{1b}`), the Unicode
/// line and paragraph separators and the bidirectional overrides; a backslash is doubled, so an
/// escape in the output always came from here. At most 64 bytes are kept, then `…`.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 64;
    if s.len() <= MAX && !s.chars().any(needs_escape) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(MAX + '…'.len_utf8());
    for c in s.chars() {
        let before = out.len();
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
        if out.len() > MAX {
            out.truncate(before);
            out.push('…');
            break;
        }
    }
    out
}

/// Characters [`clip`] escapes.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || c == '\\'
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_long_strings_on_a_char_boundary() {
        assert_eq!(clip("abc"), "abc");
        let long = "é".repeat(100);
        let clipped = clip(&long);
        assert!(clipped.len() <= 64 + '…'.len_utf8());
        assert!(clipped.ends_with('…'));
    }

    #[test]
    fn clip_escapes_what_could_forge_a_log_line() {
        // a `kid` that would end the log line and start a forged one
        let forged = "k1\n2026-12-06 INFO admin signed in\r\u{1b}[2K";
        let clipped = clip(forged);
        assert!(!clipped.chars().any(char::is_control), "{clipped:?}");
        assert!(clipped.starts_with("k1\\n2026-12-06 INFO"), "{clipped:?}");
        assert!(clipped.contains("\\r\\u{1b}[2K"), "{clipped:?}");
        // separators and bidi overrides that reorder or break what a reader sees
        assert_eq!(clip("a\u{2028}b\u{202e}c"), "a\\u{2028}b\\u{202e}c");
        // a backslash in the input cannot pass for an escape
        assert_eq!(clip("a\\nb"), "a\\\\nb");
        // escaping never lengthens the output past the limit, nor splits an escape
        let clipped = clip(&"\u{1}".repeat(100));
        assert!(clipped.len() <= 64 + '…'.len_utf8(), "{clipped}");
        assert!(clipped.ends_with("\\u{1}…"), "{clipped}");
        assert_eq!(clip("plain-kid"), "plain-kid");
    }
}
