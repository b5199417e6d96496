//! Sign-in flows, challenges, tokens and MFA against moto's Cognito server.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;

use cognito_support::{
    NEW_PASSWORD, PASSWORD, confirmed_user, moto_pool, unique, with_current_totp,
};
use sanctum_core::cognito::{
    AuthResult, ChallengeAnswer, ChallengeName, CognitoError, MfaPreference, NewGroup, NewUser,
    SoftwareTokenTarget,
};
use sanctum_core::testing::TestIssuer;
use sanctum_core::testing::moto::{MOTO_TOTP_SECRET, MotoPoolOptions};
use sanctum_core::{ExpectedUse, TokenUse, VerifyError};

fn tokens(result: AuthResult) -> sanctum_core::cognito::Tokens {
    match result {
        AuthResult::Tokens(t) => t,
        AuthResult::Challenge(c) => panic!("expected tokens, got challenge {}", c.name),
    }
}

#[tokio::test]
async fn user_password_admin_and_admin_no_srp_sign_ins_return_tokens_our_verifier_accepts() {
    let (_moto, pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let user = unique("alice");
    confirmed_user(&client, &user).await;

    for result in [
        client.authenticate_user(&user, PASSWORD).await,
        client.admin_authenticate(&user, PASSWORD).await,
        client.auth().admin_no_srp(&user, PASSWORD).await,
    ] {
        let t = tokens(result.expect("sign-in works"));
        assert_eq!(t.expires_in, 3600);
        let claims = client
            .verifier()
            .verify(&t.access_token, ExpectedUse::Access)
            .await
            .expect("access token verifies");
        assert_eq!(claims.token_use(), TokenUse::Access);
        assert_eq!(claims.username(), Some(user.as_str()));
        assert_eq!(claims.client_id(), pool.client_id);
        assert_eq!(
            claims.iss(),
            format!(
                "https://cognito-idp.us-east-1.amazonaws.com/{}",
                pool.pool_id
            )
        );
        let id = client
            .verifier()
            .verify(t.id_token.as_deref().expect("id token"), ExpectedUse::Id)
            .await
            .expect("id token verifies");
        assert_eq!(id.email(), Some(format!("{user}@example.com").as_str()));
        assert!(t.refresh_token.is_some());
    }
}

#[tokio::test]
async fn wrong_password_unknown_user_and_disabled_user_are_typed_errors() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let user = unique("bob");
    confirmed_user(&client, &user).await;

    let err = client
        .authenticate_user(&user, "Wrong-Passw0rd")
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
    assert_eq!(err.code(), Some("NotAuthorizedException"));
    assert!(err.request_id().is_some(), "request id kept: {err:?}");

    let err = client
        .admin_authenticate(&unique("nobody"), PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::UserNotFound(_)), "{err:?}");

    client.users().disable(&user).await.expect("disable");
    for err in [
        client.authenticate_user(&user, PASSWORD).await.unwrap_err(),
        client
            .admin_authenticate(&user, PASSWORD)
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
        assert!(err.to_string().contains("disabled"), "{err}");
    }
    assert!(!client.users().get(&user).await.expect("get").enabled);

    client.users().enable(&user).await.expect("enable");
    tokens(
        client
            .authenticate_user(&user, PASSWORD)
            .await
            .expect("enabled again"),
    );
}

