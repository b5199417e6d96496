//! Known-answer test of sanctum's SRP against an independent implementation: pycognito's
//! `AWSSRP` (PyPI, pinned in `scripts/setup-pycognito.sh`), given the same fixed `a`, salt, `B`,
//! secret block and time, must produce byte-identical `SRP_A`, `PASSWORD_CLAIM_SIGNATURE`,
//! `TIMESTAMP` and `SECRET_HASH`.
//! Likewise for remembered devices: pycognito's `generate_hash_device` (the `ConfirmDevice`
//! verifier and salt, from the same random bytes) and `process_device_challenge` (the
//! `DEVICE_PASSWORD_VERIFIER` signature).
//!
//! Needs `.venv-pycognito` (run `scripts/setup-pycognito.sh`); without it the test fails — it
//! never skips. `SANCTUM_PYCOGNITO_PYTHON` may name another Python that has pycognito.
#![cfg(all(feature = "cognito", feature = "test-util"))]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sanctum_core::cognito::internals::{SrpChallenge, SrpSecret, cognito_timestamp, secret_hash};
use serde_json::{Value, json};

fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("SANCTUM_PYCOGNITO_PYTHON") {
        return PathBuf::from(path);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest)
        .join(".venv-pycognito/bin/python")
}

/// Deterministic bytes: SHA-256 of (label, counter) blocks.
fn bytes(label: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter = 0u32;
    while out.len() < len {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(label.as_bytes());
        ctx.update(&counter.to_be_bytes());
        out.extend_from_slice(ctx.finish().as_ref());
        counter += 1;
    }
    out.truncate(len);
    out
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

struct Case {
    pool_id: &'static str,
    client_id: &'static str,
    client_secret: Option<&'static str>,
    username: String,
    user_id_for_srp: String,
    password: String,
    a: Vec<u8>,
    salt_hex: String,
    srp_b_hex: String,
    secret_block: String,
    unix_time: u64,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for i in 0..24u64 {
        let label = format!("case-{i}");
        let mut b = bytes(&format!("{label}-B"), 384);
        // B below N (top byte < 0xff), sometimes with a low top byte: shorter, odd-length hex
        b[0] = match i % 4 {
            0 => 0x7e,
            1 => 0x01,
            2 => 0xc3,
            _ => 0x00,
        };
        let mut salt = bytes(&format!("{label}-salt"), 16);
        // the top bit set (a zero byte is hashed in front), clear, or a 15-digit hex salt;
        // never a leading zero byte: there pycognito (which hashes the salt's hex as given)
        // and AWS's own clients (which hash it as a number) disagree
        salt[0] = match i % 3 {
            0 => 0x9a,
            1 => 0x35,
            _ => 0x0b,
        };
        let mut salt_hex = hex(&salt);
        if i % 3 == 2 {
            salt_hex.remove(0); // "b..." : odd length
        }
        let srp_b_hex = {
            let h = hex(&b);
            h.trim_start_matches('0').to_owned()
        };
        let user = if i % 2 == 0 {
            format!("user-{i}")
        } else {
            // an alias signs in; Cognito answers with the internal id
            format!("0f2c6d1e-7b8a-4c3d-9e0f-{i:012}")
        };
        cases.push(Case {
            pool_id: if i % 2 == 0 {
                "us-east-1_AbC123xyz"
            } else {
                "eu-west-2_Zz9"
            },
            client_id: "4a1b2c3d4e5f6g7h8i9j0k",
            client_secret: (i % 3 == 0)
                .then_some("1example23456789abcdefghijklmnopqrstuvwxyz0123456789ab"),
            username: if i % 2 == 0 {
                user.clone()
            } else {
                format!("alias{i}@example.com")
            },
            user_id_for_srp: user,
            password: if i % 5 == 0 {
                format!("Pässwörd-ünïcödé-{i}!")
            } else {
                format!("Passw0rd-{i}")
            },
            a: bytes(&format!("{label}-a"), 128),
            salt_hex,
            srp_b_hex,
            secret_block: STANDARD.encode(bytes(&format!("{label}-block"), 100 + (i as usize))),
            // single-digit and two-digit days, midnight and late hours, a leap day
            unix_time: [1_709_629_623, 1_709_251_199, 1_798_761_600, 1_735_689_599]
                [(i % 4) as usize]
                + i * 86_400 * 3,
        });
    }
    cases
}

#[test]
fn srp_a_signature_timestamp_and_secret_hash_match_pycognito_byte_for_byte() {
    let python = python();
    assert!(
        python.is_file(),
        "pycognito is not installed at {}: run scripts/setup-pycognito.sh (the SRP known-answer test never skips)",
        python.display()
    );
    let cases = cases();
    let input: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "pool_id": c.pool_id,
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "username": c.username,
                "user_id_for_srp": c.user_id_for_srp,
                "password": c.password,
                "a_hex": hex(&c.a),
                "salt_hex": c.salt_hex,
                "srp_b_hex": c.srp_b_hex,
                "secret_block": c.secret_block,
                "unix_time": c.unix_time,
            })
        })
        .collect();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/srp_kat/pycognito_kat.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(Value::Array(input).to_string().as_bytes())
        .expect("cases written");
    let out = child.wait_with_output().expect("python runs");
    assert!(
        out.status.success(),
        "pycognito failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON from pycognito");
    assert_eq!(answers.len(), cases.len());

    for (i, (case, answer)) in cases.iter().zip(&answers).enumerate() {
        let secret = SrpSecret::insecure_from_bytes(&case.a).expect("secret");
        assert_eq!(
            secret.srp_a(),
            answer["auth"]["SRP_A"].as_str().expect("SRP_A"),
            "case {i}: SRP_A"
        );
        let timestamp = cognito_timestamp(UNIX_EPOCH + Duration::from_secs(case.unix_time));
        let response = &answer["response"];
        assert_eq!(timestamp, response["TIMESTAMP"], "case {i}: TIMESTAMP");
        let claim = secret
            .password_claim(
                case.pool_id,
                &case.user_id_for_srp,
                &case.password,
                &SrpChallenge {
                    salt: &case.salt_hex,
                    srp_b: &case.srp_b_hex,
                    secret_block: &case.secret_block,
                },
                &timestamp,
            )
            .expect("claim");
        assert_eq!(
            claim.signature, response["PASSWORD_CLAIM_SIGNATURE"],
            "case {i}: PASSWORD_CLAIM_SIGNATURE"
        );
        assert_eq!(
            claim.secret_block, response["PASSWORD_CLAIM_SECRET_BLOCK"],
            "case {i}: PASSWORD_CLAIM_SECRET_BLOCK"
        );
        assert_eq!(claim.timestamp, timestamp);
        assert_eq!(response["USERNAME"], case.user_id_for_srp.as_str());
        match case.client_secret {
            Some(client_secret) => {
                assert_eq!(
                    secret_hash(&case.username, case.client_id, client_secret),
                    answer["auth"]["SECRET_HASH"],
                    "case {i}: SECRET_HASH on InitiateAuth"
                );
                assert_eq!(
                    secret_hash(&case.user_id_for_srp, case.client_id, client_secret),
                    response["SECRET_HASH"],
                    "case {i}: SECRET_HASH on PASSWORD_VERIFIER"
                );
            }
            None => assert!(response.get("SECRET_HASH").is_none()),
        }
    }
}

