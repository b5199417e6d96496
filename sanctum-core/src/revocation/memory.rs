//! [`InMemoryRevocations`]: one process's revocations.

use std::collections::HashMap;
use std::fmt;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use super::{DEFAULT_MAX_TOKEN_LIFETIME, Revocation, RevocationStore};
use crate::claims::CognitoClaims;
use crate::clock::unix_seconds;

/// How often (at most) [`InMemoryRevocations::record`] drops the entries gone stale, seconds.
const PURGE_EVERY: u64 = 60;

/// Revocations kept in this process: the default store. Lookups take a read lock only when
/// there is something to look up; entries go once no token they cover can still be valid
/// (dropped at most once a minute while recording, and by [`purge`](Self::purge)).
pub struct InMemoryRevocations {
    entries: RwLock<Entries>,
    /// How many entries there are, so a verifier with nothing revoked pays one atomic load.
    len: AtomicUsize,
    max_token_lifetime: u64,
    /// When (seconds since the epoch) `record` next drops stale entries.
    next_purge: AtomicU64,
    /// Purges done, for tests of the bulk load.
    purges: AtomicU64,
}

/// The maps hash with foldhash, randomly seeded per map: a lookup on every request costs a
/// fraction of SipHash's, and nobody can aim keys at one bucket without the seed.
type Map = HashMap<String, u64, foldhash::fast::RandomState>;

#[derive(Default)]
struct Entries {
    /// `sub` → tokens issued before this are refused.
    subjects: Map,
    /// `origin_jti` → when it was revoked.
    origins: Map,
}

impl InMemoryRevocations {
    /// An empty store keeping entries for [`DEFAULT_MAX_TOKEN_LIFETIME`].
    #[must_use]
    pub fn new() -> Self {
        Self::with_max_token_lifetime(DEFAULT_MAX_TOKEN_LIFETIME)
    }

    /// An empty store keeping entries for `lifetime`: the longest a token of your pool lives
    /// (its app clients' access and ID token validity).
    #[must_use]
    pub fn with_max_token_lifetime(lifetime: Duration) -> Self {
        Self {
            entries: RwLock::new(Entries::default()),
            len: AtomicUsize::new(0),
            max_token_lifetime: lifetime.as_secs(),
            next_purge: AtomicU64::new(0),
            purges: AtomicU64::new(0),
        }
    }

    /// How many revocations are kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// How long an entry is kept, in seconds.
    #[must_use]
    pub fn max_token_lifetime(&self) -> u64 {
        self.max_token_lifetime
    }

    /// Whether none is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every revocation kept that a token can still be covered by at `now`.
    #[must_use]
    pub fn snapshot(&self, now: u64) -> Vec<Revocation> {
        let entries = read(&self.entries);
        let live = |at: u64| at.saturating_add(self.max_token_lifetime) > now;
        let subjects = entries
            .subjects
            .iter()
            .filter(|(_, before)| live(before.saturating_sub(1)))
            .map(|(sub, before)| Revocation::Subject {
                sub: sub.clone(),
                before: *before,
            });
        let origins =
            entries
                .origins
                .iter()
                .filter(|(_, at)| live(**at))
                .map(|(origin_jti, at)| Revocation::Origin {
                    origin_jti: origin_jti.clone(),
                    at: *at,
                });
        subjects.chain(origins).collect()
    }

    /// Records many revocations at once (a catch-up): one write lock and one purge, where
    /// [`record`](RevocationStore::record) for each would lock for each. Times more than
    /// [`MAX_AHEAD`](super::MAX_AHEAD) ahead are brought back; entries no token can be covered
    /// by any more are not kept. Returns how many times were brought back.
    pub fn record_all(&self, revocations: impl IntoIterator<Item = Revocation>) -> usize {
        let now = unix_seconds(SystemTime::now());
        let mut bounded = 0;
        {
            let mut entries = write(&self.entries);
            for revocation in revocations {
                bounded += usize::from(self.insert(&mut entries, revocation, now));
            }
            self.purge_locked(&mut entries, now);
        }
        bounded
    }

    /// Adds one revocation under the write lock (the larger time kept), unless no token can be
    /// covered by it any more; `true` when its time was brought back.
    fn insert(&self, entries: &mut Entries, revocation: Revocation, now: u64) -> bool {
        let (revocation, changed) = revocation.bounded(now);
        if revocation.time().saturating_add(self.max_token_lifetime) <= now {
            return changed;
        }
        match revocation {
            Revocation::Subject { sub, before } => {
                let slot = entries.subjects.entry(sub).or_insert(0);
                *slot = (*slot).max(before);
            }
            Revocation::Origin { origin_jti, at } => {
                let slot = entries.origins.entry(origin_jti).or_insert(at);
                *slot = (*slot).max(at);
            }
        }
        self.len.store(
            entries.subjects.len() + entries.origins.len(),
            Ordering::Release,
        );
        changed
    }

    /// Drops the entries no token can be covered by any more at `now`.
    pub fn purge(&self, now: u64) {
        self.purge_locked(&mut write(&self.entries), now);
    }

    fn purge_locked(&self, entries: &mut Entries, now: u64) {
        self.purges.fetch_add(1, Ordering::Relaxed);
        self.next_purge
            .store(now.saturating_add(PURGE_EVERY), Ordering::Relaxed);
        let lifetime = self.max_token_lifetime;
        entries
            .subjects
            .retain(|_, before| before.saturating_sub(1).saturating_add(lifetime) > now);
        entries
            .origins
            .retain(|_, at| at.saturating_add(lifetime) > now);
        self.len.store(
            entries.subjects.len() + entries.origins.len(),
            Ordering::Release,
        );
    }
}

impl Default for InMemoryRevocations {
    fn default() -> Self {
        Self::new()
    }
}

