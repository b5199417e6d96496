//! The online check's answers, kept per token (see [`crate::revocation::OnlineCheck`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cache::TailHash;
use crate::claims::{CognitoClaims, TokenUse};
use crate::error::VerifyError;
use crate::revocation::{Liveness, LivenessCheck, OnlineCheck, WhenUnreachable};

/// A kept answer: revoked or live, until `until` (seconds since the epoch, verifier clock);
/// `keep` bounds its stay in memory (real time).
#[derive(Clone, Copy)]
struct Answer {
    revoked: bool,
    until: u64,
    keep: Duration,
}

struct Keep;

impl moka::Expiry<Arc<str>, Answer> for Keep {
    fn expire_after_create(
        &self,
        _key: &Arc<str>,
        value: &Answer,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.keep)
    }
}

/// The configured check and its answers.
pub(crate) struct Online {
    checker: Arc<dyn LivenessCheck>,
    ttl: u64,
    when_unreachable: WhenUnreachable,
    answers: moka::sync::Cache<Arc<str>, Answer, TailHash>,
}

impl Online {
    pub(crate) fn new(check: OnlineCheck) -> Self {
        Self {
            checker: check.checker,
            ttl: check.ttl.as_secs(),
            when_unreachable: check.when_unreachable,
            // `keep` is a memory bound only: an answer's life is `until`, on the verifier's clock
            answers: moka::sync::Cache::builder()
                .max_capacity(check.capacity)
                .expire_after(Keep)
                .build_with_hasher(TailHash::default()),
        }
    }

    /// The kept answer for a verified token: `Some(Ok)` live, `Some(Err)` revoked, `None` when
    /// the issuer must be asked. ID tokens are not checked online.
    #[inline]
    pub(crate) fn cached(
        &self,
        token: &str,
        claims: &CognitoClaims,
        now: u64,
    ) -> Option<Result<(), VerifyError>> {
        if claims.token_use() != TokenUse::Access {
            return Some(Ok(()));
        }
        let answer = self.answers.get(token)?;
        if now >= answer.until {
            return None;
        }
        Some(if answer.revoked {
            Err(VerifyError::Revoked)
        } else {
            Ok(())
        })
    }

    /// Asks the issuer and keeps the answer: live for the configured time, revoked until the
    /// token's `exp`. No answer follows [`WhenUnreachable`] and is not kept.
    pub(crate) async fn confirm(
        &self,
        token: &str,
        claims: &CognitoClaims,
        now: u64,
    ) -> Result<(), VerifyError> {
        if let Some(answer) = self.cached(token, claims, now) {
            return answer;
        }
        match self.checker.check(token).await {
            Liveness::Live => {
                let until = now.saturating_add(self.ttl).min(claims.exp());
                if until > now {
                    self.answers.insert(
                        Arc::from(token),
                        Answer {
                            revoked: false,
                            until,
                            keep: Duration::from_secs(until - now),
                        },
                    );
                }
                Ok(())
            }
            Liveness::Revoked => {
                if claims.exp() > now {
                    self.answers.insert(
                        Arc::from(token),
                        Answer {
                            revoked: true,
                            until: claims.exp(),
                            keep: Duration::from_secs(claims.exp() - now),
                        },
                    );
                }
                tracing::debug!("the issuer says the token is revoked");
                Err(VerifyError::Revoked)
            }
            Liveness::Unreachable => match self.when_unreachable {
                WhenUnreachable::Refuse => {
                    tracing::warn!("online revocation check unavailable: request refused");
                    Err(VerifyError::RevocationCheckUnavailable)
                }
                WhenUnreachable::Allow => {
                    tracing::warn!(
                        "online revocation check unavailable: token accepted on the local checks"
                    );
                    Ok(())
                }
            },
        }
    }
}
