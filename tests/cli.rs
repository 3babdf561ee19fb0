//! The `blog` command line, run as a user runs it: `new`, `check`, `import-wxr`, and `publish` and `unpublish`
//! against a stand-in for wrangler or for a blog's admin API.

use edge_blog::core::post::Kind;
use std::io::{Read, Write};
use std::process::Command;

fn blog(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_blog")).args(args).current_dir(dir).output().expect("run blog")
}

#[test]
fn new_writes_a_draft_that_check_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = blog(&["new", "A", "quiet", "morning"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let path = dir.path().join("content/posts/a-quiet-morning.md");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("title = \"A quiet morning\"") && text.contains("draft = true"), "{text}");
    let check = blog(&["check"], dir.path());
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "ok: 1 post and 0 pages in content");
    let again = blog(&["new", "A quiet morning"], dir.path());
    assert!(!again.status.success(), "an existing file is never overwritten");
    // A page too starts as a draft: publishing the folder must not put its placeholder text live.
    let out = blog(&["new", "--page", "Privacy"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(dir.path().join("content/pages/privacy.md")).unwrap();
    assert!(page.contains("draft = true"), "{page}");
    assert!(blog(&["new", "A second morning"], dir.path()).status.success());
    let check = blog(&["check"], dir.path());
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "ok: 2 posts and 1 page in content");
}

