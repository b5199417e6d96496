//! `bench-server`: the servers of sanctum's HTTP load comparison (`scripts/bench-http.sh`).
//!
//! ```text
//! bench-server mint <dir>              write <dir>/jwks.json and <dir>/token.txt
//! bench-server <variant> <addr> <dir>  serve GET /hello on <addr>
//! bench-server variants                list the variants this build serves
//! ```
//!
//! Every variant serves the same trivial route on a single-threaded runtime (one core), and
//! every authenticated variant checks the same token against the same key, read from
//! `<dir>/jwks.json`, with the same rules: RS256, issuer, expiry, `token_use` `access` and the
//! app client. Before serving, each authenticated variant verifies `<dir>/token.txt` once and
//! refuses to start if it does not pass, so a misconfigured server is never measured.
//!
//! Variants:
//! - `axum-noauth`, `axum-layer` (sanctum-axum `CognitoAuthLayer`, token cache on),
//!   `axum-layer-nocache` (cache off: a full verification per request),
//!   `axum-layer-revocation` (cache on, and an `InMemoryRevocations` store holding
//!   [`REVOCATIONS`] entries, one of them for the token's own `sub` from before its `iat`,
//!   so every request looks its subject up and compares);
//! - `axum-admin`: the demo's `/admin` route (issue 22) — `CognitoAuthLayer` (cache on),
//!   `RequireGroup("admin")`, and a handler answering a small JSON object built from the
//!   `CognitoUser` extractor; `axum-admin-noauth`: the same JSON answer without auth (the
//!   baseline that leaves only sanctum's share in the difference);
//! - `actix-noauth`, `actix-middleware` (sanctum-actix `CognitoAuth`, cache on);
//! - `actix-admin`, `actix-admin-noauth`: the `/admin` route and its baseline in actix-web;
//! - `axum-admin-one-layer`, `actix-admin-one-layer`: the same `/admin` route with the group
//!   checked by the auth layer itself (`CognitoAuthLayer::new(v).require(RequireGroup("admin"))`,
//!   `CognitoAuth::new(v).require(RequireGroup("admin"))`): one layer instead of two;
//! - `axum-admin-handler-layers`: `axum-admin`'s guard and auth layer on the handler
//!   (`Handler::layer`) instead of `route_layer` (axum builds the layered service per request,
//!   with no boxed clone of the route per layer; also built against the wave-1 libraries);
//!   `axum-admin-handler-one-layer`: the same with `require` (one handler layer);
//! - `jwt-authorizer` (jwt-authorizer 0.15 on axum 0.7, keys from the same JWKS file);
//! - `axum07-noauth`: axum 0.7 without auth, the baseline jwt-authorizer runs on.
//!
//! - with feature `sessions` (issue 23): `axum-session-bearer` / `axum-session-cookie` and
//!   `actix-session-bearer` / `actix-session-cookie`, one server each pair: the `/admin` route
//!   (`RequireGroup("admin")`, the JSON handler) behind the auth layer with the browser session
//!   as a token source (`CognitoAuthLayer::session` / `CognitoAuth::session`; axum also the
//!   session layer) over the in-memory session store, which holds one signed-in session for the
//!   minted token. The server writes that session's `Cookie` header value to
//!   `<dir>/<variant>.cookie` before it listens; the script sends it for `*-session-cookie` and
//!   the bearer token for `*-session-bearer`: the same route, app and token, by cookie or header.
//!
//! - with feature `alb` (issue 22 item 5): `axum-alb` / `actix-alb`, the `/admin` route
//!   (`RequireGroup("admin")` and the JSON handler) behind `AlbAuthLayer` / `AlbAuth` as the
//!   `*-admin` variants have theirs: an Application Load Balancer look-alike
//!   (`AlbTestIssuer`, its key served on 127.0.0.1 from a thread of the server's own) signs an
//!   `x-amzn-oidc-data` token for the minted token's user, and the server writes the three ALB
//!   headers (that token, the access token as `x-amzn-oidc-accesstoken`, the user's `sub` as
//!   `x-amzn-oidc-identity`) to `<dir>/<variant>.alb` before it listens; `axum-alb-noauth` /
//!   `actix-alb-noauth` answer the same JSON without auth to the same headers.
//!
//! Feature `wave1-api` builds the same servers against the library API of the end of wave 1
//! (commit cc3565c: `UserPool::new(region, pool)`, no revocation store), so that
//! `scripts/bench-http.sh` can measure an old build with this very harness
//! (`BENCH_HTTP_BASELINE`); the variants that build lacks are left out of `variants`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[cfg(not(feature = "wave1-api"))]
use sanctum_core::revocation::{InMemoryRevocations, Revocation, RevocationStore as _};
use sanctum_core::testing::{TEST_CLIENT_ID, TEST_POOL_ID, TestIssuer};
use sanctum_core::{UserPool, Verifier, VerifierBuilder};
use serde::Deserialize;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const VARIANTS: &[&str] = &[
    "axum-noauth",
    "axum-layer",
    "axum-layer-nocache",
    #[cfg(not(feature = "wave1-api"))]
    "axum-layer-revocation",
    "axum-admin",
    "axum-admin-noauth",
    #[cfg(not(feature = "wave1-api"))]
    "axum-admin-one-layer",
    "axum-admin-handler-layers",
    #[cfg(not(feature = "wave1-api"))]
    "axum-admin-handler-one-layer",
    "actix-noauth",
    "actix-middleware",
    "actix-admin",
    "actix-admin-noauth",
    #[cfg(not(feature = "wave1-api"))]
    "actix-admin-one-layer",
    "jwt-authorizer",
    "axum07-noauth",
    #[cfg(feature = "wave3")]
    "axum-admin-metrics",
    #[cfg(feature = "wave3")]
    "actix-admin-metrics",
    #[cfg(feature = "wave3")]
    "axum-admin-traced",
    #[cfg(feature = "wave3")]
    "axum-admin-noauth-traced",
    #[cfg(feature = "sessions")]
    "axum-session-bearer",
    #[cfg(feature = "sessions")]
    "axum-session-cookie",
    #[cfg(feature = "sessions")]
    "actix-session-bearer",
    #[cfg(feature = "sessions")]
    "actix-session-cookie",
    #[cfg(feature = "alb")]
    "axum-alb",
    #[cfg(feature = "alb")]
    "axum-alb-noauth",
    #[cfg(feature = "alb")]
    "actix-alb",
    #[cfg(feature = "alb")]
    "actix-alb-noauth",
];

