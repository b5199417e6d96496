//! Shared set-up of the example services (`axum-app`, `actix-app`) and the `admin` CLI.
//!
//! The services read their configuration from the environment:
//!
//! | variable | meaning |
//! |---|---|
//! | `SANCTUM_REGION` | AWS region (default: the prefix of the pool id) |
//! | `SANCTUM_USER_POOL_ID` | user pool id (required once any `SANCTUM_*` setting is given) |
//! | `SANCTUM_CLIENT_ID` | app client id(s), comma-separated |
//! | `SANCTUM_JWKS_URL` | override of the JWKS URL |
//! | `SANCTUM_ISSUER` | override of the expected `iss` |
//! | `SANCTUM_ADDR` | listen address (default `127.0.0.1:3000`) |
//! | `SANCTUM_REDIS_URL` | a Redis URL: enforce the revocations shared there (sign-outs, disabled users, revoked refresh tokens) |
//! | `SANCTUM_ALB_ARN` | behind an Application Load Balancer with Cognito authentication: its ARN(s), comma-separated; `/me` and `/admin` then authenticate by the ALB's `x-amzn-oidc-data` header, `/admin` by the groups of the forwarded `x-amzn-oidc-accesstoken` (verified as usual) |
//! | `SANCTUM_METRICS` | `1`: serve sanctum's metrics at `GET /metrics` in Prometheus text ([`metrics_from_env`]) |
//! | `SANCTUM_ALB_KEYS_URL` | override of the ALB key endpoint's base URL (default `https://public-keys.auth.elb.{region}.amazonaws.com`) |
//!
//! These are demos. They fail closed: with no `SANCTUM_*` setting at all (but `SANCTUM_ADDR`)
//! they run on an embedded test issuer and print ready tokens; as soon as any other `SANCTUM_*`
//! variable is set, the pool id and client id are required and an unknown `SANCTUM_*` name
//! (a typo) is refused, so a deployment with one variable misspelt never runs open to the
//! embedded issuer's tokens.
//!
//! The `admin` CLI and `bff-app` ([`bff`]) read `SANCTUM_REGION`, `SANCTUM_USER_POOL_ID` and
//! `SANCTUM_CLIENT_ID` too, plus `SANCTUM_CLIENT_SECRET` (when the app client has a secret),
//! `SANCTUM_COGNITO_ENDPOINT` (an emulator such as moto), `SANCTUM_JWKS_URL` /
//! `SANCTUM_ISSUER` for the tokens' verifier, and `SANCTUM_PASSWORD_FLOW` (`srp`, the default,
//! or `user-password` for `USER_PASSWORD_AUTH`: moto's SRP answers are not real SRP)
//! ([`client_builder_from_env`]); AWS credentials come from the usual AWS chain.

pub mod bff;
pub mod grpc;
pub mod sessions;
pub mod web_app;

use std::error::Error;
use std::net::SocketAddr;

use sanctum_core::alb::AlbVerifier;
use sanctum_core::cognito::{PasswordFlow, SanctumClient, SanctumClientBuilder};
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
    /// With `SANCTUM_ALB_ARN`: the verifier of the ALB's headers (the access token verified by
    /// [`verifier`](Self::verifier)); the services then authenticate by those headers.
    pub alb: Option<AlbVerifier>,
}

/// What a [`SanctumClient`] is built from, as the `admin` CLI and `bff-app` take it: from the
/// environment ([`from_env`](Self::from_env)) or the CLI's flags. Empty values count as unset.
#[derive(Clone, Default)]
pub struct ClientSettings {
    /// `SANCTUM_USER_POOL_ID` (required).
    pub user_pool_id: Option<String>,
    /// `SANCTUM_CLIENT_ID` (required).
    pub client_id: Option<String>,
    /// `SANCTUM_REGION` (default: the pool id's prefix).
    pub region: Option<String>,
    /// `SANCTUM_CLIENT_SECRET`, when the app client has a secret.
    pub client_secret: Option<String>,
    /// `SANCTUM_COGNITO_ENDPOINT`: another endpoint (an emulator such as moto).
    pub endpoint: Option<String>,
    /// `SANCTUM_JWKS_URL`: where the verifier fetches the pool's keys.
    pub jwks_url: Option<String>,
    /// `SANCTUM_ISSUER`: the `iss` the verifier expects.
    pub issuer: Option<String>,
    /// `SANCTUM_PASSWORD_FLOW`: `srp` (the default) or `user-password`.
    pub password_flow: Option<String>,
}

