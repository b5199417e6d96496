//! Differential test: sanctum-core against AWS's own verifier, `aws-jwt-verify` (npm, run by
//! Node.js), on a corpus of valid, broken and hostile Cognito tokens (tests/differential/corpus.rs).
//!
//! Both verify every token with the same pool (which accepts both Cognito issuer forms), app
//! client, expected `token_use`, JWKS and fixed clock; every token must get the same
//! accept/reject decision, except the cases listed in [`KNOWN_DIFFERENCES`], each with the
//! reason sanctum decides differently: on purpose, or (marked `bug`) through a reported bug
//! pinned by an ignored test at the bottom of this file.
//!
//! Where both refuse a token, both must name the same [`Class`] of refusal (issuer, key,
//! signature, expired, ...), except the cases listed in [`KNOWN_CLASS_DIFFERENCES`], each with
//! its reason: mostly a token with two faults, of which each verifier names the first in its
//! own order of checks. An exact name in either list that no longer differs fails the test.
//!
//! Needs the reference installed: `scripts/setup-differential.sh` (the test script runs it).
//! Without it this test fails, it never skips.
#![allow(missing_docs)]
#![cfg(feature = "test-util")]

#[path = "differential/corpus.rs"]
mod corpus;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use sanctum_core::testing::{TEST_CLIENT_ID, TEST_POOL_ID};
use sanctum_core::{UserPool, Verifier, VerifyError};
use serde_json::Value;

use corpus::{Corpus, NOW};

/// What a verifier decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Accept,
    Reject,
}

/// A known difference: for these cases sanctum decides `sanctum` while aws-jwt-verify
/// decides the opposite.
struct Known {
    /// Case names; a name ending in `*` is a prefix (for generated mutations).
    cases: &'static [&'static str],
    sanctum: Decision,
    reason: &'static str,
    /// A sanctum bug, reported and covered by an ignored test below: the cases may stop
    /// differing once it is fixed. Deliberate differences must keep differing.
    bug: bool,
}

