//! The sign-in flows: starting one (`InitiateAuth`, `AdminInitiateAuth`) and answering its
//! steps (`RespondToAuthChallenge`, `AdminRespondToAuthChallenge`), the SRP steps included.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType,
};

use super::super::CognitoError;
use super::super::devices::DeviceSecret;
use super::super::srp::{SrpChallenge, SrpError, SrpSecret, cognito_timestamp};
use super::Auth;
use super::factors::{PasswordFlow, SignInFactor};
use super::steps::{SignInStep, StepSecret, StepState};
use super::tokens::{Tokens, tokens_of};
use crate::credentials::{Password, Username};

/// What one call to Cognito gave: tokens, or a challenge (an SRP one included, which sanctum
/// answers itself before it becomes a [`SignInStep`]).
pub(crate) enum Next {
    Tokens(Tokens),
    Challenge(StepState),
}

impl Next {
    fn into_step(self) -> SignInStep {
        match self {
            Self::Tokens(tokens) => SignInStep::Done(tokens),
            Self::Challenge(state) => {
                tracing::debug!(challenge = %state.challenge, "sign-in continues with a step");
                SignInStep::of(state)
            }
        }
    }

    fn challenge(&self, name: &str) -> Option<&StepState> {
        match self {
            Self::Challenge(state) if state.challenge == name => Some(state),
            _ => None,
        }
    }
}

/// The parts of an `InitiateAuth`-like answer (the four operations' outputs share no trait).
macro_rules! raw_auth {
    ($out:expr) => {
        RawAuth {
            result: $out.authentication_result(),
            challenge: $out.challenge_name(),
            session: $out.session(),
            parameters: $out.challenge_parameters(),
            available: $out.available_challenges(),
        }
    };
}

struct RawAuth<'r> {
    result: Option<&'r AuthenticationResultType>,
    challenge: Option<&'r ChallengeNameType>,
    session: Option<&'r str>,
    parameters: Option<&'r HashMap<String, String>>,
    available: &'r [ChallengeNameType],
}

