//! The OpenAPI document of feature `utoipa`: the security requirement of each scope comes
//! from the middleware that wraps it (`wrap_guard` / `wrap_auth` add both), and the document
//! parses as OpenAPI 3.1 and names only schemes it defines.

#![cfg(feature = "utoipa")]

mod common;

use actix_web::{App, get, test};
use sanctum_actix::openapi::{CognitoSecurity, ScopeExt as _};
use sanctum_actix::{CognitoAuth, CognitoUser, Require, RequireGroup, RequireScope, Requirement};
use sanctum_core::testing::TestIssuer;
use sanctum_testkit::openapi::{Routes, check_routes_with_oauth2, validate};
use utoipa::Modify as _;
use utoipa_actix_web::{AppExt as _, scope};

use common::get as request;

/// Admins only.
#[utoipa::path(responses((status = 200, description = "the admin page", body = String)))]
#[get("/admin")]
async fn admin(user: CognitoUser) -> String {
    user.sub().to_owned()
}

/// Readers of orders.
#[utoipa::path(responses((status = 200, description = "the orders", body = String)))]
#[get("/orders")]
async fn orders() -> &'static str {
    "[]"
}

/// Finance, or a token with both report scopes.
#[utoipa::path(responses((status = 200, description = "the reports", body = String)))]
#[get("/reports")]
async fn reports() -> &'static str {
    "reports"
}

/// Any signed-in user.
#[utoipa::path(responses((status = 200, description = "the caller", body = String)))]
#[get("/me")]
async fn me(user: CognitoUser) -> String {
    user.sub().to_owned()
}

/// Everyone, signed in or not.
#[utoipa::path(responses((status = 200, description = "the home page", body = String)))]
#[get("/home")]
async fn home() -> &'static str {
    "home"
}

/// Liveness.
#[utoipa::path(responses((status = 200, description = "ok", body = String)))]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

#[actix_web::test]
async fn each_scope_is_documented_with_the_requirement_of_its_guard() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let auth = CognitoAuth::new(issuer.verifier());
    let rule = Requirement::group("finance")
        .or(Requirement::all_scopes(["reports/read", "reports/export"]));
    let (app, doc) = App::new()
        .into_utoipa_app()
        .service(
            scope::scope("/admin")
                .service(admin)
                .wrap_guard(RequireGroup("admin"))
                .wrap_auth(auth.clone()),
        )
        .service(
            scope::scope("/shop")
                .service(orders)
                .wrap_guard(RequireScope("orders/read"))
                .wrap_auth(auth.clone()),
        )
        .service(
            scope::scope("/finance")
                .service(reports)
                .wrap_guard(Require::new(rule))
                .wrap_auth(auth.clone()),
        )
        .service(scope::scope("/user").service(me).wrap_auth(auth.clone()))
        .service(
            scope::scope("/open")
                .service(home)
                .wrap_auth(auth.optional()),
        )
        .service(health)
        .split_for_parts();

    // the middleware the document names is the middleware that runs
    let app = test::init_service(app).await;
    let user = issuer.access_token().build();
    let admin_token = issuer.access_token().groups(["admin"]).build();
    let reader = issuer.access_token().scopes(["orders/read"]).build();
    let cases = [
        ("/admin/admin", None, 401),
        ("/admin/admin", Some(&user), 403),
        ("/admin/admin", Some(&admin_token), 200),
        ("/shop/orders", Some(&admin_token), 403),
        ("/shop/orders", Some(&reader), 200),
        ("/finance/reports", Some(&user), 403),
        ("/user/me", None, 401),
        ("/user/me", Some(&user), 200),
        ("/open/home", None, 200),
        ("/health", None, 200),
    ];
    for (path, token, status) in cases {
        let response =
            test::call_service(&app, request(path, token.map(String::as_str)).to_request()).await;
        assert_eq!(response.status().as_u16(), status, "{path} {token:?}");
    }

    let mut doc = doc;
    CognitoSecurity::new()
        .oauth2(
            "https://d.example/oauth2/authorize",
            "https://d.example/oauth2/token",
        )
        .modify(&mut doc);
    let json = serde_json::to_string(&doc).expect("serialize");
    validate(&json);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    let routes = Routes {
        admin: "/admin/admin",
        orders: "/shop/orders",
        reports: "/finance/reports",
        me: "/user/me",
        home: "/open/home",
        health: "/health",
    };
    check_routes_with_oauth2(&doc, &routes);
}

