//! Sign-in for today's Cognito against fakecloud, a second Cognito-compatible server that checks
//! what moto does not: SRP proofs (a wrong password must fail), refresh-token rotation
//! (`GetTokensFromRefreshToken`) and `RevokeToken`. Every flow runs with and without a client
//! secret. Needs fakecloud (`scripts/setup-fakecloud.sh`); without it these tests fail, never skip.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;

use cognito_support::{
    NEW_PASSWORD, PASSWORD, confirmed_user, fakecloud_pool, unique, with_current_totp,
};
use sanctum_core::ExpectedUse;
use sanctum_core::cognito::{
    AnswerKind, AuthResult, ChallengeAnswer, ChallengeName, CognitoError, MfaPreference, NewUser,
    PasswordFlow, SanctumClient, SoftwareTokenTarget, Tokens,
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
