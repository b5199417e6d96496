//! What a guard asks of a request, in the terms of an OpenAPI document: the adapters' `utoipa`
//! and `aide` features write it into the document from the guards themselves, so the document
//! cannot drift from the code. This module is framework-free (no OpenAPI crate); with feature
//! `utoipa`, `sanctum_core::openapi::utoipa` edits utoipa's document
//! types for both adapters.
//!
//! # How a guard is written down
//!
//! The document has up to two security schemes:
//! - [`BEARER_SCHEME`] (`cognito`): HTTP bearer, `bearerFormat: JWT` — always;
//! - [`OAUTH2_SCHEME`] (`cognito_oauth2`): OAuth 2.0 authorization code with the pool's
//!   managed-login `/oauth2/authorize` and `/oauth2/token` URLs — when
//!   [`CognitoSecurity::oauth2`] (or `managed_login`) configured them; its flow declares every
//!   scope a guard of the document asks for.
//!
//! A [`Requirement`] becomes [`SecurityRequirements`]: alternatives (a token passes with any
//! one of them), each a set of groups and scopes the token must all have. `Requirement::group("a")
//! .or(Requirement::all_scopes(["s", "t"]))` is two alternatives, `{scopes: [s, t]}` and
//! `{groups: [a]}`. Each alternative is written as two Security Requirement Objects:
//!
//! ```json
//! "security": [
//!   { "cognito": ["s", "t"] },   { "cognito_oauth2": ["s", "t"] },
//!   { "cognito": ["a"] },        { "cognito_oauth2": [] }
//! ],
//! "x-sanctum-groups": ["a"]
//! ```
//!
//! - **Scopes** are listed on both schemes: they are OAuth scopes, which a client requests
//!   through the OAuth2 scheme (Swagger UI asks Cognito for them) and which a bearer token
//!   must carry.
//! - **Groups** are listed on the bearer scheme only, as *role names*: OpenAPI 3.1 lets the
//!   requirement of a scheme other than OAuth2/OpenID Connect list "role names which are
//!   required for the execution", and a Cognito group is a role of the user carried in the
//!   token's `cognito:groups`, not a scope. They are never listed on the OAuth2 scheme: a
//!   client cannot request a group at `/oauth2/authorize` (Cognito refuses an unknown scope
//!   with `invalid_scope`, so Swagger UI's sign-in would fail). The operation's
//!   [`GROUPS_EXTENSION`] (`x-sanctum-groups`) names every group its guards ask for, so a reader
//!   or a tool tells the groups from the scopes in the bearer lists; its presence also marks
//!   the operation as guarded.
//! - Rules that are about the sign-in rather than the credentials (step-up, custom checks,
//!   excluded groups) add no names: as far as OpenAPI can say, any Cognito token may try.
//! - The authentication layer alone is `[{ "cognito": [] }, { "cognito_oauth2": [] }]`; an
//!   optional one adds `{}` (anonymous requests pass).
//!
//! Without OAuth2 URLs the OAuth2 objects are removed when [`CognitoSecurity`] is applied, so
//! the document names only schemes it defines.
//!
//! # Behind an Application Load Balancer
//!
//! An operation authenticated by the ALB's headers (the adapters' ALB layer) names **no**
//! security scheme: the client never sends a Cognito token to the service — it signs in at the
//! load balancer (a session cookie of the ALB's, a redirect to Cognito's managed login), and
//! the load balancer adds `x-amzn-oidc-data` (and the access token) on its way in. Neither
//! the bearer scheme nor the OAuth2 scheme says that, and OpenAPI has no scheme type that
//! does, so the requirement is written into the operation's [`ALB_EXTENSION`]
//! (`x-sanctum-alb`) instead, with the 401 (and, for a requirement, 403) responses:
//!
//! ```json
//! "x-sanctum-alb": {
//!   "anonymous": false,
//!   "requirements": [ { "groups": ["admin"], "scopes": [] }, { "groups": [], "scopes": ["s"] } ]
//! }
//! ```
//!
//! `requirements` are the alternatives of the layer's rule (a user passes with any one of
//! them; `[{ "groups": [], "scopes": [] }]`: any signed-in user); `anonymous` is true for an
//! optional layer without a rule (a request the ALB let through unauthenticated passes).

