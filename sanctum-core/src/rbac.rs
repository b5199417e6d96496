//! Authorization rules: groups, scopes, custom conditions and step-up (RFC 9470), combinable.
//!
//! ```
//! use std::time::Duration;
//! use sanctum_core::Requirement;
//!
//! // admins, or members of "ops" who may read orders, but never anyone in "suspended"
//! let rule = Requirement::group("admin")
//!     .or(Requirement::group("ops").and(Requirement::scope("orders/read")))
//!     .and(Requirement::none_of_groups(["suspended"]));
//!
//! // a sensitive route: signed in within the last 5 minutes, with MFA
//! let step_up = Requirement::max_auth_age(Duration::from_secs(300)).and(Requirement::amr("mfa"));
//! # let _ = (rule, step_up);
//! ```
//!
//! A group or scope rule that is not met is a 403 (`insufficient_scope`); a step-up rule that
//! is not met is a 401 (`insufficient_user_authentication`, with `acr_values` / `max_age` so
//! the client knows how to sign in again).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::claims::CognitoClaims;
use crate::clock::unix_seconds;
use crate::error::{ConfigError, VerifyError};

/// A condition a verified token must meet (check 9).
///
/// Build one with the constructors, combine with [`and`](Self::and) / [`or`](Self::or), and
/// check it with [`check`](Self::check). Cheap to clone.
#[derive(Clone)]
#[must_use]
pub struct Requirement(Rule);

#[derive(Clone)]
pub(crate) enum Rule {
    AnyGroup(Arc<[String]>),
    AllGroups(Arc<[String]>),
    NoneOfGroups(Arc<[String]>),
    AnyScope(Arc<[String]>),
    AllScopes(Arc<[String]>),
    Custom(Arc<str>, Arc<dyn Predicate>),
    /// `auth_time` at most this many seconds ago.
    MaxAuthAge(u64),
    AnyAcr(Arc<[String]>),
    Amr(Arc<str>),
    And(Arc<[Requirement]>),
    Or(Arc<[Requirement]>),
}

/// A custom check on claims. Closures `Fn(&CognitoClaims) -> bool` implement it.
///
/// Example: [`Requirement::custom`] and [`Requirement::custom_predicate`] (the [module docs](self) show requirements in use).
pub trait Predicate: Send + Sync + 'static {
    /// Whether the claims pass.
    fn test(&self, claims: &CognitoClaims) -> bool;
}

impl<F> Predicate for F
where
    F: Fn(&CognitoClaims) -> bool + Send + Sync + 'static,
{
    fn test(&self, claims: &CognitoClaims) -> bool {
        self(claims)
    }
}

fn list<I, S>(items: I) -> Arc<[String]>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

/// An all-of list must name something: over no item, "all of" would admit everyone.
fn non_empty<I, S>(rule: &'static str, items: I) -> Result<Arc<[String]>, ConfigError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let items = list(items);
    if items.is_empty() {
        Err(ConfigError::EmptyRequirement { rule })
    } else {
        Ok(items)
    }
}

/// Unwraps a rule built from a literal list, with the message a developer needs.
#[track_caller]
fn expect_rule(rule: Result<Requirement, ConfigError>) -> Requirement {
    match rule {
        Ok(rule) => rule,
        Err(err) => panic!("{err}"),
    }
}

impl Requirement {
    /// Member of `group`.
    pub fn group(group: impl Into<String>) -> Self {
        Self(Rule::AnyGroup(Arc::from([group.into()])))
    }

    /// Member of at least one of `groups` (none given: never met).
    pub fn any_group<I, S>(groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(Rule::AnyGroup(list(groups)))
    }

    /// Member of every one of `groups`.
    ///
    /// # Panics
    /// When `groups` is empty: "all of no group" would admit everyone. For lists read at run
    /// time use [`try_all_groups`](Self::try_all_groups).
    #[track_caller]
    pub fn all_groups<I, S>(groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        expect_rule(Self::try_all_groups(groups))
    }

