//! Headless Chromium (Debian's chromium + chromedriver) driven over WebDriver: what a reader's browser does.

use crate::support::{stylesheet_href, TestApp};
use crate::Test;
use base64::Engine;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const TESTS: &[Test] = &[
    ("browser_reader_follows_a_post_link_and_pages_fit_a_phone", browser_reader_follows_a_post_link_and_pages_fit_a_phone),
    ("browser_reader_writes_a_comment_and_gets_the_private_link", browser_reader_writes_a_comment_and_gets_the_private_link),
    ("browser_a_refused_comment_brings_the_reader_back_to_the_form", browser_a_refused_comment_brings_the_reader_back_to_the_form),
    ("browser_author_signs_in_and_approves_a_comment", browser_author_signs_in_and_approves_a_comment),
    ("browser_a_second_page_does_not_ask_for_the_stylesheet_again", browser_a_second_page_does_not_ask_for_the_stylesheet_again),
];

/// A chromedriver process and one browser session, closed on drop.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub fn start() -> Browser {
        Browser::launch(false)
    }

    /// A browser that also records every network request (Chromium's performance log), for [`Browser::requested_urls`].
    pub fn start_recording() -> Browser {
        Browser::launch(true)
    }

    fn launch(record_network: bool) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port");
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start /usr/bin/chromedriver (Debian package chromium-driver; `make tools` installs it)");
        let agent =
            ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(60))).build().new_agent();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while agent.get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut always = json!({"browserName": "chrome", "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}});
        if record_network {
            always["goog:loggingPrefs"] = json!({"performance": "ALL"});
        }
        let caps = json!({"capabilities": {"alwaysMatch": always}});
        let mut browser = Browser { driver, base, session: String::new(), agent, _profile: profile };
        let created = browser.call("POST", "/session", Some(caps));
        browser.session = created["sessionId"].as_str().expect("session id").to_string();
        browser
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.request(method, path, body).unwrap_or_else(|error| panic!("WebDriver {method} {path}: {error}"))
    }

    /// One WebDriver command; a WebDriver error (such as "no such element") comes back as `Err` with its JSON.
    fn request(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let url = if path == "/session" { format!("{}{path}", self.base) } else { format!("{}/session/{}{path}", self.base, self.session) };
        let result = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self.agent.post(&url).send_json(body.unwrap_or_else(|| json!({}))),
        };
        let mut response = result.unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let value: Value = response.body_mut().with_config().limit(64 * 1024 * 1024).read_json().expect("WebDriver JSON");
        match value["value"].get("error") {
            Some(_) => Err(value["value"].clone()),
            None => Ok(value["value"].clone()),
        }
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    /// The first element matching `css`, waiting up to 15 s for it: a click that submits a form returns before
    /// the next page has loaded, and a slow machine must not turn that into a failure.
    pub fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.request("POST", "/element", Some(json!({"using": "css selector", "value": css}))) {
                Ok(found) => {
                    return found.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("element id").to_string()
                }
                Err(error) if error["error"] == "no such element" && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100))
                }
                Err(error) => {
                    let page = self.script("return document.body ? document.body.innerText.slice(0, 800) : ''");
                    panic!("no element {css} on {}: {}\npage text: {page}", self.current_url(), error["message"])
                }
            }
        }
    }

    /// Waits up to 15 s for an element matching `css` whose text contains `expected` (the page after a click
    /// may still be the one before it), and returns that text.
    pub fn wait_for_text(&self, css: &str, expected: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        let script = format!("const e = document.querySelector({}); return e ? e.innerText : null", json!(css));
        loop {
            let seen = self.request("POST", "/execute/sync", Some(json!({"script": script, "args": []})));
            let text = seen.ok().and_then(|v| v.as_str().map(str::to_string));
            match text {
                Some(text) if text.contains(expected) => return text,
                _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
                other => panic!("{css} on {} never showed {expected:?}; last seen: {other:?}", self.current_url()),
            }
        }
    }

    pub fn text(&self, element: &str) -> String {
        self.call("GET", &format!("/element/{element}/text"), None).as_str().unwrap_or_default().to_string()
    }

    pub fn type_into(&self, element: &str, text: &str) {
        self.call("POST", &format!("/element/{element}/value"), Some(json!({ "text": text })));
    }

    pub fn click(&self, element: &str) {
        self.call("POST", &format!("/element/{element}/click"), Some(json!({})));
    }

    pub fn current_url(&self) -> String {
        self.call("GET", "/url", None).as_str().unwrap_or_default().to_string()
    }

    pub fn script(&self, js: &str) -> Value {
        self.call("POST", "/execute/sync", Some(json!({"script": js, "args": []})))
    }

    /// Runs a Chrome DevTools Protocol command in the current tab.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call("POST", "/goog/cdp/execute", Some(json!({"cmd": cmd, "params": params})))
    }

    /// The URLs the browser sent requests to since the last call (needs [`Browser::start_recording`]); requests
    /// that the page's Content-Security-Policy blocked before they left the browser are not counted.
    pub fn requested_urls(&self) -> Vec<String> {
        let entries = self.call("POST", "/se/log", Some(json!({"type": "performance"})));
        let events: Vec<Value> = entries
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
            .map(|m| m["message"].clone())
            .collect();
        let blocked: Vec<&Value> = events
            .iter()
            .filter(|m| m["method"] == "Network.loadingFailed" && m["params"]["blockedReason"].is_string())
            .map(|m| &m["params"]["requestId"])
            .collect();
        events
            .iter()
            .filter(|m| m["method"] == "Network.requestWillBeSent" && !blocked.contains(&&m["params"]["requestId"]))
            .filter_map(|m| m["params"]["request"]["url"].as_str().map(str::to_string))
            .collect()
    }

    /// Runs `js` with `args` (a JSON array) as its `arguments`.
    pub fn call_script(&self, js: &str, args: Value) -> Value {
        self.call("POST", "/execute/sync", Some(json!({"script": js, "args": args})))
    }

    /// Emulates a device viewport of `width` CSS pixels.
    pub fn viewport(&self, width: u32, height: u32, mobile: bool) {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}})),
        );
    }

    /// Saves a PNG under `tests/artifacts/`.
    pub fn screenshot(&self, name: &str) {
        let data = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap_or_default()).expect("base64 PNG");
        let dir = crate::support::project_root().join("tests/artifacts");
        std::fs::create_dir_all(&dir).expect("artifacts dir");
        std::fs::write(dir.join(name), png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.agent.delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn browser_reader_follows_a_post_link_and_pages_fit_a_phone(app: &TestApp) {
    let browser = Browser::start();
    browser.goto(&app.url("/"));
    let link = browser.find(".card h2 a");
    let title = browser.text(&link);
    assert!(!title.is_empty());
    browser.click(&link);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !browser.current_url().contains("/posts/") {
        assert!(Instant::now() < deadline, "clicking the post link did not navigate");
        std::thread::sleep(Duration::from_millis(100));
    }
    browser.wait_for_text("article.post h1", &title);

    browser.goto(&app.url("/posts/tracking-sleep-gently/"));
    browser.viewport(1280, 900, false);
    browser.screenshot("post-desktop.png");
    browser.viewport(360, 780, true);
    browser.goto(&app.url("/posts/tracking-sleep-gently/"));
    browser.screenshot("post-phone.png");
    let fits = browser.script("return document.documentElement.scrollWidth <= window.innerWidth + 1");
    assert_eq!(fits, json!(true), "the post page scrolls sideways on a 360 px phone");
}

/// The stylesheet is served to be kept (`public/_headers`), so the next page a reader opens shows without waiting on
/// a second request for it: Resource Timing records none, or one served from the cache with nothing transferred (a
/// revalidation, as static files get by default, transfers the 304's headers).
fn browser_a_second_page_does_not_ask_for_the_stylesheet_again(app: &TestApp) {
    let browser = Browser::start_recording();
    let href = app.url(&stylesheet_href());
    browser.goto(&app.url("/"));
    assert!(browser.requested_urls().contains(&href), "the first page loads {href}");
    browser.goto(&app.url("/archive/"));
    browser.find("main h1");
    let transfers = browser.call_script("return performance.getEntriesByName(arguments[0]).map(e => e.transferSize)", json!([href]));
    let transfers = transfers.as_array().cloned().unwrap_or_default();
    assert!(transfers.iter().all(|t| t == &json!(0)), "the second page fetched the stylesheet again: {transfers:?} bytes");
    let rules = browser.script("return [...document.styleSheets].map(s => s.cssRules.length).reduce((a, b) => a + b, 0)");
    assert!(rules.as_u64().unwrap_or_default() > 50, "the second page is styled: {rules} rules");
}

fn browser_reader_writes_a_comment_and_gets_the_private_link(app: &TestApp) {
    let browser = Browser::start();
    browser.goto(&app.url("/posts/welcome-to-quiet-hours/"));
    browser.type_into(&browser.find("#author"), "Browser Reader");
    browser.type_into(&browser.find("#body"), "Written in a real browser, *gently*.");
    // The form refuses submissions faster than COMMENT_MIN_SECONDS (3 in tests), as a person would never be.
    std::thread::sleep(Duration::from_millis(3500));
    browser.click(&browser.find(".comment-form button[type=submit]"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !browser.current_url().contains("comment=") {
        assert!(Instant::now() < deadline, "submitting did not lead to the confirmation: {}", browser.current_url());
        std::thread::sleep(Duration::from_millis(100));
    }
    browser.wait_for_text("#comment-notice", "waiting for review");
    let link = browser.find("#comment-notice a.manage-link");
    browser.screenshot("comment-confirmation.png");
    browser.click(&link);
    browser.wait_for_text("main h1", "Your comment");
    let body = browser.text(&browser.find(".comment-body"));
    assert!(body.contains("Written in a real browser, gently."), "{body}");
}

/// On a phone the form is screens below the top of the post: the page that answers a refused comment must open at it,
/// with the reason and the reader's text, or the reader takes the refusal for a comment sent.
fn browser_a_refused_comment_brings_the_reader_back_to_the_form(app: &TestApp) {
    let browser = Browser::start();
    browser.viewport(390, 844, true);
    browser.goto(&app.url("/posts/welcome-to-quiet-hours/"));
    browser.type_into(&browser.find("#body"), "Sent without a name, by mistake.");
    std::thread::sleep(Duration::from_millis(3500));
    browser.click(&browser.find(".comment-form button[type=submit]"));
    browser.wait_for_text("#author-error", "name");
    let url = browser.current_url();
    assert!(url.ends_with("/comments#comment-form"), "{url}");
    let (top, height) = (
        browser.script("return document.getElementById('comment-form').getBoundingClientRect().top"),
        browser.script("return window.innerHeight"),
    );
    let (top, height) = (top.as_f64().unwrap_or(f64::NAN), height.as_f64().unwrap_or_default());
    assert!((-1.0..height).contains(&top), "the form is not in view: its top at {top} px of {height}");
    assert_eq!(browser.text(&browser.find("#body")), "Sent without a name, by mistake.");
}

fn browser_author_signs_in_and_approves_a_comment(app: &TestApp) {
    let key = edge_blog::core::moderation::signing_key(None, Some(crate::support::ADMIN_TOKEN)).expect("key");
    let issued = edge_blog::core::moderation::form_token(
        &key,
        "the-five-minute-pause",
        chrono::Utc::now().timestamp() - 10,
        &crate::support::nonce(),
    );
    let body = "Approved from the browser queue.";
    let r = app.post_form(
        "/posts/the-five-minute-pause/comments",
        &[("issued", &issued), ("author", "Queue Reader"), ("body", body)],
        "192.0.2.77",
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let list: Value = serde_json::from_str(&app.admin("GET", "/admin/api/comments?status=pending").body).expect("JSON");
    let id = list.as_array().and_then(|a| a.iter().find(|c| c["body"] == body)).and_then(|c| c["id"].as_i64()).expect("pending");

    let browser = Browser::start();
    browser.goto(&app.url("/admin/"));
    browser.type_into(&browser.find("#token"), crate::support::ADMIN_TOKEN);
    browser.click(&browser.find(".admin-login button[type=submit]"));
    browser.wait_for_text("main h1", "Dashboard");
    browser.goto(&app.url("/admin/comments?status=pending"));
    browser.screenshot("admin-queue.png");
    browser.click(&browser.find(&format!("button[value='approve:{id}']")));
    browser.wait_for_text(".notice.success", "1 comment changed");
    browser.goto(&app.url("/posts/the-five-minute-pause/"));
    let shown = browser.text(&browser.find(&format!("#comment-{id} .comment-body")));
    assert_eq!(shown, body);
}
