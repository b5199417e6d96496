//! [`SessionAuthBuilder`]: the knobs of both web adapters' `SessionAuth`, written once.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::csrf::CsrfPolicy;
use super::data::SessionPolicy;
use super::refresh::SessionTokens;
use super::store::SessionStore;
use crate::login::ManagedLogin;
use crate::revocation::RevocationStore;

/// What a web adapter's `SessionAuth` is built from; given to
/// [`FromSessionSettings::from_settings`] by [`SessionAuthBuilder::build`].
#[derive(Debug)]
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
