//! The use cases, generic over storage: what a reader or the author asks for, answered as rendered text.

pub mod admin;
pub mod comments;

pub use comments::{ImportOutcome, ModerationAction, PostOut, Rejection, ShowOptions, Submitted};

use crate::core::config::SiteConfig;
use crate::core::feed::{self, FeedEntry, FeedMeta};
use crate::core::index::SiteIndex;
use crate::core::markdown::Rendered;
use crate::core::post::{Kind, Post, PostSummary, StoredDoc};
use crate::core::search::fts_query;
use crate::core::slug::Slug;
use crate::core::views::{
    snippet_html, ArchiveMonthView, ArchivePage, DateView, ErrorPage, Layout, Link, ListPage, Pager, PostCard, PostPage, SearchHit,
    SearchPage, TagsPage,
};
use crate::store::{Catalog, CommentStore, ContentStore, PublishedDoc, StoreError, SNIPPET_CLOSE, SNIPPET_OPEN};
use askama::Template;
use chrono::{DateTime, Utc};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

const FEED_LENGTH: usize = 20;
const SEARCH_LIMIT: usize = 20;

/// Why a use case could not answer.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// The author's file is not acceptable; the message says what to fix.
    #[error("{0}")]
    BadDocument(String),
    /// The request itself is malformed (not UTF-8, a missing field); the message says how.
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A document in storage no longer parses (written by hand, or by an older version).
    #[error("stored {key} cannot be parsed: {reason}")]
    CorruptDoc { key: String, reason: String },
    #[error("template failed: {0}")]
    Render(#[from] askama::Error),
}

/// The outcome of a publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub slug: Slug,
    pub url: String,
    /// False when the document replaced an earlier version (or was identical).
    pub created: bool,
}

/// One request's view of the blog: settings, storage and the time it is.
pub struct App<'a, C, D> {
    pub site: &'a SiteConfig,
    pub content: &'a C,
    pub db: &'a D,
    pub now: DateTime<Utc>,
    /// Signs comment forms and keys client and email hashes; empty when no secret is set.
    pub key: &'a [u8],
}

