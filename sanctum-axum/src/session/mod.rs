//! Browser sessions (feature `sessions`): Cognito's managed login with server-side sessions in
//! [tower-sessions](https://docs.rs/tower-sessions), as a token source of
//! [`CognitoAuthLayer`](crate::CognitoAuthLayer) — the guards and extractors behave the same
//! for a session cookie as for a bearer token.
//!
//! [`SessionAuth`] holds the managed login, the sessions' lifetimes and the CSRF rules. It
//! gives
//! - [`layer`](SessionAuth::layer): the tower-sessions layer with sanctum's cookie policy
//!   (`__Host-sanctum-session`, `HttpOnly`, `Secure`, `SameSite=Lax`, `Path=/`, `Max-Age` the
//!   idle timeout cut at the absolute lifetime, sent again whenever the session is written
//!   back, as in sanctum-actix), over any tower-sessions store: [`MemorySessionStore`] for one
//!   instance (bounded in number and time; tower-sessions' own `MemoryStore` never drops a
//!   session), [`RedisSessionStore`] (feature `redis-sessions`) for many;
//! - the three route answers: [`login`](SessionAuth::login) (303 to Cognito, the pending
//!   sign-in in a 10-minute `__Host-sanctum-login` cookie that binds `state` to this browser),
//!   [`callback`](SessionAuth::callback) (the cookie consumed, the code exchanged, the session
//!   id cycled and the session stored; any refusal is 4xx and stores nothing) and
//!   [`logout`](SessionAuth::logout) (CSRF-checked: the session removed, its refresh token
//!   revoked, its `origin_jti` recorded as revoked, 303 to Cognito's `/logout`).
//!
//! With [`CognitoAuthLayer::session`](crate::CognitoAuthLayer::session), a request without a
//! bearer token is authenticated by its session: the tokens refreshed ahead of expiry (one
//! refresh per session at a time, written back), the access token verified like a bearer
//! token; an unsafe method must pass the [`CsrfPolicy`] (403 otherwise); a store that cannot
//! be read answers 503 (one warning per outage), never an anonymous pass. Requests with a
//! bearer token never touch the store.
//!
//! ```no_run
//! use axum::extract::{RawQuery, State};
//! use axum::http::{HeaderMap, Method, Uri};
//! use axum::response::Response;
//! use axum::{Router, routing::{get, post}};
//! use sanctum_axum::session::{MemorySessionStore, Session, SessionAuth};
//! use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup};
//! use sanctum_axum::sanctum_core::login::{LoginDomain, ManagedLogin};
//! use sanctum_axum::sanctum_core::session::CsrfPolicy;
//! use sanctum_axum::{UserPool, Verifier};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::builder()
//!     .pool(UserPool::new("eu-west-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
//!     .build()?;
//! let login = ManagedLogin::builder(
//!     LoginDomain::cognito("my-app", "eu-west-1"),
//!     "4a1b2c3d4e5f",
//!     "https://app.example.com/callback",
//! )
//! .logout_uri("https://app.example.com/")
//! .build(&verifier)?;
//! let auth = SessionAuth::builder(login)
//!     .csrf(CsrfPolicy::new().app_origin("https://app.example.com")?)
//!     .build();
//!
//! let app = Router::new()
//!     .route("/admin", get(|user: CognitoUser| async move { format!("hi {}", user.sub()) }))
//!     .route_layer(RequireGroup("admin"))
//!     .route_layer(
//!         CognitoAuthLayer::new(verifier)
//!             .session(auth.clone())
//!             .redirect_to_login("/login"),
//!     )
//!     .route("/login", get(|State(auth): State<SessionAuth>, uri: Uri| async move { auth.login(&uri) }))
//!     .route(
//!         "/callback",
//!         get(|State(auth): State<SessionAuth>, session: Session, headers: HeaderMap, RawQuery(query): RawQuery| async move {
//!             auth.callback(&session, &headers, query.as_deref()).await
//!         }),
//!     )
//!     .route(
//!         "/logout",
//!         post(|State(auth): State<SessionAuth>, session: Session, method: Method, headers: HeaderMap| async move {
//!             auth.logout(&session, &method, &headers).await
//!         }),
//!     )
//!     .with_state(auth.clone())
//!     .layer(auth.layer(MemorySessionStore::new()));
//! # let _: Router = app; Ok(()) }
//! ```
//!
//! **Plain-http development.** `__Host-` cookies must be `Secure`; Chrome and Firefox accept
//! `Secure` cookies from `http://localhost` and `http://127.0.0.1`, so local development over
//! plain http works as is there. For other plain-http hosts (a container's name, Safari on
//! localhost) [`dangerous_plain_http_cookies`](sanctum_core::session::SessionAuthBuilder::dangerous_plain_http_cookies)
//! drops `Secure` and the `__Host-` prefix: never in production.

