//! gRPC services with [tonic](https://docs.rs/tonic/0.14) (feature `tonic`): the same layer and
//! guards, refusals answered as gRPC statuses.
//!
//! tonic services are tower services of `http::Request`, so [`CognitoAuthLayer`](crate::CognitoAuthLayer) and the guards
//! ([`RequireGroup`](crate::RequireGroup), [`RequireScope`](crate::RequireScope),
//! [`Require`](crate::Require), [`RequireStepUp`](crate::RequireStepUp)) wrap them as they wrap
//! axum routes; the request path is the same. Only the answer to a refusal changes:
//! [`CognitoAuthLayer::grpc`](crate::CognitoAuthLayer::grpc) makes the layer, the guards behind it and the extractors answer
//! with a gRPC status instead of a JSON 401/403. A gRPC refusal is a *trailers-only* response:
//! HTTP 200, `content-type: application/grpc`, `grpc-status` and `grpc-message` (the refusal's
//! reason, percent-encoded; never anything taken from the token):
//!
//! | refusal | HTTP answer | gRPC status |
//! |---|---|---|
//! | no token; malformed, badly signed, expired, revoked token, wrong issuer, client or `token_use` | 401 | `Unauthenticated` |
//! | valid token, missing group or scope; sign-in too old, `acr`/`amr` not met (step-up); claims that do not fit `TypedClaims` | 403 (step-up: 401) | `PermissionDenied` |
//! | several credentials (two `authorization` headers, ...) | 400 | `InvalidArgument` |
//! | signing keys, revocation check or session store unavailable | 503 | `Unavailable` |
//! | guard or extractor without the layer in front | 500 | `Internal` |
//!
//! When the HTTP answer has a `WWW-Authenticate` challenge, the status carries it as the
//! `www-authenticate` metadata entry, so a client learns what a step-up asks for
//! (`max_age="300"`, `acr_values="..."`). A guard or extractor with no layer in front answers
//! `Internal` to a gRPC call (a request whose `content-type` is `application/grpc...`) whatever
//! the mode.
//!
//! The handler reads the verified user from the request's extensions with
//! [`CognitoRequestExt`]; [`CognitoRequestExt::require`] checks a rule for one method.
//!
//! ```no_run
//! use sanctum_axum::grpc::CognitoRequestExt as _;
//! use sanctum_axum::{CognitoAuthLayer, RequireGroup, Requirement, UserPool, Verifier};
//! use tonic::{Request, Response, Status};
//! use tower::Layer as _;
//! # use std::{convert::Infallible, future::Future, pin::Pin, task::{Context, Poll}};
//! # #[derive(Clone)] struct Orders;
//! # #[derive(Clone)] struct Admin;
//! # impl tonic::server::NamedService for Orders { const NAME: &'static str = "shop.Orders"; }
//! # impl tonic::server::NamedService for Admin { const NAME: &'static str = "shop.Admin"; }
//! # type Call = Pin<Box<dyn Future<Output = Result<axum::http::Response<tonic::body::Body>, Infallible>> + Send>>;
//! # impl tower::Service<axum::http::Request<tonic::body::Body>> for Orders {
//! #     type Response = axum::http::Response<tonic::body::Body>; type Error = Infallible; type Future = Call;
//! #     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> { Poll::Ready(Ok(())) }
//! #     fn call(&mut self, _: axum::http::Request<tonic::body::Body>) -> Call { unimplemented!() }
//! # }
//! # impl tower::Service<axum::http::Request<tonic::body::Body>> for Admin {
//! #     type Response = axum::http::Response<tonic::body::Body>; type Error = Infallible; type Future = Call;
//! #     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> { Poll::Ready(Ok(())) }
//! #     fn call(&mut self, _: axum::http::Request<tonic::body::Body>) -> Call { unimplemented!() }
//! # }
//! # struct ListOrders; struct OrderList;
//!
//! // In a handler of `Orders` (tonic-build's generated trait, or your own service):
//! async fn list_orders(request: Request<ListOrders>) -> Result<Response<OrderList>, Status> {
//!     // `PermissionDenied` unless the token grants the scope; the user otherwise
//!     let user = request.require(&Requirement::scope("orders/read"))?;
//!     # let _ = (user, OrderList);
//!     // ... the orders of `user.sub()`
//!     # unimplemented!()
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let verifier = Verifier::builder()
//!         .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
//!         .build()?;
//!     tonic::transport::Server::builder()
//!         // every call needs a valid access token; refusals are gRPC statuses
//!         .layer(CognitoAuthLayer::new(verifier).grpc())
//!         .add_service(Orders)
//!         // the whole `Admin` service is for the `admin` group
//!         .add_service(RequireGroup("admin").layer(Admin))
//!         .serve("127.0.0.1:50051".parse()?)
//!         .await?;
//!     Ok(())
//! }
//! ```
//!
//! The guards and the layer's service are tonic [`NamedService`]s when what they wrap is one,
//! so a guarded service is added to the server like any other. The layer needs no tonic
//! transport of its own: the application's server brings it (tonic's `server` feature).
//! Test clients send `authorization: Bearer <token>` as metadata; the test kit's
//! `TestIssuer::access_token().authorization()` gives a ready value.

