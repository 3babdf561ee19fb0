//! Listings kept per isolate: pages made from the index (the feeds, the archive, the tags page, the sitemaps, and
//! the lists of posts with their comment counts), written once per thing a reader can see and then served as they
//! are, so a request costs a lookup however many posts they list, and feed readers' polls, the most frequent
//! requests of a blog, cost the least.

use super::{remember, App, AppError};
use crate::core::archive::{archive_key, ARCHIVE_FORMAT};
use crate::core::hash;
use crate::core::index::{chunk_key, list_key, tag_chunk_key, Chunk, Part, SiteIndex, Span};
use crate::core::post::PostSummary;
use crate::core::route::Sitemap;
use crate::store::ContentStore;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::thread::LocalKey;

/// Tag feeds kept at once; past this the memo starts again, so a crawl of every tag's feed cannot grow it.
const TAG_FEEDS_KEPT: usize = 32;
/// The archive's later pages and the posts sitemaps kept at once (a site of 10,000 posts has 198, each at most 27 KB):
/// apart from the tag feeds, so that a crawl of them does not drop what feed readers poll.
const CHUNK_LISTINGS_KEPT: usize = 200;
/// The site's own listings have fixed names (seven), so this bound is only a guard.
const SITE_LISTINGS_KEPT: usize = 16;
/// The home page's later pages and the tags' pages kept at once: a crawl of them starts this memo again, not the
/// others.
const LIST_PAGES_KEPT: usize = 32;

/// How the front names the chunks of a series (the lists, or the chunks themselves): chunk `n`'s version, its key.
type Series = (fn(&SiteIndex, usize) -> Option<&str>, fn(usize, &str) -> String);

/// A listing as served, and its ETag.
#[derive(Debug)]
pub struct Listing {
    pub body: String,
    pub etag: String,
}

/// Which listing.
#[derive(Debug, Clone, Copy)]
pub(super) enum Listed<'a> {
    Tags,
    /// A page of the archive.
    Archive(usize),
    Sitemap(Sitemap),
    /// The Atom (`rss == false`) or RSS feed of the site, or of one tag.
    Feed {
        rss: bool,
        tag: Option<&'a str>,
    },
    /// A page of the home page's list of posts.
    Home(usize),
    /// A page of one tag's list of posts.
    Tag {
        slug: &'a str,
        page: usize,
    },
}

impl Listed<'_> {
    fn name(self) -> String {
        match self {
            Listed::Tags => "tags".into(),
            Listed::Archive(page) => format!("archive:{page}"),
            Listed::Sitemap(Sitemap::Index) => "sitemap".into(),
            Listed::Sitemap(Sitemap::Site) => "sitemap:site".into(),
            Listed::Sitemap(Sitemap::Posts(n)) => format!("sitemap:{n}"),
            Listed::Feed { rss, tag } => format!("{}:{}", if rss { "rss" } else { "atom" }, tag.unwrap_or("")),
            Listed::Home(page) => format!("home:{page}"),
            Listed::Tag { slug, page } => format!("tag:{slug}:{page}"),
        }
    }

    /// The memo it is kept in, and that memo's bound.
    fn memo(self) -> (&'static LocalKey<RefCell<HashMap<String, Kept>>>, usize) {
        match self {
            Listed::Feed { tag: Some(_), .. } => (&TAG_FEEDS, TAG_FEEDS_KEPT),
            Listed::Sitemap(Sitemap::Posts(_)) => (&CHUNK_LISTINGS, CHUNK_LISTINGS_KEPT),
            Listed::Archive(page) if page > 1 => (&CHUNK_LISTINGS, CHUNK_LISTINGS_KEPT),
            Listed::Home(page) if page > 1 => (&LIST_PAGES, LIST_PAGES_KEPT),
            Listed::Tag { .. } => (&LIST_PAGES, LIST_PAGES_KEPT),
            _ => (&SITE, SITE_LISTINGS_KEPT),
        }
    }
}

/// A listing and the [`SiteIndex::listing_key`] of the index it was made from (with the comment counts it shows,
/// if any).
struct Kept {
    key: String,
    listing: Rc<Listing>,
}

thread_local! {
    // One listing of each name, the last made: an isolate holds one version of each.
    static SITE: RefCell<HashMap<String, Kept>> = RefCell::default();
    static TAG_FEEDS: RefCell<HashMap<String, Kept>> = RefCell::default();
    static CHUNK_LISTINGS: RefCell<HashMap<String, Kept>> = RefCell::default();
    static LIST_PAGES: RefCell<HashMap<String, Kept>> = RefCell::default();
}