/// The same known answers without Python: the first case's values, as pycognito 2024.5.1
/// computed them (kept here so a change in the arithmetic fails even where pycognito is absent).
#[test]
fn the_first_case_still_gives_pycognitos_recorded_answer() {
    let case = &cases()[0];
    let secret = SrpSecret::insecure_from_bytes(&case.a).expect("secret");
    let timestamp = cognito_timestamp(UNIX_EPOCH + Duration::from_secs(case.unix_time));
    assert_eq!(timestamp, "Tue Mar 5 09:07:03 UTC 2024");
    let claim = secret
        .password_claim(
            case.pool_id,
            &case.user_id_for_srp,
            &case.password,
            &SrpChallenge {
                salt: &case.salt_hex,
                srp_b: &case.srp_b_hex,
                secret_block: &case.secret_block,
            },
            &timestamp,
        )
        .expect("claim");
    assert_eq!(&secret.srp_a()[..32], RECORDED_SRP_A_PREFIX);
    assert_eq!(claim.signature, RECORDED_SIGNATURE);
}

const RECORDED_SRP_A_PREFIX: &str = "c3dbd9818bde35a8805a27716d5fdc82";
const RECORDED_SIGNATURE: &str = "FMxp8f1jtF3XXKkM0gIlUjXGnA3spWPA7pT1f4ppwuQ=";

