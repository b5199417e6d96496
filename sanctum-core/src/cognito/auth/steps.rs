//! Sign-in steps as data: [`SignInStep`] and one type per step, each with its own `answer`.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::super::devices::DeviceSecret;
use super::super::{Attributes, CognitoError, SanctumClient};
use super::factors::{FirstFactor, MfaKind, SignInFactor, check_password};
use super::tokens::Tokens;
use crate::credentials::{Password, Username};

/// Where a sign-in stands: done with tokens, or the step Cognito asks for next.
///
/// A sign-in (or an answer to one of its steps) gives a [`SignInStep`]: [`SignInStep::Done`]
/// with the tokens, or the step Cognito asks for next, modelled on Amplify's `nextStep`. Each
/// step is its own type whose `answer` method takes only what answers it — a TOTP code step
/// takes a code, a select-MFA step an [`MfaKind`], a new-password step a password — so a wrong
/// kind of answer does not compile. The answer goes through the API (user or admin) that
/// raised the step, and gives the next [`SignInStep`].
///
/// A step is `Serialize`/`Deserialize` with everything answering it needs (Cognito's session,
/// the challenge's parameters, the user name): a BFF keeps it in its server-side session store
/// and answers it on a later request, on any instance. The session string is a secret, valid for
/// a few minutes: store steps server-side, never in a browser-readable cookie. `Debug` shows no
/// session and no parameter that proves anything.
///
/// | `SignInStep` | Cognito challenge | Amplify `nextStep` | answered with |
/// |---|---|---|---|
/// | [`Done`](Self::Done) | (tokens) | `DONE` | — |
/// | [`NewPassword`](Self::NewPassword) | `NEW_PASSWORD_REQUIRED` | `CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED` | [`NewPasswordStep::answer`] |
/// | [`SmsCode`](Self::SmsCode) | `SMS_MFA`, `SMS_OTP` | `CONFIRM_SIGN_IN_WITH_SMS_CODE` | [`CodeStep::answer`] |
/// | [`TotpCode`](Self::TotpCode) | `SOFTWARE_TOKEN_MFA` | `CONFIRM_SIGN_IN_WITH_TOTP_CODE` | [`CodeStep::answer`] |
/// | [`EmailCode`](Self::EmailCode) | `EMAIL_OTP` | `CONFIRM_SIGN_IN_WITH_EMAIL_CODE` | [`CodeStep::answer`] |
/// | [`SelectMfa`](Self::SelectMfa) | `SELECT_MFA_TYPE` | `CONTINUE_SIGN_IN_WITH_MFA_SELECTION` | [`SelectMfaStep::answer`] |
/// | [`SetUpTotp`](Self::SetUpTotp) | `MFA_SETUP` | `CONTINUE_SIGN_IN_WITH_TOTP_SETUP` | [`TotpSetupStep::associate`], then [`TotpSetupStep::answer`] |
/// | [`SelectFirstFactor`](Self::SelectFirstFactor) | `SELECT_CHALLENGE` | `CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION` | [`SelectFactorStep::answer`] |
/// | [`Password`](Self::Password) | `PASSWORD`, `PASSWORD_SRP` | `CONFIRM_SIGN_IN_WITH_PASSWORD` | [`PasswordStep::answer`] |
/// | [`CustomChallenge`](Self::CustomChallenge) | `CUSTOM_CHALLENGE` | `CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE` | [`CustomChallengeStep::answer`] |
/// | [`Passkey`](Self::Passkey) | `WEB_AUTHN` | (handled inside Amplify) | [`PasskeyStep::answer`] |
/// | [`Device`](Self::Device) | `DEVICE_SRP_AUTH` | (handled inside Amplify) | [`DeviceStep::answer`] |
/// | [`Unknown`](Self::Unknown) | any other, by name | — | [`UnknownStep::answer`] (raw responses) |
///
/// ```no_run
/// use sanctum_core::cognito::{SanctumClient, SignInStep};
///
/// # async fn run(client: SanctumClient, store: &mut Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
/// // request 1: sign in; a step is kept in the server-side session store
/// let step = client.auth().sign_in("alice", "correct horse").await?;
/// store.push(serde_json::to_string(&step)?);
///
/// // request 2 (any instance): the user typed the code from their authenticator app
/// let step: SignInStep = serde_json::from_str(&store[0])?;
/// let tokens = match step {
///     SignInStep::Done(tokens) => tokens,
///     SignInStep::TotpCode(step) => step.answer(&client, "123456").await?.into_tokens()?,
///     other => return Err(format!("not handled here: {other:?}").into()),
/// };
/// # let _ = tokens; Ok(()) }
/// ```
///
/// Answering a step with the wrong kind of answer does not compile:
///
/// ```compile_fail
/// # use sanctum_core::cognito::{SanctumClient, SelectMfaStep};
/// # async fn run(client: SanctumClient, step: SelectMfaStep) {
/// // a select-MFA step is answered with an MfaKind, not a code
/// step.answer(&client, "123456").await;
/// # }
/// ```
///
/// ```compile_fail
/// # use sanctum_core::cognito::{CodeStep, SanctumClient, SignInFactor};
/// # async fn run(client: SanctumClient, step: CodeStep) {
/// // a code step is answered with the code, not a first factor
/// step.answer(&client, SignInFactor::EmailOtp).await;
/// # }
/// ```
///
/// ```compile_fail
/// # use sanctum_core::cognito::{NewPasswordStep, SanctumClient, MfaKind};
/// # async fn run(client: SanctumClient, step: NewPasswordStep) {
/// // a new-password step is answered with a password, not an MFA choice
/// step.answer(&client, MfaKind::Totp).await;
/// # }
/// ```
///
/// while the right answers do:
///
/// ```no_run
/// # use sanctum_core::cognito::{CodeStep, MfaKind, NewPasswordStep, SanctumClient, SelectMfaStep};
/// # async fn run(client: SanctumClient, select: SelectMfaStep, code: CodeStep, new: NewPasswordStep) {
/// let _ = select.answer(&client, MfaKind::Totp).await;
/// let _ = code.answer(&client, "123456").await;
/// let _ = new.answer(&client, "N3w-Passw0rd!").await;
/// # }
/// ```
///
/// Serialised with a `"step"` tag (`"done"`, `"totp_code"`, ...) next to the step's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SignInStep {
    /// Signed in.
    Done(Tokens),
    /// `NEW_PASSWORD_REQUIRED`: a user an administrator created signs in for the first time.
    NewPassword(NewPasswordStep),
    /// `SMS_MFA` or `SMS_OTP`: a code was sent by SMS.
    SmsCode(CodeStep),
    /// `SOFTWARE_TOKEN_MFA`: the current code of the user's authenticator app.
    TotpCode(CodeStep),
    /// `EMAIL_OTP`: a code was sent by email.
    EmailCode(CodeStep),
    /// `SELECT_MFA_TYPE`: the user picks SMS, TOTP or email.
    SelectMfa(SelectMfaStep),
    /// `MFA_SETUP`: MFA is required and the user has none yet: set up an authenticator app.
    SetUpTotp(TotpSetupStep),
    /// `SELECT_CHALLENGE`: choice-based sign-in (`USER_AUTH`) asks for a first factor.
    SelectFirstFactor(SelectFactorStep),
    /// `PASSWORD` or `PASSWORD_SRP`: choice-based sign-in asks for the password.
    Password(PasswordStep),
    /// `CUSTOM_CHALLENGE`: a challenge of the pool's Lambda triggers.
    CustomChallenge(CustomChallengeStep),
    /// `WEB_AUTHN`: sign in with a passkey.
    Passkey(PasskeyStep),
    /// `DEVICE_SRP_AUTH`: a remembered device proves itself.
    Device(DeviceStep),
    /// A challenge sanctum has no type for, by its Cognito name.
    Unknown(UnknownStep),
}

