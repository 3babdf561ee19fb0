//! In-memory stores for unit tests of the use cases.

use super::{Catalog, ContentStore, PublishedDoc, SearchRow, StoreError, SNIPPET_CLOSE, SNIPPET_OPEN};
use crate::core::index::SiteIndex;
use crate::core::post::{Kind, PostSummary, StoredDoc};
use crate::core::slug::Slug;
use chrono::{DateTime, Utc};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Content and catalog in one, kept in maps.
#[derive(Default)]
pub struct MemoryStore {
    docs: RefCell<BTreeMap<(String, String), StoredDoc>>,
    index: RefCell<Rc<SiteIndex>>,
    catalog: RefCell<BTreeMap<(String, String), (PostSummary, String)>>,
    /// Counts every write, so tests can tell that a repeated publish wrote nothing.
    pub writes: RefCell<usize>,
}

fn key(kind: Kind, slug: &Slug) -> (String, String) {
    (kind.as_str().to_string(), slug.to_string())
}

impl ContentStore for MemoryStore {
    async fn doc(&self, kind: Kind, slug: &Slug) -> Result<Option<StoredDoc>, StoreError> {
        Ok(self.docs.borrow().get(&key(kind, slug)).cloned())
    }
    async fn index(&self) -> Result<Rc<SiteIndex>, StoreError> {
        Ok(self.index.borrow().clone())
    }
    async fn put_docs(&self, docs: &[PublishedDoc]) -> Result<(), StoreError> {
        for d in docs {
            *self.writes.borrow_mut() += 1;
            self.docs.borrow_mut().insert(key(d.doc.kind, &d.summary.slug), d.doc.clone());
        }
        Ok(())
    }
    async fn delete_doc(&self, kind: Kind, slug: &Slug) -> Result<(), StoreError> {
        *self.writes.borrow_mut() += 1;
        self.docs.borrow_mut().remove(&key(kind, slug));
        Ok(())
    }
    async fn put_index(&self, index: &SiteIndex) -> Result<(), StoreError> {
        *self.writes.borrow_mut() += 1;
        *self.index.borrow_mut() = Rc::new(index.clone());
        Ok(())
    }
}

impl Catalog for MemoryStore {
    async fn upsert(&self, docs: &[PublishedDoc]) -> Result<(), StoreError> {
        for d in docs {
            *self.writes.borrow_mut() += 1;
            self.catalog
                .borrow_mut()
                .insert(key(d.summary.kind, &d.summary.slug), (d.summary.clone(), d.text.clone()));
        }
        Ok(())
    }
    async fn remove(&self, kind: Kind, slug: &Slug) -> Result<bool, StoreError> {
        *self.writes.borrow_mut() += 1;
        Ok(self.catalog.borrow_mut().remove(&key(kind, slug)).is_some())
    }
    async fn summaries(&self) -> Result<Vec<PostSummary>, StoreError> {
        Ok(self.catalog.borrow().values().map(|(s, _)| s.clone()).collect())
    }
    async fn search(&self, fts_query: &str, now: DateTime<Utc>, limit: usize) -> Result<Vec<SearchRow>, StoreError> {
        // A rough stand-in for FTS5: every quoted term must prefix a word of the title or text.
        let terms: Vec<String> = fts_query
            .split_whitespace()
            .map(|t| t.trim_matches(|c| c == '"' || c == '*').to_string())
            .collect();
        let catalog = self.catalog.borrow();
        Ok(catalog
            .values()
            .filter(|(s, _)| s.kind == Kind::Post && s.is_visible(now))
            .filter(|(s, text)| {
                let haystack = format!("{} {}", s.title, text).to_lowercase();
                terms
                    .iter()
                    .all(|t| haystack.split(|c: char| !c.is_alphanumeric()).any(|w| w.starts_with(t.as_str())))
            })
            .take(limit)
            .map(|(s, text)| SearchRow {
                summary: s.clone(),
                snippet: format!("{SNIPPET_OPEN}{}{SNIPPET_CLOSE}", text.chars().take(80).collect::<String>()),
            })
            .collect())
    }
}
