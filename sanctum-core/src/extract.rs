//! Where a request carries its token: the `Authorization: Bearer` header (default), a cookie,
//! a query parameter, or anything a custom function finds in the headers and query (an
//! [`AsyncTokenFinder`](crate::adapter::AsyncTokenFinder) may wait for it).
//!
//! Framework-agnostic: adapters implement [`RequestHeaders`] for their header map and call
//! [`TokenSource::extract`], so axum and actix-web read tokens the same way.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// Read access to a request's headers, implemented by each adapter.
///
/// The adapters implement it for their request types; [`TokenSource`] reads through it, and
/// [`TokenFinder`] shows a custom reader.
pub trait RequestHeaders {
    /// The first value of header `name` (lower-case), if present and valid UTF-8.
    fn header(&self, name: &str) -> Option<&str>;

    /// The first value of header `name` (lower-case) as bytes, if present, UTF-8 or not.
    ///
    /// The default goes through [`header`](Self::header), so a value that is not UTF-8 reads
    /// as absent; adapters override it so a `Bearer` credential that is not text is refused
    /// (`Extracted::Unreadable`) rather than taken for no credential at all.
    fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.header(name).map(str::as_bytes)
    }

    /// Every value of header `name`, in order (used for `Cookie`, which may repeat).
    fn header_all(&self, name: &str) -> Vec<&str> {
        self.header(name).into_iter().collect()
    }

    /// How many times header `name` (lower-case) occurs, text or not. The default counts at
    /// most one; adapters override it so a repeated `Authorization` header is refused.
    fn header_count(&self, name: &str) -> usize {
        usize::from(self.header_bytes(name).is_some())
    }

    /// Header `name` (lower-case) as bytes when it occurs once, or whether it is absent or
    /// repeated: what the `Authorization` header is read with. The default asks
    /// [`header_bytes`](Self::header_bytes) and [`header_count`](Self::header_count);
    /// adapters override it to look the header up once.
    fn header_once(&self, name: &str) -> HeaderOnce<'_> {
        match self.header_bytes(name) {
            None => HeaderOnce::Absent,
            Some(_) if self.header_count(name) > 1 => HeaderOnce::Repeated,
            Some(value) => HeaderOnce::Once(value),
        }
    }

    /// The request's query string (after `?`, still percent-encoded), read by
    /// [`TokenSource::query`]. The default has none: a header map alone knows no URI;
    /// adapters pass a [`RequestView`] of the whole request.
    fn query(&self) -> Option<&str> {
        None
    }
}

/// A request's headers (any [`RequestHeaders`]) and its query string, as one
/// [`RequestHeaders`]: what an adapter hands to [`TokenSource::extract`] so that
/// [`TokenSource::query`] finds the query.
#[derive(Clone, Copy, Debug)]
pub struct RequestView<'a, H: ?Sized> {
    headers: &'a H,
    query: Option<&'a str>,
}

impl<'a, H: RequestHeaders + ?Sized> RequestView<'a, H> {
    /// The view of these headers and this query string (after `?`, still percent-encoded).
    #[must_use]
    pub fn new(headers: &'a H, query: Option<&'a str>) -> Self {
        Self { headers, query }
    }
}

impl<'a> RequestView<'a, http::HeaderMap> {
    /// The view of an `http` request.
    #[must_use]
    pub fn of<B>(request: &'a http::Request<B>) -> Self {
        Self::new(request.headers(), request.uri().query())
    }
}

impl<H: RequestHeaders + ?Sized> RequestHeaders for RequestView<'_, H> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.header(name)
    }

    fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.headers.header_bytes(name)
    }

    fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers.header_all(name)
    }

    fn header_count(&self, name: &str) -> usize {
        self.headers.header_count(name)
    }

    fn header_once(&self, name: &str) -> HeaderOnce<'_> {
        self.headers.header_once(name)
    }

    fn query(&self) -> Option<&str> {
        self.query
    }
}

/// How often a request carries a header ([`RequestHeaders::header_once`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderOnce<'a> {
    /// Not at all.
    Absent,
    /// Once, with this value.
    Once(&'a [u8]),
    /// More than once.
    Repeated,
}

