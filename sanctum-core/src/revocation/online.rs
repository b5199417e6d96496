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
/// Default number of times a throttled question is asked again: 2.
pub const DEFAULT_THROTTLED_RETRIES: u32 = 2;
/// Default wait before the first repeat of a throttled question (doubling after): 50 ms.
pub const DEFAULT_THROTTLED_WAIT: Duration = Duration::from_millis(50);

/// What the issuer says about an access token.
///
/// Answered by a [`LivenessCheck`]; see the [module docs](super) for an online check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Liveness {
    /// Still accepted (Cognito's `GetUser` answered).
    Live,
    /// Refused: signed out, revoked, user disabled or deleted.
    Revoked,
    /// The issuer cannot answer at all: a transport failure (connection, timeout) or a server
    /// error (5xx). The verifier applies [`WhenUnreachable`] and spares the issuer further
    /// questions for [`OnlineCheck::retry_unreachable_after`] (the hold-off).
    Unreachable,
    /// The issuer refused to answer for now because a request quota is spent (Cognito's
    /// `TooManyRequestsException`, `LimitExceededException`, HTTP 429). The question is asked
    /// again a few times ([`OnlineCheck::retry_throttled`]); still throttled, the verifier
    /// applies [`WhenUnreachable`] to the requests waiting for this token alone. Never starts
    /// the hold-off: the quota may be spent on purpose (see [`OnlineCheck`], "Quota").
    Throttled,
    /// The issuer answered with an error that neither refuses the token nor says the issuer is
    /// down (a 4xx such as Cognito's `InvalidParameterException`). The verifier applies
    /// [`WhenUnreachable`] to the requests waiting for this token alone, without the hold-off
    /// and without asking again.
    Undecided,
}

/// The future a [`LivenessCheck`] returns.
pub type LivenessFuture<'a> = Pin<Box<dyn Future<Output = Liveness> + Send + 'a>>;

/// Asks the issuer whether an access token is still live. `SanctumClient` implements it
/// with `GetUser` (feature `cognito`); so does any `Fn(String) -> impl Future<Output =
/// Liveness>` (for tests, or another source of truth).
///
/// Example: the [module docs](super) and [`OnlineCheck`].
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
///
/// Set on an [`OnlineCheck`]; see the [module docs](super).
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
/// When the issuer cannot be asked (a transport failure or a server error,
/// [`Liveness::Unreachable`]), [`WhenUnreachable`] decides, and for the next
/// [`retry_unreachable_after`](Self::retry_unreachable_after) (default 1 s) no request asks:
/// each gets the same decision at once, so an outage costs one wait per second rather than one
/// per request. The unanswered question is logged at warn, the requests of its hold-off at
/// debug. Still give a `SanctumClient` used as checker a short timeout
/// (`SanctumClientBuilder::timeout`, a second or two): that wait is the checker's.
///
/// A throttled question ([`Liveness::Throttled`]) is asked again
/// [`retry_throttled`](Self::retry_throttled) times (default twice, after 50 ms then 100 ms);
/// still throttled, [`WhenUnreachable`] decides for the requests waiting for that token only,
/// nothing is kept, and the next token is asked as usual: throttling never starts the hold-off.
/// A `SanctumClient` checker's SDK retries a throttled `GetUser` itself first (its retry
/// configuration; the SDK's standard mode makes up to 3 attempts with jittered backoff), so one
/// question costs at most 3 × (1 + retries) calls.
///
/// # Quota: what a signed-up user can do to the online check
///
/// `GetUser` counts against Cognito's `UserRead` request-rate quota (with `AdminGetUser`; 120
/// requests per second by default, adjustable), which is per AWS account and Region, shared by
/// every user pool there. Anyone holding a valid access token — a user who signed themselves
/// up, where the pool allows it — can call `GetUser` directly at that rate, or present new
/// tokens to your service, until Cognito throttles every caller in the account. While it does:
///
/// - tokens whose answer is kept ([`cache_for`](Self::cache_for), default 60 s) are answered
///   locally and keep working; a longer `cache_for` rides out a longer attack, at the cost of
///   noticing a revocation that much later;
/// - with [`WhenUnreachable::Refuse`] (the default) the other tokens are refused with 503: an
///   attacker with one account can deny service to users whose answer is not kept. Throttling
///   does not start the hold-off, so each such token is still asked and gets in as soon as the
///   quota lets its question through;
/// - with [`WhenUnreachable::Allow`] the other tokens are accepted on the local checks alone: an
///   attacker can make the service accept a revoked token (their own, or a stolen one) by
///   spending the quota while presenting it.
///
/// Neither choice is safe against a determined user, since the quota is not yours alone. Where
/// that matters, record revocations instead ([`VerifierBuilder::revocations`](crate::VerifierBuilder::revocations),
/// with a [`RevocationStore`](crate::revocation::RevocationStore) shared by your instances): a
/// local lookup that asks Cognito nothing. Otherwise raise the `UserRead` quota, rate-limit
/// requests per client in front of the service, and watch the throttling warnings, which the
/// online check logs at most once a second.
#[must_use]
pub struct OnlineCheck {
    pub(crate) checker: Arc<dyn LivenessCheck>,
    pub(crate) ttl: Duration,
    pub(crate) capacity: u64,
    pub(crate) when_unreachable: WhenUnreachable,
    pub(crate) retry_unreachable_after: Duration,
    pub(crate) throttled_retries: u32,
    pub(crate) throttled_wait: Duration,
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
            throttled_retries: DEFAULT_THROTTLED_RETRIES,
            throttled_wait: DEFAULT_THROTTLED_WAIT,
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

    /// How often a throttled question ([`Liveness::Throttled`]) is asked again, and how long
    /// to wait before the first repeat (each later wait doubles); default 2 times, 50 ms. The
    /// requests with that token wait meanwhile (at most `wait × (2^retries − 1)` on top of the
    /// questions). Zero retries applies [`WhenUnreachable`] after the first throttled answer.
    pub fn retry_throttled(mut self, retries: u32, wait: Duration) -> Self {
        self.throttled_retries = retries;
        self.throttled_wait = wait;
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
            .field("throttled_retries", &self.throttled_retries)
            .field("throttled_wait", &self.throttled_wait)
            .finish_non_exhaustive()
    }
}
