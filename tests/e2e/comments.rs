//! Readers' comments on the real runtime with real D1: submitting, moderation, threads, defences, privacy.

use crate::support::{Resp, TestApp, ADMIN_TOKEN};
use crate::Test;
use edge_blog::core::moderation::{client_key, form_token, signing_key};
use edge_blog::core::token::SigningKey;
use std::sync::atomic::{AtomicU32, Ordering};

pub const TESTS: &[Test] = &[
    ("a_comment_waits_for_review_then_appears_with_its_count", a_comment_waits_for_review_then_appears_with_its_count),
    ("a_reply_is_threaded_under_its_parent", a_reply_is_threaded_under_its_parent),
    ("each_validation_error_comes_back_with_the_text_kept", each_validation_error_comes_back_with_the_text_kept),
    ("an_oversized_form_is_refused_with_413", an_oversized_form_is_refused_with_413),
    ("the_honeypot_sends_a_comment_to_spam", the_honeypot_sends_a_comment_to_spam),
    ("a_form_sent_faster_than_the_minimum_or_forged_is_refused", a_form_sent_faster_than_the_minimum_or_forged_is_refused),
    ("links_and_hold_words_hold_a_known_commenter_and_spam_words_spam", links_and_hold_words_hold_a_known_commenter_and_spam_words_spam),
    ("the_rate_limit_refuses_the_sixth_comment_with_the_text_kept", the_rate_limit_refuses_the_sixth_comment_with_the_text_kept),
    ("the_same_body_within_a_minute_is_stored_once", the_same_body_within_a_minute_is_stored_once),
    ("a_closed_post_shows_why_and_refuses_comments", a_closed_post_shows_why_and_refuses_comments),
    ("the_private_link_lets_a_commenter_edit_and_delete", the_private_link_lets_a_commenter_edit_and_delete),
    ("comment_feeds_carry_approved_comments_only", comment_feeds_carry_approved_comments_only),
    ("the_admin_comment_api_lists_moderates_and_deletes", the_admin_comment_api_lists_moderates_and_deletes),
    ("email_addresses_never_appear_and_readers_get_no_cookie", email_addresses_never_appear_and_readers_get_no_cookie),
    ("a_long_discussion_is_paged_by_thread_newest_first", a_long_discussion_is_paged_by_thread_newest_first),
];

const POST: &str = "/posts/tracking-sleep-gently/";
const SLUG: &str = "tracking-sleep-gently";

/// Each test comments from its own client address, so rate limits do not cross tests.
fn client() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!("203.0.113.{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn key() -> SigningKey {
    signing_key(None, Some(ADMIN_TOKEN)).expect("key")
}

/// A form token issued `age` seconds ago for `slug`, as the post page would have rendered it then.
fn issued(slug: &str, age: i64) -> String {
    form_token(&key(), slug, chrono::Utc::now().timestamp() - age, &crate::support::nonce())
}

fn comment(app: &TestApp, post: &str, slug: &str, fields: &[(&str, &str)], ip: &str) -> Resp {
    let token = issued(slug, 10);
    let mut all = vec![("issued", token.as_str())];
    all.extend_from_slice(fields);
    app.post_form(&format!("{post}comments"), &all, ip)
}

/// Submits a comment and returns its private key and id.
fn submit(app: &TestApp, author: &str, body: &str, extra: &[(&str, &str)], ip: &str) -> (String, i64) {
    let mut fields = vec![("author", author), ("body", body)];
    fields.extend_from_slice(extra);
    let r = comment(app, POST, SLUG, &fields, ip);
    assert_eq!(r.status, 303, "{}", r.body);
    let location = r.header("location").expect("Location").to_string();
    let key = location.split("comment=").nth(1).and_then(|s| s.split('#').next()).expect("manage key in the redirect").to_string();
    (key.clone(), id_of(app, body))
}

/// The id of the newest comment with this exact body, whatever its status.
fn id_of(app: &TestApp, body: &str) -> i64 {
    for status in ["pending", "approved", "spam", "trash"] {
        let list: serde_json::Value =
            serde_json::from_str(&app.admin("GET", &format!("/admin/api/comments?status={status}")).body).expect("JSON");
        if let Some(c) = list.as_array().and_then(|a| a.iter().find(|c| c["body"] == body)) {
            return c["id"].as_i64().expect("id");
        }
    }
    panic!("no comment with body {body:?}");
}

