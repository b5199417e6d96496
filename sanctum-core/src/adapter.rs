//! For web-framework adapters — `sanctum-axum`, `sanctum-actix`, or one of your own: read the
//! token out of a request the way every adapter does, and verify it without waiting when its
//! keys are cached.
//!
//! An application using an adapter needs none of this; it is what an adapter is built from.
//!
//! ```
//! use sanctum_core::TokenSource;
//! use sanctum_core::adapter::Extracted;
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("authorization", "Bearer abc.def.ghi".parse().unwrap());
//! match TokenSource::Bearer.extract(&headers).into_token() {
//!     Ok(Some(token)) => assert_eq!(token, "abc.def.ghi"),
//!     Ok(None) => unreachable!("no token"),
//!     Err(refusal) => unreachable!("{refusal}"),
//! }
//! ```

use std::sync::Arc;

pub use crate::extract::{Extracted, RequestHeaders, TokenFinder, header_text};

use crate::claims::{CognitoClaims, ExpectedUse};
use crate::error::VerifyError;
use crate::verify::Verifier;

/// Verifies `token` now, without waiting: `None` only when its key is not cached yet (then
/// [`Verifier::verify`] fetches it). Every other answer, a full verification included, is the
/// one `verify` gives.
///
/// The adapters' hot path: with the keys cached (after the first request, or after
/// [`Verifier::prefetch`]) no future is built and the token is not copied.
///
/// ```no_run
/// # use sanctum_core::{ExpectedUse, Verifier, VerifyError};
/// # async fn run(verifier: Verifier, token: &str) -> Result<(), VerifyError> {
/// let claims = match sanctum_core::adapter::verify_now(&verifier, token, ExpectedUse::Access) {
///     Some(result) => result?,
///     None => verifier.verify(token, ExpectedUse::Access).await?,
/// };
/// # Ok(()) }
/// ```
#[must_use]
pub fn verify_now(
    verifier: &Verifier,
    token: &str,
    expected: ExpectedUse,
) -> Option<Result<Arc<CognitoClaims>, VerifyError>> {
    verifier.verify_now(token, expected)
}
