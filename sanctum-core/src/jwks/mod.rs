//! The JWKS cache: signing keys by `kid`, fetched once, refetched sparingly.
//!
//! Policy:
//! - keys are cached by `kid` per issuer's JWKS URL, parsed once into ready aws-lc-rs keys and
//!   looked up without waiting on any fetch (a read lock held for an `Arc` clone, never across
//!   I/O);
//! - an unknown `kid` triggers one refetch, but never more often than the cooldown (default
//!   10 s) after a successful fetch; inside the cooldown the lookup fails fast, without
//!   spawning work or taking the fetch lock;
//! - a failed fetch (timeout, connection error, non-2xx, bad document) may be retried after a
//!   short backoff: 1 s, doubling with each failure in a row, up to the cooldown;
//! - cooldown and backoff run on the clock's monotonic time: a wall-clock step never stops
//!   refetching;
//! - concurrent lookups that need a fetch share one (single-flight: they queue on an async
//!   mutex and find the keys the first one fetched);
//! - a failed fetch keeps the last good keys and is reported as "keys unavailable";
//! - a refetch that drops a key (or replaces it under the same `kid`) retires it at once, for
//!   cached verifications too: each key set has a generation, bumped on every change;
//! - once a JWKS has been fetched, a background task refetches it every refresh interval
//!   (default 1 h), so a key the issuer removed stops verifying without waiting for an unknown
//!   `kid` or a restart. The task wakes once a second to compare the clock's monotonic time
//!   with the due time (so an injected clock drives it), shares the fetch lock with requests,
//!   and stops when the verifier is dropped; requests never wait for it.
//!
//! A key endpoint that serves one key per `kid` (the ALB's, `{base}/{kid}`, one PEM key each)
//! follows the same rules with one difference: a fetch that finds the key adds it to the set
//! and arms no cooldown (it says nothing about other `kid`s), while an answer that there is no
//! such key (404) arms the cooldown, so made-up `kid`s cost at most one fetch per cooldown.
//! Keys by `kid` never change there, so nothing is refetched in the background.
//!
//! The key sets of a [`PoolRegistry`](crate::PoolRegistry)'s pools share a [`KeySetBudget`]:
//! at most so many hold keys at once, the least recently used one is evicted (its keys
//! dropped, refetched on its next use under the rules above, cooldown included), and a removed
//! pool's key set is retired (its keys dropped, never fetched again).

mod budget;
mod fetch;
mod key;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use tracing::Instrument as _;

pub(crate) use budget::KeySetBudget;
pub(crate) use fetch::Fetcher;
pub(crate) use key::{KeySet, PreparedKey, parse_jwks};

use crate::clock::Clock;
use crate::error::{VerifyError, clip};

/// The first wait after a failed fetch; it doubles with each failure in a row, up to the cooldown.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// Most keys kept for a key endpoint of one key per `kid`.
const MAX_PER_KID_KEYS: usize = 64;

/// What one fetch brought.
enum Fetched {
    /// A whole JWKS document.
    Set(KeySet),
    /// The key of one `kid`, or `None`: the endpoint has no such key.
    One(Option<PreparedKey>),
}

/// How often the background refresh task looks at the clock.
const REFRESH_TICK: Duration = Duration::from_secs(1);

