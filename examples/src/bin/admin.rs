//! `admin`: Cognito user and group administration, sign-in and token checks from the command
//! line, through sanctum's `SanctumClient`.
//!
//! ```text
//! cargo run -p sanctum-examples --bin admin -- <command> [arguments]
//! cargo run -p sanctum-examples --bin admin -- help [command]
//! ```
//!
//! Configuration comes from flags or, for each, a `SANCTUM_*` variable: `SANCTUM_USER_POOL_ID`,
//! `SANCTUM_CLIENT_ID`, `SANCTUM_REGION` (default: the pool id's prefix), and optionally
//! `SANCTUM_CLIENT_SECRET`, `SANCTUM_COGNITO_ENDPOINT` (an emulator such as moto),
//! `SANCTUM_JWKS_URL` and `SANCTUM_ISSUER` (for `verify` against an emulator),
//! `SANCTUM_PASSWORD_FLOW` (`srp`, the default, or `user-password`, for `login`), and
//! `SANCTUM_REDIS_URL`: then `sign-out`, `disable-user`, `delete-user` and `revoke` also record
//! the revocation in Redis, where services sharing it (`RedisRevocations`) refuse the user's
//! tokens within a second. AWS credentials come from the usual AWS chain.
//!
//! Results are JSON on stdout. stderr holds at most one line: an error (exit code 1: the
//! operation failed; 2: wrong usage or configuration), or a warning when a password or token
//! was given on the command line (`-` or `--password-stdin` read it from stdin instead; on
//! failure the warning ends the error line).
//!
//! `login` prints the tokens, or the step Cognito asks for next (a new password, an MFA code,
//! ...) as the stored `SignInStep` JSON; `respond <step-file|->` answers that step and prints
//! the tokens or the next step.

use std::io::{IsTerminal as _, Read as _};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};
use sanctum_core::ExpectedUse;
use sanctum_core::cognito::{
    Attributes, CognitoError, FirstFactor, Group, ListUsers, MfaKind, NewGroup, NewUser,
    SanctumClient, SignInFactor, SignInStep, Tokens, User,
};
use sanctum_core::credentials::{AccessToken, RefreshToken, Username};
use sanctum_core::revocation::RedisRevocations;
use sanctum_examples::ClientSettings;
use serde_json::{Value, json};

/// What the emulators' keys and sign-in need, for `verify --help` and `login --help`.
const EMULATORS: &str = "\
Against an emulator (SANCTUM_COGNITO_ENDPOINT=http://127.0.0.1:PORT): moto and fakecloud serve a
pool's keys at ENDPOINT/POOL_ID/.well-known/jwks.json: set SANCTUM_JWKS_URL to it for `verify`
(their tokens carry the AWS-form issuer, so SANCTUM_ISSUER stays unset). moto does not speak
Cognito's SRP: set SANCTUM_PASSWORD_FLOW=user-password (or pass `login --password-auth`).";

/// The end of the top-level help.
const AFTER_HELP: &str = "\
Results are JSON on stdout; an error is one line on stderr, exit code 1 (the operation failed)
or 2 (wrong usage or configuration). Passwords and tokens: `-` (or --password-stdin) reads one
from stdin; one given on the command line works but warns (ps and shell history show it).
AWS credentials (for the admin commands) come from the usual AWS chain.";

/// Cognito user and group administration, sign-in and token checks, through sanctum.
#[derive(Debug, Parser)]
#[command(
    name = "admin",
    subcommand_required = true,
    disable_version_flag = true,
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