impl std::fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSettings")
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field("region", &self.region)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("endpoint", &self.endpoint)
            .field("jwks_url", &self.jwks_url)
            .field("issuer", &self.issuer)
            .field("password_flow", &self.password_flow)
            .finish()
    }
}

impl ClientSettings {
    /// The settings of the `SANCTUM_*` variables.
    #[must_use]
    pub fn from_env() -> Self {
        let env = |name: &str| std::env::var(name).ok();
        Self {
            user_pool_id: env("SANCTUM_USER_POOL_ID"),
            client_id: env("SANCTUM_CLIENT_ID"),
            region: env("SANCTUM_REGION"),
            client_secret: env("SANCTUM_CLIENT_SECRET"),
            endpoint: env("SANCTUM_COGNITO_ENDPOINT"),
            jwks_url: env("SANCTUM_JWKS_URL"),
            issuer: env("SANCTUM_ISSUER"),
            password_flow: env("SANCTUM_PASSWORD_FLOW"),
        }
    }

    /// A [`SanctumClient`] builder with these settings.
    ///
    /// # Errors
    /// The name of a required variable that is not set, or of one whose value is not understood.
    pub fn builder(&self) -> Result<SanctumClientBuilder, String> {
        fn set(value: &Option<String>) -> Option<&str> {
            value.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let pool_id = set(&self.user_pool_id).ok_or("SANCTUM_USER_POOL_ID is not set")?;
        let client_id = set(&self.client_id).ok_or("SANCTUM_CLIENT_ID is not set")?;
        let mut builder = SanctumClient::builder(pool_id, client_id);
        if let Some(region) = set(&self.region) {
            builder = builder.region(region);
        }
        if let Some(secret) = set(&self.client_secret) {
            builder = builder.client_secret(secret);
        }
        if let Some(endpoint) = set(&self.endpoint) {
            builder = builder.endpoint_url(endpoint);
        }
        if let Some(url) = set(&self.jwks_url) {
            builder = builder.with_jwks_url(url);
        }
        if let Some(issuer) = set(&self.issuer) {
            builder = builder.with_issuer(issuer);
        }
        if let Some(flow) = set(&self.password_flow) {
            builder = builder.password_flow(match flow {
                "srp" => PasswordFlow::Srp,
                "user-password" => PasswordFlow::UserPassword,
                _ => return Err("SANCTUM_PASSWORD_FLOW must be srp or user-password".into()),
            });
        }
        Ok(builder)
    }
}

/// A [`SanctumClient`] builder from the environment, as `bff-app` reads it:
/// [`ClientSettings::from_env`], then [`ClientSettings::builder`].
///
/// # Errors
/// The name of a required variable that is not set, or of one whose value is not understood.
pub fn client_builder_from_env() -> Result<SanctumClientBuilder, String> {
    ClientSettings::from_env().builder()
}

/// Every `SANCTUM_*` variable the examples read.
pub const KNOWN_VARIABLES: [&str; 16] = [
    "SANCTUM_ADDR",
    "SANCTUM_METRICS",
    "SANCTUM_USER_POOL_ID",
    "SANCTUM_CLIENT_ID",
    "SANCTUM_REGION",
    "SANCTUM_JWKS_URL",
    "SANCTUM_ISSUER",
    "SANCTUM_CLIENT_SECRET",
    "SANCTUM_COGNITO_ENDPOINT",
    "SANCTUM_PASSWORD_FLOW",
    "SANCTUM_REDIS_URL",
    "SANCTUM_UPSTREAM_URL",
    "SANCTUM_ALB_ARN",
    "SANCTUM_ALB_KEYS_URL",
    "SANCTUM_LOGIN_DOMAIN",
    "SANCTUM_APP_URL",
];

/// With `SANCTUM_METRICS=1`, installs a Prometheus recorder (metrics-exporter-prometheus,
/// without its HTTP listener) and returns the handle that renders `/metrics`; call it before
/// the verifier is built, which registers its counters with the recorder installed then.
///
/// # Errors
/// A recorder is already installed.
pub fn metrics_from_env()
-> Result<Option<metrics_exporter_prometheus::PrometheusHandle>, Box<dyn Error>> {
    if std::env::var("SANCTUM_METRICS").as_deref() != Ok("1") {
        return Ok(None);
    }
    let handle = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()?;
    Ok(Some(handle))
}

/// The body of `GET /metrics`: the verified-token cache hits each thread has counted handed to
/// the recorder first ([`sanctum_core::observe::flush_metrics`], so the count is exact), then
/// the recorder's Prometheus text.
pub fn render_metrics(handle: &metrics_exporter_prometheus::PrometheusHandle) -> String {
    sanctum_core::observe::flush_metrics();
    handle.render()
}

/// Whether the environment configures a pool (any `SANCTUM_*` variable but `SANCTUM_ADDR`
/// and `SANCTUM_METRICS`);
/// when it does, it must do so completely: the error names what is missing or misspelt.
///
/// # Errors
/// An unknown `SANCTUM_*` variable, or a pool configuration without its pool or client id.
pub fn configured_pool(vars: &[(String, String)]) -> Result<bool, String> {
    let config: Vec<&(String, String)> = vars
        .iter()
        .filter(|(k, _)| k.starts_with("SANCTUM_") && k != "SANCTUM_ADDR" && k != "SANCTUM_METRICS")
        .collect();
    if config.is_empty() {
        return Ok(false);
    }
    if let Some((unknown, _)) = config
        .iter()
        .find(|(k, _)| !KNOWN_VARIABLES.contains(&k.as_str()))
    {
        return Err(format!(
            "unknown configuration variable {unknown} (a typo?); known: {}",
            KNOWN_VARIABLES.join(", ")
        ));
    }
    let set = |name: &str| {
        config
            .iter()
            .any(|(k, v)| k == name && !v.trim().is_empty())
    };
    let missing: Vec<&str> = ["SANCTUM_USER_POOL_ID", "SANCTUM_CLIENT_ID"]
        .into_iter()
        .filter(|name| !set(name))
        .collect();
    if missing.is_empty() {
        Ok(true)
    } else {
        Err(format!(
            "refusing to start: a pool is configured (SANCTUM_* is set) but {} is missing or \
             empty; unset every SANCTUM_* variable to run the demo on its embedded test issuer",
            missing.join(" and ")
        ))
    }
}

/// Reads the configuration from the environment; with no `SANCTUM_*` configuration at all,
/// starts the embedded test issuer (JWKS on 127.0.0.1) instead (see [`configured_pool`]).
///
/// # Errors
/// A bad address, an incomplete or misspelt pool configuration, a bad pool, or an issuer that
/// cannot start.
pub async fn demo_from_env() -> Result<Demo, Box<dyn Error>> {
    let addr: SocketAddr = std::env::var("SANCTUM_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()
        .map_err(|e| format!("SANCTUM_ADDR: {e}"))?;
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().unwrap_or_default())))
        .collect();
    let pool_id = std::env::var("SANCTUM_USER_POOL_ID").unwrap_or_default();
    match configured_pool(&vars)? {
        true => {
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
            let pool_for_alb = pool.clone();
            let mut builder = Verifier::builder().pool(pool);
            if let Ok(url) = std::env::var("SANCTUM_REDIS_URL")
                && !url.trim().is_empty()
            {
                let revocations = sanctum_core::revocation::RedisRevocations::start(&url)?;
                builder = builder.revocations(revocations);
            }
            let verifier = builder.build()?;
            if let Err(e) = verifier.prefetch().await {
                eprintln!("warning: could not prefetch the signing keys yet: {e}");
            }
            let alb = alb_from_env(pool_for_alb, &verifier)?;
            Ok(Demo {
                verifier,
                addr,
                embedded: None,
                alb,
            })
        }
        false => {
            let issuer = TestIssuer::start().await?;
            let verifier = issuer.verifier();
            verifier.prefetch().await?;
            Ok(Demo {
                verifier,
                addr,
                embedded: Some(issuer),
                alb: None,
            })
        }
    }
}

