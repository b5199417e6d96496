//! [`MemorySessionStore`]: tower-sessions' store trait on a bounded moka cache, for one
//! instance (tower-sessions' own `MemoryStore` is a `HashMap` that never drops a session).

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use moka::Expiry;
use moka::policy::EvictionPolicy;
use moka::sync::Cache;
use sanctum_core::session::SessionData;
use serde::Deserialize as _;
use tower_sessions::SessionStore;
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};

/// Default for [`MemorySessionStore::with_capacity`]: 10 000 sessions (a signed-in session,
/// with Cognito's three tokens, takes about 5 KB: some 50 MB in all).
pub const DEFAULT_MEMORY_SESSION_CAPACITY: u64 = 10_000;

/// Sessions in this process's memory, bounded in number and in time: each entry lives until
/// its session's expiry (the idle timeout, pushed on as the session is used; the absolute
/// lifetime is enforced when the session is read) and at most
/// [`capacity`](Self::with_capacity) sessions are kept — past that, the least recently used
/// sessions are dropped (their users sign in again; a new session is always kept). Each
/// record keeps its sanctum session decoded: with [`SessionAuth::layer`](super::SessionAuth::layer)
/// the auth layer reads it straight from here, without copying the record or decoding the
/// tokens (a record written anew is decoded again). For one instance; several instances share
/// sessions through
#[cfg_attr(
    feature = "redis-sessions",
    doc = "[`RedisSessionStore`](super::RedisSessionStore)."
)]
#[cfg_attr(
    not(feature = "redis-sessions"),
    doc = "`RedisSessionStore` (feature `redis-sessions`)."
)]
///
/// Cheap to clone: clones share the sessions.
///
/// ```
/// use sanctum_axum::session::MemorySessionStore;
///
/// let store = MemorySessionStore::with_capacity(50_000);
/// assert_eq!(store.entry_count(), 0);
/// ```
#[derive(Clone)]
pub struct MemorySessionStore {
    sessions: Cache<Id, Arc<Stored>>,
}

/// A record and, decoded on first use, its sanctum session: they live and go together.
struct Stored {
    record: Record,
    session: OnceLock<Option<Arc<SessionData>>>,
}

impl Stored {
    fn new(record: &Record) -> Arc<Self> {
        Arc::new(Self {
            record: record.clone(),
            session: OnceLock::new(),
        })
    }
}

impl fmt::Debug for MemorySessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySessionStore")
            .field("capacity", &self.sessions.policy().max_capacity())
            .finish_non_exhaustive()
    }
}

impl Default for MemorySessionStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemorySessionStore {
    /// A store of at most [`DEFAULT_MEMORY_SESSION_CAPACITY`] sessions.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_MEMORY_SESSION_CAPACITY)
    }

    /// A store of at most `capacity` sessions.
    #[must_use]
    pub fn with_capacity(capacity: u64) -> Self {
        Self {
            sessions: Cache::builder()
                .max_capacity(capacity)
                // least recently used out: a new sign-in is never refused its place
                .eviction_policy(EvictionPolicy::lru())
                .expire_after(UntilSessionExpiry)
                .build(),
        }
    }

    /// How many sessions the store holds (evictions done first; a session that expired in the
    /// last second or so may still be counted).
    #[must_use]
    pub fn entry_count(&self) -> u64 {
        self.sessions.run_pending_tasks();
        self.sessions.entry_count()
    }

    /// The sanctum session of the record `id` (under
    /// [`SESSION_DATA_KEY`](super::SESSION_DATA_KEY)), decoded once per record written; `None`
    /// when there is no such record, it expired, or it holds no session of this version.
    pub(crate) fn load_session(&self, id: &Id) -> Option<Arc<SessionData>> {
        let stored = self.sessions.get(id).filter(|s| !is_over(&s.record))?;
        stored
            .session
            .get_or_init(|| {
                let value = stored.record.data.get(super::SESSION_DATA_KEY)?;
                SessionData::deserialize(value).ok().map(Arc::new)
            })
            .clone()
    }
}

/// Whether `record`'s session has expired: it is not kept.
fn is_over(record: &Record) -> bool {
    record.expiry_date <= OffsetDateTime::now_utc()
}

/// Each entry lives until its record's expiry date.
struct UntilSessionExpiry;

/// How long a record of `expiry_date` has to live at `now`.
fn time_to_live(expiry_date: OffsetDateTime, now: OffsetDateTime) -> Duration {
    Duration::try_from(expiry_date - now).unwrap_or(Duration::ZERO)
}

impl Expiry<Id, Arc<Stored>> for UntilSessionExpiry {
    fn expire_after_create(&self, _: &Id, stored: &Arc<Stored>, _: Instant) -> Option<Duration> {
        Some(time_to_live(
            stored.record.expiry_date,
            OffsetDateTime::now_utc(),
        ))
    }

