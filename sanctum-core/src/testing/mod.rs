//! The test kit (feature `test-util`): an in-process Cognito look-alike for tests, offline.
//!
//! [`TestIssuer`] serves a JWKS over HTTP on 127.0.0.1 and mints Cognito-shaped access and ID
//! tokens with any claims, header or signature. It rotates keys, counts JWKS requests, and can
//! fail or stall on purpose. [`AlbTestIssuer`] plays an Application Load Balancer: it signs
//! `x-amzn-oidc-data` tokens (ES256) and serves their keys (PEM, one URL per `kid`). (The adapters' conformance table and the moto and fakecloud
//! runners are the repository's own test plumbing, in its unpublished `sanctum-testkit` crate.)
//!
//! ```
//! use sanctum_core::testing::TestIssuer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = TestIssuer::start().await?;
//! let verifier = issuer.verifier();
//!
//! let token = issuer.access_token().username("alice").groups(["admin"]).build();
//! let claims = verifier.verify_access(&token).await?;
//! assert!(claims.has_group("admin"));
//!
//! let expired = issuer.access_token().expires_in_secs(-60).build();
//! assert!(verifier.verify_access(&expired).await.is_err());
//! # Ok(()) }
//! ```

mod alb;
mod server;

pub use alb::{AlbTestIssuer, AlbTokenBuilder};

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

use crate::clock::{Clock, SystemClock, unix_seconds};
use crate::config::UserPool;
use crate::verify::{Verifier, VerifierBuilder};

/// The callback URL of [`TestIssuer::managed_login`].
pub const TEST_CALLBACK: &str = "https://app.example.com/callback";
/// The default region of a [`TestIssuer`].
pub const TEST_REGION: &str = "us-east-1";
/// The default user pool id of a [`TestIssuer`].
pub const TEST_POOL_ID: &str = "us-east-1_SanctumTest";
/// The default app client id of a [`TestIssuer`].
pub const TEST_CLIENT_ID: &str = "sanctumtestclient";
/// The `sub` of the tokens a [`TestIssuer`] and an [`AlbTestIssuer`] mint by default (user
/// `alice`).
pub const TEST_SUB: &str = "4d7f2a4e-8f0a-4c0e-9a57-2b7c1a0e5f11";

/// A DER `SubjectPublicKeyInfo` as PEM (`PUBLIC KEY`, 64 characters a line).
fn pem_public_key(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
    for chunk in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    pem
}

/// How the issuer's JWKS endpoint behaves.
///
/// Set with [`TestIssuer::set_jwks_mode`]; see [`TestIssuer`] for an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksMode {
    /// Serve the published keys (default).
    Serve,
    /// Answer HTTP 500.
    Fail,
    /// Answer 200 with a body that is not JSON.
    Garbage,
    /// Accept the connection and never answer (up to 30 s), to exercise fetch timeouts.
    Stall,
    /// Answer HTTP 403, as a JWKS host that refuses the caller does.
    Forbidden,
}

impl JwksMode {
    fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Fail,
            2 => Self::Garbage,
            3 => Self::Stall,
            4 => Self::Forbidden,
            _ => Self::Serve,
        }
    }

    fn as_u8(self) -> u8 {
        match self {
            Self::Serve => 0,
            Self::Fail => 1,
            Self::Garbage => 2,
            Self::Stall => 3,
            Self::Forbidden => 4,
        }
    }
}

struct SigningKey {
    kid: String,
    pair: RsaKeyPair,
}

impl SigningKey {
    fn generate(kid: String) -> Self {
        #[allow(clippy::expect_used)]
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation failed");
        Self { kid, pair }
    }

    fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        json!({
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
            "kid": self.kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "use": "sig",
        })
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        #[allow(clippy::expect_used)]
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("RSA signing failed");
        signature
    }
}

struct Keys {
    active: Arc<SigningKey>,
    published: Vec<Arc<SigningKey>>,
    generation: usize,
}

pub(crate) struct Shared {
    jwks_path: String,
    keys: Mutex<Keys>,
    mode: AtomicU8,
    requests: AtomicUsize,
}

