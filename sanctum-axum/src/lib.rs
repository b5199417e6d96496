//! # sanctum-axum
//!
//! AWS Cognito in front of an [axum](https://docs.rs/axum/0.8) service: a tower layer that
//! verifies the request's Cognito token, guards that require a group or scope per route with
//! one line each, and extractors that hand the verified claims to handlers. A thin adapter
//! over [`sanctum_core`], which does the verification (RS256, JWKS by `kid`, issuer, expiry,
//! `token_use`, app client) and caches verified tokens.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup};
//! use sanctum_axum::{UserPool, Verifier};
//!
//! async fn me(user: CognitoUser) -> String {
//!     format!("{} is in {:?}", user.sub(), user.groups().collect::<Vec<_>>())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let verifier = Verifier::builder()
//!         .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
//!         .build()?;
//!
//!     let app = Router::new()
//!         .route("/admin", get(|| async { "welcome, admin" }).route_layer(RequireGroup("admin")))
//!         .route("/me", get(me))
//!         .route_layer(CognitoAuthLayer::new(verifier)) // every route above needs a valid token
//!         .route("/health", get(|| async { "ok" })); // no token needed
//!
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(listener, app).await?;
//!     Ok(())
//! }
//! ```
//!
//! Requests are refused as in every sanctum adapter: 401 with a bare `Bearer` challenge
//! without a token, 401 `invalid_token` for a bad one, 403 `insufficient_scope` when a guard's
//! rule is not met, 503 when the signing keys cannot be fetched, 500 when a guard or extractor
//! has no [`CognitoAuthLayer`] in front; JSON bodies never echo the token. See [`rejection`]
//! to replace these answers. tonic gRPC services take the same layer and guards, which then
//! answer gRPC statuses (`Unauthenticated`, `PermissionDenied`, ...): feature `tonic`, module
//! `grpc`.
//!
//! ## Testing
//!
//! Feature `test-util` provides `testing::TestIssuer`, an in-process issuer that
//! mints Cognito-shaped tokens and serves their keys on 127.0.0.1; test the router itself
//! with `tower::ServiceExt::oneshot`, offline. `authorization()` gives a ready header value:
//!
//! ```
//! use axum::{Router, body::Body, http::Request, routing::get};
//! use sanctum_axum::testing::TestIssuer;
//! use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup};
//! use tower::ServiceExt as _;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = TestIssuer::start().await?;
//! let app = Router::new()
//!     .route("/admin", get(|user: CognitoUser| async move { format!("hi {}", user.sub()) }))
//!     .route_layer(RequireGroup("admin"))
//!     .route_layer(CognitoAuthLayer::new(issuer.verifier()));
//!
//! let admin = issuer.access_token().groups(["admin"]).authorization();
//! let request = Request::get("/admin").header("authorization", admin).body(Body::empty())?;
//! assert_eq!(app.clone().oneshot(request).await?.status(), 200);
//!
//! let user = issuer.access_token().authorization();
//! let request = Request::get("/admin").header("authorization", user).body(Body::empty())?;
//! assert_eq!(app.oneshot(request).await?.status(), 403);
//! # Ok(()) }
//! ```
//!
//! ## Public items
//!
//! | item | what it is |
//! |---|---|
//! | [`CognitoAuthLayer`] | the layer verifying tokens: required or [optional](CognitoAuthLayer::optional), from a header, [cookie or custom source](CognitoAuthLayer::token_source), access or [ID tokens](CognitoAuthLayer::expected_use), [custom rejections](CognitoAuthLayer::on_rejection) |
//! | [`AlbAuthLayer`] | the layer authenticating by the headers of an Application Load Balancer with Cognito authentication (`x-amzn-oidc-data`, and the access token it forwards): [`sanctum_core::alb`] |
//! | [`RequireGroup`] | guard: `RequireGroup("admin")`, [`RequireGroup::any`], [`RequireGroup::all`] |
//! | [`RequireScope`] | guard: `RequireScope("orders/read")` |
//! | [`Require`] | guard checking any core [`Requirement`] |
//! | `grpc::CognitoRequestExt` (feature `tonic`) | the verified user in a tonic handler, refusals as gRPC statuses; `CognitoAuthLayer::grpc` makes the layer and guards answer gRPC statuses |
//! | [`CognitoUser`] | extractor of the verified claims; `Option<CognitoUser>` for optional auth |
//! | [`TypedClaims`] | extractor decoding the claims into your own type (403 if they do not fit) |
//! | [`CognitoRejection`] | why a request was refused, `IntoResponse` |
//! | [`default_response`] | the standard answer to a refusal, for custom handlers |
//! | [`CognitoAuthService`], [`AlbAuthService`], [`RequireService`], [`layer::future::ResponseFuture`] | the services and future behind the layers |
//!
//! [`Refusal`], [`CognitoClaims`], [`ExpectedUse`], [`Requirement`], [`TokenSource`] and
//! [`Verifier`] are re-exported from [`sanctum_core`].
//!
//! ## Feature flags
//!
//! Without features the crate needs only `axum-core`, `http` and tower's traits. Each feature
//! turns on the [`sanctum_core`] feature of the same name, so this crate is the only dependency
//! an axum service and its tests need.
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `cognito` | no | `sanctum_core::cognito`: `SanctumClient` for sign-in flows, users, groups and MFA through the AWS SDK |
//! | `client-credentials` | no | `sanctum_core::client_credentials`: machine-to-machine tokens from the token endpoint, cached, and a tower layer adding them to outgoing requests; no AWS SDK |
//! | `aws-sso` | no | `cognito`, and AWS credentials from `aws sso login` profiles and `credential_process` commands (`sanctum_core`'s `aws-sso`) |
//! | `metrics` | no | sanctum's counters and gauges through the `metrics` facade (`sanctum_core::observe` lists them): verifications by outcome and cache, refusals by reason, JWKS fetches |
//! | `redis` | no | `sanctum_core::revocation::RedisRevocations`: revocations shared by every instance through Redis (`redis://`, or `rediss://` with rustls) |
//! | `managed-login` | no | `sanctum_core::login::ManagedLogin`: browser sign-in through Cognito's managed login (authorization code + PKCE, ID token and `nonce` verified); reqwest only, no AWS SDK |
//! | `sessions` | no | `managed-login`, and `session::SessionAuth`: browser sign-in with server-side sessions on tower-sessions (`__Host-` cookies, login / callback / logout answers, the session as a token source of `CognitoAuthLayer` with CSRF checks), and `session::MemorySessionStore`, sessions in memory bounded in number and time |
//! | `redis-sessions` | no | `sessions` and `redis`, and `session::RedisSessionStore`: the sessions shared by every instance through Redis |
//! | `utoipa` | no | `openapi::utoipa`: `route_guard` / `route_auth` / `route_alb_auth` on utoipa-axum's `OpenApiRouter` add a guard or the layer and write its security requirement into the document (groups, scopes; see `sanctum_core::openapi`); `openapi::CognitoSecurity` (a utoipa `Modify`) adds the bearer and managed-login OAuth2 schemes |
//! | `aide` | no | `openapi::aide`: the same on aide's `ApiRouter`, `apply` for the schemes; `CognitoUser` and `TypedClaims<T>` are aide `OperationInput`s (the token's requirement and the 401 response) |
//! | `tonic` | no | `grpc`: tonic services behind the same layer and guards, refusals as gRPC statuses (`CognitoAuthLayer::grpc`: `Unauthenticated`, `PermissionDenied`, `Unavailable`, ...), and `grpc::CognitoRequestExt` to read the user in a tonic handler; tonic 0.14 without its transport |
//! | `test-util` | no | `testing` (`sanctum_core::testing` re-exported): `TestIssuer`, an in-process issuer with a loopback JWKS server, to test your routes offline (turn it on in `[dev-dependencies]`) |
//!
//! Minimum Rust version: 1.88 (this crate's `rust-version`) without `cognito`; `cognito` and
//! `aws-sso` follow the AWS SDK's own minimum (1.94.1 for the SDK versions this release was
//! tested with).

