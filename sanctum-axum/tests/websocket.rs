//! WebSocket routes authenticated by a token in the query (browsers cannot set a header on a
//! WebSocket upgrade) or by a custom async source, over a real upgrade on loopback TCP
//! (`sanctum_testkit::websocket`): refusals come before the upgrade, the guards apply, and the
//! token never reaches the handler's URI, axum's `OriginalUri` or a log behind the layer.

use axum::Router;
use axum::extract::OriginalUri;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;
use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup, TokenSource};
use sanctum_core::testing::TestIssuer;
use sanctum_testkit::logs::{LogCapture, assert_no_token};
use sanctum_testkit::websocket::{self, PARAM, Tokens, handler_message};
use tower_http::trace::TraceLayer;

/// Upgrades and sends the scenario's message.
async fn echo_user(
    ws: WebSocketUpgrade,
    user: CognitoUser,
    uri: Uri,
    OriginalUri(original): OriginalUri,
) -> Response {
    let text = handler_message(
        user.username().unwrap_or_default(),
        &uri.to_string(),
        &original.to_string(),
    );
    ws.on_upgrade(move |mut socket| async move {
        let _ = socket.send(Message::text(text)).await;
        let _ = socket.send(Message::Close(None)).await;
    })
}

/// The scenario's routes, each with a request log (`TraceLayer`) *behind* the auth layer.
fn app(issuer: &TestIssuer, tokens: &Tokens) -> Router {
    let query = CognitoAuthLayer::new(issuer.verifier()).token_source(TokenSource::query(PARAM));
    let ticket =
        CognitoAuthLayer::new(issuer.verifier()).token_source_async(tokens.ticket_finder());
    let logged = || get(echo_user).route_layer(TraceLayer::new_for_http());
    Router::new()
        .route(
            "/ws/admin",
            logged()
                .route_layer(RequireGroup("admin"))
                .route_layer(query.clone()),
        )
        .route("/ws", logged().route_layer(query))
        .route("/ws/ticket", logged().route_layer(ticket))
}

#[tokio::test]
async fn a_websocket_upgrade_is_authenticated_by_a_query_token_that_the_handler_never_sees() {
    let logs = LogCapture::start();
    let issuer = TestIssuer::start().await.expect("issuer");
    let tokens = Tokens::new(&issuer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local address");
    let server = tokio::spawn(axum::serve(listener, app(&issuer, &tokens)).into_future());

    websocket::run(addr, &tokens).await;

    server.abort();
    let captured = logs.text();
    assert!(
        captured.contains("/ws?topic=a&b=2"),
        "the request log behind the layer saw the request: {captured}"
    );
    assert_no_token(&captured, &tokens.all());
}
