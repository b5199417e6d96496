//! What sanctum counts during a test: [`MetricsCapture`], `metrics-util`'s debugging recorder
//! set as this thread's recorder.

use std::fmt;

use metrics::LocalRecorderGuard;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

/// Records every metric emitted on this thread while it lives (a thread-local recorder, so
/// tests in parallel threads do not mix their counts). Start it before building the verifier
/// (the verifier registers its handles with the recorder of its build) and run the code under
/// test on this thread (`#[tokio::test]`, `#[actix_web::test]`).
pub struct MetricsCapture {
    snapshotter: Snapshotter,
    _guard: LocalRecorderGuard<'static>,
}

impl fmt::Debug for MetricsCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsCapture").finish_non_exhaustive()
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
        let recorder: &'static DebuggingRecorder = Box::leak(Box::new(DebuggingRecorder::new()));
        let snapshotter = recorder.snapshotter();
        let guard = metrics::set_default_local_recorder(recorder);
        Self {
            snapshotter,
            _guard: guard,
        }
    }

    /// What was recorded so far (histograms: their values since the last snapshot).
    #[must_use]
    pub fn snapshot(&self) -> Recordings {
        Recordings(
            self.snapshotter
                .snapshot()
                .into_vec()
                .into_iter()
                .map(|(key, _, _, value)| {
                    let (_, key) = key.into_parts();
                    Recorded {
                        name: key.name().to_owned(),
                        labels: key
                            .labels()
                            .map(|l| (l.key().to_owned(), l.value().to_owned()))
                            .collect(),
                        value,
                    }
                })
                .collect(),
        )
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

/// What the metrics tests of both adapters find after the same requests, in this order: a
/// token verified (its keys fetched), the same token again (a cache hit), an expired token, no
/// token, the first token on a route whose guard wants a group it lacks (a cache hit, then
/// denied), and a token of a `kid` the JWKS lacks inside the refetch cooldown. `sub`: the
/// token's subject, which no label may hold.
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
        2,
        "{all:?}"
    );
    assert_eq!(
        count(VERIFICATIONS, &[("outcome", "expired"), ("cache", "miss")]),
        1,
        "{all:?}"
    );
    assert_eq!(
        count(VERIFICATIONS, &[("outcome", "unknown_key")]),
        1,
        "{all:?}"
    );
    for reason in ["expired", "missing_token", "denied", "unknown_key"] {
        assert_eq!(
            count(REFUSALS, &[("reason", reason)]),
            1,
            "{reason}: {all:?}"
        );
    }
    assert_eq!(count(REFUSALS, &[]), 4, "{all:?}");
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
    assert!(all.gauge("sanctum_cached_tokens").is_some(), "{all:?}");
    for recorded in &all.0 {
        assert!(recorded.name.starts_with("sanctum_"), "{recorded:?}");
        for (key, value) in &recorded.labels {
            assert!(
                !value.contains(sub) && value.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{key}={value}: a label is one of a few names, never a user's"
            );
        }
    }
}
