//! aide (feature `aide`): [`ApiRouterExt`] on `ApiRouter`, [`apply`] for the schemes, and
//! [`CognitoUser`] / [`TypedClaims`] as `OperationInput`s (a Cognito token's requirement where
//! no guard wrote one, and the 401 response).
//!
//! ```
//! use aide::axum::{ApiRouter, routing::get};
//! use aide::openapi::OpenApi;
//! use sanctum_axum::openapi::CognitoSecurity;
//! use sanctum_axum::openapi::aide::{ApiRouterExt as _, apply};
//! use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireScope};
//!
//! async fn orders(user: CognitoUser) -> String {
//!     format!("orders of {}", user.sub())
//! }
//!
//! # fn app(verifier: sanctum_axum::Verifier) -> Result<(), serde_json::Error> {
//! let mut doc = OpenApi::default();
//! let router: axum::Router = ApiRouter::new()
//!     .api_route("/orders", get(orders))
//!     .route_guard(RequireScope("orders/read"))
//!     .route_auth(CognitoAuthLayer::new(verifier))
//!     .api_route("/health", get(|| async { "ok" }))
//!     .finish_api(&mut doc);
//! apply(&CognitoSecurity::new(), &mut doc);
//!
//! let json = serde_json::to_value(&doc)?;
//! assert_eq!(json["paths"]["/orders"]["get"]["security"][0]["cognito"][0], "orders/read");
//! assert!(json["paths"]["/health"]["get"].get("security").is_none());
//! # let _ = router; Ok(()) }
//! ```

use std::collections::BTreeSet;

use aide::axum::ApiRouter;
use aide::generate::GenContext;
use aide::openapi::{
    Components, OAuth2Flow, OAuth2Flows, OpenApi, Operation, PathItem, ReferenceOr, Response,
    SecurityRequirement, SecurityScheme, StatusCode,
};
use aide::operation::OperationInput;
use sanctum_core::openapi::{
    ALB_EXTENSION, ALB_UNAUTHORIZED, BEARER_DESCRIPTION, BEARER_SCHEME, CognitoSecurity,
    GROUPS_EXTENSION, OAUTH2_DESCRIPTION, OAUTH2_SCHEME, RequirementObject, SCOPE_DESCRIPTION,
    SecurityRequirements, alb_authenticate, authenticate,
};

use crate::{AlbAuthLayer, CognitoAuthLayer, CognitoUser, Require, TypedClaims};

/// The description of the 401 response.
const UNAUTHORIZED: &str = "No token, or an invalid one (`WWW-Authenticate: Bearer`)";
/// The description of the 403 response.
const FORBIDDEN: &str = "The token lacks a required group or scope (`insufficient_scope`)";

/// Guards and the authentication layer that document themselves: each method is
/// `route_layer` plus the security requirement of the routes it covers (those added before).
///
/// See the [module docs](self) for an example.
pub trait ApiRouterExt: Sized {
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
    /// use aide::axum::{ApiRouter, routing::get};
    /// use aide::openapi::OpenApi;
    /// use sanctum_axum::openapi::aide::ApiRouterExt as _;
    /// use sanctum_axum::{AlbAuthLayer, RequireScope};
    ///
    /// # fn app(alb: sanctum_axum::sanctum_core::alb::AlbVerifier) -> Result<(), serde_json::Error> {
    /// let mut doc = OpenApi::default();
    /// let router: axum::Router = ApiRouter::new()
    ///     .api_route("/orders", get(|| async { "[]" }))
    ///     .route_alb_auth(AlbAuthLayer::new(alb).require(RequireScope("orders/read")))
    ///     .finish_api(&mut doc);
    ///
    /// let json = serde_json::to_value(&doc)?;
    /// let orders = &json["paths"]["/orders"]["get"];
    /// assert_eq!(orders["x-sanctum-alb"]["requirements"][0]["scopes"][0], "orders/read");
    /// assert!(orders.get("security").is_none());
    /// # let _ = router; Ok(()) }
    /// ```
    #[must_use]
    fn route_alb_auth(self, layer: AlbAuthLayer) -> Self;
}

impl<S> ApiRouterExt for ApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn route_guard(self, guard: impl Into<Require>) -> Self {
        let guard = guard.into();
        let security = SecurityRequirements::of(guard.requirement());
        self.route_layer(guard).with_path_items(|mut item| {
            operations(item.inner_mut()).for_each(|op| document_guard(op, &security));
            item
        })
    }

    fn route_auth(self, layer: CognitoAuthLayer) -> Self {
        let (security, optional) = super::layer_security(layer.shared());
        self.route_layer(layer).with_path_items(|mut item| {
            for operation in operations(item.inner_mut()) {
                if let Some(security) = &security {
                    document_guard(operation, security);
                }
                document_authentication(operation, optional);
            }
            item
        })
    }

    fn route_alb_auth(self, layer: AlbAuthLayer) -> Self {
        let (security, optional) = super::layer_security(layer.shared());
        self.route_layer(layer).with_path_items(|mut item| {
            for operation in operations(item.inner_mut()) {
                let guarded = operation.extensions.contains_key(GROUPS_EXTENSION);
                let before = operation.extensions.get(ALB_EXTENSION);
                let value = alb_authenticate(before, security.as_ref(), optional, guarded);
                operation.extensions.insert(ALB_EXTENSION.to_owned(), value);
                add_response(operation, 401, ALB_UNAUTHORIZED);
                if security.is_some() {
                    add_response(operation, 403, FORBIDDEN);
                }
            }
            item
        })
    }
}

