//! [`SessionData`]: what a browser session keeps server-side, and [`SessionPolicy`]: how long
//! it lives and when its tokens are refreshed.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::login::{LoginTokens, SignedIn};

/// Default for [`SessionPolicy::refresh_ahead`]: 5 minutes before the access token expires.
pub const DEFAULT_REFRESH_AHEAD: Duration = Duration::from_secs(300);

/// Default for [`SessionPolicy::idle_timeout`]: 30 minutes without a request.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Default for [`SessionPolicy::absolute_lifetime`]: 12 hours after sign-in, whatever the
/// activity (keep it at most the app client's refresh-token validity, 30 days by default).
pub const DEFAULT_ABSOLUTE_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// A signed-in browser's session, kept in a server-side store under the session cookie's id:
/// the managed-login tokens and who signed in. Serialises with serde (the tokens as plain
/// strings: never put it in a cookie); `Debug` shows no token.
///
/// Made by [`SessionTokens::start`](crate::session::SessionTokens::start) after
/// [`ManagedLogin::finish`](crate::login::ManagedLogin::finish); the adapters keep it (e.g.
/// `sanctum_axum::session`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionData {
    /// The tokens; the access token authenticates the browser's requests.
    pub tokens: LoginTokens,
    /// The user's `sub`.
    pub sub: String,
    /// The user name Cognito knows (`cognito:username`), when the ID token says.
    pub username: Option<String>,
    /// The user's groups (`cognito:groups`) at the last sign-in or refresh.
    pub groups: Vec<String>,
    /// The `origin_jti` of the session's tokens (Cognito's tokens carry it; it names the
    /// refresh token, so a revocation of it covers every token issued from it).
    pub origin_jti: Option<String>,
    /// When the user signed in (seconds since the epoch, the login's clock): the absolute
    /// lifetime counts from here.
    pub signed_in_at: u64,
    /// When a request last used the session, to the [`SessionPolicy::touch_every`]
    /// granularity: the idle timeout counts from here.
    pub touched_at: u64,
}

impl SessionData {
    /// The session of a sign-in completed at `now` (seconds since the epoch).
    #[must_use]
    pub fn new(signed_in: &SignedIn, now: u64) -> Self {
        let claims = &signed_in.claims;
        Self {
            tokens: signed_in.tokens.clone(),
            sub: claims.sub().to_owned(),
            username: claims.username().map(str::to_owned),
            groups: claims.groups().map(str::to_owned).collect(),
            origin_jti: claims.origin_jti().map(str::to_owned),
            signed_in_at: now,
            touched_at: now,
        }
    }

    /// This session with the tokens of a refresh (the rest of who signed in is kept; the
    /// groups are the new ID token's).
    #[must_use]
    pub fn refreshed(&self, refreshed: &SignedIn, now: u64) -> Self {
        let mut next = Self::new(refreshed, now);
        next.signed_in_at = self.signed_in_at;
        next
    }
}

/// How long sessions live and when their tokens are refreshed.
///
/// Given to [`SessionTokens::new`](crate::session::SessionTokens::new).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct SessionPolicy {
    refresh_ahead: Duration,
    idle_timeout: Duration,
    absolute_lifetime: Duration,
    touch_every: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionPolicy {
    /// The defaults: refresh 5 minutes ahead, 30 minutes idle, 12 hours in all; the idle clock
    /// is written back at most once a minute.
    pub const fn new() -> Self {
        Self {
            refresh_ahead: DEFAULT_REFRESH_AHEAD,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            absolute_lifetime: DEFAULT_ABSOLUTE_LIFETIME,
            touch_every: Duration::from_secs(60),
        }
    }

    /// Refresh the tokens once the access token expires within this (default 5 minutes): a
    /// refresh that loses a race with another instance then still has a valid token.
    pub const fn refresh_ahead(mut self, ahead: Duration) -> Self {
        self.refresh_ahead = ahead;
        self
    }

    /// End a session unused for this long (default 30 minutes). The session cookie and the
    /// store's entry expire with it.
    pub const fn idle_timeout(mut self, idle: Duration) -> Self {
        self.idle_timeout = idle;
        self
    }

    /// End a session this long after sign-in, used or not (default 12 hours); at most the
    /// app client's refresh-token validity.
    pub const fn absolute_lifetime(mut self, lifetime: Duration) -> Self {
        self.absolute_lifetime = lifetime;
        self
    }

    /// Write the session back to push its idle timeout on at most this often (default 1
    /// minute): a store write per request would be wasted.
    pub const fn touch_every(mut self, every: Duration) -> Self {
        self.touch_every = every;
        self
    }

    /// See [`refresh_ahead`](Self::refresh_ahead).
    #[must_use]
    pub const fn refresh_ahead_of_expiry(&self) -> Duration {
        self.refresh_ahead
    }

    /// See [`idle_timeout`](Self::idle_timeout).
    #[must_use]
    pub const fn idle(&self) -> Duration {
        self.idle_timeout
    }

    /// See [`absolute_lifetime`](Self::absolute_lifetime).
    #[must_use]
    pub const fn lifetime(&self) -> Duration {
        self.absolute_lifetime
    }

    /// What a session comes to at `now` (seconds since the epoch).
    #[must_use]
    pub fn state(&self, data: &SessionData, now: u64) -> SessionState {
        if now
            >= data
                .signed_in_at
                .saturating_add(self.absolute_lifetime.as_secs())
        {
            return SessionState::Ended(EndReason::Lifetime);
        }
        if now >= data.touched_at.saturating_add(self.idle_timeout.as_secs()) {
            return SessionState::Ended(EndReason::Idle);
        }
        if now.saturating_add(self.refresh_ahead.as_secs()) >= data.tokens.expires_at {
            return if data.tokens.refresh_token.is_some() {
                SessionState::RefreshDue
            } else if now < data.tokens.expires_at {
                SessionState::Fresh {
                    touch: self.touch_due(data, now),
                }
            } else {
                SessionState::Ended(EndReason::Expired)
            };
        }
        SessionState::Fresh {
            touch: self.touch_due(data, now),
        }
    }

    fn touch_due(&self, data: &SessionData, now: u64) -> bool {
        now >= data.touched_at.saturating_add(self.touch_every.as_secs())
    }
}

