//! Posts, pages and the site index in Workers KV.
//!
//! Keys: `post:<slug>` and `page:<slug>` hold a [`StoredDoc`] as JSON; `index` holds the [`SiteIndex`];
//! `index:version` holds its version alone, so a request can tell that its cached copy is current
//! with one small read.

use super::memo::{now_ms, Entries, Memo};
use crate::core::index::SiteIndex;
use crate::core::post::{Kind, StoredDoc};
use crate::core::slug::Slug;
use crate::store::{ContentStore, PublishedDoc, StoreError};
use std::cell::RefCell;
use std::rc::Rc;
use worker::{Env, KvStore};

const INDEX_KEY: &str = "index";
const INDEX_VERSION_KEY: &str = "index:version";

/// How long the navigation of a post page may trust the cached index without checking its version.
const NAVIGATION_STALENESS_MS: u64 = 30_000;
/// KV edge-cache time for the index document; safe because its version is checked after reading.
const INDEX_CACHE_TTL_SECONDS: u64 = 300;

/// The parsed index and when its version was last confirmed.
struct Cached {
    index: Rc<SiteIndex>,
    confirmed_at_ms: u64,
}

thread_local! {
    /// The parsed index, reused by every request of this isolate while its version holds.
    static INDEX: RefCell<Option<Cached>> = const { RefCell::new(None) };
    /// Documents by KV key, read within the cache window.
    static DOCS: Entries<StoredDoc> = RefCell::default();
}

pub struct KvContent {
    kv: Result<KvStore, String>,
    docs: Memo<StoredDoc>,
}

impl KvContent {
    /// `cache_seconds`: how long this isolate trusts a document it has read (see [`Memo`]).
    pub fn new(env: &worker::Env, cache_seconds: u64) -> KvContent {
        KvContent { kv: binding(env), docs: Memo::new(&DOCS, cache_seconds) }
    }

    fn kv(&self) -> Result<&KvStore, StoreError> {
        self.kv.as_ref().map_err(|e| StoreError::Unavailable(e.clone()))
    }
}

fn binding(env: &Env) -> Result<KvStore, String> {
    env.kv("POSTS").map_err(|e| format!("KV binding POSTS: {e}"))
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("KV: {e}"))
}

impl KvContent {
    async fn read_index(&self, cache_ttl: Option<u64>) -> Result<SiteIndex, StoreError> {
        let mut get = self.kv()?.get(INDEX_KEY);
        if let Some(ttl) = cache_ttl {
            get = get.cache_ttl(ttl);
        }
        let text = get.text().await.map_err(unavailable)?.unwrap_or_default();
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{INDEX_KEY}: {e}")))
    }
}

impl ContentStore for KvContent {
    async fn doc(&self, kind: Kind, slug: &Slug) -> Result<Option<StoredDoc>, StoreError> {
        let key = StoredDoc::key(kind, slug);
        if let Some(doc) = self.docs.get(&key) {
            return Ok(Some(doc));
        }
        let Some(text) = self.kv()?.get(&key).text().await.map_err(unavailable)? else {
            return Ok(None);
        };
        let doc: StoredDoc = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))?;
        self.docs.put(&key, doc.clone());
        Ok(Some(doc))
    }

    async fn index(&self) -> Result<Rc<SiteIndex>, StoreError> {
        let kv = self.kv()?;
        let Some(version) = kv.get(INDEX_VERSION_KEY).text().await.map_err(unavailable)? else {
            return Ok(Rc::new(SiteIndex::default()));
        };
        let cached = INDEX.with(|c| c.borrow().as_ref().filter(|c| c.index.version == version).map(|c| c.index.clone()));
        let index = match cached {
            Some(index) => index,
            None => {
                // An edge-cached copy may predate this version; then read past the cache.
                let mut index = self.read_index(Some(INDEX_CACHE_TTL_SECONDS)).await?;
                if index.version != version {
                    index = self.read_index(None).await?;
                }
                Rc::new(index)
            }
        };
        INDEX.with(|c| *c.borrow_mut() = Some(Cached { index: index.clone(), confirmed_at_ms: now_ms() }));
        Ok(index)
    }

    async fn navigation(&self) -> Result<Rc<SiteIndex>, StoreError> {
        let fresh = INDEX.with(|c| {
            c.borrow().as_ref().filter(|c| now_ms().saturating_sub(c.confirmed_at_ms) < NAVIGATION_STALENESS_MS).map(|c| c.index.clone())
        });
        match fresh {
            Some(index) => Ok(index),
            None => self.index().await,
        }
    }

    async fn put_docs(&self, docs: &[PublishedDoc]) -> Result<(), StoreError> {
        let kv = self.kv()?;
        for d in docs {
            let json = serde_json::to_string(&d.doc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let key = StoredDoc::key(d.doc.kind, &d.summary.slug);
            kv.put(&key, json).map_err(unavailable)?.execute().await.map_err(unavailable)?;
            self.docs.forget(&key);
        }
        Ok(())
    }

    async fn delete_doc(&self, kind: Kind, slug: &Slug) -> Result<(), StoreError> {
        let key = StoredDoc::key(kind, slug);
        self.docs.forget(&key);
        self.kv()?.delete(&key).await.map_err(unavailable)
    }

    async fn put_index(&self, index: &SiteIndex) -> Result<(), StoreError> {
        let kv = self.kv()?;
        let json = serde_json::to_string(index).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // The index first: a reader who sees the new version must find the new index.
        kv.put(INDEX_KEY, json).map_err(unavailable)?.execute().await.map_err(unavailable)?;
        kv.put(INDEX_VERSION_KEY, index.version.clone()).map_err(unavailable)?.execute().await.map_err(unavailable)?;
        Ok(())
    }
}