impl<'a> HeaderOnce<'a> {
    /// From the values of a header, in order: absent, once, or repeated.
    pub fn of<V: AsRef<[u8]> + ?Sized + 'a>(mut values: impl Iterator<Item = &'a V>) -> Self {
        match (values.next(), values.next()) {
            (None, _) => Self::Absent,
            (Some(value), None) => Self::Once(value.as_ref()),
            (Some(_), Some(_)) => Self::Repeated,
        }
    }
}

/// The header names the token sources read, as `http` constants: looking one up by its
/// constant skips parsing the name (about 200 instructions a lookup, measured with callgrind).
fn known(name: &str) -> Option<&'static http::HeaderName> {
    match name {
        "authorization" => Some(&http::header::AUTHORIZATION),
        "cookie" => Some(&http::header::COOKIE),
        _ => None,
    }
}

impl RequestHeaders for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.header_bytes(name).and_then(header_text)
    }

    fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        match known(name) {
            Some(known) => self.get(known),
            None => self.get(name),
        }
        .map(http::HeaderValue::as_bytes)
    }

    fn header_all(&self, name: &str) -> Vec<&str> {
        match known(name) {
            Some(known) => self.get_all(known),
            None => self.get_all(name),
        }
        .iter()
        .filter_map(|v| header_text(v.as_bytes()))
        .collect()
    }

    fn header_count(&self, name: &str) -> usize {
        match known(name) {
            Some(known) => self.get_all(known),
            None => self.get_all(name),
        }
        .iter()
        .count()
    }

    fn header_once(&self, name: &str) -> HeaderOnce<'_> {
        let values = match known(name) {
            Some(known) => self.get_all(known),
            None => self.get_all(name),
        };
        HeaderOnce::of(values.iter())
    }
}

/// A header value as text, when it is UTF-8.
///
/// `HeaderValue::to_str` checks a value byte by byte (about 11 instructions a byte, 14 000 for
/// a 1.3 KB token, measured with callgrind); the standard library's UTF-8 check is vectorised
/// and an order of magnitude cheaper. A JWT is ASCII, so both accept the same tokens. Adapters
/// whose header type is not `http::HeaderMap` use this too.
///
/// Used by [`TokenSource`]'s readers; see [`RequestHeaders`].
#[inline]
#[must_use]
pub fn header_text(value: &[u8]) -> Option<&str> {
    std::str::from_utf8(value).ok()
}

/// A custom token finder: any `Fn(&dyn RequestHeaders) -> Option<String>`.
///
/// ```
/// use sanctum_core::TokenSource;
/// use sanctum_core::adapter::RequestHeaders;
///
/// // the token from a custom header, for a client that cannot send `Authorization`
/// let source = TokenSource::custom(|headers: &dyn RequestHeaders| {
///     headers.header("x-api-token").map(str::to_owned)
/// });
/// # let _ = source;
/// ```
pub trait TokenFinder: Send + Sync + 'static {
    /// The token, if the request carries one.
    fn find(&self, headers: &dyn RequestHeaders) -> Option<String>;
}

impl<F> TokenFinder for F
where
    F: Fn(&dyn RequestHeaders) -> Option<String> + Send + Sync + 'static,
{
    fn find(&self, headers: &dyn RequestHeaders) -> Option<String> {
        self(headers)
    }
}

/// Where to look for the token.
///
/// A credential must be unambiguous (RFC 6750 §3.1): a request with more than one
/// `Authorization` header, the same cookie twice, or a token in more than one source of
/// [`one_of`](Self::one_of), is refused with 400 `invalid_request` — never "first one wins".
///
/// Cookies are sent by the browser on its own, cross-site requests included: a route that
/// takes its token from a cookie and changes state needs a `SameSite` (`Strict` or `Lax`)
/// cookie or a CSRF check of its own.
///
/// ```
/// use sanctum_core::TokenSource;
/// use sanctum_core::adapter::Extracted;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("authorization", "bearer abc.def.ghi".parse().unwrap());
/// assert_eq!(TokenSource::Bearer.extract(&headers), Extracted::Token("abc.def.ghi".into()));
///
/// let custom = TokenSource::custom(|h| h.header("x-api-token").map(str::to_owned));
/// assert_eq!(custom.extract(&headers), Extracted::Missing);
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum TokenSource {
    /// `Authorization: Bearer <token>`, the scheme matched case-insensitively (RFC 6750 §2.1).
    #[default]
    Bearer,
    /// The cookie with this name (see the CSRF note above).
    Cookie(String),
    /// A custom finder.
    Custom(Arc<dyn TokenFinder>),
    /// Each of these sources, in order; exactly one may carry a credential.
    OneOf(Arc<[TokenSource]>),
    /// The query parameter with this name (see [`query`](Self::query)).
    Query(String),
}