impl SignInStep {
    /// The tokens, or [`CognitoError::UnexpectedResponse`] when a step came instead.
    ///
    /// # Errors
    /// When the sign-in is not done.
    pub fn into_tokens(self) -> Result<Tokens, CognitoError> {
        match self {
            Self::Done(tokens) => Ok(tokens),
            other => {
                tracing::debug!(
                    challenge = other.challenge_name().unwrap_or_default(),
                    "expected tokens, got a step"
                );
                Err(CognitoError::UnexpectedResponse {
                    operation: "sign-in",
                    what: "a challenge came instead of tokens",
                })
            }
        }
    }

    /// The tokens, if signed in.
    #[must_use]
    pub fn tokens(&self) -> Option<&Tokens> {
        match self {
            Self::Done(tokens) => Some(tokens),
            _ => None,
        }
    }

    /// Cognito's name of the challenge (`SOFTWARE_TOKEN_MFA`, ...); `None` when done.
    #[must_use]
    pub fn challenge_name(&self) -> Option<&str> {
        self.state().map(|s| s.challenge.as_str())
    }

    /// The user name the answer goes with (Cognito's `USER_ID_FOR_SRP` when it sent one);
    /// `None` when done.
    #[must_use]
    pub fn username(&self) -> Option<&Username> {
        self.state().map(|s| &s.username)
    }

