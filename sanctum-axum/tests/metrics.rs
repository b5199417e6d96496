//! Feature `metrics`: what the layer and guards count, recorded by `metrics-util`'s debugging
//! recorder: verifications by outcome (one per refusal reason) and cache (every hit, counted
//! per thread and handed on in batches, exact once flushed), refusals by reason, JWKS fetches
//! and their time, unknown `kid`s inside the refetch cooldown; labels are bounded (only
//! documented names and values, no user ids).
#![cfg(feature = "metrics")]

mod common;

use axum::Router;
use axum::routing::get;
use sanctum_axum::{CognitoAuthLayer, RequireGroup};
use sanctum_core::testing::TestIssuer;
use sanctum_testkit::metrics::{MORE_HITS, MetricsCapture, assert_adapter_counts};

use common::{bearer, get_with, user_name};

#[tokio::test]
async fn requests_are_counted_by_outcome_with_bounded_labels() {
    let metrics = MetricsCapture::start();
    let issuer = TestIssuer::start().await.expect("issuer");
    let app = Router::new()
        .route("/me", get(user_name))
        .route("/admin", get(user_name).route_layer(RequireGroup("admin")))
        .route_layer(CognitoAuthLayer::new(issuer.verifier()));
    let token = issuer.access_token().sub("sub-never-a-label").build();

    assert_eq!(get_with(&app, "/me", &bearer(&token)).await.status, 200);
    assert_eq!(get_with(&app, "/me", &bearer(&token)).await.status, 200);
    let expired = issuer.access_token().expires_in_secs(-60).build();
    assert_eq!(get_with(&app, "/me", &bearer(&expired)).await.status, 401);
    assert_eq!(get_with(&app, "/me", &[]).await.status, 401);
    assert_eq!(get_with(&app, "/admin", &bearer(&token)).await.status, 403);
    // a kid the fetched JWKS lacks, inside the refetch cooldown: refused without a fetch
    let rotated = issuer.access_token().kid("rotated-in-later").build();
    assert_eq!(get_with(&app, "/me", &bearer(&rotated)).await.status, 401);
    for refused in [
        issuer
            .access_token()
            .issuer("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other")
            .build(),
        issuer.access_token().signed_with_unpublished_key().build(),
        issuer.id_token().build(),
        issuer
            .access_token()
            .client_id("another-app-client")
            .build(),
        "abc.def.ghi".to_owned(),
    ] {
        assert_eq!(
            get_with(&app, "/me", &bearer(&refused)).await.status,
            401,
            "{refused}"
        );
    }
    for _ in 0..MORE_HITS {
        assert_eq!(get_with(&app, "/me", &bearer(&token)).await.status, 200);
    }

    sanctum_core::observe::flush_metrics();
    assert_adapter_counts(&metrics, "sub-never-a-label");
}
