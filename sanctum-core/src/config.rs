//! User pool configuration: region, pool id, app clients, issuer and JWKS URL.

use std::fmt;

use crate::error::ConfigError;

/// One Cognito user pool a [`Verifier`](crate::Verifier) accepts tokens from.
///
/// The issuer (`https://cognito-idp.{region}.amazonaws.com/{pool}`) and the JWKS URL
/// (`{issuer}/.well-known/jwks.json`) are derived from region and pool id; each can be
/// overridden on its own, which emulators need (they issue the AWS-form `iss` but serve keys on
/// loopback). Values are checked by [`VerifierBuilder::build`](crate::VerifierBuilder::build).
///
/// ```
/// use sanctum_core::UserPool;
///
/// let pool = UserPool::new("eu-west-1", "eu-west-1_AbC123xyz").client_id("4a1b2c3d4e5f");
/// assert_eq!(pool.issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz");
/// assert_eq!(
///     pool.jwks_url(),
///     "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz/.well-known/jwks.json"
/// );
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct UserPool {
    pub(crate) region: String,
    pub(crate) pool_id: String,
    pub(crate) client_ids: Vec<String>,
    pub(crate) any_client: bool,
    pub(crate) issuer: Option<String>,
    pub(crate) jwks_url: Option<String>,
    pub(crate) jwks_document: Option<String>,
}

impl UserPool {
    /// A pool in `region` (`us-east-1`) with id `pool_id` (`us-east-1_AbC123xyz`).
    pub fn new(region: impl Into<String>, pool_id: impl Into<String>) -> Self {
        Self {
            region: region.into(),
            pool_id: pool_id.into(),
            client_ids: Vec::new(),
            any_client: false,
            issuer: None,
            jwks_url: None,
            jwks_document: None,
        }
    }

    /// Accepts tokens of this app client (access `client_id`, ID `aud`). May be called repeatedly.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_ids.push(client_id.into());
        self
    }

    /// Accepts tokens of each of these app clients.
    pub fn client_ids<I, S>(mut self, client_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client_ids
            .extend(client_ids.into_iter().map(Into::into));
        self
    }

    /// Accepts tokens issued to *any* app client of the pool, skipping check 8.
    ///
    /// Only for services that really serve every client of the pool: without a client check, a
    /// token minted for another application of the same pool is accepted here too.
    pub fn accept_any_client(mut self) -> Self {
        self.any_client = true;
        self
    }

    /// Overrides the expected `iss` (default: the AWS form derived from region and pool id).
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Overrides where the keys are fetched from (default: `{issuer}/.well-known/jwks.json`).
    pub fn with_jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Uses this fixed JWKS document instead of fetching (offline use); never fetches.
    pub fn with_jwks_document(mut self, json: impl Into<String>) -> Self {
        self.jwks_document = Some(json.into());
        self
    }

    /// The AWS region.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The user pool id.
    #[must_use]
    pub fn pool_id(&self) -> &str {
        &self.pool_id
    }

    /// The accepted app client ids.
    #[must_use]
    pub fn accepted_client_ids(&self) -> &[String] {
        &self.client_ids
    }

    /// The expected `iss`.
    #[must_use]
    pub fn issuer(&self) -> String {
        self.issuer.clone().unwrap_or_else(|| {
            format!(
                "https://cognito-idp.{}.amazonaws.com/{}",
                self.region, self.pool_id
            )
        })
    }

    /// Where the signing keys are fetched from.
    #[must_use]
    pub fn jwks_url(&self) -> String {
        self.jwks_url.clone().unwrap_or_else(|| {
            format!(
                "{}/.well-known/jwks.json",
                self.issuer().trim_end_matches('/')
            )
        })
    }

    /// Checks every value; called by the verifier builder.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if !is_valid_region(&self.region) {
            return Err(ConfigError::InvalidRegion {
                value: self.region.clone(),
            });
        }
        if !is_valid_pool_id(&self.pool_id) {
            return Err(ConfigError::InvalidUserPoolId {
                value: self.pool_id.clone(),
            });
        }
        if self.client_ids.is_empty() && !self.any_client {
            return Err(ConfigError::NoClientIds {
                pool: self.pool_id.clone(),
            });
        }
        if let Some(bad) = self.client_ids.iter().find(|c| !is_valid_client_id(c)) {
            return Err(ConfigError::InvalidClientId { value: bad.clone() });
        }
        if let Some(issuer) = &self.issuer {
            check_url("issuer", issuer)?;
        }
        if let Some(url) = &self.jwks_url {
            check_url("jwks_url", url)?;
        }
        Ok(())
    }
}

