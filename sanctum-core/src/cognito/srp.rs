//! Cognito's SRP-6a (`USER_SRP_AUTH`): the client side of the password proof.
//!
//! [`Auth::user_srp`](super::Auth::user_srp) runs the whole exchange; this module is the
//! arithmetic, crate-private. Feature `test-util` reaches it through the hidden
//! `cognito::internals` for sanctum's own known-answer test, which compares it byte for byte
//! with pycognito's `AWSSRP` (`tests/cognito_srp_kat.rs`), and the SRP bench.
//!
//! Cognito's variant, as in AWS's own clients (amazon-cognito-identity-js, the Java sample):
//! the 3072-bit group of RFC 5054 with `g = 2`; numbers are hashed as big-endian bytes without
//! leading zeros, with one zero byte in front when the top bit is set; `k = H(N ‖ g)`;
//! `u = H(A ‖ B)`; `x = H(salt ‖ H(poolName ‖ userId ‖ ":" ‖ password))`;
//! `S = (B − k·gˣ)^(a + u·x) mod N`; the key is HKDF-SHA256 with salt `u`, input `S` and the info
//! `"Caldera Derived Key"`, cut to 16 bytes; the `PASSWORD_CLAIM_SIGNATURE` is
//! `base64(HMAC-SHA256(key, poolName ‖ userId ‖ SECRET_BLOCK ‖ TIMESTAMP))` with `TIMESTAMP`
//! like `Tue Mar 5 09:07:03 UTC 2024` (no leading zero on the day).
//!
//! The modular exponentiations use `num-bigint`, which is not constant-time (neither are the
//! JavaScript, Java and Python clients AWS and pycognito ship); they run on the signing-in
//! client, once per attempt.

use std::fmt;
use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use aws_lc_rs::{digest, hmac};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;

/// The 3072-bit prime of RFC 5054 (appendix A) that Cognito uses, in hex.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
);

/// The HKDF info Cognito uses.
const DERIVE_INFO: &[u8] = b"Caldera Derived Key";

/// How many random bytes make `a` (as AWS's clients and pycognito: 128).
const A_BYTES: usize = 128;

struct Group {
    n: BigUint,
    g: BigUint,
    k: BigUint,
}

static GROUP: LazyLock<Group> = LazyLock::new(|| {
    // N_HEX is a constant: parsing cannot fail; an empty number would fail every proof
    let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default();
    let g = BigUint::from(2u32);
    let k = hash_to_int(&[&padded(&n), &padded(&g)]);
    Group { n, g, k }
});

/// Why an SRP step could not be computed. Values from the server are checked before use.
///
/// Carried by [`CognitoError`](crate::cognito::CognitoError) when an SRP sign-in fails; see
/// [`Auth::sign_in`](crate::cognito::Auth::sign_in).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SrpError {
    /// A challenge parameter is missing or malformed (`SALT`, `SRP_B`, `SECRET_BLOCK`, ...).
    #[error("SRP challenge parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The server's `B` is 0 modulo N, or `u` is 0: answering would reveal the password to
    /// whoever sent it; SRP-6a requires the client to stop.
    #[error("unsafe SRP value from the server: {0}")]
    UnsafeServerValue(&'static str),
    /// The pool id has no `_` (it must look like `us-east-1_AbC123xyz`).
    #[error("the user pool id has no region prefix (`<region>_<id>`)")]
    InvalidPoolId,
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// The computation, run on Tokio's blocking pool, did not finish: the runtime is shutting
    /// down.
    #[error("the SRP computation was cancelled (the runtime is shutting down)")]
    Cancelled,
    /// `a` given to [`SrpSecret::insecure_from_bytes`] is 0 modulo N.
    #[error("the SRP secret `a` must not be 0 modulo N")]
    ZeroSecret,
}

/// The client's ephemeral SRP secret `a` and its public `A = gᵃ mod N`: one per sign-in
/// attempt. `Debug` shows neither.
#[derive(Clone)]
pub struct SrpSecret {
    a: BigUint,
    big_a: BigUint,
}

impl fmt::Debug for SrpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SrpSecret(<redacted>)")
    }
}

