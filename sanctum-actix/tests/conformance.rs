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
    let sessions = conformance_app::Sessions::start(&env).await;
    let app = test::init_service(
        App::new().configure(conformance_app::conformance_routes(&env, &sessions)),
    )
    .await;
    let run = async {
        let mut report = Report::default();
        for case in env.cases() {
            let mut request = test::TestRequest::default()
                .method(case.method.parse().expect("a method"))
                .uri(&case.uri());
            for (name, value) in &case.headers {
                request = request.append_header((name.as_str(), value.as_str()));
            }
            if let Some(user) = case.session {
                request = request.append_header(sessions.cookie(user));
            }
            for (name, value) in &case.raw_headers {
                request = request.append_header((name.as_str(), value.as_slice()));
            }
            let response = test::call_service(&app, request.to_request()).await;
            let status = response.status().as_u16();
            let challenge = common::challenge(response.headers());
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = test::read_body(response).await;
            report.record(case.check_answer(
                status,
                challenge.as_deref(),
                location.as_deref(),
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
    let sessions = conformance_app::Sessions::start(&env).await;
    let routes = conformance_app::conformance_routes(&env, &sessions);
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
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client builds");
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
                        .map(|v| v.to_str().unwrap_or("<not UTF-8>").to_owned());
                    let location = response
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let body = response.text().await.unwrap_or_default();
                    case.check_answer(status, challenge.as_deref(), location.as_deref(), &body)
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
