//! The conformance table both web adapters must pass unchanged.
//!
//! An adapter's test builds one app from a [`ConformanceEnv`] with a route per [`Route`]
//! (wired as each variant's docs say), sends every [`Case`]'s request, and hands the answer to
//! [`Case::check`]. Any case that behaves differently in one adapter is a bug in it.

use std::fmt;

use super::{JwksMode, TestIssuer};
use crate::verify::Verifier;

/// The cookie the [`Route::Cookie`] route reads its token from.
pub const COOKIE_NAME: &str = "sanctum_token";
/// The header the [`Route::Custom`] route's custom finder reads its token from.
pub const CUSTOM_HEADER: &str = "x-sanctum-token";
/// The body of an optional-auth route when the request has no token.
pub const ANONYMOUS: &str = "anonymous";

/// A route of the conformance app. Every handler answers 200 with the user name of the
/// `CognitoUser` it extracted (or [`ANONYMOUS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// Auth layer (required, access tokens, [`ConformanceEnv::verifier`]); handler takes `CognitoUser`.
    Protected,
    /// As `Protected`, plus `RequireGroup("admin")`.
    Admin,
    /// As `Protected`, plus `RequireGroup::any(["admin", "ops"])`.
    AnyGroup,
    /// As `Protected`, plus `RequireGroup::all(["admin", "ops"])`.
    AllGroups,
    /// As `Protected`, plus `RequireScope("orders/read")`.
    Scope,
    /// As `Protected`, plus the guard taking `Requirement::none_of_groups(["suspended"])`.
    Requirement,
    /// Auth layer in optional mode; handler takes `Option<CognitoUser>` and answers the user
    /// name or [`ANONYMOUS`].
    Optional,
    /// Auth layer reading the cookie [`COOKIE_NAME`].
    Cookie,
    /// Auth layer with a custom finder reading the header [`CUSTOM_HEADER`].
    Custom,
    /// Auth layer accepting ID tokens only.
    IdToken,
    /// Auth layer over [`ConformanceEnv::keys_down_verifier`], whose JWKS endpoint fails.
    KeysDown,
    /// `RequireGroup("admin")` with no auth layer in front.
    GuardWithoutLayer,
    /// A handler taking `CognitoUser` with no auth layer in front.
    ExtractorWithoutLayer,
}

impl Route {
    /// Every route.
    pub const ALL: [Route; 13] = [
        Route::Protected,
        Route::Admin,
        Route::AnyGroup,
        Route::AllGroups,
        Route::Scope,
        Route::Requirement,
        Route::Optional,
        Route::Cookie,
        Route::Custom,
        Route::IdToken,
        Route::KeysDown,
        Route::GuardWithoutLayer,
        Route::ExtractorWithoutLayer,
    ];

    /// The route's path.
    #[must_use]
    pub fn path(self) -> &'static str {
        match self {
            Route::Protected => "/protected",
            Route::Admin => "/admin",
            Route::AnyGroup => "/any-group",
            Route::AllGroups => "/all-groups",
            Route::Scope => "/scope",
            Route::Requirement => "/requirement",
            Route::Optional => "/optional",
            Route::Cookie => "/cookie",
            Route::Custom => "/custom",
            Route::IdToken => "/id-token",
            Route::KeysDown => "/keys-down",
            Route::GuardWithoutLayer => "/no-layer/guard",
            Route::ExtractorWithoutLayer => "/no-layer/extractor",
        }
    }
}

/// The `WWW-Authenticate` an answer must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// No such header.
    None,
    /// Exactly `Bearer`.
    Bare,
    /// `Bearer error="<code>", error_description="..."`.
    Error(&'static str),
}

/// The expected body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Exactly this text (a handler's answer).
    Text(String),
    /// A JSON error body with this `error` code and some `error_description`.
    Error(&'static str),
}