impl SrpSecret {
    /// A new secret: 128 bytes from the operating system's CSPRNG, reduced modulo N.
    ///
    /// # Errors
    /// [`SrpError::Random`] when the system's random number generator fails.
    pub fn generate() -> Result<Self, SrpError> {
        let rng = SystemRandom::new();
        // a zero `a` has chance 2^-1024; draw again rather than fail (bounded)
        for _ in 0..4 {
            let mut bytes = [0u8; A_BYTES];
            rng.fill(&mut bytes).map_err(|_| SrpError::Random)?;
            match Self::insecure_from_bytes(&bytes) {
                Err(SrpError::ZeroSecret) => continue,
                other => return other,
            }
        }
        Err(SrpError::Random)
    }

    /// A secret from fixed bytes (big-endian, reduced modulo N). **Only for known-answer
    /// tests**: a sign-in with a predictable `a` gives away the password to anyone who saw it.
    ///
    /// # Errors
    /// [`SrpError::ZeroSecret`] when `a` is 0 modulo N.
    pub fn insecure_from_bytes(a: &[u8]) -> Result<Self, SrpError> {
        let group = &*GROUP;
        let a = BigUint::from_bytes_be(a) % &group.n;
        if a == BigUint::ZERO {
            return Err(SrpError::ZeroSecret);
        }
        let big_a = group.g.modpow(&a, &group.n);
        Ok(Self { a, big_a })
    }

    /// `SRP_A` for `InitiateAuth`: `A` in lowercase hex without leading zeros.
    #[must_use]
    pub fn srp_a(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// The answer to `PASSWORD_VERIFIER`: proves knowledge of `password` for the user Cognito
    /// calls `user_id_for_srp` (its `USER_ID_FOR_SRP`) in pool `pool_id`, given the challenge's
    /// `SALT` and `SRP_B` (hex) and `SECRET_BLOCK` (base64), signed at `timestamp` (see
    /// [`cognito_timestamp`]).
    ///
    /// # Errors
    /// [`SrpError::InvalidParameter`] for a malformed salt, `B` or secret block,
    /// [`SrpError::UnsafeServerValue`] when `B` or `u` is 0 modulo N, [`SrpError::InvalidPoolId`].
    // the sign-in flows use the `_off_workers` forms; the known-answer test and bench this one
    #[cfg(any(test, feature = "test-util"))]
    pub fn password_claim(
        &self,
        pool_id: &str,
        user_id_for_srp: &str,
        password: &str,
        challenge: &SrpChallenge<'_>,
        timestamp: &str,
    ) -> Result<PasswordClaim, SrpError> {
        let pool_name = pool_id.split('_').nth(1).ok_or(SrpError::InvalidPoolId)?;
        self.claim(pool_name, user_id_for_srp, password, challenge, timestamp)
    }

    /// The answer to `DEVICE_PASSWORD_VERIFIER`: proves knowledge of a remembered device's
    /// password, as [`password_claim`](Self::password_claim) with the device group key in place
    /// of the pool name and the device key in place of the user (as amazon-cognito-identity-js
    /// and pycognito compute it): `x = H(salt ‖ H(groupKey ‖ deviceKey ‖ ":" ‖ devicePassword))`,
    /// signature over `groupKey ‖ deviceKey ‖ SECRET_BLOCK ‖ TIMESTAMP`.
    ///
    /// # Errors
    /// As [`password_claim`](Self::password_claim), without the pool id check.
    // the sign-in flows use the `_off_workers` forms; the known-answer test and bench this one
    #[cfg(any(test, feature = "test-util"))]
    pub fn device_password_claim(
        &self,
        device_group_key: &str,
        device_key: &str,
        device_password: &str,
        challenge: &SrpChallenge<'_>,
        timestamp: &str,
    ) -> Result<PasswordClaim, SrpError> {
        self.claim(
            device_group_key,
            device_key,
            device_password,
            challenge,
            timestamp,
        )
    }

    /// The SRP proof: `prefix` is the pool name (users) or device group key (devices), `id` the
    /// user id for SRP or device key.
    fn claim(
        &self,
        prefix: &str,
        id: &str,
        password: &str,
        challenge: &SrpChallenge<'_>,
        timestamp: &str,
    ) -> Result<PasswordClaim, SrpError> {
        let group = &*GROUP;
        let salt = parse_hex("SALT", challenge.salt)?;
        let big_b = parse_hex("SRP_B", challenge.srp_b)?;
        let secret_block = STANDARD
            .decode(challenge.secret_block.trim())
            .map_err(|_| SrpError::InvalidParameter {
                name: "SECRET_BLOCK",
                reason: "not base64",
            })?;
        if &big_b % &group.n == BigUint::ZERO {
            return Err(SrpError::UnsafeServerValue("B is 0 modulo N"));
        }
        let u = hash_to_int(&[&padded(&self.big_a), &padded(&big_b)]);
        if u == BigUint::ZERO {
            return Err(SrpError::UnsafeServerValue("u is 0"));
        }
        let x = private_x(prefix, id, password, &padded(&salt));
        // (B - k·g^x) mod N, kept non-negative
        let kgx = (&group.k * group.g.modpow(&x, &group.n)) % &group.n;
        let base = ((&big_b % &group.n) + &group.n - kgx) % &group.n;
        let s = base.modpow(&(&self.a + &u * &x), &group.n);

        // HKDF-SHA256: extract with salt u, expand one block with the info, keep 16 bytes
        let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &padded(&u)), &padded(&s));
        let mut info = DERIVE_INFO.to_vec();
        info.push(1);
        let okm = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()), &info);
        let key = okm.as_ref().get(..16).unwrap_or_default();

        let mut ctx = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, key));
        ctx.update(prefix.as_bytes());
        ctx.update(id.as_bytes());
        ctx.update(&secret_block);
        ctx.update(timestamp.as_bytes());
        Ok(PasswordClaim {
            secret_block: challenge.secret_block.to_owned(),
            signature: STANDARD.encode(ctx.sign().as_ref()),
            timestamp: timestamp.to_owned(),
        })
    }
}

