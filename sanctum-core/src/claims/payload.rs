//! Reading a payload in one pass: the claims sanctum types are read straight into their slots
//! (strings borrowed from the payload until they are kept, arrays of strings collected
//! directly), every other claim into a JSON map. This is most of the cost of an uncached
//! verification besides the signature, so it avoids building a JSON value per claim.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess};
use serde_json::{Map, Value};

use super::{CognitoClaims, ExpectedUse, TokenUse};
use crate::error::{VerifyError, clip};

/// Reads the claims of a payload, kept whole in `raw` for [`CognitoClaims::decode`].
pub(super) fn read(raw: String) -> Result<CognitoClaims, VerifyError> {
    let mut p: Payload<'_> = serde_json::from_str(&raw).map_err(|_| VerifyError::Malformed {
        reason: "payload is not a JSON object",
    })?;

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
    let sub =
        owned(string(p.sub.take(), "sub")?).ok_or(VerifyError::MissingClaim { claim: "sub" })?;
    let iss =
        owned(string(p.iss.take(), "iss")?).ok_or(VerifyError::MissingClaim { claim: "iss" })?;
    // Fractions round toward the safe side: `exp` down (earlier), `nbf`/`iat` up (later).
    let exp = time(p.exp.take(), "exp", Round::Down)?
        .ok_or(VerifyError::MissingClaim { claim: "exp" })?;
    let iat = time(p.iat.take(), "iat", Round::Up)?;
    let nbf = time(p.nbf.take(), "nbf", Round::Up)?;
    let auth_time = time(p.auth_time.take(), "auth_time", Round::Down)?;

    let (client_id, username) = match token_use {
        TokenUse::Access => (
            value_string(p.client_id.take(), "client_id")?
                .ok_or(VerifyError::MissingClaim { claim: "client_id" })?,
            value_string(p.username.take(), "username")?,
        ),
        TokenUse::Id => (
            audience(p.aud.take())?,
            value_string(p.cognito_username.take(), "cognito:username")?,
        ),
    };
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
    let scopes = string(p.scope.take(), "scope")?
        .map(|s| s.split_ascii_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
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
    let jti = owned(string(p.jti.take(), "jti")?);
    let origin_jti = owned(string(p.origin_jti.take(), "origin_jti")?);
    let event_id = owned(string(p.event_id.take(), "event_id")?);
    let email = owned(string(p.email.take(), "email")?);
    let extra = p.into_extra();

    Ok(CognitoClaims {
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
        jti,
        origin_jti,
        event_id,
        email,
        email_verified,
        extra,
        raw,
    })
}

fn owned(s: Option<Cow<'_, str>>) -> Option<String> {
    s.map(Cow::into_owned)
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

fn value_string(value: Option<Value>, claim: &'static str) -> Result<Option<String>, VerifyError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
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
fn audience(value: Option<Value>) -> Result<String, VerifyError> {
    match value {
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

/// A claim's value as far as a typed field needs it. Every claim read this way is refused
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
    Strings(Vec<String>),
    /// Any other array, or an object.
    Other,
}

/// The claims of one payload. A repeated claim keeps its last value, as in a JSON map.
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
    // Read for one token use only; kept as JSON so the other use finds them in `extra`.
    client_id: Option<Value>,
    username: Option<Value>,
    aud: Option<Value>,
    cognito_username: Option<Value>,
    extra: Map<String, Value>,
}

impl Payload<'_> {
    /// Every claim not held in a typed field: the rest, and the token-use-specific claims the
    /// token's use did not read.
    fn into_extra(self) -> Map<String, Value> {
        let mut extra = self.extra;
        for (name, value) in [
            ("client_id", self.client_id),
            ("username", self.username),
            ("aud", self.aud),
            ("cognito:username", self.cognito_username),
        ] {
            if let Some(value) = value {
                extra.insert(name.to_owned(), value);
            }
        }
        extra
    }
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
                    let typed = match key.as_str() {
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
                        other => {
                            let slot = match other {
                                "client_id" => &mut p.client_id,
                                "username" => &mut p.username,
                                "aud" => &mut p.aud,
                                "cognito:username" => &mut p.cognito_username,
                                _ => {
                                    let value = access.next_value()?;
                                    p.extra.insert(key.into_owned(), value);
                                    continue;
                                }
                            };
                            *slot = Some(access.next_value()?);
                            continue;
                        }
                    };
                    *typed = Some(access.next_value()?);
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
                while let Some(item) = seq.next_element::<Element>()? {
                    match item {
                        Element::String(s) => strings.push(s),
                        Element::Other => {
                            while seq.next_element::<IgnoredAny>()?.is_some() {}
                            return Ok(Lite::Other);
                        }
                    }
                }
                Ok(Lite::Strings(strings))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lite<'de>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Lite::Other)
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

/// An array element: a string, or anything else (skipped).
enum Element {
    String(String),
    Other,
}

impl<'de> de::Deserialize<'de> for Element {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Element;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Element, E> {
                Ok(Element::String(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Element, E> {
                Ok(Element::String(v))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Element, E> {
                Ok(Element::Other)
            }

            fn visit_none<E: de::Error>(self) -> Result<Element, E> {
                Ok(Element::Other)
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Element, E> {
                Ok(Element::Other)
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Element, E> {
                Ok(Element::Other)
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Element, E> {
                Ok(Element::Other)
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Element, E> {
                Ok(Element::Other)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Element, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Element::Other)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Element, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Element::Other)
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

    fn into_owned(self) -> String {
        match self {
            Key::Borrowed(s) => s.to_owned(),
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
        assert_eq!(c.username.as_deref(), Some("alice"));
        assert_eq!(c.jti.as_deref(), Some("a\"b"));
        assert_eq!(c.scopes, ["x", "y"]);
        assert_eq!(c.groups, ["gé"]);
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
        assert!(with(r#""cognito:groups":[]"#).unwrap().groups.is_empty());
        assert!(with(r#""cognito:groups":null"#).unwrap().groups.is_empty());
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
        assert_eq!(parse(json).unwrap().exp, 0);
        let json = r#"{"sub":"s","token_use":"access","client_id":"c","iss":"i","exp":1.5e9}"#;
        assert_eq!(parse(json).unwrap().exp, 1_500_000_000);
    }

    #[test]
    fn a_repeated_claim_keeps_its_last_value_whatever_the_first_was() {
        assert_eq!(
            with(r#""jti":5,"jti":"ok""#).unwrap().jti.as_deref(),
            Some("ok")
        );
        assert_eq!(invalid_claim(with(r#""jti":"ok","jti":5"#)), "jti");
        let c = with(r#""cognito:groups":[1],"cognito:groups":["a"]"#).unwrap();
        assert_eq!(c.groups, ["a"]);
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
        assert_eq!(id.client_id, "c");
        assert_eq!(id.claim("client_id"), Some(&Value::from(7)));
        assert_eq!(id.claim("username"), Some(&Value::Null));
    }

    #[test]
    fn email_verified_reads_booleans_and_their_strings_only() {
        assert_eq!(
            with(r#""email_verified":false"#).unwrap().email_verified,
            Some(false)
        );
        assert_eq!(
            with(r#""email_verified":"false""#).unwrap().email_verified,
            Some(false)
        );
        assert_eq!(
            with(r#""email_verified":null"#).unwrap().email_verified,
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
