//! What a user signs in with: [`PasswordFlow`], the first factors of choice-based sign-in
//! ([`FirstFactor`], [`SignInFactor`]) and the MFA kinds ([`MfaKind`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::super::CognitoError;
use crate::credentials::Password;

/// How [`Auth::sign_in`](super::Auth::sign_in) proves the user's password; set with
/// [`SanctumClientBuilder::password_flow`](super::super::SanctumClientBuilder::password_flow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PasswordFlow {
    /// `USER_SRP_AUTH` (the default, as Amplify and pycognito): the password never leaves the
    /// process; a proof of it does. The app client must allow `ALLOW_USER_SRP_AUTH`.
    #[default]
    Srp,
    /// `USER_PASSWORD_AUTH`: the password is sent to Cognito (over TLS). For app clients that
    /// allow only `ALLOW_USER_PASSWORD_AUTH`, and for emulators without SRP (moto).
    UserPassword,
}

impl std::str::FromStr for PasswordFlow {
    type Err = CognitoError;

    /// `srp` or `user-password` (also Cognito's `USER_SRP_AUTH`, `USER_PASSWORD_AUTH`),
    /// case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "srp" | "user-srp-auth" => Ok(Self::Srp),
            "user-password" | "user-password-auth" => Ok(Self::UserPassword),
            _ => Err(CognitoError::InvalidArgument {
                what: "password flow",
                reason: "not one of srp, user-password",
            }),
        }
    }
}

/// A first factor of choice-based sign-in (`USER_AUTH`), as Cognito names them in
/// `PREFERRED_CHALLENGE` and `AvailableChallenges`.
///
/// Example: [`Auth::user_auth`](crate::cognito::Auth::user_auth) and the
/// [`SignInStep`](crate::cognito::SignInStep) docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum FirstFactor {
    /// `PASSWORD`: the password, sent to Cognito (over TLS).
    Password,
    /// `PASSWORD_SRP`: the password, proved by SRP (it never leaves the process).
    PasswordSrp,
    /// `EMAIL_OTP`: a one-time code sent by email.
    EmailOtp,
    /// `SMS_OTP`: a one-time code sent by SMS.
    SmsOtp,
    /// `WEB_AUTHN`: a passkey.
    WebAuthn,
}

impl FirstFactor {
    /// Every first factor.
    pub const ALL: [Self; 5] = [
        Self::Password,
        Self::PasswordSrp,
        Self::EmailOtp,
        Self::SmsOtp,
        Self::WebAuthn,
    ];

    /// Cognito's name (`PASSWORD`, `PASSWORD_SRP`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "PASSWORD",
            Self::PasswordSrp => "PASSWORD_SRP",
            Self::EmailOtp => "EMAIL_OTP",
            Self::SmsOtp => "SMS_OTP",
            Self::WebAuthn => "WEB_AUTHN",
        }
    }

    /// The factor Cognito calls `name`, if it is one.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

impl fmt::Display for FirstFactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for FirstFactor {
    type Err = CognitoError;

    /// Cognito's name, or the variant's in kebab case (`password-srp`), case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase().replace('-', "_");
        let upper = match upper.as_str() {
            "WEBAUTHN" | "PASSKEY" => "WEB_AUTHN",
            other => other,
        };
        Self::parse(upper).ok_or(CognitoError::InvalidArgument {
            what: "first factor",
            reason: "not one of PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP, WEB_AUTHN",
        })
    }
}

/// A first factor with what it needs from the caller: the preferred factor of
/// [`Auth::user_auth`](super::Auth::user_auth), or the choice answering
/// [`SelectFactorStep`](super::SelectFactorStep). `Debug` hides passwords.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignInFactor {
    /// `PASSWORD`, with the password (sent to Cognito).
    Password(Password),
    /// `PASSWORD_SRP`, with the password (proved by SRP inside sanctum; never sent).
    PasswordSrp(Password),
    /// `EMAIL_OTP`: Cognito emails a code, asked for by the next step.
    EmailOtp,
    /// `SMS_OTP`: Cognito texts a code, asked for by the next step.
    SmsOtp,
    /// `WEB_AUTHN`: the next step carries the passkey request options.
    WebAuthn,
}

impl SignInFactor {
    /// Which factor.
    #[must_use]
    pub fn factor(&self) -> FirstFactor {
        match self {
            Self::Password(_) => FirstFactor::Password,
            Self::PasswordSrp(_) => FirstFactor::PasswordSrp,
            Self::EmailOtp => FirstFactor::EmailOtp,
            Self::SmsOtp => FirstFactor::SmsOtp,
            Self::WebAuthn => FirstFactor::WebAuthn,
        }
    }

