//! The start of a sign-in: the authorize URL the browser is sent to, and the [`PendingLogin`]
//! the application keeps until the callback.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ManagedLogin;
use super::error::LoginError;
use super::pkce::{random_value, s256_challenge};
use crate::clock::unix_seconds;

/// What one sign-in attempt must remember between the redirect to Cognito and the callback:
/// the `state`, the `nonce`, the PKCE `code_verifier` and when it was made.
///
/// Keep it where only this browser's callback finds it: in a short-lived `HttpOnly`, `Secure`,
/// `__Host-` cookie that the callback consumes (that binds `state` to the browser, which stops
/// login CSRF), or in a server-side store under a key held by such a cookie. Use it once: the
/// callback removes it whether the sign-in succeeds or not. It serialises with serde; `Debug`
/// shows none of its values.
///
/// Made by [`ManagedLogin::authorize`](crate::login::ManagedLogin::authorize); the
/// [module docs](crate::login) show the whole sign-in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    state: String,
    nonce: String,
    code_verifier: String,
    /// Seconds since the Unix epoch, on the login's clock.
    created_at: u64,
}

impl PendingLogin {
    /// The `state` sent to Cognito, which the callback must bring back. It travels in URLs,
    /// so it is not a secret, but it should be a key of the store only for the browser that
    /// started the sign-in.
    #[must_use]
    pub fn state(&self) -> &str {
        &self.state
    }

    /// When the sign-in started, in seconds since the Unix epoch, on the login's clock.
    #[must_use]
    pub fn created_at(&self) -> u64 {
        self.created_at
    }

    pub(super) fn nonce(&self) -> &str {
        &self.nonce
    }

    pub(super) fn code_verifier(&self) -> &str {
        &self.code_verifier
    }
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("state", &"<redacted>")
            .field("nonce", &"<redacted>")
            .field("code_verifier", &"<redacted>")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// Where to send the browser, and what to keep until it comes back; from
/// [`AuthorizeRequest::build`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthorizeRedirect {
    /// The authorize URL: answer the browser with a redirect (302 or 303) to it.
    pub url: String,
    /// The pending sign-in, to keep until the callback.
    pub pending: PendingLogin,
}

/// An authorize URL being built: optional parameters that Cognito passes on, then
/// [`build`](Self::build). From [`ManagedLogin::authorize`].
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthorizeRequest<'a> {
    login: &'a ManagedLogin,
    extra: Vec<(&'static str, String)>,
}

impl<'a> AuthorizeRequest<'a> {
    pub(super) fn new(login: &'a ManagedLogin) -> Self {
        Self {
            login,
            extra: Vec::new(),
        }
    }

    fn set(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.retain(|(n, _)| *n != name);
        self.extra.push((name, value.into()));
        self
    }

    /// `identity_provider`: go straight to this provider's sign-in, skipping Cognito's page
    /// (`COGNITO`, `Google`, `SignInWithApple`, `Facebook`, `LoginWithAmazon`, or a SAML/OIDC
    /// provider's name).
    pub fn identity_provider(self, name: impl Into<String>) -> Self {
        self.set("identity_provider", name)
    }

    /// `idp_identifier`: pick a SAML/OIDC provider by one of its identifiers (an email domain,
    /// for example).
    pub fn idp_identifier(self, identifier: impl Into<String>) -> Self {
        self.set("idp_identifier", identifier)
    }

    /// `lang`: the language of the managed-login pages (`en`, `fr`, `ja`, ...).
    pub fn lang(self, lang: impl Into<String>) -> Self {
        self.set("lang", lang)
    }

    /// `prompt`: `login` to ask for credentials again even with a Cognito session, `none` to
    /// fail rather than show a page, `select_account`, `consent` (passed on to an OIDC
    /// provider).
    pub fn prompt(self, prompt: impl Into<String>) -> Self {
        self.set("prompt", prompt)
    }

    /// `login_hint`: the user name (or email) to fill in on the sign-in page.
    pub fn login_hint(self, hint: impl Into<String>) -> Self {
        self.set("login_hint", hint)
    }

    /// The URL and the pending sign-in, with a fresh `state`, `nonce` and PKCE verifier from
    /// the system's CSPRNG.
    ///
    /// # Errors
    /// [`LoginError::Random`] when the random number generator fails.
    pub fn build(self) -> Result<AuthorizeRedirect, LoginError> {
        let login = &*self.login.inner;
        let pending = PendingLogin {
            state: random_value()?,
            nonce: random_value()?,
            code_verifier: random_value()?,
            created_at: unix_seconds(login.clock.now()),
        };
        let mut url = login.authorize_url.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &login.client_id)
                .append_pair("redirect_uri", &login.redirect_uri)
                .append_pair("scope", &login.scopes.join(" "))
                .append_pair("state", &pending.state)
                .append_pair("nonce", &pending.nonce)
                .append_pair("code_challenge", &s256_challenge(&pending.code_verifier))
                .append_pair("code_challenge_method", "S256");
            for (name, value) in &self.extra {
                query.append_pair(name, value);
            }
        }
        Ok(AuthorizeRedirect {
            url: url.into(),
            pending,
        })
    }
}

#[cfg(test)]
pub(super) fn pending_for_tests(state: &str, nonce: &str, created_at: u64) -> PendingLogin {
    PendingLogin {
        state: state.to_owned(),
        nonce: nonce.to_owned(),
        code_verifier: "VERIFIER-VALUE".to_owned(),
        created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_value_of_a_pending_sign_in() {
        let pending = pending_for_tests("STATE-VALUE", "NONCE-VALUE", 7);
        let shown = format!("{pending:?}");
        for secret in ["STATE-VALUE", "NONCE-VALUE", "VERIFIER-VALUE"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("created_at: 7"), "{shown}");
    }

    #[test]
    fn a_pending_sign_in_round_trips_through_serde() {
        let pending = pending_for_tests("s", "n", 1_700_000_000);
        let json = serde_json::to_string(&pending).expect("serializes");
        let back: PendingLogin = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, pending);
        assert_eq!(back.state(), "s");
        assert_eq!(back.created_at(), 1_700_000_000);
    }
}
