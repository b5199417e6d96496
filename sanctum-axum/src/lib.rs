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
//! use sanctum_core::{UserPool, Verifier};
//!
//! async fn me(user: CognitoUser) -> String {
//!     format!("{} is in {:?}", user.sub(), user.groups().collect::<Vec<_>>())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let verifier = Verifier::builder()
//!         .pool(UserPool::new("us-east-1", "us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
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
//! to replace these answers.
//!
//! ## Public items
//!
//! | item | what it is |
//! |---|---|
//! | [`CognitoAuthLayer`] | the layer verifying tokens: required or [optional](CognitoAuthLayer::optional), from a header, [cookie or custom source](CognitoAuthLayer::token_source), access or [ID tokens](CognitoAuthLayer::expected_use), [custom rejections](CognitoAuthLayer::on_rejection) |
//! | [`RequireGroup`] | guard: `RequireGroup("admin")`, [`RequireGroup::any`], [`RequireGroup::all`] |
//! | [`RequireScope`] | guard: `RequireScope("orders/read")` |
//! | [`Require`] | guard checking any core [`Requirement`] |
//! | [`CognitoUser`] | extractor of the verified claims; `Option<CognitoUser>` for optional auth |
//! | [`Claims`] | extractor decoding the claims into your own type |
//! | [`CognitoRejection`] | why a request was refused, `IntoResponse` |
//! | [`default_response`] | the standard answer to a refusal, for custom handlers |
//! | [`CognitoAuth`], [`RequireService`], [`layer::future::ResponseFuture`] | the services and future behind the layers |
//!
//! [`AuthRejection`], [`CognitoClaims`], [`ExpectedUse`], [`Requirement`], [`TokenSource`] and
//! [`Verifier`] are re-exported from [`sanctum_core`].
//!
//! ## Feature flags
//!
//! None: the crate needs only `axum-core`, `http` and tower's traits.

pub mod extract;
pub mod layer;
pub mod rejection;

pub use extract::{Claims, CognitoUser};
pub use layer::{
    CognitoAuth, CognitoAuthLayer, Require, RequireGroup, RequireScope, RequireService,
    RequireStepUp,
};
pub use rejection::{CognitoRejection, default_response};

pub use sanctum_core;
pub use sanctum_core::{
    AuthRejection, CognitoClaims, ExpectedUse, Requirement, TokenSource, Verifier,
};
