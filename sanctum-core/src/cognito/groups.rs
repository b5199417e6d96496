//! Groups and membership: [`Groups`].

use aws_sdk_cognitoidentityprovider::types::GroupType;
use futures_core::Stream;
use serde::Serialize;

use super::paging::paged;
use super::users::User;
use super::{CognitoError, SanctumClient, send};
use crate::credentials::Username;

/// A group as Cognito describes it.
///
/// Returned by [`Groups::create`] and [`Groups::get`]; the [`crate::cognito`] docs show them in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Group {
    /// The group's name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its precedence (lower wins when a user is in several groups with IAM roles).
    pub precedence: Option<i32>,
    /// The IAM role of its members.
    pub role_arn: Option<String>,
    /// Creation time, Unix seconds.
    pub created: Option<i64>,
    /// Last modification time, Unix seconds.
    pub modified: Option<i64>,
}

impl Group {
    fn from_sdk(group: &GroupType) -> Self {
        Self {
            name: group.group_name().unwrap_or_default().to_owned(),
            description: group.description().map(str::to_owned),
            precedence: group.precedence(),
            role_arn: group.role_arn().map(str::to_owned),
            created: group.creation_date().map(|d| d.secs()),
            modified: group.last_modified_date().map(|d| d.secs()),
        }
    }
}

/// A group to create with [`Groups::create`].
///
/// ```
/// use sanctum_core::cognito::NewGroup;
///
/// let group = NewGroup::new("admin").description("Administrators").precedence(1);
/// # let _ = group;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct NewGroup {
    name: String,
    description: Option<String>,
    precedence: Option<i32>,
    role_arn: Option<String>,
}

impl NewGroup {
    /// A group named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: None,
            precedence: None,
            role_arn: None,
        }
    }

    /// Its description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Its precedence (a non-negative number; lower wins).
    pub fn precedence(mut self, precedence: i32) -> Self {
        self.precedence = Some(precedence);
        self
    }

    /// The IAM role of its members.
    pub fn role_arn(mut self, role_arn: impl Into<String>) -> Self {
        self.role_arn = Some(role_arn.into());
        self
    }
}

/// Changes to a group for [`Groups::update`]; unset fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct GroupUpdate {
    description: Option<String>,
    precedence: Option<i32>,
    role_arn: Option<String>,
}

impl GroupUpdate {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// A new precedence.
    pub fn precedence(mut self, precedence: i32) -> Self {
        self.precedence = Some(precedence);
        self
    }

    /// A new IAM role.
    pub fn role_arn(mut self, role_arn: impl Into<String>) -> Self {
        self.role_arn = Some(role_arn.into());
        self
    }
}

/// Groups and membership, with AWS credentials; from [`Admin::groups`](super::Admin::groups).
#[derive(Debug, Clone, Copy)]
pub struct Groups<'a> {
    client: &'a SanctumClient,
}

impl<'a> Groups<'a> {
    pub(crate) fn new(client: &'a SanctumClient) -> Self {
        Self { client }
    }

    fn sdk(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        &self.client.inner.sdk
    }

    fn pool(&self) -> &str {
        &self.client.inner.pool_id
    }

    /// Creates a group (`CreateGroup`).
    ///
    /// # Errors
    /// [`CognitoError::GroupExists`], [`CognitoError::InvalidParameter`], ...
    pub async fn create(&self, group: NewGroup) -> Result<Group, CognitoError> {
        let out = send!(
            "CreateGroup",
            self.sdk()
                .create_group()
                .user_pool_id(self.pool())
                .group_name(&group.name)
                .set_description(group.description)
                .set_precedence(group.precedence)
                .set_role_arn(group.role_arn)
        )?;
        out.group()
            .map(Group::from_sdk)
            .ok_or(CognitoError::UnexpectedResponse {
                operation: "CreateGroup",
                what: "no group in the response",
            })
    }

    /// Gets a group (`GetGroup`).
    ///
    /// # Errors
    /// [`CognitoError::ResourceNotFound`] when there is no such group.
    pub async fn get(&self, name: &str) -> Result<Group, CognitoError> {
        let out = send!(
            "GetGroup",
            self.sdk()
                .get_group()
                .user_pool_id(self.pool())
                .group_name(name)
        )?;
        out.group()
            .map(Group::from_sdk)
            .ok_or(CognitoError::UnexpectedResponse {
                operation: "GetGroup",
                what: "no group in the response",
            })
    }

    /// Changes a group (`UpdateGroup`).
    ///
    /// # Errors
    /// [`CognitoError::ResourceNotFound`], ...
    pub async fn update(&self, name: &str, update: GroupUpdate) -> Result<Group, CognitoError> {
        let out = send!(
            "UpdateGroup",
            self.sdk()
                .update_group()
                .user_pool_id(self.pool())
                .group_name(name)
                .set_description(update.description)
                .set_precedence(update.precedence)
                .set_role_arn(update.role_arn)
        )?;
        out.group()
            .map(Group::from_sdk)
            .ok_or(CognitoError::UnexpectedResponse {
                operation: "UpdateGroup",
                what: "no group in the response",
            })
    }

    /// Deletes a group (`DeleteGroup`); its members stay, without it.
    ///
    /// # Errors
    /// [`CognitoError::ResourceNotFound`], ...
    pub async fn delete(&self, name: &str) -> Result<(), CognitoError> {
        send!(
            "DeleteGroup",
            self.sdk()
                .delete_group()
                .user_pool_id(self.pool())
                .group_name(name)
        )?;
        Ok(())
    }

