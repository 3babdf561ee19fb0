//! The routing table: every URL the blog answers, parsed from a path into a [`Route`].

use crate::core::slug::{Slug, SlugError};

/// A resource the blog serves. Methods are checked separately, so a wrong one gets 405 with `Allow`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Home {
        page: usize,
    },
    Post(Slug),
    PostComments(Slug),
    PostCommentsFeed(Slug),
    Page(Slug),
    Tags,
    /// `/tags/<tag>/` and its later pages, `/tags/<tag>/page/<n>/`.
    Tag {
        tag: String,
        page: usize,
    },
    TagFeed(String),
    /// `/archive/` and its later pages, `/archive/page/<n>/`.
    Archive {
        page: usize,
    },
    Search,
    AtomFeed,
    RssFeed,
    CommentsFeed,
    Sitemap(Sitemap),
    Robots,
    /// `/comments/<key>/`: a commenter's private page for their comment.
    ManageComment(String),
    /// `/admin/`: the dashboard, or the sign-in page without a session.
    AdminHome,
    AdminLogin,
    AdminLogout,
    /// `/admin/comments?status=…`: the moderation queue; POST acts on one or several comments.
    AdminQueue,
    AdminEdit(i64),
    /// `/admin/feed.xml?key=…`: pending comments for a feed reader.
    AdminFeed,
    /// `/admin/confirm/<token>`: a signed one-click link from a notification.
    AdminConfirm(String),
    AdminApiPost(Slug),
    AdminApiPage(Slug),
    AdminApiComments,
    /// `POST /admin/api/comments/import`: comments from `blog import-wxr`, as JSON.
    AdminApiCommentsImport,
    AdminApiComment(i64),
    AdminApiCommentAction(i64, String),
    /// Any other address under `/admin/api/`: 400 with the reason (a slug that is not one), else 404; 401 first
    /// without the token, as for every admin address.
    AdminApiUnknown(Option<String>),
    /// Any other address under `/admin/`: the sign-in page first, then 404.
    AdminUnknown,
    /// The same resource lives at this canonical path (a missing trailing slash, `/page/1/`).
    Redirect(String),
    NotFound,
}

/// The sitemaps: `/sitemap.xml` lists the others, so that none grows with the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sitemap {
    /// `/sitemap.xml`: a sitemap index.
    Index,
    /// `/sitemaps/site.xml`: the home page, the archive's pages, the tags page and the pages.
    Site,
    /// `/sitemaps/posts-<n>.xml`: the posts of chunk `n - 1` (1 the oldest) and the tags first used there.
    Posts(usize),
}

/// HTTP methods the routes use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Delete,
    Other,
}

impl Method {
    pub fn parse(m: &str) -> Method {
        match m {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            _ => Method::Other,
        }
    }
}

