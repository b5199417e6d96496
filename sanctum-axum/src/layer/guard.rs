//! The guards: layers that let a request through only when its verified user meets a rule.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum_core::response::{IntoResponse, Response};
use http::Request;
use sanctum_core::adapter::GuardCheck;
use sanctum_core::{Refusal, Requirement};
use tower_layer::Layer;
use tower_service::Service;

use super::future::ResponseFuture;
use crate::extract::AuthContext;
use crate::rejection::{CognitoRejection, rejected_request};

/// The hint of the 500 answer when a guard runs without the layer.
pub(crate) const GUARD_HINT: &str = "add sanctum_axum::CognitoAuthLayer in front of this guard: \
     with route_layer or layer, add it after the guard so that it runs first";

/// Lets through members of one group; others get 403 `insufficient_scope`, requests without
/// a token 401.
///
/// Needs [`CognitoAuthLayer`](crate::CognitoAuthLayer) in front of it (in axum: added *after*
/// the guard, as the last layer added runs first); without it the guard answers 500.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use sanctum_axum::{CognitoAuthLayer, RequireGroup};
/// # fn app(verifier: sanctum_axum::Verifier) -> Router {
///
/// Router::new()
///     .route("/admin", get(|| async { "welcome, admin" }))
///     .route_layer(RequireGroup("admin"))
///     .route_layer(CognitoAuthLayer::new(verifier))
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequireGroup(pub &'static str);

impl RequireGroup {
    /// Lets through members of `group`, a name read at run time (configuration, say);
    /// `RequireGroup("admin")` is the form for literals.
    pub fn named(group: impl Into<String>) -> Require {
        Require::new(Requirement::group(group))
    }

    /// Lets through members of at least one of `groups`.
    ///
    /// ```
    /// # use sanctum_axum::RequireGroup;
    /// let guard = RequireGroup::any(["admin", "ops"]);
    /// # let _ = guard;
    /// ```
    pub fn any<I, S>(groups: I) -> Require
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Require::new(Requirement::any_group(groups))
    }

    /// Lets through members of every one of `groups`.
    ///
    /// # Panics
    /// When `groups` is empty (it would admit everyone); for lists read at run time build
    /// `Require::new(Requirement::try_all_groups(groups)?)`.
    ///
    /// ```
    /// # use sanctum_axum::RequireGroup;
    /// let guard = RequireGroup::all(["admin", "ops"]);
    /// # let _ = guard;
    /// ```
    #[track_caller]
    pub fn all<I, S>(groups: I) -> Require
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Require::new(Requirement::all_groups(groups))
    }
}

/// Lets through tokens granting one OAuth scope (`scope` claim of access tokens); others get
/// 403 `insufficient_scope`. Wired like [`RequireGroup`].
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use sanctum_axum::{CognitoAuthLayer, RequireScope};
/// # fn app(verifier: sanctum_axum::Verifier) -> Router {
///
/// Router::new()
///     .route("/orders", get(|| async { "[]" }))
///     .route_layer(RequireScope("orders/read"))
///     .route_layer(CognitoAuthLayer::new(verifier))
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequireScope(pub &'static str);

impl RequireScope {
    /// Lets through tokens granting `scope`, a name read at run time;
    /// `RequireScope("orders/read")` is the form for literals.
    pub fn named(scope: impl Into<String>) -> Require {
        Require::new(Requirement::scope(scope))
    }

    /// Lets through tokens granting at least one of `scopes`.
    pub fn any<I, S>(scopes: I) -> Require
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Require::new(Requirement::any_scope(scopes))
    }

    /// Lets through tokens granting every one of `scopes`.
    ///
    /// # Panics
    /// When `scopes` is empty (it would admit everyone); for lists read at run time build
    /// `Require::new(Requirement::try_all_scopes(scopes)?)`.
    #[track_caller]
    pub fn all<I, S>(scopes: I) -> Require
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Require::new(Requirement::all_scopes(scopes))
    }
}

