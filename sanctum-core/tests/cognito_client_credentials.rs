//! `ClientCredentials` (machine-to-machine tokens) and `ClientCredentialsLayer`.
//!
//! Against fakecloud's real token endpoint (`/oauth2/token`, client_credentials) and its
//! `GetClientToken` (moto has neither), and against a loopback token endpoint in this file
//! where the test must count requests, hold an answer back or provoke a failure; its tokens
//! are the test kit issuer's. Time moves on a `ManualClock`.
//!
//! `ClientCredentials` itself needs feature `client-credentials` only; the fakecloud test
//! creates its app client, and calls `GetClientToken`, through the Cognito client.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;
mod emulators;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cognito_support::read_http_request;
use emulators::fakecloud_pool;
use sanctum_core::client_credentials::{
    ClientCredentials, ClientCredentialsError, ClientCredentialsLayer,
};
use sanctum_core::testing::TestIssuer;
use sanctum_core::{ExpectedUse, ManualClock, UserPool, Verifier};
use sanctum_testkit::fakecloud::FakecloudPoolOptions;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio::sync::{Barrier, Notify, Semaphore};
use tower_layer::Layer as _;
use tower_service::Service as _;

/// One request a [`Loopback`] server received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Reply = dyn Fn(usize, &Received) -> (u16, String) + Send + Sync;

