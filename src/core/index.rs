//! The site index: one precomputed document that serves list pages, tags, archive, feeds and the sitemap.
//!
//! It holds every published post, scheduled ones included, newest first; what a reader may see is
//! decided at request time against the clock, so a scheduled post appears with no redeploy.
//!
//! KV keeps it in parts (see [`Part`]), so that the pages every reader opens parse a document that grows with the
//! site only by the versions it names (two per [`CHUNK_POSTS`] posts: the front is 19.1 KB at 1,000 posts, 22.5 KB at
//! 10,000): the home page, the feed and every page's navigation read the front; the archive the texts of one or two
//! [`List`]s of [`Chunk`]s of posts ([`archive`]), and the sitemaps the lists themselves; the tags page reads the
//! front with the list of tags, a tag's pages and feed take their posts from that part's newest when they are all among
//! them, else from one or two chunks of that tag's posts, and later home pages one to three chunks of the site's (two,
//! and a third when sticky posts push a long page over one); only the admin reads the whole, and readers when a part
//! cannot serve them.

use crate::core::archive::{self, archive_key, ARCHIVE_FORMAT};
use crate::core::date;
use crate::core::hash::short_hash;
use crate::core::post::{Kind, PostSummary};
use crate::core::slug::slugify;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, OnceCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::rc::Rc;

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct SiteIndex {
    /// Changes whenever any line changes; keys the in-isolate cache.
    pub version: String,
    /// Posts that are not drafts, newest first.
    pub posts: Vec<PostSummary>,
    /// Pages that are not drafts, by title; [`SiteIndex::visible_pages`] are the navigation. (Always written; absent
    /// from a [`List`].)
    #[serde(default)]
    pub pages: Vec<PostSummary>,
    /// Old path -> canonical URL, from every document's `aliases`.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// The URLs among `aliases`' targets that were scheduled when the index was built, with their time (RFC 3339):
    /// an old address must not tell where a document will be before its time. One that was visible then stays
    /// visible, so the parts that answer old addresses need nothing else. (Text, as the aliases are: the map then
    /// shares their reader in the Wasm.)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub held: BTreeMap<String, String>,
    /// Posts of the whole index left out of this part. The front leaves out only posts that are not sticky and are
    /// older than every non-sticky post it holds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted: usize,
    /// The version of each [`Chunk`] of the whole index's posts, oldest first; empty in an index written before
    /// chunks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chunks: Vec<String>,
    /// The version of each chunk's [`List`], as `chunks`; empty in an index written before lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<String>,
    /// The format of the archive texts stored beside the lists ([`ARCHIVE_FORMAT`], in their keys: [`archive_key`]);
    /// empty in an index written before them, which names none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub archive: String,
    /// In a chunk, the slugs of the tags whose oldest post is in it, in the order met walking its posts from the
    /// oldest. A tag is visible once that post is (the others are newer), so each tag's page is listed in one
    /// sitemap: this chunk's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_tags: Vec<String>,
    /// In the front and the tags part, the positions among all posts of the sticky posts held past the newest
    /// [`FRONT_POSTS`]: a later home page finds where its posts lie in the chunks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sticky_at: Vec<usize>,
    /// In the whole index and its tags part, every tag, in the order of first use (so a new one comes last).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagEntry>,
    /// In a tags part stored by an earlier release: keys it retired, all of the same time, `retired_at` (round 15's
    /// kept none: 0, and the next publish deletes them). Read, never written.
    #[serde(default, skip_serializing)]
    pub retired: Vec<String>,
    #[serde(default, skip_serializing)]
    pub retired_at: i64,
    /// In the tags part as stored: the chunks an index stored before named and a later one does not, each with when it
    /// was retired, oldest first. They are not deleted with the index that retires them, so that a reader, or a
    /// publish at the same moment, still on an index before finds every chunk it names: a publish deletes those that
    /// have waited [`RETIRED_GRACE_SECONDS`] and that it does not name again ([`SiteIndex::expired`]), and carries
    /// the others on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retiring: Vec<Retired>,
    /// When this index was built (Unix seconds): the time the chunks it retires are dated. Not stored.
    #[serde(skip)]
    built_at: i64,
    /// The catalog revision the index was built at (0: not known); in the tags part as stored, so that the daily
    /// clean-up can tell an index that leaves a write out (`App::repair_index`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: i64,
    // What follows is found from `posts` on first use and lives as long as this parsed index. An index is read by
    // one isolate's requests, on one thread, so plain cells do.
    /// Positions of the sticky posts in `posts`.
    #[serde(skip)]
    sticky: OnceCell<Vec<usize>>,
    /// Each tag's slug and its posts in chunks, cut on first use (as `chunked`).
    #[serde(skip)]
    tags_chunked: OnceCell<Vec<(String, Vec<Rc<Chunk>>)>>,
    /// The tags of a whole index written before `tags`, found from its posts.
    #[serde(skip)]
    tags_found: OnceCell<Vec<TagEntry>>,
    /// Each tag's posts among the newest this index holds in order, by position (see [`SiteIndex::newest_tagged`]).
    #[serde(skip)]
    newest_by_tag: OnceCell<Vec<(String, Vec<usize>)>>,
    /// The last answer of [`SiteIndex::scheduled`], checked before searching.
    #[serde(skip)]
    scheduled_hint: Cell<usize>,
    /// The posts in chunks, cut on first use: when the index is built and stored, or when the store lacks a chunk.
    #[serde(skip)]
    chunked: OnceCell<Vec<Rc<Chunk>>>,
    /// The chunks' lists, made on first use: when the index is built and stored.
    #[serde(skip)]
    listed: OnceCell<Vec<Rc<List>>>,
}

/// The keys `stored` retired, with when, the oldest first (a part of round 15's release kept no time: 0).
fn retired_keys(stored: &SiteIndex) -> Vec<(&str, i64)> {
    let mut keys: Vec<(&str, i64)> = stored.retired.iter().map(|key| (key.as_str(), stored.retired_at)).collect();
    keys.extend(stored.retiring.iter().map(|r| (r.0.as_str(), r.1)));
    keys
}

fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

/// The newest posts the front of the index holds (scheduled ones count among them), besides older sticky ones:
/// the first pages of the home page and the feeds, whatever the site's size.
pub const FRONT_POSTS: usize = 50;

/// Posts in a [`Chunk`]: a page of the archive and a posts sitemap are made from one or two, whatever the site's size.
/// A hundred keeps those pages light on a phone (an archive page lists at most 200 posts, about 27 KB) and a fresh
/// isolate's first read of them small. (A release that cut 500 a chunk reads these as chunks it does not hold,
/// and serves from the whole index until it publishes: see [`SiteIndex::chunk_version`].)
pub const CHUNK_POSTS: usize = 100;

/// How long a retired chunk is kept: longer than a reader can stay on the index before a publish. KV shows a write
/// everywhere within about 60 s, a reader trusts `index:version` from KV's edge cache for 60 s, and the parts it
/// parsed for at most 60 s more (`CACHE_SECONDS`). The rest, about two minutes, is for the time between building an
/// index and storing it (a `blog publish` runs wrangler several times) and for a publisher's clock being off.
pub const RETIRED_GRACE_SECONDS: i64 = 300;

/// A chunk's key that an index no longer names, and when it was retired (Unix seconds). A pair in JSON: its reader
/// compiles to less than a struct's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retired(pub String, pub i64);

/// KV key of the index's version, written after its parts: a reader who sees a version finds parts that carry it.
pub const VERSION_KEY: &str = "index:version";

/// A part of the index, each a KV document of its own with the same version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Everything: the admin, and what a part cannot serve (the chunks the store lacks).
    Whole,
    /// The newest [`FRONT_POSTS`] posts, every sticky post and the pages, without aliases.
    Front,
    /// Only the aliases, for the not-found path.
    Aliases,
    /// The front and every tag: the tags page, a tag's pages whose posts are among the front's, and what names the
    /// chunks of a tag's posts for the others.
    Tags,
}

impl Part {
    pub const ALL: [Part; 4] = [Part::Whole, Part::Front, Part::Aliases, Part::Tags];

    pub fn key(self) -> &'static str {
        match self {
            Part::Whole => "index",
            Part::Front => "index:front",
            Part::Aliases => "index:aliases",
            Part::Tags => "index:tags",
        }
    }
}

/// A tag, and the chunks its posts are cut in as the site's are (see [`Chunk`]): a tag's page or feed whose posts are
/// not among the tags part's newest reads the one or two that hold them, whatever the number of its posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagEntry {
    pub slug: String,
    /// As written on its oldest post, the first a reader sees.
    pub name: String,
    /// Its posts, scheduled ones included.
    pub count: usize,
    /// The version of each chunk of its posts, oldest first ([`tag_chunk_key`]).
    pub chunks: Vec<String>,
}

impl TagEntry {
    /// The version of chunk `n`, if the entry names all of its chunks.
    pub fn chunk_version(&self, n: usize) -> Option<&str> {
        self.chunks.get(n).filter(|_| self.chunks.len() == self.count.div_ceil(CHUNK_POSTS)).map(String::as_str)
    }
}

/// Where a run of visible posts (a tag's, or a later home page's) lies in the chunks that hold them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// How many posts of the list a reader may see now.
    pub visible: usize,
    /// The chunks that hold the run, newest first.
    pub chunks: Vec<usize>,
    /// How many posts of those chunks, newest first, come before the run.
    pub skip: usize,
    /// The positions the run spans among all the list's posts (scheduled ones counted; for a later home page, the sticky
    /// posts it passes over too).
    pub run: Range<usize>,
}

