//! What the author does: publish through the admin API and the CLI; drafts, scheduled posts, deletion, errors.

use crate::support::{stylesheet_link, TestApp, ADMIN_TOKEN};
use crate::Test;
use std::time::Duration;

pub const TESTS: &[Test] = &[
    ("admin_api_refuses_missing_or_wrong_tokens_and_changes_nothing", admin_api_refuses_missing_or_wrong_tokens_and_changes_nothing),
    ("publish_update_republish_and_delete_through_the_api", publish_update_republish_and_delete_through_the_api),
    ("bad_front_matter_is_a_400_with_the_reason", bad_front_matter_is_a_400_with_the_reason),
    ("drafts_stay_hidden", drafts_stay_hidden),
    ("a_scheduled_post_appears_at_its_time_without_a_redeploy", a_scheduled_post_appears_at_its_time_without_a_redeploy),
    ("a_stored_post_that_cannot_be_parsed_gives_a_designed_500", a_stored_post_that_cannot_be_parsed_gives_a_designed_500),
    ("blog_publish_local_writes_to_the_running_blog", blog_publish_local_writes_to_the_running_blog),
    (
        "a_post_is_stored_prepared_and_one_stored_without_or_by_another_renderer_or_unreadable_is_rendered_from_its_file",
        a_post_is_stored_prepared_and_one_stored_without_or_by_another_renderer_or_unreadable_is_rendered_from_its_file,
    ),
    (
        "an_index_stored_without_its_current_parts_still_serves_every_page",
        an_index_stored_without_its_current_parts_still_serves_every_page,
    ),
    ("publishes_and_deletions_at_the_same_moment_are_all_in_the_index", publishes_and_deletions_at_the_same_moment_are_all_in_the_index),
    ("the_daily_clean_up_stores_an_index_behind_the_catalog_again", the_daily_clean_up_stores_an_index_behind_the_catalog_again),
];

fn doc(title: &str, date: &str, extra: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = \"{date}\"\n{extra}\n+++\n{body}\n")
}

fn admin_api_refuses_missing_or_wrong_tokens_and_changes_nothing(app: &TestApp) {
    let file = doc("Sneaky", "2024-01-01", "", "Should never appear.");
    for token in [None, Some("wrong"), Some("")] {
        let r = app.put_doc("posts", "sneaky", &file, token);
        assert_eq!(r.status, 401, "token {token:?}");
    }
    assert_eq!(app.delete_post("tracking-sleep-gently", Some("wrong")).status, 401);
    assert_eq!(app.get("/posts/sneaky/").status, 404);
    assert_eq!(app.get("/posts/tracking-sleep-gently/").status, 200);
    let in_query = app.get(&format!("/admin/api/posts/sneaky?token={ADMIN_TOKEN}"));
    assert_ne!(in_query.status, 200, "a token in the query string is never accepted");
}

fn publish_update_republish_and_delete_through_the_api(app: &TestApp) {
    let file = doc("Edge notes", "2025-06-01T10:00:00Z", "tags = [\"Api Test\"]", "Words about quokkas.\n\n<!-- more -->\n\nRest.");
    let created = app.put_post("edge-notes", &file);
    assert_eq!(created.status, 201, "{}", created.body);
    let json: serde_json::Value = serde_json::from_str(&created.body).expect("JSON reply");
    assert_eq!(json, serde_json::json!({"slug": "edge-notes", "url": "/posts/edge-notes/"}));
    app.get("/posts/edge-notes/").assert_contains("Words about quokkas.");
    app.get("/tags/api-test/").assert_contains("/posts/edge-notes/");
    app.get("/search?q=quokkas").assert_contains("/posts/edge-notes/");

    let etag = app.get("/posts/edge-notes/").header("etag").map(str::to_string);
    let again = app.put_post("edge-notes", &file);
    assert_eq!(again.status, 200, "republishing the same file is an update that changes nothing");
    assert_eq!(app.get("/posts/edge-notes/").header("etag").map(str::to_string), etag);

    let edited = app.put_post("edge-notes", &file.replace("quokkas", "wombats"));
    assert_eq!(edited.status, 200);
    app.get("/posts/edge-notes/").assert_contains("wombats");
    app.get("/search?q=wombats").assert_contains("/posts/edge-notes/");
    app.get("/search?q=quokkas").assert_lacks("/posts/edge-notes/");

    assert_eq!(app.delete_post("edge-notes", Some(ADMIN_TOKEN)).status, 204);
    assert_eq!(app.get("/posts/edge-notes/").status, 404);
    for path in ["/", "/feed.xml", "/rss.xml", "/archive/", "/search?q=wombats"] {
        app.get(path).assert_lacks("/posts/edge-notes/");
    }
    app.sitemaps().assert_lacks("/posts/edge-notes/");
    assert_eq!(app.get("/tags/api-test/").status, 404);
    assert_eq!(app.delete_post("edge-notes", Some(ADMIN_TOKEN)).status, 404);
}