/// How many revocations the `axum-layer-revocation` store holds.
#[cfg(not(feature = "wave1-api"))]
const REVOCATIONS: usize = 1000;

/// How long minted tokens stay valid: long enough for any run of the script.
const TOKEN_LIFETIME_SECS: i64 = 12 * 3600;

fn usage() -> ExitCode {
    eprintln!(
        "usage: bench-server mint <dir>\n       bench-server <variant> <addr> <dir>\n       bench-server variants\nvariants: {}",
        VARIANTS.join(", ")
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [cmd] if cmd == "variants" => {
            println!("{}", VARIANTS.join(" "));
            Ok(())
        }
        [cmd, dir] if cmd == "mint" => mint(Path::new(dir)),
        [variant, addr, dir] if VARIANTS.contains(&variant.as_str()) => {
            match addr.parse::<SocketAddr>() {
                Ok(addr) => serve(variant, addr, Path::new(dir)),
                Err(e) => Err(format!("bad address {addr:?}: {e}").into()),
            }
        }
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn current_thread() -> Result<tokio::runtime::Runtime, BoxError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Starts a test issuer just long enough to mint one realistic (~1.2 KB) Cognito access token
/// and to write it and the issuer's JWKS into `dir`.
fn mint(dir: &Path) -> Result<(), BoxError> {
    std::fs::create_dir_all(dir)?;
    let (jwks, token) = current_thread()?.block_on(async {
        let issuer = TestIssuer::start().await?;
        // The same shape as sanctum-core's criterion bench: groups, six scopes, device key.
        let token = issuer
            .access_token()
            .username(USERNAME)
            .groups(["admin", "us-east-1_SanctumTest_Google", "billing-readers"])
            .scopes([
                "aws.cognito.signin.user.admin",
                "phone",
                "openid",
                "profile",
                "email",
                "https://api.example.com/orders.read",
            ])
            .claim(
                "device_key",
                "us-east-1_2b1e8c4d-6f0a-4b3c-9d8e-7f6a5b4c3d2e",
            )
            .claim("version", 2)
            .expires_in_secs(TOKEN_LIFETIME_SECS)
            .build();
        Ok::<_, BoxError>((issuer.jwks_json(), token))
    })?;
    std::fs::write(dir.join("jwks.json"), &jwks)?;
    std::fs::write(dir.join("token.txt"), &token)?;
    eprintln!(
        "minted a {}-byte access token valid {} h into {}",
        token.len(),
        TOKEN_LIFETIME_SECS / 3600,
        dir.display()
    );
    Ok(())
}

struct Material {
    jwks_path: PathBuf,
    jwks: String,
    token: String,
}

impl Material {
    fn load(dir: &Path) -> Result<Self, BoxError> {
        let jwks_path = dir.join("jwks.json");
        let jwks = std::fs::read_to_string(&jwks_path)
            .map_err(|e| format!("{}: {e}", jwks_path.display()))?;
        let token_path = dir.join("token.txt");
        let token = std::fs::read_to_string(&token_path)
            .map_err(|e| format!("{}: {e}", token_path.display()))?
            .trim()
            .to_owned();
        Ok(Self {
            jwks_path,
            jwks,
            token,
        })
    }

    /// The test pool, in the library API of this build.
    fn pool() -> UserPool {
        #[cfg(not(feature = "wave1-api"))]
        return UserPool::new(TEST_POOL_ID);
        #[cfg(feature = "wave1-api")]
        return UserPool::new(sanctum_core::testing::TEST_REGION, TEST_POOL_ID);
    }

    fn issuer() -> String {
        Self::pool().issuer()
    }

    /// A builder for the test pool and client, keys from the JWKS file (never fetched).
    fn builder(&self, token_cache: bool) -> VerifierBuilder {
        Verifier::builder()
            .pool(
                Self::pool()
                    .client_id(TEST_CLIENT_ID)
                    .with_jwks_document(self.jwks.clone()),
            )
            .token_cache(token_cache)
    }

    /// Builds the verifier and checks that it accepts the minted token.
    async fn checked(&self, builder: VerifierBuilder) -> Result<Verifier, BoxError> {
        let verifier = builder.build()?;
        verifier
            .verify_access(&self.token)
            .await
            .map_err(|e| format!("sanctum refuses the minted token: {e}"))?;
        Ok(verifier)
    }

    /// A sanctum verifier for the test pool and client, keys from the JWKS file (never fetched).
    async fn sanctum_verifier(&self, token_cache: bool) -> Result<Verifier, BoxError> {
        self.checked(self.builder(token_cache)).await
    }

    /// A store of [`REVOCATIONS`] entries (other users' sign-outs and revoked sessions, and
    /// one sign-out of the token's own user from before it was issued): none covers the token.
    #[cfg(not(feature = "wave1-api"))]
    async fn revocations(&self) -> Result<Arc<InMemoryRevocations>, BoxError> {
        let claims = self
            .sanctum_verifier(false)
            .await?
            .verify_access(&self.token)
            .await?;
        let store = Arc::new(InMemoryRevocations::new());
        let now = std::time::SystemTime::now();
        for i in 1..REVOCATIONS / 2 {
            store.record(Revocation::signed_out_at(format!("other-user-{i}"), now));
        }
        for i in 0..REVOCATIONS / 2 {
            store.record(Revocation::refresh_token_revoked(format!(
                "other-session-{i}"
            )));
        }
        store.record(Revocation::Subject {
            sub: claims.sub().to_owned(),
            before: claims.iat().unwrap_or(0),
        });
        Ok(store)
    }
}

fn serve(variant: &str, addr: SocketAddr, dir: &Path) -> Result<(), BoxError> {
    let material = Material::load(dir)?;
    #[cfg(feature = "wave3")]
    wave3::install(variant)?;
    match variant {
        #[cfg(feature = "sessions")]
        "actix-session-bearer" | "actix-session-cookie" => {
            sessions::actix(variant, addr, dir, &material)
        }
        #[cfg(feature = "alb")]
        "axum-alb" | "axum-alb-noauth" => alb::axum(variant, addr, dir, &material),
        #[cfg(feature = "alb")]
        "actix-alb" | "actix-alb-noauth" => alb::actix(variant, addr, dir, &material),
        "actix-noauth" | "actix-admin-noauth" => actix(variant, addr, None),
        "actix-middleware" | "actix-admin" | "actix-admin-metrics" | "actix-admin-one-layer" => {
            let verifier = current_thread()?.block_on(material.sanctum_verifier(true))?;
            actix(variant, addr, Some(verifier))
        }
        _ => current_thread()?.block_on(serve_tokio(variant, addr, dir, &material)),
    }
}

async fn hello() -> &'static str {
    "hello"
}

/// The username in the minted token, which the `/admin` answer repeats.
const USERNAME: &str = "4d7f2a4e-8f0a-4c0e-9a57-2b7c1a0e5f11";

/// The demo's `/admin` answer (examples/src/bin/*-app.rs).
fn admin_json(username: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "message": "welcome to the admin area",
        "username": username,
    })
}