/// Runs `compute` (3072-bit modular exponentiations, milliseconds of CPU) on Tokio's blocking
/// pool, so the async workers go on serving other tasks meanwhile. A panic in `compute` is
/// resumed here.
async fn off_workers<T: Send + 'static>(
    compute: impl FnOnce() -> Result<T, SrpError> + Send + 'static,
) -> Result<T, SrpError> {
    match tokio::task::spawn_blocking(move || {
        let result = compute();
        tracing::trace!("SRP arithmetic done on the blocking pool");
        result
    })
    .await
    {
        Ok(result) => result,
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(_) => Err(SrpError::Cancelled),
    }
}

/// The async forms the sign-in flows use: the same computations, off the async workers.
impl SrpSecret {
    /// [`generate`](Self::generate) (`A = gᵃ mod N`) on the blocking pool.
    pub(crate) async fn generate_off_workers() -> Result<Self, SrpError> {
        off_workers(Self::generate).await
    }

    /// [`password_claim`](Self::password_claim) on the blocking pool.
    pub(crate) async fn password_claim_off_workers(
        &self,
        pool_id: &str,
        user_id_for_srp: &str,
        password: &str,
        challenge: &SrpChallenge<'_>,
        timestamp: &str,
    ) -> Result<PasswordClaim, SrpError> {
        let pool_name = pool_id.split('_').nth(1).ok_or(SrpError::InvalidPoolId)?;
        self.claim_off_workers([pool_name, user_id_for_srp, password, timestamp], challenge)
            .await
    }

    /// [`device_password_claim`](Self::device_password_claim) on the blocking pool.
    pub(crate) async fn device_password_claim_off_workers(
        &self,
        device_group_key: &str,
        device_key: &str,
        device_password: &str,
        challenge: &SrpChallenge<'_>,
        timestamp: &str,
    ) -> Result<PasswordClaim, SrpError> {
        self.claim_off_workers(
            [device_group_key, device_key, device_password, timestamp],
            challenge,
        )
        .await
    }

    /// The proof (`claim`) on the blocking pool, from `[prefix, id, password, timestamp]`.
    async fn claim_off_workers(
        &self,
        args: [&str; 4],
        challenge: &SrpChallenge<'_>,
    ) -> Result<PasswordClaim, SrpError> {
        let (secret, challenge) = (self.clone(), OwnedChallenge::from(challenge));
        let args = args.map(str::to_owned);
        off_workers(move || {
            let [prefix, id, password, timestamp] = &args;
            secret.claim(prefix, id, password, &challenge.borrowed(), timestamp)
        })
        .await
    }
}

