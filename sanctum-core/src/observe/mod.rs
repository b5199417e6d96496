//! What sanctum tells an operator: the fields it records on the request's span, the events it
//! logs, and the spans around its own I/O.
//!
//! ## The request's span
//!
//! Once a token is verified, the adapters (`sanctum-axum`, `sanctum-actix`) record on the
//! current span (the request's, usually tower-http's `TraceLayer` or tracing-actix-web's root
//! span):
//!
//! | field | value | convention |
//! |---|---|---|
//! | `enduser.id` | the token's `sub` | OpenTelemetry |
//! | `enduser.scope` | the granted OAuth scopes, space-separated (access tokens; none for ID tokens) | OpenTelemetry |
//! | `sanctum.client_id` | the app client: `client_id` (access) or `aud` (ID) | |
//! | `sanctum.token_use` | `access` or `id` | |
//!
//! A `tracing` span only takes the fields it declared when it was created, so declare them
//! `Empty` where the span is made ([`request_span`] does, or list them in your own):
//!
//! ```
//! use tracing::field::Empty;
//!
//! # fn demo(method: &str, path: &str) -> tracing::Span {
//! // e.g. in tower-http's `TraceLayer::new_for_http().make_span_with(|req| ...)`
//! tracing::info_span!(
//!     "request",
//!     %method,
//!     %path,
//!     enduser.id = Empty,
//!     enduser.scope = Empty,
//!     sanctum.client_id = Empty,
//!     sanctum.token_use = Empty,
//! )
//! # }
//! ```
//!
//! Recording into a span that did not declare a field does nothing (no error, no allocation,
//! a comparison per declared field), and with no subscriber installed nothing is looked up at
//! all: [`record_user`] reads one atomic (tracing's maximum level) and returns.
//!
//! ## Events
//!
//! - A refused request is one `debug` event, `request refused`, with its `reason` (never the
//!   token); keys or a revocation check being unavailable is a `warn`, a guard without its
//!   layer an `error`. [`Verifier::verify`](crate::Verifier::verify) called directly logs its
//!   refusals as `token rejected`, at `debug`.
//! - JWKS fetched (`info`) or failed (`warn`, with the URL and why).
//!
//! ## Spans
//!
//! | span | level | fields |
//! |---|---|---|
//! | `sanctum.jwks_fetch` | info | `url`, `result` (`ok` or `error`), `keys` |
//! | `sanctum.cognito` (feature `cognito`) | debug | `rpc.method` (the operation), `aws.request_id`, `http.status`, `outcome` (`ok`, or the AWS error type) |
//! | `sanctum.token_endpoint` (features `cognito`, `managed-login`) | debug | `endpoint` (the path), `client_id`, `http.status`, `outcome` |
//! | `sanctum.redis_catch_up` (feature `redis`) | debug | `entries` read |
//!
//! None of them carries a token, password, secret, code or session.
//!
//! ## Metrics (feature `metrics`)
//!
//! Through the [`metrics`](https://docs.rs/metrics) facade: your application installs the
//! recorder (`metrics-exporter-prometheus`, ...) **before building the verifier**, which
//! registers the handles of its hot path with the recorder installed then (a verification that
//! passes costs one counter increment; a cache hit less, see below). Labels take a few fixed
//! values each: never a user, a token or a URL. Without the feature none of this is compiled.
//!
//! **Cache hits are counted per thread and handed on in batches.** A cache hit costs ~0.3 µs
//! and the recorder's counter (two atomic read-modify-writes with
//! metrics-exporter-prometheus) would be several per cent of it, so each thread counts its hits
//! locally and adds them to `sanctum_verifications_total{outcome="ok",cache="hit"}` every 64
//! hits, when the verifier is dropped, when [`flush_metrics`] is called, and about once a
//! second while a verifier fetches keys (its JWKS refresh task hands every thread's hits on).
//! Call [`flush_metrics`] before rendering the metrics (the demo services' `/metrics` do) and
//! the count is exact; without it (metrics-exporter-prometheus's own HTTP listener, say) the
//! count lags by at most a second, or, for verifiers that fetch nothing (keys given as a
//! document), by at most 63 hits per thread and verifier. Every other metric is recorded as it
//! happens.
//!
//! | name | kind | labels | counts |
//! |---|---|---|---|
//! | `sanctum_verifications_total` | counter | `outcome` (`ok`, or the refusal: `expired`, `invalid_signature`, `unknown_key`, `issuer_mismatch`, `client_mismatch`, `wrong_token_use`, `revoked`, `keys_unavailable`, `malformed`, ... one per [`VerifyError`](crate::VerifyError) variant), `cache` (`hit`: answered from the verified-token cache; `miss`) | every verification's outcome; cache hits and misses are its `cache` label |
//! | `sanctum_refusals_total` | counter | `reason` (`missing_token`, `empty_token`, `unreadable_token`, `repeated_credentials`, `denied` (a guard's rule), `claims_mismatch`, `misconfigured`, `session_unavailable`, `cross_site_request`, or a verification's `outcome`) | requests an adapter refused |
//! | `sanctum_cached_tokens` | gauge | | verified tokens cached, as of the last insert |
//! | `sanctum_jwks_fetches_total` | counter | `result` (`ok`, `error`, `no_such_key`) | JWKS (and ALB per-`kid` key) fetches |
//! | `sanctum_jwks_fetch_duration_seconds` | histogram | `result` | the time of each fetch |
//! | `sanctum_jwks_unknown_kid_waiting_total` | counter | | tokens of an unknown `kid` refused inside the refetch cooldown or backoff (no fetch) |
//! | `sanctum_revocations_recorded_total` | counter | `kind` (`subject`, `origin`) | revocations recorded through the Cognito client (`cognito`) |
//! | `sanctum_revocations_applied_total` | counter | `source` (`catch_up`, `subscription`) | revocations read from Redis and applied here: those loaded when (re)connecting, and each one published on the channel (every instance's, this one's own included) (`redis`) |
//! | `sanctum_online_checks_total` | counter | `answer` (`live`, `revoked`, `unreachable`, `throttled`, `undecided`, `held_off`) | questions of the online check, by answer |
//! | `sanctum_session_refreshes_total` | counter | `result` (`ok`, `refused`, `error`) | `TokenSession` refreshes (`cognito`) |
//! | `sanctum_browser_session_refreshes_total` | counter | `outcome` (`refreshed`; `lost_race`: another request or instance refreshed or ended it first, its tokens taken from the store; `refused`: Cognito refused the refresh token; `failed`: Cognito or the store unreachable) | browser sessions' due refreshes (`managed-login`, both adapters) |
//! | `sanctum_revocation_store_connected` | gauge | | 1 while Redis is connected and followed, else 0 (`redis`) |
//! | `sanctum_revocation_store_lag_seconds` | gauge | | how long the local copy has been out of sync with Redis (0 when in sync) (`redis`) |
//! | `sanctum_revocation_store_outbox` | gauge | | revocations recorded here and not yet sent to Redis (`redis`) |