use axum_core::response::Response;
use http::HeaderMap;
use sanctum_core::adapter::check_requirement;
use sanctum_core::{Refusal, Requirement};
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::server::NamedService;
use tonic::{Code, Status};

use crate::extract::{AuthContext, EXTRACTOR_HINT};
use crate::layer::{AlbAuthService, CognitoAuthService, RequireService};
use crate::{CognitoRejection, CognitoUser};

/// The gRPC status code of `refusal`, as the [module docs](self) list them.
///
/// ```
/// use sanctum_axum::grpc::grpc_code;
/// use sanctum_axum::{Denied, Refusal, VerifyError};
///
/// assert_eq!(grpc_code(&Refusal::MissingToken), tonic::Code::Unauthenticated);
/// assert_eq!(grpc_code(&Refusal::from(VerifyError::Revoked)), tonic::Code::Unauthenticated);
/// let not_admin = Refusal::from(Denied::missing_group(["admin"]));
/// assert_eq!(grpc_code(&not_admin), tonic::Code::PermissionDenied);
/// ```
#[must_use]
pub fn grpc_code(refusal: &Refusal) -> Code {
    match refusal {
        // a step-up denial is a 401 in HTTP, but the caller is known: it lacks permission
        // for this call until it signs in again
        Refusal::Denied(_) => Code::PermissionDenied,
        other => match other.status() {
            http::StatusCode::UNAUTHORIZED => Code::Unauthenticated,
            http::StatusCode::FORBIDDEN => Code::PermissionDenied,
            http::StatusCode::BAD_REQUEST => Code::InvalidArgument,
            http::StatusCode::SERVICE_UNAVAILABLE => Code::Unavailable,
            _ => Code::Internal,
        },
    }
}

/// The gRPC status of `refusal`: its [code](grpc_code), its reason as the message
/// ([`Refusal::description`], never anything from the token) and, when the HTTP answer has one,
/// the `WWW-Authenticate` challenge as `www-authenticate` metadata.
///
/// ```
/// use sanctum_axum::grpc::grpc_status;
/// use sanctum_axum::{Refusal, VerifyError};
///
/// let status = grpc_status(&Refusal::from(VerifyError::InvalidSignature));
/// assert_eq!(status.code(), tonic::Code::Unauthenticated);
/// assert_eq!(status.message(), "token signature is invalid");
/// ```
#[must_use]
pub fn grpc_status(refusal: &Refusal) -> Status {
    let mut metadata = MetadataMap::new();
    if let Some(challenge) = refusal.www_authenticate()
        && let Ok(value) = MetadataValue::try_from(challenge)
    {
        metadata.insert("www-authenticate", value);
    }
    Status::with_metadata(grpc_code(refusal), refusal.description(), metadata)
}

