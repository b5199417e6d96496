//! `web-app`: a server-rendered axum app whose users sign in through Cognito's managed login,
//! with server-side sessions (sanctum-axum's `sessions` feature).
//!
//! | variable | meaning |
//! |---|---|
//! | `SANCTUM_USER_POOL_ID` | the user pool (required) |
//! | `SANCTUM_CLIENT_ID` | the app client (required; code flow, `openid` scope, the callback and sign-out URLs below registered) |
//! | `SANCTUM_CLIENT_SECRET` | its secret, when it has one |
//! | `SANCTUM_LOGIN_DOMAIN` | the managed-login base URL, `https://<prefix>.auth.<region>.amazoncognito.com` (required) |
//! | `SANCTUM_APP_URL` | this app's public origin (required): callback `APP_URL/callback`, sign-out target `APP_URL/` |
//! | `SANCTUM_ADDR` | listen address (default `127.0.0.1:3000`) |
//! | `SANCTUM_COGNITO_ENDPOINT` | an emulator's endpoint: the pool's keys at `{endpoint}/{pool}/.well-known/jwks.json` |
//! | `SANCTUM_JWKS_URL` | the pool's keys elsewhere |
//! | `SANCTUM_REDIS_URL` | sessions and revocations shared by every instance through this Redis |
//!
//! Routes: `GET /` (a page: signed out, a link `id="sign-in"`; signed in, `id="user"`,
//! `id="groups"` and the form `id="sign-out"`), `GET /login` (`?identity_provider=Google`
//! goes straight to a federated provider), `GET /callback`, `GET /me` (JSON), `GET /admin`
//! (the `admin` group), `POST /logout`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{Html, IntoResponse as _, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sanctum_axum::session::{MemorySessionStore, RedisSessionStore, Session, SessionAuth};
use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup};
use sanctum_core::login::{LoginDomain, ManagedLogin};
use sanctum_core::revocation::{InMemoryRevocations, RedisRevocations, RevocationStore};
use sanctum_core::session::CsrfPolicy;
use sanctum_core::{UserPool, Verifier};
use serde_json::json;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn required(name: &str) -> Result<String, BoxError> {
    env(name).ok_or_else(|| format!("{name} is not set").into())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let pool_id = required("SANCTUM_USER_POOL_ID")?;
    let client_id = required("SANCTUM_CLIENT_ID")?;
    let domain = required("SANCTUM_LOGIN_DOMAIN")?;
    let app_url = required("SANCTUM_APP_URL")?;
    let app_url = app_url.trim_end_matches('/');
    let addr: SocketAddr = env("SANCTUM_ADDR")
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned())
        .parse()?;
    let redis_url = env("SANCTUM_REDIS_URL");

    let revocations: Arc<dyn RevocationStore> = match &redis_url {
        Some(url) => RedisRevocations::start(url)?,
        None => Arc::new(InMemoryRevocations::new()),
    };
    let mut pool = UserPool::new(&pool_id).client_id(&client_id);
    let jwks_url = env("SANCTUM_JWKS_URL").or_else(|| {
        env("SANCTUM_COGNITO_ENDPOINT").map(|endpoint| {
            format!(
                "{}/{pool_id}/.well-known/jwks.json",
                endpoint.trim_end_matches('/')
            )
        })
    });
    if let Some(jwks_url) = jwks_url {
        pool = pool.with_jwks_url(jwks_url);
    }
    let verifier = Verifier::builder()
        .pool(pool)
        .revocations(Arc::clone(&revocations))
        .build()?;
    let mut login = ManagedLogin::builder(
        LoginDomain::url(domain),
        &client_id,
        format!("{app_url}/callback"),
    )
    .scopes(["openid", "email", "profile"])
    .logout_uri(format!("{app_url}/"));
    if let Some(secret) = env("SANCTUM_CLIENT_SECRET") {
        login = login.client_secret(secret);
    }
    let login = login.build(&verifier)?;
    let auth = SessionAuth::builder(login)
        .csrf(CsrfPolicy::new().app_origin(app_url)?.header(
            "x-csrf".parse().map_err(|_| "header name")?,
            "1".parse().map_err(|_| "header value")?,
        ))
        .revocations(revocations)
        .build();

    let app = routes(&verifier, &auth);
    let app = match &redis_url {
        Some(url) => app.layer(auth.layer(RedisSessionStore::from_url(url)?)),
        None => app.layer(auth.layer(MemorySessionStore::new())),
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!(
        "sanctum web-app listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn routes(verifier: &Verifier, auth: &SessionAuth) -> Router {
    let layer = CognitoAuthLayer::new(verifier.clone()).session(auth.clone());
    Router::new()
        .route("/", get(home).route_layer(layer.clone().optional()))
        .route("/me", get(me).route_layer(layer.clone()))
        .route(
            "/admin",
            get(admin)
                .route_layer(RequireGroup("admin"))
                .route_layer(layer.redirect_to_login("/login")),
        )
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/logout", post(logout))
        .with_state(auth.clone())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn home(user: Option<CognitoUser>) -> Html<String> {
    let body = match user {
        None => r#"<p>Signed out.</p><a id="sign-in" href="/login">Sign in</a>"#.to_owned(),
        Some(user) => format!(
            r#"<p>Signed in as <span id="user">{}</span></p>
<p>Groups: <span id="groups">{}</span></p>
<form id="sign-out" method="post" action="/logout"><button type="submit">Sign out</button></form>"#,
            escape(user.username().unwrap_or(user.sub())),
            escape(&user.groups().collect::<Vec<_>>().join(", ")),
        ),
    };
    Html(format!(
        "<!doctype html><html><head><title>sanctum web-app</title></head><body>{body}</body></html>"
    ))
}

async fn me(user: CognitoUser) -> Json<serde_json::Value> {
    Json(json!({
        "username": user.username(),
        "sub": user.sub(),
        "groups": user.groups().collect::<Vec<_>>(),
    }))
}

async fn admin(user: CognitoUser) -> Html<String> {
    Html(format!(
        "<!doctype html><html><body><h1 id=\"admin\">Administration</h1><p>{}</p></body></html>",
        escape(user.username().unwrap_or(user.sub()))
    ))
}

/// `GET /login[?next=/path][&identity_provider=Google]`: to Cognito's managed login, or
/// straight to a federated provider (`Google`, `SignInWithApple`, a SAML or OIDC provider's
/// name) when one is named.
async fn login(State(auth): State<SessionAuth>, uri: Uri) -> Response {
    let provider = uri.query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "identity_provider")
            .map(|(_, value)| value.into_owned())
    });
    match provider {
        Some(provider) => auth.login_with(&uri, |request| request.identity_provider(provider)),
        None => auth.login(&uri),
    }
}

async fn callback(
    State(auth): State<SessionAuth>,
    session: Session,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    auth.callback(&session, &headers, query.as_deref()).await
}

async fn logout(
    State(auth): State<SessionAuth>,
    session: Session,
    method: Method,
    headers: HeaderMap,
) -> Response {
    auth.logout(&session, &method, &headers)
        .await
        .into_response()
}
