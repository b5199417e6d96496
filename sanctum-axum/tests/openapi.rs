//! The OpenAPI documents of features `utoipa` and `aide`: the security requirement of each
//! route comes from the guard that protects it (the same call adds both), the documents parse
//! as OpenAPI 3.1 and name only schemes they define.

#![cfg(all(feature = "utoipa", feature = "aide"))]

mod common;

use axum::Router;
use sanctum_axum::openapi::CognitoSecurity;
use sanctum_axum::{CognitoAuthLayer, Require, RequireGroup, RequireScope, Requirement};
use sanctum_core::testing::TestIssuer;
use sanctum_testkit::openapi::{Routes, check_routes_with_oauth2, object, security, validate};

use common::{bearer, get_with};

const AUTHORIZE: &str = "https://demo.auth.eu-west-1.amazoncognito.com/oauth2/authorize";
const TOKEN: &str = "https://demo.auth.eu-west-1.amazoncognito.com/oauth2/token";

mod with_utoipa {
    use sanctum_axum::CognitoUser;
    use sanctum_axum::openapi::utoipa::OpenApiRouterExt as _;
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;

    use super::*;

    #[utoipa::path(get, path = "/admin", responses((status = 200, description = "the answer", body = String)))]
    pub(super) async fn admin(user: CognitoUser) -> String {
        user.sub().to_owned()
    }

    #[utoipa::path(get, path = "/orders", responses((status = 200, description = "the answer", body = String)))]
    pub(super) async fn orders() -> &'static str {
        "[]"
    }

    #[utoipa::path(get, path = "/reports", responses((status = 200, description = "the answer", body = String)))]
    pub(super) async fn reports() -> &'static str {
        "reports"
    }

    #[utoipa::path(get, path = "/me", responses((status = 200, description = "the answer", body = String)))]
    pub(super) async fn me(user: CognitoUser) -> String {
        user.sub().to_owned()
    }

    #[utoipa::path(get, path = "/home", responses((status = 200, description = "the answer", body = String)))]
    pub(super) async fn home() -> &'static str {
        "home"
    }

    #[utoipa::path(get, path = "/health", responses((status = 200, description = "the answer", body = String)))]
    pub(super) async fn health() -> &'static str {
        "ok"
    }

    /// The service's routes: each guard on its own routes (`routes!(...)`), the layer over
    /// them all, an optional layer, a public route.
    pub(super) fn app(auth: CognitoAuthLayer) -> (Router, utoipa::openapi::OpenApi) {
        let rule = Requirement::group("finance")
            .or(Requirement::all_scopes(["reports/read", "reports/export"]));
        OpenApiRouter::new()
            .routes(routes!(admin).route_guard(RequireGroup("admin")))
            .routes(routes!(orders).route_guard(RequireScope("orders/read")))
            .routes(routes!(reports).route_guard(Require::new(rule)))
            .routes(routes!(me))
            .route_auth(auth.clone())
            .routes(routes!(home).route_auth(auth.optional()))
            .routes(routes!(health))
            .split_for_parts()
    }
}

mod with_aide {
    use aide::axum::ApiRouter;
    use aide::axum::routing::get;
    use aide::openapi::OpenApi;
    use sanctum_axum::openapi::aide::{ApiRouterExt as _, apply};
    use sanctum_axum::{CognitoUser, TypedClaims};

    use super::*;

    #[derive(serde::Deserialize)]
    struct Sub {
        sub: String,
    }

    async fn admin(user: CognitoUser) -> String {
        user.sub().to_owned()
    }

    async fn me(claims: TypedClaims<Sub>) -> String {
        claims.sub.clone()
    }

    async fn home(user: Option<CognitoUser>) -> String {
        user.map(|u| u.sub().to_owned()).unwrap_or_default()
    }

    /// The same service as [`with_utoipa::app`], on aide.
    pub(super) fn app(auth: CognitoAuthLayer, security: &CognitoSecurity) -> (Router, OpenApi) {
        let rule = Requirement::group("finance")
            .or(Requirement::all_scopes(["reports/read", "reports/export"]));
        let admin_routes = ApiRouter::new()
            .api_route("/admin", get(admin))
            .route_guard(RequireGroup("admin"));
        let orders = ApiRouter::new()
            .api_route("/orders", get(|| async { "[]" }))
            .route_guard(RequireScope("orders/read"));
        let reports = ApiRouter::new()
            .api_route("/reports", get(|| async { "reports" }))
            .route_guard(Require::new(rule));
        let mut doc = OpenApi::default();
        let router = ApiRouter::new()
            .merge(admin_routes)
            .merge(orders)
            .merge(reports)
            .api_route("/me", get(me))
            .route_auth(auth.clone())
            .merge(
                ApiRouter::new()
                    .api_route("/home", get(home))
                    .route_auth(auth.optional()),
            )
            .api_route("/health", get(|| async { "ok" }))
            .finish_api(&mut doc);
        apply(security, &mut doc);
        (router, doc)
    }
}

