//! Runs the built demo services (`axum-app`, `actix-app`) on the embedded issuer and talks to
//! them over real TCP: both must serve the same routes with the same answers.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// Removes every `SANCTUM_*` variable from the child's environment: the services refuse the
/// names they do not know, and the test's own shell may carry some (`SANCTUM_MOTO_SERVER`, ...).
fn clear_sanctum_env(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SANCTUM_") {
            command.env_remove(name);
        }
    }
    for var in sanctum_examples::KNOWN_VARIABLES {
        command.env_remove(var);
    }
}

/// The running service; killed if the test ends early.
struct Service {
    child: Child,
    lines: Receiver<Option<String>>,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    fn start(exe: &str) -> Self {
        Self::start_with(exe, &[])
    }

    /// Starts `exe` with these `SANCTUM_*` settings (and `SANCTUM_ADDR` on port 0).
    fn start_with(exe: &str, settings: &[(&str, String)]) -> Self {
        let mut command = Command::new(exe);
        clear_sanctum_env(&mut command);
        for (name, value) in settings {
            command.env(name, value);
        }
        let mut child = command
            .env("SANCTUM_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the demo service");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(Some(line)).is_err() {
                    return;
                }
            }
            let _ = tx.send(None); // end of output: the process has exited
        });
        Self { child, lines }
    }

    /// The next line of output, `None` at its end; panics after `deadline`.
    fn next_line(&self, deadline: Instant) -> Option<String> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.lines
            .recv_timeout(left)
            .expect("the demo service answers in time")
    }
}

/// What the banner tells: base URL, admin token, user token.
fn read_banner(service: &Service, framework: &str) -> (String, String, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut base, mut admin, mut user) = (None, None, None);
    for _ in 0..200 {
        let Some(line) = service.next_line(deadline) else {
            break;
        };
        let listening = format!("sanctum {framework} demo listening on ");
        if let Some(url) = line.strip_prefix(listening.as_str()) {
            base = Some(url.trim().to_owned());
        } else if let Some(token) = line.strip_prefix("ADMIN_TOKEN=") {
            admin = Some(token.trim().to_owned());
        } else if let Some(token) = line.strip_prefix("USER_TOKEN=") {
            user = Some(token.trim().to_owned());
        }
        if let (Some(base), Some(admin), Some(user)) = (&base, &admin, &user) {
            return (base.clone(), admin.clone(), user.clone());
        }
    }
    panic!("the banner lacks the address or the tokens: {base:?} {admin:?} {user:?}");
}

#[tokio::test]
async fn axum_app_serves_public_me_and_admin_and_stops_on_ctrl_c() {
    serves_public_me_and_admin_and_stops_on_ctrl_c(env!("CARGO_BIN_EXE_axum-app"), "axum").await;
}

#[tokio::test]
async fn actix_app_serves_public_me_and_admin_and_stops_on_ctrl_c() {
    serves_public_me_and_admin_and_stops_on_ctrl_c(env!("CARGO_BIN_EXE_actix-app"), "actix-web")
        .await;
}

async fn serves_public_me_and_admin_and_stops_on_ctrl_c(exe: &str, framework: &str) {
    let mut service = Service::start(exe);
    let (base, admin, user) = read_banner(&service, framework);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(
        !base.ends_with(":0"),
        "the banner shows the bound port: {base}"
    );

    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let get = |path: &str, token: Option<&str>| {
        let mut request = client.get(format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.expect("the service answers") }
    };

    let public = get("/public", None).await;
    assert_eq!(public.status(), 200);
    assert_eq!(
        public.text().await.expect("body"),
        "public: no token needed\n"
    );

    let anonymous = get("/me", None).await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        anonymous
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );

    let me = get("/me", Some(&user)).await;
    assert_eq!(me.status(), 200);
    let me: serde_json::Value =
        serde_json::from_str(&me.text().await.expect("body")).expect("JSON");
    assert_eq!(me["username"], "demo-user");
    assert_eq!(me["token_use"], "access");
    assert_eq!(me["groups"], serde_json::json!([]));

    let refused = get("/admin", Some(&user)).await;
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("Bearer error=\"insufficient_scope\""))
    );
    let welcome = get("/admin", Some(&admin)).await;
    assert_eq!(welcome.status(), 200);
    let welcome: serde_json::Value =
        serde_json::from_str(&welcome.text().await.expect("body")).expect("JSON");
    assert_eq!(welcome["username"], "demo-admin");
    // without SANCTUM_METRICS there is no /metrics
    assert_eq!(get("/metrics", None).await.status(), 404);

    // the document the guards wrote: /admin needs the admin group, /me a token, /public nothing
    let doc = get("/openapi.json", None).await;
    assert_eq!(doc.status(), 200, "{framework}");
    let json = doc.text().await.expect("body");
    sanctum_testkit::openapi::validate(&json);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let security = |path| sanctum_testkit::openapi::security(&doc, path, "get");
    let object = sanctum_testkit::openapi::object;
    assert_eq!(
        security("/admin"),
        Some(vec![object(&[("cognito", &["admin"])])]),
        "{framework}: {json}"
    );
    assert_eq!(
        security("/me"),
        Some(vec![object(&[("cognito", &[])])]),
        "{framework}: {json}"
    );
    assert_eq!(security("/public"), None, "{framework}: {json}");
    drop(client);

    // Ctrl-C: the service stops by itself and exits successfully
    #[cfg(unix)]
    {
        let pid = service.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "SIGINT sent");
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut ended = false;
        for _ in 0..200 {
            if service.next_line(deadline).is_none() {
                ended = true;
                break;
            }
        }
        assert!(ended, "the output ends after Ctrl-C");
        let status = service.child.wait().expect("wait for the demo service");
        assert!(status.success(), "clean exit after Ctrl-C: {status}");
    }
}

