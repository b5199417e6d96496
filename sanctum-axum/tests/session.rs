//! Sessions as a token source of the auth layer, offline: the browser-session scenarios of the
//! test kit (`sanctum_testkit::session`, the same in sanctum-actix) through one axum router over
//! a tower-sessions store — the guards and extractors as for bearer tokens, CSRF on unsafe
//! methods, the redirect to sign in, the sign-in cookie, sign-out, ended and revoked sessions,
//! the memory store's bounds, and a Redis store that cannot be reached (503, bearer routes
//! unaffected) or comes and goes (a real `redis-server`: one warning per outage).

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use http::Request;
use http_body_util::BodyExt as _;
use sanctum_axum::session::{MemorySessionStore, RedisSessionStore, SESSION_DATA_KEY, SessionAuth};
use sanctum_axum::{CognitoAuthLayer, CognitoUser, RequireGroup};
use sanctum_core::Verifier;
use sanctum_testkit::session::{Reply, SessionApp, SessionDriver, Setup, Store};
use serde_json::Value;
use tower::ServiceExt as _;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};

async fn me(user: CognitoUser) -> String {
    format!(
        "{} {:?}",
        user.username().unwrap_or_default(),
        user.groups().collect::<Vec<_>>()
    )
}

/// The scenarios' app (see `sanctum_testkit::session`) over `store`.
fn app<S: SessionStore + Clone>(verifier: &Verifier, auth: &SessionAuth, store: S) -> Router {
    let layer = CognitoAuthLayer::new(verifier.clone()).session(auth.clone());
    Router::new()
        .route(
            "/admin",
            get(me)
                .post(me)
                .route_layer(RequireGroup("admin"))
                .route_layer(layer.clone().redirect_to_login("/login")),
        )
        .route("/me", get(me).post(me).route_layer(layer.clone()))
        .route(
            "/",
            get(|user: Option<CognitoUser>| async move {
                user.map_or_else(|| "anonymous".to_owned(), |u| u.sub().to_owned())
            })
            .route_layer(layer.optional()),
        )
        .route(
            "/login",
            get({
                let auth = auth.clone();
                move |uri: http::Uri| async move { auth.login(&uri) }
            }),
        )
        .route(
            "/callback",
            get({
                let auth = auth.clone();
                move |session: tower_sessions::Session,
                      headers: http::HeaderMap,
                      axum::extract::RawQuery(query): axum::extract::RawQuery| async move {
                    auth.callback(&session, &headers, query.as_deref()).await
                }
            }),
        )
        .route(
            "/logout",
            post({
                let auth = auth.clone();
                move |session: tower_sessions::Session,
                      method: http::Method,
                      headers: http::HeaderMap| async move {
                    auth.logout(&session, &method, &headers).await
                }
            }),
        )
        .layer(auth.layer(store))
}

/// The adapter's app for the test kit's scenarios.
struct Axum;

/// The app's store, as the router has it.
enum Sessions {
    Memory(MemorySessionStore),
    Redis(Box<RedisSessionStore>),
}

/// The app and its store, driven by a scenario.
struct Driver {
    sessions: Sessions,
    router: Router,
}

impl SessionApp for Axum {
    async fn start(&self, setup: Setup) -> impl SessionDriver {
        let auth: SessionAuth = setup.auth().build();
        let (sessions, router) = match &setup.store {
            Store::Memory(capacity) => {
                let store = capacity
                    .map_or_else(MemorySessionStore::new, MemorySessionStore::with_capacity);
                let router = app(&setup.verifier, &auth, store.clone());
                (Sessions::Memory(store), router)
            }
            Store::Redis(url) => {
                let store = RedisSessionStore::from_url(url).expect("url");
                let router = app(&setup.verifier, &auth, store.clone());
                (Sessions::Redis(Box::new(store)), router)
            }
        };
        Driver { sessions, router }
    }
}

impl Driver {
    fn backend(&self) -> &dyn SessionStore {
        match &self.sessions {
            Sessions::Memory(store) => store,
            Sessions::Redis(store) => store.as_ref(),
        }
    }

    async fn load(&self, id: &str) -> Option<Record> {
        let id: Id = id.parse().expect("an id");
        self.backend().load(&id).await.expect("load")
    }
}

impl SessionDriver for Driver {
    async fn store(&self, data: &Value) -> String {
        let mut record = Record {
            id: Id::default(),
            data: HashMap::from([(SESSION_DATA_KEY.to_owned(), data.clone())]),
            expiry_date: tower_sessions::cookie::time::OffsetDateTime::now_utc()
                + tower_sessions::cookie::time::Duration::hours(1),
        };
        self.backend().create(&mut record).await.expect("stored");
        record.id.to_string()
    }

    async fn replace(&self, id: &str, data: &Value) {
        let mut record = self.load(id).await.expect("kept");
        record
            .data
            .insert(SESSION_DATA_KEY.to_owned(), data.clone());
        self.backend().save(&record).await.expect("saved");
    }

    async fn remove(&self, id: &str) {
        let id: Id = id.parse().expect("an id");
        self.backend().delete(&id).await.expect("deleted");
    }

    async fn holds(&self, id: &str) -> bool {
        self.load(id).await.is_some()
    }

    fn stored(&self) -> u64 {
        match &self.sessions {
            Sessions::Memory(store) => store.len(),
            Sessions::Redis(_) => unreachable!("asked of memory stores only"),
        }
    }

    fn unknown_id(&self) -> String {
        Id::default().to_string()
    }

    async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        let headers = response.headers().iter();
        let mut reply = Reply::from_head(
            response.status().as_u16(),
            headers.map(|(name, value)| (name.as_str(), value.as_bytes())),
        );
        let body = response
            .into_body()
            .collect()
            .await
            .expect("read the body")
            .to_bytes();
        reply.body = String::from_utf8_lossy(&body).into_owned();
        reply
    }
}

sanctum_testkit::session_scenarios!(
    #[tokio::test]
    Axum
);
