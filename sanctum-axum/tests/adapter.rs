//! Behaviour beyond the conformance table: custom rejections, `layer` vs `route_layer`, plain
//! tower services, typed claims.

mod common;

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use http::Request;
use sanctum_axum::{
    CognitoAuthLayer, CognitoUser, ExpectedUse, Refusal, RejectedRequest, RequireGroup,
    TypedClaims, default_response,
};
use sanctum_core::testing::TestIssuer;
use tower::{ServiceBuilder, ServiceExt as _};

use common::{answer, bearer, get_with, user_name};

/// A custom answer: 418 with the RFC 6750 code as plain text.
fn teapot(rejection: Refusal, _request: RejectedRequest) -> impl IntoResponse {
    (
        StatusCode::IM_A_TEAPOT,
        format!("custom: {}", rejection.error_code()),
    )
}

#[tokio::test]
async fn a_custom_rejection_replaces_every_refusal_of_the_layer_guards_and_extractors() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let alice = issuer.access_token().username("alice").build();
    let auth = CognitoAuthLayer::new(issuer.verifier()).on_rejection(teapot);
    let app = Router::new()
        .route("/protected", get(user_name).route_layer(auth.clone()))
        .route(
            "/admin",
            get(user_name)
                .route_layer(RequireGroup("admin"))
                .route_layer(auth.clone()),
        )
        // an optional layer lets the anonymous request reach the extractor, which refuses it
        .route("/extractor", get(user_name).route_layer(auth.optional()));

    let cases = [
        ("/protected", vec![], "custom: unauthorized"),
        ("/protected", bearer("not-a-jwt"), "custom: invalid_token"),
        ("/admin", bearer(&alice), "custom: insufficient_scope"),
        ("/admin", vec![], "custom: unauthorized"),
        ("/extractor", vec![], "custom: unauthorized"),
    ];
    for (path, headers, body) in cases {
        let answer = get_with(&app, path, &headers).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (418, body),
            "{path} {headers:?}"
        );
        assert_eq!(
            answer.www_authenticate, None,
            "{path}: the default challenge is replaced"
        );
    }
    let ok = get_with(
        &app,
        "/admin",
        &bearer(&issuer.access_token().groups(["admin"]).build()),
    )
    .await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "alice"));
}

#[tokio::test]
async fn a_custom_rejection_can_build_on_the_default_response() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let auth = CognitoAuthLayer::new(issuer.verifier()).on_rejection(
        |rejection: Refusal, _request: sanctum_core::RejectedRequest| {
            let mut response = default_response(&rejection);
            response
                .headers_mut()
                .insert("x-refused-by", "sanctum".parse().expect("header value"));
            response
        },
    );
    let app = Router::new().route("/", get(user_name)).route_layer(auth);
    let answer = get_with(&app, "/", &[]).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.www_authenticate.as_deref(), Some("Bearer"));
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn without_the_layer_the_500_says_what_to_add() {
    let app = Router::new()
        .route("/guard", get(user_name).route_layer(RequireGroup("admin")))
        .route("/extractor", get(user_name));
    for path in ["/guard", "/extractor"] {
        let answer = get_with(&app, path, &[]).await;
        assert_eq!(answer.status, 500, "{path}");
        let body: serde_json::Value = serde_json::from_str(&answer.body).expect("a JSON body");
        assert_eq!(body["error"], "server_error");
        let hint = body["error_description"].as_str().unwrap_or_default();
        assert!(hint.contains("CognitoAuthLayer"), "{path}: {hint}");
    }
}

#[tokio::test]
async fn router_layer_covers_unmatched_paths_and_route_layer_does_not() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let alice = issuer.access_token().username("alice").build();
    let auth = CognitoAuthLayer::new(issuer.verifier());

    // route_layer: only the routes added before it are protected; unknown paths stay 404
    let routed = Router::new()
        .route("/private", get(user_name))
        .route_layer(auth.clone())
        .route("/public", get(|| async { "public" }));
    assert_eq!(get_with(&routed, "/private", &[]).await.status, 401);
    assert_eq!(
        get_with(&routed, "/private", &bearer(&alice)).await.body,
        "alice"
    );
    assert_eq!(get_with(&routed, "/public", &[]).await.status, 200);
    assert_eq!(get_with(&routed, "/nowhere", &[]).await.status, 404);

    // layer: every request, matched or not, needs a token
    let layered = Router::new().route("/private", get(user_name)).layer(auth);
    assert_eq!(get_with(&layered, "/private", &[]).await.status, 401);
    assert_eq!(
        get_with(&layered, "/private", &bearer(&alice)).await.body,
        "alice"
    );
    assert_eq!(get_with(&layered, "/nowhere", &[]).await.status, 401);
    assert_eq!(
        get_with(&layered, "/nowhere", &bearer(&alice)).await.status,
        404
    );
}

