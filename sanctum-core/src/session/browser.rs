//! What every web adapter's sign-in, callback and sign-out answers share, framework-free: the
//! cookies' names and attributes, the pending sign-in's cookie ([`LoginCookie`]), the
//! callback's checks ([`SessionTokens::finish_sign_in`]) and the sign-out's revocations
//! ([`SessionTokens::sign_out`]).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::csrf::safe_next;
use super::data::SessionData;
use super::refresh::SessionTokens;
use crate::extract::{HeaderOnce, RequestHeaders, header_text};
use crate::login::{AuthorizeRequest, Callback, LoginError, OAuthErrorCode, PendingLogin};
use crate::revocation::{Revocation, RevocationStore};

/// How long a pending sign-in's cookie lives, in seconds (Cognito's codes live 5 minutes).
pub const LOGIN_COOKIE_MAX_AGE: u64 = 600;

/// Largest pending sign-in cookie read.
const MAX_LOGIN_COOKIE: usize = 4096;

/// The session cookie's name: `__Host-sanctum-session`, or `sanctum-session` without
/// `secure` (plain-http development only).
///
/// ```
/// use sanctum_core::session::session_cookie_name;
///
/// assert_eq!(session_cookie_name(true), "__Host-sanctum-session");
/// ```
#[must_use]
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-sanctum-session"
    } else {
        "sanctum-session"
    }
}

/// The pending sign-in cookie's name: `__Host-sanctum-login`, or `sanctum-login` without
/// `secure`.
///
/// ```
/// use sanctum_core::session::login_cookie_name;
///
/// assert_eq!(login_cookie_name(false), "sanctum-login");
/// ```
#[must_use]
pub fn login_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-sanctum-login"
    } else {
        "sanctum-login"
    }
}

/// How long a cookie written by [`set_cookie`] lives: its `Max-Age`, or none.
///
/// ```
/// use sanctum_core::session::{CookieAge, set_cookie};
///
/// // the session ends when the browser closes: no `Max-Age`
/// assert_eq!(
///     set_cookie("__Host-sanctum-session", "id", CookieAge::BrowserSession, true),
///     "__Host-sanctum-session=id; Path=/; HttpOnly; SameSite=Lax; Secure"
/// );
/// // `Max-Age=0` removes the cookie
/// assert_eq!(
///     set_cookie("sanctum-session", "", CookieAge::Remove, false),
///     "sanctum-session=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieAge {
    /// `Max-Age` this many seconds (0 removes the cookie, as [`Remove`](Self::Remove)).
    Seconds(u64),
    /// `Max-Age=0`: the browser removes the cookie.
    Remove,
    /// No `Max-Age`: the browser keeps the cookie until it closes.
    BrowserSession,
}

/// A `Set-Cookie` value with sanctum's cookie attributes: `Max-Age` as `age` says, `Path=/`,
/// `HttpOnly`, `SameSite=Lax`, `Secure` when `secure`, never a `Domain` (a `__Host-` cookie
/// must not have one). Both adapters write every cookie of theirs through it.
///
/// ```
/// use sanctum_core::session::{CookieAge, set_cookie};
///
/// assert_eq!(
///     set_cookie("__Host-sanctum-session", "id", CookieAge::Seconds(3600), true),
///     "__Host-sanctum-session=id; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax; Secure"
/// );
/// ```
#[must_use]
pub fn set_cookie(name: &str, value: &str, age: CookieAge, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    let seconds = match age {
        CookieAge::Seconds(seconds) => seconds,
        CookieAge::Remove => 0,
        CookieAge::BrowserSession => {
            return format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}");
        }
    };
    format!("{name}={value}; Max-Age={seconds}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The value of the first cookie named `name` across every `Cookie` header.
///
/// ```
/// use sanctum_core::session::cookie_value;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("cookie", "theme=dark; __Host-sanctum-session=abc".parse().unwrap());
/// assert_eq!(cookie_value(&headers, "__Host-sanctum-session"), Some("abc"));
/// ```
#[must_use]
pub fn cookie_value<'a>(headers: &'a dyn RequestHeaders, name: &str) -> Option<&'a str> {
    let in_header = |value: &'a str| {
        value
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.trim_matches('"'))
    };
    match headers.header_once("cookie") {
        HeaderOnce::Absent => None,
        // one header (HTTP/1.1 browsers send one): read in place, no list of the values
        HeaderOnce::Once(value) => header_text(value).and_then(in_header),
        HeaderOnce::Repeated => headers.header_all("cookie").into_iter().find_map(in_header),
    }
}

/// Where an anonymous browser asking for `uri` is sent to sign in: `{login_path}?next=` and
/// the request's path and query, percent-encoded (a path of this application: the sign-in
/// keeps it only if [`safe_next`] accepts it).
///
/// ```
/// use sanctum_core::session::sign_in_location;
///
/// let uri: http::Uri = "/admin?tab=users".parse().unwrap();
/// assert_eq!(sign_in_location("/login", &uri), "/login?next=%2Fadmin%3Ftab%3Dusers");
/// ```
#[must_use]
pub fn sign_in_location(login_path: &str, uri: &http::Uri) -> String {
    let next = uri
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str);
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("{login_path}?next={next}")
}

