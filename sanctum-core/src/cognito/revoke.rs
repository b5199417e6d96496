//! Revocations recorded by the client (see [`SanctumClientBuilder::revocations`]) and the
//! online check through `GetUser` (see [`crate::revocation::OnlineCheck`]).
//!
//! What is recorded, once Cognito confirmed the operation:
//!
//! | operation | revocation |
//! |---|---|
//! | [`Users::sign_out`](super::Users::sign_out) (`AdminUserGlobalSignOut`), [`Users::disable`](super::Users::disable) | the user's tokens issued until then (`sub` read after, with `AdminGetUser`) |
//! | [`Users::delete`](super::Users::delete) | the same, the user disabled first (`AdminDisableUser`), the `sub` read, then deleted |
//! | [`SignedInUser::sign_out_everywhere`](super::SignedInUser::sign_out_everywhere) (`GlobalSignOut`, the user's own access token) | the user's tokens issued until then (`sub` of that access token) |
//! | [`Auth::revoke_session`] / [`Auth::revoke_tokens`] / [`TokenSession::revoke`](super::TokenSession::revoke) (`RevokeToken`) | the session's `origin_jti`, read from its access token (or, for a session, its ID token) |
//!
//! The revoking operation runs first and the `sub` is read after it (or taken from the token),
//! so `AdminGetUser`'s quota, shared by the account, cannot delay a sign-out or a disabling.
//! When the operation was done but nothing could be recorded, the call fails with
//! [`CognitoError::RevocationNotRecorded`].
//!
//! **The second of the sign-out.** `iat` counts whole seconds, so a token issued in the same
//! second as a sign-out cannot be told from one issued just before it. The rule is the safe
//! one: the whole second of the sign-out is covered, and a token whose `iat` is that second is
//! refused; tokens from the next second on are accepted. A user who signs in again within that
//! second must sign in once more. The second is read from the `Date` header of Cognito's answer
//! to the operation — Cognito's clock, the one that stamps `iat` — so a workstation whose clock
//! is behind leaves no tokens valid; without that header, the client's clock.
//!
//! [`Auth::revoke`] alone cannot record anything: Cognito's refresh token is opaque and names
//! no `origin_jti`. Use [`Auth::revoke_session`] with the access token of that sign-in.
//!
//! [`SanctumClientBuilder::revocations`]: super::SanctumClientBuilder::revocations
//! [`Auth::revoke`]: super::Auth::revoke
//! [`Auth::revoke_session`]: super::Auth::revoke_session
//! [`Auth::revoke_tokens`]: super::Auth::revoke_tokens

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use aws_sdk_cognitoidentityprovider::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_cognitoidentityprovider::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cognitoidentityprovider::primitives::{DateTime, DateTimeFormat};

use super::{Auth, CognitoError, SanctumClient, Tokens};
use crate::credentials::{AccessToken, IdToken, RefreshToken, Username};
use crate::error::VerifyError;
use crate::revocation::{Liveness, LivenessCheck, LivenessFuture, Revocation, RevocationStore};
use crate::token_use::ExpectedUse;
use crate::verify::Verifier;

impl SanctumClient {
    /// The store revocations are recorded in, if the client was built with one.
    #[must_use]
    pub fn revocation_store(&self) -> Option<&Arc<dyn RevocationStore>> {
        self.inner.revocations.as_ref()
    }

    /// Records `revocation` in the client's store (e.g. for an admin action done elsewhere);
    /// `false` when the client has none.
    pub fn record_revocation(&self, revocation: Revocation) -> bool {
        match &self.inner.revocations {
            Some(store) => {
                #[cfg(feature = "metrics")]
                crate::observe::metrics::revocation_recorded(match &revocation {
                    Revocation::Subject { .. } => "subject",
                    Revocation::Origin { .. } => "origin",
                });
                store.record(revocation);
                true
            }
            None => false,
        }
    }

    /// Records that every token of `sub` issued until now (the client's clock, that second
    /// included) is revoked; `false` when the client has no store.
    pub fn record_sign_out(&self, sub: &str) -> bool {
        self.record_revocation(Revocation::signed_out_at(sub, self.inner.clock.now()))
    }

