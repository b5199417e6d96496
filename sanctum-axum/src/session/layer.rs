//! [`SessionLayer`]: tower-sessions' layer with sanctum's cookie policy, and the direct read of
//! a [`MemorySessionStore`]'s decoded sessions for the auth layer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::HeaderValue;
use http::header::SET_COOKIE;

use tower_layer::Layer;
use tower_service::Service;
use tower_sessions::{SessionManagerLayer, SessionStore};

use super::MemorySessionStore;

/// The session layer of [`SessionAuth::layer`](super::SessionAuth::layer): tower-sessions'
/// [`SessionManagerLayer`] with sanctum's cookie policy. Over a [`MemorySessionStore`] it also
/// hands the store to [`CognitoAuthLayer::session`](crate::CognitoAuthLayer::session), which
/// then reads a request's session straight from it (decoded once per record written, no copy
/// of the tokens), and answers a request whose session needs no write without waiting; over
/// other stores the session is read through tower-sessions' `Session`.
///
/// The cookie that removes a session (sign-out, a session that ended) is written with the
/// session cookie's attributes (`HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` unless
/// plain-http cookies were chosen): tower-sessions writes it with the path alone, which a
/// browser ignores for a `__Host-` cookie, keeping the dead session's cookie.
#[derive(Debug, Clone)]
pub struct SessionLayer<S: SessionStore> {
    manager: SessionManagerLayer<S>,
    memory: Option<MemorySessionStore>,
    removal: Removal,
}

impl<S: SessionStore> SessionLayer<S> {
    pub(crate) fn new(
        manager: SessionManagerLayer<S>,
        memory: Option<MemorySessionStore>,
        cookie_name: &'static str,
        secure: bool,
    ) -> Self {
        Self {
            manager,
            memory,
            removal: Removal {
                prefix: Arc::from(format!("{cookie_name}=;")),
                header: HeaderValue::try_from(format!(
                    "{cookie_name}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax{}",
                    if secure { "; Secure" } else { "" }
                ))
                .ok(),
            },
        }
    }
}

impl<I, S: SessionStore> Layer<I> for SessionLayer<S> {
    type Service = RemovalCookie<<SessionManagerLayer<S> as Layer<DirectRead<I>>>::Service>;

    fn layer(&self, inner: I) -> Self::Service {
        RemovalCookie {
            inner: self.manager.layer(DirectRead {
                inner,
                memory: self.memory.clone(),
            }),
            removal: self.removal.clone(),
        }
    }
}

/// The removal cookie [`RemovalCookie`] writes in place of tower-sessions' own.
#[derive(Debug, Clone)]
struct Removal {
    /// How tower-sessions' removal of the session cookie starts: `<name>=;`.
    prefix: Arc<str>,
    /// The removal with the session cookie's attributes (`None`: a name no header can hold,
    /// which `SessionAuth` never builds).
    header: Option<HeaderValue>,
}

/// The outermost service of a [`SessionLayer`]: rewrites tower-sessions' removal of the
/// session cookie with the session cookie's attributes (see [`SessionLayer`]).
#[derive(Debug, Clone)]
pub struct RemovalCookie<T> {
    inner: T,
    removal: Removal,
}

impl<T, B, R> Service<http::Request<B>> for RemovalCookie<T>
where
    T: Service<http::Request<B>, Response = http::Response<R>>,
{
    type Response = T::Response;
    type Error = T::Error;
    type Future = RemovalFuture<T::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        RemovalFuture {
            future: self.inner.call(req),
            removal: Some(self.removal.clone()),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`RemovalCookie`].
    pub struct RemovalFuture<F> {
        #[pin]
        future: F,
        removal: Option<Removal>,
    }
}

impl<F: fmt::Debug> fmt::Debug for RemovalFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemovalFuture")
            .field("future", &self.future)
            .finish_non_exhaustive()
    }
}

impl<F, R, E> Future for RemovalFuture<F>
where
    F: Future<Output = Result<http::Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.future.poll(cx))?;
        if let Some(removal) = this.removal.take() {
            removal.rewrite(response.headers_mut());
        }
        Poll::Ready(Ok(response))
    }
}

impl Removal {
    /// Replaces tower-sessions' removal of the session cookie in `headers`, if there is one.
    fn rewrite(&self, headers: &mut http::HeaderMap) {
        let Some(header) = &self.header else { return };
        // most responses set no cookie: `entry` alone could grow a full map
        if !headers.contains_key(SET_COOKIE) {
            return;
        }
        if let http::header::Entry::Occupied(mut cookies) = headers.entry(SET_COOKIE) {
            for value in cookies.iter_mut() {
                if value.as_bytes().starts_with(self.prefix.as_bytes()) {
                    value.clone_from(header);
                }
            }
        }
    }
}

/// The service inside a [`SessionLayer`]: puts the [`MemorySessionStore`], when the sessions
/// live in one, into the request's extensions for the auth layer.
#[derive(Debug, Clone)]
pub struct DirectRead<I> {
    inner: I,
    memory: Option<MemorySessionStore>,
}

/// The request extension [`DirectRead`] adds.
#[derive(Clone)]
pub(crate) struct MemorySessions(pub(crate) MemorySessionStore);

impl<I, B> Service<http::Request<B>> for DirectRead<I>
where
    I: Service<http::Request<B>>,
{
    type Response = I::Response;
    type Error = I::Error;
    type Future = I::Future;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        if let Some(memory) = &self.memory {
            req.extensions_mut().insert(MemorySessions(memory.clone()));
        }
        self.inner.call(req)
    }
}
