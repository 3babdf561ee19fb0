//! In-memory stores for unit tests of the use cases.

use super::{
    within_writes, Catalog, CommentPage, CommentRecord, CommentStore, ContentStore, ImportRecord, PostCommentCounts, PublishedDoc, Purged,
    QueueEntry, SearchRow, StoreError, Summaries, SNIPPET_CLOSE, SNIPPET_OPEN,
};
use crate::core::comment::{Comment, CommentStatus, NewComment};
use crate::core::index::{Chunk, Part, SiteIndex};
use crate::core::post::{Kind, PostSummary, StoredDoc};
use crate::core::slug::Slug;
use chrono::{DateTime, Utc};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// Content and catalog in one, kept in maps.
#[derive(Default)]
pub struct MemoryStore {
    docs: RefCell<BTreeMap<(String, String), Rc<StoredDoc>>>,
    /// The parts of the index, as KV keeps them, by `Part as usize`.
    index: RefCell<[Rc<SiteIndex>; 4]>,
    /// The chunks of the index's posts and of each tag's, by key.
    pub(crate) chunks: RefCell<HashMap<String, Rc<Chunk>>>,
    /// What KV holds under each key of the index written (chunks, lists, archive texts, parts), for the reads of
    /// archive texts.
    pub(crate) written: RefCell<HashMap<String, String>>,
    catalog: RefCell<BTreeMap<(String, String), (PostSummary, String)>>,
    comments: RefCell<Vec<(Comment, CommentRecord)>>,
    /// The thread of each comment by id, set when it is stored, as D1's `root` column: the first comment of its
    /// thread, which a reply keeps after that comment is deleted.
    roots: RefCell<HashMap<i64, i64>>,
    hits: RefCell<HashMap<String, u32>>,
    /// The salt of client keys by day, and until when it is to be kept; this store keeps every one (see
    /// `ContentStore::daily_salt`).
    pub(crate) salts: RefCell<HashMap<String, (String, i64)>>,
    imported: RefCell<HashMap<String, i64>>,
    /// Counts every write, so tests can tell that a repeated publish wrote nothing.
    pub writes: RefCell<usize>,
    /// The last comment id given out; ids only grow, as with AUTOINCREMENT, so storage order is id order.
    last_id: std::cell::Cell<i64>,
    /// Changes with every write to comments: the snapshot of every page read until the next one.
    snapshot: std::cell::Cell<u64>,
    /// Pages of comments and comment counts as read since the last write to comments, as the edge's D1 store keeps
    /// them within its cache window: the native benches then count the app's work per request, not scans of this
    /// store that the edge does not make.
    pages: RefCell<HashMap<(String, usize, usize), Rc<CommentPage>>>,
    counts: RefCell<HashMap<Vec<String>, HashMap<String, u32>>>,
    /// Set by a test to make comment counts unavailable, as D1 may be.
    pub counts_down: std::cell::Cell<bool>,
    /// Set by a test to limit the writes of an index, as the worker limits those of a request to KV.
    pub index_writes: std::cell::Cell<Option<usize>>,
    revision: std::cell::Cell<i64>,
    /// Set by a test: what other requests write to the catalog before each of the next reads of its revision, as
    /// requests to the worker interleave.
    pub meanwhile: RefCell<std::collections::VecDeque<PublishedDoc>>,
    /// Set by a test to see how chunks and texts are asked for: the keys of each read of them, noted here.
    pub chunk_reads: RefCell<Option<Vec<Vec<String>>>>,
}

