//! Helpers shared by the integration tests: handlers, a request, and the challenge of an answer.

#![allow(dead_code, unreachable_pub)]

use actix_web::http::header::WWW_AUTHENTICATE;
use actix_web::test;
use sanctum_actix::{CognitoUser, MaybeCognitoUser};

/// What the optional route answers without a user: the conformance table's `ANONYMOUS`
/// (`conformance.rs` checks they agree).
pub const ANONYMOUS: &str = "anonymous";

/// Every conformance handler answers the user name of the `CognitoUser` it extracted.
pub async fn user_name(user: CognitoUser) -> String {
    user.username().unwrap_or_default().to_owned()
}

/// The optional route's handler: the user name or `ANONYMOUS`.
pub async fn maybe_user_name(MaybeCognitoUser(user): MaybeCognitoUser) -> String {
    user.and_then(|u| u.username().map(str::to_owned))
        .unwrap_or_else(|| ANONYMOUS.to_owned())
}

/// The `WWW-Authenticate` value of a header map, if any.
pub fn challenge(headers: &actix_web::http::header::HeaderMap) -> Option<String> {
    headers
        .get(WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap_or("<not UTF-8>").to_owned())
}

/// A GET of `uri`, with `Authorization: Bearer {token}` when there is a token.
pub(crate) fn get(uri: &str, token: Option<&str>) -> test::TestRequest {
    let request = test::TestRequest::get().uri(uri);
    match token {
        Some(token) => request.insert_header(("authorization", format!("Bearer {token}"))),
        None => request,
    }
}
