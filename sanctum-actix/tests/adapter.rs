//! Behaviour beyond the conformance table: custom rejections, `Option<CognitoUser>`, typed
//! claims, `.wrap()` order on apps and scopes, and shared (not copied) claims.

mod common;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, test, web};
use sanctum_actix::{CognitoAuth, CognitoUser, Refusal, RequireGroup, RequireScope, TypedClaims};
use sanctum_core::testing::TestIssuer;

use common::get;

/// Status, `WWW-Authenticate` and body of an answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    challenge: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

async fn answer<B: MessageBody>(response: ServiceResponse<B>) -> Answer {
    let status = response.status().as_u16();
    let challenge = common::challenge(response.headers());
    let body = test::read_body(response).await;
    Answer {
        status,
        challenge,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

#[actix_web::test]
async fn a_custom_rejection_replaces_the_answers_of_middleware_guards_and_extractors() {
    let issuer = TestIssuer::start().await.expect("issuer starts");
    let auth = CognitoAuth::new(issuer.verifier()).on_rejection(
        |rejection: Refusal, _request: sanctum_core::RejectedRequest| {
            HttpResponse::build(
                StatusCode::from_u16(rejection.status().as_u16()).unwrap_or_default(),
            )
            .body(format!("custom {}", rejection.error_code()))
        },
    );
    #[derive(serde::Deserialize)]
    struct Tenant {
        #[serde(rename = "custom:tenant")]
        _tenant: String,
    }
    let app = test::init_service(
        App::new()
            .service(
                web::resource("/protected")
                    .wrap(auth.clone())
                    .get(common::user_name),
            )
            .service(
                web::resource("/admin")
                    .wrap(RequireGroup("admin"))
                    .wrap(auth.clone())
                    .get(common::user_name),
            )
            // optional mode, but the handler insists on a user: the extractor refuses
            .service(
                web::resource("/strict")
                    .wrap(auth.clone().optional())
                    .get(common::user_name),
            )
            .service(
                web::resource("/tenant")
                    .wrap(auth)
                    .get(|_: TypedClaims<Tenant>| async { "tenant" }),
            ),
    )
    .await;
    let user = issuer.access_token().username("alice").build();

    let cases = [
        ("/protected", None, 401, "custom unauthorized"),
        ("/protected", Some("not-a-jwt"), 401, "custom invalid_token"),
        (
            "/admin",
            Some(user.as_str()),
            403,
            "custom insufficient_scope",
        ),
        ("/strict", None, 401, "custom unauthorized"),
        (
            "/tenant",
            Some(user.as_str()),
            403,
            "custom insufficient_scope",
        ),
    ];
    for (uri, token, status, body) in cases {
        let got = answer(test::call_service(&app, get(uri, token).to_request()).await).await;
        assert_eq!(
            (got.status, got.body.as_str()),
            (status, body),
            "{uri} {token:?}"
        );
        assert_eq!(
            got.challenge, None,
            "the custom response replaces the challenge too"
        );
    }
    // accepted requests are untouched
    let got =
        answer(test::call_service(&app, get("/protected", Some(&user)).to_request()).await).await;
    assert_eq!((got.status, got.body.as_str()), (200, "alice"));
}

#[actix_web::test]
async fn maybe_cognito_user_is_none_for_anonymous_requests_and_some_for_valid_tokens() {
    let issuer = TestIssuer::start().await.expect("issuer starts");
    let app = test::init_service(
        App::new()
            .service(
                web::resource("/optional")
                    .wrap(CognitoAuth::new(issuer.verifier()).optional())
                    .get(common::maybe_user_name),
            )
            // unlike actix-web's Option<T>, the missing middleware is a 500, as in sanctum-axum
            .service(web::resource("/no-layer").get(common::maybe_user_name)),
    )
    .await;
    let bob = issuer.access_token().username("bob").build();

    let got = answer(test::call_service(&app, get("/optional", None).to_request()).await).await;
    assert_eq!((got.status, got.body.as_str()), (200, "anonymous"));
    let got =
        answer(test::call_service(&app, get("/optional", Some(&bob)).to_request()).await).await;
    assert_eq!((got.status, got.body.as_str()), (200, "bob"));
    let expired = issuer.access_token().expires_in_secs(-60).build();
    let got =
        answer(test::call_service(&app, get("/optional", Some(&expired)).to_request()).await).await;
    assert_eq!(
        got.status, 401,
        "an invalid token is refused even in optional mode"
    );
    assert_eq!(got.json()["error"], "invalid_token");
    let got =
        answer(test::call_service(&app, get("/no-layer", Some(&bob)).to_request()).await).await;
    assert_eq!(got.status, 500);
    assert_eq!(got.json()["error"], "server_error");
}

#[derive(Debug, serde::Deserialize)]
struct TenantClaims {
    sub: String,
    #[serde(rename = "custom:tenant")]
    tenant: String,
    #[serde(rename = "custom:seats")]
    seats: u32,
}

async fn tenant(claims: TypedClaims<TenantClaims>) -> String {
    format!("{} {} {}", claims.sub, claims.tenant, claims.seats)
}

#[actix_web::test]
async fn typed_claims_decode_custom_attributes_and_refuse_payloads_that_do_not_fit() {
    let issuer = TestIssuer::start().await.expect("issuer starts");
    let app = test::init_service(
        App::new()
            .service(
                web::resource("/tenant")
                    .wrap(CognitoAuth::new(issuer.verifier()).optional())
                    .get(tenant),
            )
            .service(web::resource("/no-layer").get(tenant)),
    )
    .await;
    let acme = issuer
        .access_token()
        .sub("user-1")
        .claim("custom:tenant", "acme")
        .claim("custom:seats", 12)
        .build();
    let got =
        answer(test::call_service(&app, get("/tenant", Some(&acme)).to_request()).await).await;
    assert_eq!((got.status, got.body.as_str()), (200, "user-1 acme 12"));

    let wrong_type = issuer
        .access_token()
        .claim("custom:tenant", "acme")
        .claim("custom:seats", "many")
        .build();
    let plain = issuer.access_token().build();
    for token in [&wrong_type, &plain] {
        let got =
            answer(test::call_service(&app, get("/tenant", Some(token)).to_request()).await).await;
        // valid token, claims that do not fit: 403 (signing in again would not help)
        assert_eq!(got.status, 403);
        assert_eq!(got.json()["error"], "insufficient_scope");
        assert!(
            got.challenge
                .is_some_and(|c| c.starts_with("Bearer error=\"insufficient_scope\""))
        );
        assert!(!got.body.contains(token.as_str()));
    }

    let got = answer(test::call_service(&app, get("/tenant", None).to_request()).await).await;
    assert_eq!(
        (got.status, got.challenge.as_deref()),
        (401, Some("Bearer"))
    );
    let got =
        answer(test::call_service(&app, get("/no-layer", Some(&acme)).to_request()).await).await;
    assert_eq!(got.status, 500);
    assert!(
        got.json()["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("CognitoAuth"))
    );
}

#[actix_web::test]
async fn guards_work_on_apps_and_scopes_when_wrapped_before_the_middleware() {
    let issuer = TestIssuer::start().await.expect("issuer starts");
    let auth = CognitoAuth::new(issuer.verifier());
    let app = test::init_service(
        App::new()
            .service(
                web::scope("/right")
                    .wrap(RequireGroup("admin"))
                    .wrap(auth.clone())
                    .route("/x", web::get().to(common::user_name)),
            )
            .service(
                // the wrong order: the guard is outermost and runs before the middleware
                web::scope("/wrong")
                    .wrap(auth.clone())
                    .wrap(RequireGroup("admin"))
                    .route("/x", web::get().to(common::user_name)),
            )
            .service(
                web::scope("/scopes")
                    .service(
                        web::resource("/any")
                            .wrap(RequireScope::any(["orders/read", "orders/write"]))
                            .get(common::user_name),
                    )
                    .service(
                        web::resource("/all")
                            .wrap(RequireScope::all(["orders/read", "orders/write"]))
                            .get(common::user_name),
                    )
                    // the middleware on an enclosing scope serves the guards inside it
                    .wrap(auth),
            ),
    )
    .await;
    let admin = issuer
        .access_token()
        .username("root")
        .groups(["admin"])
        .build();
    let user = issuer.access_token().username("alice").build();
    let reader = issuer
        .access_token()
        .username("rita")
        .scopes(["orders/read"])
        .build();
    let writer = issuer
        .access_token()
        .username("wes")
        .scopes(["orders/read", "orders/write"])
        .build();

    let cases = [
        ("/right/x", Some(&admin), 200),
        ("/right/x", Some(&user), 403),
        ("/right/x", None, 401),
        ("/wrong/x", Some(&admin), 500),
        ("/scopes/any", Some(&reader), 200),
        ("/scopes/any", Some(&user), 403),
        ("/scopes/all", Some(&reader), 403),
        ("/scopes/all", Some(&writer), 200),
    ];
    for (uri, token, status) in cases {
        let got = answer(
            test::call_service(&app, get(uri, token.map(String::as_str)).to_request()).await,
        )
        .await;
        assert_eq!(
            got.status,
            status,
            "{uri} {:?}: {}",
            token.is_some(),
            got.body
        );
        if status == 500 {
            let hint = got.json()["error_description"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                hint.contains("CognitoAuth") && hint.contains("last .wrap()"),
                "{hint}"
            );
        }
    }
}

#[actix_web::test]
async fn an_optional_guarded_route_answers_401_with_a_bare_challenge_for_anonymous_requests() {
    let issuer = TestIssuer::start().await.expect("issuer starts");
    let app = test::init_service(
        App::new()
            .wrap(RequireGroup("admin"))
            .wrap(CognitoAuth::new(issuer.verifier()).optional())
            .route("/", web::get().to(common::maybe_user_name)),
    )
    .await;
    let got = answer(test::call_service(&app, get("/", None).to_request()).await).await;
    assert_eq!(
        (got.status, got.challenge.as_deref()),
        (401, Some("Bearer"))
    );
    assert_eq!(got.json()["error"], "unauthorized");
}

#[actix_web::test]
async fn extractors_share_the_verified_claims_instead_of_copying_them() {
    let issuer = TestIssuer::start().await.expect("issuer starts");
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let app = test::init_service(App::new().wrap(CognitoAuth::new(issuer.verifier())).route(
        "/",
        web::get().to(move |a: CognitoUser, b: CognitoUser| {
            let record = Arc::clone(&record);
            async move {
                assert!(Arc::ptr_eq(a.claims(), b.claims()));
                if let Ok(mut seen) = record.lock() {
                    seen.push(a.into_claims());
                }
                "ok"
            }
        }),
    ))
    .await;
    let token = issuer.access_token().build();
    for _ in 0..2 {
        let got = answer(test::call_service(&app, get("/", Some(&token)).to_request()).await).await;
        assert_eq!(got.status, 200);
    }
    let seen = seen.lock().expect("not poisoned");
    assert_eq!(seen.len(), 2);
    assert!(
        Arc::ptr_eq(&seen[0], &seen[1]),
        "the second request reuses the verifier's cached claims"
    );
}

/// Compile-time proof: the middleware, guards, rejections and users can be built once and
/// shared with every worker (`HttpServer::new` needs `Send` factories).
const _: () = {
    const fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<CognitoAuth>();
    shareable::<RequireGroup>();
    shareable::<RequireScope>();
    shareable::<sanctum_actix::Require>();
    shareable::<sanctum_actix::CognitoRejection>();
    shareable::<CognitoUser>();
};

#[actix_web::test]
async fn a_verifier_of_pools_added_at_run_time_serves_the_middleware() {
    let issuer = TestIssuer::start().await.expect("issuer starts");
    let tenants = sanctum_actix::PoolRegistry::new();
    let verifier = sanctum_actix::Verifier::builder()
        .pool_registry(tenants.clone())
        .build()
        .expect("builds");
    let app = test::init_service(
        App::new().service(
            web::resource("/me")
                .wrap(CognitoAuth::new(verifier))
                .get(common::user_name),
        ),
    )
    .await;
    let (a, b) = ("eu-west-1_TenantA", "us-east-2_TenantB");
    let token = |pool: &str| {
        issuer
            .access_token()
            .issuer(&issuer.tenant_issuer(pool))
            .build()
    };
    let (token_a, token_b) = (token(a), token(b));
    tenants.insert(issuer.tenant_pool(a)).expect("valid pool");

    let got = answer(test::call_service(&app, get("/me", Some(&token_a)).to_request()).await).await;
    assert_eq!((got.status, got.body.as_str()), (200, "alice"));
    let got = answer(test::call_service(&app, get("/me", Some(&token_b)).to_request()).await).await;
    assert_eq!(got.status, 401);

    tenants.insert(issuer.tenant_pool(b)).expect("valid pool");
    let got = answer(test::call_service(&app, get("/me", Some(&token_b)).to_request()).await).await;
    assert_eq!(got.status, 200);

    // removed: its (cached) token is refused at once
    tenants.remove(a);
    let got = answer(test::call_service(&app, get("/me", Some(&token_a)).to_request()).await).await;
    assert_eq!(got.status, 401);
    assert!(
        got.challenge.is_some_and(|c| c.contains("invalid_token")),
        "an unknown issuer"
    );
    let got = answer(test::call_service(&app, get("/me", Some(&token_b)).to_request()).await).await;
    assert_eq!(got.status, 200);
}