/// Every case where sanctum and aws-jwt-verify 5.2.1 decide differently, and why. An exact
/// name listed here that no longer differs fails the test too, so the list stays true.
static KNOWN_DIFFERENCES: &[Known] = &[
    Known {
        cases: &["time/exp-missing"],
        sanctum: Decision::Reject,
        reason: "DESIGN check 6 needs `exp` in the future; a token without `exp` never expires. \
                 aws-jwt-verify checks `exp` only when present (Cognito always sends it).",
        bug: false,
    },
    Known {
        cases: &["time/exp-equals-now", "time/exp-half-a-second-from-now"],
        sanctum: Decision::Reject,
        reason: "RFC 7519 4.1.4: the token must be used *before* `exp`. sanctum compares whole \
                 seconds and rejects at `now >= exp`; aws-jwt-verify rejects only at `exp < now` \
                 with millisecond `now`, so it still accepts during the second `exp` names.",
        bug: false,
    },
    Known {
        cases: &[
            "time/iat-in-a-minute",
            "time/iat-in-a-year",
            "time/iat-half-a-second-from-now",
        ],
        sanctum: Decision::Reject,
        reason: "DESIGN check 6: `iat` must not be in the future (beyond the leeway); a token \
                 issued in the future comes from a wrong clock or a forger. aws-jwt-verify \
                 ignores `iat` but for its type.",
        bug: false,
    },
    Known {
        cases: &["time/exp-1e300"],
        sanctum: Decision::Reject,
        reason: "NumericDate beyond u64 seconds is refused as an invalid claim; aws-jwt-verify \
                 accepts any finite number.",
        bug: false,
    },
    Known {
        cases: &["client/id-aud-one-element-array"],
        sanctum: Decision::Accept,
        reason: "RFC 7519 4.1.3 allows `aud` as an array; a one-element array holding our client \
                 is the same audience. aws-jwt-verify's Cognito check wants a string. Two-element \
                 arrays are refused by both.",
        bug: false,
    },
    Known {
        cases: &[
            "alg/rs512-on-key-without-alg",
            "alg/rs384-on-key-without-alg",
            "alg/rs512-on-rs512-key",
            "alg/es256-header-rs256-signature-key-without-alg",
            "alg/eddsa-header-rs256-signature-key-without-alg",
        ],
        sanctum: Decision::Reject,
        reason: "DESIGN check 2: `alg` must be RS256, the only algorithm Cognito signs with. \
                 aws-jwt-verify accepts any supported alg the JWK allows, and with a JWK without \
                 `alg` it even verifies `ES256` and `EdDSA` headers as RSA-SHA256 signatures \
                 (its ES256 maps to the RSA digest name, and Node's verify picks the key's own \
                 scheme for EdDSA): algorithm confusion it only avoids because Cognito's JWKs \
                 state `alg`.",
        bug: false,
    },
    Known {
        cases: &[
            "kid/duplicate-last-one-good",
            "encoding/header-duplicate-alg-last-rs256",
        ],
        sanctum: Decision::Reject,
        reason: "A header with a duplicate member is refused (RFC 7515 4: names must be unique, or \
                 the JWS rejected); JSON.parse silently keeps the last one.",
        bug: false,
    },
    Known {
        cases: &[
            "signature/padded",
            "signature/non-canonical-trailing-bits",
            "encoding/header-padded-signed",
            "encoding/payload-padded-signed",
            "encoding/payload-non-canonical-trailing-bits-signed",
            "mutation/non-canonical/*",
        ],
        sanctum: Decision::Reject,
        reason: "RFC 7515 2 and 7.1: segments are base64url without padding; sanctum also refuses \
                 non-canonical trailing bits, so one token has one spelling. Node's base64 decoder \
                 ignores both, and aws-jwt-verify's pattern allows `=`.",
        bug: false,
    },
    Known {
        cases: &["encoding/payload-invalid-utf8-in-claim"],
        sanctum: Decision::Reject,
        reason: "RFC 7519 7.2: the payload must be UTF-8 JSON. Node replaces invalid bytes with \
                 U+FFFD and goes on.",
        bug: false,
    },
    Known {
        cases: &["encoding/payload-lone-surrogate-escape"],
        sanctum: Decision::Reject,
        reason: "A `\\ud800` escape without its pair is no Unicode text (RFC 8259 8.2 leaves it \
                 undefined); serde_json refuses it, JSON.parse keeps a broken string. Claims are \
                 Rust strings, which cannot hold it.",
        bug: false,
    },
    Known {
        cases: &["encoding/payload-deeply-nested-claim"],
        sanctum: Decision::Reject,
        reason: "serde_json refuses nesting deeper than 128 levels (a stack bound); Cognito never \
                 nests claims.",
        bug: false,
    },
    Known {
        cases: &["size/just-over-limit", "size/64-kib"],
        sanctum: Decision::Reject,
        reason: "DESIGN check 1: tokens over 8 KiB (configurable) are refused before decoding, a \
                 bound on the work an unauthenticated caller causes. aws-jwt-verify has no limit.",
        bug: false,
    },
    Known {
        cases: &["claim-type/access/sub=absent", "claim-type/id/sub=absent"],
        sanctum: Decision::Reject,
        reason: "Every Cognito token has `sub`, and CognitoClaims::sub is the user's id, never \
                 empty by absence. aws-jwt-verify checks `sub` only when present.",
        bug: false,
    },
    Known {
        cases: &[
            "time/auth-time-string",
            "claim-type/access/username=number",
            "claim-type/access/username=bool",
            "claim-type/access/username=array",
            "claim-type/access/username=object",
            "claim-type/access/username=null",
            "claim-type/id/cognito:username=number",
            "claim-type/id/cognito:username=bool",
            "claim-type/id/cognito:username=array",
            "claim-type/id/cognito:username=object",
            "claim-type/id/cognito:username=null",
            "claim-type/access/cognito:groups=number",
            "claim-type/access/cognito:groups=string",
            "claim-type/access/cognito:groups=bool",
            "claim-type/access/cognito:groups=object",
            "claim-type/id/cognito:groups=number",
            "claim-type/id/cognito:groups=string",
            "claim-type/id/cognito:groups=bool",
            "claim-type/id/cognito:groups=object",
            "claim-type/access/origin_jti=number",
            "claim-type/access/origin_jti=bool",
            "claim-type/access/origin_jti=array",
            "claim-type/access/origin_jti=object",
            "claim-type/access/origin_jti=null",
            "claim-type/access/event_id=number",
            "claim-type/access/event_id=bool",
            "claim-type/access/event_id=array",
            "claim-type/access/event_id=object",
            "claim-type/access/event_id=null",
            "claim-type/access/auth_time=null",
            "claim-type/access/auth_time=string",
            "claim-type/access/auth_time=bool",
            "claim-type/access/auth_time=array",
            "claim-type/access/auth_time=object",
            "claim-type/id/auth_time=null",
            "claim-type/id/auth_time=string",
            "claim-type/id/auth_time=bool",
            "claim-type/id/auth_time=array",
            "claim-type/id/auth_time=object",
            "claim-type/access/email=number",
            "claim-type/access/email=bool",
            "claim-type/access/email=array",
            "claim-type/access/email=object",
            "claim-type/access/email=null",
            "claim-type/id/email=number",
            "claim-type/id/email=bool",
            "claim-type/id/email=array",
            "claim-type/id/email=object",
            "claim-type/id/email=null",
            "claim-type/access/email_verified=number",
            "claim-type/access/email_verified=string",
            "claim-type/access/email_verified=array",
            "claim-type/access/email_verified=object",
            "claim-type/id/email_verified=number",
            "claim-type/id/email_verified=string",
            "claim-type/id/email_verified=array",
            "claim-type/id/email_verified=object",
        ],
        sanctum: Decision::Reject,
        reason: "sanctum hands these claims to handlers as typed fields (groups feed RBAC), so a \
                 claim of the wrong JSON type is refused rather than guessed at \
                 (`cognito:groups` as a string would otherwise read as one group or none). \
                 aws-jwt-verify type-checks only exp, nbf, iat, iss, sub, aud, scope and jti, \
                 and reads `cognito:groups` only when asked for groups.",
        bug: false,
    },
];

