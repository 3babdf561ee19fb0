//! The page models: one `*Page` struct per template, built from domain values, rendered by askama.

use crate::core::comment::{Comment, CommentForm, CommentStatus, FieldErrors, Threaded};
use crate::core::config::SiteConfig;
use crate::core::date;
use crate::core::index::TagCount;
use crate::core::post::{Kind, PostSummary, Prepared};
use crate::core::slug::slugify;
use askama::Template;
use chrono::{DateTime, Timelike, Utc};
use std::rc::Rc;

/// The stylesheet's address, named by the checksum of its bytes (`/static/style.<cksum>.css`, from `build.rs`), so that
/// `public/_headers` can let browsers keep it for a year without asking again: a changed file is a new address.
pub const STYLESHEET: &str = env!("BLOG_STYLESHEET");

/// `base.html`: the document around every page's content (its `<head>`, header and footer). [`Page::html`] renders it
/// around the page's own template, so the Wasm holds one copy of it: a template that extended it compiled its own,
/// and the twelve copies were 4 KB of the upload's gzip.
#[derive(Template)]
#[template(path = "base.html")]
struct Document<'a> {
    layout: &'a Layout,
    content: &'a str,
}

/// A page of the site: its template renders what goes in `<main>`; [`Page::html`] renders the whole document. Serve
/// `html()`, never the template's own `render()`, which is the content alone.
pub trait Page: Template {
    fn layout(&self) -> &Layout;

    /// The content is rendered into a `String` of its own first. Written through the `fmt::Formatter` of a nested
    /// `Display` instead, askama's escaping is slower: a post page's first render took 6% more instructions.
    fn html(&self) -> askama::Result<String> {
        let content = self.render()?;
        let mut html = String::with_capacity(Document::SIZE_HINT + content.len());
        Document { layout: self.layout(), content: &content }.render_into(&mut html)?;
        Ok(html)
    }
}

/// Implements [`Page`] for page models, each with its `layout` field.
macro_rules! pages {
    ($($page:ty),*) => {
        $(impl $crate::core::views::Page for $page {
            fn layout(&self) -> &$crate::core::views::Layout {
                &self.layout
            }
        })*
    };
}
pub(crate) use pages;

pages!(ListPage, PostPage, ManagePage<'_>, TagsPage, ArchivePage, SearchPage, ErrorPage);

/// What every page carries in its `<head>` and around its content.
#[derive(Debug, Clone)]
pub struct Layout {
    pub site_title: String,
    /// The public origin, for links shown as text.
    pub site_url: String,
    pub site_description: String,
    pub language: String,
    /// The document title, already combined with the site title.
    pub title: String,
    pub description: String,
    pub canonical: String,
    /// OpenGraph type: `website` or `article`.
    pub og_type: &'static str,
    pub json_ld: Option<String>,
    pub nav: Vec<Link>,
    /// Extra feeds to advertise, such as a tag's.
    pub feeds: Vec<Link>,
    /// Search results and error pages ask not to be indexed.
    pub noindex: bool,
}

/// A labelled link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub title: String,
    pub url: String,
}

impl Layout {
    /// The layout for a page at `path`, linking the pages `nav`; `title` of `None` means the site's home.
    pub fn new<'a>(
        site: &SiteConfig,
        nav: impl IntoIterator<Item = &'a PostSummary>,
        title: Option<&str>,
        description: Option<&str>,
        path: &str,
    ) -> Layout {
        Layout {
            site_title: site.title.clone(),
            site_url: site.url.clone(),
            site_description: site.description.clone(),
            language: site.language.clone(),
            title: match title {
                Some(t) => format!("{t} · {}", site.title),
                None => site.title.clone(),
            },
            description: description.unwrap_or(&site.description).to_string(),
            canonical: site.absolute(path),
            og_type: "website",
            json_ld: None,
            nav: nav.into_iter().map(|p| Link { title: p.title.clone(), url: p.url() }).collect(),
            feeds: Vec::new(),
            noindex: false,
        }
    }
}

/// A date shown to readers and given to machines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateView {
    pub display: String,
    pub iso: String,
}

impl DateView {
    pub fn new(date: DateTime<Utc>) -> DateView {
        DateView { display: date::long_date(date), iso: date::rfc3339(date) }
    }
}

/// A tag as a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagLink {
    pub name: String,
    pub url: String,
}