const ROUTES: Routes<'static> = Routes {
    admin: "/admin",
    orders: "/orders",
    reports: "/reports",
    me: "/me",
    home: "/home",
    health: "/health",
};

/// What both documents must say, per route, with the OAuth2 scheme configured.
fn check_with_oauth2(doc: &serde_json::Value) {
    check_routes_with_oauth2(doc, &ROUTES);
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["cognito"]["bearerFormat"], "JWT");
    let flow = &schemes["cognito_oauth2"]["flows"]["authorizationCode"];
    assert_eq!(
        (flow["authorizationUrl"].as_str(), flow["tokenUrl"].as_str()),
        (Some(AUTHORIZE), Some(TOKEN))
    );
}

/// The guards the document names are the guards that run.
async fn check_the_router(router: &Router, issuer: &TestIssuer) {
    let user = issuer.access_token().build();
    let admin = issuer.access_token().groups(["admin"]).build();
    let reader = issuer.access_token().scopes(["orders/read"]).build();
    let cases = [
        ("/admin", vec![], 401),
        ("/admin", bearer(&user), 403),
        ("/admin", bearer(&admin), 200),
        ("/orders", bearer(&admin), 403),
        ("/orders", bearer(&reader), 200),
        ("/reports", bearer(&user), 403),
        ("/me", vec![], 401),
        ("/me", bearer(&user), 200),
        ("/home", vec![], 200),
        ("/health", vec![], 200),
    ];
    for (path, headers, status) in cases {
        let answer = get_with(router, path, &headers).await;
        assert_eq!(answer.status, status, "{path} {headers:?}: {}", answer.body);
    }
}

#[tokio::test]
async fn utoipa_documents_each_route_with_the_requirement_of_its_guard() {
    use utoipa::Modify as _;
    let issuer = TestIssuer::start().await.expect("issuer");
    let (router, doc) = with_utoipa::app(CognitoAuthLayer::new(issuer.verifier()));
    check_the_router(&router, &issuer).await;

    let mut with_oauth2 = doc.clone();
    CognitoSecurity::new()
        .oauth2(AUTHORIZE, TOKEN)
        .modify(&mut with_oauth2);
    let json = serde_json::to_string(&with_oauth2).expect("serialize");
    validate(&json);
    check_with_oauth2(&serde_json::from_str(&json).expect("json"));

    // without OAuth2 URLs: the bearer scheme only, and nothing names the other
    let mut bearer_only = doc;
    CognitoSecurity::new().modify(&mut bearer_only);
    let json = serde_json::to_string(&bearer_only).expect("serialize");
    validate(&json);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(
        security(&doc, "/admin", "get"),
        Some(vec![object(&[("cognito", &["admin"])])])
    );
    assert!(
        doc["components"]["securitySchemes"]
            .get("cognito_oauth2")
            .is_none()
    );
}

#[tokio::test]
async fn aide_documents_each_route_with_the_requirement_of_its_guard() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let security = CognitoSecurity::new().oauth2(AUTHORIZE, TOKEN);
    let (router, doc) = with_aide::app(CognitoAuthLayer::new(issuer.verifier()), &security);
    check_the_router(&router, &issuer).await;
    let json = serde_json::to_string(&doc).expect("serialize");
    validate(&json);
    check_with_oauth2(&serde_json::from_str(&json).expect("json"));
}

/// `route_auth` of a layer with a requirement (`require`) documents it as the guard would:
/// the same operation as `route_guard` then `route_auth`, an optional layer included (its
/// requirement refuses anonymous requests).
#[tokio::test]
async fn a_layer_requirement_is_documented_as_its_guard() {
    use sanctum_axum::CognitoUser;
    use sanctum_axum::openapi::aide::ApiRouterExt as _;
    use sanctum_axum::openapi::utoipa::OpenApiRouterExt as _;
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;

    let issuer = TestIssuer::start().await.expect("issuer");
    let auth = CognitoAuthLayer::new(issuer.verifier());
    let utoipa_admin = |router: OpenApiRouter| {
        let (_, doc) = router.split_for_parts();
        serde_json::to_value(&doc.paths.paths["/admin"]).expect("json")
    };
    let guarded = utoipa_admin(
        OpenApiRouter::new().routes(
            routes!(with_utoipa::admin)
                .route_guard(RequireGroup("admin"))
                .route_auth(auth.clone()),
        ),
    );
    assert_eq!(
        guarded["get"]["security"][0],
        serde_json::json!({ "cognito": ["admin"] })
    );
    for layer in [
        auth.clone().require(RequireGroup("admin")),
        auth.clone().optional().require(RequireGroup("admin")),
    ] {
        let in_layer = utoipa_admin(
            OpenApiRouter::new().routes(routes!(with_utoipa::admin).route_auth(layer.clone())),
        );
        assert_eq!(in_layer, guarded, "utoipa, method router: {layer:?}");
        let in_layer = utoipa_admin(
            OpenApiRouter::new()
                .routes(routes!(with_utoipa::admin))
                .route_auth(layer),
        );
        assert_eq!(in_layer, guarded, "utoipa, router");
    }

    async fn admin(user: CognitoUser) -> String {
        user.sub().to_owned()
    }
    let aide_admin = |router: aide::axum::ApiRouter| {
        let mut doc = aide::openapi::OpenApi::default();
        let _ = router.finish_api(&mut doc);
        serde_json::to_value(&doc.paths.expect("paths").paths["/admin"]).expect("json")
    };
    let route =
        || aide::axum::ApiRouter::new().api_route("/admin", aide::axum::routing::get(admin));
    let guarded = aide_admin(
        route()
            .route_guard(RequireGroup("admin"))
            .route_auth(auth.clone()),
    );
    assert!(guarded["get"]["security"].is_array(), "{guarded}");
    for layer in [
        auth.clone().require(RequireGroup("admin")),
        auth.optional().require(RequireGroup("admin")),
    ] {
        assert_eq!(aide_admin(route().route_auth(layer)), guarded, "aide");
    }
}

