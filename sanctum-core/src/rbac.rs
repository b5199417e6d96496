//! Authorization rules: groups, scopes and custom conditions, combinable.
//!
//! ```
//! use sanctum_core::Requirement;
//!
//! // admins, or members of "ops" who may read orders, but never anyone in "suspended"
//! let rule = Requirement::group("admin")
//!     .or(Requirement::group("ops").and(Requirement::scope("orders/read")))
//!     .and(Requirement::none_of_groups(["suspended"]));
//! # let _ = rule;
//! ```

use std::fmt;
use std::sync::Arc;

use crate::claims::CognitoClaims;

/// A condition a verified token must meet (check 9).
///
/// Build one with the constructors, combine with [`and`](Self::and) / [`or`](Self::or), and
/// check it with [`check`](Self::check). Cheap to clone.
#[derive(Clone)]
#[must_use]
pub struct Requirement(Rule);

#[derive(Clone)]
enum Rule {
    AnyGroup(Arc<[String]>),
    AllGroups(Arc<[String]>),
    NoneOfGroups(Arc<[String]>),
    AnyScope(Arc<[String]>),
    AllScopes(Arc<[String]>),
    Custom(Arc<str>, Arc<dyn Predicate>),
    And(Arc<[Requirement]>),
    Or(Arc<[Requirement]>),
}

/// A custom check on claims. Closures `Fn(&CognitoClaims) -> bool` implement it.
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
    pub fn all_groups<I, S>(groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(Rule::AllGroups(list(groups)))
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
    pub fn all_scopes<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(Rule::AllScopes(list(scopes)))
    }

    /// A custom condition; `name` appears in logs and error messages (not in responses).
    ///
    /// ```
    /// use sanctum_core::Requirement;
    /// let verified_email = Requirement::custom("email verified", |c: &sanctum_core::CognitoClaims| {
    ///     c.email_verified() == Some(true)
    /// });
    /// # let _ = verified_email;
    /// ```
    pub fn custom(name: impl Into<String>, predicate: impl Predicate) -> Self {
        Self(Rule::Custom(Arc::from(name.into()), Arc::new(predicate)))
    }

    /// Both this and `other`.
    pub fn and(self, other: Requirement) -> Self {
        Self(Rule::And(Arc::from([self, other])))
    }

    /// This or `other`.
    pub fn or(self, other: Requirement) -> Self {
        Self(Rule::Or(Arc::from([self, other])))
    }

    /// Whether `claims` meet the requirement.
    #[must_use]
    pub fn is_met(&self, claims: &CognitoClaims) -> bool {
        self.check(claims).is_ok()
    }

    /// Checks `claims`; the error says which part was not met.
    ///
    /// # Errors
    /// [`Denied`] naming the first unmet part.
    pub fn check(&self, claims: &CognitoClaims) -> Result<(), Denied> {
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
            Rule::And(parts) => parts.iter().try_for_each(|p| p.check(claims)),
            Rule::Or(parts) => {
                let mut first = None;
                for part in parts.iter() {
                    match part.check(claims) {
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
            Rule::And(parts) => join(f, parts, " and "),
            Rule::Or(parts) => join(f, parts, " or "),
        }
    }
}

/// Why a valid token was refused by a [`Requirement`] (a 403, not a 401).
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
}

impl fmt::Display for DeniedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingGroup(g) => write!(f, "requires membership in one of the groups {g:?}"),
            Self::ExcludedGroup(g) => write!(f, "membership in group {g:?} is not allowed"),
            Self::MissingScope(s) => write!(f, "requires one of the scopes {s:?}"),
            Self::Custom(name) => write!(f, "custom check {name:?} failed"),
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

    /// A text safe for the client's `error_description`.
    #[must_use]
    pub fn description(&self) -> &'static str {
        match self.reason {
            DeniedReason::MissingGroup(_) | DeniedReason::ExcludedGroup(_) => {
                "token lacks a required group"
            }
            DeniedReason::MissingScope(_) => "token lacks a required scope",
            DeniedReason::Custom(_) => "token does not meet the route's requirement",
        }
    }
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
        let custom = Requirement::custom("sub is s", |c: &CognitoClaims| c.sub() == "s");
        assert!(custom.is_met(&c));
        let rule = Requirement::group("admin")
            .or(Requirement::group("ops").and(Requirement::scope("orders/read")));
        assert!(rule.is_met(&c));
        let rule = rule.and(Requirement::none_of_groups(["ops"]));
        assert!(!rule.is_met(&c));
        assert_eq!(
            Requirement::group("x").check(&c).unwrap_err().description(),
            "token lacks a required group"
        );
        assert!(format!("{rule}").contains("none of groups"));
    }
}
