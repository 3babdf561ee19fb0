//! The XSS corpus (`tests/xss/payloads.txt`) in a real browser: every payload goes through every comment field and
//! into post Markdown, and headless Chromium loads each resulting page with hooks that record dialogs, the
//! `window.__xss` canary, active markup that survived, and any request to another origin.

use crate::browser::Browser;
use crate::support::{TestApp, ADMIN_TOKEN};
use crate::Test;
use edge_blog::core::moderation::{form_token, signing_key};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub const TESTS: &[Test] = &[("xss_corpus_runs_nothing_in_a_real_browser", xss_corpus_runs_nothing_in_a_real_browser)];

/// Payloads per post: the post body carries this many, and so does the comment section of its twin post.
const BATCH: usize = 10;

/// Installed before any page script: dialogs and CSP violations are recorded, never shown.
const HOOK: &str = r#"(() => {
  const hits = [];
  Object.defineProperty(window, '__hits', { value: hits });
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    window[name] = function () { hits.push(name + '(' + Array.from(arguments).join(',') + ')'); };
  }
  document.addEventListener('securitypolicyviolation', e => hits.push('CSP blocked ' + e.violatedDirective + ' ' + e.blockedURI));
})();"#;

/// Run after load: what the hook saw, the canary, and any active markup left in the DOM.
const INSPECT: &str = r#"
const found = Array.from(window.__hits || []);
if (window.__xss !== undefined) found.push('window.__xss was set');
for (const s of document.scripts) if (s.type !== 'application/ld+json') found.push('script element: ' + s.outerHTML.slice(0, 100));
const active = /^(javascript|vbscript|data):/;
for (const el of document.querySelectorAll('*')) {
  const tag = el.localName;
  if (['iframe', 'frame', 'object', 'embed', 'applet', 'base'].includes(tag)) found.push('<' + tag + '> element');
  if (['style', 'link', 'meta'].includes(tag) && el.closest('body')) found.push('<' + tag + '> in the body');
  for (const a of el.attributes) {
    const name = a.name.toLowerCase();
    const value = a.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
    if (name.startsWith('on')) found.push(name + ' handler on <' + tag + '>');
    if (name === 'style' && el.closest('main')) found.push('style attribute on <' + tag + '>');
    if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'background', 'poster'].includes(name) && active.test(value)) {
      found.push(name + '=' + a.value.slice(0, 60) + ' on <' + tag + '>');
    }
  }
}
for (const e of performance.getEntriesByType('resource')) {
  const blocked = found.some(f => f.startsWith('CSP blocked') && f.endsWith(' ' + e.name));
  if (new URL(e.name).origin !== location.origin && !blocked) found.push('fetched ' + e.name);
}
return { found, url: location.href };
"#;

fn payloads() -> Vec<String> {
    let path = crate::support::project_root().join("tests/xss/payloads.txt");
    let text = std::fs::read_to_string(&path).expect("tests/xss/payloads.txt");
    text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("#|")).map(|l| l.replace("\\n", "\n")).collect()
}

/// One browser with the hook installed; `bypass_csp` tests the sanitizers without the Content-Security-Policy's help.
struct Inspector {
    browser: Browser,
    origin: String,
    bypass_csp: bool,
    pages: usize,
    blocked_author_images: usize,
}

impl Inspector {
    fn new(app: &TestApp, bypass_csp: bool) -> Inspector {
        let browser = Browser::start_recording();
        browser.cdp("Page.enable", json!({}));
        browser.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": HOOK }));
        browser.cdp("Page.setBypassCSP", json!({ "enabled": bypass_csp }));
        Inspector { browser, origin: app.base.clone(), bypass_csp, pages: 0, blocked_author_images: 0 }
    }

    /// Loads `url` and returns every finding. Author posts may embed images from elsewhere (the CSP blocks
    /// them for readers), so without the CSP their requests are not counted.
    fn check(&mut self, url: &str, author_content: bool) -> Vec<String> {
        self.browser.requested_urls();
        self.browser.goto(url);
        self.inspect(url, author_content)
    }

