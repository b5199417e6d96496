//! Verified Cognito claims.

use std::fmt;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::VerifyError;
use crate::token_use::TokenUse;

mod payload;

/// The claims of a verified Cognito access or ID token.
///
/// The common claims have typed accessors; every other claim (including `custom:*`
/// attributes) is in [`extra`](Self::extra), and [`decode`](Self::decode) turns the whole
/// payload into a type of your own.
///
/// The claims borrow their text from the one decoded payload they keep, so a verification
/// allocates a handful of times rather than once per claim; [`extra`](Self::extra) is read
/// from the payload the first time it is asked for.
///
/// ```
/// # use sanctum_core::CognitoClaims;
/// fn greet(claims: &CognitoClaims) -> String {
///     let name = claims.username().unwrap_or(claims.sub());
///     if claims.has_group("admin") { format!("hello admin {name}") } else { format!("hello {name}") }
/// }
/// ```
#[derive(Clone)]
pub struct CognitoClaims {
    /// The decoded payload, a JSON object.
    raw: String,
    /// Unescaped copies of the strings written with escapes (rare); empty otherwise.
    unescaped: String,
    sub: Text,
    username: Option<Text>,
    client_id: Text,
    iss: Text,
    jti: Option<Text>,
    origin_jti: Option<Text>,
    event_id: Option<Text>,
    email: Option<Text>,
    /// The groups, then the scopes.
    lists: Vec<Text>,
    groups_len: usize,
    token_use: TokenUse,
    exp: u64,
    iat: Option<u64>,
    nbf: Option<u64>,
    auth_time: Option<u64>,
    email_verified: Option<bool>,
    extra: OnceLock<Map<String, Value>>,
}

/// Where a claim's text is: a range of the payload, or of the unescaped copies.
#[derive(Clone, Copy, Debug)]
enum Text {
    Raw { start: u32, len: u32 },
    Unescaped { start: u32, len: u32 },
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

    #[inline]
    fn text(&self, text: Text) -> &str {
        let (source, start, len) = match text {
            Text::Raw { start, len } => (&self.raw, start, len),
            Text::Unescaped { start, len } => (&self.unescaped, start, len),
        };
        let (start, len) = (start as usize, len as usize);
        // Ranges are made by `payload::read` on these very strings, at char boundaries.
        source.get(start..start + len).unwrap_or_default()
    }

    fn texts(&self, texts: &[Text]) -> impl ExactSizeIterator<Item = &str> + Clone {
        texts.iter().map(|&t| self.text(t))
    }

    /// The bytes of `text`, for comparing: what [`text`](Self::text) gives, without its two
    /// char-boundary checks (the ranges are at char boundaries).
    #[inline]
    fn bytes(&self, text: Text) -> &[u8] {
        let (source, start, len) = match text {
            Text::Raw { start, len } => (&self.raw, start, len),
            Text::Unescaped { start, len } => (&self.unescaped, start, len),
        };
        let (start, len) = (start as usize, len as usize);
        source
            .as_bytes()
            .get(start..start + len)
            .unwrap_or_default()
    }

    /// Whether one of `texts` is `wanted`.
    #[inline]
    fn any_is(&self, texts: &[Text], wanted: &str) -> bool {
        texts.iter().any(|&t| self.bytes(t) == wanted.as_bytes())
    }

    /// Whether the app client ([`client_id`](Self::client_id)) is one of `clients` (check 8).
    #[inline]
    pub(crate) fn client_is_one_of(&self, clients: &[String]) -> bool {
        let client = self.bytes(self.client_id);
        clients.iter().any(|c| c.as_bytes() == client)
    }

    /// `sub`: the user's stable id.
    #[must_use]
    #[inline]
    pub fn sub(&self) -> &str {
        self.text(self.sub)
    }

    /// The user name: `username` in access tokens, `cognito:username` in ID tokens.
    #[must_use]
    #[inline]
    pub fn username(&self) -> Option<&str> {
        self.username.map(|t| self.text(t))
    }

    /// `cognito:groups`; none when absent.
    pub fn groups(&self) -> impl ExactSizeIterator<Item = &str> + Clone {
        self.texts(&self.lists[..self.groups_len])
    }

    /// The space-separated `scope` claim, split; none when absent (ID tokens).
    pub fn scopes(&self) -> impl ExactSizeIterator<Item = &str> + Clone {
        self.texts(&self.lists[self.groups_len..])
    }

    /// `token_use`.
    #[must_use]
    pub fn token_use(&self) -> TokenUse {
        self.token_use
    }

    /// The app client: `client_id` of an access token, `aud` of an ID token.
    #[must_use]
    pub fn client_id(&self) -> &str {
        self.text(self.client_id)
    }

    /// `iss`.
    #[must_use]
    pub fn iss(&self) -> &str {
        self.text(self.iss)
    }

    /// `exp`, seconds since the epoch.
    #[must_use]
    pub fn exp(&self) -> u64 {
        self.exp
    }

    /// `iat`, seconds since the epoch.
    #[must_use]
    pub fn iat(&self) -> Option<u64> {
        self.iat
    }

