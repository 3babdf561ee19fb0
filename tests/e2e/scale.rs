//! A site of more posts than a chunk holds: the archive comes in pages and the sitemaps by chunk, through the real
//! runtime and its KV, and a publish writes only the chunk it changed. Its own app, so that the shared one stays small.

use crate::support::TestApp;
use crate::OwnAppTest;

pub const TESTS: &[OwnAppTest] =
    &[("a_large_site_pages_its_archive_and_sitemaps_by_chunk", a_large_site_pages_its_archive_and_sitemaps_by_chunk)];

/// Posts published besides the sample content, a day apart from 2020-01-01: with it, three chunks of 500.
const POSTS: usize = 1_050;

fn post(i: usize) -> String {
    let date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date") + chrono::Duration::days(i as i64);
    let tags = if i >= 1_040 { "[\"Bulk\", \"Bulk late\"]" } else { "[\"Bulk\"]" };
    format!("+++\ntitle = \"Bulk {i}\"\ndate = {date}\ntags = {tags}\n+++\nPost number {i}.\n")
}

/// How many times each bulk post is linked in `text` (as `href="…"` or `<loc>…</loc>`).
fn links(text: &str) -> Vec<usize> {
    (0..POSTS).map(|i| text.matches(&format!("/posts/bulk-{i}/\"")).count() + text.matches(&format!("/posts/bulk-{i}/<")).count()).collect()
}

fn a_large_site_pages_its_archive_and_sitemaps_by_chunk() {
    let app = TestApp::start();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("posts")).expect("posts dir");
    for i in 0..POSTS {
        std::fs::write(dir.path().join(format!("posts/bulk-{i}.md")), post(i)).expect("write post");
    }
    let out = app.blog_publish_local(dir.path());
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // Each chunk under a key named by its version, as the front names them.
    let key = |n: usize| {
        let front: serde_json::Value = serde_json::from_str(&app.kv(&["key", "get", "index:front"])).expect("index:front is JSON");
        format!("index:posts:{n}:{}", front["chunks"][n].as_str().expect("the front names the chunk"))
    };
    let keys = || app.kv(&["key", "list", "--prefix", "index:posts:"]);
    let stored = keys();
    assert_eq!(stored.matches("\"name\"").count(), 3, "{stored}");
    for n in 0..3 {
        assert!(stored.contains(&format!("\"{}\"", key(n))), "chunk {n} stored: {stored}");
    }
    let chunk = |n: usize| app.kv(&["key", "get", &key(n)]).trim().to_string();
    let put_chunk = |n: usize, json: &str| {
        let file = dir.path().join(format!("chunk-{n}.json"));
        std::fs::write(&file, json).expect("write chunk");
        app.kv(&["key", "put", &key(n), "--path", file.to_str().expect("UTF-8 path")]);
    };

    // Before anything is read, KV loses a chunk: what needs it is cut from the whole index.
    let lost = chunk(1);
    app.kv(&["key", "delete", &key(1)]);
    check_archive_and_sitemaps(&app, &[]);

    // With every chunk held: a publish writes the chunk it changes, under a new key, deletes the one it replaces, and
    // leaves the others. A copy of the oldest laid out differently (the same JSON, so the same chunk to a reader) is
    // still there after it.
    put_chunk(1, &lost);
    let relaid = serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&chunk(0)).expect("chunk JSON")).expect("JSON");
    put_chunk(0, &relaid);
    let newest = key(2);
    let file = "+++\ntitle = \"Newest bulk\"\ndate = 2026-11-01\n+++\nOne more.\n";
    assert_eq!(app.put_post("bulk-newest", file).status, 201);
    assert_eq!(chunk(0), relaid, "the oldest chunk is not written again");
    assert_ne!(key(2), newest, "the newest chunk is, under its new version");
    let stored = keys();
    assert!(stored.contains(&format!("\"{}\"", key(2))) && !stored.contains(&format!("\"{newest}\"")), "{stored}");
    assert_eq!(stored.matches("\"name\"").count(), 3, "the replaced chunk is deleted: {stored}");
    check_archive_and_sitemaps(&app, &["/posts/bulk-newest/"]);
}

/// The archive: the two newest chunks, then the oldest; the sitemaps: every post once, each tag once, in the sitemap
/// of the chunk where it was first used. `newest` are posts published after the bulk.
fn check_archive_and_sitemaps(app: &TestApp, newest: &[&str]) {
    let (first, second) = (app.get("/archive/"), app.get("/archive/page/2/"));
    assert_eq!((first.status, second.status, app.get("/archive/page/3/").status), (200, 200, 404));
    assert_eq!(links(&format!("{}{}", first.body, second.body)), vec![1; POSTS]);
    first.assert_contains("/posts/tracking-sleep-gently/");
    first.assert_contains("href=\"/archive/page/2/\"");
    second.assert_contains("/posts/bulk-0/");
    second.assert_lacks("/posts/bulk-500/");
    for post in newest {
        first.assert_contains(post);
    }

    let sitemaps = app.sitemaps();
    assert_eq!(links(&sitemaps.body), vec![1; POSTS]);
    assert_eq!((sitemaps.body.matches("/tags/bulk/<").count(), sitemaps.body.matches("/tags/bulk-late/<").count()), (1, 1));
    app.get("/sitemaps/posts-1.xml").assert_contains("/tags/bulk/<");
    app.get("/sitemaps/posts-3.xml").assert_contains("/tags/bulk-late/<");
    app.get("/sitemaps/site.xml").assert_contains("/archive/page/2/<");
    assert_eq!(app.get("/sitemaps/posts-4.xml").status, 404);
    for post in newest {
        sitemaps.assert_contains(post);
    }
}
