//! Cost of a session cookie against a bearer token on the same route (the twin of
//! sanctum-axum's `session` bench): an actix-web app answering in process, `CognitoAuth` with
//! the session as a token source and `RequireGroup("admin")`, the token already verified
//! (cache hit). The same request by a bearer token (the store is never asked) and by the
//! session cookie, sessions in sanctum-core's `MemorySessionStore`.
//!
//! `cargo bench -p sanctum-actix --features sessions --bench session`

use std::hint::black_box;

use actix_web::{App, test, web};
use criterion::{Criterion, criterion_group, criterion_main};
use sanctum_actix::session::SessionAuth;
use sanctum_actix::{CognitoAuth, CognitoUser, RequireGroup};
use sanctum_core::login::{LoginDomain, ManagedLogin};
use sanctum_core::session::{MemorySessionStore, SessionData};
use sanctum_core::testing::TestIssuer;

fn session(c: &mut Criterion) {
    // a group of its own: the axum bench uses the same case names in the shared target dir
    let mut c = c.benchmark_group("actix-web sessions");
    let system = actix_web::rt::System::new();
    let issuer = system.block_on(TestIssuer::start()).expect("issuer");
    let verifier = issuer.verifier();
    system.block_on(verifier.prefetch()).expect("keys");
    // never called: the session is not due for a refresh during the bench
    let login = ManagedLogin::builder(
        LoginDomain::url("http://127.0.0.1:9"),
        issuer.client_id(),
        "https://app.example.com/callback",
    )
    .build(&verifier)
    .expect("login");
    let auth = SessionAuth::builder(login)
        .store(MemorySessionStore::new())
        .build();
    let token = issuer.access_token().groups(["admin"]).build();
    let now = auth.tokens().now();
    let data: SessionData = serde_json::from_value(serde_json::json!({
        "tokens": {
            "access_token": token, "id_token": "unused", "refresh_token": null,
            "expires_at": now + 3600, "token_type": "Bearer",
        },
        "sub": "sub-1", "username": "alice", "groups": ["admin"], "origin_jti": null,
        "signed_in_at": now, "touched_at": now,
    }))
    .expect("a session");
    let id = system
        .block_on(auth.sessions().sign_in(None, &data))
        .expect("stored");

    let app = system.block_on(test::init_service(
        App::new()
            .wrap(RequireGroup("admin"))
            .wrap(CognitoAuth::new(verifier.clone()).session(auth.clone()))
            .route("/", web::get().to(|_: CognitoUser| async { "ok" })),
    ));
    let bearer = format!("Bearer {token}");
    let cookie = format!("{}={id}", auth.cookie_name());
    let cases = [
        ("bearer token", ("authorization", bearer.as_str())),
        ("session cookie, memory store", ("cookie", cookie.as_str())),
    ];
    for (name, header) in cases {
        let request = || {
            test::TestRequest::get()
                .uri("/")
                .insert_header(header)
                .to_request()
        };
        // the first call verifies the token; the measured ones hit the verified-token cache
        let first = system.block_on(test::call_service(&app, request()));
        assert_eq!(first.status(), 200, "{name}");
        c.bench_function(name, |b| {
            b.iter(|| black_box(system.block_on(test::call_service(&app, request()))));
        });
    }
    c.finish();
}

criterion_group!(benches, session);
criterion_main!(benches);