impl<C: ContentStore, D: Catalog + CommentStore> App<'_, C, D> {
    /// Approved comment counts for list pages; a failing comment store shows none rather than failing the page.
    async fn cards(&self, posts: &[&PostSummary]) -> Vec<PostCard> {
        let slugs: Vec<&str> = posts.iter().map(|p| p.slug.as_str()).collect();
        let counts = self.db.approved_counts(&slugs).await.unwrap_or_default();
        posts.iter().map(|p| PostCard::new(p, counts.get(p.slug.as_str()).copied().unwrap_or(0))).collect()
    }

    /// The home page or one of its later pages.
    pub async fn home(&self, page: usize) -> Result<String, AppError> {
        let index = self.content.index().await?;
        let paged = index.page(page, self.site.posts_per_page, self.now).ok_or(AppError::NotFound)?;
        let path = if page == 1 { "/".to_string() } else { format!("/page/{page}/") };
        let title = (page > 1).then(|| format!("Page {page}"));
        let layout = Layout::new(self.site, Some(&index), title.as_deref(), None, &path);
        let posts = self.cards(&paged.items).await;
        Ok(ListPage { layout, heading: None, posts, pager: Pager::new(paged.page, paged.total_pages) }.render()?)
    }

    /// A page such as `/about/`.
    pub async fn show_page(&self, slug: &Slug) -> Result<String, AppError> {
        let doc = self.visible_doc(Kind::Page, slug).await?;
        let index = self.content.index().await?;
        let description = description(&doc.post, &doc.rendered);
        let page = PostPage::new(self.site, Some(&index), &doc.post, doc.rendered.html.clone(), doc.rendered.reading_minutes, &description);
        Ok(page.render()?)
    }

    /// `/tags/<tag>/`.
    pub async fn tag(&self, tag_slug: &str) -> Result<String, AppError> {
        let index = self.content.index().await?;
        let (name, posts) = index.tagged(tag_slug, self.now);
        let name = name.ok_or(AppError::NotFound)?;
        let heading = format!("Posts tagged “{name}”");
        let mut layout = Layout::new(self.site, Some(&index), Some(&heading), None, &format!("/tags/{tag_slug}/"));
        layout.feeds.push(Link { title: format!("{} · {name}", self.site.title), url: format!("/tags/{tag_slug}/feed.xml") });
        let posts = self.cards(&posts).await;
        Ok(ListPage { layout, heading: Some(heading), posts, pager: Pager::default() }.render()?)
    }

    /// `/tags/`.
    pub async fn tags(&self) -> Result<String, AppError> {
        let index = self.content.index().await?;
        let layout = Layout::new(self.site, Some(&index), Some("Tags"), None, "/tags/");
        Ok(TagsPage { layout, tags: index.tags(self.now) }.render()?)
    }

    /// `/archive/`.
    pub async fn archive(&self) -> Result<String, AppError> {
        let index = self.content.index().await?;
        let layout = Layout::new(self.site, Some(&index), Some("Archive"), None, "/archive/");
        let months = index.archive(self.now).iter().map(ArchiveMonthView::new).collect();
        Ok(ArchivePage { layout, months }.render()?)
    }

    /// `/search?q=`: a failing search backend is reported on the page, not as an error.
    pub async fn search(&self, query: &str) -> Result<String, AppError> {
        let index = self.content.index().await?;
        let query: String = query.trim().chars().take(200).collect();
        let mut layout = Layout::new(self.site, Some(&index), Some("Search"), None, "/search");
        layout.noindex = true;
        let mut page = SearchPage { layout, query: query.clone(), searched: false, results: Vec::new(), unavailable: false };
        if let Some(fts) = fts_query(&query) {
            page.searched = true;
            match self.db.search(&fts, self.now, SEARCH_LIMIT).await {
                Ok(rows) => {
                    page.results = rows
                        .into_iter()
                        .map(|r| SearchHit {
                            title: r.summary.title.clone(),
                            url: r.summary.url(),
                            date: r.summary.date.map(DateView::new),
                            snippet_html: snippet_html(&r.snippet, SNIPPET_OPEN, SNIPPET_CLOSE),
                        })
                        .collect()
                }
                Err(_) => page.unavailable = true,
            }
        }
        Ok(page.render()?)
    }

    /// The Atom (`rss == false`) or RSS feed of the site, or of one tag.
    pub async fn feed(&self, tag_slug: Option<&str>, rss: bool) -> Result<String, AppError> {
        let index = self.content.index().await?;
        let (title, html_path, feed_path, posts): (String, String, String, Vec<&PostSummary>) = match tag_slug {
            Some(tag) => {
                let (name, posts) = index.tagged(tag, self.now);
                let name = name.ok_or(AppError::NotFound)?;
                (format!("{} · {name}", self.site.title), format!("/tags/{tag}/"), format!("/tags/{tag}/feed.xml"), posts)
            }
            None => {
                let feed_path = if rss { "/rss.xml" } else { "/feed.xml" };
                (self.site.title.clone(), "/".into(), feed_path.into(), index.visible(self.now).collect())
            }
        };
        let meta = FeedMeta {
            title,
            subtitle: self.site.description.clone(),
            site_url: self.site.absolute(&html_path),
            feed_url: self.site.absolute(&feed_path),
            author: self.site.author.clone(),
            language: self.site.language.clone(),
        };
        let entries: Vec<FeedEntry> = posts.iter().take(FEED_LENGTH).map(|p| self.feed_entry(p)).collect();
        Ok(if rss { feed::rss(&meta, &entries, self.now) } else { feed::atom(&meta, &entries, self.now) })
    }

    fn feed_entry(&self, post: &PostSummary) -> FeedEntry {
        let url = self.site.absolute(&post.url());
        let published = post.date.unwrap_or(self.now);
        let more = if post.has_more { format!("<p><a href=\"{url}\">Continue reading</a></p>") } else { String::new() };
        FeedEntry {
            title: post.title.clone(),
            url,
            published,
            updated: post.last_modified().unwrap_or(published),
            author: post.author.clone().unwrap_or_else(|| self.site.author.clone()),
            content_html: format!("{}{more}", post.excerpt_html),
            categories: post.tags.clone(),
        }
    }

    /// `/sitemap.xml`: the home page, every visible post and page, tags and the archive.
    pub async fn sitemap(&self) -> Result<String, AppError> {
        let index = self.content.index().await?;
        let newest = index.visible(self.now).next().and_then(|p| p.last_modified());
        let mut urls =
            vec![(self.site.absolute("/"), newest), (self.site.absolute("/archive/"), newest), (self.site.absolute("/tags/"), newest)];
        urls.extend(index.pages.iter().filter(|p| p.is_visible(self.now)).map(|p| (self.site.absolute(&p.url()), p.last_modified())));
        urls.extend(index.visible(self.now).map(|p| (self.site.absolute(&p.url()), p.last_modified())));
        urls.extend(index.tags(self.now).iter().map(|t| (self.site.absolute(&format!("/tags/{}/", t.slug)), None)));
        Ok(feed::sitemap(&urls))
    }

    /// `/robots.txt`.
    pub fn robots(&self) -> String {
        format!("User-agent: *\nAllow: /\nDisallow: /admin/\nDisallow: /search\n\nSitemap: {}\n", self.site.absolute("/sitemap.xml"))
    }

    /// Where an unknown path should be redirected, if it is an old URL of a document.
    pub async fn alias(&self, path_and_query: &str) -> Result<Option<String>, AppError> {
        let index = self.content.index().await?;
        Ok(index.alias_target(path_and_query).map(str::to_string))
    }

    /// A page in the site's design for an error; falls back to a page without navigation when storage is down.
    pub async fn error_page(&self, heading: &str, message: &str, path: &str) -> String {
        let index = self.content.index().await.ok();
        let page = ErrorPage::new(self.site, index.as_deref(), heading, message, path);
        page.render().unwrap_or_else(|_| format!("<!doctype html><title>{heading}</title><h1>{heading}</h1><p>{message}</p>"))
    }
}

