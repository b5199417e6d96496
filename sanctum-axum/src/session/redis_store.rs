//! [`RedisSessionStore`]: tower-sessions' store trait over
//! [`sanctum_core::session::RedisSessionStore`] (redis-rs, the Redis client sanctum's shared
//! revocations already use; tower-sessions' own Redis store is built on fred: a second Redis
//! client in the tree for the same server).

use std::time::Duration;

use async_trait::async_trait;
use sanctum_core::revocation::redis;
use sanctum_core::session::{RedisSessionStore as Sessions, SessionStore as _, StoreError};
use time::OffsetDateTime;
use tower_sessions_core::SessionStore;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{Error, Result};

pub use sanctum_core::session::DEFAULT_SESSION_PREFIX;

/// Sessions in Redis, shared by every instance: one key per session
/// (`{prefix}:{id}`, its record as JSON), expiring with the session (Redis drops idle and ended
/// sessions itself). New ids are claimed with `SET NX`, so an id collision never overwrites
/// another session. Every call is bounded (2 s); a failure is a store error (the session
/// answers 503), never a session lost. Needs a Tokio runtime. The keys, time to live and
/// connection handling are [`sanctum_core::session::RedisSessionStore`]'s, shared with
/// `sanctum-actix`.
///
/// ```no_run
/// use sanctum_axum::session::RedisSessionStore;
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisSessionStore::from_url("redis://127.0.0.1:6379/")?;
/// # let _ = store; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RedisSessionStore {
    sessions: Sessions,
}

impl RedisSessionStore {
    /// A store on the Redis at `url` (`redis://[:password@]host:port/db`, `rediss://`);
    /// connects on first use.
    ///
    /// # Errors
    /// When `url` is not a Redis URL.
    pub fn from_url(url: &str) -> std::result::Result<Self, redis::RedisError> {
        Ok(Self {
            sessions: Sessions::from_url(url)?,
        })
    }

    /// A store through `client`.
    #[must_use]
    pub fn with_client(client: redis::Client) -> Self {
        Self {
            sessions: Sessions::with_client(client),
        }
    }

    /// The keys under `prefix` (default [`DEFAULT_SESSION_PREFIX`]).
    #[must_use]
    pub fn prefix(self, prefix: impl Into<String>) -> Self {
        Self {
            sessions: self.sessions.prefix(prefix),
        }
    }

    /// `record` as JSON, and how long it has left.
    fn encode(record: &Record) -> Result<(String, Duration)> {
        let seconds = (record.expiry_date - OffsetDateTime::now_utc()).whole_seconds();
        let ttl = Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
        let json = serde_json::to_string(record).map_err(|e| Error::Encode(e.to_string()))?;
        Ok((json, ttl))
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // a 128-bit random id is taken with negligible odds; bounded all the same
        for _ in 0..8 {
            let (json, ttl) = Self::encode(record)?;
            let id = record.id.to_string();
            if self
                .sessions
                .create(&id, &json, ttl)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(Error::Backend("no free session id found".to_owned()))
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let (json, ttl) = Self::encode(record)?;
        let id = record.id.to_string();
        self.sessions.save(&id, &json, ttl).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let id = id.to_string();
        let json = self.sessions.load(&id).await.map_err(backend)?;
        json.map(|json| serde_json::from_str(&json).map_err(|e| Error::Decode(e.to_string())))
            .transpose()
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let id = id.to_string();
        self.sessions.delete(&id).await.map_err(backend)
    }
}

fn backend(err: StoreError) -> Error {
    Error::Backend(err.message)
}
