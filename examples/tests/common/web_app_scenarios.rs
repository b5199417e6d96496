//! The request-level scenarios of the web-app examples, run against each binary (`web-app` on
//! axum by `web_app.rs`, `web-app-actix` by `web_app_actix.rs`): the same contract, the same
//! answers. Over TCP against fakecloud's managed login (its form signs in from
//! `username`/`password` in the authorize query, as a browser posting it would): sign-in, the
//! pages and their guards, every callback refusal (no sign-in cookie, forged state, a used
//! code, Cognito's `error=`), CSRF on sign-out, sign-out to Cognito's `/logout`; and two
//! instances on one redis-server sharing sessions (made on A, used on B; signed out on B,
//! refused on A at once).

use serde_json::{Value, json};

use super::{App, PASSWORD, fixture, free_port, start_app_binary, start_redis};

const SESSION: &str = "__Host-sanctum-session";
const LOGIN: &str = "__Host-sanctum-login";

/// An answer: status, `Location`, the cookies set (`name=value`, or `name=` when removed),
/// body.
#[derive(Debug)]
struct Answer {
    status: u16,
    location: Option<String>,
    set_cookies: Vec<String>,
    body: String,
}

impl Answer {
    fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
    }

    fn sets_session(&self) -> bool {
        self.cookie(SESSION)
            .is_some_and(|c| c.len() > SESSION.len() + 1)
    }
}

async fn read(response: reqwest::Response) -> Answer {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let location = header("location");
    let set_cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    Answer {
        status: response.status().as_u16(),
        location,
        set_cookies,
        body: response.text().await.unwrap_or_default(),
    }
}

impl App {
    async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        read(request.send().await.expect("web-app answers")).await
    }

    async fn post(&self, path: &str, cookie: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", cookie);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        read(request.send().await.expect("web-app answers")).await
    }

    /// `/login`, fakecloud's form with `username`/`password`: the callback's path and query,
    /// and the sign-in cookie.
    async fn to_callback(&self, username: &str, password: &str) -> (String, String) {
        let start = self.get("/login", None).await;
        assert_eq!(start.status, 303, "{start:?}");
        let login_cookie = start.cookie(LOGIN).expect("the sign-in cookie");
        let url = start.location.expect("the authorize URL");
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("username", username)
            .append_pair("password", password)
            .finish();
        let form = read(
            self.http
                .get(format!("{url}&{query}"))
                .send()
                .await
                .expect("fakecloud answers"),
        )
        .await;
        assert_eq!(form.status, 302, "{form:?}");
        let location = form.location.expect("back to the callback");
        let path = location
            .strip_prefix(&self.base)
            .expect("the app's callback")
            .to_owned();
        (path, login_cookie)
    }

    /// Signs `username` in; the session cookie.
    async fn sign_in(&self, username: &str) -> String {
        let (callback, login_cookie) = self.to_callback(username, PASSWORD).await;
        let done = self.get(&callback, Some(&login_cookie)).await;
        assert_eq!(
            (done.status, done.location.as_deref()),
            (303, Some("/")),
            "{done:?}"
        );
        assert!(
            done.cookie(LOGIN).is_some(),
            "the sign-in cookie is removed"
        );
        done.cookie(SESSION).expect("a session cookie")
    }
}

