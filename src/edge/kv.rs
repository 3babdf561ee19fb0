//! Posts, pages and the site index in Workers KV.
//!
//! Keys: `post:<slug>` and `page:<slug>` hold a [`StoredDoc`] as JSON; the parts of the [`SiteIndex`] each have
//! their key ([`Part::key`]), and so does each [`Chunk`] of its posts and of each tag's
//! ([`chunk_key`](crate::core::index::chunk_key), [`tag_chunk_key`](crate::core::index::tag_chunk_key)); `index:version` holds their
//! version alone, so a request can tell that its cached copies are current with one small read, and within the cache
//! window (`CACHE_SECONDS`) with none. `salt:<day>` holds the day's salt of client keys, until just after the day.

use super::memo::{now_ms, Entries, Memo};
use crate::core::index::{Chunk, Part, SiteIndex, VERSION_KEY};
use crate::core::post::{Kind, StoredDoc};
use crate::core::slug::Slug;
use crate::store::{join_all, within_writes, ContentStore, PublishedDoc, StoreError};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use worker::{Env, KvStore};

/// How long the navigation of a post page may trust the cached index without checking its version.
const NAVIGATION_STALENESS_MS: u64 = 30_000;
/// KV edge-cache time for the parts of the index, safe because their version is checked after reading, and for its
/// chunks, whose keys name their version.
const INDEX_CACHE_TTL_SECONDS: u64 = 300;
/// Chunks and lists an isolate keeps parsed: those of the archive's pages where KV lacks their texts, of the sitemaps,
/// of later home pages or of tags.
const CHUNKS_KEPT: usize = 6;

/// A parsed part of the index and when its version was last confirmed.
struct Cached {
    index: Rc<SiteIndex>,
    confirmed_at_ms: u64,
}

thread_local! {
    /// The parsed parts of the index by `Part as usize`, reused by every request of this isolate while their
    /// version holds.
    static PARTS: RefCell<[Option<Cached>; 4]> = const { RefCell::new([None, None, None, None]) };
    /// The chunks this isolate read last, the newest last. A chunk's version is a hash of it, so a copy serves for as
    /// long as the index names it.
    static CHUNKS: RefCell<Vec<Rc<Chunk>>> = RefCell::default();
    /// Documents by KV key, read within the cache window.
    static DOCS: Entries<Rc<StoredDoc>> = RefCell::default();
    /// Counts this isolate's publishes, so that a read that began before one does not store what it read.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
}

pub struct KvContent {
    kv: Result<KvStore, String>,
    docs: Memo<Rc<StoredDoc>>,
    /// How long a part of the index is trusted without reading its version (the cache window, as for documents).
    index_window_ms: u64,
    /// The keys a publish may write and delete to store the index (`SiteConfig::index_writes`).
    index_writes: usize,
}

impl KvContent {
    /// `cache_seconds`: how long this isolate trusts a document it has read (see [`Memo`]).
    pub fn new(env: &worker::Env, cache_seconds: u64, index_writes: usize) -> KvContent {
        KvContent { kv: binding(env), docs: Memo::new(&DOCS, cache_seconds), index_window_ms: cache_seconds * 1000, index_writes }
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

fn parse_part(part: Part, text: &str) -> Result<SiteIndex, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{}: {e}", part.key())))
}

/// The cached part, if its version was confirmed less than `window_ms` ago.
fn confirmed_within(part: Part, window_ms: u64) -> Option<Rc<SiteIndex>> {
    let now = now_ms();
    PARTS
        .with(|c| c.borrow()[part as usize].as_ref().filter(|c| now.saturating_sub(c.confirmed_at_ms) < window_ms).map(|c| c.index.clone()))
}

impl KvContent {
    /// The text at `key`, from KV's edge cache for `cache_ttl` seconds if given.
    async fn read(&self, key: &str, cache_ttl: Option<u64>) -> Result<Option<String>, StoreError> {
        let mut get = self.kv()?.get(key);
        if let Some(ttl) = cache_ttl {
            get = get.cache_ttl(ttl);
        }
        get.text().await.map_err(unavailable)
    }

    /// A part as KV holds it; `None` when the key is missing (an index written before parts existed).
    async fn read_part(&self, part: Part, cache_ttl: Option<u64>) -> Result<Option<SiteIndex>, StoreError> {
        let Some(text) = self.read(part.key(), cache_ttl).await? else { return Ok(None) };
        parse_part(part, &text).map(Some)
    }

    /// What names the chunks KV holds (see `SiteIndex::stored_names`).
    async fn stored_names(&self) -> Result<SiteIndex, StoreError> {
        Ok(SiteIndex::stored_names(self.stored_part(Part::Front).await?, self.stored_part(Part::Tags).await?))
    }

