//! `web-app-actix`: the `web-app` example on actix-web — a server-rendered app whose users sign
//! in through Cognito's managed login, with server-side sessions (sanctum-actix's `sessions`
//! feature: in memory, or in Redis shared by every instance with `SANCTUM_REDIS_URL`).
//! Configured from the environment as [`sanctum_examples::web_app`] describes: the same
//! contract, routes and answers as `web-app`.
//!
//! Routes: `GET /` (a page: signed out, a link `id="sign-in"`; signed in, `id="user"`,
//! `id="groups"` and the form `id="sign-out"`), `GET /login` (`?identity_provider=Google`
//! goes straight to a federated provider), `GET /callback`, `GET /me` (JSON), `GET /admin`
//! (the `admin` group), `POST /logout`.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use sanctum_actix::session::SessionAuth;
use sanctum_actix::{CognitoAuth, CognitoUser, MaybeCognitoUser, RequireGroup};
use sanctum_core::session::{MemorySessionStore, RedisSessionStore};
use sanctum_examples::web_app::{
    BoxError, WebApp, admin_page, banner, home_page, identity_provider,
};

#[actix_web::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let config = WebApp::from_env()?;
    let auth = SessionAuth::builder(config.login)
        .csrf(config.csrf)
        .revocations(config.revocations);
    let auth = match &config.redis_url {
        Some(url) => auth.store(RedisSessionStore::from_url(url)?),
        None => auth.store(MemorySessionStore::new()),
    }
    .build();

    let verifier = config.verifier;
    let server = HttpServer::new(move || {
        let layer = CognitoAuth::new(verifier.clone()).session(auth.clone());
        App::new()
            .app_data(web::Data::new(auth.clone()))
            .service(web::resource("/").wrap(layer.clone().optional()).get(home))
            .service(web::resource("/me").wrap(layer.clone()).get(me))
            .service(
                web::resource("/admin")
                    // actix-web runs the last .wrap() first: the auth, then the guard
                    .wrap(RequireGroup("admin"))
                    .wrap(layer.redirect_to_login("/login"))
                    .get(admin),
            )
            .route("/login", web::get().to(login))
            .route("/callback", web::get().to(callback))
            .route("/logout", web::post().to(logout))
    })
    .bind(config.addr)?;
    println!("{}", banner(server.addrs()[0]));
    server.run().await?;
    Ok(())
}

async fn home(MaybeCognitoUser(user): MaybeCognitoUser) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(home_page(user.as_deref()))
}

async fn me(user: CognitoUser) -> HttpResponse {
    HttpResponse::Ok().json(sanctum_examples::web_app::me(&user))
}

async fn admin(user: CognitoUser) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(admin_page(&user))
}

/// `GET /login[?next=/path][&identity_provider=Google]`: to Cognito's managed login, or
/// straight to a federated provider when one is named.
async fn login(auth: web::Data<SessionAuth>, req: HttpRequest) -> HttpResponse {
    match identity_provider(Some(req.query_string())) {
        Some(provider) => auth.login_with(&req, |request| request.identity_provider(provider)),
        None => auth.login(&req),
    }
}

async fn callback(auth: web::Data<SessionAuth>, req: HttpRequest) -> HttpResponse {
    auth.callback(&req).await
}

async fn logout(auth: web::Data<SessionAuth>, req: HttpRequest) -> HttpResponse {
    auth.logout(&req).await
}
