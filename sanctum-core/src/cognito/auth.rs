//! Sign-in flows, challenges and tokens: [`Auth`].

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::Ordering;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType,
};

use super::devices::{DeviceSecret, NewDevice};
use super::srp::{SrpChallenge, SrpSecret, cognito_timestamp};
use super::{Attributes, CognitoError, SanctumClient};

/// The tokens of a successful sign-in. `Debug` shows no token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tokens {
    /// The access token, for your APIs and for Cognito's own user calls.
    pub access_token: String,
    /// The ID token (absent only on unusual flows).
    pub id_token: Option<String>,
    /// The refresh token. After a refresh that did not rotate it, the one used to refresh.
    pub refresh_token: Option<String>,
    /// Seconds until the access token expires.
    pub expires_in: i32,
    /// The token type, `Bearer`.
    pub token_type: Option<String>,
    /// A device Cognito saw for the first time (`NewDeviceMetadata`, when the pool tracks
    /// devices): confirm it with [`Devices::confirm`](super::Devices::confirm) to remember it.
    pub new_device: Option<NewDevice>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<redacted>")
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .field("new_device", &self.new_device)
            .finish()
    }
}

/// The name of a sign-in challenge.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChallengeName {
    /// `NEW_PASSWORD_REQUIRED`: a user created by an administrator signs in for the first time.
    NewPasswordRequired,
    /// `SMS_MFA`: a code was sent by SMS.
    SmsMfa,
    /// `SOFTWARE_TOKEN_MFA`: a TOTP code from the user's authenticator app.
    SoftwareTokenMfa,
    /// `EMAIL_OTP`: a code was sent by email.
    EmailOtp,
    /// `SELECT_MFA_TYPE`: the user picks SMS, TOTP or email.
    SelectMfaType,
    /// `MFA_SETUP`: MFA is required and the user has none yet.
    MfaSetup,
    /// `CUSTOM_CHALLENGE`: a challenge of the pool's Lambda triggers.
    CustomChallenge,
    /// `PASSWORD_VERIFIER`: the second step of SRP.
    PasswordVerifier,
    /// `DEVICE_SRP_AUTH`: device authentication.
    DeviceSrpAuth,
    /// `DEVICE_PASSWORD_VERIFIER`: device authentication, second step.
    DevicePasswordVerifier,
    /// `SELECT_CHALLENGE`: choice-based sign-in (`USER_AUTH`) asks which first factor to use,
    /// among [`Challenge::available_factors`].
    SelectChallenge,
    /// `PASSWORD`: choice-based sign-in asks for the password.
    Password,
    /// `PASSWORD_SRP`: choice-based sign-in asks for an SRP proof of the password.
    PasswordSrp,
    /// `SMS_OTP`: a one-time code was sent by SMS as the first factor.
    SmsOtp,
    /// `WEB_AUTHN`: sign in with a passkey; see [`Challenge::credential_request_options`].
    WebAuthn,
    /// Any other challenge, by its Cognito name.
    Other(String),
}

impl ChallengeName {
    /// Parses Cognito's name (`NEW_PASSWORD_REQUIRED`, ...); unknown names are kept in `Other`.
    #[must_use]
    pub fn parse(name: &str) -> Self {
        match name {
            "NEW_PASSWORD_REQUIRED" => Self::NewPasswordRequired,
            "SMS_MFA" => Self::SmsMfa,
            "SOFTWARE_TOKEN_MFA" => Self::SoftwareTokenMfa,
            "EMAIL_OTP" => Self::EmailOtp,
            "SELECT_MFA_TYPE" => Self::SelectMfaType,
            "MFA_SETUP" => Self::MfaSetup,
            "CUSTOM_CHALLENGE" => Self::CustomChallenge,
            "PASSWORD_VERIFIER" => Self::PasswordVerifier,
            "DEVICE_SRP_AUTH" => Self::DeviceSrpAuth,
            "DEVICE_PASSWORD_VERIFIER" => Self::DevicePasswordVerifier,
            "SELECT_CHALLENGE" => Self::SelectChallenge,
            "PASSWORD" => Self::Password,
            "PASSWORD_SRP" => Self::PasswordSrp,
            "SMS_OTP" => Self::SmsOtp,
            "WEB_AUTHN" => Self::WebAuthn,
            other => Self::Other(other.to_owned()),
        }
    }

    /// What answering this challenge needs.
    #[must_use]
    pub fn answer_kind(&self) -> AnswerKind {
        match self {
            Self::NewPasswordRequired => AnswerKind::NewPassword,
            Self::SmsMfa => AnswerKind::SmsMfaCode,
            Self::SoftwareTokenMfa => AnswerKind::SoftwareTokenMfaCode,
            Self::EmailOtp => AnswerKind::EmailOtpCode,
            Self::SelectMfaType => AnswerKind::MfaTypeChoice,
            Self::MfaSetup => AnswerKind::MfaSetup,
            Self::CustomChallenge => AnswerKind::CustomAnswer,
            Self::PasswordVerifier | Self::DevicePasswordVerifier => AnswerKind::SrpProof,
            Self::DeviceSrpAuth => AnswerKind::DeviceSecret,
            Self::SelectChallenge => AnswerKind::FactorChoice,
            Self::Password => AnswerKind::Password,
            Self::PasswordSrp => AnswerKind::PasswordSrp,
            Self::SmsOtp => AnswerKind::SmsOtpCode,
            Self::WebAuthn => AnswerKind::WebAuthnCredential,
            Self::Other(_) => AnswerKind::RawResponses,
        }
    }

    /// Cognito's name of the challenge.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
            Self::SmsMfa => "SMS_MFA",
            Self::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
            Self::EmailOtp => "EMAIL_OTP",
            Self::SelectMfaType => "SELECT_MFA_TYPE",
            Self::MfaSetup => "MFA_SETUP",
            Self::CustomChallenge => "CUSTOM_CHALLENGE",
            Self::PasswordVerifier => "PASSWORD_VERIFIER",
            Self::DeviceSrpAuth => "DEVICE_SRP_AUTH",
            Self::DevicePasswordVerifier => "DEVICE_PASSWORD_VERIFIER",
            Self::SelectChallenge => "SELECT_CHALLENGE",
            Self::Password => "PASSWORD",
            Self::PasswordSrp => "PASSWORD_SRP",
            Self::SmsOtp => "SMS_OTP",
            Self::WebAuthn => "WEB_AUTHN",
            Self::Other(name) => name,
        }
    }
}