fn tag_links(tags: &[String]) -> Vec<TagLink> {
    tags.iter().map(|t| TagLink { name: t.clone(), url: format!("/tags/{}/", slugify(t)) }).collect()
}

/// A post in a list.
#[derive(Debug, Clone)]
pub struct PostCard {
    pub title: String,
    pub url: String,
    pub date: Option<DateView>,
    pub tags: Vec<TagLink>,
    pub excerpt_html: String,
    pub has_more: bool,
    pub reading_minutes: u32,
    pub comment_count: u32,
}

impl PostCard {
    pub fn new(summary: &PostSummary, comment_count: u32) -> PostCard {
        PostCard {
            title: summary.title.clone(),
            url: summary.url(),
            date: summary.date.map(DateView::new),
            tags: tag_links(&summary.tags),
            excerpt_html: summary.excerpt_html.clone(),
            has_more: summary.has_more,
            reading_minutes: summary.reading_minutes,
            comment_count,
        }
    }
}

/// Links to the neighbouring pages of a list.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub newer: Option<String>,
    pub older: Option<String>,
    pub page: usize,
    pub total_pages: usize,
}

impl Pager {
    /// `base` is the list's first page, such as `/` or `/archive/`; later pages live at `<base>page/<n>/`.
    pub fn new(base: &str, page: usize, total_pages: usize) -> Pager {
        Pager {
            newer: match page {
                0 | 1 => None,
                2 => Some(base.into()),
                n => Some(format!("{base}page/{}/", n - 1)),
            },
            older: (page < total_pages).then(|| format!("{base}page/{}/", page + 1)),
            page,
            total_pages,
        }
    }
}

/// The home page, its later pages, and a tag's page.
#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub layout: Layout,
    /// `None` on the home page, which shows the site description instead.
    pub heading: Option<String>,
    pub posts: Vec<PostCard>,
    pub pager: Pager,
}

/// A single post or page.
#[derive(Template)]
#[template(path = "post.html")]
pub struct PostPage {
    pub layout: Layout,
    pub post: PostView,
    /// Posts have a comment section; pages do not.
    pub comments: Option<CommentSection>,
}

/// The parts of a post a reader sees.
#[derive(Debug, Clone)]
pub struct PostView {
    pub is_post: bool,
    pub title: String,
    pub url: String,
    pub date: Option<DateView>,
    pub updated: Option<DateView>,
    pub author: String,
    pub tags: Vec<TagLink>,
    pub reading_minutes: u32,
    pub html: String,
}

impl PostPage {
    pub fn new<'a>(site: &SiteConfig, nav: impl IntoIterator<Item = &'a PostSummary>, post: &Prepared) -> PostPage {
        let url = post.url();
        let mut layout = Layout::new(site, nav, Some(&post.meta.title), Some(&post.description), &url);
        let author = post.meta.author.clone().unwrap_or_else(|| site.author.clone());
        if post.kind == Kind::Post {
            layout.og_type = "article";
            layout.json_ld = Some(blog_posting_json_ld(site, post, &author));
        }
        PostPage {
            layout,
            post: PostView {
                is_post: post.kind == Kind::Post,
                title: post.meta.title.clone(),
                url,
                date: post.meta.date.map(DateView::new),
                updated: post.meta.updated.filter(|u| Some(*u) != post.meta.date).map(DateView::new),
                author,
                tags: tag_links(&post.meta.tags),
                reading_minutes: post.reading_minutes,
                html: post.html.clone(),
            },
            comments: None,
        }
    }
}

/// The thread of one page of a post's comments.
#[derive(Template)]
#[template(path = "_comment_list.html")]
pub struct CommentList {
    pub items: Vec<CommentView>,
    /// Whether each comment offers a reply link (the form is open).
    pub reply_links: bool,
}

/// The comments under a post: the thread, the form or why there is none, and a notice after submitting.
#[derive(Debug, Clone, Default)]
pub struct CommentSection {
    pub heading: String,
    /// The rendered thread ([`CommentList`]), empty when there are no comments.
    pub list_html: Rc<str>,
    /// Comments could not be loaded; the post is still shown.
    pub unavailable: bool,
    /// Why the form is not offered.
    pub closed: Option<String>,
    pub form: Option<CommentFormView>,
    pub notice: Option<Notice>,
    pub feed_url: String,
    /// Links to the next (newer) and previous (older) pages of threads.
    pub newer: Option<String>,
    pub older: Option<String>,
}

