//! Differential test of ALB mode: sanctum's `AlbVerifier` against AWS's own, aws-jwt-verify's
//! `AlbJwtVerifier` (npm, run by Node.js), on generated `x-amzn-oidc-data` tokens, valid and
//! broken.
//!
//! Both verify every token with the same load balancer ARNs, issuer, app client, key and fixed
//! clock (sanctum fetching the key from the test kit's loopback key endpoint, the reference
//! given the same key as PEM); every token must get the same accept/refuse decision, except
//! the cases in [`KNOWN_DIFFERENCES`], each with the reason sanctum decides otherwise (a name
//! listed there that no longer differs fails the test).
//!
//! Needs the reference installed: `scripts/setup-differential.sh` (the test script runs it).
//! Without it this test fails, it never skips.
#![allow(missing_docs)]
#![cfg(feature = "test-util")]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use sanctum_core::ManualClock;
use sanctum_core::alb::AlbCredentials;
use sanctum_core::testing::{AlbTestIssuer, TestIssuer};
use serde_json::{Value, json};

/// Cases where sanctum refuses what aws-jwt-verify 5.2.1 accepts, and why.
static KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "claims/no-exp",
        "DESIGN check 6: a token without `exp` never expires; sanctum requires it (an ALB always \
         sends it). aws-jwt-verify checks `exp` only when present.",
    ),
    (
        "claims/no-sub",
        "The verified user is its `sub` (CognitoUser::sub); a token naming nobody is refused. \
         aws-jwt-verify checks `sub` only when present.",
    ),
];

/// A header and payload, encoded (padded or not) and signed by `alb`'s key as given.
fn encode(header: &Value, payload: &Value, padded: bool) -> (String, String) {
    let engine = if padded { URL_SAFE } else { URL_SAFE_NO_PAD };
    (
        engine.encode(header.to_string()),
        engine.encode(payload.to_string()),
    )
}

