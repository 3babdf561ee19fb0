//! The admin area: sign-in, lockout, CSRF, the queue's actions, notifications, housekeeping, the pending
//! feed, and a walk over every admin route without valid credentials.

use crate::support::{Resp, TestApp, ADMIN_TOKEN};
use crate::Test;
use edge_blog::core::auth::{feed_key, Session};
use edge_blog::core::moderation::{form_token, signing_key};
use edge_blog::core::route::{Guard, Method, Route};
use edge_blog::core::token::SigningKey;
use std::sync::atomic::{AtomicU32, Ordering};

pub const TESTS: &[Test] = &[
    ("sign_in_sets_a_strict_cookie_and_sign_out_clears_it", sign_in_sets_a_strict_cookie_and_sign_out_clears_it),
    (
        "a_wrong_token_is_refused_and_repeated_failures_lock_the_client_out",
        a_wrong_token_is_refused_and_repeated_failures_lock_the_client_out,
    ),
    ("the_token_is_never_accepted_in_a_query_string", the_token_is_never_accepted_in_a_query_string),
    (
        "admin_forms_without_the_session_csrf_token_or_from_another_origin_get_403",
        admin_forms_without_the_session_csrf_token_or_from_another_origin_get_403,
    ),
    ("every_queue_action_and_a_bulk_action_work_from_the_html_queue", every_queue_action_and_a_bulk_action_work_from_the_html_queue),
    ("a_held_comment_notifies_the_webhook_without_personal_data", a_held_comment_notifies_the_webhook_without_personal_data),
    ("the_pending_feed_needs_its_key", the_pending_feed_needs_its_key),
    ("the_cron_run_empties_old_trash_and_spam_and_forgets_old_emails", the_cron_run_empties_old_trash_and_spam_and_forgets_old_emails),
    (
        "no_admin_route_answers_or_changes_anything_without_valid_credentials",
        no_admin_route_answers_or_changes_anything_without_valid_credentials,
    ),
    ("an_unknown_admin_address_is_guarded_then_not_found", an_unknown_admin_address_is_guarded_then_not_found),
];

const POST: &str = "/posts/when-to-ask-for-help/";
const SLUG: &str = "when-to-ask-for-help";

fn ip() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!("198.51.100.{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn key() -> SigningKey {
    signing_key(None, Some(ADMIN_TOKEN)).expect("key")
}

/// A signed-in admin: the cookie header and the CSRF token of its session.
pub struct Admin {
    pub cookie: String,
    pub csrf: String,
}