impl Route {
    /// Parses a request path (without query string).
    pub fn parse(path: &str) -> Route {
        // Empty segments (`//////`, `/posts//x/`) name nothing; answering them would give one page many addresses.
        if !path.starts_with('/') || path.contains("//") {
            return Route::NotFound;
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let trailing = path.ends_with('/');
        let slug = Slug::parse;
        let dir = |route: Route| if trailing { route } else { Route::Redirect(format!("{path}/")) };
        match segments.as_slice() {
            [""] => Route::Home { page: 1 },
            ["page", "1", ""] | ["page", "1"] => Route::Redirect("/".into()),
            ["page", n] | ["page", n, ""] => number(n).filter(|&p| p > 1).map_or(Route::NotFound, |page| dir(Route::Home { page })),
            ["posts", s] | ["posts", s, ""] => slug(s).map_or(Route::NotFound, |s| dir(Route::Post(s))),
            ["posts", s, "comments"] => slug(s).map_or(Route::NotFound, Route::PostComments),
            ["posts", s, "comments.xml"] => slug(s).map_or(Route::NotFound, Route::PostCommentsFeed),
            ["tags"] | ["tags", ""] => dir(Route::Tags),
            ["tags", t] | ["tags", t, ""] if valid_tag(t) => dir(Route::Tag { tag: t.to_string(), page: 1 }),
            ["tags", t, "page", "1"] | ["tags", t, "page", "1", ""] if valid_tag(t) => Route::Redirect(format!("/tags/{t}/")),
            ["tags", t, "page", n] | ["tags", t, "page", n, ""] if valid_tag(t) => {
                number(n).filter(|&p| p > 1).map_or(Route::NotFound, |page| dir(Route::Tag { tag: t.to_string(), page }))
            }
            ["tags", t, "feed.xml"] if valid_tag(t) => Route::TagFeed(t.to_string()),
            ["archive"] | ["archive", ""] => dir(Route::Archive { page: 1 }),
            ["archive", "page", "1"] | ["archive", "page", "1", ""] => Route::Redirect("/archive/".into()),
            ["archive", "page", n] | ["archive", "page", n, ""] => {
                number(n).filter(|&p| p > 1).map_or(Route::NotFound, |page| dir(Route::Archive { page }))
            }
            ["search"] => Route::Search,
            ["feed.xml"] => Route::AtomFeed,
            // WordPress's feed addresses, kept for readers coming from an imported blog.
            ["feed"] | ["feed", ""] => Route::Redirect("/feed.xml".into()),
            ["comments", "feed"] | ["comments", "feed", ""] => Route::Redirect("/comments.xml".into()),
            ["rss.xml"] => Route::RssFeed,
            ["comments.xml"] => Route::CommentsFeed,
            ["sitemap.xml"] => Route::Sitemap(Sitemap::Index),
            ["sitemaps", "site.xml"] => Route::Sitemap(Sitemap::Site),
            ["sitemaps", file] => {
                let n = file.strip_prefix("posts-").and_then(|f| f.strip_suffix(".xml")).and_then(number).filter(|&n| n > 0);
                n.map_or(Route::NotFound, |n| Route::Sitemap(Sitemap::Posts(n)))
            }
            ["robots.txt"] => Route::Robots,
            ["comments", key] | ["comments", key, ""] if is_manage_key(key) => dir(Route::ManageComment(key.to_string())),
            ["admin"] => Route::Redirect("/admin/".into()),
            ["admin", ""] => Route::AdminHome,
            ["admin", "login"] => Route::AdminLogin,
            ["admin", "logout"] => Route::AdminLogout,
            ["admin", "comments"] => Route::AdminQueue,
            ["admin", "comments", id, "edit"] => comment_id(id).map_or(Route::AdminUnknown, Route::AdminEdit),
            ["admin", "feed.xml"] => Route::AdminFeed,
            ["admin", "confirm", token] if !token.is_empty() && token.len() < 200 => Route::AdminConfirm(token.to_string()),
            ["admin", "api", "posts", s] => slug(s).map_or_else(|e| Route::AdminApiUnknown(Some(e.to_string())), Route::AdminApiPost),
            ["admin", "api", "comments"] => Route::AdminApiComments,
            ["admin", "api", "comments", "import"] => Route::AdminApiCommentsImport,
            ["admin", "api", "comments", id] => comment_id(id).map_or(Route::AdminApiUnknown(None), Route::AdminApiComment),
            ["admin", "api", "comments", id, action] if ["approve", "unapprove", "spam", "trash", "restore"].contains(action) => {
                comment_id(id).map_or(Route::AdminApiUnknown(None), |id| Route::AdminApiCommentAction(id, action.to_string()))
            }
            ["admin", "api", "pages", s] => slug(s).map_or_else(|e| Route::AdminApiUnknown(Some(e.to_string())), Route::AdminApiPage),
            ["admin", "api", ..] => Route::AdminApiUnknown(None),
            ["admin", ..] => Route::AdminUnknown,
            [s] | [s, ""] => Slug::parse_page(s).map_or(Route::NotFound, |s| dir(Route::Page(s))),
            _ => Route::NotFound,
        }
    }

    /// The methods this route answers; `HEAD` goes with every `GET`.
    pub fn allowed(&self) -> &'static [Method] {
        match self {
            Route::PostComments(_) | Route::AdminApiCommentAction(..) | Route::AdminApiCommentsImport => &[Method::Post],
            Route::ManageComment(_) | Route::AdminQueue | Route::AdminEdit(_) | Route::AdminConfirm(_) => {
                &[Method::Get, Method::Head, Method::Post]
            }
            Route::AdminLogin | Route::AdminLogout => &[Method::Post],
            Route::AdminApiPost(_) | Route::AdminApiPage(_) => &[Method::Put, Method::Delete],
            Route::AdminApiUnknown(_) | Route::AdminUnknown => &[Method::Get, Method::Head, Method::Post, Method::Put, Method::Delete],
            Route::AdminApiComment(_) => &[Method::Delete],
            _ => &[Method::Get, Method::Head],
        }
    }

