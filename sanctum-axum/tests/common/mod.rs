//! Helpers shared by the integration tests: a handler and a one-shot client.

#![allow(dead_code)] // each test file uses its own part of the helpers

use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use http::{Request, Response};
use http_body_util::BodyExt as _;

use sanctum_axum::CognitoUser;
use tower::ServiceExt as _;

/// The user name of the verified user, as every conformance handler answers.
pub(crate) async fn user_name(user: CognitoUser) -> String {
    user.username().unwrap_or_default().to_owned()
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
