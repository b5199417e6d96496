//! Sign-in for today's Cognito against fakecloud, a second Cognito-compatible server that checks
//! what moto does not: SRP proofs (a wrong password must fail), refresh-token rotation
//! (`GetTokensFromRefreshToken`), `RevokeToken`, choice-based sign-in (`USER_AUTH` with PASSWORD,
//! PASSWORD_SRP and SELECT_CHALLENGE), devices and passkeys. Every flow runs with and without a
//! client secret. Needs fakecloud (`scripts/setup-fakecloud.sh`); without it these tests fail, never skip.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;

use cognito_support::{
    NEW_PASSWORD, PASSWORD, confirmed_user, fakecloud_pool, unique, with_current_totp,
};
use sanctum_core::ExpectedUse;
use sanctum_core::cognito::{
    AnswerKind, AuthFactor, AuthResult, ChallengeAnswer, ChallengeName, CognitoError, FirstFactor,
    MfaPreference, NewDevice, NewUser, PasswordFlow, SanctumClient, SignInFactor,
    SoftwareTokenTarget, Tokens,
};
use sanctum_core::testing::fakecloud::FakecloudPoolOptions;

fn tokens(result: AuthResult) -> Tokens {
    match result {
        AuthResult::Tokens(t) => t,
        AuthResult::Challenge(c) => panic!("expected tokens, got challenge {}", c.name),
    }
}

async fn assert_verifies(client: &SanctumClient, t: &Tokens, user: &str) {
    let claims = client
        .verifier()
        .verify(&t.access_token, ExpectedUse::Access)
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
                .authenticate_user(&user, PASSWORD)
                .await
                .expect("SRP sign-in"),
        );
        assert_verifies(&client, &t, &user).await;
        assert!(t.refresh_token.is_some() && t.id_token.is_some());

        // the server checks the proof: a wrong password gives a proof it refuses
        let err = client
            .authenticate_user(&user, "Wrong-Passw0rd")
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
                .authenticate_user(&user, PASSWORD)
                .await
                .expect("USER_PASSWORD_AUTH"),
        );
        assert_verifies(&client, &t, &user).await;
        let err = password_client
            .authenticate_user(&user, "Wrong-Passw0rd")
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
            .create_user(
                NewUser::new(&user)
                    .temporary_password(PASSWORD)
                    .suppress_message(),
            )
            .await
            .expect("created");
        let result = client
            .authenticate_user(&user, PASSWORD)
            .await
            .expect("SRP accepted");
        let challenge = result.challenge().expect("a challenge").clone();
        assert_eq!(challenge.name, ChallengeName::NewPasswordRequired);
        assert_eq!(challenge.expects(), AnswerKind::NewPassword);
        let t = tokens(
            client
                .respond_to_auth_challenge(&challenge, ChallengeAnswer::new_password(NEW_PASSWORD))
                .await
                .expect("new password"),
        );
        assert_verifies(&client, &t, &user).await;
        tokens(
            client
                .authenticate_user(&user, NEW_PASSWORD)
                .await
                .expect("the new password works with SRP"),
        );
    }
}

