//! Software-token (TOTP) MFA and MFA preferences: [`Mfa`], [`MfaPreference`].

use std::fmt;

use aws_sdk_cognitoidentityprovider::types::{
    EmailMfaSettingsType, SmsMfaSettingsType, SoftwareTokenMfaSettingsType,
    VerifySoftwareTokenResponseType,
};

use super::{CognitoError, SanctumClient};
use crate::credentials::AccessToken;

/// The TOTP secret Cognito generated, to put into an authenticator app. `Debug` hides it.
///
/// Returned by [`Mfa::associate_software_token`], which shows the whole TOTP set-up.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SoftwareTokenSecret {
    /// The shared secret (base32, as authenticator apps take it).
    pub secret_code: String,
}

impl fmt::Debug for SoftwareTokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareTokenSecret")
            .field("secret_code", &"<redacted>")
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

    pub(crate) fn sdk_software_token(&self) -> Option<SoftwareTokenMfaSettingsType> {
        self.software_token.map(|(enabled, preferred)| {
            SoftwareTokenMfaSettingsType::builder()
                .enabled(enabled)
                .preferred_mfa(preferred)
                .build()
        })
    }

    pub(crate) fn sdk_sms(&self) -> Option<SmsMfaSettingsType> {
        self.sms.map(|(enabled, preferred)| {
            SmsMfaSettingsType::builder()
                .enabled(enabled)
                .preferred_mfa(preferred)
                .build()
        })
    }

    pub(crate) fn sdk_email(&self) -> Option<EmailMfaSettingsType> {
        self.email.map(|(enabled, preferred)| {
            EmailMfaSettingsType::builder()
                .enabled(enabled)
                .preferred_mfa(preferred)
                .build()
        })
    }
}

/// The signed-in user's TOTP MFA and MFA preference, with their access token; from
/// [`SignedInUser::mfa`](super::SignedInUser::mfa). During sign-in, an `MFA_SETUP` step is
/// set up through [`TotpSetupStep`](super::TotpSetupStep); an administrator sets a user's
/// preference with [`Users::set_mfa_preference`](super::Users::set_mfa_preference).
#[derive(Debug, Clone, Copy)]
pub struct Mfa<'a> {
    client: &'a SanctumClient,
    access_token: &'a AccessToken,
}

impl<'a> Mfa<'a> {
    pub(crate) fn new(client: &'a SanctumClient, access_token: &'a AccessToken) -> Self {
        Self {
            client,
            access_token,
        }
    }

    /// Starts TOTP enrolment (`AssociateSoftwareToken`): returns the secret for the user's
    /// authenticator app. Finish with [`verify_software_token`](Self::verify_software_token).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for an invalid token, ...
    pub async fn associate_software_token(&self) -> Result<SoftwareTokenSecret, CognitoError> {
        let (secret_code, _) = self
            .client
            .mfa_associate(Some(self.access_token), None)
            .await?;
        Ok(SoftwareTokenSecret { secret_code })
    }

    /// Finishes TOTP enrolment with a current code from the app (`VerifySoftwareToken`);
    /// `device_name` names the app for the user.
    ///
    /// # Errors
    /// [`CognitoError::CodeMismatch`] for a wrong code, [`CognitoError::NotAuthorized`], ...
    pub async fn verify_software_token(
        &self,
        code: &str,
        device_name: Option<&str>,
    ) -> Result<(), CognitoError> {
        self.client
            .mfa_verify(Some(self.access_token), None, code, device_name)
            .await?;
        Ok(())
    }

    /// Sets the signed-in user's MFA preference (`SetUserMFAPreference`).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`], [`CognitoError::InvalidParameter`] for a method not
    /// set up, ...
    pub async fn set_preference(&self, preference: MfaPreference) -> Result<(), CognitoError> {
        self.client
            .inner
            .sdk
            .set_user_mfa_preference()
            .access_token(self.access_token.secret())
            .set_software_token_mfa_settings(preference.sdk_software_token())
            .set_sms_mfa_settings(preference.sdk_sms())
            .set_email_mfa_settings(preference.sdk_email())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("SetUserMFAPreference", e))?;
        Ok(())
    }
}

impl SanctumClient {
    /// `AssociateSoftwareToken` with an access token or an `MFA_SETUP` session: the secret
    /// code, and the next session.
    pub(crate) async fn mfa_associate(
        &self,
        access_token: Option<&AccessToken>,
        session: Option<String>,
    ) -> Result<(String, Option<String>), CognitoError> {
        let out = self
            .inner
            .sdk
            .associate_software_token()
            .set_access_token(access_token.map(|t| t.secret().to_owned()))
            .set_session(session)
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
        Ok((secret_code, out.session().map(str::to_owned)))
    }

    /// `VerifySoftwareToken` with an access token or an `MFA_SETUP` session: the next session.
    pub(crate) async fn mfa_verify(
        &self,
        access_token: Option<&AccessToken>,
        session: Option<String>,
        code: &str,
        device_name: Option<&str>,
    ) -> Result<Option<String>, CognitoError> {
        let out = self
            .inner
            .sdk
            .verify_software_token()
            .user_code(code)
            .set_friendly_device_name(device_name.map(str::to_owned))
            .set_access_token(access_token.map(|t| t.secret().to_owned()))
            .set_session(session)
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("VerifySoftwareToken", e))?;
        if out.status() == Some(&VerifySoftwareTokenResponseType::Error) {
            return Err(CognitoError::UnexpectedResponse {
                operation: "VerifySoftwareToken",
                what: "status ERROR: the code was not accepted",
            });
        }
        Ok(out.session().map(str::to_owned))
    }
}
