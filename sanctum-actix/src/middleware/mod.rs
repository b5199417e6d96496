//! The middleware: [`CognitoAuth`] verifies the token, the guards ([`RequireGroup`],
//! [`RequireScope`], [`Require`]) check groups, scopes or any core [`Requirement`].
//!
//! # Order of `.wrap()`
//!
//! In actix-web the **last** `.wrap()` is the **outermost** middleware, so it runs first. A
//! guard needs the claims [`CognitoAuth`] puts into the request, so `CognitoAuth` is wrapped
//! *after* the guards of the same `App`, scope or resource (or on an enclosing one):
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use sanctum_actix::{CognitoAuth, CognitoUser, RequireGroup, RequireScope};
//! use sanctum_actix::{UserPool, Verifier};
//!
//! async fn hello(user: CognitoUser) -> String {
//!     format!("hello {}", user.sub())
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let verifier = Verifier::builder()
//!         .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
//!         .build()?;
//!     HttpServer::new(move || {
//!         let auth = CognitoAuth::new(verifier.clone());
//!         App::new()
//!             .service(
//!                 web::scope("/admin")
//!                     .wrap(RequireGroup("admin")) // runs second
//!                     .wrap(auth.clone()) //          runs first
//!                     .route("/hello", web::get().to(hello)),
//!             )
//!             .service(
//!                 web::resource("/orders")
//!                     .wrap(RequireScope("orders/read"))
//!                     .wrap(auth)
//!                     .get(hello),
//!             )
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await?;
//!     Ok(())
//! }
//! ```
//!
//! A resource that needs one rule can have `CognitoAuth` check it
//! ([`CognitoAuth::require`]), one middleware instead of two, with the same answers as the
//! guard: `.wrap(CognitoAuth::new(verifier).require(RequireGroup("admin")))`.
//!
//! A guard that runs without `CognitoAuth` in front of it answers 500 with a body saying so.
//!
//! Wrapped around a whole `App`, the middleware also stands in front of its default service:
//! a request for an unknown path without a token answers 401, not 404. Wrap scopes or
//! resources to protect only those.

mod alb;
mod auth;
mod guard;
pub(crate) mod request;

pub use self::alb::{AlbAuth, AlbAuthService};
#[cfg(feature = "sessions")]
pub(crate) use self::auth::Headers;
pub use self::auth::{CognitoAuth, CognitoAuthService};
pub use self::guard::{Require, RequireGroup, RequireScope, RequireService, RequireStepUp};

#[cfg(doc)]
use sanctum_core::Requirement;