/// Snapshots are unique across stores, as a memo keyed by them is shared by all the stores of a thread.
static SNAPSHOTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl MemoryStore {
    /// Serves `index` as one part, as KV may serve an older version of one part than of another while each is
    /// trusted for its own window.
    pub fn serve_part(&self, part: Part, index: Rc<SiteIndex>) {
        self.index.borrow_mut()[part as usize] = index;
    }

    /// Holds `chunk` (or a list) at `key`, as KV may hold one a publish of another release wrote.
    pub fn serve_chunk(&self, key: String, chunk: Rc<Chunk>) {
        self.chunks.borrow_mut().insert(key, chunk);
    }

    fn comments_changed(&self) {
        self.snapshot.set(SNAPSHOTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        self.pages.borrow_mut().clear();
        self.counts.borrow_mut().clear();
    }
}

fn key(kind: Kind, slug: &Slug) -> (String, String) {
    (kind.as_str().to_string(), slug.to_string())
}

impl MemoryStore {
    /// As the worker counts the keys storing `index` takes, when a test set `index_writes`.
    fn within_limit(&self, index: &SiteIndex, spent: usize) -> Result<usize, StoreError> {
        let Some(limit) = self.index_writes.get() else { return Ok(0) };
        within_writes(index, &self.stored_names(), limit, spent)
    }

    /// What names the chunks stored (see `SiteIndex::stored_names`).
    fn stored_names(&self) -> SiteIndex {
        let parts = self.index.borrow();
        SiteIndex::stored_names(Some((*parts[Part::Front as usize]).clone()), Some((*parts[Part::Tags as usize]).clone()))
    }
}

impl ContentStore for MemoryStore {
    async fn doc(&self, kind: Kind, slug: &Slug) -> Result<Option<Rc<StoredDoc>>, StoreError> {
        Ok(self.docs.borrow().get(&key(kind, slug)).cloned())
    }
    async fn index(&self, part: Part) -> Result<Rc<SiteIndex>, StoreError> {
        Ok(self.index.borrow()[part as usize].clone())
    }
    async fn chunks(&self, named: &[(String, &str)]) -> Result<Option<Vec<Rc<Chunk>>>, StoreError> {
        if let Some(reads) = self.chunk_reads.borrow_mut().as_mut() {
            reads.push(named.iter().map(|(key, _)| key.clone()).collect());
        }
        let held = self.chunks.borrow();
        Ok(named.iter().map(|(key, version)| held.get(key).filter(|c| c.version == *version).cloned()).collect())
    }
    async fn archive_texts(&self, keys: &[String]) -> Result<Option<Vec<String>>, StoreError> {
        if let Some(reads) = self.chunk_reads.borrow_mut().as_mut() {
            reads.push(keys.to_vec());
        }
        let held = self.written.borrow();
        Ok(keys.iter().map(|key| held.get(key).cloned()).collect())
    }
    async fn daily_salt(&self, day: &str, expires_at: i64) -> Result<String, StoreError> {
        if let Some((salt, _)) = self.salts.borrow().get(day) {
            return Ok(salt.clone());
        }
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).map_err(|e| StoreError::Unavailable(format!("randomness: {e}")))?;
        Ok(self.salts.borrow_mut().entry(day.to_string()).or_insert((hex::encode(random), expires_at)).0.clone())
    }
    async fn put_docs(&self, docs: &[PublishedDoc]) -> Result<(), StoreError> {
        for d in docs {
            *self.writes.borrow_mut() += 1;
            self.docs.borrow_mut().insert(key(d.doc.kind, &d.summary.slug), Rc::new(d.doc.clone()));
        }
        Ok(())
    }
    async fn delete_doc(&self, kind: Kind, slug: &Slug) -> Result<(), StoreError> {
        *self.writes.borrow_mut() += 1;
        self.docs.borrow_mut().remove(&key(kind, slug));
        Ok(())
    }
    async fn put_index(&self, index: &SiteIndex, spent: usize) -> Result<usize, StoreError> {
        let writes = self.within_limit(index, spent)?;
        *self.writes.borrow_mut() += 1;
        // As the worker stores it: chunks retired long enough ago go, as many as the limit leaves room for; those
        // this one retires stay.
        let stored = self.stored_names();
        let budget = self.index_writes.get().map_or(usize::MAX, |limit| limit.saturating_sub(spent + writes));
        let expired = index.expired(&stored, budget);
        let written = index.stored(&stored, &expired).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (mut chunks, mut held) = (self.chunks.borrow_mut(), self.written.borrow_mut());
        for key in &expired {
            chunks.remove(key);
            held.remove(key);
        }
        chunks.extend(index.keyed_chunks().into_iter().map(|(key, chunk, _)| (key, chunk.clone())));
        held.extend(written);
        *self.index.borrow_mut() = Part::ALL.map(|p| Rc::new(index.stored_part(p, &stored, &expired)));
        Ok(if self.index_writes.get().is_some() { writes + expired.len() } else { 0 })
    }
    async fn check_index(&self, index: &SiteIndex) -> Result<(), StoreError> {
        self.within_limit(index, 0).map(|_| ())
    }
}