impl<C, D> App<'_, C, D> {
    /// The listing made from an index that shows what `index` shows now, if one is kept. The site's settings are not
    /// in the key: they come from the worker's environment, fixed for an isolate's life.
    pub(super) fn kept(&self, listed: Listed<'_>, index: &SiteIndex) -> Option<Rc<Listing>> {
        kept_under(listed, &index.listing_key(self.now)?)
    }

    /// Keeps `body` as the listing made from `index` now, in place of any earlier one.
    pub(super) fn keep(&self, listed: Listed<'_>, index: &SiteIndex, body: String) -> Rc<Listing> {
        keep_under(listed, index.listing_key(self.now), body)
    }
}

/// The listing kept as `listed` if it was made from what `key` names.
pub(super) fn kept_under(listed: Listed<'_>, key: &str) -> Option<Rc<Listing>> {
    listed.memo().0.with(|m| m.borrow().get(&listed.name()).filter(|k| k.key == key).map(|k| k.listing.clone()))
}

/// Keeps `body` as the listing `listed` made from what `key` names (`None`: not kept), in place of any earlier one.
pub(super) fn keep_under(listed: Listed<'_>, key: Option<String>, body: String) -> Rc<Listing> {
    let listing = Rc::new(Listing { etag: hash::etag(body.as_bytes()), body });
    if let Some(key) = key {
        let (memo, limit) = listed.memo();
        remember(memo, listed.name(), Kept { key, listing: listing.clone() }, limit);
    }
    listing
}

/// A run of one tag's visible posts, from the index that placed it or from the chunks of the tag's posts that hold it.
pub(super) struct Tagged {
    /// The index that placed the run: what is made from it is kept under its key.
    pub index: Rc<SiteIndex>,
    /// The tag as written.
    pub name: String,
    /// How many of the tag's posts a reader may see now.
    pub visible: usize,
    run: Run,
}

/// Where a [`Tagged`] run is.
enum Run {
    /// At these positions in the index's posts.
    Held(Vec<usize>),
    /// In these chunks, where the span says.
    Chunks(Span, Vec<Rc<Chunk>>),
}

impl Tagged {
    /// The run's posts, newest first.
    pub fn posts(&self) -> Vec<&PostSummary> {
        match &self.run {
            Run::Held(at) => at.iter().map(|&i| &self.index.posts[i]).collect(),
            Run::Chunks(span, chunks) => span.posts(chunks, span.run.len(), |_| true),
        }
    }
}

/// What a listing made from chunks of the posts is made from, unless it is kept.
pub(super) enum ChunksOrKept {
    Kept(Rc<Listing>),
    /// The index that named the chunks (what is made from them is kept under its key), the number of chunks that hold
    /// a visible post, and the chunks chosen.
    Chunks(Rc<SiteIndex>, usize, Vec<Rc<Chunk>>),
    /// As `Chunks`, with the archive texts of the chunks chosen in their place (for the archive alone).
    Archived(Rc<SiteIndex>, usize, Vec<String>),
}