    fn state(&self) -> Option<&StepState> {
        Some(match self {
            Self::Done(_) => return None,
            Self::NewPassword(s) => &s.state,
            Self::SmsCode(s) | Self::TotpCode(s) | Self::EmailCode(s) => &s.state,
            Self::SelectMfa(s) => &s.state,
            Self::SetUpTotp(s) => &s.state,
            Self::SelectFirstFactor(s) => &s.state,
            Self::Password(s) => &s.state,
            Self::CustomChallenge(s) => &s.state,
            Self::Passkey(s) => &s.state,
            Self::Device(s) => &s.state,
            Self::Unknown(s) => &s.state,
        })
    }

    /// The step for a challenge Cognito raised.
    pub(crate) fn of(state: StepState) -> Self {
        match state.challenge.as_str() {
            "NEW_PASSWORD_REQUIRED" => Self::NewPassword(NewPasswordStep { state }),
            "SMS_MFA" | "SMS_OTP" => Self::SmsCode(CodeStep { state }),
            "SOFTWARE_TOKEN_MFA" => Self::TotpCode(CodeStep { state }),
            "EMAIL_OTP" => Self::EmailCode(CodeStep { state }),
            "SELECT_MFA_TYPE" => Self::SelectMfa(SelectMfaStep { state }),
            "MFA_SETUP" => Self::SetUpTotp(TotpSetupStep {
                state,
                secret_code: None,
            }),
            "SELECT_CHALLENGE" => Self::SelectFirstFactor(SelectFactorStep { state }),
            "PASSWORD" | "PASSWORD_SRP" => Self::Password(PasswordStep { state }),
            "CUSTOM_CHALLENGE" => Self::CustomChallenge(CustomChallengeStep { state }),
            "WEB_AUTHN" => Self::Passkey(PasskeyStep { state }),
            "DEVICE_SRP_AUTH" => Self::Device(DeviceStep { state }),
            _ => Self::Unknown(UnknownStep { state }),
        }
    }
}

/// A secret string of a step (Cognito's session, a TOTP secret): `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct StepSecret(String);

impl StepSecret {
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StepSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What every step keeps: the challenge, whom it is for, Cognito's session and parameters, and
/// which API answers it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StepState {
    /// Cognito's challenge name.
    pub(crate) challenge: String,
    /// `USER_ID_FOR_SRP` when Cognito sent it, else the name signed in with; for `USERNAME`
    /// and `SECRET_HASH` in the answer.
    pub(crate) username: Username,
    /// The session to send back with the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) session: Option<StepSecret>,
    /// The challenge's parameters as Cognito sent them.
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub(crate) parameters: HashMap<String, String>,
    /// `AvailableChallenges` (for `SELECT_CHALLENGE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) available_challenges: Vec<String>,
    /// Answered through `AdminRespondToAuthChallenge` (the sign-in was an admin one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) admin: bool,
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

impl fmt::Debug for StepState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepState")
            .field("challenge", &self.challenge)
            .field("username", &self.username)
            .field("session", &self.session)
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

impl StepState {
    fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters.get(name).map(String::as_str)
    }

