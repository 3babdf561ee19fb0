//! Faults injected into the real runtime: D1 missing (no binding, or its comments table dropped) and KV missing.
//! Each test starts its own app with the broken configuration, after the shared app has stopped.

use crate::support::{stylesheet_link, TestApp, ADMIN_TOKEN};
use crate::OwnAppTest;
use edge_blog::core::moderation::{form_token, signing_key};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const TESTS: &[OwnAppTest] = &[
    ("fault_without_d1_posts_read_and_a_comment_keeps_its_text", fault_without_d1_posts_read_and_a_comment_keeps_its_text),
    ("fault_with_the_comments_table_gone_posts_still_read", fault_with_the_comments_table_gone_posts_still_read),
    ("fault_without_kv_readers_get_a_503_page_in_the_design", fault_without_kv_readers_get_a_503_page_in_the_design),
    ("fault_a_panic_gives_a_500_page_and_the_next_request_is_served", fault_a_panic_gives_a_500_page_and_the_next_request_is_served),
];

/// Faults injected, for RELIABILITY.md.
pub static INJECTED: AtomicUsize = AtomicUsize::new(0);

const POST: &str = "/posts/tracking-sleep-gently/";
const TITLE: &str = "Tracking Sleep, Gently";
const TEXT: &str = "My carefully written thoughts that must never be lost.";

fn submit(app: &TestApp) -> crate::support::Resp {
    let key = signing_key(None, Some(ADMIN_TOKEN)).expect("key");
    let issued = form_token(&key, "tracking-sleep-gently", chrono::Utc::now().timestamp() - 10, &crate::support::nonce());
    app.post_form(&format!("{POST}comments"), &[("issued", &issued), ("author", "Fault Reader"), ("body", TEXT)], "198.19.0.1")
}

fn assert_d1_fault_handled(app: &TestApp) {
    let page = app.get(POST);
    assert_eq!(page.status, 200, "the post reads without D1: {}", page.body);
    page.assert_contains(TITLE);
    page.assert_contains("Comments are unavailable just now");
    let r = submit(app);
    assert_eq!(r.status, 503, "a comment without D1: {}", r.body);
    r.assert_contains(TEXT);
    r.assert_contains(TITLE);
    assert_eq!(app.get("/").status, 200, "the home page reads without D1");
}

fn fault_without_d1_posts_read_and_a_comment_keeps_its_text() {
    INJECTED.fetch_add(1, Ordering::Relaxed);
    let app = TestApp::start_with(|config| {
        config.remove("d1_databases");
    });
    assert_d1_fault_handled(&app);
}

fn fault_with_the_comments_table_gone_posts_still_read() {
    let app = TestApp::start();
    assert_eq!(app.get(POST).status, 200);
    INJECTED.fetch_add(1, Ordering::Relaxed);
    app.d1("DROP TABLE comments");
    assert_d1_fault_handled(&app);
}

fn fault_without_kv_readers_get_a_503_page_in_the_design() {
    INJECTED.fetch_add(1, Ordering::Relaxed);
    let app = TestApp::start_with(|config| {
        config.remove("kv_namespaces");
    });
    for path in [POST, "/", "/tags/", "/about/"] {
        let r = app.get(path);
        assert_eq!(r.status, 503, "{path} without KV: {}", r.body);
        r.assert_contains("Temporarily unavailable");
        r.assert_contains("<link rel=\"stylesheet\"");
    }
    assert_eq!(submit(&app).status, 503, "a comment without KV");
    assert_eq!(app.get("/robots.txt").status, 200, "robots.txt needs no storage");
}

fn fault_a_panic_gives_a_500_page_and_the_next_request_is_served() {
    let app = TestApp::start_with(|config| {
        crate::support::set_var(config, "FAULT_INJECTION", "panic");
    });
    assert_eq!(app.get(POST).status, 200, "the post reads before the panic");
    for round in 1..=3 {
        INJECTED.fetch_add(1, Ordering::Relaxed);
        let r = app.get("/__fault/panic");
        assert_eq!(r.status, 500, "panic {round}: {}", r.body);
        r.assert_contains("Something went wrong");
        r.assert_contains(&stylesheet_link());
        assert!(!r.body.contains("fault injected"), "the panic message must not reach the reader: {}", r.body);
        let next = app.get(POST);
        assert_eq!(next.status, 200, "the request after panic {round}: {}", next.body);
        next.assert_contains(TITLE);
        let comment = submit(&app);
        assert_eq!(comment.status, 303, "a comment after panic {round}: {}", comment.body);
    }
}