fn status_of(app: &TestApp, id: i64) -> String {
    for status in ["pending", "approved", "spam", "trash"] {
        let list: serde_json::Value =
            serde_json::from_str(&app.admin("GET", &format!("/admin/api/comments?status={status}")).body).expect("JSON");
        if list.as_array().is_some_and(|a| a.iter().any(|c| c["id"] == id)) {
            return status.to_string();
        }
    }
    "absent".into()
}

fn approve(app: &TestApp, id: i64) {
    let r = app.admin("POST", &format!("/admin/api/comments/{id}/approve"));
    assert_eq!(r.status, 200, "{}", r.body);
}

fn a_comment_waits_for_review_then_appears_with_its_count(app: &TestApp) {
    let before = app.get(POST);
    let (key, id) = submit(app, "Mira", "Keeping a diary helped me notice the pattern.", &[], &client());
    let confirmation = app.get(&format!("{POST}?comment={key}"));
    confirmation.assert_contains("waiting for review");
    confirmation.assert_contains(&format!("/comments/{key}/"));
    assert_eq!(confirmation.header("cache-control"), Some("no-store"), "the private link is never cached");
    let page = app.get(POST);
    page.assert_lacks("Keeping a diary helped me");
    assert_eq!(before.header("etag"), page.header("etag"), "a pending comment changes nothing for readers");
    approve(app, id);
    let page = app.get(POST);
    page.assert_contains("Keeping a diary helped me notice the pattern.");
    page.assert_contains(&format!("id=\"comment-{id}\""));
    page.assert_contains("comment on “Tracking Sleep, Gently”");
    assert_ne!(before.header("etag"), page.header("etag"), "no stale ETag after approval");
    let list = app.get("/page/2/");
    let home = if list.body.contains(POST) { list } else { app.get("/") };
    assert!(home.body.contains("comment</a>") || home.body.contains("comments</a>"), "list pages show the count");
}

fn a_reply_is_threaded_under_its_parent(app: &TestApp) {
    let ip = client();
    let (_, parent) = submit(app, "Jon", "Parent comment for threading.", &[], &ip);
    approve(app, parent);
    let with_reply = app.get(&format!("{POST}?replyto={parent}"));
    with_reply.assert_contains("Reply to Jon");
    with_reply.assert_contains(&format!("name=\"parent\" value=\"{parent}\""));
    let parent_text = parent.to_string();
    let (_, child) = submit(app, "Ida", "A reply in the thread.", &[("parent", &parent_text)], &ip);
    approve(app, child);
    let page = app.get(POST);
    let start = page.body.find(&format!("<li id=\"comment-{parent}\">")).expect("parent item");
    let child_at = page.body.find(&format!("<li id=\"comment-{child}\">")).expect("child item");
    let between = &page.body[start..child_at];
    assert!(between.contains("<ol>") && !between.contains("</li>"), "the reply is inside its parent's list item:\n{between}");
    let bogus = comment(app, POST, SLUG, &[("author", "X"), ("body", "Reply to nothing"), ("parent", "999999")], &ip);
    assert_eq!(bogus.status, 422);
    bogus.assert_contains("could not be found");
    bogus.assert_contains("Reply to nothing");
}

fn each_validation_error_comes_back_with_the_text_kept(app: &TestApp) {
    let ip = client();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("author", ""), ("body", "My careful words, no name.")], "Please give a name"),
        (&[("author", "Ann"), ("body", "")], "Please write a comment."),
        (&[("author", "Ann"), ("body", "My careful words."), ("url", "javascript:alert(1)")], "must start with https://"),
        (&[("author", "Ann"), ("body", "My careful words."), ("email", "not an email")], "does not look like an email"),
        (&[("author", &"N".repeat(101)), ("body", "My careful words.")], "under 100 characters"),
    ];
    for (fields, message) in cases {
        let r = comment(app, POST, SLUG, fields, &ip);
        assert_eq!(r.status, 422, "{message}");
        r.assert_contains(message);
        r.assert_contains("aria-invalid=\"true\"");
        for (name, value) in fields.iter().filter(|(_, v)| !v.is_empty() && v.len() < 100) {
            if *name == "body" {
                r.assert_contains(&format!(">{value}</textarea>"));
            } else {
                r.assert_contains(&format!("value=\"{value}\""));
            }
        }
    }
    let long = "x".repeat(10_001);
    let r = comment(app, POST, SLUG, &[("author", "Ann"), ("body", &long)], &ip);
    assert_eq!(r.status, 422);
    r.assert_contains("under 10000 characters");
    r.assert_contains(&long);
}