    /// A part as stored, to publish over it: one that does not parse names nothing (the publish writes it anew), but a
    /// KV that does not answer stops the publish.
    async fn stored_part(&self, part: Part) -> Result<Option<SiteIndex>, StoreError> {
        match self.read_part(part, None).await {
            Err(StoreError::Corrupt(_)) => Ok(None),
            read => read,
        }
    }

    /// The part at `version`, if KV holds it: a copy edge-cached for `INDEX_CACHE_TTL_SECONDS` may predate it, and
    /// then it is read again without `cacheTtl` (KV's own edge cache then holds it at most 60 s). `None` when the part
    /// is missing or of another version (written by a publish that knew no parts).
    async fn read_current(&self, part: Part, version: &str) -> Result<Option<SiteIndex>, StoreError> {
        for ttl in [Some(INDEX_CACHE_TTL_SECONDS), None] {
            if let Some(index) = self.read_part(part, ttl).await?.filter(|i| i.version == version) {
                return Ok(Some(index));
            }
        }
        Ok(None)
    }
}

impl ContentStore for KvContent {
    async fn doc(&self, kind: Kind, slug: &Slug) -> Result<Option<Rc<StoredDoc>>, StoreError> {
        let key = StoredDoc::key(kind, slug);
        if let Some(doc) = self.docs.get(&key) {
            return Ok(Some(doc));
        }
        let Some(text) = self.kv()?.get(&key).text().await.map_err(unavailable)? else {
            return Ok(None);
        };
        let doc = Rc::new(StoredDoc::from_json(&text).map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))?);
        self.docs.put(&key, doc.clone());
        Ok(Some(doc))
    }

    async fn index(&self, part: Part) -> Result<Rc<SiteIndex>, StoreError> {
        if let Some(index) = confirmed_within(part, self.index_window_ms) {
            return Ok(index);
        }
        let slot = part as usize;
        let generation = GENERATION.get();
        let held = PARTS.with(|c| c.borrow()[slot].as_ref().map(|c| c.index.clone()));
        let index = 'read: {
            // With no copy to confirm (a fresh isolate), the part is read with the version, at once: one round trip.
            let (version, read) = match held {
                Some(_) => (self.read(VERSION_KEY, None).await?, None),
                None => {
                    let reads = join_all([self.read(VERSION_KEY, None), self.read(part.key(), Some(INDEX_CACHE_TTL_SECONDS))]);
                    let mut reads = reads.await.into_iter();
                    let mut next = || reads.next().transpose().map(Option::flatten);
                    (next()?, next()?)
                }
            };
            let Some(version) = version else { return Ok(Rc::default()) };
            let read = read.map(|text| parse_part(part, &text)).transpose()?.map(Rc::new);
            if let Some(index) = held.or(read).filter(|index| index.version == version) {
                break 'read index;
            }
            if let Some(index) = self.read_current(part, &version).await? {
                break 'read Rc::new(index);
            }
            // Written by a publish that knew no parts: the part is cut from the whole until the next publish.
            if let Some(whole) = self.read_current(Part::Whole, &version).await? {
                break 'read Rc::new(whole.part(part));
            }
            // KV here has not caught up with the version it showed: serve the newest whole, unconfirmed.
            let whole = self.read_part(Part::Whole, None).await?;
            let whole = whole.ok_or_else(|| StoreError::Corrupt(format!("{}: missing", Part::Whole.key())))?;
            return Ok(Rc::new(whole.part(part)));
        };
        // A publish through this isolate while this request waited on KV has cleared the parts; keep its clearing.
        if GENERATION.get() == generation {
            PARTS.with(|c| c.borrow_mut()[slot] = Some(Cached { index: index.clone(), confirmed_at_ms: now_ms() }));
        }
        Ok(index)
    }

    async fn chunks(&self, named: &[(String, &str)]) -> Result<Option<Vec<Rc<Chunk>>>, StoreError> {
        let kept: Vec<_> =
            named.iter().map(|(_, version)| CHUNKS.with(|c| c.borrow().iter().find(|c| c.version == *version).cloned())).collect();
        // The others in one round trip. Their keys name their versions, so an edge-cached copy is never stale.
        let missing: Vec<&str> = named.iter().zip(&kept).filter(|(_, kept)| kept.is_none()).map(|((key, _), _)| key.as_str()).collect();
        let mut read = join_all(missing.iter().map(|key| self.read(key, Some(INDEX_CACHE_TTL_SECONDS)))).await.into_iter();
        let mut chunks = Vec::new();
        for ((_, version), kept) in named.iter().zip(kept) {
            if let Some(chunk) = kept {
                chunks.push(chunk);
                continue;
            }
            // One that is missing (not yet seen here, or lost), does not parse, or holds another chunk counts as
            // absent (see `ContentStore::chunks`).
            let text = read.next().transpose()?.flatten();
            let Some(chunk) = text.and_then(|t| serde_json::from_str::<Chunk>(&t).ok()).filter(|c| c.version == *version) else {
                return Ok(None);
            };
            let chunk = Rc::new(chunk);
            CHUNKS.with(|c| {
                let mut kept = c.borrow_mut();
                // Another request of this isolate may have kept it while this one waited.
                if kept.iter().any(|c| c.version == chunk.version) {
                    return;
                }
                if kept.len() >= CHUNKS_KEPT {
                    kept.remove(0);
                }
                kept.push(chunk.clone());
            });
            chunks.push(chunk);
        }
        Ok(Some(chunks))
    }

    async fn archive_texts(&self, keys: &[String]) -> Result<Option<Vec<String>>, StoreError> {
        // Their keys name their versions, so an edge-cached copy is never stale.
        let mut texts = Vec::new();
        for text in join_all(keys.iter().map(|key| self.read(key, Some(INDEX_CACHE_TTL_SECONDS)))).await {
            let Some(text) = text? else { return Ok(None) };
            texts.push(text);
        }
        Ok(Some(texts))
    }

    async fn navigation(&self) -> Result<Rc<SiteIndex>, StoreError> {
        match confirmed_within(Part::Front, NAVIGATION_STALENESS_MS.max(self.index_window_ms)) {
            Some(index) => Ok(index),
            None => self.index(Part::Front).await,
        }
    }

    /// The daily housekeeping draws each day's salt the day before, so requests find it. Where none is found (the
    /// first day, a day the cron missed, a KV that does not answer), one is drawn for the request and stored if KV
    /// takes it; KV caches a miss for up to a minute where it was read, and until then each request there draws its
    /// own and counts start over. A KV that does not answer never stops a comment or a sign-in.
    async fn daily_salt(&self, day: &str, expires_at: i64) -> Result<String, StoreError> {
        let key = format!("salt:{day}");
        if let Ok(Some(salt)) = self.read(&key, None).await {
            return Ok(salt);
        }
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).map_err(|e| StoreError::Unavailable(format!("randomness: {e}")))?;
        let salt = hex::encode(random);
        if let Ok(put) = self.kv()?.put_bytes(&key, salt.as_bytes()) {
            let _ = put.expiration(expires_at as u64).execute().await;
        }
        Ok(salt)
    }

    async fn put_docs(&self, docs: &[PublishedDoc]) -> Result<(), StoreError> {
        let kv = self.kv()?;
        for d in docs {
            let json = serde_json::to_string(&d.doc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let key = StoredDoc::key(d.doc.kind, &d.summary.slug);
            // As bytes: `put` would send the text through serde_wasm_bindgen, whose serializer is 0.3 KB of upload.
            kv.put_bytes(&key, json.as_bytes()).map_err(unavailable)?.execute().await.map_err(unavailable)?;
            self.docs.forget(&key);
        }
        Ok(())
    }

    async fn delete_doc(&self, kind: Kind, slug: &Slug) -> Result<(), StoreError> {
        let key = StoredDoc::key(kind, slug);
        self.docs.forget(&key);
        self.kv()?.delete(&key).await.map_err(unavailable)
    }

    async fn put_index(&self, index: &SiteIndex, spent: usize) -> Result<usize, StoreError> {
        let kv = self.kv()?;
        // The chunks the stored index names are not written again: KV counts every key written, and most publishes
        // change the newest chunk of the site and of a few tags alone.
        let stored = self.stored_names().await?;
        let writes = within_writes(index, &stored, self.index_writes, spent)?;
        // First the chunks retired long enough ago (see `SiteIndex::retiring`), as many as this request may still
        // delete: neither index names them, and a publish cut short leaves them named as retired for the next. Those
        // only the stored index names are retired by this one, and stay for readers still on it.
        let expired = index.expired(&stored, self.index_writes.saturating_sub(spent + writes));
        for key in &expired {
            kv.delete(key).await.map_err(unavailable)?;
        }
        // Then in order, the version last: a reader who sees the new version must find the new parts and chunks.
        for (key, value) in index.stored(&stored, &expired).map_err(|e| StoreError::Corrupt(e.to_string()))? {
            kv.put_bytes(&key, value.as_bytes()).map_err(unavailable)?.execute().await.map_err(unavailable)?;
        }
        // The author sees their own publish at once.
        PARTS.with(|c| *c.borrow_mut() = Default::default());
        GENERATION.set(GENERATION.get() + 1);
        Ok(writes + expired.len())
    }

    async fn check_index(&self, index: &SiteIndex) -> Result<(), StoreError> {
        within_writes(index, &self.stored_names().await?, self.index_writes, 0).map(|_| ())
    }
}