impl Auth<'_> {
    fn with_secret_hash(
        &self,
        mut params: HashMap<String, String>,
        username: &Username,
    ) -> HashMap<String, String> {
        if let Some(hash) = self.client.secret_hash(username.as_str()) {
            params.insert("SECRET_HASH".to_owned(), hash);
        }
        params
    }

    pub(crate) fn password_parameters(
        &self,
        username: &Username,
        password: &Password,
    ) -> HashMap<String, String> {
        self.with_secret_hash(
            HashMap::from([
                ("USERNAME".to_owned(), username.as_str().to_owned()),
                ("PASSWORD".to_owned(), password.secret().to_owned()),
            ]),
            username,
        )
    }

    pub(crate) fn username_parameters(&self, username: &Username) -> HashMap<String, String> {
        self.with_secret_hash(
            HashMap::from([("USERNAME".to_owned(), username.as_str().to_owned())]),
            username,
        )
    }

    /// Signs in with user name (or alias) and password by the client's [`PasswordFlow`]:
    /// [`user_srp`](Self::user_srp) (the default) or [`user_password`](Self::user_password).
    ///
    /// # Errors
    /// As [`user_srp`](Self::user_srp).
    pub async fn sign_in(
        &self,
        username: impl Into<Username>,
        password: impl Into<Password>,
    ) -> Result<SignInStep, CognitoError> {
        match self.client.inner.password_flow {
            PasswordFlow::Srp => self.user_srp(username, password).await,
            PasswordFlow::UserPassword => self.user_password(username, password).await,
        }
    }

    /// Signs in with user name (or alias) and password: `USER_PASSWORD_AUTH` through
    /// `InitiateAuth`; the password is sent to Cognito. The app client must allow that flow.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for a wrong password or a disabled user,
    /// [`CognitoError::UserNotFound`], [`CognitoError::UserNotConfirmed`],
    /// [`CognitoError::PasswordResetRequired`], [`CognitoError::InvalidArgument`] (nothing
    /// sent) for an empty password, ...
    pub async fn user_password(
        &self,
        username: impl Into<Username>,
        password: impl Into<Password>,
    ) -> Result<SignInStep, CognitoError> {
        let username = username.into();
        let params = self.password_parameters(&username, &password.into());
        Ok(self
            .initiate(AuthFlowType::UserPasswordAuth, &username, params)
            .await?
            .into_step())
    }

    /// Starts `CUSTOM_AUTH` (the pool's Lambda triggers define the challenges) through
    /// `InitiateAuth`; the result is normally a [`SignInStep::CustomChallenge`].
    ///
    /// # Errors
    /// As [`user_password`](Self::user_password).
    pub async fn custom_auth(
        &self,
        username: impl Into<Username>,
    ) -> Result<SignInStep, CognitoError> {
        let username = username.into();
        let params = self.username_parameters(&username);
        Ok(self
            .initiate(AuthFlowType::CustomAuth, &username, params)
            .await?
            .into_step())
    }

    /// Signs in with user name (or alias) and password by `USER_SRP_AUTH`: the password never
    /// leaves the process. Sends `SRP_A` (from a new random secret), answers Cognito's
    /// `PASSWORD_VERIFIER` with the proof (`USERNAME` and `SECRET_HASH` of the
    /// `USER_ID_FOR_SRP` Cognito names, and the `Session` it returned), and gives what comes
    /// next: tokens, or the next step (MFA, a new password, ...). The app client must allow
    /// `ALLOW_USER_SRP_AUTH`.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for a wrong password or a disabled user,
    /// [`CognitoError::UserNotFound`], [`CognitoError::InvalidParameter`] when the app client
    /// does not allow the flow, [`CognitoError::Srp`] when the server's SRP values are
    /// malformed or unsafe, ...
    pub async fn user_srp(
        &self,
        username: impl Into<Username>,
        password: impl Into<Password>,
    ) -> Result<SignInStep, CognitoError> {
        self.user_srp_inner(&username.into(), &password.into(), None)
            .await
    }

    /// [`user_srp`](Self::user_srp) from a remembered device: `DEVICE_KEY` goes with the
    /// sign-in and the password proof; when Cognito then asks the device to prove itself
    /// (`DEVICE_SRP_AUTH`, in place of MFA), sanctum answers it and the
    /// `DEVICE_PASSWORD_VERIFIER` that follows with the device's secret, in the same call.
    ///
    /// # Errors
    /// As [`user_srp`](Self::user_srp); [`CognitoError::InvalidArgument`] for an incomplete
    /// device secret; [`CognitoError::NotAuthorized`] when Cognito refuses the device's proof
    /// (a forgotten device, a wrong device password).
    pub async fn user_srp_with_device(
        &self,
        username: impl Into<Username>,
        password: impl Into<Password>,
        device: &DeviceSecret,
    ) -> Result<SignInStep, CognitoError> {
        device.check()?;
        self.user_srp_inner(&username.into(), &password.into(), Some(device))
            .await
    }

    async fn user_srp_inner(
        &self,
        username: &Username,
        password: &Password,
        device: Option<&DeviceSecret>,
    ) -> Result<SignInStep, CognitoError> {
        let secret = SrpSecret::generate_off_workers().await?;
        let mut params = self.username_parameters(username);
        params.insert("SRP_A".to_owned(), secret.srp_a());
        if let Some(device) = device {
            params.insert("DEVICE_KEY".to_owned(), device.device_key.clone());
        }
        let next = self
            .initiate(AuthFlowType::UserSrpAuth, username, params)
            .await?;
        Ok(self
            .continue_srp(next, &secret, password, device)
            .await?
            .into_step())
    }

    /// Signs in by choice-based authentication (`USER_AUTH`), optionally preferring a first
    /// factor (`PREFERRED_CHALLENGE`). The app client must allow `ALLOW_USER_AUTH`.
    ///
    /// - `None`: Cognito answers [`SignInStep::SelectFirstFactor`] with the factors the user
    ///   may choose.
    /// - [`SignInFactor::Password`]: the password goes with the request (`PASSWORD`).
    /// - [`SignInFactor::PasswordSrp`]: `SRP_A` goes with the request and sanctum answers the
    ///   `PASSWORD_VERIFIER` in the same call; the password never leaves the process.
    /// - [`SignInFactor::EmailOtp`], [`SignInFactor::SmsOtp`]: Cognito sends a code and asks
    ///   for it ([`SignInStep::EmailCode`], [`SignInStep::SmsCode`]).
    /// - [`SignInFactor::WebAuthn`]: Cognito asks for a passkey ([`SignInStep::Passkey`]).
    ///
    /// When Cognito answers `SELECT_CHALLENGE` although a factor was preferred, and lists that
    /// factor, sanctum chooses it in the same call. The result is tokens or the next step (an
    /// MFA code, a new password, ...).
    ///
    /// # Errors
    /// As [`user_srp`](Self::user_srp); [`CognitoError::InvalidArgument`] (nothing sent) for
    /// an empty password; [`CognitoError::NotAuthorized`] when the app client does not allow
    /// `USER_AUTH`.
    pub async fn user_auth(
        &self,
        username: impl Into<Username>,
        preferred: Option<SignInFactor>,
    ) -> Result<SignInStep, CognitoError> {
        self.user_auth_inner(&username.into(), preferred, None)
            .await
    }

    /// [`user_auth`](Self::user_auth) from a remembered device (`DEVICE_KEY`); a
    /// `DEVICE_SRP_AUTH` that follows the first factor is answered with the device's secret in
    /// the same call, as in [`user_srp_with_device`](Self::user_srp_with_device).
    ///
    /// # Errors
    /// As [`user_auth`](Self::user_auth) and
    /// [`user_srp_with_device`](Self::user_srp_with_device).
    pub async fn user_auth_with_device(
        &self,
        username: impl Into<Username>,
        preferred: Option<SignInFactor>,
        device: &DeviceSecret,
    ) -> Result<SignInStep, CognitoError> {
        device.check()?;
        self.user_auth_inner(&username.into(), preferred, Some(device))
            .await
    }

    async fn user_auth_inner(
        &self,
        username: &Username,
        preferred: Option<SignInFactor>,
        device: Option<&DeviceSecret>,
    ) -> Result<SignInStep, CognitoError> {
        if let Some(factor) = &preferred {
            factor.check_password()?;
        }
        let mut params = self.username_parameters(username);
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
                    params.insert("PASSWORD".to_owned(), password.secret().to_owned());
                }
                SignInFactor::PasswordSrp(_) => {
                    let secret = SrpSecret::generate_off_workers().await?;
                    params.insert("SRP_A".to_owned(), secret.srp_a());
                    srp = Some(secret);
                }
                SignInFactor::EmailOtp | SignInFactor::SmsOtp | SignInFactor::WebAuthn => {}
            }
        }
        let next = self
            .initiate(AuthFlowType::UserAuth, username, params)
            .await?;
        let Next::Challenge(state) = next else {
            return Ok(next.into_step());
        };
        match (&preferred, &srp) {
            (Some(SignInFactor::PasswordSrp(password)), Some(secret))
                if state.challenge == "PASSWORD_VERIFIER" =>
            {
                let next = self
                    .answer_password_verifier(&state, secret, password, device)
                    .await?;
                Ok(self.continue_device(next, device).await?.into_step())
            }
            (Some(factor), _) if state.challenge == "SELECT_CHALLENGE" => {
                let SignInStep::SelectFirstFactor(step) = SignInStep::of(state) else {
                    unreachable!("SELECT_CHALLENGE is a SelectFirstFactor step");
                };
                if step.factors().contains(&factor.factor()) {
                    tracing::debug!(factor = %factor.factor(), "SELECT_CHALLENGE despite a preferred factor: choosing it");
                    self.select_factor(step.state(), factor, device).await
                } else {
                    Ok(SignInStep::SelectFirstFactor(step))
                }
            }
            _ => Ok(self
                .continue_device(Next::Challenge(state), device)
                .await?
                .into_step()),
        }
    }

    /// Answers `SELECT_CHALLENGE` with `factor` (SRP run in the same call for `PASSWORD_SRP`).
    pub(crate) async fn select_factor(
        &self,
        state: &StepState,
        factor: &SignInFactor,
        device: Option<&DeviceSecret>,
    ) -> Result<SignInStep, CognitoError> {
        let SignInStep::SelectFirstFactor(step) = SignInStep::of(state.clone()) else {
            return Err(CognitoError::InvalidArgument {
                what: "step",
                reason: "not a SELECT_CHALLENGE step (a stored step was altered?)",
            });
        };
        step.check(factor)?;
        let mut responses =
            HashMap::from([("ANSWER".to_owned(), factor.factor().as_str().to_owned())]);
        match factor {
            SignInFactor::PasswordSrp(password) => {
                let secret = SrpSecret::generate_off_workers().await?;
                responses.insert("SRP_A".to_owned(), secret.srp_a());
                let next = self.send_answer(state, responses).await?;
                Ok(self
                    .continue_srp(next, &secret, password, device)
                    .await?
                    .into_step())
            }
            SignInFactor::Password(password) => {
                responses.insert("PASSWORD".to_owned(), password.secret().to_owned());
                let next = self.send_answer(state, responses).await?;
                Ok(self.continue_device(next, device).await?.into_step())
            }
            SignInFactor::EmailOtp | SignInFactor::SmsOtp | SignInFactor::WebAuthn => {
                let next = self.send_answer(state, responses).await?;
                Ok(self.continue_device(next, device).await?.into_step())
            }
        }
    }

    /// Answers a `PASSWORD_SRP` challenge: `SRP_A`, then the `PASSWORD_VERIFIER` proof.
    pub(crate) async fn answer_password_srp(
        &self,
        state: &StepState,
        password: &Password,
        device: Option<&DeviceSecret>,
    ) -> Result<SignInStep, CognitoError> {
        let secret = SrpSecret::generate_off_workers().await?;
        let responses = HashMap::from([("SRP_A".to_owned(), secret.srp_a())]);
        let next = self.send_answer(state, responses).await?;
        Ok(self
            .continue_srp(next, &secret, password, device)
            .await?
            .into_step())
    }

    /// Answers a step with `responses` (`USERNAME` and `SECRET_HASH` added).
    pub(crate) async fn answer(
        &self,
        state: &StepState,
        responses: HashMap<String, String>,
    ) -> Result<SignInStep, CognitoError> {
        Ok(self.send_answer(state, responses).await?.into_step())
    }

    /// After `SRP_A` was sent: answers a `PASSWORD_VERIFIER` with the proof, then a
    /// `DEVICE_SRP_AUTH` with the device (when there is one).
    async fn continue_srp(
        &self,
        next: Next,
        secret: &SrpSecret,
        password: &Password,
        device: Option<&DeviceSecret>,
    ) -> Result<Next, CognitoError> {
        match next.challenge("PASSWORD_VERIFIER") {
            Some(state) => {
                let next = self
                    .answer_password_verifier(state, secret, password, device)
                    .await?;
                self.continue_device(next, device).await
            }
            None => Ok(next),
        }
    }

    /// Answers a `DEVICE_SRP_AUTH` with `device`, when both are there.
    async fn continue_device(
        &self,
        next: Next,
        device: Option<&DeviceSecret>,
    ) -> Result<Next, CognitoError> {
        match (next.challenge("DEVICE_SRP_AUTH"), device) {
            (Some(state), Some(device)) => self.device_srp(state, device).await,
            _ => Ok(next),
        }
    }

    /// Answers a `DEVICE_SRP_AUTH` step with `device`.
    pub(crate) async fn answer_device(
        &self,
        state: &StepState,
        device: &DeviceSecret,
    ) -> Result<SignInStep, CognitoError> {
        Ok(self.device_srp(state, device).await?.into_step())
    }

    /// `DEVICE_SRP_AUTH` (`DEVICE_KEY`, a new `SRP_A`), then the `DEVICE_PASSWORD_VERIFIER` proof.
    async fn device_srp(
        &self,
        state: &StepState,
        device: &DeviceSecret,
    ) -> Result<Next, CognitoError> {
        let secret = SrpSecret::generate_off_workers().await?;
        let responses = HashMap::from([
            ("DEVICE_KEY".to_owned(), device.device_key.clone()),
            ("SRP_A".to_owned(), secret.srp_a()),
        ]);
        let next = self.send_answer(state, responses).await?;
        let Some(verifier) = next.challenge("DEVICE_PASSWORD_VERIFIER") else {
            return Ok(next);
        };
        let timestamp = cognito_timestamp(self.client.inner.clock.now());
        let claim = secret
            .device_password_claim_off_workers(
                &device.device_group_key,
                &device.device_key,
                &device.device_password,
                &srp_parameters(verifier)?,
                &timestamp,
            )
            .await?;
        let responses = HashMap::from([
            ("DEVICE_KEY".to_owned(), device.device_key.clone()),
            ("PASSWORD_CLAIM_SECRET_BLOCK".to_owned(), claim.secret_block),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), claim.signature),
            ("TIMESTAMP".to_owned(), claim.timestamp),
        ]);
        self.send_answer(verifier, responses).await
    }

    async fn answer_password_verifier(
        &self,
        state: &StepState,
        secret: &SrpSecret,
        password: &Password,
        device: Option<&DeviceSecret>,
    ) -> Result<Next, CognitoError> {
        let inner = &self.client.inner;
        // `state.username` is USER_ID_FOR_SRP when Cognito sent it
        let timestamp = cognito_timestamp(inner.clock.now());
        let claim = secret
            .password_claim_off_workers(
                &inner.pool_id,
                state.username.as_str(),
                password.secret(),
                &srp_parameters(state)?,
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
        self.send_answer(state, responses).await
    }

    async fn send_answer(
        &self,
        state: &StepState,
        responses: HashMap<String, String>,
    ) -> Result<Next, CognitoError> {
        let responses = state.responses(self.client, responses);
        let name = ChallengeNameType::from(state.challenge.as_str());
        let session = state.session.as_ref().map(|s| s.expose().to_owned());
        let inner = &self.client.inner;
        tracing::debug!(challenge = %state.challenge, username = %state.username, admin = state.admin, "answering challenge");
        if state.admin {
            let out = inner
                .sdk
                .admin_respond_to_auth_challenge()
                .user_pool_id(&inner.pool_id)
                .client_id(&inner.client_id)
                .challenge_name(name)
                .set_challenge_responses(Some(responses))
                .set_session(session)
                .send()
                .await
                .map_err(|e| CognitoError::from_sdk("AdminRespondToAuthChallenge", e))?;
            next_of(
                "AdminRespondToAuthChallenge",
                &state.username,
                true,
                raw_auth!(out),
            )
        } else {
            let out = inner
                .sdk
                .respond_to_auth_challenge()
                .client_id(&inner.client_id)
                .challenge_name(name)
                .set_challenge_responses(Some(responses))
                .set_session(session)
                .send()
                .await
                .map_err(|e| CognitoError::from_sdk("RespondToAuthChallenge", e))?;
            next_of(
                "RespondToAuthChallenge",
                &state.username,
                false,
                raw_auth!(out),
            )
        }
    }

    pub(crate) async fn initiate(
        &self,
        flow: AuthFlowType,
        username: &Username,
        params: HashMap<String, String>,
    ) -> Result<Next, CognitoError> {
        tracing::debug!(flow = flow.as_str(), %username, "InitiateAuth");
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
        next_of("InitiateAuth", username, false, raw_auth!(out))
    }

    pub(crate) async fn admin_initiate(
        &self,
        flow: AuthFlowType,
        username: &Username,
        params: HashMap<String, String>,
    ) -> Result<SignInStep, CognitoError> {
        tracing::debug!(flow = flow.as_str(), %username, "AdminInitiateAuth");
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
        Ok(next_of("AdminInitiateAuth", username, true, raw_auth!(out))?.into_step())
    }
}

