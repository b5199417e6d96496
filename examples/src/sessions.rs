//! What the examples with browser sessions (`web-app`, `web-app-actix`, `bff-app`) set up the
//! same way: where sign-outs are recorded and axum's sessions live (`SANCTUM_REDIS_URL`, shared
//! by every instance, else this process), and which cookie-authenticated requests are the
//! application's own (CSRF).

use std::sync::Arc;

use sanctum_axum::session::{MemorySessionStore, RedisSessionStore, SessionAuth};
use sanctum_core::revocation::{InMemoryRevocations, RedisRevocations, RevocationStore};
use sanctum_core::session::CsrfPolicy;

/// An error of the set-up.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where sign-outs are recorded (give the same store to the verifier): Redis at `redis_url`
/// (`SANCTUM_REDIS_URL`, every instance then refuses the signed-out tokens), else this
/// process.
///
/// # Errors
/// `redis_url` is not a Redis URL.
pub fn revocations(redis_url: Option<&str>) -> Result<Arc<dyn RevocationStore>, BoxError> {
    Ok(match redis_url {
        Some(url) => RedisRevocations::start(url)?,
        None => Arc::new(InMemoryRevocations::new()),
    })
}

/// Which cookie-authenticated unsafe requests are the application's: `Sec-Fetch-Site:
/// same-origin`, an `Origin` equal to `app_url`'s (`SANCTUM_APP_URL`, when known), or the
/// header `X-CSRF: 1` (the application's scripts, and clients such as curl).
///
/// # Errors
/// `app_url` is not an absolute http(s) URL.
pub fn csrf_policy(app_url: Option<&str>) -> Result<CsrfPolicy, BoxError> {
    let mut policy = CsrfPolicy::new();
    if let Some(url) = app_url {
        policy = policy.app_origin(url)?;
    }
    Ok(policy.header(
        "x-csrf".parse().map_err(|_| "header name")?,
        "1".parse().map_err(|_| "header value")?,
    ))
}

/// `app` with `auth`'s session layer: sessions in Redis at `redis_url` (`SANCTUM_REDIS_URL`,
/// shared by every instance), else in a [`MemorySessionStore`] of this process (at most
/// 10 000 sessions, each living until its expiry).
///
/// # Errors
/// `redis_url` is not a Redis URL.
pub fn with_sessions(
    app: axum::Router,
    auth: &SessionAuth,
    redis_url: Option<&str>,
) -> Result<axum::Router, BoxError> {
    Ok(match redis_url {
        Some(url) => app.layer(auth.layer(RedisSessionStore::from_url(url)?)),
        None => app.layer(auth.layer(MemorySessionStore::new())),
    })
}
