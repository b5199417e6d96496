//! [`RedisRevocations`]: revocations shared by every instance of a service through Redis.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::StreamExt as _;
use tokio::sync::mpsc;

use super::{InMemoryRevocations, Revocation, RevocationStore};
use crate::claims::CognitoClaims;
use crate::clock::unix_seconds;

/// Default prefix of the Redis keys and channel.
pub const DEFAULT_PREFIX: &str = "sanctum:revocations";

/// The longest wait between two attempts to reach Redis.
const MAX_RETRY: Duration = Duration::from_secs(5);

/// Keeps the larger `before`/`at` of a hash field and tells the other instances.
const RECORD_SCRIPT: &str = r"
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (not current) or tonumber(current) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
redis.call('PUBLISH', KEYS[2], ARGV[3])
return 1
";

/// Revocations shared through Redis: each instance keeps a local copy and answers every
/// lookup from it, so no request waits on Redis.
///
/// - [`record`](RevocationStore::record) applies a revocation locally at once and sends it to
///   Redis in the background (a hash per kind, the larger time kept, and a `PUBLISH`);
/// - every instance subscribes to the channel and applies what others record, within
///   milliseconds;
/// - on (re)connecting, an instance reloads the hashes (catching up on what it missed) and
///   sends what it recorded while Redis was away;
/// - while Redis is unreachable, lookups go on with the local copy; the outage is logged
///   (`tracing` warn) and visible in [`health`](Self::health), and connecting is retried
///   (backoff up to 5 s).
///
/// Needs a Tokio runtime (the background task is spawned on it).
///
/// ```no_run
/// use std::sync::Arc;
/// use sanctum_core::revocation::RedisRevocations;
/// use sanctum_core::{UserPool, Verifier};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let revocations = RedisRevocations::start("redis://127.0.0.1:6379/")?;
/// let verifier = Verifier::builder()
///     .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
///     .revocations(revocations.clone())
///     .build()?;
/// # let _ = verifier; Ok(()) }
/// ```
pub struct RedisRevocations {
    local: InMemoryRevocations,
    prefix: String,
    health: Mutex<RedisHealth>,
    outbox: mpsc::UnboundedSender<Revocation>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Revocations recorded here, and how many of them Redis has (for [`RedisRevocations::flush`]).
    recorded: AtomicU64,
    sent: AtomicU64,
    sent_notify: tokio::sync::Notify,
}

/// Whether a [`RedisRevocations`] is in touch with Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisHealth {
    /// Subscribed and caught up: revocations of other instances arrive.
    pub connected: bool,
    /// Why the last attempt failed, while disconnected.
    pub last_error: Option<String>,
    /// Revocations recorded here and not yet sent to Redis.
    pub unsent: usize,
    /// Completed (re)connections, each with a full reload.
    pub syncs: u64,
}