#[tokio::test]
async fn with_sanctum_metrics_both_services_serve_prometheus_text() {
    for (exe, framework) in [
        (env!("CARGO_BIN_EXE_axum-app"), "axum"),
        (env!("CARGO_BIN_EXE_actix-app"), "actix-web"),
    ] {
        let service = Service::start_with(exe, &[("SANCTUM_METRICS", "1".to_owned())]);
        let (base, _admin, user) = read_banner(&service, framework);
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        for token in [Some(user.as_str()), Some(user.as_str()), None] {
            let mut request = client.get(format!("{base}/me"));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send().await.expect("the service answers");
        }
        let metrics = client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("the service answers");
        assert_eq!(metrics.status(), 200, "{framework}");
        let text = metrics.text().await.expect("body");
        for line in [
            // exact: /metrics first hands on the cache hits each worker thread counted
            "sanctum_verifications_total{outcome=\"ok\",cache=\"hit\"} 1",
            "sanctum_refusals_total{reason=\"missing_token\"} 1",
            "sanctum_jwks_fetches_total{result=\"ok\"} 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{framework}: {line:?} in\n{text}"
            );
        }
        assert!(!text.contains(&user), "{framework}: a token in the metrics");
    }
}

/// A deployment that configures a pool but misses a variable must not run open on the
/// embedded issuer: both services refuse to start and name what is missing.
#[test]
fn an_incomplete_configuration_refuses_to_start() {
    for exe in [
        env!("CARGO_BIN_EXE_axum-app"),
        env!("CARGO_BIN_EXE_actix-app"),
    ] {
        let mut command = Command::new(exe);
        clear_sanctum_env(&mut command);
        let output = command
            .env("SANCTUM_ADDR", "127.0.0.1:0")
            .env("SANCTUM_CLIENT_ID", "4a1b2c3d4e5f")
            .stdin(Stdio::null())
            .output()
            .expect("run the demo service");
        assert!(!output.status.success(), "{exe} started half-configured");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("SANCTUM_USER_POOL_ID"), "{exe}: {stderr}");
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("ADMIN_TOKEN"),
            "{exe} printed a token"
        );
    }
}

// multi-threaded: the loopback issuers must answer while this thread waits for the banner
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_app_behind_an_alb_authenticates_by_its_headers() {
    behind_an_alb(env!("CARGO_BIN_EXE_axum-app"), "axum").await;
}

// multi-threaded: the loopback issuers must answer while this thread waits for the banner
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_app_behind_an_alb_authenticates_by_its_headers() {
    behind_an_alb(env!("CARGO_BIN_EXE_actix-app"), "actix-web").await;
}

/// `SANCTUM_ALB_ARN` and `SANCTUM_ALB_KEYS_URL` against the test kit's issuer and ALB on
/// loopback: `/me` by `x-amzn-oidc-data`, `/admin` by the forwarded access token's groups.
async fn behind_an_alb(exe: &str, framework: &str) {
    use sanctum_core::testing::{AlbTestIssuer, TestIssuer};
    let cognito = TestIssuer::start().await.expect("issuer starts");
    let alb = AlbTestIssuer::for_issuer(&cognito)
        .await
        .expect("ALB starts");
    let service = Service::start_with(
        exe,
        &[
            ("SANCTUM_USER_POOL_ID", cognito.pool_id().to_owned()),
            ("SANCTUM_CLIENT_ID", cognito.client_id().to_owned()),
            ("SANCTUM_REGION", cognito.region().to_owned()),
            ("SANCTUM_JWKS_URL", cognito.jwks_url()),
            (
                "SANCTUM_ALB_ARN",
                format!("{},{}", alb.arn(), alb.other_arn()),
            ),
            ("SANCTUM_ALB_KEYS_URL", alb.keys_url()),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let listening = format!("sanctum {framework} demo listening on ");
    let mut base = None;
    for _ in 0..50 {
        let Some(line) = service.next_line(deadline) else {
            break;
        };
        if let Some(url) = line.strip_prefix(listening.as_str()) {
            base = Some(url.trim().to_owned());
            break;
        }
    }
    let base = base.expect("the banner shows the address");
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let get = |path: &str, headers: Vec<(&'static str, String)>| {
        let mut request = client.get(format!("{base}{path}"));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move {
            request
                .send()
                .await
                .expect("the service answers")
                .status()
                .as_u16()
        }
    };
    let data = alb.data_token().build();
    let admin = cognito.access_token().groups(["admin"]).build();
    let user = cognito.access_token().build();
    let alb_headers = |access: &str| {
        vec![
            ("x-amzn-oidc-data", data.clone()),
            ("x-amzn-oidc-accesstoken", access.to_owned()),
        ]
    };
    assert_eq!(get("/me", alb_headers(&user)).await, 200);
    assert_eq!(get("/admin", alb_headers(&admin)).await, 200);
    assert_eq!(get("/admin", alb_headers(&user)).await, 403);
    assert_eq!(
        get("/me", vec![("authorization", format!("Bearer {admin}"))]).await,
        401,
        "a bearer token is no ALB credential"
    );
    assert_eq!(
        get("/me", vec![("x-amzn-oidc-data", data.clone())]).await,
        401,
        "the access token is required"
    );
    let foreign = alb
        .data_token()
        .signer("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/stranger/1")
        .build();
    assert_eq!(
        get(
            "/me",
            vec![
                ("x-amzn-oidc-data", foreign),
                ("x-amzn-oidc-accesstoken", user.clone())
            ]
        )
        .await,
        401
    );
    assert_eq!(get("/public", vec![]).await, 200);
    assert_eq!(alb.key_requests(), 1);
}
