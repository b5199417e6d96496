//! User pool configuration: region, pool id, app clients, issuers and JWKS URLs.

use std::fmt;

use crate::error::ConfigError;

/// One Cognito user pool a [`Verifier`](crate::Verifier) accepts tokens from.
///
/// A pool accepts by default both issuers Cognito uses, exactly (string match):
///
/// - `https://cognito-idp.{region}.amazonaws.com/{pool}`, the ORIGINAL form;
/// - `https://issuer-cognito-idp.{region}.amazonaws.com/{pool}`, the UPDATED form (a pool's
///   `IssuerConfiguration`; AWS's recommendation, and the form of multi-region pools).
///
/// Each issuer's keys are at `{issuer}/.well-known/jwks.json`, fetched lazily and on their
/// own: one failing JWKS host never breaks the other issuer. A pool replicated to other regions
/// on the ORIGINAL issuer adds each replica's issuer with
/// [`replica_regions`](Self::replica_regions); [`extra_issuer`](Self::extra_issuer) adds any
/// other. Emulators issue the AWS-form `iss` but serve keys on loopback:
/// [`with_jwks_url`](Self::with_jwks_url) fetches every issuer's keys from one URL, and
/// [`with_issuer`](Self::with_issuer) replaces the default issuers with one of your own.
/// Values are checked by [`VerifierBuilder::build`](crate::VerifierBuilder::build).
///
/// ```
/// use sanctum_core::UserPool;
///
/// let pool = UserPool::new("eu-west-1_AbC123xyz").client_id("4a1b2c3d4e5f");
/// assert_eq!(pool.issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz");
/// assert_eq!(
///     pool.issuers(),
///     [
///         "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz",
///         "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz",
///     ]
/// );
/// assert_eq!(
///     pool.jwks_url(),
///     "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz/.well-known/jwks.json"
/// );
///
/// // replicated to us-west-2: tokens issued there name that region
/// let pool = pool.replica_regions(["us-west-2"]);
/// assert!(pool.issuers().contains(
///     &"https://cognito-idp.us-west-2.amazonaws.com/eu-west-1_AbC123xyz".to_owned()
/// ));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct UserPool {
    pub(crate) region: String,
    pub(crate) pool_id: String,
    pub(crate) client_ids: Vec<String>,
    pub(crate) any_client: bool,
    pub(crate) issuer: Option<String>,
    pub(crate) replica_regions: Vec<String>,
    pub(crate) extra_issuers: Vec<(String, Option<String>)>,
    pub(crate) jwks_url: Option<String>,
    pub(crate) jwks_document: Option<String>,
}

/// One issuer of a pool and where its keys are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IssuerSpec {
    pub(crate) iss: String,
    pub(crate) jwks_url: String,
}

fn original_issuer(region: &str, pool_id: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}")
}

fn updated_issuer(region: &str, pool_id: &str) -> String {
    format!("https://issuer-cognito-idp.{region}.amazonaws.com/{pool_id}")
}

fn default_jwks_url(issuer: &str) -> String {
    format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/'))
}

impl UserPool {
    /// The pool with id `pool_id` (`us-east-1_AbC123xyz`), in the region the id names.
    pub fn new(pool_id: impl Into<String>) -> Self {
        let pool_id = pool_id.into();
        Self {
            region: pool_id_region(&pool_id).unwrap_or_default().to_owned(),
            pool_id,
            client_ids: Vec::new(),
            any_client: false,
            issuer: None,
            replica_regions: Vec::new(),
            extra_issuers: Vec::new(),
            jwks_url: None,
            jwks_document: None,
        }
    }

    /// States the region explicitly; it must be the one the pool id names (a mismatch is a
    /// [`ConfigError::RegionMismatch`] when the verifier is built).
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
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

    /// Accepts tokens issued by the pool's replicas in these regions (a multi-region pool on
    /// the ORIGINAL issuer): `https://cognito-idp.{replica}.amazonaws.com/{pool}`, each with its
    /// own regional JWKS URL. May be called repeatedly.
    pub fn replica_regions<I, S>(mut self, regions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.replica_regions
            .extend(regions.into_iter().map(Into::into));
        self
    }

