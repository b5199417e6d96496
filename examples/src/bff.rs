//! The backend-for-frontend example (`bin/bff-app.rs`): the browser signs in with a password
//! form of the application's own (SRP, `USER_PASSWORD_AUTH` or choice-based `USER_AUTH`
//! through [`SanctumClient`], challenges included) and never holds a token. The tokens live in
//! a sanctum browser session ([`SessionData`], sanctum-axum's `sessions`: in this process's
//! bounded [`MemorySessionStore`](sanctum_axum::session::MemorySessionStore), or in Redis
//! shared by every instance with `SANCTUM_REDIS_URL`), the same machinery as the managed-login
//! `web-app`: the session id cycled at sign-in, the cookie `__Host-sanctum-session; HttpOnly;
//! Secure; SameSite=Lax; Path=/` with an idle timeout and an absolute lifetime, the tokens
//! refreshed ahead of expiry at the pool's domain, and [`CognitoAuthLayer::session`] as the
//! token source of the usual guards (`RequireGroup("admin")`, `CognitoUser`), unsafe methods
//! CSRF-checked (403 unless `Sec-Fetch-Site: same-origin`, the `Origin` of `SANCTUM_APP_URL`,
//! or `X-CSRF: 1`).
//!
//! | route | what it does |
//! |---|---|
//! | `POST /login` `{"username","password"}` | signs in (`SANCTUM_PASSWORD_FLOW`); 200 `{"signed_in": true, "username"}` + the session cookie, or 200 + the next challenge as JSON (the step, a [`SignInStep`], waits in the session, 5 minutes at most); wrong credentials 401 |
//! | `POST /login/respond` `{"new_password"}` or `{"code"}` | answers the session's pending challenge (once); 200 + the session cookie or the next challenge; none pending 401 |
//! | `GET /me` | the user's claims as JSON; no session 401 |
//! | `POST /admin/users` `{"username","email","temporary_password"}` | creates the user through `SanctumClient` (admin group only: 403 for others); 201 |
//! | `POST /admin/users/{username}/groups/{group}` | adds a user to a group (admin group only); 204 |
//! | `GET /api/upstream` | calls another service (`SANCTUM_UPSTREAM_URL`, default this process's own `/upstream/whoami`) with the user's fresh access token and relays its answer |
//! | `GET /upstream/whoami` | the "other service": accepts only `Authorization: Bearer` access tokens |
//! | `POST /logout` | CSRF-checked; ends the session in the store, records its `origin_jti` as revoked (every instance then refuses its tokens, bearer uses included), revokes the refresh token at the pool's domain (`GlobalSignOut` where that fails, as on moto); 204; a sign-out Cognito took neither way 502 |
//!
//! Configuration, as for the `admin` CLI ([`ClientSettings`]): `SANCTUM_USER_POOL_ID`,
//! `SANCTUM_CLIENT_ID`, `SANCTUM_CLIENT_SECRET`, `SANCTUM_REGION`, `SANCTUM_COGNITO_ENDPOINT`,
//! `SANCTUM_JWKS_URL`, `SANCTUM_ISSUER`, `SANCTUM_PASSWORD_FLOW`; plus `SANCTUM_LOGIN_DOMAIN`
//! (the pool's domain, where sessions refresh and revoke their tokens; default
//! `SANCTUM_COGNITO_ENDPOINT`, an emulator serving `/oauth2/*` itself; the app client must
//! allow OAuth flows for its refresh tokens to be taken there, and Cognito takes an API
//! sign-in's refresh token there only while the pool does not remember devices),
//! `SANCTUM_APP_URL` (the public
//! origin, for the CSRF `Origin` check), `SANCTUM_REDIS_URL`, `SANCTUM_ADDR` (default
//! `127.0.0.1:3000`), `SANCTUM_UPSTREAM_URL`; AWS credentials from the usual chain (admin
//! operations need them).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sanctum_axum::session::{SESSION_DATA_KEY, Session, SessionAuth};
use sanctum_axum::{CognitoAuthLayer, CognitoUser, Refusal, RequireGroup, default_response};
use sanctum_core::cognito::{CognitoError, NewUser, SanctumClient, SignInStep, Tokens};
use sanctum_core::login::{LoginDomain, ManagedLogin};
use sanctum_core::revocation::RevocationStore;
use sanctum_core::session::SessionData;
use serde::Deserialize;
use serde_json::{Value, json};
use time::{Duration as TimeDuration, OffsetDateTime};
use tower_sessions_core::Expiry;

