//! The shared conformance table (the repository's sanctum-testkit) run through one axum router: in
//! process with `oneshot`, and over real TCP with `axum::serve` and reqwest.

mod common;
mod conformance_app;

use std::time::Duration;

use axum::body::Body;
use http::Request;
use sanctum_testkit::conformance::{ConformanceEnv, Report};
use tower::ServiceExt as _;

use common::answer;
use conformance_app::{Sessions, conformance_router};

#[tokio::test]
async fn every_conformance_case_passes_in_process() {
    let env = ConformanceEnv::start().await.expect("start the issuers");
    let sessions = Sessions::start(&env).await;
    let router = conformance_router(&env, &sessions);
    let mut report = Report::default();
    for case in env.cases() {
        let mut request = Request::builder().method(case.method).uri(case.uri());
        for (name, value) in &case.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        for (name, value) in &case.raw_headers {
            request = request.header(name.as_str(), value.as_slice());
        }
        if let Some(user) = case.session {
            let (name, value) = sessions.cookie(user);
            request = request.header(name, value);
        }
        let request = request.body(Body::empty()).expect("a valid request");
        let response = router.clone().oneshot(request).await.expect("infallible");
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let answer = answer(response).await;
        report.record(case.check_answer(
            answer.status,
            answer.www_authenticate.as_deref(),
            location.as_deref(),
            &answer.body,
        ));
    }
    report.assert_all_passed();
}

#[tokio::test]
async fn every_conformance_case_passes_over_tcp() {
    let env = ConformanceEnv::start().await.expect("start the issuers");
    let sessions = Sessions::start(&env).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        axum::serve(listener, conformance_router(&env, &sessions))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future(),
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");

    let run = async {
        let mut report = Report::default();
        for case in env.cases() {
            let method = reqwest::Method::from_bytes(case.method.as_bytes()).expect("a method");
            let mut request = client.request(method, format!("http://{addr}{}", case.uri()));
            for (name, value) in &case.headers {
                request = request.header(name.as_str(), value.as_str());
            }
            if let Some(user) = case.session {
                let (name, value) = sessions.cookie(user);
                request = request.header(name, value);
            }
            for (name, value) in &case.raw_headers {
                request = request.header(name.as_str(), value.as_slice());
            }
            let result = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let challenge = response
                        .headers()
                        .get("www-authenticate")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let location = response
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let body = response.text().await.unwrap_or_default();
                    case.check_answer(status, challenge.as_deref(), location.as_deref(), &body)
                }
                Err(e) => Err(format!("{}: request failed: {e}", case.name)),
            };
            report.record(result);
        }
        report
    };
    let report = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the table runs within a minute");
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    report.assert_all_passed();
}
