//! Reading a payload in one pass: the claims sanctum types are read straight into their slots,
//! their text left where it is in the payload (only strings written with escapes are copied),
//! and every other claim is checked to be JSON and skipped; [`extra`] reads those later, on
//! demand. This is most of the cost of an uncached verification besides the signature, so it
//! allocates as little as it can.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess};
use serde_json::{Map, Value};

use super::{CognitoClaims, Text};
use crate::error::{VerifyError, clip};
use crate::token_use::{ExpectedUse, TokenUse};

/// The claims with a typed accessor, whatever the token's use.
const TYPED: [&str; 14] = [
    "token_use",
    "sub",
    "iss",
    "exp",
    "iat",
    "nbf",
    "auth_time",
    "cognito:groups",
    "scope",
    "email_verified",
    "jti",
    "origin_jti",
    "event_id",
    "email",
];

/// The claims with a typed accessor for one token use: the other use's stay in `extra`.
fn typed_for(token_use: TokenUse) -> [&'static str; 2] {
    match token_use {
        TokenUse::Access => ["client_id", "username"],
        TokenUse::Id => ["aud", "cognito:username"],
    }
}

/// Reads the claims of a payload, kept whole in `raw` for [`CognitoClaims::decode`].
pub(super) fn read(raw: String) -> Result<CognitoClaims, VerifyError> {
    let mut p: Payload<'_> = serde_json::from_str(&raw).map_err(|_| VerifyError::Malformed {
        reason: "payload is not a JSON object",
    })?;
    let mut texts = Texts {
        base: &raw,
        unescaped: String::new(),
    };

    let token_use = match string(p.token_use.take(), "token_use")? {
        Some(s) if s == "access" => TokenUse::Access,
        Some(s) if s == "id" => TokenUse::Id,
        Some(s) => {
            return Err(VerifyError::WrongTokenUse {
                expected: ExpectedUse::Either,
                found: clip(&s),
            });
        }
        None => return Err(VerifyError::MissingClaim { claim: "token_use" }),
    };
    let sub = string(p.sub.take(), "sub")?.ok_or(VerifyError::MissingClaim { claim: "sub" })?;
    let sub = texts.add(sub)?;
    let iss = string(p.iss.take(), "iss")?.ok_or(VerifyError::MissingClaim { claim: "iss" })?;
    let iss = texts.add(iss)?;
    // Fractions round toward the safe side: `exp` down (earlier), `nbf`/`iat` up (later).
    let exp = time(p.exp.take(), "exp", Round::Down)?
        .ok_or(VerifyError::MissingClaim { claim: "exp" })?;
    let iat = time(p.iat.take(), "iat", Round::Up)?;
    let nbf = time(p.nbf.take(), "nbf", Round::Up)?;
    let auth_time = time(p.auth_time.take(), "auth_time", Round::Down)?;

    let (client_id, username) = match token_use {
        TokenUse::Access => (
            string(p.client_id.take(), "client_id")?
                .ok_or(VerifyError::MissingClaim { claim: "client_id" })?,
            string(p.username.take(), "username")?,
        ),
        TokenUse::Id => (
            audience(p.aud.take())?,
            string(p.cognito_username.take(), "cognito:username")?,
        ),
    };
    let client_id = texts.add(client_id)?;
    let username = texts.add_option(username)?;
    let groups = match p.groups.take() {
        None | Some(Lite::Null) => Vec::new(),
        Some(Lite::Strings(groups)) => groups,
        Some(_) => {
            return Err(VerifyError::InvalidClaim {
                claim: "cognito:groups",
                reason: "not an array of strings",
            });
        }
    };
    let scope = string(p.scope.take(), "scope")?;
    let email_verified = match p.email_verified.take() {
        None | Some(Lite::Null) => None,
        Some(Lite::Bool(b)) => Some(b),
        Some(Lite::Str(s)) if s == "true" => Some(true),
        Some(Lite::Str(s)) if s == "false" => Some(false),
        Some(_) => {
            return Err(VerifyError::InvalidClaim {
                claim: "email_verified",
                reason: "not a boolean",
            });
        }
    };
    let jti = texts.add_option(string(p.jti.take(), "jti")?)?;
    let origin_jti = texts.add_option(string(p.origin_jti.take(), "origin_jti")?)?;
    let event_id = texts.add_option(string(p.event_id.take(), "event_id")?)?;
    let email = texts.add_option(string(p.email.take(), "email")?)?;

    let mut lists = Vec::with_capacity(groups.len() + scope.as_ref().map_or(0, |_| 8));
    for group in groups {
        lists.push(texts.add(group)?);
    }
    let groups_len = lists.len();
    if let Some(scope) = scope {
        for one in scope.split_ascii_whitespace() {
            let one = match &scope {
                // a piece of a borrowed string is borrowed from the payload too
                Cow::Borrowed(_) => Cow::Borrowed(one),
                Cow::Owned(_) => Cow::Owned(one.to_owned()),
            };
            lists.push(texts.add(one)?);
        }
    }
    let unescaped = texts.unescaped;

    Ok(CognitoClaims {
        raw,
        unescaped,
        sub,
        username,
        client_id,
        iss,
        jti,
        origin_jti,
        event_id,
        email,
        lists,
        groups_len,
        token_use,
        exp,
        iat,
        nbf,
        auth_time,
        email_verified,
        extra: std::sync::OnceLock::new(),
    })
}

