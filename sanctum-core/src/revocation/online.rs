//! The online check (opt-in): asking the issuer whether an access token is still live.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Default time a live answer is reused for one token: 60 s.
pub const DEFAULT_ONLINE_CHECK_TTL: Duration = Duration::from_secs(60);
/// Default number of tokens whose answer is kept: 10 000.
pub const DEFAULT_ONLINE_CHECK_CAPACITY: u64 = 10_000;
/// Default time the issuer is not asked again after it could not be asked: 1 s.
pub const DEFAULT_RETRY_UNREACHABLE_AFTER: Duration = Duration::from_secs(1);

/// What the issuer says about an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Liveness {
    /// Still accepted (Cognito's `GetUser` answered).
    Live,
    /// Refused: signed out, revoked, user disabled or deleted.
    Revoked,
    /// No answer (network, throttling, a server error): the verifier applies
    /// [`WhenUnreachable`].
    Unreachable,
}

/// The future a [`LivenessCheck`] returns.
pub type LivenessFuture<'a> = Pin<Box<dyn Future<Output = Liveness> + Send + 'a>>;

/// Asks the issuer whether an access token is still live. `SanctumClient` implements it
/// with `GetUser` (feature `cognito`); so does any `Fn(String) -> impl Future<Output =
/// Liveness>` (for tests, or another source of truth).
pub trait LivenessCheck: Send + Sync + 'static {
    /// Whether `access_token` (already verified locally) is still live.
    fn check<'a>(&'a self, access_token: &'a str) -> LivenessFuture<'a>;
}

impl<F, Fut> LivenessCheck for F
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Liveness> + Send + 'static,
{
    fn check<'a>(&'a self, access_token: &'a str) -> LivenessFuture<'a> {
        Box::pin(self(access_token.to_owned()))
    }
}

/// What the verifier does with a token when the issuer cannot be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum WhenUnreachable {
    /// Refuse the request as 503 (`VerifyError::RevocationCheckUnavailable`): no token is
    /// accepted unconfirmed (the default).
    #[default]
    Refuse,
    /// Accept the token on the local checks alone; nothing is cached, so a request after the
    /// hold-off ([`OnlineCheck::retry_unreachable_after`]) asks again.
    Allow,
}

/// The online check of a [`Verifier`](crate::Verifier) (see
/// [`VerifierBuilder::online_check`](crate::VerifierBuilder::online_check)): after every local
/// check passed, an access token is confirmed with the issuer, and the answer is kept for
/// that token — a live one for [`cache_for`](Self::cache_for) (default 60 s, on the verifier's
/// clock), a revoked one until the token expires. ID tokens are not checked online (Cognito's
/// `GetUser` takes access tokens only).
///
/// The first request with a token waits for the answer (in the adapters, the same path as a
/// key fetch); later ones are answered from the kept answer without waiting. Answers are kept
/// by the exact token (its length in memory per entry, as the verified-token cache). Requests
/// that arrive together with the same new token share one question to the issuer.
///
/// When the issuer cannot be asked, [`WhenUnreachable`] decides, and for the next
/// [`retry_unreachable_after`](Self::retry_unreachable_after) (default 1 s) no request asks:
/// each gets the same decision at once, so an outage costs one wait per second rather than one
/// per request. The unanswered question is logged at warn, the requests of its hold-off at
/// debug. Still give a `SanctumClient` used as checker a short timeout
/// (`SanctumClientBuilder::timeout`, a second or two): that wait is the checker's.
#[must_use]
pub struct OnlineCheck {
    pub(crate) checker: Arc<dyn LivenessCheck>,
    pub(crate) ttl: Duration,
    pub(crate) capacity: u64,
    pub(crate) when_unreachable: WhenUnreachable,
    pub(crate) retry_unreachable_after: Duration,
}

impl OnlineCheck {
    /// Confirms tokens with `checker` (a `SanctumClient`, or a closure).
    pub fn new(checker: impl LivenessCheck) -> Self {
        Self::shared(Arc::new(checker))
    }

    /// As [`new`](Self::new), for a checker already shared.
    pub fn shared(checker: Arc<dyn LivenessCheck>) -> Self {
        Self {
            checker,
            ttl: DEFAULT_ONLINE_CHECK_TTL,
            capacity: DEFAULT_ONLINE_CHECK_CAPACITY,
            when_unreachable: WhenUnreachable::default(),
            retry_unreachable_after: DEFAULT_RETRY_UNREACHABLE_AFTER,
        }
    }

    /// How long a live answer is reused for the same token (default 60 s): the longest a
    /// token revoked meanwhile is still accepted. Zero asks on every request.
    pub fn cache_for(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How many tokens' answers are kept (default 10 000).
    pub fn cache_capacity(mut self, entries: u64) -> Self {
        self.capacity = entries;
        self
    }

    /// What to do when the issuer cannot be asked (default [`WhenUnreachable::Refuse`]).
    pub fn when_unreachable(mut self, policy: WhenUnreachable) -> Self {
        self.when_unreachable = policy;
        self
    }

    /// How long, after the issuer could not be asked, requests get the
    /// [`WhenUnreachable`] decision without asking (default 1 s, on the verifier's monotonic
    /// clock, [`Clock::monotonic`](crate::Clock::monotonic)).
    /// Zero asks on every request.
    pub fn retry_unreachable_after(mut self, wait: Duration) -> Self {
        self.retry_unreachable_after = wait;
        self
    }
}

impl fmt::Debug for OnlineCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnlineCheck")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .field("when_unreachable", &self.when_unreachable)
            .field("retry_unreachable_after", &self.retry_unreachable_after)
            .finish_non_exhaustive()
    }
}
