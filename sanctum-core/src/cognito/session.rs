//! A signed-in user's tokens that stay fresh by themselves: [`TokenSession`].
//!
//! A [`TokenSession`] holds one sign-in's tokens. [`access_token`](TokenSession::access_token) and
//! [`id_token`](TokenSession::id_token) always return tokens that are still valid for at least the
//! session's margin ([`DEFAULT_REFRESH_MARGIN`], 60 s, unless
//! [`TokenSessionBuilder::margin`] says otherwise): when the tokens get closer to expiry than that,
//! the call first refreshes them with [`Auth::refresh`](super::Auth::refresh) —
//! `GetTokensFromRefreshToken`, so with refresh-token rotation on, the new refresh token replaces
//! the old one; `REFRESH_TOKEN_AUTH` where the endpoint lacks that operation.
//!
//! - **One refresh at a time.** Clones of a session share its tokens; callers that find them
//!   stale together wait for one refresh and all get its result (single-flight). The refresh
//!   runs on a Tokio task of its own: a caller that stops waiting (a dropped future, a timeout)
//!   does not lose the tokens, rotated refresh token included; they are stored when they come.
//! - **"Sign in again" is one error.** When Cognito refuses the refresh token (revoked, expired,
//!   rotated away, user disabled or deleted — `NotAuthorized` or `UserNotFound`), or the session
//!   has no refresh token, or it was [revoked](TokenSession::revoke), the call fails with
//!   [`SessionError::SignInAgain`] and so does every later one, without asking Cognito again.
//!   Any other failure (Cognito unreachable, throttled) is [`SessionError::Refresh`]: the session
//!   is unchanged and the next call tries again.
//! - **Storable.** [`TokenSession::data`] is a [`SessionData`] (serde) for the application's own
//!   session store, and [`TokenSessionBuilder::restore`] continues from it.
//!   [`TokenSessionBuilder::on_refresh`] is called with the new data after every refresh, to persist
//!   the rotated refresh token. `SessionData` **is a secret** (it holds the refresh token): keep
//!   it server-side (or encrypted), never in a browser-readable cookie or a log.
//! - **No token in `Debug`.**
//!
//! # Expiry
//! A token's deadline is taken on the session's clock (by default the client's, see
//! [`SanctumClientBuilder::clock`](super::SanctumClientBuilder::clock)) when the token is
//! received: receipt time plus the access token's `expires_in`, and plus the ID token's lifetime
//! (`exp - iat`) when that is shorter. Lifetimes, not Cognito's `exp` itself, so a server clock
//! that differs from this machine's moves no deadline. The ID token's `iat`/`exp` and the access
//! token's `username` claim (for `SECRET_HASH` on `REFRESH_TOKEN_AUTH`) are read **without
//! verifying the signature**: acceptable only because the session takes tokens straight from
//! Cognito's answers over TLS (a sign-in or refresh result), never from a request. Verify tokens
//! a client sends you with the [`Verifier`](crate::Verifier).
//!
//! A refresh that is cancelled (its future dropped) after Cognito rotated the refresh token
//! loses the new one; the next call then gets [`SessionError::SignInAgain`] unless the app
//! client allows a rotation grace period.
//!
//! ```no_run
//! use sanctum_core::cognito::{SanctumClient, SessionError, SignInStep, TokenSession};
//!
//! # async fn run(client: SanctumClient) -> Result<(), Box<dyn std::error::Error>> {
//! let SignInStep::Done(tokens) = client.auth().sign_in("alice", "correct horse").await? else {
//!     return Ok(()); // a step: answer it first
//! };
//! let session = TokenSession::builder(&client)
//!     .on_refresh(|data| {
//!         // store the rotated refresh token, e.g. in the server-side session store
//!         let _json = serde_json::to_string(data);
//!     })
//!     .start(tokens);
//!
//! match session.access_token().await {
//!     Ok(token) => println!("call the API with a token of {} bytes", token.secret().len()),
//!     Err(SessionError::SignInAgain { .. }) => println!("send the user to the sign-in page"),
//!     Err(other) => return Err(other.into()),
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::{CognitoError, SanctumClient, Tokens};
use crate::clock::{Clock, unix_seconds};
use crate::credentials::{AccessToken, IdToken, RefreshToken, Username};

