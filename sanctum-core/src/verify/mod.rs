//! The verifier: its checks, in order.
//!
//! 1. size at most [`max_token_size`](VerifierBuilder::max_token_size) (default 8 KiB), before
//!    any decoding;
//! 2. three base64url segments, a JSON header with `alg` `RS256` and a `kid`, a JSON payload
//!    whose Cognito claims have the right types;
//! 3. `iss` exactly one of the configured issuers ([`UserPool::issuers`]) of the pools given
//!    to the builder or held by its [`PoolRegistry`] now: this picks the pool and the JWKS, so
//!    a token of an unknown issuer costs no key lookup, fetch or RSA work (and a removed
//!    pool's tokens are refused, cached ones included);
//! 4. the key for `kid` in that issuer's **current** key set (fetched on demand: once per
//!    unknown `kid`, at most once per [cooldown](VerifierBuilder::jwks_cooldown), a failed
//!    fetch retried after a backoff of 1 s doubling up to the cooldown, concurrent requests
//!    sharing one fetch, the last good keys kept, all of them refetched in the background every
//!    [refresh interval](VerifierBuilder::jwks_refresh_interval)), and its own `alg`, when
//!    stated, RS256 —
//!    on a verified-token cache hit too: a key dropped by a refetch stops verifying at once;
//! 5. the signature;
//! 6. `exp` in the future, `nbf`/`iat` not in the future, with the [leeway](VerifierBuilder::leeway);
//! 7. `token_use` as asked;
//! 8. `client_id` (access) or `aud` (ID) one of the pool's app clients;
//! 9. an optional [`Requirement`] (groups, scopes, custom checks, step-up), checked with the
//!    verifier's clock;
//! 10. with a [revocation store](VerifierBuilder::revocations), the token is not revoked (a
//!     local lookup, on a cache hit too); with an [online check](VerifierBuilder::online_check),
//!     the issuer confirms an access token is still live (its answer kept per token).

mod cache;
mod online;
mod pools;
mod token;

pub use self::pools::{DEFAULT_MAX_KEY_SETS, PoolRegistry};

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::claims::CognitoClaims;
use crate::clock::{Clock, SystemClock, unix_seconds};
use crate::config::UserPool;
use crate::error::{ConfigError, TimeClaim, VerifyError, clip};
use crate::http_client::HttpClient;
use crate::jwks::{Fetcher, Jwks, PreparedKey};
use crate::rbac::{AccessError, Requirement};
use crate::revocation::{OnlineCheck, RevocationCheck, RevocationStore};
use crate::token_use::ExpectedUse;

pub(crate) use self::cache::TokenCache;

use self::cache::Entry;
use self::online::Online;
use self::pools::{Issuer, JwksSettings, Pool};
use self::token::{Parsed, RS256};

/// Verified claims and the time (seconds since the epoch, verifier clock) of the checks.
type Checked = (Arc<CognitoClaims>, u64);

/// What [`Verifier::verify_bytes_now`] could say without waiting.
pub(crate) enum NowOrLater<'t> {
    /// Verified (with the time of the checks), or refused.
    Now(Result<Checked, VerifyError>),
    /// The token, as text: its key must be fetched, or the issuer asked, first.
    Later(&'t str),
    /// The bytes are not UTF-8: no token can be in them.
    NotText,
}

/// How far a verification got without waiting.
enum Begun<'t> {
    /// Answered: verified (with the time of the checks), or refused.
    Done(Result<Checked, VerifyError>),
    /// Answered from the verified-token cache.
    Cached(Result<Checked, VerifyError>),
    /// Parsed, and the key of this issuer must be fetched (boxed: the rare case).
    NeedsKey(Box<Parsed<'t>>, Arc<Issuer>),
}

/// Logs a refusal (one event at debug: refusals are routine) and passes the result on. Only
/// the verifier's own entry points log: an adapter logs the request's refusal itself
/// ([`Refusal::log`](crate::Refusal::log)), once.
fn logged<T>(result: Result<T, VerifyError>) -> Result<T, VerifyError> {
    if let Err(err) = &result {
        tracing::debug!(reason = %err, "token rejected");
    }
    result
}

/// Check 6 at `now`: `exp` in the future, `nbf` and `iat` not in the future, each with the
/// `leeway` (seconds).
pub(crate) fn check_times(
    claims: &CognitoClaims,
    now: u64,
    leeway: u64,
) -> Result<(), VerifyError> {
    if now >= claims.exp().saturating_add(leeway) {
        return Err(VerifyError::Expired {
            exp: claims.exp(),
            now,
        });
    }
    for (claim, value) in [
        (TimeClaim::NotBefore, claims.nbf()),
        (TimeClaim::IssuedAt, claims.iat()),
    ] {
        if let Some(value) = value
            && value > now.saturating_add(leeway)
        {
            return Err(VerifyError::NotYetValid { claim, value, now });
        }
    }
    Ok(())
}