use std::collections::{BTreeMap, BTreeSet};

use crate::rbac::{Requirement, Rule};

#[cfg(feature = "utoipa")]
pub mod utoipa;

/// Name of the HTTP bearer (JWT) security scheme: `cognito`.
pub const BEARER_SCHEME: &str = "cognito";

/// Name of the OAuth 2.0 authorization-code security scheme: `cognito_oauth2`.
pub const OAUTH2_SCHEME: &str = "cognito_oauth2";

/// The operation extension naming the Cognito groups its guards ask for: `x-sanctum-groups`.
pub const GROUPS_EXTENSION: &str = "x-sanctum-groups";

/// The description of the bearer scheme.
pub const BEARER_DESCRIPTION: &str = "A Cognito access token (or ID token where the route \
    accepts one) in `Authorization: Bearer`. Its list in a requirement names the Cognito groups \
    (`x-sanctum-groups`) and OAuth scopes the token must carry.";

/// The operation extension describing authentication by an Application Load Balancer's
/// headers: `x-sanctum-alb` (see the [module docs](self#behind-an-application-load-balancer)).
pub const ALB_EXTENSION: &str = "x-sanctum-alb";

/// The description of the 401 response of an operation behind the ALB layer.
pub const ALB_UNAUTHORIZED: &str = "The load balancer forwarded no `x-amzn-oidc-data`, or an \
    invalid one";

/// The description of the OAuth2 scheme.
pub const OAUTH2_DESCRIPTION: &str = "Cognito's managed login (authorization code with PKCE).";

/// The description of each scope the OAuth2 flow declares.
pub const SCOPE_DESCRIPTION: &str = "required by a route's guard";

/// Beyond this many alternatives (`and` of many `any_*` lists multiplies them) a requirement
/// is written as "any Cognito token" rather than a list nobody reads.
const MAX_ALTERNATIVES: usize = 64;

/// One Security Requirement Object: scheme name to the scopes (or role names) it needs.
///
/// Written by [`SecurityRequirements::requirement_objects`].
pub type RequirementObject = BTreeMap<String, Vec<String>>;

/// One way to pass a guard: a token with all of these groups and scopes.
///
/// Listed by [`SecurityRequirements::alternatives`]; the [module docs](self) show the whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Alternative {
    groups: BTreeSet<String>,
    scopes: BTreeSet<String>,
}

impl Alternative {
    /// The groups the token must all have.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().map(String::as_str)
    }

    /// The scopes the token must all grant.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().map(String::as_str)
    }

    fn and(&self, other: &Self) -> Self {
        Self {
            groups: self.groups.union(&other.groups).cloned().collect(),
            scopes: self.scopes.union(&other.scopes).cloned().collect(),
        }
    }

    /// Whether every token meeting `self` meets `other` (`other` asks for a subset).
    fn implies(&self, other: &Self) -> bool {
        other.groups.is_subset(&self.groups) && other.scopes.is_subset(&self.scopes)
    }

    /// The two Security Requirement Objects of this alternative: the bearer scheme with the
    /// groups and scopes, the OAuth2 scheme with the scopes.
    fn objects(&self) -> [RequirementObject; 2] {
        let bearer = self.groups.iter().chain(&self.scopes).cloned().collect();
        let oauth2 = self.scopes.iter().cloned().collect();
        [
            RequirementObject::from([(BEARER_SCHEME.to_owned(), bearer)]),
            RequirementObject::from([(OAUTH2_SCHEME.to_owned(), oauth2)]),
        ]
    }
}

