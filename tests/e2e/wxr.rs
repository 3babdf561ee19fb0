//! Coming from WordPress: `blog import-wxr` into the running blog, its comments in thread order, old links, export.

use crate::support::{TestApp, ADMIN_TOKEN};
use crate::Test;
use std::path::Path;
use std::process::{Command, Output};

pub const TESTS: &[Test] = &[
    ("wxr_import_serves_posts_threads_and_old_links_and_exports_back", wxr_import_serves_posts_threads_and_old_links_and_exports_back),
    ("wxr_import_through_the_admin_api_brings_posts_and_comments_once", wxr_import_through_the_admin_api_brings_posts_and_comments_once),
];

fn blog(app: &TestApp, args: &[&str], dir: &Path) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_blog"))
        .args(args)
        .arg("--config")
        .arg(&app.config)
        .arg("--persist-to")
        .arg(&app.state)
        .arg("--dir")
        .arg(dir)
        .current_dir(&app.root)
        .output()
        .expect("run blog");
    assert!(out.status.success(), "blog {args:?}:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    out
}

/// Also: the sticky 2019 post leads the home page, ahead of newer ones.
fn wxr_import_serves_posts_threads_and_old_links_and_exports_back(app: &TestApp) {
    let work = tempfile::tempdir().expect("temp dir");
    let content = work.path().join("content");
    let fixture = app.root.join("tests/fixtures/wxr/site.xml");
    let fixture = fixture.to_str().expect("UTF-8 path");
    let out = blog(app, &["import-wxr", fixture, "--local"], &content);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("imported 4 posts and 2 pages"), "{stdout}");
    assert!(stdout.contains("5 comments were new"), "{stdout}");
    assert!(stdout.contains("spam") && stdout.contains("in the trash") && stdout.contains("pingback"), "{stdout}");

    let post = app.get("/posts/planting-tomatoes/");
    assert_eq!(post.status, 200);
    post.assert_contains("Planting Tomatoes &#38; Basil");
    post.assert_contains("<strong>tomatoes</strong>");
    let first = post.body.find("Lovely rows!").expect("the first comment");
    let second = post.body.find("Coeur de bœuf").expect("the reply");
    let third = post.body.find("Third level").expect("the reply to the reply");
    assert!(first < second && second < third, "comments in thread order");
    post.assert_lacks("Still waiting for moderation.");
    post.assert_lacks("Buy now");
    post.assert_lacks("203.0.113.9");
    let rows = app.d1("SELECT COUNT(*) AS n FROM comments WHERE import_key IS NOT NULL AND parent IS NOT NULL");
    assert_eq!(rows[0]["n"], 2, "two replies keep their parents");
    let pending = app.d1("SELECT author, email FROM comments WHERE import_key IS NOT NULL AND status = 'pending'");
    assert_eq!(pending.len(), 1);
    assert!(pending[0]["email"].is_null(), "emails are dropped without --keep-emails");
    app.get("/posts/winter-garden/").assert_contains("日本の庭も同じです");
    app.get("/").assert_contains("/posts/planting-tomatoes/");
    app.get("/page/2/").assert_lacks("/posts/planting-tomatoes/");
    assert_eq!(app.get("/posts/seed-swap/").status, 404, "a scheduled post waits for its date");
    assert_eq!(app.get("/posts/half-written-thoughts-on-slugs/").status, 404, "a draft stays hidden");
    assert_eq!(app.get("/about-the-garden/").status, 200);

    for old in ["/?p=101", "/2019/04/12/planting-tomatoes/", "/2019/04/planting-tomatoes/", "/planting-tomatoes/"] {
        let r = app.get(old);
        assert_eq!((r.status, r.header("location")), (301, Some("/posts/planting-tomatoes/")), "{old}");
    }
    let feed = app.get("/feed/");
    assert_eq!((feed.status, feed.header("location")), (301, Some("/feed.xml")));

    let again = blog(app, &["import-wxr", fixture, "--local"], &content);
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("0 comments were new"), "{stdout}");
    let count = app.d1("SELECT COUNT(*) AS n FROM comments WHERE import_key IS NOT NULL");
    assert_eq!(count[0]["n"], 5, "importing twice duplicates nothing");

    let exported = work.path().join("export.xml");
    blog(app, &["export", "-o", exported.to_str().expect("UTF-8 path")], &content);
    let xml = std::fs::read_to_string(&exported).expect("the export");
    assert!(xml.contains("<wp:wxr_version>1.2</wp:wxr_version>") && xml.contains("Third level"), "{xml}");
    let from_export = work.path().join("from-export");
    let out = blog(app, &["import-wxr", exported.to_str().expect("UTF-8 path"), "--local"], &from_export);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 comments were new"), "the exported comments are the same comments: {stdout}");
    for file in ["posts/planting-tomatoes.md", "posts/winter-garden.md", "pages/about-the-garden.md"] {
        assert_eq!(std::fs::read_to_string(content.join(file)).ok(), std::fs::read_to_string(from_export.join(file)).ok(), "{file}");
    }
}

fn wxr_import_through_the_admin_api_brings_posts_and_comments_once(app: &TestApp) {
    let work = tempfile::tempdir().expect("temp dir");
    let content = work.path().join("content");
    let fixture = app.root.join("tests/fixtures/wxr/wxr-1.1.xml");
    let fixture = fixture.to_str().expect("UTF-8 path");
    let args = ["import-wxr", fixture, "--url", app.base.as_str(), "--token", ADMIN_TOKEN];
    let out = blog(app, &args, &content);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("imported 1 post and 0 pages") && stdout.contains("1 comment was new"), "{stdout}");
    let post = app.get("/posts/hello-world/");
    assert_eq!(post.status, 200);
    post.assert_contains("Hi, this is a comment.");
    let old = app.get("/2012/03/hello-world/");
    assert_eq!((old.status, old.header("location")), (301, Some("/posts/hello-world/")));
    let again = blog(app, &args, &content);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 comments were new"));
    let rows = app.d1("SELECT COUNT(*) AS n FROM comments WHERE post = 'hello-world'");
    assert_eq!(rows[0]["n"], 1, "importing twice through the API duplicates nothing");
    let refused = app.post_raw("/admin/api/comments/import", "application/json", "[]");
    assert_eq!(refused.status, 401, "the import endpoint needs the token");
}