impl<C: ContentStore, D> App<'_, C, D> {
    /// A post or page, if a reader may see it now, parsed and rendered (once per version per isolate).
    pub async fn visible_doc(&self, kind: Kind, slug: &Slug) -> Result<Rc<ParsedDoc>, AppError> {
        let stored = self.content.doc(kind, slug).await?.ok_or(AppError::NotFound)?;
        let doc = parse_cached(&stored, slug)?;
        if !doc.post.is_visible(self.now) {
            return Err(AppError::NotFound);
        }
        Ok(doc)
    }
}

impl<C: ContentStore, D: Catalog> App<'_, C, D> {
    /// Publishes one file at `slug`, as the admin API does. Identical content writes nothing.
    pub async fn publish(&self, kind: Kind, slug: &Slug, source: &str) -> Result<Published, AppError> {
        let doc = prepare(kind, source, Some(slug.as_str()))?;
        if doc.summary.slug != *slug {
            return Err(AppError::BadDocument(format!(
                "the front matter says slug = \"{}\" but the URL says `{slug}`; make them agree",
                doc.summary.slug
            )));
        }
        let previous = self.content.doc(kind, slug).await?;
        let created = previous.is_none();
        if previous.is_none_or(|p| p.version != doc.doc.version) {
            self.publish_all(std::slice::from_ref(&doc)).await?;
        }
        Ok(Published { slug: slug.clone(), url: doc.summary.url(), created })
    }

    /// Writes documents to the catalog and content store, then rebuilds the index once.
    pub async fn publish_all(&self, docs: &[PublishedDoc]) -> Result<(), AppError> {
        self.db.upsert(docs).await?;
        self.content.put_docs(docs).await?;
        self.rebuild_index().await
    }

    /// Removes a document from every list, feed, the sitemap and search.
    pub async fn unpublish(&self, kind: Kind, slug: &Slug) -> Result<(), AppError> {
        let in_catalog = self.db.remove(kind, slug).await?;
        let in_content = self.content.doc(kind, slug).await?.is_some();
        if !in_catalog && !in_content {
            return Err(AppError::NotFound);
        }
        self.content.delete_doc(kind, slug).await?;
        self.rebuild_index().await
    }

    async fn rebuild_index(&self) -> Result<(), AppError> {
        let index = SiteIndex::build(self.db.summaries().await?);
        self.content.put_index(&index).await?;
        Ok(())
    }
}

/// Parses and renders a file for publishing; bad front matter is a [`AppError::BadDocument`].
pub fn prepare(kind: Kind, source: &str, file_slug: Option<&str>) -> Result<PublishedDoc, AppError> {
    let post = Post::parse(source, kind, file_slug).map_err(|e| AppError::BadDocument(e.to_string()))?;
    let rendered = post.render();
    Ok(PublishedDoc {
        summary: post.summary(&rendered),
        text: format!("{} {}", post.meta.title, rendered.text),
        doc: StoredDoc::new(kind, source.to_string()),
    })
}

