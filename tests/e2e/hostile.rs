//! Bad requests on the real runtime: wrong methods, oversized headers and bodies, invalid UTF-8, malformed forms
//! and cookies, absurd query strings and paths. Each gets the right 4xx (or is ignored), never a 5xx.

use crate::support::{Resp, TestApp, ADMIN_TOKEN};
use crate::Test;
use edge_blog::core::route::{Method, Route};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const TESTS: &[Test] = &[
    ("hostile_wrong_methods_get_405_with_allow", hostile_wrong_methods_get_405_with_allow),
    ("hostile_oversized_headers_and_bodies_get_413_or_431", hostile_oversized_headers_and_bodies_get_413_or_431),
    ("hostile_invalid_utf8_and_malformed_forms_get_400", hostile_invalid_utf8_and_malformed_forms_get_400),
    ("hostile_unknown_and_malformed_cookies_are_ignored", hostile_unknown_and_malformed_cookies_are_ignored),
    ("hostile_absurd_queries_and_long_paths_never_give_5xx", hostile_absurd_queries_and_long_paths_never_give_5xx),
];

/// Requests sent by these tests, for RELIABILITY.md.
pub static SENT: AtomicUsize = AtomicUsize::new(0);

const POST: &str = "/posts/tracking-sleep-gently/";

fn send(app: &TestApp, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    SENT.fetch_add(1, Ordering::Relaxed);
    let host = app.base.trim_start_matches("http://");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    let r = app.raw(&bytes);
    assert!(r.status != 0, "{method} {path}: no HTTP reply");
    assert!(r.status < 500, "{method} {path}: {} {}", r.status, r.body.chars().take(400).collect::<String>());
    r
}

#[track_caller]
fn expect(r: &Resp, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body.chars().take(400).collect::<String>());
}

fn form_headers() -> Vec<(&'static str, &'static str)> {
    vec![("Content-Type", "application/x-www-form-urlencoded"), ("CF-Connecting-IP", "198.18.0.1")]
}