/// The segments of a token.
fn parts(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

fn corpus(alb: &AlbTestIssuer) -> Vec<(&'static str, String)> {
    let t = || alb.data_token();
    let valid = t().build();
    let p = parts(&valid);
    let stranger = format!(
        "arn:aws:elasticloadbalancing:{}:123456789012:loadbalancer/app/stranger/1111",
        alb.region()
    );
    let other_region = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/sanctum-test/50dc6c495c0c9188";
    let tampered = {
        let mallory = parts(&t().sub("mallory").build());
        format!("{}.{}.{}", p[0], mallory[1], p[2])
    };
    let sig = URL_SAFE.decode(&p[2]).expect("signature");
    let with_sig = |bytes: &[u8]| format!("{}.{}.{}", p[0], p[1], URL_SAFE.encode(bytes));
    let unsigned_header = |header: Value| {
        let (h, pl) = encode(&header, &json!({"sub": "x"}), true);
        format!("{h}.{pl}.{}", p[2])
    };
    let mut extended = sig.clone();
    extended.push(0);
    vec![
        ("valid/padded", valid.clone()),
        ("valid/unpadded", t().unpadded().build()),
        (
            "valid/extra-header-field",
            t().header("x-extra", "1").build(),
        ),
        ("valid/no-typ", t().without_header("typ").build()),
        ("valid/nbf-past", t().claim("nbf", 1).build()),
        (
            "valid/extra-claims",
            t().claim("custom:tenant", "acme")
                .claim("cognito:groups", json!(["admin"]))
                .build(),
        ),
        (
            "signer/second-configured-alb",
            t().signer(&alb.other_arn()).build(),
        ),
        ("signer/unconfigured-alb", t().signer(&stranger).build()),
        ("signer/other-region", t().signer(other_region).build()),
        ("signer/missing", t().without_header("signer").build()),
        ("signer/number", t().header("signer", 7).build()),
        (
            "signer/array",
            t().header("signer", json!([alb.arn()])).build(),
        ),
        ("client/other", t().client_id("someotherclient").build()),
        ("client/missing", t().without_header("client").build()),
        (
            "iss/other-pool",
            t().issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")
                .build(),
        ),
        ("iss/missing", t().without_claim("iss").build()),
        (
            "iss/trailing-slash",
            t().claim("iss", format!("{}/", alb_issuer(alb))).build(),
        ),
        ("alg/RS256", t().alg("RS256").build()),
        ("alg/ES384", t().alg("ES384").build()),
        ("alg/ES512", t().alg("ES512").build()),
        ("alg/HS256", t().alg("HS256").build()),
        ("alg/none", t().alg("none").build()),
        ("alg/lowercase", t().alg("es256").build()),
        ("alg/missing", t().without_header("alg").build()),
        ("kid/path", t().kid("../../etc/passwd").build()),
        (
            "kid/query",
            t().kid("00000000-0000-0000-0000-00000000000?").build(),
        ),
        (
            "kid/uuid-suffix-path",
            t().kid(&format!("{}/../x", alb.active_kid())).build(),
        ),
        (
            "kid/unknown-uuid",
            t().kid("00000000-0000-4000-8000-000000000000").build(),
        ),
        (
            "kid/uppercase",
            t().kid(&alb.active_kid().to_uppercase()).build(),
        ),
        ("kid/missing", t().without_header("kid").build()),
        ("kid/number", t().header("kid", 5).build()),
        ("signature/der", t().der_signature().build()),
        (
            "signature/unpublished-key",
            t().signed_with_unpublished_key().build(),
        ),
        ("signature/zeros", t().raw_signature(vec![0; 64]).build()),
        ("signature/63-bytes", with_sig(&sig[..63])),
        ("signature/65-bytes", with_sig(&extended)),
        ("signature/empty", format!("{}.{}.", p[0], p[1])),
        ("signature/tampered-payload", tampered),
        ("time/expired", t().expires_in_secs(-60).build()),
        (
            "time/expired-long-ago",
            t().expires_in_secs(-86_400).build(),
        ),
        ("time/nbf-future", t().claim("nbf", i64::MAX / 4).build()),
        ("time/exp-string", t().claim("exp", "4102444800").build()),
        ("claims/no-exp", t().without_claim("exp").build()),
        ("claims/no-sub", t().without_claim("sub").build()),
        ("claims/sub-number", t().claim("sub", 42).build()),
        ("structure/two-segments", format!("{}.{}", p[0], p[1])),
        ("structure/four-segments", format!("{valid}.{}", p[2])),
        (
            "structure/header-not-json",
            unsigned_header(json!("not an object")),
        ),
        (
            "structure/header-garbage",
            format!("bm90IGpzb24.{}.{}", p[1], p[2]),
        ),
        ("structure/payload-array", {
            let (h, pl) = encode(&json!({"alg": "ES256"}), &json!([1, 2]), true);
            format!("{h}.{pl}.{}", p[2])
        }),
        (
            "structure/standard-base64-chars",
            format!("{}+/.{}.{}", p[0].trim_end_matches('='), p[1], p[2]),
        ),
        (
            "structure/three-padding-chars",
            format!("{}===.{}.{}", p[0].trim_end_matches('='), p[1], p[2]),
        ),
        ("structure/empty", String::new()),
    ]
}

fn alb_issuer(alb: &AlbTestIssuer) -> String {
    // the pool's issuer is in every token the test ALB signs
    let token = alb.data_token().build();
    let payload = URL_SAFE
        .decode(parts(&token)[1].as_bytes())
        .expect("payload");
    let payload: Value = serde_json::from_slice(&payload).expect("JSON");
    payload["iss"].as_str().expect("iss").to_owned()
}

#[tokio::test]
async fn sanctum_and_aws_jwt_verify_agree_on_alb_tokens() {
    let clock = ManualClock::starting_now();
    let cognito = TestIssuer::builder()
        .clock(clock.clone())
        .start()
        .await
        .expect("issuer starts");
    let alb = AlbTestIssuer::for_issuer(&cognito)
        .await
        .expect("ALB starts");
    let verifier = alb
        .verifier_builder()
        .load_balancer_arn(alb.other_arn())
        .build()
        .expect("builds");
    let cases = corpus(&alb);

    let mut ours = BTreeMap::new();
    for (name, token) in &cases {
        let result = verifier
            .verify(&AlbCredentials::new(token.clone(), None, None))
            .await;
        ours.insert(*name, result.map(|_| ()).map_err(|e| e.to_string()));
    }

    let now = sanctum_core::Clock::now(&clock)
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let input = json!({
        "now": now,
        "albArn": [alb.arn(), alb.other_arn()],
        "issuer": alb_issuer(&alb),
        "clientId": cognito.client_id(),
        "jwksUri": alb.keys_url(),
        "kid": alb.active_kid(),
        "pem": alb.public_key_pem(),
        "cases": cases.iter().map(|(name, token)| json!({"name": name, "token": token})).collect::<Vec<_>>(),
    });
    let theirs = run_reference(&input);

    let mut problems = Vec::new();
    let mut still_known = Vec::new();
    for (name, _) in &cases {
        let our = &ours[name];
        let (accept, why) = theirs
            .get(*name)
            .unwrap_or_else(|| panic!("the reference did not answer {name}"));
        let known = KNOWN_DIFFERENCES.iter().find(|(case, _)| case == name);
        let differ = our.is_ok() != *accept;
        match (differ, known) {
            (false, None) => {}
            (true, Some(_)) if our.is_err() => still_known.push(*name),
            (false, Some(_)) => problems.push(format!(
                "{name}: listed as a known difference but both now decide {}",
                if *accept { "accept" } else { "refuse" }
            )),
            (true, _) => problems.push(format!(
                "{name}: sanctum {} ({}), aws-jwt-verify {} ({why})",
                if our.is_ok() { "accepts" } else { "refuses" },
                our.as_ref().err().map_or("", String::as_str),
                if *accept { "accepts" } else { "refuses" },
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(still_known.len(), KNOWN_DIFFERENCES.len());
    // the corpus is not trivially one-sided
    let accepted = ours.values().filter(|r| r.is_ok()).count();
    assert!(accepted >= 5, "{accepted} accepted");
    assert!(
        cases.len() - accepted >= 30,
        "{accepted} of {} accepted",
        cases.len()
    );
}

/// Runs verify-alb.mjs; panics with the set-up command when the reference is missing.
fn run_reference(input: &Value) -> BTreeMap<String, (bool, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential");
    let installed = dir.join("node_modules/aws-jwt-verify/package.json");
    assert!(
        installed.is_file(),
        "aws-jwt-verify is not installed ({} is missing): run scripts/setup-differential.sh first",
        installed.display()
    );
    let work = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("alb-differential-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temp dir");
    let path = work.join("corpus.json");
    std::fs::write(&path, serde_json::to_vec_pretty(input).unwrap()).expect("write corpus");
    let output = Command::new("node")
        .arg(dir.join("verify-alb.mjs"))
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): the differential test needs Node.js >= 18; then run scripts/setup-differential.sh"));
    assert!(
        output.status.success(),
        "verify-alb.mjs failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).expect("verify-alb.mjs prints JSON");
    assert_eq!(answer["version"], "5.2.1", "the pinned reference");
    answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().expect("name").to_owned(),
                (
                    r["accept"].as_bool().expect("accept"),
                    r["error"].as_str().unwrap_or("").to_owned(),
                ),
            )
        })
        .collect()
}
