//! Users: administration with AWS credentials and self-service with the user's own tokens.

use std::fmt;

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, CodeDeliveryDetailsType, MessageActionType, UserType,
};
use futures_core::Stream;

use super::paging::paged;
use super::revoke::ResponseDate;
use serde::Serialize;

use super::{Attributes, CognitoError, SanctumClient, attribute_map, attribute_types};

/// A user as Cognito describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct User {
    /// The user name Cognito knows the user by.
    pub username: String,
    /// The `sub` attribute, the user's stable id.
    pub sub: Option<String>,
    /// All attributes (`email`, `email_verified`, `custom:*`, ...).
    pub attributes: Attributes,
    /// `UNCONFIRMED`, `CONFIRMED`, `FORCE_CHANGE_PASSWORD`, `RESET_REQUIRED`, ... (admin calls
    /// and listings only).
    pub status: Option<String>,
    /// Whether the user may sign in (admin calls and listings only; `true` otherwise).
    pub enabled: bool,
    /// Creation time, Unix seconds.
    pub created: Option<i64>,
    /// Last modification time, Unix seconds.
    pub modified: Option<i64>,
    /// The preferred MFA method (`SOFTWARE_TOKEN_MFA`, `SMS_MFA`), when known.
    pub preferred_mfa: Option<String>,
    /// The MFA methods the user has enabled, when known.
    pub mfa_methods: Vec<String>,
}

impl User {
    pub(crate) fn from_user_type(user: &UserType) -> Self {
        let attributes = attribute_map(user.attributes());
        Self {
            username: user.username().unwrap_or_default().to_owned(),
            sub: attributes.get("sub").cloned(),
            attributes,
            status: user.user_status().map(|s| s.as_str().to_owned()),
            enabled: user.enabled(),
            created: user.user_create_date().map(|d| d.secs()),
            modified: user.user_last_modified_date().map(|d| d.secs()),
            preferred_mfa: None,
            mfa_methods: Vec::new(),
        }
    }

    /// An attribute's value.
    #[must_use]
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }
}

/// Where Cognito sent a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CodeDelivery {
    /// The masked destination, e.g. `a***@e***`.
    pub destination: Option<String>,
    /// `EMAIL` or `SMS`.
    pub medium: Option<String>,
    /// The attribute the code was sent to, e.g. `email`.
    pub attribute: Option<String>,
}

impl CodeDelivery {
    fn from_sdk(details: &CodeDeliveryDetailsType) -> Self {
        Self {
            destination: details.destination().map(str::to_owned),
            medium: details.delivery_medium().map(|m| m.as_str().to_owned()),
            attribute: details.attribute_name().map(str::to_owned),
        }
    }
}

/// What happens to the invitation message of a [`NewUser`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageAction {
    /// Send no message.
    Suppress,
    /// Send the invitation again to an existing user (resets the temporary password's expiry).
    Resend,
}

/// A user to create with [`Users::create`]. `Debug` hides the temporary password.
///
/// ```
/// use sanctum_core::cognito::NewUser;
///
/// let user = NewUser::new("alice")
///     .email("alice@example.com")
///     .attribute("custom:tier", "gold")
///     .temporary_password("Temp-Passw0rd!")
///     .suppress_message();
/// assert!(!format!("{user:?}").contains("Temp-Passw0rd!"));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct NewUser {
    username: String,
    temporary_password: Option<String>,
    attributes: Vec<(String, String)>,
    message_action: Option<MessageAction>,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field(
                "temporary_password",
                &self.temporary_password.as_ref().map(|_| "<redacted>"),
            )
            .field("attributes", &self.attributes)
            .field("message_action", &self.message_action)
            .finish()
    }
}