impl Catalog for MemoryStore {
    async fn upsert(&self, docs: &[PublishedDoc]) -> Result<(), StoreError> {
        for d in docs {
            *self.writes.borrow_mut() += 1;
            self.catalog.borrow_mut().insert(key(d.summary.kind, &d.summary.slug), (d.summary.clone(), d.text.clone()));
        }
        self.revision.set(self.revision.get() + 1);
        Ok(())
    }
    async fn remove(&self, kind: Kind, slug: &Slug) -> Result<bool, StoreError> {
        *self.writes.borrow_mut() += 1;
        self.revision.set(self.revision.get() + 1);
        Ok(self.catalog.borrow_mut().remove(&key(kind, slug)).is_some())
    }
    async fn summaries(&self) -> Result<Summaries, StoreError> {
        let summaries = self.catalog.borrow().values().map(|(s, _)| s.clone()).collect();
        Ok(Summaries { summaries, revision: self.revision.get() })
    }
    async fn revision(&self) -> Result<i64, StoreError> {
        let meanwhile = self.meanwhile.borrow_mut().pop_front();
        if let Some(doc) = meanwhile {
            self.upsert(std::slice::from_ref(&doc)).await?;
        }
        Ok(self.revision.get())
    }
    async fn search(&self, fts_query: &str, now: DateTime<Utc>, limit: usize) -> Result<Vec<SearchRow>, StoreError> {
        // A rough stand-in for FTS5: every quoted term must prefix a word of the title or text.
        let terms: Vec<String> = fts_query.split_whitespace().map(|t| t.trim_matches(|c| c == '"' || c == '*').to_string()).collect();
        let catalog = self.catalog.borrow();
        Ok(catalog
            .values()
            .filter(|(s, _)| s.kind == Kind::Post && s.is_visible(now))
            .filter(|(s, text)| {
                let haystack = format!("{} {}", s.title, text).to_lowercase();
                terms.iter().all(|t| haystack.split(|c: char| !c.is_alphanumeric()).any(|w| w.starts_with(t.as_str())))
            })
            .take(limit)
            .map(|(s, text)| SearchRow {
                summary: s.clone(),
                snippet: format!("{SNIPPET_OPEN}{}{SNIPPET_CLOSE}", text.chars().take(80).collect::<String>()),
            })
            .collect())
    }
}

fn shown(record: &CommentRecord, id: i64) -> Comment {
    Comment {
        id,
        post: record.post.clone(),
        parent: record.parent,
        author: record.author.clone(),
        url: record.url.clone(),
        body: record.body.clone(),
        body_html: record.body_html.clone(),
        status: record.status,
        created_at: record.created_at.clone(),
    }
}

