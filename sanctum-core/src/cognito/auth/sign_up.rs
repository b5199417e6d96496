//! Self-service sign-up and forgotten passwords: [`Auth::sign_up`],
//! [`Auth::forgot_password`].

use std::fmt;

use serde::Serialize;

use super::super::users::CodeDelivery;
use super::super::{CognitoError, attribute_types};
use super::Auth;
use crate::credentials::{Password, Username};

/// A self-service sign-up for [`Auth::sign_up`]. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct SignUp {
    username: Username,
    password: Password,
    attributes: Vec<(String, String)>,
}

impl fmt::Debug for SignUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignUp")
            .field("username", &self.username)
            .field("password", &self.password)
            .field("attributes", &self.attributes)
            .finish()
    }
}

impl SignUp {
    /// Signs up `username` with `password`.
    pub fn new(username: impl Into<Username>, password: impl Into<Password>) -> Self {
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

/// The outcome of [`Auth::sign_up`].
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

macro_rules! send {
    ($op:literal, $request:expr) => {
        $request
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk($op, e))
    };
}

impl Auth<'_> {
    fn sdk(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        &self.client.inner.sdk
    }

    fn client_id(&self) -> &str {
        &self.client.inner.client_id
    }

    /// Signs a user up (`SignUp`, `SECRET_HASH` included when the client has a secret).
    ///
    /// # Errors
    /// [`CognitoError::UserExists`], [`CognitoError::InvalidPassword`], ...
    pub async fn sign_up(&self, sign_up: SignUp) -> Result<SignUpResult, CognitoError> {
        let attributes = attribute_types(sign_up.attributes)?;
        let username = sign_up.username.as_str();
        let out = send!(
            "SignUp",
            self.sdk()
                .sign_up()
                .client_id(self.client_id())
                .username(username)
                .password(sign_up.password.secret())
                .set_user_attributes(Some(attributes))
                .set_secret_hash(self.client.secret_hash(username))
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
    pub async fn confirm_sign_up(
        &self,
        username: impl Into<Username>,
        code: &str,
    ) -> Result<(), CognitoError> {
        let username = username.into();
        send!(
            "ConfirmSignUp",
            self.sdk()
                .confirm_sign_up()
                .client_id(self.client_id())
                .username(username.as_str())
                .confirmation_code(code)
                .set_secret_hash(self.client.secret_hash(username.as_str()))
        )?;
        Ok(())
    }

    /// Sends the sign-up confirmation code again (`ResendConfirmationCode`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::LimitExceeded`], ...
    pub async fn resend_confirmation_code(
        &self,
        username: impl Into<Username>,
    ) -> Result<Option<CodeDelivery>, CognitoError> {
        let username = username.into();
        let out = send!(
            "ResendConfirmationCode",
            self.sdk()
                .resend_confirmation_code()
                .client_id(self.client_id())
                .username(username.as_str())
                .set_secret_hash(self.client.secret_hash(username.as_str()))
        )?;
        Ok(out.code_delivery_details().map(CodeDelivery::from_sdk))
    }

    /// Starts a password reset: Cognito sends a code (`ForgotPassword`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::LimitExceeded`], ...
    pub async fn forgot_password(
        &self,
        username: impl Into<Username>,
    ) -> Result<Option<CodeDelivery>, CognitoError> {
        let username = username.into();
        let out = send!(
            "ForgotPassword",
            self.sdk()
                .forgot_password()
                .client_id(self.client_id())
                .username(username.as_str())
                .set_secret_hash(self.client.secret_hash(username.as_str()))
        )?;
        Ok(out.code_delivery_details().map(CodeDelivery::from_sdk))
    }

    /// Sets a new password with the code of [`forgot_password`](Self::forgot_password) or of
    /// an administrator's [`Users::reset_password`](super::super::Users::reset_password)
    /// (`ConfirmForgotPassword`).
    ///
    /// # Errors
    /// [`CognitoError::CodeMismatch`], [`CognitoError::ExpiredCode`],
    /// [`CognitoError::InvalidPassword`], ...
    pub async fn confirm_forgot_password(
        &self,
        username: impl Into<Username>,
        code: &str,
        new_password: impl Into<Password>,
    ) -> Result<(), CognitoError> {
        let username = username.into();
        send!(
            "ConfirmForgotPassword",
            self.sdk()
                .confirm_forgot_password()
                .client_id(self.client_id())
                .username(username.as_str())
                .confirmation_code(code)
                .password(new_password.into().secret())
                .set_secret_hash(self.client.secret_hash(username.as_str()))
        )?;
        Ok(())
    }
}
