//! Posts and pages: the parsed document, its metadata, and the summary kept in the site index.

use crate::core::date;
use crate::core::front_matter::{self, FrontMatterError};
use crate::core::markdown::{self, Rendered};
use crate::core::named::{deserialize_by_name, Named};
use crate::core::slug::{slugify, Slug};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Names what preparing a page makes of a file: its front matter as read, its body rendered and sanitized, its
/// description. Pages prepared under another name are rendered again when served, and the name is part of every
/// version, so that publishing again stores them anew. `the_renderer_is_named_by_its_output` fails when the output
/// changes, until the new output gets a new name in its table.
pub const RENDERER: &str = "2";

/// Posts are dated and listed; pages (such as `/about/`) are neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Post,
    Page,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Post => "post",
            Kind::Page => "page",
        }
    }
}

/// Whether readers may comment, as set by the `comments` front matter key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CommentsPolicy {
    #[default]
    Open,
    Closed,
}

impl Named for Kind {
    const ALL: &'static [Self] = &[Kind::Post, Kind::Page];
    fn as_str(self) -> &'static str {
        self.as_str()
    }
}

impl Named for CommentsPolicy {
    const ALL: &'static [Self] = &[CommentsPolicy::Open, CommentsPolicy::Closed];
    fn as_str(self) -> &'static str {
        match self {
            CommentsPolicy::Open => "open",
            CommentsPolicy::Closed => "closed",
        }
    }
}
deserialize_by_name!(Kind, CommentsPolicy);

/// Validated front matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostMeta {
    pub title: String,
    #[serde(default, with = "date::optional")]
    pub date: Option<DateTime<Utc>>,
    #[serde(default, with = "date::optional")]
    pub updated: Option<DateTime<Utc>>,
    pub slug: Slug,
    pub tags: Vec<String>,
    pub summary: Option<String>,
    pub draft: bool,
    pub comments: CommentsPolicy,
    pub aliases: Vec<String>,
    pub author: Option<String>,
    /// Kept at the top of the home page (WordPress's "sticky" posts).
    pub sticky: bool,
}

/// A post or page parsed from its Markdown file.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub kind: Kind,
    pub meta: PostMeta,
    pub body: String,
}

impl Post {
    /// Parses a whole file (front matter and Markdown).
    pub fn parse(source: &str, kind: Kind, file_slug: Option<&str>) -> Result<Post, FrontMatterError> {
        let (meta, body) = front_matter::parse(source, kind, file_slug)?;
        Ok(Post { kind, meta, body })
    }

    pub fn url(&self) -> String {
        url_for(self.kind, &self.meta.slug)
    }

    pub fn render(&self) -> Rendered {
        markdown::render_post(&self.body)
    }

    /// What this document's page shows, from its `rendered` body.
    pub fn prepared(&self, rendered: &Rendered) -> Prepared {
        Prepared {
            renderer: RENDERER.to_string(),
            kind: self.kind,
            meta: self.meta.clone(),
            html: rendered.html.clone(),
            reading_minutes: rendered.reading_minutes,
            description: description(&self.meta, rendered),
        }
    }

    /// What the index keeps of this post: enough for list pages, tags, archive, feeds and the sitemap.
    pub fn summary(&self, rendered: &Rendered) -> PostSummary {
        let excerpt = markdown::excerpt(&self.body);
        let excerpt_html = match (&self.meta.summary, excerpt.has_more) {
            (Some(summary), false) => markdown::render_inline_summary(summary),
            _ => excerpt.html,
        };
        PostSummary {
            kind: self.kind,
            slug: self.meta.slug.clone(),
            title: self.meta.title.clone(),
            date: self.meta.date,
            updated: self.meta.updated,
            tags: self.meta.tags.clone(),
            excerpt_html,
            has_more: excerpt.has_more,
            reading_minutes: rendered.reading_minutes,
            draft: self.meta.draft,
            aliases: self.meta.aliases.clone(),
            author: self.meta.author.clone(),
            sticky: self.meta.sticky,
        }
    }
}

impl PostMeta {
    /// Drafts are never shown; posts dated in the future appear when their date passes.
    pub fn is_visible(&self, now: DateTime<Utc>) -> bool {
        !self.draft && self.date.is_none_or(|d| d <= now)
    }
}

