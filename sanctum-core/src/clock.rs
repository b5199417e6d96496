//! The verifier's notion of "now", injectable so tests never sleep.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of the current time: wall-clock time for the token's time claims, and monotonic
/// time for the JWKS refetch cooldown and backoff (so a wall-clock step never stops refetching).
///
/// Any `Fn() -> SystemTime + Send + Sync` closure is a clock whose monotonic time is the
/// process's real one, so a fixed time is one line; [`ManualClock`] drives both readings.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sanctum_core::Clock;
///
/// let fixed = || UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(Clock::now(&fixed), UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// ```
pub trait Clock: Send + Sync + 'static {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;

    /// Time elapsed since a fixed point, never going backwards, whatever the wall clock does.
    /// The default is the process's monotonic clock ([`Instant`]).
    fn monotonic(&self) -> Duration {
        process_monotonic()
    }
}

/// Monotonic time since the first reading in this process.
fn process_monotonic() -> Duration {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// A shared clock is a clock.
impl Clock for Arc<dyn Clock> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }

    fn monotonic(&self) -> Duration {
        (**self).monotonic()
    }
}

impl<F> Clock for F
where
    F: Fn() -> SystemTime + Send + Sync + 'static,
{
    fn now(&self) -> SystemTime {
        self()
    }
}

/// The real clock, [`SystemTime::now`]. The default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to; clones share the same time.
///
/// [`advance`](Self::advance) moves the wall clock and the monotonic clock together, as time
/// passing does; [`set`](Self::set) steps the wall clock alone, as an NTP correction or an
/// operator does (the monotonic clock does not move, as on a real machine).
///
/// ```
/// use std::time::Duration;
/// use sanctum_core::{Clock, ManualClock};
///
/// let clock = ManualClock::starting_now();
/// let before = clock.now();
/// clock.advance(Duration::from_secs(11));
/// assert_eq!(clock.now().duration_since(before).unwrap(), Duration::from_secs(11));
/// ```
#[derive(Clone)]
pub struct ManualClock {
    millis: Arc<AtomicU64>,
    monotonic_millis: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock stopped at `time`.
    #[must_use]
    pub fn at(time: SystemTime) -> Self {
        Self {
            millis: Arc::new(AtomicU64::new(to_millis(time))),
            monotonic_millis: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A clock stopped at the current system time.
    #[must_use]
    pub fn starting_now() -> Self {
        Self::at(SystemTime::now())
    }

    /// Moves the clock forward: wall-clock and monotonic time alike.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.millis.fetch_add(by, Ordering::SeqCst);
        self.monotonic_millis.fetch_add(by, Ordering::SeqCst);
    }

    /// Sets the wall clock to `time`, forwards or backwards; monotonic time does not move.
    pub fn set(&self, time: SystemTime) {
        self.millis.store(to_millis(time), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }

    fn monotonic(&self) -> Duration {
        Duration::from_millis(self.monotonic_millis.load(Ordering::SeqCst))
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("unix_millis", &self.millis.load(Ordering::SeqCst))
            .field(
                "monotonic_millis",
                &self.monotonic_millis.load(Ordering::SeqCst),
            )
            .finish()
    }
}

fn to_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Seconds since the epoch of a clock reading (0 before the epoch).
pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
