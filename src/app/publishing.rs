//! Publishing use cases: a file becomes a stored document, a catalog row and a line of the index.

use super::{App, AppError, Published};
use crate::core::index::{Part, SiteIndex};
use crate::core::post::{Kind, Post, PostSummary, StoredDoc};
use crate::core::slug::Slug;
use crate::store::{Catalog, ContentStore, PublishedDoc, StoreError, Summaries};

impl<C: ContentStore, D: Catalog> App<'_, C, D> {
    /// Publishes one file at `slug`, as the admin API does. Identical content writes nothing.
    pub async fn publish(&self, kind: Kind, slug: &Slug, source: &str) -> Result<Published, AppError> {
        let doc = prepare(kind, source, Some(slug.as_str()))?;
        if doc.summary.slug != *slug {
            return Err(AppError::BadDocument(format!(
                "the front matter says slug = \"{}\" but the URL says `{slug}`; make them agree",
                doc.summary.slug
            )));
        }
        // A stored document that cannot be read is replaced: publishing is how the author repairs it.
        let previous = match self.content.doc(kind, slug).await {
            Err(StoreError::Corrupt(_)) => None,
            other => other?,
        };
        let created = previous.is_none();
        if previous.is_none_or(|p| p.version != doc.doc.version) {
            let after = self.catalog_index(Some((kind, slug, Some(&doc.summary)))).await?;
            self.content.check_index(&after.index).await?;
            let docs = std::slice::from_ref(&doc);
            self.db.upsert(docs).await?;
            self.content.put_docs(docs).await?;
            self.store_index(after).await?;
        }
        Ok(Published { slug: slug.clone(), url: doc.summary.url(), created })
    }

    /// Writes documents to the catalog and content store, then builds the index from the catalog.
    pub async fn publish_all(&self, docs: &[PublishedDoc]) -> Result<(), AppError> {
        self.db.upsert(docs).await?;
        self.content.put_docs(docs).await?;
        let built = self.catalog_index(None).await?;
        self.store_index(built).await
    }

    /// Removes a document from every list, feed, the sitemap and search.
    pub async fn unpublish(&self, kind: Kind, slug: &Slug) -> Result<(), AppError> {
        let after = self.catalog_index(Some((kind, slug, None))).await?;
        if !after.held && self.content.doc(kind, slug).await?.is_none() {
            return Err(AppError::NotFound);
        }
        self.content.check_index(&after.index).await?;
        self.db.remove(kind, slug).await?;
        self.content.delete_doc(kind, slug).await?;
        self.store_index(after).await
    }

    /// The index of the catalog, with the document at `kind`/`slug` replaced by a summary or taken away if `change`
    /// says so: this request's own write, still to come, so that the content store can refuse, before anything is
    /// written, an index it could not store in one go (the KV writes of one worker request). Half a publish would be
    /// live at its address and in search, but in no list.
    async fn catalog_index(&self, change: Option<(Kind, &Slug, Option<&PostSummary>)>) -> Result<Built, AppError> {
        let Summaries { mut summaries, mut revision } = self.db.summaries().await?;
        let mut held = false;
        if let Some((kind, slug, summary)) = change {
            let listed = summaries.len();
            summaries.retain(|s| !(s.kind == kind && s.slug == *slug));
            held = summaries.len() < listed;
            summaries.extend(summary.cloned());
            revision += 1; // the write is the catalog's next, if no other request writes first
        }
        let mut index = SiteIndex::build(summaries, self.now);
        index.revision = revision;
        Ok(Built { index, held })
    }

    /// Stores the index again, built from the catalog, when the one stored was built at another revision of it: a
    /// publish that gave up ([`StoreError::Contended`]) or was cut short, or one of a release that did not record the
    /// revision, may have left a write out of the lists. True when it stored one. Run by the daily clean-up.
    pub async fn repair_index(&self) -> Result<bool, AppError> {
        let stored = self.content.index(Part::Tags).await?;
        if stored.revision == self.db.revision().await? {
            return Ok(false);
        }
        let built = self.catalog_index(None).await?;
        // As a publish does, so that an index too large to store through the worker is told as that, not as contention.
        self.content.check_index(&built.index).await?;
        self.store_index(built).await?;
        Ok(true)
    }

    /// Stores an index built at a catalog revision. Requests to the admin API at once interleave, each storing the
    /// index it built: so once it is stored, the revision is read again, and if another write moved it on since the
    /// index was built, the index is built again from the catalog and stored again. The request whose check comes
    /// last stores an index of every write before it, unless it gives up ([`StoreError::Contended`]). (No check
    /// before storing: it would cost every publish a read, and `blog publish` a wrangler run, to spare a store only
    /// when publishes meet.)
    async fn store_index(&self, mut built: Built) -> Result<(), AppError> {
        // Keys written and deleted by this request's stores: the store's limit is on them all.
        let mut spent = 0;
        for attempt in 0..STORE_TRIES {
            if attempt > 0 {
                built = self.catalog_index(None).await?;
            }
            spent += match self.content.put_index(&built.index, spent).await {
                // This request's own writes are done: refusing now would not leave the site as it was.
                Err(StoreError::TooManyWrites { .. }) => break,
                other => other?,
            };
            if self.db.revision().await? == built.index.revision {
                return Ok(());
            }
        }
        Err(StoreError::Contended.into())
    }
}

/// How many times a publish stores the index while other requests write to the catalog. A try fails only when
/// another write lands during it, so this many publishes at once all settle; each try reads D1 twice, within
/// the free plan's 50 queries a request.
const STORE_TRIES: usize = 8;

/// An index built from the catalog.
struct Built {
    index: SiteIndex,
    /// Whether the catalog held the document a change replaced or took away.
    held: bool,
}

/// Parses and renders a file for publishing; bad front matter is a [`AppError::BadDocument`].
pub fn prepare(kind: Kind, source: &str, file_slug: Option<&str>) -> Result<PublishedDoc, AppError> {
    let post = Post::parse(source, kind, file_slug).map_err(|e| AppError::BadDocument(e.to_string()))?;
    let rendered = post.render();
    Ok(PublishedDoc {
        summary: post.summary(&rendered),
        text: format!("{} {}", post.meta.title, rendered.text),
        doc: StoredDoc::new(kind, source.to_string(), Some(post.prepared(&rendered))),
    })
}
