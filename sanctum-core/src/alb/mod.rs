//! Behind an Application Load Balancer with Cognito authentication: verifying the ALB's
//! `x-amzn-oidc-data` header instead of a bearer token.
//!
//! An ALB whose listener rule authenticates users (`authenticate-cognito`) signs them in
//! through Cognito itself and forwards three headers to the service:
//!
//! - `x-amzn-oidc-data`: a JWT signed by the ALB with ES256 (ECDSA P-256, the JOSE `R||S`
//!   signature), base64url *with* padding; its header holds `alg`, `kid`, `signer` (the ALB's
//!   ARN), `iss`, `client` and `exp`; its payload the user's claims (`sub`, `email`,
//!   `username`, ..., `exp`, `iss`). Its key is a PEM `SubjectPublicKeyInfo` at
//!   `https://public-keys.auth.elb.{region}.amazonaws.com/{kid}`.
//! - `x-amzn-oidc-accesstoken`: the user's Cognito access token (with their groups).
//! - `x-amzn-oidc-identity`: the user's `sub`, unsigned: anyone who can reach the service
//!   directly can write it, so it is never trusted alone.
//!
//! [`AlbVerifier`] checks, in this order, each failure its own [`VerifyError`] variant:
//!
//! 1. size at most [`max_token_size`](AlbVerifierBuilder::max_token_size) (8 KiB);
//! 2. three base64url segments (padded as the ALB sends them, or not), JSON header and payload;
//!    `alg` `ES256` ([`AlbUnsupportedAlgorithm`](VerifyError::AlbUnsupportedAlgorithm));
//!    `kid` a UUID ([`AlbInvalidKeyId`](VerifyError::AlbInvalidKeyId)), so nothing but a UUID
//!    ever goes into the key URL;
//! 3. `signer` one of the configured load balancers
//!    ([`AlbSignerMismatch`](VerifyError::AlbSignerMismatch)), `client` one of the pool's app
//!    clients ([`ClientMismatch`](VerifyError::ClientMismatch)), the payload's `iss` the pool's
//!    ([`IssuerMismatch`](VerifyError::IssuerMismatch)); a signature of 64 bytes (`R||S`; a DER
//!    signature is [`AlbSignatureEncoding`](VerifyError::AlbSignatureEncoding)) — all before
//!    any key is looked up or fetched;
//! 4. the key of `kid`, fetched once and cached: concurrent requests share one fetch; a `kid`
//!    the endpoint does not know (404) arms the [cooldown](AlbVerifierBuilder::key_cooldown)
//!    during which unknown `kid`s are refused without a fetch; a failed fetch is retried after
//!    a backoff of 1 s doubling up to the cooldown and answers 503 meanwhile — the JWKS rules;
//! 5. the signature;
//! 6. `exp` in the future, `nbf`/`iat` not in the future, with the [leeway](AlbVerifierBuilder::leeway);
//! 7. with an [access token verifier](AlbVerifierBuilder::access_token): the request carries
//!    `x-amzn-oidc-accesstoken` ([`AlbMissingAccessToken`](VerifyError::AlbMissingAccessToken)),
//!    the token passes every rule of that [`Verifier`] as an access token, and its `sub` is the
//!    ALB token's ([`AlbSubjectMismatch`](VerifyError::AlbSubjectMismatch));
//! 8. `x-amzn-oidc-identity`, when present, names the same `sub`
//!    ([`AlbIdentityMismatch`](VerifyError::AlbIdentityMismatch)).
//!
//! The verified-token cache: an ALB forwards the same `x-amzn-oidc-data` on every request of
//! a session while it is valid, so a token that passed checks 1–5 is kept, by its whole text
//! (a hit is an exact match of every byte), with its claims: a repeated token skips the
//! parsing and the ECDSA work. Every hit runs checks 6–8 again — an expired token is refused
//! as when first seen (and leaves the cache), the access token goes through its
//! [`Verifier`] (which keeps its own cache), the `sub`s are compared, the identity header is
//! read. A `kid`'s key never changes at the ALB's endpoint, so a hit looks up no key. The
//! cache holds at most [`cache_capacity`](AlbVerifierBuilder::cache_capacity) tokens (default
//! 10 000, as the bearer [`Verifier`]'s), keeps no timers (an entry past its `exp` is refused
//! and dropped when next seen, the rest evicted by capacity), and can be turned off with
//! [`token_cache(false)`](AlbVerifierBuilder::token_cache).
//!
//! The claims handed on are the access token's when it is verified (its groups and scopes
//! drive the guards), else the ALB token's user claims read as an ID token's (`token_use`
//! `id`, `aud` the ALB's app client, `username` as `cognito:username`) with no groups or
//! scopes: a group guard then refuses everyone. The adapters' `AlbAuthLayer` (axum) and
//! `AlbAuth` (actix-web) put them where `CognitoUser` and the guards find them.
//!
//! aws-jwt-verify's `AlbJwtVerifier` is the reference (a differential test compares the two).
//!
//! ```no_run
//! use sanctum_core::alb::AlbVerifier;
//! use sanctum_core::{UserPool, Verifier};
//!
//! # fn build() -> Result<(), sanctum_core::ConfigError> {
//! let pool = UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f");
//! let alb = AlbVerifier::builder()
//!     .load_balancer_arn(
//!         "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
//!     )
//!     .pool(pool.clone())
//!     // groups come from the access token the ALB forwards, verified as usual
//!     .access_token(Verifier::builder().pool(pool).build()?)
//!     .build()?;
//! # let _ = alb; Ok(()) }
//! ```

