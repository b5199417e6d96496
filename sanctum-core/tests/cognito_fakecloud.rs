//! Sign-in for today's Cognito against fakecloud, a second Cognito-compatible server that checks
//! what moto does not: SRP proofs (a wrong password must fail), refresh-token rotation
//! (`GetTokensFromRefreshToken`), `RevokeToken`, choice-based sign-in (`USER_AUTH` with PASSWORD,
//! PASSWORD_SRP and SELECT_CHALLENGE), devices and passkeys. Every flow runs with and without a
//! client secret. Needs fakecloud (`scripts/setup-fakecloud.sh`); without it these tests fail, never skip.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;
mod emulators;

use cognito_support::{NEW_PASSWORD, PASSWORD, confirmed_user, unique, with_current_totp};

use emulators::fakecloud_pool;
use sanctum_core::ExpectedUse;
use sanctum_core::cognito::{
    AuthFactor, CognitoError, FirstFactor, MfaPreference, NewDevice, NewUser, PasswordFlow,
    SanctumClient, SelectFactorStep, SignInFactor, SignInStep, Tokens,
};
use sanctum_core::credentials::{RefreshToken, Username};
use sanctum_testkit::fakecloud::FakecloudPoolOptions;

fn tokens(result: SignInStep) -> Tokens {
    match result {
        SignInStep::Done(t) => t,
        other => panic!("expected tokens, got {other:?}"),
    }
}

fn select_of(step: SignInStep) -> SelectFactorStep {
    match step {
        SignInStep::SelectFirstFactor(step) => step,
        other => panic!("SELECT_CHALLENGE expected: {other:?}"),
    }
}

async fn assert_verifies(client: &SanctumClient, t: &Tokens, user: &str) {
    let claims = client
        .verifier()
        .verify(t.access_token.secret(), ExpectedUse::Access)
        .await
        .expect("access token verifies with fakecloud's keys");
    assert_eq!(claims.username(), Some(user));
    assert_eq!(claims.client_id(), client.client_id());
}

#[tokio::test]
async fn srp_sign_in_succeeds_and_a_wrong_password_is_refused_with_and_without_a_client_secret() {
    for secret in [false, true] {
        let (_fc, pool, client) =
            fakecloud_pool(FakecloudPoolOptions::new().client_secret(secret)).await;
        assert_eq!(client.has_client_secret(), secret);
        assert_eq!(client.password_flow(), PasswordFlow::Srp);
        let user = unique("alice");
        confirmed_user(&client, &user).await;

        let t = tokens(
            client
                .auth()
                .sign_in(&user, PASSWORD)
                .await
                .expect("SRP sign-in"),
        );
        assert_verifies(&client, &t, &user).await;
        assert!(t.refresh_token.is_some() && t.id_token.is_some());

        // the server checks the proof: a wrong password gives a proof it refuses
        let err = client
            .auth()
            .sign_in(&user, "Wrong-Passw0rd")
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
        let err = client
            .auth()
            .user_srp(&unique("nobody"), PASSWORD)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                CognitoError::UserNotFound(_) | CognitoError::NotAuthorized(_)
            ),
            "{err:?}"
        );

        // the password-sending flow is one builder option away
        let password_client = pool
            .client_builder()
            .password_flow(PasswordFlow::UserPassword)
            .build()
            .await
            .expect("client");
        let t = tokens(
            password_client
                .auth()
                .sign_in(&user, PASSWORD)
                .await
                .expect("USER_PASSWORD_AUTH"),
        );
        assert_verifies(&client, &t, &user).await;
        let err = password_client
            .auth()
            .sign_in(&user, "Wrong-Passw0rd")
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
    }
}

