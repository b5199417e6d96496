//! Revocations shared through a real `redis-server` (Debian's, installed by
//! `scripts/setup-redis.sh`) started on 127.0.0.1 by each test: two stores on separate
//! connections stand for two instances of a service.
#![allow(missing_docs)]

mod common;

use std::io;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sanctum_core::revocation::redis;
use sanctum_core::revocation::{
    InMemoryRevocations, RedisRevocations, Revocation, RevocationStore as _,
};
use sanctum_core::testing::TestIssuer;
use sanctum_core::{Refusal, Verifier, VerifyError};

/// A `redis-server` on 127.0.0.1, killed on drop; no persistence.
struct RedisServer {
    port: u16,
    /// Extra arguments (a password, TLS).
    args: Vec<String>,
    child: Option<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl RedisServer {
    fn start() -> Self {
        Self::start_with(Vec::new())
    }

    fn start_with(args: Vec<String>) -> Self {
        let mut server = Self {
            port: free_port(),
            args,
            child: None,
        };
        server.restart();
        server
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A server speaking TLS only, with `dir`'s `server.pem`, `server.key` and `ca.pem`.
    fn start_tls(dir: &std::path::Path) -> Self {
        let file = |name: &str| dir.join(name).display().to_string();
        let port = free_port();
        let mut server = Self {
            port,
            args: vec![
                "--tls-port".into(),
                port.to_string(),
                "--tls-cert-file".into(),
                file("server.pem"),
                "--tls-key-file".into(),
                file("server.key"),
                "--tls-ca-cert-file".into(),
                file("ca.pem"),
                "--tls-auth-clients".into(),
                "no".into(),
            ],
            child: None,
        };
        server.restart();
        server
    }

    fn restart(&mut self) {
        let tls = self.args.iter().any(|a| a == "--tls-port");
        let plain_port = if tls {
            "0".to_owned()
        } else {
            self.port.to_string()
        };
        let child = Command::new("redis-server")
            .args(["--port", &plain_port, "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/setup-redis.sh installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `condition` until it holds, for at most `limit` (events from another connection
/// arrive asynchronously; nothing here waits for time to pass).
async fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn store(redis: &RedisServer, prefix: &str) -> Arc<RedisRevocations> {
    RedisRevocations::start_with(&redis.url(), prefix, InMemoryRevocations::new())
        .expect("a Redis URL")
}

fn verifier(issuer: &TestIssuer, store: Arc<RedisRevocations>) -> Verifier {
    issuer
        .verifier_builder()
        .revocations(store)
        .build()
        .expect("builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_instance_is_enforced_by_the_other_within_a_second() {
    let redis = RedisServer::start();
    let issuer = TestIssuer::start().await.expect("issuer");
    let (a, b) = (store(&redis, "t1"), store(&redis, "t1"));
    assert!(
        eventually(Duration::from_secs(10), || a.health().connected
            && b.health().connected)
        .await
    );
    let (va, vb) = (verifier(&issuer, a.clone()), verifier(&issuer, b.clone()));

    let alice = issuer
        .access_token()
        .sub("alice-sub")
        .issued_in_secs(-30)
        .build();
    let bob = issuer.access_token().sub("bob-sub").build();
    for v in [&va, &vb] {
        v.verify_access(&alice).await.expect("accepted, and cached");
    }

    a.record(Revocation::signed_out_at(
        "alice-sub",
        std::time::SystemTime::now() - Duration::from_secs(10),
    ));
    assert!(matches!(
        va.verify_access(&alice).await,
        Err(VerifyError::Revoked)
    ));
    let started = Instant::now();
    assert!(
        eventually(Duration::from_secs(1), || vb.verify_now_revoked(&alice)).await,
        "instance b refuses the token within 1 s"
    );
    println!("propagated in {:?}", started.elapsed());
    vb.verify_access(&bob)
        .await
        .expect("other users unaffected");
    let fresh = issuer.access_token().sub("alice-sub").build();
    vb.verify_access(&fresh)
        .await
        .expect("a token issued after the sign-out");

    // a refresh token revoked on b is enforced on a
    let origin = issuer
        .access_token()
        .sub("carol-sub")
        .claim("origin_jti", "origin-of-carol")
        .build();
    va.verify_access(&origin).await.expect("valid");
    b.record(Revocation::refresh_token_revoked("origin-of-carol"));
    assert!(eventually(Duration::from_secs(1), || va.verify_now_revoked(&origin)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_both_keep_serving_and_catch_up_when_it_returns() {
    let mut redis = RedisServer::start();
    let issuer = TestIssuer::start().await.expect("issuer");
    let (a, b) = (store(&redis, "t2"), store(&redis, "t2"));
    assert!(
        eventually(Duration::from_secs(10), || a.health().connected
            && b.health().connected)
        .await
    );
    let (va, vb) = (verifier(&issuer, a.clone()), verifier(&issuer, b.clone()));
    let dave = issuer
        .access_token()
        .sub("dave-sub")
        .issued_in_secs(-30)
        .build();
    let erin = issuer
        .access_token()
        .sub("erin-sub")
        .issued_in_secs(-30)
        .build();

    redis.stop();
    assert!(
        eventually(Duration::from_secs(10), || !a.health().connected
            && !b.health().connected)
        .await,
        "both report the outage"
    );
    assert!(a.health().last_error.is_some());
    // still serving, from the local copies
    va.verify_access(&dave)
        .await
        .expect("serving without Redis");
    vb.verify_access(&erin)
        .await
        .expect("serving without Redis");
    // recorded while Redis is away: enforced here at once, elsewhere once it returns
    a.record(Revocation::signed_out_at(
        "dave-sub",
        std::time::SystemTime::now() - Duration::from_secs(10),
    ));
    assert!(matches!(
        va.verify_access(&dave).await,
        Err(VerifyError::Revoked)
    ));
    assert_eq!(a.health().unsent, 1);
    vb.verify_access(&dave).await.expect("b has not heard yet");

    redis.restart();
    assert!(
        eventually(Duration::from_secs(15), || vb.verify_now_revoked(&dave)).await,
        "the revocation recorded meanwhile arrives"
    );
    assert!(
        eventually(Duration::from_secs(5), || a.health().connected
            && a.health().unsent == 0)
        .await
    );
    vb.verify_access(&erin).await.expect("others unaffected");
}

/// `verify_now` says whether a token is refused as revoked, without waiting.
trait RevokedNow {
    fn verify_now_revoked(&self, token: &str) -> bool;
}

impl RevokedNow for Verifier {
    fn verify_now_revoked(&self, token: &str) -> bool {
        matches!(
            sanctum_core::adapter::verify_now(self, token, sanctum_core::ExpectedUse::Access),
            Some(Err(VerifyError::Revoked))
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_waits_until_redis_has_what_was_recorded() {
    let mut redis = RedisServer::start();
    let a = store(&redis, "t3");
    a.record(Revocation::signed_out_now("flushed-sub"));
    assert!(a.flush(Duration::from_secs(10)).await, "sent within 10 s");
    assert_eq!(a.health().unsent, 0);
    // a store started afterwards (a new process) loads it from Redis
    let b = store(&redis, "t3");
    assert!(eventually(Duration::from_secs(10), || b.local().len() == 1).await);
    drop(b);

    // with Redis gone, flush says it could not send
    redis.stop();
    let c = store(&redis, "t3");
    c.record(Revocation::signed_out_now("unsent-sub"));
    assert!(!c.flush(Duration::from_millis(300)).await);
    assert_eq!(c.health().unsent, 1);
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// A plain connection to `redis`, to plant or read what the stores do not write.
async fn raw(redis: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis.url())
        .expect("a URL")
        .get_multiplexed_async_connection()
        .await
        .expect("redis answers")
}

async fn query<T: redis::FromRedisValue>(
    conn: &mut redis::aio::MultiplexedConnection,
    args: &[&[u8]],
) -> T {
    let mut cmd = redis::cmd(std::str::from_utf8(args[0]).expect("a command name"));
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query_async(conn).await.expect("the command runs")
}

async fn connected(stores: &[&Arc<RedisRevocations>]) -> bool {
    eventually(Duration::from_secs(10), || {
        stores.iter().all(|s| s.health().connected)
    })
    .await
}

/// A sign-out of `sub` recorded on `a` makes `b`'s verifier refuse `sub`'s earlier token
/// within 5 s.
async fn sign_out_reaches(
    issuer: &TestIssuer,
    a: &RedisRevocations,
    b: &Arc<RedisRevocations>,
    sub: &str,
) {
    let vb = verifier(issuer, b.clone());
    let token = issuer.access_token().sub(sub).issued_in_secs(-30).build();
    vb.verify_access(&token)
        .await
        .expect("valid before the sign-out");
    a.record(Revocation::signed_out_now(sub));
    assert!(
        eventually(Duration::from_secs(5), || vb.verify_now_revoked(&token)).await,
        "the sign-out on one instance reaches the other"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poisoned_key_never_stops_a_sign_out_from_reaching_the_other_instance() {
    let redis = RedisServer::start();
    let issuer = TestIssuer::start().await.expect("issuer");
    // the reproduction: a field that is no time in the subjects' key (and the origins')
    let mut conn = raw(&redis).await;
    let _: i64 = query(&mut conn, &[b"HSET", b"t-poison:subjects", b"x", b"junk"]).await;
    let _: i64 = query(&mut conn, &[b"HSET", b"t-poison:origins", b"y", b"junk"]).await;

    let (a, b) = (store(&redis, "t-poison"), store(&redis, "t-poison"));
    assert!(connected(&[&a, &b]).await, "both connect and catch up");
    sign_out_reaches(&issuer, &a, &b, "alice-sub").await;
    // later revocations are not stuck behind it
    a.record(Revocation::refresh_token_revoked("origin-2"));
    assert!(eventually(Duration::from_secs(5), || b.local().len() == 2).await);
    assert!(a.flush(Duration::from_secs(5)).await);
    assert_eq!(a.health().unsent, 0);
    assert_eq!(a.health().not_stored, 2, "not stored in the foreign keys");
    assert!(a.health().skipped >= 2, "the foreign keys are reported");
}

/// What a subscriber writes, for the log assertions.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// a current-thread runtime: the store's task runs on this thread, under this test's subscriber
#[tokio::test]
async fn a_wrong_password_at_boot_is_a_warning_without_the_password() {
    let redis = RedisServer::start_with(vec!["--requirepass".into(), "the-right-pass-8c1f".into()]);
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let url = format!("redis://:wrong-pass-5e2d@127.0.0.1:{}/", redis.port);
    let store = RedisRevocations::builder(&url)
        .prefix("t-auth")
        .start()
        .expect("a URL");
    assert!(
        eventually(Duration::from_secs(10), || logs.text().contains(" WARN ")).await,
        "a warning is logged"
    );
    // it keeps failing; the warning is not repeated for every retry
    assert!(
        eventually(Duration::from_secs(10), || store.health().failed_attempts
            >= 3)
        .await
    );
    let text = logs.text();
    println!("{text}");
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains(" WARN ")).collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning per minute, not per retry: {text}"
    );
    assert!(warnings[0].contains("Redis"), "{text}");
    assert!(
        text.lines().filter(|l| l.contains(" DEBUG ")).count() >= 2,
        "the retries in between at debug: {text}"
    );
    // at every level
    assert!(!text.contains("wrong-pass-5e2d"), "{text}");
    let health = store.health();
    assert!(!health.connected);
    let error = health.last_error.expect("why");
    assert!(!error.contains("wrong-pass-5e2d"), "{error}");
    assert!(!format!("{store:?}").contains("wrong-pass-5e2d"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_is_bounded_keeping_the_oldest() {
    let mut redis = RedisServer::start();
    redis.stop();
    let a = RedisRevocations::builder(&redis.url())
        .prefix("t-outbox")
        .outbox_capacity(3)
        .start()
        .expect("a URL");
    for i in 0..5 {
        a.record(Revocation::signed_out_now(format!("user-{i}")));
    }
    let health = a.health();
    assert_eq!((health.unsent, health.overflowed), (3, 2));
    assert_eq!(a.local().len(), 5, "all five are enforced here");

    redis.restart();
    assert!(
        !a.flush(Duration::from_secs(10)).await,
        "two never reach Redis: flush says so"
    );
    assert_eq!(a.health().unsent, 0);
    let b = store(&redis, "t-outbox");
    assert!(connected(&[&b]).await);
    let mut loaded: Vec<String> = b
        .local()
        .snapshot(unix_now())
        .into_iter()
        .map(|r| match r {
            Revocation::Subject { sub, .. } => sub,
            other => panic!("{other:?}"),
        })
        .collect();
    loaded.sort();
    assert_eq!(loaded, ["user-0", "user-1", "user-2"], "the oldest kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_far_ahead_are_brought_back_and_junk_in_redis_is_skipped() {
    let redis = RedisServer::start();
    let (issuer, clock) = common::issuer_with_clock().await;
    let a = store(&redis, "t-range");
    let va = verifier(&issuer, a.clone());
    let now = unix_now();

    // `before = u64::MAX` would refuse every token of the user, for good
    a.record(Revocation::Subject {
        sub: "max-sub".into(),
        before: u64::MAX,
    });
    assert!(a.flush(Duration::from_secs(10)).await);
    let token = issuer.access_token().sub("max-sub").build();
    assert!(matches!(
        va.verify_access(&token).await,
        Err(VerifyError::Revoked)
    ));
    clock.advance(Duration::from_secs(120));
    let later = issuer.access_token().sub("max-sub").build();
    va.verify_access(&later)
        .await
        .expect("a token issued two minutes later is accepted");
    let mut conn = raw(&redis).await;
    let score: f64 = query(&mut conn, &[b"ZSCORE", b"t-range:subjects", b"max-sub"]).await;
    assert!(score <= (unix_now() + 60) as f64, "stored bounded: {score}");

    // junk planted in the sorted set: an infinite time, one far ahead, a member not UTF-8
    let live = now.to_string();
    let _: i64 = query(
        &mut conn,
        &[b"ZADD", b"t-range:subjects", b"+inf", b"inf-sub"],
    )
    .await;
    let _: i64 = query(
        &mut conn,
        &[b"ZADD", b"t-range:subjects", b"1e300", b"far-sub"],
    )
    .await;
    let _: i64 = query(
        &mut conn,
        &[b"ZADD", b"t-range:subjects", live.as_bytes(), b"\xff\xfe"],
    )
    .await;
    let b = store(&redis, "t-range");
    assert!(connected(&[&b]).await, "junk never stops the catch-up");
    let loaded = b.local().snapshot(unix_now());
    let before_of = |name: &str| {
        loaded.iter().find_map(|r| match r {
            Revocation::Subject { sub, before } if sub == name => Some(*before),
            _ => None,
        })
    };
    assert!(before_of("max-sub").is_some_and(|t| t <= unix_now() + 60));
    assert!(before_of("far-sub").is_some_and(|t| t <= unix_now() + 60));
    assert_eq!(before_of("inf-sub"), None);
    assert_eq!(loaded.len(), 2, "{loaded:?}");
    assert_eq!(b.health().skipped, 3, "inf, far ahead, not UTF-8");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_expire_in_redis_with_the_token_lifetime() {
    let redis = RedisServer::start();
    let a = RedisRevocations::builder(&redis.url())
        .prefix("t-expiry")
        .max_token_lifetime(Duration::from_secs(3600))
        .start()
        .expect("a URL");
    let mut conn = raw(&redis).await;
    // a member from two hours ago: no token it covers can still be valid
    let old = (unix_now() - 7200).to_string();
    let _: i64 = query(
        &mut conn,
        &[b"ZADD", b"t-expiry:origins", old.as_bytes(), b"old"],
    )
    .await;

    a.record(Revocation::refresh_token_revoked("fresh"));
    assert!(a.flush(Duration::from_secs(10)).await);
    let gone: Option<f64> = query(&mut conn, &[b"ZSCORE", b"t-expiry:origins", b"old"]).await;
    assert_eq!(gone, None, "trimmed on write");
    let kept: Option<f64> = query(&mut conn, &[b"ZSCORE", b"t-expiry:origins", b"fresh"]).await;
    assert!(kept.is_some());
    let ttl: i64 = query(&mut conn, &[b"TTL", b"t-expiry:origins"]).await;
    assert!(
        (3000..=3660).contains(&ttl),
        "the key expires with its newest member: {ttl}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_stale_past_fail_closed_after_answers_503_until_redis_returns() {
    let mut redis = RedisServer::start();
    let (issuer, clock) = common::issuer_with_clock().await;
    let a = RedisRevocations::builder(&redis.url())
        .prefix("t-closed")
        .fail_closed_after(Duration::from_secs(300))
        .clock(clock.clone())
        .start()
        .expect("a URL");
    let va = verifier(&issuer, a.clone());
    let token = issuer.access_token().build();
    assert!(connected(&[&a]).await);
    va.verify_access(&token).await.expect("in sync");

    redis.stop();
    assert!(eventually(Duration::from_secs(10), || !a.health().connected).await);
    va.verify_access(&token)
        .await
        .expect("stale for less than 5 minutes: still served");
    clock.advance(Duration::from_secs(300));
    let refused = va.verify_access(&token).await.expect_err("stale too long");
    assert!(
        matches!(refused, VerifyError::RevocationCheckUnavailable),
        "{refused:?}"
    );
    assert_eq!(
        Refusal::from(refused).status(),
        http::StatusCode::SERVICE_UNAVAILABLE
    );

    redis.restart();
    assert!(connected(&[&a]).await);
    va.verify_access(&token).await.expect("in sync again");

    // a store that never reached Redis is stale from its start
    let never = RedisRevocations::builder("redis://127.0.0.1:1/")
        .fail_closed_after(Duration::from_secs(300))
        .clock(clock.clone())
        .start()
        .expect("a URL");
    let vn = verifier(&issuer, never);
    vn.verify_access(&token).await.expect("not yet");
    clock.advance(Duration::from_secs(300));
    assert!(matches!(
        vn.verify_access(&token).await,
        Err(VerifyError::RevocationCheckUnavailable)
    ));
}

/// DER as PEM (rcgen's own `pem` feature would add a second base64).
fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem + &format!("-----END {label}-----\n")
}

/// A CA and a server certificate for 127.0.0.1 signed by it, written into a fresh directory.
fn tls_files() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sanctum-redis-tls-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "sanctum test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_key = rcgen::KeyPair::generate().expect("a CA key");
    let ca = ca_params.self_signed(&ca_key).expect("the CA");
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "127.0.0.1");
    let key = rcgen::KeyPair::generate().expect("a server key");
    let cert = params.signed_by(&key, &ca, &ca_key).expect("signed");
    std::fs::write(dir.join("ca.pem"), pem("CERTIFICATE", ca.der())).expect("written");
    std::fs::write(dir.join("server.pem"), pem("CERTIFICATE", cert.der())).expect("written");
    let key_der = key.serialize_der();
    std::fs::write(dir.join("server.key"), pem("PRIVATE KEY", &key_der)).expect("written");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_with_a_ca_of_our_own_shares_revocations() {
    let dir = tls_files();
    let redis = RedisServer::start_tls(&dir);
    let issuer = TestIssuer::start().await.expect("issuer");
    let url = format!("rediss://127.0.0.1:{}/", redis.port);
    let ca = std::fs::read(dir.join("ca.pem")).expect("the CA");
    let client = || {
        redis::Client::build_with_tls(
            url.as_str(),
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(ca.clone()),
            },
        )
        .expect("a TLS client")
    };
    let a = RedisRevocations::builder_with_client(client())
        .prefix("t-tls")
        .start()
        .expect("starts");
    let b = RedisRevocations::builder_with_client(client())
        .prefix("t-tls")
        .start()
        .expect("starts");
    assert!(connected(&[&a, &b]).await, "TLS handshakes succeed");
    sign_out_reaches(&issuer, &a, &b, "tls-sub").await;

    // the system's roots do not know our CA: refused, and said so
    let untrusted = RedisRevocations::start(&url).expect("a rediss:// URL is accepted");
    assert!(
        eventually(Duration::from_secs(10), || untrusted
            .health()
            .last_error
            .is_some())
        .await
    );
    assert!(!untrusted.health().connected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn catching_up_on_connecting_is_a_span_with_what_was_loaded() {
    let redis = RedisServer::start();
    let logs = sanctum_testkit::logs::LogCapture::start();
    #[cfg(feature = "metrics")]
    let metrics = sanctum_testkit::metrics::MetricsCapture::start();
    let first = store(&redis, "t-catch-up-span");
    assert!(connected(&[&first]).await, "the first instance connects");
    first.record(Revocation::signed_out_now(
        "sub-recorded-before-the-second-starts",
    ));
    assert!(first.flush(Duration::from_secs(5)).await, "stored in Redis");
    let second = store(&redis, "t-catch-up-span");
    assert!(connected(&[&second]).await, "the second instance connects");
    let text = logs.text();
    let caught_up: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("caught up with the revocations in Redis"))
        .collect();
    assert_eq!(caught_up.len(), 2, "one catch-up per instance:\n{text}");
    assert!(
        caught_up[0].contains("sanctum.redis_catch_up{") && caught_up[0].contains("entries=0"),
        "the first instance found nothing: {}",
        caught_up[0]
    );
    assert!(
        caught_up[1].contains("entries=1 skipped=0"),
        "the second loaded the first's revocation: {}",
        caught_up[1]
    );
    #[cfg(feature = "metrics")]
    {
        let recorded = metrics.snapshot();
        assert_eq!(
            recorded.counter(
                "sanctum_revocations_applied_total",
                &[("source", "catch_up")]
            ),
            1,
            "{recorded:?}"
        );
        assert_eq!(
            recorded.gauge("sanctum_revocation_store_connected"),
            Some(1.0)
        );
        assert_eq!(recorded.gauge("sanctum_revocation_store_outbox"), Some(0.0));
        assert_eq!(
            recorded.gauge("sanctum_revocation_store_lag_seconds"),
            Some(0.0)
        );
    }
}

/// Feature `metrics`: revocations arriving by the subscription are counted (each instance
/// applies every published revocation, its own included), and the store's gauges follow an
/// outage: connected 1 then 0 then 1; the outbox holds what was recorded meanwhile; the lag is
/// the time out of sync on the store's clock; both back to 0 once Redis returns.
#[cfg(feature = "metrics")]
#[tokio::test]
async fn the_store_gauges_follow_an_outage_and_subscribed_revocations_are_counted() {
    const CONNECTED: &str = "sanctum_revocation_store_connected";
    const OUTBOX: &str = "sanctum_revocation_store_outbox";
    const LAG: &str = "sanctum_revocation_store_lag_seconds";
    let metrics = sanctum_testkit::metrics::MetricsCapture::start();
    let mut redis = RedisServer::start();
    let clock = sanctum_core::ManualClock::starting_now();
    let a = RedisRevocations::builder(&redis.url())
        .prefix("t-gauges")
        .clock(clock.clone())
        .start()
        .expect("a URL");
    let b = store(&redis, "t-gauges");
    assert!(connected(&[&a, &b]).await);
    let applied = || {
        metrics.snapshot().counter(
            "sanctum_revocations_applied_total",
            &[("source", "subscription")],
        )
    };
    assert_eq!(applied(), 0);
    b.record(Revocation::signed_out_now("sub-by-subscription"));
    assert!(
        eventually(Duration::from_secs(10), || a.local().len() == 1
            && b.local().len() == 1
            && applied() == 2)
        .await,
        "applied by both: {:?}",
        metrics.snapshot()
    );
    // b's own report of its sent revocation done, then b gone: the gauges are a's alone
    assert!(b.flush(Duration::from_secs(5)).await);
    drop(b);
    let gauges = || {
        let all = metrics.snapshot();
        (all.gauge(CONNECTED), all.gauge(OUTBOX), all.gauge(LAG))
    };
    assert_eq!(gauges(), (Some(1.0), Some(0.0), Some(0.0)));

    redis.stop();
    assert!(
        eventually(Duration::from_secs(10), || gauges().0 == Some(0.0)).await,
        "{:?}",
        gauges()
    );
    a.record(Revocation::signed_out_now("sub-recorded-during-the-outage"));
    assert_eq!(gauges().1, Some(1.0), "one waits to be sent");
    clock.advance(Duration::from_secs(30));
    a.record(Revocation::refresh_token_revoked(
        "origin-recorded-during-the-outage",
    ));
    let (connected_now, outbox, lag) = gauges();
    assert_eq!((connected_now, outbox), (Some(0.0), Some(2.0)));
    assert!(
        lag.is_some_and(|lag| (30.0..=31.0).contains(&lag)),
        "out of sync for the 30 s the clock moved: {lag:?}"
    );

    redis.restart();
    assert!(
        eventually(Duration::from_secs(15), || gauges()
            == (Some(1.0), Some(0.0), Some(0.0)))
        .await,
        "{:?}",
        gauges()
    );
    assert!(a.flush(Duration::from_secs(5)).await);
    let all = metrics.snapshot();
    sanctum_testkit::metrics::assert_bounded_labels(
        &all,
        &["sub-by-subscription", "during-the-outage", "t-gauges"],
    );
}