    fn json_list(&self, name: &str) -> Vec<String> {
        self.parameter(name)
            .and_then(|raw| serde_json::from_str::<Vec<String>>(raw).ok())
            .unwrap_or_default()
    }

    /// The responses of an answer: `responses`, `USERNAME` and `SECRET_HASH` (when the client
    /// has a secret).
    pub(crate) fn responses(
        &self,
        client: &SanctumClient,
        mut responses: HashMap<String, String>,
    ) -> HashMap<String, String> {
        responses.insert("USERNAME".to_owned(), self.username.as_str().to_owned());
        if let Some(hash) = client.secret_hash(self.username.as_str()) {
            responses.insert("SECRET_HASH".to_owned(), hash);
        }
        responses
    }
}

/// The methods every step has.
macro_rules! step_common {
    ($name:ident) => {
        impl $name {
            /// Cognito's name of the challenge (`NEW_PASSWORD_REQUIRED`, ...).
            #[must_use]
            pub fn challenge_name(&self) -> &str {
                &self.state.challenge
            }

            /// The user name the answer goes with (Cognito's `USER_ID_FOR_SRP` when it sent
            /// one, else the name signed in with).
            #[must_use]
            pub fn username(&self) -> &Username {
                &self.state.username
            }
        }
    };
}

/// `NEW_PASSWORD_REQUIRED`: answered with [`answer`](Self::answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NewPasswordStep {
    state: StepState,
}

step_common!(NewPasswordStep);

impl NewPasswordStep {
    /// The attributes Cognito asks for with the new password (`requiredAttributes`), without
    /// the `userAttributes.` prefix.
    #[must_use]
    pub fn required_attributes(&self) -> Vec<String> {
        self.state
            .json_list("requiredAttributes")
            .into_iter()
            .map(|a| {
                a.strip_prefix("userAttributes.")
                    .map(str::to_owned)
                    .unwrap_or(a)
            })
            .collect()
    }

    /// Sets the new password.
    ///
    /// # Errors
    /// [`CognitoError::InvalidArgument`] for an empty password (nothing sent);
    /// [`CognitoError::InvalidPassword`] when the pool's policy refuses it;
    /// [`CognitoError::NotAuthorized`] for an expired session, ...
    pub async fn answer(
        &self,
        client: &SanctumClient,
        new_password: impl Into<Password>,
    ) -> Result<SignInStep, CognitoError> {
        self.answer_with_attributes(client, new_password, Attributes::new())
            .await
    }

    /// Sets the new password and attributes (`name` → value, e.g. those of
    /// [`required_attributes`](Self::required_attributes)).
    ///
    /// # Errors
    /// As [`answer`](Self::answer).
    pub async fn answer_with_attributes(
        &self,
        client: &SanctumClient,
        new_password: impl Into<Password>,
        attributes: Attributes,
    ) -> Result<SignInStep, CognitoError> {
        let password = new_password.into();
        check_password(&password)?;
        let mut responses = HashMap::from([("NEW_PASSWORD".to_owned(), password.into_secret())]);
        for (name, value) in attributes {
            responses.insert(format!("userAttributes.{name}"), value);
        }
        client.auth().answer(&self.state, responses).await
    }
}

/// A code sent by SMS or email, or the current code of an authenticator app
/// ([`SignInStep::SmsCode`], [`SignInStep::EmailCode`], [`SignInStep::TotpCode`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CodeStep {
    state: StepState,
}

step_common!(CodeStep);

impl CodeStep {
    /// Where the code was sent (`CODE_DELIVERY_DESTINATION`, masked by Cognito), for SMS and
    /// email codes.
    #[must_use]
    pub fn code_destination(&self) -> Option<&str> {
        self.state.parameter("CODE_DELIVERY_DESTINATION")
    }