    /// What a request must carry before this route looks at anything else.
    pub fn guard(&self) -> Guard {
        match self {
            Route::AdminApiPost(_)
            | Route::AdminApiPage(_)
            | Route::AdminApiComments
            | Route::AdminApiCommentsImport
            | Route::AdminApiComment(_)
            | Route::AdminApiCommentAction(..)
            | Route::AdminApiUnknown(_) => Guard::Bearer,
            Route::AdminLogout | Route::AdminQueue | Route::AdminEdit(_) | Route::AdminUnknown => Guard::Session,
            Route::AdminHome | Route::AdminLogin => Guard::SignIn,
            Route::AdminFeed => Guard::FeedKey,
            Route::AdminConfirm(_) => Guard::SignedLink,
            _ => Guard::Public,
        }
    }

    /// One example path for every route, so that tests can walk the whole table.
    pub fn examples() -> Vec<(String, Route)> {
        let s = |x: &str| Slug::parse(x).unwrap_or_else(|_| unreachable!());
        let key = "ab".repeat(32);
        let examples: Vec<(&str, Route)> = vec![
            ("/", Route::Home { page: 1 }),
            ("/page/2/", Route::Home { page: 2 }),
            ("/posts/x/", Route::Post(s("x"))),
            ("/posts/x/comments", Route::PostComments(s("x"))),
            ("/posts/x/comments.xml", Route::PostCommentsFeed(s("x"))),
            ("/about/", Route::Page(s("about"))),
            ("/tags/", Route::Tags),
            ("/tags/x/", Route::Tag { tag: "x".into(), page: 1 }),
            ("/tags/x/feed.xml", Route::TagFeed("x".into())),
            ("/archive/", Route::Archive { page: 1 }),
            ("/search", Route::Search),
            ("/feed.xml", Route::AtomFeed),
            ("/rss.xml", Route::RssFeed),
            ("/comments.xml", Route::CommentsFeed),
            ("/sitemap.xml", Route::Sitemap(Sitemap::Index)),
            ("/robots.txt", Route::Robots),
            ("/comments/{key}/", Route::ManageComment(key.clone())),
            ("/admin/", Route::AdminHome),
            ("/admin/login", Route::AdminLogin),
            ("/admin/logout", Route::AdminLogout),
            ("/admin/comments", Route::AdminQueue),
            ("/admin/comments/1/edit", Route::AdminEdit(1)),
            ("/admin/feed.xml", Route::AdminFeed),
            ("/admin/confirm/1.approve.9999999999.00", Route::AdminConfirm("1.approve.9999999999.00".into())),
            ("/admin/api/posts/x", Route::AdminApiPost(s("x"))),
            ("/admin/api/pages/x", Route::AdminApiPage(s("x"))),
            ("/admin/api/comments", Route::AdminApiComments),
            ("/admin/api/comments/import", Route::AdminApiCommentsImport),
            ("/admin/api/comments/1", Route::AdminApiComment(1)),
            ("/admin/api/comments/1/approve", Route::AdminApiCommentAction(1, "approve".into())),
            ("/posts/x", Route::Redirect("/posts/x/".into())),
            ("/admin/api/posts/Bad", Route::AdminApiUnknown(Some(SlugError::Invalid("Bad".into()).to_string()))),
            ("/admin/api/nothing", Route::AdminApiUnknown(None)),
            ("/admin/nothing/", Route::AdminUnknown),
            ("/no/such/page", Route::NotFound),
        ];
        examples.into_iter().map(|(path, route)| (path.replace("{key}", &key), route)).collect()
    }

    /// A number per variant; the exhaustive match makes a new variant impossible to forget in [`Route::examples`].
    pub fn variant(&self) -> usize {
        match self {
            Route::Home { .. } => 0,
            Route::Post(_) => 1,
            Route::PostComments(_) => 2,
            Route::PostCommentsFeed(_) => 3,
            Route::Page(_) => 4,
            Route::Tags => 5,
            Route::Tag { .. } => 6,
            Route::TagFeed(_) => 7,
            Route::Archive { .. } => 8,
            Route::Search => 9,
            Route::AtomFeed => 10,
            Route::RssFeed => 11,
            Route::CommentsFeed => 12,
            Route::Sitemap(_) => 13,
            Route::Robots => 14,
            Route::ManageComment(_) => 15,
            Route::AdminHome => 16,
            Route::AdminLogin => 17,
            Route::AdminLogout => 18,
            Route::AdminQueue => 19,
            Route::AdminEdit(_) => 20,
            Route::AdminFeed => 21,
            Route::AdminConfirm(_) => 22,
            Route::AdminApiPost(_) => 23,
            Route::AdminApiPage(_) => 24,
            Route::AdminApiComments => 25,
            Route::AdminApiComment(_) => 26,
            Route::AdminApiCommentAction(..) => 27,
            Route::Redirect(_) => 28,
            Route::NotFound => 29,
            Route::AdminApiCommentsImport => 30,
            Route::AdminApiUnknown(_) => 31,
            Route::AdminUnknown => 32,
        }
    }
}

