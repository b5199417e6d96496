//! [`SessionLayer`]: the session cookie read and written with sanctum's cookie policy around a
//! tower-sessions store, and the direct read of a [`MemorySessionStore`]'s decoded sessions
//! for the auth layer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::HeaderValue;
use http::header::SET_COOKIE;
use sanctum_core::Refusal;
use sanctum_core::session::{CookieAge, SessionError, StoreError, cookie_value, set_cookie};
use time::OffsetDateTime;
use tower_layer::Layer;
use tower_service::Service;
use tower_sessions_core::session::Id;
use tower_sessions_core::{Expiry, Session, SessionStore};

use super::{MemorySessionStore, SessionAuth, time_duration};
use crate::rejection::refusal_response;

/// The session layer of [`SessionAuth::layer`](super::SessionAuth::layer): gives every request
/// its tower-sessions [`Session`] (an extractor) from the session cookie, and after the
/// response saves a changed session and sends its cookie, or removes the cookie of a session
/// that ended — the work of tower-sessions' `SessionManagerLayer`, done here with sanctum's
/// cookie policy and without a cookie jar:
/// - the cookie is found in the request's `Cookie` headers as sanctum-actix finds it
///   ([`cookie_value`]: the first of that name), not parsed into a jar;
/// - the cookies it writes are [`set_cookie`]'s, the same as sanctum-actix's: `HttpOnly`,
///   `SameSite=Lax`, `Path=/`, `Secure` unless plain-http cookies were chosen, `Max-Age` the
///   session's expiry; the removal cookie carries the same attributes (tower-sessions wrote it
///   with the path alone, which a browser ignores for a `__Host-` cookie);
/// - a request whose session needs no write (most of them) costs no allocation after the
///   response; a session that cannot be saved answers 503 with
///   [`Refusal::SessionUnavailable`]'s JSON body (logged once per outage of the store), not 500.
///
/// Over a [`MemorySessionStore`] it also hands the store to
/// [`CognitoAuthLayer::session`](crate::CognitoAuthLayer::session), which then reads a
/// request's session straight from it (decoded once per record written, no copy of the
/// tokens) and answers a request whose session needs no write without waiting; over other
/// stores the session is read through the [`Session`].
#[derive(Debug)]
pub struct SessionLayer<S> {
    store: Arc<S>,
    shared: Arc<Shared>,
}

impl<S> Clone for SessionLayer<S> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            shared: Arc::clone(&self.shared),
        }
    }
}

/// What every request's [`SessionService`] and [`SessionFuture`] share.
struct Shared {
    auth: SessionAuth,
    /// The store, when it is the memory store, for the auth layer to read directly.
    memory: Option<MemorySessionStore>,
    /// A new session's expiry: the idle timeout.
    expiry: Expiry,
    /// The cookie that removes the session's (`None`: a name no header can hold, which
    /// `SessionAuth` never builds).
    removal: Option<HeaderValue>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("cookie_name", &self.auth.cookie_name())
            .field("memory_store", &self.memory.is_some())
            .field("expiry", &self.expiry)
            .finish_non_exhaustive()
    }
}

impl<S: SessionStore> SessionLayer<S> {
    pub(crate) fn new(auth: SessionAuth, store: S, memory: Option<MemorySessionStore>) -> Self {
        let idle = auth.tokens().policy().idle();
        let removal = set_cookie(
            auth.cookie_name(),
            "",
            CookieAge::Remove,
            auth.settings().secure_cookies,
        );
        Self {
            store: Arc::new(store),
            shared: Arc::new(Shared {
                expiry: Expiry::OnInactivity(time_duration(idle)),
                removal: HeaderValue::try_from(removal).ok(),
                memory,
                auth,
            }),
        }
    }
}

impl<I, S> Layer<I> for SessionLayer<S> {
    type Service = SessionService<I, S>;