use crate::sessions::{self, BoxError};
use crate::{ClientSettings, me_json};

/// Where a sign-in step waiting for its answer is kept in the session.
const PENDING_KEY: &str = "bff.pending_sign_in";

/// How long a session holding only a pending step lives (Cognito's challenge sessions last 3
/// minutes).
const PENDING_LIFETIME: TimeDuration = TimeDuration::minutes(5);

/// The banner's first words, followed by the URL (the tests read the address from it).
pub const BANNER: &str = "sanctum bff demo listening on";

/// `bff-app`'s Cognito client and sessions; see the [module docs](self). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Bff {
    client: SanctumClient,
    auth: SessionAuth,
    redis_url: Option<String>,
    addr: SocketAddr,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Bff {
    /// The configuration of the [module docs](self)' variables.
    ///
    /// # Errors
    /// A required variable is missing or a value is invalid.
    pub async fn from_env() -> Result<Self, BoxError> {
        let addr: SocketAddr = env("SANCTUM_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".to_owned())
            .parse()
            .map_err(|e| format!("SANCTUM_ADDR: {e}"))?;
        let redis_url = env("SANCTUM_REDIS_URL");
        let revocations = sessions::revocations(redis_url.as_deref())?;
        let client = ClientSettings::from_env()
            .builder()?
            .revocations(Arc::clone(&revocations))
            .build()
            .await?;
        let domain = env("SANCTUM_LOGIN_DOMAIN")
            .or_else(|| env("SANCTUM_COGNITO_ENDPOINT"))
            .ok_or(
                "SANCTUM_LOGIN_DOMAIN is not set (the pool's domain, where sessions refresh and \
                 revoke their tokens)",
            )?;
        let app_url = env("SANCTUM_APP_URL");
        let mut bff = Self::new(
            client,
            &domain,
            env("SANCTUM_CLIENT_SECRET").as_deref(),
            app_url.as_deref(),
            revocations,
        )?;
        bff.addr = addr;
        bff.redis_url = redis_url;
        Ok(bff)
    }

    /// `bff-app` over `client` (give its verifier `revocations`, as
    /// [`from_env`](Self::from_env) does), its sessions refreshed and revoked at the pool's
    /// `login_domain` (with the app client's `client_secret`, when it has one), unsafe requests
    /// from `app_url`'s origin accepted, sign-outs recorded in `revocations`; listening on
    /// `127.0.0.1:3000`, sessions in memory.
    ///
    /// # Errors
    /// A URL that is not an absolute http(s) URL; a client the verifier does not accept.
    pub fn new(
        client: SanctumClient,
        login_domain: &str,
        client_secret: Option<&str>,
        app_url: Option<&str>,
        revocations: Arc<dyn RevocationStore>,
    ) -> Result<Self, BoxError> {
        let addr = SocketAddr::from(([127, 0, 0, 1], 3000));
        let origin = app_url.map_or_else(|| format!("http://{addr}"), str::to_owned);
        // bff-app starts no managed-login sign-in: the callback URL is never sent
        let mut login = ManagedLogin::builder(
            LoginDomain::url(login_domain),
            client.client_id(),
            format!("{}/", origin.trim_end_matches('/')),
        );
        if let Some(secret) = client_secret {
            login = login.client_secret(secret.trim());
        }
        let auth = SessionAuth::builder(login.build(client.verifier())?)
            .csrf(sessions::csrf_policy(app_url)?)
            .revocations(revocations)
            .build();
        Ok(Self {
            client,
            auth,
            redis_url: None,
            addr,
        })
    }

    /// `SANCTUM_ADDR`.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The sessions.
    #[must_use]
    pub fn auth(&self) -> &SessionAuth {
        &self.auth
    }

    /// The application, over sessions in `SANCTUM_REDIS_URL`'s Redis or this process's memory
    /// ([`sessions::with_sessions`]); `/api/upstream` calls `upstream`.
    ///
    /// # Errors
    /// `SANCTUM_REDIS_URL` is not a Redis URL.
    pub fn app(&self, upstream: impl Into<String>) -> Result<Router, BoxError> {
        sessions::with_sessions(self.routes(upstream), &self.auth, self.redis_url.as_deref())
    }

    /// The routes, without the session layer (add [`SessionAuth::layer`] around them).
    pub fn routes(&self, upstream: impl Into<String>) -> Router {
        let state = AppState {
            bff: self.clone(),
            http: reqwest::Client::new(),
            upstream: upstream.into(),
        };
        let verifier = self.client.verifier().clone();
        let session_or_bearer = CognitoAuthLayer::new(verifier.clone()).session(self.auth.clone());
        Router::new()
            .route("/me", get(me))
            .route(
                "/admin/users",
                post(create_user).route_layer(RequireGroup("admin")),
            )
            .route(
                "/admin/users/{username}/groups/{group}",
                post(add_to_group).route_layer(RequireGroup("admin")),
            )
            .route("/api/upstream", get(call_upstream))
            .route_layer(session_or_bearer)
            .route(
                "/upstream/whoami",
                get(upstream_whoami).route_layer(CognitoAuthLayer::new(verifier)),
            )
            .route("/login", post(login))
            .route("/login/respond", post(respond))
            .route("/logout", post(logout))
            .with_state(state)
    }

    /// What a sign-in step leads to: a session, or the next challenge.
    async fn step(&self, session: &Session, step: SignInStep) -> Response {
        match step {
            SignInStep::Done(tokens) => self.signed_in(session, tokens).await,
            step => challenge(session, step).await,
        }
    }

    /// Keeps the tokens of a completed sign-in in a session under a fresh id.
    async fn signed_in(&self, session: &Session, tokens: Tokens) -> Response {
        let Some(id_token) = tokens.id_token else {
            return cognito_unavailable("Cognito sent no ID token");
        };
        let expires_in = u64::try_from(tokens.expires_in).unwrap_or(0);
        let adopted = self
            .auth
            .tokens()
            .login()
            .adopt(
                tokens.access_token,
                id_token,
                tokens.refresh_token,
                expires_in,
            )
            .await;
        let signed_in = match adopted {
            Ok(signed_in) => signed_in,
            Err(err) => {
                tracing::warn!(error = %err, "Cognito's tokens were not accepted");
                return cognito_unavailable("Cognito's tokens could not be verified");
            }
        };
        let data = self.auth.tokens().start(&signed_in);
        let ttl = TimeDuration::try_from(self.auth.tokens().time_to_live(&data))
            .unwrap_or(PENDING_LIFETIME);
        let stored = async {
            session.remove_value(PENDING_KEY).await?;
            // a fresh id: a session id planted before sign-in is worth nothing after it
            session.cycle_id().await?;
            session.set_expiry(Some(Expiry::AtDateTime(OffsetDateTime::now_utc() + ttl)));
            session.insert(SESSION_DATA_KEY, &data).await?;
            session.save().await
        };
        if let Err(err) = stored.await {
            tracing::warn!(error = %err, "sign-in not stored: session store unavailable");
            return default_response(&Refusal::SessionUnavailable);
        }
        (
            StatusCode::OK,
            Json(json!({"signed_in": true, "username": data.username})),
        )
            .into_response()
    }
}