impl CommentSection {
    pub fn heading_for(count: usize, title: &str) -> String {
        match count {
            0 => format!("No comments yet on “{title}”"),
            1 => format!("1 comment on “{title}”"),
            n => format!("{n} comments on “{title}”"),
        }
    }
}

/// One comment in its thread.
#[derive(Debug, Clone)]
pub struct CommentView {
    pub id: i64,
    pub author: String,
    pub url: Option<String>,
    /// The first letter of the name, shown as a locally drawn avatar.
    pub initial: String,
    pub date: DateView,
    pub body_html: String,
    pub has_replies: bool,
    /// How many reply lists end after this comment.
    pub closes: usize,
    pub reply_url: String,
}

impl CommentView {
    pub fn new(t: &Threaded<'_>, post_url: &str) -> CommentView {
        CommentView::of(t.comment, post_url, t.has_replies, t.closes)
    }

    pub fn of(c: &Comment, post_url: &str, has_replies: bool, closes: usize) -> CommentView {
        CommentView {
            id: c.id,
            author: c.author.clone(),
            url: c.url.clone(),
            initial: c.author.chars().find(|ch| ch.is_alphanumeric()).map(|ch| ch.to_uppercase().collect()).unwrap_or_else(|| "?".into()),
            date: comment_date(&c.created_at),
            body_html: c.body_html.clone(),
            has_replies,
            closes,
            reply_url: format!("{post_url}?replyto={}#comment-form", c.id),
        }
    }
}

/// Comment times are stored as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn comment_date(stored: &str) -> DateView {
    match date::parse_rfc3339(stored) {
        Some(d) => DateView { display: format!("{} at {:02}:{:02} UTC", date::long_date(d), d.hour(), d.minute()), iso: date::rfc3339(d) },
        None => DateView { display: stored.to_string(), iso: stored.to_string() },
    }
}

/// The reply form with what the reader typed and a message per field.
#[derive(Debug, Clone, Default)]
pub struct CommentFormView {
    pub action: String,
    pub issued: String,
    pub values: CommentForm,
    pub errors: FieldErrors,
    /// The comment being replied to: its id and author.
    pub replying_to: Option<(i64, String)>,
    pub cancel_url: String,
}

/// A message above the comments, such as the confirmation with the private link.
#[derive(Debug, Clone)]
pub struct Notice {
    pub success: bool,
    pub message: String,
    pub manage_url: Option<String>,
    /// The reader's text, when it could not be accepted and there is no form to put it back in.
    pub kept_text: Option<String>,
}

/// `/comments/<key>/`: a commenter's own comment, with edit and delete.
#[derive(Template)]
#[template(path = "manage.html")]
pub struct ManagePage<'a> {
    pub layout: Layout,
    pub post_title: String,
    pub post_url: String,
    /// `None` once deleted.
    pub comment: Option<CommentView>,
    pub status: String,
    /// The edit form's name, website and text.
    pub author: &'a str,
    pub url: &'a str,
    pub body: &'a str,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub action: String,
}

/// How a comment's status reads to its writer.
pub fn status_for_writer(status: CommentStatus) -> &'static str {
    match status {
        CommentStatus::Approved => "Published: everyone can read it under the post.",
        CommentStatus::Pending => "Waiting for review: only you can see it until the author approves it.",
        CommentStatus::Spam | CommentStatus::Trash => "Not published: the author has not accepted it.",
    }
}

