//! Server-side sessions keyed by a cookie's random id, for adapters without a session framework
//! of their own (`sanctum-actix`): the [`SessionStore`] trait (a value per id, with a time to
//! live), a bounded [`MemorySessionStore`](super::MemorySessionStore), `RedisSessionStore`
//! (feature `redis`), and
//! [`StoredSessions`], the sessions' life over a store.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

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

    /// The session stored under `id`, decoded; `None` when there is none or its value is not a
    /// session of this version. The default [loads](Self::load) and decodes the value on every
    /// call; a store that keeps its values in memory keeps each one's decoding with it
    /// ([`MemorySessionStore`](super::MemorySessionStore) does), so that a request reads its session without copying or
    /// decoding the tokens, and a new value is decoded again.
    fn load_session<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<SessionData>>> {
        Box::pin(async move {
            let value = self.load(id).await?;
            Ok(value.as_deref().and_then(decode_session).map(Arc::new))
        })
    }

    /// [`load_session`](Self::load_session) without waiting, for a store that can answer so
    /// ([`MemorySessionStore`](super::MemorySessionStore) can): `Some` with the answer, `None` (the default) when the
    /// store must be asked. The adapters' hot path: a request whose session is read now and
    /// needs no write is answered without a future.
    fn load_session_now(&self, id: &str) -> Option<Option<Arc<SessionData>>> {
        let _ = id;
        None
    }
}

/// A stored value read back as a session; `None` (logged at `debug`) when it is not a session
/// of this version.
pub(super) fn decode_session(value: &str) -> Option<SessionData> {
    serde_json::from_str(value)
        .map_err(|err| tracing::debug!(error = %err, "unreadable session entry ignored"))
        .ok()
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

/// A signed-in session as a request reads it; from [`StoredSessions::read_session`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ActiveSession {
    /// The session.
    pub data: Arc<SessionData>,
    /// Written back by this read (its idle clock pushed on, or its tokens refreshed), to live
    /// this long ([`SessionTokens::time_to_live`]): send the session cookie again with this
    /// `Max-Age`.
    pub renewed: Option<Duration>,
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

    /// How long an entry written now for `data` lives: [`SessionTokens::time_to_live`].
    fn ttl(&self, data: &SessionData) -> Duration {
        self.inner.tokens.time_to_live(data)
    }

    /// The session `id` when it is signed in, refreshed first when due (and written back);
    /// `None` when there is no such session, or it ended (an ended session is removed).
    ///
    /// # Errors
    /// The store cannot be read or written, or the expired tokens cannot be refreshed now
    /// (answer 503); logged at `warn` once per outage.
    pub async fn active(&self, id: &str) -> Result<Option<Arc<SessionData>>, SessionError> {
        Ok(self.read_session(id).await?.map(|active| active.data))
    }

    /// [`active`](Self::active), saying also whether this read wrote the session back: the
    /// session cookie's new `Max-Age` to send, when it did.
    ///
    /// # Errors
    /// As [`active`](Self::active).
    pub async fn read_session(&self, id: &str) -> Result<Option<ActiveSession>, SessionError> {
        let result = self.read(id).await;
        match &result {
            Err(err) => self.inner.outage.failed(err),
            Ok(_) => self.inner.outage.answered(),
        }
        result
    }

    /// The session `id` read without waiting, when the store can answer so
    /// ([`SessionStore::load_session_now`]; a [`MemorySessionStore`](super::MemorySessionStore)
    /// can): `Some(None)` when there is no such session, `None` when the store must be asked
    /// ([`read_session`](Self::read_session)). Nothing is checked or written: see
    /// [`SessionSettings::authenticate_now`](super::SessionSettings::authenticate_now).
    ///
    /// ```
    /// # fn demo(sessions: &sanctum_core::session::StoredSessions) {
    /// match sessions.session_now("the-cookie's-value") {
    ///     Some(Some(data)) => { /* the session, as stored */ }
    ///     Some(None) => { /* no such session */ }
    ///     None => { /* ask the store: read_session(id).await */ }
    /// }
    /// # }
    /// ```
    #[must_use]
    pub fn session_now(&self, id: &str) -> Option<Option<Arc<SessionData>>> {
        if id.is_empty() || id.len() > MAX_ID {
            return Some(None);
        }
        let found = self.inner.store.load_session_now(id)?;
        self.inner.outage.answered();
        Some(found)
    }

    async fn read(&self, id: &str) -> Result<Option<ActiveSession>, SessionError> {
        if id.is_empty() || id.len() > MAX_ID {
            return Ok(None);
        }
        let Some(data) = self.inner.store.load_session(id).await? else {
            return Ok(None);
        };
        let mut slot = Slot {
            sessions: self,
            id,
            written: None,
        };
        match self
            .inner
            .tokens
            .current(id.as_bytes(), data, &mut slot)
            .await?
        {
            Current::Active(data) => Ok(Some(ActiveSession {
                data,
                renewed: slot.written,
            })),
            other => {
                tracing::debug!(state = ?other, "session over");
                self.inner.store.delete(id).await?;
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
    pub async fn end(&self, id: &str) -> Result<Option<Arc<SessionData>>, StoreError> {
        if id.is_empty() || id.len() > MAX_ID {
            return Ok(None);
        }
        let result = async {
            let data = self.inner.store.load_session(id).await?;
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
    /// The time to live of the last write.
    written: Option<Duration>,
}

impl SessionSlot for Slot<'_> {
    async fn reload(&mut self) -> Result<Option<Arc<SessionData>>, StoreError> {
        self.sessions.inner.store.load_session(self.id).await
    }

    async fn save(&mut self, data: &SessionData) -> Result<(), StoreError> {
        self.sessions.save(self.id, data).await?;
        self.written = Some(self.sessions.ttl(data));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_long_random_and_distinct() {
        let a = new_session_id().expect("id");
        let b = new_session_id().expect("id");
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }
}
