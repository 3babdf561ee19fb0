//! The isolate cache (`CACHE_SECONDS`): writes through the worker show at once, changes made around it within the
//! window. The shared app runs with the cache off, so this test starts its own app with it on.

use crate::support::{set_var, TestApp, ADMIN_TOKEN};
use crate::OwnAppTest;
use edge_blog::core::moderation::{form_token, signing_key};
use serde_json::Value;
use std::time::{Duration, Instant};

pub const TESTS: &[OwnAppTest] =
    &[("cache_shows_own_writes_at_once_and_others_within_the_window", cache_shows_own_writes_at_once_and_others_within_the_window)];

const WINDOW: u64 = 5;
const SLUG: &str = "cache-check";
const POST: &str = "/posts/cache-check/";

fn doc(body: &str) -> String {
    format!("+++\ntitle = \"Cache check\"\ndate = 2024-05-01\n+++\n\n{body}\n")
}

fn cache_shows_own_writes_at_once_and_others_within_the_window() {
    let app = TestApp::start_with(|config| set_var(config, "CACHE_SECONDS", &WINDOW.to_string()));
    assert_eq!(app.put_post(SLUG, &doc("First words.")).status, 201);
    app.get(POST).assert_contains("First words.");

    // An edit through the admin API replaces the cached copy at once.
    assert!(app.put_post(SLUG, &doc("Second words.")).status < 300);
    app.get(POST).assert_contains("Second words.");

    // So does a publish on the home page, which reads the index; one made around the worker (the CLI writes KV
    // itself) shows within the window.
    let newest = "+++\ntitle = \"Newest\"\ndate = 2026-11-25\n+++\n\nOn the home page.\n";
    assert_eq!(app.put_post("cache-newest", newest).status, 201);
    app.get("/").assert_contains("/posts/cache-newest/");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("posts")).expect("posts dir");
    std::fs::write(dir.path().join("posts/cache-cli.md"), newest.replace("Newest", "From the CLI")).expect("write");
    let out = app.blog_publish_local(dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // A comment approved through the worker shows at once, though the page of comments was cached.
    let key = signing_key(None, Some(ADMIN_TOKEN)).expect("key");
    let issued = form_token(&key, SLUG, chrono::Utc::now().timestamp() - 10, &crate::support::nonce());
    let body = "Cached pages must not hide an approval.";
    let r = app.post_form(&format!("{POST}comments"), &[("issued", &issued), ("author", "Cache Reader"), ("body", body)], "198.51.100.9");
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(!app.get(POST).body.contains(body), "a pending comment is not shown");
    let list: Value = serde_json::from_str(&app.admin("GET", "/admin/api/comments?status=pending").body).expect("JSON");
    let id = list.as_array().and_then(|a| a.iter().find(|c| c["body"] == body)).and_then(|c| c["id"].as_i64()).expect("pending");
    assert_eq!(app.admin("POST", &format!("/admin/api/comments/{id}/approve")).status, 200);
    app.get(POST).assert_contains(body);

    // A change made around the worker (here straight in D1) is not seen until the window has passed.
    let filled = Instant::now();
    app.get(POST).assert_contains(body);
    app.d1(&format!("UPDATE comments SET body_html = '<p>Changed behind the worker.</p>' WHERE id = {id}"));
    let page = app.get(POST);
    if filled.elapsed() < Duration::from_secs(WINDOW - 1) {
        page.assert_contains(body);
    } else {
        println!("cache: the machine took too long to check the stale read inside the window; only expiry checked");
    }
    std::thread::sleep(Duration::from_secs(WINDOW).saturating_sub(filled.elapsed()) + Duration::from_millis(500));
    app.get(POST).assert_contains("Changed behind the worker.");
    app.get("/").assert_contains("/posts/cache-cli/");
}
