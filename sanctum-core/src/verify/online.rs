//! The online check's answers, kept per token (see [`crate::revocation::OnlineCheck`]).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use futures_util::future::Shared;

use super::cache::TailHash;
use crate::claims::CognitoClaims;
use crate::clock::Clock;
use crate::error::VerifyError;
use crate::revocation::{Liveness, LivenessCheck, OnlineCheck, WhenUnreachable};
use crate::token_use::TokenUse;

/// A kept answer: revoked or live, until `until` (seconds since the epoch, verifier clock);
/// `keep` bounds its stay in memory (real time).
#[derive(Clone, Copy)]
struct Answer {
    revoked: bool,
    until: u64,
    keep: Duration,
}

struct Keep;

impl moka::Expiry<Arc<str>, Answer> for Keep {
    fn expire_after_create(
        &self,
        _key: &Arc<str>,
        value: &Answer,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.keep)
    }
}

/// One question to the issuer, shared by every request that needs its answer.
type Flight = Shared<Pin<Box<dyn Future<Output = Liveness> + Send>>>;

/// The configured check and its answers.
pub(crate) struct Online {
    checker: Arc<dyn LivenessCheck>,
    when_unreachable: WhenUnreachable,
    /// How often a throttled question is asked again, and the wait before the first repeat.
    throttled_retries: u32,
    throttled_wait: Duration,
    /// The questions in flight, by token. An entry leaves when its answer is kept, or when
    /// every request waiting for it has gone (a later request then asks anew).
    flights: Mutex<HashMap<Arc<str>, Flight>>,
    /// Shared with the questions in flight: each keeps its own answer, once.
    kept: Arc<Kept>,
}

/// What the issuer's answers leave behind.
struct Kept {
    ttl: u64,
    answers: moka::sync::Cache<Arc<str>, Answer, TailHash>,
    clock: Arc<dyn Clock>,
    /// Milliseconds.
    hold_off: u64,
    /// Until when (milliseconds, the verifier clock's monotonic reading) the issuer is not
    /// asked, after it could not be: 0 when it answered last.
    unreachable_until: AtomicU64,
    /// When (milliseconds, as above) a question the issuer would not answer (throttled or
    /// undecided) was last logged at warn: at most one a second, the others at debug.
    warned_at: AtomicU64,
}

impl Online {
    pub(crate) fn new(check: OnlineCheck, clock: Arc<dyn Clock>) -> Self {
        Self {
            checker: check.checker,
            when_unreachable: check.when_unreachable,
            throttled_retries: check.throttled_retries,
            throttled_wait: check.throttled_wait,
            flights: Mutex::new(HashMap::new()),
            kept: Arc::new(Kept {
                ttl: check.ttl.as_secs(),
                // `keep` is a memory bound only: an answer's life is `until`, on the verifier's
                // clock
                answers: moka::sync::Cache::builder()
                    .max_capacity(check.capacity)
                    .expire_after(Keep)
                    .build_with_hasher(TailHash::default()),
                clock,
                hold_off: u64::try_from(check.retry_unreachable_after.as_millis())
                    .unwrap_or(u64::MAX),
                unreachable_until: AtomicU64::new(0),
                warned_at: AtomicU64::new(0),
            }),
        }
    }

    /// The kept answer for a verified token: `Some(Ok)` live, `Some(Err)` revoked, `None` when
    /// the issuer must be asked. ID tokens are not checked online.
    #[inline]
    pub(crate) fn cached(
        &self,
        token: &str,
        claims: &CognitoClaims,
        now: u64,
    ) -> Option<Result<(), VerifyError>> {
        if claims.token_use() != TokenUse::Access {
            return Some(Ok(()));
        }
        let answer = self.kept.answers.get(token)?;
        if now >= answer.until {
            return None;
        }
        Some(if answer.revoked {
            Err(VerifyError::Revoked)
        } else {
            Ok(())
        })
    }

