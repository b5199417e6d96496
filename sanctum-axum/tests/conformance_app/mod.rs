//! The conformance app: one route per row of the table (from the repository's unpublished
//! `sanctum-testkit`, so the conformance test is left out of the published package).

#![allow(dead_code)]

use std::time::Duration;

use axum::Router;
use axum::routing::{MethodRouter, get};
use sanctum_axum::session::{RedisSessionStore, SESSION_DATA_KEY, SessionAuth};
use sanctum_axum::{
    AlbAuthLayer, CognitoAuthLayer, CognitoUser, ExpectedUse, Refusal, RejectedRequest, Require,
    RequireGroup, RequireScope, RequireStepUp, TokenSource, TypedClaims,
};
use sanctum_core::alb::AlbVerifier;
use sanctum_core::{Requirement, Verifier};
use sanctum_testkit::conformance::{
    self, ANONYMOUS, COOKIE_NAME, CUSTOM_HEADER, ConformanceEnv, QUERY_PARAM, Route,
    SESSION_LOGIN_PATH, STEP_UP_ACR, STEP_UP_AMR, STEP_UP_MAX_AGE, SessionUser, TenantClaims,
    custom_rejection_body,
};
use tower_sessions::session::{Id, Record};
use tower_sessions::{MemoryStore, SessionStore as _};

use crate::common::user_name;

/// The conformance table's custom rejection: the rejection's status, `custom <code>`.
pub(crate) fn custom_rejection(
    rejection: Refusal,
    request: RejectedRequest,
) -> (http::StatusCode, String) {
    (
        rejection.status(),
        custom_rejection_body(&rejection, &request),
    )
}

/// The typed-claims route's answer.
pub(crate) async fn tenant_body(claims: TypedClaims<TenantClaims>) -> String {
    claims.body()
}

/// The user name, or `ANONYMOUS`.
pub(crate) async fn maybe_user_name(user: Option<CognitoUser>) -> String {
    user.map_or_else(
        || ANONYMOUS.to_owned(),
        |u| u.username().unwrap_or_default().to_owned(),
    )
}

/// The session routes' sessions: a memory store holding the table's sessions.
#[derive(Clone)]
pub(crate) struct Sessions {
    auth: SessionAuth,
    store: MemoryStore,
    cookies: std::collections::HashMap<SessionUser, String>,
}

impl Sessions {
    /// The table's sessions, stored.
    pub(crate) async fn start(env: &ConformanceEnv) -> Self {
        let store = MemoryStore::default();
        let mut cookies = std::collections::HashMap::new();
        for user in [SessionUser::Alice, SessionUser::Root, SessionUser::Unknown] {
            let mut record = Record {
                id: Id::default(),
                data: std::collections::HashMap::new(),
                expiry_date: tower_sessions::cookie::time::OffsetDateTime::now_utc()
                    + tower_sessions::cookie::time::Duration::hours(1),
            };
            if let Some(json) = env.session_json(user) {
                record.data.insert(SESSION_DATA_KEY.to_owned(), json);
                store.create(&mut record).await.expect("stored");
            }
            cookies.insert(user, record.id.to_string());
        }
        Self {
            auth: SessionAuth::builder(env.session_login())
                .csrf(env.session_csrf())
                .build(),
            store,
            cookies,
        }
    }

    /// The `Cookie` header of `user`'s session.
    pub(crate) fn cookie(&self, user: SessionUser) -> (String, String) {
        (
            "cookie".to_owned(),
            format!("{}={}", self.auth.cookie_name(), self.cookies[&user]),
        )
    }
}

/// The query routes' layer: `auth` reading the token from the query only.
fn query(auth: CognitoAuthLayer) -> CognitoAuthLayer {
    auth.token_source(TokenSource::query(QUERY_PARAM))
}

/// The query routes' answer: the user name and the URI the handler sees.
pub(crate) async fn user_and_uri(user: CognitoUser, uri: http::Uri) -> String {
    conformance::user_and_uri(user.username().unwrap_or_default(), &uri.to_string())
}

