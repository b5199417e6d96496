//! Verified Cognito claims.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::VerifyError;

mod payload;

/// What a token is for, from its `token_use` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenUse {
    /// An access token (`token_use: "access"`): `client_id`, `scope`, `username`.
    Access,
    /// An ID token (`token_use: "id"`): `aud`, user attributes, `cognito:username`.
    Id,
}

impl TokenUse {
    /// The claim's value, `"access"` or `"id"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Id => "id",
        }
    }
}

impl fmt::Display for TokenUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which kind of token a verification accepts (check 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExpectedUse {
    /// Only access tokens. The default: APIs are called with access tokens.
    #[default]
    Access,
    /// Only ID tokens.
    Id,
    /// Either kind.
    Either,
}

impl ExpectedUse {
    pub(crate) fn accepts(self, found: TokenUse) -> bool {
        matches!(
            (self, found),
            (Self::Either, _) | (Self::Access, TokenUse::Access) | (Self::Id, TokenUse::Id)
        )
    }
}

impl fmt::Display for ExpectedUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Access => "access",
            Self::Id => "id",
            Self::Either => "access or id",
        })
    }
}

/// The claims of a verified Cognito access or ID token.
///
/// The common claims are typed fields; every other claim (including `custom:*` attributes) is
/// kept in [`extra`](Self::extra), and [`decode`](Self::decode) turns the whole payload into a
/// type of your own.
///
/// ```
/// # use sanctum_core::CognitoClaims;
/// fn greet(claims: &CognitoClaims) -> String {
///     let name = claims.username.as_deref().unwrap_or(&claims.sub);
///     if claims.has_group("admin") { format!("hello admin {name}") } else { format!("hello {name}") }
/// }
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct CognitoClaims {
    /// `sub`: the user's stable id.
    pub sub: String,
    /// The user name: `username` in access tokens, `cognito:username` in ID tokens.
    pub username: Option<String>,
    /// `cognito:groups`, empty when absent.
    pub groups: Vec<String>,
    /// The space-separated `scope` claim, split; empty when absent (ID tokens).
    pub scopes: Vec<String>,
    /// `token_use`.
    pub token_use: TokenUse,
    /// The app client: `client_id` of an access token, `aud` of an ID token.
    pub client_id: String,
    /// `iss`.
    pub iss: String,
    /// `exp`, seconds since the epoch.
    pub exp: u64,
    /// `iat`, seconds since the epoch.
    pub iat: Option<u64>,
    /// `nbf`, seconds since the epoch (Cognito does not send it; other issuers may).
    pub nbf: Option<u64>,
    /// `auth_time`, seconds since the epoch.
    pub auth_time: Option<u64>,
    /// `jti`.
    pub jti: Option<String>,
    /// `origin_jti`.
    pub origin_jti: Option<String>,
    /// `event_id`.
    pub event_id: Option<String>,
    /// `email` (ID tokens, when the client may read it).
    pub email: Option<String>,
    /// `email_verified`: a boolean, or the string `"true"`/`"false"` some servers send.
    pub email_verified: Option<bool>,
    /// Every other claim, `custom:*` attributes included.
    pub extra: Map<String, Value>,
    raw: String,
}

impl CognitoClaims {
    /// Reads the claims of a decoded payload. Used after the signature has been checked.
    pub(crate) fn from_payload(raw: Vec<u8>) -> Result<Self, VerifyError> {
        // Validated once here; parsing from `&str` then skips serde_json's own UTF-8 checks.
        let raw = String::from_utf8(raw).map_err(|_| VerifyError::Malformed {
            reason: "payload is not UTF-8",
        })?;
        payload::read(raw)
    }

    /// Whether the user is in `group`.
    #[must_use]
    pub fn has_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// Whether the user is in at least one of `groups`.
    #[must_use]
    pub fn has_any_group<S: AsRef<str>>(&self, groups: &[S]) -> bool {
        groups.iter().any(|g| self.has_group(g.as_ref()))
    }

    /// Whether the user is in every one of `groups`.
    #[must_use]
    pub fn has_all_groups<S: AsRef<str>>(&self, groups: &[S]) -> bool {
        groups.iter().all(|g| self.has_group(g.as_ref()))
    }

    /// Whether the token grants `scope`.
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// A `custom:` attribute by its name without the prefix (`custom_attribute("tenant")` reads
    /// `custom:tenant`), when it is a string.
    #[must_use]
    pub fn custom_attribute(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|(k, _)| k.strip_prefix("custom:") == Some(name))
            .and_then(|(_, v)| v.as_str())
    }

    /// Any claim not held in a typed field, by its full name.
    #[must_use]
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.extra.get(name)
    }

    /// Decodes the whole payload into your own type.
    ///
    /// ```
    /// # fn demo(claims: &sanctum_core::CognitoClaims) -> Result<(), serde_json::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct Tenant {
    ///     #[serde(rename = "custom:tenant")]
    ///     tenant: String,
    /// }
    /// let tenant: Tenant = claims.decode()?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// When the payload does not fit `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.raw)
    }
}