/// One request and the answer it must get.
#[derive(Debug, Clone)]
pub struct Case {
    /// What the case proves.
    pub name: &'static str,
    /// Where to send it (GET).
    pub route: Route,
    /// Request headers.
    pub headers: Vec<(String, String)>,
    /// Request headers whose values are not text (sent as these bytes), after `headers`.
    pub raw_headers: Vec<(String, Vec<u8>)>,
    /// Expected status.
    pub status: u16,
    /// Expected challenge.
    pub challenge: Challenge,
    /// Expected body.
    pub body: Body,
    secrets: Vec<String>,
}

impl Case {
    /// Compares an answer with the expectation; the error says what differs.
    ///
    /// # Errors
    /// A description of every difference.
    pub fn check(
        &self,
        status: u16,
        www_authenticate: Option<&str>,
        body: &str,
    ) -> Result<(), String> {
        let mut problems = Vec::new();
        if status != self.status {
            problems.push(format!("status {status}, expected {}", self.status));
        }
        match (self.challenge, www_authenticate) {
            (Challenge::None, None) => {}
            (Challenge::Bare, Some("Bearer")) => {}
            (Challenge::Error(code), Some(value))
                if value.starts_with(&format!("Bearer error=\"{code}\", error_description=\"")) => {
            }
            (expected, got) => {
                problems.push(format!("WWW-Authenticate {got:?}, expected {expected:?}"))
            }
        }
        match &self.body {
            Body::Text(text) if body == text => {}
            Body::Text(text) => problems.push(format!("body {body:?}, expected {text:?}")),
            Body::Error(code) => match serde_json::from_str::<serde_json::Value>(body) {
                Ok(json)
                    if json["error"] == *code
                        && json["error_description"]
                            .as_str()
                            .is_some_and(|d| !d.is_empty()) => {}
                _ => problems.push(format!("body {body:?}, expected a JSON error {code:?}")),
            },
        }
        for secret in &self.secrets {
            if body.contains(secret.as_str())
                || www_authenticate.is_some_and(|w| w.contains(secret.as_str()))
            {
                problems.push("the answer echoes the token".to_owned());
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} ({} {}): {}",
                self.name,
                "GET",
                self.route.path(),
                problems.join("; ")
            ))
        }
    }
}

/// Two issuers and their verifiers: one healthy, one whose JWKS endpoint fails.
#[derive(Debug, Clone)]
pub struct ConformanceEnv {
    /// The healthy issuer.
    pub issuer: TestIssuer,
    /// A verifier for [`issuer`](Self::issuer).
    pub verifier: Verifier,
    /// An issuer whose JWKS endpoint answers 500.
    pub keys_down_issuer: TestIssuer,
    /// A verifier for [`keys_down_issuer`](Self::keys_down_issuer), with nothing cached.
    pub keys_down_verifier: Verifier,
}

impl ConformanceEnv {
    /// Starts both issuers on 127.0.0.1. Must run inside a Tokio runtime.
    ///
    /// # Errors
    /// When a listener cannot bind.
    pub async fn start() -> std::io::Result<Self> {
        let issuer = TestIssuer::start().await?;
        let keys_down_issuer = TestIssuer::builder()
            .pool_id("us-east-1_SanctumDown")
            .start()
            .await?;
        keys_down_issuer.set_jwks_mode(JwksMode::Fail);
        Ok(Self {
            verifier: issuer.verifier(),
            keys_down_verifier: keys_down_issuer.verifier(),
            issuer,
            keys_down_issuer,
        })
    }

