//! Passkeys (WebAuthn credentials) of a signed-in user and their sign-in factors: [`Passkeys`].
//!
//! Registration is two calls around the browser: [`Passkeys::start_registration`] gives the
//! `PublicKeyCredentialCreationOptionsJSON` to hand to `navigator.credentials.create`, and
//! [`Passkeys::complete_registration`] takes the `RegistrationResponseJSON` it returned. Signing
//! in with a passkey is the [`PasskeyStep`](super::PasskeyStep) of [`Auth::user_auth`](super::Auth::user_auth).
//!
//! The SDK carries this JSON as its own `Document` type; sanctum converts it to and from
//! [`serde_json::Value`] (numbers that JSON cannot hold, such as a NaN, become `null`).

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{AuthFactorType, WebAuthnCredentialDescription};
use aws_smithy_types::{Document, Number};
use futures_core::Stream;
use futures_util::StreamExt as _;
use serde_json::Value;

use super::auth::FirstFactor;
use super::paging::{paged, token_pages};
use super::{CognitoError, SanctumClient};
use crate::credentials::AccessToken;

/// Credentials listed per page (Cognito's maximum is 20).
const PAGE_SIZE: i32 = 20;

/// A registered passkey, as `ListWebAuthnCredentials` describes it.
///
/// Listed by [`Passkeys::list_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Passkey {
    /// `CredentialId`, for [`Passkeys::delete`].
    pub credential_id: String,
    /// The authenticator's name for it (`FriendlyCredentialName`), when it gave one.
    pub friendly_name: Option<String>,
    /// The relying party (`RelyingPartyId`).
    pub relying_party_id: String,
    /// `platform` or `cross-platform` (`AuthenticatorAttachment`).
    pub authenticator_attachment: Option<String>,
    /// How the authenticator is reached (`usb`, `nfc`, `ble`, `internal`, `hybrid`).
    pub transports: Vec<String>,
    /// Registered, Unix seconds.
    pub created: i64,
}

impl Passkey {
    fn of(c: &WebAuthnCredentialDescription) -> Self {
        Self {
            credential_id: c.credential_id().to_owned(),
            friendly_name: Some(c.friendly_credential_name())
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            relying_party_id: c.relying_party_id().to_owned(),
            authenticator_attachment: c.authenticator_attachment().map(str::to_owned),
            transports: c.authenticator_transports().to_vec(),
            created: c.created_at().secs(),
        }
    }
}

/// A sign-in factor a user has configured (`ConfiguredUserAuthFactors`).
///
/// Part of [`UserAuthFactors`], returned by [`Passkeys::auth_factors`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthFactor {
    /// `PASSWORD`.
    Password,
    /// `EMAIL_OTP`.
    EmailOtp,
    /// `SMS_OTP`.
    SmsOtp,
    /// `WEB_AUTHN`: at least one passkey.
    WebAuthn,
    /// `SOFTWARE_TOKEN` (an authenticator app, as MFA).
    SoftwareToken,
    /// A factor sanctum has no name for, by Cognito's name.
    Other(String),
}

impl AuthFactor {
    fn of(factor: &AuthFactorType) -> Self {
        match factor.as_str() {
            "PASSWORD" => Self::Password,
            "EMAIL_OTP" => Self::EmailOtp,
            "SMS_OTP" => Self::SmsOtp,
            "WEB_AUTHN" => Self::WebAuthn,
            "SOFTWARE_TOKEN" => Self::SoftwareToken,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The first factor of choice-based sign-in this is, if it is one (a password gives both
    /// `PASSWORD` and `PASSWORD_SRP`; this says `PASSWORD`).
    #[must_use]
    pub fn first_factor(&self) -> Option<FirstFactor> {
        match self {
            Self::Password => Some(FirstFactor::Password),
            Self::EmailOtp => Some(FirstFactor::EmailOtp),
            Self::SmsOtp => Some(FirstFactor::SmsOtp),
            Self::WebAuthn => Some(FirstFactor::WebAuthn),
            Self::SoftwareToken | Self::Other(_) => None,
        }
    }
}

/// A user's sign-in factors and MFA settings (`GetUserAuthFactors`).
///
/// Returned by [`Passkeys::auth_factors`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserAuthFactors {
    /// The user name.
    pub username: String,
    /// The first factors the user can sign in with.
    pub configured: Vec<AuthFactor>,
    /// The MFA methods enabled (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`).
    pub mfa_methods: Vec<String>,
    /// The preferred MFA method.
    pub preferred_mfa: Option<String>,
}

/// The signed-in user's passkeys and sign-in factors, with their access token; from
/// [`SignedInUser::passkeys`](super::SignedInUser::passkeys).
#[derive(Debug, Clone, Copy)]
pub struct Passkeys<'a> {
    client: &'a SanctumClient,
    access_token: &'a AccessToken,
}

impl<'a> Passkeys<'a> {
    pub(crate) fn new(client: &'a SanctumClient, access_token: &'a AccessToken) -> Self {
        Self {
            client,
            access_token,
        }
    }

    fn sdk(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        &self.client.inner.sdk
    }

    /// Starts registering a passkey (`StartWebAuthnRegistration`): the credential creation
    /// options (`PublicKeyCredentialCreationOptionsJSON`) for the browser's
    /// `navigator.credentials.create`.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for an invalid access token; a
    /// [`CognitoError::Service`] (`WebAuthnNotEnabledException`, `WebAuthnConfigurationMissingException`,
    /// ...) when the pool has no passkey sign-in.
    pub async fn start_registration(&self) -> Result<Value, CognitoError> {
        let out = self
            .sdk()
            .start_web_authn_registration()
            .access_token(self.access_token.secret())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("StartWebAuthnRegistration", e))?;
        Ok(document_to_json(out.credential_creation_options()))
    }