#[cfg(feature = "metrics")]
pub(crate) mod metrics;

use std::fmt;

use tracing::field::{Empty, display};
use tracing::level_filters::LevelFilter;

use crate::claims::CognitoClaims;

/// Hands the verified-token cache hits each thread has counted but not yet reported to the
/// recorder (feature `metrics`; see the [module docs](self)): call it
/// before rendering the metrics, and `sanctum_verifications_total{outcome="ok",cache="hit"}`
/// is exact. Cheap (a lock and a few loads per verifier and thread that counted hits).
///
/// ```
/// use metrics_exporter_prometheus::PrometheusHandle;
///
/// /// The body of `GET /metrics`.
/// fn metrics_page(handle: &PrometheusHandle) -> String {
///     sanctum_core::observe::flush_metrics();
///     handle.render()
/// }
/// # let _ = metrics_page;
/// ```
#[cfg(feature = "metrics")]
pub fn flush_metrics() {
    self::metrics::flush();
}

/// A request span declaring sanctum's fields (`enduser.id`, `enduser.scope`,
/// `sanctum.client_id`, `sanctum.token_use`; see the [module docs](self)), at `info`, named
/// `request`, with the request's `method` and `path`.
///
/// For tower-http's `TraceLayer`:
///
/// ```ignore
/// TraceLayer::new_for_http().make_span_with(|req: &http::Request<_>| {
///     sanctum_core::observe::request_span(req.method().as_str(), req.uri().path())
/// })
/// ```
#[must_use]
pub fn request_span(method: &str, path: &str) -> tracing::Span {
    tracing::info_span!(
        "request",
        method,
        path,
        enduser.id = Empty,
        enduser.scope = Empty,
        sanctum.client_id = Empty,
        sanctum.token_use = Empty,
    )
}