impl DeviceVerifier {
    /// [`generate`](Self::generate) (`gˣ mod N`) on the blocking pool.
    pub(crate) async fn generate_off_workers(
        device_group_key: &str,
        device_key: &str,
    ) -> Result<Self, SrpError> {
        let (group_key, key) = (device_group_key.to_owned(), device_key.to_owned());
        off_workers(move || Self::generate(&group_key, &key)).await
    }
}

/// An [`SrpChallenge`] that can move to another thread.
struct OwnedChallenge {
    salt: String,
    srp_b: String,
    secret_block: String,
}

impl From<&SrpChallenge<'_>> for OwnedChallenge {
    fn from(challenge: &SrpChallenge<'_>) -> Self {
        Self {
            salt: challenge.salt.to_owned(),
            srp_b: challenge.srp_b.to_owned(),
            secret_block: challenge.secret_block.to_owned(),
        }
    }
}

impl OwnedChallenge {
    fn borrowed(&self) -> SrpChallenge<'_> {
        SrpChallenge {
            salt: &self.salt,
            srp_b: &self.srp_b,
            secret_block: &self.secret_block,
        }
    }
}

/// `x = H(salt ‖ H(prefix ‖ id ‖ ":" ‖ password))`, `salt` as hashed (padded bytes).
fn private_x(prefix: &str, id: &str, password: &str, salt: &[u8]) -> BigUint {
    let identity = digest::digest(
        &digest::SHA256,
        format!("{prefix}{id}:{password}").as_bytes(),
    );
    hash_to_int(&[salt, identity.as_ref()])
}

/// How many random bytes make a device password (as AWS's clients and pycognito: 40, then
/// base64).
const DEVICE_PASSWORD_BYTES: usize = 40;

/// How many random bytes make a device verifier's salt (as AWS's clients and pycognito: 16).
const DEVICE_SALT_BYTES: usize = 16;

/// What `ConfirmDevice` needs to remember a device: a new random device password (the caller
/// keeps it) and the SRP verifier Cognito keeps (`DeviceSecretVerifierConfig`). `Debug` shows
/// no value.
///
/// As amazon-cognito-identity-js' `generateHashDevice` and pycognito's
/// `generate_hash_device`: the password is base64 of 40 random bytes; the salt is 16 random
/// bytes as a number, hashed and sent as padded big-endian bytes (a zero byte in front when
/// the top bit is set); `x = H(salt ‖ H(groupKey ‖ deviceKey ‖ ":" ‖ password))`; the verifier
/// is `gˣ mod N`, sent as padded big-endian bytes; both in standard base64.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceVerifier {
    /// The device password, base64: the caller stores it with the device key and group key.
    pub device_password: String,
    /// `PasswordVerifier`: the verifier `gˣ mod N`, base64.
    pub password_verifier: String,
    /// `Salt`, base64.
    pub salt: String,
}

impl fmt::Debug for DeviceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceVerifier(<redacted>)")
    }
}

impl DeviceVerifier {
    /// A new device password and its verifier for the device `device_key` of group
    /// `device_group_key` (both from the sign-in's `NewDeviceMetadata`), from the operating
    /// system's CSPRNG.
    ///
    /// # Errors
    /// [`SrpError::Random`] when the system's random number generator fails.
    pub fn generate(device_group_key: &str, device_key: &str) -> Result<Self, SrpError> {
        let rng = SystemRandom::new();
        let mut password = [0u8; DEVICE_PASSWORD_BYTES];
        rng.fill(&mut password).map_err(|_| SrpError::Random)?;
        let mut salt = [0u8; DEVICE_SALT_BYTES];
        rng.fill(&mut salt).map_err(|_| SrpError::Random)?;
        Ok(Self::insecure_from_parts(
            device_group_key,
            device_key,
            &STANDARD.encode(password),
            &salt,
        ))
    }