impl fmt::Debug for CognitoClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Claims are not secret, but the raw payload is left out to keep logs short.
        f.debug_struct("CognitoClaims")
            .field("sub", &self.sub)
            .field("username", &self.username)
            .field("groups", &self.groups)
            .field("scopes", &self.scopes)
            .field("token_use", &self.token_use)
            .field("client_id", &self.client_id)
            .field("iss", &self.iss)
            .field("exp", &self.exp)
            .field("iat", &self.iat)
            .field("auth_time", &self.auth_time)
            .field("jti", &self.jti)
            .field("email", &self.email)
            .field("email_verified", &self.email_verified)
            .field("extra", &self.extra)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<CognitoClaims, VerifyError> {
        CognitoClaims::from_payload(json.as_bytes().to_vec())
    }

    #[test]
    fn access_token_claims_are_read() {
        let c = parse(
            r#"{"sub":"s1","token_use":"access","client_id":"c1","iss":"i","exp":10,"iat":5,
                "auth_time":4,"username":"alice","cognito:groups":["admin","ops"],
                "scope":"aws.cognito.signin.user.admin orders/read","jti":"j","origin_jti":"o",
                "event_id":"e","device_key":"d"}"#,
        )
        .unwrap();
        assert_eq!(c.token_use, TokenUse::Access);
        assert_eq!(c.username.as_deref(), Some("alice"));
        assert_eq!(c.groups, ["admin", "ops"]);
        assert_eq!(c.scopes, ["aws.cognito.signin.user.admin", "orders/read"]);
        assert_eq!((c.exp, c.iat, c.auth_time), (10, Some(5), Some(4)));
        assert_eq!(c.client_id, "c1");
        assert_eq!(c.jti.as_deref(), Some("j"));
        assert_eq!(c.origin_jti.as_deref(), Some("o"));
        assert_eq!(c.event_id.as_deref(), Some("e"));
        assert_eq!(c.claim("device_key"), Some(&Value::from("d")));
        assert!(c.has_group("admin") && c.has_all_groups(&["admin", "ops"]));
        assert!(!c.has_any_group(&["x"]));
        assert!(c.has_scope("orders/read"));
    }

    #[test]
    fn id_token_claims_are_read_with_string_email_verified() {
        let c = parse(
            r#"{"sub":"s1","token_use":"id","aud":"c1","iss":"i","exp":10,
                "cognito:username":"bob","email":"b@example.com","email_verified":"true",
                "custom:tenant":"acme"}"#,
        )
        .unwrap();
        assert_eq!(c.token_use, TokenUse::Id);
        assert_eq!(c.client_id, "c1");
        assert_eq!(c.username.as_deref(), Some("bob"));
        assert_eq!(c.email_verified, Some(true));
        assert!(c.groups.is_empty() && c.scopes.is_empty());
        assert_eq!(c.custom_attribute("tenant"), Some("acme"));

        #[derive(serde::Deserialize)]
        struct Mine {
            #[serde(rename = "custom:tenant")]
            tenant: String,
            email: String,
        }
        let mine: Mine = c.decode().unwrap();
        assert_eq!(
            (mine.tenant.as_str(), mine.email.as_str()),
            ("acme", "b@example.com")
        );
    }

    #[test]
    fn fractional_times_round_to_the_safe_side() {
        let c = parse(
            r#"{"sub":"s","token_use":"access","client_id":"c","iss":"i",
                "exp":10.5,"nbf":4.2,"iat":4.7,"auth_time":3.9}"#,
        )
        .unwrap();
        assert_eq!(
            (c.exp, c.nbf, c.iat, c.auth_time),
            (10, Some(5), Some(5), Some(3))
        );
    }

    #[test]
    fn claims_not_read_for_this_token_use_stay_in_extra() {
        let c = parse(
            r#"{"sub":"s","token_use":"access","client_id":"c","iss":"i","exp":1,
                "aud":"x","cognito:username":"y","sub":"last","esc\u0061ped":1}"#,
        )
        .unwrap();
        assert_eq!(c.sub, "last", "a repeated claim keeps its last value");
        assert_eq!(c.claim("aud"), Some(&Value::from("x")));
        assert_eq!(c.claim("cognito:username"), Some(&Value::from("y")));
        assert_eq!(c.claim("escaped"), Some(&Value::from(1)));
        assert_eq!(c.username, None);
    }

    #[test]
    fn claims_of_the_wrong_type_are_refused() {
        let base = r#""sub":"s","token_use":"access","client_id":"c","iss":"i""#;
        for (extra, claim) in [
            (r#""exp":"10""#, "exp"),
            (r#""exp":-1"#, "exp"),
            (r#""exp":10,"cognito:groups":"admin""#, "cognito:groups"),
            (r#""exp":10,"cognito:groups":[1]"#, "cognito:groups"),
            (r#""exp":10,"email_verified":"yes""#, "email_verified"),
            (r#""exp":10,"username":7"#, "username"),
        ] {
            let err = parse(&format!("{{{base},{extra}}}")).unwrap_err();
            assert!(
                matches!(err, VerifyError::InvalidClaim { claim: c, .. } if c == claim),
                "{extra}: {err:?}"
            );
        }
        assert!(matches!(
            parse(&format!("{{{base}}}")).unwrap_err(),
            VerifyError::MissingClaim { claim: "exp" }
        ));
        assert!(matches!(
            parse("[1]").unwrap_err(),
            VerifyError::Malformed { .. }
        ));
    }
}
