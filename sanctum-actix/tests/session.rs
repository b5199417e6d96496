//! Sessions as a token source of the auth middleware, offline: the browser-session scenarios of
//! the test kit (`sanctum_testkit::session`, the same in sanctum-axum) through an actix-web app
//! over sanctum's session stores — the guards and extractors as for bearer tokens, CSRF on
//! unsafe methods, the redirect to sign in, the sign-in cookie, sign-out, ended and revoked
//! sessions, the memory store's bounds, and a Redis store that cannot be reached (503, bearer
//! routes unaffected) or comes and goes (a real `redis-server`: one warning per outage).

use std::time::Duration;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, HttpRequest, test, web};
use sanctum_actix::session::SessionAuth;
use sanctum_actix::{CognitoAuth, CognitoUser, MaybeCognitoUser, RequireGroup};
use sanctum_core::Verifier;
use sanctum_core::session::{MemorySessionStore, RedisSessionStore, SessionStore, new_session_id};
use sanctum_testkit::session::{Reply, SessionApp, SessionDriver, Setup, Store};
use serde_json::Value;

async fn me(user: CognitoUser) -> String {
    format!(
        "{} {:?}",
        user.username().unwrap_or_default(),
        user.groups().collect::<Vec<_>>()
    )
}

async fn home(MaybeCognitoUser(user): MaybeCognitoUser) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |u| u.sub().to_owned())
}

/// The scenarios' app (see `sanctum_testkit::session`).
fn routes(verifier: Verifier, auth: SessionAuth) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        let layer = CognitoAuth::new(verifier).session(auth.clone());
        config
            .app_data(web::Data::new(auth))
            .service(
                web::resource("/admin")
                    .wrap(RequireGroup("admin"))
                    .wrap(layer.clone().redirect_to_login("/login"))
                    .get(me)
                    .post(me),
            )
            .service(web::resource("/me").wrap(layer.clone()).get(me).post(me))
            .service(web::resource("/").wrap(layer.optional()).get(home))
            .route(
                "/login",
                web::get().to(|auth: web::Data<SessionAuth>, req: HttpRequest| async move {
                    auth.login(&req)
                }),
            )
            .route(
                "/callback",
                web::get().to(|auth: web::Data<SessionAuth>, req: HttpRequest| async move {
                    auth.callback(&req).await
                }),
            )
            .route(
                "/logout",
                web::post().to(|auth: web::Data<SessionAuth>, req: HttpRequest| async move {
                    auth.logout(&req).await
                }),
            );
    }
}

/// The adapter's app for the test kit's scenarios.
struct Actix;

/// The app's store.
enum Sessions {
    Memory(MemorySessionStore),
    Redis(Box<RedisSessionStore>),
}

/// The app and its store, driven by a scenario.
struct Driver<S> {
    sessions: Sessions,
    app: S,
}

impl SessionApp for Actix {
    async fn start(&self, setup: Setup) -> impl SessionDriver {
        let auth = setup.auth::<SessionAuth>();
        let (sessions, auth) = match &setup.store {
            Store::Memory(capacity) => {
                let store = capacity
                    .map_or_else(MemorySessionStore::new, MemorySessionStore::with_capacity);
                (Sessions::Memory(store.clone()), auth.store(store).build())
            }
            Store::Redis(url) => {
                let store = RedisSessionStore::from_url(url).expect("url");
                (
                    Sessions::Redis(Box::new(store.clone())),
                    auth.store(store).build(),
                )
            }
        };
        let app = test::init_service(App::new().configure(routes(setup.verifier, auth))).await;
        Driver { sessions, app }
    }
}

impl<S> Driver<S> {
    fn backend(&self) -> &dyn SessionStore {
        match &self.sessions {
            Sessions::Memory(store) => store,
            Sessions::Redis(store) => store.as_ref(),
        }
    }
}

impl<S> SessionDriver for Driver<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    async fn store(&self, data: &Value) -> String {
        let id = new_session_id().expect("id");
        let ttl = Duration::from_secs(3600);
        let created = self.backend().create(&id, &data.to_string(), ttl).await;
        assert!(created.expect("stored"), "a fresh id");
        id
    }

    async fn replace(&self, id: &str, data: &Value) {
        let ttl = Duration::from_secs(3600);
        self.backend()
            .save(id, &data.to_string(), ttl)
            .await
            .expect("saved");
    }

    async fn remove(&self, id: &str) {
        self.backend().delete(id).await.expect("deleted");
    }

    async fn holds(&self, id: &str) -> bool {
        self.backend().load(id).await.expect("load").is_some()
    }

    fn stored(&self) -> u64 {
        match &self.sessions {
            Sessions::Memory(store) => store.len(),
            Sessions::Redis(_) => unreachable!("asked of memory stores only"),
        }
    }

    fn unknown_id(&self) -> String {
        new_session_id().expect("id")
    }

    async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = test::TestRequest::default()
            .method(method.parse().expect("method"))
            .uri(path);
        for (name, value) in headers {
            request = request.append_header((*name, *value));
        }
        let response = test::call_service(&self.app, request.to_request()).await;
        let headers = response.headers().iter();
        let mut reply = Reply::from_head(
            response.status().as_u16(),
            headers.map(|(name, value)| (name.as_str(), value.as_bytes())),
        );
        reply.body = String::from_utf8_lossy(&test::read_body(response).await).into_owned();
        reply
    }
}

sanctum_testkit::session_scenarios!(
    #[actix_web::test]
    Actix
);