#[tokio::test]
async fn new_password_required_is_a_challenge_answered_in_one_call_through_user_and_admin_apis() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    for admin in [false, true] {
        let user = unique("carol");
        client
            .create_user(
                NewUser::new(&user)
                    .temporary_password(PASSWORD)
                    .suppress_message(),
            )
            .await
            .expect("created");
        assert_eq!(
            client
                .users()
                .get(&user)
                .await
                .expect("get")
                .status
                .as_deref(),
            Some("FORCE_CHANGE_PASSWORD")
        );

        let result = if admin {
            client.admin_authenticate(&user, PASSWORD).await
        } else {
            client.authenticate_user(&user, PASSWORD).await
        }
        .expect("first sign-in");
        let challenge = result.challenge().expect("a challenge").clone();
        assert_eq!(challenge.name, ChallengeName::NewPasswordRequired);
        assert!(challenge.session.is_some(), "session kept");
        assert_eq!(challenge.is_admin(), admin);
        assert_eq!(challenge.username, user);

        let too_weak = client
            .respond_to_auth_challenge(&challenge, ChallengeAnswer::new_password("short"))
            .await
            .unwrap_err();
        assert!(
            matches!(too_weak, CognitoError::InvalidPassword(_)),
            "{too_weak:?}"
        );

        let t = tokens(
            client
                .respond_to_auth_challenge(&challenge, ChallengeAnswer::new_password(NEW_PASSWORD))
                .await
                .expect("answered"),
        );
        client
            .verifier()
            .verify_access(&t.access_token)
            .await
            .expect("verifies");
        assert_eq!(
            client
                .users()
                .get(&user)
                .await
                .expect("get")
                .status
                .as_deref(),
            Some("CONFIRMED")
        );
        tokens(
            client
                .authenticate_user(&user, NEW_PASSWORD)
                .await
                .expect("new password works"),
        );
    }
}

#[tokio::test]
async fn refresh_returns_fresh_tokens_and_keeps_the_refresh_token() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let user = unique("dave");
    confirmed_user(&client, &user).await;
    let first = tokens(
        client
            .authenticate_user(&user, PASSWORD)
            .await
            .expect("sign-in"),
    );
    let refresh = first.refresh_token.clone().expect("refresh token");

    let again = client
        .refresh_token(&refresh, &user)
        .await
        .expect("refresh works");
    assert_ne!(again.access_token, first.access_token);
    assert_eq!(again.refresh_token.as_deref(), Some(refresh.as_str()));
    client
        .verifier()
        .verify_access(&again.access_token)
        .await
        .expect("verifies");

    let err = client
        .refresh_token("not-a-refresh-token", &user)
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
}

// moto checks SECRET_HASH on REFRESH_TOKEN_AUTH against the user name stored with the token.
#[tokio::test]
async fn with_a_client_secret_refresh_sends_the_secret_hash_of_the_username_cognito_knows() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new().client_secret(true)).await;
    assert!(client.has_client_secret());
    let user = unique("erin");
    confirmed_user(&client, &user).await;
    let first = tokens(
        client
            .authenticate_user(&user, PASSWORD)
            .await
            .expect("sign-in with secret"),
    );
    let refresh = first.refresh_token.expect("refresh token");
    let claims = client
        .verifier()
        .verify_access(&first.access_token)
        .await
        .expect("verifies");
    let username = claims.username().expect("username claim");

    let again = client
        .refresh_token(&refresh, username)
        .await
        .expect("refresh with secret works");
    client
        .verifier()
        .verify_access(&again.access_token)
        .await
        .expect("verifies");

    let alias = format!("{user}@example.com");
    let err = client.refresh_token(&refresh, &alias).await.unwrap_err();
    assert!(
        matches!(err, CognitoError::NotAuthorized(_)),
        "hash of an alias is refused: {err:?}"
    );
}

#[tokio::test]
async fn global_sign_out_makes_the_old_access_token_fail_and_revokes_the_refresh_token() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    for admin in [false, true] {
        let user = unique("frank");
        confirmed_user(&client, &user).await;
        let t = tokens(
            client
                .authenticate_user(&user, PASSWORD)
                .await
                .expect("sign-in"),
        );
        assert_eq!(
            client
                .users()
                .get_own(&t.access_token)
                .await
                .expect("GetUser")
                .username,
            user
        );

        if admin {
            client
                .users()
                .global_sign_out(&user)
                .await
                .expect("admin sign-out");
        } else {
            client
                .auth()
                .global_sign_out(&t.access_token)
                .await
                .expect("sign-out");
        }
        let err = client.users().get_own(&t.access_token).await.unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
        let err = client
            .refresh_token(t.refresh_token.as_deref().expect("refresh"), &user)
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
        assert!(err.to_string().contains("revoked"), "{err}");
    }
}