    fn layer(&self, inner: I) -> Self::Service {
        SessionService {
            inner,
            store: Arc::clone(&self.store),
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service of a [`SessionLayer`]; see there.
pub struct SessionService<I, S> {
    inner: I,
    store: Arc<S>,
    shared: Arc<Shared>,
}

impl<I: Clone, S> Clone for SessionService<I, S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            store: Arc::clone(&self.store),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<I: fmt::Debug, S> fmt::Debug for SessionService<I, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService")
            .field("inner", &self.inner)
            .field("layer", &self.shared)
            .finish_non_exhaustive()
    }
}

/// The request extension [`SessionService`] adds over a [`MemorySessionStore`], to a request
/// with a session id.
#[derive(Clone)]
pub(crate) struct MemorySessions(pub(crate) MemorySessionStore);

impl<I, S, B, R> Service<http::Request<B>> for SessionService<I, S>
where
    I: Service<http::Request<B>, Response = http::Response<R>>,
    I::Error: Send + 'static,
    S: SessionStore,
    R: From<String> + Send + 'static,
{
    type Response = I::Response;
    type Error = I::Error;
    type Future = SessionFuture<I::Future, R, I::Error>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let shared = &self.shared;
        let cookie = cookie_value(req.headers(), shared.auth.cookie_name());
        let id = cookie.and_then(|value| {
            value
                .parse::<Id>()
                .map_err(|_| tracing::debug!("a session cookie that is not a session id"))
                .ok()
        });
        let had_cookie = cookie.is_some();
        let session = Session::new(id, Arc::clone(&self.store), Some(shared.expiry));
        let extensions = req.extensions_mut();
        extensions.insert(session.clone());
        // the auth layer reads the memory store by the request's session id: without one
        // (a bearer request, a first visit) it has nothing to read there
        if let Some(memory) = shared.memory.as_ref().filter(|_| id.is_some()) {
            extensions.insert(MemorySessions(memory.clone()));
        }
        SessionFuture {
            future: self.inner.call(req),
            after: Some(After {
                session,
                had_cookie,
                shared: Arc::clone(shared),
            }),
            tail: None,
        }
    }
}

/// What the response needs once the inner service answered.
struct After {
    session: Session,
    /// The request sent a session cookie (to remove when the session is over).
    had_cookie: bool,
    shared: Arc<Shared>,
}

/// The boxed end of a response whose session is written or removed.
type Tail<R, E> = Pin<Box<dyn Future<Output = Result<http::Response<R>, E>> + Send>>;

pin_project_lite::pin_project! {
    /// The response future of [`SessionService`].
    pub struct SessionFuture<F, R, E> {
        #[pin]
        future: F,
        after: Option<After>,
        tail: Option<Tail<R, E>>,
    }
}

impl<F, R, E> fmt::Debug for SessionFuture<F, R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionFuture")
            .field("writing", &self.tail.is_some())
            .finish_non_exhaustive()
    }
}

impl<F, R, E> Future for SessionFuture<F, R, E>
where
    F: Future<Output = Result<http::Response<R>, E>>,
    R: From<String> + Send + 'static,
    E: Send + 'static,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Some(tail) = this.tail {
            return tail.as_mut().poll(cx);
        }
        let response = std::task::ready!(this.future.poll(cx))?;
        let Some(after) = this.after.take() else {
            // polled again after it answered: the inner future's own answer
            return Poll::Ready(Ok(response));
        };
        if !after.needs_write() {
            return Poll::Ready(Ok(response));
        }
        let mut tail: Tail<R, E> = Box::pin(async move { Ok(after.write(response).await) });
        let poll = tail.as_mut().poll(cx);
        if poll.is_pending() {
            *this.tail = Some(tail);
        }
        poll
    }
}

impl After {
    /// Whether the session may need a write or its cookie a removal; `false` for a session
    /// that is neither changed nor over (with an id it is not empty), and for an unchanged
    /// request without a cookie (nothing to save, nothing to remove).
    fn needs_write(&self) -> bool {
        self.session.is_modified() || (self.had_cookie && self.session.id().is_none())
    }

    /// tower-sessions' `SessionManager` after the response: removes the cookie of a session
    /// that is over, saves a changed one (not after a server error) and sends its cookie.
    async fn write<R: From<String>>(self, mut response: http::Response<R>) -> http::Response<R> {
        let Self {
            session,
            had_cookie,
            shared,
        } = self;
        let empty = session.is_empty().await;
        if had_cookie && empty {
            if let Some(removal) = &shared.removal {
                response.headers_mut().append(SET_COOKIE, removal.clone());
            }
            return response;
        }
        if empty || !session.is_modified() || response.status().is_server_error() {
            return response;
        }
        if let Err(err) = session.save().await {
            shared
                .auth
                .store_failed(&SessionError::Store(StoreError::new(err)));
            return unavailable();
        }
        let Some(id) = session.id() else {
            // a store that saved without an id: never the case for a working store
            return unavailable();
        };
        let cookie = session_cookie(&shared.auth, id, session.expiry());
        if let Some(cookie) = cookie {
            response.headers_mut().append(SET_COOKIE, cookie);
        }
        response
    }
}

