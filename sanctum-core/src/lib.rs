//! # sanctum-core
//!
//! Framework-agnostic AWS Cognito support for Rust services: verify Cognito access and ID
//! tokens (RS256, JWKS fetched and cached by `kid`), hand out typed claims, express group and
//! scope rules, and — with the `cognito` feature — run Cognito user, group and sign-in
//! operations. The web adapters `sanctum-axum` and `sanctum-actix` are thin layers over this
//! crate.
//!
//! ```no_run
//! use sanctum_core::{ExpectedUse, Requirement, UserPool, Verifier};
//!
//! # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::builder()
//!     .pool(UserPool::new("us-east-1", "us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
//!     .build()?;
//!
//! let claims = verifier
//!     .verify_with(token, ExpectedUse::Access, &Requirement::group("admin"))
//!     .await?;
//! println!("admin {} ({})", claims.username().unwrap_or("?"), claims.sub());
//! # Ok(()) }
//! ```
//!
//! ## Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `cognito` | no | `SanctumClient`: sign-in flows, users, groups, MFA through the AWS SDK |
//! | `test-util` | no | [`testing`]: an in-process token issuer with a loopback JWKS server, and the adapters' conformance table |
//!
//! ## Modules
//! - [`config`] — user pools, issuer and JWKS URL;
//! - [`verify`] — the verifier and its nine checks, the verified-token cache;
//! - [`jwks`] — the key cache policy;
//! - [`claims`] — [`CognitoClaims`];
//! - [`rbac`] — [`Requirement`];
//! - [`extract`] and [`rejection`] — what the web adapters share;
//! - [`error`] — [`ConfigError`] and [`VerifyError`];
//! - `cognito` — `SanctumClient`: sign-in flows, users, groups, MFA (feature `cognito`);
//! - `testing` — the test kit (feature `test-util`).

#![cfg_attr(docsrs, feature(doc_cfg))]

// The README's examples are doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod claims;
pub mod clock;
pub mod config;
pub mod error;
pub mod extract;
pub mod jwks;
pub mod rbac;
pub mod rejection;
pub mod verify;

#[cfg(feature = "cognito")]
pub mod cognito;
#[cfg(feature = "test-util")]
pub mod testing;

pub use claims::{CognitoClaims, ExpectedUse, TokenUse};
pub use clock::{Clock, ManualClock, SystemClock};
#[cfg(feature = "cognito")]
pub use cognito::{
    AuthResult, Challenge, ChallengeAnswer, ChallengeName, CognitoError, SanctumClient,
    SanctumClientBuilder, Tokens,
};
pub use config::UserPool;
pub use error::{ConfigError, ErrorKind, TimeClaim, VerifyError};
pub use extract::{Extracted, RequestHeaders, TokenFinder, TokenSource, header_text};
pub use rbac::{Denied, DeniedReason, Predicate, Requirement};
pub use rejection::AuthRejection;
pub use verify::{Verifier, VerifierBuilder};