/// Adds the security schemes of `security` to `api` (the bearer scheme; the OAuth2 scheme
/// declaring every scope an operation asks for when its URLs are configured, else the objects
/// naming it are removed). Call it on the finished document (after `finish_api`).
///
/// See the [module docs](self) for an example.
pub fn apply(security: &CognitoSecurity, api: &mut OpenApi) {
    let mut scopes = BTreeSet::new();
    for item in api.paths.iter_mut().flat_map(|p| p.paths.values_mut()) {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for operation in operations(item) {
            let objects = read(operation);
            for object in &objects {
                scopes.extend(object.get(OAUTH2_SCHEME).into_iter().flatten().cloned());
            }
            write(operation, security.finish_requirements(objects));
        }
    }
    let components = api.components.get_or_insert_with(Components::default);
    let bearer = SecurityScheme::Http {
        scheme: "bearer".to_owned(),
        bearer_format: Some("JWT".to_owned()),
        description: Some(BEARER_DESCRIPTION.to_owned()),
        extensions: Default::default(),
    };
    let schemes = &mut components.security_schemes;
    schemes.insert(BEARER_SCHEME.to_owned(), ReferenceOr::Item(bearer));
    if let Some((authorize, token)) = security.oauth2_urls() {
        let flow = OAuth2Flow::AuthorizationCode {
            authorization_url: authorize.to_owned(),
            token_url: token.to_owned(),
            refresh_url: None,
            scopes: scopes
                .into_iter()
                .map(|s| (s, SCOPE_DESCRIPTION.to_owned()))
                .collect(),
        };
        let oauth2 = SecurityScheme::OAuth2 {
            flows: OAuth2Flows {
                authorization_code: Some(flow),
                ..OAuth2Flows::default()
            },
            description: Some(OAUTH2_DESCRIPTION.to_owned()),
            extensions: Default::default(),
        };
        schemes.insert(OAUTH2_SCHEME.to_owned(), ReferenceOr::Item(oauth2));
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn read(operation: &Operation) -> Vec<RequirementObject> {
    operation
        .security
        .iter()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .collect()
}

fn write(operation: &mut Operation, objects: Vec<RequirementObject>) {
    operation.security = objects
        .into_iter()
        .map(|o| o.into_iter().collect::<SecurityRequirement>())
        .collect();
}

fn add_response(operation: &mut Operation, status: u16, description: &str) {
    operation
        .responses
        .get_or_insert_with(Default::default)
        .responses
        .entry(StatusCode::Code(status))
        .or_insert_with(|| {
            ReferenceOr::Item(Response {
                description: description.to_owned(),
                ..Response::default()
            })
        });
}

fn document_guard(operation: &mut Operation, security: &SecurityRequirements) {
    let existing = read(operation);
    write(operation, security.conjoin(&existing));
    let mut groups: BTreeSet<String> = operation
        .extensions
        .get(GROUPS_EXTENSION)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    groups.extend(security.groups().into_iter().map(str::to_owned));
    operation
        .extensions
        .insert(GROUPS_EXTENSION.to_owned(), serde_json::json!(groups));
    add_response(operation, 401, UNAUTHORIZED);
    add_response(operation, 403, FORBIDDEN);
}

fn document_authentication(operation: &mut Operation, optional: bool) {
    let existing = read(operation);
    let guarded = operation.extensions.contains_key(GROUPS_EXTENSION);
    write(operation, authenticate(&existing, optional, guarded));
    add_response(operation, 401, UNAUTHORIZED);
}

/// A handler taking the verified user needs a Cognito token: its requirement (unless a guard
/// wrote one) and the 401 response. `Option<CognitoUser>` documents the same (aide's `Option`
/// cannot say otherwise): document an anonymous-friendly route with an optional
/// [`route_auth`](ApiRouterExt::route_auth) layer, which adds `{}`.
impl OperationInput for CognitoUser {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        document_authentication(operation, false);
    }

    fn inferred_early_responses(
        _ctx: &mut GenContext,
        _operation: &mut Operation,
    ) -> Vec<(Option<u16>, Response)> {
        vec![(
            Some(401),
            Response {
                description: UNAUTHORIZED.to_owned(),
                ..Response::default()
            },
        )]
    }
}

/// As [`CognitoUser`]: typed claims need a Cognito token.
impl<T> OperationInput for TypedClaims<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        CognitoUser::operation_input(ctx, operation);
    }

    fn inferred_early_responses(
        ctx: &mut GenContext,
        operation: &mut Operation,
    ) -> Vec<(Option<u16>, Response)> {
        CognitoUser::inferred_early_responses(ctx, operation)
    }
}
