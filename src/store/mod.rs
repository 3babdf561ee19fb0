//! What the use cases need from storage, as traits; the edge implements them on KV and D1.

/// Reads asked for at once, for the stores at the edge (here, so that it is tested on the host).
mod join;
pub mod memory;

pub use join::{join3, join_all};

use crate::core::comment::{Comment, CommentStatus, NewComment};
use crate::core::index::{Chunk, Part, SiteIndex};
use crate::core::post::{Kind, PostSummary, StoredDoc};
use crate::core::slug::Slug;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::rc::Rc;

/// Times in D1 are this text; stores and their callers take it from here.
pub use crate::core::date::db_time;

/// A storage failure. Messages are for logs, never for readers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The binding is missing or the backend did not answer.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The backend answered with data that does not parse.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Storing the index would take more writes than the store allows one request; nothing was written.
    #[error("storing the site's index would write or delete {needed} keys, more than the {limit} a publish through the worker may")]
    TooManyWrites { needed: usize, limit: usize },
    /// Other requests kept writing to the catalog while a publish stored the index (`App::store_index`): the
    /// publish's own writes are done, but the stored index may leave out one of them.
    #[error(
        "other publishes kept changing the catalog while this one stored the site's index. This change is saved, but the \
         lists may leave it or one made at the same moment out until the next publish that changes a file, or the \
         daily clean-up at 03:17 UTC: publish fewer files at once"
    )]
    Contended,
}

/// The writes storing `index` over `stored` takes (see [`SiteIndex::stored_names`]); refused when that is more than
/// `limit` less what the request has `spent`. (The deletes of retired chunks fill what room is left.)
pub fn within_writes(index: &SiteIndex, stored: &SiteIndex, limit: usize, spent: usize) -> Result<usize, StoreError> {
    match index.writes(stored) {
        needed if needed + spent > limit => Err(StoreError::TooManyWrites { needed, limit: limit.saturating_sub(spent) }),
        needed => Ok(needed),
    }
}

impl StoreError {
    /// The catalog table is there but its one row is not.
    pub fn no_revision() -> StoreError {
        StoreError::Corrupt(
            "the catalog table has no row; add it with `wrangler d1 execute DB --command \"INSERT INTO catalog (id, revision) VALUES (1, 0)\"`".into(),
        )
    }
}

/// The catalog's summaries at one revision.
#[derive(Debug, Clone, Default)]
pub struct Summaries {
    pub summaries: Vec<PostSummary>,
    pub revision: i64,
}

/// A document to publish, with everything derived from it.
#[derive(Debug, Clone)]
pub struct PublishedDoc {
    pub doc: StoredDoc,
    pub summary: PostSummary,
    /// Plain text for full-text search.
    pub text: String,
}

/// One search result as stored.
#[derive(Debug, Clone)]
pub struct SearchRow {
    pub summary: PostSummary,
    /// Matched text with `SNIPPET_OPEN`/`SNIPPET_CLOSE` around the hits.
    pub snippet: String,
}

/// Private-use characters that mark search hits in snippets, so they cannot collide with text.
pub const SNIPPET_OPEN: char = '\u{E000}';
pub const SNIPPET_CLOSE: char = '\u{E001}';