/// What [`TokenSource::extract`] found. `Debug` shows no token.
#[derive(Clone, PartialEq, Eq)]
pub enum Extracted<'a> {
    /// No token at all (no header, another scheme such as `Basic`, no such cookie).
    Missing,
    /// Something that claims to be a token but is empty (`Authorization: Bearer` with nothing after it).
    Empty,
    /// The token text, not yet verified.
    Token(Cow<'a, str>),
    /// `Authorization: Bearer` followed by bytes that are not UTF-8: a credential was sent,
    /// but no token can be in it. Refused (401 `invalid_token`) even where a token is
    /// optional, like any other bad token.
    Unreadable,
    /// More than one credential: several `Authorization` headers, the cookie twice, or tokens
    /// in several sources. Refused (400 `invalid_request`), on optional routes too.
    Repeated,
}

impl fmt::Debug for Extracted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("Missing"),
            Self::Empty => f.write_str("Empty"),
            Self::Token(token) => write!(f, "Token(<{} bytes, redacted>)", token.len()),
            Self::Unreadable => f.write_str("Unreadable"),
            Self::Repeated => f.write_str("Repeated"),
        }
    }
}

/// A credential that holds no usable token ([`Extracted::into_token`]): refused the same way
/// in every adapter and on optional routes too; `Refusal::from` gives the HTTP answer
/// ([`crate::refusal`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// A bearer credential with nothing in it (`Authorization: Bearer`, an empty cookie).
    #[error("the bearer token is empty")]
    Empty,
    /// A bearer credential whose bytes are not text (not UTF-8).
    #[error("the bearer token is not UTF-8 text")]
    Unreadable,
    /// More than one credential: several `Authorization` headers, the cookie twice, or tokens
    /// in several sources.
    #[error("the request carries more than one credential")]
    Repeated,
}

impl<'a> Extracted<'a> {
    /// The token; `None` when the request carries none; or why the credential holds no usable
    /// token (empty, not text, repeated).
    ///
    /// # Errors
    /// [`ExtractError::Empty`], [`ExtractError::Unreadable`] or [`ExtractError::Repeated`].
    pub fn into_token(self) -> Result<Option<Cow<'a, str>>, ExtractError> {
        match self {
            Self::Missing => Ok(None),
            Self::Empty => Err(ExtractError::Empty),
            Self::Unreadable => Err(ExtractError::Unreadable),
            Self::Repeated => Err(ExtractError::Repeated),
            Self::Token(token) => Ok(Some(token)),
        }
    }
}

impl TokenSource {
    /// A source reading the cookie `name`.
    pub fn cookie(name: impl Into<String>) -> Self {
        Self::Cookie(name.into())
    }

    /// A source using your own finder: a closure reading the request's headers.
    ///
    /// ```
    /// use sanctum_core::TokenSource;
    /// let api_key = TokenSource::custom(|headers| headers.header("x-api-token").map(str::to_owned));
    /// # let _ = api_key;
    /// ```
    pub fn custom<F>(finder: F) -> Self
    where
        F: Fn(&dyn RequestHeaders) -> Option<String> + Send + Sync + 'static,
    {
        Self::Custom(Arc::new(finder))
    }

    /// A source using your own [`TokenFinder`] type.
    pub fn custom_finder(finder: impl TokenFinder) -> Self {
        Self::Custom(Arc::new(finder))
    }

    /// Looks in each of `sources`, in order (say, the header, then a cookie); a request may
    /// carry a credential in one of them only: in two it is refused (400 `invalid_request`).
    ///
    /// ```
    /// use sanctum_core::TokenSource;
    /// use sanctum_core::adapter::Extracted;
    ///
    /// let source = TokenSource::one_of([TokenSource::Bearer, TokenSource::cookie("session")]);
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("cookie", "session=abc.def.ghi".parse().unwrap());
    /// assert_eq!(source.extract(&headers), Extracted::Token("abc.def.ghi".into()));
    /// headers.insert("authorization", "Bearer abc.def.ghi".parse().unwrap());
    /// assert_eq!(source.extract(&headers), Extracted::Repeated);
    /// ```
    pub fn one_of(sources: impl IntoIterator<Item = TokenSource>) -> Self {
        Self::OneOf(sources.into_iter().collect())
    }

