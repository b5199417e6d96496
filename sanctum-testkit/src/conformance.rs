//! The conformance table both web adapters must pass unchanged.
//!
//! An adapter's test builds one app from a [`ConformanceEnv`] with a route per [`Route`]
//! (wired as each variant's docs say), sends every [`Case`]'s request, and hands the answer to
//! [`Case::check`]. Any case that behaves differently in one adapter is a bug in it.

use std::fmt;
use std::time::Duration;

use sanctum_core::alb::AlbVerifier;
use sanctum_core::revocation::{Liveness, OnlineCheck, WhenUnreachable};
use sanctum_core::testing::{AlbTestIssuer, JwksMode, TestIssuer};
use sanctum_core::verify::Verifier;

/// The cookie the [`Route::Cookie`] route reads its token from.
pub const COOKIE_NAME: &str = "sanctum_token";
/// The header the [`Route::Custom`] route's custom finder reads its token from.
pub const CUSTOM_HEADER: &str = "x-sanctum-token";
/// The body of an optional-auth route when the request has no token.
pub const ANONYMOUS: &str = "anonymous";
/// The `sub` whose tokens [`ConformanceEnv::revoking_verifier`] refuses: it signed out.
pub const REVOKED_SUB: &str = "5e8f3b5f-9a1b-4d1f-8b68-3c8d2b1f6a22";
/// The `sub` of the ALB rows' user (`alice`, the test kit's default).
pub const ALB_SUB: &str = sanctum_core::testing::TEST_SUB;
/// The replica region [`ConformanceEnv::verifier`]'s pool is configured with.
pub const REPLICA_REGION: &str = "us-west-2";
/// The maximum sign-in age of [`Route::StepUpMaxAge`], in seconds.
pub const STEP_UP_MAX_AGE: u64 = 300;
/// The `acr` [`Route::StepUpAcr`] accepts.
pub const STEP_UP_ACR: &str = "urn:sanctum:acr:mfa";
/// The `amr` method [`Route::StepUpAmr`] requires.
pub const STEP_UP_AMR: &str = "mfa";

/// The application origin of the session routes' CSRF rules ([`ConformanceEnv::session_csrf`]).
pub const SESSION_APP_ORIGIN: &str = "https://app.example.com";
/// The header (and its value) the session routes' CSRF rules accept from scripts.
pub const SESSION_CSRF_HEADER: (&str, &str) = ("x-csrf", "1");
/// Where [`Route::SessionPage`] sends anonymous browsers.
pub const SESSION_LOGIN_PATH: &str = "/login";

/// Whose session a [`Case`] sends the cookie of: the adapter's test stores
/// [`ConformanceEnv::session_json`] in the route's session store and sends that session's
/// cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionUser {
    /// `alice`, no group.
    Alice,
    /// `root`, in the `admin` group.
    Root,
    /// A well-formed session id the store does not hold.
    Unknown,
}

/// The query parameter the [`Route::Query`] routes read their token from.
pub const QUERY_PARAM: &str = "access_token";

/// What the [`Route::Query`] handlers answer: `<user name> <path and query>`, the URI as the
/// handler sees it (without the token).
#[must_use]
pub fn user_and_uri(user: &str, path_and_query: &str) -> String {
    format!("{user} {path_and_query}")
}

/// The claims type of [`Route::TypedClaims`]: an access token's `username` and its
/// `custom:tenant` attribute.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct TenantClaims {
    /// `username`.
    pub username: String,
    /// `custom:tenant`.
    #[serde(rename = "custom:tenant")]
    pub tenant: String,
}

impl TenantClaims {
    /// What the [`Route::TypedClaims`] handler answers: `<username>@<tenant>`.
    #[must_use]
    pub fn body(&self) -> String {
        format!("{}@{}", self.username, self.tenant)
    }
}

/// The body a custom rejection handler ([`Route::ColdKeysCustomRejection`],
/// [`Route::KeysDownCustomRejection`]) answers: `custom <error code> <method> <uri>`, with
/// the rejection's status and no `WWW-Authenticate` — proof that the handler saw the request.
#[must_use]
pub fn custom_rejection_body(
    refusal: &sanctum_core::Refusal,
    request: &sanctum_core::RejectedRequest,
) -> String {
    format!(
        "custom {} {} {}",
        refusal.error_code(),
        request.method(),
        request.uri()
    )
}

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
    /// As `Protected`, plus `RequireStepUp::max_age` of [`STEP_UP_MAX_AGE`] seconds.
    StepUpMaxAge,
    /// As `Protected`, plus `RequireStepUp::acr([STEP_UP_ACR])`.
    StepUpAcr,
    /// As `Protected`, plus `RequireStepUp::amr(STEP_UP_AMR)`.
    StepUpAmr,
    /// Auth layer reading `TokenSource::one_of([TokenSource::Bearer,
    /// TokenSource::cookie(COOKIE_NAME)])`.
    HeaderOrCookie,
    /// Auth layer over [`ConformanceEnv::fresh_verifier`] (its own, with nothing fetched yet):
    /// the first request for a `kid` goes through the JWKS fetch.
    ColdKeys,
    /// As `ColdKeys` (another fresh verifier), with an `on_rejection` handler answering the
    /// rejection's status and [`custom_rejection_body`].
    ColdKeysCustomRejection,
    /// Auth layer over a fresh [`ConformanceEnv::keys_down_verifier`]-like verifier (from
    /// [`ConformanceEnv::fresh_keys_down_verifier`]) with the `on_rejection` handler of
    /// `ColdKeysCustomRejection`.
    KeysDownCustomRejection,
    /// Auth layer over [`ConformanceEnv::retiring_verifier`], which verified (and cached)
    /// [`ConformanceEnv::retired_token`] before its key was retired and refetched.
    RetiredKey,
    /// The adapter's optional extractor (axum `Option<CognitoUser>`, actix
    /// `MaybeCognitoUser`) with no auth layer in front.
    OptionalExtractorWithoutLayer,
    /// Auth layer; the handler takes `TypedClaims<TenantClaims>` and answers
    /// [`TenantClaims::body`].
    TypedClaims,
    /// A handler taking `TypedClaims<TenantClaims>` with no auth layer in front.
    TypedClaimsWithoutLayer,
    /// Auth layer over [`ConformanceEnv::revoking_verifier`], whose revocation store says
    /// [`REVOKED_SUB`] signed out (after its token was verified and cached).
    Revocation,
    /// Auth layer over [`ConformanceEnv::online_verifier`], whose online check says
    /// [`ConformanceEnv::online_revoked_token`] is revoked and every other token live.
    OnlineCheck,
    /// Auth layer over [`ConformanceEnv::online_down_verifier`]: the online check cannot reach
    /// the issuer and refuses (503).
    OnlineCheckDown,
    /// Auth layer over [`ConformanceEnv::online_down_allowing_verifier`]: the online check
    /// cannot reach the issuer and allows.
    OnlineCheckDownAllowing,
    /// Auth layer over [`ConformanceEnv::stale_store_verifier`], whose revocation store cannot
    /// vouch for its answers (as a Redis store cut off for longer than its
    /// `fail_closed_after`): every verified token is refused with 503.
    RevocationStoreStale,
    /// ALB auth layer (`AlbAuthLayer` / `AlbAuth`, required) over
    /// [`ConformanceEnv::alb_verifier`] (no access token); handler takes `CognitoUser`.
    Alb,
    /// ALB auth layer over [`ConformanceEnv::alb_access_verifier`] (the access token required,
    /// verified by [`ConformanceEnv::verifier`]), plus `RequireGroup("admin")`.
    AlbAdmin,
    /// ALB auth layer over [`ConformanceEnv::alb_verifier`] in optional mode; handler takes
    /// `Option<CognitoUser>` (axum) / `MaybeCognitoUser` (actix) and answers the user name or
    /// [`ANONYMOUS`].
    AlbOptional,
    /// ALB auth layer over [`ConformanceEnv::alb_keys_down_verifier`], whose key endpoint fails.
    AlbKeysDown,
    /// Auth layer (required) with sessions: the adapter's session machinery over a memory
    /// store, built with [`ConformanceEnv::session_login`] and
    /// [`ConformanceEnv::session_csrf`]; `GET` and `POST` answer the user name.
    Session,
    /// As `Session`, plus `RequireGroup("admin")`.
    SessionAdmin,
    /// As `Session`, with `redirect_to_login(SESSION_LOGIN_PATH)`.
    SessionPage,
    /// As `Session`, the sessions in a `RedisSessionStore` on
    /// [`ConformanceEnv::dead_redis_url`], where nothing listens.
    SessionStoreDown,

    // The query-parameter token source (WebSocket and SSE routes).
    /// Auth layer reading `TokenSource::query(QUERY_PARAM)` only; the handler answers
    /// [`user_and_uri`]: the user name and the path and query it sees.
    Query,
    /// As `Query`, plus `RequireGroup("admin")`.
    QueryAdmin,
    /// As `Query`, with the `on_rejection` handler of `ColdKeysCustomRejection` (whose body
    /// shows the URI the handler got).
    QueryCustomRejection,

    // Requirements checked by the auth layer itself (`require`), no guard behind it.
    /// Auth layer with `.require(RequireGroup("admin"))`: answers as [`Route::Admin`].
    LayerRequire,
    /// Auth layer in optional mode with `.require(RequireGroup::any(["admin", "ops"]))` and
    /// `.require(RequireStepUp::max_age(..))` of [`STEP_UP_MAX_AGE`] seconds: both must
    /// hold, checked in that order, and a request without a token is refused (401) as a
    /// guard behind an optional layer refuses it.
    LayerRequireOptional,
    /// ALB auth layer over [`ConformanceEnv::alb_access_verifier`] with
    /// `.require(RequireGroup("admin"))`: answers as [`Route::AlbAdmin`].
    AlbLayerRequire,
    /// As `AlbLayerRequire`, in optional mode: a request without the ALB's headers is
    /// refused (401) as a guard behind an optional layer refuses it.
    AlbLayerRequireOptional,
}