mod token;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::adapter::{HeaderOnce, RequestHeaders, Verified, header_text};
use crate::claims::CognitoClaims;
use crate::clock::{Clock, SystemClock, unix_seconds};
use crate::config::{UserPool, check_url};
use crate::error::{ConfigError, VerifyError};
use crate::http_client::HttpClient;
use crate::jwks::{Fetcher, Jwks, PreparedKey};
use crate::refusal::Refusal;
use crate::token_use::ExpectedUse;
use crate::verify::{
    DEFAULT_CACHE_CAPACITY, DEFAULT_JWKS_COOLDOWN, DEFAULT_JWKS_TIMEOUT, DEFAULT_MAX_TOKEN_SIZE,
    MIN_JWKS_COOLDOWN, TokenCache, Verifier, check_times, default_http_client,
};

use self::token::{Expected, Parsed, arn_region, parse};

/// Verified claims and the time (seconds since the epoch, verifier clock) of the checks.
type Checked = (Arc<CognitoClaims>, u64);

/// How far the checks of `x-amzn-oidc-data` got without waiting.
enum DataStep<'t> {
    /// Answered: verified (from the cache or not), or refused.
    Done(Result<Checked, VerifyError>),
    /// Parsed, and the key of its `kid` must be fetched first (boxed: the rare case).
    NeedsKey(Box<Parsed<'t>>),
}

/// The header holding the ALB's signed token.
pub const DATA_HEADER: &str = "x-amzn-oidc-data";
/// The header holding the user's Cognito access token.
pub const ACCESS_TOKEN_HEADER: &str = "x-amzn-oidc-accesstoken";
/// The header holding the user's `sub`, unsigned (never trusted alone).
pub const IDENTITY_HEADER: &str = "x-amzn-oidc-identity";

/// The key endpoint of a region's ALBs.
fn default_keys_url(region: &str) -> String {
    format!("https://public-keys.auth.elb.{region}.amazonaws.com")
}

/// The ALB headers of one request, read by [`AlbCredentials::from_headers`]. `Debug` shows
/// none of their values.
#[derive(Clone)]
pub struct AlbCredentials {
    data: String,
    access_token: Option<String>,
    identity: Option<String>,
}

impl fmt::Debug for AlbCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlbCredentials")
            .field("access_token", &self.access_token.is_some())
            .field("identity", &self.identity.is_some())
            .finish_non_exhaustive()
    }
}

/// One ALB header: absent, or its text (trimmed); repeated, empty or not UTF-8 is refused as
/// for bearer tokens.
fn one_header<'h>(headers: &'h dyn RequestHeaders, name: &str) -> Result<Option<&'h str>, Refusal> {
    match headers.header_once(name) {
        HeaderOnce::Absent => Ok(None),
        HeaderOnce::Repeated => Err(Refusal::RepeatedCredentials),
        HeaderOnce::Once(bytes) => match header_text(bytes).map(str::trim) {
            None => Err(Refusal::UnreadableToken),
            Some("") => Err(Refusal::EmptyToken),
            Some(text) => Ok(Some(text)),
        },
    }
}