pub fn sign_in(app: &TestApp) -> Admin {
    let r = app.post_form_headers("/admin/login", &[("token", ADMIN_TOKEN)], &[("CF-Connecting-IP", &ip()), ("Origin", &app.base)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let set = r.header("set-cookie").expect("Set-Cookie").to_string();
    let cookie = set.split(';').next().expect("cookie pair").to_string();
    let dashboard = app.get_headers("/admin/", &[("Cookie", &cookie)]);
    let csrf = between(&dashboard.body, "name=\"csrf\" value=\"", "\"").expect("csrf token on the dashboard");
    Admin { cookie, csrf }
}

fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let from = s.find(start)? + start.len();
    Some(s[from..from + s[from..].find(end)?].to_string())
}

fn submit(app: &TestApp, author: &str, body: &str) -> i64 {
    let token = form_token(&key(), SLUG, chrono::Utc::now().timestamp() - 10, &crate::support::nonce());
    // A fresh email each time: COMMENT_AUTO_APPROVE_KNOWN would approve a returning one at once.
    let client = ip();
    let email = format!("reader-{}@example.org", client.replace('.', "-"));
    let r =
        app.post_form(&format!("{POST}comments"), &[("issued", &token), ("author", author), ("body", body), ("email", &email)], &client);
    assert_eq!(r.status, 303, "{}", r.body);
    let list: serde_json::Value = serde_json::from_str(&app.admin("GET", "/admin/api/comments?status=pending").body).unwrap();
    list.as_array().unwrap().iter().find(|c| c["body"] == body).and_then(|c| c["id"].as_i64()).expect("pending comment")
}

fn status_of(app: &TestApp, id: i64) -> String {
    let rows = app.d1(&format!("SELECT status FROM comments WHERE id = {id}"));
    rows.first().and_then(|r| r["status"].as_str()).unwrap_or("absent").to_string()
}

fn act(app: &TestApp, admin: &Admin, status: &str, fields: &[(&str, &str)]) -> Resp {
    let mut all = vec![("csrf", admin.csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form_headers(&format!("/admin/comments?status={status}"), &all, &[("Cookie", &admin.cookie), ("Origin", &app.base)])
}

fn sign_in_sets_a_strict_cookie_and_sign_out_clears_it(app: &TestApp) {
    let page = app.get("/admin/");
    assert_eq!(page.status, 200);
    page.assert_contains("action=\"/admin/login\"");
    let r = app.post_form_headers("/admin/login", &[("token", ADMIN_TOKEN)], &[("CF-Connecting-IP", &ip())]);
    assert_eq!((r.status, r.header("location")), (303, Some("/admin/")));
    let cookie = r.header("set-cookie").expect("cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age="] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "no Secure on local http: {cookie}");
    let admin = sign_in(app);
    let dashboard = app.get_headers("/admin/", &[("Cookie", &admin.cookie)]);
    dashboard.assert_contains("Dashboard");
    dashboard.assert_contains("Moderation rules in force");
    dashboard.assert_contains("More than 2 links hold a comment.");
    dashboard.assert_contains("Tracking Sleep, Gently");
    dashboard.assert_contains("/admin/feed.xml?key=");
    assert_eq!(dashboard.header("cache-control"), Some("no-store"));
    let out = app.post_form_headers("/admin/logout", &[("csrf", &admin.csrf)], &[("Cookie", &admin.cookie), ("Origin", &app.base)]);
    assert_eq!(out.status, 303);
    assert!(out.header("set-cookie").unwrap_or_default().contains("Max-Age=0"));
}

fn a_wrong_token_is_refused_and_repeated_failures_lock_the_client_out(app: &TestApp) {
    let client = ip();
    let wrong = app.post_form_headers("/admin/login", &[("token", "guess")], &[("CF-Connecting-IP", &client)]);
    assert_eq!(wrong.status, 401);
    wrong.assert_contains("That token is not right.");
    assert!(wrong.header("set-cookie").is_none());
    for _ in 0..4 {
        app.post_form_headers("/admin/login", &[("token", "guess")], &[("CF-Connecting-IP", &client)]);
    }
    let locked = app.post_form_headers("/admin/login", &[("token", ADMIN_TOKEN)], &[("CF-Connecting-IP", &client)]);
    assert_eq!(locked.status, 429, "even the right token is refused while locked");
    locked.assert_contains("locked");
    assert!(locked.header("set-cookie").is_none());
    let other = app.post_form_headers("/admin/login", &[("token", ADMIN_TOKEN)], &[("CF-Connecting-IP", &ip())]);
    assert_eq!(other.status, 303, "other clients are not locked out");
}

fn the_token_is_never_accepted_in_a_query_string(app: &TestApp) {
    let page = app.get(&format!("/admin/?token={ADMIN_TOKEN}"));
    page.assert_lacks("Dashboard");
    let r = app.post_form_headers(&format!("/admin/login?token={ADMIN_TOKEN}"), &[], &[("CF-Connecting-IP", &ip())]);
    assert_eq!(r.status, 401);
    assert_eq!(app.get(&format!("/admin/api/comments?token={ADMIN_TOKEN}")).status, 401);
}

fn admin_forms_without_the_session_csrf_token_or_from_another_origin_get_403(app: &TestApp) {
    let admin = sign_in(app);
    let id = submit(app, "Csrf", "CSRF target comment.");
    let target = format!("approve:{id}");
    let wrong =
        app.post_form_headers("/admin/comments?status=pending", &[("csrf", "forged"), ("act", &target)], &[("Cookie", &admin.cookie)]);
    assert_eq!(wrong.status, 403);
    let missing = app.post_form_headers("/admin/comments?status=pending", &[("act", &target)], &[("Cookie", &admin.cookie)]);
    assert_eq!(missing.status, 403);
    let other_origin = app.post_form_headers(
        "/admin/comments?status=pending",
        &[("csrf", &admin.csrf), ("act", &target)],
        &[("Cookie", &admin.cookie), ("Origin", "https://evil.example")],
    );
    assert_eq!(other_origin.status, 403);
    let another_session = sign_in(app);
    let stolen = app.post_form_headers(
        "/admin/comments?status=pending",
        &[("csrf", &another_session.csrf), ("act", &target)],
        &[("Cookie", &admin.cookie)],
    );
    assert_eq!(stolen.status, 403, "a CSRF token of another session does not count");
    assert_eq!(status_of(app, id), "pending", "nothing changed");
    let logout = app.post_form_headers("/admin/logout", &[("csrf", "forged")], &[("Cookie", &admin.cookie)]);
    assert_eq!(logout.status, 403);
}

fn every_queue_action_and_a_bulk_action_work_from_the_html_queue(app: &TestApp) {
    let admin = sign_in(app);
    let a = submit(app, "Queue A", "Queue comment A.");
    let b = submit(app, "Queue B", "Queue comment B.");
    let c = submit(app, "Queue C", "Queue comment C.");
    let queue = app.get_headers("/admin/comments?status=pending", &[("Cookie", &admin.cookie)]);
    assert_eq!(queue.status, 200);
    queue.assert_contains("Queue comment A.");
    queue.assert_contains("@example.org</span>");
    queue.assert_contains("aria-current=\"page\">Pending");
    for (action, id, status, expected) in [
        ("approve", a, "pending", "approved"),
        ("unapprove", a, "approved", "pending"),
        ("spam", a, "pending", "spam"),
        ("restore", a, "spam", "pending"),
        ("trash", a, "pending", "trash"),
        ("restore", a, "trash", "pending"),
    ] {
        let r = act(app, &admin, status, &[("act", &format!("{action}:{id}"))]);
        assert_eq!(r.status, 303, "{action}: {}", r.body);
        assert_eq!(status_of(app, id), expected, "after {action}");
    }
    let (b_text, c_text) = (b.to_string(), c.to_string());
    let bulk = act(app, &admin, "pending", &[("act", "approve"), ("ids", &b_text), ("ids", &c_text)]);
    assert_eq!(bulk.status, 303);
    assert!(bulk.header("location").unwrap_or_default().contains("2+comments+changed"), "{:?}", bulk.header("location"));
    assert_eq!((status_of(app, b), status_of(app, c)), ("approved".into(), "approved".into()));
    app.get(POST).assert_contains("Queue comment B.");
    let none = act(app, &admin, "pending", &[("act", "approve")]);
    assert_eq!(none.status, 422);
    none.assert_contains("<p class=\"field-error\" role=\"alert\">Select at least one comment first.</p>");
    // The queue's address carries its notice; it shows only the notices the admin writes, not a link's own text.
    let shown = app.get_headers("/admin/comments?status=pending&done=2+comments+changed.", &[("Cookie", &admin.cookie)]);
    shown.assert_contains("2 comments changed.");
    let planted =
        app.get_headers("/admin/comments?status=pending&done=Session+expired.+Sign+in+at+evil.example", &[("Cookie", &admin.cookie)]);
    assert_eq!(planted.status, 200);
    planted.assert_lacks("evil.example");

    let edit = app.get_headers(&format!("/admin/comments/{b}/edit"), &[("Cookie", &admin.cookie)]);
    edit.assert_contains("Queue comment B.</textarea>");
    edit.assert_contains("value=\"Queue B\"");
    let edit_form = |author: &str, body: &str| {
        app.post_form_headers(
            &format!("/admin/comments/{b}/edit"),
            &[("csrf", &admin.csrf), ("author", author), ("url", ""), ("body", body)],
            &[("Cookie", &admin.cookie), ("Origin", &app.base)],
        )
    };
    // A name is still needed; the text sent comes back with the reason.
    let refused = edit_form("", "Kept while the name is missing.");
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused.assert_contains("Kept while the name is missing.</textarea>");
    // The name and the text both change: what identified the writer can be taken out.
    let saved = edit_form("A reader", "Queue comment B, **edited** by the author.");
    assert_eq!(saved.status, 303, "{}", saved.body);
    let post = app.get(POST);
    post.assert_contains("Queue comment B, <strong>edited</strong> by the author.");
    let item = &post.body[post.body.find(&format!("id=\"comment-{b}\"")).expect("the comment")..];
    assert!(item[..item.find("</li>").unwrap_or(item.len())].contains("A reader"), "the new name: {item}");
    post.assert_lacks("Queue B<");

    act(app, &admin, "pending", &[("act", &format!("trash:{a}"))]);
    let gone = act(app, &admin, "trash", &[("act", &format!("delete:{a}"))]);
    assert_eq!(gone.status, 303);
    assert_eq!(status_of(app, a), "absent", "deleted forever");
    let page2 = app.get_headers("/admin/comments?status=approved&page=2", &[("Cookie", &admin.cookie)]);
    assert_eq!(page2.status, 200);
}

fn a_held_comment_notifies_the_webhook_without_personal_data(app: &TestApp) {
    let before = app.webhook.lock().unwrap().len();
    let id = submit(app, "Notified Person", "A comment the author should hear about.");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let message = loop {
        if let Some(m) = app
            .webhook
            .lock()
            .unwrap()
            .get(before..)
            .and_then(|new| new.iter().find(|m| m.contains(&format!("\"comment_id\":{id}"))).cloned())
        {
            break m;
        }
        assert!(std::time::Instant::now() < deadline, "the webhook was not called");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(message.to_ascii_lowercase().contains("content-type: application/json"), "{message}");
    for private in ["Notified Person", "should hear about", "@example.org"] {
        assert!(!message.contains(private), "the notification carries no personal data: {message}");
    }
    let body: serde_json::Value = serde_json::from_str(message.split("\r\n\r\n").nth(1).expect("body")).expect("JSON");
    assert_eq!(body["post"], SLUG);
    let approve = body["approve_url"].as_str().expect("approve_url");
    let path = approve.strip_prefix(&app.base).expect("a link to this blog");
    let confirm = app.get(path);
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Approve this comment?");
    assert_eq!(status_of(app, id), "pending", "opening the link changes nothing");
    let done = app.post_form_headers(path, &[], &[("Origin", &app.base)]);
    assert_eq!(done.status, 200);
    done.assert_contains("approved");
    assert_eq!(status_of(app, id), "approved");
    app.get(POST).assert_contains("A comment the author should hear about.");
    let tampered = path.replacen("approve", "trash", 1);
    assert_eq!(app.get(&tampered).status, 404);
}

fn the_pending_feed_needs_its_key(app: &TestApp) {
    submit(app, "Feed", "Pending for the private feed.");
    assert_eq!(app.get("/admin/feed.xml").status, 401);
    assert_eq!(app.get("/admin/feed.xml?key=wrong").status, 401);
    let feed = app.get(&format!("/admin/feed.xml?key={}", feed_key(&key())));
    assert_eq!(feed.status, 200);
    feed.assert_contains("Pending for the private feed.");
    assert_eq!(feed.header("cache-control"), Some("no-store"));
}

fn the_cron_run_empties_old_trash_and_spam_and_forgets_old_emails(app: &TestApp) {
    let old_trash = submit(app, "Old", "Old trash comment.");
    let new_trash = submit(app, "New", "New trash comment.");
    let old_spam = submit(app, "Old", "Old spam comment.");
    let old_email = submit(app, "Old", "Old comment with an email.");
    for (id, action) in [(old_trash, "trash"), (new_trash, "trash"), (old_spam, "spam")] {
        app.admin("POST", &format!("/admin/api/comments/{id}/{action}"));
    }
    app.d1(&format!("UPDATE comments SET updated_at = '2020-01-01T00:00:00Z' WHERE id IN ({old_trash}, {old_spam})"));
    app.d1(&format!("UPDATE comments SET created_at = '2020-01-01T00:00:00Z' WHERE id = {old_email}"));
    app.d1("INSERT INTO rate_limits (key, count, expires_at) VALUES ('expired-test', 3, '2020-01-01T00:00:00Z')");
    let r = app.get("/__scheduled?cron=17+3+*+*+*");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(status_of(app, old_trash), "absent", "trash older than 30 days is emptied");
    assert_eq!(status_of(app, old_spam), "absent", "spam older than 14 days is emptied");
    assert_eq!(status_of(app, new_trash), "trash", "recent trash stays");
    let email = app.d1(&format!("SELECT email, email_hash FROM comments WHERE id = {old_email}"));
    assert!(email[0]["email"].is_null() && email[0]["email_hash"].is_null(), "{email:?}");
    let recent = app.d1(&format!("SELECT email FROM comments WHERE id = {new_trash}"));
    assert!(recent[0]["email"].as_str().is_some_and(|e| e.ends_with("@example.org")), "recent emails stay: {recent:?}");
    assert!(app.d1("SELECT key FROM rate_limits WHERE key = 'expired-test'").is_empty());
    // Tomorrow's salt of client keys is drawn today, kept until ten minutes after tomorrow ends.
    let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
    let salts: serde_json::Value = serde_json::from_str(&app.kv(&["key", "list", "--prefix", "salt:"])).expect("JSON");
    let name = format!("salt:{}", tomorrow.format("%Y-%m-%d"));
    let drawn = salts.as_array().and_then(|keys| keys.iter().find(|k| k["name"] == name)).unwrap_or_else(|| panic!("{name} in {salts}"));
    assert_eq!(drawn["expiration"].as_i64(), Some((tomorrow.timestamp() / 86_400 + 1) * 86_400 + 600), "{drawn}");
    // The worker logs what it removed; wrangler writes the line to its log a moment after the answer.
    let counted = r#"housekeeping: {"trash":1,"spam":1,"emails":1,"rate_limits":"#;
    let logged = (0..50).any(|_| {
        let seen = app.log().contains(counted);
        if !seen {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        seen
    });
    assert!(logged, "the run counts what it removed: {}", app.log());
}

/// What the database looks like, to prove a refused request changed nothing.
fn snapshot(app: &TestApp) -> Vec<serde_json::Value> {
    let mut rows = app.d1("SELECT id, status, body FROM comments ORDER BY id");
    rows.extend(app.d1("SELECT kind, slug, summary FROM posts ORDER BY kind, slug"));
    rows
}

fn no_admin_route_answers_or_changes_anything_without_valid_credentials(app: &TestApp) {
    let id = submit(app, "Walk", "Comment that must survive the walk.");
    let k = key();
    let valid = Session { expires: chrono::Utc::now().timestamp() + 3600, id: "walker".into() }.cookie_value(&k);
    let mut tampered = valid.clone().into_bytes();
    tampered[valid.len() - 1] = if tampered[valid.len() - 1] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    let expired = Session { expires: chrono::Utc::now().timestamp() - 1, id: "walker".into() }.cookie_value(&k);
    let cookies =
        [None, Some(format!("blog_admin={tampered}")), Some(format!("blog_admin={expired}")), Some("blog_admin=garbage; other=1".into())];
    let before = snapshot(app);
    let mut checked = 0;
    for (path, route) in Route::examples() {
        let guard = route.guard();
        if guard == Guard::Public {
            continue;
        }
        let path = path.replace("/comments/1", &format!("/comments/{id}")).replace("/posts/x", &format!("/posts/{SLUG}"));
        for method in route.allowed() {
            for cookie in &cookies {
                let client = ip();
                let mut headers = vec![("Origin", app.base.as_str()), ("CF-Connecting-IP", client.as_str())];
                if let Some(c) = cookie {
                    headers.push(("Cookie", c.as_str()));
                }
                let fields = [("csrf", "x"), ("act", "delete"), ("ids", &id.to_string()), ("body", "hijacked"), ("token", "wrong")];
                let r = match method {
                    Method::Get => app.get_headers(&path, &headers),
                    Method::Post => app.post_form_headers(&path, &fields, &headers),
                    Method::Put => app.send_headers("PUT", &path, &headers, "+++\ntitle = \"Hijacked\"\ndate = 2024-01-01\n+++\n"),
                    Method::Delete => app.send_headers("DELETE", &path, &headers, ""),
                    Method::Head | Method::Other => continue,
                };
                let ok = match guard {
                    Guard::Bearer => r.status == 401,
                    Guard::Session => r.status == 303 && r.header("location") == Some("/admin/"),
                    Guard::SignIn => (r.status == 200 && r.body.contains("action=\"/admin/login\"")) || r.status == 401 || r.status == 429,
                    Guard::FeedKey => r.status == 401,
                    Guard::SignedLink => r.status == 404,
                    Guard::Public => true,
                };
                assert!(
                    ok,
                    "{method:?} {path} with cookie {cookie:?} answered {}: {}",
                    r.status,
                    r.body.chars().take(300).collect::<String>()
                );
                assert!(r.header("set-cookie").is_none(), "{path}: no session may be granted");
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "walked {checked} requests");
    assert_eq!(snapshot(app), before, "a refused request changed the database");
}

/// The contract: without valid credentials every `/admin/**` address answers 401 (API) or leads to sign-in (HTML),
/// even one that names nothing; with them, a slug that is not one is a 400 that says why.
fn an_unknown_admin_address_is_guarded_then_not_found(app: &TestApp) {
    assert_eq!(app.get("/admin/api/nothing").status, 401);
    let r = app.get("/admin/nothing/");
    assert_eq!((r.status, r.header("location")), (303, Some("/admin/")));
    assert_eq!(app.admin("GET", "/admin/api/nothing").status, 404);
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let bad = app.send_headers("PUT", "/admin/api/posts/Bad%20Slug", &[("Authorization", &bearer)], "+++\ntitle = \"T\"\n+++\n");
    assert_eq!(bad.status, 400, "{}", bad.body);
    bad.assert_contains("may only contain lowercase letters");
    let admin = sign_in(app);
    assert_eq!(app.get_headers("/admin/nothing/", &[("Cookie", &admin.cookie)]).status, 404);
}
