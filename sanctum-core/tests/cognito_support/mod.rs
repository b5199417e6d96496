//! Shared helpers of the Cognito tests: users, TOTP codes, a recording Cognito stub. (The moto
//! and fakecloud pools are in `emulators`: the repository's unpublished test kit, which the
//! packaged tests using this module do without.)
#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use sanctum_core::cognito::{CognitoError, NewUser, SanctumClient};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::{Notify, Semaphore};

/// A password moto's pool policy accepts.
pub const PASSWORD: &str = "Sanctum-Passw0rd";
/// Another one.
pub const NEW_PASSWORD: &str = "Sanctum-N3w-Passw0rd";

/// A name unique within this test process.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Creates a CONFIRMED user with [`PASSWORD`] and a verified email.
pub async fn confirmed_user(client: &SanctumClient, username: &str) {
    client
        .admin()
        .users()
        .create(
            NewUser::new(username)
                .email(format!("{username}@example.com"))
                .attribute("email_verified", "true")
                .suppress_message(),
        )
        .await
        .expect("user created");
    client
        .admin()
        .users()
        .set_password(username, PASSWORD, true)
        .await
        .expect("password set");
}

/// Unix seconds now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// RFC 4648 base32 (case-insensitive, padding optional) as authenticator apps read TOTP secrets.
pub fn base32_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut bits, mut acc) = (0u32, 0u64);
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            other => panic!("not base32: {other}"),
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// RFC 6238 TOTP: HMAC-SHA1, 30 s steps, 6 digits, over `key` at `unix` seconds.
pub fn totp(key: &[u8], unix: u64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
    let tag = hmac::sign(&key, &(unix / 30).to_be_bytes());
    let digest = tag.as_ref();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let code = u32::from_be_bytes([
        digest[offset],
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]) & 0x7fff_ffff;
    format!("{:06}", code % 1_000_000)
}

/// Sends a TOTP code computed now; if Cognito says it mismatches and the 30 s step changed
/// meanwhile, tries once more with the new step's code (at most two attempts, no waiting).
pub async fn with_current_totp<T, F, Fut>(
    secret_base32: &str,
    mut send: F,
) -> Result<T, CognitoError>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, CognitoError>>,
{
    let key = base32_decode(secret_base32);
    let step = now() / 30;
    match send(totp(&key, now())).await {
        Err(CognitoError::CodeMismatch(_)) if now() / 30 != step => send(totp(&key, now())).await,
        other => other,
    }
}

/// One request the [`Stub`] received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The operation, from `X-Amz-Target` (`InitiateAuth`, ...).
    pub operation: String,
    /// The JSON body.
    pub body: Value,
}

type Responder = dyn Fn(&str, &Value) -> (u16, Value) + Send + Sync;

/// A Cognito stand-in on 127.0.0.1 that records every request and answers with `respond`.
/// For what moto cannot check: the exact request sanctum builds.
pub struct Stub {
    pub endpoint: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    /// How long every answer waits before it is sent (none unless a test sets it): for a
    /// request that is still in flight when its caller gives up.
    pub delay: Arc<Mutex<std::time::Duration>>,
    /// The `Date` header every answer carries (none unless a test sets it), as Cognito's
    /// answers do.
    pub date: Arc<Mutex<Option<String>>>,
    /// Notified as each request is received and recorded (before its answer).
    pub arrived: Arc<Notify>,
    /// While set ([`hold`](Self::hold)), answers wait until it gets permits
    /// ([`release`](Self::release)): a request held on the wire for as long as a test needs.
    gate: Arc<Mutex<Option<Arc<Semaphore>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Stub {
    pub async fn start(
        respond: impl Fn(&str, &Value) -> (u16, Value) + Send + Sync + 'static,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let respond: Arc<Responder> = Arc::new(respond);
        let recorded = Arc::clone(&requests);
        let delay = Arc::new(Mutex::new(std::time::Duration::ZERO));
        let delays = Arc::clone(&delay);
        let date = Arc::new(Mutex::new(None::<String>));
        let dates = Arc::clone(&date);
        let arrived = Arc::new(Notify::new());
        let signal = Arc::clone(&arrived);
        let gate: Arc<Mutex<Option<Arc<Semaphore>>>> = Arc::new(Mutex::new(None));
        let gates = Arc::clone(&gate);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let recorded = Arc::clone(&recorded);
                let respond = Arc::clone(&respond);
                let delay = *delays.lock().expect("lock");
                let date_header = dates
                    .lock()
                    .expect("lock")
                    .as_ref()
                    .map(|date| format!("Date: {date}\r\n"))
                    .unwrap_or_default();
                let signal = Arc::clone(&signal);
                let gates = Arc::clone(&gates);
                tokio::spawn(async move {
                    let Some((operation, body)) = read_request(&mut stream).await else {
                        return;
                    };
                    let (status, reply) = respond(&operation, &body);
                    recorded
                        .lock()
                        .expect("lock")
                        .push(Recorded { operation, body });
                    signal.notify_one();
                    let gate = gates.lock().expect("lock").clone();
                    if let Some(gate) = gate {
                        // open once released: later requests are answered too
                        let _open = gate.acquire().await;
                    }
                    tokio::time::sleep(delay).await;
                    let reply = reply.to_string();
                    let head = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-requestid: stub-request-1\r\n{date_header}Content-Length: {}\r\nConnection: close\r\n\r\n",
                        reply.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(reply.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Self {
            endpoint,
            requests,
            delay,
            date,
            arrived,
            gate,
            task,
        }
    }

    /// Holds every answer from now on (after its request is recorded) until
    /// [`release`](Self::release).
    pub fn hold(&self) {
        *self.gate.lock().expect("lock") = Some(Arc::new(Semaphore::new(0)));
    }

    /// Sends the held answers, and answers later requests at once.
    pub fn release(&self) {
        if let Some(gate) = self.gate.lock().expect("lock").take() {
            gate.add_permits(Semaphore::MAX_PERMITS / 2);
        }
    }

    /// Waits (at most 30 s, then panics) until `n` requests in all have been received.
    pub async fn wait_for_requests(&self, n: usize) {
        let received = async {
            loop {
                // a notification between the count and the wait is kept by `notify_one`
                let arrived = self.arrived.notified();
                if self.recorded().len() >= n {
                    return;
                }
                arrived.await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(30), received)
            .await
            .expect("the requests arrive");
    }

    /// The requests received so far.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }
}

/// One HTTP/1.1 request read off `stream`: its head (request line and headers, at most 64 KiB)
/// and its body (`Content-Length` bytes, at most 1 MiB). `None` when the peer closes early or
/// a limit is passed.
pub async fn read_http_request(stream: &mut tokio::net::TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > 65_536 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let len: usize = header(&head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if len > 1_048_576 {
        return None;
    }
    while buf.len() < header_end + len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[header_end..header_end + len].to_vec();
    Some((head, body))
}

/// The value of header `name` (any case) in a request head.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<(String, Value)> {
    let (head, body) = read_http_request(stream).await?;
    let operation = header(&head, "x-amz-target")?
        .rsplit('.')
        .next()?
        .to_owned();
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Some((operation, body))
}

#[test]
fn totp_matches_codes_computed_with_python_hmac() {
    // python3: base64.b32decode('ASDFASDFASDF====') and RFC 6238 with hmac/hashlib
    let key = base32_decode("asdfasdfasdf");
    assert_eq!(key, [0x04, 0x86, 0x50, 0x48, 0x65, 0x04, 0x86]);
    assert_eq!(totp(&key, 59), "653795");
    assert_eq!(totp(&key, 1_700_000_000), "228570");
}
