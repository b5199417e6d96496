//! Feature `metrics`: sanctum's counters, gauges and histogram through the `metrics` facade
//! (names and labels in the [module docs](super)).
//!
//! The verifier registers the handles of its hot path (verifications that pass) when it is
//! built, with the recorder installed then; everything else is registered where it happens.
//!
//! A cache hit, the cheapest verification (~0.3 µs), is not an increment of the recorder's
//! counter (two atomic read-modify-writes with metrics-exporter-prometheus, several per cent of
//! that path): each thread counts the hits of each verifier in a slot of its own, with a plain
//! load and store (one writer, so no count is lost), and hands them to the recorder's counter
//! every [`HITS_FLUSHED_EVERY`] hits, on [`flush`] (what `observe::flush_metrics` calls before a
//! scrape), about once a second from the JWKS refresh tasks ([`flush_each_second`]) and when
//! the verifier is dropped. The exported count is exact after a flush and at most
//! `HITS_FLUSHED_EVERY - 1` behind per thread before one.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Instant;

use metrics::{Counter, Gauge, counter, gauge, histogram};

use crate::error::VerifyError;

/// `sanctum_verifications_total{outcome, cache}`.
pub(crate) const VERIFICATIONS: &str = "sanctum_verifications_total";
/// `sanctum_cached_tokens`.
pub(crate) const CACHED_TOKENS: &str = "sanctum_cached_tokens";
/// `sanctum_refusals_total{reason}`.
pub(crate) const REFUSALS: &str = "sanctum_refusals_total";
/// `sanctum_jwks_fetches_total{result}`.
pub(crate) const JWKS_FETCHES: &str = "sanctum_jwks_fetches_total";
/// `sanctum_jwks_fetch_duration_seconds{result}`.
pub(crate) const JWKS_FETCH_DURATION: &str = "sanctum_jwks_fetch_duration_seconds";
/// `sanctum_jwks_unknown_kid_waiting_total`.
pub(crate) const UNKNOWN_KID_WAITING: &str = "sanctum_jwks_unknown_kid_waiting_total";
/// `sanctum_revocations_recorded_total{kind}`.
#[cfg(feature = "cognito")]
pub(crate) const REVOCATIONS_RECORDED: &str = "sanctum_revocations_recorded_total";
/// `sanctum_revocations_applied_total{source}`.
#[cfg(feature = "redis")]
pub(crate) const REVOCATIONS_APPLIED: &str = "sanctum_revocations_applied_total";
/// `sanctum_online_checks_total{answer}`.
pub(crate) const ONLINE_CHECKS: &str = "sanctum_online_checks_total";
/// `sanctum_session_refreshes_total{result}`.
#[cfg(feature = "cognito")]
pub(crate) const SESSION_REFRESHES: &str = "sanctum_session_refreshes_total";
/// `sanctum_browser_session_refreshes_total{outcome}`.
#[cfg(feature = "managed-login")]
pub(crate) const BROWSER_SESSION_REFRESHES: &str = "sanctum_browser_session_refreshes_total";
/// `sanctum_revocation_store_connected`.
#[cfg(feature = "redis")]
pub(crate) const STORE_CONNECTED: &str = "sanctum_revocation_store_connected";
/// `sanctum_revocation_store_lag_seconds`.
#[cfg(feature = "redis")]
pub(crate) const STORE_LAG: &str = "sanctum_revocation_store_lag_seconds";
/// `sanctum_revocation_store_outbox`.
#[cfg(feature = "redis")]
pub(crate) const STORE_OUTBOX: &str = "sanctum_revocation_store_outbox";

/// The verifier's handles: registered once, so a verification that passes costs one counter
/// increment when uncached (an atomic add with a recorder, a branch without) and a load and a
/// store in this thread's slot when answered from the cache (see the [module docs](self)).
#[derive(Debug)]
pub(crate) struct VerifierMetrics {
    hits: Arc<Hits>,
    ok_miss: Counter,
    cached_tokens: Gauge,
}

impl VerifierMetrics {
    /// Registers the handles with the recorder installed now.
    pub(crate) fn register() -> Self {
        Self {
            hits: Hits::register(counter!(VERIFICATIONS, "outcome" => "ok", "cache" => "hit")),
            ok_miss: counter!(VERIFICATIONS, "outcome" => "ok", "cache" => "miss"),
            cached_tokens: gauge!(CACHED_TOKENS),
        }
    }

