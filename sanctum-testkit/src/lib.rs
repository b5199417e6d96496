//! The repository's test plumbing, not published: what sanctum's own tests share but users
//! of the published crates do not need.
//!
//! - [`conformance`]: the table of HTTP cases both web adapters must pass unchanged.
//! - [`logs`]: what `tracing` writes during a test, captured on the test's thread.
//! - [`metrics`]: what sanctum counts during a test (feature `metrics`), recorded on the test's
//!   thread.
//! - [`moto`] and [`fakecloud`] (feature `cognito`): start those Cognito-compatible servers on
//!   127.0.0.1 (installed by `scripts/setup-moto.sh` and `scripts/setup-fakecloud.sh`, pinned
//!   versions) and create pools in them, for the tests of the Cognito operations.
//! - [`openapi`]: the OpenAPI documents' checks (parsed with `oas3`, security references).
//! - [`session`]: the browser-session scenarios of both adapters, written once and run in each
//!   through a short driver ([`session_scenarios!`]).
//! - [`totp`]: authenticator-app codes, for software-token MFA against fakecloud.
//! - [`websocket`]: the WebSocket scenario of both adapters (query and async token sources).
//!
//! The token issuer users' tests need, [`TestIssuer`](sanctum_core::testing::TestIssuer), stays
//! in `sanctum-core`'s feature `test-util`.

pub mod conformance;
#[cfg(feature = "cognito")]
pub mod fakecloud;
pub mod logs;
pub mod metrics;
#[cfg(feature = "cognito")]
pub mod moto;
pub mod openapi;
pub mod session;
pub mod totp;
pub mod websocket;
