//! What a reader sees: every reader route, metadata, headers, caching, redirects and errors.

use crate::support::{stylesheet_href, stylesheet_link, TestApp};
use crate::Test;

pub const TESTS: &[Test] = &[
    ("home_lists_posts_newest_first_and_paginates", home_lists_posts_newest_first_and_paginates),
    ("post_renders_markdown_extensions_and_metadata", post_renders_markdown_extensions_and_metadata),
    ("every_response_carries_security_headers", every_response_carries_security_headers),
    ("pages_tags_and_archive", pages_tags_and_archive),
    ("search_finds_published_words_and_survives_syntax", search_finds_published_words_and_survives_syntax),
    ("feeds_and_sitemap_are_valid_xml", feeds_and_sitemap_are_valid_xml),
    ("unknown_urls_get_the_designed_404", unknown_urls_get_the_designed_404),
    ("etag_revalidation_answers_304", etag_revalidation_answers_304),
    ("aliases_and_directory_urls_redirect_permanently", aliases_and_directory_urls_redirect_permanently),
    ("static_files_head_and_wrong_methods", static_files_head_and_wrong_methods),
];

fn home_lists_posts_newest_first_and_paginates(app: &TestApp) {
    let home = app.get("/");
    assert_eq!(home.status, 200);
    // POSTS_PER_PAGE is 3 in tests; the sample has five posts, newest first.
    let newest = home.body.find("/posts/letters-i-never-sent/").expect("newest post on the home page");
    let older = home.body.find("/posts/when-to-ask-for-help/").expect("second post on the home page");
    assert!(newest < older, "newest first");
    home.assert_lacks("/posts/welcome-to-quiet-hours/\"");
    home.assert_contains("href=\"/page/2/\"");
    home.assert_contains("min read");
    let page2 = app.get("/page/2/");
    assert_eq!(page2.status, 200);
    page2.assert_contains("/posts/welcome-to-quiet-hours/");
    page2.assert_contains("rel=\"prev\" href=\"/\"");
    assert_eq!(app.get("/page/99/").status, 404);
    let first = app.get("/page/1/");
    assert_eq!((first.status, first.header("location")), (301, Some("/")));
}

fn post_renders_markdown_extensions_and_metadata(app: &TestApp) {
    let post = app.get("/posts/tracking-sleep-gently/");
    assert_eq!(post.status, 200);
    for needle in ["<table>", "footnote-definition", "<del>", "<pre><code class=\"language-", "<h1>"] {
        post.assert_contains(needle);
    }
    post.assert_contains(&format!("<link rel=\"canonical\" href=\"{}/posts/tracking-sleep-gently/\">", app.base));
    post.assert_contains("<meta property=\"og:type\" content=\"article\">");
    post.assert_contains("<meta name=\"twitter:card\" content=\"summary\">");
    post.assert_contains("<script type=\"application/ld+json\">");
    post.assert_contains("\"@type\":\"BlogPosting\"");
    post.assert_lacks("<script>");
    let pause = app.get("/posts/the-five-minute-pause/");
    pause.assert_contains("type=\"checkbox\"");
    pause.assert_contains("<img src=\"/images/lamp.svg\"");
    assert_eq!(app.get("/images/lamp.svg").status, 200, "the image the post uses is served");
}

