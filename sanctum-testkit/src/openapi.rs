//! Checks of the OpenAPI documents the adapters' `utoipa` and `aide` features write: parsed
//! with `oas3` (an OpenAPI 3.1 model nobody here wrote), and every security requirement names a
//! scheme the document defines, with OAuth2 scopes its flows declare.

use std::collections::BTreeMap;

use oas3::spec::{ObjectOrReference, SecurityScheme};

/// One Security Requirement Object: scheme name to names.
pub type Object = BTreeMap<String, Vec<String>>;

/// Parses `json` with `oas3`, checks its version (3.1) and its security references; panics
/// saying what is wrong. Returns the parsed document.
pub fn validate(json: &str) -> oas3::Spec {
    let spec = oas3::from_json(json)
        .unwrap_or_else(|e| panic!("not an OpenAPI 3.1 document: {e}\n{json}"));
    spec.validate_version()
        .unwrap_or_else(|e| panic!("unsupported OpenAPI version: {e}"));
    let schemes = spec
        .components
        .as_ref()
        .map(|c| &c.security_schemes)
        .cloned()
        .unwrap_or_default();
    for (path, method, operation) in spec.operations() {
        for requirement in &operation.security {
            for (name, names) in &requirement.0 {
                let scheme = match schemes.get(name) {
                    Some(ObjectOrReference::Object(scheme)) => scheme,
                    _ => panic!(
                        "{method} {path}: security names {name:?}, which the document does not define"
                    ),
                };
                if let SecurityScheme::OAuth2 { flows, .. } = scheme {
                    let declared = flows
                        .authorization_code
                        .as_ref()
                        .map(|f| &f.scopes)
                        .unwrap_or_else(|| panic!("{name}: no authorization-code flow"));
                    for scope in names {
                        assert!(
                            declared.contains_key(scope),
                            "{method} {path}: scope {scope:?} is not declared by {name}"
                        );
                    }
                }
            }
        }
    }
    spec
}

/// The `security` of `method` (lower case) `path` of `doc`; `None` when the operation has none.
/// Panics when the operation is not in the document.
pub fn security(doc: &serde_json::Value, path: &str, method: &str) -> Option<Vec<Object>> {
    let operation = doc["paths"][path]
        .get(method)
        .unwrap_or_else(|| panic!("{method} {path} is not in the document"));
    let security = operation.get("security")?;
    Some(serde_json::from_value(security.clone()).expect("security is a list of objects"))
}

/// A Security Requirement Object from pairs.
pub fn object(pairs: &[(&str, &[&str])]) -> Object {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
        .collect()
}

/// The paths of the test services' routes, each behind its own rule: `admin` (group
/// `admin`), `orders` (scope `orders/read`), `reports` (group `finance`, or both scopes
/// `reports/read` and `reports/export`), `me` (any token), `home` (optional authentication),
/// `health` (public).
#[derive(Debug, Clone, Copy)]
pub struct Routes<'a> {
    /// `RequireGroup("admin")`.
    pub admin: &'a str,
    /// `RequireScope("orders/read")`.
    pub orders: &'a str,
    /// `Requirement::group("finance").or(Requirement::all_scopes(["reports/read", "reports/export"]))`.
    pub reports: &'a str,
    /// The authentication layer only.
    pub me: &'a str,
    /// An optional authentication layer.
    pub home: &'a str,
    /// No layer.
    pub health: &'a str,
}

/// Checks the security of `doc`'s GET operations of `routes`, written with the OAuth2 scheme.
pub fn check_routes_with_oauth2(doc: &serde_json::Value, routes: &Routes<'_>) {
    let get = |path| security(doc, path, "get");
    let op = |path: &str| &doc["paths"][path]["get"];
    assert_eq!(
        get(routes.admin),
        Some(vec![
            object(&[("cognito", &["admin"])]),
            object(&[("cognito_oauth2", &[])])
        ])
    );
    assert_eq!(
        op(routes.admin)["x-sanctum-groups"],
        serde_json::json!(["admin"])
    );
    assert_eq!(
        get(routes.orders),
        Some(vec![
            object(&[("cognito", &["orders/read"])]),
            object(&[("cognito_oauth2", &["orders/read"])]),
        ])
    );
    assert_eq!(op(routes.orders)["x-sanctum-groups"], serde_json::json!([]));
    assert_eq!(
        get(routes.reports),
        Some(vec![
            object(&[("cognito", &["reports/export", "reports/read"])]),
            object(&[("cognito_oauth2", &["reports/export", "reports/read"])]),
            object(&[("cognito", &["finance"])]),
            object(&[("cognito_oauth2", &[])]),
        ])
    );
    assert_eq!(
        get(routes.me),
        Some(vec![
            object(&[("cognito", &[])]),
            object(&[("cognito_oauth2", &[])])
        ])
    );
    assert_eq!(
        get(routes.home),
        Some(vec![
            object(&[("cognito", &[])]),
            object(&[("cognito_oauth2", &[])]),
            object(&[])
        ])
    );
    assert_eq!(get(routes.health), None);
    for path in [routes.admin, routes.orders, routes.reports] {
        let responses = &op(path)["responses"];
        assert!(
            responses["401"].is_object() && responses["403"].is_object(),
            "{path}: {responses}"
        );
    }
    assert!(op(routes.me)["responses"]["401"].is_object());
    let flow =
        &doc["components"]["securitySchemes"]["cognito_oauth2"]["flows"]["authorizationCode"];
    let declared: Vec<&String> = flow["scopes"].as_object().expect("scopes").keys().collect();
    assert_eq!(declared, ["orders/read", "reports/export", "reports/read"]);
}
