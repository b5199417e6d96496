//! Revocation (opt-in): refusing tokens that are still within their `exp` but whose user
//! signed out, was disabled or deleted, or whose refresh token was revoked.
//!
//! Verifying a token locally (as sanctum and aws-jwt-verify do) cannot see that a user signed
//! out: an access token stays valid until its `exp`. A [`Verifier`](crate::Verifier) built
//! with a [`RevocationStore`] also checks, as its last check, that the token is not revoked —
//! a local lookup, on a verified-token cache hit too; no request waits on the network.
//!
//! Two kinds of revocation, as [`Revocation`] says:
//! - **a subject's tokens issued before a time** (sign-out everywhere, user disabled or
//!   deleted): tokens of that `sub` whose `iat` is earlier are refused;
//! - **an `origin_jti`** (a refresh token revoked): the access and ID tokens Cognito issued from
//!   that refresh token carry it.
//!
//! An entry is kept as long as a token it covers can still be valid (the stores'
//! `max_token_lifetime`, 24 h by default: Cognito's longest access or ID token), then dropped.
//! A time more than [`MAX_AHEAD`] (60 s) ahead of the local clock is brought back to it when
//! recorded, so a bad value (`before = u64::MAX`) can neither lock a user out for good nor
//! keep an entry forever.
//!
//! The second of a sign-out is covered whole ([`Revocation::signed_out_at`]): `iat` counts
//! whole seconds, so a token issued in that second may be from before the sign-out and is
//! refused; tokens from the next second on are accepted. With the `cognito` feature,
//! `SanctumClient` records its sign-outs, disabled and deleted users and revoked sessions in a
//! store given to `SanctumClientBuilder::revocations`.
//!
//! Without a shared store, an [`OnlineCheck`] asks the issuer (Cognito's `GetUser`) whether an
//! access token is still live, keeping each answer for a while; see
//! [`VerifierBuilder::online_check`](crate::VerifierBuilder::online_check).
//!
//! ```
//! use std::sync::Arc;
//! use sanctum_core::revocation::{InMemoryRevocations, Revocation, RevocationStore as _};
//!
//! let revocations = Arc::new(InMemoryRevocations::new());
//! // e.g. after an administrator signed the user out elsewhere
//! revocations.record(Revocation::signed_out_now("4d7f2a4e-8f0a-4c0e-9a57-2b7c1a0e5f11"));
//! # let _ = revocations;
//! ```

mod memory;
mod online;
#[cfg(feature = "redis")]
mod redis_store;

use std::fmt;
use std::time::{Duration, SystemTime};

pub use self::memory::InMemoryRevocations;
pub use self::online::{
    DEFAULT_ONLINE_CHECK_CAPACITY, DEFAULT_ONLINE_CHECK_TTL, DEFAULT_RETRY_UNREACHABLE_AFTER,
    DEFAULT_THROTTLED_RETRIES, DEFAULT_THROTTLED_WAIT, Liveness, LivenessCheck, LivenessFuture,
    OnlineCheck, WhenUnreachable,
};
#[cfg(feature = "redis")]
pub use self::redis_store::{
    DEFAULT_OUTBOX_CAPACITY, DEFAULT_PREFIX, RedisHealth, RedisRevocations,
    RedisRevocationsBuilder, RedisUrlError,
};
/// The `redis` crate sanctum is built with, for a [`redis::Client`] of your own
/// ([`RedisRevocations::builder_with_client`]).
#[cfg(feature = "redis")]
#[doc(no_inline)]
pub use ::redis;

use crate::claims::CognitoClaims;
use crate::clock::unix_seconds;

/// Default for how long an entry is kept: the longest lifetime of a Cognito access or ID
/// token (1 day).
pub const DEFAULT_MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// How far ahead of the local clock a revocation's time may be (clock skew between
/// instances); a later time is recorded as now + 60 s.
pub const MAX_AHEAD: Duration = Duration::from_secs(60);

/// One revocation.
///
/// Example: the [module docs](self) (`Revocation::signed_out_now` recorded in a store).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Revocation {
    /// Every token of `sub` issued (`iat`) before `before` (seconds since the epoch): the user
    /// signed out everywhere, was disabled or deleted.
    Subject {
        /// The user's `sub`.
        sub: String,
        /// Tokens issued before this time (seconds since the epoch) are refused.
        before: u64,
    },
    /// Every token whose `origin_jti` is this one: its refresh token was revoked.
    Origin {
        /// The `origin_jti` of the revoked refresh token's tokens.
        origin_jti: String,
        /// When it was revoked (seconds since the epoch), for the entry's expiry.
        at: u64,
    },
}

impl Revocation {
    /// The tokens of `sub` issued until now (the second of now included: a token issued in the
    /// same second as a sign-out is refused rather than risk accepting one from before it).
    pub fn signed_out_now(sub: impl Into<String>) -> Self {
        Self::signed_out_at(sub, SystemTime::now())
    }

