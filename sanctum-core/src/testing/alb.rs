//! [`AlbTestIssuer`]: an Application Load Balancer look-alike that signs `x-amzn-oidc-data`
//! tokens (ES256, padded base64url, the ALB's header fields) and serves their keys as PEM on
//! 127.0.0.1, one URL per `kid`, counting requests.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _,
};
use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use tokio::net::TcpStream;

use super::server::{accept, misbehave, request_line, respond};
use super::{
    JwksMode, TEST_CLIENT_ID, TEST_POOL_ID, TEST_REGION, TEST_SUB, TestIssuer, pem_public_key,
};
use crate::alb::{AlbVerifier, AlbVerifierBuilder};
use crate::clock::{Clock, SystemClock, unix_seconds};
use crate::config::UserPool;

/// The AWS account of the test load balancer's ARN.
const TEST_ACCOUNT: &str = "123456789012";

/// One ES256 key: the same private key signs JOSE `R||S` and (for refusal tests) DER.
struct EsKey {
    kid: String,
    fixed: EcdsaKeyPair,
    der: EcdsaKeyPair,
}

impl EsKey {
    fn generate() -> Self {
        let rng = SystemRandom::new();
        #[allow(clippy::expect_used)]
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("P-256 key generation failed");
        #[allow(clippy::expect_used)]
        let fixed = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
            .expect("a generated P-256 key loads");
        #[allow(clippy::expect_used)]
        let der = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
            .expect("a generated P-256 key loads");
        Self {
            kid: random_uuid(),
            fixed,
            der,
        }
    }

    fn sign(&self, message: &[u8], der: bool) -> Vec<u8> {
        let pair = if der { &self.der } else { &self.fixed };
        #[allow(clippy::expect_used)]
        pair.sign(&SystemRandom::new(), message)
            .expect("ECDSA signing failed")
            .as_ref()
            .to_vec()
    }

    /// The public key as PEM `SubjectPublicKeyInfo`, as an ALB's key endpoint serves it.
    fn pem(&self) -> String {
        let der = self
            .fixed
            .public_key()
            .as_der()
            .map(|d| d.as_ref().to_vec())
            .unwrap_or_default();
        pem_public_key(&der)
    }
}