fn an_oversized_form_is_refused_with_413(app: &TestApp) {
    let huge = "y".repeat(70 * 1024);
    let r = comment(app, POST, SLUG, &[("author", "Big"), ("body", &huge)], &client());
    assert_eq!(r.status, 413);
}

fn the_honeypot_sends_a_comment_to_spam(app: &TestApp) {
    let (_, id) = submit(app, "Bot", "Buy followers honeypot test.", &[("website_confirm", "http://spam.example")], &client());
    assert_eq!(status_of(app, id), "spam");
    app.get(POST).assert_lacks("Buy followers honeypot test.");
}

fn a_form_sent_faster_than_the_minimum_or_forged_is_refused(app: &TestApp) {
    let ip = client();
    let fast = issued(SLUG, 0);
    let r =
        app.post_form(&format!("{POST}comments"), &[("issued", &fast), ("author", "Quick"), ("body", "Typed at lightning speed.")], &ip);
    assert_eq!(r.status, 422);
    r.assert_contains("quicker than a person");
    r.assert_contains("Typed at lightning speed.");
    let forged = format!("{}.{}", chrono::Utc::now().timestamp() - 60, "0".repeat(64));
    let r = app.post_form(&format!("{POST}comments"), &[("issued", &forged), ("author", "Forger"), ("body", "Forged token.")], &ip);
    assert_eq!(r.status, 422);
    r.assert_contains("expired");
    let stale = issued(SLUG, 2 * 24 * 3600);
    let r = app.post_form(&format!("{POST}comments"), &[("issued", &stale), ("author", "Late"), ("body", "Left the tab open.")], &ip);
    assert_eq!(r.status, 422);
    r.assert_contains("Left the tab open.");
    let other_post = issued("welcome-to-quiet-hours", 10);
    let r =
        app.post_form(&format!("{POST}comments"), &[("issued", &other_post), ("author", "Mixed"), ("body", "Token of another post.")], &ip);
    assert_eq!(r.status, 422);
    let page = app.get(POST);
    assert!(page.body.contains("name=\"issued\" value=\""), "the form carries a signed time");
}

fn links_and_hold_words_hold_a_known_commenter_and_spam_words_spam(app: &TestApp) {
    let ip = client();
    let email = ("email", "known.reader@example.org");
    let (_, first) = submit(app, "Known", "My first comment here.", &[email], &ip);
    assert_eq!(status_of(app, first), "pending", "a new commenter waits");
    approve(app, first);
    let (_, second) = submit(app, "Known", "Back again with a thought.", &[email], &ip);
    assert_eq!(status_of(app, second), "approved", "a known commenter is approved at once (COMMENT_AUTO_APPROVE_KNOWN)");
    let (_, links) = submit(app, "Known", "See https://a.example and https://b.example and https://c.example", &[email], &ip);
    assert_eq!(status_of(app, links), "pending", "three links hold even a known commenter");
    let (_, word) = submit(app, "Known", "I would like a Refund please.", &[email], &ip);
    assert_eq!(status_of(app, word), "pending", "a hold word holds");
    let (_, spam) = submit(app, "Someone", "Best CASINO offers.", &[], &client());
    assert_eq!(status_of(app, spam), "spam");
}

