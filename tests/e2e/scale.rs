//! A site of more posts than a chunk holds: the archive comes in pages, the sitemaps by chunk and a tag's pages from
//! the chunks of its own posts, through the real runtime and its KV, and a publish writes only the chunks it changed,
//! or is refused before it writes when the worker could not write them all in one request.
//! Its own app, so that the shared one stays small.

use crate::support::{set_var, TestApp, ADMIN_TOKEN};
use crate::OwnAppTest;
use edge_blog::core::archive::{archive_key, ARCHIVE_FORMAT};
use edge_blog::core::index::{chunk_key, list_key};

pub const TESTS: &[OwnAppTest] =
    &[("a_large_site_pages_its_archive_sitemaps_and_tags_by_chunk", a_large_site_pages_its_archive_sitemaps_and_tags_by_chunk)];

/// Posts published besides the sample content, a day apart from 2020-01-01: with it, three chunks of 100.
const POSTS: usize = 210;

fn post(i: usize) -> String {
    let date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date") + chrono::Duration::days(i as i64);
    let tags = if i >= 200 { "[\"Bulk\", \"Bulk late\"]" } else { "[\"Bulk\"]" };
    format!("+++\ntitle = \"Bulk {i}\"\ndate = {date}\ntags = {tags}\n+++\nPost number {i}.\n")
}

/// How many times each bulk post is linked in `text` (as `href="…"` or `<loc>…</loc>`).
fn links(text: &str) -> Vec<usize> {
    (0..POSTS).map(|i| text.matches(&format!("/posts/bulk-{i}/\"")).count() + text.matches(&format!("/posts/bulk-{i}/<")).count()).collect()
}

