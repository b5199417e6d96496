//! Feature `aws-sso`: aws-config's `credentials-process` and `sso` are on, so a profile with
//! `credential_process` loads its credentials and an `aws sso login` profile is read as one
//! (without the feature aws-config refuses both profiles, naming the missing feature).
#![cfg(feature = "aws-sso")]
// aws-config's names for the profile files, deprecated for aws-runtime's, which sanctum does not
// depend on
#![allow(deprecated)]

use std::path::PathBuf;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
use aws_credential_types::provider::ProvideCredentials as _;

/// A provider reading only `config` (an AWS config file's text) for profile `sanctum`.
fn provider(name: &str, config: &str) -> (ProfileFileCredentialsProvider, PathBuf) {
    let path = std::env::temp_dir().join(format!("sanctum-aws-sso-{}-{name}", std::process::id()));
    std::fs::write(&path, config).expect("config file written");
    let files = ProfileFiles::builder()
        .with_file(ProfileFileKind::Config, &path)
        .build();
    let provider = ProfileFileCredentialsProvider::builder()
        .profile_files(files)
        .profile_name("sanctum")
        .build();
    (provider, path)
}

#[tokio::test]
async fn a_credential_process_profile_loads_the_credentials_its_command_prints() {
    let (provider, path) = provider(
        "process",
        r#"[profile sanctum]
credential_process = echo '{"Version": 1, "AccessKeyId": "AKIDFROMPROCESS", "SecretAccessKey": "from-process"}'
"#,
    );
    let credentials = provider.provide_credentials().await;
    std::fs::remove_file(path).expect("config file removed");
    let credentials = credentials.expect("credentials from the process");
    assert_eq!(credentials.access_key_id(), "AKIDFROMPROCESS");
    assert_eq!(credentials.secret_access_key(), "from-process");
}

#[tokio::test]
async fn an_sso_profile_is_read_as_one_and_fails_only_for_want_of_a_login() {
    let (provider, path) = provider(
        "sso",
        "[profile sanctum]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Reader\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
    );
    let refused = provider.provide_credentials().await;
    std::fs::remove_file(path).expect("config file removed");
    // no `aws sso login` happened here, so there is no cached token: the SSO provider itself
    // says so, where aws-config without `sso` would name the missing feature
    let err = refused.expect_err("no SSO token cached on this machine");
    let text = format!("{err:?}");
    assert!(!text.contains("FeatureNotEnabled"), "{text}");
    assert!(text.to_ascii_lowercase().contains("token"), "{text}");
}
