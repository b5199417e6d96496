//! [`RedisRevocations`]: revocations shared by every instance of a service through Redis.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::StreamExt as _;
use tracing::Instrument as _;

use super::{
    DEFAULT_MAX_TOKEN_LIFETIME, InMemoryRevocations, MAX_AHEAD, Revocation, RevocationCheck,
    RevocationStore,
};
use crate::claims::CognitoClaims;
use crate::clock::{Clock, SystemClock, unix_seconds};

/// Default prefix of the Redis keys and channel.
pub const DEFAULT_PREFIX: &str = "sanctum:revocations";

/// Default for how many revocations wait for Redis at most
/// ([`RedisRevocationsBuilder::outbox_capacity`]).
pub const DEFAULT_OUTBOX_CAPACITY: usize = 10_000;

/// The longest wait between two attempts to reach Redis.
const MAX_RETRY: Duration = Duration::from_secs(5);

/// While a problem lasts, it is logged at `warn` at most this often (the attempts in between
/// at `debug`, counted in the next warning).
const WARN_EVERY: Duration = Duration::from_secs(60);

/// Longest wait for a connection, the subscription or the catch-up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Stores one revocation in its kind's sorted set (member: the `sub` or `origin_jti`; score:
/// its time, the larger one kept), trims the members no token can be covered by any more,
/// keeps the key no longer than its newest member needs, and tells the other instances. A key
/// that holds something other than a sorted set (written by someone else) is left alone, and
/// the revocation still published: one bad key never stops revocations from travelling.
///
/// KEYS: the sorted set (the one key it touches: one slot in a cluster). ARGV: member, time,
/// message, the oldest live time, the key's time to live (the entry lifetime + [`MAX_AHEAD`]:
/// no member's time is more than [`MAX_AHEAD`] ahead, so the key outlives none of them), the
/// channel. Returns 1 when stored, 0 when the key had another type.
const RECORD_SCRIPT: &str = r"
local kind = redis.call('TYPE', KEYS[1])['ok']
local stored = 0
if kind == 'zset' or kind == 'none' then
  redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  stored = 1
end
redis.call('PUBLISH', ARGV[6], ARGV[3])
return stored
";