/// The pool and client: a flag, or its `SANCTUM_*` variable.
#[derive(Debug, clap::Args)]
#[command(
    next_help_heading = "Configuration (a flag or its environment variable; every \
                               command takes them)"
)]
struct Settings {
    /// The user pool id (`us-east-1_AbC123xyz`); required
    #[arg(long, global = true, env = "SANCTUM_USER_POOL_ID", value_name = "ID")]
    user_pool_id: Option<String>,
    /// The app client id; required
    #[arg(long, global = true, env = "SANCTUM_CLIENT_ID", value_name = "ID")]
    client_id: Option<String>,
    /// The AWS region [default: the pool id's prefix]
    #[arg(long, global = true, env = "SANCTUM_REGION")]
    region: Option<String>,
    /// The app client's secret, when it has one (prefer the variable: ps shows flags)
    #[arg(
        long,
        global = true,
        env = "SANCTUM_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    client_secret: Option<String>,
    /// Another Cognito endpoint: an emulator such as moto (http://127.0.0.1:PORT)
    #[arg(
        long,
        global = true,
        env = "SANCTUM_COGNITO_ENDPOINT",
        value_name = "URL"
    )]
    cognito_endpoint: Option<String>,
    /// Where `verify` fetches the pool's keys [default: the issuer's /.well-known/jwks.json]
    #[arg(long, global = true, env = "SANCTUM_JWKS_URL", value_name = "URL")]
    jwks_url: Option<String>,
    /// The `iss` `verify` expects [default: the pool's AWS issuers]
    #[arg(long, global = true, env = "SANCTUM_ISSUER", value_name = "URL")]
    issuer: Option<String>,
    /// How `login` proves the password: srp or user-password (moto) [default: srp]
    #[arg(
        long,
        global = true,
        env = "SANCTUM_PASSWORD_FLOW",
        value_name = "FLOW"
    )]
    password_flow: Option<String>,
    /// Record sign-out, disable-user, delete-user and revoke in this Redis for the services
    #[arg(
        long,
        global = true,
        env = "SANCTUM_REDIS_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    redis_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates a user (AdminCreateUser)
    CreateUser {
        #[arg(value_name = "user")]
        user: String,
        /// The user's email address
        #[arg(long, value_name = "E")]
        email: Option<String>,
        /// The first sign-in's password (`-`: from stdin); the user sets another one then
        #[arg(long, value_name = "P")]
        temporary_password: Option<String>,
        /// An attribute (repeatable)
        #[arg(long, value_name = "k=v", value_parser = key_value)]
        attribute: Vec<(String, String)>,
    },
    /// Prints a user
    GetUser {
        #[arg(value_name = "user")]
        user: String,
    },
    /// Sets attributes of a user
    UpdateAttributes {
        #[arg(value_name = "user")]
        user: String,
        #[arg(value_name = "k=v", required = true, value_parser = key_value)]
        pairs: Vec<(String, String)>,
    },
    /// Sets a user's password (temporary unless --permanent)
    SetPassword {
        #[arg(value_name = "user")]
        user: String,
        /// The password (`-`: from stdin)
        #[arg(value_name = "password", allow_hyphen_values = true)]
        password: Option<String>,
        /// Read the password from stdin
        #[arg(long)]
        password_stdin: bool,
        /// A permanent password (no change asked at the next sign-in)
        #[arg(long)]
        permanent: bool,
    },
    /// Signs the user out everywhere (admin global sign-out)
    SignOut {
        #[arg(value_name = "user")]
        user: String,
    },
    /// Disables a user: they cannot sign in
    DisableUser {
        #[arg(value_name = "user")]
        user: String,
    },
    /// Enables a disabled user
    EnableUser {
        #[arg(value_name = "user")]
        user: String,
    },
    /// Deletes a user
    DeleteUser {
        #[arg(value_name = "user")]
        user: String,
    },
    /// Lists users
    ListUsers {
        /// A ListUsers filter: `username = "ada"`, `status = "Enabled"`, `email ^= "ada"`
        #[arg(long, value_name = "EXPR")]
        filter: Option<String>,
        /// At most N users
        #[arg(long, value_name = "N", value_parser = number::<usize>("limit"))]
        limit: Option<usize>,
    },
    /// Creates a group
    CreateGroup {
        #[arg(value_name = "name")]
        name: String,
        #[arg(long, value_name = "D")]
        description: Option<String>,
        /// The group's precedence (the lowest wins `cognito:preferred_role`)
        #[arg(long, value_name = "N", value_parser = number::<i32>("precedence"))]
        precedence: Option<i32>,
    },
    /// Deletes a group
    DeleteGroup {
        #[arg(value_name = "name")]
        name: String,
    },
    /// Lists the groups
    ListGroups,
    /// Adds a user to a group
    AddToGroup {
        #[arg(value_name = "user")]
        user: String,
        #[arg(value_name = "group")]
        group: String,
    },
    /// Removes a user from a group
    RemoveFromGroup {
        #[arg(value_name = "user")]
        user: String,
        #[arg(value_name = "group")]
        group: String,
    },
    /// Lists a user's groups
    GroupsOf {
        #[arg(value_name = "user")]
        user: String,
    },
    /// Lists a group's users
    UsersIn {
        #[arg(value_name = "group")]
        group: String,
    },
    /// Prints true or false
    HasGroup {
        #[arg(value_name = "user")]
        user: String,
        #[arg(value_name = "group")]
        group: String,
    },
    /// Signs in; prints the tokens or the next step (for `respond`)
    #[command(after_long_help = LOGIN_HELP)]
    Login(LoginArgs),
    /// Answers a step `login` (or `respond`) printed; prints the tokens or the next step
    #[command(after_long_help = RESPOND_HELP)]
    Respond(Box<RespondArgs>),
    /// Prints fresh tokens (and the new refresh token when rotated)
    Refresh {
        /// The refresh token (`-`: from stdin)
        #[arg(value_name = "refresh-token", allow_hyphen_values = true)]
        refresh_token: String,
        /// The user's `username` claim: needed only for REFRESH_TOKEN_AUTH with a client secret
        #[arg(long, value_name = "U")]
        username: Option<String>,
    },
    /// Revokes a refresh token (and the session's tokens, with SANCTUM_REDIS_URL)
    Revoke {
        /// The refresh token (`-`: from stdin)
        #[arg(value_name = "refresh-token", allow_hyphen_values = true)]
        refresh_token: String,
        /// An access or ID token of that sign-in (`-`: from stdin): names the session to
        /// record in Redis (required with SANCTUM_REDIS_URL)
        #[arg(long, value_name = "T", allow_hyphen_values = true)]
        token: Option<String>,
    },
    /// Verifies an access or ID token and prints its claims
    #[command(after_long_help = EMULATORS)]
    Verify {
        /// The token (`-`: from stdin)
        #[arg(value_name = "token", allow_hyphen_values = true)]
        token: String,
    },
}