impl Span {
    /// The run's posts, newest first, out of its `chunks` as read: `len` of those `listed`. (Loops: the chain of
    /// adapters compiled to more.)
    pub fn posts<'a>(&self, chunks: &'a [Rc<Chunk>], len: usize, listed: fn(&PostSummary) -> bool) -> Vec<&'a PostSummary> {
        let (mut posts, mut skip) = (Vec::new(), self.skip);
        for post in chunks.iter().flat_map(|c| &c.posts) {
            if posts.len() == len {
                break;
            }
            if skip > 0 {
                skip -= 1;
            } else if listed(post) {
                posts.push(post);
            }
        }
        posts
    }
}

/// Where posts `start..end` of `count` (counted from the newest) lie in their chunks, which are counted from the
/// oldest: those chunks, newest first, and how many of their posts come before `start`.
fn span(count: usize, start: usize, end: usize) -> (Vec<usize>, usize) {
    let (oldest, newest) = (count - end, count - 1 - start);
    let chunks = (oldest / CHUNK_POSTS..=newest / CHUNK_POSTS).rev().collect();
    let newest_chunk_end = ((newest / CHUNK_POSTS + 1) * CHUNK_POSTS).min(count);
    (chunks, start - (count - newest_chunk_end))
}

/// A run of [`CHUNK_POSTS`] posts, counted from the oldest (the newest chunk holds what is left), stored as an index
/// of its own whose `version` is the hash of its contents. Older chunks stay as they are while new posts fill the
/// newest, and KV keeps each under a key named by its version ([`chunk_key`]), so a publish writes only the chunks
/// it changed, usually the newest alone, and a key never changes: an edge-cached copy is never stale. (An index, so
/// that the worker reads and writes it with the index's own code.)
pub type Chunk = SiteIndex;

/// KV key of chunk `n` (0 the oldest) at `version`.
pub fn chunk_key(n: usize, version: &str) -> String {
    format!("index:posts:{n}:{version}")
}

/// A [`Chunk`] with only what the archive and the sitemaps show of its posts ([`PostSummary::listed`]): about a
/// third of its size, for the pages that list up to two hundred posts. Stored beside it, under a key named by its own
/// version ([`list_key`]), as [`StoredList`]: only lists leave out of their JSON what is empty, so that the chunks
/// and parts stay as a release rolled back to reads them.
pub type List = SiteIndex;

/// KV key of chunk `n`'s list at `version`.
pub fn list_key(n: usize, version: &str) -> String {
    format!("index:list:{n}:{version}")
}

/// How KV keeps a [`List`].
#[derive(Serialize)]
struct StoredList<'a> {
    version: &'a str,
    posts: Vec<ListedPost<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    first_tags: &'a [String],
}

/// How a list keeps a post: what [`PostSummary::listed`] keeps, less what is empty.
#[derive(Serialize)]
struct ListedPost<'a> {
    kind: Kind,
    slug: &'a str,
    title: &'a str,
    #[serde(with = "date::optional")]
    date: Option<DateTime<Utc>>,
    #[serde(with = "date::optional", skip_serializing_if = "Option::is_none")]
    updated: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "is_false")]
    draft: bool,
}

fn is_false(b: &bool) -> bool {
    !b
}

impl<'a> From<&'a PostSummary> for ListedPost<'a> {
    fn from(p: &'a PostSummary) -> ListedPost<'a> {
        let (slug, title, tags) = (p.slug.as_str(), p.title.as_str(), p.tags.as_slice());
        ListedPost { kind: p.kind, slug, title, date: p.date, updated: p.updated, tags, draft: p.draft }
    }
}

/// How a chunk is written to KV: whole ([`chunk_json`]), as a list ([`list_json`]), or as the archive's text of a list
/// ([`archive_text`]). A chunk's or a list's version is the hash of what is written; a text is named by its list's
/// version and its format.
type Writer = fn(&Chunk) -> Result<String, serde_json::Error>;

/// A chunk as KV keeps it: whole, as a release rolled back to reads it.
fn chunk_json(chunk: &Chunk) -> Result<String, serde_json::Error> {
    serde_json::to_string(chunk)
}

/// A list as KV keeps it: [`StoredList`].
fn list_json(list: &List) -> Result<String, serde_json::Error> {
    let posts = list.posts.iter().map(ListedPost::from).collect();
    serde_json::to_string(&StoredList { version: &list.version, posts, first_tags: &list.first_tags })
}

/// A list as the archive's text ([`archive::text`]).
fn archive_text(list: &List) -> Result<String, serde_json::Error> {
    archive::text(list).map_err(serde::ser::Error::custom)
}

/// KV key of chunk `n` (0 the oldest) of the posts tagged `slug`, at `version`.
pub fn tag_chunk_key(slug: &str, n: usize, version: &str) -> String {
    format!("index:tag:{slug}:{n}:{version}")
}

/// `posts` (newest first) in chunks, the oldest chunk first, each newest first; `first_tags` tells each chunk's.
fn cut(posts: &[PostSummary], mut first_tags: impl FnMut(&[PostSummary]) -> Vec<String>) -> Vec<Rc<Chunk>> {
    // From the end of the newest-first list: the oldest run first.
    let runs = posts
        .rchunks(CHUNK_POSTS)
        .map(|posts| versioned(Chunk { posts: posts.to_vec(), first_tags: first_tags(posts), ..Chunk::default() }, chunk_json));
    runs.collect()
}

/// A chunk or a list, with the hash of what `write` makes of it as its version.
fn versioned(mut chunk: Chunk, write: Writer) -> Rc<Chunk> {
    chunk.version = short_hash(write(&chunk).unwrap_or_default().as_bytes());
    Rc::new(chunk)
}

/// The slugs of a post's tags, each once.
fn tag_slugs(post: &PostSummary) -> Vec<String> {
    let mut slugs: Vec<String> = Vec::with_capacity(post.tags.len());
    for slug in post.tags.iter().map(|t| slugify(t)) {
        if !slug.is_empty() && !slugs.contains(&slug) {
            slugs.push(slug);
        }
    }
    slugs
}

/// Each tag's slug and the positions of its posts, in the order `posts` meets them (tags in the order of first use).
fn tag_positions<'a>(posts: impl Iterator<Item = (usize, &'a PostSummary)>) -> Vec<(String, Vec<usize>)> {
    let mut tagged: Vec<(String, Vec<usize>)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for (i, post) in posts {
        for slug in tag_slugs(post) {
            let k = *at.entry(slug.clone()).or_insert(tagged.len());
            if k == tagged.len() {
                tagged.push((slug, Vec::new()));
            }
            tagged[k].1.push(i);
        }
    }
    tagged
}

/// Pages of the archive over `chunks` chunks: one for each chunk but the newest, which shares the first page with
/// the one before it (so that page never holds only the few posts of a chunk just begun).
pub fn archive_pages(chunks: usize) -> usize {
    chunks.saturating_sub(1).max(1)
}

/// The chunks page `page` (1-based) of the archive shows, newest first; `None` past the last page.
pub fn archive_chunks(page: usize, chunks: usize) -> Option<Vec<usize>> {
    match page {
        1 => Some((chunks.saturating_sub(2)..chunks).rev().collect()),
        p if p > 1 && p <= archive_pages(chunks) => Some(vec![chunks - 1 - p]),
        _ => None,
    }
}

/// One page of a paginated list.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<'a> {
    pub items: Vec<&'a PostSummary>,
    pub page: usize,
    pub total_pages: usize,
}

/// A tag and the number of visible posts that carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCount {
    pub name: String,
    pub slug: String,
    pub count: usize,
}