/// Revocations shared through Redis: each instance keeps a local copy and answers every
/// lookup from it, so no request waits on Redis.
///
/// - [`record`](RevocationStore::record) applies a revocation locally at once and queues it
///   for Redis (a bounded outbox: when it is full, the newest are kept locally only, counted
///   in [`RedisHealth::overflowed`] and logged);
/// - in Redis, each kind is a sorted set scored by the revocation's time: a member is trimmed
///   once no token it covers can still be valid (on every write), and the key expires with its
///   newest member, so Redis never grows without bound; the write is a `PUBLISH` too;
/// - every instance subscribes to the channel and applies what others record, within
///   milliseconds;
/// - on (re)connecting, an instance reloads the live members (catching up on what it missed:
///   one bulk load) and sends what it queued while Redis was away;
/// - a member or message that does not make sense (not UTF-8, a time that is not a number or
///   far in the future) is skipped and logged, never blocking the others; a time more than
///   [`MAX_AHEAD`] ahead of this clock is brought back to it;
/// - while Redis is unreachable, lookups go on with the local copy; every failure is logged at
///   `warn` (at most once a minute while it lasts, the URL's password never included) and is
///   visible in [`health`](Self::health), and connecting is retried (backoff up to 5 s). With
///   [`fail_closed_after`](RedisRevocationsBuilder::fail_closed_after), a copy stale for
///   longer than that refuses tokens as 503 instead.
///
/// `redis://` and `rediss://` (TLS, rustls, the system's roots: ElastiCache with in-transit
/// encryption, ElastiCache Serverless) URLs; your own [`redis::Client`] (another CA, client
/// certificates) through [`builder_with_client`](Self::builder_with_client). Needs Redis 6.2
/// or later (or Valkey), and a Tokio runtime (the background task is spawned on it).
///
/// ```no_run
/// use std::sync::Arc;
/// use sanctum_core::revocation::RedisRevocations;
/// use sanctum_core::{UserPool, Verifier};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let revocations = RedisRevocations::start("rediss://:secret@my-cache.serverless.use1.cache.amazonaws.com:6379")?;
/// let verifier = Verifier::builder()
///     .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
///     .revocations(revocations.clone())
///     .build()?;
/// # let _ = verifier; Ok(()) }
/// ```
pub struct RedisRevocations {
    shared: Arc<Shared>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// What the store and its background task share.
struct Shared {
    local: InMemoryRevocations,
    prefix: String,
    health: Mutex<RedisHealth>,
    outbox: Mutex<VecDeque<Revocation>>,
    outbox_capacity: usize,
    outbox_ready: tokio::sync::Notify,
    clock: Arc<dyn Clock>,
    /// Monotonic milliseconds + 1 since the local copy is not in sync with Redis (0: in sync).
    stale_since: AtomicU64,
    /// Refuse lookups as unavailable once stale this long (milliseconds).
    fail_closed_after: Option<u64>,
    /// Secrets of the URL (the password), scrubbed from every logged error.
    secrets: Vec<String>,
    /// Revocations recorded here, and how many of them Redis has (for [`RedisRevocations::flush`]).
    recorded: AtomicU64,
    sent: AtomicU64,
    sent_notify: tokio::sync::Notify,
    /// Rate limits of the warnings: failures to reach Redis, outbox overflow, skipped data.
    failure_warnings: Limiter,
    overflow_warnings: Limiter,
    skip_warnings: Limiter,
}

/// Whether a [`RedisRevocations`] is in touch with Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisHealth {
    /// Subscribed and caught up: revocations of other instances arrive.
    pub connected: bool,
    /// Why the last attempt failed, while disconnected (the URL's password never in it).
    pub last_error: Option<String>,
    /// Revocations recorded here and not yet sent to Redis.
    pub unsent: usize,
    /// Completed (re)connections, each with a full reload.
    pub syncs: u64,
    /// Attempts to reach Redis that failed since the last success.
    pub failed_attempts: u64,
    /// Revocations recorded here while the outbox was full: applied locally, never sent.
    pub overflowed: u64,
    /// Members and messages read from Redis that made no sense and were skipped, or whose time
    /// was brought back.
    pub skipped: u64,
    /// Revocations sent but not stored in Redis because their key holds another type (they
    /// were still published to the instances listening).
    pub not_stored: u64,
}