impl Route {
    /// Every route.
    pub const ALL: [Route; 44] = [
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
        Route::StepUpMaxAge,
        Route::StepUpAcr,
        Route::StepUpAmr,
        Route::HeaderOrCookie,
        Route::ColdKeys,
        Route::ColdKeysCustomRejection,
        Route::KeysDownCustomRejection,
        Route::RetiredKey,
        Route::OptionalExtractorWithoutLayer,
        Route::TypedClaims,
        Route::TypedClaimsWithoutLayer,
        Route::Revocation,
        Route::OnlineCheck,
        Route::OnlineCheckDown,
        Route::OnlineCheckDownAllowing,
        Route::RevocationStoreStale,
        Route::Alb,
        Route::AlbAdmin,
        Route::AlbOptional,
        Route::AlbKeysDown,
        Route::Session,
        Route::SessionAdmin,
        Route::SessionPage,
        Route::SessionStoreDown,
        // the query-parameter token source
        Route::Query,
        Route::QueryAdmin,
        Route::QueryCustomRejection,
        // requirements checked by the auth layer
        Route::LayerRequire,
        Route::LayerRequireOptional,
        Route::AlbLayerRequire,
        Route::AlbLayerRequireOptional,
    ];

    /// Whether the route answers refusals with an application's handler (`on_rejection`,
    /// `redirect_to_login`), which replaces the adapter's answers, gRPC ones included.
    #[must_use]
    pub fn has_own_rejection_handler(self) -> bool {
        matches!(
            self,
            Route::ColdKeysCustomRejection
                | Route::KeysDownCustomRejection
                | Route::QueryCustomRejection
                | Route::SessionPage
        )
    }

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
            Route::StepUpMaxAge => "/step-up/max-age",
            Route::StepUpAcr => "/step-up/acr",
            Route::StepUpAmr => "/step-up/amr",
            Route::HeaderOrCookie => "/header-or-cookie",
            Route::ColdKeys => "/cold-keys",
            Route::ColdKeysCustomRejection => "/cold-keys/custom-rejection",
            Route::KeysDownCustomRejection => "/keys-down/custom-rejection",
            Route::RetiredKey => "/retired-key",
            Route::OptionalExtractorWithoutLayer => "/no-layer/optional-extractor",
            Route::TypedClaims => "/typed-claims",
            Route::TypedClaimsWithoutLayer => "/no-layer/typed-claims",
            Route::Revocation => "/revocation",
            Route::OnlineCheck => "/online-check",
            Route::OnlineCheckDown => "/online-check/down",
            Route::OnlineCheckDownAllowing => "/online-check/down-allowing",
            Route::RevocationStoreStale => "/revocation/stale-store",
            Route::Alb => "/alb",
            Route::AlbAdmin => "/alb/admin",
            Route::AlbOptional => "/alb/optional",
            Route::AlbKeysDown => "/alb/keys-down",
            Route::Session => "/session",
            Route::SessionAdmin => "/session/admin",
            Route::SessionPage => "/session/page",
            Route::SessionStoreDown => "/session/store-down",
            Route::Query => "/query",
            Route::QueryAdmin => "/query/admin",
            Route::QueryCustomRejection => "/query/custom-rejection",
            Route::LayerRequire => "/layer-require",
            Route::LayerRequireOptional => "/layer-require/optional",
            Route::AlbLayerRequire => "/alb/layer-require",
            Route::AlbLayerRequireOptional => "/alb/layer-require/optional",
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
    /// Exactly this value.
    Exact(&'static str),
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
    /// The method (`GET` but for the CSRF rows).
    pub method: &'static str,
    /// A query string for the route's path ([`uri`](Self::uri)).
    pub query: Option<String>,
    /// Whose session cookie to send (after `headers`, as a `Cookie` header of its own).
    pub session: Option<SessionUser>,
    /// The `Location` the answer must carry (redirects); `None`: none checked.
    pub location: Option<&'static str>,
    /// Expected status.
    pub status: u16,
    /// Expected challenge.
    pub challenge: Challenge,
    /// Expected body.
    pub body: Body,
    /// The refusal's reason, exactly: the `error_description` of the JSON body and of the
    /// `WWW-Authenticate` challenge when it has one (`None` where adapters may differ, e.g. the
    /// hint of a 500).
    pub reason: Option<&'static str>,
    secrets: Vec<String>,
}

impl Case {
    /// Where to send it: the route's path and the case's query.
    #[must_use]
    pub fn uri(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.route.path()),
            None => self.route.path().to_owned(),
        }
    }

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
        self.check_answer(status, www_authenticate, None, body)
    }

    /// [`check`](Self::check), with the answer's `Location` compared with
    /// [`location`](Self::location).
    ///
    /// # Errors
    /// A description of every difference.
    pub fn check_answer(
        &self,
        status: u16,
        www_authenticate: Option<&str>,
        location: Option<&str>,
        body: &str,
    ) -> Result<(), String> {
        let mut problems = Vec::new();
        if let Some(expected) = self.location
            && location != Some(expected)
        {
            problems.push(format!("Location {location:?}, expected {expected:?}"));
        }
        if status != self.status {
            problems.push(format!("status {status}, expected {}", self.status));
        }
        problems.extend(self.challenge_problem(www_authenticate));
        match &self.body {
            Body::Text(text) if body == text => {}
            Body::Text(text) => problems.push(format!("body {body:?}, expected {text:?}")),
            Body::Error(code) => match serde_json::from_str::<serde_json::Value>(body) {
                Ok(json)
                    if json["error"] == *code
                        && json["error_description"].as_str().is_some_and(|d| {
                            !d.is_empty() && self.reason.is_none_or(|reason| d == reason)
                        }) => {}
                _ => problems.push(format!(
                    "body {body:?}, expected a JSON error {code:?}{}",
                    self.reason
                        .map_or(String::new(), |reason| format!(" saying {reason:?}"))
                )),
            },
        }
        if self.echoes_a_secret(&[body, www_authenticate.unwrap_or_default()]) {
            problems.push("the answer echoes the token".to_owned());
        }
        self.verdict(problems)
    }

    /// The gRPC status code a layer answering gRPC statuses (sanctum-axum's
    /// `CognitoAuthLayer::grpc`) refuses this case with: `None` when the case is not refused
    /// (2xx, 3xx) or its route answers refusals with an application's handler
    /// ([`Route::has_own_rejection_handler`]). The codes of gRPC's `statuscodes.md`: 3
    /// `INVALID_ARGUMENT` for 400, 16 `UNAUTHENTICATED` for 401, 7 `PERMISSION_DENIED` for 403
    /// and for the step-up 401s (`insufficient_user_authentication`: the caller is known), 14
    /// `UNAVAILABLE` for 503, 13 `INTERNAL` for 500.
    #[must_use]
    pub fn grpc_code(&self) -> Option<u8> {
        if self.route.has_own_rejection_handler() || self.status < 400 {
            return None;
        }
        Some(match (self.status, &self.body) {
            (400, _) => 3,
            (401, Body::Error("insufficient_user_authentication")) => 7,
            (401, _) => 16,
            (403, _) => 7,
            (503, _) => 14,
            _ => 13,
        })
    }

    /// Compares the answer of the case's route with its layers answering gRPC statuses
    /// (sanctum-axum's `CognitoAuthLayer::grpc`): where [`grpc_code`](Self::grpc_code) is
    /// `None`, the answer of the HTTP table ([`check_answer`](Self::check_answer)); else a
    /// trailers-only gRPC answer: HTTP 200, `content-type: application/grpc`, `grpc-status`
    /// the code, `grpc-message` (`message`, percent-decoded) the case's reason, the same
    /// `WWW-Authenticate` challenge as the HTTP answer (as metadata), no body, no token
    /// anywhere. The request must be a gRPC call (`content-type: application/grpc`), so that
    /// guards and extractors without a layer answer in gRPC too.
    ///
    /// # Errors
    /// A description of every difference.
    #[allow(clippy::too_many_arguments)]
    pub fn check_grpc_answer(
        &self,
        status: u16,
        content_type: Option<&str>,
        grpc_status: Option<&str>,
        message: Option<&str>,
        www_authenticate: Option<&str>,
        location: Option<&str>,
        body: &str,
    ) -> Result<(), String> {
        let Some(code) = self.grpc_code() else {
            return self.check_answer(status, www_authenticate, location, body);
        };
        let mut problems = Vec::new();
        if status != 200 {
            problems.push(format!("status {status}, expected 200 (a gRPC answer)"));
        }
        if content_type != Some("application/grpc") {
            problems.push(format!(
                "content-type {content_type:?}, expected \"application/grpc\""
            ));
        }
        let expected_code = code.to_string();
        if grpc_status != Some(expected_code.as_str()) {
            problems.push(format!("grpc-status {grpc_status:?}, expected {code}"));
        }
        match (self.reason, message) {
            (Some(reason), Some(message)) if message == reason => {}
            (None, Some(message)) if !message.is_empty() => {}
            (reason, message) => problems.push(format!(
                "grpc-message {message:?}, expected {}",
                reason.map_or("a reason".to_owned(), |r| format!("{r:?}"))
            )),
        }
        problems.extend(self.challenge_problem(www_authenticate));
        if !body.is_empty() {
            problems.push(format!("body {body:?}, expected none (trailers only)"));
        }
        if self.echoes_a_secret(&[
            body,
            message.unwrap_or_default(),
            www_authenticate.unwrap_or_default(),
        ]) {
            problems.push("the answer echoes the token".to_owned());
        }
        self.verdict(problems)
    }

    /// What is wrong with the answer's `WWW-Authenticate`, if anything.
    fn challenge_problem(&self, www_authenticate: Option<&str>) -> Option<String> {
        match (self.challenge, www_authenticate) {
            (Challenge::None, None) => None,
            (Challenge::Bare, Some("Bearer")) => None,
            (Challenge::Error(code), Some(value))
                if value.starts_with(&format!(
                    "Bearer error=\"{code}\", error_description=\"{}",
                    self.reason
                        .map_or(String::new(), |reason| format!("{reason}\""))
                )) =>
            {
                None
            }
            (Challenge::Exact(expected), Some(value)) if value == expected => None,
            (expected, got) => Some(format!("WWW-Authenticate {got:?}, expected {expected:?}")),
        }
    }

    /// Whether any of `parts` of an answer contains the case's token.
    fn echoes_a_secret(&self, parts: &[&str]) -> bool {
        self.secrets
            .iter()
            .any(|secret| parts.iter().any(|part| part.contains(secret.as_str())))
    }

    /// `Ok` without problems, else the case's name and request with them.
    fn verdict(&self, problems: Vec<String>) -> Result<(), String> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} ({} {}): {}",
                self.name,
                self.method,
                self.uri(),
                problems.join("; ")
            ))
        }
    }
}