/// The claims without a typed accessor (for this token's use), read from a payload that
/// [`read`] accepted.
pub(super) fn extra(raw: &str, token_use: TokenUse) -> Map<String, Value> {
    let mut map: Map<String, Value> = serde_json::from_str(raw).unwrap_or_default();
    for name in TYPED.iter().chain(&typed_for(token_use)) {
        map.remove(*name);
    }
    map
}

/// Claim text as ranges: of the payload when the text is there as is, of `unescaped` when it
/// was written with escapes.
struct Texts<'r> {
    base: &'r str,
    unescaped: String,
}

impl Texts<'_> {
    #[inline]
    fn add(&mut self, text: Cow<'_, str>) -> Result<Text, VerifyError> {
        if let Cow::Borrowed(part) = text
            && let Some(start) = part
                .as_ptr()
                .addr()
                .checked_sub(self.base.as_ptr().addr())
                .filter(|start| start + part.len() <= self.base.len())
        {
            return Ok(Text::Raw {
                start: to_u32(start)?,
                len: to_u32(part.len())?,
            });
        }
        let start = self.unescaped.len();
        self.unescaped.push_str(&text);
        Ok(Text::Unescaped {
            start: to_u32(start)?,
            len: to_u32(text.len())?,
        })
    }

    #[inline]
    fn add_option(&mut self, text: Option<Cow<'_, str>>) -> Result<Option<Text>, VerifyError> {
        text.map(|t| self.add(t)).transpose()
    }
}

fn to_u32(n: usize) -> Result<u32, VerifyError> {
    u32::try_from(n).map_err(|_| VerifyError::Malformed {
        reason: "payload is larger than 4 GiB",
    })
}

fn string<'de>(
    value: Option<Lite<'de>>,
    claim: &'static str,
) -> Result<Option<Cow<'de, str>>, VerifyError> {
    match value {
        None => Ok(None),
        Some(Lite::Str(s)) => Ok(Some(s)),
        Some(_) => Err(VerifyError::InvalidClaim {
            claim,
            reason: "not a string",
        }),
    }
}

/// Which way a fractional NumericDate is rounded to whole seconds.
#[derive(Clone, Copy)]
enum Round {
    Down,
    Up,
}

/// A NumericDate: a non-negative JSON number; fractions (which RFC 7519 allows) are rounded.
fn time(
    value: Option<Lite<'_>>,
    claim: &'static str,
    round: Round,
) -> Result<Option<u64>, VerifyError> {
    match value {
        None => Ok(None),
        Some(Lite::U64(v)) => Ok(Some(v)),
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some(Lite::F64(f)) if (0.0..1.0e19).contains(&f) => Ok(Some(match round {
            Round::Down => f.floor() as u64,
            Round::Up => f.ceil() as u64,
        })),
        Some(_) => Err(VerifyError::InvalidClaim {
            claim,
            reason: "not a non-negative number of seconds",
        }),
    }
}