impl<C: ContentStore, D> App<'_, C, D> {
    /// The kept listing, or the chunks `pick` chooses from the number that hold a visible post (`None`: no such
    /// page), as lists where the store holds them (the archive and the sitemaps need no more). The front names them
    /// when it can tell how many posts are scheduled and the store holds each as named; otherwise they are cut from
    /// the whole index, which may be of another version than the front. For the archive, the archive texts of their
    /// lists in their place, where the front names them in this release's format and the store holds them.
    pub(super) async fn chunks_or_kept(
        &self,
        listed: Listed<'_>,
        pick: &dyn Fn(usize) -> Option<Vec<usize>>,
    ) -> Result<ChunksOrKept, AppError> {
        let front = self.content.index(Part::Front).await?;
        if let Some(kept) = self.kept(listed, &front) {
            return Ok(ChunksOrKept::Kept(kept));
        }
        if let Some(count) = front.visible_chunks(self.now) {
            let numbers = pick(count).ok_or(AppError::NotFound)?;
            if matches!(listed, Listed::Archive(_)) && front.archive == ARCHIVE_FORMAT {
                let key = |n: usize| front.list_version(n).map(|v| archive_key(ARCHIVE_FORMAT, n, v));
                let keys: Vec<String> = numbers.iter().filter_map(|&n| key(n)).collect();
                if keys.len() == numbers.len() {
                    if let Some(texts) = self.content.archive_texts(&keys).await? {
                        return Ok(ChunksOrKept::Archived(front, count, texts));
                    }
                }
            }
            // Their lists, else the chunks themselves (one loop: `held_chunks` is compiled once for both).
            let series: [Series; 2] = [(SiteIndex::list_version, list_key), (SiteIndex::chunk_version, chunk_key)];
            for (version, key) in series {
                let named = numbers.iter().map(|&n| version(&front, n).map(|v| (key(n, v), v)));
                if let Some(chunks) = self.held_chunks(named).await? {
                    return Ok(ChunksOrKept::Chunks(front, count, chunks));
                }
            }
        }
        let whole = self.content.index(Part::Whole).await?;
        if let Some(kept) = self.kept(listed, &whole) {
            return Ok(ChunksOrKept::Kept(kept));
        }
        let count = whole.visible_chunks(self.now).unwrap_or_default();
        let numbers = pick(count).ok_or(AppError::NotFound)?;
        let chunks = numbers.iter().filter_map(|&n| whole.cut().get(n).cloned()).collect();
        Ok(ChunksOrKept::Chunks(whole, count, chunks))
    }

    /// `len` of tag `slug`'s visible posts from the `offset`th newest (`NotFound` when it has none there). From the
    /// tags part when it can tell how many posts are scheduled: from its newest posts when they hold the run (a tag's
    /// first page, as often as not, then costs one read), else from the chunks it names when the store holds each.
    /// Otherwise from the whole index, which may be of another version.
    pub(super) async fn tagged(&self, slug: &str, offset: usize, len: usize) -> Result<Tagged, AppError> {
        let part = self.content.index(Part::Tags).await?;
        if part.covers(1, self.now) {
            let entry = part.tag(slug).ok_or(AppError::NotFound)?;
            let span = part.tag_span(entry, offset, len, self.now).ok_or(AppError::NotFound)?;
            let (name, visible) = (entry.name.clone(), span.visible);
            if let Some(at) = part.newest_tagged(slug, &span.run).map(<[usize]>::to_vec) {
                return Ok(Tagged { index: part, name, visible, run: Run::Held(at) });
            }
            let named = span.chunks.iter().map(|&n| entry.chunk_version(n).map(|v| (tag_chunk_key(slug, n, v), v)));
            if let Some(chunks) = self.held_chunks(named).await? {
                return Ok(Tagged { index: part, name, visible, run: Run::Chunks(span, chunks) });
            }
        }
        // The whole index holds every post in order, and counts each tag's from them: it holds every run it places.
        let whole = self.content.index(Part::Whole).await?;
        let entry = whole.tag(slug).ok_or(AppError::NotFound)?;
        let span = whole.tag_span(entry, offset, len, self.now).ok_or(AppError::NotFound)?;
        let (name, visible) = (entry.name.clone(), span.visible);
        let at = whole.newest_tagged(slug, &span.run).ok_or(AppError::NotFound)?.to_vec();
        Ok(Tagged { index: whole, name, visible, run: Run::Held(at) })
    }

    /// The chunks named by (key, version), if the store holds every one; `None` when one is not named or not held.
    /// They are asked for at once: a page of two chunks waits for one round trip to the store, not two.
    pub(super) async fn held_chunks<'v>(
        &self,
        named: impl Iterator<Item = Option<(String, &'v str)>>,
    ) -> Result<Option<Vec<Rc<Chunk>>>, AppError> {
        let mut names = Vec::new();
        for name in named {
            let Some(name) = name else { return Ok(None) };
            names.push(name);
        }
        Ok(self.content.chunks(&names).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::SiteConfig;
    use crate::core::index::Part;
    use crate::core::post::Kind;
    use crate::core::slug::Slug;
    use crate::core::token::SigningKey;
    use crate::store::memory::MemoryStore;
    use crate::store::ContentStore;
    use chrono::{TimeZone, Utc};
    use pollster::block_on;

    #[test]
    fn an_isolate_keeps_one_of_each_site_listing_and_a_bounded_number_of_the_others() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        let app = App {
            site: &site,
            content: &store,
            db: &store,
            now: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            key: &SigningKey::new(b"k"),
            nonce: "n",
        };
        let tags: Vec<String> = (0..40).map(|i| format!("\"t{i}\"")).collect();
        for n in 0..3 {
            let file = format!("+++\ntitle = \"P{n}\"\ndate = 2024-06-0{}\ntags = [{}]\n+++\nText.\n", n + 1, tags.join(", "));
            block_on(app.publish(Kind::Post, &Slug::parse(&format!("p{n}")).unwrap(), &file)).unwrap();
            block_on(app.archive(1)).unwrap();
            block_on(app.sitemap(Sitemap::Index)).unwrap();
            block_on(app.feed(None, false)).unwrap();
            for i in 0..40 {
                block_on(app.feed(Some(&format!("t{i}")), false)).unwrap();
            }
        }
        let version = block_on(store.index(Part::Whole)).unwrap().version.clone();
        let kept: Vec<bool> = SITE.with(|m| m.borrow().values().map(|k| k.key.starts_with(&version)).collect());
        assert_eq!(kept, [true; 3], "one archive, sitemap and feed, each of the last version");
        assert!(TAG_FEEDS.with(|m| m.borrow().len()) <= TAG_FEEDS_KEPT);
    }
}
