//! The signed-in user's own operations, with their access token: [`SignedInUser`].

use aws_sdk_cognitoidentityprovider::types::AttributeType;

use super::devices::Devices;
use super::mfa::Mfa;
use super::passkeys::Passkeys;
use super::revoke::ResponseDate;
use super::users::{CodeDelivery, User};
use super::{CognitoError, SanctumClient, attribute_map, attribute_types, send};
use crate::credentials::{AccessToken, Password};

/// What a signed-in user does with their own access token (self-service); from
/// [`SanctumClient::user`]. Cognito authenticates every call with the token (and refuses a
/// revoked or expired one); no AWS credentials are used.
///
/// ```no_run
/// # async fn run(client: sanctum_core::cognito::SanctumClient, tokens: sanctum_core::cognito::Tokens) -> Result<(), sanctum_core::cognito::CognitoError> {
/// let me = client.user(&tokens.access_token);
/// let profile = me.profile().await?;
/// println!("{} has {} devices", profile.username, me.devices().list_all().await?.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SignedInUser<'a> {
    client: &'a SanctumClient,
    access_token: &'a AccessToken,
}

impl<'a> SignedInUser<'a> {
    pub(crate) fn new(client: &'a SanctumClient, access_token: &'a AccessToken) -> Self {
        Self {
            client,
            access_token,
        }
    }

    fn sdk(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        &self.client.inner.sdk
    }

    /// The user's remembered devices.
    #[must_use]
    pub fn devices(&self) -> Devices<'a> {
        Devices::new(self.client, self.access_token)
    }

    /// The user's TOTP MFA and MFA preference.
    #[must_use]
    pub fn mfa(&self) -> Mfa<'a> {
        Mfa::new(self.client, self.access_token)
    }

    /// The user's passkeys and sign-in factors.
    #[must_use]
    pub fn passkeys(&self) -> Passkeys<'a> {
        Passkeys::new(self.client, self.access_token)
    }

    /// The user as Cognito describes them (`GetUser`); Cognito checks the token is not
    /// revoked.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for an invalid, expired or revoked token.
    pub async fn profile(&self) -> Result<User, CognitoError> {
        let out = send!(
            "GetUser",
            self.sdk()
                .get_user()
                .access_token(self.access_token.secret())
        )?;
        let attributes = attribute_map(out.user_attributes());
        Ok(User {
            username: out.username().to_owned(),
            sub: attributes.get("sub").cloned(),
            attributes,
            status: None,
            enabled: true,
            created: None,
            modified: None,
            preferred_mfa: out.preferred_mfa_setting().map(str::to_owned),
            mfa_methods: out.user_mfa_setting_list().to_vec(),
        })
    }

    /// Sets the user's attributes (`UpdateUserAttributes`). Returns where verification codes
    /// went (for a changed email or phone).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`], [`CognitoError::InvalidParameter`], ...
    pub async fn update_attributes<I, K, V>(
        &self,
        attributes: I,
    ) -> Result<Vec<CodeDelivery>, CognitoError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let attributes: Vec<AttributeType> = attribute_types(attributes)?;
        let out = send!(
            "UpdateUserAttributes",
            self.sdk()
                .update_user_attributes()
                .access_token(self.access_token.secret())
                .set_user_attributes(Some(attributes))
        )?;
        Ok(out
            .code_delivery_details_list()
            .iter()
            .map(CodeDelivery::from_sdk)
            .collect())
    }

    /// Removes attributes of the user (`DeleteUserAttributes`).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`], ...
    pub async fn delete_attributes<I, S>(&self, names: I) -> Result<(), CognitoError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        send!(
            "DeleteUserAttributes",
            self.sdk()
                .delete_user_attributes()
                .access_token(self.access_token.secret())
                .set_user_attribute_names(Some(names.into_iter().map(Into::into).collect()))
        )?;
        Ok(())
    }

    /// Changes the user's password (`ChangePassword`).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for a wrong old password or an invalid token,
    /// [`CognitoError::InvalidPassword`], ...
    pub async fn change_password(
        &self,
        old_password: impl Into<Password>,
        new_password: impl Into<Password>,
    ) -> Result<(), CognitoError> {
        send!(
            "ChangePassword",
            self.sdk()
                .change_password()
                .access_token(self.access_token.secret())
                .previous_password(old_password.into().secret())
                .proposed_password(new_password.into().secret())
        )?;
        Ok(())
    }

    /// Deletes the user (`DeleteUser`).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`], ...
    pub async fn delete(&self) -> Result<(), CognitoError> {
        send!(
            "DeleteUser",
            self.sdk()
                .delete_user()
                .access_token(self.access_token.secret())
        )?;
        Ok(())
    }

    /// Signs the user out everywhere (`GlobalSignOut`): their refresh tokens are revoked and
    /// Cognito refuses their access tokens. With a revocation store, the user's tokens are
    /// recorded as revoked (see
    /// [`SanctumClientBuilder::revocations`](super::SanctumClientBuilder::revocations)).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] when the token is already invalid;
    /// [`CognitoError::RevocationNotRecorded`] when Cognito signed the user out but the token
    /// names no `sub` to record.
    pub async fn sign_out_everywhere(&self) -> Result<(), CognitoError> {
        let date = ResponseDate::default();
        send!(
            "GlobalSignOut",
            self.sdk()
                .global_sign_out()
                .access_token(self.access_token.secret())
                .customize()
                .interceptor(date.clone())
        )?;
        self.client
            .record_own_sign_out("GlobalSignOut", self.access_token, &date)
    }
}