/// The ALB headers of one request, borrowed from it (or from [`AlbCredentials`]): read and
/// verified without a copy, copied only when the verification must wait.
#[derive(Clone, Copy)]
struct AlbHeaders<'a> {
    data: &'a str,
    access_token: Option<&'a str>,
    identity: Option<&'a str>,
}

impl<'a> AlbHeaders<'a> {
    /// As [`AlbCredentials::from_headers`], borrowed.
    fn read(headers: &'a dyn RequestHeaders) -> Result<Option<Self>, Refusal> {
        let Some(data) = one_header(headers, DATA_HEADER)? else {
            return Ok(None);
        };
        Ok(Some(Self {
            data,
            access_token: one_header(headers, ACCESS_TOKEN_HEADER)?,
            identity: one_header(headers, IDENTITY_HEADER)?,
        }))
    }

    fn to_owned(self) -> AlbCredentials {
        AlbCredentials {
            data: self.data.to_owned(),
            access_token: self.access_token.map(str::to_owned),
            identity: self.identity.map(str::to_owned),
        }
    }
}

/// What [`AlbVerifier::authenticate_now`] makes of a request's ALB headers without waiting.
#[derive(Debug)]
pub enum AlbAuthentication {
    /// No `x-amzn-oidc-data`: anonymous where that is allowed, else [`Refusal::MissingToken`].
    Anonymous,
    /// Valid headers.
    Verified(Verified),
    /// Refused: a header repeated, empty or not text, or a check that failed.
    Refused(Refusal),
    /// A key must be fetched (or the issuer asked) first: finish with [`AlbVerifier::verify`].
    Later(AlbCredentials),
}

impl AlbCredentials {
    /// The ALB headers of a request: `None` without `x-amzn-oidc-data` (an anonymous request
    /// however many other ALB headers it has: they are never trusted alone).
    ///
    /// # Errors
    /// A header repeated ([`Refusal::RepeatedCredentials`], 400), empty
    /// ([`Refusal::EmptyToken`]) or not UTF-8 ([`Refusal::UnreadableToken`]).
    pub fn from_headers(headers: &dyn RequestHeaders) -> Result<Option<Self>, Refusal> {
        AlbHeaders::read(headers).map(|read| read.map(AlbHeaders::to_owned))
    }

    fn borrowed(&self) -> AlbHeaders<'_> {
        AlbHeaders {
            data: &self.data,
            access_token: self.access_token.as_deref(),
            identity: self.identity.as_deref(),
        }
    }

    /// Credentials from the header values themselves (`x-amzn-oidc-data`, and the optional
    /// access token and identity).
    #[must_use]
    pub fn new(
        data: impl Into<String>,
        access_token: Option<String>,
        identity: Option<String>,
    ) -> Self {
        Self {
            data: data.into(),
            access_token,
            identity,
        }
    }
}

/// Verifies the headers an ALB with Cognito authentication forwards; see the [module
/// docs](self). Cheap to clone; clones share the key cache and the verified-token cache.
#[derive(Clone)]
pub struct AlbVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    signers: Vec<String>,
    issuers: Vec<String>,
    /// `None`: the pool accepts any app client.
    clients: Option<Vec<String>>,
    keys: Arc<Jwks>,
    access: Option<Verifier>,
    leeway: u64,
    max_token_size: usize,
    clock: Arc<dyn Clock>,
    /// Verified `x-amzn-oidc-data` tokens (checks 1–5) by their text.
    cache: Option<TokenCache<Arc<CognitoClaims>>>,
}

impl AlbVerifier {
    /// Starts a builder with the defaults.
    pub fn builder() -> AlbVerifierBuilder {
        AlbVerifierBuilder::default()
    }

    /// Verifies a request's ALB headers (checks 1–8 of the [module docs](self)).
    ///
    /// # Errors
    /// The first check that fails.
    pub async fn verify(&self, credentials: &AlbCredentials) -> Result<Verified, VerifyError> {
        let result = self.verify_inner(credentials).await;
        if let Err(err) = &result {
            tracing::debug!(error = %err, "load balancer token rejected");
        }
        result
    }