/// How the routes' layers answer refusals: the HTTP table's answers, or (feature `tonic`) gRPC
/// statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answers {
    /// JSON bodies and `WWW-Authenticate` (the default).
    Http,
    /// `CognitoAuthLayer::grpc` / `AlbAuthLayer::grpc`.
    #[cfg(feature = "tonic")]
    Grpc,
}

impl Answers {
    fn cognito(self, verifier: Verifier) -> CognitoAuthLayer {
        let layer = CognitoAuthLayer::new(verifier);
        match self {
            Self::Http => layer,
            #[cfg(feature = "tonic")]
            Self::Grpc => layer.grpc(),
        }
    }

    fn alb(self, verifier: AlbVerifier) -> AlbAuthLayer {
        let layer = AlbAuthLayer::new(verifier);
        match self {
            Self::Http => layer,
            #[cfg(feature = "tonic")]
            Self::Grpc => layer.grpc(),
        }
    }
}

/// The route wired exactly as the variant's docs say.
pub(crate) fn conformance_route(
    env: &ConformanceEnv,
    sessions: &Sessions,
    route: Route,
) -> MethodRouter {
    conformance_route_answering(env, sessions, route, Answers::Http)
}

/// [`conformance_route`], its layers answering refusals as `answers` says.
pub(crate) fn conformance_route_answering(
    env: &ConformanceEnv,
    sessions: &Sessions,
    route: Route,
    answers: Answers,
) -> MethodRouter {
    let cognito = |verifier: Verifier| answers.cognito(verifier);
    let alb = |verifier: AlbVerifier| answers.alb(verifier);
    let auth = cognito(env.verifier.clone());
    let guarded = |guard: Require| get(user_name).route_layer(guard).route_layer(auth.clone());
    match route {
        Route::Protected => get(user_name).route_layer(auth.clone()),
        Route::Admin => get(user_name)
            .route_layer(RequireGroup("admin"))
            .route_layer(auth.clone()),
        Route::AnyGroup => guarded(RequireGroup::any(["admin", "ops"])),
        Route::AllGroups => guarded(RequireGroup::all(["admin", "ops"])),
        Route::Scope => get(user_name)
            .route_layer(RequireScope("orders/read"))
            .route_layer(auth.clone()),
        Route::Requirement => guarded(Require::new(Requirement::none_of_groups(["suspended"]))),
        Route::Optional => get(maybe_user_name).route_layer(auth.optional()),
        Route::Cookie => {
            get(user_name).route_layer(auth.token_source(TokenSource::cookie(COOKIE_NAME)))
        }
        Route::Custom => {
            get(user_name).route_layer(auth.token_source(TokenSource::custom(|headers| {
                headers.header(CUSTOM_HEADER).map(str::to_owned)
            })))
        }
        Route::IdToken => get(user_name).route_layer(auth.expected_use(ExpectedUse::Id)),
        Route::KeysDown => get(user_name).route_layer(cognito(env.keys_down_verifier.clone())),
        Route::GuardWithoutLayer => get(user_name).route_layer(RequireGroup("admin")),
        Route::ExtractorWithoutLayer => get(user_name),
        Route::StepUpMaxAge => {
            guarded(RequireStepUp::max_age(Duration::from_secs(STEP_UP_MAX_AGE)))
        }
        Route::StepUpAcr => guarded(RequireStepUp::acr([STEP_UP_ACR])),
        Route::StepUpAmr => guarded(RequireStepUp::amr(STEP_UP_AMR)),
        Route::HeaderOrCookie => {
            get(user_name).route_layer(auth.token_source(TokenSource::one_of([
                TokenSource::Bearer,
                TokenSource::cookie(COOKIE_NAME),
            ])))
        }
        Route::ColdKeys => get(user_name).route_layer(cognito(env.fresh_verifier())),
        Route::ColdKeysCustomRejection => {
            get(user_name).route_layer(cognito(env.fresh_verifier()).on_rejection(custom_rejection))
        }
        Route::KeysDownCustomRejection => get(user_name)
            .route_layer(cognito(env.fresh_keys_down_verifier()).on_rejection(custom_rejection)),
        Route::OptionalExtractorWithoutLayer => get(maybe_user_name),
        Route::TypedClaims => get(tenant_body).route_layer(auth.clone()),
        Route::TypedClaimsWithoutLayer => get(tenant_body),
        Route::Revocation => get(user_name).route_layer(cognito(env.revoking_verifier.clone())),
        Route::RetiredKey => get(user_name).route_layer(cognito(env.retiring_verifier.clone())),
        Route::OnlineCheck => get(user_name).route_layer(cognito(env.online_verifier.clone())),
        Route::OnlineCheckDown => {
            get(user_name).route_layer(cognito(env.online_down_verifier.clone()))
        }
        Route::OnlineCheckDownAllowing => {
            get(user_name).route_layer(cognito(env.online_down_allowing_verifier.clone()))
        }
        Route::RevocationStoreStale => {
            get(user_name).route_layer(cognito(env.stale_store_verifier.clone()))
        }
        Route::Alb => get(user_name).route_layer(alb(env.alb_verifier.clone())),
        Route::AlbAdmin => get(user_name)
            .route_layer(RequireGroup("admin"))
            .route_layer(alb(env.alb_access_verifier.clone())),
        Route::AlbOptional => {
            get(maybe_user_name).route_layer(alb(env.alb_verifier.clone()).optional())
        }
        Route::AlbKeysDown => get(user_name).route_layer(alb(env.alb_keys_down_verifier.clone())),
        Route::Session => get(user_name)
            .post(user_name)
            .route_layer(auth.session(sessions.auth.clone()))
            .route_layer(sessions.auth.layer(sessions.store.clone())),
        Route::SessionAdmin => get(user_name)
            .route_layer(RequireGroup("admin"))
            .route_layer(auth.session(sessions.auth.clone()))
            .route_layer(sessions.auth.layer(sessions.store.clone())),
        Route::SessionPage => get(user_name)
            .post(user_name)
            .route_layer(
                auth.session(sessions.auth.clone())
                    .redirect_to_login(SESSION_LOGIN_PATH),
            )
            .route_layer(sessions.auth.layer(sessions.store.clone())),
        Route::SessionStoreDown => get(user_name)
            .route_layer(auth.session(sessions.auth.clone()))
            .route_layer(
                sessions
                    .auth
                    .layer(RedisSessionStore::from_url(&env.dead_redis_url).expect("a Redis URL")),
            ),
        // the query-parameter token source
        Route::Query => get(user_and_uri).route_layer(query(auth)),
        Route::QueryAdmin => get(user_and_uri)
            .route_layer(RequireGroup("admin"))
            .route_layer(query(auth)),
        Route::QueryCustomRejection => {
            get(user_and_uri).route_layer(query(auth).on_rejection(custom_rejection))
        }
        // requirements checked by the auth layer itself
        Route::LayerRequire => get(user_name).route_layer(auth.require(RequireGroup("admin"))),
        Route::LayerRequireOptional => get(maybe_user_name).route_layer(
            auth.optional()
                .require(RequireGroup::any(["admin", "ops"]))
                .require(RequireStepUp::max_age(Duration::from_secs(STEP_UP_MAX_AGE))),
        ),
        Route::AlbLayerRequire => get(user_name)
            .route_layer(alb(env.alb_access_verifier.clone()).require(RequireGroup("admin"))),
        Route::AlbLayerRequireOptional => get(maybe_user_name).route_layer(
            alb(env.alb_access_verifier.clone())
                .optional()
                .require(RequireGroup("admin")),
        ),
        other => panic!("conformance route {other:?} is not wired in this test yet"),
    }
}

/// One router with every conformance route.
pub(crate) fn conformance_router(env: &ConformanceEnv, sessions: &Sessions) -> Router {
    conformance_router_answering(env, sessions, Answers::Http)
}

/// [`conformance_router`], its layers answering refusals as `answers` says.
pub(crate) fn conformance_router_answering(
    env: &ConformanceEnv,
    sessions: &Sessions,
    answers: Answers,
) -> Router {
    Route::ALL.into_iter().fold(Router::new(), |router, route| {
        router.route(
            route.path(),
            conformance_route_answering(env, sessions, route, answers),
        )
    })
}