/// The session cookie for the session `id` expiring at `expiry`.
fn session_cookie(auth: &SessionAuth, id: Id, expiry: Option<Expiry>) -> Option<HeaderValue> {
    let name = auth.cookie_name();
    let secure = auth.settings().secure_cookies;
    let seconds = |duration: time::Duration| {
        CookieAge::Seconds(u64::try_from(duration.whole_seconds()).unwrap_or(0))
    };
    let age = match expiry {
        Some(Expiry::OnInactivity(idle)) => seconds(idle),
        Some(Expiry::AtDateTime(at)) => seconds(at - OffsetDateTime::now_utc()),
        // a cookie for the browser's session
        Some(Expiry::OnSessionEnd) | None => CookieAge::BrowserSession,
    };
    let cookie = set_cookie(name, &id.to_string(), age, secure);
    HeaderValue::try_from(cookie).ok()
}

/// The answer when the session cannot be saved: [`Refusal::SessionUnavailable`]'s (503, its
/// JSON body, as the auth layer answers a session it cannot read), nothing of the handler's.
fn unavailable<R: From<String>>() -> http::Response<R> {
    refusal_response(&Refusal::SessionUnavailable)
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use async_trait::async_trait;
    use sanctum_core::testing::TestIssuer;
    use tower::ServiceExt as _;
    use tower_sessions_core::session::Record;
    use tower_sessions_core::session_store;

    use http::StatusCode;

    use super::*;

    async fn auth() -> SessionAuth {
        let issuer = TestIssuer::start().await.expect("issuer");
        SessionAuth::builder(issuer.managed_login(&issuer.verifier())).build()
    }

    /// What the handler does with the request's session.
    #[derive(Clone, Copy, Debug)]
    enum Handler {
        /// Nothing.
        Nothing,
        /// Writes a value.
        Insert,
        /// Reads it (tower-sessions loads the record, forgetting an unknown id).
        Read,
        /// Writes a value in a session that ends with the browser's.
        InsertUntilBrowserCloses,
    }

    /// Sends `cookie` through the layer over `store` to a handler doing `handler`; the
    /// status, the `Set-Cookie` headers and the session id the handler saw.
    async fn send<S: SessionStore>(
        store: S,
        cookie: Option<&str>,
        handler: Handler,
    ) -> (StatusCode, Vec<String>, Option<Id>) {
        let (status, cookies, body) = answer(store, cookie, handler).await;
        (status, cookies, body.parse().ok())
    }

    /// [`send`], with the answer's body as it is.
    async fn answer<S: SessionStore>(
        store: S,
        cookie: Option<&str>,
        handler: Handler,
    ) -> (StatusCode, Vec<String>, String) {
        let response = respond(store, cookie, handler).await;
        let cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|value| value.to_str().expect("text").to_owned())
            .collect();
        (response.status(), cookies, response.into_body())
    }

    /// The layer's whole answer.
    async fn respond<S: SessionStore>(
        store: S,
        cookie: Option<&str>,
        handler: Handler,
    ) -> http::Response<String> {
        let service = auth().await.layer(store).layer(tower::service_fn(
            move |req: http::Request<()>| async move {
                let session = req.extensions().get::<Session>().expect("session").clone();
                match handler {
                    Handler::Nothing => {}
                    Handler::Insert => session.insert("k", 1).await.expect("insert"),
                    Handler::Read => drop(session.get::<u8>("k").await),
                    Handler::InsertUntilBrowserCloses => {
                        session.set_expiry(Some(Expiry::OnSessionEnd));
                        session.insert("k", 1).await.expect("insert");
                    }
                }
                let id = session.id().map(|id| id.to_string());
                Ok::<_, Infallible>(http::Response::new(id.unwrap_or_default()))
            },
        ));
        let mut req = http::Request::builder().uri("/");
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        service
            .oneshot(req.body(()).expect("request"))
            .await
            .expect("answer")
    }

    /// A stored session's id.
    async fn stored(store: &MemorySessionStore) -> Id {
        let mut record = Record {
            id: Id::default(),
            data: [("k".to_owned(), serde_json::json!(1))].into(),
            expiry_date: OffsetDateTime::now_utc() + time::Duration::hours(1),
        };
        store.create(&mut record).await.expect("stored");
        record.id
    }

    /// The session id a `Set-Cookie` value sends.
    fn cookie_id(cookie: &str) -> Id {
        cookie
            .strip_prefix("__Host-sanctum-session=")
            .and_then(|rest| rest.split(';').next())
            .and_then(|id| id.parse().ok())
            .expect("an id")
    }

    #[tokio::test]
    async fn a_request_whose_session_needs_no_write_gets_no_cookie() {
        let store = MemorySessionStore::new();
        let (status, cookies, id) = send(store.clone(), None, Handler::Nothing).await;
        assert_eq!((status, cookies, id), (StatusCode::OK, vec![], None));
        // a known session, read and not changed: its cookie is not sent again
        let known = stored(&store).await;
        let cookie = format!("__Host-sanctum-session={known}");
        let (status, cookies, id) = send(store, Some(&cookie), Handler::Read).await;
        assert_eq!((status, cookies, id), (StatusCode::OK, vec![], Some(known)));
    }

    #[tokio::test]
    async fn a_changed_session_is_saved_and_its_cookie_sent_with_sanctums_attributes() {
        let store = MemorySessionStore::new();
        let (status, cookies, seen) = send(store.clone(), None, Handler::Insert).await;
        // a new session has its id once saved, after the handler
        assert_eq!((status, seen), (StatusCode::OK, None));
        let id = cookie_id(&cookies[0]);
        // the idle timeout (30 minutes) as Max-Age
        assert_eq!(
            cookies,
            [format!(
                "__Host-sanctum-session={id}; Max-Age=1800; Path=/; HttpOnly; SameSite=Lax; Secure"
            )]
        );
        assert!(store.load(&id).await.expect("load").is_some(), "saved");
    }

    #[tokio::test]
    async fn a_session_that_ends_with_the_browsers_gets_a_cookie_without_max_age() {
        let store = MemorySessionStore::new();
        let (status, cookies, _) =
            send(store.clone(), None, Handler::InsertUntilBrowserCloses).await;
        assert_eq!(status, StatusCode::OK);
        let id = cookie_id(&cookies[0]);
        // the same attributes as every cookie of sanctum's, no `Max-Age`
        assert_eq!(
            cookies,
            [format!(
                "__Host-sanctum-session={id}; Path=/; HttpOnly; SameSite=Lax; Secure"
            )]
        );
        assert!(store.load(&id).await.expect("load").is_some(), "saved");
    }

    #[tokio::test]
    async fn the_first_session_cookie_of_a_name_is_the_one_used() {
        let store = MemorySessionStore::new();
        let known = stored(&store).await;
        let cookie =
            format!("theme=dark; __Host-sanctum-session={known}; __Host-sanctum-session=x");
        let (_, cookies, id) = send(store.clone(), Some(&cookie), Handler::Read).await;
        assert_eq!((cookies, id), (vec![], Some(known)));
    }

    #[tokio::test]
    async fn the_cookie_of_a_session_that_is_over_is_removed_with_the_cookies_attributes() {
        let removal = "__Host-sanctum-session=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Secure";
        // an id the store does not know, read: tower-sessions forgets it
        let unknown = format!("__Host-sanctum-session={}", Id::default());
        let (status, cookies, id) =
            send(MemorySessionStore::new(), Some(&unknown), Handler::Read).await;
        assert_eq!(
            (status, cookies, id),
            (StatusCode::OK, vec![removal.to_owned()], None)
        );
        // a value that is no session id at all
        let garbage = "__Host-sanctum-session=%%not-an-id";
        let (_, cookies, _) =
            send(MemorySessionStore::new(), Some(garbage), Handler::Nothing).await;
        assert_eq!(cookies, [removal]);
    }

    /// A store that is down.
    #[derive(Debug, Clone)]
    struct Down;

    #[async_trait]
    impl SessionStore for Down {
        async fn save(&self, _: &Record) -> session_store::Result<()> {
            Err(session_store::Error::Backend("down".into()))
        }
        async fn load(&self, _: &Id) -> session_store::Result<Option<Record>> {
            Err(session_store::Error::Backend("down".into()))
        }
        async fn delete(&self, _: &Id) -> session_store::Result<()> {
            Err(session_store::Error::Backend("down".into()))
        }
    }

    #[tokio::test]
    async fn a_session_that_cannot_be_saved_is_503_and_sends_no_cookie() {
        let (status, cookies, body) = answer(Down, None, Handler::Insert).await;
        assert_eq!((status, cookies), (StatusCode::SERVICE_UNAVAILABLE, vec![]));
        // the auth layer's answer to a session it cannot read, not the handler's
        assert_eq!(body, Refusal::SessionUnavailable.body());
    }

    #[tokio::test]
    async fn a_session_that_cannot_be_saved_is_answered_byte_for_byte_as_every_refusal() {
        let answer = respond(Down, None, Handler::Insert).await;
        let expected = crate::rejection::default_response(&Refusal::SessionUnavailable);
        assert_eq!(answer.status(), expected.status());
        assert_eq!(answer.headers(), expected.headers());
        let expected = http_body_util::BodyExt::collect(expected.into_body())
            .await
            .expect("body")
            .to_bytes();
        assert_eq!(answer.into_body().as_bytes(), expected);
    }
}