/// The HTTP client key fetches use unless the application gives its own: rustls, sanctum's
/// user agent, `timeout` to connect.
pub(crate) fn default_http_client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    HttpClient::with_connect_timeout(timeout).map(HttpClient::into_reqwest)
}

/// Default limit on a token's length: 8 KiB.
pub const DEFAULT_MAX_TOKEN_SIZE: usize = 8 * 1024;
/// Default minimum time between two JWKS fetches for an unknown `kid`: 10 s.
pub const DEFAULT_JWKS_COOLDOWN: Duration = Duration::from_secs(10);
/// Shortest [`jwks_cooldown`](VerifierBuilder::jwks_cooldown) accepted: 1 s. Below it, a
/// stream of tokens with made-up `kid`s would turn into a stream of JWKS fetches.
pub const MIN_JWKS_COOLDOWN: Duration = Duration::from_secs(1);
/// Default interval of the background JWKS refresh: 1 h.
pub const DEFAULT_JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(3600);
/// Default JWKS fetch timeout: 5 s.
pub const DEFAULT_JWKS_TIMEOUT: Duration = Duration::from_secs(5);
/// Default number of verified tokens kept: 10 000.
pub const DEFAULT_CACHE_CAPACITY: u64 = 10_000;

/// Verifies Cognito access and ID tokens. Cheap to clone; clones share keys and cache.
///
/// ```no_run
/// use sanctum_core::{ExpectedUse, UserPool, Verifier};
///
/// # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = Verifier::builder()
///     .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
///     .build()?;
/// verifier.prefetch().await?; // optional: load the keys before the first request
/// let claims = verifier.verify(token, ExpectedUse::Access).await?;
/// println!("{} is in {:?}", claims.sub(), claims.groups().collect::<Vec<_>>());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    revocations: Option<Arc<dyn RevocationStore>>,
    online: Option<Online>,
    /// The pools given to the builder.
    pools: Vec<Arc<Pool>>,
    /// Every accepted `iss` of those pools.
    issuers: Vec<Arc<Issuer>>,
    /// Pools added and removed at run time.
    registry: Option<PoolRegistry>,
    leeway: u64,
    max_token_size: usize,
    clock: Arc<dyn Clock>,
    cache: Option<TokenCache>,
    /// The handles of the hot path's counters (feature `metrics`).
    #[cfg(feature = "metrics")]
    metrics: crate::observe::metrics::VerifierMetrics,
    /// The JWKS fetches' HTTP client, shared with the managed login.
    #[cfg(feature = "managed-login")]
    http: Option<reqwest::Client>,
}

impl Verifier {
    /// Starts a builder with the defaults.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// Verifies `token` (checks 1–8) as the `expected` kind.
    ///
    /// # Errors
    /// The first check that fails, as a [`VerifyError`].
    pub async fn verify(
        &self,
        token: &str,
        expected: ExpectedUse,
    ) -> Result<Arc<CognitoClaims>, VerifyError> {
        logged(self.verify_at(token, expected).await).map(|(claims, _)| claims)
    }

    /// As [`verify`](Self::verify), with the time (seconds since the epoch, the verifier's
    /// clock) the checks were made at; a refusal is not logged (the adapter logs it).
    pub(crate) async fn verify_at(
        &self,
        token: &str,
        expected: ExpectedUse,
    ) -> Result<(Arc<CognitoClaims>, u64), VerifyError> {
        self.verify_inner(token, expected).await
    }

    /// Verifies an access token.
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    pub async fn verify_access(&self, token: &str) -> Result<Arc<CognitoClaims>, VerifyError> {
        self.verify(token, ExpectedUse::Access).await
    }

    /// Verifies an ID token.
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    pub async fn verify_id(&self, token: &str) -> Result<Arc<CognitoClaims>, VerifyError> {
        self.verify(token, ExpectedUse::Id).await
    }

