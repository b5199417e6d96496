//! Extractors for handlers behind [`CognitoAuthLayer`](crate::CognitoAuthLayer):
//! [`CognitoUser`], `Option<CognitoUser>`, and typed claims with [`TypedClaims`].
//!
//! The layer verifies the token and leaves the result in the request extensions; the
//! extractors only read it, so they cost an `Arc` clone. Without the layer in front they
//! answer 500 with a body saying to add it.
//!
//! | extractor | layer ran, valid token | layer ran, no token (optional mode) | no layer |
//! |---|---|---|---|
//! | [`CognitoUser`] | the user | 401 | 500 |
//! | `Option<CognitoUser>` | `Some(user)` | `None` | 500 |
//! | [`TypedClaims<T>`] | the claims decoded as `T` (403 if they do not fit) | 401 | 500 |
//! | `Option<TypedClaims<T>>` | `Some(claims)` | `None` | 500 |
//!
//! Outside axum (plain tower or hyper), read the same state with [`CognitoUser::of`] and
//! [`CognitoUser::optional_of`].

use std::ops::Deref;
use std::sync::Arc;

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use sanctum_core::adapter::Verified;
use sanctum_core::{CognitoClaims, Refusal, RejectedRequest};
use serde::de::DeserializeOwned;

use crate::rejection::{CognitoRejection, OnRejection};

/// The hint of the 500 answer when an extractor runs without the layer.
pub(crate) const EXTRACTOR_HINT: &str = "add sanctum_axum::CognitoAuthLayer in front of this route \
     (Router::route_layer or Router::layer) to extract CognitoUser";

/// What [`CognitoAuthLayer`](crate::CognitoAuthLayer) leaves in the request extensions: the
/// user (`None` when an optional layer let an anonymous request through) and the
/// application's rejection handler, so guards and extractors answer like the layer.
/// One value, so the layer inserts into the extensions once per request.
#[derive(Clone, Debug)]
pub(crate) struct AuthContext {
    pub(crate) user: Option<CognitoUser>,
    /// When the verifier checked the token (seconds since the epoch, its clock): the guards'
    /// time rules (step-up) are checked at that instant.
    pub(crate) checked_at: u64,
    pub(crate) on_rejection: Option<OnRejection>,
}

impl AuthContext {
    /// The context of a verified token.
    pub(crate) fn verified(verified: Verified, on_rejection: Option<OnRejection>) -> Self {
        let (claims, checked_at) = verified.into_parts();
        Self {
            user: Some(CognitoUser::new(claims)),
            checked_at,
            on_rejection,
        }
    }

    /// The refusal, answered by the application's handler when it set one.
    pub(crate) fn rejection(
        &self,
        rejection: Refusal,
        request: impl FnOnce() -> RejectedRequest,
    ) -> CognitoRejection {
        CognitoRejection::new(rejection, self.on_rejection.clone(), request)
    }
}

/// The request parts as the application's rejection handler sees them.
fn parts_request(parts: &Parts) -> RejectedRequest {
    RejectedRequest::new(
        parts.method.clone(),
        parts.uri.clone(),
        parts.headers.clone(),
    )
}

/// The verified user of a request: the claims of its token, shared (`Arc`) with the layer.
///
/// Dereferences to [`CognitoClaims`], so `user.sub()`, `user.groups()` and `user.has_group("admin")`
/// work directly.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use sanctum_axum::{CognitoAuthLayer, CognitoUser};
/// # fn app(verifier: sanctum_axum::Verifier) -> Router {
///
/// async fn me(user: CognitoUser) -> String {
///     format!("hello {}", user.username().unwrap_or(user.sub()))
/// }
///
/// // Anonymous callers are welcome; signed-in ones are greeted by name.
/// async fn home(user: Option<CognitoUser>) -> String {
///     user.map_or_else(|| "hello stranger".to_owned(), |u| format!("hello {}", u.sub()))
/// }
///
/// Router::new()
///     .route("/me", get(me))
///     .route_layer(CognitoAuthLayer::new(verifier.clone()))
///     .route("/", get(home).route_layer(CognitoAuthLayer::new(verifier).optional()))
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct CognitoUser(Arc<CognitoClaims>);

impl CognitoUser {
    pub(crate) fn new(claims: Arc<CognitoClaims>) -> Self {
        Self(claims)
    }

    /// The verified claims.
    #[must_use]
    pub fn claims(&self) -> &Arc<CognitoClaims> {
        &self.0
    }

    /// The verified claims, by value.
    #[must_use]
    pub fn into_claims(self) -> Arc<CognitoClaims> {
        self.0
    }