/// A user signs in through managed login, sees the pages the guards allow, and signs out.
pub(crate) async fn sign_in_pages_and_sign_out(bin: &str) {
    let port = free_port();
    let f = fixture(&[port]).await;
    let app = start_app_binary(bin, &f, port, None);

    let home = app.get("/", None).await;
    assert!(
        home.body.contains(r#"id="sign-in" href="/login""#),
        "{home:?}"
    );
    let anonymous = app.get("/admin", None).await;
    assert_eq!(
        (anonymous.status, anonymous.location.as_deref()),
        (303, Some("/login?next=%2Fadmin"))
    );
    assert_eq!(app.get("/me", None).await.status, 401);
    // federation: straight to the named provider, through Cognito's authorize endpoint
    let google = app
        .get("/login?identity_provider=Google&next=%2Fadmin", None)
        .await;
    assert_eq!(google.status, 303, "{google:?}");
    let to = google.location.as_deref().unwrap_or_default();
    assert!(
        to.starts_with(&format!("{}/oauth2/authorize?", f.fakecloud.endpoint()))
            && to.contains("&identity_provider=Google"),
        "{to}"
    );

    let admin = app.sign_in(&f.admin).await;
    let home = app.get("/", Some(&admin)).await;
    assert!(
        home.body
            .contains(&format!(r#"<span id="user">{}</span>"#, f.admin)),
        "{home:?}"
    );
    assert!(
        home.body.contains(r#"<span id="groups">admin</span>"#),
        "{home:?}"
    );
    assert!(
        home.body
            .contains(r#"<form id="sign-out" method="post" action="/logout">"#)
    );
    let me = app.get("/me", Some(&admin)).await;
    assert_eq!(me.status, 200);
    let me: Value = serde_json::from_str(&me.body).expect("JSON");
    assert_eq!(me["username"], f.admin.as_str());
    assert_eq!(me["groups"], json!(["admin"]));
    assert!(me["sub"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(app.get("/admin", Some(&admin)).await.status, 200);

    let user = app.sign_in(&f.user).await;
    assert_ne!(user, admin);
    assert_eq!(app.get("/admin", Some(&user)).await.status, 403);
    assert_eq!(app.get("/me", Some(&user)).await.status, 200);

    // sign-out from another site changes nothing
    for headers in [
        &[("sec-fetch-site", "cross-site")][..],
        &[("origin", "https://evil.example")][..],
        &[][..],
    ] {
        let refused = app.post("/logout", &admin, headers).await;
        assert_eq!(refused.status, 403, "{headers:?}: {refused:?}");
    }
    assert_eq!(app.get("/me", Some(&admin)).await.status, 200);

    // from the app's page: the session ends, and the browser goes to Cognito's /logout
    let out = app.post("/logout", &admin, &[("origin", &app.base)]).await;
    assert_eq!(out.status, 303, "{out:?}");
    let expected = format!(
        "{}/logout?client_id={}&logout_uri={}",
        f.fakecloud.endpoint(),
        f.client_id,
        form_urlencoded::byte_serialize(format!("{}/", app.base).as_bytes()).collect::<String>()
    );
    assert_eq!(out.location.as_deref(), Some(expected.as_str()));
    assert_eq!(app.get("/me", Some(&admin)).await.status, 401);
    let home = app.get("/", Some(&admin)).await;
    assert!(home.body.contains(r#"id="sign-in""#));
    // the other user's session is untouched
    assert_eq!(app.get("/me", Some(&user)).await.status, 200);
}

/// Every refused callback answers 4xx and makes no session.
pub(crate) async fn refused_callbacks(bin: &str) {
    let port = free_port();
    let f = fixture(&[port]).await;
    let app = start_app_binary(bin, &f, port, None);

    // no sign-in cookie: not this browser's sign-in (login CSRF)
    let (callback, login_cookie) = app.to_callback(&f.user, PASSWORD).await;
    let foreign = app.get(&callback, None).await;
    assert_eq!(foreign.status, 400, "{foreign:?}");
    assert!(!foreign.sets_session());
    // a forged state
    let forged_path = format!(
        "{}&state=forged",
        callback.split("&state=").next().expect("query")
    );
    let forged = app.get(&forged_path, Some(&login_cookie)).await;
    assert_eq!(forged.status, 403, "{forged:?}");
    assert!(!forged.sets_session());
    // the real one works once; the same code again is refused
    let done = app.get(&callback, Some(&login_cookie)).await;
    assert_eq!(done.status, 303, "{done:?}");
    assert!(done.sets_session());
    let again = app.get(&callback, Some(&login_cookie)).await;
    assert_eq!(again.status, 400, "{again:?}");
    assert!(again.body.contains("invalid_grant"), "{again:?}");
    assert!(!again.sets_session());
    // Cognito's error answer (a wrong password at the form)
    let (denied, login_cookie) = app.to_callback(&f.user, "Wrong-Passw0rd").await;
    assert!(denied.contains("error=access_denied"), "{denied}");
    let answer = app.get(&denied, Some(&login_cookie)).await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert!(!answer.sets_session());
    // no state at all
    let bare = app.get("/callback?code=abc", Some(&login_cookie)).await;
    assert_eq!(bare.status, 400);
    assert!(!bare.sets_session());
}

/// Two instances share sessions and sign-outs through one redis-server.
pub(crate) async fn two_instances_on_one_redis(bin: &str) {
    let (_redis, redis_url) = start_redis();
    let (port_a, port_b) = (free_port(), free_port());
    let f = fixture(&[port_a, port_b]).await;
    let a = start_app_binary(bin, &f, port_a, Some(&redis_url));
    let b = start_app_binary(bin, &f, port_b, Some(&redis_url));

    let session = a.sign_in(&f.admin).await;
    let on_b = b.get("/me", Some(&session)).await;
    assert_eq!(on_b.status, 200, "{on_b:?}");
    assert_eq!(b.get("/admin", Some(&session)).await.status, 200);

    let out = b
        .post("/logout", &session, &[("sec-fetch-site", "same-origin")])
        .await;
    assert_eq!(out.status, 303, "{out:?}");
    // the store no longer holds it: refused on A at once (well within a second)
    assert_eq!(a.get("/me", Some(&session)).await.status, 401);
    assert_eq!(b.get("/me", Some(&session)).await.status, 401);
}
