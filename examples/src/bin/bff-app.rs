//! The backend-for-frontend example: `cargo run -p sanctum-examples --bin bff-app`.
//!
//! The browser signs in with `POST /login` (SRP, `USER_PASSWORD_AUTH` or `USER_AUTH`, and the
//! challenges that follow) and never holds a token: the tokens live in a sanctum browser
//! session, behind a `__Host-sanctum-session` cookie, and the usual guards and extractors work
//! on cookie requests. Routes and configuration: [`sanctum_examples::bff`].

use sanctum_examples::bff::{BANNER, Bff};
use sanctum_examples::sessions::BoxError;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let bff = Bff::from_env().await?;
    let listener = tokio::net::TcpListener::bind(bff.addr()).await?;
    // SANCTUM_ADDR may ask for port 0: show the port actually bound
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    let upstream = std::env::var("SANCTUM_UPSTREAM_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| format!("{base}/upstream/whoami"));
    let app = bff.app(upstream)?;
    println!("{BANNER} {base}");
    println!("(a demo of sanctum, not a production service)");
    println!(
        "curl -i -c jar -H 'content-type: application/json' -d '{{\"username\":\"alice\",\"password\":\"...\"}}' {base}/login"
    );
    println!("curl -i -b jar {base}/me");
    println!("curl -i -b jar -H 'x-csrf: 1' -X POST {base}/logout");

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