    /// Counts one verification's outcome; `hit`: answered from the verified-token cache.
    #[inline]
    pub(crate) fn verification(&self, refused: Option<&VerifyError>, hit: bool) {
        match refused {
            None if hit => self.hits.hit(),
            None => self.ok_miss.increment(1),
            Some(err) => refused_verification(err, hit),
        }
    }

    /// Sets the number of cached tokens.
    #[allow(clippy::cast_precision_loss)] // a count far below 2^52
    pub(crate) fn cached_tokens(&self, entries: u64) {
        self.cached_tokens.set(entries as f64);
    }
}

/// How many cache hits a thread counts for a verifier before it hands them to the recorder (a
/// power of two: the test is a mask).
pub(crate) const HITS_FLUSHED_EVERY: u64 = 64;

/// One verifier's cache hits: the recorder's counter and every thread's slot.
struct Hits {
    /// Unique for the process's life (an address could be reused by a later verifier).
    id: u64,
    counter: Counter,
    /// The slots of the threads that counted hits for this verifier.
    slots: Mutex<Vec<Arc<Slot>>>,
}

/// The hits one thread counted for one verifier. Only that thread writes `counted`; flushes
/// (from any thread) move `flushed` up to what they read and hand the difference on, so
/// concurrent flushes never count a hit twice.
#[derive(Default)]
#[repr(align(128))] // a cache line (pair) of its own: threads' slots never share one
struct Slot {
    counted: AtomicU64,
    flushed: AtomicU64,
}

/// Every live verifier's hits, for [`flush`].
static LIVE: Mutex<Vec<Weak<Hits>>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's slots, by verifier id; the verifier counted last first.
    static SLOTS: RefCell<Vec<(u64, Arc<Slot>)>> = const { RefCell::new(Vec::new()) };
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hits {
    fn register(counter: Counter) -> Arc<Self> {
        let hits = Arc::new(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            counter,
            slots: Mutex::new(Vec::new()),
        });
        let mut live = lock(&LIVE);
        live.retain(|hits| hits.strong_count() > 0);
        live.push(Arc::downgrade(&hits));
        hits
    }

    /// Counts one hit in this thread's slot.
    #[inline]
    fn hit(&self) {
        let counted = SLOTS.try_with(|slots| {
            let Ok(mut slots) = slots.try_borrow_mut() else {
                return false;
            };
            match slots.first() {
                Some((id, slot)) if *id == self.id => slot.add_one(&self.counter),
                _ => self.hit_in_another_slot(&mut slots),
            }
            true
        });
        if !matches!(counted, Ok(true)) {
            // the thread is ending (its slots are gone) or counting already: straight through
            self.counter.increment(1);
        }
    }

    /// The thread counted another verifier's hit last, or never one of this verifier: finds
    /// or makes this verifier's slot and puts it first. Slots of dropped verifiers go.
    #[cold]
    fn hit_in_another_slot(&self, slots: &mut Vec<(u64, Arc<Slot>)>) {
        let index = match slots.iter().position(|(id, _)| *id == self.id) {
            Some(index) => index,
            None => {
                // a dropped verifier's `Hits` held the only other reference
                slots.retain(|(_, slot)| Arc::strong_count(slot) > 1);
                let slot = Arc::new(Slot::default());
                lock(&self.slots).push(Arc::clone(&slot));
                slots.push((self.id, slot));
                slots.len() - 1
            }
        };
        slots.swap(0, index);
        slots[0].1.add_one(&self.counter);
    }

    /// Hands every thread's hits not yet counted to the recorder.
    fn flush(&self) {
        for slot in lock(&self.slots).iter() {
            slot.flush(&self.counter);
        }
    }
}

impl Drop for Hits {
    fn drop(&mut self) {
        self.flush();
    }
}

impl std::fmt::Debug for Hits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hits")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Slot {
    #[inline]
    fn add_one(&self, counter: &Counter) {
        // one writer: a load and a store, no read-modify-write
        let counted = self.counted.load(Ordering::Relaxed) + 1;
        self.counted.store(counted, Ordering::Relaxed);
        if counted & (HITS_FLUSHED_EVERY - 1) == 0 {
            self.flush_cold(counter);
        }
    }

    #[cold]
    #[inline(never)]
    fn flush_cold(&self, counter: &Counter) {
        self.flush(counter);
    }

    fn flush(&self, counter: &Counter) {
        let counted = self.counted.load(Ordering::Relaxed);
        let flushed = self.flushed.fetch_max(counted, Ordering::Relaxed);
        if counted > flushed {
            counter.increment(counted - flushed);
        }
    }
}

