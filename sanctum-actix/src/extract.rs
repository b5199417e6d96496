//! Extractors: [`CognitoUser`] (and `Option<CognitoUser>`) and [`Claims<T>`] for your own
//! claim types. They read what [`CognitoAuth`](crate::CognitoAuth) left in the request
//! extensions, so they cost no verification of their own.
//!
//! ```
//! use actix_web::{HttpResponse, web};
//! use sanctum_actix::{Claims, CognitoUser};
//!
//! // any valid token; 401 without one
//! async fn me(user: CognitoUser) -> String {
//!     format!("hello {}", user.username().unwrap_or(user.sub()))
//! }
//!
//! // behind `CognitoAuth::new(verifier).optional()`: `None` for anonymous requests
//! async fn home(user: Option<CognitoUser>) -> String {
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
//! // the token's payload as your own type; 401 `invalid_token` when it does not fit
//! async fn tenant(Claims(claims): Claims<Tenant>) -> HttpResponse {
//!     HttpResponse::Ok().body(claims.tenant)
//! }
//! # let _ = (web::get().to(me), web::get().to(home), web::get().to(tenant));
//! ```
//!
//! `Option<CognitoUser>` is actix-web's own `Option<T>` extractor: it is `None` whenever
//! `CognitoUser` fails, including on a route that [`CognitoAuth`](crate::CognitoAuth) does not
//! wrap. That wiring mistake is logged at error level; use `CognitoUser` where a user is
//! required, so that it answers 500.

use std::future::{Ready, ready};
use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::{Extensions, Payload};
use actix_web::{FromRequest, HttpMessage as _, HttpRequest};
use sanctum_core::{AuthRejection, CognitoClaims, VerifyError};
use serde::de::DeserializeOwned;

use crate::rejection::{CognitoRejection, Handler};

/// What [`CognitoAuth`](crate::CognitoAuth) leaves in the request extensions: the verified
/// claims (`None`: anonymous, optional mode) and the application's rejection handler. Its
/// presence tells guards and extractors that the middleware ran.
pub(crate) struct AuthState {
    pub(crate) claims: Option<Arc<CognitoClaims>>,
    pub(crate) handler: Option<Handler>,
    /// The verifier, whose clock the guards' time rules (step-up) read.
    pub(crate) verifier: sanctum_core::Verifier,
}

const EXTRACTOR_HINT: &str = "CognitoUser and Claims<T> need the sanctum_actix::CognitoAuth middleware: \
     wrap the App, scope or resource of this route with .wrap(CognitoAuth::new(verifier))";

fn misconfigured() -> CognitoRejection {
    CognitoRejection::with_handler(
        AuthRejection::Misconfigured {
            hint: EXTRACTOR_HINT,
        },
        None,
    )
}

/// The claims of the request's token, or why there are none.
fn claims(extensions: &Extensions) -> Result<Arc<CognitoClaims>, CognitoRejection> {
    match extensions.get::<AuthState>() {
        None => Err(misconfigured()),
        Some(AuthState {
            claims: Some(claims),
            ..
        }) => Ok(Arc::clone(claims)),
        Some(AuthState {
            claims: None,
            handler,
            ..
        }) => Err(CognitoRejection::with_handler(
            AuthRejection::MissingToken,
            handler.clone(),
        )),
    }
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
    /// The user of a request whose [`CognitoAuth`](crate::CognitoAuth) ran, read from its
    /// extensions (`req.extensions()`), e.g. in a middleware of your own.
    ///
    /// ```
    /// use actix_web::HttpMessage as _;
    /// use sanctum_actix::CognitoUser;
    ///
    /// let request = actix_web::test::TestRequest::get().to_http_request();
    /// // no middleware ran: a wiring mistake, answered with 500
    /// let refused = CognitoUser::from_extensions(&request.extensions()).unwrap_err();
    /// assert_eq!(refused.status(), 500);
    /// ```
    ///
    /// # Errors
    /// [`AuthRejection::MissingToken`] when an optional middleware let the request through
    /// anonymously, [`AuthRejection::Misconfigured`] when no middleware ran.
    pub fn from_extensions(extensions: &Extensions) -> Result<Self, CognitoRejection> {
        claims(extensions).map(|claims| Self { claims })
    }

    /// As [`from_extensions`](Self::from_extensions), but an anonymous request (optional
    /// middleware, no token) is `Ok(None)`.
    ///
    /// # Errors
    /// [`AuthRejection::Misconfigured`] when no middleware ran.
    pub fn optional_from_extensions(
        extensions: &Extensions,
    ) -> Result<Option<Self>, CognitoRejection> {
        match extensions.get::<AuthState>() {
            Some(state) => Ok(state.claims.as_ref().map(|claims| Self {
                claims: Arc::clone(claims),
            })),
            None => Err(misconfigured()),
        }
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
        ready(Self::from_extensions(&req.extensions()))
    }
}

/// The verified token's payload decoded into your own type `T` (any `serde::Deserialize`
/// type): `custom:*` attributes, claims Cognito adds through a pre-token-generation trigger.
///
/// Answers like [`CognitoUser`]; in addition, a payload that does not fit `T` (a missing
/// field, a wrong type) is refused with 401 `invalid_token` ("token has an invalid claim").
/// See the [module docs](self) for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims<T>(pub T);

impl<T> Deref for Claims<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Claims<T> {
    type Error = CognitoRejection;
    type Future = Ready<Result<Self, CognitoRejection>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let extensions = req.extensions();
        let decoded = claims(&extensions).and_then(|claims| {
            claims.decode::<T>().map(Claims).map_err(|_| {
                let handler = extensions
                    .get::<AuthState>()
                    .and_then(|s| s.handler.clone());
                CognitoRejection::with_handler(
                    AuthRejection::Verify(VerifyError::InvalidClaim {
                        claim: "(application claims)",
                        reason: "the claims do not have the shape the route expects",
                    }),
                    handler,
                )
            })
        });
        ready(decoded)
    }
}