impl Shared {
    fn keys(&self) -> MutexGuard<'_, Keys> {
        match self.keys.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn mode(&self) -> JwksMode {
        JwksMode::from_u8(self.mode.load(Ordering::SeqCst))
    }

    fn jwks_json(&self) -> String {
        let keys = self.keys();
        json!({ "keys": keys.published.iter().map(|k| k.jwk()).collect::<Vec<_>>() }).to_string()
    }
}

struct Inner {
    region: String,
    pool_id: String,
    client_id: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    other_key: OnceLock<SigningKey>,
    clock: Arc<dyn Clock>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// An in-process token issuer with a JWKS endpoint on 127.0.0.1; clones share it. The server
/// stops when the last clone is dropped.
///
/// Example: the [module docs](self).
#[derive(Clone)]
pub struct TestIssuer {
    inner: Arc<Inner>,
}

/// Configures a [`TestIssuer`] before it starts.
#[must_use]
pub struct TestIssuerBuilder {
    region: String,
    pool_id: String,
    client_id: String,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for TestIssuerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestIssuerBuilder")
            .field("region", &self.region)
            .field("pool_id", &self.pool_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl TestIssuerBuilder {
    /// The region (default `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The user pool id (default [`TEST_POOL_ID`]).
    pub fn pool_id(mut self, pool_id: impl Into<String>) -> Self {
        self.pool_id = pool_id.into();
        self
    }

    /// The app client id tokens are issued to (default [`TEST_CLIENT_ID`]).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// The clock tokens' `iat`/`exp` are computed from; share it with the verifier.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Generates the first key and starts the JWKS server on 127.0.0.1 (an ephemeral port).
    /// Must run inside a Tokio runtime.
    ///
    /// # Errors
    /// When the listener cannot bind.
    pub async fn start(self) -> std::io::Result<TestIssuer> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let first = Arc::new(SigningKey::generate("sanctum-test-key-1".to_owned()));
        let shared = Arc::new(Shared {
            jwks_path: format!("/{}/.well-known/jwks.json", self.pool_id),
            keys: Mutex::new(Keys {
                active: Arc::clone(&first),
                published: vec![first],
                generation: 1,
            }),
            mode: AtomicU8::new(JwksMode::Serve.as_u8()),
            requests: AtomicUsize::new(0),
        });
        let server = tokio::spawn(server::serve(listener, Arc::clone(&shared)));
        Ok(TestIssuer {
            inner: Arc::new(Inner {
                region: self.region,
                pool_id: self.pool_id,
                client_id: self.client_id,
                addr,
                shared,
                other_key: OnceLock::new(),
                clock: self.clock,
                server,
            }),
        })
    }
}

impl TestIssuer {
    /// An issuer with the default pool and client. Must run inside a Tokio runtime.
    ///
    /// # Errors
    /// When the listener cannot bind.
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// Configure before starting.
    pub fn builder() -> TestIssuerBuilder {
        TestIssuerBuilder {
            region: TEST_REGION.to_owned(),
            pool_id: TEST_POOL_ID.to_owned(),
            client_id: TEST_CLIENT_ID.to_owned(),
            clock: Arc::new(SystemClock),
        }
    }

    /// The `iss` of its tokens, in the AWS form (`https://cognito-idp.{region}.amazonaws.com/{pool}`).
    #[must_use]
    pub fn issuer(&self) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            self.inner.region, self.inner.pool_id
        )
    }

    /// The pool's `iss` in Cognito's UPDATED form
    /// (`https://issuer-cognito-idp.{region}.amazonaws.com/{pool}`), which the pool's verifier
    /// accepts too: mint a token with it by `.issuer(&issuer.updated_issuer())`.
    #[must_use]
    pub fn updated_issuer(&self) -> String {
        format!(
            "https://issuer-cognito-idp.{}.amazonaws.com/{}",
            self.inner.region, self.inner.pool_id
        )
    }

