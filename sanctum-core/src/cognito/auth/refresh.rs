//! Refreshing and revoking tokens: [`Auth::refresh`], [`Auth::revoke`].

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;

use super::super::CognitoError;
use super::Auth;
use super::flows::Next;
use super::tokens::{Tokens, tokens_of};
use crate::credentials::{RefreshToken, Username};

impl Auth<'_> {
    /// Gets new tokens with a refresh token, by whichever operation the endpoint has, so the
    /// caller need not know whether the app client rotates refresh tokens:
    ///
    /// 1. `GetTokensFromRefreshToken` (with the client secret, when there is one). Cognito
    ///    answers it for every app client; with rotation on, it returns a new refresh token
    ///    (the old one then works at most once more, within the client's grace period), and it
    ///    is the only operation that refreshes at all — `REFRESH_TOKEN_AUTH` is then refused.
    /// 2. `REFRESH_TOKEN_AUTH` only when the endpoint does not know the operation: an answer
    ///    without an exception name (`HTTP 500`, `HTTP 404`, ...) or an unknown-operation one,
    ///    as from Cognito-compatible emulators older than the operation. Once
    ///    `REFRESH_TOKEN_AUTH` then succeeds, this client uses it directly from then on. A
    ///    refusal of the token itself (`NotAuthorized`: expired, revoked, rotated away) never
    ///    falls back.
    ///
    /// `username` is needed only for `REFRESH_TOKEN_AUTH` when the app client has a secret
    /// (`SECRET_HASH`); it must then be the name Cognito knows the user by — the access token's
    /// `username` claim ([`CognitoClaims::username`](crate::CognitoClaims::username)), not an
    /// email alias. The returned [`Tokens::refresh_token`] is the new one when Cognito rotated
    /// it, else `refresh_token`.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] when the refresh token is expired, revoked or rotated
    /// away; [`CognitoError::InvalidArgument`] when `REFRESH_TOKEN_AUTH` is needed with a
    /// client secret and no `username` was given.
    pub async fn refresh(
        &self,
        refresh_token: &RefreshToken,
        username: Option<&Username>,
    ) -> Result<Tokens, CognitoError> {
        let fallen_back = &self.client.inner.refresh_token_auth_only;
        if !fallen_back.load(Ordering::Relaxed) {
            match self.get_tokens_from_refresh_token(refresh_token).await {
                Err(err) if lacks_operation(&err) => {
                    tracing::debug!(error = %err, "no GetTokensFromRefreshToken here: trying REFRESH_TOKEN_AUTH");
                }
                other => return other,
            }
            let tokens = self.refresh_token_auth(refresh_token, username).await?;
            fallen_back.store(true, Ordering::Relaxed);
            return Ok(tokens);
        }
        self.refresh_token_auth(refresh_token, username).await
    }

    /// Gets new tokens with `GetTokensFromRefreshToken` (the client secret is sent when there
    /// is one). With rotation on, [`Tokens::refresh_token`] is the new refresh token; else it is
    /// `refresh_token`. See [`refresh`](Self::refresh), which picks the operation for you.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] when the refresh token is expired, revoked or rotated
    /// away.
    pub async fn get_tokens_from_refresh_token(
        &self,
        refresh_token: &RefreshToken,
    ) -> Result<Tokens, CognitoError> {
        const OPERATION: &str = "GetTokensFromRefreshToken";
        let inner = &self.client.inner;
        tracing::debug!("GetTokensFromRefreshToken");
        let out = inner
            .sdk
            .get_tokens_from_refresh_token()
            .client_id(&inner.client_id)
            .refresh_token(refresh_token.secret())
            .set_client_secret(self.client.client_secret_value())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(OPERATION, e))?;
        let result = out
            .authentication_result()
            .ok_or(CognitoError::UnexpectedResponse {
                operation: OPERATION,
                what: "no authentication result",
            })?;
        let mut tokens = tokens_of(OPERATION, result)?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.clone());
        }
        Ok(tokens)
    }

    /// Gets new tokens with `REFRESH_TOKEN_AUTH` through `InitiateAuth`; refused by Cognito
    /// when the app client rotates refresh tokens. See [`refresh`](Self::refresh) for
    /// `username` and for the operation it picks for you.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] when the refresh token is expired or revoked;
    /// [`CognitoError::InvalidArgument`] without `username` when the app client has a secret.
    pub async fn refresh_token_auth(
        &self,
        refresh_token: &RefreshToken,
        username: Option<&Username>,
    ) -> Result<Tokens, CognitoError> {
        let mut params = HashMap::from([(
            "REFRESH_TOKEN".to_owned(),
            refresh_token.secret().to_owned(),
        )]);
        if self.client.has_client_secret() {
            let username = username.ok_or(CognitoError::InvalidArgument {
                what: "username",
                reason: "REFRESH_TOKEN_AUTH with a client secret needs the user name Cognito knows (the access token's `username` claim) for SECRET_HASH",
            })?;
            if let Some(hash) = self.client.secret_hash(username.as_str()) {
                params.insert("SECRET_HASH".to_owned(), hash);
            }
        }
        let anonymous = Username::new("");
        let next = self
            .initiate(
                AuthFlowType::RefreshTokenAuth,
                username.unwrap_or(&anonymous),
                params,
            )
            .await?;
        let Next::Tokens(mut tokens) = next else {
            return Err(CognitoError::UnexpectedResponse {
                operation: "sign-in",
                what: "a challenge came instead of tokens",
            });
        };
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.clone());
        }
        Ok(tokens)
    }

    /// Revokes a refresh token (`RevokeToken`, with the client secret when there is one): it
    /// refreshes no more, and neither do the tokens it refreshed (Cognito also stops accepting
    /// the access tokens issued from it in its own user calls). Records nothing in a
    /// revocation store (the refresh token is opaque): see
    /// [`revoke_session`](Self::revoke_session) for that.
    ///
    /// # Errors
    /// [`CognitoError::Service`] with `UnsupportedTokenTypeException` for a token that is not a
    /// refresh token, `UnauthorizedException` when the app client may not revoke, ...
    pub async fn revoke(&self, refresh_token: &RefreshToken) -> Result<(), CognitoError> {
        let inner = &self.client.inner;
        tracing::debug!("RevokeToken");
        inner
            .sdk
            .revoke_token()
            .client_id(&inner.client_id)
            .token(refresh_token.secret())
            .set_client_secret(self.client.client_secret_value())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("RevokeToken", e))?;
        Ok(())
    }
}

/// Whether Cognito's answer says it has no such operation (rather than refusing the request):
/// an answer without an exception name (`HTTP 500`, `HTTP 404`, ...), as from an emulator that
/// lacks it, or an unknown-operation exception.
fn lacks_operation(err: &CognitoError) -> bool {
    err.aws().is_some_and(|aws| {
        aws.code.starts_with("HTTP ")
            || matches!(
                aws.code.as_str(),
                "UnknownOperationException"
                    | "NotImplementedException"
                    | "NotImplemented"
                    | "InvalidAction"
                    | "UnsupportedOperationException"
            )
    })
}
