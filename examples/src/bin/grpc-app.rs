//! The gRPC example service: `cargo run -p sanctum-examples --bin grpc-app`.
//!
//! tonic services behind sanctum-axum's `CognitoAuthLayer::grpc()` and `RequireGroup`
//! (`sanctum_examples::grpc` lists the methods and who may call them); refusals are gRPC
//! statuses (`Unauthenticated`, `PermissionDenied`, `Unavailable`) with the reason as their
//! message. Configured from the environment as `sanctum_examples` describes (`SANCTUM_ADDR`
//! default `127.0.0.1:3000`; with `SANCTUM_ALB_ARN`, calls authenticate by the load balancer's
//! headers); with no `SANCTUM_*` configuration at all it runs on an embedded test issuer and
//! prints ready tokens. Stops cleanly on Ctrl-C.
//!
//! The same binary is a client, as no `.proto` file is needed:
//! `grpc-app call <url> <who-am-i|list-orders|welcome> [token]` prints the answer or the status.

use std::error::Error;

use sanctum_examples::demo_from_env;
use sanctum_examples::grpc::{Auth, DemoClient, serve};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [call, url, method, rest @ ..] = args.as_slice()
        && call == "call"
        && rest.len() <= 1
    {
        return client(url, method, rest.first().map(String::as_str)).await;
    }
    if !args.is_empty() {
        return Err(
            "usage: grpc-app | grpc-app call <url> <who-am-i|list-orders|welcome> [token]".into(),
        );
    }

    let mut demo = demo_from_env().await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(demo.addr).await?;
    // SANCTUM_ADDR may ask for port 0: show the port actually bound
    demo.addr = listener.local_addr()?;
    println!("sanctum gRPC demo listening on http://{} (h2c)", demo.addr);
    println!("(a demo of sanctum, not a production service)");
    if let Some(issuer) = &demo.embedded {
        let token = |groups: &[&str], scopes: &[&str]| {
            issuer
                .access_token()
                .username("demo-user")
                .groups(groups.iter().copied())
                .scopes(scopes.iter().copied())
                .expires_in_secs(12 * 3600)
                .build()
        };
        println!("running on the embedded test issuer; tokens valid for 12 h");
        println!();
        println!("ADMIN_TOKEN={}", token(&["admin"], &["orders/read"]));
        println!("USER_TOKEN={}", token(&[], &[]));
        println!();
        let me = "cargo run -p sanctum-examples --bin grpc-app -- call";
        let url = format!("http://{}", demo.addr);
        println!("{me} {url} who-am-i \"$USER_TOKEN\"");
        println!("{me} {url} list-orders \"$USER_TOKEN\"   # PermissionDenied");
        println!("{me} {url} welcome \"$ADMIN_TOKEN\"");
        println!("{me} {url} welcome                 # Unauthenticated");
    }
    let auth = match demo.alb.clone() {
        Some(alb) => Auth::Alb(alb),
        None => Auth::Bearer(demo.verifier.clone()),
    };
    serve(auth, listener, async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("cannot listen for Ctrl-C ({e}); stop the process another way");
            std::future::pending::<()>().await;
        }
    })
    .await?;
    eprintln!("shut down");
    Ok(())
}

/// `grpc-app call`: one call, its answer or its status on stdout.
async fn client(
    url: &str,
    method: &str,
    token: Option<&str>,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let mut client = DemoClient::connect(url.to_owned()).await?;
    let authorization = token.map(|token| format!("Bearer {token}"));
    let authorization = authorization.as_deref();
    let answer = match method {
        "who-am-i" => client
            .who_am_i(authorization)
            .await
            .map(|r| format!("{r:?}")),
        "list-orders" => client
            .list_orders(authorization)
            .await
            .map(|r| format!("{r:?}")),
        "welcome" => client
            .welcome(authorization)
            .await
            .map(|r| format!("{r:?}")),
        other => return Err(format!("unknown method {other:?}").into()),
    };
    match answer {
        Ok(answer) => println!("{answer}"),
        Err(status) => println!("{:?}: {}", status.code(), status.message()),
    }
    Ok(())
}