/// How long the tokens [`TokenSession::access_token`] returns stay valid at least, by default: 60 s.
/// Enough for a request to reach the API it is sent to on a slow path, short enough not to
/// refresh tokens that still have most of their life (Cognito's last at least 5 minutes).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A stored form of a [`TokenSession`]: its tokens, their deadline and the user name, for the
/// application's own session store (serde).
///
/// **Secret**: it holds the refresh token, which signs the user in for days. Store it
/// server-side (or encrypted and authenticated), never where the browser or a log can read it.
/// `Debug` shows no token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionData {
    /// The access token.
    pub access_token: AccessToken,
    /// The ID token, if the sign-in gave one.
    pub id_token: Option<IdToken>,
    /// The refresh token; without one the session cannot refresh.
    pub refresh_token: Option<RefreshToken>,
    /// The user name Cognito knows (the access token's `username` claim), for `SECRET_HASH`.
    pub username: Option<Username>,
    /// When the tokens expire, in Unix seconds of the session's clock (the earlier of the
    /// access and ID token).
    pub expires_at: u64,
}

/// Why a session cannot go on; see [`SessionError::SignInAgain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionEnd {
    /// Cognito refused the refresh token: revoked, expired, rotated away, or the user was
    /// disabled or deleted.
    Refused,
    /// The tokens are about to expire and the session has no refresh token.
    NoRefreshToken,
    /// The session was ended with [`TokenSession::revoke`] (or [`TokenSession::end`]).
    SignedOut,
}

impl fmt::Display for SessionEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Refused => "Cognito refused the refresh token",
            Self::NoRefreshToken => "the tokens expire and there is no refresh token",
            Self::SignedOut => "the session was signed out",
        })
    }
}

/// Why a [`TokenSession`] could not hand out a fresh token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The session is over: the user must sign in again. Every later call fails the same way,
    /// without a request to Cognito.
    #[error("sign in again: {reason}")]
    SignInAgain {
        /// Why.
        reason: SessionEnd,
        /// Cognito's refusal, when it refused ([`SessionEnd::Refused`]).
        #[source]
        source: Option<Box<CognitoError>>,
    },
    /// The refresh failed for a reason that is not the session's (Cognito unreachable or
    /// throttled, an internal error): the session is unchanged, a later call tries again.
    #[error("refreshing the session failed: {0}")]
    Refresh(#[source] CognitoError),
}

impl SessionError {
    /// Whether the user must sign in again ([`SessionError::SignInAgain`]).
    #[must_use]
    pub fn is_sign_in_again(&self) -> bool {
        matches!(self, Self::SignInAgain { .. })
    }
}

/// Whether Cognito's answer to a refresh means the refresh token is no good.
fn is_refusal(err: &CognitoError) -> bool {
    matches!(
        err,
        CognitoError::NotAuthorized(_) | CognitoError::UserNotFound(_)
    )
}

type RefreshHook = dyn Fn(&SessionData) + Send + Sync;

/// Configures a [`TokenSession`]; from [`TokenSession::builder`].
#[must_use]
pub struct TokenSessionBuilder {
    client: SanctumClient,
    margin: Duration,
    clock: Arc<dyn Clock>,
    hook: Option<Arc<RefreshHook>>,
}

impl fmt::Debug for TokenSessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSessionBuilder")
            .field("client", &self.client)
            .field("margin", &self.margin)
            .field("on_refresh", &self.hook.is_some())
            .finish_non_exhaustive()
    }
}

impl TokenSessionBuilder {
    /// How long returned tokens stay valid at least (default [`DEFAULT_REFRESH_MARGIN`]).
    /// Tokens whose whole lifetime is shorter than this are refreshed on every call.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The clock deadlines are taken on (default: the client's clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Called after every successful refresh with the session's new data — to persist the
    /// rotated refresh token in the application's session store. It runs while the refresh
    /// still holds the session, so calls are in refresh order; keep it quick (no blocking I/O:
    /// hand the data to a task or a channel).
    pub fn on_refresh(mut self, hook: impl Fn(&SessionData) + Send + Sync + 'static) -> Self {
        self.hook = Some(Arc::new(hook));
        self
    }

    /// A session of the tokens a sign-in (or refresh) just returned; their deadline is taken
    /// now (see the [module docs](self#expiry)).
    pub fn start(self, tokens: Tokens) -> TokenSession {
        let now = unix_seconds(self.clock.now());
        let data = data_of(tokens, None, now);
        self.restore(data)
    }

    /// A session continuing from stored data (see [`TokenSession::data`]).
    pub fn restore(self, data: SessionData) -> TokenSession {
        TokenSession {
            inner: Arc::new(SessionInner {
                client: self.client,
                margin: self.margin.as_secs(),
                clock: self.clock,
                hook: self.hook,
                state: Mutex::new(State { data, ended: None }),
                refreshing: Arc::new(tokio::sync::Mutex::new(())),
                generation: AtomicU64::new(0),
            }),
        }
    }
}

