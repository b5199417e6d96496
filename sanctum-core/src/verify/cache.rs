//! The verified-token cache: repeated tokens skip decoding and the RSA work.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::digest;

use crate::claims::CognitoClaims;

/// SHA-256 of the token: a collision-resistant key, so no forged token can hit another's entry.
pub(crate) type TokenHash = [u8; 32];

#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) claims: Arc<CognitoClaims>,
    pub(crate) pool: usize,
    ttl: Duration,
}

struct UntilExp;

impl moka::Expiry<TokenHash, Entry> for UntilExp {
    fn expire_after_create(
        &self,
        _key: &TokenHash,
        value: &Entry,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

/// Signature-verified claims by token hash. Every other check still runs on a hit.
pub(crate) struct TokenCache {
    cache: moka::sync::Cache<TokenHash, Entry>,
}

impl TokenCache {
    pub(crate) fn new(capacity: u64) -> Self {
        Self {
            cache: moka::sync::Cache::builder()
                .max_capacity(capacity)
                .expire_after(UntilExp)
                .build(),
        }
    }

    #[inline]
    pub(crate) fn hash(token: &str) -> TokenHash {
        let digest = digest::digest(&digest::SHA256, token.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        out
    }

    #[inline]
    pub(crate) fn get(&self, hash: &TokenHash) -> Option<Entry> {
        self.cache.get(hash)
    }

    /// Caches until `exp` (`now` and `exp` in seconds since the epoch); an already expired token
    /// is not cached at all.
    pub(crate) fn insert(
        &self,
        hash: TokenHash,
        claims: Arc<CognitoClaims>,
        pool: usize,
        now: u64,
    ) {
        if claims.exp <= now {
            return;
        }
        let ttl = Duration::from_secs(claims.exp - now);
        self.cache.insert(hash, Entry { claims, pool, ttl });
    }

    pub(crate) fn entry_count(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &self.cache.entry_count())
            .finish()
    }
}
