//! Verified Cognito claims.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::VerifyError;

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
    raw: Box<str>,
}

impl CognitoClaims {
    /// Reads the claims of a decoded payload. Used after the signature has been checked.
    pub(crate) fn from_payload(raw: &[u8]) -> Result<Self, VerifyError> {
        let mut map: Payload = serde_json::from_slice(raw).map_err(|_| VerifyError::Malformed {
            reason: "payload is not a JSON object",
        })?;
        let raw = std::str::from_utf8(raw)
            .map_err(|_| VerifyError::Malformed {
                reason: "payload is not UTF-8",
            })?
            .into();

        let token_use = match take_string(&mut map, "token_use")? {
            Some(s) if s == "access" => TokenUse::Access,
            Some(s) if s == "id" => TokenUse::Id,
            Some(s) => {
                return Err(VerifyError::WrongTokenUse {
                    expected: ExpectedUse::Either,
                    found: crate::error::clip(&s),
                });
            }
            None => return Err(VerifyError::MissingClaim { claim: "token_use" }),
        };
        let sub =
            take_string(&mut map, "sub")?.ok_or(VerifyError::MissingClaim { claim: "sub" })?;
        let iss =
            take_string(&mut map, "iss")?.ok_or(VerifyError::MissingClaim { claim: "iss" })?;
        // Fractions round toward the safe side: `exp` down (earlier), `nbf`/`iat` up (later).
        let exp = take_time(&mut map, "exp", Round::Down)?
            .ok_or(VerifyError::MissingClaim { claim: "exp" })?;
        let iat = take_time(&mut map, "iat", Round::Up)?;
        let nbf = take_time(&mut map, "nbf", Round::Up)?;
        let auth_time = take_time(&mut map, "auth_time", Round::Down)?;

        let (client_id, username) = match token_use {
            TokenUse::Access => (
                take_string(&mut map, "client_id")?
                    .ok_or(VerifyError::MissingClaim { claim: "client_id" })?,
                take_string(&mut map, "username")?,
            ),
            TokenUse::Id => (
                take_audience(&mut map)?,
                take_string(&mut map, "cognito:username")?,
            ),
        };
        let groups = match map.remove("cognito:groups") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(VerifyError::InvalidClaim {
                        claim: "cognito:groups",
                        reason: "not an array of strings",
                    }),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(VerifyError::InvalidClaim {
                    claim: "cognito:groups",
                    reason: "not an array of strings",
                });
            }
        };
        let scopes = take_string(&mut map, "scope")?
            .map(|s| s.split_ascii_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let email_verified = match map.remove("email_verified") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(b),
            Some(Value::String(s)) if s == "true" => Some(true),
            Some(Value::String(s)) if s == "false" => Some(false),
            Some(_) => {
                return Err(VerifyError::InvalidClaim {
                    claim: "email_verified",
                    reason: "not a boolean",
                });
            }
        };

        Ok(Self {
            sub,
            username,
            groups,
            scopes,
            token_use,
            client_id,
            iss,
            exp,
            iat,
            nbf,
            auth_time,
            jti: take_string(&mut map, "jti")?,
            origin_jti: take_string(&mut map, "origin_jti")?,
            event_id: take_string(&mut map, "event_id")?,
            email: take_string(&mut map, "email")?,
            email_verified,
            extra: map.into_extra(),
            raw,
        })
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

fn take_string(map: &mut Payload, claim: &'static str) -> Result<Option<String>, VerifyError> {
    match map.remove(claim) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(VerifyError::InvalidClaim {
            claim,
            reason: "not a string",
        }),
    }
}

/// A NumericDate: a non-negative JSON number (fractions are truncated, as RFC 7519 allows them).
/// Which way a fractional NumericDate is rounded to whole seconds.
#[derive(Clone, Copy)]
enum Round {
    Down,
    Up,
}

fn take_time(
    map: &mut Payload,
    claim: &'static str,
    round: Round,
) -> Result<Option<u64>, VerifyError> {
    let invalid = VerifyError::InvalidClaim {
        claim,
        reason: "not a non-negative number of seconds",
    };
    match map.remove(claim) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(v) = n.as_u64() {
                Ok(Some(v))
            } else {
                match n.as_f64() {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    Some(f) if (0.0..1.0e19).contains(&f) => Ok(Some(match round {
                        Round::Down => f.floor() as u64,
                        Round::Up => f.ceil() as u64,
                    })),
                    _ => Err(invalid),
                }
            }
        }
        Some(_) => Err(invalid),
    }
}

/// `aud` of an ID token: Cognito sends one string; a one-element array is accepted too.
fn take_audience(map: &mut Payload) -> Result<String, VerifyError> {
    match map.remove("aud") {
        Some(Value::String(s)) => Ok(s),
        Some(Value::Array(mut items)) if items.len() == 1 => match items.pop() {
            Some(Value::String(s)) => Ok(s),
            _ => Err(VerifyError::InvalidClaim {
                claim: "aud",
                reason: "not a string",
            }),
        },
        Some(_) => Err(VerifyError::InvalidClaim {
            claim: "aud",
            reason: "not a single string",
        }),
        None => Err(VerifyError::MissingClaim { claim: "aud" }),
    }
}

/// The claims this module reads into typed fields; parsed without going through a map.
const KNOWN: [&str; 18] = [
    "sub",
    "iss",
    "token_use",
    "exp",
    "iat",
    "nbf",
    "auth_time",
    "client_id",
    "username",
    "aud",
    "cognito:username",
    "cognito:groups",
    "scope",
    "email_verified",
    "jti",
    "origin_jti",
    "event_id",
    "email",
];

/// A payload parsed in one pass: the known claims in fixed slots, every other claim in a map.
/// Saves allocating a key and a map entry per known claim (the uncached verification path).
struct Payload {
    known: [Option<Value>; KNOWN.len()],
    extra: Map<String, Value>,
}

impl Payload {
    /// Takes a claim out (later duplicates of a name have replaced earlier ones, as in a map).
    fn remove(&mut self, claim: &str) -> Option<Value> {
        match KNOWN.iter().position(|k| *k == claim) {
            Some(i) => self.known[i].take(),
            None => self.extra.remove(claim),
        }
    }

    /// Every claim not taken out yet.
    fn into_extra(self) -> Map<String, Value> {
        let mut extra = self.extra;
        for (name, value) in KNOWN.iter().zip(self.known) {
            if let Some(value) = value {
                extra.insert((*name).to_owned(), value);
            }
        }
        extra
    }
}

impl<'de> serde::Deserialize<'de> for Payload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Payload;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of claims")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Payload, A::Error> {
                let mut payload = Payload {
                    known: Default::default(),
                    extra: Map::new(),
                };
                while let Some(key) = access.next_key::<Key<'de>>()? {
                    let value: Value = access.next_value()?;
                    match KNOWN.iter().position(|k| *k == key.as_str()) {
                        Some(i) => payload.known[i] = Some(value),
                        None => {
                            payload.extra.insert(key.into_owned(), value);
                        }
                    }
                }
                Ok(payload)
            }
        }

        deserializer.deserialize_map(Visitor)
    }
}

/// A claim name, borrowed from the input when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }

    fn into_owned(self) -> String {
        match self {
            Key::Borrowed(s) => s.to_owned(),
            Key::Owned(s) => s,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claim name")
            }

            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<CognitoClaims, VerifyError> {
        CognitoClaims::from_payload(json.as_bytes())
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