    /// Asks the issuer (one question per token for the requests that need it together) and
    /// keeps the answer: live for the configured time, revoked until the token's `exp`. No
    /// answer follows [`WhenUnreachable`] and is not kept; an unreachable issuer is spared
    /// further questions for the hold-off, whose requests get the same treatment at once, a
    /// throttled or undecided one is not (the next token is asked as usual).
    pub(crate) async fn confirm(
        &self,
        token: &str,
        claims: &CognitoClaims,
        now: u64,
    ) -> Result<(), VerifyError> {
        if let Some(answer) = self.cached(token, claims, now) {
            return answer;
        }
        let held_off = self.kept.held_off();
        let liveness = if held_off {
            Liveness::Unreachable
        } else {
            self.ask(token, claims, now).await
        };
        #[cfg(feature = "metrics")]
        crate::observe::metrics::online_check(match (held_off, liveness) {
            (true, _) => "held_off",
            (false, Liveness::Live) => "live",
            (false, Liveness::Revoked) => "revoked",
            (false, Liveness::Unreachable) => "unreachable",
            (false, Liveness::Throttled) => "throttled",
            (false, Liveness::Undecided) => "undecided",
        });
        match liveness {
            Liveness::Live => Ok(()),
            Liveness::Revoked => {
                tracing::debug!("the issuer says the token is revoked");
                Err(VerifyError::Revoked)
            }
            Liveness::Unreachable | Liveness::Throttled | Liveness::Undecided => {
                let refused = self.when_unreachable == WhenUnreachable::Refuse;
                let outcome = if refused {
                    "request refused"
                } else {
                    "token accepted on the local checks"
                };
                // at warn for the question that went unanswered; the requests of its hold-off
                // (possibly thousands a second) at debug, and so are throttled and undecided
                // questions beyond one a second (they have no hold-off to bound them)
                if held_off {
                    tracing::debug!(
                        outcome,
                        "online revocation check held off: issuer unreachable"
                    );
                } else if liveness == Liveness::Unreachable {
                    tracing::warn!(outcome, "online revocation check unavailable");
                } else if self.kept.warn_due() {
                    tracing::warn!(outcome, ?liveness, "online revocation check not answered");
                } else {
                    tracing::debug!(outcome, ?liveness, "online revocation check not answered");
                }
                if refused {
                    Err(VerifyError::RevocationCheckUnavailable)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// The issuer's answer for `token`, from the question in flight for it or a new one. The
    /// question keeps its answer before it completes, so no request in between asks again.
    async fn ask(&self, token: &str, claims: &CognitoClaims, now: u64) -> Liveness {
        let flight = {
            let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
            match flights.get(token) {
                Some(flight) => flight.clone(),
                None => {
                    // a question that completed since this request looked for a kept answer
                    // kept its answer before it left `flights`: asking again would be a second
                    // question
                    if let Some(answer) = self.cached(token, claims, now) {
                        return match answer {
                            Ok(()) => Liveness::Live,
                            Err(_) => Liveness::Revoked,
                        };
                    }
                    let checker = Arc::clone(&self.checker);
                    let kept = Arc::clone(&self.kept);
                    let exp = claims.exp();
                    let asked: Arc<str> = Arc::from(token);
                    let key = Arc::clone(&asked);
                    let (retries, mut wait) = (self.throttled_retries, self.throttled_wait);
                    let question: Pin<Box<dyn Future<Output = Liveness> + Send>> =
                        Box::pin(async move {
                            let mut liveness = checker.check(&asked).await;
                            // throttled: asked again a bounded number of times, waiting longer
                            // each time; never the hold-off
                            for _ in 0..retries {
                                if liveness != Liveness::Throttled {
                                    break;
                                }
                                if !wait.is_zero() {
                                    tokio::time::sleep(wait).await;
                                }
                                wait = wait.saturating_mul(2);
                                liveness = checker.check(&asked).await;
                            }
                            kept.keep(asked, exp, now, liveness);
                            liveness
                        });
                    let flight = question.shared();
                    flights.insert(key, flight.clone());
                    flight
                }
            }
        };
        Waiting {
            online: self,
            token,
            flight,
            polled: None,
        }
        .answer()
        .await
    }
}

impl Kept {
    /// Keeps the answer for `token` (whose `exp` is given): live for the configured time,
    /// revoked until `exp`; no answer starts the hold-off.
    fn keep(&self, token: Arc<str>, exp: u64, now: u64, liveness: Liveness) {
        let (revoked, until) = match liveness {
            Liveness::Live => (false, now.saturating_add(self.ttl).min(exp)),
            Liveness::Revoked => (true, exp),
            Liveness::Unreachable => {
                let until = self.now_ms().saturating_add(self.hold_off);
                self.unreachable_until.fetch_max(until, Ordering::Relaxed);
                return;
            }
            // no answer for this token alone: nothing kept, no hold-off
            Liveness::Throttled | Liveness::Undecided => return,
        };
        self.unreachable_until.store(0, Ordering::Relaxed);
        if until > now {
            self.answers.insert(
                token,
                Answer {
                    revoked,
                    until,
                    keep: Duration::from_secs(until - now),
                },
            );
        }
    }

    /// Whether a question the issuer would not answer may be logged at warn now (at most once
    /// a second); claims the slot when it may.
    fn warn_due(&self) -> bool {
        let now = self.now_ms();
        let last = self.warned_at.load(Ordering::Relaxed);
        (last == 0 || now >= last.saturating_add(1000))
            && self
                .warned_at
                .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Whether the issuer is not to be asked now (it could not be, less than the hold-off ago).
    fn held_off(&self) -> bool {
        self.now_ms() < self.unreachable_until.load(Ordering::Relaxed)
    }

    /// Milliseconds on the verifier's monotonic clock: a wall clock stepped back (NTP) must not
    /// stretch a hold-off.
    fn now_ms(&self) -> u64 {
        u64::try_from(self.clock.monotonic().as_millis()).unwrap_or(u64::MAX)
    }
}

/// A request waiting for a flight: when it goes (answered, or dropped mid-question) it takes
/// the flight out of the map if the flight is answered or nobody else waits for it.
struct Waiting<'a> {
    online: &'a Online,
    token: &'a str,
    /// Never polled, so it can still tell whether the flight is answered.
    flight: Flight,
    /// The handle polled for the answer (a polled `Shared` lets go of the flight when done).
    polled: Option<Flight>,
}

impl Waiting<'_> {
    async fn answer(&mut self) -> Liveness {
        let polled = self.polled.get_or_insert_with(|| self.flight.clone());
        polled.await
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        // This request's polled handle goes first, so the count below does not depend on the
        // order in which a dropped future lets go of its parts.
        drop(self.polled.take());
        let mut flights = self
            .online
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(current) = flights.get(self.token) else {
            return;
        };
        // Two handles left (the map's and this one) means nobody else is waiting.
        if current.ptr_eq(&self.flight)
            && (self.flight.peek().is_some() || self.flight.strong_count() <= Some(2))
        {
            flights.remove(self.token);
        }
    }
}