    /// The `iss` the pool's replica in `region` issues (ORIGINAL form).
    #[must_use]
    pub fn replica_issuer(&self, region: &str) -> String {
        format!(
            "https://cognito-idp.{region}.amazonaws.com/{}",
            self.inner.pool_id
        )
    }

    /// Where its keys are served: `http://127.0.0.1:{port}/{pool}/.well-known/jwks.json`.
    #[must_use]
    pub fn jwks_url(&self) -> String {
        format!("http://{}{}", self.inner.addr, self.inner.shared.jwks_path)
    }

    /// The region.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The user pool id.
    #[must_use]
    pub fn pool_id(&self) -> &str {
        &self.inner.pool_id
    }

    /// The app client id its tokens carry by default.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// A [`UserPool`] matching this issuer: region, pool, client, and the loopback JWKS URL.
    pub fn user_pool(&self) -> UserPool {
        UserPool::new(&self.inner.pool_id)
            .with_region(&self.inner.region)
            .client_id(&self.inner.client_id)
            .with_jwks_url(self.jwks_url())
    }

    /// A [`UserPool`] `pool_id` (of any region) whose keys this issuer serves, at
    /// [`tenant_jwks_url`](Self::tenant_jwks_url): many pools from one issuer, as a service with
    /// one pool per tenant sees them (for a [`PoolRegistry`](crate::PoolRegistry)). Its tokens
    /// carry `iss` [`tenant_issuer`](Self::tenant_issuer) and this issuer's client id; every
    /// pool's JWKS request counts in [`jwks_requests`](Self::jwks_requests).
    ///
    /// ```
    /// use sanctum_core::PoolRegistry;
    /// use sanctum_core::testing::TestIssuer;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let issuer = TestIssuer::start().await?;
    /// let tenants = PoolRegistry::new();
    /// let verifier = sanctum_core::Verifier::builder().pool_registry(tenants.clone()).build()?;
    ///
    /// tenants.insert(issuer.tenant_pool("eu-west-1_TenantA"))?;
    /// let token = issuer.access_token().issuer(&issuer.tenant_issuer("eu-west-1_TenantA")).build();
    /// assert!(verifier.verify_access(&token).await.is_ok());
    ///
    /// tenants.remove("eu-west-1_TenantA");
    /// assert!(verifier.verify_access(&token).await.is_err());
    /// # Ok(()) }
    /// ```
    pub fn tenant_pool(&self, pool_id: &str) -> UserPool {
        UserPool::new(pool_id)
            .client_id(&self.inner.client_id)
            .with_jwks_url(self.tenant_jwks_url(pool_id))
    }