async fn axum_admin(user: sanctum_axum::CognitoUser) -> axum::Json<serde_json::Value> {
    axum::Json(admin_json(user.username()))
}

async fn axum_admin_noauth() -> axum::Json<serde_json::Value> {
    axum::Json(admin_json(Some(USERNAME)))
}

async fn actix_admin(user: sanctum_actix::CognitoUser) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(admin_json(user.username()))
}

async fn actix_admin_noauth() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(admin_json(Some(USERNAME)))
}

async fn serve_tokio(
    variant: &str,
    addr: SocketAddr,
    #[cfg_attr(not(feature = "sessions"), allow(unused_variables))] dir: &Path,
    material: &Material,
) -> Result<(), BoxError> {
    use axum::Router;
    use axum::routing::get;
    use sanctum_axum::{CognitoAuthLayer, RequireGroup};

    let app = match variant {
        "axum-noauth" => Router::new().route("/hello", get(hello)),
        "axum-admin-noauth" => Router::new().route("/hello", get(axum_admin_noauth)),
        "axum-admin" | "axum-admin-metrics" => {
            let verifier = material.sanctum_verifier(true).await?;
            Router::new()
                .route("/hello", get(axum_admin).route_layer(RequireGroup("admin")))
                .route_layer(CognitoAuthLayer::new(verifier))
        }
        #[cfg(not(feature = "wave1-api"))]
        "axum-admin-one-layer" => {
            let verifier = material.sanctum_verifier(true).await?;
            Router::new()
                .route("/hello", get(axum_admin))
                .route_layer(CognitoAuthLayer::new(verifier).require(RequireGroup("admin")))
        }
        // the guard and the auth layer on the handler (`Handler::layer`) rather than on the route
        "axum-admin-handler-layers" => {
            use axum::handler::Handler as _;
            let verifier = material.sanctum_verifier(true).await?;
            Router::new().route(
                "/hello",
                get(axum_admin
                    .layer(RequireGroup("admin"))
                    .layer(CognitoAuthLayer::new(verifier))),
            )
        }
        #[cfg(not(feature = "wave1-api"))]
        "axum-admin-handler-one-layer" => {
            use axum::handler::Handler as _;
            let verifier = material.sanctum_verifier(true).await?;
            Router::new().route(
                "/hello",
                get(axum_admin
                    .layer(CognitoAuthLayer::new(verifier).require(RequireGroup("admin")))),
            )
        }
        "axum-layer" | "axum-layer-nocache" => {
            let verifier = material.sanctum_verifier(variant == "axum-layer").await?;
            Router::new()
                .route("/hello", get(hello))
                .route_layer(CognitoAuthLayer::new(verifier))
        }
        #[cfg(not(feature = "wave1-api"))]
        "axum-layer-revocation" => {
            let store = material.revocations().await?;
            let verifier = material
                .checked(material.builder(true).revocations(store))
                .await?;
            Router::new()
                .route("/hello", get(hello))
                .route_layer(CognitoAuthLayer::new(verifier))
        }
        #[cfg(feature = "wave3")]
        "axum-admin-traced" => {
            let verifier = material.sanctum_verifier(true).await?;
            wave3::traced(
                Router::new()
                    .route("/hello", get(axum_admin).route_layer(RequireGroup("admin")))
                    .route_layer(CognitoAuthLayer::new(verifier)),
            )
        }
        #[cfg(feature = "wave3")]
        "axum-admin-noauth-traced" => {
            wave3::traced(Router::new().route("/hello", get(axum_admin_noauth)))
        }
        #[cfg(feature = "sessions")]
        "axum-session-bearer" | "axum-session-cookie" => {
            sessions::axum_router(variant, dir, material).await?
        }
        "jwt-authorizer" => return serve_jwt_authorizer(addr, material).await,
        "axum07-noauth" => {
            let app = axum07::Router::new().route("/hello", axum07::routing::get(hello));
            let listener = tokio::net::TcpListener::bind(addr).await?;
            ready(variant, addr);
            axum07::serve(listener, app).await?;
            return Ok(());
        }
        other => return Err(format!("unknown variant {other}").into()),
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    ready(variant, addr);
    axum::serve(listener, app).await?;
    Ok(())
}

/// The claims jwt-authorizer decodes: what sanctum's `CognitoClaims` carries of an access token.
#[derive(Debug, Clone, Deserialize)]
#[allow(dead_code)] // decoded as sanctum decodes them; the route does not read them
struct CognitoAccessClaims {
    sub: String,
    iss: String,
    token_use: String,
    client_id: String,
    exp: u64,
    iat: u64,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(rename = "cognito:groups", default)]
    groups: Vec<String>,
}