/// Post and page bodies plus the site index (Workers KV at the edge).
#[allow(async_fn_in_trait)]
pub trait ContentStore {
    async fn doc(&self, kind: Kind, slug: &Slug) -> Result<Option<Rc<StoredDoc>>, StoreError>;
    /// A part of the current index; an empty one when nothing was ever published.
    async fn index(&self, part: Part) -> Result<Rc<SiteIndex>, StoreError>;
    /// The front of the index for the navigation of a single post or page: may be a few seconds old, so that such
    /// a page usually costs one storage read.
    async fn navigation(&self) -> Result<Rc<SiteIndex>, StoreError> {
        self.index(Part::Front).await
    }
    /// The chunks at `named` (key and version: [`chunk_key`](crate::core::index::chunk_key),
    /// [`list_key`](crate::core::index::list_key) or [`tag_chunk_key`](crate::core::index::tag_chunk_key)), asked for
    /// at once, if the store holds each at its version; `None` when it holds another or none of one (one written by an
    /// older release, or not yet seen here), and the caller reads the chunks in place of their lists, or cuts them from
    /// the whole index.
    async fn chunks(&self, named: &[(String, &str)]) -> Result<Option<Vec<Rc<Chunk>>>, StoreError>;
    /// The archive texts at `keys` ([`archive_key`](crate::core::archive::archive_key): keys that name their
    /// version), asked for at once; `None` when the store lacks one.
    async fn archive_texts(&self, keys: &[String]) -> Result<Option<Vec<String>>, StoreError>;
    /// The random salt of client keys on `day` ([`client_key`](crate::core::moderation::client_key)): the one
    /// stored, or a new one drawn and stored until `expires_at` (Unix seconds), after which the store deletes it for
    /// good. KV at the edge, not D1, whose Time Travel could bring it back for 30 days.
    async fn daily_salt(&self, day: &str, expires_at: i64) -> Result<String, StoreError>;
    async fn put_docs(&self, docs: &[PublishedDoc]) -> Result<(), StoreError>;
    async fn delete_doc(&self, kind: Kind, slug: &Slug) -> Result<(), StoreError>;
    /// Stores the index: deletes the chunks retired long enough ago that this index does not name, as many as the
    /// store's limit per request leaves room for ([`SiteIndex::expired`]), then writes the chunks the index stored
    /// before did not name, and its parts. Returns the keys it wrote and deleted against that limit (none, for a store
    /// without one); refuses, writing nothing, when its writes alone would pass the limit less the `spent` this
    /// request already wrote ([`StoreError::TooManyWrites`]).
    async fn put_index(&self, index: &SiteIndex, spent: usize) -> Result<usize, StoreError>;
    /// Refuses an index that `put_index` could not store in one go ([`StoreError::TooManyWrites`]), so that a
    /// publish can be refused before it writes anything. A store without such a limit takes any.
    async fn check_index(&self, _index: &SiteIndex) -> Result<(), StoreError> {
        Ok(())
    }
}

/// The catalog of published documents and their search text (D1 at the edge): the source every index is built
/// from. Its revision counts the writes it has taken, so that a publish can tell whether the index it built still
/// holds every document (`App::store_index`).
#[allow(async_fn_in_trait)]
pub trait Catalog {
    /// Writes documents; moves the revision on by one, with the write.
    async fn upsert(&self, docs: &[PublishedDoc]) -> Result<(), StoreError>;
    /// Removes a document; false when there was none. Moves the revision on by one, with the write.
    async fn remove(&self, kind: Kind, slug: &Slug) -> Result<bool, StoreError>;
    /// Every summary, read at one revision.
    async fn summaries(&self) -> Result<Summaries, StoreError>;
    async fn revision(&self) -> Result<i64, StoreError>;
    /// Published posts matching an FTS5 query, best first.
    async fn search(&self, fts_query: &str, now: DateTime<Utc>, limit: usize) -> Result<Vec<SearchRow>, StoreError>;
}

/// A comment to store, with everything derived from it. Holds no client address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRecord {
    pub post: String,
    pub parent: Option<i64>,
    pub author: String,
    pub email: Option<String>,
    pub email_hash: Option<String>,
    pub url: Option<String>,
    pub body: String,
    pub body_html: String,
    pub status: CommentStatus,
    pub held_reason: Option<String>,
    pub created_at: String,
    pub manage_hash: String,
    pub body_hash: String,
}

/// An imported comment to store once: `import_key` identifies it, `parent_key` the comment it replies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub record: CommentRecord,
    pub import_key: String,
    pub parent_key: Option<String>,
}

/// A comment as the moderator sees it: with its email, why it was held, and what it replies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub id: i64,
    pub post: String,
    pub parent: Option<i64>,
    pub author: String,
    pub email: Option<String>,
    pub url: Option<String>,
    pub body: String,
    pub body_html: String,
    pub status: CommentStatus,
    pub held_reason: Option<String>,
    pub created_at: String,
    pub parent_author: Option<String>,
    pub parent_excerpt: Option<String>,
}

/// A page of a post's comment threads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentPage {
    pub comments: Vec<Comment>,
    /// Approved comments on the post, replies included.
    pub total: u32,
    /// Threads of the post with an approved comment.
    pub threads: u32,
    /// Two reads of the same page of the same post with the same snapshot hold the same comments, so what is
    /// made from one can be reused for the other; `None` when the store cannot tell.
    pub snapshot: Option<u64>,
}

impl CommentPage {
    /// How many pages of `per_page` threads the post's comments fill; an empty thread is still one page.
    pub fn pages(&self, per_page: usize) -> usize {
        (self.threads as usize).div_ceil(per_page.max(1)).max(1)
    }
}