/// What a session comes to at a given time; from [`SessionPolicy::state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionState {
    /// Its access token is good for longer than the refresh margin.
    Fresh {
        /// The idle clock should be written back (see [`SessionPolicy::touch_every`]).
        touch: bool,
    },
    /// Its access token expires within the refresh margin (or has): refresh it.
    RefreshDue,
    /// Over: sign in again.
    Ended(EndReason),
}

/// Why a session ended.
///
/// Part of [`SessionState`]; see [`SessionPolicy::state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndReason {
    /// Its absolute lifetime is over.
    Lifetime,
    /// It was idle for longer than the idle timeout.
    Idle,
    /// Its access token expired and it has no refresh token.
    Expired,
    /// Cognito refused its refresh token (revoked, expired, or rotated away and no newer one
    /// in the store) and its access token expired.
    RefreshRefused,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{AccessToken, IdToken, RefreshToken};

    fn session(expires_at: u64, refresh: bool) -> SessionData {
        SessionData {
            tokens: LoginTokens {
                access_token: AccessToken::new("a".to_owned()),
                id_token: IdToken::new("i".to_owned()),
                refresh_token: refresh.then(|| RefreshToken::new("r".to_owned())),
                expires_at,
                token_type: "Bearer".to_owned(),
            },
            sub: "s".into(),
            username: None,
            groups: Vec::new(),
            origin_jti: None,
            signed_in_at: 1_000,
            touched_at: 1_000,
        }
    }

    #[test]
    fn a_session_refreshes_ahead_of_expiry_and_ends_idle_or_old() {
        let policy = SessionPolicy::new()
            .refresh_ahead(Duration::from_secs(300))
            .idle_timeout(Duration::from_secs(1_800))
            .absolute_lifetime(Duration::from_secs(7_200))
            .touch_every(Duration::from_secs(60));
        let data = session(1_000 + 3_600, true);
        assert_eq!(
            policy.state(&data, 1_000),
            SessionState::Fresh { touch: false }
        );
        assert_eq!(
            policy.state(&data, 1_060),
            SessionState::Fresh { touch: true }
        );
        // 300 s before expiry
        let mut used = data.clone();
        used.touched_at = 4_200;
        assert_eq!(
            policy.state(&used, 4_299),
            SessionState::Fresh { touch: true }
        );
        assert_eq!(policy.state(&used, 4_300), SessionState::RefreshDue);
        assert_eq!(policy.state(&used, 5_000), SessionState::RefreshDue);
        // idle for 30 minutes
        assert_eq!(
            policy.state(&data, 2_800),
            SessionState::Ended(EndReason::Idle)
        );
        // 2 hours after sign-in, however active
        used.touched_at = 8_190;
        assert_eq!(
            policy.state(&used, 8_200),
            SessionState::Ended(EndReason::Lifetime)
        );
        // without a refresh token: used until expiry, then over
        let mut bare = session(1_000 + 600, false);
        bare.touched_at = 1_500;
        assert_eq!(
            policy.state(&bare, 1_500),
            SessionState::Fresh { touch: false }
        );
        assert_eq!(
            policy.state(&bare, 1_600),
            SessionState::Ended(EndReason::Expired)
        );
    }

    #[test]
    fn a_refreshed_session_keeps_its_sign_in_time() {
        let data = session(5_000, true);
        let json = serde_json::to_string(&data).expect("serializes");
        let back: SessionData = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, data);
        assert!(!format!("{data:?}").contains("\"r\""), "no token in Debug");
    }
}