async fn serve_jwt_authorizer(addr: SocketAddr, material: &Material) -> Result<(), BoxError> {
    use jwt_authorizer::{Authorizer, IntoLayer, JwtAuthorizer, Validation};

    // The same rules as sanctum: RS256 only (the JWK's `alg`, which jwt-authorizer then allows
    // alone), exact issuer, exp and nbf with no leeway, an access token of our app client
    // (Cognito access tokens carry `client_id`, not `aud`).
    let path = material
        .jwks_path
        .to_str()
        .ok_or("JWKS path is not UTF-8")?;
    let authorizer: Authorizer<CognitoAccessClaims> = JwtAuthorizer::from_jwks(path)
        .validation(
            Validation::new()
                .iss(&[Material::issuer()])
                .nbf(true)
                .leeway(0),
        )
        .check(|c: &CognitoAccessClaims| c.token_use == "access" && c.client_id == TEST_CLIENT_ID)
        .build()
        .await?;
    let authorizer = Arc::new(authorizer);
    authorizer
        .check_auth(&material.token)
        .await
        .map_err(|e| format!("jwt-authorizer refuses the minted token: {e}"))?;

    let app = axum07::Router::new()
        .route("/hello", axum07::routing::get(hello))
        .layer(authorizer.into_layer());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    ready("jwt-authorizer", addr);
    axum07::serve(listener, app).await?;
    Ok(())
}