mod layer;
mod memory_store;
#[cfg(feature = "redis-sessions")]
mod redis_store;
mod routes;

use std::fmt;
use std::sync::Arc;

use sanctum_core::login::ManagedLogin;
use sanctum_core::revocation::RevocationStore;
use sanctum_core::session::{
    CsrfPolicy, Current, FromSessionSettings, SessionData, SessionError, SessionSettings,
    SessionSlot, SessionTokens, StoreError, StoreOutage, session_cookie_name,
};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore};

pub use self::layer::{DirectRead, SessionLayer};
pub use self::memory_store::{DEFAULT_MEMORY_SESSION_CAPACITY, MemorySessionStore};
#[cfg(feature = "redis-sessions")]
pub use self::redis_store::{DEFAULT_SESSION_PREFIX, RedisSessionStore};
/// The tower-sessions session of a request (an extractor), re-exported.
pub use tower_sessions::Session;

/// The key of [`SessionData`] in a tower-sessions session.
pub const SESSION_DATA_KEY: &str = "sanctum.session";

/// The hint of the 500 answer when the session layer is missing.
pub(crate) const SESSION_HINT: &str = "add SessionAuth::layer(store) around the routes \
     (Router::layer) so that requests carry their tower-sessions Session";

/// Managed-login browser sessions for axum; see the [module docs](self). Cheap to clone.
#[derive(Clone)]
pub struct SessionAuth {
    inner: Arc<Inner>,
}

struct Inner {
    tokens: SessionTokens,
    csrf: CsrfPolicy,
    revocations: Option<Arc<dyn RevocationStore>>,
    secure_cookies: bool,
    /// Warns once per outage of the store.
    outage: StoreOutage,
}

impl fmt::Debug for SessionAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionAuth")
            .field("tokens", &self.inner.tokens)
            .field("csrf", &self.inner.csrf)
            .field("revocations", &self.inner.revocations.is_some())
            .field("secure_cookies", &self.inner.secure_cookies)
            .finish_non_exhaustive()
    }
}

/// Configures a [`SessionAuth`]; from [`SessionAuth::builder`]. The knobs are
/// [`sanctum_core::session::SessionAuthBuilder`]'s, the same as sanctum-actix's.
pub type SessionAuthBuilder = sanctum_core::session::SessionAuthBuilder<SessionAuth>;

impl FromSessionSettings for SessionAuth {
    fn from_settings(settings: SessionSettings) -> Self {
        Self {
            inner: Arc::new(Inner {
                tokens: settings.tokens,
                csrf: settings.csrf,
                revocations: settings.revocations,
                secure_cookies: settings.secure_cookies,
                outage: StoreOutage::new(),
            }),
        }
    }
}

impl SessionAuth {
    /// Sessions of `login`'s sign-ins.
    pub fn builder(login: ManagedLogin) -> SessionAuthBuilder {
        SessionAuthBuilder::new(login)
    }

    /// The tokens' keeper (managed login and lifetimes).
    #[must_use]
    pub fn tokens(&self) -> &SessionTokens {
        &self.inner.tokens
    }

    /// The CSRF rules.
    pub fn csrf_policy(&self) -> &CsrfPolicy {
        &self.inner.csrf
    }