    /// The tokens of `sub` issued until `time`, that second included.
    pub fn signed_out_at(sub: impl Into<String>, time: SystemTime) -> Self {
        Self::Subject {
            sub: sub.into(),
            before: unix_seconds(time).saturating_add(1),
        }
    }

    /// The tokens issued from the refresh token whose tokens carry `origin_jti`, revoked now.
    pub fn refresh_token_revoked(origin_jti: impl Into<String>) -> Self {
        Self::Origin {
            origin_jti: origin_jti.into(),
            at: unix_seconds(SystemTime::now()),
        }
    }

    /// When it was recorded (seconds since the epoch), as far as it says.
    #[must_use]
    pub fn time(&self) -> u64 {
        match self {
            Self::Subject { before, .. } => before.saturating_sub(1),
            Self::Origin { at, .. } => *at,
        }
    }

    /// This revocation with its time brought back to at most [`MAX_AHEAD`] after `now`
    /// (seconds since the epoch), and whether it was changed.
    pub(crate) fn bounded(self, now: u64) -> (Self, bool) {
        let limit = now.saturating_add(MAX_AHEAD.as_secs());
        match self {
            Self::Subject { sub, before } if before > limit => {
                (Self::Subject { sub, before: limit }, true)
            }
            Self::Origin { origin_jti, at } if at > limit => (
                Self::Origin {
                    origin_jti,
                    at: limit,
                },
                true,
            ),
            unchanged => (unchanged, false),
        }
    }

    /// Whether these claims are covered.
    #[must_use]
    pub fn covers(&self, claims: &CognitoClaims) -> bool {
        match self {
            Self::Subject { sub, before } => {
                claims.sub() == sub && claims.iat().unwrap_or(0) < *before
            }
            Self::Origin { origin_jti, .. } => claims.origin_jti() == Some(origin_jti.as_str()),
        }
    }
}

/// What a [`RevocationStore`] says of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationCheck {
    /// Not revoked, as far as the store knows.
    NotRevoked,
    /// Revoked: refused as 401 ([`VerifyError::Revoked`](crate::VerifyError::Revoked)).
    Revoked,
    /// The store cannot vouch for its answer (e.g. [`RedisRevocations`] cut off from Redis for
    /// longer than its `fail_closed_after`): refused as 503
    /// ([`VerifyError::RevocationCheckUnavailable`](crate::VerifyError::RevocationCheckUnavailable)).
    Unavailable,
}

/// Where revocations are kept and looked up. The verifier calls [`check`](Self::check) (by
/// default [`is_revoked`](Self::is_revoked)) on every verification, so it must answer from
/// memory without waiting; [`record`](Self::record) may publish to other instances.
pub trait RevocationStore: fmt::Debug + Send + Sync + 'static {
    /// Whether verified `claims` are revoked, `now` being the verifier's clock (seconds since
    /// the epoch). A local lookup: never blocks on I/O.
    fn is_revoked(&self, claims: &CognitoClaims, now: u64) -> bool;

    /// What the verifier asks: [`is_revoked`](Self::is_revoked), unless the store knows its
    /// answer cannot be trusted now ([`RevocationCheck::Unavailable`]). A local lookup too.
    fn check(&self, claims: &CognitoClaims, now: u64) -> RevocationCheck {
        if self.is_revoked(claims, now) {
            RevocationCheck::Revoked
        } else {
            RevocationCheck::NotRevoked
        }
    }

    /// Records a revocation (for every instance, where the store is shared).
    fn record(&self, revocation: Revocation);
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    fn issued_at(iat: u64) -> CognitoClaims {
        let json = serde_json::json!({
            "sub": "alice", "token_use": "access", "client_id": "c", "iss": "i",
            "exp": iat + 3600, "iat": iat,
        });
        CognitoClaims::from_payload(json.to_string().into_bytes()).unwrap()
    }

    #[test]
    fn a_sign_out_covers_its_whole_second_and_no_later_one() {
        // signed out at 1000.250 s: a token of second 1000 may be from before it, so it is
        // refused; one of second 1001 is after it
        let at = UNIX_EPOCH + Duration::from_millis(1_000_250);
        let revocation = Revocation::signed_out_at("alice", at);
        assert_eq!(
            revocation,
            Revocation::Subject {
                sub: "alice".into(),
                before: 1001
            }
        );
        assert!(revocation.covers(&issued_at(999)));
        assert!(revocation.covers(&issued_at(1000)), "the same second");
        assert!(!revocation.covers(&issued_at(1001)), "the next second");
        assert_eq!(revocation.time(), 1000);
    }

    #[test]
    fn a_time_far_ahead_is_brought_back_to_now_plus_a_minute() {
        let far = Revocation::Subject {
            sub: "alice".into(),
            before: u64::MAX,
        };
        assert_eq!(
            far.bounded(1000),
            (
                Revocation::Subject {
                    sub: "alice".into(),
                    before: 1060
                },
                true
            )
        );
        let near = Revocation::Origin {
            origin_jti: "o".into(),
            at: 1060,
        };
        assert_eq!(near.clone().bounded(1000), (near, false));
    }
}