/// The response [`CognitoAuthLayer::grpc`](crate::CognitoAuthLayer::grpc) answers `refusal` with: [`grpc_status`] as a
/// trailers-only gRPC response (HTTP 200, `content-type: application/grpc`, `grpc-status`,
/// `grpc-message`). The gRPC counterpart of [`default_response`](crate::default_response), for
/// an [`on_rejection`](crate::CognitoAuthLayer::on_rejection) handler that adjusts it:
///
/// ```
/// use sanctum_axum::grpc::grpc_response;
/// use sanctum_axum::Refusal;
///
/// let response = grpc_response(&Refusal::MissingToken);
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["content-type"], "application/grpc");
/// assert_eq!(response.headers()["grpc-status"], "16"); // Unauthenticated
/// ```
#[must_use]
pub fn grpc_response(refusal: &Refusal) -> Response {
    grpc_status(refusal).into_http()
}

/// Whether `headers` are a gRPC call's: `content-type: application/grpc` or
/// `application/grpc+...`.
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"))
}

impl CognitoRejection {
    /// The gRPC status of this refusal ([`grpc_status`]), whatever the layer's mode.
    ///
    /// ```
    /// use sanctum_axum::{CognitoRejection, Refusal};
    ///
    /// let status = CognitoRejection::from(Refusal::MissingToken).into_status();
    /// assert_eq!(status.code(), tonic::Code::Unauthenticated);
    /// ```
    #[must_use]
    pub fn into_status(self) -> Status {
        grpc_status(self.rejection())
    }
}

impl From<CognitoRejection> for Status {
    fn from(rejection: CognitoRejection) -> Self {
        rejection.into_status()
    }
}

/// The verified user of a tonic request, read from the request's extensions where
/// [`CognitoAuthLayer`](crate::CognitoAuthLayer) left it; refusals are gRPC [`Status`]es. Implemented for
/// [`tonic::Request`], unary and streaming alike; see the [module docs](self) for the wiring.
///
/// ```
/// use sanctum_axum::grpc::CognitoRequestExt as _;
/// use sanctum_axum::Requirement;
/// use tonic::{Request, Response, Status};
///
/// async fn who_am_i(request: Request<()>) -> Result<Response<String>, Status> {
///     let user = request.cognito_user()?; // `Unauthenticated` when the layer let none through
///     Ok(Response::new(user.sub().to_owned()))
/// }
///
/// async fn delete_order(request: Request<u64>) -> Result<Response<()>, Status> {
///     let user = request.require(&Requirement::group("admin"))?; // else `PermissionDenied`
///     let _ = (user, request.get_ref());
///     Ok(Response::new(()))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // without the layer in front the handler answers `Internal`: a wiring mistake
/// let status = who_am_i(Request::new(())).await.unwrap_err();
/// assert_eq!(status.code(), tonic::Code::Internal);
/// # let _ = delete_order;
/// # }
/// ```
pub trait CognitoRequestExt {
    /// The verified user.
    ///
    /// # Errors
    /// `Unauthenticated` when an [optional](crate::CognitoAuthLayer::optional) layer let the request
    /// through without a token; `Internal` when no [`CognitoAuthLayer`](crate::CognitoAuthLayer) ran.
    fn cognito_user(&self) -> Result<CognitoUser, Status>;

    /// The verified user, `None` when an [optional](crate::CognitoAuthLayer::optional) layer let the
    /// request through without a token.
    ///
    /// # Errors
    /// `Internal` when no [`CognitoAuthLayer`](crate::CognitoAuthLayer) ran.
    fn optional_cognito_user(&self) -> Result<Option<CognitoUser>, Status>;

    /// The verified user, when it meets `requirement` (by the verifier's clock at
    /// verification, as the guards check it): a guard for one method.
    ///
    /// # Errors
    /// As [`cognito_user`](Self::cognito_user), and `PermissionDenied` (with the unmet rule's
    /// reason) when the user does not meet `requirement`.
    fn require(&self, requirement: &Requirement) -> Result<CognitoUser, Status>;
}

impl<T> CognitoRequestExt for tonic::Request<T> {
    fn cognito_user(&self) -> Result<CognitoUser, Status> {
        let (user, _) = verified(self.extensions())?;
        Ok(user)
    }

    fn optional_cognito_user(&self) -> Result<Option<CognitoUser>, Status> {
        match self.extensions().get::<AuthContext>() {
            Some(context) => Ok(context.user.clone()),
            None => Err(refuse(&Refusal::Misconfigured {
                hint: EXTRACTOR_HINT,
            })),
        }
    }

