//! Browser sessions (feature `sessions`): Cognito's managed login with server-side sessions, as
//! a token source of [`CognitoAuth`](crate::CognitoAuth) — the guards and extractors behave the
//! same for a session cookie as for a bearer token, and answer as `sanctum-axum`'s do.
//!
//! [`SessionAuth`] holds the managed login, the session store, the sessions' lifetimes and the
//! CSRF rules. It gives the three route answers:
//! - [`login`](SessionAuth::login): 303 to Cognito, the pending sign-in in a 10-minute
//!   `__Host-sanctum-login` cookie that binds `state` to this browser (nothing stored
//!   server-side: abandoned sign-ins cost no memory);
//! - [`callback`](SessionAuth::callback): the cookie consumed, the code exchanged, the
//!   session stored under a fresh id (any id the browser had before is dropped) and the
//!   `__Host-sanctum-session` cookie set (`HttpOnly`, `Secure`, `SameSite=Lax`, `Path=/`, no
//!   `Domain`); any refusal is 4xx and stores nothing;
//! - [`logout`](SessionAuth::logout) (CSRF-checked): the session removed, its `origin_jti`
//!   recorded as revoked, its refresh token revoked, 303 to Cognito's `/logout`.
//!
//! With [`CognitoAuth::session`](crate::CognitoAuth::session), a request without a bearer
//! token is authenticated by its session: the tokens refreshed ahead of expiry (one refresh per
//! session at a time, written straight back to the store), the access token verified like a
//! bearer token; an unsafe method must pass the [`CsrfPolicy`] (403 otherwise); a store that
//! cannot be read answers 503 (one warning per outage), never an anonymous pass. Requests with
//! a bearer token never touch the store.
//!
//! Sessions live in a [`SessionStore`](sanctum_core::session::SessionStore):
//! [`MemorySessionStore`] (the default; bounded) for one instance,
//! [`RedisSessionStore`](sanctum_core::session::RedisSessionStore) (feature `redis-sessions`)
//! for many. Each entry lives for the idle timeout, pushed on as the session is used, and never
//! past the absolute lifetime; the cookie lives as long (`Max-Age`, sent again with the response
//! whenever a request wrote the session back), as in sanctum-axum.
//!
//! **Why not actix-session.** actix-session's middleware reads the store before every request
//! that carries its cookie (bearer requests included), writes after the response, and answers
//! any store failure with an opaque 500; it needs a cookie key shared by every instance, has no
//! memory store, and its Redis store is built on an older redis-rs major than sanctum's. The
//! sessions here are read only when a request needs one, written back at once (another instance
//! sees refreshed tokens immediately), and a store failure is 503. Keep using actix-session for
//! your application's own session data if you like: its cookie has another name.
//!
//! ```no_run
//! use actix_web::{App, HttpRequest, HttpServer, web};
//! use sanctum_actix::session::SessionAuth;
//! use sanctum_actix::{CognitoAuth, CognitoUser, RequireGroup};
//! use sanctum_actix::sanctum_core::login::{LoginDomain, ManagedLogin};
//! use sanctum_actix::sanctum_core::session::{CsrfPolicy, MemorySessionStore};
//! use sanctum_actix::{UserPool, Verifier};
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let verifier = Verifier::builder()
//!         .pool(UserPool::new("eu-west-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
//!         .build()?;
//!     let login = ManagedLogin::builder(
//!         LoginDomain::cognito("my-app", "eu-west-1"),
//!         "4a1b2c3d4e5f",
//!         "https://app.example.com/callback",
//!     )
//!     .logout_uri("https://app.example.com/")
//!     .build(&verifier)?;
//!     let auth = SessionAuth::builder(login)
//!         .store(MemorySessionStore::new())
//!         .csrf(CsrfPolicy::new().app_origin("https://app.example.com")?)
//!         .build();
//!
//!     HttpServer::new(move || {
//!         let pages = CognitoAuth::new(verifier.clone())
//!             .session(auth.clone())
//!             .redirect_to_login("/login");
//!         App::new()
//!             .app_data(web::Data::new(auth.clone()))
//!             .service(
//!                 web::resource("/admin")
//!                     .wrap(RequireGroup("admin"))
//!                     .wrap(pages)
//!                     .get(|user: CognitoUser| async move { format!("hi {}", user.sub()) }),
//!             )
//!             .route("/login", web::get().to(|auth: web::Data<SessionAuth>, req: HttpRequest| async move {
//!                 auth.login(&req)
//!             }))
//!             .route("/callback", web::get().to(|auth: web::Data<SessionAuth>, req: HttpRequest| async move {
//!                 auth.callback(&req).await
//!             }))
//!             .route("/logout", web::post().to(|auth: web::Data<SessionAuth>, req: HttpRequest| async move {
//!                 auth.logout(&req).await
//!             }))
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await?;
//!     Ok(())
//! }
//! ```
//!
//! **Plain-http development.** `__Host-` cookies must be `Secure`; Chrome and Firefox accept
//! `Secure` cookies from `http://localhost` and `http://127.0.0.1`, so local development over
//! plain http works as is there. For other plain-http hosts
//! [`dangerous_plain_http_cookies`](sanctum_core::session::SessionAuthBuilder::dangerous_plain_http_cookies) drops
//! `Secure` and the `__Host-` prefix: never in production.