fn every_response_carries_security_headers(app: &TestApp) {
    for path in ["/", "/posts/tracking-sleep-gently/", "/feed.xml", "/nope/"] {
        let r = app.get(path);
        let csp = r.header("content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert!(r.header("referrer-policy").is_some(), "{path}");
        assert!(r.header("set-cookie").is_none(), "{path}: readers get no cookie");
    }
}

fn pages_tags_and_archive(app: &TestApp) {
    let about = app.get("/about/");
    assert_eq!(about.status, 200);
    about.assert_contains("<h1>About</h1>");
    app.get("/").assert_contains("<a href=\"/about/\">About</a>");
    let tags = app.get("/tags/");
    assert_eq!(tags.status, 200);
    tags.assert_contains("href=\"/tags/practice/\"");
    let practice = app.get("/tags/practice/");
    assert_eq!(practice.status, 200);
    practice.assert_contains("/posts/the-five-minute-pause/");
    practice.assert_lacks("/posts/when-to-ask-for-help/");
    practice.assert_contains("href=\"/tags/practice/feed.xml\"");
    assert_eq!(app.get("/tags/no-such-tag/").status, 404);
    let archive = app.get("/archive/");
    assert_eq!(archive.status, 200);
    archive.assert_contains("March 2026");
    archive.assert_contains("/posts/tracking-sleep-gently/");
    archive.assert_lacks("class=\"pager\"");
    assert_eq!(app.get("/archive/page/2/").status, 404, "a small site's archive is one page");
    let first = app.get("/archive/page/1/");
    assert_eq!((first.status, first.header("location")), (301, Some("/archive/")));
}

fn search_finds_published_words_and_survives_syntax(app: &TestApp) {
    let hits = app.get("/search?q=sleep+diary");
    assert_eq!(hits.status, 200);
    hits.assert_contains("/posts/tracking-sleep-gently/");
    hits.assert_contains("<mark>");
    app.get("/search?q=zzzyyyxxx").assert_contains("No posts match");
    for hostile in ["%22", "%22%20OR%20(", "NEAR(a%20b)", "*", "%3Cscript%3E"] {
        let r = app.get(&format!("/search?q={hostile}"));
        assert_eq!(r.status, 200, "q={hostile}");
        r.assert_lacks("<script>");
    }
    for wordless in ["%22", "*", "(", "%E2%80%94"] {
        app.get(&format!("/search?q={wordless}")).assert_contains("There is nothing to look for in");
    }
    app.get("/search").assert_lacks("There is nothing to look for");
}

fn well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed XML: {e}\n{xml}"),
        }
    }
}

fn feeds_and_sitemap_are_valid_xml(app: &TestApp) {
    let atom = app.get("/feed.xml");
    assert_eq!(atom.status, 200);
    assert!(atom.header("content-type").unwrap_or_default().starts_with("application/atom+xml"));
    assert!(atom.header("cache-control").unwrap_or_default().contains("max-age=300"));
    well_formed(&atom.body);
    atom.assert_contains(&format!("<id>{}/posts/tracking-sleep-gently/</id>", app.base));
    let rss = app.get("/rss.xml");
    well_formed(&rss.body);
    rss.assert_contains("<rss version=\"2.0\"");
    rss.assert_contains("<pubDate>");
    let tag = app.get("/tags/practice/feed.xml");
    well_formed(&tag.body);
    tag.assert_contains("/posts/the-five-minute-pause/");
    tag.assert_lacks("/posts/when-to-ask-for-help/");
    assert_eq!(app.get("/tags/no-such-tag/feed.xml").status, 404);
    // A sitemap index of the site's own pages and of the posts, so that no sitemap grows with the site.
    let index = app.get("/sitemap.xml");
    well_formed(&index.body);
    index.assert_contains("<sitemapindex");
    index.assert_contains(&format!("<loc>{}/sitemaps/site.xml</loc>", app.base));
    index.assert_contains(&format!("<loc>{}/sitemaps/posts-1.xml</loc>", app.base));
    let site = app.get("/sitemaps/site.xml");
    assert!(site.header("content-type").unwrap_or_default().starts_with("application/xml"), "{:?}", site.headers);
    well_formed(&site.body);
    site.assert_contains(&format!("<loc>{}/about/</loc>", app.base));
    site.assert_contains(&format!("<loc>{}/archive/</loc>", app.base));
    let posts = app.get("/sitemaps/posts-1.xml");
    well_formed(&posts.body);
    posts.assert_contains(&format!("<loc>{}/posts/when-to-ask-for-help/</loc>", app.base));
    posts.assert_contains(&format!("<loc>{}/tags/practice/</loc>", app.base));
    assert_eq!(app.get("/sitemaps/posts-99.xml").status, 404);
    let robots = app.get("/robots.txt");
    robots.assert_contains(&format!("Sitemap: {}/sitemap.xml", app.base));
    robots.assert_contains("Disallow: /admin/");
}

