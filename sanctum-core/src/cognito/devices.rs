//! Remembered devices: [`Devices`], and the device secret the caller keeps ([`DeviceSecret`]).
//!
//! When a pool tracks devices, a sign-in from a new device returns its key and group key in
//! [`Tokens::new_device`](super::Tokens::new_device). [`Devices::confirm`] (the user's
//! `client.user(&access_token).devices()`) makes a random device password and gives Cognito
//! only its SRP verifier (`ConfirmDevice`); the caller stores the resulting [`DeviceSecret`]
//! (it is `Serialize`/`Deserialize`) and passes it to
//! [`Auth::user_srp_with_device`](super::Auth::user_srp_with_device) or
//! [`Auth::user_auth_with_device`](super::Auth::user_auth_with_device) later: a remembered
//! device then proves itself by SRP (`DEVICE_SRP_AUTH`) instead of asking for MFA.

use std::fmt;

use aws_sdk_cognitoidentityprovider::types::{
    DeviceRememberedStatusType, DeviceSecretVerifierConfigType, DeviceType,
};
use futures_core::Stream;
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};

use super::paging::{paged, token_pages};
use super::srp::DeviceVerifier;
use super::{Attributes, CognitoError, SanctumClient, attribute_map, send};
use crate::credentials::AccessToken;

/// Devices listed per page (Cognito's maximum).
pub(crate) const DEVICE_PAGE_SIZE: i32 = 60;

/// A device Cognito saw for the first time: the sign-in's `NewDeviceMetadata`. Confirm it with
/// [`Devices::confirm`]. `Debug` hides the group key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewDevice {
    /// `DeviceKey`, e.g. `us-east-1_0f2c6d1e-...`.
    pub device_key: String,
    /// `DeviceGroupKey`.
    pub device_group_key: String,
}

impl fmt::Debug for NewDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewDevice")
            .field("device_key", &self.device_key)
            .field("device_group_key", &"<redacted>")
            .finish()
    }
}

impl NewDevice {
    /// New-device metadata from its parts.
    pub fn new(device_key: impl Into<String>, device_group_key: impl Into<String>) -> Self {
        Self {
            device_key: device_key.into(),
            device_group_key: device_group_key.into(),
        }
    }
}

/// What a remembered device signs in with: its key, group key and the random password
/// [`Devices::confirm`] made. The caller stores it (it is `Serialize`/`Deserialize`; keep it
/// as secret as a password: with the user's password it skips MFA). `Debug` shows only the
/// device key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceSecret {
    /// `DeviceKey`.
    pub device_key: String,
    /// `DeviceGroupKey`.
    pub device_group_key: String,
    /// The device password (base64 of 40 random bytes); Cognito only has its verifier.
    pub device_password: String,
}

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSecret")
            .field("device_key", &self.device_key)
            .field("device_group_key", &"<redacted>")
            .field("device_password", &"<redacted>")
            .finish()
    }
}

impl DeviceSecret {
    /// A device secret from stored parts.
    pub fn new(
        device_key: impl Into<String>,
        device_group_key: impl Into<String>,
        device_password: impl Into<String>,
    ) -> Self {
        Self {
            device_key: device_key.into(),
            device_group_key: device_group_key.into(),
            device_password: device_password.into(),
        }
    }

    /// Refuses an incomplete secret before any request.
    pub(crate) fn check(&self) -> Result<(), CognitoError> {
        if self.device_key.is_empty()
            || self.device_group_key.is_empty()
            || self.device_password.is_empty()
        {
            return Err(CognitoError::InvalidArgument {
                what: "device secret",
                reason: "the device key, group key and password must not be empty",
            });
        }
        Ok(())
    }
}

/// A confirmed device: the secret to store, and whether Cognito waits for the user to choose
/// to remember it (`UserConfirmationNecessary`: the pool lets users opt in; then call
/// [`Devices::set_remembered`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfirmedDevice {
    /// The device secret, for [`Auth::user_srp_with_device`](super::Auth::user_srp_with_device).
    pub secret: DeviceSecret,
    /// Whether the user must still choose to remember the device.
    pub user_confirmation_necessary: bool,
}

