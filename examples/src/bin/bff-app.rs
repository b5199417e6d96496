//! The backend-for-frontend example: `cargo run -p sanctum-examples --bin bff-app`.
//!
//! The browser never holds a token. It signs in with `POST /login` and gets an `HttpOnly`,
//! `SameSite=Strict` session cookie carrying a random session id; the tokens stay in this
//! process, in a [`TokenSession`] that refreshes them ahead of expiry. A small middleware maps the
//! cookie to the session's always-fresh access token and hands it, as `Authorization: Bearer`,
//! to sanctum-axum's `CognitoAuthLayer`, so the usual guards (`RequireGroup("admin")`) and
//! extractors work on cookie requests.
//!
//! | route | what it does |
//! |---|---|
//! | `POST /login` `{"username","password"}` | SRP sign-in; 200 + session cookie, or 200 + the next challenge as JSON (pending-challenge cookie; the step itself, a [`SignInStep`], is kept server-side as JSON, as a shared session store would keep it); wrong credentials 401 |
//! | `POST /login/respond` `{"new_password"}` or `{"code"}` | answers the pending challenge; 200 + session cookie or the next challenge |
//! | `GET /me` | the user's claims as JSON; no session 401 |
//! | `POST /admin/users` `{"username","email","temporary_password"}` | creates the user through `SanctumClient` (admin group only: 403 for others); 201 |
//! | `POST /admin/users/{username}/groups/{group}` | adds a user to a group (admin group only); 204 |
//! | `GET /api/upstream` | calls another service (`SANCTUM_UPSTREAM_URL`, default this process's own `/upstream/whoami`) with the user's fresh access token and relays its answer |
//! | `GET /upstream/whoami` | the "other service": accepts only `Authorization: Bearer` access tokens |
//! | `POST /logout` | revokes the refresh token at Cognito (`RevokeToken`; `GlobalSignOut` where the endpoint lacks it) and forgets the session; 204; the old cookie is refused afterwards |
//!
//! Configuration, as for the `admin` CLI: `SANCTUM_USER_POOL_ID`, `SANCTUM_CLIENT_ID`,
//! `SANCTUM_CLIENT_SECRET` (when the app client has one), `SANCTUM_REGION` (default: the pool
//! id's prefix), `SANCTUM_COGNITO_ENDPOINT` (an emulator), `SANCTUM_JWKS_URL` and
//! `SANCTUM_ISSUER` (key URL and issuer overrides), `SANCTUM_PASSWORD_FLOW` (`srp`, the
//! default, or `user-password`; moto needs the latter), `SANCTUM_ADDR` (default
//! `127.0.0.1:3000`), `SANCTUM_UPSTREAM_URL`; AWS credentials from the usual chain (admin
//! operations need them).
//!
//! A demo: sessions live in this process's memory (a real deployment keeps
//! [`SessionData`](sanctum_core::cognito::SessionData) in a shared, server-side store — it is a
//! secret — and persists it from `on_refresh`). The cookie is `Secure` (browsers accept that on
//! `http://localhost`); state-changing routes rely on `SameSite=Strict` against CSRF.

use std::collections::HashMap;
use std::error::Error;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use axum::extract::{Path, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup};
use sanctum_core::cognito::{CognitoError, NewUser, SanctumClient, SignInStep, TokenSession};
use sanctum_examples::me_json;
use serde::Deserialize;
use serde_json::{Value, json};
use tracing_subscriber::EnvFilter;

/// The session cookie's name.
const SESSION_COOKIE: &str = "bff_session";
/// The pending-challenge cookie's name.
const PENDING_COOKIE: &str = "bff_pending";

#[derive(Clone)]
struct AppState {
    client: SanctumClient,
    sessions: Arc<RwLock<HashMap<String, TokenSession>>>,
    /// Sign-in steps waiting for an answer, stored as JSON (a secret: Cognito's session), as a
    /// shared session store keeps them so that any instance can take the answer.
    pending: Arc<RwLock<HashMap<String, String>>>,
    http: reqwest::Client,
    upstream: String,
}

