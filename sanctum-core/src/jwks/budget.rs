//! A cap on how many key sets are held at once: the pools of a
//! [`PoolRegistry`](crate::PoolRegistry) share one, and the least recently used key set goes
//! when a fetch would exceed it.
//!
//! "Recently used" is counted in epochs: the epoch moves on whenever a key set is loaded, and
//! a verification marks its key set with the current epoch (an atomic load, and a store only
//! when the epoch has moved since the key set's last use). The victim is the loaded key set
//! with the oldest mark.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, Weak};

use super::Jwks;

/// The key sets of many JWKS URLs, at most `max` of them holding keys.
pub(crate) struct KeySetBudget {
    max: usize,
    epoch: AtomicU64,
    /// The key sets holding keys now (weak: the budget never keeps one alive).
    loaded: Mutex<Vec<Weak<Jwks>>>,
}

impl KeySetBudget {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max,
            epoch: AtomicU64::new(1),
            loaded: Mutex::new(Vec::new()),
        }
    }

    fn list(&self) -> MutexGuard<'_, Vec<Weak<Jwks>>> {
        match self.loaded.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The current epoch, what a use of a key set is marked with.
    #[inline]
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Relaxed)
    }

    /// The most key sets held at once.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// How many key sets hold keys now.
    pub(crate) fn len(&self) -> usize {
        let mut list = self.list();
        list.retain(|jwks| jwks.strong_count() > 0);
        list.len()
    }

    /// `jwks` (whose weak handle is `me`) has just installed keys: it is counted, as used now,
    /// and the least recently used others are evicted while more than `max` hold keys.
    pub(crate) fn loaded(&self, me: &Weak<Jwks>, jwks: &Jwks) {
        let mut list = self.list();
        list.retain(|other| other.strong_count() > 0);
        let epoch = self.epoch.fetch_add(1, Ordering::Relaxed) + 1;
        jwks.last_used.store(epoch, Ordering::Relaxed);
        let counted = list
            .iter()
            .position(|other| std::ptr::eq(other.as_ptr(), jwks));
        // (a key set evicted or retired while its fetch finished, or fetched empty, holds
        // nothing to count)
        if jwks.is_empty() || jwks.is_retired() {
            if let Some(index) = counted {
                list.swap_remove(index);
            }
            return;
        }
        if counted.is_none() {
            list.push(me.clone());
        }
        while list.len() > self.max {
            let victim = list
                .iter()
                .enumerate()
                .filter(|(_, other)| !std::ptr::eq(other.as_ptr(), jwks))
                .filter_map(|(i, other)| other.upgrade().map(|other| (i, other)))
                .min_by_key(|(_, other)| other.last_used.load(Ordering::Relaxed));
            let Some((index, victim)) = victim else {
                break;
            };
            list.swap_remove(index);
            victim.evict();
        }
    }

    /// `jwks` no longer holds keys (its pool was removed).
    pub(crate) fn forget(&self, jwks: &Jwks) {
        self.list()
            .retain(|other| other.strong_count() > 0 && !std::ptr::eq(other.as_ptr(), jwks));
    }
}

impl std::fmt::Debug for KeySetBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySetBudget")
            .field("max", &self.max)
            .field("loaded", &self.len())
            .finish()
    }
}