    async fn verify_inner(&self, credentials: &AlbCredentials) -> Result<Verified, VerifyError> {
        let credentials = credentials.borrowed();
        let data = self.verify_data(credentials.data).await?;
        let access = match self.access_token(credentials)? {
            Some((verifier, token)) => {
                Some(crate::adapter::verify(verifier, token, ExpectedUse::Access).await?)
            }
            None => None,
        };
        Self::same_user(data, access, credentials)
    }

    /// Verifies a request's ALB headers as [`verify`](Self::verify) does, without waiting:
    /// `None` only when a key must be fetched (of `x-amzn-oidc-data`, or of the access token)
    /// or the access token's [online check](crate::VerifierBuilder::online_check) must ask the
    /// issuer — then `verify` finishes. Every other answer is the one `verify` gives; a refusal
    /// is not logged (the adapter logs the request's refusal).
    ///
    /// The adapters' hot path: a data token in the verified-token cache and an access token in
    /// its verifier's are answered without a future.
    ///
    /// ```no_run
    /// use sanctum_core::alb::{AlbCredentials, AlbVerifier};
    /// # async fn run(verifier: AlbVerifier, credentials: AlbCredentials) -> Result<(), sanctum_core::VerifyError> {
    /// let verified = match verifier.verify_now(&credentials) {
    ///     Some(result) => result?,
    ///     None => verifier.verify(&credentials).await?,
    /// };
    /// println!("{}", verified.claims().sub());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn verify_now(
        &self,
        credentials: &AlbCredentials,
    ) -> Option<Result<Verified, VerifyError>> {
        self.verify_headers_now(credentials.borrowed())
    }

    /// Reads a request's ALB headers and verifies them without waiting whenever no key must
    /// be fetched: the adapters' hot path. The headers are borrowed, not copied, unless the
    /// verification must wait ([`AlbAuthentication::Later`]); every answer is the one
    /// [`AlbCredentials::from_headers`] and [`verify`](Self::verify) give.
    ///
    /// ```no_run
    /// use sanctum_core::Refusal;
    /// use sanctum_core::alb::{AlbAuthentication, AlbVerifier};
    /// # async fn run(verifier: AlbVerifier, headers: http::HeaderMap) {
    /// let verified = match verifier.authenticate_now(&headers) {
    ///     AlbAuthentication::Verified(verified) => Ok(verified),
    ///     AlbAuthentication::Later(credentials) => {
    ///         verifier.verify(&credentials).await.map_err(Refusal::Verify)
    ///     }
    ///     AlbAuthentication::Anonymous => Err(Refusal::MissingToken),
    ///     AlbAuthentication::Refused(refusal) => Err(refusal),
    /// };
    /// # let _ = verified; }
    /// ```
    pub fn authenticate_now(&self, headers: &dyn RequestHeaders) -> AlbAuthentication {
        let read = match AlbHeaders::read(headers) {
            Ok(Some(read)) => read,
            Ok(None) => return AlbAuthentication::Anonymous,
            Err(refusal) => return AlbAuthentication::Refused(refusal),
        };
        match self.verify_headers_now(read) {
            Some(Ok(verified)) => AlbAuthentication::Verified(verified),
            Some(Err(err)) => AlbAuthentication::Refused(Refusal::Verify(err)),
            None => AlbAuthentication::Later(read.to_owned()),
        }
    }

    /// [`verify_now`](Self::verify_now) of borrowed headers.
    fn verify_headers_now(
        &self,
        credentials: AlbHeaders<'_>,
    ) -> Option<Result<Verified, VerifyError>> {
        let data = match self.data_now(credentials.data) {
            DataStep::Done(Ok(data)) => data,
            DataStep::Done(Err(err)) => return Some(Err(err)),
            DataStep::NeedsKey(_) => return None,
        };
        let access = match self.access_token(credentials) {
            Ok(Some((verifier, token))) => match verifier.verify_now(token, ExpectedUse::Access)? {
                Ok((claims, checked_at)) => Some(Verified::new(claims, checked_at)),
                Err(err) => return Some(Err(err)),
            },
            Ok(None) => None,
            Err(err) => return Some(Err(err)),
        };
        Some(Self::same_user(data, access, credentials))
    }

    /// Check 7's token: the access token verifier and the token it must verify (the request
    /// must carry one), or `None` when the access token is not verified.
    fn access_token<'c>(
        &self,
        credentials: AlbHeaders<'c>,
    ) -> Result<Option<(&Verifier, &'c str)>, VerifyError> {
        let Some(verifier) = &self.inner.access else {
            return Ok(None);
        };
        let token = credentials
            .access_token
            .ok_or(VerifyError::AlbMissingAccessToken)?;
        Ok(Some((verifier, token)))
    }

    /// Checks 7 (the access token's `sub` the data token's) and 8 (the identity header) on
    /// the verified tokens; the claims handed on.
    fn same_user(
        (claims, now): Checked,
        access: Option<Verified>,
        credentials: AlbHeaders<'_>,
    ) -> Result<Verified, VerifyError> {
        let verified = match access {
            Some(verified) if verified.claims().sub() != claims.sub() => {
                return Err(VerifyError::AlbSubjectMismatch);
            }
            Some(verified) => verified,
            None => Verified::new(claims, now),
        };
        if let Some(identity) = credentials.identity
            && identity != verified.claims().sub()
        {
            return Err(VerifyError::AlbIdentityMismatch);
        }
        Ok(verified)
    }

    /// Checks 1–6 on the `x-amzn-oidc-data` token: its claims, and the time of the checks.
    async fn verify_data(&self, data: &str) -> Result<Checked, VerifyError> {
        match self.data_now(data) {
            DataStep::Done(result) => result,
            // 4. the key is not cached: fetch it (single flight, cooldown), then go on
            DataStep::NeedsKey(parsed) => {
                let key = self.inner.keys.key(&parsed.kid).await?;
                self.finish_data(data, *parsed, &key)
            }
        }
    }

    /// Checks 1–6 on the `x-amzn-oidc-data` token as far as they go without waiting:
    /// everything, unless its key must be fetched first.
    fn data_now<'t>(&self, data: &'t str) -> DataStep<'t> {
        let inner = &*self.inner;
        // 1. size
        if data.len() > inner.max_token_size {
            return DataStep::Done(Err(VerifyError::TooLarge {
                len: data.len(),
                max: inner.max_token_size,
            }));
        }
        // a token seen before skips 2-5 (a hit is the same text, every byte of it); 6 runs again
        if let Some(cache) = &inner.cache
            && let Some(claims) = cache.get(data.as_bytes())
        {
            let now = self.now();
            let checked = check_times(&claims, now, inner.leeway);
            if let Err(VerifyError::Expired { .. }) = checked {
                // the cache keeps no timers: an expired token goes when it is next seen
                cache.remove(data.as_bytes());
            }
            return DataStep::Done(checked.map(|()| (claims, now)));
        }
        // 2-3. structure, signer, client, issuer: before any key is looked up
        let expected = Expected {
            signers: &inner.signers,
            clients: inner.clients.as_deref(),
            issuers: &inner.issuers,
        };
        let parsed = match parse(data, &expected) {
            Ok(parsed) => parsed,
            Err(err) => return DataStep::Done(Err(err)),
        };
        // 4. the key, when cached
        match inner.keys.cached(&parsed.kid) {
            Some(key) => DataStep::Done(self.finish_data(data, parsed, &key)),
            None => DataStep::NeedsKey(Box::new(parsed)),
        }
    }

    /// Checks 5 (the signature, with the key of `kid`) and 6; caches the verified claims.
    fn finish_data(
        &self,
        data: &str,
        parsed: Parsed<'_>,
        key: &PreparedKey,
    ) -> Result<Checked, VerifyError> {
        let inner = &*self.inner;
        let Parsed {
            signing_input,
            signature,
            claims,
            ..
        } = parsed;
        if !key.verify(signing_input, &signature) {
            return Err(VerifyError::InvalidSignature);
        }
        let claims = Arc::new(claims);
        let now = self.now();
        if let Some(cache) = &inner.cache {
            cache.insert(data, Arc::clone(&claims), claims.exp(), now);
        }
        check_times(&claims, now, inner.leeway)?;
        Ok((claims, now))
    }

    fn now(&self) -> u64 {
        unix_seconds(self.inner.clock.now())
    }

    /// Whether the key of `kid` is cached (for readiness checks and tests).
    #[must_use]
    pub fn has_cached_key(&self, kid: &str) -> bool {
        self.inner.keys.cached(kid).is_some()
    }

    /// How many verified `x-amzn-oidc-data` tokens are cached now (0 when the cache is off).
    #[must_use]
    pub fn cached_tokens(&self) -> u64 {
        self.inner.cache.as_ref().map_or(0, TokenCache::entry_count)
    }

    /// The access token verifier, when the access token is verified.
    #[must_use]
    pub fn access_token_verifier(&self) -> Option<&Verifier> {
        self.inner.access.as_ref()
    }
}

