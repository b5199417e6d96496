//! The tokens of a successful sign-in: [`Tokens`].

use aws_sdk_cognitoidentityprovider::types::AuthenticationResultType;
use serde::{Deserialize, Serialize};

use super::super::CognitoError;
use super::super::devices::NewDevice;
use crate::credentials::{AccessToken, IdToken, RefreshToken};

/// The tokens of a successful sign-in or refresh: [`SignInStep::Done`](super::SignInStep::Done).
///
/// `Debug` shows no token (each is a [`crate::credentials`] type). It is
/// `Serialize`/`Deserialize` for a server-side store — a secret there: never in a log or a
/// browser-readable cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tokens {
    /// The access token, for your APIs and for Cognito's own user calls
    /// ([`SanctumClient::user`](super::super::SanctumClient::user)).
    pub access_token: AccessToken,
    /// The ID token (absent only on unusual flows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<IdToken>,
    /// The refresh token. After a refresh that did not rotate it, the one used to refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// Seconds until the access token expires.
    pub expires_in: i32,
    /// The token type, `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// A device Cognito saw for the first time (`NewDeviceMetadata`, when the pool tracks
    /// devices): confirm it with [`Devices::confirm`](super::super::Devices::confirm) to
    /// remember it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_device: Option<NewDevice>,
}

impl Tokens {
    /// Tokens from their parts (e.g. for tests of your own code); the other fields are empty.
    #[must_use]
    pub fn new(access_token: AccessToken, expires_in: i32) -> Self {
        Self {
            access_token,
            id_token: None,
            refresh_token: None,
            expires_in,
            token_type: Some("Bearer".to_owned()),
            new_device: None,
        }
    }

    /// With this ID token.
    #[must_use]
    pub fn with_id_token(mut self, id_token: IdToken) -> Self {
        self.id_token = Some(id_token);
        self
    }

    /// With this refresh token.
    #[must_use]
    pub fn with_refresh_token(mut self, refresh_token: RefreshToken) -> Self {
        self.refresh_token = Some(refresh_token);
        self
    }
}

/// The tokens of an authentication result.
pub(crate) fn tokens_of(
    operation: &'static str,
    result: &AuthenticationResultType,
) -> Result<Tokens, CognitoError> {
    let access_token = result
        .access_token()
        .ok_or(CognitoError::UnexpectedResponse {
            operation,
            what: "an authentication result without an access token",
        })?;
    Ok(Tokens {
        access_token: AccessToken::new(access_token),
        id_token: result.id_token().map(IdToken::new),
        refresh_token: result.refresh_token().map(RefreshToken::new),
        expires_in: result.expires_in(),
        token_type: result.token_type().map(str::to_owned),
        new_device: result
            .new_device_metadata()
            .and_then(|m| Some(NewDevice::new(m.device_key()?, m.device_group_key()?))),
    })
}