fn unknown_urls_get_the_designed_404(app: &TestApp) {
    for path in ["/no/such/thing", "/posts/not-a-post/", "/posts/Bad_Slug/", "/nope/", "/page/2x/"] {
        let r = app.get(path);
        assert_eq!(r.status, 404, "{path}");
        r.assert_contains("Page not found");
        r.assert_contains(&stylesheet_link());
    }
    assert_eq!(app.get("/admin/api/no-such-thing").status, 401, "every admin address asks for the token first");
    let api = app.admin("GET", "/admin/api/no-such-thing");
    assert_eq!(api.status, 404);
    assert_eq!(api.body, r#"{"error":"not found"}"#, "scripts get JSON, not a page");
}

fn etag_revalidation_answers_304(app: &TestApp) {
    for path in ["/", "/posts/tracking-sleep-gently/", "/feed.xml"] {
        let first = app.get(path);
        let etag = first.header("etag").unwrap_or_else(|| panic!("{path}: no ETag")).to_string();
        let again = app.get_with(path, ("If-None-Match", &etag));
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(app.get_with(path, ("If-None-Match", "\"other\"")).status, 200, "{path}");
    }
    assert!(app.get("/").header("cache-control").unwrap_or_default().contains("no-cache"), "pages revalidate");
    // The comment form's signed time changes every second; the post's ETag must not.
    let first = app.get("/posts/tracking-sleep-gently/").header("etag").map(str::to_string);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let later = app.get_with("/posts/tracking-sleep-gently/", ("If-None-Match", first.as_deref().unwrap_or_default()));
    assert_eq!(later.status, 304, "a post page revalidates across seconds");
    // Its form is the reader's own (the private link of a comment sent with it derives from its token): no shared cache
    // may hand one copy to many.
    assert_eq!(app.get("/posts/tracking-sleep-gently/").header("cache-control"), Some("private, no-cache"));
    assert_eq!(app.get("/").header("cache-control"), Some("public, no-cache"));
}

fn aliases_and_directory_urls_redirect_permanently(app: &TestApp) {
    for (from, to) in [
        ("/2026/04/asking-for-help/", "/posts/when-to-ask-for-help/"),
        ("/2026/04/asking-for-help", "/posts/when-to-ask-for-help/"),
        ("/posts/when-to-ask-for-help", "/posts/when-to-ask-for-help/"),
        ("/about", "/about/"),
        ("/tags", "/tags/"),
    ] {
        let r = app.get(from);
        assert_eq!((r.status, r.header("location")), (301, Some(to)), "{from}");
    }
}

fn static_files_head_and_wrong_methods(app: &TestApp) {
    let css = app.get("/style.css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap_or_default().starts_with("text/css"));
    // The address the pages link names the stylesheet's bytes, so browsers keep it without asking again.
    let page = app.get("/");
    page.assert_contains(&stylesheet_link());
    let href = stylesheet_href();
    let linked = app.get(&href);
    assert_eq!((linked.status, linked.body.as_str()), (200, css.body.as_str()), "{href}");
    assert_eq!(linked.header("cache-control"), Some("public, max-age=31536000, immutable"), "{href}");
    assert!(css.header("cache-control").unwrap_or_default().contains("must-revalidate"), "the plain address is asked again");
    // The address of another version's stylesheet (in a gradual deployment the page may come from another version of
    // the worker) is not answered with this one's, which the browser would keep for a year, and its 404 is not kept.
    let other = app.get(&href.replace("style.", "style.1"));
    assert_eq!((other.status, other.header("cache-control")), (404, Some("no-store")));
    assert_eq!(app.get("/no-such-page/").header("cache-control"), Some("public, max-age=60"), "other 404s are kept a minute");
    assert!(page.header("cache-control").unwrap_or_default().contains("no-cache"), "pages still revalidate");
    assert_eq!(app.get("/_headers").status, 404, "the headers file is not served");
    let head = app.head("/posts/tracking-sleep-gently/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let wrong = app.post_raw("/", "text/plain", "x");
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow"), Some("GET, HEAD"));
}
