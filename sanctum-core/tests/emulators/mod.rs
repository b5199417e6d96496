//! The moto and fakecloud pools of the Cognito tests, from the repository's unpublished
//! `sanctum-testkit`: the tests using this module are left out of the published package.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use sanctum_core::cognito::SanctumClient;
use sanctum_testkit::fakecloud::{FakecloudPool, FakecloudPoolOptions, FakecloudServer};
use sanctum_testkit::moto::{MotoPool, MotoPoolOptions, MotoServer};

/// The shared moto server, a fresh pool in it and a client for that pool.
pub async fn moto_pool(options: MotoPoolOptions) -> (Arc<MotoServer>, MotoPool, SanctumClient) {
    let moto = MotoServer::shared();
    let pool = moto
        .create_pool_with(options)
        .await
        .expect("moto creates a pool");
    let client = pool.client().await.expect("client builds");
    (moto, pool, client)
}

/// The shared fakecloud server, a fresh pool in it and a client for that pool (SRP sign-in).
pub async fn fakecloud_pool(
    options: FakecloudPoolOptions,
) -> (Arc<FakecloudServer>, FakecloudPool, SanctumClient) {
    let fakecloud = FakecloudServer::shared();
    let pool = fakecloud
        .create_pool_with(options)
        .await
        .expect("fakecloud creates a pool");
    let client = pool.client().await.expect("client builds");
    (fakecloud, pool, client)
}
