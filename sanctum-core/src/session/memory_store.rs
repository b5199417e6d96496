//! [`MemorySessionStore`]: sessions in this process's memory, bounded in number and in time,
//! each kept decoded — sanctum's own [`SessionStore`] and (feature `tower-sessions`)
//! tower-sessions' store, one type for both adapters.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::data::SessionData;
use super::store::{SessionStore, StoreFuture, decode_session};

/// Default for [`MemorySessionStore::with_capacity`]: 10 000 sessions (a signed-in session,
/// with Cognito's three tokens, takes about 5 KB: some 50 MB in all).
pub const DEFAULT_MEMORY_CAPACITY: u64 = 10_000;

/// The key of [`SessionData`] in a tower-sessions session's record (sanctum-axum keeps its
/// sessions there).
pub const SESSION_DATA_KEY: &str = "sanctum.session";

/// Sessions in this process's memory: for one instance (several instances share sessions
/// through a `RedisSessionStore`). Bounded: each entry lives until its session's expiry (the
/// idle timeout, pushed on as the session is written back; the absolute lifetime is enforced
/// when the session is read) and past the [capacity](Self::with_capacity) the least recently
/// used sessions are dropped (their users sign in again; a new session is always kept), so
/// abandoned sessions never pile up.
///
/// Each entry keeps its session decoded (on first read, dropped with the entry): a request
/// reads its session ([`SessionStore::load_session`], [`session_now`](Self::session_now))
/// without copying or decoding the tokens, and an entry written anew is decoded again.
///
/// One type for both web adapters: sanctum-actix keeps its sessions through sanctum's
/// [`SessionStore`], sanctum-axum (feature `tower-sessions`) through tower-sessions'
/// `SessionStore`, whose records are kept whole (the application's own session values
/// included). Entries are keyed by the session id as its cookie carries it; a store serves
/// one adapter (a record is not a value of sanctum's store, nor the other way round, though
/// either's session is found by [`session_now`](Self::session_now)).
///
/// Cheap to clone: clones share the sessions.
///
/// ```
/// use sanctum_core::session::MemorySessionStore;
///
/// let store = MemorySessionStore::with_capacity(50_000);
/// assert!(store.is_empty());
/// ```
#[derive(Clone)]
pub struct MemorySessionStore {
    /// Keyed by random ids; hashed with foldhash (seeded per store), a fifth of SipHash's
    /// instructions on the request path. Only the store's own fresh ids are ever inserted.
    entries: moka::sync::Cache<Arc<str>, Arc<Entry>, foldhash::quality::RandomState>,
}

/// A stored value and, decoded on first use, its session: they live and go together.
struct Entry {
    value: Value,
    /// How long the entry lives from its write.
    ttl: Duration,
    session: OnceLock<Option<Arc<SessionData>>>,
}

/// What an entry holds.
enum Value {
    /// A value of sanctum's [`SessionStore`]: the session's JSON.
    Text(Box<str>),
    /// A tower-sessions record.
    #[cfg(feature = "tower-sessions")]
    Record(tower_sessions_core::session::Record),
}

impl Entry {
    fn new(value: Value, ttl: Duration) -> Arc<Self> {
        Arc::new(Self {
            value,
            ttl,
            session: OnceLock::new(),
        })
    }

    /// The value of sanctum's [`SessionStore`] the entry holds, if it holds one.
    fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Text(text) => Some(text),
            #[cfg(feature = "tower-sessions")]
            Value::Record(_) => None,
        }
    }

    /// The entry's session, decoded once.
    fn session(&self) -> Option<Arc<SessionData>> {
        self.session
            .get_or_init(|| match &self.value {
                Value::Text(text) => decode_session(text).map(Arc::new),
                #[cfg(feature = "tower-sessions")]
                Value::Record(record) => {
                    let value = record.data.get(SESSION_DATA_KEY)?;
                    <SessionData as serde::Deserialize>::deserialize(value)
                        .map_err(|err| {
                            tracing::debug!(error = %err, "unreadable session entry ignored");
                        })
                        .ok()
                        .map(Arc::new)
                }
            })
            .clone()
    }
}

/// Each entry lives for its time to live from its last write.
struct UntilTtl;

impl moka::Expiry<Arc<str>, Arc<Entry>> for UntilTtl {
    fn expire_after_create(
        &self,
        _: &Arc<str>,
        entry: &Arc<Entry>,
        _: Instant,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _: &Arc<str>,
        entry: &Arc<Entry>,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

impl fmt::Debug for MemorySessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySessionStore")
            .field("capacity", &self.entries.policy().max_capacity())
            .field("sessions", &self.entries.entry_count())
            .finish()
    }
}