/// Serves the actix-web app factory `$app` at `$addr` with the server settings every actix
/// variant shares (one worker, backlog 1024, no signal handling): only the middleware and
/// handler differ. Inside an async block on actix's runtime; evaluates to the server's result.
macro_rules! actix_serve {
    ($variant:expr, $addr:expr, $app:expr) => {{
        let server = actix_web::HttpServer::new($app)
            .workers(1)
            .backlog(1024)
            .disable_signals()
            .bind($addr)?
            .run();
        crate::ready($variant, $addr);
        server.await
    }};
}

/// actix-web with one worker (plus actix's accept thread), on the caller's thread.
fn actix(variant: &str, addr: SocketAddr, verifier: Option<Verifier>) -> Result<(), BoxError> {
    use actix_web::{App, web};
    use sanctum_actix::{CognitoAuth, RequireGroup};

    macro_rules! run {
        ($app:expr) => {
            actix_serve!(variant, addr, $app)
        };
    }

    let admin = variant.starts_with("actix-admin");
    actix_web::rt::System::new().block_on(async move {
        match (verifier, admin) {
            (None, false) => {
                run!(|| { App::new().service(web::resource("/hello").route(web::get().to(hello))) })
            }
            (None, true) => run!(|| {
                App::new().service(web::resource("/hello").route(web::get().to(actix_admin_noauth)))
            }),
            (Some(verifier), false) => run!(move || {
                App::new().service(
                    web::resource("/hello")
                        .wrap(CognitoAuth::new(verifier.clone()))
                        .route(web::get().to(hello)),
                )
            }),
            #[cfg(not(feature = "wave1-api"))]
            (Some(verifier), true) if variant == "actix-admin-one-layer" => run!(move || {
                App::new().service(
                    web::resource("/hello")
                        .wrap(CognitoAuth::new(verifier.clone()).require(RequireGroup("admin")))
                        .route(web::get().to(actix_admin)),
                )
            }),
            (Some(verifier), true) => run!(move || {
                App::new().service(
                    web::resource("/hello")
                        .wrap(RequireGroup("admin"))
                        .wrap(CognitoAuth::new(verifier.clone()))
                        .route(web::get().to(actix_admin)),
                )
            }),
        }
    })?;
    Ok(())
}

