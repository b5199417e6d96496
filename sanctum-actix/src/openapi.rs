//! OpenAPI documents whose security comes from the guards themselves (feature `utoipa`, with
//! utoipa-actix-web): [`wrap_guard`](ScopeExt::wrap_guard) and
//! [`wrap_auth`](ScopeExt::wrap_auth) wrap a `utoipa_actix_web::scope::Scope` in the
//! middleware *and* write its security requirement into the operations of the scope, so the
//! document cannot drift from the code. [`CognitoSecurity`] (a utoipa `Modify`) adds the
//! security schemes to the finished document. How groups and scopes are written (groups as
//! role names of the bearer scheme and in `x-sanctum-groups`, scopes on both schemes, and
//! why) is in [`sanctum_core::openapi`].
//!
//! ```
//! use actix_web::{App, get};
//! use sanctum_actix::openapi::{CognitoSecurity, ScopeExt as _};
//! use sanctum_actix::{CognitoAuth, RequireGroup};
//! use utoipa::Modify as _;
//! use utoipa_actix_web::{AppExt as _, scope};
//!
//! /// The admin page.
//! #[utoipa::path(responses((status = 200, body = String)))]
//! #[get("/admin")]
//! async fn admin() -> &'static str {
//!     "welcome, admin"
//! }
//!
//! # fn app(verifier: sanctum_actix::Verifier) -> Result<(), serde_json::Error> {
//! let (app, mut doc) = App::new()
//!     .into_utoipa_app()
//!     .service(
//!         scope::scope("/api")
//!             .service(admin)
//!             .wrap_guard(RequireGroup("admin")) // runs second, as with .wrap
//!             .wrap_auth(CognitoAuth::new(verifier)), // runs first
//!     )
//!     .split_for_parts();
//! CognitoSecurity::new().modify(&mut doc);
//!
//! let json = serde_json::to_value(&doc)?;
//! assert_eq!(json["paths"]["/api/admin"]["get"]["security"][0]["cognito"][0], "admin");
//! # let _ = app; Ok(()) }
//! ```

use std::fmt;

use actix_web::Error;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{
    AppService, HttpServiceFactory, ServiceFactory, ServiceRequest, ServiceResponse, Transform,
};
use sanctum_core::Requirement;
use sanctum_core::openapi::layer_security;
use sanctum_core::openapi::utoipa::{
    document_alb_authentication, document_authentication, document_guard,
};
use utoipa::openapi::RefOr;
use utoipa::openapi::path::Paths;
use utoipa::openapi::schema::Schema;
use utoipa_actix_web::OpenApiFactory;
use utoipa_actix_web::scope::Scope;

pub use sanctum_core::openapi::{
    ALB_EXTENSION, BEARER_SCHEME, CognitoSecurity, GROUPS_EXTENSION, OAUTH2_SCHEME,
    SecurityRequirements,
};

use crate::middleware::request::Auth;
use crate::{AlbAuth, CognitoAuth, Require, RequireGroup, RequireScope};

/// A guard that can say what it requires: [`RequireGroup`], [`RequireScope`], [`Require`].
pub trait GuardRequirement {
    /// The rule the guard checks.
    fn requirement(&self) -> Requirement;
}

impl GuardRequirement for RequireGroup {
    fn requirement(&self) -> Requirement {
        Requirement::group(self.0)
    }
}

impl GuardRequirement for RequireScope {
    fn requirement(&self) -> Requirement {
        Requirement::scope(self.0)
    }
}

impl GuardRequirement for Require {
    fn requirement(&self) -> Requirement {
        Require::requirement(self).clone()
    }
}

/// The authentication middleware [`wrap_auth`](ScopeExt::wrap_auth) documents:
/// [`CognitoAuth`] (a Cognito token's requirement) and [`AlbAuth`] (`x-sanctum-alb`, no
/// security scheme: see
/// [`sanctum_core::openapi`](sanctum_core::openapi#behind-an-application-load-balancer)).
/// Sealed; the [module docs](self) show one.
pub trait AuthMiddleware: sealed::Sealed {}

impl AuthMiddleware for CognitoAuth {}
impl AuthMiddleware for AlbAuth {}

mod sealed {
    use sanctum_core::openapi::SecurityRequirements;

    /// What the middleware documents: its rule's security, whether anonymous requests pass,
    /// and whether it is the ALB's.
    pub trait Sealed {
        fn security(&self) -> (Option<SecurityRequirements>, bool, bool);
    }
}

