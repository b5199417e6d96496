//! Revocation across instances, end to end: two `axum-app` and one `actix-app` on one moto
//! pool, sharing revocations through a real `redis-server` (started here on 127.0.0.1 and
//! stopped); `admin sign-out alice` (with `SANCTUM_REDIS_URL`) makes all three refuse alice's
//! token, already accepted and cached, within a second; bob is unaffected, and a token issued
//! to alice after the sign-out is accepted.
//!
//! moto stamps `iat` in whole seconds from its own clock and a token issued in the second of a
//! sign-out is refused (sanctum's rule for that second): a new sign-in whose token is still of
//! that second is checked to be refused, then the test waits for the next second and signs in
//! again (at most three times) — the one wait for a clock the test cannot inject.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Process, start_redis};
use sanctum_core::cognito::{NewUser, SanctumClient};
use sanctum_core::credentials::AccessToken;
use sanctum_testkit::moto::{MotoPool, MotoServer};

const PASSWORD: &str = "Revocation-E2e-Passw0rd";

/// The pool configuration every process gets.
fn configure(command: &mut Command, pool: &MotoPool, redis_url: &str) {
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SANCTUM_REGION", "us-east-1")
        .env("SANCTUM_USER_POOL_ID", &pool.pool_id)
        .env("SANCTUM_CLIENT_ID", &pool.client_id)
        .env("SANCTUM_JWKS_URL", &pool.jwks_url)
        .env("SANCTUM_REDIS_URL", redis_url)
        .env("RUST_LOG", "warn");
}