    fn inspect(&mut self, url: &str, author_content: bool) -> Vec<String> {
        self.pages += 1;
        let seen = self.browser.script(INSPECT);
        let mut found: Vec<String> =
            seen["found"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect();
        if author_content {
            // An author may put an image from elsewhere in a post: without the CSP it loads, with it it is blocked.
            let (blocked, rest): (Vec<String>, Vec<String>) = found.into_iter().partition(|f| f.starts_with("CSP blocked img-src"));
            self.blocked_author_images += blocked.len();
            found = rest;
            if self.bypass_csp {
                found.retain(|f| !f.starts_with("fetched "));
            }
        }
        let here = seen["url"].as_str().unwrap_or_default();
        if !here.starts_with(&self.origin) {
            found.push(format!("navigated away to {here}"));
        }
        for requested in self.browser.requested_urls() {
            let local = requested.starts_with(&self.origin) || requested.starts_with("data:") || requested.starts_with("about:");
            if !(local || self.bypass_csp && author_content) {
                found.push(format!("requested {requested}"));
            }
        }
        found.into_iter().map(|f| format!("{url}: {f}")).collect()
    }
}

fn issued(slug: &str) -> String {
    let key = signing_key(None, Some(ADMIN_TOKEN)).expect("key");
    form_token(&key, slug, chrono::Utc::now().timestamp() - 10, &crate::support::nonce())
}

fn publish(app: &TestApp, slug: &str, title: &str, body: &str) {
    let doc = format!("+++\ntitle = \"{title}\"\ndate = 2020-01-01\ntags = [\"xss\"]\n+++\n\n{body}\n");
    let r = app.put_post(slug, &doc);
    assert!(r.status == 200 || r.status == 201, "publish {slug}: {} {}", r.status, r.body);
}

fn xss_corpus_runs_nothing_in_a_real_browser(app: &TestApp) {
    let started = Instant::now();
    let payloads = payloads();
    assert!(payloads.len() >= 150, "the corpus has {} payloads; at least 150 expected", payloads.len());
    let batches: Vec<&[String]> = payloads.chunks(BATCH).collect();

    // Posts whose Markdown is the payloads, and twin posts whose comments are.
    for (b, batch) in batches.iter().enumerate() {
        let body: Vec<String> = batch.iter().enumerate().map(|(i, p)| format!("Payload {}:\n\n{p}", b * BATCH + i)).collect();
        publish(app, &format!("xss-body-{b:02}"), &format!("XSS body {b:02}"), &body.join("\n\n"));
        publish(app, &format!("xss-comments-{b:02}"), &format!("XSS comments {b:02}"), "Every comment here is hostile.");
    }

    // Each payload as name, website and body of one comment; a website or name that validation refuses is
    // sent again without it (the refusal pages are checked in the browser below).
    let mut stored = 0;
    let mut manage_keys = Vec::new();
    for (n, payload) in payloads.iter().enumerate() {
        let slug = format!("xss-comments-{:02}", n / BATCH);
        let token = issued(&slug);
        let path = format!("/posts/{slug}/comments");
        let fallback_name = format!("Reader {n}");
        let attempts: [(&str, &str); 3] = [(payload, payload), (payload, ""), (&fallback_name, "")];
        let mut accepted = None;
        for (k, (author, url)) in attempts.iter().enumerate() {
            let client = format!("10.66.{}.{}", n / 200, (n % 200) * 3 + k);
            let r = app.post_form(&path, &[("issued", &token), ("author", author), ("url", url), ("body", payload)], &client);
            assert!(r.status < 500, "payload {n} {payload:?}: status {}", r.status);
            if r.status == 303 {
                accepted = r.header("location").map(str::to_string);
                break;
            }
            assert_eq!(r.status, 422, "payload {n} {payload:?}: {}", r.body);
        }
        let location = accepted.unwrap_or_else(|| panic!("payload {n} {payload:?} was refused even as a plain body"));
        if location.contains("notice=duplicate") {
            panic!("payload {n} {payload:?} duplicates another payload's body");
        }
        if n % BATCH == 0 {
            manage_keys.push(location.split("comment=").nth(1).and_then(|s| s.split('#').next()).unwrap_or_default().to_string());
        }
        stored += 1;
    }
    let pending: Value = serde_json::from_str(&app.admin("GET", "/admin/api/comments?status=pending").body).expect("JSON");
    let mut approved = 0;
    for c in pending.as_array().into_iter().flatten().filter(|c| c["post"].as_str().is_some_and(|p| p.starts_with("xss-comments-"))) {
        let r = app.admin("POST", &format!("/admin/api/comments/{}/approve", c["id"]));
        assert_eq!(r.status, 200, "{}", r.body);
        approved += 1;
    }
    assert_eq!(approved, stored, "every stored payload comment was pending and is now approved");

    let mut findings = Vec::new();
    let mut pages = 0;
    let mut blocked = 0;
    for bypass_csp in [false, true] {
        let mut inspector = Inspector::new(app, bypass_csp);
        for b in 0..batches.len() {
            findings.extend(inspector.check(&app.url(&format!("/posts/xss-body-{b:02}/")), true));
            findings.extend(inspector.check(&app.url(&format!("/posts/xss-comments-{b:02}/")), false));
        }
        for page in ["/", "/page/2/", "/page/3/", "/tags/xss/", "/archive/", "/search?q=payload"] {
            findings.extend(inspector.check(&app.url(page), true));
        }
        for key in &manage_keys {
            findings.extend(inspector.check(&app.url(&format!("/comments/{key}/")), false));
        }
        if bypass_csp {
            // Per payload, so only in the stricter mode. The refusal page: the browser sends each payload in
            // every field of the real form and gets it back.
            inspector.browser.goto(&app.url("/posts/xss-comments-00/"));
            for payload in &payloads {
                let page = refusal_page(&inspector, payload);
                findings.extend(inspector.inspect(&page, false));
            }
            // Reflected in the search page.
            for payload in &payloads {
                let q: String = form_urlencoded::byte_serialize(payload.as_bytes()).collect();
                findings.extend(inspector.check(&app.url(&format!("/search?q={q}")), false));
            }
        }
        if !bypass_csp {
            // The author's moderation queue shows every comment too.
            sign_in(&inspector.browser, app);
            for page in 1..=payloads.len().div_ceil(20) + 1 {
                findings.extend(inspector.check(&app.url(&format!("/admin/comments?status=approved&page={page}")), false));
            }
        }
        pages += inspector.pages;
        blocked += inspector.blocked_author_images;
    }
    for (b, _) in batches.iter().enumerate() {
        app.delete_post(&format!("xss-body-{b:02}"), Some(ADMIN_TOKEN));
        app.delete_post(&format!("xss-comments-{b:02}"), Some(ADMIN_TOKEN));
    }
    println!(
        "xss: {} payloads tried ({} comments stored and approved, {} placed in post Markdown), {} page loads checked, {} external images in author posts blocked by the CSP, {} findings, {:.0} s",
        payloads.len(),
        stored,
        payloads.len(),
        pages,
        blocked,
        findings.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(findings.is_empty(), "{} findings:\n{}", findings.len(), findings.join("\n"));
}

/// Fills the comment form on the current page with `payload` in every field, sends it, and waits for the reply page.
fn refusal_page(inspector: &Inspector, payload: &str) -> String {
    let browser = &inspector.browser;
    let fill = r#"
const [value] = arguments;
window.__before = true;
for (const id of ['author', 'email', 'url', 'body']) { const f = document.getElementById(id); if (f) f.value = value; }
const form = document.getElementById('comment-form');
if (!form) return false;
HTMLFormElement.prototype.submit.call(form);
return true;"#;
    let sent = browser.call_script(fill, json!([payload]));
    assert_eq!(sent, json!(true), "the comment form is missing on {}", browser.current_url());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let done = browser.script("return window.__before === undefined && document.readyState === 'complete'");
        if done == json!(true) {
            break;
        }
        assert!(Instant::now() < deadline, "the form submission did not load a page");
        std::thread::sleep(Duration::from_millis(20));
    }
    format!("refusal page for {:?}", payload.chars().take(40).collect::<String>())
}

fn sign_in(browser: &Browser, app: &TestApp) {
    browser.goto(&app.url("/admin/"));
    browser.type_into(&browser.find("#token"), ADMIN_TOKEN);
    browser.click(&browser.find(".admin-login button[type=submit]"));
    browser.wait_for_text("main h1", "Dashboard");
}
