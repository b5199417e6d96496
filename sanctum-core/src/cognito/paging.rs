//! Listings as streams over the SDK's own paginators (`into_paginator()`): sanctum only
//! flattens pages into items, refuses a server that repeats its page token, and bounds the
//! number of pages, so a misbehaving server can neither loop a listing forever nor end it
//! early without saying so.

/// At most this many pages are read by one listing (60 items a page: 60 000 items).
pub(crate) const MAX_PAGES: usize = 1_000;

/// A stream of the items of every page of `$pages` (an SDK `PaginationStream` of pages):
/// `|page| token` gives a page's next token, `|page| items` its items. One failed page is one
/// `Err` item, and ends the stream.
macro_rules! paged {
    ($op:literal, $pages:expr, |$page:ident| $token:expr, $items:expr) => {{
        struct State<S, T> {
            pages: S,
            buffer: ::std::collections::VecDeque<T>,
            last: Option<String>,
            read: usize,
            done: bool,
        }
        let state = State {
            pages: $pages,
            buffer: ::std::collections::VecDeque::new(),
            last: None,
            read: 0,
            done: false,
        };
        ::futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(item) = state.buffer.pop_front() {
                    return Some((Ok(item), state));
                }
                if state.done {
                    return None;
                }
                let fail = |state: State<_, _>, what| {
                    Some((
                        Err($crate::cognito::CognitoError::UnexpectedResponse {
                            operation: $op,
                            what,
                        }),
                        State {
                            done: true,
                            ..state
                        },
                    ))
                };
                match state.pages.next().await {
                    None => return None,
                    Some(Err(e)) => {
                        state.done = true;
                        return Some((Err($crate::cognito::CognitoError::from_sdk($op, e)), state));
                    }
                    Some(Ok($page)) => {
                        state.read += 1;
                        let next: Option<String> =
                            $token.filter(|t: &&str| !t.is_empty()).map(str::to_owned);
                        if next.is_some() && next == state.last {
                            return fail(state, "the same page token twice");
                        }
                        if next.is_some() && state.read >= $crate::cognito::paging::MAX_PAGES {
                            return fail(state, "more pages than sanctum reads in one listing");
                        }
                        state.done = next.is_none();
                        state.last = next;
                        state.buffer.extend($items(&$page));
                    }
                }
            }
        })
    }};
}

pub(crate) use paged;

/// The pages of an operation the SDK has no paginator for (`ListDevices`,
/// `ListWebAuthnCredentials`, ...), as a stream for [`paged!`]: `send(token)` sends the request
/// for one page (`None` for the first), `next(&page)` reads the page's next token; the stream
/// ends after a failed page or one without a next token. [`paged!`] bounds the pages and
/// refuses a repeated token.
pub(crate) fn token_pages<O, E, F, Fut>(
    send: F,
    next: fn(&O) -> Option<&str>,
) -> futures_util::stream::BoxStream<'static, Result<O, E>>
where
    F: Fn(Option<String>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<O, E>> + Send + 'static,
    O: Send + 'static,
    E: Send + 'static,
{
    use futures_util::StreamExt as _;
    // the state is the next page's token: `Some(None)` for the first page, `None` once done
    futures_util::stream::unfold(Some(None), move |token: Option<Option<String>>| {
        let request = token.map(&send);
        async move {
            let page = request?.await;
            let following = page
                .as_ref()
                .ok()
                .and_then(next)
                .map(|t| Some(t.to_owned()));
            Some((page, following))
        }
    })
    .boxed()
}