/// [`flush`], at most once a second however many callers: the JWKS refresh tasks call it on
/// every tick (one task per key set, each waking every second), so hits reach the recorder
/// within about a second while any verifier fetches its keys, without a scrape calling
/// `observe::flush_metrics` (e.g. metrics-exporter-prometheus's own HTTP listener).
pub(crate) fn flush_each_second() {
    static STARTED: OnceLock<Instant> = OnceLock::new();
    /// The second (since `STARTED`, plus one) of the last flush.
    static LAST: AtomicU64 = AtomicU64::new(0);
    let second = STARTED.get_or_init(Instant::now).elapsed().as_secs() + 1;
    let last = LAST.load(Ordering::Relaxed);
    if second != last
        && LAST
            .compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        flush();
    }
}

/// Hands the cache hits every thread counted for every live verifier to the recorder.
pub(crate) fn flush() {
    let live: Vec<Arc<Hits>> = lock(&LIVE).iter().filter_map(Weak::upgrade).collect();
    for hits in live {
        hits.flush();
    }
}

#[cold]
fn refused_verification(err: &VerifyError, hit: bool) {
    let cache = if hit { "hit" } else { "miss" };
    counter!(VERIFICATIONS, "outcome" => reason(err), "cache" => cache).increment(1);
}

/// The bounded label of a refusal: one name per [`VerifyError`] variant.
#[must_use]
pub(crate) fn reason(err: &VerifyError) -> &'static str {
    #[allow(unreachable_patterns)] // variants added later count as "other" until named here
    match err {
        VerifyError::TooLarge { .. } => "too_large",
        VerifyError::Malformed { .. } => "malformed",
        VerifyError::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
        VerifyError::MissingKid => "missing_kid",
        VerifyError::UnknownKey { .. } => "unknown_key",
        VerifyError::AlgorithmMismatch { .. } => "algorithm_mismatch",
        VerifyError::KeysUnavailable { .. } => "keys_unavailable",
        VerifyError::InvalidSignature => "invalid_signature",
        VerifyError::IssuerMismatch { .. } => "issuer_mismatch",
        VerifyError::Expired { .. } => "expired",
        VerifyError::NotYetValid { .. } => "not_yet_valid",
        VerifyError::WrongTokenUse { .. } => "wrong_token_use",
        VerifyError::ClientMismatch { .. } => "client_mismatch",
        VerifyError::Revoked => "revoked",
        VerifyError::RevocationCheckUnavailable => "revocation_check_unavailable",
        VerifyError::MissingClaim { .. } => "missing_claim",
        VerifyError::InvalidClaim { .. } => "invalid_claim",
        VerifyError::AlbUnsupportedAlgorithm { .. }
        | VerifyError::AlbSignatureEncoding { .. }
        | VerifyError::AlbInvalidKeyId { .. }
        | VerifyError::AlbSignerMismatch { .. }
        | VerifyError::AlbMissingAccessToken
        | VerifyError::AlbSubjectMismatch
        | VerifyError::AlbIdentityMismatch => "alb",
        _ => "other",
    }
}

/// Counts a request an adapter refused (`Refusal::log`), by its bounded reason.
#[cold]
pub(crate) fn refusal(reason: &'static str) {
    counter!(REFUSALS, "reason" => reason).increment(1);
}

/// Counts a JWKS (or per-`kid` key) fetch and its time.
#[cold]
pub(crate) fn jwks_fetch(result: &'static str, seconds: f64) {
    counter!(JWKS_FETCHES, "result" => result).increment(1);
    histogram!(JWKS_FETCH_DURATION, "result" => result).record(seconds);
}

/// Counts a token refused for an unknown `kid` while refetching waits (cooldown or backoff).
#[cold]
pub(crate) fn unknown_kid_waiting() {
    counter!(UNKNOWN_KID_WAITING).increment(1);
}

/// Counts a browser session's due refresh by its `outcome` (`refreshed`, `lost_race`,
/// `refused`, `failed`).
#[cfg(feature = "managed-login")]
#[cold]
pub(crate) fn browser_session_refresh(outcome: &'static str) {
    counter!(BROWSER_SESSION_REFRESHES, "outcome" => outcome).increment(1);
}