/// Runs one of the pycognito scripts with `input` on stdin and returns its JSON answer.
fn run_pycognito(script: &str, input: Value) -> Vec<Value> {
    let python = python();
    assert!(
        python.is_file(),
        "pycognito is not installed at {}: run scripts/setup-pycognito.sh (the SRP known-answer test never skips)",
        python.display()
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/srp_kat")
        .join(script);
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("cases written");
    let out = child.wait_with_output().expect("python runs");
    assert!(
        out.status.success(),
        "pycognito failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from pycognito")
}

#[test]
fn device_verifier_and_device_password_claim_match_pycognito_byte_for_byte() {
    use sanctum_core::cognito::internals::DeviceVerifier;

    struct DeviceCase {
        group: String,
        key: String,
        password_bytes: Vec<u8>,
        salt_bytes: Vec<u8>,
        a: Vec<u8>,
        salt_hex: String,
        srp_b_hex: String,
        secret_block: String,
        unix_time: u64,
    }
    let cases: Vec<DeviceCase> = (0..16u64)
        .map(|i| {
            let label = format!("device-{i}");
            let mut salt_bytes = bytes(&format!("{label}-verifier-salt"), 16);
            // the top bit set, clear, and a leading zero byte (a shorter number)
            salt_bytes[0] = [0xd1, 0x42, 0x00, 0x07][(i % 4) as usize];
            let mut b = bytes(&format!("{label}-B"), 384);
            b[0] = [0x7e, 0x01, 0xc3, 0x00][(i % 4) as usize];
            let mut salt = bytes(&format!("{label}-salt"), 16);
            salt[0] = [0x9a, 0x35][(i % 2) as usize];
            DeviceCase {
                group: format!("-Gr0up{i}Key"),
                key: format!("us-east-1_{i:08}-aaaa-bbbb-cccc-0123456789ab"),
                password_bytes: bytes(&format!("{label}-password"), 40),
                salt_bytes,
                a: bytes(&format!("{label}-a"), 128),
                salt_hex: hex(&salt),
                srp_b_hex: hex(&b).trim_start_matches('0').to_owned(),
                secret_block: STANDARD.encode(bytes(&format!("{label}-block"), 90 + i as usize)),
                unix_time: 1_709_629_623 + i * 86_400 * 5,
            }
        })
        .collect();
    let input = cases
        .iter()
        .map(|c| {
            json!({
                "device_group_key": c.group,
                "device_key": c.key,
                "username": "0f2c6d1e-7b8a-4c3d-9e0f-1a2b3c4d5e6f",
                "password_bytes_hex": hex(&c.password_bytes),
                "salt_bytes_hex": hex(&c.salt_bytes),
                "a_hex": hex(&c.a),
                "salt_hex": c.salt_hex,
                "srp_b_hex": c.srp_b_hex,
                "secret_block": c.secret_block,
                "unix_time": c.unix_time,
            })
        })
        .collect();
    let answers = run_pycognito("pycognito_device_kat.py", Value::Array(input));
    assert_eq!(answers.len(), cases.len());
    for (i, (case, answer)) in cases.iter().zip(&answers).enumerate() {
        let password = STANDARD.encode(&case.password_bytes);
        assert_eq!(answer["device_password"], password.as_str(), "case {i}");
        let verifier = DeviceVerifier::insecure_from_parts(
            &case.group,
            &case.key,
            &password,
            &case.salt_bytes,
        );
        assert_eq!(
            verifier.password_verifier, answer["config"]["PasswordVerifier"],
            "case {i}: PasswordVerifier"
        );
        assert_eq!(verifier.salt, answer["config"]["Salt"], "case {i}: Salt");

        let secret = SrpSecret::insecure_from_bytes(&case.a).expect("secret");
        assert_eq!(secret.srp_a(), answer["srp_a"], "case {i}: SRP_A");
        let timestamp = cognito_timestamp(UNIX_EPOCH + Duration::from_secs(case.unix_time));
        let response = &answer["response"];
        assert_eq!(timestamp, response["TIMESTAMP"], "case {i}: TIMESTAMP");
        let claim = secret
            .device_password_claim(
                &case.group,
                &case.key,
                &password,
                &SrpChallenge {
                    salt: &case.salt_hex,
                    srp_b: &case.srp_b_hex,
                    secret_block: &case.secret_block,
                },
                &timestamp,
            )
            .expect("claim");
        assert_eq!(
            claim.signature, response["PASSWORD_CLAIM_SIGNATURE"],
            "case {i}: PASSWORD_CLAIM_SIGNATURE"
        );
        assert_eq!(response["DEVICE_KEY"], case.key.as_str());
    }
}
