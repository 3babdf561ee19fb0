//! Reader use cases: lists, pages, tags, archive, search, feeds and the sitemap.

use super::listing::{keep_under, kept_under, ChunksOrKept, Listed, Listing};
use super::{App, AppError};
use crate::core::archive;
use crate::core::feed::{self, FeedEntry};
use crate::core::index::{archive_chunks, archive_pages, chunk_key, Chunk, Paged, Part, SiteIndex, Span};
use crate::core::post::{Kind, PostSummary};
use crate::core::route::Sitemap;
use crate::core::search::fts_query;
use crate::core::slug::Slug;
use crate::core::views::{
    snippet_html, ArchivePage, DateView, ErrorPage, Layout, Link, ListPage, Page, Pager, PostCard, PostPage, SearchHit, SearchPage,
    TagsPage,
};
use crate::store::{Catalog, CommentStore, ContentStore, SNIPPET_CLOSE, SNIPPET_OPEN};
use chrono::{DateTime, Utc};
use std::rc::Rc;

const FEED_LENGTH: usize = 20;
const SEARCH_LIMIT: usize = 20;
impl<C: ContentStore, D: Catalog + CommentStore> App<'_, C, D> {
    /// A list of posts (a page of the home page or of a tag's), kept under `index`'s listing key and the comment
    /// counts it shows: while neither changes, a request finds its posts and their counts but does not render them.
    /// A failing comment store shows no counts rather than failing the page, and that page is not kept.
    async fn list_page(
        &self,
        listed: Listed<'_>,
        index: &SiteIndex,
        posts: &[&PostSummary],
        render: &dyn Fn(Vec<PostCard>) -> Result<String, AppError>,
    ) -> Result<Rc<Listing>, AppError> {
        let slugs: Vec<&str> = posts.iter().map(|p| p.slug.as_str()).collect();
        let found = self.db.approved_counts(&slugs).await.ok();
        let count = |slug: &str| found.as_ref().and_then(|c| c.get(slug).copied()).unwrap_or(0);
        let mut key = found.as_ref().and(index.listing_key(self.now));
        if let Some(key) = key.as_mut() {
            for slug in &slugs {
                *key += ":";
                *key += &count(slug).to_string();
            }
        }
        if let Some(kept) = key.as_deref().and_then(|k| kept_under(listed, k)) {
            return Ok(kept);
        }
        let mut cards = Vec::new();
        for post in posts {
            cards.push(PostCard::new(post, count(post.slug.as_str())));
        }
        Ok(keep_under(listed, key, render(cards)?))
    }

    /// The home page or one of its later pages: from the front when it holds the page's posts, otherwise from the
    /// chunks of posts that do (from the whole index when the front cannot place them or the store lacks them).
    pub async fn home(&self, page: usize) -> Result<Rc<Listing>, AppError> {
        let per_page = self.site.posts_per_page;
        let front = self.content.index(Part::Front).await?;
        // Past the last page for certain: the front counts the posts it leaves out as visible.
        let from_front = front.page(page, per_page, self.now).ok_or(AppError::NotFound)?;
        let held = front.covers(page.saturating_mul(per_page), self.now);
        let later = if held { None } else { self.later_home_page(&front, page, per_page).await? };
        let whole = if held || later.is_some() { None } else { Some(self.content.index(Part::Whole).await?) };
        let paged = match (&later, &whole) {
            (Some((span, chunks)), _) => {
                let items = span.posts(chunks, per_page, |p| !p.sticky);
                Paged { items, page, total_pages: span.visible.div_ceil(per_page) }
            }
            (None, Some(whole)) => whole.page(page, per_page, self.now).ok_or(AppError::NotFound)?,
            (None, None) => from_front,
        };
        // The whole index, when read, names the page: it may be of another version than the front.
        let index = whole.as_deref().unwrap_or(&front);
        self.list_page(Listed::Home(page), index, &paged.items, &|posts| {
            let path = if page == 1 { "/".to_string() } else { format!("/page/{page}/") };
            let title = (page > 1).then(|| format!("Page {page}"));
            let layout = Layout::new(self.site, index.visible_pages(self.now), title.as_deref(), None, &path);
            Ok(ListPage { layout, heading: None, posts, pager: Pager::new("/", paged.page, paged.total_pages) }.html()?)
        })
        .await
    }

    /// The span of a home page past the front, and its chunks, if the front can place it and the store holds them.
    async fn later_home_page(&self, front: &SiteIndex, page: usize, per_page: usize) -> Result<Option<(Span, Vec<Rc<Chunk>>)>, AppError> {
        let Some(span) = front.home_span(page, per_page, self.now) else { return Ok(None) };
        let named = span.chunks.iter().map(|&n| front.chunk_version(n).map(|v| (chunk_key(n, v), v)));
        Ok(self.held_chunks(named).await?.map(|chunks| (span, chunks)))
    }

    /// A page such as `/about/`.
    pub async fn show_page(&self, slug: &Slug) -> Result<String, AppError> {
        let doc = self.visible_doc(Kind::Page, slug).await?;
        let index = self.content.navigation().await?;
        Ok(PostPage::new(self.site, index.visible_pages(self.now), &doc.page).html()?)
    }

    /// `/tags/<tag>/` and its later pages: from the tags part's newest posts when the page's are among them, else from
    /// the one or two chunks of the tag's posts that hold the page.
    pub async fn tag(&self, tag_slug: &str, page: usize) -> Result<Rc<Listing>, AppError> {
        let per_page = self.site.posts_per_page.max(1);
        let tagged = self.tagged(tag_slug, (page - 1).saturating_mul(per_page), per_page).await?;
        let posts = tagged.posts();
        self.list_page(Listed::Tag { slug: tag_slug, page }, &tagged.index, &posts, &|posts| {
            let (name, base) = (&tagged.name, format!("/tags/{tag_slug}/"));
            let heading = format!("Posts tagged “{name}”");
            let (title, path) = match page {
                1 => (heading.clone(), base.clone()),
                _ => (format!("{heading}, page {page}"), format!("{base}page/{page}/")),
            };
            let mut layout = Layout::new(self.site, tagged.index.visible_pages(self.now), Some(&title), None, &path);
            layout.feeds.push(Link { title: format!("{} · {name}", self.site.title), url: format!("{base}feed.xml") });
            let pager = Pager::new(&base, page, tagged.visible.div_ceil(per_page));
            Ok(ListPage { layout, heading: Some(heading), posts, pager }.html()?)
        })
        .await
    }

    /// `/tags/`: from the tags part, which holds the list of tags, unless it cannot tell how many posts are
    /// scheduled.
    pub async fn tags(&self) -> Result<Rc<Listing>, AppError> {
        let mut index = self.content.index(Part::Tags).await?;
        // A part that cannot tell how many posts are scheduled has no key, so nothing is kept for it.
        if let Some(kept) = self.kept(Listed::Tags, &index) {
            return Ok(kept);
        }
        if !index.covers(1, self.now) {
            index = self.content.index(Part::Whole).await?;
            if let Some(kept) = self.kept(Listed::Tags, &index) {
                return Ok(kept);
            }
        }
        let layout = Layout::new(self.site, index.visible_pages(self.now), Some("Tags"), None, "/tags/");
        Ok(self.keep(Listed::Tags, &index, TagsPage { layout, tags: index.tag_counts(self.now) }.html()?))
    }

    /// `/archive/` and its later pages: the posts of one or two chunks by month, whatever the site's size, joined from
    /// their archive texts (made from the chunks where the store lacks them).
    pub async fn archive(&self, page: usize) -> Result<Rc<Listing>, AppError> {
        let listed = Listed::Archive(page);
        let (index, count, texts) = match self.chunks_or_kept(listed, &|count| archive_chunks(page, count)).await? {
            ChunksOrKept::Kept(kept) => return Ok(kept),
            ChunksOrKept::Archived(index, count, texts) => (index, count, texts),
            ChunksOrKept::Chunks(index, count, chunks) => {
                let mut texts = Vec::new();
                for chunk in &chunks {
                    texts.push(archive::text(chunk)?);
                }
                (index, count, texts)
            }
        };
        let (title, path) = match page {
            1 => ("Archive".to_string(), "/archive/".to_string()),
            _ => (format!("Archive, page {page}"), format!("/archive/page/{page}/")),
        };
        let layout = Layout::new(self.site, index.visible_pages(self.now), Some(&title), None, &path);
        let months = archive::months(&texts, self.now);
        let pager = Pager::new("/archive/", page, archive_pages(count));
        Ok(self.keep(listed, &index, ArchivePage { layout, months, pager }.html()?))
    }

    /// `/search?q=`: a failing search backend is reported on the page, not as an error.
    pub async fn search(&self, query: &str) -> Result<String, AppError> {
        let index = self.content.navigation().await?;
        let query: String = query.trim().chars().take(200).collect();
        let mut layout = Layout::new(self.site, index.visible_pages(self.now), Some("Search"), None, "/search");
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
        Ok(page.html()?)
    }

    /// The Atom (`rss == false`) or RSS feed of the site, or of one tag.
    pub async fn feed(&self, tag_slug: Option<&str>, rss: bool) -> Result<Rc<Listing>, AppError> {
        let listed = Listed::Feed { rss, tag: tag_slug };
        // The site's feeds are looked up by the front, which every request reads anyway, and a tag's by the tags part;
        // one they do not hold is written from the whole (or, for a tag's, the tags part or the tag's chunks), and kept
        // under the key of what it was written from.
        let looked_up = self.content.index(if tag_slug.is_some() { Part::Tags } else { Part::Front }).await?;
        if let Some(kept) = self.kept(listed, &looked_up) {
            return Ok(kept);
        }
        let Some(tag) = tag_slug else {
            let index = if looked_up.covers(FEED_LENGTH, self.now) { looked_up } else { self.content.index(Part::Whole).await? };
            if let Some(kept) = self.kept(listed, &index) {
                return Ok(kept);
            }
            let feed_path = if rss { "/rss.xml" } else { "/feed.xml" };
            let posts: Vec<_> = index.visible(self.now).take(FEED_LENGTH).collect();
            return Ok(self.write_feed(listed, &index, self.site.title.clone(), "/", feed_path, &posts));
        };
        let tagged = self.tagged(tag, 0, FEED_LENGTH).await?;
        let posts = tagged.posts();
        let title = format!("{} · {}", self.site.title, tagged.name);
        Ok(self.write_feed(listed, &tagged.index, title, &format!("/tags/{tag}/"), &format!("/tags/{tag}/feed.xml"), &posts))
    }

    /// Writes a feed of `posts` and keeps it as made from `index`.
    fn write_feed(
        &self,
        listed: Listed<'_>,
        index: &SiteIndex,
        title: String,
        html_path: &str,
        feed_path: &str,
        posts: &[&PostSummary],
    ) -> Rc<Listing> {
        let rss = matches!(listed, Listed::Feed { rss: true, .. });
        let meta = self.feed_meta(title, html_path, feed_path);
        let entries: Vec<FeedEntry> = posts.iter().map(|p| self.feed_entry(p)).collect();
        let body = if rss { feed::rss(&meta, &entries, self.now) } else { feed::atom(&meta, &entries, self.now) };
        self.keep(listed, index, body)
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

    /// `/sitemap.xml` and the sitemaps it lists: the site's own pages, and the posts chunk by chunk with the tags
    /// first used in each, so that no sitemap grows with the site but the index, by one line per
    /// [`CHUNK_POSTS`](crate::core::index::CHUNK_POSTS) posts.
    pub async fn sitemap(&self, which: Sitemap) -> Result<Rc<Listing>, AppError> {
        let listed = Listed::Sitemap(which);
        let pick = |count: usize| match which {
            Sitemap::Posts(n) => (1..=count).contains(&n).then(|| vec![n - 1]),
            Sitemap::Index | Sitemap::Site => Some(Vec::new()),
        };
        let (index, count, chunks) = match self.chunks_or_kept(listed, &pick).await? {
            ChunksOrKept::Kept(kept) => return Ok(kept),
            ChunksOrKept::Chunks(index, count, chunks) => (index, count, chunks),
            ChunksOrKept::Archived(..) => unreachable!("only the archive is given archive texts"),
        };
        let entries = self.sitemap_entries(which, &index, count, &chunks);
        let body = if which == Sitemap::Index { feed::sitemap_index(&entries) } else { feed::sitemap(&entries) };
        Ok(self.keep(listed, &index, body))
    }

    /// The absolute URLs a sitemap lists, with their last change: `count` chunks hold a visible post, and `chunks`
    /// are those it lists.
    fn sitemap_entries(
        &self,
        which: Sitemap,
        index: &SiteIndex,
        count: usize,
        chunks: &[Rc<Chunk>],
    ) -> Vec<(String, Option<DateTime<Utc>>)> {
        let mut entries: Vec<(String, Option<DateTime<Utc>>)> = Vec::new();
        match which {
            Sitemap::Index => {
                entries.push(("/sitemaps/site.xml".into(), None));
                for n in 1..=count {
                    entries.push((format!("/sitemaps/posts-{n}.xml"), None));
                }
            }
            Sitemap::Site => {
                let newest = index.visible(self.now).next().and_then(|p| p.last_modified());
                for path in ["/", "/archive/", "/tags/"] {
                    entries.push((path.into(), newest));
                }
                for page in 2..=archive_pages(count) {
                    entries.push((format!("/archive/page/{page}/"), None));
                }
                for page in index.visible_pages(self.now) {
                    entries.push((page.url(), page.last_modified()));
                }
            }
            Sitemap::Posts(_) => {
                for chunk in chunks {
                    for post in chunk.visible(self.now) {
                        entries.push((post.url(), post.last_modified()));
                    }
                    for tag in chunk.visible_first_tags(self.now) {
                        entries.push((format!("/tags/{tag}/"), None));
                    }
                }
            }
        }
        for (path, _) in &mut entries {
            *path = self.site.absolute(path);
        }
        entries
    }

    /// `/robots.txt`.
    pub fn robots(&self) -> String {
        format!("User-agent: *\nAllow: /\nDisallow: /admin/\nDisallow: /search\n\nSitemap: {}\n", self.site.absolute("/sitemap.xml"))
    }

    /// Where an unknown path should be redirected, if it is an old URL of a document a reader may see.
    pub async fn alias(&self, path_and_query: &str) -> Result<Option<String>, AppError> {
        let index = self.content.index(Part::Aliases).await?;
        Ok(index.alias_target(path_and_query, self.now).map(str::to_string))
    }

    /// A page in the site's design for an error; falls back to a page without navigation when storage is down.
    pub async fn error_page(&self, heading: &str, message: &str, path: &str) -> String {
        let index = self.content.navigation().await.ok();
        let page = ErrorPage::new(self.site, index.iter().flat_map(|i| i.visible_pages(self.now)), heading, message, path);
        page.html().unwrap_or_else(|_| format!("<!doctype html><title>{heading}</title><h1>{heading}</h1><p>{message}</p>"))
    }
}