fn read(lock: &RwLock<Entries>) -> std::sync::RwLockReadGuard<'_, Entries> {
    match lock.read() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn write(lock: &RwLock<Entries>) -> std::sync::RwLockWriteGuard<'_, Entries> {
    match lock.write() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl RevocationStore for InMemoryRevocations {
    #[inline]
    fn is_revoked(&self, claims: &CognitoClaims, _now: u64) -> bool {
        if self.len.load(Ordering::Acquire) == 0 {
            return false;
        }
        let entries = read(&self.entries);
        let by_subject = entries
            .subjects
            .get(claims.sub())
            .is_some_and(|before| claims.iat().unwrap_or(0) < *before);
        by_subject
            || claims
                .origin_jti()
                .is_some_and(|jti| entries.origins.contains_key(jti))
    }

    /// Records one revocation; a time more than [`MAX_AHEAD`](super::MAX_AHEAD) ahead of the
    /// system clock is brought back to it (logged), and stale entries are dropped at most once
    /// a minute.
    fn record(&self, revocation: Revocation) {
        let now = unix_seconds(SystemTime::now());
        let mut entries = write(&self.entries);
        if self.insert(&mut entries, revocation, now) {
            tracing::warn!(
                "a revocation's time was more than 60 s ahead of this clock; recorded as now + 60 s"
            );
        }
        if now >= self.next_purge.load(Ordering::Relaxed) {
            self.purge_locked(&mut entries, now);
        }
    }
}

impl fmt::Debug for InMemoryRevocations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryRevocations")
            .field("entries", &self.len())
            .field("max_token_lifetime_secs", &self.max_token_lifetime)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(sub: &str, iat: u64, origin_jti: &str) -> CognitoClaims {
        let json = serde_json::json!({
            "sub": sub, "token_use": "access", "client_id": "c", "iss": "i", "exp": iat + 3600,
            "iat": iat, "origin_jti": origin_jti,
        });
        CognitoClaims::from_payload(json.to_string().into_bytes()).unwrap()
    }

    #[test]
    fn a_subject_revocation_covers_tokens_issued_before_it_only() {
        let t = unix_seconds(SystemTime::now());
        let store = InMemoryRevocations::new();
        assert!(!store.is_revoked(&claims("alice", t, "o1"), t));
        store.record(Revocation::Subject {
            sub: "alice".into(),
            before: t + 1,
        });
        assert!(store.is_revoked(&claims("alice", t, "o1"), t));
        assert!(
            !store.is_revoked(&claims("alice", t + 1, "o2"), t + 1),
            "issued after"
        );
        assert!(
            !store.is_revoked(&claims("bob", t - 100, "o3"), t),
            "another user"
        );
        // a later sign-out moves the line forward, an earlier one never back
        store.record(Revocation::Subject {
            sub: "alice".into(),
            before: t - 500,
        });
        assert!(store.is_revoked(&claims("alice", t, "o1"), t));
    }

    #[test]
    fn an_origin_revocation_covers_that_refresh_tokens_tokens() {
        let store = InMemoryRevocations::new();
        store.record(Revocation::Origin {
            origin_jti: "o1".into(),
            at: unix_seconds(SystemTime::now()),
        });
        assert!(store.is_revoked(&claims("alice", 1000, "o1"), 1000));
        assert!(!store.is_revoked(&claims("alice", 1000, "o2"), 1000));
    }

    #[test]
    fn a_time_far_ahead_neither_locks_the_user_out_for_good_nor_stays_forever() {
        let now = unix_seconds(SystemTime::now());
        let store = InMemoryRevocations::with_max_token_lifetime(Duration::from_secs(3600));
        store.record(Revocation::Subject {
            sub: "alice".into(),
            before: u64::MAX,
        });
        store.record(Revocation::Origin {
            origin_jti: "o1".into(),
            at: u64::MAX,
        });
        assert!(
            store.is_revoked(&claims("alice", now, "o2"), now),
            "now: revoked"
        );
        // a token issued a little over a minute later is not
        assert!(!store.is_revoked(&claims("alice", now + 62, "o2"), now + 62));
        // and both entries go once the lifetime has passed
        store.purge(now + 61 + 3600);
        assert!(store.is_empty());
    }

    #[test]
    fn a_bulk_load_purges_once_and_recording_purges_at_most_once_a_minute() {
        let now = unix_seconds(SystemTime::now());
        let store = InMemoryRevocations::new();
        store.record_all((0..1000).map(|i| Revocation::Subject {
            sub: format!("user-{i}"),
            before: now,
        }));
        assert_eq!(store.len(), 1000);
        assert_eq!(store.purges.load(Ordering::Relaxed), 1);
        for i in 0..1000 {
            store.record(Revocation::Origin {
                origin_jti: format!("o-{i}"),
                at: now,
            });
        }
        assert_eq!(store.len(), 2000);
        assert!(
            store.purges.load(Ordering::Relaxed) <= 2,
            "not one purge per record"
        );
    }

    #[test]
    fn entries_expire_with_the_longest_token_lifetime() {
        let store = InMemoryRevocations::with_max_token_lifetime(Duration::from_secs(3600));
        store.record(Revocation::Subject {
            sub: "alice".into(),
            before: 1001,
        });
        store.record(Revocation::Origin {
            origin_jti: "o1".into(),
            at: 1000,
        });
        // recorded "now" (real time) long after 1000 + 3600: both are already purged
        assert!(store.is_empty());
        let now = unix_seconds(SystemTime::now());
        store.record(Revocation::Origin {
            origin_jti: "o2".into(),
            at: now,
        });
        assert_eq!(store.len(), 1);
        assert_eq!(store.snapshot(now).len(), 1);
        store.purge(now + 3600);
        assert!(store.is_empty());
    }
}