/// Keys of one JWKS URL, or of one key endpoint that serves a key per `kid`.
pub(crate) struct Jwks {
    url: String,
    fetcher: Option<Fetcher>,
    /// Keys are fetched one at a time from `{url}/{kid}` (PEM), not as one JWKS document.
    per_kid: bool,
    keys: RwLock<Arc<KeySet>>,
    /// Bumped whenever a fetch changes the key set (a key added, dropped or replaced).
    generation: AtomicU64,
    /// Monotonic milliseconds before which an unknown `kid` is refused without a fetch (0: none).
    retry_at_ms: AtomicU64,
    /// Why the latest fetch failed; `None` once one succeeds.
    last_error: RwLock<Option<Arc<str>>>,
    fetch: tokio::sync::Mutex<FetchState>,
    cooldown: Duration,
    /// How often the keys are refetched in the background (`None`: a fixed key set).
    refresh_every: Option<Duration>,
    /// Monotonic milliseconds from which the background task refetches (0: not yet fetched).
    refresh_at_ms: AtomicU64,
    /// Whether the background refresh task runs.
    refresher: AtomicBool,
    clock: Arc<dyn Clock>,
    /// The cap this key set counts against, and its own weak handle (a registry's pools).
    budget: Option<(Arc<KeySetBudget>, Weak<Jwks>)>,
    /// The budget's epoch when the keys were last used.
    last_used: AtomicU64,
    /// The generation the latest eviction moved the key set to (0: never evicted).
    last_eviction: AtomicU64,
    /// Its pool was removed: the keys are gone and nothing is fetched again.
    retired: AtomicBool,
}

#[derive(Default)]
struct FetchState {
    /// Failed fetches in a row.
    failures: u32,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The wait after `failures` failed fetches in a row: 1 s, 2 s, 4 s ... capped at `cooldown`.
fn backoff(failures: u32, cooldown: Duration) -> Duration {
    let doubled = FIRST_BACKOFF.saturating_mul(1u32 << failures.saturating_sub(1).min(20));
    doubled.min(cooldown)
}

impl Jwks {
    /// Keys fetched from `url` on demand, and again every `refresh_every` in the background.
    pub(crate) fn remote(
        url: String,
        fetcher: Fetcher,
        cooldown: Duration,
        refresh_every: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            url,
            fetcher: Some(fetcher),
            per_kid: false,
            keys: RwLock::new(Arc::new(KeySet::default())),
            generation: AtomicU64::new(0),
            retry_at_ms: AtomicU64::new(0),
            last_error: RwLock::new(None),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
            cooldown,
            refresh_every: Some(refresh_every),
            refresh_at_ms: AtomicU64::new(0),
            refresher: AtomicBool::new(false),
            clock,
            budget: None,
            last_used: AtomicU64::new(0),
            last_eviction: AtomicU64::new(0),
            retired: AtomicBool::new(false),
        }
    }

    /// As [`remote`](Self::remote), counted against `budget`; built with
    /// [`Arc::new_cyclic`], which gives `me`.
    pub(crate) fn remote_budgeted(
        url: String,
        fetcher: Fetcher,
        cooldown: Duration,
        refresh_every: Duration,
        clock: Arc<dyn Clock>,
        budget: Arc<KeySetBudget>,
        me: Weak<Jwks>,
    ) -> Self {
        let mut jwks = Self::remote(url, fetcher, cooldown, refresh_every, clock);
        jwks.budget = Some((budget, me));
        jwks
    }

    /// A fixed key set that is never refetched (offline use).
    pub(crate) fn fixed(label: String, keys: KeySet, clock: Arc<dyn Clock>) -> Self {
        Self {
            url: label,
            fetcher: None,
            per_kid: false,
            keys: RwLock::new(Arc::new(keys)),
            generation: AtomicU64::new(0),
            retry_at_ms: AtomicU64::new(0),
            last_error: RwLock::new(None),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
            cooldown: Duration::ZERO,
            refresh_every: None,
            refresh_at_ms: AtomicU64::new(0),
            refresher: AtomicBool::new(false),
            clock,
            budget: None,
            last_used: AtomicU64::new(0),
            last_eviction: AtomicU64::new(0),
            retired: AtomicBool::new(false),
        }
    }