/// Starts a demo service on a free port and returns it with its base URL (from its banner).
fn start_service(
    exe: &str,
    framework: &str,
    pool: &MotoPool,
    redis_url: &str,
) -> (Process, String) {
    let mut command = Command::new(exe);
    configure(&mut command, pool, redis_url);
    let mut child = command
        .env("SANCTUM_ADDR", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the demo service");
    let stdout = child.stdout.take().expect("piped stdout");
    let process = Process(child);
    let (tx, lines): (_, Receiver<String>) = mpsc::channel();
    // Drains the service's stdout for as long as it runs, also once the banner was read and
    // the receiver is gone: a closed pipe would make the service's next `println!` panic.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let prefix = format!("sanctum {framework} demo listening on ");
    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..50 {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .expect("the service prints its banner");
        if let Some(base) = line.strip_prefix(prefix.as_str()) {
            return (process, base.trim().to_owned());
        }
    }
    panic!("{framework}: no address in the banner");
}

async fn sign_in(client: &SanctumClient, user: &str) -> String {
    client
        .auth()
        .sign_in(user, PASSWORD)
        .await
        .expect("signs in")
        .into_tokens()
        .expect("tokens")
        .access_token
        .into_secret()
}

/// `GET /me` with `token`: the status and the `WWW-Authenticate` value.
async fn me(http: &reqwest::Client, base: &str, token: &str) -> (u16, String) {
    let response = http
        .get(format!("{base}/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the service answers");
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (response.status().as_u16(), challenge)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

fn iat(token: &str) -> u64 {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("three segments");
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice::<serde_json::Value>(&json).expect("JSON")["iat"]
        .as_u64()
        .expect("iat")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_sign_out_is_enforced_by_every_instance_within_a_second() {
    let (_redis, redis_url) = start_redis();
    let moto = MotoServer::shared();
    let pool = moto.create_pool().await.expect("pool");
    let client = pool.client().await.expect("client");
    for user in ["alice", "bob"] {
        client
            .admin()
            .users()
            .create(NewUser::new(user).suppress_message())
            .await
            .expect("user created");
        client
            .admin()
            .users()
            .set_password(user, PASSWORD, true)
            .await
            .expect("password set");
    }

    let services = [
        start_service(env!("CARGO_BIN_EXE_axum-app"), "axum", &pool, &redis_url),
        start_service(env!("CARGO_BIN_EXE_axum-app"), "axum", &pool, &redis_url),
        start_service(
            env!("CARGO_BIN_EXE_actix-app"),
            "actix-web",
            &pool,
            &redis_url,
        ),
    ];
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let alice = sign_in(&client, "alice").await;
    let bob = sign_in(&client, "bob").await;
    for (_, base) in &services {
        for token in [&alice, &bob] {
            assert_eq!(
                me(&http, base, token).await.0,
                200,
                "{base}: accepted, and cached"
            );
        }
    }

    let mut admin = Command::new(env!("CARGO_BIN_EXE_admin"));
    configure(&mut admin, &pool, &redis_url);
    let out = admin
        .args(["sign-out", "alice"])
        .env("SANCTUM_COGNITO_ENDPOINT", &pool.endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("admin runs");
    assert!(
        out.status.success(),
        "admin sign-out: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(printed["signed_out"], true);
    assert_eq!(printed["revocation_recorded"], true);
    let signed_out_at = unix_now();

    // every instance refuses alice's cached token within a second of the command's end
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut refused = [false; 3];
    while !refused.iter().all(|r| *r) && Instant::now() < deadline {
        for (i, (_, base)) in services.iter().enumerate() {
            if !refused[i] {
                let (status, challenge) = me(&http, base, &alice).await;
                if status == 401 {
                    assert!(
                        challenge.contains("invalid_token")
                            && challenge.contains("token has been revoked"),
                        "{base}: {challenge}"
                    );
                    refused[i] = true;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(refused, [true; 3], "refused by every instance within 1 s");

    for (_, base) in &services {
        assert_eq!(
            me(&http, base, &bob).await.0,
            200,
            "{base}: bob is unaffected"
        );
    }

    // a token issued to alice after the sign-out is accepted everywhere
    let mut accepted = false;
    for _ in 0..3 {
        let later = sign_in(&client, "alice").await;
        let mut statuses = Vec::new();
        for (_, base) in &services {
            statuses.push(me(&http, base, &later).await.0);
        }
        if statuses == [200, 200, 200] {
            accepted = true;
            break;
        }
        assert!(
            iat(&later) <= signed_out_at && statuses == [401, 401, 401],
            "only a token of the sign-out's second is refused (iat {}, signed out by {signed_out_at}): {statuses:?}",
            iat(&later)
        );
        let into_second = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        let to_next =
            Duration::from_secs(1).saturating_sub(Duration::from_nanos(u64::from(into_second)));
        tokio::time::sleep(to_next + Duration::from_millis(20)).await;
    }
    assert!(accepted, "a token issued after the sign-out is accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_records_disable_and_delete_in_redis_and_works_without_it() {
    use sanctum_core::revocation::RedisRevocations;

    let (_redis, redis_url) = start_redis();
    let moto = MotoServer::shared();
    let pool = moto.create_pool().await.expect("pool");
    let client = pool.client().await.expect("client");
    for user in ["carol", "dave", "erin"] {
        client
            .admin()
            .users()
            .create(NewUser::new(user).suppress_message())
            .await
            .expect("user created");
        client
            .admin()
            .users()
            .set_password(user, PASSWORD, true)
            .await
            .expect("password set");
    }
    let watcher = RedisRevocations::start(&redis_url).expect("a Redis URL");
    let admin = |redis: bool, args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_admin"));
        configure(&mut command, &pool, &redis_url);
        if !redis {
            command.env_remove("SANCTUM_REDIS_URL");
        }
        command
            .args(args)
            .env("SANCTUM_COGNITO_ENDPOINT", &pool.endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("admin runs")
    };
    let json = |out: &std::process::Output| -> serde_json::Value {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    };

    let disabled = json(&admin(true, &["disable-user", "carol"]));
    assert_eq!(disabled["revocation_recorded"], true);
    let deleted = json(&admin(true, &["delete-user", "dave"]));
    assert_eq!(deleted["revocation_recorded"], true);
    let deadline = Instant::now() + Duration::from_secs(10);
    while watcher.local().len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(watcher.local().len(), 2, "both recorded in Redis");

    // without SANCTUM_REDIS_URL: the sign-out is Cognito's alone, as before
    let token = sign_in(&client, "erin").await;
    let signed_out = json(&admin(false, &["sign-out", "erin"]));
    assert_eq!(signed_out["signed_out"], true);
    assert!(signed_out.get("revocation_recorded").is_none());
    assert!(
        client
            .user(&AccessToken::new(&token))
            .profile()
            .await
            .is_err(),
        "Cognito refuses the signed-out token"
    );

    // revoke with Redis must name the session: refused before any request
    let out = admin(true, &["revoke", "some-refresh-token"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token"));
}
