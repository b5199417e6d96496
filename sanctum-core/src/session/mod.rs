//! Browser sessions over managed login (feature `managed-login`): what a server-side session
//! keeps ([`SessionData`]), how long it lives and when its tokens refresh ([`SessionPolicy`],
//! [`SessionTokens`]), and the CSRF rules for cookie-authenticated requests ([`CsrfPolicy`],
//! [`safe_next`]). Framework-agnostic: `sanctum-axum` (feature `sessions`) stores sessions
//! with tower-sessions and makes them a token source of its auth layer.
//!
//! A session's life:
//! 1. sign-in ([`ManagedLogin::finish`](crate::login::ManagedLogin::finish)) →
//!    [`SessionTokens::start`]: the tokens and who signed in, stored under a freshly cycled
//!    session id;
//! 2. each request → [`SessionTokens::current`]: ended (absolute lifetime, idle timeout), or
//!    active with its access token — refreshed first when it expires within
//!    [`SessionPolicy::refresh_ahead`], one refresh per session at a time, written back;
//! 3. sign-out: the entry removed, the refresh token revoked, its `origin_jti` recorded as a
//!    [`Revocation`](crate::revocation::Revocation), the browser sent to Cognito's `/logout`.

mod browser;
mod csrf;
mod data;
mod memory_store;
#[cfg(feature = "redis")]
mod redis_store;
mod refresh;
mod settings;
mod store;

pub use self::browser::{
    CookieAge, LOGIN_COOKIE_MAX_AGE, LoginCookie, SignInDone, SignInRefused, StoreOutage,
    cookie_value, login_cookie_name, session_cookie_name, set_cookie, sign_in_location,
};
pub use self::csrf::{CrossSite, CsrfPolicy, is_safe_method, safe_next};
pub use self::data::{
    DEFAULT_ABSOLUTE_LIFETIME, DEFAULT_IDLE_TIMEOUT, DEFAULT_REFRESH_AHEAD, EndReason, SessionData,
    SessionPolicy, SessionState,
};
pub use self::memory_store::{DEFAULT_MEMORY_CAPACITY, MemorySessionStore, SESSION_DATA_KEY};
#[cfg(feature = "redis")]
pub use self::redis_store::{DEFAULT_SESSION_PREFIX, RedisSessionStore};
pub use self::refresh::{Current, SessionError, SessionSlot, SessionTokens, StoreError};
pub use self::settings::{
    FromSessionSettings, InSessionStore, SessionAuthBuilder, SessionNow, SessionSettings,
};
pub use self::store::{ActiveSession, SessionStore, StoreFuture, StoredSessions, new_session_id};
