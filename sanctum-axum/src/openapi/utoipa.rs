//! utoipa-axum (feature `utoipa`): [`OpenApiRouterExt`] on `OpenApiRouter` and on the
//! `routes!(...)` tuple.
//!
//! ```
//! use sanctum_axum::openapi::CognitoSecurity;
//! use sanctum_axum::openapi::utoipa::OpenApiRouterExt as _;
//! use sanctum_axum::{CognitoAuthLayer, RequireGroup};
//! use utoipa::Modify as _;
//! use utoipa_axum::{router::OpenApiRouter, routes};
//!
//! /// The admin page.
//! #[utoipa::path(get, path = "/admin", responses((status = 200, body = String)))]
//! async fn admin() -> &'static str {
//!     "welcome, admin"
//! }
//!
//! /// Liveness.
//! #[utoipa::path(get, path = "/health", responses((status = 200, body = String)))]
//! async fn health() -> &'static str {
//!     "ok"
//! }
//!
//! # fn app(verifier: sanctum_axum::Verifier) -> Result<(), serde_json::Error> {
//! let (router, mut doc): (axum::Router, _) = OpenApiRouter::new()
//!     .routes(routes!(admin))
//!     .route_guard(RequireGroup("admin")) // route_layer + the requirement in the document
//!     .route_auth(CognitoAuthLayer::new(verifier))
//!     .routes(routes!(health)) // added after the layers: public
//!     .split_for_parts();
//! CognitoSecurity::new().modify(&mut doc); // the security schemes
//!
//! let json = serde_json::to_value(&doc)?;
//! assert_eq!(json["paths"]["/admin"]["get"]["security"][0]["cognito"][0], "admin");
//! assert!(json["paths"]["/health"]["get"].get("security").is_none());
//! # let _ = router; Ok(()) }
//! ```

use sanctum_core::openapi::SecurityRequirements;
use sanctum_core::openapi::utoipa::{document_alb_authentication, document_guard, document_layer};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use super::layer_security;
use crate::{AlbAuthLayer, CognitoAuthLayer, Require};

/// Guards and the authentication layer that document themselves: each method is
/// `route_layer` plus the security requirement of the routes it covers (those added before).
///
/// See the [module docs](self) for an example.
pub trait OpenApiRouterExt: Sized {
    /// Adds `guard` ([`RequireGroup`](crate::RequireGroup), [`RequireScope`](crate::RequireScope)
    /// or any [`Require`]) as a route layer, and its security requirement, `x-sanctum-groups`
    /// and the 401 / 403 responses to the operations it covers.
    #[must_use]
    fn route_guard(self, guard: impl Into<Require>) -> Self;

    /// Adds `layer` as a route layer, and to the operations it covers a Cognito token's
    /// requirement where no guard wrote one (optional layer: anonymous requests too) and the
    /// 401 response; the rule of its [`require`](CognitoAuthLayer::require) is documented as a
    /// guard's.
    #[must_use]
    fn route_auth(self, layer: CognitoAuthLayer) -> Self;

    /// Adds `layer` as a route layer, and to the operations it covers its requirement in
    /// `x-sanctum-alb` (the rule of its [`require`](AlbAuthLayer::require); none: any
    /// signed-in user; optional layer: anonymous requests too), the 401 response and, for a
    /// rule, the 403 one. No security scheme: the client sends no token (see
    /// [`sanctum_core::openapi`](sanctum_core::openapi#behind-an-application-load-balancer)).
    ///
    /// ```
    /// use sanctum_axum::openapi::utoipa::OpenApiRouterExt as _;
    /// use sanctum_axum::{AlbAuthLayer, RequireGroup};
    /// use utoipa_axum::{router::OpenApiRouter, routes};
    ///
    /// /// The admin page.
    /// #[utoipa::path(get, path = "/admin", responses((status = 200, body = String)))]
    /// async fn admin() -> &'static str {
    ///     "welcome, admin"
    /// }
    ///
    /// # fn app(alb: sanctum_axum::sanctum_core::alb::AlbVerifier) -> Result<(), serde_json::Error> {
    /// let (router, doc): (axum::Router, _) = OpenApiRouter::new()
    ///     .routes(routes!(admin))
    ///     .route_alb_auth(AlbAuthLayer::new(alb).require(RequireGroup("admin")))
    ///     .split_for_parts();
    ///
    /// let json = serde_json::to_value(&doc)?;
    /// let admin = &json["paths"]["/admin"]["get"];
    /// assert_eq!(admin["x-sanctum-alb"]["requirements"][0]["groups"][0], "admin");
    /// assert!(admin.get("security").is_none());
    /// # let _ = router; Ok(()) }
    /// ```
    #[must_use]
    fn route_alb_auth(self, layer: AlbAuthLayer) -> Self;
}

impl<S> OpenApiRouterExt for OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn route_guard(self, guard: impl Into<Require>) -> Self {
        let guard = guard.into();
        let security = SecurityRequirements::of(guard.requirement());
        let mut router = self.route_layer(guard);
        document_guard(&mut router.get_openapi_mut().paths, &security);
        router
    }

    fn route_auth(self, layer: CognitoAuthLayer) -> Self {
        let (security, optional) = layer_security(layer.shared());
        let mut router = self.route_layer(layer);
        document_layer(
            &mut router.get_openapi_mut().paths,
            security.as_ref(),
            optional,
        );
        router
    }

    fn route_alb_auth(self, layer: AlbAuthLayer) -> Self {
        let (security, optional) = layer_security(layer.shared());
        let mut router = self.route_layer(layer);
        let paths = &mut router.get_openapi_mut().paths;
        document_alb_authentication(paths, security.as_ref(), optional);
        router
    }
}

impl<S> OpenApiRouterExt for UtoipaMethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn route_guard(self, guard: impl Into<Require>) -> Self {
        let guard = guard.into();
        let (schemas, mut paths, method_router) = self;
        document_guard(&mut paths, &SecurityRequirements::of(guard.requirement()));
        (schemas, paths, method_router.route_layer(guard))
    }

    fn route_auth(self, layer: CognitoAuthLayer) -> Self {
        let (schemas, mut paths, method_router) = self;
        let (security, optional) = layer_security(layer.shared());
        document_layer(&mut paths, security.as_ref(), optional);
        (schemas, paths, method_router.route_layer(layer))
    }

    fn route_alb_auth(self, layer: AlbAuthLayer) -> Self {
        let (schemas, mut paths, method_router) = self;
        let (security, optional) = layer_security(layer.shared());
        document_alb_authentication(&mut paths, security.as_ref(), optional);
        (schemas, paths, method_router.route_layer(layer))
    }
}