    fn expire_after_update(
        &self,
        _: &Id,
        stored: &Arc<Stored>,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(time_to_live(
            stored.record.expiry_date,
            OffsetDateTime::now_utc(),
        ))
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        if is_over(record) {
            return Ok(());
        }
        // a 128-bit random id is taken with negligible odds; bounded all the same
        for _ in 0..8 {
            let entry = self
                .sessions
                .entry(record.id)
                .or_insert_with(|| Stored::new(record));
            if entry.is_fresh() {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(Error::Backend("no free session id found".to_owned()))
    }

    async fn save(&self, record: &Record) -> Result<()> {
        if is_over(record) {
            self.sessions.invalidate(&record.id);
        } else {
            self.sessions.insert(record.id, Stored::new(record));
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        Ok(self
            .sessions
            .get(id)
            .filter(|stored| !is_over(&stored.record))
            .map(|stored| stored.record.clone()))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.sessions.invalidate(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use tower_sessions::cookie::time::Duration as TimeDuration;

    use super::*;

    fn record(expires_in: TimeDuration) -> Record {
        Record {
            id: Id::default(),
            data: HashMap::from([("k".to_owned(), serde_json::json!("v"))]),
            expiry_date: OffsetDateTime::now_utc() + expires_in,
        }
    }

    #[test]
    fn an_entry_lives_until_its_session_expires() {
        let now = OffsetDateTime::now_utc();
        assert_eq!(
            time_to_live(now + TimeDuration::minutes(30), now),
            Duration::from_secs(1800)
        );
        assert_eq!(
            time_to_live(now - TimeDuration::seconds(1), now),
            Duration::ZERO
        );
    }

    #[tokio::test]
    async fn sessions_are_stored_updated_expired_and_deleted() {
        let store = MemorySessionStore::new();
        let mut live = record(TimeDuration::hours(1));
        store.create(&mut live).await.expect("create");
        assert_eq!(
            store.load(&live.id).await.expect("load"),
            Some(live.clone())
        );

        // an update that ends the session (expiry now) takes the entry out
        let mut ended = live.clone();
        ended.expiry_date = OffsetDateTime::now_utc() - TimeDuration::seconds(1);
        store.save(&ended).await.expect("save");
        assert_eq!(store.load(&live.id).await.expect("load"), None);
        assert_eq!(store.entry_count(), 0);

        // a session created expired is never found
        let mut expired = record(TimeDuration::seconds(-5));
        store.create(&mut expired).await.expect("create");
        assert_eq!(store.load(&expired.id).await.expect("load"), None);

        let mut other = record(TimeDuration::hours(1));
        store.create(&mut other).await.expect("create");
        store.delete(&other.id).await.expect("delete");
        assert_eq!(store.load(&other.id).await.expect("load"), None);
    }

    #[tokio::test]
    async fn a_records_session_is_decoded_once_and_a_new_records_again() {
        let store = MemorySessionStore::new();
        let session = |touched_at: u64| {
            serde_json::json!({
                "tokens": {
                    "access_token": "a", "id_token": "i", "refresh_token": null,
                    "expires_at": 5_000, "token_type": "Bearer",
                },
                "sub": "s", "username": null, "groups": [], "origin_jti": null,
                "signed_in_at": 1_000, "touched_at": touched_at,
            })
        };
        let mut stored = record(TimeDuration::hours(1));
        stored.data = HashMap::from([(super::super::SESSION_DATA_KEY.to_owned(), session(1_000))]);
        store.create(&mut stored).await.expect("create");
        let first = store.load_session(&stored.id).expect("a session");
        let again = store.load_session(&stored.id).expect("a session");
        assert!(Arc::ptr_eq(&first, &again), "decoded once, shared");
        assert_eq!(first.touched_at, 1_000);

        stored.data = HashMap::from([(super::super::SESSION_DATA_KEY.to_owned(), session(1_060))]);
        store.save(&stored).await.expect("save");
        let touched = store.load_session(&stored.id).expect("a session");
        assert_eq!(touched.touched_at, 1_060, "the new record is read");

        // no session in the record, or none of this version: none
        let mut other = record(TimeDuration::hours(1));
        store.create(&mut other).await.expect("create");
        assert!(store.load_session(&other.id).is_none());
        store.delete(&stored.id).await.expect("delete");
        assert!(store.load_session(&stored.id).is_none());
    }

    #[tokio::test]
    async fn a_taken_id_is_never_overwritten() {
        let store = MemorySessionStore::new();
        let mut first = record(TimeDuration::hours(1));
        store.create(&mut first).await.expect("create");
        let mut second = record(TimeDuration::hours(1));
        second.id = first.id;
        store.create(&mut second).await.expect("create");
        assert_ne!(second.id, first.id, "a fresh id was drawn");
        assert_eq!(store.load(&first.id).await.expect("load"), Some(first));
        assert_eq!(
            store.load(&second.id).await.expect("load"),
            Some(second.clone())
        );
    }
}