/// What a guard's [`Requirement`] asks of a token, as OpenAPI can say it: alternatives of
/// groups and scopes (see the [module docs](self)).
///
/// ```
/// use sanctum_core::Requirement;
/// use sanctum_core::openapi::SecurityRequirements;
///
/// let rule = Requirement::group("admin").or(Requirement::scope("orders/write"));
/// let security = SecurityRequirements::of(&rule);
/// let alternatives = security.alternatives();
/// assert_eq!(alternatives.len(), 2);
/// assert_eq!(alternatives[0].scopes().collect::<Vec<_>>(), ["orders/write"]);
/// assert_eq!(alternatives[1].groups().collect::<Vec<_>>(), ["admin"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityRequirements {
    /// Sorted, without duplicates, none implied by another.
    alternatives: Vec<Alternative>,
}

impl SecurityRequirements {
    /// Any valid Cognito token: what the authentication layer alone asks for.
    #[must_use]
    pub fn authenticated() -> Self {
        Self {
            alternatives: vec![Alternative::default()],
        }
    }

    /// What `requirement` asks for.
    #[must_use]
    pub fn of(requirement: &Requirement) -> Self {
        Self::new(alternatives(requirement))
    }

    fn new(alternatives: Option<Vec<Alternative>>) -> Self {
        match alternatives {
            // An empty list (`any_group([])`, never met) would read as "no security"; too
            // many is unreadable: both are written as "a Cognito token".
            None => Self::authenticated(),
            Some(list) if list.is_empty() => Self::authenticated(),
            Some(list) => Self {
                alternatives: simplify(list),
            },
        }
    }

    /// The alternatives: a token passes with any one of them.
    #[must_use]
    pub fn alternatives(&self) -> &[Alternative] {
        &self.alternatives
    }

    /// Both `self` and `other` (two guards on one route).
    #[must_use]
    pub fn and(&self, other: &Self) -> Self {
        Self::new(and(&self.alternatives, &other.alternatives))
    }

    /// Every group an alternative names, sorted.
    #[must_use]
    pub fn groups(&self) -> BTreeSet<&str> {
        self.alternatives
            .iter()
            .flat_map(Alternative::groups)
            .collect()
    }

    /// The Security Requirement Objects of these alternatives (two per alternative: see the
    /// [module docs](self)).
    #[must_use]
    pub fn requirement_objects(&self) -> Vec<RequirementObject> {
        self.alternatives
            .iter()
            .flat_map(Alternative::objects)
            .collect()
    }

    /// An operation's `security` after this guard is added in front of what it already had:
    /// each existing object also needs one of these alternatives. An empty `existing` (nothing
    /// documented yet) becomes [`requirement_objects`](Self::requirement_objects); an object
    /// naming only the OAuth2 scheme gains the alternative's scopes, any other (the bearer
    /// scheme, `{}`, an API key of the application's) the bearer scheme's names, and `{}`
    /// the OAuth2 scheme's too.
    #[must_use]
    pub fn conjoin(&self, existing: &[RequirementObject]) -> Vec<RequirementObject> {
        if existing.is_empty() {
            return self.requirement_objects();
        }
        let mut out = Vec::new();
        for object in existing {
            for alternative in &self.alternatives {
                let [bearer, oauth2] = alternative.objects();
                let only_oauth2 = object.len() == 1 && object.contains_key(OAUTH2_SCHEME);
                if only_oauth2 {
                    out.push(merge(object, &oauth2));
                } else {
                    out.push(merge(object, &bearer));
                    if object.is_empty() {
                        out.push(oauth2);
                    }
                }
            }
        }
        dedup(out)
    }
}

/// An operation's `security` once the authentication layer is in front of it. A guard or
/// extractor of sanctum already wrote it when `existing` names a Cognito scheme: unchanged,
/// except that an optional layer on an operation no guard marked (`guarded` false: no
/// [`GROUPS_EXTENSION`]) also lets anonymous requests through (`{}`). Otherwise the
/// operation needs a Cognito token (and, if optional, may come without one).
#[must_use]
pub fn authenticate(
    existing: &[RequirementObject],
    optional: bool,
    guarded: bool,
) -> Vec<RequirementObject> {
    let names_cognito = existing
        .iter()
        .any(|o| o.contains_key(BEARER_SCHEME) || o.contains_key(OAUTH2_SCHEME));
    let mut out = if names_cognito {
        existing.to_vec()
    } else {
        SecurityRequirements::authenticated().conjoin(existing)
    };
    if optional && !guarded {
        out.push(RequirementObject::new());
    }
    dedup(out)
}

