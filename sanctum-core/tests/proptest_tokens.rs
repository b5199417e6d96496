//! Property tests of the verifier.
//!
//! - No input panics it or verifies: arbitrary text, arbitrary bytes (as text), dotted base64.
//! - No change to a valid token verifies: every generated mutation is a real change (the
//!   replacement is drawn from the alphabet without the byte it replaces, at distinct
//!   positions), so every case checks something; none is discarded.
//! - Valid tokens with arbitrary claims verify, and every claim reads back exactly.
//!
//! One issuer and one verifier with a fixed JWKS serve all cases: no case touches the network.
#![allow(missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use sanctum_core::testing::TestIssuer;
use sanctum_core::{CognitoClaims, ExpectedUse, TokenUse, Verifier};
use serde_json::Value;

/// What a well-formed token is made of: base64url and the dots between the segments.
const ALPHABET: &[u8; 65] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

struct Fixture {
    runtime: tokio::runtime::Runtime,
    verifier: Verifier,
    token: String,
    issuer: TestIssuer,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let issuer = runtime.block_on(TestIssuer::start()).expect("issuer");
        let verifier = Verifier::builder()
            .pool(issuer.user_pool().with_jwks_document(issuer.jwks_json()))
            .build()
            .expect("verifier");
        let token = issuer.access_token().groups(["admin"]).build();
        runtime
            .block_on(verifier.verify(&token, ExpectedUse::Access))
            .expect("the original token is valid");
        Fixture {
            runtime,
            verifier,
            token,
            issuer,
        }
    })
}

fn verify(token: &str) -> Result<std::sync::Arc<CognitoClaims>, sanctum_core::VerifyError> {
    let f = fixture();
    f.runtime
        .block_on(f.verifier.verify(token, ExpectedUse::Either))
}

fn verifies(token: &str) -> bool {
    verify(token).is_ok()
}

/// The token with the byte at each of `edits`' distinct positions replaced by one of
/// `others(byte there)`, none of which is the byte it replaces.
fn substituted(
    original: &str,
    edits: &BTreeMap<usize, Index>,
    others: impl Fn(u8) -> Vec<u8>,
) -> Vec<u8> {
    let mut bytes = original.as_bytes().to_vec();
    for (&position, choice) in edits {
        let candidates = others(bytes[position]);
        bytes[position] = candidates[choice.index(candidates.len())];
    }
    bytes
}

/// The alphabet without `byte`: 64 characters when `byte` is in it.
fn alphabet_without(byte: u8) -> Vec<u8> {
    ALPHABET.iter().copied().filter(|&c| c != byte).collect()
}

/// Every byte value but `byte`.
fn bytes_without(byte: u8) -> Vec<u8> {
    (0..=u8::MAX).filter(|&b| b != byte).collect()
}

/// One to four distinct positions of the fixture's token, each with a choice of replacement.
fn edits() -> impl Strategy<Value = BTreeMap<usize, Index>> {
    let len = fixture().token.len();
    prop::collection::btree_map(0..len, any::<Index>(), 1..=4)
}

/// Characters for claim text: any `char`, with JSON's escaped ones, the edges of UTF-8 and
/// the separators that break naive parsers drawn often.
fn claim_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        1 => prop::sample::select(vec![
            '"', '\\', '/', '\n', '\r', '\t', '\u{0}', '\u{1f}', '\u{7f}', '\u{80}', 'é',
            '\u{2028}', '\u{feff}', '\u{fffd}', '😀', '\u{10ffff}', ' ', '.', ':',
        ]),
        2 => prop::char::range('a', 'z'),
    ]
}

/// Claim text of up to 16 characters (at most 96 bytes once JSON-escaped).
fn claim_text() -> impl Strategy<Value = String> {
    prop::collection::vec(claim_char(), 0..=16).prop_map(String::from_iter)
}

/// One scope: 1 to 16 characters, none of them ASCII whitespace (the `scope` claim is split
/// on it).
fn scope() -> impl Strategy<Value = String> {
    prop::collection::vec(claim_char(), 1..=16).prop_map(|chars| {
        chars
            .into_iter()
            .map(|c| if c.is_ascii_whitespace() { '_' } else { c })
            .collect()
    })
}