/// The session of a request, put in its extensions by [`session_to_bearer`].
#[derive(Clone)]
struct CurrentSession {
    id: String,
    session: TokenSession,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

async fn client_from_env() -> Result<SanctumClient, Box<dyn Error>> {
    let builder = sanctum_examples::client_builder_from_env()?;
    Ok(builder.build().await?)
}

/// A random id of 256 bits, base64url.
fn random_id() -> Option<String> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name && !v.is_empty()).then(|| v.to_owned())
        })
}

fn set_cookie(name: &str, value: &str, max_age: Option<u32>) -> (axum::http::HeaderName, String) {
    let age = max_age.map_or_else(String::new, |s| format!("; Max-Age={s}"));
    (
        SET_COOKIE,
        format!("{name}={value}; HttpOnly; Secure; SameSite=Strict; Path=/{age}"),
    )
}

fn error(status: StatusCode, code: &str, description: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": code, "error_description": description.into()})),
    )
        .into_response()
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
            error(
                StatusCode::BAD_GATEWAY,
                "cognito_unavailable",
                "Cognito did not answer as expected",
            )
        }
    }
}

/// What a sign-in step leads to: a session cookie, or the next challenge.
fn sign_in_step(state: &AppState, result: SignInStep) -> Response {
    let internal = || {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "server error",
        )
    };
    let Some(id) = random_id() else {
        return internal();
    };
    match result {
        SignInStep::Done(tokens) => {
            let session = TokenSession::builder(&state.client)
                .on_refresh(|data| {
                    // a real BFF writes `data` (a secret) to its session store here
                    tracing::debug!(username = ?data.username, "session refreshed");
                })
                .start(tokens);
            let username = session.username();
            let Ok(mut sessions) = state.sessions.write() else {
                return internal();
            };
            sessions.insert(id.clone(), session);
            drop(sessions);
            (
                StatusCode::OK,
                // two Set-Cookie headers: appended, not replacing each other
                AppendHeaders([
                    set_cookie(SESSION_COOKIE, &id, None),
                    set_cookie(PENDING_COOKIE, "", Some(0)),
                ]),
                Json(json!({"signed_in": true, "username": username})),
            )
                .into_response()
        }
        step => {
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
            let Ok(stored) = serde_json::to_string(&step) else {
                return internal();
            };
            let Ok(mut pending) = state.pending.write() else {
                return internal();
            };
            pending.insert(id.clone(), stored);
            drop(pending);
            (
                StatusCode::OK,
                [set_cookie(PENDING_COOKIE, &id, Some(300))],
                Json(body),
            )
                .into_response()
        }
    }
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

async fn login(State(state): State<AppState>, Json(login): Json<Login>) -> Response {
    match state
        .client
        .auth()
        .sign_in(&login.username, &login.password)
        .await
    {
        Ok(result) => sign_in_step(&state, result),
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
    headers: HeaderMap,
    Json(answer): Json<Respond>,
) -> Response {
    let Some(id) = cookie(&headers, PENDING_COOKIE) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "no_pending_challenge",
            "sign in first",
        );
    };
    let stored = state.pending.write().ok().and_then(|mut p| p.remove(&id));
    let step = stored.and_then(|json| serde_json::from_str::<SignInStep>(&json).ok());
    let Some(step) = step else {
        return error(
            StatusCode::UNAUTHORIZED,
            "no_pending_challenge",
            "sign in first",
        );
    };
    let answered = match (step, answer.new_password, answer.code) {
        (SignInStep::NewPassword(step), Some(password), _) => {
            step.answer(&state.client, password).await
        }
        (
            SignInStep::TotpCode(step) | SignInStep::SmsCode(step) | SignInStep::EmailCode(step),
            _,
            Some(code),
        ) => step.answer(&state.client, &code).await,
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
        Ok(result) => sign_in_step(&state, result),
        Err(err) => cognito_error(&err),
    }
}