/// A Redis URL that cannot be used.
///
/// Returned by [`RedisRevocations::builder`](super::RedisRevocations::builder).
#[derive(Debug, thiserror::Error)]
#[error("invalid Redis URL: {0}")]
pub struct RedisUrlError(#[source] redis::RedisError);

/// Builds a [`RedisRevocations`]; see [`RedisRevocations::builder`].
#[must_use]
pub struct RedisRevocationsBuilder {
    client: Result<redis::Client, RedisUrlError>,
    prefix: String,
    local: Option<InMemoryRevocations>,
    max_token_lifetime: Duration,
    outbox_capacity: usize,
    fail_closed_after: Option<Duration>,
    clock: Arc<dyn Clock>,
}

impl RedisRevocations {
    /// Starts a store on the Redis at `url` (`redis://[:password@]host:port/db`, or
    /// `rediss://` for TLS) with the defaults; connects in the background. Needs a Tokio
    /// runtime.
    ///
    /// # Errors
    /// When `url` is not a Redis URL.
    pub fn start(url: &str) -> Result<Arc<Self>, RedisUrlError> {
        Self::builder(url).start()
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
        Self::builder(url).prefix(prefix).local(local).start()
    }

    /// A builder for a store on the Redis at `url` (checked by
    /// [`start`](RedisRevocationsBuilder::start)).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use sanctum_core::revocation::RedisRevocations;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let revocations = RedisRevocations::builder("rediss://:secret@cache.example.internal:6379")
    ///     .prefix("my-service:revocations")
    ///     .max_token_lifetime(Duration::from_secs(3600))
    ///     // refuse tokens (503) once cut off from Redis for 5 minutes
    ///     .fail_closed_after(Duration::from_secs(300))
    ///     .start()?;
    /// # let _ = revocations; Ok(()) }
    /// ```
    pub fn builder(url: &str) -> RedisRevocationsBuilder {
        RedisRevocationsBuilder::new(redis::Client::open(url).map_err(RedisUrlError))
    }

    /// A builder for a store on a [`redis::Client`] of your own: another CA, a client
    /// certificate ([`redis::Client::build_with_tls`]), or a connection configured otherwise.
    ///
    /// ```no_run
    /// use sanctum_core::revocation::RedisRevocations;
    /// use sanctum_core::revocation::redis::{Client, TlsCertificates};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = Client::build_with_tls(
    ///     "rediss://cache.example.internal:6379",
    ///     TlsCertificates { client_tls: None, root_cert: Some(std::fs::read("ca.pem")?) },
    /// )?;
    /// let revocations = RedisRevocations::builder_with_client(client).start()?;
    /// # let _ = revocations; Ok(()) }
    /// ```
    pub fn builder_with_client(client: redis::Client) -> RedisRevocationsBuilder {
        RedisRevocationsBuilder::new(Ok(client))
    }

    /// Whether Redis is reachable now, and what is still to send.
    #[must_use]
    pub fn health(&self) -> RedisHealth {
        let mut health = lock(&self.shared.health).clone();
        health.unsent = lock(&self.shared.outbox).len();
        health
    }

    /// Waits until every revocation recorded here so far is stored in Redis and published, at
    /// most `timeout`; `true` when it is, `false` when the time ran out or when one of them
    /// never will be (it overflowed the outbox: [`RedisHealth::overflowed`]). For short-lived
    /// processes (a CLI) that record and exit: the sending happens in the background.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let shared = &*self.shared;
        let target = shared.recorded.load(Ordering::Acquire);
        let wait = async {
            loop {
                let notified = shared.sent_notify.notified();
                let done = shared.sent.load(Ordering::Acquire) + lock(&shared.health).overflowed;
                if done >= target {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok() && lock(&shared.health).overflowed == 0
    }

    /// The local copy (what lookups answer from).
    #[must_use]
    pub fn local(&self) -> &InMemoryRevocations {
        &self.shared.local
    }
}

impl RedisRevocationsBuilder {
    fn new(client: Result<redis::Client, RedisUrlError>) -> Self {
        Self {
            client,
            prefix: DEFAULT_PREFIX.to_owned(),
            local: None,
            max_token_lifetime: DEFAULT_MAX_TOKEN_LIFETIME,
            outbox_capacity: DEFAULT_OUTBOX_CAPACITY,
            fail_closed_after: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Prefix of the Redis keys and channel (default [`DEFAULT_PREFIX`]); instances that share
    /// revocations use the same.
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_owned();
        self
    }

    /// How long an entry is kept, here and in Redis: the longest a token of your pool lives
    /// (default [`DEFAULT_MAX_TOKEN_LIFETIME`], 1 day). Replaces a [`local`](Self::local) copy
    /// given before.
    pub fn max_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_token_lifetime = lifetime;
        self.local = None;
        self
    }

    /// The local copy to start from (its entry lifetime applies).
    pub fn local(mut self, local: InMemoryRevocations) -> Self {
        self.max_token_lifetime = Duration::from_secs(local.max_token_lifetime());
        self.local = Some(local);
        self
    }

    /// How many revocations may wait for Redis (default [`DEFAULT_OUTBOX_CAPACITY`], at least
    /// 1); the oldest are kept, later ones are applied locally only and counted in
    /// [`RedisHealth::overflowed`].
    pub fn outbox_capacity(mut self, capacity: usize) -> Self {
        self.outbox_capacity = capacity.max(1);
        self
    }

    /// Opt-in: once the local copy has been out of sync with Redis (not connected, from the
    /// start or since the connection was lost) for `after`, lookups answer
    /// [`RevocationCheck::Unavailable`], which the verifier refuses as 503
    /// ([`VerifyError::RevocationCheckUnavailable`](crate::VerifyError::RevocationCheckUnavailable)),
    /// until Redis is back and caught up. Off by default: tokens are then checked against the
    /// local copy however old it is.
    pub fn fail_closed_after(mut self, after: Duration) -> Self {
        self.fail_closed_after = Some(after);
        self
    }

    /// The clock whose monotonic time measures how long the copy has been stale and spaces
    /// out warnings (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Starts the store; connects in the background. Needs a Tokio runtime.
    ///
    /// # Errors
    /// When the URL given to [`RedisRevocations::builder`] is not a Redis URL.
    pub fn start(self) -> Result<Arc<RedisRevocations>, RedisUrlError> {
        let client = self.client?;
        if matches!(
            client.get_connection_info().addr(),
            redis::ConnectionAddr::TcpTls { .. }
        ) {
            install_crypto_provider();
        }
        let secrets = client
            .get_connection_info()
            .redis_settings()
            .password()
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .into_iter()
            .collect();
        let local = self.local.unwrap_or_else(|| {
            InMemoryRevocations::with_max_token_lifetime(self.max_token_lifetime)
        });
        let now_ms = millis(self.clock.monotonic());
        let shared = Arc::new(Shared {
            local,
            prefix: self.prefix,
            health: Mutex::new(RedisHealth {
                connected: false,
                last_error: None,
                unsent: 0,
                syncs: 0,
                failed_attempts: 0,
                overflowed: 0,
                skipped: 0,
                not_stored: 0,
            }),
            outbox: Mutex::new(VecDeque::new()),
            outbox_capacity: self.outbox_capacity,
            outbox_ready: tokio::sync::Notify::new(),
            clock: self.clock,
            stale_since: AtomicU64::new(now_ms + 1),
            fail_closed_after: self.fail_closed_after.map(millis),
            secrets,
            recorded: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            sent_notify: tokio::sync::Notify::new(),
            failure_warnings: Limiter::default(),
            overflow_warnings: Limiter::default(),
            skip_warnings: Limiter::default(),
        });
        let task = tokio::spawn(run(client, Arc::clone(&shared)));
        Ok(Arc::new(RedisRevocations {
            shared,
            task: Mutex::new(Some(task)),
        }))
    }
}

impl fmt::Debug for RedisRevocationsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRevocationsBuilder")
            .field("prefix", &self.prefix)
            .field("max_token_lifetime", &self.max_token_lifetime)
            .field("outbox_capacity", &self.outbox_capacity)
            .field("fail_closed_after", &self.fail_closed_after)
            .finish_non_exhaustive()
    }
}

/// `rediss://` goes through rustls, whose `ClientConfig::builder` needs a process-wide crypto
/// provider: aws-lc-rs (the one sanctum uses) is installed unless the application installed
/// one, so a build that also enables rustls's `ring` does not panic.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // losing a race to another installer is fine: there is one then
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
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
        self.shared.local.is_revoked(claims, now)
    }

    fn check(&self, claims: &CognitoClaims, now: u64) -> RevocationCheck {
        if self.shared.local.is_revoked(claims, now) {
            RevocationCheck::Revoked
        } else if self.shared.fails_closed() {
            RevocationCheck::Unavailable
        } else {
            RevocationCheck::NotRevoked
        }
    }

    fn record(&self, revocation: Revocation) {
        let shared = &*self.shared;
        let (revocation, changed) = revocation.bounded(unix_seconds(SystemTime::now()));
        if changed {
            tracing::warn!(
                "a revocation's time was more than 60 s ahead of this clock; recorded as now + 60 s"
            );
        }
        shared.local.record(revocation.clone());
        shared.recorded.fetch_add(1, Ordering::AcqRel);
        {
            let mut outbox = lock(&shared.outbox);
            if outbox.len() < shared.outbox_capacity {
                outbox.push_back(revocation);
                drop(outbox);
                shared.report();
                shared.outbox_ready.notify_one();
                return;
            }
        }
        let overflowed = {
            let mut health = lock(&shared.health);
            health.overflowed += 1;
            health.overflowed
        };
        shared.sent_notify.notify_waiters();
        if let Some(since) = shared.overflow_warnings.allow(&*shared.clock) {
            tracing::warn!(
                capacity = shared.outbox_capacity,
                overflowed,
                since_last_warning = since,
                "Redis revocation outbox full: this revocation is enforced here only, other instances will not hear of it"
            );
        }
    }
}