/// A JSON value for a custom claim: a scalar, or an array of up to three or an object of up
/// to two scalars.
fn claim_value() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        claim_text().prop_map(Value::from),
    ];
    prop_oneof![
        3 => scalar.clone(),
        1 => prop::collection::vec(scalar.clone(), 0..=3).prop_map(Value::from),
        1 => prop::collection::btree_map(claim_text(), scalar, 0..=2)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
    ]
}

#[derive(Debug, Clone)]
struct Claims {
    token_use: TokenUse,
    sub: String,
    username: String,
    email: String,
    groups: Vec<String>,
    scopes: Vec<String>,
    /// `custom:<name>` attributes, by name without the prefix.
    custom: BTreeMap<String, Value>,
    /// Other claims, named `x-<name>` so they never replace a typed one.
    other: BTreeMap<String, Value>,
}

fn claims() -> impl Strategy<Value = Claims> {
    (
        prop_oneof![Just(TokenUse::Access), Just(TokenUse::Id)],
        claim_text(),
        claim_text(),
        claim_text(),
        prop::collection::vec(claim_text(), 0..=6),
        prop::collection::vec(scope(), 0..=6),
        prop::collection::btree_map(claim_text(), claim_value(), 0..=3),
        prop::collection::btree_map(claim_text(), claim_value(), 0..=1),
    )
        .prop_map(
            |(token_use, sub, username, email, groups, scopes, custom, other)| Claims {
                token_use,
                sub,
                username,
                email,
                groups,
                scopes,
                custom,
                other: other
                    .into_iter()
                    .map(|(k, v)| (format!("x-{k}"), v))
                    .collect(),
            },
        )
}