    /// The "until" of a revocation whose operation Cognito answered with `date`: the answer's
    /// `Date` header (Cognito's clock, which also stamps the tokens' `iat`), or the client's
    /// clock when the answer had none.
    fn revoked_until(&self, date: &ResponseDate) -> SystemTime {
        date.get().unwrap_or_else(|| self.inner.clock.now())
    }

    /// After Cognito did `operation` (answered at `date`) to `username`: with a store, reads
    /// the user's `sub` (`AdminGetUser`, after the operation, so its quota cannot hold the
    /// operation back) and records the user's tokens issued until then. Without a store:
    /// nothing is asked.
    pub(crate) async fn record_user_revoked(
        &self,
        operation: &'static str,
        username: &Username,
        date: &ResponseDate,
    ) -> Result<(), CognitoError> {
        if self.inner.revocations.is_none() {
            return Ok(());
        }
        let until = self.revoked_until(date);
        let not_recorded = |source| CognitoError::RevocationNotRecorded {
            operation,
            source: Box::new(source),
        };
        let user = self
            .admin()
            .users()
            .get(username)
            .await
            .map_err(not_recorded)?;
        let sub = user.sub.ok_or_else(|| {
            not_recorded(CognitoError::UnexpectedResponse {
                operation: "AdminGetUser",
                what: "the user has no sub attribute to record the revocation by",
            })
        })?;
        self.record_revocation(Revocation::signed_out_at(sub, until));
        tracing::debug!(
            operation,
            "revocation recorded for the user's earlier tokens"
        );
        Ok(())
    }

    /// After Cognito did `operation` (answered at `date`) with the user's own `access_token`:
    /// with a store, records the user's tokens issued until then by that token's `sub`.
    /// Cognito authenticated the token in that call, so its claims are read unverified here.
    pub(crate) fn record_own_sign_out(
        &self,
        operation: &'static str,
        access_token: &AccessToken,
        date: &ResponseDate,
    ) -> Result<(), CognitoError> {
        if self.inner.revocations.is_none() {
            return Ok(());
        }
        let claims = Verifier::unverified_claims(access_token.secret()).map_err(|err| {
            CognitoError::RevocationNotRecorded {
                operation,
                source: Box::new(err.into()),
            }
        })?;
        self.record_revocation(Revocation::signed_out_at(
            claims.sub(),
            self.revoked_until(date),
        ));
        tracing::debug!(
            operation,
            "revocation recorded for the user's earlier tokens"
        );
        Ok(())
    }

    /// After `RevokeToken` ended a [`TokenSession`](super::TokenSession) whose tokens Cognito issued
    /// (so read unverified): with a store, records the session's `origin_jti`, from its access
    /// token or else its ID token.
    pub(crate) fn record_session_revoked(
        &self,
        access_token: &AccessToken,
        id_token: Option<&IdToken>,
    ) -> Result<(), CognitoError> {
        if self.inner.revocations.is_none() {
            return Ok(());
        }
        let origin_jti = std::iter::once(access_token.secret())
            .chain(id_token.map(IdToken::secret))
            .filter_map(|token| Verifier::unverified_claims(token).ok())
            .find_map(|claims| claims.origin_jti().map(str::to_owned))
            .ok_or_else(|| CognitoError::RevocationNotRecorded {
                operation: "RevokeToken",
                source: Box::new(CognitoError::InvalidArgument {
                    what: "session",
                    reason: "its tokens have no origin_jti claim",
                }),
            })?;
        self.record_revocation(Revocation::Origin {
            origin_jti,
            at: crate::clock::unix_seconds(self.inner.clock.now()),
        });
        tracing::debug!("revocation recorded for the session's tokens");
        Ok(())
    }