impl fmt::Debug for RedisRevocations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRevocations")
            .field("prefix", &self.shared.prefix)
            .field("local", &self.shared.local)
            .field("health", &self.health())
            .field("fail_closed_after_ms", &self.shared.fail_closed_after)
            .finish_non_exhaustive()
    }
}

/// Spaces out warnings of one kind: the first at once, then at most one per [`WARN_EVERY`]
/// (a connection that keeps dropping warns once a minute too, not on every reconnection).
#[derive(Default)]
struct Limiter {
    /// Monotonic milliseconds + 1 of the last warning (0: none yet).
    last: AtomicU64,
    /// Occurrences since the last warning.
    quiet: AtomicU64,
}

impl Limiter {
    /// `Some(occurrences not warned about since the last warning)` when this one may warn.
    fn allow(&self, clock: &dyn Clock) -> Option<u64> {
        let now = millis(clock.monotonic()) + 1;
        let last = self.last.load(Ordering::Acquire);
        if last == 0 || now.saturating_sub(last) >= millis(WARN_EVERY) {
            self.last.store(now, Ordering::Release);
            Some(self.quiet.swap(0, Ordering::AcqRel))
        } else {
            self.quiet.fetch_add(1, Ordering::AcqRel);
            None
        }
    }
}

impl Shared {
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