impl Default for MemorySessionStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemorySessionStore {
    /// A store of at most [`DEFAULT_MEMORY_CAPACITY`] sessions.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_MEMORY_CAPACITY)
    }

    /// A store of at most `capacity` sessions.
    #[must_use]
    pub fn with_capacity(capacity: u64) -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(capacity)
                // least recently used out: a new sign-in is never refused its place (moka's
                // default admission would turn a new session away when the store is full)
                .eviction_policy(moka::policy::EvictionPolicy::lru())
                .expire_after(UntilTtl)
                .build_with_hasher(foldhash::quality::RandomState::default()),
        }
    }

    /// How many sessions it holds (evictions done first; a session that expired in the last
    /// second or so may still be counted).
    #[must_use]
    pub fn len(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.entry_count()
    }

    /// Whether it holds no session.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The session stored under `id` (its cookie's value), decoded once per write, read
    /// without waiting: what [`SessionStore::load_session`] answers. `None` when there is no
    /// such entry, it expired, or it holds no session of this version.
    ///
    /// ```
    /// use sanctum_core::session::MemorySessionStore;
    ///
    /// assert!(MemorySessionStore::new().session_now("no-such-id").is_none());
    /// ```
    #[must_use]
    pub fn session_now(&self, id: &str) -> Option<Arc<SessionData>> {
        self.entries.get(id)?.session()
    }

    /// Stores `value` under `id` only if `id` is free (or expired); whether it was.
    fn claim(&self, id: &str, value: impl FnOnce() -> Arc<Entry>) -> bool {
        self.entries
            .entry(Arc::from(id))
            .or_insert_with(value)
            .is_fresh()
    }
}

impl SessionStore for MemorySessionStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<String>> {
        let value = self
            .entries
            .get(id)
            .and_then(|entry| entry.text().map(str::to_owned));
        Box::pin(std::future::ready(Ok(value)))
    }

    fn create<'a>(&'a self, id: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, bool> {
        let fresh = self.claim(id, || Entry::new(Value::Text(value.into()), ttl));
        Box::pin(std::future::ready(Ok(fresh)))
    }

    fn save<'a>(&'a self, id: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        self.entries
            .insert(Arc::from(id), Entry::new(Value::Text(value.into()), ttl));
        Box::pin(std::future::ready(Ok(())))
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        self.entries.invalidate(id);
        Box::pin(std::future::ready(Ok(())))
    }

    fn load_session<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<SessionData>>> {
        Box::pin(std::future::ready(Ok(self.session_now(id))))
    }

    fn load_session_now(&self, id: &str) -> Option<Option<Arc<SessionData>>> {
        Some(self.session_now(id))
    }
}

#[cfg(feature = "tower-sessions")]
mod tower {
    //! tower-sessions' `SessionStore` for [`MemorySessionStore`]: records keyed by their id's
    //! text (the cookie's value), each kept whole and decoded once.

    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use async_trait::async_trait;
    use base64::Engine as _;
    use tower_sessions_core::session::{Id, Record};
    use tower_sessions_core::session_store::{Error, Result};

    use super::{Entry, MemorySessionStore, Value};

