//! The differential corpus: valid Cognito tokens, one or more tokens for every class of defect
//! of DESIGN.md's verification rules, a type matrix of every claim sanctum reads, and seeded
//! mutations of valid tokens — with the JWKS that verifies them.
//!
//! Most tokens come from the test kit's [`TestIssuer`]; tokens whose bytes the kit cannot shape
//! (padding, non-canonical base64, invalid UTF-8, duplicate header fields, other algorithms)
//! are signed here with keys of our own that are published in the same JWKS.

use std::time::{Duration, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    KeyPair as _, RSA_PKCS1_SHA256, RSA_PKCS1_SHA384, RSA_PKCS1_SHA512, RsaEncoding, RsaKeyPair,
};
use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD,
};
use sanctum_core::ExpectedUse;
use sanctum_core::ManualClock;
use sanctum_core::testing::{TEST_CLIENT_ID, TEST_POOL_ID, TEST_REGION, TestIssuer, TokenBuilder};
use serde_json::{Map, Value, json};

/// The corpus' fixed "now", seconds since the epoch (2026-09-21), for both verifiers.
pub(crate) const NOW: i64 = 1_790_000_000;

/// The issuer a TestIssuer's tokens carry.
pub(crate) fn issuer_url() -> String {
    format!("https://cognito-idp.{TEST_REGION}.amazonaws.com/{TEST_POOL_ID}")
}

/// The UPDATED issuer form of the same pool, which both verifiers accept too.
pub(crate) fn updated_issuer_url() -> String {
    format!("https://issuer-cognito-idp.{TEST_REGION}.amazonaws.com/{TEST_POOL_ID}")
}

/// One token and how it is verified.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    /// Unique, `class/what`.
    pub(crate) name: String,
    pub(crate) token: String,
    pub(crate) expected: ExpectedUse,
}

/// The tokens and the JWKS (issuer's keys and ours).
#[derive(Debug)]
pub(crate) struct Corpus {
    pub(crate) cases: Vec<Case>,
    pub(crate) jwks: Value,
}

impl Corpus {
    /// The input of `verify.mjs`.
    pub(crate) fn to_json(&self) -> Value {
        let cases: Vec<Value> = self
            .cases
            .iter()
            .map(|c| {
                let token_use = match c.expected {
                    ExpectedUse::Access => json!("access"),
                    ExpectedUse::Id => json!("id"),
                    _ => Value::Null,
                };
                json!({ "name": c.name, "token": c.token, "tokenUse": token_use })
            })
            .collect();
        json!({
            "now": NOW,
            "userPoolId": TEST_POOL_ID,
            "clientId": TEST_CLIENT_ID,
            "jwks": self.jwks,
            "cases": cases,
        })
    }
}

/// Which digest a raw signature uses.
#[derive(Debug, Clone, Copy)]
enum Digest {
    Sha256,
    Sha384,
    Sha512,
}

/// An RSA key of ours, published (or not) in the corpus JWKS.
struct RawKey {
    kid: &'static str,
    pair: RsaKeyPair,
}

impl RawKey {
    /// The fixed key of [`MUTATION_KEY_PKCS8`].
    fn fixed(kid: &'static str) -> Self {
        let der = STANDARD
            .decode(MUTATION_KEY_PKCS8)
            .expect("MUTATION_KEY_PKCS8 is base64");
        Self {
            kid,
            pair: RsaKeyPair::from_pkcs8(&der).expect("MUTATION_KEY_PKCS8 is an RSA key"),
        }
    }

    fn generate(kid: &'static str) -> Self {
        Self {
            kid,
            pair: RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation"),
        }
    }

    /// Its JWK; `alg`/`use` only when given.
    fn jwk(&self, alg: Option<&str>, use_: Option<&str>) -> Value {
        let public = self.pair.public_key();
        let mut jwk = json!({
            "kty": "RSA",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        });
        if let Some(alg) = alg {
            jwk["alg"] = json!(alg);
        }
        if let Some(use_) = use_ {
            jwk["use"] = json!(use_);
        }
        jwk
    }

