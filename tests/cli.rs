//! The `blog` command line, run as a user runs it: `new`, `check`, `import-wxr`, and `publish` against a
//! stand-in for wrangler.

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
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "ok: 1 posts and 0 pages in content");
    let again = blog(&["new", "A quiet morning"], dir.path());
    assert!(!again.status.success(), "an existing file is never overwritten");
    // A page too starts as a draft: publishing the folder must not put its placeholder text live.
    let out = blog(&["new", "--page", "Privacy"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(dir.path().join("content/pages/privacy.md")).unwrap();
    assert!(page.contains("draft = true"), "{page}");
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
    assert!(stderr.contains("2 file(s) need fixing"), "{stderr}");
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
/// at revision 0), and fails `kv bulk put` the first `failures` times.
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
         if [ \"$n\" -le {failures} ]; then echo 'false == true' >&2; exit 1; fi ;;\n  *'SELECT revision'*) echo \"[{{\\\"results\\\":[{{\\\"revision\\\":{revision}}}]}},{{\\\"results\\\":[]}}]\" ;;\n  *--json*) echo '[{{\"results\":[]}}]' ;;\nesac\n",
        log = dir.join("calls.log").display()
    );
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