fn hostile_wrong_methods_get_405_with_allow(app: &TestApp) {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let all = [("GET", Method::Get), ("POST", Method::Post), ("PUT", Method::Put), ("DELETE", Method::Delete)];
    let mut checked = 0;
    for (path, route) in Route::examples() {
        if route == Route::NotFound || matches!(route, Route::Redirect(_)) {
            continue;
        }
        let allowed = route.allowed();
        for (name, _) in all.iter().filter(|(_, m)| !allowed.contains(m)) {
            let r = send(app, name, &path, &[("Authorization", &auth), ("Content-Type", "text/plain")], b"");
            expect(&r, 405, &format!("{name} {path}"));
            let allow = r.header("allow").unwrap_or_else(|| panic!("{name} {path}: 405 without Allow"));
            for m in allowed {
                let m = format!("{m:?}").to_uppercase();
                assert!(allow.contains(&m), "{name} {path}: Allow {allow:?} lacks {m}");
            }
            checked += 1;
        }
        for odd in ["PATCH", "OPTIONS", "PROPFIND"] {
            let r = send(app, odd, &path, &[("Authorization", &auth)], b"");
            expect(&r, 405, &format!("{odd} {path}"));
            assert!(r.header("allow").is_some(), "{odd} {path}: 405 without Allow");
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} wrong-method requests");
}

fn hostile_oversized_headers_and_bodies_get_413_or_431(app: &TestApp) {
    let huge = "a".repeat(200 * 1024);
    let r = send(app, "GET", "/", &[("X-Filler", &huge)], b"");
    assert!(r.status == 431 || r.status == 413, "a 200 KiB header: {}", r.status);
    let many: Vec<(String, String)> = (0..2000).map(|i| (format!("X-Header-{i}"), "v".repeat(100))).collect();
    let many_refs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = send(app, "GET", "/", &many_refs, b"");
    assert!(r.status == 431 || r.status == 413, "2,000 headers: {}", r.status);
    let cookie = format!("a={}", "b".repeat(100 * 1024));
    let r = send(app, "GET", POST, &[("Cookie", &cookie)], b"");
    assert!(r.status == 431 || r.status == 413, "a 100 KiB cookie: {}", r.status);

    let big_form = format!("author=A&body={}", "x".repeat(200 * 1024));
    let r = send(app, "POST", &format!("{POST}comments"), &form_headers(), big_form.as_bytes());
    expect(&r, 413, "a 200 KiB comment form");
    let big_doc = format!("+++\ntitle = \"Big\"\ndate = 2024-01-01\n+++\n{}", "word ".repeat(300 * 1024));
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let r = send(
        app,
        "PUT",
        "/admin/api/posts/hostile-big",
        &[("Authorization", &auth), ("Content-Type", "text/markdown")],
        big_doc.as_bytes(),
    );
    expect(&r, 413, "a 1.5 MiB post");
    let r = send(app, "PUT", "/admin/api/posts/hostile-big", &[("Content-Type", "text/markdown")], big_doc.as_bytes());
    expect(&r, 401, "a 1.5 MiB post without credentials");
    let r = send(app, "POST", "/admin/login", &[("Content-Type", "application/x-www-form-urlencoded")], big_form.as_bytes());
    assert!(r.status == 413 || r.status == 400 || r.status == 403, "a 200 KiB sign-in form: {}", r.status);
}

fn hostile_invalid_utf8_and_malformed_forms_get_400(app: &TestApp) {
    let path = format!("{POST}comments");
    let r = send(app, "POST", &path, &form_headers(), b"author=A&body=\xff\xfe\xfd");
    expect(&r, 400, "raw invalid UTF-8 in a form");
    let r = send(app, "POST", &path, &form_headers(), b"author=A&body=%FF%FE%C3%28");
    expect(&r, 400, "percent-encoded invalid UTF-8 in a form");
    let r = send(app, "POST", &path, &form_headers(), b"author=%C0%AF&body=x");
    expect(&r, 400, "an overlong UTF-8 encoding");
    for (body, what) in [
        (&b"author=A&body=%zz%"[..], "bad percent escapes"),
        (b"===&&&=&author", "no values"),
        (b"\x00\x01\x02", "control bytes"),
        (b"", "an empty form"),
    ] {
        let r = send(app, "POST", &path, &form_headers(), body);
        assert!(r.status == 400 || r.status == 422, "{what}: {}", r.status);
    }
    let r = send(
        app,
        "POST",
        &path,
        &[("Content-Type", "application/json"), ("CF-Connecting-IP", "198.18.0.2")],
        br#"{"author":"A","body":"x"}"#,
    );
    expect(&r, 415, "JSON to the comment form");
    let r = send(app, "POST", &path, &[("Content-Type", "multipart/form-data; boundary=x")], b"--x\r\n");
    expect(&r, 415, "multipart to the comment form");
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let r = send(app, "PUT", "/admin/api/posts/hostile-utf8", &[("Authorization", &auth)], b"+++\ntitle = \"\xff\"\n+++\n");
    expect(&r, 400, "a post that is not UTF-8");
    let r = send(app, "PUT", "/admin/api/posts/hostile-utf8", &[("Authorization", &auth)], b"+++\ntitle = [\n+++\n");
    expect(&r, 400, "broken front matter");
    let r = send(app, "GET", "/search?q=%FF%FE", &[], b"");
    assert!(r.status == 200 || r.status == 400, "invalid UTF-8 in a query: {}", r.status);
    let r = send(app, "GET", "/posts/%FF%FE/", &[], b"");
    expect(&r, 404, "invalid UTF-8 in a path");
}

fn hostile_unknown_and_malformed_cookies_are_ignored(app: &TestApp) {
    for cookie in [
        "session=garbage",
        "session=",
        "session=1.2.3.4.5.6; session=x",
        "===; ;;; =; a",
        "session=\"quoted\"; other=\u{7f}",
        "qh_session=AAAA.BBBB; theme=dark",
        "a=%FF%FE; b=%zz",
    ] {
        let r = send(app, "GET", POST, &[("Cookie", cookie)], b"");
        expect(&r, 200, &format!("a post with Cookie: {cookie}"));
        assert!(r.header("set-cookie").is_none(), "a reader with cookie {cookie:?} got a cookie");
        let r = send(app, "GET", "/admin/comments", &[("Cookie", cookie)], b"");
        assert!(matches!(r.status, 302 | 303 | 401), "the queue with cookie {cookie:?}: {}", r.status);
        let r = send(app, "GET", "/admin/api/comments", &[("Cookie", cookie)], b"");
        expect(&r, 401, &format!("the API with cookie {cookie:?}"));
    }
    let r = send(app, "GET", "/", &[("Cookie", "\u{1}\u{2}")], b"");
    assert!(r.status == 200 || r.status == 400, "control bytes in a cookie: {}", r.status);
}

fn hostile_absurd_queries_and_long_paths_never_give_5xx(app: &TestApp) {
    let long_q = "q".repeat(8 * 1024);
    for (path, allowed) in [
        (format!("/search?q={long_q}"), &[200, 414][..]),
        ("/search?q=%".to_string(), &[200, 400]),
        ("/search?q=%00%00%00".to_string(), &[200, 400]),
        ("/search?q=\"*OR*NEAR(\")".to_string(), &[200]),
        ("/search?q=a&q=b&q=c&q=d".to_string(), &[200]),
        (format!("/search?{}", "a=1&".repeat(2000)), &[200]),
        (format!("{POST}?replyto=99999999999999999999999999"), &[200]),
        (format!("{POST}?replyto=-1&comment=../../etc"), &[200]),
        (format!("{POST}?comment={}", "f".repeat(64)), &[200]),
        ("/?p=%%%%".to_string(), &[200]),
        ("/?=&=&&&".to_string(), &[200]),
        ("/page/99999999999999999999999/".to_string(), &[404]),
        ("/page/0/".to_string(), &[404]),
        ("/admin/comments?status=<script>&page=-5".to_string(), &[303]),
        ("/admin/api/comments?status=nonsense".to_string(), &[401]),
        (format!("/{}", "a".repeat(8 * 1024)), &[404]),
        (format!("/posts/{}/", "b".repeat(4 * 1024)), &[404]),
        (format!("/tags/{}/", "c".repeat(2 * 1024)), &[404]),
        (format!("/{}", "x/".repeat(2000)), &[404]),
        // The runtime resolves dot segments as every URL parser does: this is the sign-in page, nothing more.
        ("/posts/../admin/".to_string(), &[200]),
        ("//////".to_string(), &[404]),
        ("/%2e%2e/%2e%2e/etc/passwd".to_string(), &[404]),
        ("/posts/%00/".to_string(), &[404]),
        ("/comments/zzzz/".to_string(), &[404]),
        ("/feed.xml?%ff=%fe".to_string(), &[200]),
    ] {
        let r = send(app, "GET", &path, &[], b"");
        let short: String = path.chars().take(80).collect();
        assert!(allowed.contains(&r.status), "GET {short}: {} (expected one of {allowed:?})", r.status);
    }
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let r = send(app, "GET", "/admin/api/comments?status=nonsense", &[("Authorization", &auth)], b"");
    expect(&r, 400, "an unknown status in the API");
}
