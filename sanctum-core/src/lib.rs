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
//!     .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
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
//! | `cognito` | no | `cognito::SanctumClient`: sign-in flows and steps, users, groups, devices, MFA, passkeys through the AWS SDK |
//! | `client-credentials` | no | `client_credentials::ClientCredentials`: machine-to-machine tokens from the token endpoint (client-credentials grant), cached, and `ClientCredentialsLayer`, a tower layer adding them to requests; reqwest only, no AWS SDK (`cognito` enables it and adds `GetClientToken`) |
//! | `managed-login` | no | `login::ManagedLogin`: browser sign-in through Cognito's managed login (authorization code + PKCE, ID token and `nonce` verified, refresh, revoke, logout URL); reqwest only, no AWS SDK |
//! | `tower-sessions` | no | `managed-login`, and `session::MemorySessionStore` as a tower-sessions store too (what `sanctum-axum`'s `sessions` feature uses: one memory store for both adapters) |
//! | `metrics` | no | counters, gauges and a histogram through the `metrics` facade (verifications by outcome and cache, refusals, JWKS fetches, revocations, online checks, session refreshes; the table in [`observe`]); off, none of it is compiled |
//! | `utoipa` | no | `openapi::utoipa`: the guards' security written into utoipa's document types, and [`CognitoSecurity`](openapi::CognitoSecurity) as a utoipa `Modify` (what the adapters' `utoipa` features use); the framework-free part, [`openapi`], needs no feature |
//! | `test-util` | no | [`testing`]: an in-process token issuer with a loopback JWKS server |
//! | `redis` | no | `revocation::RedisRevocations`: revocations shared across instances through Redis (`redis://`, or `rediss://` with rustls) |
//! | `aws-sso` | no | `cognito`, and AWS credentials from `aws sso login` profiles and `credential_process` commands (aws-config's `sso` and `credentials-process`): without it the client cannot load such a profile's credentials |
//!
//! ## Minimum Rust version
//!
//! Rust 1.88 (this crate's `rust-version`) without `cognito`: verification, RBAC, revocation,
//! Redis, managed login and the test kit. `cognito` and `aws-sso` follow the AWS SDK's own minimum, which AWS
//! raises in minor releases (1.94.1 for the SDK versions this release was tested with); an
//! older compiler refuses the build naming the SDK crate that needs more. `scripts/msrv.sh`
//! checks both.
//!
//! ## Modules
//! - [`config`] — user pools: issuers (both Cognito forms, replicas) and JWKS URLs;
//! - [`verify`] — the verifier, its checks in order, the JWKS policy and the verified-token
//!   cache;
//! - [`claims`] — [`CognitoClaims`];
//! - [`credentials`] — typed credentials: access, ID and refresh tokens, passwords, user names
//!   (secrets hidden from `Debug`);
//! - [`rbac`] — [`Requirement`]: groups, scopes, custom checks, step-up;
//! - [`refusal`] — [`Refusal`]: why a request was refused and the HTTP answer (status,
//!   `WWW-Authenticate` with RFC 9470's step-up parameters, description, body), the same in
//!   every adapter; the one module that maps errors to HTTP;
//! - [`revocation`] — opt-in refusal of revoked tokens (sign-out, disabled users, revoked
//!   refresh tokens), a local lookup;
//! - [`adapter`] — what web-framework adapters are built from (token extraction, verifying
//!   without waiting);
//! - [`alb`] — [`AlbVerifier`](alb::AlbVerifier): behind an Application Load Balancer with
//!   Cognito authentication, the ALB's signed `x-amzn-oidc-data` header (ES256) and the access
//!   token it forwards;
//! - [`error`] — [`ConfigError`] and [`VerifyError`] ([`AccessError`] adds the requirement);
//! - [`openapi`] — what a guard's [`Requirement`] asks for, in OpenAPI terms (security
//!   requirement objects, groups and scopes, the Cognito schemes), for the adapters' `utoipa`
//!   and `aide` features;
//! - [`observe`] — what sanctum records on the request's span (`enduser.id`, ...), logs, and
//!   the spans around its I/O;
//! - `cognito` — `SanctumClient`: `auth()` (sign-in and its storable steps), `user(&token)`
//!   (self-service), `admin()` (users and groups); `TokenSession` (tokens that refresh
//!   themselves) (feature `cognito`; its items are reached as `sanctum_core::cognito::...`
//!   only);
//! - `client_credentials` — `ClientCredentials`: machine-to-machine tokens, cached, and a
//!   tower layer adding them to requests (feature `client-credentials`);
//! - `login` — `ManagedLogin`: browser sign-in through Cognito's managed login (feature
//!   `managed-login`);
//! - `testing` — the test kit (feature `test-util`).

#![cfg_attr(docsrs, feature(doc_cfg))]

// The README's examples are doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod adapter;
pub mod alb;
pub mod claims;
#[cfg(feature = "client-credentials")]
pub mod client_credentials;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod error;
mod extract;
mod http_client;
mod jwks;
pub mod observe;
pub mod openapi;
pub mod rbac;
pub mod refusal;
pub mod revocation;
mod token_use;
pub mod verify;

#[cfg(feature = "cognito")]
pub mod cognito;
#[cfg(feature = "managed-login")]
pub mod login;
#[cfg(feature = "managed-login")]
pub mod session;
#[cfg(feature = "test-util")]
pub mod testing;

pub use claims::CognitoClaims;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::UserPool;
pub use error::{ConfigError, TimeClaim, VerifyError};
pub use extract::TokenSource;
pub use http_client::HttpClient;
pub use rbac::{AccessError, Denied, DeniedReason, Predicate, Requirement};
pub use refusal::{Refusal, RejectedRequest};
pub use token_use::{ExpectedUse, TokenUse};
pub use verify::{PoolRegistry, Verifier, VerifierBuilder};