use std::fmt;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};
use sanctum_core::adapter::Verified;
use sanctum_core::login::{AuthorizeRequest, ManagedLogin};
use sanctum_core::session::{
    CookieAge, CsrfPolicy, FromSessionSettings, InSessionStore, LOGIN_COOKIE_MAX_AGE,
    MemorySessionStore, SessionData, SessionError, SessionNow, SessionSettings, SessionTokens,
    StoredSessions, cookie_value, set_cookie,
};
use sanctum_core::{Refusal, Verifier};

use crate::middleware::Headers;
use crate::rejection::default_response;

/// Managed-login browser sessions for actix-web; see the [module docs](self). Cheap to clone.
#[derive(Clone)]
pub struct SessionAuth {
    inner: Arc<Inner>,
}

struct Inner {
    settings: SessionSettings,
    /// The sessions over `settings`' store.
    sessions: StoredSessions,
}

impl fmt::Debug for SessionAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionAuth")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// Configures a [`SessionAuth`]; from [`SessionAuth::builder`]. The knobs are
/// [`sanctum_core::session::SessionAuthBuilder`]'s, the same as sanctum-axum's, and
/// [`store`](sanctum_core::session::SessionAuthBuilder::store): where sessions live (default: a
/// [`MemorySessionStore`] of this process; a
/// [`RedisSessionStore`](sanctum_core::session::RedisSessionStore) to share them between
/// instances).
pub type SessionAuthBuilder = sanctum_core::session::SessionAuthBuilder<SessionAuth>;

impl FromSessionSettings for SessionAuth {
    fn from_settings(mut settings: SessionSettings) -> Self {
        let store = settings
            .store
            .get_or_insert_with(|| Arc::new(MemorySessionStore::new()))
            .clone();
        Self {
            inner: Arc::new(Inner {
                sessions: StoredSessions::new(settings.tokens.clone(), store),
                settings,
            }),
        }
    }
}

/// Sessions in a sanctum [`SessionStore`](sanctum_core::session::SessionStore): [`SessionAuthBuilder`] takes one.
impl InSessionStore for SessionAuth {}

/// What the auth middleware's session path comes to without waiting; from
/// [`SessionAuth::authenticate_now`].
pub(crate) enum SessionStep {
    /// No session: the request is anonymous.
    Anonymous,
    /// The request's user.
    Verified(Verified),
    /// The refusal to answer.
    Refused(Refusal),
    /// The session to read the waiting way.
    Later(PendingSession),
}

/// The auth middleware's session path when it must wait: the request, to read its session.
pub(crate) struct PendingSession {
    auth: SessionAuth,
    req: HttpRequest,
    /// The session's token was refused for good already: end the session.
    end: bool,
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