    /// Member of every one of `groups`, for lists read at run time.
    ///
    /// ```
    /// use sanctum_core::Requirement;
    /// let configured: Vec<String> = Vec::new();
    /// assert!(Requirement::try_all_groups(configured).is_err());
    /// ```
    ///
    /// # Errors
    /// [`ConfigError::EmptyRequirement`] when `groups` is empty.
    pub fn try_all_groups<I, S>(groups: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Ok(Self(Rule::AllGroups(non_empty("all_groups", groups)?)))
    }

    /// Member of none of `groups`.
    pub fn none_of_groups<I, S>(groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(Rule::NoneOfGroups(list(groups)))
    }

    /// The token grants `scope`.
    pub fn scope(scope: impl Into<String>) -> Self {
        Self(Rule::AnyScope(Arc::from([scope.into()])))
    }

    /// The token grants at least one of `scopes`.
    pub fn any_scope<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(Rule::AnyScope(list(scopes)))
    }

    /// The token grants every one of `scopes`.
    ///
    /// # Panics
    /// When `scopes` is empty: "all of no scope" would admit everyone. For lists read at run
    /// time use [`try_all_scopes`](Self::try_all_scopes).
    #[track_caller]
    pub fn all_scopes<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        expect_rule(Self::try_all_scopes(scopes))
    }

    /// The token grants every one of `scopes`, for lists read at run time.
    ///
    /// # Errors
    /// [`ConfigError::EmptyRequirement`] when `scopes` is empty.
    pub fn try_all_scopes<I, S>(scopes: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Ok(Self(Rule::AllScopes(non_empty("all_scopes", scopes)?)))
    }

    /// Step-up: the user signed in (`auth_time`) at most `max_age` ago, by the verifier's
    /// clock. A token without `auth_time` fails. Not met: 401 `insufficient_user_authentication`
    /// with `max_age` (RFC 9470).
    pub fn max_auth_age(max_age: Duration) -> Self {
        Self(Rule::MaxAuthAge(max_age.as_secs()))
    }

    /// Step-up: the sign-in's `acr` is one of `values` (none given: never met). Not met: 401
    /// `insufficient_user_authentication` with `acr_values` (RFC 9470).
    pub fn any_acr<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(Rule::AnyAcr(list(values)))
    }

    /// Step-up: the sign-in's `amr` array contains `method` (`mfa`, `otp`, `pwd`, ...). Not
    /// met: 401 `insufficient_user_authentication`.
    pub fn amr(method: impl Into<String>) -> Self {
        Self(Rule::Amr(Arc::from(method.into())))
    }

    /// A custom condition; `name` appears in logs and error messages (not in responses).
    ///
    /// ```
    /// use sanctum_core::Requirement;
    /// let verified_email = Requirement::custom("email verified", |c| c.email_verified() == Some(true));
    /// # let _ = verified_email;
    /// ```
    pub fn custom<F>(name: impl Into<String>, predicate: F) -> Self
    where
        F: Fn(&CognitoClaims) -> bool + Send + Sync + 'static,
    {
        Self::custom_predicate(name, predicate)
    }

    /// A custom condition from any [`Predicate`] (a type of your own implementing it).
    pub fn custom_predicate(name: impl Into<String>, predicate: impl Predicate) -> Self {
        Self(Rule::Custom(Arc::from(name.into()), Arc::new(predicate)))
    }

    /// The rule, for [`openapi`](crate::openapi) to describe.
    pub(crate) fn rule(&self) -> &Rule {
        &self.0
    }

    /// Both this and `other`.
    pub fn and(self, other: Requirement) -> Self {
        Self(Rule::And(Arc::from([self, other])))
    }

    /// This or `other`.
    pub fn or(self, other: Requirement) -> Self {
        Self(Rule::Or(Arc::from([self, other])))
    }

    /// Whether `claims` meet the requirement (time rules read the system clock).
    #[must_use]
    pub fn is_met(&self, claims: &CognitoClaims) -> bool {
        self.check(claims).is_ok()
    }

    /// Checks `claims`, time rules against the system clock; the error says which part was
    /// not met. [`Verifier::check_requirement`](crate::Verifier::check_requirement) checks
    /// against the verifier's clock.
    ///
    /// # Errors
    /// [`Denied`] naming the first unmet part.
    pub fn check(&self, claims: &CognitoClaims) -> Result<(), Denied> {
        self.check_at(claims, unix_seconds(SystemTime::now()))
    }

    /// Checks `claims` with `now` (seconds since the epoch) for the time rules.
    ///
    /// # Errors
    /// [`Denied`] naming the first unmet part.
    pub fn check_at(&self, claims: &CognitoClaims, now: u64) -> Result<(), Denied> {
        match &self.0 {
            Rule::AnyGroup(groups) => {
                if claims.has_any_group(groups) {
                    Ok(())
                } else {
                    Err(Denied::missing_group(groups.iter().cloned()))
                }
            }
            Rule::AllGroups(groups) => match groups.iter().find(|g| !claims.has_group(g)) {
                None => Ok(()),
                Some(missing) => Err(Denied::missing_group([missing.clone()])),
            },
            Rule::NoneOfGroups(groups) => match groups.iter().find(|g| claims.has_group(g)) {
                None => Ok(()),
                Some(present) => Err(Denied {
                    reason: DeniedReason::ExcludedGroup(present.clone()),
                }),
            },
            Rule::AnyScope(scopes) => {
                if scopes.iter().any(|s| claims.has_scope(s)) {
                    Ok(())
                } else {
                    Err(Denied::missing_scope(scopes.iter().cloned()))
                }
            }
            Rule::AllScopes(scopes) => match scopes.iter().find(|s| !claims.has_scope(s)) {
                None => Ok(()),
                Some(missing) => Err(Denied::missing_scope([missing.clone()])),
            },
            Rule::Custom(name, predicate) => {
                if predicate.test(claims) {
                    Ok(())
                } else {
                    Err(Denied {
                        reason: DeniedReason::Custom(name.to_string()),
                    })
                }
            }
            Rule::MaxAuthAge(max_age) => match claims.auth_time() {
                Some(at) if now.saturating_sub(at) <= *max_age => Ok(()),
                _ => Err(Denied {
                    reason: DeniedReason::SignInTooOld { max_age: *max_age },
                }),
            },
            Rule::AnyAcr(values) => match claims.acr() {
                Some(acr) if values.iter().any(|v| v == acr) => Ok(()),
                _ => Err(Denied {
                    reason: DeniedReason::AcrNotAccepted(values.to_vec()),
                }),
            },
            Rule::Amr(method) => {
                if claims.amr().any(|m| m == &**method) {
                    Ok(())
                } else {
                    Err(Denied {
                        reason: DeniedReason::AmrMissing(method.to_string()),
                    })
                }
            }
            Rule::And(parts) => parts.iter().try_for_each(|p| p.check_at(claims, now)),
            Rule::Or(parts) => {
                let mut first = None;
                for part in parts.iter() {
                    match part.check_at(claims, now) {
                        Ok(()) => return Ok(()),
                        Err(denied) => {
                            first.get_or_insert(denied);
                        }
                    }
                }
                Err(first.unwrap_or(Denied {
                    reason: DeniedReason::Custom("empty alternative".into()),
                }))
            }
        }
    }
}