/// The common classes of refusal: which rule a verifier names when it refuses a token. Both
/// verifiers' errors are mapped onto these ([`sanctum_class`], [`aws_class`]); the two must
/// agree on every token both refuse, except the cases in [`KNOWN_CLASS_DIFFERENCES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// Over the size limit (sanctum only).
    Size,
    /// Not a compact JWS of JSON objects, or a claim of the wrong JSON type or missing.
    Structure,
    /// The header's `alg`: not one accepted, or not the key's.
    Algorithm,
    /// `iss` names no configured issuer.
    Issuer,
    /// No usable key: no `kid`, a `kid` not in the JWKS, or a key not for signatures.
    Key,
    /// The signature does not verify.
    Signature,
    /// `exp` has passed.
    Expired,
    /// `nbf` (sanctum: or `iat`) is in the future.
    NotYetValid,
    /// `token_use` is not the one asked for.
    TokenUse,
    /// Not the configured app client (`client_id`, or `aud` of an ID token).
    Client,
    /// The keys could not be fetched (sanctum only; the corpus' JWKS is fixed).
    KeysUnavailable,
}

/// The class of a sanctum refusal, by `VerifyError` variant.
fn sanctum_class(err: &VerifyError) -> Class {
    match err {
        VerifyError::TooLarge { .. } => Class::Size,
        VerifyError::Malformed { .. }
        | VerifyError::MissingClaim { .. }
        | VerifyError::InvalidClaim { .. } => Class::Structure,
        VerifyError::UnsupportedAlgorithm { .. } | VerifyError::AlgorithmMismatch { .. } => {
            Class::Algorithm
        }
        VerifyError::IssuerMismatch { .. } => Class::Issuer,
        // A header without `kid` names no key, as aws-jwt-verify's JwtWithoutValidKidError says.
        VerifyError::MissingKid | VerifyError::UnknownKey { .. } => Class::Key,
        VerifyError::InvalidSignature => Class::Signature,
        VerifyError::Expired { .. } => Class::Expired,
        VerifyError::NotYetValid { .. } => Class::NotYetValid,
        VerifyError::WrongTokenUse { .. } => Class::TokenUse,
        VerifyError::ClientMismatch { .. } => Class::Client,
        VerifyError::KeysUnavailable { .. } => Class::KeysUnavailable,
        other => panic!(
            "VerifyError variant without a refusal class (map it in sanctum_class): {other:?}"
        ),
    }
}

/// The class of an aws-jwt-verify refusal, by the name of the error class it threw (and, for
/// its catch-all `ParameterValidationError`, the message); `None` for one this test does not
/// know, which fails the test.
fn aws_class(error_class: &str, message: &str) -> Option<Class> {
    Some(match error_class {
        "JwtParseError" => Class::Structure,
        "JwtInvalidSignatureAlgorithmError" => Class::Algorithm,
        // An `iss` naming no configured issuer fails when the verifier picks the issuer's
        // configuration (`getIssuerConfig`), before any key lookup, with this generic class;
        // JwtInvalidIssuerError comes from the later claim check.
        "ParameterValidationError"
            if message.contains("issuer not configured")
                || message.contains("issuer must be provided") =>
        {
            Class::Issuer
        }
        "JwtInvalidIssuerError" => Class::Issuer,
        "JwtWithoutValidKidError"
        | "KidNotFoundInJwksError"
        | "JwkInvalidUseError"
        | "JwkInvalidKtyError"
        | "JwkValidationError" => Class::Key,
        "JwtInvalidSignatureError" => Class::Signature,
        "JwtExpiredError" => Class::Expired,
        "JwtNotBeforeError" => Class::NotYetValid,
        "CognitoJwtInvalidTokenUseError" => Class::TokenUse,
        "CognitoJwtInvalidClientIdError" | "JwtInvalidAudienceError" => Class::Client,
        _ => return None,
    })
}

