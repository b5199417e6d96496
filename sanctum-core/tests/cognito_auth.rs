//! Sign-in flows, challenges, tokens and MFA against moto's Cognito server.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;
mod emulators;

use cognito_support::{NEW_PASSWORD, PASSWORD, confirmed_user, unique, with_current_totp};
use emulators::moto_pool;
use sanctum_core::cognito::{
    CognitoError, MfaPreference, NewGroup, NewUser, SanctumClient, SignInStep,
};
use sanctum_core::credentials::{IdToken, RefreshToken, Username};
use sanctum_core::testing::TestIssuer;
use sanctum_core::{ExpectedUse, TokenUse, VerifyError};
use sanctum_testkit::moto::{MOTO_TOTP_SECRET, MotoPoolOptions};

fn tokens(result: SignInStep) -> sanctum_core::cognito::Tokens {
    match result {
        SignInStep::Done(t) => t,
        other => panic!("expected tokens, got {other:?}"),
    }
}

/// pycognito's `get_groups_from_token`: the groups of a token the client's verifier accepts.
async fn groups_from_token(
    client: &SanctumClient,
    token: &str,
) -> Result<Vec<String>, VerifyError> {
    let claims = client.verifier().verify(token, ExpectedUse::Either).await?;
    Ok(claims.groups().map(str::to_owned).collect())
}

#[tokio::test]
async fn user_password_admin_and_admin_no_srp_sign_ins_return_tokens_our_verifier_accepts() {
    let (_moto, pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let user = unique("alice");
    confirmed_user(&client, &user).await;

    for result in [
        client.auth().sign_in(&user, PASSWORD).await,
        client.admin().sign_in(&user, PASSWORD).await,
        client.admin().sign_in_no_srp(&user, PASSWORD).await,
    ] {
        let t = tokens(result.expect("sign-in works"));
        assert_eq!(t.expires_in, 3600);
        let claims = client
            .verifier()
            .verify(t.access_token.secret(), ExpectedUse::Access)
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
            .verify(
                t.id_token.as_ref().map(IdToken::secret).expect("id token"),
                ExpectedUse::Id,
            )
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
        .auth()
        .sign_in(&user, "Wrong-Passw0rd")
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
    assert_eq!(err.code(), Some("NotAuthorizedException"));
    assert!(err.request_id().is_some(), "request id kept: {err:?}");

    let err = client
        .admin()
        .sign_in(&unique("nobody"), PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::UserNotFound(_)), "{err:?}");

    client
        .admin()
        .users()
        .disable(&user)
        .await
        .expect("disable");
    for err in [
        client.auth().sign_in(&user, PASSWORD).await.unwrap_err(),
        client.admin().sign_in(&user, PASSWORD).await.unwrap_err(),
    ] {
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
        assert!(err.to_string().contains("disabled"), "{err}");
    }
    assert!(
        !client
            .admin()
            .users()
            .get(&user)
            .await
            .expect("get")
            .enabled
    );

    client.admin().users().enable(&user).await.expect("enable");
    tokens(
        client
            .auth()
            .sign_in(&user, PASSWORD)
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
            .admin()
            .users()
            .create(
                NewUser::new(&user)
                    .temporary_password(PASSWORD)
                    .suppress_message(),
            )
            .await
            .expect("created");
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

        let result = if admin {
            client.admin().sign_in(&user, PASSWORD).await
        } else {
            client.auth().sign_in(&user, PASSWORD).await
        }
        .expect("first sign-in");
        let stored = serde_json::to_value(&result).expect("stored");
        assert!(stored["session"].is_string(), "session kept: {stored}");
        assert_eq!(stored["admin"].as_bool().unwrap_or(false), admin);
        let SignInStep::NewPassword(challenge) = result else {
            panic!("NEW_PASSWORD_REQUIRED expected: {result:?}");
        };
        assert_eq!(challenge.username().as_str(), user);

        let too_weak = challenge.answer(&client, "short").await.unwrap_err();
        assert!(
            matches!(too_weak, CognitoError::InvalidPassword(_)),
            "{too_weak:?}"
        );

        let t = tokens(
            challenge
                .answer(&client, NEW_PASSWORD)
                .await
                .expect("answered"),
        );
        client
            .verifier()
            .verify_access(t.access_token.secret())
            .await
            .expect("verifies");
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
        tokens(
            client
                .auth()
                .sign_in(&user, NEW_PASSWORD)
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
            .auth()
            .sign_in(&user, PASSWORD)
            .await
            .expect("sign-in"),
    );
    let refresh = first.refresh_token.clone().expect("refresh token");

    let again = client
        .auth()
        .refresh(&refresh, Some(&Username::new(&user)))
        .await
        .expect("refresh works");
    assert_ne!(again.access_token, first.access_token);
    assert_eq!(again.refresh_token.as_ref(), Some(&refresh));
    client
        .verifier()
        .verify_access(again.access_token.secret())
        .await
        .expect("verifies");

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

// moto checks SECRET_HASH on REFRESH_TOKEN_AUTH against the user name stored with the token.
#[tokio::test]
async fn with_a_client_secret_refresh_sends_the_secret_hash_of_the_username_cognito_knows() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new().client_secret(true)).await;
    assert!(client.has_client_secret());
    let user = unique("erin");
    confirmed_user(&client, &user).await;
    let first = tokens(
        client
            .auth()
            .sign_in(&user, PASSWORD)
            .await
            .expect("sign-in with secret"),
    );
    let refresh = first.refresh_token.expect("refresh token");
    let claims = client
        .verifier()
        .verify_access(first.access_token.secret())
        .await
        .expect("verifies");
    let username = claims.username().expect("username claim");

    let again = client
        .auth()
        .refresh(&refresh, Some(&Username::new(username)))
        .await
        .expect("refresh with secret works");
    client
        .verifier()
        .verify_access(again.access_token.secret())
        .await
        .expect("verifies");

    let alias = format!("{user}@example.com");
    let err = client
        .auth()
        .refresh(&refresh, Some(&Username::new(&alias)))
        .await
        .unwrap_err();
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
                .auth()
                .sign_in(&user, PASSWORD)
                .await
                .expect("sign-in"),
        );
        assert_eq!(
            client
                .user(&t.access_token)
                .profile()
                .await
                .expect("GetUser")
                .username,
            user
        );

        if admin {
            client
                .admin()
                .users()
                .sign_out(&user)
                .await
                .expect("admin sign-out");
        } else {
            client
                .user(&t.access_token)
                .sign_out_everywhere()
                .await
                .expect("sign-out");
        }
        let err = client.user(&t.access_token).profile().await.unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
        let err = client
            .auth()
            .refresh(
                t.refresh_token.as_ref().expect("refresh"),
                Some(&Username::new(&user)),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
        assert!(err.to_string().contains("revoked"), "{err}");
    }
}