impl fmt::Debug for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, parts: &[Requirement], sep: &str| {
            f.write_str("(")?;
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                write!(f, "{p}")?;
            }
            f.write_str(")")
        };
        match &self.0 {
            Rule::AnyGroup(g) => write!(f, "any group of {g:?}"),
            Rule::AllGroups(g) => write!(f, "all groups of {g:?}"),
            Rule::NoneOfGroups(g) => write!(f, "none of groups {g:?}"),
            Rule::AnyScope(s) => write!(f, "any scope of {s:?}"),
            Rule::AllScopes(s) => write!(f, "all scopes of {s:?}"),
            Rule::Custom(name, _) => write!(f, "custom check {name:?}"),
            Rule::MaxAuthAge(secs) => write!(f, "signed in within {secs} s"),
            Rule::AnyAcr(values) => write!(f, "acr one of {values:?}"),
            Rule::Amr(method) => write!(f, "amr contains {method:?}"),
            Rule::And(parts) => join(f, parts, " and "),
            Rule::Or(parts) => join(f, parts, " or "),
        }
    }
}

/// Why a valid token was refused by a [`Requirement`]: a 403 for groups, scopes and custom
/// checks; a 401 asking for a new sign-in for step-up rules ([`is_step_up`](Self::is_step_up)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Denied {
    reason: DeniedReason,
}

