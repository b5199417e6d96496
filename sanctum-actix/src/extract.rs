//! Extractors: [`CognitoUser`], [`MaybeCognitoUser`] for optional authentication, and
//! [`TypedClaims<T>`] for your own claim types. They read what
//! [`CognitoAuth`](crate::CognitoAuth) left in the request extensions, so they cost no
//! verification of their own.
//!
//! | extractor | middleware ran, valid token | middleware ran, no token (optional mode) | no middleware |
//! |---|---|---|---|
//! | [`CognitoUser`] | the user | 401 | 500 |
//! | [`MaybeCognitoUser`] | `Some(user)` | `None` | 500 |
//! | [`TypedClaims<T>`] | the claims decoded as `T` (403 if they do not fit) | 401 | 500 |
//!
//! The same answers as `sanctum-axum`'s `CognitoUser`, `Option<CognitoUser>` and
//! `TypedClaims<T>`. (actix-web's own `Option<CognitoUser>` is `None` on any failure, a
//! missing middleware included: use [`MaybeCognitoUser`] so that wiring mistake answers 500.)
//!
//! ```
//! use actix_web::{HttpResponse, web};
//! use sanctum_actix::{CognitoUser, MaybeCognitoUser, TypedClaims};
//!
//! // any valid token; 401 without one
//! async fn me(user: CognitoUser) -> String {
//!     format!("hello {}", user.username().unwrap_or(user.sub()))
//! }
//!
//! // behind `CognitoAuth::new(verifier).optional()`: `None` for anonymous requests
//! async fn home(MaybeCognitoUser(user): MaybeCognitoUser) -> String {
//!     match user {
//!         Some(user) => format!("welcome back {}", user.sub()),
//!         None => "welcome, stranger".to_owned(),
//!     }
//! }
//!
//! #[derive(serde::Deserialize)]
//! struct Tenant {
//!     #[serde(rename = "custom:tenant")]
//!     tenant: String,
//! }
//!
//! // the token's payload as your own type; 403 when it does not fit
//! async fn tenant(claims: TypedClaims<Tenant>) -> HttpResponse {
//!     HttpResponse::Ok().body(claims.tenant.clone())
//! }
//! # let _ = (web::get().to(me), web::get().to(home), web::get().to(tenant));
//! ```

use std::future::{Ready, ready};
use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest};
use sanctum_core::adapter::Verified;
use sanctum_core::{CognitoClaims, Refusal};
use serde::de::DeserializeOwned;

use crate::rejection::{CognitoRejection, Handler};

/// What [`CognitoAuth`](crate::CognitoAuth) leaves in the request extensions: the verified
/// claims (`None`: anonymous, optional mode) and the application's rejection handler. Its
/// presence tells guards and extractors that the middleware ran.
pub(crate) struct AuthState {
    pub(crate) claims: Option<Arc<CognitoClaims>>,
    /// When the verifier checked the token (seconds since the epoch, its clock): the guards'
    /// time rules (step-up) are checked at that instant.
    pub(crate) checked_at: u64,
    pub(crate) handler: Option<Handler>,
}

impl AuthState {
    /// The state for a verified token, or (`None`) an anonymous request.
    pub(crate) fn new(verified: Option<Verified>, handler: Option<Handler>) -> Self {
        let (claims, checked_at) = match verified.map(Verified::into_parts) {
            Some((claims, checked_at)) => (Some(claims), checked_at),
            None => (None, 0),
        };
        Self {
            claims,
            checked_at,
            handler,
        }
    }
}

const EXTRACTOR_HINT: &str = "CognitoUser, MaybeCognitoUser and TypedClaims<T> need the sanctum_actix::CognitoAuth middleware: \
     wrap the App, scope or resource of this route with .wrap(CognitoAuth::new(verifier))";

fn misconfigured(req: &HttpRequest) -> CognitoRejection {
    CognitoRejection::with_handler(
        Refusal::Misconfigured {
            hint: EXTRACTOR_HINT,
        },
        None,
        req,
    )
}

/// The claims of the request's token, or why there are none.
fn claims(req: &HttpRequest) -> Result<Arc<CognitoClaims>, CognitoRejection> {
    let refusal = match req.extensions().get::<AuthState>() {
        None => None,
        Some(AuthState {
            claims: Some(claims),
            ..
        }) => return Ok(Arc::clone(claims)),
        Some(AuthState {
            claims: None,
            handler,
            ..
        }) => Some(handler.clone()),
    };
    Err(match refusal {
        None => misconfigured(req),
        Some(handler) => CognitoRejection::with_handler(Refusal::MissingToken, handler, req),
    })
}

