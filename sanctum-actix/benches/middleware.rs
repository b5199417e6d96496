//! Cost of the middleware on the hot path: an actix-web app answering in process, without
//! auth, with `CognitoAuth` and a token already verified (cache hit), and with a guard too.
//!
//! `cargo bench -p sanctum-actix --bench middleware`

use std::hint::black_box;

use actix_web::{App, test, web};
use criterion::{Criterion, criterion_group, criterion_main};
use sanctum_actix::{CognitoAuth, CognitoUser, RequireGroup};
use sanctum_core::testing::TestIssuer;

fn middleware(c: &mut Criterion) {
    // a group of its own: the axum bench uses the same case names in the shared target dir
    let mut c = c.benchmark_group("actix-web");
    let system = actix_web::rt::System::new();
    let issuer = system.block_on(TestIssuer::start()).expect("issuer");
    let verifier = issuer.verifier();
    system.block_on(verifier.prefetch()).expect("keys");
    let token = format!("Bearer {}", issuer.access_token().groups(["admin"]).build());
    let request = || {
        test::TestRequest::get()
            .uri("/")
            .insert_header(("authorization", token.as_str()))
            .to_request()
    };

    let plain = system.block_on(test::init_service(
        App::new().route("/", web::get().to(|| async { "ok" })),
    ));
    let auth = system.block_on(test::init_service(
        App::new()
            .wrap(CognitoAuth::new(verifier.clone()))
            .route("/", web::get().to(|_: CognitoUser| async { "ok" })),
    ));
    let guarded = system.block_on(test::init_service(
        App::new()
            .wrap(RequireGroup("admin"))
            .wrap(CognitoAuth::new(verifier.clone()))
            .route("/", web::get().to(|_: CognitoUser| async { "ok" })),
    ));

    // the first call verifies the token; the measured ones hit the verified-token cache
    let bare = token.trim_start_matches("Bearer ");
    system
        .block_on(verifier.verify_access(bare))
        .expect("valid");
    c.bench_function("core verify alone, cached token (reference)", |b| {
        b.iter(|| black_box(system.block_on(verifier.verify_access(bare)).is_ok()));
    });
    let first = system.block_on(test::call_service(&plain, request()));
    assert_eq!(first.status(), 200, "no auth");
    c.bench_function("no auth", |b| {
        b.iter(|| black_box(system.block_on(test::call_service(&plain, request()))));
    });
    let first = system.block_on(test::call_service(&auth, request()));
    assert_eq!(first.status(), 200, "auth");
    c.bench_function("auth, cached token", |b| {
        b.iter(|| black_box(system.block_on(test::call_service(&auth, request()))));
    });
    let first = system.block_on(test::call_service(&guarded, request()));
    assert_eq!(first.status(), 200, "auth and guard");
    c.bench_function("auth and guard", |b| {
        b.iter(|| black_box(system.block_on(test::call_service(&guarded, request()))));
    });
    c.finish();
}

criterion_group!(benches, middleware);
criterion_main!(benches);