/// `aud` of an ID token: Cognito sends one string; a one-element array is accepted too.
fn audience(value: Option<Lite<'_>>) -> Result<Cow<'_, str>, VerifyError> {
    match value {
        Some(Lite::Str(s)) => Ok(s),
        Some(Lite::Strings(mut items)) if items.len() == 1 => items
            .pop()
            .ok_or(VerifyError::MissingClaim { claim: "aud" }),
        Some(_) => Err(VerifyError::InvalidClaim {
            claim: "aud",
            reason: "not a string or a one-element array of strings",
        }),
        None => Err(VerifyError::MissingClaim { claim: "aud" }),
    }
}

/// A claim's value as far as a typed accessor needs it. Every claim read this way is refused
/// when it has another type, so nothing else about a wrong value is kept.
enum Lite<'de> {
    Null,
    Bool(bool),
    U64(u64),
    /// A negative integer: never a valid time, email_verified or string.
    I64,
    F64(f64),
    Str(Cow<'de, str>),
    /// An array whose elements are all strings.
    Strings(Vec<Cow<'de, str>>),
    /// Any other array, or an object.
    Other,
}

/// The typed claims of one payload. A repeated claim keeps its last value, as in a JSON map.
#[derive(Default)]
struct Payload<'de> {
    token_use: Option<Lite<'de>>,
    sub: Option<Lite<'de>>,
    iss: Option<Lite<'de>>,
    exp: Option<Lite<'de>>,
    iat: Option<Lite<'de>>,
    nbf: Option<Lite<'de>>,
    auth_time: Option<Lite<'de>>,
    groups: Option<Lite<'de>>,
    scope: Option<Lite<'de>>,
    email_verified: Option<Lite<'de>>,
    jti: Option<Lite<'de>>,
    origin_jti: Option<Lite<'de>>,
    event_id: Option<Lite<'de>>,
    email: Option<Lite<'de>>,
    client_id: Option<Lite<'de>>,
    username: Option<Lite<'de>>,
    aud: Option<Lite<'de>>,
    cognito_username: Option<Lite<'de>>,
}

impl<'de> de::Deserialize<'de> for Payload<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Payload<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of claims")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Payload<'de>, A::Error> {
                let mut p = Payload::default();
                while let Some(key) = access.next_key::<Key<'de>>()? {
                    let slot = match key.as_str() {
                        "token_use" => &mut p.token_use,
                        "sub" => &mut p.sub,
                        "iss" => &mut p.iss,
                        "exp" => &mut p.exp,
                        "iat" => &mut p.iat,
                        "nbf" => &mut p.nbf,
                        "auth_time" => &mut p.auth_time,
                        "cognito:groups" => &mut p.groups,
                        "scope" => &mut p.scope,
                        "email_verified" => &mut p.email_verified,
                        "jti" => &mut p.jti,
                        "origin_jti" => &mut p.origin_jti,
                        "event_id" => &mut p.event_id,
                        "email" => &mut p.email,
                        "client_id" => &mut p.client_id,
                        "username" => &mut p.username,
                        "aud" => &mut p.aud,
                        "cognito:username" => &mut p.cognito_username,
                        // read later by `extra`, if ever; checked now to be JSON all the same
                        _ => {
                            access.next_value::<Skip>()?;
                            continue;
                        }
                    };
                    *slot = Some(access.next_value()?);
                }
                Ok(p)
            }
        }

        deserializer.deserialize_map(Visitor)
    }
}

