//! Cost of the layer on the hot path: an axum router answering in process, without auth,
//! with `CognitoAuthLayer` and a token already verified (cache hit), and with a guard too.
//! For reference: the core's verification of a cached token alone, and axum's usual
//! `from_fn` middleware doing nothing, which is the floor for any middleware that awaits.
//!
//! `cargo bench -p sanctum-axum --bench layer`

use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use http::Request;
use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup};
use sanctum_core::testing::TestIssuer;
use tower::ServiceExt as _;

fn layer(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let issuer = rt.block_on(TestIssuer::start()).expect("issuer");
    let verifier = issuer.verifier();
    rt.block_on(verifier.prefetch()).expect("keys");
    let token = format!("Bearer {}", issuer.access_token().groups(["admin"]).build());

    let bare = token.trim_start_matches("Bearer ").to_owned();
    c.bench_function("core verify, cached token (for reference)", |b| {
        b.iter(|| black_box(rt.block_on(verifier.verify_access(black_box(&bare)))));
    });

    let plain = Router::new().route("/", get(|| async { "ok" }));
    // the usual axum middleware (a boxed future and a service clone per request), for reference
    let from_fn: Router = Router::new()
        .route("/", get(|| async { "ok" }))
        .route_layer(axum::middleware::from_fn(
            |req: axum::extract::Request, next: axum::middleware::Next| next.run(req),
        ));
    let auth = Router::new()
        .route("/", get(|_: CognitoUser| async { "ok" }))
        .route_layer(CognitoAuthLayer::new(verifier.clone()));
    let guarded = Router::new()
        .route("/", get(|_: CognitoUser| async { "ok" }))
        .route_layer(RequireGroup("admin"))
        .route_layer(CognitoAuthLayer::new(verifier));

    let request = || {
        Request::get("/")
            .header("authorization", token.as_str())
            .body(Body::empty())
            .expect("request")
    };
    for (name, router) in [
        ("no auth", &plain),
        ("no-op from_fn middleware (reference)", &from_fn),
        ("auth, cached token", &auth),
        ("auth and guard", &guarded),
    ] {
        // the first call verifies the token; the measured ones hit the verified-token cache
        let first = rt
            .block_on(router.clone().oneshot(request()))
            .expect("infallible");
        assert_eq!(first.status(), 200, "{name}");
        c.bench_function(name, |b| {
            b.iter(|| black_box(rt.block_on(router.clone().oneshot(request()))));
        });
    }
}

criterion_group!(benches, layer);
criterion_main!(benches);