    /// The `origin_jti` of a token whose signature verifies with the client's verifier (an
    /// expired or already revoked one included: those checks come after the signature's).
    async fn origin_jti_of(&self, token: &AccessToken) -> Result<String, CognitoError> {
        let verified = self
            .inner
            .verifier
            .verify(token.secret(), ExpectedUse::Either)
            .await;
        let origin_jti = match verified {
            Ok(claims) => claims.origin_jti().map(str::to_owned),
            Err(VerifyError::Expired { .. } | VerifyError::Revoked) => {
                Verifier::unverified_claims(token.secret())?
                    .origin_jti()
                    .map(str::to_owned)
            }
            Err(err) => return Err(err.into()),
        };
        origin_jti.ok_or(CognitoError::InvalidArgument {
            what: "session_token",
            reason: "the token has no origin_jti claim",
        })
    }
}

impl Auth<'_> {
    /// Revokes the refresh token of a sign-in (`RevokeToken`, as [`Auth::revoke`]) and, with
    /// a store, records the sign-in's `origin_jti`, read from `session_token`: an access token
    /// issued at that sign-in or refreshed from that refresh token (Cognito's refresh token
    /// itself is opaque). Verifiers with the store then refuse every access and ID token
    /// of that session.
    ///
    /// `session_token` must verify with the client's verifier; an expired one is accepted (its
    /// signature verified, its `exp` passed: the session's newer tokens are what the revocation
    /// is for). Without a store it is not looked at.
    ///
    /// ```no_run
    /// # async fn run(client: sanctum_core::cognito::SanctumClient, tokens: sanctum_core::cognito::Tokens) -> Result<(), sanctum_core::cognito::CognitoError> {
    /// if let Some(refresh_token) = &tokens.refresh_token {
    ///     client.auth().revoke_session(refresh_token, &tokens.access_token).await?;
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`CognitoError::InvalidToken`] when `session_token` does not verify, or
    /// [`CognitoError::InvalidArgument`] when it has no `origin_jti` (nothing is revoked then);
    /// as [`Auth::revoke`] otherwise.
    ///
    pub async fn revoke_session(
        &self,
        refresh_token: &RefreshToken,
        session_token: &AccessToken,
    ) -> Result<(), CognitoError> {
        let client = self.client;
        let origin_jti = match &client.inner.revocations {
            Some(_) => Some(client.origin_jti_of(session_token).await?),
            None => None,
        };
        self.revoke(refresh_token).await?;
        if let Some(origin_jti) = origin_jti {
            client.record_revocation(Revocation::Origin {
                origin_jti,
                at: crate::clock::unix_seconds(client.inner.clock.now()),
            });
            tracing::debug!("revocation recorded for the session's tokens");
        }
        Ok(())
    }

    /// [`revoke_session`](Self::revoke_session) with the tokens of a sign-in (or refresh): their
    /// refresh token, and their access token for the `origin_jti`.
    ///
    /// # Errors
    /// [`CognitoError::InvalidArgument`] when `tokens` has no refresh token; as
    /// [`revoke_session`](Self::revoke_session) otherwise.
    pub async fn revoke_tokens(&self, tokens: &Tokens) -> Result<(), CognitoError> {
        let refresh_token = tokens
            .refresh_token
            .as_ref()
            .ok_or(CognitoError::InvalidArgument {
                what: "tokens",
                reason: "no refresh token to revoke",
            })?;
        self.revoke_session(refresh_token, &tokens.access_token)
            .await
    }
}

/// The online check through Cognito: `GetUser` with the access token. Cognito refuses it
/// (`NotAuthorizedException`) once the user signed out everywhere, the token's refresh token
/// was revoked, or the user was disabled; `UserNotFoundException` once deleted. Transport
/// failures and server errors are [`Liveness::Unreachable`] (the online check's hold-off),
/// throttling is [`Liveness::Throttled`] (asked again, never the hold-off: `GetUser`'s quota is
/// the whole account's, see [`OnlineCheck`](crate::revocation::OnlineCheck)), any other error
/// [`Liveness::Undecided`].
impl LivenessCheck for SanctumClient {
    fn check<'a>(&'a self, access_token: &'a str) -> LivenessFuture<'a> {
        Box::pin(async move {
            let access_token = AccessToken::new(access_token);
            match self.user(&access_token).profile().await {
                Ok(_) => Liveness::Live,
                Err(err) => {
                    let liveness = liveness_of(&err);
                    if liveness == Liveness::Unreachable {
                        tracing::warn!(error = %err, "online revocation check: Cognito did not answer");
                    } else {
                        // throttled or undecided: the online check logs them, at most once a
                        // second at warn (an attacker can cause many)
                        tracing::debug!(error = %err, ?liveness, "online revocation check: GetUser failed");
                    }
                    liveness
                }
            }
        })
    }
}