fn ready(variant: &str, addr: SocketAddr) {
    eprintln!("bench-server {variant} listening on http://{addr}/hello");
}

/// Wave 3's observability, switched on for the variants that count its cost.
#[cfg(feature = "wave3")]
mod wave3 {
    use super::BoxError;

    /// Before any verifier is built (it registers its counters with the recorder installed
    /// then): a Prometheus recorder for `*-metrics`, a tracing subscriber that records span
    /// fields (fmt, to nowhere, spans at INFO) for `*-traced`.
    pub(super) fn install(variant: &str) -> Result<(), BoxError> {
        if variant.ends_with("-metrics") {
            let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
            metrics::set_global_recorder(recorder).map_err(|e| format!("recorder: {e}"))?;
        }
        if variant.ends_with("-traced") {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::INFO)
                .with_writer(std::io::sink)
                .finish();
            tracing::subscriber::set_global_default(subscriber)?;
        }
        Ok(())
    }

    /// The demo's request span (`sanctum_core::observe::request_span`), which declares the
    /// fields sanctum records after a verification.
    pub(super) fn traced(app: axum::Router) -> axum::Router {
        use axum::body::Body;
        use axum::http::Request;
        app.layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                sanctum_core::observe::request_span(req.method().as_str(), req.uri().path())
            }),
        )
    }
}

/// Issue 23's browser sessions: the `/admin` route reached by a session cookie or a bearer
/// token, sessions in memory.
#[cfg(feature = "sessions")]
mod sessions {
    use std::net::SocketAddr;
    use std::path::Path;

    use sanctum_core::Verifier;
    use sanctum_core::login::{LoginDomain, ManagedLogin};
    use sanctum_core::session::SessionData;
    use sanctum_core::testing::TEST_CLIENT_ID;

    use super::{BoxError, Material};

    /// The managed login the session settings need; never called (no session is due for a
    /// refresh during a run: the session's tokens are good for an hour).
    fn login(verifier: &Verifier) -> Result<ManagedLogin, BoxError> {
        Ok(ManagedLogin::builder(
            LoginDomain::url("http://127.0.0.1:9"),
            TEST_CLIENT_ID,
            "https://app.example.com/callback",
        )
        .build(verifier)?)
    }

    /// A signed-in session of the minted token's user, an admin, as the sign-in stores it.
    fn data(material: &Material, now: u64) -> Result<SessionData, BoxError> {
        Ok(serde_json::from_value(serde_json::json!({
            "tokens": {
                "access_token": material.token, "id_token": "unused", "refresh_token": null,
                "expires_at": now + 3600, "token_type": "Bearer",
            },
            "sub": "sub-1", "username": super::USERNAME, "groups": ["admin"], "origin_jti": null,
            "signed_in_at": now, "touched_at": now,
        }))?)
    }