const LOGIN_HELP: &str = "\
By default the password is proved by SRP (USER_SRP_AUTH; SANCTUM_PASSWORD_FLOW=user-password
sends it with USER_PASSWORD_AUTH instead). When Cognito asks for more (a new password, an MFA
code, a choice of factor), the step is printed as JSON: keep it in a file and answer it with
`admin respond FILE ...` within a few minutes (the step holds Cognito's session: a secret).

Against an emulator (SANCTUM_COGNITO_ENDPOINT): moto does not speak Cognito's SRP: set
SANCTUM_PASSWORD_FLOW=user-password or pass --password-auth; fakecloud does.";

const RESPOND_HELP: &str = "\
Each step takes its own answer:
  new_password            --new-password-stdin (or --new-password P) [--attribute k=v]...
  sms_code, totp_code,
  email_code              --code C
  select_mfa              --mfa sms|totp|email (then a code step follows)
  set_up_totp             first without --code: prints the step with `secret_code` for the
                          authenticator app; then that step with --code C [--device-name N]
  select_first_factor     --factor F (PASSWORD and PASSWORD_SRP with --password-stdin)
  password                --password-stdin (or --password P)
  custom_challenge        --answer A
  passkey                 --credential JSON (the browser's navigator.credentials.get result)
  unknown                 --response NAME=VALUE... (raw challenge responses)
A device step (DEVICE_SRP_AUTH) needs the device's secret: sign in with the SDK instead.

  admin login ada --password-stdin < pw > step.json
  admin respond step.json --code 123456";

/// `login`'s arguments.
#[derive(Debug, clap::Args)]
struct LoginArgs {
    /// The user name (or an alias: email, phone)
    #[arg(value_name = "user")]
    user: String,
    /// The password (`-`: from stdin); optional with --user-auth
    #[arg(value_name = "password", allow_hyphen_values = true)]
    password: Option<String>,
    /// Read the password from stdin
    #[arg(long)]
    password_stdin: bool,
    /// USER_PASSWORD_AUTH: the password goes to Cognito (for moto)
    #[arg(long)]
    password_auth: bool,
    /// ADMIN_USER_PASSWORD_AUTH, with AWS credentials
    #[arg(long)]
    admin: bool,
    /// Choice-based sign-in (USER_AUTH); without --prefer, prints the factors to choose from
    #[arg(long)]
    user_auth: bool,
    /// With --user-auth: PASSWORD, PASSWORD_SRP (these need the password), EMAIL_OTP, SMS_OTP
    /// or WEB_AUTHN
    #[arg(long, value_name = "FACTOR", value_parser = factor("prefer"))]
    prefer: Option<FirstFactor>,
}

/// `respond`'s arguments: the step and one kind of answer.
#[derive(Debug, clap::Args)]
struct RespondArgs {
    /// The step as `login` printed it: a file, or `-` for stdin
    #[arg(value_name = "step-file")]
    step: String,
    /// The code (SMS, email, authenticator app; `-`: from stdin)
    #[arg(long, value_name = "C")]
    code: Option<String>,
    /// The new password (`-`: from stdin)
    #[arg(long, value_name = "P")]
    new_password: Option<String>,
    /// Read the new password from stdin
    #[arg(long)]
    new_password_stdin: bool,
    /// An attribute Cognito asks for with the new password (repeatable)
    #[arg(long, value_name = "k=v", value_parser = key_value)]
    attribute: Vec<(String, String)>,
    /// The MFA kind to use
    #[arg(long, value_enum, value_name = "KIND")]
    mfa: Option<Mfa>,
    /// The authenticator app's name, when setting one up
    #[arg(long, value_name = "N")]
    device_name: Option<String>,
    /// The first factor: PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP or WEB_AUTHN
    #[arg(long, value_name = "F", value_parser = factor("factor"))]
    factor: Option<FirstFactor>,
    /// The password (`-`: from stdin)
    #[arg(long, value_name = "P")]
    password: Option<String>,
    /// Read the password from stdin
    #[arg(long)]
    password_stdin: bool,
    /// The answer to a custom challenge
    #[arg(long, value_name = "A")]
    answer: Option<String>,
    /// The passkey credential as JSON (`-`: from stdin)
    #[arg(long, value_name = "JSON")]
    credential: Option<String>,
    /// A raw challenge response (repeatable)
    #[arg(long, value_name = "NAME=VALUE", value_parser = key_value)]
    response: Vec<(String, String)>,
}

/// An MFA kind, as `--mfa` names it.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mfa {
    Sms,
    Totp,
    Email,
}

impl From<Mfa> for MfaKind {
    fn from(mfa: Mfa) -> Self {
        match mfa {
            Mfa::Sms => Self::Sms,
            Mfa::Totp => Self::Totp,
            Mfa::Email => Self::Email,
        }
    }
}

fn key_value(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected name=value, got {pair:?}")),
    }
}

/// A value parser of numbers for `--flag`.
fn number<T: std::str::FromStr>(flag: &'static str) -> impl Fn(&str) -> Result<T, String> + Clone {
    move |value| {
        value
            .parse()
            .map_err(|_| format!("--{flag} needs a number, got {value:?}"))
    }
}

/// A value parser of first factors for `--flag`.
fn factor(flag: &'static str) -> impl Fn(&str) -> Result<FirstFactor, String> + Clone {
    move |name| {
        name.parse().map_err(|_| {
            format!(
                "--{flag} takes PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP or WEB_AUTHN, got {name:?}"
            )
        })
    }
}

/// Why the CLI stops: wrong usage (exit 2) or a failed operation (exit 1).
#[derive(Debug)]
enum Failure {
    Usage(String),
    Failed(String),
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(err: E) -> Self {
        Self::Failed(err.to_string())
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

/// Where the secrets came from: stdin (once) or the command line (a warning).
#[derive(Debug, Default)]
struct Secrets {
    /// What stdin already gave.
    stdin_gave: Option<&'static str>,
    /// The secrets given on the command line.
    on_argv: Vec<&'static str>,
}

impl Secrets {
    /// The secret `what`: `value` from the command line (a warning), or stdin when `value` is
    /// `-` or `from_stdin` is set.
    fn take(
        &mut self,
        what: &'static str,
        value: Option<String>,
        from_stdin: bool,
    ) -> Result<Option<String>, Failure> {
        match value {
            Some(value) if value == "-" => self.stdin_line(what).map(Some),
            Some(_) if from_stdin => Err(usage(format!(
                "the {what} comes from the command line or stdin, not both"
            ))),
            Some(value) => {
                self.on_argv.push(what);
                Ok(Some(value))
            }
            None if from_stdin => self.stdin_line(what).map(Some),
            None => Ok(None),
        }
    }

    /// A value that is no secret: as given, or stdin's first line for `-`.
    fn plain(
        &mut self,
        what: &'static str,
        value: Option<String>,
    ) -> Result<Option<String>, Failure> {
        match value {
            Some(value) if value == "-" => self.stdin_line(what).map(Some),
            other => Ok(other),
        }
    }

    /// All of stdin, for `what`.
    fn stdin_all(&mut self, what: &'static str) -> Result<String, Failure> {
        self.claim_stdin(what)?;
        if std::io::stdin().is_terminal() {
            eprintln!("{what} (end with Ctrl-D):");
        }
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| usage(format!("cannot read the {what} from stdin: {e}")))?;
        Ok(text)
    }

    /// Stdin's first line, without its line break, for `what`; typed at a prompt that does not
    /// echo it when stdin is a terminal.
    fn stdin_line(&mut self, what: &'static str) -> Result<String, Failure> {
        self.claim_stdin(what)?;
        let line = if std::io::stdin().is_terminal() {
            rpassword::prompt_password(format!("{what}: "))
                .map_err(|e| usage(format!("cannot read the {what} at the prompt: {e}")))?
        } else {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| usage(format!("cannot read the {what} from stdin: {e}")))?;
            line
        };
        let line = line.trim_end_matches(['\n', '\r']).to_owned();
        if line.is_empty() {
            return Err(usage(format!("no {what} on stdin")));
        }
        Ok(line)
    }

