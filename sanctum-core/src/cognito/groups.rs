//! Groups and membership: [`Groups`].

use aws_sdk_cognitoidentityprovider::types::GroupType;
use serde::Serialize;

use super::users::User;
use super::{CognitoError, SanctumClient};

/// At most this many pages are read by one listing, so a misbehaving server cannot keep a
/// listing going forever (60 groups a page: 60 000 groups).
const MAX_PAGES: usize = 1_000;

/// A group as Cognito describes it.
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

/// Group operations; from [`SanctumClient::groups`].
#[derive(Debug, Clone, Copy)]
pub struct Groups<'a> {
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

/// Follows `next_token`s until there is none. A token given twice, or more than
/// [`MAX_PAGES`] pages, is a [`CognitoError::UnexpectedResponse`] rather than an endless loop.
macro_rules! all_pages {
    ($op:literal, |$token:ident| $fetch:expr, |$page:ident| $take:expr) => {{
        let mut items = Vec::new();
        let mut $token: Option<String> = None;
        let mut complete = false;
        for _ in 0..MAX_PAGES {
            let $page = $fetch;
            items.extend($take);
            let next = $page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if next.is_none() {
                complete = true;
                break;
            }
            if next == $token {
                return Err(CognitoError::UnexpectedResponse {
                    operation: $op,
                    what: "the same page token twice",
                });
            }
            $token = next;
        }
        if complete {
            Ok(items)
        } else {
            Err(CognitoError::UnexpectedResponse {
                operation: $op,
                what: "more pages than sanctum reads (1000)",
            })
        }
    }};
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

    /// Every group of the pool, all pages (`ListGroups`).
    ///
    /// # Errors
    /// As any Cognito call.
    pub async fn list(&self) -> Result<Vec<Group>, CognitoError> {
        all_pages!(
            "ListGroups",
            |token| send!(
                "ListGroups",
                self.sdk()
                    .list_groups()
                    .user_pool_id(self.pool())
                    .set_next_token(token.clone())
            )?,
            |page| page.groups().iter().map(Group::from_sdk)
        )
    }

    /// Adds a user to a group (`AdminAddUserToGroup`); adding twice is not an error.
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::ResourceNotFound`] for a missing group, ...
    pub async fn add_user(&self, username: &str, group: &str) -> Result<(), CognitoError> {
        send!(
            "AdminAddUserToGroup",
            self.sdk()
                .admin_add_user_to_group()
                .user_pool_id(self.pool())
                .username(username)
                .group_name(group)
        )?;
        Ok(())
    }

    /// Removes a user from a group (`AdminRemoveUserFromGroup`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::ResourceNotFound`], ...
    pub async fn remove_user(&self, username: &str, group: &str) -> Result<(), CognitoError> {
        send!(
            "AdminRemoveUserFromGroup",
            self.sdk()
                .admin_remove_user_from_group()
                .user_pool_id(self.pool())
                .username(username)
                .group_name(group)
        )?;
        Ok(())
    }

    /// The groups a user is in, all pages (`AdminListGroupsForUser`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], ...
    pub async fn of_user(&self, username: &str) -> Result<Vec<Group>, CognitoError> {
        all_pages!(
            "AdminListGroupsForUser",
            |token| send!(
                "AdminListGroupsForUser",
                self.sdk()
                    .admin_list_groups_for_user()
                    .user_pool_id(self.pool())
                    .username(username)
                    .set_next_token(token.clone())
            )?,
            |page| page.groups().iter().map(Group::from_sdk)
        )
    }

    /// The users in a group, all pages (`ListUsersInGroup`).
    ///
    /// # Errors
    /// [`CognitoError::ResourceNotFound`] for a missing group, ...
    pub async fn users_in(&self, group: &str) -> Result<Vec<User>, CognitoError> {
        all_pages!(
            "ListUsersInGroup",
            |token| send!(
                "ListUsersInGroup",
                self.sdk()
                    .list_users_in_group()
                    .user_pool_id(self.pool())
                    .group_name(group)
                    .set_next_token(token.clone())
            )?,
            |page| page.users().iter().map(User::from_user_type)
        )
    }

    /// Whether a user is in a group, asked of Cognito (not of a token).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], ...
    pub async fn user_has_group(&self, username: &str, group: &str) -> Result<bool, CognitoError> {
        Ok(self
            .of_user(username)
            .await?
            .iter()
            .any(|g| g.name == group))
    }
}

impl SanctumClient {
    /// Creates a group; see [`Groups::create`].
    ///
    /// # Errors
    /// As [`Groups::create`].
    pub async fn create_group(&self, group: NewGroup) -> Result<Group, CognitoError> {
        self.groups().create(group).await
    }

    /// Adds a user to a group; see [`Groups::add_user`].
    ///
    /// # Errors
    /// As [`Groups::add_user`].
    pub async fn add_user_to_group(&self, username: &str, group: &str) -> Result<(), CognitoError> {
        self.groups().add_user(username, group).await
    }

    /// Whether a user is in a group; see [`Groups::user_has_group`].
    ///
    /// # Errors
    /// As [`Groups::user_has_group`].
    pub async fn user_has_group(&self, username: &str, group: &str) -> Result<bool, CognitoError> {
        self.groups().user_has_group(username, group).await
    }
}