/// A Redis URL that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid Redis URL: {0}")]
pub struct RedisUrlError(#[source] redis::RedisError);

impl RedisRevocations {
    /// Starts a store on the Redis at `url` (`redis://host:port/db`) with the default key
    /// prefix and entry lifetime; connects in the background. Needs a Tokio runtime.
    ///
    /// # Errors
    /// When `url` is not a Redis URL.
    pub fn start(url: &str) -> Result<Arc<Self>, RedisUrlError> {
        Self::start_with(url, DEFAULT_PREFIX, InMemoryRevocations::new())
    }

    /// As [`start`](Self::start), with the keys and channel under `prefix`, and `local` as the
    /// local copy (its entry lifetime applies).
    ///
    /// # Errors
    /// When `url` is not a Redis URL.
    pub fn start_with(
        url: &str,
        prefix: &str,
        local: InMemoryRevocations,
    ) -> Result<Arc<Self>, RedisUrlError> {
        let client = redis::Client::open(url).map_err(RedisUrlError)?;
        let (outbox, inbox) = mpsc::unbounded_channel();
        let store = Arc::new(Self {
            local,
            prefix: prefix.to_owned(),
            health: Mutex::new(RedisHealth {
                connected: false,
                last_error: None,
                unsent: 0,
                syncs: 0,
            }),
            outbox,
            task: Mutex::new(None),
            recorded: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            sent_notify: tokio::sync::Notify::new(),
        });
        let task = tokio::spawn(run(client, Arc::downgrade(&store), inbox));
        *lock(&store.task) = Some(task);
        Ok(store)
    }

    /// Whether Redis is reachable now, and what is still to send.
    #[must_use]
    pub fn health(&self) -> RedisHealth {
        lock(&self.health).clone()
    }

    /// Waits until every revocation recorded here so far is stored in Redis and published, at
    /// most `timeout`; `true` when it is. For short-lived processes (a CLI) that record and
    /// exit: the sending happens in the background.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let target = self.recorded.load(Ordering::Acquire);
        let wait = async {
            loop {
                let notified = self.sent_notify.notified();
                if self.sent.load(Ordering::Acquire) >= target {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok()
    }

    /// Counts one revocation as stored in Redis.
    fn mark_sent(&self) {
        self.sent.fetch_add(1, Ordering::AcqRel);
        self.sent_notify.notify_waiters();
    }

    /// The local copy (what lookups answer from).
    #[must_use]
    pub fn local(&self) -> &InMemoryRevocations {
        &self.local
    }

    fn keys(&self) -> (String, String, String) {
        (
            format!("{}:subjects", self.prefix),
            format!("{}:origins", self.prefix),
            format!("{}:events", self.prefix),
        )
    }

    fn set_health(&self, change: impl FnOnce(&mut RedisHealth)) {
        change(&mut lock(&self.health));
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Drop for RedisRevocations {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
    }
}

impl RevocationStore for RedisRevocations {
    fn is_revoked(&self, claims: &CognitoClaims, now: u64) -> bool {
        self.local.is_revoked(claims, now)
    }

    fn record(&self, revocation: Revocation) {
        self.local.record(revocation.clone());
        self.set_health(|h| h.unsent += 1);
        self.recorded.fetch_add(1, Ordering::AcqRel);
        if self.outbox.send(revocation).is_err() {
            tracing::warn!("the Redis revocation task has stopped; revocation kept locally only");
        }
    }
}

impl fmt::Debug for RedisRevocations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRevocations")
            .field("prefix", &self.prefix)
            .field("local", &self.local)
            .field("health", &self.health())
            .finish_non_exhaustive()
    }
}

/// The background task: connect, catch up, follow; on any failure wait and start over.
async fn run(
    client: redis::Client,
    store: std::sync::Weak<RedisRevocations>,
    mut inbox: mpsc::UnboundedReceiver<Revocation>,
) {
    let mut pending: VecDeque<Revocation> = VecDeque::new();
    let mut wait = Duration::from_millis(100);
    loop {
        let Some(this) = store.upgrade() else { return };
        match session(&client, &this, &mut inbox, &mut pending).await {
            Ok(()) => return, // the store is gone
            Err(err) => {
                let reason = err.to_string();
                let was_connected = this.health().connected;
                this.set_health(|h| {
                    h.connected = false;
                    h.last_error = Some(reason.clone());
                    h.unsent = pending.len() + inbox.len();
                });
                if was_connected {
                    tracing::warn!(error = %reason, "lost Redis: revocations are enforced from the local copy until it returns");
                } else {
                    tracing::debug!(error = %reason, "Redis still unreachable");
                }
            }
        }
        drop(this);
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(MAX_RETRY);
    }
}

/// One connection's life: subscribe, reload, send what is pending, then follow both ways.
async fn session(
    client: &redis::Client,
    this: &RedisRevocations,
    inbox: &mut mpsc::UnboundedReceiver<Revocation>,
    pending: &mut VecDeque<Revocation>,
) -> redis::RedisResult<()> {
    let (subjects_key, origins_key, channel) = this.keys();
    let mut conn = client.get_multiplexed_async_connection().await?;
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(&channel).await?;
    // catch up on what was recorded while we were away
    let subjects: HashMap<String, u64> = redis::cmd("HGETALL")
        .arg(&subjects_key)
        .query_async(&mut conn)
        .await?;
    let origins: HashMap<String, u64> = redis::cmd("HGETALL")
        .arg(&origins_key)
        .query_async(&mut conn)
        .await?;
    // entries no token can be covered by any more are dropped, here and in Redis
    let now = unix_seconds(SystemTime::now());
    let lifetime = this.local.max_token_lifetime();
    let live = |at: u64| at.saturating_add(lifetime) > now;
    let mut stale: Vec<(&str, String)> = Vec::new();
    for (sub, before) in subjects {
        if live(before.saturating_sub(1)) {
            this.local.record(Revocation::Subject { sub, before });
        } else {
            stale.push((&subjects_key, sub));
        }
    }
    for (origin_jti, at) in origins {
        if live(at) {
            this.local.record(Revocation::Origin { origin_jti, at });
        } else {
            stale.push((&origins_key, origin_jti));
        }
    }
    for (key, field) in stale {
        let _: i64 = redis::cmd("HDEL")
            .arg(key)
            .arg(field)
            .query_async(&mut conn)
            .await?;
    }
    // send what was recorded here meanwhile
    while let Some(revocation) = pending.pop_front() {
        if let Err(err) = send(&mut conn, this, &revocation).await {
            pending.push_front(revocation);
            return Err(err);
        }
        this.mark_sent();
    }
    this.set_health(|h| {
        h.connected = true;
        h.last_error = None;
        h.syncs += 1;
        h.unsent = inbox.len();
    });
    tracing::info!("revocations in sync with Redis");
    let mut messages = pubsub.into_on_message();
    loop {
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else {
                    return Err(redis::RedisError::from((
                        redis::ErrorKind::Io,
                        "the Redis subscription ended",
                    )));
                };
                let payload: Vec<u8> = message.get_payload_bytes().to_vec();
                match serde_json::from_slice::<Revocation>(&payload) {
                    Ok(revocation) => this.local.record(revocation),
                    Err(_) => tracing::debug!("ignoring a revocation message that does not parse"),
                }
            }
            revocation = inbox.recv() => {
                let Some(revocation) = revocation else { return Ok(()) };
                if let Err(err) = send(&mut conn, this, &revocation).await {
                    pending.push_back(revocation);
                    return Err(err);
                }
                this.mark_sent();
                this.set_health(|h| h.unsent = inbox.len());
            }
        }
    }
}

/// Stores a revocation (keeping the larger time) and publishes it.
async fn send(
    conn: &mut redis::aio::MultiplexedConnection,
    this: &RedisRevocations,
    revocation: &Revocation,
) -> redis::RedisResult<()> {
    let (subjects_key, origins_key, channel) = this.keys();
    let (key, field, time) = match revocation {
        Revocation::Subject { sub, before } => (subjects_key, sub.clone(), *before),
        Revocation::Origin { origin_jti, at } => (origins_key, origin_jti.clone(), *at),
    };
    let message = serde_json::to_string(revocation).unwrap_or_default();
    let _: i64 = redis::cmd("EVAL")
        .arg(RECORD_SCRIPT)
        .arg(2)
        .arg(&key)
        .arg(&channel)
        .arg(&field)
        .arg(time)
        .arg(&message)
        .query_async(conn)
        .await?;
    Ok(())
}
