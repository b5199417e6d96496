//! [`SessionTokens`]: a session's tokens kept fresh — refreshed ahead of expiry, one refresh
//! per session at a time, written back to the store, and a lost race with another instance
//! settled by reading the store again.

use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher as _, Hasher as _};
use std::sync::Arc;
use std::time::Duration;

use super::data::{EndReason, SessionData, SessionPolicy, SessionState};
use crate::clock::unix_seconds;
use crate::login::{LoginError, ManagedLogin, OAuthErrorCode, SignedIn};

/// How many locks serialise refreshes (a session's id picks one): one refresh per session at
/// a time in this process, with memory that does not grow with the sessions.
const REFRESH_LOCKS: usize = 64;

/// A session store could not be read or written. Its message names no session id or token.
///
/// Returned by a [`SessionSlot`]; see [`SessionTokens::current`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("session store unavailable: {message}")]
pub struct StoreError {
    /// What failed.
    pub message: String,
}

impl StoreError {
    /// A store failure described by `message`.
    pub fn new(message: impl fmt::Display) -> Self {
        Self {
            message: message.to_string(),
        }
    }
}

/// Why a session cannot be used now, through no fault of the browser: answer 503.
///
/// Returned by [`SessionTokens::current`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The store cannot be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The access token expired and Cognito could not be reached to refresh it.
    #[error("the session's tokens could not be refreshed: {0}")]
    Refresh(#[source] LoginError),
}

/// One session's entry in the store, as [`SessionTokens::current`] reads and writes it; the
/// web adapters implement it over their session type.
pub trait SessionSlot: Send {
    /// Reads the entry from the store again (not from a copy held by the request): what
    /// another request or instance wrote meanwhile. `None` when it is gone (signed out).
    fn reload(
        &mut self,
    ) -> impl Future<Output = Result<Option<Arc<SessionData>>, StoreError>> + Send;