    /// The sessions over their store.
    #[must_use]
    pub fn sessions(&self) -> &StoredSessions {
        &self.inner.sessions
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

    /// The pending sign-in cookie's name: `__Host-sanctum-login` (`sanctum-login` with
    /// [`dangerous_plain_http_cookies`](sanctum_core::session::SessionAuthBuilder::dangerous_plain_http_cookies)).
    #[must_use]
    pub fn login_cookie_name(&self) -> &'static str {
        self.inner.settings.login_cookie_name()
    }

    fn session_id<'a>(&self, headers: &'a Headers<'a>) -> Option<&'a str> {
        cookie_value(headers, self.cookie_name())
    }

    /// The request's session when it is signed in, refreshed first when due (and written
    /// back); `None` without a session cookie, or when the session is unknown or ended (an
    /// ended session is removed).
    ///
    /// # Errors
    /// The store cannot be read or written, or the expired tokens cannot be refreshed now
    /// (answer 503); logged at `warn` once per outage.
    pub async fn active(
        &self,
        req: &HttpRequest,
    ) -> Result<Option<Arc<SessionData>>, SessionError> {
        let headers = Headers(req.headers());
        match self.session_id(&headers) {
            Some(id) => self.inner.sessions.active(id).await,
            None => Ok(None),
        }
    }

    /// The session of `req`, to read the waiting way.
    pub(crate) fn pending(&self, req: &HttpRequest) -> PendingSession {
        PendingSession {
            auth: self.clone(),
            req: req.clone(),
            end: false,
        }
    }

    /// The auth middleware's session path for a request without a bearer token, without
    /// waiting when it can be (the hot path: no session cookie, or the session read now from a
    /// [`MemorySessionStore`], used as it is, its token verified now; see
    /// [`SessionSettings::authenticate_now`]), else what to read the waiting way.
    pub(crate) fn authenticate_now(&self, verifier: &Verifier, req: &HttpRequest) -> SessionStep {
        let headers = Headers(req.headers());
        let Some(id) = self.session_id(&headers) else {
            return SessionStep::Anonymous;
        };
        let later = |end| {
            let mut pending = self.pending(req);
            pending.end = end;
            SessionStep::Later(pending)
        };
        let data = match self.inner.sessions.session_now(id) {
            None => return later(false),
            Some(None) => return SessionStep::Anonymous,
            Some(Some(data)) => data,
        };
        let method = req.method().as_str();
        match self
            .inner
            .settings
            .authenticate_now(verifier, &data, method, &headers)
        {
            SessionNow::Verified(verified) => SessionStep::Verified(verified),
            SessionNow::Refused(refusal) => SessionStep::Refused(refusal),
            SessionNow::End(_) => later(true),
            _ => later(false),
        }
    }

    /// The answer of `GET /login`: 303 to Cognito's authorize URL, with the pending sign-in
    /// (`state`, `nonce`, PKCE verifier, and `next` from the request's query when it is a path
    /// of this application, else `/`) in a 10-minute `HttpOnly` `__Host-` cookie that only
    /// this browser's callback can present. Nothing is stored server-side.
    #[must_use]
    pub fn login(&self, req: &HttpRequest) -> HttpResponse {
        self.login_with(req, |request| request)
    }