/// The meta description: the author's summary, or the first words of the post.
fn description(meta: &PostMeta, rendered: &Rendered) -> String {
    if let Some(summary) = &meta.summary {
        return summary.clone();
    }
    let mut out = String::new();
    for word in rendered.text.split_whitespace() {
        if out.len() + word.len() > 155 {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A document as its page shows it: front matter read, body rendered and sanitized. Made when the document is
/// published and kept with it, so that serving a page never parses Markdown unless another renderer made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prepared {
    /// The [`RENDERER`] that made it.
    pub renderer: String,
    pub kind: Kind,
    pub meta: PostMeta,
    pub html: String,
    pub reading_minutes: u32,
    pub description: String,
}

impl Prepared {
    pub fn url(&self) -> String {
        url_for(self.kind, &self.meta.slug)
    }
}

/// One line of the site index. Every field is written, so that a release rolled back to reads what this one stored;
/// those a [list](crate::core::index::List) leaves out read as empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostSummary {
    pub kind: Kind,
    pub slug: Slug,
    pub title: String,
    #[serde(default, with = "date::optional")]
    pub date: Option<DateTime<Utc>>,
    #[serde(default, with = "date::optional")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub excerpt_html: String,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub reading_minutes: u32,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub author: Option<String>,
    /// Absent in summaries stored before the key existed.
    #[serde(default)]
    pub sticky: bool,
}

impl PostSummary {
    /// The line as the archive and the sitemaps read it: its address, title, dates and tags (a sitemap lists the tags
    /// first used by its visible posts), and whether it is visible.
    pub fn listed(&self) -> PostSummary {
        PostSummary {
            kind: self.kind,
            slug: self.slug.clone(),
            title: self.title.clone(),
            date: self.date,
            updated: self.updated,
            tags: self.tags.clone(),
            excerpt_html: String::new(),
            has_more: false,
            reading_minutes: 0,
            draft: self.draft,
            aliases: Vec::new(),
            author: None,
            sticky: false,
        }
    }

    pub fn url(&self) -> String {
        url_for(self.kind, &self.slug)
    }

    pub fn is_visible(&self, now: DateTime<Utc>) -> bool {
        !self.draft && self.date.is_none_or(|d| d <= now)
    }

    pub fn has_tag(&self, tag_slug: &str) -> bool {
        self.tags.iter().any(|t| slugify(t) == tag_slug)
    }

    /// When the post last changed, for feeds and the sitemap.
    pub fn last_modified(&self) -> Option<DateTime<Utc>> {
        self.updated.or(self.date)
    }
}

pub fn url_for(kind: Kind, slug: &Slug) -> String {
    match kind {
        Kind::Post => format!("/posts/{slug}/"),
        Kind::Page => format!("/{slug}/"),
    }
}

/// A post or page as kept in KV: the author's file verbatim and its page as prepared when published, with a
/// version that changes with the file's bytes and with the renderer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDoc {
    pub kind: Kind,
    pub version: String,
    pub source: String,
    /// Absent in documents stored by releases before 2026-11-26, and counted absent when this release cannot read
    /// it ([`StoredDoc::from_json`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepared: Option<Prepared>,
}

impl StoredDoc {
    pub fn new(kind: Kind, source: String, prepared: Option<Prepared>) -> StoredDoc {
        // A new renderer gives every file a new version, so that publishing it again stores the new page.
        let version = crate::core::hash::short_hash(format!("{RENDERER}\n{source}").as_bytes());
        StoredDoc { kind, version, source, prepared }
    }

    /// Reads a stored document. A prepared page this release cannot read (written by a later or an earlier one)
    /// counts as absent, so the page is rendered from `source`; that is tried only when the whole document fails,
    /// since reading the page through a generic value first would double the cost of every read.
    pub fn from_json(json: &str) -> serde_json::Result<StoredDoc> {
        #[derive(Deserialize)]
        struct Bare {
            kind: Kind,
            version: String,
            source: String,
        }
        serde_json::from_str(json).or_else(|whole| {
            let Bare { kind, version, source } = serde_json::from_str(json).map_err(|_| whole)?;
            Ok(StoredDoc { kind, version, source, prepared: None })
        })
    }