    fn sign(&self, digest: Digest, message: &[u8]) -> Vec<u8> {
        let padding: &'static dyn RsaEncoding = match digest {
            Digest::Sha256 => &RSA_PKCS1_SHA256,
            Digest::Sha384 => &RSA_PKCS1_SHA384,
            Digest::Sha512 => &RSA_PKCS1_SHA512,
        };
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(padding, &SystemRandom::new(), message, &mut signature)
            .expect("RSA signing");
        signature
    }

    /// Signs exactly `header_b64.payload_b64` as written.
    fn sign_segments(&self, digest: Digest, header_b64: &str, payload_b64: &str) -> String {
        let input = format!("{header_b64}.{payload_b64}");
        let signature = self.sign(digest, input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// Encodes `header` and `payload` bytes (base64url, no padding) and signs them.
    fn sign_bytes(&self, digest: Digest, header: &[u8], payload: &[u8]) -> String {
        self.sign_segments(
            digest,
            &URL_SAFE_NO_PAD.encode(header),
            &URL_SAFE_NO_PAD.encode(payload),
        )
    }

    fn header(&self, alg: &str) -> String {
        json!({ "alg": alg, "kid": self.kid }).to_string()
    }
}

/// A fixed RSA key (PKCS#8, base64), made for this test only and published in the corpus JWKS:
/// the mutations are of tokens it signs, so with PKCS#1 v1.5 signatures every mutated token,
/// and so each verifier's answer to it, is the same on every run. Not a secret of anything.
const MUTATION_KEY_PKCS8: &str = concat!(
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCnY8qpWFodIHcObHohentESxvvrEZ1PZ3ux1j8",
    "iEk3DzGOxezMeOHBAZyRa1qeamvPyXTKV5z4VJoHb51luHE3DVcP8joHFiaDT4QLsjxh+PwAKXI7Jkw1KX2Xkg75",
    "SQfO9yIvg5tbFX3JjsV8dxEY7CzQ0g+7rbU4IKPy1mR+w6VQJKEBAURs+eAdyPXCSp9GwLjnJqEu9pIoUYO76mKM",
    "DyHtZSL/4Mtk7tyVJ8a/JQcuVF5XlRj8Rb6xVlcKOXRke4bU4cdxJHsERZ4WK3xahYlYnc5f++Gs9HTcJ2tkjWyR",
    "Asjcdme77xxcMtv1kd2uZNWDPGS3ruZn+07KOHkxAgMBAAECggEABXksbhaB7lJCoFes0+nKTG6wC3mIrYJZ9t4A",
    "93NxoO2z0TNAuaQhfh8STnk6G6RXUYJY6bmdC+vwxCnatcH23j3m/RIOoo8Pa/NiegMuSSYT/+GbDwry2ploZleP",
    "2qgAG8zuCsuQ7bTVgczjwVzPk977nWmj+u8cdgkPsVPgMfqgN9v+WYVWOjsVImqsFV95JnO29E4vI9lqtqGhwGDa",
    "BUh0zwtfuJSqsoyudRN5koI+OcBEOD32zxKJI0oAevp0/jcPTaZwcgJ55yLdZ/kp7C72j+nxhDsMEyvz0Ihaik7J",
    "LC8AAxjHGkLXQhx+JUNhsQ7aziR262Xa421nW2xOQQKBgQDrTtnmpfnRFnkTWLPS0tUrVn6kAIS3vzGT73sea6RI",
    "oRQvRpdDLErlBSeswQIdrvUD1HNfmRQqvyQqlRnflWQW8ry4ubkObiaKubLgrsOxMxZ7ROUkOuZ5NQvnCL+OaHbd",
    "MXOS8WK2oeYr1++jSGsI27HTcgcvqkFmkNM83zSmQQKBgQC2G/8LzBXS0y1ZaCRFU9/7A63uCx580a8y2rKGu13o",
    "n6eW8R4i2ad475SItxLZi2AIAsT9/xpu9mA4BLcfQiEVxryCvsNv7eilwYDO2Yz5QyXTP8eitb6mRXooXAFsU9iu",
    "VSNbkTEZuTmcTxoO8i7CMbQXlAYndSmrnpYNn4Z28QKBgGiZ07l5PLUapVXZT46/VC2AtKkY5eZ8ooBdq8BZH119",
    "5WginCkrLlviT8G2xscFODusnGD5voJGF8CqKSc/1I9y9juzq7TjeFSgugixB6Lkz/CaLrZNTJjC4Pih5e1bOMOZ",
    "MQQ4M6Z2D8ibpBZUoef9KW6SOOmSaKI8bPqZSmFBAoGAEx1nLPbUB5gQ94R94iUGqpNdS1IxdgqQaDcabBf4qHUx",
    "ox9V+XR9Jq2HGr6UpO8DOnQH910yihkkSlz8V7SaQm3k1ZhubS48sEFaYtvk9zj8HGtiagrHoy5Bv0DBCXzXjpzz",
    "JCZeUAPoLycCZjU3gTy0WZE5ACVFJXV07KMk+xECgYAKRO5/m0TFUA0yESBQ5k28mmPVZcgFaqSHn1OTaz8zUdd+",
    "0yb+uS3Z8OMT8Pp4S42bhIZkpgtbJckBb18gz1ACWopZkPQnbqpW4kYLDiWA79XOHWkcBIRbLVOBwj76NO8JRnT7",
    "6QhMUryKQa6S5u7Jy4/xnLJ+VBi0e1y44T8xBA==",
);

/// Base64 as Node's `Buffer.from(s, "base64")` reads a segment that passed aws-jwt-verify's
/// pattern: URL-safe alphabet, padding optional, trailing bits ignored.
pub(crate) fn lenient_decode(segment: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    LENIENT.decode(segment).ok()
}

struct Generator {
    issuer: TestIssuer,
    /// Published with `alg: RS256`, `use: sig`, like Cognito's keys.
    raw: RawKey,
    /// Published without `alg` (RFC 7517 makes it optional).
    no_alg: RawKey,
    /// Published with `alg: RS512`.
    rs512: RawKey,
    /// Published with `use: enc`.
    enc: RawKey,
    /// The fixed key the mutated tokens are signed with, published like `raw`.
    mutation: RawKey,
    cases: Vec<Case>,
}

impl Generator {
    fn add(&mut self, name: impl Into<String>, expected: ExpectedUse, token: String) {
        let name = name.into();
        assert!(
            self.cases.iter().all(|c| c.name != name),
            "duplicate corpus case name {name}"
        );
        self.cases.push(Case {
            name,
            token,
            expected,
        });
    }

    fn access(&self) -> TokenBuilder {
        self.issuer.access_token()
    }

    fn id(&self) -> TokenBuilder {
        self.issuer.id_token()
    }

    /// Claims of a valid access token, for tokens we sign ourselves.
    fn access_claims() -> Map<String, Value> {
        let Value::Object(map) = json!({
            "sub": "4d7f2a4e-8f0a-4c0e-9a57-2b7c1a0e5f11",
            "iss": issuer_url(),
            "client_id": TEST_CLIENT_ID,
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "auth_time": NOW,
            "iat": NOW,
            "exp": NOW + 3600,
            "jti": "0d3c5b8e-1f2a-4b6c-8d9e-0a1b2c3d4e5f",
            "username": "alice",
        }) else {
            unreachable!()
        };
        map
    }

    fn access_payload() -> String {
        Value::Object(Self::access_claims()).to_string()
    }
}

/// Builds the whole corpus (and starts the issuer it signs with).
pub(crate) async fn generate() -> (Corpus, TestIssuer) {
    let clock = ManualClock::at(UNIX_EPOCH + Duration::from_secs(NOW.unsigned_abs()));
    let issuer = TestIssuer::builder()
        .clock(clock)
        .start()
        .await
        .expect("issuer starts");
    let mut g = Generator {
        issuer: issuer.clone(),
        raw: RawKey::generate("differential-raw-key"),
        no_alg: RawKey::generate("differential-no-alg-key"),
        rs512: RawKey::generate("differential-rs512-key"),
        enc: RawKey::generate("differential-enc-key"),
        mutation: RawKey::fixed("differential-mutation-key"),
        cases: Vec::new(),
    };
    valid(&mut g);
    times(&mut g);
    issuers(&mut g);
    updated_issuer(&mut g);
    two_faults(&mut g);
    clients(&mut g);
    token_uses(&mut g);
    algorithms(&mut g);
    kids(&mut g);
    signatures(&mut g);
    encodings(&mut g);
    sizes(&mut g);
    claim_types(&mut g);
    mutations(&mut g);

    let mut jwks: Value = serde_json::from_str(&issuer.jwks_json()).expect("issuer JWKS is JSON");
    let keys = jwks["keys"].as_array_mut().expect("JWKS has keys");
    keys.push(g.raw.jwk(Some("RS256"), Some("sig")));
    keys.push(g.no_alg.jwk(None, None));
    keys.push(g.rs512.jwk(Some("RS512"), Some("sig")));
    keys.push(g.enc.jwk(Some("RS256"), Some("enc")));
    keys.push(g.mutation.jwk(Some("RS256"), Some("sig")));
    (
        Corpus {
            cases: g.cases,
            jwks,
        },
        issuer,
    )
}

fn valid(g: &mut Generator) {
    use ExpectedUse::{Access, Either, Id};
    g.add("valid/access", Access, g.access().build());
    g.add("valid/access-as-either", Either, g.access().build());
    g.add(
        "valid/access-groups-scopes",
        Access,
        g.access()
            .groups(["admin", "ops"])
            .scopes(["orders/read", "orders/write"])
            .build(),
    );
    g.add("valid/access-no-optional-claims", Access, {
        let mut t = g.access();
        for claim in [
            "username",
            "scope",
            "jti",
            "origin_jti",
            "event_id",
            "auth_time",
            "iat",
        ] {
            t = t.without_claim(claim);
        }
        t.build()
    });
    g.add(
        "valid/access-unicode-username",
        Access,
        g.access().username("ålice-ß-日本").build(),
    );
    g.add("valid/access-custom-claims", Access, {
        g.access()
            .claim("custom:tenant", "acme")
            .claim("nested", json!({"a": [1, 2, {"b": null}]}))
            .build()
    });
    g.add(
        "valid/access-groups-null",
        Access,
        g.access().claim("cognito:groups", Value::Null).build(),
    );
    g.add(
        "valid/access-groups-empty",
        Access,
        g.access().groups(Vec::<String>::new()).build(),
    );
    g.add("valid/id", Id, g.id().build());
    g.add("valid/id-as-either", Either, g.id().build());
    g.add(
        "valid/id-email-verified-string",
        Id,
        g.id().claim("email_verified", "true").build(),
    );
    g.add(
        "valid/id-custom-attributes",
        Id,
        g.id()
            .claim("custom:tenant", "acme")
            .groups(["admin"])
            .build(),
    );
    g.add(
        "valid/header-typ-jwt",
        Access,
        g.access().header("typ", "JWT").build(),
    );
    // Header parameters other than `alg` and `kid` are not read, whatever their type: aws-jwt-verify
    // checks only those two (sanctum refused these while it read the header into
    // jsonwebtoken's `Header`, whose `typ`, `x5c` and `jwk` have types).
    g.add(
        "valid/header-typ-not-a-string",
        Access,
        g.access().header("typ", 5).build(),
    );
    g.add(
        "valid/header-x5c-and-jwk-of-other-types",
        Access,
        g.access()
            .header("x5c", "not-an-array")
            .header("jwk", json!({ "kty": "none" }))
            .build(),
    );
    // Header parameters that could point elsewhere are ignored by both (the JWKS is configured).
    g.add(
        "valid/header-jku-x5u-ignored",
        Access,
        g.access()
            .header("jku", "http://127.0.0.1:9/jwks.json")
            .header("x5u", "http://127.0.0.1:9/cert.pem")
            .build(),
    );
    // RFC 7515 says a `crit` naming unknown extensions must be refused; neither verifier does.
    g.add(
        "valid/header-crit-ignored",
        Access,
        g.access().header("crit", json!(["exp"])).build(),
    );
    g.add("valid/raw-key", Access, {
        let header = g.raw.header("RS256");
        g.raw.sign_bytes(
            Digest::Sha256,
            header.as_bytes(),
            Generator::access_payload().as_bytes(),
        )
    });
    g.add("valid/raw-key-no-alg-in-jwk", Access, {
        let header = g.no_alg.header("RS256");
        g.no_alg.sign_bytes(
            Digest::Sha256,
            header.as_bytes(),
            Generator::access_payload().as_bytes(),
        )
    });
    g.add("valid/payload-json-whitespace", Access, {
        let header = g.raw.header("RS256");
        let payload =
            serde_json::to_string_pretty(&Value::Object(Generator::access_claims())).unwrap();
        g.raw
            .sign_bytes(Digest::Sha256, header.as_bytes(), payload.as_bytes())
    });
    g.add("valid/payload-unicode-escapes", Access, {
        let header = g.raw.header("RS256");
        let payload = Generator::access_payload()
            .replace(r#""token_use":"access""#, r#""token_use":"\u0061ccess""#);
        assert!(payload.contains("\\u0061"));
        g.raw
            .sign_bytes(Digest::Sha256, header.as_bytes(), payload.as_bytes())
    });
    g.add("valid/payload-duplicate-claim-last-wins", Access, {
        // Both parsers keep the last of duplicate members (serde_json's map and JSON.parse).
        let header = g.raw.header("RS256");
        let payload =
            Generator::access_payload().replacen('{', r#"{"client_id":"someone-else","#, 1);
        g.raw
            .sign_bytes(Digest::Sha256, header.as_bytes(), payload.as_bytes())
    });
    g.add("valid/exp-in-exponent-form", Access, {
        let header = g.raw.header("RS256");
        let payload = Generator::access_payload()
            .replace(&format!("\"exp\":{}", NOW + 3600), "\"exp\":1.7900036e9");
        assert!(payload.contains("e9"));
        g.raw
            .sign_bytes(Digest::Sha256, header.as_bytes(), payload.as_bytes())
    });
}

fn times(g: &mut Generator) {
    use ExpectedUse::Access;
    g.add(
        "time/expired-an-hour-ago",
        Access,
        g.access().expires_in_secs(-3600).build(),
    );
    g.add(
        "time/expired-a-second-ago",
        Access,
        g.access().expires_in_secs(-1).build(),
    );
    g.add(
        "time/exp-equals-now",
        Access,
        g.access().expires_in_secs(0).build(),
    );
    g.add(
        "time/exp-in-one-second",
        Access,
        g.access().expires_in_secs(1).build(),
    );
    g.add(
        "time/exp-half-a-second-from-now",
        Access,
        g.access().claim("exp", NOW as f64 + 0.5).build(),
    );
    g.add(
        "time/exp-fraction-valid",
        Access,
        g.access().claim("exp", NOW as f64 + 3600.25).build(),
    );
    g.add(
        "time/exp-far-future",
        Access,
        g.access().claim("exp", 32_503_680_000_i64).build(),
    );
    g.add(
        "time/exp-u64-max",
        Access,
        g.access().claim("exp", u64::MAX).build(),
    );
    g.add(
        "time/exp-1e300",
        Access,
        g.access().claim("exp", 1e300).build(),
    );
    g.add("time/exp-zero", Access, g.access().claim("exp", 0).build());
    g.add(
        "time/exp-negative",
        Access,
        g.access().claim("exp", -1).build(),
    );
    g.add(
        "time/exp-missing",
        Access,
        g.access().without_claim("exp").build(),
    );
    g.add(
        "time/exp-string",
        Access,
        g.access().claim("exp", (NOW + 3600).to_string()).build(),
    );
    g.add(
        "time/exp-null",
        Access,
        g.access().claim("exp", Value::Null).build(),
    );
    g.add(
        "time/exp-bool",
        Access,
        g.access().claim("exp", true).build(),
    );
    g.add(
        "time/nbf-in-a-minute",
        Access,
        g.access().not_before_in_secs(60).build(),
    );
    g.add(
        "time/nbf-in-one-second",
        Access,
        g.access().not_before_in_secs(1).build(),
    );
    g.add(
        "time/nbf-half-a-second-from-now",
        Access,
        g.access().claim("nbf", NOW as f64 + 0.5).build(),
    );
    g.add(
        "time/iat-half-a-second-from-now",
        Access,
        g.access().claim("iat", NOW as f64 + 0.5).build(),
    );
    g.add(
        "time/nbf-equals-now",
        Access,
        g.access().not_before_in_secs(0).build(),
    );
    g.add(
        "time/nbf-past",
        Access,
        g.access().not_before_in_secs(-60).build(),
    );
    g.add(
        "time/nbf-string",
        Access,
        g.access().claim("nbf", NOW.to_string()).build(),
    );
    g.add(
        "time/iat-in-a-minute",
        Access,
        g.access().issued_in_secs(60).build(),
    );
    g.add(
        "time/iat-in-a-year",
        Access,
        g.access().issued_in_secs(365 * 86_400).build(),
    );
    g.add(
        "time/iat-equals-now",
        Access,
        g.access().issued_in_secs(0).build(),
    );
    g.add(
        "time/iat-string",
        Access,
        g.access().claim("iat", NOW.to_string()).build(),
    );
    g.add(
        "time/auth-time-string",
        Access,
        g.access().claim("auth_time", NOW.to_string()).build(),
    );
    g.add(
        "time/expired-id-token",
        ExpectedUse::Id,
        g.id().expires_in_secs(-60).build(),
    );
}

fn issuers(g: &mut Generator) {
    use ExpectedUse::Access;
    let good = issuer_url();
    let updated = updated_issuer_url();
    let cases = [
        (
            "issuer/other-pool",
            format!("https://cognito-idp.{TEST_REGION}.amazonaws.com/{TEST_REGION}_Other"),
        ),
        (
            "issuer/other-region",
            format!("https://cognito-idp.eu-west-1.amazonaws.com/{TEST_POOL_ID}"),
        ),
        (
            "issuer/http-scheme",
            good.replacen("https://", "http://", 1),
        ),
        ("issuer/trailing-slash", format!("{good}/")),
        (
            "issuer/uppercase-host",
            good.replacen("cognito-idp", "COGNITO-IDP", 1),
        ),
        (
            "issuer/with-jwks-path",
            format!("{good}/.well-known/jwks.json"),
        ),
        ("issuer/empty", String::new()),
        (
            "issuer/attacker",
            "https://attacker.example/us-east-1_SanctumTest".to_owned(),
        ),
    ];
    for (name, iss) in cases {
        g.add(name, Access, g.access().issuer(&iss).build());
    }
    // Near misses of both issuer forms: exact string match refuses every one, in both.
    for (form, iss) in [("original", &good), ("updated", &updated)] {
        let host = if form == "original" {
            "cognito-idp"
        } else {
            "issuer-cognito-idp"
        };
        let near_misses = [
            // A replica region is accepted only when configured (sanctum's replica_regions;
            // aws-jwt-verify 5.2.1 has no replicas), so by default it is another region.
            (
                "other-region",
                format!("https://{host}.us-west-2.amazonaws.com/{TEST_POOL_ID}"),
            ),
            (
                "other-pool",
                format!("https://{host}.{TEST_REGION}.amazonaws.com/{TEST_REGION}_Other"),
            ),
            (
                "pool-of-other-region",
                format!("https://{host}.{TEST_REGION}.amazonaws.com/eu-west-1_SanctumTest"),
            ),
            ("trailing-slash", format!("{iss}/")),
            ("http-scheme", iss.replacen("https://", "http://", 1)),
            ("uppercase-scheme", iss.replacen("https://", "HTTPS://", 1)),
            (
                "uppercase-host",
                iss.replacen(host, &host.to_uppercase(), 1),
            ),
            (
                "uppercase-region",
                iss.replacen(
                    &format!("{TEST_REGION}.amazonaws"),
                    &format!("{}.amazonaws", TEST_REGION.to_uppercase()),
                    1,
                ),
            ),
            (
                "pool-id-lowercase",
                iss.replacen(TEST_POOL_ID, &TEST_POOL_ID.to_lowercase(), 1),
            ),
            (
                "pool-id-uppercase",
                iss.replacen(TEST_POOL_ID, &TEST_POOL_ID.to_uppercase(), 1),
            ),
            (
                "missing-region",
                format!("https://{host}.amazonaws.com/{TEST_POOL_ID}"),
            ),
            (
                "missing-pool",
                format!("https://{host}.{TEST_REGION}.amazonaws.com"),
            ),
            (
                "missing-pool-trailing-slash",
                format!("https://{host}.{TEST_REGION}.amazonaws.com/"),
            ),
            ("explicit-port", iss.replacen(".com/", ".com:443/", 1)),
            ("query", format!("{iss}?x=1")),
            ("fragment", format!("{iss}#x")),
            ("double-slash-path", iss.replacen(".com/", ".com//", 1)),
            ("trailing-space", format!("{iss} ")),
            ("leading-space", format!(" {iss}")),
            ("trailing-newline", format!("{iss}\n")),
            ("trailing-nul", format!("{iss}\u{0}")),
            (
                "host-suffix",
                iss.replacen(".amazonaws.com/", ".amazonaws.com.attacker.example/", 1),
            ),
            ("userinfo", iss.replacen("https://", "https://attacker@", 1)),
            (
                "dotted-pool-path",
                iss.replacen(TEST_POOL_ID, &format!("x/../{TEST_POOL_ID}"), 1),
            ),
            (
                "percent-encoded-underscore",
                iss.replacen(TEST_POOL_ID, &TEST_POOL_ID.replace('_', "%5F"), 1),
            ),
            ("jwks-path", format!("{iss}/.well-known/jwks.json")),
        ];
        for (what, near) in near_misses {
            assert_ne!(&near, iss, "{form}/{what} is not a near miss");
            g.add(
                format!("issuer/{form}/{what}"),
                Access,
                g.access().issuer(&near).build(),
            );
        }
    }
    // Forms that exist only as near misses of the two.
    for (name, iss) in [
        (
            "issuer/mixed/issuer-prefix-twice",
            format!("https://issuer-issuer-cognito-idp.{TEST_REGION}.amazonaws.com/{TEST_POOL_ID}"),
        ),
        (
            "issuer/mixed/cognito-idp-issuer",
            format!("https://cognito-idp-issuer.{TEST_REGION}.amazonaws.com/{TEST_POOL_ID}"),
        ),
        (
            "issuer/mixed/issuer-dot-cognito-idp",
            format!("https://issuer.cognito-idp.{TEST_REGION}.amazonaws.com/{TEST_POOL_ID}"),
        ),
        (
            // aws-jwt-verify picks the form of its own issuer by `includes("issuer-cognito-idp")`
            // (on the configured string, not the token's): a token naming it anywhere gains nothing.
            "issuer/mixed/attacker-path-names-updated-form",
            format!(
                "https://attacker.example/issuer-cognito-idp.{TEST_REGION}.amazonaws.com/{TEST_POOL_ID}"
            ),
        ),
        (
            "issuer/mixed/both-forms-concatenated",
            format!("{good}{updated}"),
        ),
        (
            "issuer/mixed/updated-host-no-scheme",
            updated.replacen("https://", "", 1),
        ),
    ] {
        g.add(name, Access, g.access().issuer(&iss).build());
    }
    g.add(
        "issuer/missing",
        Access,
        g.access().without_claim("iss").build(),
    );
    g.add("issuer/number", Access, g.access().claim("iss", 7).build());
    g.add(
        "issuer/array",
        Access,
        g.access().claim("iss", json!([good])).build(),
    );
    g.add(
        "issuer/array-of-updated",
        Access,
        g.access().claim("iss", json!([updated])).build(),
    );
    g.add(
        "issuer/null",
        Access,
        g.access().claim("iss", Value::Null).build(),
    );
    g.add("issuer/id-token-other-pool", ExpectedUse::Id, {
        g.id()
            .issuer(&format!(
                "https://cognito-idp.{TEST_REGION}.amazonaws.com/{TEST_REGION}_Other"
            ))
            .build()
    });
    g.add("issuer/updated/id-token-other-pool", ExpectedUse::Id, {
        g.id()
            .issuer(&format!(
                "https://issuer-cognito-idp.{TEST_REGION}.amazonaws.com/{TEST_REGION}_Other"
            ))
            .build()
    });
}

/// Tokens of the UPDATED issuer form: both verifiers accept it for the pool and check the
/// rest as for the ORIGINAL form.
fn updated_issuer(g: &mut Generator) {
    use ExpectedUse::{Access, Either, Id};
    let updated = updated_issuer_url();
    assert_eq!(updated, g.issuer.updated_issuer());
    let kit = g.issuer.clone();
    let access = || kit.access_token().issuer(&updated);
    let id = || kit.id_token().issuer(&updated);
    g.add("valid/updated-issuer-access", Access, access().build());
    g.add(
        "valid/updated-issuer-access-as-either",
        Either,
        access().build(),
    );
    g.add(
        "valid/updated-issuer-access-groups-scopes",
        Access,
        access().groups(["admin"]).scopes(["orders/read"]).build(),
    );
    g.add("valid/updated-issuer-id", Id, id().build());
    g.add("valid/updated-issuer-id-as-either", Either, id().build());
    g.add("valid/updated-issuer-raw-key", Access, {
        let mut claims = Generator::access_claims();
        claims.insert("iss".into(), json!(updated));
        g.raw.sign_bytes(
            Digest::Sha256,
            g.raw.header("RS256").as_bytes(),
            Value::Object(claims).to_string().as_bytes(),
        )
    });
    g.add(
        "updated-issuer/expired",
        Access,
        access().expires_in_secs(-3600).build(),
    );
    g.add(
        "updated-issuer/expired-a-second-ago",
        Access,
        access().expires_in_secs(-1).build(),
    );
    g.add(
        "updated-issuer/id-expired",
        Id,
        id().expires_in_secs(-60).build(),
    );
    g.add(
        "updated-issuer/nbf-in-a-minute",
        Access,
        access().not_before_in_secs(60).build(),
    );
    g.add(
        "updated-issuer/other-client",
        Access,
        access().client_id("someotherclient").build(),
    );
    g.add(
        "updated-issuer/id-other-aud",
        Id,
        id().client_id("someotherclient").build(),
    );
    g.add("updated-issuer/id-as-access", Access, id().build());
    g.add("updated-issuer/access-as-id", Id, access().build());
    g.add(
        "updated-issuer/unknown-kid",
        Access,
        access().kid("no-such-key").build(),
    );
    g.add(
        "updated-issuer/unpublished-key",
        Access,
        access().signed_with_unpublished_key().build(),
    );
    g.add(
        "updated-issuer/alg-none",
        Access,
        access().unsigned().build(),
    );
    // The signature covers `iss`: swapping one form for the other breaks it.
    g.add("updated-issuer/iss-swapped-after-signing", Access, {
        let original = g.access().build();
        let swapped = access().build();
        let (header, _) = original.split_once('.').unwrap();
        let payload = swapped.split('.').nth(1).unwrap();
        let signature = original.rsplit('.').next().unwrap();
        format!("{header}.{payload}.{signature}")
    });
}

/// Tokens that break two rules: each verifier names the first in its own order. Both check
/// the issuer before the key, the signature before the times, and the times before
/// `token_use` and the client; sanctum checks `alg`, `kid` presence and claim types while
/// parsing, aws-jwt-verify the header's `alg` only against the key it found.
fn two_faults(g: &mut Generator) {
    use ExpectedUse::{Access, Id};
    let other_pool = format!("https://cognito-idp.{TEST_REGION}.amazonaws.com/{TEST_REGION}_Other");
    let kit = g.issuer.clone();
    let other = || kit.access_token().issuer(&other_pool);
    g.add(
        "two-faults/other-issuer-and-expired",
        Access,
        other().expires_in_secs(-3600).build(),
    );
    g.add(
        "two-faults/other-issuer-and-unknown-kid",
        Access,
        other().kid("no-such-key").build(),
    );
    g.add(
        "two-faults/other-issuer-and-unpublished-key",
        Access,
        other().signed_with_unpublished_key().build(),
    );
    g.add(
        "two-faults/other-issuer-and-other-client",
        Access,
        other().client_id("someotherclient").build(),
    );
    g.add(
        "two-faults/other-issuer-and-missing-kid",
        Access,
        other().without_header("kid").build(),
    );
    g.add(
        "two-faults/other-issuer-and-alg-none",
        Access,
        other().unsigned().build(),
    );
    g.add(
        "two-faults/other-issuer-and-hs256",
        Access,
        other().signed_hs256("secret").build(),
    );
    g.add(
        "two-faults/other-issuer-and-groups-string",
        Access,
        other().claim("cognito:groups", "admin").build(),
    );
    g.add(
        "two-faults/unknown-kid-and-expired",
        Access,
        g.access().kid("no-such-key").expires_in_secs(-3600).build(),
    );
    g.add(
        "two-faults/unpublished-key-and-expired",
        Access,
        g.access()
            .signed_with_unpublished_key()
            .expires_in_secs(-3600)
            .build(),
    );
    g.add(
        "two-faults/unpublished-key-and-other-client",
        Access,
        g.access()
            .signed_with_unpublished_key()
            .client_id("someotherclient")
            .build(),
    );
    g.add(
        "two-faults/expired-and-nbf-in-a-minute",
        Access,
        g.access()
            .expires_in_secs(-3600)
            .not_before_in_secs(60)
            .build(),
    );
    g.add(
        "two-faults/expired-and-other-client",
        Access,
        g.access()
            .expires_in_secs(-3600)
            .client_id("someotherclient")
            .build(),
    );
    g.add(
        "two-faults/expired-and-wrong-token-use",
        Id,
        g.access().expires_in_secs(-3600).build(),
    );
    g.add(
        "two-faults/nbf-in-a-minute-and-other-client",
        Access,
        g.access()
            .not_before_in_secs(60)
            .client_id("someotherclient")
            .build(),
    );
    g.add(
        "two-faults/wrong-token-use-and-other-client",
        Id,
        g.access().client_id("someotherclient").build(),
    );
    g.add(
        "two-faults/unknown-kid-and-alg-hs256",
        Access,
        g.access().kid("no-such-key").signed_hs256("secret").build(),
    );
    g.add(
        "two-faults/missing-kid-and-expired",
        Access,
        g.access()
            .without_header("kid")
            .expires_in_secs(-3600)
            .build(),
    );
    g.add(
        "two-faults/expired-and-groups-string",
        Access,
        g.access()
            .expires_in_secs(-3600)
            .claim("cognito:groups", "admin")
            .build(),
    );
    g.add(
        "two-faults/unpublished-key-and-exp-string",
        Access,
        g.access()
            .signed_with_unpublished_key()
            .claim("exp", (NOW + 3600).to_string())
            .build(),
    );
}

fn clients(g: &mut Generator) {
    use ExpectedUse::{Access, Id};
    g.add(
        "client/access-other-client",
        Access,
        g.access().client_id("someotherclient").build(),
    );
    g.add(
        "client/access-client-case",
        Access,
        g.access().client_id(&TEST_CLIENT_ID.to_uppercase()).build(),
    );
    g.add(
        "client/access-missing-client-id",
        Access,
        g.access().without_claim("client_id").build(),
    );
    g.add(
        "client/access-empty-client-id",
        Access,
        g.access().client_id("").build(),
    );
    g.add(
        "client/access-client-id-number",
        Access,
        g.access().claim("client_id", 7).build(),
    );
    g.add(
        "client/access-client-id-array",
        Access,
        g.access()
            .claim("client_id", json!([TEST_CLIENT_ID]))
            .build(),
    );
    g.add(
        "client/access-aud-instead-of-client-id",
        Access,
        g.access()
            .without_claim("client_id")
            .claim("aud", TEST_CLIENT_ID)
            .build(),
    );
    g.add(
        "client/access-other-client-right-aud",
        Access,
        g.access()
            .client_id("someotherclient")
            .claim("aud", TEST_CLIENT_ID)
            .build(),
    );
    g.add(
        "client/id-other-aud",
        Id,
        g.id().client_id("someotherclient").build(),
    );
    g.add(
        "client/id-missing-aud",
        Id,
        g.id().without_claim("aud").build(),
    );
    g.add("client/id-aud-number", Id, g.id().claim("aud", 7).build());
    g.add(
        "client/id-aud-one-element-array",
        Id,
        g.id().claim("aud", json!([TEST_CLIENT_ID])).build(),
    );
    g.add(
        "client/id-aud-two-element-array",
        Id,
        g.id()
            .claim("aud", json!([TEST_CLIENT_ID, "someotherclient"]))
            .build(),
    );
    g.add(
        "client/id-aud-empty-array",
        Id,
        g.id().claim("aud", json!([])).build(),
    );
    g.add(
        "client/id-client-id-instead-of-aud",
        Id,
        g.id()
            .without_claim("aud")
            .claim("client_id", TEST_CLIENT_ID)
            .build(),
    );
}

fn token_uses(g: &mut Generator) {
    use ExpectedUse::{Access, Either, Id};
    g.add("token-use/access-as-id", Id, g.access().build());
    g.add("token-use/id-as-access", Access, g.id().build());
    g.add(
        "token-use/missing",
        Access,
        g.access().without_claim("token_use").build(),
    );
    g.add(
        "token-use/missing-as-either",
        Either,
        g.access().without_claim("token_use").build(),
    );
    g.add(
        "token-use/refresh",
        Access,
        g.access().claim("token_use", "refresh").build(),
    );
    g.add(
        "token-use/refresh-as-either",
        Either,
        g.access().claim("token_use", "refresh").build(),
    );
    g.add(
        "token-use/uppercase",
        Access,
        g.access().claim("token_use", "ACCESS").build(),
    );
    g.add(
        "token-use/empty",
        Either,
        g.access().claim("token_use", "").build(),
    );
    g.add(
        "token-use/number",
        Either,
        g.access().claim("token_use", 1).build(),
    );
    g.add(
        "token-use/array",
        Access,
        g.access().claim("token_use", json!(["access"])).build(),
    );
    // An access token's claims with token_use id: checked as an ID token, it has no aud.
    g.add(
        "token-use/access-claims-labelled-id",
        Id,
        g.access().claim("token_use", "id").build(),
    );
    g.add(
        "token-use/id-claims-labelled-access",
        Access,
        g.id().claim("token_use", "access").build(),
    );
}

fn algorithms(g: &mut Generator) {
    use ExpectedUse::Access;
    let payload = Generator::access_payload();
    g.add("alg/none-unsigned", Access, g.access().unsigned().build());
    g.add("alg/none-with-rs256-signature", Access, {
        let header = json!({"alg": "none", "kid": g.raw.kid}).to_string();
        g.raw
            .sign_bytes(Digest::Sha256, header.as_bytes(), payload.as_bytes())
    });
    g.add(
        "alg/none-unsigned-no-kid",
        Access,
        g.access().unsigned().without_header("kid").build(),
    );
    g.add("alg/hs256-public-key-pem-as-secret", Access, {
        let pem = g.issuer.public_key_pem();
        g.access().signed_hs256(pem).build()
    });
    g.add("alg/hs256-jwk-n-as-secret", Access, {
        let n = g.raw.jwk(None, None)["n"].as_str().unwrap().to_owned();
        g.access().signed_hs256(n).build()
    });
    g.add(
        "alg/missing",
        Access,
        g.access().without_header("alg").build(),
    );
    g.add(
        "alg/null",
        Access,
        g.access().header("alg", Value::Null).build(),
    );
    g.add("alg/number", Access, g.access().header("alg", 256).build());
    g.add(
        "alg/lowercase-rs256",
        Access,
        g.access().alg("rs256").build(),
    );
    g.add(
        "alg/rs256-with-space",
        Access,
        g.access().alg("RS256 ").build(),
    );
    g.add("alg/ps256", Access, g.access().alg("PS256").build());
    // Other RSA digests, really signed with them.
    let mut signed = Vec::new();
    for (name, alg, digest, key) in [
        ("alg/rs512-on-rs256-key", "RS512", Digest::Sha512, &g.raw),
        ("alg/rs384-on-rs256-key", "RS384", Digest::Sha384, &g.raw),
        (
            "alg/rs512-on-key-without-alg",
            "RS512",
            Digest::Sha512,
            &g.no_alg,
        ),
        (
            "alg/rs384-on-key-without-alg",
            "RS384",
            Digest::Sha384,
            &g.no_alg,
        ),
        ("alg/rs512-on-rs512-key", "RS512", Digest::Sha512, &g.rs512),
        ("alg/rs256-on-rs512-key", "RS256", Digest::Sha256, &g.rs512),
        // aws-jwt-verify maps ES256 to RSA-SHA256 and the key decides the algorithm.
        (
            "alg/es256-header-rs256-signature-key-without-alg",
            "ES256",
            Digest::Sha256,
            &g.no_alg,
        ),
        (
            "alg/es256-header-rs256-signature-rs256-key",
            "ES256",
            Digest::Sha256,
            &g.raw,
        ),
        (
            "alg/eddsa-header-rs256-signature-key-without-alg",
            "EdDSA",
            Digest::Sha256,
            &g.no_alg,
        ),
    ] {
        signed.push((
            name,
            key.sign_bytes(digest, key.header(alg).as_bytes(), payload.as_bytes()),
        ));
    }
    for (name, token) in signed {
        g.add(name, Access, token);
    }
}

fn kids(g: &mut Generator) {
    use ExpectedUse::Access;
    let payload = Generator::access_payload();
    g.add(
        "kid/missing",
        Access,
        g.access().without_header("kid").build(),
    );
    g.add("kid/unknown", Access, g.access().kid("no-such-key").build());
    g.add("kid/empty", Access, g.access().kid("").build());
    g.add(
        "kid/null",
        Access,
        g.access().header("kid", Value::Null).build(),
    );
    g.add("kid/number", Access, g.access().header("kid", 1).build());
    g.add(
        "kid/array",
        Access,
        g.access()
            .header("kid", json!([g.issuer.active_kid()]))
            .build(),
    );
    g.add(
        "kid/with-trailing-space",
        Access,
        g.access()
            .kid(&format!("{} ", g.issuer.active_kid()))
            .build(),
    );
    g.add(
        "kid/very-long",
        Access,
        g.access().kid(&"k".repeat(2000)).build(),
    );
    // The issuer's signature under another published key's kid.
    g.add(
        "kid/points-at-another-published-key",
        Access,
        g.access().kid(g.raw.kid).build(),
    );
    // A key embedded in the header (RFC 7515 `jwk`) must never be trusted.
    g.add("kid/embedded-jwk-header", Access, {
        let attacker = g.issuer.access_token().signed_with_unpublished_key();
        attacker
            .header("jwk", g.raw.jwk(Some("RS256"), Some("sig")))
            .build()
    });
    g.add("kid/encryption-key", Access, {
        g.enc.sign_bytes(
            Digest::Sha256,
            g.enc.header("RS256").as_bytes(),
            payload.as_bytes(),
        )
    });
    g.add("kid/duplicate-last-one-good", Access, {
        let header = format!(
            r#"{{"alg":"RS256","kid":"no-such-key","kid":"{}"}}"#,
            g.raw.kid
        );
        g.raw
            .sign_bytes(Digest::Sha256, header.as_bytes(), payload.as_bytes())
    });
}

fn signatures(g: &mut Generator) {
    use ExpectedUse::Access;
    let valid = g.access().build();
    let (input, sig) = valid.rsplit_once('.').unwrap();
    let (header_b64, payload_b64) = input.split_once('.').unwrap();
    g.add(
        "signature/unpublished-key",
        Access,
        g.access().signed_with_unpublished_key().build(),
    );
    g.add("signature/tampered-payload", Access, {
        let other = g.access().groups(["admin"]).build();
        let other_payload = other.split('.').nth(1).unwrap();
        format!("{header_b64}.{other_payload}.{sig}")
    });
    g.add("signature/tampered-header", Access, {
        let other = g.access().header("typ", "JWT").build();
        let other_header = other.split('.').next().unwrap();
        format!("{other_header}.{payload_b64}.{sig}")
    });
    g.add("signature/of-another-token", Access, {
        let other = g.access().username("mallory").build();
        let other_sig = other.rsplit('.').next().unwrap();
        format!("{input}.{other_sig}")
    });
    g.add(
        "signature/truncated-by-ten-chars",
        Access,
        format!("{input}.{}", &sig[..sig.len() - 10]),
    );
    g.add("signature/truncated-by-one-byte", Access, {
        let bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
        format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() - 1])
        )
    });
    g.add("signature/extra-byte", Access, {
        let mut bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
        bytes.push(0);
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(bytes))
    });
    g.add("signature/leading-zero-byte", Access, {
        let mut bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
        bytes.insert(0, 0);
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(bytes))
    });
    g.add("signature/empty", Access, format!("{input}."));
    g.add(
        "signature/all-zero",
        Access,
        g.access().raw_signature(vec![0; 256]).build(),
    );
    g.add("signature/one-bit-flipped", Access, {
        let mut bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
        bytes[100] ^= 1;
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(bytes))
    });
    g.add("signature/twice", Access, format!("{input}.{sig}{sig}"));
    // The same signature bytes, written non-canonically.
    g.add("signature/padded", Access, format!("{valid}=="));
    g.add("signature/non-canonical-trailing-bits", Access, {
        format!("{input}.{}", non_canonical(sig))
    });
    g.add("signature/standard-alphabet", Access, {
        let bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
        format!("{input}.{}", STANDARD_NO_PAD.encode(bytes))
    });
}

