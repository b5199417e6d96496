//! SRP's arithmetic and `SECRET_HASH`, reachable with feature `test-util` only, for sanctum's
//! own known-answer test against pycognito (`tests/cognito_srp_kat.rs`) and the SRP bench
//! (`benches/srp.rs`). Hidden from the docs: not API, no semver promise.

pub use super::secret_hash::secret_hash;
pub use super::srp::{DeviceVerifier, PasswordClaim, SrpChallenge, SrpSecret, cognito_timestamp};
