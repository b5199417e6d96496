//! User administration and self-service against moto's Cognito server.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;
mod emulators;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_cognitoidentityprovider::config::Credentials;
use aws_sdk_cognitoidentityprovider::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_cognitoidentityprovider::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cognitoidentityprovider::error::BoxError;
use cognito_support::{NEW_PASSWORD, PASSWORD, confirmed_user, unique};
use emulators::moto_pool;
use futures_util::{StreamExt as _, TryStreamExt as _};
use sanctum_core::cognito::{CognitoError, ListUsers, NewUser, SignInStep, SignUp};
use sanctum_core::credentials::AccessToken;
use sanctum_testkit::moto::{MotoPoolOptions, MotoServer};

#[tokio::test]
async fn create_get_update_delete_attributes_and_delete_a_user() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let user = unique("ivy");
    let created = client
        .admin()
        .users()
        .create(
            NewUser::new(&user)
                .email(format!("{user}@example.com"))
                .attribute("name", "Ivy")
                .temporary_password(PASSWORD)
                .suppress_message(),
        )
        .await
        .expect("created");
    assert_eq!(created.username, user);
    assert_eq!(created.status.as_deref(), Some("FORCE_CHANGE_PASSWORD"));
    assert!(created.enabled);
    assert!(created.sub.is_some());

    let err = client
        .admin()
        .users()
        .create(NewUser::new(&user).suppress_message())
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::UserExists(_)), "{err:?}");

    client
        .admin()
        .users()
        .update_attributes(&user, [("name", "Ivy Two"), ("locale", "fr")])
        .await
        .expect("updated");
    let got = client.admin().users().get(&user).await.expect("get");
    assert_eq!(got.attribute("name"), Some("Ivy Two"));
    assert_eq!(got.attribute("locale"), Some("fr"));
    assert_eq!(got.sub, created.sub);

    client
        .admin()
        .users()
        .delete_attributes(&user, ["locale"])
        .await
        .expect("deleted attribute");
    assert_eq!(
        client
            .admin()
            .users()
            .get(&user)
            .await
            .expect("get")
            .attribute("locale"),
        None
    );

    client.admin().users().delete(&user).await.expect("deleted");
    let err = client.admin().users().get(&user).await.unwrap_err();
    assert!(matches!(err, CognitoError::UserNotFound(_)), "{err:?}");
    assert_eq!(err.code(), Some("UserNotFoundException"));
    let err = client.admin().users().delete(&user).await.unwrap_err();
    assert!(matches!(err, CognitoError::UserNotFound(_)), "{err:?}");
}

#[tokio::test]
async fn set_password_permanent_or_temporary_and_the_policy_is_enforced() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let user = unique("jack");
    client
        .admin()
        .users()
        .create(NewUser::new(&user).suppress_message())
        .await
        .expect("created");

    let err = client
        .admin()
        .users()
        .set_password(&user, "weak", true)
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::InvalidPassword(_)), "{err:?}");

    client
        .admin()
        .users()
        .set_password(&user, PASSWORD, true)
        .await
        .expect("permanent");
    assert_eq!(
        client
            .admin()
            .users()
            .get(&user)
            .await
            .expect("get")
            .status
            .as_deref(),
        Some("CONFIRMED")
    );
    assert!(matches!(
        client.auth().sign_in(&user, PASSWORD).await,
        Ok(SignInStep::Done(_))
    ));

    client
        .admin()
        .users()
        .set_password(&user, NEW_PASSWORD, false)
        .await
        .expect("temporary");
    assert_eq!(
        client
            .admin()
            .users()
            .get(&user)
            .await
            .expect("get")
            .status
            .as_deref(),
        Some("FORCE_CHANGE_PASSWORD")
    );
    let next = client
        .auth()
        .sign_in(&user, NEW_PASSWORD)
        .await
        .expect("sign-in");
    assert!(
        matches!(next, SignInStep::NewPassword(_)),
        "a new password is required: {next:?}"
    );
}

#[tokio::test]
async fn reset_password_puts_the_user_in_reset_required() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let user = unique("kate");
    confirmed_user(&client, &user).await;
    client
        .admin()
        .users()
        .reset_password(&user)
        .await
        .expect("reset");
    assert_eq!(
        client
            .admin()
            .users()
            .get(&user)
            .await
            .expect("get")
            .status
            .as_deref(),
        Some("RESET_REQUIRED")
    );
}

