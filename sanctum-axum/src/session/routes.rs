//! The answers of the sign-in, callback and sign-out routes, and the pending sign-in's cookie.

use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use sanctum_core::Refusal;
use sanctum_core::login::{AuthorizeRequest, Callback, LoginError, OAuthErrorCode, PendingLogin};
use sanctum_core::revocation::Revocation;
use sanctum_core::session::{SessionData, safe_next};
use serde::{Deserialize, Serialize};

use super::{SESSION_DATA_KEY, Session, SessionAuth};
use crate::rejection::default_response;

/// How long a pending sign-in's cookie lives (Cognito's codes live 5 minutes).
const LOGIN_COOKIE_MAX_AGE: u64 = 600;

/// Largest pending sign-in cookie read.
const MAX_LOGIN_COOKIE: usize = 4096;

/// What the sign-in cookie holds: the pending sign-in and where to go afterwards.
#[derive(Serialize, Deserialize)]
struct LoginCookie {
    pending: PendingLogin,
    next: String,
}

impl SessionAuth {
    /// The pending sign-in cookie's name: `__Host-sanctum-login` (`sanctum-login` with
    /// [`dangerous_plain_http_cookies`](super::SessionAuthBuilder::dangerous_plain_http_cookies)).
    #[must_use]
    pub fn login_cookie_name(&self) -> &'static str {
        if self.inner.secure_cookies {
            "__Host-sanctum-login"
        } else {
            "sanctum-login"
        }
    }

    /// The answer of `GET /login`: 303 to Cognito's authorize URL, with the pending sign-in
    /// (`state`, `nonce`, PKCE verifier, and `next` from the request's query when it is a path
    /// of this application, else `/`) in a 10-minute `HttpOnly` `__Host-` cookie that only
    /// this browser's callback can present. Nothing is stored server-side, so abandoned
    /// sign-ins cost no memory.
    #[must_use]
    pub fn login(&self, uri: &Uri) -> Response {
        self.login_with(uri, |request| request)
    }

    /// [`login`](Self::login) with the authorize request's pass-through parameters set by
    /// `customize`: `identity_provider` (straight to Google, Apple, a SAML or OIDC provider,
    /// skipping Cognito's page), `idp_identifier`, `lang`, `prompt`, `login_hint`.
    ///
    /// ```
    /// use axum::http::Uri;
    /// use axum::response::Response;
    /// use sanctum_axum::session::SessionAuth;
    ///
    /// // GET /login/google: a "Sign in with Google" button
    /// fn google(auth: &SessionAuth, uri: &Uri) -> Response {
    ///     auth.login_with(uri, |request| request.identity_provider("Google"))
    /// }
    /// ```
    #[must_use]
    pub fn login_with(
        &self,
        uri: &Uri,
        customize: impl FnOnce(AuthorizeRequest<'_>) -> AuthorizeRequest<'_>,
    ) -> Response {
        let next = uri
            .query()
            .and_then(|query| {
                form_urlencoded::parse(query.as_bytes())
                    .find(|(name, _)| name == "next")
                    .map(|(_, value)| value.into_owned())
            })
            .filter(|next| safe_next(next).is_some())
            .unwrap_or_else(|| "/".to_owned());
        let start = match customize(self.inner.tokens.login().authorize()).build() {
            Ok(start) => start,
            Err(err) => return error(StatusCode::SERVICE_UNAVAILABLE, "sign_in_unavailable", &err),
        };
        let cookie = LoginCookie {
            pending: start.pending,
            next,
        };
        let value = match serde_json::to_vec(&cookie) {
            Ok(json) => URL_SAFE_NO_PAD.encode(json),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
        let mut response = see_other(&start.url);
        self.set_login_cookie(&mut response, &value, LOGIN_COOKIE_MAX_AGE);
        response
    }

    /// The answer of `GET /callback`: takes this browser's pending sign-in from its cookie
    /// (and removes the cookie, whatever happens), checks the `state`, exchanges the code and
    /// verifies the ID token; then cycles the session id, stores the session and answers 303
    /// to the sign-in's `next`. Refused without a session: no pending sign-in in this browser
    /// (400), Cognito's `error=` (`access_denied` 403, others 400), a forged `state` (403), an
    /// old pending sign-in, a used or unknown code, a bad ID token (400); Cognito or the store
    /// unreachable (503).
    pub async fn callback(
        &self,
        session: &Session,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Response {
        let mut response = self.finish(session, headers, query).await;
        self.set_login_cookie(&mut response, "", 0);
        response
    }

    async fn finish(
        &self,
        session: &Session,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Response {
        let Some(cookie) = self.read_login_cookie(headers) else {
            return message(
                StatusCode::BAD_REQUEST,
                "no_sign_in",
                "no sign-in is in progress in this browser",
            );
        };
        let callback = match Callback::from_query(query.unwrap_or_default()) {
            Ok(callback) => callback,
            Err(err) => return refused_sign_in(&err),
        };
        let signed_in = match self
            .inner
            .tokens
            .login()
            .finish(cookie.pending, &callback)
            .await
        {
            Ok(signed_in) => signed_in,
            Err(err) => return refused_sign_in(&err),
        };
        let data = self.inner.tokens.start(&signed_in);
        // a fresh id: a session id planted before sign-in is worth nothing after it
        let stored = async {
            session.cycle_id().await?;
            session.insert(SESSION_DATA_KEY, &data).await?;
            session.save().await
        };
        if let Err(err) = stored.await {
            tracing::warn!(error = %err, "sign-in not stored: session store unavailable");
            return default_response(&Refusal::SessionUnavailable);
        }
        tracing::debug!(sub = %data.sub, "signed in");
        let next = safe_next(&cookie.next).unwrap_or("/");
        see_other(next)
    }

    /// The answer of `POST /logout`: refused with 403 unless the request comes from the
    /// application's pages (the [`CsrfPolicy`](sanctum_core::session::CsrfPolicy)). Ends the
    /// session in the store, records its `origin_jti` as revoked when a revocation store is
    /// configured (every instance then refuses its tokens), revokes its refresh token at
    /// Cognito, and answers 303 to Cognito's `/logout` (or `/` without a logout URI), which
    /// ends the managed-login session too. A revocation Cognito refuses or cannot take is
    /// reported: 502 with the reason (the session is over here all the same). 503 when the
    /// store cannot be reached (nothing changed).
    pub async fn logout(
        &self,
        session: &Session,
        method: &Method,
        headers: &HeaderMap,
    ) -> Response {
        if self.inner.csrf.check(method, headers).is_err() {
            let refusal = Refusal::CrossSiteRequest;
            refusal.log();
            return default_response(&refusal);
        }
        let ended = async {
            let data = session.get::<SessionData>(SESSION_DATA_KEY).await?;
            session.flush().await?;
            Ok::<_, tower_sessions::session::Error>(data)
        };
        let data = match ended.await {
            Ok(data) => data,
            Err(err) => {
                tracing::warn!(error = %err, "sign-out refused: session store unavailable");
                return default_response(&Refusal::SessionUnavailable);
            }
        };
        if let Some(data) = data {
            if let (Some(store), Some(origin_jti)) = (&self.inner.revocations, &data.origin_jti) {
                store.record(Revocation::refresh_token_revoked(origin_jti.as_str()));
            }
            if let Some(refresh_token) = &data.tokens.refresh_token
                && let Err(err) = self.inner.tokens.login().revoke(refresh_token).await
            {
                tracing::warn!(sub = %data.sub, error = %err, "signed out, but Cognito did not revoke the refresh token");
                return error(StatusCode::BAD_GATEWAY, "revoke_failed", &err);
            }
            tracing::debug!(sub = %data.sub, "signed out");
        }
        let target = self.inner.tokens.login().logout_url();
        see_other(target.as_deref().unwrap_or("/"))
    }

    fn read_login_cookie(&self, headers: &HeaderMap) -> Option<LoginCookie> {
        let value = cookie_value(headers, self.login_cookie_name())?;
        if value.len() > MAX_LOGIN_COOKIE {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(value).ok()?;
        serde_json::from_slice(&json).ok()
    }

    fn set_login_cookie(&self, response: &mut Response, value: &str, max_age: u64) {
        let secure = if self.inner.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax{secure}",
            self.login_cookie_name()
        );
        if let Ok(cookie) = HeaderValue::try_from(cookie) {
            response.headers_mut().append(SET_COOKIE, cookie);
        }
    }
}

/// The value of the first cookie named `name`.
fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim_matches('"'))
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::try_from(location) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refused_sign_in(err: &LoginError) -> Response {
    let status = match err {
        LoginError::Unavailable { .. } | LoginError::BadResponse { .. } => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        LoginError::OAuth(oauth) if oauth.code.is_server_side() => StatusCode::SERVICE_UNAVAILABLE,
        LoginError::OAuth(oauth) if oauth.code == OAuthErrorCode::AccessDenied => {
            StatusCode::FORBIDDEN
        }
        LoginError::StateMismatch => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    tracing::debug!(error = %err, "sign-in refused");
    error(status, "sign_in_refused", err)
}

fn error(status: StatusCode, code: &str, err: &dyn std::fmt::Display) -> Response {
    message(status, code, &err.to_string())
}

fn message(status: StatusCode, code: &str, description: &str) -> Response {
    let body = serde_json::json!({"error": code, "error_description": description}).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_cookie_of_a_name_is_read() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; __Host-x=two ; b=3"));
        headers.append(COOKIE, HeaderValue::from_static("__Host-x=later"));
        assert_eq!(cookie_value(&headers, "__Host-x"), Some("two"));
        assert_eq!(cookie_value(&headers, "b"), Some("3"));
        assert_eq!(cookie_value(&headers, "x"), None);
    }
}