/// An HTTP/1.1 server on 127.0.0.1 answering with `reply(n, request)` (n counts from 1),
/// recording every request; answers wait until `gate` (when set) gets permits.
struct Loopback {
    url: String,
    /// Notified as each request is received (before its answer).
    arrived: Arc<Notify>,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Loopback {
    async fn start(
        gate: Option<Arc<Semaphore>>,
        reply: impl Fn(usize, &Received) -> (u16, String) + Send + Sync + 'static,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&received);
        let reply: Arc<Reply> = Arc::new(reply);
        let count = Arc::new(AtomicUsize::new(0));
        let arrived = Arc::new(Notify::new());
        let signal = Arc::clone(&arrived);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (recorded, reply, count, gate, signal) = (
                    Arc::clone(&recorded),
                    Arc::clone(&reply),
                    Arc::clone(&count),
                    gate.clone(),
                    Arc::clone(&signal),
                );
                tokio::spawn(async move {
                    let Some(request) = read(&mut stream).await else {
                        return;
                    };
                    let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                    recorded.lock().expect("lock").push(request.clone());
                    signal.notify_one();
                    if let Some(gate) = gate {
                        // open once released: later requests (if any) are answered too
                        let _open = gate.acquire().await;
                    }
                    let (status, body) = reply(n, &request);
                    let head = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(body.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Self {
            url,
            arrived,
            received,
            task,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

async fn read(stream: &mut tokio::net::TcpStream) -> Option<Received> {
    let (head, body) = read_http_request(stream).await?;
    let mut lines = head.lines();
    let mut start = lines.next()?.split(' ');
    let (method, path) = (start.next()?.to_owned(), start.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect();
    Some(Received {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
    })
}

/// A token endpoint minting the test issuer's access tokens (`scope` as asked), living
/// `expires_in` seconds.
async fn token_endpoint(
    issuer: &TestIssuer,
    expires_in: u64,
    gate: Option<Arc<Semaphore>>,
) -> Loopback {
    let issuer = issuer.clone();
    Loopback::start(gate, move |n, _| {
        let token = issuer.access_token().claim("n", json!(n)).build();
        (
            200,
            json!({"access_token": token, "expires_in": expires_in, "token_type": "Bearer"})
                .to_string(),
        )
    })
    .await
}

fn provider(url: &str, clock: &ManualClock) -> ClientCredentials {
    ClientCredentials::token_endpoint(format!("{url}/oauth2/token"), "m2m-client", "m2m-secret")
        .scopes(["orders/read", "orders/write"])
        .clock(clock.clone())
        .build()
        .expect("provider")
}

#[tokio::test]
async fn a_token_is_fetched_once_and_reused_until_the_margin_from_a_loopback_endpoint() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let endpoint = token_endpoint(&issuer, 3600, None).await;
    let clock = ManualClock::starting_now();
    let tokens = provider(&endpoint.url, &clock);

    let first = tokens.access_token().await.expect("token");
    let claims = issuer
        .verifier()
        .verify(&first, ExpectedUse::Access)
        .await
        .expect("the issuer's token");
    assert_eq!(claims.client_id(), issuer.client_id());
    assert_eq!(tokens.access_token().await.expect("cached"), first);

    // 61 s before expiry: still outside the 60 s margin
    clock.advance(Duration::from_secs(3600 - 61));
    assert_eq!(tokens.access_token().await.expect("cached"), first);
    assert_eq!(tokens.fetch_count(), 1);

    // inside the margin: a new one
    clock.advance(Duration::from_secs(2));
    let second = tokens.access_token().await.expect("new token");
    assert_ne!(second, first);
    assert_eq!(tokens.fetch_count(), 2);
    assert_eq!(endpoint.received().len(), 2);

    // the request: POST, HTTP Basic with id and secret, the form of the grant
    let request = &endpoint.received()[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/oauth2/token")
    );
    let basic = format!("Basic {}", STANDARD.encode("m2m-client:m2m-secret"));
    assert_eq!(request.header("authorization"), Some(basic.as_str()));
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        request.body,
        "grant_type=client_credentials&scope=orders%2Fread+orders%2Fwrite"
    );

    // invalidate forgets the token
    tokens.invalidate();
    assert_ne!(tokens.access_token().await.expect("refetched"), second);
    assert_eq!(tokens.fetch_count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_callers_share_one_fetch_from_a_loopback_endpoint() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let gate = Arc::new(Semaphore::new(0));
    let endpoint = token_endpoint(&issuer, 3600, Some(Arc::clone(&gate))).await;
    let clock = ManualClock::starting_now();
    let tokens = provider(&endpoint.url, &clock);

    let all_started = Arc::new(Barrier::new(101));
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let (tokens, all_started) = (tokens.clone(), Arc::clone(&all_started));
            tokio::spawn(async move {
                all_started.wait().await;
                tokens.access_token().await
            })
        })
        .collect();
    // every caller has started, and the first fetch is on the wire, held by the endpoint
    all_started.wait().await;
    tokio::time::timeout(Duration::from_secs(30), endpoint.arrived.notified())
        .await
        .expect("the fetch arrives");
    for _ in 0..1000 {
        tokio::task::yield_now().await; // let the other callers reach the provider
    }
    gate.add_permits(Semaphore::MAX_PERMITS / 2);
    let mut seen = Vec::new();
    for call in calls {
        seen.push(call.await.expect("task").expect("token"));
    }
    assert_eq!(endpoint.received().len(), 1, "one request on the wire");
    assert_eq!(tokens.fetch_count(), 1);
    assert!(seen.iter().all(|t| t == &seen[0]));
}

#[tokio::test]
async fn failures_are_typed_and_not_cached_on_a_loopback_endpoint() {
    let answers = [
        (401, r#"{"error":"invalid_client"}"#),
        (
            400,
            r#"{"error":"invalid_scope","error_description":"no such scope"}"#,
        ),
        (400, r#"{"error":"unauthorized_client"}"#),
        (400, r#"{"error":"invalid_request"}"#),
        (503, "down"),
        (200, "not json"),
        (200, r#"{"token_type":"Bearer","expires_in":3600}"#),
        (
            200,
            r#"{"access_token":"abc","expires_in":60,"token_type":"Bearer"}"#,
        ),
    ];
    let endpoint = Loopback::start(None, move |n, _| {
        let (status, body) = answers[(n - 1).min(answers.len() - 1)];
        (status, body.to_owned())
    })
    .await;
    let clock = ManualClock::starting_now();
    let tokens = provider(&endpoint.url, &clock).clone();
    let mut errors = Vec::new();
    for _ in 0..7 {
        errors.push(tokens.token().await.expect_err("refused"));
    }
    assert!(
        matches!(errors[0], ClientCredentialsError::InvalidClient { .. }),
        "{:?}",
        errors[0]
    );
    assert!(
        matches!(&errors[1], ClientCredentialsError::InvalidScope { description: Some(d) } if d == "no such scope"),
        "{:?}",
        errors[1]
    );
    assert!(matches!(
        errors[2],
        ClientCredentialsError::UnauthorizedClient { .. }
    ));
    assert!(
        matches!(&errors[3], ClientCredentialsError::Refused { status: 400, error, .. } if error == "invalid_request")
    );
    assert!(
        matches!(errors[4], ClientCredentialsError::Unavailable { .. }),
        "{:?}",
        errors[4]
    );
    assert!(matches!(
        errors[5],
        ClientCredentialsError::BadResponse { .. }
    ));
    assert!(matches!(
        errors[6],
        ClientCredentialsError::BadResponse { .. }
    ));
    // each failure was tried afresh, and the next success is served
    let token = tokens.token().await.expect("a token at last");
    assert_eq!(token.access_token, "abc");
    assert_eq!(tokens.fetch_count(), 8);
    let shown = format!("{token:?} {tokens:?}");
    assert!(
        !shown.contains("abc\"") && !shown.contains("m2m-secret"),
        "{shown}"
    );

    // nobody listening
    drop(endpoint);
    let closed = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let err = provider(&url, &clock).token().await.expect_err("down");
    assert!(
        matches!(err, ClientCredentialsError::Unavailable { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn requests_through_the_layer_carry_the_bearer_token_to_a_loopback_server() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let endpoint = token_endpoint(&issuer, 3600, None).await;
    let api = Loopback::start(None, |_, _| (200, "{}".to_owned())).await;
    let clock = ManualClock::starting_now();
    let tokens = provider(&endpoint.url, &clock);

    // reqwest: the token asked for where the request is built, cached across requests
    let http = reqwest::Client::new();
    for _ in 0..2 {
        let response = http
            .get(format!("{}/orders", api.url))
            .bearer_auth(tokens.access_token().await.expect("token"))
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 200);
    }
    let token = tokens.access_token().await.expect("token");
    let received = api.received();
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {token}").as_str())
        );
    }
    assert_eq!(tokens.fetch_count(), 1, "one token for both requests");

    // http::Request through any tower service
    let seen = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&seen);
    let mut service = ClientCredentialsLayer::new(tokens.clone()).layer(tower::service_fn(
        move |request: http::Request<()>| {
            let sink = Arc::clone(&sink);
            async move {
                *sink.lock().expect("lock") = request
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok().map(str::to_owned));
                Ok::<_, std::convert::Infallible>(())
            }
        },
    ));
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .expect("ready");
    service.call(http::Request::new(())).await.expect("called");
    let header = seen.lock().expect("lock").clone();
    assert_eq!(header, Some(format!("Bearer {token}")));

    // a stale Authorization is replaced; a failed fetch fails the call without sending it
    let calls = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&calls);
    let inner = tower::service_fn(move |request: http::Request<()>| {
        let sink = Arc::clone(&sink);
        async move {
            sink.lock().expect("lock").push(
                request
                    .headers()
                    .get_all("authorization")
                    .iter()
                    .map(|v| v.to_str().expect("ascii").to_owned())
                    .collect::<Vec<_>>(),
            );
            Ok::<_, std::convert::Infallible>(())
        }
    });
    let mut service = ClientCredentialsLayer::new(tokens.clone()).layer(inner.clone());
    let stale = http::Request::builder()
        .header("authorization", "Bearer stale")
        .body(())
        .expect("request");
    service.call(stale).await.expect("called");
    assert_eq!(
        calls.lock().expect("lock").as_slice(),
        [vec![format!("Bearer {token}")]]
    );
    let down = provider("http://127.0.0.1:9", &clock);
    let mut service = ClientCredentialsLayer::new(down).layer(inner);
    let err = service
        .call(http::Request::new(()))
        .await
        .expect_err("no token");
    assert!(
        err.downcast_ref::<ClientCredentialsError>().is_some(),
        "{err}"
    );
    assert_eq!(calls.lock().expect("lock").len(), 1, "not sent");
}

/// An app client allowed the client_credentials grant, with a secret and two scopes.
async fn m2m_client(
    fakecloud: &sanctum_testkit::fakecloud::FakecloudServer,
    pool_id: &str,
) -> (String, String) {
    fakecloud
        .call(
            "CreateResourceServer",
            json!({"UserPoolId": pool_id, "Identifier": "orders", "Name": "orders",
                   "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"},
                              {"ScopeName": "write", "ScopeDescription": "write"}]}),
        )
        .await
        .expect("resource server");
    let created = fakecloud
        .call(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool_id,
                "ClientName": "m2m",
                "GenerateSecret": true,
                "AllowedOAuthFlows": ["client_credentials"],
                "AllowedOAuthScopes": ["orders/read", "orders/write"],
                "AllowedOAuthFlowsUserPoolClient": true,
                "ExplicitAuthFlows": ["ALLOW_CLIENT_TOKEN_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            }),
        )
        .await
        .expect("m2m client");
    let field = |name: &str| {
        created
            .pointer(&format!("/UserPoolClient/{name}"))
            .and_then(Value::as_str)
            .expect("client field")
            .to_owned()
    };
    (field("ClientId"), field("ClientSecret"))
}

#[tokio::test]
async fn fakecloud_token_endpoint_and_get_client_token_give_verifiable_scoped_tokens_and_typed_refusals()
 {
    let (fakecloud, pool, client) = fakecloud_pool(FakecloudPoolOptions::new()).await;
    let (id, secret) = m2m_client(&fakecloud, &pool.pool_id).await;
    let verifier = Verifier::builder()
        .pool(
            UserPool::new(&pool.pool_id)
                .client_id(&id)
                .with_jwks_url(&pool.jwks_url),
        )
        .build()
        .expect("verifier");
    let url = format!("{}/oauth2/token", fakecloud.endpoint());
    let clock = ManualClock::starting_now();

    let by_endpoint = ClientCredentials::token_endpoint(&url, &id, &secret)
        .scopes(["orders/read"])
        .clock(clock.clone())
        .build()
        .expect("provider");
    let by_api = ClientCredentials::get_client_token(&client, &id, &secret)
        .scopes(["orders/read"])
        .clock(clock.clone())
        .build()
        .expect("provider");
    for tokens in [&by_endpoint, &by_api] {
        let token = tokens.token().await.expect("a token");
        assert_eq!(token.token_type, "Bearer");
        let claims = verifier
            .verify(&token.access_token, ExpectedUse::Access)
            .await
            .expect("verifies with fakecloud's keys");
        assert_eq!(claims.client_id(), id);
        assert_eq!(claims.scopes().collect::<Vec<_>>(), ["orders/read"]);
        assert_eq!(
            tokens.access_token().await.expect("cached"),
            token.access_token
        );
        assert_eq!(tokens.fetch_count(), 1);
        clock.advance(Duration::from_secs(3600));
        assert_ne!(
            tokens.access_token().await.expect("new"),
            token.access_token
        );
        assert_eq!(tokens.fetch_count(), 2);
    }

    let wrong_secret = [
        ClientCredentials::token_endpoint(&url, &id, "wrong-secret"),
        ClientCredentials::get_client_token(&client, &id, "wrong-secret"),
    ];
    for builder in wrong_secret {
        let err = builder
            .build()
            .expect("provider")
            .token()
            .await
            .expect_err("refused");
        assert!(
            matches!(err, ClientCredentialsError::InvalidClient { .. }),
            "{err:?}"
        );
    }
    let bad_scope = [
        ClientCredentials::token_endpoint(&url, &id, &secret),
        ClientCredentials::get_client_token(&client, &id, &secret),
    ];
    for builder in bad_scope {
        let err = builder
            .scopes(["orders/admin"])
            .build()
            .expect("provider")
            .token()
            .await
            .expect_err("refused");
        assert!(
            matches!(err, ClientCredentialsError::InvalidScope { .. }),
            "{err:?}"
        );
    }
}
