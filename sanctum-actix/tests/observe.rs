//! What the middleware and guards tell an operator through `tracing`: the verified user on the
//! request's span (fields declared `Empty`), one `debug` event per refused request, and never
//! a token.

mod common;

use actix_web::dev::Service as _;
use actix_web::{App, test, web};
use sanctum_actix::{AlbAuth, CognitoAuth, RequireGroup};
use sanctum_core::observe::request_span;
use sanctum_core::testing::{AlbTestIssuer, TestIssuer};
use sanctum_testkit::logs::{
    LogCapture, assert_no_token, assert_one_refusal, assert_user_fields, lines_with,
};
use tracing::Instrument as _;

use common::get;

/// A handler that logs, so the capture shows the request's span with its fields.
async fn handled() -> &'static str {
    tracing::info!("handled");
    "ok"
}

#[actix_web::test]
async fn the_request_span_carries_the_verified_user_and_a_refusal_is_one_debug_event() {
    let logs = LogCapture::start();
    let issuer = TestIssuer::start().await.expect("issuer");
    let auth = CognitoAuth::new(issuer.verifier());
    let app = test::init_service(
        App::new()
            .service(web::resource("/me").wrap(auth.clone()).get(handled))
            .service(
                web::resource("/admin")
                    .wrap(RequireGroup("admin"))
                    .wrap(auth)
                    .get(handled),
            )
            // the request's span, declaring sanctum's fields, around everything
            .wrap_fn(|req, srv| {
                let span = request_span(req.method().as_str(), req.path());
                let call = span.in_scope(|| srv.call(req));
                call.instrument(span)
            }),
    )
    .await;
    let token = issuer
        .access_token()
        .sub("7a1d-observed-user")
        .scopes(["openid", "orders/read"])
        .build();

    for round in ["first (keys fetched)", "cached"] {
        let mark = logs.mark();
        let response = app
            .call(get("/me", Some(&token)).to_request())
            .await
            .expect("answer");
        assert_eq!(response.status(), 200, "{round}");
        let captured = logs.since(mark);
        let handled = lines_with(&captured, "handled");
        assert_eq!(handled.len(), 1, "{round}: {captured}");
        assert_user_fields(
            handled[0],
            "7a1d-observed-user",
            "openid orders/read",
            issuer.client_id(),
        );
    }

    let expired = issuer.access_token().expires_in_secs(-60).build();
    for (path, token, reason) in [
        ("/me", Some(expired.as_str()), "expired"),
        ("/admin", Some(token.as_str()), "admin"),
        ("/me", None, "bearer token is required"),
    ] {
        let mark = logs.mark();
        let response = app
            .call(get(path, token).to_request())
            .await
            .expect("answer");
        assert!(
            matches!(response.status().as_u16(), 401 | 403),
            "{path}: {}",
            response.status()
        );
        assert_one_refusal(&logs.since(mark), reason);
    }

    assert_no_token(&logs.text(), &[&token, &expired]);
}

#[actix_web::test]
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
    let app = test::init_service(
        App::new()
            .service(
                web::resource("/me")
                    .wrap(AlbAuth::new(verifier))
                    .get(handled),
            )
            .wrap_fn(|req, srv| {
                let span = request_span(req.method().as_str(), req.path());
                let call = span.in_scope(|| srv.call(req));
                call.instrument(span)
            }),
    )
    .await;
    let data = alb.data_token().sub("9c3e-alb-user").build();
    let access = issuer
        .access_token()
        .sub("9c3e-alb-user")
        .scopes(["openid", "orders/read"])
        .build();

    let mark = logs.mark();
    let response = app
        .call(
            test::TestRequest::get()
                .uri("/me")
                .insert_header(("x-amzn-oidc-data", data.as_str()))
                .insert_header(("x-amzn-oidc-accesstoken", access.as_str()))
                .to_request(),
        )
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
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