    /// `factor` with `password` where it needs one (`Password`, `PasswordSrp`).
    #[must_use]
    pub fn with_password(factor: FirstFactor, password: impl Into<Password>) -> Self {
        match factor {
            FirstFactor::Password => Self::Password(password.into()),
            FirstFactor::PasswordSrp => Self::PasswordSrp(password.into()),
            FirstFactor::EmailOtp => Self::EmailOtp,
            FirstFactor::SmsOtp => Self::SmsOtp,
            FirstFactor::WebAuthn => Self::WebAuthn,
        }
    }

    pub(crate) fn check_password(&self) -> Result<(), CognitoError> {
        match self {
            Self::Password(p) | Self::PasswordSrp(p) => check_password(p),
            _ => Ok(()),
        }
    }
}

/// Refuses an empty password before any request.
pub(crate) fn check_password(password: &Password) -> Result<(), CognitoError> {
    if password.is_empty() {
        return Err(CognitoError::InvalidArgument {
            what: "password",
            reason: "must not be empty",
        });
    }
    Ok(())
}

/// A kind of MFA: what [`SelectMfaStep`](super::SelectMfaStep) offers and is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MfaKind {
    /// A code by SMS (`SMS_MFA`).
    Sms,
    /// A code from an authenticator app (`SOFTWARE_TOKEN_MFA`).
    Totp,
    /// A code by email (`EMAIL_OTP`).
    Email,
}

impl MfaKind {
    /// Cognito's challenge name for it, as sent in a `SELECT_MFA_TYPE` answer and listed in
    /// `MFAS_CAN_CHOOSE`: `SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP` (for email, as Amplify
    /// sends it; the API reference's `EMAIL_MFA` is no challenge name Cognito returns).
    #[must_use]
    pub fn challenge_name(self) -> &'static str {
        match self {
            Self::Sms => "SMS_MFA",
            Self::Totp => "SOFTWARE_TOKEN_MFA",
            Self::Email => "EMAIL_OTP",
        }
    }

    /// The kind Cognito names `name` (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP` or
    /// `EMAIL_MFA`), if it is one.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "SMS_MFA" => Some(Self::Sms),
            "SOFTWARE_TOKEN_MFA" => Some(Self::Totp),
            "EMAIL_OTP" | "EMAIL_MFA" => Some(Self::Email),
            _ => None,
        }
    }
}

impl fmt::Display for MfaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.challenge_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_and_mfa_names_round_trip() {
        for factor in FirstFactor::ALL {
            assert_eq!(FirstFactor::parse(factor.as_str()), Some(factor));
            assert_eq!(factor.to_string().parse::<FirstFactor>().ok(), Some(factor));
        }
        assert_eq!(
            "password-srp".parse::<FirstFactor>().ok(),
            Some(FirstFactor::PasswordSrp)
        );
        assert_eq!(
            "passkey".parse::<FirstFactor>().ok(),
            Some(FirstFactor::WebAuthn)
        );
        assert!("totp".parse::<FirstFactor>().is_err());
        for kind in [MfaKind::Sms, MfaKind::Totp, MfaKind::Email] {
            assert_eq!(MfaKind::parse(kind.challenge_name()), Some(kind));
        }
        assert_eq!(MfaKind::parse("EMAIL_MFA"), Some(MfaKind::Email));
        assert_eq!(MfaKind::parse("NEW_PASSWORD_REQUIRED"), None);
        assert_eq!(
            "user-password".parse::<PasswordFlow>().ok(),
            Some(PasswordFlow::UserPassword)
        );
        assert_eq!(
            "USER_SRP_AUTH".parse::<PasswordFlow>().ok(),
            Some(PasswordFlow::Srp)
        );
        assert!("plain".parse::<PasswordFlow>().is_err());
    }

    #[test]
    fn debug_of_factors_hides_passwords() {
        let shown = format!(
            "{:?} {:?}",
            SignInFactor::Password("PLAIN-PASSWORD".into()),
            SignInFactor::PasswordSrp("SRP-PASSWORD".into())
        );
        assert!(!shown.contains("PLAIN-PASSWORD") && !shown.contains("SRP-PASSWORD"));
        assert!(shown.contains("PasswordSrp"));
    }
}