    /// `nbf`, seconds since the epoch (Cognito does not send it; other issuers may).
    #[must_use]
    pub fn nbf(&self) -> Option<u64> {
        self.nbf
    }

    /// `auth_time`, seconds since the epoch.
    #[must_use]
    pub fn auth_time(&self) -> Option<u64> {
        self.auth_time
    }

    /// `jti`.
    #[must_use]
    pub fn jti(&self) -> Option<&str> {
        self.jti.map(|t| self.text(t))
    }

    /// `origin_jti`.
    #[must_use]
    pub fn origin_jti(&self) -> Option<&str> {
        self.origin_jti.map(|t| self.text(t))
    }

    /// `event_id`.
    #[must_use]
    pub fn event_id(&self) -> Option<&str> {
        self.event_id.map(|t| self.text(t))
    }

    /// `email` (ID tokens, when the client may read it).
    #[must_use]
    pub fn email(&self) -> Option<&str> {
        self.email.map(|t| self.text(t))
    }

    /// `email_verified`: a boolean, or the string `"true"`/`"false"` some servers send.
    #[must_use]
    pub fn email_verified(&self) -> Option<bool> {
        self.email_verified
    }

    /// Every claim without a typed accessor, `custom:*` attributes included (and the claims
    /// of the other token use: `aud` of an access token, `client_id` of an ID token...).
    /// Read from the payload on first use, then kept.
    #[must_use]
    pub fn extra(&self) -> &Map<String, Value> {
        self.extra
            .get_or_init(|| payload::extra(&self.raw, self.token_use))
    }

    /// `acr`, the authentication context class of the sign-in (Cognito's step-up), when it is
    /// a string.
    #[must_use]
    pub fn acr(&self) -> Option<&str> {
        self.claim("acr").and_then(Value::as_str)
    }

    /// `amr`, the authentication methods of the sign-in (`pwd`, `mfa`, ...); the strings of the
    /// array, none when absent or not an array.
    pub fn amr(&self) -> impl Iterator<Item = &str> {
        self.claim("amr")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// Whether the user is in `group`.
    #[must_use]
    #[inline]
    pub fn has_group(&self, group: &str) -> bool {
        self.any_is(&self.lists[..self.groups_len], group)
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
    #[inline]
    pub fn has_scope(&self, scope: &str) -> bool {
        self.any_is(&self.lists[self.groups_len..], scope)
    }

    /// A `custom:` attribute by its name without the prefix (`custom_attribute("tenant")` reads
    /// `custom:tenant`), when it is a string.
    #[must_use]
    pub fn custom_attribute(&self, name: &str) -> Option<&str> {
        self.extra()
            .iter()
            .find(|(k, _)| k.strip_prefix("custom:") == Some(name))
            .and_then(|(_, v)| v.as_str())
    }

    /// Any claim without a typed accessor, by its full name (see [`extra`](Self::extra)).
    #[must_use]
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.extra().get(name)
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

/// Two claims are equal when their payloads are: every claim, typed or not, comes from it.
impl PartialEq for CognitoClaims {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for CognitoClaims {}

impl fmt::Debug for CognitoClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Claims are not secret, but the raw payload is left out to keep logs short.
        f.debug_struct("CognitoClaims")
            .field("sub", &self.sub())
            .field("username", &self.username())
            .field("groups", &self.groups().collect::<Vec<_>>())
            .field("scopes", &self.scopes().collect::<Vec<_>>())
            .field("token_use", &self.token_use)
            .field("client_id", &self.client_id())
            .field("iss", &self.iss())
            .field("exp", &self.exp)
            .field("iat", &self.iat)
            .field("auth_time", &self.auth_time)
            .field("jti", &self.jti())
            .field("email", &self.email())
            .field("email_verified", &self.email_verified)
            .field("extra", self.extra())
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
        assert_eq!(c.token_use(), TokenUse::Access);
        assert_eq!(c.username(), Some("alice"));
        assert_eq!(c.groups().collect::<Vec<_>>(), ["admin", "ops"]);
        assert_eq!(
            c.scopes().collect::<Vec<_>>(),
            ["aws.cognito.signin.user.admin", "orders/read"]
        );
        assert_eq!((c.exp(), c.iat(), c.auth_time()), (10, Some(5), Some(4)));
        assert_eq!(c.client_id(), "c1");
        assert_eq!(c.jti(), Some("j"));
        assert_eq!(c.origin_jti(), Some("o"));
        assert_eq!(c.event_id(), Some("e"));
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
        assert_eq!(c.token_use(), TokenUse::Id);
        assert_eq!(c.client_id(), "c1");
        assert_eq!(c.username(), Some("bob"));
        assert_eq!(c.email_verified(), Some(true));
        assert!(c.groups().len() == 0 && c.scopes().len() == 0);
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
            (c.exp(), c.nbf(), c.iat(), c.auth_time()),
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
        assert_eq!(c.sub(), "last", "a repeated claim keeps its last value");
        assert_eq!(c.claim("aud"), Some(&Value::from("x")));
        assert_eq!(c.claim("cognito:username"), Some(&Value::from("y")));
        assert_eq!(c.claim("escaped"), Some(&Value::from(1)));
        assert_eq!(c.username(), None);
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
