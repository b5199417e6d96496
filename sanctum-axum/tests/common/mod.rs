//! Helpers shared by the integration tests: the conformance app and a one-shot client.

#![allow(dead_code)] // each test file uses its own part of the helpers

use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::routing::{MethodRouter, get};
use http::{Request, Response};
use http_body_util::BodyExt as _;
use std::time::Duration;

use sanctum_axum::{
    CognitoAuthLayer, CognitoUser, ExpectedUse, Refusal, RejectedRequest, Require, RequireGroup,
    RequireScope, RequireStepUp, TokenSource, TypedClaims,
};
use sanctum_core::Requirement;
use sanctum_core::testing::conformance::{
    ANONYMOUS, COOKIE_NAME, CUSTOM_HEADER, ConformanceEnv, Route, STEP_UP_ACR, STEP_UP_AMR,
    STEP_UP_MAX_AGE, TenantClaims, custom_rejection_body,
};

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
use tower::ServiceExt as _;

/// The user name of the verified user, as every conformance handler answers.
pub(crate) async fn user_name(user: CognitoUser) -> String {
    user.username().unwrap_or_default().to_owned()
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

/// The route wired exactly as the variant's docs say.
pub(crate) fn conformance_route(env: &ConformanceEnv, route: Route) -> MethodRouter {
    let auth = CognitoAuthLayer::new(env.verifier.clone());
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
        Route::KeysDown => {
            get(user_name).route_layer(CognitoAuthLayer::new(env.keys_down_verifier.clone()))
        }
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
        Route::ColdKeys => get(user_name).route_layer(CognitoAuthLayer::new(env.fresh_verifier())),
        Route::ColdKeysCustomRejection => get(user_name).route_layer(
            CognitoAuthLayer::new(env.fresh_verifier()).on_rejection(custom_rejection),
        ),
        Route::KeysDownCustomRejection => get(user_name).route_layer(
            CognitoAuthLayer::new(env.fresh_keys_down_verifier()).on_rejection(custom_rejection),
        ),
        Route::OptionalExtractorWithoutLayer => get(maybe_user_name),
        Route::TypedClaims => get(tenant_body).route_layer(auth.clone()),
        Route::TypedClaimsWithoutLayer => get(tenant_body),
        Route::Revocation => {
            get(user_name).route_layer(CognitoAuthLayer::new(env.revoking_verifier.clone()))
        }
        Route::RetiredKey => {
            get(user_name).route_layer(CognitoAuthLayer::new(env.retiring_verifier.clone()))
        }
        Route::OnlineCheck => {
            get(user_name).route_layer(CognitoAuthLayer::new(env.online_verifier.clone()))
        }
        Route::OnlineCheckDown => {
            get(user_name).route_layer(CognitoAuthLayer::new(env.online_down_verifier.clone()))
        }
        Route::OnlineCheckDownAllowing => get(user_name).route_layer(CognitoAuthLayer::new(
            env.online_down_allowing_verifier.clone(),
        )),
        other => panic!("conformance route {other:?} is not wired in this test yet"),
    }
}

/// One router with every conformance route.
pub(crate) fn conformance_router(env: &ConformanceEnv) -> Router {
    Route::ALL.into_iter().fold(Router::new(), |router, route| {
        router.route(route.path(), conformance_route(env, route))
    })
}

/// What a test looks at in an answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) www_authenticate: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: String,
}

/// Reads an answer of any service.
pub(crate) async fn answer<B>(response: Response<B>) -> Answer
where
    B: axum::body::HttpBody,
    B::Error: std::fmt::Debug,
{
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let www_authenticate = header(http::header::WWW_AUTHENTICATE);
    let content_type = header(http::header::CONTENT_TYPE);
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("read the body")
        .to_bytes();
    Answer {
        status,
        www_authenticate,
        content_type,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Sends `GET path` with `headers` through `router`, in process.
pub(crate) async fn get_with(router: &Router, path: &str, headers: &[(String, String)]) -> Answer {
    get_with_raw(router, path, headers, &[]).await
}

/// As [`get_with`], with `raw_headers` (values that need not be text) after `headers`.
pub(crate) async fn get_with_raw(
    router: &Router,
    path: &str,
    headers: &[(String, String)],
    raw_headers: &[(String, Vec<u8>)],
) -> Answer {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    for (name, value) in raw_headers {
        request = request.header(name.as_str(), value.as_slice());
    }
    let request = request.body(Body::empty()).expect("a valid request");
    let response: Result<_, Infallible> = router.clone().oneshot(request).await;
    answer(response.expect("infallible")).await
}

/// `Authorization: Bearer <token>`.
pub(crate) fn bearer(token: &str) -> Vec<(String, String)> {
    vec![("authorization".to_owned(), format!("Bearer {token}"))]
}