#[tokio::test]
async fn srp_then_software_token_mfa_with_a_computed_code_with_and_without_a_client_secret() {
    for secret in [false, true] {
        let (_fc, _pool, client) = fakecloud_pool(
            FakecloudPoolOptions::new()
                .client_secret(secret)
                .totp_mfa(true),
        )
        .await;
        let user = unique("hank");
        confirmed_user(&client, &user).await;
        let t = tokens(
            client
                .authenticate_user(&user, PASSWORD)
                .await
                .expect("SRP sign-in before MFA"),
        );
        let access = SoftwareTokenTarget::AccessToken(t.access_token.clone());
        let totp = client
            .mfa()
            .associate_software_token(access.clone())
            .await
            .expect("associate");
        with_current_totp(&totp.secret_code, |code| {
            let (client, access) = (client.clone(), access.clone());
            async move {
                client
                    .mfa()
                    .verify_software_token(access, &code, Some("phone"))
                    .await
            }
        })
        .await
        .expect("verified with the computed code");
        client
            .mfa()
            .set_preference(
                &t.access_token,
                MfaPreference::new().software_token(true, true),
            )
            .await
            .expect("preference");

        let result = client
            .authenticate_user(&user, PASSWORD)
            .await
            .expect("SRP proof accepted");
        let challenge = result.challenge().expect("the MFA step").clone();
        assert_eq!(challenge.name, ChallengeName::SoftwareTokenMfa);
        assert_eq!(challenge.expects(), AnswerKind::SoftwareTokenMfaCode);
        assert!(challenge.session.is_some());

        let err = client
            .respond_to_auth_challenge(&challenge, ChallengeAnswer::SmsMfaCode("123456".into()))
            .await
            .unwrap_err();
        assert!(
            matches!(err, CognitoError::WrongAnswer { .. }),
            "refused locally: {err:?}"
        );
        let err = client
            .respond_to_auth_challenge(
                &challenge,
                ChallengeAnswer::SoftwareTokenMfaCode("000000".into()),
            )
            .await
            .unwrap_err();
        // 000000 is the right code once in a million steps
        assert!(matches!(err, CognitoError::CodeMismatch(_)), "{err:?}");

        // a failed answer may end the session: sign in again for the right code
        let signed_in = with_current_totp(&totp.secret_code, |code| {
            let client = client.clone();
            let user = user.clone();
            async move {
                let challenge = client
                    .authenticate_user(&user, PASSWORD)
                    .await?
                    .challenge()
                    .cloned()
                    .ok_or(CognitoError::UnexpectedResponse {
                        operation: "test",
                        what: "no MFA challenge",
                    })?;
                client
                    .respond_to_auth_challenge(
                        &challenge,
                        ChallengeAnswer::SoftwareTokenMfaCode(code),
                    )
                    .await
            }
        })
        .await
        .expect("code accepted");
        assert_verifies(&client, &tokens(signed_in), &user).await;
    }
}