    /// Verifies `token` and then checks `requirement` (check 9) with the verifier's clock.
    ///
    /// ```no_run
    /// use sanctum_core::{AccessError, ExpectedUse, Requirement, Verifier};
    ///
    /// # async fn run(verifier: Verifier, token: &str) {
    /// match verifier.verify_with(token, ExpectedUse::Access, &Requirement::group("admin")).await {
    ///     Ok(claims) => println!("admin {}", claims.sub()),
    ///     Err(AccessError::Invalid(err)) => println!("not a valid token: {err}"),
    ///     Err(AccessError::Denied(denied)) => println!("valid, but: {denied}"),
    ///     Err(other) => println!("{other}"),
    /// }
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`AccessError::Invalid`] as [`verify`](Self::verify), or [`AccessError::Denied`] when
    /// the requirement is not met.
    pub async fn verify_with(
        &self,
        token: &str,
        expected: ExpectedUse,
        requirement: &Requirement,
    ) -> Result<Arc<CognitoClaims>, AccessError> {
        let claims = self.verify(token, expected).await?;
        self.check_requirement(&claims, requirement)?;
        Ok(claims)
    }

    /// Checks `requirement` on verified `claims` (check 9) with the verifier's clock, as the
    /// adapters' guards do; a time rule (the age of the sign-in) reads the same clock as the
    /// token's own time checks.
    ///
    /// # Errors
    /// [`Denied`](crate::Denied) naming the first unmet part.
    pub fn check_requirement(
        &self,
        claims: &CognitoClaims,
        requirement: &Requirement,
    ) -> Result<(), crate::Denied> {
        requirement
            .check_at(claims, self.now())
            .inspect_err(|denied| tracing::debug!(reason = %denied, "token refused by requirement"))
    }

    async fn verify_inner(
        &self,
        token: &str,
        expected: ExpectedUse,
    ) -> Result<(Arc<CognitoClaims>, u64), VerifyError> {
        let (local, hit) = match self.begin(token, expected, true) {
            Begun::Done(result) => (result, false),
            Begun::Cached(result) => (result, true),
            // 3. the key is not cached: fetch it (single flight, cooldown), then go on
            Begun::NeedsKey(parsed, issuer) => {
                let result = match issuer.jwks.key(&parsed.kid).await {
                    Ok(key) => self.finish(token, *parsed, &issuer, &key, expected),
                    Err(err) => Err(err),
                };
                (result, false)
            }
        };
        let result = self.confirm_online(token, local).await;
        self.count(&result, hit);
        result
    }

    /// Check 10 with the issuer (opt-in) on a token whose local checks passed.
    async fn confirm_online(
        &self,
        token: &str,
        local: Result<Checked, VerifyError>,
    ) -> Result<Checked, VerifyError> {
        let (claims, now) = local?;
        // 10. the online check (opt-in), once every local check passed; the checks' time is
        // read again after it, as the issuer may have taken a while to answer
        if let Some(online) = &self.inner.online {
            online.confirm(token, &claims, now).await?;
            return Ok((claims, self.now()));
        }
        Ok((claims, now))
    }

    /// Checks 1–8 as far as they go without waiting: everything, unless the token's key must
    /// be fetched first. `look_in_cache`: false when the caller has just missed the cache.
    fn begin<'t>(&self, token: &'t str, expected: ExpectedUse, look_in_cache: bool) -> Begun<'t> {
        let inner = &*self.inner;
        // 1. size, before anything else
        if token.len() > inner.max_token_size {
            return Begun::Done(Err(VerifyError::TooLarge {
                len: token.len(),
                max: inner.max_token_size,
            }));
        }
        // hot path: a token seen before skips 2-4; 5-8 are checked again
        if look_in_cache && let Some(result) = self.cache_lookup(token.as_bytes(), expected) {
            return Begun::Cached(result);
        }
        // 2. structure
        let parsed = match token::parse(token) {
            Ok(parsed) => parsed,
            Err(err) => return Begun::Done(Err(err)),
        };
        // 3. issuer: it picks the pool and the keys
        let Some(issuer) = self.issuer(parsed.claims.iss()) else {
            return Begun::Done(Err(VerifyError::IssuerMismatch {
                iss: clip(parsed.claims.iss()),
            }));
        };
        // 4. key, when cached (a fixed JWKS has nothing more to fetch; inside the cooldown or
        // the backoff nothing is fetched either, and the refusal needs no future)
        let jwks = &issuer.jwks;
        match jwks.cached(&parsed.kid) {
            Some(key) => {
                jwks.start_refresher();
                jwks.touch();
                Begun::Done(self.finish(token, parsed, &issuer, &key, expected))
            }
            None if !jwks.fetches() => Begun::Done(Err(VerifyError::UnknownKey {
                kid: clip(&parsed.kid),
            })),
            None => match jwks.refusal_while_waiting(&parsed.kid) {
                Some(refusal) => Begun::Done(Err(refusal)),
                None => Begun::NeedsKey(Box::new(parsed), issuer),
            },
        }
    }

    /// The issuer `iss` names, by exact match: of a pool given to the builder, or of one the
    /// registry holds now.
    #[inline]
    fn issuer(&self, iss: &str) -> Option<Arc<Issuer>> {
        let inner = &*self.inner;
        match inner.issuers.iter().find(|i| i.iss == iss) {
            Some(issuer) => Some(Arc::clone(issuer)),
            None => inner.registry.as_ref()?.issuer(iss),
        }
    }

    /// Checks 4 (the key's own `alg`) to 8 once the key is there; caches the verified claims.
    fn finish(
        &self,
        token: &str,
        parsed: Parsed<'_>,
        issuer: &Arc<Issuer>,
        key: &PreparedKey,
        expected: ExpectedUse,
    ) -> Result<Checked, VerifyError> {
        // (the pool removed while its key was fetched)
        if issuer.pool.is_removed() {
            return Err(VerifyError::IssuerMismatch {
                iss: clip(parsed.claims.iss()),
            });
        }
        if let Some(key_alg) = &key.alg
            && key_alg != RS256
        {
            return Err(VerifyError::AlgorithmMismatch {
                kid: clip(&parsed.kid),
                key_alg: clip(key_alg),
            });
        }
        // 5. signature
        if !parsed.verify_with(key) {
            return Err(VerifyError::InvalidSignature);
        }
        let claims = parsed.claims;
        if let Some(cache) = &self.inner.cache {
            // The generation is read before the key is confirmed current: if a refetch drops
            // the key in between, the entry's generation is already stale and every hit checks.
            let jwks = &issuer.jwks;
            let generation = jwks.generation();
            if jwks.has_key_serial(key.serial) || !jwks.fetches() {
                let entry = Entry::new(
                    Arc::clone(&claims),
                    Arc::clone(issuer),
                    key.serial,
                    generation,
                );
                cache.insert(token, entry, claims.exp(), self.now());
                #[cfg(feature = "metrics")]
                self.inner.metrics.cached_tokens(cache.entry_count());
            }
        }
        // 6-8
        let now = self.check_claims(&claims, &issuer.pool, expected)?;
        Ok((claims, now))
    }

    /// Verifies `token` without waiting: `None` only when its key must be fetched first (see
    /// [`crate::adapter::verify_now`]). A refusal is not logged (the adapter logs it).
    pub(crate) fn verify_now(
        &self,
        token: &str,
        expected: ExpectedUse,
    ) -> Option<Result<Checked, VerifyError>> {
        self.verify_now_from(token, expected, true)
    }

    /// As [`verify_now`](Self::verify_now); `look_in_cache`: false when the caller has just
    /// missed the cache.
    fn verify_now_from(
        &self,
        token: &str,
        expected: ExpectedUse,
        look_in_cache: bool,
    ) -> Option<Result<Checked, VerifyError>> {
        let (result, hit) = match self.begin(token, expected, look_in_cache) {
            Begun::Done(result) => (result, false),
            Begun::Cached(result) => (result, true),
            Begun::NeedsKey(..) => return None,
        };
        let result = self.confirm_now(token, result)?;
        self.count(&result, hit);
        Some(result)
    }

    /// Counts a verification's outcome (feature `metrics`; nothing without it). `hit`:
    /// answered from the verified-token cache.
    #[inline(always)]
    fn count(&self, result: &Result<Checked, VerifyError>, hit: bool) {
        #[cfg(feature = "metrics")]
        self.inner.metrics.verification(result.as_ref().err(), hit);
        #[cfg(not(feature = "metrics"))]
        let _ = (result, hit);
    }

    /// Check 10, the online check, when configured: its kept answer, or `None` when the issuer
    /// must be asked (the waiting path does).
    fn confirm_now(
        &self,
        token: &str,
        result: Result<Checked, VerifyError>,
    ) -> Option<Result<Checked, VerifyError>> {
        match (result, &self.inner.online) {
            (Ok((claims, now)), Some(online)) => {
                Some(online.cached(token, &claims, now)?.map(|()| (claims, now)))
            }
            (result, _) => Some(result),
        }
    }

    /// Verifies the token in `token` (bytes as a request carries them) without waiting, the
    /// adapters' hot path: a token in the verified-token cache is found by its bytes, so only
    /// a token the cache does not hold is checked to be text.
    pub(crate) fn verify_bytes_now<'t>(
        &self,
        token: &'t [u8],
        expected: ExpectedUse,
    ) -> NowOrLater<'t> {
        // (a cached token passed the size check when it was verified)
        if let Some(result) = self.cache_lookup(token, expected) {
            let result = match (&self.inner.online, result) {
                // the online check keeps its answers by token text
                (Some(_), Ok(checked)) => {
                    let Ok(text) = std::str::from_utf8(token) else {
                        return NowOrLater::NotText;
                    };
                    match self.confirm_now(text, Ok(checked)) {
                        Some(result) => result,
                        None => return NowOrLater::Later(text),
                    }
                }
                (_, result) => result,
            };
            self.count(&result, true);
            return NowOrLater::Now(result);
        }
        let Ok(text) = std::str::from_utf8(token) else {
            return NowOrLater::NotText;
        };
        match self.verify_now_from(text, expected, false) {
            Some(result) => NowOrLater::Now(result),
            None => NowOrLater::Later(text),
        }
    }

    /// The claims of `token` read without any check but its structure (check 2): for tokens
    /// another party has authenticated, or whose signature an earlier check confirmed.
    #[cfg(feature = "cognito")]
    pub(crate) fn unverified_claims(token: &str) -> Result<CognitoClaims, VerifyError> {
        token::parse(token).map(|parsed| Arc::unwrap_or_clone(parsed.claims))
    }

    #[inline]
    fn cache_lookup(
        &self,
        token: &[u8],
        expected: ExpectedUse,
    ) -> Option<Result<Checked, VerifyError>> {
        let hit = self.inner.cache.as_ref()?.get(token)?;
        // 3. the pool is still accepted: a removed pool's token goes the whole way again (and
        // is refused there, or checked against the pool that replaced it)
        let pool = &hit.issuer.pool;
        if pool.is_removed() {
            if let Some(cache) = &self.inner.cache {
                cache.remove(token);
            }
            return None;
        }
        // 4. the key that verified it is still published (cheap while the set is unchanged)
        let jwks = &hit.issuer.jwks;
        jwks.touch();
        if jwks.generation() != hit.generation && !jwks.has_key_serial(hit.key_serial) {
            // keys evicted to make room for another pool's: fetched again on the whole way
            if jwks.evicted_since(hit.generation) {
                return None;
            }
            let kid = std::str::from_utf8(token).ok().and_then(token::kid);
            return Some(Err(VerifyError::UnknownKey {
                kid: kid.map(|kid| clip(&kid)).unwrap_or_default(),
            }));
        }
        let checked = self.check_claims(&hit.claims, pool, expected);
        if let Err(VerifyError::Expired { .. }) = checked
            && let Some(cache) = &self.inner.cache
        {
            // the cache keeps no timers: an expired token goes when it is next seen
            cache.remove(token);
        }
        Some(checked.map(|now| (hit.claims, now)))
    }

    /// Checks 6–8 (and 10) on claims whose issuer and signature are verified; the time they
    /// were checked at.
    fn check_claims(
        &self,
        claims: &CognitoClaims,
        pool: &Pool,
        expected: ExpectedUse,
    ) -> Result<u64, VerifyError> {
        let inner = &*self.inner;
        let pool = &pool.config;
        // 6. times
        let now = self.now();
        check_times(claims, now, inner.leeway)?;
        // 7. token_use
        if !expected.accepts(claims.token_use()) {
            return Err(VerifyError::WrongTokenUse {
                expected,
                found: claims.token_use().as_str().to_owned(),
            });
        }
        // 8. client
        if !pool.any_client && !claims.client_is_one_of(&pool.client_ids) {
            return Err(VerifyError::ClientMismatch {
                client_id: clip(claims.client_id()),
            });
        }
        // 10. revocation (opt-in): a local lookup
        if let Some(store) = &inner.revocations {
            match store.check(claims, now) {
                RevocationCheck::NotRevoked => {}
                RevocationCheck::Revoked => return Err(VerifyError::Revoked),
                RevocationCheck::Unavailable => {
                    return Err(VerifyError::RevocationCheckUnavailable);
                }
            }
        }
        Ok(now)
    }

    fn now(&self) -> u64 {
        unix_seconds(self.inner.clock.now())
    }

    /// Fetches the keys of every issuer of every pool given to the builder now, concurrently
    /// (ignoring the cooldown), so the first request does not wait for them. Fixed JWKS
    /// documents need nothing; a [`PoolRegistry`]'s pools fetch theirs on their first token.
    ///
    /// A pool is ready when at least one of its issuers' keys could be fetched: a pool whose
    /// UPDATED-issuer host fails (or answers 403) still serves its ORIGINAL-issuer tokens, and
    /// the failed JWKS is fetched again when a token of that issuer comes (each failure is
    /// logged).
    ///
    /// # Errors
    /// [`VerifyError::KeysUnavailable`] for the first pool none of whose JWKS could be fetched.
    pub async fn prefetch(&self) -> Result<(), VerifyError> {
        let inner = &*self.inner;
        let mut unique: Vec<&Arc<Jwks>> = Vec::new();
        for issuer in &inner.issuers {
            if !unique.iter().any(|j| Arc::ptr_eq(j, &issuer.jwks)) {
                unique.push(&issuer.jwks);
            }
        }
        let results =
            futures_util::future::join_all(unique.iter().map(|jwks| jwks.refresh())).await;
        let result_of = |jwks: &Arc<Jwks>| {
            unique
                .iter()
                .position(|j| Arc::ptr_eq(j, jwks))
                .and_then(|i| results.get(i))
        };
        for pool in &inner.pools {
            let mut first_error = None;
            let mut any_ok = false;
            for issuer in inner.issuers.iter().filter(|i| Arc::ptr_eq(&i.pool, pool)) {
                match result_of(&issuer.jwks) {
                    Some(Ok(())) | None => any_ok = true,
                    Some(Err(err)) => {
                        first_error.get_or_insert_with(|| err.clone());
                    }
                }
            }
            if let (false, Some(err)) = (any_ok, first_error) {
                return Err(err);
            }
        }
        Ok(())
    }

    /// Whether the key `kid` of the issuer `iss` is cached now. Does no I/O and never
    /// waits for a fetch: the same lookup a verification makes (useful for readiness checks).
    #[must_use]
    pub fn has_cached_key(&self, iss: &str, kid: &str) -> bool {
        self.issuer(iss)
            .is_some_and(|issuer| issuer.jwks.cached(kid).is_some())
    }

    /// The user pools given to the builder (those of its [`PoolRegistry`] come and go: see
    /// [`pool_registry`](Self::pool_registry)).
    pub fn pools(&self) -> impl Iterator<Item = &UserPool> {
        self.inner.pools.iter().map(|pool| &pool.config)
    }

    /// The registry of pools added and removed at run time, when the verifier was built with
    /// one ([`VerifierBuilder::pool_registry`]).
    #[must_use]
    pub fn pool_registry(&self) -> Option<&PoolRegistry> {
        self.inner.registry.as_ref()
    }

    /// The verifier's clock, for what shares it (the managed login).
    #[cfg(feature = "managed-login")]
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The HTTP client of the JWKS fetches (none with fixed JWKS documents only).
    #[cfg(feature = "managed-login")]
    pub(crate) fn http_client(&self) -> Option<&reqwest::Client> {
        self.inner.http.as_ref()
    }

    /// How many verified tokens are cached now (0 when the cache is off).
    #[must_use]
    pub fn cached_tokens(&self) -> u64 {
        self.inner.cache.as_ref().map_or(0, TokenCache::entry_count)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Verifier")
            .field("pools", &self.pools().collect::<Vec<_>>())
            .field("pool_registry", &inner.registry)
            .field("leeway_secs", &inner.leeway)
            .field("max_token_size", &inner.max_token_size)
            .field("token_cache", &inner.cache.is_some())
            .field("revocations", &inner.revocations)
            .field("online_check", &inner.online.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Verifier`]; see [`Verifier::builder`].
#[must_use]
pub struct VerifierBuilder {
    revocations: Option<Arc<dyn RevocationStore>>,
    online: Option<OnlineCheck>,
    pools: Vec<UserPool>,
    registry: Option<PoolRegistry>,
    leeway: Duration,
    max_token_size: usize,
    jwks_cooldown: Duration,
    jwks_refresh_interval: Duration,
    jwks_timeout: Duration,
    cache_capacity: u64,
    token_cache: bool,
    clock: Arc<dyn Clock>,
    http_client: Option<HttpClient>,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        Self {
            revocations: None,
            online: None,
            pools: Vec::new(),
            registry: None,
            leeway: Duration::ZERO,
            max_token_size: DEFAULT_MAX_TOKEN_SIZE,
            jwks_cooldown: DEFAULT_JWKS_COOLDOWN,
            jwks_refresh_interval: DEFAULT_JWKS_REFRESH_INTERVAL,
            jwks_timeout: DEFAULT_JWKS_TIMEOUT,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            token_cache: true,
            clock: Arc::new(SystemClock),
            http_client: None,
        }
    }
}

impl VerifierBuilder {
    /// Accepts tokens of this user pool. Call once per pool; the pool is chosen by `iss`.
    pub fn pool(mut self, pool: UserPool) -> Self {
        self.pools.push(pool);
        self
    }

    /// Also accepts the pools `registry` holds, which can be added and removed while the
    /// verifier serves (one pool per tenant). The pools given to [`pool`](Self::pool) stay
    /// fixed beside them; a verifier may have a registry and no fixed pool.
    ///
    /// Example: [`PoolRegistry`].
    pub fn pool_registry(mut self, registry: PoolRegistry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 0, as aws-jwt-verify), whole seconds.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Longest token accepted, in bytes (default 8 KiB); longer ones are refused undecoded.
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.max_token_size = bytes;
        self
    }

    /// Minimum time between two JWKS fetches triggered by unknown `kid`s (default 10 s, at
    /// least [`MIN_JWKS_COOLDOWN`], 1 s: [`build`](Self::build) refuses less).
    ///
    /// ```
    /// use std::time::Duration;
    /// use sanctum_core::{UserPool, Verifier};
    ///
    /// let verifier = Verifier::builder()
    ///     .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
    ///     .jwks_cooldown(Duration::from_secs(30))
    ///     .build()?;
    /// # let _ = verifier;
    /// # Ok::<(), sanctum_core::ConfigError>(())
    /// ```
    pub fn jwks_cooldown(mut self, cooldown: Duration) -> Self {
        self.jwks_cooldown = cooldown;
        self
    }

    /// How often each issuer's keys are refetched in the background (default 1 h, at least
    /// [`MIN_JWKS_COOLDOWN`]), so a key the issuer stopped publishing stops verifying, cached
    /// tokens included, without a restart. The task starts with the first fetch (a request, or
    /// [`Verifier::prefetch`]) on a Tokio runtime, wakes once a second to read the
    /// [clock](Self::clock), and ends with the verifier; a failed refresh keeps the last good
    /// keys and is retried after the fetch backoff. Requests never wait for it, and a fixed
    /// JWKS document is never refetched.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sanctum_core::{UserPool, Verifier};
    ///
    /// let verifier = Verifier::builder()
    ///     .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
    ///     .jwks_refresh_interval(Duration::from_secs(15 * 60))
    ///     .build()?;
    /// # let _ = verifier;
    /// # Ok::<(), sanctum_core::ConfigError>(())
    /// ```
    pub fn jwks_refresh_interval(mut self, interval: Duration) -> Self {
        self.jwks_refresh_interval = interval;
        self
    }

    /// Timeout of one JWKS fetch (default 5 s).
    pub fn jwks_timeout(mut self, timeout: Duration) -> Self {
        self.jwks_timeout = timeout;
        self
    }

    /// How many verified tokens the cache keeps (default 10 000).
    pub fn cache_capacity(mut self, entries: u64) -> Self {
        self.cache_capacity = entries;
        self
    }

    /// Turns the verified-token cache on (default) or off.
    pub fn token_cache(mut self, enabled: bool) -> Self {
        self.token_cache = enabled;
        self
    }

    /// The clock for time checks, and (its monotonic reading) for the JWKS cooldown and
    /// backoff (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Refuses revoked tokens (check 10): tokens of a user who signed out, was disabled or
    /// deleted, or whose refresh token was revoked, as recorded in `store` (see
    /// [`crate::revocation`]). A local lookup per verification, cache hits included; without
    /// a store (the default) nothing is looked up.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sanctum_core::revocation::InMemoryRevocations;
    /// use sanctum_core::{UserPool, Verifier};
    ///
    /// let revocations = Arc::new(InMemoryRevocations::new());
    /// let verifier = Verifier::builder()
    ///     .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
    ///     .revocations(revocations.clone())
    ///     .build()?;
    /// # Ok::<(), sanctum_core::ConfigError>(())
    /// ```
    pub fn revocations(mut self, store: Arc<dyn RevocationStore>) -> Self {
        self.revocations = Some(store);
        self
    }

    /// Confirms every access token online with the issuer once its local checks passed
    /// (check 10): Cognito's `GetUser` refuses tokens after a global sign-out or a refresh
    /// token's revocation, which no local check can see. The answer is kept per token (a live
    /// one for [`OnlineCheck::cache_for`]), so only a token's first request in that time
    /// waits for Cognito; what happens when Cognito cannot be asked is
    /// [`OnlineCheck::when_unreachable`] (refuse as 503, or allow). For deployments without a
    /// shared [revocation store](Self::revocations); both can be on.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use sanctum_core::revocation::{OnlineCheck, WhenUnreachable};
    /// use sanctum_core::cognito::SanctumClient;
    /// use sanctum_core::{UserPool, Verifier};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let cognito = SanctumClient::builder("us-east-1_AbC123xyz", "4a1b2c3d4e5f")
    ///     .build()
    ///     .await?;
    /// let verifier = Verifier::builder()
    ///     .pool(UserPool::new("us-east-1_AbC123xyz").client_id("4a1b2c3d4e5f"))
    ///     .online_check(
    ///         OnlineCheck::new(cognito)
    ///             .cache_for(Duration::from_secs(30))
    ///             .when_unreachable(WhenUnreachable::Refuse),
    ///     )
    ///     .build()?;
    /// # let _ = verifier; Ok(()) }
    /// ```
    pub fn online_check(mut self, check: OnlineCheck) -> Self {
        self.online = Some(check);
        self
    }

    /// As [`clock`](Self::clock), for a clock already shared.
    #[cfg(feature = "test-util")]
    pub(crate) fn shared_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The HTTP client for JWKS fetches, and for managed login's endpoints (default: one with
    /// sanctum's defaults, built here). Give the same [`HttpClient`] to everything that makes
    /// requests so they share one connection pool.
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Checks the configuration and builds the verifier. Does no network I/O.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first bad setting.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        if self.pools.is_empty() && self.registry.is_none() {
            return Err(ConfigError::NoPools);
        }
        if self.max_token_size == 0 {
            return Err(ConfigError::InvalidSetting {
                what: "max_token_size",
                reason: "must be above zero",
            });
        }
        if self.jwks_cooldown < MIN_JWKS_COOLDOWN {
            return Err(ConfigError::InvalidSetting {
                what: "jwks_cooldown",
                reason: "must be at least 1 s (MIN_JWKS_COOLDOWN)",
            });
        }
        if self.jwks_refresh_interval < MIN_JWKS_COOLDOWN {
            return Err(ConfigError::InvalidSetting {
                what: "jwks_refresh_interval",
                reason: "must be at least 1 s",
            });
        }
        if self.jwks_timeout.is_zero() {
            return Err(ConfigError::InvalidSetting {
                what: "jwks_timeout",
                reason: "must be above zero",
            });
        }
        if self.online.as_ref().is_some_and(|o| o.capacity == 0) {
            return Err(ConfigError::InvalidSetting {
                what: "online_check cache_capacity",
                reason: "must be above zero",
            });
        }
        let cache = TokenCache::configured(self.token_cache, self.cache_capacity)?;
        let mut seen: Vec<String> = Vec::new();
        for pool in &self.pools {
            pool.validate()?;
            for issuer in pool.issuers() {
                if seen.contains(&issuer) {
                    return Err(ConfigError::DuplicateIssuer { issuer });
                }
                seen.push(issuer);
            }
        }
        let needs_client =
            self.registry.is_some() || self.pools.iter().any(|p| p.jwks_document.is_none());
        let http = match (needs_client, self.http_client) {
            (false, _) => None,
            (true, Some(client)) => Some(client.into_reqwest()),
            (true, None) => Some(default_http_client(self.jwks_timeout)?),
        };
        let settings = JwksSettings {
            fetcher: http
                .as_ref()
                .map(|client| Fetcher::new(client.clone(), self.jwks_timeout)),
            cooldown: self.jwks_cooldown,
            refresh_every: self.jwks_refresh_interval,
            clock: Arc::clone(&self.clock),
        };
        let mut by_url: HashMap<String, Arc<Jwks>> = HashMap::new();
        let mut pools = Vec::with_capacity(self.pools.len());
        let mut issuers = Vec::new();
        for config in self.pools {
            let (pool, pool_issuers) = settings.pool(config, &mut by_url, None)?;
            pools.push(pool);
            issuers.extend(pool_issuers);
        }
        if let Some(registry) = &self.registry {
            registry.bind(settings, seen)?;
        }
        Ok(Verifier {
            inner: Arc::new(Inner {
                revocations: self.revocations,
                online: self
                    .online
                    .map(|check| Online::new(check, Arc::clone(&self.clock))),
                pools,
                issuers,
                registry: self.registry,
                leeway: self.leeway.as_secs(),
                max_token_size: self.max_token_size,
                clock: self.clock,
                cache,
                #[cfg(feature = "metrics")]
                metrics: crate::observe::metrics::VerifierMetrics::register(),
                #[cfg(feature = "managed-login")]
                http,
            }),
        })
    }
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("pools", &self.pools)
            .field("pool_registry", &self.registry)
            .field("leeway", &self.leeway)
            .field("max_token_size", &self.max_token_size)
            .field("jwks_cooldown", &self.jwks_cooldown)
            .field("jwks_refresh_interval", &self.jwks_refresh_interval)
            .field("jwks_timeout", &self.jwks_timeout)
            .field("cache_capacity", &self.cache_capacity)
            .field("token_cache", &self.token_cache)
            .field("online_check", &self.online)
            .finish_non_exhaustive()
    }
}