    /// Completes the registration with the browser's credential (`RegistrationResponseJSON`, as
    /// `navigator.credentials.create` returned it) (`CompleteWebAuthnRegistration`).
    ///
    /// # Errors
    /// [`CognitoError::InvalidArgument`] (nothing sent) when `credential` is not a JSON object;
    /// [`CognitoError::NotAuthorized`]; a [`CognitoError::Service`]
    /// (`WebAuthnChallengeNotFoundException`, `WebAuthnOriginNotAllowedException`, ...) when
    /// Cognito refuses the credential.
    pub async fn complete_registration(&self, credential: &Value) -> Result<(), CognitoError> {
        if !credential.is_object() {
            return Err(CognitoError::InvalidArgument {
                what: "credential",
                reason: "must be the browser's credential as a JSON object",
            });
        }
        self.sdk()
            .complete_web_authn_registration()
            .access_token(self.access_token.secret())
            .credential(json_to_document(credential))
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("CompleteWebAuthnRegistration", e))?;
        Ok(())
    }

    /// The signed-in user's passkeys (`ListWebAuthnCredentials`), page by page as the stream is
    /// read. One failed page is one `Err` item, and ends the stream.
    pub fn list(&self) -> impl Stream<Item = Result<Passkey, CognitoError>> + Send + 'static {
        let sdk = self.sdk().clone();
        let access_token = self.access_token.clone();
        let pages = token_pages(
            move |token| {
                sdk.list_web_authn_credentials()
                    .access_token(access_token.secret())
                    .max_results(PAGE_SIZE)
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
        );
        paged!(
            "ListWebAuthnCredentials",
            pages,
            |page| page.next_token(),
            |page: &aws_sdk_cognitoidentityprovider::operation::list_web_authn_credentials::ListWebAuthnCredentialsOutput| {
                page.credentials().iter().map(Passkey::of).collect::<Vec<_>>()
            }
        )
    }

    /// Every passkey of the signed-in user; see [`list`](Self::list).
    ///
    /// # Errors
    /// The first page that fails.
    pub async fn list_all(&self) -> Result<Vec<Passkey>, CognitoError> {
        futures_util::TryStreamExt::try_collect(self.list()).await
    }

    /// Deletes a passkey (`DeleteWebAuthnCredential`).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`], [`CognitoError::ResourceNotFound`] for an unknown id.
    pub async fn delete(&self, credential_id: &str) -> Result<(), CognitoError> {
        self.sdk()
            .delete_web_authn_credential()
            .access_token(self.access_token.secret())
            .credential_id(credential_id)
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("DeleteWebAuthnCredential", e))?;
        Ok(())
    }

    /// The signed-in user's sign-in factors and MFA settings (`GetUserAuthFactors`).
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for an invalid access token.
    pub async fn auth_factors(&self) -> Result<UserAuthFactors, CognitoError> {
        let out = self
            .sdk()
            .get_user_auth_factors()
            .access_token(self.access_token.secret())
            .send()
            .await
            .map_err(|e| CognitoError::from_sdk("GetUserAuthFactors", e))?;
        Ok(UserAuthFactors {
            username: out.username().to_owned(),
            configured: out
                .configured_user_auth_factors()
                .iter()
                .map(AuthFactor::of)
                .collect(),
            mfa_methods: out.user_mfa_setting_list().to_vec(),
            preferred_mfa: out.preferred_mfa_setting().map(str::to_owned),
        })
    }
}

/// The SDK's `Document` as JSON; a float JSON cannot hold (NaN, infinity) becomes `null`.
#[must_use]
pub(crate) fn document_to_json(document: &Document) -> Value {
    match document {
        Document::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), document_to_json(v)))
                .collect(),
        ),
        Document::Array(items) => Value::Array(items.iter().map(document_to_json).collect()),
        Document::Number(Number::PosInt(n)) => Value::from(*n),
        Document::Number(Number::NegInt(n)) => Value::from(*n),
        Document::Number(Number::Float(f)) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        Document::String(s) => Value::String(s.clone()),
        Document::Bool(b) => Value::Bool(*b),
        Document::Null => Value::Null,
    }
}

/// JSON as the SDK's `Document`: integers stay integers, other numbers become floats.
#[must_use]
pub(crate) fn json_to_document(value: &Value) -> Document {
    match value {
        Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), json_to_document(v)))
                .collect::<HashMap<_, _>>(),
        ),
        Value::Array(items) => Document::Array(items.iter().map(json_to_document).collect()),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or(f64::NAN))
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Bool(b) => Document::Bool(*b),
        Value::Null => Document::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_and_documents_convert_both_ways_without_losing_integers() {
        let value = json!({
            "challenge": "Y2hhbGxlbmdl",
            "timeout": 60000,
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"alg": -257}],
            "ratio": 0.5,
            "user": {"id": "dXNlcg", "name": "alice", "displayName": null},
            "excludeCredentials": [],
            "flag": true,
            "big": u64::MAX,
        });
        let document = json_to_document(&value);
        assert_eq!(document_to_json(&document), value);
        assert!(matches!(
            document.as_object().and_then(|o| o.get("pubKeyCredParams")),
            Some(Document::Array(items)) if matches!(
                items[0].as_object().and_then(|o| o.get("alg")),
                Some(Document::Number(Number::NegInt(-7)))
            )
        ));
    }

    #[test]
    fn a_float_json_cannot_hold_becomes_null_instead_of_panicking() {
        assert_eq!(
            document_to_json(&Document::Number(Number::Float(f64::NAN))),
            Value::Null
        );
        assert_eq!(
            document_to_json(&Document::Array(vec![Document::Number(Number::Float(
                f64::INFINITY
            ))])),
            json!([null])
        );
    }
}