    /// Whether lookups must answer "unavailable": stale for longer than `fail_closed_after`.
    #[inline]
    fn fails_closed(&self) -> bool {
        let Some(limit) = self.fail_closed_after else {
            return false;
        };
        let since = self.stale_since.load(Ordering::Acquire);
        since != 0 && (millis(self.clock.monotonic()) + 1).saturating_sub(since) >= limit
    }

    /// `message` with the URL's secrets replaced.
    fn redact(&self, message: String) -> String {
        self.secrets.iter().fold(message, |m, secret| {
            m.replace(secret.as_str(), "<redacted>")
        })
    }

    /// Counts skipped or corrected data from Redis, warning at most once a minute.
    fn skipped(&self, count: u64, what: &str) {
        if count == 0 {
            return;
        }
        self.set_health(|h| h.skipped += count);
        if let Some(since) = self.skip_warnings.allow(&*self.clock) {
            tracing::warn!(
                count,
                since_last_warning = since,
                prefix = %self.prefix,
                "skipped revocation data from Redis that makes no sense: {what}"
            );
        }
    }

    /// Sets the gauges (feature `metrics`): connected, how long the local copy has been out
    /// of sync, what waits to be sent. Takes and releases the health and outbox locks.
    fn report(&self) {
        #[cfg(feature = "metrics")]
        {
            let connected = lock(&self.health).connected;
            let since = self.stale_since.load(Ordering::Acquire);
            let lag_ms = if since == 0 {
                0
            } else {
                (millis(self.clock.monotonic()) + 1).saturating_sub(since)
            };
            let outbox = lock(&self.outbox).len();
            crate::observe::metrics::revocation_store(connected, lag_ms / 1000, outbox);
        }
    }

    /// Counts one revocation as stored in Redis.
    fn mark_sent(&self) {
        self.sent.fetch_add(1, Ordering::AcqRel);
        self.sent_notify.notify_waiters();
    }
}