    /// A source reading the query parameter `name` (percent-decoded), for the browser APIs
    /// that cannot set a header: `WebSocket` upgrades and `EventSource` (server-sent events).
    /// Opt in per route: a token in a URL is easily leaked (server and proxy logs, the
    /// browser's history, `Referer`), so give such routes short-lived tokens.
    ///
    /// The adapters remove the parameter from the request's URI before the handler — and
    /// anything else behind the auth layer, a request log included — sees it, and never log it
    /// themselves; a request log placed *in front of* the auth layer still sees it.
    /// The parameter twice is refused (400), empty (401).
    ///
    /// ```
    /// use sanctum_core::TokenSource;
    /// use sanctum_core::adapter::{Extracted, RequestView};
    ///
    /// let request = http::Request::get("/events?topic=a&access_token=abc.def.ghi").body(()).unwrap();
    /// let source = TokenSource::query("access_token");
    /// assert_eq!(source.extract(&RequestView::of(&request)), Extracted::Token("abc.def.ghi".into()));
    /// assert_eq!(source.query_names(), ["access_token"]);
    /// ```
    pub fn query(name: impl Into<String>) -> Self {
        Self::Query(name.into())
    }

    /// The query parameters this source reads, which the adapters remove from the request's
    /// URI ([`without_query_params`]).
    #[must_use]
    pub fn query_names(&self) -> Vec<&str> {
        match self {
            Self::Query(name) => vec![name.as_str()],
            Self::OneOf(sources) => sources.iter().flat_map(Self::query_names).collect(),
            Self::Bearer | Self::Cookie(_) | Self::Custom(_) => Vec::new(),
        }
    }

    /// Looks for the token in `headers`.
    pub fn extract<'a>(&self, headers: &'a dyn RequestHeaders) -> Extracted<'a> {
        match self.find(headers) {
            Found::Missing => Extracted::Missing,
            Found::Empty => Extracted::Empty,
            Found::Repeated => Extracted::Repeated,
            Found::Bytes(token) => match header_text(token) {
                Some(token) => Extracted::Token(Cow::Borrowed(token)),
                None => Extracted::Unreadable,
            },
            Found::Text(token) => Extracted::Token(token),
        }
    }

    /// As [`extract`](Self::extract), but a bearer token is left as bytes, not yet checked to
    /// be text: the verified-token cache finds it by its bytes.
    pub(crate) fn find<'a>(&self, headers: &'a dyn RequestHeaders) -> Found<'a> {
        match self {
            Self::Bearer => match headers.header_once("authorization") {
                HeaderOnce::Absent => Found::Missing,
                HeaderOnce::Repeated => Found::Repeated,
                HeaderOnce::Once(value) => bearer(value),
            },
            Self::Cookie(name) => cookie(headers, name),
            Self::Query(name) => headers
                .query()
                .map_or(Found::Missing, |query| query_param(query, name)),
            Self::Custom(finder) => match finder.find(headers) {
                None => Found::Missing,
                Some(t) if t.trim().is_empty() => Found::Empty,
                Some(t) => Found::Text(Cow::Owned(t)),
            },
            Self::OneOf(sources) => {
                let mut found = Found::Missing;
                for source in sources.iter() {
                    match (source.find(headers), &found) {
                        (Found::Missing, _) => {}
                        (Found::Repeated, _) => return Found::Repeated,
                        (credential, Found::Missing) => found = credential,
                        (_, _) => return Found::Repeated,
                    }
                }
                found
            }
        }
    }
}

/// What [`TokenSource::find`] found: [`Extracted`] before a bearer token is checked to be
/// text.
pub(crate) enum Found<'a> {
    Missing,
    Empty,
    Repeated,
    /// A bearer token's bytes, not checked to be UTF-8.
    Bytes(&'a [u8]),
    Text(Cow<'a, str>),
}

/// The cookie `name` across every `Cookie` header; the same name twice is ambiguous.
fn cookie<'a>(headers: &'a dyn RequestHeaders, name: &str) -> Found<'a> {
    let mut found = Found::Missing;
    for header in headers.header_all("cookie") {
        for pair in header.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=')
                && k.trim() == name
            {
                if !matches!(found, Found::Missing) {
                    return Found::Repeated;
                }
                let v = v.trim().trim_matches('"');
                found = if v.is_empty() {
                    Found::Empty
                } else {
                    Found::Text(Cow::Borrowed(v))
                };
            }
        }
    }
    found
}

