//! What the `web-app` (axum) and `web-app-actix` examples share: their configuration from the
//! environment and their pages, so the two are the same application on either framework.
//!
//! | variable | meaning |
//! |---|---|
//! | `SANCTUM_USER_POOL_ID` | the user pool (required) |
//! | `SANCTUM_CLIENT_ID` | the app client (required; code flow, `openid` scope, the callback and sign-out URLs below registered) |
//! | `SANCTUM_CLIENT_SECRET` | its secret, when it has one |
//! | `SANCTUM_LOGIN_DOMAIN` | the managed-login base URL, `https://<prefix>.auth.<region>.amazoncognito.com` (required) |
//! | `SANCTUM_APP_URL` | this app's public origin (required): callback `APP_URL/callback`, sign-out target `APP_URL/` |
//! | `SANCTUM_ADDR` | listen address (default `127.0.0.1:3000`) |
//! | `SANCTUM_COGNITO_ENDPOINT` | an emulator's endpoint: the pool's keys at `{endpoint}/{pool}/.well-known/jwks.json` |
//! | `SANCTUM_JWKS_URL` | the pool's keys elsewhere |
//! | `SANCTUM_REDIS_URL` | sessions and revocations shared by every instance through this Redis |
//!
//! Routes: `GET /` (a page: signed out, a link `id="sign-in"`; signed in, `id="user"`,
//! `id="groups"` and the form `id="sign-out"`), `GET /login` (`?identity_provider=Google`
//! goes straight to a federated provider), `GET /callback`, `GET /me` (JSON), `GET /admin`
//! (the `admin` group), `POST /logout`.

use std::net::SocketAddr;
use std::sync::Arc;

use sanctum_core::login::{LoginDomain, ManagedLogin};
use sanctum_core::revocation::RevocationStore;
use sanctum_core::session::CsrfPolicy;
use sanctum_core::{CognitoClaims, UserPool, Verifier};

pub use crate::sessions::BoxError;

/// The web app's configuration, read from the environment ([`WebApp::from_env`]).
#[derive(Debug)]
pub struct WebApp {
    /// The pool's verifier, checking the shared revocations.
    pub verifier: Verifier,
    /// The managed login of the app client.
    pub login: ManagedLogin,
    /// `Sec-Fetch-Site: same-origin`, `Origin` = `SANCTUM_APP_URL`, or `X-CSRF: 1`.
    pub csrf: CsrfPolicy,
    /// Where sign-outs are recorded: Redis with `SANCTUM_REDIS_URL`, else this process.
    pub revocations: Arc<dyn RevocationStore>,
    /// `SANCTUM_REDIS_URL`: the sessions' store too.
    pub redis_url: Option<String>,
    /// `SANCTUM_ADDR`.
    pub addr: SocketAddr,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn required(name: &str) -> Result<String, BoxError> {
    env(name).ok_or_else(|| format!("{name} is not set").into())
}

impl WebApp {
    /// The configuration of the [module docs](self)' variables.
    ///
    /// # Errors
    /// A required variable is missing or a value is invalid.
    pub fn from_env() -> Result<Self, BoxError> {
        let pool_id = required("SANCTUM_USER_POOL_ID")?;
        let client_id = required("SANCTUM_CLIENT_ID")?;
        let domain = required("SANCTUM_LOGIN_DOMAIN")?;
        let app_url = required("SANCTUM_APP_URL")?;
        let app_url = app_url.trim_end_matches('/');
        let addr: SocketAddr = env("SANCTUM_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".to_owned())
            .parse()?;
        let redis_url = env("SANCTUM_REDIS_URL");

        let revocations = crate::sessions::revocations(redis_url.as_deref())?;
        let mut pool = UserPool::new(&pool_id).client_id(&client_id);
        let jwks_url = env("SANCTUM_JWKS_URL").or_else(|| {
            env("SANCTUM_COGNITO_ENDPOINT").map(|endpoint| {
                format!(
                    "{}/{pool_id}/.well-known/jwks.json",
                    endpoint.trim_end_matches('/')
                )
            })
        });
        if let Some(jwks_url) = jwks_url {
            pool = pool.with_jwks_url(jwks_url);
        }
        let verifier = Verifier::builder()
            .pool(pool)
            .revocations(Arc::clone(&revocations))
            .build()?;
        let mut login = ManagedLogin::builder(
            LoginDomain::url(domain),
            &client_id,
            format!("{app_url}/callback"),
        )
        .scopes(["openid", "email", "profile"])
        .logout_uri(format!("{app_url}/"));
        if let Some(secret) = env("SANCTUM_CLIENT_SECRET") {
            login = login.client_secret(secret);
        }
        let login = login.build(&verifier)?;
        let csrf = crate::sessions::csrf_policy(Some(app_url))?;
        Ok(Self {
            verifier,
            login,
            csrf,
            revocations,
            redis_url,
            addr,
        })
    }
}

/// The `identity_provider` of a `/login` request's query: `GET /login?identity_provider=Google`
/// goes straight to a federated provider (`Google`, `SignInWithApple`, a SAML or OIDC
/// provider's name) instead of Cognito's page.
#[must_use]
pub fn identity_provider(query: Option<&str>) -> Option<String> {
    query.and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "identity_provider")
            .map(|(_, value)| value.into_owned())
    })
}

/// The banner printed once listening (the tests read the address from it).
#[must_use]
pub fn banner(addr: SocketAddr) -> String {
    format!("sanctum web-app listening on http://{addr}")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page of `GET /`: a sign-in link when signed out; the user, groups and the sign-out form
/// when signed in.
#[must_use]
pub fn home_page(user: Option<&CognitoClaims>) -> String {
    let body = match user {
        None => r#"<p>Signed out.</p><a id="sign-in" href="/login">Sign in</a>"#.to_owned(),
        Some(user) => format!(
            r#"<p>Signed in as <span id="user">{}</span></p>
<p>Groups: <span id="groups">{}</span></p>
<form id="sign-out" method="post" action="/logout"><button type="submit">Sign out</button></form>"#,
            escape(user.username().unwrap_or(user.sub())),
            escape(&user.groups().collect::<Vec<_>>().join(", ")),
        ),
    };
    format!(
        "<!doctype html><html><head><title>sanctum web-app</title></head><body>{body}</body></html>"
    )
}

/// The page of `GET /admin`.
#[must_use]
pub fn admin_page(user: &CognitoClaims) -> String {
    format!(
        "<!doctype html><html><body><h1 id=\"admin\">Administration</h1><p>{}</p></body></html>",
        escape(user.username().unwrap_or(user.sub()))
    )
}

/// The JSON of `GET /me`: `{"username", "sub", "groups"}`.
#[must_use]
pub fn me(user: &CognitoClaims) -> serde_json::Value {
    serde_json::json!({
        "username": user.username(),
        "sub": user.sub(),
        "groups": user.groups().collect::<Vec<_>>(),
    })
}