/// What an authentication layer documents: the security of its `require` rule, if any, and
/// whether anonymous requests pass (`optional` mode without a rule).
///
/// ```
/// use sanctum_core::Requirement;
/// use sanctum_core::openapi::{SecurityRequirements, layer_security};
///
/// let rule = Requirement::group("admin");
/// assert_eq!(
///     layer_security(Some(&rule), true),
///     (Some(SecurityRequirements::of(&rule)), false)
/// );
/// assert_eq!(layer_security(None, true), (None, true));
/// ```
#[must_use]
pub fn layer_security(
    requirement: Option<&Requirement>,
    optional: bool,
) -> (Option<SecurityRequirements>, bool) {
    (
        requirement.map(SecurityRequirements::of),
        optional && requirement.is_none(),
    )
}

/// The [`ALB_EXTENSION`] value of an operation once an ALB layer asking for `security` (none:
/// any signed-in user) is in front of it, given the value it had (`existing`, from a layer
/// behind) and whether a guard marked it (`guarded`, [`GROUPS_EXTENSION`]): the
/// requirements conjoined, anonymous requests admitted only if every layer (`optional`) lets
/// them through and no guard refuses them. See the
/// [module docs](self#behind-an-application-load-balancer).
///
/// ```
/// use sanctum_core::Requirement;
/// use sanctum_core::openapi::{SecurityRequirements, alb_authenticate};
///
/// let admin = SecurityRequirements::of(&Requirement::group("admin"));
/// let value = alb_authenticate(None, Some(&admin), false, false);
/// assert_eq!(
///     value,
///     serde_json::json!({
///         "anonymous": false,
///         "requirements": [{ "groups": ["admin"], "scopes": [] }],
///     })
/// );
/// ```
#[must_use]
pub fn alb_authenticate(
    existing: Option<&serde_json::Value>,
    security: Option<&SecurityRequirements>,
    optional: bool,
    guarded: bool,
) -> serde_json::Value {
    let before: Option<AlbDocument> = existing.and_then(|v| serde_json::from_value(v.clone()).ok());
    let layer = security
        .cloned()
        .unwrap_or_else(SecurityRequirements::authenticated);
    let requirements = match &before {
        Some(before) => {
            let alternatives: Vec<Alternative> =
                before.requirements.iter().map(Alternative::from).collect();
            SecurityRequirements::new(Some(alternatives)).and(&layer)
        }
        None => layer,
    };
    let document = AlbDocument {
        anonymous: optional && !guarded && before.is_none_or(|b| b.anonymous),
        requirements: requirements
            .alternatives
            .iter()
            .map(|a| AlbAlternative {
                groups: a.groups.clone(),
                scopes: a.scopes.clone(),
            })
            .collect(),
    };
    serde_json::to_value(document).unwrap_or_default()
}

/// The [`ALB_EXTENSION`] value.
#[derive(serde::Serialize, serde::Deserialize)]
struct AlbDocument {
    anonymous: bool,
    requirements: Vec<AlbAlternative>,
}

/// One alternative of [`AlbDocument`].
#[derive(serde::Serialize, serde::Deserialize)]
struct AlbAlternative {
    groups: BTreeSet<String>,
    scopes: BTreeSet<String>,
}

impl From<&AlbAlternative> for Alternative {
    fn from(a: &AlbAlternative) -> Self {
        Self {
            groups: a.groups.clone(),
            scopes: a.scopes.clone(),
        }
    }
}

/// `a` and `b` together: the union of each scheme's names.
fn merge(a: &RequirementObject, b: &RequirementObject) -> RequirementObject {
    let mut out = a.clone();
    for (scheme, names) in b {
        let list = out.entry(scheme.clone()).or_default();
        for name in names {
            if !list.contains(name) {
                list.push(name.clone());
            }
        }
    }
    out
}

