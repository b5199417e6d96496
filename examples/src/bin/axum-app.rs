//! The axum example service: `cargo run -p sanctum-examples --bin axum-app`.
//!
//! Routes: `GET /public` (no token), `GET /me` (any valid access token; the caller's claims as
//! JSON), `GET /admin` (members of the `admin` group). Configured from the environment as
//! `sanctum_examples` describes; with no `SANCTUM_*` configuration at all it runs on an embedded test
//! issuer and prints ready tokens. With `SANCTUM_ALB_ARN` it authenticates by the headers of an
//! Application Load Balancer with Cognito authentication instead of bearer tokens. Stops cleanly on Ctrl-C.
//! With `SANCTUM_METRICS=1`, `GET /metrics` serves sanctum's metrics in Prometheus text. Each
//! request runs in a span that declares sanctum's fields (`enduser.id`, ...: `RUST_LOG=debug`
//! shows them). `GET /openapi.json` is the OpenAPI document, whose security requirements the
//! guards wrote themselves (sanctum-axum's `utoipa` feature).

use std::error::Error;

use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use axum::{Json, Router};
use sanctum_axum::openapi::CognitoSecurity;
use sanctum_axum::openapi::utoipa::OpenApiRouterExt as _;
use sanctum_axum::{AlbAuthLayer, CognitoAuthLayer, CognitoUser, RequireGroup};
use sanctum_core::observe::request_span;
use sanctum_examples::{demo_from_env, me_json, metrics_from_env, render_metrics};
use tower_http::trace::TraceLayer;
use tracing_subscriber::EnvFilter;
use utoipa::Modify as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// No token needed.
#[utoipa::path(get, path = "/public", responses((status = 200, description = "a greeting", body = String)))]
async fn public() -> &'static str {
    "public: no token needed\n"
}

/// The caller's claims.
#[utoipa::path(get, path = "/me", responses((status = 200, description = "the caller's claims")))]
async fn me(user: CognitoUser) -> Json<serde_json::Value> {
    Json(me_json(&user))
}

/// Members of the `admin` group.
#[utoipa::path(get, path = "/admin", responses((status = 200, description = "a welcome")))]
async fn admin(user: CognitoUser) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "message": "welcome to the admin area",
        "username": user.username(),
    }))
}

/// `/me` and `/admin`, before the authentication layer; the guard writes its requirement
/// into the document.
fn protected() -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(admin).route_guard(RequireGroup("admin")))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    // before the verifier is built: it registers its counters with the recorder of its build
    let metrics = metrics_from_env()?;
    let mut demo = demo_from_env().await?;
    let listener = tokio::net::TcpListener::bind(demo.addr).await?;
    // SANCTUM_ADDR may ask for port 0: show the port actually bound
    demo.addr = listener.local_addr()?;
    demo.print_banner("axum");

    // behind an ALB (SANCTUM_ALB_ARN) by its headers, else by bearer tokens
    let (app, mut doc): (Router, _) = match demo.alb.clone() {
        Some(alb) => protected().route_alb_auth(AlbAuthLayer::new(alb)),
        None => protected().route_auth(CognitoAuthLayer::new(demo.verifier.clone())),
    }
    .routes(routes!(public))
    .split_for_parts();
    CognitoSecurity::new().modify(&mut doc);
    let doc = Json(doc);
    let app = app.route(
        "/openapi.json",
        get(move || std::future::ready(doc.clone())),
    );
    let app = match metrics {
        Some(handle) => app.route(
            "/metrics",
            get(move || std::future::ready(render_metrics(&handle))),
        ),
        None => app,
    }
    .layer(
        TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
            request_span(req.method().as_str(), req.uri().path())
        }),
    );
    axum::serve(listener, app)
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