    /// The verifier of a given device password and salt bytes. **Only for known-answer
    /// tests**: a device password anyone else knows lets them sign in as the device.
    #[must_use]
    pub fn insecure_from_parts(
        device_group_key: &str,
        device_key: &str,
        device_password: &str,
        salt: &[u8],
    ) -> Self {
        let group = &*GROUP;
        let salt = padded(&BigUint::from_bytes_be(salt));
        let x = private_x(device_group_key, device_key, device_password, &salt);
        let verifier = group.g.modpow(&x, &group.n);
        Self {
            device_password: device_password.to_owned(),
            password_verifier: STANDARD.encode(padded(&verifier)),
            salt: STANDARD.encode(salt),
        }
    }
}

/// The server's values of a `PASSWORD_VERIFIER` challenge, as Cognito sends them.
#[derive(Clone, Copy)]
pub struct SrpChallenge<'a> {
    /// `SALT`, hex.
    pub salt: &'a str,
    /// `SRP_B`, hex.
    pub srp_b: &'a str,
    /// `SECRET_BLOCK`, base64.
    pub secret_block: &'a str,
}

impl fmt::Debug for SrpChallenge<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SrpChallenge(<redacted>)")
    }
}

/// The `PASSWORD_VERIFIER` answer: `PASSWORD_CLAIM_SECRET_BLOCK`, `PASSWORD_CLAIM_SIGNATURE`
/// and `TIMESTAMP`. `Debug` shows only the timestamp.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasswordClaim {
    /// `PASSWORD_CLAIM_SECRET_BLOCK`: the challenge's `SECRET_BLOCK`, unchanged.
    pub secret_block: String,
    /// `PASSWORD_CLAIM_SIGNATURE`, base64.
    pub signature: String,
    /// `TIMESTAMP`, as signed.
    pub timestamp: String,
}

impl fmt::Debug for PasswordClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordClaim")
            .field("secret_block", &"<redacted>")
            .field("signature", &"<redacted>")
            .field("timestamp", &self.timestamp)
            .finish()
    }
}

