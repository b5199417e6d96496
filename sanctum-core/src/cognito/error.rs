//! [`CognitoError`]: what a Cognito operation can fail with.
//!
//! Every exception Cognito answers with becomes a typed variant carrying an [`AwsError`] (the
//! AWS error code, its message and the request id); a request that never got a Cognito answer is
//! a [`CognitoError::Transport`]. Messages never contain passwords, tokens or the client secret.

use std::error::Error as StdError;
use std::fmt;

use aws_sdk_cognitoidentityprovider::config::http::HttpResponse;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::operation::RequestId as _;

use super::srp::SrpError;
use crate::error::VerifyError;

/// The details of an exception answered by Cognito.
///
/// Carried by [`CognitoError`](crate::cognito::CognitoError); see its example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// The AWS error code, e.g. `NotAuthorizedException`.
    pub code: String,
    /// The message Cognito sent, if any.
    pub message: Option<String>,
    /// The request id (`x-amzn-requestid`), to quote to AWS support.
    pub request_id: Option<String>,
}

impl AwsError {
    /// An error with this code and message, without a request id (for tests of your own code).
    #[must_use]
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: Some(message.into()),
            request_id: None,
        }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)?;
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// Why a Cognito operation failed.
///
/// The Cognito exceptions an application usually handles have their own variant; any other one
/// is [`CognitoError::Service`]. [`aws`](Self::aws) gives the code, message and request id of
/// every variant that came from Cognito.
///
/// ```no_run
/// use sanctum_core::cognito::{CognitoError, SanctumClient, SignInStep};
///
/// # async fn run(client: &SanctumClient) -> Result<(), CognitoError> {
/// match client.auth().sign_in("alice", "wrong password").await {
///     Ok(SignInStep::Done(tokens)) => println!("signed in, {} s left", tokens.expires_in),
///     Ok(step) => println!("next step: {:?}", step.challenge_name()),
///     Err(CognitoError::NotAuthorized(aws)) => println!("refused: {aws}"),
///     Err(other) => return Err(other),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CognitoError {
    /// `NotAuthorizedException`: wrong password, disabled user, revoked or expired token, or the
    /// caller may not do this.
    #[error("not authorized: {0}")]
    NotAuthorized(AwsError),
    /// `UserNotFoundException`.
    #[error("user not found: {0}")]
    UserNotFound(AwsError),
    /// `UsernameExistsException`: a user with this name (or alias) already exists.
    #[error("user already exists: {0}")]
    UserExists(AwsError),
    /// `GroupExistsException`.
    #[error("group already exists: {0}")]
    GroupExists(AwsError),
    /// `AliasExistsException`: the email or phone number is another user's alias.
    #[error("alias already in use: {0}")]
    AliasExists(AwsError),
    /// `ResourceNotFoundException`: the user pool, app client or group does not exist.
    #[error("resource not found: {0}")]
    ResourceNotFound(AwsError),
    /// `InvalidPasswordException`: the password breaks the pool's policy.
    #[error("invalid password: {0}")]
    InvalidPassword(AwsError),
    /// `CodeMismatchException`: a wrong confirmation or MFA code.
    #[error("code mismatch: {0}")]
    CodeMismatch(AwsError),
    /// `ExpiredCodeException`: the code expired or was never issued.
    #[error("expired code: {0}")]
    ExpiredCode(AwsError),
    /// `UserNotConfirmedException`: the user signed up but has not confirmed.
    #[error("user not confirmed: {0}")]
    UserNotConfirmed(AwsError),
    /// `PasswordResetRequiredException`: an administrator reset the password.
    #[error("password reset required: {0}")]
    PasswordResetRequired(AwsError),
    /// `LimitExceededException`.
    #[error("limit exceeded: {0}")]
    LimitExceeded(AwsError),
    /// `TooManyRequestsException`: throttled.
    #[error("too many requests: {0}")]
    TooManyRequests(AwsError),
    /// `TooManyFailedAttemptsException`.
    #[error("too many failed attempts: {0}")]
    TooManyFailedAttempts(AwsError),
    /// `InvalidParameterException`: a parameter is missing or malformed (also: an auth flow the
    /// app client does not allow).
    #[error("invalid parameter: {0}")]
    InvalidParameter(AwsError),
    /// `SoftwareTokenMFANotFoundException`: the user has no TOTP token associated.
    #[error("software token MFA not set up: {0}")]
    SoftwareTokenMfaNotFound(AwsError),
    /// `InvalidUserPoolConfigurationException`.
    #[error("invalid user pool configuration: {0}")]
    InvalidUserPoolConfiguration(AwsError),
    /// `CodeDeliveryFailureException`: Cognito could not send the code.
    #[error("code delivery failed: {0}")]
    CodeDeliveryFailure(AwsError),
    /// `InternalErrorException`: Cognito's own failure.
    #[error("Cognito internal error: {0}")]
    Internal(AwsError),
    /// Any other Cognito exception, by its code (`HTTP <status>` when the answer named none).
    #[error("Cognito error {0}")]
    Service(AwsError),
    /// The request got no Cognito answer: connection, timeout, credentials, or an unreadable
    /// response.
    #[error("{operation} failed before Cognito answered: {message}")]
    Transport {
        /// The operation, e.g. `InitiateAuth`.
        operation: &'static str,
        /// What went wrong, with its causes.
        message: String,
        /// The SDK's error.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// Cognito answered with success but without something it always sends (e.g. no tokens and
    /// no challenge).
    #[error("unexpected {operation} response: {what}")]
    UnexpectedResponse {
        /// The operation.
        operation: &'static str,
        /// What is missing or wrong.
        what: &'static str,
    },
    /// A token given to the client failed verification (e.g. the access token of
    /// [`Auth::revoke_session`](super::Auth::revoke_session)).
    #[error("token rejected: {0}")]
    InvalidToken(#[from] VerifyError),
    /// The SRP proof could not be computed: the server's `PASSWORD_VERIFIER` values were
    /// malformed or unsafe, or the system's random number generator failed.
    #[error("SRP sign-in: {0}")]
    Srp(#[from] SrpError),
    /// Cognito did `operation` (the user is signed out, disabled or deleted, or the refresh
    /// token revoked), but the revocation could not be recorded in the client's store, so
    /// verifiers sharing the store still accept the user's earlier tokens: `source` says why
    /// (e.g. `AdminGetUser` throttled, or a session token without `origin_jti`). Calling the
    /// operation again (it is idempotent at Cognito, [`Users::delete`](super::Users::delete)
    /// aside, which left the user disabled) retries the recording; or record it yourself with
    /// [`SanctumClient::record_revocation`](super::SanctumClient::record_revocation).
    #[error("{operation} done, but its revocation was not recorded: {source}")]
    RevocationNotRecorded {
        /// The operation Cognito did, e.g. `AdminDisableUser`.
        operation: &'static str,
        /// Why nothing was recorded.
        #[source]
        source: Box<CognitoError>,
    },
    /// An argument was refused before any request was sent.
    #[error("invalid argument {what}: {reason}")]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// Why.
        reason: &'static str,
    },
}

impl CognitoError {
    /// The code, message and request id when Cognito answered with an exception.
    #[must_use]
    pub fn aws(&self) -> Option<&AwsError> {
        match self {
            Self::NotAuthorized(e)
            | Self::UserNotFound(e)
            | Self::UserExists(e)
            | Self::GroupExists(e)
            | Self::AliasExists(e)
            | Self::ResourceNotFound(e)
            | Self::InvalidPassword(e)
            | Self::CodeMismatch(e)
            | Self::ExpiredCode(e)
            | Self::UserNotConfirmed(e)
            | Self::PasswordResetRequired(e)
            | Self::LimitExceeded(e)
            | Self::TooManyRequests(e)
            | Self::TooManyFailedAttempts(e)
            | Self::InvalidParameter(e)
            | Self::SoftwareTokenMfaNotFound(e)
            | Self::InvalidUserPoolConfiguration(e)
            | Self::CodeDeliveryFailure(e)
            | Self::Internal(e)
            | Self::Service(e) => Some(e),
            Self::Transport { .. }
            | Self::UnexpectedResponse { .. }
            | Self::InvalidToken(_)
            | Self::Srp(_)
            | Self::RevocationNotRecorded { .. }
            | Self::InvalidArgument { .. } => None,
        }
    }

    /// The AWS error code, e.g. `UserNotFoundException`.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        self.aws().map(|e| e.code.as_str())
    }

    /// The AWS request id.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.aws().and_then(|e| e.request_id.as_deref())
    }

    /// Maps an exception by its AWS code (`NotAuthorizedException`, ...) to its variant.
    #[must_use]
    pub fn from_aws(aws: AwsError) -> Self {
        match aws.code.as_str() {
            "NotAuthorizedException" => Self::NotAuthorized(aws),
            "UserNotFoundException" => Self::UserNotFound(aws),
            "UsernameExistsException" => Self::UserExists(aws),
            "GroupExistsException" => Self::GroupExists(aws),
            "AliasExistsException" => Self::AliasExists(aws),
            "ResourceNotFoundException" => Self::ResourceNotFound(aws),
            "InvalidPasswordException" => Self::InvalidPassword(aws),
            "CodeMismatchException" => Self::CodeMismatch(aws),
            "ExpiredCodeException" => Self::ExpiredCode(aws),
            "UserNotConfirmedException" => Self::UserNotConfirmed(aws),
            "PasswordResetRequiredException" => Self::PasswordResetRequired(aws),
            "LimitExceededException" => Self::LimitExceeded(aws),
            "TooManyRequestsException" => Self::TooManyRequests(aws),
            "TooManyFailedAttemptsException" => Self::TooManyFailedAttempts(aws),
            "InvalidParameterException" => Self::InvalidParameter(aws),
            "SoftwareTokenMFANotFoundException" => Self::SoftwareTokenMfaNotFound(aws),
            "InvalidUserPoolConfigurationException" => Self::InvalidUserPoolConfiguration(aws),
            "CodeDeliveryFailureException" => Self::CodeDeliveryFailure(aws),
            "InternalErrorException" => Self::Internal(aws),
            _ => Self::Service(aws),
        }
    }

    /// Maps an SDK error of `operation`. The raw HTTP response is dropped: an unreadable body
    /// may hold tokens, and neither the message nor the kept source may show it.
    pub(crate) fn from_sdk<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let request_id = err.request_id().map(str::to_owned);
        let status = err.raw_response().map(|r| r.status().as_u16());
        if let SdkError::ServiceError(service) = &err {
            let inner = service.err();
            let aws = AwsError {
                code: inner.code().map_or_else(
                    || format!("HTTP {}", status.unwrap_or_default()),
                    str::to_owned,
                ),
                message: inner.message().map(redact_tokens),
                request_id,
            };
            tracing::debug!(operation, error = %aws, "Cognito refused the request");
            return Self::from_aws(aws);
        }
        // an error status without an exception name is still Cognito's answer, not transport
        if let Some(status) = status.filter(|s| *s >= 400) {
            let aws = AwsError {
                code: format!("HTTP {status}"),
                message: None,
                request_id,
            };
            tracing::debug!(operation, error = %aws, "Cognito refused the request");
            return Self::from_aws(aws);
        }
        let message = error_chain(&err);
        tracing::debug!(operation, error = %message, "Cognito request failed");
        let source = err
            .into_source()
            .unwrap_or_else(|_| Box::new(std::io::Error::other(message.clone())));
        Self::Transport {
            operation,
            message,
            source,
        }
    }
}