impl fmt::Debug for UserPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPool")
            .field("region", &self.region)
            .field("pool_id", &self.pool_id)
            .field("client_ids", &self.client_ids)
            .field("any_client", &self.any_client)
            .field("issuer", &self.issuer())
            .field("jwks_url", &self.jwks_url())
            .field("fixed_jwks", &self.jwks_document.is_some())
            .finish()
    }
}

/// `us-east-1`, `ap-southeast-2`, `us-gov-west-1`, `eu-central-2`, `il-central-1` ...
pub(crate) fn is_valid_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.len() <= 4
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `<region>_<1..=55 alphanumerics>`, as Cognito's own pattern `[\w-]+_[0-9a-zA-Z]+`.
pub(crate) fn is_valid_pool_id(pool_id: &str) -> bool {
    match pool_id.split_once('_') {
        Some((region, id)) => {
            is_valid_region(region)
                && !id.is_empty()
                && id.len() <= 55
                && id.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// Cognito app client ids are 1–128 word characters (`[\w+]+`).
fn is_valid_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'+')
}

fn check_url(what: &'static str, value: &str) -> Result<(), ConfigError> {
    let ok = (value.starts_with("https://") || value.starts_with("http://"))
        && reqwest::Url::parse(value).is_ok_and(|u| u.host_str().is_some_and(|h| !h.is_empty()));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::InvalidUrl {
            what,
            value: value.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_checked() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(is_valid_region(ok), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "US-EAST-1",
            "us_east_1",
            "us-east-x",
            "a-b-c-d-1",
            "us--1",
        ] {
            assert!(!is_valid_region(bad), "{bad}");
        }
    }

    #[test]
    fn pool_ids_are_checked_and_the_error_names_the_value() {
        assert!(is_valid_pool_id("us-east-1_AbC123xyz"));
        for bad in [
            "",
            "us-east-1",
            "us-east-1_",
            "nope_abc",
            "us-east-1_ab-c",
            "us-east-1_a b",
        ] {
            assert!(!is_valid_pool_id(bad), "{bad}");
        }
        let err = UserPool::new("us-east-1", "us-east-1-AbC")
            .client_id("abc")
            .validate()
            .unwrap_err();
        assert!(
            matches!(err, ConfigError::InvalidUserPoolId { ref value } if value == "us-east-1-AbC")
        );
        assert!(err.to_string().contains("us-east-1-AbC"));
    }

    #[test]
    fn a_pool_without_clients_needs_the_explicit_any_client_option() {
        let pool = UserPool::new("us-east-1", "us-east-1_AbC");
        assert!(matches!(
            pool.validate(),
            Err(ConfigError::NoClientIds { .. })
        ));
        assert!(pool.accept_any_client().validate().is_ok());
    }

    #[test]
    fn issuer_and_jwks_url_can_be_overridden_independently() {
        let pool = UserPool::new("us-east-1", "us-east-1_AbC").client_id("c");
        let jwks_only = pool.clone().with_jwks_url("http://127.0.0.1:9000/keys");
        assert_eq!(
            jwks_only.issuer(),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC"
        );
        assert_eq!(jwks_only.jwks_url(), "http://127.0.0.1:9000/keys");
        let issuer_only = pool.with_issuer("http://127.0.0.1:9229/us-east-1_AbC");
        assert_eq!(
            issuer_only.jwks_url(),
            "http://127.0.0.1:9229/us-east-1_AbC/.well-known/jwks.json"
        );
        assert!(matches!(
            issuer_only.with_jwks_url("ftp://x").validate(),
            Err(ConfigError::InvalidUrl {
                what: "jwks_url",
                ..
            })
        ));
    }

    #[test]
    fn bad_client_ids_are_refused() {
        let pool = UserPool::new("us-east-1", "us-east-1_AbC").client_id("");
        assert!(matches!(
            pool.validate(),
            Err(ConfigError::InvalidClientId { .. })
        ));
    }
}