/// Without repeats, in first-seen order.
fn dedup(objects: Vec<RequirementObject>) -> Vec<RequirementObject> {
    let mut out: Vec<RequirementObject> = Vec::with_capacity(objects.len());
    for object in objects {
        if !out.contains(&object) {
            out.push(object);
        }
    }
    out
}

/// Every pair of `a` and `b`, joined; `None` past [`MAX_ALTERNATIVES`].
fn and(a: &[Alternative], b: &[Alternative]) -> Option<Vec<Alternative>> {
    if a.len().saturating_mul(b.len()) > MAX_ALTERNATIVES {
        return None;
    }
    Some(a.iter().flat_map(|x| b.iter().map(|y| x.and(y))).collect())
}

/// The alternatives of a rule (disjunctive normal form over groups and scopes); `None` when
/// there would be more than [`MAX_ALTERNATIVES`].
fn alternatives(requirement: &Requirement) -> Option<Vec<Alternative>> {
    let one = |groups: &[String], scopes: &[String]| Alternative {
        groups: groups.iter().cloned().collect(),
        scopes: scopes.iter().cloned().collect(),
    };
    let each = |names: &[String], group: bool| -> Vec<Alternative> {
        names
            .iter()
            .map(|n| {
                let n = std::slice::from_ref(n);
                if group { one(n, &[]) } else { one(&[], n) }
            })
            .collect()
    };
    let found = match requirement.rule() {
        Rule::AnyGroup(groups) => each(groups, true),
        Rule::AllGroups(groups) => vec![one(groups, &[])],
        Rule::AnyScope(scopes) => each(scopes, false),
        Rule::AllScopes(scopes) => vec![one(&[], scopes)],
        // Not about which credentials: any token may try.
        Rule::NoneOfGroups(_)
        | Rule::Custom(..)
        | Rule::MaxAuthAge(_)
        | Rule::AnyAcr(_)
        | Rule::Amr(_) => vec![Alternative::default()],
        Rule::And(parts) => {
            let mut acc = vec![Alternative::default()];
            for part in parts.iter() {
                acc = simplify(and(&acc, &alternatives(part)?)?);
            }
            acc
        }
        Rule::Or(parts) => {
            let mut acc = Vec::new();
            for part in parts.iter() {
                acc.extend(alternatives(part)?);
            }
            simplify(acc)
        }
    };
    (found.len() <= MAX_ALTERNATIVES).then_some(found)
}

/// Sorted, without duplicates, and without an alternative asking for more than another one
/// (it adds nothing to "any of").
fn simplify(mut alternatives: Vec<Alternative>) -> Vec<Alternative> {
    alternatives.sort();
    alternatives.dedup();
    alternatives
        .iter()
        .filter(|a| !alternatives.iter().any(|b| b != *a && a.implies(b)))
        .cloned()
        .collect()
}

/// The security schemes of a document: the bearer scheme, and the OAuth2 authorization-code
/// scheme when its URLs are known. The adapters apply it to the finished document (utoipa:
/// it is a `Modify`; aide: `sanctum_axum::openapi::aide::apply`).
///
/// ```
/// use sanctum_core::openapi::CognitoSecurity;
///
/// let security = CognitoSecurity::new().oauth2(
///     "https://example.auth.eu-west-1.amazoncognito.com/oauth2/authorize",
///     "https://example.auth.eu-west-1.amazoncognito.com/oauth2/token",
/// );
/// assert!(security.oauth2_urls().is_some());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct CognitoSecurity {
    oauth2: Option<(String, String)>,
}

impl CognitoSecurity {
    /// The bearer scheme only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the OAuth2 authorization-code scheme with these endpoint URLs.
    pub fn oauth2(
        mut self,
        authorize_url: impl Into<String>,
        token_url: impl Into<String>,
    ) -> Self {
        self.oauth2 = Some((authorize_url.into(), token_url.into()));
        self
    }

    /// Adds the OAuth2 authorization-code scheme with the managed login's `/oauth2/authorize`
    /// and `/oauth2/token` under `domain` (feature `managed-login`).
    #[cfg(feature = "managed-login")]
    pub fn managed_login(self, domain: &crate::login::LoginDomain) -> Self {
        self.oauth2(domain.authorize_url(), domain.token_url())
    }