    /// The page prepared when this document was published, if this release's renderer made it, for this document.
    pub fn prepared_for(&self, slug: &Slug) -> Option<&Prepared> {
        self.prepared.as_ref().filter(|p| p.renderer == RENDERER && p.kind == self.kind && p.meta.slug == *slug)
    }

    /// The KV key under which a document of this kind and slug lives.
    pub fn key(kind: Kind, slug: &Slug) -> String {
        format!("{}:{}", kind.as_str(), slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn post(extra: &str) -> Post {
        Post::parse(&format!("+++\ntitle = \"T\"\ndate = 2030-01-01\n{extra}\n+++\nHello"), Kind::Post, Some("t")).unwrap()
    }

    #[test]
    fn a_post_dated_in_the_future_is_hidden_until_its_date() {
        let p = post("");
        assert!(!p.meta.is_visible(Utc.with_ymd_and_hms(2029, 12, 31, 23, 59, 59).unwrap()));
        assert!(p.meta.is_visible(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()));
        let s = p.summary(&p.render());
        assert!(!s.is_visible(Utc.with_ymd_and_hms(2029, 1, 1, 0, 0, 0).unwrap()));
    }

    #[test]
    fn a_draft_is_never_visible() {
        assert!(!post("draft = true").meta.is_visible(Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap()));
    }

    #[test]
    fn urls_and_keys_follow_the_kind() {
        let p = post("");
        assert_eq!(p.url(), "/posts/t/");
        assert_eq!(StoredDoc::key(Kind::Page, &Slug::parse("about").unwrap()), "page:about");
    }

    /// Every name [`RENDERER`] has had, with the hash of what it made of the sample in the test below. Rows are
    /// never edited: a new output gets a new row, and `RENDERER` its name.
    const RENDERERS: &[(&str, &str)] = &[("1", "91efd8d4414273d2"), ("2", "f9858784b8ef4814")];

    #[test]
    fn the_renderer_is_named_by_its_output() {
        // A file with every front matter key, a body with the constructs the renderer and the sanitizer treat in
        // their own ways, and the XSS corpus's payloads as post bodies.
        let file = "+++\ntitle = \"Sample <em>title</em> & co\"\ndate = 2024-05-01T08:30:00+02:00\nupdated = 2024-06-01\n\
            tags = [\"Rust\", \"Edge Cases\"]\nsummary = \"A *summary*.\"\ndraft = false\ncomments = \"closed\"\n\
            aliases = [\"/2024/05/sample/\"]\nauthor = \"A. Writer\"\nsticky = true\n+++\n\
            # Title {#top}\n\n## Title\n\n## Title\n\nSome *em*, **strong**, `code`, ~~del~~, \"quotes\" -- and...\n\n\
            > quote\n\n- [x] done\n- item\n\n1. one\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\nNote[^n].\n\n[^n]: The note.\n\n\
            ```rust\nfn main() {}\n```\n\n<div class=\"x\" onclick=\"y\"><script>z</script><iframe src=\"https://e.test\"></iframe>\
            <details><summary>s</summary><dl><dt>t</dt><dd>d</dd></dl></details></div>\n\n\
            [link](https://example.org \"t\") [bad](javascript:x) [data](data:text/html,x) ![alt](/img.png) <https://auto.test> &copy;\n\n\
            <!-- more -->\n\n---\n";
        let post = Post::parse(file, Kind::Post, Some("sample")).unwrap();
        let prepared = Prepared { renderer: String::new(), ..post.prepared(&post.render()) };
        // The allow-list too, for the elements and attributes no sample uses yet.
        let mut output = format!("{}{:?}", serde_json::to_string(&prepared).unwrap(), crate::core::sanitize::POST);
        let corpus = include_str!("../../tests/xss/payloads.txt");
        for payload in corpus.lines().filter(|l| !l.starts_with("#|") && !l.trim().is_empty()) {
            output.push_str(&markdown::render_post(&payload.replace("\\n", "\n")).html);
        }
        let hash = crate::core::hash::short_hash(output.as_bytes());
        let (name, pinned) = RENDERERS[RENDERERS.len() - 1];
        assert_eq!(
            (RENDERER, hash.as_str()),
            (name, pinned),
            "what preparing a page makes changed: add (\"<new name>\", \"{hash}\") to RENDERERS and set RENDERER to the new name"
        );
        let names: std::collections::HashSet<_> = RENDERERS.iter().map(|r| r.0).collect();
        let hashes: std::collections::HashSet<_> = RENDERERS.iter().map(|r| r.1).collect();
        assert_eq!((names.len(), hashes.len()), (RENDERERS.len(), RENDERERS.len()), "every name and every output once");
    }

    #[test]
    fn a_prepared_page_is_used_only_for_its_own_document_and_renderer() {
        let post = post("");
        let mut stored = StoredDoc::new(Kind::Post, "source".into(), Some(post.prepared(&post.render())));
        let slug = Slug::parse("t").unwrap();
        assert!(stored.prepared_for(&slug).is_some());
        assert!(stored.prepared_for(&Slug::parse("other").unwrap()).is_none(), "copied under another key");
        stored.kind = Kind::Page;
        assert!(stored.prepared_for(&slug).is_none(), "stored as another kind");
        stored.kind = Kind::Post;
        stored.prepared.as_mut().unwrap().renderer = "another".into();
        assert!(stored.prepared_for(&slug).is_none(), "made by another renderer");
    }

    #[test]
    fn a_prepared_page_this_release_cannot_read_counts_as_absent() {
        let json = r#"{"kind":"post","version":"v","source":"s","prepared":{"renderer":"9","shape":"from elsewhere"}}"#;
        let stored = StoredDoc::from_json(json).unwrap();
        assert_eq!((stored.source.as_str(), stored.prepared), ("s", None));
        let without = StoredDoc::from_json(r#"{"kind":"post","version":"v","source":"s"}"#).unwrap();
        assert_eq!(without.prepared, None);
        let post = post("");
        let with = StoredDoc::new(Kind::Post, "s".into(), Some(post.prepared(&post.render())));
        assert_eq!(StoredDoc::from_json(&serde_json::to_string(&with).unwrap()).unwrap(), with);
        let broken = StoredDoc::from_json(r#"{"kind":"post","version":"v"}"#).unwrap_err().to_string();
        assert!(broken.contains("source"), "the error is the whole document's: {broken}");
    }

    #[test]
    fn stored_version_changes_with_the_bytes() {
        assert_eq!(StoredDoc::new(Kind::Post, "a".into(), None).version, StoredDoc::new(Kind::Post, "a".into(), None).version);
        assert_ne!(StoredDoc::new(Kind::Post, "a".into(), None).version, StoredDoc::new(Kind::Post, "b".into(), None).version);
        assert_ne!(StoredDoc::new(Kind::Post, "a".into(), None).version, crate::core::hash::short_hash(b"a"), "the renderer is in it");
    }

    #[test]
    fn summary_dates_keep_the_json_chrono_wrote() {
        // Index versions hash this JSON; summaries stored by earlier releases must read back as they were.
        let p = post("updated = \"2030-01-02T03:04:05.25+01:00\"");
        let json = serde_json::to_string(&p.summary(&p.render())).unwrap();
        assert!(json.contains(r#""date":"2030-01-01T00:00:00Z","updated":"2030-01-02T02:04:05.250Z""#), "{json}");
        let back: PostSummary = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p.summary(&p.render()));
        let without = json.replace(r#""date":"2030-01-01T00:00:00Z","updated":"2030-01-02T02:04:05.250Z","#, "");
        let back: PostSummary = serde_json::from_str(&without).unwrap();
        assert_eq!((back.date, back.updated), (None, None));
    }

    #[test]
    fn a_summary_writes_every_field_and_reads_one_without_those_a_list_leaves_out() {
        // Every field, as the release before lists wrote and reads them (it refuses a summary without one).
        let p = post("tags = [\"Rest\"]");
        let json = serde_json::to_string(&p.summary(&p.render())).unwrap();
        let keys = ["kind", "slug", "title", "date", "updated", "tags", "excerpt_html", "has_more", "reading_minutes"];
        for key in keys.iter().chain(&["draft", "aliases", "author", "sticky"]) {
            assert!(json.contains(&format!("\"{key}\":")), "{key} in {json}");
        }
        let listed: PostSummary = serde_json::from_str(r#"{"kind":"post","slug":"t","title":"T","date":"2030-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(listed, PostSummary { tags: Vec::new(), ..p.summary(&p.render()).listed() });
    }
}
