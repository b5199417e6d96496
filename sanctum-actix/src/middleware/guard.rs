//! The guards: [`RequireGroup`], [`RequireScope`], [`RequireStepUp`] and [`Require`].

use std::fmt;
use std::time::Duration;

use actix_web::Error;
use actix_web::HttpMessage as _;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::TryFutureExt as _;
use futures_util::future::{Either, MapOk, Ready, ready};
use sanctum_core::adapter::GuardCheck;
use sanctum_core::{Refusal, Requirement};

use crate::extract::AuthState;
use crate::rejection::respond;

const GUARD_HINT: &str = "RequireGroup, RequireScope and Require need the sanctum_actix::CognitoAuth middleware \
     in front of them: add .wrap(CognitoAuth::new(verifier)) after the guard's .wrap(...) \
     (in actix-web the last .wrap() runs first), or on an enclosing scope or the App";

/// Refuses requests whose token is not in the group (403 `insufficient_scope`).
///
/// `RequireGroup("admin")` is the guard; [`RequireGroup::any`] and [`RequireGroup::all`]
/// build the ones for several groups. Wrap it *before* [`CognitoAuth`](crate::CognitoAuth)
/// (actix-web runs the last `.wrap()` first); see the [module docs](crate::middleware).
///
/// | request | answer |
/// |---|---|
/// | token in the group | passes |
/// | valid token, not in the group | 403 `insufficient_scope` |
/// | anonymous (optional-mode [`CognitoAuth`](crate::CognitoAuth)) | 401, bare `Bearer` challenge |
/// | no [`CognitoAuth`](crate::CognitoAuth) in front | 500, the body says what to add |
///
/// ```
/// use actix_web::web;
/// use sanctum_actix::{CognitoAuth, RequireGroup};
/// # fn routes(auth: CognitoAuth) {
/// let admin = web::scope("/admin").wrap(RequireGroup("admin")).wrap(auth.clone());
/// let staff = web::scope("/staff").wrap(RequireGroup::any(["admin", "ops"])).wrap(auth);
/// # let _ = (admin, staff);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequireGroup(pub &'static str);

impl RequireGroup {
    /// A guard for membership in `group`, a name read at run time (configuration, say);
    /// `RequireGroup("admin")` is the form for literals.
    pub fn named(group: impl Into<String>) -> Require {
        Require::new(Requirement::group(group))
    }

    /// A guard for membership in at least one of `groups` (none given: never met).
    pub fn any<I, S>(groups: I) -> Require
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Require::new(Requirement::any_group(groups))
    }

    /// A guard for membership in every one of `groups`.
    ///
    /// # Panics
    /// When `groups` is empty (it would admit everyone); for lists read at run time build
    /// `Require::new(Requirement::try_all_groups(groups)?)`.
    #[track_caller]
    pub fn all<I, S>(groups: I) -> Require
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Require::new(Requirement::all_groups(groups))
    }
}