fn bad_front_matter_is_a_400_with_the_reason(app: &TestApp) {
    let r = app.put_post("broken", "+++\ntitle = \"Broken\"\ndate = \"someday\"\n+++\nText");
    assert_eq!(r.status, 400);
    r.assert_contains("line 3");
    r.assert_contains("date");
    let r = app.put_post("broken", "no front matter at all");
    assert_eq!(r.status, 400);
    r.assert_contains("+++");
    let r = app.put_post("broken", &doc("Other", "2024-01-01", "slug = \"other\"", "x"));
    assert_eq!(r.status, 400);
    r.assert_contains("make them agree");
    let page = app.put_doc("pages", "tags", "+++\ntitle = \"Tags\"\n+++\nx", Some(ADMIN_TOKEN));
    assert_eq!(page.status, 400, "a page may not shadow /tags/");
    assert_eq!(app.get("/posts/broken/").status, 404);
}

fn drafts_stay_hidden(app: &TestApp) {
    assert_eq!(app.put_post("secret-draft", &doc("Secret draft", "2024-02-02", "draft = true", "Not yet.")).status, 201);
    assert_eq!(app.get("/posts/secret-draft/").status, 404);
    for path in ["/", "/feed.xml", "/archive/", "/search?q=secret"] {
        app.get(path).assert_lacks("/posts/secret-draft/");
    }
    app.sitemaps().assert_lacks("/posts/secret-draft/");
    assert_eq!(app.put_post("secret-draft", &doc("Secret draft", "2024-02-02", "draft = false", "Now.")).status, 200);
    assert_eq!(app.get("/posts/secret-draft/").status, 200);
    assert_eq!(app.delete_post("secret-draft", Some(ADMIN_TOKEN)).status, 204);
}

fn a_scheduled_post_appears_at_its_time_without_a_redeploy(app: &TestApp) {
    let at = chrono::Utc::now() + chrono::Duration::seconds(6);
    let date = at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let old_address = "aliases = [\"/2020/01/scheduled/\"]";
    assert_eq!(app.put_post("scheduled", &doc("Scheduled", &date, old_address, "From the future.")).status, 201);
    assert_eq!(app.put_doc("pages", "scheduled-page", &doc("Soon", &date, "", "A page."), Some(ADMIN_TOKEN)).status, 201);
    assert_eq!(app.get("/posts/scheduled/").status, 404);
    assert_eq!(app.get("/scheduled-page/").status, 404);
    let early = app.get("/2020/01/scheduled/");
    assert_eq!((early.status, early.header("location")), (404, None), "its old address does not tell where it will be");
    for path in ["/", "/feed.xml", "/rss.xml", "/archive/", "/search?q=future", "/posts/tracking-sleep-gently/"] {
        app.get(path).assert_lacks("/posts/scheduled/");
        app.get(path).assert_lacks("/scheduled-page/");
    }
    let sitemaps = app.sitemaps();
    sitemaps.assert_lacks("/posts/scheduled/");
    sitemaps.assert_lacks("/scheduled-page/");
    let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(2);
    std::thread::sleep(wait);
    assert_eq!(app.get("/posts/scheduled/").status, 200);
    assert_eq!(app.get("/scheduled-page/").status, 200);
    let moved = app.get("/2020/01/scheduled/");
    assert_eq!((moved.status, moved.header("location")), (301, Some("/posts/scheduled/")));
    for path in ["/", "/feed.xml", "/rss.xml", "/archive/", "/search?q=future"] {
        app.get(path).assert_contains("/posts/scheduled/");
    }
    // The page is linked from every page's navigation, and listed in the sitemap.
    for path in ["/", "/archive/", "/posts/tracking-sleep-gently/"] {
        app.get(path).assert_contains("/scheduled-page/");
    }
    let sitemaps = app.sitemaps();
    sitemaps.assert_contains("/posts/scheduled/");
    sitemaps.assert_contains("/scheduled-page/");
    assert_eq!(app.delete_post("scheduled", Some(ADMIN_TOKEN)).status, 204);
    assert_eq!(app.delete_doc("pages", "scheduled-page", Some(ADMIN_TOKEN)).status, 204);
}

