//! `admin`: Cognito user and group administration from the command line, through sanctum's
//! `SanctumClient`.
//!
//! ```text
//! cargo run -p sanctum-examples --bin admin -- <command> [arguments]
//! ```
//!
//! Configuration comes from the environment: `SANCTUM_USER_POOL_ID`, `SANCTUM_CLIENT_ID`,
//! `SANCTUM_REGION` (default: the pool id's prefix), and optionally `SANCTUM_CLIENT_SECRET`,
//! `SANCTUM_COGNITO_ENDPOINT` (an emulator such as moto), `SANCTUM_JWKS_URL` and
//! `SANCTUM_ISSUER` (for `verify` against an emulator), `SANCTUM_PASSWORD_FLOW` (`srp`, the
//! default, or `user-password`, for `login`), and `SANCTUM_REDIS_URL`: then
//! `sign-out`, `disable-user`, `delete-user` and `revoke` also record the revocation in Redis,
//! where services sharing it (`RedisRevocations`) refuse the user's tokens within a second.
//! AWS credentials come from the usual AWS chain. Results are JSON on stdout; an error is one line on stderr and a non-zero exit code
//! (1: the operation failed, 2: wrong usage or configuration).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use sanctum_core::ExpectedUse;
use sanctum_core::cognito::{
    FirstFactor, Group, ListUsers, NewGroup, NewUser, SanctumClient, SignInFactor, SignInStep,
    Tokens, User,
};
use sanctum_core::credentials::{AccessToken, RefreshToken, Username};
use sanctum_core::revocation::RedisRevocations;
use serde_json::{Value, json};

const USAGE: &str = "\
usage: admin <command> [arguments]

commands:
  create-user <user> [--email E] [--temporary-password P] [--attribute k=v]...
  get-user <user>
  update-attributes <user> k=v...
  set-password <user> <password> [--permanent]
  sign-out <user>                   signs the user out everywhere (admin global sign-out)
  disable-user <user>
  enable-user <user>
  delete-user <user>
  list-users [--filter EXPR] [--limit N]
  create-group <name> [--description D] [--precedence N]
  delete-group <name>
  list-groups
  add-to-group <user> <group>
  remove-from-group <user> <group>
  groups-of <user>
  users-in <group>
  has-group <user> <group>          prints true or false
  login <user> <password> [--password-auth | --admin]
                                    signs in (SRP by default; USER_PASSWORD_AUTH, or
                                    ADMIN_USER_PASSWORD_AUTH) and prints the tokens or
                                    the next challenge
  login <user> [<password>] --user-auth [--prefer FACTOR]
                                    choice-based sign-in (USER_AUTH), preferring FACTOR:
                                    PASSWORD, PASSWORD_SRP (these need <password>),
                                    EMAIL_OTP, SMS_OTP or WEB_AUTHN; without --prefer,
                                    prints SELECT_CHALLENGE with the available factors
  refresh <refresh-token> [--username U]
                                    prints fresh tokens (and the new refresh token when
                                    rotated); U is the user's `username` claim, needed
                                    only for REFRESH_TOKEN_AUTH with a client secret
  revoke <refresh-token> [--token T]
                                    revokes the refresh token; T, an access or ID token
                                    of that sign-in, names the session to record in
                                    Redis (required with SANCTUM_REDIS_URL)
  verify <token>                    prints the verified claims

environment:
  SANCTUM_USER_POOL_ID, SANCTUM_CLIENT_ID    required
  SANCTUM_REGION                             default: the pool id's prefix
  SANCTUM_CLIENT_SECRET                      when the app client has a secret
  SANCTUM_COGNITO_ENDPOINT                   another endpoint (e.g. moto)
  SANCTUM_JWKS_URL, SANCTUM_ISSUER           key URL / issuer overrides for verify
  SANCTUM_PASSWORD_FLOW                      srp (default) or user-password, for login
  SANCTUM_REDIS_URL                          record sign-out, disable-user, delete-user
                                             and revoke in Redis for the services
  AWS credentials                            the usual AWS chain";

/// Why the CLI stops: wrong usage (exit 2) or a failed operation (exit 1).
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

/// The command line after the command name: positional arguments and `--flags`.
struct Args {
    positional: Vec<String>,
    options: Vec<(String, Option<String>)>,
}

impl Args {
    /// Splits `raw`; `valued` flags take the next argument, `switches` take none.
    fn parse(raw: &[String], valued: &[&str], switches: &[&str]) -> Result<Self, Failure> {
        let mut positional = Vec::new();
        let mut options = Vec::new();
        let mut iter = raw.iter();
        while let Some(arg) = iter.next() {
            if let Some(flag) = arg.strip_prefix("--") {
                if valued.contains(&flag) {
                    let value = iter
                        .next()
                        .ok_or_else(|| usage(format!("--{flag} needs a value")))?;
                    options.push((flag.to_owned(), Some(value.clone())));
                } else if switches.contains(&flag) {
                    options.push((flag.to_owned(), None));
                } else {
                    return Err(usage(format!("unknown option --{flag}")));
                }
            } else {
                positional.push(arg.clone());
            }
        }
        Ok(Self {
            positional,
            options,
        })
    }