    fn unix_now() -> Result<u64, BoxError> {
        Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs())
    }

    /// Writes the session's `Cookie` header value where the script reads it.
    fn write_cookie(dir: &Path, variant: &str, cookie: &str) -> Result<(), BoxError> {
        let path = dir.join(format!("{variant}.cookie"));
        std::fs::write(&path, cookie).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(())
    }

    pub(super) async fn axum_router(
        variant: &str,
        dir: &Path,
        material: &Material,
    ) -> Result<axum::Router, BoxError> {
        use axum::Router;
        use axum::routing::get;
        use sanctum_axum::session::{MemorySessionStore, SESSION_DATA_KEY, SessionAuth};
        use sanctum_axum::{CognitoAuthLayer, RequireGroup};
        use tower_sessions::SessionStore as _;
        use tower_sessions::cookie::time::{Duration, OffsetDateTime};
        use tower_sessions::session::{Id, Record};

        let verifier = material.sanctum_verifier(true).await?;
        let auth = SessionAuth::builder(login(&verifier)?).build();
        let store = MemorySessionStore::new();
        let mut record = Record {
            id: Id::default(),
            data: [(
                SESSION_DATA_KEY.to_owned(),
                serde_json::to_value(data(material, unix_now()?)?)?,
            )]
            .into(),
            expiry_date: OffsetDateTime::now_utc() + Duration::hours(1),
        };
        store.create(&mut record).await?;
        write_cookie(
            dir,
            variant,
            &format!("{}={}", auth.cookie_name(), record.id),
        )?;
        Ok(Router::new()
            .route(
                "/hello",
                get(super::axum_admin).route_layer(RequireGroup("admin")),
            )
            .route_layer(CognitoAuthLayer::new(verifier).session(auth.clone()))
            .layer(auth.layer(store)))
    }

    pub(super) fn actix(
        variant: &str,
        addr: SocketAddr,
        dir: &Path,
        material: &Material,
    ) -> Result<(), BoxError> {
        use actix_web::{App, web};
        use sanctum_actix::session::SessionAuth;
        use sanctum_actix::{CognitoAuth, RequireGroup};
        use sanctum_core::session::MemorySessionStore;

        actix_web::rt::System::new().block_on(async move {
            let verifier = material.sanctum_verifier(true).await?;
            let auth = SessionAuth::builder(login(&verifier)?)
                .store(MemorySessionStore::new())
                .build();
            let id = auth
                .sessions()
                .sign_in(None, &data(material, unix_now()?)?)
                .await?;
            write_cookie(dir, variant, &format!("{}={id}", auth.cookie_name()))?;
            actix_serve!(variant, addr, move || {
                App::new().service(
                    web::resource("/hello")
                        .wrap(RequireGroup("admin"))
                        .wrap(CognitoAuth::new(verifier.clone()).session(auth.clone()))
                        .route(web::get().to(super::actix_admin)),
                )
            })?;
            Ok::<(), BoxError>(())
        })
    }
}

/// Behind an Application Load Balancer (issue 22 item 5): the `/admin` route authenticated by
/// the ALB's headers, and its twin without auth that receives the same headers.
#[cfg(feature = "alb")]
mod alb {
    use std::net::SocketAddr;
    use std::path::Path;

    use sanctum_core::alb::{AlbCredentials, AlbVerifier};
    use sanctum_core::testing::AlbTestIssuer;

    use super::{BoxError, Material};

