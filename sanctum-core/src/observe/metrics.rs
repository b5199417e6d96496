//! Feature `metrics`: sanctum's counters, gauges and histogram through the `metrics` facade
//! (names and labels in the [module docs](super)).
//!
//! The verifier registers the handles of its hot path (verifications that pass) when it is
//! built, with the recorder installed then; everything else is registered where it happens.

use metrics::{Counter, Gauge, counter, gauge, histogram};

use crate::error::VerifyError;

/// `sanctum_verifications_total{outcome, cache}`.
pub(crate) const VERIFICATIONS: &str = "sanctum_verifications_total";
/// `sanctum_cached_tokens`.
pub(crate) const CACHED_TOKENS: &str = "sanctum_cached_tokens";
/// `sanctum_refusals_total{reason}`.
pub(crate) const REFUSALS: &str = "sanctum_refusals_total";
/// `sanctum_jwks_fetches_total{result}`.
pub(crate) const JWKS_FETCHES: &str = "sanctum_jwks_fetches_total";
/// `sanctum_jwks_fetch_duration_seconds{result}`.
pub(crate) const JWKS_FETCH_DURATION: &str = "sanctum_jwks_fetch_duration_seconds";
/// `sanctum_jwks_unknown_kid_waiting_total`.
pub(crate) const UNKNOWN_KID_WAITING: &str = "sanctum_jwks_unknown_kid_waiting_total";
/// `sanctum_revocations_recorded_total{kind}`.
#[cfg(feature = "cognito")]
pub(crate) const REVOCATIONS_RECORDED: &str = "sanctum_revocations_recorded_total";
/// `sanctum_revocations_applied_total{source}`.
#[cfg(feature = "redis")]
pub(crate) const REVOCATIONS_APPLIED: &str = "sanctum_revocations_applied_total";
/// `sanctum_online_checks_total{answer}`.
pub(crate) const ONLINE_CHECKS: &str = "sanctum_online_checks_total";
/// `sanctum_session_refreshes_total{result}`.
#[cfg(feature = "cognito")]
pub(crate) const SESSION_REFRESHES: &str = "sanctum_session_refreshes_total";
/// `sanctum_browser_session_refreshes_total{outcome}`.
#[cfg(feature = "managed-login")]
pub(crate) const BROWSER_SESSION_REFRESHES: &str = "sanctum_browser_session_refreshes_total";
/// `sanctum_revocation_store_connected`.
#[cfg(feature = "redis")]
pub(crate) const STORE_CONNECTED: &str = "sanctum_revocation_store_connected";
/// `sanctum_revocation_store_lag_seconds`.
#[cfg(feature = "redis")]
pub(crate) const STORE_LAG: &str = "sanctum_revocation_store_lag_seconds";
/// `sanctum_revocation_store_outbox`.
#[cfg(feature = "redis")]
pub(crate) const STORE_OUTBOX: &str = "sanctum_revocation_store_outbox";

/// The verifier's handles: registered once, so a verification that passes costs one counter
/// increment (an atomic add with a recorder, a branch without).
#[derive(Debug)]
pub(crate) struct VerifierMetrics {
    ok_hit: Counter,
    ok_miss: Counter,
    cached_tokens: Gauge,
}

impl VerifierMetrics {
    /// Registers the handles with the recorder installed now.
    pub(crate) fn register() -> Self {
        Self {
            ok_hit: counter!(VERIFICATIONS, "outcome" => "ok", "cache" => "hit"),
            ok_miss: counter!(VERIFICATIONS, "outcome" => "ok", "cache" => "miss"),
            cached_tokens: gauge!(CACHED_TOKENS),
        }
    }

    /// Counts one verification's outcome; `hit`: answered from the verified-token cache.
    #[inline]
    pub(crate) fn verification(&self, refused: Option<&VerifyError>, hit: bool) {
        match refused {
            None if hit => self.ok_hit.increment(1),
            None => self.ok_miss.increment(1),
            Some(err) => refused_verification(err, hit),
        }
    }

    /// Sets the number of cached tokens.
    #[allow(clippy::cast_precision_loss)] // a count far below 2^52
    pub(crate) fn cached_tokens(&self, entries: u64) {
        self.cached_tokens.set(entries as f64);
    }
}

#[cold]
fn refused_verification(err: &VerifyError, hit: bool) {
    let cache = if hit { "hit" } else { "miss" };
    counter!(VERIFICATIONS, "outcome" => reason(err), "cache" => cache).increment(1);
}