/// A known class difference: for these cases both refuse, sanctum naming `sanctum` and
/// aws-jwt-verify naming `aws`.
struct KnownClass {
    /// Case names; a name ending in `*` is a prefix (for generated mutations), and then only
    /// refusals of exactly this pair of classes are explained by it.
    cases: &'static [&'static str],
    sanctum: Class,
    aws: Class,
    reason: &'static str,
}

/// Every token both refuse for different classes of reason, and why. An exact name listed
/// here whose classes now agree (or that is no longer refused by both) fails the test too.
static KNOWN_CLASS_DIFFERENCES: &[KnownClass] = &[
    // sanctum reads the Cognito claims into typed fields while parsing (DESIGN check 2), so a
    // claim it needs that is missing or of the wrong JSON type is a malformed token there;
    // aws-jwt-verify finds the same claim wrong only when the rule that reads it runs.
    KnownClass {
        cases: &[
            "client/access-missing-client-id",
            "client/access-client-id-number",
            "client/access-client-id-array",
            "client/access-aud-instead-of-client-id",
            "client/id-missing-aud",
            "client/id-aud-two-element-array",
            "client/id-aud-empty-array",
            "client/id-client-id-instead-of-aud",
            "token-use/access-claims-labelled-id",
            "token-use/id-claims-labelled-access",
            "claim-type/access/client_id=absent",
            "claim-type/access/client_id=null",
            "claim-type/access/client_id=number",
            "claim-type/access/client_id=bool",
            "claim-type/access/client_id=array",
            "claim-type/access/client_id=object",
            "claim-type/id/aud=absent",
        ],
        sanctum: Class::Structure,
        aws: Class::Client,
        reason: "a missing or mistyped `client_id` (access) or `aud` (ID) is malformed for \
                 sanctum's parser (check 2); aws-jwt-verify refuses it in its client check.",
    },
    KnownClass {
        cases: &[
            "token-use/missing",
            "token-use/missing-as-either",
            "token-use/number",
            "token-use/array",
        ],
        sanctum: Class::Structure,
        aws: Class::TokenUse,
        reason: "a missing or non-string `token_use` is malformed for sanctum's parser (check 2); \
                 aws-jwt-verify refuses it in its token_use check.",
    },
    KnownClass {
        cases: &["issuer/missing"],
        sanctum: Class::Structure,
        aws: Class::Issuer,
        reason: "a token without `iss` is malformed for sanctum's parser (check 2); aws-jwt-verify \
                 fails to pick an issuer configuration for it (\"issuer must be provided\").",
    },
    KnownClass {
        cases: &["time/exp-negative"],
        sanctum: Class::Structure,
        aws: Class::Expired,
        reason: "sanctum reads NumericDates as whole seconds since the epoch (u64), so `exp: -1` \
                 is an invalid claim; aws-jwt-verify reads it as a date in 1969, expired.",
    },
    // Two faults (or an unsigned token): each verifier names the first rule in its own order.
    // sanctum checks `alg`, the presence of `kid` and the claim types while parsing, before the
    // issuer; aws-jwt-verify picks the issuer first, then the key, and compares `alg` with it.
    KnownClass {
        cases: &["two-faults/other-issuer-and-missing-kid"],
        sanctum: Class::Key,
        aws: Class::Issuer,
        reason: "no `kid` and another issuer: sanctum finds the header without `kid` while \
                 parsing, aws-jwt-verify the issuer first.",
    },
    KnownClass {
        cases: &["two-faults/other-issuer-and-hs256"],
        sanctum: Class::Algorithm,
        aws: Class::Issuer,
        reason: "HS256 and another issuer: sanctum refuses the `alg` while parsing, \
                 aws-jwt-verify the issuer first.",
    },
    KnownClass {
        cases: &["two-faults/unknown-kid-and-alg-hs256"],
        sanctum: Class::Algorithm,
        aws: Class::Key,
        reason: "HS256 and an unknown `kid`: sanctum refuses the `alg` while parsing, \
                 aws-jwt-verify compares `alg` only with a key it found.",
    },
    KnownClass {
        cases: &["encoding/header-empty-object"],
        sanctum: Class::Structure,
        aws: Class::Key,
        reason: "a header `{}` has neither `alg` nor `kid`: sanctum misses `alg` first (a header \
                 without `alg` is malformed), aws-jwt-verify misses `kid` first.",
    },
    KnownClass {
        cases: &["two-faults/other-issuer-and-groups-string"],
        sanctum: Class::Structure,
        aws: Class::Issuer,
        reason: "`cognito:groups` a string and another issuer: sanctum refuses the claim type \
                 while parsing, aws-jwt-verify the issuer (and never reads the groups).",
    },
    KnownClass {
        cases: &["two-faults/expired-and-groups-string"],
        sanctum: Class::Structure,
        aws: Class::Expired,
        reason: "`cognito:groups` a string and expired: sanctum refuses the claim type while \
                 parsing, aws-jwt-verify the expiry (and never reads the groups).",
    },
    KnownClass {
        cases: &[
            "alg/none-unsigned",
            "alg/none-unsigned-no-kid",
            "updated-issuer/alg-none",
            "two-faults/other-issuer-and-alg-none",
        ],
        sanctum: Class::Algorithm,
        aws: Class::Structure,
        reason: "an unsigned token `header.payload.` with `alg: none`: sanctum splits it into \
                 three segments and refuses `none`; aws-jwt-verify's shape pattern wants a \
                 non-empty signature segment.",
    },
    KnownClass {
        cases: &["signature/empty", "encoding/two-segments-trailing-dot"],
        sanctum: Class::Signature,
        aws: Class::Structure,
        reason: "`header.payload.` with `alg: RS256`: an empty signature segment is valid \
                 base64url for sanctum and fails the signature check; aws-jwt-verify's shape \
                 pattern wants a non-empty signature segment.",
    },
    KnownClass {
        cases: &["size/100-kib-garbage"],
        sanctum: Class::Size,
        aws: Class::Structure,
        reason: "DESIGN check 1: sanctum refuses an oversized token before looking at it; \
                 aws-jwt-verify has no limit and finds it is no JWT.",
    },
    // The same single fault, named differently.
    KnownClass {
        cases: &["alg/missing"],
        sanctum: Class::Structure,
        aws: Class::Algorithm,
        reason: "a header without `alg` is malformed for sanctum (it cannot be a JWS, RFC 7515 \
                 4.1.1); aws-jwt-verify reports a missing signature algorithm.",
    },
    KnownClass {
        cases: &["kid/null"],
        sanctum: Class::Key,
        aws: Class::Structure,
        reason: "`kid: null` reads as no `kid` in sanctum's header (an absent optional field, \
                 MissingKid); aws-jwt-verify refuses a `kid` that is not a string while parsing.",
    },
    KnownClass {
        cases: &["encoding/header-duplicate-alg-last-none"],
        sanctum: Class::Structure,
        aws: Class::Algorithm,
        reason: "a header with a duplicate member is malformed for sanctum (RFC 7515 4); \
                 JSON.parse keeps the last `alg`, `none`, which aws-jwt-verify refuses.",
    },
    // Mutations (deterministic: their tokens are signed with a fixed key).
    KnownClass {
        cases: &[
            "mutation/access-05",
            "mutation/access-10",
            "mutation/id-09",
            "mutation/id-27",
            "mutation/id-29",
            "mutation/id-30",
        ],
        sanctum: Class::Structure,
        aws: Class::Signature,
        reason: "the mutation makes the payload invalid UTF-8: sanctum refuses it while parsing \
                 (RFC 7519 7.2); Node decodes it with U+FFFD and the signature fails.",
    },
    KnownClass {
        cases: &["mutation/access-01"],
        sanctum: Class::Structure,
        aws: Class::Issuer,
        reason: "the mutation makes the payload invalid UTF-8 inside `iss`: sanctum refuses it \
                 while parsing; Node decodes it with U+FFFD and aws-jwt-verify, which picks the \
                 issuer before the key, knows no such issuer.",
    },
    KnownClass {
        cases: &["mutation/access-00", "mutation/id-13", "mutation/id-25"],
        sanctum: Class::Structure,
        aws: Class::Signature,
        reason: "the mutation leaves a signature segment that is no canonical base64url (a \
                 length of 4n+1, or set trailing bits): sanctum refuses it while parsing; \
                 Node's lenient decoder reads other bytes, and the signature fails.",
    },
];

