//! The guards' security written into [utoipa](https://docs.rs/utoipa/6)'s document types
//! (feature `utoipa`): what `sanctum-axum`'s and `sanctum-actix`'s `utoipa` features call on
//! the paths their guards protect, and [`CognitoSecurity`] as a [`Modify`] adding the schemes.
//!
//! ```
//! use sanctum_core::Requirement;
//! use sanctum_core::openapi::{CognitoSecurity, SecurityRequirements};
//! use sanctum_core::openapi::utoipa::{document_guard, operations};
//! use utoipa::Modify as _;
//! use utoipa::openapi::{HttpMethod, OpenApi, Paths, path::Operation};
//!
//! let mut paths = Paths::new();
//! paths.add_path_operation("/admin", vec![HttpMethod::Get], Operation::new());
//! document_guard(&mut paths, &SecurityRequirements::of(&Requirement::group("admin")));
//!
//! let mut doc = OpenApi::new(Default::default(), paths);
//! CognitoSecurity::new().modify(&mut doc);
//! let json = serde_json::to_value(&doc).unwrap();
//! assert_eq!(json["paths"]["/admin"]["get"]["security"], serde_json::json!([{"cognito": ["admin"]}]));
//! assert_eq!(json["components"]["securitySchemes"]["cognito"]["scheme"], "bearer");
//! ```

use std::collections::BTreeSet;

use utoipa::Modify;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::{Operation, PathItem, Paths};
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{
    AuthorizationCode, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityRequirement,
    SecurityScheme,
};
use utoipa::openapi::{Components, OpenApi, RefOr};

use super::{
    ALB_EXTENSION, ALB_UNAUTHORIZED, BEARER_DESCRIPTION, BEARER_SCHEME, CognitoSecurity,
    GROUPS_EXTENSION, OAUTH2_DESCRIPTION, OAUTH2_SCHEME, RequirementObject, SCOPE_DESCRIPTION,
    SecurityRequirements, alb_authenticate, authenticate,
};

/// Every operation of a path item.
///
/// Used with [`SecurityRequirements::conjoin`](super::SecurityRequirements::conjoin); the
/// [module docs](super) show a document built from guards.
pub fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
        &mut item.query,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
    .chain(item.additional_operations.values_mut())
}

fn all_operations(paths: &mut Paths) -> impl Iterator<Item = &mut Operation> {
    paths.paths.values_mut().flat_map(operations)
}

/// The operation's `security` as plain objects.
fn read(operation: &Operation) -> Vec<RequirementObject> {
    operation
        .security
        .iter()
        .flatten()
        .filter_map(|r| serde_json::to_value(r).ok())
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

fn write(operation: &mut Operation, objects: Vec<RequirementObject>) {
    let security = objects
        .into_iter()
        .filter_map(|o| serde_json::to_value(o).ok())
        .filter_map(|v| serde_json::from_value::<SecurityRequirement>(v).ok())
        .collect();
    operation.security = Some(security);
}

fn extension_groups(operation: &Operation) -> Option<BTreeSet<String>> {
    let value = operation.extensions.as_ref()?.get(GROUPS_EXTENSION)?;
    serde_json::from_value(value.clone()).ok()
}

/// Adds `status` with `description` unless the operation documents it already.
fn add_response(operation: &mut Operation, status: &str, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::T(Response::new(description)));
}

/// The answer a Cognito token's absence or failure gets, as a response description.
const UNAUTHORIZED: &str = "No token, or an invalid one (`WWW-Authenticate: Bearer`)";
/// A guard's refusal, as a response description.
const FORBIDDEN: &str = "The token lacks a required group or scope (`insufficient_scope`)";

/// Documents a guard asking for `security` on every operation of `paths`: the security
/// requirement (conjoined with what the operation had), [`GROUPS_EXTENSION`], and the 401
/// and 403 responses.
pub fn document_guard(paths: &mut Paths, security: &SecurityRequirements) {
    let groups = security.groups();
    for operation in all_operations(paths) {
        let existing = read(operation);
        write(operation, security.conjoin(&existing));
        let mut all = extension_groups(operation).unwrap_or_default();
        all.extend(groups.iter().map(|g| (*g).to_owned()));
        operation
            .extensions
            .get_or_insert_with(Extensions::default)
            .insert(GROUPS_EXTENSION.to_owned(), serde_json::json!(all));
        add_response(operation, "401", UNAUTHORIZED);
        add_response(operation, "403", FORBIDDEN);
    }
}

/// Documents the authentication layer in front of every operation of `paths` (see
/// [`super::authenticate`]) and its 401 response.
pub fn document_authentication(paths: &mut Paths, optional: bool) {
    for operation in all_operations(paths) {
        let existing = read(operation);
        let guarded = extension_groups(operation).is_some();
        write(operation, authenticate(&existing, optional, guarded));
        add_response(operation, "401", UNAUTHORIZED);
    }
}

/// Documents an authentication layer (its `require` rule `security` as a guard's, then the
/// layer: see [`document_guard`], [`document_authentication`]) on every operation of `paths`.
pub fn document_layer(paths: &mut Paths, security: Option<&SecurityRequirements>, optional: bool) {
    if let Some(security) = security {
        document_guard(paths, security);
    }
    document_authentication(paths, optional);
}