    fn claim_stdin(&mut self, what: &'static str) -> Result<(), Failure> {
        if let Some(first) = self.stdin_gave {
            return Err(usage(format!(
                "stdin gives one value only: the {first}, so the {what} cannot come from it too"
            )));
        }
        self.stdin_gave = Some(what);
        Ok(())
    }

    /// The warning about secrets on the command line, if any were.
    fn warning(&self) -> Option<String> {
        let (first, rest) = self.on_argv.split_first()?;
        let what = rest
            .iter()
            .fold((*first).to_owned(), |all, w| format!("{all} and {w}"));
        Some(format!(
            "the {what} on the command line can be read in ps and shell history; pass - (or \
             --password-stdin) to read it from stdin"
        ))
    }
}

/// The commands that revoke tokens, and so record in Redis when `SANCTUM_REDIS_URL` is set.
fn revokes(command: &Command) -> bool {
    matches!(
        command,
        Command::SignOut { .. }
            | Command::DisableUser { .. }
            | Command::DeleteUser { .. }
            | Command::Revoke { .. }
    )
}

/// How long a revocation may take to reach Redis before the command fails.
const REDIS_FLUSH: Duration = Duration::from_secs(10);

fn set(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// The shared revocation store, for a command that revokes and when `SANCTUM_REDIS_URL` is set.
fn redis(settings: &Settings, command: &Command) -> Result<Option<Arc<RedisRevocations>>, Failure> {
    match set(settings.redis_url.as_ref()) {
        Some(url) if revokes(command) => RedisRevocations::start(url)
            .map(Some)
            .map_err(|e| usage(format!("SANCTUM_REDIS_URL: {e}"))),
        _ => Ok(None),
    }
}

async fn client(
    settings: &Settings,
    redis: Option<Arc<RedisRevocations>>,
) -> Result<SanctumClient, Failure> {
    let mut builder = ClientSettings {
        user_pool_id: settings.user_pool_id.clone(),
        client_id: settings.client_id.clone(),
        region: settings.region.clone(),
        client_secret: settings.client_secret.clone(),
        endpoint: settings.cognito_endpoint.clone(),
        jwks_url: settings.jwks_url.clone(),
        issuer: settings.issuer.clone(),
        password_flow: settings.password_flow.clone(),
    }
    .builder()
    .map_err(usage)?;
    if let Some(store) = redis {
        builder = builder.revocations(store);
    }
    builder
        .build()
        .await
        .map_err(|e| usage(format!("configuration: {e}")))
}

fn user_json(user: &User) -> Value {
    serde_json::to_value(user).unwrap_or(Value::Null)
}

fn group_json(group: &Group) -> Value {
    serde_json::to_value(group).unwrap_or(Value::Null)
}

fn tokens_json(tokens: &Tokens) -> Value {
    json!({
        "access_token": tokens.access_token,
        "id_token": tokens.id_token,
        "refresh_token": tokens.refresh_token,
        "expires_in": tokens.expires_in,
        "token_type": tokens.token_type,
    })
}

/// A sign-in's result as JSON: the tokens, or the stored step itself (`step`, `challenge`,
/// `username`, `session`, `parameters`, ...), which `respond` takes back, with what answers it.
fn step_json(step: &SignInStep) -> Result<Value, Failure> {
    if let SignInStep::Done(tokens) = step {
        return Ok(tokens_json(tokens));
    }
    let mut out = serde_json::to_value(step)
        .map_err(|e| Failure::Failed(format!("the step does not serialise: {e}")))?;
    let answer_with = match step {
        SignInStep::NewPassword(_) => "a new password",
        SignInStep::SmsCode(_) => "the SMS code",
        SignInStep::TotpCode(_) => "a TOTP code",
        SignInStep::EmailCode(_) => "the email code",
        SignInStep::SelectMfa(_) => "a choice of MFA type",
        SignInStep::SetUpTotp(set_up) if set_up.secret_code().is_some() => {
            "a code of the authenticator app set up with secret_code"
        }
        SignInStep::SetUpTotp(_) => "a verified software token",
        SignInStep::SelectFirstFactor(_) => "a choice of first factor",
        SignInStep::Password(_) => "the password",
        SignInStep::CustomChallenge(_) => "a custom challenge answer",
        SignInStep::Passkey(_) => "a passkey credential",
        SignInStep::Device(_) => "a remembered device's secret",
        _ => "raw challenge responses",
    };
    out["answer_with"] = json!(answer_with);
    if let SignInStep::SelectFirstFactor(select) = step {
        let factors: Vec<&str> = select
            .factors()
            .into_iter()
            .map(FirstFactor::as_str)
            .collect();
        out["available_factors"] = json!(factors);
    }
    if let SignInStep::Passkey(passkey) = step
        && let Some(options) = passkey.credential_request_options()
    {
        out["credential_request_options"] = options;
    }
    Ok(out)
}

/// What a failed sign-in says, with a hint when SRP failed against an emulator.
fn sign_in_failed(err: CognitoError, settings: &Settings) -> Failure {
    let message = err.to_string();
    if matches!(err, CognitoError::Srp(_)) && set(settings.cognito_endpoint.as_ref()).is_some() {
        return Failure::Failed(format!(
            "{message} (the endpoint SANCTUM_COGNITO_ENDPOINT names may not speak Cognito's SRP, \
             as moto does not: set SANCTUM_PASSWORD_FLOW=user-password or pass --password-auth)"
        ));
    }
    Failure::Failed(message)
}

async fn login(
    client: &SanctumClient,
    settings: &Settings,
    args: LoginArgs,
    secrets: &mut Secrets,
) -> Result<Value, Failure> {
    let password = secrets.take("password", args.password, args.password_stdin)?;
    let user = args.user.as_str();
    let result = if args.user_auth {
        if args.admin || args.password_auth {
            return Err(usage("--user-auth excludes --admin and --password-auth"));
        }
        let preferred = match args.prefer {
            None => None,
            Some(factor) => {
                let needs_password =
                    matches!(factor, FirstFactor::Password | FirstFactor::PasswordSrp);
                if needs_password && password.is_none() {
                    return Err(usage(format!("--prefer {factor} needs <password>")));
                }
                Some(SignInFactor::with_password(
                    factor,
                    password.unwrap_or_default(),
                ))
            }
        };
        client.auth().user_auth(user, preferred).await
    } else {
        if args.prefer.is_some() {
            return Err(usage("--prefer needs --user-auth"));
        }
        let Some(password) = password else {
            return Err(usage("expected <user> <password> (or --password-stdin)"));
        };
        match (args.admin, args.password_auth) {
            (true, true) => {
                return Err(usage("--admin and --password-auth exclude each other"));
            }
            (true, false) => client.admin().sign_in(user, password).await,
            (false, true) => client.auth().user_password(user, password).await,
            (false, false) => client.auth().sign_in(user, password).await,
        }
    };
    step_json(&result.map_err(|e| sign_in_failed(e, settings))?)
}

/// The answer options `respond` got, by flag, and whether each was given.
fn answers_given(args: &RespondArgs) -> Vec<(&'static str, bool)> {
    vec![
        ("--code", args.code.is_some()),
        (
            "--new-password",
            args.new_password.is_some() || args.new_password_stdin,
        ),
        ("--attribute", !args.attribute.is_empty()),
        ("--mfa", args.mfa.is_some()),
        ("--device-name", args.device_name.is_some()),
        ("--factor", args.factor.is_some()),
        ("--password", args.password.is_some() || args.password_stdin),
        ("--answer", args.answer.is_some()),
        ("--credential", args.credential.is_some()),
        ("--response", !args.response.is_empty()),
    ]
}

/// Refuses answer flags that do not answer `step`; `required` must be given.
fn check_answer(
    args: &RespondArgs,
    step: &SignInStep,
    allowed: &[&'static str],
    required: &[&'static str],
) -> Result<(), Failure> {
    let name = step.challenge_name().unwrap_or("done");
    for (flag, given) in answers_given(args) {
        if given && !allowed.contains(&flag) {
            return Err(usage(format!(
                "{flag} does not answer {name}; it takes {}",
                if allowed.is_empty() {
                    "nothing".to_owned()
                } else {
                    allowed.join(", ")
                }
            )));
        }
    }
    for flag in required {
        if !answers_given(args).contains(&(flag, true)) {
            return Err(usage(format!("{name} is answered with {flag}")));
        }
    }
    Ok(())
}

async fn respond(
    client: &SanctumClient,
    args: RespondArgs,
    secrets: &mut Secrets,
) -> Result<Value, Failure> {
    let text = if args.step == "-" {
        secrets.stdin_all("step")?
    } else {
        std::fs::read_to_string(&args.step)
            .map_err(|e| usage(format!("cannot read the step {:?}: {e}", args.step)))?
    };
    let step: SignInStep = serde_json::from_str(&text)
        .map_err(|e| usage(format!("not a sign-in step as login prints it: {e}")))?;
    let next = match &step {
        SignInStep::Done(_) => {
            check_answer(&args, &step, &[], &[])?;
            return step_json(&step);
        }
        SignInStep::NewPassword(new) => {
            check_answer(
                &args,
                &step,
                &["--new-password", "--attribute"],
                &["--new-password"],
            )?;
            let password = secrets
                .take("new password", args.new_password, args.new_password_stdin)?
                .unwrap_or_default();
            let attributes: Attributes = args.attribute.into_iter().collect();
            new.answer_with_attributes(client, password, attributes)
                .await?
        }
        SignInStep::SmsCode(code_step)
        | SignInStep::TotpCode(code_step)
        | SignInStep::EmailCode(code_step) => {
            check_answer(&args, &step, &["--code"], &["--code"])?;
            let code = secrets.plain("code", args.code)?.unwrap_or_default();
            code_step.answer(client, &code).await?
        }
        SignInStep::SelectMfa(select) => {
            check_answer(&args, &step, &["--mfa"], &["--mfa"])?;
            let kind = args.mfa.map(MfaKind::from).unwrap_or(MfaKind::Totp);
            select.answer(client, kind).await?
        }
        SignInStep::SetUpTotp(set_up) => {
            check_answer(&args, &step, &["--code", "--device-name"], &[])?;
            match secrets.plain("code", args.code)? {
                None => SignInStep::SetUpTotp(set_up.associate(client).await?),
                Some(_) if set_up.secret_code().is_none() => {
                    return Err(usage(
                        "set up the authenticator app first: respond to this step without \
                         --code, which prints the step with its secret_code",
                    ));
                }
                Some(code) => {
                    set_up
                        .answer(client, &code, args.device_name.as_deref())
                        .await?
                }
            }
        }
        SignInStep::SelectFirstFactor(select) => {
            check_answer(&args, &step, &["--factor", "--password"], &["--factor"])?;
            let factor = args.factor.unwrap_or(FirstFactor::PasswordSrp);
            let password = secrets.take("password", args.password, args.password_stdin)?;
            if matches!(factor, FirstFactor::Password | FirstFactor::PasswordSrp)
                && password.is_none()
            {
                return Err(usage(format!(
                    "--factor {factor} needs --password-stdin (or --password)"
                )));
            }
            let answer = SignInFactor::with_password(factor, password.unwrap_or_default());
            select.answer(client, answer).await?
        }
        SignInStep::Password(password_step) => {
            check_answer(&args, &step, &["--password"], &["--password"])?;
            let password = secrets
                .take("password", args.password, args.password_stdin)?
                .unwrap_or_default();
            password_step.answer(client, password).await?
        }
        SignInStep::CustomChallenge(custom) => {
            check_answer(&args, &step, &["--answer"], &["--answer"])?;
            custom
                .answer(client, &args.answer.unwrap_or_default())
                .await?
        }
        SignInStep::Passkey(passkey) => {
            check_answer(&args, &step, &["--credential"], &["--credential"])?;
            let credential = secrets
                .plain("credential", args.credential)?
                .unwrap_or_default();
            let credential: Value = serde_json::from_str(&credential)
                .map_err(|e| usage(format!("--credential is not JSON: {e}")))?;
            passkey.answer(client, &credential).await?
        }
        SignInStep::Unknown(unknown) => {
            check_answer(&args, &step, &["--response"], &["--response"])?;
            unknown
                .answer(client, args.response.into_iter().collect())
                .await?
        }
        _ => {
            return Err(usage(format!(
                "{} needs a remembered device's secret: answer it through the SDK",
                step.challenge_name().unwrap_or("this step")
            )));
        }
    };
    step_json(&next)
}

async fn run(cli: Cli, secrets: &mut Secrets) -> Result<Value, Failure> {
    let redis = redis(&cli.settings, &cli.command)?;
    let client = client(&cli.settings, redis.clone()).await?;
    let users = client.admin().users();
    let groups = client.admin().groups();
    let out = match cli.command {
        Command::CreateUser {
            user,
            email,
            temporary_password,
            attribute,
        } => {
            let mut new = NewUser::new(user);
            if let Some(email) = email {
                new = new.email(email);
            }
            if let Some(password) = secrets.take("temporary password", temporary_password, false)? {
                new = new.temporary_password(password);
            }
            for (k, v) in attribute {
                new = new.attribute(k, v);
            }
            user_json(&users.create(new).await?)
        }
        Command::GetUser { user } => user_json(&users.get(user).await?),
        Command::UpdateAttributes { user, pairs } => {
            users.update_attributes(&user, pairs.clone()).await?;
            let updated: serde_json::Map<String, Value> = pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            json!({"username": user, "updated": updated})
        }
        Command::SetPassword {
            user,
            password,
            password_stdin,
            permanent,
        } => {
            let Some(password) = secrets.take("password", password, password_stdin)? else {
                return Err(usage("expected <user> <password> (or --password-stdin)"));
            };
            users.set_password(&user, password, permanent).await?;
            json!({"username": user, "permanent": permanent})
        }
        Command::SignOut { user } => {
            users.sign_out(&user).await?;
            json!({"username": user, "signed_out": true})
        }
        Command::DisableUser { user } => {
            users.disable(&user).await?;
            json!({"username": user, "enabled": false})
        }
        Command::EnableUser { user } => {
            users.enable(&user).await?;
            json!({"username": user, "enabled": true})
        }
        Command::DeleteUser { user } => {
            users.delete(&user).await?;
            json!({"username": user, "deleted": true})
        }
        Command::ListUsers { filter, limit } => {
            let mut query = ListUsers::new();
            if let Some(filter) = filter {
                query = query.filter(filter);
            }
            if let Some(limit) = limit {
                query = query.limit(limit);
            }
            Value::Array(users.list_all(query).await?.iter().map(user_json).collect())
        }
        Command::CreateGroup {
            name,
            description,
            precedence,
        } => {
            let mut new = NewGroup::new(name);
            if let Some(description) = description {
                new = new.description(description);
            }
            if let Some(precedence) = precedence {
                new = new.precedence(precedence);
            }
            group_json(&groups.create(new).await?)
        }
        Command::DeleteGroup { name } => {
            groups.delete(&name).await?;
            json!({"group": name, "deleted": true})
        }
        Command::ListGroups => {
            Value::Array(groups.list_all().await?.iter().map(group_json).collect())
        }
        Command::AddToGroup { user, group } => {
            groups.add_user(&user, &group).await?;
            json!({"username": user, "group": group, "member": true})
        }
        Command::RemoveFromGroup { user, group } => {
            groups.remove_user(&user, &group).await?;
            json!({"username": user, "group": group, "member": false})
        }
        Command::GroupsOf { user } => Value::Array(
            groups
                .of_user_all(user)
                .await?
                .iter()
                .map(group_json)
                .collect(),
        ),
        Command::UsersIn { group } => Value::Array(
            groups
                .users_in_all(&group)
                .await?
                .iter()
                .map(user_json)
                .collect(),
        ),
        Command::HasGroup { user, group } => {
            Value::Bool(groups.user_has_group(user, &group).await?)
        }
        Command::Login(args) => login(&client, &cli.settings, args, secrets).await?,
        Command::Respond(args) => respond(&client, *args, secrets).await?,
        Command::Refresh {
            refresh_token,
            username,
        } => {
            let refresh_token = secrets
                .take("refresh token", Some(refresh_token), false)?
                .unwrap_or_default();
            let username = username.map(Username::new);
            let tokens = client
                .auth()
                .refresh(&RefreshToken::new(&refresh_token), username.as_ref())
                .await?;
            let mut out = tokens_json(&tokens);
            out["rotated"] = Value::Bool(
                tokens.refresh_token.as_ref().map(RefreshToken::secret)
                    != Some(refresh_token.as_str()),
            );
            out
        }
        Command::Revoke {
            refresh_token,
            token,
        } => {
            let refresh_token = secrets
                .take("refresh token", Some(refresh_token), false)?
                .map(RefreshToken::new)
                .unwrap_or_else(|| RefreshToken::new(""));
            match secrets.take("token", token, false)? {
                // the session's access token (an ID token of that sign-in names the same
                // origin_jti and verifies too)
                Some(token) => {
                    client
                        .auth()
                        .revoke_session(&refresh_token, &AccessToken::new(token))
                        .await?;
                }
                None if redis.is_some() => {
                    return Err(usage(
                        "with SANCTUM_REDIS_URL, revoke needs --token <an access or ID token of \
                         that sign-in> to record which session is revoked",
                    ));
                }
                None => client.auth().revoke(&refresh_token).await?,
            }
            json!({"revoked": true})
        }
        Command::Verify { token } => {
            let token = secrets
                .take("token", Some(token), false)?
                .unwrap_or_default();
            let claims = client
                .verifier()
                .verify(&token, ExpectedUse::Either)
                .await
                .map_err(|e| Failure::Failed(format!("token rejected: {e}")))?;
            claims.decode::<Value>()?
        }
    };
    Ok(match redis {
        Some(redis) => recorded_in_redis(&redis, out).await?,
        None => out,
    })
}

/// Waits for the revocation the command recorded to reach Redis (the store sends in the
/// background; the process exits next) and says so in the output.
async fn recorded_in_redis(redis: &RedisRevocations, mut out: Value) -> Result<Value, Failure> {
    if !redis.flush(REDIS_FLUSH).await {
        let why = redis.health().last_error.unwrap_or_default();
        return Err(Failure::Failed(format!(
            "done in Cognito, but the revocation did not reach Redis within {} s: {why}",
            REDIS_FLUSH.as_secs()
        )));
    }
    if let Value::Object(map) = &mut out {
        map.insert("revocation_recorded".to_owned(), Value::Bool(true));
    }
    Ok(out)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `admin`'s command line, with the top-level help listing every command's arguments.
fn command_line() -> clap::Command {
    let cmd = Cli::command();
    let mut synopsis = String::from("Commands:\n");
    for sub in cmd.get_subcommands() {
        let mut line = format!("  {}", sub.get_name());
        for arg in sub.get_arguments() {
            let name = arg
                .get_value_names()
                .and_then(|names| names.first())
                .map_or_else(|| arg.get_id().to_string(), ToString::to_string);
            let many = matches!(arg.get_action(), clap::ArgAction::Append);
            if arg.is_positional() {
                let dots = if many { "..." } else { "" };
                line += &if arg.is_required_set() {
                    format!(" <{name}>{dots}")
                } else {
                    format!(" [<{name}>]{dots}")
                };
            } else if let Some(long) = arg.get_long() {
                let takes_value = arg.get_num_args().is_none_or(|n| n.takes_values())
                    && !matches!(arg.get_action(), clap::ArgAction::SetTrue);
                let dots = if many { "..." } else { "" };
                line += &if takes_value {
                    format!(" [--{long} {name}]{dots}")
                } else {
                    format!(" [--{long}]")
                };
            }
        }
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        synopsis += &format!("{line}\n      {about}\n");
    }
    cmd.help_template(format!(
        "{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{synopsis}  help [command]\n      \
         Prints this, or a command's arguments and options\n\nOptions (each with \
         its environment variable):\n{{options}}{{after-help}}"
    ))
    .disable_help_subcommand(false)
}

/// A clap error as one line.
fn usage_message(err: &clap::Error, cmd: &clap::Command, argv: &[String]) -> String {
    let context = |kind| match err.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(all)) => all.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let expected = argv.iter().find_map(|a| cmd.find_subcommand(a)).map(|sub| {
        let names: Vec<String> = sub
            .get_positionals()
            .map(|p| {
                let name = p
                    .get_value_names()
                    .and_then(|n| n.first())
                    .map_or_else(|| p.get_id().to_string(), ToString::to_string);
                if p.is_required_set() {
                    format!("<{name}>")
                } else {
                    format!("[<{name}>]")
                }
            })
            .collect();
        if names.is_empty() {
            "expected no arguments".to_owned()
        } else {
            format!("expected {}", names.join(" "))
        }
    });
    let flag = || {
        context(ContextKind::InvalidArg)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    match err.kind() {
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "no command; run `admin help`".to_owned()
        }
        ErrorKind::InvalidSubcommand => format!(
            "unknown command {:?}; run `admin help`",
            context(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::MissingRequiredArgument => {
            expected.unwrap_or_else(|| format!("missing {}", context(ContextKind::InvalidArg)))
        }
        ErrorKind::UnknownArgument => {
            let arg = context(ContextKind::InvalidArg);
            if arg.starts_with('-') && arg != "-" {
                format!("unknown option {arg}")
            } else {
                let expected = expected.unwrap_or_default();
                format!("unexpected argument {arg:?}; {expected}")
            }
        }
        ErrorKind::InvalidValue => {
            let value = context(ContextKind::InvalidValue);
            if value.is_empty() {
                format!("{} needs a value", flag())
            } else {
                format!(
                    "{} takes {}, got {value:?}",
                    flag(),
                    context(ContextKind::ValidValue)
                )
            }
        }
        ErrorKind::ValueValidation => std::error::Error::source(err)
            .map_or_else(|| one_line(&err.to_string()), |e| e.to_string()),
        ErrorKind::ArgumentConflict => format!(
            "{} and {} exclude each other",
            flag(),
            context(ContextKind::PriorArg)
        ),
        _ => one_line(
            err.to_string()
                .trim_start_matches("error: ")
                .split("\n\n")
                .next()
                .unwrap_or_default(),
        ),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let cmd = command_line();
    let cli = match cmd
        .clone()
        .try_get_matches_from(&argv)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(err) if matches!(err.kind(), ErrorKind::DisplayHelp) => {
            print!("{}", err.render());
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("admin: error: {}", usage_message(&err, &cmd, &argv[1..]));
            return ExitCode::from(2);
        }
    };
    let mut secrets = Secrets::default();
    let result = run(cli, &mut secrets).await;
    let warning = secrets.warning();
    let (message, code) = match result {
        Ok(value) => {
            if let Some(warning) = warning {
                eprintln!("admin: warning: {warning}");
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string())
            );
            return ExitCode::SUCCESS;
        }
        Err(Failure::Usage(message)) => (message, 2),
        Err(Failure::Failed(message)) => (message, 1),
    };
    match warning {
        Some(warning) => eprintln!("admin: error: {} (warning: {warning})", one_line(&message)),
        None => eprintln!("admin: error: {}", one_line(&message)),
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, String> {
        let argv: Vec<String> = std::iter::once("admin")
            .chain(args.iter().copied())
            .map(str::to_owned)
            .collect();
        let cmd = command_line();
        cmd.clone()
            .try_get_matches_from(&argv)
            .and_then(|m| Cli::from_arg_matches(&m))
            .map_err(|e| usage_message(&e, &cmd, &argv[1..]))
    }

    #[test]
    fn repeated_flags_are_all_kept_and_switches_take_no_value() {
        let cli = parse(&[
            "create-user",
            "alice",
            "--attribute",
            "a=1",
            "--attribute",
            "b=2=3",
        ])
        .expect("parses");
        let Command::CreateUser {
            user, attribute, ..
        } = cli.command
        else {
            panic!("create-user");
        };
        assert_eq!(user, "alice");
        assert_eq!(
            attribute,
            [("a".into(), "1".into()), ("b".into(), "2=3".into())]
        );
        let cli = parse(&["set-password", "alice", "-", "--permanent"]).expect("parses");
        assert!(matches!(
            cli.command,
            Command::SetPassword { permanent: true, password: Some(p), .. } if p == "-"
        ));
    }

    #[test]
    fn usage_errors_say_what_is_wrong_on_one_line() {
        for (args, expected) in [
            (&["get-user"][..], "expected <user>"),
            (&["has-group", "alice"], "expected <user> <group>"),
            (
                &["revoke", "a", "b"],
                "unexpected argument \"b\"; expected <refresh-token>",
            ),
            (&["list-users", "--colour"], "unknown option --colour"),
            (&["refresh", "rt", "--username"], "--username needs a value"),
            (
                &["create-group", "g", "--precedence", "x"],
                "--precedence needs a number, got \"x\"",
            ),
            (
                &["update-attributes", "a", "=v"],
                "expected name=value, got \"=v\"",
            ),
            (
                &["respond", "-", "--mfa", "voice"],
                "--mfa takes sms, totp, email, got \"voice\"",
            ),
            (
                &["login", "a", "--user-auth", "--prefer", "x"],
                "--prefer takes PASSWORD",
            ),
            (&["frobnicate"], "unknown command \"frobnicate\""),
            (&[], "no command"),
        ] {
            let message = parse(args).expect_err("refused");
            assert!(message.starts_with(expected), "{args:?}: {message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn the_help_lists_every_command_with_its_arguments() {
        let help = command_line().render_help().to_string();
        for line in [
            "has-group <user> <group>",
            "login <user> [<password>] [--password-stdin]",
            "respond <step-file> [--code C]",
            "update-attributes <user> <k=v>...",
            "SANCTUM_JWKS_URL",
        ] {
            assert!(help.contains(line), "{line} in\n{help}");
        }
        let verify = command_line()
            .find_subcommand_mut("verify")
            .expect("verify")
            .render_long_help()
            .to_string();
        assert!(verify.contains("/.well-known/jwks.json"), "{verify}");
    }

    #[test]
    fn secrets_on_the_command_line_are_warned_about_and_stdin_serves_one() {
        let mut secrets = Secrets::default();
        assert_eq!(
            secrets
                .take("password", Some("pw".into()), false)
                .ok()
                .flatten(),
            Some("pw".to_owned())
        );
        assert!(matches!(
            secrets.take("password", Some("pw".into()), true),
            Err(Failure::Usage(_))
        ));
        assert_eq!(secrets.take("token", None, false).ok().flatten(), None);
        let warning = secrets.warning().expect("a warning");
        assert!(
            warning.contains("password on the command line"),
            "{warning}"
        );
        secrets.stdin_gave = Some("step");
        let Err(Failure::Usage(message)) = secrets.take("new password", None, true) else {
            panic!("stdin is taken");
        };
        assert!(message.contains("the step"), "{message}");
        assert!(Secrets::default().warning().is_none());
    }
}