impl fmt::Debug for AlbVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("AlbVerifier")
            .field("load_balancers", &inner.signers)
            .field("issuers", &inner.issuers)
            .field("clients", &inner.clients)
            .field("keys", &inner.keys)
            .field("access_token", &inner.access.is_some())
            .field("leeway_secs", &inner.leeway)
            .field("token_cache", &inner.cache.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds an [`AlbVerifier`]; see [`AlbVerifier::builder`].
#[must_use]
pub struct AlbVerifierBuilder {
    signers: Vec<String>,
    pool: Option<UserPool>,
    access: Option<Verifier>,
    keys_url: Option<String>,
    leeway: Duration,
    max_token_size: usize,
    key_cooldown: Duration,
    key_timeout: Duration,
    cache_capacity: u64,
    token_cache: bool,
    clock: Arc<dyn Clock>,
    http_client: Option<HttpClient>,
}

impl Default for AlbVerifierBuilder {
    fn default() -> Self {
        Self {
            signers: Vec::new(),
            pool: None,
            access: None,
            keys_url: None,
            leeway: Duration::ZERO,
            max_token_size: DEFAULT_MAX_TOKEN_SIZE,
            key_cooldown: DEFAULT_JWKS_COOLDOWN,
            key_timeout: DEFAULT_JWKS_TIMEOUT,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            token_cache: true,
            clock: Arc::new(SystemClock),
            http_client: None,
        }
    }
}

impl fmt::Debug for AlbVerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlbVerifierBuilder")
            .field("load_balancers", &self.signers)
            .field("pool", &self.pool)
            .field("access_token", &self.access.is_some())
            .field("keys_url", &self.keys_url)
            .field("leeway", &self.leeway)
            .field("key_cooldown", &self.key_cooldown)
            .field("cache_capacity", &self.cache_capacity)
            .field("token_cache", &self.token_cache)
            .finish_non_exhaustive()
    }
}