/// Documents an ALB authentication layer (asking for `security`, none: any signed-in user) in
/// front of every operation of `paths`: [`ALB_EXTENSION`] (see [`super::alb_authenticate`]),
/// the 401 response and, for a requirement, the 403 one — no security scheme (see the
/// [module docs](super#behind-an-application-load-balancer)).
pub fn document_alb_authentication(
    paths: &mut Paths,
    security: Option<&SecurityRequirements>,
    optional: bool,
) {
    for operation in all_operations(paths) {
        let guarded = extension_groups(operation).is_some();
        let extensions = operation.extensions.get_or_insert_with(Extensions::default);
        let value = alb_authenticate(extensions.get(ALB_EXTENSION), security, optional, guarded);
        extensions.insert(ALB_EXTENSION.to_owned(), value);
        add_response(operation, "401", ALB_UNAUTHORIZED);
        if security.is_some() {
            add_response(operation, "403", FORBIDDEN);
        }
    }
}

/// Adds the schemes ([`BEARER_SCHEME`], and [`OAUTH2_SCHEME`] declaring every scope an
/// operation asks for when the URLs are configured) and, without the OAuth2 scheme, removes
/// the objects naming it.
impl Modify for CognitoSecurity {
    fn modify(&self, openapi: &mut OpenApi) {
        let mut scopes = BTreeSet::new();
        for operation in all_operations(&mut openapi.paths) {
            let objects = read(operation);
            if objects.is_empty() && operation.security.is_none() {
                continue;
            }
            for object in &objects {
                scopes.extend(object.get(OAUTH2_SCHEME).into_iter().flatten().cloned());
            }
            write(operation, self.finish_requirements(objects));
        }
        let components = openapi.components.get_or_insert_with(Components::new);
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(BEARER_DESCRIPTION))
            .build();
        components.add_security_scheme(BEARER_SCHEME, SecurityScheme::Http(bearer));
        if let Some((authorize, token)) = self.oauth2_urls() {
            let scopes = Scopes::from_iter(scopes.iter().map(|s| (s.as_str(), SCOPE_DESCRIPTION)));
            let flow = Flow::AuthorizationCode(AuthorizationCode::new(authorize, token, scopes));
            let oauth2 = OAuth2::with_description([flow], OAUTH2_DESCRIPTION);
            components.add_security_scheme(OAUTH2_SCHEME, SecurityScheme::OAuth2(oauth2));
        }
    }
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::HttpMethod;

    use super::*;
    use crate::Requirement;

    fn paths(names: &[&str]) -> Paths {
        let mut paths = Paths::new();
        for name in names {
            paths.add_path_operation(*name, vec![HttpMethod::Get], Operation::new());
        }
        paths
    }

    fn get(doc: &OpenApi, path: &str) -> serde_json::Value {
        serde_json::to_value(doc).unwrap()["paths"][path]["get"].clone()
    }

    #[test]
    fn guard_then_layer_then_schemes() {
        let mut guarded = paths(&["/orders"]);
        let rule = Requirement::scope("orders/read").or(Requirement::group("admin"));
        document_guard(&mut guarded, &SecurityRequirements::of(&rule));
        document_authentication(&mut guarded, false);
        let mut doc = OpenApi::new(Default::default(), guarded);
        doc.paths.merge(paths(&["/health"]));

        let with_oauth2 =
            CognitoSecurity::new().oauth2("https://d/oauth2/authorize", "https://d/oauth2/token");
        let mut oauth = doc.clone();
        with_oauth2.modify(&mut oauth);
        let op = get(&oauth, "/orders");
        assert_eq!(
            op["security"],
            serde_json::json!([
                {"cognito": ["orders/read"]}, {"cognito_oauth2": ["orders/read"]},
                {"cognito": ["admin"]}, {"cognito_oauth2": []},
            ])
        );
        assert_eq!(op["x-sanctum-groups"], serde_json::json!(["admin"]));
        assert!(op["responses"]["401"].is_object() && op["responses"]["403"].is_object());
        assert!(get(&oauth, "/health").get("security").is_none());
        let json = serde_json::to_value(&oauth).unwrap();
        let flow =
            &json["components"]["securitySchemes"]["cognito_oauth2"]["flows"]["authorizationCode"];
        assert_eq!(flow["authorizationUrl"], "https://d/oauth2/authorize");
        assert!(flow["scopes"]["orders/read"].is_string());

        let mut bearer_only = doc;
        CognitoSecurity::new().modify(&mut bearer_only);
        assert_eq!(
            get(&bearer_only, "/orders")["security"],
            serde_json::json!([{"cognito": ["orders/read"]}, {"cognito": ["admin"]}])
        );
        let json = serde_json::to_value(&bearer_only).unwrap();
        assert!(
            json["components"]["securitySchemes"]
                .get("cognito_oauth2")
                .is_none()
        );
    }

    #[test]
    fn optional_layer_admits_anonymous_requests_unless_guarded() {
        let mut open = paths(&["/"]);
        document_authentication(&mut open, true);
        let mut doc = OpenApi::new(Default::default(), open);
        CognitoSecurity::new().modify(&mut doc);
        assert_eq!(
            get(&doc, "/")["security"],
            serde_json::json!([{"cognito": []}, {}])
        );

        let mut guarded = paths(&["/"]);
        document_guard(
            &mut guarded,
            &SecurityRequirements::of(&Requirement::amr("mfa")),
        );
        document_authentication(&mut guarded, true);
        let mut doc = OpenApi::new(Default::default(), guarded);
        CognitoSecurity::new().modify(&mut doc);
        assert_eq!(
            get(&doc, "/")["security"],
            serde_json::json!([{"cognito": []}])
        );
        assert_eq!(get(&doc, "/")["x-sanctum-groups"], serde_json::json!([]));
    }
}