/// The issuers and verifiers of the table: a healthy one, one whose JWKS endpoint fails, and
/// one that retired the key of a token it had verified.
#[derive(Debug, Clone)]
pub struct ConformanceEnv {
    /// The healthy issuer.
    pub issuer: TestIssuer,
    /// A verifier for [`issuer`](Self::issuer), its pool with the replica region
    /// [`REPLICA_REGION`].
    pub verifier: Verifier,
    /// An issuer whose JWKS endpoint answers 500.
    pub keys_down_issuer: TestIssuer,
    /// A verifier for [`keys_down_issuer`](Self::keys_down_issuer), with nothing cached.
    pub keys_down_verifier: Verifier,
    /// An issuer that rotated its key and stopped publishing the old one.
    pub retiring_issuer: TestIssuer,
    /// A verifier (cache on) that verified [`retired_token`](Self::retired_token), then
    /// refetched the keys without its key.
    pub retiring_verifier: Verifier,
    /// A token signed with the retired key.
    pub retired_token: String,
    /// A verifier for [`issuer`](Self::issuer) (cache on) with a revocation store in which
    /// [`REVOKED_SUB`] signed out a minute ago, after [`revoked_token`](Self::revoked_token)
    /// was verified and cached.
    pub revoking_verifier: Verifier,
    /// A token of [`REVOKED_SUB`] issued two minutes ago.
    pub revoked_token: String,
    /// A verifier for [`issuer`](Self::issuer) with an online check (a closure standing for
    /// Cognito) that says [`online_revoked_token`](Self::online_revoked_token) is revoked.
    pub online_verifier: Verifier,
    /// The token [`online_verifier`](Self::online_verifier)'s check says is revoked.
    pub online_revoked_token: String,
    /// A verifier whose online check cannot reach the issuer, refusing then.
    pub online_down_verifier: Verifier,
    /// A verifier whose online check cannot reach the issuer, allowing then.
    pub online_down_allowing_verifier: Verifier,
    /// A verifier for [`issuer`](Self::issuer) (cache on) whose revocation store
    /// ([`StaleRevocations`]) went stale after [`stale_store_token`](Self::stale_store_token)
    /// was verified and cached.
    pub stale_store_verifier: Verifier,
    /// A token [`stale_store_verifier`](Self::stale_store_verifier) verified and cached while
    /// its store was in sync.
    pub stale_store_token: String,
    /// An Application Load Balancer in front of [`issuer`](Self::issuer)'s pool.
    pub alb: AlbTestIssuer,
    /// A verifier of [`alb`](Self::alb)'s `x-amzn-oidc-data`, without the access token.
    pub alb_verifier: AlbVerifier,
    /// As [`alb_verifier`](Self::alb_verifier), the access token required and verified by a
    /// verifier of [`issuer`](Self::issuer)'s pool.
    pub alb_access_verifier: AlbVerifier,
    /// A load balancer whose key endpoint answers 500.
    pub alb_keys_down: AlbTestIssuer,
    /// A verifier of [`alb_keys_down`](Self::alb_keys_down), nothing cached.
    pub alb_keys_down_verifier: AlbVerifier,
    /// `redis://127.0.0.1:{port}/` of a port that was free when the table started: the
    /// [`Route::SessionStoreDown`] store, which cannot be reached.
    pub dead_redis_url: String,
}

/// A revocation store that knows of no revocation and can say when its copy cannot be
/// trusted: what a [`RedisRevocations`](sanctum_core::revocation::RedisRevocations) with
/// `fail_closed_after` answers once Redis has been out of reach for too long (that store is
/// tested against a real redis-server in sanctum-core; the adapters only need its answer).
#[derive(Debug, Default)]
pub struct StaleRevocations {
    stale: std::sync::atomic::AtomicBool,
}

