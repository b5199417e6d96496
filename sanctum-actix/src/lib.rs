//! # sanctum-actix
//!
//! AWS Cognito in front of an [actix-web](https://actix.rs) 4 service: the [`CognitoAuth`]
//! middleware verifies the request's Cognito token (through `sanctum-core`'s [`Verifier`]),
//! guards such as [`RequireGroup("admin")`](RequireGroup) refuse users without the right group
//! or scope, and the [`CognitoUser`] extractor hands the verified claims to your handlers.
//! A thin adapter: every rule lives in `sanctum-core`, and the answers are the same as
//! `sanctum-axum`'s.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use sanctum_actix::{CognitoAuth, CognitoUser, RequireGroup};
//! use sanctum_actix::{UserPool, Verifier};
//!
//! async fn me(user: CognitoUser) -> String {
//!     format!("hello {}", user.username().unwrap_or(user.sub()))
//! }
//!
//! async fn admin(user: CognitoUser) -> String {
//!     format!("welcome, admin {}", user.sub())
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let verifier = Verifier::builder()
//!         .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
//!         .build()?;
//!     verifier.prefetch().await?; // optional: load the signing keys before the first request
//!
//!     HttpServer::new(move || {
//!         let auth = CognitoAuth::new(verifier.clone());
//!         App::new()
//!             .route("/public", web::get().to(|| async { "no token needed" }))
//!             .service(web::resource("/me").wrap(auth.clone()).get(me))
//!             .service(
//!                 web::resource("/admin")
//!                     .wrap(RequireGroup("admin")) // runs second...
//!                     .wrap(auth) //                  ...after CognitoAuth: the last wrap runs first
//!                     .get(admin),
//!             )
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await?;
//!     Ok(())
//! }
//! ```
//!
//! ## Answers
//!
//! | request | status | `WWW-Authenticate` |
//! |---|---|---|
//! | no token | 401 | `Bearer` |
//! | malformed, forged, expired, wrong issuer, client or `token_use` | 401 | `Bearer error="invalid_token", ...` |
//! | valid token without the required group or scope | 403 | `Bearer error="insufficient_scope", ...` |
//! | signing keys unavailable | 503 | none |
//! | guard or extractor without [`CognitoAuth`] in front | 500 | none; the body says what to add |
//!
//! Bodies are JSON `{"error": "...", "error_description": "..."}` and never contain the token;
//! [`CognitoAuth::on_rejection`] replaces them with your own response.
//!
//! ## Modules
//! - [`middleware`]: [`CognitoAuth`] (required or optional; bearer, cookie or custom token
//!   source; access or ID tokens) and the guards [`RequireGroup`], [`RequireScope`],
//!   [`Require`], with the order of `.wrap()` calls explained; [`AlbAuth`] authenticates by
//!   the headers of an Application Load Balancer with Cognito authentication instead
//!   ([`sanctum_core::alb`]);
//! - [`extract`]: [`CognitoUser`], [`MaybeCognitoUser`] and [`TypedClaims<T>`](TypedClaims);
//! - [`rejection`]: [`CognitoRejection`], the actix-web error for refused requests;
//! - `session` (feature `sessions`): browser sign-in through Cognito's managed login with
//!   server-side sessions, as a token source of [`CognitoAuth`].
//!
//! ## Feature flags
//!
//! Without features the crate needs actix-web only with its default features off (no
//! compression, no TLS), so it adds nothing to your build that your app did not ask for. Each
//! feature turns on the [`sanctum_core`] feature of the same name, so this crate is the only
//! dependency an actix-web service and its tests need.
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `cognito` | no | `sanctum_core::cognito`: `SanctumClient` for sign-in flows, users, groups and MFA through the AWS SDK |
//! | `client-credentials` | no | `sanctum_core::client_credentials`: machine-to-machine tokens from the token endpoint, cached, and a tower layer adding them to outgoing requests; no AWS SDK |
//! | `aws-sso` | no | `cognito`, and AWS credentials from `aws sso login` profiles and `credential_process` commands (`sanctum_core`'s `aws-sso`) |
//! | `metrics` | no | sanctum's counters and gauges through the `metrics` facade (`sanctum_core::observe` lists them): verifications by outcome and cache, refusals by reason, JWKS fetches |
//! | `redis` | no | `sanctum_core::revocation::RedisRevocations`: revocations shared by every instance through Redis (`redis://`, or `rediss://` with rustls) |
//! | `managed-login` | no | `sanctum_core::login::ManagedLogin`: browser sign-in through Cognito's managed login (authorization code + PKCE, ID token and `nonce` verified); reqwest only, no AWS SDK |
//! | `sessions` | no | `managed-login`, and `session::SessionAuth`: browser sign-in with server-side sessions (`__Host-` cookies, login / callback / logout answers, the session as a token source of `CognitoAuth` with CSRF checks; a bounded memory store by default) |
//! | `redis-sessions` | no | `sessions` and `redis`: the sessions shared by every instance through Redis (`sanctum_core::session::RedisSessionStore`) |
//! | `utoipa` | no | [`openapi`]: `wrap_guard` / `wrap_auth` on utoipa-actix-web's `Scope` wrap it in a guard or [`CognitoAuth`] and write its security requirement into the document (groups, scopes; see `sanctum_core::openapi`); `openapi::CognitoSecurity` (a utoipa `Modify`) adds the bearer and managed-login OAuth2 schemes |
//! | `test-util` | no | `testing` (`sanctum_core::testing` re-exported): `TestIssuer`, an in-process issuer with a loopback JWKS server, to test your handlers with `actix_web::test` offline (turn it on in `[dev-dependencies]`) |
//!
//! Minimum Rust version: 1.89 (this crate's `rust-version`) without `cognito`; `cognito` and
//! `aws-sso` follow the AWS SDK's own minimum (1.94.1 for the SDK versions this release was
//! tested with).
//!
//! ## Testing
//!
//! Feature `test-util` provides `testing::TestIssuer`, an in-process issuer that
//! mints Cognito-shaped tokens and serves their keys on 127.0.0.1, so your handlers can be
//! tested with `actix_web::test` offline; `authorization()` gives a ready header value:
//!
//! ```
//! use actix_web::{App, test, web};
//! use sanctum_actix::{CognitoAuth, CognitoUser, RequireGroup};
//! use sanctum_actix::testing::TestIssuer;
//!
//! # #[actix_web::main]
//! # async fn main() -> std::io::Result<()> {
//! let issuer = TestIssuer::start().await?;
//! let app = test::init_service(
//!     App::new().service(
//!         web::resource("/admin")
//!             .wrap(RequireGroup("admin"))
//!             .wrap(CognitoAuth::new(issuer.verifier()))
//!             .get(|user: CognitoUser| async move { format!("hi {}", user.sub()) }),
//!     ),
//! )
//! .await;
//!
//! let admin = issuer.access_token().groups(["admin"]).authorization();
//! let request = test::TestRequest::get().uri("/admin").insert_header(("authorization", admin));
//! assert_eq!(test::call_service(&app, request.to_request()).await.status(), 200);
//!
//! let user = issuer.access_token().authorization();
//! let request = test::TestRequest::get().uri("/admin").insert_header(("authorization", user));
//! assert_eq!(test::call_service(&app, request.to_request()).await.status(), 403);
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