impl CommentStore for MemoryStore {
    async fn approved_page(&self, post: &str, threads: usize, offset: usize) -> Result<Rc<CommentPage>, StoreError> {
        let key = (post.to_string(), threads, offset);
        if let Some(page) = self.pages.borrow().get(&key) {
            return Ok(page.clone());
        }
        let comments = self.comments.borrow();
        let approved: Vec<&Comment> =
            comments.iter().map(|(c, _)| c).filter(|c| c.post == post && c.status == CommentStatus::Approved).collect();
        let roots = self.roots.borrow();
        let root_of = |c: &Comment| roots.get(&c.id).copied().unwrap_or(c.id);
        // Every thread with an approved comment, newest first by its first comment's time (by its first approved
        // comment's once the first is deleted), as D1 lists them.
        let mut first: HashMap<i64, &Comment> = HashMap::new();
        for c in &approved {
            let kept = first.entry(root_of(c)).or_insert(c);
            if (&c.created_at, c.id) < (&kept.created_at, kept.id) {
                *kept = c;
            }
        }
        let mut started: Vec<(i64, &str)> = first
            .into_iter()
            .map(|(root, c)| (root, comments.binary_search_by_key(&root, |(r, _)| r.id).map_or(c, |i| &comments[i].0).created_at.as_str()))
            .collect();
        started.sort_by(|(a_root, a), (b_root, b)| b.cmp(a).then(b_root.cmp(a_root)));
        let listed: Vec<i64> = started.iter().skip(offset).take(threads).map(|&(root, _)| root).collect();
        if self.snapshot.get() == 0 {
            self.comments_changed(); // a new store's first snapshot, unique like the others
        }
        let page = Rc::new(CommentPage {
            comments: approved.iter().filter(|c| listed.contains(&root_of(c))).map(|c| (*c).clone()).collect(),
            total: approved.len() as u32,
            threads: started.len() as u32,
            snapshot: Some(self.snapshot.get()),
        });
        self.pages.borrow_mut().insert(key, page.clone());
        Ok(page)
    }
    async fn approved_counts(&self, posts: &[&str]) -> Result<HashMap<String, u32>, StoreError> {
        if self.counts_down.get() {
            return Err(StoreError::Unavailable("comment counts are down".into()));
        }
        let key: Vec<String> = posts.iter().map(|p| p.to_string()).collect();
        if let Some(counts) = self.counts.borrow().get(&key) {
            return Ok(counts.clone());
        }
        let mut counts = HashMap::new();
        for (c, _) in self.comments.borrow().iter().filter(|(c, _)| c.status == CommentStatus::Approved && posts.contains(&c.post.as_str()))
        {
            *counts.entry(c.post.clone()).or_insert(0) += 1;
        }
        self.counts.borrow_mut().insert(key, counts.clone());
        Ok(counts)
    }
    async fn comment(&self, id: i64) -> Result<Option<Comment>, StoreError> {
        Ok(self.comments.borrow().iter().find(|(c, _)| c.id == id).map(|(c, _)| c.clone()))
    }
    async fn by_manage_hash(&self, manage_hash: &str) -> Result<Option<Comment>, StoreError> {
        Ok(self.comments.borrow().iter().find(|(_, r)| r.manage_hash == manage_hash).map(|(c, _)| c.clone()))
    }
    async fn insert(&self, record: &CommentRecord) -> Result<Option<i64>, StoreError> {
        self.comments_changed();
        let mut comments = self.comments.borrow_mut();
        // As D1's unique index on it, and its `ON CONFLICT DO NOTHING`.
        if comments.iter().any(|(_, r)| r.manage_hash == record.manage_hash) {
            return Ok(None);
        }
        let id = self.last_id.get() + 1;
        self.last_id.set(id);
        let mut roots = self.roots.borrow_mut();
        let root = record.parent.and_then(|parent| roots.get(&parent).copied()).unwrap_or(id);
        roots.insert(id, root);
        comments.push((shown(record, id), record.clone()));
        Ok(Some(id))
    }
    async fn import(&self, comments: &[ImportRecord]) -> Result<usize, StoreError> {
        self.comments_changed();
        let mut new = 0;
        for c in comments {
            if self.imported.borrow().contains_key(&c.import_key) {
                continue;
            }
            let parent = c.parent_key.as_ref().and_then(|k| self.imported.borrow().get(k).copied());
            // As D1's `ON CONFLICT DO NOTHING`: a comment whose key is taken is not new.
            let Some(id) = self.insert(&CommentRecord { parent, ..c.record.clone() }).await? else { continue };
            self.imported.borrow_mut().insert(c.import_key.clone(), id);
            new += 1;
        }
        Ok(new)
    }
    async fn duplicate_of(&self, post: &str, body_hash: &str, since: &str, manage_hash: &str) -> Result<Option<bool>, StoreError> {
        let comments = self.comments.borrow();
        if comments.iter().any(|(_, r)| r.manage_hash == manage_hash) {
            return Ok(Some(true));
        }
        Ok(comments.iter().any(|(c, r)| c.post == post && r.body_hash == body_hash && r.created_at.as_str() >= since).then_some(false))
    }
    async fn known_commenter(&self, email_hash: &str) -> Result<bool, StoreError> {
        Ok(self.comments.borrow().iter().any(|(c, r)| c.status == CommentStatus::Approved && r.email_hash.as_deref() == Some(email_hash)))
    }
    async fn edit(
        &self,
        id: i64,
        edited: &NewComment,
        body_html: &str,
        status: CommentStatus,
        _held: Option<&str>,
        _now: &str,
    ) -> Result<(), StoreError> {
        self.comments_changed();
        let (author, url, body) = (&edited.author, &edited.url, &edited.body);
        for (c, r) in self.comments.borrow_mut().iter_mut().filter(|(c, _)| c.id == id) {
            (c.author, c.url, c.body, c.body_html, c.status) = (author.clone(), url.clone(), body.clone(), body_html.into(), status);
            (r.author, r.url, r.body, r.body_html, r.status) = (author.clone(), url.clone(), body.clone(), body_html.into(), status);
        }
        Ok(())
    }
    async fn set_status(&self, id: i64, status: CommentStatus, _now: &str) -> Result<bool, StoreError> {
        self.comments_changed();
        let mut found = false;
        for (c, _) in self.comments.borrow_mut().iter_mut().filter(|(c, _)| c.id == id) {
            c.status = status;
            found = true;
        }
        Ok(found)
    }
    async fn delete(&self, id: i64) -> Result<bool, StoreError> {
        self.comments_changed();
        let mut comments = self.comments.borrow_mut();
        let before = comments.len();
        comments.retain(|(c, _)| c.id != id);
        Ok(comments.len() < before)
    }
    async fn by_status(&self, status: CommentStatus, limit: usize) -> Result<Vec<Comment>, StoreError> {
        Ok(self.comments.borrow().iter().rev().map(|(c, _)| c).filter(|c| c.status == status).take(limit).cloned().collect())
    }
    async fn recent_approved(&self, post: Option<&str>, limit: usize) -> Result<Vec<Comment>, StoreError> {
        let comments = self.comments.borrow();
        let approved = comments.iter().rev().map(|(c, _)| c).filter(|c| c.status == CommentStatus::Approved);
        Ok(approved.filter(|c| post.is_none_or(|p| c.post == p)).take(limit).cloned().collect())
    }
    async fn hits(&self, key: &str, _now: &str) -> Result<u32, StoreError> {
        Ok(self.hits.borrow().get(key).copied().unwrap_or(0))
    }
    async fn status_counts(&self) -> Result<HashMap<CommentStatus, u32>, StoreError> {
        let mut counts = HashMap::new();
        for (c, _) in self.comments.borrow().iter() {
            *counts.entry(c.status).or_insert(0) += 1;
        }
        Ok(counts)
    }
    async fn queue(&self, status: Option<CommentStatus>, limit: usize, offset: usize) -> Result<Vec<QueueEntry>, StoreError> {
        let comments = self.comments.borrow();
        Ok(comments
            .iter()
            .rev()
            .filter(|(c, _)| status.is_none_or(|s| c.status == s))
            .skip(offset)
            .take(limit)
            .map(|(c, r)| {
                let parent = c.parent.and_then(|p| comments.iter().find(|(pc, _)| pc.id == p));
                QueueEntry {
                    id: c.id,
                    post: c.post.clone(),
                    parent: c.parent,
                    author: c.author.clone(),
                    email: r.email.clone(),
                    url: c.url.clone(),
                    body: c.body.clone(),
                    body_html: c.body_html.clone(),
                    status: c.status,
                    held_reason: r.held_reason.clone(),
                    created_at: c.created_at.clone(),
                    parent_author: parent.map(|(p, _)| p.author.clone()),
                    parent_excerpt: parent.map(|(p, _)| p.body.chars().take(140).collect()),
                }
            })
            .collect())
    }
    async fn queue_entry(&self, id: i64) -> Result<Option<QueueEntry>, StoreError> {
        Ok(self.queue(None, usize::MAX, 0).await?.into_iter().find(|e| e.id == id))
    }
    async fn post_counts(&self) -> Result<Vec<PostCommentCounts>, StoreError> {
        let mut counts: BTreeMap<String, PostCommentCounts> = BTreeMap::new();
        for (c, _) in self.comments.borrow().iter() {
            let entry = counts.entry(c.post.clone()).or_insert(PostCommentCounts { post: c.post.clone(), approved: 0, pending: 0 });
            match c.status {
                CommentStatus::Approved => entry.approved += 1,
                CommentStatus::Pending => entry.pending += 1,
                _ => {}
            }
        }
        Ok(counts.into_values().collect())
    }
    async fn purge(&self, trash_before: &str, spam_before: &str, emails_before: &str, _now: &str) -> Result<Purged, StoreError> {
        self.comments_changed();
        let mut purged = Purged::default();
        let mut comments = self.comments.borrow_mut();
        comments.retain(|(c, _)| match c.status {
            CommentStatus::Trash if c.created_at.as_str() < trash_before => {
                purged.trash += 1;
                false
            }
            CommentStatus::Spam if c.created_at.as_str() < spam_before => {
                purged.spam += 1;
                false
            }
            _ => true,
        });
        for (c, r) in comments.iter_mut() {
            if r.email.is_some() && c.created_at.as_str() < emails_before {
                r.email = None;
                r.email_hash = None;
                purged.emails += 1;
            }
        }
        Ok(purged)
    }
    async fn hit(&self, key: &str, _expires_at: &str) -> Result<u32, StoreError> {
        let mut hits = self.hits.borrow_mut();
        let count = hits.entry(key.to_string()).or_insert(0);
        *count += 1;
        Ok(*count)
    }
}