/// `segment` with its last character's unused low bits set: the same bytes for a lenient
/// decoder, not canonical base64url. Needs a segment whose bit length is not a multiple of 8.
fn non_canonical(segment: &str) -> String {
    assert!(
        !segment.len().is_multiple_of(4),
        "segment has no trailing bits"
    );
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *segment.as_bytes().last().unwrap();
    let value = ALPHABET.iter().position(|&c| c == last).unwrap();
    let replaced = ALPHABET[value | 1] as char;
    let out = format!("{}{replaced}", &segment[..segment.len() - 1]);
    assert_ne!(out, segment);
    assert_eq!(lenient_decode(&out), lenient_decode(segment));
    out
}

/// `json` with trailing spaces so its length is not a multiple of 3: its base64 then has
/// padding (or trailing bits, unpadded).
fn needing_padding(json: &str) -> String {
    let mut out = json.to_owned();
    while out.len().is_multiple_of(3) {
        out.push(' ');
    }
    out
}

fn encodings(g: &mut Generator) {
    use ExpectedUse::Access;
    let valid = g.access().build();
    let parts: Vec<&str> = valid.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let header = g.raw.header("RS256");
    let payload = Generator::access_payload();
    g.add("encoding/empty-token", Access, String::new());
    g.add("encoding/one-segment", Access, h.to_owned());
    g.add("encoding/two-segments", Access, format!("{h}.{p}"));
    g.add(
        "encoding/two-segments-trailing-dot",
        Access,
        format!("{h}.{p}."),
    );
    g.add("encoding/four-segments", Access, format!("{valid}.{s}"));
    g.add(
        "encoding/four-segments-trailing-dot",
        Access,
        format!("{valid}."),
    );
    g.add(
        "encoding/five-segments-jwe-shape",
        Access,
        format!("{h}.{p}.{s}.{s}.{s}"),
    );
    g.add("encoding/only-dots", Access, "..".to_owned());
    g.add("encoding/empty-header", Access, format!(".{p}.{s}"));
    g.add("encoding/empty-payload", Access, format!("{h}..{s}"));
    g.add("encoding/leading-space", Access, format!(" {valid}"));
    g.add("encoding/trailing-newline", Access, format!("{valid}\n"));
    g.add("encoding/bearer-prefix", Access, format!("Bearer {valid}"));
    g.add("encoding/header-not-base64", Access, format!("!!!.{p}.{s}"));
    g.add(
        "encoding/payload-with-star",
        Access,
        format!("{h}.{}*.{s}", &p[..p.len() - 1]),
    );
    g.add("encoding/header-standard-base64-signed", Access, {
        // `/` or `+` instead of `_` or `-`, signed as written
        let hb = (1..64)
            .map(|n| {
                let h = json!({"alg": "RS256", "kid": g.raw.kid, "x": "?".repeat(n)}).to_string();
                STANDARD_NO_PAD.encode(h.as_bytes())
            })
            .find(|b| b.contains('/') || b.contains('+'))
            .unwrap();
        g.raw.sign_segments(
            Digest::Sha256,
            &hb,
            &URL_SAFE_NO_PAD.encode(payload.as_bytes()),
        )
    });
    // Padding and non-canonical trailing bits, signed over the text as written.
    for (name, pad_header, pad_payload) in [
        ("encoding/header-padded-signed", true, false),
        ("encoding/payload-padded-signed", false, true),
    ] {
        let hb = if pad_header {
            let b = STANDARD
                .encode(needing_padding(&header))
                .replace('+', "-")
                .replace('/', "_");
            assert!(b.ends_with('='));
            b
        } else {
            URL_SAFE_NO_PAD.encode(header.as_bytes())
        };
        let pb = if pad_payload {
            let b = STANDARD
                .encode(needing_padding(&payload))
                .replace('+', "-")
                .replace('/', "_");
            assert!(b.ends_with('='));
            b
        } else {
            URL_SAFE_NO_PAD.encode(payload.as_bytes())
        };
        let token = g.raw.sign_segments(Digest::Sha256, &hb, &pb);
        g.add(name, Access, token);
    }
    g.add(
        "encoding/payload-non-canonical-trailing-bits-signed",
        Access,
        {
            let pb = non_canonical(&URL_SAFE_NO_PAD.encode(needing_padding(&payload)));
            g.raw.sign_segments(
                Digest::Sha256,
                &URL_SAFE_NO_PAD.encode(header.as_bytes()),
                &pb,
            )
        },
    );
    let raw = |g: &Generator, header: &[u8], payload: &[u8]| {
        g.raw.sign_bytes(Digest::Sha256, header, payload)
    };
    let cases: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
        (
            "encoding/header-not-json",
            b"hello".to_vec(),
            payload.clone().into_bytes(),
        ),
        (
            "encoding/header-json-array",
            b"[\"RS256\"]".to_vec(),
            payload.clone().into_bytes(),
        ),
        (
            "encoding/header-json-string",
            b"\"RS256\"".to_vec(),
            payload.clone().into_bytes(),
        ),
        (
            "encoding/header-empty-object",
            b"{}".to_vec(),
            payload.clone().into_bytes(),
        ),
        (
            "encoding/header-trailing-garbage",
            format!("{header}x").into_bytes(),
            payload.clone().into_bytes(),
        ),
        (
            "encoding/header-duplicate-alg-last-rs256",
            format!(r#"{{"alg":"none","alg":"RS256","kid":"{}"}}"#, g.raw.kid).into_bytes(),
            payload.clone().into_bytes(),
        ),
        (
            "encoding/header-duplicate-alg-last-none",
            format!(r#"{{"alg":"RS256","alg":"none","kid":"{}"}}"#, g.raw.kid).into_bytes(),
            payload.clone().into_bytes(),
        ),
        (
            "encoding/header-with-bom",
            [b"\xef\xbb\xbf".as_slice(), header.as_bytes()].concat(),
            payload.clone().into_bytes(),
        ),
        (
            "encoding/payload-not-json",
            header.clone().into_bytes(),
            b"not json".to_vec(),
        ),
        (
            "encoding/payload-json-array",
            header.clone().into_bytes(),
            b"[1,2]".to_vec(),
        ),
        (
            "encoding/payload-json-null",
            header.clone().into_bytes(),
            b"null".to_vec(),
        ),
        (
            "encoding/payload-trailing-garbage",
            header.clone().into_bytes(),
            format!("{payload}}}").into_bytes(),
        ),
        (
            "encoding/payload-with-bom",
            header.clone().into_bytes(),
            [b"\xef\xbb\xbf".as_slice(), payload.as_bytes()].concat(),
        ),
        (
            "encoding/payload-invalid-utf8-in-claim",
            header.clone().into_bytes(),
            payload
                .replacen("\"alice\"", "\"al\u{1}ice\"", 1)
                .bytes()
                .map(|b| if b == 1 { 0xff } else { b })
                .collect(),
        ),
        (
            "encoding/payload-lone-surrogate-escape",
            header.clone().into_bytes(),
            payload
                .replacen("\"alice\"", "\"al\\ud800ice\"", 1)
                .into_bytes(),
        ),
        (
            "encoding/payload-nul-escape",
            header.clone().into_bytes(),
            payload
                .replacen("\"alice\"", "\"al\\u0000ice\"", 1)
                .into_bytes(),
        ),
        (
            "encoding/payload-deeply-nested-claim",
            header.clone().into_bytes(),
            payload
                .replacen(
                    '{',
                    &format!("{{\"deep\":{}{},", "[".repeat(200), "]".repeat(200)),
                    1,
                )
                .into_bytes(),
        ),
        (
            "encoding/payload-number-too-large",
            header.clone().into_bytes(),
            payload
                .replace(&format!("\"exp\":{}", NOW + 3600), "\"exp\":1e400")
                .into_bytes(),
        ),
        (
            "encoding/payload-proto-key",
            header.clone().into_bytes(),
            payload
                .replacen('{', r#"{"__proto__":{"admin":true},"constructor":"x","#, 1)
                .into_bytes(),
        ),
    ];
    for (name, header_bytes, payload_bytes) in cases {
        let token = raw(g, &header_bytes, &payload_bytes);
        g.add(name, Access, token);
    }
}

fn sizes(g: &mut Generator) {
    use ExpectedUse::Access;
    let limit = sanctum_core::verify::DEFAULT_MAX_TOKEN_SIZE;
    let header = g.raw.header("RS256");
    let sized = |g: &Generator, filler: usize| {
        let mut claims = Generator::access_claims();
        claims.insert("filler".into(), json!("x".repeat(filler)));
        g.raw.sign_bytes(
            Digest::Sha256,
            header.as_bytes(),
            Value::Object(claims).to_string().as_bytes(),
        )
    };
    // The longest token at most `limit` bytes, and the shortest above it.
    let base = sized(g, 0).len();
    let mut at_limit = None;
    let mut over_limit = None;
    for filler in (limit - base) * 3 / 4 - 8..(limit - base) * 3 / 4 + 8 {
        let token = sized(g, filler);
        if token.len() <= limit {
            at_limit = Some(token);
        } else if over_limit.is_none() {
            over_limit = Some(token);
        }
    }
    let (at_limit, over_limit) = (at_limit.unwrap(), over_limit.unwrap());
    assert!(limit - at_limit.len() < 4 && over_limit.len() - limit < 4);
    g.add("size/at-limit", Access, at_limit);
    g.add("size/just-over-limit", Access, over_limit);
    g.add(
        "size/seven-kib",
        Access,
        g.access().padded_to(7 * 1024).build(),
    );
    g.add(
        "size/64-kib",
        Access,
        g.access().padded_to(64 * 1024).build(),
    );
    g.add("size/100-kib-garbage", Access, "A".repeat(100 * 1024));
}

/// Every claim sanctum reads, absent and with each JSON type, in access and ID tokens.
fn claim_types(g: &mut Generator) {
    let values: [(&str, Option<Value>); 7] = [
        ("absent", None),
        ("null", Some(Value::Null)),
        ("number", Some(json!(7))),
        ("string", Some(json!("x"))),
        ("bool", Some(json!(true))),
        ("array", Some(json!(["x"]))),
        ("object", Some(json!({"x": 1}))),
    ];
    let access_claims = [
        "sub",
        "username",
        "scope",
        "cognito:groups",
        "jti",
        "origin_jti",
        "event_id",
        "auth_time",
        "iat",
        "nbf",
        "client_id",
        "email",
        "email_verified",
    ];
    let id_claims = [
        "sub",
        "cognito:username",
        "cognito:groups",
        "aud",
        "email",
        "email_verified",
        "auth_time",
        "iat",
    ];
    for (kind, claims) in [("access", &access_claims[..]), ("id", &id_claims[..])] {
        for claim in claims {
            for (label, value) in &values {
                let builder = if kind == "access" { g.access() } else { g.id() };
                let builder = match value {
                    None => builder.without_claim(claim),
                    Some(v) => builder.claim(claim, v.clone()),
                };
                let expected = if kind == "access" {
                    ExpectedUse::Access
                } else {
                    ExpectedUse::Id
                };
                g.add(
                    format!("claim-type/{kind}/{claim}={label}"),
                    expected,
                    builder.build(),
                );
            }
        }
    }
}

/// A small deterministic PRNG (xorshift64*), so mutations are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap()).unwrap()
    }
}