/// What a [`Denied`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeniedReason {
    /// Needs (one of) these groups.
    MissingGroup(Vec<String>),
    /// Is in a group that is excluded.
    ExcludedGroup(String),
    /// Needs (one of) these scopes.
    MissingScope(Vec<String>),
    /// A custom check, by name, failed.
    Custom(String),
    /// Step-up: the sign-in (`auth_time`) is older than this many seconds, or unknown.
    SignInTooOld {
        /// The rule's maximum age, in seconds (the challenge's `max_age`).
        max_age: u64,
    },
    /// Step-up: the sign-in's `acr` is not one of these (the challenge's `acr_values`).
    AcrNotAccepted(Vec<String>),
    /// Step-up: the sign-in's `amr` lacks this method.
    AmrMissing(String),
}

impl fmt::Display for DeniedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingGroup(g) => write!(f, "requires membership in one of the groups {g:?}"),
            Self::ExcludedGroup(g) => write!(f, "membership in group {g:?} is not allowed"),
            Self::MissingScope(s) => write!(f, "requires one of the scopes {s:?}"),
            Self::Custom(name) => write!(f, "custom check {name:?} failed"),
            Self::SignInTooOld { max_age } => {
                write!(f, "requires a sign-in within the last {max_age} s")
            }
            Self::AcrNotAccepted(values) => {
                write!(f, "requires a sign-in with acr one of {values:?}")
            }
            Self::AmrMissing(method) => write!(f, "requires a sign-in with amr {method:?}"),
        }
    }
}

impl Denied {
    /// Denied for lack of one of `groups`.
    pub fn missing_group<I, S>(groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            reason: DeniedReason::MissingGroup(groups.into_iter().map(Into::into).collect()),
        }
    }

    /// Denied for lack of one of `scopes`.
    pub fn missing_scope<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            reason: DeniedReason::MissingScope(scopes.into_iter().map(Into::into).collect()),
        }
    }

    /// What was not met.
    #[must_use]
    pub fn reason(&self) -> &DeniedReason {
        &self.reason
    }

    /// Whether the user must sign in again, more strongly or more recently (RFC 9470): 401
    /// `insufficient_user_authentication` rather than 403.
    #[must_use]
    pub fn is_step_up(&self) -> bool {
        matches!(
            self.reason,
            DeniedReason::SignInTooOld { .. }
                | DeniedReason::AcrNotAccepted(_)
                | DeniedReason::AmrMissing(_)
        )
    }
}