    /// Answers with the code.
    ///
    /// # Errors
    /// [`CognitoError::InvalidArgument`] for an empty code (nothing sent);
    /// [`CognitoError::CodeMismatch`] for a wrong code, [`CognitoError::ExpiredCode`],
    /// [`CognitoError::NotAuthorized`] for an expired session, ...
    pub async fn answer(
        &self,
        client: &SanctumClient,
        code: &str,
    ) -> Result<SignInStep, CognitoError> {
        if code.trim().is_empty() {
            return Err(CognitoError::InvalidArgument {
                what: "code",
                reason: "must not be empty",
            });
        }
        let key = match self.state.challenge.as_str() {
            "SMS_MFA" => "SMS_MFA_CODE",
            "SMS_OTP" => "SMS_OTP_CODE",
            "SOFTWARE_TOKEN_MFA" => "SOFTWARE_TOKEN_MFA_CODE",
            "EMAIL_OTP" => "EMAIL_OTP_CODE",
            _ => {
                return Err(CognitoError::InvalidArgument {
                    what: "step",
                    reason: "not a code challenge (a stored step was altered?)",
                });
            }
        };
        let responses = HashMap::from([(key.to_owned(), code.to_owned())]);
        client.auth().answer(&self.state, responses).await
    }
}

/// `SELECT_MFA_TYPE`: answered with one of [`choices`](Self::choices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SelectMfaStep {
    state: StepState,
}

step_common!(SelectMfaStep);

impl SelectMfaStep {
    /// The MFA kinds the user may choose (`MFAS_CAN_CHOOSE`).
    #[must_use]
    pub fn choices(&self) -> Vec<MfaKind> {
        self.state
            .json_list("MFAS_CAN_CHOOSE")
            .iter()
            .filter_map(|name| MfaKind::parse(name))
            .collect()
    }

    /// Chooses `kind`; the next step asks for its code.
    ///
    /// # Errors
    /// [`CognitoError::InvalidArgument`] (nothing sent) for a kind not offered, ...
    pub async fn answer(
        &self,
        client: &SanctumClient,
        kind: MfaKind,
    ) -> Result<SignInStep, CognitoError> {
        let offered = self.choices();
        if !offered.is_empty() && !offered.contains(&kind) {
            return Err(CognitoError::InvalidArgument {
                what: "MFA type",
                reason: "not one the step offers (see SelectMfaStep::choices)",
            });
        }
        let responses = HashMap::from([("ANSWER".to_owned(), kind.challenge_name().to_owned())]);
        client.auth().answer(&self.state, responses).await
    }
}

/// `MFA_SETUP`: [`associate`](Self::associate) gives the secret for the user's authenticator
/// app (in [`secret_code`](Self::secret_code)); [`answer`](Self::answer) then takes a code from
/// the app. Both keep the step storable between requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSetupStep {
    #[serde(flatten)]
    state: StepState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_code: Option<StepSecret>,
}

step_common!(TotpSetupStep);

impl TotpSetupStep {
    /// The MFA kinds the user may set up (`MFAS_CAN_SETUP`).
    #[must_use]
    pub fn choices(&self) -> Vec<MfaKind> {
        self.state
            .json_list("MFAS_CAN_SETUP")
            .iter()
            .filter_map(|name| MfaKind::parse(name))
            .collect()
    }

    /// The shared secret for the authenticator app (base32), once [`associate`](Self::associate)
    /// got it. A secret: show it to the user (as a QR code) and nowhere else.
    #[must_use]
    pub fn secret_code(&self) -> Option<&str> {
        self.secret_code.as_ref().map(StepSecret::expose)
    }

    #[cfg(test)]
    pub(crate) fn secret_code_for_tests(&mut self, code: &str) {
        self.secret_code = Some(StepSecret::new(code));
    }

    /// Asks Cognito for a new TOTP secret (`AssociateSoftwareToken` with the step's session).
    /// The returned step holds it and Cognito's next session; answer that one.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for an expired session, ...
    pub async fn associate(&self, client: &SanctumClient) -> Result<Self, CognitoError> {
        let session = self.state.session.as_ref().map(|s| s.expose().to_owned());
        let (secret_code, session) = client.mfa_associate(None, session).await?;
        let mut next = self.clone();
        next.secret_code = Some(StepSecret::new(secret_code));
        if let Some(session) = session {
            next.state.session = Some(StepSecret::new(session));
        }
        Ok(next)
    }