/// The meta description: the author's summary, or the first words of the post.
pub(crate) fn description(post: &Post, rendered: &Rendered) -> String {
    if let Some(summary) = &post.meta.summary {
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

/// A stored document parsed and rendered.
pub struct ParsedDoc {
    pub post: Post,
    pub rendered: Rendered,
}

const RENDER_CACHE_SIZE: usize = 256;

thread_local! {
    /// Rendered documents by kind and version: an isolate renders each version of a post once.
    static RENDERED: RefCell<HashMap<String, Rc<ParsedDoc>>> = RefCell::new(HashMap::new());
}

pub(crate) fn parse_cached(stored: &StoredDoc, slug: &Slug) -> Result<Rc<ParsedDoc>, AppError> {
    let key = format!("{}:{}:{}", stored.kind.as_str(), slug, stored.version);
    if let Some(hit) = RENDERED.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(hit);
    }
    let post = Post::parse(&stored.source, stored.kind, Some(slug.as_str()))
        .map_err(|e| AppError::CorruptDoc { key: StoredDoc::key(stored.kind, slug), reason: e.to_string() })?;
    let rendered = post.render();
    let parsed = Rc::new(ParsedDoc { post, rendered });
    RENDERED.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= RENDER_CACHE_SIZE {
            c.clear();
        }
        c.insert(key, parsed.clone());
    });
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;
    use chrono::TimeZone;
    use pollster::block_on;

    fn app<'a>(site: &'a SiteConfig, store: &'a MemoryStore) -> App<'a, MemoryStore, MemoryStore> {
        App { site, content: store, db: store, now: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(), key: b"k" }
    }

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    const HELLO: &str =
        "+++\ntitle = \"Hello\"\ndate = 2024-05-01\ntags = [\"Intro\"]\naliases = [\"/2024/05/hello/\"]\n+++\nFirst words about edges.\n";

    #[test]
    fn a_published_post_is_shown_listed_tagged_searchable_and_in_the_feed() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        let published = block_on(app.publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        assert_eq!((published.url.as_str(), published.created), ("/posts/hello/", true));
        assert!(block_on(app.show_post(&slug("hello"), &ShowOptions::default())).unwrap().html.contains("First words about edges."));
        assert!(block_on(app.home(1)).unwrap().contains("/posts/hello/"));
        assert!(block_on(app.tag("intro")).unwrap().contains("/posts/hello/"));
        assert!(block_on(app.search("edge")).unwrap().contains("/posts/hello/"));
        assert!(block_on(app.feed(None, false)).unwrap().contains("http://127.0.0.1:8787/posts/hello/"));
        assert!(block_on(app.sitemap()).unwrap().contains("http://127.0.0.1:8787/posts/hello/"));
        assert_eq!(block_on(app.alias("/2024/05/hello")).unwrap().as_deref(), Some("/posts/hello/"));
    }

    #[test]
    fn publishing_the_same_file_twice_writes_nothing_the_second_time() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        block_on(app.publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        let writes = *store.writes.borrow();
        let again = block_on(app.publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        assert!(!again.created);
        assert_eq!(*store.writes.borrow(), writes);
    }

    #[test]
    fn unpublishing_removes_the_post_everywhere() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        block_on(app.publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        block_on(app.unpublish(Kind::Post, &slug("hello"))).unwrap();
        assert!(matches!(block_on(app.show_post(&slug("hello"), &ShowOptions::default())), Err(AppError::NotFound)));
        assert!(!block_on(app.home(1)).unwrap().contains("/posts/hello/"));
        assert!(!block_on(app.search("edges")).unwrap().contains("/posts/hello/"));
        assert!(matches!(block_on(app.tag("intro")), Err(AppError::NotFound)));
        assert!(matches!(block_on(app.unpublish(Kind::Post, &slug("hello"))), Err(AppError::NotFound)));
    }

    #[test]
    fn bad_front_matter_and_mismatched_slugs_are_refused_with_the_reason() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        let err = block_on(app.publish(Kind::Post, &slug("x"), "+++\ntitle = \"T\"\ndate = \"soon\"\n+++\n")).unwrap_err();
        assert_eq!(err.to_string(), "line 3: `date`: \"soon\" is not a date; write 2024-05-01 or 2024-05-01T09:30:00Z");
        let err = block_on(app.publish(Kind::Post, &slug("x"), "+++\ntitle = \"T\"\ndate = 2024-01-01\nslug = \"y\"\n+++\n")).unwrap_err();
        assert!(err.to_string().contains("make them agree"), "{err}");
    }

    #[test]
    fn drafts_and_scheduled_posts_are_not_found_until_their_time() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        block_on(app.publish(Kind::Post, &slug("later"), "+++\ntitle = \"Later\"\ndate = 2025-06-01\n+++\nSoon.")).unwrap();
        block_on(app.publish(Kind::Post, &slug("draft"), "+++\ntitle = \"Draft\"\ndate = 2024-06-01\ndraft = true\n+++\nWip.")).unwrap();
        assert!(matches!(block_on(app.show_post(&slug("later"), &ShowOptions::default())), Err(AppError::NotFound)));
        assert!(matches!(block_on(app.show_post(&slug("draft"), &ShowOptions::default())), Err(AppError::NotFound)));
        assert!(!block_on(app.home(1)).unwrap().contains("Later"));
        let later = App { now: Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap(), ..app };
        assert!(block_on(later.show_post(&slug("later"), &ShowOptions::default())).unwrap().html.contains("Soon."));
        assert!(block_on(later.home(1)).unwrap().contains("Later"));
    }

    #[test]
    fn a_stored_document_that_no_longer_parses_is_reported_as_corrupt() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let bad = PublishedDoc { doc: StoredDoc::new(Kind::Post, "garbage".into()), ..prepare(Kind::Post, HELLO, Some("hello")).unwrap() };
        block_on(store.put_docs(&[bad])).unwrap();
        let err = block_on(app(&site, &store).show_post(&slug("hello"), &ShowOptions::default())).unwrap_err();
        assert!(matches!(err, AppError::CorruptDoc { .. }), "{err}");
    }
}