fn a_large_site_pages_its_archive_sitemaps_and_tags_by_chunk() {
    // A publish through the worker may write and delete 11 keys of the index here, not 950: enough for a new post
    // (8) and the deletes of the three keys the bulk publish retired, too few for a post older than all (see the end).
    let app = TestApp::start_with(|config| set_var(config, "INDEX_WRITES_PER_PUBLISH", "11"));
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("posts")).expect("posts dir");
    for i in 0..POSTS {
        std::fs::write(dir.path().join(format!("posts/bulk-{i}.md")), post(i)).expect("write post");
    }
    let out = app.blog_publish_local(dir.path());
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // Each chunk, and beside it its list, under a key named by its version, as the front names them.
    let named = |series: &str, n: usize| {
        let front: serde_json::Value = serde_json::from_str(&app.kv(&["key", "get", "index:front"])).expect("index:front is JSON");
        front[series][n].as_str().unwrap_or_else(|| panic!("the front names {series} {n}")).to_string()
    };
    let key = |n: usize| chunk_key(n, &named("chunks", n));
    let keys = || app.kv(&["key", "list", "--prefix", "index:posts:"]);
    // Beside them, until a publish minutes later, those of the sample site published at start, which the tags part
    // names as retired.
    let retired = || -> Vec<String> {
        let tags: serde_json::Value = serde_json::from_str(&app.kv(&["key", "get", "index:tags"])).expect("index:tags is JSON");
        tags["retiring"].as_array().map_or(Vec::new(), |r| r.iter().filter_map(|r| r[0].as_str().map(str::to_string)).collect())
    };
    let retired_with = |prefix: &str| retired().iter().filter(|k| k.starts_with(prefix)).count();
    let stored = keys();
    assert_eq!(stored.matches("\"name\"").count(), 3 + retired_with("index:posts:"), "{stored}");
    for n in 0..3 {
        assert!(stored.contains(&format!("\"{}\"", key(n))), "chunk {n} stored: {stored}");
    }
    let chunk = |n: usize| app.kv(&["key", "get", &key(n)]).trim().to_string();
    let put = |key: &str, json: &str| {
        let file = dir.path().join("value.json");
        std::fs::write(&file, json).expect("write value");
        app.kv(&["key", "put", key, "--path", file.to_str().expect("UTF-8 path")]);
    };
    let put_chunk = |n: usize, json: &str| put(&key(n), json);
    // Minutes pass: what the tags part names as retired has waited long enough for the next publish to delete it.
    let minutes_pass = || {
        let mut tags: serde_json::Value = serde_json::from_str(&app.kv(&["key", "get", "index:tags"])).expect("index:tags is JSON");
        let retiring = tags["retiring"].as_array_mut().expect("chunks named as retired");
        assert!(retiring.iter().all(|r| r[1].as_i64().is_some_and(|at| at > 1_700_000_000)), "each dated: {retiring:?}");
        for r in retiring {
            r[1] = 1.into();
        }
        put("index:tags", &tags.to_string());
    };
    // The lists, which the archive and the sitemaps read.
    let list_key = |n: usize| list_key(n, &named("lists", n));
    let list_keys = || app.kv(&["key", "list", "--prefix", "index:list:"]);
    let stored_lists = list_keys();
    assert_eq!(stored_lists.matches("\"name\"").count(), 3 + retired_with("index:list:"), "{stored_lists}");
    let list_names: Vec<String> = (0..3).map(list_key).collect();
    let lists: Vec<String> = list_names.iter().map(|name| app.kv(&["key", "get", name]).trim().to_string()).collect();
    assert!(lists[1].len() < chunk(1).len() && !lists[1].contains("excerpt_html"), "{}", lists[1]);
    // And beside each list the archive's text of its posts, which the archive reads.
    let archive_keys = || app.kv(&["key", "list", "--prefix", "index:archive:"]);
    let stored_texts = archive_keys();
    assert_eq!(stored_texts.matches("\"name\"").count(), 3 + retired_with("index:archive:"), "{stored_texts}");
    let text_names: Vec<String> = (0..3).map(|n| archive_key(ARCHIVE_FORMAT, n, &named("lists", n))).collect();
    let texts: Vec<String> = text_names.iter().map(|name| app.kv(&["key", "get", name])).collect();
    assert!(texts[0].contains("\t<li><time datetime=\"2020-01-01T00:00:00+00:00\">1 January 2020</time>"), "{}", texts[0]);

    // The tag on every bulk post has three chunks of its own, named by the tags part.
    let tag_key = |n: usize| {
        let tags: serde_json::Value = serde_json::from_str(&app.kv(&["key", "get", "index:tags"])).expect("index:tags is JSON");
        let bulk = tags["tags"].as_array().expect("tags").iter().find(|t| t["slug"] == "bulk").expect("the bulk tag").clone();
        format!("index:tag:bulk:{n}:{}", bulk["chunks"][n].as_str().expect("the tags part names the chunk"))
    };
    let tag_keys = || app.kv(&["key", "list", "--prefix", "index:tag:bulk:"]);
    let stored_tag_chunks = tag_keys();
    assert_eq!(stored_tag_chunks.matches("\"name\"").count(), 3, "{stored_tag_chunks}");

    // Before anything is read, KV loses the newest list, which is read from its chunk (the newest posts sitemap), and
    // a chunk of the site's with its list and archive text, and one of the tag's, which are cut from the whole index
    // (the archive's first page, which also needs the newest). The oldest archive text is read as it is: one post's
    // title changed in it shows on the archive's last page.
    app.kv(&["key", "delete", &list_names[2]]);
    let lost = chunk(1);
    app.kv(&["key", "delete", &key(1)]);
    app.kv(&["key", "delete", &list_names[1]]);
    app.kv(&["key", "delete", &text_names[1]]);
    let lost_tag_chunk = (tag_key(1), app.kv(&["key", "get", &tag_key(1)]));
    app.kv(&["key", "delete", &lost_tag_chunk.0]);
    put(&text_names[0], &texts[0].replace(">Bulk 0</a>", ">Bulk 0, from its archive text</a>"));
    check_archive_and_sitemaps(&app, &[]);
    app.get("/archive/page/2/").assert_contains(">Bulk 0, from its archive text</a>");
    check_tags(&app);

    // With every chunk held: a publish writes the chunk it changes, under a new key, and leaves the others. The one it
    // replaces stays, for readers still on the index before, and is named as retired in the tags part: a publish
    // minutes later deletes it. A copy of the oldest laid out differently (the same JSON, so the same chunk to a
    // reader) is still there after it.
    put_chunk(1, &lost);
    for (name, value) in list_names.iter().zip(&lists).chain(text_names.iter().zip(&texts)) {
        put(name, value);
    }
    let file = dir.path().join("tag-chunk.json");
    std::fs::write(&file, &lost_tag_chunk.1).expect("write tag chunk");
    app.kv(&["key", "put", &lost_tag_chunk.0, "--path", file.to_str().expect("UTF-8 path")]);
    let relaid = serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&chunk(0)).expect("chunk JSON")).expect("JSON");
    put_chunk(0, &relaid);
    let newest = key(2);
    let file = "+++\ntitle = \"Newest bulk\"\ndate = 2026-11-01\n+++\nOne more.\n";
    minutes_pass();
    assert_eq!(app.put_post("bulk-newest", file).status, 201);
    assert_eq!(chunk(0), relaid, "the oldest chunk is not written again");
    assert_ne!(key(2), newest, "the newest chunk is, under its new version");
    let stored = keys();
    assert!(stored.contains(&format!("\"{}\"", key(2))) && stored.contains(&format!("\"{newest}\"")), "{stored}");
    assert_eq!(stored.matches("\"name\"").count(), 4, "the replaced chunk is kept, those retired before deleted: {stored}");
    let stored = list_keys();
    let (newest_list, oldest_list) = (list_key(2), &list_names[0]);
    assert!(newest_list != list_names[2] && stored.contains(&format!("\"{newest_list}\"")), "{stored}");
    assert!(stored.contains(&format!("\"{oldest_list}\"")), "the oldest list is not written again: {stored}");
    assert_eq!(stored.matches("\"name\"").count(), 4, "and its list: {stored}");
    let stored = archive_keys();
    assert!(stored.contains(&format!("\"{}\"", archive_key(ARCHIVE_FORMAT, 2, &named("lists", 2)))), "{stored}");
    assert_eq!(stored.matches("\"name\"").count(), 4, "and its archive text: {stored}");
    assert_eq!(retired(), [newest.clone(), list_names[2].clone(), text_names[2].clone()]);
    check_archive_and_sitemaps(&app, &["/posts/bulk-newest/"]);
    assert_eq!(tag_keys(), stored_tag_chunks, "a post without the tag changes none of its chunks");
    check_tags(&app);

    // A post older than all shifts every chunk and list, and taking the oldest away shifts its tag's chunks too: more
    // keys than this app lets a publish through the worker write. Each is refused before anything is written, with
    // what to do instead; `blog publish` through wrangler then publishes it, minutes later, and deletes the three
    // retired above.
    minutes_pass();
    let before = (keys(), list_keys(), archive_keys());
    let oldest = "+++\ntitle = \"Oldest bulk\"\ndate = 2019-06-01\n+++\nBefore everything else.\n";
    for refused in [app.put_post("bulk-oldest", oldest), app.delete_post("bulk-0", Some(ADMIN_TOKEN))] {
        assert_eq!(refused.status, 422, "{}", refused.body);
        refused.assert_contains("Nothing was changed: storing the site's index would write or delete");
        refused.assert_contains("more than the 11 a publish through the worker may");
        refused.assert_contains("`blog publish --remote <dir>`");
    }
    assert_eq!((app.get("/posts/bulk-oldest/").status, app.get("/posts/bulk-0/").status), (404, 200));
    app.get("/search?q=everything").assert_lacks("/posts/bulk-oldest/");
    assert_eq!((keys(), list_keys(), archive_keys()), before, "no chunk, list or archive text written or deleted");
    check_archive_and_sitemaps(&app, &["/posts/bulk-newest/"]);
    let later = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(later.path().join("posts")).expect("posts dir");
    std::fs::write(later.path().join("posts/bulk-oldest.md"), oldest).expect("write post");
    let shifted: Vec<String> = (0..3).map(key).collect();
    let out = app.blog_publish_local(later.path());
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let (stored, stored_lists) = (keys(), list_keys());
    assert!(!stored.contains(&newest) && !stored_lists.contains(&list_names[2]), "the retired chunk and list are deleted: {stored}");
    assert!(!archive_keys().contains(&text_names[2]), "and the archive text");
    let retired_now = retired();
    for key in &shifted {
        assert!(stored.contains(key.as_str()) && retired_now.contains(key), "{key}: {stored}");
    }
    assert_eq!(app.get("/posts/bulk-oldest/").status, 200);
    app.get("/archive/page/2/").assert_contains("/posts/bulk-oldest/");
    app.get("/search?q=everything").assert_contains("/posts/bulk-oldest/");

    // A publish right after deletes none of them: they stay named as retired, with the chunk it replaces.
    let replaced = key(2);
    let file = "+++\ntitle = \"Right after\"\ndate = 2026-11-02\n+++\nSoon after.\n";
    assert_eq!(app.put_post("bulk-right-after", file).status, 201);
    let (stored, retired_now) = (keys(), retired());
    for key in shifted.iter().chain([&replaced]) {
        assert!(stored.contains(key.as_str()) && retired_now.contains(key), "{key}: {stored}");
    }
}

