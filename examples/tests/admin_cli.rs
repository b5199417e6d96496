//! The `admin` binary end to end against moto's Cognito server, and its sign-in commands
//! (SRP, refresh with rotation, revoke) against fakecloud, which checks SRP proofs and
//! implements rotation and revocation.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use sanctum_testkit::fakecloud::{FakecloudPool, FakecloudPoolOptions, FakecloudServer};
use sanctum_testkit::moto::{MotoPool, MotoPoolOptions, MotoServer};
use sanctum_testkit::totp;
use serde_json::Value;

const PASSWORD: &str = "Admin-Cli-Passw0rd";
const NEW_PASSWORD: &str = "Admin-Cli-N3w-Passw0rd";

/// The pool a CLI run talks to.
struct Pool {
    pool_id: String,
    client_id: String,
    client_secret: Option<String>,
    endpoint: String,
    jwks_url: String,
}

impl From<&MotoPool> for Pool {
    fn from(p: &MotoPool) -> Self {
        Self {
            pool_id: p.pool_id.clone(),
            client_id: p.client_id.clone(),
            client_secret: p.client_secret.clone(),
            endpoint: p.endpoint.clone(),
            jwks_url: p.jwks_url.clone(),
        }
    }
}

impl From<&FakecloudPool> for Pool {
    fn from(p: &FakecloudPool) -> Self {
        Self {
            pool_id: p.pool_id.clone(),
            client_id: p.client_id.clone(),
            client_secret: p.client_secret.clone(),
            endpoint: p.endpoint.clone(),
            jwks_url: p.jwks_url.clone(),
        }
    }
}

struct Cli {
    pool: Pool,
}