impl StaleRevocations {
    /// From now on, every check answers [`RevocationCheck::Unavailable`](sanctum_core::revocation::RevocationCheck::Unavailable).
    pub fn go_stale(&self) {
        self.stale.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl sanctum_core::revocation::RevocationStore for StaleRevocations {
    fn is_revoked(&self, _claims: &sanctum_core::claims::CognitoClaims, _now: u64) -> bool {
        false
    }

    fn check(
        &self,
        _claims: &sanctum_core::claims::CognitoClaims,
        _now: u64,
    ) -> sanctum_core::revocation::RevocationCheck {
        if self.stale.load(std::sync::atomic::Ordering::Relaxed) {
            sanctum_core::revocation::RevocationCheck::Unavailable
        } else {
            sanctum_core::revocation::RevocationCheck::NotRevoked
        }
    }

    fn record(&self, _revocation: sanctum_core::revocation::Revocation) {}
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

        // its own clock, moved past the JWKS cooldown so the verifier may refetch at once
        let retiring_clock = sanctum_core::ManualClock::starting_now();
        let retiring_issuer = TestIssuer::builder()
            .pool_id("us-east-1_SanctumRetire")
            .clock(retiring_clock.clone())
            .start()
            .await?;
        let retiring_verifier = retiring_issuer
            .verifier_builder()
            .build()
            .map_err(std::io::Error::other)?;
        let retired_token = retiring_issuer.access_token().username("rex").build();
        retiring_verifier
            .verify_access(&retired_token)
            .await
            .map_err(std::io::Error::other)?;
        let old_kid = retiring_issuer.active_kid();
        retiring_issuer.rotate_key();
        retiring_issuer.retire_key(&old_kid);
        retiring_clock.advance(sanctum_core::verify::DEFAULT_JWKS_COOLDOWN);
        // a token of the new key makes the verifier refetch: the old key is gone
        retiring_verifier
            .verify_access(&retiring_issuer.access_token().build())
            .await
            .map_err(std::io::Error::other)?;

        let verifier = Verifier::builder()
            .pool(issuer.user_pool().replica_regions([REPLICA_REGION]))
            .build()
            .map_err(std::io::Error::other)?;

        let revocations = std::sync::Arc::new(sanctum_core::revocation::InMemoryRevocations::new());
        let revoking_verifier = Verifier::builder()
            .pool(issuer.user_pool())
            .revocations(revocations.clone())
            .build()
            .map_err(std::io::Error::other)?;
        let revoked_token = issuer
            .access_token()
            .username("rory")
            .sub(REVOKED_SUB)
            .issued_in_secs(-120)
            .build();
        revoking_verifier
            .verify_access(&revoked_token)
            .await
            .map_err(std::io::Error::other)?;
        sanctum_core::revocation::RevocationStore::record(
            &*revocations,
            sanctum_core::revocation::Revocation::signed_out_at(
                REVOKED_SUB,
                std::time::SystemTime::now() - Duration::from_secs(60),
            ),
        );
        let online_revoked_token = issuer.access_token().username("otto").build();
        let revoked = online_revoked_token.clone();
        let online_verifier = Verifier::builder()
            .pool(issuer.user_pool())
            .online_check(OnlineCheck::new(move |token: String| {
                let live = token != revoked;
                async move {
                    if live {
                        Liveness::Live
                    } else {
                        Liveness::Revoked
                    }
                }
            }))
            .build()
            .map_err(std::io::Error::other)?;
        let down = |policy| {
            Verifier::builder()
                .pool(issuer.user_pool())
                .online_check(
                    OnlineCheck::new(|_token: String| async { Liveness::Unreachable })
                        .when_unreachable(policy),
                )
                .build()
                .map_err(std::io::Error::other)
        };
        let online_down_verifier = down(WhenUnreachable::Refuse)?;
        let online_down_allowing_verifier = down(WhenUnreachable::Allow)?;
        let stale_store = std::sync::Arc::new(StaleRevocations::default());
        let stale_store_verifier = Verifier::builder()
            .pool(issuer.user_pool())
            .revocations(stale_store.clone())
            .build()
            .map_err(std::io::Error::other)?;
        let stale_store_token = issuer.access_token().username("stan").build();
        stale_store_verifier
            .verify_access(&stale_store_token)
            .await
            .map_err(std::io::Error::other)?;
        stale_store.go_stale();
        let alb = AlbTestIssuer::for_issuer(&issuer).await?;
        let alb_verifier = alb.verifier();
        let alb_access_verifier = alb
            .verifier_builder()
            .access_token(issuer.verifier())
            .build()
            .map_err(std::io::Error::other)?;
        let alb_keys_down = AlbTestIssuer::for_issuer(&issuer).await?;
        alb_keys_down.set_key_mode(JwksMode::Fail);
        let alb_keys_down_verifier = alb_keys_down.verifier();
        let dead_port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        Ok(Self {
            dead_redis_url: format!("redis://127.0.0.1:{dead_port}/"),
            alb,
            alb_verifier,
            alb_access_verifier,
            alb_keys_down,
            alb_keys_down_verifier,
            stale_store_verifier,
            stale_store_token,
            online_verifier,
            online_revoked_token,
            online_down_verifier,
            online_down_allowing_verifier,
            revoking_verifier,
            revoked_token,
            verifier,
            keys_down_verifier: keys_down_issuer.verifier(),
            issuer,
            keys_down_issuer,
            retiring_issuer,
            retiring_verifier,
            retired_token,
        })
    }

    /// A new verifier for [`issuer`](Self::issuer), configured as
    /// [`verifier`](Self::verifier), with nothing fetched or cached yet.
    ///
    /// # Panics
    /// Never: the test issuer's pool is valid.
    #[must_use]
    pub fn fresh_verifier(&self) -> Verifier {
        #[allow(clippy::expect_used)]
        Verifier::builder()
            .pool(self.issuer.user_pool().replica_regions([REPLICA_REGION]))
            .build()
            .expect("the test issuer's pool is valid")
    }

    /// A new verifier for [`keys_down_issuer`](Self::keys_down_issuer), nothing cached.
    #[must_use]
    pub fn fresh_keys_down_verifier(&self) -> Verifier {
        self.keys_down_issuer.verifier()
    }

    /// The managed login of the session routes: [`issuer`](Self::issuer)'s pool and client,
    /// on a domain nothing answers (no session of the table is refreshed or signed out).
    ///
    /// # Panics
    /// Never: the test issuer's pool and client are valid.
    #[must_use]
    pub fn session_login(&self) -> sanctum_core::login::ManagedLogin {
        self.issuer.managed_login(&self.verifier)
    }

    /// The session routes' CSRF rules: `Sec-Fetch-Site: same-origin`, `Origin`
    /// [`SESSION_APP_ORIGIN`], or [`SESSION_CSRF_HEADER`].
    ///
    /// # Panics
    /// Never: the constants are valid.
    pub fn session_csrf(&self) -> sanctum_core::session::CsrfPolicy {
        #[allow(clippy::expect_used)]
        sanctum_core::session::CsrfPolicy::new()
            .app_origin(SESSION_APP_ORIGIN)
            .expect("a valid origin")
            .header(
                http::HeaderName::from_static(SESSION_CSRF_HEADER.0),
                http::HeaderValue::from_static(SESSION_CSRF_HEADER.1),
            )
    }

    /// The stored form of `user`'s session (`sanctum_core::session::SessionData` as JSON, a
    /// fresh access token of [`issuer`](Self::issuer), signed in and used just now); `None`
    /// for [`SessionUser::Unknown`].
    #[must_use]
    pub fn session_json(&self, user: SessionUser) -> Option<serde_json::Value> {
        let (name, groups): (&str, &[&str]) = match user {
            SessionUser::Alice => ("alice", &[]),
            SessionUser::Root => ("root", &["admin"]),
            SessionUser::Unknown => return None,
        };
        let token = self
            .issuer
            .access_token()
            .username(name)
            .groups(groups.iter().copied())
            .build();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Some(serde_json::json!({
            "tokens": {
                "access_token": token, "id_token": "unused", "refresh_token": null,
                "expires_at": now + 3600, "token_type": "Bearer",
            },
            "sub": sanctum_core::testing::TEST_SUB, "username": name, "groups": groups,
            "origin_jti": null, "signed_in_at": now, "touched_at": now,
        }))
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
        let updated_iss = i
            .access_token()
            .username("uma")
            .issuer(&i.updated_issuer())
            .build();
        let replica_iss = i
            .access_token()
            .username("rhea")
            .issuer(&i.replica_issuer(REPLICA_REGION))
            .build();
        let trailing_slash_iss = i.access_token().issuer(&format!("{}/", i.issuer())).build();
        let unknown_kid = i.access_token().kid("sanctum-unknown-kid").build();
        let fresh_sign_in = i.access_token().username("fay").build();
        let stale_sign_in = i.access_token().auth_time_in_secs(-3600).build();
        let no_auth_time = i.access_token().without_claim("auth_time").build();
        let mfa_acr = i
            .access_token()
            .username("ace")
            .claim("acr", STEP_UP_ACR)
            .build();
        let weak_acr = i.access_token().claim("acr", "urn:sanctum:acr:pwd").build();
        let mfa_amr = i
            .access_token()
            .username("amy")
            .claim("amr", serde_json::json!(["pwd", STEP_UP_AMR]))
            .build();
        let pwd_amr = i
            .access_token()
            .claim("amr", serde_json::json!(["pwd"]))
            .build();
        let after_sign_out = i.access_token().username("rory").sub(REVOKED_SUB).build();
        let tenant_token = i
            .access_token()
            .username("tina")
            .claim("custom:tenant", "acme")
            .build();
        let new_key_token = self.retiring_issuer.access_token().username("nina").build();
        let stale_ops = i
            .access_token()
            .username("otto")
            .groups(["ops"])
            .auth_time_in_secs(-3600)
            .build();

        let bearer = |t: &str| vec![("authorization".to_owned(), format!("Bearer {t}"))];
        let header = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        let not_text = |v: &[u8]| vec![("authorization".to_owned(), v.to_vec())];
        let ok = |name, route, headers: Vec<(String, String)>, user: &str| Case {
            name,
            route,
            headers,
            raw_headers: Vec::new(),
            method: "GET",
            query: None,
            session: None,
            location: None,
            status: 200,
            challenge: Challenge::None,
            body: Body::Text(user.to_owned()),
            reason: None,
            secrets: Vec::new(),
        };
        let fail = |name,
                    route,
                    headers: Vec<(String, String)>,
                    status,
                    challenge,
                    code,
                    reason: Option<&'static str>| Case {
            name,
            route,
            secrets: headers
                .iter()
                .map(|(_, v)| v.rsplit(' ').next().unwrap_or(v).to_owned())
                .filter(|s| s.len() > 20)
                .collect(),
            headers,
            raw_headers: Vec::new(),
            method: "GET",
            query: None,
            session: None,
            location: None,
            status,
            challenge,
            body: Body::Error(code),
            reason,
        };
        let missing = |name, route, headers| {
            fail(
                name,
                route,
                headers,
                401,
                Challenge::Bare,
                "unauthorized",
                Some("a bearer token is required"),
            )
        };
        let invalid = |name, route, headers, reason| {
            fail(
                name,
                route,
                headers,
                401,
                Challenge::Error("invalid_token"),
                "invalid_token",
                Some(reason),
            )
        };
        let forbidden = |name, route, headers, reason| {
            fail(
                name,
                route,
                headers,
                403,
                Challenge::Error("insufficient_scope"),
                "insufficient_scope",
                Some(reason),
            )
        };
        let step_up = |name, route, headers, exact: &'static str, reason| Case {
            challenge: Challenge::Exact(exact),
            ..fail(
                name,
                route,
                headers,
                401,
                Challenge::None,
                "insufficient_user_authentication",
                reason,
            )
        };
        let bad_request = |name, route, headers| {
            fail(
                name,
                route,
                headers,
                400,
                Challenge::Error("invalid_request"),
                "invalid_request",
                Some("the request carries more than one credential"),
            )
        };
        let custom = |name, route: Route, headers, status, code: &str| Case {
            body: Body::Text(format!("custom {code} GET {}", route.path())),
            ..fail(
                name,
                route,
                headers,
                status,
                Challenge::None,
                "unused",
                None,
            )
        };
        // the reasons refusals give (`error_description`), pinned: a refusal for the wrong
        // reason is a failure even with the right status and code
        const EXPIRED: &str = "token has expired";
        const UNKNOWN_KEY: &str = "token is signed by an unknown key";
        const ISSUER: &str = "token issuer is not accepted";
        const REVOKED: &str = "token has been revoked";
        const MALFORMED: &str = "token is malformed";
        const SIGNATURE: &str = "token signature is invalid";
        const CLIENT: &str = "token was issued to another client";
        const TOKEN_USE: &str = "wrong kind of token";
        const ALG: &str = "token algorithm is not accepted";
        const TOO_LARGE: &str = "token is too large";
        const EMPTY: &str = "the bearer token is empty";
        const NOT_UTF8: &str = "the bearer token is not UTF-8 text";
        const GROUP: &str = "token lacks a required group";
        const SCOPE: &str = "token lacks a required scope";
        const CLAIMS: &str = "token claims do not fit this route";
        const KEYS_DOWN: &str = "signing keys are temporarily unavailable";
        const CHECK_DOWN: &str = "token revocation cannot be checked right now";
        let twice = |a: &str, b: &str| {
            vec![
                ("authorization".to_owned(), format!("Bearer {a}")),
                ("authorization".to_owned(), format!("Bearer {b}")),
            ]
        };
        let cookie_of = |t: &str| ("cookie".to_owned(), format!("{COOKIE_NAME}={t}"));
        use Route as R;
        let mut cases = vec![
            // issuers (check 3)
            ok(
                "UPDATED-form issuer is accepted",
                R::Protected,
                bearer(&updated_iss),
                "uma",
            ),
            ok(
                "replica-region issuer is accepted",
                R::Protected,
                bearer(&replica_iss),
                "rhea",
            ),
            invalid(
                "issuer with a trailing slash",
                R::Protected,
                bearer(&trailing_slash_iss),
                ISSUER,
            ),
            // the key-fetch path: the first request for a kid
            invalid(
                "unknown kid, refused after the fetch",
                R::ColdKeys,
                bearer(&unknown_kid),
                UNKNOWN_KEY,
            ),
            ok(
                "cold keys: a valid token after the fetch",
                R::ColdKeys,
                bearer(&alice),
                "alice",
            ),
            custom(
                "on_rejection on the key-fetch path",
                R::ColdKeysCustomRejection,
                bearer(&unknown_kid),
                401,
                "invalid_token",
            ),
            custom(
                "on_rejection when keys are unavailable",
                R::KeysDownCustomRejection,
                bearer(&down_token),
                503,
                "temporarily_unavailable",
            ),
            // key retirement, cache on
            invalid(
                "a cached token of a retired key is refused after the refetch",
                R::RetiredKey,
                bearer(&self.retired_token),
                UNKNOWN_KEY,
            ),
            ok(
                "the new key's token verifies",
                R::RetiredKey,
                bearer(&new_key_token),
                "nina",
            ),
            // repeated credentials (RFC 6750 3.1)
            bad_request(
                "two Authorization headers",
                R::Protected,
                twice(&alice, &alice),
            ),
            bad_request(
                "optional: two Authorization headers",
                R::Optional,
                twice(&alice, &root),
            ),
            bad_request(
                "Bearer and Basic Authorization headers",
                R::Protected,
                vec![
                    ("authorization".to_owned(), format!("Bearer {alice}")),
                    ("authorization".to_owned(), "Basic YWxpY2U6cHc=".to_owned()),
                ],
            ),
            ok(
                "header or cookie: the header",
                R::HeaderOrCookie,
                bearer(&alice),
                "alice",
            ),
            ok(
                "header or cookie: the cookie",
                R::HeaderOrCookie,
                vec![cookie_of(&alice)],
                "alice",
            ),
            bad_request(
                "header or cookie: a token in both",
                R::HeaderOrCookie,
                [bearer(&alice), vec![cookie_of(&alice)]].concat(),
            ),
            missing("header or cookie: neither", R::HeaderOrCookie, vec![]),
            bad_request(
                "the token cookie twice",
                R::Cookie,
                vec![cookie_of(&alice), cookie_of(&root)],
            ),
            // step-up (RFC 9470)
            ok(
                "step-up: fresh sign-in",
                R::StepUpMaxAge,
                bearer(&fresh_sign_in),
                "fay",
            ),
            step_up(
                "step-up: sign-in too old",
                R::StepUpMaxAge,
                bearer(&stale_sign_in),
                "Bearer error=\"insufficient_user_authentication\", error_description=\"a more recent sign-in is required\", max_age=\"300\"",
                Some("a more recent sign-in is required"),
            ),
            step_up(
                "step-up: no auth_time",
                R::StepUpMaxAge,
                bearer(&no_auth_time),
                "Bearer error=\"insufficient_user_authentication\", error_description=\"a more recent sign-in is required\", max_age=\"300\"",
                Some("a more recent sign-in is required"),
            ),
            missing("step-up: no token", R::StepUpMaxAge, vec![]),
            ok(
                "step-up: acr accepted",
                R::StepUpAcr,
                bearer(&mfa_acr),
                "ace",
            ),
            step_up(
                "step-up: acr not accepted",
                R::StepUpAcr,
                bearer(&weak_acr),
                "Bearer error=\"insufficient_user_authentication\", error_description=\"a different authentication level is required\", acr_values=\"urn:sanctum:acr:mfa\"",
                Some("a different authentication level is required"),
            ),
            step_up(
                "step-up: no acr",
                R::StepUpAcr,
                bearer(&alice),
                "Bearer error=\"insufficient_user_authentication\", error_description=\"a different authentication level is required\", acr_values=\"urn:sanctum:acr:mfa\"",
                Some("a different authentication level is required"),
            ),
            ok(
                "step-up: amr has mfa",
                R::StepUpAmr,
                bearer(&mfa_amr),
                "amy",
            ),
            step_up(
                "step-up: amr lacks mfa",
                R::StepUpAmr,
                bearer(&pwd_amr),
                "Bearer error=\"insufficient_user_authentication\", error_description=\"a different authentication method is required\"",
                Some("a different authentication method is required"),
            ),
            invalid(
                "step-up: an expired token is 401 invalid_token",
                R::StepUpAmr,
                bearer(&expired),
                EXPIRED,
            ),
            // optional extraction and typed claims, the same in every adapter
            fail(
                "optional extractor without the auth layer",
                R::OptionalExtractorWithoutLayer,
                bearer(&alice),
                500,
                Challenge::None,
                "server_error",
                None,
            ),
            ok(
                "typed claims that fit",
                R::TypedClaims,
                bearer(&tenant_token),
                "tina@acme",
            ),
            forbidden(
                "typed claims that do not fit are 403, not 401",
                R::TypedClaims,
                bearer(&alice),
                CLAIMS,
            ),
            missing("typed claims, no token", R::TypedClaims, vec![]),
            invalid(
                "typed claims, expired token",
                R::TypedClaims,
                bearer(&expired),
                EXPIRED,
            ),
            fail(
                "typed claims without the auth layer",
                R::TypedClaimsWithoutLayer,
                bearer(&tenant_token),
                500,
                Challenge::None,
                "server_error",
                None,
            ),
            // revocation (opt-in): a cached token of a user who signed out is refused
            invalid(
                "revoked: a cached token issued before the sign-out",
                R::Revocation,
                bearer(&self.revoked_token),
                REVOKED,
            ),
            ok(
                "revoked: a token issued after the sign-out",
                R::Revocation,
                bearer(&after_sign_out),
                "rory",
            ),
            ok(
                "revoked: another user",
                R::Revocation,
                bearer(&alice),
                "alice",
            ),
            // the online check (opt-in): the issuer's answer, kept per token
            ok(
                "online check: a live token",
                R::OnlineCheck,
                bearer(&alice),
                "alice",
            ),
            invalid(
                "online check: a token the issuer says is revoked",
                R::OnlineCheck,
                bearer(&self.online_revoked_token),
                REVOKED,
            ),
            invalid(
                "online check: the revoked answer is kept",
                R::OnlineCheck,
                bearer(&self.online_revoked_token),
                REVOKED,
            ),
            ok(
                "online check: the live answer is kept",
                R::OnlineCheck,
                bearer(&alice),
                "alice",
            ),
            fail(
                "online check unreachable, refusing",
                R::OnlineCheckDown,
                bearer(&alice),
                503,
                Challenge::None,
                "temporarily_unavailable",
                Some(CHECK_DOWN),
            ),
            invalid(
                "online check unreachable: a locally invalid token is still 401",
                R::OnlineCheckDown,
                bearer(&expired),
                EXPIRED,
            ),
            ok(
                "online check unreachable, allowing",
                R::OnlineCheckDownAllowing,
                bearer(&alice),
                "alice",
            ),
            // a revocation store that cannot vouch (fail closed): 503, on a cache hit too
            fail(
                "revocation store stale: a cached token is refused",
                R::RevocationStoreStale,
                bearer(&self.stale_store_token),
                503,
                Challenge::None,
                "temporarily_unavailable",
                Some(CHECK_DOWN),
            ),
            fail(
                "revocation store stale: a new token is refused",
                R::RevocationStoreStale,
                bearer(&alice),
                503,
                Challenge::None,
                "temporarily_unavailable",
                Some(CHECK_DOWN),
            ),
            invalid(
                "revocation store stale: a locally invalid token is still 401",
                R::RevocationStoreStale,
                bearer(&expired),
                EXPIRED,
            ),
            missing(
                "revocation store stale: no token is still 401",
                R::RevocationStoreStale,
                vec![],
            ),
        ];
        cases.extend(vec![
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
                EMPTY,
            ),
            invalid(
                "garbage token",
                R::Protected,
                bearer("not-a-jwt"),
                MALFORMED,
            ),
            invalid("two segments", R::Protected, bearer("abc.def"), MALFORMED),
            invalid("expired token", R::Protected, bearer(&expired), EXPIRED),
            invalid(
                "signature by another key",
                R::Protected,
                bearer(&forged),
                SIGNATURE,
            ),
            invalid("wrong issuer", R::Protected, bearer(&wrong_iss), ISSUER),
            invalid("wrong client", R::Protected, bearer(&wrong_client), CLIENT),
            invalid(
                "ID token where access is required",
                R::Protected,
                bearer(&id_token),
                TOKEN_USE,
            ),
            invalid("alg none", R::Protected, bearer(&alg_none), ALG),
            invalid(
                "oversized token",
                R::Protected,
                bearer(&oversized),
                TOO_LARGE,
            ),
            missing("guarded route, no token", R::Admin, vec![]),
            forbidden("not in group admin", R::Admin, bearer(&alice), GROUP),
            ok("in group admin", R::Admin, bearer(&root), "root"),
            invalid(
                "expired admin token is 401, not 403",
                R::Admin,
                bearer(&expired_admin),
                EXPIRED,
            ),
            // requirements checked by the auth layer itself: the guards' answers
            missing("layer requirement, no token", R::LayerRequire, vec![]),
            forbidden(
                "layer requirement: not in group admin",
                R::LayerRequire,
                bearer(&alice),
                GROUP,
            ),
            ok(
                "layer requirement: in group admin",
                R::LayerRequire,
                bearer(&root),
                "root",
            ),
            invalid(
                "layer requirement: expired admin token is 401, not 403",
                R::LayerRequire,
                bearer(&expired_admin),
                EXPIRED,
            ),
            bad_request(
                "layer requirement: two Authorization headers",
                R::LayerRequire,
                twice(&root, &root),
            ),
            missing(
                "optional layer with a requirement: no token is refused",
                R::LayerRequireOptional,
                vec![],
            ),
            ok(
                "layer requirements: a group of the list, fresh sign-in",
                R::LayerRequireOptional,
                bearer(&ops),
                "olga",
            ),
            forbidden(
                "layer requirements: no group of the list",
                R::LayerRequireOptional,
                bearer(&alice),
                GROUP,
            ),
            step_up(
                "layer requirements: the group, sign-in too old",
                R::LayerRequireOptional,
                bearer(&stale_ops),
                "Bearer error=\"insufficient_user_authentication\", error_description=\"a more recent sign-in is required\", max_age=\"300\"",
                Some("a more recent sign-in is required"),
            ),
            forbidden(
                "layer requirements: checked in order, the group first",
                R::LayerRequireOptional,
                bearer(&stale_sign_in),
                GROUP,
            ),
            ok("any group: ops", R::AnyGroup, bearer(&ops), "olga"),
            forbidden("any group: none", R::AnyGroup, bearer(&alice), GROUP),
            forbidden("all groups: admin only", R::AllGroups, bearer(&root), GROUP),
            ok(
                "all groups: admin and ops",
                R::AllGroups,
                bearer(&admin_ops),
                "ada",
            ),
            ok("scope granted", R::Scope, bearer(&reader), "rita"),
            forbidden("scope missing", R::Scope, bearer(&alice), SCOPE),
            ok("requirement met", R::Requirement, bearer(&alice), "alice"),
            forbidden(
                "requirement not met",
                R::Requirement,
                bearer(&suspended),
                GROUP,
            ),
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
                EXPIRED,
            ),
            invalid(
                "optional: empty bearer is rejected",
                R::Optional,
                header("authorization", "Bearer"),
                EMPTY,
            ),
            Case {
                raw_headers: not_text(b"Bearer \xff\xfe.\x80"),
                ..invalid(
                    "bearer token that is not UTF-8",
                    R::Protected,
                    vec![],
                    NOT_UTF8,
                )
            },
            Case {
                raw_headers: not_text(b"Bearer \xff\xfe.\x80"),
                ..invalid(
                    "optional: bearer token that is not UTF-8 is rejected",
                    R::Optional,
                    vec![],
                    NOT_UTF8,
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
                SIGNATURE,
            ),
            invalid(
                "empty cookie value",
                R::Cookie,
                header("cookie", &format!("{COOKIE_NAME}=; theme=dark")),
                EMPTY,
            ),
            invalid(
                "custom finder, empty value",
                R::Custom,
                header(CUSTOM_HEADER, " "),
                EMPTY,
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
                TOKEN_USE,
            ),
            fail(
                "keys unavailable",
                R::KeysDown,
                bearer(&down_token),
                503,
                Challenge::None,
                "temporarily_unavailable",
                Some(KEYS_DOWN),
            ),
            fail(
                "keys unavailable again (inside the cooldown)",
                R::KeysDown,
                bearer(&down_token),
                503,
                Challenge::None,
                "temporarily_unavailable",
                Some(KEYS_DOWN),
            ),
            missing("keys-down route, no token", R::KeysDown, vec![]),
            fail(
                "guard without the auth layer",
                R::GuardWithoutLayer,
                bearer(&root),
                500,
                Challenge::None,
                "server_error",
                None,
            ),
            fail(
                "extractor without the auth layer",
                R::ExtractorWithoutLayer,
                bearer(&alice),
                500,
                Challenge::None,
                "server_error",
                None,
            ),
        ]);
        cases.extend(self.alb_cases());
        cases.extend(self.session_cases());
        cases.extend(self.query_cases());
        cases
    }

    /// The query-parameter rows: a token in the query answered as in a header, the guards
    /// after it, and the token gone from the URI the handler (or a rejection handler) sees.
    fn query_cases(&self) -> Vec<Case> {
        let i = &self.issuer;
        let alice = i.access_token().username("alice").build();
        let root = i.access_token().username("root").groups(["admin"]).build();
        let expired = i.access_token().expires_in_secs(-120).build();
        let case = |name, route: Route, query: String, status, challenge, body, reason| Case {
            name,
            route,
            headers: Vec::new(),
            raw_headers: Vec::new(),
            method: "GET",
            secrets: [&alice, &root, &expired]
                .into_iter()
                .filter(|token| query.contains(token.as_str()))
                .cloned()
                .collect(),
            query: Some(query),
            session: None,
            location: None,
            status,
            challenge,
            body,
            reason,
        };
        let ok = |name, route: Route, query, user: &str, seen: &str| {
            let body = Body::Text(user_and_uri(user, &format!("{}{seen}", route.path())));
            case(name, route, query, 200, Challenge::None, body, None)
        };
        let refused = |name, route, query, status, challenge, code, reason| {
            case(
                name,
                route,
                query,
                status,
                challenge,
                Body::Error(code),
                Some(reason),
            )
        };
        let invalid = |name, query, reason| {
            let challenge = Challenge::Error("invalid_token");
            refused(
                name,
                Route::Query,
                query,
                401,
                challenge,
                "invalid_token",
                reason,
            )
        };
        let q = QUERY_PARAM;
        use Route as R;
        vec![
            ok(
                "query: the token in the query, removed before the handler",
                R::Query,
                format!("topic=news&{q}={alice}&since=5"),
                "alice",
                "?topic=news&since=5",
            ),
            ok(
                "query: the token the only parameter (a verified-token cache hit)",
                R::Query,
                format!("{q}={alice}"),
                "alice",
                "",
            ),
            ok(
                "query: the parameter's name percent-encoded",
                R::Query,
                format!("access%5Ftoken={alice}"),
                "alice",
                "",
            ),
            refused(
                "query: no token",
                R::Query,
                "topic=news".to_owned(),
                401,
                Challenge::Bare,
                "unauthorized",
                "a bearer token is required",
            ),
            invalid(
                "query: an empty token",
                format!("{q}=&topic=news"),
                "the bearer token is empty",
            ),
            invalid(
                "query: an expired token",
                format!("{q}={expired}"),
                "token has expired",
            ),
            refused(
                "query: the token twice",
                R::Query,
                format!("{q}={alice}&{q}={root}"),
                400,
                Challenge::Error("invalid_request"),
                "invalid_request",
                "the request carries more than one credential",
            ),
            ok(
                "query: the guard after it lets an admin through",
                R::QueryAdmin,
                format!("{q}={root}"),
                "root",
                "",
            ),
            refused(
                "query: the guard after it refuses a non-admin",
                R::QueryAdmin,
                format!("{q}={alice}"),
                403,
                Challenge::Error("insufficient_scope"),
                "insufficient_scope",
                "token lacks a required group",
            ),
            case(
                "query: on_rejection sees the URI without the token",
                R::QueryCustomRejection,
                format!("topic=news&{q}={expired}"),
                401,
                Challenge::None,
                Body::Text(format!(
                    "custom invalid_token GET {}?topic=news",
                    R::QueryCustomRejection.path()
                )),
                None,
            ),
        ]
    }

    /// The session rows: a session cookie meets the guards as a bearer token does; anonymous
    /// page requests are sent to sign in; unsafe cookie-authenticated requests must come from
    /// the application (CSRF), bearer requests are exempt; a store that cannot be read is 503.
    fn session_cases(&self) -> Vec<Case> {
        use Route as R;
        let bearer = self.issuer.access_token().username("bea").build();
        let base = |name, route, session: Option<SessionUser>| Case {
            name,
            route,
            headers: Vec::new(),
            raw_headers: Vec::new(),
            method: "GET",
            query: None,
            session,
            location: None,
            status: 200,
            challenge: Challenge::None,
            body: Body::Text(String::new()),
            reason: None,
            secrets: Vec::new(),
        };
        let ok = |name, route, session, user: &str| Case {
            body: Body::Text(user.to_owned()),
            ..base(name, route, Some(session))
        };
        let refused = |name, route, session, status, challenge, code, reason| Case {
            status,
            challenge,
            body: Body::Error(code),
            reason: Some(reason),
            ..base(name, route, session)
        };
        let missing = |name, route, session| {
            refused(
                name,
                route,
                session,
                401,
                Challenge::Bare,
                "unauthorized",
                "a bearer token is required",
            )
        };
        let cross_site = |name, headers: &[(&str, &str)]| Case {
            method: "POST",
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..refused(
                name,
                R::Session,
                Some(SessionUser::Alice),
                403,
                Challenge::None,
                "cross_site_request",
                "the request does not come from this application's pages",
            )
        };
        let post = |name, headers: &[(&str, &str)]| Case {
            method: "POST",
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..ok(name, R::Session, SessionUser::Alice, "alice")
        };
        vec![
            ok(
                "session: a session cookie",
                R::Session,
                SessionUser::Alice,
                "alice",
            ),
            missing("session: no session cookie", R::Session, None),
            missing(
                "session: an id the store does not hold",
                R::Session,
                Some(SessionUser::Unknown),
            ),
            Case {
                headers: vec![("authorization".to_owned(), format!("Bearer {bearer}"))],
                secrets: vec![bearer.clone()],
                ..ok(
                    "session: a bearer token is used alone, whatever the cookie",
                    R::Session,
                    SessionUser::Alice,
                    "bea",
                )
            },
            ok(
                "session: group guard, admin session",
                R::SessionAdmin,
                SessionUser::Root,
                "root",
            ),
            refused(
                "session: group guard, session without the group",
                R::SessionAdmin,
                Some(SessionUser::Alice),
                403,
                Challenge::Error("insufficient_scope"),
                "insufficient_scope",
                "token lacks a required group",
            ),
            ok(
                "session page: signed in",
                R::SessionPage,
                SessionUser::Alice,
                "alice",
            ),
            Case {
                query: Some("tab=users&x=%2F".to_owned()),
                status: 303,
                location: Some("/login?next=%2Fsession%2Fpage%3Ftab%3Dusers%26x%3D%252F"),
                ..base(
                    "session page: anonymous, sent to sign in",
                    R::SessionPage,
                    None,
                )
            },
            Case {
                location: Some("/login?next=%2Fsession%2Fpage"),
                status: 303,
                ..base(
                    "session page: unknown session, sent to sign in",
                    R::SessionPage,
                    Some(SessionUser::Unknown),
                )
            },
            Case {
                method: "POST",
                ..missing(
                    "session page: anonymous POST is 401, not a redirect",
                    R::SessionPage,
                    None,
                )
            },
            cross_site(
                "csrf: POST from another site (Sec-Fetch-Site)",
                &[("sec-fetch-site", "cross-site")],
            ),
            cross_site(
                "csrf: POST from a sibling site (Sec-Fetch-Site)",
                &[("sec-fetch-site", "same-site")],
            ),
            cross_site(
                "csrf: POST with another Origin",
                &[("origin", "https://evil.example")],
            ),
            cross_site("csrf: POST saying nothing of where it comes from", &[]),
            Case {
                session: Some(SessionUser::Root),
                ..cross_site(
                    "csrf: admin POST from another site",
                    &[("sec-fetch-site", "cross-site")],
                )
            },
            post(
                "csrf: POST from the same origin (Sec-Fetch-Site)",
                &[("sec-fetch-site", "same-origin")],
            ),
            post(
                "csrf: POST with the application's Origin",
                &[("origin", SESSION_APP_ORIGIN)],
            ),
            post(
                "csrf: POST with the CSRF header, even cross-site",
                &[SESSION_CSRF_HEADER, ("sec-fetch-site", "cross-site")],
            ),
            Case {
                method: "POST",
                session: None,
                headers: vec![
                    ("authorization".to_owned(), format!("Bearer {bearer}")),
                    ("sec-fetch-site".to_owned(), "cross-site".to_owned()),
                ],
                secrets: vec![bearer.clone()],
                ..ok(
                    "csrf: a bearer POST from another site is exempt",
                    R::Session,
                    SessionUser::Alice,
                    "bea",
                )
            },
            refused(
                "session: the store cannot be reached",
                R::SessionStoreDown,
                Some(SessionUser::Unknown),
                503,
                Challenge::None,
                "temporarily_unavailable",
                "the session cannot be read now",
            ),
            Case {
                headers: vec![("authorization".to_owned(), format!("Bearer {bearer}"))],
                secrets: vec![bearer.clone()],
                ..ok(
                    "session: store down, a bearer request still works",
                    R::SessionStoreDown,
                    SessionUser::Unknown,
                    "bea",
                )
            },
            missing(
                "session: store down, no cookie: the store is not asked",
                R::SessionStoreDown,
                None,
            ),
        ]
    }

    /// The ALB rows: the same answers as for bearer tokens, from the ALB's headers.
    fn alb_cases(&self) -> Vec<Case> {
        const DATA: &str = "x-amzn-oidc-data";
        const ACCESS: &str = "x-amzn-oidc-accesstoken";
        const IDENTITY: &str = "x-amzn-oidc-identity";
        let (i, alb) = (&self.issuer, &self.alb);
        let data = alb.data_token().build();
        let unpadded = alb.data_token().unpadded().build();
        let with = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let ok = |name, route, headers, user: &str| Case {
            name,
            route,
            headers,
            raw_headers: Vec::new(),
            method: "GET",
            query: None,
            session: None,
            location: None,
            status: 200,
            challenge: Challenge::None,
            body: Body::Text(user.to_owned()),
            reason: None,
            secrets: Vec::new(),
        };
        let fail =
            |name, route, headers: Vec<(String, String)>, status, challenge, code, reason| Case {
                name,
                route,
                secrets: headers
                    .iter()
                    .map(|(_, v)| v.clone())
                    .filter(|s| s.len() > 20)
                    .collect(),
                headers,
                raw_headers: Vec::new(),
                method: "GET",
                query: None,
                session: None,
                location: None,
                status,
                challenge,
                body: Body::Error(code),
                reason: Some(reason),
            };
        let invalid = |name, route, headers, reason| {
            fail(
                name,
                route,
                headers,
                401,
                Challenge::Error("invalid_token"),
                "invalid_token",
                reason,
            )
        };
        let missing = |name, route, headers| {
            fail(
                name,
                route,
                headers,
                401,
                Challenge::Bare,
                "unauthorized",
                "a bearer token is required",
            )
        };
        let lacks_group = |name, route, headers| {
            fail(
                name,
                route,
                headers,
                403,
                Challenge::Error("insufficient_scope"),
                "insufficient_scope",
                "token lacks a required group",
            )
        };
        let root_access = i.access_token().groups(["admin"]).build();
        let plain_access = i.access_token().build();
        let other_user_access = i
            .access_token()
            .sub("0b0b0b0b-0000-4000-8000-000000000000")
            .groups(["admin"])
            .build();
        use Route as R;
        // `RequireGroup("admin")` behind the layer, or checked by the layer itself
        // (`require`, required or optional): the same answers
        let admin = [
            (
                R::AlbAdmin,
                [
                    "alb admin: the access token's groups",
                    "alb admin: an access token without the group",
                    "alb admin: no access token",
                ],
            ),
            (
                R::AlbLayerRequire,
                [
                    "alb layer requirement: the access token's groups",
                    "alb layer requirement: an access token without the group",
                    "alb layer requirement: no access token",
                ],
            ),
            (
                R::AlbLayerRequireOptional,
                [
                    "optional alb layer with a requirement: the access token's groups",
                    "optional alb layer with a requirement: without the group",
                    "optional alb layer with a requirement: no access token",
                ],
            ),
        ];
        let admin = admin
            .into_iter()
            .flat_map(|(route, [granted, lacking, no_access])| {
                [
                    ok(
                        granted,
                        route,
                        with(&[(DATA, &data), (ACCESS, &root_access)]),
                        "alice",
                    ),
                    lacks_group(
                        lacking,
                        route,
                        with(&[(DATA, &data), (ACCESS, &plain_access)]),
                    ),
                    invalid(
                        no_access,
                        route,
                        with(&[(DATA, &data)]),
                        "the load balancer's access token is missing",
                    ),
                ]
            });
        let mut cases = vec![
            ok("alb: x-amzn-oidc-data as the ALB sends it (padded)", R::Alb, with(&[(DATA, &data)]), "alice"),
            ok("alb: x-amzn-oidc-data unpadded", R::Alb, with(&[(DATA, &unpadded)]), "alice"),
            ok(
                "alb: a matching x-amzn-oidc-identity",
                R::Alb,
                with(&[(DATA, &data), (IDENTITY, ALB_SUB)]),
                "alice",
            ),
            missing("alb: no ALB header", R::Alb, vec![]),
            missing(
                "alb: x-amzn-oidc-identity alone is no credential",
                R::Alb,
                with(&[(IDENTITY, ALB_SUB)]),
            ),
            missing(
                "alb: a bearer token is no ALB credential",
                R::Alb,
                with(&[("authorization", &format!("Bearer {plain_access}"))]),
            ),
            invalid(
                "alb: x-amzn-oidc-identity names another user",
                R::Alb,
                with(&[(DATA, &data), (IDENTITY, "mallory")]),
                "the identity header does not match the token",
            ),
            invalid(
                "alb: signed by another load balancer",
                R::Alb,
                with(&[(DATA, &alb.data_token().signer(&alb.other_arn()).build())]),
                "token was signed by another load balancer",
            ),
            invalid(
                "alb: signer of another region",
                R::Alb,
                with(&[(
                    DATA,
                    &alb.data_token()
                        .signer("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/sanctum-test/50dc6c495c0c9188")
                        .build(),
                )]),
                "token was signed by another load balancer",
            ),
            invalid(
                "alb: DER signature",
                R::Alb,
                with(&[(DATA, &alb.data_token().der_signature().build())]),
                "token signature is not ES256 R||S",
            ),
            invalid(
                "alb: alg RS256",
                R::Alb,
                with(&[(DATA, &alb.data_token().alg("RS256").build())]),
                "token algorithm is not accepted",
            ),
            invalid(
                "alb: kid with a path",
                R::Alb,
                with(&[(DATA, &alb.data_token().kid("../../admin").build())]),
                "token key id is not valid",
            ),
            invalid(
                "alb: expired",
                R::Alb,
                with(&[(DATA, &alb.data_token().expires_in_secs(-60).build())]),
                "token has expired",
            ),
            invalid(
                "alb: signed by an unpublished key",
                R::Alb,
                with(&[(DATA, &alb.data_token().signed_with_unpublished_key().build())]),
                "token signature is invalid",
            ),
            invalid(
                "alb: another app client",
                R::Alb,
                with(&[(DATA, &alb.data_token().client_id("someotherclient").build())]),
                "token was issued to another client",
            ),
            fail(
                "alb: x-amzn-oidc-data twice",
                R::Alb,
                vec![(DATA.to_owned(), data.clone()), (DATA.to_owned(), unpadded.clone())],
                400,
                Challenge::Error("invalid_request"),
                "invalid_request",
                "the request carries more than one credential",
            ),
            invalid(
                "alb admin: another user's access token",
                R::AlbAdmin,
                with(&[(DATA, &data), (ACCESS, &other_user_access)]),
                "the access token belongs to another user",
            ),
            invalid(
                "alb admin: an expired access token",
                R::AlbAdmin,
                with(&[(DATA, &data), (ACCESS, &i.access_token().groups(["admin"]).expires_in_secs(-60).build())]),
                "token has expired",
            ),
            missing(
                "alb admin: an access token without x-amzn-oidc-data",
                R::AlbAdmin,
                with(&[(ACCESS, &root_access)]),
            ),
            // the ALB layer checking a guard's rule itself (`require`)
            missing("alb layer requirement: no ALB header", R::AlbLayerRequire, vec![]),
            missing(
                "optional alb layer with a requirement: no ALB header is refused",
                R::AlbLayerRequireOptional,
                vec![],
            ),
            ok("alb optional: anonymous", R::AlbOptional, vec![], ANONYMOUS),
            ok("alb optional: a valid token", R::AlbOptional, with(&[(DATA, &data)]), "alice"),
            invalid(
                "alb optional: an invalid token is still refused",
                R::AlbOptional,
                with(&[(DATA, &alb.data_token().expires_in_secs(-60).build())]),
                "token has expired",
            ),
            fail(
                "alb: key endpoint down",
                R::AlbKeysDown,
                with(&[(DATA, &self.alb_keys_down.data_token().build())]),
                503,
                Challenge::None,
                "temporarily_unavailable",
                "signing keys are temporarily unavailable",
            ),
        ];
        cases.extend(admin);
        cases
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_refusal_but_a_misconfiguration_pins_its_reason() {
        let env = ConformanceEnv::start().await.expect("env");
        for case in env.cases() {
            if matches!(case.body, Body::Error(_)) && case.status != 500 {
                assert!(case.reason.is_some(), "{} has no reason", case.name);
            }
        }
    }
}