/// The background task: connect, catch up, follow; on any failure wait and start over.
async fn run(client: redis::Client, shared: Arc<Shared>) {
    let mut wait = Duration::from_millis(100);
    loop {
        let err = session(&client, &shared).await;
        let reason = shared.redact(err.to_string());
        let was_connected = lock(&shared.health).connected;
        shared.set_health(|h| {
            h.connected = false;
            h.last_error = Some(reason.clone());
            h.failed_attempts += 1;
        });
        let _ = shared.stale_since.compare_exchange(
            0,
            millis(shared.clock.monotonic()) + 1,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        shared.report();
        if was_connected {
            wait = Duration::from_millis(100);
        }
        match shared.failure_warnings.allow(&*shared.clock) {
            Some(since) if was_connected => tracing::warn!(
                error = %reason,
                failures_since_last_warning = since,
                "lost Redis: revocations are enforced from the local copy until it returns"
            ),
            Some(since) => tracing::warn!(
                error = %reason,
                failures_since_last_warning = since,
                "cannot reach Redis: revocations recorded by other instances are not seen here until it can"
            ),
            None => tracing::debug!(error = %reason, "Redis still unreachable"),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(MAX_RETRY);
    }
}

/// One connection's life: subscribe, reload, send what is queued, then follow both ways.
/// Returns why it ended.
async fn session(client: &redis::Client, shared: &Shared) -> redis::RedisError {
    match follow(client, shared).await {
        Ok(never) => match never {},
        Err(err) => err,
    }
}

/// A type with no value: [`follow`] only ends with an error.
enum Never {}

async fn follow(client: &redis::Client, shared: &Shared) -> redis::RedisResult<Never> {
    let (subjects_key, origins_key, channel) = shared.keys();
    let timed_out = || {
        redis::RedisError::from((
            redis::ErrorKind::Io,
            "timed out connecting to Redis or reading the revocations",
        ))
    };
    let (mut conn, pubsub) = tokio::time::timeout(CONNECT_TIMEOUT, async {
        let conn = client.get_multiplexed_async_connection().await?;
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(&channel).await?;
        Ok::<_, redis::RedisError>((conn, pubsub))
    })
    .await
    .map_err(|_| timed_out())??;
    // catch up on what was recorded while we were away: the live members, in one bulk load
    let span = tracing::debug_span!(
        "sanctum.redis_catch_up",
        entries = tracing::field::Empty,
        skipped = tracing::field::Empty,
    );
    catch_up(&mut conn, shared, [&subjects_key, &origins_key])
        .instrument(span)
        .await?;
    // send what was recorded here meanwhile, then follow both ways
    send_queued(&mut conn, shared).await?;
    shared.stale_since.store(0, Ordering::Release);
    shared.set_health(|h| {
        h.connected = true;
        h.last_error = None;
        h.failed_attempts = 0;
        h.syncs += 1;
    });
    shared.report();
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
                match serde_json::from_slice::<Revocation>(message.get_payload_bytes()) {
                    Ok(revocation) => {
                        let (revocation, changed) = revocation.bounded(unix_seconds(SystemTime::now()));
                        shared.skipped(u64::from(changed), "a revocation time far in the future");
                        shared.local.record(revocation);
                        #[cfg(feature = "metrics")]
                        crate::observe::metrics::revocations_applied("subscription", 1);
                    }
                    Err(_) => shared.skipped(1, "a message on the revocation channel that does not parse"),
                }
            }
            () = shared.outbox_ready.notified() => send_queued(&mut conn, shared).await?,
        }
    }
}

/// Loads the live members of the subjects' and origins' keys into the local copy: what other
/// instances recorded while this one was not following. In a `sanctum.redis_catch_up` span.
async fn catch_up(
    conn: &mut redis::aio::MultiplexedConnection,
    shared: &Shared,
    [subjects_key, origins_key]: [&str; 2],
) -> redis::RedisResult<()> {
    let timed_out = || {
        redis::RedisError::from((
            redis::ErrorKind::Io,
            "timed out connecting to Redis or reading the revocations",
        ))
    };
    let now = unix_seconds(SystemTime::now());
    let oldest = now.saturating_sub(shared.local.max_token_lifetime());
    let mut loaded = Vec::new();
    let mut skipped = 0;
    for (key, subject) in [(subjects_key, true), (origins_key, false)] {
        let members = tokio::time::timeout(CONNECT_TIMEOUT, live_members(conn, key, oldest))
            .await
            .map_err(|_| timed_out())??;
        let Some(members) = members else {
            shared.skipped(1, "a revocation key holds another type than a sorted set");
            continue;
        };
        for (member, score) in members {
            let (Ok(name), Some(time)) = (String::from_utf8(member), time_of(score)) else {
                skipped += 1;
                continue;
            };
            loaded.push(if subject {
                Revocation::Subject {
                    sub: name,
                    before: time,
                }
            } else {
                Revocation::Origin {
                    origin_jti: name,
                    at: time,
                }
            });
        }
    }
    let entries = loaded.len();
    let not_applied = shared.local.record_all(loaded);
    #[cfg(feature = "metrics")]
    crate::observe::metrics::revocations_applied(
        "catch_up",
        entries.saturating_sub(not_applied) as u64,
    );
    skipped += not_applied as u64;
    let span = tracing::Span::current();
    span.record("entries", entries);
    span.record("skipped", skipped);
    tracing::debug!(entries, skipped, "caught up with the revocations in Redis");
    shared.skipped(
        skipped,
        "a member that is not UTF-8, or a time that is not one",
    );
    Ok(())
}

