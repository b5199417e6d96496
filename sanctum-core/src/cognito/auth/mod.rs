//! The public app client's side: sign-in and its steps, refresh and revoke, sign-up and
//! forgotten passwords — [`Auth`], from [`SanctumClient::auth`]. No AWS credentials and no
//! user token are needed (the app client's secret, when it has one, is sent as
//! `SECRET_HASH`).
//!
//! - [`flows`](Auth::sign_in): sign-in by SRP (the default), `USER_PASSWORD_AUTH`,
//!   `CUSTOM_AUTH`, choice-based `USER_AUTH`, and from a remembered device;
//! - [`steps`](SignInStep): what a sign-in gives — tokens, or a step to answer, storable
//!   between requests;
//! - [`factors`](SignInFactor): what a user signs in with;
//! - [`refresh`](Auth::refresh) and [`revoke`](Auth::revoke);
//! - [`sign_up`](Auth::sign_up) and [`forgot_password`](Auth::forgot_password);
//! - [`Tokens`].

mod factors;
mod flows;
mod refresh;
mod sign_up;
mod steps;
mod tokens;

pub use self::factors::{FirstFactor, MfaKind, PasswordFlow, SignInFactor};
pub use self::sign_up::{SignUp, SignUpResult};
pub use self::steps::{
    CodeStep, CustomChallengeStep, DeviceStep, NewPasswordStep, PasskeyStep, PasswordStep,
    SelectFactorStep, SelectMfaStep, SignInStep, TotpSetupStep, UnknownStep,
};
pub use self::tokens::Tokens;

use super::SanctumClient;

/// The public app client's operations (sign-in, refresh, revoke, sign-up, forgotten
/// passwords); from [`SanctumClient::auth`]. See the [module docs](super) for the map of
/// every operation.
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    pub(crate) client: &'a SanctumClient,
}

impl<'a> Auth<'a> {
    pub(crate) fn new(client: &'a SanctumClient) -> Self {
        Self { client }
    }
}

#[cfg(test)]
mod tests;