    /// Whether the OAuth2 scheme is configured.
    #[must_use]
    pub fn has_oauth2(&self) -> bool {
        self.oauth2.is_some()
    }

    /// The OAuth2 authorization and token endpoint URLs, when configured.
    #[must_use]
    pub fn oauth2_urls(&self) -> Option<(&str, &str)> {
        self.oauth2
            .as_ref()
            .map(|(authorize, token)| (authorize.as_str(), token.as_str()))
    }

    /// An operation's `security` as this document writes it: unchanged with the OAuth2 scheme,
    /// else without the objects naming it (the document does not define it).
    #[must_use]
    pub fn finish_requirements(&self, security: Vec<RequirementObject>) -> Vec<RequirementObject> {
        if self.has_oauth2() {
            return security;
        }
        security
            .into_iter()
            .filter(|o| !o.contains_key(OAUTH2_SCHEME))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn names(security: &SecurityRequirements) -> Vec<(Vec<&str>, Vec<&str>)> {
        security
            .alternatives()
            .iter()
            .map(|a| (a.groups().collect(), a.scopes().collect()))
            .collect()
    }

    #[test]
    fn groups_and_scopes_become_alternatives() {
        let any = SecurityRequirements::of(&Requirement::any_group(["b", "a"]));
        assert_eq!(names(&any), [(vec!["a"], vec![]), (vec!["b"], vec![])]);
        let all = SecurityRequirements::of(&Requirement::all_scopes(["s", "t"]));
        assert_eq!(names(&all), [(vec![], vec!["s", "t"])]);
        let mixed = Requirement::group("admin")
            .or(Requirement::group("ops").and(Requirement::scope("orders/read")));
        assert_eq!(
            names(&SecurityRequirements::of(&mixed)),
            [(vec!["admin"], vec![]), (vec!["ops"], vec!["orders/read"])]
        );
    }

    #[test]
    fn rules_about_the_sign_in_name_nothing() {
        let rule = Requirement::max_auth_age(Duration::from_secs(60))
            .and(Requirement::none_of_groups(["banned"]))
            .and(Requirement::custom("x", |_| true));
        assert_eq!(
            SecurityRequirements::of(&rule),
            SecurityRequirements::authenticated()
        );
        // a group and a step-up rule: the group
        let rule = Requirement::group("a").and(Requirement::amr("mfa"));
        assert_eq!(
            names(&SecurityRequirements::of(&rule)),
            [(vec!["a"], vec![])]
        );
    }

    #[test]
    fn an_implied_alternative_is_dropped() {
        // "a" or ("a" and "b"): a token with "a" passes either way
        let rule = Requirement::group("a").or(Requirement::all_groups(["a", "b"]));
        assert_eq!(
            names(&SecurityRequirements::of(&rule)),
            [(vec!["a"], vec![])]
        );
    }

    #[test]
    fn never_met_and_exploding_rules_read_as_any_token() {
        let never = Requirement::any_group(Vec::<String>::new());
        assert_eq!(
            SecurityRequirements::of(&never),
            SecurityRequirements::authenticated()
        );
        let wide = |p: &str| Requirement::any_group((0..10).map(|i| format!("{p}{i}")));
        let rule = wide("a").and(wide("b")).and(wide("c"));
        assert_eq!(
            SecurityRequirements::of(&rule),
            SecurityRequirements::authenticated()
        );
    }

    fn object(pairs: &[(&str, &[&str])]) -> RequirementObject {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
            .collect()
    }

    #[test]
    fn requirement_objects_list_groups_on_bearer_only() {
        let rule = Requirement::group("admin").and(Requirement::scope("orders/read"));
        assert_eq!(
            SecurityRequirements::of(&rule).requirement_objects(),
            [
                object(&[("cognito", &["admin", "orders/read"])]),
                object(&[("cognito_oauth2", &["orders/read"])]),
            ]
        );
    }

    #[test]
    fn stacked_guards_conjoin() {
        let first = SecurityRequirements::of(&Requirement::group("admin"));
        let second = SecurityRequirements::of(&Requirement::any_scope(["r", "w"]));
        let security = second.conjoin(&first.requirement_objects());
        assert_eq!(
            security,
            [
                object(&[("cognito", &["admin", "r"])]),
                object(&[("cognito", &["admin", "w"])]),
                object(&[("cognito_oauth2", &["r"])]),
                object(&[("cognito_oauth2", &["w"])]),
            ]
        );
        // an optional layer's `{}` is closed by a guard
        let guarded = first.conjoin(&[RequirementObject::new()]);
        assert_eq!(guarded, first.requirement_objects());
    }

    #[test]
    fn authentication_fills_in_only_what_is_missing() {
        let plain = SecurityRequirements::authenticated().requirement_objects();
        assert_eq!(authenticate(&[], false, false), plain);
        let mut anonymous = plain.clone();
        anonymous.push(RequirementObject::new());
        assert_eq!(authenticate(&[], true, false), anonymous);
        // a guard wrote it: unchanged, optional or not
        let admin = SecurityRequirements::of(&Requirement::group("admin")).requirement_objects();
        assert_eq!(authenticate(&admin, true, true), admin);
        // an extractor wrote it (no guard): an optional layer lets anonymous requests in
        assert_eq!(authenticate(&plain, true, false), anonymous);
        // an API key of the application's: both needed
        let key = object(&[("api_key", &[])]);
        assert_eq!(
            authenticate(std::slice::from_ref(&key), false, false),
            [object(&[("api_key", &[]), ("cognito", &[])])]
        );
    }

    #[test]
    fn stacked_alb_layers_conjoin_and_a_guard_refuses_anonymous_requests() {
        let value = |anonymous: bool, alternatives: serde_json::Value| serde_json::json!({ "anonymous": anonymous, "requirements": alternatives });
        let open = alb_authenticate(None, None, true, false);
        assert_eq!(
            open,
            value(true, serde_json::json!([{ "groups": [], "scopes": [] }]))
        );
        // a guard marked the operation: anonymous requests are refused
        assert_eq!(
            alb_authenticate(None, None, true, true),
            value(false, serde_json::json!([{ "groups": [], "scopes": [] }]))
        );
        // an inner optional layer, an outer one asking for "admin" or scope "s": its rule
        let rule =
            SecurityRequirements::of(&Requirement::group("admin").or(Requirement::scope("s")));
        let both = alb_authenticate(Some(&open), Some(&rule), false, false);
        assert_eq!(
            both,
            value(
                false,
                serde_json::json!([
                    { "groups": [], "scopes": ["s"] },
                    { "groups": ["admin"], "scopes": [] },
                ])
            )
        );
        // an inner layer asking for "ops", an outer optional one: "ops" still, no anonymous
        let ops = SecurityRequirements::of(&Requirement::group("ops"));
        let inner = alb_authenticate(None, Some(&ops), false, false);
        assert_eq!(alb_authenticate(Some(&inner), None, true, false), inner);
        // both rules must hold
        let and = alb_authenticate(Some(&inner), Some(&rule), false, false);
        assert_eq!(
            and,
            value(
                false,
                serde_json::json!([
                    { "groups": ["admin", "ops"], "scopes": [] },
                    { "groups": ["ops"], "scopes": ["s"] },
                ])
            )
        );
    }

    #[test]
    fn without_oauth2_urls_the_oauth2_objects_go() {
        let objects = SecurityRequirements::of(&Requirement::scope("s")).requirement_objects();
        assert_eq!(
            CognitoSecurity::new().finish_requirements(objects.clone()),
            [object(&[("cognito", &["s"])])]
        );
        let with = CognitoSecurity::new().oauth2("https://a/authorize", "https://a/token");
        assert_eq!(with.finish_requirements(objects.clone()), objects);
        assert_eq!(CognitoSecurity::new().oauth2_urls(), None);
        assert_eq!(
            with.oauth2_urls(),
            Some(("https://a/authorize", "https://a/token"))
        );
    }
}