    /// Exactly `N` positional arguments, named `names` in the error.
    fn exactly<const N: usize>(&self, names: [&str; N]) -> Result<[&str; N], Failure> {
        let given: Vec<&str> = self.positional.iter().map(String::as_str).collect();
        given.try_into().map_err(|_| {
            let wanted: Vec<String> = names.iter().map(|n| format!("<{n}>")).collect();
            usage(if wanted.is_empty() {
                "expected no arguments".to_owned()
            } else {
                format!("expected {}", wanted.join(" "))
            })
        })
    }

    fn value(&self, flag: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(f, _)| f == flag)
            .and_then(|(_, v)| v.as_deref())
    }

    fn values(&self, flag: &str) -> impl Iterator<Item = &str> {
        self.options
            .iter()
            .filter(move |(f, _)| f == flag)
            .filter_map(|(_, v)| v.as_deref())
    }

    fn switch(&self, flag: &str) -> bool {
        self.options.iter().any(|(f, _)| f == flag)
    }
}

fn key_value(pair: &str) -> Result<(String, String), Failure> {
    match pair.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(usage(format!("expected name=value, got {pair:?}"))),
    }
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, Failure> {
    value
        .parse()
        .map_err(|_| usage(format!("--{flag} needs a number, got {value:?}")))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The commands that revoke tokens, and so record in Redis when `SANCTUM_REDIS_URL` is set.
const REVOKING: [&str; 4] = ["sign-out", "disable-user", "delete-user", "revoke"];

/// How long a revocation may take to reach Redis before the command fails.
const REDIS_FLUSH: Duration = Duration::from_secs(10);

/// The shared revocation store, for a command that revokes and when `SANCTUM_REDIS_URL` is set.
fn redis_from_env(command: &str) -> Result<Option<Arc<RedisRevocations>>, Failure> {
    match env("SANCTUM_REDIS_URL") {
        Some(url) if REVOKING.contains(&command) => RedisRevocations::start(&url)
            .map(Some)
            .map_err(|e| usage(format!("SANCTUM_REDIS_URL: {e}"))),
        _ => Ok(None),
    }
}

async fn client_from_env(redis: Option<Arc<RedisRevocations>>) -> Result<SanctumClient, Failure> {
    let mut builder = sanctum_examples::client_builder_from_env().map_err(usage)?;
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

/// A challenge as the CLI prints it: what it is, what answers it, and its session and
/// parameters (a USER_AUTH step like any other).
/// A sign-in step as JSON: the stored step itself (`step`, `challenge`, `username`, `session`,
/// `parameters`, ...), which `respond` takes back, and what answers it.
fn challenge_json(step: &SignInStep) -> Result<Value, Failure> {
    let mut out = serde_json::to_value(step)
        .map_err(|e| Failure::Failed(format!("the step does not serialise: {e}")))?;
    let answer_with = match step {
        SignInStep::NewPassword(_) => "a new password",
        SignInStep::SmsCode(_) => "the SMS code",
        SignInStep::TotpCode(_) => "a TOTP code",
        SignInStep::EmailCode(_) => "the email code",
        SignInStep::SelectMfa(_) => "a choice of MFA type",
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

/// `login <user> [<password>] --user-auth [--prefer FACTOR]`.
async fn user_auth_login(client: &SanctumClient, args: &Args) -> Result<SignInStep, Failure> {
    if args.switch("admin") || args.switch("password-auth") {
        return Err(usage("--user-auth excludes --admin and --password-auth"));
    }
    let (user, password) = match args.positional.as_slice() {
        [user] => (user.as_str(), None),
        [user, password] => (user.as_str(), Some(password.as_str())),
        _ => return Err(usage("expected <user> [<password>]")),
    };
    let preferred = match args.value("prefer") {
        None => None,
        Some(name) => {
            let factor: FirstFactor = name.parse().map_err(|_| {
                usage(format!(
                    "--prefer takes PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP or WEB_AUTHN, got {name:?}"
                ))
            })?;
            let needs_password = matches!(factor, FirstFactor::Password | FirstFactor::PasswordSrp);
            if needs_password && password.is_none() {
                return Err(usage(format!("--prefer {factor} needs <password>")));
            }
            Some(SignInFactor::with_password(
                factor,
                password.unwrap_or_default(),
            ))
        }
    };
    Ok(client.auth().user_auth(user, preferred).await?)
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

async fn run(command: &str, raw: &[String]) -> Result<Value, Failure> {
    let redis = redis_from_env(command)?;
    let client = client_from_env(redis.clone()).await?;
    let users = client.admin().users();
    let groups = client.admin().groups();
    let out = match command {
        "create-user" => {
            let args = Args::parse(raw, &["email", "temporary-password", "attribute"], &[])?;
            let [user] = args.exactly(["user"])?;
            let mut new = NewUser::new(user);
            if let Some(email) = args.value("email") {
                new = new.email(email);
            }
            if let Some(password) = args.value("temporary-password") {
                new = new.temporary_password(password);
            }
            for pair in args.values("attribute") {
                let (k, v) = key_value(pair)?;
                new = new.attribute(k, v);
            }
            user_json(&client.admin().users().create(new).await?)
        }
        "get-user" => {
            let args = Args::parse(raw, &[], &[])?;
            let [user] = args.exactly(["user"])?;
            user_json(&users.get(user).await?)
        }
        "update-attributes" => {
            let args = Args::parse(raw, &[], &[])?;
            let Some((user, pairs)) = args.positional.split_first() else {
                return Err(usage("expected <user> name=value..."));
            };
            if pairs.is_empty() {
                return Err(usage("expected at least one name=value"));
            }
            let pairs = pairs
                .iter()
                .map(|p| key_value(p))
                .collect::<Result<Vec<_>, _>>()?;
            client
                .admin()
                .users()
                .update_attributes(user, pairs.clone())
                .await?;
            let updated: serde_json::Map<String, Value> = pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            json!({"username": user, "updated": updated})
        }
        "set-password" => {
            let args = Args::parse(raw, &[], &["permanent"])?;
            let [user, password] = args.exactly(["user", "password"])?;
            let permanent = args.switch("permanent");
            users.set_password(user, password, permanent).await?;
            json!({"username": user, "permanent": permanent})
        }
        "sign-out" => {
            let args = Args::parse(raw, &[], &[])?;
            let [user] = args.exactly(["user"])?;
            users.sign_out(user).await?;
            json!({"username": user, "signed_out": true})
        }
        "disable-user" | "enable-user" | "delete-user" => {
            let args = Args::parse(raw, &[], &[])?;
            let [user] = args.exactly(["user"])?;
            match command {
                "disable-user" => {
                    users.disable(user).await?;
                    json!({"username": user, "enabled": false})
                }
                "enable-user" => {
                    users.enable(user).await?;
                    json!({"username": user, "enabled": true})
                }
                _ => {
                    client.admin().users().delete(user).await?;
                    json!({"username": user, "deleted": true})
                }
            }
        }
        "list-users" => {
            let args = Args::parse(raw, &["filter", "limit"], &[])?;
            args.exactly([])?;
            let mut query = ListUsers::new();
            if let Some(filter) = args.value("filter") {
                query = query.filter(filter);
            }
            if let Some(limit) = args.value("limit") {
                query = query.limit(number("limit", limit)?);
            }
            Value::Array(users.list_all(query).await?.iter().map(user_json).collect())
        }
        "create-group" => {
            let args = Args::parse(raw, &["description", "precedence"], &[])?;
            let [name] = args.exactly(["name"])?;
            let mut new = NewGroup::new(name);
            if let Some(description) = args.value("description") {
                new = new.description(description);
            }
            if let Some(precedence) = args.value("precedence") {
                new = new.precedence(number("precedence", precedence)?);
            }
            group_json(&client.admin().groups().create(new).await?)
        }
        "delete-group" => {
            let args = Args::parse(raw, &[], &[])?;
            let [name] = args.exactly(["name"])?;
            groups.delete(name).await?;
            json!({"group": name, "deleted": true})
        }
        "list-groups" => {
            Args::parse(raw, &[], &[])?.exactly([])?;
            Value::Array(groups.list_all().await?.iter().map(group_json).collect())
        }
        "add-to-group" | "remove-from-group" => {
            let args = Args::parse(raw, &[], &[])?;
            let [user, group] = args.exactly(["user", "group"])?;
            let member = command == "add-to-group";
            if member {
                client.admin().groups().add_user(user, group).await?;
            } else {
                groups.remove_user(user, group).await?;
            }
            json!({"username": user, "group": group, "member": member})
        }
        "groups-of" => {
            let args = Args::parse(raw, &[], &[])?;
            let [user] = args.exactly(["user"])?;
            Value::Array(
                groups
                    .of_user_all(user)
                    .await?
                    .iter()
                    .map(group_json)
                    .collect(),
            )
        }
        "users-in" => {
            let args = Args::parse(raw, &[], &[])?;
            let [group] = args.exactly(["group"])?;
            Value::Array(
                groups
                    .users_in_all(group)
                    .await?
                    .iter()
                    .map(user_json)
                    .collect(),
            )
        }
        "has-group" => {
            let args = Args::parse(raw, &[], &[])?;
            let [user, group] = args.exactly(["user", "group"])?;
            Value::Bool(client.admin().groups().user_has_group(user, group).await?)
        }
        "login" => {
            let args = Args::parse(raw, &["prefer"], &["admin", "password-auth", "user-auth"])?;
            let result = if args.switch("user-auth") {
                user_auth_login(&client, &args).await?
            } else {
                if args.value("prefer").is_some() {
                    return Err(usage("--prefer needs --user-auth"));
                }
                let [user, password] = args.exactly(["user", "password"])?;
                match (args.switch("admin"), args.switch("password-auth")) {
                    (true, true) => {
                        return Err(usage("--admin and --password-auth exclude each other"));
                    }
                    (true, false) => client.admin().sign_in(user, password).await?,
                    (false, true) => client.auth().user_password(user, password).await?,
                    (false, false) => client.auth().user_srp(user, password).await?,
                }
            };
            match result {
                SignInStep::Done(tokens) => tokens_json(&tokens),
                step => challenge_json(&step)?,
            }
        }
        "refresh" => {
            let args = Args::parse(raw, &["username"], &[])?;
            let [refresh_token] = args.exactly(["refresh-token"])?;
            let username = args.value("username").map(Username::new);
            let tokens = client
                .auth()
                .refresh(&RefreshToken::new(refresh_token), username.as_ref())
                .await?;
            let mut out = tokens_json(&tokens);
            out["rotated"] = Value::Bool(
                tokens.refresh_token.as_ref().map(RefreshToken::secret) != Some(refresh_token),
            );
            out
        }
        "revoke" => {
            let args = Args::parse(raw, &["token"], &[])?;
            let [refresh_token] = args.exactly(["refresh-token"])?;
            let refresh_token = RefreshToken::new(refresh_token);
            match args.value("token") {
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
        "verify" => {
            let args = Args::parse(raw, &[], &[])?;
            let [token] = args.exactly(["token"])?;
            let claims = client
                .verifier()
                .verify(token, ExpectedUse::Either)
                .await
                .map_err(|e| Failure::Failed(format!("token rejected: {e}")))?;
            claims.decode::<Value>()?
        }
        other => {
            return Err(usage(format!(
                "unknown command {other:?}; run `admin help`"
            )));
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = argv.split_first() else {
        eprintln!("admin: error: no command; run `admin help`");
        return ExitCode::from(2);
    };
    if matches!(command.as_str(), "help" | "--help" | "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match run(command, rest).await {
        Ok(value) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string())
            );
            ExitCode::SUCCESS
        }
        Err(Failure::Usage(message)) => {
            eprintln!("admin: error: {}", one_line(&message));
            ExitCode::from(2)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("admin: error: {}", one_line(&message));
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|&a| a.to_owned()).collect()
    }

    #[test]
    fn flags_take_values_switches_do_not_and_repeated_flags_are_all_kept() {
        let raw = strings(&[
            "alice",
            "--attribute",
            "a=1",
            "--permanent",
            "--attribute",
            "b=2",
        ]);
        let args = Args::parse(&raw, &["attribute"], &["permanent"])
            .ok()
            .expect("parses");
        assert_eq!(args.exactly(["user"]).ok(), Some(["alice"]));
        assert!(args.switch("permanent"));
        assert_eq!(args.values("attribute").collect::<Vec<_>>(), ["a=1", "b=2"]);
        assert_eq!(args.value("attribute"), Some("b=2"));
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        let message = |f: Failure| match f {
            Failure::Usage(m) => m,
            Failure::Failed(m) => panic!("not a usage error: {m}"),
        };
        let missing = Args::parse(&strings(&["--email"]), &["email"], &[])
            .err()
            .map(message);
        assert_eq!(missing.as_deref(), Some("--email needs a value"));
        let unknown = Args::parse(&strings(&["--nope"]), &[], &[])
            .err()
            .map(message);
        assert_eq!(unknown.as_deref(), Some("unknown option --nope"));
        let args = Args::parse(&strings(&["a", "b"]), &[], &[])
            .ok()
            .expect("parses");
        assert_eq!(
            args.exactly(["user"]).err().map(message).as_deref(),
            Some("expected <user>")
        );
        assert_eq!(
            key_value("k=v=w").ok(),
            Some(("k".to_owned(), "v=w".to_owned()))
        );
        assert!(key_value("=v").is_err() && key_value("kv").is_err());
        assert!(number::<i32>("precedence", "x").is_err());
    }
}
