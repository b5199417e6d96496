//! Feature `metrics`: what the middleware and guards count, recorded by `metrics-util`'s
//! debugging recorder: verifications by outcome (one per refusal reason) and cache (every hit,
//! counted per thread and handed on in batches, exact once flushed), refusals by reason, JWKS
//! fetches and their time, unknown `kid`s inside the refetch cooldown; labels are bounded (only
//! documented names and values, no user ids).
#![cfg(feature = "metrics")]

mod common;

use actix_web::dev::Service as _;
use actix_web::{App, test, web};
use sanctum_actix::{CognitoAuth, RequireGroup};
use sanctum_core::testing::TestIssuer;
use sanctum_testkit::metrics::{MORE_HITS, MetricsCapture, assert_adapter_counts};

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
    let other_issuer = issuer
        .access_token()
        .issuer("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other")
        .build();
    let unpublished_key = issuer.access_token().signed_with_unpublished_key().build();
    let id_token = issuer.id_token().build();
    let other_client = issuer
        .access_token()
        .client_id("another-app-client")
        .build();
    let mut requests = vec![
        ("/me", Some(token.as_str()), 200),
        ("/me", Some(token.as_str()), 200),
        ("/me", Some(expired.as_str()), 401),
        ("/me", None, 401),
        ("/admin", Some(token.as_str()), 403),
        ("/me", Some(rotated.as_str()), 401),
        ("/me", Some(other_issuer.as_str()), 401),
        ("/me", Some(unpublished_key.as_str()), 401),
        ("/me", Some(id_token.as_str()), 401),
        ("/me", Some(other_client.as_str()), 401),
        ("/me", Some("abc.def.ghi"), 401),
    ];
    requests.extend((0..MORE_HITS).map(|_| ("/me", Some(token.as_str()), 200)));
    for (path, token, status) in requests {
        let response = app
            .call(get(path, token).to_request())
            .await
            .expect("answer");
        assert_eq!(response.status(), status, "{path} {token:?}");
    }
    sanctum_core::observe::flush_metrics();
    assert_adapter_counts(&metrics, "sub-never-a-label");
}
