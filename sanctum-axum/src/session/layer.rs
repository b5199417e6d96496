//! [`SessionLayer`]: tower-sessions' layer with sanctum's cookie policy, and the direct read of
//! a [`MemorySessionStore`]'s decoded sessions for the auth layer.

use std::task::{Context, Poll};

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
#[derive(Debug, Clone)]
pub struct SessionLayer<S: SessionStore> {
    manager: SessionManagerLayer<S>,
    memory: Option<MemorySessionStore>,
}

impl<S: SessionStore> SessionLayer<S> {
    pub(crate) fn new(manager: SessionManagerLayer<S>, memory: Option<MemorySessionStore>) -> Self {
        Self { manager, memory }
    }
}

impl<I, S: SessionStore> Layer<I> for SessionLayer<S> {
    type Service = <SessionManagerLayer<S> as Layer<DirectRead<I>>>::Service;

    fn layer(&self, inner: I) -> Self::Service {
        self.manager.layer(DirectRead {
            inner,
            memory: self.memory.clone(),
        })
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