/// Seeded mutations of valid tokens signed with a fixed key, so every run makes the same tokens.
/// A mutation that only rewrites the signature so that a lenient base64 decoder still reads the
/// same bytes is named `mutation/non-canonical/...`.
fn mutations(g: &mut Generator) {
    const PER_TOKEN: usize = 40;
    const ALPHABET: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    let mut rng = Rng(0x5a4e_c7d0_2026_1129);
    // The test kit's tokens, re-signed with the fixed key: the same bytes on every run.
    let resign = |token: String| {
        let (input, _) = token.rsplit_once('.').unwrap();
        let (header, payload) = input.split_once('.').unwrap();
        g.mutation.sign_segments(Digest::Sha256, header, payload)
    };
    let originals = [
        (
            "access",
            resign(g.access().kid(g.mutation.kid).build()),
            ExpectedUse::Access,
        ),
        (
            "id",
            resign(g.id().kid(g.mutation.kid).build()),
            ExpectedUse::Id,
        ),
    ];
    for (kind, original, expected) in originals {
        g.add(
            format!("valid/mutation-original-{kind}"),
            expected,
            original.clone(),
        );
        let mut made = 0;
        let mut attempts = 0;
        while made < PER_TOKEN {
            attempts += 1;
            assert!(
                attempts < PER_TOKEN * 10,
                "mutations keep producing the original"
            );
            let mut bytes = original.clone().into_bytes();
            let op = rng.below(7);
            let at = rng.below(bytes.len());
            match op {
                0 => bytes[at] = ALPHABET[rng.below(ALPHABET.len())],
                1 => {
                    bytes.remove(at);
                }
                2 => bytes.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
                3 if at + 1 < bytes.len() => bytes.swap(at, at + 1),
                4 => bytes.truncate(at),
                5 => {
                    // flip the case of a letter, or of the next one
                    if let Some(b) = bytes[at..].iter_mut().find(|b| b.is_ascii_alphabetic()) {
                        *b ^= 0x20;
                    }
                }
                _ => {
                    // duplicate a dot-separated segment
                    let text = String::from_utf8(bytes.clone()).unwrap();
                    let segments: Vec<&str> = text.split('.').collect();
                    let i = rng.below(segments.len());
                    let mut out = segments.clone();
                    out.insert(i, segments[i]);
                    bytes = out.join(".").into_bytes();
                }
            }
            let Ok(token) = String::from_utf8(bytes) else {
                continue;
            };
            if token == original {
                continue;
            }
            let name = if same_for_lenient_decoder(&original, &token) {
                format!("mutation/non-canonical/{kind}-{made:02}")
            } else {
                format!("mutation/{kind}-{made:02}")
            };
            g.add(name, expected, token);
            made += 1;
        }
    }
}

/// Whether `mutated` differs from `original` only in how its signature is written: same
/// header and payload text, and the same signature bytes for a lenient decoder.
fn same_for_lenient_decoder(original: &str, mutated: &str) -> bool {
    let (Some((input_a, sig_a)), Some((input_b, sig_b))) =
        (original.rsplit_once('.'), mutated.rsplit_once('.'))
    else {
        return false;
    };
    if input_a != input_b
        || !sig_b
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    {
        return false;
    }
    let trimmed = sig_b.trim_end_matches('=');
    if sig_b.len() - trimmed.len() > 2 || trimmed.contains('=') {
        return false;
    }
    lenient_decode(trimmed).is_some() && lenient_decode(trimmed) == lenient_decode(sig_a)
}
