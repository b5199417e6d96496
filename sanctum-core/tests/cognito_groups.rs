//! Groups and membership against moto's Cognito server.
#![cfg(all(feature = "cognito", feature = "test-util"))]

mod cognito_support;
mod emulators;

use cognito_support::{confirmed_user, unique};

use emulators::moto_pool;
use sanctum_core::cognito::{CognitoError, GroupUpdate, NewGroup};
use sanctum_testkit::moto::MotoPoolOptions;

#[tokio::test]
async fn create_get_update_list_and_delete_groups() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let admin = client
        .admin()
        .groups()
        .create(
            NewGroup::new("admin")
                .description("Administrators")
                .precedence(1),
        )
        .await
        .expect("created");
    assert_eq!(admin.name, "admin");
    assert_eq!(admin.description.as_deref(), Some("Administrators"));
    assert_eq!(admin.precedence, Some(1));

    let err = client
        .admin()
        .groups()
        .create(NewGroup::new("admin"))
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::GroupExists(_)), "{err:?}");

    client
        .admin()
        .groups()
        .create(NewGroup::new("staff"))
        .await
        .expect("created");
    let updated = client
        .admin()
        .groups()
        .update(
            "staff",
            GroupUpdate::new().description("Staff").precedence(5),
        )
        .await
        .expect("updated");
    assert_eq!(
        (updated.description.as_deref(), updated.precedence),
        (Some("Staff"), Some(5))
    );
    let got = client.admin().groups().get("staff").await.expect("get");
    assert_eq!(
        (got.description.as_deref(), got.precedence),
        (Some("Staff"), Some(5))
    );

    let mut names: Vec<_> = client
        .admin()
        .groups()
        .list_all()
        .await
        .expect("list")
        .into_iter()
        .map(|g| g.name)
        .collect();
    names.sort();
    assert_eq!(names, ["admin", "staff"]);

    client
        .admin()
        .groups()
        .delete("staff")
        .await
        .expect("deleted");
    let err = client.admin().groups().get("staff").await.unwrap_err();
    assert!(matches!(err, CognitoError::ResourceNotFound(_)), "{err:?}");
    assert_eq!(
        client
            .admin()
            .groups()
            .list_all()
            .await
            .expect("list")
            .len(),
        1
    );
}

#[tokio::test]
async fn membership_add_remove_groups_of_users_in_and_user_has_group() {
    let (_moto, _pool, client) = moto_pool(MotoPoolOptions::new()).await;
    let (alice, bob) = (unique("alice"), unique("bob"));
    confirmed_user(&client, &alice).await;
    confirmed_user(&client, &bob).await;
    client
        .admin()
        .groups()
        .create(NewGroup::new("admin"))
        .await
        .expect("group");
    client
        .admin()
        .groups()
        .create(NewGroup::new("staff"))
        .await
        .expect("group");

    client
        .admin()
        .groups()
        .add_user(&alice, "admin")
        .await
        .expect("added");
    client
        .admin()
        .groups()
        .add_user(&alice, "staff")
        .await
        .expect("added");
    client
        .admin()
        .groups()
        .add_user(&bob, "staff")
        .await
        .expect("added");

    assert!(
        client
            .admin()
            .groups()
            .user_has_group(&alice, "admin")
            .await
            .expect("asked")
    );
    assert!(
        !client
            .admin()
            .groups()
            .user_has_group(&bob, "admin")
            .await
            .expect("asked")
    );
    let mut of_alice: Vec<_> = client
        .admin()
        .groups()
        .of_user_all(&alice)
        .await
        .expect("of")
        .into_iter()
        .map(|g| g.name)
        .collect();
    of_alice.sort();
    assert_eq!(of_alice, ["admin", "staff"]);
    let mut in_staff: Vec<_> = client
        .admin()
        .groups()
        .users_in_all("staff")
        .await
        .expect("in")
        .into_iter()
        .map(|u| u.username)
        .collect();
    in_staff.sort();
    let mut expected = vec![alice.clone(), bob.clone()];
    expected.sort();
    assert_eq!(in_staff, expected);

    client
        .admin()
        .groups()
        .remove_user(&alice, "admin")
        .await
        .expect("removed");
    assert!(
        !client
            .admin()
            .groups()
            .user_has_group(&alice, "admin")
            .await
            .expect("asked")
    );

    let err = client
        .admin()
        .groups()
        .add_user(&unique("nobody"), "staff")
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::UserNotFound(_)), "{err:?}");
    let err = client
        .admin()
        .groups()
        .add_user(&alice, "no-such-group")
        .await
        .unwrap_err();
    assert!(matches!(err, CognitoError::ResourceNotFound(_)), "{err:?}");
}