/// The credential a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    Public,
    /// `Authorization: Bearer <ADMIN_TOKEN>`; 401 without.
    Bearer,
    /// A signed session cookie (and a CSRF token on POST); otherwise a redirect to the sign-in page.
    Session,
    /// The sign-in page itself, which becomes the dashboard with a session.
    SignIn,
    /// The private feed key in the query string.
    FeedKey,
    /// The signed, expiring token in the path.
    SignedLink,
}

/// Private manage keys are 64 lowercase hex digits.
pub fn is_manage_key(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A page or file number as written in a URL: digits, without leading zeros.
fn number(s: &str) -> Option<usize> {
    s.parse().ok().filter(|_| !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()))
}

/// A comment id as written in a URL: digits, without leading zeros, as [`number`] (but 64-bit on every target).
fn comment_id(s: &str) -> Option<i64> {
    s.parse().ok().filter(|&id| id > 0 && !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()))
}

fn valid_tag(t: &str) -> bool {
    Slug::parse(t).is_ok()
}

/// The `Allow` header value for a list of methods.
pub fn allow_header(methods: &[Method]) -> String {
    let names: Vec<&str> = methods
        .iter()
        .map(|m| match m {
            Method::Get => "GET, HEAD",
            Method::Head => "",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Other => "",
        })
        .filter(|s| !s.is_empty())
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    #[test]
    fn reader_routes_parse() {
        assert_eq!(Route::parse("/"), Route::Home { page: 1 });
        assert_eq!(Route::parse("/page/3/"), Route::Home { page: 3 });
        assert_eq!(Route::parse("/posts/hello/"), Route::Post(slug("hello")));
        assert_eq!(Route::parse("/about/"), Route::Page(slug("about")));
        assert_eq!(Route::parse("/tags/"), Route::Tags);
        assert_eq!(Route::parse("/tags/rust/"), Route::Tag { tag: "rust".into(), page: 1 });
        assert_eq!(Route::parse("/tags/rust/page/2/"), Route::Tag { tag: "rust".into(), page: 2 });
        assert_eq!(Route::parse("/tags/rust/page/2"), Route::Redirect("/tags/rust/page/2/".into()));
        assert_eq!(Route::parse("/tags/rust/page/1/"), Route::Redirect("/tags/rust/".into()));
        assert_eq!(Route::parse("/tags/rust/page/02/"), Route::NotFound);
        assert_eq!(Route::parse("/tags/rust/feed.xml"), Route::TagFeed("rust".into()));
        assert_eq!(Route::parse("/posts/hello/comments.xml"), Route::PostCommentsFeed(slug("hello")));
        assert_eq!(Route::parse("/posts/hello/comments"), Route::PostComments(slug("hello")));
        assert_eq!(Route::parse("/comments.xml"), Route::CommentsFeed);
        assert_eq!(Route::parse("/feed.xml"), Route::AtomFeed);
        assert_eq!(Route::parse("/search"), Route::Search);
        assert_eq!(Route::parse("/archive/page/3/"), Route::Archive { page: 3 });
        assert_eq!(Route::parse("/sitemaps/site.xml"), Route::Sitemap(Sitemap::Site));
        assert_eq!(Route::parse("/sitemaps/posts-12.xml"), Route::Sitemap(Sitemap::Posts(12)));
    }

    #[test]
    fn directory_urls_without_slash_redirect_to_the_canonical_one() {
        assert_eq!(Route::parse("/posts/hello"), Route::Redirect("/posts/hello/".into()));
        assert_eq!(Route::parse("/about"), Route::Redirect("/about/".into()));
        assert_eq!(Route::parse("/page/1/"), Route::Redirect("/".into()));
        assert_eq!(Route::parse("/archive/page/1/"), Route::Redirect("/archive/".into()));
        assert_eq!(Route::parse("/archive/page/2"), Route::Redirect("/archive/page/2/".into()));
    }

    #[test]
    fn wordpress_feed_addresses_redirect_to_the_feeds() {
        assert_eq!(Route::parse("/feed/"), Route::Redirect("/feed.xml".into()));
        assert_eq!(Route::parse("/feed"), Route::Redirect("/feed.xml".into()));
        assert_eq!(Route::parse("/comments/feed/"), Route::Redirect("/comments.xml".into()));
    }

    #[test]
    fn nonsense_is_not_found() {
        let doubled = ["//", "//////", "//posts/hello/", "/posts//hello/", "/posts/hello//", "//evil.example/"];
        for path in ["/posts/Hello/", "/page/0/", "/page/x/", "/page/01/", "/a/b/c/", "/posts/", "/tags/a b/"]
            .iter()
            .chain(&["/archive/page/0/", "/archive/page/02/", "/archive/page/+2/", "/sitemaps/posts-0.xml", "/sitemaps/posts-01.xml"])
            .chain(&["/sitemaps/posts-.xml", "/sitemaps/posts-1.xml/", "/sitemaps/other.xml", "/page/+2/"])
            .chain(&doubled)
        {
            assert_eq!(Route::parse(path), Route::NotFound, "{path}");
        }
    }

    #[test]
    fn the_examples_cover_every_route_and_parse_to_themselves() {
        let examples = Route::examples();
        for (path, route) in &examples {
            assert_eq!(&Route::parse(path), route, "{path}");
        }
        let mut seen: Vec<usize> = examples.iter().map(|(_, r)| r.variant()).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen, (0..=32).collect::<Vec<_>>(), "every variant has an example");
    }

    #[test]
    fn every_other_admin_address_is_guarded_too() {
        for path in ["/admin/nope", "/admin/comments/0/edit", "/admin/a/b/c/", "/admin/confirm/"] {
            assert_eq!(Route::parse(path), Route::AdminUnknown, "{path}");
            assert_eq!(Route::parse(path).guard(), Guard::Session, "{path}");
        }
        for path in ["/admin/api/", "/admin/api/comments/12/explode", "/admin/api/comments/012", "/admin/api/other/x"] {
            assert_eq!(Route::parse(path), Route::AdminApiUnknown(None), "{path}");
            assert_eq!(Route::parse(path).guard(), Guard::Bearer, "{path}");
        }
        let Route::AdminApiUnknown(Some(reason)) = Route::parse("/admin/api/posts/Bad%20Slug") else { panic!("a bad slug has a reason") };
        assert!(reason.contains("`Bad%20Slug` may only contain lowercase letters"), "{reason}");
        assert_eq!(allow_header(Route::parse("/admin/api/posts/Bad").allowed()), "GET, HEAD, POST, PUT, DELETE", "400, not 405");
    }

    #[test]
    fn every_admin_path_is_guarded() {
        for (path, route) in Route::examples() {
            if path.starts_with("/admin") && !matches!(route, Route::Redirect(_)) {
                assert_ne!(route.guard(), Guard::Public, "{path}");
            }
        }
    }

    #[test]
    fn methods_are_declared_per_route() {
        assert_eq!(allow_header(Route::parse("/").allowed()), "GET, HEAD");
        assert_eq!(allow_header(Route::parse("/admin/api/posts/x").allowed()), "PUT, DELETE");
        assert_eq!(Route::parse("/admin/api/posts/x").guard(), Guard::Bearer);
        assert_eq!(Route::parse("/admin/api/comments/12/approve"), Route::AdminApiCommentAction(12, "approve".into()));
        assert_eq!(Route::parse("/admin/api/comments/12/explode"), Route::AdminApiUnknown(None));
        for id in ["012", "+5", "-5", "0", "99999999999999999999"] {
            assert_eq!(Route::parse(&format!("/admin/api/comments/{id}")), Route::AdminApiUnknown(None), "{id}");
        }
        assert_eq!(Route::parse("/admin/api/comments/4294967296"), Route::AdminApiComment(4_294_967_296), "past 32 bits, as D1 ids may be");
        assert_eq!(Route::parse("/admin/api/comments").guard(), Guard::Bearer);
        let key = "a".repeat(64);
        assert_eq!(Route::parse(&format!("/comments/{key}/")), Route::ManageComment(key.clone()));
        assert_eq!(Route::parse("/comments/short/"), Route::NotFound);
    }
}
