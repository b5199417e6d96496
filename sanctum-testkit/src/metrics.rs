//! What sanctum counts during a test: [`MetricsCapture`], a recorder keeping every value (on
//! `metrics-util`'s registry) set as this thread's recorder.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use metrics::{
    Counter, Gauge, Histogram, Key, KeyName, LocalRecorderGuard, Metadata, Recorder, SharedString,
    Unit,
};
use metrics_util::debugging::DebugValue;
use metrics_util::registry::{AtomicStorage, Registry};

/// Records every metric emitted on this thread while it lives (a thread-local recorder, so
/// tests in parallel threads do not mix their counts). Start it before building the verifier
/// (the verifier registers its handles with the recorder of its build) and run the code under
/// test on this thread (`#[tokio::test]`, `#[actix_web::test]`).
///
/// Reading it changes nothing (unlike `metrics-util`'s `DebuggingRecorder`, whose snapshots
/// reset counters and gauges to 0): counters are totals, gauges their last value, histograms
/// every value recorded.
pub struct MetricsCapture {
    recorder: &'static KeepingRecorder,
    _guard: LocalRecorderGuard<'static>,
}

impl fmt::Debug for MetricsCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsCapture").finish_non_exhaustive()
    }
}

/// A recorder whose values stay until it goes.
struct KeepingRecorder {
    registry: Registry<Key, AtomicStorage>,
}

impl Recorder for KeepingRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        self.registry
            .get_or_create_counter(key, |c| Counter::from_arc(Arc::clone(c)))
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        self.registry
            .get_or_create_gauge(key, |g| Gauge::from_arc(Arc::clone(g)))
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        self.registry
            .get_or_create_histogram(key, |h| Histogram::from_arc(Arc::clone(h)))
    }
}

/// One metric as recorded: name, labels, value.
#[derive(Debug, PartialEq)]
pub struct Recorded {
    /// The metric's name.
    pub name: String,
    /// Its labels, as (key, value).
    pub labels: Vec<(String, String)>,
    /// Its value.
    pub value: DebugValue,
}

impl MetricsCapture {
    /// Starts recording on this thread.
    #[must_use]
    pub fn start() -> Self {
        // leaked: the thread's recorder must outlive the guard (a test's worth of memory)
        let recorder: &'static KeepingRecorder = Box::leak(Box::new(KeepingRecorder {
            registry: Registry::atomic(),
        }));
        let guard = metrics::set_default_local_recorder(recorder);
        Self {
            recorder,
            _guard: guard,
        }
    }

    /// What was recorded so far.
    #[must_use]
    pub fn snapshot(&self) -> Recordings {
        let registry = &self.recorder.registry;
        let mut recorded = Vec::new();
        let mut add = |key: Key, value| {
            let (name, labels) = key.into_parts();
            recorded.push(Recorded {
                name: name.as_str().to_owned(),
                labels: labels
                    .iter()
                    .map(|l| (l.key().to_owned(), l.value().to_owned()))
                    .collect(),
                value,
            });
        };
        for (key, counter) in registry.get_counter_handles() {
            add(key, DebugValue::Counter(counter.load(Ordering::SeqCst)));
        }
        for (key, gauge) in registry.get_gauge_handles() {
            let value = f64::from_bits(gauge.load(Ordering::SeqCst));
            add(key, DebugValue::Gauge(value.into()));
        }
        for (key, histogram) in registry.get_histogram_handles() {
            let values = histogram.data().into_iter().map(Into::into).collect();
            add(key, DebugValue::Histogram(values));
        }
        Recordings(recorded)
    }
}

/// A snapshot of what a [`MetricsCapture`] recorded.
#[derive(Debug)]
pub struct Recordings(pub Vec<Recorded>);

