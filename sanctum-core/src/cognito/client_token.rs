//! Machine-to-machine tokens from Cognito's `GetClientToken` API: the SDK side of
//! [`ClientCredentials`] ([`ClientCredentials::get_client_token`]); the token endpoint, the
//! cache and the tower layer are in [`crate::client_credentials`] and need no SDK.

use std::sync::Arc;

use super::{CognitoError, SanctumClient, SdkClient};
use crate::client_credentials::{
    ClientCredentials, ClientCredentialsBuilder, ClientCredentialsError, FetchFuture, Fetched,
    Grant, TokenFetcher,
};

const OPERATION: &str = "GetClientToken";

/// `GetClientToken` through an SDK client.
struct GetClientToken {
    sdk: SdkClient,
}

impl ClientCredentials {
    /// Tokens from Cognito's `GetClientToken` API, through `client`'s SDK client (its endpoint,
    /// credentials and timeouts) and on its clock; `client_id` is the machine client's, not
    /// necessarily `client`'s own. Feature `cognito`.
    pub fn get_client_token(
        client: &SanctumClient,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder::with_fetcher(
            client_id.into(),
            client_secret.into(),
            Arc::new(GetClientToken {
                sdk: client.sdk().clone(),
            }),
            Arc::clone(client.clock()),
        )
    }
}

impl GetClientToken {
    async fn request(&self, grant: Grant<'_>) -> Result<Fetched, ClientCredentialsError> {
        let out = self
            .sdk
            .get_client_token()
            .client_id(grant.client_id)
            .secret(grant.secret.expose())
            .set_scopes((!grant.scopes.is_empty()).then(|| grant.scopes.to_vec()))
            .send()
            .await
            .map_err(|e| api_error(CognitoError::from_sdk(OPERATION, e)))?;
        let result = out.client_authentication_result().ok_or_else(|| {
            ClientCredentialsError::BadResponse {
                what: "GetClientToken answered without a result".to_owned(),
            }
        })?;
        let access_token = result
            .access_token()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ClientCredentialsError::BadResponse {
                what: "GetClientToken answered without an access token".to_owned(),
            })?
            .to_owned();
        Ok(Fetched {
            access_token,
            expires_in: u64::try_from(result.expires_in()).unwrap_or(0),
            token_type: result.token_type().map(str::to_owned),
        })
    }
}

impl TokenFetcher for GetClientToken {
    fn fetch<'a>(&'a self, grant: Grant<'a>) -> FetchFuture<'a> {
        Box::pin(self.request(grant))
    }

    fn name(&self) -> &str {
        OPERATION
    }
}

/// A `GetClientToken` exception as a [`ClientCredentialsError`]: the ones the token endpoint
/// has too by the same variant, the rest with the [`CognitoError`] as source.
fn api_error(err: CognitoError) -> ClientCredentialsError {
    let description = err.aws().and_then(|aws| aws.message.clone());
    match &err {
        CognitoError::NotAuthorized(_) | CognitoError::ResourceNotFound(_) => {
            ClientCredentialsError::InvalidClient { description }
        }
        CognitoError::InvalidParameter(_)
            if description
                .as_deref()
                .is_some_and(|d| d.to_ascii_lowercase().contains("scope")) =>
        {
            ClientCredentialsError::InvalidScope { description }
        }
        CognitoError::Transport { message, .. } => ClientCredentialsError::Unavailable {
            message: message.clone(),
        },
        _ => ClientCredentialsError::GetClientToken {
            message: err.to_string(),
            source: Box::new(err),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cognito::AwsError;

    #[test]
    fn exceptions_map_to_the_token_endpoints_variants_or_keep_the_cognito_error() {
        let aws = |code: &str, message: &str| AwsError::new(code, message);
        assert!(matches!(
            api_error(CognitoError::NotAuthorized(aws("NotAuthorizedException", "bad secret"))),
            ClientCredentialsError::InvalidClient { description: Some(d) } if d == "bad secret"
        ));
        assert!(matches!(
            api_error(CognitoError::InvalidParameter(aws(
                "InvalidParameterException",
                "Invalid scope requested"
            ))),
            ClientCredentialsError::InvalidScope { .. }
        ));
        let throttled = api_error(CognitoError::TooManyRequests(aws(
            "TooManyRequestsException",
            "slow down",
        )));
        let source = std::error::Error::source(&throttled).expect("the Cognito error");
        assert!(matches!(
            source.downcast_ref::<CognitoError>(),
            Some(CognitoError::TooManyRequests(e)) if e.code == "TooManyRequestsException"
        ));
        assert!(
            throttled.to_string().contains("TooManyRequestsException"),
            "{throttled}"
        );
    }
}