    /// The table.
    #[must_use]
    pub fn cases(&self) -> Vec<Case> {
        let i = &self.issuer;
        let alice = i.access_token().username("alice").build();
        let root = i.access_token().username("root").groups(["admin"]).build();
        let ops = i.access_token().username("olga").groups(["ops"]).build();
        let admin_ops = i
            .access_token()
            .username("ada")
            .groups(["admin", "ops"])
            .build();
        let reader = i
            .access_token()
            .username("rita")
            .scopes(["orders/read"])
            .build();
        let suspended = i
            .access_token()
            .username("sam")
            .groups(["suspended"])
            .build();
        let expired = i.access_token().expires_in_secs(-120).build();
        let expired_admin = i
            .access_token()
            .groups(["admin"])
            .expires_in_secs(-120)
            .build();
        let forged = i.access_token().signed_with_unpublished_key().build();
        let wrong_iss = i
            .access_token()
            .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")
            .build();
        let wrong_client = i.access_token().client_id("someotherclient").build();
        let id_token = i.id_token().username("idina").build();
        let alg_none = i.access_token().unsigned().build();
        let oversized = i.access_token().padded_to(9 * 1024).build();
        let down_token = self.keys_down_issuer.access_token().build();

        let bearer = |t: &str| vec![("authorization".to_owned(), format!("Bearer {t}"))];
        let header = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        let not_text = |v: &[u8]| vec![("authorization".to_owned(), v.to_vec())];
        let ok = |name, route, headers: Vec<(String, String)>, user: &str| Case {
            name,
            route,
            headers,
            raw_headers: Vec::new(),
            status: 200,
            challenge: Challenge::None,
            body: Body::Text(user.to_owned()),
            secrets: Vec::new(),
        };
        let fail = |name, route, headers: Vec<(String, String)>, status, challenge, code| Case {
            name,
            route,
            secrets: headers
                .iter()
                .map(|(_, v)| v.rsplit(' ').next().unwrap_or(v).to_owned())
                .filter(|s| s.len() > 20)
                .collect(),
            headers,
            raw_headers: Vec::new(),
            status,
            challenge,
            body: Body::Error(code),
        };
        let missing =
            |name, route, headers| fail(name, route, headers, 401, Challenge::Bare, "unauthorized");
        let invalid = |name, route, headers| {
            fail(
                name,
                route,
                headers,
                401,
                Challenge::Error("invalid_token"),
                "invalid_token",
            )
        };
        let forbidden = |name, route, headers| {
            fail(
                name,
                route,
                headers,
                403,
                Challenge::Error("insufficient_scope"),
                "insufficient_scope",
            )
        };
        use Route as R;
        vec![
            missing("no token", R::Protected, vec![]),
            ok("valid access token", R::Protected, bearer(&alice), "alice"),
            ok(
                "lower-case scheme",
                R::Protected,
                header("authorization", &format!("bearer {alice}")),
                "alice",
            ),
            ok(
                "upper-case scheme",
                R::Protected,
                header("authorization", &format!("BEARER {alice}")),
                "alice",
            ),
            missing(
                "Basic scheme is no bearer token",
                R::Protected,
                header("authorization", "Basic YWxpY2U6cHc="),
            ),
            invalid(
                "empty bearer",
                R::Protected,
                header("authorization", "Bearer "),
            ),
            invalid("garbage token", R::Protected, bearer("not-a-jwt")),
            invalid("two segments", R::Protected, bearer("abc.def")),
            invalid("expired token", R::Protected, bearer(&expired)),
            invalid("signature by another key", R::Protected, bearer(&forged)),
            invalid("wrong issuer", R::Protected, bearer(&wrong_iss)),
            invalid("wrong client", R::Protected, bearer(&wrong_client)),
            invalid(
                "ID token where access is required",
                R::Protected,
                bearer(&id_token),
            ),
            invalid("alg none", R::Protected, bearer(&alg_none)),
            invalid("oversized token", R::Protected, bearer(&oversized)),
            missing("guarded route, no token", R::Admin, vec![]),
            forbidden("not in group admin", R::Admin, bearer(&alice)),
            ok("in group admin", R::Admin, bearer(&root), "root"),
            invalid(
                "expired admin token is 401, not 403",
                R::Admin,
                bearer(&expired_admin),
            ),
            ok("any group: ops", R::AnyGroup, bearer(&ops), "olga"),
            forbidden("any group: none", R::AnyGroup, bearer(&alice)),
            forbidden("all groups: admin only", R::AllGroups, bearer(&root)),
            ok(
                "all groups: admin and ops",
                R::AllGroups,
                bearer(&admin_ops),
                "ada",
            ),
            ok("scope granted", R::Scope, bearer(&reader), "rita"),
            forbidden("scope missing", R::Scope, bearer(&alice)),
            ok("requirement met", R::Requirement, bearer(&alice), "alice"),
            forbidden("requirement not met", R::Requirement, bearer(&suspended)),
            ok(
                "optional: no token is anonymous",
                R::Optional,
                vec![],
                ANONYMOUS,
            ),
            ok(
                "optional: Basic is anonymous",
                R::Optional,
                header("authorization", "Basic YWxpY2U6cHc="),
                ANONYMOUS,
            ),
            ok(
                "optional: valid token",
                R::Optional,
                bearer(&alice),
                "alice",
            ),
            invalid(
                "optional: invalid token is still rejected",
                R::Optional,
                bearer(&expired),
            ),
            invalid(
                "optional: empty bearer is rejected",
                R::Optional,
                header("authorization", "Bearer"),
            ),
            Case {
                raw_headers: not_text(b"Bearer \xff\xfe.\x80"),
                ..invalid("bearer token that is not UTF-8", R::Protected, vec![])
            },
            Case {
                raw_headers: not_text(b"Bearer \xff\xfe.\x80"),
                ..invalid(
                    "optional: bearer token that is not UTF-8 is rejected",
                    R::Optional,
                    vec![],
                )
            },
            Case {
                raw_headers: not_text(b"Basic \xff"),
                ..ok(
                    "optional: another scheme that is not UTF-8 is anonymous",
                    R::Optional,
                    vec![],
                    ANONYMOUS,
                )
            },
            ok(
                "cookie token",
                R::Cookie,
                header("cookie", &format!("theme=dark; {COOKIE_NAME}={alice}")),
                "alice",
            ),
            missing(
                "cookie route ignores the Authorization header",
                R::Cookie,
                bearer(&alice),
            ),
            invalid(
                "bad cookie token",
                R::Cookie,
                header("cookie", &format!("{COOKIE_NAME}={forged}")),
            ),
            invalid(
                "empty cookie value",
                R::Cookie,
                header("cookie", &format!("{COOKIE_NAME}=; theme=dark")),
            ),
            invalid(
                "custom finder, empty value",
                R::Custom,
                header(CUSTOM_HEADER, " "),
            ),
            ok(
                "custom extraction",
                R::Custom,
                header(CUSTOM_HEADER, &alice),
                "alice",
            ),
            missing(
                "custom extraction, header absent",
                R::Custom,
                bearer(&alice),
            ),
            ok("ID token route", R::IdToken, bearer(&id_token), "idina"),
            invalid(
                "access token on the ID token route",
                R::IdToken,
                bearer(&alice),
            ),
            fail(
                "keys unavailable",
                R::KeysDown,
                bearer(&down_token),
                503,
                Challenge::None,
                "temporarily_unavailable",
            ),
            fail(
                "keys unavailable again (inside the cooldown)",
                R::KeysDown,
                bearer(&down_token),
                503,
                Challenge::None,
                "temporarily_unavailable",
            ),
            missing("keys-down route, no token", R::KeysDown, vec![]),
            fail(
                "guard without the auth layer",
                R::GuardWithoutLayer,
                bearer(&root),
                500,
                Challenge::None,
                "server_error",
            ),
            fail(
                "extractor without the auth layer",
                R::ExtractorWithoutLayer,
                bearer(&alice),
                500,
                Challenge::None,
                "server_error",
            ),
        ]
    }
}

/// Collects failures so a test reports every failing case at once.
#[derive(Debug, Default)]
pub struct Report {
    ran: usize,
    failures: Vec<String>,
}

impl Report {
    /// Records one case's result.
    pub fn record(&mut self, result: Result<(), String>) {
        self.ran += 1;
        if let Err(e) = result {
            self.failures.push(e);
        }
    }

    /// Panics listing every failure, or when no case ran.
    ///
    /// # Panics
    /// When any case failed or none ran.
    pub fn assert_all_passed(&self) {
        assert!(self.ran > 0, "no conformance case ran");
        assert!(self.failures.is_empty(), "{self}");
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} of {} conformance cases failed:",
            self.failures.len(),
            self.ran
        )?;
        for failure in &self.failures {
            writeln!(f, "  - {failure}")?;
        }
        Ok(())
    }
}
