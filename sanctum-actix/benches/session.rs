//! Cost of a session cookie against a bearer token on the same route (the twin of
//! sanctum-axum's `session` bench): an actix-web app answering in process, `CognitoAuth` with
//! the session as a token source and `RequireGroup("admin")`, the token already verified
//! (cache hit). The same request by a bearer token (the store is never asked) and by the
//! session cookie, sessions in sanctum-core's `MemorySessionStore`.
//!
//! `cargo bench -p sanctum-actix --features sessions --bench session`
//!
//! Instruction counts: with `SESSION_BENCH_REQUESTS=N` (and `SESSION_BENCH_CASE=` a case's
//! name, default the cookie) the bench sends that case's request N times and exits, without
//! criterion: two runs under `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect='*send_requests*'`, N and 2N requests, give a request's instructions by
//! difference (`scripts/callgrind-per-request.py`).

use std::hint::black_box;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, test, web};
use criterion::{Criterion, criterion_group};
use sanctum_actix::session::SessionAuth;
use sanctum_actix::{CognitoAuth, CognitoUser, RequireGroup};
use sanctum_core::session::{MemorySessionStore, SessionData};
use sanctum_core::testing::TestIssuer;

/// The app, its requests' headers by case, and what they need alive.
struct Setup<S> {
    system: actix_web::rt::SystemRunner,
    app: S,
    bearer: String,
    cookie: String,
    _issuer: TestIssuer,
}

impl<S> Setup<S> {
    fn cases(&self) -> [(&'static str, (&'static str, &str)); 2] {
        [
            ("bearer token", ("authorization", self.bearer.as_str())),
            (
                "session cookie, memory store",
                ("cookie", self.cookie.as_str()),
            ),
        ]
    }
}

fn get_root(header: (&'static str, &str)) -> actix_http::Request {
    test::TestRequest::get()
        .uri("/")
        .insert_header(header)
        .to_request()
}

fn setup() -> Setup<
    impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
    >,
> {
    let system = actix_web::rt::System::new();
    let issuer = system.block_on(TestIssuer::start()).expect("issuer");
    let verifier = issuer.verifier();
    system.block_on(verifier.prefetch()).expect("keys");
    // never called: the session is not due for a refresh during the bench
    let auth = SessionAuth::builder(issuer.managed_login(&verifier))
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
    Setup {
        system,
        app,
        bearer: format!("Bearer {token}"),
        cookie: format!("{}={id}", auth.cookie_name()),
        _issuer: issuer,
    }
}

fn session(c: &mut Criterion) {
    // a group of its own: the axum bench uses the same case names in the shared target dir
    let mut c = c.benchmark_group("actix-web sessions");
    let setup = setup();
    let (system, app) = (&setup.system, &setup.app);
    for (name, header) in setup.cases() {
        let request = || get_root(header);
        // the first call verifies the token; the measured ones hit the verified-token cache
        let first = system.block_on(test::call_service(app, request()));
        assert_eq!(first.status(), 200, "{name}");
        c.bench_function(name, |b| {
            b.iter(|| black_box(system.block_on(test::call_service(app, request()))));
        });
    }
    c.finish();
}

/// `SESSION_BENCH_REQUESTS` requests of the case `SESSION_BENCH_CASE`, for callgrind.
fn count(requests: u64) {
    let setup = setup();
    let wanted = std::env::var("SESSION_BENCH_CASE")
        .unwrap_or_else(|_| "session cookie, memory store".to_owned());
    let (name, header) = setup
        .cases()
        .into_iter()
        .find(|(name, _)| *name == wanted)
        .unwrap_or_else(|| panic!("no case {wanted:?}"));
    let app = &setup.app;
    send_requests(&setup.system, requests, || async move {
        let response = test::call_service(app, get_root(header)).await;
        assert_eq!(response.status(), 200, "{name}");
    });
}

/// `requests` calls of `request` on `system`: the only code counted with `valgrind
/// --tool=callgrind --collect-atstart=no --toggle-collect='*send_requests*'` (start-up, with
/// the test issuer's key generation, is left out).
#[inline(never)]
fn send_requests<F: std::future::Future<Output = ()>>(
    system: &actix_web::rt::SystemRunner,
    requests: u64,
    request: impl Fn() -> F,
) {
    system.block_on(async {
        for _ in 0..requests {
            request().await;
        }
    });
}

criterion_group!(benches, session);

fn main() {
    match std::env::var("SESSION_BENCH_REQUESTS") {
        Ok(n) => count(n.parse().expect("SESSION_BENCH_REQUESTS: a number")),
        Err(_) => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
