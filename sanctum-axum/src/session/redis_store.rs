//! [`RedisSessionStore`]: tower-sessions' store trait on redis-rs, the Redis client sanctum's
//! shared revocations already use (tower-sessions' own Redis store is built on fred: a second
//! Redis client in the tree for the same server).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use sanctum_core::revocation::redis::{self, AsyncCommands as _};
use tower_sessions::SessionStore;
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};

/// Default prefix of the session keys: `sanctum:sessions:{id}`.
pub const DEFAULT_SESSION_PREFIX: &str = "sanctum:sessions";

/// Longest wait for a connection or an answer.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Sessions in Redis, shared by every instance: one key per session
/// (`{prefix}:{id}`, its record as JSON), expiring with the session (Redis drops idle and ended
/// sessions itself). New ids are claimed with `SET NX`, so an id collision never overwrites
/// another session. Every call is bounded (2 s); a failure is a store error (the session
/// answers 503), never a session lost. Needs a Tokio runtime.
///
/// ```no_run
/// use sanctum_axum::session::RedisSessionStore;
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisSessionStore::from_url("redis://127.0.0.1:6379/")?;
/// # let _ = store; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisSessionStore {
    client: redis::Client,
    connection: std::sync::Arc<tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>>,
    prefix: String,
}

impl fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisSessionStore {
    /// A store on the Redis at `url` (`redis://[:password@]host:port/db`, `rediss://`);
    /// connects on first use.
    ///
    /// # Errors
    /// When `url` is not a Redis URL.
    pub fn from_url(url: &str) -> std::result::Result<Self, redis::RedisError> {
        Ok(Self::with_client(redis::Client::open(url)?))
    }

    /// A store through `client`.
    #[must_use]
    pub fn with_client(client: redis::Client) -> Self {
        Self {
            client,
            connection: std::sync::Arc::default(),
            prefix: DEFAULT_SESSION_PREFIX.to_owned(),
        }
    }

    /// The keys under `prefix` (default [`DEFAULT_SESSION_PREFIX`]).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, id: &Id) -> String {
        format!("{}:{id}", self.prefix)
    }

    /// A connection: the one kept, or a new one.
    async fn connection(&self) -> Result<redis::aio::MultiplexedConnection> {
        let mut kept = self.connection.lock().await;
        if let Some(connection) = &*kept {
            return Ok(connection.clone());
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT));
        let connection = tokio::time::timeout(
            TIMEOUT,
            self.client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await
        .map_err(|_| Error::Backend("timed out connecting to Redis".to_owned()))?
        .map_err(backend)?;
        *kept = Some(connection.clone());
        Ok(connection)
    }

    /// Runs `call` on a connection; a failed connection is dropped (the next call reconnects).
    async fn with_connection<T, F>(
        &self,
        call: impl FnOnce(redis::aio::MultiplexedConnection) -> F,
    ) -> Result<T>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let connection = self.connection().await?;
        match tokio::time::timeout(TIMEOUT, call(connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => {
                if err.is_io_error() || err.is_connection_dropped() || err.is_timeout() {
                    *self.connection.lock().await = None;
                }
                Err(backend(err))
            }
            Err(_) => {
                *self.connection.lock().await = None;
                Err(Error::Backend("timed out waiting for Redis".to_owned()))
            }
        }
    }

    /// Writes `record` with its time to live; with `claim`, only if the key is free.
    async fn write(&self, record: &Record, claim: bool) -> Result<bool> {
        let seconds = (record.expiry_date - OffsetDateTime::now_utc()).whole_seconds();
        let ttl = u64::try_from(seconds).unwrap_or(0).max(1);
        let json = serde_json::to_string(record).map_err(|e| Error::Encode(e.to_string()))?;
        let key = self.key(&record.id);
        self.with_connection(|mut connection| async move {
            let mut command = redis::cmd("SET");
            command.arg(&key).arg(json).arg("EX").arg(ttl);
            if claim {
                command.arg("NX");
            }
            let answer: Option<String> = command.query_async(&mut connection).await?;
            Ok(answer.is_some())
        })
        .await
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // a 128-bit random id is taken with negligible odds; bounded all the same
        for _ in 0..8 {
            if self.write(record, true).await? {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(Error::Backend("no free session id found".to_owned()))
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.write(record, false).await.map(drop)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let key = self.key(id);
        let json: Option<String> = self
            .with_connection(|mut connection| async move { connection.get(key).await })
            .await?;
        json.map(|json| serde_json::from_str(&json).map_err(|e| Error::Decode(e.to_string())))
            .transpose()
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let key = self.key(id);
        self.with_connection(|mut connection| async move { connection.del::<_, ()>(key).await })
            .await
    }
}

/// A Redis error as a store error (redis-rs errors name no password).
fn backend(err: redis::RedisError) -> Error {
    Error::Backend(format!("Redis: {err}"))
}