impl AlbVerifierBuilder {
    /// Accepts tokens signed by this load balancer (its ARN, the token's `signer`). Call once
    /// per load balancer; all must be in one region (their keys are served per region).
    pub fn load_balancer_arn(mut self, arn: impl Into<String>) -> Self {
        self.signers.push(arn.into());
        self
    }

    /// Accepts tokens signed by these load balancers, as [`load_balancer_arn`](Self::load_balancer_arn).
    pub fn load_balancer_arns<I, S>(mut self, arns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.signers.extend(arns.into_iter().map(Into::into));
        self
    }

    /// The user pool the ALB signs users in with: the token's `iss` must be one of its
    /// issuers and its `client` one of its app clients.
    pub fn pool(mut self, pool: UserPool) -> Self {
        self.pool = Some(pool);
        self
    }

    /// Also verifies `x-amzn-oidc-accesstoken` with `verifier`, as an access token with every
    /// rule of that verifier (issuer, client, expiry, revocation, ...), and requires it: the
    /// claims handed on are then the access token's (groups and scopes included), its `sub`
    /// the ALB token's.
    pub fn access_token(mut self, verifier: Verifier) -> Self {
        self.access = Some(verifier);
        self
    }

    /// The base URL of the key endpoint (default
    /// `https://public-keys.auth.elb.{region}.amazonaws.com`, the region of the load
    /// balancers); a key is fetched from `{base}/{kid}`. For tests and emulators.
    pub fn keys_url(mut self, url: impl Into<String>) -> Self {
        self.keys_url = Some(url.into());
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 0), whole seconds.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Longest `x-amzn-oidc-data` accepted, in bytes (default 8 KiB).
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.max_token_size = bytes;
        self
    }

    /// How long unknown `kid`s are refused without a fetch after the key endpoint answered
    /// that it has no such key (default 10 s, at least 1 s).
    pub fn key_cooldown(mut self, cooldown: Duration) -> Self {
        self.key_cooldown = cooldown;
        self
    }

    /// Timeout of one key fetch (default 5 s).
    pub fn key_timeout(mut self, timeout: Duration) -> Self {
        self.key_timeout = timeout;
        self
    }

    /// Turns the verified-token cache on (default) or off: off, every request's
    /// `x-amzn-oidc-data` is parsed and its signature verified. A hit runs the time checks,
    /// the access token and identity checks again either way; see the [module docs](self).
    pub fn token_cache(mut self, enabled: bool) -> Self {
        self.token_cache = enabled;
        self
    }

    /// How many verified `x-amzn-oidc-data` tokens the cache keeps (default 10 000, at least 1);
    /// see the [module docs](self).
    pub fn cache_capacity(mut self, entries: u64) -> Self {
        self.cache_capacity = entries;
        self
    }

    /// The clock for the time checks and (its monotonic reading) the key cooldown and backoff.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// As [`clock`](Self::clock), for a clock already shared.
    #[cfg(feature = "test-util")]
    pub(crate) fn shared_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The HTTP client for key fetches (default: one with sanctum's defaults, built here).
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Checks the configuration and builds the verifier. Does no network I/O.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first bad setting: no or an invalid load balancer ARN,
    /// load balancers in several regions, no pool or an invalid one, a bad key URL or setting.
    pub fn build(self) -> Result<AlbVerifier, ConfigError> {
        let mut region: Option<&str> = None;
        for arn in &self.signers {
            let this = arn_region(arn)
                .ok_or_else(|| ConfigError::InvalidLoadBalancerArn { value: arn.clone() })?;
            match region {
                Some(first) if first != this => {
                    return Err(ConfigError::LoadBalancerRegions {
                        first: first.to_owned(),
                        other: this.to_owned(),
                    });
                }
                _ => region = Some(this),
            }
        }
        let Some(region) = region else {
            return Err(ConfigError::InvalidSetting {
                what: "load_balancer_arn",
                reason: "at least one load balancer ARN is needed",
            });
        };
        let Some(pool) = self.pool else {
            return Err(ConfigError::NoPools);
        };
        pool.validate()?;
        if self.max_token_size == 0 {
            return Err(ConfigError::InvalidSetting {
                what: "max_token_size",
                reason: "must be above zero",
            });
        }
        if self.key_cooldown < MIN_JWKS_COOLDOWN {
            return Err(ConfigError::InvalidSetting {
                what: "key_cooldown",
                reason: "must be at least 1 s (MIN_JWKS_COOLDOWN)",
            });
        }
        if self.key_timeout.is_zero() {
            return Err(ConfigError::InvalidSetting {
                what: "key_timeout",
                reason: "must be above zero",
            });
        }
        let cache = TokenCache::configured(self.token_cache, self.cache_capacity)?;
        let keys_url = match self.keys_url {
            Some(url) => {
                check_url("keys_url", &url)?;
                url.trim_end_matches('/').to_owned()
            }
            None => default_keys_url(region),
        };
        let http = match self.http_client {
            Some(client) => client.into_reqwest(),
            None => default_http_client(self.key_timeout)?,
        };
        let keys = Jwks::per_kid(
            keys_url,
            Fetcher::new(http, self.key_timeout),
            self.key_cooldown,
            Arc::clone(&self.clock),
        );
        Ok(AlbVerifier {
            inner: Arc::new(Inner {
                signers: self.signers,
                issuers: pool.issuers(),
                clients: (!pool.any_client).then(|| pool.client_ids.clone()),
                keys: Arc::new(keys),
                access: self.access,
                leeway: self.leeway.as_secs(),
                max_token_size: self.max_token_size,
                clock: self.clock,
                cache,
            }),
        })
    }
}
