//! Browser sessions (feature `sessions`): Cognito's managed login with server-side sessions in
//! [tower-sessions](https://docs.rs/tower-sessions), as a token source of
//! [`CognitoAuthLayer`](crate::CognitoAuthLayer) — the guards and extractors behave the same
//! for a session cookie as for a bearer token.
//!
//! [`SessionAuth`] holds the managed login, the sessions' lifetimes and the CSRF rules. It
//! gives
//! - [`layer`](SessionAuth::layer): the session layer (a tower-sessions [`Session`] for every
//!   request, over any tower-sessions store) with sanctum's cookie policy
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
#[cfg(feature = "redis-sessions")]
mod redis_store;
mod routes;

use std::fmt;
use std::sync::Arc;

use sanctum_core::adapter::Verified;
use sanctum_core::login::ManagedLogin;
use sanctum_core::session::{
    CrossSite, CsrfPolicy, Current, FromSessionSettings, SessionData, SessionError, SessionNow,
    SessionSettings, SessionSlot, SessionTokens, StoreError, StoreOutage,
};
use sanctum_core::{Refusal, Verifier};
use tower_sessions_core::{Expiry, SessionStore};

pub use self::layer::{SessionFuture, SessionLayer, SessionService};
#[cfg(feature = "redis-sessions")]
pub use self::redis_store::{DEFAULT_SESSION_PREFIX, RedisSessionStore};
/// Sessions in this process's memory, bounded (sanctum-core's, a tower-sessions store here):
/// over it the auth layer reads a request's session straight from the store, decoded once
/// per write. Re-exported.
pub use sanctum_core::session::{DEFAULT_MEMORY_CAPACITY, MemorySessionStore, SESSION_DATA_KEY};
/// The tower-sessions session of a request (an extractor), re-exported.
pub use tower_sessions_core::Session;

/// The hint of the 500 answer when the session layer is missing.
pub(crate) const SESSION_HINT: &str = "add SessionAuth::layer(store) around the routes \
     (Router::layer) so that requests carry their tower-sessions Session";

/// Managed-login browser sessions for axum; see the [module docs](self). Cheap to clone.
#[derive(Clone)]
pub struct SessionAuth {
    inner: Arc<Inner>,
}

struct Inner {
    settings: SessionSettings,
    /// Warns once per outage of the store.
    outage: StoreOutage,
}

impl fmt::Debug for SessionAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionAuth")
            .field("settings", &self.inner.settings)
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
                settings,
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

    /// What it was built with.
    #[must_use]
    pub fn settings(&self) -> &SessionSettings {
        &self.inner.settings
    }

    /// The tokens' keeper (managed login and lifetimes).
    #[must_use]
    pub fn tokens(&self) -> &SessionTokens {
        &self.inner.settings.tokens
    }

    /// The CSRF rules.
    pub fn csrf_policy(&self) -> &CsrfPolicy {
        &self.inner.settings.csrf
    }

    /// The session cookie's name: `__Host-sanctum-session` (`sanctum-session` with
    /// [`dangerous_plain_http_cookies`](sanctum_core::session::SessionAuthBuilder::dangerous_plain_http_cookies)).
    #[must_use]
    pub fn cookie_name(&self) -> &'static str {
        self.inner.settings.cookie_name()
    }

    /// The session layer for `store` (any tower-sessions store), with sanctum's cookie policy: the
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
        SessionLayer::new(self.clone(), store, memory)
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
            .and_then(|(store, id)| store.record_session(&id));
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
        match self.tokens().current(&key, data, &mut slot).await? {
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
        let ttl = self.tokens().time_to_live(data);
        Expiry::AtDateTime(time::OffsetDateTime::now_utc().saturating_add(time_duration(ttl)))
    }
}

