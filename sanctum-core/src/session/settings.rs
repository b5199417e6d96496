//! [`SessionAuthBuilder`]: the knobs of both web adapters' `SessionAuth`, written once, and
//! [`SessionSettings`], what both hold: the cookie names and a cookie request's authentication
//! ([`SessionSettings::authenticate_now`], [`SessionSettings::verify_session`]).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::browser::{login_cookie_name, session_cookie_name};
use super::csrf::{CrossSite, CsrfPolicy};
use super::data::{SessionData, SessionPolicy};
use super::refresh::SessionTokens;
use super::store::SessionStore;
use crate::adapter::{RequestHeaders, Verified};
use crate::login::ManagedLogin;
use crate::revocation::RevocationStore;
use crate::{ExpectedUse, Refusal, Verifier, VerifyError};

/// What a web adapter's `SessionAuth` is built from ([`FromSessionSettings::from_settings`],
/// by [`SessionAuthBuilder::build`]) and holds: both adapters' settings, their cookie names
/// and the authentication of a cookie request, written once.
#[non_exhaustive]
pub struct SessionSettings {
    /// The tokens' keeper: the managed login and the sessions' lifetimes.
    pub tokens: SessionTokens,
    /// Which cookie-authenticated unsafe requests are the application's own.
    pub csrf: CsrfPolicy,
    /// Where sign-outs record the session's `origin_jti` as revoked.
    pub revocations: Option<Arc<dyn RevocationStore>>,
    /// Cookies `Secure` and `__Host-` prefixed (`false` only for plain-http development).
    pub secure_cookies: bool,
    /// Where sessions live, for adapters that keep them in a [`SessionStore`] of sanctum's
    /// ([`InSessionStore`]); `None`: the adapter's default.
    pub store: Option<Arc<dyn SessionStore>>,
}

impl fmt::Debug for SessionSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSettings")
            .field("tokens", &self.tokens)
            .field("csrf", &self.csrf)
            .field("revocations", &self.revocations.is_some())
            .field("secure_cookies", &self.secure_cookies)
            .field("store", &self.store)
            .finish()
    }
}

/// What a cookie request comes to without waiting; from [`SessionSettings::authenticate_now`]
/// (and, after a wait, [`SessionSettings::verify_session`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionNow {
    /// The request's user: the session's access token verified.
    Verified(Verified),
    /// Refused: an unsafe cross-site request ([`Refusal::CrossSiteRequest`], 403), or the
    /// token's keys or revocation check unavailable (503).
    Refused(Refusal),
    /// The session's access token is refused for good (revoked, say): end the session (a
    /// store write); the request is anonymous.
    End(VerifyError),
    /// Not answerable without waiting: the session must be written back, refreshed or ended
    /// first, or the token's keys fetched. Read the session the waiting way.
    Later,
}

impl SessionSettings {
    /// The session cookie's name: `__Host-sanctum-session` (`sanctum-session` with
    /// [`dangerous_plain_http_cookies`](SessionAuthBuilder::dangerous_plain_http_cookies)).
    #[must_use]
    pub fn cookie_name(&self) -> &'static str {
        session_cookie_name(self.secure_cookies)
    }

    /// The pending sign-in cookie's name: `__Host-sanctum-login` (`sanctum-login` with
    /// [`dangerous_plain_http_cookies`](SessionAuthBuilder::dangerous_plain_http_cookies)).
    #[must_use]
    pub fn login_cookie_name(&self) -> &'static str {
        login_cookie_name(self.secure_cookies)
    }

    /// A cookie request with `method` and `headers` whose session `data` was read now
    /// (without waiting: [`MemorySessionStore::session_now`](super::MemorySessionStore::session_now),
    /// [`SessionStore::load_session_now`]), answered without a future when it can be — the
    /// adapters' hot path. Answered only when the session is used as it is
    /// ([`SessionTokens::usable_now`]: within its lifetimes, no refresh due, no idle clock to
    /// write back): then the [CSRF rules](CsrfPolicy) (an unsafe cross-site request is
    /// [refused](SessionNow::Refused)) and the access token verified now, as
    /// [`verify_session`](Self::verify_session) does. Anything else is
    /// [`SessionNow::Later`]: the waiting path reads the session again and does the rest.
    ///
    /// ```
    /// use sanctum_core::session::{SessionData, SessionNow, SessionSettings};
    ///
    /// fn user_now(
    ///     settings: &SessionSettings,
    ///     verifier: &sanctum_core::Verifier,
    ///     data: &SessionData,
    ///     headers: &http::HeaderMap,
    /// ) -> Option<sanctum_core::adapter::Verified> {
    ///     match settings.authenticate_now(verifier, data, "GET", headers) {
    ///         SessionNow::Verified(verified) => Some(verified),
    ///         _ => None, // the waiting path
    ///     }
    /// }
    /// ```
    #[must_use]
    pub fn authenticate_now(
        &self,
        verifier: &Verifier,
        data: &SessionData,
        method: &str,
        headers: &dyn RequestHeaders,
    ) -> SessionNow {
        if !self.tokens.usable_now(data) {
            return SessionNow::Later;
        }
        if let Err(cross_site) = self.csrf.check_request(method, headers) {
            return refused(cross_site);
        }
        match verifier.verify_now(data.tokens.access_token.secret(), ExpectedUse::Access) {
            Some(result) => settle(result.map(|(claims, at)| Verified::new(claims, at))),
            None => SessionNow::Later,
        }
    }

    /// The waiting path's end: a cookie request whose session `data` is active, and which
    /// passed the [CSRF rules](CsrfPolicy) or not (`csrf`: [`CsrfPolicy::check`]'s answer for
    /// the request), comes to [`SessionNow::Refused`] (cross-site: 403; the token's keys or
    /// revocation check unavailable: 503), [`SessionNow::Verified`] (its access token verified,
    /// waiting for its keys if need be) or [`SessionNow::End`] (any other refusal of the
    /// token: revoked, signed out elsewhere, no longer acceptable — end the session; the
    /// request is anonymous). Never [`SessionNow::Later`].
    pub async fn verify_session(
        &self,
        verifier: &Verifier,
        data: &SessionData,
        csrf: Result<(), CrossSite>,
    ) -> SessionNow {
        if let Err(cross_site) = csrf {
            return refused(cross_site);
        }
        let token = data.tokens.access_token.secret();
        settle(crate::adapter::verify(verifier, token, ExpectedUse::Access).await)
    }
}