    /// Verifies a code of the app (`VerifySoftwareToken`), then answers `MFA_SETUP` with the
    /// session that gives; `device_name` names the app for the user.
    ///
    /// # Errors
    /// [`CognitoError::InvalidArgument`] for an empty code (nothing sent);
    /// [`CognitoError::CodeMismatch`] for a wrong code, [`CognitoError::NotAuthorized`] for an
    /// expired session, ...
    pub async fn answer(
        &self,
        client: &SanctumClient,
        code: &str,
        device_name: Option<&str>,
    ) -> Result<SignInStep, CognitoError> {
        if code.trim().is_empty() {
            return Err(CognitoError::InvalidArgument {
                what: "code",
                reason: "must not be empty",
            });
        }
        let session = self.state.session.as_ref().map(|s| s.expose().to_owned());
        let session = client.mfa_verify(None, session, code, device_name).await?;
        let mut state = self.state.clone();
        if let Some(session) = session {
            state.session = Some(StepSecret::new(session));
        }
        client.auth().answer(&state, HashMap::new()).await
    }
}

/// `SELECT_CHALLENGE`: answered with one of [`factors`](Self::factors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SelectFactorStep {
    state: StepState,
}

step_common!(SelectFactorStep);

impl SelectFactorStep {
    /// The first factors the user may choose (Cognito's `AvailableChallenges` that are first
    /// factors).
    #[must_use]
    pub fn factors(&self) -> Vec<FirstFactor> {
        self.state
            .available_challenges
            .iter()
            .filter_map(|name| FirstFactor::parse(name))
            .collect()
    }

    /// Chooses `factor`. With [`SignInFactor::PasswordSrp`] sanctum sends `SRP_A` and answers
    /// the `PASSWORD_VERIFIER` that follows in the same call; with
    /// [`SignInFactor::Password`] the password goes with the choice.
    ///
    /// # Errors
    /// [`CognitoError::InvalidArgument`] (nothing sent) for a factor not offered or an empty
    /// password; as [`Auth::user_srp`](super::Auth::user_srp).
    pub async fn answer(
        &self,
        client: &SanctumClient,
        factor: SignInFactor,
    ) -> Result<SignInStep, CognitoError> {
        client
            .auth()
            .select_factor(&self.state, &factor, None)
            .await
    }

    pub(crate) fn check(&self, factor: &SignInFactor) -> Result<(), CognitoError> {
        if !self.state.available_challenges.is_empty() && !self.factors().contains(&factor.factor())
        {
            return Err(CognitoError::InvalidArgument {
                what: "first factor",
                reason: "not one the step offers (see SelectFactorStep::factors)",
            });
        }
        factor.check_password()
    }

    pub(crate) fn state(&self) -> &StepState {
        &self.state
    }
}

/// `PASSWORD` or `PASSWORD_SRP`: answered with the password (proved by SRP for
/// `PASSWORD_SRP`).
///
/// A variant of [`SignInStep`]; its docs show a step answered, stored and answered later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordStep {
    state: StepState,
}

step_common!(PasswordStep);

impl PasswordStep {
    /// Answers with the password.
    ///
    /// # Errors
    /// [`CognitoError::InvalidArgument`] for an empty password (nothing sent);
    /// [`CognitoError::NotAuthorized`] for a wrong one, ...
    pub async fn answer(
        &self,
        client: &SanctumClient,
        password: impl Into<Password>,
    ) -> Result<SignInStep, CognitoError> {
        let password = password.into();
        check_password(&password)?;
        if self.state.challenge == "PASSWORD_SRP" {
            client
                .auth()
                .answer_password_srp(&self.state, &password, None)
                .await
        } else {
            let responses = HashMap::from([("PASSWORD".to_owned(), password.into_secret())]);
            client.auth().answer(&self.state, responses).await
        }
    }
}

