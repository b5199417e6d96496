//! The pools a verifier accepts: those given to its builder, fixed, and those of a
//! [`PoolRegistry`], added and removed while it serves.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use crate::clock::Clock;
use crate::config::UserPool;
use crate::error::ConfigError;
use crate::jwks::{Fetcher, Jwks, KeySet, KeySetBudget, parse_jwks};

/// Default cap on the key sets a [`PoolRegistry`] holds at once: 1 000.
pub const DEFAULT_MAX_KEY_SETS: usize = 1_000;

/// One pool: its configuration, and whether it was removed from its registry (its tokens,
/// cached ones included, are then refused).
pub(crate) struct Pool {
    pub(crate) config: UserPool,
    removed: AtomicBool,
}

impl Pool {
    fn new(config: UserPool) -> Self {
        Self {
            config,
            removed: AtomicBool::new(false),
        }
    }

    #[inline]
    pub(crate) fn is_removed(&self) -> bool {
        self.removed.load(Ordering::Acquire)
    }

    fn remove(&self) {
        self.removed.store(true, Ordering::Release);
    }
}

/// One accepted `iss`: its pool and its keys.
pub(crate) struct Issuer {
    pub(crate) iss: String,
    pub(crate) pool: Arc<Pool>,
    pub(crate) jwks: Arc<Jwks>,
}

/// What the verifier's key sets are made with.
#[derive(Clone)]
pub(crate) struct JwksSettings {
    pub(crate) fetcher: Option<Fetcher>,
    pub(crate) cooldown: Duration,
    pub(crate) refresh_every: Duration,
    pub(crate) clock: Arc<dyn Clock>,
}

/// The keys of a pool's fixed JWKS document (`None` for a pool that fetches its keys).
fn fixed_keys(config: &UserPool) -> Result<Option<KeySet>, ConfigError> {
    let Some(doc) = &config.jwks_document else {
        return Ok(None);
    };
    let keys = parse_jwks(doc.as_bytes()).map_err(|reason| ConfigError::InvalidJwks { reason })?;
    if keys.is_empty() {
        return Err(ConfigError::InvalidJwks {
            reason: "no usable RS256 key in the document".to_owned(),
        });
    }
    Ok(Some(keys))
}

impl JwksSettings {
    /// The pool of `config` and its issuers, each with its key set: one fixed set for a pool
    /// with a fixed document, otherwise one per JWKS URL, taken from (or added to) `by_url`,
    /// counted against `budget` when there is one.
    pub(crate) fn pool(
        &self,
        config: UserPool,
        by_url: &mut HashMap<String, Arc<Jwks>>,
        budget: Option<&Arc<KeySetBudget>>,
    ) -> Result<(Arc<Pool>, Vec<Arc<Issuer>>), ConfigError> {
        let fixed = fixed_keys(&config)?.map(|keys| {
            Arc::new(Jwks::fixed(
                format!("fixed JWKS of {}", config.pool_id),
                keys,
                Arc::clone(&self.clock),
            ))
        });
        let specs = config.issuer_specs();
        let pool = Arc::new(Pool::new(config));
        let mut issuers = Vec::with_capacity(specs.len());
        for spec in specs {
            let jwks = match (&fixed, &self.fetcher) {
                (Some(fixed), _) => Arc::clone(fixed),
                (None, Some(fetcher)) => Arc::clone(
                    by_url
                        .entry(spec.jwks_url.clone())
                        .or_insert_with(|| self.remote(spec.jwks_url, fetcher, budget)),
                ),
                (None, None) => {
                    return Err(ConfigError::InvalidSetting {
                        what: "jwks_url",
                        reason: "no HTTP client for a pool without a fixed JWKS",
                    });
                }
            };
            issuers.push(Arc::new(Issuer {
                iss: spec.iss,
                pool: Arc::clone(&pool),
                jwks,
            }));
        }
        Ok((pool, issuers))
    }

