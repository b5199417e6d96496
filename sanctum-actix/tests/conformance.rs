//! The shared conformance table of the repository's `sanctum-testkit`, through a real actix-web `App` and over
//! real TCP.

mod common;
mod conformance_app;

use std::time::Duration;

use actix_web::{App, HttpServer, test};
use sanctum_testkit::conformance::{ConformanceEnv, Report};

const DEADLINE: Duration = Duration::from_secs(120);

#[actix_web::test]
async fn every_conformance_case_passes_through_an_actix_app() {
    let env = ConformanceEnv::start().await.expect("test issuers start");
    let app =
        test::init_service(App::new().configure(conformance_app::conformance_routes(&env))).await;
    let run = async {
        let mut report = Report::default();
        for case in env.cases() {
            let mut request = test::TestRequest::get().uri(case.route.path());
            for (name, value) in &case.headers {
                request = request.append_header((name.as_str(), value.as_str()));
            }
            for (name, value) in &case.raw_headers {
                request = request.append_header((name.as_str(), value.as_slice()));
            }
            let response = test::call_service(&app, request.to_request()).await;
            let status = response.status().as_u16();
            let challenge = common::challenge(response.headers());
            let body = test::read_body(response).await;
            report.record(case.check(
                status,
                challenge.as_deref(),
                &String::from_utf8_lossy(&body),
            ));
        }
        report
    };
    let report = tokio::time::timeout(DEADLINE, run)
        .await
        .expect("the table runs in time");
    report.assert_all_passed();
}

#[actix_web::test]
async fn every_conformance_case_passes_over_tcp() {
    let env = ConformanceEnv::start().await.expect("test issuers start");
    let routes = conformance_app::conformance_routes(&env);
    let server = HttpServer::new(move || App::new().configure(routes.clone()))
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(("127.0.0.1", 0))
        .expect("binds 127.0.0.1:0");
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client builds");
    let run = async {
        let mut report = Report::default();
        for case in env.cases() {
            let mut request = client.get(format!("http://{addr}{}", case.route.path()));
            for (name, value) in &case.headers {
                request = request.header(name.as_str(), value.as_str());
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
                        .map(|v| v.to_str().unwrap_or("<not UTF-8>").to_owned());
                    let body = response.text().await.unwrap_or_default();
                    case.check(status, challenge.as_deref(), &body)
                }
                Err(err) => Err(format!("{}: request failed: {err}", case.name)),
            };
            report.record(result);
        }
        report
    };
    let report = tokio::time::timeout(DEADLINE, run).await;
    tokio::time::timeout(Duration::from_secs(10), handle.stop(true))
        .await
        .expect("the server stops in time");
    report.expect("the table runs in time").assert_all_passed();
}

#[actix_web::test]
async fn the_optional_routes_anonymous_answer_is_the_tables() {
    assert_eq!(common::ANONYMOUS, sanctum_testkit::conformance::ANONYMOUS);
}