/// One verifier's answer.
#[derive(Debug, Clone)]
struct Answer {
    decision: Decision,
    /// The class of refusal; `None` when accepted.
    class: Option<Class>,
    /// The error as the verifier gave it, for messages.
    why: String,
}

impl Answer {
    fn describe(&self) -> String {
        match self.class {
            None => format!("{:?}", self.decision),
            Some(class) => format!("{:?} as {class:?} ({})", self.decision, self.why),
        }
    }
}

/// The verifiers' answers for one case.
#[derive(Debug)]
struct Outcome {
    name: String,
    sanctum: Answer,
    aws: Answer,
}

fn differential_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential")
}

/// Runs verify.mjs on the corpus; panics with the set-up command when the reference is missing.
fn run_reference(corpus: &Corpus) -> (String, BTreeMap<String, Answer>) {
    let dir = differential_dir();
    let installed = dir.join("node_modules/aws-jwt-verify/package.json");
    assert!(
        installed.is_file(),
        "aws-jwt-verify is not installed ({} is missing): run scripts/setup-differential.sh first",
        installed.display()
    );
    let work =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("differential-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temp dir");
    let input = work.join("corpus.json");
    std::fs::write(
        &input,
        serde_json::to_vec_pretty(&corpus.to_json()).unwrap(),
    )
    .expect("write corpus");
    std::fs::write(
        work.join("jwks.json"),
        serde_json::to_vec_pretty(&corpus.jwks).unwrap(),
    )
    .expect("write JWKS");

    let output = Command::new("node")
        .arg(dir.join("verify.mjs"))
        .arg(&input)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): the differential test needs Node.js >= 18; then run scripts/setup-differential.sh"));
    assert!(
        output.status.success(),
        "verify.mjs failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).expect("verify.mjs prints JSON");
    let version = answer["version"].as_str().expect("version").to_owned();
    let mut results = BTreeMap::new();
    let mut unmapped = String::new();
    for r in answer["results"].as_array().expect("results") {
        let name = r["name"].as_str().expect("name").to_owned();
        let why = r["error"].as_str().unwrap_or("").to_owned();
        let answer = if r["accept"].as_bool().expect("accept") {
            Answer {
                decision: Decision::Accept,
                class: None,
                why,
            }
        } else {
            let error_class = r["errorClass"].as_str().expect("errorClass of a refusal");
            let class = aws_class(error_class, &why);
            if class.is_none() {
                let _ = writeln!(unmapped, "  {name}: {why}");
            }
            Answer {
                decision: Decision::Reject,
                class,
                why,
            }
        };
        results.insert(name, answer);
    }
    assert!(
        unmapped.is_empty(),
        "aws-jwt-verify refused with an error class this test does not map (add it to aws_class):\n{unmapped}"
    );
    std::fs::remove_dir_all(&work).ok();
    (version, results)
}