/// `wrap_auth` of a middleware with a requirement (`require`) documents it as the guard
/// would: the same operation as `wrap_guard` then `wrap_auth`, an optional middleware
/// included (its requirement refuses anonymous requests).
#[actix_web::test]
async fn a_middleware_requirement_is_documented_as_its_guard() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let auth = CognitoAuth::new(issuer.verifier());
    let admin_path = |doc: utoipa::openapi::OpenApi| {
        serde_json::to_value(&doc.paths.paths["/admin/admin"]).expect("json")
    };
    let (_, doc) = App::new()
        .into_utoipa_app()
        .service(
            scope::scope("/admin")
                .service(admin)
                .wrap_guard(RequireGroup("admin"))
                .wrap_auth(auth.clone()),
        )
        .split_for_parts();
    let guarded = admin_path(doc);
    assert_eq!(
        guarded["get"]["security"][0],
        serde_json::json!({ "cognito": ["admin"] })
    );
    for middleware in [
        auth.clone().require(RequireGroup("admin")),
        auth.clone().optional().require(RequireGroup("admin")),
    ] {
        let (_, doc) = App::new()
            .into_utoipa_app()
            .service(
                scope::scope("/admin")
                    .service(admin)
                    .wrap_auth(middleware.clone()),
            )
            .split_for_parts();
        assert_eq!(admin_path(doc), guarded, "{middleware:?}");
    }
}

/// `wrap_auth` of an [`AlbAuth`](sanctum_actix::AlbAuth) documents it: its rule in
/// `x-sanctum-alb` (none: any signed-in user; an optional middleware admits anonymous requests
/// unless it has a rule), the 401 and, for a rule, the 403 response — and no security scheme,
/// since the client sends the service no token. The document is valid.
#[actix_web::test]
async fn an_alb_middleware_documents_its_requirement_without_a_scheme() {
    use sanctum_actix::AlbAuth;
    use sanctum_core::testing::AlbTestIssuer;

    let issuer = TestIssuer::start().await.expect("issuer");
    let alb = AlbTestIssuer::for_issuer(&issuer)
        .await
        .expect("load balancer");
    let auth = AlbAuth::new(alb.verifier_with_access_token(&issuer));
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .service(
            scope::scope("/admin")
                .service(orders)
                .wrap_auth(auth.clone().require(RequireGroup("admin"))),
        )
        .service(
            scope::scope("/open")
                .service(reports)
                .wrap_auth(auth.clone().optional()),
        )
        .service(
            scope::scope("/home")
                .service(home)
                .wrap_auth(auth.clone().optional().require(RequireScope("home/read"))),
        )
        .service(scope::scope("/user").service(me).wrap_auth(auth))
        .service(health)
        .split_for_parts();
    CognitoSecurity::new().modify(&mut doc);
    let json = serde_json::to_string(&doc).expect("serialize");
    validate(&json);
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    let alb_doc = |anonymous: bool, groups: &[&str], scopes: &[&str]| {
        serde_json::json!({
            "anonymous": anonymous,
            "requirements": [{ "groups": groups, "scopes": scopes }],
        })
    };
    for (path, alb_value, forbidden) in [
        ("/admin/orders", alb_doc(false, &["admin"], &[]), true),
        ("/open/reports", alb_doc(true, &[], &[]), false),
        ("/home/home", alb_doc(false, &[], &["home/read"]), true),
        ("/user/me", alb_doc(false, &[], &[]), false),
    ] {
        let op = &json["paths"][path]["get"];
        assert_eq!(op["x-sanctum-alb"], alb_value, "{path}: {op}");
        assert!(op.get("security").is_none(), "{path}: no scheme: {op}");
        assert!(op["responses"]["401"].is_object(), "{path}: {op}");
        assert_eq!(op["responses"].get("403").is_some(), forbidden, "{path}");
    }
    assert!(
        json["paths"]["/health"]["get"]
            .get("x-sanctum-alb")
            .is_none()
    );
}
