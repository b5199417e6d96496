//! [`RedisSessionStore`]: sessions in Redis through redis-rs, the client sanctum's shared
//! revocations already use (tower-sessions' own Redis store is built on fred, actix-session's
//! on an older redis-rs major: each would be a second Redis client in the tree for the same
//! server). `sanctum-axum`'s tower-sessions store and `sanctum-actix`'s sessions both use it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ::redis::AsyncCommands as _;

use super::refresh::StoreError;
use super::store::{SessionStore, StoreFuture};

/// Default prefix of the session keys: `sanctum:sessions:{id}`.
pub const DEFAULT_SESSION_PREFIX: &str = "sanctum:sessions";

/// Longest wait for a connection or an answer.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Sessions in Redis, shared by every instance: one key per session (`{prefix}:{id}`, its
/// value), expiring with the session (Redis drops idle and ended sessions itself). New ids are
/// claimed with `SET NX`, so an id collision never overwrites another session. Every call is
/// bounded (2 s); a failure is a [`StoreError`] (the session answers 503), never a session
/// lost. One multiplexed connection, re-opened after a failure. Needs a Tokio runtime.
///
/// ```no_run
/// use sanctum_core::session::RedisSessionStore;
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisSessionStore::from_url("redis://127.0.0.1:6379/")?;
/// # let _ = store; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisSessionStore {
    client: ::redis::Client,
    connection: Arc<tokio::sync::Mutex<Option<::redis::aio::MultiplexedConnection>>>,
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
    pub fn from_url(url: &str) -> Result<Self, ::redis::RedisError> {
        Ok(Self::with_client(::redis::Client::open(url)?))
    }

    /// A store through `client`.
    #[must_use]
    pub fn with_client(client: ::redis::Client) -> Self {
        Self {
            client,
            connection: Arc::default(),
            prefix: DEFAULT_SESSION_PREFIX.to_owned(),
        }
    }

    /// The keys under `prefix` (default [`DEFAULT_SESSION_PREFIX`]).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, id: &str) -> String {
        format!("{}:{id}", self.prefix)
    }

    /// A connection: the one kept, or a new one.
    async fn connection(&self) -> Result<::redis::aio::MultiplexedConnection, StoreError> {
        let mut kept = self.connection.lock().await;
        if let Some(connection) = &*kept {
            return Ok(connection.clone());
        }
        let config = ::redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT));
        let connection = tokio::time::timeout(
            TIMEOUT,
            self.client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await
        .map_err(|_| StoreError::new("timed out connecting to Redis"))?
        .map_err(backend)?;
        *kept = Some(connection.clone());
        Ok(connection)
    }

    /// Runs `call` on a connection; a failed connection is dropped (the next call reconnects).
    async fn with_connection<T, F>(
        &self,
        call: impl FnOnce(::redis::aio::MultiplexedConnection) -> F,
    ) -> Result<T, StoreError>
    where
        F: Future<Output = ::redis::RedisResult<T>>,
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
                Err(StoreError::new("timed out waiting for Redis"))
            }
        }
    }

    /// Writes `value` under `id` for `ttl` (at least a second); with `claim`, only if the key
    /// is free. Whether it was written.
    async fn write(
        &self,
        id: &str,
        value: &str,
        ttl: Duration,
        claim: bool,
    ) -> Result<bool, StoreError> {
        let key = self.key(id);
        let seconds = ttl.as_secs().max(1);
        self.with_connection(|mut connection| async move {
            let mut command = ::redis::cmd("SET");
            command.arg(&key).arg(value).arg("EX").arg(seconds);
            if claim {
                command.arg("NX");
            }
            let answer: Option<String> = command.query_async(&mut connection).await?;
            Ok(answer.is_some())
        })
        .await
    }
}

impl SessionStore for RedisSessionStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            let key = self.key(id);
            self.with_connection(|mut connection| async move { connection.get(key).await })
                .await
        })
    }

    fn create<'a>(&'a self, id: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, bool> {
        Box::pin(self.write(id, value, ttl, true))
    }

    fn save<'a>(&'a self, id: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.write(id, value, ttl, false).await.map(drop) })
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let key = self.key(id);
            self.with_connection(|mut connection| async move { connection.del::<_, ()>(key).await })
                .await
        })
    }
}

/// A Redis error as a store error (redis-rs errors name no password).
fn backend(err: ::redis::RedisError) -> StoreError {
    StoreError::new(format!("Redis: {err}"))
}