fn the_rate_limit_refuses_the_sixth_comment_with_the_text_kept(app: &TestApp) {
    let (ip, now) = (client(), chrono::Utc::now());
    for i in 0..5 {
        submit(app, "Busy", &format!("Rate limited comment number {i}."), &[], &ip);
    }
    let r = comment(app, POST, SLUG, &[("author", "Busy"), ("body", "The sixth, kept.")], &ip);
    assert_eq!(r.status, 429);
    r.assert_contains("wait a few minutes");
    r.assert_contains("The sixth, kept.");
    submit(app, "Calm", "Another reader is not limited.", &[], &client());

    // What is kept of the reader: a key made under the day's random salt, which KV deletes ten minutes after the day
    // ends, and the end of the rate window (600 s), not the time of a comment.
    let day = now.format("%Y-%m-%d").to_string();
    let salt = app.kv(&["key", "get", &format!("salt:{day}")]).trim().to_string();
    assert!(salt.len() == 32 && salt.bytes().all(|b| b.is_ascii_hexdigit()), "a random salt: {salt:?}");
    let listed: serde_json::Value = serde_json::from_str(&app.kv(&["key", "list", "--prefix", "salt:"])).expect("JSON");
    let stored = listed.as_array().and_then(|keys| keys.iter().find(|k| k["name"] == format!("salt:{day}"))).expect("the day's salt");
    assert_eq!(stored["expiration"].as_i64(), Some((now.timestamp() / 86_400 + 1) * 86_400 + 600), "{stored}");
    let prefix = format!("comment:{}:", client_key(&salt, &ip));
    let rows = app.d1(&format!("SELECT key, count, expires_at FROM rate_limits WHERE substr(key, 1, {}) = '{prefix}'", prefix.len()));
    assert!(!rows.is_empty(), "the reader's count is under the salted key");
    for row in &rows {
        let window: i64 = row["key"].as_str().and_then(|k| k.strip_prefix(&prefix)).and_then(|w| w.parse().ok()).expect("window");
        let ends = chrono::DateTime::from_timestamp((window + 1) * 600, 0).expect("time").format("%Y-%m-%dT%H:%M:%SZ").to_string();
        assert_eq!(row["expires_at"].as_str(), Some(ends.as_str()), "{row}");
    }
    assert!(app.d1("SELECT key FROM rate_limits WHERE key LIKE '%203.0.113%'").is_empty(), "no address is stored");
}

fn the_same_body_within_a_minute_is_stored_once(app: &TestApp) {
    let ip = client();
    let body = "Sent twice by a double click.";
    let send_text = |issued: &str, ip: &str, body: &str| {
        let r = app.post_form(&format!("{POST}comments"), &[("issued", issued), ("author", "Twice"), ("body", body)], ip);
        assert_eq!(r.status, 303, "{}", r.body);
        r.header("location").unwrap_or_default().to_string()
    };
    let send = |issued: &str, ip: &str| send_text(issued, ip, body);
    // Two at once: one request stores it, the other finds its manage hash taken; both lead to the one link.
    let at_once = issued(SLUG, 10);
    let (a, b) = std::thread::scope(|s| {
        let [a, b] = [0, 1].map(|_| s.spawn(|| send_text(&at_once, &ip, "Sent twice at the same moment.")));
        (a.join().expect("first"), b.join().expect("second"))
    });
    assert!(a.contains("comment=") && a == b, "{a} / {b}");
    let form = issued(SLUG, 10);
    let first = send(&form, &ip);
    assert!(first.contains("comment="), "{first}");
    assert_eq!(send(&form, &ip), first, "the same form sent again (its answer lost) leads to the same private link");
    assert_eq!(send(&form, &client()), first, "from another network too (a phone moving off Wi-Fi)");
    assert!(send(&issued(SLUG, 30), &ip).contains("notice=duplicate"), "another form's same words get no link");
    let pending: serde_json::Value = serde_json::from_str(&app.admin("GET", "/admin/api/comments?status=pending").body).unwrap();
    let copies = pending.as_array().unwrap().iter().filter(|c| c["body"] == "Sent twice by a double click.").count();
    assert_eq!(copies, 1);
}

fn a_closed_post_shows_why_and_refuses_comments(app: &TestApp) {
    let page = app.get("/posts/letters-i-never-sent/");
    page.assert_contains("Comments are closed on this post.");
    page.assert_lacks("id=\"comment-form\"");
    // It has no comments: nothing to wait for, and no feed to follow.
    page.assert_contains("<h2 id=\"comments-heading\">Comments</h2>");
    page.assert_lacks("No comments yet");
    page.assert_lacks("Follow the comments on this post");
    let r = comment(
        app,
        "/posts/letters-i-never-sent/",
        "letters-i-never-sent",
        &[("author", "Late"), ("body", "Words for a closed post.")],
        &client(),
    );
    assert_eq!(r.status, 403);
    r.assert_contains("Words for a closed post.");
}