/// The parameter `name` of `query`, percent-decoded; the same name twice is ambiguous.
fn query_param<'a>(query: &'a str, name: &str) -> Found<'a> {
    let mut found = Found::Missing;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key != name {
            continue;
        }
        if !matches!(found, Found::Missing) {
            return Found::Repeated;
        }
        let value = value.trim();
        found = if value.is_empty() {
            Found::Empty
        } else {
            Found::Text(Cow::Owned(value.to_owned()))
        };
    }
    found
}

/// `query` without the parameters `names` (compared percent-decoded); the other parameters
/// are kept as they were, in order. `None` when none of `names` is in it (nothing to change);
/// `Some("")` when nothing is left.
///
/// ```
/// use sanctum_core::adapter::without_query_params;
///
/// assert_eq!(without_query_params("a=1&access_token=t.t.t&b=2", &["access_token"]), Some("a=1&b=2".into()));
/// assert_eq!(without_query_params("access%5Ftoken=t.t.t", &["access_token"]), Some(String::new()));
/// assert_eq!(without_query_params("a=1", &["access_token"]), None);
/// ```
#[must_use]
pub fn without_query_params<N: AsRef<str>>(query: &str, names: &[N]) -> Option<String> {
    let named = |pair: &str| {
        let key = pair.split_once('=').map_or(pair, |(key, _)| key);
        form_urlencoded::parse(key.as_bytes())
            .next()
            .is_some_and(|(key, _)| names.iter().any(|name| name.as_ref() == key))
    };
    if !query.split('&').any(named) {
        return None;
    }
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !named(pair))
        .collect();
    Some(kept.join("&"))
}

/// Reads `<scheme> <token>` from the bytes of an `Authorization` value: the scheme matched
/// case-insensitively, spaces and tabs around the token ignored.
#[inline]
fn bearer(value: &[u8]) -> Found<'_> {
    // The form nearly every client sends, `Bearer <token>` with one space and nothing around
    // the token, answered without the scans below (~120 instructions a request, callgrind):
    // the same answer, as the token starts and ends with a byte that is not whitespace.
    if let Some(token) = value.strip_prefix(b"Bearer ")
        && let (Some(first), Some(last)) = (token.first(), token.last())
        && !first.is_ascii_whitespace()
        && !last.is_ascii_whitespace()
    {
        return Found::Bytes(token);
    }
    bearer_any(value)
}