/// The server's SRP values of a `PASSWORD_VERIFIER` or `DEVICE_PASSWORD_VERIFIER` challenge.
fn srp_parameters(state: &StepState) -> Result<SrpChallenge<'_>, SrpError> {
    let param = |name: &'static str| {
        state
            .parameters
            .get(name)
            .map(String::as_str)
            .ok_or(SrpError::InvalidParameter {
                name,
                reason: "missing",
            })
    };
    Ok(SrpChallenge {
        salt: param("SALT")?,
        srp_b: param("SRP_B")?,
        secret_block: param("SECRET_BLOCK")?,
    })
}

fn next_of(
    operation: &'static str,
    username: &Username,
    admin: bool,
    raw: RawAuth<'_>,
) -> Result<Next, CognitoError> {
    if let Some(result) = raw.result {
        return Ok(Next::Tokens(tokens_of(operation, result)?));
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
        .map_or_else(|| username.clone(), Username::new);
    Ok(Next::Challenge(StepState {
        challenge: name.as_str().to_owned(),
        username,
        session: raw.session.map(StepSecret::new),
        parameters,
        available_challenges: raw
            .available
            .iter()
            .map(|name| name.as_str().to_owned())
            .collect(),
        admin,
    }))
}

#[cfg(test)]
pub(crate) fn state_for_tests(challenge: &str) -> StepState {
    StepState {
        challenge: challenge.to_owned(),
        username: Username::new("alice"),
        session: Some(StepSecret::new("session-abc")),
        parameters: HashMap::new(),
        available_challenges: Vec::new(),
        admin: false,
    }
}