#[tokio::test]
async fn sign_up_confirm_and_admin_confirm() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new().client_secret(true)).await;
    let (self_confirmed, admin_confirmed) = (unique("liam"), unique("mia"));
    for user in [&self_confirmed, &admin_confirmed] {
        let result = client
            .auth()
            .sign_up(SignUp::new(user.as_str(), PASSWORD).email(format!("{user}@example.com")))
            .await
            .expect("signed up");
        assert!(!result.confirmed);
        assert!(!result.sub.is_empty());
        assert_eq!(
            client
                .admin()
                .users()
                .get(user)
                .await
                .expect("get")
                .status
                .as_deref(),
            Some("UNCONFIRMED")
        );
        let err = client.auth().sign_in(user, PASSWORD).await.unwrap_err();
        assert!(matches!(err, CognitoError::UserNotConfirmed(_)), "{err:?}");
    }
    let err = client
        .auth()
        .sign_up(SignUp::new(self_confirmed.as_str(), PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::UserExists(_)), "{err:?}");

    // moto accepts any confirmation code (real codes are checked by Cognito)
    client
        .auth()
        .confirm_sign_up(&self_confirmed, "123456")
        .await
        .expect("confirmed");
    client
        .admin()
        .users()
        .confirm_sign_up(&admin_confirmed)
        .await
        .expect("admin confirmed");
    for user in [&self_confirmed, &admin_confirmed] {
        assert_eq!(
            client
                .admin()
                .users()
                .get(user)
                .await
                .expect("get")
                .status
                .as_deref(),
            Some("CONFIRMED")
        );
        assert!(matches!(
            client.auth().sign_in(user, PASSWORD).await,
            Ok(SignInStep::Done(_))
        ));
    }
}

/// Captures the header in which moto returns the real forgot-password code.
#[derive(Debug, Clone, Default)]
struct ForgotPasswordCode(Arc<Mutex<Option<String>>>);

impl Intercept for ForgotPasswordCode {
    fn name(&self) -> &'static str {
        "ForgotPasswordCode"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(code) = context
            .response()
            .headers()
            .get("x-moto-forgot-password-confirmation-code")
        {
            *self.0.lock().expect("lock") = Some(code.to_owned());
        }
        Ok(())
    }
}

#[tokio::test]
async fn forgot_password_then_confirm_with_the_code_and_change_password() {
    let moto = MotoServer::shared();
    let pool = moto
        .create_pool_with(MotoPoolOptions::new().client_secret(true))
        .await
        .expect("pool");
    let captured = ForgotPasswordCode::default();
    let interceptor = captured.clone();
    let client = pool
        .client_builder()
        .configure_sdk(move |sdk| sdk.interceptor(interceptor))
        .build()
        .await
        .expect("client");
    let user = unique("noah");
    confirmed_user(&client, &user).await;

    client
        .auth()
        .forgot_password(&user)
        .await
        .expect("code sent");
    let code = captured
        .0
        .lock()
        .expect("lock")
        .clone()
        .expect("moto returned the code");
    let err = client
        .auth()
        .confirm_forgot_password(&user, "moto-confirmation-code:wrong", NEW_PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::ExpiredCode(_)), "{err:?}");
    client
        .auth()
        .confirm_forgot_password(&user, &code, NEW_PASSWORD)
        .await
        .expect("new password set");
    let tokens = client
        .auth()
        .sign_in(&user, NEW_PASSWORD)
        .await
        .expect("sign-in")
        .into_tokens()
        .expect("tokens");

    let err = client
        .user(&tokens.access_token)
        .change_password("Wrong-Passw0rd", PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
    client
        .user(&tokens.access_token)
        .change_password(NEW_PASSWORD, PASSWORD)
        .await
        .expect("changed");
    assert!(client.auth().sign_in(&user, NEW_PASSWORD).await.is_err());
    assert!(client.auth().sign_in(&user, PASSWORD).await.is_ok());
}

#[tokio::test]
async fn own_user_get_and_update_attributes_with_the_access_token() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let user = unique("olga");
    confirmed_user(&client, &user).await;
    let tokens = client
        .auth()
        .sign_in(&user, PASSWORD)
        .await
        .expect("sign-in")
        .into_tokens()
        .expect("tokens");

    let me = client
        .user(&tokens.access_token)
        .profile()
        .await
        .expect("GetUser");
    assert_eq!(me.username, user);
    assert_eq!(
        me.attribute("email"),
        Some(format!("{user}@example.com").as_str())
    );

    client
        .user(&tokens.access_token)
        .update_attributes([("name", "Olga")])
        .await
        .expect("updated");
    assert_eq!(
        client
            .admin()
            .users()
            .get(&user)
            .await
            .expect("get")
            .attribute("name"),
        Some("Olga")
    );

    let err = client
        .user(&AccessToken::new("not-a-token"))
        .profile()
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
}

/// Counts the requests the SDK sends.
#[derive(Debug, Clone, Default)]
struct RequestCount(Arc<AtomicUsize>);

