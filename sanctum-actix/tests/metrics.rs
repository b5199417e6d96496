//! Feature `metrics`: what the middleware and guards count, recorded by `metrics-util`'s
//! debugging recorder: verifications by outcome and cache, refusals by reason, JWKS fetches and
//! their time, unknown `kid`s inside the refetch cooldown; labels are bounded (no user ids).
#![cfg(feature = "metrics")]

mod common;

use actix_web::dev::Service as _;
use actix_web::{App, test, web};
use sanctum_actix::{CognitoAuth, RequireGroup};
use sanctum_core::testing::TestIssuer;
use sanctum_testkit::metrics::{MetricsCapture, assert_adapter_counts};

use common::get;

#[actix_web::test]
async fn requests_are_counted_by_outcome_with_bounded_labels() {
    let metrics = MetricsCapture::start();
    let issuer = TestIssuer::start().await.expect("issuer");
    let auth = CognitoAuth::new(issuer.verifier());
    let app = test::init_service(
        App::new()
            .service(
                web::resource("/me")
                    .wrap(auth.clone())
                    .get(common::user_name),
            )
            .service(
                web::resource("/admin")
                    .wrap(RequireGroup("admin"))
                    .wrap(auth)
                    .get(common::user_name),
            ),
    )
    .await;
    let token = issuer.access_token().sub("sub-never-a-label").build();
    let expired = issuer.access_token().expires_in_secs(-60).build();
    // a kid the fetched JWKS lacks, inside the refetch cooldown: refused without a fetch
    let rotated = issuer.access_token().kid("rotated-in-later").build();
    for (path, token, status) in [
        ("/me", Some(token.as_str()), 200),
        ("/me", Some(token.as_str()), 200),
        ("/me", Some(expired.as_str()), 401),
        ("/me", None, 401),
        ("/admin", Some(token.as_str()), 403),
        ("/me", Some(rotated.as_str()), 401),
    ] {
        let response = app
            .call(get(path, token).to_request())
            .await
            .expect("answer");
        assert_eq!(response.status(), status, "{path}");
    }
    assert_adapter_counts(&metrics, "sub-never-a-label");
}