#[tokio::test]
async fn guards_work_with_router_layer_too() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let app = Router::new()
        .route("/admin", get(user_name))
        .layer(RequireGroup("admin"))
        .layer(CognitoAuthLayer::new(issuer.verifier()));
    let user = issuer.access_token().username("ursula").build();
    let admin = issuer
        .access_token()
        .username("root")
        .groups(["admin"])
        .build();
    assert_eq!(get_with(&app, "/admin", &[]).await.status, 401);
    assert_eq!(get_with(&app, "/admin", &bearer(&user)).await.status, 403);
    let ok = get_with(&app, "/admin", &bearer(&admin)).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "root"));
}

#[tokio::test]
async fn the_layers_wrap_a_plain_tower_service() {
    let issuer = TestIssuer::start().await.expect("issuer");
    // no axum: a service_fn over http types, reading the user from the extensions
    let handler = tower::service_fn(|request: Request<String>| async move {
        let (parts, _body) = request.into_parts();
        let user = CognitoUser::of(&parts).expect("the layer ran");
        Ok::<_, Infallible>(http::Response::new(format!(
            "tower says hi to {}",
            user.sub()
        )))
    });
    let service = ServiceBuilder::new()
        .layer(CognitoAuthLayer::new(issuer.verifier()))
        .layer(RequireGroup("admin"))
        .service(handler);

    let call = |token: Option<String>| {
        let service = service.clone();
        async move {
            let mut request = Request::get("/");
            if let Some(token) = token {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            let response = service
                .oneshot(request.body(String::new()).expect("request"))
                .await;
            answer(response.expect("infallible")).await
        }
    };
    assert_eq!(call(None).await.status, 401);
    let user = issuer.access_token().build();
    assert_eq!(call(Some(user)).await.status, 403);
    let admin = issuer.access_token().sub("s-1").groups(["admin"]).build();
    let ok = call(Some(admin)).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "tower says hi to s-1"));
}

#[tokio::test]
async fn handlers_share_the_verified_claims_instead_of_copying_them() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let app = Router::new()
        .route(
            "/",
            get(|a: CognitoUser, b: CognitoUser| async move {
                Arc::ptr_eq(a.claims(), b.claims()).to_string()
            }),
        )
        .route_layer(CognitoAuthLayer::new(issuer.verifier()));
    let answer = get_with(&app, "/", &bearer(&issuer.access_token().build())).await;
    assert_eq!(answer.body, "true");
}

#[derive(serde::Deserialize)]
struct Tenant {
    #[serde(rename = "custom:tenant")]
    tenant: String,
    email: String,
}

#[tokio::test]
async fn typed_claims_are_decoded_from_the_verified_token() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let auth = CognitoAuthLayer::new(issuer.verifier()).expected_use(ExpectedUse::Id);
    let app = Router::new()
        .route(
            "/tenant",
            get(|t: TypedClaims<Tenant>| async move { format!("{} at {}", t.email, t.tenant) }),
        )
        .route_layer(auth.clone())
        .route(
            "/maybe",
            get(|t: Option<TypedClaims<Tenant>>| async move {
                t.map_or_else(|| "nobody".to_owned(), |t| t.tenant.clone())
            })
            .route_layer(auth.optional()),
        );

    let acme = issuer.id_token().claim("custom:tenant", "acme").build();
    let answer = get_with(&app, "/tenant", &bearer(&acme)).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "alice@example.com at acme")
    );

    // valid token, but without the claim the route needs: 403, signing in again won't help
    let plain = issuer.id_token().build();
    let refused = get_with(&app, "/tenant", &bearer(&plain)).await;
    assert_eq!(refused.status, 403);
    assert!(
        refused
            .www_authenticate
            .is_some_and(|c| c.starts_with("Bearer error=\"insufficient_scope\"")),
        "a 403 insufficient_scope challenge"
    );

    assert_eq!(get_with(&app, "/maybe", &[]).await.body, "nobody");
    assert_eq!(get_with(&app, "/maybe", &bearer(&acme)).await.body, "acme");
    assert_eq!(get_with(&app, "/maybe", &bearer(&plain)).await.status, 403);
}