    /// The `iss` of the pool `pool_id`'s tokens (ORIGINAL form, the region its id names); see
    /// [`tenant_pool`](Self::tenant_pool).
    #[must_use]
    pub fn tenant_issuer(&self, pool_id: &str) -> String {
        let region = crate::config::pool_id_region(pool_id).unwrap_or(&self.inner.region);
        format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}")
    }

    /// Where this issuer serves the keys of the pool `pool_id`:
    /// `http://127.0.0.1:{port}/tenants/{pool}/.well-known/jwks.json` (the same keys for every
    /// pool); see [`tenant_pool`](Self::tenant_pool).
    #[must_use]
    pub fn tenant_jwks_url(&self, pool_id: &str) -> String {
        format!(
            "http://{}/tenants/{pool_id}/.well-known/jwks.json",
            self.inner.addr
        )
    }

    /// A verifier builder preset with [`user_pool`](Self::user_pool) and this issuer's clock
    /// (a [`ManualClock`](crate::ManualClock) given to the issuer drives the verifier's time
    /// checks and its JWKS cooldown alike).
    pub fn verifier_builder(&self) -> VerifierBuilder {
        Verifier::builder()
            .pool(self.user_pool())
            .shared_clock(Arc::clone(&self.inner.clock))
    }

    /// A managed login of this issuer's app client, callback [`TEST_CALLBACK`], on a domain
    /// nothing answers (`http://127.0.0.1:9`): for tests and benches whose sessions are never
    /// refreshed or signed out at Cognito. `verifier` checks its ID tokens.
    ///
    /// ```
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use sanctum_core::testing::TestIssuer;
    ///
    /// let issuer = TestIssuer::start().await?;
    /// let login = issuer.managed_login(&issuer.verifier());
    /// assert_eq!(login.client_id(), issuer.client_id());
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    /// Never: the issuer's client id and the callback are valid.
    #[cfg(feature = "managed-login")]
    #[must_use]
    pub fn managed_login(&self, verifier: &Verifier) -> crate::login::ManagedLogin {
        #[allow(clippy::expect_used)]
        crate::login::ManagedLogin::builder(
            crate::login::LoginDomain::url("http://127.0.0.1:9"),
            self.client_id(),
            TEST_CALLBACK,
        )
        .build(verifier)
        .expect("the test issuer's client and callback are valid")
    }

    /// A verifier with default settings for this issuer.
    ///
    /// # Panics
    /// Never for the default pool; only if the issuer was built with an invalid region or pool id.
    #[must_use]
    pub fn verifier(&self) -> Verifier {
        #[allow(clippy::expect_used)]
        self.verifier_builder()
            .build()
            .expect("the test issuer's pool is valid")
    }

    /// Starts an access token with Cognito's claims, valid for an hour, for user `alice`.
    pub fn access_token(&self) -> TokenBuilder {
        TokenBuilder::new(self.clone(), crate::token_use::TokenUse::Access)
    }

    /// Starts an ID token with Cognito's claims, valid for an hour, for user `alice`.
    pub fn id_token(&self) -> TokenBuilder {
        TokenBuilder::new(self.clone(), crate::token_use::TokenUse::Id)
    }

    /// The JWKS document currently served.
    #[must_use]
    pub fn jwks_json(&self) -> String {
        self.inner.shared.jwks_json()
    }

    /// The `kid` new tokens are signed with.
    #[must_use]
    pub fn active_kid(&self) -> String {
        self.inner.shared.keys().active.kid.clone()
    }

    /// Generates a new key, publishes it beside the old ones, and signs new tokens with it.
    /// Returns its `kid`.
    pub fn rotate_key(&self) -> String {
        let generation = self.inner.shared.keys().generation + 1;
        let key = Arc::new(SigningKey::generate(format!(
            "sanctum-test-key-{generation}"
        )));
        let kid = key.kid.clone();
        let mut keys = self.inner.shared.keys();
        keys.generation = generation;
        keys.active = Arc::clone(&key);
        keys.published.push(key);
        kid
    }

    /// Stops publishing the key `kid` (tokens signed with it then fail once caches refresh).
    pub fn retire_key(&self, kid: &str) {
        self.inner.shared.keys().published.retain(|k| k.kid != kid);
    }

    /// How many JWKS requests the server has answered (or stalled on).
    #[must_use]
    pub fn jwks_requests(&self) -> usize {
        self.inner.shared.requests.load(Ordering::SeqCst)
    }

    /// Changes how the JWKS endpoint behaves.
    pub fn set_jwks_mode(&self, mode: JwksMode) {
        self.inner.shared.mode.store(mode.as_u8(), Ordering::SeqCst);
    }

    /// The active public key as PEM (SubjectPublicKeyInfo), e.g. to forge an HS256 token with
    /// the public key as the secret.
    #[must_use]
    pub fn public_key_pem(&self) -> String {
        let keys = self.inner.shared.keys();
        let der = keys
            .active
            .pair
            .public_key()
            .as_der()
            .map(|d| d.as_ref().to_vec())
            .unwrap_or_default();
        pem_public_key(&der)
    }

    fn now_secs(&self) -> i64 {
        i64::try_from(unix_seconds(self.inner.clock.now())).unwrap_or(i64::MAX)
    }

    fn sign_with_active(&self, message: &[u8]) -> (String, Vec<u8>) {
        let key = Arc::clone(&self.inner.shared.keys().active);
        (key.kid.clone(), key.sign(message))
    }

    fn sign_with_other(&self, message: &[u8]) -> Vec<u8> {
        self.inner
            .other_key
            .get_or_init(|| SigningKey::generate("sanctum-unpublished-key".to_owned()))
            .sign(message)
    }
}