/// What `wrap_auth` documents for `auth` (see [`layer_security`]).
fn auth_security<C>(auth: &Auth<C>) -> (Option<SecurityRequirements>, bool) {
    layer_security(auth.requirement.as_ref(), auth.optional)
}

impl sealed::Sealed for CognitoAuth {
    fn security(&self) -> (Option<SecurityRequirements>, bool, bool) {
        let (security, optional) = auth_security(self.auth());
        (security, optional, false)
    }
}

impl sealed::Sealed for AlbAuth {
    fn security(&self) -> (Option<SecurityRequirements>, bool, bool) {
        let (security, optional) = auth_security(self.auth());
        (security, optional, true)
    }
}

/// sanctum's middleware as `wrap_guard` / `wrap_auth` take it: a `Transform` of the scope's
/// service `S` answering `EitherBody<B>`. Implemented for every such type; the
/// [module docs](self) show one.
pub trait ScopeMiddleware<S, B>:
    Transform<
        S,
        ServiceRequest,
        Response = ServiceResponse<EitherBody<B>>,
        Error = Error,
        InitError = (),
    > + 'static
{
}

impl<M, S, B> ScopeMiddleware<S, B> for M where
    M: Transform<
            S,
            ServiceRequest,
            Response = ServiceResponse<EitherBody<B>>,
            Error = Error,
            InitError = (),
        > + 'static
{
}

/// What one middleware adds to the document.
#[derive(Clone, Debug)]
enum Step {
    Guard(SecurityRequirements),
    Auth {
        optional: bool,
    },
    Alb {
        security: Option<SecurityRequirements>,
        optional: bool,
    },
}

/// A utoipa-actix-web scope wrapped in sanctum middleware that documents itself: register it
/// with `UtoipaApp::service`.
///
/// Made by [`ScopeExt`]'s methods; the [module docs](self) show one.
pub struct Documented<T> {
    scope: Scope<T>,
    /// In the order the middleware were wrapped (innermost first).
    steps: Vec<Step>,
}

/// `wrap_guard` / `wrap_auth` on utoipa-actix-web's `Scope` (and on [`Documented`], to go on
/// wrapping): `.wrap(middleware)` plus the middleware's security in the document.
pub trait ScopeExt<T>: Sized + Into<Documented<T>> {
    /// Wraps the scope in `guard` and documents its requirement, `x-sanctum-groups` and the
    /// 401 / 403 responses on every operation of the scope.
    fn wrap_guard<G, B>(
        self,
        guard: G,
    ) -> Documented<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<EitherBody<B>>,
            Error = Error,
            InitError = (),
        >,
    >
    where
        T: ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<B>,
                Error = Error,
                InitError = (),
            >,
        B: MessageBody + 'static,
        G: GuardRequirement + ScopeMiddleware<T::Service, B>,
    {
        let Documented { scope, mut steps } = self.into();
        steps.push(Step::Guard(SecurityRequirements::of(&guard.requirement())));
        Documented {
            scope: scope.wrap(guard),
            steps,
        }
    }

    /// Wraps the scope in `auth` and documents it on every operation of the scope.
    ///
    /// A [`CognitoAuth`]: a Cognito token's requirement where no guard wrote one (optional
    /// middleware: anonymous requests too) and the 401 response; the rule of its
    /// [`require`](CognitoAuth::require) is documented as a guard's.
    ///
    /// An [`AlbAuth`]: its requirement in `x-sanctum-alb` (the rule of its
    /// [`require`](AlbAuth::require); none: any signed-in user; optional middleware: anonymous
    /// requests too), the 401 response and, for a rule, the 403 one. No security scheme: the
    /// client sends no token (see
    /// [`sanctum_core::openapi`](sanctum_core::openapi#behind-an-application-load-balancer)).
    ///
    /// ```
    /// use actix_web::{App, get};
    /// use sanctum_actix::openapi::ScopeExt as _;
    /// use sanctum_actix::{AlbAuth, RequireGroup};
    /// use utoipa_actix_web::{AppExt as _, scope};
    ///
    /// /// The admin page.
    /// #[utoipa::path(responses((status = 200, body = String)))]
    /// #[get("/admin")]
    /// async fn admin() -> &'static str {
    ///     "welcome, admin"
    /// }
    ///
    /// # fn app(alb: sanctum_actix::sanctum_core::alb::AlbVerifier) -> Result<(), serde_json::Error> {
    /// let (app, doc) = App::new()
    ///     .into_utoipa_app()
    ///     .service(
    ///         scope::scope("/api")
    ///             .service(admin)
    ///             .wrap_auth(AlbAuth::new(alb).require(RequireGroup("admin"))),
    ///     )
    ///     .split_for_parts();
    ///
    /// let json = serde_json::to_value(&doc)?;
    /// let operation = &json["paths"]["/api/admin"]["get"];
    /// assert_eq!(operation["x-sanctum-alb"]["requirements"][0]["groups"][0], "admin");
    /// assert!(operation.get("security").is_none());
    /// # let _ = app; Ok(()) }
    /// ```
    fn wrap_auth<A, B>(
        self,
        auth: A,
    ) -> Documented<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<EitherBody<B>>,
            Error = Error,
            InitError = (),
        >,
    >
    where
        T: ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<B>,
                Error = Error,
                InitError = (),
            >,
        T::Service: 'static,
        B: MessageBody + 'static,
        A: AuthMiddleware + ScopeMiddleware<T::Service, B>,
    {
        let Documented { scope, mut steps } = self.into();
        let (security, optional, alb) = sealed::Sealed::security(&auth);
        if alb {
            steps.push(Step::Alb { security, optional });
        } else {
            steps.extend(security.map(Step::Guard));
            steps.push(Step::Auth { optional });
        }
        Documented {
            scope: scope.wrap(auth),
            steps,
        }
    }
}

