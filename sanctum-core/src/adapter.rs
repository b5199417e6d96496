//! For web-framework adapters — `sanctum-axum`, `sanctum-actix`, or one of your own: read the
//! token out of a request the way every adapter does, and verify it without waiting when its
//! keys are cached.
//!
//! An application using an adapter needs none of this; it is what an adapter is built from.
//!
//! ```
//! use sanctum_core::TokenSource;
//! use sanctum_core::adapter::Extracted;
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("authorization", "Bearer abc.def.ghi".parse().unwrap());
//! match TokenSource::Bearer.extract(&headers).into_token() {
//!     Ok(Some(token)) => assert_eq!(token, "abc.def.ghi"),
//!     Ok(None) => unreachable!("no token"),
//!     // `Refusal::from(err)` is the HTTP answer: 400 or 401
//!     Err(err) => unreachable!("{err}"),
//! }
//! ```

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use crate::extract::{
    ExtractError, Extracted, HeaderOnce, RequestHeaders, RequestView, TokenFinder, header_text,
    without_query_params,
};

use crate::claims::CognitoClaims;
use crate::error::VerifyError;
use crate::extract::{Found, TokenSource};
use crate::rbac::{Denied, Requirement};
use crate::refusal::Refusal;
use crate::token_use::ExpectedUse;
use crate::verify::{NowOrLater, Verifier};

/// The token an [`AsyncTokenFinder`] finds: `None` when the request carries none, or the
/// refusal (say [`Refusal::SessionUnavailable`](Refusal) when the store it asks is
/// down).
pub type TokenFuture =
    Pin<Box<dyn Future<Output = Result<Option<String>, Refusal>> + Send + 'static>>;

/// A custom token source that may wait: it reads what it needs from the request now (headers,
/// query) and returns a future giving the token — say, a one-time ticket in the query of a
/// WebSocket upgrade exchanged for the user's token in a store. Any
/// `Fn(&dyn RequestHeaders) -> impl Future<Output = Result<Option<String>, Refusal>>` whose
/// future owns what it uses is one.
///
/// The token found is verified like any other; an empty one is refused (401).
///
/// Given to the adapters' `token_source_async` (e.g.
/// `sanctum_axum::CognitoAuthLayer::token_source_async`, whose docs show one); the synchronous
/// counterpart is [`TokenSource`].
pub trait AsyncTokenFinder: Send + Sync + 'static {
    /// Starts looking for the token of the request `request` describes.
    fn find(&self, request: &dyn RequestHeaders) -> TokenFuture;
}

impl<F, Fut> AsyncTokenFinder for F
where
    F: Fn(&dyn RequestHeaders) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<String>, Refusal>> + Send + 'static,
{
    fn find(&self, request: &dyn RequestHeaders) -> TokenFuture {
        Box::pin(self(request))
    }
}

/// Where an adapter finds a request's token: a [`TokenSource`] read without waiting, or an
/// [`AsyncTokenFinder`] that may wait. What the adapters' `token_source` and
/// `token_source_async` set; [`authenticate`](Self::authenticate) starts the lookup.
///
/// ```
/// use sanctum_core::adapter::{Authentication, CredentialSource, Lookup, RequestView};
/// use sanctum_core::{ExpectedUse, TokenSource, UserPool, Verifier};
///
/// # fn run() -> Result<(), sanctum_core::ConfigError> {
/// let verifier = Verifier::builder().pool(UserPool::new("us-east-1_AbC123xyz")).build()?;
/// let source = CredentialSource::from(TokenSource::Bearer);
/// let headers = http::HeaderMap::new();
/// let request = RequestView::new(&headers, None);
/// match source.authenticate(&verifier, &request, ExpectedUse::Access) {
///     Lookup::Now(Authentication::Anonymous) => {} // no `Authorization` header
///     Lookup::Now(other) => unreachable!("{other:?}"),
///     Lookup::Finding(_) => unreachable!("a token source never waits"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub enum CredentialSource {
    /// Read without waiting (headers, cookies, query).
    Now(TokenSource),
    /// A custom source that may wait.
    Async(Arc<dyn AsyncTokenFinder>),
}

/// How far [`CredentialSource::authenticate`] gets without waiting.
pub enum Lookup<'a> {
    /// A [`TokenSource`]'s answer, as [`authenticate_now`] gives it.
    Now(Authentication<'a>),
    /// An [`AsyncTokenFinder`] is looking: finish with [`found_token`], then [`verify`].
    Finding(TokenFuture),
}

impl CredentialSource {
    /// Reads the request's credential and verifies it without waiting when the source is a
    /// [`TokenSource`] ([`authenticate_now`]); starts the finder when it is an
    /// [`AsyncTokenFinder`].
    #[inline]
    pub fn authenticate<'a>(
        &self,
        verifier: &Verifier,
        request: &'a dyn RequestHeaders,
        expected: ExpectedUse,
    ) -> Lookup<'a> {
        match self {
            Self::Now(source) => Lookup::Now(authenticate_now(verifier, source, request, expected)),
            Self::Async(finder) => Lookup::Finding(finder.find(request)),
        }
    }
}