fn a_stored_post_that_cannot_be_parsed_gives_a_designed_500(app: &TestApp) {
    let garbage = r#"{"kind":"post","version":"x","source":"this file lost its front matter"}"#;
    app.kv(&["key", "put", "post:mangled", garbage]);
    let r = app.get("/posts/mangled/");
    assert_eq!(r.status, 500);
    r.assert_contains("Something went wrong");
    r.assert_contains(&stylesheet_link());
    assert_eq!(app.get("/posts/tracking-sleep-gently/").status, 200, "the next request is served normally");

    // Not even JSON: the same designed 500 (not "cannot reach its storage"), and publishing the file repairs it.
    app.kv(&["key", "put", "post:mangled", "{\"kind\":\"post\",\"vers"]);
    let r = app.get("/posts/mangled/");
    assert_eq!(r.status, 500);
    r.assert_contains("Something went wrong");
    let file = doc("Mangled no more", "2024-03-01", "", "Repaired by publishing.");
    let put = app.put_doc("posts", "mangled", &file, Some(ADMIN_TOKEN));
    assert_eq!(put.status, 201, "an unreadable document counts as absent: {}", put.body);
    app.get("/posts/mangled/").assert_contains("Repaired by publishing.");
}

fn a_post_is_stored_prepared_and_one_stored_without_or_by_another_renderer_or_unreadable_is_rendered_from_its_file(app: &TestApp) {
    let file = doc("Prepared", "2024-02-01", "", "Made **once**, when published.");
    assert_eq!(app.put_doc("posts", "prepared", &file, Some(ADMIN_TOKEN)).status, 201);
    let stored: serde_json::Value = serde_json::from_str(&app.kv(&["key", "get", "post:prepared"])).expect("stored JSON");
    assert_eq!(stored["prepared"]["html"], "<p>Made <strong>once</strong>, when published.</p>\n", "{stored}");
    assert!(stored["prepared"]["renderer"].is_string(), "{stored}");
    app.get("/posts/prepared/").assert_contains("<p>Made <strong>once</strong>, when published.</p>");

    // As a release before prepared pages stored it: the file alone.
    let source = doc("Earlier", "2024-02-02", "", "Stored by an **earlier** release.");
    let earlier = serde_json::json!({ "kind": "post", "version": "earlier-1", "source": source });
    app.kv(&["key", "put", "post:earlier", &earlier.to_string()]);
    app.get("/posts/earlier/").assert_contains("<p>Stored by an <strong>earlier</strong> release.</p>");

    // Prepared by a renderer this worker does not know: its HTML is not trusted, the file is rendered again.
    let mut other = stored.clone();
    other["version"] = "other-renderer-1".into();
    other["prepared"]["renderer"] = "a renderer from elsewhere".into();
    other["prepared"]["html"] = "<p>stale HTML</p>".into();
    app.kv(&["key", "put", "post:prepared", &other.to_string()]);
    let page = app.get("/posts/prepared/");
    page.assert_contains("<p>Made <strong>once</strong>, when published.</p>");
    assert!(!page.body.contains("stale HTML"), "{}", page.body);

    // A prepared page of a shape this worker cannot read (a later release's): the file is rendered, not a 500.
    let mut later = stored.clone();
    later["version"] = "later-shape-1".into();
    later["source"] = doc("Prepared", "2024-02-01", "", "Made *again*, from the file.").into();
    later["prepared"] = serde_json::json!({ "renderer": "9", "sections": ["<p>stale HTML</p>"] });
    app.kv(&["key", "put", "post:prepared", &later.to_string()]);
    let page = app.get("/posts/prepared/");
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains("<p>Made <em>again</em>, from the file.</p>");
    assert!(!page.body.contains("stale HTML"), "{}", page.body);
}

fn blog_publish_local_writes_to_the_running_blog(app: &TestApp) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("posts")).expect("posts dir");
    std::fs::write(
        dir.path().join("posts/from-the-cli.md"),
        doc("From the CLI", "2026-06-01", "tags = [\"cli\"]", "Published by the command line."),
    )
    .expect("write");
    let out = app.blog_publish_local(dir.path());
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    app.get("/posts/from-the-cli/").assert_contains("Published by the command line.");
    app.get("/").assert_contains("/posts/from-the-cli/");
    app.get("/tags/cli/").assert_contains("/posts/from-the-cli/");
    // The sample posts published at start-up are still listed: the index is rebuilt from the whole catalog.
    app.get("/archive/").assert_contains("/posts/tracking-sleep-gently/");
    assert_eq!(app.delete_post("from-the-cli", Some(ADMIN_TOKEN)).status, 204);
}

