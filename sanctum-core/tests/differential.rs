//! Differential test: sanctum-core against AWS's own verifier, `aws-jwt-verify` (npm, run by
//! Node.js), on a corpus of valid, broken and hostile Cognito tokens (tests/differential/corpus.rs).
//!
//! Both verify every token with the same pool, app client, expected `token_use`, JWKS and fixed
//! clock; every token must get the same accept/reject decision, except the cases listed in
//! [`KNOWN_DIFFERENCES`], each with the reason sanctum decides differently: on purpose, or
//! (marked `bug`) through a reported bug pinned by an ignored test at the bottom of this file.
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
use sanctum_core::{UserPool, Verifier};
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

/// The verifiers' answers for one case.
#[derive(Debug)]
struct Outcome {
    name: String,
    sanctum: Decision,
    sanctum_why: String,
    aws: Decision,
    aws_why: String,
}

fn differential_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential")
}

/// Runs verify.mjs on the corpus; panics with the set-up command when the reference is missing.
fn run_reference(corpus: &Corpus) -> (String, BTreeMap<String, (Decision, String)>) {
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
    for r in answer["results"].as_array().expect("results") {
        let name = r["name"].as_str().expect("name").to_owned();
        let decision = if r["accept"].as_bool().expect("accept") {
            Decision::Accept
        } else {
            Decision::Reject
        };
        let why = r["error"].as_str().unwrap_or("").to_owned();
        results.insert(name, (decision, why));
    }
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

fn known_for(name: &str) -> Option<&'static Known> {
    KNOWN_DIFFERENCES.iter().find(|k| {
        k.cases.iter().any(|c| match c.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => *c == name,
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sanctum_agrees_with_aws_jwt_verify_on_the_corpus() {
    let (corpus, _issuer) = corpus::generate().await;
    assert!(
        corpus.cases.len() >= 150,
        "corpus has only {} tokens",
        corpus.cases.len()
    );
    let names: BTreeSet<&str> = corpus.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), corpus.cases.len(), "case names are unique");
    for known in KNOWN_DIFFERENCES {
        for case in known.cases.iter().filter(|c| !c.ends_with('*')) {
            assert!(
                names.contains(case),
                "KNOWN_DIFFERENCES names {case}, which is not in the corpus"
            );
        }
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
        // The verified-token cache must not change a decision, on a miss or a hit.
        for _ in 0..2 {
            let again = cached.verify(&case.token, case.expected).await;
            assert_eq!(
                again.is_ok(),
                result.is_ok(),
                "{}: the token cache changed the decision",
                case.name
            );
        }
        // Without waiting (keys are fixed, so always answered): the same decision uncached,
        // and on the cached verifier.
        for (verifier, which) in [(&uncached, "uncached"), (&cached, "cached")] {
            let now = sanctum_core::adapter::verify_now(verifier, &case.token, case.expected);
            assert_eq!(
                now.map(|r| r.is_ok()),
                Some(result.is_ok()),
                "{}: verify_now ({which}) changed the decision",
                case.name
            );
        }
        let (aws, aws_why) = reference
            .get(&case.name)
            .cloned()
            .unwrap_or_else(|| panic!("verify.mjs gave no answer for {}", case.name));
        outcomes.push(Outcome {
            name: case.name.clone(),
            sanctum: if result.is_ok() {
                Decision::Accept
            } else {
                Decision::Reject
            },
            sanctum_why: result.err().map(|e| format!("{e:?}")).unwrap_or_default(),
            aws,
            aws_why,
        });
    }

    // The corpus must mean something: its valid tokens pass both, and both refuse plenty.
    for o in outcomes.iter().filter(|o| o.name.starts_with("valid/")) {
        assert_eq!(
            (o.sanctum, o.aws),
            (Decision::Accept, Decision::Accept),
            "{} must be accepted by both (sanctum: {}; aws-jwt-verify: {})",
            o.name,
            o.sanctum_why,
            o.aws_why
        );
    }
    let both_reject = outcomes
        .iter()
        .filter(|o| o.sanctum == Decision::Reject && o.aws == Decision::Reject)
        .count();
    assert!(
        both_reject >= 100,
        "only {both_reject} tokens rejected by both"
    );

    let mut unexplained = String::new();
    let mut explained: BTreeSet<&str> = BTreeSet::new();
    for o in outcomes.iter().filter(|o| o.sanctum != o.aws) {
        match known_for(&o.name) {
            Some(known) if known.sanctum == o.sanctum => {
                explained.insert(&o.name);
            }
            _ => {
                let _ = writeln!(
                    unexplained,
                    "  {}: sanctum {:?} ({}), aws-jwt-verify {:?} ({})",
                    o.name, o.sanctum, o.sanctum_why, o.aws, o.aws_why
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
                    "  {case}: now sanctum {:?} ({}), aws-jwt-verify {:?} ({})",
                    o.sanctum, o.sanctum_why, o.aws, o.aws_why
                );
            }
        }
    }
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "sanctum-core and aws-jwt-verify {version} disagree on {} tokens not in KNOWN_DIFFERENCES:\n{unexplained}\
         KNOWN_DIFFERENCES cases that no longer differ as listed (update the list):\n{stale}",
        unexplained.lines().count()
    );
    println!(
        "{} tokens: {} agreed ({} accepted by both), {} known differences:",
        outcomes.len(),
        outcomes.len() - explained.len(),
        outcomes
            .iter()
            .filter(|o| o.sanctum == Decision::Accept && o.aws == Decision::Accept)
            .count(),
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