    /// The user [`CognitoAuthLayer`](crate::CognitoAuthLayer) verified for this request, read
    /// from its extensions; for services that are not axum handlers.
    ///
    /// ```
    /// use sanctum_axum::CognitoUser;
    ///
    /// let (parts, ()) = axum::http::Request::new(()).into_parts();
    /// // no layer ran: a wiring mistake, answered with 500
    /// let refused = CognitoUser::of(&parts).unwrap_err();
    /// assert_eq!(refused.status(), 500);
    /// ```
    ///
    /// # Errors
    /// [`Refusal::MissingToken`] when an optional layer let the request through
    /// anonymously, [`Refusal::Misconfigured`] when no layer ran.
    pub fn of(parts: &Parts) -> Result<Self, CognitoRejection> {
        match parts.extensions.get::<AuthContext>() {
            Some(AuthContext {
                user: Some(user), ..
            }) => Ok(user.clone()),
            Some(context) => Err(context.rejection(Refusal::MissingToken, || parts_request(parts))),
            None => Err(CognitoRejection::misconfigured(
                EXTRACTOR_HINT,
                &parts.headers,
            )),
        }
    }

    /// As [`of`](Self::of), but an anonymous request (optional layer, no token) is
    /// `Ok(None)`.
    ///
    /// # Errors
    /// [`Refusal::Misconfigured`] when no layer ran.
    pub fn optional_of(parts: &Parts) -> Result<Option<Self>, CognitoRejection> {
        match parts.extensions.get::<AuthContext>() {
            Some(context) => Ok(context.user.clone()),
            None => Err(CognitoRejection::misconfigured(
                EXTRACTOR_HINT,
                &parts.headers,
            )),
        }
    }
}

impl Deref for CognitoUser {
    type Target = CognitoClaims;

    fn deref(&self) -> &CognitoClaims {
        &self.0
    }
}

impl AsRef<CognitoClaims> for CognitoUser {
    fn as_ref(&self) -> &CognitoClaims {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CognitoUser {
    type Rejection = CognitoRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::of(parts)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CognitoUser {
    type Rejection = CognitoRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Self::optional_of(parts)
    }
}

/// The verified token's claims decoded into your own type `T` (with
/// [`CognitoClaims::decode`]), for `custom:*` attributes and claims sanctum does not type.
///
/// The layer has already verified the token; a token whose claims do not fit `T` is refused
/// with 403 `insufficient_scope` (signing in again would give the same claims). The payload
/// is decoded once per request, however many extractors of the same `T` run. Dereferences to
/// `T`.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use sanctum_axum::{CognitoAuthLayer, TypedClaims};
///
/// #[derive(serde::Deserialize)]
/// struct Tenant {
///     sub: String,
///     #[serde(rename = "custom:tenant")]
///     tenant: String,
/// }
///
/// async fn tenant(t: TypedClaims<Tenant>) -> String {
///     format!("{} belongs to {}", t.sub, t.tenant)
/// }
///
/// # fn app(verifier: sanctum_axum::Verifier) -> Router {
/// Router::new()
///     .route("/tenant", get(tenant))
///     .route_layer(CognitoAuthLayer::new(verifier).expected_use(sanctum_axum::ExpectedUse::Id))
/// # }
/// ```
#[derive(Debug)]
pub struct TypedClaims<T>(pub Arc<T>);

impl<T> Clone for TypedClaims<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

/// A payload already decoded as `T` for this request.
struct Decoded<T>(Arc<T>);

impl<T> Clone for Decoded<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: DeserializeOwned + Send + Sync + 'static> TypedClaims<T> {
    fn from_user(user: &CognitoUser, parts: &mut Parts) -> Result<Self, CognitoRejection> {
        if let Some(Decoded(done)) = parts.extensions.get::<Decoded<T>>() {
            return Ok(Self(Arc::clone(done)));
        }
        match user.decode::<T>() {
            Ok(value) => {
                let value = Arc::new(value);
                parts.extensions.insert(Decoded(Arc::clone(&value)));
                Ok(Self(value))
            }
            Err(_) => {
                let rejection = Refusal::ClaimsMismatch;
                Err(match parts.extensions.get::<AuthContext>() {
                    Some(context) => context.rejection(rejection, || parts_request(parts)),
                    None => CognitoRejection::from(rejection),
                })
            }
        }
    }
}

impl<S, T> FromRequestParts<S> for TypedClaims<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send + Sync + 'static,
{
    type Rejection = CognitoRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let user = CognitoUser::of(parts)?;
        Self::from_user(&user, parts)
    }
}

impl<S, T> OptionalFromRequestParts<S> for TypedClaims<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send + Sync + 'static,
{
    type Rejection = CognitoRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match CognitoUser::optional_of(parts)? {
            Some(user) => Self::from_user(&user, parts).map(Some),
            None => Ok(None),
        }
    }
}

impl<T> Deref for TypedClaims<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