impl<T> ScopeExt<T> for Scope<T> {}

impl<T> Documented<T> {
    /// Wraps the scope in `middleware` that adds nothing to the document (logging, ...),
    /// keeping what the sanctum middleware already wrapped documented. As `.wrap`, it runs
    /// before them. (An [`AlbAuth`] wrapped this way is not documented: `wrap_auth` it.)
    ///
    /// ```
    /// use actix_web::{App, get};
    /// use sanctum_actix::openapi::ScopeExt as _;
    /// use sanctum_actix::{AlbAuth, RequireGroup};
    /// use utoipa_actix_web::{AppExt as _, scope};
    ///
    /// /// The admin page.
    /// #[utoipa::path(responses((status = 200, body = String)))]
    /// #[get("/admin")]
    /// async fn admin() -> &'static str {
    ///     "welcome, admin"
    /// }
    ///
    /// # fn app(alb: sanctum_actix::sanctum_core::alb::AlbVerifier) {
    /// let (app, doc) = App::new()
    ///     .into_utoipa_app()
    ///     .service(
    ///         scope::scope("/api")
    ///             .service(admin)
    ///             .wrap_guard(RequireGroup("admin"))
    ///             .wrap(AlbAuth::new(alb)),
    ///     )
    ///     .split_for_parts();
    /// # let _ = (app, doc); }
    /// ```
    ///
    /// [`AlbAuth`]: crate::AlbAuth
    pub fn wrap<M, B>(
        self,
        middleware: M,
    ) -> Documented<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        >,
    >
    where
        T: ServiceFactory<ServiceRequest, Config = (), Error = Error, InitError = ()>,
        M: Transform<
                T::Service,
                ServiceRequest,
                Response = ServiceResponse<B>,
                Error = Error,
                InitError = (),
            > + 'static,
        B: MessageBody,
    {
        Documented {
            scope: self.scope.wrap(middleware),
            steps: self.steps,
        }
    }
}

impl<T> ScopeExt<T> for Documented<T> {}

impl<T> fmt::Debug for Documented<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Documented")
            .field("steps", &self.steps)
            .finish_non_exhaustive()
    }
}

impl<T> From<Scope<T>> for Documented<T> {
    fn from(scope: Scope<T>) -> Self {
        Self {
            scope,
            steps: Vec::new(),
        }
    }
}

impl<T, B> HttpServiceFactory for Documented<T>
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    fn register(self, config: &mut AppService) {
        self.scope.register(config);
    }
}

impl<T> OpenApiFactory for Documented<T> {
    fn paths(&self) -> Paths {
        let mut paths = self.scope.paths();
        for step in &self.steps {
            match step {
                Step::Guard(security) => document_guard(&mut paths, security),
                Step::Auth { optional } => document_authentication(&mut paths, *optional),
                Step::Alb { security, optional } => {
                    document_alb_authentication(&mut paths, security.as_ref(), *optional);
                }
            }
        }
        paths
    }

    fn schemas(&self, schemas: &mut Vec<(String, RefOr<Schema>)>) {
        self.scope.schemas(schemas);
    }
}