// The README's examples are doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod extract;
pub mod middleware;
#[cfg(feature = "utoipa")]
pub mod openapi;
pub mod rejection;
#[cfg(feature = "sessions")]
pub mod session;

pub use extract::{CognitoUser, MaybeCognitoUser, TypedClaims};
pub use middleware::{AlbAuth, CognitoAuth, Require, RequireGroup, RequireScope, RequireStepUp};
#[doc(hidden)]
pub use middleware::{AlbAuthService, CognitoAuthService, RequireService};
pub use rejection::{CognitoRejection, default_response};

pub use sanctum_core;
/// The test kit (feature `test-util`): [`TestIssuer`](testing::TestIssuer) mints Cognito-shaped
/// tokens and serves their keys on 127.0.0.1, to test your application offline. It is
/// `sanctum_core::testing`, re-exported so that `sanctum-actix` is the only sanctum dependency
/// your tests need; see the [crate docs](crate#testing) for an example.
#[cfg(feature = "test-util")]
pub use sanctum_core::testing;
/// What a route-protecting application needs from `sanctum-core`, so that `sanctum-actix`
/// alone is enough.
pub use sanctum_core::{
    AccessError, CognitoClaims, ConfigError, Denied, ExpectedUse, PoolRegistry, Refusal,
    RejectedRequest, Requirement, TokenSource, UserPool, Verifier, VerifierBuilder, VerifyError,
};