/// Why [`Verifier::verify_with`](crate::Verifier::verify_with) refused: the token is not valid
/// (check 1–8), or it is valid but does not meet the requirement (check 9).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// The token is not valid.
    #[error(transparent)]
    Invalid(#[from] VerifyError),
    /// The token is valid but the requirement is not met.
    #[error(transparent)]
    Denied(#[from] Denied),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(groups: &[&str], scopes: &str) -> CognitoClaims {
        let json = serde_json::json!({
            "sub": "s", "token_use": "access", "client_id": "c", "iss": "i", "exp": 1,
            "cognito:groups": groups, "scope": scopes,
        });
        CognitoClaims::from_payload(json.to_string().into_bytes()).unwrap()
    }

    #[test]
    fn group_rules() {
        let c = claims(&["admin", "ops"], "");
        assert!(Requirement::group("admin").is_met(&c));
        assert!(!Requirement::group("root").is_met(&c));
        assert!(Requirement::any_group(["root", "ops"]).is_met(&c));
        assert!(!Requirement::any_group(Vec::<String>::new()).is_met(&c));
        assert!(Requirement::all_groups(["admin", "ops"]).is_met(&c));
        assert!(Requirement::try_all_groups(["admin"]).is_ok());
        let err = Requirement::all_groups(["admin", "root"])
            .check(&c)
            .unwrap_err();
        assert_eq!(
            err.reason(),
            &DeniedReason::MissingGroup(vec!["root".into()])
        );
        assert!(Requirement::none_of_groups(["banned"]).is_met(&c));
        assert!(!Requirement::none_of_groups(["ops"]).is_met(&c));
    }

    #[test]
    fn scope_custom_and_combinators() {
        let c = claims(&["ops"], "orders/read orders/write");
        assert!(Requirement::scope("orders/read").is_met(&c));
        assert!(Requirement::all_scopes(["orders/read", "orders/write"]).is_met(&c));
        assert!(!Requirement::any_scope(["admin/all"]).is_met(&c));
        let custom = Requirement::custom("sub is s", |c| c.sub() == "s");
        assert!(custom.is_met(&c));
        let rule = Requirement::group("admin")
            .or(Requirement::group("ops").and(Requirement::scope("orders/read")));
        assert!(rule.is_met(&c));
        let rule = rule.and(Requirement::none_of_groups(["ops"]));
        assert!(!rule.is_met(&c));
        assert_eq!(
            Requirement::group("x").check(&c).unwrap_err().reason(),
            &DeniedReason::MissingGroup(vec!["x".into()])
        );
        assert!(format!("{rule}").contains("none of groups"));
    }

    fn step_up_claims(auth_time: Option<u64>, acr: Option<&str>, amr: &[&str]) -> CognitoClaims {
        let mut json = serde_json::json!({
            "sub": "s", "token_use": "access", "client_id": "c", "iss": "i", "exp": 2000,
            "amr": amr,
        });
        if let Some(at) = auth_time {
            json["auth_time"] = at.into();
        }
        if let Some(acr) = acr {
            json["acr"] = acr.into();
        }
        CognitoClaims::from_payload(json.to_string().into_bytes()).unwrap()
    }

    #[test]
    fn step_up_rules() {
        let fresh = step_up_claims(Some(1000), Some("urn:mfa"), &["pwd", "mfa"]);
        let max_age = Requirement::max_auth_age(Duration::from_secs(300));
        assert!(max_age.check_at(&fresh, 1300).is_ok());
        let denied = max_age.check_at(&fresh, 1301).unwrap_err();
        assert!(denied.is_step_up());
        assert_eq!(
            denied.reason(),
            &DeniedReason::SignInTooOld { max_age: 300 }
        );
        // no auth_time: unknown age fails
        let unknown = step_up_claims(None, None, &[]);
        assert!(max_age.check_at(&unknown, 1000).is_err());

        let acr = Requirement::any_acr(["urn:mfa", "urn:hw"]);
        assert!(acr.check_at(&fresh, 0).is_ok());
        let denied = acr.check_at(&unknown, 0).unwrap_err();
        assert_eq!(
            denied.reason(),
            &DeniedReason::AcrNotAccepted(vec!["urn:mfa".into(), "urn:hw".into()])
        );

        assert!(Requirement::amr("mfa").check_at(&fresh, 0).is_ok());
        let denied = Requirement::amr("hwk").check_at(&fresh, 0).unwrap_err();
        assert!(denied.is_step_up());
        assert!(!Denied::missing_group(["a"]).is_step_up());
    }

    #[test]
    fn an_all_of_rule_over_nothing_is_refused_when_built() {
        let none: Vec<String> = Vec::new();
        assert!(matches!(
            Requirement::try_all_groups(none.clone()),
            Err(ConfigError::EmptyRequirement { rule: "all_groups" })
        ));
        assert!(Requirement::try_all_scopes(none.clone()).is_err());
        let panicked = std::panic::catch_unwind(|| Requirement::all_groups(none.clone()));
        assert!(panicked.is_err());
        let panicked = std::panic::catch_unwind(|| Requirement::all_scopes(none));
        assert!(panicked.is_err());
    }
}
