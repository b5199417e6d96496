//! WebSocket routes authenticated by a token in the query (browsers cannot set a header on a
//! WebSocket upgrade) or by a custom async source, over a real upgrade (actix-ws) on loopback
//! TCP (`sanctum_testkit::websocket`): refusals come before the upgrade, the guards apply, and
//! the token never reaches the handler's URI, the routing URI or a log behind the middleware.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::{Service as _, ServiceRequest};
use actix_web::{App, Error, HttpRequest, HttpResponse, HttpServer, web};
use sanctum_actix::{CognitoAuth, CognitoUser, RequireGroup, TokenSource};
use sanctum_core::testing::TestIssuer;
use sanctum_testkit::logs::assert_no_token;
use sanctum_testkit::websocket::{self, PARAM, Tokens, handler_message};

/// Upgrades and sends the scenario's message.
async fn echo_user(
    req: HttpRequest,
    body: web::Payload,
    user: CognitoUser,
) -> Result<HttpResponse, Error> {
    let text = handler_message(
        user.username().unwrap_or_default(),
        &req.uri().to_string(),
        &req.match_info().get_ref().uri().to_string(),
    );
    let (response, mut session, _messages) = actix_ws::handle(&req, body)?;
    actix_web::rt::spawn(async move {
        let _ = session.text(text).await;
        let _ = session.close(None).await;
    });
    Ok(response)
}

/// The scenario's routes, each with a request log *behind* the middleware (the URIs it saw,
/// in `seen`).
fn routes(
    issuer: &TestIssuer,
    tokens: &Tokens,
    seen: Arc<Mutex<Vec<String>>>,
) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    let query = CognitoAuth::new(issuer.verifier()).token_source(TokenSource::query(PARAM));
    let ticket = CognitoAuth::new(issuer.verifier()).token_source_async(tokens.ticket_finder());
    move |config: &mut web::ServiceConfig| {
        let logged = |path| {
            let seen = Arc::clone(&seen);
            web::resource(path).wrap_fn(move |req: ServiceRequest, srv| {
                seen.lock()
                    .expect("not poisoned")
                    .push(req.uri().to_string());
                srv.call(req)
            })
        };
        config
            .service(
                logged("/ws/admin")
                    .wrap(RequireGroup("admin"))
                    .wrap(query.clone())
                    .route(web::get().to(echo_user)),
            )
            .service(
                logged("/ws")
                    .wrap(query.clone())
                    .route(web::get().to(echo_user)),
            )
            .service(
                logged("/ws/ticket")
                    .wrap(ticket.clone())
                    .route(web::get().to(echo_user)),
            );
    }
}

#[actix_web::test]
async fn a_websocket_upgrade_is_authenticated_by_a_query_token_that_the_handler_never_sees() {
    let issuer = TestIssuer::start().await.expect("issuer");
    let tokens = Tokens::new(&issuer);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let routes = routes(&issuer, &tokens, Arc::clone(&seen));
    let server = HttpServer::new(move || App::new().configure(routes.clone()))
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(("127.0.0.1", 0))
        .expect("binds 127.0.0.1:0");
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    websocket::run(addr, &tokens).await;

    tokio::time::timeout(Duration::from_secs(10), handle.stop(true))
        .await
        .expect("the server stops in time");
    let seen = seen.lock().expect("not poisoned").join("\n");
    assert!(
        seen.contains("/ws?topic=a&b=2"),
        "the request log behind the middleware saw the request: {seen}"
    );
    assert_no_token(&seen, &tokens.all());
}