/// The verified user of the request: its [`CognitoClaims`], shared (cloning is cheap).
///
/// Dereferences to [`CognitoClaims`], so `user.sub()`, `user.username()`, `user.has_group("admin")`
/// work directly. Needs [`CognitoAuth`](crate::CognitoAuth) around the route; see the
/// [module docs](self) for an example.
///
/// | request | answer |
/// |---|---|
/// | valid token | the handler runs |
/// | no token (optional mode) | 401, bare `Bearer` challenge |
/// | no `CognitoAuth` around the route | 500, the body says what to add |
///
/// Invalid tokens never reach the extractor: the middleware refuses them.
#[derive(Debug, Clone)]
pub struct CognitoUser {
    claims: Arc<CognitoClaims>,
}

impl CognitoUser {
    /// The verified claims.
    #[must_use]
    pub fn claims(&self) -> &Arc<CognitoClaims> {
        &self.claims
    }

    /// The verified claims, shared.
    #[must_use]
    pub fn into_claims(self) -> Arc<CognitoClaims> {
        self.claims
    }
}

impl CognitoUser {
    /// The user of a request whose [`CognitoAuth`](crate::CognitoAuth) ran, e.g. in a
    /// middleware of your own.
    ///
    /// ```
    /// use sanctum_actix::CognitoUser;
    ///
    /// let request = actix_web::test::TestRequest::get().to_http_request();
    /// // no middleware ran: a wiring mistake, answered with 500
    /// let refused = CognitoUser::of(&request).unwrap_err();
    /// assert_eq!(refused.status(), 500);
    /// ```
    ///
    /// # Errors
    /// [`Refusal::MissingToken`] when an optional middleware let the request through
    /// anonymously, [`Refusal::Misconfigured`] when no middleware ran.
    pub fn of(req: &HttpRequest) -> Result<Self, CognitoRejection> {
        claims(req).map(|claims| Self { claims })
    }

    /// As [`of`](Self::of), but an anonymous request (optional middleware, no token) is
    /// `Ok(None)`.
    ///
    /// # Errors
    /// [`Refusal::Misconfigured`] when no middleware ran.
    pub fn optional_of(req: &HttpRequest) -> Result<Option<Self>, CognitoRejection> {
        let state = req.extensions().get::<AuthState>().map(|state| {
            state.claims.as_ref().map(|claims| Self {
                claims: Arc::clone(claims),
            })
        });
        state.ok_or_else(|| misconfigured(req))
    }
}

impl AsRef<CognitoClaims> for CognitoUser {
    fn as_ref(&self) -> &CognitoClaims {
        &self.claims
    }
}

impl Deref for CognitoUser {
    type Target = CognitoClaims;

    fn deref(&self) -> &CognitoClaims {
        &self.claims
    }
}

impl FromRequest for CognitoUser {
    type Error = CognitoRejection;
    type Future = Ready<Result<Self, CognitoRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(req))
    }
}

/// The verified user when there is one: `None` for an anonymous request that an optional
/// [`CognitoAuth`](crate::CognitoAuth) let through, and 500 when no `CognitoAuth` wraps the
/// route (as `Option<CognitoUser>` in `sanctum-axum`).
#[derive(Debug, Clone)]
pub struct MaybeCognitoUser(pub Option<CognitoUser>);

impl FromRequest for MaybeCognitoUser {
    type Error = CognitoRejection;
    type Future = Ready<Result<Self, CognitoRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(CognitoUser::optional_of(req).map(MaybeCognitoUser))
    }
}

/// The verified token's payload decoded into your own type `T` (any `serde::Deserialize`
/// type): `custom:*` attributes, claims Cognito adds through a pre-token-generation trigger.
///
/// Answers like [`CognitoUser`]; in addition, a payload that does not fit `T` (a missing
/// field, a wrong type) is refused with 403 `insufficient_scope`: signing in again would give
/// the same claims. The payload is decoded once per request, however many extractors of the
/// same `T` run. Dereferences to `T`; see the [module docs](self) for an example.
#[derive(Debug)]
pub struct TypedClaims<T>(pub Arc<T>);

impl<T> Clone for TypedClaims<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Deref for TypedClaims<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// A payload already decoded as `T` for this request.
struct Decoded<T>(Arc<T>);

impl<T: DeserializeOwned + 'static> FromRequest for TypedClaims<T> {
    type Error = CognitoRejection;
    type Future = Ready<Result<Self, CognitoRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(Decoded(done)) = req.extensions().get::<Decoded<T>>() {
            return ready(Ok(TypedClaims(Arc::clone(done))));
        }
        let decoded = claims(req).and_then(|claims| match claims.decode::<T>() {
            Ok(value) => {
                let value = Arc::new(value);
                req.extensions_mut().insert(Decoded(Arc::clone(&value)));
                Ok(TypedClaims(value))
            }
            Err(_) => {
                let handler = req
                    .extensions()
                    .get::<AuthState>()
                    .and_then(|s| s.handler.clone());
                Err(CognitoRejection::with_handler(
                    Refusal::ClaimsMismatch,
                    handler,
                    req,
                ))
            }
        });
        ready(decoded)
    }
}