/// Maps the session cookie to the session's fresh access token, as `Authorization: Bearer` for
/// `CognitoAuthLayer`; a token the browser sent itself is dropped (the cookie is the only
/// credential here). A session Cognito ended is forgotten: the request goes on without a token.
async fn session_to_bearer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    request.headers_mut().remove(AUTHORIZATION);
    let id = cookie(request.headers(), SESSION_COOKIE);
    let session = id.as_ref().and_then(|id| {
        let sessions = state.sessions.read().ok()?;
        sessions.get(id).cloned()
    });
    if let (Some(id), Some(session)) = (id, session) {
        match session.access_token().await {
            Ok(token) => {
                if let Ok(mut value) = HeaderValue::try_from(format!("Bearer {}", token.secret())) {
                    value.set_sensitive(true);
                    request.headers_mut().insert(AUTHORIZATION, value);
                }
                request
                    .extensions_mut()
                    .insert(CurrentSession { id, session });
            }
            Err(err) if err.is_sign_in_again() => {
                if let Ok(mut sessions) = state.sessions.write() {
                    sessions.remove(&id);
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "session refresh failed");
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "refresh_failed",
                    "the session could not be refreshed; try again",
                );
            }
        }
    }
    next.run(request).await
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
    match state.client.admin().users().create(request).await {
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

async fn call_upstream(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentSession>,
) -> Response {
    // the session hands out a token valid for at least its margin, refreshed if need be
    let token = match current.session.access_token().await {
        Ok(token) => token,
        Err(_) => return error(StatusCode::UNAUTHORIZED, "signed_out", "sign in again"),
    };
    let answer = state
        .http
        .get(&state.upstream)
        .bearer_auth(token.secret())
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

async fn logout(
    State(state): State<AppState>,
    current: Option<Extension<CurrentSession>>,
) -> Response {
    if let Some(Extension(current)) = current {
        if let Ok(mut sessions) = state.sessions.write() {
            sessions.remove(&current.id);
        }
        let access_token = current.session.data().access_token;
        if let Err(err) = current.session.revoke().await {
            // e.g. an endpoint without RevokeToken: sign the user out everywhere instead
            tracing::info!(error = %err, "RevokeToken failed; trying GlobalSignOut");
            if let Err(err) = state.client.user(&access_token).sign_out_everywhere().await {
                tracing::warn!(error = %err, "GlobalSignOut failed too");
            }
        }
    }
    (
        StatusCode::NO_CONTENT,
        [set_cookie(SESSION_COOKIE, "", Some(0))],
    )
        .into_response()
}

fn app(state: AppState) -> Router {
    let verifier = state.client.verifier().clone();
    let signed_in = Router::new()
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
        .route_layer(CognitoAuthLayer::new(verifier.clone()))
        .route("/logout", post(logout))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session_to_bearer,
        ));
    let upstream = Router::new()
        .route("/upstream/whoami", get(upstream_whoami))
        .route_layer(CognitoAuthLayer::new(verifier));
    Router::new()
        .route("/login", post(login))
        .route("/login/respond", post(respond))
        .merge(signed_in)
        .merge(upstream)
        .with_state(state)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let addr: SocketAddr = env("SANCTUM_ADDR")
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned())
        .parse()
        .map_err(|e| format!("SANCTUM_ADDR: {e}"))?;
    let client = client_from_env().await?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    // SANCTUM_ADDR may ask for port 0: show the port actually bound
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    let upstream = env("SANCTUM_UPSTREAM_URL").unwrap_or_else(|| format!("{base}/upstream/whoami"));
    let state = AppState {
        client,
        sessions: Arc::default(),
        pending: Arc::default(),
        http: reqwest::Client::new(),
        upstream,
    };
    println!("sanctum bff demo listening on {base}");
    println!("(a demo of sanctum, not a production service)");
    println!(
        "curl -i -c jar -H 'content-type: application/json' -d '{{\"username\":\"alice\",\"password\":\"...\"}}' {base}/login"
    );
    println!("curl -i -b jar {base}/me");

    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            if let Err(e) = tokio::signal::ctrl_c().await {
                eprintln!("cannot listen for Ctrl-C ({e}); stop the process another way");
                std::future::pending::<()>().await;
            }
        })
        .await?;
    eprintln!("shut down");
    Ok(())
}
