//! Revocations shared through a real `redis-server` (Debian's, installed by
//! `scripts/setup-redis.sh`) started on 127.0.0.1 by each test: two stores on separate
//! connections stand for two instances of a service.
#![allow(missing_docs)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sanctum_core::revocation::{
    InMemoryRevocations, RedisRevocations, Revocation, RevocationStore as _,
};
use sanctum_core::testing::TestIssuer;
use sanctum_core::{Verifier, VerifyError};

/// A `redis-server` on 127.0.0.1, killed on drop; no persistence.
struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = Self { port, child: None };
        server.restart();
        server
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
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