fn the_private_link_lets_a_commenter_edit_and_delete(app: &TestApp) {
    let (key, id) = submit(app, "Owner", "Words I may take back.", &[], &client());
    let manage = app.get(&format!("/comments/{key}/"));
    assert_eq!(manage.status, 200);
    manage.assert_contains("Words I may take back.");
    manage.assert_contains("Waiting for review");
    assert_eq!(manage.header("cache-control"), Some("no-store"));
    let edited = app.post_form(&format!("/comments/{key}/"), &[("action", "edit"), ("body", "Words I have *edited*.")], &client());
    assert_eq!(edited.status, 200);
    edited.assert_contains("Your changes are saved.");
    edited.assert_contains("<em>edited</em>");
    approve(app, id);
    app.get(POST).assert_contains("Words I have <em>edited</em>.");
    let calm_edit = app.post_form(&format!("/comments/{key}/"), &[("action", "edit"), ("body", "Words I have edited again.")], &client());
    assert_eq!(calm_edit.status, 200);
    assert_eq!(status_of(app, id), "approved", "an edit no rule objects to stays approved");
    // The form offers the name and website as stored, and a writer who gave their full name can shorten it.
    calm_edit.assert_contains(r#"name="author" type="text" maxlength="100" required value="Owner""#);
    let renamed = [("action", "edit"), ("author", "O."), ("url", ""), ("body", "Words I have edited again.")];
    let renamed = app.post_form(&format!("/comments/{key}/"), &renamed, &client());
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    // A new name is read again before it is shown (no one holding the link may take another's): until then the
    // comment is off the page, and the full name with it.
    renamed.assert_contains("Waiting for review");
    assert_eq!(status_of(app, id), "pending");
    app.get(POST).assert_lacks("<strong>Owner</strong>");
    approve(app, id);
    let page = app.get(POST);
    page.assert_contains("<strong>O.</strong>");
    page.assert_lacks("<strong>Owner</strong>");
    assert_eq!(app.d1(&format!("SELECT author FROM comments WHERE id = {id}"))[0]["author"], "O.");
    let nameless = app.post_form(&format!("/comments/{key}/"), &[("action", "edit"), ("author", ""), ("body", "Still here")], &client());
    assert_eq!(nameless.status, 422);
    nameless.assert_contains("Still here");
    let empty = app.post_form(&format!("/comments/{key}/"), &[("action", "edit"), ("body", "")], &client());
    assert_eq!(empty.status, 422);
    let parent = id.to_string();
    let (_, reply) = submit(app, "Replier", "A reply that outlives the comment it answers.", &[("parent", &parent)], &client());
    approve(app, reply);
    let deleted = app.post_form(&format!("/comments/{key}/"), &[("action", "delete")], &client());
    assert_eq!(deleted.status, 200);
    deleted.assert_contains("has been deleted");
    assert_eq!(status_of(app, id), "absent");
    let page = app.get(POST);
    page.assert_lacks("Words I have edited again.");
    // Someone else's approved reply stays, as the first of its thread now: the post counts it, so it shows it.
    page.assert_contains(&format!("<li id=\"comment-{reply}\">"));
    page.assert_contains("A reply that outlives the comment it answers.");
    assert_eq!(app.get(&format!("/comments/{key}/")).status, 404);
    assert_eq!(app.get(&format!("/comments/{}/", "0".repeat(64))).status, 404);
}

fn comment_feeds_carry_approved_comments_only(app: &TestApp) {
    let ip = client();
    let (_, shown) = submit(app, "Feedy", "Approved words for the feed.", &[], &ip);
    approve(app, shown);
    submit(app, "Feedy", "Pending words stay out of feeds.", &[], &ip);
    for path in [format!("{POST}comments.xml"), "/comments.xml".to_string()] {
        let feed = app.get(&path);
        assert_eq!(feed.status, 200, "{path}");
        assert!(feed.header("content-type").unwrap_or_default().starts_with("application/atom+xml"));
        let mut reader = quick_xml::Reader::from_str(&feed.body);
        while !matches!(reader.read_event().expect("well-formed"), quick_xml::events::Event::Eof) {}
        feed.assert_contains("Approved words for the feed.");
        feed.assert_lacks("Pending words stay out of feeds.");
        feed.assert_contains(&format!("#comment-{shown}"));
    }
    assert_eq!(app.get("/posts/no-such-post/comments.xml").status, 404);
}

fn the_admin_comment_api_lists_moderates_and_deletes(app: &TestApp) {
    let (_, id) = submit(app, "Moderated", "A comment to move around.", &[], &client());
    let list: serde_json::Value = serde_json::from_str(&app.admin("GET", "/admin/api/comments?status=pending").body).unwrap();
    let item = list.as_array().unwrap().iter().find(|c| c["id"] == id).expect("listed as pending").clone();
    for field in ["id", "post", "parent", "author", "body", "status", "created_at"] {
        assert!(item.get(field).is_some(), "{field} in {item}");
    }
    assert_eq!(item["post"], SLUG);
    for (action, status) in [("spam", "spam"), ("restore", "pending"), ("trash", "trash"), ("restore", "pending"), ("approve", "approved")]
    {
        let r = app.admin("POST", &format!("/admin/api/comments/{id}/{action}"));
        assert_eq!(r.status, 200, "{action}: {}", r.body);
        assert_eq!(status_of(app, id), status, "after {action}");
    }
    assert_eq!(app.admin("DELETE", &format!("/admin/api/comments/{id}")).status, 204);
    assert_eq!(status_of(app, id), "absent");
    assert_eq!(app.admin("DELETE", &format!("/admin/api/comments/{id}")).status, 404);
    assert_eq!(app.admin("POST", "/admin/api/comments/999999/approve").status, 404);
    assert_eq!(app.admin("GET", "/admin/api/comments?status=bogus").status, 400);
    assert_eq!(app.get("/admin/api/comments?status=pending").status, 401, "no token, no list");
    let r = app.post_raw(&format!("/admin/api/comments/{id}/approve"), "text/plain", "");
    assert_eq!(r.status, 401);
}

fn email_addresses_never_appear_and_readers_get_no_cookie(app: &TestApp) {
    let ip = client();
    let email = "private.person@example.org";
    let (key, id) = submit(app, "Private", "My email must stay private.", &[("email", email), ("url", "https://private.example/")], &ip);
    approve(app, id);
    for path in [
        POST.to_string(),
        format!("/comments/{key}/"),
        format!("{POST}comments.xml"),
        "/comments.xml".into(),
        "/".into(),
        "/feed.xml".into(),
    ] {
        let r = app.get(&path);
        r.assert_lacks(email);
        assert!(r.header("set-cookie").is_none(), "{path}");
    }
    app.admin("GET", "/admin/api/comments?status=approved").assert_lacks(email);
    let page = app.get(POST);
    page.assert_contains("href=\"https://private.example/\" rel=\"nofollow ugc noopener\"");
    assert!(!page.body.contains("gravatar"), "no third-party avatars");
}

fn a_long_discussion_is_paged_by_thread_newest_first(app: &TestApp) {
    let doc = "+++\ntitle = \"Busy thread\"\ndate = 2024-03-03\n+++\nTalk to me.\n";
    assert_eq!(app.put_post("busy-thread", doc).status, 201);
    let (post, slug) = ("/posts/busy-thread/", "busy-thread");
    let ip = client();
    let mut ids = Vec::new();
    for i in 1..=5 {
        let token = issued(slug, 10);
        let body = format!("Thread number {i} on the busy post.");
        let r = app.post_form(&format!("{post}comments"), &[("issued", &token), ("author", "Talker"), ("body", &body)], &ip);
        assert_eq!(r.status, 303, "{}", r.body);
        let id = id_of(app, &body);
        approve(app, id);
        ids.push(id);
    }
    let first = ids[0].to_string();
    let token = issued(slug, 10);
    let r = app.post_form(
        &format!("{post}comments"),
        &[("issued", &token), ("author", "Replier"), ("body", "A late reply to the first thread."), ("parent", &first)],
        &client(),
    );
    assert_eq!(r.status, 303);
    approve(app, id_of(app, "A late reply to the first thread."));
    // COMMENTS_PER_PAGE is 3 in tests: the newest three threads first.
    let page1 = app.get(post);
    page1.assert_contains("6 comments on “Busy thread”");
    for i in [5, 4, 3] {
        page1.assert_contains(&format!("Thread number {i} on the busy post."));
    }
    page1.assert_lacks("Thread number 1 on the busy post.");
    page1.assert_contains("href=\"/posts/busy-thread/?cpage=2#comments\"");
    let page2 = app.get(&format!("{post}?cpage=2"));
    page2.assert_contains("Thread number 1 on the busy post.");
    page2.assert_contains("A late reply to the first thread.");
    page2.assert_lacks("Thread number 3 on the busy post.");
    page2.assert_contains("href=\"/posts/busy-thread/#comments\"");
    page2.assert_lacks("?cpage=3");
    // Past the last page: no thread, and the heading still counts every comment (read apart from the page's rows).
    let page3 = app.get(&format!("{post}?cpage=3"));
    page3.assert_contains("6 comments on “Busy thread”");
    page3.assert_lacks("Thread number");
    assert_eq!(app.delete_post("busy-thread", Some(ADMIN_TOKEN)).status, 204);
}