/// `CUSTOM_CHALLENGE`: answered with what the pool's Lambda trigger checks.
///
/// A variant of [`SignInStep`]; its docs show a step answered, stored and answered later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomChallengeStep {
    state: StepState,
}

step_common!(CustomChallengeStep);

impl CustomChallengeStep {
    /// The challenge's public parameters, as the Lambda trigger set them.
    #[must_use]
    pub fn parameters(&self) -> &HashMap<String, String> {
        &self.state.parameters
    }

    /// Answers (`ANSWER`).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] when the trigger refuses the answer, ...
    pub async fn answer(
        &self,
        client: &SanctumClient,
        answer: &str,
    ) -> Result<SignInStep, CognitoError> {
        let responses = HashMap::from([("ANSWER".to_owned(), answer.to_owned())]);
        client.auth().answer(&self.state, responses).await
    }
}

/// `WEB_AUTHN`: the browser signs [`credential_request_options`](Self::credential_request_options)
/// with a passkey; [`answer`](Self::answer) takes its credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasskeyStep {
    state: StepState,
}

step_common!(PasskeyStep);

impl PasskeyStep {
    /// The passkey request options (`CREDENTIAL_REQUEST_OPTIONS`, the
    /// `PublicKeyCredentialRequestOptionsJSON` to hand to the browser's
    /// `navigator.credentials.get`); `None` when absent or not JSON.
    #[must_use]
    pub fn credential_request_options(&self) -> Option<Value> {
        self.state
            .parameter("CREDENTIAL_REQUEST_OPTIONS")
            .and_then(|raw| serde_json::from_str(raw).ok())
    }

    /// Answers with the browser's credential (`AuthenticationResponseJSON`, what
    /// `navigator.credentials.get` returned), sent as `CREDENTIAL`.
    ///
    /// # Errors
    /// [`CognitoError::InvalidArgument`] (nothing sent) when `credential` is not a JSON object;
    /// [`CognitoError::NotAuthorized`] when Cognito refuses it, ...
    pub async fn answer(
        &self,
        client: &SanctumClient,
        credential: &Value,
    ) -> Result<SignInStep, CognitoError> {
        if !credential.is_object() {
            return Err(CognitoError::InvalidArgument {
                what: "credential",
                reason: "must be the browser's credential as a JSON object",
            });
        }
        let responses = HashMap::from([("CREDENTIAL".to_owned(), credential.to_string())]);
        client.auth().answer(&self.state, responses).await
    }
}

/// `DEVICE_SRP_AUTH`: answered with the remembered device's secret (sanctum sends `SRP_A` and
/// answers the `DEVICE_PASSWORD_VERIFIER` that follows in the same call).
///
/// A variant of [`SignInStep`]; its docs show a step answered, stored and answered later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceStep {
    state: StepState,
}

step_common!(DeviceStep);

impl DeviceStep {
    /// Proves the device.
    ///
    /// # Errors
    /// [`CognitoError::InvalidArgument`] (nothing sent) for an incomplete secret;
    /// [`CognitoError::NotAuthorized`] when Cognito refuses the proof (a forgotten device, a
    /// wrong device password), ...
    pub async fn answer(
        &self,
        client: &SanctumClient,
        device: &DeviceSecret,
    ) -> Result<SignInStep, CognitoError> {
        device.check()?;
        client.auth().answer_device(&self.state, device).await
    }
}

/// A challenge sanctum has no type for: answered with raw challenge responses.
///
/// A variant of [`SignInStep`]; its docs show a step answered, stored and answered later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnknownStep {
    state: StepState,
}

step_common!(UnknownStep);

impl UnknownStep {
    /// The challenge's parameters as Cognito sent them.
    #[must_use]
    pub fn parameters(&self) -> &HashMap<String, String> {
        &self.state.parameters
    }

    /// Answers with `responses` as they are; `USERNAME` and `SECRET_HASH` are added.
    ///
    /// # Errors
    /// As Cognito refuses them.
    pub async fn answer(
        &self,
        client: &SanctumClient,
        responses: HashMap<String, String>,
    ) -> Result<SignInStep, CognitoError> {
        client.auth().answer(&self.state, responses).await
    }
}