/// Counts a revocation recorded through this instance.
#[cfg(feature = "cognito")]
pub(crate) fn revocation_recorded(kind: &'static str) {
    counter!(REVOCATIONS_RECORDED, "kind" => kind).increment(1);
}

/// Counts revocations another instance recorded, applied here (`source`: `catch_up` or
/// `subscription`).
#[cfg(feature = "redis")]
pub(crate) fn revocations_applied(source: &'static str, count: u64) {
    counter!(REVOCATIONS_APPLIED, "source" => source).increment(count);
}

/// Counts an online check's answer.
pub(crate) fn online_check(answer: &'static str) {
    counter!(ONLINE_CHECKS, "answer" => answer).increment(1);
}

/// Counts a session's refresh (`result`: `ok`, `refused`, `error`).
#[cfg(feature = "cognito")]
pub(crate) fn session_refresh(result: &'static str) {
    counter!(SESSION_REFRESHES, "result" => result).increment(1);
}

/// Sets the revocation store's gauges.
#[cfg(feature = "redis")]
#[allow(clippy::cast_precision_loss)] // counts and seconds far below 2^52
pub(crate) fn revocation_store(connected: bool, lag_seconds: u64, outbox: usize) {
    gauge!(STORE_CONNECTED).set(if connected { 1.0 } else { 0.0 });
    gauge!(STORE_LAG).set(lag_seconds as f64);
    gauge!(STORE_OUTBOX).set(outbox as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Hits` whose counter is an atomic the test reads (what a recorder's counter holds).
    /// Not listed in `LIVE`: a global flush from another test's JWKS refresh task (they run
    /// in parallel in this binary) must not hand its hits on behind the test's back.
    fn new_hits() -> (Arc<Hits>, Arc<AtomicU64>) {
        let total = Arc::new(AtomicU64::new(0));
        let counter = Counter::from_arc(Arc::clone(&total));
        let hits = Arc::new(Hits {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            counter,
            slots: Mutex::new(Vec::new()),
        });
        (hits, total)
    }

    fn exported(total: &AtomicU64) -> u64 {
        total.load(Ordering::SeqCst)
    }

    #[test]
    fn hits_reach_the_recorder_in_batches_and_exactly_on_a_flush() {
        let (hits, snapshotter) = new_hits();
        for _ in 0..HITS_FLUSHED_EVERY - 1 {
            hits.hit();
        }
        assert_eq!(exported(&snapshotter), 0, "a batch is not full yet");
        hits.hit();
        assert_eq!(exported(&snapshotter), HITS_FLUSHED_EVERY, "a full batch");
        for _ in 0..10 {
            hits.hit();
        }
        assert_eq!(exported(&snapshotter), HITS_FLUSHED_EVERY);
        hits.flush();
        assert_eq!(exported(&snapshotter), HITS_FLUSHED_EVERY + 10);
        hits.flush();
        assert_eq!(exported(&snapshotter), HITS_FLUSHED_EVERY + 10, "once only");
    }

    #[test]
    fn another_threads_hits_and_the_last_ones_at_drop_are_counted() {
        let (hits, snapshotter) = new_hits();
        let (other, other_snapshotter) = new_hits();
        std::thread::scope(|s| {
            s.spawn(|| {
                // two verifiers in turn on one thread: each its own slot
                for _ in 0..5 {
                    hits.hit();
                    other.hit();
                }
            });
        });
        assert_eq!(exported(&snapshotter), 0);
        hits.flush();
        assert_eq!(
            exported(&snapshotter),
            5,
            "the ended thread's slot is still read"
        );
        hits.hit();
        drop(hits);
        assert_eq!(exported(&snapshotter), 6, "dropped: the rest handed on");
        drop(other);
        assert_eq!(exported(&other_snapshotter), 5);
    }

    #[test]
    fn a_dropped_verifiers_slot_leaves_the_thread() {
        let (first, _snapshotter) = new_hits();
        first.hit();
        drop(first);
        let (second, snapshotter) = new_hits();
        second.hit();
        let slots =
            SLOTS.with(|slots| slots.borrow().iter().map(|(id, _)| *id).collect::<Vec<_>>());
        assert_eq!(slots, [second.id], "only the live verifier's slot");
        second.flush();
        assert_eq!(exported(&snapshotter), 1);
    }
}