    /// Writes `data` back to the store.
    fn save(&mut self, data: &SessionData) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What a session comes to for a request; from [`SessionTokens::current`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Current {
    /// Signed in: use these tokens (written back already when they changed). Shared with the
    /// store's copy when the store keeps sessions decoded (no token copied per request).
    Active(Arc<SessionData>),
    /// Over: remove the session; the request is anonymous.
    Ended(EndReason),
    /// The store no longer holds the session (signed out on another instance).
    Gone,
}

/// Keeps sessions' tokens fresh through a [`ManagedLogin`]: checks a session's lifetimes,
/// refreshes its tokens ahead of expiry and writes them back. Cheap to clone; share one per
/// application.
///
/// Refreshes of one session are serialised in this process; across instances the refresh
/// that loses (Cognito refuses the refresh token another instance just rotated) reads the
/// store again and takes the winner's tokens. Cognito's refresh-token rotation has a grace
/// period (`RetryGracePeriodSeconds`, 0-60 s) during which the old refresh token still works:
/// set one (say 10 s) on app clients that rotate, so a loser whose store read comes before the
/// winner's write is not refused either. Until the access token expires a refused or failed
/// refresh keeps the session on its current tokens; after that, a refused refresh ends the
/// session and a failed one is [`SessionError::Refresh`].
#[derive(Clone)]
pub struct SessionTokens {
    inner: Arc<Inner>,
}

struct Inner {
    login: ManagedLogin,
    policy: SessionPolicy,
    locks: Box<[tokio::sync::Mutex<()>]>,
    hasher: foldhash::quality::RandomState,
}

impl fmt::Debug for SessionTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionTokens")
            .field("login", &self.inner.login)
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

impl SessionTokens {
    /// Sessions of `login`'s sign-ins, living as `policy` says.
    #[must_use]
    pub fn new(login: ManagedLogin, policy: SessionPolicy) -> Self {
        Self {
            inner: Arc::new(Inner {
                login,
                policy,
                locks: (0..REFRESH_LOCKS)
                    .map(|_| tokio::sync::Mutex::new(()))
                    .collect(),
                hasher: foldhash::quality::RandomState::default(),
            }),
        }
    }

    /// The managed login the sessions come from.
    #[must_use]
    pub fn login(&self) -> &ManagedLogin {
        &self.inner.login
    }

    /// The sessions' lifetimes.
    pub fn policy(&self) -> &SessionPolicy {
        &self.inner.policy
    }

    /// Now, in seconds since the epoch, by the login's (its verifier's) clock.
    #[must_use]
    pub fn now(&self) -> u64 {
        unix_seconds(self.inner.login.clock().now())
    }

    /// How long the session `data`, written now, lives in the store and in the browser's
    /// cookie (`Max-Age`): the idle timeout, cut at what is left of the absolute lifetime; at
    /// least a second. Both adapters give the session cookie this lifetime at sign-in and
    /// again whenever the session is written back (its idle clock pushed on, its tokens
    /// refreshed), so the browser forgets it when the server does.
    ///
    /// ```
    /// # fn demo(tokens: &sanctum_core::session::SessionTokens, data: &sanctum_core::session::SessionData) {
    /// let ttl = tokens.time_to_live(data);
    /// assert!(ttl <= tokens.policy().idle());
    /// # }
    /// ```
    #[must_use]
    pub fn time_to_live(&self, data: &SessionData) -> Duration {
        let policy = self.policy();
        let end = data
            .signed_in_at
            .saturating_add(policy.lifetime().as_secs());
        let left = end.saturating_sub(self.now());
        policy
            .idle()
            .min(Duration::from_secs(left))
            .max(Duration::from_secs(1))
    }

    /// Whether the session `data` is used now as it is: within its lifetimes, no refresh due
    /// and no idle clock to write back — [`current`](Self::current) would answer it
    /// [active](Current::Active) without a write. The adapters' hot path answers such a
    /// request without waiting ([`SessionSettings::authenticate_now`](super::SessionSettings::authenticate_now)).
    ///
    /// ```
    /// # fn demo(tokens: &sanctum_core::session::SessionTokens, data: &sanctum_core::session::SessionData) {
    /// if tokens.usable_now(data) {
    ///     // no store write, no refresh: the session's access token is what to verify
    /// }
    /// # }
    /// ```
    #[must_use]
    pub fn usable_now(&self, data: &SessionData) -> bool {
        matches!(
            self.inner.policy.state(data, self.now()),
            SessionState::Fresh { touch: false }
        )
    }

    /// The session of a completed sign-in, to store under a freshly cycled session id.
    #[must_use]
    pub fn start(&self, signed_in: &SignedIn) -> SessionData {
        SessionData::new(signed_in, self.now())
    }

    /// What the session `data` (just read from the store under `key`, the session id's bytes)
    /// comes to now: ended (lifetime, idle), active with its tokens, or active with refreshed
    /// ones (written back through `slot`). The idle clock is written back at most every
    /// [`SessionPolicy::touch_every`].
    ///
    /// # Errors
    /// [`SessionError::Store`] when `slot` fails; [`SessionError::Refresh`] when the access
    /// token expired and Cognito could not be reached (or failed) to refresh it.
    pub async fn current<S: SessionSlot>(
        &self,
        key: &[u8],
        data: Arc<SessionData>,
        slot: &mut S,
    ) -> Result<Current, SessionError> {
        let now = self.now();
        match self.inner.policy.state(&data, now) {
            SessionState::Ended(reason) => Ok(Current::Ended(reason)),
            SessionState::Fresh { touch: false } => Ok(Current::Active(data)),
            SessionState::Fresh { touch: true } => {
                let mut touched = SessionData::clone(&data);
                touched.touched_at = now;
                slot.save(&touched).await?;
                Ok(Current::Active(Arc::new(touched)))
            }
            SessionState::RefreshDue => {
                let (outcome, current) = self.refresh(key, &data, slot).await;
                outcome.count();
                current
            }
        }
    }

    async fn refresh<S: SessionSlot>(
        &self,
        key: &[u8],
        data: &SessionData,
        slot: &mut S,
    ) -> (RefreshOutcome, Result<Current, SessionError>) {
        let _one_at_a_time = self.lock_for(key).lock().await;
        match self.refresh_locked(data, slot).await {
            Ok((outcome, current)) => (outcome, Ok(current)),
            Err(err) => (RefreshOutcome::Failed, Err(err)),
        }
    }

    async fn refresh_locked<S: SessionSlot>(
        &self,
        data: &SessionData,
        slot: &mut S,
    ) -> Result<(RefreshOutcome, Current), SessionError> {
        use RefreshOutcome::{Failed, LostRace, Refreshed, Refused};
        // another request (or instance) may have refreshed it meanwhile
        let Some(stored) = slot.reload().await? else {
            return Ok((LostRace, Current::Gone));
        };
        let now = self.now();
        if stored.tokens != data.tokens {
            match self.inner.policy.state(&stored, now) {
                SessionState::RefreshDue => {}
                SessionState::Ended(reason) => return Ok((LostRace, Current::Ended(reason))),
                SessionState::Fresh { .. } => return Ok((LostRace, Current::Active(stored))),
            }
        }
        let Some(refresh_token) = stored.tokens.refresh_token.clone() else {
            return Ok((Refused, Current::Ended(EndReason::Expired)));
        };
        match self.inner.login.refresh(&refresh_token).await {
            Ok(refreshed) => {
                let mut next = stored.refreshed(&refreshed, now);
                next.touched_at = now;
                slot.save(&next).await?;
                tracing::debug!(sub = %next.sub, "session tokens refreshed");
                Ok((Refreshed, Current::Active(Arc::new(next))))
            }
            Err(LoginError::OAuth(err)) if err.code == OAuthErrorCode::InvalidGrant => {
                // Lost a rotation race? The winner's tokens are in the store by now.
                match slot.reload().await? {
                    None => Ok((LostRace, Current::Gone)),
                    Some(latest)
                        if latest.tokens.refresh_token.as_ref() != Some(&refresh_token) =>
                    {
                        tracing::debug!(sub = %latest.sub, "session refreshed by another instance");
                        Ok((LostRace, Current::Active(latest)))
                    }
                    Some(latest) if now < latest.tokens.expires_at => {
                        Ok((Refused, Current::Active(latest)))
                    }
                    Some(_) => {
                        tracing::debug!(sub = %stored.sub, "session refresh token refused");
                        Ok((Refused, Current::Ended(EndReason::RefreshRefused)))
                    }
                }
            }
            Err(err) if now < stored.tokens.expires_at => {
                tracing::warn!(error = %err, "session refresh failed; its access token is still valid");
                Ok((Failed, Current::Active(stored)))
            }
            Err(err) if is_server_side(&err) => Err(SessionError::Refresh(err)),
            Err(err) => {
                tracing::debug!(error = %err, "session refresh refused");
                Ok((Refused, Current::Ended(EndReason::RefreshRefused)))
            }
        }
    }

    fn lock_for(&self, key: &[u8]) -> &tokio::sync::Mutex<()> {
        let mut hasher = self.inner.hasher.build_hasher();
        hasher.write(key);
        let index = usize::try_from(hasher.finish() % REFRESH_LOCKS as u64).unwrap_or(0);
        &self.inner.locks[index]
    }
}

/// How a due refresh went, counted as `sanctum_browser_session_refreshes_total{outcome}`
/// (feature `metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefreshOutcome {
    /// Cognito issued new tokens, written back.
    Refreshed,
    /// Another request or instance refreshed (or ended) the session first: its tokens taken
    /// from the store.
    LostRace,
    /// Cognito refused the refresh token (or the session had none).
    Refused,
    /// Cognito or the store could not be reached (or answered wrongly).
    Failed,
}

impl RefreshOutcome {
    fn count(self) {
        #[cfg(feature = "metrics")]
        crate::observe::metrics::browser_session_refresh(match self {
            Self::Refreshed => "refreshed",
            Self::LostRace => "lost_race",
            Self::Refused => "refused",
            Self::Failed => "failed",
        });
    }
}

fn is_server_side(err: &LoginError) -> bool {
    match err {
        LoginError::Unavailable { .. } | LoginError::BadResponse { .. } => true,
        LoginError::OAuth(err) => err.code.is_server_side(),
        LoginError::IdToken(err) => matches!(
            err,
            crate::error::VerifyError::KeysUnavailable { .. }
                | crate::error::VerifyError::RevocationCheckUnavailable
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_error_names_what_failed() {
        let err = StoreError::new("connection refused");
        assert_eq!(
            err.to_string(),
            "session store unavailable: connection refused"
        );
    }
}