    /// [`login`](Self::login) with the authorize request's pass-through parameters set by
    /// `customize`: `identity_provider` (straight to Google, Apple, a SAML or OIDC provider,
    /// skipping Cognito's page), `idp_identifier`, `lang`, `prompt`, `login_hint`.
    ///
    /// ```
    /// use actix_web::{HttpRequest, HttpResponse};
    /// use sanctum_actix::session::SessionAuth;
    ///
    /// // GET /login/google: a "Sign in with Google" button
    /// fn google(auth: &SessionAuth, req: &HttpRequest) -> HttpResponse {
    ///     auth.login_with(req, |request| request.identity_provider("Google"))
    /// }
    /// ```
    #[must_use]
    pub fn login_with(
        &self,
        req: &HttpRequest,
        customize: impl FnOnce(AuthorizeRequest<'_>) -> AuthorizeRequest<'_>,
    ) -> HttpResponse {
        match self
            .tokens()
            .begin_sign_in_with(Some(req.query_string()), customize)
        {
            Ok((url, cookie)) => {
                let mut response = see_other(&url);
                self.set_cookie(
                    &mut response,
                    self.login_cookie_name(),
                    &cookie,
                    CookieAge::Seconds(LOGIN_COOKIE_MAX_AGE),
                );
                response
            }
            Err(err) => message(
                StatusCode::SERVICE_UNAVAILABLE,
                "sign_in_unavailable",
                &err.to_string(),
            ),
        }
    }

    /// The answer of `GET /callback`: takes this browser's pending sign-in from its cookie
    /// (and removes the cookie, whatever happens), checks the `state`, exchanges the code and
    /// verifies the ID token; then stores the session under a fresh id (dropping the
    /// browser's previous one), sets the session cookie and answers 303 to the sign-in's
    /// `next`. Refused without a session: no pending sign-in in this browser (400), Cognito's
    /// `error=` (`access_denied` 403, others 400), a forged `state` (403), an old pending
    /// sign-in, a used or unknown code, a bad ID token (400); Cognito or the store
    /// unreachable (503).
    pub async fn callback(&self, req: &HttpRequest) -> HttpResponse {
        let mut response = self.finish(req).await;
        self.set_cookie(
            &mut response,
            self.login_cookie_name(),
            "",
            CookieAge::Remove,
        );
        response
    }

    async fn finish(&self, req: &HttpRequest) -> HttpResponse {
        let headers = Headers(req.headers());
        let cookie = cookie_value(&headers, self.login_cookie_name());
        let done = match self
            .tokens()
            .finish_sign_in(cookie, Some(req.query_string()))
            .await
        {
            Ok(done) => done,
            Err(refused) => {
                return message(status(refused.status), refused.error, &refused.description);
            }
        };
        let old = self.session_id(&headers);
        let id = match self.inner.sessions.sign_in(old, &done.data).await {
            Ok(id) => id,
            Err(err) => {
                tracing::warn!(error = %err, "sign-in not stored: session store unavailable");
                return default_response(&Refusal::SessionUnavailable);
            }
        };
        tracing::debug!(sub = %done.data.sub, "signed in");
        let mut response = see_other(&done.next);
        let ttl = self.tokens().time_to_live(&done.data).as_secs();
        self.set_cookie(
            &mut response,
            self.cookie_name(),
            &id,
            CookieAge::Seconds(ttl),
        );
        response
    }

    /// The answer of `POST /logout`: refused with 403 unless the request comes from the
    /// application's pages (the [`CsrfPolicy`]). Ends the session in the store, records its
    /// `origin_jti` as revoked when a revocation store is configured (every instance then
    /// refuses its tokens), revokes its refresh token at Cognito, removes the session cookie
    /// and answers 303 to Cognito's `/logout` (or `/` without a logout URI), which ends the
    /// managed-login session too. A revocation Cognito refuses or cannot take is reported: 502
    /// with the reason (the session is over here all the same). 503 when the store cannot be
    /// reached (nothing changed).
    pub async fn logout(&self, req: &HttpRequest) -> HttpResponse {
        let headers = Headers(req.headers());
        if self
            .csrf_policy()
            .check_request(req.method().as_str(), &headers)
            .is_err()
        {
            let refusal = Refusal::CrossSiteRequest;
            refusal.log();
            return default_response(&refusal);
        }
        let data = match self.session_id(&headers) {
            None => None,
            Some(id) => match self.inner.sessions.end(id).await {
                Ok(data) => data,
                Err(err) => {
                    tracing::warn!(error = %err, "sign-out refused: session store unavailable");
                    return default_response(&Refusal::SessionUnavailable);
                }
            },
        };
        let mut response = match data {
            Some(data) => match self
                .tokens()
                .sign_out(&data, self.inner.settings.revocations.as_deref())
                .await
            {
                Ok(()) => None,
                Err(err) => Some(message(
                    StatusCode::BAD_GATEWAY,
                    "revoke_failed",
                    &err.to_string(),
                )),
            },
            None => None,
        }
        .unwrap_or_else(|| {
            let target = self.tokens().login().logout_url();
            see_other(target.as_deref().unwrap_or("/"))
        });
        self.set_cookie(&mut response, self.cookie_name(), "", CookieAge::Remove);
        response
    }

    fn set_cookie(&self, response: &mut HttpResponse, name: &str, value: &str, age: CookieAge) {
        let cookie = set_cookie(name, value, age, self.inner.settings.secure_cookies);
        if let Ok(cookie) = header::HeaderValue::try_from(cookie) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
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
        let Self { auth, req, end } = self;
        let headers = Headers(req.headers());
        let Some(id) = auth.session_id(&headers) else {
            return Ok(None);
        };
        let sessions = &auth.inner.sessions;
        if end {
            sessions.remove(id).await;
            return Ok(None);
        }
        let active = match sessions.read_session(id).await {
            Ok(Some(active)) => active,
            Ok(None) => return Ok(None),
            Err(_) => return Err(Refusal::SessionUnavailable),
        };
        let csrf = auth
            .csrf_policy()
            .check_request(req.method().as_str(), &headers);
        match auth
            .inner
            .settings
            .verify_session(verifier, &active.data, csrf)
            .await
        {
            SessionNow::Verified(verified) => {
                if let Some(ttl) = active.renewed {
                    // written back: the cookie lives on as long as the stored session
                    let cookie = set_cookie(
                        auth.cookie_name(),
                        id,
                        CookieAge::Seconds(ttl.as_secs()),
                        auth.inner.settings.secure_cookies,
                    );
                    req.extensions_mut().insert(RenewedCookie(cookie));
                }
                Ok(Some(verified))
            }
            SessionNow::Refused(refusal) => Err(refusal),
            _ => {
                // revoked (signed out elsewhere), or no longer acceptable: the session is over
                sessions.remove(id).await;
                Ok(None)
            }
        }
    }
}

/// The session cookie to send again with the response, its session having been written back
/// while the request was authenticated (see [`with_renewed_cookie`]).
struct RenewedCookie(String);

/// `response` with the session cookie of its request sent again when the auth middleware
/// wrote the session back (its idle clock pushed on, its tokens refreshed): the browser keeps
/// the cookie as long as the store keeps the session.
pub(crate) fn with_renewed_cookie<B>(
    mut response: actix_web::dev::ServiceResponse<B>,
) -> actix_web::dev::ServiceResponse<B> {
    let renewed = response
        .request()
        .extensions_mut()
        .remove::<RenewedCookie>();
    if let Some(RenewedCookie(cookie)) = renewed
        && let Ok(cookie) = header::HeaderValue::try_from(cookie)
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The core's status (`http` 1) as actix-web's (`http` 0.2).
fn status(status: http::StatusCode) -> StatusCode {
    StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

fn message(status: StatusCode, code: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(ContentType::json())
        .body(serde_json::json!({"error": code, "error_description": description}).to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use actix_web::{App, test, web};
    use sanctum_core::session::{SessionStore, StoreFuture};
    use sanctum_core::testing::TestIssuer;

    use super::*;
    use crate::{CognitoAuth, CognitoUser};

    /// A memory store that counts the reads that wait and the writes.
    #[derive(Debug, Clone, Default)]
    struct Counting {
        store: MemorySessionStore,
        waited: Arc<AtomicUsize>,
        written: Arc<AtomicUsize>,
    }

    impl SessionStore for Counting {
        fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<String>> {
            self.waited.fetch_add(1, Ordering::Relaxed);
            self.store.load(id)
        }

        fn create<'a>(
            &'a self,
            id: &'a str,
            value: &'a str,
            ttl: Duration,
        ) -> StoreFuture<'a, bool> {
            self.store.create(id, value, ttl)
        }

        fn save<'a>(&'a self, id: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
            self.written.fetch_add(1, Ordering::Relaxed);
            self.store.save(id, value, ttl)
        }

        fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
            self.written.fetch_add(1, Ordering::Relaxed);
            self.store.delete(id)
        }

        fn load_session<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<SessionData>>> {
            self.waited.fetch_add(1, Ordering::Relaxed);
            self.store.load_session(id)
        }

        fn load_session_now(&self, id: &str) -> Option<Option<Arc<SessionData>>> {
            self.store.load_session_now(id)
        }
    }

