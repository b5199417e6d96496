//! What the layer and guards tell an operator through `tracing`: the verified user on the
//! request's span (tower-http's `TraceLayer`, fields declared `Empty`), one `debug` event per
//! refused request, and never a token.

mod common;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::Request;
use sanctum_axum::{AlbAuthLayer, CognitoAuthLayer, RequireGroup};
use sanctum_core::observe::request_span;
use sanctum_core::testing::{AlbTestIssuer, TestIssuer};
use sanctum_testkit::logs::{
    LogCapture, assert_no_token, assert_one_refusal, assert_user_fields, lines_with,
};
use tower_http::trace::TraceLayer;

use common::{bearer, get_with};

/// A handler that logs, so the capture shows the request's span with its fields.
async fn handled() -> &'static str {
    tracing::info!("handled");
    "ok"
}

fn app(issuer: &TestIssuer, declare_fields: bool) -> Router {
    let routes = Router::new()
        .route("/me", get(handled))
        .route("/admin", get(handled).route_layer(RequireGroup("admin")))
        .route_layer(CognitoAuthLayer::new(issuer.verifier()));
    if declare_fields {
        routes.layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                request_span(req.method().as_str(), req.uri().path())
            }),
        )
    } else {
        // tower-http's own span: it declares none of sanctum's fields
        routes.layer(TraceLayer::new_for_http())
    }
}

#[tokio::test]
async fn the_request_span_carries_the_verified_user_and_a_refusal_is_one_debug_event() {
    let logs = LogCapture::start();
    let issuer = TestIssuer::start().await.expect("issuer");
    let app = app(&issuer, true);
    let token = issuer
        .access_token()
        .sub("5f2c-observed-user")
        .scopes(["openid", "orders/read"])
        .build();

    let mark = logs.mark();
    assert_eq!(get_with(&app, "/me", &bearer(&token)).await.status, 200);
    let captured = logs.since(mark);
    let handled = lines_with(&captured, "handled");
    assert_eq!(handled.len(), 1, "{captured}");
    assert_user_fields(
        handled[0],
        "5f2c-observed-user",
        "openid orders/read",
        issuer.client_id(),
    );

    // a cached token (the hot path) records the same
    let mark = logs.mark();
    assert_eq!(get_with(&app, "/me", &bearer(&token)).await.status, 200);
    let captured = logs.since(mark);
    assert!(
        lines_with(&captured, "handled")[0].contains("enduser.id=\"5f2c-observed-user\""),
        "{captured}"
    );

    // refusals: by the layer (expired), by the guard (no group), without a token
    let expired = issuer.access_token().expires_in_secs(-60).build();
    for (path, headers, reason) in [
        ("/me", bearer(&expired), "expired"),
        ("/admin", bearer(&token), "admin"),
        ("/me", vec![], "bearer token is required"),
    ] {
        let mark = logs.mark();
        let answer = get_with(&app, path, &headers).await;
        assert!(matches!(answer.status, 401 | 403), "{path}: {answer:?}");
        assert_one_refusal(&logs.since(mark), reason);
    }

    assert_no_token(&logs.text(), &[&token, &expired]);
}

#[tokio::test]
async fn a_span_without_the_fields_is_left_alone() {
    let logs = LogCapture::start();
    let issuer = TestIssuer::start().await.expect("issuer");
    let app = app(&issuer, false);
    let token = issuer.access_token().sub("5f2c-undeclared").build();
    assert_eq!(get_with(&app, "/me", &bearer(&token)).await.status, 200);
    let captured = logs.text();
    let handled = lines_with(&captured, "handled");
    assert_eq!(handled.len(), 1, "{captured}");
    assert!(
        handled[0].contains("request{"),
        "tower-http's span: {}",
        handled[0]
    );
    assert!(!captured.contains("enduser.id"), "{captured}");
    assert!(!captured.contains("5f2c-undeclared"), "{captured}");
}

#[tokio::test]
async fn an_alb_request_records_the_same_user_fields_as_a_bearer_request() {
    let logs = LogCapture::start();
    let issuer = TestIssuer::start().await.expect("issuer");
    let alb = AlbTestIssuer::for_issuer(&issuer)
        .await
        .expect("load balancer");
    let verifier = alb
        .verifier_builder()
        .access_token(issuer.verifier())
        .build()
        .expect("ALB verifier");
    let app = Router::new()
        .route("/me", get(handled))
        .route_layer(AlbAuthLayer::new(verifier))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                request_span(req.method().as_str(), req.uri().path())
            }),
        );
    let data = alb.data_token().sub("9c3e-alb-user").build();
    let access = issuer
        .access_token()
        .sub("9c3e-alb-user")
        .scopes(["openid", "orders/read"])
        .build();
    let headers = vec![
        ("x-amzn-oidc-data".to_owned(), data.clone()),
        ("x-amzn-oidc-accesstoken".to_owned(), access.clone()),
    ];

    let mark = logs.mark();
    assert_eq!(get_with(&app, "/me", &headers).await.status, 200);
    let captured = logs.since(mark);
    let handled = lines_with(&captured, "handled");
    assert_eq!(handled.len(), 1, "{captured}");
    assert_user_fields(
        handled[0],
        "9c3e-alb-user",
        "openid orders/read",
        issuer.client_id(),
    );
    assert_no_token(&logs.text(), &[&data, &access]);
}
