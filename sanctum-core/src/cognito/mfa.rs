//! Software-token (TOTP) MFA and MFA preferences: [`Mfa`].

use std::fmt;

use aws_sdk_cognitoidentityprovider::types::{
    EmailMfaSettingsType, SmsMfaSettingsType, SoftwareTokenMfaSettingsType,
    VerifySoftwareTokenResponseType,
};

use super::{CognitoError, SanctumClient};

/// Who a software token is associated for: a signed-in user, or a user in the middle of an
/// `MFA_SETUP` challenge. `Debug` hides the token or session.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SoftwareTokenTarget {
    /// The signed-in user's access token.
    AccessToken(String),
    /// The session of an `MFA_SETUP` challenge.
    Session(String),
}

impl fmt::Debug for SoftwareTokenTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AccessToken(_) => f.write_str("AccessToken(<redacted>)"),
            Self::Session(_) => f.write_str("Session(<redacted>)"),
        }
    }
}

/// The TOTP secret Cognito generated, to put into an authenticator app. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SoftwareTokenSecret {
    /// The shared secret (base32, as authenticator apps take it).
    pub secret_code: String,
    /// The next session, when associating during `MFA_SETUP`.
    pub session: Option<String>,
}

impl fmt::Debug for SoftwareTokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareTokenSecret")
            .field("secret_code", &"<redacted>")
            .field("session", &self.session.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A verified software token. `Debug` hides the session.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SoftwareTokenVerified {
    /// The next session, when verifying during `MFA_SETUP`: answer the challenge with it
    /// ([`Challenge::with_session`](super::Challenge::with_session)).
    pub session: Option<String>,
}

impl fmt::Debug for SoftwareTokenVerified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareTokenVerified")
            .field("session", &self.session.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Which MFA methods a user has enabled and prefers; methods left unset are not changed.
///
/// ```
/// use sanctum_core::cognito::MfaPreference;
///
/// // TOTP on and preferred, SMS off
/// let preference = MfaPreference::new().software_token(true, true).sms(false, false);
/// # let _ = preference;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct MfaPreference {
    software_token: Option<(bool, bool)>,
    sms: Option<(bool, bool)>,
    email: Option<(bool, bool)>,
}

impl MfaPreference {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// TOTP: enabled, and preferred.
    pub fn software_token(mut self, enabled: bool, preferred: bool) -> Self {
        self.software_token = Some((enabled, preferred));
        self
    }

    /// SMS: enabled, and preferred.
    pub fn sms(mut self, enabled: bool, preferred: bool) -> Self {
        self.sms = Some((enabled, preferred));
        self
    }

    /// Email codes: enabled, and preferred.
    pub fn email(mut self, enabled: bool, preferred: bool) -> Self {
        self.email = Some((enabled, preferred));
        self
    }

    fn sdk_software_token(&self) -> Option<SoftwareTokenMfaSettingsType> {
        self.software_token.map(|(enabled, preferred)| {
            SoftwareTokenMfaSettingsType::builder()
                .enabled(enabled)
                .preferred_mfa(preferred)
                .build()
        })
    }

    fn sdk_sms(&self) -> Option<SmsMfaSettingsType> {
        self.sms.map(|(enabled, preferred)| {
            SmsMfaSettingsType::builder()
                .enabled(enabled)
                .preferred_mfa(preferred)
                .build()
        })
    }

    fn sdk_email(&self) -> Option<EmailMfaSettingsType> {
        self.email.map(|(enabled, preferred)| {
            EmailMfaSettingsType::builder()
                .enabled(enabled)
                .preferred_mfa(preferred)
                .build()
        })
    }
}

/// MFA operations; from [`SanctumClient::mfa`].
#[derive(Debug, Clone, Copy)]
pub struct Mfa<'a> {
    client: &'a SanctumClient,
}

impl<'a> Mfa<'a> {
    pub(crate) fn new(client: &'a SanctumClient) -> Self {
        Self { client }
    }

    /// Starts TOTP enrolment (`AssociateSoftwareToken`): returns the secret for the user's
    /// authenticator app. Finish with [`verify_software_token`](Self::verify_software_token).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for an invalid token or session, ...
    pub async fn associate_software_token(
        &self,
        target: SoftwareTokenTarget,
    ) -> Result<SoftwareTokenSecret, CognitoError> {
        let request = self.client.inner.sdk.associate_software_token();
        let request = match target {
            SoftwareTokenTarget::AccessToken(token) => request.access_token(token),
            SoftwareTokenTarget::Session(session) => request.session(session),
        };
        let out = request
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("AssociateSoftwareToken", e))?;
        let secret_code = out
            .secret_code()
            .ok_or(CognitoError::UnexpectedResponse {
                operation: "AssociateSoftwareToken",
                what: "no secret code in the response",
            })?
            .to_owned();
        Ok(SoftwareTokenSecret {
            secret_code,
            session: out.session().map(str::to_owned),
        })
    }

    /// Finishes TOTP enrolment with a current code from the app (`VerifySoftwareToken`).
    ///
    /// # Errors
    /// [`CognitoError::CodeMismatch`] for a wrong code, [`CognitoError::NotAuthorized`], ...
    pub async fn verify_software_token(
        &self,
        target: SoftwareTokenTarget,
        code: &str,
        device_name: Option<&str>,
    ) -> Result<SoftwareTokenVerified, CognitoError> {
        let request = self
            .client
            .inner
            .sdk
            .verify_software_token()
            .user_code(code)
            .set_friendly_device_name(device_name.map(str::to_owned));
        let request = match target {
            SoftwareTokenTarget::AccessToken(token) => request.access_token(token),
            SoftwareTokenTarget::Session(session) => request.session(session),
        };
        let out = request
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("VerifySoftwareToken", e))?;
        if out.status() == Some(&VerifySoftwareTokenResponseType::Error) {
            return Err(CognitoError::UnexpectedResponse {
                operation: "VerifySoftwareToken",
                what: "status ERROR: the code was not accepted",
            });
        }
        Ok(SoftwareTokenVerified {
            session: out.session().map(str::to_owned),
        })
    }

    /// Sets the signed-in user's MFA preference (`SetUserMFAPreference`).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`], [`CognitoError::InvalidParameter`] for a method not set
    /// up, ...
    pub async fn set_preference(
        &self,
        access_token: &str,
        preference: MfaPreference,
    ) -> Result<(), CognitoError> {
        self.client
            .inner
            .sdk
            .set_user_mfa_preference()
            .access_token(access_token)
            .set_software_token_mfa_settings(preference.sdk_software_token())
            .set_sms_mfa_settings(preference.sdk_sms())
            .set_email_mfa_settings(preference.sdk_email())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("SetUserMFAPreference", e))?;
        Ok(())
    }

    /// Sets a user's MFA preference as an administrator (`AdminSetUserMFAPreference`).
    ///
    /// # Errors
    /// [`CognitoError::UserNotFound`], [`CognitoError::InvalidParameter`], ...
    pub async fn admin_set_preference(
        &self,
        username: &str,
        preference: MfaPreference,
    ) -> Result<(), CognitoError> {
        let inner = &self.client.inner;
        inner
            .sdk
            .admin_set_user_mfa_preference()
            .user_pool_id(&inner.pool_id)
            .username(username)
            .set_software_token_mfa_settings(preference.sdk_software_token())
            .set_sms_mfa_settings(preference.sdk_sms())
            .set_email_mfa_settings(preference.sdk_email())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("AdminSetUserMFAPreference", e))?;
        Ok(())
    }
}