/// `route_alb_auth` documents an ALB layer: its rule in `x-sanctum-alb` (none: any signed-in
/// user; an optional layer admits anonymous requests unless it has a rule), the 401 and, for a
/// rule, the 403 response — and no security scheme, since the client sends the service no
/// token. utoipa (router and method router) and aide write the same; the document is valid.
#[tokio::test]
async fn an_alb_layer_documents_its_requirement_without_a_scheme() {
    use sanctum_axum::AlbAuthLayer;
    use sanctum_axum::openapi::aide::ApiRouterExt as _;
    use sanctum_axum::openapi::utoipa::OpenApiRouterExt as _;
    use sanctum_core::testing::AlbTestIssuer;
    use utoipa::Modify as _;
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;

    let issuer = TestIssuer::start().await.expect("issuer");
    let alb = AlbTestIssuer::for_issuer(&issuer)
        .await
        .expect("load balancer");
    let layer = AlbAuthLayer::new(alb.verifier_with_access_token(&issuer));
    let admin = layer.clone().require(RequireGroup("admin"));
    let (_, mut doc) = OpenApiRouter::<()>::new()
        .routes(routes!(with_utoipa::orders))
        .route_alb_auth(admin.clone())
        .routes(routes!(with_utoipa::reports).route_alb_auth(layer.clone().optional()))
        .routes(
            routes!(with_utoipa::home)
                .route_alb_auth(layer.clone().optional().require(RequireScope("home/read"))),
        )
        .routes(routes!(with_utoipa::me).route_alb_auth(layer.clone()))
        .routes(routes!(with_utoipa::health))
        .split_for_parts();
    CognitoSecurity::new().modify(&mut doc);
    let json = serde_json::to_string(&doc).expect("serialize");
    validate(&json);
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    let op = |path: &str| json["paths"][path]["get"].clone();
    let alb_doc = |anonymous: bool, groups: &[&str], scopes: &[&str]| {
        serde_json::json!({
            "anonymous": anonymous,
            "requirements": [{ "groups": groups, "scopes": scopes }],
        })
    };
    let expected = [
        ("/orders", alb_doc(false, &["admin"], &[]), true),
        ("/reports", alb_doc(true, &[], &[]), false),
        ("/home", alb_doc(false, &[], &["home/read"]), true),
        ("/me", alb_doc(false, &[], &[]), false),
    ];
    for (path, alb_value, forbidden) in &expected {
        let op = op(path);
        assert_eq!(&op["x-sanctum-alb"], alb_value, "{path}: {op}");
        assert!(op.get("security").is_none(), "{path}: no scheme: {op}");
        assert!(op["responses"]["401"].is_object(), "{path}: {op}");
        assert_eq!(op["responses"].get("403").is_some(), *forbidden, "{path}");
    }
    assert!(op("/health").get("x-sanctum-alb").is_none());

    // aide: the same extension and responses
    let mut aide_doc = aide::openapi::OpenApi::default();
    let _: Router = aide::axum::ApiRouter::new()
        .api_route("/orders", aide::axum::routing::get(|| async { "[]" }))
        .route_alb_auth(admin)
        .api_route("/reports", aide::axum::routing::get(|| async { "r" }))
        .route_alb_auth(layer.optional())
        .finish_api(&mut aide_doc);
    sanctum_axum::openapi::aide::apply(&CognitoSecurity::new(), &mut aide_doc);
    let aide_json = serde_json::to_value(&aide_doc).expect("json");
    for (path, alb_value, forbidden) in &expected[..1] {
        let op = &aide_json["paths"][path]["get"];
        assert_eq!(&op["x-sanctum-alb"], alb_value, "aide {path}: {op}");
        assert!(op.get("security").is_none(), "aide {path}: {op}");
        assert_eq!(
            op["responses"].get("403").is_some(),
            *forbidden,
            "aide {path}"
        );
    }
    // /orders is behind both layers (a route layer covers the routes added before it): the
    // outer optional one cannot admit anonymous requests the inner one refuses
    assert_eq!(
        aide_json["paths"]["/reports"]["get"]["x-sanctum-alb"],
        alb_doc(true, &[], &[]),
    );
}