/// Refuses requests whose token does not grant the OAuth scope (403 `insufficient_scope`).
///
/// Answers like [`RequireGroup`]; [`RequireScope::any`] and [`RequireScope::all`] build the
/// guards for several scopes.
///
/// ```
/// use actix_web::web;
/// use sanctum_actix::{CognitoAuth, RequireScope};
/// # fn routes(auth: CognitoAuth) {
/// let orders = web::resource("/orders").wrap(RequireScope("orders/read")).wrap(auth);
/// # let _ = orders;
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequireScope(pub &'static str);

impl RequireScope {
    /// A guard for the scope `scope`, a name read at run time; `RequireScope("orders/read")`
    /// is the form for literals.
    pub fn named(scope: impl Into<String>) -> Require {
        Require::new(Requirement::scope(scope))
    }

    /// A guard for at least one of `scopes`.
    pub fn any<I, S>(scopes: I) -> Require
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Require::new(Requirement::any_scope(scopes))
    }

    /// A guard for every one of `scopes`.
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
/// client what to sign in with (`max_age="..."`, `acr_values="..."`). Wrapped like
/// [`RequireGroup`]; each builds a [`Require`].
///
/// ```
/// use std::time::Duration;
/// use actix_web::web;
/// use sanctum_actix::{CognitoAuth, RequireStepUp};
/// # fn routes(auth: CognitoAuth) {
/// let payouts = web::resource("/payouts")
///     .wrap(RequireStepUp::max_age(Duration::from_secs(300))) // signed in within 5 minutes
///     .wrap(RequireStepUp::amr("mfa")) // with MFA
///     .wrap(auth);
/// # let _ = payouts;
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

/// Refuses requests whose token does not meet a core [`Requirement`] (403
/// `insufficient_scope`): any combination of groups, scopes and custom checks.
///
/// Answers like [`RequireGroup`].
///
/// ```
/// use actix_web::web;
/// use sanctum_actix::{CognitoAuth, Require};
/// use sanctum_actix::Requirement;
/// # fn routes(auth: CognitoAuth) {
/// let rule = Requirement::group("ops")
///     .and(Requirement::scope("orders/write"))
///     .and(Requirement::none_of_groups(["suspended"]));
/// let orders = web::scope("/orders").wrap(Require::new(rule)).wrap(auth);
/// # let _ = orders;
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Require {
    requirement: Requirement,
}

impl Require {
    /// A guard for `requirement`.
    pub fn new(requirement: Requirement) -> Self {
        Self { requirement }
    }

    /// The requirement it checks.
    pub fn requirement(&self) -> &Requirement {
        &self.requirement
    }
}

impl From<Requirement> for Require {
    fn from(requirement: Requirement) -> Self {
        Self::new(requirement)
    }
}

impl From<RequireGroup> for Require {
    fn from(RequireGroup(group): RequireGroup) -> Self {
        Self::new(Requirement::group(group))
    }
}

impl From<RequireScope> for Require {
    fn from(RequireScope(scope): RequireScope) -> Self {
        Self::new(Requirement::scope(scope))
    }
}

macro_rules! guard_transform {
    ($guard:ty, |$this:ident| $check:expr) => {
        impl<S, B> Transform<S, ServiceRequest> for $guard
        where
            S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
            B: MessageBody,
        {
            type Response = ServiceResponse<EitherBody<B>>;
            type Error = Error;
            type Transform = RequireService<S>;
            type InitError = ();
            type Future = Ready<Result<Self::Transform, Self::InitError>>;

            fn new_transform(&self, service: S) -> Self::Future {
                let $this = self;
                ready(Ok(RequireService {
                    service,
                    check: $check,
                }))
            }
        }
    };
}

guard_transform!(RequireGroup, |this| GuardCheck::Group(this.0));
guard_transform!(RequireScope, |this| GuardCheck::Scope(this.0));
guard_transform!(Require, |this| GuardCheck::Requirement(
    this.requirement.clone()
));

/// The service a guard wraps around the next one; not used directly.
///
/// Made by [`RequireGroup`] and the other guards; see their examples.
#[doc(hidden)]
pub struct RequireService<S> {
    service: S,
    check: GuardCheck,
}

impl<S> fmt::Debug for RequireService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireService")
            .field("check", &self.check)
            .finish_non_exhaustive()
    }
}

type IntoLeft<B> = fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>>;

impl<S, B> Service<ServiceRequest> for RequireService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    #[allow(clippy::type_complexity)]
    type Future = Either<MapOk<S::Future, IntoLeft<B>>, Ready<Result<Self::Response, Error>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let refused = {
            let extensions = req.extensions();
            match extensions.get::<AuthState>() {
                None => Some((Refusal::Misconfigured { hint: GUARD_HINT }, None)),
                Some(AuthState {
                    claims: None,
                    handler,
                    ..
                }) => Some((Refusal::MissingToken, handler.clone())),
                Some(AuthState {
                    claims: Some(claims),
                    checked_at,
                    handler,
                }) => match self.check.check(claims, *checked_at) {
                    Ok(()) => None,
                    Err(denied) => Some((Refusal::from(denied), handler.clone())),
                },
            }
        };
        match refused {
            None => {
                let into_left: IntoLeft<B> = ServiceResponse::map_into_left_body;
                Either::Left(self.service.call(req).map_ok(into_left))
            }
            Some((rejection, handler)) => {
                rejection.log();
                let response = respond(&rejection, handler.as_ref(), req.request());
                Either::Right(ready(Ok(req.into_response(response).map_into_right_body())))
            }
        }
    }
}