/// [`bearer`] for any spelling: the scheme in any case, any spaces and tabs around the token.
fn bearer_any(value: &[u8]) -> Found<'_> {
    let value = value.trim_ascii_start();
    let (scheme, rest) = match value.iter().position(|&b| b == b' ' || b == b'\t') {
        Some(i) => value.split_at(i),
        None => (value, &[][..]),
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return Found::Missing;
    }
    let token = rest.trim_ascii();
    if token.is_empty() {
        return Found::Empty;
    }
    Found::Bytes(token)
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bearer => f.write_str("Bearer"),
            Self::Cookie(name) => f.debug_tuple("Cookie").field(name).finish(),
            Self::Custom(_) => f.write_str("Custom(..)"),
            Self::OneOf(sources) => f.debug_tuple("OneOf").field(sources).finish(),
            Self::Query(name) => f.debug_tuple("Query").field(name).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for value in [
            "Bearer t.t.t",
            "bearer t.t.t",
            "BEARER   t.t.t",
            "Bearer\tt.t.t ",
        ] {
            let h = headers(&[("authorization", value)]);
            assert_eq!(
                TokenSource::Bearer.extract(&h),
                Extracted::Token("t.t.t".into()),
                "{value}"
            );
        }
    }

    /// The usual `Bearer <token>` takes a shortcut; every spelling near it gets the answer of
    /// the general reading.
    #[test]
    fn the_usual_bearer_form_and_its_neighbours_read_as_the_general_reading_does() {
        for value in [
            "Bearer t.t.t",
            "Bearer  t.t.t",
            "Bearer t.t.t ",
            "Bearer \tt.t.t",
            "Bearer t.t.t\t",
            "Bearer t",
            "Bearer  ",
            "Bearer \t",
            "Bearer ",
            "Bearer x y",
            " Bearer t.t.t",
            "Bearer\u{b}t.t.t",
            "Bearer t.t.t\u{c}",
            "BEARER t.t.t",
        ] {
            let general = match bearer_any(value.as_bytes()) {
                Found::Bytes(token) => Some(Ok(token)),
                Found::Empty => Some(Err(())),
                _ => None,
            };
            let read = match bearer(value.as_bytes()) {
                Found::Bytes(token) => Some(Ok(token)),
                Found::Empty => Some(Err(())),
                _ => None,
            };
            assert_eq!(read, general, "{value:?}");
        }
        assert!(matches!(bearer(b"Bearer t.t.t"), Found::Bytes(b"t.t.t")));
        assert!(matches!(bearer(b"Bearer  t.t.t "), Found::Bytes(b"t.t.t")));
        assert!(matches!(bearer(b"Bearer x y"), Found::Bytes(b"x y")));
        assert!(matches!(bearer(b"Bearer \t"), Found::Empty));
    }

    #[test]
    fn other_schemes_and_empty_bearer() {
        let h = headers(&[("authorization", "Basic dXNlcjpwdw==")]);
        assert_eq!(TokenSource::Bearer.extract(&h), Extracted::Missing);
        let h = headers(&[("authorization", "Bearertoken")]);
        assert_eq!(TokenSource::Bearer.extract(&h), Extracted::Missing);
        for value in ["Bearer", "Bearer   "] {
            let h = headers(&[("authorization", value)]);
            assert_eq!(TokenSource::Bearer.extract(&h), Extracted::Empty);
        }
        assert_eq!(
            TokenSource::Bearer.extract(&headers(&[])),
            Extracted::Missing
        );
    }

    #[test]
    fn header_text_accepts_utf8_and_refuses_other_bytes() {
        assert_eq!(header_text(b"Bearer a.b.c"), Some("Bearer a.b.c"));
        assert_eq!(header_text(b"\xff\xfe"), None);
        let mut map = http::HeaderMap::new();
        map.insert(
            "authorization",
            http::HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
        );
        assert_eq!(TokenSource::Bearer.extract(&map), Extracted::Unreadable);
        // another scheme with bytes that are not text is still no bearer token
        map.insert(
            "authorization",
            http::HeaderValue::from_bytes(b"Basic \xff").unwrap(),
        );
        assert_eq!(TokenSource::Bearer.extract(&map), Extracted::Missing);
        // a header map that only knows text (the trait's default) reads it as absent
        struct TextOnly(http::HeaderMap);
        impl RequestHeaders for TextOnly {
            fn header(&self, name: &str) -> Option<&str> {
                self.0.header(name)
            }
        }
        map.insert(
            "authorization",
            http::HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
        );
        assert_eq!(
            TokenSource::Bearer.extract(&TextOnly(map)),
            Extracted::Missing
        );
    }

    #[test]
    fn a_credential_without_a_usable_token_is_refused_whatever_the_route() {
        assert!(matches!(Extracted::Missing.into_token(), Ok(None)));
        assert!(matches!(
            Extracted::Token("t.t.t".into()).into_token(),
            Ok(Some(t)) if t == "t.t.t"
        ));
        assert!(matches!(
            Extracted::Empty.into_token(),
            Err(ExtractError::Empty)
        ));
        assert!(matches!(
            Extracted::Unreadable.into_token(),
            Err(ExtractError::Unreadable)
        ));
    }

    #[test]
    fn cookies_are_found_across_headers() {
        let h = headers(&[("cookie", "a=1; b=2"), ("cookie", "session=t.t.t; c=3")]);
        assert_eq!(
            TokenSource::cookie("session").extract(&h),
            Extracted::Token("t.t.t".into())
        );
        assert_eq!(TokenSource::cookie("nope").extract(&h), Extracted::Missing);
        let h = headers(&[("cookie", "session=")]);
        assert_eq!(TokenSource::cookie("session").extract(&h), Extracted::Empty);
    }

    #[test]
    fn repeated_credentials_are_ambiguous() {
        let h = headers(&[
            ("authorization", "Bearer a.a.a"),
            ("authorization", "Bearer b.b.b"),
        ]);
        assert_eq!(TokenSource::Bearer.extract(&h), Extracted::Repeated);
        let h = headers(&[
            ("authorization", "Basic dXNlcjpwdw=="),
            ("authorization", "Bearer b.b.b"),
        ]);
        assert_eq!(TokenSource::Bearer.extract(&h), Extracted::Repeated);
        let h = headers(&[("cookie", "s=a.a.a"), ("cookie", "x=1; s=b.b.b")]);
        assert_eq!(TokenSource::cookie("s").extract(&h), Extracted::Repeated);
        assert!(matches!(
            Extracted::Repeated.into_token(),
            Err(ExtractError::Repeated)
        ));
    }

    #[test]
    fn a_query_token_is_read_percent_decoded_and_must_be_unambiguous() {
        let source = TokenSource::query("access_token");
        let extract = |uri: &str| {
            let request = http::Request::get(uri).body(()).unwrap();
            source
                .extract(&RequestView::of(&request))
                .into_token()
                .map(|t| t.map(|t| t.into_owned()))
        };
        assert_eq!(
            extract("/ws?a=1&access_token=t.t.t"),
            Ok(Some("t.t.t".to_owned()))
        );
        assert_eq!(
            extract("/ws?access%5Ftoken=t%2Et.t"),
            Ok(Some("t.t.t".to_owned()))
        );
        assert_eq!(extract("/ws?a=1"), Ok(None));
        assert_eq!(extract("/ws"), Ok(None));
        assert_eq!(extract("/ws?access_token="), Err(ExtractError::Empty));
        assert_eq!(
            extract("/ws?access_token=a.a.a&access_token=b.b.b"),
            Err(ExtractError::Repeated)
        );
        // a header map alone has no query
        assert_eq!(source.extract(&headers(&[])), Extracted::Missing);
        // in one_of, a token in the header and the query is ambiguous
        let both = TokenSource::one_of([TokenSource::Bearer, source.clone()]);
        let mut request = http::Request::get("/ws?access_token=b.b.b")
            .body(())
            .unwrap();
        assert_eq!(
            both.extract(&RequestView::of(&request)),
            Extracted::Token("b.b.b".into())
        );
        request
            .headers_mut()
            .insert("authorization", "Bearer a.a.a".parse().unwrap());
        assert_eq!(
            both.extract(&RequestView::of(&request)),
            Extracted::Repeated
        );
        assert_eq!(both.query_names(), ["access_token"]);
        assert!(TokenSource::Bearer.query_names().is_empty());
        assert_eq!(format!("{source:?}"), "Query(\"access_token\")");
    }

    #[test]
    fn query_params_are_removed_and_the_rest_kept_as_it_was() {
        let names = ["access_token"];
        for (query, expected) in [
            ("access_token=t", Some("")),
            ("a=%20x&access_token=t&b=2", Some("a=%20x&b=2")),
            ("access_token=t&access_token=u&b", Some("b")),
            ("access%5Ftoken=t", Some("")),
            ("access_token", Some("")),
            ("a=1&&access_token=t", Some("a=1")),
            ("a=access_token", None),
            ("xaccess_token=t", None),
            ("", None),
        ] {
            assert_eq!(
                without_query_params(query, &names).as_deref(),
                expected,
                "{query}"
            );
        }
    }

    #[test]
    fn one_of_takes_the_one_source_that_has_a_credential() {
        let source = TokenSource::one_of([TokenSource::Bearer, TokenSource::cookie("s")]);
        let h = headers(&[("authorization", "Bearer a.a.a")]);
        assert_eq!(source.extract(&h), Extracted::Token("a.a.a".into()));
        let h = headers(&[("cookie", "s=b.b.b")]);
        assert_eq!(source.extract(&h), Extracted::Token("b.b.b".into()));
        let h = headers(&[("cookie", "s=")]);
        assert_eq!(source.extract(&h), Extracted::Empty);
        let h = headers(&[("authorization", "Bearer a.a.a"), ("cookie", "s=b.b.b")]);
        assert_eq!(source.extract(&h), Extracted::Repeated);
        // a Basic header is no bearer credential: the cookie is the only one
        let h = headers(&[("authorization", "Basic eA=="), ("cookie", "s=b.b.b")]);
        assert_eq!(source.extract(&h), Extracted::Token("b.b.b".into()));
        assert_eq!(source.extract(&headers(&[])), Extracted::Missing);
    }
}