    /// The session cookie's name: `__Host-sanctum-session` (`sanctum-session` with
    /// [`dangerous_plain_http_cookies`](sanctum_core::session::SessionAuthBuilder::dangerous_plain_http_cookies)).
    #[must_use]
    pub fn cookie_name(&self) -> &'static str {
        session_cookie_name(self.inner.secure_cookies)
    }

    /// The tower-sessions layer for `store`, with sanctum's cookie policy: the
    /// [`cookie_name`](Self::cookie_name), `HttpOnly`, `Secure`, `SameSite=Lax`, `Path=/`, no
    /// `Domain`; a signed-in session's record and cookie (`Max-Age`) expire after
    /// [`SessionTokens::time_to_live`] (the idle timeout cut at the absolute lifetime), set at
    /// sign-in and again whenever the session is written back. Add it around every route that reads the
    /// session (`Router::layer`). Over a [`MemorySessionStore`] the auth layer reads sessions
    /// straight from the store (see [`SessionLayer`]).
    pub fn layer<S: SessionStore>(&self, store: S) -> SessionLayer<S> {
        let memory = (&store as &dyn std::any::Any)
            .downcast_ref::<MemorySessionStore>()
            .cloned();
        SessionLayer::new(self.manager_layer(store), memory)
    }

    fn manager_layer<S: SessionStore>(&self, store: S) -> SessionManagerLayer<S> {
        let idle = self.inner.tokens.policy().idle();
        SessionManagerLayer::new(store)
            .with_name(self.cookie_name())
            .with_http_only(true)
            .with_secure(self.inner.secure_cookies)
            .with_same_site(SameSite::Lax)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(
                tower_sessions::cookie::time::Duration::try_from(idle)
                    .unwrap_or(tower_sessions::cookie::time::Duration::MAX),
            ))
    }

    /// The session's data when it is signed in, refreshed first when due (and written back);
    /// `None` when anonymous or ended (an ended session is removed).
    ///
    /// # Errors
    /// The store cannot be read or written, or the expired tokens cannot be refreshed now
    /// (answer 503); logged at `warn` once per outage.
    pub async fn active(
        &self,
        session: &Session,
    ) -> Result<Option<Arc<SessionData>>, SessionError> {
        self.active_in(session, None).await
    }

    /// [`active`](Self::active), reading the session straight from `memory` when it is there.
    async fn active_in(
        &self,
        session: &Session,
        memory: Option<&MemorySessionStore>,
    ) -> Result<Option<Arc<SessionData>>, SessionError> {
        let result = self.read(session, memory).await;
        match &result {
            Err(err) => self.store_failed(err),
            Ok(_) if session.id().is_some() => self.store_answered(),
            Ok(_) => {}
        }
        result
    }

    async fn read(
        &self,
        session: &Session,
        memory: Option<&MemorySessionStore>,
    ) -> Result<Option<Arc<SessionData>>, SessionError> {
        let id = session.id();
        // straight from the memory store: no copy of the record, decoded once per write
        let direct = memory
            .zip(id)
            .and_then(|(store, id)| store.load_session(&id));
        let data = match direct {
            Some(data) => data,
            // through tower-sessions (which also forgets an unknown id and its cookie)
            None => match session
                .get::<SessionData>(SESSION_DATA_KEY)
                .await
                .map_err(store_error)?
            {
                Some(data) => Arc::new(data),
                None => return Ok(None),
            },
        };
        let key = id.map_or(0, |id| id.0).to_le_bytes();
        let mut slot = Slot {
            session,
            auth: self,
        };
        match self.inner.tokens.current(&key, data, &mut slot).await? {
            Current::Active(data) => Ok(Some(data)),
            other => {
                tracing::debug!(state = ?other, "session over");
                session.flush().await.map_err(store_error)?;
                Ok(None)
            }
        }
    }

    fn store_failed(&self, err: &SessionError) {
        self.inner.outage.failed(err);
    }

    fn store_answered(&self) {
        self.inner.outage.answered();
    }

    /// Ends `session` after its token failed verification (revoked, say).
    pub(crate) async fn end(&self, session: &Session) {
        if let Err(err) = session.flush().await {
            self.store_failed(&SessionError::Store(StoreError::new(err)));
        }
    }
}

impl SessionAuth {
    /// When the session `data`, written now, expires in the store and in the browser
    /// ([`SessionTokens::time_to_live`]: the idle timeout cut at the absolute lifetime).
    pub(crate) fn expiry(&self, data: &SessionData) -> Expiry {
        let ttl = self.inner.tokens.time_to_live(data);
        let ttl = tower_sessions::cookie::time::Duration::try_from(ttl)
            .unwrap_or(tower_sessions::cookie::time::Duration::MAX);
        Expiry::AtDateTime(tower_sessions::cookie::time::OffsetDateTime::now_utc() + ttl)
    }
}

