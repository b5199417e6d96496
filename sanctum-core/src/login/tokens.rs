//! What a sign-in or a refresh yields: [`LoginTokens`] (to keep) and [`SignedIn`] (the tokens
//! with the verified ID token's claims).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::claims::CognitoClaims;
use crate::credentials::{AccessToken, IdToken, RefreshToken};

/// The tokens of a managed-login sign-in or refresh. `Debug` shows no token; serde writes them
/// as plain strings, for a **server-side** session store (never a browser-readable cookie).
///
/// Part of [`SignedIn`], returned by [`ManagedLogin::finish`](crate::login::ManagedLogin::finish)
/// (see the [module docs](crate::login)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoginTokens {
    /// The access token, for your APIs (and Cognito's user calls, with the
    /// `aws.cognito.signin.user.admin` scope).
    pub access_token: AccessToken,
    /// The ID token: who signed in. Verified before it is handed out.
    pub id_token: IdToken,
    /// The refresh token: after a refresh, the rotated one when Cognito rotated it, else the
    /// one that was used. `None` only if Cognito sent none on sign-in.
    pub refresh_token: Option<RefreshToken>,
    /// When the access token expires, in seconds since the Unix epoch, on the login's clock:
    /// the time of receipt plus `expires_in`.
    pub expires_at: u64,
    /// The token type, `Bearer`.
    pub token_type: String,
}

/// A completed sign-in or refresh: the tokens and the verified ID token's claims (the user's
/// `sub`, `cognito:username`, groups, email, ...).
///
/// Returned by [`ManagedLogin::finish`](crate::login::ManagedLogin::finish) and
/// [`ManagedLogin::refresh`](crate::login::ManagedLogin::refresh); see the [module docs](crate::login).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignedIn {
    /// The tokens, to keep in the session.
    pub tokens: LoginTokens,
    /// The claims of [`LoginTokens::id_token`], verified by the login's verifier.
    pub claims: Arc<CognitoClaims>,
}