fn sanctum_verifier(jwks: &Value, cache: bool) -> Verifier {
    Verifier::builder()
        .pool(
            UserPool::new(TEST_POOL_ID)
                .client_id(TEST_CLIENT_ID)
                .with_jwks_document(jwks.to_string()),
        )
        .clock(|| UNIX_EPOCH + Duration::from_secs(NOW.unsigned_abs()))
        .token_cache(cache)
        .build()
        .expect("verifier builds")
}

/// Whether `pattern` (exact, or a prefix ending in `*`) names `name`.
fn names(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

fn known_for(name: &str) -> Option<&'static Known> {
    KNOWN_DIFFERENCES
        .iter()
        .find(|k| k.cases.iter().any(|c| names(c, name)))
}

/// The class difference entry explaining `name` refused as `sanctum` by sanctum and as `aws`
/// by aws-jwt-verify: an exact entry (whatever its classes, so a wrong pair is reported), else a
/// prefix entry with exactly these classes.
fn known_class_for(name: &str, sanctum: Class, aws: Class) -> Option<&'static KnownClass> {
    KNOWN_CLASS_DIFFERENCES
        .iter()
        .find(|k| k.cases.contains(&name))
        .or_else(|| {
            KNOWN_CLASS_DIFFERENCES.iter().find(|k| {
                k.sanctum == sanctum
                    && k.aws == aws
                    && k.cases.iter().any(|c| c.ends_with('*') && names(c, name))
            })
        })
}

fn answer_of(result: &Result<std::sync::Arc<sanctum_core::CognitoClaims>, VerifyError>) -> Answer {
    match result {
        Ok(_) => Answer {
            decision: Decision::Accept,
            class: None,
            why: String::new(),
        },
        Err(err) => Answer {
            decision: Decision::Reject,
            class: Some(sanctum_class(err)),
            why: format!("{err:?}"),
        },
    }
}

/// The corpus has 506 tokens: its floor sits just below, so losing cases (a generator that
/// quietly makes fewer) fails the test. Adding cases should raise it.
const CORPUS_FLOOR: usize = 500;

