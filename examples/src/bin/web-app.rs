//! `web-app`: a server-rendered axum app whose users sign in through Cognito's managed login,
//! with server-side sessions (sanctum-axum's `sessions` feature). Configured from the
//! environment as [`sanctum_examples::web_app`] describes (the same contract and routes as
//! `web-app-actix`).
//!
//! Routes: `GET /` (a page: signed out, a link `id="sign-in"`; signed in, `id="user"`,
//! `id="groups"` and the form `id="sign-out"`), `GET /login` (`?identity_provider=Google`
//! goes straight to a federated provider), `GET /callback`, `GET /me` (JSON), `GET /admin`
//! (the `admin` group), `POST /logout`.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{Html, IntoResponse as _, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sanctum_axum::session::{Session, SessionAuth};
use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup};
use sanctum_core::Verifier;
use sanctum_examples::sessions::with_sessions;
use sanctum_examples::web_app::{
    BoxError, WebApp, admin_page, banner, home_page, identity_provider,
};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let config = WebApp::from_env()?;
    let auth = SessionAuth::builder(config.login)
        .csrf(config.csrf)
        .revocations(config.revocations)
        .build();

    let app = with_sessions(
        routes(&config.verifier, &auth),
        &auth,
        config.redis_url.as_deref(),
    )?;
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    println!("{}", banner(listener.local_addr()?));
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

async fn home(user: Option<CognitoUser>) -> Html<String> {
    Html(home_page(user.as_deref()))
}

async fn me(user: CognitoUser) -> Json<serde_json::Value> {
    Json(sanctum_examples::web_app::me(&user))
}

async fn admin(user: CognitoUser) -> Html<String> {
    Html(admin_page(&user))
}

/// `GET /login[?next=/path][&identity_provider=Google]`: to Cognito's managed login, or
/// straight to a federated provider (`Google`, `SignInWithApple`, a SAML or OIDC provider's
/// name) when one is named.
async fn login(State(auth): State<SessionAuth>, uri: Uri) -> Response {
    match identity_provider(uri.query()) {
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