impl Intercept for RequestCount {
    fn name(&self) -> &'static str {
        "RequestCount"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn list_users_streams_every_page_and_applies_the_filter() {
    let moto = MotoServer::shared();
    let pool = moto.create_pool().await.expect("pool");
    let requests = RequestCount::default();
    let counter = requests.clone();
    let client = pool
        .client_builder()
        .configure_sdk(move |sdk| sdk.interceptor(counter))
        .build()
        .await
        .expect("client");
    let mut names: Vec<String> = (0..7).map(|i| format!("page-user-{i}")).collect();
    for name in &names {
        client
            .admin()
            .users()
            .create(NewUser::new(name).suppress_message())
            .await
            .expect("created");
    }
    client
        .admin()
        .users()
        .create(NewUser::new("other").suppress_message())
        .await
        .expect("created");

    let before = requests.0.load(Ordering::SeqCst);
    let mut listed: Vec<String> = client
        .admin()
        .users()
        .list(
            ListUsers::new()
                .filter("username ^= \"page-user-\"")
                .page_size(3),
        )
        .map_ok(|u| u.username)
        .try_collect()
        .await
        .expect("listed");
    assert_eq!(
        requests.0.load(Ordering::SeqCst) - before,
        3,
        "7 users in pages of 3"
    );
    listed.sort();
    names.sort();
    assert_eq!(listed, names);

    let everyone: Vec<_> = client
        .admin()
        .users()
        .list(ListUsers::new().page_size(2))
        .try_collect()
        .await
        .expect("all");
    assert_eq!(everyone.len(), 8);
    assert!(everyone.iter().all(|u| u.enabled && u.created.is_some()));

    // taking fewer stops early: one page, not four
    let before = requests.0.load(Ordering::SeqCst);
    let first_two: Vec<_> = client
        .admin()
        .users()
        .list(ListUsers::new().page_size(2))
        .take(2)
        .collect()
        .await;
    assert_eq!(first_two.len(), 2);
    assert_eq!(requests.0.load(Ordering::SeqCst) - before, 1);

    // a limit stops the listing itself, and sizes the pages after it
    let before = requests.0.load(Ordering::SeqCst);
    let limited = client
        .admin()
        .users()
        .list_all(ListUsers::new().limit(3))
        .await
        .expect("limited");
    assert_eq!(limited.len(), 3);
    assert_eq!(requests.0.load(Ordering::SeqCst) - before, 1);
    let limited = client
        .admin()
        .users()
        .list_all(ListUsers::new().page_size(2).limit(5))
        .await
        .expect("limited");
    assert_eq!(limited.len(), 5);
}

#[tokio::test]
async fn a_failed_page_is_one_error_and_ends_the_stream() {
    let moto = MotoServer::shared();
    let pool = moto.create_pool().await.expect("pool");
    let client =
        sanctum_core::cognito::SanctumClient::builder("us-east-1_NoSuchPool", &pool.client_id)
            .endpoint_url(moto.endpoint())
            .credentials(Credentials::new("test", "test", None, None, "static"))
            .build()
            .await
            .expect("client");
    let results: Vec<_> = client
        .admin()
        .users()
        .list(ListUsers::new())
        .collect()
        .await;
    assert_eq!(results.len(), 1, "{results:?}");
    assert!(
        matches!(results[0], Err(CognitoError::ResourceNotFound(_))),
        "{results:?}"
    );
}

#[tokio::test]
async fn a_client_builds_from_the_applications_sdk_config_or_sdk_client() {
    let (_moto, pool, admin) = moto_pool(MotoPoolOptions::new()).await;
    let name = unique("shared-config-");
    admin
        .admin()
        .users()
        .create(NewUser::new(&name).temporary_password(PASSWORD))
        .await
        .expect("created");

    // the AWS configuration an application loads once and shares between its AWS clients
    let shared = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                "test", "test", None, None, "static",
            )),
        )
        .endpoint_url(&pool.endpoint)
        .build();
    let from_config = sanctum_core::cognito::SanctumClient::builder(&pool.pool_id, &pool.client_id)
        .sdk_config(&shared)
        .with_jwks_url(&pool.jwks_url)
        .build()
        .await
        .expect("builds from the shared configuration");
    let user = from_config
        .admin()
        .users()
        .get(&name)
        .await
        .expect("found through it");
    assert_eq!(user.username, name);

    // or an SDK client the application already has
    let sdk = sanctum_core::cognito::SdkClient::new(&shared);
    let from_client = sanctum_core::cognito::SanctumClient::builder(&pool.pool_id, &pool.client_id)
        .sdk_client(sdk)
        .with_jwks_url(&pool.jwks_url)
        .build()
        .await
        .expect("builds from the SDK client");
    let user = from_client
        .admin()
        .users()
        .get(&name)
        .await
        .expect("found through it");
    assert_eq!(user.username, name);
}