/// A random (version 4) UUID, lower-case.
fn random_uuid() -> String {
    let mut bytes = [0u8; 16];
    #[allow(clippy::expect_used)]
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system's random source works");
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

struct Keys {
    active: Arc<EsKey>,
    published: Vec<Arc<EsKey>>,
}

struct Shared {
    keys: Mutex<Keys>,
    mode: AtomicU8,
    requests: AtomicUsize,
    per_kid: Mutex<HashMap<String, usize>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Serves `GET /{kid}`: the key's PEM, or 404; every request counted.
async fn handle(mut stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let Some((method, path)) = request_line(&mut stream).await? else {
        return Ok(());
    };
    let kid = path.strip_prefix('/').unwrap_or_default().to_owned();
    shared.requests.fetch_add(1, Ordering::SeqCst);
    *lock(&shared.per_kid).entry(kid.clone()).or_default() += 1;
    if method != "GET" {
        return respond(&mut stream, "404 Not Found", "text/plain", b"not found").await;
    }
    match JwksMode::from_u8(shared.mode.load(Ordering::SeqCst)) {
        JwksMode::Serve => {
            let pem = lock(&shared.keys)
                .published
                .iter()
                .find(|k| k.kid == kid)
                .map(|k| k.pem());
            match pem {
                Some(pem) => {
                    respond(
                        &mut stream,
                        "200 OK",
                        "application/x-pem-file",
                        pem.as_bytes(),
                    )
                    .await
                }
                None => respond(&mut stream, "404 Not Found", "text/plain", b"not found").await,
            }
        }
        mode => {
            let garbage = b"-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n";
            misbehave(&mut stream, mode, "application/x-pem-file", garbage).await
        }
    }
}

struct Inner {
    region: String,
    arn: String,
    pool: UserPool,
    iss: String,
    client_id: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    other_key: OnceLock<EsKey>,
    clock: Arc<dyn Clock>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// An Application Load Balancer look-alike: signs `x-amzn-oidc-data` tokens as an ALB with
/// Cognito authentication does and serves their public keys on 127.0.0.1 at `/{kid}` (PEM),
/// counting requests. Clones share it; the server stops when the last clone is dropped.
///
/// ```
/// use sanctum_core::alb::AlbCredentials;
/// use sanctum_core::testing::{AlbTestIssuer, TestIssuer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cognito = TestIssuer::start().await?;
/// let alb = AlbTestIssuer::for_issuer(&cognito).await?;
/// let verifier = alb.verifier_builder().access_token(cognito.verifier()).build()?;
///
/// let data = alb.data_token().build();
/// let access = cognito.access_token().groups(["admin"]).build();
/// let verified = verifier.verify(&AlbCredentials::new(data, Some(access), None)).await?;
/// assert!(verified.claims().has_group("admin"));
/// assert_eq!(alb.key_requests(), 1);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AlbTestIssuer {
    inner: Arc<Inner>,
}

impl AlbTestIssuer {
    /// A load balancer in `us-east-1` signing users of the default test pool in
    /// ([`TEST_POOL_ID`], [`TEST_CLIENT_ID`]). Must run inside a Tokio runtime.
    ///
    /// # Errors
    /// When the listener cannot bind.
    pub async fn start() -> std::io::Result<Self> {
        let pool = UserPool::new(TEST_POOL_ID)
            .with_region(TEST_REGION)
            .client_id(TEST_CLIENT_ID);
        let iss = pool.issuer();
        Self::launch(
            TEST_REGION.to_owned(),
            pool,
            iss,
            TEST_CLIENT_ID.to_owned(),
            Arc::new(SystemClock),
        )
        .await
    }

    /// A load balancer in front of `issuer`'s pool: same region, issuer, app client and clock,
    /// so its tokens pair with the issuer's access tokens (same default `sub`).
    ///
    /// # Errors
    /// When the listener cannot bind.
    pub async fn for_issuer(issuer: &TestIssuer) -> std::io::Result<Self> {
        Self::launch(
            issuer.region().to_owned(),
            issuer.user_pool(),
            issuer.issuer(),
            issuer.client_id().to_owned(),
            Arc::clone(&issuer.inner.clock),
        )
        .await
    }

    async fn launch(
        region: String,
        pool: UserPool,
        iss: String,
        client_id: String,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let first = Arc::new(EsKey::generate());
        let shared = Arc::new(Shared {
            keys: Mutex::new(Keys {
                active: Arc::clone(&first),
                published: vec![first],
            }),
            mode: AtomicU8::new(JwksMode::Serve.as_u8()),
            requests: AtomicUsize::new(0),
            per_kid: Mutex::new(HashMap::new()),
        });
        let served = Arc::clone(&shared);
        let server = tokio::spawn(accept(listener, move |stream| {
            handle(stream, Arc::clone(&served))
        }));
        Ok(Self {
            inner: Arc::new(Inner {
                arn: format!(
                    "arn:aws:elasticloadbalancing:{region}:{TEST_ACCOUNT}:loadbalancer/app/sanctum-test/50dc6c495c0c9188"
                ),
                region,
                pool,
                iss,
                client_id,
                addr,
                shared,
                other_key: OnceLock::new(),
                clock,
                server,
            }),
        })
    }

    /// The load balancer's ARN, the `signer` of its tokens.
    #[must_use]
    pub fn arn(&self) -> &str {
        &self.inner.arn
    }

    /// Another load balancer's ARN in the same region (its tokens are signed by the same keys
    /// here, as for any two ALBs of a region).
    #[must_use]
    pub fn other_arn(&self) -> String {
        format!(
            "arn:aws:elasticloadbalancing:{}:{TEST_ACCOUNT}:loadbalancer/app/sanctum-other/0123456789abcdef",
            self.inner.region
        )
    }

    /// The region.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The base URL of the key endpoint: `http://127.0.0.1:{port}` (keys at `/{kid}`).
    #[must_use]
    pub fn keys_url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// The `kid` of the key that signs now.
    #[must_use]
    pub fn active_kid(&self) -> String {
        lock(&self.inner.shared.keys).active.kid.clone()
    }

    /// Publishes a new key and signs with it from now on (the old one stays published).
    pub fn rotate_key(&self) -> String {
        let key = Arc::new(EsKey::generate());
        let kid = key.kid.clone();
        let mut keys = lock(&self.inner.shared.keys);
        keys.published.push(Arc::clone(&key));
        keys.active = key;
        kid
    }

    /// The active key's public key as the endpoint serves it (PEM `SubjectPublicKeyInfo`).
    #[must_use]
    pub fn public_key_pem(&self) -> String {
        lock(&self.inner.shared.keys).active.pem()
    }

    /// Requests the key endpoint has answered (any path).
    #[must_use]
    pub fn key_requests(&self) -> usize {
        self.inner.shared.requests.load(Ordering::SeqCst)
    }

    /// Requests for one `kid`'s key.
    #[must_use]
    pub fn key_requests_for(&self, kid: &str) -> usize {
        lock(&self.inner.shared.per_kid)
            .get(kid)
            .copied()
            .unwrap_or(0)
    }

    /// Every path the key endpoint was asked for, with its count.
    #[must_use]
    pub fn requested_paths(&self) -> HashMap<String, usize> {
        lock(&self.inner.shared.per_kid).clone()
    }

    /// Makes the key endpoint fail, stall or serve garbage on purpose ([`JwksMode`]).
    pub fn set_key_mode(&self, mode: JwksMode) {
        self.inner.shared.mode.store(mode.as_u8(), Ordering::SeqCst);
    }

    /// A verifier builder preset for this load balancer: its ARN, the pool, the loopback key
    /// endpoint and the issuer's clock.
    pub fn verifier_builder(&self) -> AlbVerifierBuilder {
        AlbVerifier::builder()
            .load_balancer_arn(self.arn())
            .pool(self.inner.pool.clone())
            .keys_url(self.keys_url())
            .shared_clock(Arc::clone(&self.inner.clock))
    }

    /// A verifier for this load balancer, without access token verification.
    ///
    /// # Panics
    /// Never for the defaults.
    #[must_use]
    pub fn verifier(&self) -> AlbVerifier {
        #[allow(clippy::expect_used)]
        self.verifier_builder()
            .build()
            .expect("the test load balancer's settings are valid")
    }

    /// A verifier for this load balancer that also verifies `x-amzn-oidc-accesstoken` with
    /// `issuer`'s [verifier](TestIssuer::verifier) (the issuer this load balancer was made
    /// [for](Self::for_issuer)): the claims handed on are the access token's, groups included.
    /// See the example on [`AlbTestIssuer`].
    ///
    /// # Panics
    /// Never for the defaults.
    #[must_use]
    pub fn verifier_with_access_token(&self, issuer: &TestIssuer) -> AlbVerifier {
        #[allow(clippy::expect_used)]
        self.verifier_builder()
            .access_token(issuer.verifier())
            .build()
            .expect("the test load balancer's settings are valid")
    }

    /// Starts an `x-amzn-oidc-data` token for user `alice`, valid for two minutes, signed as
    /// an ALB signs: ES256 `R||S`, base64url with padding.
    pub fn data_token(&self) -> AlbTokenBuilder {
        AlbTokenBuilder::new(self.clone())
    }

    fn now_secs(&self) -> i64 {
        i64::try_from(unix_seconds(self.inner.clock.now())).unwrap_or(i64::MAX)
    }
}

impl fmt::Debug for AlbTestIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlbTestIssuer")
            .field("arn", &self.inner.arn)
            .field("keys_url", &self.keys_url())
            .field("iss", &self.inner.iss)
            .field("key_requests", &self.key_requests())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
enum Signature {
    Fixed,
    Der,
    OtherKey,
    Raw(Vec<u8>),
}

/// Builds one `x-amzn-oidc-data` token; see [`AlbTestIssuer::data_token`]. Every header field
/// and claim can be set or removed, the signature chosen, the padding dropped.
#[must_use]
#[derive(Clone)]
pub struct AlbTokenBuilder {
    alb: AlbTestIssuer,
    header: Map<String, Value>,
    claims: Map<String, Value>,
    kid_override: bool,
    signature: Signature,
    padded: bool,
}

impl fmt::Debug for AlbTokenBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlbTokenBuilder")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .field("signature", &self.signature)
            .field("padded", &self.padded)
            .finish_non_exhaustive()
    }
}