#[test]
fn check_names_each_bad_file_with_its_line_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("content/posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(posts.join("good.md"), "+++\ntitle = \"Good\"\ndate = 2024-01-01\n+++\nFine.\n").unwrap();
    std::fs::write(posts.join("bad-date.md"), "+++\ntitle = \"Bad\"\n\ndate = \"next tuesday\"\n+++\n").unwrap();
    std::fs::write(posts.join("typo.md"), "+++\ntitle = \"Typo\"\ndate = 2024-01-01\ntagz = []\n+++\n").unwrap();
    let out = blog(&["check", "content"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("content/posts/bad-date.md:4: `date`: \"next tuesday\" is not a date"), "{stderr}");
    assert!(stderr.contains("content/posts/typo.md:4:") && stderr.contains("tagz"), "{stderr}");
    assert!(stderr.contains("2 problems in 2 files need fixing before anything is published"), "{stderr}");
    std::fs::remove_file(posts.join("typo.md")).unwrap();
    let out = blog(&["check", "content"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 problem in 1 file needs fixing before anything is published"), "{stderr}");
}

#[test]
fn check_refuses_two_files_with_one_slug() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("content/posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(posts.join("a.md"), "+++\ntitle = \"A\"\ndate = 2024-01-01\nslug = \"same\"\n+++\n").unwrap();
    std::fs::write(posts.join("b.md"), "+++\ntitle = \"B\"\ndate = 2024-01-01\nslug = \"same\"\n+++\n").unwrap();
    let out = blog(&["check"], dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("the slug `same` is also used by"), "{}", String::from_utf8_lossy(&out.stderr));
    // An old address claimed twice too: two problems, both in the second file.
    for (name, title) in [("a.md", "A"), ("b.md", "B")] {
        let source = format!("+++\ntitle = \"{title}\"\ndate = 2024-01-01\nslug = \"same\"\naliases = [\"/old/\"]\n+++\n");
        std::fs::write(posts.join(name), source).unwrap();
    }
    let out = blog(&["check"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the alias /old/ is also claimed by") && stderr.contains("2 problems in 1 file need fixing"), "{stderr}");
}

#[test]
fn check_warns_of_what_the_sanitizer_removes_at_its_line_in_the_file_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("content/posts");
    std::fs::create_dir_all(&posts).unwrap();
    let file = "+++\ntitle = \"X\"\ndate = 2024-01-01\n+++\n\nA <span onclick=\"go()\">button</span>.\n\n<script>\nalert(1)\n</script>\n\n<p>Fine.</p>\n";
    std::fs::write(posts.join("x.md"), file).unwrap();
    let out = blog(&["check"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "warnings do not fail the check: {stderr}");
    assert!(
        stderr.contains("content/posts/x.md:6: warning: the onclick attribute of <span> is removed (posts may not run scripts)"),
        "{stderr}"
    );
    assert!(stderr.contains("content/posts/x.md:8: warning: <script> is removed with its content (posts may not run scripts)"), "{stderr}");
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok: 1 post and 0 pages in content (2 warnings)");
}

#[test]
fn publish_to_an_unreachable_blog_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("content/posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(posts.join("a.md"), "+++\ntitle = \"A\"\ndate = 2024-01-01\n+++\n").unwrap();
    let out = blog(&["publish", "--url", "http://127.0.0.1:9", "--token", "t"], dir.path());
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot reach http://127.0.0.1:9/admin/api/posts/a"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn import_wxr_writes_posts_and_pages_and_reports_what_it_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wxr/site.xml");
    let out = blog(&["import-wxr", fixture.to_str().unwrap(), "--files-only"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("imported 4 posts and 2 pages (6 new files), 5 comments"), "{stdout}");
    assert!(stdout.contains("spam") && stdout.contains("media files") && stdout.contains("[gallery]"), "{stdout}");
    let check = blog(&["check"], dir.path());
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let again = blog(&["import-wxr", fixture.to_str().unwrap(), "--files-only"], dir.path());
    assert!(String::from_utf8_lossy(&again.stdout).contains("(0 new files)"), "a second import writes nothing");
}

#[test]
fn import_wxr_of_a_malformed_file_names_the_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wxr/malformed.xml");
    let out = blog(&["import-wxr", fixture.to_str().unwrap(), "--files-only"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("malformed.xml:15:") && stderr.contains("expected `</item>`"), "{stderr}");
    assert!(!dir.path().join("content").exists(), "nothing is written half-way");
}

#[test]
fn import_wxr_refuses_old_addresses_another_post_already_claims_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("content/posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(posts.join("mine.md"), "+++\ntitle = \"Mine\"\ndate = 2024-01-01\naliases = [\"/?p=101\"]\n+++\nx\n").unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wxr/site.xml");
    let out = blog(&["import-wxr", fixture.to_str().unwrap(), "--files-only"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("/?p=101 is already an alias of /posts/mine/"), "{stderr}");
    assert!(!posts.join("planting-tomatoes.md").exists(), "nothing is written half-way");
}

/// A stand-in for `node_modules/.bin/wrangler` that logs its calls, answers D1 queries with no rows (an empty catalog
/// at revision 0, unless [`catalog`] fills it), and fails `kv bulk put` the first `failures` times.
fn fake_wrangler(dir: &std::path::Path, failures: usize) {
    fake_wrangler_at(dir, failures, "0");
}

/// As [`fake_wrangler`], with the catalog's revision given by a shell expression.
fn fake_wrangler_at(dir: &std::path::Path, failures: usize, revision: &str) {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("node_modules/.bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> '{log}'\ncase \"$*\" in\n  *'kv bulk put'*)\n    n=$(grep -c 'kv bulk put' '{log}')\n    \
         if [ \"$n\" -le {failures} ]; then echo 'false == true' >&2; exit 1; fi ;;\n  *'SELECT revision'*) printf '%s' \"[{{\\\"results\\\":[{{\\\"revision\\\":{revision}}}]}},{{\\\"results\\\":$(cat '{rows}')}}]\" ;;\n  *--json*) echo '[{{\"results\":[]}}]' ;;\nesac\n",
        log = dir.join("calls.log").display(),
        rows = dir.join("catalog.json").display()
    );
    catalog(dir, &[]);
    std::fs::write(bin.join("wrangler"), script).unwrap();
    std::fs::set_permissions(bin.join("wrangler"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let posts = dir.join("content/posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(posts.join("hello.md"), "+++\ntitle = \"Hello\"\ndate = 2024-01-01\n+++\nHi.\n").unwrap();
}

#[test]
fn publish_local_writes_kv_once_more_when_the_local_bulk_put_fails_once() {
    let dir = tempfile::tempdir().unwrap();
    fake_wrangler(dir.path(), 1);
    let out = blog(&["publish", "--local", "content"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("trying once more") && stderr.contains("false == true"), "{stderr}");
    let calls = std::fs::read_to_string(dir.path().join("calls.log")).unwrap();
    assert_eq!(calls.matches("kv bulk put").count(), 3, "the documents twice, then the index: {calls}");
}

#[test]
fn publish_local_fails_with_wranglers_words_when_the_bulk_put_fails_again() {
    let dir = tempfile::tempdir().unwrap();
    fake_wrangler(dir.path(), 2);
    let out = blog(&["publish", "--local", "content"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("kv bulk put") && stderr.contains("false == true"), "{stderr}");
    let calls = std::fs::read_to_string(dir.path().join("calls.log")).unwrap();
    assert_eq!(calls.matches("kv bulk put").count(), 2, "tried twice, not more: {calls}");
}

#[test]
fn publish_local_gives_up_saying_so_when_the_catalog_never_settles() {
    let dir = tempfile::tempdir().unwrap();
    // Another writer moves the revision on before every read of it.
    let log = dir.path().join("calls.log");
    fake_wrangler_at(dir.path(), 0, &format!("$(grep -c 'SELECT revision' '{}')", log.display()));
    let out = blog(&["publish", "--local", "content"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("This change is saved") && stderr.contains("publish fewer files at once"), "{stderr}");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(calls.matches("kv bulk put").count(), 9, "the documents, then the index 8 times: {calls}");
}

/// Fills the catalog of [`fake_wrangler`] with a document of each kind and slug.
fn catalog(dir: &std::path::Path, docs: &[(Kind, &str)]) {
    let rows: Vec<serde_json::Value> = docs
        .iter()
        .map(|(kind, slug)| {
            let source = format!("+++\ntitle = \"{slug}\"\ndate = 2024-01-01\n+++\nText.\n");
            let doc = edge_blog::app::prepare(*kind, &source, Some(slug)).unwrap();
            serde_json::json!({ "summary": serde_json::to_string(&doc.summary).unwrap() })
        })
        .collect();
    std::fs::write(dir.join("catalog.json"), serde_json::Value::Array(rows).to_string()).unwrap();
}

#[test]
fn publish_local_names_what_stays_published_without_a_file_and_how_to_take_it_down() {
    let dir = tempfile::tempdir().unwrap();
    fake_wrangler(dir.path(), 0);
    catalog(dir.path(), &[(Kind::Post, "hello"), (Kind::Page, "old-about"), (Kind::Post, "gone")]);
    let out = blog(&["publish", "--local", "content"], dir.path());
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("published 1 document to the local runtime (.wrangler/state)"), "{stdout}");
    assert!(
        stderr.contains("warning: 1 post and 1 page on the local runtime (.wrangler/state) have no file in content and stay published"),
        "{stderr}"
    );
    assert!(stderr.contains("  /posts/gone/  blog unpublish gone --local\n"), "{stderr}");
    assert!(stderr.contains("  /old-about/   blog unpublish old-about --page --local\n"), "{stderr}");
    assert!(!stderr.contains("unpublish hello"), "its file is there: {stderr}");
    // With one gone, and another state folder: the command to run names it.
    catalog(dir.path(), &[(Kind::Post, "hello"), (Kind::Post, "gone")]);
    let out = blog(&["publish", "--local", "--persist-to", "state", "content"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: 1 post on the local runtime (state) has no file in content and stays published"), "{stderr}");
    assert!(stderr.contains("blog unpublish gone --local --persist-to state\n"), "{stderr}");
}

#[test]
fn publish_local_says_nothing_more_when_every_published_post_has_its_file() {
    let dir = tempfile::tempdir().unwrap();
    fake_wrangler(dir.path(), 0);
    catalog(dir.path(), &[(Kind::Post, "hello")]);
    let out = blog(&["publish", "--local", "content"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !stderr.contains("warning"), "{stderr}");
}

#[test]
fn unpublish_local_takes_a_published_post_down_and_refuses_a_slug_that_is_not_published() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls.log");
    // The revision moves on with each batch of writes, as the catalog's does.
    fake_wrangler_at(dir.path(), 0, &format!("$(grep -c -- '--file' '{}')", log.display()));
    catalog(dir.path(), &[(Kind::Post, "gone"), (Kind::Page, "about")]);
    let out = blog(&["unpublish", "gone", "--local"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "took /posts/gone/ down from the local runtime (.wrangler/state)");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.contains("kv key delete post:gone --binding POSTS --local"), "{calls}");
    assert_eq!(calls.matches("d1 execute DB --file").count(), 1, "the catalog row goes in one batch: {calls}");

    let out = blog(&["unpublish", "nope", "--local"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("error: no post `nope` is published on the local runtime (.wrangler/state)"), "{stderr}");
    let out = blog(&["unpublish", "about", "--local"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no post `about` is published") && stderr.contains("there is a page `about`: add --page"), "{stderr}");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(calls.matches("kv key delete").count(), 1, "nothing else was deleted: {calls}");
}

#[test]
fn unpublish_refuses_what_is_not_a_slug_before_reaching_any_blog() {
    let dir = tempfile::tempdir().unwrap();
    let out = blog(&["unpublish", "/posts/Hello World/", "--url", "http://127.0.0.1:9", "--token", "t"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("may only contain lowercase letters") && stderr.contains("blog unpublish a-quiet-morning"), "{stderr}");
    assert!(!stderr.contains("cannot reach"), "{stderr}");
}

#[test]
fn unpublish_takes_one_target_and_a_token_with_url() {
    let dir = tempfile::tempdir().unwrap();
    let out = blog(&["unpublish", "x", "--local", "--remote"], dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(env!("CARGO_BIN_EXE_blog"))
        .args(["unpublish", "x", "--url", "http://127.0.0.1:9"])
        .env_remove("BLOG_ADMIN_TOKEN")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = blog(&["unpublish"], dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("<SLUG>"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A stand-in for a blog's admin API on 127.0.0.1: answers one request with `status` and `body`, then hands back the
/// request's head. Gives up after ten seconds without one.
fn one_reply(status: &str, body: &str) -> (String, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let reply = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    listener.set_nonblocking(true).unwrap();
    let handle = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut stream = loop {
            match listener.accept() {
                Ok((stream, _)) => break stream,
                Err(_) if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_millis(10)),
                Err(e) => panic!("no request came: {e}"),
            }
        };
        stream.set_nonblocking(false).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
            head.push(byte[0]);
        }
        stream.write_all(reply.as_bytes()).unwrap();
        String::from_utf8_lossy(&head).into_owned()
    });
    (url, handle)
}

#[test]
fn unpublish_through_the_admin_api_sends_delete_and_says_when_nothing_is_published_there() {
    let dir = tempfile::tempdir().unwrap();
    let (url, request) = one_reply("204 No Content", "");
    let out = blog(&["unpublish", "gone", "--url", &url, "--token", "secret"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("took /posts/gone/ down from {url}"));
    let head = request.join().unwrap();
    assert!(head.starts_with("DELETE /admin/api/posts/gone HTTP/1.1\r\n"), "{head}");
    assert!(head.to_ascii_lowercase().contains("authorization: bearer secret\r\n"), "{head}");

    let (url, request) = one_reply("404 Not Found", r#"{"error":"not found"}"#);
    let out = blog(&["unpublish", "about", "--page", "--url", &url, "--token", "secret"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(&format!("error: no page `about` is published at {url}; if it is a post, leave out --page")), "{stderr}");
    assert!(request.join().unwrap().starts_with("DELETE /admin/api/pages/about HTTP/1.1\r\n"));
}