/// The tags page counts every post; the bulk tag's pages, followed from the first, list each of its posts once,
/// newest first, `POSTS_PER_PAGE` (3 in tests) a page; its feed the 20 newest.
fn check_tags(app: &TestApp) {
    let tags = app.get("/tags/");
    tags.assert_contains("href=\"/tags/bulk/\" rel=\"tag\">Bulk</a> <span class=\"count\">210</span>");
    tags.assert_contains("href=\"/tags/bulk-late/\" rel=\"tag\">Bulk late</a> <span class=\"count\">10</span>");
    let (mut pages, mut path, mut count) = (String::new(), Some("/tags/bulk/".to_string()), 0);
    while let Some(at) = path {
        let resp = app.get(&at);
        assert_eq!(resp.status, 200, "GET {at}");
        count += 1;
        path = resp.body.split("<a rel=\"next\" href=\"").nth(1).and_then(|s| s.split('"').next()).map(str::to_string);
        assert!(path.as_ref().is_none_or(|p| *p == format!("/tags/bulk/page/{}/", count + 1)), "{path:?} after {at}");
        pages.push_str(&resp.body);
    }
    assert_eq!((count, links(&pages)), (70, vec![1; POSTS]));
    assert_eq!(app.get("/tags/bulk/page/71/").status, 404);
    app.get("/tags/bulk/").assert_contains("/posts/bulk-209/");
    app.get("/tags/bulk/page/70/").assert_contains("/posts/bulk-0/");
    let feed = app.get("/tags/bulk/feed.xml");
    assert_eq!(links(&feed.body).iter().filter(|&&n| n > 0).count(), 20, "{}", feed.body);
    feed.assert_contains("/posts/bulk-190/");
    feed.assert_lacks("/posts/bulk-189/");
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
    second.assert_lacks("/posts/bulk-100/");
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