#[tokio::test]
async fn srp_of_a_user_with_a_temporary_password_asks_for_a_new_one_answered_in_one_call() {
    for secret in [false, true] {
        let (_fc, _pool, client) =
            fakecloud_pool(FakecloudPoolOptions::new().client_secret(secret)).await;
        let user = unique("carol");
        client
            .admin()
            .users()
            .create(
                NewUser::new(&user)
                    .temporary_password(PASSWORD)
                    .suppress_message(),
            )
            .await
            .expect("created");
        let result = client
            .auth()
            .sign_in(&user, PASSWORD)
            .await
            .expect("SRP accepted");
        let SignInStep::NewPassword(challenge) = result else {
            panic!("NEW_PASSWORD_REQUIRED expected: {result:?}");
        };
        let t = tokens(
            challenge
                .answer(&client, NEW_PASSWORD)
                .await
                .expect("new password"),
        );
        assert_verifies(&client, &t, &user).await;
        tokens(
            client
                .auth()
                .sign_in(&user, NEW_PASSWORD)
                .await
                .expect("the new password works with SRP"),
        );
    }
}

#[tokio::test]
async fn srp_then_software_token_mfa_with_a_computed_code_with_and_without_a_client_secret() {
    for secret in [false, true] {
        let (_fc, pool, client) = fakecloud_pool(
            FakecloudPoolOptions::new()
                .client_secret(secret)
                .totp_mfa(true),
        )
        .await;
        let user = unique("hank");
        confirmed_user(&client, &user).await;
        let t = tokens(
            client
                .auth()
                .sign_in(&user, PASSWORD)
                .await
                .expect("SRP sign-in before MFA"),
        );
        let totp = client
            .user(&t.access_token)
            .mfa()
            .associate_software_token()
            .await
            .expect("associate");
        with_current_totp(&totp.secret_code, |code| {
            let (client, access) = (client.clone(), t.access_token.clone());
            async move {
                client
                    .user(&access)
                    .mfa()
                    .verify_software_token(&code, Some("phone"))
                    .await
            }
        })
        .await
        .expect("verified with the computed code");
        client
            .user(&t.access_token)
            .mfa()
            .set_preference(MfaPreference::new().software_token(true, true))
            .await
            .expect("preference");

        let result = client
            .auth()
            .sign_in(&user, PASSWORD)
            .await
            .expect("SRP proof accepted");
        assert!(serde_json::to_value(&result).expect("stored")["session"].is_string());
        let SignInStep::TotpCode(challenge) = result else {
            panic!("SOFTWARE_TOKEN_MFA expected: {result:?}");
        };
        assert_eq!(challenge.challenge_name(), "SOFTWARE_TOKEN_MFA");

        // an empty code is refused locally (another kind of answer does not compile)
        let err = challenge.answer(&client, "").await.unwrap_err();
        assert!(
            matches!(err, CognitoError::InvalidArgument { what: "code", .. }),
            "refused locally: {err:?}"
        );
        let err = challenge.answer(&client, "000000").await.unwrap_err();
        // 000000 is the right code once in a million steps
        assert!(matches!(err, CognitoError::CodeMismatch(_)), "{err:?}");

        // a failed answer may end the session: sign in again for the right code. The step is
        // stored as JSON by one client (a BFF instance) and answered by another one, built
        // separately: Cognito's session and the user name travel with the step.
        let other = pool.client().await.expect("a second client");
        let signed_in = with_current_totp(&totp.secret_code, |code| {
            let (client, other) = (client.clone(), other.clone());
            let user = user.clone();
            async move {
                let step = client.auth().sign_in(&user, PASSWORD).await?;
                let stored = serde_json::to_string(&step).expect("a step serialises");
                drop(step);
                let step: SignInStep = serde_json::from_str(&stored).expect("and comes back");
                let SignInStep::TotpCode(step) = step else {
                    return Err(CognitoError::UnexpectedResponse {
                        operation: "test",
                        what: "no MFA step",
                    });
                };
                step.answer(&other, &code).await
            }
        })
        .await
        .expect("code accepted on the other client");
        assert_verifies(&client, &tokens(signed_in), &user).await;
    }
}

