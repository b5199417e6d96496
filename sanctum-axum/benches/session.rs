//! Cost of a session cookie against a bearer token on the same route: an axum router answering
//! in process, `CognitoAuthLayer` with the session as a token source, `RequireGroup("admin")`
//! and the session layer, the token already verified (cache hit). The same request by:
//! - a bearer token (the session layer is there, but the store is never asked);
//! - the session cookie, sessions in `MemorySessionStore`;
//! - the session cookie, sessions in `RedisSessionStore` on a `redis-server` this bench starts
//!   on 127.0.0.1 (left out, with a note, when `redis-server` is not installed).
//!
//! `cargo bench -p sanctum-axum --all-features --bench session`
//!
//! Instruction counts: with `SESSION_BENCH_REQUESTS=N` (and `SESSION_BENCH_CASE=` a case's
//! name, default the memory-store cookie) the bench sends that case's request N times and
//! exits, without criterion: two runs under `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect='*send_requests*'`, N and 2N requests, give a request's instructions by
//! difference (`scripts/callgrind-per-request.py`), which a shared machine's load does not
//! move.

use std::collections::HashMap;
use std::hint::black_box;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use criterion::{Criterion, criterion_group};
use http::Request;
use sanctum_axum::session::{MemorySessionStore, RedisSessionStore, SESSION_DATA_KEY, SessionAuth};
use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup};
use sanctum_core::Verifier;
use sanctum_core::session::SessionData;
use sanctum_core::testing::TestIssuer;
use serde_json::json;
use tower::ServiceExt as _;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};

/// A `redis-server` on 127.0.0.1, stopped on drop.
struct Redis(Child);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis() -> Option<(Redis, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let redis = Redis(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some((redis, format!("redis://127.0.0.1:{port}/")))
}

/// A signed-in session for `access_token` in `store`; its cookie.
async fn stored_session(store: &impl SessionStore, access_token: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let data = json!({
        "tokens": {
            "access_token": access_token, "id_token": "unused", "refresh_token": null,
            "expires_at": now + 3600, "token_type": "Bearer",
        },
        "sub": "sub-1", "username": "alice", "groups": ["admin"], "origin_jti": null,
        "signed_in_at": now, "touched_at": now,
    });
    let mut record = Record {
        id: Id::default(),
        data: HashMap::from([(SESSION_DATA_KEY.to_owned(), data)]),
        expiry_date: tower_sessions::cookie::time::OffsetDateTime::now_utc()
            + tower_sessions::cookie::time::Duration::hours(1),
    };
    store.create(&mut record).await.expect("stored");
    format!("__Host-sanctum-session={}", record.id)
}

fn memory_cookie_id(cookie: &str) -> Id {
    cookie
        .trim_start_matches("__Host-sanctum-session=")
        .parse()
        .expect("an id")
}

fn router<S: SessionStore + Clone>(verifier: &Verifier, auth: &SessionAuth, store: S) -> Router {
    Router::new()
        .route("/", get(|_: CognitoUser| async { "ok" }))
        .route_layer(RequireGroup("admin"))
        .route_layer(CognitoAuthLayer::new(verifier.clone()).session(auth.clone()))
        .layer(auth.layer(store))
}

/// A case: its name, the router, and the header that authenticates its request.
type Case = (&'static str, Router, (&'static str, String));

/// The bench's world: the runtime, the memory store and the cases (Redis's when installed).
struct Setup {
    rt: tokio::runtime::Runtime,
    memory: MemorySessionStore,
    cases: Vec<Case>,
    redis: Option<(Redis, String)>,
    _issuer: TestIssuer,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let issuer = rt.block_on(TestIssuer::start()).expect("issuer");
    let verifier = issuer.verifier();
    rt.block_on(verifier.prefetch()).expect("keys");
    // its managed login never called: the session is not due for a refresh during the bench
    let auth = SessionAuth::builder(issuer.managed_login(&verifier)).build();
    let token = issuer.access_token().groups(["admin"]).build();

    let memory = MemorySessionStore::new();
    let in_memory = router(&verifier, &auth, memory.clone());
    let memory_cookie = rt.block_on(stored_session(&memory, &token));
    let bearer = format!("Bearer {token}");

    let redis = start_redis();
    let mut cases = vec![
        (
            "bearer token",
            in_memory.clone(),
            ("authorization", bearer.clone()),
        ),
        (
            "session cookie, memory store",
            in_memory,
            ("cookie", memory_cookie),
        ),
    ];
    match &redis {
        Some((_, url)) => {
            let store = RedisSessionStore::from_url(url).expect("url");
            let cookie = rt.block_on(stored_session(&store, &token));
            cases.push((
                "session cookie, Redis store",
                router(&verifier, &auth, store),
                ("cookie", cookie),
            ));
        }
        None => eprintln!("redis-server is not installed: the Redis store is left out"),
    }
    Setup {
        rt,
        memory,
        cases,
        redis,
        _issuer: issuer,
    }
}

fn get_root(header: &str, value: &str) -> Request<Body> {
    Request::get("/")
        .header(header, value)
        .body(Body::empty())
        .expect("request")
}

fn session(c: &mut Criterion) {
    let Setup {
        rt,
        memory,
        cases,
        redis,
        _issuer,
    } = setup();

    // where a memory-store request's extra time goes (for reference)
    let id: Id = memory_cookie_id(&cases[1].2.1);
    c.bench_function("memory store load alone (reference)", |b| {
        b.iter(|| black_box(rt.block_on(memory.load(black_box(&id)))));
    });
    let record = rt
        .block_on(memory.load(&id))
        .expect("load")
        .expect("a record");
    let value = record.data[SESSION_DATA_KEY].clone();
    c.bench_function(
        "SessionData from the record's JSON alone (reference)",
        |b| {
            b.iter(|| {
                black_box(serde_json::from_value::<SessionData>(
                    black_box(&value).clone(),
                ))
            });
        },
    );

    for (name, router, (header, value)) in &cases {
        let request = || get_root(header, value);
        // the first call verifies the token; the measured ones hit the verified-token cache
        let first = rt
            .block_on(router.clone().oneshot(request()))
            .expect("infallible");
        assert_eq!(first.status(), 200, "{name}");
        c.bench_function(name, |b| {
            b.iter(|| black_box(rt.block_on(router.clone().oneshot(request()))));
        });
    }
    drop(redis);
}

/// `SESSION_BENCH_REQUESTS` requests of the case `SESSION_BENCH_CASE`, for callgrind.
fn count(requests: u64) {
    let Setup { rt, cases, .. } = setup();
    let wanted = std::env::var("SESSION_BENCH_CASE")
        .unwrap_or_else(|_| "session cookie, memory store".to_owned());
    let (name, router, (header, value)) = cases
        .iter()
        .find(|(name, ..)| *name == wanted)
        .unwrap_or_else(|| panic!("no case {wanted:?}"));
    send_requests(&rt, requests, || async move {
        let response = router
            .clone()
            .oneshot(get_root(header, value))
            .await
            .expect("infallible");
        assert_eq!(response.status(), 200, "{name}");
    });
}

/// `requests` calls of `request` on `rt`: the only code counted with `valgrind --tool=callgrind
/// --collect-atstart=no --toggle-collect='*send_requests*'` (start-up, with the test issuer's
/// key generation, is left out).
#[inline(never)]
fn send_requests<F: std::future::Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    requests: u64,
    request: impl Fn() -> F,
) {
    rt.block_on(async {
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