impl SiteIndex {
    /// Builds the index at `now` from every stored summary, in any order. Drafts are left out.
    pub fn build(summaries: impl IntoIterator<Item = PostSummary>, now: DateTime<Utc>) -> SiteIndex {
        let mut posts = Vec::new();
        let mut pages = Vec::new();
        let mut aliases = BTreeMap::new();
        let mut held = BTreeMap::new();
        for s in summaries {
            if s.draft {
                continue;
            }
            for alias in &s.aliases {
                aliases.insert(alias.clone(), s.url());
            }
            if let Some(date) = s.date.filter(|d| *d > now && !s.aliases.is_empty()) {
                held.insert(s.url(), date::rfc3339(date));
            }
            match s.kind {
                Kind::Post => posts.push(s),
                Kind::Page => pages.push(s),
            }
        }
        posts.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug)));
        pages.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.slug.cmp(&b.slug)));
        let built_at = now.timestamp();
        let mut index = SiteIndex { posts, pages, aliases, held, archive: ARCHIVE_FORMAT.into(), built_at, ..SiteIndex::default() };
        index.chunks = index.cut().iter().map(|c| c.version.clone()).collect();
        index.lists = index.cut_lists().iter().map(|c| c.version.clone()).collect();
        index.tags = index.tags_from_posts();
        index.version = short_hash(serde_json::to_string(&index).unwrap_or_default().as_bytes());
        index
    }

    /// The part of this (whole) index that KV stores under `part.key()`.
    pub fn part(&self, part: Part) -> SiteIndex {
        let mut sticky_at = Vec::new();
        let (posts, omitted, pages, aliases) = match part {
            Part::Whole => return self.clone(),
            // The newest posts, then the older sticky ones: still newest first.
            Part::Front | Part::Tags => {
                let (newest, older) = self.posts.split_at(self.posts.len().min(FRONT_POSTS));
                let sticky: Vec<_> = older.iter().filter(|p| p.sticky).cloned().collect();
                sticky_at = (newest.len()..self.posts.len()).filter(|&i| self.posts[i].sticky).collect();
                let omitted = older.len() - sticky.len();
                ([newest, &sticky].concat(), omitted, self.pages.clone(), BTreeMap::new())
            }
            Part::Aliases => (Vec::new(), self.posts.len(), Vec::new(), self.aliases.clone()),
        };
        let held = if aliases.is_empty() { BTreeMap::new() } else { self.held.clone() };
        let (chunks, lists) = if part == Part::Aliases { (Vec::new(), Vec::new()) } else { (self.chunks.clone(), self.lists.clone()) };
        let (tags, revision) = if part == Part::Tags { (self.tag_entries().to_vec(), self.revision) } else { (Vec::new(), 0) };
        let version = self.version.clone();
        let archive = self.archive.clone();
        SiteIndex {
            version,
            posts,
            pages,
            aliases,
            held,
            omitted,
            chunks,
            lists,
            archive,
            sticky_at,
            tags,
            revision,
            ..SiteIndex::default()
        }
    }

    /// The posts of this index in chunks, oldest chunk first; cut once per index. Only the whole index holds every
    /// post, so only its cut is the one KV keeps (and `posts` must not change after it).
    pub fn cut(&self) -> &[Rc<Chunk>] {
        self.chunked.get_or_init(|| {
            let mut seen = HashSet::new();
            cut(&self.posts, |posts| {
                let mut first = Vec::new();
                for post in posts.iter().rev() {
                    for slug in tag_slugs(post) {
                        if seen.insert(slug.clone()) {
                            first.push(slug);
                        }
                    }
                }
                first
            })
        })
    }

    /// The list of each chunk of [`SiteIndex::cut`], oldest first; made once per index, and as for the cut, only the
    /// whole index's are the ones KV keeps.
    pub fn cut_lists(&self) -> &[Rc<List>] {
        let list = |c: &Rc<Chunk>| {
            let posts = c.posts.iter().map(PostSummary::listed).collect();
            versioned(List { posts, first_tags: c.first_tags.clone(), ..List::default() }, list_json)
        };
        self.listed.get_or_init(|| self.cut().iter().map(list).collect())
    }

    /// Each tag's slug and its posts in chunks as [`SiteIndex::cut`] cuts the site's, in the order of first use; cut
    /// once per index, and only the whole index's is the one KV keeps.
    pub fn tag_cut(&self) -> &[(String, Vec<Rc<Chunk>>)] {
        self.tags_chunked.get_or_init(|| {
            // Gathered from the oldest; cut newest first.
            let cut_newest_first = |(slug, at): (String, Vec<usize>)| {
                let posts: Vec<PostSummary> = at.iter().rev().map(|&i| self.posts[i].clone()).collect();
                (slug, cut(&posts, |_| Vec::new()))
            };
            tag_positions(self.posts.iter().enumerate().rev()).into_iter().map(cut_newest_first).collect()
        })
    }

    /// Where tag `slug`'s posts `run` (counted from its newest, scheduled ones included) are in `posts`, if
    /// this index holds them among its newest posts in order: all of them when it leaves none out, else the newest
    /// [`FRONT_POSTS`] (older sticky ones follow those). A tag's first pages and feed are then read from the tags
    /// part alone, and the whole index needs no cut.
    pub fn newest_tagged(&self, slug: &str, run: &Range<usize>) -> Option<&[usize]> {
        let by_tag = self.newest_by_tag.get_or_init(|| {
            let held = if self.omitted == 0 { self.posts.len() } else { self.posts.len().min(FRONT_POSTS) };
            tag_positions(self.posts[..held].iter().enumerate())
        });
        by_tag.iter().find(|(s, _)| s == slug)?.1.get(run.clone())
    }

    /// Every tag, in the order of first use: as stored, or found from the posts of a whole index written before tags
    /// were.
    pub fn tag_entries(&self) -> &[TagEntry] {
        if !self.tags.is_empty() || self.omitted > 0 {
            return &self.tags;
        }
        self.tags_found.get_or_init(|| self.tags_from_posts())
    }

    /// Every tag, found from the posts of this (whole) index.
    fn tags_from_posts(&self) -> Vec<TagEntry> {
        let entry = |(slug, chunks): &(String, Vec<Rc<Chunk>>)| {
            let oldest = chunks.first().and_then(|c| c.posts.last());
            let name = oldest.and_then(|p| p.tags.iter().find(|t| slugify(t) == *slug)).cloned().unwrap_or_else(|| slug.clone());
            let count = chunks.iter().map(|c| c.posts.len()).sum();
            TagEntry { slug: slug.clone(), name, count, chunks: chunks.iter().map(|c| c.version.clone()).collect() }
        };
        self.tag_cut().iter().map(entry).collect()
    }

    /// The tag whose slug is `slug`.
    pub fn tag(&self, slug: &str) -> Option<&TagEntry> {
        self.tag_entries().iter().find(|t| t.slug == slug)
    }

    /// Where `len` of the visible posts of tag `entry` lie, from the `offset`th newest; `None` when it has none
    /// there. From the whole index, or a part that [`covers`](SiteIndex::covers) a visible post: it then holds
    /// every scheduled post, which are the newest of each tag.
    pub fn tag_span(&self, entry: &TagEntry, offset: usize, len: usize, now: DateTime<Utc>) -> Option<Span> {
        let scheduled = self.posts[..self.scheduled(now)].iter().filter(|p| p.has_tag(&entry.slug)).count();
        let visible = entry.count.saturating_sub(scheduled);
        if offset >= visible || len == 0 {
            return None;
        }
        // Counted among all its posts, scheduled ones first.
        let run = scheduled + offset..(scheduled + offset + len).min(entry.count);
        let (chunks, skip) = span(entry.count, run.start, run.end);
        Some(Span { visible, chunks, skip, run })
    }

    /// Where later home page `page` finds its posts in the chunks of the site's posts, from the front: past the
    /// sticky posts, which lead the first pages, it lists the visible posts that are not sticky, newest first. The
    /// front holds every sticky post, and `sticky_at` tells where those past its newest are among all posts. `None`
    /// when it cannot tell how many posts are scheduled, or the page shows a sticky post.
    pub fn home_span(&self, page: usize, per_page: usize, now: DateTime<Utc>) -> Option<Span> {
        // A front written before `sticky_at` cannot place its older sticky posts.
        let placed = self.sticky_at.len() == self.posts.len().saturating_sub(FRONT_POSTS);
        if !placed || !self.covers(1, now) || per_page == 0 {
            return None;
        }
        let (scheduled, count) = (self.scheduled(now), self.posts.len() + self.omitted);
        // The visible sticky posts' positions among all posts, in order: the front's newest are all posts' newest.
        let mut sticky = Vec::new();
        for (i, post) in self.posts.iter().take(FRONT_POSTS).enumerate() {
            if post.sticky && i >= scheduled {
                sticky.push(i);
            }
        }
        for &i in &self.sticky_at {
            if i >= scheduled {
                sticky.push(i);
            }
        }
        let rank = page.checked_sub(1)?.checked_mul(per_page)?.checked_sub(sticky.len())?;
        // The position of the `rank`th visible post that is not sticky.
        let at = |rank: usize| sticky.iter().fold(scheduled + rank, |p, &q| if q <= p { p + 1 } else { p });
        let start = at(rank);
        if start >= count {
            return None;
        }
        let run = start..(at(rank + per_page - 1) + 1).min(count);
        let (chunks, skip) = span(count, run.start, run.end);
        Some(Span { visible: count - scheduled, chunks, skip, run })
    }

    /// Every chunk of this (whole) index with its KV key and how it is written: the posts', each list and its
    /// archive text, then each tag's. (Loops, not chained iterators: they compile to less.)
    pub fn keyed_chunks(&self) -> Vec<(String, &Rc<Chunk>, Writer)> {
        let mut keyed = Vec::new();
        for (n, chunk) in self.cut().iter().enumerate() {
            keyed.push((chunk_key(n, &chunk.version), chunk, chunk_json as Writer));
        }
        for (n, list) in self.cut_lists().iter().enumerate() {
            keyed.push((list_key(n, &list.version), list, list_json as Writer));
            keyed.push((archive_key(ARCHIVE_FORMAT, n, &list.version), list, archive_text as Writer));
        }
        for (slug, chunks) in self.tag_cut() {
            for (n, chunk) in chunks.iter().enumerate() {
                keyed.push((tag_chunk_key(slug, n, &chunk.version), chunk, chunk_json as Writer));
            }
        }
        keyed
    }

    /// The KV keys of the chunks this index names, as [`SiteIndex::keyed_chunks`] orders them.
    fn chunk_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.chunks.iter().enumerate().map(|(n, v)| chunk_key(n, v)).collect();
        for (n, version) in self.lists.iter().enumerate() {
            keys.push(list_key(n, version));
            if !self.archive.is_empty() {
                keys.push(archive_key(&self.archive, n, version));
            }
        }
        for tag in &self.tags {
            keys.extend(tag.chunks.iter().enumerate().map(|(n, v)| tag_chunk_key(&tag.slug, n, v)));
        }
        keys
    }

    /// How many chunks the whole index's posts fill.
    pub fn chunk_count(&self) -> usize {
        (self.posts.len() + self.omitted).div_ceil(CHUNK_POSTS)
    }

    /// How many chunks hold a post a reader may see now: counted from the oldest, scheduled posts fill the newest
    /// chunks, and a chunk of them alone must not be shown (not even as a page number). `None` from a part that
    /// cannot tell how many posts are scheduled (see [`SiteIndex::listing_key`]).
    pub fn visible_chunks(&self, now: DateTime<Utc>) -> Option<usize> {
        self.covers(1, now).then(|| (self.posts.len() + self.omitted - self.scheduled(now)).div_ceil(CHUNK_POSTS))
    }

    /// The version of chunk `n`; `None` from an index written before chunks.
    pub fn chunk_version(&self, n: usize) -> Option<&str> {
        self.chunks.get(n).filter(|_| self.chunks.len() == self.chunk_count()).map(String::as_str)
    }

    /// The version of chunk `n`'s list; `None` from an index written before lists.
    pub fn list_version(&self, n: usize) -> Option<&str> {
        self.lists.get(n).filter(|_| self.lists.len() == self.chunk_count()).map(String::as_str)
    }

    /// The (key, JSON) pairs that store this index in KV, in the order to write them: the chunks (the site's and
    /// each tag's) that `stored`, the part of the index stored before that names them all (its tags part, or the
    /// front of an older release), does not name (one it names was written before, under a key that never changes),
    /// then the parts ([`SiteIndex::stored_part`]), which name the chunks, then the version. `deleted`: the keys
    /// [`SiteIndex::expired`] gave, deleted first.
    pub fn stored(&self, stored: &SiteIndex, deleted: &[String]) -> Result<Vec<(String, String)>, serde_json::Error> {
        let held: HashSet<String> = stored.chunk_keys().into_iter().collect();
        let mut entries = Vec::new();
        for (key, chunk, write) in self.keyed_chunks().into_iter().filter(|(key, ..)| !held.contains(key)) {
            entries.push((key, write(chunk)?));
        }
        for part in Part::ALL {
            entries.push((part.key().to_string(), serde_json::to_string(&self.stored_part(part, stored, deleted))?));
        }
        entries.push((VERSION_KEY.to_string(), self.version.clone()));
        Ok(entries)
    }

    /// What names the chunks of the index stored before, from its parts as KV holds them: its tags part, when that is
    /// of the front's version (an older release, or one rolled back to, writes the front and leaves the tags part of
    /// an earlier index), otherwise its front, which names the site's chunks, with the chunks the tags part retired;
    /// nothing when there is no front.
    pub fn stored_names(front: Option<SiteIndex>, tags: Option<SiteIndex>) -> SiteIndex {
        match (front, tags) {
            (Some(front), Some(tags)) if tags.version == front.version => tags,
            (front, tags) => {
                let mut names = front.unwrap_or_default();
                // Less those the front names again (a rollback): a part never names as retired a chunk it names.
                if let Some(tags) = tags {
                    let named: HashSet<String> = names.chunk_keys().into_iter().collect();
                    (names.retired, names.retiring, names.retired_at) = (tags.retired, tags.retiring, tags.retired_at);
                    names.retired.retain(|key| !named.contains(key));
                    names.retiring.retain(|r| !named.contains(&r.0));
                }
                names
            }
        }
    }

    /// `part` of this index as stored over `stored` once `deleted` are gone: the tags part also names the chunks
    /// retired and not yet deleted, `stored`'s that this index does not name again and those it retires itself
    /// ([`SiteIndex::retiring`]).
    pub fn stored_part(&self, part: Part, stored: &SiteIndex, deleted: &[String]) -> SiteIndex {
        let mut stored_part = self.part(part);
        if part == Part::Tags {
            let named: HashSet<String> = self.chunk_keys().into_iter().collect();
            // Those waiting, then those superseded now: disjoint, as a part never names as retired a chunk it names.
            // (`deleted` are a few keys at most: a scan, which compiles to less than a set of them.)
            for (key, at) in retired_keys(stored) {
                if !named.contains(key) && !deleted.iter().any(|d| d == key) {
                    stored_part.retiring.push(Retired(key.to_string(), at));
                }
            }
            for key in stored.chunk_keys() {
                if !named.contains(&key) {
                    stored_part.retiring.push(Retired(key, self.built_at));
                }
            }
        }
        stored_part
    }

    /// The keys of the chunks `stored` names that this index does not: retired when it is stored. (For the tests:
    /// [`SiteIndex::stored_part`] finds them inline, which compiles to less than building the set twice.)
    #[cfg(test)]
    pub fn superseded(&self, stored: &SiteIndex) -> Vec<String> {
        let named: HashSet<String> = self.chunk_keys().into_iter().collect();
        stored.chunk_keys().into_iter().filter(|key| !named.contains(key)).collect()
    }

    /// The keys `stored` retired that have waited [`RETIRED_GRACE_SECONDS`] and that this index does not name again,
    /// the oldest first, at most `budget` of them: to delete before it is stored. The others stay retired, for a
    /// later publish: a long run of publishes leaves many, which must not make one refused.
    pub fn expired(&self, stored: &SiteIndex, budget: usize) -> Vec<String> {
        let named: HashSet<String> = self.chunk_keys().into_iter().collect();
        let waited =
            retired_keys(stored).into_iter().filter(|(key, at)| self.built_at - at >= RETIRED_GRACE_SECONDS && !named.contains(*key));
        waited.map(|(key, _)| key.to_string()).take(budget).collect()
    }

    /// How many keys storing this index over `stored` writes ([`SiteIndex::stored`]), counted without serializing a
    /// chunk. The deletes come on top, within what the store allows ([`SiteIndex::expired`]).
    pub fn writes(&self, stored: &SiteIndex) -> usize {
        let held: HashSet<String> = stored.chunk_keys().into_iter().collect();
        self.keyed_chunks().iter().filter(|(key, ..)| !held.contains(key)).count() + Part::ALL.len() + 1
    }

    /// Whether this part holds the first `n` posts a reader may see now, so that a list of them can be served from
    /// it. The posts it leaves out are older than every non-sticky post it holds, so they are visible once any of
    /// those is.
    pub fn covers(&self, n: usize, now: DateTime<Utc>) -> bool {
        self.omitted == 0 || self.covers_after(self.scheduled(now), n)
    }

    /// [`SiteIndex::covers`] of a part that leaves posts out, given how many posts are scheduled. Counted from
    /// positions, not by walking the posts: the home page and the feed ask on every request.
    fn covers_after(&self, scheduled: usize, n: usize) -> bool {
        let sticky_visible = self.sticky_positions().iter().filter(|&&i| i >= scheduled).count();
        self.posts.len() - scheduled - sticky_visible >= n
    }

    fn sticky_positions(&self) -> &[usize] {
        self.sticky.get_or_init(|| self.posts.iter().enumerate().filter(|(_, p)| p.sticky).map(|(i, _)| i).collect())
    }

    /// Posts a reader may see now, newest first.
    pub fn visible(&self, now: DateTime<Utc>) -> impl Iterator<Item = &PostSummary> {
        self.visible_slice(now).iter()
    }

    /// Scheduled posts sort first (the newest dates), so a binary search finds where the visible ones start: the
    /// cost does not grow with the number of posts.
    fn visible_slice(&self, now: DateTime<Utc>) -> &[PostSummary] {
        &self.posts[self.scheduled(now)..]
    }

    /// How many posts are scheduled after `now`: they sort first. The last answer is checked first (two posts
    /// around it tell whether it still holds, whichever way the clock moved); it holds until a post comes due, so a
    /// request costs the same however many posts there are.
    pub fn scheduled(&self, now: DateTime<Utc>) -> usize {
        let hint = self.scheduled_hint.get();
        let before_hint_scheduled = hint == 0 || self.posts.get(hint - 1).is_some_and(|p| !p.is_visible(now));
        let from_hint_visible = self.posts.get(hint).is_none_or(|p| p.is_visible(now));
        if hint <= self.posts.len() && before_hint_scheduled && from_hint_visible {
            return hint;
        }
        let scheduled = self.posts.partition_point(|p| !p.is_visible(now));
        self.scheduled_hint.set(scheduled);
        scheduled
    }

    /// Names what a reader sees of the index now, to key what is made from it: the version, and how many posts
    /// and pages are still scheduled (given the version, the counts say which). `None` from a part that cannot tell
    /// whether the posts it leaves out are visible: one that holds no visible post newer than them.
    pub fn listing_key(&self, now: DateTime<Utc>) -> Option<String> {
        let scheduled = self.scheduled(now);
        (self.omitted == 0 || self.covers_after(scheduled, 1))
            .then(|| format!("{}:{scheduled}:{}", self.version, self.pages.len() - self.visible_pages(now).count()))
    }

    /// Pages a reader may see now, by title: the site's navigation.
    pub fn visible_pages(&self, now: DateTime<Utc>) -> impl Iterator<Item = &PostSummary> {
        self.pages.iter().filter(move |p| p.is_visible(now))
    }

    /// Page `page` (1-based) of the visible posts for the home page, sticky ones first; `None` past the last page.
    /// The work is that of the page's own posts (and of the pages before it), not of the whole site.
    pub fn page(&self, page: usize, per_page: usize, now: DateTime<Utc>) -> Option<Paged<'_>> {
        let visible = self.visible_slice(now);
        let per_page = per_page.max(1);
        let total_pages = (visible.len() + self.omitted).div_ceil(per_page).max(1);
        let first = page.checked_sub(1)? * per_page;
        if page > total_pages {
            return None;
        }
        // The visible sticky posts, then the others, as far as this page's last. (Loops: a chain compiles to more.)
        let mut listed = Vec::new();
        for &i in self.sticky_positions() {
            if self.posts[i].is_visible(now) {
                listed.push(&self.posts[i]);
            }
        }
        for post in visible {
            if listed.len() >= first + per_page {
                break;
            }
            if !post.sticky {
                listed.push(post);
            }
        }
        listed.truncate(first + per_page);
        Some(Paged { items: listed.split_off(first.min(listed.len())), page, total_pages })
    }

    /// Every tag on a visible post with its count, by name. From the whole index or a part that
    /// [`covers`](SiteIndex::covers) a visible post (see [`SiteIndex::tag_span`]).
    pub fn tag_counts(&self, now: DateTime<Utc>) -> Vec<TagCount> {
        let mut scheduled: HashMap<String, usize> = HashMap::new();
        for slug in self.posts[..self.scheduled(now)].iter().flat_map(tag_slugs) {
            *scheduled.entry(slug).or_default() += 1;
        }
        let count = |t: &TagEntry| t.count.saturating_sub(scheduled.get(&t.slug).copied().unwrap_or(0));
        let mut tags: Vec<TagCount> = self
            .tag_entries()
            .iter()
            .map(|t| TagCount { name: t.name.clone(), slug: t.slug.clone(), count: count(t) })
            .filter(|t| t.count > 0)
            .collect();
        tags.sort_by_key(|t| t.name.to_lowercase());
        tags
    }

    /// In a chunk, the tags whose page its sitemap lists now: those first used in it on a post a reader may see.
    pub fn visible_first_tags(&self, now: DateTime<Utc>) -> &[String] {
        // `first_tags` is in the order the tags are met walking the posts from the oldest, and the visible posts are
        // the oldest: the visible first tags are those met on the same walk over the visible posts.
        let mut met = 0;
        for tag in self.posts.iter().rev().take_while(|p| p.is_visible(now)).flat_map(|p| &p.tags) {
            if self.first_tags.get(met).is_some_and(|first| *first == slugify(tag)) {
                met += 1;
            }
        }
        &self.first_tags[..met]
    }

    /// Where an old URL now lives, trying it with and without a trailing slash; `None` before the document's time.
    pub fn alias_target(&self, path: &str, now: DateTime<Utc>) -> Option<&str> {
        let toggled = match path.strip_suffix('/') {
            Some(p) => p.to_string(),
            None => format!("{path}/"),
        };
        let target = self.aliases.get(path).or_else(|| self.aliases.get(&toggled))?;
        let due = |time: &String| date::parse_rfc3339(time).is_some_and(|due| due <= now);
        self.held.get(target).is_none_or(due).then_some(target.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::post::Post;
    use chrono::TimeZone;

    fn summary(slug: &str, date: &str, extra: &str) -> PostSummary {
        let src = format!("+++\ntitle = \"{slug}\"\ndate = {date}\n{extra}\n+++\nBody of {slug}.");
        let post = Post::parse(&src, Kind::Post, Some(slug)).unwrap();
        post.summary(&post.render())
    }

    /// The keys of chunk `n` of the site's posts, its list and its archive text.
    fn newest_keys(index: &SiteIndex, n: usize) -> [String; 3] {
        let list = &index.lists[n];
        [chunk_key(n, &index.chunks[n]), list_key(n, list), archive_key(ARCHIVE_FORMAT, n, list)]
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
    }

    /// The index as published at [`now`].
    fn build(summaries: impl IntoIterator<Item = PostSummary>) -> SiteIndex {
        SiteIndex::build(summaries, now())
    }

    fn sample() -> SiteIndex {
        build([
            summary("old", "2023-03-01", "tags = [\"Rust\"]"),
            summary("new", "2024-12-01", "tags = [\"rust\", \"Life\"]\naliases = [\"/2024/12/new/\"]"),
            summary("mid", "2024-03-15", ""),
            summary("later", "2026-01-01", "tags = [\"Rust\"]"),
            summary("hidden", "2024-01-01", "draft = true"),
        ])
    }

    #[test]
    fn lists_visible_posts_newest_first_without_drafts_or_scheduled_ones() {
        let slugs: Vec<_> = sample().visible(now()).map(|p| p.slug.to_string()).collect();
        assert_eq!(slugs, ["new", "mid", "old"]);
    }

    #[test]
    fn a_scheduled_post_appears_once_its_date_passes() {
        let later = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 1).unwrap();
        assert_eq!(sample().visible(later).next().unwrap().slug.as_str(), "later");
    }

    #[test]
    fn sticky_posts_lead_the_home_page_only() {
        let index = build([summary("old", "2023-03-01", "sticky = true"), summary("new", "2024-12-01", "")]);
        let slugs: Vec<&str> = index.page(1, 10, now()).unwrap().items.iter().map(|p| p.slug.as_str()).collect();
        assert_eq!(slugs, ["old", "new"]);
        assert_eq!(index.visible(now()).next().map(|p| p.slug.as_str()), Some("new"), "feeds and archive keep date order");
    }

    #[test]
    fn sticky_posts_count_once_and_wait_for_their_date() {
        let index = build([
            summary("a", "2024-01-01", ""),
            summary("b", "2024-02-01", ""),
            summary("pinned", "2023-01-01", "sticky = true"),
            summary("future-pin", "2030-01-01", "sticky = true"),
        ]);
        let page = |n| index.page(n, 2, now()).map(|p| p.items.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>());
        assert_eq!(page(1), Some(vec!["pinned", "b"]));
        assert_eq!(page(2), Some(vec!["a"]));
        assert_eq!(page(3), None);
    }

    #[test]
    fn paginates_and_refuses_pages_past_the_end() {
        let index = sample();
        let p2 = index.page(2, 2, now()).unwrap();
        assert_eq!((p2.items.len(), p2.total_pages), (1, 2));
        assert!(index.page(3, 2, now()).is_none());
        assert!(index.page(0, 2, now()).is_none());
        assert_eq!(SiteIndex::default().page(1, 10, now()).unwrap().total_pages, 1, "an empty blog still has a home page");
    }

    #[test]
    fn tags_are_counted_case_insensitively_over_visible_posts() {
        let index = sample();
        let tags = index.tag_counts(now());
        assert_eq!(
            tags.iter().map(|t| (t.name.as_str(), t.count)).collect::<Vec<_>>(),
            [("Life", 1), ("Rust", 2)],
            "named as first written"
        );
        let rust = index.tag("rust").unwrap();
        assert_eq!((rust.count, index.tag_span(rust, 0, 10, now()).map(|s| s.visible)), (3, Some(2)), "the scheduled one waits");
        let later = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 1).unwrap();
        assert_eq!(index.tag_counts(later).iter().map(|t| t.count).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(index.tag("none"), None);
    }

    #[test]
    fn aliases_resolve_with_or_without_trailing_slash() {
        let index = sample();
        assert_eq!(index.alias_target("/2024/12/new/", now()), Some("/posts/new/"));
        assert_eq!(index.alias_target("/2024/12/new", now()), Some("/posts/new/"));
        assert_eq!(index.alias_target("/nope/", now()), None);
    }

    /// `n` posts a day apart, the newest on 2024-12-31, with `extra` front matter on the slugs it names.
    fn site(n: usize, extra: impl Fn(usize) -> &'static str) -> SiteIndex {
        let newest = Utc.with_ymd_and_hms(2024, 12, 31, 0, 0, 0).unwrap();
        build(
            (0..n)
                .map(|i| summary(&format!("p{i}"), &(newest - chrono::Duration::days(i as i64)).format("%Y-%m-%d").to_string(), extra(i))),
        )
    }

    fn slugs<'a>(posts: impl IntoIterator<Item = &'a &'a PostSummary>) -> Vec<&'a str> {
        posts.into_iter().map(|p| p.slug.as_str()).collect()
    }

    #[test]
    fn the_front_serves_the_first_pages_like_the_whole_index() {
        let whole = site(300, |i| if i == 250 { "sticky = true" } else { "" });
        let front = whole.part(Part::Front);
        assert_eq!(front.posts.len(), FRONT_POSTS + 1, "the newest posts and the old sticky one");
        assert_eq!(front.omitted, 300 - FRONT_POSTS - 1);
        assert!(front.aliases.is_empty() && front.version == whole.version);
        for page in 1..=4 {
            assert!(front.covers(page * 10, now()));
            let (a, b) = (front.page(page, 10, now()).unwrap(), whole.page(page, 10, now()).unwrap());
            assert_eq!((slugs(&a.items), a.total_pages), (slugs(&b.items), b.total_pages), "page {page}");
        }
        assert!(!front.covers(FRONT_POSTS + 1, now()), "a later page needs the whole index");
        let feed = |i: &SiteIndex| i.visible(now()).take(20).map(|p| p.slug.to_string()).collect::<Vec<_>>();
        assert_eq!(feed(&front), feed(&whole));
    }

    #[test]
    fn scheduled_posts_do_not_count_towards_what_the_front_covers() {
        // 60 posts, the 45 newest still scheduled at `now`: the front holds only 5 visible ones.
        let whole = site(60, |_| "");
        let now = Utc.with_ymd_and_hms(2024, 11, 16, 12, 0, 0).unwrap();
        let front = whole.part(Part::Front);
        assert!(front.covers(5, now) && !front.covers(6, now));
        let later = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        assert!(front.covers(FRONT_POSTS, later), "once they are published, the front holds them all");
        assert_eq!(front.page(1, 5, now).unwrap().total_pages, whole.page(1, 5, now).unwrap().total_pages);
    }

    #[test]
    fn the_scheduled_count_is_right_whichever_way_the_clock_moves() {
        let whole = site(60, |_| "");
        let days = [0u32, 5, 5, 6, 30, 29, 90, 1, 61, 61, 60, 45, 0];
        for day in days {
            let now = Utc.with_ymd_and_hms(2024, 10, 1, 12, 0, 0).unwrap() + chrono::Duration::days(i64::from(day));
            let expected = whole.posts.iter().filter(|p| !p.is_visible(now)).count();
            assert_eq!(whole.scheduled(now), expected, "day {day}");
        }
    }

    #[test]
    fn a_tag_lists_its_visible_posts_once_each_page_by_page_from_its_own_chunks() {
        // 260 posts a day apart, the newest on 2024-12-31: "Rust" on two in three (two chunks and more), "Edge
        // Cases" on one in three, and "Late" on the 30 newest only.
        let whole = site(260, |i| match (i % 3, i < 30) {
            (0, true) => "tags = [\"Rust\", \"rust\", \"Late\"]",
            (0, false) => "tags = [\"Rust\", \"rust\"]",
            (1, _) => "tags = [\"Edge Cases\", \"Rust\"]",
            _ => "tags = [\"Edge Cases\"]",
        });
        let tags = whole.part(Part::Tags);
        assert_eq!(whole.tag("rust").map(|t| (t.count, t.chunks.len())), Some((174, 2)));
        let names = |posts: Vec<&PostSummary>| posts.iter().map(|p| p.slug.as_str().to_string()).collect::<Vec<_>>();
        let (mut held_by_part, mut read_chunks) = (0, 0);
        for day in [90u32, 70, 85] {
            // Day 90 is the eve of the newest post's: it alone is scheduled; on day 70, the 21 newest are.
            let now = Utc.with_ymd_and_hms(2024, 10, 1, 12, 0, 0).unwrap() + chrono::Duration::days(i64::from(day));
            for slug in ["rust", "edge-cases", "late"] {
                let expected: Vec<_> = whole.visible(now).filter(|p| p.has_tag(slug)).map(|p| p.slug.as_str()).collect();
                for per_page in [7, 100, 200] {
                    let mut listed = Vec::new();
                    for page in 0.. {
                        let entry = tags.tag(slug).unwrap();
                        let Some(span) = tags.tag_span(entry, page * per_page, per_page, now) else { break };
                        assert_eq!(Some(&span), whole.tag_span(whole.tag(slug).unwrap(), page * per_page, per_page, now).as_ref());
                        assert!(span.chunks.len() <= 2 && span.visible == expected.len());
                        let cut = &whole.tag_cut().iter().find(|(s, _)| s == slug).unwrap().1;
                        let chunks: Vec<_> = span.chunks.iter().map(|&n| cut[n].clone()).collect();
                        let from_chunks = names(span.posts(&chunks, per_page, |_| true));
                        // The same posts where an index's newest hold the run: the tags part's sometimes, the whole's
                        // always.
                        let held = |index: &SiteIndex| {
                            index.newest_tagged(slug, &span.run).map(|at| names(at.iter().map(|&i| &index.posts[i]).collect()))
                        };
                        assert_eq!(held(&whole).as_ref(), Some(&from_chunks));
                        match held(&tags) {
                            Some(found) => {
                                assert_eq!(found, from_chunks);
                                held_by_part += 1;
                            }
                            None => read_chunks += 1,
                        }
                        listed.extend(from_chunks);
                    }
                    assert_eq!(listed, expected, "{slug} by {per_page} on day {day}");
                }
            }
        }
        assert!(held_by_part > 0 && read_chunks > 0, "{held_by_part} runs from the tags part, {read_chunks} from chunks");
        let first_day = Utc.with_ymd_and_hms(2024, 12, 1, 12, 0, 0).unwrap();
        assert!(tags.tag_span(tags.tag("late").unwrap(), 0, 10, first_day).is_none(), "no post tagged late is visible yet");
        assert!(tags.tag_counts(first_day).iter().all(|t| t.slug != "late"));
    }

    #[test]
    fn a_tags_run_is_held_by_the_tags_part_only_among_its_newest_posts() {
        // "Old" on the newest post, on one the part leaves out, and on an older sticky one it holds after its newest.
        let whole = site(120, |i| match i {
            0 | 60 => "tags = [\"Old\"]",
            100 => "tags = [\"Old\"]\nsticky = true",
            _ => "",
        });
        let tags = whole.part(Part::Tags);
        let held = |index: &SiteIndex, run| {
            index.newest_tagged("old", &run).map(|at| at.iter().map(|&i| index.posts[i].slug.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(held(&tags, 0..1), Some(vec!["p0".to_string()]));
        assert_eq!(held(&tags, 0..2), None, "the next is left out of the part, and the sticky one is not next");
        assert_eq!(held(&whole, 0..3), Some(vec!["p0".to_string(), "p60".to_string(), "p100".to_string()]));
        assert_eq!(held(&whole, 0..4), None, "there is no fourth");
    }

    #[test]
    fn a_later_home_page_finds_in_the_chunks_what_the_whole_index_lists() {
        // 260 posts a day apart, the newest on 2024-12-31: sticky ones among the newest, in the first chunks and
        // at a chunk's edge.
        let whole = site(260, |i| if [3, 20, 59, 60, 140, 160, 259].contains(&i) { "sticky = true" } else { "" });
        let front = whole.part(Part::Front);
        assert_eq!(front.sticky_at, [59, 60, 140, 160, 259]);
        for day in [90u32, 80, 50] {
            // Day 90 is the eve of the newest post's: it alone is scheduled; on day 80, the 11 newest are, on day 50
            // the 41 newest.
            let now = Utc.with_ymd_and_hms(2024, 10, 1, 12, 0, 0).unwrap() + chrono::Duration::days(i64::from(day));
            for per_page in [10, 7, 100] {
                for page in 1.. {
                    let Some(expected) = whole.page(page, per_page, now) else {
                        assert_eq!(front.home_span(page, per_page, now), None);
                        break;
                    };
                    let Some(span) = front.home_span(page, per_page, now) else {
                        assert!(
                            (page - 1) * per_page < 7,
                            "only a page that shows a sticky post is left to the front: {page} by {per_page}"
                        );
                        continue;
                    };
                    let chunks: Vec<_> = span.chunks.iter().map(|&n| whole.cut()[n].clone()).collect();
                    let items = span.posts(&chunks, per_page, |p| !p.sticky);
                    assert_eq!(slugs(&items), slugs(&expected.items), "page {page} by {per_page} on day {day}");
                    assert_eq!(span.visible.div_ceil(per_page), expected.total_pages);
                    assert!(span.chunks.len() <= 2);
                }
            }
        }
        let mut older = front.clone();
        older.sticky_at.clear();
        let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(older.home_span(20, 10, now), None, "a front written before it cannot place its older sticky posts");
    }

    #[test]
    fn a_tag_chunk_changes_only_with_that_tags_posts() {
        let index = site(240, |i| if i % 2 == 0 { "tags = [\"Even\"]" } else { "tags = [\"Odd\"]" });
        let grown = build(index.posts.iter().cloned().chain([summary("newest", "2025-01-01", "tags = [\"Even\"]")]));
        let (even, odd) = (grown.tag("even").unwrap(), grown.tag("odd").unwrap());
        assert_eq!((even.count, odd.count), (121, 120));
        assert_eq!(odd.chunks, index.tag("odd").unwrap().chunks, "untouched");
        assert_eq!(even.chunks[0], index.tag("even").unwrap().chunks[0]);
        let written: Vec<_> = grown.stored(&index.part(Part::Tags), &[]).unwrap().into_iter().map(|(k, _)| k).collect();
        let newest = [
            format!("index:posts:2:{}", grown.chunks[2]),
            format!("index:list:2:{}", grown.lists[2]),
            archive_key(ARCHIVE_FORMAT, 2, &grown.lists[2]),
            format!("index:tag:even:1:{}", even.chunks[1]),
        ];
        assert_eq!(written[..4], newest, "the newest chunk of the site, its list and archive text, and the tag's newest chunk alone");
        let replaced = [
            format!("index:posts:2:{}", index.chunks[2]),
            format!("index:list:2:{}", index.lists[2]),
            archive_key(ARCHIVE_FORMAT, 2, &index.lists[2]),
            format!("index:tag:even:1:{}", index.tag("even").unwrap().chunks[1]),
        ];
        assert_eq!(grown.superseded(&index.part(Part::Tags)), replaced);
    }

    #[test]
    fn a_tag_without_a_slug_has_no_page_to_list() {
        // The front matter refuses such a tag now; a document stored before may still carry one.
        let mut post = summary("p", "2024-01-01", "tags = [\"Rust\"]");
        post.tags = vec!["日本語".into(), "++".into(), "Rust".into()];
        let index = build([post]);
        assert_eq!(index.cut()[0].first_tags, ["rust"]);
        assert_eq!(index.tags.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(), ["rust"]);
    }

    #[test]
    fn the_chunks_stored_before_are_named_by_the_tags_part_of_the_fronts_version_only() {
        let (index, grown) = (site(120, |_| "tags = [\"All\"]"), site(121, |_| "tags = [\"All\"]"));
        let (front, tags) = (index.part(Part::Front), index.part(Part::Tags));
        assert_eq!(SiteIndex::stored_names(Some(front.clone()), Some(tags.clone())).chunk_keys().len(), 2 + 2 + 2 + 2);
        // A release that knew no tags part wrote a newer front over it: only the front names what is stored.
        let stale = SiteIndex::stored_names(Some(grown.part(Part::Front)), Some(tags));
        assert_eq!((&stale.version, stale.chunk_keys().len()), (&grown.version, 2 + 2 + 2));
        assert_eq!(SiteIndex::stored_names(None, Some(grown.part(Part::Tags))).chunk_keys().len(), 0, "no front, nothing named");
        assert_eq!(SiteIndex::stored_names(Some(front), None).chunk_keys().len(), 2 + 2 + 2);
    }

    #[test]
    fn a_whole_index_written_before_tags_finds_them_from_its_posts() {
        let mut index = sample();
        index.tags.clear();
        let whole: SiteIndex = serde_json::from_str(&serde_json::to_string(&index).unwrap()).unwrap();
        assert_eq!(whole.tag_entries(), sample().tags);
        assert_eq!(whole.part(Part::Tags).tags, sample().tags);
        assert!(whole.part(Part::Front).tags.is_empty(), "the front stays small");
    }

    #[test]
    fn what_a_reader_sees_is_named_by_the_version_and_the_posts_and_pages_still_scheduled() {
        // 60 posts a day apart, the newest on 2024-12-31, and a page dated 2024-12-25.
        let page = Post::parse("+++\ntitle = \"About\"\ndate = 2024-12-25\n+++\nHi.", Kind::Page, Some("about")).unwrap();
        let whole = build(site(60, |_| "").posts.into_iter().chain([page.summary(&page.render())]));
        let front = whole.part(Part::Front);
        let at = |m: u32, d: u32| Utc.with_ymd_and_hms(2024, m, d, 12, 0, 0).unwrap();
        for index in [&whole, &front] {
            assert_eq!(index.listing_key(at(12, 31)), Some(format!("{}:0:0", whole.version)));
            assert_eq!(index.listing_key(at(12, 21)), Some(format!("{}:10:1", whole.version)), "10 posts and the page scheduled");
            assert_eq!(index.visible_pages(at(12, 21)).count(), 0);
        }
        // 55 still scheduled: the front's 50 newest all are, so it cannot tell 55 from 52; the whole can.
        assert_eq!(whole.listing_key(at(11, 6)), Some(format!("{}:55:1", whole.version)));
        assert_eq!((front.listing_key(at(11, 6)), front.listing_key(at(11, 9))), (None, None));
    }

    #[test]
    fn a_front_whose_only_visible_post_is_an_old_sticky_one_names_nothing() {
        // The 50 newest scheduled; the sticky post is older than every one the front leaves out.
        let whole = site(60, |i| if i == 59 { "sticky = true" } else { "" });
        let front = whole.part(Part::Front);
        let now = Utc.with_ymd_and_hms(2024, 11, 6, 12, 0, 0).unwrap();
        assert_eq!((front.omitted, front.visible(now).count()), (9, 1));
        assert_eq!(front.listing_key(now), None);
        assert!(whole.listing_key(now).is_some());
    }

    #[test]
    fn the_old_address_of_a_scheduled_document_leads_nowhere_until_its_time() {
        let index =
            build([summary("soon", "2025-06-01", "aliases = [\"/old/soon/\"]"), summary("new", "2024-12-01", "aliases = [\"/old/new/\"]")]);
        let aliases = index.part(Part::Aliases);
        let june = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap();
        for part in [&index, &aliases] {
            assert_eq!((part.alias_target("/old/soon/", now()), part.alias_target("/old/new/", now())), (None, Some("/posts/new/")));
            assert_eq!(part.alias_target("/old/soon", june), Some("/posts/soon/"));
        }
        assert!(index.part(Part::Front).held.is_empty(), "only the parts with aliases carry it");
        let later = SiteIndex::build(index.posts.clone(), june);
        assert!(later.held.is_empty(), "an index built after the time holds nothing back");
    }

    #[test]
    fn a_small_site_is_whole_in_every_part_but_aliases_stay_apart() {
        let index = sample();
        let front = index.part(Part::Front);
        assert_eq!((front.posts.len(), front.omitted, front.pages.len()), (index.posts.len(), 0, index.pages.len()));
        assert!(front.covers(1000, now()));
        let aliases = index.part(Part::Aliases);
        assert!(aliases.posts.is_empty() && !aliases.covers(1, now()), "the aliases part never serves a list");
        assert_eq!(aliases.alias_target("/2024/12/new", now()), Some("/posts/new/"));
    }

    #[test]
    fn stored_parts_parse_back_and_the_version_is_written_last() {
        let index = site(120, |_| "");
        let stored = index.stored(&index.part(Part::Tags), &[]).unwrap();
        let keys: Vec<_> = stored.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["index", "index:front", "index:aliases", "index:tags", VERSION_KEY],
            "the chunks stored before are not written again"
        );
        for (part, (_, json)) in Part::ALL.iter().zip(&stored) {
            let parsed: SiteIndex = serde_json::from_str(json).unwrap();
            assert_eq!(
                (parsed.posts.len(), parsed.omitted, &parsed.version),
                (index.part(*part).posts.len(), index.part(*part).omitted, &index.version)
            );
        }
        assert_eq!(stored[4].1, index.version);
        assert!(!stored[0].1.contains("omitted"), "the whole index is stored as before, so its version is unchanged");
    }

    #[test]
    fn posts_are_cut_in_chunks_from_the_oldest_and_a_new_post_changes_only_the_newest() {
        let index = site(240, |_| "");
        let chunks = index.cut();
        assert_eq!(chunks.iter().map(|c| c.posts.len()).collect::<Vec<_>>(), [100, 100, 40]);
        assert_eq!(
            (chunks[0].posts[99].slug.as_str(), chunks[2].posts[0].slug.as_str()),
            ("p239", "p0"),
            "oldest first, each newest first"
        );
        assert_eq!(index.chunks, chunks.iter().map(|c| c.version.clone()).collect::<Vec<_>>());
        let front = index.part(Part::Front);
        assert_eq!((front.chunk_count(), front.chunk_version(2)), (3, Some(chunks[2].version.as_str())));

        let grown = build(index.posts.iter().cloned().chain([summary("newest", "2025-01-01", "")]));
        assert_eq!(&grown.chunks[..2], &index.chunks[..2]);
        assert_ne!(grown.chunks[2], index.chunks[2]);
        let written: Vec<_> = grown.stored(&index.part(Part::Tags), &[]).unwrap().into_iter().map(|(k, _)| k).collect();
        let newest = newest_keys(&grown, 2);
        let parts = ["index", "index:front", "index:aliases", "index:tags", VERSION_KEY];
        assert_eq!(written, [&newest.each_ref().map(String::as_str)[..], &parts].concat(), "chunks first: the parts name them");
        let first = grown.stored(&SiteIndex::default(), &[]).unwrap().len();
        assert_eq!(first, 3 + 3 + 3 + 5, "a first publish writes every chunk, list and archive text");
        let front = index.part(Part::Front);
        assert_eq!(grown.stored(&front, &[]).unwrap().len(), 3 + 5, "an older release's front names the chunks as well");
        assert_eq!(grown.superseded(&front), newest_keys(&index, 2), "the newest chunk, list and archive text it replaced");
        let before_archive = SiteIndex { archive: String::new(), ..front.clone() };
        assert_eq!(grown.stored(&before_archive, &[]).unwrap().len(), 3 + 2 + 5, "a front written before archive texts names none");
        assert_eq!(grown.superseded(&before_archive), &newest_keys(&index, 2)[..2], "nor retires one");
        // Texts of another format are written anew, and the old retired.
        let other_format = SiteIndex { archive: "a0".into(), ..front.clone() };
        assert_eq!(grown.stored(&other_format, &[]).unwrap().len(), 3 + 2 + 5);
        let old_texts: Vec<String> = (0..3).map(|n| archive_key("a0", n, &index.lists[n])).collect();
        let superseded = grown.superseded(&other_format);
        let expected = [&newest_keys(&index, 2)[..2], &old_texts].concat();
        assert!(superseded.len() == 5 && expected.iter().all(|key| superseded.contains(key)), "{superseded:?}");
        assert!(grown.superseded(&grown.part(Part::Tags)).is_empty());
        let mut before_lists = front.clone();
        before_lists.lists.clear();
        assert_eq!(grown.stored(&before_lists, &[]).unwrap().len(), 1 + 3 + 3 + 5, "a front written before lists names none of them");
        let shrunk = site(80, |_| "");
        assert_eq!(shrunk.superseded(&front).len(), 3 + 3 + 3, "a site cut to one chunk names none of the three, nor their lists");
    }

    #[test]
    fn writes_count_the_keys_storing_an_index_writes() {
        let tagged = |i: usize| if i.is_multiple_of(3) { "tags = [\"Three\"]" } else { "" };
        let index = site(240, tagged);
        let newest = build(index.posts.iter().cloned().chain([summary("newest", "2025-01-01", "tags = [\"Three\"]")]));
        let oldest = build(index.posts.iter().cloned().chain([summary("oldest", "2000-01-01", "tags = [\"Three\"]")]));
        let stored = index.part(Part::Tags);
        let after_newest = newest.stored_part(Part::Tags, &stored, &[]);
        for stored in [SiteIndex::default(), index.part(Part::Front), stored.clone(), oldest.part(Part::Tags), after_newest.clone()] {
            for grown in [&newest, &oldest, &index] {
                assert_eq!(grown.writes(&stored), grown.stored(&stored, &[]).unwrap().len());
            }
        }
        assert_eq!(index.writes(&stored), 5, "the parts and the version alone");
        assert_eq!(newest.writes(&stored), 5 + 4, "the newest chunk, its list and archive text, and the tag's, each written");
        assert_eq!(after_newest.retiring.len(), 4, "the four they replace, retired");
        assert_eq!(oldest.writes(&stored), 5 + 3 + 3 + 3 + 1, "a post older than all shifts every chunk");
        assert_eq!(oldest.writes(&after_newest), 5 + 3 + 3 + 3 + 1, "the deletes of retired chunks are not counted in");
    }

    #[test]
    fn a_replaced_chunk_is_deleted_by_a_publish_after_the_grace_within_its_budget() {
        let at = |seconds: i64| now() + chrono::Duration::seconds(seconds);
        let built = |posts: &[PostSummary], seconds: i64| SiteIndex::build(posts.iter().cloned(), at(seconds));
        let retiring = |keys: &[String], seconds: i64| -> Vec<Retired> {
            keys.iter().map(|key| Retired(key.clone(), at(seconds).timestamp())).collect()
        };
        let index = site(240, |_| "");
        let stored = index.part(Part::Tags);
        let grown = built(&[index.posts.clone(), vec![summary("newest", "2025-01-01", "")]].concat(), 0);
        let replaced = newest_keys(&index, 2);
        assert!(grown.expired(&stored, usize::MAX).is_empty(), "nothing the index before named is deleted with it");
        let written: HashMap<String, String> = grown.stored(&stored, &[]).unwrap().into_iter().collect();
        let tags: SiteIndex = serde_json::from_str(&written["index:tags"]).unwrap();
        assert_eq!(tags.retiring, retiring(&replaced, 0), "the tags part names what it retires, and when");
        let front: SiteIndex = serde_json::from_str(&written["index:front"]).unwrap();
        assert!(front.retiring.is_empty(), "readers of the front do not parse them");

        // A publish within the grace deletes nothing, and carries them on, each with its own time, before what it
        // retires itself.
        let next = built(&[grown.posts.clone(), vec![summary("next", "2025-01-02", "")]].concat(), 60);
        assert!(next.expired(&tags, usize::MAX).is_empty());
        let next_tags = next.stored_part(Part::Tags, &tags, &[]);
        let also = newest_keys(&grown, 2);
        assert_eq!(next_tags.retiring, [retiring(&replaced, 0), retiring(&also, 60)].concat());
        // Each expires on its own time, the oldest first, and no more than the budget: the rest wait for the next.
        let later = |seconds| built(&next.posts, seconds);
        assert!(later(RETIRED_GRACE_SECONDS - 1).expired(&next_tags, usize::MAX).is_empty());
        assert_eq!(later(RETIRED_GRACE_SECONDS).expired(&next_tags, usize::MAX), replaced);
        assert_eq!(later(RETIRED_GRACE_SECONDS + 60).expired(&next_tags, usize::MAX), [&replaced[..], &also[..]].concat());
        let (last, deleted) = (later(RETIRED_GRACE_SECONDS + 60), [replaced[0].clone()]);
        assert_eq!(last.expired(&next_tags, 1), deleted);
        let left = last.stored_part(Part::Tags, &next_tags, &deleted).retiring;
        assert_eq!(left, [retiring(&replaced[1..], 0), retiring(&also, 60)].concat(), "the others stay retired");
        // One that names them again keeps them, and no longer names them as retired.
        let named_again = built(&index.posts, RETIRED_GRACE_SECONDS + 60);
        assert_eq!(named_again.expired(&next_tags, usize::MAX), also);
        assert!(named_again.stored_part(Part::Tags, &next_tags, &also).retiring.iter().all(|r| !replaced.contains(&r.0)));
        // A tags part of round 15's release kept no time: its retired chunks go with the next publish, as they did.
        let round_15 = SiteIndex { retired: replaced.to_vec(), retiring: Vec::new(), ..tags.clone() };
        assert_eq!(next.expired(&round_15, usize::MAX), replaced);
        assert_eq!(next.expired(&round_15, 0), Vec::<String>::new(), "within the budget");
        let undated: Vec<Retired> = replaced.iter().map(|key| Retired(key.clone(), 0)).collect();
        assert_eq!(next.stored_part(Part::Tags, &round_15, &[]).retiring[..3], undated[..], "else carried on");
        // One of this session's first form dated them all at once: they wait as long.
        let dated = SiteIndex { retired_at: at(0).timestamp(), ..round_15.clone() };
        assert!(next.expired(&dated, usize::MAX).is_empty());
        assert_eq!(later(RETIRED_GRACE_SECONDS).expired(&dated, usize::MAX), replaced);
        // A front of another version names what is stored; the tags part's retired chunks are kept beside it.
        let names = SiteIndex::stored_names(Some(next.part(Part::Front)), Some(SiteIndex { version: "other".into(), ..next_tags.clone() }));
        assert_eq!((&names.chunks, &names.retiring), (&next.chunks, &next_tags.retiring));
        // Less those it names again (a front rolled back to the index before): neither deleted nor retired twice.
        let names = SiteIndex::stored_names(Some(index.part(Part::Front)), Some(next_tags.clone()));
        assert_eq!(names.retiring, retiring(&also, 60));
        assert_eq!(last.expired(&names, usize::MAX), also);
        let carried: Vec<String> = last.stored_part(Part::Tags, &names, &[]).retiring.into_iter().map(|r| r.0).collect();
        assert_eq!(carried.iter().filter(|key| replaced.contains(key)).count(), 3, "each once, retired afresh: {carried:?}");
    }

    #[test]
    fn a_list_holds_what_the_archive_and_the_sitemaps_show_of_its_chunk() {
        let index = site(140, |i| if i == 3 { "tags = [\"Rust\"]" } else { "" });
        let (chunk, list) = (&index.cut()[1], &index.cut_lists()[1]);
        assert_eq!(index.lists, index.cut_lists().iter().map(|l| l.version.clone()).collect::<Vec<_>>());
        assert_eq!(list.posts, chunk.posts.iter().map(PostSummary::listed).collect::<Vec<_>>());
        assert_eq!((&list.first_tags, list.posts[3].tags.as_slice()), (&chunk.first_tags, &["Rust".to_string()][..]));
        assert!(chunk.posts[0].excerpt_html.contains("<p>") && list.posts[0].excerpt_html.is_empty());
        // As KV keeps them: the list without what is empty, and read back as made.
        let stored: HashMap<String, String> = index.stored(&SiteIndex::default(), &[]).unwrap().into_iter().collect();
        let (chunk_json, list_json) = (&stored[&chunk_key(1, &chunk.version)], &stored[&list_key(1, &list.version)]);
        assert!(!list_json.contains("excerpt_html") && list_json.len() * 2 < chunk_json.len(), "{list_json}");
        assert!(chunk_json.contains("\"excerpt_html\":\"<p>"), "a chunk keeps every field, as an older release reads it");
        let read: List = serde_json::from_str(list_json).unwrap();
        assert_eq!((&read.version, &read.posts, &read.first_tags), (&list.version, &list.posts, &list.first_tags));
        assert_ne!(list.version, chunk.version);
        let front = index.part(Part::Front);
        assert_eq!((front.list_version(1), index.part(Part::Aliases).list_version(1)), (Some(list.version.as_str()), None));
    }

    #[test]
    fn an_index_written_before_chunks_names_none() {
        let mut index = site(140, |_| "");
        index.chunks.clear();
        let front: SiteIndex = serde_json::from_str(&serde_json::to_string(&index.part(Part::Front)).unwrap()).unwrap();
        assert_eq!((front.chunk_count(), front.chunk_version(0)), (2, None));
        assert_eq!(SiteIndex::default().chunk_count(), 0);
    }

    #[test]
    fn chunks_cut_at_another_size_are_not_read_as_these() {
        // A front written by a release that cut 500 posts a chunk: its chunks hold other posts than these numbers
        // say, so none is named, and the whole index serves. (Such a release reads this one's fronts by the same
        // check, in its own code.)
        let index = site(240, |i| if i < 3 { "tags = [\"Rust\"]" } else { "" });
        let mut front = index.part(Part::Front);
        (front.chunks, front.lists) = (vec!["v".into()], vec!["v".into()]);
        assert_eq!((front.chunk_count(), front.chunk_version(0), front.list_version(0)), (3, None, None));
        let mut tags = index.part(Part::Tags);
        tags.tags[0].count = 5 * CHUNK_POSTS;
        assert_eq!(tags.tags[0].chunk_version(0), None);
    }

    #[test]
    fn each_tag_is_first_used_in_one_chunk_and_listed_once_its_oldest_post_is_visible() {
        // 120 posts a day apart, the newest on 2024-12-31: "everywhere" on all, "new" on the 10 newest.
        let index = site(120, |i| if i < 10 { "tags = [\"Everywhere\", \"New\"]" } else { "tags = [\"Everywhere\"]" });
        let chunks = index.cut();
        assert_eq!(
            (chunks[0].first_tags.as_slice(), chunks[1].first_tags.as_slice()),
            (&["everywhere".to_string()][..], &["new".to_string()][..])
        );
        assert_eq!(chunks[1].visible_first_tags(now()), ["new"]);
        let between = Utc.with_ymd_and_hms(2024, 12, 25, 0, 0, 0).unwrap();
        assert_eq!(chunks[1].visible_first_tags(between), ["new"], "its oldest post is visible, newer ones not yet");
        let before_new = Utc.with_ymd_and_hms(2024, 12, 20, 0, 0, 0).unwrap();
        assert!(chunks[1].visible_first_tags(before_new).is_empty(), "no post tagged new is visible yet");
        assert_eq!(chunks[0].visible_first_tags(before_new), ["everywhere"]);
    }

    #[test]
    fn the_first_archive_page_shows_the_two_newest_chunks_and_each_later_page_one_older() {
        assert_eq!((archive_pages(0), archive_chunks(1, 0)), (1, Some(vec![])), "an empty archive is one page");
        assert_eq!((archive_pages(1), archive_chunks(1, 1)), (1, Some(vec![0])));
        assert_eq!((archive_pages(2), archive_chunks(1, 2), archive_chunks(2, 2)), (1, Some(vec![1, 0]), None));
        assert_eq!(archive_pages(20), 19);
        assert_eq!(
            (archive_chunks(1, 20), archive_chunks(2, 20), archive_chunks(19, 20)),
            (Some(vec![19, 18]), Some(vec![17]), Some(vec![0]))
        );
        assert_eq!((archive_chunks(0, 20), archive_chunks(20, 20)), (None, None));
    }

    #[test]
    fn version_changes_with_content_and_not_with_order() {
        let a = build([summary("a", "2024-01-01", ""), summary("b", "2024-01-02", "")]);
        let b = build([summary("b", "2024-01-02", ""), summary("a", "2024-01-01", "")]);
        assert_eq!(a.version, b.version);
        assert_ne!(a.version, build([summary("a", "2024-01-01", "")]).version);
    }
}