    /// A load balancer look-alike serving its key on 127.0.0.1 from a thread of its own (the
    /// server's runtime stays the one under measurement), the `x-amzn-oidc-data` token it
    /// signed for the minted access token's user (valid as long as that token), and the
    /// request headers written to `<dir>/<variant>.alb` for the script, one per line.
    fn start(dir: &Path, variant: &str, material: &Material) -> Result<AlbTestIssuer, BoxError> {
        let verifier = super::current_thread()?.block_on(material.sanctum_verifier(true))?;
        let claims = super::current_thread()?.block_on(verifier.verify_access(&material.token))?;
        let sub = claims.sub().to_owned();
        let (sent, received) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("alb-keys".into())
            .spawn(move || {
                let runtime = match super::current_thread() {
                    Ok(runtime) => runtime,
                    Err(e) => return drop(sent.send(Err(e.to_string()))),
                };
                runtime.block_on(async move {
                    match AlbTestIssuer::start().await {
                        Ok(issuer) => {
                            let _ = sent.send(Ok(issuer));
                            // the key server lives as long as the process
                            std::future::pending::<()>().await;
                        }
                        Err(e) => drop(sent.send(Err(e.to_string()))),
                    }
                });
            })?;
        let issuer = received.recv()??;
        let data = issuer
            .data_token()
            .sub(&sub)
            .username(super::USERNAME)
            .expires_in_secs(super::TOKEN_LIFETIME_SECS)
            .build();
        let path = dir.join(format!("{variant}.alb"));
        std::fs::write(
            &path,
            format!(
                "x-amzn-oidc-data: {data}\nx-amzn-oidc-accesstoken: {}\nx-amzn-oidc-identity: {sub}\n",
                material.token
            ),
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(issuer)
    }

    /// The ALB verifier (its key fetched once from the look-alike, then cached; groups from the
    /// forwarded access token, verified by a verifier with its cache on), checked against the
    /// headers the script sends.
    async fn verifier(
        issuer: &AlbTestIssuer,
        dir: &Path,
        variant: &str,
        material: &Material,
    ) -> Result<AlbVerifier, BoxError> {
        let alb = issuer
            .verifier_builder()
            .access_token(material.sanctum_verifier(true).await?)
            .build()?;
        let headers = std::fs::read_to_string(dir.join(format!("{variant}.alb")))?;
        let value = |name: &str| {
            headers
                .lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
                .map(str::to_owned)
        };
        let data = value("x-amzn-oidc-data").ok_or("no data header")?;
        alb.verify(&AlbCredentials::new(
            data,
            value("x-amzn-oidc-accesstoken"),
            value("x-amzn-oidc-identity"),
        ))
        .await
        .map_err(|e| format!("sanctum refuses the ALB headers: {e}"))?;
        Ok(alb)
    }

    /// `axum-alb` (the guard and `AlbAuthLayer` as two route layers, as `axum-admin` has them)
    /// and `axum-alb-noauth`.
    pub(super) fn axum(
        variant: &str,
        addr: SocketAddr,
        dir: &Path,
        material: &Material,
    ) -> Result<(), BoxError> {
        use axum::Router;
        use axum::routing::get;
        use sanctum_axum::{AlbAuthLayer, RequireGroup};

        let issuer = start(dir, variant, material)?;
        super::current_thread()?.block_on(async {
            let app = if variant == "axum-alb" {
                let alb = verifier(&issuer, dir, variant, material).await?;
                Router::new()
                    .route(
                        "/hello",
                        get(super::axum_admin).route_layer(RequireGroup("admin")),
                    )
                    .route_layer(AlbAuthLayer::new(alb))
            } else {
                Router::new().route("/hello", get(super::axum_admin_noauth))
            };
            let listener = tokio::net::TcpListener::bind(addr).await?;
            super::ready(variant, addr);
            axum::serve(listener, app).await?;
            Ok(())
        })
    }

    /// `actix-alb` (`RequireGroup` and `AlbAuth` wrapped on the resource, as `actix-admin`) and
    /// `actix-alb-noauth`, with `actix-admin`'s server settings.
    pub(super) fn actix(
        variant: &str,
        addr: SocketAddr,
        dir: &Path,
        material: &Material,
    ) -> Result<(), BoxError> {
        use actix_web::{App, web};
        use sanctum_actix::{AlbAuth, RequireGroup};

        let issuer = start(dir, variant, material)?;
        if variant == "actix-alb" {
            let alb =
                super::current_thread()?.block_on(verifier(&issuer, dir, variant, material))?;
            actix_web::rt::System::new().block_on(async move {
                actix_serve!(variant, addr, move || {
                    App::new().service(
                        web::resource("/hello")
                            .wrap(RequireGroup("admin"))
                            .wrap(AlbAuth::new(alb.clone()))
                            .route(web::get().to(super::actix_admin)),
                    )
                })
            })?;
        } else {
            actix_web::rt::System::new().block_on(async move {
                actix_serve!(variant, addr, || {
                    App::new().service(
                        web::resource("/hello").route(web::get().to(super::actix_admin_noauth)),
                    )
                })
            })?;
        }
        Ok(())
    }
}
