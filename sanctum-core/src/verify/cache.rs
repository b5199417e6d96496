//! The verified-token cache: repeated tokens skip decoding and the signature work. The
//! bearer [`Verifier`](super::Verifier) keeps [`Entry`]s in it; the
//! [`AlbVerifier`](crate::alb::AlbVerifier) the claims of verified `x-amzn-oidc-data` tokens.
//!
//! Entries are keyed by the token itself (its bytes), so a hit is an exact match: no collision can
//! make one token stand for another. The map hashes the token's last [`TAIL`] characters with
//! foldhash (randomly seeded per cache); the price of exact keys is memory, the token's length
//! per entry (12 MB for 10 000 entries of 1.2 KB).
//!
//! The map is quick_cache's (S3-FIFO eviction, sharded, a read lock and one relaxed store per
//! hit): a lookup on the request path cost ~1 250 instructions in moka (its read log, frequency
//! sketch and per-entry timers) and about a third of that here. Entries carry no timer: the
//! verifier checks `exp` on every hit anyway, an expired token found there is refused and
//! removed, and the rest are evicted by capacity, so the cache never holds more than its
//! capacity of tokens, expired or not.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use quick_cache::sync::{Cache, DefaultLifecycle};
use quick_cache::{OptionsBuilder, UnitWeighter};

use super::pools::Issuer;
use crate::claims::CognitoClaims;
use crate::error::ConfigError;

/// A verified token: its claims, the issuer that picked its keys, and which key verified it.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) claims: Arc<CognitoClaims>,
    /// The issuer that picked the keys, and through it the pool (whose removal refuses the
    /// entry).
    pub(crate) issuer: Arc<Issuer>,
    /// The serial of the key that verified the signature.
    pub(crate) key_serial: u64,
    /// The issuer's key-set generation when that key was current.
    pub(crate) generation: u64,
}

impl Entry {
    pub(crate) fn new(
        claims: Arc<CognitoClaims>,
        issuer: Arc<Issuer>,
        key_serial: u64,
        generation: u64,
    ) -> Self {
        Self {
            claims,
            issuer,
            key_serial,
            generation,
        }
    }
}

/// How many characters at the end of a token are hashed: 16, foldhash's short input (two
/// words, inlined); 48 took its long loop, ~40 instructions a request more (callgrind).
const TAIL: usize = 16;

/// Hashes only the end of a token: 16 characters of its RSA signature, 96 bits nobody can
/// choose, more than the 64 of the hash itself. Only verified tokens are ever cached, so
/// entries spread as evenly as with the whole text (and no one can pile entries into one
/// bucket without the seed and the signing key); a lookup still compares the whole token.
/// Hashing 1.3 KB cost ~600 instructions a request.
#[derive(Clone, Default)]
pub(crate) struct TailHash(foldhash::fast::RandomState);

impl BuildHasher for TailHash {
    type Hasher = Tail;

    fn build_hasher(&self) -> Tail {
        Tail(self.0.build_hasher())
    }
}

pub(crate) struct Tail(foldhash::fast::FoldHasher<'static>);

impl Hasher for Tail {
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(&bytes[bytes.len().saturating_sub(TAIL)..]);
    }

    fn write_u8(&mut self, i: u8) {
        self.0.write_u8(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.0.write_usize(i);
    }

    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// The map: tokens (bytes) to values, one unit of weight each.
type Map<V> = Cache<Arc<[u8]>, V, UnitWeighter, TailHash, DefaultLifecycle<Arc<[u8]>, V>>;

/// Signature-verified claims (with what a hit must check again, `V`) by token. Every other
/// check still runs on a hit.
pub(crate) struct TokenCache<V = Entry> {
    /// By the token's bytes, so a request's header value is looked up without checking that
    /// it is text first (only verified tokens, all text, are ever inserted).
    cache: Map<V>,
}

impl<V: Clone> TokenCache<V> {
    /// A cache of at most `capacity` tokens (at least one).
    pub(crate) fn new(capacity: u64) -> Self {
        let capacity = capacity.max(1);
        let options = OptionsBuilder::new()
            .estimated_items_capacity(usize::try_from(capacity).unwrap_or(usize::MAX))
            .weight_capacity(capacity)
            .build()
            .unwrap_or_else(|_| unreachable!("both capacities are set"));
        Self {
            cache: Cache::with_options(
                options,
                UnitWeighter,
                TailHash::default(),
                DefaultLifecycle::default(),
            ),
        }
    }

    /// The cache a builder's settings ask for: `None` when it is turned off; a capacity of 0
    /// with the cache on is a configuration error.
    pub(crate) fn configured(enabled: bool, capacity: u64) -> Result<Option<Self>, ConfigError> {
        if !enabled {
            return Ok(None);
        }
        if capacity == 0 {
            return Err(ConfigError::InvalidSetting {
                what: "cache_capacity",
                reason: "must be above zero, or turn the cache off with token_cache(false)",
            });
        }
        Ok(Some(Self::new(capacity)))
    }

    /// The value of exactly this token (its whole text; the hash alone never decides).
    #[inline]
    pub(crate) fn get(&self, token: &[u8]) -> Option<V> {
        self.cache.get(token)
    }

    /// Caches the token, whose `exp` is `exp` (`now` and `exp` in seconds since the epoch); an
    /// already expired token is not cached at all.
    pub(crate) fn insert(&self, token: &str, value: V, exp: u64, now: u64) {
        if exp <= now {
            return;
        }
        self.cache.insert(Arc::from(token.as_bytes()), value);
    }

    /// Forgets a token (found expired).
    pub(crate) fn remove(&self, token: &[u8]) {
        self.cache.remove(token);
    }

    pub(crate) fn entry_count(&self) -> u64 {
        self.cache.len() as u64
    }
}

impl<V: Clone> fmt::Debug for TokenCache<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &self.cache.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash of a token as the cache computes it: of its bytes.
    fn hash(build: &TailHash, token: &str) -> u64 {
        build.hash_one(token.as_bytes())
    }

    #[test]
    fn only_the_tail_is_hashed_but_the_whole_token_is_the_key() {
        let build = TailHash::default();
        let tail = "s".repeat(TAIL);
        let (a, b) = (format!("aaaa.{tail}"), format!("bbbb.{tail}"));
        assert_eq!(hash(&build, &a), hash(&build, &b), "same tail, same hash");
        assert_ne!(
            hash(&build, &a),
            hash(&build, &format!("aaaa.{}t", &tail[1..])),
            "the tail decides"
        );
        assert_ne!(hash(&build, "short"), hash(&build, "shorT"));

        let cache: TokenCache = TokenCache::new(10);
        let claims = Arc::new(
            CognitoClaims::from_payload(
                br#"{"sub":"s","token_use":"access","client_id":"c","iss":"i","exp":100}"#.to_vec(),
            )
            .unwrap(),
        );
        cache.insert(
            &a,
            Entry::new(Arc::clone(&claims), Issuer::detached(), 1, 0),
            claims.exp(),
            10,
        );
        assert!(cache.get(a.as_bytes()).is_some());
        assert!(
            cache.get(b.as_bytes()).is_none(),
            "a colliding hash is not a hit"
        );
    }
}