/// What the pending sign-in's cookie holds: the [`PendingLogin`] and where to go afterwards.
/// Encoded as base64url JSON; only this browser's callback can present it.
#[derive(Debug, Serialize, Deserialize)]
pub struct LoginCookie {
    /// The sign-in's `state`, `nonce` and PKCE verifier.
    pub pending: PendingLogin,
    /// Where to send the browser once signed in: a path of this application.
    pub next: String,
}

impl LoginCookie {
    /// The pending sign-in `pending`, returning to the `next` parameter of the sign-in
    /// request's `query` when it is a path of this application ([`safe_next`]), else `/`.
    #[must_use]
    pub fn new(pending: PendingLogin, query: Option<&str>) -> Self {
        let next = query
            .and_then(|query| {
                form_urlencoded::parse(query.as_bytes())
                    .find(|(name, _)| name == "next")
                    .map(|(_, value)| value.into_owned())
            })
            .filter(|next| safe_next(next).is_some())
            .unwrap_or_else(|| "/".to_owned());
        Self { pending, next }
    }

    /// The cookie's value (base64url JSON).
    #[must_use]
    pub fn encode(&self) -> String {
        // a struct of strings and numbers: serialising cannot fail
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// The cookie read back; `None` when absent, too long or not one of ours.
    #[must_use]
    pub fn decode(value: &str) -> Option<Self> {
        if value.len() > MAX_LOGIN_COOKIE {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(value).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// Why a callback signed nobody in, with the status to answer; from
/// [`SessionTokens::finish_sign_in`].
#[derive(Debug)]
pub struct SignInRefused {
    /// 400, 403 or 503.
    pub status: StatusCode,
    /// The JSON body's `error`.
    pub error: &'static str,
    /// The JSON body's `error_description` (names no secret).
    pub description: String,
}

impl SignInRefused {
    fn no_sign_in() -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "no_sign_in",
            description: "no sign-in is in progress in this browser".to_owned(),
        }
    }

    /// A sign-in that Cognito or the checks refused: `access_denied` and a forged `state`
    /// 403, Cognito unreachable or failing 503, anything else 400.
    #[must_use]
    pub fn from_login(err: &LoginError) -> Self {
        let status = match err {
            LoginError::Unavailable { .. } | LoginError::BadResponse { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            LoginError::OAuth(oauth) if oauth.code.is_server_side() => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            LoginError::OAuth(oauth) if oauth.code == OAuthErrorCode::AccessDenied => {
                StatusCode::FORBIDDEN
            }
            LoginError::StateMismatch => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        tracing::debug!(error = %err, "sign-in refused");
        Self {
            status,
            error: "sign_in_refused",
            description: err.to_string(),
        }
    }

    /// The JSON body: `{"error": ..., "error_description": ...}`.
    #[must_use]
    pub fn body(&self) -> String {
        serde_json::json!({"error": self.error, "error_description": self.description}).to_string()
    }
}

/// A completed sign-in: the session to store under a fresh id, and where to send the browser;
/// from [`SessionTokens::finish_sign_in`].
#[derive(Debug)]
pub struct SignInDone {
    /// The new session.
    pub data: SessionData,
    /// A path of this application ([`safe_next`]-checked).
    pub next: String,
}

impl SessionTokens {
    /// The sign-in's start (`GET /login`): the authorize URL to redirect to and the value of
    /// the pending sign-in's cookie, returning to the `next` of `query` when it is a path of
    /// this application.
    ///
    /// # Errors
    /// No random values could be drawn.
    pub fn begin_sign_in(&self, query: Option<&str>) -> Result<(String, String), LoginError> {
        self.begin_sign_in_with(query, |request| request)
    }

    /// [`begin_sign_in`](Self::begin_sign_in) with the authorize request's pass-through
    /// parameters set by `customize`: `identity_provider` (straight to Google, Apple, a SAML
    /// or OIDC provider), `idp_identifier`, `lang`, `prompt`, `login_hint`.
    ///
    /// # Errors
    /// No random values could be drawn.
    pub fn begin_sign_in_with(
        &self,
        query: Option<&str>,
        customize: impl FnOnce(AuthorizeRequest<'_>) -> AuthorizeRequest<'_>,
    ) -> Result<(String, String), LoginError> {
        let start = customize(self.login().authorize()).build()?;
        let cookie = LoginCookie::new(start.pending, query);
        Ok((start.url, cookie.encode()))
    }

    /// The callback's checks (`GET /callback`): the pending sign-in from this browser's
    /// cookie value, the `state`, the code exchanged and the ID token verified. Store the
    /// session under a fresh id when it succeeds.
    ///
    /// # Errors
    /// No pending sign-in in this browser (400), Cognito's `error=` (`access_denied` 403,
    /// others 400), a forged `state` (403), an old pending sign-in, a used or unknown code, a
    /// bad ID token (400); Cognito unreachable (503).
    pub async fn finish_sign_in(
        &self,
        login_cookie: Option<&str>,
        query: Option<&str>,
    ) -> Result<SignInDone, SignInRefused> {
        let cookie = login_cookie
            .and_then(LoginCookie::decode)
            .ok_or_else(SignInRefused::no_sign_in)?;
        let callback = Callback::from_query(query.unwrap_or_default())
            .map_err(|err| SignInRefused::from_login(&err))?;
        let signed_in = self
            .login()
            .finish(cookie.pending, &callback)
            .await
            .map_err(|err| SignInRefused::from_login(&err))?;
        let next = safe_next(&cookie.next).unwrap_or("/").to_owned();
        Ok(SignInDone {
            data: self.start(&signed_in),
            next,
        })
    }

    /// The sign-out of the session `data` (already removed from the store): its `origin_jti`
    /// recorded as revoked in `revocations` (every instance then refuses its tokens), then its
    /// refresh token revoked at Cognito.
    ///
    /// # Errors
    /// Cognito refused or could not take the revocation (the session is over all the same).
    pub async fn sign_out(
        &self,
        data: &SessionData,
        revocations: Option<&dyn RevocationStore>,
    ) -> Result<(), LoginError> {
        if let (Some(store), Some(origin_jti)) = (revocations, &data.origin_jti) {
            store.record(Revocation::refresh_token_revoked(origin_jti.as_str()));
        }
        if let Some(refresh_token) = &data.tokens.refresh_token
            && let Err(err) = self.login().revoke(refresh_token).await
        {
            tracing::warn!(sub = %data.sub, error = %err, "signed out, but Cognito did not revoke the refresh token");
            return Err(err);
        }
        tracing::debug!(sub = %data.sub, "signed out");
        Ok(())
    }
}

/// Reports a session store's outages once each: the first failure at `warn`, the next ones at
/// `debug`, and the store answering again at `warn` (as
/// [`StoredSessions`](crate::session::StoredSessions) does).
#[derive(Debug, Default)]
pub struct StoreOutage {
    down: std::sync::atomic::AtomicBool,
}

impl StoreOutage {
    /// A store that has not failed yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The store failed with `err`.
    pub fn failed(&self, err: &dyn std::fmt::Display) {
        if self.down.swap(true, std::sync::atomic::Ordering::AcqRel) {
            tracing::debug!(error = %err, "session unavailable (outage already reported)");
        } else {
            tracing::warn!(error = %err, "session unavailable: requests with a session cookie get 503 until it answers");
        }
    }

    /// The store answered.
    pub fn answered(&self) {
        // a load first: no write to a shared line on every request while the store is up
        if self.down.load(std::sync::atomic::Ordering::Relaxed)
            && self.down.swap(false, std::sync::atomic::Ordering::AcqRel)
        {
            tracing::warn!("session store answers again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_cookie_of_a_name_is_read() {
        let mut headers = http::HeaderMap::new();
        headers.append("cookie", "a=1; __Host-x=two ; b=3".parse().expect("value"));
        headers.append("cookie", "__Host-x=later".parse().expect("value"));
        assert_eq!(cookie_value(&headers, "__Host-x"), Some("two"));
        assert_eq!(cookie_value(&headers, "b"), Some("3"));
        assert_eq!(cookie_value(&headers, "x"), None);
    }

    #[test]
    fn cookies_carry_sanctums_attributes() {
        assert_eq!(
            set_cookie("__Host-a", "v", CookieAge::Seconds(600), true),
            "__Host-a=v; Max-Age=600; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            set_cookie("a", "", CookieAge::Remove, false),
            "a=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            set_cookie("a", "", CookieAge::Seconds(0), false),
            set_cookie("a", "", CookieAge::Remove, false)
        );
        // a cookie for the browser's session: the same attributes, no `Max-Age`
        assert_eq!(
            set_cookie("__Host-a", "v", CookieAge::BrowserSession, true),
            "__Host-a=v; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
    }

    #[test]
    fn a_login_cookie_keeps_only_paths_of_the_application() {
        let pending = |state: &str| {
            serde_json::from_value::<PendingLogin>(serde_json::json!({
                "state": state, "nonce": "n", "code_verifier": "v", "created_at": 1
            }))
        };
        let p = pending("s").expect("a pending sign-in");
        let cookie = LoginCookie::new(p, Some("next=%2Fadmin%3Ftab%3D1"));
        assert_eq!(cookie.next, "/admin?tab=1");
        let back = LoginCookie::decode(&cookie.encode()).expect("decodes");
        assert_eq!(back.next, "/admin?tab=1");
        for query in [
            "next=%2F%2Fevil.example",
            "next=https%3A%2F%2Fevil.example",
            "x=1",
        ] {
            let p = pending("s").expect("pending");
            assert_eq!(LoginCookie::new(p, Some(query)).next, "/", "{query}");
        }
        assert!(LoginCookie::decode("not base64!").is_none());
        assert!(LoginCookie::decode(&"a".repeat(5000)).is_none());
    }
}