/// JSON-LD for search engines: schema.org's BlogPosting, its keys in the order a JSON map sorts them (as this page
/// wrote them before). Written here rather than through serde_json, which took a sixth of a version's first render.
fn blog_posting_json_ld(site: &SiteConfig, post: &Prepared, author: &str) -> String {
    let url = site.absolute(&post.url());
    let modified = post.meta.updated.or(post.meta.date).map(date::rfc3339);
    let published = post.meta.date.map(date::rfc3339);
    let keywords = post.meta.tags.join(", ");
    let mut json = String::with_capacity(512);
    json.push_str(r#"{"@context":"https://schema.org","@type":"BlogPosting","author":{"@type":"Person","name":"#);
    push_json_string(&mut json, author);
    for (key, value) in [
        (r#"},"dateModified":"#, modified.as_deref()),
        (r#","datePublished":"#, published.as_deref()),
        (r#","description":"#, Some(post.description.as_str())),
        (r#","headline":"#, Some(post.meta.title.as_str())),
        (r#","keywords":"#, Some(keywords.as_str())),
        (r#","mainEntityOfPage":"#, Some(url.as_str())),
        (r#","publisher":{"@type":"Organization","name":"#, Some(site.title.as_str())),
        (r#"},"url":"#, Some(url.as_str())),
    ] {
        json.push_str(key);
        match value {
            Some(value) => push_json_string(&mut json, value),
            None => json.push_str("null"),
        }
    }
    json.push('}');
    json
}

/// `text` as a JSON string, escaped as serde_json escapes it, and `<` and `>` as well: inside a `<script>` element, a
/// title such as `<!--<script>` would otherwise put the HTML parser in a state where the script runs on over the page.
fn push_json_string(json: &mut String, text: &str) {
    json.push('"');
    let mut rest = text;
    // Every character escaped is ASCII, so the text is cut at character boundaries.
    while let Some(at) = rest.bytes().position(|b| b < b' ' || matches!(b, b'"' | b'\\' | b'<' | b'>')) {
        json.push_str(&rest[..at]);
        let byte = rest.as_bytes()[at];
        match byte {
            b'"' => json.push_str("\\\""),
            b'\\' => json.push_str("\\\\"),
            b'<' => json.push_str("\\u003c"),
            b'>' => json.push_str("\\u003e"),
            b'\n' => json.push_str("\\n"),
            b'\r' => json.push_str("\\r"),
            b'\t' => json.push_str("\\t"),
            0x08 => json.push_str("\\b"),
            0x0c => json.push_str("\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                json.push_str("\\u00");
                json.push(char::from(HEX[usize::from(byte >> 4)]));
                json.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
        }
        rest = &rest[at + 1..];
    }
    json.push_str(rest);
    json.push('"');
}

/// `/tags/`: every tag with its count.
#[derive(Template)]
#[template(path = "tags.html")]
pub struct TagsPage {
    pub layout: Layout,
    pub tags: Vec<TagCount>,
}

/// `/archive/` and its later pages: posts by month.
#[derive(Template)]
#[template(path = "archive.html")]
pub struct ArchivePage {
    pub layout: Layout,
    pub months: Vec<ArchiveMonthView>,
    pub pager: Pager,
}

/// A month of the archive: its posts' entries are prepared HTML (see [`crate::core::archive`]).
#[derive(Debug, Clone)]
pub struct ArchiveMonthView {
    pub label: String,
    pub entries: String,
}

/// One post in the archive, rendered into the archive text of its list (see [`crate::core::archive`]).
#[derive(Template)]
#[template(path = "_archive_entry.html")]
pub struct ArchiveEntry<'a> {
    pub date: DateView,
    pub title: &'a str,
    pub url: String,
}

/// `/search?q=`.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub query: String,
    pub searched: bool,
    pub results: Vec<SearchHit>,
    /// Set when search could not run, so the reader knows it is not their query's fault.
    pub unavailable: bool,
}

/// One search result with a highlighted snippet (sanitized HTML with `<mark>`).
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub title: String,
    pub url: String,
    pub date: Option<DateView>,
    pub snippet_html: String,
}

/// 404, 500, 503: a page in the site's design that says what happened and where to go.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
}

impl ErrorPage {
    pub fn new<'a>(
        site: &SiteConfig,
        nav: impl IntoIterator<Item = &'a PostSummary>,
        heading: &str,
        message: &str,
        path: &str,
    ) -> ErrorPage {
        let mut layout = Layout::new(site, nav, Some(heading), Some(message), path);
        layout.noindex = true;
        ErrorPage { layout, heading: heading.into(), message: message.into() }
    }
}

/// Turns a search snippet with private-use markers into HTML: everything escaped, markers become `<mark>`.
pub fn snippet_html(snippet: &str, open: char, close: char) -> String {
    let mut out = String::with_capacity(snippet.len() + 16);
    for c in snippet.chars() {
        match c {
            c if c == open => out.push_str("<mark>"),
            c if c == close => out.push_str("</mark>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post() -> Prepared {
        let post = crate::core::post::Post::parse(
            "+++\ntitle = \"Hello </script> & co\"\ndate = 2024-05-01\ntags = [\"Rust Lang\"]\n+++\nBody",
            Kind::Post,
            Some("hello"),
        )
        .unwrap();
        post.prepared(&post.render())
    }

    #[test]
    fn post_page_carries_canonical_opengraph_and_json_ld() {
        let site = SiteConfig::default();
        let page = PostPage::new(&site, [], &post()).html().unwrap();
        assert!(page.contains(r#"<link rel="canonical" href="http://127.0.0.1:8787/posts/hello/">"#), "{page}");
        assert!(page.contains(r#"<meta property="og:type" content="article">"#), "{page}");
        assert!(page.contains(r#""@type":"BlogPosting""#), "{page}");
        assert!(!page.contains("</script> & co\""), "the title must not close the JSON-LD script");
        assert!(page.contains(r#"<a href="/tags/rust-lang/" rel="tag">Rust Lang</a>"#), "{page}");
        assert!(page.contains("<time datetime=\"2024-05-01T00:00:00+00:00\">1 May 2024</time>"), "{page}");
    }

    #[test]
    fn a_page_is_its_own_content_inside_the_one_document() {
        let html = ErrorPage::new(&SiteConfig::default(), [], "Not <found>", "Gone & away", "/x/").html().unwrap();
        assert!(html.starts_with("<!doctype html>\n<html lang=\"en\">"), "{html}");
        assert!(html.trim_end().ends_with("</html>") && html.matches("<html").count() == 1, "{html}");
        assert!(html.contains(&format!(r#"<link rel="stylesheet" href="{STYLESHEET}">"#)), "{html}");
        let main = &html[html.find("<main id=\"main\">").unwrap()..html.find("</main>").unwrap()];
        assert!(main.contains("<h1>Not &#60;found&#62;</h1>") && main.contains("<p>Gone &#38; away</p>"), "{main}");
        assert!(html.find("<title>Not &#60;found&#62;").unwrap() < html.find("<main").unwrap(), "{html}");
    }

    #[test]
    fn json_ld_is_written_as_the_json_map_wrote_it() {
        // The bytes pages carried when this was a `serde_json::Value`, keys sorted; `<` and `>` escaped.
        let post = crate::core::post::Post::parse(
            "+++\ntitle = 'A <b> & \"q\"'\ndate = 2024-05-01\nupdated = 2024-06-01T10:00:00Z\ntags = [\"X\", \"Y\"]\n+++\nBody",
            Kind::Post,
            Some("a"),
        )
        .unwrap();
        let prepared = Prepared { description: "desc <x>".into(), ..post.prepared(&post.render()) };
        let page = PostPage::new(&SiteConfig::default(), [], &prepared).html().unwrap();
        let expected = r#"<script type="application/ld+json">{"@context":"https://schema.org","@type":"BlogPosting","author":{"@type":"Person","name":"The author"},"dateModified":"2024-06-01T10:00:00+00:00","datePublished":"2024-05-01T00:00:00+00:00","description":"desc \u003cx\u003e","headline":"A \u003cb\u003e & \"q\"","keywords":"X, Y","mainEntityOfPage":"http://127.0.0.1:8787/posts/a/","publisher":{"@type":"Organization","name":"A quiet blog"},"url":"http://127.0.0.1:8787/posts/a/"}</script>"#;
        assert!(page.contains(expected), "{page}");
    }

    #[test]
    fn json_strings_are_escaped_as_serde_json_escapes_them_and_angle_brackets_too() {
        for text in ["", "plain", "\"q\" \\ back", "</script><!--", "tab\tnew\nline\rcr\u{8}\u{c}", "\u{0}\u{1f}\u{7f}", "é – “x” \u{2028}"]
        {
            let mut json = String::new();
            push_json_string(&mut json, text);
            let expected = serde_json::to_string(text).unwrap().replace('<', "\\u003c").replace('>', "\\u003e");
            assert_eq!(json, expected, "{text:?}");
        }
    }

    #[test]
    fn pager_links_to_neighbours() {
        let p = Pager::new("/", 2, 3);
        assert_eq!((p.newer.as_deref(), p.older.as_deref()), (Some("/"), Some("/page/3/")));
        let last = Pager::new("/", 3, 3);
        assert_eq!((last.newer.as_deref(), last.older), (Some("/page/2/"), None));
        let archive = Pager::new("/archive/", 2, 3);
        assert_eq!((archive.newer.as_deref(), archive.older.as_deref()), (Some("/archive/"), Some("/archive/page/3/")));
    }

    #[test]
    fn snippets_are_escaped_before_marking() {
        assert_eq!(snippet_html("a \u{E000}<b>\u{E001} c", '\u{E000}', '\u{E001}'), "a <mark>&lt;b&gt;</mark> c");
    }
}
