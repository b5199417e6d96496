//! Users administered with AWS credentials, by user name: [`Users`].

use std::fmt;

use aws_sdk_cognitoidentityprovider::types::{
    CodeDeliveryDetailsType, MessageActionType, UserType,
};
use futures_core::Stream;
use futures_util::StreamExt as _;

use super::devices::{DEVICE_PAGE_SIZE, Device, remembered_status};
use super::mfa::MfaPreference;
use super::paging::{paged, token_pages};
use super::revoke::ResponseDate;
use serde::Serialize;

use super::{Attributes, CognitoError, SanctumClient, attribute_map, attribute_types, send};
use crate::credentials::{Password, Username};

/// A user as Cognito describes it.
///
/// Returned by [`Users::get`] and [`Users::create`]; the [`crate::cognito`] docs show them in use.
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
///
/// Returned when Cognito sends a code, e.g. by [`Auth::sign_up`](crate::cognito::Auth::sign_up).
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
    pub(crate) fn from_sdk(details: &CodeDeliveryDetailsType) -> Self {
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
    username: Username,
    temporary_password: Option<Password>,
    attributes: Vec<(String, String)>,
    message_action: Option<MessageAction>,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("temporary_password", &self.temporary_password)
            .field("attributes", &self.attributes)
            .field("message_action", &self.message_action)
            .finish()
    }
}

impl NewUser {
    /// A user named `username`; Cognito generates a temporary password and sends an invitation
    /// unless told otherwise.
    pub fn new(username: impl Into<Username>) -> Self {
        Self {
            username: username.into(),
            temporary_password: None,
            attributes: Vec::new(),
            message_action: None,
        }
    }