/// `duration` as the `time` crate's, which tower-sessions takes: `time::Duration::MAX` when
/// longer (a [`SessionPolicy`](sanctum_core::session::SessionPolicy) of `Duration::MAX`, say).
pub(crate) fn time_duration(duration: std::time::Duration) -> time::Duration {
    time::Duration::try_from(duration).unwrap_or(time::Duration::MAX)
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

fn store_error(err: tower_sessions_core::session::Error) -> SessionError {
    SessionError::Store(StoreError::new(err))
}

/// What the auth layer's session path comes to without waiting; from
/// [`SessionAuth::authenticate_now`].
pub(crate) enum SessionStep {
    /// The request's user.
    Verified(Verified),
    /// The refusal to answer.
    Refused(Refusal),
    /// The session to read the waiting way.
    Later(PendingSession),
}

/// The auth layer's session path, for a request without a bearer token (see
/// [`CognitoAuthLayer::session`](crate::CognitoAuthLayer::session)), when it must wait: what
/// the request told, to read the session with.
pub(crate) struct PendingSession {
    auth: SessionAuth,
    session: Session,
    /// The memory store the sessions live in, from [`SessionLayer`], to read them directly.
    memory: Option<MemorySessionStore>,
    /// Whether the request may use the session for its method (CSRF), checked when it has one.
    csrf: Result<(), CrossSite>,
    /// The session's token was refused for good already: end the session.
    end: bool,
}

impl SessionAuth {
    /// The session of `req`, to read; without the tower-sessions layer, the 500 saying to add it.
    pub(crate) fn pending<B>(&self, req: &http::Request<B>) -> Result<PendingSession, Refusal> {
        let Some(session) = req.extensions().get::<Session>() else {
            return Err(Refusal::Misconfigured { hint: SESSION_HINT });
        };
        let memory = req.extensions().get::<layer::MemorySessions>();
        Ok(self.pending_in(req, session, memory.map(|memory| &memory.0)))
    }

    fn pending_in<B>(
        &self,
        req: &http::Request<B>,
        session: &Session,
        memory: Option<&MemorySessionStore>,
    ) -> PendingSession {
        PendingSession {
            auth: self.clone(),
            session: session.clone(),
            memory: memory.cloned(),
            csrf: self.csrf_policy().check(req.method(), req.headers()),
            end: false,
        }
    }

    /// The session path of `req` without waiting when it can be (the hot path: the session in
    /// a [`MemorySessionStore`], used as it is, its token verified now; see
    /// [`SessionSettings::authenticate_now`]), else what to read the waiting way.
    pub(crate) fn authenticate_now<B>(
        &self,
        verifier: &Verifier,
        req: &http::Request<B>,
    ) -> SessionStep {
        let Some(session) = req.extensions().get::<Session>() else {
            return SessionStep::Refused(Refusal::Misconfigured { hint: SESSION_HINT });
        };
        let memory = req
            .extensions()
            .get::<layer::MemorySessions>()
            .map(|memory| &memory.0);
        let data = memory
            .zip(session.id())
            .and_then(|(store, id)| store.record_session(&id));
        let mut end = false;
        if let Some(data) = data {
            let method = req.method().as_str();
            match self
                .inner
                .settings
                .authenticate_now(verifier, &data, method, req.headers())
            {
                SessionNow::Verified(verified) => {
                    self.store_answered();
                    return SessionStep::Verified(verified);
                }
                SessionNow::Refused(refusal) => {
                    self.store_answered();
                    return SessionStep::Refused(refusal);
                }
                SessionNow::End(_) => end = true,
                _ => {}
            }
        }
        let mut pending = self.pending_in(req, session, memory);
        pending.end = end;
        SessionStep::Later(pending)
    }
}

impl PendingSession {
    /// The session's user (its access token refreshed when due and verified by `verifier`),
    /// `None` when the session is anonymous or over, or the refusal: 503 when the store or the
    /// keys are unavailable, 403 for an unsafe cross-site request.
    pub(crate) async fn authenticate(
        self,
        verifier: &Verifier,
    ) -> Result<Option<Verified>, Refusal> {
        let Self {
            auth,
            session,
            memory,
            csrf,
            end,
        } = self;
        if end {
            auth.end(&session).await;
            return Ok(None);
        }
        let Some(data) = auth
            .active_in(&session, memory.as_ref())
            .await
            .map_err(|_| Refusal::SessionUnavailable)?
        else {
            return Ok(None);
        };
        match auth
            .inner
            .settings
            .verify_session(verifier, &data, csrf)
            .await
        {
            SessionNow::Verified(verified) => Ok(Some(verified)),
            SessionNow::Refused(refusal) => Err(refusal),
            _ => {
                // revoked (signed out elsewhere), or no longer acceptable: the session is over
                auth.end(&session).await;
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use sanctum_core::testing::TestIssuer;
    use time::{Duration, OffsetDateTime};
    use tower_sessions_core::session::{Id, Record};

    use super::*;

    /// A signed-in session's record in `store` (`access_token`, last used at `touched_at`, its
    /// token expiring at `expires_at`); its id.
    async fn stored(
        store: &MemorySessionStore,
        access_token: &str,
        touched_at: u64,
        expires_at: u64,
    ) -> Id {
        let data = serde_json::json!({
            "tokens": {
                "access_token": access_token, "id_token": "unused", "refresh_token": "r",
                "expires_at": expires_at, "token_type": "Bearer",
            },
            "sub": "sub-1", "username": "alice", "groups": [], "origin_jti": null,
            "signed_in_at": touched_at, "touched_at": touched_at,
        });
        let mut record = Record {
            id: Id::default(),
            data: HashMap::from([(SESSION_DATA_KEY.to_owned(), data)]),
            expiry_date: OffsetDateTime::now_utc() + Duration::hours(1),
        };
        store.create(&mut record).await.expect("stored");
        record.id
    }

    /// A request with `id`'s session, as `SessionLayer` hands it to the auth layer.
    fn request(
        method: &str,
        store: &MemorySessionStore,
        id: Id,
        header: Option<(&str, &str)>,
    ) -> http::Request<()> {
        let mut req = http::Request::builder().method(method).uri("/");
        if let Some((name, value)) = header {
            req = req.header(name, value);
        }
        let mut req = req.body(()).expect("request");
        let session = Session::new(Some(id), Arc::new(store.clone()), None);
        req.extensions_mut().insert(session);
        req.extensions_mut()
            .insert(layer::MemorySessions(store.clone()));
        req
    }

    fn describe(step: &SessionStep) -> &'static str {
        match step {
            SessionStep::Verified(_) => "verified",
            SessionStep::Refused(Refusal::CrossSiteRequest) => "cross-site",
            SessionStep::Refused(_) => "refused",
            SessionStep::Later(pending) if pending.end => "end, later",
            SessionStep::Later(_) => "later",
        }
    }

    #[tokio::test]
    async fn a_session_policy_without_bounds_expires_at_the_latest_date_time_can_hold() {
        let issuer = TestIssuer::start().await.expect("issuer");
        let unbounded = sanctum_core::session::SessionPolicy::new()
            .idle_timeout(std::time::Duration::MAX)
            .absolute_lifetime(std::time::Duration::MAX);
        let auth = SessionAuth::builder(issuer.managed_login(&issuer.verifier()))
            .policy(unbounded)
            .build();
        let now = auth.tokens().now();
        let data: SessionData = serde_json::from_value(serde_json::json!({
            "tokens": {
                "access_token": "a", "id_token": "i", "refresh_token": "r",
                "expires_at": now + 3600, "token_type": "Bearer",
            },
            "sub": "sub-1", "username": "alice", "groups": [], "origin_jti": null,
            "signed_in_at": now, "touched_at": now,
        }))
        .expect("session data");
        // the time to live (centuries past what `time` holds) saturates, not overflows
        let Expiry::AtDateTime(at) = auth.expiry(&data) else {
            panic!("a date");
        };
        assert_eq!(
            at.year(),
            OffsetDateTime::now_utc()
                .saturating_add(Duration::MAX)
                .year()
        );
        assert_eq!(time_duration(std::time::Duration::MAX), Duration::MAX);
        assert_eq!(
            time_duration(std::time::Duration::from_secs(1800)),
            Duration::minutes(30)
        );
    }

    #[tokio::test]
    async fn only_a_session_used_as_it_is_is_answered_without_waiting() {
        let issuer = TestIssuer::start().await.expect("issuer");
        let verifier = issuer.verifier();
        verifier.prefetch().await.expect("keys");
        let auth = SessionAuth::builder(issuer.managed_login(&verifier)).build();
        let store = MemorySessionStore::new();
        let token = issuer.access_token().build();
        let now = auth.tokens().now();
        let fresh = stored(&store, &token, now, now + 3600).await;
        let same_origin = Some(("sec-fetch-site", "same-origin"));
        let cross_site = Some(("sec-fetch-site", "cross-site"));
        let cases = [
            ("GET", fresh, None, "verified"),
            ("POST", fresh, same_origin, "verified"),
            // an unsafe cross-site request: refused without waiting, nothing written
            ("POST", fresh, cross_site, "cross-site"),
            ("DELETE", fresh, None, "cross-site"),
            // the idle clock to write back, a refresh due, the idle timeout passed: the
            // waiting path writes, refreshes or ends the session
            (
                "GET",
                stored(&store, &token, now - 120, now + 3600).await,
                None,
                "later",
            ),
            (
                "GET",
                stored(&store, &token, now, now + 60).await,
                None,
                "later",
            ),
            (
                "GET",
                stored(&store, &token, now - 3 * 3600, now + 3600).await,
                None,
                "later",
            ),
            // a token the verifier refuses: the session is to end
            (
                "GET",
                stored(&store, "not.a.token", now, now + 3600).await,
                None,
                "end, later",
            ),
            // no such session: tower-sessions forgets the id (and its cookie) the waiting way
            ("GET", Id::default(), None, "later"),
        ];
        for (method, id, header, expected) in cases {
            let step = auth.authenticate_now(&verifier, &request(method, &store, id, header));
            assert_eq!(describe(&step), expected, "{method} {header:?}");
        }
        let step = auth.authenticate_now(&verifier, &request("GET", &store, fresh, None));
        let SessionStep::Verified(verified) = step else {
            panic!("not verified");
        };
        assert_eq!(verified.claims().sub(), sanctum_core::testing::TEST_SUB);

        // what it holds is core's settings, shown as they are
        assert_eq!(
            format!("{auth:?}"),
            format!("SessionAuth {{ settings: {:?}, .. }}", auth.settings())
        );
    }
}