fn mint(claims: &Claims) -> String {
    let issuer = &fixture().issuer;
    let mut builder = match claims.token_use {
        TokenUse::Access => issuer.access_token(),
        TokenUse::Id => issuer.id_token(),
    }
    .sub(&claims.sub)
    .username(&claims.username)
    .claim("email", claims.email.as_str())
    .groups(claims.groups.iter().map(String::as_str));
    builder = if claims.scopes.is_empty() {
        builder.without_claim("scope")
    } else {
        builder.scopes(claims.scopes.iter().map(String::as_str))
    };
    for (name, value) in &claims.custom {
        builder = builder.claim(&format!("custom:{name}"), value.clone());
    }
    for (name, value) in &claims.other {
        builder = builder.claim(name, value.clone());
    }
    builder.build()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Every claim of `expected` reads back exactly through the accessors.
fn assert_reads_back(read: &CognitoClaims, expected: &Claims) -> Result<(), TestCaseError> {
    let f = fixture();
    prop_assert_eq!(read.token_use(), expected.token_use);
    prop_assert_eq!(read.sub(), expected.sub.as_str());
    prop_assert_eq!(read.username(), Some(expected.username.as_str()));
    prop_assert_eq!(read.email(), Some(expected.email.as_str()));
    prop_assert_eq!(read.client_id(), f.issuer.client_id());
    prop_assert_eq!(read.iss(), f.issuer.issuer());
    prop_assert_eq!(read.groups().collect::<Vec<_>>(), strs(&expected.groups));
    prop_assert_eq!(read.scopes().collect::<Vec<_>>(), strs(&expected.scopes));
    for group in &expected.groups {
        prop_assert!(read.has_group(group), "has_group({:?})", group);
    }
    for scope in &expected.scopes {
        prop_assert!(read.has_scope(scope), "has_scope({:?})", scope);
    }
    for (name, value) in &expected.custom {
        let full = format!("custom:{name}");
        prop_assert_eq!(read.claim(&full), Some(value), "claim({:?})", full);
        prop_assert_eq!(
            read.custom_attribute(name),
            value.as_str(),
            "custom_attribute({:?})",
            name
        );
    }
    for (name, value) in &expected.other {
        prop_assert_eq!(read.claim(name), Some(value), "claim({:?})", name);
    }
    // the whole payload decodes too, and agrees with the accessors
    let decoded: serde_json::Map<String, Value> = read
        .decode()
        .map_err(|e| TestCaseError::fail(format!("decode: {e}")))?;
    prop_assert_eq!(
        decoded.get("sub"),
        Some(&Value::from(expected.sub.as_str()))
    );
    for (name, value) in &expected.custom {
        prop_assert_eq!(decoded.get(&format!("custom:{name}")), Some(value));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_verify(s in "\\PC{0,600}") {
        prop_assert!(!verifies(&s));
    }

    /// Bytes reach the verifier as text, as they would from a header: UTF-8 as it is, and any
    /// other bytes with the invalid sequences replaced, so every case is verified.
    #[test]
    fn arbitrary_bytes_never_verify(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        prop_assert!(!verifies(&String::from_utf8_lossy(&bytes)));
    }

    #[test]
    fn arbitrary_dotted_base64_never_verifies(s in "[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,400}\\.[A-Za-z0-9_-]{0,400}") {
        prop_assert!(!verifies(&s));
    }

    /// Substitutions within base64url and `.`: the result is always text and always differs
    /// from the original, so each case is a real tampering the verifier must refuse.
    #[test]
    fn alphabet_substitutions_in_a_valid_token_never_verify(edits in edits()) {
        let original = &fixture().token;
        let mutated = String::from_utf8(substituted(original, &edits, alphabet_without))
            .expect("the alphabet is ASCII");
        prop_assert_ne!(&mutated, original);
        prop_assert!(verify(&mutated).is_err(), "{:?} verified", edits);
    }

    /// Substitutions with any byte value, handed over as text (invalid UTF-8 replaced).
    #[test]
    fn byte_substitutions_in_a_valid_token_never_verify(edits in edits()) {
        let original = &fixture().token;
        let bytes = substituted(original, &edits, bytes_without);
        let mutated = String::from_utf8_lossy(&bytes);
        prop_assert_ne!(mutated.as_ref(), original.as_str());
        prop_assert!(verify(&mutated).is_err(), "{:?} verified", edits);
    }

    #[test]
    fn deletions_and_insertions_never_verify(at in any::<Index>(), c in prop::sample::select(ALPHABET.to_vec())) {
        let original = &fixture().token;
        let i = at.index(original.len());
        let mut deleted = original.clone();
        deleted.remove(i);
        prop_assert!(!verifies(&deleted), "deleting at {} verified", i);
        let mut inserted = original.clone();
        inserted.insert(at.index(original.len() + 1), char::from(c));
        prop_assert!(!verifies(&inserted), "inserting {:?} verified", char::from(c));
    }

    #[test]
    fn truncations_and_extensions_never_verify(cut in any::<Index>(), tail in "[A-Za-z0-9_.-]{1,8}") {
        let token = &fixture().token;
        prop_assert!(!verifies(&token[..cut.index(token.len())]));
        let extended = format!("{token}{tail}");
        prop_assert!(!verifies(&extended));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The positive side: a token the issuer signed verifies whatever its claims hold, and
    /// reads back exactly — on the first verification and on the cached one.
    #[test]
    fn valid_tokens_with_arbitrary_claims_verify_and_read_back(claims in claims()) {
        let token = mint(&claims);
        prop_assert!(token.len() <= 8 * 1024, "the generators stay under the size limit");
        let read = verify(&token).map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
        assert_reads_back(&read, &claims)?;
        let again = verify(&token).map_err(|e| TestCaseError::fail(format!("refused when cached: {e}")))?;
        prop_assert_eq!(&*again, &*read);
        assert_reads_back(&again, &claims)?;
    }
}

/// Each single-character change at the edges of each segment, where base64's unused trailing
/// bits live: a decoder that ignored them would accept the changed signature.
#[test]
fn every_substitution_at_segment_edges_is_refused() {
    let original = &fixture().token;
    let dots: Vec<usize> = original.match_indices('.').map(|(i, _)| i).collect();
    assert_eq!(dots.len(), 2);
    let mut positions = BTreeSet::new();
    for (start, end) in [
        (0, dots[0]),
        (dots[0] + 1, dots[1]),
        (dots[1] + 1, original.len()),
    ] {
        positions.extend([start, start + 1, end - 3, end - 2, end - 1]);
    }
    positions.extend(dots.iter().copied());
    let mut checked = 0;
    for &position in &positions {
        for replacement in alphabet_without(original.as_bytes()[position]) {
            let mut bytes = original.as_bytes().to_vec();
            bytes[position] = replacement;
            let mutated = String::from_utf8(bytes).expect("ASCII");
            assert!(
                verify(&mutated).is_err(),
                "{:?} at {position} verified",
                char::from(replacement)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, positions.len() * 64);
}