impl From<TokenSource> for CredentialSource {
    fn from(source: TokenSource) -> Self {
        Self::Now(source)
    }
}

impl std::fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Now(source) => std::fmt::Debug::fmt(source, f),
            Self::Async(_) => f.write_str("Async(..)"),
        }
    }
}

impl std::fmt::Debug for Lookup<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Now(authentication) => f.debug_tuple("Now").field(authentication).finish(),
            Self::Finding(_) => f.write_str("Finding(..)"),
        }
    }
}

/// The token an [`AsyncTokenFinder`] found, refused as a header's would be when it is empty
/// ([`Refusal::EmptyToken`]); `None` when the request carries none.
///
/// ```
/// use sanctum_core::Refusal;
/// use sanctum_core::adapter::{TokenFuture, found_token};
///
/// # async fn run() {
/// let blank: TokenFuture = Box::pin(async { Ok(Some(" ".to_owned())) });
/// assert!(matches!(found_token(blank).await, Err(Refusal::EmptyToken)));
/// # }
/// ```
///
/// # Errors
/// The finder's refusal, or [`Refusal::EmptyToken`].
pub async fn found_token(future: TokenFuture) -> Result<Option<String>, Refusal> {
    match future.await? {
        Some(token) if token.trim().is_empty() => Err(Refusal::EmptyToken),
        found => Ok(found),
    }
}

/// A verified token: its claims, and when (the verifier's clock) they were checked.
///
/// A route's [`Requirement`] is checked against the same instant
/// ([`check_requirement`]), so a guard reads no clock of its own.
#[derive(Clone, Debug)]
pub struct Verified {
    claims: Arc<CognitoClaims>,
    checked_at: u64,
}

impl Verified {
    /// Claims verified at `checked_at` (seconds since the epoch, the verifier's clock).
    pub(crate) fn new(claims: Arc<CognitoClaims>, checked_at: u64) -> Self {
        Self { claims, checked_at }
    }

    /// The verified claims.
    #[must_use]
    pub fn claims(&self) -> &Arc<CognitoClaims> {
        &self.claims
    }

    /// When the token was checked, in seconds since the epoch by the verifier's clock.
    #[must_use]
    pub fn checked_at(&self) -> u64 {
        self.checked_at
    }

    /// The claims and the time of the checks.
    #[must_use]
    pub fn into_parts(self) -> (Arc<CognitoClaims>, u64) {
        (self.claims, self.checked_at)
    }
}

/// What a request's credential comes to, as far as [`authenticate_now`] gets without waiting.
#[derive(Debug)]
pub enum Authentication<'a> {
    /// The request carries no credential: anonymous where that is allowed, else
    /// [`Refusal::MissingToken`].
    Anonymous,
    /// A valid token.
    Verified(Verified),
    /// Refused: a credential without a usable token (empty, not text, repeated), or a token
    /// the verifier refused.
    Refused(Refusal),
    /// The token's keys must be fetched, or the issuer asked, first: finish with [`verify`].
    Later(Cow<'a, str>),
}

/// Reads the request's credential from `headers` as `source` says and verifies it, without
/// waiting whenever the answer is at hand: the adapters' hot path.
///
/// A bearer token the verified-token cache holds is found by its bytes, so the header value
/// is not checked to be text first (a token the cache does not hold is); the
/// `Authorization` header is looked up once. The answers are those of
/// [`TokenSource::extract`], [`Extracted::into_token`] and [`Verifier::verify`].
///
/// ```no_run
/// use sanctum_core::adapter::{Authentication, authenticate_now, verify};
/// use sanctum_core::{ExpectedUse, TokenSource, Verifier};
///
/// # async fn run(verifier: Verifier, headers: http::HeaderMap) {
/// let verified = match authenticate_now(&verifier, &TokenSource::Bearer, &headers, ExpectedUse::Access) {
///     Authentication::Verified(verified) => Ok(verified),
///     Authentication::Later(token) => verify(&verifier, &token, ExpectedUse::Access)
///         .await
///         .map_err(sanctum_core::Refusal::Verify),
///     Authentication::Anonymous => Err(sanctum_core::Refusal::MissingToken),
///     Authentication::Refused(refusal) => Err(refusal),
/// };
/// # let _ = verified; }
/// ```
#[inline]
pub fn authenticate_now<'a>(
    verifier: &Verifier,
    source: &TokenSource,
    headers: &'a dyn RequestHeaders,
    expected: ExpectedUse,
) -> Authentication<'a> {
    let token = match source.find(headers) {
        Found::Missing => return Authentication::Anonymous,
        Found::Empty => return Authentication::Refused(Refusal::EmptyToken),
        Found::Repeated => return Authentication::Refused(Refusal::RepeatedCredentials),
        Found::Bytes(token) => token,
        Found::Text(Cow::Borrowed(token)) => token.as_bytes(),
        // a custom finder's token: owned, so a wait keeps it
        Found::Text(Cow::Owned(token)) => {
            return match verifier.verify_now(&token, expected) {
                Some(result) => answered(result),
                None => Authentication::Later(Cow::Owned(token)),
            };
        }
    };
    match verifier.verify_bytes_now(token, expected) {
        NowOrLater::Now(result) => answered(result),
        NowOrLater::Later(token) => Authentication::Later(Cow::Borrowed(token)),
        NowOrLater::NotText => Authentication::Refused(Refusal::UnreadableToken),
    }
}