/// The `Date` header of the answer to one operation (its last attempt), kept by an interceptor
/// attached to that operation with `customize().interceptor(..)`: the time Cognito did it, on
/// the clock that stamps its tokens' `iat`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResponseDate(Arc<Mutex<Option<SystemTime>>>);

impl ResponseDate {
    /// The date of the last answer, if it had a readable one.
    pub(crate) fn get(&self) -> Option<SystemTime> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Intercept for ResponseDate {
    fn name(&self) -> &'static str {
        "sanctum::ResponseDate"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let date = context
            .response()
            .headers()
            .get("date")
            .and_then(|value| DateTime::from_str(value, DateTimeFormat::HttpDate).ok())
            .and_then(|date| SystemTime::try_from(date).ok());
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = date;
        Ok(())
    }
}

/// What a failed `GetUser` says about the token.
fn liveness_of(err: &CognitoError) -> Liveness {
    match err {
        CognitoError::NotAuthorized(_) | CognitoError::UserNotFound(_) => Liveness::Revoked,
        CognitoError::TooManyRequests(_) | CognitoError::LimitExceeded(_) => Liveness::Throttled,
        CognitoError::Transport { .. } | CognitoError::Internal(_) => Liveness::Unreachable,
        CognitoError::Service(aws) => match aws.code.as_str() {
            // the SDK's throttling codes that Cognito's model does not name, and a bare 429
            "ThrottlingException" | "Throttling" | "RequestLimitExceeded" | "HTTP 429" => {
                Liveness::Throttled
            }
            code if code.starts_with("HTTP 5")
                || code.contains("ServiceUnavailable")
                || code.contains("InternalServerError")
                || code.contains("InternalFailure") =>
            {
                Liveness::Unreachable
            }
            _ => Liveness::Undecided,
        },
        _ => Liveness::Undecided,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cognito::AwsError;

    fn aws(code: &str) -> AwsError {
        AwsError::new(code, "stub")
    }

    #[test]
    fn refusals_revoke_throttling_retries_outages_hold_off_and_the_rest_is_undecided() {
        let cases = [
            (
                CognitoError::NotAuthorized(aws("NotAuthorizedException")),
                Liveness::Revoked,
            ),
            (
                CognitoError::UserNotFound(aws("UserNotFoundException")),
                Liveness::Revoked,
            ),
            (
                CognitoError::TooManyRequests(aws("TooManyRequestsException")),
                Liveness::Throttled,
            ),
            (
                CognitoError::LimitExceeded(aws("LimitExceededException")),
                Liveness::Throttled,
            ),
            (
                CognitoError::Service(aws("ThrottlingException")),
                Liveness::Throttled,
            ),
            (CognitoError::Service(aws("HTTP 429")), Liveness::Throttled),
            (
                CognitoError::Internal(aws("InternalErrorException")),
                Liveness::Unreachable,
            ),
            (
                CognitoError::Service(aws("HTTP 503")),
                Liveness::Unreachable,
            ),
            (
                CognitoError::Service(aws("ServiceUnavailableException")),
                Liveness::Unreachable,
            ),
            (
                CognitoError::Transport {
                    operation: "GetUser",
                    message: "connection refused".to_owned(),
                    source: Box::new(std::io::Error::other("connection refused")),
                },
                Liveness::Unreachable,
            ),
            (
                CognitoError::InvalidParameter(aws("InvalidParameterException")),
                Liveness::Undecided,
            ),
            (
                CognitoError::PasswordResetRequired(aws("PasswordResetRequiredException")),
                Liveness::Undecided,
            ),
            (
                CognitoError::Service(aws("ForbiddenException")),
                Liveness::Undecided,
            ),
            (CognitoError::Service(aws("HTTP 400")), Liveness::Undecided),
        ];
        for (err, expected) in cases {
            assert_eq!(liveness_of(&err), expected, "{err}");
        }
    }
}