#![cfg_attr(docsrs, feature(doc_cfg))]

// The README's examples are doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod extract;
#[cfg(feature = "tonic")]
pub mod grpc;
pub mod layer;
#[cfg(any(feature = "utoipa", feature = "aide"))]
pub mod openapi;
pub mod rejection;
#[cfg(feature = "sessions")]
pub mod session;

pub use extract::{CognitoUser, TypedClaims};
pub use layer::{
    AlbAuthLayer, AlbAuthService, CognitoAuthLayer, CognitoAuthService, Require, RequireGroup,
    RequireScope, RequireService, RequireStepUp,
};
pub use rejection::{CognitoRejection, default_response};

pub use sanctum_core;
/// The test kit (feature `test-util`): [`TestIssuer`](testing::TestIssuer) mints Cognito-shaped
/// tokens and serves their keys on 127.0.0.1, to test your application offline. It is
/// `sanctum_core::testing`, re-exported so that `sanctum-axum` is the only sanctum dependency
/// your tests need; see the [crate docs](crate#testing) for an example.
#[cfg(feature = "test-util")]
pub use sanctum_core::testing;
/// What a route-protecting application needs from `sanctum-core`, so that `sanctum-axum`
/// alone is enough.
pub use sanctum_core::{
    AccessError, CognitoClaims, ConfigError, Denied, ExpectedUse, PoolRegistry, Refusal,
    RejectedRequest, Requirement, TokenSource, UserPool, Verifier, VerifierBuilder, VerifyError,
};