/// The bounded label of a refusal: one name per [`VerifyError`] variant.
#[must_use]
pub(crate) fn reason(err: &VerifyError) -> &'static str {
    #[allow(unreachable_patterns)] // variants added later count as "other" until named here
    match err {
        VerifyError::TooLarge { .. } => "too_large",
        VerifyError::Malformed { .. } => "malformed",
        VerifyError::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
        VerifyError::MissingKid => "missing_kid",
        VerifyError::UnknownKey { .. } => "unknown_key",
        VerifyError::AlgorithmMismatch { .. } => "algorithm_mismatch",
        VerifyError::KeysUnavailable { .. } => "keys_unavailable",
        VerifyError::InvalidSignature => "invalid_signature",
        VerifyError::IssuerMismatch { .. } => "issuer_mismatch",
        VerifyError::Expired { .. } => "expired",
        VerifyError::NotYetValid { .. } => "not_yet_valid",
        VerifyError::WrongTokenUse { .. } => "wrong_token_use",
        VerifyError::ClientMismatch { .. } => "client_mismatch",
        VerifyError::Revoked => "revoked",
        VerifyError::RevocationCheckUnavailable => "revocation_check_unavailable",
        VerifyError::MissingClaim { .. } => "missing_claim",
        VerifyError::InvalidClaim { .. } => "invalid_claim",
        VerifyError::AlbUnsupportedAlgorithm { .. }
        | VerifyError::AlbSignatureEncoding { .. }
        | VerifyError::AlbInvalidKeyId { .. }
        | VerifyError::AlbSignerMismatch { .. }
        | VerifyError::AlbMissingAccessToken
        | VerifyError::AlbSubjectMismatch
        | VerifyError::AlbIdentityMismatch => "alb",
        _ => "other",
    }
}

/// Counts a request an adapter refused (`Refusal::log`), by its bounded reason.
#[cold]
pub(crate) fn refusal(reason: &'static str) {
    counter!(REFUSALS, "reason" => reason).increment(1);
}

/// Counts a JWKS (or per-`kid` key) fetch and its time.
#[cold]
pub(crate) fn jwks_fetch(result: &'static str, seconds: f64) {
    counter!(JWKS_FETCHES, "result" => result).increment(1);
    histogram!(JWKS_FETCH_DURATION, "result" => result).record(seconds);
}

/// Counts a token refused for an unknown `kid` while refetching waits (cooldown or backoff).
#[cold]
pub(crate) fn unknown_kid_waiting() {
    counter!(UNKNOWN_KID_WAITING).increment(1);
}

/// Counts a browser session's due refresh by its `outcome` (`refreshed`, `lost_race`,
/// `refused`, `failed`).
#[cfg(feature = "managed-login")]
#[cold]
pub(crate) fn browser_session_refresh(outcome: &'static str) {
    counter!(BROWSER_SESSION_REFRESHES, "outcome" => outcome).increment(1);
}

/// Counts a revocation recorded through this instance.
#[cfg(feature = "cognito")]
pub(crate) fn revocation_recorded(kind: &'static str) {
    counter!(REVOCATIONS_RECORDED, "kind" => kind).increment(1);
}

/// Counts revocations another instance recorded, applied here (`source`: `catch_up` or
/// `subscription`).
#[cfg(feature = "redis")]
pub(crate) fn revocations_applied(source: &'static str, count: u64) {
    counter!(REVOCATIONS_APPLIED, "source" => source).increment(count);
}

/// Counts an online check's answer.
pub(crate) fn online_check(answer: &'static str) {
    counter!(ONLINE_CHECKS, "answer" => answer).increment(1);
}

/// Counts a session's refresh (`result`: `ok`, `refused`, `error`).
#[cfg(feature = "cognito")]
pub(crate) fn session_refresh(result: &'static str) {
    counter!(SESSION_REFRESHES, "result" => result).increment(1);
}

/// Sets the revocation store's gauges.
#[cfg(feature = "redis")]
#[allow(clippy::cast_precision_loss)] // counts and seconds far below 2^52
pub(crate) fn revocation_store(connected: bool, lag_seconds: u64, outbox: usize) {
    gauge!(STORE_CONNECTED).set(if connected { 1.0 } else { 0.0 });
    gauge!(STORE_LAG).set(lag_seconds as f64);
    gauge!(STORE_OUTBOX).set(outbox as f64);
}