    fn require(&self, requirement: &Requirement) -> Result<CognitoUser, Status> {
        let (user, checked_at) = verified(self.extensions())?;
        match check_requirement(requirement, &user, checked_at) {
            Ok(()) => Ok(user),
            Err(denied) => Err(refuse(&Refusal::from(denied))),
        }
    }
}

/// The verified user of a request's extensions, and when it was verified.
fn verified(extensions: &http::Extensions) -> Result<(CognitoUser, u64), Status> {
    match extensions.get::<AuthContext>() {
        Some(AuthContext {
            user: Some(user),
            checked_at,
            ..
        }) => Ok((user.clone(), *checked_at)),
        Some(_) => Err(refuse(&Refusal::MissingToken)),
        None => Err(refuse(&Refusal::Misconfigured {
            hint: EXTRACTOR_HINT,
        })),
    }
}

/// Logs `refusal` (as every adapter does, once per refused request) and gives its status.
fn refuse(refusal: &Refusal) -> Status {
    refusal.log();
    grpc_status(refusal)
}

impl<S: NamedService> NamedService for CognitoAuthService<S> {
    const NAME: &'static str = S::NAME;
}

impl<S: NamedService> NamedService for AlbAuthService<S> {
    const NAME: &'static str = S::NAME;
}

impl<S: NamedService> NamedService for RequireService<S> {
    const NAME: &'static str = S::NAME;
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanctum_core::{Denied, VerifyError};

    fn keys_down() -> VerifyError {
        VerifyError::KeysUnavailable {
            url: "http://127.0.0.1:1/jwks".into(),
            reason: "refused".into(),
        }
    }

    #[test]
    fn every_refusal_kind_has_its_grpc_code() {
        let cases = [
            (Refusal::MissingToken, Code::Unauthenticated),
            (Refusal::EmptyToken, Code::Unauthenticated),
            (Refusal::UnreadableToken, Code::Unauthenticated),
            (
                Refusal::from(VerifyError::InvalidSignature),
                Code::Unauthenticated,
            ),
            (Refusal::from(VerifyError::Revoked), Code::Unauthenticated),
            (Refusal::RepeatedCredentials, Code::InvalidArgument),
            (Refusal::from(keys_down()), Code::Unavailable),
            (
                Refusal::from(VerifyError::RevocationCheckUnavailable),
                Code::Unavailable,
            ),
            (Refusal::SessionUnavailable, Code::Unavailable),
            (
                Refusal::from(Denied::missing_group(["admin"])),
                Code::PermissionDenied,
            ),
            (Refusal::ClaimsMismatch, Code::PermissionDenied),
            (Refusal::CrossSiteRequest, Code::PermissionDenied),
            (Refusal::Misconfigured { hint: "add it" }, Code::Internal),
        ];
        for (refusal, code) in cases {
            assert_eq!(grpc_code(&refusal), code, "{refusal:?}");
            let status = grpc_status(&refusal);
            assert_eq!(status.code(), code);
            assert_eq!(status.message(), refusal.description());
        }
    }

    #[test]
    fn a_refusal_is_a_trailers_only_grpc_response() {
        let response = grpc_response(&Refusal::from(VerifyError::Revoked));
        assert_eq!(response.status(), http::StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers["content-type"], "application/grpc");
        assert_eq!(headers["grpc-status"], "16");
        // percent-encoded as the gRPC spec asks
        assert_eq!(headers["grpc-message"], "token%20has%20been%20revoked");
        let status = Status::from_header_map(headers).expect("a status");
        assert_eq!(status.message(), "token has been revoked");
    }

    #[test]
    fn grpc_calls_are_told_by_their_content_type() {
        let mut headers = HeaderMap::new();
        assert!(!is_grpc(&headers));
        headers.insert("content-type", "application/json".parse().expect("a value"));
        assert!(!is_grpc(&headers));
        for grpc in ["application/grpc", "application/grpc+proto"] {
            headers.insert("content-type", grpc.parse().expect("a value"));
            assert!(is_grpc(&headers), "{grpc}");
        }
    }
}