/// Both verifiers refuse 342 of them: most of the corpus must stay hostile. Adding refused
/// cases should raise it.
const BOTH_REJECT_FLOOR: usize = 335;
/// The least number of tokens both verifiers must accept (80 when set): a corpus whose
/// accepted tokens dwindle (a generator change, a JWKS both fail to read) proves little about
/// what the two agree to let in.
const BOTH_ACCEPT_FLOOR: usize = 80;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sanctum_agrees_with_aws_jwt_verify_on_the_corpus() {
    let (corpus, _issuer) = corpus::generate().await;
    assert!(
        corpus.cases.len() >= CORPUS_FLOOR,
        "corpus has only {} tokens, below its floor of {CORPUS_FLOOR}",
        corpus.cases.len()
    );
    let names_in_corpus: BTreeSet<&str> = corpus.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names_in_corpus.len(),
        corpus.cases.len(),
        "case names are unique"
    );
    let listed = KNOWN_DIFFERENCES
        .iter()
        .flat_map(|k| k.cases)
        .chain(KNOWN_CLASS_DIFFERENCES.iter().flat_map(|k| k.cases));
    for case in listed.filter(|c| !c.ends_with('*')) {
        assert!(
            names_in_corpus.contains(case),
            "a known difference names {case}, which is not in the corpus"
        );
    }

    let (version, reference) = tokio::task::block_in_place(|| run_reference(&corpus));
    let pinned: Value = serde_json::from_str(
        &std::fs::read_to_string(differential_dir().join("package.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        Some(version.as_str()),
        pinned["dependencies"]["aws-jwt-verify"].as_str(),
        "installed aws-jwt-verify is not the pinned version: run scripts/setup-differential.sh"
    );

    let uncached = sanctum_verifier(&corpus.jwks, false);
    let cached = sanctum_verifier(&corpus.jwks, true);
    let mut outcomes = Vec::new();
    for case in &corpus.cases {
        let result = uncached.verify(&case.token, case.expected).await;
        let sanctum = answer_of(&result);
        // The verified-token cache must not change a decision or its class, on a miss or a hit.
        for _ in 0..2 {
            let again = answer_of(&cached.verify(&case.token, case.expected).await);
            assert_eq!(
                (again.decision, again.class),
                (sanctum.decision, sanctum.class),
                "{}: the token cache changed the answer ({} uncached, {} cached)",
                case.name,
                sanctum.describe(),
                again.describe()
            );
        }
        // Without waiting (keys are fixed, so always answered): the same answer uncached,
        // and on the cached verifier (a hit, after the verifications above).
        for (verifier, which) in [(&uncached, "uncached"), (&cached, "cached")] {
            let now = sanctum_core::adapter::verify_now(verifier, &case.token, case.expected)
                .unwrap_or_else(|| panic!("{}: verify_now ({which}) gave no answer", case.name));
            let now = answer_of(&now);
            assert_eq!(
                (now.decision, now.class),
                (sanctum.decision, sanctum.class),
                "{}: verify_now ({which}) changed the answer ({} by verify, {} now)",
                case.name,
                sanctum.describe(),
                now.describe()
            );
        }
        let aws = reference
            .get(&case.name)
            .cloned()
            .unwrap_or_else(|| panic!("verify.mjs gave no answer for {}", case.name));
        outcomes.push(Outcome {
            name: case.name.clone(),
            sanctum,
            aws,
        });
    }

    // The corpus must mean something: its valid tokens pass both, and both refuse plenty.
    for o in outcomes.iter().filter(|o| o.name.starts_with("valid/")) {
        assert_eq!(
            (o.sanctum.decision, o.aws.decision),
            (Decision::Accept, Decision::Accept),
            "{} must be accepted by both (sanctum: {}; aws-jwt-verify: {})",
            o.name,
            o.sanctum.why,
            o.aws.why
        );
    }
    let both_accept = outcomes
        .iter()
        .filter(|o| o.sanctum.decision == Decision::Accept && o.aws.decision == Decision::Accept)
        .count();
    assert!(
        both_accept >= BOTH_ACCEPT_FLOOR,
        "only {both_accept} tokens accepted by both, below the floor of {BOTH_ACCEPT_FLOOR}"
    );
    let both_reject: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.sanctum.decision == Decision::Reject && o.aws.decision == Decision::Reject)
        .collect();
    assert!(
        both_reject.len() >= BOTH_REJECT_FLOOR,
        "only {} tokens rejected by both, below the floor of {BOTH_REJECT_FLOOR}",
        both_reject.len()
    );

    // Decisions.
    let mut unexplained = String::new();
    let mut explained: BTreeSet<&str> = BTreeSet::new();
    for o in outcomes
        .iter()
        .filter(|o| o.sanctum.decision != o.aws.decision)
    {
        match known_for(&o.name) {
            Some(known) if known.sanctum == o.sanctum.decision => {
                explained.insert(&o.name);
            }
            _ => {
                let _ = writeln!(
                    unexplained,
                    "  {}: sanctum {}, aws-jwt-verify {}",
                    o.name,
                    o.sanctum.describe(),
                    o.aws.describe()
                );
            }
        }
    }
    let mut stale = String::new();
    for known in KNOWN_DIFFERENCES.iter().filter(|k| !k.bug) {
        for case in known.cases.iter().filter(|c| !c.ends_with('*')) {
            if !explained.contains(case) {
                let o = outcomes.iter().find(|o| o.name == *case).unwrap();
                let _ = writeln!(
                    stale,
                    "  {case}: now sanctum {}, aws-jwt-verify {}",
                    o.sanctum.describe(),
                    o.aws.describe()
                );
            }
        }
    }

    // Classes of refusal, where both refuse.
    let mut class_unexplained = String::new();
    let mut class_explained: BTreeSet<&str> = BTreeSet::new();
    for o in &both_reject {
        let (Some(ours), Some(theirs)) = (o.sanctum.class, o.aws.class) else {
            unreachable!("a refusal always has a class")
        };
        if ours == theirs {
            continue;
        }
        match known_class_for(&o.name, ours, theirs) {
            Some(known) if (known.sanctum, known.aws) == (ours, theirs) => {
                class_explained.insert(&o.name);
            }
            _ => {
                let _ = writeln!(
                    class_unexplained,
                    "  {}: sanctum {ours:?} ({}), aws-jwt-verify {theirs:?} ({})",
                    o.name, o.sanctum.why, o.aws.why
                );
            }
        }
    }
    let mut class_stale = String::new();
    for known in KNOWN_CLASS_DIFFERENCES {
        for case in known.cases.iter().filter(|c| !c.ends_with('*')) {
            if !class_explained.contains(case) {
                let o = outcomes.iter().find(|o| o.name == *case).unwrap();
                let _ = writeln!(
                    class_stale,
                    "  {case}: listed as sanctum {:?}, aws-jwt-verify {:?}; now sanctum {}, aws-jwt-verify {}",
                    known.sanctum,
                    known.aws,
                    o.sanctum.describe(),
                    o.aws.describe()
                );
            }
        }
    }
    assert!(
        unexplained.is_empty()
            && stale.is_empty()
            && class_unexplained.is_empty()
            && class_stale.is_empty(),
        "sanctum-core and aws-jwt-verify {version} disagree on {} tokens not in KNOWN_DIFFERENCES:\n{unexplained}\
         KNOWN_DIFFERENCES cases that no longer differ as listed (update the list):\n{stale}\
         Both refuse {} tokens for different classes of reason not in KNOWN_CLASS_DIFFERENCES:\n{class_unexplained}\
         KNOWN_CLASS_DIFFERENCES cases that no longer differ as listed (update the list):\n{class_stale}",
        unexplained.lines().count(),
        class_unexplained.lines().count(),
    );

    println!(
        "{} tokens: {} agreed ({} accepted by both), {} known differences:",
        outcomes.len(),
        outcomes.len() - explained.len(),
        both_accept,
        explained.len()
    );
    for known in KNOWN_DIFFERENCES {
        let hits = explained
            .iter()
            .filter(|n| known_for(n).is_some_and(|k| std::ptr::eq(k, known)))
            .count();
        println!(
            "- {hits} where sanctum decides {:?}: {}",
            known.sanctum, known.reason
        );
    }
    println!(
        "{} refused by both: {} for the same class of reason, {} known class differences:",
        both_reject.len(),
        both_reject.len() - class_explained.len(),
        class_explained.len()
    );
    for known in KNOWN_CLASS_DIFFERENCES {
        let hits = both_reject
            .iter()
            .filter(|o| {
                class_explained.contains(o.name.as_str())
                    && o.sanctum.class.zip(o.aws.class).is_some_and(|(s, a)| {
                        known_class_for(&o.name, s, a).is_some_and(|k| std::ptr::eq(k, known))
                    })
            })
            .count();
        println!(
            "- {hits} where sanctum names {:?} and aws-jwt-verify {:?}: {}",
            known.sanctum, known.aws, known.reason
        );
    }
}

/// The case `time/nbf-half-a-second-from-now` found: sanctum truncated fractional
/// NumericDates, which is safe for `exp` (earlier) but not for `nbf` and `iat` (later); they now
/// round up.
#[tokio::test]
async fn fractional_nbf_and_iat_in_the_future_are_refused() {
    let clock = sanctum_core::ManualClock::at(UNIX_EPOCH + Duration::from_secs(NOW.unsigned_abs()));
    let issuer = sanctum_core::testing::TestIssuer::builder()
        .clock(clock)
        .start()
        .await
        .expect("issuer starts");
    let verifier = issuer.verifier();
    for claim in ["nbf", "iat"] {
        let token = issuer.access_token().claim(claim, NOW as f64 + 0.5).build();
        let err = verifier.verify_access(&token).await.expect_err(claim);
        assert!(
            matches!(err, sanctum_core::VerifyError::NotYetValid { .. }),
            "{claim}: {err:?}"
        );
    }
}