    /// The temporary password (the user must change it at first sign-in).
    pub fn temporary_password(mut self, password: impl Into<Password>) -> Self {
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

/// User administration with AWS credentials, by user name; from
/// [`Admin::users`](super::Admin::users).
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    client: &'a SanctumClient,
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
                .username(user.username.as_str())
                .set_temporary_password(user.temporary_password.map(Password::into_secret))
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
    pub async fn get(&self, username: impl Into<Username>) -> Result<User, CognitoError> {
        let username = username.into();
        let out = send!(
            "AdminGetUser",
            self.sdk()
                .admin_get_user()
                .user_pool_id(self.pool())
                .username(username.as_str())
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
        username: impl Into<Username>,
        attributes: I,
    ) -> Result<(), CognitoError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let username = username.into();
        let attributes = attribute_types(attributes)?;
        send!(
            "AdminUpdateUserAttributes",
            self.sdk()
                .admin_update_user_attributes()
                .user_pool_id(self.pool())
                .username(username.as_str())
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
        username: impl Into<Username>,
        names: I,
    ) -> Result<(), CognitoError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let username = username.into();
        send!(
            "AdminDeleteUserAttributes",
            self.sdk()
                .admin_delete_user_attributes()
                .user_pool_id(self.pool())
                .username(username.as_str())
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
    pub async fn delete(&self, username: impl Into<Username>) -> Result<(), CognitoError> {
        let username = username.into();
        if self.client.revocation_store().is_some() {
            // a deleted user's `sub` cannot be read: disable first (the user is cut off at
            // once), read it and record, then delete
            let date = self.send_disable(&username).await?;
            self.client
                .record_user_revoked("AdminDeleteUser", &username, &date)
                .await?;
        }
        send!(
            "AdminDeleteUser",
            self.sdk()
                .admin_delete_user()
                .user_pool_id(self.pool())
                .username(username.as_str())
        )?;
        Ok(())
    }

    /// Lets a disabled user sign in again (`AdminEnableUser`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], ...
    pub async fn enable(&self, username: impl Into<Username>) -> Result<(), CognitoError> {
        let username = username.into();
        send!(
            "AdminEnableUser",
            self.sdk()
                .admin_enable_user()
                .user_pool_id(self.pool())
                .username(username.as_str())
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
    pub async fn disable(&self, username: impl Into<Username>) -> Result<(), CognitoError> {
        let username = username.into();
        let date = self.send_disable(&username).await?;
        self.client
            .record_user_revoked("AdminDisableUser", &username, &date)
            .await?;
        Ok(())
    }

    /// `AdminDisableUser`, keeping the `Date` of Cognito's answer.
    async fn send_disable(&self, username: &Username) -> Result<ResponseDate, CognitoError> {
        let date = ResponseDate::default();
        send!(
            "AdminDisableUser",
            self.sdk()
                .admin_disable_user()
                .user_pool_id(self.pool())
                .username(username.as_str())
                .customize()
                .interceptor(date.clone())
        )?;
        Ok(date)
    }

    /// Confirms a signed-up user without their code (`AdminConfirmSignUp`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::NotAuthorized`] if already confirmed, ...
    pub async fn confirm_sign_up(&self, username: impl Into<Username>) -> Result<(), CognitoError> {
        let username = username.into();
        send!(
            "AdminConfirmSignUp",
            self.sdk()
                .admin_confirm_sign_up()
                .user_pool_id(self.pool())
                .username(username.as_str())
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
        username: impl Into<Username>,
        password: impl Into<Password>,
        permanent: bool,
    ) -> Result<(), CognitoError> {
        let username = username.into();
        send!(
            "AdminSetUserPassword",
            self.sdk()
                .admin_set_user_password()
                .user_pool_id(self.pool())
                .username(username.as_str())
                .password(password.into().secret())
                .permanent(permanent)
        )?;
        Ok(())
    }

    /// Resets a user's password (`AdminResetUserPassword`): Cognito sends a code and sign-in
    /// fails with [`CognitoError::PasswordResetRequired`] until the user sets a new password
    /// with [`Auth::confirm_forgot_password`](super::Auth::confirm_forgot_password).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::InvalidParameter`] when the user has no
    /// verified email or phone, ...
    pub async fn reset_password(&self, username: impl Into<Username>) -> Result<(), CognitoError> {
        let username = username.into();
        send!(
            "AdminResetUserPassword",
            self.sdk()
                .admin_reset_user_password()
                .user_pool_id(self.pool())
                .username(username.as_str())
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
    pub async fn sign_out(&self, username: impl Into<Username>) -> Result<(), CognitoError> {
        let username = username.into();
        let date = ResponseDate::default();
        send!(
            "AdminUserGlobalSignOut",
            self.sdk()
                .admin_user_global_sign_out()
                .user_pool_id(self.pool())
                .username(username.as_str())
                .customize()
                .interceptor(date.clone())
        )?;
        self.client
            .record_user_revoked("AdminUserGlobalSignOut", &username, &date)
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
    /// let users: Vec<_> = client.admin().users().list(ListUsers::new().filter("status = \"Enabled\"")).try_collect().await?;
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
}

fn users_of(
    page: &aws_sdk_cognitoidentityprovider::operation::list_users::ListUsersOutput,
) -> Vec<User> {
    page.users().iter().map(User::from_user_type).collect()
}

/// Devices and MFA of a user, by user name.
impl Users<'_> {
    /// Sets a user's MFA preference (`AdminSetUserMFAPreference`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::InvalidParameter`], ...
    pub async fn set_mfa_preference(
        &self,
        username: impl Into<Username>,
        preference: MfaPreference,
    ) -> Result<(), CognitoError> {
        let username = username.into();
        send!(
            "AdminSetUserMFAPreference",
            self.sdk()
                .admin_set_user_mfa_preference()
                .user_pool_id(self.pool())
                .username(username.as_str())
                .set_software_token_mfa_settings(preference.sdk_software_token())
                .set_sms_mfa_settings(preference.sdk_sms())
                .set_email_mfa_settings(preference.sdk_email())
        )?;
        Ok(())
    }

    /// A user's devices (`AdminListDevices`), page by page as the stream is read. One failed
    /// page is one `Err` item, and ends the stream.
    pub fn devices(
        &self,
        username: impl Into<Username>,
    ) -> impl Stream<Item = Result<Device, CognitoError>> + Send + 'static {
        let sdk = self.sdk().clone();
        let pool_id = self.pool().to_owned();
        let username = username.into();
        let pages = token_pages(
            move |token| {
                sdk.admin_list_devices()
                    .user_pool_id(&pool_id)
                    .username(username.as_str())
                    .limit(DEVICE_PAGE_SIZE)
                    .set_pagination_token(token)
                    .send()
            },
            |page| page.pagination_token(),
        );
        paged!(
            "AdminListDevices",
            pages,
            |page| page.pagination_token(),
            |page: &aws_sdk_cognitoidentityprovider::operation::admin_list_devices::AdminListDevicesOutput| {
                page.devices().iter().map(Device::of).collect::<Vec<_>>()
            }
        )
    }

    /// Every device of a user; see [`devices`](Self::devices).
    ///
    /// # Errors
    /// The first page that fails.
    pub async fn devices_all(
        &self,
        username: impl Into<Username>,
    ) -> Result<Vec<Device>, CognitoError> {
        futures_util::TryStreamExt::try_collect(self.devices(username)).await
    }

    /// Remembers a user's device, or stops remembering it (`AdminUpdateDeviceStatus`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::ResourceNotFound`], ...
    pub async fn set_device_remembered(
        &self,
        username: impl Into<Username>,
        device_key: &str,
        remembered: bool,
    ) -> Result<(), CognitoError> {
        let username = username.into();
        send!(
            "AdminUpdateDeviceStatus",
            self.sdk()
                .admin_update_device_status()
                .user_pool_id(self.pool())
                .username(username.as_str())
                .device_key(device_key)
                .device_remembered_status(remembered_status(remembered))
        )?;
        Ok(())
    }

    /// Forgets a user's device (`AdminForgetDevice`): it signs in as a new device again.
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::ResourceNotFound`], ...
    pub async fn forget_device(
        &self,
        username: impl Into<Username>,
        device_key: &str,
    ) -> Result<(), CognitoError> {
        let username = username.into();
        send!(
            "AdminForgetDevice",
            self.sdk()
                .admin_forget_device()
                .user_pool_id(self.pool())
                .username(username.as_str())
                .device_key(device_key)
        )?;
        Ok(())
    }
}