#[derive(Clone)]
struct AppState {
    bff: Bff,
    http: reqwest::Client,
    upstream: String,
}

fn error(status: StatusCode, code: &str, description: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": code, "error_description": description.into()})),
    )
        .into_response()
}

fn cognito_unavailable(description: &str) -> Response {
    error(StatusCode::BAD_GATEWAY, "cognito_unavailable", description)
}

/// Maps a Cognito failure of a user's own request to an answer.
fn cognito_error(err: &CognitoError) -> Response {
    match err {
        CognitoError::NotAuthorized(_) | CognitoError::UserNotFound(_) => error(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong user name or password",
        ),
        CognitoError::UserExists(_) => error(StatusCode::CONFLICT, "user_exists", err.to_string()),
        CognitoError::InvalidPassword(_)
        | CognitoError::InvalidParameter(_)
        | CognitoError::CodeMismatch(_)
        | CognitoError::InvalidArgument { .. } => {
            error(StatusCode::BAD_REQUEST, "invalid_request", err.to_string())
        }
        _ => {
            tracing::warn!(error = %err, "Cognito call failed");
            cognito_unavailable("Cognito did not answer as expected")
        }
    }
}

/// Keeps a sign-in step waiting for its answer in the session; answers the challenge.
async fn challenge(session: &Session, step: SignInStep) -> Response {
    let (expects, code_destination, required_attributes) = match &step {
        SignInStep::NewPassword(s) => ("a new password", None, s.required_attributes()),
        SignInStep::TotpCode(s) | SignInStep::SmsCode(s) | SignInStep::EmailCode(s) => (
            "a code",
            s.code_destination().map(str::to_owned),
            Vec::new(),
        ),
        _ => ("an answer this demo does not take", None, Vec::new()),
    };
    let body = json!({
        "challenge": step.challenge_name(),
        "expects": expects,
        "code_destination": code_destination,
        "required_attributes": required_attributes,
    });
    let stored = async {
        // a session that is only this step lives as long as the step can be answered
        if session.get_value(SESSION_DATA_KEY).await?.is_none() {
            session.set_expiry(Some(Expiry::OnInactivity(PENDING_LIFETIME)));
        }
        session.insert(PENDING_KEY, &step).await?;
        session.save().await
    };
    if let Err(err) = stored.await {
        tracing::warn!(error = %err, "sign-in step not stored: session store unavailable");
        return default_response(&Refusal::SessionUnavailable);
    }
    (StatusCode::OK, Json(body)).into_response()
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    session: Session,
    Json(login): Json<Login>,
) -> Response {
    let bff = &state.bff;
    match bff
        .client
        .auth()
        .sign_in(&login.username, &login.password)
        .await
    {
        Ok(step) => bff.step(&session, step).await,
        Err(err) => cognito_error(&err),
    }
}