#[tokio::test]
async fn groups_from_a_token_are_read_only_after_the_verifier_accepts_it() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let user = unique("gina");
    confirmed_user(&client, &user).await;
    client
        .admin()
        .groups()
        .create(NewGroup::new("admin"))
        .await
        .expect("group");
    client
        .admin()
        .groups()
        .add_user(&user, "admin")
        .await
        .expect("member");
    let t = tokens(
        client
            .auth()
            .sign_in(&user, PASSWORD)
            .await
            .expect("sign-in"),
    );

    assert_eq!(
        groups_from_token(&client, t.access_token.secret())
            .await
            .expect("verified"),
        ["admin"]
    );
    assert_eq!(
        groups_from_token(
            &client,
            t.id_token.as_ref().map(IdToken::secret).expect("id")
        )
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
    let err = groups_from_token(&client, &forged).await.unwrap_err();
    assert!(matches!(err, VerifyError::InvalidSignature), "{err:?}");

    assert!(groups_from_token(&client, "not.a.token").await.is_err());
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
            .auth()
            .sign_in(&user, PASSWORD)
            .await
            .expect("sign-in"),
    );
    let me = client.user(&t.access_token);
    let secret = me
        .mfa()
        .associate_software_token()
        .await
        .expect("associate");
    assert_eq!(secret.secret_code, MOTO_TOTP_SECRET);
    let wrong = me
        .mfa()
        .verify_software_token("000000", Some("phone"))
        .await;
    // 000000 is the right code once in a million steps
    assert!(
        matches!(wrong, Err(CognitoError::CodeMismatch(_))),
        "{wrong:?}"
    );
    with_current_totp(&secret.secret_code, |code| {
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
    let me = client
        .user(&t.access_token)
        .profile()
        .await
        .expect("GetUser");
    assert_eq!(me.preferred_mfa.as_deref(), Some("SOFTWARE_TOKEN_MFA"));
    assert_eq!(me.mfa_methods, ["SOFTWARE_TOKEN_MFA"]);

    for admin in [false, true] {
        let result = if admin {
            client.admin().sign_in(&user, PASSWORD).await
        } else {
            client.auth().sign_in(&user, PASSWORD).await
        }
        .expect("password accepted");
        let SignInStep::TotpCode(challenge) = result else {
            panic!("SOFTWARE_TOKEN_MFA expected: {result:?}");
        };
        assert_eq!(challenge.challenge_name(), "SOFTWARE_TOKEN_MFA");

        let err = challenge.answer(&client, "000000").await.unwrap_err();
        assert!(matches!(err, CognitoError::CodeMismatch(_)), "{err:?}");

        let signed_in = with_current_totp(&secret.secret_code, |code| {
            let (client, challenge) = (client.clone(), challenge.clone());
            async move { challenge.answer(&client, &code).await }
        })
        .await
        .expect("code accepted");
        let t = tokens(signed_in);
        client
            .verifier()
            .verify_access(t.access_token.secret())
            .await
            .expect("verifies");
    }

    client
        .admin()
        .users()
        .set_mfa_preference(&user, MfaPreference::new().software_token(false, false))
        .await
        .expect("admin preference");
    tokens(
        client
            .auth()
            .sign_in(&user, PASSWORD)
            .await
            .expect("no MFA any more"),
    );
}
