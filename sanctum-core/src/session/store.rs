//! Server-side sessions keyed by a cookie's random id, for adapters without a session framework
//! of their own (`sanctum-actix`): the [`SessionStore`] trait (a value per id, with a time to
//! live), a bounded [`MemorySessionStore`], `RedisSessionStore` (feature `redis`), and
//! [`StoredSessions`], the sessions' life over a store.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::browser::StoreOutage;
use super::data::SessionData;
use super::refresh::{Current, SessionError, SessionSlot, SessionTokens, StoreError};

/// The future of a [`SessionStore`] call.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where server-side sessions live: a value (the session's JSON) per session id, each expiring
/// after its time to live. Every call is bounded in time by the store; a failure is a
/// [`StoreError`] (the session answers 503), never a session silently lost.
pub trait SessionStore: fmt::Debug + Send + Sync + 'static {
    /// The value stored under `id`, if any (and not expired).
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<String>>;

    /// Stores `value` under `id` for `ttl` only if `id` is free; `false` when it is taken.
    fn create<'a>(&'a self, id: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, bool>;

    /// Stores `value` under `id` for `ttl`, replacing what was there.
    fn save<'a>(&'a self, id: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, ()>;

    /// Removes `id`'s value (nothing when there is none).
    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()>;
}

/// Default for [`MemorySessionStore::with_capacity`]: 10 000 sessions (as sanctum-axum's
/// memory store).
pub const DEFAULT_MEMORY_CAPACITY: u64 = 10_000;

/// Sessions in this process's memory: for one instance (use a shared store such as
/// `RedisSessionStore` for several). Bounded: entries expire with their time to live, and past
/// the [capacity](Self::with_capacity) the least used ones are dropped (their users sign in
/// again), so abandoned sessions never pile up. Cheap to clone (clones share the entries).
#[derive(Clone)]
pub struct MemorySessionStore {
    entries: moka::sync::Cache<Arc<str>, Entry>,
}

#[derive(Clone)]
struct Entry {
    value: Arc<str>,
    ttl: Duration,
}

struct UntilTtl;

impl moka::Expiry<Arc<str>, Entry> for UntilTtl {
    fn expire_after_create(
        &self,
        _key: &Arc<str>,
        value: &Entry,
        _at: Instant,
    ) -> Option<Duration> {
        Some(value.ttl)
    }

    fn expire_after_update(
        &self,
        _key: &Arc<str>,
        value: &Entry,
        _at: Instant,
        _left: Option<Duration>,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

impl fmt::Debug for MemorySessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySessionStore")
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
                .expire_after(UntilTtl)
                .build(),
        }
    }

    /// How many sessions it holds (approximately: expired entries go in the background).
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
}

impl SessionStore for MemorySessionStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<String>> {
        let value = self.entries.get(id).map(|entry| entry.value.to_string());
        Box::pin(std::future::ready(Ok(value)))
    }

    fn create<'a>(&'a self, id: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, bool> {
        let entry = self.entries.entry(Arc::from(id)).or_insert_with(|| Entry {
            value: Arc::from(value),
            ttl,
        });
        Box::pin(std::future::ready(Ok(entry.is_fresh())))
    }

    fn save<'a>(&'a self, id: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        self.entries.insert(
            Arc::from(id),
            Entry {
                value: Arc::from(value),
                ttl,
            },
        );
        Box::pin(std::future::ready(Ok(())))
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        self.entries.invalidate(id);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// A fresh session id: 256 random bits from the system's CSPRNG, base64url (43 characters).
///
/// ```
/// let id = sanctum_core::session::new_session_id().unwrap();
/// assert_eq!(id.len(), 43);
/// ```
///
/// # Errors
/// No random bytes could be drawn.
pub fn new_session_id() -> Result<String, StoreError> {
    crate::login::random_value().map_err(|_| StoreError::new("no random session id"))
}

/// Browser sessions over a [`SessionStore`], keyed by the session cookie's id: what a web
/// adapter without a session framework of its own needs (`sanctum-actix`). Sessions are read
/// only when a request needs one (a bearer request never touches the store), refreshed through
/// [`SessionTokens`] and written straight back, so another instance (or request) sees the new
/// tokens at once. Each entry lives for the idle timeout, pushed on as the session is used, and
/// never past the session's absolute lifetime. Cheap to clone.
#[derive(Clone)]
pub struct StoredSessions {
    inner: Arc<Inner>,
}

struct Inner {
    tokens: SessionTokens,
    store: Arc<dyn SessionStore>,
    outage: StoreOutage,
}

impl fmt::Debug for StoredSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSessions")
            .field("tokens", &self.inner.tokens)
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

/// Session ids are at most this long (a cookie holding more is not one of ours).
const MAX_ID: usize = 128;

impl StoredSessions {
    /// Sessions of `tokens`' sign-ins, kept in `store`.
    #[must_use]
    pub fn new(tokens: SessionTokens, store: Arc<dyn SessionStore>) -> Self {
        Self {
            inner: Arc::new(Inner {
                tokens,
                store,
                outage: StoreOutage::new(),
            }),
        }
    }

