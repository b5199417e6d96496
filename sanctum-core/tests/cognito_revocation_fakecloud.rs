//! `Auth::revoke_session` against fakecloud, which implements `RevokeToken` (moto does
//! not). fakecloud's tokens carry no `origin_jti` (real Cognito's do): with a revocation store a
//! session token without one is refused before anything is revoked; without a store the refresh
//! token is revoked as by `Auth::revoke`. Needs fakecloud (`scripts/setup-fakecloud.sh`); without
//! it these tests fail, never skip.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;
mod emulators;

use std::sync::Arc;

use cognito_support::{PASSWORD, confirmed_user, unique};

use emulators::fakecloud_pool;
use sanctum_core::cognito::CognitoError;
use sanctum_core::credentials::Username;
use sanctum_core::revocation::InMemoryRevocations;
use sanctum_testkit::fakecloud::FakecloudPoolOptions;

#[tokio::test]
async fn revoke_session_revokes_the_refresh_token_and_refuses_a_session_token_without_origin_jti() {
    let (_fc, pool, client) = fakecloud_pool(FakecloudPoolOptions::new()).await;
    let user = unique("rita");
    confirmed_user(&client, &user).await;
    let sign_in = || async {
        client
            .auth()
            .sign_in(&user, PASSWORD)
            .await
            .expect("sign-in")
            .into_tokens()
            .expect("tokens")
    };

    // with a store: fakecloud's access token has no origin_jti, so nothing is revoked
    let store = Arc::new(InMemoryRevocations::new());
    let recording = pool
        .client_builder()
        .revocations(store.clone())
        .build()
        .await
        .expect("client builds");
    let tokens = sign_in().await;
    let refresh = tokens.refresh_token.clone().expect("refresh token");
    let err = recording.auth().revoke_tokens(&tokens).await.unwrap_err();
    assert!(
        matches!(
            err,
            CognitoError::InvalidArgument {
                what: "session_token",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(store.is_empty());
    client
        .auth()
        .refresh(&refresh, Some(&Username::new(&user)))
        .await
        .expect("not revoked: it still refreshes");

    // without a store: revoked at Cognito, as Auth::revoke
    client
        .auth()
        .revoke_session(&refresh, &tokens.access_token)
        .await
        .expect("revoked");
    let err = client
        .auth()
        .refresh(&refresh, Some(&Username::new(&user)))
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::NotAuthorized(_)), "{err:?}");
}
