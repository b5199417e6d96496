//! The `web-app` binary (axum) over TCP against fakecloud's managed login: the scenarios of
//! `common/web_app_scenarios.rs` (sign-in, pages and guards, every callback refusal, CSRF on
//! sign-out, sign-out to Cognito's `/logout`, two instances on one redis-server), which
//! `web_app_actix.rs` runs against `web-app-actix` too.

mod common;

use common::web_app_scenarios as scenario;

const BIN: &str = env!("CARGO_BIN_EXE_web-app");

#[tokio::test]
async fn a_user_signs_in_through_managed_login_sees_the_pages_the_guards_allow_and_signs_out() {
    scenario::sign_in_pages_and_sign_out(BIN).await;
}

#[tokio::test]
async fn every_refused_callback_answers_4xx_and_makes_no_session() {
    scenario::refused_callbacks(BIN).await;
}

#[tokio::test]
async fn two_instances_share_sessions_and_sign_outs_through_one_redis() {
    scenario::two_instances_on_one_redis(BIN).await;
}