#[tokio::test]
async fn with_rotation_and_no_grace_period_the_old_refresh_token_is_refused_at_once() {
    for secret in [false, true] {
        let (_fc, _pool, client) = fakecloud_pool(
            FakecloudPoolOptions::new()
                .client_secret(secret)
                .refresh_rotation(true),
        )
        .await;
        let user = unique("rory");
        confirmed_user(&client, &user).await;
        let first = tokens(
            client
                .auth()
                .sign_in(&user, PASSWORD)
                .await
                .expect("sign-in"),
        );
        let old = first.refresh_token.clone().expect("refresh token");

        let second = client
            .auth()
            .refresh(&old, None)
            .await
            .expect("refresh needs no user name");
        let new = second.refresh_token.clone().expect("refresh token");
        assert_ne!(new, old, "rotated");
        assert_ne!(second.access_token, first.access_token);
        assert_verifies(&client, &second, &user).await;

        let third = client
            .auth()
            .refresh(&new, Some(&Username::new(&user)))
            .await
            .expect("the new refresh token works");
        assert_verifies(&client, &third, &user).await;
        assert_ne!(third.refresh_token.as_ref(), Some(&new), "rotated again");

        // the pool's client rotates with `RetryGracePeriodSeconds: 0`: the rotated-away token
        // is refused on its first reuse, as Cognito does (fakecloud 0.51 removes it in the
        // same step that issues its successor), and so is the one `third` replaced
        for replaced in [&old, &new] {
            let err = client
                .auth()
                .refresh(replaced, None)
                .await
                .expect_err("a rotated-away refresh token is refused at once");
            assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
        }
    }
}