impl fmt::Display for ChallengeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What answering a challenge needs: see [`Challenge::expects`] and [`ChallengeAnswer::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AnswerKind {
    /// A new password (and any required attributes): [`ChallengeAnswer::NewPassword`].
    NewPassword,
    /// The code sent by SMS: [`ChallengeAnswer::SmsMfaCode`].
    SmsMfaCode,
    /// The current TOTP code: [`ChallengeAnswer::SoftwareTokenMfaCode`].
    SoftwareTokenMfaCode,
    /// The code sent by email: [`ChallengeAnswer::EmailOtpCode`].
    EmailOtpCode,
    /// The MFA kind chosen among [`Challenge::mfa_choices`]: [`ChallengeAnswer::SelectMfaType`].
    MfaTypeChoice,
    /// A verified software token, then [`ChallengeAnswer::MfaSetup`].
    MfaSetup,
    /// The answer a Lambda trigger checks: [`ChallengeAnswer::CustomChallenge`].
    CustomAnswer,
    /// An SRP proof, which sanctum computes itself during [`Auth::user_srp`]; never answered by
    /// hand except with [`ChallengeAnswer::Responses`].
    SrpProof,
    /// The first factor chosen among [`Challenge::available_factors`]:
    /// [`ChallengeAnswer::SelectChallenge`].
    FactorChoice,
    /// The password: [`ChallengeAnswer::Password`].
    Password,
    /// The password, proved by SRP inside sanctum: [`ChallengeAnswer::PasswordSrp`].
    PasswordSrp,
    /// The one-time code sent by SMS: [`ChallengeAnswer::SmsOtpCode`].
    SmsOtpCode,
    /// The browser's passkey assertion: [`ChallengeAnswer::WebAuthnCredential`].
    WebAuthnCredential,
    /// The remembered device's secret, proved by SRP inside sanctum: [`ChallengeAnswer::Device`].
    DeviceSecret,
    /// Raw challenge responses: [`ChallengeAnswer::Responses`] (the only answer to a challenge
    /// sanctum has no type for).
    RawResponses,
}

impl AnswerKind {
    /// A short description, as in error messages.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::NewPassword => "a new password",
            Self::SmsMfaCode => "the SMS code",
            Self::SoftwareTokenMfaCode => "a TOTP code",
            Self::EmailOtpCode => "the email code",
            Self::MfaTypeChoice => "a choice of MFA type",
            Self::MfaSetup => "a verified software token (MfaSetup)",
            Self::CustomAnswer => "a custom challenge answer",
            Self::SrpProof => "an SRP proof",
            Self::FactorChoice => "a choice of first factor",
            Self::Password => "the password",
            Self::PasswordSrp => "the password (for SRP)",
            Self::SmsOtpCode => "the SMS one-time code",
            Self::WebAuthnCredential => "a passkey credential",
            Self::DeviceSecret => "a remembered device's secret",
            Self::RawResponses => "raw challenge responses",
        }
    }
}

impl fmt::Display for AnswerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A first factor of choice-based sign-in (`USER_AUTH`), as Cognito names them in
/// `PREFERRED_CHALLENGE` and `AvailableChallenges`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
/// [`Auth::user_auth`], or the choice answering `SELECT_CHALLENGE`
/// ([`ChallengeAnswer::SelectChallenge`]). `Debug` hides passwords.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignInFactor {
    /// `PASSWORD`, with the password (sent to Cognito).
    Password(String),
    /// `PASSWORD_SRP`, with the password (proved by SRP inside sanctum; never sent).
    PasswordSrp(String),
    /// `EMAIL_OTP`: Cognito emails a code, asked for by the next challenge.
    EmailOtp,
    /// `SMS_OTP`: Cognito texts a code, asked for by the next challenge.
    SmsOtp,
    /// `WEB_AUTHN`: the next challenge carries the passkey request options.
    WebAuthn,
}

impl fmt::Debug for SignInFactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password(_) => f.write_str("Password(<redacted>)"),
            Self::PasswordSrp(_) => f.write_str("PasswordSrp(<redacted>)"),
            Self::EmailOtp => f.write_str("EmailOtp"),
            Self::SmsOtp => f.write_str("SmsOtp"),
            Self::WebAuthn => f.write_str("WebAuthn"),
        }
    }
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
    pub fn with_password(factor: FirstFactor, password: &str) -> Self {
        match factor {
            FirstFactor::Password => Self::Password(password.to_owned()),
            FirstFactor::PasswordSrp => Self::PasswordSrp(password.to_owned()),
            FirstFactor::EmailOtp => Self::EmailOtp,
            FirstFactor::SmsOtp => Self::SmsOtp,
            FirstFactor::WebAuthn => Self::WebAuthn,
        }
    }

    fn check_password(&self) -> Result<(), CognitoError> {
        match self {
            Self::Password(p) | Self::PasswordSrp(p) if p.is_empty() => {
                Err(CognitoError::InvalidArgument {
                    what: "password",
                    reason: "must not be empty",
                })
            }
            _ => Ok(()),
        }
    }
}

/// How [`SanctumClient::authenticate_user`] proves the user's password; set with
/// [`SanctumClientBuilder::password_flow`](super::SanctumClientBuilder::password_flow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PasswordFlow {
    /// `USER_SRP_AUTH` (the default, as Amplify and pycognito): the password never leaves the
    /// process; a proof of it does. The app client must allow `ALLOW_USER_SRP_AUTH`.
    #[default]
    Srp,
    /// `USER_PASSWORD_AUTH`: the password is sent to Cognito (over TLS). For app clients that
    /// allow only `ALLOW_USER_PASSWORD_AUTH`.
    UserPassword,
}

/// Challenge parameters whose values `Debug` may show: they name things, they prove nothing.
const SHOWN_PARAMETERS: [&str; 7] = [
    "CODE_DELIVERY_DELIVERY_MEDIUM",
    "CODE_DELIVERY_DESTINATION",
    "MFAS_CAN_CHOOSE",
    "MFAS_CAN_SETUP",
    "requiredAttributes",
    "USER_ID_FOR_SRP",
    "USERNAME",
];

/// The next step Cognito asks for, with the session that links the answer to this sign-in.
///
/// Answer it with [`SanctumClient::respond_to_auth_challenge`]; the answer goes through the same
/// API (user or admin) the sign-in used. A challenge can also be rebuilt from stored parts with
/// [`Challenge::new`] (e.g. when the session travelled through a browser).
///
/// [`expects`](Self::expects) says what answering it needs; an answer of another kind is
/// refused before any request ([`CognitoError::WrongAnswer`]). `Debug` hides the session and the
/// value of every parameter that could prove anything (`SECRET_BLOCK`, `SRP_B`, `SALT`, ...).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Challenge {
    /// Which challenge.
    pub name: ChallengeName,
    /// The user name Cognito knows (`USER_ID_FOR_SRP` when Cognito sent it, else the name
    /// signed in with); used for `USERNAME` and `SECRET_HASH` in the answer.
    pub username: String,
    /// The session to send back with the answer.
    pub session: Option<String>,
    /// The challenge's parameters as Cognito sent them (e.g. `requiredAttributes`,
    /// `CODE_DELIVERY_DESTINATION`, `MFAS_CAN_SETUP`).
    pub parameters: HashMap<String, String>,
    /// For `SELECT_CHALLENGE`: Cognito's `AvailableChallenges` (see
    /// [`available_factors`](Self::available_factors)); empty otherwise.
    pub available_challenges: Vec<ChallengeName>,
    admin: bool,
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Challenge")
            .field("name", &self.name)
            .field("username", &self.username)
            .field("session", &self.session.as_ref().map(|_| "<redacted>"))
            .field("parameters", &DebugParameters(&self.parameters))
            .field("available_challenges", &self.available_challenges)
            .field("admin", &self.admin)
            .finish()
    }
}

struct DebugParameters<'a>(&'a HashMap<String, String>);

impl fmt::Debug for DebugParameters<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.0.keys().collect();
        names.sort();
        let mut map = f.debug_map();
        for name in names {
            if SHOWN_PARAMETERS.contains(&name.as_str()) {
                map.entry(name, &self.0[name]);
            } else {
                map.entry(name, &"<redacted>");
            }
        }
        map.finish()
    }
}

impl Challenge {
    /// What answering this challenge needs (from its name).
    #[must_use]
    pub fn expects(&self) -> AnswerKind {
        self.name.answer_kind()
    }

    /// For `SELECT_MFA_TYPE`: the MFA kinds the user may choose (`MFAS_CAN_CHOOSE`); for
    /// `MFA_SETUP`: those they may set up (`MFAS_CAN_SETUP`). Empty for other challenges.
    #[must_use]
    pub fn mfa_choices(&self) -> Vec<ChallengeName> {
        let key = match self.name {
            ChallengeName::SelectMfaType => "MFAS_CAN_CHOOSE",
            ChallengeName::MfaSetup => "MFAS_CAN_SETUP",
            _ => return Vec::new(),
        };
        self.parameters
            .get(key)
            .and_then(|raw| serde_json::from_str::<Vec<String>>(raw).ok())
            .unwrap_or_default()
            .iter()
            .map(|name| ChallengeName::parse(name))
            .collect()
    }

    /// For `SELECT_CHALLENGE`: the first factors the user may choose (Cognito's
    /// `AvailableChallenges` that are first factors).
    #[must_use]
    pub fn available_factors(&self) -> Vec<FirstFactor> {
        self.available_challenges
            .iter()
            .filter_map(|name| FirstFactor::parse(name.as_str()))
            .collect()
    }

    /// For `WEB_AUTHN`: the passkey request options (`CREDENTIAL_REQUEST_OPTIONS`, the
    /// `PublicKeyCredentialRequestOptionsJSON` to hand to the browser's
    /// `navigator.credentials.get`); `None` when absent or not JSON.
    #[must_use]
    pub fn credential_request_options(&self) -> Option<serde_json::Value> {
        self.parameters
            .get("CREDENTIAL_REQUEST_OPTIONS")
            .and_then(|raw| serde_json::from_str(raw).ok())
    }

    /// Where a code was sent (`CODE_DELIVERY_DESTINATION`, masked by Cognito), for SMS and email
    /// challenges.
    #[must_use]
    pub fn code_destination(&self) -> Option<&str> {
        self.parameters
            .get("CODE_DELIVERY_DESTINATION")
            .map(String::as_str)
    }

    /// A challenge rebuilt from its parts, answered through the user API
    /// (`RespondToAuthChallenge`); see [`via_admin_api`](Self::via_admin_api).
    pub fn new(name: ChallengeName, username: impl Into<String>, session: Option<String>) -> Self {
        Self {
            name,
            username: username.into(),
            session,
            parameters: HashMap::new(),
            available_challenges: Vec::new(),
            admin: false,
        }
    }

    /// Answers through the admin API (`AdminRespondToAuthChallenge`), as for a challenge of an
    /// admin sign-in.
    #[must_use]
    pub fn via_admin_api(mut self) -> Self {
        self.admin = true;
        self
    }

    /// Replaces the session, e.g. with the one [`Mfa::verify_software_token`](super::Mfa::verify_software_token)
    /// returns during `MFA_SETUP`.
    #[must_use]
    pub fn with_session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(session.into());
        self
    }

    /// Whether the answer goes through the admin API.
    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.admin
    }

    /// The attributes `NEW_PASSWORD_REQUIRED` asks for (`requiredAttributes`), without the
    /// `userAttributes.` prefix.
    #[must_use]
    pub fn required_attributes(&self) -> Vec<String> {
        self.parameters
            .get("requiredAttributes")
            .and_then(|raw| serde_json::from_str::<Vec<String>>(raw).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|a| {
                a.strip_prefix("userAttributes.")
                    .map(str::to_owned)
                    .unwrap_or(a)
            })
            .collect()
    }
}

/// An answer to a [`Challenge`]; its [`kind`](Self::kind) must be what the challenge
/// [`expects`](Challenge::expects). `Debug` hides passwords, codes and raw values.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChallengeAnswer {
    /// For `NEW_PASSWORD_REQUIRED`: the new password and any required attributes.
    NewPassword {
        /// The new password.
        password: String,
        /// Attributes to set (`name` → value), e.g. those of [`Challenge::required_attributes`].
        attributes: Attributes,
    },
    /// For `SMS_MFA`: the code received by SMS.
    SmsMfaCode(String),
    /// For `SOFTWARE_TOKEN_MFA`: the current TOTP code.
    SoftwareTokenMfaCode(String),
    /// For `EMAIL_OTP`: the code received by email.
    EmailOtpCode(String),
    /// For `SELECT_MFA_TYPE`: the chosen kind, [`ChallengeName::SmsMfa`],
    /// [`ChallengeName::SoftwareTokenMfa`] or [`ChallengeName::EmailOtp`], sent as its
    /// challenge name (`EMAIL_OTP` for email, as Amplify sends it and as `MFAS_CAN_CHOOSE`
    /// names it; the API reference's `EMAIL_MFA` is no challenge name Cognito returns).
    SelectMfaType(ChallengeName),
    /// For `MFA_SETUP`, once the software token is verified (use the challenge with the session
    /// the verification returned).
    MfaSetup,
    /// For `CUSTOM_CHALLENGE`: the answer your Lambda trigger checks.
    CustomChallenge(String),
    /// For `SELECT_CHALLENGE`: the chosen first factor, one of
    /// [`Challenge::available_factors`]. With [`SignInFactor::PasswordSrp`] sanctum sends
    /// `SRP_A` and answers the `PASSWORD_VERIFIER` that follows in the same call.
    SelectChallenge(SignInFactor),
    /// For `PASSWORD`: the password.
    Password(String),
    /// For `PASSWORD_SRP`: the password, proved by SRP in the same call (never sent).
    PasswordSrp(String),
    /// For `SMS_OTP`: the code received by SMS.
    SmsOtpCode(String),
    /// For `WEB_AUTHN`: the browser's credential (`AuthenticationResponseJSON`, what
    /// `navigator.credentials.get` returned, as JSON), sent as `CREDENTIAL`.
    WebAuthnCredential(serde_json::Value),
    /// For `DEVICE_SRP_AUTH`: the remembered device's secret; sanctum sends `SRP_A` and answers
    /// the `DEVICE_PASSWORD_VERIFIER` that follows in the same call.
    Device(DeviceSecret),
    /// Raw challenge responses, accepted for any challenge (the way to answer one sanctum has
    /// no type for); `USERNAME` and `SECRET_HASH` are added.
    Responses(HashMap<String, String>),
}

impl fmt::Debug for ChallengeAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NewPassword { attributes, .. } => f
                .debug_struct("NewPassword")
                .field("password", &"<redacted>")
                .field("attributes", attributes)
                .finish(),
            Self::SmsMfaCode(_) => f.write_str("SmsMfaCode(<redacted>)"),
            Self::SoftwareTokenMfaCode(_) => f.write_str("SoftwareTokenMfaCode(<redacted>)"),
            Self::EmailOtpCode(_) => f.write_str("EmailOtpCode(<redacted>)"),
            Self::SelectMfaType(kind) => f.debug_tuple("SelectMfaType").field(kind).finish(),
            Self::MfaSetup => f.write_str("MfaSetup"),
            Self::CustomChallenge(_) => f.write_str("CustomChallenge(<redacted>)"),
            Self::SelectChallenge(factor) => {
                f.debug_tuple("SelectChallenge").field(factor).finish()
            }
            Self::Password(_) => f.write_str("Password(<redacted>)"),
            Self::PasswordSrp(_) => f.write_str("PasswordSrp(<redacted>)"),
            Self::SmsOtpCode(_) => f.write_str("SmsOtpCode(<redacted>)"),
            Self::WebAuthnCredential(_) => f.write_str("WebAuthnCredential(<redacted>)"),
            Self::Device(device) => f.debug_tuple("Device").field(device).finish(),
            Self::Responses(map) => f
                .debug_tuple("Responses")
                .field(&map.keys().collect::<Vec<_>>())
                .finish(),
        }
    }
}

impl ChallengeAnswer {
    /// A `NEW_PASSWORD_REQUIRED` answer without attributes.
    pub fn new_password(password: impl Into<String>) -> Self {
        Self::NewPassword {
            password: password.into(),
            attributes: Attributes::new(),
        }
    }

    /// What kind of answer this is.
    #[must_use]
    pub fn kind(&self) -> AnswerKind {
        match self {
            Self::NewPassword { .. } => AnswerKind::NewPassword,
            Self::SmsMfaCode(_) => AnswerKind::SmsMfaCode,
            Self::SoftwareTokenMfaCode(_) => AnswerKind::SoftwareTokenMfaCode,
            Self::EmailOtpCode(_) => AnswerKind::EmailOtpCode,
            Self::SelectMfaType(_) => AnswerKind::MfaTypeChoice,
            Self::MfaSetup => AnswerKind::MfaSetup,
            Self::CustomChallenge(_) => AnswerKind::CustomAnswer,
            Self::SelectChallenge(_) => AnswerKind::FactorChoice,
            Self::Password(_) => AnswerKind::Password,
            Self::PasswordSrp(_) => AnswerKind::PasswordSrp,
            Self::SmsOtpCode(_) => AnswerKind::SmsOtpCode,
            Self::WebAuthnCredential(_) => AnswerKind::WebAuthnCredential,
            Self::Device(_) => AnswerKind::DeviceSecret,
            Self::Responses(_) => AnswerKind::RawResponses,
        }
    }

    /// Refuses, before any request, an answer that cannot be right for `challenge`: one of
    /// another kind, an empty password or code, or an MFA type the challenge does not offer.
    pub(crate) fn check(&self, challenge: &Challenge) -> Result<(), CognitoError> {
        let given = self.kind();
        let expected = challenge.expects();
        if given != AnswerKind::RawResponses && given != expected {
            return Err(CognitoError::WrongAnswer {
                challenge: challenge.name.as_str().to_owned(),
                expected,
                given,
            });
        }
        match self {
            Self::NewPassword { password, .. } if password.is_empty() => {
                Err(CognitoError::InvalidArgument {
                    what: "password",
                    reason: "must not be empty",
                })
            }
            Self::Password(password) | Self::PasswordSrp(password) if password.is_empty() => {
                Err(CognitoError::InvalidArgument {
                    what: "password",
                    reason: "must not be empty",
                })
            }
            Self::SmsMfaCode(code)
            | Self::SoftwareTokenMfaCode(code)
            | Self::EmailOtpCode(code)
            | Self::SmsOtpCode(code)
                if code.trim().is_empty() =>
            {
                Err(CognitoError::InvalidArgument {
                    what: "code",
                    reason: "must not be empty",
                })
            }
            Self::SelectMfaType(kind) => {
                let offered = challenge.mfa_choices();
                let is_mfa = matches!(
                    kind,
                    ChallengeName::SmsMfa
                        | ChallengeName::SoftwareTokenMfa
                        | ChallengeName::EmailOtp
                );
                if !is_mfa || (!offered.is_empty() && !offered.contains(kind)) {
                    return Err(CognitoError::InvalidArgument {
                        what: "MFA type",
                        reason: "not one the challenge offers (see Challenge::mfa_choices)",
                    });
                }
                Ok(())
            }
            Self::SelectChallenge(factor) => {
                let offered = challenge.available_factors();
                if !challenge.available_challenges.is_empty() && !offered.contains(&factor.factor())
                {
                    return Err(CognitoError::InvalidArgument {
                        what: "first factor",
                        reason: "not one the challenge offers (see Challenge::available_factors)",
                    });
                }
                factor.check_password()
            }
            Self::WebAuthnCredential(credential) if !credential.is_object() => {
                Err(CognitoError::InvalidArgument {
                    what: "credential",
                    reason: "must be the browser's credential as a JSON object",
                })
            }
            Self::Device(device) => device.check(),
            _ => Ok(()),
        }
    }

    /// The challenge responses to send for `challenge`, `SECRET_HASH` included when given.
    pub(crate) fn responses(
        &self,
        challenge: &Challenge,
        secret_hash: Option<String>,
    ) -> HashMap<String, String> {
        let mut responses = HashMap::new();
        match self {
            Self::NewPassword {
                password,
                attributes,
            } => {
                responses.insert("NEW_PASSWORD".to_owned(), password.clone());
                for (name, value) in attributes {
                    responses.insert(format!("userAttributes.{name}"), value.clone());
                }
            }
            Self::SmsMfaCode(code) => {
                responses.insert("SMS_MFA_CODE".to_owned(), code.clone());
            }
            Self::SoftwareTokenMfaCode(code) => {
                responses.insert("SOFTWARE_TOKEN_MFA_CODE".to_owned(), code.clone());
            }
            Self::EmailOtpCode(code) => {
                responses.insert("EMAIL_OTP_CODE".to_owned(), code.clone());
            }
            Self::SelectMfaType(kind) => {
                responses.insert("ANSWER".to_owned(), kind.as_str().to_owned());
            }
            Self::MfaSetup => {}
            Self::CustomChallenge(answer) => {
                responses.insert("ANSWER".to_owned(), answer.clone());
            }
            Self::SelectChallenge(factor) => {
                responses.insert("ANSWER".to_owned(), factor.factor().as_str().to_owned());
                if let SignInFactor::Password(password) = factor {
                    responses.insert("PASSWORD".to_owned(), password.clone());
                }
            }
            Self::Password(password) => {
                responses.insert("PASSWORD".to_owned(), password.clone());
            }
            Self::SmsOtpCode(code) => {
                responses.insert("SMS_OTP_CODE".to_owned(), code.clone());
            }
            Self::WebAuthnCredential(credential) => {
                responses.insert("CREDENTIAL".to_owned(), credential.to_string());
            }
            // the SRP steps add SRP_A (and DEVICE_KEY) themselves: see Auth::respond
            Self::PasswordSrp(_) | Self::Device(_) => {}
            Self::Responses(raw) => responses.extend(raw.clone()),
        }
        responses.insert("USERNAME".to_owned(), challenge.username.clone());
        if let Some(hash) = secret_hash {
            responses.insert("SECRET_HASH".to_owned(), hash);
        }
        responses
    }
}

/// What a sign-in step gives: tokens, or the next challenge (there is no third outcome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthResult {
    /// Signed in.
    Tokens(Tokens),
    /// Cognito asks for another step.
    Challenge(Challenge),
}

impl AuthResult {
    /// The tokens, or [`CognitoError::UnexpectedResponse`] naming the challenge's absence of
    /// tokens when a challenge came instead.
    ///
    /// # Errors
    /// When the result is a challenge.
    pub fn into_tokens(self) -> Result<Tokens, CognitoError> {
        match self {
            Self::Tokens(tokens) => Ok(tokens),
            Self::Challenge(challenge) => {
                tracing::debug!(challenge = %challenge.name, "expected tokens, got a challenge");
                Err(CognitoError::UnexpectedResponse {
                    operation: "sign-in",
                    what: "a challenge came instead of tokens",
                })
            }
        }
    }

    /// The challenge, if this is one.
    #[must_use]
    pub fn challenge(&self) -> Option<&Challenge> {
        match self {
            Self::Challenge(c) => Some(c),
            Self::Tokens(_) => None,
        }
    }

    /// The tokens, if signed in.
    #[must_use]
    pub fn tokens(&self) -> Option<&Tokens> {
        match self {
            Self::Tokens(t) => Some(t),
            Self::Challenge(_) => None,
        }
    }
}

/// Sign-in flows, challenges and tokens; from [`SanctumClient::auth`].
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    client: &'a SanctumClient,
}

struct RawAuth<'r> {
    result: Option<&'r AuthenticationResultType>,
    challenge: Option<&'r ChallengeNameType>,
    session: Option<&'r str>,
    parameters: Option<&'r HashMap<String, String>>,
    available: &'r [ChallengeNameType],
}

impl<'a> Auth<'a> {
    pub(crate) fn new(client: &'a SanctumClient) -> Self {
        Self { client }
    }

    fn password_parameters(&self, username: &str, password: &str) -> HashMap<String, String> {
        let mut params = HashMap::from([
            ("USERNAME".to_owned(), username.to_owned()),
            ("PASSWORD".to_owned(), password.to_owned()),
        ]);
        self.add_secret_hash(&mut params, username);
        params
    }

    fn add_secret_hash(&self, params: &mut HashMap<String, String>, username: &str) {
        if let Some(hash) = self.client.secret_hash(username) {
            params.insert("SECRET_HASH".to_owned(), hash);
        }
    }

    /// Signs in with user name (or alias) and password: `USER_PASSWORD_AUTH` through
    /// `InitiateAuth`. The app client must allow that flow.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for a wrong password or a disabled user,
    /// [`CognitoError::UserNotFound`], [`CognitoError::UserNotConfirmed`],
    /// [`CognitoError::PasswordResetRequired`], ...
    pub async fn user_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<AuthResult, CognitoError> {
        let params = self.password_parameters(username, password);
        self.initiate(AuthFlowType::UserPasswordAuth, username, params)
            .await
    }

    /// Signs in from the server with AWS credentials: `ADMIN_USER_PASSWORD_AUTH` through
    /// `AdminInitiateAuth`.
    ///
    /// # Errors
    /// As [`user_password`](Self::user_password).
    pub async fn admin_user_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<AuthResult, CognitoError> {
        let params = self.password_parameters(username, password);
        self.admin_initiate(AuthFlowType::AdminUserPasswordAuth, username, params)
            .await
    }

    /// Signs in from the server with the older `ADMIN_NO_SRP_AUTH` flow name (same parameters as
    /// [`admin_user_password`](Self::admin_user_password)).
    ///
    /// # Errors
    /// As [`user_password`](Self::user_password).
    pub async fn admin_no_srp(
        &self,
        username: &str,
        password: &str,
    ) -> Result<AuthResult, CognitoError> {
        let params = self.password_parameters(username, password);
        self.admin_initiate(AuthFlowType::AdminNoSrpAuth, username, params)
            .await
    }

    /// Starts `CUSTOM_AUTH` (the pool's Lambda triggers define the challenges) through
    /// `InitiateAuth`; the result is normally a `CUSTOM_CHALLENGE`.
    ///
    /// # Errors
    /// As [`user_password`](Self::user_password).
    pub async fn custom(&self, username: &str) -> Result<AuthResult, CognitoError> {
        let mut params = HashMap::from([("USERNAME".to_owned(), username.to_owned())]);
        self.add_secret_hash(&mut params, username);
        self.initiate(AuthFlowType::CustomAuth, username, params)
            .await
    }

    /// Starts `CUSTOM_AUTH` through `AdminInitiateAuth`.
    ///
    /// # Errors
    /// As [`user_password`](Self::user_password).
    pub async fn admin_custom(&self, username: &str) -> Result<AuthResult, CognitoError> {
        let mut params = HashMap::from([("USERNAME".to_owned(), username.to_owned())]);
        self.add_secret_hash(&mut params, username);
        self.admin_initiate(AuthFlowType::CustomAuth, username, params)
            .await
    }

    /// Signs in with user name (or alias) and password by the client's
    /// [`PasswordFlow`]: [`user_srp`](Self::user_srp) (the default) or
    /// [`user_password`](Self::user_password).
    ///
    /// # Errors
    /// As [`user_srp`](Self::user_srp).
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<AuthResult, CognitoError> {
        match self.client.inner.password_flow {
            PasswordFlow::Srp => self.user_srp(username, password).await,
            PasswordFlow::UserPassword => self.user_password(username, password).await,
        }
    }

    /// Signs in with user name (or alias) and password by `USER_SRP_AUTH`: the password never
    /// leaves the process. Sends `SRP_A` (from a new random secret), answers Cognito's
    /// `PASSWORD_VERIFIER` with the proof (`USERNAME` and `SECRET_HASH` of the
    /// `USER_ID_FOR_SRP` Cognito names, and the `Session` it returned), and gives what comes next:
    /// tokens, or the next challenge (MFA, a new password, ...). The app client must allow
    /// `ALLOW_USER_SRP_AUTH`.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for a wrong password or a disabled user,
    /// [`CognitoError::UserNotFound`], [`CognitoError::InvalidParameter`] when the app client
    /// does not allow the flow, [`CognitoError::Srp`] when the server's SRP values are malformed
    /// or unsafe, ...
    pub async fn user_srp(
        &self,
        username: &str,
        password: &str,
    ) -> Result<AuthResult, CognitoError> {
        self.user_srp_inner(username, password, None).await
    }

    /// [`user_srp`](Self::user_srp) from a remembered device: `DEVICE_KEY` goes with the sign-in
    /// and the password proof; when Cognito then asks the device to prove itself
    /// (`DEVICE_SRP_AUTH`, in place of MFA), sanctum answers it and the
    /// `DEVICE_PASSWORD_VERIFIER` that follows with the device's secret, in the same call.
    ///
    /// # Errors
    /// As [`user_srp`](Self::user_srp); [`CognitoError::InvalidArgument`] for an incomplete
    /// device secret; [`CognitoError::NotAuthorized`] when Cognito refuses the device's proof
    /// (a forgotten device, a wrong device password).
    pub async fn user_srp_with_device(
        &self,
        username: &str,
        password: &str,
        device: &DeviceSecret,
    ) -> Result<AuthResult, CognitoError> {
        device.check()?;
        self.user_srp_inner(username, password, Some(device)).await
    }

    async fn user_srp_inner(
        &self,
        username: &str,
        password: &str,
        device: Option<&DeviceSecret>,
    ) -> Result<AuthResult, CognitoError> {
        let secret = SrpSecret::generate_off_workers().await?;
        let mut params = HashMap::from([
            ("USERNAME".to_owned(), username.to_owned()),
            ("SRP_A".to_owned(), secret.srp_a()),
        ]);
        self.add_secret_hash(&mut params, username);
        if let Some(device) = device {
            params.insert("DEVICE_KEY".to_owned(), device.device_key.clone());
        }
        let result = self
            .initiate(AuthFlowType::UserSrpAuth, username, params)
            .await?;
        self.continue_srp(result, &secret, password, device).await
    }

    /// Signs in by choice-based authentication (`USER_AUTH`), optionally preferring a first
    /// factor (`PREFERRED_CHALLENGE`). The app client must allow `ALLOW_USER_AUTH`.
    ///
    /// - `None`: Cognito answers `SELECT_CHALLENGE` with the factors the user may choose
    ///   ([`Challenge::available_factors`]); answer it with [`ChallengeAnswer::SelectChallenge`].
    /// - [`SignInFactor::Password`]: the password goes with the request (`PASSWORD`).
    /// - [`SignInFactor::PasswordSrp`]: `SRP_A` goes with the request and sanctum answers the
    ///   `PASSWORD_VERIFIER` in the same call; the password never leaves the process.
    /// - [`SignInFactor::EmailOtp`], [`SignInFactor::SmsOtp`]: Cognito sends a code and asks for
    ///   it (`EMAIL_OTP`, `SMS_OTP`).
    /// - [`SignInFactor::WebAuthn`]: Cognito asks for a passkey (`WEB_AUTHN`, with
    ///   [`Challenge::credential_request_options`] for the browser).
    ///
    /// When Cognito answers `SELECT_CHALLENGE` although a factor was preferred, and lists that
    /// factor, sanctum chooses it in the same call. The result is tokens or the next challenge
    /// (an MFA code, a new password, ...).
    ///
    /// # Errors
    /// As [`user_srp`](Self::user_srp); [`CognitoError::InvalidArgument`] (nothing sent) for an
    /// empty password; [`CognitoError::NotAuthorized`] when the app client does not allow
    /// `USER_AUTH`.
    pub async fn user_auth(
        &self,
        username: &str,
        preferred: Option<SignInFactor>,
    ) -> Result<AuthResult, CognitoError> {
        self.user_auth_inner(username, preferred, None).await
    }

    /// [`user_auth`](Self::user_auth) from a remembered device (`DEVICE_KEY`); a
    /// `DEVICE_SRP_AUTH` that follows the first factor is answered with the device's secret in
    /// the same call, as in [`user_srp_with_device`](Self::user_srp_with_device).
    ///
    /// # Errors
    /// As [`user_auth`](Self::user_auth) and [`user_srp_with_device`](Self::user_srp_with_device).
    pub async fn user_auth_with_device(
        &self,
        username: &str,
        preferred: Option<SignInFactor>,
        device: &DeviceSecret,
    ) -> Result<AuthResult, CognitoError> {
        device.check()?;
        self.user_auth_inner(username, preferred, Some(device))
            .await
    }

    async fn user_auth_inner(
        &self,
        username: &str,
        preferred: Option<SignInFactor>,
        device: Option<&DeviceSecret>,
    ) -> Result<AuthResult, CognitoError> {
        if let Some(factor) = &preferred {
            factor.check_password()?;
        }
        let mut params = HashMap::from([("USERNAME".to_owned(), username.to_owned())]);
        self.add_secret_hash(&mut params, username);
        if let Some(device) = device {
            params.insert("DEVICE_KEY".to_owned(), device.device_key.clone());
        }
        let mut srp = None;
        if let Some(factor) = &preferred {
            params.insert(
                "PREFERRED_CHALLENGE".to_owned(),
                factor.factor().as_str().to_owned(),
            );
            match factor {
                SignInFactor::Password(password) => {
                    params.insert("PASSWORD".to_owned(), password.clone());
                }
                SignInFactor::PasswordSrp(_) => {
                    let secret = SrpSecret::generate_off_workers().await?;
                    params.insert("SRP_A".to_owned(), secret.srp_a());
                    srp = Some(secret);
                }
                SignInFactor::EmailOtp | SignInFactor::SmsOtp | SignInFactor::WebAuthn => {}
            }
        }
        let result = self
            .initiate(AuthFlowType::UserAuth, username, params)
            .await?;
        let AuthResult::Challenge(challenge) = result else {
            return Ok(result);
        };
        match (&preferred, &srp) {
            (Some(SignInFactor::PasswordSrp(password)), Some(secret))
                if challenge.name == ChallengeName::PasswordVerifier =>
            {
                let result = self
                    .answer_password_verifier(&challenge, secret, password, device)
                    .await?;
                self.continue_device(result, device).await
            }
            (Some(factor), _)
                if challenge.name == ChallengeName::SelectChallenge
                    && challenge.available_factors().contains(&factor.factor()) =>
            {
                tracing::debug!(factor = %factor.factor(), "SELECT_CHALLENGE despite a preferred factor: choosing it");
                self.respond_inner(
                    &challenge,
                    ChallengeAnswer::SelectChallenge(factor.clone()),
                    device,
                )
                .await
            }
            _ => {
                self.continue_device(AuthResult::Challenge(challenge), device)
                    .await
            }
        }
    }

    /// After `SRP_A` was sent: answers a `PASSWORD_VERIFIER` with the proof, then a
    /// `DEVICE_SRP_AUTH` with the device (when there is one).
    async fn continue_srp(
        &self,
        result: AuthResult,
        secret: &SrpSecret,
        password: &str,
        device: Option<&DeviceSecret>,
    ) -> Result<AuthResult, CognitoError> {
        match result {
            AuthResult::Challenge(challenge)
                if challenge.name == ChallengeName::PasswordVerifier =>
            {
                let result = self
                    .answer_password_verifier(&challenge, secret, password, device)
                    .await?;
                self.continue_device(result, device).await
            }
            other => Ok(other),
        }
    }

    /// Answers a `DEVICE_SRP_AUTH` with `device`, when both are there.
    async fn continue_device(
        &self,
        result: AuthResult,
        device: Option<&DeviceSecret>,
    ) -> Result<AuthResult, CognitoError> {
        match (result, device) {
            (AuthResult::Challenge(challenge), Some(device))
                if challenge.name == ChallengeName::DeviceSrpAuth =>
            {
                self.answer_device(&challenge, device).await
            }
            (other, _) => Ok(other),
        }
    }

    /// `DEVICE_SRP_AUTH` (`DEVICE_KEY`, a new `SRP_A`), then the `DEVICE_PASSWORD_VERIFIER` proof.
    async fn answer_device(
        &self,
        challenge: &Challenge,
        device: &DeviceSecret,
    ) -> Result<AuthResult, CognitoError> {
        let secret = SrpSecret::generate_off_workers().await?;
        let responses = HashMap::from([
            ("DEVICE_KEY".to_owned(), device.device_key.clone()),
            ("SRP_A".to_owned(), secret.srp_a()),
        ]);
        let next = self
            .send_answer(challenge, &ChallengeAnswer::Responses(responses))
            .await?;
        let AuthResult::Challenge(verifier) = next else {
            return Ok(next);
        };
        if verifier.name != ChallengeName::DevicePasswordVerifier {
            return Ok(AuthResult::Challenge(verifier));
        }
        let timestamp = cognito_timestamp(self.client.inner.clock.now());
        let claim = secret
            .device_password_claim_off_workers(
                &device.device_group_key,
                &device.device_key,
                &device.device_password,
                &srp_parameters(&verifier)?,
                &timestamp,
            )
            .await?;
        let responses = HashMap::from([
            ("DEVICE_KEY".to_owned(), device.device_key.clone()),
            ("PASSWORD_CLAIM_SECRET_BLOCK".to_owned(), claim.secret_block),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), claim.signature),
            ("TIMESTAMP".to_owned(), claim.timestamp),
        ]);
        self.send_answer(&verifier, &ChallengeAnswer::Responses(responses))
            .await
    }

    async fn answer_password_verifier(
        &self,
        challenge: &Challenge,
        secret: &SrpSecret,
        password: &str,
        device: Option<&DeviceSecret>,
    ) -> Result<AuthResult, CognitoError> {
        let inner = &self.client.inner;
        // `challenge.username` is USER_ID_FOR_SRP when Cognito sent it
        let timestamp = cognito_timestamp(inner.clock.now());
        let claim = secret
            .password_claim_off_workers(
                &inner.pool_id,
                &challenge.username,
                password,
                &srp_parameters(challenge)?,
                &timestamp,
            )
            .await?;
        let mut responses = HashMap::from([
            ("PASSWORD_CLAIM_SECRET_BLOCK".to_owned(), claim.secret_block),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), claim.signature),
            ("TIMESTAMP".to_owned(), claim.timestamp),
        ]);
        if let Some(device) = device {
            responses.insert("DEVICE_KEY".to_owned(), device.device_key.clone());
        }
        self.send_answer(challenge, &ChallengeAnswer::Responses(responses))
            .await
    }

    /// Gets new tokens with a refresh token, by whichever operation the endpoint has, so the
    /// caller need not know whether the app client rotates refresh tokens:
    ///
    /// 1. `GetTokensFromRefreshToken` (with the client secret, when there is one). Cognito
    ///    answers it for every app client; with rotation on, it returns a new refresh token (the
    ///    old one then works at most once more, within the client's grace period), and it is the
    ///    only operation that refreshes at all — `REFRESH_TOKEN_AUTH` is then refused.
    /// 2. `REFRESH_TOKEN_AUTH` only when the endpoint does not know the operation: an answer
    ///    without an exception name (`HTTP 500`, `HTTP 404`, ...) or an unknown-operation one, as
    ///    from Cognito-compatible emulators older than the operation. Once `REFRESH_TOKEN_AUTH`
    ///    then succeeds, this client uses it directly from then on. A refusal of the token
    ///    itself (`NotAuthorized`: expired, revoked, rotated away) never falls back.
    ///
    /// `username` is needed only for `REFRESH_TOKEN_AUTH` when the app client has a secret
    /// (`SECRET_HASH`); it must then be the name Cognito knows the user by — the access token's
    /// `username` claim ([`CognitoClaims::username`](crate::CognitoClaims::username)), not an
    /// email alias. The returned [`Tokens::refresh_token`] is the new one when Cognito rotated
    /// it, else `refresh_token`.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] when the refresh token is expired, revoked or rotated
    /// away; [`CognitoError::InvalidArgument`] when `REFRESH_TOKEN_AUTH` is needed with a client
    /// secret and no `username` was given.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        username: Option<&str>,
    ) -> Result<Tokens, CognitoError> {
        let fallen_back = &self.client.inner.refresh_token_auth_only;
        if !fallen_back.load(Ordering::Relaxed) {
            match self.get_tokens_from_refresh_token(refresh_token).await {
                Err(err) if lacks_operation(&err) => {
                    tracing::debug!(error = %err, "no GetTokensFromRefreshToken here: trying REFRESH_TOKEN_AUTH");
                }
                other => return other,
            }
            let tokens = self.refresh_token_auth(refresh_token, username).await?;
            fallen_back.store(true, Ordering::Relaxed);
            return Ok(tokens);
        }
        self.refresh_token_auth(refresh_token, username).await
    }

    /// Gets new tokens with `GetTokensFromRefreshToken` (the client secret is sent when there is
    /// one). With rotation on, [`Tokens::refresh_token`] is the new refresh token; else it is
    /// `refresh_token`. See [`refresh`](Self::refresh), which picks the operation for you.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] when the refresh token is expired, revoked or rotated away.
    pub async fn get_tokens_from_refresh_token(
        &self,
        refresh_token: &str,
    ) -> Result<Tokens, CognitoError> {
        const OPERATION: &str = "GetTokensFromRefreshToken";
        let inner = &self.client.inner;
        tracing::debug!("GetTokensFromRefreshToken");
        let out = inner
            .sdk
            .get_tokens_from_refresh_token()
            .client_id(&inner.client_id)
            .refresh_token(refresh_token)
            .set_client_secret(self.client.client_secret_value())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk(OPERATION, e))?;
        let result = out
            .authentication_result()
            .ok_or(CognitoError::UnexpectedResponse {
                operation: OPERATION,
                what: "no authentication result",
            })?;
        let mut tokens = tokens_of(OPERATION, result)?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.to_owned());
        }
        Ok(tokens)
    }

    /// Gets new tokens with `REFRESH_TOKEN_AUTH` through `InitiateAuth`; refused by Cognito when
    /// the app client rotates refresh tokens. See [`refresh`](Self::refresh) for `username` and
    /// for the operation it picks for you.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] when the refresh token is expired or revoked;
    /// [`CognitoError::InvalidArgument`] without `username` when the app client has a secret.
    pub async fn refresh_token_auth(
        &self,
        refresh_token: &str,
        username: Option<&str>,
    ) -> Result<Tokens, CognitoError> {
        let mut params = HashMap::from([("REFRESH_TOKEN".to_owned(), refresh_token.to_owned())]);
        if self.client.has_client_secret() {
            let username = username.ok_or(CognitoError::InvalidArgument {
                what: "username",
                reason: "REFRESH_TOKEN_AUTH with a client secret needs the user name Cognito knows (the access token's `username` claim) for SECRET_HASH",
            })?;
            self.add_secret_hash(&mut params, username);
        }
        let result = self
            .initiate(
                AuthFlowType::RefreshTokenAuth,
                username.unwrap_or_default(),
                params,
            )
            .await?;
        let mut tokens = result.into_tokens()?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.to_owned());
        }
        Ok(tokens)
    }

    /// Revokes a refresh token (`RevokeToken`, with the client secret when there is one): it
    /// refreshes no more, and neither do the tokens it refreshed (Cognito also stops accepting
    /// the access tokens issued from it in its own user calls).
    ///
    /// # Errors
    /// [`CognitoError::Service`] with `UnsupportedTokenTypeException` for a token that is not a
    /// refresh token, `UnauthorizedException` when the app client may not revoke, ...
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), CognitoError> {
        let inner = &self.client.inner;
        tracing::debug!("RevokeToken");
        inner
            .sdk
            .revoke_token()
            .client_id(&inner.client_id)
            .token(refresh_token)
            .set_client_secret(self.client.client_secret_value())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("RevokeToken", e))?;
        Ok(())
    }

    /// Answers `challenge` in one call, through the same API (user or admin) that raised it.
    /// The result is tokens or the next challenge.
    ///
    /// An answer that cannot be right is refused before any request: one of another kind than
    /// [`Challenge::expects`] ([`CognitoError::WrongAnswer`]; [`ChallengeAnswer::Responses`] is
    /// accepted for any challenge), an empty password or code, an MFA type not offered.
    ///
    /// # Errors
    /// [`CognitoError::WrongAnswer`], [`CognitoError::InvalidArgument`] (nothing sent);
    /// [`CognitoError::CodeMismatch`] for a wrong code, [`CognitoError::InvalidPassword`] for a
    /// new password the policy refuses, [`CognitoError::NotAuthorized`] for an expired session, ...
    pub async fn respond(
        &self,
        challenge: &Challenge,
        answer: ChallengeAnswer,
    ) -> Result<AuthResult, CognitoError> {
        self.respond_inner(challenge, answer, None).await
    }

    async fn respond_inner(
        &self,
        challenge: &Challenge,
        answer: ChallengeAnswer,
        device: Option<&DeviceSecret>,
    ) -> Result<AuthResult, CognitoError> {
        answer.check(challenge)?;
        match &answer {
            ChallengeAnswer::SelectChallenge(SignInFactor::PasswordSrp(password)) => {
                let secret = SrpSecret::generate_off_workers().await?;
                let responses = HashMap::from([
                    (
                        "ANSWER".to_owned(),
                        FirstFactor::PasswordSrp.as_str().to_owned(),
                    ),
                    ("SRP_A".to_owned(), secret.srp_a()),
                ]);
                let next = self
                    .send_answer(challenge, &ChallengeAnswer::Responses(responses))
                    .await?;
                self.continue_srp(next, &secret, password, device).await
            }
            ChallengeAnswer::PasswordSrp(password) => {
                let secret = SrpSecret::generate_off_workers().await?;
                let responses = HashMap::from([("SRP_A".to_owned(), secret.srp_a())]);
                let next = self
                    .send_answer(challenge, &ChallengeAnswer::Responses(responses))
                    .await?;
                self.continue_srp(next, &secret, password, device).await
            }
            ChallengeAnswer::Device(device) => self.answer_device(challenge, device).await,
            _ => {
                let next = self.send_answer(challenge, &answer).await?;
                self.continue_device(next, device).await
            }
        }
    }

    async fn send_answer(
        &self,
        challenge: &Challenge,
        answer: &ChallengeAnswer,
    ) -> Result<AuthResult, CognitoError> {
        let responses = answer.responses(challenge, self.client.secret_hash(&challenge.username));
        let name = ChallengeNameType::from(challenge.name.as_str());
        let inner = &self.client.inner;
        tracing::debug!(challenge = %challenge.name, username = %challenge.username, admin = challenge.admin, "answering challenge");
        if challenge.admin {
            let out = inner
                .sdk
                .admin_respond_to_auth_challenge()
                .user_pool_id(&inner.pool_id)
                .client_id(&inner.client_id)
                .challenge_name(name)
                .set_challenge_responses(Some(responses))
                .set_session(challenge.session.clone())
                .send()
                .await
                .map_err(|e| CognitoError::from_sdk("AdminRespondToAuthChallenge", e))?;
            to_result(
                "AdminRespondToAuthChallenge",
                &challenge.username,
                true,
                RawAuth {
                    result: out.authentication_result(),
                    challenge: out.challenge_name(),
                    session: out.session(),
                    parameters: out.challenge_parameters(),
                    available: out.available_challenges(),
                },
            )
        } else {
            let out = inner
                .sdk
                .respond_to_auth_challenge()
                .client_id(&inner.client_id)
                .challenge_name(name)
                .set_challenge_responses(Some(responses))
                .set_session(challenge.session.clone())
                .send()
                .await
                .map_err(|e| CognitoError::from_sdk("RespondToAuthChallenge", e))?;
            to_result(
                "RespondToAuthChallenge",
                &challenge.username,
                false,
                RawAuth {
                    result: out.authentication_result(),
                    challenge: out.challenge_name(),
                    session: out.session(),
                    parameters: out.challenge_parameters(),
                    available: out.available_challenges(),
                },
            )
        }
    }

    /// Signs the user out everywhere with their access token (`GlobalSignOut`): their refresh
    /// tokens are revoked and Cognito refuses their access tokens. With a revocation store, the
    /// user's tokens are recorded as revoked (see
    /// [`SanctumClientBuilder::revocations`](super::SanctumClientBuilder::revocations)).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] when the token is already invalid;
    /// [`CognitoError::RevocationNotRecorded`] when Cognito signed the user out but the token
    /// names no `sub` to record.
    pub async fn global_sign_out(&self, access_token: &str) -> Result<(), CognitoError> {
        let date = super::revoke::ResponseDate::default();
        self.client
            .inner
            .sdk
            .global_sign_out()
            .access_token(access_token)
            .customize()
            .interceptor(date.clone())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("GlobalSignOut", e))?;
        self.client
            .record_own_sign_out("GlobalSignOut", access_token, &date)
    }

    async fn initiate(
        &self,
        flow: AuthFlowType,
        username: &str,
        params: HashMap<String, String>,
    ) -> Result<AuthResult, CognitoError> {
        tracing::debug!(flow = flow.as_str(), username, "InitiateAuth");
        let inner = &self.client.inner;
        let out = inner
            .sdk
            .initiate_auth()
            .client_id(&inner.client_id)
            .auth_flow(flow)
            .set_auth_parameters(Some(params))
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("InitiateAuth", e))?;
        to_result(
            "InitiateAuth",
            username,
            false,
            RawAuth {
                result: out.authentication_result(),
                challenge: out.challenge_name(),
                session: out.session(),
                parameters: out.challenge_parameters(),
                available: out.available_challenges(),
            },
        )
    }

    async fn admin_initiate(
        &self,
        flow: AuthFlowType,
        username: &str,
        params: HashMap<String, String>,
    ) -> Result<AuthResult, CognitoError> {
        tracing::debug!(flow = flow.as_str(), username, "AdminInitiateAuth");
        let inner = &self.client.inner;
        let out = inner
            .sdk
            .admin_initiate_auth()
            .user_pool_id(&inner.pool_id)
            .client_id(&inner.client_id)
            .auth_flow(flow)
            .set_auth_parameters(Some(params))
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("AdminInitiateAuth", e))?;
        to_result(
            "AdminInitiateAuth",
            username,
            true,
            RawAuth {
                result: out.authentication_result(),
                challenge: out.challenge_name(),
                session: out.session(),
                parameters: out.challenge_parameters(),
                available: out.available_challenges(),
            },
        )
    }
}

/// The server's SRP values of a `PASSWORD_VERIFIER` or `DEVICE_PASSWORD_VERIFIER` challenge.
fn srp_parameters(challenge: &Challenge) -> Result<SrpChallenge<'_>, super::srp::SrpError> {
    let param = |name: &'static str| {
        challenge.parameters.get(name).map(String::as_str).ok_or(
            super::srp::SrpError::InvalidParameter {
                name,
                reason: "missing",
            },
        )
    };
    Ok(SrpChallenge {
        salt: param("SALT")?,
        srp_b: param("SRP_B")?,
        secret_block: param("SECRET_BLOCK")?,
    })
}

/// Whether Cognito's answer says it has no such operation (rather than refusing the request):
/// an answer without an exception name (`HTTP 500`, `HTTP 404`, ...), as from an emulator that
/// lacks it, or an unknown-operation exception.
fn lacks_operation(err: &CognitoError) -> bool {
    err.aws().is_some_and(|aws| {
        aws.code.starts_with("HTTP ")
            || matches!(
                aws.code.as_str(),
                "UnknownOperationException"
                    | "NotImplementedException"
                    | "NotImplemented"
                    | "InvalidAction"
                    | "UnsupportedOperationException"
            )
    })
}

fn tokens_of(
    operation: &'static str,
    result: &AuthenticationResultType,
) -> Result<Tokens, CognitoError> {
    let access_token = result
        .access_token()
        .ok_or(CognitoError::UnexpectedResponse {
            operation,
            what: "an authentication result without an access token",
        })?
        .to_owned();
    Ok(Tokens {
        access_token,
        id_token: result.id_token().map(str::to_owned),
        refresh_token: result.refresh_token().map(str::to_owned),
        expires_in: result.expires_in(),
        token_type: result.token_type().map(str::to_owned),
        new_device: result.new_device_metadata().and_then(|m| {
            Some(NewDevice {
                device_key: m.device_key()?.to_owned(),
                device_group_key: m.device_group_key()?.to_owned(),
            })
        }),
    })
}

fn to_result(
    operation: &'static str,
    username: &str,
    admin: bool,
    raw: RawAuth<'_>,
) -> Result<AuthResult, CognitoError> {
    if let Some(result) = raw.result {
        return Ok(AuthResult::Tokens(tokens_of(operation, result)?));
    }
    let Some(name) = raw.challenge else {
        return Err(CognitoError::UnexpectedResponse {
            operation,
            what: "neither tokens nor a challenge",
        });
    };
    let parameters = raw.parameters.cloned().unwrap_or_default();
    let username = parameters
        .get("USER_ID_FOR_SRP")
        .or_else(|| parameters.get("USERNAME"))
        .cloned()
        .unwrap_or_else(|| username.to_owned());
    let challenge = Challenge {
        name: ChallengeName::parse(name.as_str()),
        username,
        session: raw.session.map(str::to_owned),
        parameters,
        available_challenges: raw
            .available
            .iter()
            .map(|name| ChallengeName::parse(name.as_str()))
            .collect(),
        admin,
    };
    tracing::debug!(operation, challenge = %challenge.name, "sign-in continues with a challenge");
    Ok(AuthResult::Challenge(challenge))
}

impl SanctumClient {
    /// Signs in with user name (or alias) and password: `USER_SRP_AUTH` by default, or
    /// `USER_PASSWORD_AUTH` when the client was built with
    /// [`password_flow(PasswordFlow::UserPassword)`](super::SanctumClientBuilder::password_flow);
    /// see [`Auth::sign_in`].
    ///
    /// # Errors
    /// As [`Auth::user_srp`].
    pub async fn authenticate_user(
        &self,
        username: &str,
        password: &str,
    ) -> Result<AuthResult, CognitoError> {
        self.auth().sign_in(username, password).await
    }

    /// Signs in with `ADMIN_USER_PASSWORD_AUTH`; see [`Auth::admin_user_password`].
    ///
    /// # Errors
    /// As [`Auth::user_password`].
    pub async fn admin_authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<AuthResult, CognitoError> {
        self.auth().admin_user_password(username, password).await
    }

    /// Starts `CUSTOM_AUTH`; see [`Auth::custom`].
    ///
    /// # Errors
    /// As [`Auth::user_password`].
    pub async fn initiate_custom_auth(&self, username: &str) -> Result<AuthResult, CognitoError> {
        self.auth().custom(username).await
    }

    /// Answers a challenge; see [`Auth::respond`].
    ///
    /// # Errors
    /// As [`Auth::respond`].
    pub async fn respond_to_auth_challenge(
        &self,
        challenge: &Challenge,
        answer: ChallengeAnswer,
    ) -> Result<AuthResult, CognitoError> {
        self.auth().respond(challenge, answer).await
    }

    /// Refreshes tokens by whichever operation the endpoint has (`GetTokensFromRefreshToken`,
    /// else `REFRESH_TOKEN_AUTH`); see [`Auth::refresh`]. `username` (the access token's
    /// `username` claim) is used only for `SECRET_HASH` on `REFRESH_TOKEN_AUTH`.
    ///
    /// # Errors
    /// As [`Auth::refresh`].
    pub async fn refresh_token(
        &self,
        refresh_token: &str,
        username: &str,
    ) -> Result<Tokens, CognitoError> {
        self.auth().refresh(refresh_token, Some(username)).await
    }

    /// Revokes a refresh token; see [`Auth::revoke`].
    ///
    /// # Errors
    /// As [`Auth::revoke`].
    pub async fn revoke_token(&self, refresh_token: &str) -> Result<(), CognitoError> {
        self.auth().revoke(refresh_token).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(name: ChallengeName) -> Challenge {
        Challenge::new(name, "alice", Some("session-abc".to_owned()))
    }

    #[test]
    fn challenge_names_round_trip_and_unknown_ones_are_kept() {
        for name in [
            "NEW_PASSWORD_REQUIRED",
            "SMS_MFA",
            "SOFTWARE_TOKEN_MFA",
            "SELECT_MFA_TYPE",
            "MFA_SETUP",
            "CUSTOM_CHALLENGE",
            "SELECT_CHALLENGE",
            "PASSWORD",
            "PASSWORD_SRP",
            "EMAIL_OTP",
            "SMS_OTP",
            "WEB_AUTHN",
            "DEVICE_SRP_AUTH",
            "DEVICE_PASSWORD_VERIFIER",
        ] {
            let parsed = ChallengeName::parse(name);
            assert!(!matches!(parsed, ChallengeName::Other(_)), "{name}");
            assert_eq!(parsed.as_str(), name);
        }
        assert_eq!(
            ChallengeName::parse("FUTURE_CHALLENGE"),
            ChallengeName::Other("FUTURE_CHALLENGE".to_owned())
        );
        assert_eq!(
            ChallengeName::parse("FUTURE_CHALLENGE").to_string(),
            "FUTURE_CHALLENGE"
        );
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
    }

    #[test]
    fn sms_mfa_answer_carries_the_code_username_and_secret_hash_as_moto_cannot_check() {
        let responses = ChallengeAnswer::SmsMfaCode("123456".into())
            .responses(&challenge(ChallengeName::SmsMfa), Some("hash".to_owned()));
        assert_eq!(
            responses,
            HashMap::from([
                ("SMS_MFA_CODE".to_owned(), "123456".to_owned()),
                ("USERNAME".to_owned(), "alice".to_owned()),
                ("SECRET_HASH".to_owned(), "hash".to_owned()),
            ])
        );
    }

    #[test]
    fn new_password_answer_prefixes_attributes() {
        let answer = ChallengeAnswer::NewPassword {
            password: "N3w-Passw0rd!".into(),
            attributes: Attributes::from([("name".to_owned(), "Alice".to_owned())]),
        };
        let responses = answer.responses(&challenge(ChallengeName::NewPasswordRequired), None);
        assert_eq!(
            responses.get("NEW_PASSWORD").map(String::as_str),
            Some("N3w-Passw0rd!")
        );
        assert_eq!(
            responses.get("userAttributes.name").map(String::as_str),
            Some("Alice")
        );
        assert!(!responses.contains_key("SECRET_HASH"));
    }

    #[test]
    fn required_attributes_drop_the_prefix() {
        let mut c = challenge(ChallengeName::NewPasswordRequired);
        c.parameters.insert(
            "requiredAttributes".into(),
            r#"["userAttributes.name","userAttributes.email"]"#.into(),
        );
        assert_eq!(c.required_attributes(), ["name", "email"]);
        c.parameters
            .insert("requiredAttributes".into(), "not json".into());
        assert!(c.required_attributes().is_empty());
    }

    #[test]
    fn debug_output_hides_tokens_sessions_passwords_and_codes() {
        let tokens = Tokens {
            access_token: "ACCESS-SECRET".into(),
            id_token: Some("ID-SECRET".into()),
            refresh_token: Some("REFRESH-SECRET".into()),
            expires_in: 3600,
            token_type: Some("Bearer".into()),
            new_device: Some(NewDevice::new("device-key-1", "GROUP-KEY-SECRET")),
        };
        let c = challenge(ChallengeName::SoftwareTokenMfa);
        let shown = format!(
            "{tokens:?} {c:?} {:?} {:?} {:?}",
            ChallengeAnswer::new_password("PASSWORD-SECRET"),
            ChallengeAnswer::SoftwareTokenMfaCode("CODE-SECRET".into()),
            AuthResult::Tokens(tokens.clone()),
        );
        for secret in [
            "ACCESS-SECRET",
            "ID-SECRET",
            "REFRESH-SECRET",
            "session-abc",
            "PASSWORD-SECRET",
            "CODE-SECRET",
            "GROUP-KEY-SECRET",
        ] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
        assert!(shown.contains("3600") && shown.contains("SoftwareTokenMfa"));
    }

    #[test]
    fn debug_of_an_srp_challenge_shows_names_but_no_secret_block_srp_value_or_session() {
        let mut c = challenge(ChallengeName::PasswordVerifier);
        for (name, value) in [
            ("SECRET_BLOCK", "SECRET-BLOCK-VALUE"),
            ("SRP_B", "SRP-B-VALUE"),
            ("SALT", "SALT-VALUE"),
            ("USER_ID_FOR_SRP", "user-id-1"),
            ("CODE_DELIVERY_DESTINATION", "+*******1234"),
        ] {
            c.parameters.insert(name.into(), value.into());
        }
        let answer = ChallengeAnswer::Responses(HashMap::from([(
            "PASSWORD_CLAIM_SIGNATURE".to_owned(),
            "SIGNATURE-VALUE".to_owned(),
        )]));
        let shown = format!(
            "{c:?} {:?} {answer:?} {:?} {:?}",
            AuthResult::Challenge(c.clone()),
            ChallengeAnswer::EmailOtpCode("EMAIL-CODE".into()),
            ChallengeAnswer::CustomChallenge("CUSTOM-ANSWER".into()),
        );
        for secret in [
            "SECRET-BLOCK-VALUE",
            "SRP-B-VALUE",
            "SALT-VALUE",
            "session-abc",
            "SIGNATURE-VALUE",
            "EMAIL-CODE",
            "CUSTOM-ANSWER",
        ] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
        for visible in [
            "SECRET_BLOCK",
            "user-id-1",
            "+*******1234",
            "PASSWORD_CLAIM_SIGNATURE",
        ] {
            assert!(shown.contains(visible), "{visible} missing in {shown}");
        }
    }

    #[test]
    fn debug_hides_passwords_of_factors_passkey_credentials_options_and_device_secrets() {
        let mut web = challenge(ChallengeName::WebAuthn);
        web.parameters.insert(
            "CREDENTIAL_REQUEST_OPTIONS".into(),
            r#"{"challenge":"WEBAUTHN-CHALLENGE-NONCE","rpId":"example.com"}"#.into(),
        );
        assert_eq!(
            web.credential_request_options()
                .and_then(|o| o["challenge"].as_str().map(str::to_owned))
                .as_deref(),
            Some("WEBAUTHN-CHALLENGE-NONCE")
        );
        let shown = format!(
            "{web:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            ChallengeAnswer::SelectChallenge(SignInFactor::Password("SELECT-PASSWORD".into())),
            ChallengeAnswer::SelectChallenge(SignInFactor::PasswordSrp("SRP-PASSWORD".into())),
            ChallengeAnswer::Password("PLAIN-PASSWORD".into()),
            ChallengeAnswer::PasswordSrp("CHALLENGE-SRP-PASSWORD".into()),
            ChallengeAnswer::SmsOtpCode("SMS-OTP-CODE".into()),
            ChallengeAnswer::WebAuthnCredential(
                serde_json::json!({"response": {"signature": "ASSERTION-SIGNATURE"}})
            ),
            ChallengeAnswer::Device(DeviceSecret::new(
                "device-key-1",
                "DEVICE-GROUP-KEY",
                "DEVICE-PASSWORD"
            )),
        );
        for secret in [
            "WEBAUTHN-CHALLENGE-NONCE",
            "session-abc",
            "SELECT-PASSWORD",
            "SRP-PASSWORD",
            "PLAIN-PASSWORD",
            "SMS-OTP-CODE",
            "ASSERTION-SIGNATURE",
            "DEVICE-GROUP-KEY",
            "DEVICE-PASSWORD",
        ] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
        for visible in ["CREDENTIAL_REQUEST_OPTIONS", "PasswordSrp", "device-key-1"] {
            assert!(shown.contains(visible), "{visible} missing in {shown}");
        }
    }

    #[test]
    fn every_challenge_says_what_answers_it_and_other_kinds_are_refused_locally() {
        let cases = [
            (
                ChallengeName::NewPasswordRequired,
                ChallengeAnswer::new_password("N3w-Passw0rd!"),
            ),
            (
                ChallengeName::SmsMfa,
                ChallengeAnswer::SmsMfaCode("1".into()),
            ),
            (
                ChallengeName::SoftwareTokenMfa,
                ChallengeAnswer::SoftwareTokenMfaCode("1".into()),
            ),
            (
                ChallengeName::EmailOtp,
                ChallengeAnswer::EmailOtpCode("1".into()),
            ),
            (
                ChallengeName::SelectMfaType,
                ChallengeAnswer::SelectMfaType(ChallengeName::SoftwareTokenMfa),
            ),
            (ChallengeName::MfaSetup, ChallengeAnswer::MfaSetup),
            (
                ChallengeName::CustomChallenge,
                ChallengeAnswer::CustomChallenge("a".into()),
            ),
            (
                ChallengeName::SelectChallenge,
                ChallengeAnswer::SelectChallenge(SignInFactor::EmailOtp),
            ),
            (
                ChallengeName::Password,
                ChallengeAnswer::Password("pw".into()),
            ),
            (
                ChallengeName::PasswordSrp,
                ChallengeAnswer::PasswordSrp("pw".into()),
            ),
            (
                ChallengeName::SmsOtp,
                ChallengeAnswer::SmsOtpCode("1".into()),
            ),
            (
                ChallengeName::WebAuthn,
                ChallengeAnswer::WebAuthnCredential(serde_json::json!({"id": "c"})),
            ),
            (
                ChallengeName::DeviceSrpAuth,
                ChallengeAnswer::Device(DeviceSecret::new("k", "g", "p")),
            ),
        ];
        for (name, right) in &cases {
            let c = challenge(name.clone());
            assert_eq!(c.expects(), right.kind(), "{name}");
            assert!(right.check(&c).is_ok(), "{name}");
            assert!(
                ChallengeAnswer::Responses(HashMap::new()).check(&c).is_ok(),
                "raw responses answer anything"
            );
            for (_, wrong) in cases.iter().filter(|(other, _)| other != name) {
                let err = wrong.check(&c).unwrap_err();
                assert!(
                    matches!(&err, CognitoError::WrongAnswer { expected, given, .. }
                        if *expected == right.kind() && *given == wrong.kind()),
                    "{name}: {err:?}"
                );
            }
        }
        for name in [
            ChallengeName::PasswordVerifier,
            ChallengeName::DevicePasswordVerifier,
            ChallengeName::Other("FUTURE_CHALLENGE".into()),
        ] {
            let c = challenge(name);
            assert!(matches!(
                c.expects(),
                AnswerKind::SrpProof | AnswerKind::RawResponses
            ));
            assert!(ChallengeAnswer::SmsMfaCode("1".into()).check(&c).is_err());
        }

        let mut select = challenge(ChallengeName::SelectMfaType);
        select
            .parameters
            .insert("MFAS_CAN_CHOOSE".into(), r#"["SMS_MFA"]"#.into());
        assert_eq!(select.mfa_choices(), [ChallengeName::SmsMfa]);
        assert!(
            ChallengeAnswer::SelectMfaType(ChallengeName::SmsMfa)
                .check(&select)
                .is_ok()
        );
        for not_offered in [
            ChallengeName::SoftwareTokenMfa,
            ChallengeName::NewPasswordRequired,
        ] {
            assert!(matches!(
                ChallengeAnswer::SelectMfaType(not_offered).check(&select),
                Err(CognitoError::InvalidArgument {
                    what: "MFA type",
                    ..
                })
            ));
        }
        // SELECT_CHALLENGE: only an offered factor, and a password that is not empty
        let mut select = challenge(ChallengeName::SelectChallenge);
        select.available_challenges = vec![ChallengeName::PasswordSrp, ChallengeName::EmailOtp];
        assert_eq!(
            select.available_factors(),
            [FirstFactor::PasswordSrp, FirstFactor::EmailOtp]
        );
        for offered in [
            SignInFactor::PasswordSrp("pw".into()),
            SignInFactor::EmailOtp,
        ] {
            assert!(
                ChallengeAnswer::SelectChallenge(offered)
                    .check(&select)
                    .is_ok()
            );
        }
        for not_offered in [
            SignInFactor::Password("pw".into()),
            SignInFactor::SmsOtp,
            SignInFactor::WebAuthn,
        ] {
            assert!(matches!(
                ChallengeAnswer::SelectChallenge(not_offered).check(&select),
                Err(CognitoError::InvalidArgument {
                    what: "first factor",
                    ..
                })
            ));
        }
        assert!(matches!(
            ChallengeAnswer::SelectChallenge(SignInFactor::PasswordSrp(String::new()))
                .check(&select),
            Err(CognitoError::InvalidArgument {
                what: "password",
                ..
            })
        ));
        assert!(
            ChallengeAnswer::WebAuthnCredential(serde_json::json!("not an object"))
                .check(&challenge(ChallengeName::WebAuthn))
                .is_err()
        );
        assert!(
            ChallengeAnswer::Device(DeviceSecret::new("k", "", "p"))
                .check(&challenge(ChallengeName::DeviceSrpAuth))
                .is_err()
        );

        assert!(matches!(
            ChallengeAnswer::new_password("").check(&challenge(ChallengeName::NewPasswordRequired)),
            Err(CognitoError::InvalidArgument {
                what: "password",
                ..
            })
        ));
    }
}