    /// `id` as its cookie carries it (tower-sessions' `Display`: base64url of its 16 bytes),
    /// without allocating.
    pub(super) fn id_text<'b>(id: &Id, buffer: &'b mut [u8; 22]) -> &'b str {
        let written = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode_slice(id.0.to_le_bytes(), buffer)
            .unwrap_or(0);
        std::str::from_utf8(&buffer[..written]).unwrap_or("")
    }

    /// How long `record` has to live now (zero when it is over).
    fn time_to_live(record: &Record) -> Duration {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |now| i128::try_from(now.as_nanos()).unwrap_or(i128::MAX));
        let left = record
            .expiry_date
            .unix_timestamp_nanos()
            .saturating_sub(now);
        u64::try_from(left).map_or(Duration::ZERO, Duration::from_nanos)
    }

    impl MemorySessionStore {
        /// The sanctum session in the tower-sessions record `id` (under
        /// [`SESSION_DATA_KEY`](super::SESSION_DATA_KEY)), read without waiting and decoded
        /// once per write (feature `tower-sessions`); `None` when there is no such record, it
        /// expired, or it holds no session of this version.
        ///
        /// ```
        /// use sanctum_core::session::MemorySessionStore;
        /// use tower_sessions_core::session::Id;
        ///
        /// assert!(MemorySessionStore::new().record_session(&Id::default()).is_none());
        /// ```
        #[must_use]
        pub fn record_session(
            &self,
            id: &Id,
        ) -> Option<std::sync::Arc<crate::session::SessionData>> {
            self.session_now(id_text(id, &mut [0; 22]))
        }
    }

    /// tower-sessions' store trait (feature `tower-sessions`): sanctum-axum's
    /// `SessionAuth::layer` takes it; see the [type docs](MemorySessionStore).
    #[async_trait]
    impl tower_sessions_core::SessionStore for MemorySessionStore {
        async fn create(&self, record: &mut Record) -> Result<()> {
            let ttl = time_to_live(record);
            if ttl.is_zero() {
                return Ok(());
            }
            // a 128-bit random id is taken with negligible odds; bounded all the same
            for _ in 0..8 {
                let mut buffer = [0; 22];
                let id = id_text(&record.id, &mut buffer);
                let fresh = self.claim(id, || Entry::new(Value::Record(record.clone()), ttl));
                if fresh {
                    return Ok(());
                }
                record.id = Id::default();
            }
            Err(Error::Backend("no free session id found".to_owned()))
        }

        async fn save(&self, record: &Record) -> Result<()> {
            let mut buffer = [0; 22];
            let id = id_text(&record.id, &mut buffer);
            let ttl = time_to_live(record);
            if ttl.is_zero() {
                self.entries.invalidate(id);
            } else {
                self.entries
                    .insert(id.into(), Entry::new(Value::Record(record.clone()), ttl));
            }
            Ok(())
        }

        async fn load(&self, id: &Id) -> Result<Option<Record>> {
            let entry = self.entries.get(id_text(id, &mut [0; 22]));
            Ok(entry.and_then(|entry| match &entry.value {
                Value::Record(record) => Some(record.clone()),
                Value::Text(_) => None,
            }))
        }

        async fn delete(&self, id: &Id) -> Result<()> {
            self.entries.invalidate(id_text(id, &mut [0; 22]));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(future)
    }

    #[test]
    fn the_memory_store_claims_ids_once_and_forgets_deleted_sessions() {
        let store = MemorySessionStore::new();
        let hour = Duration::from_secs(3600);
        block(async {
            assert!(store.create("a", "1", hour).await.expect("create"));
            assert!(
                !store.create("a", "2", hour).await.expect("create"),
                "taken"
            );
            assert_eq!(store.load("a").await.expect("load").as_deref(), Some("1"));
            store.save("a", "3", hour).await.expect("save");
            assert_eq!(store.load("a").await.expect("load").as_deref(), Some("3"));
            store.delete("a").await.expect("delete");
            assert_eq!(store.load("a").await.expect("load"), None);
        });
    }

    fn session(touched_at: u64) -> SessionData {
        serde_json::from_value(serde_json::json!({
            "tokens": {
                "access_token": "a", "id_token": "i", "refresh_token": "r",
                "expires_at": 5_000, "token_type": "Bearer",
            },
            "sub": "s", "username": null, "groups": ["admin"], "origin_jti": null,
            "signed_in_at": 1_000, "touched_at": touched_at,
        }))
        .expect("a session")
    }

    #[test]
    fn the_memory_store_decodes_a_value_once_and_a_new_value_again() {
        let store = MemorySessionStore::new();
        let hour = Duration::from_secs(3600);
        let json = |data: &SessionData| serde_json::to_string(data).expect("JSON");
        block(async {
            store
                .save("a", &json(&session(1_000)), hour)
                .await
                .expect("save");
            let first = store
                .load_session("a")
                .await
                .expect("load")
                .expect("a session");
            let again = store.session_now("a").expect("a session");
            assert!(Arc::ptr_eq(&first, &again), "decoded once, shared");
            assert_eq!(*first, session(1_000));

            // a value written anew (another request's touch or refresh) is what is read next
            store
                .save("a", &json(&session(1_060)), hour)
                .await
                .expect("save");
            let touched = store
                .load_session("a")
                .await
                .expect("load")
                .expect("a session");
            assert_eq!(touched.touched_at, 1_060);

            store.delete("a").await.expect("delete");
            assert_eq!(store.load_session("a").await.expect("load"), None);
            store.save("b", "not a session", hour).await.expect("save");
            assert_eq!(store.load_session("b").await.expect("load"), None);
        });
    }

    #[test]
    fn the_memory_store_is_bounded() {
        let store = MemorySessionStore::with_capacity(100);
        block(async {
            for i in 0..1_000 {
                let id = format!("s{i}");
                store
                    .save(&id, "{}", Duration::from_secs(3600))
                    .await
                    .expect("save");
            }
        });
        assert!(store.len() <= 100, "{} sessions kept", store.len());
        block(async {
            for i in 990..1_000 {
                let id = format!("s{i}");
                let kept = store.load(&id).await.expect("load");
                assert!(kept.is_some(), "the newest session {id} is kept");
            }
        });
    }

    #[cfg(feature = "tower-sessions")]
    mod tower_sessions {
        use std::collections::HashMap;

        use std::sync::Arc;

        use tower_sessions_core::SessionStore as _;
        use tower_sessions_core::session::{Id, Record};

        use super::super::tower::id_text;
        use super::super::{MemorySessionStore, SESSION_DATA_KEY};
        use super::{block, session};

        fn record(expires_in: i64) -> Record {
            Record {
                id: Id::default(),
                data: HashMap::from([("k".to_owned(), serde_json::json!("v"))]),
                expiry_date: time_now() + seconds(expires_in),
            }
        }

        fn time_now() -> time::OffsetDateTime {
            time::OffsetDateTime::now_utc()
        }

        fn seconds(n: i64) -> time::Duration {
            time::Duration::seconds(n)
        }

        #[test]
        fn a_records_id_is_keyed_as_its_cookie_carries_it() {
            for _ in 0..100 {
                let id = Id::default();
                assert_eq!(id_text(&id, &mut [0; 22]), id.to_string());
            }
        }

        #[test]
        fn records_are_stored_updated_expired_and_deleted() {
            let store = MemorySessionStore::new();
            block(async {
                let mut live = record(3600);
                store.create(&mut live).await.expect("create");
                assert_eq!(
                    store.load(&live.id).await.expect("load"),
                    Some(live.clone())
                );

                // an update that ends the session (expiry now) takes the entry out
                let mut ended = live.clone();
                ended.expiry_date = time_now() - seconds(1);
                store.save(&ended).await.expect("save");
                assert_eq!(store.load(&live.id).await.expect("load"), None);
                assert_eq!(store.len(), 0);

                // a session created expired is never found
                let mut expired = record(-5);
                store.create(&mut expired).await.expect("create");
                assert_eq!(store.load(&expired.id).await.expect("load"), None);

                let mut other = record(3600);
                store.create(&mut other).await.expect("create");
                store.delete(&other.id).await.expect("delete");
                assert_eq!(store.load(&other.id).await.expect("load"), None);
            });
        }

        #[test]
        fn a_records_session_is_decoded_once_and_a_new_records_again() {
            let store = MemorySessionStore::new();
            let with = |touched_at| {
                HashMap::from([(
                    SESSION_DATA_KEY.to_owned(),
                    serde_json::to_value(session(touched_at)).expect("JSON"),
                )])
            };
            block(async {
                let mut stored = record(3600);
                stored.data = with(1_000);
                store.create(&mut stored).await.expect("create");
                let first = store.record_session(&stored.id).expect("a session");
                let again = store.record_session(&stored.id).expect("a session");
                assert!(Arc::ptr_eq(&first, &again), "decoded once, shared");
                assert_eq!(first.touched_at, 1_000);
                // the same entry, by its cookie's text
                let by_text = store.session_now(&stored.id.to_string());
                assert!(by_text.is_some_and(|s| Arc::ptr_eq(&s, &first)));

                stored.data = with(1_060);
                store.save(&stored).await.expect("save");
                let touched = store.record_session(&stored.id).expect("a session");
                assert_eq!(touched.touched_at, 1_060, "the new record is read");

                // no session in the record: none; a record is no value of sanctum's store
                let mut other = record(3600);
                store.create(&mut other).await.expect("create");
                assert!(store.record_session(&other.id).is_none());
                let text_id = other.id.to_string();
                assert_eq!(
                    crate::session::SessionStore::load(&store, &text_id)
                        .await
                        .expect("load"),
                    None
                );
                store.delete(&stored.id).await.expect("delete");
                assert!(store.record_session(&stored.id).is_none());
            });
        }

        #[test]
        fn a_taken_id_is_never_overwritten() {
            let store = MemorySessionStore::new();
            block(async {
                let mut first = record(3600);
                store.create(&mut first).await.expect("create");
                let mut second = record(3600);
                second.id = first.id;
                store.create(&mut second).await.expect("create");
                assert_ne!(second.id, first.id, "a fresh id was drawn");
                assert_eq!(store.load(&first.id).await.expect("load"), Some(first));
                assert_eq!(
                    store.load(&second.id).await.expect("load"),
                    Some(second.clone())
                );
            });
        }
    }
}
