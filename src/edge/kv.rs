//! Posts, pages and the site index in Workers KV.
//!
//! Keys: `post:<slug>` and `page:<slug>` hold a [`StoredDoc`] as JSON; `index` holds the [`SiteIndex`];
//! `index:version` holds its version alone, so a request can tell that its cached copy is current
//! with one small read.

use crate::core::index::SiteIndex;
use crate::core::post::{Kind, StoredDoc};
use crate::core::slug::Slug;
use crate::store::{ContentStore, PublishedDoc, StoreError};
use std::cell::RefCell;
use std::rc::Rc;
use worker::{Env, KvStore};

const INDEX_KEY: &str = "index";
const INDEX_VERSION_KEY: &str = "index:version";

thread_local! {
    /// The parsed index, reused by every request of this isolate while its version holds.
    static INDEX: RefCell<Option<Rc<SiteIndex>>> = const { RefCell::new(None) };
}

pub struct KvContent {
    kv: Result<KvStore, String>,
}

impl KvContent {
    pub fn new(env: &worker::Env) -> KvContent {
        KvContent { kv: binding(env) }
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

impl ContentStore for KvContent {
    async fn doc(&self, kind: Kind, slug: &Slug) -> Result<Option<StoredDoc>, StoreError> {
        let key = StoredDoc::key(kind, slug);
        let Some(text) = self.kv()?.get(&key).text().await.map_err(unavailable)? else {
            return Ok(None);
        };
        serde_json::from_str(&text).map(Some).map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))
    }

    async fn index(&self) -> Result<Rc<SiteIndex>, StoreError> {
        let kv = self.kv()?;
        let Some(version) = kv.get(INDEX_VERSION_KEY).text().await.map_err(unavailable)? else {
            return Ok(Rc::new(SiteIndex::default()));
        };
        if let Some(cached) = INDEX.with(|c| c.borrow().clone()).filter(|i| i.version == version) {
            return Ok(cached);
        }
        let text = kv.get(INDEX_KEY).text().await.map_err(unavailable)?.unwrap_or_default();
        let index: SiteIndex = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{INDEX_KEY}: {e}")))?;
        let index = Rc::new(index);
        INDEX.with(|c| *c.borrow_mut() = Some(index.clone()));
        Ok(index)
    }

    async fn put_docs(&self, docs: &[PublishedDoc]) -> Result<(), StoreError> {
        let kv = self.kv()?;
        for d in docs {
            let json = serde_json::to_string(&d.doc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            kv.put(&StoredDoc::key(d.doc.kind, &d.summary.slug), json).map_err(unavailable)?.execute().await.map_err(unavailable)?;
        }
        Ok(())
    }

    async fn delete_doc(&self, kind: Kind, slug: &Slug) -> Result<(), StoreError> {
        self.kv()?.delete(&StoredDoc::key(kind, slug)).await.map_err(unavailable)
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
