//! The browser-session scenarios both adapters' session tests run in process, each through a
//! short [`SessionDriver`]: a session read straight from the memory store follows every write
//! to it, a session written back sends its cookie again for as long as the store keeps it, and
//! a due refresh is counted by its outcome.

use sanctum_core::testing::TestIssuer;
use serde_json::{Value, json};

use crate::metrics::MetricsCapture;
use crate::totp::now;

/// The session cookie's name.
pub const COOKIE: &str = "__Host-sanctum-session";

/// What an adapter's app answered.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// The body.
    pub body: String,
    /// The `Set-Cookie` values.
    pub cookies: Vec<String>,
}

/// An adapter's app with sessions in its memory store, for the scenarios: `GET /me` behind the
/// auth layer with the session as token source, answering `"{username} {groups:?}"`; the
/// session lifetimes and refresh margin the defaults; the managed login at a port nobody
/// listens on (a due refresh fails).
#[allow(async_fn_in_trait)] // the scenarios run on the test's thread
pub trait SessionDriver {
    /// Stores the session `data` (its JSON, as [`session_json`] writes it) under a new id,
    /// living an hour; the id (the cookie's value).
    async fn store(&self, data: &Value) -> String;
    /// Replaces what the store holds under `id` with the session `data`.
    async fn replace(&self, id: &str, data: &Value);
    /// Removes `id` from the store.
    async fn remove(&self, id: &str);
    /// `GET /me` with the session cookie of `id`.
    async fn get_me(&self, id: &str) -> Reply;
}

/// A session's JSON for `access_token`: user `alice`, signed in now, last used at
/// `touched_at`, its tokens expiring in `expires_in` seconds.
#[must_use]
pub fn session_json(
    access_token: &str,
    touched_at: u64,
    refresh_token: Option<&str>,
    expires_in: u64,
) -> Value {
    json!({
        "tokens": {
            "access_token": access_token, "id_token": "unused", "refresh_token": refresh_token,
            "expires_at": now() + expires_in, "token_type": "Bearer",
        },
        "sub": "sub-1", "username": "alice", "groups": [], "origin_jti": null,
        "signed_in_at": now(), "touched_at": touched_at,
    })
}

/// The `Max-Age` of the session cookie among `cookies`, when it is set.
#[must_use]
pub fn session_max_age(cookies: &[String]) -> Option<u64> {
    cookies
        .iter()
        .find(|c| c.starts_with(&format!("{COOKIE}=")))
        .and_then(|c| c.split("; ").find_map(|a| a.strip_prefix("Max-Age=")))
        .and_then(|v| v.parse().ok())
}

/// A session read from the store (decoded once, kept with the stored value) follows every
/// write to it: a value written anew is read anew, a removed one is anonymous at once.
///
/// # Panics
/// When an answer differs.
pub async fn a_session_follows_every_write_to_the_store(
    driver: &impl SessionDriver,
    issuer: &TestIssuer,
) {
    let alice = issuer.access_token().username("alice").build();
    let id = driver.store(&session_json(&alice, now(), None, 3600)).await;
    for _ in 0..2 {
        let reply = driver.get_me(&id).await;
        assert_eq!((reply.status, reply.body.as_str()), (200, "alice []"));
    }
    // written anew (another request's refresh, say): the next request reads it
    let bob = issuer.access_token().username("bob").build();
    driver
        .replace(&id, &session_json(&bob, now(), None, 3600))
        .await;
    let reply = driver.get_me(&id).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "bob []"));
    // removed (signed out through another route or instance): anonymous at once
    driver.remove(&id).await;
    assert_eq!(driver.get_me(&id).await.status, 401);
}

/// A session whose idle clock is written back sends its cookie again with the response, to
/// live as long as the store keeps it: the idle timeout cut at what is left of the absolute
/// lifetime (here 10 minutes, not the 30-minute idle timeout). A session used again at once
/// writes nothing and sends no cookie.
///
/// # Panics
/// When an answer differs.
pub async fn a_written_back_session_sends_its_cookie_again(
    driver: &impl SessionDriver,
    issuer: &TestIssuer,
) {
    let token = issuer.access_token().username("alice").build();
    let mut data = session_json(&token, now() - 120, None, 3600);
    data["signed_in_at"] = json!(now() - (12 * 3600 - 600));
    let id = driver.store(&data).await;
    let touched = driver.get_me(&id).await;
    assert_eq!(touched.status, 200);
    let max_age = session_max_age(&touched.cookies).expect("the session cookie sent again");
    assert!((598..=600).contains(&max_age), "{:?}", touched.cookies);
    let again = driver.get_me(&id).await;
    assert_eq!(again.status, 200);
    assert_eq!(session_max_age(&again.cookies), None, "{:?}", again.cookies);
}

/// A session due for a refresh (its tokens expiring within the margin) whose refresh fails
/// (Cognito unreachable) goes on with its still-valid token, and the refresh is counted
/// `failed`; a session not due counts nothing. Start `metrics` before building the app.
///
/// # Panics
/// When an answer or a count differs.
pub async fn a_due_refresh_is_counted(
    driver: &impl SessionDriver,
    issuer: &TestIssuer,
    metrics: &MetricsCapture,
) {
    let token = issuer.access_token().username("alice").build();
    let due = driver
        .store(&session_json(&token, now(), Some("refresh"), 60))
        .await;
    let fresh = driver.store(&session_json(&token, now(), None, 3600)).await;
    assert_eq!(driver.get_me(&due).await.status, 200, "goes on");
    assert_eq!(driver.get_me(&fresh).await.status, 200);
    let all = metrics.snapshot();
    let refreshes = "sanctum_browser_session_refreshes_total";
    assert_eq!(
        all.counter(refreshes, &[("outcome", "failed")]),
        1,
        "{all:?}"
    );
    assert_eq!(all.counter(refreshes, &[]), 1, "one due refresh: {all:?}");
}
