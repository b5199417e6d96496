//! The actix-web example service: `cargo run -p sanctum-examples --bin actix-app`.
//!
//! Routes: `GET /public` (no token), `GET /me` (any valid access token; the caller's claims as
//! JSON), `GET /admin` (members of the `admin` group). Configured from the environment as
//! `sanctum_examples` describes; with no `SANCTUM_*` configuration at all it runs on an embedded test
//! issuer and prints ready tokens; with `SANCTUM_ALB_ARN` it authenticates by the headers of
//! an Application Load Balancer with Cognito authentication. Stops cleanly on Ctrl-C. With
//! `SANCTUM_METRICS=1`, `GET /metrics` serves sanctum's metrics in Prometheus text.
//! `GET /openapi.json` is the OpenAPI document, whose security requirements the middleware
//! wrote themselves (sanctum-actix's `utoipa` feature: the routes are registered through
//! utoipa-actix-web scopes wrapped with `wrap_guard` / `wrap_auth`). The same service as
//! `axum-app`.

use std::error::Error;

use actix_web::{App, HttpResponse, HttpServer, get, web};
use metrics_exporter_prometheus::PrometheusHandle;
use sanctum_actix::openapi::{CognitoSecurity, ScopeExt as _};
use sanctum_actix::{AlbAuth, CognitoAuth, CognitoUser, RequireGroup};
use sanctum_examples::{Demo, demo_from_env, me_json, metrics_from_env, render_metrics};
use tracing_subscriber::EnvFilter;
use utoipa::Modify as _;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt as _, scope};

/// No token needed.
#[utoipa::path(responses((status = 200, description = "a greeting", body = String)))]
#[get("/public")]
async fn public() -> &'static str {
    "public: no token needed\n"
}

/// The caller's claims.
#[utoipa::path(responses((status = 200, description = "the caller's claims")))]
#[get("")]
async fn me(user: CognitoUser) -> HttpResponse {
    HttpResponse::Ok().json(me_json(&user))
}

/// Members of the `admin` group.
#[utoipa::path(responses((status = 200, description = "a welcome")))]
#[get("")]
async fn admin(user: CognitoUser) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "message": "welcome to the admin area",
        "username": user.username(),
    }))
}

/// How `/me` and `/admin` authenticate.
#[derive(Clone)]
enum Auth {
    /// Bearer tokens: documented as the Cognito schemes.
    Cognito(CognitoAuth),
    /// An ALB's headers: documented in `x-sanctum-alb` (no scheme: the client sends no token).
    Alb(AlbAuth),
}

/// The routes, each scope wrapped in the middleware that guards it (the guard's requirement
/// goes into the document with it), and `/metrics` when `metrics` holds a Prometheus handle.
fn routes(cfg: &mut ServiceConfig<'_>, auth: &Auth, metrics: Option<&PrometheusHandle>) {
    if let Some(handle) = metrics.cloned() {
        cfg.route(
            "/metrics",
            web::get().to(move || std::future::ready(render_metrics(&handle))),
        );
    }
    cfg.service(public);
    // actix-web runs the last wrap first: the authentication, then the guard
    let admin_scope = scope::scope("/admin")
        .service(admin)
        .wrap_guard(RequireGroup("admin"));
    match auth.clone() {
        Auth::Cognito(auth) => cfg
            .service(scope::scope("/me").service(me).wrap_auth(auth.clone()))
            .service(admin_scope.wrap_auth(auth)),
        Auth::Alb(alb) => cfg
            .service(scope::scope("/me").service(me).wrap_auth(alb.clone()))
            .service(admin_scope.wrap_auth(alb)),
    };
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    // before the verifier is built: it registers its counters with the recorder of its build
    let metrics = metrics_from_env()?;
    let demo = demo_from_env().await?;
    // behind an ALB (SANCTUM_ALB_ARN) by its headers, else by bearer tokens
    let auth = match demo.alb.clone() {
        Some(alb) => Auth::Alb(AlbAuth::new(alb)),
        None => Auth::Cognito(CognitoAuth::new(demo.verifier.clone())),
    };
    serve(demo, auth, metrics).await
}

/// Serves the routes and `/openapi.json` until Ctrl-C.
async fn serve(
    mut demo: Demo,
    auth: Auth,
    metrics: Option<PrometheusHandle>,
) -> Result<(), Box<dyn Error>> {
    let server = HttpServer::new(move || {
        App::new()
            .into_utoipa_app()
            .configure(|cfg| routes(cfg, &auth, metrics.as_ref()))
            .openapi_service(|mut doc| {
                CognitoSecurity::new().modify(&mut doc);
                let doc = web::Data::new(doc);
                web::resource("/openapi.json").app_data(doc).get(
                    |doc: web::Data<utoipa::openapi::OpenApi>| async move {
                        HttpResponse::Ok().json(&**doc)
                    },
                )
            })
            .into_app()
    })
    .shutdown_signal(async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("cannot listen for Ctrl-C ({e}); stop the process another way");
            std::future::pending::<()>().await;
        }
    })
    // idle keep-alive connections must not hold the shutdown for long
    .shutdown_timeout(5)
    .bind(demo.addr)?;
    // SANCTUM_ADDR may ask for port 0: show the port actually bound
    demo.addr = server
        .addrs()
        .first()
        .copied()
        .ok_or("the server bound no address")?;
    demo.print_banner("actix-web");

    server.run().await?;
    eprintln!("shut down");
    Ok(())
}
