//! Typed credentials: [`AccessToken`], [`IdToken`], [`RefreshToken`], [`Password`] and
//! [`Username`].
//!
//! Every credential sanctum hands out or takes is its own type, so one cannot stand in for
//! another: a function that needs an access token takes `&AccessToken`, and an ID token, a
//! refresh token or a user name given there does not compile. The secrets (tokens, passwords)
//! follow the `oauth2` crate: `Debug` shows no value, and reading it is a call that says what
//! you are doing ([`AccessToken::secret`]). They are `Serialize`/`Deserialize` as plain strings
//! (`#[serde(transparent)]`), for the application's server-side session store — never a log or
//! a browser-readable cookie.
//!
//! [`Username`] is not a secret (`Debug` and `Display` show it); it is a type of its own so that
//! a user name and a token cannot be swapped by mistake.
//!
//! ```
//! use sanctum_core::credentials::{AccessToken, Username};
//!
//! fn call_api(token: &AccessToken) -> usize {
//!     token.secret().len()
//! }
//!
//! let token = AccessToken::new("eyJraWQiOi...");
//! assert_eq!(call_api(&token), 13);
//! assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
//! assert_eq!(Username::new("alice").as_str(), "alice");
//! ```
//!
//! An ID token where an access token belongs is a compile error:
//!
//! ```compile_fail
//! use sanctum_core::credentials::{AccessToken, IdToken};
//!
//! fn call_api(token: &AccessToken) {}
//!
//! call_api(&IdToken::new("eyJraWQiOi..."));
//! ```
//!
//! and so is a user name:
//!
//! ```compile_fail
//! use sanctum_core::credentials::{AccessToken, Username};
//!
//! fn call_api(token: &AccessToken) {}
//!
//! call_api(&Username::new("alice"));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("Wraps ", $what, ".")]
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            #[doc = concat!("The ", $what, " itself. Never log it.")]
            #[must_use]
            pub fn secret(&self) -> &str {
                &self.0
            }

            #[doc = concat!("The ", $what, " itself, owned.")]
            #[must_use]
            pub fn into_secret(self) -> String {
                self.0
            }

            /// Whether it is the empty string.
            #[must_use]
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

secret_string!(
    /// A Cognito access token (a JWT whose `token_use` is `access`): for your APIs and for
    /// Cognito's own calls on the user's behalf. `Debug` hides it.
    AccessToken,
    "an access token"
);

secret_string!(
    /// A Cognito ID token (a JWT whose `token_use` is `id`): who the user is, for the app that
    /// signed them in. `Debug` hides it.
    IdToken,
    "an ID token"
);

secret_string!(
    /// A Cognito refresh token (opaque): gets new access and ID tokens for days. The most
    /// valuable of the three; keep it server-side. `Debug` hides it.
    RefreshToken,
    "a refresh token"
);

secret_string!(
    /// A password (a user's, a temporary or a new one). `Debug` hides it.
    Password,
    "a password"
);

impl From<&str> for Password {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Password {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&String> for Password {
    fn from(value: &String) -> Self {
        Self::new(value.as_str())
    }
}

impl From<&Password> for Password {
    fn from(value: &Password) -> Self {
        value.clone()
    }
}

/// The name a user signs in with, or the one Cognito knows them by (the access token's
/// `username` claim; with alias sign-in the two differ). Not a secret: `Debug` and `Display`
/// show it.
///
/// Operations that take a user name take `impl Into<Username>`, so a `&str` or a `String`
/// does — but no token does.
///
/// Example: [`Users::get`](crate::cognito::Users::get) takes one; the [module docs](self) show
/// why a token cannot stand in for it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    /// Wraps a user name.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Username").field(&self.0).finish()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Username {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Username {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&String> for Username {
    fn from(value: &String) -> Self {
        Self::new(value.as_str())
    }
}

impl From<&Username> for Username {
    fn from(value: &Username) -> Self {
        value.clone()
    }
}

/// An app client secret, kept by the Cognito client, the client-credentials provider and the
/// managed-login client. Its
/// `Debug` output never shows the value. Crate-private: a secret is passed in as a `String`,
/// once, when the client or provider is built.
#[cfg(any(feature = "client-credentials", feature = "managed-login"))]
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ClientSecret(String);

#[cfg(any(feature = "client-credentials", feature = "managed-login"))]
impl ClientSecret {
    pub(crate) fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    #[cfg_attr(
        not(any(feature = "cognito", feature = "managed-login")),
        allow(dead_code)
    )]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(any(feature = "client-credentials", feature = "managed-login"))]
impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_every_secret_and_shows_the_user_name() {
        let shown = format!(
            "{:?} {:?} {:?} {:?} {:?}",
            AccessToken::new("ACCESS-SECRET"),
            IdToken::new("ID-SECRET"),
            RefreshToken::new("REFRESH-SECRET"),
            Password::from("PASSWORD-SECRET"),
            Username::new("alice"),
        );
        for secret in [
            "ACCESS-SECRET",
            "ID-SECRET",
            "REFRESH-SECRET",
            "PASSWORD-SECRET",
        ] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
        assert_eq!(
            shown,
            "AccessToken(<redacted>) IdToken(<redacted>) RefreshToken(<redacted>) \
             Password(<redacted>) Username(\"alice\")"
        );
        assert_eq!(Username::from("bob").to_string(), "bob");
    }

    #[test]
    fn credentials_serialize_as_plain_strings_and_back() {
        let refresh = RefreshToken::new("opaque-refresh");
        let json = serde_json::to_string(&refresh).expect("serializes");
        assert_eq!(json, "\"opaque-refresh\"");
        let back: RefreshToken = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, refresh);
        assert_eq!(back.secret(), "opaque-refresh");

        let name: Username = serde_json::from_str("\"alice\"").expect("deserializes");
        assert_eq!(name, Username::new("alice"));
        assert_eq!(serde_json::to_string(&name).expect("ser"), "\"alice\"");
        assert_eq!(
            AccessToken::new("a").into_secret() + IdToken::new("b").secret(),
            "ab"
        );
        assert!(Password::new("").is_empty());
    }
}