#[derive(Deserialize)]
struct Respond {
    new_password: Option<String>,
    code: Option<String>,
}

async fn respond(
    State(state): State<AppState>,
    session: Session,
    Json(answer): Json<Respond>,
) -> Response {
    let bff = &state.bff;
    // taken out of the session: a step is answered once
    let step = match session.remove::<SignInStep>(PENDING_KEY).await {
        Ok(Some(step)) => step,
        Ok(None) | Err(tower_sessions_core::session::Error::SerdeJson(_)) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "no_pending_challenge",
                "sign in first",
            );
        }
        Err(err) => {
            tracing::warn!(error = %err, "sign-in step not read: session store unavailable");
            return default_response(&Refusal::SessionUnavailable);
        }
    };
    let answered = match (step, answer.new_password, answer.code) {
        (SignInStep::NewPassword(step), Some(password), _) => {
            step.answer(&bff.client, password).await
        }
        (
            SignInStep::TotpCode(step) | SignInStep::SmsCode(step) | SignInStep::EmailCode(step),
            _,
            Some(code),
        ) => step.answer(&bff.client, &code).await,
        (step, _, _) => {
            return error(
                StatusCode::BAD_REQUEST,
                "unsupported_challenge",
                format!(
                    "{} is not answered with this request",
                    step.challenge_name().unwrap_or("this step")
                ),
            );
        }
    };
    match answered {
        Ok(result) => bff.step(&session, result).await,
        Err(err) => cognito_error(&err),
    }
}

