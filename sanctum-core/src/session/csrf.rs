//! Cross-site request forgery: a request authenticated by the session cookie that changes
//! something must come from the application's own pages. [`CsrfPolicy`] says which requests
//! do; [`safe_next`] keeps a sign-in's return address on the application.

use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::config::check_url;
use crate::error::ConfigError;
use crate::extract::RequestHeaders;

/// Which cookie-authenticated requests with an unsafe method (anything but `GET`, `HEAD`,
/// `OPTIONS`, `TRACE`) are the application's own. One of:
///
/// - `Sec-Fetch-Site: same-origin` (every current browser sends it; a page cannot forge it);
/// - without `Sec-Fetch-Site`: an `Origin` equal to the configured [application
///   origin](Self::app_origin);
/// - the configured [header](Self::header) with its value (say `X-CSRF: 1`): a cross-site
///   page can only send it after a CORS preflight the application does not grant, so scripts
///   of the application's own use it.
///
/// Anything else is refused (403), `Sec-Fetch-Site: same-site` included: a sibling subdomain
/// is not the application. Bearer-token requests are not checked: a browser never adds an
/// `Authorization` header on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct CsrfPolicy {
    app_origin: Option<String>,
    header: Option<(HeaderName, HeaderValue)>,
}

/// Why a request was taken for a cross-site one.
///
/// Returned by [`CsrfPolicy::check`], which has an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CrossSite {
    /// `Sec-Fetch-Site` is not `same-origin`.
    #[error("the request comes from another site (Sec-Fetch-Site)")]
    FetchSite,
    /// `Origin` is not the application's.
    #[error("the request's Origin is not the application's")]
    Origin,
    /// The request says nowhere where it comes from.
    #[error(
        "the request does not say where it comes from (no Sec-Fetch-Site, Origin or CSRF header)"
    )]
    Unknown,
}

impl CsrfPolicy {
    /// `Sec-Fetch-Site: same-origin` only; add the application's origin and a header.
    pub fn new() -> Self {
        Self::default()
    }

    /// The application's public origin, from its URL (`https://app.example.com/` →
    /// `https://app.example.com`): requests whose `Origin` is this one pass.
    ///
    /// # Errors
    /// [`ConfigError::InvalidUrl`] when `url` is not an absolute http(s) URL.
    pub fn app_origin(mut self, url: &str) -> Result<Self, ConfigError> {
        check_url("app_origin", url)?;
        let parsed = reqwest::Url::parse(url).map_err(|_| ConfigError::InvalidUrl {
            what: "app_origin",
            value: url.to_owned(),
        })?;
        self.app_origin = Some(parsed.origin().ascii_serialization());
        Ok(self)
    }

    /// Requests carrying header `name` with `value` pass (for the application's scripts:
    /// `fetch(url, {method: "POST", headers: {"X-CSRF": "1"}})`).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.header = Some((name, value));
        self
    }

    /// The configured origin, if any.
    #[must_use]
    pub fn origin(&self) -> Option<&str> {
        self.app_origin.as_deref()
    }

    /// Whether a cookie-authenticated request with `method` and `headers` may go on.
    ///
    /// ```
    /// use http::{HeaderMap, Method};
    /// use sanctum_core::session::{CrossSite, CsrfPolicy};
    ///
    /// let policy = CsrfPolicy::new().app_origin("https://app.example.com/").unwrap();
    /// let mut headers = HeaderMap::new();
    /// assert_eq!(policy.check(&Method::GET, &headers), Ok(()));
    /// assert_eq!(policy.check(&Method::POST, &headers), Err(CrossSite::Unknown));
    /// headers.insert("origin", "https://app.example.com".parse().unwrap());
    /// assert_eq!(policy.check(&Method::POST, &headers), Ok(()));
    /// headers.insert("sec-fetch-site", "cross-site".parse().unwrap());
    /// assert_eq!(policy.check(&Method::POST, &headers), Err(CrossSite::FetchSite));
    /// ```
    ///
    /// # Errors
    /// [`CrossSite`]: why the request is taken for a cross-site one.
    pub fn check(&self, method: &Method, headers: &HeaderMap) -> Result<(), CrossSite> {
        self.check_request(method.as_str(), headers)
    }

    /// [`check`](Self::check) for any framework's request: its method's name and its headers
    /// as [`RequestHeaders`].
    ///
    /// # Errors
    /// [`CrossSite`]: why the request is taken for a cross-site one.
    pub fn check_request(
        &self,
        method: &str,
        headers: &dyn RequestHeaders,
    ) -> Result<(), CrossSite> {
        if is_safe_method_name(method) {
            return Ok(());
        }
        if let Some((name, value)) = &self.header
            && headers
                .header_all(name.as_str())
                .into_iter()
                .any(|v| v.as_bytes() == value.as_bytes())
        {
            return Ok(());
        }
        if let Some(site) = headers.header_bytes("sec-fetch-site") {
            return if site == b"same-origin" {
                Ok(())
            } else {
                Err(CrossSite::FetchSite)
            };
        }
        match (headers.header_bytes("origin"), &self.app_origin) {
            (Some(origin), Some(app)) if origin == app.as_bytes() => Ok(()),
            (Some(_), _) => Err(CrossSite::Origin),
            (None, _) => Err(CrossSite::Unknown),
        }
    }
}