#[tokio::test]
async fn a_guard_behind_an_optional_layer_still_needs_a_token() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let app = Router::new()
        .route("/admin", get(user_name))
        .route_layer(RequireGroup("admin"))
        .route_layer(CognitoAuthLayer::new(issuer.verifier()).optional());
    let anonymous = get_with(&app, "/admin", &[]).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.www_authenticate.as_deref(), Some("Bearer"));
    let admin = issuer
        .access_token()
        .username("root")
        .groups(["admin"])
        .build();
    assert_eq!(get_with(&app, "/admin", &bearer(&admin)).await.body, "root");
}

#[tokio::test]
async fn a_verifier_of_pools_added_at_run_time_serves_the_layer() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let tenants = sanctum_axum::PoolRegistry::new();
    let verifier = sanctum_axum::Verifier::builder()
        .pool_registry(tenants.clone())
        .build()
        .expect("builds");
    let app = Router::new()
        .route("/me", get(user_name))
        .route_layer(CognitoAuthLayer::new(verifier));
    let (a, b) = ("eu-west-1_TenantA", "us-east-2_TenantB");
    let token = |pool: &str| {
        issuer
            .access_token()
            .issuer(&issuer.tenant_issuer(pool))
            .build()
    };
    tenants.insert(issuer.tenant_pool(a)).expect("valid pool");

    let ok = get_with(&app, "/me", &bearer(&token(a))).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "alice"));
    assert_eq!(get_with(&app, "/me", &bearer(&token(b))).await.status, 401);

    tenants.insert(issuer.tenant_pool(b)).expect("valid pool");
    assert_eq!(get_with(&app, "/me", &bearer(&token(b))).await.status, 200);

    // removed: its (cached) token is refused at once
    tenants.remove(a);
    let refused = get_with(&app, "/me", &bearer(&token(a))).await;
    assert_eq!(refused.status, 401);
    assert!(
        refused
            .www_authenticate
            .is_some_and(|c| c.contains("invalid_token")),
        "an unknown issuer"
    );
    assert_eq!(get_with(&app, "/me", &bearer(&token(b))).await.status, 200);
}

/// A service that counts its clones: the auth layer clones the service behind it only when a
/// request must wait (a key to fetch), so the count shows which requests took the fast path.
#[derive(Debug)]
struct CountsClones(Arc<std::sync::atomic::AtomicUsize>);

impl Clone for CountsClones {
    fn clone(&self) -> Self {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self(Arc::clone(&self.0))
    }
}

impl tower::Service<Request<String>> for CountsClones {
    type Response = http::Response<String>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<String>) -> Self::Future {
        let (parts, _body) = request.into_parts();
        let user = CognitoUser::of(&parts).expect("the layer ran");
        std::future::ready(Ok(http::Response::new(user.sub().to_owned())))
    }
}

#[tokio::test]
async fn a_cached_alb_token_is_answered_without_waiting_and_still_checked() {
    use sanctum_axum::AlbAuthLayer;
    use sanctum_core::testing::{AlbTestIssuer, TEST_SUB};
    use tower::{Layer as _, Service as _};

    let issuer = TestIssuer::start().await.expect("issuer");
    let alb = AlbTestIssuer::for_issuer(&issuer)
        .await
        .expect("load balancer");
    let verifier = alb.verifier_with_access_token(&issuer);
    let clones = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut service = AlbAuthLayer::new(verifier.clone()).layer(CountsClones(Arc::clone(&clones)));
    let data = alb.data_token().build();
    let access = issuer.access_token().build();
    let other_user = issuer.access_token().sub("someone-else").build();
    let mut call = async |access: &str, identity: &str| {
        let request = Request::get("/")
            .header("x-amzn-oidc-data", &data)
            .header("x-amzn-oidc-accesstoken", access)
            .header("x-amzn-oidc-identity", identity)
            .body(String::new())
            .expect("request");
        let service = service.ready().await.expect("ready");
        answer(service.call(request).await.expect("infallible")).await
    };

    // the first request fetches the keys: it waits, and the layer clones the service for it
    let first = call(&access, TEST_SUB).await;
    assert_eq!((first.status, first.body.as_str()), (200, TEST_SUB));
    let waited = clones.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(verifier.cached_tokens(), 1, "the data token is cached");

    let again = call(&access, TEST_SUB).await;
    assert_eq!((again.status, again.body.as_str()), (200, TEST_SUB));
    // a cached data token is still checked against the identity and the access token
    assert_eq!(call(&access, "someone-else").await.status, 401);
    assert_eq!(call(&other_user, TEST_SUB).await.status, 401);
    assert_eq!(call("not-a-jwt", TEST_SUB).await.status, 401);
    assert_eq!(
        clones.load(std::sync::atomic::Ordering::SeqCst),
        waited,
        "answered without waiting: the service was never cloned again"
    );
    assert_eq!(verifier.cached_tokens(), 1);
}
