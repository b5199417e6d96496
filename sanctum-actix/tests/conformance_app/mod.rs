//! The conformance app (from the repository's unpublished `sanctum-testkit`, so the conformance
//! test is left out of the published package), shared by the in-process and the TCP test.

#![allow(dead_code, unreachable_pub)]

use actix_web::web::{self, ServiceConfig};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse};
use sanctum_actix::session::SessionAuth;
use sanctum_actix::{
    AlbAuth, CognitoAuth, CognitoUser, Refusal, RejectedRequest, Require, RequireGroup,
    RequireScope, RequireStepUp, TypedClaims,
};
use sanctum_core::session::{MemorySessionStore, RedisSessionStore, SessionStore as _};
use sanctum_core::{ExpectedUse, Requirement, TokenSource};
use sanctum_testkit::conformance::{
    self, COOKIE_NAME, CUSTOM_HEADER, ConformanceEnv, QUERY_PARAM, Route, SESSION_LOGIN_PATH,
    STEP_UP_ACR, STEP_UP_AMR, STEP_UP_MAX_AGE, SessionUser, TenantClaims, custom_rejection_body,
};

use crate::common::{maybe_user_name, user_name};

/// The conformance table's custom rejection: the rejection's status, `custom <code>`.
pub fn custom_rejection(rejection: Refusal, request: RejectedRequest) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(rejection.status().as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).body(custom_rejection_body(&rejection, &request))
}

/// The typed-claims route's answer.
pub async fn tenant_body(claims: TypedClaims<TenantClaims>) -> String {
    claims.body()
}

/// The session routes' sessions: over a memory store holding the table's sessions, and over a
/// store that cannot be reached.
#[derive(Clone)]
pub struct Sessions {
    auth: SessionAuth,
    down: SessionAuth,
    cookies: std::collections::HashMap<SessionUser, String>,
}

impl Sessions {
    /// The table's sessions, stored.
    pub async fn start(env: &ConformanceEnv) -> Self {
        let store = MemorySessionStore::new();
        let mut cookies = std::collections::HashMap::new();
        for user in [SessionUser::Alice, SessionUser::Root, SessionUser::Unknown] {
            let id = sanctum_core::session::new_session_id().expect("an id");
            if let Some(json) = env.session_json(user) {
                let stored = store
                    .create(&id, &json.to_string(), Duration::from_secs(3600))
                    .await
                    .expect("stored");
                assert!(stored, "a fresh id");
            }
            cookies.insert(user, id);
        }
        let auth = |store| {
            SessionAuth::builder(env.session_login())
                .csrf(env.session_csrf())
                .store(store)
        };
        Self {
            auth: auth(store).build(),
            down: SessionAuth::builder(env.session_login())
                .csrf(env.session_csrf())
                .store(RedisSessionStore::from_url(&env.dead_redis_url).expect("a Redis URL"))
                .build(),
            cookies,
        }
    }

    /// The `Cookie` header of `user`'s session.
    pub fn cookie(&self, user: SessionUser) -> (String, String) {
        (
            "cookie".to_owned(),
            format!("{}={}", self.auth.cookie_name(), self.cookies[&user]),
        )
    }
}

/// The query routes' middleware: `auth` reading the token from the query only.
fn query(auth: &CognitoAuth) -> CognitoAuth {
    auth.clone().token_source(TokenSource::query(QUERY_PARAM))
}

/// The query routes' answer: the user name and the URI the handler sees.
pub async fn user_and_uri(user: CognitoUser, req: HttpRequest) -> String {
    conformance::user_and_uri(user.username().unwrap_or_default(), &req.uri().to_string())
}

