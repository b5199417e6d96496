//! The administrator's side, with AWS credentials: [`Admin`].

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;

use super::auth::SignInStep;
use super::groups::Groups;
use super::users::Users;
use super::{CognitoError, SanctumClient};
use crate::credentials::{Password, Username};

/// Operations with the AWS credentials of the client (IAM permissions on the pool), by user
/// name; from [`SanctumClient::admin`]. Never call them on a user's behalf without checking
/// that user may.
///
/// ```no_run
/// use sanctum_core::cognito::{NewUser, SanctumClient};
///
/// # async fn run(client: SanctumClient) -> Result<(), sanctum_core::cognito::CognitoError> {
/// let admin = client.admin();
/// admin.users().create(NewUser::new("alice").email("alice@example.com")).await?;
/// admin.groups().add_user("alice", "readers").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Admin<'a> {
    client: &'a SanctumClient,
}

impl<'a> Admin<'a> {
    pub(crate) fn new(client: &'a SanctumClient) -> Self {
        Self { client }
    }

    /// Users: create, get, update, enable, disable, delete, passwords, sign-out, devices, MFA.
    #[must_use]
    pub fn users(&self) -> Users<'a> {
        Users::new(self.client)
    }

    /// Groups and membership.
    #[must_use]
    pub fn groups(&self) -> Groups<'a> {
        Groups::new(self.client)
    }

    /// Signs a user in from the server (`ADMIN_USER_PASSWORD_AUTH` through
    /// `AdminInitiateAuth`); the steps that follow are answered through
    /// `AdminRespondToAuthChallenge`. The app client must allow `ALLOW_ADMIN_USER_PASSWORD_AUTH`.
    ///
    /// # Errors
    /// As [`Auth::user_password`](super::Auth::user_password).
    pub async fn sign_in(
        &self,
        username: impl Into<Username>,
        password: impl Into<Password>,
    ) -> Result<SignInStep, CognitoError> {
        self.password_sign_in(AuthFlowType::AdminUserPasswordAuth, username, password)
            .await
    }

    /// [`sign_in`](Self::sign_in) with the flow's older name, `ADMIN_NO_SRP_AUTH` (same
    /// parameters), for app clients configured with it.
    ///
    /// # Errors
    /// As [`Auth::user_password`](super::Auth::user_password).
    pub async fn sign_in_no_srp(
        &self,
        username: impl Into<Username>,
        password: impl Into<Password>,
    ) -> Result<SignInStep, CognitoError> {
        self.password_sign_in(AuthFlowType::AdminNoSrpAuth, username, password)
            .await
    }

    async fn password_sign_in(
        &self,
        flow: AuthFlowType,
        username: impl Into<Username>,
        password: impl Into<Password>,
    ) -> Result<SignInStep, CognitoError> {
        let username = username.into();
        let auth = self.client.auth();
        let params = auth.password_parameters(&username, &password.into());
        auth.admin_initiate(flow, &username, params).await
    }

    /// Starts `CUSTOM_AUTH` through `AdminInitiateAuth`.
    ///
    /// # Errors
    /// As [`Auth::user_password`](super::Auth::user_password).
    pub async fn custom_auth(
        &self,
        username: impl Into<Username>,
    ) -> Result<SignInStep, CognitoError> {
        let username = username.into();
        let auth = self.client.auth();
        let params = auth.username_parameters(&username);
        auth.admin_initiate(AuthFlowType::CustomAuth, &username, params)
            .await
    }
}