impl Cli {
    fn new(pool: impl Into<Pool>) -> Self {
        Self { pool: pool.into() }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_admin"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SANCTUM_REGION", "us-east-1")
            .env("SANCTUM_USER_POOL_ID", &self.pool.pool_id)
            .env("SANCTUM_CLIENT_ID", &self.pool.client_id)
            .env("SANCTUM_COGNITO_ENDPOINT", &self.pool.endpoint)
            .env("SANCTUM_JWKS_URL", &self.pool.jwks_url)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        if let Some(secret) = &self.pool.client_secret {
            cmd.env("SANCTUM_CLIENT_SECRET", secret);
        }
        cmd
    }

    fn output(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("admin runs")
    }

    /// Runs a command that must succeed and returns its JSON.
    fn ok(&self, args: &[&str]) -> Value {
        let out = self.output(args);
        assert!(
            out.status.success(),
            "admin {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "admin {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs a command with `env` set and `stdin` fed to it.
    fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("admin starts");
        // a command that does not read stdin may exit first: a failed write is fine
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes());
        child.wait_with_output().expect("admin runs")
    }

    /// [`run`](Self::run) for a command that must succeed: its JSON and its stderr.
    fn ok_with(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> (Value, String) {
        let out = self.run(args, env, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "admin {args:?} failed: {stderr}");
        let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "admin {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        (json, stderr)
    }

    /// [`run`](Self::run) for a command that must fail: the exit code and the one stderr line.
    fn fails_with(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> (i32, String) {
        let out = self.run(args, env, stdin);
        assert!(!out.status.success(), "admin {args:?} should fail");
        assert!(out.stdout.is_empty(), "nothing on stdout");
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        (out.status.code().unwrap_or(-1), stderr)
    }

    /// Runs a command that must fail; returns the exit code and the stderr line.
    fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.output(args);
        assert!(!out.status.success(), "admin {args:?} should fail");
        assert!(out.stdout.is_empty(), "nothing on stdout");
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        (out.status.code().unwrap_or(-1), stderr)
    }
}

fn names(value: &Value, key: &str) -> Vec<String> {
    let mut names: Vec<String> = value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v[key].as_str().expect("a name").to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn admin_cli_manages_users_and_groups_signs_in_and_verifies_against_moto() {
    let moto = MotoServer::shared();
    let pool = moto.create_pool().await.expect("pool");
    let cli = Cli::new(&pool);

    let group = cli.ok(&[
        "create-group",
        "admin",
        "--description",
        "Administrators",
        "--precedence",
        "1",
    ]);
    assert_eq!(
        (group["name"].as_str(), group["precedence"].as_i64()),
        (Some("admin"), Some(1))
    );
    cli.ok(&["create-group", "staff"]);
    assert_eq!(names(&cli.ok(&["list-groups"]), "name"), ["admin", "staff"]);

    let created = cli.ok(&[
        "create-user",
        "alice",
        "--email",
        "alice@example.com",
        "--temporary-password",
        PASSWORD,
        "--attribute",
        "name=Alice",
        "--attribute",
        "email_verified=true",
    ]);
    assert_eq!(created["username"], "alice");
    assert_eq!(created["status"], "FORCE_CHANGE_PASSWORD");
    assert_eq!(created["attributes"]["name"], "Alice");
    cli.ok(&["create-user", "bob"]);

    // moto's SRP is not Cognito's (its SECRET_BLOCK is not base64 and it accepts any proof):
    // against moto the CLI signs in with the password flows; SRP is tested against fakecloud
    let challenge = cli.ok(&["login", "alice", PASSWORD, "--password-auth"]);
    assert_eq!(challenge["challenge"], "NEW_PASSWORD_REQUIRED");
    assert_eq!(challenge["answer_with"], "a new password");
    assert!(challenge["session"].is_string());

    assert_eq!(
        cli.ok(&["set-password", "alice", PASSWORD, "--permanent"])["permanent"],
        true
    );
    assert_eq!(cli.ok(&["get-user", "alice"])["status"], "CONFIRMED");
    let updated = cli.ok(&["update-attributes", "alice", "name=Alice Two", "locale=fr"]);
    assert_eq!(updated["updated"]["locale"], "fr");
    assert_eq!(
        cli.ok(&["get-user", "alice"])["attributes"]["name"],
        "Alice Two"
    );

    assert_eq!(cli.ok(&["add-to-group", "alice", "admin"])["member"], true);
    cli.ok(&["add-to-group", "bob", "staff"]);
    assert_eq!(cli.ok(&["has-group", "alice", "admin"]), Value::Bool(true));
    assert_eq!(cli.ok(&["has-group", "bob", "admin"]), Value::Bool(false));
    assert_eq!(names(&cli.ok(&["groups-of", "alice"]), "name"), ["admin"]);
    assert_eq!(names(&cli.ok(&["users-in", "staff"]), "username"), ["bob"]);

    for login in [
        vec!["login", "alice", PASSWORD, "--password-auth"],
        vec!["login", "alice", PASSWORD, "--admin"],
    ] {
        let tokens = cli.ok(&login);
        let access = tokens["access_token"].as_str().expect("access token");
        assert!(tokens["refresh_token"].is_string());
        let claims = cli.ok(&["verify", access]);
        assert_eq!(claims["username"], "alice");
        assert_eq!(claims["cognito:groups"], serde_json::json!(["admin"]));
        let id_claims = cli.ok(&["verify", tokens["id_token"].as_str().expect("id token")]);
        assert_eq!(id_claims["token_use"], "id");
    }

    assert_eq!(
        names(&cli.ok(&["list-users"]), "username"),
        ["alice", "bob"]
    );
    assert_eq!(
        names(
            &cli.ok(&["list-users", "--filter", "username = \"bob\""]),
            "username"
        ),
        ["bob"]
    );
    assert_eq!(
        cli.ok(&["list-users", "--limit", "1"])
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    assert_eq!(cli.ok(&["disable-user", "alice"])["enabled"], false);
    let (code, stderr) = cli.fails(&["login", "alice", PASSWORD, "--password-auth"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("admin: error: not authorized") && stderr.contains("disabled"),
        "{stderr}"
    );
    cli.ok(&["enable-user", "alice"]);
    cli.ok(&["login", "alice", PASSWORD, "--password-auth"]);

    assert_eq!(
        cli.ok(&["remove-from-group", "alice", "admin"])["member"],
        false
    );
    assert_eq!(cli.ok(&["has-group", "alice", "admin"]), Value::Bool(false));
    cli.ok(&["delete-group", "staff"]);
    assert_eq!(names(&cli.ok(&["list-groups"]), "name"), ["admin"]);
    cli.ok(&["delete-user", "bob"]);
    let (code, stderr) = cli.fails(&["get-user", "bob"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("UserNotFoundException"), "{stderr}");

    let (code, stderr) = cli.fails(&["verify", "not.a.token"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("token rejected"), "{stderr}");
    // a secret may begin with '-' (refresh tokens are base64url): a value, not an option
    let (code, stderr) = cli.fails(&["verify", "-not.a.token"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("token rejected"), "{stderr}");
}

#[tokio::test]
async fn admin_cli_reports_usage_and_configuration_errors_on_one_line_with_exit_code_2() {
    let moto = MotoServer::shared();
    let pool = moto
        .create_pool_with(MotoPoolOptions::new().client_secret(true))
        .await
        .expect("pool");
    let cli = Cli::new(&pool);

    for (args, expected) in [
        (vec![], "no command"),
        (vec!["frobnicate"], "unknown command"),
        (vec!["get-user"], "expected <user>"),
        (
            vec!["create-group", "g", "--precedence", "high"],
            "--precedence needs a number",
        ),
        (
            vec!["list-users", "--colour", "red"],
            "unknown option --colour",
        ),
        (
            vec!["update-attributes", "alice", "novalue"],
            "expected name=value",
        ),
        (
            vec!["login", "alice", "pw", "--admin", "--password-auth"],
            "--admin and --password-auth exclude each other",
        ),
        (vec!["refresh"], "expected <refresh-token>"),
        (vec!["revoke", "a", "b"], "expected <refresh-token>"),
        (
            vec!["refresh", "rt", "--username"],
            "--username needs a value",
        ),
    ] {
        let (code, stderr) = cli.fails(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }

    let out = cli
        .command(&["get-user", "alice"])
        .env_remove("SANCTUM_USER_POOL_ID")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SANCTUM_USER_POOL_ID is not set"));

    let help = cli.command(&["help"]).output().expect("runs");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("has-group <user> <group>"));

    // with the client secret from SANCTUM_CLIENT_SECRET, sign-in works too
    cli.ok(&["create-user", "carol", "--temporary-password", PASSWORD]);
    cli.ok(&["set-password", "carol", PASSWORD, "--permanent"]);
    assert!(cli.ok(&["login", "carol", PASSWORD, "--password-auth"])["access_token"].is_string());

    // passwords and tokens may begin with '-' (a refresh token is base64url): values, not
    // options (clap read "-pw..." as an unknown option -p before)
    cli.ok(&["set-password", "carol", "-Hyphen-Pass1!", "--permanent"]);
    let signed_in = cli.ok(&["login", "carol", "-Hyphen-Pass1!", "--password-auth"]);
    assert!(signed_in["access_token"].is_string());
}

#[tokio::test]
async fn admin_cli_signs_in_with_srp_refreshes_with_rotation_and_revokes_against_fakecloud() {
    let fakecloud = FakecloudServer::shared();
    for secret in [false, true] {
        let pool = fakecloud
            .create_pool_with(
                FakecloudPoolOptions::new()
                    .client_secret(secret)
                    .refresh_rotation(true),
            )
            .await
            .expect("pool");
        let cli = Cli::new(&pool);
        cli.ok(&["create-user", "alice", "--temporary-password", PASSWORD]);

        // SRP proves the temporary password; the next step is printed with what it needs
        let challenge = cli.ok(&["login", "alice", PASSWORD]);
        assert_eq!(challenge["challenge"], "NEW_PASSWORD_REQUIRED");
        assert_eq!(challenge["answer_with"], "a new password");
        assert!(challenge["session"].is_string());

        cli.ok(&["set-password", "alice", PASSWORD, "--permanent"]);
        let tokens = cli.ok(&["login", "alice", PASSWORD]);
        let claims = cli.ok(&["verify", tokens["access_token"].as_str().expect("access")]);
        assert_eq!(claims["username"], "alice");
        for flag in ["--password-auth", "--admin"] {
            assert!(cli.ok(&["login", "alice", PASSWORD, flag])["access_token"].is_string());
        }
        for login in [
            vec!["login", "alice", "Wrong-Passw0rd"],
            vec!["login", "alice", "Wrong-Passw0rd", "--password-auth"],
        ] {
            let (code, stderr) = cli.fails(&login);
            assert_eq!(code, 1, "{login:?}");
            assert!(
                stderr.starts_with("admin: error: not authorized"),
                "{stderr}"
            );
        }

        // rotation: a new refresh token, which works; the old one at most once more
        let old = tokens["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned();
        let refreshed = cli.ok(&["refresh", &old, "--username", "alice"]);
        assert_eq!(refreshed["rotated"], true);
        let new = refreshed["refresh_token"].as_str().expect("new").to_owned();
        assert_ne!(new, old);
        assert_eq!(
            cli.ok(&[
                "verify",
                refreshed["access_token"].as_str().expect("access")
            ])["username"],
            "alice"
        );
        let again = cli.ok(&["refresh", &new]);
        let newest = again["refresh_token"].as_str().expect("newest").to_owned();
        let _ = cli.output(&["refresh", &old]);
        let (code, stderr) = cli.fails(&["refresh", &old]);
        assert_eq!(code, 1);
        assert!(stderr.contains("not authorized"), "{stderr}");
        assert!(!stderr.contains(&old), "the token is not echoed: {stderr}");

        assert_eq!(cli.ok(&["revoke", &newest])["revoked"], true);
        let (code, stderr) = cli.fails(&["refresh", &newest]);
        assert_eq!(code, 1);
        assert!(stderr.contains("not authorized"), "{stderr}");
    }
}

#[tokio::test]
async fn admin_cli_signs_in_by_user_auth_and_prints_select_challenge_against_fakecloud() {
    let fakecloud = FakecloudServer::shared();
    for secret in [false, true] {
        let pool = fakecloud
            .create_pool_with(
                FakecloudPoolOptions::new()
                    .client_secret(secret)
                    .user_auth(true),
            )
            .await
            .expect("pool");
        let cli = Cli::new(&pool);
        cli.ok(&["create-user", "alice", "--temporary-password", PASSWORD]);
        cli.ok(&["set-password", "alice", PASSWORD, "--permanent"]);

        for prefer in ["PASSWORD_SRP", "password", "password-srp"] {
            let tokens = cli.ok(&[
                "login",
                "alice",
                PASSWORD,
                "--user-auth",
                "--prefer",
                prefer,
            ]);
            let claims = cli.ok(&["verify", tokens["access_token"].as_str().expect("access")]);
            assert_eq!(claims["username"], "alice", "{prefer}");
        }

        // without a preference the choice is printed like any other challenge
        let select = cli.ok(&["login", "alice", "--user-auth"]);
        assert_eq!(select["challenge"], "SELECT_CHALLENGE");
        assert_eq!(select["answer_with"], "a choice of first factor");
        assert!(select["session"].is_string());
        let factors = names_of(&select["available_factors"]);
        assert!(
            factors.contains(&"PASSWORD_SRP".to_owned())
                && factors.contains(&"PASSWORD".to_owned()),
            "{select}"
        );

        let (code, stderr) = cli.fails(&[
            "login",
            "alice",
            "Wrong-Passw0rd",
            "--user-auth",
            "--prefer",
            "PASSWORD_SRP",
        ]);
        assert_eq!(code, 1);
        assert!(
            stderr.starts_with("admin: error: not authorized"),
            "{stderr}"
        );

        for (wrong, says) in [
            (
                vec!["login", "alice", "--user-auth", "--prefer", "totp"],
                "--prefer takes",
            ),
            (
                vec!["login", "alice", "--user-auth", "--prefer", "PASSWORD"],
                "--prefer PASSWORD needs <password>",
            ),
            (
                vec!["login", "alice", PASSWORD, "--prefer", "PASSWORD"],
                "--prefer needs --user-auth",
            ),
            (
                vec!["login", "alice", PASSWORD, "--user-auth", "--admin"],
                "--user-auth excludes",
            ),
        ] {
            let (code, stderr) = cli.fails(&wrong);
            assert_eq!(code, 2, "{wrong:?}");
            assert!(stderr.contains(says), "{wrong:?}: {stderr}");
        }
    }
}

fn names_of(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// moto's switch away from SRP, which it does not speak.
const USER_PASSWORD: [(&str, &str); 1] = [("SANCTUM_PASSWORD_FLOW", "user-password")];

#[tokio::test]
async fn admin_cli_login_follows_sanctum_password_flow_and_hints_at_it_when_srp_fails_against_moto()
{
    let moto = MotoServer::shared();
    let pool = moto.create_pool().await.expect("pool");
    let cli = Cli::new(&pool);
    cli.ok(&["create-user", "alice", "--temporary-password", PASSWORD]);
    cli.ok(&["set-password", "alice", PASSWORD, "--permanent"]);

    // moto's SRP answer is not Cognito's: the error says what to do
    let (code, stderr) = cli.fails_with(&["login", "alice", "-"], &[], PASSWORD);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("SECRET_BLOCK") && stderr.contains("SANCTUM_PASSWORD_FLOW=user-password"),
        "{stderr}"
    );

    // with the switch, `login` without a flag signs in by USER_PASSWORD_AUTH
    let (tokens, stderr) = cli.ok_with(
        &["login", "alice", "--password-stdin"],
        &USER_PASSWORD,
        &format!("{PASSWORD}\n"),
    );
    assert!(
        stderr.is_empty(),
        "no warning for a password from stdin: {stderr}"
    );
    let access = tokens["access_token"].as_str().expect("access token");
    let (claims, stderr) = cli.ok_with(&["verify", "-"], &[], access);
    assert_eq!(claims["username"], "alice");
    assert!(stderr.is_empty(), "{stderr}");

    // a password on the command line still works, with one line of warning
    let (tokens, stderr) = cli.ok_with(&["login", "alice", PASSWORD], &USER_PASSWORD, "");
    assert!(tokens["access_token"].is_string());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("admin: warning: the password on the command line"),
        "{stderr}"
    );
    assert!(!stderr.contains(PASSWORD), "{stderr}");
    let (code, stderr) = cli.fails_with(&["login", "alice", "Wrong-Passw0rd"], &USER_PASSWORD, "");
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("admin: error: not authorized")
            && stderr.contains("warning: the password"),
        "{stderr}"
    );

    // and a token on the command line warns likewise
    let (_, stderr) = cli.ok_with(&["verify", access], &[], "");
    assert!(
        stderr.starts_with("admin: warning: the token on the command line"),
        "{stderr}"
    );

    for (args, stdin, says) in [
        (
            vec!["login", "alice"],
            "",
            "expected <user> <password> (or --password-stdin)",
        ),
        (vec!["login", "alice", "-"], "", "no password on stdin"),
        (
            vec!["login", "alice", PASSWORD, "--password-stdin"],
            PASSWORD,
            "not both",
        ),
        (
            vec!["set-password", "alice"],
            "",
            "expected <user> <password>",
        ),
    ] {
        let (code, stderr) = cli.fails_with(&args, &USER_PASSWORD, stdin);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn admin_cli_respond_sets_the_new_password_a_stored_step_asks_for_against_moto() {
    let moto = MotoServer::shared();
    let pool = moto
        .create_pool_with(MotoPoolOptions::new().client_secret(true))
        .await
        .expect("pool");
    let cli = Cli::new(&pool);
    let (created, stderr) = cli.ok_with(
        &["create-user", "alice", "--temporary-password", "-"],
        &[],
        PASSWORD,
    );
    assert_eq!(created["status"], "FORCE_CHANGE_PASSWORD");
    assert!(stderr.is_empty(), "{stderr}");

    // login prints the stored step; it goes to a file
    let (step, _) = cli.ok_with(&["login", "alice", "-"], &USER_PASSWORD, PASSWORD);
    assert_eq!(
        (step["step"].as_str(), step["challenge"].as_str()),
        (Some("new_password"), Some("NEW_PASSWORD_REQUIRED"))
    );
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("admin-cli-step-{}.json", std::process::id()));
    std::fs::write(&file, step.to_string()).expect("step stored");
    let file = file.to_str().expect("a UTF-8 path");

    // answers that do not fit the step are refused before anything is sent
    for (args, says) in [
        (
            vec!["respond", file, "--code", "123456"],
            "--code does not answer NEW_PASSWORD_REQUIRED",
        ),
        (
            vec!["respond", file],
            "NEW_PASSWORD_REQUIRED is answered with --new-password",
        ),
        (
            vec!["respond", "-", "--new-password-stdin"],
            "stdin gives one value only",
        ),
        (
            vec!["respond", "/nonexistent/step.json", "--code", "1"],
            "cannot read the step",
        ),
    ] {
        let (code, stderr) = cli.fails_with(&args, &[], &step.to_string());
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let (code, stderr) =
        cli.fails_with(&["respond", "-", "--code", "1"], &[], "{\"step\":\"nope\"}");
    assert_eq!(code, 2);
    assert!(stderr.contains("not a sign-in step"), "{stderr}");

    // the answer, from stdin, gives the tokens as login prints them
    let (tokens, stderr) = cli.ok_with(
        &["respond", file, "--new-password-stdin"],
        &[],
        &format!("{NEW_PASSWORD}\n"),
    );
    assert!(stderr.is_empty(), "{stderr}");
    assert!(tokens["refresh_token"].is_string());
    let claims = cli.ok(&["verify", tokens["access_token"].as_str().expect("access")]);
    assert_eq!(claims["username"], "alice");
    assert_eq!(cli.ok(&["get-user", "alice"])["status"], "CONFIRMED");
    let (tokens, _) = cli.ok_with(&["login", "alice", "-"], &USER_PASSWORD, NEW_PASSWORD);
    assert!(
        tokens["access_token"].is_string(),
        "the new password signs in"
    );
}

#[tokio::test]
async fn admin_cli_respond_answers_software_token_mfa_after_srp_against_fakecloud() {
    let fakecloud = FakecloudServer::shared();
    let pool = fakecloud
        .create_pool_with(
            FakecloudPoolOptions::new()
                .client_secret(true)
                .totp_mfa(true),
        )
        .await
        .expect("pool");
    let cli = Cli::new(&pool);
    cli.ok(&["create-user", "alice", "--temporary-password", PASSWORD]);
    cli.ok(&["set-password", "alice", PASSWORD, "--permanent"]);

    // the user sets up an authenticator app (self-service, through the SDK)
    let (tokens, _) = cli.ok_with(&["login", "alice", "-"], &[], PASSWORD);
    let access = sanctum_core::credentials::AccessToken::new(
        tokens["access_token"].as_str().expect("access"),
    );
    let client = pool.client().await.expect("client");
    let mfa = client.user(&access).mfa();
    let secret = mfa
        .associate_software_token()
        .await
        .expect("associated")
        .secret_code;
    let (code, _) = totp::current_code(&secret);
    mfa.verify_software_token(&code, Some("phone"))
        .await
        .expect("verified");
    mfa.set_preference(sanctum_core::cognito::MfaPreference::new().software_token(true, true))
        .await
        .expect("preferred");

    // login (SRP) prints the TOTP step; respond answers it from the stored step. A code
    // refused as the 30 s step turned is retried once with a new sign-in.
    let mut signed_in = None;
    for _ in 0..2 {
        let (step, _) = cli.ok_with(&["login", "alice", "-"], &[], PASSWORD);
        assert_eq!(step["step"], "totp_code", "{step}");
        assert_eq!(step["answer_with"], "a TOTP code");
        let (code, window) = totp::current_code(&secret);
        let out = cli.run(&["respond", "-", "--code", &code], &[], &step.to_string());
        if out.status.success() {
            signed_in = Some(serde_json::from_slice::<Value>(&out.stdout).expect("JSON"));
            break;
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            totp::now() / 30 != window,
            "refused in its own window: {stderr}"
        );
    }
    let tokens = signed_in.expect("signed in with the code");
    let claims = cli.ok(&["verify", tokens["access_token"].as_str().expect("access")]);
    assert_eq!(claims["username"], "alice");

    // a wrong code is Cognito's refusal (exit 1), a missing one a usage error (exit 2)
    let (step, _) = cli.ok_with(&["login", "alice", "-"], &[], PASSWORD);
    let (code, stderr) = cli.fails_with(&["respond", "-", "--mfa", "totp"], &[], &step.to_string());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--mfa does not answer SOFTWARE_TOKEN_MFA"),
        "{stderr}"
    );
    let (code, stderr) = cli.fails_with(&["respond", "-"], &[], &step.to_string());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("SOFTWARE_TOKEN_MFA is answered with --code"),
        "{stderr}"
    );
    let (right, _) = totp::current_code(&secret);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (code, stderr) = cli.fails_with(&["respond", "-", "--code", wrong], &[], &step.to_string());
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with("admin: error: code mismatch"),
        "{stderr}"
    );
}

/// At a terminal, `-` reads the password at a prompt that does not echo it. The terminal is a
/// pseudo-terminal made by util-linux's `script` (installed with Debian's base system); the
/// sign-in itself fails (nothing listens on port 9), which is not what this test is about.
#[test]
fn admin_cli_prompts_for_a_password_without_echoing_it_at_a_terminal() {
    use std::io::Read as _;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    let command = format!("{} login ada -", env!("CARGO_BIN_EXE_admin"));
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("SANCTUM_USER_POOL_ID", "us-east-1_abc")
        .env("SANCTUM_CLIENT_ID", "abcdefghijklmnopqrstuvwxyz")
        .env("SANCTUM_COGNITO_ENDPOINT", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("util-linux's script runs");
    let shown = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let shown = Arc::clone(&shown);
        let mut stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                shown.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        })
    };
    let text =
        |shown: &Mutex<Vec<u8>>| String::from_utf8_lossy(&shown.lock().expect("lock")).into_owned();
    // typed once the prompt is up, as a person would (before it, the terminal still echoes)
    let deadline = Instant::now() + Duration::from_secs(30);
    while !text(&shown).contains("password: ") {
        assert!(Instant::now() < deadline, "no prompt: {}", text(&shown));
        std::thread::sleep(Duration::from_millis(20));
    }
    // rpassword turns echo off just after writing its prompt: a moment for that, which no
    // output shows
    std::thread::sleep(Duration::from_millis(300));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"hunter2-typed-secret\n").expect("typed");
    drop(stdin);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait().expect("ended");
    reader.join().expect("reader");
    let shown = text(&shown);
    assert!(
        !shown.contains("hunter2-typed-secret"),
        "the password was echoed: {shown}"
    );
    assert!(
        shown.contains("InitiateAuth"),
        "the typed password was used: {shown}"
    );
}