impl NewUser {
    /// A user named `username`; Cognito generates a temporary password and sends an invitation
    /// unless told otherwise.
    pub fn new(username: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            temporary_password: None,
            attributes: Vec::new(),
            message_action: None,
        }
    }

    /// The temporary password (the user must change it at first sign-in).
    pub fn temporary_password(mut self, password: impl Into<String>) -> Self {
        self.temporary_password = Some(password.into());
        self
    }

    /// Sets an attribute.
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((name.into(), value.into()));
        self
    }

    /// Sets `email` (not marked verified; add `email_verified` = `true` for that).
    pub fn email(self, email: impl Into<String>) -> Self {
        self.attribute("email", email)
    }

    /// Sends no invitation message.
    pub fn suppress_message(mut self) -> Self {
        self.message_action = Some(MessageAction::Suppress);
        self
    }

    /// Chooses what happens to the invitation message.
    pub fn message_action(mut self, action: MessageAction) -> Self {
        self.message_action = Some(action);
        self
    }
}

/// A self-service sign-up for [`Users::sign_up`]. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct SignUp {
    username: String,
    password: String,
    attributes: Vec<(String, String)>,
}

impl fmt::Debug for SignUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignUp")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("attributes", &self.attributes)
            .finish()
    }
}

impl SignUp {
    /// Signs up `username` with `password`.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            attributes: Vec::new(),
        }
    }

    /// Sets an attribute.
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((name.into(), value.into()));
        self
    }

    /// Sets `email`.
    pub fn email(self, email: impl Into<String>) -> Self {
        self.attribute("email", email)
    }
}

/// The outcome of [`Users::sign_up`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SignUpResult {
    /// Whether the user is already confirmed (by a trigger); otherwise confirm with the code.
    pub confirmed: bool,
    /// The new user's `sub`.
    pub sub: String,
    /// Where the confirmation code went.
    pub code_delivery: Option<CodeDelivery>,
}

/// A listing for [`Users::list`]: an optional filter, a page size and a limit.
///
/// ```
/// use sanctum_core::cognito::ListUsers;
///
/// let query = ListUsers::new().filter("email ^= \"alice\"").page_size(10).limit(25);
/// # let _ = query;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct ListUsers {
    filter: Option<String>,
    page_size: Option<i32>,
    limit: Option<usize>,
}

impl ListUsers {
    /// All users, in pages of Cognito's default size.
    pub fn new() -> Self {
        Self::default()
    }

    /// A Cognito filter expression, e.g. `email = "alice@example.com"` or `username ^= "al"`.
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// Users per request (Cognito allows 1 to 60). The stream still yields every page.
    pub fn page_size(mut self, size: i32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// At most `max` users in all; no page is fetched once they are listed. Without a
    /// [`page_size`](Self::page_size), pages are `max` long (up to 60).
    pub fn limit(mut self, max: usize) -> Self {
        self.limit = Some(max);
        self
    }
}

/// User operations; from [`SanctumClient::users`].
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    client: &'a SanctumClient,
}

macro_rules! send {
    ($op:literal, $request:expr) => {
        $request
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk($op, e))
    };
}

impl<'a> Users<'a> {
    pub(crate) fn new(client: &'a SanctumClient) -> Self {
        Self { client }
    }

    fn sdk(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        &self.client.inner.sdk
    }

    fn pool(&self) -> &str {
        &self.client.inner.pool_id
    }

    fn client_id(&self) -> &str {
        &self.client.inner.client_id
    }

    /// Creates a user (`AdminCreateUser`). The user's status is `FORCE_CHANGE_PASSWORD` until
    /// the first sign-in answers `NEW_PASSWORD_REQUIRED`.
    ///
    /// # Errors
    /// [`CognitoError::UserExists`], [`CognitoError::InvalidPassword`],
    /// [`CognitoError::InvalidParameter`], ...
    pub async fn create(&self, user: NewUser) -> Result<User, CognitoError> {
        let attributes = attribute_types(user.attributes)?;
        let out = send!(
            "AdminCreateUser",
            self.sdk()
                .admin_create_user()
                .user_pool_id(self.pool())
                .username(&user.username)
                .set_temporary_password(user.temporary_password)
                .set_user_attributes(Some(attributes))
                .set_message_action(user.message_action.map(|a| match a {
                    MessageAction::Suppress => MessageActionType::Suppress,
                    MessageAction::Resend => MessageActionType::Resend,
                }))
        )?;
        let created = out.user().ok_or(CognitoError::UnexpectedResponse {
            operation: "AdminCreateUser",
            what: "no user in the response",
        })?;
        Ok(User::from_user_type(created))
    }