    /// The tokens' keeper.
    #[must_use]
    pub fn tokens(&self) -> &SessionTokens {
        &self.inner.tokens
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.inner.store
    }

    /// How long an entry written now for `data` lives: the idle timeout, cut at the absolute
    /// lifetime; at least a second.
    fn ttl(&self, data: &SessionData) -> Duration {
        let policy = self.inner.tokens.policy();
        let end = data
            .signed_in_at
            .saturating_add(policy.lifetime().as_secs());
        let left = end.saturating_sub(self.inner.tokens.now());
        policy
            .idle()
            .min(Duration::from_secs(left))
            .max(Duration::from_secs(1))
    }

    /// The session `id` when it is signed in, refreshed first when due (and written back);
    /// `None` when there is no such session, or it ended (an ended session is removed).
    ///
    /// # Errors
    /// The store cannot be read or written, or the expired tokens cannot be refreshed now
    /// (answer 503); logged at `warn` once per outage.
    pub async fn active(&self, id: &str) -> Result<Option<SessionData>, SessionError> {
        let result = self.read(id).await;
        match &result {
            Err(err) => self.inner.outage.failed(err),
            Ok(_) => self.inner.outage.answered(),
        }
        result
    }

    async fn read(&self, id: &str) -> Result<Option<SessionData>, SessionError> {
        if id.is_empty() || id.len() > MAX_ID {
            return Ok(None);
        }
        let Some(data) = self.load(id).await? else {
            return Ok(None);
        };
        let mut slot = Slot { sessions: self, id };
        match self.inner.tokens.current(id, data, &mut slot).await? {
            Current::Active(data) => Ok(Some(data)),
            other => {
                tracing::debug!(state = ?other, "session over");
                self.inner.store.delete(id).await?;
                Ok(None)
            }
        }
    }

    async fn load(&self, id: &str) -> Result<Option<SessionData>, StoreError> {
        let Some(json) = self.inner.store.load(id).await? else {
            return Ok(None);
        };
        match serde_json::from_str(&json) {
            Ok(data) => Ok(Some(data)),
            Err(err) => {
                // not a session of this version: no session
                tracing::debug!(error = %err, "unreadable session entry ignored");
                Ok(None)
            }
        }
    }

    async fn save(&self, id: &str, data: &SessionData) -> Result<(), StoreError> {
        let json = serde_json::to_string(data).map_err(StoreError::new)?;
        self.inner.store.save(id, &json, self.ttl(data)).await
    }

    /// Stores the session of a completed sign-in under a fresh id, which it returns (the
    /// session cookie's new value), and removes the browser's previous session `old`: an id
    /// planted before sign-in is worth nothing after it.
    ///
    /// # Errors
    /// The store cannot be written (answer 503; nothing was signed in).
    pub async fn sign_in(
        &self,
        old: Option<&str>,
        data: &SessionData,
    ) -> Result<String, StoreError> {
        let json = serde_json::to_string(data).map_err(StoreError::new)?;
        let ttl = self.ttl(data);
        let result = async {
            // a 256-bit random id is taken with negligible odds; bounded all the same
            for _ in 0..8 {
                let id = new_session_id()?;
                if self.inner.store.create(&id, &json, ttl).await? {
                    if let Some(old) = old.filter(|old| !old.is_empty() && old.len() <= MAX_ID) {
                        self.inner.store.delete(old).await?;
                    }
                    return Ok(id);
                }
            }
            Err(StoreError::new("no free session id found"))
        }
        .await;
        match &result {
            Err(err) => self.inner.outage.failed(err),
            Ok(_) => self.inner.outage.answered(),
        }
        result
    }

    /// Ends the session `id`: removed from the store; its data, when there was one, for the
    /// sign-out's revocations.
    ///
    /// # Errors
    /// The store cannot be reached (answer 503; nothing changed).
    pub async fn end(&self, id: &str) -> Result<Option<SessionData>, StoreError> {
        if id.is_empty() || id.len() > MAX_ID {
            return Ok(None);
        }
        let result = async {
            let data = self.load(id).await?;
            self.inner.store.delete(id).await?;
            Ok(data)
        }
        .await;
        match &result {
            Err(err) => self.inner.outage.failed(err),
            Ok(_) => self.inner.outage.answered(),
        }
        result
    }

    /// Removes the session `id` after its token failed verification (revoked, say); a store
    /// failure is reported, not returned.
    pub async fn remove(&self, id: &str) {
        if let Err(err) = self.inner.store.delete(id).await {
            self.inner.outage.failed(&err);
        }
    }
}

/// A stored session as the refresh's [`SessionSlot`]: read again from the store, written
/// straight back.
struct Slot<'a> {
    sessions: &'a StoredSessions,
    id: &'a str,
}

impl SessionSlot for Slot<'_> {
    async fn reload(&mut self) -> Result<Option<SessionData>, StoreError> {
        self.sessions.load(self.id).await
    }

    async fn save(&mut self, data: &SessionData) -> Result<(), StoreError> {
        self.sessions.save(self.id, data).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<T>(future: impl Future<Output = T>) -> T {
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
    }

    #[test]
    fn session_ids_are_long_random_and_distinct() {
        let a = new_session_id().expect("id");
        let b = new_session_id().expect("id");
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }
}