    /// Also accepts tokens whose `iss` is exactly `issuer`, with keys at
    /// `{issuer}/.well-known/jwks.json`. May be called repeatedly.
    pub fn extra_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.extra_issuers.push((issuer.into(), None));
        self
    }

    /// Also accepts tokens whose `iss` is exactly `issuer`, with keys fetched from `jwks_url`.
    pub fn extra_issuer_with_jwks_url(
        mut self,
        issuer: impl Into<String>,
        jwks_url: impl Into<String>,
    ) -> Self {
        self.extra_issuers
            .push((issuer.into(), Some(jwks_url.into())));
        self
    }

    /// Replaces the default issuers (both Cognito forms and the replicas) with this one, for
    /// emulators and tests; [`extra_issuer`](Self::extra_issuer)s are still accepted.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Fetches the keys of every issuer of the pool from this one URL (default: each issuer's
    /// `{issuer}/.well-known/jwks.json`), for emulators that serve keys on loopback. Extra
    /// issuers with their own JWKS URL keep it.
    pub fn with_jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Uses this fixed JWKS document for every issuer of the pool instead of fetching
    /// (offline use); never fetches.
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

    /// The primary issuer: the override of [`with_issuer`](Self::with_issuer), else the
    /// ORIGINAL form `https://cognito-idp.{region}.amazonaws.com/{pool}`.
    #[must_use]
    pub fn issuer(&self) -> String {
        self.issuer
            .clone()
            .unwrap_or_else(|| original_issuer(&self.region, &self.pool_id))
    }

    /// Every accepted `iss`, in the order they are tried.
    #[must_use]
    pub fn issuers(&self) -> Vec<String> {
        self.issuer_specs().into_iter().map(|s| s.iss).collect()
    }

    /// Where the primary issuer's signing keys are fetched from.
    #[must_use]
    pub fn jwks_url(&self) -> String {
        self.jwks_url
            .clone()
            .unwrap_or_else(|| default_jwks_url(&self.issuer()))
    }

    /// Every issuer with its JWKS URL.
    pub(crate) fn issuer_specs(&self) -> Vec<IssuerSpec> {
        let mut defaults = match &self.issuer {
            Some(issuer) => vec![issuer.clone()],
            None => {
                let mut list = vec![
                    original_issuer(&self.region, &self.pool_id),
                    updated_issuer(&self.region, &self.pool_id),
                ];
                list.extend(
                    self.replica_regions
                        .iter()
                        .map(|replica| original_issuer(replica, &self.pool_id)),
                );
                list
            }
        };
        defaults.dedup();
        let mut specs: Vec<IssuerSpec> = defaults
            .into_iter()
            .map(|iss| IssuerSpec {
                jwks_url: self
                    .jwks_url
                    .clone()
                    .unwrap_or_else(|| default_jwks_url(&iss)),
                iss,
            })
            .collect();
        for (iss, url) in &self.extra_issuers {
            specs.push(IssuerSpec {
                jwks_url: url
                    .clone()
                    .or_else(|| self.jwks_url.clone())
                    .unwrap_or_else(|| default_jwks_url(iss)),
                iss: iss.clone(),
            });
        }
        specs
    }

    /// Checks every value; called by the verifier builder.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if pool_id_region(&self.pool_id).is_some() && !is_valid_region(&self.region) {
            return Err(ConfigError::InvalidRegion {
                value: self.region.clone(),
            });
        }
        match pool_id_region(&self.pool_id) {
            None => {
                return Err(ConfigError::InvalidUserPoolId {
                    value: self.pool_id.clone(),
                });
            }
            Some(region) if region != self.region => {
                return Err(ConfigError::RegionMismatch {
                    region: self.region.clone(),
                    pool_id: self.pool_id.clone(),
                });
            }
            Some(_) => {}
        }
        if let Some(bad) = self.replica_regions.iter().find(|r| !is_valid_region(r)) {
            return Err(ConfigError::InvalidRegion { value: bad.clone() });
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
        for (issuer, url) in &self.extra_issuers {
            check_url("issuer", issuer)?;
            if let Some(url) = url {
                check_url("jwks_url", url)?;
            }
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
            .field("issuers", &self.issuer_specs())
            .field("fixed_jwks", &self.jwks_document.is_some())
            .finish()
    }
}

/// An AWS region as Cognito pool ids name it: `us-east-1`, `ap-southeast-2`,
/// `us-gov-west-1`, `eusc-de-east-1` (aws-jwt-verify's pattern
/// `(eusc-[a-z]{2}|[a-z]{2})-(gov-)?[a-z]+-\d`, allowing a two-digit number too).
pub(crate) fn is_valid_region(region: &str) -> bool {
    let lower = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let mut parts: Vec<&str> = region.split('-').collect();
    // the leading area: `us`, or the sovereign `eusc-de`
    let area_ok = match parts.first() {
        Some(&"eusc") => {
            parts.len() > 1 && parts[1].len() == 2 && lower(parts[1]) && {
                parts.remove(0);
                true
            }
        }
        Some(first) => first.len() == 2 && lower(first),
        None => false,
    };
    if !area_ok {
        return false;
    }
    // now: area, [gov], direction, number
    let (number, rest) = match parts.split_last() {
        Some((number, rest)) => (*number, rest),
        None => return false,
    };
    let number_ok = (1..=2).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit());
    let middle_ok = match rest {
        [_, direction] => lower(direction),
        [_, gov, direction] => *gov == "gov" && lower(direction),
        _ => false,
    };
    number_ok && middle_ok
}