    /// Gets a user by name (`AdminGetUser`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], ...
    pub async fn get(&self, username: &str) -> Result<User, CognitoError> {
        let out = send!(
            "AdminGetUser",
            self.sdk()
                .admin_get_user()
                .user_pool_id(self.pool())
                .username(username)
        )?;
        let attributes = attribute_map(out.user_attributes());
        Ok(User {
            username: out.username().to_owned(),
            sub: attributes.get("sub").cloned(),
            attributes,
            status: out.user_status().map(|s| s.as_str().to_owned()),
            enabled: out.enabled(),
            created: out.user_create_date().map(|d| d.secs()),
            modified: out.user_last_modified_date().map(|d| d.secs()),
            preferred_mfa: out.preferred_mfa_setting().map(str::to_owned),
            mfa_methods: out.user_mfa_setting_list().to_vec(),
        })
    }

    /// Sets attributes of a user (`AdminUpdateUserAttributes`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::InvalidParameter`], ...
    pub async fn update_attributes<I, K, V>(
        &self,
        username: &str,
        attributes: I,
    ) -> Result<(), CognitoError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let attributes = attribute_types(attributes)?;
        send!(
            "AdminUpdateUserAttributes",
            self.sdk()
                .admin_update_user_attributes()
                .user_pool_id(self.pool())
                .username(username)
                .set_user_attributes(Some(attributes))
        )?;
        Ok(())
    }

    /// Removes attributes of a user (`AdminDeleteUserAttributes`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], ...
    pub async fn delete_attributes<I, S>(
        &self,
        username: &str,
        names: I,
    ) -> Result<(), CognitoError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        send!(
            "AdminDeleteUserAttributes",
            self.sdk()
                .admin_delete_user_attributes()
                .user_pool_id(self.pool())
                .username(username)
                .set_user_attribute_names(Some(names.into_iter().map(Into::into).collect()))
        )?;
        Ok(())
    }

    /// Deletes a user (`AdminDeleteUser`). With a revocation store, the user is disabled first
    /// (`AdminDisableUser`), their `sub` read (`AdminGetUser`) and their tokens recorded as
    /// revoked, then deleted (see
    /// [`SanctumClientBuilder::revocations`](super::SanctumClientBuilder::revocations)).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], ...; [`CognitoError::RevocationNotRecorded`] when the
    /// user was disabled but the revocation could not be recorded (nothing deleted yet).
    pub async fn delete(&self, username: &str) -> Result<(), CognitoError> {
        if self.client.revocation_store().is_some() {
            // a deleted user's `sub` cannot be read: disable first (the user is cut off at
            // once), read it and record, then delete
            let date = self.send_disable(username).await?;
            self.client
                .record_user_revoked("AdminDeleteUser", username, &date)
                .await?;
        }
        send!(
            "AdminDeleteUser",
            self.sdk()
                .admin_delete_user()
                .user_pool_id(self.pool())
                .username(username)
        )?;
        Ok(())
    }

    /// Lets a disabled user sign in again (`AdminEnableUser`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], ...
    pub async fn enable(&self, username: &str) -> Result<(), CognitoError> {
        send!(
            "AdminEnableUser",
            self.sdk()
                .admin_enable_user()
                .user_pool_id(self.pool())
                .username(username)
        )?;
        Ok(())
    }

    /// Stops a user from signing in (`AdminDisableUser`); sign-in then fails with
    /// [`CognitoError::NotAuthorized`]. With a revocation store, the user's tokens are recorded
    /// as revoked (see [`SanctumClientBuilder::revocations`](super::SanctumClientBuilder::revocations)).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], ...; [`CognitoError::RevocationNotRecorded`] when
    /// Cognito did it but the revocation could not be recorded.
    pub async fn disable(&self, username: &str) -> Result<(), CognitoError> {
        let date = self.send_disable(username).await?;
        self.client
            .record_user_revoked("AdminDisableUser", username, &date)
            .await?;
        Ok(())
    }

    /// `AdminDisableUser`, keeping the `Date` of Cognito's answer.
    async fn send_disable(&self, username: &str) -> Result<ResponseDate, CognitoError> {
        let date = ResponseDate::default();
        send!(
            "AdminDisableUser",
            self.sdk()
                .admin_disable_user()
                .user_pool_id(self.pool())
                .username(username)
                .customize()
                .interceptor(date.clone())
        )?;
        Ok(date)
    }

    /// Confirms a signed-up user without their code (`AdminConfirmSignUp`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::NotAuthorized`] if already confirmed, ...
    pub async fn confirm(&self, username: &str) -> Result<(), CognitoError> {
        send!(
            "AdminConfirmSignUp",
            self.sdk()
                .admin_confirm_sign_up()
                .user_pool_id(self.pool())
                .username(username)
        )?;
        Ok(())
    }

    /// Sets a user's password (`AdminSetUserPassword`): `permanent` makes the user
    /// `CONFIRMED`, otherwise it is temporary and the next sign-in asks for a new one.
    ///
    /// # Errors
    /// [`CognitoError::InvalidPassword`], [`CognitoError::UserNotFound`], ...
    pub async fn set_password(
        &self,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> Result<(), CognitoError> {
        send!(
            "AdminSetUserPassword",
            self.sdk()
                .admin_set_user_password()
                .user_pool_id(self.pool())
                .username(username)
                .password(password)
                .permanent(permanent)
        )?;
        Ok(())
    }

    /// Resets a user's password (`AdminResetUserPassword`): Cognito sends a code and sign-in
    /// fails with [`CognitoError::PasswordResetRequired`] until the user sets a new password
    /// with [`confirm_forgot_password`](Self::confirm_forgot_password).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::InvalidParameter`] when the user has no
    /// verified email or phone, ...
    pub async fn reset_password(&self, username: &str) -> Result<(), CognitoError> {
        send!(
            "AdminResetUserPassword",
            self.sdk()
                .admin_reset_user_password()
                .user_pool_id(self.pool())
                .username(username)
        )?;
        Ok(())
    }

    /// Signs a user out everywhere (`AdminUserGlobalSignOut`): refresh tokens are revoked and
    /// Cognito refuses the user's access tokens. With a revocation store, the user's tokens are
    /// recorded as revoked (see [`SanctumClientBuilder::revocations`](super::SanctumClientBuilder::revocations)).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], ...; [`CognitoError::RevocationNotRecorded`] when
    /// Cognito did it but the revocation could not be recorded.
    pub async fn global_sign_out(&self, username: &str) -> Result<(), CognitoError> {
        let date = ResponseDate::default();
        send!(
            "AdminUserGlobalSignOut",
            self.sdk()
                .admin_user_global_sign_out()
                .user_pool_id(self.pool())
                .username(username)
                .customize()
                .interceptor(date.clone())
        )?;
        self.client
            .record_user_revoked("AdminUserGlobalSignOut", username, &date)
            .await?;
        Ok(())
    }

    /// Every user matching `query`, all pages, as a stream (`ListUsers`); a page is fetched when
    /// the previous one is used up.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt as _;
    /// use sanctum_core::cognito::{ListUsers, SanctumClient};
    ///
    /// # async fn run(client: &SanctumClient) -> Result<(), sanctum_core::cognito::CognitoError> {
    /// let users: Vec<_> = client.users().list(ListUsers::new().filter("status = \"Enabled\"")).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn list(
        &self,
        query: ListUsers,
    ) -> impl Stream<Item = Result<User, CognitoError>> + Send + 'static {
        let mut page_size = query.page_size;
        if page_size.is_none()
            && let Some(limit) = query.limit
        {
            page_size = Some(i32::try_from(limit.clamp(1, 60)).unwrap_or(60));
        }
        let mut paginator = self
            .sdk()
            .list_users()
            .user_pool_id(self.pool())
            .set_filter(query.filter)
            .into_paginator()
            .stop_on_duplicate_token(false);
        if let Some(size) = page_size {
            paginator = paginator.page_size(size);
        }
        let users = paged!(
            "ListUsers",
            paginator.send(),
            |page| page.pagination_token(),
            |page: &_| users_of(page)
        );
        futures_util::StreamExt::take(users, query.limit.unwrap_or(usize::MAX))
    }

    /// Every user matching `query` (up to its [`limit`](ListUsers::limit)), collected.
    ///
    /// # Errors
    /// The first failed page.
    pub async fn list_all(&self, query: ListUsers) -> Result<Vec<User>, CognitoError> {
        futures_util::TryStreamExt::try_collect(self.list(query)).await
    }

    // ---- self-service ----

    /// Signs a user up (`SignUp`, `SECRET_HASH` included when the client has a secret).
    ///
    /// # Errors
    /// [`CognitoError::UserExists`], [`CognitoError::InvalidPassword`], ...
    pub async fn sign_up(&self, sign_up: SignUp) -> Result<SignUpResult, CognitoError> {
        let attributes = attribute_types(sign_up.attributes)?;
        let out = send!(
            "SignUp",
            self.sdk()
                .sign_up()
                .client_id(self.client_id())
                .username(&sign_up.username)
                .password(&sign_up.password)
                .set_user_attributes(Some(attributes))
                .set_secret_hash(self.client.secret_hash(&sign_up.username))
        )?;
        Ok(SignUpResult {
            confirmed: out.user_confirmed(),
            sub: out.user_sub().to_owned(),
            code_delivery: out.code_delivery_details().map(CodeDelivery::from_sdk),
        })
    }

    /// Confirms a sign-up with the code Cognito sent (`ConfirmSignUp`).
    ///
    /// # Errors
    /// [`CognitoError::CodeMismatch`], [`CognitoError::ExpiredCode`], ...
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<(), CognitoError> {
        send!(
            "ConfirmSignUp",
            self.sdk()
                .confirm_sign_up()
                .client_id(self.client_id())
                .username(username)
                .confirmation_code(code)
                .set_secret_hash(self.client.secret_hash(username))
        )?;
        Ok(())
    }

    /// Sends the sign-up confirmation code again (`ResendConfirmationCode`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::LimitExceeded`], ...
    pub async fn resend_confirmation_code(
        &self,
        username: &str,
    ) -> Result<Option<CodeDelivery>, CognitoError> {
        let out = send!(
            "ResendConfirmationCode",
            self.sdk()
                .resend_confirmation_code()
                .client_id(self.client_id())
                .username(username)
                .set_secret_hash(self.client.secret_hash(username))
        )?;
        Ok(out.code_delivery_details().map(CodeDelivery::from_sdk))
    }

    /// Starts a password reset: Cognito sends a code (`ForgotPassword`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::LimitExceeded`], ...
    pub async fn forgot_password(
        &self,
        username: &str,
    ) -> Result<Option<CodeDelivery>, CognitoError> {
        let out = send!(
            "ForgotPassword",
            self.sdk()
                .forgot_password()
                .client_id(self.client_id())
                .username(username)
                .set_secret_hash(self.client.secret_hash(username))
        )?;
        Ok(out.code_delivery_details().map(CodeDelivery::from_sdk))
    }

    /// Sets a new password with the code of [`forgot_password`](Self::forgot_password) or
    /// [`reset_password`](Self::reset_password) (`ConfirmForgotPassword`).
    ///
    /// # Errors
    /// [`CognitoError::CodeMismatch`], [`CognitoError::ExpiredCode`],
    /// [`CognitoError::InvalidPassword`], ...
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
    ) -> Result<(), CognitoError> {
        send!(
            "ConfirmForgotPassword",
            self.sdk()
                .confirm_forgot_password()
                .client_id(self.client_id())
                .username(username)
                .confirmation_code(code)
                .password(new_password)
                .set_secret_hash(self.client.secret_hash(username))
        )?;
        Ok(())
    }

    /// Changes the signed-in user's password (`ChangePassword`).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for a wrong old password or an invalid token,
    /// [`CognitoError::InvalidPassword`], ...
    pub async fn change_password(
        &self,
        access_token: &str,
        old_password: &str,
        new_password: &str,
    ) -> Result<(), CognitoError> {
        send!(
            "ChangePassword",
            self.sdk()
                .change_password()
                .access_token(access_token)
                .previous_password(old_password)
                .proposed_password(new_password)
        )?;
        Ok(())
    }

    /// The signed-in user (`GetUser`); Cognito checks the token is not revoked.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for an invalid, expired or revoked token.
    pub async fn get_own(&self, access_token: &str) -> Result<User, CognitoError> {
        let out = send!("GetUser", self.sdk().get_user().access_token(access_token))?;
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

    /// Sets the signed-in user's attributes (`UpdateUserAttributes`). Returns where
    /// verification codes went (for a changed email or phone).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`], [`CognitoError::InvalidParameter`], ...
    pub async fn update_own_attributes<I, K, V>(
        &self,
        access_token: &str,
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
                .access_token(access_token)
                .set_user_attributes(Some(attributes))
        )?;
        Ok(out
            .code_delivery_details_list()
            .iter()
            .map(CodeDelivery::from_sdk)
            .collect())
    }

    /// Removes attributes of the signed-in user (`DeleteUserAttributes`).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`], ...
    pub async fn delete_own_attributes<I, S>(
        &self,
        access_token: &str,
        names: I,
    ) -> Result<(), CognitoError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        send!(
            "DeleteUserAttributes",
            self.sdk()
                .delete_user_attributes()
                .access_token(access_token)
                .set_user_attribute_names(Some(names.into_iter().map(Into::into).collect()))
        )?;
        Ok(())
    }

    /// Deletes the signed-in user (`DeleteUser`).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`], ...
    pub async fn delete_own(&self, access_token: &str) -> Result<(), CognitoError> {
        send!(
            "DeleteUser",
            self.sdk().delete_user().access_token(access_token)
        )?;
        Ok(())
    }
}

impl SanctumClient {
    /// Creates a user; see [`Users::create`].
    ///
    /// # Errors
    /// As [`Users::create`].
    pub async fn create_user(&self, user: NewUser) -> Result<User, CognitoError> {
        self.users().create(user).await
    }

    /// Sets a user's attributes; see [`Users::update_attributes`].
    ///
    /// # Errors
    /// As [`Users::update_attributes`].
    pub async fn update_user_attributes<I, K, V>(
        &self,
        username: &str,
        attributes: I,
    ) -> Result<(), CognitoError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.users().update_attributes(username, attributes).await
    }

    /// Deletes a user; see [`Users::delete`].
    ///
    /// # Errors
    /// As [`Users::delete`].
    pub async fn delete_user(&self, username: &str) -> Result<(), CognitoError> {
        self.users().delete(username).await
    }
}

fn users_of(
    page: &aws_sdk_cognitoidentityprovider::operation::list_users::ListUsersOutput,
) -> Vec<User> {
    page.users().iter().map(User::from_user_type).collect()
}