#[tokio::test]
async fn get_groups_from_token_verifies_the_token_first() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let user = unique("gina");
    confirmed_user(&client, &user).await;
    client
        .create_group(NewGroup::new("admin"))
        .await
        .expect("group");
    client
        .add_user_to_group(&user, "admin")
        .await
        .expect("member");
    let t = tokens(
        client
            .authenticate_user(&user, PASSWORD)
            .await
            .expect("sign-in"),
    );

    assert_eq!(
        client
            .get_groups_from_token(&t.access_token)
            .await
            .expect("verified"),
        ["admin"]
    );
    assert_eq!(
        client
            .get_groups_from_token(t.id_token.as_deref().expect("id"))
            .await
            .expect("id too"),
        ["admin"]
    );

    // a well-formed token with the right iss, client and groups, but signed by another key
    let forger = TestIssuer::builder()
        .pool_id(client.pool_id())
        .client_id(client.client_id())
        .start()
        .await
        .expect("issuer");
    let forged = forger
        .access_token()
        .username(&user)
        .groups(["admin"])
        .kid("dummy")
        .build();
    let err = client.get_groups_from_token(&forged).await.unwrap_err();
    assert!(
        matches!(
            err,
            CognitoError::InvalidToken(VerifyError::InvalidSignature)
        ),
        "{err:?}"
    );

    let err = client
        .get_groups_from_token("not.a.token")
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::InvalidToken(_)), "{err:?}");
}

// With a client secret, moto also checks SECRET_HASH on the SOFTWARE_TOKEN_MFA answer.
#[tokio::test]
async fn totp_enrolment_then_software_token_mfa_sign_in_with_a_computed_code() {
    let (_moto, _pool, client) =
        moto_pool(MotoPoolOptions::new().client_secret(true).totp_mfa(true)).await;
    let user = unique("hank");
    confirmed_user(&client, &user).await;
    let t = tokens(
        client
            .authenticate_user(&user, PASSWORD)
            .await
            .expect("sign-in"),
    );
    let access = SoftwareTokenTarget::AccessToken(t.access_token.clone());

    let secret = client
        .mfa()
        .associate_software_token(access.clone())
        .await
        .expect("associate");
    assert_eq!(secret.secret_code, MOTO_TOTP_SECRET);
    let wrong = client
        .mfa()
        .verify_software_token(access.clone(), "000000", Some("phone"))
        .await;
    // 000000 is the right code once in a million steps
    assert!(
        matches!(wrong, Err(CognitoError::CodeMismatch(_))),
        "{wrong:?}"
    );
    with_current_totp(&secret.secret_code, |code| {
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
    let me = client
        .users()
        .get_own(&t.access_token)
        .await
        .expect("GetUser");
    assert_eq!(me.preferred_mfa.as_deref(), Some("SOFTWARE_TOKEN_MFA"));
    assert_eq!(me.mfa_methods, ["SOFTWARE_TOKEN_MFA"]);

    for admin in [false, true] {
        let result = if admin {
            client.admin_authenticate(&user, PASSWORD).await
        } else {
            client.authenticate_user(&user, PASSWORD).await
        }
        .expect("password accepted");
        let challenge = result.challenge().expect("MFA challenge").clone();
        assert_eq!(challenge.name, ChallengeName::SoftwareTokenMfa);

        let err = client
            .respond_to_auth_challenge(
                &challenge,
                ChallengeAnswer::SoftwareTokenMfaCode("000000".into()),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::CodeMismatch(_)), "{err:?}");

        let signed_in = with_current_totp(&secret.secret_code, |code| {
            let (client, challenge) = (client.clone(), challenge.clone());
            async move {
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
        let t = tokens(signed_in);
        client
            .verifier()
            .verify_access(&t.access_token)
            .await
            .expect("verifies");
    }

    client
        .mfa()
        .admin_set_preference(&user, MfaPreference::new().software_token(false, false))
        .await
        .expect("admin preference");
    tokens(
        client
            .authenticate_user(&user, PASSWORD)
            .await
            .expect("no MFA any more"),
    );
}