/// An active session's cross-site request, refused (logged at `debug`).
fn refused(cross_site: CrossSite) -> SessionNow {
    tracing::debug!(reason = %cross_site, "cookie-authenticated request refused");
    SessionNow::Refused(Refusal::CrossSiteRequest)
}

/// A session token's verification as the request's answer.
fn settle(result: Result<Verified, VerifyError>) -> SessionNow {
    match result {
        Ok(verified) => SessionNow::Verified(verified),
        Err(
            err @ (VerifyError::KeysUnavailable { .. } | VerifyError::RevocationCheckUnavailable),
        ) => SessionNow::Refused(Refusal::Verify(err)),
        Err(err) => {
            tracing::debug!(error = %err, "session token refused; session ended");
            SessionNow::End(err)
        }
    }
}

/// A web adapter's `SessionAuth`, built by a [`SessionAuthBuilder`] (`sanctum-axum`'s and
/// `sanctum-actix`'s `session::SessionAuth` implement it).
///
/// ```
/// use sanctum_core::session::{FromSessionSettings, SessionAuthBuilder, SessionSettings};
///
/// /// A framework's sessions.
/// struct MySessions(SessionSettings);
///
/// impl FromSessionSettings for MySessions {
///     fn from_settings(settings: SessionSettings) -> Self {
///         Self(settings)
///     }
/// }
///
/// # fn demo(login: sanctum_core::login::ManagedLogin) {
/// let sessions: MySessions = SessionAuthBuilder::new(login).dangerous_plain_http_cookies().build();
/// assert!(!sessions.0.secure_cookies);
/// # }
/// ```
pub trait FromSessionSettings: Sized {
    /// The adapter's sessions, as `settings` say.
    fn from_settings(settings: SessionSettings) -> Self;
}

/// An adapter whose sessions live in a [`SessionStore`] of sanctum's (`sanctum-actix`): its
/// builder takes one with [`SessionAuthBuilder::store`].
pub trait InSessionStore: FromSessionSettings {}

/// Configures a web adapter's `SessionAuth` (`A`): the same knobs in both adapters, from their
/// `SessionAuth::builder(login)`; see [`FromSessionSettings`] for an example.
#[must_use]
pub struct SessionAuthBuilder<A> {
    login: ManagedLogin,
    policy: SessionPolicy,
    csrf: CsrfPolicy,
    revocations: Option<Arc<dyn RevocationStore>>,
    secure_cookies: bool,
    store: Option<Arc<dyn SessionStore>>,
    auth: PhantomData<fn() -> A>,
}

impl<A> fmt::Debug for SessionAuthBuilder<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionAuthBuilder")
            .field("policy", &self.policy)
            .field("csrf", &self.csrf)
            .field("revocations", &self.revocations.is_some())
            .field("secure_cookies", &self.secure_cookies)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl<A: FromSessionSettings> SessionAuthBuilder<A> {
    /// Sessions of `login`'s sign-ins: the default lifetimes ([`SessionPolicy::new`]), CSRF
    /// rules ([`CsrfPolicy::new`]), no revocation store, `Secure` `__Host-` cookies.
    pub fn new(login: ManagedLogin) -> Self {
        Self {
            login,
            policy: SessionPolicy::new(),
            csrf: CsrfPolicy::new(),
            revocations: None,
            secure_cookies: true,
            store: None,
            auth: PhantomData,
        }
    }

    /// The sessions' lifetimes and refresh margin (default [`SessionPolicy::new`]).
    pub fn policy(mut self, policy: SessionPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Which cookie-authenticated unsafe requests are the application's own (default:
    /// `Sec-Fetch-Site: same-origin` only; add the application's origin and a header).
    pub fn csrf(mut self, csrf: CsrfPolicy) -> Self {
        self.csrf = csrf;
        self
    }

    /// Where sign-outs record the session's `origin_jti` as revoked (the verifier's store, a
    /// `RedisRevocations` to reach every instance): the session's tokens then stop working as
    /// bearer tokens too.
    pub fn revocations(mut self, store: Arc<dyn RevocationStore>) -> Self {
        self.revocations = Some(store);
        self
    }

    /// Cookies without `Secure` and without the `__Host-` prefix, for plain-http development
    /// on a host browsers do not treat as secure. Never in production: the session cookie
    /// would travel in clear text.
    pub fn dangerous_plain_http_cookies(mut self) -> Self {
        self.secure_cookies = false;
        self
    }

    /// The sessions.
    pub fn build(self) -> A {
        A::from_settings(SessionSettings {
            tokens: SessionTokens::new(self.login, self.policy),
            csrf: self.csrf,
            revocations: self.revocations,
            secure_cookies: self.secure_cookies,
            store: self.store,
        })
    }
}

impl<A: InSessionStore> SessionAuthBuilder<A> {
    /// Where sessions live (default: a [`MemorySessionStore`](super::MemorySessionStore) of
    /// this process; a `RedisSessionStore` to share them between instances).
    pub fn store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }
}