#[tokio::test]
async fn without_rotation_refresh_keeps_the_refresh_token_which_keeps_working() {
    for secret in [false, true] {
        let (_fc, _pool, client) =
            fakecloud_pool(FakecloudPoolOptions::new().client_secret(secret)).await;
        let user = unique("nora");
        confirmed_user(&client, &user).await;
        let first = tokens(
            client
                .auth()
                .sign_in(&user, PASSWORD)
                .await
                .expect("sign-in"),
        );
        let refresh = first.refresh_token.clone().expect("refresh token");
        for _ in 0..2 {
            let again = client
                .auth()
                .refresh(&refresh, Some(&Username::new(&user)))
                .await
                .expect("refresh");
            assert_eq!(again.refresh_token.as_ref(), Some(&refresh));
            assert_verifies(&client, &again, &user).await;
        }
        let err = client
            .auth()
            .refresh(
                &RefreshToken::new("not-a-refresh-token"),
                Some(&Username::new(&user)),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
    }
}

#[tokio::test]
async fn a_revoked_refresh_token_refreshes_no_more_with_and_without_a_client_secret() {
    for (secret, rotation) in [(false, false), (true, false), (false, true), (true, true)] {
        let (_fc, _pool, client) = fakecloud_pool(
            FakecloudPoolOptions::new()
                .client_secret(secret)
                .refresh_rotation(rotation),
        )
        .await;
        let user = unique("vera");
        confirmed_user(&client, &user).await;
        let t = tokens(
            client
                .auth()
                .sign_in(&user, PASSWORD)
                .await
                .expect("sign-in"),
        );
        let refresh = t.refresh_token.expect("refresh token");
        client.auth().revoke(&refresh).await.expect("revoked");
        let err = client
            .auth()
            .refresh(&refresh, Some(&Username::new(&user)))
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
        let err = client
            .auth()
            .refresh_token_auth(&refresh, Some(&Username::new(&user)))
            .await
            .unwrap_err();
        assert!(
            matches!(err, CognitoError::NotAuthorized(_)),
            "REFRESH_TOKEN_AUTH refuses it too: {err:?}"
        );
    }
}

#[tokio::test]
async fn user_auth_with_password_password_srp_and_select_challenge_with_and_without_a_client_secret()
 {
    for secret in [false, true] {
        let (_fc, _pool, client) = fakecloud_pool(
            FakecloudPoolOptions::new()
                .client_secret(secret)
                .user_auth(true),
        )
        .await;
        let user = unique("uma");
        confirmed_user(&client, &user).await;
        let auth = client.auth();

        // PASSWORD_SRP preferred: the proof is answered in the same call; fakecloud checks it
        let t = tokens(
            auth.user_auth(&user, Some(SignInFactor::PasswordSrp(PASSWORD.into())))
                .await
                .expect("USER_AUTH with PASSWORD_SRP"),
        );
        assert_verifies(&client, &t, &user).await;
        let err = auth
            .user_auth(
                &user,
                Some(SignInFactor::PasswordSrp("Wrong-Passw0rd".into())),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");

        // PASSWORD preferred: fakecloud answers SELECT_CHALLENGE anyway; sanctum picks PASSWORD
        let t = tokens(
            auth.user_auth(&user, Some(SignInFactor::Password(PASSWORD.into())))
                .await
                .expect("USER_AUTH with PASSWORD"),
        );
        assert_verifies(&client, &t, &user).await;
        let err = auth
            .user_auth(&user, Some(SignInFactor::Password("Wrong-Passw0rd".into())))
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");

        // no preference: SELECT_CHALLENGE with the factors, answered by each password factor
        for chosen in [
            SignInFactor::PasswordSrp(PASSWORD.into()),
            SignInFactor::Password(PASSWORD.into()),
        ] {
            let select = select_of(auth.user_auth(&user, None).await.expect("USER_AUTH"));
            assert_eq!(select.challenge_name(), "SELECT_CHALLENGE");
            let offered = select.factors();
            assert!(
                offered.contains(&FirstFactor::PasswordSrp)
                    && offered.contains(&FirstFactor::Password),
                "{offered:?}"
            );
            // a factor not offered is refused before any request
            let err = select
                .answer(&client, SignInFactor::SmsOtp)
                .await
                .unwrap_err();
            assert!(
                matches!(err, CognitoError::InvalidArgument { .. }),
                "{err:?}"
            );
            let t = tokens(
                select
                    .answer(&client, chosen)
                    .await
                    .expect("factor chosen and answered"),
            );
            assert_verifies(&client, &t, &user).await;
        }
        let select = select_of(auth.user_auth(&user, None).await.expect("USER_AUTH"));
        let err = select
            .answer(&client, SignInFactor::PasswordSrp("Wrong-Passw0rd".into()))
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
    }

    // an app client without ALLOW_USER_AUTH refuses the flow
    let (_fc, _pool, client) = fakecloud_pool(FakecloudPoolOptions::new()).await;
    let user = unique("umb");
    confirmed_user(&client, &user).await;
    let err = client
        .auth()
        .user_auth(&user, Some(SignInFactor::PasswordSrp(PASSWORD.into())))
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
}

#[tokio::test]
async fn devices_are_confirmed_listed_remembered_and_forgotten_and_device_sign_in_passes_device_key_with_and_without_a_client_secret()
 {
    for secret in [false, true] {
        let (_fc, _pool, client) = fakecloud_pool(
            FakecloudPoolOptions::new()
                .client_secret(secret)
                .device_tracking(true),
        )
        .await;
        let user = unique("dev");
        confirmed_user(&client, &user).await;
        let t = tokens(
            client
                .auth()
                .sign_in(&user, PASSWORD)
                .await
                .expect("SRP sign-in"),
        );
        // fakecloud 0.51 returns no NewDeviceMetadata: the device is named here, as Cognito
        // would name it
        assert_eq!(t.new_device, None);
        let devices = client.user(&t.access_token).devices();
        let admin_users = client.admin().users();
        let mut secrets = Vec::new();
        for i in 0..2 {
            let new = NewDevice::new(
                format!("us-east-1_{i}f2c6d1e-7b8a-4c3d-9e0f-{user}"),
                format!("-group{i}"),
            );
            let confirmed = devices
                .confirm(&new, Some(&format!("laptop {i}")))
                .await
                .expect("ConfirmDevice");
            assert!(!confirmed.user_confirmation_necessary);
            assert_eq!(confirmed.secret.device_key, new.device_key);
            secrets.push(confirmed.secret);
        }
        let listed = devices.list_all().await.expect("ListDevices");
        let mut keys: Vec<_> = listed.iter().map(|d| d.device_key.clone()).collect();
        keys.sort();
        let mut expected: Vec<_> = secrets.iter().map(|s| s.device_key.clone()).collect();
        expected.sort();
        assert_eq!(keys, expected);
        assert!(listed.iter().any(|d| d.name() == Some("laptop 0")));
        let admin_listed = admin_users
            .devices_all(&user)
            .await
            .expect("AdminListDevices");
        assert_eq!(admin_listed.len(), 2);

        devices
            .set_remembered(&secrets[0].device_key, true)
            .await
            .expect("UpdateDeviceStatus");
        admin_users
            .set_device_remembered(&user, &secrets[0].device_key, false)
            .await
            .expect("AdminUpdateDeviceStatus");

        // sign-in from the remembered device: DEVICE_KEY goes with it; fakecloud skips the
        // device's SRP (no DEVICE_SRP_AUTH), so the proof itself is checked on the stub
        // (cognito_user_auth_requests.rs)
        let t2 = tokens(
            client
                .auth()
                .user_srp_with_device(&user, PASSWORD, &secrets[0])
                .await
                .expect("sign-in with the device"),
        );
        assert_verifies(&client, &t2, &user).await;

        devices
            .forget(&secrets[0].device_key)
            .await
            .expect("ForgetDevice");
        admin_users
            .forget_device(&user, &secrets[1].device_key)
            .await
            .expect("AdminForgetDevice");
        assert!(devices.list_all().await.expect("ListDevices").is_empty());
        let err = devices.forget(&secrets[0].device_key).await.unwrap_err();
        assert!(matches!(err, CognitoError::ResourceNotFound(_)), "{err:?}");
    }
}

#[tokio::test]
async fn passkey_registration_starts_and_completes_and_the_passkey_is_listed_then_deleted() {
    let (_fc, _pool, client) = fakecloud_pool(FakecloudPoolOptions::new()).await;
    let user = unique("pk");
    confirmed_user(&client, &user).await;
    let t = tokens(
        client
            .auth()
            .sign_in(&user, PASSWORD)
            .await
            .expect("SRP sign-in"),
    );
    let passkeys = client.user(&t.access_token).passkeys();
    let options = passkeys
        .start_registration()
        .await
        .expect("StartWebAuthnRegistration");
    assert_eq!(options["user"]["name"], user.as_str());
    assert!(options["challenge"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(options["pubKeyCredParams"][0]["alg"], -7);

    // a credential as the browser returns it (fakecloud checks an attestation object only when
    // one is given)
    let credential = serde_json::json!({
        "id": format!("cred-{user}"),
        "rawId": format!("cred-{user}"),
        "type": "public-key",
        "authenticatorAttachment": "platform",
        "response": {"clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0", "transports": ["internal"]},
        "clientExtensionResults": {"credProps": {"authenticatorDisplayName": "Laptop"}},
    });
    passkeys
        .complete_registration(&credential)
        .await
        .expect("CompleteWebAuthnRegistration");
    let err = passkeys
        .complete_registration(&serde_json::json!("not an object"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CognitoError::InvalidArgument { .. }),
        "{err:?}"
    );

    let listed = passkeys.list_all().await.expect("ListWebAuthnCredentials");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].credential_id, format!("cred-{user}"));
    assert_eq!(listed[0].friendly_name.as_deref(), Some("Laptop"));
    assert_eq!(listed[0].transports, ["internal"]);

    let factors = passkeys.auth_factors().await.expect("GetUserAuthFactors");
    assert_eq!(factors.username, user);
    assert!(factors.configured.contains(&AuthFactor::Password));

    passkeys
        .delete(&listed[0].credential_id)
        .await
        .expect("DeleteWebAuthnCredential");
    assert!(passkeys.list_all().await.expect("listed").is_empty());
    let err = passkeys.delete(&listed[0].credential_id).await.unwrap_err();
    assert!(matches!(err, CognitoError::ResourceNotFound(_)), "{err:?}");
}