/// A device of a user, as `ListDevices` describes it.
///
/// Listed by [`Devices::list_all`] (see [`crate::cognito`] for a client).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Device {
    /// `DeviceKey`.
    pub device_key: String,
    /// Its attributes (`device_name`, `device_status`, `device_remembered_status`,
    /// `last_ip_used`, ...).
    pub attributes: Attributes,
    /// Created, Unix seconds.
    pub created: Option<i64>,
    /// Last modified, Unix seconds.
    pub modified: Option<i64>,
    /// Last signed in with, Unix seconds.
    pub last_authenticated: Option<i64>,
}

impl Device {
    pub(crate) fn of(device: &DeviceType) -> Self {
        Self {
            device_key: device.device_key().unwrap_or_default().to_owned(),
            attributes: attribute_map(device.device_attributes()),
            created: device.device_create_date().map(|d| d.secs()),
            modified: device.device_last_modified_date().map(|d| d.secs()),
            last_authenticated: device.device_last_authenticated_date().map(|d| d.secs()),
        }
    }

    /// The name given at confirmation (`device_name`).
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.attributes.get("device_name").map(String::as_str)
    }

    /// Whether it is remembered (`device_remembered_status`), when Cognito says.
    #[must_use]
    pub fn remembered(&self) -> Option<bool> {
        match self.attributes.get("device_remembered_status")?.as_str() {
            "remembered" => Some(true),
            "not_remembered" => Some(false),
            _ => None,
        }
    }
}

pub(crate) fn remembered_status(remembered: bool) -> DeviceRememberedStatusType {
    if remembered {
        DeviceRememberedStatusType::Remembered
    } else {
        DeviceRememberedStatusType::NotRemembered
    }
}

/// The signed-in user's devices, with their access token; from
/// [`SignedInUser::devices`](super::SignedInUser::devices). An administrator's device
/// operations are [`Users::devices`](super::Users::devices) and its neighbours.
#[derive(Debug, Clone, Copy)]
pub struct Devices<'a> {
    client: &'a SanctumClient,
    access_token: &'a AccessToken,
}

impl<'a> Devices<'a> {
    pub(crate) fn new(client: &'a SanctumClient, access_token: &'a AccessToken) -> Self {
        Self {
            client,
            access_token,
        }
    }

    fn sdk(&self) -> &aws_sdk_cognitoidentityprovider::Client {
        &self.client.inner.sdk
    }

    /// Confirms (tracks) the device of a sign-in's `NewDeviceMetadata` (`ConfirmDevice`, with
    /// the access token of that sign-in): makes a random device password and sends Cognito only
    /// its SRP verifier and salt. Store the returned [`DeviceSecret`]; it cannot be recovered.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`] for an invalid access token,
    /// [`CognitoError::Srp`] when the system's random number generator fails, ...
    pub async fn confirm(
        &self,
        device: &NewDevice,
        device_name: Option<&str>,
    ) -> Result<ConfirmedDevice, CognitoError> {
        if device.device_key.is_empty() || device.device_group_key.is_empty() {
            return Err(CognitoError::InvalidArgument {
                what: "device",
                reason: "the device key and group key must not be empty",
            });
        }
        let verifier =
            DeviceVerifier::generate_off_workers(&device.device_group_key, &device.device_key)
                .await?;
        tracing::debug!(device_key = %device.device_key, "ConfirmDevice");
        let out = send!(
            "ConfirmDevice",
            self.sdk()
                .confirm_device()
                .access_token(self.access_token.secret())
                .device_key(&device.device_key)
                .device_secret_verifier_config(
                    DeviceSecretVerifierConfigType::builder()
                        .password_verifier(verifier.password_verifier.clone())
                        .salt(verifier.salt.clone())
                        .build(),
                )
                .set_device_name(device_name.map(str::to_owned))
        )?;
        Ok(ConfirmedDevice {
            secret: DeviceSecret {
                device_key: device.device_key.clone(),
                device_group_key: device.device_group_key.clone(),
                device_password: verifier.device_password,
            },
            user_confirmation_necessary: out.user_confirmation_necessary(),
        })
    }

    /// Remembers the device, or stops remembering it (`UpdateDeviceStatus`): a device that is
    /// not remembered is still tracked but no longer skips MFA.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`], [`CognitoError::ResourceNotFound`] for an unknown
    /// device, ...
    pub async fn set_remembered(
        &self,
        device_key: &str,
        remembered: bool,
    ) -> Result<(), CognitoError> {
        send!(
            "UpdateDeviceStatus",
            self.sdk()
                .update_device_status()
                .access_token(self.access_token.secret())
                .device_key(device_key)
                .device_remembered_status(remembered_status(remembered))
        )?;
        Ok(())
    }

