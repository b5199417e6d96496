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
