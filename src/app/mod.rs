//! The use cases, generic over storage: what a reader or the author asks for, answered as rendered text.

pub mod admin;
pub mod comments;
mod listing;
mod publishing;
mod reader;

pub use comments::{ImportOutcome, ModerationAction, PostOut, Rejection, ShowOptions, Submitted};
pub use listing::Listing;
pub use publishing::prepare;

use crate::core::config::SiteConfig;
use crate::core::date;
use crate::core::feed::FeedMeta;
use crate::core::moderation::client_key;
use crate::core::post::{Kind, Post, Prepared, StoredDoc};
use crate::core::slug::Slug;
use crate::core::token::SigningKey;
use crate::store::{db_time, ContentStore, StoreError};
use chrono::{DateTime, Utc};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::thread::LocalKey;

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
    pub key: &'a SigningKey,
    /// Random, drawn for each request by the edge: the comment forms it shows carry it ([`form_token`]). Empty where
    /// none is drawn (the cron, the CLI); comments are then neither offered nor accepted.
    ///
    /// [`form_token`]: crate::core::moderation::form_token
    pub nonce: &'a str,
}

impl<C: ContentStore, D> App<'_, C, D> {
    /// Describes a feed of this site: its title, the page it follows and its own address.
    pub(crate) fn feed_meta(&self, title: String, html_path: &str, feed_path: &str) -> FeedMeta {
        FeedMeta {
            title,
            subtitle: self.site.description.clone(),
            site_url: self.site.absolute(html_path),
            feed_url: self.site.absolute(feed_path),
            author: self.site.author.clone(),
            language: self.site.language.clone(),
        }
    }

    /// The day `days` after today, and until when its salt of client keys ([`ContentStore::daily_salt`]) is kept: ten
    /// minutes after the day ends, so that a request begun just before midnight still finds it.
    pub(crate) fn salt_day(&self, days: i64) -> (String, i64) {
        let day = self.now + chrono::Duration::days(days);
        (date::ymd(day), (day.timestamp().div_euclid(86_400) + 1) * 86_400 + 600)
    }

    /// The key counting `what` a client address does in the current window of `window_seconds`, and when that count
    /// may be deleted: the window's end, not the first hit's time plus a window, so that a row tells only the window
    /// of a comment, not its time.
    pub(crate) async fn rate_key(&self, what: &str, client: &str, window_seconds: i64) -> Result<(String, String), AppError> {
        let (day, kept_until) = self.salt_day(0);
        let salt = self.content.daily_salt(&day, kept_until).await?;
        let (window, into) = (self.now.timestamp().div_euclid(window_seconds), self.now.timestamp().rem_euclid(window_seconds));
        let expires = db_time(self.now + chrono::Duration::seconds(window_seconds - into));
        Ok((format!("{what}:{}:{window}", client_key(&salt, client)), expires))
    }

    /// A post or page, if a reader may see it now, ready to serve.
    pub async fn visible_doc(&self, kind: Kind, slug: &Slug) -> Result<Rc<ReadyDoc>, AppError> {
        let stored = self.content.doc(kind, slug).await?.ok_or(AppError::NotFound)?;
        let doc = ready_doc(&stored, slug)?;
        if !doc.page.meta.is_visible(self.now) {
            return Err(AppError::NotFound);
        }
        Ok(doc)
    }
}

/// A stored document ready to serve.
pub struct ReadyDoc {
    pub page: Prepared,
    /// The stored document's version.
    pub version: String,
}

const READY_CACHE_SIZE: usize = 256;

thread_local! {
    /// Documents ready to serve, by kind and version.
    static READY: RefCell<HashMap<String, Rc<ReadyDoc>>> = RefCell::new(HashMap::new());
}

/// The document's page as prepared when it was published or, if another renderer made that (or none did, as in
/// documents stored by earlier releases), as rendered from its file: once per version in an isolate either way.
/// (The page is copied out of the stored document, so an isolate holds a version's HTML twice while both memos
/// keep it: bounded by the memos' sizes.)
pub(crate) fn ready_doc(stored: &StoredDoc, slug: &Slug) -> Result<Rc<ReadyDoc>, AppError> {
    let key = format!("{}:{}:{}", stored.kind.as_str(), slug, stored.version);
    if let Some(hit) = READY.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(hit);
    }
    let page = match stored.prepared_for(slug) {
        Some(page) => page.clone(),
        None => {
            let post = Post::parse(&stored.source, stored.kind, Some(slug.as_str()))
                .map_err(|e| AppError::CorruptDoc { key: StoredDoc::key(stored.kind, slug), reason: e.to_string() })?;
            post.prepared(&post.render())
        }
    };
    let ready = Rc::new(ReadyDoc { page, version: stored.version.clone() });
    remember(&READY, key, ready.clone(), READY_CACHE_SIZE);
    Ok(ready)
}