    /// ES256 keys fetched one per `kid` from `{base_url}/{kid}` (a PEM `SubjectPublicKeyInfo`
    /// each), as an ALB publishes them. The caller checks `kid` before asking (it goes into
    /// the URL). Never refetched in the background: a key of a `kid` does not change.
    pub(crate) fn per_kid(
        base_url: String,
        fetcher: Fetcher,
        cooldown: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let mut jwks = Self::remote(base_url, fetcher, cooldown, Duration::ZERO, clock);
        jwks.per_kid = true;
        jwks.refresh_every = None;
        jwks
    }

    /// The key for `kid` if it is already cached. Never waits for a fetch.
    #[inline]
    pub(crate) fn cached(&self, kid: &str) -> Option<Arc<PreparedKey>> {
        let keys = match self.keys.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        keys.get(kid).cloned()
    }

    /// Where the keys are fetched from (a label for a fixed set).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Whether this JWKS is fetched from a URL (rather than fixed at build time).
    pub(crate) fn fetches(&self) -> bool {
        self.fetcher.is_some()
    }

    /// The key set's generation: it changes whenever a fetch adds, drops or replaces a key.
    #[inline]
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Marks the keys as used now (key sets counted against a budget; otherwise nothing).
    #[inline]
    pub(crate) fn touch(&self) {
        if let Some((budget, _)) = &self.budget {
            let epoch = budget.epoch();
            if self.last_used.load(Ordering::Relaxed) != epoch {
                self.last_used.store(epoch, Ordering::Relaxed);
            }
        }
    }

    /// Whether the keys were evicted (dropped for the budget, not by the issuer) after the
    /// key set was at `generation`: a verification cached then is checked again in full.
    pub(crate) fn evicted_since(&self, generation: u64) -> bool {
        self.last_eviction.load(Ordering::Acquire) > generation
    }

    /// Drops the keys to make room for another key set (see [`KeySetBudget`]). The next use
    /// fetches them again under the usual rules; the background task waits for that fetch.
    fn evict(&self) {
        {
            // all under the lock, so a cached verification that finds its key gone (reading
            // the keys after this) also finds the eviction recorded
            let mut slot = match self.keys.write() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            *slot = Arc::new(KeySet::default());
            let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
            self.last_eviction.store(generation, Ordering::Release);
        }
        self.refresh_at_ms.store(0, Ordering::Release);
        tracing::debug!(url = %self.url, "JWKS evicted: more key sets than the cap; refetched on next use");
    }