    fn remote(
        &self,
        url: String,
        fetcher: &Fetcher,
        budget: Option<&Arc<KeySetBudget>>,
    ) -> Arc<Jwks> {
        let clock = Arc::clone(&self.clock);
        match budget {
            None => Arc::new(Jwks::remote(
                url,
                fetcher.clone(),
                self.cooldown,
                self.refresh_every,
                clock,
            )),
            Some(budget) => Arc::new_cyclic(|me| {
                Jwks::remote_budgeted(
                    url,
                    fetcher.clone(),
                    self.cooldown,
                    self.refresh_every,
                    clock,
                    Arc::clone(budget),
                    me.clone(),
                )
            }),
        }
    }
}

/// User pools added and removed while a [`Verifier`](crate::Verifier) serves, for services
/// with many pools (one per tenant) that come and go without a restart. Cheap to clone; clones
/// are the same registry.
///
/// - The pool is still chosen by the token's `iss` (exact match, both Cognito issuer forms
///   and any replica or extra issuer, as for pools given to the builder), so a token of an
///   issuer the registry does not hold is refused before any key lookup or fetch, and costs no
///   memory.
/// - Each pool keeps its own configuration: app client ids, issuers, JWKS URL or fixed
///   document. Every check of [`verify`](crate::verify) applies to it as to any pool.
/// - [`insert`](Self::insert) takes effect for the next verification; inserting a pool id
///   again replaces that pool's configuration (its fetched keys are kept where the JWKS URL
///   is the same).
/// - [`remove`](Self::remove) refuses the pool's tokens at once, those in the verified-token
///   cache included, and drops its keys.
/// - At most [`max_key_sets`](Self::max_key_sets) key sets (one per JWKS URL, default
///   [`DEFAULT_MAX_KEY_SETS`]) are held at once: loading one more evicts the least recently
///   used. An evicted pool's keys are fetched again on its next token, under the usual JWKS
///   rules (single flight; not within the cooldown of its last fetch: a token of a pool
///   evicted that soon is refused as an unknown key until then). Set the cap above the number
///   of pools in use at once. Pools with a fixed JWKS document hold their keys for good and do
///   not count.
///
/// A registry serves one verifier; the pools given to the builder with
/// [`VerifierBuilder::pool`](crate::VerifierBuilder::pool) stay fixed beside it, and no
/// registry pool may claim one of their issuers.
///
/// ```no_run
/// use sanctum_core::{PoolRegistry, UserPool, Verifier};
///
/// # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let tenants = PoolRegistry::with_max_key_sets(500);
/// let verifier = Verifier::builder().pool_registry(tenants.clone()).build()?;
///
/// // a tenant signs up: its pool is accepted from the next request on
/// tenants.insert(UserPool::new("eu-west-1_TenantA1").client_id("4a1b2c3d4e5f"))?;
/// let claims = verifier.verify_access(token).await?;
///
/// // a tenant leaves: its tokens are refused at once, cached ones too
/// tenants.remove("eu-west-1_TenantA1");
/// # let _ = claims; Ok(()) }
/// ```
#[derive(Clone)]
pub struct PoolRegistry {
    inner: Arc<Registry>,
}

struct Registry {
    budget: Arc<KeySetBudget>,
    state: RwLock<State>,
    /// Set when a verifier is built with the registry.
    binding: OnceLock<Binding>,
}

#[derive(Default)]
struct State {
    /// By accepted `iss`.
    issuers: HashMap<String, Arc<Issuer>>,
    /// Each pool's issuers, by pool id.
    pools: HashMap<String, Vec<Arc<Issuer>>>,
    /// Pools inserted before the registry was given to a verifier.
    pending: Vec<UserPool>,
    /// Their issuers, with the pool id of each.
    pending_issuers: HashMap<String, String>,
}

impl State {
    fn remove_pending(&mut self, pool_id: &str) -> bool {
        let before = self.pending.len();
        self.pending.retain(|p| p.pool_id != pool_id);
        self.pending_issuers.retain(|_, id| id.as_str() != pool_id);
        self.pending.len() != before
    }
}

/// What the verifier gives its registry.
struct Binding {
    settings: JwksSettings,
    /// The issuers of the pools given to the builder.
    reserved: Vec<String>,
}