/// Keeps `value` in an isolate-wide memo, which starts again when it holds `limit` entries.
pub(crate) fn remember<V>(memo: &'static LocalKey<RefCell<HashMap<String, V>>>, key: String, value: V, limit: usize) {
    memo.with(|m| {
        let mut m = m.borrow_mut();
        // A new name past the bound starts the memo again; a name it holds is replaced in place.
        if m.len() >= limit && !m.contains_key(&key) {
            m.clear();
        }
        m.insert(key, value);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::archive::{archive_key, ARCHIVE_FORMAT};
    use crate::core::config::SiteConfig;
    use crate::core::index::{chunk_key, list_key, Part, SiteIndex, RETIRED_GRACE_SECONDS};
    use crate::core::route::Sitemap;
    use crate::store::memory::MemoryStore;
    use crate::store::PublishedDoc;
    use chrono::TimeZone;
    use pollster::block_on;
    use std::sync::LazyLock;

    static KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::new(b"k"));

    fn app<'a>(site: &'a SiteConfig, store: &'a MemoryStore) -> App<'a, MemoryStore, MemoryStore> {
        App { site, content: store, db: store, now: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(), key: &KEY, nonce: "n" }
    }

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    const HELLO: &str =
        "+++\ntitle = \"Hello\"\ndate = 2024-05-01\ntags = [\"Intro\"]\naliases = [\"/2024/05/hello/\"]\n+++\nFirst words about edges.\n";

    #[test]
    fn a_rate_key_is_salted_at_random_for_the_day_and_its_row_tells_only_the_window() {
        let site = SiteConfig::default();
        let (store, other_store) = (MemoryStore::default(), MemoryStore::default());
        let at = |store, h, m, s| App { now: Utc.with_ymd_and_hms(2025, 1, 1, h, m, s).unwrap(), ..app(&site, store) };
        let key = |app: &App<'_, MemoryStore, MemoryStore>, client| block_on(app.rate_key("comment", client, 600)).unwrap();
        let (first, expires) = key(&at(&store, 12, 3, 27), "203.0.113.9");
        assert_eq!(expires, "2025-01-01T12:10:00Z", "the window's end, not the time of the request");
        // 2025-01-01T12:03:27Z is 1,735,733,007 s: the 2,892,888th window of 600 s.
        assert!(first.starts_with("comment:") && first.ends_with(":2892888"), "{first}");
        assert!(!first.contains("203.0.113"));
        // The same client later in the window and later in the day: one salt for the day, kept until ten minutes
        // after it ends. A window starts on its first second.
        assert_eq!(key(&at(&store, 12, 9, 59), "203.0.113.9").0, first);
        let (next, expires) = key(&at(&store, 12, 10, 0), "203.0.113.9");
        assert_eq!((next.replace("2892889", "2892888"), expires.as_str()), (first.clone(), "2025-01-01T12:20:00Z"));
        let (late, expires) = key(&at(&store, 23, 59, 59), "203.0.113.9");
        assert_eq!(expires, "2025-01-02T00:00:00Z");
        assert_eq!(late.split(':').nth(1), first.split(':').nth(1));
        let (salt, kept_until) = store.salts.borrow()["2025-01-01"].clone();
        assert_eq!(kept_until, Utc.with_ymd_and_hms(2025, 1, 2, 0, 10, 0).unwrap().timestamp());
        assert_eq!(first.split(':').nth(1), Some(client_key(&salt, "203.0.113.9").as_str()));
        assert_ne!(key(&at(&store, 12, 3, 27), "203.0.113.10").0, first);
        // Drawn at random, not derived from the signing key: the same key, address and time give another store's
        // count another key, and so does the next day's salt.
        assert_ne!(key(&at(&other_store, 12, 3, 27), "203.0.113.9").0, first);
        let (midnight, _) = key(&at(&store, 0, 0, 0), "203.0.113.9");
        assert_eq!(midnight.split(':').nth(1), first.split(':').nth(1), "2025-01-01T00:00:00Z is that day's");
        let tomorrow = App { now: Utc.with_ymd_and_hms(2025, 1, 2, 0, 0, 0).unwrap(), ..app(&site, &store) };
        assert_ne!(key(&tomorrow, "203.0.113.9").0.split(':').nth(1), first.split(':').nth(1));
        assert_eq!(salt.len(), 32);

        // The daily housekeeping draws tomorrow's, kept until ten minutes after tomorrow, and tomorrow's keys use it.
        assert!(!other_store.salts.borrow().contains_key("2025-01-02"));
        block_on(at(&other_store, 3, 17, 0).housekeeping()).unwrap();
        let drawn = other_store.salts.borrow()["2025-01-02"].clone();
        assert_eq!(drawn.1, Utc.with_ymd_and_hms(2025, 1, 3, 0, 10, 0).unwrap().timestamp());
        let tomorrow = App { content: &other_store, ..tomorrow };
        assert_eq!(key(&tomorrow, "203.0.113.9").0.split(':').nth(1), Some(client_key(&drawn.0, "203.0.113.9").as_str()));
    }

    #[test]
    fn a_published_post_is_shown_listed_tagged_searchable_and_in_the_feed() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        let published = block_on(app.publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        assert_eq!((published.url.as_str(), published.created), ("/posts/hello/", true));
        assert!(block_on(app.show_post(&slug("hello"), &ShowOptions::default())).unwrap().html.contains("First words about edges."));
        assert!(block_on(app.home(1)).unwrap().body.contains("/posts/hello/"));
        assert!(block_on(app.tag("intro", 1)).unwrap().body.contains("/posts/hello/"));
        assert!(block_on(app.search("edge")).unwrap().contains("/posts/hello/"));
        assert!(block_on(app.feed(None, false)).unwrap().body.contains("http://127.0.0.1:8787/posts/hello/"));
        assert!(sitemaps(&app).contains("http://127.0.0.1:8787/posts/hello/"));
        assert_eq!(block_on(app.alias("/2024/05/hello")).unwrap().as_deref(), Some("/posts/hello/"));
    }

    #[test]
    fn a_kept_listing_changes_when_a_post_is_published_or_a_scheduled_one_comes_due() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let today = app(&site, &store);
        block_on(today.publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        let scheduled = "+++\ntitle = \"Tomorrow\"\ndate = 2025-01-02\ntags = [\"Intro\"]\n+++\nSoon.\n";
        block_on(today.publish(Kind::Post, &slug("tomorrow"), scheduled)).unwrap();
        let first = block_on(today.feed(None, false)).unwrap();
        assert!(first.body.contains("/posts/hello/") && !first.body.contains("/posts/tomorrow/"), "{}", first.body);
        assert!(Rc::ptr_eq(&first, &block_on(today.feed(None, false)).unwrap()), "the second poll is the kept feed");
        assert!(block_on(today.feed(None, true)).unwrap().body.contains("<rss"), "RSS is kept apart from Atom");
        let lists = |app: &App<'_, MemoryStore, MemoryStore>| {
            [block_on(app.archive(1)).unwrap().body.clone(), sitemaps(app), block_on(app.feed(Some("intro"), false)).unwrap().body.clone()]
        };
        for list in lists(&today) {
            assert!(list.contains("/posts/hello/") && !list.contains("/posts/tomorrow/"), "{list}");
        }
        assert!(matches!(block_on(today.feed(Some("no-such-tag"), false)), Err(AppError::NotFound)));

        let later = App { now: today.now + chrono::Duration::days(2), ..today };
        let due = block_on(later.feed(None, false)).unwrap();
        assert!(due.body.contains("/posts/tomorrow/"), "the scheduled post appears without a publish: {}", due.body);
        assert_ne!(due.etag, first.etag);
        for list in lists(&later) {
            assert!(list.contains("/posts/tomorrow/"), "{list}");
        }

        block_on(later.publish(Kind::Post, &slug("third"), "+++\ntitle = \"Third\"\ndate = 2025-01-02\ntags = [\"Intro\"]\n+++\nThree.\n"))
            .unwrap();
        assert!(block_on(later.feed(None, false)).unwrap().body.contains("/posts/third/"), "a publish is shown at once");
        for list in lists(&later) {
            assert!(list.contains("/posts/third/"), "{list}");
        }
        assert!(block_on(later.tags()).unwrap().body.contains("/tags/intro/"));
    }

    #[test]
    fn a_kept_list_of_posts_changes_when_a_comment_is_approved_or_a_post_published() {
        use crate::core::comment::CommentStatus;
        use crate::store::{CommentRecord, CommentStore};
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        block_on(app.publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        let lists = || [block_on(app.home(1)).unwrap(), block_on(app.tag("intro", 1)).unwrap()];
        let first = lists();
        for (list, again) in first.iter().zip(lists()) {
            assert!(Rc::ptr_eq(list, &again), "the second request is served the kept page");
            assert!(list.body.contains("/posts/hello/") && !list.body.contains("1 comment"), "{}", list.body);
        }
        let record = CommentRecord {
            post: "hello".into(),
            parent: None,
            author: "Ada".into(),
            email: None,
            email_hash: None,
            url: None,
            body: "Thanks.".into(),
            body_html: "<p>Thanks.</p>".into(),
            status: CommentStatus::Pending,
            held_reason: None,
            created_at: "2025-01-01 00:00:00".into(),
            manage_hash: "m".into(),
            body_hash: "b".into(),
        };
        let id = block_on(store.insert(&record)).unwrap().unwrap();
        for (list, again) in first.iter().zip(lists()) {
            assert!(Rc::ptr_eq(list, &again), "a comment held for moderation changes no count");
        }
        block_on(app.moderate(id, ModerationAction::Approve)).unwrap();
        let approved = lists();
        for (list, now) in first.iter().zip(&approved) {
            assert!(now.body.contains("1 comment</a>"), "{}", now.body);
            assert_ne!(list.etag, now.etag);
        }
        // Without the counts a page still reads, without them, and is not kept in place of the one with them.
        store.counts_down.set(true);
        for list in lists() {
            assert!(list.body.contains("/posts/hello/") && !list.body.contains("1 comment"), "{}", list.body);
        }
        store.counts_down.set(false);
        for (list, again) in approved.iter().zip(lists()) {
            assert!(Rc::ptr_eq(list, &again), "the page with the counts is still kept");
        }
        let second = "+++\ntitle = \"Second\"\ndate = 2024-06-01\ntags = [\"Intro\"]\n+++\nTwo.\n";
        block_on(app.publish(Kind::Post, &slug("second"), second)).unwrap();
        for list in lists() {
            assert!(list.body.contains("/posts/second/") && list.body.contains("1 comment</a>"), "{}", list.body);
        }
    }

    /// Every sitemap `/sitemap.xml` lists, one after the other.
    fn sitemaps(app: &App<'_, MemoryStore, MemoryStore>) -> String {
        let index = block_on(app.sitemap(Sitemap::Index)).unwrap().body.clone();
        let mut all = block_on(app.sitemap(Sitemap::Site)).unwrap().body.clone();
        for n in 1.. {
            match block_on(app.sitemap(Sitemap::Posts(n))) {
                Ok(sitemap) => all.push_str(&sitemap.body),
                Err(AppError::NotFound) => {
                    assert_eq!(index.matches("<sitemap>").count(), n, "the site's own and {} of posts: {index}", n - 1);
                    break;
                }
                Err(e) => panic!("posts sitemap {n}: {e}"),
            }
        }
        all
    }

    /// Publishes `n` posts a day apart, the newest dated `newest`.
    fn publish_daily(app: &App<'_, MemoryStore, MemoryStore>, n: i64, newest: DateTime<Utc>) {
        for i in 0..n {
            let date = (newest - chrono::Duration::days(i)).format("%Y-%m-%d");
            block_on(app.publish(Kind::Post, &slug(&format!("p{i}")), &format!("+++\ntitle = \"P{i}\"\ndate = {date}\n+++\nText.\n")))
                .unwrap();
        }
    }

    /// Publishes `n` posts at once, a day apart, the newest dated 2025-01-10 (so nine are scheduled at [`app`]'s
    /// time): tagged "all", and the 20 newest also "recent".
    fn publish_site(app: &App<'_, MemoryStore, MemoryStore>, n: i64) {
        let newest = Utc.with_ymd_and_hms(2025, 1, 10, 0, 0, 0).unwrap();
        let docs: Vec<_> = (0..n)
            .map(|i| {
                let date = (newest - chrono::Duration::days(i)).format("%Y-%m-%d");
                let tags = if i < 20 { "[\"All\", \"Recent\"]" } else { "[\"All\"]" };
                prepare(Kind::Post, &format!("+++\ntitle = \"P{i}\"\ndate = {date}\ntags = {tags}\n+++\nText.\n"), Some(&format!("p{i}")))
                    .unwrap()
            })
            .collect();
        block_on(app.publish_all(&docs)).unwrap();
    }

    /// How many times each of posts `p0`..`p<n>` is linked in `text`.
    fn links(text: &str, n: usize) -> Vec<usize> {
        (0..n).map(|i| text.matches(&format!("/posts/p{i}/\"")).count() + text.matches(&format!("/posts/p{i}/<")).count()).collect()
    }

    #[test]
    fn the_archive_is_paged_by_chunks_and_lists_each_visible_post_once() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        publish_site(&app, 220);
        let (first, second) = (block_on(app.archive(1)).unwrap(), block_on(app.archive(2)).unwrap());
        assert!(matches!(block_on(app.archive(3)), Err(AppError::NotFound)));
        let expected: Vec<usize> = (0..220).map(|i| usize::from(i >= 9)).collect();
        assert_eq!(links(&format!("{}{}", first.body, second.body), 220), expected, "every visible post once, no scheduled one");
        assert!(first.body.contains("/posts/p119/") && second.body.contains("/posts/p120/"), "the two newest chunks come first");
        assert!(first.body.contains("href=\"/archive/page/2/\"") && second.body.contains("href=\"/archive/\""), "pager");
        assert!(second.body.contains("<title>Archive, page 2"), "{}", second.body);
    }

    #[test]
    fn the_archive_reads_the_texts_of_its_two_lists_at_once_and_the_lists_where_they_are_missing() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        publish_site(&app, 220);
        *store.chunk_reads.borrow_mut() = Some(Vec::new());
        let expected = block_on(app.archive(1)).unwrap().body.clone();
        // 220 posts are three chunks; the newest two are 2 and 1.
        let front = block_on(store.index(Part::Front)).unwrap();
        let texts: Vec<String> = [2, 1].map(|n| archive_key(ARCHIVE_FORMAT, n, front.list_version(n).unwrap())).into();
        let lists: Vec<String> = [2, 1].map(|n| list_key(n, front.list_version(n).unwrap())).into();
        assert_eq!(store.chunk_reads.take().unwrap(), std::slice::from_ref(&texts), "one read of both texts");
        // A front written before archive texts names none, one of another release names them in another format, and
        // a store may lack one: the same page from the lists. (Each under a version of its own, so that what was kept
        // for the real one is not served.)
        for (i, format) in ["", "a0", ARCHIVE_FORMAT].into_iter().enumerate() {
            let mut served: SiteIndex = (*front).clone();
            (served.archive, served.version) = (format.into(), format!("{}-{i}", front.version));
            store.serve_part(Part::Front, Rc::new(served));
            store.written.borrow_mut().remove(&texts[1]);
            *store.chunk_reads.borrow_mut() = Some(Vec::new());
            assert_eq!(block_on(app.archive(1)).unwrap().body, expected);
            let reads = if format == ARCHIVE_FORMAT { vec![texts.clone(), lists.clone()] } else { vec![lists.clone()] };
            assert_eq!(store.chunk_reads.take().unwrap(), reads);
        }
    }

    #[test]
    fn the_sitemaps_list_each_visible_post_and_tag_once() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        publish_site(&app, 220);
        let all = sitemaps(&app);
        let expected: Vec<usize> = (0..220).map(|i| usize::from(i >= 9)).collect();
        assert_eq!(links(&all, 220), expected);
        assert_eq!((all.matches("/tags/all/<").count(), all.matches("/tags/recent/<").count()), (1, 1));
        assert!(block_on(app.sitemap(Sitemap::Posts(3))).unwrap().body.contains("/tags/recent/"), "in the chunk of its oldest post");
        assert!(block_on(app.sitemap(Sitemap::Site)).unwrap().body.contains("/archive/page/2/"));
        let early = App { now: Utc.with_ymd_and_hms(2024, 12, 20, 0, 0, 0).unwrap(), ..app };
        assert!(!sitemaps(&early).contains("/tags/recent/"), "a tag whose posts are all scheduled is not listed");
    }

    #[test]
    fn a_chunk_the_store_does_not_hold_is_cut_from_the_whole_index() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        publish_site(&app, 220);
        let (front, whole) = (block_on(store.index(Part::Front)).unwrap(), block_on(store.index(Part::Whole)).unwrap());
        let expected = block_on(app.archive(2)).unwrap().body.clone();
        // A release that cut 500 posts a chunk wrote one chunk and its list, of every post, which KV holds.
        let mut five_hundred = SiteIndex::default();
        (five_hundred.posts, five_hundred.version) = (whole.posts.clone(), "five-hundred".into());
        let five_hundred = Rc::new(five_hundred);
        store.serve_chunk(chunk_key(0, "five-hundred"), five_hundred.clone());
        store.serve_chunk(list_key(0, "five-hundred"), five_hundred);
        // A front written before chunks names none; one whose chunks KV does not hold yet names others; one of that
        // release names chunks cut at another size. (Each under a version of its own, so that what was kept for the
        // real one is not served.)
        let named = [Vec::new(), vec!["elsewhere".to_string(); 3], vec!["five-hundred".to_string()]];
        for (i, chunks) in named.into_iter().enumerate() {
            let mut served: SiteIndex = (*front).clone();
            (served.chunks, served.lists, served.version) = (chunks.clone(), chunks, format!("{}-{i}", front.version));
            store.serve_part(Part::Front, Rc::new(served));
            assert_eq!(block_on(app.archive(2)).unwrap().body, expected);
            assert_eq!(links(&sitemaps(&app), 220).iter().sum::<usize>(), 211);
        }
    }

    #[test]
    fn chunks_of_scheduled_posts_alone_are_neither_listed_nor_counted() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let today = app(&site, &store);
        // 209 posts, the 9 newest scheduled: 200 visible fill two chunks, the third holds scheduled posts only.
        publish_site(&today, 209);
        let index = block_on(today.sitemap(Sitemap::Index)).unwrap();
        assert!(index.body.contains("/sitemaps/posts-2.xml") && !index.body.contains("/sitemaps/posts-3.xml"), "{}", index.body);
        assert!(matches!(block_on(today.sitemap(Sitemap::Posts(3))), Err(AppError::NotFound)));
        assert!(!block_on(today.sitemap(Sitemap::Site)).unwrap().body.contains("/archive/page/2/"));
        assert!(!block_on(today.archive(1)).unwrap().body.contains("class=\"pager\""), "one page: no sign of a second");
        assert!(matches!(block_on(today.archive(2)), Err(AppError::NotFound)));
        let later = App { now: Utc.with_ymd_and_hms(2025, 1, 11, 0, 0, 0).unwrap(), ..today };
        assert!(block_on(later.sitemap(Sitemap::Posts(3))).unwrap().body.contains("/posts/p0/"), "shown once they are due");
        assert!(block_on(later.archive(1)).unwrap().body.contains("href=\"/archive/page/2/\""));
    }

    /// Every page `page(1)`, `page(2)`… gives, one after the other, until one is not found; and how many there were.
    fn all_pages(page: impl Fn(usize) -> Result<String, AppError>) -> (String, usize) {
        let mut all = String::new();
        for n in 1.. {
            match page(n) {
                Ok(body) => all.push_str(&body),
                Err(AppError::NotFound) => return (all, n - 1),
                Err(e) => panic!("{e}"),
            }
        }
        unreachable!()
    }

    fn home_pages(app: &App<'_, MemoryStore, MemoryStore>) -> (String, usize) {
        all_pages(|n| block_on(app.home(n)).map(|l| l.body.clone()))
    }

    fn tag_pages(app: &App<'_, MemoryStore, MemoryStore>, slug: &str) -> (String, usize) {
        all_pages(|n| block_on(app.tag(slug, n)).map(|l| l.body.clone()))
    }

    #[test]
    fn later_home_pages_are_read_from_the_chunks_that_hold_them() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        publish_site(&app, 220);
        let whole = block_on(store.index(Part::Whole)).unwrap();
        // The whole index out of reach: every page comes from the front or the chunks.
        store.serve_part(Part::Whole, Rc::new(SiteIndex::default()));
        let (all, pages) = home_pages(&app);
        assert_eq!(pages, 22, "211 visible posts, 10 a page");
        assert_eq!(links(&all, 220), (0..220).map(|i| usize::from(i >= 9)).collect::<Vec<_>>());
        assert!(block_on(app.home(20)).unwrap().body.contains("href=\"/page/21/\""));
        // A front whose chunks the store does not hold: the whole index serves the same pages.
        store.serve_part(Part::Whole, whole);
        let front = block_on(store.index(Part::Front)).unwrap();
        let mut unheld: SiteIndex = (*front).clone();
        unheld.chunks = vec!["elsewhere".to_string(); 3];
        store.serve_part(Part::Front, Rc::new(unheld));
        assert_eq!(home_pages(&app), (all, pages));
    }

    #[test]
    fn a_tag_is_paged_from_the_newest_posts_then_from_the_chunks_of_its_own_and_lists_each_visible_post_once() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        publish_site(&app, 220);
        let (all, pages) = tag_pages(&app, "all");
        assert_eq!(pages, 22, "211 visible posts, 10 a page");
        assert_eq!(links(&all, 220), (0..220).map(|i| usize::from(i >= 9)).collect::<Vec<_>>());
        let second = block_on(app.tag("all", 2)).unwrap().body.clone();
        assert!(second.contains("href=\"/tags/all/page/3/\"") && second.contains("href=\"/tags/all/\""), "pager");
        assert!(second.contains("<title>Posts tagged “All”, page 2"));
        let (recent, pages) = tag_pages(&app, "recent");
        assert_eq!((links(&recent, 20).iter().sum::<usize>(), pages), (11, 2));
        let feed = block_on(app.feed(Some("all"), false)).unwrap();
        assert_eq!(
            links(&feed.body, 40),
            (0..40).map(|i| usize::from((9..29).contains(&i)) * 2).collect::<Vec<_>>(),
            "the 20 newest, twice each"
        );
        let tags = block_on(app.tags()).unwrap();
        assert!(tags.body.contains(">All</a> <span class=\"count\">211<") && tags.body.contains(">Recent</a> <span class=\"count\">11<"));
        assert!(matches!(block_on(app.tag("none", 1)), Err(AppError::NotFound)));
        // Pages 1 to 4 and the feed are among the tags part's 50 newest posts (9 of them scheduled): no chunk is read.
        // Page 5 (positions 49 to 58) is not, and reads the chunks that hold it at once.
        let reads = |read: &dyn Fn()| {
            *store.chunk_reads.borrow_mut() = Some(Vec::new());
            read();
            store.chunk_reads.take().unwrap().len()
        };
        assert_eq!(reads(&|| drop(block_on(app.tag("all", 4)).unwrap())), 0);
        assert_eq!(reads(&|| drop(block_on(app.feed(Some("all"), false)).unwrap())), 0);
        assert_eq!(reads(&|| drop(block_on(app.tag("all", 5)).unwrap())), 1);
    }

    #[test]
    fn a_tag_chunk_the_store_does_not_hold_is_read_from_the_whole_index() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        publish_site(&app, 220);
        let (expected, feed) = (tag_pages(&app, "all"), block_on(app.feed(Some("all"), true)).unwrap().body.clone());
        let tags = block_on(store.index(Part::Tags)).unwrap();
        let mut served: SiteIndex = (*tags).clone();
        served.version = format!("{}-elsewhere", tags.version);
        served.tags.iter_mut().for_each(|t| t.chunks = vec!["elsewhere".to_string(); t.chunks.len()]);
        store.serve_part(Part::Tags, Rc::new(served));
        assert_eq!(tag_pages(&app, "all"), expected);
        assert_eq!(block_on(app.feed(Some("all"), true)).unwrap().body, feed);
    }

    /// A site of three chunks to which a post was just published, with KV serving the new front as `unheld` leaves it
    /// (naming chunks or lists it does not hold yet) and the whole index as it was before; the new whole is returned.
    fn served_with_an_older_whole(
        store: &MemoryStore,
        app: &App<'_, MemoryStore, MemoryStore>,
        unheld: fn(&mut SiteIndex),
    ) -> Rc<SiteIndex> {
        publish_site(app, 220);
        let older_whole = block_on(store.index(Part::Whole)).unwrap();
        block_on(app.publish(Kind::Post, &slug("fresh"), "+++\ntitle = \"Fresh\"\ndate = 2024-12-31T12:00:00Z\n+++\nNew.\n")).unwrap();
        let (front, whole) = (block_on(store.index(Part::Front)).unwrap(), block_on(store.index(Part::Whole)).unwrap());
        let mut served: SiteIndex = (*front).clone();
        unheld(&mut served);
        store.serve_part(Part::Front, Rc::new(served));
        store.serve_part(Part::Whole, older_whole);
        whole
    }

    #[test]
    fn a_list_the_store_does_not_hold_is_read_as_its_chunk() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        served_with_an_older_whole(&store, &app, |front| front.lists = vec!["elsewhere".to_string(); 3]);
        // The new post shows: the pages came from the chunks the front names, not from the older whole.
        assert!(block_on(app.archive(1)).unwrap().body.contains("/posts/fresh/"));
        assert!(block_on(app.sitemap(Sitemap::Posts(3))).unwrap().body.contains("/posts/fresh/"));
    }

    #[test]
    fn a_listing_cut_from_a_whole_index_of_another_version_is_not_kept_for_the_front() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        let whole = served_with_an_older_whole(&store, &app, |front| {
            front.chunks = vec!["elsewhere".to_string(); 3];
            front.lists = vec!["elsewhere".to_string(); 3];
        });
        assert!(!block_on(app.archive(1)).unwrap().body.contains("/posts/fresh/"), "written from the older whole");
        store.serve_part(Part::Whole, whole);
        assert!(block_on(app.archive(1)).unwrap().body.contains("/posts/fresh/"), "not kept under the front's key");
    }

    #[test]
    fn a_site_feed_written_from_an_older_whole_index_is_not_served_for_a_newer_front() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        // The 44 newest of 60 posts still scheduled: the front's 50 hold 6 visible, too few for the feed.
        publish_daily(&app, 60, Utc.with_ymd_and_hms(2025, 2, 14, 0, 0, 0).unwrap());
        let older_whole = block_on(store.index(crate::core::index::Part::Whole)).unwrap();
        block_on(app.publish(Kind::Post, &slug("fresh"), "+++\ntitle = \"Fresh\"\ndate = 2024-12-31\n+++\nNew.\n")).unwrap();
        let whole = block_on(store.index(crate::core::index::Part::Whole)).unwrap();
        // KV still serves the whole index as it was, and the front as it is now.
        store.serve_part(crate::core::index::Part::Whole, older_whole);
        assert!(!block_on(app.feed(None, false)).unwrap().body.contains("/posts/fresh/"), "written from the older index");
        store.serve_part(crate::core::index::Part::Whole, whole);
        let feed = block_on(app.feed(None, false)).unwrap();
        assert!(feed.body.contains("/posts/fresh/"), "not kept under the front's key");
        assert!(Rc::ptr_eq(&feed, &block_on(app.feed(None, false)).unwrap()), "a feed written from the whole is kept");
    }

    #[test]
    fn a_site_feed_is_kept_when_the_fronts_newest_posts_are_all_scheduled() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        // The 55 newest of 60 posts still scheduled: the front cannot name what a reader sees.
        publish_daily(&app, 60, Utc.with_ymd_and_hms(2025, 2, 25, 0, 0, 0).unwrap());
        let first = block_on(app.feed(None, false)).unwrap();
        assert!(first.body.contains("/posts/p55/") && !first.body.contains("/posts/p54/"), "{}", first.body);
        assert!(Rc::ptr_eq(&first, &block_on(app.feed(None, false)).unwrap()), "kept under the whole's key");
    }

    #[test]
    fn a_scheduled_page_is_linked_listed_and_reached_by_its_old_address_from_its_time() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let today = app(&site, &store);
        block_on(today.publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        let about = "+++\ntitle = \"About\"\ndate = 2025-01-01T12:00:00Z\naliases = [\"/old-about/\"]\n+++\nWho.\n";
        block_on(today.publish(Kind::Page, &slug("about"), about)).unwrap();
        let shown = |app: &App<'_, MemoryStore, MemoryStore>| {
            let post = block_on(app.show_post(&slug("hello"), &ShowOptions::default())).unwrap().html;
            let pages = [block_on(app.home(1)).unwrap().body.clone(), post, block_on(app.archive(1)).unwrap().body.clone()];
            let sitemap = sitemaps(app).contains("/about/");
            (pages.map(|p| p.contains("href=\"/about/\"")), sitemap, block_on(app.alias("/old-about/")).unwrap())
        };
        assert_eq!(shown(&today), ([false; 3], false, None), "a scheduled page is neither named nor pointed to before its time");
        // The same day, so that only the page's time changes what the kept pages show.
        let later = App { now: Utc.with_ymd_and_hms(2025, 1, 1, 13, 0, 0).unwrap(), ..today };
        assert_eq!(shown(&later), ([true; 3], true, Some("/about/".to_string())), "kept pages follow without a publish");
    }

    #[test]
    fn the_old_address_of_a_scheduled_post_leads_nowhere_whichever_versions_the_other_parts_are() {
        use crate::core::index::Part;
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        block_on(app.publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        let older = Part::ALL.map(|part| block_on(store.index(part)).unwrap());
        let soon = "+++\ntitle = \"Soon\"\ndate = 2025-06-01\naliases = [\"/old-soon/\"]\n+++\nLater.\n";
        block_on(app.publish(Kind::Post, &slug("soon"), soon)).unwrap();
        // An isolate may trust the front and the whole as they were while it reads the new aliases.
        store.serve_part(Part::Front, older[Part::Front as usize].clone());
        store.serve_part(Part::Whole, older[Part::Whole as usize].clone());
        assert_eq!(block_on(app.alias("/old-soon/")).unwrap(), None);
        let june = App { now: Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap(), ..app };
        assert_eq!(block_on(june.alias("/old-soon")).unwrap().as_deref(), Some("/posts/soon/"));
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
        assert!(!block_on(app.home(1)).unwrap().body.contains("/posts/hello/"));
        assert!(!block_on(app.search("edges")).unwrap().contains("/posts/hello/"));
        assert!(matches!(block_on(app.tag("intro", 1)), Err(AppError::NotFound)));
        assert!(matches!(block_on(app.unpublish(Kind::Post, &slug("hello"))), Err(AppError::NotFound)));
    }

    #[test]
    fn a_publish_whose_index_the_store_cannot_write_in_one_go_is_refused_before_it_writes() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        publish_site(&app, 240);
        // A new post changes the newest chunk, its list and archive text (3 written and 5 parts; the 3 replaced are
        // retired); one older than all shifts all three chunks, lists and texts (9 written), and taking the oldest away
        // shifts its tag's three chunks as well: past a limit of 10.
        store.index_writes.set(Some(12));
        block_on(app.publish(Kind::Post, &slug("newest"), "+++\ntitle = \"Newest\"\ndate = 2025-01-02\n+++\nNew.\n")).unwrap();
        let app = App { now: app.now + chrono::Duration::seconds(RETIRED_GRACE_SECONDS), ..app };
        store.index_writes.set(Some(10));
        let writes = *store.writes.borrow();
        let archive = block_on(app.archive(1)).unwrap().body.clone();
        let oldest = "+++\ntitle = \"Oldest\"\ndate = 2000-01-01\n+++\nAncient words.\n";
        let refused = block_on(app.publish(Kind::Post, &slug("oldest"), oldest)).unwrap_err();
        assert!(matches!(refused, AppError::Store(StoreError::TooManyWrites { needed: 14, limit: 10 })), "{refused:?}");
        let refused = block_on(app.unpublish(Kind::Post, &slug("p239"))).unwrap_err();
        assert!(matches!(refused, AppError::Store(StoreError::TooManyWrites { needed: 17, limit: 10 })), "{refused:?}");
        assert!(matches!(block_on(app.unpublish(Kind::Post, &slug("nothing"))), Err(AppError::NotFound)), "what is not there is not found");
        assert_eq!(*store.writes.borrow(), writes, "nothing written");
        assert!(matches!(block_on(app.show_post(&slug("oldest"), &ShowOptions::default())), Err(AppError::NotFound)));
        assert!(!block_on(app.search("ancient")).unwrap().contains("/posts/oldest/"));
        assert_eq!(block_on(app.archive(1)).unwrap().body, archive);
        assert!(block_on(app.show_post(&slug("p239"), &ShowOptions::default())).is_ok());

        // At 15, the older post is taken: the retired chunks are deleted as far as the limit leaves room (1 of 3),
        // never refused for; the others stay retired, for a later publish.
        store.index_writes.set(Some(15));
        let retired: Vec<String> = block_on(store.index(Part::Tags)).unwrap().retiring.iter().map(|r| r.0.clone()).collect();
        assert_eq!(retired.len(), 3);
        block_on(app.publish(Kind::Post, &slug("oldest"), oldest)).unwrap();
        assert!(block_on(app.archive(2)).unwrap().body.contains("/posts/oldest/"));
        let retiring = block_on(store.index(Part::Tags)).unwrap().retiring.clone();
        assert_eq!(retiring.first().map(|r| &r.0), Some(&retired[1]), "{retiring:?}");
        assert_eq!(retiring.len(), 2 + 9, "the two left, and the nine the older post shifted");
        assert!(!store.chunks.borrow().contains_key(&retired[0]) && store.chunks.borrow().contains_key(&retired[1]));
        assert!(!store.written.borrow().contains_key(&retired[0]) && store.written.borrow().contains_key(&retired[2]), "{retired:?}");
    }

    #[test]
    fn storing_the_index_again_stops_at_the_write_limit_with_the_change_saved() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = App { now: Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap(), ..app(&site, &store) };
        publish_site(&app, 240);
        let file = |title: &str, date: &str| format!("+++\ntitle = \"{title}\"\ndate = {date}\n+++\nNew.\n");
        let archive = || block_on(app.archive(1)).unwrap().body.clone();
        // A newest post writes 10 keys of the index. Another request publishes while this one stores it: storing
        // again would write 10 more, past the limit of 12.
        store.index_writes.set(Some(12));
        let other = prepare(Kind::Post, &file("Other", "2025-02-01"), Some("other")).unwrap();
        store.meanwhile.borrow_mut().push_back(other);
        let err = block_on(app.publish(Kind::Post, &slug("newest"), &file("Newest", "2025-02-02"))).unwrap_err();
        assert!(matches!(err, AppError::Store(StoreError::Contended)), "{err:?}");
        assert!(block_on(app.show_post(&slug("newest"), &ShowOptions::default())).is_ok(), "the change is saved");
        assert!(archive().contains("/posts/newest/") && !archive().contains("/posts/other/"), "listed once");

        // The next publish that changes a file lists both.
        block_on(app.publish(Kind::Post, &slug("later"), &file("Later", "2025-02-03"))).unwrap();
        assert!(["newest", "other", "later"].iter().all(|n| archive().contains(&format!("/posts/{n}/"))));
    }

    #[test]
    fn the_daily_clean_up_stores_an_index_behind_the_catalog_again() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        block_on(app.publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        assert!(!block_on(app.repair_index()).unwrap(), "an index of every write is left as it is");
        let before = Part::ALL.map(|part| block_on(store.index(part)).unwrap());
        block_on(app.publish(Kind::Post, &slug("later"), "+++\ntitle = \"Later\"\ndate = 2024-06-01\n+++\nLeft out.\n")).unwrap();
        // The index as a publish that gave up or was cut short left it.
        for (part, index) in Part::ALL.into_iter().zip(before) {
            store.serve_part(part, index);
        }
        assert!(!block_on(app.home(1)).unwrap().body.contains("/posts/later/"));
        let writes = *store.writes.borrow();
        // One the worker may not store in one go is told as that, with nothing written.
        store.index_writes.set(Some(5));
        let refused = block_on(app.repair_index()).unwrap_err();
        assert!(matches!(refused, AppError::Store(StoreError::TooManyWrites { .. })), "{refused:?}");
        assert_eq!(*store.writes.borrow(), writes);
        store.index_writes.set(None);
        assert!(block_on(app.repair_index()).unwrap());
        assert!(*store.writes.borrow() > writes);
        assert!(block_on(app.home(1)).unwrap().body.contains("/posts/later/"));
        assert!(!block_on(app.repair_index()).unwrap());
    }

    #[test]
    fn a_publish_interleaved_with_others_stores_an_index_of_every_one() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = app(&site, &store);
        let file = |name: &str| format!("+++\ntitle = \"{name}\"\ndate = 2024-03-01\n+++\nMeanwhile.\n");
        let other = |name: &str| prepare(Kind::Post, &file(name), Some(name)).unwrap();
        let listed = |names: &[&'static str]| {
            let archive = block_on(app.archive(1)).unwrap().body.clone();
            names.iter().map(|n| (*n, archive.contains(&format!("/posts/{n}/")))).collect::<Vec<_>>()
        };
        block_on(app.publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        // Another request writes to the catalog after this one read it, before it checks what it stored; then
        // another while it stores again.
        store.meanwhile.borrow_mut().extend([other("during"), other("again")]);
        block_on(app.publish(Kind::Post, &slug("first"), &file("first"))).unwrap();
        assert!(store.meanwhile.borrow().is_empty(), "the revision was read after each store");
        block_on(app.publish(Kind::Post, &slug("second"), &file("second"))).unwrap();
        store.meanwhile.borrow_mut().push_back(other("late"));
        block_on(app.unpublish(Kind::Post, &slug("first"))).unwrap();
        let names = ["hello", "during", "again", "second", "late", "first"];
        assert_eq!(listed(&names), names.map(|n| (n, n != "first")));

        // A catalog that never stops changing: the request gives up, saying what to do.
        store.meanwhile.borrow_mut().extend((0..20).map(|i| other(&format!("busy-{i}"))));
        let err = block_on(app.publish(Kind::Post, &slug("third"), &file("third"))).unwrap_err();
        assert!(matches!(err, AppError::Store(StoreError::Contended)), "{err:?}");
        assert!(err.to_string().contains("publish fewer files at once"), "{err}");
        store.meanwhile.borrow_mut().clear();
        block_on(app.publish(Kind::Post, &slug("fourth"), &file("fourth"))).unwrap();
        assert_eq!(listed(&["third", "fourth", "busy-0"]), [("third", true), ("fourth", true), ("busy-0", true)]);
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
        assert!(!block_on(app.home(1)).unwrap().body.contains("Later"));
        let later = App { now: Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap(), ..app };
        assert!(block_on(later.show_post(&slug("later"), &ShowOptions::default())).unwrap().html.contains("Soon."));
        assert!(block_on(later.home(1)).unwrap().body.contains("Later"));
    }

    #[test]
    fn a_page_is_served_as_prepared_when_published_and_rendered_again_if_another_renderer_prepared_it() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let mut published = prepare(Kind::Post, HELLO, Some("hello")).unwrap();
        let prepared = published.doc.prepared.as_mut().expect("publishing prepares the page");
        prepared.html = "<p>As prepared.</p>".into();
        block_on(store.put_docs(std::slice::from_ref(&published))).unwrap();
        let page = block_on(app(&site, &store).show_post(&slug("hello"), &ShowOptions::default())).unwrap().html;
        assert!(page.contains("<p>As prepared.</p>") && !page.contains("<p>First words"), "{page}");

        let mut older = published.clone();
        older.doc.version.push_str("-older");
        older.doc.prepared.as_mut().unwrap().renderer = "0".into();
        block_on(store.put_docs(&[older])).unwrap();
        let page = block_on(app(&site, &store).show_post(&slug("hello"), &ShowOptions::default())).unwrap().html;
        assert!(page.contains("<p>First words about edges.</p>") && !page.contains("As prepared."), "{page}");
    }

    #[test]
    fn publishing_again_stores_the_page_of_a_document_stored_without_one() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let mut earlier = prepare(Kind::Post, HELLO, Some("hello")).unwrap();
        earlier.doc = StoredDoc { version: crate::core::hash::short_hash(HELLO.as_bytes()), prepared: None, ..earlier.doc };
        block_on(store.put_docs(&[earlier])).unwrap();
        block_on(app(&site, &store).publish(Kind::Post, &slug("hello"), HELLO)).unwrap();
        let stored = block_on(store.doc(Kind::Post, &slug("hello"))).unwrap().unwrap();
        assert!(stored.prepared_for(&slug("hello")).is_some(), "the same file, published again, is stored prepared");
    }

    #[test]
    fn a_stored_document_that_no_longer_parses_is_reported_as_corrupt() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let bad =
            PublishedDoc { doc: StoredDoc::new(Kind::Post, "garbage".into(), None), ..prepare(Kind::Post, HELLO, Some("hello")).unwrap() };
        block_on(store.put_docs(&[bad])).unwrap();
        let err = block_on(app(&site, &store).show_post(&slug("hello"), &ShowOptions::default())).unwrap_err();
        assert!(matches!(err, AppError::CorruptDoc { .. }), "{err}");
    }
}
