//! Shared set-up of the example services (`axum-app`, `actix-app`) and the `admin` CLI.
//!
//! The services read their configuration from the environment:
//!
//! | variable | meaning |
//! |---|---|
//! | `SANCTUM_REGION` | AWS region (default: the prefix of the pool id) |
//! | `SANCTUM_USER_POOL_ID` | user pool id; unset: run on the embedded test issuer |
//! | `SANCTUM_CLIENT_ID` | app client id(s), comma-separated |
//! | `SANCTUM_JWKS_URL` | override of the JWKS URL |
//! | `SANCTUM_ISSUER` | override of the expected `iss` |
//! | `SANCTUM_ADDR` | listen address (default `127.0.0.1:3000`) |
//!
//! The `admin` CLI reads `SANCTUM_REGION`, `SANCTUM_USER_POOL_ID` and `SANCTUM_CLIENT_ID` too, plus
//! `SANCTUM_CLIENT_SECRET` (when the app client has a secret), `SANCTUM_COGNITO_ENDPOINT` (an
//! emulator such as moto), and `SANCTUM_JWKS_URL` / `SANCTUM_ISSUER` for its `verify` command;
//! AWS credentials come from the usual AWS chain.

use std::error::Error;
use std::net::SocketAddr;

use sanctum_core::testing::TestIssuer;
use sanctum_core::{CognitoClaims, UserPool, Verifier};

/// Everything a demo service needs to start.
#[derive(Debug)]
pub struct Demo {
    /// The verifier for the configured (or embedded) pool.
    pub verifier: Verifier,
    /// Where to listen.
    pub addr: SocketAddr,
    /// The embedded issuer, when no pool is configured; kept alive while the service runs.
    pub embedded: Option<TestIssuer>,
}

/// Reads the configuration from the environment; without `SANCTUM_USER_POOL_ID`, starts the
/// embedded test issuer (JWKS on 127.0.0.1) instead.
///
/// # Errors
/// A bad address, a bad pool configuration, or an issuer that cannot start.
pub async fn demo_from_env() -> Result<Demo, Box<dyn Error>> {
    let addr: SocketAddr = std::env::var("SANCTUM_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()
        .map_err(|e| format!("SANCTUM_ADDR: {e}"))?;
    match std::env::var("SANCTUM_USER_POOL_ID") {
        Ok(pool_id) if !pool_id.is_empty() => {
            let region = std::env::var("SANCTUM_REGION")
                .ok()
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| pool_id.split('_').next().unwrap_or_default().to_owned());
            let mut pool = UserPool::new(pool_id).with_region(region).client_ids(
                std::env::var("SANCTUM_CLIENT_ID")
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            );
            if let Ok(url) = std::env::var("SANCTUM_JWKS_URL") {
                pool = pool.with_jwks_url(url);
            }
            if let Ok(issuer) = std::env::var("SANCTUM_ISSUER") {
                pool = pool.with_issuer(issuer);
            }
            let verifier = Verifier::builder().pool(pool).build()?;
            if let Err(e) = verifier.prefetch().await {
                eprintln!("warning: could not prefetch the signing keys yet: {e}");
            }
            Ok(Demo {
                verifier,
                addr,
                embedded: None,
            })
        }
        _ => {
            let issuer = TestIssuer::start().await?;
            let verifier = issuer.verifier();
            verifier.prefetch().await?;
            Ok(Demo {
                verifier,
                addr,
                embedded: Some(issuer),
            })
        }
    }
}

impl Demo {
    /// Prints how to try the service; on the embedded issuer, with ready tokens and curl lines.
    pub fn print_banner(&self, framework: &str) {
        let base = format!("http://{}", self.addr);
        println!("sanctum {framework} demo listening on {base}");
        match &self.embedded {
            Some(issuer) => {
                let admin = issuer
                    .access_token()
                    .username("demo-admin")
                    .groups(["admin"])
                    .expires_in_secs(12 * 3600)
                    .build();
                let user = issuer
                    .access_token()
                    .username("demo-user")
                    .expires_in_secs(12 * 3600)
                    .build();
                println!(
                    "running on the embedded test issuer (no AWS account needed); tokens valid for 12 h"
                );
                println!();
                println!("ADMIN_TOKEN={admin}");
                println!("USER_TOKEN={user}");
                println!();
                println!("curl -i {base}/public");
                println!("curl -i -H \"Authorization: Bearer $USER_TOKEN\" {base}/me");
                println!("curl -i -H \"Authorization: Bearer $USER_TOKEN\" {base}/admin   # 403");
                println!("curl -i -H \"Authorization: Bearer $ADMIN_TOKEN\" {base}/admin  # 200");
            }
            None => {
                println!("curl -i {base}/public");
                println!("curl -i -H \"Authorization: Bearer <access token>\" {base}/me");
            }
        }
    }
}

/// The JSON the `/me` route answers.
#[must_use]
pub fn me_json(claims: &CognitoClaims) -> serde_json::Value {
    serde_json::json!({
        "username": claims.username(),
        "sub": claims.sub(),
        "groups": claims.groups().collect::<Vec<_>>(),
        "scopes": claims.scopes().collect::<Vec<_>>(),
        "client_id": claims.client_id(),
        "token_use": claims.token_use().as_str(),
    })
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