async fn me(user: CognitoUser) -> Json<Value> {
    Json(me_json(&user))
}

#[derive(Deserialize)]
struct CreateUser {
    username: String,
    email: String,
    temporary_password: String,
}

async fn create_user(State(state): State<AppState>, Json(new): Json<CreateUser>) -> Response {
    let request = NewUser::new(&new.username)
        .email(&new.email)
        .temporary_password(&new.temporary_password)
        .suppress_message();
    match state.bff.client.admin().users().create(request).await {
        Ok(user) => (
            StatusCode::CREATED,
            Json(serde_json::to_value(&user).unwrap_or(Value::Null)),
        )
            .into_response(),
        Err(err) => cognito_error(&err),
    }
}

async fn add_to_group(
    State(state): State<AppState>,
    Path((username, group)): Path<(String, String)>,
) -> Response {
    match state
        .bff
        .client
        .admin()
        .groups()
        .add_user(&username, &group)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => cognito_error(&err),
    }
}

/// `GET /api/upstream`: the other service called with the session's access token (refreshed
/// by the auth layer when due), or with the caller's own bearer token.
async fn call_upstream(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
) -> Response {
    let token = match state.bff.auth.active(&session).await {
        Ok(Some(data)) => Some(data.tokens.access_token.secret().to_owned()),
        Ok(None) => headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned),
        Err(_) => return default_response(&Refusal::SessionUnavailable),
    };
    let Some(token) = token else {
        return error(StatusCode::UNAUTHORIZED, "signed_out", "sign in again");
    };
    let answer = state
        .http
        .get(&state.upstream)
        .bearer_auth(token)
        .send()
        .await;
    match answer {
        Ok(response) => {
            let status =
                StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let body = response.bytes().await.unwrap_or_default();
            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            (status, Json(json!({"upstream": body}))).into_response()
        }
        Err(err) => error(
            StatusCode::BAD_GATEWAY,
            "upstream_unavailable",
            err.without_url().to_string(),
        ),
    }
}

async fn upstream_whoami(user: CognitoUser) -> Json<Value> {
    Json(json!({"service": "upstream", "caller": me_json(&user)}))
}

/// `POST /logout`: sanctum's sign-out ([`SessionAuth::logout`]: CSRF-checked, the session
/// ended, its `origin_jti` recorded as revoked, its refresh token revoked at the pool's
/// domain), answered 204 as this API always did rather than with the redirect to Cognito's
/// `/logout` a managed-login page needs; where the domain could not revoke (moto has no
/// `/oauth2/revoke`), `GlobalSignOut` with the session's access token instead.
async fn logout(
    State(state): State<AppState>,
    session: Session,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let auth = &state.bff.auth;
    // the tokens, for the fallback: the sign-out below ends the session before revoking
    let data = session
        .get::<SessionData>(SESSION_DATA_KEY)
        .await
        .ok()
        .flatten();
    let answer = auth.logout(&session, &method, &headers).await;
    match answer.status() {
        // signed out (or there was no session): the redirect is for managed-login pages
        StatusCode::SEE_OTHER => StatusCode::NO_CONTENT.into_response(),
        // the session is over, but the revocation failed: sign the user out everywhere
        StatusCode::BAD_GATEWAY => {
            let Some(data) = data else { return answer };
            match state
                .bff
                .client
                .user(&data.tokens.access_token)
                .sign_out_everywhere()
                .await
            {
                Ok(()) => StatusCode::NO_CONTENT.into_response(),
                Err(err) => {
                    tracing::warn!(error = %err, "GlobalSignOut failed too");
                    answer
                }
            }
        }
        _ => answer,
    }
}
