//! The JWKS cache: signing keys by `kid`, fetched once, refetched sparingly.
//!
//! Policy (DESIGN.md "JWKS policy"):
//! - keys are parsed once into ready aws-lc-rs keys and looked up by `kid` without waiting on
//!   any fetch (a read lock held for an `Arc` clone, never across I/O);
//! - an unknown `kid` triggers one refetch, but never more often than the cooldown per JWKS URL;
//!   inside the cooldown the lookup fails fast;
//! - concurrent lookups that need a fetch share one (single-flight: they queue on an async
//!   mutex and find the keys the first one fetched);
//! - a failed fetch keeps the last good keys and is reported as "keys unavailable".

mod fetch;
mod key;

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

pub(crate) use fetch::Fetcher;
pub(crate) use key::{KeySet, PreparedKey, parse_jwks};

use crate::clock::Clock;
use crate::error::{VerifyError, clip};

/// Keys of one JWKS URL.
pub(crate) struct Jwks {
    url: String,
    fetcher: Option<Fetcher>,
    keys: RwLock<Arc<KeySet>>,
    fetch: tokio::sync::Mutex<FetchState>,
    cooldown: Duration,
    clock: Arc<dyn Clock>,
}

#[derive(Default)]
struct FetchState {
    last_attempt: Option<SystemTime>,
    last_error: Option<String>,
}

impl Jwks {
    /// Keys fetched from `url` on demand.
    pub(crate) fn remote(
        url: String,
        fetcher: Fetcher,
        cooldown: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            url,
            fetcher: Some(fetcher),
            keys: RwLock::new(Arc::new(KeySet::new())),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
            cooldown,
            clock,
        }
    }

    /// A fixed key set that is never refetched (offline use).
    pub(crate) fn fixed(label: String, keys: KeySet, clock: Arc<dyn Clock>) -> Self {
        Self {
            url: label,
            fetcher: None,
            keys: RwLock::new(Arc::new(keys)),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
            cooldown: Duration::ZERO,
            clock,
        }
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

    /// Whether this JWKS is fetched from a URL (rather than fixed at build time).
    pub(crate) fn fetches(&self) -> bool {
        self.fetcher.is_some()
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
        if self.fetcher.is_none() {
            return Err(VerifyError::UnknownKey { kid: clip(kid) });
        }
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
        let now = self.clock.now();
        if let Some(last) = state.last_attempt {
            let elapsed = now.duration_since(last).unwrap_or(Duration::ZERO);
            if elapsed < self.cooldown {
                tracing::debug!(
                    url = %self.url,
                    kid = %clip(kid),
                    retry_in_ms = u64::try_from((self.cooldown - elapsed).as_millis()).unwrap_or(u64::MAX),
                    "unknown kid inside the JWKS refetch cooldown; not fetching"
                );
                return Err(match &state.last_error {
                    Some(reason) => VerifyError::KeysUnavailable {
                        url: self.url.clone(),
                        reason: reason.clone(),
                    },
                    None => VerifyError::UnknownKey { kid: clip(kid) },
                });
            }
        }
        self.fetch_locked(fetcher, &mut state).await?;
        self.cached(kid)
            .ok_or_else(|| VerifyError::UnknownKey { kid: clip(kid) })
    }

    /// Fetches now, whatever the cooldown (used by `prefetch`). Fixed key sets do nothing.
    pub(crate) async fn refresh(&self) -> Result<(), VerifyError> {
        let Some(fetcher) = &self.fetcher else {
            return Ok(());
        };
        let mut state = self.fetch.lock().await;
        self.fetch_locked(fetcher, &mut state).await
    }

    async fn fetch_locked(
        &self,
        fetcher: &Fetcher,
        state: &mut FetchState,
    ) -> Result<(), VerifyError> {
        let started = self.clock.now();
        let result = fetcher.fetch(&self.url).await;
        // Recorded only once the fetch has finished: a fetch cancelled half-way (possible only
        // without a runtime to run it on its own) arms no cooldown.
        state.last_attempt = Some(started);
        match result {
            Ok(keys) => {
                tracing::info!(url = %self.url, keys = keys.len(), "fetched JWKS");
                state.last_error = None;
                let mut slot = match self.keys.write() {
                    Ok(guard) => guard,
                    Err(poisoned) => poisoned.into_inner(),
                };
                *slot = Arc::new(keys);
                Ok(())
            }
            Err(reason) => {
                tracing::warn!(url = %self.url, %reason, "JWKS fetch failed; keeping the last good keys");
                state.last_error = Some(reason.clone());
                Err(VerifyError::KeysUnavailable {
                    url: self.url.clone(),
                    reason,
                })
            }
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
            .field("cooldown", &self.cooldown)
            .finish()
    }
}