/// An error and its sources' messages (`Display` only, never `Debug`), at most 8 deep.
fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    for _ in 0..8 {
        let Some(cause) = next else { break };
        let shown = cause.to_string();
        if !text.ends_with(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        next = cause.source();
    }
    text
}

/// Replaces anything that may be a secret the request carried in a server message: some
/// servers (moto) echo the token, refresh token or `SECRET_HASH` they refused, and messages
/// end up in logs. A word is redacted when it looks like a JWT (`eyJ...` with two dots), or is
/// a run of at least [`SECRET_LIKE_LEN`] base64/base64url/UUID characters with a digit in it
/// (refresh tokens, `SECRET_HASH`, sessions, codes), pool ids aside. Cognito's own messages
/// ("Incorrect username or password.", "User is disabled.") have no such word.
fn redact_tokens(message: &str) -> String {
    message
        .split(' ')
        .map(|word| {
            let looks_like_jwt = word
                .find("eyJ")
                .is_some_and(|start| word[start..].matches('.').count() >= 2);
            let core = word.trim_matches(|c: char| {
                matches!(
                    c,
                    '"' | '\'' | '(' | ')' | '[' | ']' | ',' | ':' | ';' | '<' | '>'
                ) || (c == '.' && !word.contains("eyJ"))
            });
            let secret_like = core.len() >= SECRET_LIKE_LEN
                && core.bytes().any(|b| b.is_ascii_digit())
                && core
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=_-.".contains(&b))
                && crate::config::pool_id_region(core).is_none();
            if looks_like_jwt {
                "<redacted token>".to_owned()
            } else if secret_like {
                word.replace(core, "<redacted>")
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The shortest echoed value treated as a possible secret.
const SECRET_LIKE_LEN: usize = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_echoed_in_server_messages_are_redacted() {
        assert_eq!(
            redact_tokens("Invalid token eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl given"),
            "Invalid token <redacted token> given"
        );
        assert_eq!(redact_tokens("User is disabled."), "User is disabled.");
        // moto echoes a refused SECRET_HASH or refresh token as the whole message
        assert_eq!(
            redact_tokens("1I/5nVq8Hk3vO0w4yQ7sRj2bXe9LmPzT6aUcDfGh1Kw="),
            "<redacted>"
        );
        assert_eq!(
            redact_tokens("Invalid refresh token \"0d3c5b8e-1f2a-4b6c-8d9e-0a1b2c3d4e5f\"."),
            "Invalid refresh token \"<redacted>\"."
        );
        // what helps debugging stays
        assert_eq!(
            redact_tokens("User pool us-east-1_AbC123xyz does not exist."),
            "User pool us-east-1_AbC123xyz does not exist."
        );
        assert_eq!(
            redact_tokens("InvalidParameterException: USER_PASSWORD_AUTH flow not enabled"),
            "InvalidParameterException: USER_PASSWORD_AUTH flow not enabled"
        );
    }

    #[test]
    fn codes_map_to_their_variants_and_keep_code_message_and_request_id() {
        type IsExpected = fn(&CognitoError) -> bool;
        let cases: [(&str, IsExpected); 6] = [
            ("NotAuthorizedException", |e| {
                matches!(e, CognitoError::NotAuthorized(_))
            }),
            ("UserNotFoundException", |e| {
                matches!(e, CognitoError::UserNotFound(_))
            }),
            ("UsernameExistsException", |e| {
                matches!(e, CognitoError::UserExists(_))
            }),
            ("CodeMismatchException", |e| {
                matches!(e, CognitoError::CodeMismatch(_))
            }),
            ("TooManyRequestsException", |e| {
                matches!(e, CognitoError::TooManyRequests(_))
            }),
            ("SomethingNewException", |e| {
                matches!(e, CognitoError::Service(_))
            }),
        ];
        for (code, is_expected) in cases {
            let err = CognitoError::from_aws(AwsError {
                code: code.to_owned(),
                message: Some("because".to_owned()),
                request_id: Some("req-1".to_owned()),
            });
            assert!(is_expected(&err), "{code} -> {err:?}");
            assert_eq!(err.code(), Some(code));
            assert_eq!(err.request_id(), Some("req-1"));
            let shown = err.to_string();
            assert!(
                shown.contains(code) && shown.contains("because") && shown.contains("req-1"),
                "{shown}"
            );
        }
    }
}