/// Registers one resource per conformance [`Route`], wired as the route's docs say. The
/// closure is `Clone + Send`, so `HttpServer::new` can call it on every worker.
pub fn conformance_routes(
    env: &ConformanceEnv,
    sessions: &Sessions,
) -> impl Fn(&mut ServiceConfig) + Clone + Send + 'static {
    let sessions = sessions.clone();
    let verifier = env.verifier.clone();
    let keys_down = env.keys_down_verifier.clone();
    // one of each for every worker: a fresh verifier's first fetch is the path under test
    let cold = env.fresh_verifier();
    let cold_custom = env.fresh_verifier();
    let keys_down_custom = env.fresh_keys_down_verifier();
    let retiring = env.retiring_verifier.clone();
    let revoking = env.revoking_verifier.clone();
    let online = env.online_verifier.clone();
    let online_down = env.online_down_verifier.clone();
    let online_down_allowing = env.online_down_allowing_verifier.clone();
    let stale_store = env.stale_store_verifier.clone();
    let alb = env.alb_verifier.clone();
    let alb_access = env.alb_access_verifier.clone();
    let alb_keys_down = env.alb_keys_down_verifier.clone();
    move |cfg: &mut ServiceConfig| {
        for route in Route::ALL {
            let auth = CognitoAuth::new(verifier.clone());
            let resource = web::resource(route.path());
            match route {
                Route::Protected => cfg.service(resource.wrap(auth).get(user_name)),
                Route::Admin => cfg.service(
                    resource
                        .wrap(RequireGroup("admin"))
                        .wrap(auth)
                        .get(user_name),
                ),
                Route::AnyGroup => cfg.service(
                    resource
                        .wrap(RequireGroup::any(["admin", "ops"]))
                        .wrap(auth)
                        .get(user_name),
                ),
                Route::AllGroups => cfg.service(
                    resource
                        .wrap(RequireGroup::all(["admin", "ops"]))
                        .wrap(auth)
                        .get(user_name),
                ),
                Route::Scope => cfg.service(
                    resource
                        .wrap(RequireScope("orders/read"))
                        .wrap(auth)
                        .get(user_name),
                ),
                Route::Requirement => cfg.service(
                    resource
                        .wrap(Require::new(Requirement::none_of_groups(["suspended"])))
                        .wrap(auth)
                        .get(user_name),
                ),
                Route::Optional => cfg.service(resource.wrap(auth.optional()).get(maybe_user_name)),
                Route::Cookie => cfg.service(
                    resource
                        .wrap(auth.token_source(TokenSource::cookie(COOKIE_NAME)))
                        .get(user_name),
                ),
                Route::Custom => cfg.service(
                    resource
                        .wrap(auth.token_source(TokenSource::custom(|h| {
                            h.header(CUSTOM_HEADER).map(str::to_owned)
                        })))
                        .get(user_name),
                ),
                Route::IdToken => cfg.service(
                    resource
                        .wrap(auth.expected_use(ExpectedUse::Id))
                        .get(user_name),
                ),
                Route::KeysDown => cfg.service(
                    resource
                        .wrap(CognitoAuth::new(keys_down.clone()))
                        .get(user_name),
                ),
                Route::GuardWithoutLayer => {
                    cfg.service(resource.wrap(RequireGroup("admin")).get(user_name))
                }
                Route::ExtractorWithoutLayer => cfg.service(resource.get(user_name)),
                Route::StepUpMaxAge => cfg.service(
                    resource
                        .wrap(RequireStepUp::max_age(Duration::from_secs(STEP_UP_MAX_AGE)))
                        .wrap(auth)
                        .get(user_name),
                ),
                Route::StepUpAcr => cfg.service(
                    resource
                        .wrap(RequireStepUp::acr([STEP_UP_ACR]))
                        .wrap(auth)
                        .get(user_name),
                ),
                Route::StepUpAmr => cfg.service(
                    resource
                        .wrap(RequireStepUp::amr(STEP_UP_AMR))
                        .wrap(auth)
                        .get(user_name),
                ),
                Route::HeaderOrCookie => cfg.service(
                    resource
                        .wrap(auth.token_source(TokenSource::one_of([
                            TokenSource::Bearer,
                            TokenSource::cookie(COOKIE_NAME),
                        ])))
                        .get(user_name),
                ),
                Route::ColdKeys => {
                    cfg.service(resource.wrap(CognitoAuth::new(cold.clone())).get(user_name))
                }
                Route::ColdKeysCustomRejection => cfg.service(
                    resource
                        .wrap(CognitoAuth::new(cold_custom.clone()).on_rejection(custom_rejection))
                        .get(user_name),
                ),
                Route::KeysDownCustomRejection => cfg.service(
                    resource
                        .wrap(
                            CognitoAuth::new(keys_down_custom.clone())
                                .on_rejection(custom_rejection),
                        )
                        .get(user_name),
                ),
                Route::OptionalExtractorWithoutLayer => cfg.service(resource.get(maybe_user_name)),
                Route::TypedClaims => cfg.service(resource.wrap(auth).get(tenant_body)),
                Route::TypedClaimsWithoutLayer => cfg.service(resource.get(tenant_body)),
                Route::Revocation => cfg.service(
                    resource
                        .wrap(CognitoAuth::new(revoking.clone()))
                        .get(user_name),
                ),
                Route::RetiredKey => cfg.service(
                    resource
                        .wrap(CognitoAuth::new(retiring.clone()))
                        .get(user_name),
                ),
                Route::OnlineCheck => cfg.service(
                    resource
                        .wrap(CognitoAuth::new(online.clone()))
                        .get(user_name),
                ),
                Route::OnlineCheckDown => cfg.service(
                    resource
                        .wrap(CognitoAuth::new(online_down.clone()))
                        .get(user_name),
                ),
                Route::OnlineCheckDownAllowing => cfg.service(
                    resource
                        .wrap(CognitoAuth::new(online_down_allowing.clone()))
                        .get(user_name),
                ),
                Route::RevocationStoreStale => cfg.service(
                    resource
                        .wrap(CognitoAuth::new(stale_store.clone()))
                        .get(user_name),
                ),
                Route::Alb => cfg.service(resource.wrap(AlbAuth::new(alb.clone())).get(user_name)),
                Route::AlbAdmin => cfg.service(
                    resource
                        .wrap(RequireGroup("admin"))
                        .wrap(AlbAuth::new(alb_access.clone()))
                        .get(user_name),
                ),
                Route::AlbOptional => cfg.service(
                    resource
                        .wrap(AlbAuth::new(alb.clone()).optional())
                        .get(maybe_user_name),
                ),
                Route::AlbKeysDown => cfg.service(
                    resource
                        .wrap(AlbAuth::new(alb_keys_down.clone()))
                        .get(user_name),
                ),
                Route::Session => cfg.service(
                    resource
                        .wrap(auth.session(sessions.auth.clone()))
                        .get(user_name)
                        .post(user_name),
                ),
                Route::SessionAdmin => cfg.service(
                    resource
                        .wrap(RequireGroup("admin"))
                        .wrap(auth.session(sessions.auth.clone()))
                        .get(user_name),
                ),
                Route::SessionPage => cfg.service(
                    resource
                        .wrap(
                            auth.session(sessions.auth.clone())
                                .redirect_to_login(SESSION_LOGIN_PATH),
                        )
                        .get(user_name)
                        .post(user_name),
                ),
                Route::SessionStoreDown => cfg.service(
                    resource
                        .wrap(auth.session(sessions.down.clone()))
                        .get(user_name),
                ),
                // the query-parameter token source
                Route::Query => cfg.service(resource.wrap(query(&auth)).get(user_and_uri)),
                Route::QueryAdmin => cfg.service(
                    resource
                        .wrap(RequireGroup("admin"))
                        .wrap(query(&auth))
                        .get(user_and_uri),
                ),
                Route::QueryCustomRejection => cfg.service(
                    resource
                        .wrap(query(&auth).on_rejection(custom_rejection))
                        .get(user_and_uri),
                ),
                // requirements checked by the middleware itself
                Route::LayerRequire => cfg.service(
                    resource
                        .wrap(auth.require(RequireGroup("admin")))
                        .get(user_name),
                ),
                Route::LayerRequireOptional => cfg.service(
                    resource
                        .wrap(
                            auth.optional()
                                .require(RequireGroup::any(["admin", "ops"]))
                                .require(RequireStepUp::max_age(Duration::from_secs(
                                    STEP_UP_MAX_AGE,
                                ))),
                        )
                        .get(maybe_user_name),
                ),
                Route::AlbLayerRequire => cfg.service(
                    resource
                        .wrap(AlbAuth::new(alb_access.clone()).require(RequireGroup("admin")))
                        .get(user_name),
                ),
                Route::AlbLayerRequireOptional => cfg.service(
                    resource
                        .wrap(
                            AlbAuth::new(alb_access.clone())
                                .optional()
                                .require(RequireGroup("admin")),
                        )
                        .get(maybe_user_name),
                ),
                other => panic!("conformance route {other:?} is not wired in the actix test app"),
            };
        }
    }
}