/// Step-up guards for sensitive routes (RFC 9470): they refuse a valid token whose sign-in is
/// too old or not strong enough with 401 `insufficient_user_authentication`, and tell the
/// client what to sign in with (`max_age="..."`, `acr_values="..."`). Wired like
/// [`RequireGroup`]; each builds a [`Require`].
///
/// ```no_run
/// use std::time::Duration;
/// use axum::{Router, routing::post};
/// use sanctum_axum::{CognitoAuthLayer, RequireStepUp};
/// # fn app(verifier: sanctum_axum::Verifier) -> Router {
///
/// Router::new()
///     .route("/payouts", post(|| async { "sent" }))
///     .route_layer(RequireStepUp::max_age(Duration::from_secs(300))) // signed in within 5 minutes
///     .route_layer(RequireStepUp::amr("mfa")) // with MFA
///     .route_layer(CognitoAuthLayer::new(verifier))
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RequireStepUp;

impl RequireStepUp {
    /// The user signed in (`auth_time`) at most `max_age` ago, by the verifier's clock; a
    /// token without `auth_time` is refused.
    pub fn max_age(max_age: Duration) -> Require {
        Require::new(Requirement::max_auth_age(max_age))
    }

    /// The sign-in's `acr` is one of `values`.
    pub fn acr<I, S>(values: I) -> Require
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Require::new(Requirement::any_acr(values))
    }

    /// The sign-in's `amr` contains `method` (`mfa`, ...).
    pub fn amr(method: impl Into<String>) -> Require {
        Require::new(Requirement::amr(method))
    }
}

/// Lets through users meeting any core [`Requirement`]: combinations of groups, scopes and
/// custom checks. Wired like [`RequireGroup`].
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use sanctum_axum::{CognitoAuthLayer, Require, Requirement};
/// # fn app(verifier: sanctum_axum::Verifier) -> Router {
///
/// let rule = Requirement::group("admin")
///     .or(Requirement::scope("orders/write"))
///     .and(Requirement::none_of_groups(["suspended"]));
/// Router::new()
///     .route("/orders", get(|| async { "[]" }).post(|| async { "created" }))
///     .route_layer(Require::new(rule))
///     .route_layer(CognitoAuthLayer::new(verifier))
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct Require(Requirement);

impl Require {
    /// A guard checking `requirement`.
    pub fn new(requirement: Requirement) -> Self {
        Self(requirement)
    }

    /// The rule checked.
    pub fn requirement(&self) -> &Requirement {
        &self.0
    }
}

impl From<Requirement> for Require {
    fn from(requirement: Requirement) -> Self {
        Self(requirement)
    }
}

impl From<RequireGroup> for Require {
    fn from(RequireGroup(group): RequireGroup) -> Self {
        Self(Requirement::group(group))
    }
}

impl From<RequireScope> for Require {
    fn from(RequireScope(scope): RequireScope) -> Self {
        Self(Requirement::scope(scope))
    }
}

impl<S> Layer<S> for Require {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> RequireService<S> {
        RequireService {
            inner,
            check: Arc::new(GuardCheck::Requirement(self.0.clone())),
        }
    }
}

impl<S> Layer<S> for RequireGroup {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> RequireService<S> {
        RequireService {
            inner,
            check: Arc::new(GuardCheck::Group(self.0)),
        }
    }
}

impl<S> Layer<S> for RequireScope {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> RequireService<S> {
        RequireService {
            inner,
            check: Arc::new(GuardCheck::Scope(self.0)),
        }
    }
}

/// The service of every guard ([`RequireGroup`], [`RequireScope`], [`Require`]).
#[derive(Clone, Debug)]
pub struct RequireService<S> {
    inner: S,
    /// Shared: axum clones a route layer's service for every request, and an `Arc` is
    /// cheaper to clone and drop than the enum (~30 instructions a request, callgrind).
    check: Arc<GuardCheck>,
}

impl<S> RequireService<S> {
    /// Why `req` does not pass, if it does not.
    fn refusal<B>(&self, req: &Request<B>) -> Option<CognitoRejection> {
        let Some(context) = req.extensions().get::<AuthContext>() else {
            return Some(CognitoRejection::misconfigured(GUARD_HINT, req.headers()));
        };
        let rejection = match &context.user {
            None => Refusal::MissingToken,
            Some(user) => Refusal::from(self.check.check(user, context.checked_at).err()?),
        };
        Some(context.rejection(rejection, || rejected_request(req)))
    }
}

impl<S, B> Service<Request<B>> for RequireService<S>
where
    S: Service<Request<B>>,
    S::Response: IntoResponse,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        match self.refusal(&req) {
            None => ResponseFuture::inner(self.inner.call(req)),
            Some(rejection) => ResponseFuture::rejected(rejection.into_response()),
        }
    }
}