    fn session(access_token: &str, touched_at: u64) -> SessionData {
        serde_json::from_value(serde_json::json!({
            "tokens": {
                "access_token": access_token, "id_token": "unused", "refresh_token": null,
                "expires_at": touched_at + 3600, "token_type": "Bearer",
            },
            "sub": "sub-1", "username": "alice", "groups": [], "origin_jti": null,
            "signed_in_at": touched_at, "touched_at": touched_at,
        }))
        .expect("a session")
    }

    #[actix_web::test]
    async fn a_session_used_as_it_is_is_read_without_waiting_and_written_only_when_due() {
        let issuer = TestIssuer::start().await.expect("issuer");
        let verifier = issuer.verifier();
        verifier.prefetch().await.expect("keys");
        let store = Counting::default();
        let auth = SessionAuth::builder(issuer.managed_login(&verifier))
            .store(store.clone())
            .build();
        let app = test::init_service(
            App::new()
                .wrap(CognitoAuth::new(verifier).session(auth.clone()))
                .route(
                    "/",
                    web::get().to(|user: CognitoUser| async move { user.sub().to_owned() }),
                )
                .route("/", web::post().to(|_: CognitoUser| async { "changed" })),
        )
        .await;
        let token = issuer.access_token().build();
        let now = auth.tokens().now();
        let fresh = auth
            .sessions()
            .sign_in(None, &session(&token, now))
            .await
            .expect("stored");
        let cookie = |id: &str| (header::COOKIE, format!("{}={id}", auth.cookie_name()));
        let counts = || {
            (
                store.waited.load(Ordering::Relaxed),
                store.written.load(Ordering::Relaxed),
            )
        };

        // a GET of a session used as it is: read without waiting, nothing written
        let get = test::TestRequest::get()
            .uri("/")
            .insert_header(cookie(&fresh));
        let response = test::call_service(&app, get.to_request()).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().get(header::SET_COOKIE).is_none());
        assert_eq!(counts(), (0, 0), "(reads that waited, writes)");

        // an unsafe cross-site request: 403 without waiting, nothing written
        let post = test::TestRequest::post()
            .uri("/")
            .insert_header(cookie(&fresh))
            .insert_header(("sec-fetch-site", "cross-site"));
        let response = test::call_service(&app, post.to_request()).await;
        assert_eq!(response.status(), 403);
        assert_eq!(counts(), (0, 0));

        // the idle clock due to be written back: the waiting path writes it once and sends the
        // cookie again
        let idle = auth
            .sessions()
            .sign_in(None, &session(&token, now - 120))
            .await
            .expect("stored");
        let get = test::TestRequest::get()
            .uri("/")
            .insert_header(cookie(&idle));
        let response = test::call_service(&app, get.to_request()).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().get(header::SET_COOKIE).is_some());
        assert_eq!(counts(), (1, 1));
        let touched = store.store.session_now(&idle).expect("kept");
        assert!(touched.touched_at >= now, "the idle clock written back");

        // what it holds is core's settings, shown as they are
        assert_eq!(
            format!("{auth:?}"),
            format!("SessionAuth {{ settings: {:?}, .. }}", auth.settings())
        );
    }
}