impl Default for PoolRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl PoolRegistry {
    /// An empty registry holding at most [`DEFAULT_MAX_KEY_SETS`] key sets at once.
    ///
    /// Example: the [type docs](Self).
    #[must_use]
    pub fn new() -> Self {
        Self::with_max_key_sets(DEFAULT_MAX_KEY_SETS)
    }

    /// An empty registry holding at most `max` key sets at once (at least 1:
    /// [`VerifierBuilder::build`](crate::VerifierBuilder::build) refuses 0).
    ///
    /// Example: the [type docs](Self).
    #[must_use]
    pub fn with_max_key_sets(max: usize) -> Self {
        Self {
            inner: Arc::new(Registry {
                budget: Arc::new(KeySetBudget::new(max)),
                state: RwLock::new(State::default()),
                binding: OnceLock::new(),
            }),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        match self.inner.state.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        match self.inner.state.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Accepts tokens of `pool` from the next verification on; a pool with the same pool id
    /// is replaced (its tokens are checked against the new configuration, cached ones too).
    /// Does no network I/O: the keys are fetched when the pool's first token comes.
    ///
    /// Example: the [type docs](Self).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first bad value of `pool` (as
    /// [`VerifierBuilder::build`](crate::VerifierBuilder::build) checks them), or
    /// [`ConfigError::DuplicateIssuer`] when another pool (of the registry, or given to the
    /// builder) has one of its issuers. The registry is then unchanged.
    pub fn insert(&self, pool: UserPool) -> Result<(), ConfigError> {
        pool.validate()?;
        fixed_keys(&pool)?;
        let mut state = self.write();
        match self.inner.binding.get() {
            Some(binding) => insert_bound(&mut state, binding, &self.inner.budget, pool),
            None => {
                let issuers = pool.issuers();
                for iss in &issuers {
                    if state
                        .pending_issuers
                        .get(iss)
                        .is_some_and(|id| *id != pool.pool_id)
                    {
                        return Err(ConfigError::DuplicateIssuer {
                            issuer: iss.clone(),
                        });
                    }
                }
                state.remove_pending(&pool.pool_id);
                for iss in issuers {
                    state.pending_issuers.insert(iss, pool.pool_id.clone());
                }
                state.pending.push(pool);
                Ok(())
            }
        }
    }

    /// Stops accepting the tokens of the pool `pool_id` at once, those in the verified-token
    /// cache included, and drops its keys. Whether the registry held the pool.
    ///
    /// Example: the [type docs](Self).
    pub fn remove(&self, pool_id: &str) -> bool {
        let mut state = self.write();
        if self.inner.binding.get().is_none() {
            return state.remove_pending(pool_id);
        }
        let Some(issuers) = state.pools.remove(pool_id) else {
            return false;
        };
        for issuer in &issuers {
            issuer.pool.remove();
            state.issuers.remove(&issuer.iss);
            issuer.jwks.retire();
        }
        tracing::info!(pool_id, "user pool removed from the registry");
        true
    }

    /// Whether the registry holds the pool `pool_id`.
    ///
    /// Example: the [type docs](Self).
    #[must_use]
    pub fn contains(&self, pool_id: &str) -> bool {
        let state = self.read();
        state.pools.contains_key(pool_id) || state.pending.iter().any(|p| p.pool_id == pool_id)
    }

    /// How many pools the registry holds.
    ///
    /// Example: the [type docs](Self).
    #[must_use]
    pub fn len(&self) -> usize {
        let state = self.read();
        state.pools.len() + state.pending.len()
    }

    /// Whether the registry holds no pool.
    ///
    /// Example: the [type docs](Self).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many fetched key sets the registry's pools hold now: never more than
    /// [`max_key_sets`](Self::max_key_sets).
    ///
    /// Example: the [type docs](Self).
    #[must_use]
    pub fn cached_key_sets(&self) -> usize {
        self.inner.budget.len()
    }

    /// The most fetched key sets held at once.
    ///
    /// Example: the [type docs](Self).
    #[must_use]
    pub fn max_key_sets(&self) -> usize {
        self.inner.budget.max()
    }

    /// The issuer `iss` names, when one of the registry's pools accepts it.
    pub(crate) fn issuer(&self, iss: &str) -> Option<Arc<Issuer>> {
        self.read().issuers.get(iss).cloned()
    }

    /// Gives the registry the verifier's key-set settings and the issuers of its fixed pools;
    /// the pools inserted so far get their key sets.
    pub(crate) fn bind(
        &self,
        settings: JwksSettings,
        reserved: Vec<String>,
    ) -> Result<(), ConfigError> {
        if self.inner.budget.max() == 0 {
            return Err(ConfigError::InvalidSetting {
                what: "max_key_sets",
                reason: "must be above zero",
            });
        }
        let mut state = self.write();
        if self.inner.binding.get().is_some() {
            return Err(ConfigError::InvalidSetting {
                what: "pool_registry",
                reason: "a registry serves one verifier: make one per verifier",
            });
        }
        let binding = Binding { settings, reserved };
        if let Some(iss) = state
            .pending_issuers
            .keys()
            .find(|iss| binding.reserved.contains(*iss))
        {
            return Err(ConfigError::DuplicateIssuer {
                issuer: iss.clone(),
            });
        }
        state.pending_issuers.clear();
        for pool in std::mem::take(&mut state.pending) {
            insert_bound(&mut state, &binding, &self.inner.budget, pool)?;
        }
        let _ = self.inner.binding.set(binding);
        Ok(())
    }
}

/// Inserts `pool` into a registry that serves a verifier.
fn insert_bound(
    state: &mut State,
    binding: &Binding,
    budget: &Arc<KeySetBudget>,
    pool: UserPool,
) -> Result<(), ConfigError> {
    for iss in pool.issuers() {
        let other_pool = state
            .issuers
            .get(&iss)
            .is_some_and(|other| other.pool.config.pool_id != pool.pool_id);
        if other_pool || binding.reserved.contains(&iss) {
            return Err(ConfigError::DuplicateIssuer { issuer: iss });
        }
    }
    let pool_id = pool.pool_id.clone();
    let old = state.pools.remove(&pool_id).unwrap_or_default();
    // a replaced pool's fetched keys are kept for the same JWKS URL
    let mut by_url: HashMap<String, Arc<Jwks>> = old
        .iter()
        .filter(|issuer| issuer.jwks.fetches())
        .map(|issuer| (issuer.jwks.url().to_owned(), Arc::clone(&issuer.jwks)))
        .collect();
    let (_, issuers) = match binding.settings.pool(pool, &mut by_url, Some(budget)) {
        Ok(made) => made,
        Err(err) => {
            state.pools.insert(pool_id, old);
            return Err(err);
        }
    };
    for issuer in &old {
        issuer.pool.remove();
        state.issuers.remove(&issuer.iss);
        if !issuers
            .iter()
            .any(|new| Arc::ptr_eq(&new.jwks, &issuer.jwks))
        {
            issuer.jwks.retire();
        }
    }
    for issuer in &issuers {
        state.issuers.insert(issuer.iss.clone(), Arc::clone(issuer));
    }
    tracing::info!(
        pool_id = %pool_id,
        replaced = !old.is_empty(),
        "user pool added to the registry"
    );
    state.pools.insert(pool_id, issuers);
    Ok(())
}

impl fmt::Debug for PoolRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolRegistry")
            .field("pools", &self.len())
            .field("cached_key_sets", &self.cached_key_sets())
            .field("max_key_sets", &self.max_key_sets())
            .field("serving", &self.inner.binding.get().is_some())
            .finish()
    }
}

#[cfg(test)]
impl Issuer {
    /// An issuer of a pool without keys, for the cache's own tests.
    pub(crate) fn detached() -> Arc<Self> {
        let config = UserPool::new("us-east-1_Detached").accept_any_client();
        Arc::new(Self {
            iss: config.issuer(),
            jwks: Arc::new(Jwks::fixed(
                "none".to_owned(),
                KeySet::default(),
                Arc::new(crate::clock::SystemClock),
            )),
            pool: Arc::new(Pool::new(config)),
        })
    }
}