/// Records the verified user on the current span: `enduser.id`, `enduser.scope`,
/// `sanctum.client_id`, `sanctum.token_use` (the adapters call it after every successful
/// verification). Fields the span did not declare are skipped; with no subscriber it costs an
/// atomic load.
///
/// See the [module docs](self) for the span an adapter declares.
#[inline]
pub fn record_user(claims: &CognitoClaims) {
    if LevelFilter::current() == LevelFilter::OFF {
        return;
    }
    record_user_on_current_span(claims);
}

#[cold]
fn record_user_on_current_span(claims: &CognitoClaims) {
    let span = tracing::Span::current();
    if span.is_disabled() {
        return;
    }
    span.record("enduser.id", claims.sub());
    if claims.scopes().next().is_some() {
        span.record("enduser.scope", display(Scopes(claims)));
    }
    span.record("sanctum.client_id", claims.client_id());
    span.record("sanctum.token_use", claims.token_use().as_str());
}

/// The span of one call to Cognito's OAuth endpoints (`/oauth2/token`, `/oauth2/revoke`):
/// `endpoint`, `client_id`; `http.status` and `outcome` are recorded by [`token_endpoint_call`].
#[cfg(any(feature = "client-credentials", feature = "managed-login"))]
pub(crate) fn token_endpoint_span(endpoint: &dyn fmt::Display, client_id: &str) -> tracing::Span {
    tracing::debug_span!(
        "sanctum.token_endpoint",
        %endpoint,
        client_id,
        http.status = Empty,
        outcome = Empty,
    )
}

/// Runs `call` in `span`, then records its `outcome` (`ok` or `error`) there, with one
/// `debug` event. The call records `http.status` itself ([`record_status`]).
#[cfg(any(feature = "client-credentials", feature = "managed-login"))]
pub(crate) async fn token_endpoint_call<T, E: fmt::Display>(
    span: tracing::Span,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    use tracing::Instrument as _;
    let result = call.instrument(span.clone()).await;
    let outcome = if result.is_ok() { "ok" } else { "error" };
    span.record("outcome", outcome);
    span.in_scope(|| match &result {
        Ok(_) => tracing::debug!(outcome, "token endpoint answered"),
        Err(err) => tracing::debug!(outcome, error = %err, "token endpoint call failed"),
    });
    result
}

/// Records the HTTP status of the answer on the current span (the token endpoint's).
#[cfg(any(feature = "client-credentials", feature = "managed-login"))]
pub(crate) fn record_status(status: u16) {
    tracing::Span::current().record("http.status", status);
}

/// The scopes, space-separated, written without building a string.
struct Scopes<'a>(&'a CognitoClaims);

impl fmt::Display for Scopes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.0.scopes().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_space_separated() {
        let claims = CognitoClaims::from_payload(
            br#"{"sub":"s","token_use":"access","client_id":"c","iss":"i","exp":9,"scope":"openid orders/read"}"#
                .to_vec(),
        )
        .unwrap();
        assert_eq!(Scopes(&claims).to_string(), "openid orders/read");
    }
}