#[inline]
fn answered(result: Result<(Arc<CognitoClaims>, u64), VerifyError>) -> Authentication<'static> {
    match result {
        Ok((claims, checked_at)) => Authentication::Verified(Verified { claims, checked_at }),
        Err(err) => Authentication::Refused(Refusal::Verify(err)),
    }
}

/// Verifies `token`, waiting for its keys (or the online check) if need be: what
/// [`Verifier::verify`] does, with the time of the checks.
///
/// # Errors
/// As [`Verifier::verify`].
pub async fn verify(
    verifier: &Verifier,
    token: &str,
    expected: ExpectedUse,
) -> Result<Verified, VerifyError> {
    let (claims, checked_at) = verifier.verify_at(token, expected).await?;
    Ok(Verified { claims, checked_at })
}

/// Checks `requirement` (check 9) on claims verified at `checked_at` ([`Verified::checked_at`]):
/// a time rule (the age of the sign-in) is measured at the instant of the token's own time
/// checks, by the verifier's clock, as [`Verifier::check_requirement`] does. A refusal is not
/// logged: the adapter logs the request's [`Refusal`] ([`Refusal::log`]), once.
///
/// # Errors
/// [`Denied`] naming the first unmet part.
#[inline]
pub fn check_requirement(
    requirement: &Requirement,
    claims: &CognitoClaims,
    checked_at: u64,
) -> Result<(), Denied> {
    requirement.check_at(claims, checked_at)
}

/// What a guard checks: one group or one scope named by a `&'static str` (the adapters'
/// `RequireGroup("admin")` and `RequireScope("orders/read")`), or any [`Requirement`]. The
/// single-name forms skip the `Requirement` machinery: nothing to clone but the name when a
/// framework clones the guard's service (axum does, for every request), no allocation until a
/// request is refused.
///
/// ```
/// use sanctum_core::adapter::{GuardCheck, Verified};
/// use sanctum_core::{Denied, Requirement};
///
/// // what the adapters' `RequireGroup("admin")` does with a request's verified token
/// fn admin(verified: &Verified) -> Result<(), Denied> {
///     GuardCheck::Group("admin").check(verified.claims(), verified.checked_at())
/// }
/// // and `Require::new(Requirement::none_of_groups(["suspended"]))`
/// let not_suspended = GuardCheck::Requirement(Requirement::none_of_groups(["suspended"]));
/// # let _ = (admin, not_suspended);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum GuardCheck {
    /// Membership of this group.
    Group(&'static str),
    /// This OAuth scope granted.
    Scope(&'static str),
    /// Any requirement, checked with [`check_requirement`].
    Requirement(Requirement),
}

impl GuardCheck {
    /// Checks `claims`, verified at `checked_at` ([`Verified::checked_at`]: the time rules'
    /// instant), as [`check_requirement`] does.
    ///
    /// # Errors
    /// [`Denied`] naming the first unmet part.
    #[inline]
    pub fn check(&self, claims: &CognitoClaims, checked_at: u64) -> Result<(), Denied> {
        match self {
            Self::Group(group) if claims.has_group(group) => Ok(()),
            Self::Group(group) => Err(Denied::missing_group([*group])),
            Self::Scope(scope) if claims.has_scope(scope) => Ok(()),
            Self::Scope(scope) => Err(Denied::missing_scope([*scope])),
            Self::Requirement(requirement) => check_requirement(requirement, claims, checked_at),
        }
    }
}

/// Verifies `token` now, without waiting: `None` only when its key is not cached yet (then
/// [`Verifier::verify`] fetches it). Every other answer, a full verification included, is the
/// one `verify` gives.
///
/// The adapters' hot path: with the keys cached (after the first request, or after
/// [`Verifier::prefetch`]) no future is built and the token is not copied.
///
/// ```no_run
/// # use sanctum_core::{ExpectedUse, Verifier, VerifyError};
/// # async fn run(verifier: Verifier, token: &str) -> Result<(), VerifyError> {
/// let claims = match sanctum_core::adapter::verify_now(&verifier, token, ExpectedUse::Access) {
///     Some(result) => result?,
///     None => verifier.verify(token, ExpectedUse::Access).await?,
/// };
/// # Ok(()) }
/// ```
#[must_use]
pub fn verify_now(
    verifier: &Verifier,
    token: &str,
    expected: ExpectedUse,
) -> Option<Result<Arc<CognitoClaims>, VerifyError>> {
    verifier
        .verify_now(token, expected)
        .map(|result| result.map(|(claims, _)| claims))
}
