//! The layers: [`CognitoAuthLayer`] verifies tokens; the guards [`RequireGroup`],
//! [`RequireScope`] and [`Require`] check what a verified user may do.
//!
//! In axum the layer added last runs first, so add the guard, then the auth layer:
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use sanctum_axum::{CognitoAuthLayer, RequireGroup};
//! # fn app(verifier: sanctum_axum::Verifier) -> Router {
//!
//! Router::new()
//!     .route("/admin", get(|| async { "admin" }))
//!     .route_layer(RequireGroup("admin")) // runs second
//!     .route_layer(CognitoAuthLayer::new(verifier)) // runs first
//! # }
//! ```
//!
//! A route that needs one rule can have the auth layer check it, one layer instead of two
//! (cheaper: every `route_layer` costs each request a boxed service clone and a future), with
//! the same answers as the guard:
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use sanctum_axum::{CognitoAuthLayer, RequireGroup};
//! # fn app(verifier: sanctum_axum::Verifier) -> Router {
//!
//! Router::new()
//!     .route("/admin", get(|| async { "admin" }))
//!     .route_layer(CognitoAuthLayer::new(verifier).require(RequireGroup("admin")))
//! # }
//! ```
//!
//! Outside axum the layers wrap any service of `http::Request<B>` whose response implements
//! `IntoResponse` (with `tower::ServiceBuilder`, the first layer added runs first).

mod alb;
mod auth;
pub mod future;
mod guard;
pub(crate) mod request;

pub use alb::{AlbAuthLayer, AlbAuthService};
pub use auth::{CognitoAuthLayer, CognitoAuthService};
pub use guard::{Require, RequireGroup, RequireScope, RequireService, RequireStepUp};
