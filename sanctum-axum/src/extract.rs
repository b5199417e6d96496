//! Extractors for handlers behind [`CognitoAuthLayer`](crate::CognitoAuthLayer):
//! [`CognitoUser`], `Option<CognitoUser>`, and typed claims with [`Claims`].
//!
//! The layer verifies the token and leaves the result in the request extensions; the
//! extractors only read it, so they cost an `Arc` clone. Without the layer in front they
//! answer 500 with a body saying to add it.
//!
//! | extractor | layer ran, valid token | layer ran, no token (optional mode) | no layer |
//! |---|---|---|---|
//! | [`CognitoUser`] | the user | 401 | 500 |
//! | `Option<CognitoUser>` | `Some(user)` | `None` | 500 |
//! | [`Claims<T>`] | the claims decoded as `T` (401 if they do not fit) | 401 | 500 |
//! | `Option<Claims<T>>` | `Some(claims)` | `None` | 500 |
//!
//! Outside axum (plain tower or hyper), read the same state with
//! [`CognitoUser::from_extensions`] and [`CognitoUser::optional_from_extensions`].

use std::ops::Deref;
use std::sync::Arc;

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use http::Extensions;
use http::request::Parts;
use sanctum_core::{AuthRejection, CognitoClaims, VerifyError};
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
    pub(crate) on_rejection: Option<OnRejection>,
    /// The verifier, whose clock the guards' time rules (step-up) read.
    pub(crate) verifier: sanctum_core::Verifier,
}

impl AuthContext {
    pub(crate) fn rejection(&self, rejection: AuthRejection) -> CognitoRejection {
        CognitoRejection::new(rejection, self.on_rejection.clone())
    }
}

/// The verified user of a request: the claims of its token, shared (`Arc`) with the layer.
///
/// Dereferences to [`CognitoClaims`], so `user.sub()`, `user.groups()` and `user.has_group("admin")`
/// work directly.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use sanctum_axum::{CognitoAuthLayer, CognitoUser};
/// # fn app(verifier: sanctum_core::Verifier) -> Router {
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
    /// let request = http::Request::new(());
    /// // no layer ran: a wiring mistake, answered with 500
    /// let refused = CognitoUser::from_extensions(request.extensions()).unwrap_err();
    /// assert_eq!(refused.status(), 500);
    /// ```
    ///
    /// # Errors
    /// [`AuthRejection::MissingToken`] when an optional layer let the request through
    /// anonymously, [`AuthRejection::Misconfigured`] when no layer ran.
    pub fn from_extensions(extensions: &Extensions) -> Result<Self, CognitoRejection> {
        match extensions.get::<AuthContext>() {
            Some(AuthContext {
                user: Some(user), ..
            }) => Ok(user.clone()),
            Some(context) => Err(context.rejection(AuthRejection::MissingToken)),
            None => Err(misconfigured()),
        }
    }

    /// As [`from_extensions`](Self::from_extensions), but an anonymous request (optional
    /// layer, no token) is `Ok(None)`.
    ///
    /// # Errors
    /// [`AuthRejection::Misconfigured`] when no layer ran.
    pub fn optional_from_extensions(
        extensions: &Extensions,
    ) -> Result<Option<Self>, CognitoRejection> {
        match extensions.get::<AuthContext>() {
            Some(context) => Ok(context.user.clone()),
            None => Err(misconfigured()),
        }
    }
}

fn misconfigured() -> CognitoRejection {
    CognitoRejection::from(AuthRejection::Misconfigured {
        hint: EXTRACTOR_HINT,
    })
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
        Self::from_extensions(&parts.extensions)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CognitoUser {
    type Rejection = CognitoRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Self::optional_from_extensions(&parts.extensions)
    }
}

/// The verified token's claims decoded into your own type `T` (with
/// [`CognitoClaims::decode`]), for `custom:*` attributes and claims sanctum does not type.
///
/// The layer has already verified the token; a token whose claims do not fit `T` is refused
/// with 401 `invalid_token`.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use sanctum_axum::{Claims, CognitoAuthLayer};
///
/// #[derive(serde::Deserialize)]
/// struct Tenant {
///     sub: String,
///     #[serde(rename = "custom:tenant")]
///     tenant: String,
/// }
///
/// async fn tenant(Claims(t): Claims<Tenant>) -> String {
///     format!("{} belongs to {}", t.sub, t.tenant)
/// }
///
/// # fn app(verifier: sanctum_core::Verifier) -> Router {
/// Router::new()
///     .route("/tenant", get(tenant))
///     .route_layer(CognitoAuthLayer::new(verifier).expected_use(sanctum_axum::ExpectedUse::Id))
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims<T>(pub T);

impl<T: DeserializeOwned> Claims<T> {
    fn from_user(user: &CognitoUser, extensions: &Extensions) -> Result<Self, CognitoRejection> {
        user.decode().map(Claims).map_err(|_| {
            let rejection = AuthRejection::Verify(VerifyError::InvalidClaim {
                claim: "(application claims)",
                reason: "the claims do not have the shape the route expects",
            });
            match extensions.get::<AuthContext>() {
                Some(context) => context.rejection(rejection),
                None => CognitoRejection::from(rejection),
            }
        })
    }
}

impl<S, T> FromRequestParts<S> for Claims<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = CognitoRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let user = CognitoUser::from_extensions(&parts.extensions)?;
        Self::from_user(&user, &parts.extensions)
    }
}

impl<S, T> OptionalFromRequestParts<S> for Claims<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = CognitoRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match CognitoUser::optional_from_extensions(&parts.extensions)? {
            Some(user) => Self::from_user(&user, &parts.extensions).map(Some),
            None => Ok(None),
        }
    }
}

impl<T> Deref for Claims<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