#[tokio::test]
async fn with_rotation_refresh_returns_a_new_refresh_token_and_the_old_one_is_refused_after_at_most_one_reuse()
 {
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
                .authenticate_user(&user, PASSWORD)
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
            .refresh_token(&new, &user)
            .await
            .expect("the new refresh token works");
        assert_verifies(&client, &third, &user).await;

        // the old token may work once more (Cognito's grace period), never twice
        let reuses = [
            client.auth().refresh(&old, None).await,
            client.auth().refresh(&old, None).await,
        ];
        let Err(err) = &reuses[1] else {
            panic!("the old refresh token still works after its single reuse")
        };
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
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
                .authenticate_user(&user, PASSWORD)
                .await
                .expect("sign-in"),
        );
        let refresh = first.refresh_token.clone().expect("refresh token");
        for _ in 0..2 {
            let again = client
                .refresh_token(&refresh, &user)
                .await
                .expect("refresh");
            assert_eq!(again.refresh_token.as_deref(), Some(refresh.as_str()));
            assert_verifies(&client, &again, &user).await;
        }
        let err = client
            .refresh_token("not-a-refresh-token", &user)
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
                .authenticate_user(&user, PASSWORD)
                .await
                .expect("sign-in"),
        );
        let refresh = t.refresh_token.expect("refresh token");
        client.revoke_token(&refresh).await.expect("revoked");
        let err = client.refresh_token(&refresh, &user).await.unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
        let err = client
            .auth()
            .refresh_token_auth(&refresh, Some(&user))
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
            let result = auth.user_auth(&user, None).await.expect("USER_AUTH");
            let select = result.challenge().expect("SELECT_CHALLENGE").clone();
            assert_eq!(select.name, ChallengeName::SelectChallenge);
            assert_eq!(select.expects(), AnswerKind::FactorChoice);
            let offered = select.available_factors();
            assert!(
                offered.contains(&FirstFactor::PasswordSrp)
                    && offered.contains(&FirstFactor::Password),
                "{offered:?}"
            );
            // another kind of answer is refused before any request
            let err = client
                .respond_to_auth_challenge(&select, ChallengeAnswer::SmsMfaCode("1".into()))
                .await
                .unwrap_err();
            assert!(matches!(err, CognitoError::WrongAnswer { .. }), "{err:?}");
            let t = tokens(
                client
                    .respond_to_auth_challenge(&select, ChallengeAnswer::SelectChallenge(chosen))
                    .await
                    .expect("factor chosen and answered"),
            );
            assert_verifies(&client, &t, &user).await;
        }
        let select = auth
            .user_auth(&user, None)
            .await
            .expect("USER_AUTH")
            .challenge()
            .expect("SELECT_CHALLENGE")
            .clone();
        let err = client
            .respond_to_auth_challenge(
                &select,
                ChallengeAnswer::SelectChallenge(SignInFactor::PasswordSrp(
                    "Wrong-Passw0rd".into(),
                )),
            )
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
                .authenticate_user(&user, PASSWORD)
                .await
                .expect("SRP sign-in"),
        );
        // fakecloud 0.51 returns no NewDeviceMetadata: the device is named here, as Cognito
        // would name it
        assert_eq!(t.new_device, None);
        let devices = client.devices();
        let mut secrets = Vec::new();
        for i in 0..2 {
            let new = NewDevice::new(
                format!("us-east-1_{i}f2c6d1e-7b8a-4c3d-9e0f-{user}"),
                format!("-group{i}"),
            );
            let confirmed = devices
                .confirm(&t.access_token, &new, Some(&format!("laptop {i}")))
                .await
                .expect("ConfirmDevice");
            assert!(!confirmed.user_confirmation_necessary);
            assert_eq!(confirmed.secret.device_key, new.device_key);
            secrets.push(confirmed.secret);
        }
        let listed = devices
            .list_all(&t.access_token)
            .await
            .expect("ListDevices");
        let mut keys: Vec<_> = listed.iter().map(|d| d.device_key.clone()).collect();
        keys.sort();
        let mut expected: Vec<_> = secrets.iter().map(|s| s.device_key.clone()).collect();
        expected.sort();
        assert_eq!(keys, expected);
        assert!(listed.iter().any(|d| d.name() == Some("laptop 0")));
        let admin_listed = devices
            .admin_list_all(&user)
            .await
            .expect("AdminListDevices");
        assert_eq!(admin_listed.len(), 2);

        devices
            .set_remembered(&t.access_token, &secrets[0].device_key, true)
            .await
            .expect("UpdateDeviceStatus");
        devices
            .admin_set_remembered(&user, &secrets[0].device_key, false)
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
            .forget(&t.access_token, &secrets[0].device_key)
            .await
            .expect("ForgetDevice");
        devices
            .admin_forget(&user, &secrets[1].device_key)
            .await
            .expect("AdminForgetDevice");
        assert!(
            devices
                .list_all(&t.access_token)
                .await
                .expect("ListDevices")
                .is_empty()
        );
        let err = devices
            .forget(&t.access_token, &secrets[0].device_key)
            .await
            .unwrap_err();
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
            .authenticate_user(&user, PASSWORD)
            .await
            .expect("SRP sign-in"),
    );
    let passkeys = client.passkeys();
    let options = passkeys
        .start_registration(&t.access_token)
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
        .complete_registration(&t.access_token, &credential)
        .await
        .expect("CompleteWebAuthnRegistration");
    let err = passkeys
        .complete_registration(&t.access_token, &serde_json::json!("not an object"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CognitoError::InvalidArgument { .. }),
        "{err:?}"
    );

    let listed = passkeys
        .list_all(&t.access_token)
        .await
        .expect("ListWebAuthnCredentials");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].credential_id, format!("cred-{user}"));
    assert_eq!(listed[0].friendly_name.as_deref(), Some("Laptop"));
    assert_eq!(listed[0].transports, ["internal"]);

    let factors = passkeys
        .auth_factors(&t.access_token)
        .await
        .expect("GetUserAuthFactors");
    assert_eq!(factors.username, user);
    assert!(factors.configured.contains(&AuthFactor::Password));

    passkeys
        .delete(&t.access_token, &listed[0].credential_id)
        .await
        .expect("DeleteWebAuthnCredential");
    assert!(
        passkeys
            .list_all(&t.access_token)
            .await
            .expect("listed")
            .is_empty()
    );
    let err = passkeys
        .delete(&t.access_token, &listed[0].credential_id)
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::ResourceNotFound(_)), "{err:?}");
}