/// The members of `key` scored `oldest` or later, with their scores; `None` when the key holds
/// another type than a sorted set.
async fn live_members(
    conn: &mut redis::aio::MultiplexedConnection,
    key: &str,
    oldest: u64,
) -> redis::RedisResult<Option<Vec<(Vec<u8>, f64)>>> {
    let result: redis::RedisResult<Vec<(Vec<u8>, f64)>> = redis::cmd("ZRANGEBYSCORE")
        .arg(key)
        .arg(oldest)
        .arg("+inf")
        .arg("WITHSCORES")
        .query_async(conn)
        .await;
    match result {
        Ok(members) => Ok(Some(members)),
        Err(err) if err.code() == Some("WRONGTYPE") => Ok(None),
        Err(err) => Err(err),
    }
}

/// A member's score as seconds since the epoch, when it is one.
fn time_of(score: f64) -> Option<u64> {
    // a score at or above 2^64 (or infinite) is far in the future: brought back when recorded
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    (score.is_finite() && score >= 0.0).then(|| score.min(u64::MAX as f64) as u64)
}

/// Sends the queued revocations, oldest first; one that fails stays first in the queue.
async fn send_queued(
    conn: &mut redis::aio::MultiplexedConnection,
    shared: &Shared,
) -> redis::RedisResult<()> {
    loop {
        let Some(revocation) = lock(&shared.outbox).front().cloned() else {
            return Ok(());
        };
        let stored = send(conn, shared, &revocation).await?;
        lock(&shared.outbox).pop_front();
        shared.report();
        shared.mark_sent();
        if !stored {
            shared.set_health(|h| h.not_stored += 1);
            if let Some(since) = shared.skip_warnings.allow(&*shared.clock) {
                tracing::warn!(
                    prefix = %shared.prefix,
                    since_last_warning = since,
                    "a revocation key in Redis holds another type than a sorted set: the revocation was published but not stored (instances starting later will not load it)"
                );
            }
        }
    }
}

/// Stores a revocation (keeping the larger time, trimming what expired) and publishes it;
/// `false` when its key holds another type.
async fn send(
    conn: &mut redis::aio::MultiplexedConnection,
    shared: &Shared,
    revocation: &Revocation,
) -> redis::RedisResult<bool> {
    let (subjects_key, origins_key, channel) = shared.keys();
    let (key, member, time) = match revocation {
        Revocation::Subject { sub, before } => (subjects_key, sub, *before),
        Revocation::Origin { origin_jti, at } => (origins_key, origin_jti, *at),
    };
    let lifetime = shared.local.max_token_lifetime();
    let oldest = unix_seconds(SystemTime::now()).saturating_sub(lifetime);
    let ttl = lifetime.saturating_add(MAX_AHEAD.as_secs()).max(1);
    let message = serde_json::to_string(revocation).unwrap_or_default();
    let stored: i64 = redis::cmd("EVAL")
        .arg(RECORD_SCRIPT)
        .arg(1)
        .arg(&key)
        .arg(member)
        .arg(time)
        .arg(&message)
        .arg(oldest)
        .arg(ttl)
        .arg(&channel)
        .query_async(conn)
        .await?;
    Ok(stored == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    #[test]
    fn warnings_come_at_once_then_at_most_once_a_minute() {
        let clock = ManualClock::starting_now();
        let limiter = Limiter::default();
        assert_eq!(limiter.allow(&clock), Some(0));
        assert_eq!(limiter.allow(&clock), None);
        clock.advance(Duration::from_secs(59));
        assert_eq!(limiter.allow(&clock), None);
        clock.advance(Duration::from_secs(1));
        assert_eq!(limiter.allow(&clock), Some(2), "two kept quiet");
        assert_eq!(limiter.allow(&clock), None, "and quiet again");
    }

    #[test]
    fn scores_that_are_not_times_are_refused() {
        assert_eq!(time_of(1_700_000_000.0), Some(1_700_000_000));
        assert_eq!(time_of(f64::INFINITY), None);
        assert_eq!(time_of(f64::NAN), None);
        assert_eq!(time_of(-5.0), None);
        assert_eq!(
            time_of(1e300),
            Some(u64::MAX),
            "far ahead: brought back when recorded"
        );
    }
}
