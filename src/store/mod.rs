//! What the use cases need from storage, as traits; the edge implements them on KV and D1.

pub mod memory;

use crate::core::index::SiteIndex;
use crate::core::post::{Kind, PostSummary, StoredDoc};
use crate::core::slug::Slug;
use chrono::{DateTime, Utc};
use std::rc::Rc;

/// A storage failure. Messages are for logs, never for readers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The binding is missing or the backend did not answer.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The backend answered with data that does not parse.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
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
    async fn doc(&self, kind: Kind, slug: &Slug) -> Result<Option<StoredDoc>, StoreError>;
    /// The current index; an empty one when nothing was ever published.
    async fn index(&self) -> Result<Rc<SiteIndex>, StoreError>;
    async fn put_docs(&self, docs: &[PublishedDoc]) -> Result<(), StoreError>;
    async fn delete_doc(&self, kind: Kind, slug: &Slug) -> Result<(), StoreError>;
    async fn put_index(&self, index: &SiteIndex) -> Result<(), StoreError>;
}

/// The catalog of published documents and their search text (D1 at the edge): the source the index is
/// rebuilt from, so that concurrent publishes cannot lose each other's lines.
#[allow(async_fn_in_trait)]
pub trait Catalog {
    async fn upsert(&self, docs: &[PublishedDoc]) -> Result<(), StoreError>;
    /// Removes a document; false when there was none.
    async fn remove(&self, kind: Kind, slug: &Slug) -> Result<bool, StoreError>;
    async fn summaries(&self) -> Result<Vec<PostSummary>, StoreError>;
    /// Published posts matching an FTS5 query, best first.
    async fn search(&self, fts_query: &str, now: DateTime<Utc>, limit: usize) -> Result<Vec<SearchRow>, StoreError>;
}

/// Dates as stored in D1: fixed-width UTC text, so that string order is time order.
pub fn db_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
