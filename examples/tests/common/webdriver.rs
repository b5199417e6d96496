//! Headless Chromium through chromedriver: the few W3C WebDriver commands the browser test
//! needs (<https://www.w3.org/TR/webdriver2/>), JSON over the workspace's reqwest.
//!
//! Why not a WebDriver crate: fantoccini 0.22's `webdriver` 0.53 is MPL-2.0 (not on
//! deny.toml's list) and brings 14 second versions of crates (the icu 1.5 stack, thiserror 1,
//! cookie 0.16); thirtyfour 0.38 turns on serde_json's `preserve_order` for every crate built
//! with it, which changes the order of JSON maps in the whole workspace's tests (a
//! sanctum-core test failed on it); chromiumoxide compiles the generated DevTools protocol.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Process, free_port};

/// Debian's Chromium and its driver (`scripts/setup-chromium.sh`).
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
/// See [`CHROMIUM`].
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The longest wait for anything the browser does (a page, a redirect chain, an element).
pub(crate) const WAIT: Duration = Duration::from_secs(30);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(100);
/// The W3C name of an element reference in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// chromedriver on a loopback port, with a fresh Chromium profile directory; the driver is
/// killed and the profile removed on drop (quit the [`Browser`] first: that ends Chromium).
pub(crate) struct Chromedriver {
    _process: Process,
    url: String,
    profile: PathBuf,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Chromedriver {
    /// Starts chromedriver, accepting connections from 127.0.0.1 only.
    ///
    /// # Panics
    /// When Chromium or chromedriver is missing (run `scripts/setup-chromium.sh`: the browser
    /// test never skips), or chromedriver does not answer within [`WAIT`].
    pub(crate) fn start() -> Self {
        for binary in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(binary).is_file(),
                "{binary} is missing: run scripts/setup-chromium.sh (the browser test never skips)"
            );
        }
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs");
        let process = Process(child);
        let deadline = Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            _process: process,
            url: format!("http://127.0.0.1:{port}"),
            profile: std::env::temp_dir()
                .join(format!("sanctum-chromium-{}-{port}", std::process::id())),
        }
    }

    /// A headless Chromium session with the fresh profile and nothing that calls out of the
    /// machine (no sync, component updates, QUIC or background requests).
    pub(crate) async fn browser(&self) -> Browser {
        let http = reqwest::Client::builder()
            .timeout(WAIT * 2)
            .build()
            .expect("client");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            &format!("--user-data-dir={}", self.profile.display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            "timeouts": {"pageLoad": u64::try_from(WAIT.as_millis()).unwrap_or(u64::MAX), "implicit": 0},
        }}});
        let answer = call(
            &http,
            reqwest::Method::POST,
            &format!("{}/session", self.url),
            Some(capabilities),
        )
        .await
        .expect("a Chromium session (chromedriver and chromium of one version)");
        let id = answer["sessionId"].as_str().expect("a session id");
        Browser {
            http,
            session: format!("{}/session/{id}", self.url),
        }
    }
}

/// One WebDriver command: its `value`, or the driver's error (`error: message`).
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let json: Value = response.json().await.map_err(|e| e.to_string())?;
    let value = json.get("value").cloned().unwrap_or(Value::Null);
    if status.is_success() {
        Ok(value)
    } else {
        Err(format!(
            "{}: {}",
            value["error"].as_str().unwrap_or("error"),
            value["message"].as_str().unwrap_or_default()
        ))
    }
}

/// A browser session (a window). Cheap to clone; [`quit`](Self::quit) it before dropping its
/// [`Chromedriver`].
#[derive(Clone)]
pub(crate) struct Browser {
    http: reqwest::Client,
    session: String,
}

/// An element of the current page.
pub(crate) struct Element(String);

impl Browser {
    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        call(&self.http, method, &format!("{}{path}", self.session), body)
            .await
            .unwrap_or_else(|err| panic!("WebDriver {path}: {err}"))
    }

    /// Loads `url` (waits for the page, at most [`WAIT`]).
    pub(crate) async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// The current page's URL.
    pub(crate) async fn url(&self) -> String {
        let url = self.command(reqwest::Method::GET, "/url", None).await;
        url.as_str().expect("a URL").to_owned()
    }

    /// The current page's HTML (as the browser has it).
    pub(crate) async fn source(&self) -> String {
        let source = self.command(reqwest::Method::GET, "/source", None).await;
        source.as_str().expect("the page").to_owned()
    }

    /// The elements matching the CSS `selector` now.
    pub(crate) async fn find_all(&self, selector: &str) -> Vec<Element> {
        let found = self
            .command(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": selector})),
            )
            .await;
        found
            .as_array()
            .expect("a list")
            .iter()
            .map(|e| Element(e[ELEMENT].as_str().expect("an element").to_owned()))
            .collect()
    }

    /// Waits (at most [`WAIT`]) for an element matching `selector`.
    pub(crate) async fn element(&self, selector: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(element) = self.find_all(selector).await.into_iter().next() {
                return element;
            }
            assert!(
                Instant::now() < deadline,
                "no {selector} at {}: {}",
                self.url().await,
                self.source().await
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits (at most [`WAIT`]) until the page's URL satisfies `done`; the URL.
    pub(crate) async fn wait_for_url(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = self.url().await;
            if done(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "{what}: still at {url}");
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks `element`.
    pub(crate) async fn click(&self, element: &Element) {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        )
        .await;
    }

    /// Types `text` into `element`.
    pub(crate) async fn type_into(&self, element: &Element, text: &str) {
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.0),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// The rendered text of `element`.
    pub(crate) async fn text(&self, element: &Element) -> String {
        let text = self
            .command(
                reqwest::Method::GET,
                &format!("/element/{}/text", element.0),
                None,
            )
            .await;
        text.as_str().expect("text").to_owned()
    }

    /// The cookie `name` of the current page's host as the browser keeps it (`name`,
    /// `value`, `path`, `secure`, `httpOnly`, `sameSite`, ...), if there is one.
    pub(crate) async fn cookie(&self, name: &str) -> Option<Value> {
        let url = format!("{}/cookie/{name}", self.session);
        match call(&self.http, reqwest::Method::GET, &url, None).await {
            Ok(cookie) => Some(cookie),
            Err(err) if err.starts_with("no such cookie") => None,
            Err(err) => panic!("WebDriver /cookie/{name}: {err}"),
        }
    }

    /// Ends the session (and its Chromium).
    pub(crate) async fn quit(&self) {
        let _ = call(&self.http, reqwest::Method::DELETE, &self.session, None).await;
    }
}