impl Recordings {
    /// The sum of the counters named `name` whose labels include all of `labels`.
    #[must_use]
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        self.matching(name, labels)
            .filter_map(|r| match r.value {
                DebugValue::Counter(n) => Some(n),
                _ => None,
            })
            .sum()
    }

    /// The value of the gauge named `name`, if it was set.
    #[must_use]
    pub fn gauge(&self, name: &str) -> Option<f64> {
        self.matching(name, &[]).find_map(|r| match r.value {
            DebugValue::Gauge(v) => Some(v.into_inner()),
            _ => None,
        })
    }

    /// How many values the histograms named `name` with `labels` recorded.
    #[must_use]
    pub fn histogram_len(&self, name: &str, labels: &[(&str, &str)]) -> usize {
        self.matching(name, labels)
            .map(|r| match &r.value {
                DebugValue::Histogram(values) => values.len(),
                _ => 0,
            })
            .sum()
    }

    fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&str, &str)],
    ) -> impl Iterator<Item = &'a Recorded> {
        self.0.iter().filter(move |r| {
            r.name == name
                && labels
                    .iter()
                    .all(|(k, v)| r.labels.iter().any(|(rk, rv)| rk == k && rv == v))
        })
    }
}

/// A verification's `outcome` label: `ok` or one refusal per `VerifyError` variant.
const OUTCOMES: &[&str] = &[
    "ok",
    "too_large",
    "malformed",
    "unsupported_algorithm",
    "missing_kid",
    "unknown_key",
    "algorithm_mismatch",
    "keys_unavailable",
    "invalid_signature",
    "issuer_mismatch",
    "expired",
    "not_yet_valid",
    "wrong_token_use",
    "client_mismatch",
    "revoked",
    "revocation_check_unavailable",
    "missing_claim",
    "invalid_claim",
    "alb",
    "other",
];

/// The adapters' own refusal reasons (a verification's refusal is its `outcome`).
const ADAPTER_REASONS: &[&str] = &[
    "missing_token",
    "empty_token",
    "unreadable_token",
    "repeated_credentials",
    "denied",
    "claims_mismatch",
    "misconfigured",
    "session_unavailable",
    "cross_site_request",
];

/// Every label sanctum may record, as documented in `sanctum_core::observe`: metric, label,
/// the values it may take (`None`: a verification's outcome or an adapter's reason).
const DOCUMENTED: &[(&str, &str, Option<&[&str]>)] = &[
    ("sanctum_verifications_total", "outcome", Some(OUTCOMES)),
    (
        "sanctum_verifications_total",
        "cache",
        Some(&["hit", "miss"]),
    ),
    ("sanctum_refusals_total", "reason", None),
    (
        "sanctum_jwks_fetches_total",
        "result",
        Some(&["ok", "error", "no_such_key"]),
    ),
    (
        "sanctum_jwks_fetch_duration_seconds",
        "result",
        Some(&["ok", "error", "no_such_key"]),
    ),
    (
        "sanctum_revocations_recorded_total",
        "kind",
        Some(&["subject", "origin"]),
    ),
    (
        "sanctum_revocations_applied_total",
        "source",
        Some(&["catch_up", "subscription"]),
    ),
    (
        "sanctum_online_checks_total",
        "answer",
        Some(&[
            "live",
            "revoked",
            "unreachable",
            "throttled",
            "undecided",
            "held_off",
        ]),
    ),
    (
        "sanctum_session_refreshes_total",
        "result",
        Some(&["ok", "refused", "error"]),
    ),
    (
        "sanctum_browser_session_refreshes_total",
        "outcome",
        Some(&["refreshed", "lost_race", "refused", "failed"]),
    ),
];

/// The metrics without labels.
const UNLABELLED: &[&str] = &[
    "sanctum_cached_tokens",
    "sanctum_jwks_unknown_kid_waiting_total",
    "sanctum_revocation_store_connected",
    "sanctum_revocation_store_lag_seconds",
    "sanctum_revocation_store_outbox",
];