/// Whether `method` is safe (RFC 9110 §9.2.1: `GET`, `HEAD`, `OPTIONS`, `TRACE`): it must not
/// change anything, so it needs no CSRF check.
///
/// Used by [`CsrfPolicy::check`].
#[must_use]
pub fn is_safe_method(method: &Method) -> bool {
    is_safe_method_name(method.as_str())
}

fn is_safe_method_name(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE")
}

/// `next` when it is a path of this application (`/orders?page=2`), else `None`: where to send
/// the browser after sign-in must not be another site (an open redirect). Accepted: a path
/// starting with one `/`, without `\`, control characters or spaces, at most 2 KiB; refused:
/// `//evil.example`, `/\evil.example`, `https://...`, `javascript:...`, relative paths.
///
/// ```
/// use sanctum_core::session::safe_next;
///
/// assert_eq!(safe_next("/admin?tab=users"), Some("/admin?tab=users"));
/// assert_eq!(safe_next("//evil.example/"), None);
/// assert_eq!(safe_next("https://evil.example/"), None);
/// ```
#[must_use]
pub fn safe_next(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    let ok = next.len() <= 2048
        && !rest.starts_with('/')
        && !next
            .bytes()
            .any(|b| b == b'\\' || b.is_ascii_control() || b == b' ' || b >= 0x80);
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(n, v)| (HeaderName::from_static(n), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn unsafe_methods_pass_only_from_the_application_itself() {
        let policy = CsrfPolicy::new()
            .app_origin("https://app.example.com/somewhere")
            .expect("an origin")
            .header(
                HeaderName::from_static("x-csrf"),
                HeaderValue::from_static("1"),
            );
        let post = Method::POST;
        for (pairs, expected) in [
            (&[("sec-fetch-site", "same-origin")][..], Ok(())),
            (
                &[("sec-fetch-site", "same-site")][..],
                Err(CrossSite::FetchSite),
            ),
            (
                &[("sec-fetch-site", "cross-site")][..],
                Err(CrossSite::FetchSite),
            ),
            (&[("sec-fetch-site", "none")][..], Err(CrossSite::FetchSite)),
            // Sec-Fetch-Site wins over a matching Origin
            (
                &[
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "https://app.example.com"),
                ][..],
                Err(CrossSite::FetchSite),
            ),
            (&[("origin", "https://app.example.com")][..], Ok(())),
            (
                &[("origin", "https://evil.example")][..],
                Err(CrossSite::Origin),
            ),
            (
                &[("origin", "https://app.example.com.evil.example")][..],
                Err(CrossSite::Origin),
            ),
            (
                &[("origin", "http://app.example.com")][..],
                Err(CrossSite::Origin),
            ),
            (&[("origin", "null")][..], Err(CrossSite::Origin)),
            (&[][..], Err(CrossSite::Unknown)),
            (
                &[("x-csrf", "1"), ("sec-fetch-site", "cross-site")][..],
                Ok(()),
            ),
            (&[("x-csrf", "0")][..], Err(CrossSite::Unknown)),
        ] {
            assert_eq!(policy.check(&post, &headers(pairs)), expected, "{pairs:?}");
        }
        for method in [Method::GET, Method::HEAD, Method::OPTIONS, Method::TRACE] {
            let cross = headers(&[("sec-fetch-site", "cross-site")]);
            assert_eq!(policy.check(&method, &cross), Ok(()), "{method}");
        }
        for method in [Method::PUT, Method::PATCH, Method::DELETE] {
            assert_eq!(
                policy.check(&method, &headers(&[])),
                Err(CrossSite::Unknown)
            );
        }
        // without an application origin, Origin alone never passes
        let bare = CsrfPolicy::new();
        assert_eq!(
            bare.check(&post, &headers(&[("origin", "https://app.example.com")])),
            Err(CrossSite::Origin)
        );
        assert!(CsrfPolicy::new().app_origin("not a url").is_err());
    }

    #[test]
    fn only_paths_of_the_application_are_return_addresses() {
        for good in ["/", "/admin", "/orders?page=2&x=%2F", "/a/b#frag"] {
            assert_eq!(safe_next(good), Some(good));
        }
        for bad in [
            "",
            "admin",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/a b",
            "/a\nb",
            "/\u{e9}",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(2048))), None);
    }
}
