//! The gRPC demo end to end over loopback: a tonic client calls the tonic server behind
//! `CognitoAuthLayer::grpc()` and `RequireGroup` over h2c, with tokens of the test kit's issuer,
//! whose JWKS its loopback server serves. Valid tokens reach the handlers, which see the user;
//! every refusal arrives as the gRPC status it maps to, with the reason and never the token.

use std::future::Future;
use std::time::Duration;

use sanctum_core::Verifier;
use sanctum_core::testing::{JwksMode, TEST_SUB, TestIssuer};
use sanctum_examples::grpc::{ADMIN_GROUP, Auth, DemoClient, ORDERS_SCOPE, serve};
use tokio::sync::oneshot;
use tonic::{Code, Status};

/// The demo served on 127.0.0.1 for one test, stopped when dropped.
struct Demo {
    url: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn start(verifier: Verifier) -> Demo {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("its address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(serve(Auth::Bearer(verifier), listener, async {
        let _ = stopped.await;
    }));
    Demo {
        url: format!("http://{addr}"),
        stop: Some(stop),
    }
}

/// Runs a test's calls, bounded in time.
async fn within_a_minute<T>(calls: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), calls)
        .await
        .expect("the calls finish within a minute")
}

/// Asserts that `result` is the refusal `code` with `message`, which never holds the token.
#[track_caller]
fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, Status>,
    code: Code,
    message: &str,
    token: &str,
) {
    let status = result.expect_err("the call is refused");
    assert_eq!(status.code(), code, "{status:?}");
    assert_eq!(status.message(), message, "{status:?}");
    let token = token.trim_start_matches("Bearer ");
    assert!(
        token.is_empty() || !format!("{status:?}").contains(token),
        "the status echoes the token"
    );
}

#[tokio::test]
async fn a_valid_token_reaches_the_handler_which_sees_the_user() {
    let issuer = TestIssuer::start().await.expect("start the issuer");
    let demo = start(issuer.verifier()).await;
    within_a_minute(async {
        let mut client = DemoClient::connect(demo.url.clone())
            .await
            .expect("connect");
        let token = issuer
            .access_token()
            .username("alice")
            .groups(["ops"])
            .authorization();
        let me = client.who_am_i(Some(&token)).await.expect("WhoAmI answers");
        assert_eq!(me.sub, TEST_SUB);
        assert_eq!(me.username, "alice");
        assert_eq!(me.groups, ["ops"]);

        // a guarded service and a method-level rule, met
        let admin = issuer
            .access_token()
            .username("root")
            .groups([ADMIN_GROUP])
            .scopes([ORDERS_SCOPE])
            .authorization();
        let welcome = client.welcome(Some(&admin)).await.expect("Welcome answers");
        assert_eq!(welcome.message, "welcome, root");
        let orders = client
            .list_orders(Some(&admin))
            .await
            .expect("ListOrders answers");
        assert_eq!(orders.orders, [format!("order-1 of {TEST_SUB}")]);
    })
    .await;
}

#[tokio::test]
async fn missing_bad_and_expired_tokens_are_unauthenticated() {
    let issuer = TestIssuer::start().await.expect("start the issuer");
    let demo = start(issuer.verifier()).await;
    within_a_minute(async {
        let mut client = DemoClient::connect(demo.url.clone())
            .await
            .expect("connect");
        assert_refused(
            client.who_am_i(None).await,
            Code::Unauthenticated,
            "a bearer token is required",
            "",
        );
        // the guarded service refuses an anonymous call as unauthenticated too, not denied
        assert_refused(
            client.welcome(None).await,
            Code::Unauthenticated,
            "a bearer token is required",
            "",
        );
        let forged = issuer
            .access_token()
            .groups([ADMIN_GROUP])
            .raw_signature(vec![7; 256])
            .authorization();
        assert_refused(
            client.welcome(Some(&forged)).await,
            Code::Unauthenticated,
            "token signature is invalid",
            &forged,
        );
        let expired = issuer.access_token().expires_in_secs(-3600).authorization();
        assert_refused(
            client.who_am_i(Some(&expired)).await,
            Code::Unauthenticated,
            "token has expired",
            &expired,
        );
        let foreign = issuer
            .access_token()
            .kid("a-key-the-issuer-never-published")
            .authorization();
        assert_refused(
            client.who_am_i(Some(&foreign)).await,
            Code::Unauthenticated,
            "token is signed by an unknown key",
            &foreign,
        );
        assert_refused(
            client.who_am_i(Some("Bearer")).await,
            Code::Unauthenticated,
            "the bearer token is empty",
            "",
        );
    })
    .await;
}

#[tokio::test]
async fn a_valid_token_without_the_group_or_scope_is_permission_denied() {
    let issuer = TestIssuer::start().await.expect("start the issuer");
    let demo = start(issuer.verifier()).await;
    within_a_minute(async {
        let mut client = DemoClient::connect(demo.url.clone())
            .await
            .expect("connect");
        let user = issuer
            .access_token()
            .groups(["ops"])
            .scopes(["orders/write"])
            .authorization();
        // RequireGroup around the service
        assert_refused(
            client.welcome(Some(&user)).await,
            Code::PermissionDenied,
            "token lacks a required group",
            &user,
        );
        // CognitoRequestExt::require in the handler
        assert_refused(
            client.list_orders(Some(&user)).await,
            Code::PermissionDenied,
            "token lacks a required scope",
            &user,
        );
        // the same token passes where no rule applies
        assert!(client.who_am_i(Some(&user)).await.is_ok());
    })
    .await;
}

#[tokio::test]
async fn signing_keys_that_cannot_be_fetched_are_unavailable() {
    let issuer = TestIssuer::start().await.expect("start the issuer");
    issuer.set_jwks_mode(JwksMode::Fail);
    let demo = start(issuer.verifier()).await;
    within_a_minute(async {
        let mut client = DemoClient::connect(demo.url.clone())
            .await
            .expect("connect");
        let token = issuer.access_token().authorization();
        assert_refused(
            client.who_am_i(Some(&token)).await,
            Code::Unavailable,
            "signing keys are temporarily unavailable",
            &token,
        );
    })
    .await;
}
