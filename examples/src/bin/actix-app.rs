//! The actix-web example service: `cargo run -p sanctum-examples --bin actix-app`.
//!
//! Routes: `GET /public` (no token), `GET /me` (any valid access token; the caller's claims as
//! JSON), `GET /admin` (members of the `admin` group). Configured from the environment as
//! `sanctum_examples` describes; with no `SANCTUM_*` configuration at all it runs on an embedded test
//! issuer and prints ready tokens; with `SANCTUM_ALB_ARN` it authenticates by the headers of
//! an Application Load Balancer with Cognito authentication. Stops cleanly on Ctrl-C. The same
//! service as `axum-app`.

use std::error::Error;

use actix_web::{App, HttpResponse, HttpServer, web};
use metrics_exporter_prometheus::PrometheusHandle;
use sanctum_actix::{AlbAuth, CognitoAuth, CognitoUser, RequireGroup};
use sanctum_examples::{Demo, demo_from_env, me_json, metrics_from_env};
use tracing_subscriber::EnvFilter;

async fn public() -> &'static str {
    "public: no token needed\n"
}

async fn me(user: CognitoUser) -> HttpResponse {
    HttpResponse::Ok().json(me_json(&user))
}

async fn admin(user: CognitoUser) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "message": "welcome to the admin area",
        "username": user.username(),
    }))
}

/// The routes behind `$auth` (`CognitoAuth`, or `AlbAuth` behind a load balancer), and
/// `/metrics` when `$metrics` holds a Prometheus handle.
macro_rules! routes {
    ($auth:expr, $metrics:expr) => {{
        let auth = $auth;
        let metrics: Option<PrometheusHandle> = $metrics;
        move |cfg: &mut web::ServiceConfig| {
            if let Some(handle) = metrics.clone() {
                cfg.route(
                    "/metrics",
                    web::get().to(move || std::future::ready(handle.render())),
                );
            }
            cfg.route("/public", web::get().to(public))
                .service(web::resource("/me").wrap(auth.clone()).get(me))
                .service(
                    web::resource("/admin")
                        // actix-web runs the last .wrap() first: the auth, then the guard
                        .wrap(RequireGroup("admin"))
                        .wrap(auth.clone())
                        .get(admin),
                );
        }
    }};
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
    match demo.alb.clone() {
        Some(alb) => serve(demo, routes!(AlbAuth::new(alb), metrics)).await,
        None => {
            let auth = CognitoAuth::new(demo.verifier.clone());
            serve(demo, routes!(auth, metrics)).await
        }
    }
}

/// Serves `routes` until Ctrl-C.
async fn serve<F>(mut demo: Demo, routes: F) -> Result<(), Box<dyn Error>>
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let server = HttpServer::new(move || App::new().configure(routes.clone()))
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
