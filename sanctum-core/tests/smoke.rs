#![allow(missing_docs)]
use sanctum_core::testing::TestIssuer;

#[tokio::test]
async fn smoke() {
    let issuer = TestIssuer::start().await.unwrap();
    let v = issuer.verifier();
    let t = issuer.access_token().groups(["admin"]).build();
    let c = v.verify_access(&t).await.unwrap();
    assert!(c.has_group("admin"));
    assert_eq!(issuer.jwks_requests(), 1);
    let c2 = v.verify_access(&t).await.unwrap();
    assert_eq!(c, c2);
}
