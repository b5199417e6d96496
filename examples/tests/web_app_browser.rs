//! The `web-app` example in a real browser: headless Chromium (Debian's `chromium`, driven
//! through `chromedriver` on a loopback port; `scripts/setup-chromium.sh` installs both, and
//! this test never skips) against fakecloud's managed-login form. A user signs in by clicking
//! `#sign-in` and filling Cognito's form, sees the pages the guards allow, is protected from
//! pages of other origins that post the sign-out form, and signs out to Cognito's `/logout`.
//!
//! The app runs on plain `http://127.0.0.1` with its production cookies (`__Host-`, `Secure`):
//! Chromium treats loopback hosts as secure contexts and keeps `Secure` cookies from them, so
//! no `dangerous_plain_http_cookies` is needed (see `sanctum_axum::session`).

mod common;

use axum::response::Html;
use common::webdriver::{Browser, Chromedriver};
use common::{App, Fixture, PASSWORD, fixture, free_port, start_app};
use serde_json::Value;

/// A page of another origin that posts the sign-out form to `target` as soon as it loads,
/// served on 127.0.0.1; its port.
async fn start_hostile_site(target: String) -> u16 {
    let page = format!(
        r#"<!doctype html><html><body>
<form id="attack" method="post" action="{target}"><button type="submit">win a prize</button></form>
<script>document.getElementById("attack").submit();</script>
</body></html>"#
    );
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { Html(page) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

/// Fills in Cognito's sign-in form (fakecloud's stand-in for the managed-login pages) once it
/// is shown, and sends it.
async fn sign_in_at_cognito(browser: &Browser, f: &Fixture, username: &str) {
    let authorize = format!("{}/oauth2/authorize?", f.fakecloud.endpoint());
    browser
        .wait_for_url("Cognito's sign-in form", |url| url.starts_with(&authorize))
        .await;
    let name = browser.element("input[name=username]").await;
    browser.type_into(&name, username).await;
    let password = browser.element("input[name=password]").await;
    browser.type_into(&password, PASSWORD).await;
    let submit = browser.element("button[type=submit]").await;
    browser.click(&submit).await;
}

/// The signed-in user's name on the home page.
async fn user_shown(browser: &Browser, app: &App) -> String {
    browser.goto(&format!("{}/", app.base)).await;
    let user = browser.element("#user").await;
    browser.text(&user).await
}

async fn scenario(browser: Browser, f: Fixture, app: App, hostile: u16) {
    // signed out: the sign-in link
    browser.goto(&format!("{}/", app.base)).await;
    let sign_in = browser.element("#sign-in").await;
    assert!(browser.find_all("#user").await.is_empty());

    // sign in through Cognito's form, back on the home page
    browser.click(&sign_in).await;
    sign_in_at_cognito(&browser, &f, &f.admin).await;
    let home = format!("{}/", app.base);
    browser
        .wait_for_url("back on the app", |url| url == home)
        .await;
    let user = browser.element("#user").await;
    assert_eq!(browser.text(&user).await, f.admin);
    let groups = browser.element("#groups").await;
    assert_eq!(browser.text(&groups).await, "admin");
    // the session cookie as the browser keeps it: host-only, Secure, HttpOnly, Lax
    let cookie = browser
        .cookie("__Host-sanctum-session")
        .await
        .expect("the browser keeps the session cookie on http://127.0.0.1");
    assert_eq!(
        (
            &cookie["secure"],
            &cookie["httpOnly"],
            &cookie["sameSite"],
            &cookie["path"]
        ),
        (
            &Value::Bool(true),
            &Value::Bool(true),
            &Value::from("Lax"),
            &Value::from("/")
        ),
        "{cookie}"
    );
    assert_eq!(
        browser.cookie("__Host-sanctum-login").await,
        None,
        "the sign-in cookie is consumed"
    );

    // the admin page for a member of `admin`
    browser.goto(&format!("{}/admin", app.base)).await;
    let heading = browser.element("#admin").await;
    assert_eq!(browser.text(&heading).await, "Administration");

    // pages of other origins post the sign-out form: refused, and the session stays.
    // 127.0.0.1 on another port is the same site (the cookie goes along, Sec-Fetch-Site says
    // same-site); localhost is another site (SameSite=Lax keeps the cookie back too).
    for origin in [
        format!("http://127.0.0.1:{hostile}"),
        format!("http://localhost:{hostile}"),
    ] {
        browser.goto(&format!("{origin}/")).await;
        let posted = browser
            .wait_for_url("the hostile form posted", |url| !url.starts_with(&origin))
            .await;
        assert_eq!(posted, format!("{}/logout", app.base), "{origin}");
        let source = browser.source().await;
        assert!(
            source.contains("cross_site_request"),
            "{origin}: not refused as cross-site: {source}"
        );
        assert_eq!(
            user_shown(&browser, &app).await,
            f.admin,
            "{origin}: the session survives"
        );
    }

    // sign out from the app's own page: on to Cognito's /logout, which would come back to the
    // app (fakecloud has no /logout page: the address the browser was sent to is checked)
    let sign_out = browser.element("#sign-out button[type=submit]").await;
    browser.click(&sign_out).await;
    let logout = format!("{}/logout?", f.fakecloud.endpoint());
    let url = browser
        .wait_for_url("sent to Cognito's /logout", |url| url.starts_with(&logout))
        .await;
    let query: Vec<(String, String)> =
        form_urlencoded::parse(url.split_once('?').expect("a query").1.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(
        query,
        [
            ("client_id".to_owned(), f.client_id.clone()),
            ("logout_uri".to_owned(), format!("{}/", app.base)),
        ],
        "{url}"
    );
    browser.goto(&format!("{}/", app.base)).await;
    browser.element("#sign-in").await;
    assert!(browser.find_all("#user").await.is_empty());

    // another user asks for the admin page: sent to sign in first, back to /admin, refused
    browser.goto(&format!("{}/admin", app.base)).await;
    sign_in_at_cognito(&browser, &f, &f.user).await;
    let admin = format!("{}/admin", app.base);
    browser
        .wait_for_url("back on /admin", |url| url == admin)
        .await;
    let source = browser.source().await;
    assert!(source.contains("insufficient_scope"), "{source}");
    assert!(browser.find_all("#admin").await.is_empty());
    assert_eq!(user_shown(&browser, &app).await, f.user);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_signs_in_in_chromium_is_kept_from_cross_site_sign_outs_and_signs_out_to_cognito() {
    let port = free_port();
    let f = fixture(&[port]).await;
    let app = start_app(&f, port, None);
    let hostile = start_hostile_site(format!("{}/logout", app.base)).await;
    let chromedriver = Chromedriver::start();
    let browser = chromedriver.browser().await;

    // the browser quits whatever happens, then a failure goes on
    let outcome = tokio::spawn(scenario(browser.clone(), f, app, hostile)).await;
    browser.quit().await;
    if let Err(failed) = outcome {
        std::panic::resume_unwind(failed.into_panic());
    }
}