    /// Drops the keys for good: their pool was removed. Nothing is fetched again, and the
    /// background task ends.
    pub(crate) fn retire(&self) {
        {
            let mut slot = match self.keys.write() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            self.retired.store(true, Ordering::Release);
            *slot = Arc::new(KeySet::default());
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some((budget, _)) = &self.budget {
            budget.forget(self);
        }
    }

    fn is_retired(&self) -> bool {
        self.retired.load(Ordering::Acquire)
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the key with this serial is still in the current key set.
    pub(crate) fn has_key_serial(&self, serial: u64) -> bool {
        let keys = match self.keys.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        keys.values().any(|k| k.serial == serial)
    }

    /// The refusal for an unknown `kid` while no fetch may start (inside the cooldown after a
    /// successful fetch, or the backoff after a failed one); `None` when a fetch may start.
    /// Takes no lock that a fetch holds and spawns nothing.
    pub(crate) fn refusal_while_waiting(&self, kid: &str) -> Option<VerifyError> {
        self.fetcher.as_ref()?;
        let retry_at = self.retry_at_ms.load(Ordering::Acquire);
        if retry_at == 0 || millis(self.clock.monotonic()) >= retry_at {
            return None;
        }
        let last_error = match self.last_error.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        #[cfg(feature = "metrics")]
        crate::observe::metrics::unknown_kid_waiting();
        tracing::debug!(
            url = %self.url,
            kid = %clip(kid),
            retry_in_ms = retry_at.saturating_sub(millis(self.clock.monotonic())),
            "unknown kid while JWKS refetching waits (cooldown or backoff); not fetching"
        );
        Some(match last_error {
            Some(reason) => VerifyError::KeysUnavailable {
                url: self.url.clone(),
                reason: reason.to_string(),
            },
            None => VerifyError::UnknownKey { kid: clip(kid) },
        })
    }

    /// The key for `kid`, fetching the JWKS when it is not cached and the cooldown allows.
    ///
    /// The slow path runs in its own task when a Tokio runtime is there, so a caller that gives
    /// up (a client hanging up, a timeout layer) never cancels a fetch half-way: the fetch
    /// completes for everyone queued behind it, and the cooldown is never armed by a fetch
    /// that did not finish.
    pub(crate) async fn key(self: &Arc<Self>, kid: &str) -> Result<Arc<PreparedKey>, VerifyError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        if self.fetcher.is_none() || self.is_retired() {
            return Err(VerifyError::UnknownKey { kid: clip(kid) });
        }
        if let Some(refusal) = self.refusal_while_waiting(kid) {
            return Err(refusal);
        }
        self.start_refresher();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let this = Arc::clone(self);
                let kid = kid.to_owned();
                runtime
                    .spawn(async move { this.key_slow(&kid).await })
                    .await
                    .unwrap_or_else(|_| {
                        Err(VerifyError::KeysUnavailable {
                            url: self.url.clone(),
                            reason: "the JWKS fetch task was cancelled".to_owned(),
                        })
                    })
            }
            Err(_) => self.key_slow(kid).await,
        }
    }

    async fn key_slow(&self, kid: &str) -> Result<Arc<PreparedKey>, VerifyError> {
        let Some(fetcher) = &self.fetcher else {
            return Err(VerifyError::UnknownKey { kid: clip(kid) });
        };
        // Single flight: whoever holds this lock is the one fetch; the others wait here and
        // then find the key, or find the cooldown running.
        let mut state = self.fetch.lock().await;
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        // the fetch we queued behind found no such key, or failed: wait as it says
        if let Some(refusal) = self.refusal_while_waiting(kid) {
            return Err(refusal);
        }
        self.fetch_locked(fetcher, &mut state, kid).await?;
        self.cached(kid)
            .ok_or_else(|| VerifyError::UnknownKey { kid: clip(kid) })
    }

    /// Fetches now, whatever the cooldown (used by `prefetch`). Fixed key sets, and key
    /// endpoints of one key per `kid` (no `kid` to ask for), do nothing.
    pub(crate) async fn refresh(self: &Arc<Self>) -> Result<(), VerifyError> {
        let Some(fetcher) = &self.fetcher else {
            return Ok(());
        };
        if self.per_kid {
            return Ok(());
        }
        self.start_refresher();
        let mut state = self.fetch.lock().await;
        self.fetch_locked(fetcher, &mut state, "").await
    }

    /// Starts the background refresh task, once, when there is a Tokio runtime to run it.
    /// Called on the paths that fetch, and on an uncached verification with a cached key, which
    /// restarts a task whose runtime has shut down (otherwise an atomic load; never on a
    /// token-cache hit).
    pub(crate) fn start_refresher(self: &Arc<Self>) {
        let Some(every) = self.refresh_every else {
            return;
        };
        if self.refresher.load(Ordering::Acquire) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.refresher.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::debug!(url = %self.url, every_secs = every.as_secs(), "JWKS background refresh started");
        runtime.spawn(refresh_loop(Arc::downgrade(self)));
    }

    /// Whether the background task should fetch now: the refresh interval has passed since the
    /// last successful fetch, or the backoff since the last failed one. Never before the first
    /// fetch (requests and `prefetch` make that one).
    fn refresh_due(&self) -> bool {
        let at = self.refresh_at_ms.load(Ordering::Acquire);
        at != 0 && millis(self.clock.monotonic()) >= at
    }

    /// One background refresh, when due (checked again under the fetch lock, so a fetch a
    /// request just made is not repeated).
    async fn refresh_if_due(&self) {
        let Some(fetcher) = &self.fetcher else {
            return;
        };
        if !self.refresh_due() {
            return;
        }
        let mut state = self.fetch.lock().await;
        if self.refresh_due() {
            // a failure is logged and keeps the last good keys; the next try follows the backoff
            let _ = self.fetch_locked(fetcher, &mut state, "").await;
        }
    }

    /// Fetches the key set (or, per `kid`, the key of `kid`) and records the outcome.
    async fn fetch_locked(
        &self,
        fetcher: &Fetcher,
        state: &mut FetchState,
        kid: &str,
    ) -> Result<(), VerifyError> {
        let started = self.clock.monotonic();
        #[cfg(feature = "metrics")]
        let timer = std::time::Instant::now();
        let span = tracing::info_span!(
            "sanctum.jwks_fetch",
            url = %self.url,
            result = tracing::field::Empty,
            keys = tracing::field::Empty,
        );
        let (url, result) = async {
            if self.per_kid {
                let url = format!("{}/{kid}", self.url);
                let result = fetcher.fetch_pem_key(&url).await;
                (url, result.map(Fetched::One))
            } else {
                let result = fetcher.fetch(&self.url).await;
                (self.url.clone(), result.map(Fetched::Set))
            }
        }
        .instrument(span.clone())
        .await;
        let (outcome, keys) = match &result {
            Ok(Fetched::Set(keys)) => ("ok", keys.len()),
            Ok(Fetched::One(Some(_))) => ("ok", 1),
            Ok(Fetched::One(None)) => ("no such key", 0),
            Err(_) => ("error", 0),
        };
        span.record("result", outcome);
        span.record("keys", keys);
        #[cfg(feature = "metrics")]
        crate::observe::metrics::jwks_fetch(
            if outcome == "no such key" {
                "no_such_key"
            } else {
                outcome
            },
            timer.elapsed().as_secs_f64(),
        );
        span.in_scope(|| self.fetched(url, result, started, state, kid))
    }

    /// Installs what a fetch that started at `started` brought, or arms the backoff.
    fn fetched(
        &self,
        url: String,
        result: Result<Fetched, String>,
        started: Duration,
        state: &mut FetchState,
        kid: &str,
    ) -> Result<(), VerifyError> {
        // Recorded only once the fetch has finished: a fetch cancelled half-way (possible only
        // without a runtime to run it on its own) arms no cooldown.
        match result {
            Ok(Fetched::One(key)) => {
                state.failures = 0;
                self.set_last_error(None);
                match key {
                    Some(key) => {
                        tracing::info!(%url, "fetched signing key");
                        self.add(kid, key);
                    }
                    None => {
                        tracing::debug!(%url, "no such signing key; unknown kids wait for the cooldown");
                        self.retry_at_ms.store(
                            millis(started.saturating_add(self.cooldown)).max(1),
                            Ordering::Release,
                        );
                    }
                }
                Ok(())
            }
            Ok(Fetched::Set(keys)) => {
                tracing::info!(url = %self.url, keys = keys.len(), "fetched JWKS");
                state.failures = 0;
                self.set_last_error(None);
                self.install(keys);
                self.retry_at_ms.store(
                    millis(started.saturating_add(self.cooldown)).max(1),
                    Ordering::Release,
                );
                if let Some(every) = self.refresh_every {
                    self.refresh_at_ms.store(
                        millis(started.saturating_add(every)).max(1),
                        Ordering::Release,
                    );
                }
                Ok(())
            }
            Err(reason) => {
                state.failures = state.failures.saturating_add(1);
                let wait = backoff(state.failures, self.cooldown);
                tracing::warn!(
                    %url,
                    %reason,
                    retry_in_ms = millis(wait),
                    "JWKS fetch failed; keeping the last good keys"
                );
                self.set_last_error(Some(Arc::from(reason.as_str())));
                let finished = self.clock.monotonic();
                let retry_at = millis(finished.saturating_add(wait)).max(1);
                self.retry_at_ms.store(retry_at, Ordering::Release);
                if self.refresh_every.is_some() {
                    self.refresh_at_ms.store(retry_at, Ordering::Release);
                }
                Err(VerifyError::KeysUnavailable { url, reason })
            }
        }
    }

    /// Adds the key of one `kid` (per-`kid` endpoints). The set is bounded: past
    /// [`MAX_PER_KID_KEYS`] it starts again from this key (an ALB publishes a handful).
    fn add(&self, kid: &str, key: PreparedKey) {
        let mut slot = match self.keys.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut keys = if slot.len() >= MAX_PER_KID_KEYS {
            KeySet::default()
        } else {
            KeySet::clone(&slot)
        };
        keys.insert(kid.to_owned(), Arc::new(key));
        *slot = Arc::new(keys);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn set_last_error(&self, error: Option<Arc<str>>) {
        let mut slot = match self.last_error.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *slot = error;
    }

    /// Replaces the key set. A key published again with the same `kid` and material stays the
    /// same key (same serial); the generation moves only when the set really changed.
    fn install(&self, fetched: KeySet) {
        {
            let mut slot = match self.keys.write() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            if self.is_retired() {
                return;
            }
            self.install_locked(&mut slot, fetched);
        }
        if let Some((budget, me)) = &self.budget {
            budget.loaded(me, self);
        }
    }

    fn install_locked(&self, slot: &mut Arc<KeySet>, fetched: KeySet) {
        let mut changed = fetched.len() != slot.len();
        let merged: KeySet = fetched
            .into_iter()
            .map(|(kid, key)| match slot.get(&kid) {
                Some(old) if old.same_material(&key) => (kid, Arc::clone(old)),
                _ => {
                    changed = true;
                    (kid, key)
                }
            })
            .collect();
        *slot = Arc::new(merged);
        if changed {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// How many keys are cached.
    pub(crate) fn len(&self) -> usize {
        match self.keys.read() {
            Ok(guard) => guard.len(),
            Err(poisoned) => poisoned.into_inner().len(),
        }
    }
}

impl fmt::Debug for Jwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwks")
            .field("url", &self.url)
            .field("fixed", &self.fetcher.is_none())
            .field("keys", &self.len())
            .field("generation", &self.generation())
            .field("cooldown", &self.cooldown)
            .field("refresh_every", &self.refresh_every)
            .finish()
    }
}

