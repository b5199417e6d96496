//! Finding secrets in text: Debug output, error messages, captured logs.
#![allow(dead_code, unreachable_pub)]

/// A secret counts as shown when it appears whole, or when any 24 consecutive characters of
/// it do (a clipped or partly printed secret still gives it away). Shorter secrets must appear
/// whole.
pub const WINDOW: usize = 24;

/// The first part of `secret` found in `text`, if any.
pub fn shown_part<'s>(text: &str, secret: &'s str) -> Option<&'s str> {
    assert!(!secret.is_empty(), "an empty secret is in every text");
    if text.contains(secret) {
        return Some(secret);
    }
    if secret.len() <= WINDOW || !secret.is_ascii() {
        return None;
    }
    window_shown(text, secret)
}

fn window_shown<'s>(text: &str, secret: &'s str) -> Option<&'s str> {
    (0..=secret.len() - WINDOW)
        .map(|start| &secret[start..start + WINDOW])
        .find(|window| text.contains(window))
}

/// A named secret: what it is (for the failure message) and its value.
#[derive(Debug, Clone)]
pub struct Secret {
    pub what: String,
    pub value: String,
    /// Whether any [`WINDOW`] characters of it count (else only the whole value).
    pub windowed: bool,
}

impl Secret {
    /// A secret found whole or by any [`WINDOW`] characters.
    pub fn new(what: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            value: value.into(),
            windowed: true,
        }
    }

    /// A secret found only whole: for a token, whose header and payload segments share long
    /// runs with every other token of its issuer (same claims in the same order).
    pub fn whole(what: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            windowed: false,
            ..Self::new(what, value)
        }
    }
}

/// A token as secrets: whole, and its signature by any [`WINDOW`] characters (the signature
/// is what makes a token usable, and no two tokens share a run of it).
pub fn token_secrets(what: &str, token: &str) -> Vec<Secret> {
    let mut secrets = vec![Secret::whole(what, token)];
    if let Some(signature) = token.rsplit('.').next().filter(|s| !s.is_empty()) {
        secrets.push(Secret::new(format!("{what} signature"), signature));
    }
    secrets
}

/// The secrets of `secrets` that `text` shows, with the part found.
pub fn shown<'s>(text: &str, secrets: &'s [Secret]) -> Vec<(&'s str, &'s str)> {
    secrets
        .iter()
        .filter_map(|s| {
            let part = if s.windowed {
                shown_part(text, &s.value)
            } else {
                text.contains(s.value.as_str()).then_some(s.value.as_str())
            };
            part.map(|part| (s.what.as_str(), part))
        })
        .collect()
}

/// Panics naming every secret `text` (described by `context`) shows, with the lines that show
/// them (at most 20).
pub fn assert_none_shown(context: &str, text: &str, secrets: &[Secret]) {
    let found = shown(text, secrets);
    if found.is_empty() {
        return;
    }
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| found.iter().any(|(_, part)| line.contains(part)))
        .take(20)
        .collect();
    panic!(
        "{context} shows secrets {found:?} in these lines:\n{}",
        lines.join("\n")
    );
}

/// Checks `{:?}` and `{:#?}` of `value`: none of `secrets` shows, and `visible` does (so the
/// check looks at real output, not an empty string).
pub fn assert_debug_hides(
    context: &str,
    value: &impl std::fmt::Debug,
    visible: &str,
    secrets: &[Secret],
) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        assert!(
            text.contains(visible),
            "{context}: Debug output lacks {visible:?}: {text}"
        );
        assert_none_shown(context, &text, secrets);
    }
}

#[test]
fn a_secret_shows_whole_or_by_any_window() {
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MX0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";
    assert_eq!(shown_part("a token: <redacted>", token), None);
    assert!(shown_part(&format!("x{token}y"), token).is_some());
    assert!(shown_part(&format!("clipped {}…", &token[..40]), token).is_some());
    assert!(shown_part(&format!("tail {}", &token[token.len() - 30..]), token).is_some());
    assert_eq!(shown_part(&token[..WINDOW - 1], token), None);
    assert!(shown_part("pw: hunter2", "hunter2").is_some());
    assert_eq!(shown_part("pw: hunter", "hunter2"), None);
}