/// A tower-sessions session as the core's [`SessionSlot`].
struct Slot<'a> {
    session: &'a Session,
    auth: &'a SessionAuth,
}

impl SessionSlot for Slot<'_> {
    async fn reload(&mut self) -> Result<Option<Arc<SessionData>>, StoreError> {
        self.session.load().await.map_err(StoreError::new)?;
        let data = self
            .session
            .get::<SessionData>(SESSION_DATA_KEY)
            .await
            .map_err(StoreError::new)?;
        Ok(data.map(Arc::new))
    }

    async fn save(&mut self, data: &SessionData) -> Result<(), StoreError> {
        // the record and the cookie (sent again with the response) live on together
        self.session.set_expiry(Some(self.auth.expiry(data)));
        self.session
            .insert(SESSION_DATA_KEY, data)
            .await
            .map_err(StoreError::new)?;
        self.session.save().await.map_err(StoreError::new)
    }
}

fn store_error(err: tower_sessions::session::Error) -> SessionError {
    SessionError::Store(StoreError::new(err))
}

/// The auth layer's session path, for a request without a bearer token (see
/// [`CognitoAuthLayer::session`](crate::CognitoAuthLayer::session)): what the request told,
/// to read the session with.
pub(crate) struct PendingSession {
    auth: SessionAuth,
    session: Session,
    /// The memory store the sessions live in, from [`SessionLayer`], to read them directly.
    memory: Option<MemorySessionStore>,
    /// Whether the request may use the session for its method (CSRF), checked when it has one.
    csrf: Result<(), sanctum_core::session::CrossSite>,
}

impl SessionAuth {
    /// The session of `req`, to read; without the tower-sessions layer, the 500 saying to add it.
    pub(crate) fn pending<B>(
        &self,
        req: &http::Request<B>,
    ) -> Result<PendingSession, sanctum_core::Refusal> {
        let Some(session) = req.extensions().get::<Session>().cloned() else {
            return Err(sanctum_core::Refusal::Misconfigured { hint: SESSION_HINT });
        };
        let memory = req
            .extensions()
            .get::<layer::MemorySessions>()
            .map(|memory| memory.0.clone());
        Ok(PendingSession {
            auth: self.clone(),
            session,
            memory,
            csrf: self.inner.csrf.check(req.method(), req.headers()),
        })
    }
}

impl PendingSession {
    /// The session's user (its access token refreshed when due and verified by `verifier`),
    /// `None` when the session is anonymous or over, or the refusal: 503 when the store or the
    /// keys are unavailable, 403 for an unsafe cross-site request.
    pub(crate) async fn authenticate(
        self,
        verifier: &sanctum_core::Verifier,
    ) -> Result<Option<sanctum_core::adapter::Verified>, sanctum_core::Refusal> {
        use sanctum_core::{ExpectedUse, Refusal, VerifyError};

        let Self {
            auth,
            session,
            memory,
            csrf,
        } = self;
        let Some(data) = auth
            .active_in(&session, memory.as_ref())
            .await
            .map_err(|_| Refusal::SessionUnavailable)?
        else {
            return Ok(None);
        };
        if let Err(cross_site) = csrf {
            tracing::debug!(reason = %cross_site, "cookie-authenticated request refused");
            return Err(Refusal::CrossSiteRequest);
        }
        let token = data.tokens.access_token.secret();
        match sanctum_core::adapter::verify(verifier, token, ExpectedUse::Access).await {
            Ok(verified) => Ok(Some(verified)),
            Err(
                err @ (VerifyError::KeysUnavailable { .. }
                | VerifyError::RevocationCheckUnavailable),
            ) => Err(Refusal::Verify(err)),
            Err(err) => {
                // revoked (signed out elsewhere), or no longer acceptable: the session is over
                tracing::debug!(error = %err, "session token refused; session ended");
                auth.end(&session).await;
                Ok(None)
            }
        }
    }
}