/// Comment counts of one post for the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostCommentCounts {
    pub post: String,
    pub approved: u32,
    pub pending: u32,
}

/// What a housekeeping run removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    pub trash: usize,
    pub spam: usize,
    pub emails: usize,
    pub rate_limits: usize,
}

/// Comments and the comment form's rate limits (D1 at the edge).
#[allow(async_fn_in_trait)]
pub trait CommentStore {
    /// One page of a post's approved comments: `threads` threads from `offset` (newest first by their first
    /// comment), each with every approved comment in it, in time order; and the post's totals. A thread is listed
    /// while any of its comments is approved, so replies outlive the comment they answer.
    async fn approved_page(&self, post: &str, threads: usize, offset: usize) -> Result<Rc<CommentPage>, StoreError>;
    /// Approved comment counts of these posts (absent means none).
    async fn approved_counts(&self, posts: &[&str]) -> Result<HashMap<String, u32>, StoreError>;
    async fn comment(&self, id: i64) -> Result<Option<Comment>, StoreError>;
    async fn by_manage_hash(&self, manage_hash: &str) -> Result<Option<Comment>, StoreError>;
    /// Stores a comment and returns its id, or `None` when a comment with its `manage_hash` is stored already (the same
    /// form sent twice at once: the other request stored it).
    async fn insert(&self, record: &CommentRecord) -> Result<Option<i64>, StoreError>;
    /// Stores imported comments in order, each at most once: one whose `import_key` is stored already is left
    /// alone, and `parent_key` becomes the id of the stored comment with that key. Returns how many were new.
    async fn import(&self, comments: &[ImportRecord]) -> Result<usize, StoreError>;
    /// Whether a comment was stored with `manage_hash` (the same form sent again, at any time: `Some(true)`), or else
    /// on `post` with this body hash at or after `since` (`Some(false)`).
    async fn duplicate_of(&self, post: &str, body_hash: &str, since: &str, manage_hash: &str) -> Result<Option<bool>, StoreError>;
    /// Whether a comment with this email hash was ever approved.
    async fn known_commenter(&self, email_hash: &str) -> Result<bool, StoreError>;
    /// Saves an edit of a comment: its text, and the name and website it is shown with (a moderator may change those,
    /// to take out what identifies someone; a commenter's own edit keeps them).
    async fn edit(
        &self,
        id: i64,
        edited: &NewComment,
        body_html: &str,
        status: CommentStatus,
        held_reason: Option<&str>,
        now: &str,
    ) -> Result<(), StoreError>;
    async fn set_status(&self, id: i64, status: CommentStatus, now: &str) -> Result<bool, StoreError>;
    async fn delete(&self, id: i64) -> Result<bool, StoreError>;
    /// Comments with this status, newest first.
    async fn by_status(&self, status: CommentStatus, limit: usize) -> Result<Vec<Comment>, StoreError>;
    /// The newest approved comments, of one post or of all.
    async fn recent_approved(&self, post: Option<&str>, limit: usize) -> Result<Vec<Comment>, StoreError>;
    /// Counts one more hit on a rate-limit key that expires at `expires_at`; returns the count so far.
    async fn hit(&self, key: &str, expires_at: &str) -> Result<u32, StoreError>;
    /// The hits on a rate-limit key that has not expired by `now`.
    async fn hits(&self, key: &str, now: &str) -> Result<u32, StoreError>;
    /// The number of comments in each status.
    async fn status_counts(&self) -> Result<HashMap<CommentStatus, u32>, StoreError>;
    /// The moderation queue: comments with a status (or of any status), newest first.
    async fn queue(&self, status: Option<CommentStatus>, limit: usize, offset: usize) -> Result<Vec<QueueEntry>, StoreError>;
    /// One comment as the moderator sees it.
    async fn queue_entry(&self, id: i64) -> Result<Option<QueueEntry>, StoreError>;
    /// Approved and pending counts of every post that has comments.
    async fn post_counts(&self) -> Result<Vec<PostCommentCounts>, StoreError>;
    /// Empties trash and spam last changed before the given times, removes emails of comments created
    /// before `emails_before`, and drops expired rate-limit rows.
    async fn purge(&self, trash_before: &str, spam_before: &str, emails_before: &str, now: &str) -> Result<Purged, StoreError>;
}