/// The background refresh task of one JWKS: wakes every [`REFRESH_TICK`], refetches when
/// due, ends once the verifier (the last strong reference) is gone.
async fn refresh_loop(jwks: Weak<Jwks>) {
    /// Clears the "running" flag when the task ends, also when its runtime shuts down and drops
    /// it: the next verification on a live runtime starts a new one.
    struct Running(Weak<Jwks>);
    impl Drop for Running {
        fn drop(&mut self) {
            if let Some(jwks) = self.0.upgrade() {
                jwks.refresher.store(false, Ordering::Release);
            }
        }
    }
    let _running = Running(jwks.clone());
    loop {
        tokio::time::sleep(REFRESH_TICK).await;
        // cache hits counted per thread reach the recorder within about a second
        #[cfg(feature = "metrics")]
        crate::observe::metrics::flush_each_second();
        let Some(jwks) = jwks.upgrade() else { return };
        if jwks.is_retired() {
            return;
        }
        jwks.refresh_if_due().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_up_to_the_cooldown() {
        let cooldown = Duration::from_secs(10);
        let waits: Vec<u64> = (1..=6).map(|n| backoff(n, cooldown).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff(u32::MAX, cooldown), cooldown);
        assert_eq!(
            backoff(1, Duration::from_millis(300)),
            Duration::from_millis(300)
        );
    }
}