impl AlbTokenBuilder {
    fn new(alb: AlbTestIssuer) -> Self {
        let exp = alb.now_secs() + 120;
        let mut header = Map::new();
        header.insert("typ".into(), json!("JWT"));
        header.insert("alg".into(), json!("ES256"));
        header.insert("signer".into(), json!(alb.inner.arn));
        header.insert("iss".into(), json!(alb.inner.iss));
        header.insert("client".into(), json!(alb.inner.client_id));
        header.insert("exp".into(), json!(exp));
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(TEST_SUB));
        claims.insert("email_verified".into(), json!("true"));
        claims.insert("email".into(), json!("alice@example.com"));
        claims.insert("username".into(), json!("alice"));
        claims.insert("exp".into(), json!(exp));
        claims.insert("iss".into(), json!(alb.inner.iss));
        Self {
            alb,
            header,
            claims,
            kid_override: false,
            signature: Signature::Fixed,
            padded: true,
        }
    }

    /// Sets `sub`.
    #[allow(clippy::should_implement_trait)]
    pub fn sub(self, sub: &str) -> Self {
        self.claim("sub", sub)
    }

    /// Sets the payload's `username`.
    pub fn username(self, username: &str) -> Self {
        self.claim("username", username)
    }

    /// Sets `exp`, in the header and the payload, to now plus `secs` (negative: expired).
    pub fn expires_in_secs(self, secs: i64) -> Self {
        let exp = self.alb.now_secs().saturating_add(secs);
        self.header("exp", exp).claim("exp", exp)
    }

    /// Sets `iss`, in the header and the payload.
    pub fn issuer(self, iss: &str) -> Self {
        self.header("iss", iss).claim("iss", iss)
    }

    /// Sets the header's `signer` (the load balancer's ARN).
    pub fn signer(self, arn: &str) -> Self {
        self.header("signer", arn)
    }

    /// Sets the header's `client` (the app client).
    pub fn client_id(self, client_id: &str) -> Self {
        self.header("client", client_id)
    }

    /// Sets the header's `kid` (default: the active key's).
    pub fn kid(self, kid: &str) -> Self {
        self.header("kid", kid)
    }

    /// Sets the header's `alg` (the signature is still ES256).
    pub fn alg(self, alg: &str) -> Self {
        self.header("alg", alg)
    }

    /// Sets any claim of the payload.
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.to_owned(), value.into());
        self
    }

    /// Removes a claim.
    pub fn without_claim(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Sets any header field.
    pub fn header(mut self, name: &str, value: impl Into<Value>) -> Self {
        if name == "kid" {
            self.kid_override = true;
        }
        self.header.insert(name.to_owned(), value.into());
        self
    }

    /// Removes a header field (`kid` included).
    pub fn without_header(mut self, name: &str) -> Self {
        if name == "kid" {
            self.kid_override = true;
        }
        self.header.remove(name);
        self
    }

    /// Signs with the right key but encodes the signature in DER (ASN.1), not JOSE `R||S`.
    pub fn der_signature(mut self) -> Self {
        self.signature = Signature::Der;
        self
    }

    /// Signs with a key that is never published (the header keeps the active `kid`).
    pub fn signed_with_unpublished_key(mut self) -> Self {
        self.signature = Signature::OtherKey;
        self
    }

    /// Uses these bytes as the signature.
    pub fn raw_signature(mut self, signature: Vec<u8>) -> Self {
        self.signature = Signature::Raw(signature);
        self
    }

    /// Encodes the segments without `=` padding (RFC 7515's form; an ALB pads).
    pub fn unpadded(mut self) -> Self {
        self.padded = false;
        self
    }

    /// Signs and encodes the token.
    #[must_use]
    pub fn build(self) -> String {
        let engine = if self.padded {
            URL_SAFE
        } else {
            URL_SAFE_NO_PAD
        };
        let active = Arc::clone(&lock(&self.alb.inner.shared.keys).active);
        let mut header = self.header;
        if !self.kid_override {
            header.insert("kid".into(), json!(active.kid));
        }
        let signing_input = format!(
            "{}.{}",
            engine.encode(Value::Object(header).to_string()),
            engine.encode(Value::Object(self.claims).to_string())
        );
        let signature = match self.signature {
            Signature::Fixed => active.sign(signing_input.as_bytes(), false),
            Signature::Der => active.sign(signing_input.as_bytes(), true),
            Signature::OtherKey => self
                .alb
                .inner
                .other_key
                .get_or_init(EsKey::generate)
                .sign(signing_input.as_bytes(), false),
            Signature::Raw(bytes) => bytes,
        };
        format!("{signing_input}.{}", engine.encode(signature))
    }
}