/// With `SANCTUM_ALB_ARN` set: the verifier of the ALB headers for `pool`, the access token
/// verified by `verifier`, keys from `SANCTUM_ALB_KEYS_URL` when set.
///
/// # Errors
/// A bad ARN, load balancers in several regions, or a bad key URL.
pub fn alb_from_env(pool: UserPool, verifier: &Verifier) -> Result<Option<AlbVerifier>, String> {
    let Some(arns) = std::env::var("SANCTUM_ALB_ARN")
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(None);
    };
    let mut builder = AlbVerifier::builder()
        .load_balancer_arns(
            arns.split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned),
        )
        .pool(pool)
        .access_token(verifier.clone());
    if let Ok(url) = std::env::var("SANCTUM_ALB_KEYS_URL")
        && !url.trim().is_empty()
    {
        builder = builder.keys_url(url.trim());
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| format!("SANCTUM_ALB_ARN: {e}"))
}

impl Demo {
    /// Prints how to try the service; on the embedded issuer, with ready tokens and curl lines.
    pub fn print_banner(&self, framework: &str) {
        let base = format!("http://{}", self.addr);
        println!("sanctum {framework} demo listening on {base}");
        println!("(a demo of sanctum, not a production service)");
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
                    "running on the embedded test issuer (no AWS account needed; no SANCTUM_* \
                     configuration was given); tokens valid for 12 h"
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
            None if self.alb.is_some() => {
                println!("authenticating by the load balancer's headers (SANCTUM_ALB_ARN)");
                println!("curl -i {base}/public");
                println!(
                    "curl -i -H \"x-amzn-oidc-data: <ALB token>\" -H \"x-amzn-oidc-accesstoken: <access token>\" {base}/me"
                );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_embedded_issuer_only_without_any_configuration() {
        assert_eq!(configured_pool(&vars(&[])), Ok(false));
        assert_eq!(
            configured_pool(&vars(&[("SANCTUM_ADDR", "127.0.0.1:0"), ("HOME", "/")])),
            Ok(false)
        );
        assert_eq!(
            configured_pool(&vars(&[
                ("SANCTUM_USER_POOL_ID", "us-east-1_AbC"),
                ("SANCTUM_CLIENT_ID", "abc")
            ])),
            Ok(true)
        );
    }

    #[test]
    fn an_incomplete_or_misspelt_configuration_refuses_to_start() {
        let err = configured_pool(&vars(&[("SANCTUM_CLIENT_ID", "abc")])).unwrap_err();
        assert!(err.contains("SANCTUM_USER_POOL_ID"), "{err}");
        let err = configured_pool(&vars(&[("SANCTUM_USER_POOL_ID", "")])).unwrap_err();
        assert!(
            err.contains("SANCTUM_USER_POOL_ID and SANCTUM_CLIENT_ID"),
            "{err}"
        );
        let err = configured_pool(&vars(&[
            ("SANCTUM_USERPOOL_ID", "us-east-1_AbC"),
            ("SANCTUM_CLIENT_ID", "abc"),
        ]))
        .unwrap_err();
        assert!(err.contains("SANCTUM_USERPOOL_ID"), "{err}");
    }
}