/// KV last written by a publish that knew only `index` and `index:version` (an older worker or CLI): parts that
/// are missing, or left behind with another version, are cut from the whole until the next publish writes them.
fn an_index_stored_without_its_current_parts_still_serves_every_page(app: &TestApp) {
    let old_front = app.kv(&["key", "get", "index:front"]);
    // The older writer publishes a post: its whole index lists it and its version moves on; the parts stay behind.
    app.put_post("older-writer", &doc("Older writer", "2026-06-03", "", "Listed by the whole index only."));
    let mut index: serde_json::Value = serde_json::from_str(&app.kv(&["key", "get", "index"])).expect("the index is JSON");
    index["version"] = "from-an-older-publish".into();
    app.kv(&["key", "put", "index", &index.to_string()]);
    app.kv(&["key", "put", "index:front", &old_front]);
    app.kv(&["key", "delete", "index:aliases"]);
    app.kv(&["key", "put", "index:version", "from-an-older-publish"]);

    app.get("/").assert_contains("/posts/older-writer/");
    app.get("/feed.xml").assert_contains("/posts/older-writer/");
    let moved = app.get("/2026/04/asking-for-help/");
    assert_eq!((moved.status, moved.header("location")), (301, Some("/posts/when-to-ask-for-help/")), "aliases still redirect");

    app.put_post("parts-again", &doc("Parts again", "2026-06-04", "", "Any publish writes every part."));
    let front: serde_json::Value = serde_json::from_str(&app.kv(&["key", "get", "index:front"])).expect("index:front is JSON");
    assert_ne!(front["version"], "from-an-older-publish");
    app.get("/").assert_contains("/posts/parts-again/");
    for slug in ["older-writer", "parts-again"] {
        assert_eq!(app.delete_post(slug, Some(ADMIN_TOKEN)).status, 204);
    }
}

/// Requests to the admin API at once run interleaved in one isolate, each building the index from the catalog as it
/// read it: every one of them must still be in the index that is left.
fn publishes_and_deletions_at_the_same_moment_are_all_in_the_index(app: &TestApp) {
    let slugs: Vec<String> = (1..=8).map(|i| format!("side-by-side-{i}")).collect();
    std::thread::scope(|s| {
        for (i, slug) in slugs.iter().enumerate() {
            s.spawn(move || {
                let r = app.put_post(slug, &doc(&format!("Side by side {i}"), &format!("2025-03-0{}", i + 1), "", "Together."));
                assert_eq!(r.status, 201, "{slug}: {}", r.body);
            });
        }
    });
    let (archive, feed) = (app.get("/archive/"), app.get("/feed.xml"));
    for slug in &slugs {
        archive.assert_contains(&format!("/posts/{slug}/"));
        feed.assert_contains(&format!("/posts/{slug}/"));
    }
    std::thread::scope(|s| {
        for slug in &slugs {
            s.spawn(move || assert_eq!(app.delete_post(slug, Some(ADMIN_TOKEN)).status, 204, "{slug}"));
        }
    });
    let archive = app.get("/archive/");
    for slug in &slugs {
        archive.assert_lacks(&format!("/posts/{slug}/"));
    }
}

/// A publish that gave up while others wrote (a 503 that says the change is saved), or was cut short, leaves the
/// stored index behind the catalog: the daily clean-up builds it again and stores it.
fn the_daily_clean_up_stores_an_index_behind_the_catalog_again(app: &TestApp) {
    let parts = ["index", "index:front", "index:aliases", "index:tags", "index:version"];
    let before: Vec<String> = parts.iter().map(|key| app.kv(&["key", "get", key])).collect();
    assert_eq!(app.put_post("left-out", &doc("Left out", "2026-06-05", "", "Listed again by the clean-up.")).status, 201);
    // The index as it was before that publish: its chunks are still there (a publish deletes them minutes later).
    for (key, value) in parts.iter().zip(&before) {
        app.kv(&["key", "put", key, value]);
    }
    app.get("/archive/").assert_lacks("/posts/left-out/");
    assert_eq!(app.get("/posts/left-out/").status, 200, "the post itself was saved");

    let r = app.get("/__scheduled?cron=17+3+*+*+*");
    assert_eq!(r.status, 200, "{}", r.body);
    app.get("/archive/").assert_contains("/posts/left-out/");
    app.get("/").assert_contains("/posts/left-out/");
    // An index of every write is left as it is. The tags part is laid out anew (the same JSON to a reader): storing
    // the index again would write it as the worker lays it out.
    let tags: serde_json::Value = serde_json::from_str(&app.kv(&["key", "get", "index:tags"])).expect("index:tags is JSON");
    let relaid = serde_json::to_string_pretty(&tags).expect("JSON");
    app.kv(&["key", "put", "index:tags", &relaid]);
    assert_eq!(app.get("/__scheduled?cron=17+3+*+*+*").status, 200);
    assert_eq!(app.kv(&["key", "get", "index:tags"]).trim(), relaid);
    assert_eq!(app.delete_post("left-out", Some(ADMIN_TOKEN)).status, 204);
}