/// `time` as Cognito's SRP `TIMESTAMP`: `Tue Mar 5 09:07:03 UTC 2024` (UTC, English names, the
/// day without a leading zero). Times before 1970 are written as 1970-01-01.
#[must_use]
pub fn cognito_timestamp(time: SystemTime) -> String {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let weekday = WEEKDAYS[usize::try_from((days + 4) % 7).unwrap_or(0)];
    let month_name = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    format!(
        "{weekday} {month_name} {day} {:02}:{:02}:{:02} UTC {year}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31) in the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// A number as Cognito hashes it: big-endian without leading zeros, with a zero byte in front
/// when the top bit is set (the hex `padHex` of AWS's clients).
fn padded(n: &BigUint) -> Vec<u8> {
    let bytes = n.to_bytes_be();
    if bytes.first().is_some_and(|&b| b >= 0x80) {
        let mut out = Vec::with_capacity(bytes.len() + 1);
        out.push(0);
        out.extend_from_slice(&bytes);
        out
    } else {
        bytes
    }
}

fn hash_to_int(parts: &[&[u8]]) -> BigUint {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for part in parts {
        ctx.update(part);
    }
    BigUint::from_bytes_be(ctx.finish().as_ref())
}

fn parse_hex(name: &'static str, value: &str) -> Result<BigUint, SrpError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(SrpError::InvalidParameter {
            name,
            reason: "empty",
        });
    }
    // a 3072-bit number has 768 hex digits; refuse absurd sizes before parsing
    if value.len() > 2048 {
        return Err(SrpError::InvalidParameter {
            name,
            reason: "too long",
        });
    }
    BigUint::parse_bytes(value.as_bytes(), 16).ok_or(SrpError::InvalidParameter {
        name,
        reason: "not hex",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> String {
        cognito_timestamp(UNIX_EPOCH + Duration::from_secs(secs))
    }

    // python3: datetime.datetime.fromtimestamp(t, datetime.timezone.utc) and pycognito's format
    #[test]
    fn timestamps_are_in_cognito_format_without_a_leading_zero_on_the_day() {
        assert_eq!(at(0), "Thu Jan 1 00:00:00 UTC 1970");
        assert_eq!(at(1_709_629_623), "Tue Mar 5 09:07:03 UTC 2024");
        assert_eq!(at(1_709_251_199), "Thu Feb 29 23:59:59 UTC 2024");
        assert_eq!(at(1_798_761_600), "Fri Jan 1 00:00:00 UTC 2027");
        assert_eq!(at(951_782_400), "Tue Feb 29 00:00:00 UTC 2000");
        assert_eq!(at(4_107_542_399), "Sun Feb 28 23:59:59 UTC 2100");
        assert_eq!(
            cognito_timestamp(UNIX_EPOCH - Duration::from_secs(5)),
            "Thu Jan 1 00:00:00 UTC 1970"
        );
    }

    #[test]
    fn k_is_the_hash_of_n_and_g_as_aws_clients_compute_it() {
        // amazon-cognito-identity-js: k = H("00" + N_HEX + "02"), a well-known constant
        assert_eq!(
            GROUP.k.to_str_radix(16),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
        assert_eq!(GROUP.n.bits(), 3072);
    }

    #[test]
    fn padding_adds_a_zero_byte_only_when_the_top_bit_is_set() {
        assert_eq!(padded(&BigUint::from(0x7fu32)), [0x7f]);
        assert_eq!(padded(&BigUint::from(0x80u32)), [0, 0x80]);
        assert_eq!(padded(&BigUint::from(0x0123u32)), [0x01, 0x23]);
        assert_eq!(padded(&BigUint::ZERO), [0]);
    }

    fn challenge<'a>(srp_b: &'a str, salt: &'a str, block: &'a str) -> SrpChallenge<'a> {
        SrpChallenge {
            salt,
            srp_b,
            secret_block: block,
        }
    }

    #[test]
    fn unsafe_or_malformed_server_values_are_refused() {
        let secret = SrpSecret::insecure_from_bytes(&[7; 128]).expect("secret");
        let claim = |b: &str, salt: &str, block: &str| {
            secret.password_claim(
                "us-east-1_Pool",
                "user",
                "pw",
                &challenge(b, salt, block),
                "Thu Jan 1 00:00:00 UTC 1970",
            )
        };
        assert_eq!(
            claim("0", "ab", "AAAA"),
            Err(SrpError::UnsafeServerValue("B is 0 modulo N"))
        );
        assert_eq!(
            claim(N_HEX, "ab", "AAAA"),
            Err(SrpError::UnsafeServerValue("B is 0 modulo N"))
        );
        assert!(matches!(
            claim("xyz", "ab", "AAAA"),
            Err(SrpError::InvalidParameter { name: "SRP_B", .. })
        ));
        assert!(matches!(
            claim("ab", "", "AAAA"),
            Err(SrpError::InvalidParameter { name: "SALT", .. })
        ));
        assert!(matches!(
            claim("ab", "ab", "not base64!"),
            Err(SrpError::InvalidParameter {
                name: "SECRET_BLOCK",
                ..
            })
        ));
        assert!(matches!(
            claim(&"f".repeat(5000), "ab", "AAAA"),
            Err(SrpError::InvalidParameter { name: "SRP_B", .. })
        ));
        assert!(claim("ab", "ab", "AAAA").is_ok());
        assert_eq!(
            secret
                .password_claim(
                    "nounderscore",
                    "u",
                    "p",
                    &challenge("ab", "ab", "AAAA"),
                    "t"
                )
                .err(),
            Some(SrpError::InvalidPoolId)
        );
        assert_eq!(
            SrpSecret::insecure_from_bytes(&[0; 16]).err(),
            Some(SrpError::ZeroSecret)
        );
    }

    #[test]
    fn every_generated_secret_is_new_and_debug_shows_no_value() {
        let one = SrpSecret::generate().expect("random");
        let two = SrpSecret::generate().expect("random");
        assert_ne!(one.srp_a(), two.srp_a());
        let shown = format!("{one:?}");
        assert!(!shown.contains(&one.srp_a()[..16]), "{shown}");
        let claim = PasswordClaim {
            secret_block: "SECRET-BLOCK".into(),
            signature: "SIGNATURE".into(),
            timestamp: "Thu Jan 1 00:00:00 UTC 1970".into(),
        };
        let shown = format!(
            "{claim:?} {:?}",
            challenge("B-VALUE", "SALT-VALUE", "BLOCK")
        );
        for secret in [
            "SECRET-BLOCK",
            "SIGNATURE",
            "B-VALUE",
            "SALT-VALUE",
            "BLOCK",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("1970"));
    }
}
