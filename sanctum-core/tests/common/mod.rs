//! Shared helpers of the integration tests.
#![allow(dead_code, unreachable_pub)]

use sanctum_core::ManualClock;
use sanctum_core::testing::TestIssuer;

/// An issuer and a clock shared with it, so tokens and verifier agree on "now".
pub async fn issuer_with_clock() -> (TestIssuer, ManualClock) {
    let clock = ManualClock::starting_now();
    let issuer = TestIssuer::builder()
        .clock(clock.clone())
        .start()
        .await
        .expect("issuer starts");
    (issuer, clock)
}

/// A verifier of `issuer`'s pool with the verified-token cache off, so every call verifies.
pub fn uncached_verifier(issuer: &TestIssuer) -> sanctum_core::Verifier {
    issuer
        .verifier_builder()
        .token_cache(false)
        .build()
        .expect("builds")
}
