//! The answers of the sign-in, callback and sign-out routes, and the pending sign-in's cookie.

use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use sanctum_core::Refusal;
use sanctum_core::login::AuthorizeRequest;
use sanctum_core::session::{
    CookieAge, LOGIN_COOKIE_MAX_AGE, SessionData, SignInRefused, cookie_value, set_cookie,
};

use super::{SESSION_DATA_KEY, Session, SessionAuth};
use crate::rejection::default_response;

impl SessionAuth {
    /// The pending sign-in cookie's name: `__Host-sanctum-login` (`sanctum-login` with
    /// [`dangerous_plain_http_cookies`](sanctum_core::session::SessionAuthBuilder::dangerous_plain_http_cookies)).
    #[must_use]
    pub fn login_cookie_name(&self) -> &'static str {
        self.inner.settings.login_cookie_name()
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
        match self.tokens().begin_sign_in_with(uri.query(), customize) {
            Ok((url, cookie)) => {
                let mut response = see_other(&url);
                self.set_login_cookie(
                    &mut response,
                    &cookie,
                    CookieAge::Seconds(LOGIN_COOKIE_MAX_AGE),
                );
                response
            }
            Err(err) => error(StatusCode::SERVICE_UNAVAILABLE, "sign_in_unavailable", &err),
        }
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
        self.set_login_cookie(&mut response, "", CookieAge::Remove);
        response
    }

    async fn finish(
        &self,
        session: &Session,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Response {
        let cookie = cookie_value(headers, self.login_cookie_name());
        let done = match self.tokens().finish_sign_in(cookie, query).await {
            Ok(done) => done,
            Err(refused) => return refused_sign_in(&refused),
        };
        // a fresh id: a session id planted before sign-in is worth nothing after it
        let stored = async {
            session.cycle_id().await?;
            session.set_expiry(Some(self.expiry(&done.data)));
            session.insert(SESSION_DATA_KEY, &done.data).await?;
            session.save().await
        };
        if let Err(err) = stored.await {
            tracing::warn!(error = %err, "sign-in not stored: session store unavailable");
            return default_response(&Refusal::SessionUnavailable);
        }
        tracing::debug!(sub = %done.data.sub, "signed in");
        see_other(&done.next)
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
        if self.csrf_policy().check(method, headers).is_err() {
            let refusal = Refusal::CrossSiteRequest;
            refusal.log();
            return default_response(&refusal);
        }
        let ended = async {
            let data = session.get::<SessionData>(SESSION_DATA_KEY).await?;
            session.flush().await?;
            Ok::<_, tower_sessions_core::session::Error>(data)
        };
        let data = match ended.await {
            Ok(data) => data,
            Err(err) => {
                tracing::warn!(error = %err, "sign-out refused: session store unavailable");
                return default_response(&Refusal::SessionUnavailable);
            }
        };
        if let Some(data) = data
            && let Err(err) = self
                .tokens()
                .sign_out(&data, self.inner.settings.revocations.as_deref())
                .await
        {
            return error(StatusCode::BAD_GATEWAY, "revoke_failed", &err);
        }
        let target = self.tokens().login().logout_url();
        see_other(target.as_deref().unwrap_or("/"))
    }

    fn set_login_cookie(&self, response: &mut Response, value: &str, age: CookieAge) {
        let cookie = set_cookie(
            self.login_cookie_name(),
            value,
            age,
            self.inner.settings.secure_cookies,
        );
        if let Ok(cookie) = HeaderValue::try_from(cookie) {
            response.headers_mut().append(SET_COOKIE, cookie);
        }
    }
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

fn refused_sign_in(refused: &SignInRefused) -> Response {
    message(refused.status, refused.error, &refused.description)
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