/// The region of a pool id `<region>_<1..=55 alphanumerics>` (Cognito's own pattern), or
/// `None` when the id is not of that form.
pub(crate) fn pool_id_region(pool_id: &str) -> Option<&str> {
    let (region, id) = pool_id.split_once('_')?;
    (is_valid_region(region)
        && !id.is_empty()
        && id.len() <= 55
        && id.bytes().all(|b| b.is_ascii_alphanumeric()))
    .then_some(region)
}

/// Whether `pool_id` is `<region>_<1..=55 alphanumerics>`.
#[cfg(test)]
pub(crate) fn is_valid_pool_id(pool_id: &str) -> bool {
    pool_id_region(pool_id).is_some()
}

/// Cognito app client ids are 1–128 word characters (`[\w+]+`).
pub(crate) fn is_valid_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'+')
}

pub(crate) fn check_url(what: &'static str, value: &str) -> Result<(), ConfigError> {
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
            "eusc-de-east-1",
            "il-central-1",
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
            "usa-east-1",
            "us-east-123",
            "eusc-east-1",
            "us-mil-west-1",
            "eusc-de-gov-",
        ] {
            assert!(!is_valid_region(bad), "{bad}");
        }
    }

    #[test]
    fn pool_ids_are_checked_and_the_error_names_the_value() {
        assert!(is_valid_pool_id("us-east-1_AbC123xyz"));
        assert!(is_valid_pool_id("us-gov-west-1_AbC123xyz"));
        assert!(is_valid_pool_id("eusc-de-east-1_AbC123xyz"));
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
        let err = UserPool::new("us-east-1-AbC")
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
        let pool = UserPool::new("us-east-1_AbC");
        assert!(matches!(
            pool.validate(),
            Err(ConfigError::NoClientIds { .. })
        ));
        assert!(pool.accept_any_client().validate().is_ok());
    }

    #[test]
    fn issuer_and_jwks_url_can_be_overridden_independently() {
        let pool = UserPool::new("us-east-1_AbC").client_id("c");
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
        let pool = UserPool::new("us-east-1_AbC").client_id("");
        assert!(matches!(
            pool.validate(),
            Err(ConfigError::InvalidClientId { .. })
        ));
    }

    #[test]
    fn a_pool_accepts_both_issuer_forms_each_with_its_own_jwks() {
        let pool = UserPool::new("us-gov-west-1_AbC").client_id("c");
        assert!(pool.validate().is_ok());
        assert_eq!(
            pool.issuer_specs(),
            [
                IssuerSpec {
                    iss: "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_AbC".into(),
                    jwks_url: "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_AbC/.well-known/jwks.json".into(),
                },
                IssuerSpec {
                    iss: "https://issuer-cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_AbC".into(),
                    jwks_url: "https://issuer-cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_AbC/.well-known/jwks.json".into(),
                },
            ]
        );
    }

    #[test]
    fn replicas_extras_and_the_emulator_override() {
        let pool = UserPool::new("eusc-de-east-1_AbC")
            .client_id("c")
            .replica_regions(["eu-west-1"])
            .extra_issuer("https://login.example.com/pool");
        assert!(pool.validate().is_ok());
        let specs = pool.issuer_specs();
        assert_eq!(specs.len(), 4);
        assert_eq!(
            specs[2].iss,
            "https://cognito-idp.eu-west-1.amazonaws.com/eusc-de-east-1_AbC"
        );
        assert_eq!(
            specs[2].jwks_url,
            "https://cognito-idp.eu-west-1.amazonaws.com/eusc-de-east-1_AbC/.well-known/jwks.json"
        );
        assert_eq!(
            specs[3].jwks_url,
            "https://login.example.com/pool/.well-known/jwks.json"
        );

        // the override replaces both forms and the replicas, keeps the extras
        let emulated = pool
            .clone()
            .with_issuer("http://127.0.0.1:9229/eusc-de-east-1_AbC")
            .with_jwks_url("http://127.0.0.1:9229/keys");
        assert_eq!(
            emulated.issuers(),
            [
                "http://127.0.0.1:9229/eusc-de-east-1_AbC",
                "https://login.example.com/pool"
            ]
        );
        assert!(
            emulated
                .issuer_specs()
                .iter()
                .all(|s| s.jwks_url == "http://127.0.0.1:9229/keys")
        );

        assert!(matches!(
            pool.clone().replica_regions(["mars-1"]).validate(),
            Err(ConfigError::InvalidRegion { .. })
        ));
        assert!(matches!(
            pool.extra_issuer("ftp://x").validate(),
            Err(ConfigError::InvalidUrl { what: "issuer", .. })
        ));
    }

    #[test]
    fn the_region_must_be_the_pool_ids_own() {
        let err = UserPool::new("eu-west-1_AbC")
            .with_region("us-east-1")
            .client_id("c")
            .validate()
            .unwrap_err();
        assert!(matches!(err, ConfigError::RegionMismatch { .. }));
        assert!(err.to_string().contains("eu-west-1_AbC"));
    }
}