impl<'de> de::Deserialize<'de> for Lite<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Lite<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Lite<'de>, E> {
                Ok(Lite::Null)
            }

            fn visit_none<E: de::Error>(self) -> Result<Lite<'de>, E> {
                Ok(Lite::Null)
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Lite<'de>, E> {
                Ok(Lite::Bool(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lite<'de>, E> {
                Ok(Lite::U64(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lite<'de>, E> {
                Ok(u64::try_from(v).map_or(Lite::I64, Lite::U64))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lite<'de>, E> {
                Ok(Lite::F64(v))
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Lite<'de>, E> {
                Ok(Lite::Str(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Lite<'de>, E> {
                Ok(Lite::Str(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Lite<'de>, E> {
                Ok(Lite::Str(Cow::Owned(v)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lite<'de>, A::Error> {
                let mut strings = Vec::new();
                while let Some(item) = seq.next_element::<Lite<'de>>()? {
                    match item {
                        Lite::Str(s) => strings.push(s),
                        _ => {
                            while seq.next_element::<Skip>()?.is_some() {}
                            return Ok(Lite::Other);
                        }
                    }
                }
                Ok(Lite::Strings(strings))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lite<'de>, A::Error> {
                while map.next_entry::<Skip, Skip>()?.is_some() {}
                Ok(Lite::Other)
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

/// Any JSON value, read and dropped without keeping anything. Read as a `serde_json::Value`
/// would be (numbers parsed, so one out of range is refused alike), which keeps [`extra`]
/// infallible on an accepted payload.
struct Skip;

impl<'de> de::Deserialize<'de> for Skip {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Skip;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_none<E: de::Error>(self) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
                Ok(Skip)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
                while seq.next_element::<Skip>()?.is_some() {}
                Ok(Skip)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
                while map.next_entry::<Skip, Skip>()?.is_some() {}
                Ok(Skip)
            }
        }

        deserializer.deserialize_any(Visitor)
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
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claim name")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
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
        read(json.to_owned())
    }

    const BASE: &str = r#""sub":"s","token_use":"access","client_id":"c","iss":"i","exp":10"#;

    fn with(extra: &str) -> Result<CognitoClaims, VerifyError> {
        parse(&format!("{{{BASE},{extra}}}"))
    }

    fn invalid_claim(result: Result<CognitoClaims, VerifyError>) -> &'static str {
        match result {
            Err(VerifyError::InvalidClaim { claim, .. }) => claim,
            other => panic!("expected InvalidClaim, got {other:?}"),
        }
    }

    #[test]
    fn escaped_strings_are_unescaped_in_typed_fields() {
        let c = with(
            r#""username":"al\u0069ce","jti":"a\"b","scope":"x\ty","cognito:groups":["g\u00e9"]"#,
        )
        .unwrap();
        assert_eq!(c.username(), Some("alice"));
        assert_eq!(c.jti(), Some("a\"b"));
        assert_eq!(c.scopes().collect::<Vec<_>>(), ["x", "y"]);
        assert_eq!(c.groups().collect::<Vec<_>>(), ["gé"]);
    }

    #[test]
    fn groups_must_be_strings_however_deep_the_other_elements_are() {
        for groups in [
            r#"["a",1]"#,
            r#"["a",["b"],"c"]"#,
            r#"[{"a":"b"}]"#,
            r#"[null]"#,
            "{}",
            "true",
        ] {
            assert_eq!(
                invalid_claim(with(&format!(r#""cognito:groups":{groups}"#))),
                "cognito:groups",
                "{groups}"
            );
        }
        assert!(with(r#""cognito:groups":[]"#).unwrap().groups().len() == 0);
        assert!(with(r#""cognito:groups":null"#).unwrap().groups().len() == 0);
    }

    #[test]
    fn times_are_non_negative_numbers() {
        for exp in ["-1", "-0.5", "1e19", "\"10\"", "null", "true", "[10]"] {
            let json = format!(
                r#"{{"sub":"s","token_use":"access","client_id":"c","iss":"i","exp":{exp}}}"#
            );
            assert_eq!(invalid_claim(parse(&json)), "exp", "{exp}");
        }
        // -0 is zero; a big float rounds down.
        let json = r#"{"sub":"s","token_use":"access","client_id":"c","iss":"i","exp":-0}"#;
        assert_eq!(parse(json).unwrap().exp(), 0);
        let json = r#"{"sub":"s","token_use":"access","client_id":"c","iss":"i","exp":1.5e9}"#;
        assert_eq!(parse(json).unwrap().exp(), 1_500_000_000);
    }

    #[test]
    fn a_repeated_claim_keeps_its_last_value_whatever_the_first_was() {
        assert_eq!(with(r#""jti":5,"jti":"ok""#).unwrap().jti(), Some("ok"));
        assert_eq!(invalid_claim(with(r#""jti":"ok","jti":5"#)), "jti");
        let c = with(r#""cognito:groups":[1],"cognito:groups":["a"]"#).unwrap();
        assert_eq!(c.groups().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn claims_of_the_other_token_use_are_kept_whatever_their_type() {
        let c = with(r#""aud":5,"cognito:username":["x"],"nested":{"a":[1,{"b":null}]}"#).unwrap();
        assert_eq!(c.claim("aud"), Some(&Value::from(5)));
        assert_eq!(c.claim("cognito:username"), Some(&serde_json::json!(["x"])));
        assert_eq!(
            c.claim("nested"),
            Some(&serde_json::json!({"a":[1,{"b":null}]}))
        );
        let id = parse(r#"{"sub":"s","token_use":"id","aud":["c"],"iss":"i","exp":1,"client_id":7,"username":null}"#)
            .unwrap();
        assert_eq!(id.client_id(), "c");
        assert_eq!(id.claim("client_id"), Some(&Value::from(7)));
        assert_eq!(id.claim("username"), Some(&Value::Null));
    }

    #[test]
    fn email_verified_reads_booleans_and_their_strings_only() {
        assert_eq!(
            with(r#""email_verified":false"#).unwrap().email_verified(),
            Some(false)
        );
        assert_eq!(
            with(r#""email_verified":"false""#)
                .unwrap()
                .email_verified(),
            Some(false)
        );
        assert_eq!(
            with(r#""email_verified":null"#).unwrap().email_verified(),
            None
        );
        for v in ["1", "\"True\"", "[true]", "{}"] {
            assert_eq!(
                invalid_claim(with(&format!(r#""email_verified":{v}"#))),
                "email_verified"
            );
        }
    }

    #[test]
    fn anything_but_one_json_object_is_malformed() {
        for json in [
            "",
            "[]",
            "\"s\"",
            "{",
            &format!("{{{BASE}}} {{}}"),
            "{\"a\":1,}",
        ] {
            assert!(
                matches!(parse(json), Err(VerifyError::Malformed { .. })),
                "{json}"
            );
        }
    }
}

#[cfg(test)]
mod lazy_tests {
    use super::*;

    fn parse(json: &str) -> CognitoClaims {
        read(json.to_owned()).expect("valid claims")
    }

    #[test]
    fn text_is_borrowed_from_the_payload_unless_escaped() {
        let c = parse(
            r#"{"sub":"s\u00e9","token_use":"access","client_id":"c","iss":"i","exp":1,
                "scope":"a\/b c","cognito:groups":["g","h\u0021"],"username":"plain"}"#,
        );
        assert_eq!(c.sub(), "sé");
        assert_eq!(c.scopes().collect::<Vec<_>>(), ["a/b", "c"]);
        assert_eq!(c.groups().collect::<Vec<_>>(), ["g", "h!"]);
        assert_eq!(c.username(), Some("plain"));
        // only the escaped strings were copied
        assert_eq!(c.unescaped, "séh!a/bc");
        assert!(matches!(c.username, Some(Text::Raw { .. })));
    }

    /// Membership and the client check compare bytes: of the payload as is, or of the
    /// unescaped copies, never the escaped spelling.
    #[test]
    fn groups_scopes_and_client_compare_the_unescaped_text() {
        let c = parse(
            r#"{"sub":"s","token_use":"access","client_id":"c1","iss":"i","exp":1,
                "scope":"a\/b c","cognito:groups":["g","h!","admin"]}"#,
        );
        assert!(c.has_group("g") && c.has_group("h!") && c.has_group("admin"));
        assert!(!c.has_group(r"h\u0021") && !c.has_group("h") && !c.has_group("admin "));
        assert!(!c.has_group("a/b"), "a scope is not a group");
        assert!(c.has_scope("a/b") && c.has_scope("c"));
        assert!(!c.has_scope(r"a\/b") && !c.has_scope("g"));
        assert!(c.client_is_one_of(&["x".to_owned(), "c1".to_owned()]));
        assert!(!c.client_is_one_of(&[r"c\u0031".to_owned(), "c".to_owned()]));
        assert!(!c.client_is_one_of(&[]));
    }

    #[test]
    fn extra_is_read_on_demand_and_keeps_every_untyped_claim() {
        let c = parse(
            r#"{"sub":"s","token_use":"access","client_id":"c","iss":"i","exp":1,
                "custom:tenant":"acme","aud":"x","n":{"deep":[1,2]},"custom:tenant":"last"}"#,
        );
        assert!(c.extra.get().is_none(), "not read during verification");
        assert_eq!(c.custom_attribute("tenant"), Some("last"));
        assert_eq!(c.claim("aud"), Some(&Value::from("x")));
        assert_eq!(c.claim("n"), Some(&serde_json::json!({"deep":[1,2]})));
        let names: Vec<&str> = c.extra().keys().map(String::as_str).collect();
        assert_eq!(names, ["aud", "custom:tenant", "n"]);
    }

    #[test]
    fn an_untyped_claim_is_still_checked_to_be_json() {
        for bad in [r#""n":1e400"#, r#""n":[1,}"#, r#""n":"\x""#] {
            let json = format!(
                r#"{{"sub":"s","token_use":"access","client_id":"c","iss":"i","exp":1,{bad}}}"#
            );
            assert!(
                matches!(read(json.clone()), Err(VerifyError::Malformed { .. })),
                "{json}"
            );
        }
    }

    #[test]
    fn claims_compare_by_payload_and_debug_shows_the_typed_ones() {
        let json = r#"{"sub":"s","token_use":"id","aud":["c"],"iss":"i","exp":1,"email":"e@x"}"#;
        let (a, b) = (parse(json), parse(json));
        let _ = a.extra();
        assert_eq!(a, b, "reading extra does not change equality");
        assert_ne!(a, parse(&json.replace("e@x", "f@x")));
        let debug = format!("{a:?}");
        assert!(debug.contains(r#"client_id: "c""#) && debug.contains(r#"email: Some("e@x")"#));
    }
}