    /// Forgets the device (`ForgetDevice`): it signs in as a new device again.
    ///
    /// # Errors
    /// [`CognitoError::NotAuthorized`], [`CognitoError::ResourceNotFound`] for an unknown
    /// device, ...
    pub async fn forget(&self, device_key: &str) -> Result<(), CognitoError> {
        send!(
            "ForgetDevice",
            self.sdk()
                .forget_device()
                .access_token(self.access_token.secret())
                .device_key(device_key)
        )?;
        Ok(())
    }

    /// The signed-in user's devices (`ListDevices`), page by page as the stream is read. One
    /// failed page is one `Err` item, and ends the stream.
    pub fn list(&self) -> impl Stream<Item = Result<Device, CognitoError>> + Send + 'static {
        let sdk = self.sdk().clone();
        let access_token = self.access_token.clone();
        let pages = token_pages(
            move |token| {
                sdk.list_devices()
                    .access_token(access_token.secret())
                    .limit(DEVICE_PAGE_SIZE)
                    .set_pagination_token(token)
                    .send()
            },
            |page| page.pagination_token(),
        );
        paged!(
            "ListDevices",
            pages,
            |page| page.pagination_token(),
            |page: &aws_sdk_cognitoidentityprovider::operation::list_devices::ListDevicesOutput| {
                page.devices().iter().map(Device::of).collect::<Vec<_>>()
            }
        )
    }

    /// Every device of the signed-in user; see [`list`](Self::list).
    ///
    /// # Errors
    /// The first page that fails.
    pub async fn list_all(&self) -> Result<Vec<Device>, CognitoError> {
        futures_util::TryStreamExt::try_collect(self.list()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_device_secrets_shows_the_key_but_not_the_group_key_or_password() {
        let secret = DeviceSecret::new(
            "us-east-1_device-key-1",
            "GROUP-KEY-SECRET",
            "DEVICE-PASSWORD-SECRET",
        );
        let confirmed = ConfirmedDevice {
            secret: secret.clone(),
            user_confirmation_necessary: false,
        };
        let new = NewDevice::new("us-east-1_device-key-1", "GROUP-KEY-SECRET");
        let verifier = DeviceVerifier::insecure_from_parts("g", "k", "VERIFIER-PASSWORD", &[1; 16]);
        let shown = format!("{secret:?} {confirmed:?} {new:?} {verifier:?}");
        for leaked in [
            "GROUP-KEY-SECRET",
            "DEVICE-PASSWORD-SECRET",
            "VERIFIER-PASSWORD",
            &verifier.password_verifier,
            &verifier.salt,
        ] {
            assert!(!shown.contains(leaked), "{leaked} leaked in {shown}");
        }
        assert!(shown.contains("us-east-1_device-key-1"));
    }

    #[test]
    fn a_device_secret_round_trips_through_serde_for_the_caller_to_store() {
        let secret = DeviceSecret::new("key", "group", "password");
        let json = serde_json::to_value(&secret).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "device_key": "key", "device_group_key": "group", "device_password": "password"
            })
        );
        let back: DeviceSecret = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, secret);
        assert!(back.check().is_ok());
        assert!(DeviceSecret::new("key", "", "password").check().is_err());
    }

    #[test]
    fn generated_device_passwords_and_salts_are_fresh_and_40_and_16_bytes() {
        use base64::Engine as _;
        let a = DeviceVerifier::generate("group", "key").expect("random");
        let b = DeviceVerifier::generate("group", "key").expect("random");
        assert_ne!(a.device_password, b.device_password);
        let engine = base64::engine::general_purpose::STANDARD;
        assert_eq!(engine.decode(&a.device_password).map(|p| p.len()), Ok(40));
        let salt = engine.decode(&a.salt).expect("base64 salt");
        assert!((1..=17).contains(&salt.len()));
        let again = DeviceVerifier::insecure_from_parts("group", "key", &a.device_password, &{
            // the salt as drawn: the padded bytes without a leading zero
            let mut s = salt.clone();
            if s.len() == 17 {
                s.remove(0);
            }
            s
        });
        assert_eq!(again.password_verifier, a.password_verifier);
    }
}