impl fmt::Debug for TestIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestIssuer")
            .field("issuer", &self.issuer())
            .field("jwks_url", &self.jwks_url())
            .field("client_id", &self.inner.client_id)
            .field("jwks_requests", &self.jwks_requests())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
enum Signer {
    Active,
    OtherKey,
    Hs256(Vec<u8>),
    Unsigned,
    Raw(Vec<u8>),
}

/// Builds one token; see [`TestIssuer::access_token`]. Every claim and header field can be
/// set, replaced or removed, and the signature chosen.
#[must_use]
#[derive(Clone)]
pub struct TokenBuilder {
    issuer: TestIssuer,
    token_use: crate::token_use::TokenUse,
    header: Map<String, Value>,
    claims: Map<String, Value>,
    kid_override: bool,
    signer: Signer,
}

impl fmt::Debug for TokenBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBuilder")
            .field("token_use", &self.token_use)
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

impl TokenBuilder {
    fn new(issuer: TestIssuer, token_use: crate::token_use::TokenUse) -> Self {
        let now = issuer.now_secs();
        let client = issuer.client_id().to_owned();
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(TEST_SUB));
        claims.insert("iss".into(), json!(issuer.issuer()));
        claims.insert("token_use".into(), json!(token_use.as_str()));
        claims.insert("auth_time".into(), json!(now));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + 3600));
        claims.insert("jti".into(), json!("0d3c5b8e-1f2a-4b6c-8d9e-0a1b2c3d4e5f"));
        claims.insert(
            "origin_jti".into(),
            json!("9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b"),
        );
        claims.insert(
            "event_id".into(),
            json!("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"),
        );
        match token_use {
            crate::token_use::TokenUse::Access => {
                claims.insert("client_id".into(), json!(client));
                claims.insert("scope".into(), json!("aws.cognito.signin.user.admin"));
                claims.insert("username".into(), json!("alice"));
            }
            crate::token_use::TokenUse::Id => {
                claims.insert("aud".into(), json!(client));
                claims.insert("cognito:username".into(), json!("alice"));
                claims.insert("email".into(), json!("alice@example.com"));
                claims.insert("email_verified".into(), json!(true));
            }
        }
        let mut header = Map::new();
        header.insert("alg".into(), json!("RS256"));
        Self {
            issuer,
            token_use,
            header,
            claims,
            kid_override: false,
            signer: Signer::Active,
        }
    }

    /// Sets the user name (`username` or `cognito:username`).
    pub fn username(self, username: &str) -> Self {
        let claim = match self.token_use {
            crate::token_use::TokenUse::Access => "username",
            crate::token_use::TokenUse::Id => "cognito:username",
        };
        self.claim(claim, username)
    }

    /// Sets `sub`.
    #[allow(clippy::should_implement_trait)]
    pub fn sub(self, sub: &str) -> Self {
        self.claim("sub", sub)
    }

    /// Sets `cognito:groups`.
    pub fn groups<I, S>(self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let groups: Vec<String> = groups.into_iter().map(Into::into).collect();
        self.claim("cognito:groups", groups)
    }

    /// Sets `scope` to these scopes, space-separated.
    pub fn scopes<I, S>(self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        self.claim("scope", scopes.join(" "))
    }

    /// Sets the app client (`client_id` of access tokens, `aud` of ID tokens).
    pub fn client_id(self, client_id: &str) -> Self {
        let claim = match self.token_use {
            crate::token_use::TokenUse::Access => "client_id",
            crate::token_use::TokenUse::Id => "aud",
        };
        self.claim(claim, client_id)
    }

    /// Sets `iss`.
    pub fn issuer(self, iss: &str) -> Self {
        self.claim("iss", iss)
    }

    /// Sets `exp` to now plus `secs` (negative: already expired).
    pub fn expires_in_secs(self, secs: i64) -> Self {
        let exp = self.issuer.now_secs().saturating_add(secs);
        self.claim("exp", exp)
    }

    /// Sets `exp` to now plus `duration`.
    pub fn expires_in(self, duration: Duration) -> Self {
        self.expires_in_secs(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
    }

    /// Sets `iat` to now plus `secs` (positive: issued in the future).
    pub fn issued_in_secs(self, secs: i64) -> Self {
        let iat = self.issuer.now_secs().saturating_add(secs);
        self.claim("iat", iat)
    }

    /// Sets `auth_time`, the sign-in time, to now plus `secs` (negative: signed in earlier).
    pub fn auth_time_in_secs(self, secs: i64) -> Self {
        let at = self.issuer.now_secs().saturating_add(secs);
        self.claim("auth_time", at)
    }

    /// Sets `nbf` to now plus `secs`.
    pub fn not_before_in_secs(self, secs: i64) -> Self {
        let nbf = self.issuer.now_secs().saturating_add(secs);
        self.claim("nbf", nbf)
    }

    /// Sets any claim to any JSON value.
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

    /// Removes a header field (`kid` included: the token then has none).
    pub fn without_header(mut self, name: &str) -> Self {
        if name == "kid" {
            self.kid_override = true;
        }
        self.header.remove(name);
        self
    }

    /// Sets the header's `kid` (default: the active key's).
    pub fn kid(self, kid: &str) -> Self {
        self.header("kid", kid)
    }

    /// Sets the header's `alg` (the signature is still made as chosen by the signer).
    pub fn alg(self, alg: &str) -> Self {
        self.header("alg", alg)
    }

    /// Signs with a key that is never published (the header keeps the active `kid`).
    pub fn signed_with_unpublished_key(mut self) -> Self {
        self.signer = Signer::OtherKey;
        self
    }

    /// Signs with HMAC-SHA256 and this secret, setting `alg` to `HS256`.
    pub fn signed_hs256(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.signer = Signer::Hs256(secret.as_ref().to_vec());
        self.alg("HS256")
    }

    /// No signature at all, `alg` `none`.
    pub fn unsigned(mut self) -> Self {
        self.signer = Signer::Unsigned;
        self.alg("none")
    }

    /// Uses these bytes as the signature.
    pub fn raw_signature(mut self, signature: Vec<u8>) -> Self {
        self.signer = Signer::Raw(signature);
        self
    }

    /// Adds a filler claim so the token is at least `len` bytes long.
    pub fn padded_to(self, len: usize) -> Self {
        // base64 grows 4/3; a generous filler is fine for "at least".
        self.claim("filler", "x".repeat(len * 3 / 4 + 16))
    }

    /// Signs and encodes the token, as the value of an `Authorization` header:
    /// `Bearer <token>`.
    ///
    /// ```
    /// # use sanctum_core::testing::TestIssuer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let issuer = TestIssuer::start().await?;
    /// let header = issuer.access_token().groups(["admin"]).authorization();
    /// assert!(header.starts_with("Bearer ey"));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn authorization(self) -> String {
        format!("Bearer {}", self.build())
    }

    /// Signs and encodes the token.
    #[must_use]
    pub fn build(self) -> String {
        let mut header = self.header;
        let (kid, _) = {
            let keys = self.issuer.inner.shared.keys();
            (keys.active.kid.clone(), ())
        };
        if !self.kid_override {
            header.insert("kid".into(), json!(kid));
        }
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(Value::Object(header).to_string()),
            URL_SAFE_NO_PAD.encode(Value::Object(self.claims).to_string())
        );
        let signature = match self.signer {
            Signer::Active => self.issuer.sign_with_active(signing_input.as_bytes()).1,
            Signer::OtherKey => self.issuer.sign_with_other(signing_input.as_bytes()),
            Signer::Hs256(secret) => {
                let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &secret);
                aws_lc_rs::hmac::sign(&key, signing_input.as_bytes())
                    .as_ref()
                    .to_vec()
            }
            Signer::Unsigned => Vec::new(),
            Signer::Raw(bytes) => bytes,
        };
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}
