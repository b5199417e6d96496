//! OpenAPI documents whose security comes from the guards themselves (features `utoipa` and
//! `aide`): adding a guard or the authentication layer through [`route_guard`] /
//! [`route_auth`] adds it to the router *and* writes its security requirement into the
//! operations it covers, so the document cannot drift from the code.
//!
//! | feature | router | what sanctum adds |
//! |---|---|---|
//! | `utoipa` | utoipa-axum's `OpenApiRouter` (and `routes!(...)`) | [`utoipa::OpenApiRouterExt`]; [`CognitoSecurity`] is a utoipa `Modify` |
//! | `aide` | aide's `ApiRouter` | [`aide::ApiRouterExt`], [`aide::apply`]; [`CognitoUser`](crate::CognitoUser) and [`TypedClaims`](crate::TypedClaims) are aide `OperationInput`s |
//!
//! Like `route_layer`, `route_guard(guard)` covers the routes added before it. How groups and
//! scopes are written (groups as role names of the bearer scheme and in `x-sanctum-groups`,
//! scopes on both schemes, and why) is in [`sanctum_core::openapi`].
//!
//! [`route_guard`]: utoipa::OpenApiRouterExt::route_guard
//!
//! Behind an Application Load Balancer, [`route_alb_auth`] adds an
//! [`AlbAuthLayer`](crate::AlbAuthLayer) and documents its requirement in `x-sanctum-alb`
//! rather than in a security scheme: the client sends the service no token (see
//! [`sanctum_core::openapi`](sanctum_core::openapi#behind-an-application-load-balancer)).
//!
//! [`route_auth`]: utoipa::OpenApiRouterExt::route_auth
//! [`route_alb_auth`]: utoipa::OpenApiRouterExt::route_alb_auth

pub use sanctum_core::openapi::{
    ALB_EXTENSION, BEARER_SCHEME, CognitoSecurity, GROUPS_EXTENSION, OAUTH2_SCHEME,
    SecurityRequirements,
};

#[cfg(feature = "aide")]
pub mod aide;
#[cfg(feature = "utoipa")]
pub mod utoipa;

/// What `route_auth` / `route_alb_auth` document for a layer: the security of its
/// requirement (`require`), if any, and whether anonymous requests pass (optional mode
/// without a requirement).
fn layer_security<C>(
    shared: &crate::layer::request::Shared<C>,
) -> (Option<SecurityRequirements>, bool) {
    sanctum_core::openapi::layer_security(shared.requirement.as_ref(), shared.optional)
}