/// Asserts the labels are bounded: every metric recorded is one of the documented names, each
/// label one of its documented keys with one of its documented values (a fixed set, so the
/// number of series cannot grow with users or tokens), and no value contains any of
/// `never` (a subject, a username, a token, a URL).
///
/// # Panics
/// When a name, a label or a value is not documented, or holds one of `never`.
pub fn assert_bounded_labels(all: &Recordings, never: &[&str]) {
    for recorded in &all.0 {
        if UNLABELLED.contains(&recorded.name.as_str()) {
            assert!(recorded.labels.is_empty(), "{recorded:?}: no labels");
            continue;
        }
        let keys: Vec<&(&str, &str, Option<&[&str]>)> = DOCUMENTED
            .iter()
            .filter(|(name, _, _)| *name == recorded.name)
            .collect();
        assert!(!keys.is_empty(), "{recorded:?}: not a documented metric");
        assert_eq!(
            recorded.labels.len(),
            keys.len(),
            "{recorded:?}: its documented labels, each once"
        );
        for (key, value) in &recorded.labels {
            let (_, _, values) = keys
                .iter()
                .find(|(_, k, _)| *k == key.as_str())
                .unwrap_or_else(|| panic!("{recorded:?}: label {key} is not documented"));
            let allowed = match values {
                Some(values) => values.contains(&value.as_str()),
                None => {
                    (OUTCOMES.contains(&value.as_str()) && value != "ok")
                        || ADAPTER_REASONS.contains(&value.as_str())
                }
            };
            assert!(
                allowed,
                "{}: {key}={value} is not one of the documented values",
                recorded.name
            );
            for secret in never {
                assert!(
                    !value.contains(secret),
                    "{key}={value}: a label is one of a few names, never a user's"
                );
            }
        }
    }
}

/// How many more times the adapter tests ask with the first token after their first two
/// requests: with those two, more than one batch of the per-thread hit count (64).
pub const MORE_HITS: u64 = 100;

/// What the metrics tests of both adapters find after the same requests, in this order: a
/// token verified (its keys fetched), the same token again (a cache hit), an expired token, no
/// token, the first token on a route whose guard wants a group it lacks (a cache hit, then
/// denied), a token of a `kid` the JWKS lacks inside the refetch cooldown, a token of another
/// issuer, one signed with a key the JWKS does not publish, an ID token, a token of another
/// app client, a token that is not a JWT, then [`MORE_HITS`] more requests with the first token
/// (cache hits). Call `sanctum_core::observe::flush_metrics()` first. `sub`: the token's
/// subject, which no label may hold.
///
/// # Panics
/// When a count differs, or a label is not a bounded name.
pub fn assert_adapter_counts(metrics: &MetricsCapture, sub: &str) {
    const VERIFICATIONS: &str = "sanctum_verifications_total";
    const REFUSALS: &str = "sanctum_refusals_total";
    let all = metrics.snapshot();
    let count = |name, labels: &[(&str, &str)]| all.counter(name, labels);
    assert_eq!(
        count(VERIFICATIONS, &[("outcome", "ok"), ("cache", "miss")]),
        1,
        "{all:?}"
    );
    assert_eq!(
        count(VERIFICATIONS, &[("outcome", "ok"), ("cache", "hit")]),
        2 + MORE_HITS,
        "every cache hit, once flushed: {all:?}"
    );
    for outcome in [
        "expired",
        "issuer_mismatch",
        "invalid_signature",
        "wrong_token_use",
        "client_mismatch",
        "malformed",
    ] {
        assert_eq!(
            count(VERIFICATIONS, &[("outcome", outcome), ("cache", "miss")]),
            1,
            "{outcome}: {all:?}"
        );
    }
    assert_eq!(
        count(VERIFICATIONS, &[("outcome", "unknown_key")]),
        1,
        "{all:?}"
    );
    let reasons = [
        "expired",
        "missing_token",
        "denied",
        "unknown_key",
        "issuer_mismatch",
        "invalid_signature",
        "wrong_token_use",
        "client_mismatch",
        "malformed",
    ];
    for reason in reasons {
        assert_eq!(
            count(REFUSALS, &[("reason", reason)]),
            1,
            "{reason}: {all:?}"
        );
    }
    assert_eq!(count(REFUSALS, &[]), reasons.len() as u64, "{all:?}");
    assert_eq!(
        count("sanctum_jwks_fetches_total", &[("result", "ok")]),
        1,
        "{all:?}"
    );
    assert_eq!(
        all.histogram_len("sanctum_jwks_fetch_duration_seconds", &[("result", "ok")]),
        1,
        "{all:?}"
    );
    assert_eq!(
        count("sanctum_jwks_unknown_kid_waiting_total", &[]),
        1,
        "{all:?}"
    );
    // the first token, and the refused ones that passed their signature check (expired,
    // wrong token use, other client): cached so that a repeat costs no RSA work
    assert!(
        all.gauge("sanctum_cached_tokens").is_some_and(|n| n >= 1.0),
        "{all:?}"
    );
    assert_bounded_labels(&all, &[sub]);
}
