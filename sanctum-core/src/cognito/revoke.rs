//! Revocations recorded by the client (see [`SanctumClientBuilder::revocations`]) and the
//! online check through `GetUser` (see [`crate::revocation::OnlineCheck`]).
//!
//! What is recorded, once Cognito confirmed the operation:
//!
//! | operation | revocation |
//! |---|---|
//! | [`Users::global_sign_out`](super::Users::global_sign_out) (`AdminUserGlobalSignOut`), [`Users::disable`](super::Users::disable), [`Users::delete`](super::Users::delete) | the user's tokens issued until now (`sub` read first with `AdminGetUser`) |
//! | [`Auth::global_sign_out`](super::Auth::global_sign_out) (`GlobalSignOut`, the user's own access token) | the user's tokens issued until now (`sub` of that access token) |
//! | [`SanctumClient::revoke_session`] / [`SanctumClient::revoke_tokens`] (`RevokeToken`) | the session's `origin_jti`, read from one of its access or ID tokens |
//!
//! **The second of the sign-out.** `iat` counts whole seconds, so a token issued in the same
//! second as a sign-out cannot be told from one issued just before it. The rule is the safe
//! one: the whole second of the sign-out (as the client's clock reads it after Cognito
//! answered) is covered, and a token whose `iat` is that second is refused; tokens from the
//! next second on are accepted. A user who signs in again within that second must sign in once
//! more.
//!
//! [`Auth::revoke`](super::Auth::revoke) alone cannot record anything: Cognito's refresh token
//! is opaque and names no `origin_jti`. Use [`SanctumClient::revoke_session`] with a token of
//! that sign-in.
//!
//! [`SanctumClientBuilder::revocations`]: super::SanctumClientBuilder::revocations

use std::sync::Arc;

use super::{CognitoError, SanctumClient, Tokens};
use crate::claims::ExpectedUse;
use crate::error::VerifyError;
use crate::revocation::{Liveness, LivenessCheck, LivenessFuture, Revocation, RevocationStore};
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

    /// With a store: the `sub` of `username` (`AdminGetUser`), read before an operation that
    /// revokes the user's tokens. Without one: nothing is asked.
    pub(crate) async fn sub_to_revoke(
        &self,
        username: &str,
    ) -> Result<Option<String>, CognitoError> {
        if self.inner.revocations.is_none() {
            return Ok(None);
        }
        let user = self.users().get(username).await?;
        match user.sub {
            Some(sub) => Ok(Some(sub)),
            None => Err(CognitoError::UnexpectedResponse {
                operation: "AdminGetUser",
                what: "the user has no sub attribute to record the revocation by",
            }),
        }
    }

    /// With a store: the `sub` of the user's own access token, which Cognito authenticates in
    /// the call that follows (so its claims are read unverified here).
    pub(crate) fn sub_of_own_token(&self, access_token: &str) -> Option<String> {
        self.inner.revocations.as_ref()?;
        match Verifier::unverified_claims(access_token) {
            Ok(claims) => Some(claims.sub().to_owned()),
            Err(err) => {
                tracing::debug!(error = %err, "access token unreadable: no revocation recorded");
                None
            }
        }
    }

    /// After Cognito confirmed a sign-out, a disabled or a deleted user: records it.
    pub(crate) fn record_revoked_sub(&self, operation: &'static str, sub: Option<String>) {
        if let Some(sub) = sub {
            self.record_sign_out(&sub);
            tracing::debug!(
                operation,
                "revocation recorded for the user's earlier tokens"
            );
        }
    }

    /// Revokes the refresh token of a sign-in (`RevokeToken`, as [`Auth::revoke`]) and, with
    /// a store, records the sign-in's `origin_jti`, read from `session_token`: an access or ID
    /// token issued at that sign-in or refreshed from that refresh token (Cognito's refresh
    /// token itself is opaque). Verifiers with the store then refuse every access and ID token
    /// of that session.
    ///
    /// `session_token` must verify with the client's verifier; an expired one is accepted (its
    /// signature verified, its `exp` passed: the session's newer tokens are what the revocation
    /// is for). Without a store it is not looked at.
    ///
    /// ```no_run
    /// # async fn run(client: sanctum_core::SanctumClient, tokens: sanctum_core::Tokens) -> Result<(), sanctum_core::CognitoError> {
    /// if let Some(refresh_token) = &tokens.refresh_token {
    ///     client.revoke_session(refresh_token, &tokens.access_token).await?;
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`CognitoError::InvalidToken`] when `session_token` does not verify, or
    /// [`CognitoError::InvalidArgument`] when it has no `origin_jti` (nothing is revoked then);
    /// as [`Auth::revoke`] otherwise.
    ///
    /// [`Auth::revoke`]: super::Auth::revoke
    pub async fn revoke_session(
        &self,
        refresh_token: &str,
        session_token: &str,
    ) -> Result<(), CognitoError> {
        let origin_jti = match &self.inner.revocations {
            Some(_) => Some(self.origin_jti_of(session_token).await?),
            None => None,
        };
        self.auth().revoke(refresh_token).await?;
        if let Some(origin_jti) = origin_jti {
            self.record_revocation(Revocation::Origin {
                origin_jti,
                at: crate::clock::unix_seconds(self.inner.clock.now()),
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
        let refresh_token =
            tokens
                .refresh_token
                .as_deref()
                .ok_or(CognitoError::InvalidArgument {
                    what: "tokens",
                    reason: "no refresh token to revoke",
                })?;
        self.revoke_session(refresh_token, &tokens.access_token)
            .await
    }

    /// The `origin_jti` of a token whose signature verifies with the client's verifier (an
    /// expired or already revoked one included: those checks come after the signature's).
    async fn origin_jti_of(&self, token: &str) -> Result<String, CognitoError> {
        let origin_jti = match self.inner.verifier.verify(token, ExpectedUse::Either).await {
            Ok(claims) => claims.origin_jti().map(str::to_owned),
            Err(VerifyError::Expired { .. } | VerifyError::Revoked) => {
                Verifier::unverified_claims(token)?
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

/// The online check through Cognito: `GetUser` with the access token. Cognito refuses it
/// (`NotAuthorizedException`) once the user signed out everywhere, the token's refresh token
/// was revoked, or the user was disabled; `UserNotFoundException` once deleted. Transport
/// failures, throttling and server errors are [`Liveness::Unreachable`].
impl LivenessCheck for SanctumClient {
    fn check<'a>(&'a self, access_token: &'a str) -> LivenessFuture<'a> {
        Box::pin(async move {
            match self.users().get_own(access_token).await {
                Ok(_) => Liveness::Live,
                Err(CognitoError::NotAuthorized(_) | CognitoError::UserNotFound(_)) => {
                    Liveness::Revoked
                }
                Err(err) => {
                    tracing::warn!(error = %err, "online revocation check: Cognito did not answer");
                    Liveness::Unreachable
                }
            }
        })
    }
}