/// The tokens of one sign-in, refreshed ahead of expiry; see the [module docs](self). Cheap
/// to clone: clones share the tokens and the refresh.
#[derive(Clone)]
pub struct TokenSession {
    inner: Arc<SessionInner>,
}

struct SessionInner {
    client: SanctumClient,
    /// Seconds.
    margin: u64,
    clock: Arc<dyn Clock>,
    hook: Option<Arc<RefreshHook>>,
    state: Mutex<State>,
    /// Held by the one refresh in flight, until its result is stored.
    refreshing: Arc<tokio::sync::Mutex<()>>,
    /// Completed refreshes (and endings), so a caller that waited for another's refresh uses
    /// its result instead of refreshing again.
    generation: AtomicU64,
}

struct State {
    data: SessionData,
    ended: Option<SessionEnd>,
}

impl fmt::Debug for TokenSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("TokenSession")
            .field("username", &state.data.username)
            .field("expires_at", &state.data.expires_at)
            .field("has_refresh_token", &state.data.refresh_token.is_some())
            .field("ended", &state.ended)
            .field("margin_secs", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

impl TokenSession {
    /// Starts configuring a session that refreshes through `client`.
    pub fn builder(client: &SanctumClient) -> TokenSessionBuilder {
        TokenSessionBuilder {
            client: client.clone(),
            margin: DEFAULT_REFRESH_MARGIN,
            clock: Arc::clone(client.clock()),
            hook: None,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The lock is never held across a call that could panic; a poisoned one is still sound.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// An access token valid for at least the margin, refreshed first when needed.
    ///
    /// # Errors
    /// [`SessionError::SignInAgain`] when the session is over, [`SessionError::Refresh`] when
    /// a needed refresh failed otherwise.
    pub async fn access_token(&self) -> Result<AccessToken, SessionError> {
        Ok(self.fresh().await?.access_token)
    }

    /// The ID token (if the sign-in gave one), valid for at least the margin.
    ///
    /// # Errors
    /// As [`access_token`](Self::access_token).
    pub async fn id_token(&self) -> Result<Option<IdToken>, SessionError> {
        Ok(self.fresh().await?.id_token)
    }

    /// All the tokens, valid for at least the margin.
    ///
    /// # Errors
    /// As [`access_token`](Self::access_token).
    pub async fn fresh_data(&self) -> Result<SessionData, SessionError> {
        self.fresh().await
    }

    /// The session's current data, as it is (no refresh), for the application's session store.
    /// A secret: see [`SessionData`].
    #[must_use]
    pub fn data(&self) -> SessionData {
        self.state().data.clone()
    }

    /// The user name Cognito knows (the access token's `username` claim), when it could be read.
    #[must_use]
    pub fn username(&self) -> Option<Username> {
        self.state().data.username.clone()
    }

    /// When the current tokens expire, on the session's clock.
    #[must_use]
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.state().data.expires_at)
    }

    /// Why the session is over, if it is.
    #[must_use]
    pub fn ended(&self) -> Option<SessionEnd> {
        self.state().ended
    }

    /// Ends the session locally: every later call fails with [`SessionError::SignInAgain`]
    /// ([`SessionEnd::SignedOut`]). Nothing is sent to Cognito; see [`revoke`](Self::revoke).
    pub fn end(&self) {
        self.state().ended = Some(SessionEnd::SignedOut);
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Ends the session and revokes its refresh token at Cognito (`RevokeToken`): the token and
    /// the access tokens issued from it stop working in Cognito's own calls. With a revocation
    /// store on the client ([`SanctumClientBuilder::revocations`](super::SanctumClientBuilder::revocations)),
    /// the session's `origin_jti` (from its access or ID token) is then recorded, so verifiers
    /// sharing the store refuse every access and ID token of the session at once. The session
    /// is ended even when the revocation fails. A refresh in flight is waited for first, so the
    /// refresh token revoked is the latest (a rotated one included).
    ///
    /// # Errors
    /// Cognito's refusal or a transport failure, as [`Auth::revoke`](super::Auth::revoke)
    /// (nothing recorded); [`CognitoError::RevocationNotRecorded`] when the refresh token was
    /// revoked but the session's tokens name no `origin_jti` to record (an emulator's tokens:
    /// fall back to a global sign-out).
    pub async fn revoke(&self) -> Result<(), CognitoError> {
        let _refreshing = self.inner.refreshing.lock().await;
        let data = {
            let mut state = self.state();
            state.ended = Some(SessionEnd::SignedOut);
            state.data.clone()
        };
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(token) = &data.refresh_token {
            self.inner.client.auth().revoke(token).await?;
        }
        self.inner
            .client
            .record_session_revoked(&data.access_token, data.id_token.as_ref())
    }

    /// The current data if it is fresh enough, else why not.
    fn current(&self, now: u64) -> Result<Option<SessionData>, SessionError> {
        let state = self.state();
        if let Some(reason) = state.ended {
            return Err(SessionError::SignInAgain {
                reason,
                source: None,
            });
        }
        if state.data.expires_at >= now.saturating_add(self.inner.margin) {
            return Ok(Some(state.data.clone()));
        }
        Ok(None)
    }

    async fn fresh(&self) -> Result<SessionData, SessionError> {
        // Read before looking at the tokens: a refresh that completes after this is seen below.
        let seen = self.inner.generation.load(Ordering::SeqCst);
        let now = unix_seconds(self.inner.clock.now());
        if let Some(data) = self.current(now)? {
            return Ok(data);
        }
        let refreshing = Arc::clone(&self.inner.refreshing).lock_owned().await;
        // Someone else refreshed (or ended the session) while we waited: take their result,
        // even if Cognito's new tokens are themselves within the margin.
        if self.inner.generation.load(Ordering::SeqCst) != seen {
            let state = self.state();
            if let Some(reason) = state.ended {
                return Err(SessionError::SignInAgain {
                    reason,
                    source: None,
                });
            }
            return Ok(state.data.clone());
        }
        let now = unix_seconds(self.inner.clock.now());
        if let Some(data) = self.current(now)? {
            return Ok(data);
        }
        let (refresh_token, username) = {
            let state = self.state();
            (
                state.data.refresh_token.clone(),
                state.data.username.clone(),
            )
        };
        let Some(refresh_token) = refresh_token else {
            return Err(self.finish(SessionEnd::NoRefreshToken, None));
        };
        // The refresh runs on its own task, which stores its result even when every caller
        // has given up waiting (a dropped future, a timeout): with rotation on, Cognito has
        // replaced the refresh token by then, and losing the new one would end the session.
        let session = self.clone();
        let task = tokio::spawn(async move {
            let _refreshing = refreshing;
            session.refresh(refresh_token, username).await
        });
        match task.await {
            Ok(result) => result,
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(err) => Err(SessionError::Refresh(CognitoError::Transport {
                operation: "refresh",
                message: "the refresh task was cancelled (the runtime is shutting down)".into(),
                source: Box::new(err),
            })),
        }
    }

    /// Refreshes with `refresh_token` and stores the result (or the session's end).
    async fn refresh(
        &self,
        refresh_token: RefreshToken,
        username: Option<Username>,
    ) -> Result<SessionData, SessionError> {
        tracing::debug!(username = ?username, "refreshing the session's tokens");
        let result = self
            .inner
            .client
            .auth()
            .refresh(&refresh_token, username.as_ref())
            .await;
        #[cfg(feature = "metrics")]
        crate::observe::metrics::session_refresh(match &result {
            Ok(_) => "ok",
            Err(err) if is_refusal(err) => "refused",
            Err(_) => "error",
        });
        match result {
            Ok(tokens) => {
                let now = unix_seconds(self.inner.clock.now());
                let data = data_of(tokens, username, now);
                {
                    let mut state = self.state();
                    if let Some(reason) = state.ended {
                        // ended (revoked) while the refresh was in flight: stay ended
                        return Err(SessionError::SignInAgain {
                            reason,
                            source: None,
                        });
                    }
                    state.data = data.clone();
                }
                self.inner.generation.fetch_add(1, Ordering::SeqCst);
                if let Some(hook) = &self.inner.hook {
                    hook(&data);
                }
                Ok(data)
            }
            Err(err) if is_refusal(&err) => {
                tracing::debug!(error = %err, "Cognito refused the refresh token: the session is over");
                Err(self.finish(SessionEnd::Refused, Some(err)))
            }
            Err(err) => Err(SessionError::Refresh(err)),
        }
    }

    fn finish(&self, reason: SessionEnd, source: Option<CognitoError>) -> SessionError {
        {
            let mut state = self.state();
            state.ended.get_or_insert(reason);
        }
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        SessionError::SignInAgain {
            reason,
            source: source.map(Box::new),
        }
    }
}

/// The claims the session reads, unverified, from tokens it got from Cognito itself.
#[derive(Deserialize)]
struct Unverified {
    exp: Option<u64>,
    iat: Option<u64>,
    username: Option<String>,
}

/// The payload of a JWT, decoded WITHOUT checking its signature (see the module docs).
fn unverified(token: &str) -> Option<Unverified> {
    let payload = token.split('.').nth(1)?;
    if payload.len() > 16 * 1024 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The seconds a token was issued for, from its own `iat`/`exp`.
fn lifetime(claims: &Unverified) -> Option<u64> {
    claims.exp?.checked_sub(claims.iat?)
}

fn data_of(tokens: Tokens, username: Option<Username>, now: u64) -> SessionData {
    let access = unverified(tokens.access_token.secret());
    let access_life = u64::try_from(tokens.expires_in)
        .ok()
        .filter(|&secs| secs > 0)
        .or_else(|| access.as_ref().and_then(lifetime))
        .unwrap_or(0);
    let id_life = tokens
        .id_token
        .as_ref()
        .and_then(|t| unverified(t.secret()))
        .as_ref()
        .and_then(lifetime);
    let life = id_life.map_or(access_life, |id| id.min(access_life));
    let username = access
        .and_then(|claims| claims.username)
        .map(Username::new)
        .or(username);
    SessionData {
        access_token: tokens.access_token,
        id_token: tokens.id_token,
        refresh_token: tokens.refresh_token,
        username,
        expires_at: now.saturating_add(life),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: serde_json::Value) -> String {
        format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(payload.to_string())
        )
    }

    fn tokens(expires_in: i32, id: Option<String>) -> Tokens {
        Tokens {
            access_token: AccessToken::new(jwt(
                serde_json::json!({"username": "alice-id", "iat": 1000, "exp": 4600}),
            )),
            id_token: id.map(IdToken::new),
            refresh_token: Some(RefreshToken::new("REFRESH-SECRET")),
            expires_in,
            token_type: Some("Bearer".into()),
            new_device: None,
        }
    }

    #[test]
    fn the_deadline_is_receipt_time_plus_the_shorter_lifetime_and_the_username_comes_from_the_access_token()
     {
        let data = data_of(tokens(3600, None), None, 50_000);
        assert_eq!(data.expires_at, 53_600);
        assert_eq!(data.username, Some(Username::new("alice-id")));

        // an ID token living 300 s brings the deadline forward
        let id = jwt(serde_json::json!({"iat": 7, "exp": 307}));
        assert_eq!(
            data_of(tokens(3600, Some(id)), None, 50_000).expires_at,
            50_300
        );

        // no expires_in: the access token's own lifetime
        assert_eq!(data_of(tokens(0, None), None, 10).expires_at, 3610);

        // an unreadable token keeps the user name it was given
        let mut t = tokens(60, Some("not a jwt".into()));
        t.access_token = AccessToken::new("opaque");
        let data = data_of(t, Some(Username::new("bob")), 10);
        assert_eq!(
            (data.expires_at, data.username),
            (70, Some(Username::new("bob")))
        );
    }

    #[test]
    fn stored_data_round_trips_through_serde_and_its_debug_shows_no_token() {
        let data = data_of(tokens(3600, Some(jwt(serde_json::json!({})))), None, 1);
        let json = serde_json::to_string(&data).expect("serializes");
        let back: SessionData = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, data);
        let shown = format!("{data:?}");
        assert!(!shown.contains("REFRESH-SECRET") && !shown.contains(data.access_token.secret()));
        assert!(shown.contains("alice-id") && shown.contains("3601"));
    }

    #[test]
    fn unverified_decoding_refuses_garbage_without_panicking() {
        for token in ["", ".", "a.b.c", "a.%%%.c", "a..c", "a.e30.c"] {
            let claims = unverified(token);
            assert!(claims.is_none_or(|c| c.exp.is_none()), "{token}");
        }
        let huge = format!("a.{}.c", "A".repeat(20_000));
        assert!(unverified(&huge).is_none());
    }

    #[test]
    fn only_refusals_of_the_token_end_the_session() {
        use super::super::AwsError;
        let refused = CognitoError::NotAuthorized(AwsError::new("NotAuthorizedException", "x"));
        assert!(is_refusal(&refused));
        let gone = CognitoError::UserNotFound(AwsError::new("UserNotFoundException", "x"));
        assert!(is_refusal(&gone));
        let throttled =
            CognitoError::TooManyRequests(AwsError::new("TooManyRequestsException", "x"));
        assert!(!is_refusal(&throttled));
        let err = SessionError::SignInAgain {
            reason: SessionEnd::Refused,
            source: Some(Box::new(refused)),
        };
        assert!(err.is_sign_in_again());
        assert!(std::error::Error::source(&err).is_some());
        assert!(!SessionError::Refresh(throttled).is_sign_in_again());
    }
}
