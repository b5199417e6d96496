//! The shared conformance table (the repository's sanctum-testkit) run through one axum router: in
//! process with `oneshot`, and over real TCP with `axum::serve` and reqwest; and (feature
//! `tonic`) once more with every layer answering gRPC statuses, each refusal checked for its
//! gRPC code.

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

/// Every case of the table sent as a gRPC call (`content-type: application/grpc`) to the same
/// routes, their layers built with `.grpc()`: every refusal the layer, the guards and the
/// extractors can give arrives as a trailers-only gRPC answer with its code
/// (`Case::grpc_code`) and reason; what passes is answered as in the HTTP table.
#[cfg(feature = "tonic")]
#[tokio::test]
async fn every_conformance_refusal_answers_its_grpc_status() {
    use conformance_app::{Answers, conformance_router_answering};

    let env = ConformanceEnv::start().await.expect("start the issuers");
    let sessions = Sessions::start(&env).await;
    let router = conformance_router_answering(&env, &sessions, Answers::Grpc);
    let mut report = Report::default();
    let mut refused = std::collections::BTreeSet::new();
    for case in env.cases() {
        let mut request = Request::builder()
            .method(case.method)
            .uri(case.uri())
            .header("content-type", "application/grpc");
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
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let grpc_status = header("grpc-status");
        let location = header("location");
        // tonic's own reading of the answer: the code and the percent-decoded message
        let message = tonic::Status::from_header_map(response.headers())
            .map(|status| status.message().to_owned());
        if let Some(code) = case.grpc_code() {
            refused.insert(code);
        }
        let answer = answer(response).await;
        report.record(case.check_grpc_answer(
            answer.status,
            content_type.as_deref(),
            grpc_status.as_deref(),
            message.as_deref(),
            answer.www_authenticate.as_deref(),
            location.as_deref(),
            &answer.body,
        ));
    }
    report.assert_all_passed();
    // the table reaches every code a layer answers with
    assert_eq!(
        refused.into_iter().collect::<Vec<_>>(),
        [3, 7, 13, 14, 16],
        "InvalidArgument, PermissionDenied, Internal, Unavailable, Unauthenticated"
    );
}