    /// Every group of the pool as a stream over the SDK's paginator (`ListGroups`); a page is
    /// fetched when the previous one is used up.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt as _;
    /// # async fn run(client: &sanctum_core::cognito::SanctumClient) -> Result<(), sanctum_core::cognito::CognitoError> {
    /// let mut groups = std::pin::pin!(client.admin().groups().list());
    /// while let Some(group) = groups.try_next().await? {
    ///     println!("{}", group.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> impl Stream<Item = Result<Group, CognitoError>> + Send + 'static {
        let pages = self
            .sdk()
            .list_groups()
            .user_pool_id(self.pool())
            .into_paginator()
            .stop_on_duplicate_token(false)
            .send();
        paged!("ListGroups", pages, |page| page.next_token(), |page: &_| {
            groups_of(page)
        })
    }

    /// Every group of the pool, collected.
    ///
    /// # Errors
    /// The first failed page.
    pub async fn list_all(&self) -> Result<Vec<Group>, CognitoError> {
        futures_util::TryStreamExt::try_collect(self.list()).await
    }

    /// Adds a user to a group (`AdminAddUserToGroup`); adding twice is not an error.
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::ResourceNotFound`] for a missing group, ...
    pub async fn add_user(
        &self,
        username: impl Into<Username>,
        group: &str,
    ) -> Result<(), CognitoError> {
        send!(
            "AdminAddUserToGroup",
            self.sdk()
                .admin_add_user_to_group()
                .user_pool_id(self.pool())
                .username(username.into().as_str())
                .group_name(group)
        )?;
        Ok(())
    }

    /// Removes a user from a group (`AdminRemoveUserFromGroup`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::ResourceNotFound`], ...
    pub async fn remove_user(
        &self,
        username: impl Into<Username>,
        group: &str,
    ) -> Result<(), CognitoError> {
        send!(
            "AdminRemoveUserFromGroup",
            self.sdk()
                .admin_remove_user_from_group()
                .user_pool_id(self.pool())
                .username(username.into().as_str())
                .group_name(group)
        )?;
        Ok(())
    }

    /// The groups a user is in, as a stream over the SDK's paginator
    /// (`AdminListGroupsForUser`); a missing user is the stream's one `Err`
    /// ([`CognitoError::UserNotFound`]).
    pub fn of_user(
        &self,
        username: impl Into<Username>,
    ) -> impl Stream<Item = Result<Group, CognitoError>> + Send + 'static {
        let pages = self
            .sdk()
            .admin_list_groups_for_user()
            .user_pool_id(self.pool())
            .username(username.into().as_str())
            .into_paginator()
            .stop_on_duplicate_token(false)
            .send();
        paged!(
            "AdminListGroupsForUser",
            pages,
            |page| page.next_token(),
            |page: &_| groups_of_user(page)
        )
    }

    /// The groups a user is in, collected.
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], the first failed page.
    pub async fn of_user_all(
        &self,
        username: impl Into<Username>,
    ) -> Result<Vec<Group>, CognitoError> {
        futures_util::TryStreamExt::try_collect(self.of_user(username)).await
    }

    /// The users in a group, as a stream over the SDK's paginator (`ListUsersInGroup`); a
    /// missing group is the stream's one `Err` ([`CognitoError::ResourceNotFound`]).
    pub fn users_in(
        &self,
        group: &str,
    ) -> impl Stream<Item = Result<User, CognitoError>> + Send + 'static {
        let pages = self
            .sdk()
            .list_users_in_group()
            .user_pool_id(self.pool())
            .group_name(group)
            .into_paginator()
            .stop_on_duplicate_token(false)
            .send();
        paged!(
            "ListUsersInGroup",
            pages,
            |page| page.next_token(),
            |page: &_| users_of_group(page)
        )
    }

    /// The users in a group, collected.
    ///
    /// # Errors
    /// [`CognitoError::ResourceNotFound`] for a missing group, the first failed page.
    pub async fn users_in_all(&self, group: &str) -> Result<Vec<User>, CognitoError> {
        futures_util::TryStreamExt::try_collect(self.users_in(group)).await
    }

    /// Whether a user is in a group, asked of Cognito (not of a token).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], ...
    pub async fn user_has_group(
        &self,
        username: impl Into<Username>,
        group: &str,
    ) -> Result<bool, CognitoError> {
        Ok(self
            .of_user_all(username)
            .await?
            .iter()
            .any(|g| g.name == group))
    }
}

fn groups_of(
    page: &aws_sdk_cognitoidentityprovider::operation::list_groups::ListGroupsOutput,
) -> Vec<Group> {
    page.groups().iter().map(Group::from_sdk).collect()
}

fn groups_of_user(
    page: &aws_sdk_cognitoidentityprovider::operation::admin_list_groups_for_user::AdminListGroupsForUserOutput,
) -> Vec<Group> {
    page.groups().iter().map(Group::from_sdk).collect()
}

fn users_of_group(
    page: &aws_sdk_cognitoidentityprovider::operation::list_users_in_group::ListUsersInGroupOutput,
) -> Vec<User> {
    page.users().iter().map(User::from_user_type).collect()
}
